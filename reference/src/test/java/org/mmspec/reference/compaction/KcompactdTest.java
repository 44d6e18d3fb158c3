package org.mmspec.reference.compaction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mmspec.reference.alloc.SlowpathHooks.COMPACT_COMPLETE;
import static org.mmspec.reference.alloc.SlowpathHooks.COMPACT_PARTIAL_SKIPPED;
import static org.mmspec.reference.alloc.SlowpathHooks.COMPACT_SUCCESS;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.mmspec.reference.Machine;
import org.mmspec.reference.alloc.MachineConfig;
import org.mmspec.reference.alloc.Node;
import org.mmspec.reference.alloc.Zone;
import org.mmspec.reference.alloc.ZoneConfig;
import org.mmspec.reference.alloc.ZoneType;
import org.mmspec.reference.migrate.MigrateMode;

/**
 * kcompactd and /proc/sys/vm/compact_memory against mm/compaction.c (v6.18): wakeup_kcompactd()
 * records the request, kcompactd_node_suitable() and kcompactd_do_work() choose and compact the
 * zones and defer or reset them, kcompactd() does the requested work or else proactive
 * compaction, compact_node() and compact_nodes().
 */
class KcompactdTest {
    static Machine failingTiny() {
        return CompactionDirectTest.failingTiny();
    }

    // Pins mm/compaction.c, wakeup_kcompactd(): order 0 is ignored; kcompactd_max_order takes the
    // larger order, kcompactd_highest_zoneidx the lower index.
    @Test
    void wakeupRecordsTheLargestOrderAndTheLowestZone() {
        Machine m = CompactionTest.machine(CompactionTest.tiny());
        Node n = m.node();
        Compaction c = m.compaction();
        assertEquals(List.of(0, 2), List.of(n.kcompactdMaxOrder, n.kcompactdHighestZoneidx), "kcompactd_run(): 0, nr_zones - 1");
        c.wakeup_kcompactd(0, 0);
        assertEquals(List.of(0, 2), List.of(n.kcompactdMaxOrder, n.kcompactdHighestZoneidx), "order 0: return at once");
        c.wakeup_kcompactd(2, 2);
        assertEquals(List.of(2, 2), List.of(n.kcompactdMaxOrder, n.kcompactdHighestZoneidx));
        c.wakeup_kcompactd(1, 2);
        assertEquals(List.of(2, 2), List.of(n.kcompactdMaxOrder, n.kcompactdHighestZoneidx), "a smaller order is not recorded");
        c.wakeup_kcompactd(3, 0);
        assertEquals(List.of(3, 0), List.of(n.kcompactdMaxOrder, n.kcompactdHighestZoneidx));
    }

    // Pins mm/compaction.c, kcompactd_node_suitable(): true when some populated zone up to
    // kcompactd_highest_zoneidx (included) gets COMPACT_CONTINUE from
    // compaction_suit_allocation_order() for kcompactd_max_order.
    @Test
    void nodeSuitableWhenSomeZoneShouldBeCompacted() {
        Machine frag = failingTiny(); // 8 single free pages: order 1 is suitable, not satisfied
        Node n = frag.node();
        n.kcompactdMaxOrder = 1;
        n.kcompactdHighestZoneidx = 2;
        assertTrue(frag.compaction().kcompactd_node_suitable());
        n.kcompactdHighestZoneidx = 1;
        assertFalse(frag.compaction().kcompactd_node_suitable(), "Normal (index 2) is above the requested index");
        n.kcompactdHighestZoneidx = 2;
        n.kcompactdMaxOrder = 2;
        assertFalse(frag.compaction().kcompactd_node_suitable(), "order 2: 8 > compact_gap(2) fails: COMPACT_SKIPPED");

        Machine free = CompactionTest.machine(CompactionTest.tiny());
        free.node().kcompactdMaxOrder = 2;
        assertFalse(free.compaction().kcompactd_node_suitable(), "the order is already free: COMPACT_SUCCESS");
    }

    /**
     * defrag_mode on a 256-page zone (min 4, low 5, high 6 pages; pageblock_order 3): one free
     * pageblock (0..7, NR_FREE_PAGES_BLOCKS 8) and 8 single free pages. For order 2 with
     * NR_FREE_PAGES_BLOCKS: 8 - 3 = 5 passes the min watermark but not the high one; the order-0
     * check of compaction_suitable() counts NR_FREE_PAGES 16 &gt; 6 + 8.
     */
    static Machine defragBetweenMinAndHigh() {
        MachineConfig cfg = MachineConfig.of("n256", 6, 3, List.of(ZoneConfig.of(ZoneType.NORMAL, 0, 256))).withMinFreeKbytes(0)
                .withDefragMode(true);
        Machine m = CompactionPolicyTest.withFree(cfg, 0, 1, 2, 3, 4, 5, 6, 7, 9, 11, 13, 15, 17, 19, 21, 23);
        m.writeSysctl("min_free_kbytes", "16"); // the watermarks after the set-up allocations
        Zone z = m.zone(ZoneType.NORMAL);
        assertEquals(List.of(4L, 5L, 6L), List.of(z.minWmarkPages(), z.lowWmarkPages(), z.highWmarkPages()), "set-up");
        assertEquals(List.of(16L, 8L), List.of(z.nrFreePages, z.nrFreePagesBlocks), "set-up");
        m.node().kcompactdMaxOrder = 2;
        return m;
    }

