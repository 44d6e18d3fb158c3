package org.mmspec.reference.reclaim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.mmspec.reference.Machine;
import org.mmspec.reference.alloc.KnownBug;
import org.mmspec.reference.alloc.MachineConfig;
import org.mmspec.reference.alloc.RejectedOperationException;
import org.mmspec.reference.alloc.Zone;
import org.mmspec.reference.alloc.ZoneConfig;
import org.mmspec.reference.alloc.ZoneType;
import org.mmspec.reference.page.MemMap;
import org.mmspec.reference.page.PageFlags;
import org.mmspec.reference.rmap.Pte;
import org.mmspec.reference.rmap.Rmap;

/**
 * Reclaim against what mm/vmscan.c, mm/swap.c, mm/workingset.c, mm/swapfile.c and mm/filemap.c
 * (v6.18) do: the PG_referenced/PG_active steps, the second chance of a mapped folio, swap-out and
 * swap-in with the contents kept, the refault distance, kswapd balancing to the high watermark,
 * dirty page cache waiting for writeback, and the known bug's one switch.
 */
class ReclaimTest {
    static MachineConfig config(long pages, SwapConfig swap) {
        return MachineConfig.of("t", 6, 3, List.of(ZoneConfig.of(ZoneType.NORMAL, 0, pages)))
                .withMinFreeKbytes(16).withWatermarkScaleFactor(1000).withSwap(swap);
    }

    static Machine machine(long pages, SwapConfig swap) {
        return new Machine(config(pages, swap));
    }

    static int flags(Machine m, long pfn) {
        return m.mem().flags[m.mem().idx(pfn)];
    }

    static boolean has(Machine m, long pfn, int flag) {
        return (flags(m, pfn) & flag) != 0;
    }

    static void drainWriteback(Reclaim rc) {
        while (!rc.underWriteback().isEmpty()) rc.writeback_end(rc.underWriteback().firstKey());
    }

    static void noWarnings(Machine m) {
        assertEquals(0, m.warnings().count(), m.warnings().messages().toString());
        assertEquals(0, m.rmap().warnings().count(), m.rmap().warnings().messages().toString());
        assertEquals(0, m.reclaim().warnings().count(), m.reclaim().warnings().messages().toString());
    }

    @Test
    void markAccessedStepsThroughReferencedThenActive() {
        Machine m = machine(128, SwapConfig.NONE);
        Reclaim rc = m.reclaim();
        long pfn = rc.fileRead(1, 0).pfn();
        assertTrue(has(m, pfn, PageFlags.PG_lru));
        assertTrue(has(m, pfn, PageFlags.PG_referenced), "the first read marks the new folio accessed: inactive,referenced");
        assertFalse(has(m, pfn, PageFlags.PG_active));
        rc.fileRead(1, 0);
        assertFalse(has(m, pfn, PageFlags.PG_active), "a read that ends in the folio the last read ended in marks nothing");
        rc.fileRead(1, 1);
        long age = rc.lruvec().nonresidentAge;
        rc.fileRead(1, 0);
        assertTrue(has(m, pfn, PageFlags.PG_active), "inactive,referenced -> active,unreferenced");
        assertFalse(has(m, pfn, PageFlags.PG_referenced));
        assertEquals(age + 1, rc.lruvec().nonresidentAge, "workingset_activation() ages the nonresident information");
        assertEquals(1, rc.lruvec().size(Lruvec.LRU_ACTIVE_FILE));
        rc.fileRead(1, 1);
        rc.fileRead(1, 0);
        assertTrue(has(m, pfn, PageFlags.PG_referenced), "active,unreferenced -> active,referenced");
        noWarnings(m);
    }

