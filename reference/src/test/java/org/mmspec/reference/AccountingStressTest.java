package org.mmspec.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mmspec.reference.alloc.Gfp.*;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.mmspec.reference.Fixtures.FreeBlock;
import org.mmspec.reference.alloc.AllocStats;
import org.mmspec.reference.alloc.MachineConfig;
import org.mmspec.reference.alloc.MigrateType;
import org.mmspec.reference.alloc.PfnRange;
import org.mmspec.reference.alloc.Zone;
import org.mmspec.reference.alloc.ZoneConfig;
import org.mmspec.reference.alloc.ZoneType;
import org.mmspec.reference.page.PageFlags;

/**
 * Seeded random runs of allocations (every common gfp, orders skewed to 0), frees, isolations
 * and sysctl writes; after every step the zone counters must agree with the free lists, every
 * free block must sit on the list of its pageblock's type, and the reference must not have hit
 * a VM_BUG_ON/VM_WARN.
 */
class AccountingStressTest {
    static final int[] GFPS = {GFP_KERNEL, GFP_ATOMIC, GFP_HIGHUSER_MOVABLE, GFP_DMA, GFP_DMA32,
        GFP_KERNEL | __GFP_RECLAIMABLE, GFP_NOWAIT, GFP_TRANSHUGE_LIGHT, GFP_USER};

    static List<Arguments> configs() {
        MachineConfig movable = MachineConfig.of("dma32-movable", 5, 2, List.of(
                ZoneConfig.of(ZoneType.DMA32, 0x40, 0xc0).withCma(List.of(new PfnRange(0xf0, 0x100))),
                ZoneConfig.of(ZoneType.MOVABLE, 0x100, 0x100)));
        MachineConfig x86Like = MachineConfig.of("x86-like", 4, 3, List.of(
                ZoneConfig.of(ZoneType.DMA, 1, 0xff),
                ZoneConfig.of(ZoneType.NORMAL, 0x100, 0x200).withCma(List.of(new PfnRange(0x2e0, 0x300))),
                ZoneConfig.of(ZoneType.MOVABLE, 0x300, 0x100)));
        return List.of(
                Arguments.of(Fixtures.smallWithCma().withMinFreeKbytes(600), 1L),
                Arguments.of(Fixtures.smallWithCma().withMinFreeKbytes(0).withWatermarkScaleFactor(400), 2L),
                Arguments.of(Fixtures.dmaNormal().withMinFreeKbytes(2000), 3L),
                Arguments.of(movable, 4L),
                Arguments.of(movable.withKnownBugs(List.of("boost-small-zone")), 5L),
                Arguments.of(Fixtures.normalOnly(0x200, 0x200, 4, 2).withMinFreeKbytes(256), 6L),
                Arguments.of(Fixtures.normalOnly(0x200, 0x200, 4, 2).withMinFreeKbytes(64).withDefragMode(true), 7L),
                Arguments.of(Fixtures.normalOnly(0x200, 0x200, 4, 2).withMobilityDisabled(true), 8L),
                Arguments.of(x86Like, 9L),
                Arguments.of(x86Like.withMinFreeKbytes(1500), 10L));
    }

    /** Mostly order-0 movable pages with some unmovable and atomic ones: fragments pageblocks so fallbacks boost. */
    static final int[] FRAGMENTING = {GFP_HIGHUSER_MOVABLE, GFP_HIGHUSER_MOVABLE, GFP_HIGHUSER_MOVABLE, GFP_KERNEL,
        GFP_ATOMIC, GFP_KERNEL | __GFP_RECLAIMABLE};

    @ParameterizedTest(name = "{0} seed {1}")
    @MethodSource("configs")
    void countersFollowTheLists(MachineConfig c, long seed) {
        run(c, seed, GFPS, 5, 55);
    }

