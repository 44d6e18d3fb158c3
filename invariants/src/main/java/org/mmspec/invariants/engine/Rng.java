package org.mmspec.invariants.engine;

import org.apache.commons.math3.distribution.GeometricDistribution;
import org.apache.commons.math3.random.RandomGenerator;
import org.apache.commons.math3.random.Well19937c;

/**
 * The seeded random source of a run. Orders are drawn from a geometric distribution truncated at
 * the top order, so small orders dominate as they do in real workloads (most allocations are
 * order 0).
 */
public final class Rng {
    private final RandomGenerator gen;
    private final GeometricDistribution orders;

    public Rng(long seed) {
        this.gen = new Well19937c(seed);
        this.orders = new GeometricDistribution(gen, 0.5);
    }

    public int nextInt(int bound) {
        return gen.nextInt(bound);
    }

    public long nextLong() {
        return gen.nextLong();
    }

    public double nextDouble() {
        return gen.nextDouble();
    }

    public boolean chance(double p) {
        return gen.nextDouble() < p;
    }

    /** An order in 0..max, P(k) proportional to 2^-(k+1). */
    public int order(int max) {
        int o;
        do {
            o = orders.sample();
        } while (o > max);
        return o;
    }

    public <T> T pick(java.util.List<T> xs) {
        return xs.get(gen.nextInt(xs.size()));
    }

    /** A 64-bit mix (SplitMix64 finaliser), used to derive per-try seeds from the run seed. */
    public static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    public static long trySeed(long runSeed, int tryIndex) {
        return mix(runSeed + 0x9E3779B97F4A7C15L * (tryIndex + 1L));
    }
}
