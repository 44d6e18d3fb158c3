package org.mmspec.reference.compaction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mmspec.reference.alloc.SlowpathHooks.COMPACT_CONTENDED;
import static org.mmspec.reference.alloc.SlowpathHooks.COMPACT_CONTINUE;
import static org.mmspec.reference.alloc.SlowpathHooks.COMPACT_PARTIAL_SKIPPED;
import static org.mmspec.reference.alloc.SlowpathHooks.COMPACT_SUCCESS;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.mmspec.reference.Machine;
import org.mmspec.reference.alloc.AllocFlags;
import org.mmspec.reference.alloc.Gfp;
import org.mmspec.reference.alloc.KnownBug;
import org.mmspec.reference.alloc.MigrateType;
import org.mmspec.reference.alloc.Watermarks;
import org.mmspec.reference.alloc.Zone;
import org.mmspec.reference.alloc.ZoneType;
import org.mmspec.reference.migrate.Contention;
import org.mmspec.reference.migrate.MigrateMode;

/**
 * mm/compaction.c (v6.18): the free scanner (isolate_freepages_block() in strict mode and at the
 * watermark, pageblock_pfn_to_page(), suitable_migration_target(), isolate_freepages()'s stop),
 * compaction_free(), compact_zone()'s prologue and loop, and kcompactd's zone loop and deferral.
 * Zones of 32 pages in pageblocks of four (CompactionScannerTest's pictures) unless said.
 */
class CompactionKillTest {

    static Machine cfg32(String pic) {
        return CompactionScannerTest.layout(CompactionScannerTest.cfg32(), pic);
    }

    static Zone zone(Machine m) {
        return m.zone(ZoneType.NORMAL);
    }

    static CompactControl kc(Machine m, MigrateMode mode) {
        return CompactionScannerTest.kcompactd(m, mode);
    }

    // ---------------------------------------------------------------- isolate_freepages_block()

    /**
     * isolate_freepages_block(..., strict) as isolate_freepages_range() (alloc_contig, CMA) uses
     * it: "if (strict) stride = 1;", a page that is not free ends the scan ("if (strict)
     * break;"), and "if (strict &amp;&amp; blockpfn &lt; end_pfn) total_isolated = 0;" - the range
     * was not wholly free. Block [8, 12) = K, free 9 (order 0), free 10-11 (order 1); block
     * [16, 20) = free 16, M, free 18-19. Strict on [9, 12) with stride 4 still looks at every
     * pfn: 3 pages; strict on [16, 20) isolates 16, stops at 17: returns 0, *start_pfn 17. The
     * same range not strict (enough folios wanted that it never stops early) takes all three.
     */
    @Test
    void strictIsolationTakesEveryPfnAndAllOrNothing() {
        String pic = "MMMM MMMM K... MMMM .M.. MMMM MMMM MMMM";
        Machine m = cfg32(pic);
        Compaction c = m.compaction();
        assertEquals(1, m.pageAlloc().buddy_order(m.mem().idx(10)), "set-up");
        CompactControl cc = kc(m, MigrateMode.MIGRATE_SYNC);
        long[] start = {9};
        assertEquals(3, c.isolate_freepages_block(cc, start, 12, cc.freepages, 4, true));
        assertEquals(12, start[0]);
        assertEquals(List.of(9L), new ArrayList<>(cc.freepages.get(0)));
        assertEquals(List.of(10L), new ArrayList<>(cc.freepages.get(1)));
        assertEquals(3, cc.nr_freepages);
        long[] start2 = {16};
        assertEquals(0, c.isolate_freepages_block(cc, start2, 20, cc.freepages, 1, true));
        assertEquals(17, start2[0], "stopped at the first page that is not free");
        assertEquals(List.of(9L, 16L), new ArrayList<>(cc.freepages.get(0)), "16 was taken; the caller gives it back");
        assertEquals(4, cc.nr_freepages);
        c.release_free_list(cc.freepages);

        Machine n = cfg32(pic);
        CompactControl nc = kc(n, MigrateMode.MIGRATE_SYNC);
        nc.nr_migratepages = 10;
        long[] s = {16};
        assertEquals(3, n.compaction().isolate_freepages_block(nc, s, 20, nc.freepages, 1, false));
        assertEquals(20, s[0]);
        n.compaction().release_free_list(nc.freepages);
    }