    /**
     * Fragmenting runs on pageblock_order 2: the counters must follow the lists through
     * sub-pageblock fallbacks too, and the runs together must have boosted the watermark (else
     * they did not reach that path and the test would check less than it claims).
     */
    @Test
    void countersFollowTheListsUnderFragmentation() {
        MachineConfig twoZones = MachineConfig.of("dma-normal-pb2", 3, 2, List.of(
                ZoneConfig.of(ZoneType.DMA, 1, 0xff), ZoneConfig.of(ZoneType.NORMAL, 0x100, 0x200)));
        long boosts = 0;
        long claims = 0;
        boosts += run(Fixtures.normalOnly(0x200, 0x200, 4, 2).withMinFreeKbytes(128), 21, FRAGMENTING, 40, 72)
                .watermarkBoosts;
        AllocStats s = run(twoZones, 22, FRAGMENTING, 40, 72);
        boosts += s.watermarkBoosts;
        claims += s.fallbackClaim[MigrateType.MIGRATE_UNMOVABLE][MigrateType.MIGRATE_MOVABLE];
        boosts += run(twoZones.withWatermarkBoostFactor(30000), 24, FRAGMENTING, 40, 72).watermarkBoosts;
        assertTrue(boosts > 0, "no run reached boost_watermark()");
        assertTrue(claims > 0, "no run claimed a MOVABLE pageblock for UNMOVABLE");
    }

    /** Runs 1500 seeded steps, checking after each; orders are 0 except one allocation in highOrderOneIn. */
    static AllocStats run(MachineConfig c, long seed, int[] gfps, int highOrderOneIn, int allocPercent) {
        Machine m = new Machine(c);
        SplittableRandom r = new SplittableRandom(seed);
        List<long[]> live = new ArrayList<>();
        List<long[]> ranges = new ArrayList<>();
        long lo = c.nodeStartPfn() & ~((1L << c.pageblockOrder()) - 1);
        long hi = c.nodeEndPfn();
        for (int step = 0; step < 1500; step++) {
            String what;
            int op = r.nextInt(100);
            if (op < allocPercent || live.isEmpty()) {
                int order = r.nextInt(highOrderOneIn) == 0 ? r.nextInt(c.maxPageOrder() + 1) : 0;
                int gfp = gfps[r.nextInt(gfps.length)];
                long pfn = m.allocPages(gfp, order);
                what = "alloc " + format(gfp) + " order " + order + " -> " + pfn;
                if (pfn >= 0) {
                    for (long[] b : live) {
                        assertTrue(pfn + (1L << order) <= b[0] || b[0] + (1L << b[1]) <= pfn,
                                what + " overlaps live block 0x" + Long.toHexString(b[0]));
                    }
                    int f = m.mem().flags[m.mem().idx(pfn)];
                    assertEquals(0, f & PageFlags.PG_reserved, what);
                    live.add(new long[] {pfn, order});
                }
            } else if (op < allocPercent + (96 - allocPercent) * 4 / 5) {
                long[] b = live.remove(r.nextInt(live.size()));
                m.freePages(b[0], (int) b[1]);
                what = "free 0x" + Long.toHexString(b[0]) + " order " + b[1];
            } else if (op < 96) {
                what = isolationStep(m, r, ranges, lo, hi);
                if (what == null) continue;
            } else {
                m.writeSysctl("watermark_boost_factor", Integer.toString(r.nextInt(30000)));
                what = "sysctl";
            }
            check(m, "step " + step + " (" + what + ")");
        }
        return m.stats();
    }

