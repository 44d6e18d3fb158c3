package org.mmspec.reference.alloc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mmspec.reference.alloc.Gfp.*;
import static org.mmspec.reference.alloc.MigrateType.*;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.mmspec.reference.Fixtures;
import org.mmspec.reference.Machine;

/**
 * reserve_highatomic_pageblock() and unreserve_highatomic_pageblock() (mm/page_alloc.c, v6.18)
 * called directly on blocks the allocator handed out, the way get_page_from_freelist() and the
 * slow path call them, plus the order &gt;= pageblock_order reservations a GFP_ATOMIC allocation
 * makes. {@link HighatomicTest} covers the common order-1 path.
 */
class HighatomicReserveTest {

    private static final int NORMAL = ZoneType.NORMAL.idx();

    private static PageAlloc.AllocContext ac(int highest, int migratetype) {
        PageAlloc.AllocContext ac = new PageAlloc.AllocContext();
        ac.highest_zoneidx = highest;
        ac.migratetype = migratetype;
        return ac;
    }

    // reserve_highatomic_pageblock(): "max_managed = ALIGN((zone_managed_pages(zone) / 100),
    // pageblock_nr_pages); if (zone->nr_reserved_highatomic >= max_managed) return;". 800 managed
    // pages: ALIGN(8, 8) = 8, one pageblock; 1600: ALIGN(16, 8) = 16, two; 1700: ALIGN(17, 8) = 24,
    // three. Each reservation here is of an allocated order-3 (== pageblock_order) block:
    // "change_pageblock_range(page, order, MIGRATE_HIGHATOMIC); zone->nr_reserved_highatomic += 1 << order".
    @Test
    void theReserveIsOnePercentAlignedUpToAPageblock() {
        long[][] cases = {{800, 1}, {1600, 2}, {1700, 3}};
        for (long[] c : cases) {
            Machine m = new Machine(Fixtures.normalOnly(0x100, c[0], 6, 3));
            m.pageAlloc().setHooks(SlowpathHooks.NONE);
            Zone z = m.zone(ZoneType.NORMAL);
            List<Long> blocks = new ArrayList<>();
            for (int i = 0; i < 4; i++) blocks.add(m.allocPages(GFP_KERNEL, 3));
            for (long pfn : blocks) m.pageAlloc().reserve_highatomic_pageblock(m.mem().idx(pfn), 3, z);
            assertEquals(8 * c[1], z.nrReservedHighatomic, c[0] + " pages");
            assertEquals(c[1], m.stats().highatomicReserved, c[0] + " pages");
            for (int i = 0; i < 4; i++) {
                assertEquals(i < c[1] ? MIGRATE_HIGHATOMIC : MIGRATE_UNMOVABLE,
                        m.pageAlloc().get_pfnblock_migratetype(z, blocks.get(i)), c[0] + " pages, block " + i);
            }
        }
    }

    // get_page_from_freelist() reserves after a GFP_ATOMIC (ALLOC_HIGHATOMIC) slow-path allocation;
    // for "order >= pageblock_order" reserve_highatomic_pageblock() retypes every pageblock of the
    // block, "change_pageblock_range(page, order, MIGRATE_HIGHATOMIC)", and counts "1 << order".
    @Test
    void anAtomicAllocationOfPageblockOrderOrMoreReservesEveryPageblockOfIt() {
        Machine m = new Machine(Fixtures.normal1k());
        m.pageAlloc().setHooks(SlowpathHooks.NONE);
        Zone z = m.zone(ZoneType.NORMAL);
        while (z.nrFreePages > z.lowWmarkPages()) m.allocPages(GFP_KERNEL, 0);
        long p3 = m.allocPages(GFP_ATOMIC, 3);
        assertTrue(p3 >= 0);
        assertEquals(MIGRATE_HIGHATOMIC, m.pageAlloc().get_pfnblock_migratetype(z, p3));
        assertEquals(8, z.nrReservedHighatomic);
        assertEquals(0, z.nrFreeHighatomic, "the block is wholly allocated");
        // 1024 managed: max_managed 16, so an order-4 block (two pageblocks) still fits: 8 < 16
        long p4 = m.allocPages(GFP_ATOMIC, 4);
        assertTrue(p4 >= 0);
        assertEquals(MIGRATE_HIGHATOMIC, m.pageAlloc().get_pfnblock_migratetype(z, p4));
        assertEquals(MIGRATE_HIGHATOMIC, m.pageAlloc().get_pfnblock_migratetype(z, p4 + 8));
        assertEquals(24, z.nrReservedHighatomic);
        assertEquals(2, m.stats().highatomicReserved);
    }

