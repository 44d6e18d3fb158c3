package org.mmspec.invariants.buddy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.mmspec.invariants.Violation;
import org.mmspec.invariants.engine.Args;
import org.mmspec.invariants.engine.Operation;
import org.mmspec.invariants.engine.Outcome;
import org.mmspec.invariants.engine.Rng;
import org.mmspec.reference.Machine;
import org.mmspec.reference.alloc.Gfp;
import org.mmspec.reference.alloc.Node;
import org.mmspec.reference.alloc.PageIsolation;
import org.mmspec.reference.alloc.RejectedOperationException;
import org.mmspec.reference.alloc.Zone;
import org.mmspec.spec.buddy.BuddySpec;

/**
 * The buddy allocator's operation model: allocate with a gfp mask and an order, free an earlier
 * allocation by its handle, attempt a bad free, isolate and unisolate a pageblock, write a vm
 * sysctl. Each apply drives the reference and then the spec with the reference's outcome, and
 * leaves what the spec rejects in {@link BuddyState#pending} for BUDDY-REFINEMENT.
 */
public final class BuddyOps {
    private BuddyOps() {}

    public static final String REFINEMENT = "BUDDY-REFINEMENT";
    public static final String REJECT_UNCHANGED = "BUDDY-REJECT-UNCHANGED";

    /** The gfp masks the model draws from, with their weights: what kernels ask for most, first. */
    public static final List<String> GFPS = List.of(
            "GFP_KERNEL", "GFP_HIGHUSER_MOVABLE", "GFP_KERNEL|__GFP_RECLAIMABLE", "GFP_ATOMIC", "GFP_NOWAIT",
            "GFP_KERNEL|__GFP_DMA32", "GFP_DMA", "GFP_TRANSHUGE_LIGHT", "GFP_KERNEL|__GFP_NORETRY",
            "GFP_HIGHUSER_MOVABLE|__GFP_RETRY_MAYFAIL");
    private static final double[] GFP_WEIGHTS = {30, 30, 10, 10, 5, 4, 6, 3, 3, 2};

    public static List<Operation<BuddyState>> all() {
        return List.of(new Alloc(), new Free(), new BadFree(), new IsolateRange(), new UndoIsolateRange(), new Sysctl());
    }

    static String pickGfp(Rng rng) {
        double total = 0;
        for (double w : GFP_WEIGHTS) total += w;
        double x = rng.nextDouble() * total;
        for (int i = 0; i < GFPS.size(); i++) {
            x -= GFP_WEIGHTS[i];
            if (x < 0) return GFPS.get(i);
        }
        return GFPS.get(0);
    }

    /**
     * After an operation: give the spec the reference's pageblock classes. {@code allowed} says
     * which class changes this operation may make (a mask of from*4+to pairs); others are
     * refinement violations.
     */
    static void syncClasses(BuddyState s, String opName, long allowedMask) {
        Node node = s.node();
        if (node.pageblockWrites() == s.syncedPageblockWrites) return;
        s.syncedPageblockWrites = node.pageblockWrites();
        int[] classes = BuddyAbstraction.classes(node);
        long base = node.mem.basePfn();
        int pbo = node.pageblockOrder();
        boolean changed = false;
        for (int b = 0; b < classes.length; b++) {
            if (classes[b] < 0) continue;
            long pfn = base + ((long) b << pbo);
            int old = s.spec.classOf(pfn);
            if (old != classes[b]) {
                changed = true;
                if ((allowedMask & (1L << (old * 4 + classes[b]))) == 0) {
                    s.pending.add(Violation.of(REFINEMENT, opName + " changed the pageblock at 0x" + Long.toHexString(pfn)
                            + " from " + BuddySpec.CLASS_NAMES[old] + " to " + BuddySpec.CLASS_NAMES[classes[b]]
                            + ", which the spec does not allow", pfn));
                }
                s.spec.retype(pfn, classes[b]);
            }
        }
        if (changed) s.spec.noteDeferredMerges();
    }

    static long pair(int from, int to) {
        return 1L << (from * 4 + to);
    }

    /** Allocations may reserve a pageblock for highatomic use and give one back; nothing else. */
    static final long ALLOC_RETYPES = pair(BuddySpec.NORMAL, BuddySpec.HIGHATOMIC) | pair(BuddySpec.HIGHATOMIC, BuddySpec.NORMAL);

