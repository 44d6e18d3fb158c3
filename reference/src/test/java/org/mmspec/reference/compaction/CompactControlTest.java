package org.mmspec.reference.compaction;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;
import org.mmspec.reference.Machine;
import org.mmspec.reference.alloc.Gfp;
import org.mmspec.reference.alloc.MachineConfig;
import org.mmspec.reference.alloc.SlowpathHooks;
import org.mmspec.reference.alloc.Zone;
import org.mmspec.reference.alloc.ZoneConfig;
import org.mmspec.reference.alloc.ZoneType;
import org.mmspec.reference.migrate.Contention;
import org.mmspec.reference.migrate.MigrateMode;

/**
 * The model's bookkeeping around struct compact_control (mm/internal.h): the state fingerprint
 * tells apart every field a compaction run's future depends on, the deep copies carry every field,
 * and the event counters and result names come out as enum compact_result
 * (include/linux/compaction.h) names them.
 */
class CompactControlTest {
    /** DMA (zone index 0) and Normal (zone index 2), 16 pages each; MAX_PAGE_ORDER 4, pageblock_order 2. */
    static MachineConfig twoZones() {
        return MachineConfig.of("two", 4, 2, List.of(ZoneConfig.of(ZoneType.DMA, 0, 16), ZoneConfig.of(ZoneType.NORMAL, 16, 16)))
                .withMinFreeKbytes(0);
    }

    static CompactControl cc(Zone z, int order, MigrateMode mode, boolean ignoreSkip, boolean ignoreBlock, boolean direct,
                             boolean whole) {
        return new CompactControl(z, order, Gfp.GFP_KERNEL, 0, 2, mode, ignoreSkip, ignoreBlock, direct, false, whole, 5);
    }

    static CompactControl base(Zone z) {
        return cc(z, 2, MigrateMode.MIGRATE_SYNC_LIGHT, false, false, false, false);
    }

    static void assertFingerprintSees(String what, CompactControl a, CompactControl b) {
        assertNotEquals(a.fingerprint(), b.fingerprint(), "two runs differing only in " + what + " have different futures");
    }

    /** Each mutation changes one field the run's future depends on (compact_zone() reads all of them). */
    static void assertFingerprintSees(Zone z, String what, Consumer<CompactControl> change) {
        CompactControl a = base(z);
        CompactControl b = base(z);
        change.accept(b);
        assertFingerprintSees(what, a, b);
    }

    // Pins: compact_control's zone, order and mode (mm/internal.h; compact_zone() in
    // mm/compaction.c compacts cc->zone for cc->order in cc->mode) each make a different run.
    @Test
    void theFingerprintSeesTheZoneTheOrderAndTheMode() {
        Machine m = new Machine(twoZones());
        Zone dma = m.zone(ZoneType.DMA);
        Zone normal = m.zone(ZoneType.NORMAL);
        assertEquals(0, dma.idx);
        assertEquals(2, normal.idx);
        assertFingerprintSees("zone", cc(dma, 2, MigrateMode.MIGRATE_SYNC, false, false, false, false),
                cc(normal, 2, MigrateMode.MIGRATE_SYNC, false, false, false, false));
        assertFingerprintSees("order", cc(normal, 2, MigrateMode.MIGRATE_SYNC, false, false, false, false),
                cc(normal, 3, MigrateMode.MIGRATE_SYNC, false, false, false, false));
        CompactControl o3 = cc(normal, 3, MigrateMode.MIGRATE_SYNC, false, false, false, false);
        o3.search_order = 2; // as fast_isolate_freepages() lowers it; only cc->order differs now
        assertFingerprintSees("order, search_order equal", cc(normal, 2, MigrateMode.MIGRATE_SYNC, false, false, false, false), o3);
        assertFingerprintSees("mode", cc(normal, 2, MigrateMode.MIGRATE_ASYNC, false, false, false, false),
                cc(normal, 2, MigrateMode.MIGRATE_SYNC_LIGHT, false, false, false, false));
        assertFingerprintSees("ignore_skip_hint", cc(normal, 2, MigrateMode.MIGRATE_SYNC, false, false, false, false),
                cc(normal, 2, MigrateMode.MIGRATE_SYNC, true, false, false, false));
        assertFingerprintSees("ignore_block_suitable", cc(normal, 2, MigrateMode.MIGRATE_SYNC, false, false, false, false),
                cc(normal, 2, MigrateMode.MIGRATE_SYNC, false, true, false, false));
        assertFingerprintSees("direct_compaction", cc(normal, 2, MigrateMode.MIGRATE_SYNC, false, false, false, false),
                cc(normal, 2, MigrateMode.MIGRATE_SYNC, false, false, true, false));
        // __compact_finished() (mm/compaction.c): "if (cc->proactive_compaction) { ... if (score >
        // wmark_low) ret = COMPACT_CONTINUE; ...}": a proactive run ends on the fragmentation score
        assertFingerprintSees("proactive_compaction",
                new CompactControl(normal, -1, Gfp.GFP_KERNEL, 0, 2, MigrateMode.MIGRATE_SYNC_LIGHT, true, true, false,
                        false, true, 5),
                new CompactControl(normal, -1, Gfp.GFP_KERNEL, 0, 2, MigrateMode.MIGRATE_SYNC_LIGHT, true, true, false,
                        true, true, 5));
        assertEquals(base(normal).fingerprint(), base(normal).fingerprint(), "equal runs, equal fingerprints");
    }

