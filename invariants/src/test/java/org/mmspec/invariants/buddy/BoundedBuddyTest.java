package org.mmspec.invariants.buddy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.mmspec.invariants.Violation;
import org.mmspec.invariants.engine.Args;
import org.mmspec.invariants.engine.BoundedExplorer;
import org.mmspec.invariants.engine.BoundedReport;
import org.mmspec.invariants.engine.ByteBuf;
import org.mmspec.invariants.engine.Checker;
import org.mmspec.invariants.engine.Counterexample;
import org.mmspec.invariants.engine.Execution;
import org.mmspec.invariants.engine.Operation;
import org.mmspec.invariants.engine.Outcome;
import org.mmspec.invariants.engine.RandomExplorer;
import org.mmspec.invariants.engine.Rng;
import org.mmspec.invariants.engine.StateCodec;
import org.mmspec.invariants.engine.Step;
import org.mmspec.invariants.engine.SymmetryAudit;
import org.mmspec.reference.alloc.KnownBug;
import org.mmspec.reference.alloc.MachineConfig;

/**
 * The bounded explorer on the buddy allocator: the known bugs found with shortest
 * counterexamples (as short as the random explorer's shrunk ones), the fingerprint's handling of
 * handle names and of a violating step, the one symmetry (handle names) audited, and the compact
 * state form restoring states exactly.
 */
class BoundedBuddyTest {
    static Counterexample shortest(KnownBug bug, MachineConfig base) {
        MachineConfig c = base.withKnownBugs(List.of(bug.bugName()));
        BuddySubsystem sub = new BuddySubsystem();
        BoundedReport r = new BoundedExplorer<>(sub, c).run();
        assertNotNull(r.counterexample, bug.bugName() + " not found on " + base.name());
        Counterexample ce = r.counterexample;
        Execution<BuddyState> replay = Execution.run(sub, c, ce.steps(), new Checker<>(sub.invariants()));
        assertEquals(ce.violationStep(), replay.violationStep, "the shortest path replays to its violation");
        assertTrue(replay.violated(ce.violation().invariantId()));
        return ce;
    }

    /** The random explorer's shrunk counterexample on the same configuration, for comparison. */
    static Counterexample random(KnownBug bug, MachineConfig base) {
        MachineConfig c = base.withKnownBugs(List.of(bug.bugName()));
        return new RandomExplorer<>(new BuddySubsystem(), c, 200, 200, 1).run().counterexample;
    }

    @Test
    void isolateMergeInOneStepOnTiny8() {
        Counterexample ce = shortest(KnownBug.ISOLATE_MERGE, BuddyConfigs.tiny8());
        assertEquals(1, ce.steps().size(), ce.steps().toString());
        assertEquals("isolate_range", ce.steps().get(0).op());
        assertEquals("BUDDY-PBTYPE", ce.violation().invariantId());
        assertEquals(1, random(KnownBug.ISOLATE_MERGE, BuddyConfigs.tiny8()).steps().size());
    }

    @Test
    void boostSmallZoneInTwoStepsOnTinydma() {
        Counterexample ce = shortest(KnownBug.BOOST_SMALL_ZONE, BuddyConfigs.tinydma());
        assertEquals(2, ce.steps().size(), ce.steps().toString());
        assertEquals("BOOST-BOUNDS", ce.violation().invariantId());
        assertEquals(2, random(KnownBug.BOOST_SMALL_ZONE, BuddyConfigs.tinydma()).steps().size());
    }

