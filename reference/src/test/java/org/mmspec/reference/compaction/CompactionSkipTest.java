package org.mmspec.reference.compaction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.mmspec.reference.Machine;
import org.mmspec.reference.alloc.Gfp;
import org.mmspec.reference.alloc.MachineConfig;
import org.mmspec.reference.alloc.MigrateType;
import org.mmspec.reference.alloc.Zone;
import org.mmspec.reference.alloc.ZoneConfig;
import org.mmspec.reference.alloc.ZoneType;

/**
 * The pageblock skip hints' reset, mm/compaction.c v6.18 __reset_isolation_suitable() and
 * __reset_isolation_pfn(): 64 pages in pageblocks of 16, so the sample of every
 * 1 &lt;&lt; PAGE_ALLOC_COSTLY_ORDER = 8th page looks at offsets 0 and 8 of a block only.
 */
class CompactionSkipTest {
    static MachineConfig cfg64() {
        return MachineConfig.of("s64", 5, 4, List.of(ZoneConfig.of(ZoneType.NORMAL, 0, 64))).withMinFreeKbytes(0);
    }

    static Machine layout(String picture) {
        return CompactionScannerTest.layout(cfg64(), picture);
    }

    static List<Long> skipped(Zone z) {
        List<Long> s = new ArrayList<>();
        for (long pfn = z.zoneStartPfn; pfn < z.zoneEndPfn(); pfn += 16) if (z.pageblockSkip(pfn)) s.add(pfn);
        return s;
    }

    static void skipAll(Zone z) {
        for (long pfn = z.zoneStartPfn; pfn < z.zoneEndPfn(); pfn += 16) z.setPageblockSkip(pfn, true);
    }

    /**
     * Both ends find their block at once. Walk: (migrate 0, free 63), (16, 47), then 32 &lt; 31
     * ends it. Block 0 as a source (check_target false until a source is found): sample 0 is K,
     * sample 8 an LRU page: cleared, compact_init_migrate_pfn and both cached migrate pfns = 0.
     * Block 48 as a target (movable): sample 48 is an LRU page but only PageBuddy counts, 56 is
     * free: cleared, compact_init_free_pfn and compact_cached_free_pfn = 63 (the pfn itself, not
     * its pageblock). Blocks 16 and 32 are then checked for both: their samples (16 LRU, 32
     * free) clear them; the positions stay. No "no distance" fix: 0 &lt; 63.
     */
    @Test
    void theOutermostSourceAndTargetBlocksBecomeTheScannersStartingPoints() {
        Machine m = layout("KMMMMMMMMMMMMMMM MMMMMMMMMMMMMMMM ....MMMMMMMMMMMM MMMMMMMM.MMMMMMM");
        Zone z = m.zone(ZoneType.NORMAL);
        skipAll(z);
        z.compactCachedMigratePfn[0] = 20;
        z.compactCachedMigratePfn[1] = 24;
        z.compactCachedFreePfn = 40;
        z.compactInitMigratePfn = 9;
        z.compactInitFreePfn = 9;
        z.compactBlockskipFlush = true;
        m.compaction().__reset_isolation_suitable(z);
        assertEquals(List.of(), skipped(z));
        assertEquals(0, z.compactCachedMigratePfn[0]);
        assertEquals(0, z.compactCachedMigratePfn[1]);
        assertEquals(0, z.compactInitMigratePfn);
        assertEquals(63, z.compactCachedFreePfn);
        assertEquals(63, z.compactInitFreePfn);
        assertFalse(z.compactBlockskipFlush);
        assertEquals(1, m.compaction().events.skipResets);
        // only after a full compaction finished (compact_blockskip_flush): a second call does nothing
        skipAll(z);
        m.compaction().__reset_isolation_suitable(z);
        assertEquals(List.of(0L, 16L, 32L, 48L), skipped(z));
        assertEquals(1, m.compaction().events.skipResets);
    }