    /**
     * isolate_freepages_block(): __isolate_free_page() refuses a page when the zone would fall
     * below its min watermark ("if (!isolated) break;"), ending the scan at that pfn; the model
     * counts the refusal. Free page 9, min watermark raised to 100.
     */
    @Test
    void theWatermarkRefusalEndsTheFreeScan() {
        Machine m = cfg32(CompactionScannerTest.FREE6);
        Compaction c = m.compaction();
        zone(m).watermark[Watermarks.WMARK_MIN] = 100;
        CompactControl cc = kc(m, MigrateMode.MIGRATE_SYNC_LIGHT);
        cc.nr_migratepages = 4;
        long[] start = {8};
        assertEquals(0, c.isolate_freepages_block(cc, start, 12, cc.freepages, 1, false));
        assertEquals(9, start[0]);
        assertEquals(1, c.events.freeIsolateWatermarkFailures);
        assertEquals(2, cc.total_free_scanned);
        assertEquals(0, cc.nr_freepages);
        assertTrue(m.mem().pageBuddy(m.mem().idx(9)), "still free");
    }

    // ---------------------------------------------------------------- pageblock_pfn_to_page()

    /**
     * pageblock_pfn_to_page(): NULL when the range's first page is not online or not in the zone,
     * or its last page is in another zone (page_zone_id() differs). DMA [0, 16), NORMAL [16, 32).
     */
    @Test
    void pageblockPfnToPageRefusesRangesLeavingTheZone() {
        Machine m = new Machine(CompactControlTest.twoZones());
        m.enableCompaction();
        Compaction c = m.compaction();
        Zone dma = m.zone(ZoneType.DMA);
        Zone normal = m.zone(ZoneType.NORMAL);
        assertEquals(16, c.pageblock_pfn_to_page(16, 20, normal));
        assertEquals(12, c.pageblock_pfn_to_page(12, 16, dma));
        assertEquals(-1, c.pageblock_pfn_to_page(12, 20, dma), "the last page is NORMAL's");
        assertEquals(-1, c.pageblock_pfn_to_page(12, 20, normal), "the first page is DMA's");
        assertEquals(-1, c.pageblock_pfn_to_page(12, 16, normal));
        assertEquals(-1, c.pageblock_pfn_to_page(28, 36, normal), "no struct page past the node");
        assertEquals(-1, c.pageblock_pfn_to_page(40, 44, normal));
    }

    // ---------------------------------------------------------------- suitable_migration_target()

    /**
     * suitable_migration_target(): a block whose first page is a free block of order &gt;=
     * (cc-&gt;order &gt; 0 ? cc-&gt;order : pageblock_order) is no target. Block 4 starts with a
     * free order-1 block, block 12 is one free order-2 block (pageblock_order 2): for order 1,
     * block 4 is refused; for order 2, 0 and -1 (pageblock_order) it is a target; block 12 is
     * refused for order -1 and 0.
     */
    @Test
    void aLargeFreeBlockAtTheStartIsNoTargetForTheOrder() {
        Machine m = cfg32("MMMM ..MM MMMM .... MMMM MMMM MMMM MMMM");
        Compaction c = m.compaction();
        Zone z = zone(m);
        assertEquals(1, m.pageAlloc().buddy_order(m.mem().idx(4)), "set-up");
        assertEquals(2, m.pageAlloc().buddy_order(m.mem().idx(12)), "set-up");
        assertFalse(c.suitable_migration_target(c.newControl(z, 1, MigrateMode.MIGRATE_SYNC_LIGHT), 4));
        assertTrue(c.suitable_migration_target(c.newControl(z, 2, MigrateMode.MIGRATE_SYNC_LIGHT), 4));
        assertTrue(c.suitable_migration_target(c.newControl(z, 0, MigrateMode.MIGRATE_SYNC_LIGHT), 4),
                "order 0 uses pageblock_order");
        assertTrue(c.suitable_migration_target(c.newControl(z, -1, MigrateMode.MIGRATE_SYNC), 4));
        assertFalse(c.suitable_migration_target(c.newControl(z, -1, MigrateMode.MIGRATE_SYNC), 12));
        assertFalse(c.suitable_migration_target(c.newControl(z, 0, MigrateMode.MIGRATE_SYNC_LIGHT), 12));
        assertTrue(c.suitable_migration_target(c.newControl(z, 3, MigrateMode.MIGRATE_SYNC_LIGHT), 12));
    }

