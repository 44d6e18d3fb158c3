package org.mmspec.reference.alloc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mmspec.reference.Fixtures.freeBlocks;
import static org.mmspec.reference.Fixtures.hex;
import static org.mmspec.reference.alloc.Gfp.*;
import static org.mmspec.reference.alloc.MigrateType.*;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;
import org.mmspec.reference.Fixtures;
import org.mmspec.reference.Fixtures.FreeBlock;
import org.mmspec.reference.Machine;
import org.mmspec.reference.page.MemMap;

/** Allocation paths of mm/page_alloc.c (v6.18) as the reference follows them. */
class AllocationTest {

    // ------------------------------------------------------------------ __rmqueue_smallest / expand

    @Test
    void rmqueueSmallestTakesTheLowestPieceAndExpandListsTheUpperHalves() {
        Machine m = new Machine(Fixtures.normal1k());
        Zone z = m.zone(ZoneType.NORMAL);
        MemMap mem = m.mem();
        long pfn = m.allocPages(GFP_HIGHUSER_MOVABLE, 2);
        assertEquals(0x100, pfn, "first block of the smallest non-empty order (6) is 0x100; the lowest piece is returned");
        TreeMap<Long, FreeBlock> fb = freeBlocks(m, ZoneType.NORMAL);
        assertEquals(new FreeBlock(0x104, 2, MIGRATE_MOVABLE), fb.get(0x104L));
        assertEquals(new FreeBlock(0x108, 3, MIGRATE_MOVABLE), fb.get(0x108L));
        assertEquals(new FreeBlock(0x110, 4, MIGRATE_MOVABLE), fb.get(0x110L));
        assertEquals(new FreeBlock(0x120, 5, MIGRATE_MOVABLE), fb.get(0x120L));
        assertFalse(fb.containsKey(0x100L));
        assertArrayEquals(new long[] {0, 0, 1, 1, 1, 1, 15}, z.nrFree);
        assertEquals(0x400 - 4, z.nrFreePages);
        assertEquals(z.nrFreePages, Fixtures.freePagesOnLists(m, ZoneType.NORMAL));
        // the allocated head carries its order; its pages are no longer PageBuddy
        int head = mem.idx(0x100);
        assertEquals(1, mem.refcount[head]);
        assertEquals(2, mem.order[head]);
        for (long p = 0x100; p < 0x104; p++) assertFalse(mem.pageBuddy(mem.idx(p)));

        // the next order-2 request takes the order-2 block expand() left, not a split of a larger one
        assertEquals(0x104, m.allocPages(GFP_HIGHUSER_MOVABLE, 2));
        // an order-0 request now splits 0x108 (order 3): returns 0x108, lists 0x10c/2, 0x10a/1, 0x109/0
        assertEquals(0x108, m.allocPages(GFP_HIGHUSER_MOVABLE, 0));
        fb = freeBlocks(m, ZoneType.NORMAL);
        assertEquals(new FreeBlock(0x109, 0, MIGRATE_MOVABLE), fb.get(0x109L));
        assertEquals(new FreeBlock(0x10a, 1, MIGRATE_MOVABLE), fb.get(0x10aL));
        assertEquals(new FreeBlock(0x10c, 2, MIGRATE_MOVABLE), fb.get(0x10cL));
        assertEquals(0, m.warnings().count(), m.warnings().messages().toString());
    }

