package org.mmspec.invariants.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.mmspec.invariants.Violation;
import org.mmspec.invariants.engine.Args;
import org.mmspec.invariants.engine.Checker;
import org.mmspec.invariants.engine.Counterexample;
import org.mmspec.invariants.engine.Execution;
import org.mmspec.invariants.engine.Outcome;
import org.mmspec.invariants.engine.RandomExplorer;
import org.mmspec.invariants.engine.Rng;
import org.mmspec.invariants.engine.RunReport;
import org.mmspec.invariants.engine.Step;
import org.mmspec.invariants.engine.Subsystem;
import org.mmspec.invariants.engine.Subsystems;
import org.mmspec.invariants.oracle.PageAllocatorUnderTest.Claims;
import org.mmspec.invariants.oracle.PageAllocatorUnderTest.Migratetype;
import org.mmspec.invariants.oracle.examples.TopDownBuddy;
import org.mmspec.reference.alloc.MachineConfig;

/**
 * The Java examples behave as README.md says: the reference through the SPI passes; the
 * top-down buddy, written independently with another policy, passes every oracle invariant while
 * failing the reference's own policy (Linux keeps the lowest piece of a split block); the buggy
 * buddy is caught and shrunk; and the oracle's machinery (claims, rebuilding detached states,
 * determinism, parameters in the counterexample) works.
 */
class OracleExamplesTest {
    static RunReport explore(OracleSubsystem sub, MachineConfig c, int tries, int steps, long seed) {
        try (sub) {
            return new RandomExplorer<>(sub, c, tries, steps, seed).run();
        }
    }

    @Test
    void theReferenceThroughTheSpiPassesOnEveryConfiguration() {
        for (MachineConfig c : OracleConfigs.all().values()) {
            RunReport r = explore(OracleSubsystem.reference(), c, 20, 300, 11);
            assertTrue(r.passed(), c.name() + ": " + (r.passed() ? "" : r.counterexample.violation()));
            assertEquals(20, r.triesRun);
        }
        // a size that is no power of two and a larger one, where the reference's watermarks would matter
        for (MachineConfig c : List.of(OracleConfigs.of("x", 777, 5), OracleConfigs.of("y", 12000, 10))) {
            RunReport r = explore(OracleSubsystem.reference(), c, 4, 1500, 12);
            assertTrue(r.passed(), c.name() + ": " + (r.passed() ? "" : r.counterexample.violation()));
        }
    }

    @Test
    void theTopDownBuddyPassesTheSpec() {
        for (MachineConfig c : OracleConfigs.all().values()) {
            RunReport r = explore(OracleSubsystem.java("top-down-buddy"), c, 20, 300, 21);
            assertTrue(r.passed(), c.name() + ": " + (r.passed() ? "" : r.counterexample.violation()));
            long failures = r.situations.getOrDefault("failed allocs (no block large enough)", 0L);
            if (c.name().equals("tiny")) assertTrue(failures > 0, "tiny must exercise failures");
        }
    }

    /**
     * The reference's policy, as Linux has it: an allocation is the lowest piece of the free
     * block it is cut from ({@code expand()} gives back the upper halves). The reference passes
     * this check; the top-down buddy, a correct buddy allocator, fails it on its first allocation.
     */
    static String lowestPieceViolation(PageAllocatorUnderTest impl, long pages, int maxOrder, long seed, int steps) {
        OracleState s = new OracleState(OracleSubsystem.reference(), pages, maxOrder);
        impl.configure(pages, maxOrder);
        Rng rng = new Rng(seed);
        List<long[]> live = new ArrayList<>();
        for (int i = 0; i < steps; i++) {
            if (!live.isEmpty() && rng.chance(0.4)) {
                long[] b = live.remove(rng.nextInt(live.size()));
                assertTrue(impl.free(b[0], (int) b[1]));
                assertNull(s.spec.free(b[0], (int) b[1]));
                continue;
            }
            int order = rng.order(maxOrder);
            long pfn = impl.allocate(order, Migratetype.MOVABLE);
            if (pfn < 0) continue;
            long head = s.spec.blockHead(pfn);
            if (head != pfn) {
                return "step " + i + ": alloc(order=" + order + ") returned 0x" + Long.toHexString(pfn) + ", not the lowest piece 0x"
                        + Long.toHexString(head) + " of the free block of order " + s.spec.headOrder(head) + " it was cut from";
            }
            assertNull(s.spec.alloc(OracleOps.request(order), pfn, 0));
            live.add(new long[] {pfn, order});
        }
        return null;
    }