    static void specCheck(BuddyState s, String violation, long... pfns) {
        if (violation != null) s.pending.add(Violation.of(REFINEMENT, violation, pfns));
    }

    // ------------------------------------------------------------------ alloc

    /** alloc_pages(gfp, order). */
    public static final class Alloc implements Operation<BuddyState> {
        @Override
        public String name() {
            return "alloc";
        }

        @Override
        public double weight() {
            return 1.0;
        }

        @Override
        public boolean enabled(BuddyState s) {
            return true;
        }

        @Override
        public Args generate(BuddyState s, Rng rng) {
            int max = s.machine.config().maxPageOrder();
            return Args.of("gfp", pickGfp(rng), "order", rng.order(max));
        }

        /** Every gfp mask of the state's domain with every order 0..MAX_PAGE_ORDER. */
        @Override
        public List<Args> enumerate(BuddyState s) {
            if (s.allocArgs == null) s.allocArgs = s.domain.allocArgs(s.machine.config().maxPageOrder());
            return s.allocArgs;
        }

        @Override
        public Outcome apply(BuddyState s, Args a, int stepId) {
            s.pending.clear();
            String gfpName = a.getString("gfp");
            int order = a.getInt("order");
            int gfp;
            try {
                gfp = Gfp.parse(gfpName);
            } catch (IllegalArgumentException e) {
                throw new RejectedOperationException(e.getMessage());
            }
            if (order < 0 || order > s.machine.config().maxPageOrder()) {
                return rejectUnchanged(s, () -> s.machine.allocPages(gfp, order));
            }
            try {
                Gfp.validate(gfp);
            } catch (IllegalArgumentException e) {
                return rejectUnchanged(s, () -> s.machine.allocPages(gfp, order));
            }
            BuddySpec.AllocRequest pre = BuddyAbstraction.request(s.machine, gfp, order);
            long pfn = s.machine.allocPages(gfp, order);
            int postClass = pfn >= 0 ? BuddyAbstraction.specClass(s.node(), pfn) : 0;
            if (pfn >= 0) {
                specCheck(s, s.spec.alloc(pre, pfn, postClass), pfn);
                s.addHandle(stepId, pfn, order);
            }
            syncClasses(s, "alloc", ALLOC_RETYPES);
            if (pfn < 0) {
                specCheck(s, s.spec.failurePermitted(BuddyAbstraction.request(s.machine, gfp, order)));
                return Outcome.failed("NULL");
            }
            return Outcome.ok("pfn 0x" + Long.toHexString(pfn), "pfn", pfn, "order", order, "handle", stepId);
        }

        @Override
        public List<Args> simpler(Args a) {
            List<Args> out = new ArrayList<>();
            int order = a.getInt("order");
            if (order > 0) out.add(a.with("order", order - 1));
            if (order > 1) out.add(a.with("order", 0));
            String g = a.getString("gfp");
            if (!g.equals("GFP_KERNEL")) out.add(a.with("gfp", "GFP_KERNEL"));
            return out;
        }
    }

    // ------------------------------------------------------------------ free

    /** __free_pages(page, order) of a live allocation, named by its handle. */
    public static final class Free implements Operation<BuddyState> {
        @Override
        public String name() {
            return "free";
        }

        @Override
        public double weight() {
            return 0.9;
        }

        @Override
        public boolean enabled(BuddyState s) {
            return !s.handles.isEmpty();
        }

        @Override
        public Args generate(BuddyState s, Rng rng) {
            if (s.handles.isEmpty()) return null;
            // the alloc/free bias of this try: free less often when filling memory
            if (rng.nextDouble() < s.allocBias - 0.5) return null;
            return Args.of("handle", s.randomHandle(rng));
        }

        @Override
        public List<Args> enumerate(BuddyState s) {
            List<Args> out = new ArrayList<>();
            for (long h : s.handles.keySet()) out.add(Args.of("handle", h));
            return out;
        }

        @Override
        public Outcome apply(BuddyState s, Args a, int stepId) {
            s.pending.clear();
            long h = a.getLong("handle");
            long[] blk = s.handles.get(h);
            if (blk == null) return Outcome.skipped("no live allocation with handle " + h);
            s.machine.freePages(blk[0], (int) blk[1]);
            s.removeHandle(h);
            specCheck(s, s.spec.free(blk[0], (int) blk[1]), blk[0]);
            syncClasses(s, "free", 0);
            return Outcome.ok("freed pfn 0x" + Long.toHexString(blk[0]) + " order " + blk[1], "pfn", blk[0], "order", blk[1]);
        }

