package org.mmspec.invariants.reclaim;

import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.mmspec.invariants.Invariant;
import org.mmspec.invariants.Violation;
import org.mmspec.invariants.engine.Args;
import org.mmspec.invariants.engine.Execution;
import org.mmspec.invariants.engine.Outcome;
import org.mmspec.invariants.engine.Step;
import org.mmspec.reference.alloc.KnownBug;
import org.mmspec.reference.alloc.MachineConfig;
import org.mmspec.reference.rmap.MmStruct;
import org.mmspec.reference.rmap.Pte;

/** Scenarios and helpers shared by the reclaim subsystem's tests. */
final class ReclaimKit {
    private ReclaimKit() {}

    static final ReclaimSubsystem SUB = new ReclaimSubsystem();
    static final long A = 0x10;

    static Outcome apply(ReclaimState s, int stepId, String op, Object... kv) {
        Outcome o = Execution.applyGuarded(SUB.operation(op), s, new Step(stepId, op, Args.of(kv)));
        assertNotEquals(Outcome.Kind.SKIPPED, o.kind(), op + " skipped: " + o);
        if (o.facts().containsKey("crash")) throw new AssertionError(op + " crashed: " + o);
        return o;
    }

    /**
     * zram (64 pages, SWP_SYNCHRONOUS_IO): pid 1 maps 32 pages and writes them all, makes the first
     * 16 cold (MADV_COLD: no young PTE, no PG_referenced), reads 16 pages
     * of file 1 and 16 of file 2 (direct reclaim and a kswapd wakeup on the way), kswapd runs until
     * it sleeps, then pid 1 writes its first 8 pages again (swap-ins) and reads file 1's first 4
     * pages again (refaults). The result has swap entries, swap cache folios, shadows in page cache
     * and swap slots, and folios on every evictable list.
     */
    static ReclaimState pressured() {
        return pressured(ReclaimConfigs.zram());
    }

    static ReclaimState pressured(MachineConfig c) {
        ReclaimState s = SUB.init(c);
        int id = 0;
        apply(s, id++, "mmap", "pid", 1, "addr", A, "pages", 32);
        apply(s, id++, "touch", "pid", 1, "addr", A, "pages", 32, "value", 2);
        for (int i = 0; i < 16; i++) apply(s, id++, "madvise_cold", "pid", 1, "addr", A + i);
        for (int i = 0; i < 16; i++) apply(s, id++, "file_read", "file", 1, "index", i);
        for (int i = 0; i < 16; i++) apply(s, id++, "file_read", "file", 2, "index", i);
        for (int k = 0; k < 20 && s.reclaim().kswapdRunnable(); k++) apply(s, id++, "kswapd");
        apply(s, id++, "touch", "pid", 1, "addr", A, "pages", 8, "value", 3);
        for (int i = 0; i < 4; i++) apply(s, id++, "file_read", "file", 1, "index", i);
        for (int i = 0; i < 4; i++) apply(s, id++, "file_read", "file", 1, "index", i + 4);
        for (int i = 0; i < 4; i++) apply(s, id++, "file_read", "file", 1, "index", i);
        apply(s, id++, "file_write", "file", 2, "index", 3, "value", 1);
        return s;
    }

    static List<Violation> checkAll(ReclaimState s) {
        List<Violation> out = new ArrayList<>();
        for (Invariant<ReclaimState> inv : SUB.invariants()) inv.check(s, out);
        return out;
    }

    static List<Violation> check(String id, ReclaimState s) {
        List<Violation> out = new ArrayList<>();
        for (Invariant<ReclaimState> inv : SUB.invariants()) if (inv.id().equals(id)) inv.check(s, out);
        return out;
    }

    /** (pid, address, offset) of a swap entry, or null. */
    static long[] swapEntry(ReclaimState s) {
        for (MmStruct mm : s.rmap().tasks().values()) {
            for (Map.Entry<Long, Long> e : mm.pageTable().entrySet()) {
                if (Pte.swap(e.getValue())) return new long[] {mm.pid, e.getKey(), Pte.swpOffset(e.getValue())};
            }
        }
        return null;
    }

    /** A slot holding a shadow, or -1. */
    static long shadowSlot(ReclaimState s) {
        var si = s.reclaim().swapInfo();
        for (long off = 1; off < si.max; off++) if (si.shadowOf(off) != 0) return off;
        return -1;
    }

    /** A page cache folio of file ino, or -1. */
    static long fileFolio(ReclaimState s, int ino) {
        var f = s.reclaim().filemap().folios(ino);
        return f.isEmpty() ? -1 : f.firstEntry().getValue();
    }

    static MachineConfig withBug(MachineConfig c) {
        return c.withKnownBugs(List.of(KnownBug.NONRESIDENT_AGE_ANON.bugName()));
    }
}
