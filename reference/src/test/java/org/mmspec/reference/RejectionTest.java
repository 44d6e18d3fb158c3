package org.mmspec.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mmspec.reference.alloc.Gfp.*;

import java.util.List;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;
import org.mmspec.reference.alloc.BadPageException;
import org.mmspec.reference.alloc.MachineConfig;
import org.mmspec.reference.alloc.PageIsolation;
import org.mmspec.reference.alloc.PfnRange;
import org.mmspec.reference.alloc.RejectedOperationException;
import org.mmspec.reference.alloc.Watermarks;
import org.mmspec.reference.alloc.ZoneConfig;
import org.mmspec.reference.alloc.ZoneType;

/**
 * Bad operations are rejected with a kernel-style message naming the pfn (in hex) or the field,
 * and leave the machine exactly as it was (same fingerprint, same free lists, same sysctls).
 */
class RejectionTest {

    /** Runs op, expects a rejection whose message contains every fragment, and checks nothing changed. */
    static <E extends RejectedOperationException> E rejected(Class<E> type, Machine m, Consumer<Machine> op,
                                                             String... fragments) {
        long before = m.fingerprint();
        var blocks = Fixtures.allFreeBlocks(m);
        long warnings = m.warnings().count();
        E e = assertThrows(type, () -> op.accept(m));
        for (String f : fragments) assertTrue(e.getMessage().contains(f), "'" + f + "' not in: " + e.getMessage());
        assertEquals(before, m.fingerprint(), "state changed by a rejected operation: " + e.getMessage());
        assertEquals(blocks, Fixtures.allFreeBlocks(m));
        assertEquals(warnings, m.warnings().count());
        return e;
    }

    /** DMA + Normal with 0x100 (order 2) and 0x104 (order 0) allocated. */
    static Machine withAllocations() {
        Machine m = new Machine(Fixtures.dmaNormal());
        assertEquals(0x100, m.allocPages(GFP_HIGHUSER_MOVABLE, 2));
        assertEquals(0x104, m.allocPages(GFP_HIGHUSER_MOVABLE, 0));
        return m;
    }

    @Test
    void doubleFree() {
        Machine m = withAllocations();
        long pfn = m.allocPages(GFP_HIGHUSER_MOVABLE, 3);
        assertEquals(0x108, pfn);
        m.freePages(pfn, 3); // stays order 3: its buddy 0x100 (order 3) is partly allocated
        BadPageException e = rejected(BadPageException.class, m, x -> x.freePages(0x108, 3), "pfn:00108", "pfn:0x108",
                "double free");
        assertEquals(0x108, e.pfn());
        // a double free of a page that has since merged into a larger free block is caught too
        m.freePages(0x104, 0);
        rejected(BadPageException.class, m, x -> x.freePages(0x104, 0), "0x104");
        rejected(BadPageException.class, m, x -> x.freePages(0x106, 1), "0x106", "free block");
    }

    @Test
    void freeOfATailPage() {
        Machine m = withAllocations();
        BadPageException e = rejected(BadPageException.class, m, x -> x.freePages(0x101, 0), "0x101", "tail page",
                "0x100");
        assertEquals(0x101, e.pfn());
        rejected(BadPageException.class, m, x -> x.freePages(0x102, 1), "0x102", "tail page");
    }

    @Test
    void freeWithTheWrongOrder() {
        Machine m = withAllocations();
        rejected(BadPageException.class, m, x -> x.freePages(0x100, 1), "0x100", "freed with order 1",
                "allocated with order 2");
        rejected(BadPageException.class, m, x -> x.freePages(0x100, 3), "0x100", "order 3");
        rejected(BadPageException.class, m, x -> x.freePages(0x104, 1), "0x104");
        // after the rejections the right free still works
        m.freePages(0x100, 2);
        m.freePages(0x104, 0);
        assertTrue(Fixtures.unmergedBuddies(m).isEmpty());
    }

    @Test
    void freeOutsideEveryZone() {
        Machine m = withAllocations();
        rejected(RejectedOperationException.class, m, x -> x.freePages(0, 0), "0x0", "outside every zone");
        rejected(RejectedOperationException.class, m, x -> x.freePages(0x500, 0), "0x500", "outside every zone");
        rejected(RejectedOperationException.class, m, x -> x.freePages(0x12345678L, 0), "0x12345678");
        rejected(RejectedOperationException.class, m, x -> x.freePages(-1, 0), "outside every zone");
    }

