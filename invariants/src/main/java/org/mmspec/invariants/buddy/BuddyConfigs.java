package org.mmspec.invariants.buddy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.mmspec.reference.alloc.MachineConfig;
import org.mmspec.reference.alloc.PfnRange;
import org.mmspec.reference.alloc.ZoneConfig;
import org.mmspec.reference.alloc.ZoneType;

/**
 * Named configurations for the buddy allocator, small enough to explore and shaped like real
 * machines where it matters: a DMA zone starting at pfn 1, a Normal zone with CMA pageblocks, a
 * Movable zone.
 */
public final class BuddyConfigs {
    private BuddyConfigs() {}

    /**
     * {@code small}: a DMA zone that starts at pfn 1 like x86-64's (so its first pageblock begins
     * outside the zone) and, like a kdump kernel's, is smaller than four pageblocks; a Normal zone
     * [0x100, 0x500) with two CMA pageblocks at its end; MAX_PAGE_ORDER 6, pageblock_order 3, the
     * kernel's own min_free_kbytes formula.
     */
    public static MachineConfig small() {
        return MachineConfig.of("small", 6, 3, List.of(
                ZoneConfig.of(ZoneType.DMA, 0x1, 0x1b),
                ZoneConfig.of(ZoneType.NORMAL, 0x100, 0x400).withCma(List.of(new PfnRange(0x4f0, 0x500)))));
    }

    /** {@code bench1k}: one Normal zone of 1024 pages, MAX_PAGE_ORDER 10, pageblock_order 5. */
    public static MachineConfig bench1k() {
        return MachineConfig.of("bench1k", 10, 5, List.of(ZoneConfig.of(ZoneType.NORMAL, 0, 1024)));
    }

    /**
     * {@code movable}: Normal [0x0, 0x200) and Movable [0x200, 0x400): GFP_HIGHUSER_MOVABLE
     * lands in ZONE_MOVABLE, whose min watermark is clamped like highmem's, and isolation there
     * treats every allocated page as movable.
     */
    public static MachineConfig movable() {
        return MachineConfig.of("movable", 6, 3, List.of(
                ZoneConfig.of(ZoneType.NORMAL, 0x0, 0x200),
                ZoneConfig.of(ZoneType.MOVABLE, 0x200, 0x200)));
    }

    /**
     * {@code holes}: DMA32 of 512 pfns with a hole in the middle and reserved pages at its start,
     * as firmware leaves them; checks that blocks never cover either.
     */
    public static MachineConfig holes() {
        return MachineConfig.of("holes", 5, 2, List.of(
                new ZoneConfig(ZoneType.DMA32, 0x0, 0x200, 0x1c0, 0x1a0,
                        List.of(new PfnRange(0x100, 0x140)), List.of(new PfnRange(0x0, 0x20)), List.of())));
    }

    /** {@code tiny}: 16 pages, MAX_PAGE_ORDER 4, pageblock_order 2, no watermarks: for exhaustive search. */
    public static MachineConfig tiny() {
        return MachineConfig.of("tiny", 4, 2, List.of(ZoneConfig.of(ZoneType.NORMAL, 0, 16))).withMinFreeKbytes(0);
    }

    /**
     * The enumeration domain of a named configuration (what the bounded explorer's enumerators
     * offer there): two migratetypes on the configurations small enough to explore; every gfp
     * mask of the model elsewhere.
     */
    public static BuddyDomain domain(String configName) {
        return switch (configName) {
            case "tiny", "tiny8", "tinydma" -> BuddyDomain.TWO_MIGRATETYPES;
            default -> BuddyDomain.ALL;
        };
    }

    /**
     * {@code tiny8}: one Normal zone of 8 pages, MAX_PAGE_ORDER 3, pageblock_order 2 (two
     * pageblocks), no watermarks: the bounded explorer exhausts it (two migratetypes, isolation)
     * in a few seconds. The 16-page {@code tiny} is past exhausting: its reachable states keep
     * doubling level after level beyond depth 10 (millions of states), as free-list orders and
     * block layouts multiply; it is explored to a depth bound instead.
     */
    public static MachineConfig tiny8() {
        return MachineConfig.of("tiny8", 3, 2, List.of(ZoneConfig.of(ZoneType.NORMAL, 0, 8))).withMinFreeKbytes(0);
    }

    /**
     * {@code tinydma}: a DMA zone [0x1, 0x8) that, like {@code small}'s and x86-64's, starts at
     * pfn 1 (so its first pageblock begins outside the zone) and is smaller than four pageblocks;
     * MAX_PAGE_ORDER 3, pageblock_order 2, min_free_kbytes 4 (a min watermark of one page, so
     * boost_watermark has a high watermark to scale). Small enough to exhaust: the bounded
     * explorer's configuration for boost_watermark on small zones (KnownBug.BOOST_SMALL_ZONE).
     */
    public static MachineConfig tinydma() {
        return MachineConfig.of("tinydma", 3, 2, List.of(ZoneConfig.of(ZoneType.DMA, 0x1, 0x7))).withMinFreeKbytes(4);
    }

    /** The configurations the bounded explorer exhausts (mmspec explore's default), in order. */
    public static final List<String> EXHAUSTIVE = List.of("tiny8", "tinydma");

    public static Map<String, MachineConfig> all() {
        Map<String, MachineConfig> m = new LinkedHashMap<>();
        for (MachineConfig c : List.of(small(), movable(), holes(), bench1k(), tiny(), tiny8(), tinydma())) m.put(c.name(), c);
        return m;
    }
}
