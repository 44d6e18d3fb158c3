package org.mmspec.bench;

import java.util.concurrent.TimeUnit;

import org.mmspec.invariants.buddy.BuddyConfigs;
import org.mmspec.invariants.buddy.BuddySubsystem;
import org.mmspec.invariants.engine.RandomExplorer;
import org.mmspec.invariants.engine.RunReport;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Checked steps per second of the random explorer on the buddy subsystem, config
 * {@code bench1k} (one 1024-page ZONE_NORMAL), every invariant checked after every step: the
 * speed a campaign of {@code mmspec check} runs at. One invocation is a whole
 * {@code RandomExplorer.run()} of {@value #TRIES} tries x {@value #STEPS} steps from seed
 * {@value #SEED}, booting a fresh machine per try as a campaign does; the score counts steps, via
 * {@link OperationsPerInvocation}.
 *
 * <p>The run is deterministic, so {@link #verify} runs it once and fails the benchmark unless it
 * passes (no counterexample) and executes exactly {@value #TRIES} x {@value #STEPS} steps, which
 * is what the score divides by. Shrinking is off: a passing run never shrinks anyway.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 5)
@Measurement(iterations = 6, time = 5)
@Fork(value = 2, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class CheckedStepsBench {
    static final int TRIES = 10;
    static final int STEPS = 1000;
    static final long SEED = 1;

    @Setup(Level.Trial)
    public void verify() {
        RunReport r = run();
        if (!r.passed()) {
            throw new IllegalStateException("seed " + SEED + " finds a counterexample on bench1k: "
                    + r.counterexample.violation());
        }
        if (r.steps != (long) TRIES * STEPS) {
            throw new IllegalStateException("the run executed " + r.steps + " steps, not " + TRIES * STEPS
                    + "; the score would be wrong");
        }
    }

    static RunReport run() {
        return new RandomExplorer<>(new BuddySubsystem(), BuddyConfigs.bench1k(), TRIES, STEPS, SEED).shrink(false).run();
    }

    @Benchmark
    @OperationsPerInvocation(TRIES * STEPS)
    public RunReport explore() {
        RunReport r = run();
        if (!r.passed()) throw new IllegalStateException("counterexample: " + r.counterexample.violation());
        return r;
    }
}