    @Test
    void freeOfAHoleAndOfAReservedPage() {
        ZoneConfig zc = new ZoneConfig(ZoneType.NORMAL, 0x100, 0x100, 0xf0, 0xe8, List.of(new PfnRange(0x180, 0x190)),
                List.of(new PfnRange(0x1f8, 0x200)), null);
        Machine m = new Machine(MachineConfig.of("holes", 4, 2, List.of(zc)));
        assertTrue(m.allocPages(GFP_KERNEL, 0) >= 0);
        rejected(BadPageException.class, m, x -> x.freePages(0x184, 0), "0x184", "hole");
        rejected(BadPageException.class, m, x -> x.freePages(0x180, 2), "0x180", "hole");
        rejected(BadPageException.class, m, x -> x.freePages(0x1f8, 0), "0x1f8", "PG_reserved");
        // a free page that was never allocated
        rejected(BadPageException.class, m, x -> x.freePages(0x1c0, 4), "0x1c0");
    }

    @Test
    void ordersAboveMaxPageOrder() {
        Machine m = withAllocations();
        rejected(RejectedOperationException.class, m, x -> x.allocPages(GFP_KERNEL, 7), "order 7", "MAX_PAGE_ORDER (6)");
        rejected(RejectedOperationException.class, m, x -> x.allocPages(GFP_KERNEL, -1), "order -1");
        rejected(RejectedOperationException.class, m, x -> x.freePages(0x100, 7), "0x100", "order 7", "MAX_PAGE_ORDER (6)");
        rejected(RejectedOperationException.class, m, x -> x.freePages(0x100, -1), "0x100", "order -1");
        assertEquals(0, m.stats().failByOrder[0], "a rejection is not an allocation failure");
    }

    @Test
    void gfpZoneBadMasks() {
        Machine m = withAllocations();
        rejected(RejectedOperationException.class, m, x -> x.allocPages(GFP_KERNEL | __GFP_DMA | __GFP_DMA32, 0),
                "GFP_ZONE_BAD", "0x5");
        rejected(RejectedOperationException.class, m, x -> x.allocPages(__GFP_DMA32 | __GFP_HIGHMEM, 0), "GFP_ZONE_BAD");
        rejected(RejectedOperationException.class, m, x -> x.allocPages(GFP_HIGHUSER_MOVABLE | __GFP_DMA32, 0),
                "GFP_ZONE_BAD", "0xe");
        rejected(RejectedOperationException.class, m, x -> x.allocPages(GFP_KERNEL | __GFP_MOVABLE | __GFP_RECLAIMABLE, 0),
                "__GFP_MOVABLE and __GFP_RECLAIMABLE");
        rejected(RejectedOperationException.class, m, x -> x.allocPages("GFP_KERNEL|__GFP_DMA|__GFP_HIGHMEM", 0),
                "GFP_ZONE_BAD");
        rejected(RejectedOperationException.class, m, x -> x.allocPages("GFP_KERNEL|__GFP_NOPE", 0), "__GFP_NOPE");
        long dma = m.allocPages("GFP_KERNEL|__GFP_DMA", 0);
        assertTrue(dma >= 1 && dma < 0x100, "a good text mask goes through to DMA: " + dma);
    }

    @Test
    void badSysctlWrites() {
        Machine m = withAllocations();
        rejected(RejectedOperationException.class, m, x -> x.writeSysctl("min_free_kbytes", "-1"), "vm.min_free_kbytes",
                "-1", "0..");
        rejected(RejectedOperationException.class, m, x -> x.writeSysctl("min_free_kbytes", "lots"), "vm.min_free_kbytes",
                "'lots'", "not an integer");
        rejected(RejectedOperationException.class, m, x -> x.writeSysctl("watermark_scale_factor", "0"),
                "vm.watermark_scale_factor", "1..3000");
        rejected(RejectedOperationException.class, m, x -> x.writeSysctl("watermark_scale_factor", "3001"),
                "vm.watermark_scale_factor", "3001", "1..3000");
        rejected(RejectedOperationException.class, m, x -> x.writeSysctl("watermark_boost_factor", "-5"),
                "vm.watermark_boost_factor");
        rejected(RejectedOperationException.class, m, x -> x.writeSysctl("lowmem_reserve_ratio", "256 256 32 0"),
                "vm.lowmem_reserve_ratio", "4 values", "takes 5");
        rejected(RejectedOperationException.class, m, x -> x.writeSysctl("lowmem_reserve_ratio", "256 256 32 0 x"),
                "lowmem_reserve_ratio[4]", "'x'");
        rejected(RejectedOperationException.class, m, x -> x.writeSysctl("lowmem_reserve_ratio", "256 256 32 0 4294967296"),
                "lowmem_reserve_ratio[4]");
        rejected(RejectedOperationException.class, m, x -> x.writeSysctl("swappiness", "60"), "vm.swappiness",
                "min_free_kbytes");
    }

