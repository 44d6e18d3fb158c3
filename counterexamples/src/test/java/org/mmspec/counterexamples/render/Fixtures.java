package org.mmspec.counterexamples.render;

import java.util.List;

import org.mmspec.counterexamples.Replay;
import org.mmspec.invariants.buddy.BuddyConfigs;
import org.mmspec.invariants.buddy.BuddyState;
import org.mmspec.invariants.buddy.BuddySubsystem;
import org.mmspec.invariants.engine.Counterexample;
import org.mmspec.invariants.engine.Execution;
import org.mmspec.invariants.engine.RandomExplorer;
import org.mmspec.invariants.engine.RunReport;

/** Real counterexamples, found once per test run by the random explorer with a known bug re-created. */
public final class Fixtures {
    private Fixtures() {}

    private static RunReport isolateMergeRun;
    private static Counterexample boostSmallZone;

    /** isolate-merge on tiny, seed 1: one step, isolate_range(0x8, 0xc), BUDDY-PBTYPE. */
    public static synchronized RunReport isolateMergeRun() {
        if (isolateMergeRun == null) {
            isolateMergeRun = new RandomExplorer<>(new BuddySubsystem(),
                    BuddyConfigs.tiny().withKnownBugs(List.of("isolate-merge")), 100, 300, 1).run();
        }
        return isolateMergeRun;
    }

    public static Counterexample isolateMerge() {
        Counterexample ce = isolateMergeRun().counterexample;
        if (ce == null) throw new IllegalStateException("the explorer no longer finds isolate-merge on tiny with seed 1");
        return ce;
    }

    /** boost-small-zone on small, seed 1: several allocations, then BOOST-BOUNDS on DMA. */
    public static synchronized Counterexample boostSmallZone() {
        if (boostSmallZone == null) {
            boostSmallZone = new RandomExplorer<>(new BuddySubsystem(),
                    BuddyConfigs.small().withKnownBugs(List.of("boost-small-zone")), 500, 300, 1).run().counterexample;
            if (boostSmallZone == null) throw new IllegalStateException("the explorer no longer finds boost-small-zone on small with seed 1");
        }
        return boostSmallZone;
    }

    /** The states of a replay: after boot, then after each step. */
    @SuppressWarnings("unchecked")
    public static List<BuddyState> snapshots(Counterexample ce) {
        Execution<?> ex = Replay.replay(ce, true).execution();
        return (List<BuddyState>) (List<?>) ex.snapshots;
    }
}
