package org.mmspec.reference.reclaim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.mmspec.reference.Machine;
import org.mmspec.reference.alloc.Zone;
import org.mmspec.reference.alloc.ZoneType;
import org.mmspec.reference.page.MemMap;
import org.mmspec.reference.page.PageFlags;

/**
 * kswapd's balance_pgdat() and kswapd_shrink_node() (mm/vmscan.c, v6.18) pinned at the points
 * the other kswapd tests leave loose: the exact pace of a boost pass held at DEF_PRIORITY - 2,
 * for_each_managed_zone_pgdat() in the boost sum, may_writepage / may_swap outside a boost, the
 * cache_trim_mode restart, and kswapd_shrink_node()'s two comparisons.
 *
 * <p>Every expectation is worked out by hand from the kernel source named in the comment.
 */
class BalancePgdatKillTest {
    static final int NORMAL = ZoneType.NORMAL.idx();

    /** n clean page cache folios of file ino read once each (inactive file, PG_referenced), oldest first. */
    static long[] read(Reclaim rc, int ino, int n) {
        long[] p = new long[n];
        for (int i = 0; i < n; i++) p[i] = rc.fileRead(ino, i).pfn();
        return p;
    }

    /** A reference held by someone else (a pin): __remove_mapping()'s folio_ref_freeze(folio, 1 + 1) fails. */
    static void pin(Machine m, long pfn) {
        m.mem().refcount[m.mem().idx(pfn)]++;
    }

    /**
     * mm/vmscan.c, balance_pgdat(): a 64-page boost on a node that stays balanced, 5000 clean
     * inactive file folios, no swap. get_scan_count() is SCAN_FILE (no swap), so each pass scans
     * inactive_file &gt;&gt; priority folios and frees them all (FOLIOREF_RECLAIM_CLEAN, clean).
     * kswapd_shrink_node() never meets its target (nr_scanned &lt; high watermark), so
     * raise_priority stays true except "if (nr_boost_reclaim &amp;&amp; sc.priority == DEF_PRIORITY - 2)
     * raise_priority = false": priority 12 frees 1 (boost 63 left), 11 frees 2 (61), then the
     * priority is held at 10, 4 a pass (4933 &gt;&gt; 10 = 4 still at the end): 16 passes take the
     * boost to 0 and the next pass finds the node balanced with no boost left: goto out. 1 + 2 +
     * 16 * 4 = 67, exactly. Without the hold it would go on to 9 (9 more), 8 (19), 7 (38): 73;
     * lowering the priority only on no progress would stay at 12: 64.
     */
    @Test
    void aBoostPassIsHeldAtDefPriorityMinusTwoExactly() {
        Machine m = ReclaimTest.machine(8192, SwapConfig.NONE);
        Reclaim rc = m.reclaim();
        read(rc, 1, 5000);
        Zone z = m.zone(ZoneType.NORMAL);
        z.watermarkBoost = 64;
        assertTrue(m.pageAlloc().pgdat_balanced(0, NORMAL));
        assertEquals(0, rc.vmscan.balance_pgdat(0, NORMAL));
        assertEquals(67, rc.lastBalanceReclaimed);
        assertEquals(5000 - 67, rc.lruvec().size(Lruvec.LRU_INACTIVE_FILE));
        assertEquals(0, z.watermarkBoost);
        assertEquals(0, m.node().kswapdFailures);
        ReclaimTest.noWarnings(m);
    }

    /**
     * mm/vmscan.c, balance_pgdat(): the boost is summed with for_each_managed_zone_pgdat(), so a
     * zone with no managed pages (here ZONE_DMA, not populated) contributes nothing even if its
     * watermark_boost field is nonzero: nr_boost_reclaim 0, boosted false, and on a balanced node
     * "if (!nr_boost_reclaim &amp;&amp; balanced) goto out": no reclaim, no failure, the field is left
     * alone and kcompactd is not woken.
     */
    @Test
    void anUnmanagedZonesBoostIsNotSummed() {
        Machine m = ReclaimTest.machine(256, SwapConfig.NONE);
        Reclaim rc = m.reclaim();
        read(rc, 1, 20);
        Zone dma = m.node().zones[0];
        assertFalse(dma.managed());
        dma.watermarkBoost = 5;
        assertTrue(m.pageAlloc().pgdat_balanced(0, NORMAL));
        long kc = m.node().kcompactdWakeups;
        assertEquals(0, rc.vmscan.balance_pgdat(0, NORMAL));
        assertEquals(0, rc.stats.kswapdBoostReclaim);
        assertEquals(5, dma.watermarkBoost);
        assertEquals(kc, m.node().kcompactdWakeups);
        assertEquals(0, m.node().kswapdFailures);
        assertEquals(20, rc.lruvec().total());
    }

