package org.mmspec.reference.compaction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;
import org.mmspec.reference.Machine;
import org.mmspec.reference.alloc.Gfp;
import org.mmspec.reference.alloc.MachineConfig;
import org.mmspec.reference.alloc.SlowpathHooks;
import org.mmspec.reference.alloc.Zone;
import org.mmspec.reference.alloc.ZoneConfig;
import org.mmspec.reference.alloc.ZoneType;
import org.mmspec.reference.migrate.Contention;
import org.mmspec.reference.migrate.Migrate;
import org.mmspec.reference.migrate.MigrateMode;
import org.mmspec.reference.page.MemMap;
import org.mmspec.reference.page.PageFlags;
import org.mmspec.reference.reclaim.Lruvec;
import org.mmspec.reference.rmap.Rmap;

/**
 * The two scanners of mm/compaction.c (v6.18) on small hand-built zones: isolate_migratepages()
 * and isolate_migratepages_block(), isolate_freepages() and isolate_freepages_block(),
 * too_many_isolated(), and one whole round of compact_zone(). Every expected position, count and
 * skip bit is derived by hand from the kernel's code (the derivation is in the comments); the
 * zones have pageblocks of four pages, so a picture of the zone reads block by block.
 */
class CompactionScannerTest {
    static final long A = 0x100;

    /** 32 pages in one zone, MAX_PAGE_ORDER 4, pageblock_order 2 (eight pageblocks of four pages), no watermarks. */
    static MachineConfig cfg32() {
        return MachineConfig.of("s32", 4, 2, List.of(ZoneConfig.of(ZoneType.NORMAL, 0, 32))).withMinFreeKbytes(0);
    }

    /**
     * Builds a zone from a picture, one character a pfn (spaces ignored): M an anonymous LRU page
     * of pid 1 (refcount 1, mapcount 1, on the inactive anon list), A the same on the active list,
     * . free, K allocated but on no LRU (to the migration scanner an unmovable page), P an anonymous
     * page with one extra reference (pinned), D a dirty anonymous page, U an unevictable one.
     */
    static Machine layout(MachineConfig c, String picture) {
        String p = picture.replace(" ", "");
        Machine m = new Machine(c);
        m.enableCompaction();
        Rmap r = m.rmap();
        MemMap mem = m.mem();
        int n = p.length();
        assertEquals(A, r.mmap(1, A, n));
        for (int i = 0; i < n; i++) {
            Rmap.Access acc = r.access(1, A + i, true, A + i);
            assertEquals(i, acc.pfn(), "set-up: pages come lowest pfn first");
        }
        TreeSet<Long> k = new TreeSet<>();
        for (int i = 0; i < n; i++) if (p.charAt(i) == 'K') k.add((long) i);
        for (long pfn : k) r.munmap(1, A + pfn, 1);
        TreeSet<Long> got = new TreeSet<>();
        for (int i = 0; i < k.size(); i++) got.add(m.allocPages(Gfp.GFP_HIGHUSER_MOVABLE, 0));
        assertEquals(k, got, "set-up: the K pages are the allocations");
        Lruvec l = m.node().lruvec;
        for (int i = 0; i < n; i++) {
            char ch = p.charAt(i);
            int page = mem.idx(i);
            switch (ch) {
                case '.' -> r.munmap(1, A + i, 1);
                case 'P' -> r.folio_get(i);
                case 'D' -> mem.flags[page] |= PageFlags.PG_dirty;
                case 'U', 'A' -> {
                    l.lruvec_del_folio(page);
                    mem.flags[page] &= ~PageFlags.PG_active;
                    mem.flags[page] |= ch == 'U' ? PageFlags.PG_unevictable : PageFlags.PG_active;
                    l.lruvec_add_folio(page);
                }
                case 'M', 'K' -> { }
                default -> throw new IllegalArgumentException("layout character " + ch);
            }
        }
        return m;
    }

    static Zone zone(Machine m) {
        return m.zone(ZoneType.NORMAL);
    }

    /** The pageblocks (their first pfns) whose PB_compact_skip bit is set. */
    static List<Long> skipped(Machine m) {
        Zone z = zone(m);
        List<Long> s = new ArrayList<>();
        for (long pfn = z.zoneStartPfn; pfn < z.zoneEndPfn(); pfn += 4) if (z.pageblockSkip(pfn)) s.add(pfn);
        return s;
    }

    static boolean onLru(Machine m, long pfn) {
        return (m.mem().flags[m.mem().idx(pfn)] & PageFlags.PG_lru) != 0;
    }

    static int refs(Machine m, long pfn) {
        return m.mem().refcount[m.mem().idx(pfn)];
    }

    static List<List<Long>> moved(CompactControl cc) {
        List<List<Long>> l = new ArrayList<>();
        for (long[] mv : cc.moved) l.add(List.of(mv[0], mv[1]));
        return l;
    }

    /** A kcompactd-like control (skip hints honoured and set), GFP_KERNEL, for calling the scanners directly. */
    static CompactControl kcompactd(Machine m, MigrateMode mode) {
        return m.compaction().newControl(zone(m), 2, mode);
    }

    // ---------------------------------------------------------------- one whole round

