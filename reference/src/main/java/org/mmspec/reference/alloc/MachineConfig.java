package org.mmspec.reference.alloc;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;

import org.mmspec.reference.reclaim.SwapConfig;

/**
 * Everything that fixes a machine before the first operation: the page orders, the zones of the
 * node and the vm sysctls. Tiny configurations (16 pages) are for exhaustive exploration; real
 * ones come from /proc/zoneinfo. {@link #validate()} rejects a bad one with the field and the
 * allowed range.
 *
 * @param minFreeKbytes vm.min_free_kbytes, or -1 to compute it as calculate_min_free_kbytes() does
 * @param knownBugs     names of historical bugs to re-create (off by default; see KnownBug)
 * @param swap          the swap device (SwapConfig.NONE: none), which the reclaim model uses
 */
public record MachineConfig(String name, int maxPageOrder, int pageblockOrder, List<ZoneConfig> zones,
                            long minFreeKbytes, int watermarkScaleFactor, int watermarkBoostFactor,
                            List<Integer> lowmemReserveRatio, boolean mobilityDisabled, boolean defragMode,
                            List<String> knownBugs, SwapConfig swap) {

    /** MAX_PAGE_ORDER default (include/linux/mmzone.h, CONFIG_ARCH_FORCE_MAX_ORDER unset). */
    public static final int DEFAULT_MAX_PAGE_ORDER = 10;
    /** pageblock_order on x86-64: HPAGE_PMD_ORDER. */
    public static final int DEFAULT_PAGEBLOCK_ORDER = 9;
    /** The largest MAX_PAGE_ORDER the model accepts; the kernel allows up to 15 with 4K pages. */
    public static final int MAX_MAX_PAGE_ORDER = 20;
    public static final List<Integer> DEFAULT_LOWMEM_RESERVE_RATIO = List.of(256, 256, 32, 0, 0);

    public MachineConfig {
        name = name == null ? "custom" : name;
        zones = zones == null ? List.of() : List.copyOf(zones);
        lowmemReserveRatio = lowmemReserveRatio == null ? DEFAULT_LOWMEM_RESERVE_RATIO : List.copyOf(lowmemReserveRatio);
        knownBugs = knownBugs == null ? List.of() : List.copyOf(new TreeSet<>(knownBugs));
        swap = swap == null ? SwapConfig.NONE : swap;
    }

    /** A configuration without a swap device. */
    public MachineConfig(String name, int maxPageOrder, int pageblockOrder, List<ZoneConfig> zones,
                         long minFreeKbytes, int watermarkScaleFactor, int watermarkBoostFactor,
                         List<Integer> lowmemReserveRatio, boolean mobilityDisabled, boolean defragMode,
                         List<String> knownBugs) {
        this(name, maxPageOrder, pageblockOrder, zones, minFreeKbytes, watermarkScaleFactor, watermarkBoostFactor,
                lowmemReserveRatio, mobilityDisabled, defragMode, knownBugs, SwapConfig.NONE);
    }

    public static MachineConfig of(String name, int maxPageOrder, int pageblockOrder, List<ZoneConfig> zones) {
        return new MachineConfig(name, maxPageOrder, pageblockOrder, zones, -1, 10, 15000,
                DEFAULT_LOWMEM_RESERVE_RATIO, false, false, List.of());
    }

    public MachineConfig withMinFreeKbytes(long v) {
        return new MachineConfig(name, maxPageOrder, pageblockOrder, zones, v, watermarkScaleFactor,
                watermarkBoostFactor, lowmemReserveRatio, mobilityDisabled, defragMode, knownBugs, swap);
    }

    public MachineConfig withWatermarkScaleFactor(int v) {
        return new MachineConfig(name, maxPageOrder, pageblockOrder, zones, minFreeKbytes, v,
                watermarkBoostFactor, lowmemReserveRatio, mobilityDisabled, defragMode, knownBugs, swap);
    }

    public MachineConfig withWatermarkBoostFactor(int v) {
        return new MachineConfig(name, maxPageOrder, pageblockOrder, zones, minFreeKbytes, watermarkScaleFactor,
                v, lowmemReserveRatio, mobilityDisabled, defragMode, knownBugs, swap);
    }

    public MachineConfig withLowmemReserveRatio(List<Integer> v) {
        return new MachineConfig(name, maxPageOrder, pageblockOrder, zones, minFreeKbytes, watermarkScaleFactor,
                watermarkBoostFactor, v, mobilityDisabled, defragMode, knownBugs, swap);
    }

    public MachineConfig withMobilityDisabled(boolean v) {
        return new MachineConfig(name, maxPageOrder, pageblockOrder, zones, minFreeKbytes, watermarkScaleFactor,
                watermarkBoostFactor, lowmemReserveRatio, v, defragMode, knownBugs, swap);
    }

    public MachineConfig withDefragMode(boolean v) {
        return new MachineConfig(name, maxPageOrder, pageblockOrder, zones, minFreeKbytes, watermarkScaleFactor,
                watermarkBoostFactor, lowmemReserveRatio, mobilityDisabled, v, knownBugs, swap);
    }

    public MachineConfig withKnownBugs(List<String> v) {
        return new MachineConfig(name, maxPageOrder, pageblockOrder, zones, minFreeKbytes, watermarkScaleFactor,
                watermarkBoostFactor, lowmemReserveRatio, mobilityDisabled, defragMode, v, swap);
    }

    public MachineConfig withName(String v) {
        return new MachineConfig(v, maxPageOrder, pageblockOrder, zones, minFreeKbytes, watermarkScaleFactor,
                watermarkBoostFactor, lowmemReserveRatio, mobilityDisabled, defragMode, knownBugs, swap);
    }

    public MachineConfig withZones(List<ZoneConfig> v) {
        return new MachineConfig(name, maxPageOrder, pageblockOrder, v, minFreeKbytes, watermarkScaleFactor,
                watermarkBoostFactor, lowmemReserveRatio, mobilityDisabled, defragMode, knownBugs, swap);
    }

    public MachineConfig withSwap(SwapConfig v) {
        return new MachineConfig(name, maxPageOrder, pageblockOrder, zones, minFreeKbytes, watermarkScaleFactor,
                watermarkBoostFactor, lowmemReserveRatio, mobilityDisabled, defragMode, knownBugs, v);
    }

    public boolean bug(String bugName) {
        return knownBugs.contains(bugName);
    }

    public long pageblockNrPages() {
        return 1L << pageblockOrder;
    }

    public long nodeStartPfn() {
        long s = Long.MAX_VALUE;
        for (ZoneConfig z : zones) s = Math.min(s, z.startPfn());
        return s;
    }

    public long nodeEndPfn() {
        long e = 0;
        for (ZoneConfig z : zones) e = Math.max(e, z.endPfn());
        return e;
    }

    public ZoneConfig zone(ZoneType t) {
        for (ZoneConfig z : zones) if (z.type() == t) return z;
        return null;
    }

    /** Managed pages per zone index, MAX_NR_ZONES long. */
    public long[] managedPerZone() {
        long[] m = new long[ZoneType.MAX_NR_ZONES];
        for (ZoneConfig z : zones) m[z.type().idx()] = z.managed();
        return m;
    }

    /** The node span the model can no longer lay out as a mem_map (2^31 pages: arrays are int-indexed). */
    public static final long MAX_NODE_PAGES = 1L << 31;

    /** Throws {@link ConfigException} naming the first invalid field and its allowed range. */
    public MachineConfig validate() {
        if (maxPageOrder < 0 || maxPageOrder > MAX_MAX_PAGE_ORDER) {
            throw new ConfigException("maxPageOrder", maxPageOrder + " is outside 0.." + MAX_MAX_PAGE_ORDER);
        }
        if (pageblockOrder < 0 || pageblockOrder > maxPageOrder) {
            throw new ConfigException("pageblockOrder", pageblockOrder + " is outside 0..maxPageOrder ("
                    + maxPageOrder + "); pageblock_order is at most MAX_PAGE_ORDER");
        }
        if (zones.isEmpty()) throw new ConfigException("zones", "a node needs at least one zone");
        if (minFreeKbytes < -1 || minFreeKbytes > Integer.MAX_VALUE) {
            throw new ConfigException("minFreeKbytes", minFreeKbytes + " is outside 0.." + Integer.MAX_VALUE
                    + " (vm.min_free_kbytes is an int), or -1 to compute it");
        }
        if (watermarkScaleFactor < 1 || watermarkScaleFactor > 3000) {
            throw new ConfigException("watermarkScaleFactor", watermarkScaleFactor
                    + " is outside 1..3000 (vm.watermark_scale_factor)");
        }
        if (watermarkBoostFactor < 0) {
            throw new ConfigException("watermarkBoostFactor", watermarkBoostFactor + " is negative (allowed 0..)");
        }
        if (lowmemReserveRatio.size() != ZoneType.MAX_NR_ZONES) {
            throw new ConfigException("lowmemReserveRatio", "has " + lowmemReserveRatio.size()
                    + " entries; it needs one per zone type (" + ZoneType.MAX_NR_ZONES + ": DMA DMA32 Normal Movable Device)");
        }
        for (int i = 0; i < lowmemReserveRatio.size(); i++) {
            Integer r = lowmemReserveRatio.get(i);
            if (r == null || r < 0) {
                throw new ConfigException("lowmemReserveRatio[" + i + "]", r + " is negative (allowed 0.., 0 = no reserve)");
            }
        }
        swap.validate();
        for (String b : knownBugs) {
            if (KnownBug.byName(b) == null) {
                throw new ConfigException("knownBugs", "unknown bug '" + b + "' (known: " + KnownBug.names() + ")");
            }
        }
        List<ZoneConfig> sorted = new ArrayList<>(zones);
        sorted.sort(Comparator.comparing(ZoneConfig::type));
        ZoneConfig prev = null;
        for (int i = 0; i < zones.size(); i++) {
            ZoneConfig z = zones.get(i);
            String f = "zones[" + i + "]";
            if (z.type() == null) throw new ConfigException(f + ".type", "missing (one of DMA, DMA32, Normal, Movable)");
            if (z.type() == ZoneType.DEVICE) {
                throw new ConfigException(f + ".type", "ZONE_DEVICE never holds buddy pages; leave it out");
            }
            if (z.startPfn() < 0) throw new ConfigException(f + ".startPfn", z.startPfn() + " is negative");
            if (z.spanned() <= 0) throw new ConfigException(f + ".spanned", z.spanned() + " must be at least 1");
            if (z.present() < 0 || z.present() > z.spanned()) {
                throw new ConfigException(f + ".present", z.present() + " is outside 0..spanned (" + z.spanned() + ")");
            }
            if (z.managed() < 0 || z.managed() > z.present()) {
                throw new ConfigException(f + ".managed", z.managed() + " is outside 0..present (" + z.present() + ")");
            }
            for (int j = 0; j < i; j++) {
                if (zones.get(j).type() == z.type()) {
                    throw new ConfigException(f + ".type", z.type().kernelName() + " appears twice");
                }
            }
            checkRanges(f + ".holes", z.holes(), z);
            checkRanges(f + ".reserved", z.reserved(), z);
            checkRanges(f + ".cma", z.cma(), z);
            if (!z.holes().isEmpty()) {
                long holePages = 0;
                for (PfnRange h : z.holes()) holePages += h.size();
                if (holePages != z.spanned() - z.present()) {
                    throw new ConfigException(f + ".holes", "cover " + holePages + " pages but spanned - present = "
                            + (z.spanned() - z.present()));
                }
            }
            if (!z.reserved().isEmpty()) {
                long res = 0;
                for (PfnRange r : z.reserved()) {
                    res += r.size();
                    for (PfnRange h : z.effectiveHoles()) {
                        if (h.overlaps(r)) throw new ConfigException(f + ".reserved", r + " overlaps the hole " + h);
                    }
                }
                if (res != z.present() - z.managed()) {
                    throw new ConfigException(f + ".reserved", "cover " + res + " pages but present - managed = "
                            + (z.present() - z.managed()));
                }
            }
            for (PfnRange c : z.cma()) {
                if (c.start() % pageblockNrPages() != 0 || c.end() % pageblockNrPages() != 0) {
                    throw new ConfigException(f + ".cma", c + " is not made of whole pageblocks ("
                            + pageblockNrPages() + " pages)");
                }
                for (PfnRange h : z.effectiveHoles()) {
                    if (h.overlaps(c)) throw new ConfigException(f + ".cma", c + " overlaps the hole " + h);
                }
                for (PfnRange r : z.effectiveReserved()) {
                    if (r.overlaps(c)) throw new ConfigException(f + ".cma", c + " overlaps reserved pages " + r);
                }
            }
        }
        for (ZoneConfig z : sorted) {
            if (prev != null && z.startPfn() < prev.endPfn()) {
                throw new ConfigException("zones", z.type().kernelName() + " starts at 0x" + Long.toHexString(z.startPfn())
                        + ", inside " + prev.type().kernelName() + " [0x" + Long.toHexString(prev.startPfn()) + ", 0x"
                        + Long.toHexString(prev.endPfn()) + "); zones must ascend in zone order without overlap");
            }
            prev = z;
        }
        long align = 1L << maxPageOrder;
        long span = ceil(nodeEndPfn(), align) - floor(nodeStartPfn(), align);
        if (span >= MAX_NODE_PAGES) {
            throw new ConfigException("zones", "the node spans " + span + " pages; the model lays out at most "
                    + (MAX_NODE_PAGES - 1) + " struct pages");
        }
        return this;
    }

    private static void checkRanges(String field, List<PfnRange> ranges, ZoneConfig z) {
        for (int i = 0; i < ranges.size(); i++) {
            PfnRange r = ranges.get(i);
            if (r.start() >= r.end()) throw new ConfigException(field + "[" + i + "]", r + " is empty");
            if (r.start() < z.startPfn() || r.end() > z.endPfn()) {
                throw new ConfigException(field + "[" + i + "]", r + " is outside the zone [0x"
                        + Long.toHexString(z.startPfn()) + ", 0x" + Long.toHexString(z.endPfn()) + ")");
            }
            for (int j = 0; j < i; j++) {
                if (ranges.get(j).overlaps(r)) throw new ConfigException(field + "[" + i + "]", r + " overlaps " + ranges.get(j));
            }
        }
    }

    static long floor(long v, long align) {
        return v / align * align;
    }

    static long ceil(long v, long align) {
        return (v + align - 1) / align * align;
    }
}
