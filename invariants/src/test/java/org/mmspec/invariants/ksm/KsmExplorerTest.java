package org.mmspec.invariants.ksm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.mmspec.invariants.engine.Args;
import org.mmspec.invariants.engine.Checker;
import org.mmspec.invariants.engine.Counterexample;
import org.mmspec.invariants.engine.Execution;
import org.mmspec.invariants.engine.Operation;
import org.mmspec.invariants.engine.Outcome;
import org.mmspec.invariants.engine.RandomExplorer;
import org.mmspec.invariants.engine.Rng;
import org.mmspec.invariants.engine.RunReport;
import org.mmspec.invariants.engine.Step;
import org.mmspec.reference.alloc.KnownBug;
import org.mmspec.reference.alloc.MachineConfig;

/**
 * KSM's operation model under both explorers' contracts: short runs of every configuration pass
 * and reach what matters (chains made, collapsed and pruned, stale nodes, fork bypass, zero pages,
 * smart-scan skips, migrations of KSM pages, run=2); the same seed gives the same run; every
 * enumerated step applies on a copy, and copies are exact; 1105a2fc022f is rediscovered and shrunk.
 */
class KsmExplorerTest {
    @Test
    void everyConfigurationPassesAShortRunAndCoversTheInterestingPaths() {
        KsmSubsystem sub = new KsmSubsystem();
        Map<String, Long> total = new java.util.TreeMap<>();
        for (MachineConfig c : sub.configs().values()) {
            RunReport r = new RandomExplorer<>(sub, c, 10, 250, 7).run();
            assertTrue(r.passed(), () -> c.name() + ": " + r.counterexample.violation() + " after " + r.counterexample.steps());
            r.situations.forEach((k, v) -> total.merge(k, v, Long::sum));
        }
        for (String s : List.of("merged into the stable tree", "merged from the unstable tree", "merged with the zero page",
                "stable_node chains created", "chains collapsed to one dup", "stale stable nodes removed", "chain prunes",
                "KSM fork over max_page_sharing (bypass)", "break_ksm faults", "run=2 unmerges", "folio_migrate_ksm",
                "max_page_sharing -EBUSY")) {
            assertTrue(total.getOrDefault(s, 0L) > 0, "never happened: " + s + " (" + total + ")");
        }
    }

    @Test
    void sameSeedSameRun() {
        KsmSubsystem sub = new KsmSubsystem();
        RunReport a = new RandomExplorer<>(sub, KsmConfigs.chains(), 4, 200, 3).run();
        RunReport b = new RandomExplorer<>(sub, KsmConfigs.chains(), 4, 200, 3).run();
        assertEquals(a.opsByKind, b.opsByKind);
        assertEquals(a.outcomesByKind, b.outcomesByKind);
        assertEquals(a.situations, b.situations);
    }

    /** What the bounded explorer relies on: every enumerated step applies, and copies fork the state exactly. */
    @Test
    void enumerationsApplyAndCopiesAreExact() {
        KsmSubsystem sub = new KsmSubsystem();
        KsmState merged = KsmKit.merged();
        KsmState tiny = sub.init(KsmConfigs.tiny());
        KsmKit.apply(tiny, 0, "mmap", "pid", 1, "addr", 0x10L, "pages", 2);
        KsmKit.apply(tiny, 1, "write", "pid", 1, "addr", 0x10L, "value", 1);
        KsmKit.apply(tiny, 2, "write", "pid", 1, "addr", 0x11L, "value", 1);
        KsmKit.apply(tiny, 3, "madvise", "pid", 1, "addr", 0x10L, "pages", 2, "advice", "MADV_MERGEABLE");
        int applied = 0;
        for (KsmState base : List.of(merged, tiny)) {
            for (Operation<KsmState> op : sub.operations()) {
                List<Args> all = op.enumerate(base);
                if (op.enabled(base)) assertFalse(all.isEmpty(), op.name() + " is enabled but enumerates nothing");
                for (Args a : all) {
                    KsmState c = base.copy();
                    assertEquals(base.fingerprint(), c.fingerprint());
                    Outcome o = Execution.applyGuarded(op, c, new Step(50, op.name(), a));
                    assertFalse(o.facts().containsKey("crash"), op.name() + "(" + a + ") crashed: " + o);
                    assertNotEquals(Outcome.Kind.SKIPPED, o.kind(), op.name() + "(" + a + ")");
                    assertEquals(List.of(), KsmKit.checkAll(c), op.name() + "(" + a + ") -> " + o);
                    applied++;
                }
            }
        }
        assertTrue(applied > 100, "only " + applied + " enumerated steps");
    }

    /** A copy taken mid-run behaves exactly as the original under the same steps (fingerprints equal after each). */
    @Test
    void aCopyContinuesExactlyAsTheOriginal() {
        KsmSubsystem sub = new KsmSubsystem();
        KsmState s = sub.init(KsmConfigs.chains());
        Rng rng = new Rng(11);
        List<Operation<KsmState>> ops = sub.operations();
        KsmState copy = null;
        List<Step> after = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            Operation<KsmState> op = ops.get(rng.nextInt(ops.size()));
            if (!op.enabled(s)) continue;
            Args a = op.generate(s, rng);
            if (a == null) continue;
            Step st = new Step(i, op.name(), a);
            Execution.applyGuarded(op, s, st);
            if (i == 200) copy = s.copy();
            else if (copy != null) after.add(st);
        }
        assertNotNull(copy);
        KsmState fresh = copy;
        for (Step st : after) Execution.applyGuarded(sub.operation(st.op()), fresh, st);
        assertEquals(s.fingerprint(), fresh.fingerprint());
        assertEquals(s.ksm().counters(), fresh.ksm().counters());
        assertTrue(s.ksm().stats.fullScans > 0);
    }

    @Test
    void stableFlagIsRediscoveredAndShrunk() {
        MachineConfig base = KsmConfigs.small();
        MachineConfig bug = KsmKit.withBug(base);
        KsmSubsystem sub = new KsmSubsystem();
        RunReport r = new RandomExplorer<>(sub, bug, 50, 400, 1).run();
        assertNotNull(r.counterexample, KnownBug.KSM_STABLE_FLAG.bugName() + " not found");
        Counterexample ce = r.counterexample;
        assertEquals("KSM-RMAP-WALK", ce.violation().invariantId());
        assertTrue(ce.steps().size() <= 6, "not shrunk: " + ce.steps());
        Execution<KsmState> again = Execution.run(sub, bug, ce.steps(), new Checker<>(sub.invariants()));
        assertTrue(again.violated("KSM-RMAP-WALK"));
        Execution<KsmState> fixed = Execution.run(sub, base, ce.steps(), new Checker<>(sub.invariants()));
        assertEquals(-1, fixed.violationStep, "without the bug the run must pass: " + fixed.violations);
        Execution<KsmState> shortest = Execution.run(sub, bug, KsmKit.stableFlagRun(), new Checker<>(sub.invariants()));
        assertEquals(5, shortest.violationStep);
    }
}
