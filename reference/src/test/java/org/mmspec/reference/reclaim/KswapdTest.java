package org.mmspec.reference.reclaim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.mmspec.reference.Machine;
import org.mmspec.reference.alloc.Gfp;
import org.mmspec.reference.alloc.MachineConfig;
import org.mmspec.reference.alloc.Node;
import org.mmspec.reference.alloc.PageAlloc;
import org.mmspec.reference.alloc.Zone;
import org.mmspec.reference.alloc.ZoneConfig;
import org.mmspec.reference.alloc.ZoneType;

/**
 * kswapd as mm/vmscan.c (v6.18) runs it: kswapd() reading and resetting kswapd_order and
 * kswapd_highest_zoneidx, balance_pgdat() (the priority loop, the watermark-boost pass, the
 * failure count), kswapd_shrink_node()'s target and order drop, and kswapd_try_to_sleep() /
 * prepare_kswapd_sleep() with clear_pgdat_congested() and the kcompactd wakeup.
 */
class KswapdTest {
    static final int NORMAL = ZoneType.NORMAL.idx();

    /** Page cache read into a machine until pgdat_balanced(0, NORMAL) fails: free pages under the high watermark. */
    static Machine pressedWithFileCache(long pages) {
        Machine m = ReclaimTest.machine(pages, SwapConfig.NONE);
        Reclaim rc = m.reclaim();
        int i = 0;
        while (i < 4 * pages && m.pageAlloc().pgdat_balanced(0, NORMAL)) rc.fileRead(1, i++);
        // and on: the allocations' fast path goes down to the low watermark, the slow path to min
        for (int j = 0; j < pages / 2; j++) rc.fileRead(1, i++);
        m.node().kswapdWoken = false;
        assertFalse(m.pageAlloc().pgdat_balanced(0, NORMAL), "the page cache pushed free pages under high");
        Zone z = m.zone(ZoneType.NORMAL);
        assertTrue(z.nrFreePages + Vmscan.compact_gap(2) < z.highWmarkPages(), z.nrFreePages + " free, high " + z.highWmarkPages());
        return m;
    }

    /** Anonymous memory with no swap until the node is not balanced: nothing kswapd can reclaim. */
    static Machine pressedWithAnon(long pages) {
        Machine m = ReclaimTest.machine(pages, SwapConfig.NONE);
        m.rmap().mmap(1, 0x1000, 4 * pages);
        for (int i = 0; i < 4 * pages && m.pageAlloc().pgdat_balanced(0, NORMAL); i++) m.rmap().access(1, 0x1000 + i, true, i + 1);
        assertFalse(m.pageAlloc().pgdat_balanced(0, NORMAL));
        return m;
    }

    static void wake(Machine m, int order) {
        Node n = m.node();
        n.kswapdWoken = true;
        n.kswapdOrder = order;
        n.kswapdHighestZoneidx = NORMAL;
    }

