package org.mmspec.invariants.buddy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mmspec.invariants.buddy.BuddyKit.alloc;
import static org.mmspec.invariants.buddy.BuddyKit.apply;
import static org.mmspec.invariants.buddy.BuddyKit.idx;
import static org.mmspec.invariants.buddy.BuddyKit.tinyAfterOneAlloc;

import java.util.ArrayList;
import java.util.LinkedHashSet;
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
import org.mmspec.invariants.engine.Args;
import org.mmspec.invariants.engine.Checker;
import org.mmspec.invariants.engine.Execution;
import org.mmspec.invariants.engine.Outcome;
import org.mmspec.invariants.engine.Step;
import org.mmspec.reference.Machine;
import org.mmspec.reference.alloc.MachineConfig;
import org.mmspec.reference.alloc.MigrateType;
import org.mmspec.reference.alloc.Watermarks;
import org.mmspec.reference.alloc.Zone;
import org.mmspec.reference.alloc.ZoneType;
import org.mmspec.reference.page.MemMap;
import org.mmspec.reference.page.PageFlags;
import org.mmspec.spec.buddy.BuddySpec;

/**
 * No invariant is vacuous: for every ID the catalog has (and for the engine's
 * {@link Checker#CRASH}), at least one case builds a state that violates it, in the smallest
 * plausible way, and sees exactly that ID reported, while the same scenario left healthy passes
 * every invariant. {@link #everyInvariantHasACase()} fails the build when an invariant is added
 * without a case here.
 */
class NonVacuityTest {

    /** What one variant of a scenario produced: every violation, and those of the invariant under test. */
    record Result(List<Violation> all, List<Violation> own) {}

    /** One way to break invariant {@code id}: {@code run.apply(false)} is the healthy variant, {@code true} the broken one. */
    record Case(String id, String how, Function<Boolean, Result> run) {
        @Override
        public String toString() {
            return id + ": " + how;
        }
    }

    static Result result(String id, BuddyState s) {
        return new Result(BuddyKit.checkAll(s), BuddyKit.check(id, s));
    }

    /** Boots with {@code setup}; the broken variant then applies {@code corruption} to the state directly. */
    static Case corrupt(String id, String how, Supplier<BuddyState> setup, Consumer<BuddyState> corruption) {
        return new Case(id, how, broken -> {
            BuddyState s = setup.get();
            if (broken) corruption.accept(s);
            return result(id, s);
        });
    }

    /** Runs the same operations on the shipped allocator (healthy) and on a planted wrong one (broken). */
    static Case planted(String id, String how, MachineConfig config, Machine.AllocFactory bad, Consumer<BuddyState> ops,
                        Consumer<BuddyState> alsoWhenBroken) {
        return new Case(id, how, broken -> {
            BuddySubsystem sub = broken ? new BuddySubsystem(bad) : new BuddySubsystem();
            BuddyState s = sub.init(config);
            ops.accept(s);
            if (broken) alsoWhenBroken.accept(s);
            return result(id, s);
        });
    }

    static Case planted(String id, String how, MachineConfig config, Machine.AllocFactory bad, Consumer<BuddyState> ops) {
        return planted(id, how, config, bad, ops, s -> { });
    }

    /** Replays steps with Execution on the shipped allocator and on a planted one. */
    static Case replayed(String id, String how, MachineConfig config, Machine.AllocFactory bad, List<Step> steps) {
        return new Case(id, how, broken -> {
            BuddySubsystem sub = broken ? new BuddySubsystem(bad) : new BuddySubsystem();
            Execution<BuddyState> ex = Execution.run(sub, config, steps, new Checker<>(sub.invariants()));
            List<Violation> own = new ArrayList<>();
            for (Violation v : ex.violations) if (v.invariantId().equals(id)) own.add(v);
            return new Result(ex.violations, own);
        });
    }

    static BuddyState boot(MachineConfig c) {
        return BuddyKit.SUB.init(c);
    }

    static Zone normal(BuddyState s) {
        return s.machine.zone(ZoneType.NORMAL);
    }

    static MemMap mem(BuddyState s) {
        return s.machine.mem();
    }

    static final int MOVABLE = MigrateType.MIGRATE_MOVABLE;

