package org.mmspec.reference.compaction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.mmspec.reference.Machine;
import org.mmspec.reference.alloc.CaptureControl;
import org.mmspec.reference.alloc.Gfp;
import org.mmspec.reference.alloc.KnownBug;
import org.mmspec.reference.alloc.SlowpathHooks;
import org.mmspec.reference.alloc.Watermarks;
import org.mmspec.reference.alloc.Zone;
import org.mmspec.reference.migrate.Contention;
import org.mmspec.reference.migrate.MigrateMode;
import org.mmspec.reference.page.MemMap;

/**
 * compact_zone()'s loop body when migration fails (mm/compaction.c v6.18, compact_zone()):
 * the failed folios put back, the destinations compaction_alloc() handed out given back through
 * compaction_free(), the "rescan" of the rest of a pageblock, and compact_scanners_met().
 * Zones are built from pictures by {@link CompactionScannerTest#layout} (pageblocks of 4 pages).
 */
class CompactionRoundTest {

    static Machine layout(String pic) {
        return CompactionScannerTest.layout(CompactionScannerTest.cfg32(), pic);
    }

    /** A direct compactor's control as compact_zone_order() builds it at COMPACT_PRIO_ASYNC, for a movable request. */
    static CompactControl directAsync(Zone z, int order) {
        return new CompactControl(z, order, Gfp.GFP_HIGHUSER_MOVABLE, 0, z.idx, MigrateMode.MIGRATE_ASYNC, false, false,
                true, false, false, 5); // NR_PAGE_ORDERS: MAX_PAGE_ORDER 4 + 1
    }

    /** Pages free in the buddy allocator (the zone's counter). */
    static long free(Machine m) {
        return CompactionScannerTest.zone(m).nrFreePages;
    }

