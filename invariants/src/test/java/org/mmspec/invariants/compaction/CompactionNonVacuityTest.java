package org.mmspec.invariants.compaction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mmspec.invariants.compaction.CompactionKit.A;
import static org.mmspec.invariants.compaction.CompactionKit.apply;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.mmspec.invariants.Invariant;
import org.mmspec.invariants.Violation;
import org.mmspec.reference.alloc.Zone;
import org.mmspec.reference.alloc.ZoneType;
import org.mmspec.reference.compaction.CompactControl;
import org.mmspec.reference.rmap.Pte;
import org.mmspec.reference.rmap.RmapCorruption;
import org.mmspec.spec.compaction.CompactionSpec;

/**
 * No compaction invariant is vacuous: for every ID the compaction subsystem defines, a case breaks
 * the smallest plausible thing in a healthy state (or runs the known bug) and sees that ID
 * reported, while the healthy variant passes every invariant, the rmap's and the allocator's
 * included. {@link #everyCompactionInvariantHasACase()} fails when one is added without a case.
 */
class CompactionNonVacuityTest {
    record Result(List<Violation> all, List<Violation> own) {}

    record Case(String id, String how, Function<Boolean, Result> run) {
        @Override
        public String toString() {
            return id + ": " + how;
        }
    }

    static Case corrupt(String id, String how, Supplier<CompactionState> setup, Consumer<CompactionState> corruption) {
        return new Case(id, how, broken -> {
            CompactionState s = setup.get();
            if (broken) corruption.accept(s);
            return new Result(CompactionKit.checkAll(s), CompactionKit.check(id, s));
        });
    }

    /** The mid-pageblock layout with a whole-zone run started: its scanners at 0x0 and 0xc. */
    static CompactionState running() {
        CompactionState s = CompactionKit.midBlockStop(CompactionConfigs.tiny());
        apply(s, 30, "compact_start", "zone", "Normal", "order", -1, "mode", "sync");
        return s;
    }

    /**
     * pid 1's pages at 0x0, 0xe, 0xf with 0xc-0xd free (an order-1 block): the first round moves
     * 0x0 into 0xc and leaves 0xd isolated on cc->freepages[0] for later rounds.
     */
    static CompactionState holding() {
        CompactionState s = CompactionKit.midBlockStop(CompactionConfigs.tiny());
        apply(s, 19, "munmap", "pid", 1, "addr", A + 12, "pages", 1);
        apply(s, 30, "compact_start", "zone", "Normal", "order", -1, "mode", "sync");
        apply(s, 31, "compact_step");
        CompactControl cc = s.compaction().current();
        assertEquals(List.of(0xdL), new ArrayList<>(cc.freepages.get(0)), "set-up: 0xd held isolated");
        return s;
    }

    /** The last round with its scanners as given. */
    static void fakeRound(CompactionState s, long migrateBefore, long freeBefore, long migrateAfter, long freeAfter, boolean ended,
                          String result) {
        Zone z = s.machine.zone(ZoneType.NORMAL);
        s.rounds.add(new CompactionState.RoundRecord(new CompactionSpec.Round(z.name(), z.zoneStartPfn, z.zoneEndPfn(), 2, 1,
                migrateBefore, freeBefore, migrateAfter, freeAfter, ended, result), List.of(), List.of(), List.of(), false, -1,
                "sync", true));
    }

