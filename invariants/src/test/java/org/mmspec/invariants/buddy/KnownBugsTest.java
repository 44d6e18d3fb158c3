package org.mmspec.invariants.buddy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.mmspec.invariants.engine.Checker;
import org.mmspec.invariants.engine.Counterexample;
import org.mmspec.invariants.engine.Execution;
import org.mmspec.invariants.engine.RandomExplorer;
import org.mmspec.invariants.engine.RunReport;
import org.mmspec.reference.alloc.KnownBug;
import org.mmspec.reference.alloc.MachineConfig;

/**
 * The suite rediscovers each historical bug the reference can re-create, within 500 tries of 300
 * steps, and the same run passes with the bug switched off.
 */
class KnownBugsTest {
    static final int TRIES = 500;
    static final int STEPS = 300;
    static final long SEED = 1;

    static Counterexample rediscover(KnownBug bug, MachineConfig base) {
        MachineConfig withBug = base.withKnownBugs(List.of(bug.bugName()));
        BuddySubsystem sub = new BuddySubsystem();
        RunReport r = new RandomExplorer<>(sub, withBug, TRIES, STEPS, SEED).run();
        assertNotNull(r.counterexample, "known bug " + bug.bugName() + " (fixed by " + bug.fixCommit() + ") not found on "
                + base.name() + " in " + TRIES + " tries x " + STEPS + " steps, seed " + SEED);
        Counterexample ce = r.counterexample;
        String shown = bug.bugName() + " on " + base.name() + ": seed " + SEED + ", try " + ce.tryIndex() + " (try seed "
                + ce.trySeed() + "): " + ce.violation() + BuddyKit.describe(ce.steps(), ce.outcomes());
        System.out.println(shown);
        assertNotEquals(Checker.CRASH, ce.violation().invariantId(), shown);
        Execution<BuddyState> replay = Execution.run(sub, withBug, ce.steps(), new Checker<>(sub.invariants()));
        assertTrue(replay.violated(ce.violation().invariantId()), "the counterexample does not replay: " + shown);
        Execution<BuddyState> fixed = Execution.run(sub, base, ce.steps(), new Checker<>(sub.invariants()));
        assertEquals(-1, fixed.violationStep, "the counterexample also fails without the bug: " + fixed.violations
                + "\n" + shown);

        RunReport clean = new RandomExplorer<>(sub, base, TRIES, STEPS, SEED).run();
        assertTrue(clean.passed(), () -> "without " + bug.bugName() + " the same run (seed " + SEED + ") fails: "
                + clean.counterexample.violation() + BuddyKit.describe(clean.counterexample.steps(), clean.counterexample.outcomes()));
        return ce;
    }

    /** d9dddbf55667: a normal block merged with its isolated buddy. */
    @Test
    void isolateMergeOnTiny() {
        rediscover(KnownBug.ISOLATE_MERGE, BuddyConfigs.tiny());
    }

    /**
     * 14f69140ff9c: boost_watermark on a zone smaller than four pageblocks (small's DMA zone). The
     * shrunk run is as short as any: the bounded explorer finds no violation within 2 steps on
     * small with this bug ({@code mmspec explore --config small --bug boost-small-zone
     * --max-depth 2}, README "Known bugs: shortest counterexamples"), and 3 steps do it.
     */
    @Test
    void boostSmallZoneOnSmall() {
        Counterexample ce = rediscover(KnownBug.BOOST_SMALL_ZONE, BuddyConfigs.small());
        assertEquals("BOOST-BOUNDS", ce.violation().invariantId());
        assertEquals(3, ce.steps().size(), "shrunk to " + ce.steps());
    }
}