    /**
     * suitable_migration_target(): "if (cc-&gt;ignore_block_suitable) return true;" else only
     * is_migrate_movable() blocks (MOVABLE, CMA). An UNMOVABLE pageblock (claimed by a kernel
     * allocation) is a target only when block suitability is ignored.
     */
    @Test
    void anUnmovableBlockIsATargetOnlyWhenSuitabilityIsIgnored() {
        Machine m = CompactionTest.machine(CompactionPolicyTest.withCma());
        Zone z = zone(m);
        assertTrue(m.allocPages(Gfp.GFP_KERNEL & ~Gfp.__GFP_DIRECT_RECLAIM, 0) >= 0, "set-up: claims pageblocks");
        long u = -1;
        for (long pfn = 0; pfn < 64 && u < 0; pfn += 4) if (z.pageblockMigratetype(pfn) == MigrateType.MIGRATE_UNMOVABLE) u = pfn;
        assertTrue(u >= 0, "set-up");
        Compaction c = m.compaction();
        CompactControl cc = c.newControl(z, 4, MigrateMode.MIGRATE_SYNC_LIGHT);
        assertFalse(c.suitable_migration_target(cc, u));
        CompactControl ignore = new CompactControl(z, 4, Gfp.GFP_HIGHUSER_MOVABLE, 0, z.idx, MigrateMode.MIGRATE_SYNC_LIGHT, true,
                true, true, false, false, m.pageAlloc().MAX_PAGE_ORDER + 1); // compact_zone_order() at MIN_COMPACT_PRIORITY
        assertTrue(ignore.ignore_block_suitable, "set-up");
        assertTrue(c.suitable_migration_target(ignore, u));
    }

    // ---------------------------------------------------------------- isolate_freepages()

    /**
     * isolate_freepages(): "if (cc-&gt;nr_freepages &gt;= cc-&gt;nr_migratepages)" stops the scan
     * as soon as there are as many free pages as folios, and when the block was scanned to its
     * end restarts at the previous pageblock. One folio; free pages at 31 and 25: block 28 gives
     * 31 and ends at 32 = block end (skip bit, cached free pfn 24); 1 &gt;= 1, so free_pfn = 24
     * and block 24 is not scanned.
     */
    @Test
    void theFreeScannerStopsWhenItHasExactlyEnough() {
        Machine m = cfg32("MMMM MMMM MMMM MMMM MMMM MMMM M.MM MMM.");
        Compaction c = m.compaction();
        Zone z = zone(m);
        z.compactCachedFreePfn = 28;
        CompactControl cc = kc(m, MigrateMode.MIGRATE_SYNC_LIGHT);
        cc.migrate_pfn = 0;
        cc.free_pfn = 28;
        cc.nr_migratepages = 1;
        c.isolate_freepages(cc);
        assertEquals(24, cc.free_pfn);
        assertEquals(1, cc.nr_freepages);
        assertEquals(List.of(31L), new ArrayList<>(cc.freepages.get(0)));
        assertEquals(4, cc.total_free_scanned);
        assertTrue(m.mem().pageBuddy(m.mem().idx(25)), "block 24 not scanned");
        assertEquals(24, z.compactCachedFreePfn);
        c.release_free_list(cc.freepages);
    }

    // ---------------------------------------------------------------- compaction_alloc() / compaction_free()

