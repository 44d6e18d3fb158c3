package org.mmspec.reference.compaction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.mmspec.reference.Machine;
import org.mmspec.reference.alloc.Gfp;
import org.mmspec.reference.alloc.MigrateType;
import org.mmspec.reference.alloc.Zone;
import org.mmspec.reference.alloc.ZoneType;
import org.mmspec.reference.migrate.MigrateMode;
import org.mmspec.reference.page.PageFlags;

/**
 * mm/compaction.c (v6.18) isolate_migratepages_block(), isolate_migratepages() and
 * suitable_migration_source(): the free-block step, skip_on_failure's order-aligned chunks, the
 * COMPACT_CLUSTER_MAX cut, the end-of-block skip/cached-pfn update under finish_pageblock, and a
 * zone whose first pfn is not pageblock-aligned. Expected values derived from the kernel source
 * (the derivations are in the comments).
 */
class IsolateMigrateBlockKillTest {
    static final int MODE = Compaction.ISOLATE_UNEVICTABLE | Compaction.ISOLATE_ASYNC_MIGRATE;

    static Machine cfg32(String pic) {
        return CompactionScannerTest.layout(CompactionScannerTest.cfg32(), pic);
    }

    static Zone zone(Machine m) {
        return m.zone(ZoneType.NORMAL);
    }

    /**
     * isolate_migratepages_block(): a free block is stepped over by "low_pfn += (1UL &lt;&lt;
     * freepage_order) - 1" (then the loop's ++), so the folios right after it are scanned; and
     * with skip_on_failure, reaching next_skip_pfn with nothing isolated ("if (nr_isolated)
     * break;" not taken) just moves next_skip_pfn on. Block [4, 8) = free order-1 block at 4, M,
     * M; async direct compaction of order 1: next_skip_pfn = block_end_pfn(4, 1) = 6. 4 is
     * PageBuddy: low_pfn 5, nr_scanned 2; at 6 &gt;= 6 with nr_isolated 0: next_skip_pfn 8; 6
     * and 7 are isolated. migrate_pfn 8, 4 scanned. The same block for kcompactd (no
     * skip_on_failure) isolates the same two.
     */
    @Test
    void theFolioRightAfterAFreeBlockIsScanned() {
        Machine m = cfg32("MMMM ..MM MMMM MMMM MMMM MMMM MMMM MMMM");
        assertTrue(m.mem().pageBuddy(m.mem().idx(4)) && m.pageAlloc().buddy_order(m.mem().idx(4)) == 1, "set-up");
        CompactControl cc = CompactionScannerTest.direct(m, 1, MigrateMode.MIGRATE_ASYNC);
        assertEquals(0, m.compaction().isolate_migratepages_block(cc, 4, 8, MODE));
        assertEquals(List.of(7L, 6L), cc.migratepages);
        assertEquals(2, cc.nr_migratepages);
        assertEquals(8, cc.migrate_pfn);
        assertEquals(4, cc.total_migrate_scanned);
        assertEquals(0, m.compaction().events.skipOnFailure);
        CompactionScannerTest.migrateBack(m, cc);

        Machine k = cfg32("MMMM ..MM MMMM MMMM MMMM MMMM MMMM MMMM");
        CompactControl kc = CompactionScannerTest.kcompactd(k, MigrateMode.MIGRATE_SYNC_LIGHT);
        k.compaction().isolate_migratepages_block(kc, 4, 8, MODE);
        assertEquals(List.of(7L, 6L), kc.migratepages);
        assertEquals(4, kc.total_migrate_scanned);
    }