    // reserve_highatomic_pageblock(): "if (move_freepages_block(zone, page, mt, MIGRATE_HIGHATOMIC)
    // == -1) goto out_unlock;": a pageblock that straddles the zone start (Normal begins at 0x104,
    // mid-pageblock) is refused by prep_move_freepages_block() and nothing is counted.
    @Test
    void aPageblockStraddlingTheZoneIsNotReserved() {
        Machine m = new Machine(Fixtures.normalOnly(0x104, 0x400, 6, 3));
        Zone z = m.zone(ZoneType.NORMAL);
        int mtBefore = m.pageAlloc().get_pfnblock_migratetype(z, 0x105);
        m.pageAlloc().reserve_highatomic_pageblock(m.mem().idx(0x105), 0, z);
        assertEquals(0, z.nrReservedHighatomic);
        assertEquals(0, m.stats().highatomicReserved);
        assertEquals(mtBefore, m.pageAlloc().get_pfnblock_migratetype(z, 0x105));
        // the next, whole pageblock is reserved
        m.pageAlloc().reserve_highatomic_pageblock(m.mem().idx(0x109), 0, z);
        assertEquals(8, z.nrReservedHighatomic);
    }

    /**
     * normal1k with one GFP_KERNEL order-0 page allocated, its pageblock reserved as
     * get_page_from_freelist() would after an atomic allocation: the pageblock's seven other pages
     * are free and move to the MIGRATE_HIGHATOMIC lists.
     */
    private static Machine oneReservedBlock(List<Long> pfnOut) {
        Machine m = new Machine(Fixtures.normal1k());
        m.pageAlloc().setHooks(SlowpathHooks.NONE);
        Zone z = m.zone(ZoneType.NORMAL);
        long pfn = m.allocPages(GFP_KERNEL, 0);
        m.pageAlloc().reserve_highatomic_pageblock(m.mem().idx(pfn), 0, z);
        assertEquals(8, z.nrReservedHighatomic);
        assertEquals(7, z.nrFreeHighatomic);
        pfnOut.add(pfn);
        return m;
    }

    // unreserve_highatomic_pageblock(): "if (!force && zone->nr_reserved_highatomic <=
    // pageblock_nr_pages) continue;": with exactly one pageblock reserved an unforced call keeps it;
    // a forced one gives it back to ac->migratetype (move_freepages_block() for order <
    // pageblock_order), and with size == nr_reserved_highatomic there is no WARN.
    @Test
    void theLastPageblockGoesOnlyWhenForced() {
        List<Long> out = new ArrayList<>();
        Machine m = oneReservedBlock(out);
        Zone z = m.zone(ZoneType.NORMAL);
        PageAlloc pa = m.pageAlloc();
        assertFalse(pa.unreserve_highatomic_pageblock(ac(NORMAL, MIGRATE_MOVABLE), false));
        assertEquals(8, z.nrReservedHighatomic);
        assertEquals(7, z.nrFreeHighatomic);
        assertEquals(MIGRATE_HIGHATOMIC, pa.get_pfnblock_migratetype(z, out.get(0)));
        assertTrue(pa.unreserve_highatomic_pageblock(ac(NORMAL, MIGRATE_MOVABLE), true));
        assertEquals(0, z.nrReservedHighatomic);
        assertEquals(0, z.nrFreeHighatomic);
        assertEquals(MIGRATE_MOVABLE, pa.get_pfnblock_migratetype(z, out.get(0)));
        long block = out.get(0) & ~7L;
        long inBlock = 0;
        for (Fixtures.FreeBlock b : Fixtures.freeBlocks(m, ZoneType.NORMAL).subMap(block, block + 8).values()) {
            assertEquals(MIGRATE_MOVABLE, b.listMt(), Fixtures.hex(b.pfn()));
            inBlock += 1L << b.order();
        }
        assertEquals(7, inBlock);
        assertEquals(1, m.stats().highatomicUnreserved);
        assertEquals(List.of(), m.warnings().messages());
    }

