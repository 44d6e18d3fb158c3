package org.mmspec.reference.alloc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mmspec.reference.alloc.Gfp.*;
import static org.mmspec.reference.alloc.MigrateType.*;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.mmspec.reference.Fixtures;
import org.mmspec.reference.Machine;
import org.mmspec.reference.page.MemMap;

/**
 * The pageblock migratetype bits and the free-list type checks of mm/page_alloc.c (v6.18):
 * set_pageblock_migratetype(), init_pageblock_migratetype(), the VM_WARN_ONCE type checks of
 * __add_to_free_list() / move_to_free_list() / __del_page_from_free_list(), the debug checks of
 * __move_freepages_block(), __move_freepages_block_isolate() and find_large_buddy(), plus the
 * small helpers the allocator entry points use (__gfp_pfmemalloc_flags(), first_zones_zonelist(),
 * pgdat_watermark_boosted()). Expectations are read off the kernel source, not the model.
 */
class PageblockMigratetypeTest {

    private static Machine mobilityDisabled() {
        return new Machine(Fixtures.normal1k().withMobilityDisabled(true));
    }

    private static String lastWarning(Machine m) {
        List<String> msgs = m.warnings().messages();
        return msgs.get(msgs.size() - 1);
    }

    // mm/page_alloc.c, set_pageblock_migratetype(): "if (unlikely(page_group_by_mobility_disabled
    // && migratetype < MIGRATE_PCPTYPES)) migratetype = MIGRATE_UNMOVABLE": with grouping by
    // mobility off, a pcp type (here RECLAIMABLE) is stored as UNMOVABLE, while HIGHATOMIC
    // (== MIGRATE_PCPTYPES, the boundary) and CMA are stored as given.
    @Test
    void setPageblockMigratetypeFoldsPcpTypesWhenMobilityGroupingIsOff() {
        Machine m = mobilityDisabled();
        Zone z = m.zone(ZoneType.NORMAL);
        PageAlloc pa = m.pageAlloc();
        assertEquals(MIGRATE_UNMOVABLE, z.pageblockMigratetype(0x108), "boot types are folded too");
        pa.set_pageblock_migratetype(z, 0x108, MIGRATE_RECLAIMABLE);
        assertEquals(MIGRATE_UNMOVABLE, z.pageblockMigratetype(0x108));
        pa.set_pageblock_migratetype(z, 0x110, MIGRATE_HIGHATOMIC);
        assertEquals(MIGRATE_HIGHATOMIC, z.pageblockMigratetype(0x110));
        pa.set_pageblock_migratetype(z, 0x118, MIGRATE_CMA);
        assertEquals(MIGRATE_CMA, z.pageblockMigratetype(0x118));
        assertEquals(0, m.warnings().count());

        // with grouping on, the type is stored as given
        Machine on = new Machine(Fixtures.normal1k());
        on.pageAlloc().set_pageblock_migratetype(on.zone(ZoneType.NORMAL), 0x108, MIGRATE_RECLAIMABLE);
        assertEquals(MIGRATE_RECLAIMABLE, on.zone(ZoneType.NORMAL).pageblockMigratetype(0x108));
    }

    // mm/page_alloc.c, set_pageblock_migratetype(): "if (migratetype == MIGRATE_ISOLATE) {
    // VM_WARN_ONCE(1, "Use set_pageblock_isolate() for pageblock isolation"); return; }": the
    // isolate type is refused with a warning and the block keeps its bits.
    @Test
    void setPageblockMigratetypeRefusesIsolate() {
        Machine m = new Machine(Fixtures.normal1k());
        Zone z = m.zone(ZoneType.NORMAL);
        m.pageAlloc().set_pageblock_migratetype(z, 0x108, MIGRATE_ISOLATE);
        assertEquals(1, m.warnings().count());
        assertTrue(lastWarning(m).startsWith("set_pageblock_migratetype: Use set_pageblock_isolate()"), lastWarning(m));
        assertEquals(MIGRATE_MOVABLE, z.pageblockMigratetypeBits(0x108));
        assertFalse(z.pageblockIsolated(0x108));
        assertEquals(MIGRATE_MOVABLE, z.pageblockMigratetype(0x108));
    }