    static Stream<Case> cases() {
        Supplier<CompactionState> run = CompactionNonVacuityTest::running;
        Supplier<CompactionState> hold = CompactionNonVacuityTest::holding;
        List<Case> cs = new ArrayList<>();

        cs.add(corrupt("COMPACT-SCANNER-BOUNDS", "the free scanner of the run in progress is put past the zone end", run,
                s -> s.compaction().current().free_pfn = 0x14));
        cs.add(corrupt("COMPACT-SCANNER-BOUNDS", "a round leaves migrate_pfn below the zone start", hold,
                s -> fakeRound(s, 0x0, 0xc, -4, 0xc, false, "running")));

        cs.add(corrupt("COMPACT-SCANNER-MONOTONIC", "a round moves the migration scanner down", hold,
                s -> fakeRound(s, 0x8, 0xc, 0x4, 0xc, false, "running")));
        cs.add(corrupt("COMPACT-SCANNER-MONOTONIC", "a round moves the free scanner up a pageblock", hold,
                s -> fakeRound(s, 0x4, 0x8, 0x8, 0xc, false, "running")));

        cs.add(new Case("COMPACT-PROGRESS", "f2849aa09d4f re-created: compact_memory() on the mid-pageblock layout", broken -> {
            CompactionState s = CompactionKit.midBlockStop(broken ? CompactionKit.withBug(CompactionConfigs.tiny())
                    : CompactionConfigs.tiny());
            apply(s, 30, "compact_memory");
            return new Result(CompactionKit.checkAll(s), CompactionKit.check("COMPACT-PROGRESS", s));
        }));
        cs.add(corrupt("COMPACT-PROGRESS", "the stepped run is marked as having repeated a round", hold,
                s -> s.compaction().current().stalled = true));

        cs.add(corrupt("COMPACT-END", "a run ends COMPACT_COMPLETE with its scanners two pageblocks apart", hold,
                s -> fakeRound(s, 0x0, 0xc, 0x4, 0xc, true, "COMPACT_COMPLETE")));
        cs.add(corrupt("COMPACT-END", "a run ends with COMPACT_CONTINUE", hold,
                s -> fakeRound(s, 0x4, 0xc, 0x8, 0xc, true, "COMPACT_CONTINUE")));

        cs.add(corrupt("COMPACT-ISOLATED", "nr_freepages disagrees with the lists", hold,
                s -> s.compaction().current().nr_freepages++));
        cs.add(corrupt("COMPACT-ISOLATED", "the isolated block 0xd is dropped from cc->freepages (a leak)", hold,
                s -> {
                    s.compaction().current().freepages.get(0).clear();
                    s.compaction().current().nr_freepages = 0;
                }));

        cs.add(corrupt("MIGRATE-ENTRIES", "pid 1's PTE at 0x1c becomes a migration entry no migration made", run,
                s -> RmapCorruption.setPte(s.machine.rmap().task(1), A + 12, Pte.migrationEntry(0xc, true, false, true, true))));

        cs.add(corrupt("MIGRATE-PRESERVES", "a compacting step changes the content of pid 1's page at 0x10", run,
                s -> CompactionOps.compacting(s, () -> {
                    RmapCorruption.setContent(s.machine.rmap(), 0x0, 99);
                    return null;
                }, () -> 0)));
        cs.add(corrupt("MIGRATE-PRESERVES", "a compacting step points pid 1's page at 0x1c to pfn 0xe (two frames become one)", run,
                s -> CompactionOps.compacting(s, () -> {
                    RmapCorruption.setPte(s.machine.rmap().task(1), A + 12, Pte.mkPte(0xe, true, true, true));
                    return null;
                }, () -> 0)));

        cs.add(corrupt("COMPACT-UNMOVABLE", "a kernel allocation is freed behind the model's back", () -> {
            CompactionState s = running();
            apply(s, 40, "alloc", "gfp", "GFP_KERNEL", "order", 0);
            return s;
        }, s -> {
            long[] b = s.allocations.values().iterator().next();
            s.machine.freePages(b[0], (int) b[1]);
        }));

        cs.add(corrupt("COMPACT-CONSERVED", "a compacting step allocates a free page and keeps it", run,
                s -> CompactionOps.compacting(s, () -> {
                    s.machine.allocPages("GFP_KERNEL", 0);
                    return null;
                }, () -> 0)));

        cs.add(corrupt("COMPACT-DEFER", "compact_defer_shift goes past COMPACT_MAX_DEFER_SHIFT", run,
                s -> s.machine.zone(ZoneType.NORMAL).compactDeferShift = 7));
        return cs.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void reportsItsId(Case c) {
        Result healthy = c.run().apply(false);
        assertEquals(List.of(), healthy.all(), "the healthy variant of '" + c + "' must pass every invariant");
        Result broken = c.run().apply(true);
        assertFalse(broken.own().isEmpty(), c.id() + " reported nothing for: " + c.how() + "; all violations: " + broken.all());
        for (Violation v : broken.own()) {
            assertEquals(c.id(), v.invariantId(), "wrong ID in " + v);
            assertFalse(v.message().isBlank());
        }
    }

    /** Every violation names what the diagram draws: a pfn or the zone. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void violationsNameTheirEvidence(Case c) {
        for (Violation v : c.run().apply(true).own()) {
            if (c.id().equals("COMPACT-CONSERVED")) {
                assertTrue(v.nodes().contains("Normal"), "no zone in " + v);
                continue;
            }
            assertTrue(!v.pfns().isEmpty() || !v.nodes().isEmpty(), "no evidence in " + v);
        }
    }

    @Test
    void everyCompactionInvariantHasACase() {
        Set<String> ids = new TreeSet<>();
        for (Invariant<CompactionState> inv : CompactionKit.SUB.invariants()) {
            if (inv.subsystem().equals(CompactionSubsystem.NAME)) ids.add(inv.id());
        }
        Set<String> covered = new TreeSet<>();
        cases().forEach(c -> covered.add(c.id()));
        Set<String> missing = new TreeSet<>(ids);
        missing.removeAll(covered);
        assertEquals(Set.of(), missing, "invariants without a non-vacuity case");
        assertEquals(10, ids.size());
    }
}
