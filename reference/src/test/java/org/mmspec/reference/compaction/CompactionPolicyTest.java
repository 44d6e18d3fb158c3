package org.mmspec.reference.compaction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mmspec.reference.alloc.SlowpathHooks.COMPACT_COMPLETE;
import static org.mmspec.reference.alloc.SlowpathHooks.COMPACT_CONTENDED;
import static org.mmspec.reference.alloc.SlowpathHooks.COMPACT_CONTINUE;
import static org.mmspec.reference.alloc.SlowpathHooks.COMPACT_NO_SUITABLE_PAGE;
import static org.mmspec.reference.alloc.SlowpathHooks.COMPACT_PARTIAL_SKIPPED;
import static org.mmspec.reference.alloc.SlowpathHooks.COMPACT_SKIPPED;
import static org.mmspec.reference.alloc.SlowpathHooks.COMPACT_SUCCESS;

import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.mmspec.reference.Machine;
import org.mmspec.reference.alloc.AllocFlags;
import org.mmspec.reference.alloc.Gfp;
import org.mmspec.reference.alloc.MachineConfig;
import org.mmspec.reference.alloc.MigrateType;
import org.mmspec.reference.alloc.PageAlloc;
import org.mmspec.reference.alloc.PfnRange;
import org.mmspec.reference.alloc.SlowpathHooks;
import org.mmspec.reference.alloc.Vmstat;
import org.mmspec.reference.alloc.Zone;
import org.mmspec.reference.alloc.ZoneConfig;
import org.mmspec.reference.alloc.ZoneType;
import org.mmspec.reference.migrate.MigrateMode;

/**
 * Compaction policy of mm/compaction.c (v6.18), function by function against the kernel source:
 * deferral (defer_compaction, compaction_deferred, compaction_defer_reset,
 * compaction_restarting), the proactive fragmentation score (fragmentation_score_zone,
 * _zone_weighted, _node, _wmark, should_proactive_compact_node), when a run is finished
 * (__compact_finished, compact_finished), and whether a zone is worth compacting (compact_gap,
 * __compaction_suitable, compaction_suitable, compaction_zonelist_suitable,
 * compaction_suit_allocation_order). Expected values are worked out by hand from the kernel's
 * formulas; the zones are built with plain allocations and frees, so their free lists are known.
 */
class CompactionPolicyTest {
    /** 16 pages, MAX_PAGE_ORDER 4, pageblock_order 2 (COMPACTION_HPAGE_ORDER 2), no watermarks. */
    static MachineConfig tiny() {
        return CompactionTest.tiny();
    }

    static Machine machine(MachineConfig c) {
        return CompactionTest.machine(c);
    }

    /**
     * Every page of the machine allocated at order 0 with gfp 0 (unmovable kernel pages, no
     * reclaim), then the given pfns freed: the zones' free lists hold exactly those pages, merged
     * with free buddies.
     */
    static Machine withFree(MachineConfig c, long... freePfns) {
        Machine m = machine(c);
        long pages = 0;
        for (Zone z : m.node().zones) pages += z.presentPages;
        for (long i = 0; i < pages; i++) assertTrue(m.allocPages(0, 0) >= 0, "set-up: allocation " + i);
        for (Zone z : m.node().zones) assertEquals(0, z.nrFreePages, "set-up: " + z.name() + " full");
        for (long pfn : freePfns) m.freePages(pfn, 0);
        return m;
    }

    static final long[] EVEN_0_16 = {0, 2, 4, 6, 8, 10, 12, 14};

    // ------------------------------------------------------------------ deferral

