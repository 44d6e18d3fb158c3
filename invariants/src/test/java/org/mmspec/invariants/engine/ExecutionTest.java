package org.mmspec.invariants.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mmspec.invariants.buddy.BuddyKit.alloc;
import static org.mmspec.invariants.buddy.BuddyKit.free;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.mmspec.invariants.buddy.BuddyConfigs;
import org.mmspec.invariants.buddy.BuddyKit;
import org.mmspec.invariants.buddy.BuddyState;
import org.mmspec.invariants.buddy.BuddySubsystem;
import org.mmspec.invariants.buddy.Planted;

/** Replay: what each kind of outcome does to a run, and how crashes are reported. */
class ExecutionTest {

    static Execution<BuddyState> run(BuddySubsystem sub, List<Step> steps) {
        return Execution.run(sub, BuddyConfigs.tiny(), steps, new Checker<>(sub.invariants()));
    }

    @Test
    void aRejectedOperationIsNoViolation() {
        Execution<BuddyState> ex = run(new BuddySubsystem(), List.of(
                alloc(0, "GFP_KERNEL", 0),
                BuddyKit.badFree(1, 0x8, 3),   // double free of a free block
                BuddyKit.badFree(2, 0x0, 2),   // wrong order
                BuddyKit.badFree(3, 0x0, 9),   // order above MAX_PAGE_ORDER
                BuddyKit.badFree(4, 0x400, 0), // outside the node
                new Step(5, "alloc", Args.of("gfp", "GFP_BOGUS", "order", 0)),
                new Step(6, "sysctl", Args.of("name", "watermark_scale_factor", "value", "0")),
                free(7, 0)));
        assertEquals(-1, ex.violationStep, ex.violations.toString());
        for (int i = 1; i <= 6; i++) {
            assertEquals(Outcome.Kind.REJECTED, ex.outcomes.get(i).kind(), i + ": " + ex.outcomes.get(i));
        }
        assertEquals(Outcome.Kind.OK, ex.outcomes.get(7).kind());
    }

    @Test
    void aCrashStopsTheRunWithReferenceNoCrash() {
        BuddySubsystem bad = new BuddySubsystem(Planted.CRASHES_ON_FREE);
        Execution<BuddyState> ex = run(bad, List.of(alloc(0, "GFP_KERNEL", 0), free(1, 0), alloc(2, "GFP_KERNEL", 0)));
        assertEquals(1, ex.violationStep);
        assertTrue(ex.violated(Checker.CRASH), ex.violations.toString());
        assertEquals(2, ex.outcomes.size(), "the run stops at the crash");
        assertEquals(Outcome.Kind.FAILED, ex.outcomes.get(1).kind());
        assertTrue(ex.violations.get(0).message().contains("planted crash"), ex.violations.get(0).message());
    }

    @Test
    void theExplorerReportsACrashWithItsStatement() {
        BuddySubsystem bad = new BuddySubsystem(Planted.CRASHES_ON_FREE);
        RunReport r = new RandomExplorer<>(bad, BuddyConfigs.tiny(), 5, 100, 3).run();
        assertFalse(r.passed());
        Counterexample ce = r.counterexample;
        assertEquals(Checker.CRASH, ce.violation().invariantId());
        assertFalse(ce.statement().isBlank());
        assertEquals(2, ce.steps().size(), "an alloc and its free: " + ce.steps());
    }

    @Test
    void argumentsThatDoNotApplyAreSkipped() {
        Execution<BuddyState> ex = run(new BuddySubsystem(), List.of(
                new Step(0, "alloc", Args.of("gfp", "GFP_KERNEL")),          // no order
                new Step(1, "free", Args.of("handle", "zero"))));            // not a number
        assertEquals(-1, ex.violationStep);
        assertEquals(Outcome.Kind.SKIPPED, ex.outcomes.get(0).kind());
        assertEquals(Outcome.Kind.SKIPPED, ex.outcomes.get(1).kind());
    }

    /**
     * BUG: Execution.applyGuarded turns every IllegalArgumentException into a SKIPPED outcome, so a
     * reference that fails internally with one (or with a NumberFormatException, a subclass) is
     * neither a crash nor a violation: the explorer counts the step as skipped, the shrinker drops
     * it, and REFERENCE-NO-CRASH never fires. Only argument parsing in the operation model should
     * mean "does not apply".
     */
    @Test
    void anIllegalArgumentExceptionInsideTheReferenceIsACrash() {
        BuddySubsystem bad = new BuddySubsystem(Planted.IAE_ON_FREE);
        Execution<BuddyState> ex = run(bad, List.of(alloc(0, "GFP_KERNEL", 0), free(1, 0)));
        assertTrue(ex.violated(Checker.CRASH), "outcomes " + ex.outcomes + ", violations " + ex.violations);
    }

    @Test
    void aBootedStateThatViolatesIsReportedBeforeAnyStep() {
        // merging across migratetypes at boot folds the CMA pageblocks of 'small' into Movable blocks
        BuddySubsystem bad = new BuddySubsystem(Planted.MERGE_ANY_MIGRATETYPE);
        Execution<BuddyState> ex = Execution.run(bad, BuddyConfigs.small(), List.of(alloc(0, "GFP_KERNEL", 0)),
                new Checker<>(bad.invariants()));
        assertEquals(-2, ex.violationStep, "Execution marks a violating boot with -2");
        assertTrue(ex.outcomes.isEmpty());
        RunReport r = new RandomExplorer<>(bad, BuddyConfigs.small(), 3, 10, 1).run();
        assertFalse(r.passed());
        assertTrue(r.counterexample.steps().isEmpty());
        assertEquals(-1, r.counterexample.violationStep(), "a counterexample marks the booted state with -1");
    }
}