        @Override
        public List<String> handleArgs() {
            return List.of("handle");
        }
    }

    // ------------------------------------------------------------------ bad free

    /**
     * __free_pages() of something that is not an allocated block of that order: a double free, a
     * tail page, a wrong order, a hole, a pfn outside every zone. It must be rejected with the
     * state unchanged; if the draw happens to name a live block exactly, it is an ordinary free.
     */
    public static final class BadFree implements Operation<BuddyState> {
        @Override
        public String name() {
            return "bad_free";
        }

        @Override
        public double weight() {
            return 0.05;
        }

        @Override
        public boolean enabled(BuddyState s) {
            return true;
        }

        @Override
        public Args generate(BuddyState s, Rng rng) {
            Machine m = s.machine;
            long base = m.mem().basePfn();
            int nr = m.mem().nrPages();
            int max = m.config().maxPageOrder();
            int kind = rng.nextInt(5);
            long pfn;
            int order;
            if (kind == 0 && !s.handles.isEmpty()) {
                // a live block with the wrong order
                long[] blk = s.handles.get(s.randomHandle(rng));
                pfn = blk[0];
                order = (int) ((blk[1] + 1 + rng.nextInt(max)) % (max + 1));
            } else if (kind == 1 && !s.handles.isEmpty()) {
                // a tail page of a live block
                long[] blk = s.handles.get(s.randomHandle(rng));
                pfn = blk[0] + (blk[1] == 0 ? 0 : 1 + rng.nextInt((1 << blk[1]) - 1));
                order = 0;
            } else if (kind == 2) {
                // order above MAX_PAGE_ORDER
                pfn = base + rng.nextInt(nr);
                order = max + 1 + rng.nextInt(3);
            } else if (kind == 3) {
                // outside the node
                pfn = base + nr + rng.nextInt(1024);
                order = rng.order(max);
            } else {
                // anywhere: mostly free pages (a double free) or holes
                pfn = base + rng.nextInt(nr);
                order = rng.order(max);
            }
            return Args.of("pfn", pfn, "order", order);
        }

        @Override
        public List<Args> enumerate(BuddyState s) {
            return List.of();
        }

        @Override
        public Outcome apply(BuddyState s, Args a, int stepId) {
            s.pending.clear();
            long pfn = a.getLong("pfn");
            int order = a.getInt("order");
            Long h = s.handleAt(pfn);
            if (h != null && s.handles.get(h)[1] == order) {
                // it is a live block after all: an ordinary free
                s.machine.freePages(pfn, order);
                s.removeHandle(h);
                specCheck(s, s.spec.free(pfn, order), pfn);
                syncClasses(s, "free", 0);
                return Outcome.ok("freed pfn 0x" + Long.toHexString(pfn) + " order " + order, "pfn", pfn, "order", order);
            }
            return rejectUnchanged(s, () -> s.machine.freePages(pfn, order));
        }

        @Override
        public List<Args> simpler(Args a) {
            int order = a.getInt("order");
            return order > 0 ? List.of(a.with("order", 0)) : List.of();
        }
    }

    /**
     * Runs an operation that must be rejected: if it is, checks nothing changed; if it is not,
     * that is itself a violation (the reference accepted bad input).
     */
    static Outcome rejectUnchanged(BuddyState s, Runnable op) {
        long before = s.machine.fingerprint();
        try {
            op.run();
        } catch (RejectedOperationException e) {
            long after = s.machine.fingerprint();
            if (after != before) {
                s.pending.add(Violation.of(REJECT_UNCHANGED, "the rejected operation changed the state: " + firstLine(e.getMessage())));
            }
            return Outcome.rejected(e.getMessage());
        }
        s.pending.add(Violation.of(REJECT_UNCHANGED, "the reference accepted an operation it must reject"));
        return Outcome.ok("accepted");
    }

    static String firstLine(String s) {
        int i = s.indexOf('\n');
        return i < 0 ? s : s.substring(0, i);
    }

    // ------------------------------------------------------------------ isolation