    @Test
    void freeingMergesBackToTheBootState() {
        Machine m = new Machine(Fixtures.smallWithCma());
        TreeMap<Long, FreeBlock> boot = Fixtures.allFreeBlocks(m);
        long[] pfns = new long[6];
        int[] orders = {0, 2, 3, 1, 6, 0};
        int[] gfps = {GFP_KERNEL, GFP_HIGHUSER_MOVABLE, GFP_KERNEL, GFP_DMA, GFP_HIGHUSER_MOVABLE, GFP_KERNEL | __GFP_RECLAIMABLE};
        for (int i = 0; i < pfns.length; i++) {
            pfns[i] = m.allocPages(gfps[i], orders[i]);
            assertTrue(pfns[i] >= 0, "allocation " + i);
        }
        // freeing 0x100/0 while its buddy is allocated puts it at order 0
        for (int i = 0; i < pfns.length; i++) {
            m.freePages(pfns[i], orders[i]);
            assertTrue(Fixtures.unmergedBuddies(m).isEmpty(), "after free " + i + ": " + Fixtures.unmergedBuddies(m));
            assertEquals(m.zone(ZoneType.NORMAL).nrFreePages, Fixtures.freePagesOnLists(m, ZoneType.NORMAL));
            assertEquals(m.zone(ZoneType.DMA).nrFreePages, Fixtures.freePagesOnLists(m, ZoneType.DMA));
        }
        // every page is free again and maximally merged: the same blocks as at boot, though the
        // claimed pageblocks keep their new types and so do the lists they sit on
        TreeMap<Long, FreeBlock> after = Fixtures.allFreeBlocks(m);
        assertEquals(boot.keySet(), after.keySet());
        for (long pfn : boot.keySet()) assertEquals(boot.get(pfn).order(), after.get(pfn).order(), hex(pfn));
        assertEquals(0xff, m.zone(ZoneType.DMA).nrFreePages);
        assertEquals(0x400, m.zone(ZoneType.NORMAL).nrFreePages);
    }

    // ------------------------------------------------------------------ fallback: claiming

    @Test
    void unmovableRequestClaimsTheWholeLargestMovableBlock() {
        Machine m = new Machine(Fixtures.normal1k());
        Zone z = m.zone(ZoneType.NORMAL);
        long pfn = m.allocPages(GFP_KERNEL, 0);
        assertEquals(0x100, pfn);
        // __rmqueue_claim starts at MAX_PAGE_ORDER: the order-6 block is taken outright and all
        // eight of its pageblocks change type (change_pageblock_range), without a boost
        for (long pb = 0x100; pb < 0x140; pb += 8) assertEquals(MIGRATE_UNMOVABLE, z.pageblockMigratetype(pb), hex(pb));
        for (long pb = 0x140; pb < 0x500; pb += 8) assertEquals(MIGRATE_MOVABLE, z.pageblockMigratetype(pb), hex(pb));
        TreeMap<Long, FreeBlock> fb = freeBlocks(m, ZoneType.NORMAL);
        assertEquals(new FreeBlock(0x101, 0, MIGRATE_UNMOVABLE), fb.get(0x101L));
        assertEquals(new FreeBlock(0x102, 1, MIGRATE_UNMOVABLE), fb.get(0x102L));
        assertEquals(new FreeBlock(0x120, 5, MIGRATE_UNMOVABLE), fb.get(0x120L));
        assertEquals(1, m.stats().fallbackClaim[MIGRATE_UNMOVABLE][MIGRATE_MOVABLE]);
        assertEquals(0, z.watermarkBoost);
        assertEquals(0, m.stats().watermarkBoosts);
        // the next unmovable request is served from the claimed block's own lists
        assertEquals(0x101, m.allocPages(GFP_KERNEL, 0));
        assertEquals(1, m.stats().fallbackClaim[MIGRATE_UNMOVABLE][MIGRATE_MOVABLE]);
        assertEquals(0, m.warnings().count());
    }

    @Test
    void whenPageblocksAreMaxOrderBlocksExactlyOnePageblockIsClaimed() {
        Machine m = new Machine(Fixtures.normalOnly(0x100, 0x100, 3, 3));
        Zone z = m.zone(ZoneType.NORMAL);
        assertEquals(0x100, m.allocPages(GFP_KERNEL | __GFP_RECLAIMABLE, 1));
        assertEquals(MIGRATE_RECLAIMABLE, z.pageblockMigratetype(0x100));
        int reclaimable = 0;
        for (long pb = 0x100; pb < 0x200; pb += 8) if (z.pageblockMigratetype(pb) == MIGRATE_RECLAIMABLE) reclaimable++;
        assertEquals(1, reclaimable);
        assertEquals(6, Fixtures.pagesOnList(m, ZoneType.NORMAL, MIGRATE_RECLAIMABLE));
    }