    /**
     * kswapd() on a balanced node: balance_pgdat() counts PAGEOUTRUN and goes straight to out
     * (no reclaim, no failure), snapshot_refaults() runs; kswapd_try_to_sleep() ->
     * prepare_kswapd_sleep() finds it balanced, clear_pgdat_congested() clears
     * LRUVEC_NODE_CONGESTED/LRUVEC_CGROUP_CONGESTED and PGDAT_DIRTY/PGDAT_WRITEBACK, and it sleeps.
     * A kswapd that was not woken does nothing.
     */
    @Test
    void aBalancedNodeSleepsAndClearsCongestion() {
        Machine m = ReclaimTest.machine(256, SwapConfig.NONE);
        Reclaim rc = m.reclaim();
        assertFalse(rc.kswapd().ran(), "asleep");
        assertEquals(0, rc.stats.kswapdRuns);
        rc.lruvec().flags |= Lruvec.LRUVEC_NODE_CONGESTED | Lruvec.LRUVEC_CGROUP_CONGESTED | 4;
        rc.pgdatFlags = Vmscan.PGDAT_DIRTY | Vmscan.PGDAT_WRITEBACK | 4;
        rc.lruvec().workingsetActivate[Lruvec.WORKINGSET_FILE] = 9;
        m.node().kswapdFailures = 3;
        wake(m, 0);
        rc.trace().enable(true);
        Reclaim.KswapdResult k = rc.kswapd();
        assertTrue(k.ran() && k.slept());
        assertEquals(0, k.reclaimed());
        assertEquals(1, rc.stats.kswapdRuns);
        assertEquals(1, rc.stats.pageoutrun);
        assertEquals(1, rc.stats.kswapdSleeps);
        assertEquals(0, rc.stats.kswapdHighWmarkHitQuickly);
        assertEquals(3, m.node().kswapdFailures, "a balanced run is no failure and no progress");
        assertFalse(m.node().kswapdWoken);
        assertEquals(4, rc.lruvec().flags, "only the congestion bits are cleared");
        assertEquals(4, rc.pgdatFlags);
        assertEquals(9, rc.lruvec().refaults[Lruvec.WORKINGSET_FILE], "snapshot_refaults()");
        assertEquals(0, m.node().kswapdOrder);
        assertEquals(ZoneType.MAX_NR_ZONES, m.node().kswapdHighestZoneidx, "reset to MAX_NR_ZONES");
        assertEquals(List.of(new ReclaimTrace.KswapdRun(0, NORMAL, 0, NORMAL, 0, true, 3)), rc.trace().kswapdRuns());
        for (Zone z : m.node().zones) assertEquals(0, z.flags & Zone.ZONE_RECLAIM_ACTIVE);
    }

    /**
     * A high-order wakeup on a node balanced at that order: balance_pgdat() returns the order
     * (reclaim_order == alloc_order), so kswapd goes back to the loop top and tries to sleep
     * with the (reset) kswapd_order 0: wakeup_kcompactd(0) does nothing.
     */
    @Test
    void aBalancedHighOrderRunDoesNotWakeKcompactd() {
        Machine m = ReclaimTest.machine(256, SwapConfig.NONE);
        Reclaim rc = m.reclaim();
        assertTrue(m.pageAlloc().pgdat_balanced(2, NORMAL));
        long kc = m.node().kcompactdWakeups;
        wake(m, 2);
        rc.trace().enable(true);
        Reclaim.KswapdResult k = rc.kswapd();
        assertTrue(k.slept());
        assertEquals(2, k.order());
        assertEquals(0, rc.trace().kswapdRuns().get(0).sleepOrder(), "the loop top re-reads kswapd_order: 0");
        assertEquals(kc, m.node().kcompactdWakeups);
    }

    /**
     * balance_pgdat() on a node whose free pages are under the high watermark, with clean page
     * cache: it reclaims until pgdat_balanced(), progress resets kswapd_failures (shrink_node()),
     * ZONE_RECLAIM_ACTIVE is cleared on the way out. For an order-2 request kswapd_shrink_node()
     * drops to order 0 once compact_gap(2) = 8 pages are reclaimed, so balance_pgdat() returns 0
     * and kswapd() checks sleep at order 0 but wakes kcompactd for order 2.
     */
    @Test
    void kswapdReclaimsToTheHighWatermarkAndFallsBackToOrderZero() {
        Machine m = pressedWithFileCache(256);
        Reclaim rc = m.reclaim();
        m.node().kswapdFailures = 5;
        wake(m, 2);
        long kc = m.node().kcompactdWakeups;
        m.node().kcompactdMaxOrder = 0;
        long lru = rc.lruvec().total();
        rc.trace().enable(true);
        rc.trace().clear();
        Reclaim.KswapdResult k = rc.kswapd();
        assertTrue(k.reclaimed() >= Vmscan.compact_gap(2), k.toString());
        assertEquals(lru - k.reclaimed(), rc.lruvec().total());
        assertTrue(m.pageAlloc().pgdat_balanced(0, NORMAL));
        assertEquals(0, m.node().kswapdFailures, "progress resets kswapd_failures");
        assertTrue(k.slept());
        assertEquals(kc + 1, m.node().kcompactdWakeups, "kswapd_try_to_sleep() wakes kcompactd for alloc_order");
        assertEquals(2, m.node().kcompactdMaxOrder);
        ReclaimTrace.KswapdRun run = rc.trace().kswapdRuns().get(0);
        assertEquals(2, run.order());
        assertEquals(0, run.sleepOrder(), "reclaim_order 0 < alloc_order 2: sleep checked at order 0");
        assertEquals(k.reclaimed(), run.reclaimed());
        for (Zone z : m.node().zones) assertEquals(0, z.flags & Zone.ZONE_RECLAIM_ACTIVE);
        ReclaimTest.noWarnings(m);
    }

