package org.mmspec.reference.alloc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mmspec.reference.alloc.AllocFlags.*;
import static org.mmspec.reference.alloc.Gfp.*;
import static org.mmspec.reference.alloc.MigrateType.*;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.mmspec.reference.Fixtures;
import org.mmspec.reference.Machine;
import org.mmspec.reference.page.MemMap;
import org.mmspec.reference.page.PageFlags;

/**
 * The allocation side of the buddy core, mm/page_alloc.c (v6.18): __rmqueue() and its modes
 * (CMA balancing, the type's own lists, the CMA fallback, claim, steal), __rmqueue_smallest(),
 * expand(), should_try_claim_block(), find_suitable_fallback(), try_to_claim_block(),
 * __rmqueue_claim(), __rmqueue_steal(), rmqueue_buddy(), rmqueue() and the check_new_pages()
 * done before a block is handed out. Each expectation is worked out from the kernel source.
 */
class RmqueueFallbackKillTest {

    /** Normal [0x100, 0x120), MAX_PAGE_ORDER 3 = pageblock_order 3: four pageblocks, each a MAX_PAGE_ORDER block. */
    private static MachineConfig fourBlocks() {
        return Fixtures.normalOnly(0x100, 0x20, 3, 3);
    }

    /** As {@link #fourBlocks()}, with the upper two pageblocks [0x110, 0x120) CMA. */
    private static MachineConfig fourBlocksHalfCma() {
        return MachineConfig.of("half-cma", 3, 3, List.of(
                ZoneConfig.of(ZoneType.NORMAL, 0x100, 0x20).withCma(List.of(new PfnRange(0x110, 0x120)))));
    }

    /**
     * A fresh normal1k whose pageblock [0x100, 0x108) is shaped for try_to_claim_block(): all
     * eight pages allocated (order 0), the block retyped to blockType, then the pages in free
     * freed (onto blockType's lists) and PG_lru set on the pages in lru.
     */
    private static Machine shapedBlock(boolean mobilityDisabled, int blockType, long[] free, long[] lru) {
        Machine m = new Machine(Fixtures.normal1k().withMobilityDisabled(mobilityDisabled));
        Zone z = m.zone(ZoneType.NORMAL);
        for (long want = 0x100; want < 0x108; want++) assertEquals(want, m.allocPages(GFP_HIGHUSER_MOVABLE, 0));
        m.pageAlloc().set_pageblock_migratetype(z, 0x100, blockType);
        for (long p : free) m.freePages(p, 0);
        for (long p : lru) m.mem().flags[m.mem().idx(p)] |= PageFlags.PG_lru;
        return m;
    }

    private static long pfnOrNil(Machine m, int page) {
        return page == MemMap.NIL ? -1 : m.mem().pfn(page);
    }

    // ------------------------------------------------------------------ __rmqueue_smallest, expand

    // mm/page_alloc.c, __rmqueue_smallest(): "for (current_order = order; current_order <
    // NR_PAGE_ORDERS; ++current_order)": only this zone's free_area[0..MAX_PAGE_ORDER] are
    // searched. DMA's lists are followed in memory by DMA32's; a RECLAIMABLE block free in DMA32
    // does not serve a DMA RECLAIMABLE request.
    @Test
    void rmqueueSmallestSearchesOnlyThisZonesOrders() {
        Machine m = new Machine(MachineConfig.of("dma-dma32", 6, 3, List.of(
                ZoneConfig.of(ZoneType.DMA, 1, 0xff),
                ZoneConfig.of(ZoneType.DMA32, 0x100, 0x400))));
        Zone dma = m.zone(ZoneType.DMA);
        Zone dma32 = m.zone(ZoneType.DMA32);
        PageAlloc pa = m.pageAlloc();
        assertEquals(0x100, pfnOrNil(m, pa.__rmqueue_smallest(dma32, 0, MIGRATE_MOVABLE)));
        assertEquals(7, pa.move_freepages_block(dma32, 0x100, MIGRATE_MOVABLE, MIGRATE_RECLAIMABLE));
        assertFalse(dma32.freeAreaEmpty(0, MIGRATE_RECLAIMABLE));
        assertEquals(-1, pfnOrNil(m, pa.__rmqueue_smallest(dma, 0, MIGRATE_RECLAIMABLE)));
        assertEquals(0x101, pfnOrNil(m, pa.__rmqueue_smallest(dma32, 0, MIGRATE_RECLAIMABLE)));
    }

