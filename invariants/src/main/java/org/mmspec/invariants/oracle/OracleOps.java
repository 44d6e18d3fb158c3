package org.mmspec.invariants.oracle;

import static org.mmspec.invariants.oracle.OracleState.hex;
import static org.mmspec.invariants.oracle.OracleState.range;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

import org.mmspec.invariants.Violation;
import org.mmspec.invariants.engine.Args;
import org.mmspec.invariants.engine.Operation;
import org.mmspec.invariants.engine.Outcome;
import org.mmspec.invariants.engine.Rng;
import org.mmspec.invariants.oracle.PageAllocatorUnderTest.Migratetype;
import org.mmspec.spec.buddy.BuddySpec;

/**
 * The oracle's operation model: allocate an order (with a migratetype hint), free an earlier
 * allocation by its handle, and, for an implementation that claims to reject them, attempt a bad
 * free. Each apply sends the request, judges the answer against the spec (recording what is wrong
 * in {@link OracleState#pending} under the invariant it breaks), moves the spec along when the
 * answer is allowed, and takes the implementation's snapshot when it offers one.
 */
public final class OracleOps {
    private OracleOps() {}

    public static List<Operation<OracleState>> all() {
        return List.of(new Alloc(), new Free(), new BadFree());
    }

    /** Migratetypes drawn with these weights: what kernels ask for most, first. */
    private static final Migratetype[] MTS = {Migratetype.MOVABLE, Migratetype.UNMOVABLE, Migratetype.RECLAIMABLE};
    private static final double[] MT_WEIGHTS = {50, 40, 10};

    static Migratetype pickMigratetype(Rng rng) {
        double x = rng.nextDouble() * 100;
        for (int i = 0; i < MTS.length; i++) {
            x -= MT_WEIGHTS[i];
            if (x < 0) return MTS[i];
        }
        return MTS[0];
    }

    /** The spec's request for an allocation with no watermarks and no classes: it may fail only when no free block is large enough. */
    static BuddySpec.AllocRequest request(int order) {
        return new BuddySpec.AllocRequest(order, new int[] {0}, new long[] {Long.MIN_VALUE}, ~0, ~0, ~0);
    }

    static void violation(OracleState s, String id, String message, long... pfns) {
        s.pending.add(Violation.of(id, message, pfns));
    }

    // ------------------------------------------------------------------ alloc

    /** alloc(order, migratetype): the implementation hands out 2^order aligned pages, or fails. */
    public static final class Alloc implements Operation<OracleState> {
        @Override
        public String name() {
            return "alloc";
        }

        @Override
        public boolean enabled(OracleState s) {
            return !s.failed;
        }

        @Override
        public Args generate(OracleState s, Rng rng) {
            return Args.of("order", rng.order(s.maxOrder), "migratetype", pickMigratetype(rng).wire());
        }

        @Override
        public List<Args> enumerate(OracleState s) {
            List<Args> out = new ArrayList<>();
            for (int o = 0; o <= s.maxOrder; o++) {
                for (Migratetype mt : MTS) out.add(Args.of("order", o, "migratetype", mt.wire()));
            }
            return out;
        }

        @Override
        public Outcome apply(OracleState s, Args a, int stepId) {
            s.pending.clear();
            int order = a.getInt("order");
            String mtName = a.has("migratetype") ? a.getString("migratetype") : Migratetype.MOVABLE.wire();
            Migratetype mt = Migratetype.parse(mtName);
            if (mt == null) return Outcome.rejected("migratetype '" + mtName + "' is not one of unmovable, movable, reclaimable");
            if (order < 0 || order > s.maxOrder) return Outcome.rejected("order " + order + " is outside 0.." + s.maxOrder);
            if (s.failed) return Outcome.skipped("the implementation failed earlier");
            String req = "alloc(order=" + order + ", migratetype=" + mt.wire() + ")";
            Long answer = s.ask(req, impl -> impl.allocate(order, mt));
            if (answer == null) return protocolOutcome(s);
            long pfn = answer;
            s.history.add(OracleState.Call.alloc(order, mt, pfn < 0 ? -1 : pfn));
            if (pfn < 0) {
                s.failures++;
                long[] b = s.specFreeBlockAtLeast(order);
                if (b != null) {
                    violation(s, OracleInvariants.NO_SPURIOUS_FAILURE, req + " failed although the free block " + hex(b[0])
                            + " of order " + b[1] + " could serve it (" + freePages(s) + " pages free)", b[0]);
                }
                s.takeSnapshot();
                return Outcome.failed("NULL");
            }
            s.allocsByOrder[order]++;
            boolean ok = true;
            if (pfn > s.pages - (1L << order)) {
                violation(s, OracleInvariants.RANGE, req + " returned " + range(pfn, order) + ", which is not inside the "
                        + s.pages + " managed pages [0x0, " + hex(s.pages) + ")", pfn);
                ok = false;
            }
            if ((pfn & ((1L << order) - 1)) != 0) {
                violation(s, OracleInvariants.ALIGN, req + " returned pfn " + hex(pfn) + ", which is not aligned to 2^" + order
                        + " (" + hex(1L << order) + ")", pfn);
                ok = false;
            }
            if (ok) ok = checkFree(s, req, pfn, order);
            if (ok) {
                String v = s.spec.alloc(request(order), pfn, BuddySpec.NORMAL);
                if (v != null) {
                    violation(s, OracleInvariants.OVERLAP, req + ": " + v, pfn);
                    ok = false;
                }
            }
            if (ok) s.addHandle(stepId, pfn, order);
            s.takeSnapshot();
            return Outcome.ok("pfn " + hex(pfn), "pfn", pfn, "order", (long) order, "handle", (long) stepId);
        }

