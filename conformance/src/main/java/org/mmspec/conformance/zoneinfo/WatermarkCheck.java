package org.mmspec.conformance.zoneinfo;

import java.util.ArrayList;
import java.util.List;

import org.mmspec.conformance.Comparison;
import org.mmspec.conformance.zoneinfo.Zoneinfo.ZoneEntry;
import org.mmspec.reference.Machine;
import org.mmspec.reference.alloc.ConfigException;
import org.mmspec.reference.alloc.MachineConfig;
import org.mmspec.reference.alloc.Watermarks;
import org.mmspec.reference.alloc.Zone;
import org.mmspec.reference.alloc.ZoneConfig;
import org.mmspec.reference.alloc.ZoneType;

/**
 * Compares the watermarks and protection arrays /proc/zoneinfo printed with the reference's.
 * A single node small enough ({@link #DEFAULT_BOOT_LIMIT} pages of span) is booted as a
 * {@link Machine} built from the printed geometry, so the numbers come from the reference's own
 * boot path (mm_init's init_per_zone_wmark_min: setup_per_zone_wmarks, setup_per_zone_lowmem_reserve);
 * a larger or multi-node machine goes through the same formulas as pure functions
 * ({@link Watermarks}), since the Machine models one node. The result says which.
 */
public final class WatermarkCheck {
    private WatermarkCheck() {}

    /** Nodes spanning more pages than this are not booted (16 Mi pages, 64 GiB: about 1.5 s and 300 MB). */
    public static final long DEFAULT_BOOT_LIMIT = 1L << 24;

    /** The vm sysctls the formulas read. */
    public record Sysctls(long minFreeKbytes, int watermarkScaleFactor, List<Integer> lowmemReserveRatio) {
        public Sysctls {
            if (minFreeKbytes < 0) throw new IllegalArgumentException("min_free_kbytes " + minFreeKbytes + " is negative");
            if (watermarkScaleFactor < 1 || watermarkScaleFactor > 3000) {
                throw new IllegalArgumentException("watermark_scale_factor " + watermarkScaleFactor
                        + " is outside 1..3000 (the sysctl's range)");
            }
            if (lowmemReserveRatio.size() != ZoneType.MAX_NR_ZONES) {
                throw new IllegalArgumentException("lowmem_reserve_ratio has " + lowmemReserveRatio.size()
                        + " values; this kernel has " + ZoneType.MAX_NR_ZONES + " zone types (DMA DMA32 Normal Movable Device)");
            }
            List<Integer> r = new ArrayList<>();
            for (int v : lowmemReserveRatio) r.add(v < 1 ? 0 : v); // lowmem_reserve_ratio_sysctl_handler
            lowmemReserveRatio = List.copyOf(r);
        }

        /** Parses "256 256 32 0 0" (spaces or tabs, as /proc/sys/vm/lowmem_reserve_ratio prints it). */
        public static List<Integer> parseRatio(String s) {
            String[] parts = s.trim().split("\\s+");
            List<Integer> out = new ArrayList<>();
            for (int i = 0; i < parts.length; i++) {
                try {
                    out.add(Integer.parseInt(parts[i]));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("lowmem_reserve_ratio[" + i + "] '" + parts[i] + "' is not an integer");
                }
            }
            return out;
        }
    }

    public static Comparison compare(Zoneinfo zi, Sysctls sys) {
        return compare(zi, sys, DEFAULT_BOOT_LIMIT);
    }

