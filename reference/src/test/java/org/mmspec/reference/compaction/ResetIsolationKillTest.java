package org.mmspec.reference.compaction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.mmspec.reference.Machine;
import org.mmspec.reference.alloc.Zone;
import org.mmspec.reference.alloc.ZoneType;
import org.mmspec.reference.migrate.MigrateMode;

/**
 * The pageblock skip hints of mm/compaction.c (v6.18): __reset_isolation_pfn()'s sample range,
 * __reset_isolation_suitable()'s walk, reset_isolation_suitable()'s populated_zone() filter,
 * isolation_suitable(), test_and_set_skip() and update_pageblock_skip(). Pageblocks of 16
 * pages, so the sample (every 1 &lt;&lt; PAGE_ALLOC_COSTLY_ORDER = 8th page) is two pages of a
 * whole block.
 */
class ResetIsolationKillTest {

    static Machine cfg64(String pic) {
        return CompactionSkipTest.layout(pic);
    }

    /**
     * mm/compaction.c __reset_isolation_pfn(): "block_pfn = pageblock_end_pfn(pfn) - 1" is the
     * last page sampled ("while (page &lt;= end_page)"): block 0's samples are pfns 0 and 8 only,
     * both K, so nothing is cleared and the LRU page at 16, the next block's first page, is never
     * looked at (its skip bit stays set too). Entered in the middle of the block (pfn 5) the scan
     * starts at the pageblock start, the same two samples.
     */
    @Test
    void theSampleEndsAtTheLastPageOfThePageblock() {
        Machine m = cfg64("KMMMMMMMKMMMMMMM MMMMMMMMMMMMMMMM MMMMMMMMMMMMMMMM MMMMMMMMMMMMMMMM");
        Zone z = m.zone(ZoneType.NORMAL);
        Compaction c = m.compaction();
        CompactionSkipTest.skipAll(z);
        assertFalse(c.__reset_isolation_pfn(z, 0, true, false));
        assertFalse(c.__reset_isolation_pfn(z, 5, true, false));
        assertFalse(c.__reset_isolation_pfn(z, 0, true, true), "no PageBuddy sample either");
        assertEquals(List.of(0L, 16L, 32L, 48L), CompactionSkipTest.skipped(z));
        assertTrue(c.__reset_isolation_pfn(z, 16, true, false), "block 16's own first page is on the LRU");
        assertEquals(List.of(0L, 32L, 48L), CompactionSkipTest.skipped(z));
    }

    /**
     * mm/compaction.c __reset_isolation_pfn() on a zone starting at pfn 7 (pageblocks of 16):
     * block_pfn = max(pageblock_start_pfn(7), zone_start_pfn) = 7, end_page = pfn 15, so the
     * samples are 7 and 15 - the last one exactly on end_page ("page &lt;= end_page" includes it).
     * 7 is K, 15 an LRU page: the skip bit is cleared.
     */
    @Test
    void aSampleOnTheLastPageOfAPartialFirstBlockCounts() {
        Machine m = KillFixture.layoutAt(KillFixture.zoneAt(5, 4, 7, 57),
                "KKKKKKKKM MMMMMMMMMMMMMMMM MMMMMMMMMMMMMMMM MMMMMMMMMMMMMMMM");
        Zone z = m.zone(ZoneType.NORMAL);
        assertEquals(7, z.zoneStartPfn);
        z.setPageblockSkip(7, true);
        assertTrue(z.pageblockSkip(7), "set-up");
        assertTrue(m.compaction().__reset_isolation_pfn(z, 7, true, false), "sample 15 is on the LRU");
        assertFalse(z.pageblockSkip(7));
        assertFalse(z.pageblockSkip(15));
    }