    @Test
    void theTopDownBuddyFailsTheReferencesLowestPiecePolicyWhichTheReferenceKeeps() {
        assertNull(lowestPieceViolation(new ReferenceAllocator(), 1024, 10, 5, 2000), "the reference keeps the lowest piece");
        String v = lowestPieceViolation(new TopDownBuddy(), 1024, 10, 5, 2000);
        assertEquals("step 0: alloc(order=2) returned 0x3fc, not the lowest piece 0x0 of the free block of order 10 it was cut from", v);
        // and so their answers differ from the first request on
        ReferenceAllocator ref = new ReferenceAllocator();
        ref.configure(1024, 10);
        TopDownBuddy td = new TopDownBuddy();
        td.configure(1024, 10);
        assertEquals(0, ref.allocate(0, Migratetype.MOVABLE));
        assertEquals(0x3ff, td.allocate(0, Migratetype.MOVABLE));
    }

    @Test
    void theBuggyBuddyIsCaughtShrunkAndReplaysFromItsParameters() {
        OracleSubsystem sub = OracleSubsystem.java("buggy-buddy");
        RunReport r = explore(sub, OracleConfigs.byDefault(), 50, 300, 1);
        assertFalse(r.passed(), "the merge bug must be found");
        Counterexample ce = sub.annotate(r.counterexample);
        assertEquals(OracleInvariants.EXACT_FREE, ce.violation().invariantId(), ce.violation().toString());
        assertTrue(ce.steps().size() <= 6, "shrunk to " + ce.steps().size() + " steps: " + ce.steps());
        assertEquals(ce.steps().size() - 1, ce.violationStep());
        assertEquals("java", ce.engine().get(OracleSubsystem.KEY_IMPLEMENTATION));
        assertEquals("org.mmspec.invariants.oracle.examples.BuggyBuddy", ce.engine().get(OracleSubsystem.KEY_CLASS));
        assertEquals("buddy, snapshot, rejects-bad-frees", ce.engine().get(OracleSubsystem.KEY_CLAIMS));
        // Subsystems rebuilds the same implementation from the engine map: the steps violate again
        Subsystem<?> again = Subsystems.create("oracle", ce.engine());
        assertTrue(again instanceof OracleSubsystem o && o.implementation().endsWith("BuggyBuddy"));
        try (OracleSubsystem o = (OracleSubsystem) again) {
            Execution<OracleState> ex = Execution.run(o, ce.config(), ce.steps(), new Checker<>(o.invariants()));
            assertEquals(ce.violationStep(), ex.violationStep);
            assertTrue(ex.violated(OracleInvariants.EXACT_FREE));
        }
        // without parameters, "oracle" is the reference, which passes the same steps
        try (OracleSubsystem ref = (OracleSubsystem) Subsystems.create("oracle", Map.of())) {
            assertEquals("reference", ref.implementation());
            assertEquals(-1, Execution.run(ref, ce.config(), ce.steps(), new Checker<>(ref.invariants())).violationStep);
        }
    }

    @Test
    void theSameSeedFindsTheSameCounterexample() {
        Counterexample a = explore(OracleSubsystem.java("buggy-buddy"), OracleConfigs.odd(), 30, 300, 77).counterexample;
        Counterexample b = explore(OracleSubsystem.java("buggy-buddy"), OracleConfigs.odd(), 30, 300, 77).counterexample;
        assertNotNull(a);
        assertEquals(a.steps(), b.steps());
        assertEquals(a.outcomes(), b.outcomes());
        assertEquals(a.allViolations(), b.allViolations());
        assertEquals(a.engine(), b.engine());
    }