    /**
     * isolate_migratepages_block(): a page that is not on the LRU (and not a movable_ops page)
     * goes to isolate_fail before folio_get_nontail_page() and the pin check: K pages at 4 and 5
     * are neither referenced by the scan nor counted as pinned.
     */
    @Test
    void aPageOffTheLruIsNotTakenForAPinnedFolio() {
        Machine m = cfg32("MMMM KKMM MMMM MMMM MMMM MMMM MMMM MMMM");
        CompactControl cc = CompactionScannerTest.kcompactd(m, MigrateMode.MIGRATE_SYNC_LIGHT);
        m.compaction().isolate_migratepages_block(cc, 4, 8, MODE);
        assertEquals(List.of(7L, 6L), cc.migratepages);
        assertEquals(0, m.compaction().events.pinnedSkipped);
        assertEquals(1, CompactionScannerTest.refs(m, 4));
        assertEquals(1, CompactionScannerTest.refs(m, 5));
        CompactionScannerTest.migrateBack(m, cc);
    }

    /**
     * A folio in the swap cache (PG_swapcache and the cache's reference, set by hand as
     * swap_cache_add_folio() leaves them). In
     * the kernel folio_mapping() is then the swap address space, so the anonymous pin check
     * ("!mapping &amp;&amp; folio_ref_count() - 1 &gt; folio_mapcount()") does not apply to it and
     * it migrates through __folio_migrate_mapping(); the model moves anonymous folios without a
     * mapping only (its documented limit, Compaction's class comment), so it leaves the folio
     * where it is and counts it as unmodelled - not as pinned, although its extra reference
     * would look like a pin.
     */
    @Test
    void aSwapCacheFolioIsLeftAsUnmodelledNotAsPinned() {
        Machine m = cfg32("MMMM MMMM MMMM MMMM .... .... .... ....");
        int p5 = m.mem().idx(5);
        // swap_cache_add_folio() as folio_alloc_swap() calls it (mm/swap_state.c): PG_swapcache and a reference
        m.mem().flags[p5] |= PageFlags.PG_swapcache;
        m.mem().refcount[p5]++;
        assertEquals(2, m.mem().refcount[p5], "set-up: the mapping's and the swap cache's");
        CompactControl cc = CompactionScannerTest.kcompactd(m, MigrateMode.MIGRATE_SYNC_LIGHT);
        m.compaction().isolate_migratepages_block(cc, 4, 8, MODE);
        assertEquals(List.of(7L, 6L, 4L), cc.migratepages);
        assertEquals(1, m.compaction().events.unmodelledSkipped);
        assertEquals(0, m.compaction().events.pinnedSkipped);
        assertEquals(2, m.mem().refcount[p5]);
        assertTrue(KillFixture.onLru(m, 5));
        CompactionScannerTest.migrateBack(m, cc);
    }

    /** One zone of 128 pages in a single... two pageblocks of 64 (MAX_PAGE_ORDER 6), every page an LRU folio. */
    static Machine big() {
        return KillFixture.layoutAt(KillFixture.zoneAt(6, 6, 0, 128), "M".repeat(128));
    }

