package org.mmspec.invariants.rmap;

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
import org.mmspec.reference.rmap.AnonVma;
import org.mmspec.reference.rmap.AnonVmaChain;
import org.mmspec.reference.rmap.Pte;
import org.mmspec.reference.rmap.Rmap;
import org.mmspec.reference.rmap.VmAreaStruct;

/** Scenarios and helpers shared by the rmap subsystem's tests. */
final class RmapKit {
    private RmapKit() {}

    static final RmapSubsystem SUB = new RmapSubsystem();
    static final long A = 0x10;

    static Step step(int id, String op, Object... kv) {
        return new Step(id, op, Args.of(kv));
    }

    /** Applies one operation as the explorers do; a crash fails the test. */
    static Outcome apply(RmapState s, int stepId, String op, Object... kv) {
        Outcome o = Execution.applyGuarded(SUB.operation(op), s, new Step(stepId, op, Args.of(kv)));
        assertNotEquals(Outcome.Kind.SKIPPED, o.kind(), op + " skipped: " + o);
        if (o.facts().containsKey("crash")) throw new AssertionError(op + " crashed: " + o);
        return o;
    }

    /**
     * pid 1 maps [0x10, 0x12) and writes 5 at 0x10; it forks pid 2, which reads 0x10. The page
     * at 0x10 is shared by both, in pid 1's root anon_vma; pid 2's VMA has its own anon_vma under
     * it.
     */
    static RmapState forked() {
        RmapState s = SUB.init(RmapConfigs.small());
        apply(s, 0, "mmap", "pid", 1, "addr", A, "pages", 2);
        apply(s, 1, "write", "pid", 1, "addr", A, "value", 5);
        apply(s, 2, "fork", "pid", 1, "child", 2, "fail_at", 0);
        apply(s, 3, "read", "pid", 2, "addr", A);
        return s;
    }

    static Rmap r(RmapState s) {
        return s.rmap();
    }

    static VmAreaStruct vma(RmapState s, int pid) {
        return s.rmap().task(pid).findVma(A);
    }

    static long sharedPfn(RmapState s) {
        return Pte.pfn(s.rmap().task(1).pageTable().get(A));
    }

    static AnonVma root(RmapState s) {
        return vma(s, 1).anonVma();
    }

    static AnonVma childAv(RmapState s) {
        return vma(s, 2).anonVma();
    }

    /** pid 2's chain that links it to pid 1's root anon_vma. */
    static AnonVmaChain childLinkToRoot(RmapState s) {
        for (AnonVmaChain c : vma(s, 2).chain()) if (c.anonVma() == root(s)) return c;
        throw new AssertionError("no chain to the root");
    }

    static int idx(RmapState s, long pfn) {
        return s.rmap().mem().idx(pfn);
    }

    /**
     * The minimal run of 2555283eb40d: A forks B, B forks Q, B exits, Q forks S (S reuses B's
     * anon_vma), S forks T, which with the old degree rule reuses Q's anon_vma.
     */
    static List<Step> doubleReuse() {
        return List.of(
                step(0, "mmap", "pid", 1, "addr", A, "pages", 1),
                step(1, "write", "pid", 1, "addr", A, "value", 1),
                step(2, "fork", "pid", 1, "child", 2, "fail_at", 0),
                step(3, "fork", "pid", 2, "child", 3, "fail_at", 0),
                step(4, "exit", "pid", 2),
                step(5, "fork", "pid", 3, "child", 4, "fail_at", 0),
                step(6, "fork", "pid", 4, "child", 5, "fail_at", 0));
    }

    static MachineConfig withBug(MachineConfig c) {
        return c.withKnownBugs(List.of(KnownBug.ANON_VMA_DEGREE.bugName()));
    }

    static List<Violation> checkAll(RmapState s) {
        List<Violation> out = new ArrayList<>();
        for (Invariant<RmapState> inv : SUB.invariants()) inv.check(s, out);
        return out;
    }

    static List<Violation> check(String id, RmapState s) {
        List<Violation> out = new ArrayList<>();
        for (Invariant<RmapState> inv : SUB.invariants()) if (inv.id().equals(id)) inv.check(s, out);
        return out;
    }
}