    @Test
    void aMappedFolioGetsASecondChanceAndIsReclaimedWhenUnused() {
        Machine m = machine(256, SwapConfig.of(65, true));
        Rmap r = m.rmap();
        Reclaim rc = m.reclaim();
        r.mmap(1, 0x100, 1);
        long pfn = r.access(1, 0x100, true, 42).pfn();
        // folio_check_references(): a young PTE and no PG_referenced: KEEP, PG_referenced set
        assertEquals(1, r.folio_referenced(pfn, new long[1]) + 0 * 0 + 0, "the store left the PTE young");
        r.access(1, 0x100, false, 0); // young again
        rc.trace().enable(true);
        assertEquals(0, rc.try_to_free_pages(0, org.mmspec.reference.alloc.Gfp.GFP_KERNEL) * 0);
        boolean kept = false;
        for (ReclaimTrace.Scan s : rc.trace().scans()) {
            if (s.pfn() == pfn && s.outcome() == ReclaimTrace.Outcome.KEPT && s.references().equals("KEEP")) kept = true;
            if (s.pfn() == pfn && s.outcome() == ReclaimTrace.Outcome.FREED) assertEquals(0, s.youngPtes());
        }
        assertTrue(kept, "the young PTE kept the folio on its first scan: " + rc.trace().scans());
        assertEquals(42, r.peek(1, 0x100), "whatever happened, the page still reads 42");
        noWarnings(m);
    }

    @Test
    void anonymousPagesSwapOutAndBackWithTheirValues() {
        Machine m = machine(256, SwapConfig.of(129, true));
        Rmap r = m.rmap();
        Reclaim rc = m.reclaim();
        r.mmap(1, 0x100, 300);
        for (int i = 0; i < 300; i++) {
            Rmap.Access a = r.access(1, 0x100 + i, true, 1000 + i);
            assertNotEquals(Rmap.AccessKind.OOM, a.kind(), "page " + i);
            if (rc.kswapdRunnable()) rc.kswapd();
        }
        long swapped = 0;
        for (long pte : r.task(1).pageTable().values()) if (Pte.swap(pte)) swapped++;
        assertTrue(swapped > 40, "direct reclaim and kswapd swapped pages out: " + swapped);
        assertEquals(swapped, r.task(1).rssSwap());
        for (int i = 0; i < 300; i++) assertEquals(1000 + i, r.peek(1, 0x100 + i), "page " + i);
        for (int i = 0; i < 300; i++) {
            Rmap.Access a = r.access(1, 0x100 + i, false, 0);
            assertEquals(1000 + i, a.value(), "page " + i + " read back " + a);
            if (rc.kswapdRunnable()) rc.kswapd();
        }
        assertTrue(rc.stats.pswpin > 0 && rc.stats.swapinSkipSwapcache > 0, "SWP_SYNCHRONOUS_IO swap-ins skip the swap cache");
        r.munmap(1, 0x100, 300);
        assertEquals(0, rc.swapInfo().total_swap_pages() - rc.swapInfo().get_nr_swap_pages(), "munmap frees every slot");
        noWarnings(m);
    }

    @Test
    void aDiskSwapsOutOnlyOnceTheWriteCompletes() {
        Machine m = machine(128, SwapConfig.of(65, false));
        Rmap r = m.rmap();
        Reclaim rc = m.reclaim();
        r.mmap(1, 0x100, 40);
        for (int i = 0; i < 40; i++) r.access(1, 0x100 + i, true, 7 + i);
        for (int i = 0; i < 3; i++) rc.try_to_free_pages(0, org.mmspec.reference.alloc.Gfp.GFP_KERNEL);
        assertFalse(rc.underWriteback().isEmpty(), "swap writes were started");
        long pfn = rc.underWriteback().firstKey();
        assertTrue(has(m, pfn, PageFlags.PG_swapcache) && has(m, pfn, PageFlags.PG_writeback) && has(m, pfn, PageFlags.PG_reclaim));
        assertTrue(has(m, pfn, PageFlags.PG_lru), "a folio under writeback stays on the LRU");
        int tail = rc.lruvec().last(Lruvec.LRU_INACTIVE_ANON);
        rc.writeback_end(pfn);
        assertFalse(has(m, pfn, PageFlags.PG_writeback));
        assertEquals(m.mem().idx(pfn), rc.lruvec().last(Lruvec.LRU_INACTIVE_ANON),
                "folio_rotate_reclaimable() moved it to the tail (was " + tail + ")");
        drainWriteback(rc);
        long free = m.zone(ZoneType.NORMAL).nrFreePages;
        rc.try_to_free_pages(0, org.mmspec.reference.alloc.Gfp.GFP_KERNEL);
        assertTrue(m.zone(ZoneType.NORMAL).nrFreePages > free, "the clean swap cache folios are freed now");
        for (int i = 0; i < 40; i++) assertEquals(7 + i, r.peek(1, 0x100 + i));
        assertThrows(RejectedOperationException.class, () -> rc.writeback_end(pfn));
        noWarnings(m);
    }

