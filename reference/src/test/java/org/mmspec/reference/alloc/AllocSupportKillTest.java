package org.mmspec.reference.alloc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mmspec.reference.alloc.MigrateType.*;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.mmspec.reference.Machine;
import org.mmspec.reference.reclaim.SwapConfig;

/**
 * The alloc package's small support types: KernelWarnings, KnownBug, BadPageException, the slow
 * path's hooks, the parsers (Gfp, MigrateType, PfnRange, ZoneType: bad input rejected with a
 * message naming the value) and MachineConfig's defaults and validation.
 */
class AllocSupportKillTest {

    // ------------------------------------------------------------------ KernelWarnings

    private static KernelWarnings warnings(String where, int n) {
        KernelWarnings w = new KernelWarnings();
        for (int i = 0; i < n; i++) w.warn(where, "m" + i);
        return w;
    }

    // A WARN_ON_ONCE / VM_WARN_ON reached (include/asm-generic/bug.h) is counted every time; the
    // model keeps the text of the first 16 only, in order, as "function: message".
    @Test
    void warningsCountEveryOneAndKeepTheFirstSixteen() {
        KernelWarnings w = warnings("f", 20);
        assertEquals(20, w.count());
        assertEquals(16, w.messages().size());
        assertEquals("f: m0", w.messages().get(0));
        assertEquals("f: m15", w.messages().get(15));
        KernelWarnings e = warnings("g", 16);
        assertEquals(16, e.messages().size());
        assertEquals("g: m15", e.messages().get(15));
    }

    // copyFrom() and restoreState() replace the messages: a machine copy or restored state has the
    // other machine's warnings, not its own plus those.
    @Test
    void copyAndRestoreReplaceTheMessagesKept() {
        KernelWarnings src = warnings("src", 2);
        KernelWarnings dst = warnings("dst", 3);
        dst.copyFrom(src);
        assertEquals(2, dst.count());
        assertEquals(List.of("src: m0", "src: m1"), dst.messages());

        List<Integer> saved = new ArrayList<>();
        src.saveState(saved::add);
        KernelWarnings r = warnings("old", 5);
        Iterator<Integer> it = saved.iterator();
        r.restoreState(it::next);
        assertFalse(it.hasNext());
        assertEquals(2, r.count());
        assertEquals(List.of("src: m0", "src: m1"), r.messages());
    }

    // ------------------------------------------------------------------ KnownBug

    // Each re-creatable bug carries the upstream fix: commit, release, subject and subsystem.
    // d9dddbf55667 "mm/page_alloc: prevent merging between isolated and other pageblocks" went
    // into v4.6; 14f69140ff9c "mm: limit boost_watermark on small zones" into v5.7.
    @Test
    void knownBugsNameTheirUpstreamFix() {
        KnownBug b = KnownBug.byName("isolate-merge");
        assertSame(KnownBug.ISOLATE_MERGE, b);
        assertEquals("d9dddbf55667", b.fixCommit());
        assertEquals("v4.6", b.fixedIn());
        assertEquals("mm/page_alloc: prevent merging between isolated and other pageblocks", b.title());
        assertEquals("buddy", b.subsystem());
        assertTrue(b.description().startsWith("__free_one_page merges a free block with its buddy"), b.description());
        KnownBug s = KnownBug.BOOST_SMALL_ZONE;
        assertEquals("v5.7", s.fixedIn());
        assertEquals("mm: limit boost_watermark on small zones", s.title());
        assertTrue(s.description().contains("pageblock_nr_pages * 4 > zone_managed_pages(zone)"));
        assertEquals("compaction", KnownBug.SCANNERS_MET.subsystem());
        for (KnownBug k : KnownBug.values()) {
            assertFalse(k.fixedIn().isEmpty() || k.title().isEmpty() || k.subsystem().isEmpty()
                    || k.description().isEmpty(), k.name());
        }
    }

    // ------------------------------------------------------------------ BadPageException