    /**
     * Async direct compaction of order 1 starts at the cached migrate pfn 4 (pageblock 1).
     * isolate_migratepages_block() with skip_on_failure isolates 4 and 5 and stops at
     * next_skip_pfn = block_end_pfn(4, 1) = 6: migrate_pfn 6, inside the pageblock. Another task
     * holds 4's folio lock: migrate_folio_unmap() takes a destination (compaction_alloc()), then
     * folio_trylock() fails in MIGRATE_ASYNC, -EAGAIN, and migrate_folio_undo_dst() gives the
     * destination back with compaction_free() (mm/migrate.c); after the passes 4 has failed, so
     * migrate_pages() returns 1. compact_zone(): putback_movable_pages() puts 4 back on the LRU,
     * and since migrate_pfn 6 is not pageblock-aligned, skip hints are honoured, finish_pageblock is
     * clear (pageblock_start_pfn(last_migrated_pfn 0) != pageblock_start_pfn(4)) and the mode is
     * below MIGRATE_SYNC, finish_pageblock is set and the loop goes back to rescan: pfn 6 is
     * isolated and migrated. compaction_free()'s refcount drop and the list and counter it keeps
     * mean no page is lost: every free page is free again after the run.
     */
    @Test
    void anAsyncFailureInsideAPageblockRescansTheRestOfIt() {
        // block 0: M.M.  block 1: LMM. (L = 4, locked)  blocks 2..7 .M.M: single free pages (no
        // order-1 pair) at the block starts, where the async free scanner's stride of
        // COMPACT_CLUSTER_MAX samples them (isolate_freepages_block())
        Machine m = layout("M.M. MMM. .M.M .M.M .M.M .M.M .M.M .M.M");
        Compaction c = m.compaction();
        Zone z = CompactionScannerTest.zone(m);
        z.compactCachedMigratePfn[0] = 4;
        z.compactCachedMigratePfn[1] = 4;
        z.compactCachedFreePfn = 28;
        long freeBefore = free(m);
        assertEquals(15, freeBefore);
        CompactControl cc = directAsync(z, 1);
        assertEquals(SlowpathHooks.COMPACT_CONTINUE, c.compact_zone_begin(cc));
        assertEquals(4, cc.migrate_pfn);
        assertFalse(cc.whole_zone);
        m.migrate().setContention(new Contention(4, -1));
        c.compact_zone_round(cc, null);
        m.migrate().setContention(Contention.NONE);
        assertEquals(1, c.events.rescans, "one rescan of the rest of pageblock 1");
        assertTrue(cc.finish_pageblock);
        assertEquals(List.of(4L, 5L, 6L), cc.isolatedThisRound.stream().sorted().toList());
        assertTrue(CompactionScannerTest.onLru(m, 4), "the failed folio is put back");
        assertEquals(1, CompactionScannerTest.refs(m, 4), "and its isolation reference dropped");
        List<Long> movedSrc = cc.moved.stream().map(mv -> mv[0]).sorted().toList();
        assertEquals(List.of(5L, 6L), movedSrc);
        assertEquals(0, cc.migratepages.size());
        assertEquals(0, cc.nr_migratepages);
        assertEquals(1, c.events.rounds);
        // check_drain: last_migrated_pfn = pageblock_start_pfn(6 - 1) = 4 from the rescan's
        // isolation, below block_start_pfn(migrate_pfn 8, 1) = 8: forgotten
        assertEquals(8, cc.migrate_pfn);
        assertEquals(0, cc.last_migrated_pfn);
        // __compact_finished(): 6 vacated next to the free 7 makes a free order-1 block in a
        // movable pageblock: COMPACT_SUCCESS, and compact_zone()'s out releases what is left
        assertEquals(SlowpathHooks.COMPACT_SUCCESS, cc.result);
        // compaction_free(): the destination handed out for 4 went back on cc->freepages and is
        // counted; what compaction_alloc() handed out is not.
        long onLists = 0;
        for (int o = 0; o < cc.freepages.size(); o++) onLists += (long) cc.freepages.get(o).size() << o;
        assertEquals(cc.nr_freepages, onLists, "cc->nr_freepages counts the pages on cc->freepages");
        // isolate_freepages(): 28 from block 7 (stride 32), then with stride 1 24 from block 6,
        // where isolate_freepages_block() stops once nr_freepages (2) >= nr_migratepages (2):
        // free_pfn 25. The one handed out for 4 and given back serves 5 or 6: the two destinations
        // are exactly 24 and 28, and nothing is left on the lists.
        assertEquals(0, cc.nr_freepages);
        assertEquals(25, cc.free_pfn);
        assertEquals(List.of(24L, 28L), cc.moved.stream().map(mv -> mv[1]).sorted().toList());
        // the run's end gives every isolated free page back: the zone has as many free pages as
        // before, two of them now at the two vacated sources
        assertEquals(freeBefore, free(m));
    }

    /**
     * compact_scanners_met() (mm/compaction.c v6.18): the scanners have met when the free
     * scanner's pageblock is at or below the migration scanner's, pageblock_order 2 here.
     */
    @Test
    void theScannersMeetByPageblock() {
        Machine m = layout("M.M. M.M. M.M. M.M. M.M. M.M. M.M. M.M.");
        Compaction c = m.compaction();
        CompactControl cc = directAsync(CompactionScannerTest.zone(m), 1);
        cc.migrate_pfn = 7;
        cc.free_pfn = 4;
        assertTrue(c.compact_scanners_met(cc), "same pageblock, free_pfn below migrate_pfn");
        cc.free_pfn = 5;
        cc.migrate_pfn = 4;
        assertTrue(c.compact_scanners_met(cc), "same pageblock, free_pfn above migrate_pfn");
        cc.free_pfn = 8;
        assertFalse(c.compact_scanners_met(cc));
    }