    /**
     * mm/compaction.c __reset_isolation_pfn(): "block_pfn = min(block_pfn, zone_end_pfn(zone) -
     * 1)" - the sample never goes past the zone's last page. DMA [0, 40), NORMAL [40, 64),
     * pageblocks of 16: DMA's last block [32, 48) is cut at 39, so only pfn 32 is sampled, not
     * NORMAL's LRU page at 40; 32 is free, not an LRU page, so nothing is cleared.
     */
    @Test
    void theSampleStopsAtTheZoneEnd() {
        Machine m = new Machine(org.mmspec.reference.alloc.MachineConfig.of("d40", 5, 4, List.of(
                org.mmspec.reference.alloc.ZoneConfig.of(ZoneType.DMA, 0, 40),
                org.mmspec.reference.alloc.ZoneConfig.of(ZoneType.NORMAL, 40, 24))).withMinFreeKbytes(0));
        m.enableCompaction();
        org.mmspec.reference.rmap.Rmap r = m.rmap();
        r.mmap(1, KillFixture.A, 64);
        long addr32 = -1;
        for (int i = 0; i < 64; i++) {
            long pfn = r.access(1, KillFixture.A + i, true, i).pfn();
            if (pfn == 32) addr32 = KillFixture.A + i;
        }
        assertTrue(addr32 >= 0 && KillFixture.onLru(m, 40), "set-up: every page mapped");
        r.munmap(1, addr32, 1);
        Zone dma = m.zone(ZoneType.DMA);
        dma.setPageblockSkip(32, true);
        assertFalse(m.compaction().__reset_isolation_pfn(dma, 32, true, false));
        assertTrue(dma.pageblockSkip(32));
        assertTrue(m.compaction().__reset_isolation_pfn(dma, 32, false, true), "as a target: 32 is free");
        assertFalse(dma.pageblockSkip(32));
    }

    /**
     * mm/compaction.c __reset_isolation_suitable(): the walk runs "for (; migrate_pfn &lt;
     * free_pfn; ...)", so when the two cursors land on the same pfn that block is not looked at.
     * Zone of 33 pages (pageblocks of 16): (migrate 0, free 32), then (16, 16) ends the walk.
     * Block 0 as a source: samples 0, 8 are K. Block 32 (one page) as a target: K, not free.
     * Nothing found: reset_migrate (32) &gt;= reset_free (0), so both cached migrate pfns =
     * migrate_pfn = 16 and the cached free pfn = free_pfn = 16; block 16 (LRU page at 16, free
     * page at 24) keeps its skip bit, and compact_init_*_pfn are untouched.
     */
    @Test
    void theWalkStopsWhenTheCursorsMeetOnOnePfn() {
        Machine m = KillFixture.layoutAt(KillFixture.zoneAt(5, 4, 0, 33),
                "KMMMMMMMKMMMMMMM MMMMMMMM.MMMMMMM K");
        Zone z = m.zone(ZoneType.NORMAL);
        assertEquals(33, z.zoneEndPfn());
        for (long pfn = 0; pfn < 33; pfn += 16) z.setPageblockSkip(pfn, true);
        z.compactInitMigratePfn = 3;
        z.compactInitFreePfn = 4;
        z.compactBlockskipFlush = true;
        m.compaction().__reset_isolation_suitable(z);
        assertTrue(z.pageblockSkip(0));
        assertTrue(z.pageblockSkip(16), "block 16 never sampled");
        assertTrue(z.pageblockSkip(32));
        assertEquals(16, z.compactCachedMigratePfn[0]);
        assertEquals(16, z.compactCachedMigratePfn[1]);
        assertEquals(16, z.compactCachedFreePfn);
        assertEquals(3, z.compactInitMigratePfn);
        assertEquals(4, z.compactInitFreePfn);
    }

    /**
     * mm/compaction.c reset_isolation_suitable(): "if (!populated_zone(zone)) continue;" - an
     * empty zone is not passed to __reset_isolation_suitable(), so its compact_blockskip_flush
     * stays as it was and only the populated zone counts a reset.
     */
    @Test
    void anUnpopulatedZoneIsNotReset() {
        Machine m = CompactionTest.machine(CompactionTest.tiny());
        Zone empty = m.node().zones[0];
        Zone normal = m.zone(ZoneType.NORMAL);
        assertFalse(empty.populated(), "set-up: tiny() has an empty DMA zone");
        empty.compactBlockskipFlush = true;
        normal.compactBlockskipFlush = true;
        m.compaction().reset_isolation_suitable();
        assertTrue(empty.compactBlockskipFlush);
        assertFalse(normal.compactBlockskipFlush);
        assertEquals(1, m.compaction().events.skipResets);
    }