    // mm/page_alloc.c, set_pageblock_migratetype(): "VM_WARN_ONCE(get_pageblock_isolate(page), "Use
    // clear_pageblock_isolate() to unisolate pageblock")" and "MIGRATETYPE_AND_ISO_MASK clears
    // PB_migrate_isolate if it is set": retyping an isolated block warns and unisolates it.
    @Test
    void setPageblockMigratetypeOnAnIsolatedBlockWarnsAndClearsTheIsolateBit() {
        Machine m = new Machine(Fixtures.normal1k());
        Zone z = m.zone(ZoneType.NORMAL);
        PageAlloc pa = m.pageAlloc();
        pa.toggle_pageblock_isolate(z, 0x108, true);
        assertEquals(MIGRATE_ISOLATE, z.pageblockMigratetype(0x108));
        pa.set_pageblock_migratetype(z, 0x108, MIGRATE_UNMOVABLE);
        assertEquals(1, m.warnings().count());
        assertTrue(lastWarning(m).startsWith("set_pageblock_migratetype: Use clear_pageblock_isolate()"), lastWarning(m));
        assertFalse(z.pageblockIsolated(0x108));
        assertEquals(MIGRATE_UNMOVABLE, z.pageblockMigratetype(0x108));
        // a block that is not isolated is retyped silently
        pa.set_pageblock_migratetype(z, 0x110, MIGRATE_UNMOVABLE);
        assertEquals(1, m.warnings().count());
    }

    // mm/page_alloc.c, init_pageblock_migratetype(): the same folding of pcp types to UNMOVABLE
    // when grouping by mobility is off (HIGHATOMIC, == MIGRATE_PCPTYPES, is kept), and "if
    // (isolate) flags |= BIT(PB_migrate_isolate)": the isolate bit is set next to the type.
    @Test
    void initPageblockMigratetypeFoldsAndSetsTheIsolateBit() {
        Machine m = mobilityDisabled();
        Zone z = m.zone(ZoneType.NORMAL);
        PageAlloc pa = m.pageAlloc();
        pa.init_pageblock_migratetype(z, 0x108, MIGRATE_MOVABLE, false);
        assertEquals(MIGRATE_UNMOVABLE, z.pageblockMigratetype(0x108));
        pa.init_pageblock_migratetype(z, 0x110, MIGRATE_RECLAIMABLE, false);
        assertEquals(MIGRATE_UNMOVABLE, z.pageblockMigratetype(0x110));
        pa.init_pageblock_migratetype(z, 0x118, MIGRATE_HIGHATOMIC, false);
        assertEquals(MIGRATE_HIGHATOMIC, z.pageblockMigratetype(0x118));

        Machine on = new Machine(Fixtures.normal1k());
        Zone zo = on.zone(ZoneType.NORMAL);
        on.pageAlloc().init_pageblock_migratetype(zo, 0x108, MIGRATE_RECLAIMABLE, false);
        assertEquals(MIGRATE_RECLAIMABLE, zo.pageblockMigratetype(0x108));
        assertFalse(zo.pageblockIsolated(0x108));
        on.pageAlloc().init_pageblock_migratetype(zo, 0x110, MIGRATE_MOVABLE, true);
        assertTrue(zo.pageblockIsolated(0x110));
        assertEquals(MIGRATE_MOVABLE, zo.pageblockMigratetypeBits(0x110));
        assertEquals(0, on.warnings().count());
    }