    /**
     * isolate_migratepages_block(): "if (cc-&gt;nr_migratepages &gt;= COMPACT_CLUSTER_MAX &amp;&amp;
     * !cc-&gt;finish_pageblock &amp;&amp; !cc-&gt;contended) { ++low_pfn; break; }". A pageblock
     * of 64 LRU folios: the 32nd isolation (pfn 31) stops the scan with low_pfn 32, so
     * migrate_pfn 32, 32 scanned, and no end-of-block update (low_pfn != end_pfn). With
     * finish_pageblock set, or cc-&gt;contended, the whole block is isolated (64 folios,
     * migrate_pfn 64); under finish_pageblock the block end then updates the cached migrate pfns
     * to pageblock_end_pfn(64) = 128 even though folios were isolated ("!nr_isolated ||
     * cc-&gt;finish_pageblock"); a contended scan does not.
     */
    @Test
    void theScanStopsAtCompactClusterMaxUnlessFinishingThePageblockOrContended() {
        Machine m = big();
        Zone z = zone(m);
        CompactControl cc = m.compaction().newControl(z, 2, MigrateMode.MIGRATE_SYNC_LIGHT);
        assertEquals(0, m.compaction().isolate_migratepages_block(cc, 0, 64, MODE));
        assertEquals(32, cc.nr_migratepages);
        assertEquals(31L, cc.migratepages.get(0));
        assertEquals(32, cc.migrate_pfn);
        assertEquals(32, cc.total_migrate_scanned);
        assertTrue(KillFixture.onLru(m, 32));
        assertEquals(0, z.compactCachedMigratePfn[0]);
        assertEquals(0, z.compactCachedMigratePfn[1]);
        CompactionScannerTest.migrateBack(m, cc);

        Machine f = big();
        Zone zf = zone(f);
        CompactControl fin = f.compaction().newControl(zf, 2, MigrateMode.MIGRATE_SYNC_LIGHT);
        fin.finish_pageblock = true;
        f.compaction().isolate_migratepages_block(fin, 0, 64, MODE);
        assertEquals(64, fin.nr_migratepages);
        assertEquals(64, fin.migrate_pfn);
        assertEquals(128, zf.compactCachedMigratePfn[0], "update_cached_migrate(cc, 64)");
        assertEquals(128, zf.compactCachedMigratePfn[1]);
        assertEquals(List.of(true, false), List.of(zf.pageblockSkip(0), zf.pageblockSkip(64)),
                "the bit came from test_and_set_skip() at the first isolation");
        CompactionScannerTest.migrateBack(f, fin);

        Machine c = big();
        Zone zc = zone(c);
        CompactControl con = c.compaction().newControl(zc, 2, MigrateMode.MIGRATE_SYNC_LIGHT);
        con.contended = true;
        c.compaction().isolate_migratepages_block(con, 0, 64, MODE);
        assertEquals(64, con.nr_migratepages);
        assertEquals(64, con.migrate_pfn);
        assertEquals(0, zc.compactCachedMigratePfn[0], "folios isolated, not finishing: no update");
        CompactionScannerTest.migrateBack(c, con);
    }

    /**
     * The same end-of-block rule on a small block: kcompactd's scan of [4, 8) with
     * finish_pageblock set isolates all four folios and still calls update_cached_migrate(8):
     * both cached migrate pfns (sync light) become pageblock_end_pfn(8) = 12.
     */
    @Test
    void finishingThePageblockUpdatesTheCachedPfnsAfterIsolating() {
        Machine m = cfg32("MMMM MMMM MMMM MMMM .... .... .... ....");
        Zone z = zone(m);
        CompactControl cc = CompactionScannerTest.kcompactd(m, MigrateMode.MIGRATE_SYNC_LIGHT);
        cc.finish_pageblock = true;
        m.compaction().isolate_migratepages_block(cc, 4, 8, MODE);
        assertEquals(List.of(7L, 6L, 5L, 4L), cc.migratepages);
        assertEquals(12, z.compactCachedMigratePfn[0]);
        assertEquals(12, z.compactCachedMigratePfn[1]);
        CompactionScannerTest.migrateBack(m, cc);
    }

    /**
     * isolate_migratepages_block() when earlier folios are already on cc-&gt;migratepages (its
     * caller isolates block after block, as isolate_migratepages_range() does): with
     * skip_on_failure a failure puts the list back only "if (nr_isolated)", the folios isolated
     * by this call. Async direct, order 1, GFP_NOFS (too_many_isolated() then allows half the
     * LRU). Call 1 on [0, 4): 0 and 1 isolated, stop at next_skip_pfn 2. Call 2 on [4, 8) = P M
     * M M: the pinned 4 fails with nothing isolated in this call, so 0 and 1 stay isolated; 5 is
     * given up with 4's chunk; 6 and 7 isolated.
     */
    @Test
    void aFailureOnlyPutsBackWhatThisCallIsolated() {
        Machine m = cfg32("MMMM PMMM MMMM MMMM MMMM MMMM MMMM MMMM");
        Zone z = zone(m);
        CompactControl cc = new CompactControl(z, 1, Gfp.GFP_NOFS, 0, z.idx, MigrateMode.MIGRATE_ASYNC, false, false, true,
                false, false, m.pageAlloc().MAX_PAGE_ORDER + 1);
        cc.migratetype = MigrateType.MIGRATE_MOVABLE;
        Compaction c = m.compaction();
        assertEquals(0, c.isolate_migratepages_block(cc, 0, 4, MODE));
        assertEquals(List.of(1L, 0L), cc.migratepages);
        assertEquals(2, cc.migrate_pfn);
        assertEquals(0, c.isolate_migratepages_block(cc, 4, 8, MODE));
        assertEquals(List.of(7L, 6L, 1L, 0L), cc.migratepages);
        assertEquals(4, cc.nr_migratepages);
        assertFalse(KillFixture.onLru(m, 0));
        assertEquals(1, c.events.skipOnFailure);
        CompactionScannerTest.migrateBack(m, cc);
    }