    // unreserve_highatomic_pageblock(): for_each_zone_zonelist_nodemask(..., ac->highest_zoneidx,
    // ...): a request limited to ZONE_DMA does not give back a reserve in ZONE_NORMAL.
    @Test
    void aReserveAboveTheRequestsHighestZoneIsLeftAlone() {
        Machine m = new Machine(Fixtures.dmaNormal());
        m.pageAlloc().setHooks(SlowpathHooks.NONE);
        Zone z = m.zone(ZoneType.NORMAL);
        long pfn = m.allocPages(GFP_KERNEL, 0);
        assertTrue(z.spansPfn(pfn));
        m.pageAlloc().reserve_highatomic_pageblock(m.mem().idx(pfn), 0, z);
        assertEquals(8, z.nrReservedHighatomic);
        assertFalse(m.pageAlloc().unreserve_highatomic_pageblock(ac(ZoneType.DMA.idx(), MIGRATE_UNMOVABLE), true));
        assertEquals(8, z.nrReservedHighatomic);
        assertTrue(m.pageAlloc().unreserve_highatomic_pageblock(ac(NORMAL, MIGRATE_UNMOVABLE), true));
        assertEquals(0, z.nrReservedHighatomic);
    }

    // unreserve_highatomic_pageblock(): "for (order = 0; order < NR_PAGE_ORDERS; order++)" looks at
    // this zone's free_area[] only. Here DMA32 (walked after Normal, which keeps its single
    // reserved pageblock unforced) has two reserved but wholly allocated pageblocks and no free
    // highatomic page: nothing is found there, and nothing of Normal's is touched.
    @Test
    void theOrderWalkStaysInsideTheZonesOwnFreeArea() {
        Machine m = new Machine(MachineConfig.of("dma32-normal", 6, 3, List.of(
                ZoneConfig.of(ZoneType.DMA32, 0x800, 0x800),
                ZoneConfig.of(ZoneType.NORMAL, 0x1000, 0x400))));
        m.pageAlloc().setHooks(SlowpathHooks.NONE);
        PageAlloc pa = m.pageAlloc();
        Zone dma32 = m.zone(ZoneType.DMA32);
        Zone normal = m.zone(ZoneType.NORMAL);
        for (int i = 0; i < 2; i++) {
            long pfn = m.allocPages(GFP_KERNEL | GFP_DMA32, 3);
            assertTrue(dma32.spansPfn(pfn));
            pa.reserve_highatomic_pageblock(m.mem().idx(pfn), 3, dma32);
        }
        assertEquals(16, dma32.nrReservedHighatomic);
        assertEquals(0, dma32.nrFreeHighatomic);
        long pfn = m.allocPages(GFP_KERNEL, 0);
        assertTrue(normal.spansPfn(pfn));
        pa.reserve_highatomic_pageblock(m.mem().idx(pfn), 0, normal);
        assertFalse(normal.freeAreaEmpty(0, MIGRATE_HIGHATOMIC), "an order-0 highatomic page in Normal");
        assertFalse(pa.unreserve_highatomic_pageblock(ac(NORMAL, MIGRATE_UNMOVABLE), false));
        assertEquals(16, dma32.nrReservedHighatomic);
        assertEquals(8, normal.nrReservedHighatomic);
        assertEquals(7, normal.nrFreeHighatomic);
        assertEquals(List.of(), m.warnings().messages());
    }