    // Pins kcompactd_node_suitable() and kcompactd_do_work(): with defrag_mode kcompactd aims at
    // ALLOC_WMARK_HIGH (else ALLOC_WMARK_MIN).
    @Test
    void defragModeKcompactdAimsAtTheHighWatermark() {
        Machine m = defragBetweenMinAndHigh();
        Compaction c = m.compaction();
        assertTrue(c.kcompactd_node_suitable(), "the high watermark is not met: compact");
        List<CompactControl> runs = CompactionDirectTest.observeRuns(c);
        c.kcompactd_do_work();
        assertEquals(1, runs.size(), "kcompactd_do_work() compacted Normal");
        assertEquals(MigrateMode.MIGRATE_SYNC_LIGHT, runs.get(0).mode);
        assertEquals(List.of(false, false, 2), List.of(runs.get(0).direct_compaction, runs.get(0).proactive_compaction,
                runs.get(0).order));
    }

    // Pins mm/compaction.c, kcompactd_do_work(): KCOMPACTD_WAKE counted; unpopulated zones are
    // skipped before compaction_deferred() (which would count an attempt); a run ending
    // COMPACT_COMPLETE defers the zone; the request is then forgotten (max order 0, highest index
    // nr_zones - 1).
    @Test
    void doWorkDefersAfterACompleteRunAndForgetsTheRequest() {
        Machine m = failingTiny();
        Compaction c = m.compaction();
        Zone z = m.zone(ZoneType.NORMAL);
        c.wakeup_kcompactd(1, 2);
        c.kcompactd_do_work();
        assertEquals(1, c.events.kcompactdWake);
        assertEquals(1, c.events.results[COMPACT_COMPLETE]);
        assertEquals(1, z.compactDeferShift, "defer_compaction(zone, 1)");
        assertEquals(0, m.node().zones[0].compactConsidered, "empty DMA: populated_zone() is false, never considered");
        assertEquals(0, m.node().zones[1].compactConsidered);
        assertEquals(List.of(0, 2), List.of(m.node().kcompactdMaxOrder, m.node().kcompactdHighestZoneidx));
    }

    // Pins kcompactd_do_work(): a run ending COMPACT_PARTIAL_SKIPPED (started from the cached
    // positions) defers the zone too.
    @Test
    void doWorkDefersAfterAPartialRun() {
        Machine m = failingTiny();
        Compaction c = m.compaction();
        Zone z = m.zone(ZoneType.NORMAL);
        c.reset_cached_positions(z);
        z.compactCachedMigratePfn[0] = 8;
        z.compactCachedMigratePfn[1] = 8;
        c.wakeup_kcompactd(1, 2);
        c.kcompactd_do_work();
        assertEquals(1, c.events.results[COMPACT_PARTIAL_SKIPPED]);
        assertEquals(1, z.compactDeferShift);
    }

    // Pins kcompactd_do_work(): a deferred zone is skipped (compaction_deferred() counts the
    // attempt), and so is a zone where the order is already free (COMPACT_SUCCESS from
    // compaction_suit_allocation_order(): no compact_zone(), no compaction_defer_reset()).
    @Test
    void doWorkSkipsDeferredAndAlreadySatisfiedZones() {
        Machine m = failingTiny();
        Compaction c = m.compaction();
        Zone z = m.zone(ZoneType.NORMAL);
        z.compactDeferShift = 2;
        c.wakeup_kcompactd(1, 2);
        c.kcompactd_do_work();
        assertEquals(0, c.events.runs);
        assertEquals(1, z.compactConsidered);
        assertEquals(2, z.compactDeferShift);

        Machine free = CompactionTest.machine(CompactionTest.tiny());
        free.compaction().wakeup_kcompactd(2, 2);
        free.compaction().kcompactd_do_work();
        assertEquals(0, free.compaction().events.runs);
        assertEquals(0, free.zone(ZoneType.NORMAL).compactOrderFailed, "compaction_defer_reset() not called");
    }

