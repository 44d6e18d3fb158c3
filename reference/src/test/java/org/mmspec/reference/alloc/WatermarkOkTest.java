package org.mmspec.reference.alloc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mmspec.reference.alloc.AllocFlags.*;
import static org.mmspec.reference.alloc.Gfp.*;
import static org.mmspec.reference.alloc.MigrateType.*;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.mmspec.reference.Fixtures;
import org.mmspec.reference.Machine;

/**
 * The watermark and flag helpers of mm/page_alloc.c (v6.18) called directly on small, hand-built
 * zone states: __zone_watermark_ok()'s search for a usable free block, zone_watermark_fast()'s
 * boost exemption, gfp_to_alloc_flags(), alloc_flags_nofragment(), boost_watermark(), the
 * ZONE_BELOW_HIGH bookkeeping of get_page_from_freelist(), and from mm/vmscan.c and
 * mm/compaction.c pgdat_balanced() and wakeup_kcompactd(). Every expectation is read off the
 * kernel source named in the comment.
 */
class WatermarkOkTest {

    private static final int NORMAL = ZoneType.NORMAL.idx();
    private static final int DMA = ZoneType.DMA.idx();

    /**
     * ZONE_NORMAL of 64 pages at 0x100 with pageblock_order == MAX_PAGE_ORDER == 6: one pageblock
     * holding one free order-6 block, so moving that block to another list leaves a consistent
     * zone whose only free block is on the list under test.
     */
    private static Machine oneBlock() {
        Machine m = new Machine(Fixtures.normalOnly(0x100, 64, 6, 6));
        m.pageAlloc().setHooks(SlowpathHooks.NONE);
        Zone z = m.zone(ZoneType.NORMAL);
        assertEquals(1, z.nrFree[6]);
        assertEquals(64, z.nrFreePages);
        return m;
    }

    // __zone_watermark_ok(): "for (mt = 0; mt < MIGRATE_PCPTYPES; mt++)" does not look at
    // MIGRATE_HIGHATOMIC (== MIGRATE_PCPTYPES); a highatomic block only counts "if ((alloc_flags &
    // (ALLOC_HIGHATOMIC|ALLOC_OOM)) && !free_area_empty(area, MIGRATE_HIGHATOMIC))". The order-0
    // part passes (free_pages is passed in and far above the mark), so the answer is the block search.
    @Test
    void aHighatomicBlockServesOnlyHighatomicOrOomRequests() {
        Machine m = oneBlock();
        PageAlloc pa = m.pageAlloc();
        Zone z = m.zone(ZoneType.NORMAL);
        assertEquals(64, pa.move_freepages_block(z, 0x100, MIGRATE_MOVABLE, MIGRATE_HIGHATOMIC));
        assertEquals(64, z.nrFreeHighatomic);
        assertFalse(pa.__zone_watermark_ok(z, 1, 0, NORMAL, 0, 1000), "no reserves: the highatomic block is not usable");
        assertFalse(pa.__zone_watermark_ok(z, 1, 0, NORMAL, ALLOC_CMA | ALLOC_MIN_RESERVE, 1000));
        assertTrue(pa.__zone_watermark_ok(z, 1, 0, NORMAL, ALLOC_HIGHATOMIC, 1000));
        assertTrue(pa.__zone_watermark_ok(z, 1, 0, NORMAL, ALLOC_OOM, 1000));
        // order 0 needs no block: "if (!order) return true"
        assertTrue(pa.__zone_watermark_ok(z, 0, 0, NORMAL, 0, 1000));
    }

    // __zone_watermark_ok(): a CMA block counts only "if ((alloc_flags & ALLOC_CMA) &&
    // !free_area_empty(area, MIGRATE_CMA))". The zone is all CMA (init_cma_reserved_pageblock()).
    @Test
    void aCmaBlockServesOnlyAllocCmaRequests() {
        Machine m = new Machine(MachineConfig.of("all-cma", 6, 6, List.of(
                ZoneConfig.of(ZoneType.NORMAL, 0x100, 64).withCma(List.of(new PfnRange(0x100, 0x140))))));
        PageAlloc pa = m.pageAlloc();
        Zone z = m.zone(ZoneType.NORMAL);
        assertEquals(64, z.nrFreeCmaPages);
        assertFalse(z.freeAreaEmpty(6, MIGRATE_CMA));
        assertFalse(pa.__zone_watermark_ok(z, 1, 0, NORMAL, 0, 1000));
        assertFalse(pa.__zone_watermark_ok(z, 1, 0, NORMAL, ALLOC_HIGHATOMIC | ALLOC_OOM, 1000));
        assertTrue(pa.__zone_watermark_ok(z, 1, 0, NORMAL, ALLOC_CMA, 1000));
    }

