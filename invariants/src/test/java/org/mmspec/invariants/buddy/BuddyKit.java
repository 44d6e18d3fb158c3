package org.mmspec.invariants.buddy;

import java.util.ArrayList;
import java.util.List;

import org.mmspec.invariants.Invariant;
import org.mmspec.invariants.Violation;
import org.mmspec.invariants.engine.Args;
import org.mmspec.invariants.engine.Execution;
import org.mmspec.invariants.engine.Operation;
import org.mmspec.invariants.engine.Outcome;
import org.mmspec.invariants.engine.Step;
import org.mmspec.reference.alloc.MigrateType;
import org.mmspec.reference.alloc.Zone;
import org.mmspec.reference.page.MemMap;
import org.mmspec.reference.page.PageFlags;

/**
 * Test helpers for the buddy subsystem: boot a state, drive it through the operation model (so
 * the spec follows the reference exactly as in a run), run one invariant by ID, and make the
 * small, targeted corruptions the non-vacuity tests need. Only the public API is used.
 */
public final class BuddyKit {
    private BuddyKit() {}

    public static final BuddySubsystem SUB = new BuddySubsystem();

    public static Invariant<BuddyState> invariant(String id) {
        for (Invariant<BuddyState> inv : BuddyInvariants.all()) if (inv.id().equals(id)) return inv;
        throw new IllegalArgumentException("no invariant " + id + " in BuddyInvariants.all()");
    }

    /** What the invariant {@code id} reports on {@code s}. */
    public static List<Violation> check(String id, BuddyState s) {
        List<Violation> out = new ArrayList<>();
        invariant(id).check(s, out);
        return out;
    }

    /** What every buddy invariant reports on {@code s}. */
    public static List<Violation> checkAll(BuddyState s) {
        List<Violation> out = new ArrayList<>();
        for (Invariant<BuddyState> inv : BuddyInvariants.all()) inv.check(s, out);
        return out;
    }

    /** Applies one operation of the model as the explorers do (rejections and crashes become outcomes). */
    public static Outcome apply(BuddySubsystem sub, BuddyState s, int stepId, String op, Args args) {
        Operation<BuddyState> o = sub.operation(op);
        if (o == null) throw new IllegalArgumentException("no operation " + op);
        return Execution.applyGuarded(o, s, new Step(stepId, op, args));
    }

    public static Outcome apply(BuddyState s, int stepId, String op, Args args) {
        return apply(SUB, s, stepId, op, args);
    }

    /** alloc(gfp, order) as step {@code stepId}; returns the pfn handed out, or -1. */
    public static long alloc(BuddySubsystem sub, BuddyState s, int stepId, String gfp, int order) {
        Outcome out = apply(sub, s, stepId, "alloc", Args.of("gfp", gfp, "order", order));
        return out.kind() == Outcome.Kind.OK ? (Long) out.facts().get("pfn") : -1;
    }

    public static long alloc(BuddyState s, int stepId, String gfp, int order) {
        return alloc(SUB, s, stepId, gfp, order);
    }

    public static Step alloc(int id, String gfp, int order) {
        return new Step(id, "alloc", Args.of("gfp", gfp, "order", order));
    }

    public static Step free(int id, long handle) {
        return new Step(id, "free", Args.of("handle", handle));
    }

    public static Step isolate(int id, long start, long end) {
        return new Step(id, "isolate_range", Args.of("start_pfn", start, "end_pfn", end, "mode", "OTHER"));
    }

    public static Step undoIsolate(int id, long handle) {
        return new Step(id, "undo_isolate_range", Args.of("handle", handle));
    }

    public static Step badFree(int id, long pfn, int order) {
        return new Step(id, "bad_free", Args.of("pfn", pfn, "order", order));
    }

    /** A state of {@code tiny} after one movable order-0 allocation: pfn 0 allocated; free 0x1/0, 0x2/1, 0x4/2, 0x8/3. */
    public static BuddyState tinyAfterOneAlloc() {
        BuddyState s = SUB.init(BuddyConfigs.tiny());
        long pfn = alloc(s, 0, "GFP_HIGHUSER_MOVABLE", 0);
        if (pfn != 0) throw new AssertionError("expected the lowest pfn, got " + pfn);
        return s;
    }

    public static int idx(BuddyState s, long pfn) {
        return s.machine.mem().idx(pfn);
    }

    public static Zone zoneOf(BuddyState s, long pfn) {
        return s.node().pageZone(pfn);
    }

    /**
     * Splits the free block headed at {@code pfn} into its two halves, both left free on the same
     * free list and every counter kept right: a missed merge and nothing else.
     */
    public static void splitFreeBlock(BuddyState s, long pfn) {
        MemMap mem = s.machine.mem();
        int page = mem.idx(pfn);
        if (!mem.pageBuddy(page)) throw new IllegalArgumentException("pfn 0x" + Long.toHexString(pfn) + " is not free");
        int order = mem.order[page];
        if (order == 0) throw new IllegalArgumentException("cannot split an order-0 block");
        Zone z = zoneOf(s, pfn);
        int mt = z.pageblockMigratetype(pfn);
        int pbo = s.machine.config().pageblockOrder();
        int upper = page + (1 << (order - 1));
        mem.listDel(page);
        z.nrFree[order]--;
        mem.order[page] = (byte) (order - 1);
        mem.order[upper] = (byte) (order - 1);
        mem.flags[upper] |= PageFlags.PGTY_buddy;
        mem.listAddTail(page, z.list(order - 1, mt));
        mem.listAddTail(upper, z.list(order - 1, mt));
        z.nrFree[order - 1] += 2;
        if (order >= pbo && order - 1 < pbo && mt != MigrateType.MIGRATE_ISOLATE) z.nrFreePagesBlocks -= 1L << order;
    }

    public static String describe(List<Step> steps, List<Outcome> outcomes) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < steps.size(); i++) {
            sb.append("\n  ").append(i).append(": ").append(steps.get(i));
            if (outcomes != null && i < outcomes.size()) sb.append(" -> ").append(outcomes.get(i));
        }
        return sb.toString();
    }
}