    /**
     * One round of /proc/sys/vm/compact_memory's run (order -1, MIGRATE_SYNC, skip hints
     * ignored but set), mm/compaction.c compact_zone() v6.18. Zone (blocks of four):
     * <pre>
     *   [0] MMMM  [4] .M.M  [8] KMMM  [12] PDUM  [16] free order 3 (16..23)  [24] MM + free order 1 at 26  [28] free order 2
     * </pre>
     * Start: migrate_pfn = 0, free_pfn = pageblock_start_pfn(31) = 28. last_migrated_pfn = 0 lies
     * in pageblock 0 like migrate_pfn, so finish_pageblock is set for this first round.
     * isolate_migratepages_block(0, 4): isolates 0, 1, 2, 3 (test_and_set_skip() returns false
     * under ignore_skip_hint and sets nothing; no skip bit at the end since skip_updated);
     * update_cached_migrate(4) sets both cached migrate pfns to pageblock_end_pfn(4) = 8;
     * migrate_pfn = 4, 4 scanned. migrate_pages() takes the list head first: 3, 2, 1, 0.
     * compaction_alloc(3) -> isolate_freepages(): low_pfn = pageblock_end_pfn(4) = 8, stride 1.
     * Block 28: its first page is a free block of order 2 >= pageblock_order: not a target.
     * Block 24: scans 24, 25, then 26 (order 1, 2 pages, nr_scanned += 1): 4 scanned, nr_freepages 2
     * &lt; 4 so the scan goes on to 28 = the end: update_pageblock_skip(24). Block 20: a tail of the
     * order-3 block, movable: 4 scanned, nothing, skip bit, stride 2. Block 16: order-3 head, not
     * a target. Block 12: stride 2 scans 12, 14: skip bit, stride 4. Block 8: scans 8: skip bit,
     * stride 8. Block 4 &lt; low_pfn: free_pfn = 4. Total free scanned 4 + 4 + 2 + 1 = 11.
     * 3 gets 26 (the order-1 block split, 27 put on freepages[0]), 2 gets 27; 1 finds the lists
     * empty, isolate_freepages() finds no block at or above low_pfn, so -ENOMEM: 1 and 0 are put
     * back. The scanners met (free_pfn 4 >> 2 == migrate_pfn 4 >> 2), so no rescan or
     * COMPACT_CONTENDED; __compact_finished(): reset_cached_positions(), COMPACT_COMPLETE.
     */
    @Test
    void aWholeZoneRoundMovesTheFirstBlockIntoTheHighestFreePagesAndSkipsTheScannedTargets() {
        Machine m = layout(cfg32(), "MMMM .M.M KMMM PDUM .... .... MM.. ....");
        Compaction c = m.compaction();
        Zone z = zone(m);
        assertEquals(SlowpathHooks.COMPACT_CONTINUE, c.startRun(z, -1, MigrateMode.MIGRATE_SYNC));
        CompactControl cc = c.current();
        assertEquals(0, cc.migrate_pfn);
        assertEquals(28, cc.free_pfn);
        assertEquals(SlowpathHooks.COMPACT_COMPLETE, c.stepRun(Contention.NONE));
        assertEquals(List.of(List.of(3L, 26L), List.of(2L, 27L)), moved(cc));
        assertEquals(List.of(0L, 1L, 2L, 3L), cc.isolatedThisRound, "the model's record, in the scan's order");
        assertEquals(4, cc.migrate_pfn);
        assertEquals(4, cc.free_pfn);
        assertEquals(4, cc.total_migrate_scanned);
        assertEquals(11, cc.total_free_scanned);
        assertEquals(4, c.events.migrateScanned);
        assertEquals(11, c.events.freeScanned);
        assertEquals(4 + 2, c.events.compactIsolated, "four folios and one order-1 free block");
        assertEquals(List.of(8L, 12L, 20L, 24L), skipped(m));
        assertEquals(0, cc.nr_freepages);
        assertEquals(0, cc.nr_migratepages);
        assertTrue(cc.migratepages.isEmpty());
        assertTrue(onLru(m, 0) && onLru(m, 1), "the folios without a destination are back on the LRU");
        assertEquals(1, refs(m, 0));
        assertEquals(A + 3, m.rmap().peek(1, A + 3));
        assertEquals(26L, m.rmap().contents().ceilingKey(26L), "page 3's content now at 26");
        // reset_cached_positions() when the scanners met
        assertEquals(0, z.compactCachedMigratePfn[0]);
        assertEquals(0, z.compactCachedMigratePfn[1]);
        assertEquals(28, z.compactCachedFreePfn);
        assertEquals(null, c.current());
        assertEquals(0, m.warnings().count(), m.warnings().messages().toString());
    }

    // ---------------------------------------------------------------- isolate_migratepages_block()

