package org.mmspec.invariants.reclaim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import org.mmspec.reference.alloc.RejectedOperationException;
import org.mmspec.reference.alloc.Watermarks;
import org.mmspec.reference.alloc.Zone;
import org.mmspec.reference.alloc.ZoneType;
import org.mmspec.reference.page.PageFlags;
import org.mmspec.reference.reclaim.Lruvec;
import org.mmspec.reference.reclaim.ReclaimCorruption;
import org.mmspec.reference.reclaim.ReclaimTrace;
import org.mmspec.reference.reclaim.SwapInfo;
import org.mmspec.reference.reclaim.Workingset;
import org.mmspec.reference.rmap.RmapCorruption;

/**
 * No reclaim invariant is vacuous: for every ID the reclaim subsystem defines, a case breaks the
 * smallest plausible thing in a healthy state under memory pressure ({@link ReclaimKit#pressured()}:
 * swap entries, shadows, folios on every evictable list) and sees that ID reported, while the
 * healthy state passes every invariant, the reverse map's and the allocator's included. Cases for
 * the checks this issue added to RMAP-MAPCOUNT (MM_SWAPENTS) and RMAP-FOLIO-REFCOUNT (the swap
 * cache's reference) are here too.
 */
class ReclaimNonVacuityTest {
    record Result(List<Violation> all, List<Violation> own) {}

    record Case(String id, String how, Function<Boolean, Result> run) {
        @Override
        public String toString() {
            return id + ": " + how;
        }
    }

    static Case corrupt(String id, String how, Supplier<ReclaimState> setup, Consumer<ReclaimState> corruption) {
        return new Case(id, how, broken -> {
            ReclaimState s = setup.get();
            if (broken) corruption.accept(s);
            return new Result(ReclaimKit.checkAll(s), ReclaimKit.check(id, s));
        });
    }

    static int idx(ReclaimState s, long pfn) {
        return s.machine().mem().idx(pfn);
    }