    // Pins mm/compaction.c, defer_compaction(): compact_considered = 0, compact_defer_shift++ (at
    // most COMPACT_MAX_DEFER_SHIFT 6), and compact_order_failed lowered to the failed order.
    @Test
    void deferCompactionLowersOrderFailedAndCapsTheShift() {
        Machine m = machine(tiny());
        Compaction c = m.compaction();
        Zone z = m.zone(ZoneType.NORMAL);
        z.compactOrderFailed = 5;
        z.compactConsidered = 7;
        c.defer_compaction(z, 3);
        assertEquals(3, z.compactOrderFailed, "order 3 < 5: lowered");
        assertEquals(0, z.compactConsidered);
        assertEquals(1, z.compactDeferShift);
        c.defer_compaction(z, 4);
        assertEquals(3, z.compactOrderFailed, "order 4 > 3: kept");
        assertEquals(2, c.events.deferrals, "trace_mm_compaction_defer_compaction, once a call");
        z.compactDeferShift = Compaction.COMPACT_MAX_DEFER_SHIFT;
        c.defer_compaction(z, 3);
        assertEquals(6, z.compactDeferShift, "capped at COMPACT_MAX_DEFER_SHIFT");
        assertEquals(3, c.events.deferrals);
    }

    // Pins mm/compaction.c, compaction_deferred(): orders below compact_order_failed are never
    // deferred and leave compact_considered alone; at the failed order itself the attempt counts.
    @Test
    void compactionDeferredAtAndBelowTheFailedOrder() {
        Machine m = machine(tiny());
        Compaction c = m.compaction();
        Zone z = m.zone(ZoneType.NORMAL);
        z.compactOrderFailed = 3;
        z.compactDeferShift = 2; // defer_limit 4
        assertFalse(c.compaction_deferred(z, 2), "order 2 < compact_order_failed 3");
        assertEquals(0, z.compactConsidered, "returned before ++compact_considered");
        assertTrue(c.compaction_deferred(z, 3), "order == compact_order_failed: 1 < 4, skipped");
        assertEquals(1, z.compactConsidered);
        assertTrue(c.compaction_deferred(z, 4));
        assertTrue(c.compaction_deferred(z, 3));
        assertEquals(3, c.events.deferred, "trace_mm_compaction_deferred for each skipped attempt");
        assertFalse(c.compaction_deferred(z, 3), "++considered == 4 >= defer_limit: try again");
        assertEquals(4, z.compactConsidered, "clamped at defer_limit");
        assertEquals(3, c.events.deferred);
    }

    // Pins mm/compaction.c, compaction_defer_reset(): alloc_success false leaves the counters;
    // compact_order_failed becomes order + 1 when order >= it (also when equal), else is kept.
    @Test
    void compactionDeferResetRaisesOrderFailedFromTheSameOrder() {
        Machine m = machine(tiny());
        Compaction c = m.compaction();
        Zone z = m.zone(ZoneType.NORMAL);
        z.compactOrderFailed = 3;
        z.compactDeferShift = 2;
        z.compactConsidered = 1;
        c.compaction_defer_reset(z, 3, false);
        assertEquals(4, z.compactOrderFailed, "order 3 >= 3: order + 1");
        assertEquals(2, z.compactDeferShift, "expected success only: the deferral stays");
        assertEquals(1, z.compactConsidered);
        c.compaction_defer_reset(z, 2, true);
        assertEquals(4, z.compactOrderFailed, "order 2 < 4: kept");
        assertEquals(0, z.compactDeferShift);
        assertEquals(0, z.compactConsidered);
    }

    // Pins mm/compaction.c, compaction_restarting(): true only at or above compact_order_failed,
    // with compact_defer_shift == COMPACT_MAX_DEFER_SHIFT and compact_considered >= 1 << 6.
    @Test
    void compactionRestartingOnlyWhenTheMaximumDeferralRanOut() {
        Machine m = machine(tiny());
        Compaction c = m.compaction();
        Zone z = m.zone(ZoneType.NORMAL);
        z.compactOrderFailed = 3;
        z.compactDeferShift = Compaction.COMPACT_MAX_DEFER_SHIFT;
        z.compactConsidered = 64;
        assertTrue(c.compaction_restarting(z, 3), "order == compact_order_failed");
        assertFalse(c.compaction_restarting(z, 2), "below compact_order_failed");
        z.compactConsidered = 63;
        assertFalse(c.compaction_restarting(z, 3), "63 < 1 << 6");
        z.compactConsidered = 64;
        z.compactDeferShift = 5;
        assertFalse(c.compaction_restarting(z, 3), "shift below the maximum");
    }