    @Test
    void handleNamesStayOutOfTheFingerprintButLiveBlocksDoNot() {
        BuddySubsystem sub = new BuddySubsystem();
        BuddyState a = sub.init(BuddyConfigs.tiny8());
        BuddyKit.alloc(sub, a, 0, "GFP_KERNEL", 0);
        BuddyKit.alloc(sub, a, 1, "GFP_KERNEL", 1);
        BuddyState b = sub.init(BuddyConfigs.tiny8());
        BuddyKit.alloc(sub, b, 5, "GFP_KERNEL", 0);
        BuddyKit.alloc(sub, b, 9, "GFP_KERNEL", 1);
        assertNotEquals(a.handles.keySet(), b.handles.keySet());
        assertEquals(a.fingerprint(), b.fingerprint(), "the same blocks under other handle names are one state");
        BuddyState p = sub.permuted(a, new Rng(3));
        assertEquals(sub.canonicalFingerprint(a), sub.canonicalFingerprint(p));
        // the plain fingerprint keeps the wakeup requests; the canonical one leaves them out
        p.node().kswapdOrder = a.node().kswapdOrder + 1;
        assertNotEquals(a.fingerprint(), p.fingerprint());
        assertEquals(sub.canonicalFingerprint(a), sub.canonicalFingerprint(p));

        // the same machine with a different set of live blocks is another state
        BuddyState c = a.copy();
        c.handles.remove(0L);
        assertNotEquals(a.fingerprint(), c.fingerprint());
        // a step whose own effect is a violation never lands on a state already seen
        BuddyState d = a.copy();
        d.pending.add(Violation.of(BuddyOps.REFINEMENT, "planted"));
        assertNotEquals(a.fingerprint(), d.fingerprint());
    }

    /**
     * The reductions (handle names, the wakeup requests) hold on every state of tinydma and on the
     * first 2,000 of tiny8: the same invariants fail and the successors are the same classes
     * whatever the handles are called and whatever kswapd and kcompactd were asked.
     */
    @Test
    void theReductionsPassTheAudit() {
        assertEquals(List.of(), SymmetryAudit.audit(new BuddySubsystem(), BuddyConfigs.tinydma(), 10_000, 2, 11));
        assertEquals(List.of(), SymmetryAudit.audit(new BuddySubsystem(), BuddyConfigs.tiny8(), 2_000, 1, 12));
    }

    /** A reduction that merges states which behave differently (isolated or not) fails the audit. */
    @Test
    void aFalseReductionFailsTheAudit() {
        List<String> failures = SymmetryAudit.audit(new IsolationBlind(), BuddyConfigs.tinydma(), 300, 2, 13);
        assertTrue(!failures.isEmpty(), "isolating a pageblock changes what happens next: the audit must see it");
    }

    /** The buddy subsystem with a false claim: "whether a pageblock is isolated does not matter". */
    static final class IsolationBlind implements org.mmspec.invariants.engine.Subsystem<BuddyState>,
            org.mmspec.invariants.engine.Symmetric<BuddyState> {
        final BuddySubsystem in = new BuddySubsystem();

        @Override
        public String name() {
            return "buddy";
        }

        @Override
        public String description() {
            return "buddy, blind to isolation";
        }

        @Override
        public java.util.Map<String, MachineConfig> configs() {
            return in.configs();
        }

        @Override
        public BuddyState init(MachineConfig config) {
            return in.init(config);
        }

        @Override
        public List<Operation<BuddyState>> operations() {
            return in.operations();
        }

        @Override
        public List<org.mmspec.invariants.Invariant<BuddyState>> invariants() {
            return in.invariants();
        }

        @Override
        public String symmetry() {
            return "isolation (false)";
        }

        @Override
        public long canonicalFingerprint(BuddyState s) {
            BuddyState c = s.copy();
            c.isolated.clear();
            var z = c.node().zones;
            for (var zone : z) {
                for (int b = 0; b < zone.nrPageblocks(); b++) {
                    long pfn = Math.max(zone.pageblockPfn(b), zone.zoneStartPfn);
                    if (zone.spansPfn(pfn) && zone.pageblockIsolated(pfn)) c.machine.pageAlloc().toggle_pageblock_isolate(zone, pfn, false);
                }
            }
            return c.fingerprint();
        }

        @Override
        public BuddyState permuted(BuddyState s, Rng rng) {
            BuddyState p = s.copy();
            for (var zone : p.node().zones) {
                for (int b = 0; b < zone.nrPageblocks(); b++) {
                    long pfn = Math.max(zone.pageblockPfn(b), zone.zoneStartPfn);
                    if (zone.spansPfn(pfn) && rng.nextInt(2) == 1) {
                        p.machine.pageAlloc().toggle_pageblock_isolate(zone, pfn, !zone.pageblockIsolated(pfn));
                    }
                }
            }
            return p;
        }
    }