    // tinyAfterOneAlloc(): pfn 0x0 allocated (order 0); free blocks 0x1/0, 0x2/1, 0x4/2, 0x8/3, all MOVABLE;
    // pageblock_order 2, MAX_PAGE_ORDER 4.
    static Stream<Case> cases() {
        Supplier<BuddyState> t1 = BuddyKit::tinyAfterOneAlloc;
        Supplier<BuddyState> tiny = () -> boot(BuddyConfigs.tiny());
        Supplier<BuddyState> small = () -> boot(BuddyConfigs.small());
        Supplier<BuddyState> bench = () -> boot(BuddyConfigs.bench1k());
        MachineConfig tinyC = BuddyConfigs.tiny();
        List<Case> cs = new ArrayList<>();

        // ---- BUDDY-ALIGN
        cs.add(corrupt("BUDDY-ALIGN", "buddy_order of the free block at 0x2 reads 2", t1,
                s -> mem(s).order[idx(s, 2)] = 2));
        cs.add(corrupt("BUDDY-ALIGN", "the order-2 free block at 0x4 has its head at 0x5", t1, s -> {
            MemMap m = mem(s);
            int p = idx(s, 4);
            m.listDel(p);
            m.flags[p] &= ~PageFlags.PGTY_buddy;
            m.order[p] = 0;
            m.flags[p + 1] |= PageFlags.PGTY_buddy;
            m.order[p + 1] = 2;
            m.listAddTail(p + 1, normal(s).list(2, MOVABLE));
        }));

        // ---- BUDDY-PARTITION
        cs.add(corrupt("BUDDY-PARTITION", "the free block at 0x8 loses PageBuddy", t1,
                s -> mem(s).flags[idx(s, 8)] &= ~PageFlags.PGTY_buddy));
        cs.add(corrupt("BUDDY-PARTITION", "the free block at 0x4 claims order 3 and overlaps 0x8", t1,
                s -> mem(s).order[idx(s, 4)] = 3));
        cs.add(corrupt("BUDDY-PARTITION", "the allocated block at 0x0 loses its allocation record (a leak)", t1,
                s -> mem(s).flags[idx(s, 0)] &= ~PageFlags.MODEL_ALLOC_HEAD));
        cs.add(corrupt("BUDDY-PARTITION", "a page inside the free block at 0x8 is PG_reserved", t1,
                s -> mem(s).flags[idx(s, 9)] |= PageFlags.PG_reserved));

        // ---- BUDDY-FREELIST
        cs.add(corrupt("BUDDY-FREELIST", "the free block at 0x8 is unlinked but stays PageBuddy", t1,
                s -> mem(s).listDel(idx(s, 8))));
        cs.add(corrupt("BUDDY-FREELIST", "a page on free_list[3] is not PageBuddy", t1,
                s -> mem(s).flags[idx(s, 8)] &= ~PageFlags.PGTY_buddy));
        cs.add(corrupt("BUDDY-FREELIST", "the order-3 block at 0x8 sits on free_area[2]", t1,
                s -> mem(s).listMoveTail(idx(s, 8), normal(s).list(2, MOVABLE))));

        // ---- BUDDY-NR-FREE
        cs.add(corrupt("BUDDY-NR-FREE", "free_area[3].nr_free is one too many", t1, s -> normal(s).nrFree[3]++));
        cs.add(corrupt("BUDDY-NR-FREE", "free_area[0].nr_free is one too few", t1, s -> normal(s).nrFree[0]--));

        // ---- BUDDY-MAX-MERGE
        cs.add(corrupt("BUDDY-MAX-MERGE", "the order-3 block at 0x8 is left as two unmerged order-2 halves "
                + "(same pageblock type, at pageblock order)", t1, s -> BuddyKit.splitFreeBlock(s, 8)));
        cs.add(corrupt("BUDDY-MAX-MERGE", "the order-1 block at 0x2 is left as two unmerged order-0 halves", t1,
                s -> BuddyKit.splitFreeBlock(s, 2)));

        // ---- BUDDY-PBTYPE
        cs.add(corrupt("BUDDY-PBTYPE", "the MOVABLE block at 0x8 sits on the UNMOVABLE list", t1,
                s -> mem(s).listMoveTail(idx(s, 8), normal(s).list(3, MigrateType.MIGRATE_UNMOVABLE))));
        cs.add(corrupt("BUDDY-PBTYPE", "the order-4 free block spans a pageblock isolated under it", tiny,
                s -> s.machine.pageAlloc().toggle_pageblock_isolate(normal(s), 4, true)));

        // ---- BUDDY-NR-FREE-PAGES
        cs.add(corrupt("BUDDY-NR-FREE-PAGES", "NR_FREE_PAGES is one short", t1, s -> normal(s).nrFreePages--));
        cs.add(corrupt("BUDDY-NR-FREE-PAGES", "NR_FREE_CMA_PAGES counts a page too many", small,
                s -> normal(s).nrFreeCmaPages++));
        cs.add(corrupt("BUDDY-NR-FREE-PAGES", "NR_FREE_PAGES_BLOCKS counts a pageblock too many", t1,
                s -> normal(s).nrFreePagesBlocks += 4));
        cs.add(corrupt("BUDDY-NR-FREE-PAGES", "nr_free_highatomic counts a page no highatomic list holds", t1,
                s -> normal(s).nrFreeHighatomic++));

        // ---- BUDDY-PAGE-STATE
        cs.add(corrupt("BUDDY-PAGE-STATE", "the free head 0x8 holds a reference", t1, s -> mem(s).refcount[idx(s, 8)] = 1));
        cs.add(corrupt("BUDDY-PAGE-STATE", "the free head 0x8 is PG_lru", t1,
                s -> mem(s).flags[idx(s, 8)] |= PageFlags.PG_lru));
        cs.add(corrupt("BUDDY-PAGE-STATE", "the free head 0x8 is mapped", t1, s -> mem(s).mapcount()[idx(s, 8)] = 1));
        cs.add(corrupt("BUDDY-PAGE-STATE", "the allocated head 0x0 has refcount 0", t1, s -> mem(s).refcount[idx(s, 0)] = 0));
        cs.add(corrupt("BUDDY-PAGE-STATE", "the free head 0x8 is also an allocated head", t1,
                s -> mem(s).flags[idx(s, 8)] |= PageFlags.MODEL_ALLOC_HEAD));

        // ---- BUDDY-HIGHATOMIC
        cs.add(corrupt("BUDDY-HIGHATOMIC", "nr_reserved_highatomic counts a pageblock that is not highatomic", t1,
                s -> normal(s).nrReservedHighatomic += 4));
        cs.add(corrupt("BUDDY-HIGHATOMIC", "every pageblock of tiny is highatomic, far above the 1% limit", tiny, s -> {
            Zone z = normal(s);
            for (long pb = 0; pb < 16; pb += 4) {
                s.machine.pageAlloc().move_freepages_block(z, pb, MOVABLE, MigrateType.MIGRATE_HIGHATOMIC);
            }
            z.nrReservedHighatomic = 16;
        }));

        // ---- WMARK-FORMULA
        cs.add(corrupt("WMARK-FORMULA", "every Normal watermark is one page higher (order and steps intact)", small, s -> {
            for (int w = 0; w < Watermarks.NR_WMARK; w++) normal(s).watermark[w]++;
        }));
        cs.add(corrupt("WMARK-FORMULA", "min_free_kbytes doubled without rerunning setup_per_zone_wmarks", small,
                s -> s.machine.sysctl().minFreeKbytes *= 2));

        // ---- WMARK-ORDER
        cs.add(corrupt("WMARK-ORDER", "the Normal low watermark is above high", small,
                s -> normal(s).watermark[Watermarks.WMARK_LOW] = normal(s).watermark[Watermarks.WMARK_HIGH] + 1));
        cs.add(corrupt("WMARK-ORDER", "the Normal promo watermark is one step and a page above high", small,
                s -> normal(s).watermark[Watermarks.WMARK_PROMO]++));

        // ---- LOWMEM-RESERVE
        cs.add(corrupt("LOWMEM-RESERVE", "DMA lowmem_reserve[Normal] is one page too big", small,
                s -> s.machine.zone(ZoneType.DMA).lowmemReserve[ZoneType.NORMAL.idx()]++));
        cs.add(corrupt("LOWMEM-RESERVE", "lowmem_reserve_ratio[DMA] written without rerunning the handler", small,
                s -> s.machine.sysctl().lowmemReserveRatio[ZoneType.DMA.idx()] = 1));

        // ---- BOOST-BOUNDS
        cs.add(corrupt("BOOST-BOUNDS", "watermark_boost one page above max_boost", bench, s -> {
            Zone z = normal(s);
            long max = Math.max(s.machine.pageAlloc().pageblock_nr_pages, Watermarks.multFrac(
                    z.watermark[Watermarks.WMARK_HIGH], s.machine.sysctl().watermarkBoostFactor, 10000));
            z.watermarkBoost = max + 1;
        }));
        cs.add(corrupt("BOOST-BOUNDS", "a boost on the DMA zone of 27 pages, smaller than four pageblocks", small,
                s -> s.machine.zone(ZoneType.DMA).watermarkBoost = 1));

        // ---- KERNEL-NO-WARN
        cs.add(corrupt("KERNEL-NO-WARN", "a warning recorded", t1, s -> s.machine.warnings().warn("test", "planted")));
        cs.add(corrupt("KERNEL-NO-WARN", "unisolating a pageblock that is not isolated", tiny,
                s -> s.machine.pageAlloc().__move_freepages_block_isolate(normal(s), 0, false)));

        // ---- BUDDY-REJECT-UNCHANGED
        cs.add(planted(BuddyOps.REJECT_UNCHANGED, "a double free rejected after the checks set PG_referenced", tinyC,
                Planted.CHECK_FREE_TOUCHES_PAGE, s -> {
                    alloc(s, 0, "GFP_HIGHUSER_MOVABLE", 0);
                    Outcome o = apply(s, 1, "bad_free", Args.of("pfn", 8L, "order", 3));
                    assertEquals(Outcome.Kind.REJECTED, o.kind(), "the double free must be rejected: " + o);
                }));
        cs.add(planted(BuddyOps.REJECT_UNCHANGED, "a free of order MAX_PAGE_ORDER + 1 silently accepted", tinyC,
                Planted.ACCEPTS_BAD_ORDER, s -> {
                    alloc(s, 0, "GFP_HIGHUSER_MOVABLE", 0);
                    apply(s, 1, "bad_free", Args.of("pfn", 0L, "order", 5));
                }));

        // ---- BUDDY-SPEC-WELLFORMED (the spec's own state, corrupted through its public API)
        cs.add(corrupt("BUDDY-SPEC-WELLFORMED", "spec: a pageblock inside the free order-4 block retyped highatomic",
                tiny, s -> s.spec.retype(4, BuddySpec.HIGHATOMIC)));
        cs.add(corrupt("BUDDY-SPEC-WELLFORMED", "spec: pfn 0x5 inside the free order-4 block made unavailable", tiny,
                s -> s.spec.makeAvailable(5, 6, BuddySpec.NONE)));
        cs.add(corrupt("BUDDY-SPEC-WELLFORMED", "spec: a retype back without noteDeferredMerges leaves buddies unmerged",
                () -> {
                    BuddyState s = boot(BuddyConfigs.tiny());
                    alloc(s, 0, "GFP_HIGHUSER_MOVABLE", 2);
                    return s;
                }, s -> {
                    s.spec.retype(4, BuddySpec.HIGHATOMIC);
                    s.spec.free(0, 2);
                    s.spec.retype(4, BuddySpec.NORMAL);
                }));

        // ---- BUDDY-REFINEMENT: outcomes the spec rejects (the pending path)...
        cs.add(planted(BuddyOps.REFINEMENT, "pending: an allocation fails although the zone is all free", tinyC,
                Planted.ALWAYS_FAILS, s -> alloc(s, 0, "GFP_KERNEL", 0),
                s -> assertFalse(s.pending.isEmpty(), "the spec should have rejected the failure")));
        cs.add(planted(BuddyOps.REFINEMENT, "pending: the same block handed out twice", tinyC, Planted.HANDS_OUT_TWICE,
                s -> {
                    alloc(s, 0, "GFP_HIGHUSER_MOVABLE", 0);
                    alloc(s, 1, "GFP_HIGHUSER_MOVABLE", 0);
                }, s -> assertFalse(s.pending.isEmpty(), "the spec should have rejected the second allocation")));
        cs.add(planted(BuddyOps.REFINEMENT, "pending: a free retypes its pageblock highatomic", tinyC,
                Planted.FREE_RETYPES_HIGHATOMIC, s -> {
                    alloc(s, 0, "GFP_HIGHUSER_MOVABLE", 0);
                    apply(s, 1, "free", Args.of("handle", 0L));
                }, s -> assertFalse(s.pending.isEmpty(), "syncClasses should have refused the retype")));
        // ...and states whose abstraction differs from the spec's (the comparison path)
        cs.add(corrupt(BuddyOps.REFINEMENT, "compare: the spec's pageblock 0x8 retyped highatomic, the reference's not",
                t1, s -> s.spec.retype(8, BuddySpec.HIGHATOMIC)));
        cs.add(planted(BuddyOps.REFINEMENT, "compare: order-0 requests served with order-1 blocks", tinyC,
                Planted.OVER_ALLOCATES, s -> alloc(s, 0, "GFP_HIGHUSER_MOVABLE", 0),
                s -> assertTrue(s.pending.isEmpty(), "this case must reach the state comparison, not the pending "
                        + "path: " + s.pending)));

        // ---- REFERENCE-NO-CRASH (the engine's, reported by Execution)
        cs.add(replayed(Checker.CRASH, "__free_pages throws IllegalStateException", tinyC, Planted.CRASHES_ON_FREE,
                List.of(BuddyKit.alloc(0, "GFP_KERNEL", 0), BuddyKit.free(1, 0))));
        cs.add(replayed(Checker.CRASH, "__alloc_pages overflows its stack", tinyC, Planted.OVERFLOWS_ON_ALLOC,
                List.of(BuddyKit.alloc(0, "GFP_KERNEL", 0))));
        return cs.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void reportsExactlyItsId(Case c) {
        Result healthy = c.run().apply(false);
        assertEquals(List.of(), healthy.all(), "the healthy variant of '" + c + "' must pass every invariant");
        Result broken = c.run().apply(true);
        assertFalse(broken.own().isEmpty(), c.id() + " reported nothing for: " + c.how() + "; all violations: " + broken.all());
        for (Violation v : broken.own()) assertEquals(c.id(), v.invariantId(), "wrong ID in " + v);
    }

    @Test
    void everyInvariantHasACase() {
        Set<String> ids = new TreeSet<>();
        for (Invariant<BuddyState> inv : BuddyInvariants.all()) ids.add(inv.id());
        ids.add(Checker.CRASH);
        Set<String> covered = new TreeSet<>();
        cases().forEach(c -> covered.add(c.id()));
        Set<String> missing = new TreeSet<>(ids);
        missing.removeAll(covered);
        assertEquals(Set.of(), missing, "invariants without a non-vacuity case");
        Set<String> unknown = new TreeSet<>(covered);
        unknown.removeAll(ids);
        assertEquals(Set.of(), unknown, "cases for IDs the catalog does not have");
    }

    @Test
    void catalogIdsAreUniqueAndDocumented() {
        Set<String> seen = new LinkedHashSet<>();
        for (Invariant<BuddyState> inv : BuddyInvariants.all()) {
            assertTrue(seen.add(inv.id()), "duplicate invariant ID " + inv.id());
            assertEquals("buddy", inv.subsystem(), inv.id());
            assertFalse(inv.statement().isBlank(), inv.id() + " has no statement");
            assertFalse(inv.citation().isBlank(), inv.id() + " has no citation");
        }
        assertEquals(new BuddySubsystem().invariants().size(), seen.size());
    }

    /** BOOST-BOUNDS's bound is inclusive: a boost of exactly max_boost is allowed. */
    @Test
    void boostAtExactlyMaxBoostIsAllowed() {
        BuddyState s = boot(BuddyConfigs.bench1k());
        Zone z = normal(s);
        long max = Watermarks.maxBoost(z.watermark[Watermarks.WMARK_HIGH], s.machine.sysctl().watermarkBoostFactor,
                s.machine.pageAlloc().pageblock_nr_pages, z.managedPages);
        assertTrue(max > 0);
        z.watermarkBoost = max;
        assertEquals(List.of(), BuddyKit.check("BOOST-BOUNDS", s));
    }
}