    // ------------------------------------------------------------------ fallback: boosting

    /** A PageAlloc that records zone->flags right after each try_to_claim_block(). */
    static final class ClaimSpy extends PageAlloc {
        final List<Integer> flagsAfterClaim = new ArrayList<>();

        ClaimSpy(MachineConfig c, Node n, VmSysctl s, KernelWarnings w) {
            super(c, n, s, w);
        }

        @Override
        protected int try_to_claim_block(Zone zone, int page, int current_order, int order, int start_type,
                                         int block_type, int alloc_flags) {
            int r = super.try_to_claim_block(zone, page, current_order, order, start_type, block_type, alloc_flags);
            flagsAfterClaim.add(zone.flags);
            return r;
        }
    }

    /**
     * Boots with zero watermarks, allocates every page as order-0 MOVABLE, frees the even pfns (so
     * every pageblock holds only order-0 free pages, half of it free), then sets
     * watermark_scale_factor 3000 so the zone has a high watermark to boost from.
     */
    static Machine fragmented(MachineConfig c, ClaimSpy[] spy) {
        MachineConfig zero = c.withMinFreeKbytes(0).withWatermarkScaleFactor(1);
        Machine m = new Machine(zero, (cc, n, s, w) -> spy[0] = new ClaimSpy(cc, n, s, w));
        Zone z = m.zone(ZoneType.NORMAL);
        long managed = z.managedPages;
        List<Long> got = new ArrayList<>();
        for (long i = 0; i < managed; i++) {
            long pfn = m.allocPages(GFP_HIGHUSER_MOVABLE, 0);
            assertTrue(pfn >= 0, "fill allocation " + i);
            got.add(pfn);
        }
        assertEquals(0, z.nrFreePages);
        for (long pfn : got) if ((pfn & 1) == 0) m.freePages(pfn, 0);
        m.writeSysctl("watermark_scale_factor", "3000");
        assertEquals(managed / 2, z.nrFreePages);
        for (int o = 1; o < z.nrOrders(); o++) assertEquals(0, z.nrFree[o], "no free block of order " + o);
        assertEquals(0, z.watermarkBoost);
        assertFalse(m.node().kswapdWoken);
        spy[0].flagsAfterClaim.clear();
        return m;
    }

    static MachineConfig boostable() {
        return Fixtures.normalOnly(0x40, 64, 4, 2); // 16 pageblocks of 4 pages
    }

    @Test
    void fragmentedFallbackBoostsTheWatermarkAndWakesKswapd() {
        ClaimSpy[] spy = new ClaimSpy[1];
        Machine m = fragmented(boostable(), spy);
        Zone z = m.zone(ZoneType.NORMAL);
        assertEquals(19, z.watermark[Watermarks.WMARK_LOW]);
        assertEquals(38, z.watermark[Watermarks.WMARK_HIGH]);

        long pfn = m.allocPages(GFP_KERNEL, 0);
        assertTrue(pfn >= 0);
        // boost_watermark(): min(0 + pageblock_nr_pages, max(4, 38 * 15000 / 10000))
        assertEquals(4, z.watermarkBoost);
        assertEquals(1, m.stats().watermarkBoosts);
        // try_to_claim_block set ZONE_BOOSTED_WATERMARK (GFP_KERNEL has __GFP_KSWAPD_RECLAIM = ALLOC_KSWAPD) ...
        assertEquals(1, spy[0].flagsAfterClaim.size());
        assertTrue((spy[0].flagsAfterClaim.get(0) & Zone.ZONE_BOOSTED_WATERMARK) != 0);
        assertEquals(1, m.stats().boostedFlagSet);
        // ... and rmqueue() tested-and-cleared it and woke kswapd for the boost
        assertEquals(0, z.flags & Zone.ZONE_BOOSTED_WATERMARK);
        assertTrue(m.node().kswapdWoken);
        assertEquals(1, m.node().kswapdWakeups);
        assertEquals(0, m.stats().slowpath, "the fast path succeeded: 32 free > low 19");
        // at least half the pageblock was free or alike, so the whole pageblock was claimed
        long pb = pfn & ~3L;
        assertEquals(MIGRATE_UNMOVABLE, z.pageblockMigratetype(pb));
        int unmovable = 0;
        for (long b = 0x40; b < 0x80; b += 4) if (z.pageblockMigratetype(b) == MIGRATE_UNMOVABLE) unmovable++;
        assertEquals(1, unmovable);
        assertEquals(1, Fixtures.pagesOnList(m, ZoneType.NORMAL, MIGRATE_UNMOVABLE), "the other free page moved with the block");
        assertEquals(1, m.stats().fallbackClaim[MIGRATE_UNMOVABLE][MIGRATE_MOVABLE]);
        assertEquals(0, m.warnings().count(), m.warnings().messages().toString());
    }