    // mm/page_alloc.c, __add_to_free_list(), move_to_free_list(), __del_page_from_free_list():
    // each has "VM_WARN_ONCE(get_pageblock_migratetype(page) != migratetype, "page type is %d,
    // passed migratetype is %d (nr=%d)\n", ...)" with nr = 1 << order; a matching type is silent.
    @Test
    void freeListHelpersWarnWhenThePassedTypeIsNotThePageblocksType() {
        Machine m = new Machine(Fixtures.normal1k());
        Zone z = m.zone(ZoneType.NORMAL);
        MemMap mem = m.mem();
        PageAlloc pa = m.pageAlloc();
        int page = pa.__rmqueue_smallest(z, 6, MIGRATE_MOVABLE); // 0x100/6, cleanly off its list
        assertEquals(0x100, mem.pfn(page));
        assertEquals(0, m.warnings().count());

        pa.__add_to_free_list(page, z, 6, MIGRATE_UNMOVABLE, false);
        assertEquals(1, m.warnings().count());
        assertEquals("__add_to_free_list: page type is 1, passed migratetype is 0 (nr=64) pfn 0x100", lastWarning(m));

        pa.move_to_free_list(page, z, 6, MIGRATE_RECLAIMABLE, MIGRATE_MOVABLE);
        assertEquals(2, m.warnings().count());
        assertEquals("move_to_free_list: page type is 1, passed migratetype is 2 (nr=64) pfn 0x100", lastWarning(m));

        pa.__del_page_from_free_list(page, z, 6, MIGRATE_HIGHATOMIC);
        assertEquals(3, m.warnings().count());
        assertEquals("__del_page_from_free_list: page type is 1, passed migratetype is 3 (nr=64) pfn 0x100",
                lastWarning(m));

        // the right type: no warning
        pa.__add_to_free_list(page, z, 6, MIGRATE_MOVABLE, false);
        pa.__del_page_from_free_list(page, z, 6, MIGRATE_MOVABLE);
        assertEquals(3, m.warnings().count());
    }

    // mm/page_alloc.c, __move_freepages_block(): "VM_WARN_ON(start_pfn & (pageblock_nr_pages -
    // 1))": the caller must pass the pageblock's first pfn.
    @Test
    void moveFreepagesBlockWarnsOnAnUnalignedStart() {
        Machine m = new Machine(Fixtures.normal1k());
        Zone z = m.zone(ZoneType.NORMAL);
        PageAlloc pa = m.pageAlloc();
        assertEquals(0, pa.__move_freepages_block(z, 0x104, MIGRATE_MOVABLE, MIGRATE_MOVABLE),
                "0x104..0x107 are tail pages of the free 0x100/6: no PageBuddy head to move");
        assertEquals(1, m.warnings().count());
        assertEquals("__move_freepages_block: VM_WARN_ON(start_pfn & (pageblock_nr_pages - 1))", lastWarning(m));
        assertEquals(64, pa.__move_freepages_block(z, 0x140, MIGRATE_MOVABLE, MIGRATE_MOVABLE));
        assertEquals(1, m.warnings().count());
    }

    // mm/page_alloc.c, __move_freepages_block(): "VM_BUG_ON_PAGE(page_zone(page) != zone, page)":
    // a free block of another zone inside the pageblock trips the check. DMA [1, 0x104) and Normal
    // [0x104, 0x500) share the pageblock [0x100, 0x108), whose DMA part 0x100/2 is free.
    @Test
    void moveFreepagesBlockWarnsOnAFreeBlockOfAnotherZone() {
        Machine m = new Machine(MachineConfig.of("split-pageblock", 6, 3, List.of(
                ZoneConfig.of(ZoneType.DMA, 1, 0x103),
                ZoneConfig.of(ZoneType.NORMAL, 0x104, 0x3fc))));
        Zone dma = m.zone(ZoneType.DMA);
        PageAlloc pa = m.pageAlloc();
        assertTrue(m.mem().pageBuddy(m.mem().idx(0x100)));
        assertEquals(0, m.warnings().count());
        // moving within DMA's own pageblock [0x100, 0x108): the free Normal block 0x104/2 is foreign
        pa.__move_freepages_block(dma, 0x100, MIGRATE_MOVABLE, MIGRATE_MOVABLE);
        assertTrue(m.warnings().messages().contains("__move_freepages_block: VM_BUG_ON_PAGE(page_zone(page) != zone)"),
                m.warnings().messages().toString());
    }