    /**
     * With MAX_PAGE_ORDER = pageblock_order + 1 (the x86-64 shape) any range in one zone may be
     * isolated or undone. With larger MAX_PAGE_ORDER the step keeps the kernel's contract (undo
     * exactly what was isolated) and keeps isolated ranges apart: see
     * IsolationTest#undoingOneOfTwoAdjacentIsolationsKeepsTheOtherIsolatedAtLargeMaxOrder.
     */
    static String isolationStep(Machine m, SplittableRandom r, List<long[]> ranges, long lo, long hi) {
        MachineConfig c = m.config();
        long pb = 1L << c.pageblockOrder();
        boolean anyRange = c.maxPageOrder() == c.pageblockOrder() + 1;
        if (!anyRange && !ranges.isEmpty() && r.nextBoolean()) {
            long[] rg = ranges.remove(r.nextInt(ranges.size()));
            m.undoIsolatePageRange(rg[0], rg[1]);
            return "undo [0x" + Long.toHexString(rg[0]) + ", 0x" + Long.toHexString(rg[1]) + ")";
        }
        long start = lo + pb * r.nextInt((int) ((hi - lo) / pb));
        long end = Math.min(hi, start + pb * (1 + r.nextInt(6)));
        Zone z = m.node().pageZone(start);
        if (z == null || !z.spansPfn(end - 1) || !z.spansPfn(start)) return null;
        String range = "[0x" + Long.toHexString(start) + ", 0x" + Long.toHexString(end) + ")";
        if (anyRange) {
            if (r.nextBoolean()) return "isolate " + range + " -> " + m.startIsolatePageRange(start, end, r.nextInt(3));
            m.undoIsolatePageRange(start, end);
            return "undo " + range;
        }
        for (long[] rg : ranges) if (start < rg[1] + pb && rg[0] < end + pb) return null;
        int ret = m.startIsolatePageRange(start, end, r.nextInt(3));
        if (ret == 0) ranges.add(new long[] {start, end});
        return "isolate " + range + " -> " + ret;
    }

    static void check(Machine m, String where) {
        assertEquals(0, m.warnings().count(), where + ": " + m.warnings().messages());
        int pbOrder = m.config().pageblockOrder();
        for (ZoneType t : ZoneType.values()) {
            Zone z = m.zone(t);
            long free = 0, cma = 0, highatomic = 0, blocks = 0;
            long[] nr = new long[z.nrOrders()];
            for (FreeBlock b : Fixtures.freeBlocks(m, t).values()) {
                long n = 1L << b.order();
                nr[b.order()]++;
                assertEquals(z.pageblockMigratetype(b.pfn()), b.listMt(), where + ": block " + b + " on the wrong list");
                assertTrue(z.spansPfn(b.pfn()) && z.spansPfn(b.pfn() + n - 1), where + ": block " + b + " leaves " + t);
                for (long p = b.pfn(); p < b.pfn() + n; p += 1L << pbOrder) {
                    assertEquals(b.listMt() == MigrateType.MIGRATE_ISOLATE, z.pageblockIsolated(p),
                            where + ": block " + b + " and the isolation of pageblock 0x" + Long.toHexString(p));
                }
                if (b.listMt() == MigrateType.MIGRATE_ISOLATE) continue;
                free += n;
                if (b.listMt() == MigrateType.MIGRATE_CMA) cma += n;
                if (b.listMt() == MigrateType.MIGRATE_HIGHATOMIC) highatomic += n;
                if (b.order() >= pbOrder) blocks += n;
            }
            assertEquals(free, z.nrFreePages, where + ": NR_FREE_PAGES of " + t);
            assertEquals(cma, z.nrFreeCmaPages, where + ": NR_FREE_CMA_PAGES of " + t);
            assertEquals(highatomic, z.nrFreeHighatomic, where + ": nr_free_highatomic of " + t);
            assertEquals(blocks, z.nrFreePagesBlocks, where + ": NR_FREE_PAGES_BLOCKS of " + t);
            for (int o = 0; o < nr.length; o++) assertEquals(nr[o], z.nrFree[o], where + ": " + t + " nr_free[" + o + "]");
            assertTrue(z.nrReservedHighatomic >= 0 && z.nrReservedHighatomic % (1L << pbOrder) == 0,
                    where + ": nr_reserved_highatomic " + z.nrReservedHighatomic);
            int isolated = 0;
            for (int i = 0; i < z.nrPageblocks(); i++) if (z.pageblockIsolated(z.pageblockPfn(i))) isolated++;
            assertEquals(isolated, z.nrIsolatePageblock, where + ": nr_isolate_pageblock of " + t);
        }
    }
}