    /** balance_pgdat() directly: the order it returns is sc.order, 0 after the drop. */
    @Test
    void balancePgdatReturnsTheOrderItEndedAt() {
        Machine m = pressedWithFileCache(256);
        Reclaim rc = m.reclaim();
        assertEquals(0, rc.vmscan.balance_pgdat(2, NORMAL));
        assertTrue(rc.lastBalanceReclaimed >= 8);
        // balanced already at order 1: returned unchanged
        assertTrue(m.pageAlloc().pgdat_balanced(1, NORMAL));
        assertEquals(1, rc.vmscan.balance_pgdat(1, NORMAL));
        assertEquals(0, rc.lastBalanceReclaimed);
    }

    /**
     * Nothing reclaimable (anonymous memory, no swap): every balance_pgdat() reclaims nothing and
     * counts a kswapd failure; kswapd stays awake (prepare_kswapd_sleep() false: neither hopeless
     * nor balanced) until kswapd_failures reaches MAX_RECLAIM_RETRIES, then sleeps.
     */
    @Test
    void aHopelessNodeSleepsAfterMaxReclaimRetries() {
        Machine m = pressedWithAnon(256);
        Reclaim rc = m.reclaim();
        m.node().kswapdFailures = 0;
        wake(m, 0);
        int runs = 0;
        while (m.node().kswapdWoken && runs < 40) {
            Reclaim.KswapdResult k = rc.kswapd();
            runs++;
            assertEquals(0, k.reclaimed());
            assertEquals(runs, m.node().kswapdFailures);
            assertEquals(runs == PageAlloc.MAX_RECLAIM_RETRIES, k.slept());
        }
        assertEquals(PageAlloc.MAX_RECLAIM_RETRIES, runs);
        assertEquals(1, rc.stats.kswapdFailuresHit);
        assertEquals(1, rc.stats.kswapdSleeps);
        assertEquals(PageAlloc.MAX_RECLAIM_RETRIES - 1, rc.stats.kswapdHighWmarkHitQuickly);
        assertEquals(runs, rc.stats.kswapdRuns);
        assertTrue(rc.vmscan.prepare_kswapd_sleep(0, NORMAL));
        m.node().kswapdFailures = PageAlloc.MAX_RECLAIM_RETRIES - 1;
        assertFalse(rc.vmscan.prepare_kswapd_sleep(0, NORMAL), "one short of hopeless, and not balanced");
        // a failure past the limit is not counted again as the hit
        m.node().kswapdFailures = PageAlloc.MAX_RECLAIM_RETRIES;
        rc.vmscan.balance_pgdat(0, NORMAL);
        assertEquals(PageAlloc.MAX_RECLAIM_RETRIES + 1, m.node().kswapdFailures);
        assertEquals(1, rc.stats.kswapdFailuresHit);
    }