    // bad_page() (mm/page_alloc.c): pr_alert("BUG: Bad page state in process %s  pfn:%05lx\n"),
    // then dump_page(page, reason), whose last line is "page dumped because: <reason>". With a
    // dump of the page the dump is printed instead.
    @Test
    void badPageReportsThePfnAndTheReasonAsTheKernelPrintsThem() {
        BadPageException e = new BadPageException(0x123, "nonzero mapcount", null);
        assertEquals("BUG: Bad page state in process mmspec  pfn:00123\npage dumped because: nonzero mapcount",
                e.getMessage());
        assertEquals(0x123, e.pfn());
        assertEquals("nonzero mapcount", e.reason());
        BadPageException d = new BadPageException(0x4567f, "r", "page: refcount:1 mapcount:0");
        assertEquals("BUG: Bad page state in process mmspec  pfn:4567f\npage: refcount:1 mapcount:0", d.getMessage());
        assertEquals("r", d.reason());
    }

    // ------------------------------------------------------------------ hooks

    private static final class Fixed implements SlowpathHooks {
        @Override
        public long __perform_reclaim(PageAlloc pa, int gfp_mask, int order, PageAlloc.AllocContext ac) {
            return 7;
        }

        @Override
        public long zone_reclaimable_pages(PageAlloc pa, Zone zone) {
            return 5;
        }

        @Override
        public boolean should_compact_retry(PageAlloc pa, PageAlloc.AllocContext ac, int order, int alloc_flags,
                                            int compact_result) {
            return compact_result == COMPACT_SKIPPED;
        }
    }

    // With no reclaim or compaction model installed the slow path's callouts make no progress:
    // __perform_reclaim() reclaims nothing, zone_reclaimable_pages() is 0, direct compaction is
    // COMPACT_SKIPPED and should_compact_retry() is false -- what !CONFIG_COMPACTION's
    // should_compact_retry() stub in mm/page_alloc.c returns.
    @Test
    void withoutModelsTheCalloutsMakeNoProgress() {
        SlowpathHooks n = SlowpathHooks.NONE;
        assertEquals(0, n.__perform_reclaim(null, 0, 0, null));
        assertEquals(0, n.zone_reclaimable_pages(null, null));
        assertSame(SlowpathHooks.SKIPPED, n.__alloc_pages_direct_compact(null, 0, 0, 0, null, 0));
        assertFalse(n.should_compact_retry(null, null, 0, 0, SlowpathHooks.COMPACT_COMPLETE));
        MachineHooks h = new MachineHooks();
        h.setReclaim(null);
        h.setCompaction(null);
        assertEquals(0, h.__perform_reclaim(null, 0, 0, null));
        assertEquals(0, h.zone_reclaimable_pages(null, null));
        assertFalse(h.should_compact_retry(null, null, 0, 0, SlowpathHooks.COMPACT_SKIPPED));
    }

    // MachineHooks hands __perform_reclaim() and zone_reclaimable_pages() to the reclaim model
    // (mm/vmscan.c) and should_compact_retry() to the compaction model (mm/compaction.c /
    // mm/page_alloc.c), returning their answers unchanged; removing one (null) restores no progress.
    @Test
    void machineHooksDelegateEachCalloutToItsModel() {
        MachineHooks h = new MachineHooks();
        h.setReclaim(new Fixed());
        h.setCompaction(new Fixed());
        assertEquals(7, h.__perform_reclaim(null, 0, 0, null));
        assertEquals(5, h.zone_reclaimable_pages(null, null));
        assertTrue(h.should_compact_retry(null, null, 0, 0, SlowpathHooks.COMPACT_SKIPPED));
        assertFalse(h.should_compact_retry(null, null, 0, 0, SlowpathHooks.COMPACT_COMPLETE));
        h.setReclaim(null);
        assertEquals(0, h.__perform_reclaim(null, 0, 0, null));
        assertEquals(0, h.zone_reclaimable_pages(null, null));
        assertTrue(h.should_compact_retry(null, null, 0, 0, SlowpathHooks.COMPACT_SKIPPED), "compaction still installed");
        h.setCompaction(null);
        assertFalse(h.should_compact_retry(null, null, 0, 0, SlowpathHooks.COMPACT_SKIPPED));
    }

    // ------------------------------------------------------------------ parsers