    // ------------------------------------------------------------------ fragmentation score

    // Pins mm/compaction.c, fragmentation_score_zone(): extfrag_for_order(zone,
    // COMPACTION_HPAGE_ORDER); _zone_weighted(): present_pages * score / (node_present_pages + 1);
    // _node(): their sum over populated zones. Free 0, 2 and 4..7 of 16: 6 free pages, one
    // order-2 block: (6 - 4) * 100 / 6 = 33; weighted 16 * 33 / 17 = 31.
    @Test
    void fragmentationScoresOfOneZone() {
        Machine m = withFree(tiny(), 0, 2, 4, 5, 6, 7);
        Compaction c = m.compaction();
        Zone z = m.zone(ZoneType.NORMAL);
        assertEquals(List.of(2L, 0L, 1L, 0L, 0L), Arrays.stream(z.nrFree).boxed().toList(), "set-up");
        assertEquals(33, c.fragmentation_score_zone(z));
        assertEquals(31, c.fragmentation_score_zone_weighted(z));
        assertEquals(31, c.fragmentation_score_node());
    }

    // Pins the same functions over two zones: node_present_pages is 32, DMA's score 33 weighs
    // 16 * 33 / 33 = 16, Normal's (every other page free: 100) 16 * 100 / 33 = 48; the node's 64.
    @Test
    void fragmentationScoreOfANodeSumsTheWeightedZones() {
        Machine m = withFree(CompactControlTest.twoZones(), 0, 2, 4, 5, 6, 7, 17, 19, 21, 23, 25, 27, 29, 31);
        Compaction c = m.compaction();
        assertEquals(33, c.fragmentation_score_zone(m.zone(ZoneType.DMA)));
        assertEquals(100, c.fragmentation_score_zone(m.zone(ZoneType.NORMAL)));
        assertEquals(16, c.fragmentation_score_zone_weighted(m.zone(ZoneType.DMA)));
        assertEquals(48, c.fragmentation_score_zone_weighted(m.zone(ZoneType.NORMAL)));
        assertEquals(64, c.fragmentation_score_node());
    }

    // Pins mm/compaction.c, fragmentation_score_wmark(): low = 100 - proactiveness, high =
    // min(low + min(10, low / 2), 100).
    @Test
    void fragmentationScoreWatermarks() {
        Compaction c = machine(tiny()).compaction();
        c.sysctl_compaction_proactiveness = 20;
        assertEquals(80, c.fragmentation_score_wmark(true));
        assertEquals(90, c.fragmentation_score_wmark(false));
        c.sysctl_compaction_proactiveness = 90;
        assertEquals(10, c.fragmentation_score_wmark(true));
        assertEquals(15, c.fragmentation_score_wmark(false), "leeway 10 / 2 = 5");
        c.sysctl_compaction_proactiveness = 0;
        assertEquals(100, c.fragmentation_score_wmark(true));
        assertEquals(100, c.fragmentation_score_wmark(false), "capped at 100");
    }

    // Pins mm/compaction.c, should_proactive_compact_node(): never with proactiveness 0; else
    // when the node's score is strictly above the high mark. Every other page free: score
    // 16 * 100 / 17 = 94; proactiveness 16 puts the high mark at 84 + 10 = 94, 17 at 93.
    @Test
    void proactiveCompactionAboveTheHighMark() {
        Machine m = withFree(tiny(), EVEN_0_16);
        Compaction c = m.compaction();
        assertEquals(94, c.fragmentation_score_node());
        c.sysctl_compaction_proactiveness = 16;
        assertFalse(c.should_proactive_compact_node(), "94 > 94 is false");
        c.sysctl_compaction_proactiveness = 17;
        assertTrue(c.should_proactive_compact_node(), "94 > 93");
        c.sysctl_compaction_proactiveness = 0;
        assertFalse(c.should_proactive_compact_node(), "proactiveness 0: never");
        Machine calm = machine(tiny());
        calm.compaction().sysctl_compaction_proactiveness = 100;
        assertFalse(calm.compaction().should_proactive_compact_node(), "all free in one block: score 0 > 0 is false");
    }