        @Override
        public List<Args> simpler(Args a) {
            List<Args> out = new ArrayList<>();
            int order = a.getInt("order");
            if (order > 0) out.add(a.with("order", order - 1));
            if (order > 1) out.add(a.with("order", 0));
            if (a.has("migratetype") && !a.getString("migratetype").equals(Migratetype.MOVABLE.wire())) {
                out.add(a.with("migratetype", Migratetype.MOVABLE.wire()));
            }
            return out;
        }
    }

    /** ORACLE-OVERLAP: every page of [pfn, pfn + 2^order) was free; names the live allocation it hits. */
    static boolean checkFree(OracleState s, String req, long pfn, int order) {
        for (long p = pfn; p < pfn + (1L << order); p++) {
            long h = s.spec.blockHead(p);
            if (h >= 0 && s.spec.isAllocatedHead(h)) {
                int ho = s.spec.headOrder(h);
                Long handle = s.handleAt(h);
                violation(s, OracleInvariants.OVERLAP, req + " returned " + range(pfn, order) + ", which overlaps the live allocation "
                        + hex(h) + " of order " + ho + (handle != null ? " (handle " + handle + ")" : "")
                        + (p != h ? " at pfn " + hex(p) : ""), pfn, h);
                return false;
            }
        }
        return true;
    }

    static long freePages(OracleState s) {
        return s.pages - s.allocatedPages();
    }

    static Outcome protocolOutcome(OracleState s) {
        String msg = s.pending.isEmpty() ? "the implementation failed" : s.pending.get(s.pending.size() - 1).message();
        return Outcome.failed("no valid answer: " + firstLine(msg), "protocol", firstLine(msg));
    }

    static String firstLine(String s) {
        int i = s.indexOf('\n');
        return i < 0 ? s : s.substring(0, i);
    }

    // ------------------------------------------------------------------ free

    /** free(handle): frees a live allocation exactly as it was handed out. */
    public static final class Free implements Operation<OracleState> {
        @Override
        public String name() {
            return "free";
        }

        @Override
        public double weight() {
            return 0.9;
        }

        @Override
        public boolean enabled(OracleState s) {
            return !s.failed && !s.handles.isEmpty();
        }

        @Override
        public Args generate(OracleState s, Rng rng) {
            if (s.handles.isEmpty()) return null;
            // the free rate of this try: free rarely when filling memory
            if (rng.nextDouble() < s.freeSkip) return null;
            return Args.of("handle", s.randomHandle(rng));
        }

        @Override
        public List<Args> enumerate(OracleState s) {
            List<Args> out = new ArrayList<>();
            for (long h : s.handles.keySet()) out.add(Args.of("handle", h));
            return out;
        }

        @Override
        public Outcome apply(OracleState s, Args a, int stepId) {
            s.pending.clear();
            long h = a.getLong("handle");
            long[] blk = s.handles.get(h);
            if (blk == null) return Outcome.skipped("no live allocation with handle " + h);
            if (s.failed) return Outcome.skipped("the implementation failed earlier");
            return freeLive(s, h, blk[0], (int) blk[1]);
        }

        @Override
        public List<String> handleArgs() {
            return List.of("handle");
        }
    }