    // Gfp.parse(): an empty mask is refused as such; hex numbers take 0x or 0X, as the kernel's
    // kstrtouint(s, 0) does (lib/kstrtox.c, _parse_integer_fixup_radix).
    @Test
    void gfpParseRejectsAnEmptyMaskAndTakesUpperCaseHex() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Gfp.parse("  "));
        assertEquals("empty gfp mask", e.getMessage());
        assertEquals(0xcc0, Gfp.parse("0XCC0"));
        assertEquals(0xcc0, Gfp.parse("0xcc0"));
        assertEquals(Gfp.GFP_KERNEL, Gfp.parse("0XCC0"));
    }

    // migratetype_names[] (mm/page_alloc.c): "Unmovable", "Movable", "Reclaimable", "HighAtomic",
    // "CMA", "Isolate", indexed by enum migratetype from 0; anything else is not a migratetype.
    @Test
    void migratetypeNamesAndParsing() {
        assertEquals("Unmovable", MigrateType.name(MIGRATE_UNMOVABLE));
        assertEquals("Isolate", MigrateType.name(MIGRATE_ISOLATE));
        assertEquals("mt6", MigrateType.name(MIGRATE_TYPES));
        assertEquals("mt-1", MigrateType.name(-1));
        assertEquals(MIGRATE_UNMOVABLE, MigrateType.parse("Unmovable"));
        assertEquals(MIGRATE_MOVABLE, MigrateType.parse("MIGRATE_MOVABLE"));
        assertEquals(MIGRATE_MOVABLE, MigrateType.parse(" movable "));
        assertEquals(MIGRATE_RECLAIMABLE, MigrateType.parse("migrate_reclaimable"));
        assertEquals(MIGRATE_HIGHATOMIC, MigrateType.parse("HighAtomic"));
        assertEquals(MIGRATE_CMA, MigrateType.parse("CMA"));
        assertEquals(MIGRATE_ISOLATE, MigrateType.parse("MIGRATE_ISOLATE"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MigrateType.parse("Pcp"));
        assertEquals("unknown migratetype 'Pcp' (one of Unmovable, Movable, Reclaimable, HighAtomic, CMA, Isolate)",
                e.getMessage());
    }

    // is_migrate_movable() (include/linux/mmzone.h): is_migrate_cma(mt) || mt == MIGRATE_MOVABLE.
    @Test
    void onlyMovableAndCmaAreMovable() {
        for (int mt = 0; mt < MIGRATE_TYPES; mt++) {
            assertEquals(mt == MIGRATE_MOVABLE || mt == MIGRATE_CMA, MigrateType.isMovable(mt), MigrateType.name(mt));
        }
    }

    // PfnRange.parse(): START-END, end exclusive, each pfn decimal or 0x/0X hex; anything else is
    // refused naming the offending text.
    @Test
    void pfnRangesParseInDecimalAndHex() {
        assertEquals(new PfnRange(0x100, 0x200), PfnRange.parse("0x100-0x200"));
        assertEquals(new PfnRange(0x100, 0x200), PfnRange.parse(" 0X100 - 0X200 "));
        assertEquals(new PfnRange(256, 512), PfnRange.parse("256-512"));
        assertEquals(0x1f, PfnRange.parsePfn("0x1f"));
        assertEquals(31, PfnRange.parsePfn("31"));
        IllegalArgumentException a = assertThrows(IllegalArgumentException.class, () -> PfnRange.parse("0x100"));
        assertEquals("pfn range '0x100' is not START-END", a.getMessage());
        IllegalArgumentException b = assertThrows(IllegalArgumentException.class, () -> PfnRange.parse("1-2-3"));
        assertEquals("pfn range '1-2-3' is not START-END", b.getMessage());
        IllegalArgumentException c = assertThrows(IllegalArgumentException.class, () -> PfnRange.parse("abc-0x10"));
        assertEquals("'abc' is not a pfn (decimal or 0x-hex)", c.getMessage());
    }

    // zone_names[] (mm/page_alloc.c), accepted with or without ZONE_ and in any case.
    @Test
    void zoneTypesParseByKernelName() {
        assertEquals(ZoneType.NORMAL, ZoneType.parse("ZONE_NORMAL"));
        assertEquals(ZoneType.DMA32, ZoneType.parse(" dma32 "));
        assertEquals(ZoneType.DMA, ZoneType.parse("DMA"));
        assertEquals(ZoneType.MOVABLE, ZoneType.parse("zone_movable"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ZoneType.parse("HighMem"));
        assertEquals("unknown zone 'HighMem' (one of DMA, DMA32, Normal, Movable)", e.getMessage());
    }

    // ------------------------------------------------------------------ MachineConfig

    // A configuration given no swap device has SwapConfig.NONE (no swap: reclaim cannot swap
    // anonymous pages out), and boots.
    @Test
    void aNullSwapMeansNoSwapDevice() {
        MachineConfig c = new MachineConfig("x", 6, 3, List.of(ZoneConfig.of(ZoneType.NORMAL, 0x100, 0x100)), -1, 10,
                15000, null, false, false, null, null);
        assertSame(SwapConfig.NONE, c.swap());
        assertEquals(MachineConfig.DEFAULT_LOWMEM_RESERVE_RATIO, c.lowmemReserveRatio());
        assertNotNull(new Machine(c));
    }

    // page_group_by_mobility_disabled is the only field withMobilityDisabled() changes; zone
    // managed pages per zone index (zone_managed_pages()), 0 for absent zones.
    @Test
    void withMobilityDisabledAndManagedPerZone() {
        MachineConfig c = MachineConfig.of("x", 6, 3, List.of(ZoneConfig.of(ZoneType.DMA, 1, 0xff, 0xff, 0xf0),
                ZoneConfig.of(ZoneType.NORMAL, 0x100, 0x400)));
        MachineConfig d = c.withMobilityDisabled(true);
        assertTrue(d.mobilityDisabled());
        assertFalse(c.mobilityDisabled());
        assertEquals(c.withMobilityDisabled(false), c);
        assertEquals(c.zones(), d.zones());
        assertArrayEquals(new long[] {0xf0, 0, 0x400, 0, 0}, c.managedPerZone());
    }

    // validate(): a zone without a type is refused naming zones[i].type.
    @Test
    void aZoneWithoutATypeIsRefused() {
        MachineConfig c = MachineConfig.of("x", 6, 3, List.of(ZoneConfig.of(null, 0x100, 0x100)));
        ConfigException e = assertThrows(ConfigException.class, c::validate);
        assertEquals("zones[0].type", e.field());
        assertEquals("zones[0].type: missing (one of DMA, DMA32, Normal, Movable)", e.getMessage());
    }

    // A zone may span pages none of which is present (populated_zone() false, present_pages 0):
    // valid, and the zone is left out of the zonelist (build_zonerefs_node() skips it).
    @Test
    void aZoneWithNoPresentPagesIsValidAndUnpopulated() {
        MachineConfig c = MachineConfig.of("x", 6, 3, List.of(ZoneConfig.of(ZoneType.DMA, 0x40, 0x40, 0, 0),
                ZoneConfig.of(ZoneType.NORMAL, 0x100, 0x100)));
        assertSame(c, c.validate());
        Machine m = new Machine(c);
        assertFalse(m.zone(ZoneType.DMA).populated());
        assertArrayEquals(new int[] {ZoneType.NORMAL.idx()}, m.node().zonelist);
    }

    // validate(): CMA pageblocks must be present memory (init_cma_reserved_pageblock() frees them
    // into the buddy), so a CMA range over a hole is refused naming zones[i].cma and the hole.
    @Test
    void aCmaRangeOverAHoleIsRefused() {
        ZoneConfig z = ZoneConfig.of(ZoneType.NORMAL, 0x100, 0x40, 0x38, 0x38).withCma(List.of(new PfnRange(0x138, 0x140)));
        MachineConfig c = MachineConfig.of("x", 6, 3, List.of(z));
        ConfigException e = assertThrows(ConfigException.class, c::validate);
        assertEquals("zones[0].cma", e.field());
        assertEquals("zones[0].cma: [0x138, 0x140) overlaps the hole [0x138, 0x140)", e.getMessage());
    }
}
