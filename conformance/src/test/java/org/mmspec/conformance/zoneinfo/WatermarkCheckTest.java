package org.mmspec.conformance.zoneinfo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.mmspec.conformance.Comparison;
import org.mmspec.conformance.Fixtures;
import org.mmspec.conformance.MalformedInputException;
import org.mmspec.reference.alloc.Watermarks;
import org.mmspec.reference.alloc.ZoneType;

/** This machine's saved /proc/zoneinfo against the reference, booted and as pure formulas. */
class WatermarkCheckTest {
    static final Zoneinfo ZI = Zoneinfo.parse(Fixtures.machine("zoneinfo"), "zoneinfo");
    static final WatermarkCheck.Sysctls SYS = new WatermarkCheck.Sysctls(Fixtures.MIN_FREE_KBYTES,
            Fixtures.WATERMARK_SCALE_FACTOR, WatermarkCheck.Sysctls.parseRatio(Fixtures.LOWMEM_RESERVE_RATIO));

    @Test
    void parsesEveryZoneOfTheNode() {
        assertEquals(5, ZI.zones().size());
        Zoneinfo.ZoneEntry dma = ZI.zones().get(0);
        assertEquals(ZoneType.DMA, dma.type());
        assertEquals(1, dma.startPfn());
        assertEquals(3840, dma.managed());
        assertEquals(24, dma.min());
        assertEquals(5, dma.protection().length);
        assertEquals(Zoneinfo.NO_START_PFN, ZI.zones().get(3).startPfn()); // Movable: unpopulated, no start_pfn
        assertEquals(ZoneType.DEVICE, ZI.zones().get(4).type());
    }

    @Test
    void theBootedReferenceAgreesWithEveryPrintedValue() {
        Comparison c = WatermarkCheck.compare(ZI, SYS);
        assertTrue(c.allAgree(), () -> c.rows().stream().filter(r -> !r.agrees()).toList().toString());
        assertEquals(5 * (4 + 5), c.rows().size());
        assertTrue(c.notes().get(0).startsWith("Reference: booted a Machine"), c.notes().get(0));
    }

    @Test
    void thePureFormulasAgreeToo() {
        Comparison c = WatermarkCheck.compare(ZI, SYS, 0);
        assertTrue(c.allAgree());
        assertTrue(c.notes().get(0).startsWith("Reference: the pure formulas"), c.notes().get(0));
    }

    @Test
    void otherSysctlsDisagree() {
        Comparison c = WatermarkCheck.compare(ZI, new WatermarkCheck.Sysctls(7892, 10, SYS.lowmemReserveRatio()));
        assertFalse(c.allAgree());
        // protection does not depend on min_free_kbytes: only the 4 watermarks of the 3 populated zones differ
        assertEquals(12, c.disagreements());
        Comparison r = WatermarkCheck.compare(ZI, new WatermarkCheck.Sysctls(67584, 10,
                WatermarkCheck.Sysctls.parseRatio("128 256 32 0 0")));
        assertEquals(4, r.disagreements()); // DMA's protection[1..4]
    }

    @Test
    void multiNodeLowmemPagesSumAllNodes() {
        long[] m = {3840, 772918, 1900544, 0, 0};
        long[][][] wm = Watermarks.setupPerZoneWmarks(new long[][] {m, m}, 67584, 10);
        // pages_min 16896 shared over 2 x 2677302 lowmem pages: DMA gets 16896 * 3840 / 5354604 = 12
        assertEquals(12, wm[0][0][Watermarks.WMARK_MIN]);
        assertEquals(12, wm[1][0][Watermarks.WMARK_MIN]);
        assertEquals(32, wm[1][ZoneType.MOVABLE.idx()][Watermarks.WMARK_MIN]);
        // one node alone gets twice the share
        assertEquals(24, Watermarks.setupPerZoneWmarks(m, 67584, 10)[0][Watermarks.WMARK_MIN]);
    }

    @Test
    void aTwoNodeFileGoesThroughThePureFormulas() {
        String node1 = Fixtures.machine("zoneinfo").replace("Node 0,", "Node 1,");
        Zoneinfo two = Zoneinfo.parse(Fixtures.machine("zoneinfo") + node1, "two");
        Comparison c = WatermarkCheck.compare(two, SYS);
        assertTrue(c.notes().get(0).contains("2 nodes"), c.notes().get(0));
        // each node's zones printed what one node alone gets: with two nodes the kernel would halve min
        assertFalse(c.allAgree());
        assertEquals(90, c.rows().size());
    }

    @Test
    void malformedFilesNameTheLine() {
        String z = Fixtures.machine("zoneinfo");
        MalformedInputException e = assertThrows(MalformedInputException.class,
                () -> Zoneinfo.parse(z.replaceFirst("        min      24\n", ""), "f"));
        assertTrue(e.getMessage().startsWith("f:1: zone DMA of node 0 has no 'min' line"), e.getMessage());
        e = assertThrows(MalformedInputException.class, () -> Zoneinfo.parse(z.replaceFirst("low      30", "low      3x"), "f"));
        assertTrue(e.getMessage().matches("f:\\d+: low '3x' is not an integer"), e.getMessage());
        int line = (int) z.substring(0, z.indexOf("low      30")).chars().filter(ch -> ch == '\n').count() + 1;
        assertEquals(line, e.line());
        e = assertThrows(MalformedInputException.class,
                () -> Zoneinfo.parse(z.replaceFirst("protection: \\(0, 3019, ", "protection: (0, "), "f"));
        assertTrue(e.getMessage().contains("protection has 4 entries"), e.getMessage());
        e = assertThrows(MalformedInputException.class, () -> Zoneinfo.parse("hello\n", "f"));
        assertEquals(1, e.line());
        e = assertThrows(MalformedInputException.class, () -> Zoneinfo.parse(z.replaceFirst("zone      DMA", "zone      XYZ"), "f"));
        assertTrue(e.getMessage().contains("unknown zone 'XYZ'"), e.getMessage());
        e = assertThrows(MalformedInputException.class, () -> Zoneinfo.parse(z.replaceFirst("start_pfn:           1\n", ""), "f"));
        assertTrue(e.getMessage().contains("no 'start_pfn:' line"), e.getMessage());
    }

    @Test
    void badSysctlsAreRejectedNamingTheKnob() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new WatermarkCheck.Sysctls(1024, 0, SYS.lowmemReserveRatio()));
        assertTrue(e.getMessage().contains("watermark_scale_factor"));
        e = assertThrows(IllegalArgumentException.class,
                () -> new WatermarkCheck.Sysctls(1024, 10, WatermarkCheck.Sysctls.parseRatio("256 256 32")));
        assertTrue(e.getMessage().contains("lowmem_reserve_ratio has 3 values"));
        e = assertThrows(IllegalArgumentException.class, () -> WatermarkCheck.Sysctls.parseRatio("256 x 32 0 0"));
        assertTrue(e.getMessage().contains("lowmem_reserve_ratio[1] 'x'"));
    }
}