    // ------------------------------------------------------------------ __compact_finished

    static CompactControl control(Zone z, int order, boolean direct, boolean whole, boolean proactive) {
        return new CompactControl(z, order, Gfp.GFP_KERNEL, AllocFlags.ALLOC_WMARK_MIN, z.idx, MigrateMode.MIGRATE_SYNC_LIGHT,
                false, false, direct, proactive, whole, 5);
    }

    // Pins mm/compaction.c, __compact_finished(): when the scanners met, COMPACT_COMPLETE for a
    // whole-zone run, else COMPACT_PARTIAL_SKIPPED; only a direct compactor sets
    // compact_blockskip_flush.
    @Test
    void scannersMetCompleteOrPartialAndOnlyDirectFlushes() {
        Machine m = machine(tiny());
        Compaction c = m.compaction();
        Zone z = m.zone(ZoneType.NORMAL);
        CompactControl kc = control(z, 2, false, true, false);
        kc.migrate_pfn = 8;
        kc.free_pfn = 8;
        assertEquals(COMPACT_COMPLETE, c.__compact_finished(kc));
        assertFalse(z.compactBlockskipFlush, "kcompactd does not set the flag");
        CompactControl dc = control(z, 2, true, false, false);
        dc.migrate_pfn = 8;
        dc.free_pfn = 8;
        assertEquals(COMPACT_PARTIAL_SKIPPED, c.__compact_finished(dc));
        assertTrue(z.compactBlockskipFlush);
    }

    // Pins mm/compaction.c, __compact_finished() for proactive runs: COMPACT_CONTINUE while the
    // zone's score is above the low mark, COMPACT_SUCCESS at or below it, COMPACT_CONTENDED when
    // contended. Free 0, 2, 4..7: zone score 33.
    @Test
    void proactiveRunsStopAtTheLowMark() {
        Machine m = withFree(tiny(), 0, 2, 4, 5, 6, 7);
        Compaction c = m.compaction();
        Zone z = m.zone(ZoneType.NORMAL);
        CompactControl p = control(z, -1, false, true, true);
        p.migrate_pfn = 0;
        p.free_pfn = 12;
        c.sysctl_compaction_proactiveness = 67; // low mark 33
        assertEquals(COMPACT_SUCCESS, c.__compact_finished(p), "33 > 33 is false");
        c.sysctl_compaction_proactiveness = 68; // low mark 32
        assertEquals(COMPACT_CONTINUE, c.__compact_finished(p));
        p.contended = true;
        assertEquals(COMPACT_CONTENDED, c.__compact_finished(p));
        c.sysctl_compaction_proactiveness = 67;
        assertEquals(COMPACT_CONTENDED, c.__compact_finished(p), "goto out: contended wins over success");
    }

    // Pins mm/compaction.c, __compact_finished(): a run for an order first finishes its
    // pageblock (COMPACT_CONTINUE while migrate_pfn is not pageblock aligned), then succeeds when
    // a free block of the order or above is on its migratetype's list.
    @Test
    void anOrderRunFinishesThePageblockThenLooksForTheBlock() {
        Machine m = machine(tiny()); // all free: one order-4 block on the movable list
        Compaction c = m.compaction();
        Zone z = m.zone(ZoneType.NORMAL);
        assertFalse(z.freeAreaEmpty(4, MigrateType.MIGRATE_MOVABLE), "set-up");
        CompactControl cc = control(z, 2, true, false, false);
        cc.migratetype = MigrateType.MIGRATE_MOVABLE;
        cc.migrate_pfn = 1;
        cc.free_pfn = 12;
        assertEquals(COMPACT_CONTINUE, c.__compact_finished(cc), "pfn 1: finish the pageblock first");
        cc.migrate_pfn = 4;
        assertEquals(COMPACT_SUCCESS, c.__compact_finished(cc), "order 4 >= 2 free on MIGRATE_MOVABLE");
        assertEquals(COMPACT_SUCCESS, c.compact_finished(cc));
    }

