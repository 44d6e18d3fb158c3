package org.mmspec.invariants.laws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.math.BigInteger;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.mmspec.reference.alloc.Watermarks;
import org.mmspec.reference.alloc.ZoneType;
import org.quicktheories.core.Gen;

/**
 * The watermark and reserve formulas of mm/page_alloc.c (v6.18) that WMARK-FORMULA, WMARK-ORDER,
 * LOWMEM-RESERVE and BOOST-BOUNDS compare against, as laws over their whole input range.
 */
class WatermarkLawsTest {
    static final long SEED = 0x776D61726BL;
    static final int N = ZoneType.MAX_NR_ZONES;
    static final int MOVABLE = ZoneType.MOVABLE.idx();

    /** managed pages per zone: each 0 with some chance, up to 2^26 pages (256 GiB). */
    static Gen<long[]> managed() {
        Gen<Long> one = longs().between(0, 1L << 26).mix(longs().between(0, 4096)); // real zones and tiny ones
        Gen<Long> zoneOrEmpty = integers().between(0, 3).zip(one, (c, m) -> c == 0 ? 0L : m);
        // DMA, DMA32, Normal, Movable; ZONE_DEVICE never holds buddy pages
        return zoneOrEmpty.zip(zoneOrEmpty, zoneOrEmpty, zoneOrEmpty, (a, b, c, d) -> new long[] {a, b, c, d, 0});
    }

    static Gen<Long> minFreeKbytes() {
        return longs().between(0, 1L << 22).mix(longs().between(0, 1024));
    }

    static Gen<Integer> scaleFactor() {
        return integers().between(1, 3000);
    }

    static long[][] wm(long[] managed, long kb, int wsf) {
        return Watermarks.setupPerZoneWmarks(managed, kb, wsf);
    }

    static String show(long[] a) {
        return java.util.Arrays.toString(a);
    }

    @Test
    void watermarksAscendInEqualSteps() {
        qt().withFixedSeed(SEED).withExamples(3000)
                .forAll(managed(), minFreeKbytes(), scaleFactor())
                .checkAssert((m, kb, wsf) -> {
                    long[][] w = wm(m, kb, wsf);
                    for (int z = 0; z < N; z++) {
                        long[] x = w[z];
                        String ctx = "zone " + z + " " + show(x) + " managed " + show(m) + " kb " + kb + " wsf " + wsf;
                        assertTrue(0 <= x[0] && x[0] <= x[1] && x[1] <= x[2] && x[2] <= x[3], ctx);
                        assertEquals(x[1] - x[0], x[2] - x[1], ctx);
                        assertEquals(x[2] - x[1], x[3] - x[2], ctx);
                    }
                });
    }

    @Test
    void watermarksGrowWithMinFreeKbytes() {
        qt().withFixedSeed(SEED).withExamples(3000)
                .forAll(managed(), minFreeKbytes(), minFreeKbytes(), scaleFactor())
                .checkAssert((m, a, b, wsf) -> {
                    long lo = Math.min(a, b);
                    long hi = Math.max(a, b);
                    long[][] x = wm(m, lo, wsf);
                    long[][] y = wm(m, hi, wsf);
                    for (int z = 0; z < N; z++) {
                        for (int i = 0; i < Watermarks.NR_WMARK; i++) {
                            assertTrue(x[z][i] <= y[z][i], "zone " + z + " wmark " + i + " fell from " + x[z][i] + " to "
                                    + y[z][i] + " as min_free_kbytes rose " + lo + " -> " + hi + ", managed " + show(m));
                        }
                    }
                });
    }

    /**
     * A zone's watermarks grow with its own managed pages: its share pages_min * managed /
     * lowmem_pages grows even though lowmem_pages grows too, and so does the scale-factor step.
     */
    @Test
    void watermarksGrowWithTheZonesManagedPages() {
        qt().withFixedSeed(SEED).withExamples(3000)
                .forAll(managed(), integers().between(0, N - 2), longs().between(0, 1L << 24), minFreeKbytes())
                .checkAssert((m, z, extra, kb) -> {
                    long[] more = m.clone();
                    more[z] += extra;
                    long[][] x = wm(m, kb, 10);
                    long[][] y = wm(more, kb, 10);
                    for (int i = 0; i < Watermarks.NR_WMARK; i++) {
                        assertTrue(x[z][i] <= y[z][i], "zone " + z + " wmark " + i + " fell from " + x[z][i] + " to "
                                + y[z][i] + " when its managed pages rose by " + extra + ", managed " + show(m));
                    }
                });
    }

