package org.mmspec.invariants.compaction;

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

/** Scenarios and helpers shared by the compaction subsystem's tests. */
final class CompactionKit {
    private CompactionKit() {}

    static final CompactionSubsystem SUB = new CompactionSubsystem();
    static final long A = 0x10;

    static Step step(int id, String op, Object... kv) {
        return new Step(id, op, Args.of(kv));
    }

    /** Applies one operation as the explorers do; a crash or a skip fails the test. */
    static Outcome apply(CompactionState s, int stepId, String op, Object... kv) {
        Outcome o = Execution.applyGuarded(SUB.operation(op), s, new Step(stepId, op, Args.of(kv)));
        assertNotEquals(Outcome.Kind.SKIPPED, o.kind(), op + " skipped: " + o);
        if (o.facts().containsKey("crash")) throw new AssertionError(op + " crashed: " + o);
        return o;
    }

    /**
     * On {@code tiny}: pid 1 maps 16 pages at 0x10 and writes each (pfns 0x0..0xf, lowest first),
     * then unmaps the pages at pfns 0x1..0xb and 0xd: left are 0x0, 0xc, 0xe, 0xf. A whole-zone
     * run's free scanner needs one page for pfn 0x0 and finds it at 0xd: it stops in the middle of
     * the top pageblock, which the migration scanner later reaches.
     */
    static List<Step> midBlockStop() {
        List<Step> st = new ArrayList<>();
        st.add(step(0, "mmap", "pid", 1, "addr", A, "pages", 16));
        for (int i = 0; i < 16; i++) st.add(step(1 + i, "write", "pid", 1, "addr", A + i, "value", 1 + i));
        st.add(step(17, "munmap", "pid", 1, "addr", A + 1, "pages", 11));
        st.add(step(18, "munmap", "pid", 1, "addr", A + 13, "pages", 1));
        return st;
    }

    /** {@link #midBlockStop()} applied to a fresh state of {@code config}. */
    static CompactionState midBlockStop(MachineConfig config) {
        CompactionState s = SUB.init(config);
        for (Step st : midBlockStop()) {
            Outcome o = apply(s, st.id(), st.op(), flat(st.args()));
            assertNotEquals(Outcome.Kind.REJECTED, o.kind(), st + ": " + o);
        }
        assertEquals(List.of(0x0L, 0xcL, 0xeL, 0xfL), new ArrayList<>(s.machine.rmap().contents().keySet()));
        return s;
    }

    static Object[] flat(Args a) {
        List<Object> kv = new ArrayList<>();
        a.asMap().forEach((k, v) -> {
            kv.add(k);
            kv.add(v);
        });
        return kv.toArray();
    }

    static MachineConfig withBug(MachineConfig c) {
        return c.withKnownBugs(List.of(KnownBug.SCANNERS_MET.bugName()));
    }

    static List<Violation> checkAll(CompactionState s) {
        List<Violation> out = new ArrayList<>();
        for (Invariant<CompactionState> inv : SUB.invariants()) inv.check(s, out);
        return out;
    }

    static List<Violation> check(String id, CompactionState s) {
        List<Violation> out = new ArrayList<>();
        for (Invariant<CompactionState> inv : SUB.invariants()) if (inv.id().equals(id)) inv.check(s, out);
        return out;
    }
}