    /**
     * KnownBug SCANNERS_MET: the older raw-pfn comparison free_pfn &lt;= migrate_pfn (v6.18
     * compares pageblocks): equal pfns have met, a free pfn one above has not, even in the same
     * pageblock.
     */
    @Test
    void withTheKnownBugTheScannersMeetByRawPfn() {
        Machine m = CompactionScannerTest.layout(CompactionScannerTest.cfg32()
                .withKnownBugs(List.of(KnownBug.SCANNERS_MET.bugName())), "M.M. M.M. M.M. M.M. M.M. M.M. M.M. M.M.");
        Compaction c = m.compaction();
        CompactControl cc = directAsync(CompactionScannerTest.zone(m), 1);
        cc.migrate_pfn = 4;
        cc.free_pfn = 4;
        assertTrue(c.compact_scanners_met(cc), "free_pfn == migrate_pfn");
        cc.free_pfn = 5;
        assertFalse(c.compact_scanners_met(cc), "free_pfn one above, same pageblock");
        cc.free_pfn = 3;
        assertTrue(c.compact_scanners_met(cc));
    }

    /**
     * compaction_alloc() (mm/compaction.c v6.18): with cc->freepages[0] and [1] empty the lowest
     * non-empty order is 2, the block at 8; it is split down to order 0 as expand() would: 8 + 2
     * goes on freepages[1] and 8 + 1 on freepages[0] (set_page_private() = their orders), 8 is
     * handed out, and nr_freepages and nr_migratepages each drop by 1 &lt;&lt; 0.
     * compact_zone()'s out: then release_free_list() frees 9 and 10 and the cached free pfn moves
     * up to pageblock_start_pfn(10) = 8, "only go back, not forward".
     */
    @Test
    void compactionAllocSplitsTheLowestOrderBlockAndTheEpilogueReleasesTheRest() {
        Machine m = layout("MMMM M.M. .... M.M. MMMM MMMM MMMM MMMM");
        Compaction c = m.compaction();
        Zone z = CompactionScannerTest.zone(m);
        CompactControl cc = CompactionScannerTest.kcompactd(m, MigrateMode.MIGRATE_SYNC_LIGHT);
        long[] start = {8};
        assertEquals(4, c.isolate_freepages_block(cc, start, 12, cc.freepages, 1, true));
        assertEquals(List.of(8L), List.copyOf(cc.freepages.get(2)));
        assertEquals(4, cc.nr_freepages);
        assertEquals(4, free(m), "__isolate_free_page(): the order-0 min watermark (0) + 4 is met by 8 free pages");
        cc.nr_migratepages = 2;
        assertEquals(8, c.compaction_alloc(cc, 0));
        assertEquals(List.of(9L), List.copyOf(cc.freepages.get(0)));
        assertEquals(List.of(10L), List.copyOf(cc.freepages.get(1)));
        assertTrue(cc.freepages.get(2).isEmpty());
        assertEquals(0, m.mem().order[m.mem().idx(9)]);
        assertEquals(1, m.mem().order[m.mem().idx(10)], "set_page_private(&freepage[size], start_order)");
        assertEquals(3, cc.nr_freepages);
        assertEquals(1, cc.nr_migratepages);
        assertEquals(1, CompactionScannerTest.refs(m, 8), "post_alloc_hook(): a page with one reference");
        // the next one comes from order 0: 9, nothing split
        assertEquals(9, c.compaction_alloc(cc, 1));
        assertEquals(2, cc.nr_freepages);
        assertEquals(0, cc.nr_migratepages);

        z.compactCachedFreePfn = 4;
        long warnings = m.warnings().count();
        assertEquals(SlowpathHooks.COMPACT_COMPLETE, c.compact_zone_out(cc, SlowpathHooks.COMPACT_COMPLETE));
        assertEquals(0, cc.nr_freepages);
        assertTrue(cc.freepages.get(1).isEmpty());
        assertEquals(6, free(m), "10 and 11 back in the buddy allocator");
        assertEquals(8, z.compactCachedFreePfn, "moved up to the highest released block's pageblock");
        assertEquals(warnings, m.warnings().count());
    }