    @Test
    void withoutKswapdReclaimTheBoostIsSetButNotTheFlag() {
        ClaimSpy[] spy = new ClaimSpy[1];
        Machine m = fragmented(boostable(), spy);
        Zone z = m.zone(ZoneType.NORMAL);
        assertTrue(m.allocPages(__GFP_IO | __GFP_FS, 0) >= 0); // GFP_KERNEL & ~__GFP_RECLAIM
        assertEquals(4, z.watermarkBoost);
        assertEquals(1, spy[0].flagsAfterClaim.size());
        assertEquals(0, spy[0].flagsAfterClaim.get(0) & Zone.ZONE_BOOSTED_WATERMARK);
        assertEquals(0, m.stats().boostedFlagSet);
        assertFalse(m.node().kswapdWoken);
    }

    @Test
    void boostGrowsByAPageblockUpToItsCeiling() {
        for (int factor : new int[] {15000, 3000, 1000, 0}) {
            ClaimSpy[] spy = new ClaimSpy[1];
            Machine m = fragmented(boostable(), spy);
            m.writeSysctl("watermark_boost_factor", Integer.toString(factor));
            Zone z = m.zone(ZoneType.NORMAL);
            long high = z.watermark[Watermarks.WMARK_HIGH];
            long ceiling = factor == 0 ? 0 : Math.max(4, Watermarks.multFrac(high, factor, 10000));
            long expected = 0;
            for (int i = 0; i < 8; i++) {
                long pfn = m.allocPages(GFP_KERNEL, 0);
                assertTrue(pfn >= 0, "factor " + factor + " allocation " + i);
                if (i % 2 == 0 && factor != 0) expected = Math.min(expected + 4, ceiling); // every other one falls back
                assertEquals(expected, z.watermarkBoost, "factor " + factor + " after allocation " + i);
            }
            assertEquals(4, spy[0].flagsAfterClaim.size(), "four claims of a fragmented pageblock");
        }
        // the ceilings: 38 * 1.5 = 57 (not reached in 4 boosts), 38 * 0.3 = 11, and 38 * 0.1 = 3 < a pageblock
        assertEquals(57, Watermarks.multFrac(38, 15000, 10000));
        assertEquals(11, Watermarks.multFrac(38, 3000, 10000));
        assertEquals(3, Watermarks.multFrac(38, 1000, 10000));
    }

    @Test
    void noBoostInAZoneSmallerThanFourPageblocks() {
        ClaimSpy[] spy = new ClaimSpy[1];
        Machine m = fragmented(Fixtures.normalOnly(0x10, 12, 3, 2), spy);
        Zone z = m.zone(ZoneType.NORMAL);
        assertTrue(m.allocPages(GFP_KERNEL, 0) >= 0);
        assertEquals(1, spy[0].flagsAfterClaim.size(), "the fallback did go through try_to_claim_block");
        assertEquals(0, z.watermarkBoost, "pageblock_nr_pages * 4 = 16 > 12 managed pages");
        assertEquals(0, m.stats().watermarkBoosts);
        assertEquals(0, spy[0].flagsAfterClaim.get(0) & Zone.ZONE_BOOSTED_WATERMARK);
    }

    // ------------------------------------------------------------------ highatomic reserve