    /**
     * balance_pgdat()'s boost pass: zone_boosts[] summed over managed zones up to
     * highest_zoneidx; on a node balanced even against the boosted watermark, reclaim runs with
     * may_writepage and may_swap off, and "if (nr_boost_reclaim && !nr_reclaimed) break": on this
     * small LRU DEF_PRIORITY scans nothing (size >> 12 = 0), so the pass ends at once, reclaiming
     * nothing, which counts a kswapd failure. The boost is then taken off the zone and kcompactd is
     * woken for pageblock_order.
     */
    @Test
    void aWatermarkBoostIsTakenOffAndWakesKcompactd() {
        Machine m = ReclaimTest.machine(256, SwapConfig.NONE);
        Reclaim rc = m.reclaim();
        for (int i = 0; i < 60; i++) rc.fileRead(1, i);
        Zone z = m.zone(ZoneType.NORMAL);
        z.watermarkBoost = 4;
        assertTrue(m.pageAlloc().pgdat_balanced(0, NORMAL), "balanced against high + boost");
        long kc = m.node().kcompactdWakeups;
        m.node().kcompactdMaxOrder = 0;
        long lru = rc.lruvec().total();
        int order = rc.vmscan.balance_pgdat(0, NORMAL);
        assertEquals(0, order);
        assertEquals(0, rc.lastBalanceReclaimed);
        assertEquals(lru, rc.lruvec().total());
        assertEquals(1, m.node().kswapdFailures);
        assertEquals(0, z.watermarkBoost);
        assertEquals(1, rc.stats.kswapdBoostReclaim);
        assertEquals(1, rc.stats.pageoutrun);
        assertEquals(kc + 1, m.node().kcompactdWakeups);
        assertEquals(m.node().pageblockOrder(), m.node().kcompactdMaxOrder);
        ReclaimTest.noWarnings(m);
    }

    /**
     * A boost on a node that is not balanced: the boost pass is abandoned (nr_boost_reclaim = 0,
     * restart) and kswapd reclaims normally to the high watermark; the boost still comes off.
     */
    @Test
    void aBoostOnAnUnbalancedNodeRestartsWithoutIt() {
        Machine m = pressedWithFileCache(256);
        Reclaim rc = m.reclaim();
        Zone z = m.zone(ZoneType.NORMAL);
        z.watermarkBoost = 2;
        long kc = m.node().kcompactdWakeups;
        rc.vmscan.balance_pgdat(0, NORMAL);
        assertEquals(0, z.watermarkBoost);
        assertTrue(m.pageAlloc().pgdat_balanced(0, NORMAL));
        assertEquals(kc + 1, m.node().kcompactdWakeups);
        // a boost above highest_zoneidx is neither reclaimed nor taken off
        Machine n = ReclaimTest.machine(256, SwapConfig.NONE);
        n.zone(ZoneType.NORMAL).watermarkBoost = 3;
        long kc2 = n.node().kcompactdWakeups;
        n.reclaim().vmscan.balance_pgdat(0, ZoneType.DMA32.idx());
        assertEquals(3, n.zone(ZoneType.NORMAL).watermarkBoost);
        assertEquals(0, n.reclaim().stats.kswapdBoostReclaim);
        assertEquals(kc2, n.node().kcompactdWakeups);
    }

