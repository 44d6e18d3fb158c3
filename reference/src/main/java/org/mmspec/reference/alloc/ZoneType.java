package org.mmspec.reference.alloc;

/**
 * {@code enum zone_type} (include/linux/mmzone.h, v6.18) as configured on x86-64 kernels like the
 * one these machines run: CONFIG_ZONE_DMA, CONFIG_ZONE_DMA32, no CONFIG_HIGHMEM, and
 * CONFIG_ZONE_DEVICE, so MAX_NR_ZONES is 5 and /proc/zoneinfo prints five protection entries.
 * ZONE_DEVICE never holds buddy pages.
 */
public enum ZoneType {
    DMA("DMA"),
    DMA32("DMA32"),
    NORMAL("Normal"),
    MOVABLE("Movable"),
    DEVICE("Device");

    public static final int MAX_NR_ZONES = 5;

    private final String kernelName;

    ZoneType(String kernelName) {
        this.kernelName = kernelName;
    }

    /** {@code zone_names[]}, as /proc/zoneinfo prints them. */
    public String kernelName() {
        return kernelName;
    }

    public int idx() {
        return ordinal();
    }

    /**
     * {@code is_highmem()} is false on x86-64; __setup_per_zone_wmarks() treats ZONE_MOVABLE like
     * highmem for its min watermark and lowmem_pages (mm/page_alloc.c, v6.18).
     */
    public boolean cappedLikeHighmem() {
        return this == MOVABLE;
    }

    public static ZoneType parse(String s) {
        String t = s.trim();
        if (t.regionMatches(true, 0, "ZONE_", 0, 5)) t = t.substring(5);
        for (ZoneType z : values()) {
            if (z.kernelName.equalsIgnoreCase(t)) return z;
        }
        throw new IllegalArgumentException("unknown zone '" + s + "' (one of DMA, DMA32, Normal, Movable)");
    }
}