    /**
     * isolate_migratepages_block() steps over a free block with buddy_order_unsafe(): low_pfn and
     * nr_scanned both advance by (1 &lt;&lt; order) - 1, for every order in 1..MAX_PAGE_ORDER; a
     * free block larger than the pageblock carries low_pfn past end_pfn, which the "PageBuddy()
     * check could have potentially brought us outside the range" clamp brings back. Zone: pfns
     * 0..15 one free block of order 4 (= MAX_PAGE_ORDER), the rest anonymous. Block [0, 4):
     * pfn 0 is valid_page (aligned, skip bit clear), PageBuddy of order 4: low_pfn 15, nr_scanned
     * 16; the loop ends at 16 &gt; 4, clamped to 4. Nothing isolated and low_pfn == end_pfn: the
     * skip bit is set on the block and update_cached_migrate(4) moves both cached migrate pfns
     * (sync light is not async) to pageblock_end_pfn(4) = 8.
     */
    @Test
    void aFreeBlockBeyondThePageblockIsSteppedOverInOneStepAndTheScanClamped() {
        Machine m = layout(cfg32(), "....  .... .... .... MMMM MMMM MMMM MMMM");
        assertTrue(m.mem().pageBuddy(0) && m.pageAlloc().buddy_order(0) == 4, "set-up: one free block of order 4");
        Compaction c = m.compaction();
        CompactControl cc = kcompactd(m, MigrateMode.MIGRATE_SYNC_LIGHT);
        assertEquals(0, c.isolate_migratepages_block(cc, 0, 4, Compaction.ISOLATE_UNEVICTABLE | Compaction.ISOLATE_ASYNC_MIGRATE));
        assertEquals(4, cc.migrate_pfn);
        assertEquals(16, cc.total_migrate_scanned);
        assertEquals(16, c.events.migrateScanned);
        assertEquals(0, cc.nr_migratepages);
        assertEquals(List.of(0L), skipped(m));
        assertEquals(8, zone(m).compactCachedMigratePfn[0]);
        assertEquals(8, zone(m).compactCachedMigratePfn[1]);
    }

    /**
     * An order-1 free block inside a pageblock: [4, 8) = M M free(order 1). 4 and 5 are isolated,
     * 6 is stepped over with 7: low_pfn ends at 8 = end_pfn, nr_scanned 4. The first isolation
     * sets the block's skip bit through test_and_set_skip() (valid_page = 4); pages were isolated
     * and finish_pageblock is clear, so no cached pfn update at the end
     * (mm/compaction.c isolate_migratepages_block(), v6.18).
     */
    @Test
    void anOrder1FreeBlockInsideThePageblockIsSteppedOverAndTheIsolatedBlockKeepsItsSkipBitClear() {
        Machine m = layout(cfg32(), "MMMM MM.. MMMM MMMM MMMM MMMM MMMM MMMM");
        Compaction c = m.compaction();
        CompactControl cc = kcompactd(m, MigrateMode.MIGRATE_ASYNC);
        zone(m).compactCachedMigratePfn[0] = 4;
        zone(m).compactCachedMigratePfn[1] = 4;
        assertEquals(0, c.isolate_migratepages_block(cc, 4, 8, Compaction.ISOLATE_UNEVICTABLE | Compaction.ISOLATE_ASYNC_MIGRATE));
        assertEquals(8, cc.migrate_pfn);
        assertEquals(4, cc.total_migrate_scanned);
        assertEquals(List.of(5L, 4L), cc.migratepages);
        assertEquals(2, cc.nr_migratepages);
        assertEquals(2, c.events.compactIsolated);
        assertEquals(List.of(4L), skipped(m), "test_and_set_skip() at the first isolation");
        assertEquals(4, zone(m).compactCachedMigratePfn[0]);
        assertFalse(onLru(m, 4));
        assertEquals(2, refs(m, 4), "isolation holds a reference: folio_get_nontail_page()");
    }

    /**
     * The per-folio checks of isolate_migratepages_block() (v6.18): a pinned anonymous folio
     * (folio_ref_count() - 1 &gt; folio_mapcount()) is put back, so is an unevictable one without
     * ISOLATE_UNEVICTABLE, and with ISOLATE_ASYNC_MIGRATE a dirty one whose folio_trylock() fails;
     * a clean folio is isolated even when its lock is held (no trylock for it), and a plain one
     * (refcount 1 + the scan's reference - 1 = 1 = mapcount) is not "pinned". Block [4, 8) =
     * P U D M; the lock of 6 (D) is held in the first call, of 7 (M) in the second.
     */
    @Test
    void pinnedUnevictableAndLockedDirtyFoliosAreLeftWhereTheyAre() {
        Machine m = layout(cfg32(), "MMMM PUDM MMMM MMMM .... .... .... ....");
        Compaction c = m.compaction();
        CompactControl cc = kcompactd(m, MigrateMode.MIGRATE_ASYNC);
        m.migrate().setContention(new Contention(6, -1));
        // async, compact_unevictable_allowed = 0: ISOLATE_ASYNC_MIGRATE only
        c.isolate_migratepages_block(cc, 4, 8, Compaction.ISOLATE_ASYNC_MIGRATE);
        assertEquals(List.of(7L), cc.migratepages, "only the plain folio");
        assertEquals(1, c.events.pinnedSkipped);
        assertEquals(2, refs(m, 4), "the pin stays, the scan's reference is dropped");
        assertEquals(1, refs(m, 5));
        assertEquals(1, refs(m, 6));
        assertTrue(onLru(m, 4) && onLru(m, 5) && onLru(m, 6));
        assertEquals(List.of(4L), skipped(m), "test_and_set_skip() when 7 was isolated");

        Machine m2 = layout(cfg32(), "MMMM PUDM MMMM MMMM .... .... .... ....");
        Compaction c2 = m2.compaction();
        CompactControl cc2 = kcompactd(m2, MigrateMode.MIGRATE_SYNC);
        m2.migrate().setContention(new Contention(7, -1));
        // sync, compact_unevictable_allowed = 1: ISOLATE_UNEVICTABLE only; a dirty folio needs no trylock
        c2.isolate_migratepages_block(cc2, 4, 8, Compaction.ISOLATE_UNEVICTABLE);
        assertEquals(List.of(7L, 6L, 5L), cc2.migratepages);
        assertEquals(1, c2.events.pinnedSkipped);

        Machine m3 = layout(cfg32(), "MMMM PUDM MMMM MMMM .... .... .... ....");
        Compaction c3 = m3.compaction();
        CompactControl cc3 = kcompactd(m3, MigrateMode.MIGRATE_ASYNC);
        m3.migrate().setContention(new Contention(7, -1));
        // async with unevictable allowed: the clean locked 7 and the dirty unlocked 6 are taken
        c3.isolate_migratepages_block(cc3, 4, 8, Compaction.ISOLATE_UNEVICTABLE | Compaction.ISOLATE_ASYNC_MIGRATE);
        assertEquals(List.of(7L, 6L, 5L), cc3.migratepages);
    }