    /**
     * mm/compaction.c isolation_suitable(): "if (cc-&gt;ignore_skip_hint) return true;" before
     * get_pageblock_skip(); otherwise a set bit makes the block unsuitable.
     */
    @Test
    void isolationSuitableIgnoresTheBitOnlyWhenAskedTo() {
        Machine m = cfg64("MMMMMMMMMMMMMMMM MMMMMMMMMMMMMMMM MMMMMMMMMMMMMMMM MMMMMMMMMMMMMMMM");
        Zone z = m.zone(ZoneType.NORMAL);
        Compaction c = m.compaction();
        z.setPageblockSkip(16, true);
        CompactControl kc = c.newControl(z, 2, MigrateMode.MIGRATE_SYNC_LIGHT);
        CompactControl whole = c.newControl(z, -1, MigrateMode.MIGRATE_SYNC);
        assertTrue(whole.ignore_skip_hint, "set-up: compact_node() ignores the hints");
        assertFalse(c.isolation_suitable(kc, 20));
        assertTrue(c.isolation_suitable(kc, 0));
        assertTrue(c.isolation_suitable(whole, 20));
    }

    /**
     * mm/compaction.c test_and_set_skip(): returns whether the bit was already set; sets it if it
     * was clear unless no_set_skip_hint; with ignore_skip_hint it returns false and sets nothing.
     */
    @Test
    void testAndSetSkipReportsTheOldBit() {
        Machine m = cfg64("MMMMMMMMMMMMMMMM MMMMMMMMMMMMMMMM MMMMMMMMMMMMMMMM MMMMMMMMMMMMMMMM");
        Zone z = m.zone(ZoneType.NORMAL);
        Compaction c = m.compaction();
        CompactControl kc = c.newControl(z, 2, MigrateMode.MIGRATE_SYNC_LIGHT);
        assertFalse(c.test_and_set_skip(kc, 16));
        assertTrue(z.pageblockSkip(16), "set when it was clear");
        assertTrue(c.test_and_set_skip(kc, 16), "already set: true");
        assertTrue(c.test_and_set_skip(kc, 20), "any pfn of the block");
        CompactControl noSet = c.newControl(z, 2, MigrateMode.MIGRATE_SYNC_LIGHT);
        noSet.no_set_skip_hint = true;
        assertFalse(c.test_and_set_skip(noSet, 32));
        assertFalse(z.pageblockSkip(32), "no_set_skip_hint: not set");
        assertTrue(c.test_and_set_skip(noSet, 16), "but the old bit is still reported");
        CompactControl whole = c.newControl(z, -1, MigrateMode.MIGRATE_SYNC);
        assertFalse(c.test_and_set_skip(whole, 16), "ignore_skip_hint: false even though set");
        assertFalse(c.test_and_set_skip(whole, 48));
        assertFalse(z.pageblockSkip(48));
    }

    /**
     * mm/compaction.c update_pageblock_skip(): "if (cc-&gt;no_set_skip_hint) return;" - neither
     * the bit nor compact_cached_free_pfn change; otherwise the bit is set and the cached free
     * pfn only ever goes down.
     */
    @Test
    void updatePageblockSkipDoesNothingWithoutSkipHints() {
        Machine m = cfg64("MMMMMMMMMMMMMMMM MMMMMMMMMMMMMMMM MMMMMMMMMMMMMMMM MMMMMMMMMMMMMMMM");
        Zone z = m.zone(ZoneType.NORMAL);
        Compaction c = m.compaction();
        z.compactCachedFreePfn = 48;
        CompactControl noSet = c.newControl(z, 2, MigrateMode.MIGRATE_SYNC_LIGHT);
        noSet.no_set_skip_hint = true;
        c.update_pageblock_skip(noSet, 32, 16);
        assertFalse(z.pageblockSkip(32));
        assertEquals(48, z.compactCachedFreePfn);
        CompactControl kc = c.newControl(z, 2, MigrateMode.MIGRATE_SYNC_LIGHT);
        c.update_pageblock_skip(kc, 32, 16);
        assertTrue(z.pageblockSkip(32));
        assertEquals(16, z.compactCachedFreePfn);
        c.update_pageblock_skip(kc, 48, 32);
        assertEquals(16, z.compactCachedFreePfn, "never raised");
    }
}
