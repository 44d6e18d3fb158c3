package org.mmspec.invariants.ksm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.ArrayList;
import java.util.List;

import org.mmspec.invariants.Invariant;
import org.mmspec.invariants.Violation;
import org.mmspec.invariants.engine.Args;
import org.mmspec.invariants.engine.Execution;
import org.mmspec.invariants.engine.Outcome;
import org.mmspec.invariants.engine.Step;
import org.mmspec.reference.alloc.KnownBug;
import org.mmspec.reference.alloc.MachineConfig;
import org.mmspec.reference.ksm.KsmRmapItem;
import org.mmspec.reference.ksm.KsmStableNode;
import org.mmspec.reference.rmap.Pte;

/** Scenarios and helpers shared by the KSM subsystem's tests. */
final class KsmKit {
    private KsmKit() {}

    static final KsmSubsystem SUB = new KsmSubsystem();
    static final long A = 0x10;
    /** The values of pid 1's pages at A, A+1, ...: four 1s (a chain of two dups at max_page_sharing 2), two 2s, three unique. */
    static final long[] VALUES = {1, 1, 1, 1, 2, 2, 3, 4, 5};

    static Step step(int id, String op, Object... kv) {
        return new Step(id, op, Args.of(kv));
    }

    /** Applies one operation as the explorers do; a crash fails the test. */
    static Outcome apply(KsmState s, int stepId, String op, Object... kv) {
        Outcome o = Execution.applyGuarded(SUB.operation(op), s, new Step(stepId, op, Args.of(kv)));
        assertNotEquals(Outcome.Kind.SKIPPED, o.kind(), op + " skipped: " + o);
        if (o.facts().containsKey("crash")) throw new AssertionError(op + " crashed: " + o);
        return o;
    }

    /**
     * pid 1 maps 9 pages at A, writes {@link #VALUES}, marks them mergeable; max_page_sharing 2;
     * two full scans merge them (value 1: a chain of two full dups; value 2: one node; 3, 4, 5
     * unshared); then pages_to_scan 8 and one batch: a scan in progress, its unstable tree holding
     * the items of 3 and 4.
     */
    static KsmState merged() {
        KsmState s = SUB.init(KsmConfigs.small());
        int id = 0;
        apply(s, id++, "sysfs", "name", "max_page_sharing", "value", "2");
        apply(s, id++, "mmap", "pid", 1, "addr", A, "pages", VALUES.length);
        for (int i = 0; i < VALUES.length; i++) apply(s, id++, "write", "pid", 1, "addr", A + i, "value", VALUES[i]);
        apply(s, id++, "madvise", "pid", 1, "addr", A, "pages", VALUES.length, "advice", "MADV_MERGEABLE");
        apply(s, id++, "sysfs", "name", "pages_to_scan", "value", "16");
        apply(s, id++, "ksmd_full_scan");
        apply(s, id++, "ksmd_full_scan");
        apply(s, id++, "sysfs", "name", "pages_to_scan", "value", "8");
        apply(s, id++, "ksmd_scan");
        return s;
    }

    /** The minimal run of 1105a2fc022f: two equal pages merged. */
    static List<Step> stableFlagRun() {
        return List.of(
                step(0, "mmap", "pid", 1, "addr", A, "pages", 2),
                step(1, "madvise", "pid", 1, "addr", A, "pages", 2, "advice", "MADV_MERGEABLE"),
                step(2, "write", "pid", 1, "addr", A, "value", 2),
                step(3, "write", "pid", 1, "addr", A + 1, "value", 2),
                step(4, "ksmd_full_scan"),
                step(5, "ksmd_full_scan"));
    }

    static MachineConfig withBug(MachineConfig c) {
        return c.withKnownBugs(List.of(KnownBug.KSM_STABLE_FLAG.bugName()));
    }

    /** The chain of value 1. */
    static KsmStableNode chain(KsmState s) {
        for (KsmStableNode n : s.ksm().stableNodes().values()) if (n.isChain()) return n;
        throw new AssertionError("no chain");
    }

    /** The KSM page pid 1 maps at A. */
    static long ksmPfn(KsmState s) {
        long pfn = Pte.pfn(s.rmap().task(1).pageTable().get(A));
        assertEquals(true, s.rmap().folioTestKsm(pfn));
        return pfn;
    }

    static KsmRmapItem firstUnstable(KsmState s) {
        for (KsmRmapItem i : s.ksm().items()) if (i.unstable()) return i;
        throw new AssertionError("no unstable item");
    }

    static List<Violation> checkAll(KsmState s) {
        List<Violation> out = new ArrayList<>();
        for (Invariant<KsmState> inv : SUB.invariants()) inv.check(s, out);
        return out;
    }

    static List<Violation> check(String id, KsmState s) {
        List<Violation> out = new ArrayList<>();
        for (Invariant<KsmState> inv : SUB.invariants()) if (inv.id().equals(id)) inv.check(s, out);
        return out;
    }
}