    /** Normal only, 1024 pages, min_free_kbytes 3280: min 820, low 1025 > 1024 free, so every request takes the slow path. */
    static Machine belowLow() {
        Machine m = new Machine(Fixtures.normal1k().withMinFreeKbytes(3280));
        Zone z = m.zone(ZoneType.NORMAL);
        assertEquals(820, z.watermark[Watermarks.WMARK_MIN]);
        assertEquals(1025, z.watermark[Watermarks.WMARK_LOW]);
        return m;
    }

    @Test
    void atomicHighOrderAllocationInTheSlowPathReservesAHighatomicPageblock() {
        Machine m = belowLow();
        Zone z = m.zone(ZoneType.NORMAL);
        long pfn = m.allocPages(GFP_ATOMIC, 1);
        assertEquals(0x100, pfn);
        assertEquals(1, m.stats().slowpath);
        // reserve_highatomic_pageblock(): managed / 100 = 10 >= 8, so the pageblock goes HIGHATOMIC
        assertEquals(MIGRATE_HIGHATOMIC, z.pageblockMigratetype(0x100));
        assertEquals(8, z.nrReservedHighatomic, "grows by pageblock_nr_pages");
        assertEquals(6, z.nrFreeHighatomic, "the pageblock's other free pages moved to the HIGHATOMIC lists");
        assertEquals(6, Fixtures.pagesOnList(m, ZoneType.NORMAL, MIGRATE_HIGHATOMIC));
        assertEquals(1, m.stats().highatomicReserved);
        for (long pb = 0x108; pb < 0x140; pb += 8) assertEquals(MIGRATE_UNMOVABLE, z.pageblockMigratetype(pb));

        // the next high-order atomic request is served from the reserve first (ALLOC_HIGHATOMIC)
        assertEquals(0x102, m.allocPages(GFP_ATOMIC, 1));
        assertEquals(8, z.nrReservedHighatomic, "the block is reserved already; no second pageblock");
        assertEquals(4, z.nrFreeHighatomic);
        // an ordinary request may not count the reserve: NR_FREE_PAGES includes it, usable free does not
        assertEquals(z.nrFreePages, Fixtures.freePagesOnLists(m, ZoneType.NORMAL));
        assertEquals(0, m.warnings().count(), m.warnings().messages().toString());
    }

    @Test
    void atomicHighOrderAllocationOnTheFastPathReservesNothing() {
        // with the default watermarks (low 80) the fast path succeeds and never sets ALLOC_HIGHATOMIC
        Machine m = new Machine(Fixtures.normal1k());
        Zone z = m.zone(ZoneType.NORMAL);
        assertEquals(0x100, m.allocPages(GFP_ATOMIC, 1));
        assertEquals(0, m.stats().slowpath);
        assertEquals(0, z.nrReservedHighatomic);
        assertEquals(MIGRATE_UNMOVABLE, z.pageblockMigratetype(0x100));
    }

    @Test
    void noHighatomicReserveWhenOnePercentIsLessThanAPageblock() {
        // 512 pages: managed / 100 = 5 < pageblock_nr_pages 8
        Machine m = new Machine(Fixtures.normalOnly(0x100, 0x200, 6, 3).withMinFreeKbytes(1700));
        Zone z = m.zone(ZoneType.NORMAL);
        assertTrue(z.watermark[Watermarks.WMARK_LOW] >= 0x200, "below low: slow path");
        assertTrue(m.allocPages(GFP_ATOMIC, 1) >= 0);
        assertEquals(1, m.stats().slowpath);
        assertEquals(0, z.nrReservedHighatomic);
        assertEquals(0, m.stats().highatomicReserved);
    }

    // ------------------------------------------------------------------ watermarks