    /** Pageblock-aligned [start, end) of a range to isolate, drawn inside one zone. */
    static long[] drawRange(BuddyState s, Rng rng) {
        Node node = s.node();
        List<Zone> zones = new ArrayList<>();
        for (Zone z : node.zones) if (z.managedPages > 0) zones.add(z);
        if (zones.isEmpty()) return null;
        Zone z = zones.get(rng.nextInt(zones.size()));
        long pbn = s.machine.pageAlloc().pageblock_nr_pages;
        long first = (z.zoneStartPfn + pbn - 1) / pbn * pbn;
        long last = z.zoneEndPfn() / pbn * pbn; // exclusive, aligned
        if (last <= first) return null;
        long blocks = (last - first) / pbn;
        long start = first + pbn * rng.nextInt((int) blocks);
        int nr = 1 + Math.min(rng.order(3), (int) ((last - start) / pbn) - 1);
        return new long[] {start, start + nr * pbn};
    }

    /** Whether [start, end) overlaps or abuts a range already isolated. */
    static boolean touchesIsolated(BuddyState s, long start, long end) {
        for (long[] r : s.isolated.values()) if (start <= r[1] && r[0] <= end) return true;
        return false;
    }

    /**
     * start_isolate_page_range(start, end, mode), as alloc_contig_range() and offline_pages() call
     * it. By default the model keeps isolated ranges apart (never abutting): two users isolating
     * abutting ranges reach a v6.18 behaviour that spec/README.md describes ("Isolation of abutting
     * ranges"); the option {@code adjacentIsolation} draws such ranges too.
     */
    public static final class IsolateRange implements Operation<BuddyState> {
        @Override
        public String name() {
            return "isolate_range";
        }

        @Override
        public double weight() {
            return 0.06;
        }

        @Override
        public boolean enabled(BuddyState s) {
            return true;
        }

        @Override
        public Args generate(BuddyState s, Rng rng) {
            long[] r = drawRange(s, rng);
            if (r == null) return null;
            if (!s.adjacentIsolation && touchesIsolated(s, r[0], r[1])) return null;
            return Args.of("start_pfn", r[0], "end_pfn", r[1], "mode", PageIsolation.MODE_NAMES[rng.nextInt(3)]);
        }

        /**
         * Every range of 1..domain.isolatePageblocks() whole pageblocks inside one zone (away from
         * isolated ranges unless adjacentIsolation), in mode OTHER, and CMA_ALLOC too where the
         * zone has CMA pageblocks; nothing when the domain does not isolate.
         */
        @Override
        public List<Args> enumerate(BuddyState s) {
            List<Args> out = new ArrayList<>();
            if (!s.domain.isolation()) return out;
            long pbn = s.machine.pageAlloc().pageblock_nr_pages;
            for (Zone z : s.node().zones) {
                if (z.managedPages == 0) continue;
                boolean cma = false;
                for (org.mmspec.reference.alloc.ZoneConfig zc : s.machine.config().zones()) {
                    if (zc.type() == z.type && !zc.cma().isEmpty()) cma = true;
                }
                long first = (z.zoneStartPfn + pbn - 1) / pbn * pbn;
                for (long p = first; p + pbn <= z.zoneEndPfn(); p += pbn) {
                    for (int k = 1; k <= s.domain.isolatePageblocks() && p + k * pbn <= z.zoneEndPfn(); k++) {
                        long end = p + k * pbn;
                        if (!s.adjacentIsolation && touchesIsolated(s, p, end)) continue;
                        out.add(Args.of("start_pfn", p, "end_pfn", end, "mode", "OTHER"));
                        if (cma) out.add(Args.of("start_pfn", p, "end_pfn", end, "mode", "CMA_ALLOC"));
                    }
                }
            }
            return out;
        }

        @Override
        public Outcome apply(BuddyState s, Args a, int stepId) {
            s.pending.clear();
            long start = a.getLong("start_pfn");
            long end = a.getLong("end_pfn");
            int mode = PageIsolation.parseMode(a.getString("mode"));
            long pbn = s.machine.pageAlloc().pageblock_nr_pages;
            Zone z = s.node().pageZone(start);
            if (end <= start || (start & (pbn - 1)) != 0 || (end & (pbn - 1)) != 0 || z == null || !z.spansPfn(start)
                    || !z.spansPfn(end - 1)) {
                return rejectUnchanged(s, () -> {
                    int r = s.machine.startIsolatePageRange(start, end, mode);
                    if (r == 0) s.machine.undoIsolatePageRange(start, end);
                    throw new RejectedOperationException("isolate_range: [0x" + Long.toHexString(start) + ", 0x"
                            + Long.toHexString(end) + ") is not whole pageblocks inside one zone");
                });
            }
            int ret = s.machine.startIsolatePageRange(start, end, mode);
            specCheck(s, s.spec.isolateRange(start, end, ret == 0), start);
            syncClasses(s, "isolate_range", 0);
            if (ret != 0) return Outcome.failed("-EBUSY");
            s.isolated.put((long) stepId, new long[] {start, end});
            return Outcome.ok("isolated", "start_pfn", start, "end_pfn", end, "handle", stepId);
        }