    /** compact_zone()'s out: a cached free pfn above the released pages' pageblock is not moved down. */
    @Test
    void theEpilogueNeverMovesTheCachedFreePfnDown() {
        Machine m = layout("MMMM M.M. .... M.M. MMMM MMMM MMMM MMMM");
        Compaction c = m.compaction();
        Zone z = CompactionScannerTest.zone(m);
        CompactControl cc = CompactionScannerTest.kcompactd(m, MigrateMode.MIGRATE_SYNC_LIGHT);
        c.isolate_freepages_block(cc, new long[] {8}, 12, cc.freepages, 1, true);
        z.compactCachedFreePfn = 20;
        c.compact_zone_out(cc, SlowpathHooks.COMPACT_COMPLETE);
        assertEquals(20, z.compactCachedFreePfn);
        assertEquals(8, free(m));
        z.compactCachedFreePfn = 8;
        c.isolate_freepages_block(cc, new long[] {8}, 12, cc.freepages, 1, true);
        c.compact_zone_out(cc, SlowpathHooks.COMPACT_COMPLETE);
        assertEquals(8, z.compactCachedFreePfn);
    }

    /**
     * compact_zone()'s out keeps the kernel's debug checks as warnings: VM_BUG_ON(free_pfn == 0)
     * when the highest released page is pfn 0, and VM_BUG_ON(!list_empty(&amp;cc-&gt;migratepages))
     * when a folio is still on the migration list.
     */
    @Test
    void theEpilogueWarnsWhereTheKernelHasVmBugOn() {
        Machine m = layout(".MMM M.M. M.M. MMMM MMMM MMMM MMMM MMMM");
        Compaction c = m.compaction();
        CompactControl cc = CompactionScannerTest.kcompactd(m, MigrateMode.MIGRATE_SYNC_LIGHT);
        c.isolate_freepages_block(cc, new long[] {0}, 4, cc.freepages, 1, true);
        assertEquals(1, cc.nr_freepages);
        long w = m.warnings().count();
        c.compact_zone_out(cc, SlowpathHooks.COMPACT_COMPLETE);
        assertEquals(w + 1, m.warnings().count());
        assertTrue(m.warnings().messages().get((int) w).contains("free_pfn == 0"));
        assertEquals(5, free(m));

        cc.migratepages.add(5L);
        c.compact_zone_out(cc, SlowpathHooks.COMPACT_COMPLETE);
        assertEquals(w + 2, m.warnings().count());
        assertTrue(m.warnings().messages().get((int) w + 1).contains("0x5"));
        cc.migratepages.clear();
        c.compact_zone_out(cc, SlowpathHooks.COMPACT_COMPLETE);
        assertEquals(w + 2, m.warnings().count(), "nothing left: no warning");
    }

    /**
     * compact_zone(): migrate_pages() returns -ENOMEM when compaction_alloc() finds no
     * destination; with the scanners apart that ends the run with COMPACT_CONTENDED ("goto out"),
     * the isolated folios put back. Here the min watermark is raised after the run has started, so
     * __isolate_free_page() refuses the first free page the free scanner meets (29, in pageblock 7):
     * isolate_freepages_block() stops there, isolate_freepages() stops early ("isolation failed
     * early"), free_pfn 29 is still three pageblocks above migrate_pfn 4.
     */
    @Test
    void noDestinationWithTheScannersApartEndsTheRunContended() {
        Machine m = layout("M.M. M.M. M.M. M.M. M.M. M.M. M.M. M.M.");
        Compaction c = m.compaction();
        Zone z = CompactionScannerTest.zone(m);
        z.compactCachedFreePfn = 28;
        CompactControl cc = CompactionScannerTest.kcompactd(m, MigrateMode.MIGRATE_SYNC_LIGHT);
        assertEquals(SlowpathHooks.COMPACT_CONTINUE, c.compact_zone_begin(cc));
        assertTrue(cc.whole_zone);
        assertEquals(28, cc.free_pfn);
        z.watermark[Watermarks.WMARK_MIN] = 100;
        assertEquals(SlowpathHooks.COMPACT_CONTENDED, c.compact_zone_round(cc, null));
        assertEquals(SlowpathHooks.COMPACT_CONTENDED, cc.result);
        assertEquals(1, c.events.results[SlowpathHooks.COMPACT_CONTENDED]);
        assertEquals(4, cc.migrate_pfn);
        assertEquals(29, cc.free_pfn);
        assertFalse(c.compact_scanners_met(cc));
        assertTrue(cc.moved.isEmpty());
        assertTrue(cc.migratepages.isEmpty());
        assertTrue(CompactionScannerTest.onLru(m, 0) && CompactionScannerTest.onLru(m, 2), "put back");
        assertEquals(1, CompactionScannerTest.refs(m, 0));
        assertEquals(16, free(m));
        assertEquals(0, c.events.rescans, "-ENOMEM: no rescan");
    }

