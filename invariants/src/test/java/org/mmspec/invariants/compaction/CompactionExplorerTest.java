package org.mmspec.invariants.compaction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.mmspec.invariants.engine.Args;
import org.mmspec.invariants.engine.Execution;
import org.mmspec.invariants.engine.Operation;
import org.mmspec.invariants.engine.Outcome;
import org.mmspec.invariants.engine.RandomExplorer;
import org.mmspec.invariants.engine.RunReport;
import org.mmspec.invariants.engine.Step;
import org.mmspec.reference.alloc.MachineConfig;

/** The compaction operation model under both explorers' contracts: deterministic runs, valid enumerations, real coverage. */
class CompactionExplorerTest {
    @Test
    void everyConfigurationPassesAShortRunAndCoversTheInterestingPaths() {
        CompactionSubsystem sub = CompactionKit.SUB;
        Map<String, Long> total = new java.util.HashMap<>();
        for (MachineConfig c : sub.configs().values()) {
            RunReport r = new RandomExplorer<>(sub, c, 25, 300, 5).run();
            assertTrue(r.passed(), () -> c.name() + ": " + r.counterexample.violation() + " after " + r.counterexample.steps());
            r.situations.forEach((k, v) -> total.merge(k, v, Long::sum));
        }
        for (String k : List.of("compaction rounds", "run ended COMPACT_COMPLETE", "run ended COMPACT_SUCCESS", "COMPACTSTALL",
                "COMPACTSUCCESS", "PGMIGRATE_SUCCESS", "KCOMPACTD_WAKE", "compact_memory", "defer_compaction",
                "pinned folio skipped", "folio lock busy: sync waits", "migrate_pages MIGRATE_SYNC_LIGHT", "migrate_pages MIGRATE_SYNC")) {
            assertTrue(total.getOrDefault(k, 0L) > 0, "never covered: " + k + " (" + total + ")");
        }
    }

    @Test
    void sameSeedSameRun() {
        CompactionSubsystem sub = CompactionKit.SUB;
        RunReport a = new RandomExplorer<>(sub, CompactionConfigs.small(), 5, 200, 3).run();
        RunReport b = new RandomExplorer<>(sub, CompactionConfigs.small(), 5, 200, 3).run();
        assertEquals(a.opsByKind, b.opsByKind);
        assertEquals(a.outcomesByKind, b.outcomesByKind);
        assertEquals(a.situations, b.situations);
    }

    /** What the bounded explorer relies on: every enumerated step applies, and copies fork the state exactly. */
    @Test
    void enumerationsOnTinyApplyAndCopiesAreExact() {
        CompactionSubsystem sub = CompactionKit.SUB;
        CompactionState running = CompactionNonVacuityTest.holding();
        CompactionState idle = CompactionKit.midBlockStop(CompactionConfigs.tiny());
        CompactionKit.apply(idle, 40, "alloc", "gfp", "GFP_KERNEL", "order", 1);
        int applied = 0;
        for (CompactionState base : List.of(running, idle)) {
            for (Operation<CompactionState> op : sub.operations()) {
                List<Args> all = op.enumerate(base);
                if (op.enabled(base)) assertFalse(all.isEmpty(), op.name() + " is enabled but enumerates nothing");
                for (Args a : all) {
                    CompactionState c = base.copy();
                    assertEquals(base.fingerprint(), c.fingerprint());
                    Outcome o = Execution.applyGuarded(op, c, new Step(50, op.name(), a));
                    assertFalse(o.facts().containsKey("crash"), op.name() + "(" + a + ") crashed: " + o);
                    if (op.enabled(base)) assertNotEquals(Outcome.Kind.SKIPPED, o.kind(), op.name() + "(" + a + ")");
                    assertEquals(List.of(), CompactionKit.checkAll(c), op.name() + "(" + a + ") -> " + o);
                    applied++;
                }
            }
        }
        assertTrue(applied > 150, "only " + applied + " enumerated steps");
    }
}