    /**
     * kswapd_shrink_node(): nr_to_reclaim is the sum over managed zones up to reclaim_idx of
     * max(high_wmark_pages, SWAP_CLUSTER_MAX); the order drops to 0 once sc->nr_reclaimed >=
     * compact_gap(order); it returns whether max(nr_scanned, reclaimed this call) reached
     * nr_to_reclaim.
     */
    @Test
    void kswapdShrinkNodeTargetsTheHighWatermarks() {
        MachineConfig cfg = MachineConfig.of("t2", 6, 3, List.of(ZoneConfig.of(ZoneType.DMA32, 0, 256),
                ZoneConfig.of(ZoneType.NORMAL, 256, 256))).withMinFreeKbytes(64).withWatermarkScaleFactor(1000)
                .withSwap(SwapConfig.NONE);
        Machine m = new Machine(cfg);
        Reclaim rc = m.reclaim();
        for (int i = 0; i < 200; i++) rc.fileRead(1, i);
        Zone d = m.zone(ZoneType.DMA32);
        Zone n = m.zone(ZoneType.NORMAL);
        Vmscan.ScanControl sc = kswapdSc(12, 0, NORMAL);
        long before = rc.lruvec().total();
        boolean ret = rc.vmscan.kswapd_shrink_node(sc);
        long target = Math.max(d.highWmarkPages(), 32) + Math.max(n.highWmarkPages(), 32);
        assertEquals(target, sc.nr_to_reclaim);
        assertFalse(ret, "priority 12 scans next to nothing: " + sc.nr_scanned + " scanned, " + sc.nr_reclaimed + " reclaimed");
        Vmscan.ScanControl low = kswapdSc(12, 0, ZoneType.DMA32.idx());
        rc.vmscan.kswapd_shrink_node(low);
        assertEquals(Math.max(d.highWmarkPages(), 32), low.nr_to_reclaim);
        // priority 0 scans everything: far more than the target
        Vmscan.ScanControl all = kswapdSc(0, 2, NORMAL);
        all.nr_reclaimed = 5; // earlier progress of the same balance_pgdat() counts for the order drop
        assertTrue(rc.vmscan.kswapd_shrink_node(all));
        assertEquals(0, all.order, "compact_gap(2) reached");
        assertTrue(rc.lruvec().total() < before);
        // the order stays while sc->nr_reclaimed < compact_gap(order)
        Vmscan.ScanControl big = kswapdSc(0, 6, NORMAL);
        rc.vmscan.kswapd_shrink_node(big);
        assertTrue(big.nr_reclaimed < Vmscan.compact_gap(6), big.nr_reclaimed + " reclaimed");
        assertEquals(6, big.order);
    }

    static Vmscan.ScanControl kswapdSc(int priority, int order, int reclaimIdx) {
        Vmscan.ScanControl sc = new Vmscan.ScanControl();
        sc.gfp_mask = Gfp.GFP_KERNEL;
        sc.kswapd = true;
        sc.may_unmap = true;
        sc.may_swap = true;
        sc.may_writepage = true;
        sc.priority = priority;
        sc.order = order;
        sc.reclaim_idx = reclaimIdx;
        return sc;
    }

    /** Reclaim.try_to_free_pages() on an empty LRU: the same two passes, throttle check and refault snapshot, scanning nothing. */
    @Test
    void directReclaimOnAnEmptyLru() {
        Machine m = ReclaimTest.machine(128, SwapConfig.NONE);
        Reclaim rc = m.reclaim();
        assertEquals(0, rc.lruvec().total());
        Zone z = m.zone(ZoneType.NORMAL);
        long free = z.nrFreePages;
        rc.lruvec().workingsetActivate[Lruvec.WORKINGSET_ANON] = 2;
        rc.lruvec().zoneLruSize[NORMAL][Lruvec.LRU_INACTIVE_FILE] = 1; // so allow_direct_reclaim() counts the zone
        z.nrFreePages = 0;
        assertEquals(0, rc.try_to_free_pages(0, Gfp.GFP_KERNEL));
        assertEquals(1, rc.stats.directReclaimThrottled);
        assertEquals(1, rc.stats.directReclaimRuns);
        assertEquals(2, rc.stats.allocstall);
        assertEquals(2, rc.lruvec().refaults[Lruvec.WORKINGSET_ANON]);
        assertTrue(m.node().kswapdWoken);
        assertEquals(0, rc.__perform_reclaim(m.pageAlloc(), Gfp.GFP_DMA | Gfp.GFP_KERNEL, 0, null));
        assertEquals(1, rc.stats.directReclaimThrottled, "no zone up to ZONE_DMA is populated");
        assertEquals(2, rc.stats.directReclaimRuns);
        assertEquals(4, rc.stats.allocstall);
        z.nrFreePages = free;
        rc.try_to_free_pages(0, Gfp.GFP_KERNEL);
        assertEquals(1, rc.stats.directReclaimThrottled);
    }