    // mm/page_alloc.c, expand(): "VM_BUG_ON_PAGE(bad_range(zone, &page[size]), &page[size]);":
    // an upper half beyond the zone end is reported with its own pfn. Normal [0x100, 0x4fc):
    // expanding 0x4f8 as if it were order 3 puts its upper half 0x4fc outside.
    @Test
    void expandChecksTheUpperHalfIsInTheZone() {
        Machine m = new Machine(Fixtures.normalOnly(0x100, 0x3fc, 6, 3));
        Zone z = m.zone(ZoneType.NORMAL);
        PageAlloc pa = m.pageAlloc();
        int page = pa.__rmqueue_smallest(z, 2, MIGRATE_MOVABLE);
        assertEquals(0x4f8, m.mem().pfn(page), "the zone's only order-2 block");
        assertEquals(0, m.warnings().count());
        pa.expand(z, page, 0, 3, MIGRATE_MOVABLE);
        assertEquals(List.of("expand: VM_BUG_ON_PAGE(bad_range(zone, &page[size])) pfn 0x4fc"), m.warnings().messages());
    }

    // ------------------------------------------------------------------ should_try_claim_block, find_suitable_fallback

    // mm/page_alloc.c, should_try_claim_block(): true for order >= pageblock_order, for order >=
    // pageblock_order / 2, for RECLAIMABLE and UNMOVABLE requests and when grouping by mobility is
    // off; false otherwise. pageblock_order 3: a MOVABLE request may claim from order 1 up.
    @Test
    void shouldTryClaimBlock() {
        PageAlloc pa = new Machine(Fixtures.normal1k()).pageAlloc();
        assertFalse(pa.should_try_claim_block(0, MIGRATE_MOVABLE));
        assertTrue(pa.should_try_claim_block(1, MIGRATE_MOVABLE), "1 >= pageblock_order / 2");
        assertTrue(pa.should_try_claim_block(2, MIGRATE_MOVABLE));
        assertTrue(pa.should_try_claim_block(3, MIGRATE_MOVABLE));
        assertTrue(pa.should_try_claim_block(0, MIGRATE_RECLAIMABLE));
        assertTrue(pa.should_try_claim_block(0, MIGRATE_UNMOVABLE));
        PageAlloc off = new Machine(Fixtures.normal1k().withMobilityDisabled(true)).pageAlloc();
        assertTrue(off.should_try_claim_block(0, MIGRATE_MOVABLE));
    }

    // mm/page_alloc.c, find_suitable_fallback(): "if (claimable && !should_try_claim_block(order,
    // migratetype)) return -2;", then the first of fallbacks[migratetype] with a free block of
    // this order, else -1.
    @Test
    void findSuitableFallback() {
        Machine m = new Machine(Fixtures.normal1k());
        Zone z = m.zone(ZoneType.NORMAL);
        PageAlloc pa = m.pageAlloc();
        assertEquals(0x100, m.allocPages(GFP_KERNEL, 0)); // claims 0x100/6: 0x101/0 0x102/1 ... UNMOVABLE
        assertFalse(z.freeAreaEmpty(0, MIGRATE_UNMOVABLE));
        assertEquals(-2, pa.find_suitable_fallback(z, 0, MIGRATE_MOVABLE, true));
        assertEquals(MIGRATE_UNMOVABLE, pa.find_suitable_fallback(z, 0, MIGRATE_MOVABLE, false));
        assertEquals(MIGRATE_UNMOVABLE, pa.find_suitable_fallback(z, 0, MIGRATE_RECLAIMABLE, true));
        assertEquals(MIGRATE_UNMOVABLE, pa.find_suitable_fallback(z, 1, MIGRATE_MOVABLE, true));
        assertEquals(-1, pa.find_suitable_fallback(z, 6, MIGRATE_MOVABLE, true), "no other type at order 6");
        assertEquals(MIGRATE_MOVABLE, pa.find_suitable_fallback(z, 6, MIGRATE_UNMOVABLE, true));
    }