    /**
     * A block whose skip bit is set is abandoned at its first pfn (isolation_suitable(), checked
     * only when low_pfn is pageblock-aligned or the zone start): low_pfn = end_pfn, one pfn
     * scanned, and update_cached_migrate(end_pfn) since low_pfn == end_pfn and nothing was
     * isolated. Started in the middle of the block the bit is not looked at, and the isolation
     * then finds it already set: test_and_set_skip() returns true; finish_pageblock lets the
     * scan go on (mm/compaction.c isolate_migratepages_block(), v6.18).
     */
    @Test
    void aSkippedBlockIsAbandonedAtItsFirstPfnButNotWhenEnteredInTheMiddle() {
        Machine m = layout(cfg32(), "MMMM MMMM MMMM MMMM .... .... .... ....");
        Compaction c = m.compaction();
        Zone z = zone(m);
        z.setPageblockSkip(4, true);
        CompactControl cc = kcompactd(m, MigrateMode.MIGRATE_SYNC_LIGHT);
        c.isolate_migratepages_block(cc, 4, 8, Compaction.ISOLATE_UNEVICTABLE | Compaction.ISOLATE_ASYNC_MIGRATE);
        assertEquals(8, cc.migrate_pfn);
        assertEquals(1, cc.total_migrate_scanned);
        assertTrue(cc.migratepages.isEmpty());
        assertEquals(12, z.compactCachedMigratePfn[0], "pageblock_end_pfn(8)");
        assertEquals(12, z.compactCachedMigratePfn[1]);

        // entered at 5: valid_page stays NULL, so neither the check nor test_and_set_skip()
        CompactControl cc2 = kcompactd(m, MigrateMode.MIGRATE_SYNC_LIGHT);
        c.isolate_migratepages_block(cc2, 5, 8, Compaction.ISOLATE_UNEVICTABLE | Compaction.ISOLATE_ASYNC_MIGRATE);
        assertEquals(List.of(7L, 6L, 5L), cc2.migratepages);
        assertEquals(8, cc2.migrate_pfn);
        assertEquals(3, cc2.total_migrate_scanned);

        // a block whose bit is clear gets it from test_and_set_skip() at its first isolation
        CompactControl cc3 = kcompactd(m, MigrateMode.MIGRATE_SYNC_LIGHT);
        c.isolate_migratepages_block(cc3, 8, 12, Compaction.ISOLATE_UNEVICTABLE | Compaction.ISOLATE_ASYNC_MIGRATE);
        assertEquals(List.of(11L, 10L, 9L, 8L), cc3.migratepages);
        assertEquals(List.of(4L, 8L), skipped(m));
        assertEquals(12, z.compactCachedMigratePfn[0], "pages were isolated: no cached pfn update");

        // ignore_skip_hint (compact_memory): the set bit is not consulted, test_and_set_skip() sets nothing
        CompactControl cc4 = c.newControl(z, -1, MigrateMode.MIGRATE_SYNC);
        c.isolate_migratepages_block(cc4, 12, 16, Compaction.ISOLATE_UNEVICTABLE);
        assertEquals(List.of(15L, 14L, 13L, 12L), cc4.migratepages);
        assertEquals(List.of(4L, 8L), skipped(m));
    }

    /**
     * A block with nothing to isolate (K . K K) is scanned to its end and marked skip; a
     * no_set_skip_hint control (isolation for alloc_contig) neither sets the bit nor moves the
     * cached pfns (update_cached_migrate() returns at once).
     */
    @Test
    void aBlockWithNothingToIsolateIsMarkedSkipUnlessSkipHintsAreNotToBeSet() {
        Machine m = layout(cfg32(), "MMMM K.KK K.KK MMMM .... .... .... ....");
        Compaction c = m.compaction();
        Zone z = zone(m);
        CompactControl cc = kcompactd(m, MigrateMode.MIGRATE_SYNC_LIGHT);
        c.isolate_migratepages_block(cc, 4, 8, Compaction.ISOLATE_UNEVICTABLE);
        assertEquals(8, cc.migrate_pfn);
        assertEquals(4, cc.total_migrate_scanned);
        assertEquals(List.of(4L), skipped(m));
        assertEquals(12, z.compactCachedMigratePfn[1]);
        CompactControl cc2 = kcompactd(m, MigrateMode.MIGRATE_SYNC_LIGHT);
        cc2.no_set_skip_hint = true;
        c.isolate_migratepages_block(cc2, 8, 12, Compaction.ISOLATE_UNEVICTABLE);
        assertEquals(12, cc2.migrate_pfn);
        assertEquals(List.of(4L), skipped(m));
        assertEquals(12, z.compactCachedMigratePfn[1]);
    }