    /**
     * compaction_free(): "if (folio_put_testzero(dst)) { ...; list_add(); cc-&gt;nr_freepages +=
     * 1 &lt;&lt; order; } cc-&gt;nr_migratepages += 1 &lt;&lt; order;" - the destination goes back
     * to the head of freepages[0] and both counters compaction_alloc() lowered are raised again;
     * a destination someone else holds is not taken back, but the folio is still counted.
     */
    @Test
    void compactionFreeUndoesCompactionAlloc() {
        Machine m = cfg32(CompactionScannerTest.FREE6);
        Compaction c = m.compaction();
        CompactControl cc = kc(m, MigrateMode.MIGRATE_SYNC_LIGHT);
        cc.migrate_pfn = 0;
        cc.free_pfn = 28;
        cc.nr_migratepages = 2;
        long dst = c.compaction_alloc(cc, 0);
        assertEquals(30, dst);
        assertEquals(1, cc.nr_freepages);
        assertEquals(1, cc.nr_migratepages);
        c.compaction_free(cc, dst);
        assertEquals(2, cc.nr_freepages);
        assertEquals(2, cc.nr_migratepages);
        assertEquals(List.of(30L, 25L), new ArrayList<>(cc.freepages.get(0)));
        long dst2 = c.compaction_alloc(cc, 0);
        assertEquals(30, dst2);
        m.mem().refcount[m.mem().idx(dst2)]++; // another reference
        c.compaction_free(cc, dst2);
        assertEquals(1, cc.nr_freepages, "not taken back");
        assertEquals(2, cc.nr_migratepages);
        assertEquals(List.of(25L), new ArrayList<>(cc.freepages.get(0)));
        c.release_free_list(cc.freepages);
    }

    /** NR_ISOLATED_ANON + NR_ISOLATED_FILE: with no run given, only the migrations in flight (none). */
    @Test
    void nrIsolatedWithoutARun() {
        Machine m = cfg32(CompactionScannerTest.FREE6);
        assertEquals(0, m.compaction().nr_isolated(null));
        CompactControl cc = kc(m, MigrateMode.MIGRATE_SYNC_LIGHT);
        m.compaction().isolate_migratepages_block(cc, 0, 4, Compaction.ISOLATE_UNEVICTABLE);
        assertEquals(4, m.compaction().nr_isolated(cc));
        assertEquals(0, m.compaction().nr_isolated(null));
        CompactionScannerTest.migrateBack(m, cc);
    }

    // ---------------------------------------------------------------- compact_zone()

    /**
     * compact_zone(): the counters and lists are initialised ("INIT_LIST_HEAD(&amp;cc-&gt;freepages[order]);
     * INIT_LIST_HEAD(&amp;cc-&gt;migratepages);") before "if (!is_via_compact_memory(cc-&gt;order))"
     * asks compaction_suit_allocation_order(), which returns COMPACT_SUCCESS here (free order-2
     * blocks): the run ends before the scanners are placed (no round-0 observation, free_pfn
     * untouched).
     */
    @Test
    void anOrderRunTheAllocationWouldAlreadySatisfyEndsBeforePlacingTheScanners() {
        Machine m = cfg32("MMMM MMMM MMMM MMMM .... .... .... ....");
        Compaction c = m.compaction();
        Zone z = zone(m);
        List<CompactControl> seen = CompactionDirectTest.observeRuns(c);
        CompactControl cc = c.newControl(z, 2, MigrateMode.MIGRATE_SYNC_LIGHT);
        cc.migratepages.add(5L);
        cc.freepages.get(0).add(9L);
        cc.nr_migratepages = 1;
        cc.free_pfn = 7;
        assertEquals(COMPACT_SUCCESS, c.compact_zone_begin(cc));
        assertTrue(cc.migratepages.isEmpty());
        assertTrue(cc.freepages.get(0).isEmpty());
        assertEquals(0, cc.nr_migratepages);
        assertEquals(7, cc.free_pfn, "not placed");
        assertTrue(seen.isEmpty());
        assertEquals(1, c.events.results[COMPACT_SUCCESS]);
    }

