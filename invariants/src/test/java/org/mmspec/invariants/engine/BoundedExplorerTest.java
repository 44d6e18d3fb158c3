package org.mmspec.invariants.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.mmspec.invariants.buddy.BuddyConfigs;

/**
 * The bounded explorer on a model counted by hand (K counters 0..M): the distinct states, the
 * depth, the bounds, the shortest counterexample, a crash, and the symmetry reduction (sound: the
 * same violation at the same depth in fewer states; audited: a skewed model fails the audit).
 */
class BoundedExplorerTest {
    static final int K = 3;
    static final int M = 3;

    static long pow(int b, int e) {
        long r = 1;
        for (int i = 0; i < e; i++) r *= b;
        return r;
    }

    /** Multisets of K values from 0..M: C(M + K, K). */
    static long multisets(int k, int m) {
        long r = 1;
        for (int i = 1; i <= k; i++) r = r * (m + i) / i;
        return r;
    }

    static BoundedReport explore(Counters.Sub sub, boolean symmetry) {
        return new BoundedExplorer<>(sub, BuddyConfigs.tiny8()).symmetry(symmetry).run();
    }

    @Test
    void countsEveryStateOnceAndReportsTheDepth() {
        BoundedReport r = explore(new Counters.Sub(K, M), false);
        assertTrue(r.complete() && r.passed(), r.stoppedBy);
        assertEquals(pow(M + 1, K), r.distinct);
        assertEquals(K * M, r.depth, "the all-full state is K * M increments away");
        assertEquals(0, r.queueLeft);
        long sum = 0;
        for (long n : r.perDepth) sum += n;
        assertEquals(r.distinct, sum);
        // every state generates one inc per non-full counter and one reset per non-zero one
        assertTrue(r.generated > r.distinct);
        assertEquals("objects", r.queueForm);
    }

    @Test
    void findsTheShortestViolationAndItReplays() {
        Counters.Sub sub = new Counters.Sub(K, M);
        sub.allFullIsBad = true;
        BoundedReport r = explore(sub, false);
        assertEquals("violation", r.stoppedBy);
        Counterexample ce = r.counterexample;
        assertNotNull(ce);
        assertEquals("TOY-NOT-ALL-FULL", ce.violation().invariantId());
        assertEquals(K * M, ce.steps().size(), "no path shorter than K * M increments fills every counter");
        for (Step s : ce.steps()) assertEquals("inc", s.op());
        for (int i = 0; i < ce.steps().size(); i++) assertEquals(i, ce.steps().get(i).id(), "step ids are depths");
        assertEquals(K * M - 1, ce.violationStep());
        assertEquals("bounded", ce.engine().get("explorer"));
        Execution<Counters> ex = Execution.run(sub, ce.config(), ce.steps(), new Checker<>(sub.invariants()));
        assertEquals(K * M - 1, ex.violationStep);
        // deterministic: the same path every run
        assertEquals(ce.steps(), explore(sub, false).counterexample.steps());
    }

    @Test
    void aCrashIsReportedWithTheStepThatThrew() {
        Counters.Sub sub = new Counters.Sub(K, M);
        sub.crashing = true;
        BoundedReport r = explore(sub, false);
        Counterexample ce = r.counterexample;
        assertNotNull(ce);
        assertEquals(Checker.CRASH, ce.violation().invariantId());
        // M - 1 increments of one counter, then boom on it
        assertEquals(M, ce.steps().size(), ce.steps().toString());
        assertEquals("boom", ce.steps().get(M - 1).op());
    }

    @Test
    void boundsStopTheSearchAndSayWhy() {
        BoundedReport d = new BoundedExplorer<>(new Counters.Sub(K, M), BuddyConfigs.tiny8()).symmetry(false).maxDepth(2).run();
        assertEquals("max-depth", d.stoppedBy);
        assertEquals(2, d.depth);
        // depth 0: 1 state, depth 1: K, depth 2: K (a counter at 2) + C(K, 2) (two at 1)
        assertEquals(List.of(1L, (long) K, (long) K + K * (K - 1) / 2), d.perDepth);
        assertEquals(d.perDepth.get(2), d.queueLeft, "the last level is found, checked and left on the queue");
        assertTrue(d.passed());

        BoundedReport n = new BoundedExplorer<>(new Counters.Sub(K, M), BuddyConfigs.tiny8()).maxStates(10).run();
        assertEquals("max-states", n.stoppedBy);
        assertEquals(10, n.distinct);
        assertFalse(n.complete());
    }