    // Pins mm/compaction.c, __compact_finished(): find_suitable_fallback(area, order,
    // migratetype, true) >= 0 is success - fallback type 0 (MIGRATE_UNMOVABLE) included; with no
    // block COMPACT_NO_SUITABLE_PAGE (COMPACT_CONTENDED when contended), which compact_finished()
    // reports as COMPACT_CONTINUE.
    @Test
    void aBlockToStealIsSuccessAndNoBlockIsNoSuitablePage() {
        Machine m = withFree(tiny(), 4, 5, 6, 7); // one order-2 block in an unmovable pageblock
        Compaction c = m.compaction();
        Zone z = m.zone(ZoneType.NORMAL);
        assertFalse(z.freeAreaEmpty(2, MigrateType.MIGRATE_UNMOVABLE), "set-up: " + z.pageblockMigratetype(4));
        CompactControl cc = control(z, 2, true, false, false);
        cc.migratetype = MigrateType.MIGRATE_RECLAIMABLE;
        cc.migrate_pfn = 0;
        cc.free_pfn = 12;
        assertEquals(MigrateType.MIGRATE_UNMOVABLE, m.pageAlloc().find_suitable_fallback(z, 2, MigrateType.MIGRATE_RECLAIMABLE,
                true), "fallbacks[MIGRATE_RECLAIMABLE] starts with MIGRATE_UNMOVABLE (0)");
        assertEquals(COMPACT_SUCCESS, c.__compact_finished(cc));
        cc.migratetype = MigrateType.MIGRATE_UNMOVABLE;
        assertEquals(COMPACT_SUCCESS, c.__compact_finished(cc), "its own list");

        CompactControl big = control(z, 3, true, false, false);
        big.migratetype = MigrateType.MIGRATE_UNMOVABLE;
        big.migrate_pfn = 0;
        big.free_pfn = 12;
        assertEquals(COMPACT_NO_SUITABLE_PAGE, c.__compact_finished(big), "no block of order 3 or 4");
        assertEquals(COMPACT_CONTINUE, c.compact_finished(big));
        big.contended = true;
        assertEquals(COMPACT_CONTENDED, c.__compact_finished(big));
    }

    /** 128 pages, MAX_PAGE_ORDER 4, pageblock_order 2; pfns 64..127 CMA. */
    static MachineConfig withCma() {
        return MachineConfig.of("cma", 4, 2, List.of(ZoneConfig.of(ZoneType.NORMAL, 0, 128)
                .withCma(List.of(new PfnRange(64, 128))))).withMinFreeKbytes(0);
    }

    /**
     * The CMA machine with its non-CMA half allocated (unmovable kernel pages: they never come
     * from CMA) but for the given pfns; the CMA half, 4 free order-4 blocks, untouched.
     */
    static Machine cmaWithFree(long... freePfns) {
        Machine m = machine(withCma());
        Zone z = m.zone(ZoneType.NORMAL);
        assertEquals(64, z.nrFreeCmaPages, "set-up");
        for (int i = 0; i < 64; i++) assertTrue(m.allocPages(Gfp.GFP_KERNEL & ~Gfp.__GFP_DIRECT_RECLAIM, 0) < 64, "set-up");
        assertEquals(64, z.nrFreePages, "set-up: only CMA is free");
        for (long pfn : freePfns) m.freePages(pfn, 0);
        return m;
    }

    // Pins mm/compaction.c, __compact_finished() under CONFIG_CMA: "MIGRATE_MOVABLE can fallback
    // on MIGRATE_CMA" - a free CMA block is success for a movable request only.
    @Test
    void aFreeCmaBlockFinishesAMovableRunOnly() {
        Machine m = cmaWithFree();
        Compaction c = m.compaction();
        Zone z = m.zone(ZoneType.NORMAL);
        assertFalse(z.freeAreaEmpty(4, MigrateType.MIGRATE_CMA), "set-up");
        CompactControl cc = control(z, 4, true, false, false);
        cc.migrate_pfn = 0;
        cc.free_pfn = 124;
        cc.migratetype = MigrateType.MIGRATE_MOVABLE;
        assertEquals(COMPACT_SUCCESS, c.__compact_finished(cc));
        cc.migratetype = MigrateType.MIGRATE_UNMOVABLE;
        assertEquals(COMPACT_NO_SUITABLE_PAGE, c.__compact_finished(cc));
    }