    /** Frees the live allocation {@code h} at pfn of this order and judges the answer. */
    static Outcome freeLive(OracleState s, long h, long pfn, int order) {
        String req = "free(pfn=" + hex(pfn) + ", order=" + order + ")";
        List<long[]> before = s.snapshot;
        Boolean accepted = s.ask(req, impl -> impl.free(pfn, order));
        if (accepted == null) return protocolOutcome(s);
        s.history.add(OracleState.Call.free(pfn, order, accepted));
        if (!accepted) {
            violation(s, OracleInvariants.EXACT_FREE, req + " was refused, but it frees exactly the live allocation handle " + h
                    + " handed out" + refusal(s), pfn);
            return Outcome.rejected("refused" + refusal(s));
        }
        String v = s.spec.free(pfn, order);
        if (v != null) throw new IllegalStateException("the oracle's own bookkeeping is wrong: " + v);
        s.removeHandle(h);
        s.takeSnapshot();
        if (before != null && s.snapshot != null) exactFree(s, req, before, s.snapshot, pfn, order);
        return Outcome.ok("freed pfn " + hex(pfn) + " order " + order, "pfn", pfn, "order", (long) order);
    }

    /** The error text of the last refused request, from a program that gives one. */
    static String refusal(OracleState s) {
        String e = s.impl instanceof ProcessAllocator p ? p.lastError() : null;
        return e == null || e.isEmpty() ? "" : " (\"" + e + "\")";
    }

    /**
     * ORACLE-EXACT-FREE with a snapshot: the free pages after the free are the free pages before
     * it plus exactly [pfn, pfn + 2^order).
     */
    static void exactFree(OracleState s, String req, List<long[]> before, List<long[]> after, long pfn, int order) {
        BitSet b = pagesOf(before, s.pages);
        BitSet a = pagesOf(after, s.pages);
        BitSet expected = (BitSet) b.clone();
        expected.set((int) pfn, (int) (pfn + (1L << order)));
        if (expected.equals(a)) return;
        BitSet extra = (BitSet) a.clone();
        extra.andNot(expected);
        BitSet missing = (BitSet) expected.clone();
        missing.andNot(a);
        StringBuilder sb = new StringBuilder(req + " should add exactly " + range(pfn, order) + " to the free pages, but");
        List<Long> red = new ArrayList<>();
        red.add(pfn);
        if (!missing.isEmpty()) {
            sb.append(" the snapshot no longer lists ").append(pfnList(missing));
            red.add((long) missing.nextSetBit(0));
        }
        if (!extra.isEmpty()) {
            if (!missing.isEmpty()) sb.append(" and");
            sb.append(" it also lists ").append(pfnList(extra)).append(" as free");
            int p = extra.nextSetBit(0);
            Long hh = s.handleContaining(p);
            if (hh != null) sb.append(" (").append(hex(p)).append(" is in the live allocation handle ").append(hh).append(")");
            red.add((long) p);
        }
        long[] r = new long[red.size()];
        for (int i = 0; i < r.length; i++) r[i] = red.get(i);
        violation(s, OracleInvariants.EXACT_FREE, sb.toString(), r);
    }

    /** The pages the blocks cover (those inside [0, pages)). */
    static BitSet pagesOf(List<long[]> blocks, long pages) {
        BitSet bs = new BitSet((int) pages);
        for (long[] b : blocks) {
            if (b[0] < 0 || b[0] >= pages || b[1] < 0 || b[1] > 40) continue;
            long end = Math.min(pages, b[0] + (1L << b[1]));
            bs.set((int) b[0], (int) end);
        }
        return bs;
    }

    /** {@code 0x3, 0x8-0xb} (at most 4 runs). */
    static String pfnList(BitSet bs) {
        StringBuilder sb = new StringBuilder();
        int runs = 0;
        for (int p = bs.nextSetBit(0); p >= 0; ) {
            int end = bs.nextClearBit(p);
            if (runs == 4) {
                sb.append(", ...");
                break;
            }
            if (runs > 0) sb.append(", ");
            sb.append(hex(p));
            if (end - 1 > p) sb.append('-').append(hex(end - 1));
            runs++;
            p = bs.nextSetBit(end);
        }
        return sb.toString();
    }

    // ------------------------------------------------------------------ bad free

    /**
     * free(pfn, order) of something that is not a live allocation: a double free, a tail page, a
     * wrong order, an order above max_order, a pfn outside the managed pages. Drawn only for an
     * implementation that claims to reject bad frees: it must refuse, and change nothing. If the
     * draw names a live block exactly, it is an ordinary free.
     */
    public static final class BadFree implements Operation<OracleState> {
        @Override
        public String name() {
            return "bad_free";
        }

        @Override
        public double weight() {
            return 0.05;
        }

        @Override
        public boolean enabled(OracleState s) {
            return !s.failed && s.claims != null && s.claims.rejectsBadFrees();
        }

