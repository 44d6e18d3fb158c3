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
import org.mmspec.reference.page.PageFlags;

/** prep_move_freepages_block() (mm/page_alloc.c, v6.18). */
class PrepMoveFreepagesTest {

    // "if (!zone_spans_pfn(zone, start)) return false; if (!zone_spans_pfn(zone, end - 1)) return
    // false": a pageblock straddling the zone's start or end is not touched; move_freepages_block()
    // then returns -1 and the pageblock keeps its type.
    @Test
    void pageblocksStraddlingTheZoneAreRefused() {
        // DMA [1, 0x100): pageblock [0, 8) straddles the start
        Machine m = new Machine(Fixtures.dmaNormal());
        Zone dma = m.zone(ZoneType.DMA);
        PageAlloc pa = m.pageAlloc();
        PageAlloc.BlockScan s = new PageAlloc.BlockScan();
        assertFalse(pa.prep_move_freepages_block(dma, 3, s, true));
        int before = pa.get_pfnblock_migratetype(dma, 3);
        assertEquals(-1, pa.move_freepages_block(dma, 3, before, MIGRATE_UNMOVABLE));
        assertEquals(before, pa.get_pfnblock_migratetype(dma, 3));
        assertTrue(pa.prep_move_freepages_block(dma, 9, s, false));
        assertEquals(8, s.start_pfn);

        // Normal [0x100, 0x4fc): pageblock [0x4f8, 0x500) straddles the end
        Machine m2 = new Machine(Fixtures.normalOnly(0x100, 0x3fc, 6, 3));
        Zone n = m2.zone(ZoneType.NORMAL);
        PageAlloc pa2 = m2.pageAlloc();
        assertFalse(pa2.prep_move_freepages_block(n, 0x4f9, s, true));
        assertTrue(pa2.prep_move_freepages_block(n, 0x4f7, s, true));
        assertEquals(0x4f0, s.start_pfn);
    }

    // With counting: free pages are counted by whole buddy blocks, and among the allocated pages
    // those with PageLRU count as movable.
    @Test
    void countsFreeAndMovablePages() {
        Machine m = new Machine(Fixtures.normal1k());
        Zone z = m.zone(ZoneType.NORMAL);
        MemMap mem = m.mem();
        PageAlloc pa = m.pageAlloc();
        assertEquals(0x100, m.allocPages(GFP_HIGHUSER_MOVABLE, 0)); // leaves 0x101/0 0x102/1 0x104/2 free
        assertEquals(0x101, m.allocPages(GFP_HIGHUSER_MOVABLE, 0));
        mem.flags[mem.idx(0x101)] |= PageFlags.PG_lru;
        PageAlloc.BlockScan s = new PageAlloc.BlockScan();
        s.num_free = 99;
        s.num_movable = 99;
        assertTrue(pa.prep_move_freepages_block(z, 0x105, s, true));
        assertEquals(0x100, s.start_pfn);
        assertEquals(6, s.num_free, "0x102/1 + 0x104/2");
        assertEquals(1, s.num_movable, "0x101 is on the LRU, 0x100 is not");
        // without counting the counters are left alone
        s.num_free = 99;
        assertTrue(pa.prep_move_freepages_block(z, 0x105, s, false));
        assertEquals(99, s.num_free);
    }
}