    /**
     * compact_zone() passes "cc-&gt;mode == MIGRATE_ASYNC" to compaction_suit_allocation_order(),
     * which for a costly order without ALLOC_CMA first checks the order-0 watermark plus
     * compact_gap() without the free CMA pages. Only the CMA half of the zone is free (four free
     * order-4 CMA blocks): an async direct run for order 4 (a movable request without
     * ALLOC_CMA) is COMPACT_SKIPPED at once; the same run in MIGRATE_SYNC_LIGHT passes
     * (compaction_suitable() counts CMA) and its first compact_finished() reports COMPACT_SUCCESS
     * ("MIGRATE_MOVABLE can fallback on MIGRATE_CMA").
     */
    @Test
    void anAsyncCostlyRunIsSkippedWhenOnlyCmaIsFree() {
        Machine m = CompactionPolicyTest.cmaWithFree();
        Compaction c = m.compaction();
        Zone z = zone(m);
        c.reset_cached_positions(z); // the free scanner starts at the zone's top, as after an earlier run
        CompactControl async = new CompactControl(z, 4, Gfp.GFP_HIGHUSER_MOVABLE, 0, z.idx, MigrateMode.MIGRATE_ASYNC, false,
                false, true, false, false, m.pageAlloc().MAX_PAGE_ORDER + 1);
        assertEquals(org.mmspec.reference.alloc.SlowpathHooks.COMPACT_SKIPPED, c.compact_zone_begin(async));
        CompactControl sync = new CompactControl(z, 4, Gfp.GFP_HIGHUSER_MOVABLE, 0, z.idx, MigrateMode.MIGRATE_SYNC_LIGHT, false,
                false, true, false, false, m.pageAlloc().MAX_PAGE_ORDER + 1);
        assertEquals(COMPACT_SUCCESS, c.compact_zone_begin(sync), "past the suitability check, compact_finished() finds the free CMA block");
    }

    /**
     * compact_zone(): free pages isolated in one round stay on cc-&gt;freepages for the next
     * ("compaction_alloc() ... isolate_freepages() once the lists are empty"). compact_memory on
     * M K K K | M K K K | K . K . | K . K . | K... | M M free(order 1 at 30) (the single free
     * pages keep the zone above __isolate_free_page()'s min watermark + 2 for the order-1 block,
     * and are never reached by the free scanner here): round 1 isolates folio 0, the free
     * scanner takes the order-1 block at 30 (two pages for one folio), 0 moves to 30 and 31 stays
     * listed; round 2 moves folio 4 to 31 without scanning for free pages. The model's per-round
     * record of isolated free blocks is then empty.
     */
    @Test
    void aRoundUsingFreePagesLeftByTheLastIsolatesNone() {
        Machine m = cfg32("MKKK MKKK K.K. K.K. KKKK KKKK KKKK MM..");
        Compaction c = m.compaction();
        Zone z = zone(m);
        assertEquals(COMPACT_CONTINUE, c.startRun(z, -1, MigrateMode.MIGRATE_SYNC));
        CompactControl cc = c.current();
        assertEquals(COMPACT_CONTINUE, c.stepRun(Contention.NONE));
        assertEquals(List.of(List.of(0L, 30L)), CompactionScannerTest.moved(cc));
        assertEquals(1, cc.freeIsolatedThisRound.size());
        assertEquals(List.of(30L, 1L), List.of(cc.freeIsolatedThisRound.get(0)[0], cc.freeIsolatedThisRound.get(0)[1]));
        assertEquals(List.of(31L), new ArrayList<>(cc.freepages.get(0)));
        assertEquals(COMPACT_CONTINUE, c.stepRun(Contention.NONE));
        assertEquals(List.of(List.of(4L, 31L)), CompactionScannerTest.moved(cc));
        assertTrue(cc.freeIsolatedThisRound.isEmpty());
    }

    /**
     * compact_zone(): "update_cached = !sync &amp;&amp; compact_cached_migrate_pfn[0] ==
     * compact_cached_migrate_pfn[1]"; on ISOLATE_NONE "if (update_cached)
     * compact_cached_migrate_pfn[1] = compact_cached_migrate_pfn[0]". An async order-2 run over
     * K K K K: update_cached_migrate() (async) raises [0] to 8 and ISOLATE_NONE copies it to [1].
     * Started with [0] 4 != [1] 0, the round over block 4 raises [0] to 12 and leaves [1] at 0.
     */
    @Test
    void anAsyncRunThatIsolatesNothingSyncsTheSyncCachedPfnOnlyIfTheyWereEqual() {
        String pic = "KKKK KKKK M.M. M.M. M.M. M.M. M.M. M.M.";
        Machine m = cfg32(pic);
        Compaction c = m.compaction();
        Zone z = zone(m);
        c.reset_cached_positions(z);
        assertEquals(COMPACT_CONTINUE, c.startRun(z, 2, MigrateMode.MIGRATE_ASYNC));
        assertTrue(c.current().update_cached);
        assertEquals(COMPACT_CONTINUE, c.stepRun(Contention.NONE));
        assertEquals(8, z.compactCachedMigratePfn[0]);
        assertEquals(8, z.compactCachedMigratePfn[1]);

        Machine n = cfg32(pic);
        Compaction cn = n.compaction();
        Zone zn = zone(n);
        cn.reset_cached_positions(zn);
        zn.compactCachedMigratePfn[0] = 4;
        assertEquals(COMPACT_CONTINUE, cn.startRun(zn, 2, MigrateMode.MIGRATE_ASYNC));
        assertFalse(cn.current().update_cached);
        assertEquals(COMPACT_CONTINUE, cn.stepRun(Contention.NONE));
        assertEquals(12, zn.compactCachedMigratePfn[0]);
        assertEquals(0, zn.compactCachedMigratePfn[1]);
    }