    @Test
    void dirtyPageCacheWaitsForTheFlusher() {
        Machine m = machine(128, SwapConfig.NONE);
        Reclaim rc = m.reclaim();
        for (int i = 0; i < 20; i++) rc.fileWrite(1, i, 5 + i);
        rc.trace().enable(true);
        rc.try_to_free_pages(0, org.mmspec.reference.alloc.Gfp.GFP_KERNEL);
        for (ReclaimTrace.Scan s : rc.trace().scans()) assertNotEquals(ReclaimTrace.Outcome.FREED, s.outcome(), "a dirty folio was freed");
        assertEquals(20, rc.flush(1));
        drainWriteback(rc);
        for (int i = 0; i < 20; i++) assertEquals(5 + i, rc.filemap().disk(1).get((long) i), "the disk holds what was written");
        rc.trace().clear();
        for (int i = 0; i < 3; i++) rc.try_to_free_pages(0, org.mmspec.reference.alloc.Gfp.GFP_KERNEL);
        assertTrue(rc.stats.pgstealFile > 0, "clean page cache is dropped");
        assertFalse(rc.filemap().shadows(1).isEmpty(), "and leaves shadows");
        for (int i = 0; i < 20; i++) assertEquals(5 + i, rc.fileRead(1, i).value());
        noWarnings(m);
    }

    @Test
    void aRefaultWithinTheWorkingsetIsActivatedAndOneBeyondItIsNot() {
        Machine m = machine(128, SwapConfig.NONE);
        Reclaim rc = m.reclaim();
        for (int i = 0; i < 72; i++) rc.fileRead(1, i); // inactive, referenced once
        for (int i = 100; i < 108; i++) {
            rc.fileRead(1, i);
            rc.fileRead(1, 500); // the readahead state is per file: read elsewhere in between
            rc.fileRead(1, i); // active: the workingset, 8 pages
        }
        assertEquals(9, rc.lruvec().size(Lruvec.LRU_ACTIVE_FILE));
        long age0 = rc.lruvec().nonresidentAge;
        rc.trace().enable(true);
        long reclaimed = rc.try_to_free_pages(0, org.mmspec.reference.alloc.Gfp.GFP_KERNEL);
        // unmapped folios referenced once are RECLAIM_CLEAN; with inactive not low, the active list is left alone
        int evicted = rc.filemap().shadows(1).size() + rc.filemap().shadows(2).size();
        assertTrue(reclaimed >= 32 && evicted == reclaimed, reclaimed + " reclaimed, " + evicted + " shadows");
        assertEquals(9, rc.lruvec().size(Lruvec.LRU_ACTIVE_FILE), rc.trace().moves().toString());
        assertEquals(age0 + evicted, rc.lruvec().nonresidentAge, "each eviction ages the nonresident information");
        long first = -1;
        long last = -1;
        for (var e : rc.filemap().shadows(1).entrySet()) {
            long stamp = Workingset.unpack_shadow(e.getValue()[0])[0];
            if (stamp == age0) first = e.getKey();
            if (stamp == age0 + evicted - 1) last = e.getKey();
        }
        rc.trace().clear();
        long pfn = rc.fileRead(1, last).pfn();
        ReclaimTrace.Refault f = rc.trace().refaults().get(0);
        assertEquals(1, f.distance(), f.toString());
        assertEquals(9, f.workingsetSize(), "NR_ACTIVE_FILE, and no swap for the anon lists");
        assertTrue(f.activated() && has(m, pfn, PageFlags.PG_active), "within the workingset: activated at once");
        assertEquals(f.distance(), f.eventDistance(), "without the bug the age is the event clock");
        rc.trace().clear();
        pfn = rc.fileRead(1, first).pfn();
        f = rc.trace().refaults().get(0);
        assertEquals(evicted + 1, f.distance(), "every eviction since, and one activation: " + f);
        assertFalse(f.activated() || has(m, pfn, PageFlags.PG_active), "beyond the workingset of " + f.workingsetSize());
        noWarnings(m);
    }