    // Pins mm/compaction.c, __compact_finished() with defrag_mode: kcompactd (not a direct
    // compactor) succeeds when __zone_watermark_ok(order, high watermark) holds counting
    // NR_FREE_PAGES_BLOCKS only, else continues; a direct compactor still looks at the free lists.
    @Test
    void defragModeKcompactdCountsWholeFreePageblocks() {
        MachineConfig cfg = tiny().withDefragMode(true);
        Machine frag = withFree(cfg, 0, 1); // an order-1 block, no free pageblock
        Compaction c = frag.compaction();
        Zone z = frag.zone(ZoneType.NORMAL);
        assertEquals(0, z.nrFreePagesBlocks, "set-up");
        CompactControl k = control(z, 1, false, false, false);
        k.migratetype = MigrateType.MIGRATE_UNMOVABLE;
        k.migrate_pfn = 4;
        k.free_pfn = 12;
        assertEquals(COMPACT_CONTINUE, c.__compact_finished(k), "no free pageblock: the high watermark fails");
        CompactControl d = control(z, 1, true, false, false);
        d.migratetype = MigrateType.MIGRATE_UNMOVABLE;
        d.migrate_pfn = 4;
        d.free_pfn = 12;
        assertEquals(COMPACT_SUCCESS, c.__compact_finished(d), "the direct compactor finds the order-1 block");

        Machine free = machine(cfg);
        Zone fz = free.zone(ZoneType.NORMAL);
        assertEquals(16, fz.nrFreePagesBlocks);
        CompactControl k2 = control(fz, 1, false, false, false);
        k2.migrate_pfn = 4;
        k2.free_pfn = 12;
        assertEquals(COMPACT_SUCCESS, free.compaction().__compact_finished(k2));
    }

    // ------------------------------------------------------------------ suitability

    // Pins include/linux/compaction.h, compact_gap(): 2UL << order.
    @Test
    void compactGap() {
        assertEquals(2, Compaction.compact_gap(0));
        assertEquals(16, Compaction.compact_gap(3));
        assertEquals(64, Compaction.compact_gap(5));
    }

    // Pins mm/compaction.c, __compaction_suitable(): free pages above watermark + compact_gap(order),
    // plus low - min for orders above PAGE_ALLOC_COSTLY_ORDER (3) only. Here min 4, low 5.
    @Test
    void compactionSuitableWatermarkForCostlyAndCheapOrders() {
        Machine m = machine(MachineConfig.of("n256", 6, 3, List.of(ZoneConfig.of(ZoneType.NORMAL, 0, 256))).withMinFreeKbytes(16));
        Compaction c = m.compaction();
        Zone z = m.zone(ZoneType.NORMAL);
        assertEquals(List.of(4L, 5L), List.of(z.minWmarkPages(), z.lowWmarkPages()), "set-up");
        assertTrue(c.__compaction_suitable(z, 3, 4, 2, 21), "order 3: 21 > 4 + 16");
        assertFalse(c.__compaction_suitable(z, 3, 4, 2, 20));
        assertTrue(c.__compaction_suitable(z, 4, 4, 2, 38), "order 4: 38 > 4 + 32 + (5 - 4)");
        assertFalse(c.__compaction_suitable(z, 4, 4, 2, 37));
    }