    // ------------------------------------------------------------------ try_to_claim_block

    // mm/page_alloc.c, try_to_claim_block(): "if (start_type == MIGRATE_MOVABLE) alike_pages =
    // movable_pages;" and "if (free_pages + alike_pages >= (1 << (pageblock_order-1)) ...)" claim:
    // with 2 free and 2 PageLRU pages a MOVABLE request takes the UNMOVABLE block (4 >= 4); with
    // one LRU page fewer it does not (3 < 4), and the block keeps its type.
    @Test
    void movableRequestClaimsByFreePlusMovablePages() {
        Machine m = shapedBlock(false, MIGRATE_UNMOVABLE, new long[] {0x100, 0x101}, new long[] {0x102, 0x103});
        Zone z = m.zone(ZoneType.NORMAL);
        PageAlloc pa = m.pageAlloc();
        int head = z.firstFree(1, MIGRATE_UNMOVABLE);
        assertEquals(0x100, m.mem().pfn(head));
        int got = pa.try_to_claim_block(z, head, 1, 0, MIGRATE_MOVABLE, MIGRATE_UNMOVABLE, 0);
        assertEquals(0x100, pfnOrNil(m, got), "claimed, then __rmqueue_smallest(MOVABLE) takes the moved 0x100/1's low half");
        assertEquals(MIGRATE_MOVABLE, z.pageblockMigratetype(0x100));
        assertTrue(z.freeAreaEmpty(1, MIGRATE_UNMOVABLE));

        Machine m2 = shapedBlock(false, MIGRATE_UNMOVABLE, new long[] {0x100, 0x101}, new long[] {0x102});
        Zone z2 = m2.zone(ZoneType.NORMAL);
        int head2 = z2.firstFree(1, MIGRATE_UNMOVABLE);
        assertEquals(-1, pfnOrNil(m2, m2.pageAlloc().try_to_claim_block(z2, head2, 1, 0, MIGRATE_MOVABLE,
                MIGRATE_UNMOVABLE, 0)));
        assertEquals(MIGRATE_UNMOVABLE, z2.pageblockMigratetype(0x100));
        assertEquals(head2, z2.firstFree(1, MIGRATE_UNMOVABLE), "the free block stays where it was");
    }

    // mm/page_alloc.c, try_to_claim_block(): for an UNMOVABLE request on a MOVABLE block
    // "alike_pages = pageblock_nr_pages - (free_pages + movable_pages);" (every in-use page that
    // is not on the LRU counts as compatible). 2 free, 4 LRU, 2 other: 2 + 2 >= 4, claimed;
    // 2 free, 5 LRU, 1 other: 2 + 1 < 4, not claimed.
    @Test
    void unmovableRequestCountsNonLruPagesOfAMovableBlock() {
        Machine m = shapedBlock(false, MIGRATE_MOVABLE, new long[] {0x100, 0x101},
                new long[] {0x102, 0x103, 0x104, 0x105});
        Zone z = m.zone(ZoneType.NORMAL);
        int head = m.mem().idx(0x100);
        assertTrue(m.mem().pageBuddy(head));
        assertEquals(0x100, pfnOrNil(m, m.pageAlloc().try_to_claim_block(z, head, 1, 0, MIGRATE_UNMOVABLE,
                MIGRATE_MOVABLE, 0)));
        assertEquals(MIGRATE_UNMOVABLE, z.pageblockMigratetype(0x100));

        Machine m2 = shapedBlock(false, MIGRATE_MOVABLE, new long[] {0x100, 0x101},
                new long[] {0x102, 0x103, 0x104, 0x105, 0x106});
        Zone z2 = m2.zone(ZoneType.NORMAL);
        assertEquals(-1, pfnOrNil(m2, m2.pageAlloc().try_to_claim_block(z2, m2.mem().idx(0x100), 1, 0,
                MIGRATE_UNMOVABLE, MIGRATE_MOVABLE, 0)));
        assertEquals(MIGRATE_MOVABLE, z2.pageblockMigratetype(0x100));
    }

