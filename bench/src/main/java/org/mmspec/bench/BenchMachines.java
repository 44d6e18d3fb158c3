package org.mmspec.bench;

import java.util.List;

import org.mmspec.reference.alloc.MachineConfig;
import org.mmspec.reference.alloc.ZoneConfig;
import org.mmspec.reference.alloc.ZoneType;

/** The machines the benchmarks boot, defined once so the throughput and heap figures describe the same one. */
public final class BenchMachines {
    private BenchMachines() {}

    /** log2 of the page frames of {@link #oneZone4G()}: 2^20 pages of 4 KiB, a 4 GiB zone. */
    public static final int ONE_ZONE_PAGE_SHIFT = 20;
    public static final int ONE_ZONE_PAGES = 1 << ONE_ZONE_PAGE_SHIFT;
    /**
     * vm.min_free_kbytes for {@link #oneZone4G()}: 1 MiB (256 pages), so the watermarks stay far
     * below the free pages of a half-full zone and the benchmark measures the free lists, not
     * the slow path. The kernel's own formula would give ~8 MiB; either is tiny next to 2 GiB free.
     */
    public static final long ONE_ZONE_MIN_FREE_KBYTES = 1024;

    /**
     * One ZONE_NORMAL of 2^20 pages starting at pfn 0, MAX_PAGE_ORDER 10 and pageblock_order 9
     * (x86-64 defaults): 2048 pageblocks, 1024 blocks of MAX_PAGE_ORDER at boot.
     */
    public static MachineConfig oneZone4G() {
        return MachineConfig.of("bench-4g", MachineConfig.DEFAULT_MAX_PAGE_ORDER, MachineConfig.DEFAULT_PAGEBLOCK_ORDER,
                        List.of(ZoneConfig.of(ZoneType.NORMAL, 0, ONE_ZONE_PAGES)))
                .withMinFreeKbytes(ONE_ZONE_MIN_FREE_KBYTES);
    }
}
