package org.mmspec.invariants.reclaim;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.mmspec.invariants.rmap.RmapConfigs;
import org.mmspec.reference.alloc.MachineConfig;
import org.mmspec.reference.alloc.ZoneConfig;
import org.mmspec.reference.alloc.ZoneType;
import org.mmspec.reference.reclaim.SwapConfig;

/**
 * Named configurations for reclaim: a node small enough that processes and files together want
 * more pages than it has, watermarks far enough apart (watermark_scale_factor 1000: 10% of the
 * zone between min, low and high) that kswapd has work when it wakes, and a swap device. The
 * machine is the {@link MachineConfig}; what the operation model draws (processes, addresses,
 * files) is the configuration's {@link Limits}, looked up by name.
 */
public final class ReclaimConfigs {
    private ReclaimConfigs() {}

    /**
     * What the operation model draws from: the rmap's limits for processes and their memory, files
     * 1..files of filePages pages each, written values 1..maxValue, and kernel allocations (the
     * {@code alloc} operation) of orders 0..maxAllocOrder.
     */
    public record Limits(RmapConfigs.Limits rmap, int files, int filePages, int maxValue, int maxAllocOrder) {}

    /** {@code small}: 128 pages (min 4, low 16, high 28), 32 swap slots on a disk (writeback completes later). */
    public static MachineConfig small() {
        return MachineConfig.of("small", 6, 3, List.of(ZoneConfig.of(ZoneType.NORMAL, 0, 0x80)))
                .withMinFreeKbytes(16).withWatermarkScaleFactor(1000).withSwap(SwapConfig.of(33, false));
    }

    /** {@code zram}: 64 pages (min 2, low 8, high 14), 32 swap slots with SWP_SYNCHRONOUS_IO: swap-outs complete in the pass. */
    public static MachineConfig zram() {
        return MachineConfig.of("zram", 5, 3, List.of(ZoneConfig.of(ZoneType.NORMAL, 0, 0x40)))
                .withMinFreeKbytes(8).withWatermarkScaleFactor(1000).withSwap(SwapConfig.of(33, true));
    }

    /** {@code noswap}: 96 pages and no swap device: anonymous memory cannot be reclaimed, only the page cache. */
    public static MachineConfig noswap() {
        return MachineConfig.of("noswap", 5, 3, List.of(ZoneConfig.of(ZoneType.NORMAL, 0, 0x60)))
                .withMinFreeKbytes(12).withWatermarkScaleFactor(800);
    }

    /**
     * {@code movable}: Normal [0x0, 0x40) and Movable [0x40, 0x80): user pages come from
     * ZONE_MOVABLE, kernel allocations from Normal, whose direct reclaim skips Movable folios
     * (sc-&gt;reclaim_idx); 32 swap slots with SWP_SYNCHRONOUS_IO.
     */
    public static MachineConfig movable() {
        return MachineConfig.of("movable", 5, 3, List.of(
                ZoneConfig.of(ZoneType.NORMAL, 0x0, 0x40),
                ZoneConfig.of(ZoneType.MOVABLE, 0x40, 0x40))).withMinFreeKbytes(16).withWatermarkScaleFactor(1000)
                .withSwap(SwapConfig.of(33, true));
    }

    /** {@code tiny}: 32 pages (min 1, low 4, high 7), 8 swap slots with SWP_SYNCHRONOUS_IO: for exhaustive search. */
    public static MachineConfig tiny() {
        return MachineConfig.of("tiny", 4, 2, List.of(ZoneConfig.of(ZoneType.NORMAL, 0, 32)))
                .withMinFreeKbytes(4).withWatermarkScaleFactor(1000).withSwap(SwapConfig.of(9, true));
    }

    private static final Map<String, Limits> LIMITS = Map.of(
            "small", new Limits(new RmapConfigs.Limits(4, 0x10, 0x40, 12, 3, 4), 3, 24, 3, 2),
            "zram", new Limits(new RmapConfigs.Limits(3, 0x10, 0x30, 10, 3, 3), 2, 16, 3, 1),
            "noswap", new Limits(new RmapConfigs.Limits(3, 0x10, 0x30, 10, 3, 3), 3, 20, 3, 1),
            "movable", new Limits(new RmapConfigs.Limits(3, 0x10, 0x40, 12, 3, 3), 2, 24, 3, 2),
            "tiny", new Limits(new RmapConfigs.Limits(2, 0x10, 0x20, 8, 2, 2), 1, 8, 2, 0));

    /** The limits of a named configuration; an unknown name (a hand-written file) gets small's. */
    public static Limits limits(String configName) {
        return LIMITS.getOrDefault(configName, LIMITS.get("small"));
    }

    public static Map<String, MachineConfig> all() {
        Map<String, MachineConfig> m = new LinkedHashMap<>();
        for (MachineConfig c : List.of(zram(), small(), noswap(), movable(), tiny())) m.put(c.name(), c);
        return m;
    }
}