    @Test
    void orderZeroRequestsStopExactlyAtTheirWatermark() {
        Machine m = new Machine(Fixtures.normal1k().withWatermarkBoostFactor(0));
        Zone z = m.zone(ZoneType.NORMAL);
        long min = z.watermark[Watermarks.WMARK_MIN];
        assertEquals(64, min);
        List<Long> got = Fixtures.allocUntilFailure(m, GFP_KERNEL, 2000);
        // the last success left exactly min free: free_pages > min is needed before taking one
        assertEquals(min, z.nrFreePages);
        assertEquals(0x400 - min, got.size());
        assertTrue(m.stats().failByOrder[0] >= 1);
        assertEquals(-1, m.allocPages(GFP_KERNEL, 0));
        assertEquals(min, z.nrFreePages, "a failed allocation takes nothing");

        // GFP_ATOMIC may dig into half the min reserve, and a quarter of the rest (ALLOC_NON_BLOCK)
        long atomicFloor = min - min / 2;
        atomicFloor -= atomicFloor / 4;
        assertEquals(24, atomicFloor);
        List<Long> atomic = Fixtures.allocUntilFailure(m, GFP_ATOMIC, 2000);
        assertEquals(min - atomicFloor, atomic.size());
        assertEquals(atomicFloor, z.nrFreePages);
    }

    @Test
    void zoneWatermarkOkFormula() {
        Machine m = new Machine(Fixtures.dmaNormal());
        PageAlloc pa = m.pageAlloc();
        Zone dma = m.zone(ZoneType.DMA);
        Zone normal = m.zone(ZoneType.NORMAL);
        // order 0: free_pages > mark + lowmem_reserve[highest_zoneidx]
        assertFalse(pa.__zone_watermark_ok(normal, 0, 100, 2, 0, 100));
        assertTrue(pa.__zone_watermark_ok(normal, 0, 100, 2, 0, 101));
        // order 2: (1 << order) - 1 pages are unusable
        assertFalse(pa.__zone_watermark_ok(normal, 2, 100, 2, 0, 103));
        assertTrue(pa.__zone_watermark_ok(normal, 2, 100, 2, 0, 104));
        // DMA protects lowmem_reserve[NORMAL] = 1024 / 256 = 4 pages from Normal-capable requests
        assertEquals(4, dma.lowmemReserve[ZoneType.NORMAL.idx()]);
        assertFalse(pa.__zone_watermark_ok(dma, 0, 10, 2, 0, 14));
        assertTrue(pa.__zone_watermark_ok(dma, 0, 10, 2, 0, 15));
        assertTrue(pa.__zone_watermark_ok(dma, 0, 10, 0, 0, 11), "a DMA request has no reserve in DMA");
        // ALLOC_MIN_RESERVE halves the mark; ALLOC_NON_BLOCK takes a further quarter; ALLOC_OOM halves again
        assertTrue(pa.__zone_watermark_ok(normal, 0, 100, 2, AllocFlags.ALLOC_MIN_RESERVE, 51));
        assertFalse(pa.__zone_watermark_ok(normal, 0, 100, 2, AllocFlags.ALLOC_MIN_RESERVE, 50));
        int atomic = AllocFlags.ALLOC_MIN_RESERVE | AllocFlags.ALLOC_NON_BLOCK;
        assertTrue(pa.__zone_watermark_ok(normal, 0, 100, 2, atomic, 39)); // 100 - 50 - 12 = 38
        assertFalse(pa.__zone_watermark_ok(normal, 0, 100, 2, atomic, 38));
        assertTrue(pa.__zone_watermark_ok(normal, 0, 100, 2, AllocFlags.ALLOC_OOM, 51));
        assertFalse(pa.__zone_watermark_ok(normal, 0, 100, 2, AllocFlags.ALLOC_OOM, 50));
        // a high-order request needs a free block of that order on a list it may use
        assertTrue(pa.__zone_watermark_ok(normal, 6, 0, 2, 0, normal.nrFreePages));
        Machine frag = new Machine(Fixtures.normalOnly(0x100, 0x40, 6, 3));
        Zone fz = frag.zone(ZoneType.NORMAL);
        assertTrue(frag.allocPages(GFP_HIGHUSER_MOVABLE, 0) >= 0);
        assertFalse(frag.pageAlloc().__zone_watermark_ok(fz, 6, 0, 2, 0, 1000), "no order-6 block any more");
        assertTrue(frag.pageAlloc().__zone_watermark_ok(fz, 5, 0, 2, 0, 1000));
        // CMA pages count only for ALLOC_CMA requests
        Machine cma = new Machine(Fixtures.smallWithCma());
        Zone cz = cma.zone(ZoneType.NORMAL);
        assertEquals(16, cz.nrFreeCmaPages);
        assertEquals(16, cma.pageAlloc().__zone_watermark_unusable_free(cz, 0, 0));
        assertEquals(3 + 16, cma.pageAlloc().__zone_watermark_unusable_free(cz, 2, 0));
        assertEquals(0, cma.pageAlloc().__zone_watermark_unusable_free(cz, 0, AllocFlags.ALLOC_CMA));
    }