    // mm/page_alloc.c, try_to_claim_block(): UNMOVABLE falling back to a RECLAIMABLE block counts
    // no in-use page as compatible ("else alike_pages = 0;"): 2 free pages and 6 in use do not
    // make half a pageblock.
    @Test
    void unmovableRequestOnAReclaimableBlockCountsOnlyFreePages() {
        Machine m = shapedBlock(false, MIGRATE_RECLAIMABLE, new long[] {0x100, 0x101}, new long[0]);
        Zone z = m.zone(ZoneType.NORMAL);
        assertEquals(-1, pfnOrNil(m, m.pageAlloc().try_to_claim_block(z, m.mem().idx(0x100), 1, 0,
                MIGRATE_UNMOVABLE, MIGRATE_RECLAIMABLE, 0)));
        assertEquals(MIGRATE_RECLAIMABLE, z.pageblockMigratetype(0x100));
    }

    // mm/page_alloc.c, try_to_claim_block(): "... || page_group_by_mobility_disabled)": with
    // grouping by mobility off the block is always claimed, however few pages are free. (Only a
    // direct call gets here then: every request and every pageblock is UNMOVABLE; the retype to
    // RECLAIMABLE is folded back to UNMOVABLE by set_pageblock_migratetype(), and the type checks
    // of the free-list helpers warn about the mismatch, as the kernel's VM_WARN_ONCE would.)
    @Test
    void withMobilityGroupingOffTheBlockIsAlwaysClaimed() {
        Machine m = shapedBlock(true, MIGRATE_UNMOVABLE, new long[] {0x100}, new long[0]);
        Zone z = m.zone(ZoneType.NORMAL);
        assertEquals(0x100, pfnOrNil(m, m.pageAlloc().try_to_claim_block(z, m.mem().idx(0x100), 0, 0,
                MIGRATE_RECLAIMABLE, MIGRATE_UNMOVABLE, 0)));
        assertEquals(MIGRATE_UNMOVABLE, z.pageblockMigratetype(0x100));
    }

    // mm/page_alloc.c, try_to_claim_block(): "moving whole block can fail due to zone boundary
    // conditions": prep_move_freepages_block() refuses the pageblock [0x4f8, 0x500) that straddles
    // the end of Normal [0x100, 0x4fc), and nothing is claimed, though an UNMOVABLE request would
    // count every non-free page of a MOVABLE block as compatible.
    @Test
    void aPageblockStraddlingTheZoneIsNotClaimed() {
        Machine m = new Machine(Fixtures.normalOnly(0x100, 0x3fc, 6, 3));
        Zone z = m.zone(ZoneType.NORMAL);
        int page = m.mem().idx(0x4f8);
        assertTrue(m.mem().pageBuddy(page));
        assertEquals(MIGRATE_MOVABLE, z.pageblockMigratetype(0x4f8));
        assertEquals(-1, pfnOrNil(m, m.pageAlloc().try_to_claim_block(z, page, 2, 0, MIGRATE_UNMOVABLE,
                MIGRATE_MOVABLE, 0)));
        assertEquals(MIGRATE_MOVABLE, z.pageblockMigratetype(0x4f8));
        assertEquals(page, z.firstFree(2, MIGRATE_MOVABLE));
    }

    // mm/page_alloc.c, try_to_claim_block(): "Take ownership for orders >= pageblock_order" comes
    // before boost_watermark(): claiming a block of exactly pageblock_order does not boost the
    // watermark (though the zone could be boosted).
    @Test
    void claimingAWholePageblockDoesNotBoostTheWatermark() {
        Machine m = new Machine(Fixtures.normalOnly(0x100, 0x100, 3, 3));
        Zone z = m.zone(ZoneType.NORMAL);
        assertEquals(0x100, m.allocPages(GFP_KERNEL, 0));
        assertEquals(MIGRATE_UNMOVABLE, z.pageblockMigratetype(0x100));
        assertEquals(0, z.watermarkBoost);
        assertEquals(0, m.stats().watermarkBoosts);
        assertTrue(m.pageAlloc().boost_watermark(z), "the zone is big enough to be boosted");
    }

