package org.mmspec.reference.alloc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mmspec.reference.alloc.Gfp.*;
import static org.mmspec.reference.alloc.MigrateType.*;

import org.junit.jupiter.api.Test;
import org.mmspec.reference.Fixtures;
import org.mmspec.reference.Machine;
import org.mmspec.reference.page.MemMap;

/** __isolate_free_page() (mm/page_alloc.c, v6.18) on hand-built free lists. */
class IsolateFreePageTest {

    Machine m;
    Zone z;
    MemMap mem;
    PageAlloc pa;

    /**
     * Normal [0x100, 0x500), pageblock_order 3: one GFP_HIGHUSER_MOVABLE order-0 allocation splits
     * 0x100/6 leaving 0x101/0, 0x102/1, 0x104/2, 0x108/3, 0x110/4, 0x120/5, all MOVABLE.
     */
    private void boot() {
        m = new Machine(Fixtures.normal1k());
        z = m.zone(ZoneType.NORMAL);
        mem = m.mem();
        pa = m.pageAlloc();
        assertEquals(0x100, m.allocPages(GFP_HIGHUSER_MOVABLE, 0));
    }

    // "watermark = zone->_watermark[WMARK_MIN] + (1UL << order); if (!zone_watermark_ok(zone, 0,
    // watermark, 0, ALLOC_CMA)) return 0": the order-0 check passes only when free > watermark.
    @Test
    void obeysTheRaisedMinWatermark() {
        boot();
        long realFree = z.nrFreePages;
        long mark = z.watermark[Watermarks.WMARK_MIN] + (1L << 3);
        z.nrFreePages = mark; // free == watermark: refused
        assertEquals(0, pa.__isolate_free_page(mem.idx(0x108), 3));
        assertTrue(mem.pageBuddy(mem.idx(0x108)), "still on the free list");
        z.nrFreePages = mark + 1;
        assertEquals(8, pa.__isolate_free_page(mem.idx(0x108), 3));
        assertFalse(mem.pageBuddy(mem.idx(0x108)));
        assertEquals(mark + 1 - 8, z.nrFreePages);
        z.nrFreePages = realFree - 8;
    }

    // "if (order >= pageblock_order - 1)": a block of at least half a pageblock turns each
    // mergeable pageblock it touches MOVABLE; an order-3 block (one whole pageblock) and an order-2
    // block (half) do, an order-1 block does not.
    @Test
    void halfAPageblockOrMoreTurnsItsPageblockMovable() {
        boot();
        assertTrue(pa.move_freepages_block(z, 0x108, MIGRATE_MOVABLE, MIGRATE_UNMOVABLE) > 0);
        assertEquals(MIGRATE_UNMOVABLE, pa.get_pfnblock_migratetype(z, 0x108));
        assertEquals(8, pa.__isolate_free_page(mem.idx(0x108), 3));
        assertEquals(MIGRATE_MOVABLE, pa.get_pfnblock_migratetype(z, 0x108), "order 3 == pageblock_order");

        assertTrue(pa.move_freepages_block(z, 0x100, MIGRATE_MOVABLE, MIGRATE_RECLAIMABLE) > 0);
        assertEquals(2, pa.__isolate_free_page(mem.idx(0x102), 1));
        assertEquals(MIGRATE_RECLAIMABLE, pa.get_pfnblock_migratetype(z, 0x100), "order 1 < pageblock_order - 1");
        assertEquals(4, pa.__isolate_free_page(mem.idx(0x104), 2));
        assertEquals(MIGRATE_MOVABLE, pa.get_pfnblock_migratetype(z, 0x100), "order 2 == pageblock_order - 1");
        // the remaining free page of that block moved with it
        assertEquals(0, Fixtures.freeBlocks(m, ZoneType.NORMAL).get(0x101L).order());
        assertEquals(MIGRATE_MOVABLE, Fixtures.freeBlocks(m, ZoneType.NORMAL).get(0x101L).listMt());
    }

    // A block spanning several pageblocks: each pageblock it covers is made MOVABLE.
    @Test
    void everyPageblockOfALargeBlockIsConverted() {
        boot();
        for (long p = 0x110; p < 0x120; p += 8) pa.move_freepages_block(z, p, MIGRATE_MOVABLE, MIGRATE_UNMOVABLE);
        assertEquals(16, pa.__isolate_free_page(mem.idx(0x110), 4));
        assertEquals(MIGRATE_MOVABLE, pa.get_pfnblock_migratetype(z, 0x110));
        assertEquals(MIGRATE_MOVABLE, pa.get_pfnblock_migratetype(z, 0x118));
    }
}
