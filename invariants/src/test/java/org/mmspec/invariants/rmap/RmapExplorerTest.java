package org.mmspec.invariants.rmap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.mmspec.invariants.engine.Args;
import org.mmspec.invariants.engine.Operation;
import org.mmspec.invariants.engine.Outcome;
import org.mmspec.invariants.engine.RandomExplorer;
import org.mmspec.invariants.engine.RunReport;
import org.mmspec.invariants.engine.Step;
import org.mmspec.invariants.engine.Execution;
import org.mmspec.reference.alloc.MachineConfig;

/** The rmap operation model under both explorers' contracts: deterministic runs, valid enumerations, real coverage. */
class RmapExplorerTest {
    @Test
    void everyConfigurationPassesAShortRunAndCoversTheInterestingPaths() {
        RmapSubsystem sub = new RmapSubsystem();
        long reused = 0;
        long cow = 0;
        long moved = 0;
        long enomem = 0;
        for (MachineConfig c : sub.configs().values()) {
            RunReport r = new RandomExplorer<>(sub, c, 12, 300, 7).run();
            assertTrue(r.passed(), () -> c.name() + ": " + r.counterexample.violation() + " after " + r.counterexample.steps());
            Map<String, Long> sit = r.situations;
            reused += sit.getOrDefault("anon_vma_clone: anon_vma reused", 0L);
            cow += sit.getOrDefault("do_wp_page: wp_page_copy (COW)", 0L);
            moved += sit.getOrDefault("migration: moved", 0L);
            enomem += sit.getOrDefault("anon_vma_clone: -ENOMEM", 0L) + sit.getOrDefault("anon_vma_fork: -ENOMEM", 0L);
        }
        assertTrue(reused > 0, "no anon_vma was ever reused");
        assertTrue(cow > 0, "no COW copy");
        assertTrue(moved > 0, "no migration completed");
        assertTrue(enomem > 0, "the anon_vma_clone()/anon_vma_fork() failure paths never ran");
    }

    @Test
    void sameSeedSameRun() {
        RmapSubsystem sub = new RmapSubsystem();
        RunReport a = new RandomExplorer<>(sub, RmapConfigs.forks(), 5, 200, 3).run();
        RunReport b = new RandomExplorer<>(sub, RmapConfigs.forks(), 5, 200, 3).run();
        assertEquals(a.opsByKind, b.opsByKind);
        assertEquals(a.outcomesByKind, b.outcomesByKind);
        assertEquals(a.situations, b.situations);
    }

    /** What the bounded explorer relies on: every enumerated step applies, and copies fork the state exactly. */
    @Test
    void enumerationsOnTinyApplyAndCopiesAreExact() {
        RmapSubsystem sub = new RmapSubsystem();
        RmapState s = RmapKit.forked();
        RmapState tiny = sub.init(RmapConfigs.tiny());
        RmapKit.apply(tiny, 0, "mmap", "pid", 1, "addr", 0x10L, "pages", 2);
        RmapKit.apply(tiny, 1, "write", "pid", 1, "addr", 0x10L, "value", 1);
        RmapKit.apply(tiny, 2, "migrate_folio_unmap", "pid", 1, "addr", 0x10L);
        int applied = 0;
        for (RmapState base : List.of(s, tiny)) {
            for (Operation<RmapState> op : sub.operations()) {
                List<Args> all = op.enumerate(base);
                if (op.enabled(base)) assertFalse(all.isEmpty(), op.name() + " is enabled but enumerates nothing");
                for (Args a : all) {
                    RmapState c = base.copy();
                    assertEquals(base.fingerprint(), c.fingerprint());
                    Outcome o = Execution.applyGuarded(op, c, new Step(50, op.name(), a));
                    assertFalse(o.facts().containsKey("crash"), op.name() + "(" + a + ") crashed: " + o);
                    assertNotEquals(Outcome.Kind.SKIPPED, o.kind(), op.name() + "(" + a + ")");
                    assertEquals(List.of(), RmapKit.checkAll(c), op.name() + "(" + a + ") -> " + o);
                    applied++;
                }
            }
        }
        assertTrue(applied > 100, "only " + applied + " enumerated steps");
    }
}