    // ------------------------------------------------------------------ __rmqueue_claim, __rmqueue_steal

    // mm/page_alloc.c, __rmqueue_claim(): "if (order < pageblock_order && alloc_flags &
    // ALLOC_NOFRAGMENT) min_order = pageblock_order;": with only sub-pageblock MOVABLE blocks free,
    // an UNMOVABLE request claims nothing under ALLOC_NOFRAGMENT, and claims the block without.
    @Test
    void noFragmentClaimsOnlyWholePageblocks() {
        Machine m = new Machine(fourBlocks());
        Zone z = m.zone(ZoneType.NORMAL);
        PageAlloc pa = m.pageAlloc();
        assertEquals(0x100, pfnOrNil(m, pa.__rmqueue_smallest(z, 0, MIGRATE_MOVABLE)));
        for (long want = 0x108; want < 0x120; want += 8) assertEquals(want, pfnOrNil(m, pa.__rmqueue_smallest(z, 3, MIGRATE_MOVABLE)));
        // left: 0x101/0 0x102/1 0x104/2, MOVABLE
        assertEquals(-1, pfnOrNil(m, pa.__rmqueue_claim(z, 0, MIGRATE_UNMOVABLE, ALLOC_NOFRAGMENT)));
        assertEquals(-1, pfnOrNil(m, pa.__rmqueue(z, 0, MIGRATE_UNMOVABLE, ALLOC_NOFRAGMENT)), "and no steal either");
        assertEquals(MIGRATE_MOVABLE, z.pageblockMigratetype(0x100));
        assertEquals(0x101, pfnOrNil(m, pa.__rmqueue_claim(z, 0, MIGRATE_UNMOVABLE, 0)));
        assertEquals(MIGRATE_UNMOVABLE, z.pageblockMigratetype(0x100));
    }

    // mm/page_alloc.c, __rmqueue(): "case RMQUEUE_STEAL: if (!(alloc_flags & ALLOC_NOFRAGMENT))
    // page = __rmqueue_steal(...)": an order-0 MOVABLE request may not claim at order 0
    // (should_try_claim_block() is false, find_suitable_fallback() says -2) so it steals the lone
    // free page of an UNMOVABLE pageblock, whose type is left alone; __rmqueue_steal() searches
    // orders up to MAX_PAGE_ORDER only and returns NULL when no fallback type has anything.
    @Test
    void movableOrderZeroStealsWithoutClaiming() {
        Machine m = new Machine(fourBlocks());
        Zone z = m.zone(ZoneType.NORMAL);
        PageAlloc pa = m.pageAlloc();
        assertEquals(-1, pfnOrNil(m, pa.__rmqueue_steal(z, 0, MIGRATE_MOVABLE)), "only MOVABLE blocks are free");
        assertEquals(-1, pfnOrNil(m, pa.__rmqueue_steal(z, 3, MIGRATE_MOVABLE)));
        // leave only 0x101 free in pageblock 0x100, and make that block UNMOVABLE
        assertEquals(0x100, pfnOrNil(m, pa.__rmqueue_smallest(z, 0, MIGRATE_MOVABLE)));
        assertEquals(0x104, pfnOrNil(m, pa.__rmqueue_smallest(z, 2, MIGRATE_MOVABLE)));
        assertEquals(0x102, pfnOrNil(m, pa.__rmqueue_smallest(z, 1, MIGRATE_MOVABLE)));
        assertEquals(1, pa.move_freepages_block(z, 0x100, MIGRATE_MOVABLE, MIGRATE_UNMOVABLE));
        for (long want = 0x108; want < 0x120; want += 8) assertEquals(want, pfnOrNil(m, pa.__rmqueue_smallest(z, 3, MIGRATE_MOVABLE)));
        // only 0x101/0 UNMOVABLE is free
        assertEquals(-1, pfnOrNil(m, pa.__rmqueue(z, 0, MIGRATE_MOVABLE, ALLOC_NOFRAGMENT)));
        long steals = m.stats().fallbackSteal[MIGRATE_MOVABLE][MIGRATE_UNMOVABLE];
        assertEquals(0x101, pfnOrNil(m, pa.__rmqueue(z, 0, MIGRATE_MOVABLE, 0)));
        assertEquals(steals + 1, m.stats().fallbackSteal[MIGRATE_MOVABLE][MIGRATE_UNMOVABLE]);
        assertEquals(MIGRATE_UNMOVABLE, z.pageblockMigratetype(0x100));
        assertEquals(0, z.nrFreePages);
        assertEquals(0, m.warnings().count());
    }

