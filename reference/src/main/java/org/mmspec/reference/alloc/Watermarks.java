package org.mmspec.reference.alloc;

/**
 * The watermark and reserve formulas of mm/page_alloc.c (v6.18), as pure functions of the zones'
 * managed pages and the vm sysctls. The zones call these; so does conformance, which feeds them
 * another machine's numbers.
 */
public final class Watermarks {
    private Watermarks() {}

    public static final int WMARK_MIN = 0;
    public static final int WMARK_LOW = 1;
    public static final int WMARK_HIGH = 2;
    public static final int WMARK_PROMO = 3;
    public static final int NR_WMARK = 4;
    public static final String[] NAMES = {"min", "low", "high", "promo"};

    public static final int PAGE_SHIFT = 12;
    /** SWAP_CLUSTER_MAX (include/linux/swap.h). */
    public static final long SWAP_CLUSTER_MAX = 32;

    /** {@code mult_frac(x, numer, denom)} (include/linux/math.h): x * n / d without overflowing. */
    public static long multFrac(long x, long numer, long denom) {
        long quot = x / denom;
        long rem = x % denom;
        return quot * numer + (rem * numer) / denom;
    }

    /** {@code int_sqrt()} (lib/math/int_sqrt.c): floor of the square root. */
    public static long intSqrt(long x) {
        if (x < 2) return x;
        long r = (long) Math.sqrt((double) x);
        while (r > x / r) r--;                 // r * r > x, without overflowing
        while (r + 1 <= x / (r + 1)) r++;      // (r + 1)^2 <= x
        return r;
    }

    /**
     * {@code calculate_min_free_kbytes()}: int_sqrt(lowmem_kbytes * 16) clamped to [128, 262144],
     * where lowmem_kbytes is nr_free_buffer_pages() in KiB: the managed pages of the zones a
     * GFP_USER allocation may use (those up to ZONE_NORMAL) less their high watermarks, which are
     * still zero when init_per_zone_wmark_min() first runs.
     */
    public static long calculateMinFreeKbytes(long[] managed) {
        long bufferPages = 0;
        for (int z = 0; z <= ZoneType.NORMAL.idx() && z < managed.length; z++) bufferPages += managed[z];
        long lowmemKbytes = bufferPages * (1L << (PAGE_SHIFT - 10));
        long v = intSqrt(lowmemKbytes * 16);
        return Math.max(128, Math.min(262144, v));
    }

    /**
     * {@code __setup_per_zone_wmarks()}: returns {@code [zone][WMARK_MIN..WMARK_PROMO]}.
     * pages_min = min_free_kbytes &gt;&gt; (PAGE_SHIFT - 10), shared out in proportion to managed
     * pages over lowmem_pages (zones that are neither highmem nor ZONE_MOVABLE); ZONE_MOVABLE's
     * min is clamp(managed / 1024, SWAP_CLUSTER_MAX, 128); each step up is
     * max(tmp &gt;&gt; 2, mult_frac(managed, watermark_scale_factor, 10000)).
     */
    public static long[][] setupPerZoneWmarks(long[] managed, long minFreeKbytes, long watermarkScaleFactor) {
        return setupPerZoneWmarks(new long[][] {managed}, minFreeKbytes, watermarkScaleFactor)[0];
    }

    /**
     * {@code __setup_per_zone_wmarks()} over every node, {@code [node][zone][WMARK_MIN..WMARK_PROMO]}:
     * for_each_zone() walks all nodes, so lowmem_pages is the managed pages of every node's lowmem
     * zones and each zone gets its share of pages_min by its own managed pages.
     */
    public static long[][][] setupPerZoneWmarks(long[][] managedPerNode, long minFreeKbytes, long watermarkScaleFactor) {
        long pagesMin = minFreeKbytes >> (PAGE_SHIFT - 10);
        long lowmemPages = 0;
        for (long[] managed : managedPerNode) {
            for (int z = 0; z < managed.length; z++) {
                if (!ZoneType.values()[z].cappedLikeHighmem()) lowmemPages += managed[z];
            }
        }
        long[][][] out = new long[managedPerNode.length][][];
        for (int n = 0; n < managedPerNode.length; n++) {
            long[] managed = managedPerNode[n];
            long[][] wm = new long[managed.length][NR_WMARK];
            for (int z = 0; z < managed.length; z++) {
                // div64_ul(pages_min * managed, lowmem_pages); a machine without lowmem divides by
                // zero in the kernel too, which never boots that way: report 0 instead.
                long tmp = lowmemPages == 0 ? 0 : pagesMin * managed[z] / lowmemPages;
                if (ZoneType.values()[z].cappedLikeHighmem()) {
                    long minPages = managed[z] / 1024;
                    wm[z][WMARK_MIN] = Math.max(SWAP_CLUSTER_MAX, Math.min(128, minPages));
                } else {
                    wm[z][WMARK_MIN] = tmp;
                }
                tmp = Math.max(tmp >> 2, multFrac(managed[z], watermarkScaleFactor, 10000));
                wm[z][WMARK_LOW] = wm[z][WMARK_MIN] + tmp;
                wm[z][WMARK_HIGH] = wm[z][WMARK_LOW] + tmp;
                wm[z][WMARK_PROMO] = wm[z][WMARK_HIGH] + tmp;
            }
            out[n] = wm;
        }
        return out;
    }

    /**
     * {@code setup_per_zone_lowmem_reserve()}: {@code [i][j]} = pages zone i keeps back from an
     * allocation whose highest usable zone is j: the managed pages of zones i+1..j divided by
     * sysctl_lowmem_reserve_ratio[i], or 0 when that ratio is 0 or zone i manages no pages.
     */
    public static long[][] lowmemReserve(long[] managed, int[] ratio) {
        int n = managed.length;
        long[][] lr = new long[n][n];
        for (int i = 0; i < n - 1; i++) {
            int r = ratio[i];
            boolean clear = r == 0 || managed[i] == 0;
            long managedPages = 0;
            for (int j = i + 1; j < n; j++) {
                managedPages += managed[j];
                lr[i][j] = clear ? 0 : managedPages / r;
            }
        }
        return lr;
    }

    /**
     * {@code boost_watermark()}'s ceiling: max(pageblock_nr_pages,
     * mult_frac(high, watermark_boost_factor, 10000)), or 0 when the zone may not boost at all
     * (factor 0, pageblock_nr_pages * 4 &gt; managed, or a zero high watermark).
     */
    public static long maxBoost(long highWmark, long watermarkBoostFactor, long pageblockNrPages, long managed) {
        if (watermarkBoostFactor == 0) return 0;
        if (pageblockNrPages * 4 > managed) return 0;
        long maxBoost = multFrac(highWmark, watermarkBoostFactor, 10000);
        if (maxBoost == 0) return 0;
        return Math.max(pageblockNrPages, maxBoost);
    }
}
