package org.mmspec.invariants.ksm;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.mmspec.invariants.rmap.RmapConfigs;
import org.mmspec.reference.alloc.MachineConfig;
import org.mmspec.reference.alloc.ZoneConfig;
import org.mmspec.reference.alloc.ZoneType;

/**
 * Named configurations for KSM: a few processes writing a few values into a small window of
 * pages, so that duplicates are common, with ksmd's knobs set at boot so that chains form with
 * few pages (a small max_page_sharing) and batches end mid-scan (a small pages_to_scan). The
 * machine is the {@link MachineConfig}; the rest is the configuration's {@link Limits}, looked up
 * by name (they steer boot and generation only: a replayed step carries its own arguments).
 */
public final class KsmConfigs {
    private KsmConfigs() {}

    /**
     * The knobs written at boot (run, max_page_sharing, use_zero_pages, smart_scan,
     * pages_to_scan), the rmap limits (processes, address window, mapping length), and the values
     * writes draw from: 0 (a zero page) with probability {@code zeroChance}, else 1..maxValue.
     */
    public record Limits(RmapConfigs.Limits rmap, int run, int maxPageSharing, boolean useZeroPages, boolean smartScan,
                         long pagesToScan, int maxValue, double zeroChance) {}

    /** {@code small}: 256 pages, 3 processes over 16 pages, values 0..2, max_page_sharing 3, batches of 8. */
    public static MachineConfig small() {
        return MachineConfig.of("small", 6, 3, List.of(ZoneConfig.of(ZoneType.NORMAL, 0, 0x100))).withMinFreeKbytes(16);
    }

    /** {@code chains}: max_page_sharing 2 and two values, so nearly every merge after the first makes a dup. */
    public static MachineConfig chains() {
        return MachineConfig.of("chains", 6, 3, List.of(ZoneConfig.of(ZoneType.NORMAL, 0, 0x100))).withMinFreeKbytes(16);
    }

    /** {@code zero}: use_zero_pages on, half the writes zero. */
    public static MachineConfig zero() {
        return MachineConfig.of("zero", 6, 3, List.of(ZoneConfig.of(ZoneType.NORMAL, 0, 0x80))).withMinFreeKbytes(8);
    }

    /** {@code smart}: smart_scan on and batches of 3 pages, so ages grow and pages are skipped. */
    public static MachineConfig smart() {
        return MachineConfig.of("smart", 6, 3, List.of(ZoneConfig.of(ZoneType.NORMAL, 0, 0x100))).withMinFreeKbytes(16);
    }

    /** {@code tiny}: 16 pages, no watermarks, 2 processes over 4 pages, values 0..1: for exhaustive search. */
    public static MachineConfig tiny() {
        return MachineConfig.of("tiny", 4, 2, List.of(ZoneConfig.of(ZoneType.NORMAL, 0, 16))).withMinFreeKbytes(0);
    }

    private static final Map<String, Limits> LIMITS = Map.of(
            "small", new Limits(new RmapConfigs.Limits(3, 0x10, 0x20, 4, 2, 4), 1, 3, false, false, 8, 2, 0.2),
            "chains", new Limits(new RmapConfigs.Limits(3, 0x10, 0x20, 6, 2, 4), 1, 2, false, false, 16, 2, 0.1),
            "zero", new Limits(new RmapConfigs.Limits(3, 0x10, 0x18, 4, 2, 3), 1, 4, true, false, 4, 1, 0.5),
            "smart", new Limits(new RmapConfigs.Limits(3, 0x10, 0x20, 4, 2, 4), 1, 3, false, true, 3, 2, 0.2),
            "tiny", new Limits(new RmapConfigs.Limits(2, 0x10, 0x14, 2, 1, 3), 1, 2, false, false, 2, 1, 0.3));

    /** The limits of a named configuration; an unknown name (a hand-written file) gets small's. */
    public static Limits limits(String configName) {
        return LIMITS.getOrDefault(configName, LIMITS.get("small"));
    }

    public static Map<String, MachineConfig> all() {
        Map<String, MachineConfig> m = new LinkedHashMap<>();
        for (MachineConfig c : List.of(small(), chains(), zero(), smart(), tiny())) m.put(c.name(), c);
        return m;
    }
}