    // mm/page_alloc.c, __rmqueue_steal(): the stolen block is split by page_del_and_expand() onto
    // the fallback type's lists, the lowest piece returned.
    @Test
    void aStolenBlockIsSplitOntoTheFallbackTypesLists() {
        Machine m = new Machine(fourBlocks());
        Zone z = m.zone(ZoneType.NORMAL);
        PageAlloc pa = m.pageAlloc();
        assertEquals(0x100, pfnOrNil(m, pa.__rmqueue_smallest(z, 0, MIGRATE_MOVABLE)));
        assertEquals(0x104, pfnOrNil(m, pa.__rmqueue_smallest(z, 2, MIGRATE_MOVABLE)));
        assertEquals(1 + 2, pa.move_freepages_block(z, 0x100, MIGRATE_MOVABLE, MIGRATE_UNMOVABLE));
        assertEquals(0x101, pfnOrNil(m, pa.__rmqueue_steal(z, 0, MIGRATE_MOVABLE)));
        assertEquals(0x102, pfnOrNil(m, pa.__rmqueue_steal(z, 0, MIGRATE_MOVABLE)), "0x102/1 split: 0x103 left");
        assertEquals(0x103, pfnOrNil(m, z.firstFree(0, MIGRATE_UNMOVABLE)));
        assertEquals(2, m.stats().fallbackSteal[MIGRATE_MOVABLE][MIGRATE_UNMOVABLE]);
    }

    // ------------------------------------------------------------------ __rmqueue: CMA

    // mm/page_alloc.c, __rmqueue(): "if (alloc_flags & ALLOC_CMA && zone_page_state(zone,
    // NR_FREE_CMA_PAGES) > zone_page_state(zone, NR_FREE_PAGES) / 2)" take from CMA first. 16 of
    // 32 free pages are CMA: not more than half, the MOVABLE list serves; after one allocation 16
    // of 31 are, and CMA serves; never without ALLOC_CMA. (The CMA pageblocks were released one
    // by one by init_cma_reserved_pageblock() -> __free_pages(), each to the list head, so the
    // last, 0x118, comes first.)
    @Test
    void cmaBalancingStartsWhenMoreThanHalfTheFreePagesAreCma() {
        Machine m = new Machine(fourBlocksHalfCma());
        Zone z = m.zone(ZoneType.NORMAL);
        PageAlloc pa = m.pageAlloc();
        assertEquals(32, z.nrFreePages);
        assertEquals(16, z.nrFreeCmaPages);
        assertEquals(0x100, pfnOrNil(m, pa.__rmqueue(z, 0, MIGRATE_MOVABLE, ALLOC_CMA)));
        assertEquals(0, m.stats().cmaBalanced);
        assertEquals(0x101, pfnOrNil(m, pa.__rmqueue(z, 0, MIGRATE_MOVABLE, 0)), "no ALLOC_CMA: never CMA");
        assertEquals(0x118, pfnOrNil(m, pa.__rmqueue(z, 0, MIGRATE_MOVABLE, ALLOC_CMA)));
        assertEquals(1, m.stats().cmaBalanced);
        assertEquals(15, z.nrFreeCmaPages);
    }

