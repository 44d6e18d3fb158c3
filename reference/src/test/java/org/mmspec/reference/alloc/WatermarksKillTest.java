package org.mmspec.reference.alloc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * The formulas of mm/page_alloc.c (v6.18) that {@link Watermarks} computes, at the edges the
 * existing tests do not reach: int_sqrt() where a double square root overshoots,
 * calculate_min_free_kbytes() over fewer zones than MAX_NR_ZONES, __setup_per_zone_wmarks()
 * without lowmem, and setup_per_zone_lowmem_reserve() never reading the top zone's ratio.
 */
class WatermarksKillTest {

    // int_sqrt() (include/linux/math.h; lib/math/int_sqrt.c) is the floor of the square root of
    // an unsigned long, exact over the whole range. Near 2^63 a double square root of k^2 - 1
    // rounds up to k, which the floor must correct back to k - 1.
    @Test
    void intSqrtIsTheExactFloorEvenWhereTheDoubleRootOvershoots() {
        long k = 3037000499L; // floor(sqrt(2^63 - 1))
        assertEquals(k, (long) Math.sqrt((double) (k * k - 1)), "the premise: the double root overshoots");
        assertEquals(k - 1, Watermarks.intSqrt(k * k - 1));
        assertEquals(k, Watermarks.intSqrt(k * k));
        assertEquals(k, Watermarks.intSqrt(Long.MAX_VALUE));
        assertEquals(k - 2, Watermarks.intSqrt((k - 1) * (k - 1) - 1));
        long[][] small = {{0, 0}, {1, 1}, {2, 1}, {3, 1}, {4, 2}, {8, 2}, {9, 3}, {15, 3}, {16, 4}, {17, 4},
            {1L << 52, 1L << 26}, {(1L << 52) - 1, (1L << 26) - 1}};
        for (long[] c : small) assertEquals(c[1], Watermarks.intSqrt(c[0]), "int_sqrt(" + c[0] + ")");
    }

    // calculate_min_free_kbytes(): lowmem_kbytes = nr_free_buffer_pages() * (PAGE_SIZE >> 10),
    // counting the zones up to gfp_zone(GFP_USER) = ZONE_NORMAL, then int_sqrt(lowmem_kbytes * 16)
    // clamped to [128, 262144]. A managed-pages array that names only the lower zones is summed as
    // far as it goes; ZONE_MOVABLE's pages never count.
    @Test
    void minFreeKbytesSumsTheZonesUpToNormalOfAShortArray() {
        assertEquals(512, Watermarks.calculateMinFreeKbytes(new long[] {4096})); // sqrt(16384 * 16)
        assertEquals(1024, Watermarks.calculateMinFreeKbytes(new long[] {4096, 12288})); // sqrt(65536 * 16)
        assertEquals(128, Watermarks.calculateMinFreeKbytes(new long[] {0, 0, 0, 1L << 20, 0}), "Movable only: clamped");
        assertEquals(262144, Watermarks.calculateMinFreeKbytes(new long[] {0, 0, 1L << 32, 0, 0}), "clamped above");
    }

    // __setup_per_zone_wmarks() on a node whose only memory is ZONE_MOVABLE: lowmem_pages is 0
    // (the kernel's div64_ul(tmp, lowmem_pages) would divide by zero; such a machine does not boot,
    // and the model documents that it takes the share as 0 instead). ZONE_MOVABLE's min is
    // clamp(managed / 1024, SWAP_CLUSTER_MAX, 128) and each step up
    // max(tmp >> 2, mult_frac(managed, watermark_scale_factor, 10000)).
    @Test
    void watermarksOfAMovableOnlyNodeDoNotDivideByZero() {
        long[][] wm = Watermarks.setupPerZoneWmarks(new long[] {0, 0, 0, 0x10000, 0}, 1024, 10);
        // min 64 (65536 / 1024), step mult_frac(65536, 10, 10000) = 65
        assertArrayEquals(new long[] {64, 129, 194, 259}, wm[3]);
        assertArrayEquals(new long[] {0, 0, 0, 0}, wm[2]);
        long[][] tiny = Watermarks.setupPerZoneWmarks(new long[] {0, 0, 0, 0x1000, 0}, 1024, 10);
        assertArrayEquals(new long[] {32, 36, 40, 44}, tiny[3], "min clamped up to SWAP_CLUSTER_MAX");
    }

    // setup_per_zone_lowmem_reserve(): "for (i = 0; i < MAX_NR_ZONES - 1; i++)" -- the highest zone
    // has nothing above it to keep pages back from, so its sysctl_lowmem_reserve_ratio entry is
    // never read; lowmem_reserve[j] of zone i is the managed pages of zones i+1..j over ratio[i].
    @Test
    void theTopZonesRatioIsNeverRead() {
        long[][] lr = Watermarks.lowmemReserve(new long[] {100, 200, 300}, new int[] {2, 4});
        assertArrayEquals(new long[] {0, 100, 250}, lr[0]);
        assertArrayEquals(new long[] {0, 0, 75}, lr[1]);
        assertArrayEquals(new long[] {0, 0, 0}, lr[2]);
    }
}
