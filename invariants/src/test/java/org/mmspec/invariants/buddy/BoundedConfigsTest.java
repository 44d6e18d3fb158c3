package org.mmspec.invariants.buddy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.mmspec.invariants.engine.BoundedExplorer;
import org.mmspec.invariants.engine.BoundedReport;
import org.mmspec.reference.alloc.MachineConfig;

/**
 * The buddy allocator's exhaustible configurations, explored to completion with every invariant
 * checked in every state, and their exact state counts: a change to the reference, the spec, the
 * operation model or the fingerprint that alters the reachable space changes these numbers and
 * fails here. When such a change is intended, rerun {@code ./mmspec explore} and record the new
 * figures, saying in the commit why the space changed.
 */
class BoundedConfigsTest {
    /** name, distinct states, states generated, depth. */
    record Expected(String config, long distinct, long generated, int depth) {}

    /** With the buddy model's reductions (handle names, wakeup requests): what mmspec explore reports. */
    static final List<Expected> EXPECTED = List.of(
            new Expected("tiny8", 11_400, 168_033, 13),
            new Expected("tinydma", 1_938, 23_511, 14));

    /** Without them (--no-symmetry): every valuation of the reference's state counted apart. */
    static final Expected TINYDMA_UNREDUCED = new Expected("tinydma", 8_721, 105_796, 14);

    @Test
    void everyExhaustibleConfigurationIsListedHere() {
        assertEquals(new BuddySubsystem().exhaustiveConfigs(), EXPECTED.stream().map(Expected::config).toList());
    }

    @Test
    void tiny8() {
        explore(EXPECTED.get(0));
    }

    @Test
    void tinydma() {
        explore(EXPECTED.get(1));
    }

    @Test
    void tinydmaWithoutReductions() {
        BoundedReport r = explore(TINYDMA_UNREDUCED, false);
        assertEquals(null, r.symmetry);
    }

    static BoundedReport explore(Expected e) {
        return explore(e, true);
    }

    static BoundedReport explore(Expected e, boolean reductions) {
        BuddySubsystem sub = new BuddySubsystem();
        MachineConfig c = sub.configs().get(e.config());
        BoundedReport r = new BoundedExplorer<>(sub, c).symmetry(reductions).run();
        String fig = e.config() + ": " + r.distinct + " distinct, " + r.generated + " generated, depth " + r.depth + " in "
                + String.format("%.1f s", r.seconds());
        System.out.println(fig);
        assertTrue(r.passed(), () -> e.config() + " violates " + r.counterexample.violation() + " after "
                + r.counterexample.steps());
        assertEquals("complete", r.stoppedBy, fig);
        assertEquals(e.distinct(), r.distinct, fig);
        assertEquals(e.generated(), r.generated, fig);
        assertEquals(e.depth(), r.depth, fig);
        assertEquals(0, r.queueLeft);
        assertEquals("encoded", r.queueForm);
        // every invariant was checked in every distinct state
        r.invariants.forEach(row -> assertEquals(e.distinct(), row.checks(), row.id()));
        return r;
    }
}