    // mm/page_alloc.c, __rmqueue(): "case RMQUEUE_CMA: if (alloc_flags & ALLOC_CMA) page =
    // __rmqueue_cma_fallback(zone, order);" comes before claiming: with the MOVABLE lists empty
    // and CMA not over half of the free pages, a MOVABLE request with ALLOC_CMA takes a CMA page
    // rather than claim the UNMOVABLE blocks; without ALLOC_CMA it claims one.
    @Test
    void cmaFallbackComesBeforeClaiming() {
        Machine m = new Machine(fourBlocksHalfCma());
        Zone z = m.zone(ZoneType.NORMAL);
        PageAlloc pa = m.pageAlloc();
        assertEquals(8, pa.move_freepages_block(z, 0x100, MIGRATE_MOVABLE, MIGRATE_UNMOVABLE));
        assertEquals(8, pa.move_freepages_block(z, 0x108, MIGRATE_MOVABLE, MIGRATE_UNMOVABLE));
        assertEquals(0x118, pfnOrNil(m, pa.__rmqueue(z, 0, MIGRATE_MOVABLE, ALLOC_CMA)));
        assertEquals(0, m.stats().cmaBalanced);
        assertEquals(MIGRATE_UNMOVABLE, z.pageblockMigratetype(0x100));
        assertEquals(MIGRATE_UNMOVABLE, z.pageblockMigratetype(0x108));
        assertEquals(0x100, pfnOrNil(m, pa.__rmqueue(z, 0, MIGRATE_MOVABLE, 0)));
        assertEquals(MIGRATE_MOVABLE, z.pageblockMigratetype(0x100), "claimed");
    }

    // ------------------------------------------------------------------ rmqueue_buddy, rmqueue

    // mm/page_alloc.c, rmqueue_buddy(): "if (!page && (alloc_flags & (ALLOC_OOM|ALLOC_NON_BLOCK)))
    // page = __rmqueue_smallest(zone, order, MIGRATE_HIGHATOMIC);" and, for a page handed out,
    // "__count_zid_vm_events(PGALLOC, page_zonenum(page), 1 << order)".
    @Test
    void highatomicReserveOnlyForOomAndNonBlocking() {
        Machine m = new Machine(fourBlocks());
        Zone z = m.zone(ZoneType.NORMAL);
        PageAlloc pa = m.pageAlloc();
        assertEquals(8, pa.move_freepages_block(z, 0x118, MIGRATE_MOVABLE, MIGRATE_HIGHATOMIC));
        for (long want = 0x100; want < 0x118; want += 8) assertEquals(want, pfnOrNil(m, pa.__rmqueue(z, 3, MIGRATE_MOVABLE, 0)));
        long pgalloc = z.pgalloc;
        assertEquals(-1, pfnOrNil(m, pa.rmqueue_buddy(z, 0, 0, MIGRATE_MOVABLE)));
        assertEquals(-1, pfnOrNil(m, pa.rmqueue_buddy(z, 0, ALLOC_MIN_RESERVE, MIGRATE_MOVABLE)));
        assertEquals(pgalloc, z.pgalloc);
        assertEquals(0x118, pfnOrNil(m, pa.rmqueue_buddy(z, 0, ALLOC_NON_BLOCK, MIGRATE_MOVABLE)));
        assertEquals(pgalloc + 1, z.pgalloc);
        assertEquals(0x11c, pfnOrNil(m, pa.rmqueue_buddy(z, 2, ALLOC_OOM, MIGRATE_MOVABLE)));
        assertEquals(pgalloc + 5, z.pgalloc);
    }