    // unreserve_highatomic_pageblock(): a free highatomic block larger than a pageblock (an order-4
    // atomic block reserved whole, then freed: its two HIGHATOMIC pageblocks merge, and do not merge
    // further with a non-highatomic buddy) is given back whole: "size = max(pageblock_nr_pages, 1UL
    // << order)" = 16, and for "order >= pageblock_order" "move_to_free_list(page, zone, order,
    // MIGRATE_HIGHATOMIC, ac->migratetype); change_pageblock_range(page, order, ac->migratetype)".
    @Test
    void aFreeHighatomicBlockAbovePageblockOrderGoesBackWhole() {
        Machine m = new Machine(Fixtures.normal1k());
        m.pageAlloc().setHooks(SlowpathHooks.NONE);
        PageAlloc pa = m.pageAlloc();
        Zone z = m.zone(ZoneType.NORMAL);
        long pfn = m.allocPages(GFP_KERNEL, 4);
        pa.reserve_highatomic_pageblock(m.mem().idx(pfn), 4, z);
        assertEquals(16, z.nrReservedHighatomic);
        m.freePages(pfn, 4);
        assertEquals(16, z.nrFreeHighatomic);
        assertEquals(pfn, m.mem().pfn(z.firstFree(4, MIGRATE_HIGHATOMIC)));
        assertTrue(pa.unreserve_highatomic_pageblock(ac(NORMAL, MIGRATE_MOVABLE), false));
        assertEquals(0, z.nrReservedHighatomic);
        assertEquals(0, z.nrFreeHighatomic);
        assertTrue(z.freeAreaEmpty(4, MIGRATE_HIGHATOMIC));
        assertEquals(MIGRATE_MOVABLE, pa.get_pfnblock_migratetype(z, pfn));
        assertEquals(MIGRATE_MOVABLE, pa.get_pfnblock_migratetype(z, pfn + 8));
        assertEquals(new Fixtures.FreeBlock(pfn, 4, MIGRATE_MOVABLE), Fixtures.freeBlocks(m, ZoneType.NORMAL).get(pfn));
        assertEquals(Fixtures.freePagesOnLists(m, ZoneType.NORMAL), z.nrFreePages);
        assertEquals(List.of(), m.warnings().messages());
    }

    // unreserve_highatomic_pageblock(): "if (WARN_ON_ONCE(size > zone->nr_reserved_highatomic)) size
    // = zone->nr_reserved_highatomic;" guards an underflow the kernel says "should never happen";
    // the counter is set below a pageblock by hand here to reach it: one WARN, the counter ends at 0.
    @Test
    void aCounterBelowThePageblockSizeWarnsAndClampsToZero() {
        List<Long> out = new ArrayList<>();
        Machine m = oneReservedBlock(out);
        Zone z = m.zone(ZoneType.NORMAL);
        z.nrReservedHighatomic = 5;
        assertTrue(m.pageAlloc().unreserve_highatomic_pageblock(ac(NORMAL, MIGRATE_MOVABLE), true));
        assertEquals(0, z.nrReservedHighatomic);
        assertEquals(1, m.warnings().count());
        assertTrue(m.warnings().messages().get(0).contains("size > zone->nr_reserved_highatomic"));
    }

    // unreserve_highatomic_pageblock(): "WARN_ON_ONCE(ret == -1)" when move_freepages_block() fails
    // on a zone boundary ("Reserving the block(s) already succeeded, so this should not fail on
    // zone boundaries"). A highatomic block straddling the zone start cannot be made by the reserve
    // (see aPageblockStraddlingTheZoneIsNotReserved), so the free block at 0x104 is put on the
    // highatomic list by hand: the unreserve warns, moves nothing and reports failure.
    @Test
    void aStraddlingHighatomicBlockWarnsAndIsNotUnreserved() {
        Machine m = new Machine(Fixtures.normalOnly(0x104, 0x400, 6, 3));
        PageAlloc pa = m.pageAlloc();
        Zone z = m.zone(ZoneType.NORMAL);
        Fixtures.FreeBlock b = Fixtures.freeBlocks(m, ZoneType.NORMAL).get(0x104L);
        assertEquals(2, b.order());
        pa.move_to_free_list(m.mem().idx(0x104), z, 2, b.listMt(), MIGRATE_HIGHATOMIC);
        pa.set_pageblock_migratetype(z, 0x104, MIGRATE_HIGHATOMIC);
        z.nrReservedHighatomic = 8;
        assertEquals(List.of(), m.warnings().messages());
        assertFalse(pa.unreserve_highatomic_pageblock(ac(NORMAL, MIGRATE_MOVABLE), true));
        assertEquals(1, m.warnings().count());
        assertTrue(m.warnings().messages().get(0).contains("ret == -1"));
        assertEquals(0, z.nrReservedHighatomic, "the counter was already lowered");
        assertEquals(0, m.stats().highatomicUnreserved);
        assertEquals(MIGRATE_HIGHATOMIC, pa.get_pfnblock_migratetype(z, 0x104));
    }
}