    @Test
    void slowPathWakesKswapdOnlyBelowTheLowWatermark() {
        Machine m = new Machine(Fixtures.normal1k().withWatermarkBoostFactor(0));
        Zone z = m.zone(ZoneType.NORMAL);
        Node node = m.node();
        long low = z.watermark[Watermarks.WMARK_LOW];
        while (z.nrFreePages > low) assertTrue(m.allocPages(GFP_HIGHUSER_MOVABLE, 0) >= 0);
        assertEquals(low, z.nrFreePages);
        assertEquals(0, m.stats().slowpath, "above low the fast path serves every request");
        assertFalse(node.kswapdWoken);
        assertEquals(0, node.kswapdWakeups);

        assertTrue(m.allocPages(GFP_HIGHUSER_MOVABLE, 0) >= 0);
        assertEquals(1, m.stats().slowpath);
        assertTrue(node.kswapdWoken);
        assertEquals(1, node.kswapdWakeups);
        assertEquals(ZoneType.MOVABLE.idx(), node.kswapdHighestZoneidx, "gfp_zone(GFP_HIGHUSER_MOVABLE)");
        assertEquals(0, node.kswapdOrder);
        assertTrue(m.allocPages(GFP_HIGHUSER_MOVABLE, 2) >= 0);
        assertEquals(2, node.kswapdOrder);
    }

    @Test
    void slowPathWithoutKswapdReclaimDoesNotWakeKswapd() {
        Machine m = new Machine(Fixtures.normal1k().withWatermarkBoostFactor(0));
        Zone z = m.zone(ZoneType.NORMAL);
        long low = z.watermark[Watermarks.WMARK_LOW];
        while (z.nrFreePages > low) assertTrue(m.allocPages(__GFP_MOVABLE | __GFP_NOWARN, 0) >= 0);
        assertTrue(m.allocPages(__GFP_MOVABLE | __GFP_NOWARN, 0) >= 0, "served at the min watermark");
        assertEquals(1, m.stats().slowpath);
        assertFalse(m.node().kswapdWoken);
        assertEquals(0, m.node().kswapdWakeups);
    }

    // ------------------------------------------------------------------ lowmem_reserve

    @Test
    void gfpKernelSpillsIntoDmaOnlyDownToMinPlusLowmemReserve() {
        Machine m = new Machine(Fixtures.dmaNormal().withWatermarkBoostFactor(0));
        Zone dma = m.zone(ZoneType.DMA);
        Zone normal = m.zone(ZoneType.NORMAL);
        long reserve = dma.lowmemReserve[ZoneType.NORMAL.idx()];
        assertEquals(4, reserve);
        List<Long> got = Fixtures.allocUntilFailure(m, GFP_KERNEL, 3000);
        assertEquals(normal.watermark[Watermarks.WMARK_MIN], normal.nrFreePages);
        assertEquals(dma.watermark[Watermarks.WMARK_MIN] + reserve, dma.nrFreePages,
                "GFP_KERNEL leaves min + lowmem_reserve[ZONE_NORMAL] in DMA");
        assertTrue(got.stream().anyMatch(p -> p < 0x100), "some pages did come from DMA");
        // a GFP_DMA request has highest_zoneidx DMA and lowmem_reserve[DMA] = 0: it may go on to min
        List<Long> dmaPages = Fixtures.allocUntilFailure(m, GFP_DMA, 3000);
        assertEquals(reserve, dmaPages.size());
        assertEquals(dma.watermark[Watermarks.WMARK_MIN], dma.nrFreePages);
        for (long pfn : dmaPages) assertTrue(pfn < 0x100, hex(pfn));
    }