    // mm/page_alloc.c, rmqueue(): "if ((alloc_flags & ALLOC_KSWAPD) && unlikely(test_bit(
    // ZONE_BOOSTED_WATERMARK, &zone->flags))) { clear_bit(...); wakeup_kswapd(zone, 0, 0,
    // zone_idx(zone)); }": only a request allowed to wake kswapd clears the flag.
    @Test
    void boostedWatermarkFlagIsClearedOnlyWithAllocKswapd() {
        Machine m = new Machine(Fixtures.normal1k());
        Zone z = m.zone(ZoneType.NORMAL);
        PageAlloc pa = m.pageAlloc();
        z.flags |= Zone.ZONE_BOOSTED_WATERMARK;
        long wakeups = m.node().kswapdWakeups;
        assertEquals(0x100, pfnOrNil(m, pa.rmqueue(z, 0, GFP_HIGHUSER_MOVABLE, 0, MIGRATE_MOVABLE)));
        assertTrue((z.flags & Zone.ZONE_BOOSTED_WATERMARK) != 0);
        assertEquals(wakeups, m.node().kswapdWakeups);
        assertEquals(0x101, pfnOrNil(m, pa.rmqueue(z, 0, GFP_HIGHUSER_MOVABLE, ALLOC_KSWAPD, MIGRATE_MOVABLE)));
        assertEquals(0, z.flags & Zone.ZONE_BOOSTED_WATERMARK);
        assertEquals(0, m.warnings().count());
    }

    // mm/page_alloc.c, rmqueue(): "VM_BUG_ON_PAGE(page && bad_range(zone, page), page);": a page of
    // another zone planted on Normal's free list (a DMA page) is caught when handed out.
    @Test
    void aPageOutsideTheZoneIsCaughtWhenHandedOut() {
        Machine m = new Machine(Fixtures.dmaNormal());
        Zone dma = m.zone(ZoneType.DMA);
        Zone normal = m.zone(ZoneType.NORMAL);
        PageAlloc pa = m.pageAlloc();
        int stray = pa.__rmqueue_smallest(dma, 0, MIGRATE_MOVABLE);
        assertFalse(normal.spansPfn(m.mem().pfn(stray)));
        pa.__add_to_free_list(stray, normal, 0, MIGRATE_MOVABLE, false);
        pa.set_buddy_order(stray, 0);
        assertEquals(0, m.warnings().count());
        assertEquals(stray, pa.rmqueue(normal, 0, GFP_HIGHUSER_MOVABLE, 0, MIGRATE_MOVABLE));
        assertEquals(List.of("rmqueue: VM_BUG_ON_PAGE(page && bad_range(zone, page))"), m.warnings().messages());
    }

    // ------------------------------------------------------------------ check_new_pages

    // mm/page_alloc.c, check_new_pages() / check_new_page(): every one of the 1 << order pages is
    // checked against page_expected_state() (no PAGE_FLAGS_CHECK_AT_PREP flag, no mapcount, no
    // reference) and a bad one is reported (bad_page()) with its own pfn.
    @Test
    void everyPageOfANewBlockIsChecked() {
        Machine m = new Machine(Fixtures.normal1k());
        Zone z = m.zone(ZoneType.NORMAL);
        PageAlloc pa = m.pageAlloc();
        int page = pa.__rmqueue_smallest(z, 2, MIGRATE_MOVABLE);
        assertEquals(0x100, m.mem().pfn(page));
        m.mem().flags[page + 1] |= PageFlags.PG_lru;
        m.mem().mapcount()[page + 2] = 1;
        m.mem().refcount[page + 3] = 1;
        pa.prep_new_page(page, 2, GFP_HIGHUSER_MOVABLE, 0);
        List<String> w = m.warnings().messages();
        assertEquals(3, w.size(), w.toString());
        assertEquals("check_new_page: Bad page state: pfn 0x101 flags " + PageFlags.describe(m.mem().flags[page + 1])
                + " refcount 0", w.get(0));
        assertTrue(w.get(1).startsWith("check_new_page: Bad page state: pfn 0x102 "), w.get(1));
        assertTrue(w.get(1).endsWith(" refcount 0"), w.get(1));
        assertTrue(w.get(2).startsWith("check_new_page: Bad page state: pfn 0x103 "), w.get(2));
        assertTrue(w.get(2).endsWith(" refcount 1"), w.get(2));

        // a clean block passes silently
        int clean = pa.__rmqueue_smallest(z, 2, MIGRATE_MOVABLE);
        assertEquals(0x104, m.mem().pfn(clean));
        pa.prep_new_page(clean, 2, GFP_HIGHUSER_MOVABLE, 0);
        assertEquals(3, m.warnings().count());
    }
}
