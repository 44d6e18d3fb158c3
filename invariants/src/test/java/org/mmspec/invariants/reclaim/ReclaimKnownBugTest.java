package org.mmspec.invariants.reclaim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.mmspec.invariants.engine.Checker;
import org.mmspec.invariants.engine.Counterexample;
import org.mmspec.invariants.engine.Execution;
import org.mmspec.invariants.engine.RandomExplorer;
import org.mmspec.invariants.engine.RunReport;
import org.mmspec.invariants.engine.Step;
import org.mmspec.reference.alloc.KnownBug;
import org.mmspec.reference.alloc.MachineConfig;
import org.mmspec.reference.reclaim.ReclaimTrace;

/**
 * 6f4e186fae1a re-created: with the nonresident age driven by the file LRU alone, the random
 * explorer finds a refault activated although more evictions and activations than the workingset
 * holds happened since its eviction (WS-REFAULT), shrinks the run, and the run passes with the
 * bug off; the same exploration without the bug passes.
 */
class ReclaimKnownBugTest {
    static final int TRIES = 100;
    static final int STEPS = 300;
    static final long SEED = 1;

    @Test
    void nonresidentAgeAnonIsRediscovered() {
        MachineConfig base = ReclaimConfigs.tiny();
        MachineConfig bug = ReclaimKit.withBug(base);
        ReclaimSubsystem sub = new ReclaimSubsystem();
        RunReport r = new RandomExplorer<>(sub, bug, TRIES, STEPS, SEED).run();
        assertNotNull(r.counterexample, KnownBug.NONRESIDENT_AGE_ANON.bugName() + " not found in " + TRIES + " tries x " + STEPS
                + " steps, seed " + SEED);
        Counterexample ce = r.counterexample;
        assertEquals("WS-REFAULT", ce.violation().invariantId());
        assertTrue(ce.steps().size() <= 30, "not shrunk: " + ce.steps().size() + " steps");
        assertTrue(ce.violation().message().contains("beyond the workingset") && ce.violation().message().contains("was activated"),
                ce.violation().message());

        Execution<ReclaimState> again = Execution.run(sub, bug, ce.steps(), new Checker<>(sub.invariants()));
        assertTrue(again.violated("WS-REFAULT"));
        // what went wrong, in the reference's own terms: the age lags the event clock
        ReclaimState at = again.state;
        assertTrue(at.reclaim().lruvec().nonresidentAge < at.reclaim().lruEventClock(), "with the bug the age misses events");
        ReclaimTrace.Refault f = at.reclaim().trace().refaults().get(0);
        assertTrue(f.distance() < f.eventDistance() && f.distance() <= f.workingsetSize() && f.eventDistance() > f.workingsetSize(), f
                .toString());

        Execution<ReclaimState> fixed = Execution.run(sub, base, ce.steps(), new Checker<>(sub.invariants()));
        assertEquals(-1, fixed.violationStep, "without the bug the run must pass: " + fixed.violations);

        // 1-minimal: no single step can go
        for (int i = 0; i < ce.steps().size(); i++) {
            List<Step> less = new ArrayList<>(ce.steps());
            less.remove(i);
            Execution<ReclaimState> ex = Execution.run(sub, bug, less, new Checker<>(sub.invariants()));
            assertFalse(ex.violated("WS-REFAULT"), "step " + i + " of the shrunk run is not needed");
        }

        RunReport clean = new RandomExplorer<>(sub, base, ce.tryIndex() + 1, STEPS, SEED).run();
        assertTrue(clean.passed(), () -> "without the bug the same tries fail: " + clean.counterexample.violation());
    }
}
