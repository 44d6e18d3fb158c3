package org.mmspec.reference.alloc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The pure formulas of mm/page_alloc.c (v6.18) against the numbers this machine's kernel printed
 * in /proc/zoneinfo: DMA/DMA32/Normal managed 3840/772918/196608, Movable and Device empty,
 * vm.min_free_kbytes 67584, vm.watermark_scale_factor 10, vm.lowmem_reserve_ratio 256 256 32 0 0.
 */
class WatermarksTest {
    /** managed pages per zone index (DMA, DMA32, Normal, Movable, Device) on this machine. */
    static final long[] MANAGED = {3840, 772918, 196608, 0, 0};
    static final int[] RATIO = {256, 256, 32, 0, 0};

    /** min, low, high, promo per zone, from /proc/zoneinfo. */
    static final long[][] KERNEL_WMARKS = {
        {66, 82, 98, 114},
        {13416, 16770, 20124, 23478},
        {3412, 4265, 5118, 5971},
        {32, 32, 32, 32},
        {0, 0, 0, 0},
    };

    /** "protection: (...)" per zone, from /proc/zoneinfo. */
    static final long[][] KERNEL_PROTECTION = {
        {0, 3019, 3787, 3787, 3787},
        {0, 0, 768, 768, 768},
        {0, 0, 0, 0, 0},
        {0, 0, 0, 0, 0},
        {0, 0, 0, 0, 0},
    };

    @Test
    void setupPerZoneWmarksGivesTheKernelsNumbers() {
        long[][] wm = Watermarks.setupPerZoneWmarks(MANAGED, 67584, 10);
        for (int z = 0; z < MANAGED.length; z++) {
            assertArrayEquals(KERNEL_WMARKS[z], wm[z], "watermarks of " + ZoneType.values()[z].kernelName());
        }
    }

    @Test
    void lowmemReserveGivesTheKernelsProtection() {
        long[][] lr = Watermarks.lowmemReserve(MANAGED, RATIO);
        for (int z = 0; z < MANAGED.length; z++) {
            assertArrayEquals(KERNEL_PROTECTION[z], lr[z], "protection of " + ZoneType.values()[z].kernelName());
        }
    }

    @Test
    void lowmemReserveIsZeroForAZeroRatioOrAnEmptyZone() {
        long[] managed = {0, 1000, 5000, 2000, 0};
        long[][] lr = Watermarks.lowmemReserve(managed, new int[] {256, 0, 32, 4, 0});
        assertArrayEquals(new long[] {0, 0, 0, 0, 0}, lr[0], "DMA manages nothing");
        assertArrayEquals(new long[] {0, 0, 0, 0, 0}, lr[1], "DMA32 ratio 0");
        assertArrayEquals(new long[] {0, 0, 0, 2000 / 32, 2000 / 32}, lr[2]);
        assertArrayEquals(new long[] {0, 0, 0, 0, 0}, lr[3], "Movable: nothing above it manages pages");
    }

    @Test
    void movableZoneMinIsClampedAndNotProportional() {
        // a Movable zone of 1M pages: min = clamp(1M / 1024, 32, 128) = 128, the rest scaled by managed
        long[] managed = {0, 0, 100_000, 1 << 20, 0};
        long[][] wm = Watermarks.setupPerZoneWmarks(managed, 4096, 10);
        assertEquals(128, wm[3][Watermarks.WMARK_MIN]);
        long step = Watermarks.multFrac(1 << 20, 10, 10000); // tmp = pages_min * managed / lowmem >> 2 is larger
        long tmp = Math.max((4096L >> 2) * (1 << 20) / 100_000 >> 2, step);
        assertEquals(128 + tmp, wm[3][Watermarks.WMARK_LOW]);
        assertEquals(128 + 2 * tmp, wm[3][Watermarks.WMARK_HIGH]);
        // Normal gets all of pages_min: lowmem_pages excludes ZONE_MOVABLE
        assertEquals(1024, wm[2][Watermarks.WMARK_MIN]);
        // a tiny Movable zone still gets SWAP_CLUSTER_MAX
        long[][] tiny = Watermarks.setupPerZoneWmarks(new long[] {0, 0, 1000, 10, 0}, 128, 10);
        assertEquals(32, tiny[3][Watermarks.WMARK_MIN]);
    }

    @Test
    void scaleFactorWinsWhenLargerThanAQuarterOfMin() {
        // 1000 pages, min_free_kbytes 128 -> pages_min 32: tmp>>2 = 8, scale 3000 -> 300
        long[][] wm = Watermarks.setupPerZoneWmarks(new long[] {0, 0, 1000, 0, 0}, 128, 3000);
        assertArrayEquals(new long[] {32, 332, 632, 932}, wm[2]);
    }