    @Test
    void goodSysctlWritesTakeEffect() {
        Machine m = new Machine(Fixtures.dmaNormal());
        m.writeSysctl("watermark_scale_factor", " 3000 ");
        assertEquals(3000, m.sysctl().watermarkScaleFactor);
        assertEquals(m.zone(ZoneType.NORMAL).watermark[Watermarks.WMARK_MIN] + 307,
                m.zone(ZoneType.NORMAL).watermark[Watermarks.WMARK_LOW], "1024 * 3000 / 10000");
        m.writeSysctl("min_free_kbytes", "1024");
        assertEquals(1024, m.sysctl().minFreeKbytes);
        assertEquals(1024, m.sysctl().userMinFreeKbytes);
        assertEquals(256L * 1024 / 1279, m.zone(ZoneType.NORMAL).watermark[Watermarks.WMARK_MIN]);
        // lowmem_reserve_ratio_sysctl_handler turns values below 1 into 0
        m.writeSysctl("lowmem_reserve_ratio", "-3 256 32 0 0");
        assertEquals(0, m.sysctl().lowmemReserveRatio[0]);
        assertEquals(0, m.zone(ZoneType.DMA).lowmemReserve[ZoneType.NORMAL.idx()]);
        m.writeSysctl("lowmem_reserve_ratio", "2 256 32 0 0");
        assertEquals(512, m.zone(ZoneType.DMA).lowmemReserve[ZoneType.NORMAL.idx()]);
    }

    /**
     * vm.min_free_kbytes is an int in the kernel (proc_dointvec_minmax, extra1 = SYSCTL_ZERO): a
     * value above INT_MAX is -EINVAL. (Before the bound, Long.MAX_VALUE overflowed pages_min *
     * managed in Watermarks.setupPerZoneWmarks and left negative watermarks.)
     */
    @Test
    void minFreeKbytesAboveIntMaxIsRejected() {
        Machine m = new Machine(Fixtures.dmaNormal());
        rejected(RejectedOperationException.class, m, x -> x.writeSysctl("min_free_kbytes", "2147483648"),
                "vm.min_free_kbytes");
        rejected(RejectedOperationException.class, m, x -> x.writeSysctl("min_free_kbytes", Long.toString(Long.MAX_VALUE)),
                "vm.min_free_kbytes");
        for (ZoneType t : ZoneType.values()) {
            for (long w : m.zone(t).watermark) assertTrue(w >= 0, t + " watermark " + w);
        }
        // INT_MAX itself is accepted and gives huge but sane watermarks
        m.writeSysctl("min_free_kbytes", "2147483647");
        assertEquals(((long) Integer.MAX_VALUE >> 2) * 0x400 / 0x4ff, m.zone(ZoneType.NORMAL).watermark[Watermarks.WMARK_MIN]);
        for (ZoneType t : ZoneType.values()) {
            for (long w : m.zone(t).watermark) assertTrue(w >= 0, t + " watermark " + w);
        }
    }

    @Test
    void isolationOfARangeThatCrossesZones() {
        Machine m = withAllocations();
        int mode = PageIsolation.PB_ISOLATE_MODE_MEM_OFFLINE;
        rejected(RejectedOperationException.class, m, x -> x.startIsolatePageRange(0xf8, 0x108, mode), "0xf8", "0x108",
                "one zone");
        rejected(RejectedOperationException.class, m, x -> x.startIsolatePageRange(0x4f8, 0x508, mode), "0x4f8", "0x508");
        // DMA's first pageblock starts at pfn 0, which belongs to no zone
        rejected(RejectedOperationException.class, m, x -> x.startIsolatePageRange(1, 8, mode), "0x0", "0x8");
        rejected(RejectedOperationException.class, m, x -> x.startIsolatePageRange(0x200, 0x200, mode), "empty range");
        rejected(RejectedOperationException.class, m, x -> x.undoIsolatePageRange(0xf8, 0x108), "0xf8", "0x108");
        assertEquals(0, m.stats().isolated);
    }

    @Test
    void unknownIsolationModeIsRejected() {
        RejectedOperationException e = assertThrows(RejectedOperationException.class, () -> PageIsolation.parseMode("FAST"));
        assertTrue(e.getMessage().contains("'FAST'"), e.getMessage());
        assertEquals(PageIsolation.PB_ISOLATE_MODE_CMA_ALLOC, PageIsolation.parseMode("PB_ISOLATE_MODE_CMA_ALLOC"));
        assertEquals(PageIsolation.PB_ISOLATE_MODE_OTHER, PageIsolation.parseMode("other"));
    }
}
