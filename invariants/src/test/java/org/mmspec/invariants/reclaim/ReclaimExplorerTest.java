package org.mmspec.invariants.reclaim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;
import org.mmspec.invariants.engine.Args;
import org.mmspec.invariants.engine.Execution;
import org.mmspec.invariants.engine.Operation;
import org.mmspec.invariants.engine.Outcome;
import org.mmspec.invariants.engine.RandomExplorer;
import org.mmspec.invariants.engine.RunReport;
import org.mmspec.invariants.engine.Step;
import org.mmspec.reference.alloc.MachineConfig;

/**
 * The reclaim subsystem under the random explorer: a short exploration of every named
 * configuration passes and reaches what reclaim is about (kswapd, swap-out and swap-in, refaults
 * activated and not, second chances, dirty page cache, zone skipping, the boost); runs are
 * deterministic; states copy; every enumerated argument applies.
 */
class ReclaimExplorerTest {
    static final int TRIES = 8;
    static final int STEPS = 200;

    @Test
    void aShortExplorationOfEveryConfigurationPassesAndReachesReclaim() {
        ReclaimSubsystem sub = new ReclaimSubsystem();
        Map<String, Long> total = new TreeMap<>();
        for (MachineConfig c : sub.configs().values()) {
            RunReport r = new RandomExplorer<>(sub, c, TRIES, STEPS, 11).run();
            assertTrue(r.passed(), () -> c.name() + ": " + r.counterexample.violation() + " after " + r.counterexample.steps());
            for (Map.Entry<String, Long> e : r.situations.entrySet()) total.merge(e.getKey(), e.getValue(), Long::sum);
        }
        for (String s : List.of("pgsteal_kswapd", "pgsteal_direct", "pgsteal_anon (swapped out and freed)", "pgsteal_file (dropped)",
                "pgrefill (active list scanned)", "pgdeactivate", "folio_check_references: KEEP", "folio_check_references: RECLAIM",
                "folio_check_references: RECLAIM_CLEAN", "pswpout", "pswpin (major fault)", "refault within the workingset: activated",
                "refault beyond the workingset", "kswapd went to sleep", "dirty file folio: activated (PG_reclaim)",
                "writeback completed", "folio_mark_accessed: activated", "try_to_unmap: swap entries installed")) {
            assertTrue(total.getOrDefault(s, 0L) > 0, "never reached: " + s + " in " + total);
        }
    }

    @Test
    void theSameSeedGivesTheSameRun() {
        ReclaimSubsystem sub = new ReclaimSubsystem();
        RunReport a = new RandomExplorer<>(sub, ReclaimConfigs.small(), 3, 150, 5).run();
        RunReport b = new RandomExplorer<>(sub, ReclaimConfigs.small(), 3, 150, 5).run();
        assertEquals(a.steps, b.steps);
        assertEquals(a.opsByKind, b.opsByKind);
        assertEquals(a.situations, b.situations);
        RunReport c = new RandomExplorer<>(sub, ReclaimConfigs.small(), 3, 150, 6).run();
        assertNotEquals(a.situations, c.situations, "another seed explores something else");
    }

    @Test
    void aCopyIsIndependent() {
        ReclaimState s = ReclaimKit.pressured();
        ReclaimState c = s.copy();
        assertEquals(s.fingerprint(), c.fingerprint());
        ReclaimKit.apply(c, 200, "file_read", "file", 2, "index", 15);
        ReclaimKit.apply(c, 201, "touch", "pid", 1, "addr", ReclaimKit.A, "pages", 32, "value", 1);
        assertNotEquals(s.fingerprint(), c.fingerprint());
        assertEquals(ReclaimKit.pressured().fingerprint(), s.fingerprint(), "the original did not move");
    }

    @Test
    void everyEnumeratedArgumentApplies() {
        ReclaimSubsystem sub = new ReclaimSubsystem();
        ReclaimState s = ReclaimKit.pressured(ReclaimConfigs.small());
        int id = 500;
        for (Operation<ReclaimState> op : sub.operations()) {
            if (!op.enabled(s)) continue;
            List<Args> all = op.enumerate(s);
            assertFalse(all.isEmpty(), op.name() + " is enabled but enumerates nothing");
            for (int i = 0; i < all.size(); i += Math.max(1, all.size() / 3)) {
                ReclaimState c = s.copy();
                Outcome o = Execution.applyGuarded(op, c, new Step(id++, op.name(), all.get(i)));
                assertFalse(o.facts().containsKey("crash"), op.name() + "(" + all.get(i) + ") crashed: " + o);
                assertEquals(List.of(), ReclaimKit.checkAll(c), op.name() + "(" + all.get(i) + ") -> " + o);
            }
        }
    }
}