    /**
     * The table in the comment above calculate_min_free_kbytes(), with all memory in one lowmem
     * zone. The comment rounds one entry: for 8192MB it says 11584k, but int_sqrt(8388608 * 16) is
     * 11585 (11585^2 = 134212225 <= 134217728 < 11586^2), which is what the kernel computes.
     */
    @ParameterizedTest(name = "{0} MB -> {1} kB (comment says {2})")
    @CsvSource({
        "16, 512, 512", "32, 724, 724", "64, 1024, 1024", "128, 1448, 1448", "256, 2048, 2048", "512, 2896, 2896",
        "1024, 4096, 4096", "2048, 5792, 5792", "4096, 8192, 8192", "8192, 11585, 11584", "16384, 16384, 16384",
    })
    void calculateMinFreeKbytesMatchesTheKernelTable(long mb, long kb, long commentKb) {
        long pages = mb * 256;
        assertEquals(java.math.BigInteger.valueOf(mb * 1024 * 16).sqrt().longValueExact(), kb, "int_sqrt");
        assertEquals(true, Math.abs(kb - commentKb) <= 1, "the comment's table");
        assertEquals(kb, Watermarks.calculateMinFreeKbytes(new long[] {0, 0, pages, 0, 0}), "Normal");
        assertEquals(kb, Watermarks.calculateMinFreeKbytes(new long[] {pages, 0, 0, 0, 0}), "DMA");
        assertEquals(kb, Watermarks.calculateMinFreeKbytes(new long[] {0, pages, 0, 0, 0}), "DMA32");
    }

    @Test
    void calculateMinFreeKbytesClampsAndIgnoresMovable() {
        assertEquals(128, Watermarks.calculateMinFreeKbytes(new long[] {0, 0, 16, 0, 0}), "floor 128");
        assertEquals(262144, Watermarks.calculateMinFreeKbytes(new long[] {0, 0, 1L << 40, 0, 0}), "ceiling 256 MB");
        // ZONE_MOVABLE is above gfp_zone(GFP_USER): nr_free_buffer_pages() does not count it
        assertEquals(128, Watermarks.calculateMinFreeKbytes(new long[] {0, 0, 0, 1L << 30, 0}));
        // this machine: int_sqrt(973366 * 4 * 16) = 7892 (the 67584 it runs with comes from khugepaged)
        assertEquals(7892, Watermarks.calculateMinFreeKbytes(MANAGED));
    }

    @Test
    void multFracAndIntSqrt() {
        assertEquals(772, Watermarks.multFrac(772918, 10, 10000));
        java.math.BigInteger exact = java.math.BigInteger.valueOf(Long.MAX_VALUE).multiply(java.math.BigInteger.valueOf(3))
                .divide(java.math.BigInteger.valueOf(10000));
        assertEquals(exact.longValueExact(), Watermarks.multFrac(Long.MAX_VALUE, 3, 10000), "x * n does not overflow");
        for (long x : new long[] {0, 1, 2, 3, 4, 15, 16, 17, 99, 100, 101, 262144, 1L << 40, (1L << 40) - 1, 999_999_999_999L}) {
            long r = Watermarks.intSqrt(x);
            assertEquals(true, r * r <= x && (r + 1) * (r + 1) > x, "int_sqrt(" + x + ") = " + r);
        }
        // near the top of the range (r + 1)^2 must not overflow
        assertEquals(3037000499L, Watermarks.intSqrt(Long.MAX_VALUE));
        assertEquals(java.math.BigInteger.valueOf(Long.MAX_VALUE - 12345).sqrt().longValueExact(),
                Watermarks.intSqrt(Long.MAX_VALUE - 12345));
        assertEquals(3037000499L, Watermarks.intSqrt(3037000499L * 3037000499L));
        assertEquals(3037000498L, Watermarks.intSqrt(3037000499L * 3037000499L - 1));
    }

    @Test
    void maxBoost() {
        // max(pageblock_nr_pages, high * factor / 10000)
        assertEquals(7677, Watermarks.maxBoost(5118, 15000, 512, 196608));
        assertEquals(512, Watermarks.maxBoost(100, 15000, 512, 196608), "never below a pageblock");
        assertEquals(0, Watermarks.maxBoost(5118, 0, 512, 196608), "factor 0 disables boosting");
        assertEquals(0, Watermarks.maxBoost(5118, 15000, 512, 2047), "pageblock_nr_pages * 4 > managed");
        assertEquals(7677, Watermarks.maxBoost(5118, 15000, 512, 2048), "exactly four pageblocks may boost");
        assertEquals(0, Watermarks.maxBoost(0, 15000, 512, 196608), "high watermark not yet set");
    }
}