    /**
     * compact_zone(): after a failed migrate_pages() the rest of the pageblock is rescanned only
     * "if (!pageblock_aligned(cc-&gt;migrate_pfn) &amp;&amp; !cc-&gt;ignore_skip_hint &amp;&amp;
     * !cc-&gt;finish_pageblock &amp;&amp; (cc-&gt;mode &lt; MIGRATE_SYNC))" - never in MIGRATE_SYNC.
     * Pageblocks of 64: block 1 holds 64 folios, block 2 (the free scanner's) 10 free pages;
     * block 0's 32 single free pages keep __isolate_free_page() above the min watermark. A
     * kcompactd-like MIGRATE_SYNC run of order 1 starts at the cached pfn 64 (not block 0, so
     * finish_pageblock is clear): the COMPACT_CLUSTER_MAX cut stops isolation at 96, inside the
     * block; 10 folios get the 10 free pages, then compaction_alloc() finds none (-ENOMEM) with
     * the scanners met (free_pfn 64, migrate_pfn 96: the same pageblock), so no
     * COMPACT_CONTENDED, and no rescan in MIGRATE_SYNC: the run ends COMPACT_PARTIAL_SKIPPED.
     */
    @Test
    void aSyncRunDoesNotRescanThePageblockAfterAFailure() {
        String block2 = "M".repeat(44) + "M.".repeat(10);
        Machine m = KillFixture.layoutAt(KillFixture.zoneAt(6, 6, 0, 192), "M.".repeat(32) + "M".repeat(64) + block2);
        Compaction c = m.compaction();
        Zone z = zone(m);
        assertEquals(42, z.nrFreePages, "set-up");
        z.compactCachedMigratePfn[0] = 64;
        z.compactCachedMigratePfn[1] = 64;
        z.compactCachedFreePfn = 128;
        assertEquals(COMPACT_CONTINUE, c.startRun(z, 1, MigrateMode.MIGRATE_SYNC));
        CompactControl cc = c.current();
        assertFalse(cc.whole_zone);
        assertEquals(64, cc.migrate_pfn);
        assertEquals(COMPACT_PARTIAL_SKIPPED, c.stepRun(Contention.NONE));
        assertEquals(0, c.events.rescans);
        assertEquals(10, cc.moved.size());
        assertEquals(96, cc.migrate_pfn);
        assertEquals(64, cc.free_pfn);
        assertEquals(95, cc.moved.get(0)[0], "migrate_pages() takes the list head (the last isolated) first");
        assertTrue(KillFixture.onLru(m, 64), "the folios without a destination are back");
        assertTrue(KillFixture.onLru(m, 96), "never isolated");
    }

    /**
     * The model's compact_zone() stops a run that would loop for ever (KnownBug.SCANNERS_MET:
     * the raw-pfn comparison) and returns COMPACT_CONTINUE, recording the livelock.
     */
    @Test
    void aLivelockedRunReturnsContinue() {
        Machine m = CompactionTest.midBlockStop(CompactionTest.tiny().withKnownBugs(List.of(KnownBug.SCANNERS_MET.bugName())));
        Compaction c = m.compaction();
        CompactControl cc = c.newControl(m.zone(ZoneType.NORMAL), -1, MigrateMode.MIGRATE_SYNC);
        assertEquals(COMPACT_CONTINUE, c.compact_zone(cc, null));
        assertEquals(1, c.events.livelocks);
    }