    /**
     * No block qualifies: block 0's samples 0 and 8 are K (its LRU pages elsewhere are not
     * sampled), block 16 as a source has free pages at 16 and 24 (not LRU), block 32 as a target
     * has LRU pages at 32 and 40 (not free), block 48 has K at 48 and 56 (the free page at 50 is
     * not sampled). Every bit stays set, and "leave no distance": both cached migrate pfns =
     * migrate_pfn = 32 and the cached free pfn = free_pfn = 31 where the walk stopped.
     */
    @Test
    void whenNoBlockQualifiesTheScannersAreLeftMetInTheMiddle() {
        Machine m = layout("KMMMMMMMKMMMMMMM .MMMMMMM.MMMMMMM MMMMMMMMMMMMMMMM KM.MMMMMKMMMMMMM");
        Zone z = m.zone(ZoneType.NORMAL);
        skipAll(z);
        z.compactInitMigratePfn = 5;
        z.compactInitFreePfn = 6;
        z.compactBlockskipFlush = true;
        m.compaction().__reset_isolation_suitable(z);
        assertEquals(List.of(0L, 16L, 32L, 48L), skipped(z));
        assertEquals(32, z.compactCachedMigratePfn[0]);
        assertEquals(32, z.compactCachedMigratePfn[1]);
        assertEquals(31, z.compactCachedFreePfn);
        assertEquals(5, z.compactInitMigratePfn);
        assertEquals(6, z.compactInitFreePfn);
    }

    /**
     * __reset_isolation_pfn() alone: checking both, a block whose bit is already clear answers
     * true without sampling; checking only the target, a block that is not MIGRATE_MOVABLE is
     * refused however free it is; a pfn of another zone is refused. reset_isolation_suitable()
     * resets every populated zone of the node (and a free tail page is no PageBuddy sample).
     */
    @Test
    void resetIsolationPfnRefusesOtherZonesAndNonMovableTargets() {
        Machine m = layout("KMMMMMMMKMMMMMMM MMMMMMMMMMMMMMMM MMMMMMMMMMMMMMMM ................");
        Zone z = m.zone(ZoneType.NORMAL);
        Compaction c = m.compaction();
        assertTrue(c.__reset_isolation_pfn(z, 3, true, true), "bit clear, both checked: true at once");
        z.setPageblockSkip(0, true);
        assertFalse(c.__reset_isolation_pfn(z, 3, true, true), "samples 0 and 8 are K");
        assertTrue(z.pageblockSkip(0));
        assertTrue(c.__reset_isolation_pfn(z, 40, true, false), "sample 32 is on the LRU");
        z.setPageblockSkip(32, true);
        assertFalse(c.__reset_isolation_pfn(z, 40, false, true), "LRU pages are no targets");
        assertTrue(z.pageblockSkip(32));
        // an unmovable allocation claims the free pageblock 48 (__rmqueue_fallback()) and takes 48
        long k = m.allocPages(Gfp.GFP_KERNEL, 0);
        assertEquals(48, k, "set-up");
        assertEquals(MigrateType.MIGRATE_UNMOVABLE, z.pageblockMigratetype(48), "set-up");
        z.setPageblockSkip(48, true);
        assertFalse(c.__reset_isolation_pfn(z, 63, false, true), "not MIGRATE_MOVABLE: not a target's start");
        assertTrue(z.pageblockSkip(48));
        assertTrue(c.__reset_isolation_pfn(z, 63, true, true), "checking both, sample 56 is free");
        assertFalse(z.pageblockSkip(48));

        Machine two = new Machine(MachineConfig.of("two", 5, 4, List.of(ZoneConfig.of(ZoneType.DMA, 0, 32),
                ZoneConfig.of(ZoneType.NORMAL, 32, 32))).withMinFreeKbytes(0));
        two.enableCompaction();
        Zone dma = two.zone(ZoneType.DMA);
        Zone normal = two.zone(ZoneType.NORMAL);
        normal.setPageblockSkip(32, true);
        assertFalse(two.compaction().__reset_isolation_pfn(normal, 5, true, true), "pfn 5 is DMA's");
        assertFalse(two.compaction().__reset_isolation_pfn(normal, 1000, true, true), "no struct page");
        assertTrue(normal.pageblockSkip(32));
        dma.setPageblockSkip(16, true);
        dma.compactBlockskipFlush = true;
        normal.compactBlockskipFlush = true;
        two.compaction().reset_isolation_suitable();
        // each zone is one free block of order 5: the samples (16, 24; 48, 56) are tails, not
        // PageBuddy heads, so nothing is cleared and each zone's scanners are left met mid-zone
        assertTrue(dma.pageblockSkip(16));
        assertTrue(normal.pageblockSkip(32));
        assertEquals(16, dma.compactCachedMigratePfn[0]);
        assertEquals(15, dma.compactCachedFreePfn);
        assertEquals(48, normal.compactCachedMigratePfn[1]);
        assertEquals(47, normal.compactCachedFreePfn);
        assertFalse(dma.compactBlockskipFlush || normal.compactBlockskipFlush);
        assertEquals(2, two.compaction().events.skipResets);
    }
}