    // __zone_watermark_ok(): nr_free counts the isolated block ("if (!area->nr_free) continue" does
    // not skip the order), but no list the loop reads holds it: MIGRATE_ISOLATE is neither a pcp
    // type nor CMA nor HIGHATOMIC, so even a request with every reserve flag finds nothing.
    @Test
    void anIsolatedBlockServesNobody() {
        Machine m = oneBlock();
        PageAlloc pa = m.pageAlloc();
        Zone z = m.zone(ZoneType.NORMAL);
        assertTrue(pa.__move_freepages_block_isolate(z, 0x100, true));
        assertEquals(1, z.nrFree[6]);
        assertFalse(z.freeAreaEmpty(6, MIGRATE_ISOLATE));
        assertFalse(pa.__zone_watermark_ok(z, 1, 0, NORMAL, ALLOC_HIGHATOMIC | ALLOC_OOM | ALLOC_CMA, 1000));
        assertFalse(pa.__zone_watermark_ok(z, 1, 0, NORMAL, ALLOC_HIGHATOMIC, 1000));
        assertFalse(pa.__zone_watermark_ok(z, 1, 0, NORMAL, ALLOC_OOM, 1000));
        assertFalse(pa.__zone_watermark_ok(z, 1, 0, NORMAL, 0, 1000));
    }

    // zone_watermark_fast(): the boost exemption for __GFP_HIGH order-0 requests at WMARK_MIN
    // re-checks against "z->_watermark[WMARK_MIN]" and returns __zone_watermark_ok()'s answer: it
    // is an exemption from the boost, not from the watermark. Below half the unboosted min (what
    // ALLOC_MIN_RESERVE may use: "min -= min / 2") the answer stays false.
    @Test
    void theBoostExemptionStillChecksTheUnboostedMin() {
        Machine m = new Machine(Fixtures.normal1k());
        m.pageAlloc().setHooks(SlowpathHooks.NONE);
        Zone z = m.zone(ZoneType.NORMAL);
        Fixtures.allocUntilFailure(m, GFP_ATOMIC, 0x500);
        long rawMin = z.watermark[Watermarks.WMARK_MIN];
        assertTrue(z.nrFreePages <= rawMin - rawMin / 2, "GFP_ATOMIC drained the zone below min/2");
        z.watermarkBoost = 64;
        int flags = ALLOC_WMARK_MIN | ALLOC_MIN_RESERVE;
        assertFalse(m.pageAlloc().zone_watermark_fast(z, 0, z.minWmarkPages(), NORMAL, flags, __GFP_HIGH));
        // (the passing side of the exemption is WatermarkFastTest's)
        assertFalse(m.pageAlloc().zone_watermark_fast(z, 0, z.minWmarkPages(), NORMAL, flags | ALLOC_NON_BLOCK, __GFP_HIGH));
    }

