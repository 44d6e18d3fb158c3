package org.mmspec.reference.alloc;

import java.util.ArrayList;
import java.util.List;

/** The ALLOC_* flags of mm/internal.h (v6.18), with CONFIG_MMU and CONFIG_ZONE_DMA32. */
public final class AllocFlags {
    private AllocFlags() {}

    public static final int ALLOC_WMARK_MIN = Watermarks.WMARK_MIN;
    public static final int ALLOC_WMARK_LOW = Watermarks.WMARK_LOW;
    public static final int ALLOC_WMARK_HIGH = Watermarks.WMARK_HIGH;
    public static final int ALLOC_NO_WATERMARKS = 0x04;
    public static final int ALLOC_WMARK_MASK = ALLOC_NO_WATERMARKS - 1;
    public static final int ALLOC_OOM = 0x08;
    public static final int ALLOC_NON_BLOCK = 0x10;
    public static final int ALLOC_MIN_RESERVE = 0x20;
    public static final int ALLOC_CPUSET = 0x40;
    public static final int ALLOC_CMA = 0x80;
    public static final int ALLOC_NOFRAGMENT = 0x100;
    public static final int ALLOC_HIGHATOMIC = 0x200;
    public static final int ALLOC_TRYLOCK = 0x400;
    public static final int ALLOC_KSWAPD = 0x800;
    public static final int ALLOC_RESERVES = ALLOC_NON_BLOCK | ALLOC_MIN_RESERVE | ALLOC_HIGHATOMIC | ALLOC_OOM;

    private static final String[] NAMES = {
        "ALLOC_NO_WATERMARKS", "ALLOC_OOM", "ALLOC_NON_BLOCK", "ALLOC_MIN_RESERVE", "ALLOC_CPUSET",
        "ALLOC_CMA", "ALLOC_NOFRAGMENT", "ALLOC_HIGHATOMIC", "ALLOC_TRYLOCK", "ALLOC_KSWAPD",
    };
    private static final int[] VALUES = {
        ALLOC_NO_WATERMARKS, ALLOC_OOM, ALLOC_NON_BLOCK, ALLOC_MIN_RESERVE, ALLOC_CPUSET,
        ALLOC_CMA, ALLOC_NOFRAGMENT, ALLOC_HIGHATOMIC, ALLOC_TRYLOCK, ALLOC_KSWAPD,
    };

    public static String format(int flags) {
        List<String> parts = new ArrayList<>();
        parts.add(new String[] {"ALLOC_WMARK_MIN", "ALLOC_WMARK_LOW", "ALLOC_WMARK_HIGH", "?"}[flags & ALLOC_WMARK_MASK]);
        for (int i = 0; i < NAMES.length; i++) {
            if ((flags & VALUES[i]) != 0) parts.add(NAMES[i]);
        }
        return String.join("|", parts);
    }
}