    static Stream<Case> cases() {
        Supplier<ReclaimState> p = ReclaimKit::pressured;
        List<Case> cs = new ArrayList<>();

        cs.add(corrupt("RECLAIM-LRU-LISTS", "a folio on the inactive file list gets PG_active without moving", p, s -> {
            int page = s.reclaim().lruvec().last(Lruvec.LRU_INACTIVE_FILE);
            s.machine().mem().flags[page] |= PageFlags.PG_active;
        }));
        cs.add(corrupt("RECLAIM-LRU-LISTS", "an anonymous folio is taken off its list but keeps PG_lru", p, s -> {
            int page = s.reclaim().lruvec().last(Lruvec.LRU_INACTIVE_ANON);
            s.machine().mem().listDel(page);
        }));

        cs.add(corrupt("RECLAIM-LRU-COUNTS", "NR_INACTIVE_FILE counts one folio too many", p,
                s -> s.reclaim().lruvec().nrPages[Lruvec.LRU_INACTIVE_FILE]++));
        cs.add(corrupt("RECLAIM-LRU-COUNTS", "a zone's NR_ZONE_ACTIVE_FILE misses a folio", p,
                s -> s.reclaim().lruvec().zoneLruSize[ZoneType.NORMAL.idx()][Lruvec.LRU_ACTIVE_FILE]--));

        cs.add(corrupt("RECLAIM-NO-MAPPED-FREE", "a page cache folio loses its references as if freed", p, s -> {
            long pfn = ReclaimKit.fileFolio(s, 1);
            s.machine().mem().refcount[idx(s, pfn)] = 0;
        }));

        cs.add(corrupt("SWAP-ENTRY-SLOT", "a slot a swap entry names counts one entry too many", p, s -> {
            long off = ReclaimKit.swapEntry(s)[2];
            ReclaimCorruption.setSwapMap(s.reclaim(), off, s.reclaim().swapInfo().swapMap(off) + 1);
        }));
        cs.add(corrupt("SWAP-ENTRY-SLOT", "a free slot claims SWAP_HAS_CACHE with no folio cached", p, s -> {
            var si = s.reclaim().swapInfo();
            long off = si.max - 1;
            while (si.swapMap(off) != 0) off--;
            ReclaimCorruption.setSwapMap(s.reclaim(), off, SwapInfo.SWAP_HAS_CACHE);
        }));

        cs.add(corrupt("WS-SHADOW", "a shadow appears beside a cached page cache folio", p,
                s -> ReclaimCorruption.putFileShadow(s.reclaim(), 1, s.reclaim().filemap().folios(1).firstKey(),
                        Workingset.pack_shadow(0, 0, 1, false))));
        cs.add(corrupt("WS-SHADOW", "a shadow stamped later than the nonresident age", p,
                s -> ReclaimCorruption.putFileShadow(s.reclaim(), 2, 999, Workingset.pack_shadow(0, 0,
                        s.reclaim().lruvec().nonresidentAge + 10, true))));
        cs.add(corrupt("WS-SHADOW", "a shadow stays in a slot no swap entry names", p, s -> {
            var si = s.reclaim().swapInfo();
            long off = si.max - 1;
            while (si.swapMap(off) != 0) off--;
            ReclaimCorruption.putSlotShadow(s.reclaim(), off, Workingset.pack_shadow(0, 0, 1, false));
        }));

        cs.add(corrupt("WS-AGE-MONOTONIC", "the nonresident age went backwards during the step", p,
                s -> s.ageBefore = s.reclaim().lruvec().nonresidentAge + 1));

        cs.add(corrupt("WS-REFAULT", "a refault beyond the workingset was activated (what the known bug does)", p,
                s -> s.reclaim().trace().plant(new ReclaimTrace.Refault(ReclaimKit.fileFolio(s, 1), true, 3, 12, 3, true))));
        cs.add(corrupt("WS-REFAULT", "a refault within the workingset was left inactive", p,
                s -> s.reclaim().trace().plant(new ReclaimTrace.Refault(ReclaimKit.fileFolio(s, 1), true, 2, 2, 5, false))));

        cs.add(corrupt("RECLAIM-INACTIVE-ONLY", "a pass freed a folio whose flags put it on the active anon list", p,
                s -> s.reclaim().trace().plant(new ReclaimTrace.Scan(0x7, Lruvec.LRU_ACTIVE_ANON, false, 0, 0, false, "RECLAIM",
                        ReclaimTrace.Outcome.FREED, true))));

        cs.add(corrupt("RECLAIM-REFERENCED", "a pass freed a folio that a young PTE mapped when it was checked", p,
                s -> s.reclaim().trace().plant(new ReclaimTrace.Scan(0x7, Lruvec.LRU_INACTIVE_ANON, false, 0, 1, false, "RECLAIM",
                        ReclaimTrace.Outcome.FREED, false))));

        cs.add(corrupt("KSWAPD-STOP", "kswapd went to sleep with every zone below its high watermark", p, s -> {
            Zone z = s.machine().zone(ZoneType.NORMAL);
            z.watermark[Watermarks.WMARK_HIGH] = z.managedPages; // unreachable: the node is not balanced
            s.machine().node().kswapdWoken = false;
            s.reclaim().trace().plant(new ReclaimTrace.KswapdRun(0, ZoneType.NORMAL.idx(), 0, ZoneType.NORMAL.idx(), 0, true, 0));
        }));
        cs.add(corrupt("KSWAPD-STOP", "kswapd stays awake on a balanced node", p, s -> {
            s.machine().node().kswapdWoken = true;
            s.reclaim().trace().plant(new ReclaimTrace.KswapdRun(0, ZoneType.NORMAL.idx(), 0, ZoneType.NORMAL.idx(), 5, false, 0));
        }));
        cs.add(corrupt("KSWAPD-STOP", "a watermark boost survives kswapd's run", p, s -> {
            s.machine().zone(ZoneType.NORMAL).watermarkBoost = 2;
            s.reclaim().trace().plant(new ReclaimTrace.KswapdRun(0, ZoneType.NORMAL.idx(), 0, ZoneType.NORMAL.idx(), 5, true, 0));
        }));

        cs.add(corrupt("RECLAIM-NO-WARN", "the reference reached a VM_BUG_ON", p,
                s -> ReclaimCorruption.warn(s.reclaim(), "workingset_eviction", "VM_BUG_ON_FOLIO(folio_test_lru(folio))")));

        cs.add(corrupt("RECLAIM-REJECT-UNCHANGED", "a file read is rejected after it changed a page cache folio", p,
                s -> ReclaimOps.guarded(s, () -> {
                    ReclaimCorruption.setFileContent(s.reclaim(), ReclaimKit.fileFolio(s, 1), 9);
                    throw new RejectedOperationException("EBADF");
                })));

        cs.add(corrupt("RECLAIM-REFINEMENT", "a page cache folio's content changes behind the file's back", p,
                s -> ReclaimCorruption.setFileContent(s.reclaim(), ReclaimKit.fileFolio(s, 1), 9)));
        cs.add(corrupt("RECLAIM-REFINEMENT", "a read returns what the stray store left (the spec refuses the value)", p, s -> {
            long pfn = ReclaimKit.fileFolio(s, 1);
            long index = s.reclaim().filemap().folios(1).firstKey();
            ReclaimCorruption.setFileContent(s.reclaim(), pfn, 9);
            ReclaimKit.apply(s, 100, "file_read", "file", 1, "index", index);
            assertFalse(s.pending.isEmpty(), "the spec should have refused the value read");
        }));

        // what this issue added to the reverse map's invariants
        cs.add(corrupt("RMAP-MAPCOUNT", "MM_SWAPENTS counts one swap entry too many", p,
                s -> RmapCorruption.setRssSwap(s.rmap().task(1), s.rmap().task(1).rssSwap() + 1)));
        cs.add(corrupt("RMAP-REFINEMENT", "a swapped-out page's slot holds another value", p, s -> {
            long[] e = ReclaimKit.swapEntry(s);
            assertTrue(s.reclaim().swapInfo().cachedPfn(e[2]) < 0, "the page is on the device, not in the swap cache");
            ReclaimCorruption.setSlotData(s.reclaim(), e[2], 77);
        }));
        return cs.stream();
    }

