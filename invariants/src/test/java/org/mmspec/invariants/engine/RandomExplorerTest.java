package org.mmspec.invariants.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.mmspec.invariants.buddy.BuddyConfigs;
import org.mmspec.invariants.buddy.BuddyKit;
import org.mmspec.invariants.buddy.BuddyState;
import org.mmspec.invariants.buddy.BuddySubsystem;
import org.mmspec.invariants.buddy.Planted;
import org.mmspec.reference.alloc.MachineConfig;

/** The random explorer: same seed, same run; the shipped reference passes every configuration. */
class RandomExplorerTest {

    static RunReport explore(BuddySubsystem sub, MachineConfig c, int tries, int steps, long seed) {
        return new RandomExplorer<>(sub, c, tries, steps, seed).run();
    }

    /** Everything a report says about a run except the wall-clock time. */
    static List<Object> figures(RunReport r) {
        List<Object> f = new ArrayList<>();
        f.add(r.subsystem);
        f.add(r.configName);
        f.add(r.seed);
        f.add(r.tries);
        f.add(r.triesRun);
        f.add(r.stepsPerTry);
        f.add(r.steps);
        f.add(r.opsByKind);
        f.add(r.outcomesByKind);
        f.add(r.situations);
        f.add(r.invariants);
        f.add(r.passed());
        return f;
    }

    static List<Object> counterexample(Counterexample ce) {
        return List.of(ce.subsystem(), ce.config(), ce.seed(), ce.tryIndex(), ce.trySeed(), ce.steps(), ce.outcomes(),
                ce.violationStep(), ce.violation(), ce.allViolations(), ce.statement(), ce.citation(), ce.engine());
    }

    @Test
    void sameSeedSameRun() {
        RunReport a = explore(new BuddySubsystem(), BuddyConfigs.small(), 8, 200, 42);
        RunReport b = explore(new BuddySubsystem(), BuddyConfigs.small(), 8, 200, 42);
        assertTrue(a.passed());
        assertEquals(figures(a), figures(b));
    }

    @Test
    void differentSeedsDifferentRuns() {
        RunReport a = explore(new BuddySubsystem(), BuddyConfigs.small(), 8, 200, 42);
        RunReport b = explore(new BuddySubsystem(), BuddyConfigs.small(), 8, 200, 43);
        assertNotEquals(List.of(a.opsByKind, a.outcomesByKind, a.situations),
                List.of(b.opsByKind, b.outcomesByKind, b.situations));
    }

    @Test
    void sameSeedSameCounterexample() {
        BuddySubsystem bad = new BuddySubsystem(Planted.PAGE_IS_BUDDY_IGNORES_ORDER);
        RunReport a = explore(bad, BuddyConfigs.bench1k(), 20, 200, 7);
        RunReport b = explore(bad, BuddyConfigs.bench1k(), 20, 200, 7);
        assertNotNull(a.counterexample, "the planted bug should be found with seed 7");
        assertEquals(figures(a), figures(b));
        assertEquals(counterexample(a.counterexample), counterexample(b.counterexample));
    }

    @Test
    void perTrySeedsAreDerivedFromTheRunSeed() {
        BuddySubsystem bad = new BuddySubsystem(Planted.PAGE_IS_BUDDY_IGNORES_ORDER);
        RunReport r = explore(bad, BuddyConfigs.tiny(), 20, 200, 11);
        assertNotNull(r.counterexample);
        assertEquals(Rng.trySeed(11, r.counterexample.tryIndex()), r.counterexample.trySeed());
        assertEquals(r.counterexample.tryIndex() + 1, r.triesRun);
    }

    static Stream<String> configNames() {
        return BuddyConfigs.all().keySet().stream();
    }

    /**
     * The shipped reference passes every configuration for a short budget, and every invariant was
     * checked on every booted state and after every step.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("configNames")
    void shippedReferencePasses(String name) {
        long seed = 20251;
        RunReport r = explore(new BuddySubsystem(), BuddyConfigs.all().get(name), 30, 200, seed);
        assertTrue(r.passed(), () -> "config " + name + " seed " + seed + " found " + r.counterexample.violation()
                + BuddyKit.describe(r.counterexample.steps(), r.counterexample.outcomes()));
        assertEquals(30, r.triesRun);
        assertTrue(r.steps > 30 * 100, "too few steps ran: " + r.steps);
        assertEquals(new BuddySubsystem().invariants().size(), r.invariants.size());
        for (RunReport.InvariantRow row : r.invariants) {
            assertEquals(r.triesRun + r.steps, row.checks(), row.id() + " was not checked after every step");
            assertEquals(0, row.violations(), row.id());
        }
        long okOrFailed = r.outcomesByKind.getOrDefault("OK", 0L) + r.outcomesByKind.getOrDefault("FAILED", 0L);
        assertTrue(okOrFailed > r.steps / 2, "most steps should do something: " + r.outcomesByKind);
        assertTrue(r.opsByKind.getOrDefault("alloc", 0L) > 0 && r.opsByKind.getOrDefault("free", 0L) > 0, r.opsByKind.toString());
    }

    @Test
    void budgetsMustBePositive() {
        assertThrows(IllegalArgumentException.class,
                () -> new RandomExplorer<BuddyState>(new BuddySubsystem(), BuddyConfigs.tiny(), 0, 10, 1));
        assertThrows(IllegalArgumentException.class,
                () -> new RandomExplorer<BuddyState>(new BuddySubsystem(), BuddyConfigs.tiny(), 10, 0, 1));
    }

    @Test
    void shrinkingCanBeTurnedOff() {
        BuddySubsystem bad = new BuddySubsystem(Planted.PAGE_IS_BUDDY_IGNORES_ORDER);
        RunReport r = new RandomExplorer<>(bad, BuddyConfigs.bench1k(), 20, 200, 7).shrink(false).run();
        assertNotNull(r.counterexample);
        assertEquals(0, r.counterexample.engine().get("shrinkReplays"));
        assertEquals(r.counterexample.engine().get("originalSteps"), r.counterexample.steps().size());
        assertFalse(r.counterexample.steps().isEmpty());
    }
}