    // mm/page_alloc.c, __move_freepages_block_isolate(): "if (isolate == get_pageblock_isolate(page))
    // { VM_WARN_ONCE(1, "%s a pageblock that is already in that state", isolate ? "Isolate" :
    // "Unisolate"); return false; }".
    @Test
    void moveFreepagesBlockIsolateRefusesABlockAlreadyInThatState() {
        Machine m = new Machine(Fixtures.normal1k());
        Zone z = m.zone(ZoneType.NORMAL);
        PageAlloc pa = m.pageAlloc();
        pa.toggle_pageblock_isolate(z, 0x108, true);
        assertFalse(pa.__move_freepages_block_isolate(z, 0x108, true));
        assertEquals("__move_freepages_block_isolate: Isolate a pageblock that is already in that state", lastWarning(m));
        assertTrue(z.pageblockIsolated(0x108));
        assertFalse(pa.__move_freepages_block_isolate(z, 0x110, false));
        assertEquals("__move_freepages_block_isolate: Unisolate a pageblock that is already in that state", lastWarning(m));
        assertFalse(z.pageblockIsolated(0x110));
        assertEquals(2, m.warnings().count());
    }

    // mm/page_alloc.c, __move_freepages_block_isolate(): "if (!prep_move_freepages_block(zone, page,
    // &start_pfn, NULL, NULL)) return false;": a pageblock straddling the zone start (DMA begins
    // at pfn 1, its first pageblock is [0, 8)) is not isolated.
    @Test
    void moveFreepagesBlockIsolateRefusesAPageblockStraddlingTheZone() {
        Machine m = new Machine(Fixtures.dmaNormal());
        Zone dma = m.zone(ZoneType.DMA);
        PageAlloc pa = m.pageAlloc();
        assertFalse(pa.__move_freepages_block_isolate(dma, 3, true));
        assertFalse(dma.pageblockIsolated(3));
        assertEquals(0, m.warnings().count());
        assertTrue(pa.__move_freepages_block_isolate(dma, 9, true));
        assertTrue(dma.pageblockIsolated(9));
    }

    // mm/page_alloc.c, find_large_buddy(): "if (pfn + (1 << buddy_order(page)) > start_pfn) return
    // pfn; return start_pfn;": a free block that ends exactly at start_pfn does not straddle it.
    @Test
    void findLargeBuddyIgnoresAFreeBlockEndingAtStartPfn() {
        Machine m = new Machine(Fixtures.normal1k());
        PageAlloc pa = m.pageAlloc();
        assertEquals(0x100, m.allocPages(GFP_HIGHUSER_MOVABLE, 3));
        assertEquals(0x108, m.allocPages(GFP_HIGHUSER_MOVABLE, 3));
        m.freePages(0x100, 3); // 0x100/3 free, its buddy 0x108 allocated
        assertTrue(m.mem().pageBuddy(m.mem().idx(0x100)));
        assertEquals(0x108, pa.find_large_buddy(0x108));
        // while a block that covers start_pfn is found
        assertEquals(0x100, pa.find_large_buddy(0x104));
    }

    // mm/page_alloc.c, __isolate_free_page(): "struct page *endpage = page + (1 << order) - 1; for
    // (; page < endpage; page += pageblock_nr_pages)": with pageblock_order 1 an order-0 page
    // passes "order >= pageblock_order - 1" but the loop is empty (endpage == page), so its
    // pageblock keeps its (UNMOVABLE) type.
    @Test
    void isolateFreePageOfOrderZeroLeavesItsPageblockAlone() {
        Machine m = new Machine(Fixtures.normalOnly(0x100, 0x100, 3, 1));
        Zone z = m.zone(ZoneType.NORMAL);
        PageAlloc pa = m.pageAlloc();
        assertEquals(0x100, m.allocPages(GFP_KERNEL, 0)); // claims 0x100/3: four UNMOVABLE pageblocks
        assertEquals(MIGRATE_UNMOVABLE, z.pageblockMigratetype(0x100));
        assertEquals(1, pa.__isolate_free_page(m.mem().idx(0x101), 0));
        assertEquals(MIGRATE_UNMOVABLE, z.pageblockMigratetype(0x100));
        // order 1 (a whole pageblock) does turn its block MOVABLE
        assertEquals(2, pa.__isolate_free_page(m.mem().idx(0x102), 1));
        assertEquals(MIGRATE_MOVABLE, z.pageblockMigratetype(0x102));
    }

