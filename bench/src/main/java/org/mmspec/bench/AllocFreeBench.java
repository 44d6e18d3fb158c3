package org.mmspec.bench;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import org.mmspec.reference.Machine;
import org.mmspec.reference.alloc.Gfp;
import org.mmspec.reference.alloc.Zone;
import org.mmspec.reference.alloc.ZoneType;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Alloc+free pairs per second of the reference buddy allocator on one 2^20-page ZONE_NORMAL
 * ({@link BenchMachines#oneZone4G()}), at steady state.
 *
 * <p>{@link #setup} fills the zone to {@link #fill} of its pages with live blocks; then each
 * benchmark operation is one pair: free one live block chosen at random, and allocate one new
 * block into its slot. Orders follow the skew real workloads show, P(order k) = 2^-(k+1)
 * truncated at {@link #MAX_DRAWN_ORDER} (half the requests are order 0, about 5 pages per
 * request on average); gfp masks are GFP_KERNEL, GFP_HIGHUSER_MOVABLE and
 * GFP_KERNEL|__GFP_RECLAIMABLE in the proportions 3:3:1, as the buddy operation model draws them
 * (BuddyOps.GFP_WEIGHTS). Every choice is drawn in {@link #setup} into {@link #script}, which the
 * benchmark walks in a cycle: the score is the allocator's, not the random generator's.
 *
 * <p>An allocation that fails (possible for a high order in a fragmented zone) leaves its slot
 * empty until the script refills it; {@link #check} reports the failure rate and checks that the
 * live blocks and the zone's free pages still add up to the whole zone.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 10, time = 2)
@Fork(value = 2, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class AllocFreeBench {
    /** The largest order drawn: pageblock_order, the largest block a THP or a slab asks for. */
    public static final int MAX_DRAWN_ORDER = 9;
    /** The three gfp masks of the mix, and how many of every 7 requests use each. */
    static final int[] GFPS = {Gfp.GFP_KERNEL, Gfp.GFP_HIGHUSER_MOVABLE, Gfp.GFP_KERNEL | Gfp.__GFP_RECLAIMABLE};
    static final int[] GFP_WEIGHTS = {3, 3, 1};
    /** Length of the pre-drawn script (a power of two): 2^20 pairs, cycled. */
    static final int SCRIPT_LEN = 1 << 20;
    private static final int ORDER_BITS = 4;
    private static final int GFP_BITS = 2;
    private static final int SLOT_SHIFT = ORDER_BITS + GFP_BITS;

    /** Fraction of the zone's pages live at steady state. */
    @Param("0.5")
    public double fill;

    /** Seed of every random choice, so two runs measure the same sequence of requests. */
    @Param("42")
    public long seed;

    Machine machine;
    /** Live blocks by slot: first pfn (-1 when the slot is empty) and order. */
    long[] slotPfn;
    byte[] slotOrder;
    /** One entry per pair: slot &lt;&lt; 6 | gfp index &lt;&lt; 4 | order. */
    int[] script;
    /** {@link #harnessOnly}'s write target, the size of {@link #slotOrder}. */
    byte[] scratchOrder;
    int cursor;
    long setupFailures;

    @Setup(Level.Trial)
    public void setup() {
        machine = new Machine(BenchMachines.oneZone4G());
        SplittableRandom rnd = new SplittableRandom(seed);
        long target = (long) (fill * BenchMachines.ONE_ZONE_PAGES);
        int cap = 1024;
        slotPfn = new long[cap];
        slotOrder = new byte[cap];
        int slots = 0;
        long live = 0;
        while (live < target) {
            int order = drawOrder(rnd);
            int gfp = GFPS[drawGfp(rnd)];
            long pfn = machine.allocPages(gfp, order);
            if (pfn < 0) {
                if (++setupFailures > 1000) throw new IllegalStateException("cannot fill the zone to " + fill);
                continue;
            }
            if (slots == cap) {
                cap *= 2;
                slotPfn = java.util.Arrays.copyOf(slotPfn, cap);
                slotOrder = java.util.Arrays.copyOf(slotOrder, cap);
            }
            slotPfn[slots] = pfn;
            slotOrder[slots] = (byte) order;
            slots++;
            live += 1L << order;
        }
        slotPfn = java.util.Arrays.copyOf(slotPfn, slots);
        slotOrder = java.util.Arrays.copyOf(slotOrder, slots);
        scratchOrder = new byte[slots];
        script = new int[SCRIPT_LEN];
        for (int i = 0; i < SCRIPT_LEN; i++) {
            script[i] = rnd.nextInt(slots) << SLOT_SHIFT | drawGfp(rnd) << ORDER_BITS | drawOrder(rnd);
        }
        cursor = 0;
    }

    /** P(k) = 2^-(k+1) for k = 0..MAX_DRAWN_ORDER, renormalised: trailing zeros of a uniform int, redrawn past the cut. */
    static int drawOrder(SplittableRandom rnd) {
        while (true) {
            int k = Integer.numberOfTrailingZeros(rnd.nextInt());
            if (k <= MAX_DRAWN_ORDER) return k;
        }
    }

    static int drawGfp(SplittableRandom rnd) {
        int total = 0;
        for (int w : GFP_WEIGHTS) total += w;
        int x = rnd.nextInt(total);
        for (int i = 0; i < GFP_WEIGHTS.length; i++) {
            x -= GFP_WEIGHTS[i];
            if (x < 0) return i;
        }
        return 0;
    }

    /** One alloc+free pair: free the block in a random slot (if any), allocate a new one into it. */
    @Benchmark
    public long pair() {
        int c = cursor;
        cursor = (c + 1) & (SCRIPT_LEN - 1);
        int e = script[c];
        int slot = e >>> SLOT_SHIFT;
        long old = slotPfn[slot];
        if (old >= 0) machine.freePages(old, slotOrder[slot]);
        int order = e & ((1 << ORDER_BITS) - 1);
        long pfn = machine.allocPages(GFPS[(e >>> ORDER_BITS) & ((1 << GFP_BITS) - 1)], order);
        slotPfn[slot] = pfn;
        slotOrder[slot] = (byte) order;
        return pfn;
    }

    /**
     * The harness alone, for a ratio: the same script walk and random slot reads and writes as
     * {@link #pair}, with the allocator calls replaced by arithmetic. Not a target; it says how
     * much of a pair's time is the benchmark's own bookkeeping (mostly the cache miss on a random
     * slot). It writes only a scratch copy of the orders, so it leaves {@link #pair}'s state alone.
     */
    @Benchmark
    public long harnessOnly() {
        int c = cursor;
        cursor = (c + 1) & (SCRIPT_LEN - 1);
        int e = script[c];
        int slot = e >>> SLOT_SHIFT;
        long old = slotPfn[slot];
        int order = e & ((1 << ORDER_BITS) - 1);
        long pfn = old + (slotOrder[slot] ^ GFPS[(e >>> ORDER_BITS) & ((1 << GFP_BITS) - 1)]);
        scratchOrder[slot] = (byte) order;
        return pfn;
    }

    /**
     * After the run: the live blocks plus the zone's free pages must be the whole zone (nothing
     * leaked or double-counted), and the failure rate says whether the mix stayed satisfiable.
     */
    @TearDown(Level.Trial)
    public void check() {
        long live = 0;
        int empty = 0;
        for (int i = 0; i < slotPfn.length; i++) {
            if (slotPfn[i] >= 0) {
                live += 1L << slotOrder[i];
            } else {
                empty++;
            }
        }
        Zone z = machine.zone(ZoneType.NORMAL);
        long free = z.nrFreePages;
        long allocs = 0;
        long fails = 0;
        for (long n : machine.stats().allocByOrder) allocs += n;
        for (long n : machine.stats().failByOrder) fails += n;
        long claims = 0;
        long steals = 0;
        for (long[] row : machine.stats().fallbackClaim) for (long n : row) claims += n;
        for (long[] row : machine.stats().fallbackSteal) for (long n : row) steals += n;
        System.out.printf("%n[AllocFreeBench] slots %d (%d empty), live pages %d (%.1f%%), free pages %d, "
                        + "allocations %d, failed %d (%.4f%%), slow path %d, fallbacks claim %d steal %d, "
                        + "watermark boosts %d, merges %d%n", slotPfn.length, empty, live,
                100.0 * live / BenchMachines.ONE_ZONE_PAGES, free, allocs, fails,
                100.0 * fails / Math.max(1, allocs + fails), machine.stats().slowpath, claims, steals,
                machine.stats().watermarkBoosts, machine.stats().merges);
        if (live + free != BenchMachines.ONE_ZONE_PAGES) {
            throw new IllegalStateException("live pages " + live + " + free pages " + free + " != zone pages "
                    + BenchMachines.ONE_ZONE_PAGES);
        }
        if (machine.warnings().count() > 0) {
            throw new IllegalStateException("the reference warned " + machine.warnings().count() + " times: "
                    + machine.warnings().messages());
        }
    }
}