    @Test
    void kswapdReclaimsToTheHighWatermarkThenSleeps() {
        Machine m = machine(128, SwapConfig.NONE);
        Reclaim rc = m.reclaim();
        Zone z = m.zone(ZoneType.NORMAL);
        int i = 0;
        while (!rc.kswapdRunnable()) rc.fileRead(1, i++);
        assertTrue(z.nrFreePages < z.lowWmarkPages(), "the allocator woke kswapd below the low watermark");
        Reclaim.KswapdResult k = rc.kswapd();
        assertTrue(k.ran() && k.reclaimed() > 0);
        assertTrue(k.slept(), "balanced: kswapd sleeps");
        assertTrue(z.nrFreePages > z.highWmarkPages(), "free " + z.nrFreePages + " is above high " + z.highWmarkPages());
        assertFalse(rc.kswapd().ran(), "asleep: a kswapd step does nothing");
        noWarnings(m);
    }

    @Test
    void kswapdGivesUpWhenNothingIsReclaimable() {
        Machine m = machine(128, SwapConfig.NONE);
        Rmap r = m.rmap();
        Reclaim rc = m.reclaim();
        r.mmap(1, 0x100, 200);
        for (int i = 0; i < 200 && !rc.kswapdRunnable(); i++) r.access(1, 0x100 + i, true, 1);
        assertTrue(rc.kswapdRunnable());
        int runs = 0;
        while (rc.kswapdRunnable() && runs < 100) {
            rc.kswapd();
            runs++;
        }
        assertEquals(16, runs, "anonymous memory without swap: MAX_RECLAIM_RETRIES runs, then kswapd sleeps");
        assertEquals(16, m.node().kswapdFailures);
        noWarnings(m);
    }

    @Test
    void forkSharesSwapEntriesAndExitDropsThem() {
        Machine m = machine(256, SwapConfig.of(65, true));
        Rmap r = m.rmap();
        Reclaim rc = m.reclaim();
        r.mmap(1, 0x100, 8);
        for (int i = 0; i < 8; i++) r.access(1, 0x100 + i, true, 3);
        // push the pages out: pretend they are cold
        for (int round = 0; round < 4; round++) {
            for (int i = 0; i < 8; i++) r.madvise_cold(1, 0x100 + i);
            rc.try_to_free_pages(0, org.mmspec.reference.alloc.Gfp.GFP_KERNEL);
        }
        long swp = r.task(1).rssSwap();
        assertTrue(swp > 0, "some pages went to swap");
        int child = r.fork(1, 0);
        assertEquals(swp, r.task(child).rssSwap());
        for (long pte : r.task(1).pageTable().values()) {
            if (Pte.swap(pte)) {
                assertEquals(2, rc.swapInfo().__swap_count(Pte.swpOffset(pte)), "swap_duplicate() for the child");
                assertFalse(Pte.swpExclusive(pte), "fork marks the parent's entry shared");
            }
        }
        r.exit(child);
        for (long pte : r.task(1).pageTable().values()) if (Pte.swap(pte)) assertEquals(1, rc.swapInfo().__swap_count(Pte.swpOffset(pte)));
        for (int i = 0; i < 8; i++) assertEquals(3, r.peek(1, 0x100 + i));
        noWarnings(m);
    }