    @Test
    void theCompactFormRestoresStatesExactly() {
        // random walks on configurations with CMA, holes, reserved pages and two zones
        for (MachineConfig c : List.of(BuddyConfigs.small(), BuddyConfigs.holes(), BuddyConfigs.movable(), BuddyConfigs.tiny8())) {
            BuddySubsystem sub = new BuddySubsystem();
            BuddyState template = sub.init(c);
            StateCodec<BuddyState> codec = template.codec();
            SplittableRandom rnd = new SplittableRandom(c.name().hashCode());
            BuddyState s = sub.init(c);
            BuddyState into = sub.init(c);
            ByteBuf buf = new ByteBuf();
            Rng rng = new Rng(5);
            for (int step = 0; step < 300; step++) {
                Operation<BuddyState> op = sub.operations().get(rnd.nextInt(sub.operations().size()));
                Args a = op.generate(s, rng);
                if (a == null) continue;
                Execution.applyGuarded(op, s, new Step(step, op.name(), a));
                if (!s.pending.isEmpty()) break;
                buf.clear();
                codec.encode(s, buf);
                codec.decode(buf, 0, buf.size(), into);
                assertEquals(s.fingerprint(), into.fingerprint(), c.name() + " step " + step);
                assertEquals(s.handles.keySet(), into.handles.keySet());
                assertEquals(s.isolated.keySet(), into.isolated.keySet());
                assertEquals(s.machine.fingerprint(), into.machine.fingerprint());
            }
            // and the restored state behaves as the original: the same steps give the same outcomes
            List<Outcome> o1 = new ArrayList<>();
            List<Outcome> o2 = new ArrayList<>();
            for (int step = 300; step < 400; step++) {
                Operation<BuddyState> op = sub.operations().get(rnd.nextInt(sub.operations().size()));
                Args a = op.generate(s, rng);
                if (a == null) continue;
                o1.add(Execution.applyGuarded(op, s, new Step(step, op.name(), a)));
                o2.add(Execution.applyGuarded(op, into, new Step(step, op.name(), a)));
                assertEquals(s.fingerprint(), into.fingerprint(), c.name() + " step " + step);
            }
            assertEquals(o1, o2);
        }
    }

    @Test
    void twoWorkersFindTheSameStates() {
        MachineConfig c = BuddyConfigs.tinydma();
        BoundedReport one = new BoundedExplorer<>(new BuddySubsystem(), c).run();
        BoundedReport two = new BoundedExplorer<>(new BuddySubsystem(), c).workers(2).run();
        assertEquals(one.distinct, two.distinct);
        assertEquals(one.generated, two.generated);
        assertEquals(one.perDepth, two.perDepth);
        assertEquals(one.opsByKind, two.opsByKind);
        assertEquals(one.invariants, two.invariants);
        MachineConfig bug = c.withKnownBugs(List.of(KnownBug.BOOST_SMALL_ZONE.bugName()));
        assertEquals(new BoundedExplorer<>(new BuddySubsystem(), bug).run().counterexample,
                new BoundedExplorer<>(new BuddySubsystem(), bug).workers(2).run().counterexample);
    }

    @Test
    void theQueueFormDoesNotChangeTheSearch() {
        MachineConfig c = BuddyConfigs.tinydma();
        BoundedReport encoded = new BoundedExplorer<>(new BuddySubsystem(), c).run();
        BoundedReport objects = new BoundedExplorer<>(new BuddySubsystem(), c).compactQueue(false).run();
        assertEquals("encoded", encoded.queueForm);
        assertEquals("objects", objects.queueForm);
        assertEquals(encoded.distinct, objects.distinct);
        assertEquals(encoded.generated, objects.generated);
        assertEquals(encoded.perDepth, objects.perDepth);
    }
}
