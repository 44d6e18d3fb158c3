package org.mmspec.reference.alloc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mmspec.reference.alloc.Gfp.*;
import static org.mmspec.reference.alloc.MigrateType.*;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.mmspec.reference.Fixtures;
import org.mmspec.reference.Machine;

/**
 * The highatomic reserve of mm/page_alloc.c (v6.18): reserve_highatomic_pageblock() after a
 * high-order ALLOC_HIGHATOMIC allocation from the slow path, and unreserve_highatomic_pageblock()
 * from should_reclaim_retry() before OOM.
 */
class HighatomicTest {

    Machine m;
    Zone z;
    List<Long> held = new ArrayList<>();

    /** Normal only, pageblock_order 3 (8 pages); GFP_KERNEL order-0 allocations until free == low. */
    private void downToLow(long pages) {
        m = new Machine(Fixtures.normalOnly(0x100, pages, 6, 3));
        m.pageAlloc().setHooks(SlowpathHooks.NONE);
        z = m.zone(ZoneType.NORMAL);
        while (z.nrFreePages > z.lowWmarkPages()) held.add(m.allocPages(GFP_KERNEL, 0));
        assertEquals(z.lowWmarkPages(), z.nrFreePages);
    }

    // gfp_to_alloc_flags(): GFP_ATOMIC order > 0 gets ALLOC_HIGHATOMIC (ALLOC_MIN_RESERVE, no direct
    // reclaim); the fast path (low watermark) fails, the slow path's min-watermark attempt succeeds
    // and get_page_from_freelist() calls reserve_highatomic_pageblock(): the page's pageblock becomes
    // MIGRATE_HIGHATOMIC and nr_reserved_highatomic grows by pageblock_nr_pages. 1024 managed pages:
    // max_managed = ALIGN(1024 / 100, 8) = 16, so a second block may be reserved, a third not.
    @Test
    void atomicHighOrderFromTheSlowPathReservesItsPageblockUpToOnePercent() {
        downToLow(0x400);
        long pfn = m.allocPages(GFP_ATOMIC, 1);
        assertTrue(pfn >= 0);
        assertEquals(MIGRATE_HIGHATOMIC, m.pageAlloc().get_pfnblock_migratetype(z, pfn));
        assertEquals(8, z.nrReservedHighatomic);
        assertEquals(1, m.stats().highatomicReserved);
        // a further atomic order-1 allocation that lands outside the reserved block reserves a second
        for (int i = 0; i < 20 && z.nrReservedHighatomic < 16; i++) {
            long p = m.allocPages(GFP_ATOMIC, 1);
            if (p < 0) break;
        }
        assertEquals(16, z.nrReservedHighatomic);
        assertEquals(2, m.stats().highatomicReserved);
        // at max_managed no more: "if (zone->nr_reserved_highatomic >= max_managed) return"
        for (int i = 0; i < 20; i++) {
            if (m.allocPages(GFP_ATOMIC, 1) < 0) break;
        }
        assertEquals(16, z.nrReservedHighatomic);
        assertEquals(2, m.stats().highatomicReserved);
    }

    // reserve_highatomic_pageblock(): "if ((zone_managed_pages(zone) / 100) < pageblock_nr_pages)
    // return": 799 managed pages (7 < 8) reserve nothing; 800 (8) reserve.
    @Test
    void noReserveBelowOnePercentOfAPageblock() {
        downToLow(799);
        assertTrue(m.allocPages(GFP_ATOMIC, 1) >= 0);
        assertEquals(0, z.nrReservedHighatomic);
        assertEquals(0, m.stats().highatomicReserved);
        held.clear();
        downToLow(800);
        assertEquals(800, z.managedPages);
        assertTrue(m.allocPages(GFP_ATOMIC, 1) >= 0);
        assertEquals(8, z.nrReservedHighatomic);
    }

    // should_reclaim_retry(): with no reclaim progress and nothing reclaimable, before OOM
    // "return unreserve_highatomic_pageblock(ac, true)": the reserved block goes back to the
    // request's migratetype and the retry allocates from it.
    @Test
    void beforeOomTheReserveIsGivenBack() {
        downToLow(0x400);
        long pfn = m.allocPages(GFP_ATOMIC, 1);
        long block = pfn & ~7L;
        assertEquals(8, z.nrReservedHighatomic);
        // drain everything GFP_KERNEL can get
        while (true) {
            long before = m.stats().highatomicUnreserved;
            long p = m.allocPages(GFP_KERNEL, 0);
            if (m.stats().highatomicUnreserved > before) {
                assertTrue(p >= 0, "the retry after unreserving succeeds");
                assertEquals(0, z.nrReservedHighatomic);
                assertEquals(MIGRATE_UNMOVABLE, m.pageAlloc().get_pfnblock_migratetype(z, block));
                break;
            }
            assertTrue(p >= 0, "GFP_KERNEL failed without unreserving the highatomic block");
        }
        assertEquals(1, m.stats().highatomicUnreserved);
    }

    // unreserve_highatomic_pageblock(ac, force): "Preserve at least one pageblock unless memory
    // pressure is really high": unforced, a zone with only one reserved pageblock is skipped; with
    // two, one goes back (to ac->migratetype) and one stays; forced, the last one goes too.
    @Test
    void unforcedUnreserveKeepsTheLastPageblock() {
        downToLow(0x400);
        for (int i = 0; i < 40 && z.nrReservedHighatomic < 16; i++) m.allocPages(GFP_ATOMIC, 1);
        assertEquals(16, z.nrReservedHighatomic);
        PageAlloc.AllocContext ac = new PageAlloc.AllocContext();
        ac.highest_zoneidx = ZoneType.NORMAL.idx();
        ac.migratetype = MIGRATE_MOVABLE;
        assertTrue(m.pageAlloc().unreserve_highatomic_pageblock(ac, false));
        assertEquals(8, z.nrReservedHighatomic);
        assertEquals(1, m.stats().highatomicUnreserved);
        assertEquals(false, m.pageAlloc().unreserve_highatomic_pageblock(ac, false));
        assertEquals(8, z.nrReservedHighatomic);
        // the blocks are found through the MIGRATE_HIGHATOMIC free lists ("page =
        // get_page_from_free_area(area, MIGRATE_HIGHATOMIC); if (!page) continue;"): the remaining
        // block is fully allocated, so even a forced unreserve finds nothing
        assertEquals(0, z.nrFreeHighatomic);
        assertEquals(false, m.pageAlloc().unreserve_highatomic_pageblock(ac, true));
        assertEquals(8, z.nrReservedHighatomic);
        assertEquals(1, m.stats().highatomicUnreserved);
        // a request whose highest zone index is below the zone's does not look at it
        ac.highest_zoneidx = ZoneType.DMA.idx();
        assertEquals(false, m.pageAlloc().unreserve_highatomic_pageblock(ac, true));
    }
}