    public static Comparison compare(Zoneinfo zi, Sysctls sys, long bootLimit) {
        List<Integer> nodes = zi.nodes();
        long[][][] wm;
        long[][][] lr;
        Comparison c = new Comparison();
        long span = nodes.size() == 1 ? span(zi.node(nodes.get(0))) : Long.MAX_VALUE;
        if (nodes.size() == 1 && span <= bootLimit) {
            int nid = nodes.get(0);
            Machine m = boot(zi.node(nid), sys);
            wm = new long[][][] {new long[ZoneType.MAX_NR_ZONES][]};
            lr = new long[][][] {new long[ZoneType.MAX_NR_ZONES][]};
            for (ZoneType t : ZoneType.values()) {
                Zone z = m.zone(t);
                wm[0][t.idx()] = z.watermark.clone();
                lr[0][t.idx()] = z.lowmemReserve.clone();
            }
            c.note("Reference: booted a Machine from node " + nid + "'s zones (" + span + " pages of span; "
                    + "mm_init init_per_zone_wmark_min -> setup_per_zone_wmarks, setup_per_zone_lowmem_reserve).");
        } else {
            long[][] managed = new long[nodes.size()][];
            for (int i = 0; i < nodes.size(); i++) managed[i] = managedPerZone(zi.node(nodes.get(i)));
            wm = Watermarks.setupPerZoneWmarks(managed, sys.minFreeKbytes(), sys.watermarkScaleFactor());
            lr = new long[nodes.size()][][];
            int[] ratio = sys.lowmemReserveRatio().stream().mapToInt(Integer::intValue).toArray();
            for (int i = 0; i < nodes.size(); i++) lr[i] = Watermarks.lowmemReserve(managed[i], ratio);
            c.note("Reference: the pure formulas (Watermarks.setupPerZoneWmarks, lowmemReserve) over "
                    + (nodes.size() == 1 ? "a node of " + span + " pages of span (more than " + bootLimit
                    + ", not booted)" : nodes.size() + " nodes (the Machine models one node)") + ".");
        }
        c.note("Sysctls: min_free_kbytes " + sys.minFreeKbytes() + ", watermark_scale_factor "
                + sys.watermarkScaleFactor() + ", lowmem_reserve_ratio " + sys.lowmemReserveRatio() + ".");
        StringBuilder boost = new StringBuilder("Not compared (runtime state): boost");
        for (int i = 0; i < nodes.size(); i++) {
            for (ZoneEntry z : zi.node(nodes.get(i))) {
                String label = z.label();
                long[] k = z.watermarks();
                for (int w = 0; w < Watermarks.NR_WMARK; w++) {
                    c.add(label, Watermarks.NAMES[w], k[w], wm[i][z.type().idx()][w]);
                }
                for (int j = 0; j < ZoneType.MAX_NR_ZONES; j++) {
                    c.add(label, "protection[" + j + "]", z.protection()[j], lr[i][z.type().idx()][j]);
                }
                boost.append(' ').append(label).append('=').append(z.boost());
            }
        }
        c.note(boost + ".");
        return c;
    }

    /** The node's span from its first populated zone's start to its last one's end. */
    static long span(List<ZoneEntry> zones) {
        long start = Long.MAX_VALUE, end = 0;
        for (ZoneEntry z : zones) {
            if (z.present() == 0) continue;
            start = Math.min(start, z.startPfn());
            end = Math.max(end, z.startPfn() + z.spanned());
        }
        return start == Long.MAX_VALUE ? 0 : end - start;
    }

    static long[] managedPerZone(List<ZoneEntry> zones) {
        long[] m = new long[ZoneType.MAX_NR_ZONES];
        for (ZoneEntry z : zones) m[z.type().idx()] = z.managed();
        return m;
    }

    /**
     * The reference's machine for one node: every populated zone but ZONE_DEVICE with its printed
     * start_pfn, spanned, present and managed (holes at the end of the span, reserved pages at its
     * start: where they sit changes no watermark). Unpopulated zones manage nothing and are left
     * to the Machine's empty zones.
     */
    static Machine boot(List<ZoneEntry> zones, Sysctls sys) {
        List<ZoneConfig> zc = new ArrayList<>();
        for (ZoneEntry z : zones) {
            if (z.type() == ZoneType.DEVICE) {
                if (z.managed() != 0) {
                    throw new IllegalArgumentException(z.label() + " manages " + z.managed()
                            + " pages; ZONE_DEVICE never holds buddy pages");
                }
                continue;
            }
            if (z.present() == 0) {
                if (z.managed() != 0) throw new IllegalArgumentException(z.label() + " manages pages but has none present");
                continue;
            }
            zc.add(ZoneConfig.of(z.type(), z.startPfn(), z.spanned(), z.present(), z.managed()));
        }
        MachineConfig cfg = MachineConfig.of("zoneinfo", MachineConfig.DEFAULT_MAX_PAGE_ORDER,
                        MachineConfig.DEFAULT_PAGEBLOCK_ORDER, zc)
                .withMinFreeKbytes(sys.minFreeKbytes())
                .withWatermarkScaleFactor(sys.watermarkScaleFactor())
                .withLowmemReserveRatio(sys.lowmemReserveRatio());
        try {
            return new Machine(cfg);
        } catch (ConfigException e) {
            throw new IllegalArgumentException("the zones do not make a machine: " + e.getMessage(), e);
        }
    }
}
