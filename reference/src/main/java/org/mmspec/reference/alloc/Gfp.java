package org.mmspec.reference.alloc;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * GFP flags under the kernel's names and bit positions (include/linux/gfp_types.h, v6.18), and
 * the two mappings the allocator applies to them: {@link #gfpZone} (gfp_zone) and
 * {@link #gfpMigratetype} (gfp_migratetype), both from include/linux/gfp.h.
 */
public final class Gfp {
    private Gfp() {}

    public static final int __GFP_DMA = 1 << 0;
    public static final int __GFP_HIGHMEM = 1 << 1;
    public static final int __GFP_DMA32 = 1 << 2;
    public static final int __GFP_MOVABLE = 1 << 3;
    public static final int __GFP_RECLAIMABLE = 1 << 4;
    public static final int __GFP_HIGH = 1 << 5;
    public static final int __GFP_IO = 1 << 6;
    public static final int __GFP_FS = 1 << 7;
    public static final int __GFP_ZERO = 1 << 8;
    public static final int __GFP_DIRECT_RECLAIM = 1 << 10;
    public static final int __GFP_KSWAPD_RECLAIM = 1 << 11;
    public static final int __GFP_WRITE = 1 << 12;
    public static final int __GFP_NOWARN = 1 << 13;
    public static final int __GFP_RETRY_MAYFAIL = 1 << 14;
    public static final int __GFP_NOFAIL = 1 << 15;
    public static final int __GFP_NORETRY = 1 << 16;
    public static final int __GFP_MEMALLOC = 1 << 17;
    public static final int __GFP_COMP = 1 << 18;
    public static final int __GFP_NOMEMALLOC = 1 << 19;
    public static final int __GFP_HARDWALL = 1 << 20;
    public static final int __GFP_THISNODE = 1 << 21;
    public static final int __GFP_ACCOUNT = 1 << 22;

    public static final int GFP_ZONEMASK = __GFP_DMA | __GFP_HIGHMEM | __GFP_DMA32 | __GFP_MOVABLE;
    public static final int __GFP_RECLAIM = __GFP_DIRECT_RECLAIM | __GFP_KSWAPD_RECLAIM;

    public static final int GFP_ATOMIC = __GFP_HIGH | __GFP_KSWAPD_RECLAIM;
    public static final int GFP_KERNEL = __GFP_RECLAIM | __GFP_IO | __GFP_FS;
    public static final int GFP_KERNEL_ACCOUNT = GFP_KERNEL | __GFP_ACCOUNT;
    public static final int GFP_NOWAIT = __GFP_KSWAPD_RECLAIM | __GFP_NOWARN;
    public static final int GFP_NOIO = __GFP_RECLAIM;
    public static final int GFP_NOFS = __GFP_RECLAIM | __GFP_IO;
    public static final int GFP_USER = __GFP_RECLAIM | __GFP_IO | __GFP_FS | __GFP_HARDWALL;
    public static final int GFP_DMA = __GFP_DMA;
    public static final int GFP_DMA32 = __GFP_DMA32;
    public static final int GFP_HIGHUSER = GFP_USER | __GFP_HIGHMEM;
    public static final int GFP_HIGHUSER_MOVABLE = GFP_HIGHUSER | __GFP_MOVABLE;
    public static final int GFP_TRANSHUGE_LIGHT =
            (GFP_HIGHUSER_MOVABLE | __GFP_COMP | __GFP_NOMEMALLOC | __GFP_NOWARN) & ~__GFP_RECLAIM;
    public static final int GFP_TRANSHUGE = GFP_TRANSHUGE_LIGHT | __GFP_DIRECT_RECLAIM;

    /** Composite names first (longest match wins when formatting), then single bits. */
    private static final Map<String, Integer> NAMED = new LinkedHashMap<>();
    private static final Map<String, Integer> BITS = new LinkedHashMap<>();

    static {
        // __def_gfpflag_names (include/trace/events/mmflags.h, v6.18), in its order
        NAMED.put("GFP_TRANSHUGE", GFP_TRANSHUGE);
        NAMED.put("GFP_TRANSHUGE_LIGHT", GFP_TRANSHUGE_LIGHT);
        NAMED.put("GFP_HIGHUSER_MOVABLE", GFP_HIGHUSER_MOVABLE);
        NAMED.put("GFP_HIGHUSER", GFP_HIGHUSER);
        NAMED.put("GFP_USER", GFP_USER);
        NAMED.put("GFP_KERNEL_ACCOUNT", GFP_KERNEL_ACCOUNT);
        NAMED.put("GFP_KERNEL", GFP_KERNEL);
        NAMED.put("GFP_NOFS", GFP_NOFS);
        NAMED.put("GFP_ATOMIC", GFP_ATOMIC);
        NAMED.put("GFP_NOIO", GFP_NOIO);
        NAMED.put("GFP_NOWAIT", GFP_NOWAIT);
        NAMED.put("GFP_DMA", GFP_DMA);
        NAMED.put("GFP_DMA32", GFP_DMA32);
        NAMED.put("__GFP_RECLAIM", __GFP_RECLAIM);
        BITS.put("__GFP_DMA", __GFP_DMA);
        BITS.put("__GFP_HIGHMEM", __GFP_HIGHMEM);
        BITS.put("__GFP_DMA32", __GFP_DMA32);
        BITS.put("__GFP_MOVABLE", __GFP_MOVABLE);
        BITS.put("__GFP_RECLAIMABLE", __GFP_RECLAIMABLE);
        BITS.put("__GFP_HIGH", __GFP_HIGH);
        BITS.put("__GFP_IO", __GFP_IO);
        BITS.put("__GFP_FS", __GFP_FS);
        BITS.put("__GFP_ZERO", __GFP_ZERO);
        BITS.put("__GFP_DIRECT_RECLAIM", __GFP_DIRECT_RECLAIM);
        BITS.put("__GFP_KSWAPD_RECLAIM", __GFP_KSWAPD_RECLAIM);
        BITS.put("__GFP_WRITE", __GFP_WRITE);
        BITS.put("__GFP_NOWARN", __GFP_NOWARN);
        BITS.put("__GFP_RETRY_MAYFAIL", __GFP_RETRY_MAYFAIL);
        BITS.put("__GFP_NOFAIL", __GFP_NOFAIL);
        BITS.put("__GFP_NORETRY", __GFP_NORETRY);
        BITS.put("__GFP_MEMALLOC", __GFP_MEMALLOC);
        BITS.put("__GFP_COMP", __GFP_COMP);
        BITS.put("__GFP_NOMEMALLOC", __GFP_NOMEMALLOC);
        BITS.put("__GFP_HARDWALL", __GFP_HARDWALL);
        BITS.put("__GFP_THISNODE", __GFP_THISNODE);
        BITS.put("__GFP_ACCOUNT", __GFP_ACCOUNT);
    }

    /**
     * GFP_ZONE_TABLE with GFP_ZONES_SHIFT = 2 (CONFIG_ZONE_DEVICE, MAX_NR_ZONES - 1 &lt;= 4) and
     * OPT_ZONE_HIGHMEM = ZONE_NORMAL: the zone index for each of the 16 combinations of the four
     * zone bits, or -1 for the combinations in GFP_ZONE_BAD.
     */
    private static final int[] ZONE_TABLE = {
        2, 0, 2, -1, 1, -1, -1, -1, // 0x0..0x7
        2, 0, 3, -1, 1, -1, -1, -1, // 0x8..0xf (__GFP_MOVABLE set)
    };

    /** {@code gfp_zone()}: the highest zone index the request may use. */
    public static int gfpZone(int gfp) {
        int z = ZONE_TABLE[gfp & GFP_ZONEMASK];
        if (z < 0) {
            throw new IllegalArgumentException("gfp " + format(gfp) + ": zone bits 0x"
                    + Integer.toHexString(gfp & GFP_ZONEMASK) + " are in GFP_ZONE_BAD");
        }
        return z;
    }

    /**
     * {@code gfp_migratetype()}: (gfp &amp; (__GFP_RECLAIMABLE|__GFP_MOVABLE)) &gt;&gt; 3, or
     * UNMOVABLE when page_group_by_mobility_disabled.
     */
    public static int gfpMigratetype(int gfp, boolean mobilityDisabled) {
        if (mobilityDisabled) return MigrateType.MIGRATE_UNMOVABLE;
        return (gfp & (__GFP_RECLAIMABLE | __GFP_MOVABLE)) >>> 3;
    }

    /** Checks what gfp_zone() and gfp_migratetype() would VM_BUG/VM_WARN on. */
    public static void validate(int gfp) {
        gfpZone(gfp);
        if ((gfp & (__GFP_RECLAIMABLE | __GFP_MOVABLE)) == (__GFP_RECLAIMABLE | __GFP_MOVABLE)) {
            throw new IllegalArgumentException("gfp " + format(gfp)
                    + ": __GFP_MOVABLE and __GFP_RECLAIMABLE together (gfp_migratetype VM_WARN_ON)");
        }
    }

    /**
     * Parses {@code GFP_KERNEL|__GFP_DMA32} as the kernel prints masks, {@code none} (the empty
     * mask, as show_gfp_flags prints it), and numbers (decimal or 0x-hex).
     */
    public static int parse(String s) {
        String t = s.trim();
        if (t.isEmpty()) throw new IllegalArgumentException("empty gfp mask");
        if (t.equals("none")) return 0;
        int gfp = 0;
        for (String part : t.split("\\|")) {
            String p = part.trim();
            Integer v = NAMED.get(p);
            if (v == null) v = BITS.get(p);
            if (v == null) {
                try {
                    v = p.startsWith("0x") || p.startsWith("0X") ? Integer.parseUnsignedInt(p.substring(2), 16)
                            : Integer.parseUnsignedInt(p);
                } catch (NumberFormatException e) {
                    v = null;
                }
            }
            if (v == null) {
                throw new IllegalArgumentException("unknown gfp flag '" + p + "' (use GFP_KERNEL, GFP_ATOMIC, "
                        + "GFP_HIGHUSER_MOVABLE, __GFP_DMA32, ... joined by '|')");
            }
            gfp |= v;
        }
        return gfp;
    }

    /**
     * Formats the way the kernel's show_gfp_flags() does: names from __def_gfpflag_names in order
     * (a name is taken when all its bits are set, and they are cleared), then single bits, then
     * hex for the rest; "none" for the empty mask.
     */
    public static String format(int gfp) {
        List<String> parts = new ArrayList<>();
        int rest = gfp;
        for (Map.Entry<String, Integer> e : NAMED.entrySet()) {
            int v = e.getValue();
            if ((rest & v) == v) {
                parts.add(e.getKey());
                rest &= ~v;
            }
        }
        for (Map.Entry<String, Integer> e : BITS.entrySet()) {
            if ((rest & e.getValue()) != 0) {
                parts.add(e.getKey());
                rest &= ~e.getValue();
            }
        }
        if (rest != 0) parts.add("0x" + Integer.toHexString(rest));
        return parts.isEmpty() ? "none" : String.join("|", parts);
    }
}