    // mm/page_alloc.c, __gfp_pfmemalloc_flags(): "if (unlikely(gfp_mask & __GFP_NOMEMALLOC))
    // return 0; if (gfp_mask & __GFP_MEMALLOC) return ALLOC_NO_WATERMARKS;" (and, for a task not
    // in PF_MEMALLOC nor an OOM victim, 0 otherwise).
    @Test
    void gfpPfmemallocFlags() {
        PageAlloc pa = new Machine(Fixtures.normal1k()).pageAlloc();
        assertEquals(AllocFlags.ALLOC_NO_WATERMARKS, pa.__gfp_pfmemalloc_flags(GFP_ATOMIC | __GFP_MEMALLOC));
        assertEquals(0, pa.__gfp_pfmemalloc_flags(GFP_ATOMIC | __GFP_MEMALLOC | __GFP_NOMEMALLOC));
        assertEquals(0, pa.__gfp_pfmemalloc_flags(GFP_KERNEL | __GFP_NOMEMALLOC));
        assertEquals(0, pa.__gfp_pfmemalloc_flags(GFP_KERNEL));
    }

    // include/linux/mmzone.h, first_zones_zonelist(): the first zoneref whose zone index is <=
    // highest_zoneidx. The fallback zonelist is Normal then DMA, so a DMA-only request starts at
    // entry 1.
    @Test
    void firstZonesZonelistSkipsZonesAboveTheLimit() {
        Machine m = new Machine(Fixtures.dmaNormal());
        PageAlloc pa = m.pageAlloc();
        assertEquals(ZoneType.NORMAL.idx(), m.node().zonelist[0]);
        assertEquals(0, pa.first_zones_zonelist(ZoneType.NORMAL.idx()));
        assertEquals(1, pa.first_zones_zonelist(ZoneType.DMA32.idx()));
        assertEquals(1, pa.first_zones_zonelist(ZoneType.DMA.idx()));
    }

    // mm/vmscan.c, pgdat_watermark_boosted(): "for (i = highest_zoneidx; i >= 0; i--) { ... if
    // (zone->watermark_boost) return true; }": every managed zone down to index 0 (DMA) counts.
    @Test
    void pgdatWatermarkBoostedLooksDownToTheDmaZone() {
        Machine m = new Machine(Fixtures.dmaNormal());
        PageAlloc pa = m.pageAlloc();
        assertFalse(pa.pgdat_watermark_boosted(ZoneType.NORMAL.idx()));
        m.zone(ZoneType.DMA).watermarkBoost = 8;
        assertTrue(pa.pgdat_watermark_boosted(ZoneType.NORMAL.idx()));
        assertTrue(pa.pgdat_watermark_boosted(ZoneType.DMA.idx()));
        m.zone(ZoneType.DMA).watermarkBoost = 0;
        m.zone(ZoneType.NORMAL).watermarkBoost = 8;
        assertTrue(pa.pgdat_watermark_boosted(ZoneType.NORMAL.idx()));
        assertFalse(pa.pgdat_watermark_boosted(ZoneType.DMA.idx()), "Normal is above the limit");
        // "if (!managed_zone(zone)) continue;": an unmanaged zone (DMA32, empty here) is skipped
        // whatever its boost says (set by hand: the allocator never boosts a zone it cannot use)
        m.zone(ZoneType.NORMAL).watermarkBoost = 0;
        m.zone(ZoneType.DMA32).watermarkBoost = 8;
        assertFalse(m.zone(ZoneType.DMA32).managed());
        assertFalse(pa.pgdat_watermark_boosted(ZoneType.NORMAL.idx()));
    }

    // Model plumbing: setHooks(null) restores the do-nothing hooks (the kernel's direct reclaim
    // and compaction are always there; the model's default makes no progress).
    @Test
    void setHooksNullRestoresTheDefault() {
        PageAlloc pa = new Machine(Fixtures.normal1k()).pageAlloc();
        pa.setHooks(null);
        assertSame(SlowpathHooks.NONE, pa.hooks());
    }
}