    @Test
    void movableMinIsClampedAndIgnoresMinFreeKbytes() {
        qt().withFixedSeed(SEED).withExamples(2000)
                .forAll(managed(), minFreeKbytes(), scaleFactor())
                .checkAssert((m, kb, wsf) -> {
                    long min = wm(m, kb, wsf)[MOVABLE][Watermarks.WMARK_MIN];
                    assertTrue(Watermarks.SWAP_CLUSTER_MAX <= min && min <= 128, "Movable min " + min);
                    assertEquals(Math.max(32, Math.min(128, m[MOVABLE] / 1024)), min);
                    assertEquals(min, wm(m, 0, wsf)[MOVABLE][Watermarks.WMARK_MIN], "independent of min_free_kbytes");
                });
    }

    /** The lowmem zones share pages_min in proportion to their managed pages: the mins add up to at most pages_min. */
    @Test
    void lowmemMinsShareMinFreeKbytes() {
        qt().withFixedSeed(SEED).withExamples(2000)
                .forAll(managed(), minFreeKbytes(), scaleFactor())
                .checkAssert((m, kb, wsf) -> {
                    long[][] w = wm(m, kb, wsf);
                    long sum = 0;
                    long lowmem = 0;
                    for (int z = 0; z < N; z++) {
                        if (z == MOVABLE) continue;
                        sum += w[z][Watermarks.WMARK_MIN];
                        lowmem += m[z];
                    }
                    long pagesMin = kb >> (Watermarks.PAGE_SHIFT - 10);
                    assertTrue(sum <= pagesMin, sum + " > " + pagesMin);
                    int lowmemZones = 0;
                    for (int z = 0; z < N; z++) if (z != MOVABLE && m[z] > 0) lowmemZones++;
                    if (lowmem > 0) assertTrue(pagesMin - sum < lowmemZones, "rounding loses less than a page per zone");
                });
    }

    static Gen<int[]> ratios() {
        Gen<Integer> r = integers().between(0, 3).zip(integers().between(1, 100_000), (c, v) -> c == 0 ? 0 : v);
        return r.zip(r, r, r, (a, b, c, d) -> new int[] {a, b, c, d, 0});
    }

    @Test
    void lowmemReserveFollowsItsDefinition() {
        qt().withFixedSeed(SEED).withExamples(3000)
                .forAll(managed(), ratios())
                .checkAssert((m, ratio) -> {
                    long[][] lr = Watermarks.lowmemReserve(m, ratio);
                    for (int i = 0; i < N; i++) {
                        for (int j = 0; j < N; j++) {
                            String ctx = "[" + i + "][" + j + "] managed " + show(m) + " ratio " + java.util.Arrays.toString(ratio);
                            if (j <= i || ratio[i] == 0 || m[i] == 0) {
                                assertEquals(0, lr[i][j], "zero at or below the zone, or without a ratio or pages " + ctx);
                                continue;
                            }
                            assertTrue(lr[i][j] >= lr[i][j - 1], "lowmem_reserve grows with j " + ctx);
                            long above = 0;
                            for (int k = i + 1; k <= j; k++) above += m[k];
                            assertEquals(above / ratio[i], lr[i][j], ctx);
                        }
                    }
                });
    }

    @Test
    void multFracIsTheFloorOfTheExactProduct() {
        qt().withFixedSeed(SEED).withExamples(5000)
                .forAll(longs().between(0, 1L << 40), longs().between(0, 1L << 20), longs().between(1, 1L << 20))
                .checkAssert((x, n, d) -> {
                    BigInteger exact = BigInteger.valueOf(x).multiply(BigInteger.valueOf(n)).divide(BigInteger.valueOf(d));
                    assertEquals(exact.longValueExact(), Watermarks.multFrac(x, n, d), x + " * " + n + " / " + d);
                });
    }