        @Override
        public List<Args> simpler(Args a) {
            List<Args> out = new ArrayList<>();
            if (!a.getString("mode").equals("OTHER")) out.add(a.with("mode", "OTHER"));
            return out;
        }
    }

    /** undo_isolate_page_range() of a range this run isolated, named by its handle. */
    public static final class UndoIsolateRange implements Operation<BuddyState> {
        @Override
        public String name() {
            return "undo_isolate_range";
        }

        @Override
        public double weight() {
            return 0.15;
        }

        @Override
        public boolean enabled(BuddyState s) {
            return !s.isolated.isEmpty();
        }

        @Override
        public Args generate(BuddyState s, Rng rng) {
            if (s.isolated.isEmpty()) return null;
            List<Long> hs = new ArrayList<>(s.isolated.keySet());
            return Args.of("handle", hs.get(rng.nextInt(hs.size())));
        }

        @Override
        public List<Args> enumerate(BuddyState s) {
            List<Args> out = new ArrayList<>();
            for (long h : s.isolated.keySet()) out.add(Args.of("handle", h));
            return out;
        }

        @Override
        public Outcome apply(BuddyState s, Args a, int stepId) {
            s.pending.clear();
            long h = a.getLong("handle");
            long[] r = s.isolated.get(h);
            if (r == null) return Outcome.skipped("no isolated range with handle " + h);
            s.machine.undoIsolatePageRange(r[0], r[1]);
            s.isolated.remove(h);
            specCheck(s, s.spec.undoIsolateRange(r[0], r[1], pfn -> BuddyAbstraction.specClass(s.node(), pfn)), r[0]);
            syncClasses(s, "undo_isolate_range", 0);
            return Outcome.ok("unisolated [0x" + Long.toHexString(r[0]) + ", 0x" + Long.toHexString(r[1]) + ")",
                    "start_pfn", r[0], "end_pfn", r[1]);
        }

        @Override
        public List<String> handleArgs() {
            return List.of("handle");
        }
    }

    // ------------------------------------------------------------------ sysctl

    /** echo VALUE &gt; /proc/sys/vm/NAME. */
    public static final class Sysctl implements Operation<BuddyState> {
        @Override
        public String name() {
            return "sysctl";
        }

        @Override
        public double weight() {
            return 0.02;
        }

        @Override
        public boolean enabled(BuddyState s) {
            return true;
        }

        @Override
        public Args generate(BuddyState s, Rng rng) {
            // watermark_boost_factor is left alone: lowering it leaves a larger boost standing, which
            // the kernel allows and BOOST-BOUNDS (stated for a fixed factor) would report
            return switch (rng.nextInt(3)) {
                case 0 -> Args.of("name", "min_free_kbytes", "value", String.valueOf(rng.nextInt(1024)));
                case 1 -> Args.of("name", "watermark_scale_factor", "value", String.valueOf(1 + rng.nextInt(1000)));
                default -> Args.of("name", "lowmem_reserve_ratio", "value",
                        (1 + rng.nextInt(512)) + " " + (1 + rng.nextInt(512)) + " " + rng.nextInt(64) + " 0 0");
            };
        }

        @Override
        public List<Args> enumerate(BuddyState s) {
            return List.of();
        }

        @Override
        public Outcome apply(BuddyState s, Args a, int stepId) {
            s.pending.clear();
            String name = a.getString("name");
            String value = a.getString("value");
            long before = s.machine.fingerprint();
            try {
                s.machine.writeSysctl(name, value);
            } catch (RejectedOperationException e) {
                if (s.machine.fingerprint() != before) {
                    s.pending.add(Violation.of(REJECT_UNCHANGED, "the rejected sysctl write changed the state: " + e.getMessage()));
                }
                return Outcome.rejected(e.getMessage());
            }
            return Outcome.ok("vm." + name + " = " + value);
        }
    }

    /** The situations a finished run covered, from the allocator's own counters. */
    public static Map<String, Long> situations(BuddyState s) {
        return s.machine.stats().figures();
    }
}