    // gfp_to_alloc_flags(): ALLOC_WMARK_MIN | ALLOC_CPUSET, plus __GFP_HIGH (== ALLOC_MIN_RESERVE)
    // and __GFP_KSWAPD_RECLAIM (== ALLOC_KSWAPD); without __GFP_DIRECT_RECLAIM and without
    // __GFP_NOMEMALLOC, ALLOC_NON_BLOCK, and ALLOC_HIGHATOMIC "if (order > 0 && (alloc_flags &
    // ALLOC_MIN_RESERVE))"; a non-blocking ALLOC_MIN_RESERVE request drops ALLOC_CPUSET; movable
    // requests get ALLOC_CMA (gfp_to_alloc_flags_cma()).
    @Test
    void gfpToAllocFlagsSetsExactlyTheKernelsFlags() {
        PageAlloc pa = new Machine(Fixtures.normal1k()).pageAlloc();
        int atomic0 = ALLOC_WMARK_MIN | ALLOC_MIN_RESERVE | ALLOC_KSWAPD | ALLOC_NON_BLOCK;
        assertEquals(AllocFlags.format(atomic0), AllocFlags.format(pa.gfp_to_alloc_flags(GFP_ATOMIC, 0)));
        assertEquals(AllocFlags.format(atomic0 | ALLOC_HIGHATOMIC), AllocFlags.format(pa.gfp_to_alloc_flags(GFP_ATOMIC, 1)));
        // GFP_NOWAIT: no __GFP_HIGH, so no ALLOC_HIGHATOMIC and ALLOC_CPUSET stays
        assertEquals(AllocFlags.format(ALLOC_WMARK_MIN | ALLOC_CPUSET | ALLOC_KSWAPD | ALLOC_NON_BLOCK),
                AllocFlags.format(pa.gfp_to_alloc_flags(GFP_NOWAIT, 1)));
        // __GFP_NOMEMALLOC: no ALLOC_NON_BLOCK nor ALLOC_HIGHATOMIC, but __GFP_HIGH still drops ALLOC_CPUSET
        assertEquals(AllocFlags.format(ALLOC_WMARK_MIN | ALLOC_MIN_RESERVE | ALLOC_KSWAPD),
                AllocFlags.format(pa.gfp_to_alloc_flags(GFP_ATOMIC | __GFP_NOMEMALLOC, 2)));
        // blocking __GFP_HIGH: ALLOC_MIN_RESERVE only, ALLOC_CPUSET kept
        assertEquals(AllocFlags.format(ALLOC_WMARK_MIN | ALLOC_CPUSET | ALLOC_KSWAPD | ALLOC_MIN_RESERVE),
                AllocFlags.format(pa.gfp_to_alloc_flags(GFP_KERNEL | __GFP_HIGH, 1)));
        assertEquals(AllocFlags.format(ALLOC_WMARK_MIN | ALLOC_CPUSET | ALLOC_KSWAPD | ALLOC_CMA),
                AllocFlags.format(pa.gfp_to_alloc_flags(GFP_HIGHUSER_MOVABLE, 0)));
        assertEquals(AllocFlags.format(ALLOC_WMARK_MIN | ALLOC_CPUSET),
                AllocFlags.format(pa.gfp_to_alloc_flags(__GFP_DIRECT_RECLAIM | __GFP_IO, 0)));
    }

    // gfp_to_alloc_flags(): "if (defrag_mode) alloc_flags |= ALLOC_NOFRAGMENT".
    @Test
    void gfpToAllocFlagsAddsNofragmentInDefragMode() {
        PageAlloc pa = new Machine(Fixtures.normal1k().withDefragMode(true)).pageAlloc();
        assertEquals(AllocFlags.format(ALLOC_WMARK_MIN | ALLOC_CPUSET | ALLOC_KSWAPD | ALLOC_NOFRAGMENT),
                AllocFlags.format(pa.gfp_to_alloc_flags(GFP_KERNEL, 0)));
        assertEquals(AllocFlags.format(ALLOC_WMARK_MIN | ALLOC_MIN_RESERVE | ALLOC_KSWAPD | ALLOC_NON_BLOCK
                | ALLOC_HIGHATOMIC | ALLOC_NOFRAGMENT), AllocFlags.format(pa.gfp_to_alloc_flags(GFP_ATOMIC, 3)));
    }