    /**
     * compact_zone(): "Stop if a page has been captured": with capture_control installed (as
     * compact_zone_order() does) the migration of pageblock 0 frees 0 next to the free 1, and
     * compaction_capture() (mm/page_alloc.c) hands the order-1 block to the compactor: the round
     * ends the run with COMPACT_SUCCESS at once, without compact_finished().
     */
    @Test
    void aCapturedBlockEndsTheRoundWithSuccess() {
        Machine m = CompactionDirectTest.capturable();
        Compaction c = m.compaction();
        Zone z = CompactionScannerTest.zone(m);
        z.compactCachedFreePfn = 12;
        CompactControl cc = new CompactControl(z, 1, Gfp.GFP_HIGHUSER_MOVABLE, 0, z.idx, MigrateMode.MIGRATE_SYNC_LIGHT,
                true, true, true, false, true, 5);
        CaptureControl capc = new CaptureControl(z, 1, Gfp.gfpMigratetype(Gfp.GFP_HIGHUSER_MOVABLE, false));
        m.pageAlloc().setCaptureControl(capc);
        try {
            assertEquals(SlowpathHooks.COMPACT_CONTINUE, c.compact_zone_begin(cc));
            assertEquals(0, cc.migrate_pfn);
            assertEquals(SlowpathHooks.COMPACT_SUCCESS, c.compact_zone_round(cc, capc));
        } finally {
            m.pageAlloc().setCaptureControl(null);
        }
        assertTrue(capc.page != MemMap.NIL);
        assertTrue(cc.captured);
        assertEquals(1, cc.rounds);
        assertEquals(SlowpathHooks.COMPACT_SUCCESS, cc.result);
        assertEquals(0, cc.nr_freepages, "the epilogue released what was left");
    }

    /**
     * The set-up of {@link #anAsyncFailureInsideAPageblockRescansTheRestOfIt}, with skip hints
     * ignored or not, and the round started: 4 and 5 isolated, 4 failing on its lock.
     */
    static CompactControl lockedFailureRound(Machine m, boolean ignoreSkipHint, long lastMigratedPfn) {
        Compaction c = m.compaction();
        Zone z = CompactionScannerTest.zone(m);
        z.compactCachedMigratePfn[0] = 4;
        z.compactCachedMigratePfn[1] = 4;
        z.compactCachedFreePfn = 28;
        CompactControl cc = new CompactControl(z, 1, Gfp.GFP_HIGHUSER_MOVABLE, 0, z.idx, MigrateMode.MIGRATE_ASYNC,
                ignoreSkipHint, false, true, false, false, 5);
        assertEquals(SlowpathHooks.COMPACT_CONTINUE, c.compact_zone_begin(cc));
        assertEquals(4, cc.migrate_pfn);
        cc.last_migrated_pfn = lastMigratedPfn;
        m.migrate().setContention(new Contention(4, -1));
        c.compact_zone_round(cc, null);
        m.migrate().setContention(Contention.NONE);
        return cc;
    }