    /**
     * mm/vmscan.c, balance_pgdat(): outside a boost "sc.may_writepage = !laptop_mode &amp;&amp;
     * !nr_boost_reclaim; sc.may_swap = !nr_boost_reclaim;", so from DEF_PRIORITY on kswapd swaps.
     * Over 4096 cold anonymous folios, a synchronous swap device and no page cache, the node is
     * not balanced; prepare_scan_control() finds file_is_tiny (no file, free under the high
     * watermark, the inactive anon list not low), get_scan_count() SCAN_ANON: at priority 12 one
     * folio (size &gt;&gt; 12 = 1) is scanned first. It is cold (FOLIOREF_RECLAIM), gets a slot
     * (folio_alloc_swap()), is unmapped, pageout() writes it (may_writepage) and the write
     * completes at once, so __remove_mapping() frees it: the first scan is FREED. With may_swap
     * off there is no anon scan at all; with may_writepage off the folio would be kept.
     */
    @Test
    void kswapdSwapsAndWritesFromDefPriority() {
        Machine m = ReclaimTest.machine(8192, SwapConfig.of(1025, true));
        Reclaim rc = m.reclaim();
        m.rmap().mmap(1, 0x10000, 8192);
        int n = 0;
        while (m.pageAlloc().pgdat_balanced(0, NORMAL)) {
            m.rmap().access(1, 0x10000 + n, true, n + 1);
            m.rmap().madvise_cold(1, 0x10000 + n);
            n++;
        }
        m.node().kswapdWoken = false;
        assertTrue(rc.lruvec().size(Lruvec.LRU_INACTIVE_ANON) >= 4096, rc.lruvec().size(Lruvec.LRU_INACTIVE_ANON) + " inactive anon");
        assertEquals(0, rc.lruvec().size(Lruvec.LRU_ACTIVE_ANON));
        rc.trace().enable(true);
        rc.trace().clear();
        rc.vmscan.balance_pgdat(0, NORMAL);
        List<ReclaimTrace.Scan> scans = rc.trace().scans();
        assertFalse(scans.isEmpty(), "kswapd scanned the anon list");
        ReclaimTrace.Scan first = scans.get(0);
        assertFalse(first.file());
        assertEquals("RECLAIM", first.references());
        assertEquals(ReclaimTrace.Outcome.FREED, first.outcome(), first.toString());
        assertTrue(rc.lastBalanceReclaimed > 0);
        assertTrue(m.pageAlloc().pgdat_balanced(0, NORMAL));
        ReclaimTest.noWarnings(m);
    }

    /**
     * mm/vmscan.c, balance_pgdat(): "if (sc.priority &lt; DEF_PRIORITY - 2) sc.may_writepage = 1",
     * strictly below 10: a boost pass at priority 10 still has may_writepage 0. Boost 64 over
     * 5000 inactive file folios (as above); the fourth oldest is dirty, unreferenced and marked
     * PG_reclaim, with PGDAT_DIRTY set, so shrink_folio_list() does not activate it for the
     * flusher (kswapd, PG_reclaim, PGDAT_DIRTY) and it is FOLIOREF_RECLAIM with __GFP_FS: the next
     * test is "if (!sc-&gt;may_writepage) goto keep_locked". Priority 12 scans the oldest, 11 the
     * next two, the first pass at 10 meets it: kept on the inactive list, not given to pageout()
     * (which would activate a file folio: PAGE_ACTIVATE).
     */
    @Test
    void aBoostPassAtPriorityTenDoesNotWrite() {
        Machine m = ReclaimTest.machine(8192, SwapConfig.NONE);
        Reclaim rc = m.reclaim();
        MemMap mem = m.mem();
        long[] pfns = read(rc, 1, 5000);
        int dirty = mem.idx(pfns[3]);
        mem.flags[dirty] &= ~PageFlags.PG_referenced;
        mem.flags[dirty] |= PageFlags.PG_dirty | PageFlags.PG_reclaim;
        rc.pgdatFlags |= Vmscan.PGDAT_DIRTY;
        Zone z = m.zone(ZoneType.NORMAL);
        z.watermarkBoost = 64;
        assertTrue(m.pageAlloc().pgdat_balanced(0, NORMAL));
        rc.trace().enable(true);
        rc.trace().clear();
        rc.vmscan.balance_pgdat(0, NORMAL);
        ReclaimTrace.Scan s = rc.trace().scans().stream().filter(x -> x.pfn() == pfns[3]).findFirst().orElseThrow();
        assertEquals("RECLAIM", s.references());
        assertEquals(ReclaimTrace.Outcome.KEPT, s.outcome());
        assertEquals(0, mem.flags[dirty] & PageFlags.PG_active);
        assertTrue((mem.flags[dirty] & PageFlags.PG_dirty) != 0);
        assertEquals(Lruvec.LRU_INACTIVE_FILE, rc.lruvec().folio_lru_list(dirty));
        assertEquals(0, rc.stats.writebackStarted);
    }