    // Pins: the mutable compact_control fields compact_zone()'s loop reads (mm/compaction.c:
    // no_set_skip_hint, whole_zone, contended, finish_pageblock; compact_zone()'s local
    // update_cached) and the model's stall mark each change the run's future.
    @Test
    void theFingerprintSeesEveryFlagOfTheRun() {
        Zone z = new Machine(twoZones()).zone(ZoneType.NORMAL);
        assertFingerprintSees(z, "no_set_skip_hint", c -> c.no_set_skip_hint = true);
        assertFingerprintSees(z, "whole_zone", c -> c.whole_zone = true);
        assertFingerprintSees(z, "contended", c -> c.contended = true);
        assertFingerprintSees(z, "finish_pageblock", c -> c.finish_pageblock = true);
        assertFingerprintSees(z, "update_cached", c -> c.update_cached = true);
        assertFingerprintSees(z, "stalled", c -> c.stalled = true);
        assertFingerprintSees(z, "free_pfn", c -> c.free_pfn = 20);
    }

    // Pins: cc->freepages[order] (mm/compaction.c, isolate_freepages_block() puts each free block
    // on the list of its order; compaction_alloc() takes from them) - the same pfn on another
    // order's list, or another pfn on the same list, is another state.
    @Test
    void theFingerprintSeesTheFreeListsAndTheMigrateList() {
        Zone z = new Machine(twoZones()).zone(ZoneType.NORMAL);
        assertFingerprintSees(z, "order of a free block", c -> c.freepages.get(1).add(4L));
        CompactControl o1 = base(z);
        o1.freepages.get(1).add(4L);
        CompactControl o2 = base(z);
        o2.freepages.get(2).add(4L);
        assertFingerprintSees("which freepages[] list holds pfn 4", o1, o2);
        CompactControl p4 = base(z);
        p4.freepages.get(0).add(4L);
        CompactControl p8 = base(z);
        p8.freepages.get(0).add(8L);
        assertFingerprintSees("the pfn on freepages[0]", p4, p8);
        // a block at pfn 0 must not make the hash forget what came before it
        CompactControl a = base(z);
        a.freepages.get(0).add(0L);
        CompactControl b = base(z);
        b.free_pfn = 24;
        b.freepages.get(0).add(0L);
        assertFingerprintSees("free_pfn, with pfn 0 on freepages[0]", a, b);

        CompactControl m4 = base(z);
        m4.migratepages.add(4L);
        CompactControl m8 = base(z);
        m8.migratepages.add(8L);
        assertFingerprintSees("the folio on cc->migratepages", m4, m8);
        assertFingerprintSees(z, "a folio on cc->migratepages", c -> c.migratepages.add(4L));
        CompactControl n0 = base(z);
        n0.migratepages.add(0L);
        CompactControl n1 = base(z);
        n1.free_pfn = 24;
        n1.migratepages.add(0L);
        assertFingerprintSees("free_pfn, with pfn 0 on cc->migratepages", n0, n1);
    }

    // Pins: struct compact_control has a freepages list for each of NR_PAGE_ORDERS orders
    // (mm/internal.h: struct list_head freepages[NR_PAGE_ORDERS]), and isolatedFreePages counts
    // 1 << order pages for each block on freepages[order].
    @Test
    void freeListsPerOrderAndTheirPages() {
        Zone z = new Machine(twoZones()).zone(ZoneType.NORMAL);
        CompactControl c = base(z);
        assertEquals(5, c.freepages.size(), "NR_PAGE_ORDERS = MAX_PAGE_ORDER + 1 lists");
        assertEquals(0, c.isolatedFreePages());
        c.freepages.get(0).add(17L);
        c.freepages.get(0).add(19L);
        c.freepages.get(2).add(24L);
        c.freepages.get(4).add(0L);
        assertEquals(2 + 4 + 16, c.isolatedFreePages());
        assertFalse(c.viaCompactMemory(), "order 2 is an allocation's order, not is_via_compact_memory()");
        assertTrue(cc(z, -1, MigrateMode.MIGRATE_SYNC, true, false, false, true).viaCompactMemory());
    }