    // Pins mm/compaction.c, compaction_suitable(): for costly orders a fragmentation index in
    // [0, sysctl_extfrag_threshold] - the threshold included - makes the zone unsuitable.
    @Test
    void theExtfragThresholdItselfVetoes() {
        Machine m = CompactionTest.interleaved(MachineConfig.of("n256", 6, 3, List.of(ZoneConfig.of(ZoneType.NORMAL, 0, 256)))
                .withMinFreeKbytes(16), 128);
        Compaction c = m.compaction();
        Zone z = m.zone(ZoneType.NORMAL);
        int fi = Vmstat.fragmentation_index(z, 4);
        assertTrue(fi > 0, "set-up: " + fi);
        c.sysctl_extfrag_threshold = fi;
        assertFalse(c.compaction_suitable(z, 4, z.minWmarkPages(), 2), "fragindex == threshold: lack of memory");
        c.sysctl_extfrag_threshold = fi - 1;
        assertTrue(c.compaction_suitable(z, 4, z.minWmarkPages(), 2));
    }

    /** zone_reclaimable_pages() as mm/vmscan.c would report it, by zone index. */
    static SlowpathHooks reclaimable(long... byZone) {
        return new SlowpathHooks() {
            @Override
            public long zone_reclaimable_pages(PageAlloc pa, Zone zone) {
                return byZone[zone.idx];
            }
        };
    }

    // Pins mm/compaction.c, compaction_zonelist_suitable(): some zone up to ac->highest_zoneidx
    // passes __compaction_suitable(min watermark) counting zone_reclaimable_pages() / order plus
    // its free pages. Order 2: more than 8 pages needed. DMA has 2 free, Normal 1.
    @Test
    void zonelistSuitableCountsAShareOfTheReclaimablePages() {
        Machine m = withFree(CompactControlTest.twoZones(), 0, 2, 17);
        Compaction c = m.compaction();
        PageAlloc pa = m.pageAlloc();
        PageAlloc.AllocContext ac = new PageAlloc.AllocContext();
        ac.highest_zoneidx = 2;
        pa.setHooks(reclaimable(0, 0, 16));
        assertTrue(c.compaction_zonelist_suitable(ac, 2, 0), "Normal: 16 / 2 + 1 = 9 > 8");
        ac.highest_zoneidx = 0;
        assertFalse(c.compaction_zonelist_suitable(ac, 2, 0), "only DMA: 0 / 2 + 2 = 2");
        ac.highest_zoneidx = 2;
        pa.setHooks(reclaimable(0, 0, 14));
        assertFalse(c.compaction_zonelist_suitable(ac, 2, 0), "Normal: 14 / 2 + 1 = 8, not above 8");
        pa.setHooks(reclaimable(16, 0, 0));
        assertTrue(c.compaction_zonelist_suitable(ac, 2, 0), "DMA: 16 / 2 + 2 = 10");
    }

    // Pins mm/compaction.c, compaction_suit_allocation_order(): COMPACT_SUCCESS when the order's
    // watermark is already met, COMPACT_SKIPPED when compaction_suitable() fails, else
    // COMPACT_CONTINUE.
    @Test
    void suitAllocationOrderSuccessSkippedContinue() {
        Compaction all = machine(tiny()).compaction();
        Zone az = all.pageAlloc().node.zones[2];
        assertEquals(COMPACT_SUCCESS, all.compaction_suit_allocation_order(az, 2, 2, AllocFlags.ALLOC_WMARK_MIN, false, false));
        Machine frag = withFree(tiny(), EVEN_0_16); // 8 free pages, no order-1 block
        Zone fz = frag.zone(ZoneType.NORMAL);
        assertEquals(COMPACT_CONTINUE, frag.compaction().compaction_suit_allocation_order(fz, 1, 2, AllocFlags.ALLOC_WMARK_MIN,
                false, false), "8 > compact_gap(1) = 4");
        assertEquals(COMPACT_SKIPPED, frag.compaction().compaction_suit_allocation_order(fz, 2, 2, AllocFlags.ALLOC_WMARK_MIN,
                false, false), "8 > compact_gap(2) = 8 is false");
    }