    /**
     * mm/vmscan.c, balance_pgdat(): "Restart only if it went through the priority loop all the
     * way, but cache_trim_mode didn't work": !sc.nr_reclaimed &amp;&amp; sc.priority &lt; 1 &amp;&amp;
     * !sc.no_cache_trim_mode &amp;&amp; sc.cache_trim_mode_failed. 200 clean page cache folios are
     * pinned (a reference held elsewhere: __remove_mapping() cannot freeze them, keep_locked),
     * 16 cold anonymous folios sit on the inactive anon list, a synchronous swap device has room.
     * Down to priority 8 nothing is scanned (200 &gt;&gt; 8 = 0, 16 &gt;&gt; 8 = 0); from 7 to 1
     * prepare_scan_control() sets cache_trim_mode (inactive file &gt;&gt; priority nonzero, the file
     * list not deactivatable), so get_scan_count() is SCAN_FILE and only the pinned folios are
     * scanned: nothing reclaimed, shrink_node() sets cache_trim_mode_failed. The loop ends at
     * priority 0 with nothing reclaimed: restart with no_cache_trim_mode; now SCAN_FRACT (the file
     * cost charged by the failed scans favours anon) reaches the anon folios, which are swapped out
     * and freed: the run reclaims, so no kswapd failure is counted.
     */
    @Test
    void aFailedCacheTrimModeRestartsTheLoopWithoutIt() {
        Machine m = ReclaimTest.machine(256, SwapConfig.of(65, true));
        Reclaim rc = m.reclaim();
        long[] anon = ScanCountTest.coldAnon(m, 0x1000, 16);
        for (long pfn : read(rc, 1, 200)) pin(m, pfn);
        m.node().kswapdWoken = false;
        assertFalse(m.pageAlloc().pgdat_balanced(0, NORMAL), "free " + m.zone(ZoneType.NORMAL).nrFreePages);
        assertEquals(16, rc.lruvec().size(Lruvec.LRU_INACTIVE_ANON));
        assertEquals(200, rc.lruvec().size(Lruvec.LRU_INACTIVE_FILE));
        m.node().kswapdFailures = 0;
        rc.vmscan.balance_pgdat(0, NORMAL);
        assertTrue(rc.lastBalanceReclaimed > 0, "the restarted loop reclaimed anon");
        assertTrue(rc.lruvec().size(Lruvec.LRU_INACTIVE_ANON) < 16);
        assertEquals(200, rc.lruvec().size(Lruvec.LRU_INACTIVE_FILE), "the pinned folios stay");
        assertEquals(0, m.node().kswapdFailures);
        assertEquals(16, anon.length);
        assertTrue(rc.si.inusePages > 0, "anon went to swap");
    }

