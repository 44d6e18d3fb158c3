package org.mmspec.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.mmspec.reference.alloc.MachineConfig;
import org.mmspec.reference.alloc.MigrateType;
import org.mmspec.reference.alloc.Zone;
import org.mmspec.reference.alloc.ZoneConfig;
import org.mmspec.reference.alloc.ZoneType;

/**
 * Boots this machine's real node 0 geometry (from /proc/zoneinfo, copied here: no /proc access)
 * and compares the watermarks and protection arrays the Machine ends up with against what the
 * kernel printed. Booting 6.5M struct pages takes a few hundred milliseconds.
 */
class RealMachineWatermarksTest {
    static final List<ZoneConfig> ZONES = List.of(
            ZoneConfig.of(ZoneType.DMA, 1, 4095, 3998, 3840),
            ZoneConfig.of(ZoneType.DMA32, 4096, 1044480, 782336, 772918),
            ZoneConfig.of(ZoneType.NORMAL, 1048576, 5505024, 5505024, 196608));

    static final long[][] KERNEL_WMARKS = {
        {66, 82, 98, 114}, {13416, 16770, 20124, 23478}, {3412, 4265, 5118, 5971}, {32, 32, 32, 32}, {0, 0, 0, 0},
    };
    static final long[][] KERNEL_PROTECTION = {
        {0, 3019, 3787, 3787, 3787}, {0, 0, 768, 768, 768}, {0, 0, 0, 0, 0}, {0, 0, 0, 0, 0}, {0, 0, 0, 0, 0},
    };

    static Machine machine;

    @BeforeAll
    static void boot() {
        MachineConfig c = MachineConfig.of("this-machine", 10, 9, ZONES).withMinFreeKbytes(67584);
        assertEquals(List.of(256, 256, 32, 0, 0), c.lowmemReserveRatio());
        assertEquals(10, c.watermarkScaleFactor());
        machine = new Machine(c);
    }

    @Test
    void watermarksAndProtectionAreTheKernels() {
        for (ZoneType t : ZoneType.values()) {
            Zone z = machine.zone(t);
            assertArrayEquals(KERNEL_WMARKS[t.idx()], z.watermark, "min/low/high/promo of " + t.kernelName());
            assertArrayEquals(KERNEL_PROTECTION[t.idx()], z.lowmemReserve, "protection of " + t.kernelName());
            assertEquals(0, z.watermarkBoost);
        }
        assertEquals(67584, machine.sysctl().minFreeKbytes);
    }

    @Test
    void managedAndFreeAreTheConfiguredOnes() {
        for (ZoneConfig zc : ZONES) {
            Zone z = machine.zone(zc.type());
            assertEquals(zc.managed(), z.managedPages, zc.type().kernelName());
            assertEquals(zc.managed(), z.nrFreePages, zc.type().kernelName());
            assertEquals(zc.present(), z.presentPages);
            assertEquals(zc.spanned(), z.spannedPages);
        }
        assertEquals(0, machine.zone(ZoneType.MOVABLE).managedPages);
        assertEquals(0, machine.warnings().count());
    }

    /** /proc/pagetypeinfo on this machine: DMA has 1 Unmovable and 7 Movable pageblocks. */
    @Test
    void dmaPageblockTypesMatchPagetypeinfo() {
        Zone dma = machine.zone(ZoneType.DMA);
        assertEquals(8, dma.nrPageblocks());
        int[] count = new int[MigrateType.MIGRATE_TYPES];
        for (int i = 0; i < dma.nrPageblocks(); i++) count[dma.pageblockMigratetype(dma.pageblockPfn(i))]++;
        assertEquals(1, count[MigrateType.MIGRATE_UNMOVABLE]);
        assertEquals(7, count[MigrateType.MIGRATE_MOVABLE]);
        assertEquals(MigrateType.MIGRATE_UNMOVABLE, dma.pageblockMigratetype(0));
    }

    /**
     * A sysctl write reruns the handlers: min_free_kbytes back to 67584 gives the same numbers
     * again. Works on the shared machine (a copy would hold another 6.5M struct pages) and puts
     * the sysctls back in a finally block.
     */
    @Test
    void sysctlWritesRecomputeOnTheRealGeometry() {
        Machine m = machine;
        try {
            m.writeSysctl("min_free_kbytes", "7892"); // what calculate_min_free_kbytes() alone gives here
            assertEquals(7, m.zone(ZoneType.DMA).watermark[0]); // pages_min 1973 * 3840 / 973366
            assertEquals(1566, m.zone(ZoneType.DMA32).watermark[0]); // 1973 * 772918 / 973366
            m.writeSysctl("lowmem_reserve_ratio", "128 0 32 0 0");
            assertArrayEquals(new long[] {0, 6038, 7574, 7574, 7574}, m.zone(ZoneType.DMA).lowmemReserve);
            assertArrayEquals(new long[] {0, 0, 0, 0, 0}, m.zone(ZoneType.DMA32).lowmemReserve);
        } finally {
            m.writeSysctl("min_free_kbytes", "67584");
            m.writeSysctl("lowmem_reserve_ratio", "256 256 32 0 0");
        }
        for (ZoneType t : ZoneType.values()) {
            assertArrayEquals(KERNEL_WMARKS[t.idx()], m.zone(t).watermark, t.kernelName());
            assertArrayEquals(KERNEL_PROTECTION[t.idx()], m.zone(t).lowmemReserve, t.kernelName());
        }
    }

    /**
     * The model's default (minFreeKbytes -1) runs calculate_min_free_kbytes() only; this machine
     * runs with 67584 because khugepaged's set_recommended_min_free_kbytes() (mm/khugepaged.c)
     * raises it to pageblock_nr_pages * nr_zones * (2 + MIGRATE_PCPTYPES^2) pages =
     * 512 * 3 * 11 * 4 kB when THP is enabled.
     */
    @Test
    void defaultMinFreeKbytesIsCalculateMinFreeKbytesOnly() {
        MachineConfig c = MachineConfig.of("this-machine-default", 10, 9,
                List.of(ZoneConfig.of(ZoneType.DMA, 1, 4095, 3998, 3840)));
        Machine m = new Machine(c);
        assertEquals(Math.max(128, (long) Math.sqrt(3840 * 4 * 16)), m.sysctl().minFreeKbytes);
        assertEquals(67584, 512 * 3 * (2 + 3 * 3) * 4);
    }
}
