package org.mmspec.invariants.rmap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.mmspec.invariants.engine.Checker;
import org.mmspec.invariants.engine.Counterexample;
import org.mmspec.invariants.engine.Execution;
import org.mmspec.invariants.engine.RandomExplorer;
import org.mmspec.invariants.engine.RunReport;
import org.mmspec.reference.alloc.KnownBug;
import org.mmspec.reference.alloc.MachineConfig;

/**
 * 2555283eb40d re-created: the random explorer finds the double reuse of an anon_vma on the
 * small configuration and shrinks it to a run no step of which can be dropped; the counterexample
 * replays with the bug and passes without it, and the same exploration passes without the bug.
 */
class RmapKnownBugTest {
    static final int TRIES = 100;
    static final int STEPS = 400;
    static final long SEED = 1;

    @Test
    void anonVmaDegreeIsRediscoveredAndShrunkToAOneMinimalRun() {
        MachineConfig base = RmapConfigs.small();
        MachineConfig bug = RmapKit.withBug(base);
        RmapSubsystem sub = new RmapSubsystem();
        RunReport r = new RandomExplorer<>(sub, bug, TRIES, STEPS, SEED).run();
        assertNotNull(r.counterexample, KnownBug.ANON_VMA_DEGREE.bugName() + " not found in " + TRIES + " tries x " + STEPS
                + " steps, seed " + SEED);
        Counterexample ce = r.counterexample;
        System.out.println("anon-vma-degree: try " + ce.tryIndex() + ", " + ce.steps() + " -> " + ce.violation());
        assertEquals("RMAP-REUSE", ce.violation().invariantId());
        // the shortest run is mmap, write, fork, fork, exit, fork, fork (RmapKit.doubleReuse()); ddmin
        // guarantees 1-minimality, and a fork from init that everything else then runs in is one step more
        assertTrue(ce.steps().size() <= 8, "not shrunk: " + ce.steps());
        for (int i = 0; i < ce.steps().size(); i++) {
            java.util.List<org.mmspec.invariants.engine.Step> less = new java.util.ArrayList<>(ce.steps());
            less.remove(i);
            Execution<RmapState> ex = Execution.run(sub, bug, less, new Checker<>(sub.invariants()));
            assertTrue(!ex.violated("RMAP-REUSE"), "step " + i + " of the shrunk run is not needed: " + ce.steps());
        }
        Execution<RmapState> shortest = Execution.run(sub, bug, RmapKit.doubleReuse(), new Checker<>(sub.invariants()));
        assertEquals(6, shortest.violationStep, "the seven-step run violates RMAP-REUSE at its last step");
        assertTrue(shortest.violated("RMAP-REUSE"));
        Execution<RmapState> again = Execution.run(sub, bug, ce.steps(), new Checker<>(sub.invariants()));
        assertTrue(again.violated("RMAP-REUSE"));
        Execution<RmapState> fixed = Execution.run(sub, base, ce.steps(), new Checker<>(sub.invariants()));
        assertEquals(-1, fixed.violationStep, "without the bug the run must pass: " + fixed.violations);

        RunReport clean = new RandomExplorer<>(sub, base, ce.tryIndex() + 1, STEPS, SEED).run();
        assertTrue(clean.passed(), () -> "without the bug the same tries fail: " + clean.counterexample.violation());
    }
}