    /**
     * mm/vmscan.c, kswapd_shrink_node(): "if (sc-&gt;order &amp;&amp; sc-&gt;nr_reclaimed &gt;=
     * compact_gap(sc-&gt;order)) sc-&gt;order = 0" and "return max(sc-&gt;nr_scanned,
     * sc-&gt;nr_reclaimed - nr_reclaimed) &gt;= sc-&gt;nr_to_reclaim", both inclusive, the second
     * counting only this call's reclaim. 20 page cache folios: at priority 12 shrink_node() scans
     * and reclaims nothing, so what the caller's sc already holds decides: nr_reclaimed exactly
     * compact_gap(2) = 8 drops order 2 to 0, 7 does not; nr_scanned exactly nr_to_reclaim returns
     * true, one less false; a large earlier nr_reclaimed with nothing reclaimed now returns false.
     */
    @Test
    void kswapdShrinkNodeComparesInclusivelyAndCountsThisCallOnly() {
        Machine m = ReclaimTest.machine(256, SwapConfig.NONE);
        Reclaim rc = m.reclaim();
        read(rc, 1, 20);
        Zone z = m.zone(ZoneType.NORMAL);
        long target = Math.max(z.highWmarkPages(), Vmscan.SWAP_CLUSTER_MAX);

        Vmscan.ScanControl gap = KswapdTest.kswapdSc(12, 2, NORMAL);
        gap.nr_reclaimed = Vmscan.compact_gap(2);
        rc.vmscan.kswapd_shrink_node(gap);
        assertEquals(8, gap.nr_reclaimed, "nothing reclaimed at priority 12");
        assertEquals(0, gap.order, "8 >= compact_gap(2)");
        Vmscan.ScanControl below = KswapdTest.kswapdSc(12, 2, NORMAL);
        below.nr_reclaimed = Vmscan.compact_gap(2) - 1;
        rc.vmscan.kswapd_shrink_node(below);
        assertEquals(2, below.order);

        Vmscan.ScanControl scanned = KswapdTest.kswapdSc(12, 0, NORMAL);
        scanned.nr_scanned = target;
        assertTrue(rc.vmscan.kswapd_shrink_node(scanned));
        assertEquals(target, scanned.nr_to_reclaim);
        assertEquals(target, scanned.nr_scanned);
        Vmscan.ScanControl short1 = KswapdTest.kswapdSc(12, 0, NORMAL);
        short1.nr_scanned = target - 1;
        assertFalse(rc.vmscan.kswapd_shrink_node(short1));

        Vmscan.ScanControl earlier = KswapdTest.kswapdSc(12, 0, NORMAL);
        earlier.nr_reclaimed = 10 * target;
        assertFalse(rc.vmscan.kswapd_shrink_node(earlier), "only this call's reclaim counts");
        assertEquals(20, rc.lruvec().total());
    }

    /**
     * mm/vmscan.c, balance_pgdat(): "Do some background aging, to give pages a chance to be
     * referenced before reclaiming": kswapd_age_node() runs before kswapd_shrink_node() in each
     * pass. With swap, 64 active and no inactive anonymous folios (inactive_is_low()) and enough
     * page cache that the node is not balanced, the first thing the first pass does is
     * shrink_active_list() on the active anon list (SWAP_CLUSTER_MAX folios deactivated), before
     * shrink_node() evicts any page cache folio.
     */
    @Test
    void kswapdAgesTheAnonListBeforeShrinking() {
        Machine m = ReclaimTest.machine(8192, SwapConfig.of(65, true));
        Reclaim rc = m.reclaim();
        ScanCountTest.activate(m, ScanCountTest.coldAnon(m, 0x1000, 64));
        int i = 0;
        while (m.pageAlloc().pgdat_balanced(0, NORMAL)) rc.fileRead(1, i++);
        m.node().kswapdWoken = false;
        assertTrue(rc.lruvec().size(Lruvec.LRU_INACTIVE_FILE) >= 4096);
        assertEquals(64, rc.lruvec().size(Lruvec.LRU_ACTIVE_ANON));
        assertTrue(rc.vmscan.inactive_is_low(Lruvec.LRU_INACTIVE_ANON));
        rc.trace().enable(true);
        rc.trace().clear();
        rc.vmscan.balance_pgdat(0, NORMAL);
        List<ReclaimTrace.Move> moves = rc.trace().moves();
        assertTrue(moves.size() > Vmscan.SWAP_CLUSTER_MAX);
        for (int k = 0; k < Vmscan.SWAP_CLUSTER_MAX; k++) {
            ReclaimTrace.Move mv = moves.get(k);
            assertEquals(Lruvec.LRU_ACTIVE_ANON, mv.from(), k + ": " + mv);
            assertEquals(Lruvec.LRU_INACTIVE_ANON, mv.to());
            assertEquals("kswapd: shrink_active_list", mv.why());
        }
        assertTrue(rc.lastBalanceReclaimed > 0);
    }
}