    // alloc_flags_nofragment(): ALLOC_KSWAPD straight from __GFP_KSWAPD_RECLAIM; ALLOC_NOFRAGMENT
    // "if (defrag_mode)" whatever the zone, else only for a preferred ZONE_NORMAL ("if (!zone)
    // return alloc_flags; if (zone_idx(zone) != ZONE_NORMAL) return alloc_flags;"; on UMA the
    // populated-DMA32 check is skipped).
    @Test
    void allocFlagsNofragmentOnlyForNormalUnlessDefragMode() {
        Machine m = new Machine(Fixtures.dmaNormal());
        PageAlloc pa = m.pageAlloc();
        Zone normal = m.zone(ZoneType.NORMAL);
        Zone dma = m.zone(ZoneType.DMA);
        assertEquals(ALLOC_KSWAPD | ALLOC_NOFRAGMENT, pa.alloc_flags_nofragment(normal, GFP_KERNEL));
        assertEquals(ALLOC_NOFRAGMENT, pa.alloc_flags_nofragment(normal, __GFP_DIRECT_RECLAIM));
        assertEquals(ALLOC_KSWAPD, pa.alloc_flags_nofragment(dma, GFP_KERNEL));
        assertEquals(ALLOC_KSWAPD, pa.alloc_flags_nofragment(null, GFP_KERNEL));
        assertEquals(0, pa.alloc_flags_nofragment(dma, __GFP_DIRECT_RECLAIM));

        Machine d = new Machine(Fixtures.dmaNormal().withDefragMode(true));
        PageAlloc pd = d.pageAlloc();
        assertEquals(ALLOC_KSWAPD | ALLOC_NOFRAGMENT, pd.alloc_flags_nofragment(d.zone(ZoneType.DMA), GFP_KERNEL));
        assertEquals(ALLOC_KSWAPD | ALLOC_NOFRAGMENT, pd.alloc_flags_nofragment(null, GFP_KERNEL));
        assertEquals(ALLOC_NOFRAGMENT, pd.alloc_flags_nofragment(d.zone(ZoneType.NORMAL), 0));
    }

    // boost_watermark(): "if (!watermark_boost_factor) return false" (vm.watermark_boost_factor = 0
    // disables boosting), and "if (!max_boost) return false" when mult_frac(_watermark[WMARK_HIGH],
    // factor, 10000) rounds to 0 (factor 1, high < 10000): no boost in either case.
    @Test
    void noBoostWithAZeroFactorOrAZeroMaxBoost() {
        Machine m = new Machine(Fixtures.normal1k());
        Zone z = m.zone(ZoneType.NORMAL);
        long high = z.watermark[Watermarks.WMARK_HIGH];
        assertTrue(high > 0 && high < 10000);
        m.sysctl().watermarkBoostFactor = 0;
        assertFalse(m.pageAlloc().boost_watermark(z));
        assertEquals(0, z.watermarkBoost);
        m.sysctl().watermarkBoostFactor = 1;
        assertFalse(m.pageAlloc().boost_watermark(z));
        assertEquals(0, z.watermarkBoost);
        // the default factor boosts by a pageblock
        m.sysctl().watermarkBoostFactor = 15000;
        assertTrue(m.pageAlloc().boost_watermark(z));
        assertEquals(8, z.watermarkBoost);
    }

    // boost_watermark(): "if ((pageblock_nr_pages * 4) > zone_managed_pages(zone)) return false":
    // a zone of exactly four pageblocks (32 pages, pageblock_order 3) is boosted, 31 pages is not.
    @Test
    void aZoneOfExactlyFourPageblocksIsBoosted() {
        for (long pages : new long[] {32, 31}) {
            Machine m = new Machine(Fixtures.normalOnly(0x100, pages, 6, 3));
            Zone z = m.zone(ZoneType.NORMAL);
            assertEquals(pages, z.managedPages);
            long maxBoost = Watermarks.multFrac(z.watermark[Watermarks.WMARK_HIGH], m.sysctl().watermarkBoostFactor, 10000);
            assertTrue(maxBoost > 0, "high watermark " + z.watermark[Watermarks.WMARK_HIGH]);
            assertEquals(pages == 32, m.pageAlloc().boost_watermark(z), pages + " pages");
            assertEquals(pages == 32 ? 8 : 0, z.watermarkBoost, pages + " pages");
        }
    }

    // get_page_from_freelist(): while ZONE_BELOW_HIGH is clear the zone is first checked against
    // high_wmark_pages(); passing takes the zone without touching the flag, failing
    // "set_bit(ZONE_BELOW_HIGH, &zone->flags)" and falls back to the request's own mark.
    @Test
    void zoneBelowHighIsSetOnlyOnceTheHighWatermarkFails() {
        Machine m = new Machine(Fixtures.normal1k());
        m.pageAlloc().setHooks(SlowpathHooks.NONE);
        Zone z = m.zone(ZoneType.NORMAL);
        List<Long> held = new ArrayList<>();
        while (z.nrFreePages > z.highWmarkPages() + 1) {
            held.add(m.allocPages(GFP_KERNEL, 0));
            assertEquals(0, z.flags & Zone.ZONE_BELOW_HIGH, "above high after " + held.size());
        }
        held.add(m.allocPages(GFP_KERNEL, 0)); // free == high + 1 > high: still passes
        assertEquals(0, z.flags & Zone.ZONE_BELOW_HIGH);
        assertEquals(z.highWmarkPages(), z.nrFreePages);
        long pfn = m.allocPages(GFP_KERNEL, 0); // free == high fails "usable_free > mark"; low passes
        assertTrue(pfn >= 0);
        assertEquals(Zone.ZONE_BELOW_HIGH, z.flags & Zone.ZONE_BELOW_HIGH);
    }

