package org.mmspec.reference.compaction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.mmspec.reference.Machine;
import org.mmspec.reference.alloc.RejectedOperationException;
import org.mmspec.reference.alloc.SlowpathHooks;
import org.mmspec.reference.alloc.Zone;
import org.mmspec.reference.alloc.ZoneType;
import org.mmspec.reference.migrate.Contention;
import org.mmspec.reference.migrate.MigrateMode;

/** compact_zone()'s prologue and the stepped run, mm/compaction.c v6.18 compact_zone(). */
class CompactionRunTest {
    /** Sixteen order-0 free pages, no free block of order 1 or more. */
    static final String HALF = "M.M. M.M. M.M. M.M. M.M. M.M. M.M. M.M.";

    static Machine layout(String pic) {
        return CompactionScannerTest.layout(CompactionScannerTest.cfg32(), pic);
    }

    /**
     * A zone's compaction fields are zero at boot (nothing in mm/ initialises them), and the
     * zone starts at pfn 0: for a kcompactd-like order-2 run compact_cached_free_pfn 0 is "within
     * the zone" (0 &lt; start_pfn and 0 &gt;= end_pfn are both false), so free_pfn = 0; migrate_pfn
     * = 0 &lt;= compact_init_migrate_pfn = 0 makes it a whole-zone run. compact_finished() sees
     * the scanners met at once: reset_cached_positions() and COMPACT_COMPLETE, no round.
     * (compaction_suit_allocation_order(): no free block of order 2; 16 free pages &gt; 0 + compact_gap(2).)
     */
    @Test
    void theFirstRunOnAFreshZoneAtPfn0FindsTheScannersMet() {
        Machine m = layout(HALF);
        Compaction c = m.compaction();
        Zone z = m.zone(ZoneType.NORMAL);
        CompactControl cc = c.newControl(z, 2, MigrateMode.MIGRATE_SYNC_LIGHT);
        assertEquals(SlowpathHooks.COMPACT_COMPLETE, c.compact_zone_begin(cc));
        assertTrue(cc.whole_zone);
        assertEquals(0, cc.free_pfn);
        assertEquals(0, cc.rounds);
        assertEquals(28, z.compactCachedFreePfn, "reset_cached_positions()");
        assertEquals(1, c.events.runs);
        assertEquals(1, c.events.results[SlowpathHooks.COMPACT_COMPLETE]);
        assertEquals(SlowpathHooks.COMPACT_COMPLETE, cc.result);
    }

    /**
     * The cached positions: sync uses compact_cached_migrate_pfn[1], async [0]; values out of
     * [start, end) are reset (free_pfn to pageblock_start_pfn(end - 1) = 28, both migrate pfns
     * to the start); a migrate pfn above compact_init_migrate_pfn is no whole-zone run;
     * update_cached is set for async when both cached migrate pfns agree.
     */
    @Test
    void theScannersStartAtTheCachedPositionsResetWhenOutOfRange() {
        Machine m = layout(HALF);
        Compaction c = m.compaction();
        Zone z = m.zone(ZoneType.NORMAL);
        z.compactCachedMigratePfn[0] = 8;
        z.compactCachedMigratePfn[1] = 4;
        z.compactCachedFreePfn = 20;
        CompactControl sync = c.newControl(z, 2, MigrateMode.MIGRATE_SYNC_LIGHT);
        assertEquals(SlowpathHooks.COMPACT_CONTINUE, c.compact_zone_begin(sync));
        assertEquals(4, sync.migrate_pfn);
        assertEquals(20, sync.free_pfn);
        assertFalse(sync.whole_zone);
        assertFalse(sync.update_cached);
        assertEquals(4, sync.roundStartMigratePfn);

        CompactControl async = c.newControl(z, 2, MigrateMode.MIGRATE_ASYNC);
        c.compact_zone_begin(async);
        assertEquals(8, async.migrate_pfn);
        assertFalse(async.update_cached, "8 != 4");
        z.compactCachedMigratePfn[1] = 8;
        CompactControl async2 = c.newControl(z, 2, MigrateMode.MIGRATE_ASYNC);
        c.compact_zone_begin(async2);
        assertTrue(async2.update_cached);

        // the free pfn at the zone end and the migrate pfn at the zone start: only the first is reset
        z.compactCachedFreePfn = 32;
        z.compactCachedMigratePfn[0] = 8;
        z.compactCachedMigratePfn[1] = 0;
        z.compactInitMigratePfn = 0;
        CompactControl cc = c.newControl(z, 2, MigrateMode.MIGRATE_SYNC_LIGHT);
        c.compact_zone_begin(cc);
        assertEquals(28, cc.free_pfn);
        assertEquals(28, z.compactCachedFreePfn);
        assertEquals(0, cc.migrate_pfn);
        assertEquals(8, z.compactCachedMigratePfn[0], "0 is within the zone: nothing reset");
        assertTrue(cc.whole_zone, "0 <= compact_init_migrate_pfn");

        z.compactCachedMigratePfn[1] = 32;
        CompactControl out = c.newControl(z, 2, MigrateMode.MIGRATE_SYNC_LIGHT);
        c.compact_zone_begin(out);
        assertEquals(0, out.migrate_pfn);
        assertEquals(0, z.compactCachedMigratePfn[0]);
        assertEquals(0, z.compactCachedMigratePfn[1]);
    }