    // Pins: a copy of a run in progress is the same run (the model checker continues it on the
    // copied machine): every field of compact_control and every list is carried.
    @Test
    void copyForCarriesEveryField() {
        Machine m = new Machine(twoZones());
        Zone z = m.zone(ZoneType.NORMAL);
        CompactControl c = cc(z, 3, MigrateMode.MIGRATE_SYNC_LIGHT, true, true, true, true);
        c.freepages.get(0).add(17L);
        c.freepages.get(3).add(24L);
        c.migratepages.add(18L);
        c.nr_freepages = 9;
        c.nr_migratepages = 1;
        c.free_pfn = 24;
        c.migrate_pfn = 20;
        c.fast_start_pfn = 21;
        c.total_migrate_scanned = 5;
        c.total_free_scanned = 6;
        c.fast_search_fail = 2;
        c.search_order = 1;
        c.migratetype = 1;
        c.no_set_skip_hint = true;
        c.contended = true;
        c.finish_pageblock = true;
        c.alloc_contig = true;
        c.last_migrated_pfn = 19;
        c.update_cached = true;
        c.rounds = 4;
        c.roundStartMigratePfn = 16;
        c.roundStartFreePfn = 28;
        c.moved.add(new long[] {18, 25});
        c.isolatedThisRound.add(18L);
        c.freeIsolatedThisRound.add(new long[] {24, 3});
        c.stalled = true;
        c.result = SlowpathHooks.COMPACT_CONTINUE;
        c.captured = true;

        Machine other = new Machine(twoZones());
        Zone oz = other.zone(ZoneType.NORMAL);
        CompactControl d = c.copyFor(oz);
        assertEquals(oz, d.zone);
        assertEquals(c.fingerprint(), d.fingerprint());
        assertEquals(c.freepages.size(), d.freepages.size());
        for (int o = 0; o < c.freepages.size(); o++) {
            assertEquals(List.copyOf(c.freepages.get(o)), List.copyOf(d.freepages.get(o)), "freepages[" + o + "]");
            assertNotSame(c.freepages.get(o), d.freepages.get(o));
        }
        assertEquals(c.migratepages, d.migratepages);
        assertEquals(List.of(9, 1), List.of(d.nr_freepages, d.nr_migratepages));
        assertEquals(List.of(24L, 20L, 21L, 5L, 6L), List.of(d.free_pfn, d.migrate_pfn, d.fast_start_pfn, d.total_migrate_scanned,
                d.total_free_scanned));
        assertEquals(List.of(2, 1, 1, 3, 0, 2), List.of(d.fast_search_fail, d.search_order, d.migratetype, d.order, d.alloc_flags,
                d.highest_zoneidx));
        assertEquals(Gfp.GFP_KERNEL, d.gfp_mask);
        assertEquals(MigrateMode.MIGRATE_SYNC_LIGHT, d.mode);
        assertEquals(List.of(true, true, true, true, true, true, true, true, true, true, true, false),
                List.of(d.ignore_skip_hint, d.no_set_skip_hint, d.ignore_block_suitable, d.direct_compaction, d.whole_zone,
                        d.contended, d.finish_pageblock, d.alloc_contig, d.update_cached, d.stalled, d.captured,
                        d.proactive_compaction));
        assertEquals(19, d.last_migrated_pfn);
        assertEquals(List.of(4L, 16L, 28L, (long) SlowpathHooks.COMPACT_CONTINUE),
                List.of((long) d.rounds, d.roundStartMigratePfn, d.roundStartFreePfn, (long) d.result));
        assertEquals(1, d.moved.size());
        assertArrayEquals(new long[] {18, 25}, d.moved.get(0));
        assertNotSame(c.moved.get(0), d.moved.get(0));
        assertEquals(List.of(18L), d.isolatedThisRound);
        assertArrayEquals(new long[] {24, 3}, d.freeIsolatedThisRound.get(0));
    }

