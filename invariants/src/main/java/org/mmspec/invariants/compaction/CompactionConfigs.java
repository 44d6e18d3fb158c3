package org.mmspec.invariants.compaction;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.mmspec.invariants.rmap.RmapConfigs;
import org.mmspec.reference.alloc.MachineConfig;
import org.mmspec.reference.alloc.ZoneConfig;
import org.mmspec.reference.alloc.ZoneType;

/**
 * Named configurations for compaction: zones small enough to explore and to fill, where
 * processes' anonymous pages (movable, on the LRU) and kernel allocations (unmovable) fragment
 * memory; one has a zone that starts at pfn 1, as x86-64's DMA zone does. How many processes and
 * which addresses the operation model draws are each configuration's {@link RmapConfigs.Limits}.
 */
public final class CompactionConfigs {
    private CompactionConfigs() {}

    /** {@code small}: one Normal zone of 128 pages, pageblocks of 8; up to 3 processes over 64 pages. */
    public static MachineConfig small() {
        return MachineConfig.of("small", 5, 3, List.of(ZoneConfig.of(ZoneType.NORMAL, 0, 0x80))).withMinFreeKbytes(8);
    }

    /**
     * {@code dma1}: one DMA zone [0x1, 0x60): it starts at pfn 1, inside its first pageblock, so
     * the migration scanner starts mid-pageblock and pageblock 0 is never whole in the zone.
     */
    public static MachineConfig dma1() {
        return MachineConfig.of("dma1", 5, 3, List.of(ZoneConfig.of(ZoneType.DMA, 0x1, 0x5f))).withMinFreeKbytes(8);
    }

    /**
     * {@code two-zones}: Normal [0x0, 0x40) and Movable [0x40, 0x80): anonymous pages come from
     * ZONE_MOVABLE until it runs out, kernel allocations from Normal; each zone is compacted alone.
     */
    public static MachineConfig twoZones() {
        return MachineConfig.of("two-zones", 5, 3, List.of(
                ZoneConfig.of(ZoneType.NORMAL, 0x0, 0x40),
                ZoneConfig.of(ZoneType.MOVABLE, 0x40, 0x40))).withMinFreeKbytes(8);
    }

    /** {@code tiny}: 16 pages, pageblocks of 4, no watermarks: small enough for exhaustive search. */
    public static MachineConfig tiny() {
        return MachineConfig.of("tiny", 4, 2, List.of(ZoneConfig.of(ZoneType.NORMAL, 0, 16))).withMinFreeKbytes(0);
    }

    private static final Map<String, RmapConfigs.Limits> LIMITS = Map.of(
            "small", new RmapConfigs.Limits(3, 0x10, 0x50, 12, 3, 3),
            "dma1", new RmapConfigs.Limits(3, 0x10, 0x50, 12, 3, 3),
            "two-zones", new RmapConfigs.Limits(3, 0x10, 0x50, 12, 3, 3),
            "tiny", new RmapConfigs.Limits(2, 0x10, 0x20, 4, 2, 2));

    /** The generation limits of a named configuration; an unknown name (a hand-written file) gets small's. */
    public static RmapConfigs.Limits limits(String configName) {
        return LIMITS.getOrDefault(configName, LIMITS.get("small"));
    }

    public static Map<String, MachineConfig> all() {
        Map<String, MachineConfig> m = new LinkedHashMap<>();
        for (MachineConfig c : List.of(small(), dma1(), twoZones(), tiny())) m.put(c.name(), c);
        return m;
    }
}