    /**
     * skip_on_failure (async direct compaction) for order 1, v6.18 isolate_migratepages_block():
     * next_skip_pfn = block_end_pfn(low_pfn, 1). Block P M M M: the failure at 4 (nothing
     * isolated yet) moves low_pfn to next_skip_pfn - 1 = 5 and next_skip_pfn to 8, so 5 is never
     * looked at; 6 and 7 are isolated. Block M P M M: 4 is isolated, the failure at 5 puts it back
     * (putback_movable_pages()), then 6 and 7. Block M M M M: 4 and 5 isolated, at 6 &gt;=
     * next_skip_pfn with folios isolated the scan stops: migrate_pfn 6.
     */
    @Test
    void asyncDirectCompactionGivesUpAnOrderAlignedChunkAtItsFirstFailure() {
        int mode = Compaction.ISOLATE_UNEVICTABLE | Compaction.ISOLATE_ASYNC_MIGRATE;
        Machine m = layout(cfg32(), "MMMM PMMM MMMM MMMM .... .... .... ....");
        CompactControl cc = direct(m, 1, MigrateMode.MIGRATE_ASYNC);
        m.compaction().isolate_migratepages_block(cc, 4, 8, mode);
        assertEquals(List.of(7L, 6L), cc.migratepages);
        assertEquals(8, cc.migrate_pfn);
        assertEquals(3, cc.total_migrate_scanned, "4, 6 and 7");
        assertEquals(1, m.compaction().events.skipOnFailure);

        Machine m2 = layout(cfg32(), "MMMM MPMM MMMM MMMM .... .... .... ....");
        CompactControl cc2 = direct(m2, 1, MigrateMode.MIGRATE_ASYNC);
        m2.compaction().isolate_migratepages_block(cc2, 4, 8, mode);
        assertEquals(List.of(7L, 6L), cc2.migratepages);
        assertEquals(2, cc2.nr_migratepages);
        assertTrue(onLru(m2, 4), "4 was put back");
        assertEquals(1, refs(m2, 4));
        assertEquals(8, cc2.migrate_pfn);

        Machine m3 = layout(cfg32(), "MMMM MMMM MMMM MMMM .... .... .... ....");
        CompactControl cc3 = direct(m3, 1, MigrateMode.MIGRATE_ASYNC);
        m3.compaction().isolate_migratepages_block(cc3, 4, 8, mode);
        assertEquals(List.of(5L, 4L), cc3.migratepages);
        assertEquals(6, cc3.migrate_pfn);
        assertEquals(2, cc3.total_migrate_scanned);
        assertEquals(List.of(4L), skipped(m3), "test_and_set_skip() at the first isolation, not cleared by the early stop");

        // the same block for a sync direct compactor: no skip_on_failure, the whole block
        Machine m4 = layout(cfg32(), "MMMM MPMM MMMM MMMM .... .... .... ....");
        CompactControl cc4 = direct(m4, 1, MigrateMode.MIGRATE_SYNC_LIGHT);
        m4.compaction().isolate_migratepages_block(cc4, 4, 8, mode);
        assertEquals(List.of(7L, 6L, 4L), cc4.migratepages);
        assertEquals(0, m4.compaction().events.skipOnFailure);
    }

    /** A direct compactor's compact_control as compact_zone_order() builds it for a movable request. */
    static CompactControl direct(Machine m, int order, MigrateMode mode) {
        CompactControl cc = new CompactControl(zone(m), order, Gfp.GFP_HIGHUSER_MOVABLE, 0, zone(m).idx, mode, false, false,
                true, false, false, m.pageAlloc().MAX_PAGE_ORDER + 1);
        cc.migratetype = org.mmspec.reference.alloc.MigrateType.MIGRATE_MOVABLE;
        return cc;
    }

    // ---------------------------------------------------------------- too_many_isolated()