    @Test
    void symmetryKeepsOneStatePerOrbitAndTheSameShortestViolation() {
        BoundedReport full = explore(new Counters.Sub(K, M), false);
        BoundedReport reduced = explore(new Counters.Sub(K, M), true);
        assertEquals(pow(M + 1, K), full.distinct);
        assertEquals(multisets(K, M), reduced.distinct, "one state per multiset of counter values");
        assertEquals(full.depth, reduced.depth);
        assertEquals("processes (their counters sorted)", reduced.symmetry);

        Counters.Sub bad = new Counters.Sub(K, M);
        bad.allFullIsBad = true;
        Counterexample a = explore(bad, false).counterexample;
        Counterexample b = explore(bad, true).counterexample;
        assertEquals(a.steps().size(), b.steps().size());
        Execution<Counters> ex = Execution.run(bad, b.config(), b.steps(), new Checker<>(bad.invariants()));
        assertEquals(b.violationStep(), ex.violationStep, "the reduced search's counterexample is a concrete path");
    }

    @Test
    void theAuditPassesARealSymmetryAndCatchesAFalseOne() {
        assertEquals(List.of(), SymmetryAudit.audit(new Counters.Sub(K, M), BuddyConfigs.tiny8(), 1000, 3, 1));
        Counters.Sub skewed = new Counters.Sub(K, M);
        skewed.skewed = true; // process 0 counts in twos: not interchangeable with the others
        List<String> failures = SymmetryAudit.audit(skewed, BuddyConfigs.tiny8(), 1000, 3, 1);
        assertFalse(failures.isEmpty(), "a permutation that is not a symmetry must fail the audit");
        assertTrue(failures.get(0).contains("successors"), failures.get(0));
    }

    @Test
    void workersFindTheSameStatesAndTheSameCounterexample() {
        for (int w : new int[] {2, 3}) {
            BoundedReport one = new BoundedExplorer<>(new Counters.Sub(4, 4), BuddyConfigs.tiny8()).symmetry(false).run();
            BoundedReport many = new BoundedExplorer<>(new Counters.Sub(4, 4), BuddyConfigs.tiny8()).symmetry(false).workers(w).run();
            assertEquals(one.distinct, many.distinct);
            assertEquals(one.generated, many.generated);
            assertEquals(one.perDepth, many.perDepth);
            assertEquals(one.depth, many.depth);
            assertEquals(w, many.threads);
            Counters.Sub bad = new Counters.Sub(4, 4);
            bad.allFullIsBad = true;
            Counterexample a = new BoundedExplorer<>(bad, BuddyConfigs.tiny8()).run().counterexample;
            Counterexample b = new BoundedExplorer<>(bad, BuddyConfigs.tiny8()).workers(w).run().counterexample;
            assertEquals(a, b, "the counterexample comes from the one-thread search that keeps parents");
            BoundedReport d = new BoundedExplorer<>(new Counters.Sub(4, 4), BuddyConfigs.tiny8()).symmetry(false).workers(w)
                    .maxDepth(3).run();
            assertEquals("max-depth", d.stoppedBy);
            assertEquals(List.of(1L, 4L, 10L, 20L), d.perDepth);
            assertEquals(20, d.queueLeft);
        }
    }

    @Test
    void progressIsReported() {
        java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
        BoundedReport r = new BoundedExplorer<>(new Counters.Sub(4, 6), BuddyConfigs.tiny8())
                .onProgress(x -> calls.incrementAndGet(), 0).run();
        assertTrue(r.complete());
        assertTrue(calls.get() > 0);
        assertNull(r.counterexample);
    }
}