    // Pins kcompactd_do_work(): COMPACT_SUCCESS calls compaction_defer_reset(zone, order, false):
    // compact_order_failed = order + 1.
    @Test
    void doWorkSuccessRaisesOrderFailed() {
        Machine m = CompactionDirectTest.capturable();
        Compaction c = m.compaction();
        Zone z = m.zone(ZoneType.NORMAL);
        c.reset_cached_positions(z); // the free scanner starts at the zone end, as after an earlier run
        c.wakeup_kcompactd(1, 2);
        c.kcompactd_do_work();
        assertEquals(1, c.events.results[COMPACT_SUCCESS], c.events.figures().toString());
        assertEquals(2, z.compactOrderFailed);
        assertEquals(0, z.compactDeferShift);
        assertTrue(z.nrFree[1] + z.nrFree[2] + z.nrFree[3] + z.nrFree[4] > 0, "a free block of order 1 or more");
    }

    // Pins kcompactd_do_work(): zones up to kcompactd_highest_zoneidx only, and the index goes
    // back to nr_zones - 1 afterwards.
    @Test
    void doWorkOnlyUpToTheRequestedZone() {
        long[] free = {0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30};
        Machine m = CompactionPolicyTest.withFree(CompactControlTest.twoZones(), free);
        Compaction c = m.compaction();
        List<CompactControl> runs = CompactionDirectTest.observeRuns(c);
        c.wakeup_kcompactd(1, 0);
        c.kcompactd_do_work();
        assertEquals(List.of(0), runs.stream().map(r -> r.zone.idx).toList());
        assertEquals(2, m.node().kcompactdHighestZoneidx, "nr_zones - 1");
        assertEquals(0, m.node().kcompactdMaxOrder);
    }

    // Pins mm/compaction.c, kcompactd(): with nothing requested and proactiveness off it does
    // nothing.
    @Test
    void idleKcompactdDoesNothing() {
        Machine m = failingTiny();
        Compaction c = m.compaction();
        c.sysctl_compaction_proactiveness = 0;
        long fp = m.fingerprint();
        assertFalse(c.kcompactd());
        assertEquals(0, c.events.kcompactdWake);
        assertEquals(0, c.events.proactive);
        assertEquals(fp, m.fingerprint());
    }

    // Pins kcompactd(): a request (kcompactd_work_requested: kcompactd_max_order > 0) runs
    // kcompactd_do_work().
    @Test
    void requestedWorkRuns() {
        Machine m = failingTiny();
        Compaction c = m.compaction();
        c.wakeup_kcompactd(1, 2);
        assertTrue(c.kcompactd());
        assertEquals(1, c.events.kcompactdWake);
        assertEquals(1, c.events.runs);
        assertEquals(0, c.events.proactive);
        assertEquals(0, m.node().kcompactdMaxOrder);
    }

    // Pins kcompactd() on its timeout: should_proactive_compact_node() (score 94 above the high
    // mark 90) starts compact_node(pgdat, true): each zone whole, MIGRATE_SYNC_LIGHT, proactive,
    // until the zone's score is at or below the low mark.
    @Test
    void proactiveCompactionOnTheTimeout() {
        Machine m = CompactionTest.interleaved(CompactionTest.tiny(), 8);
        Compaction c = m.compaction();
        assertEquals(94, c.fragmentation_score_node(), "set-up: every other page free");
        List<CompactControl> runs = CompactionDirectTest.observeRuns(c);
        assertTrue(c.kcompactd());
        assertEquals(1, c.events.proactive);
        assertEquals(0, c.events.kcompactdWake);
        assertEquals(1, runs.size());
        CompactControl cc = runs.get(0);
        assertEquals(MigrateMode.MIGRATE_SYNC_LIGHT, cc.mode);
        assertEquals(List.of(true, true, true, -1), List.of(cc.proactive_compaction, cc.whole_zone, cc.ignore_skip_hint, cc.order));
        assertTrue(c.fragmentation_score_zone(m.zone(ZoneType.NORMAL)) <= c.fragmentation_score_wmark(true),
                "the run went on until the zone's score reached the low mark");
    }

    // Pins mm/compaction.c, compact_nodes() (echo 1 > /proc/sys/vm/compact_memory): compact_node(
    // pgdat, false): every populated zone whole in MIGRATE_SYNC, not proactive.
    @Test
    void compactMemoryCompactsEveryZoneInSyncMode() {
        long[] free = {0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30};
        Machine m = CompactionPolicyTest.withFree(CompactControlTest.twoZones(), free);
        Compaction c = m.compaction();
        List<CompactControl> runs = CompactionDirectTest.observeRuns(c);
        c.compact_nodes();
        assertEquals(1, c.events.compactMemory);
        assertEquals(List.of(0, 2), runs.stream().map(r -> r.zone.idx).toList());
        for (CompactControl cc : runs) {
            assertEquals(MigrateMode.MIGRATE_SYNC, cc.mode);
            assertFalse(cc.proactive_compaction);
            assertTrue(cc.whole_zone && cc.ignore_skip_hint);
        }
        c.compact_nodes();
        assertEquals(2, c.events.compactMemory);
    }
}