    /**
     * too_many_isolated() (v6.18): isolated &gt; (inactive + active) / 2, each LRU sum shifted
     * right by 3 first when the caller may enter the filesystem (__GFP_FS). The model counts the
     * run's own isolated folios. Zone: 24 inactive pages, then 8 active. The first call isolates
     * block 0 (4 folios): inactive 20, active 8. With GFP_KERNEL the second call sees
     * (20 &gt;&gt; 3) + (8 &gt;&gt; 3) = 3, / 2 = 1, and 4 &gt; 1: folios still pending, so -EAGAIN
     * before scanning anything.
     */
    @Test
    void tooManyIsolatedStopsAnFsCompactorThatStillHasFoliosPending() {
        Machine m = layout(cfg32(), "MMMM MMMM MMMM MMMM MMMM MMMM AAAA AAAA");
        Lruvec l = m.node().lruvec;
        assertEquals(24, l.nrPages[Lruvec.LRU_INACTIVE_ANON]);
        assertEquals(8, l.nrPages[Lruvec.LRU_ACTIVE_ANON]);
        Compaction c = m.compaction();
        CompactControl cc = kcompactd(m, MigrateMode.MIGRATE_SYNC_LIGHT);
        assertEquals(0, c.isolate_migratepages_block(cc, 0, 4, Compaction.ISOLATE_UNEVICTABLE));
        assertEquals(4, c.nr_isolated(cc));
        assertTrue(c.too_many_isolated(cc));
        assertEquals(Migrate.EAGAIN, c.isolate_migratepages_block(cc, 4, 8, Compaction.ISOLATE_UNEVICTABLE));
        assertEquals(4, cc.migrate_pfn, "cc->migrate_pfn = low_pfn before the check");
        assertEquals(4, cc.total_migrate_scanned, "nothing more scanned");
        assertEquals(4, cc.nr_migratepages);
        assertEquals(1, c.events.throttled);
        assertTrue(onLru(m, 4));

        // nothing of its own pending: an async compactor gives up too; a sync one waits in
        // reclaim_throttle() until the others' isolations are done, which the model takes as
        // done (Compaction's class comment) and proceeds
        cc.nr_migratepages = 0;
        CompactControl async = kcompactd(m, MigrateMode.MIGRATE_ASYNC);
        async.migratepages.addAll(cc.migratepages);
        assertEquals(Migrate.EAGAIN, c.isolate_migratepages_block(async, 4, 8, Compaction.ISOLATE_UNEVICTABLE));
        assertTrue(async.migratepages.size() == 4 && async.nr_migratepages == 0);
        assertEquals(0, c.isolate_migratepages_block(cc, 4, 8, Compaction.ISOLATE_UNEVICTABLE));
        assertEquals(8, cc.migratepages.size());
        assertEquals(3, c.events.throttled);
        migrateBack(m, cc);
    }

    /**
     * The same without __GFP_FS (a GFP_NOFS compactor may isolate past the FS limit): 8 inactive
     * and 4 active pages; after block 0 is isolated, 4 inactive, 4 active and 4 isolated:
     * 4 &gt; (4 + 4) / 2 is false, so block 1 is isolated too.
     */
    @Test
    void withoutGfpFsTheLimitIsHalfTheLru() {
        Machine m = layout(cfg32(), "MMMM MMMM AAAA .... .... .... .... ....");
        Compaction c = m.compaction();
        CompactControl cc = new CompactControl(zone(m), 2, Gfp.GFP_NOFS, 0, zone(m).idx, MigrateMode.MIGRATE_SYNC_LIGHT, false,
                false, false, false, false, 5);
        assertEquals(0, c.isolate_migratepages_block(cc, 0, 4, Compaction.ISOLATE_UNEVICTABLE));
        assertFalse(c.too_many_isolated(cc));
        assertEquals(0, c.isolate_migratepages_block(cc, 4, 8, Compaction.ISOLATE_UNEVICTABLE));
        assertEquals(8, cc.nr_migratepages);
        assertEquals(0, c.events.throttled);
        // one more isolated folio than half the LRU: 8 > (0 + 4) / 2
        assertTrue(c.too_many_isolated(cc));
        migrateBack(m, cc);
    }

    // ---------------------------------------------------------------- isolate_freepages()

    /** Order-0 free pages at 9, 11, 16, 25, 26, 30 (each next to an allocated buddy). */
    static final String FREE6 = "MMMM MMMM M.M. MMMM .MMM MMMM M..M MM.M";

    /**
     * isolate_freepages() with stride 1 (sync light), three folios to migrate, v6.18: low_pfn =
     * pageblock_end_pfn(migrate_pfn 0) = 4. Block 28: 28, 29, then 30 (one page; 3 &lt;= 1 is
     * false so the scan goes on), 31: scanned to the end, update_pageblock_skip(28, 24): the
     * bit, and compact_cached_free_pfn 28 -&gt; 24. Block 24: 24, 25 (2 pages), 26 (3: enough,
     * blockpfn = 27, break): 3 scanned; stopped inside the block, so no skip bit, and free_pfn
     * = 27, the middle of the block, where the next call resumes. Total scanned 7.
     */
    @Test
    void theFreeScannerStopsInsideAPageblockOnceItHasEnough() {
        Machine m = layout(cfg32(), FREE6);
        Compaction c = m.compaction();
        Zone z = zone(m);
        CompactControl cc = kcompactd(m, MigrateMode.MIGRATE_SYNC_LIGHT);
        cc.migrate_pfn = 0;
        cc.free_pfn = 28;
        cc.nr_migratepages = 3;
        z.compactCachedFreePfn = 28;
        c.isolate_freepages(cc);
        assertEquals(27, cc.free_pfn);
        assertEquals(3, cc.nr_freepages);
        assertEquals(List.of(30L, 25L, 26L), new ArrayList<>(cc.freepages.get(0)), "list_add_tail() in scan order");
        assertEquals(7, cc.total_free_scanned);
        assertEquals(7, c.events.freeScanned);
        assertEquals(3, c.events.compactIsolated);
        assertEquals(List.of(28L), skipped(m));
        assertEquals(24, z.compactCachedFreePfn);
        assertEquals(3, z.nrFreePages, "three left on the buddy lists");
        assertTrue((m.mem().flags[m.mem().idx(30)] & PageFlags.MODEL_COMPACT_FREE) != 0);
        c.isolate_freepages(cc);
        assertEquals(27, cc.free_pfn, "free pages already isolated: isolate_freepages() returns at once");
        assertEquals(30, c.release_free_list(cc.freepages), "release_free_list() returns the highest pfn");
        assertEquals(6, z.nrFreePages);
        assertTrue(m.mem().pageBuddy(m.mem().idx(30)));
    }

