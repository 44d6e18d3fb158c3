package org.mmspec.reference.alloc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.mmspec.reference.alloc.Gfp.*;
import static org.mmspec.reference.alloc.MigrateType.*;

import java.util.TreeMap;

import org.junit.jupiter.api.Test;
import org.mmspec.reference.Fixtures;
import org.mmspec.reference.Fixtures.FreeBlock;
import org.mmspec.reference.Machine;

/** __free_one_page() (mm/page_alloc.c, v6.18): merging across pageblocks of different types. */
class FreeMergeTest {

    // "if (unlikely(buddy_mt != migratetype)) set_pageblock_migratetype(buddy, migratetype)": at
    // order >= pageblock_order two mergeable types merge and the buddy's pageblock takes the freed
    // block's type, so the merged block sits on one list with one type throughout.
    @Test
    void mergeableBuddyOfAnotherTypeIsMergedAndRetyped() {
        Machine m = new Machine(Fixtures.normal1k());
        Zone z = m.zone(ZoneType.NORMAL);
        PageAlloc pa = m.pageAlloc();
        assertEquals(0x100, m.allocPages(GFP_HIGHUSER_MOVABLE, 3));
        pa.move_freepages_block(z, 0x108, MIGRATE_MOVABLE, MIGRATE_UNMOVABLE);
        assertEquals(MIGRATE_UNMOVABLE, pa.get_pfnblock_migratetype(z, 0x108));
        long merges = m.stats().merges;
        m.freePages(0x100, 3);
        assertEquals(MIGRATE_MOVABLE, pa.get_pfnblock_migratetype(z, 0x108));
        TreeMap<Long, FreeBlock> fb = Fixtures.freeBlocks(m, ZoneType.NORMAL);
        assertEquals(new FreeBlock(0x100, 6, MIGRATE_MOVABLE), fb.get(0x100L));
        assertEquals(3, m.stats().merges - merges, "orders 3->4->5->6");
        assertEquals(0, Fixtures.pagesOnList(m, ZoneType.NORMAL, MIGRATE_UNMOVABLE));
        assertEquals(0x400, z.nrFreePages);
        assertEquals(z.nrFreePages, Fixtures.freePagesOnLists(m, ZoneType.NORMAL));
    }

    // "if (migratetype != buddy_mt && (!migratetype_is_mergeable(migratetype) ||
    // !migratetype_is_mergeable(buddy_mt))) goto done_merging": a HIGHATOMIC buddy pageblock
    // refuses the merge; both blocks stay at pageblock order with their own types.
    @Test
    void unmergeableBuddyRefusesTheMerge() {
        Machine m = new Machine(Fixtures.normal1k());
        Zone z = m.zone(ZoneType.NORMAL);
        PageAlloc pa = m.pageAlloc();
        assertEquals(0x100, m.allocPages(GFP_HIGHUSER_MOVABLE, 3));
        pa.move_freepages_block(z, 0x108, MIGRATE_MOVABLE, MIGRATE_HIGHATOMIC);
        long refused = m.stats().mergesRefusedMigratetype;
        m.freePages(0x100, 3);
        TreeMap<Long, FreeBlock> fb = Fixtures.freeBlocks(m, ZoneType.NORMAL);
        assertEquals(new FreeBlock(0x100, 3, MIGRATE_MOVABLE), fb.get(0x100L));
        assertEquals(new FreeBlock(0x108, 3, MIGRATE_HIGHATOMIC), fb.get(0x108L));
        assertEquals(MIGRATE_HIGHATOMIC, pa.get_pfnblock_migratetype(z, 0x108));
        assertEquals(refused + 1, m.stats().mergesRefusedMigratetype);
        assertEquals(0x400, z.nrFreePages);
    }
}