    // pgdat_balanced() (mm/vmscan.c): "if (defrag_mode && order) item = NR_FREE_PAGES_BLOCKS; else
    // item = NR_FREE_PAGES": with every free page in order-1 blocks (none in whole pageblocks), an
    // order-1 balance check passes normally but fails in defrag_mode; order 0 passes in both.
    @Test
    void defragModeBalancesHighOrdersOnWholeFreeBlocksOnly() {
        for (boolean defrag : new boolean[] {false, true}) {
            Machine m = new Machine(Fixtures.normal1k().withDefragMode(defrag));
            m.pageAlloc().setHooks(SlowpathHooks.NONE);
            Zone z = m.zone(ZoneType.NORMAL);
            List<Long> held = Fixtures.allocUntilFailure(m, GFP_ATOMIC | __GFP_MEMALLOC, 0x500);
            assertEquals(0, z.nrFreePages);
            for (long pfn : held) {
                if ((pfn & 3) < 2) m.freePages(pfn, 0);
            }
            assertEquals(512, z.nrFreePages);
            assertEquals(0, z.nrFreePagesBlocks);
            assertTrue(z.nrFree[1] > 0);
            assertTrue(z.nrFreePages > z.highWmarkPages());
            assertEquals(!defrag, m.pageAlloc().pgdat_balanced(1, NORMAL), "defrag " + defrag);
            assertTrue(m.pageAlloc().pgdat_balanced(0, NORMAL), "defrag " + defrag);
        }
    }

    // pgdat_balanced(): zones are checked through for_each_managed_zone_pgdat(); "If a node has no
    // managed zone within highest_zoneidx, it does not need balancing by definition" (mark == -1
    // returns true). DMA here is present but wholly reserved (managed 0).
    @Test
    void noManagedZoneUpToTheIndexMeansBalanced() {
        Machine m = new Machine(MachineConfig.of("dma-reserved", 6, 3, List.of(
                ZoneConfig.of(ZoneType.DMA, 0x40, 0xc0, 0xc0, 0),
                ZoneConfig.of(ZoneType.NORMAL, 0x100, 0x400))));
        assertFalse(m.zone(ZoneType.DMA).managed());
        assertTrue(m.pageAlloc().pgdat_balanced(0, DMA));
        assertTrue(m.pageAlloc().pgdat_balanced(3, DMA));
        assertTrue(m.pageAlloc().pgdat_balanced(0, NORMAL), "the managed Normal zone is above high");
    }

    // wakeup_kcompactd() (mm/compaction.c): "if (!order) return"; "if (pgdat->kcompactd_max_order <
    // order)" raises the order; "if (pgdat->kcompactd_highest_zoneidx > highest_zoneidx)" lowers the
    // zone index, never raises it.
    @Test
    void wakeupKcompactdKeepsTheLargestOrderAndTheLowestZone() {
        Machine m = new Machine(Fixtures.dmaNormal());
        Node n = m.node();
        PageAlloc pa = m.pageAlloc();
        assertEquals(NORMAL, n.kcompactdHighestZoneidx);
        pa.wakeup_kcompactd(0, DMA);
        assertEquals(NORMAL, n.kcompactdHighestZoneidx, "order 0 records nothing");
        assertEquals(0, n.kcompactdWakeups);
        pa.wakeup_kcompactd(2, DMA);
        assertEquals(DMA, n.kcompactdHighestZoneidx);
        assertEquals(2, n.kcompactdMaxOrder);
        pa.wakeup_kcompactd(1, NORMAL);
        assertEquals(DMA, n.kcompactdHighestZoneidx);
        assertEquals(2, n.kcompactdMaxOrder);
        assertEquals(2, n.kcompactdWakeups);
    }
}
