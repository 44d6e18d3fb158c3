package org.mmspec.invariants.compaction;

import static org.junit.jupiter.api.Assertions.assertEquals;
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

/**
 * f2849aa09d4f re-created: with compact_scanners_met() comparing raw pfns, the random explorer
 * finds a compaction run that repeats a round for ever (COMPACT-PROGRESS) and shrinks it to a run
 * no step of which can be dropped; the counterexample replays with the bug and passes without it,
 * and the same exploration passes without the bug. The hand-made layout of
 * {@link CompactionKit#midBlockStop()} shows it too.
 */
class CompactionKnownBugTest {
    static final int TRIES = 60;
    static final int STEPS = 300;
    static final long SEED = 3;

    @Test
    void scannersMetIsRediscoveredAndShrunkToAOneMinimalRun() {
        MachineConfig base = CompactionConfigs.tiny();
        MachineConfig bug = CompactionKit.withBug(base);
        CompactionSubsystem sub = CompactionKit.SUB;
        RunReport r = new RandomExplorer<>(sub, bug, TRIES, STEPS, SEED).run();
        assertNotNull(r.counterexample, KnownBug.SCANNERS_MET.bugName() + " not found in " + TRIES + " tries x " + STEPS
                + " steps, seed " + SEED);
        Counterexample ce = r.counterexample;
        assertEquals("COMPACT-PROGRESS", ce.violation().invariantId());
        assertTrue(ce.steps().size() <= 20, "not shrunk: " + ce.steps());
        for (int i = 0; i < ce.steps().size(); i++) {
            List<Step> less = new ArrayList<>(ce.steps());
            less.remove(i);
            Execution<CompactionState> ex = Execution.run(sub, bug, less, new Checker<>(sub.invariants()));
            assertTrue(!ex.violated("COMPACT-PROGRESS"), "step " + i + " of the shrunk run is not needed: " + ce.steps());
        }
        Execution<CompactionState> again = Execution.run(sub, bug, ce.steps(), new Checker<>(sub.invariants()));
        assertTrue(again.violated("COMPACT-PROGRESS"));
        Execution<CompactionState> fixed = Execution.run(sub, base, ce.steps(), new Checker<>(sub.invariants()));
        assertEquals(-1, fixed.violationStep, "without the bug the run must pass: " + fixed.violations);

        RunReport clean = new RandomExplorer<>(sub, base, ce.tryIndex() + 1, STEPS, SEED).run();
        assertTrue(clean.passed(), () -> "without the bug the same tries fail: " + clean.counterexample.violation());
    }

    @Test
    void theHandMadeLayoutLoopsOnlyWithTheBug() {
        List<Step> steps = new ArrayList<>(CompactionKit.midBlockStop());
        steps.add(CompactionKit.step(19, "compact_memory"));
        CompactionSubsystem sub = CompactionKit.SUB;
        Execution<CompactionState> bug = Execution.run(sub, CompactionKit.withBug(CompactionConfigs.tiny()), steps,
                new Checker<>(sub.invariants()));
        assertEquals(19, bug.violationStep, "violated at compact_memory: " + bug.violations);
        assertTrue(bug.violated("COMPACT-PROGRESS"));
        assertTrue(bug.violations.get(0).message().contains("stayed at 0xc (free_pfn 0xe)"), bug.violations.get(0).message());
        Execution<CompactionState> fixed = Execution.run(sub, CompactionConfigs.tiny(), steps, new Checker<>(sub.invariants()));
        assertEquals(-1, fixed.violationStep, fixed.violations.toString());
    }
}