    /**
     * isolate_migratepages_block(): "if (!isolation_suitable(cc, page)) { low_pfn = end_pfn;
     * goto isolate_abort; }" at the block's first pfn - before looking at any page. Block
     * [4, 8) = K K M M with its skip bit set: one pfn scanned, nothing isolated, and no reference
     * taken on the folios further in (the later test_and_set_skip() would catch the bit too, but
     * only after scanning up to the first LRU folio).
     */
    @Test
    void aSkippedBlockIsAbandonedBeforeItsFirstPageIsLookedAt() {
        Machine m = cfg32("MMMM KKMM MMMM MMMM .... .... .... ....");
        Zone z = zone(m);
        z.setPageblockSkip(4, true);
        CompactControl cc = CompactionScannerTest.kcompactd(m, MigrateMode.MIGRATE_SYNC_LIGHT);
        m.compaction().isolate_migratepages_block(cc, 4, 8, MODE);
        assertTrue(cc.migratepages.isEmpty());
        assertEquals(8, cc.migrate_pfn);
        assertEquals(1, cc.total_migrate_scanned);
        assertEquals(1, m.compaction().events.migrateScanned);
        assertTrue(KillFixture.onLru(m, 6));
        assertEquals(1, CompactionScannerTest.refs(m, 6));
    }

    /** A zone [1, 32) with pageblocks of four: its first block is [1, 4). */
    static Machine startsAt1(String pic) {
        return KillFixture.layoutAt(KillFixture.zoneAt(4, 2, 1, 31), pic);
    }

    /**
     * isolate_migratepages_block(): the skip bit is checked at the first pfn of a pageblock "or
     * low_pfn == cc-&gt;zone-&gt;zone_start_pfn", so in a zone starting at pfn 1 the block [1, 4)
     * is checked at 1: with the bit set the scan is abandoned (low_pfn = end_pfn, nothing
     * isolated, one pfn scanned, and update_cached_migrate(4): cached pfns 8); with it clear,
     * pfn 1 is valid_page and test_and_set_skip() sets the bit at the first isolation.
     */
    @Test
    void theZoneStartCountsAsAPageblockStartForTheSkipBit() {
        Machine m = startsAt1("MMM MMMM MMMM MMMM .... .... .... ....");
        Zone z = zone(m);
        assertEquals(1, z.zoneStartPfn);
        z.setPageblockSkip(1, true);
        CompactControl cc = m.compaction().newControl(z, 2, MigrateMode.MIGRATE_SYNC_LIGHT);
        m.compaction().isolate_migratepages_block(cc, 1, 4, MODE);
        assertTrue(cc.migratepages.isEmpty());
        assertEquals(4, cc.migrate_pfn);
        assertEquals(1, cc.total_migrate_scanned);
        assertEquals(8, z.compactCachedMigratePfn[1]);

        Machine m2 = startsAt1("MMM MMMM MMMM MMMM .... .... .... ....");
        Zone z2 = zone(m2);
        CompactControl cc2 = m2.compaction().newControl(z2, 2, MigrateMode.MIGRATE_SYNC_LIGHT);
        m2.compaction().isolate_migratepages_block(cc2, 1, 4, MODE);
        assertEquals(List.of(3L, 2L, 1L), cc2.migratepages);
        assertTrue(z2.pageblockSkip(1), "test_and_set_skip(cc, valid_page = pfn 1)");
        CompactionScannerTest.migrateBack(m2, cc2);
    }