    /**
     * kswapd_age_node(): only with swap (can_age_anon_pages()) and an inactive anon list that is
     * low does kswapd deactivate SWAP_CLUSTER_MAX folios of the active anon list.
     */
    @Test
    void kswapdAgesTheAnonListOnlyWithSwapAndALowInactiveList() {
        for (boolean swap : new boolean[] {false, true}) {
            Machine m = ReclaimTest.machine(256, swap ? SwapConfig.of(65, true) : SwapConfig.NONE);
            Reclaim rc = m.reclaim();
            m.rmap().mmap(1, 0x100, 40);
            for (int i = 0; i < 40; i++) {
                long pfn = m.rmap().access(1, 0x100 + i, true, i + 1).pfn();
                rc.folio_mark_accessed(pfn);
                rc.folio_mark_accessed(pfn); // inactive -> referenced -> active
            }
            Lruvec l = rc.lruvec();
            long active = l.size(Lruvec.LRU_ACTIVE_ANON);
            assertTrue(active >= 32 && l.size(Lruvec.LRU_INACTIVE_ANON) * 1 < active, l.size(Lruvec.LRU_INACTIVE_ANON) + " / " + active);
            rc.vmscan.kswapd_age_node(kswapdSc(12, 0, NORMAL));
            if (swap) {
                assertEquals(active - Vmscan.SWAP_CLUSTER_MAX, l.size(Lruvec.LRU_ACTIVE_ANON), "32 scanned off the active list");
            } else {
                assertEquals(active, l.size(Lruvec.LRU_ACTIVE_ANON), "no swap: anon is not aged");
            }
            // with the inactive list not low, nothing moves
            long a2 = l.size(Lruvec.LRU_ACTIVE_ANON);
            if (swap && !rc.vmscan.inactive_is_low(Lruvec.LRU_INACTIVE_ANON)) {
                rc.vmscan.kswapd_age_node(kswapdSc(12, 0, NORMAL));
                assertEquals(a2, l.size(Lruvec.LRU_ACTIVE_ANON));
            }
        }
    }

    /**
     * balance_pgdat()'s boost pass on an LRU large enough to scan at DEF_PRIORITY: the boost
     * (64 pages) is reclaimed a little at a time, and "if (nr_boost_reclaim && sc.priority ==
     * DEF_PRIORITY - 2) raise_priority = false" holds the priority at 10 (5000 >> 10 = 4 inactive
     * file folios a pass) instead of doubling the scan each pass, so the run stops within one
     * pass of the boost: 64 + 4 at most, where raising further would overshoot to ~127. The node
     * was balanced throughout, so no failure; the boost comes off and kcompactd is woken.
     */
    @Test
    void aBoostIsReclaimedAtAHeldPriority() {
        Machine m = ReclaimTest.machine(8192, SwapConfig.NONE);
        Reclaim rc = m.reclaim();
        for (int i = 0; i < 5000; i++) rc.fileRead(1, i);
        Zone z = m.zone(ZoneType.NORMAL);
        z.watermarkBoost = 64;
        assertTrue(m.pageAlloc().pgdat_balanced(0, NORMAL), z.nrFreePages + " free, high " + z.highWmarkPages());
        long kc = m.node().kcompactdWakeups;
        assertEquals(0, rc.vmscan.balance_pgdat(0, NORMAL));
        long got = rc.lastBalanceReclaimed;
        assertTrue(got >= 64 && got < 64 + 16, got + " reclaimed");
        assertEquals(0, z.watermarkBoost);
        assertEquals(0, m.node().kswapdFailures);
        assertEquals(kc + 1, m.node().kcompactdWakeups);
        ReclaimTest.noWarnings(m);
    }
}