    @Test
    void badParametersAreRejectedNamingTheField() {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> OracleSubsystem.fromParameters(Map.of(OracleSubsystem.KEY_IMPLEMENTATION, "rust")));
        assertTrue(e.getMessage().contains("engine.oracle.implementation"), e.getMessage());
        e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> OracleSubsystem.fromParameters(Map.of(OracleSubsystem.KEY_IMPLEMENTATION, "exec")));
        assertTrue(e.getMessage().contains("engine.oracle.command"), e.getMessage());
        e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> OracleSubsystem.java("NoSuchClass"));
        assertTrue(e.getMessage().contains("no class 'NoSuchClass'"), e.getMessage());
        e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> OracleSubsystem.java("java.lang.String"));
        assertTrue(e.getMessage().contains("does not implement"), e.getMessage());
        org.mmspec.reference.alloc.ConfigException c = org.junit.jupiter.api.Assertions.assertThrows(
                org.mmspec.reference.alloc.ConfigException.class, () -> OracleConfigs.of("x", 0, 3));
        assertEquals("pages", c.field());
        c = org.junit.jupiter.api.Assertions.assertThrows(org.mmspec.reference.alloc.ConfigException.class,
                () -> OracleConfigs.of("x", 16, 21));
        assertEquals("max_order", c.field());
        c = org.junit.jupiter.api.Assertions.assertThrows(org.mmspec.reference.alloc.ConfigException.class,
                () -> OracleConfigs.geometry(org.mmspec.invariants.buddy.BuddyConfigs.small()));
        assertEquals("zones", c.field());
    }

    @Test
    void aBadStepFromAFileIsRejectedWithoutAskingTheImplementation() {
        try (OracleSubsystem sub = OracleSubsystem.reference()) {
            OracleState s = sub.init(OracleConfigs.tiny());
            Outcome o = new OracleOps.Alloc().apply(s, Args.of("order", 5, "migratetype", "movable"), 0);
            assertEquals(Outcome.Kind.REJECTED, o.kind());
            assertTrue(o.text().contains("order 5 is outside 0..4"), o.text());
            o = new OracleOps.Alloc().apply(s, Args.of("order", 0, "migratetype", "sideways"), 1);
            assertEquals(Outcome.Kind.REJECTED, o.kind());
            assertTrue(o.text().contains("migratetype 'sideways'"), o.text());
            assertTrue(s.history.isEmpty(), "nothing was sent");
            assertEquals(Outcome.Kind.SKIPPED, new OracleOps.Free().apply(s, Args.of("handle", 9), 2).kind());
        }
    }

    /** An implementation that claims nothing: only the answer checks apply, and no bad free is sent. */
    static final class NoClaims implements PageAllocatorUnderTest {
        final TopDownBuddy inner = new TopDownBuddy();

        @Override
        public Claims claims() {
            return new Claims("no claims", false, false, false);
        }

        @Override
        public void configure(long pages, int maxOrder) {
            inner.configure(pages, maxOrder);
        }

        @Override
        public long allocate(int order, Migratetype mt) {
            return inner.allocate(order, mt);
        }

        @Override
        public boolean free(long pfn, int order) {
            return inner.free(pfn, order);
        }
    }

    @Test
    void claimsDecideWhatIsChecked() {
        OracleSubsystem sub = new OracleSubsystem("no claims", NoClaims::new, Map.of());
        RunReport r = explore(sub, OracleConfigs.tiny(), 10, 200, 3);
        assertTrue(r.passed());
        assertFalse(r.opsByKind.containsKey("bad_free"), "no bad free is sent without the claim: " + r.opsByKind);
        assertFalse(OracleInvariants.applies(OracleInvariants.MAX_MERGE, sub.claims()));
        assertFalse(OracleInvariants.applies(OracleInvariants.SNAPSHOT, sub.claims()));
        assertTrue(OracleInvariants.applies(OracleInvariants.NO_SPURIOUS_FAILURE, sub.claims()));
        Claims buddyNoSnapshot = new Claims("x", true, false, false);
        assertFalse(OracleInvariants.applies(OracleInvariants.MAX_MERGE, buddyNoSnapshot), "maximal merging needs a snapshot to see");
    }

    @Test
    void aDetachedCopyIsRebuiltByReplayAndStepsLikeTheOriginal() {
        try (OracleSubsystem sub = OracleSubsystem.java("top-down-buddy")) {
            OracleState s = sub.init(OracleConfigs.tiny());
            OracleOps.Alloc alloc = new OracleOps.Alloc();
            alloc.apply(s, Args.of("order", 1, "migratetype", "movable"), 0);
            alloc.apply(s, Args.of("order", 0, "migratetype", "movable"), 1);
            OracleState c = s.copy();
            assertFalse(c.attached(), "a copy holds no instance");
            assertEquals(s.fingerprint(), c.fingerprint());
            Outcome oc = alloc.apply(c, Args.of("order", 2, "migratetype", "movable"), 2);
            assertEquals(1, sub.instanceCounts()[2], "the copy was rebuilt by replaying its 2 requests");
            Outcome os = alloc.apply(s, Args.of("order", 2, "migratetype", "movable"), 2);
            assertEquals(os, oc);
            assertEquals(s.fingerprint(), c.fingerprint());
            assertTrue(c.pending.isEmpty() && s.pending.isEmpty());
        }
    }

    @Test
    void aNondeterministicImplementationIsReportedWhenAStateIsRebuilt() {
        Planted.instances = 0;
        try (OracleSubsystem sub = new OracleSubsystem("planted", () -> new Planted(Planted.Fault.NONDETERMINISTIC), Map.of())) {
            OracleState s = sub.init(OracleConfigs.tiny()); // instance 1
            new OracleOps.Alloc().apply(s, Args.of("order", 0, "migratetype", "movable"), 0);
            OracleState c = s.copy();
            new OracleOps.Alloc().apply(c, Args.of("order", 0, "migratetype", "movable"), 1); // instance 2 replays
            List<Violation> v = c.pending;
            assertEquals(1, v.size(), v.toString());
            assertEquals(OracleInvariants.PROTOCOL, v.get(0).invariantId());
            assertTrue(v.get(0).message().contains("not deterministic"), v.get(0).message());
        }
    }

    @Test
    void theOracleHasAnOperationModelForTheBoundedExplorer() {
        try (OracleSubsystem sub = OracleSubsystem.reference()) {
            OracleState s = sub.init(OracleConfigs.tiny());
            assertEquals(15, new OracleOps.Alloc().enumerate(s).size(), "orders 0..4 x 3 migratetypes");
            new OracleOps.Alloc().apply(s, Args.of("order", 0, "migratetype", "movable"), 0);
            assertEquals(List.of(Args.of("handle", 0L)), new OracleOps.Free().enumerate(s));
            assertFalse(new OracleOps.BadFree().enumerate(s).isEmpty());
            // equal spec views and snapshots give equal fingerprints; a different state another one
            OracleState t = sub.init(OracleConfigs.tiny());
            new OracleOps.Alloc().apply(t, Args.of("order", 0, "migratetype", "unmovable"), 5);
            assertEquals(s.fingerprint(), t.fingerprint());
            new OracleOps.Free().apply(t, Args.of("handle", 5), 6);
            assertNotEquals(s.fingerprint(), t.fingerprint());
            List<Step> steps = List.of(new Step(0, "alloc", Args.of("order", 0, "migratetype", "movable")));
            assertEquals(-1, Execution.run(sub, OracleConfigs.tiny(), steps, new Checker<>(sub.invariants())).violationStep);
        }
    }
}