    /**
     * compact_zone(): no rescan when skip hints are ignored ("!cc->ignore_skip_hint"), nor when
     * the round already finishes its pageblock (last_migrated_pfn in the pageblock the round
     * starts in: "finish_pageblock = true" before the scan): the failed folio is put back and the
     * scanner stays at 6, inside pageblock 1.
     */
    @Test
    void noRescanWhenSkipHintsAreIgnoredOrThePageblockIsAlreadyBeingFinished() {
        Machine m = layout("M.M. MMM. .M.M .M.M .M.M .M.M .M.M .M.M");
        CompactControl cc = lockedFailureRound(m, true, 0);
        assertEquals(0, m.compaction().events.rescans);
        assertFalse(cc.finish_pageblock);
        assertEquals(List.of(4L, 5L), cc.isolatedThisRound.stream().sorted().toList());
        assertEquals(6, cc.migrate_pfn);
        assertTrue(CompactionScannerTest.onLru(m, 4));
        // compaction_free(): the destination last handed out for 4 is back on cc->freepages[0],
        // its reference dropped (folio_put_testzero()), held there as an isolated free page
        assertEquals(-1, cc.result, "the run goes on: no free order-1 block yet");
        assertEquals(1, cc.nr_freepages);
        assertEquals(1, cc.freepages.get(0).size());
        int back = m.mem().idx(cc.freepages.get(0).peekFirst());
        assertEquals(0, m.mem().refcount[back]);
        assertTrue((m.mem().flags[back] & org.mmspec.reference.page.PageFlags.MODEL_COMPACT_FREE) != 0);
        assertEquals(0, m.mem().flags[back] & org.mmspec.reference.page.PageFlags.MODEL_ALLOC_HEAD);

        Machine m2 = layout("M.M. MMM. .M.M .M.M .M.M .M.M .M.M .M.M");
        CompactControl cc2 = lockedFailureRound(m2, false, 4);
        assertEquals(0, m2.compaction().events.rescans);
        assertTrue(cc2.finish_pageblock, "pageblock_start_pfn(4) == pageblock_start_pfn(4)");
        assertEquals(List.of(4L, 5L), cc2.isolatedThisRound.stream().sorted().toList());
        assertEquals(6, cc2.migrate_pfn);

        Machine m3 = layout("M.M. MMM. .M.M .M.M .M.M .M.M .M.M .M.M");
        CompactControl cc3 = lockedFailureRound(m3, false, 0);
        assertEquals(1, m3.compaction().events.rescans, "the control case");
        assertEquals(8, cc3.migrate_pfn);
    }

    /**
     * compact_zone()'s check_drain: with cc-&gt;order &gt; 0 and a last_migrated_pfn, it is
     * forgotten ("No more flushing until we migrate again") only when it lies below
     * block_start_pfn(migrate_pfn, order), strictly. Order 3, the scanner at 8 in a free pageblock
     * (8-11): isolate_migratepages() isolates nothing (ISOLATE_NONE, "goto check_drain"), the
     * scanner ends at 12, block_start_pfn(12, 3) = 8: a last_migrated_pfn of 8 is kept, one of 4
     * is cleared. (compaction_suit_allocation_order(): 18 free pages &gt; compact_gap(3) = 16, no
     * free block of order 3.)
     */
    @Test
    void checkDrainForgetsTheLastMigratedPfnOnlyBelowTheCurrentOrderBlock() {
        for (long last : new long[] {8, 4}) {
            Machine m = layout("M.M. M.M. .... M.M. M.M. M.M. M.M. M.M.");
            Compaction c = m.compaction();
            Zone z = CompactionScannerTest.zone(m);
            z.compactCachedMigratePfn[0] = 8;
            z.compactCachedMigratePfn[1] = 8;
            z.compactCachedFreePfn = 28;
            CompactControl cc = c.newControl(z, 3, MigrateMode.MIGRATE_SYNC_LIGHT);
            assertEquals(SlowpathHooks.COMPACT_CONTINUE, c.compact_zone_begin(cc));
            assertEquals(8, cc.migrate_pfn);
            cc.last_migrated_pfn = last;
            assertEquals(SlowpathHooks.COMPACT_CONTINUE, c.compact_zone_round(cc, null));
            assertEquals(1, c.events.rounds);
            assertTrue(cc.isolatedThisRound.isEmpty());
            assertEquals(12, cc.migrate_pfn);
            assertEquals(last == 8 ? 8 : 0, cc.last_migrated_pfn, "last_migrated_pfn " + last);
        }
    }