    /**
     * compaction_suit_allocation_order() decides before anything is set up: COMPACT_SUCCESS when
     * the order-2 watermark is already met (a free block of order 2), COMPACT_SKIPPED when the
     * free pages do not exceed the min watermark (0) plus compact_gap(2) = 8; /proc's order -1
     * asks neither. The run ends at once; no run is left in progress.
     */
    @Test
    void aRunThatIsNotNeededOrCannotHelpEndsBeforeItStarts() {
        Machine m = layout("MMMM MMMM MMMM MMMM MMMM MMMM MMMM ....");
        Compaction c = m.compaction();
        Zone z = m.zone(ZoneType.NORMAL);
        assertEquals(SlowpathHooks.COMPACT_SUCCESS, c.startRun(z, 2, MigrateMode.MIGRATE_SYNC_LIGHT));
        assertNull(c.current());
        Machine m2 = layout("MMMM MMMM M.M. M.M. MMMM MMMM MMMM MMMM");
        assertEquals(SlowpathHooks.COMPACT_SKIPPED, m2.compaction().startRun(m2.zone(ZoneType.NORMAL), 2,
                MigrateMode.MIGRATE_SYNC_LIGHT));
        assertEquals(1, m2.compaction().events.results[SlowpathHooks.COMPACT_SKIPPED]);
        assertNull(m2.compaction().current());
    }

    /**
     * compaction_restarting(): after the longest deferral ran out (compact_defer_shift 6,
     * compact_considered &gt;= 64) the skip bits are flushed by __reset_isolation_suitable().
     */
    @Test
    void aRestartAfterTheLongestDeferralFlushesTheSkipBits() {
        Machine m = layout(HALF);
        Compaction c = m.compaction();
        Zone z = m.zone(ZoneType.NORMAL);
        z.compactDeferShift = Compaction.COMPACT_MAX_DEFER_SHIFT;
        z.compactConsidered = 64;
        z.compactBlockskipFlush = true;
        for (long pfn = 0; pfn < 32; pfn += 4) z.setPageblockSkip(pfn, true);
        c.compact_zone_begin(c.newControl(z, 2, MigrateMode.MIGRATE_SYNC_LIGHT));
        assertEquals(1, c.events.restarts);
        assertEquals(1, c.events.skipResets);
        assertFalse(z.compactBlockskipFlush);
        assertFalse(z.pageblockSkip(0), "sample 0 is on the LRU");
    }

    /**
     * The stepped run: stepRun() installs the contention for its round only (a pin on pfn 3
     * keeps that folio from being isolated: folio_ref_count() - 1 &gt; mapcount), the round
     * observer sees the placed scanners (round 0) and every round, and without a run stepRun()
     * is refused.
     */
    @Test
    void stepRunAppliesItsContentionForOneRoundAndTheObserverSeesEveryRound() {
        Machine m = layout("MMMM .M.M KMMM PDUM .... .... MM.. ....");
        Compaction c = m.compaction();
        List<Integer> seen = new ArrayList<>();
        c.setRoundObserver(cc -> seen.add(cc.rounds));
        assertThrows(RejectedOperationException.class, () -> c.stepRun(Contention.NONE));
        c.startRun(m.zone(ZoneType.NORMAL), -1, MigrateMode.MIGRATE_SYNC);
        CompactControl cc = c.current();
        c.stepRun(new Contention(-1, 3));
        assertEquals(List.of(0L, 1L, 2L), cc.isolatedThisRound, "3 is pinned by the contention");
        assertEquals(1, c.events.pinnedSkipped);
        assertEquals(Contention.NONE, m.migrate().contention(), "the old contention is back");
        assertEquals(List.of(0, 1), seen);
    }
}
