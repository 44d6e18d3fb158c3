package org.mmspec.invariants.engine;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The bounded explorer's set of seen states: 64-bit fingerprints in one {@code long[]}, open
 * addressing with linear probing, as TLC's FPSet keeps them. A slot holds a fingerprint or 0
 * (empty); the fingerprint 0 itself is remembered in a flag. The slot of a fingerprint is its high
 * bits scaled to the table ({@code multiplyHigh}), so any capacity works and the table grows by
 * half when three quarters full: between 8 / 0.75 = 10.7 and 8 / 0.5 = 16 bytes per fingerprint,
 * never an object per state.
 *
 * <p>Several threads may add at once with {@link #addConcurrent} (a compare-and-set per slot),
 * each holding {@link #enter()} while it expands a state and calling {@link #growIfNeeded()} after;
 * the table grows only while no thread is inside. A thread can overfill the table by at most the
 * successors of the state it is expanding, so the table is at least {@value #MIN_CONCURRENT}
 * slots in that use.
 *
 * <p>Two different states with the same fingerprint are taken for one: the explorer then misses
 * the second. With n states the chance of any such collision is about n^2 / 2^65 (TLC's
 * "optimistic" estimate), which {@link #collisionProbability()} reports.
 */
public final class FingerprintSet {
    private static final double MAX_LOAD = 0.75;
    static final int MIN_CONCURRENT = 1 << 16;
    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(long[].class);

    private volatile long[] table;
    private final AtomicLong size = new AtomicLong();
    private final AtomicBoolean hasZero = new AtomicBoolean();
    private volatile long threshold;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();

    public FingerprintSet() {
        this(1 << 8);
    }

    /** A set with room for {@code expected} fingerprints before it first grows. */
    public FingerprintSet(long expected) {
        long cap = Math.max(16, (long) Math.ceil(expected / MAX_LOAD) + 1);
        if (cap > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("fingerprint set of " + expected + " is too large");
        table = new long[(int) cap];
        threshold = (long) (cap * MAX_LOAD);
    }

    /** Adds the fingerprint; true when it was not there before (a new state). One thread only. */
    public boolean add(long fp) {
        if (fp == 0) {
            if (hasZero.get()) return false;
            hasZero.set(true);
            size.incrementAndGet();
            return true;
        }
        long[] t = table;
        int n = t.length;
        int i = slot(fp, n);
        while (true) {
            long x = t[i];
            if (x == 0) break;
            if (x == fp) return false;
            if (++i == n) i = 0;
        }
        t[i] = fp;
        if (size.incrementAndGet() > threshold) grow();
        return true;
    }

    /** As {@link #add}, safe for several threads at once inside {@link #enter()}; never grows the table. */
    public boolean addConcurrent(long fp) {
        if (fp == 0) {
            if (!hasZero.compareAndSet(false, true)) return false;
            size.incrementAndGet();
            return true;
        }
        long[] t = table;
        int n = t.length;
        int i = slot(fp, n);
        for (int probes = 0; probes < n; probes++) {
            long x = (long) SLOT.getVolatile(t, i);
            if (x == fp) return false;
            if (x == 0) {
                if (SLOT.compareAndSet(t, i, 0L, fp)) {
                    size.incrementAndGet();
                    return true;
                }
                if ((long) SLOT.getVolatile(t, i) == fp) return false; // another thread added it first
            }
            if (++i == n) i = 0;
        }
        throw new IllegalStateException("fingerprint set full (" + size.get() + " of " + n + " slots)");
    }

    /** A thread that will call {@link #addConcurrent} holds this while it does. */
    public void enter() {
        lock.readLock().lock();
    }

    public void leave() {
        lock.readLock().unlock();
    }

    /** Grows the table when it is over three quarters full, waiting until no thread is inside. */
    public void growIfNeeded() {
        if (size.get() <= threshold && table.length >= MIN_CONCURRENT) return;
        lock.writeLock().lock();
        try {
            while (size.get() > threshold || table.length < MIN_CONCURRENT) grow();
        } finally {
            lock.writeLock().unlock();
        }
    }

    public boolean contains(long fp) {
        if (fp == 0) return hasZero.get();
        long[] t = table;
        int n = t.length;
        int i = slot(fp, n);
        while (true) {
            long x = t[i];
            if (x == 0) return false;
            if (x == fp) return true;
            if (++i == n) i = 0;
        }
    }

    private static int slot(long fp, int n) {
        // the high 64 bits of fp * n, as an unsigned product: uniform in [0, n) for a uniform fp
        long hi = Math.multiplyHigh(fp, n) + ((fp >> 63) & n);
        return (int) hi;
    }

    private void grow() {
        long[] old = table;
        long cap = old.length + (old.length >> 1);
        if (cap > Integer.MAX_VALUE - 8) {
            if (old.length >= Integer.MAX_VALUE - 8) throw new IllegalStateException("fingerprint set is full (" + size + ")");
            cap = Integer.MAX_VALUE - 8;
        }
        long[] t = new long[(int) cap];
        int n = t.length;
        for (long x : old) {
            if (x == 0) continue;
            int i = slot(x, n);
            while (t[i] != 0) {
                if (++i == n) i = 0;
            }
            t[i] = x;
        }
        threshold = (long) (n * MAX_LOAD);
        table = t;
    }

    public long size() {
        return size.get();
    }

    /** Bytes the table holds (its array; the object headers are a few dozen bytes more). */
    public long bytes() {
        return 8L * table.length;
    }

    public int capacity() {
        return table.length;
    }

    /** TLC's optimistic estimate of the chance that two of the states seen share a fingerprint. */
    public double collisionProbability() {
        double n = size.get();
        return n * n / Math.pow(2, 65);
    }
}