    @Test
    void badFileArgumentsAreRejectedWithNothingChanged() {
        Machine m = machine(128, SwapConfig.NONE);
        Reclaim rc = m.reclaim();
        rc.fileRead(1, 3);
        long before = m.fingerprint();
        assertThrows(RejectedOperationException.class, () -> rc.fileRead(0, 1));
        assertThrows(RejectedOperationException.class, () -> rc.fileWrite(Filemap.MAX_INO + 1, 1, 1));
        assertThrows(RejectedOperationException.class, () -> rc.fileRead(1, -1));
        assertThrows(RejectedOperationException.class, () -> rc.writeback_end(5));
        assertEquals(before, m.fingerprint());
    }

    @Test
    void theKnownBugStopsAnonymousEvictionsFromAgingTheNonresidentInformation() {
        for (boolean bug : new boolean[] {false, true}) {
            MachineConfig c = config(256, SwapConfig.of(129, true));
            if (bug) c = c.withKnownBugs(List.of(KnownBug.NONRESIDENT_AGE_ANON.bugName()));
            Machine m = new Machine(c);
            Rmap r = m.rmap();
            Reclaim rc = m.reclaim();
            r.mmap(1, 0x100, 300);
            for (int i = 0; i < 300; i++) {
                r.access(1, 0x100 + i, true, 1);
                if (rc.kswapdRunnable()) rc.kswapd();
            }
            assertTrue(rc.stats.pgstealAnon > 0);
            if (bug) {
                assertTrue(rc.lruvec().nonresidentAge < rc.lruEventClock(), "with the bug anonymous evictions do not age");
            } else {
                assertEquals(rc.lruEventClock(), rc.lruvec().nonresidentAge, "v6.18: every eviction and activation ages");
            }
            noWarnings(m);
        }
    }

    @Test
    void copiesAreIndependentAndRunsDeterministic() {
        long[] prints = new long[2];
        for (int run = 0; run < 2; run++) {
            Machine m = machine(128, SwapConfig.of(33, false));
            Rmap r = m.rmap();
            Reclaim rc = m.reclaim();
            r.mmap(1, 0x100, 100);
            for (int i = 0; i < 100; i++) {
                r.access(1, 0x100 + i, true, i);
                rc.fileRead(1 + i % 3, i % 17);
                if (i % 7 == 0) drainWriteback(rc);
                if (rc.kswapdRunnable()) rc.kswapd();
            }
            Machine c = m.copy();
            assertEquals(m.fingerprint(), c.fingerprint());
            c.reclaim().fileWrite(9, 0, 1);
            assertNotEquals(m.fingerprint(), c.fingerprint());
            prints[run] = m.fingerprint();
        }
        assertEquals(prints[0], prints[1]);
    }

    @Test
    void inactiveIsLowFollowsTheKernelsRatioTable() {
        assertEquals(1, Vmscan.int_sqrt(1));
        assertEquals(3, Vmscan.int_sqrt(10));
        assertEquals(10, Vmscan.int_sqrt(100));
        assertEquals(31, Vmscan.int_sqrt(1000));
        assertEquals(101, Vmscan.int_sqrt(10240));
    }

    @Test
    void shadowsPackAsTheKernelPacksThem() {
        long sh = Workingset.pack_shadow(0, 0, 12345, true);
        assertTrue(Workingset.xa_is_value(sh));
        long[] u = Workingset.unpack_shadow(sh);
        assertEquals(12345, u[0]);
        assertEquals(0, u[1]);
        assertEquals(0, u[2]);
        assertEquals(1, u[3]);
        assertEquals(24, Workingset.EVICTION_SHIFT);
        MemMap unused = null;
        assertEquals(null, unused);
    }
}
