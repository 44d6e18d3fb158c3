package org.mmspec.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mmspec.reference.Fixtures.freeBlocks;
import static org.mmspec.reference.alloc.Gfp.*;
import static org.mmspec.reference.alloc.MigrateType.*;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;
import org.mmspec.reference.Fixtures.FreeBlock;
import org.mmspec.reference.alloc.ConfigException;
import org.mmspec.reference.alloc.KnownBug;
import org.mmspec.reference.alloc.MachineConfig;
import org.mmspec.reference.alloc.PageIsolation;
import org.mmspec.reference.alloc.Zone;
import org.mmspec.reference.alloc.ZoneType;

/** The historical bugs the reference can re-create, each off by default. */
class KnownBugsTest {

    @Test
    void catalogue() {
        assertEquals(KnownBug.ISOLATE_MERGE, KnownBug.byName("isolate-merge"));
        assertEquals("d9dddbf55667", KnownBug.ISOLATE_MERGE.fixCommit());
        assertEquals(KnownBug.BOOST_SMALL_ZONE, KnownBug.byName("boost-small-zone"));
        assertEquals("14f69140ff9c", KnownBug.BOOST_SMALL_ZONE.fixCommit());
        assertNull(KnownBug.byName("nope"));
        assertTrue(KnownBug.names().contains("isolate-merge"));
        ConfigException e = assertThrows(ConfigException.class,
                () -> Fixtures.normal1k().withKnownBugs(List.of("nope")).validate());
        assertEquals("knownBugs", e.field());
        assertTrue(e.getMessage().contains("isolate-merge"), e.getMessage());
        assertTrue(Fixtures.normal1k().knownBugs().isEmpty(), "off by default");
    }

    /** 12 pages, pageblock_order 2: three pageblocks, fragmented so an UNMOVABLE request must claim a half-free one. */
    static Machine fragmentedSmallZone(List<String> bugs) {
        MachineConfig c = Fixtures.normalOnly(0x10, 12, 3, 2).withMinFreeKbytes(0).withWatermarkScaleFactor(1)
                .withKnownBugs(bugs);
        Machine m = new Machine(c);
        List<Long> all = new ArrayList<>();
        for (int i = 0; i < 12; i++) all.add(m.allocPages(GFP_HIGHUSER_MOVABLE, 0));
        for (long pfn : all) {
            assertTrue(pfn >= 0);
            if ((pfn & 1) == 0) m.freePages(pfn, 0);
        }
        m.writeSysctl("watermark_scale_factor", "3000");
        return m;
    }

    @Test
    void boostSmallZone() {
        Machine fixed = fragmentedSmallZone(List.of());
        Machine buggy = fragmentedSmallZone(List.of("boost-small-zone"));
        assertEquals(6, fixed.zone(ZoneType.NORMAL).watermark[2], "high watermark 6");
        assertTrue(fixed.allocPages(GFP_KERNEL, 0) >= 0);
        assertTrue(buggy.allocPages(GFP_KERNEL, 0) >= 0);
        assertEquals(1, fixed.stats().fallbackClaim[MIGRATE_UNMOVABLE][MIGRATE_MOVABLE]);
        assertEquals(1, buggy.stats().fallbackClaim[MIGRATE_UNMOVABLE][MIGRATE_MOVABLE]);
        assertEquals(0, fixed.zone(ZoneType.NORMAL).watermarkBoost, "fixed: pageblock_nr_pages * 4 > managed");
        assertEquals(4, buggy.zone(ZoneType.NORMAL).watermarkBoost, "before 14f69140ff9c the 12-page zone boosts");
        assertEquals(1, buggy.stats().boostedFlagSet);
        assertTrue(buggy.node().kswapdWoken);
        // the boost lifts min (0 + 4) to what is left: with 4 free pages the buggy zone already
        // fails GFP_KERNEL, the fixed one goes on
        assertTrue(fixed.allocPages(GFP_KERNEL, 0) >= 0);
        assertTrue(buggy.allocPages(GFP_KERNEL, 0) >= 0);
        assertEquals(4, buggy.zone(ZoneType.NORMAL).nrFreePages);
        assertTrue(fixed.allocPages(GFP_KERNEL, 0) >= 0);
        assertEquals(-1, buggy.allocPages(GFP_KERNEL, 0));
    }

    /**
     * Normal [0x100, 0x500): allocate 0x100 (order 3), leaving its buddy 0x108 free at order 3;
     * isolate the buddy's pageblock; free 0x100.
     */
    static Machine isolateMergeScenario(List<String> bugs) {
        Machine m = new Machine(Fixtures.normal1k().withKnownBugs(bugs));
        assertEquals(0x100, m.allocPages(GFP_HIGHUSER_MOVABLE, 3));
        assertEquals(new FreeBlock(0x108, 3, MIGRATE_MOVABLE), freeBlocks(m, ZoneType.NORMAL).get(0x108L));
        assertEquals(0, m.startIsolatePageRange(0x108, 0x110, PageIsolation.PB_ISOLATE_MODE_MEM_OFFLINE));
        assertEquals(new FreeBlock(0x108, 3, MIGRATE_ISOLATE), freeBlocks(m, ZoneType.NORMAL).get(0x108L));
        m.freePages(0x100, 3);
        return m;
    }

    @Test
    void isolateMerge() {
        Machine fixed = isolateMergeScenario(List.of());
        Machine buggy = isolateMergeScenario(List.of("isolate-merge"));
        Zone fz = fixed.zone(ZoneType.NORMAL);
        Zone bz = buggy.zone(ZoneType.NORMAL);

        // fixed (d9dddbf55667): the merge stops at pageblock order; the isolated pages stay isolated
        TreeMap<Long, FreeBlock> f = freeBlocks(fixed, ZoneType.NORMAL);
        assertEquals(new FreeBlock(0x100, 3, MIGRATE_MOVABLE), f.get(0x100L));
        assertEquals(new FreeBlock(0x108, 3, MIGRATE_ISOLATE), f.get(0x108L));
        assertEquals(8, Fixtures.pagesOnList(fixed, ZoneType.NORMAL, MIGRATE_ISOLATE));
        assertEquals(fz.nrFreePages, Fixtures.freePagesOnLists(fixed, ZoneType.NORMAL));
        assertEquals(0x400 - 8, fz.nrFreePages);
        assertEquals(1, fixed.stats().mergesRefusedMigratetype);

        // buggy: the normal block swallows its isolated buddy; the isolated pages land on a MOVABLE list
        TreeMap<Long, FreeBlock> b = freeBlocks(buggy, ZoneType.NORMAL);
        FreeBlock merged = b.get(0x100L);
        assertEquals(6, merged.order(), "merged past pageblock order, up to MAX_PAGE_ORDER: " + merged);
        assertEquals(MIGRATE_MOVABLE, merged.listMt());
        assertFalse(b.containsKey(0x108L));
        assertEquals(0, Fixtures.pagesOnList(buggy, ZoneType.NORMAL, MIGRATE_ISOLATE), "nothing left on the isolate list");
        assertEquals(MIGRATE_ISOLATE, bz.pageblockMigratetype(0x108), "though the pageblock is still isolated");
        // and NR_FREE_PAGES no longer matches the lists: the 8 isolated pages were never counted
        assertNotEquals(bz.nrFreePages, Fixtures.freePagesOnLists(buggy, ZoneType.NORMAL));
        assertEquals(Fixtures.freePagesOnLists(buggy, ZoneType.NORMAL) - 8, bz.nrFreePages);
        assertEquals(0, buggy.stats().mergesRefusedMigratetype);
    }
}