    /** mult_frac's point: no overflow where x * n would overflow, as long as the result fits. */
    @Test
    void multFracDoesNotOverflowForLargeX() {
        qt().withFixedSeed(SEED).withExamples(3000)
                .forAll(longs().between(1L << 50, 1L << 52), longs().between(0, 2000), longs().between(2000, 100_000))
                .checkAssert((x, n, d) -> {
                    BigInteger exact = BigInteger.valueOf(x).multiply(BigInteger.valueOf(n)).divide(BigInteger.valueOf(d));
                    assertEquals(exact.longValueExact(), Watermarks.multFrac(x, n, d), x + " * " + n + " / " + d);
                });
    }

    @Test
    void intSqrtIsTheFloorSquareRoot() {
        qt().withFixedSeed(SEED).withExamples(5000)
                .forAll(longs().between(0, 3037000498L * 3037000498L))
                .checkAssert(x -> {
                    long r = Watermarks.intSqrt(x);
                    BigInteger bx = BigInteger.valueOf(x);
                    BigInteger br = BigInteger.valueOf(r);
                    assertTrue(br.multiply(br).compareTo(bx) <= 0, "r^2 > x for x = " + x + ", r = " + r);
                    BigInteger next = br.add(BigInteger.ONE);
                    assertTrue(next.multiply(next).compareTo(bx) > 0, "(r+1)^2 <= x for x = " + x + ", r = " + r);
                    assertEquals(bx.sqrt().longValueExact(), r);
                });
        for (long k = 0; k < 3000; k++) {
            assertEquals(k, Watermarks.intSqrt(k * k));
            if (k > 0) assertEquals(k - 1, Watermarks.intSqrt(k * k - 1));
        }
    }

    /**
     * BUG: int_sqrt() is defined for every unsigned long; Watermarks.intSqrt never returns for x >=
     * 3037000499^2 because (r + 1) * (r + 1) overflows to a negative number, which is <= x, so the
     * upward correction loop keeps incrementing. (calculate_min_free_kbytes() only passes values
     * below 2^38 in the model, so booting is not affected.)
     */
    @Test
    void intSqrtTerminatesNearLongMax() {
        long[] xs = {3037000499L * 3037000499L, Long.MAX_VALUE};
        for (long x : xs) {
            long r = assertTimeoutPreemptively(Duration.ofSeconds(2), () -> Watermarks.intSqrt(x));
            assertEquals(BigInteger.valueOf(x).sqrt().longValueExact(), r);
        }
    }

    @Test
    void maxBoostFollowsBoostWatermark() {
        qt().withFixedSeed(SEED).withExamples(5000)
                .forAll(longs().between(0, 1L << 30), longs().between(0, 100_000), integers().between(0, 12),
                        longs().between(0, 1L << 30))
                .checkAssert((high, factor, pbo, managed) -> {
                    long pbn = 1L << pbo;
                    long mb = Watermarks.maxBoost(high, factor, pbn, managed);
                    long frac = Watermarks.multFrac(high, factor, 10000);
                    String ctx = "high " + high + " factor " + factor + " pbn " + pbn + " managed " + managed + " -> " + mb;
                    if (factor == 0 || pbn * 4 > managed || frac == 0) {
                        assertEquals(0, mb, "no boost at all " + ctx);
                    } else {
                        assertEquals(Math.max(pbn, frac), mb, ctx);
                        assertTrue(mb >= pbn, "a boost is at least a pageblock " + ctx);
                    }
                    // monotone in the high watermark and in the factor
                    assertTrue(Watermarks.maxBoost(high + 1, factor, pbn, managed) >= mb, ctx);
                    assertTrue(Watermarks.maxBoost(high, factor + 1, pbn, managed) >= mb, ctx);
                });
    }

    @Test
    void calculateMinFreeKbytesIsClampedSqrt() {
        qt().withFixedSeed(SEED).withExamples(2000)
                .forAll(managed())
                .checkAssert(m -> {
                    long kb = Watermarks.calculateMinFreeKbytes(m);
                    assertTrue(128 <= kb && kb <= 262144, "min_free_kbytes " + kb);
                    long lowmemKb = (m[0] + m[1] + m[2]) * 4;
                    assertEquals(Math.max(128, Math.min(262144, BigInteger.valueOf(lowmemKb * 16).sqrt().longValueExact())), kb);
                });
    }
}