    /**
     * The compact_control of kcompactd_do_work() (order, alloc_flags ALLOC_WMARK_MIN,
     * highest_zoneidx) and of compact_node() (order -1, highest_zoneidx left 0); and the model's
     * state fingerprint tells a stepped run's positions apart.
     */
    @Test
    void newControlAndTheFingerprintOfARun() {
        Machine m = new Machine(CompactControlTest.twoZones());
        m.enableCompaction();
        Compaction c = m.compaction();
        Zone normal = m.zone(ZoneType.NORMAL);
        CompactControl k = c.newControl(normal, 2, MigrateMode.MIGRATE_SYNC_LIGHT);
        assertEquals(List.of(2, AllocFlags.ALLOC_WMARK_MIN, 2), List.of(k.order, k.alloc_flags, k.highest_zoneidx));
        CompactControl w = c.newControl(normal, -1, MigrateMode.MIGRATE_SYNC);
        assertEquals(List.of(-1, 0, 0), List.of(w.order, w.alloc_flags, w.highest_zoneidx));

        Machine r = cfg32("MKKK MKKK K.K. K.K. KKKK KKKK KKKK MM..");
        Compaction rc = r.compaction();
        long idle = rc.fingerprint();
        rc.startRun(zone(r), -1, MigrateMode.MIGRATE_SYNC);
        long started = rc.fingerprint();
        rc.stepRun(Contention.NONE);
        long one = rc.fingerprint();
        rc.stepRun(Contention.NONE);
        long two = rc.fingerprint();
        assertEquals(4, List.of(idle, started, one, two).stream().distinct().count());
        assertNotEquals(idle, started);
    }

    // ---------------------------------------------------------------- kcompactd

    /** DMA [0, 16) full; NORMAL [16, 32) with eight single free pages: order 1 is worth compacting there only. */
    static Machine normalFragmented() {
        return CompactionPolicyTest.withFree(CompactControlTest.twoZones(), 16, 18, 20, 22, 24, 26, 28, 30);
    }

    /**
     * kcompactd_node_suitable() and kcompactd_do_work(): "for (zoneid = 0; zoneid &lt;=
     * highest_zoneidx; zoneid++)" - the requested highest zone itself (NORMAL, index 2) is
     * considered and compacted.
     */
    @Test
    void kcompactdConsidersTheHighestRequestedZoneItself() {
        Machine m = normalFragmented();
        Compaction c = m.compaction();
        assertEquals(2, m.zone(ZoneType.NORMAL).idx);
        m.node().kcompactdMaxOrder = 1;
        m.node().kcompactdHighestZoneidx = 2;
        assertTrue(c.kcompactd_node_suitable());
        m.node().kcompactdHighestZoneidx = 1;
        assertFalse(c.kcompactd_node_suitable(), "DMA has nothing free");
        m.node().kcompactdMaxOrder = 0;
        m.node().kcompactdHighestZoneidx = 2;
        List<CompactControl> runs = CompactionDirectTest.observeRuns(c);
        c.wakeup_kcompactd(1, 2);
        c.kcompactd_do_work();
        assertEquals(List.of(2), runs.stream().map(x -> x.zone.idx).toList());
    }

    /**
     * kcompactd_do_work(): only "status == COMPACT_PARTIAL_SKIPPED || status == COMPACT_COMPLETE"
     * defers the zone; a run ending COMPACT_CONTENDED (migrate_pages() -ENOMEM with the scanners
     * apart: the min watermark is raised once the scanners are placed, so __isolate_free_page()
     * refuses every free page) neither defers nor resets.
     */
    @Test
    void aContendedKcompactdRunDoesNotDefer() {
        Machine m = cfg32("M.M. M.M. M.M. M.M. M.M. M.M. M.M. M.M.");
        Compaction c = m.compaction();
        Zone z = zone(m);
        z.compactCachedFreePfn = 28;
        c.setRoundObserver(cc -> {
            if (cc.rounds == 0) z.watermark[Watermarks.WMARK_MIN] = 100;
        });
        int orderFailed = z.compactOrderFailed;
        c.wakeup_kcompactd(1, z.idx);
        c.kcompactd_do_work();
        assertEquals(1, c.events.runs);
        assertEquals(1, c.events.results[COMPACT_CONTENDED]);
        assertEquals(0, z.compactDeferShift);
        assertEquals(orderFailed, z.compactOrderFailed);
    }
}