        @Override
        public Args generate(OracleState s, Rng rng) {
            int kind = rng.nextInt(5);
            long pfn;
            int order;
            if (kind == 0 && !s.handles.isEmpty()) {
                long[] blk = s.handles.get(s.randomHandle(rng));
                pfn = blk[0];
                order = (int) ((blk[1] + 1 + rng.nextInt(Math.max(1, s.maxOrder))) % (s.maxOrder + 1));
            } else if (kind == 1 && !s.handles.isEmpty()) {
                long[] blk = s.handles.get(s.randomHandle(rng));
                pfn = blk[0] + (blk[1] == 0 ? 0 : 1 + rng.nextInt((1 << blk[1]) - 1));
                order = 0;
            } else if (kind == 2) {
                pfn = rng.nextInt((int) s.pages);
                order = s.maxOrder + 1 + rng.nextInt(3);
            } else if (kind == 3) {
                pfn = s.pages + rng.nextInt(1024);
                order = rng.order(s.maxOrder);
            } else {
                // anywhere: mostly a free page (a double free)
                pfn = rng.nextInt((int) s.pages);
                order = rng.order(s.maxOrder);
            }
            return Args.of("pfn", pfn, "order", order);
        }

        @Override
        public List<Args> enumerate(OracleState s) {
            if (!enabled(s)) return List.of();
            List<Args> out = new ArrayList<>();
            for (long[] b : s.handles.values()) {
                if (b[1] < s.maxOrder) out.add(Args.of("pfn", b[0], "order", b[1] + 1));
            }
            List<long[]> free = s.specFreeBlocks();
            if (!free.isEmpty()) out.add(Args.of("pfn", free.get(0)[0], "order", 0));
            return out;
        }

        @Override
        public Outcome apply(OracleState s, Args a, int stepId) {
            s.pending.clear();
            long pfn = a.getLong("pfn");
            int order = a.getInt("order");
            if (pfn < 0) return Outcome.rejected("pfn " + pfn + " is negative");
            if (order < 0 || order > 62) return Outcome.rejected("order " + order + " is outside 0..62");
            if (s.failed) return Outcome.skipped("the implementation failed earlier");
            Long h = s.handleAt(pfn);
            if (h != null && s.handles.get(h)[1] == order) return freeLive(s, h, pfn, order);
            if (s.claims == null || !s.claims.rejectsBadFrees()) {
                return Outcome.skipped("the implementation does not claim to reject bad frees");
            }
            String req = "free(pfn=" + hex(pfn) + ", order=" + order + ")";
            String why = whyBad(s, pfn, order);
            List<long[]> before = s.snapshot;
            Boolean accepted = s.ask(req, impl -> impl.free(pfn, order));
            if (accepted == null) return protocolOutcome(s);
            s.history.add(OracleState.Call.free(pfn, order, accepted));
            if (accepted) {
                violation(s, OracleInvariants.BAD_FREE, req + " was accepted, but " + why, pfn);
                s.takeSnapshot();
                return Outcome.ok("accepted", "pfn", pfn, "order", (long) order);
            }
            s.badFreesRefused++;
            s.takeSnapshot();
            if (before != null && s.snapshot != null && !sameBlocks(before, s.snapshot)) {
                BitSet b = pagesOf(before, s.pages);
                BitSet n = pagesOf(s.snapshot, s.pages);
                BitSet diff = (BitSet) b.clone();
                diff.xor(n);
                violation(s, OracleInvariants.BAD_FREE, req + " was refused (" + why + ") but changed the free blocks"
                        + (diff.isEmpty() ? "" : " at " + pfnList(diff)), diff.isEmpty() ? pfn : diff.nextSetBit(0));
            }
            return Outcome.rejected("refused" + refusal(s) + ": " + why);
        }

        @Override
        public List<Args> simpler(Args a) {
            int order = a.getInt("order");
            return order > 0 ? List.of(a.with("order", 0)) : List.of();
        }
    }

    static boolean sameBlocks(List<long[]> x, List<long[]> y) {
        if (x.size() != y.size()) return false;
        for (int i = 0; i < x.size(); i++) if (x.get(i)[0] != y.get(i)[0] || x.get(i)[1] != y.get(i)[1]) return false;
        return true;
    }

    /** Why a free of (pfn, order) is bad, in words. */
    static String whyBad(OracleState s, long pfn, int order) {
        if (pfn >= s.pages) return "pfn " + hex(pfn) + " is outside the managed pages [0x0, " + hex(s.pages) + ")";
        if (order > s.maxOrder) return "order " + order + " is above max_order " + s.maxOrder;
        Long h = s.handleAt(pfn);
        if (h != null) return "the live allocation at " + hex(pfn) + " (handle " + h + ") has order " + s.handles.get(h)[1] + ", not " + order;
        Long in = s.handleContaining(pfn);
        if (in != null) {
            long[] b = s.handles.get(in);
            return "pfn " + hex(pfn) + " lies inside the live allocation " + hex(b[0]) + " of order " + b[1] + " (handle " + in + ")";
        }
        return "pfn " + hex(pfn) + " is free (a double free)";
    }
}