    /**
     * The same zone, async (stride COMPACT_CLUSTER_MAX = 32, wider than a pageblock): each block
     * gets one look at its first pfn and the stride doubles, capped at 32, after a block that
     * isolated nothing; a block that isolated something drops the stride to 1. Blocks 28, 24,
     * 20: one pfn each, nothing. Block 16: 16 is free (order 0 &lt; pageblock_order: a target),
     * isolated, blockpfn 16 + 32 clamped to 20: stride 1. Block 12: four pfns, stride 2.
     * Block 8: 8 and 10 (9 and 11 stay free), stride 4. Block 4 (= low_pfn): 4, stride 8. Each
     * block was scanned to its end: skip bits on 4..28 and compact_cached_free_pfn down to 0.
     * free_pfn = 0 where the loop ended. Scanned 1 + 1 + 1 + 1 + 4 + 2 + 1 = 11.
     */
    @Test
    void theAsyncFreeScannerStridesAndResetsTheStrideAfterAnIsolation() {
        Machine m = layout(cfg32(), FREE6);
        Compaction c = m.compaction();
        Zone z = zone(m);
        CompactControl cc = kcompactd(m, MigrateMode.MIGRATE_ASYNC);
        cc.migrate_pfn = 0;
        cc.free_pfn = 28;
        cc.nr_migratepages = 3;
        z.compactCachedFreePfn = 28;
        c.isolate_freepages(cc);
        assertEquals(0, cc.free_pfn);
        assertEquals(1, cc.nr_freepages);
        assertEquals(List.of(16L), new ArrayList<>(cc.freepages.get(0)));
        assertEquals(11, cc.total_free_scanned);
        assertEquals(List.of(4L, 8L, 12L, 16L, 20L, 24L, 28L), skipped(m));
        assertEquals(0, z.compactCachedFreePfn);
        c.release_free_list(cc.freepages);
    }

    /**
     * suitable_migration_target() and isolation_suitable() in isolate_freepages(): a block whose
     * first page is a free block of at least cc-&gt;order (here order 2, the whole block [28, 32))
     * is no target; neither is a block with its skip bit set (block 24). The scan goes on to
     * block 20, where the order-1 block at 22 is isolated (two pages for one folio: enough).
     * isolate_freepages_block() stops at 24 = the block end, so the free scanner restarts
     * one block lower, at 16; the block was scanned to its end: skip bit.
     */
    @Test
    void largeFreeBlocksAndSkippedBlocksAreNoTargets() {
        Machine m = layout(cfg32(), "MMMM MMMM MMMM MMMM MMMM MM.. .MMM ....");
        Compaction c = m.compaction();
        Zone z = zone(m);
        z.setPageblockSkip(24, true);
        CompactControl cc = kcompactd(m, MigrateMode.MIGRATE_SYNC_LIGHT);
        cc.migrate_pfn = 0;
        cc.free_pfn = 28;
        cc.nr_migratepages = 1;
        z.compactCachedFreePfn = 28;
        c.isolate_freepages(cc);
        assertEquals(List.of(22L), new ArrayList<>(cc.freepages.get(1)));
        assertEquals(2, cc.nr_freepages);
        assertEquals(16, cc.free_pfn);
        assertEquals(List.of(20L, 24L), skipped(m));
        assertEquals(16, z.compactCachedFreePfn);
        assertEquals(4, cc.total_free_scanned, "20, 21, and 22 with its buddy 23 (nr_scanned += isolated - 1)");
        c.release_free_list(cc.freepages);
    }

    // ---------------------------------------------------------------- isolate_migratepages()