    // Pins: the compaction sysctls (vm.extfrag_threshold, vm.compaction_proactiveness,
    // vm.compact_unevictable_allowed; mm/compaction.c) are part of the state: each changes what
    // compaction does, so each changes the fingerprint.
    @Test
    void theCompactionFingerprintSeesEachSysctl() {
        Machine a = new Machine(twoZones());
        Machine b = new Machine(twoZones());
        assertEquals(a.compaction().fingerprint(), b.compaction().fingerprint());
        a.compaction().sysctl_extfrag_threshold = 0;
        b.compaction().sysctl_extfrag_threshold = 8;
        assertNotEquals(a.compaction().fingerprint(), b.compaction().fingerprint(), "extfrag_threshold 0 and 8");
        b.compaction().sysctl_extfrag_threshold = 0;
        a.compaction().sysctl_compaction_proactiveness = 20;
        b.compaction().sysctl_compaction_proactiveness = 21;
        assertNotEquals(a.compaction().fingerprint(), b.compaction().fingerprint(), "compaction_proactiveness 20 and 21");
        b.compaction().sysctl_compaction_proactiveness = 20;
        a.compaction().sysctl_compact_unevictable_allowed = 0;
        b.compaction().sysctl_compact_unevictable_allowed = 1;
        assertNotEquals(a.compaction().fingerprint(), b.compaction().fingerprint(), "compact_unevictable_allowed 0 and 1");
    }

    // Pins: a machine copy carries the compaction counters (COMPACTSTALL ..., the results) and the
    // sysctls with the run in progress.
    @Test
    void aMachineCopyCarriesTheEventsAndTheSysctls() {
        Machine m = CompactionTest.midBlockStop(CompactionTest.tiny());
        Compaction c = m.compaction();
        c.compact_nodes();
        c.sysctl_extfrag_threshold = 321;
        c.sysctl_compaction_proactiveness = 7;
        c.sysctl_compact_unevictable_allowed = 0;
        c.startRun(m.zone(ZoneType.NORMAL), -1, MigrateMode.MIGRATE_SYNC);
        Machine copy = m.copy();
        Compaction d = copy.compaction();
        assertEquals(1, d.events.compactMemory);
        assertEquals(c.events.runs, d.events.runs);
        assertEquals(c.events.results[SlowpathHooks.COMPACT_COMPLETE], d.events.results[SlowpathHooks.COMPACT_COMPLETE]);
        assertTrue(d.events.results[SlowpathHooks.COMPACT_COMPLETE] > 0);
        assertArrayEquals(c.events.results, d.events.results);
        assertEquals(c.events.figures(), d.events.figures());
        assertEquals(List.of(321, 7, 0), List.of(d.sysctl_extfrag_threshold, d.sysctl_compaction_proactiveness,
                d.sysctl_compact_unevictable_allowed));
        assertNotNull(d.current());
        assertEquals(c.fingerprint(), d.fingerprint());
        assertEquals(c.stepRun(Contention.NONE), d.stepRun(Contention.NONE));
    }

    // Pins: enum compact_result (include/linux/compaction.h) names by value, COMPACT_NOT_SUITABLE_ZONE
    // = 0 to COMPACT_SUCCESS = 8, and the figures list how runs ended but never "ended" in
    // COMPACT_CONTINUE or COMPACT_NO_SUITABLE_PAGE (compact_finished() turns that into CONTINUE).
    @Test
    void resultNamesAndFigures() {
        assertEquals("COMPACT_NOT_SUITABLE_ZONE", CompactionEvents.resultName(0));
        assertEquals("COMPACT_SUCCESS", CompactionEvents.resultName(8));
        assertEquals("compact_result 9", CompactionEvents.resultName(9));
        assertEquals("compact_result -1", CompactionEvents.resultName(-1));
        CompactionEvents e = new CompactionEvents();
        e.results[SlowpathHooks.COMPACT_SUCCESS] = 3;
        e.runs = 4;
        Map<String, Long> f = e.figures();
        assertEquals(3L, f.get("run ended COMPACT_SUCCESS"));
        assertEquals(4L, f.get("compaction runs"));
        assertEquals(0L, f.get("run ended COMPACT_NOT_SUITABLE_ZONE"));
        assertFalse(f.containsKey("run ended COMPACT_CONTINUE"));
        assertFalse(f.containsKey("run ended COMPACT_NO_SUITABLE_PAGE"));
        List<String> ended = new ArrayList<>();
        for (String k : f.keySet()) if (k.startsWith("run ended ")) ended.add(k);
        assertEquals(7, ended.size(), ended.toString());
    }
}