    @Test
    void aLargeLowmemReserveKeepsGfpKernelOutOfDma() {
        Machine m = new Machine(Fixtures.dmaNormal().withWatermarkBoostFactor(0));
        m.writeSysctl("lowmem_reserve_ratio", "1 256 32 0 0");
        Zone dma = m.zone(ZoneType.DMA);
        assertEquals(0x400, dma.lowmemReserve[ZoneType.NORMAL.idx()]);
        List<Long> got = Fixtures.allocUntilFailure(m, GFP_KERNEL, 3000);
        for (long pfn : got) assertTrue(pfn >= 0x100, "GFP_KERNEL got DMA page " + hex(pfn));
        assertEquals(0xff, dma.nrFreePages, "DMA untouched");
        assertEquals(-1, m.allocPages(GFP_KERNEL, 0));
        long pfn = m.allocPages(GFP_DMA, 0);
        assertTrue(pfn >= 1 && pfn < 0x100, "GFP_DMA still served from DMA: " + hex(pfn));
    }

    // ------------------------------------------------------------------ the end of the slow path

    @Test
    void noFailDipsBelowMinThroughTheOomPathAndWarns() {
        Machine m = new Machine(Fixtures.normal1k().withWatermarkBoostFactor(0));
        Zone z = m.zone(ZoneType.NORMAL);
        long min = z.watermark[Watermarks.WMARK_MIN];
        Fixtures.allocUntilFailure(m, GFP_KERNEL, 2000);
        assertEquals(min, z.nrFreePages);
        long oom = m.stats().outOfMemory;
        // __alloc_pages_may_oom(): out_of_memory() finds no victim here, but WARN_ON_ONCE_GFP(__GFP_NOFAIL)
        // counts as progress and the request gets ALLOC_NO_WATERMARKS
        long pfn = m.allocPages(GFP_KERNEL | __GFP_NOFAIL, 0);
        assertTrue(pfn >= 0);
        assertEquals(min - 1, z.nrFreePages);
        assertTrue(m.stats().outOfMemory > oom);
        assertTrue(m.warnings().messages().stream().anyMatch(w -> w.contains("__GFP_NOFAIL")), m.warnings().messages().toString());
        // the same without a zone >= ZONE_NORMAL in reach never gets there: GFP_DMA32 has no DMA32 zone here
        assertEquals(-1, m.allocPages(GFP_KERNEL | __GFP_DMA32 | __GFP_NOFAIL, 0));
    }

    @Test
    void aRequestForAZoneTheNodeDoesNotHaveFailsAndChangesNothing() {
        Machine m = new Machine(Fixtures.normal1k());
        long fp = m.fingerprint();
        assertEquals(-1, m.allocPages(GFP_DMA, 0));
        assertEquals(-1, m.allocPages(GFP_KERNEL | __GFP_DMA32, 3));
        assertEquals(fp, m.fingerprint(), "first_zones_zonelist() found no zone: nothing was touched");
        assertEquals(1, m.stats().failByOrder[0]);
        assertEquals(1, m.stats().failByOrder[3]);
    }

    /**
     * __alloc_pages_slowpath() (mm/page_alloc.c, v6.18): with no zone in reach it jumps to nopage,
     * where a __GFP_NOFAIL request that may reclaim directly does "goto retry" for ever. The
     * model returns NULL at once without counting stats.nofailStuck ("__GFP_NOFAIL would loop"),
     * which every other endless-NOFAIL exit of its slow path does count.
     */
    @Test
    void noFailWithoutAnyZoneIsCountedAsStuck() {
        Machine m = new Machine(Fixtures.normal1k());
        assertEquals(-1, m.allocPages(GFP_KERNEL | __GFP_DMA32 | __GFP_NOFAIL, 0));
        assertEquals(1, m.stats().nofailStuck);
    }
}