    // Pins mm/compaction.c, compaction_suit_allocation_order(): for kcompactd with defrag_mode the
    // watermark counts NR_FREE_PAGES_BLOCKS, otherwise NR_FREE_PAGES.
    @Test
    void suitAllocationOrderForKcompactdInDefragModeCountsFreePageblocks() {
        Machine m = withFree(tiny().withDefragMode(true), 0, 1, 2, 3, 8, 9);
        Compaction c = m.compaction();
        Zone z = m.zone(ZoneType.NORMAL);
        assertEquals(List.of(6L, 4L), List.of(z.nrFreePages, z.nrFreePagesBlocks), "set-up");
        int f = AllocFlags.ALLOC_WMARK_MIN;
        assertEquals(COMPACT_SUCCESS, c.compaction_suit_allocation_order(z, 1, 2, f, false, false));
        assertEquals(COMPACT_SUCCESS, c.compaction_suit_allocation_order(z, 1, 2, f, false, true), "4 - 1 > 0 and a block");
        // order 2 with alloc flags 0 (the min watermark): pageblock 0 is free, the watermark
        // counts 4 - 3 = 1 > 0 either way; order 1 with the blocks count passes too
        Machine m2 = withFree(tiny().withDefragMode(true), 0, 1, 8, 9, 12);
        Zone z2 = m2.zone(ZoneType.NORMAL);
        assertEquals(List.of(5L, 0L), List.of(z2.nrFreePages, z2.nrFreePagesBlocks), "set-up");
        assertEquals(COMPACT_SUCCESS, m2.compaction().compaction_suit_allocation_order(z2, 1, 2, f, false, false),
                "NR_FREE_PAGES 5: order-1 blocks are free");
        assertEquals(COMPACT_CONTINUE, m2.compaction().compaction_suit_allocation_order(z2, 1, 2, f, false, true),
                "NR_FREE_PAGES_BLOCKS 0 fails the watermark; compaction_suitable() counts 5 > 4");
    }

    // Pins mm/compaction.c, compaction_suit_allocation_order(): for a costly order, async, without
    // ALLOC_CMA, the order-0 watermark plus compact_gap() must hold without the free CMA pages
    // (__zone_watermark_ok with alloc_flags 0); compaction_suitable() alone counts CMA (ALLOC_CMA).
    @Test
    void costlyAsyncNonCmaRequestsDoNotCountFreeCma() {
        Machine m = cmaWithFree(1, 3, 5, 7); // 4 non-CMA free pages, no non-CMA block of order 1
        Compaction c = m.compaction();
        Zone z = m.zone(ZoneType.NORMAL);
        int f = AllocFlags.ALLOC_WMARK_MIN;
        assertEquals(List.of(68L, 64L), List.of(z.nrFreePages, z.nrFreeCmaPages), "set-up");
        assertTrue(Vmstat.fragmentation_index(z, 4) < 0, "CMA order-4 blocks: the index says the allocation could succeed");
        assertEquals(COMPACT_SKIPPED, c.compaction_suit_allocation_order(z, 4, 2, f, true, false),
                "4 non-CMA pages <= 0 + compact_gap(4)");
        assertEquals(COMPACT_CONTINUE, c.compaction_suit_allocation_order(z, 4, 2, f, false, false),
                "sync: compaction_suitable() counts CMA, 68 > 32");
        assertEquals(COMPACT_CONTINUE, c.compaction_suit_allocation_order(z, 3, 2, f, true, false),
                "order 3 is not costly: no non-CMA check");
        assertEquals(COMPACT_SUCCESS, c.compaction_suit_allocation_order(z, 4, 2, f | AllocFlags.ALLOC_CMA, true, false),
                "with ALLOC_CMA the CMA order-4 blocks already satisfy the order");
        Machine full = cmaWithFree();
        Zone fz = full.zone(ZoneType.NORMAL);
        for (int i = 0; i < 60; i++) assertTrue(full.allocPages(Gfp.GFP_HIGHUSER_MOVABLE & ~Gfp.__GFP_DIRECT_RECLAIM, 0) >= 0);
        assertEquals(4, fz.nrFreePages, "set-up: 60 of the 64 CMA pages taken by movable pages");
        assertEquals(COMPACT_SKIPPED, full.compaction().compaction_suit_allocation_order(fz, 2, 2, f, false, false),
                "compaction_suitable() fails: 4 > 8 is false");
    }
}