    /**
     * Each round reports its own isolations and moves (the model's per-round record of
     * compact_zone()'s loop body): order 3, round 1 isolates and migrates 0, 1 and 3 (pageblock 0
     * becomes a free order-2 block, no order-3 block yet: COMPACT_CONTINUE); round 2 isolates 4
     * and 6 of pageblock 1, whose migration frees 0-7 as an order-3 block: COMPACT_SUCCESS
     * (__compact_finished()). (18 free pages &gt; compact_gap(3) = 16.)
     */
    @Test
    void eachRoundRecordsOnlyItsOwnIsolationsAndMoves() {
        Machine m = layout("MM.M M.M. .... M.M. .M.M .M.M .M.M .M.M");
        Compaction c = m.compaction();
        Zone z = CompactionScannerTest.zone(m);
        z.compactCachedFreePfn = 28;
        CompactControl cc = c.newControl(z, 3, MigrateMode.MIGRATE_SYNC_LIGHT);
        assertEquals(SlowpathHooks.COMPACT_CONTINUE, c.compact_zone_begin(cc));
        assertEquals(SlowpathHooks.COMPACT_CONTINUE, c.compact_zone_round(cc, null));
        assertEquals(List.of(0L, 1L, 3L), cc.isolatedThisRound.stream().sorted().toList());
        assertEquals(List.of(0L, 1L, 3L), cc.moved.stream().map(mv -> mv[0]).sorted().toList());
        assertEquals(SlowpathHooks.COMPACT_SUCCESS, c.compact_zone_round(cc, null));
        assertEquals(List.of(4L, 6L), cc.isolatedThisRound.stream().sorted().toList());
        assertEquals(List.of(4L, 6L), cc.moved.stream().map(mv -> mv[0]).sorted().toList());
        assertEquals(2, c.events.rounds);
        assertEquals(2, cc.rounds);
    }

    /**
     * compact_zone(): ISOLATE_ABORT puts the isolated folios back, zeroes nr_migratepages and
     * ends the run COMPACT_CONTENDED. isolate_migratepages_block() aborts with -EAGAIN when
     * too_many_isolated() holds and folios are already isolated ("if (cc->nr_migratepages)
     * return -EAGAIN"): here pageblock 0's three folios are isolated first (as an earlier pass
     * would leave them), so with __GFP_FS the limit is ((12 pages left on the LRU) &gt;&gt; 3) / 2 = 0 &lt; 3.
     */
    @Test
    void anAbortedIsolationPutsTheFoliosBackAndEndsContended() {
        Machine m = layout("MM.M M.M. .... M.M. .M.M .M.M .M.M .M.M");
        Compaction c = m.compaction();
        Zone z = CompactionScannerTest.zone(m);
        z.compactCachedFreePfn = 28;
        CompactControl cc = c.newControl(z, 3, MigrateMode.MIGRATE_SYNC_LIGHT);
        assertEquals(SlowpathHooks.COMPACT_CONTINUE, c.compact_zone_begin(cc));
        c.isolate_migratepages_block(cc, 0, 4, 0);
        assertEquals(3, cc.nr_migratepages);
        assertFalse(CompactionScannerTest.onLru(m, 0));
        cc.migrate_pfn = 4;
        assertTrue(c.too_many_isolated(cc));
        assertEquals(SlowpathHooks.COMPACT_CONTENDED, c.compact_zone_round(cc, null));
        assertEquals(SlowpathHooks.COMPACT_CONTENDED, cc.result);
        assertEquals(0, cc.nr_migratepages);
        assertTrue(cc.migratepages.isEmpty());
        for (long pfn : new long[] {0, 1, 3}) {
            assertTrue(CompactionScannerTest.onLru(m, pfn), "put back: " + pfn);
            assertEquals(1, CompactionScannerTest.refs(m, pfn));
        }
        assertTrue(cc.moved.isEmpty());
        assertEquals(0, m.warnings().count(), m.warnings().messages().toString());
    }
}