    /**
     * isolate_migratepages(): "(pageblock_aligned(low_pfn) || low_pfn == zone_start_pfn) &amp;&amp;
     * !isolation_suitable()" passes over the zone's first, partial block [1, 4) when its bit is
     * set, and the next block [4, 8) is isolated: ISOLATE_SUCCESS, migrate_pfn 8.
     */
    @Test
    void theMigrationScannerPassesASkippedFirstBlockOfAnUnalignedZone() {
        Machine m = startsAt1("MMM MMMM MMMM MMMM .... .... .... ....");
        Zone z = zone(m);
        z.setPageblockSkip(1, true);
        CompactControl cc = m.compaction().newControl(z, 2, MigrateMode.MIGRATE_SYNC_LIGHT);
        cc.migrate_pfn = 1;
        cc.free_pfn = 28;
        assertEquals(Compaction.ISOLATE_SUCCESS, m.compaction().isolate_migratepages(cc));
        assertEquals(List.of(7L, 6L, 5L, 4L), cc.migratepages);
        assertEquals(8, cc.migrate_pfn);
        assertEquals(4, cc.total_migrate_scanned);
        CompactionScannerTest.migrateBack(m, cc);
    }

    /**
     * suitable_migration_source(): for async direct compaction "if (cc-&gt;migratetype ==
     * MIGRATE_MOVABLE) return is_migrate_movable(block_mt); else return block_mt ==
     * cc-&gt;migratetype;" - a movable request takes MOVABLE and CMA blocks but not an
     * UNMOVABLE one; an unmovable request takes exactly UNMOVABLE blocks.
     */
    @Test
    void asyncDirectSourcesByMigratetypeWithCma() {
        Machine m = CompactionTest.machine(CompactionPolicyTest.withCma());
        Zone z = zone(m);
        assertTrue(m.allocPages(Gfp.GFP_KERNEL & ~Gfp.__GFP_DIRECT_RECLAIM, 0) >= 0, "set-up: steals a pageblock");
        List<Long> unmovable = new ArrayList<>();
        for (long pfn = 0; pfn < 64; pfn += 4) if (z.pageblockMigratetype(pfn) == MigrateType.MIGRATE_UNMOVABLE) unmovable.add(pfn);
        assertFalse(unmovable.isEmpty(), "set-up: an unmovable pageblock");
        long u = unmovable.get(0);
        long mov = -1;
        for (long pfn = 0; pfn < 64 && mov < 0; pfn += 4) if (z.pageblockMigratetype(pfn) == MigrateType.MIGRATE_MOVABLE) mov = pfn;
        assertTrue(mov >= 0, "set-up: a movable pageblock");
        assertEquals(MigrateType.MIGRATE_CMA, z.pageblockMigratetype(64), "set-up");
        Compaction c = m.compaction();
        CompactControl cc = new CompactControl(z, 2, Gfp.GFP_HIGHUSER_MOVABLE, 0, z.idx, MigrateMode.MIGRATE_ASYNC, false, false,
                true, false, false, m.pageAlloc().MAX_PAGE_ORDER + 1);
        cc.migratetype = MigrateType.MIGRATE_MOVABLE;
        assertTrue(c.suitable_migration_source(cc, mov));
        assertTrue(c.suitable_migration_source(cc, 64), "is_migrate_movable(MIGRATE_CMA)");
        assertFalse(c.suitable_migration_source(cc, u));
        cc.migratetype = MigrateType.MIGRATE_UNMOVABLE;
        assertTrue(c.suitable_migration_source(cc, u));
        assertFalse(c.suitable_migration_source(cc, mov));
        assertFalse(c.suitable_migration_source(cc, 64));
    }
}
