package org.mmspec.counterexamples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.mmspec.counterexamples.render.BuddyView;
import org.mmspec.counterexamples.render.Highlight;
import org.mmspec.invariants.buddy.BuddyConfigs;
import org.mmspec.invariants.buddy.BuddyState;
import org.mmspec.invariants.buddy.BuddySubsystem;
import org.mmspec.invariants.engine.BoundedExplorer;
import org.mmspec.invariants.engine.Counterexample;
import org.mmspec.invariants.engine.Execution;
import org.mmspec.reference.alloc.KnownBug;
import org.mmspec.reference.alloc.MachineConfig;

/**
 * A bounded explorer's counterexample is an ordinary one: it is written in the same format, the
 * same every run (byte for byte), reads back, replays to the same violation, and draws.
 */
class BoundedCounterexampleTest {
    static Counterexample find() {
        MachineConfig c = BuddyConfigs.tinydma().withKnownBugs(List.of(KnownBug.BOOST_SMALL_ZONE.bugName()));
        Counterexample ce = new BoundedExplorer<>(new BuddySubsystem(), c).run().counterexample;
        assertNotNull(ce);
        return ce;
    }

    @Test
    void writesReadsReplaysAndDraws() throws Exception {
        Counterexample ce = find();
        String json = CounterexampleJson.write(ce);
        assertEquals(json, CounterexampleJson.write(find()), "the same search writes the same file");
        assertTrue(json.contains("\"explorer\" : \"bounded\""), json);
        Counterexample back = CounterexampleJson.read(json);
        assertEquals(ce.steps(), back.steps());
        assertEquals(json, CounterexampleJson.write(back));

        Replay.Result r = Replay.replay(back, true);
        assertEquals(Replay.Status.REPRODUCED, r.status(), r.message());

        @SuppressWarnings("unchecked")
        Execution<BuddyState> ex = (Execution<BuddyState>) r.execution();
        BuddyView view = new BuddyView();
        String boot = view.panel(ex.snapshots.get(0), -1, null, null, Highlight.NONE);
        assertTrue(boot.contains("cluster"), boot);
        int last = ce.steps().size() - 1;
        String panel = view.panel(ex.snapshots.get(last + 1), last, ce.steps().get(last), ex.outcomes.get(last),
                Highlight.of(ce.allViolations(), ce.violation().invariantId()));
        assertTrue(panel.contains("cluster"), panel);
    }
}
