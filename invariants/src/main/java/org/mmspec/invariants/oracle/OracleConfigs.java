package org.mmspec.invariants.oracle;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.mmspec.reference.alloc.ConfigException;
import org.mmspec.reference.alloc.MachineConfig;
import org.mmspec.reference.alloc.ZoneConfig;
import org.mmspec.reference.alloc.ZoneType;

/**
 * The oracle's configurations. An allocator under test manages {@code [0, pages)} with orders
 * {@code 0..maxOrder}; the engine and the counterexample file carry that as a
 * {@link MachineConfig} of one Normal zone {@code [0, pages)} whose {@code maxPageOrder} is
 * {@code maxOrder} (and {@code pageblockOrder} the same: the oracle has no pageblocks). Nothing
 * else of the machine applies: no watermarks, no migratetype grouping, no isolation.
 */
public final class OracleConfigs {
    private OracleConfigs() {}

    /** The most pages the oracle checks: the spec's checks walk every page after every step. */
    public static final long MAX_PAGES = 1L << 20;
    public static final int MAX_ORDER = 20;

    /** The geometry of one configuration. */
    public record Geometry(long pages, int maxOrder) {}

    /** {@code default}: 1024 pages, order 0..10, as a 4 MiB zone on x86-64 with the default MAX_PAGE_ORDER. */
    public static MachineConfig byDefault() {
        return of("default", 1024, 10);
    }

    /** {@code odd}: 1000 pages, order 0..6: the last 40 pages cannot form top-order blocks. */
    public static MachineConfig odd() {
        return of("odd", 1000, 6);
    }

    /** {@code tiny}: 16 pages, order 0..4: small enough for the bounded explorer. */
    public static MachineConfig tiny() {
        return of("tiny", 16, 4);
    }

    public static Map<String, MachineConfig> all() {
        Map<String, MachineConfig> m = new LinkedHashMap<>();
        for (MachineConfig c : List.of(byDefault(), odd(), tiny())) m.put(c.name(), c);
        return m;
    }

    /** The name a configuration from the command line gets: {@code pages1024-order10}. */
    public static String nameOf(long pages, int maxOrder) {
        return "pages" + pages + "-order" + maxOrder;
    }

    /**
     * The configuration of {@code pages} pages and orders {@code 0..maxOrder}; throws
     * {@link ConfigException} naming the field and its allowed range.
     */
    public static MachineConfig of(String name, long pages, int maxOrder) {
        validate(pages, maxOrder);
        return MachineConfig.of(name, maxOrder, maxOrder, List.of(ZoneConfig.of(ZoneType.NORMAL, 0, pages)))
                .withMinFreeKbytes(0).validate();
    }

    public static void validate(long pages, int maxOrder) {
        if (maxOrder < 0 || maxOrder > MAX_ORDER) {
            throw new ConfigException("max_order", maxOrder + " is outside 0.." + MAX_ORDER);
        }
        if (pages < 1 || pages > MAX_PAGES) {
            throw new ConfigException("pages", pages + " is outside 1.." + MAX_PAGES);
        }
    }

    /**
     * The geometry a configuration describes; throws {@link ConfigException} when it is not an
     * oracle configuration (one Normal zone from pfn 0, every page managed, no holes, reserved
     * pages or CMA, pageblockOrder equal to maxPageOrder), naming the field.
     */
    public static Geometry geometry(MachineConfig c) {
        if (c.zones().size() != 1) {
            throw new ConfigException("zones", "has " + c.zones().size() + " zones; an oracle configuration has one");
        }
        ZoneConfig z = c.zones().get(0);
        if (z.type() != ZoneType.NORMAL) throw new ConfigException("zones[0].type", z.type() + " is not Normal");
        if (z.startPfn() != 0) throw new ConfigException("zones[0].startPfn", "0x" + Long.toHexString(z.startPfn()) + " is not 0");
        if (z.present() != z.spanned() || z.managed() != z.spanned()) {
            throw new ConfigException("zones[0].managed", "an oracle zone has every page present and managed");
        }
        if (!z.holes().isEmpty() || !z.reserved().isEmpty() || !z.cma().isEmpty()) {
            throw new ConfigException("zones[0]", "an oracle zone has no holes, reserved pages or CMA");
        }
        if (c.pageblockOrder() != c.maxPageOrder()) {
            throw new ConfigException("pageblockOrder", c.pageblockOrder() + " differs from maxPageOrder "
                    + c.maxPageOrder() + "; the oracle has no pageblocks");
        }
        validate(z.spanned(), c.maxPageOrder());
        return new Geometry(z.spanned(), c.maxPageOrder());
    }
}
