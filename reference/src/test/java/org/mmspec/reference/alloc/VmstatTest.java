package org.mmspec.reference.alloc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.mmspec.reference.Machine;

/**
 * The fragmentation indices of mm/vmstat.c against numbers the kernel printed on this machine
 * (/proc/buddyinfo and debugfs extfrag/* read as one snapshot). The laws are in invariants' laws tests.
 */
class VmstatTest {
    // Node 0 on this machine, 2026-11-25 16:27 UTC (the conformance module keeps the files)
    static final long[] DMA = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 3};
    static final long[] NORMAL = {10725, 7796, 3802, 2733, 2297, 1423, 1088, 708, 514, 300, 1015};

    @Test
    void unusableIndexAsDebugfsPrintedIt() {
        String[] dma = {"0.000", "0.000", "0.000", "0.000", "0.000", "0.000", "0.000", "0.000", "0.000", "0.066", "0.200"};
        String[] normal = {"0.000", "0.006", "0.016", "0.025", "0.038", "0.061", "0.089", "0.132", "0.187", "0.268", "0.362"};
        for (int o = 0; o <= 10; o++) {
            assertEquals(dma[o], Vmstat.formatIndex(Vmstat.unusable_free_index(DMA, o)), "DMA order " + o);
            assertEquals(normal[o], Vmstat.formatIndex(Vmstat.unusable_free_index(NORMAL, o)), "Normal order " + o);
        }
    }

    @Test
    void fragmentationIndexIsMinusOneWhenTheAllocationWouldSucceed() {
        for (int o = 0; o <= 10; o++) {
            assertEquals(-1000, Vmstat.fragmentation_index(NORMAL, o));
            assertEquals("-1.000", Vmstat.formatIndex(Vmstat.fragmentation_index(DMA, o)));
        }
    }

    @Test
    void handComputedCases() {
        // no free block at all: 0 (and unusable 1.000)
        long[] none = new long[11];
        assertEquals(0, Vmstat.fragmentation_index(none, 3));
        assertEquals(1000, Vmstat.unusable_free_index(none, 3));
        assertEquals(0, Vmstat.extfrag_for_order(none, 3));
        // 8 free order-0 pages, order 3 wanted: 1000 - (1000 + 8000/8) / 8 = 750 -> "0.750"
        long[] eight = new long[11];
        eight[0] = 8;
        assertEquals(750, Vmstat.fragmentation_index(eight, 3));
        assertEquals(1000, Vmstat.unusable_free_index(eight, 3));
        assertEquals(100, Vmstat.extfrag_for_order(eight, 3));
        // one free page, order 1 wanted: 1000 - (1000 + 500) / 1 = -500, printed "0.-500" by "%d.%03d"
        long[] one = new long[11];
        one[0] = 1;
        assertEquals(-500, Vmstat.fragmentation_index(one, 1));
        assertEquals("0.-500", Vmstat.formatIndex(-500));
        assertEquals("-1.-500", Vmstat.formatIndex(-1500));
        // order above MAX_PAGE_ORDER: WARN_ON_ONCE and 0
        assertEquals(0, Vmstat.fragmentation_index(eight, 11));
    }

    @Test
    void aZoneOfTheReferenceGivesTheSameAsItsNrFree() {
        Machine m = new Machine(MachineConfig.of("vmstat", 6, 3, List.of(ZoneConfig.of(ZoneType.NORMAL, 0, 256)))
                .withMinFreeKbytes(0));
        for (int i = 0; i < 40; i++) m.allocPages(Gfp.GFP_KERNEL, i % 3);
        Zone z = m.zone(ZoneType.NORMAL);
        for (int o = 0; o <= 6; o++) {
            assertEquals(Vmstat.unusable_free_index(z.nrFree.clone(), o), Vmstat.unusable_free_index(z, o));
            assertEquals(Vmstat.fragmentation_index(z.nrFree.clone(), o), Vmstat.fragmentation_index(z, o));
            assertEquals(Vmstat.extfrag_for_order(z.nrFree.clone(), o), Vmstat.extfrag_for_order(z, o));
        }
    }
}
