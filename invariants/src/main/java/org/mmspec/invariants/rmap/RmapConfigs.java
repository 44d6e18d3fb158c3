package org.mmspec.invariants.rmap;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.mmspec.reference.alloc.MachineConfig;
import org.mmspec.reference.alloc.ZoneConfig;
import org.mmspec.reference.alloc.ZoneType;

/**
 * Named configurations for the reverse map: a handful of processes with a few VMAs of a few pages
 * in a small window of the address space, over a buddy zone small enough that faults can fail.
 * The machine is the {@link MachineConfig}; how many processes and which addresses the operation
 * model draws are the configuration's {@link Limits}, looked up by name (they steer generation
 * only: a replayed step carries its own arguments).
 */
public final class RmapConfigs {
    private RmapConfigs() {}

    /**
     * What the operation model draws from: at most {@code maxProcs} live processes, mappings in
     * the virtual pages [addrLo, addrHi) of at most {@code maxLen} pages, stored values 1..maxValue,
     * and fork failure points 1..maxFailAt.
     */
    public record Limits(int maxProcs, long addrLo, long addrHi, int maxLen, int maxValue, int maxFailAt) {}

    /** {@code small}: one Normal zone of 128 pages (min watermark 4 pages), up to 5 processes in 16 pages. */
    public static MachineConfig small() {
        return MachineConfig.of("small", 5, 3, List.of(ZoneConfig.of(ZoneType.NORMAL, 0, 0x80))).withMinFreeKbytes(16);
    }

    /**
     * {@code forks}: up to 8 processes over 4 pages, forking and exiting often: deep and wide
     * anon_vma trees, reuse, and the anon_vma_clone() failure path.
     */
    public static MachineConfig forks() {
        return MachineConfig.of("forks", 6, 3, List.of(ZoneConfig.of(ZoneType.NORMAL, 0, 0x100))).withMinFreeKbytes(16);
    }

    /**
     * {@code movable}: Normal [0x0, 0x40) and Movable [0x40, 0x80): anonymous pages
     * (GFP_HIGHUSER_MOVABLE) come from ZONE_MOVABLE until it runs out.
     */
    public static MachineConfig movable() {
        return MachineConfig.of("movable", 4, 2, List.of(
                ZoneConfig.of(ZoneType.NORMAL, 0x0, 0x40),
                ZoneConfig.of(ZoneType.MOVABLE, 0x40, 0x40))).withMinFreeKbytes(8);
    }

    /** {@code tiny}: 16 pages, no watermarks, 3 processes over 4 pages: for exhaustive search; faults run out of memory. */
    public static MachineConfig tiny() {
        return MachineConfig.of("tiny", 4, 2, List.of(ZoneConfig.of(ZoneType.NORMAL, 0, 16))).withMinFreeKbytes(0);
    }

    /**
     * {@code onepage}: 16 pages, no watermarks, up to 5 processes, each mapping at most the one
     * virtual page 0x10, one value, fork failing at one point: the narrowest configuration that
     * still reaches anon-vma-degree's reuse (which needs four processes alive), small enough for
     * the bounded explorer to search to depth 7 and show its counterexample shortest.
     */
    public static MachineConfig onepage() {
        return MachineConfig.of("onepage", 4, 2, List.of(ZoneConfig.of(ZoneType.NORMAL, 0, 16))).withMinFreeKbytes(0);
    }

    private static final Map<String, Limits> LIMITS = Map.of(
            "small", new Limits(5, 0x10, 0x20, 3, 3, 6),
            "forks", new Limits(8, 0x10, 0x14, 2, 2, 8),
            "movable", new Limits(4, 0x10, 0x20, 4, 3, 4),
            "tiny", new Limits(3, 0x10, 0x14, 2, 2, 3),
            "onepage", new Limits(5, 0x10, 0x11, 1, 1, 1));

    /** The limits of a named configuration; an unknown name (a hand-written file) gets small's. */
    public static Limits limits(String configName) {
        return LIMITS.getOrDefault(configName, LIMITS.get("small"));
    }

    public static Map<String, MachineConfig> all() {
        Map<String, MachineConfig> m = new LinkedHashMap<>();
        for (MachineConfig c : List.of(small(), forks(), movable(), tiny(), onepage())) m.put(c.name(), c);
        return m;
    }
}