    @Test
    void thePressuredStateHasWhatTheCasesBreak() {
        ReclaimState s = ReclaimKit.pressured();
        assertNotNull(ReclaimKit.swapEntry(s), "a swap entry");
        assertTrue(ReclaimKit.shadowSlot(s) > 0, "a shadow in a swap slot");
        assertFalse(s.reclaim().filemap().shadows(1).isEmpty() && s.reclaim().filemap().shadows(2).isEmpty(), "page cache shadows");
        for (int lru : new int[] {Lruvec.LRU_INACTIVE_ANON, Lruvec.LRU_INACTIVE_FILE, Lruvec.LRU_ACTIVE_FILE}) {
            assertTrue(s.reclaim().lruvec().size(lru) > 0, Lruvec.NAMES[lru] + " is empty: " + java.util.Arrays.toString(s.reclaim().lruvec().nrPages));
        }
        assertTrue(s.reclaim().stats.pgstealAnon > 0 && s.reclaim().stats.pgstealFile > 0 && s.reclaim().stats.refaultsOld > 0,
                s.reclaim().stats.figures().toString());
        assertEquals(List.of(), ReclaimKit.checkAll(s));
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

    /** Every violation names what the diagram draws: a pfn, a list, a slot, a file, a zone, kswapd or the age. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void violationsNameTheirEvidence(Case c) {
        Result broken = c.run().apply(true);
        for (Violation v : broken.own()) {
            if (c.id().equals("RECLAIM-NO-WARN") || c.id().equals("RECLAIM-REJECT-UNCHANGED") || c.id().startsWith("RMAP-")) continue;
            assertTrue(!v.pfns().isEmpty() || !v.nodes().isEmpty(), "no evidence in " + v);
        }
    }

    @Test
    void everyReclaimInvariantHasACase() {
        Set<String> ids = new TreeSet<>();
        for (Invariant<ReclaimState> inv : ReclaimKit.SUB.invariants()) if (inv.subsystem().equals("reclaim")) ids.add(inv.id());
        Set<String> covered = new TreeSet<>();
        cases().forEach(c -> covered.add(c.id()));
        Set<String> missing = new TreeSet<>(ids);
        missing.removeAll(covered);
        assertEquals(Set.of(), missing, "invariants without a non-vacuity case");
        assertEquals(13, ids.size());
    }
}
