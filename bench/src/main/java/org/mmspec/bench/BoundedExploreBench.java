package org.mmspec.bench;

import java.util.concurrent.TimeUnit;

import org.mmspec.invariants.buddy.BuddyConfigs;
import org.mmspec.invariants.buddy.BuddySubsystem;
import org.mmspec.invariants.engine.BoundedExplorer;
import org.mmspec.invariants.engine.BoundedReport;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Distinct states per second of the bounded explorer ({@link #tinyToDepth7}) on the 16-page buddy
 * configuration {@code tiny} (one ZONE_NORMAL of 16 pages, MAX_PAGE_ORDER 4, pageblock_order 2;
 * alloc with GFP_KERNEL and GFP_HIGHUSER_MOVABLE at every order, free of every live block,
 * isolation of every range of whole pageblocks), every invariant checked in every new state, with
 * the buddy model's reductions (handle names, the kswapd/kcompactd wakeup requests) as
 * {@code mmspec explore} runs. {@code tiny} is too large to exhaust, so one invocation is the
 * search to depth {@value #DEPTH}: exactly {@value #DISTINCT} distinct states, every one
 * fingerprinted and checked and, but for the 97,504 at depth 7 (never to be expanded), queued in
 * its compact form; the score counts them ({@link OperationsPerInvocation}).
 * {@link #tiny8Complete} explores the 8-page {@code tiny8} to completion for comparison: there
 * every state is expanded, and late in the search most successors are states already seen (15
 * computed per distinct state against 7 on tiny to depth 7). {@code workers} is the number of
 * threads.
 *
 * <p>{@link #verify} runs both searches once and fails the benchmark unless they find exactly
 * those numbers of states and no violation. {@link #main} prints the explorer's own account of
 * its memory, which {@link RunAll} reports: the fingerprint table's bytes per distinct state and
 * the queue's peak.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 5)
@Measurement(iterations = 6, time = 5)
@Fork(value = 2, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class BoundedExploreBench {
    static final int DEPTH = 7;
    static final long DISTINCT = 160_738;
    /** tiny8 explored to completion, for comparison: every state expanded, late ones mostly to states already seen. */
    static final long TINY8_DISTINCT = 11_400;

    @Param({"1", "2"})
    public int workers;

    @Setup(Level.Trial)
    public void verify() {
        BoundedReport r = run(workers);
        if (!r.passed()) throw new IllegalStateException("tiny violates " + r.counterexample.violation());
        if (r.distinct != DISTINCT) {
            throw new IllegalStateException("the search to depth " + DEPTH + " found " + r.distinct + " distinct states, not "
                    + DISTINCT + "; the score would be wrong");
        }
        BoundedReport c = tiny8(workers);
        if (!c.passed() || !c.complete() || c.distinct != TINY8_DISTINCT) {
            throw new IllegalStateException("tiny8 explored to " + c.stoppedBy + " with " + c.distinct + " states, not "
                    + TINY8_DISTINCT);
        }
    }

    static BoundedReport tiny8(int workers) {
        return new BoundedExplorer<>(new BuddySubsystem(), BuddyConfigs.tiny8()).workers(workers).run();
    }

    /** tiny8 to completion: distinct states per second when every state is expanded. */
    @Benchmark
    @OperationsPerInvocation((int) TINY8_DISTINCT)
    public BoundedReport tiny8Complete() {
        BoundedReport r = tiny8(workers);
        if (r.distinct != TINY8_DISTINCT) throw new IllegalStateException("found " + r.distinct + " states");
        return r;
    }

    static BoundedReport run(int workers) {
        return new BoundedExplorer<>(new BuddySubsystem(), BuddyConfigs.tiny()).maxDepth(DEPTH).workers(workers).run();
    }

    @Benchmark
    @OperationsPerInvocation((int) DISTINCT)
    public BoundedReport tinyToDepth7() {
        BoundedReport r = run(workers);
        if (r.distinct != DISTINCT) throw new IllegalStateException("found " + r.distinct + " states");
        return r;
    }

    /**
     * The explorer's own account of its memory per distinct state, for {@link RunAll}: arguments
     * {@code CONFIG [DEPTH]} (a buddy configuration, searched to completion or to DEPTH). Prints
     * {@code RESULT_TAG seenBytesPerState seenAndQueuePeakBytesPerState distinct queuePeakStates}.
     */
    static final String RESULT_TAG = "BOUNDED-MEMORY";

    public static void main(String[] args) {
        String config = args.length > 0 ? args[0] : "tiny";
        BoundedExplorer<org.mmspec.invariants.buddy.BuddyState> ex =
                new BoundedExplorer<>(new BuddySubsystem(), BuddyConfigs.all().get(config));
        if (args.length > 1) ex.maxDepth(Integer.parseInt(args[1]));
        BoundedReport r = ex.run();
        System.out.printf(java.util.Locale.ROOT, "%s%s: %,d distinct states, %,d generated, %s, in %.1f s; fingerprint table "
                        + "%,d bytes, queue peak %,d bytes (%,d states)%n", config, args.length > 1 ? " to depth " + args[1] : "",
                r.distinct, r.generated, r.stoppedBy, r.seconds(), r.seenBytes, r.queuePeakBytes, r.queuePeakStates);
        System.out.printf(java.util.Locale.ROOT, "%s %.2f %.2f %d %d%n", RESULT_TAG, r.seenBytesPerState(), r.bytesPerState(),
                r.distinct, r.queuePeakStates);
    }
}