    /**
     * isolate_migratepages() (v6.18) passes over blocks whose skip bit is set (checked when
     * low_pfn is pageblock-aligned) without touching the cached pfns, and isolates from the first
     * suitable block; it never scans a block that does not end at or below free_pfn. Entered in
     * the middle of a skipped block, it scans the rest of it.
     */
    @Test
    void theMigrationScannerPassesSkippedBlocksAndStopsBelowTheFreeScanner() {
        Machine m = layout(cfg32(), "MMMM MMMM MMMM MMMM .... .... .... ....");
        Compaction c = m.compaction();
        Zone z = zone(m);
        z.setPageblockSkip(0, true);
        z.setPageblockSkip(4, true);
        CompactControl cc = kcompactd(m, MigrateMode.MIGRATE_SYNC_LIGHT);
        cc.migrate_pfn = 0;
        cc.free_pfn = 28;
        assertEquals(Compaction.ISOLATE_SUCCESS, c.isolate_migratepages(cc));
        assertEquals(List.of(11L, 10L, 9L, 8L), cc.migratepages);
        assertEquals(12, cc.migrate_pfn);
        assertEquals(4, cc.total_migrate_scanned);
        assertEquals(0, z.compactCachedMigratePfn[1]);
        migrateBack(m, cc);

        CompactControl mid = kcompactd(m, MigrateMode.MIGRATE_SYNC_LIGHT);
        mid.migrate_pfn = 1;
        mid.free_pfn = 28;
        c.isolate_migratepages(mid);
        assertEquals(List.of(3L, 2L, 1L), mid.migratepages);
        assertEquals(4, mid.migrate_pfn);
        migrateBack(m, mid);

        // block [12, 16) ends at free_pfn 16: scanned; with free_pfn 15 it is not
        CompactControl top = kcompactd(m, MigrateMode.MIGRATE_SYNC_LIGHT);
        top.migrate_pfn = 12;
        top.free_pfn = 15;
        assertEquals(Compaction.ISOLATE_NONE, c.isolate_migratepages(top));
        assertEquals(12, top.migrate_pfn);
        assertEquals(0, top.total_migrate_scanned);
        top.free_pfn = 16;
        assertEquals(Compaction.ISOLATE_SUCCESS, c.isolate_migratepages(top));
        assertEquals(List.of(15L, 14L, 13L, 12L), top.migratepages);
        migrateBack(m, top);
    }

    /**
     * suitable_migration_source() (v6.18): async direct compaction takes only blocks of the
     * request's migratetype. For an unmovable request every (movable) block is passed with
     * update_cached_migrate(block_end_pfn), which stores pageblock_end_pfn(block_end_pfn), one
     * block further, in the async cached pfn only: after blocks ending at 4, 8, 12, 16 it is 20.
     * For a movable request the first block is isolated; sync or kcompactd take any block.
     */
    @Test
    void asyncDirectCompactionTakesOnlyBlocksOfItsMigratetype() {
        Machine m = layout(cfg32(), "MMMM MMMM MMMM MMMM .... .... .... ....");
        Compaction c = m.compaction();
        Zone z = zone(m);
        CompactControl cc = direct(m, 2, MigrateMode.MIGRATE_ASYNC);
        cc.migratetype = org.mmspec.reference.alloc.MigrateType.MIGRATE_UNMOVABLE;
        cc.migrate_pfn = 0;
        cc.free_pfn = 16;
        assertEquals(Compaction.ISOLATE_NONE, c.isolate_migratepages(cc));
        assertEquals(16, cc.migrate_pfn);
        assertEquals(20, z.compactCachedMigratePfn[0]);
        assertEquals(0, z.compactCachedMigratePfn[1]);
        assertEquals(0, cc.total_migrate_scanned);
        assertFalse(c.suitable_migration_source(cc, 0));
        CompactControl sync = direct(m, 2, MigrateMode.MIGRATE_SYNC_LIGHT);
        sync.migratetype = org.mmspec.reference.alloc.MigrateType.MIGRATE_UNMOVABLE;
        assertTrue(c.suitable_migration_source(sync, 0));
        CompactControl kc = kcompactd(m, MigrateMode.MIGRATE_ASYNC);
        kc.migratetype = org.mmspec.reference.alloc.MigrateType.MIGRATE_UNMOVABLE;
        assertTrue(c.suitable_migration_source(kc, 0));
        CompactControl mov = direct(m, 2, MigrateMode.MIGRATE_ASYNC);
        mov.migrate_pfn = 0;
        mov.free_pfn = 16;
        assertTrue(c.suitable_migration_source(mov, 0));
        assertEquals(Compaction.ISOLATE_SUCCESS, c.isolate_migratepages(mov));
        assertEquals(List.of(3L, 2L, 1L, 0L), mov.migratepages);
        migrateBack(m, mov);
    }

    /**
     * isolate_migratepages()'s isolate_mode: ISOLATE_UNEVICTABLE when
     * vm.compact_unevictable_allowed, ISOLATE_ASYNC_MIGRATE unless MIGRATE_SYNC. Block U D M M
     * with the lock of 1 (dirty) held.
     */
    @Test
    void theIsolateModeFollowsTheSysctlAndTheMigrationMode() {
        String pic = "UDMM MMMM MMMM MMMM .... .... .... ....";
        int[][] cases = {{0, 0}, {1, 0}, {1, 1}};
        List<List<Long>> want = List.of(List.of(3L, 2L, 1L), List.of(3L, 2L, 1L, 0L), List.of(3L, 2L, 0L));
        for (int i = 0; i < cases.length; i++) {
            Machine m = layout(cfg32(), pic);
            Compaction c = m.compaction();
            c.sysctl_compact_unevictable_allowed = cases[i][0];
            m.migrate().setContention(new Contention(1, -1));
            CompactControl cc = kcompactd(m, cases[i][1] == 0 ? MigrateMode.MIGRATE_SYNC : MigrateMode.MIGRATE_SYNC_LIGHT);
            cc.migrate_pfn = 0;
            cc.free_pfn = 28;
            c.isolate_migratepages(cc);
            assertEquals(want.get(i), cc.migratepages, "case " + i);
        }
    }

    static void migrateBack(Machine m, CompactControl cc) {
        m.migrate().putback_movable_pages(cc.migratepages);
        cc.nr_migratepages = 0;
    }
}
