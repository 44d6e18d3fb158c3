package org.mmspec.invariants.reclaim;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.mmspec.invariants.Violation;
import org.mmspec.invariants.engine.Args;
import org.mmspec.invariants.engine.Operation;
import org.mmspec.invariants.engine.Outcome;
import org.mmspec.invariants.engine.Rng;
import org.mmspec.invariants.rmap.RmapOps;
import org.mmspec.invariants.rmap.RmapState;
import org.mmspec.reference.alloc.Gfp;
import org.mmspec.reference.alloc.RejectedOperationException;
import org.mmspec.reference.alloc.ZoneType;
import org.mmspec.reference.page.PageFlags;
import org.mmspec.reference.reclaim.Filemap;
import org.mmspec.reference.reclaim.Lruvec;
import org.mmspec.reference.reclaim.Reclaim;

/**
 * The reclaim subsystem's operation model, one class per action. Processes touch their
 * anonymous memory with the reverse map's own operations ({@code mmap}, {@code munmap},
 * {@code read}, {@code write}, {@code fork}, {@code exit}: allocations under pressure, accesses that
 * make PTEs young, refaults from swap); files are read and written a page at a time
 * ({@code file_read}, {@code file_write}); the flusher starts writeback of a file's dirty pages
 * ({@code flush}) and each write I/O completes as its own step ({@code writeback_end}); kswapd runs
 * once woken ({@code kswapd}); a driver allocates and frees kernel pages ({@code alloc},
 * {@code free}), which adds pressure in the zones user pages do not use. Direct reclaim happens
 * inside any allocation that falls below the min watermark.
 *
 * <p>Each apply starts the step ({@link ReclaimState#beginStep()}: the reference's reclaim trace
 * cleared), drives the reference, then the spec with the reference's outcome, leaving what the
 * spec rejects in {@link ReclaimState#pending}.
 */
public final class ReclaimOps {
    private ReclaimOps() {}

    public static final String REFINEMENT = "RECLAIM-REFINEMENT";
    public static final String REJECT_UNCHANGED = "RECLAIM-REJECT-UNCHANGED";
    static final double BAD = 0.02;

    public static List<Operation<ReclaimState>> all() {
        List<Operation<ReclaimState>> l = new ArrayList<>();
        l.add(new FromRmap(new RmapOps.Mmap(), 1.2));
        l.add(new FromRmap(new RmapOps.Munmap(), 0.2));
        l.add(new FromRmap(new RmapOps.Read(), 1.6));
        l.add(new FromRmap(new RmapOps.Write(), 2.4));
        l.add(new Touch());
        l.add(new FromRmap(new RmapOps.Fork(), 0.4));
        l.add(new FromRmap(new RmapOps.Exit(), 0.2));
        l.add(new FileRead());
        l.add(new FileWrite());
        l.add(new Flush());
        l.add(new WritebackEnd());
        l.add(new Kswapd());
        l.add(new MadviseCold());
        l.add(new Alloc());
        l.add(new Free());
        return l;
    }

    static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }

    /** Runs op; a rejection must leave the machine as it was. Returns null when op was accepted. */
    static Outcome guarded(ReclaimState s, Runnable op) {
        long before = s.machine().fingerprint();
        try {
            op.run();
            return null;
        } catch (RejectedOperationException e) {
            if (s.machine().fingerprint() != before) {
                s.pending.add(Violation.of(REJECT_UNCHANGED, "the rejected operation changed the state: " + e.getMessage()));
            }
            return Outcome.rejected(e.getMessage());
        }
    }

    static void refinement(ReclaimState s, String violation, long... pfns) {
        if (violation != null) s.pending.add(Violation.of(REFINEMENT, violation, pfns));
    }

    /** What a step that allocated did to reclaim, for its outcome text. */
    static String reclaimNote(ReclaimState s) {
        var t = s.reclaim().trace();
        long freed = 0;
        for (var sc : t.scans()) if (sc.outcome() == org.mmspec.reference.reclaim.ReclaimTrace.Outcome.FREED) freed++;
        StringBuilder sb = new StringBuilder();
        if (!t.scans().isEmpty()) sb.append(" [direct reclaim: ").append(freed).append(" of ").append(t.scans().size()).append(" freed]");
        for (var r : t.refaults()) {
            sb.append(" [refault at distance ").append(r.eventDistance()).append(" of workingset ").append(r.workingsetSize())
              .append(r.activated() ? ": activated]" : "]");
        }
        return sb.toString();
    }

    // ------------------------------------------------------------------ the reverse map's operations

    /** One of the reverse map's operations, run on the reclaim subsystem's machine. */
    public static final class FromRmap implements Operation<ReclaimState> {
        private final Operation<RmapState> op;
        private final double weight;

        public FromRmap(Operation<RmapState> op, double weight) {
            this.op = op;
            this.weight = weight;
        }

        @Override
        public String name() {
            return op.name();
        }

        @Override
        public double weight() {
            return weight;
        }

        @Override
        public boolean enabled(ReclaimState s) {
            return op.enabled(s.rm);
        }

        @Override
        public Args generate(ReclaimState s, Rng rng) {
            return op.generate(s.rm, rng);
        }

        @Override
        public List<Args> enumerate(ReclaimState s) {
            return op.enumerate(s.rm);
        }

        @Override
        public Outcome apply(ReclaimState s, Args args, int stepId) {
            s.beginStep();
            Outcome o = op.apply(s.rm, args, stepId);
            String note = reclaimNote(s);
            if (note.isEmpty() || o.kind() == Outcome.Kind.REJECTED || o.kind() == Outcome.Kind.SKIPPED) return o;
            return new Outcome(o.kind(), o.text() + note, o.facts());
        }

        @Override
        public List<Args> simpler(Args a) {
            return op.simpler(a);
        }

        @Override
        public List<String> handleArgs() {
            return op.handleArgs();
        }
    }

    /**
     * A process writes value to each page of [addr, addr + pages) (a memset of a buffer): one
     * fault after another, the way a workload allocates under pressure. Stops at the first access
     * that fails (VM_FAULT_OOM) or is refused.
     */
    public static final class Touch implements Operation<ReclaimState> {
        @Override
        public String name() {
            return "touch";
        }

        @Override
        public double weight() {
            return 1.0;
        }

        @Override
        public boolean enabled(ReclaimState s) {
            for (var mm : s.rmap().tasks().values()) if (!mm.vmas().isEmpty()) return true;
            return false;
        }

        @Override
        public Args generate(ReclaimState s, Rng rng) {
            List<org.mmspec.reference.rmap.VmAreaStruct> vs = new ArrayList<>();
            for (var mm : s.rmap().tasks().values()) vs.addAll(mm.vmas().values());
            if (vs.isEmpty()) return null;
            var v = vs.get(rng.nextInt(vs.size()));
            long addr = v.start() + rng.nextInt((int) v.pages());
            int pages = 1 + rng.nextInt((int) (v.end() - addr));
            return Args.of("pid", v.mm().pid, "addr", addr, "pages", pages, "value", 1 + rng.nextInt(s.limits.rmap().maxValue()));
        }

        @Override
        public List<Args> enumerate(ReclaimState s) {
            List<Args> out = new ArrayList<>();
            for (var mm : s.rmap().tasks().values()) {
                for (var v : mm.vmas().values()) {
                    for (int val = 1; val <= s.limits.rmap().maxValue(); val++) {
                        out.add(Args.of("pid", mm.pid, "addr", v.start(), "pages", v.pages(), "value", val));
                    }
                }
            }
            return out;
        }

        @Override
        public Outcome apply(ReclaimState s, Args a, int stepId) {
            s.beginStep();
            int pid = a.getInt("pid");
            long addr = a.getLong("addr");
            long pages = a.getLong("pages");
            long value = a.getLong("value");
            if (pages < 1 || pages > 1 << 16) throw new org.mmspec.invariants.engine.BadArgument("argument 'pages' = " + pages
                    + " is outside 1..65536");
            int done = 0;
            String stop = "";
            for (long p = addr; p < addr + pages; p++) {
                long page = p;
                org.mmspec.reference.rmap.Rmap.Access[] r = new org.mmspec.reference.rmap.Rmap.Access[1];
                Outcome rej = guarded(s, () -> r[0] = s.rmap().access(pid, page, true, value));
                if (rej != null) {
                    String v = s.rm.spec.pids().contains(pid) ? s.rm.spec.refused(pid, page) : null;
                    if (v != null) s.rm.pending.add(Violation.of(RmapOps.REFINEMENT, v));
                    if (done == 0) return rej;
                    stop = ", then refused at page " + hex(page);
                    break;
                }
                boolean completed = r[0].kind() != org.mmspec.reference.rmap.Rmap.AccessKind.OOM
                        && r[0].kind() != org.mmspec.reference.rmap.Rmap.AccessKind.MIGRATION_WAIT;
                String v = s.rm.spec.write(pid, page, value, completed);
                if (v != null) s.rm.pending.add(Violation.of(RmapOps.REFINEMENT, v));
                if (!completed) {
                    stop = ", then VM_FAULT_OOM at page " + hex(page);
                    break;
                }
                done++;
            }
            String text = done + " page(s) written" + stop + reclaimNote(s);
            return done == 0 ? Outcome.failed(text) : Outcome.ok(text, "pages", done);
        }

        @Override
        public List<Args> simpler(Args a) {
            List<Args> l = new ArrayList<>();
            if (a.getLong("pages") > 1) l.add(a.with("pages", a.getLong("pages") / 2));
            if (a.getLong("value") != 1) l.add(a.with("value", 1));
            return l;
        }
    }

    // ------------------------------------------------------------------ files

    /** A file page to touch: mostly one with a shadow (a refault) or a resident one, else any. */
    static Args drawFilePage(ReclaimState s, Rng rng) {
        ReclaimConfigs.Limits l = s.limits;
        int file = 1 + rng.nextInt(l.files());
        Filemap fm = s.reclaim().filemap();
        if (rng.chance(BAD)) return Args.of("file", rng.chance(0.5) ? 0 : Filemap.MAX_INO + 1, "index", rng.nextInt(l.filePages()));
        List<Long> pick = new ArrayList<>();
        double x = rng.nextDouble();
        if (x < 0.35) pick.addAll(fm.shadows(file).keySet());
        else if (x < 0.6) pick.addAll(fm.folios(file).keySet());
        long index = pick.isEmpty() ? rng.nextInt(l.filePages()) : pick.get(rng.nextInt(pick.size()));
        return Args.of("file", file, "index", index);
    }

    static List<Args> allFilePages(ReclaimState s) {
        List<Args> out = new ArrayList<>();
        for (int f = 1; f <= s.limits.files(); f++) {
            for (long i = 0; i < s.limits.filePages(); i++) out.add(Args.of("file", f, "index", i));
        }
        return out;
    }

    static String ioText(Filemap.Io io) {
        return switch (io.kind()) {
            case HIT -> "page cache hit pfn " + hex(io.pfn());
            case MISS -> "page cache miss: pfn " + hex(io.pfn());
            case REFAULT -> "refault: pfn " + hex(io.pfn());
            case ENOMEM -> "-ENOMEM";
        };
    }

    /** read(2) of one page of a file (pread at page index * PAGE_SIZE). */
    public static final class FileRead implements Operation<ReclaimState> {
        @Override
        public String name() {
            return "file_read";
        }

        @Override
        public double weight() {
            return 2.0;
        }

        @Override
        public boolean enabled(ReclaimState s) {
            return s.limits.files() > 0;
        }

        @Override
        public Args generate(ReclaimState s, Rng rng) {
            return drawFilePage(s, rng);
        }

        @Override
        public List<Args> enumerate(ReclaimState s) {
            return allFilePages(s);
        }

        @Override
        public Outcome apply(ReclaimState s, Args a, int stepId) {
            s.beginStep();
            int file = a.getInt("file");
            long index = a.getLong("index");
            Filemap.Io[] io = new Filemap.Io[1];
            Outcome rej = guarded(s, () -> io[0] = s.reclaim().fileRead(file, index));
            if (rej != null) return rej;
            boolean completed = io[0].kind() != Filemap.Kind.ENOMEM;
            refinement(s, s.spec.read(file, index, completed, io[0].value()), io[0].pfn() < 0 ? new long[0] : new long[] {io[0].pfn()});
            if (!completed) return Outcome.failed("-ENOMEM" + reclaimNote(s));
            return Outcome.ok(ioText(io[0]) + ", read " + io[0].value() + reclaimNote(s), "pfn", io[0].pfn(), "value", io[0].value(),
                    "io", io[0].kind().name());
        }
    }

    /** write(2) of one whole page of a file. */
    public static final class FileWrite implements Operation<ReclaimState> {
        @Override
        public String name() {
            return "file_write";
        }

        @Override
        public double weight() {
            return 0.8;
        }

        @Override
        public boolean enabled(ReclaimState s) {
            return s.limits.files() > 0;
        }

        @Override
        public Args generate(ReclaimState s, Rng rng) {
            return drawFilePage(s, rng).with("value", 1 + rng.nextInt(s.limits.maxValue()));
        }

        @Override
        public List<Args> enumerate(ReclaimState s) {
            List<Args> out = new ArrayList<>();
            for (Args a : allFilePages(s)) for (int v = 1; v <= s.limits.maxValue(); v++) out.add(a.with("value", v));
            return out;
        }

        @Override
        public Outcome apply(ReclaimState s, Args a, int stepId) {
            s.beginStep();
            int file = a.getInt("file");
            long index = a.getLong("index");
            long value = a.getLong("value");
            Filemap.Io[] io = new Filemap.Io[1];
            Outcome rej = guarded(s, () -> io[0] = s.reclaim().fileWrite(file, index, value));
            if (rej != null) return rej;
            boolean completed = io[0].kind() != Filemap.Kind.ENOMEM;
            refinement(s, s.spec.write(file, index, value, completed));
            if (!completed) return Outcome.failed("-ENOMEM" + reclaimNote(s));
            return Outcome.ok(ioText(io[0]) + ", dirty" + reclaimNote(s), "pfn", io[0].pfn(), "io", io[0].kind().name());
        }

        @Override
        public List<Args> simpler(Args a) {
            return a.getLong("value") != 1 ? List.of(a.with("value", 1)) : List.of();
        }
    }

    /** Whether a file has a dirty folio not under writeback. */
    static boolean hasDirty(ReclaimState s, int file) {
        var mem = s.machine().mem();
        for (long pfn : s.reclaim().filemap().folios(file).values()) {
            int f = mem.flags[mem.idx(pfn)];
            if ((f & PageFlags.PG_dirty) != 0 && (f & PageFlags.PG_writeback) == 0) return true;
        }
        return false;
    }

    /** The flusher writes back a file: writeback starts on each of its dirty folios. */
    public static final class Flush implements Operation<ReclaimState> {
        @Override
        public String name() {
            return "flush";
        }

        @Override
        public double weight() {
            return 0.4;
        }

        @Override
        public boolean enabled(ReclaimState s) {
            for (int f = 1; f <= s.limits.files(); f++) if (hasDirty(s, f)) return true;
            return false;
        }

        @Override
        public Args generate(ReclaimState s, Rng rng) {
            List<Integer> dirty = new ArrayList<>();
            for (int f = 1; f <= s.limits.files(); f++) if (hasDirty(s, f)) dirty.add(f);
            return dirty.isEmpty() ? null : Args.of("file", dirty.get(rng.nextInt(dirty.size())));
        }

        @Override
        public List<Args> enumerate(ReclaimState s) {
            List<Args> out = new ArrayList<>();
            for (int f = 1; f <= s.limits.files(); f++) if (hasDirty(s, f)) out.add(Args.of("file", f));
            return out;
        }

        @Override
        public Outcome apply(ReclaimState s, Args a, int stepId) {
            s.beginStep();
            int file = a.getInt("file");
            int[] n = new int[1];
            Outcome rej = guarded(s, () -> n[0] = s.reclaim().flush(file));
            if (rej != null) return rej;
            return Outcome.ok(n[0] + " folio(s) under writeback", "started", n[0]);
        }
    }

    /** The write I/O of one folio under writeback completes (folio_end_writeback()). */
    public static final class WritebackEnd implements Operation<ReclaimState> {
        @Override
        public String name() {
            return "writeback_end";
        }

        @Override
        public double weight() {
            return 1.0;
        }

        @Override
        public boolean enabled(ReclaimState s) {
            return !s.reclaim().underWriteback().isEmpty();
        }

        @Override
        public Args generate(ReclaimState s, Rng rng) {
            List<Long> w = new ArrayList<>(s.reclaim().underWriteback().keySet());
            return w.isEmpty() ? null : Args.of("pfn", w.get(rng.nextInt(w.size())));
        }

        @Override
        public List<Args> enumerate(ReclaimState s) {
            List<Args> out = new ArrayList<>();
            for (long pfn : s.reclaim().underWriteback().keySet()) out.add(Args.of("pfn", pfn));
            return out;
        }

        @Override
        public Outcome apply(ReclaimState s, Args a, int stepId) {
            s.beginStep();
            long pfn = a.getLong("pfn");
            if (!s.reclaim().underWriteback().containsKey(pfn)) return Outcome.skipped("pfn " + hex(pfn) + " is not under writeback");
            var mem = s.machine().mem();
            boolean rotate = (mem.flags[mem.idx(pfn)] & PageFlags.PG_reclaim) != 0;
            Outcome rej = guarded(s, () -> s.reclaim().writeback_end(pfn));
            if (rej != null) return rej;
            return Outcome.ok("written" + (rotate ? ", rotated to the inactive tail" : ""), "pfn", pfn);
        }
    }

    /** kswapd, once woken, balances the node (balance_pgdat()) and tries to sleep. */
    public static final class Kswapd implements Operation<ReclaimState> {
        @Override
        public String name() {
            return "kswapd";
        }

        @Override
        public double weight() {
            return 1.5;
        }

        @Override
        public boolean enabled(ReclaimState s) {
            return s.reclaim().kswapdRunnable();
        }

        @Override
        public Args generate(ReclaimState s, Rng rng) {
            return Args.NONE;
        }

        @Override
        public List<Args> enumerate(ReclaimState s) {
            return s.reclaim().kswapdRunnable() ? List.of(Args.NONE) : List.of();
        }

        @Override
        public Outcome apply(ReclaimState s, Args a, int stepId) {
            s.beginStep();
            Reclaim.KswapdResult[] k = new Reclaim.KswapdResult[1];
            Outcome rej = guarded(s, () -> k[0] = s.reclaim().kswapd());
            if (rej != null) return rej;
            if (!k[0].ran()) return Outcome.ok("asleep: nothing to do");
            return Outcome.ok("balance_pgdat(order " + k[0].order() + ", " + ZoneType.values()[k[0].highestZoneidx()].kernelName()
                    + "): reclaimed " + k[0].reclaimed() + (k[0].slept() ? ", asleep" : ", still awake"), "reclaimed", k[0].reclaimed(),
                    "slept", k[0].slept());
        }
    }

    /**
     * madvise(MADV_COLD) of one page: madvise_cold_or_pageout_pte_range() clears the PTE's accessed
     * bit and, for a page mapped once, deactivates it (folio_deactivate(): to the inactive list).
     */
    public static final class MadviseCold implements Operation<ReclaimState> {
        @Override
        public String name() {
            return "madvise_cold";
        }

        @Override
        public double weight() {
            return 0.3;
        }

        @Override
        public boolean enabled(ReclaimState s) {
            return !s.rmap().contents().isEmpty();
        }

        @Override
        public Args generate(ReclaimState s, Rng rng) {
            List<long[]> mapped = new ArrayList<>();
            for (var mm : s.rmap().tasks().values()) {
                for (var e : mm.pageTable().entrySet()) {
                    if (org.mmspec.reference.rmap.Pte.normal(e.getValue())) mapped.add(new long[] {mm.pid, e.getKey()});
                }
            }
            if (mapped.isEmpty()) return null;
            long[] pa = mapped.get(rng.nextInt(mapped.size()));
            return Args.of("pid", pa[0], "addr", pa[1]);
        }

        @Override
        public List<Args> enumerate(ReclaimState s) {
            List<Args> out = new ArrayList<>();
            for (var mm : s.rmap().tasks().values()) {
                for (var e : mm.pageTable().entrySet()) {
                    if (org.mmspec.reference.rmap.Pte.normal(e.getValue())) out.add(Args.of("pid", mm.pid, "addr", e.getKey()));
                }
            }
            return out;
        }

        @Override
        public Outcome apply(ReclaimState s, Args a, int stepId) {
            s.beginStep();
            int pid = a.getInt("pid");
            long addr = a.getLong("addr");
            String[] what = new String[1];
            Outcome rej = guarded(s, () -> what[0] = s.rmap().madvise_cold(pid, addr));
            if (rej != null) return rej;
            return Outcome.ok(what[0]);
        }
    }

    /** A kernel allocation (GFP_KERNEL) by a driver, of order 0..maxAllocOrder: pressure on ZONE_NORMAL and below. */
    public static final class Alloc implements Operation<ReclaimState> {
        @Override
        public String name() {
            return "alloc";
        }

        @Override
        public double weight() {
            return 0.3;
        }

        @Override
        public boolean enabled(ReclaimState s) {
            return true;
        }

        @Override
        public Args generate(ReclaimState s, Rng rng) {
            return Args.of("order", rng.order(s.limits.maxAllocOrder()));
        }

        @Override
        public List<Args> enumerate(ReclaimState s) {
            List<Args> out = new ArrayList<>();
            for (int o = 0; o <= s.limits.maxAllocOrder(); o++) out.add(Args.of("order", o));
            return out;
        }

        @Override
        public Outcome apply(ReclaimState s, Args a, int stepId) {
            s.beginStep();
            int order = a.getInt("order");
            long[] pfn = new long[1];
            Outcome rej = guarded(s, () -> pfn[0] = s.machine().allocPages(Gfp.GFP_KERNEL, order));
            if (rej != null) return rej;
            if (pfn[0] < 0) return Outcome.failed("NULL" + reclaimNote(s));
            s.allocs.put((long) stepId, new long[] {pfn[0], order});
            return Outcome.ok("pfn " + hex(pfn[0]) + reclaimNote(s), "pfn", pfn[0], "handle", stepId);
        }

        @Override
        public List<Args> simpler(Args a) {
            return a.getLong("order") > 0 ? List.of(a.with("order", 0)) : List.of();
        }
    }

    /** __free_pages() of a kernel allocation, named by the handle of the alloc step that made it. */
    public static final class Free implements Operation<ReclaimState> {
        @Override
        public String name() {
            return "free";
        }

        @Override
        public double weight() {
            return 0.3;
        }

        @Override
        public boolean enabled(ReclaimState s) {
            return !s.allocs.isEmpty();
        }

        @Override
        public Args generate(ReclaimState s, Rng rng) {
            List<Long> h = new ArrayList<>(s.allocs.keySet());
            return h.isEmpty() ? null : Args.of("handle", h.get(rng.nextInt(h.size())));
        }

        @Override
        public List<Args> enumerate(ReclaimState s) {
            List<Args> out = new ArrayList<>();
            for (long h : s.allocs.keySet()) out.add(Args.of("handle", h));
            return out;
        }

        @Override
        public Outcome apply(ReclaimState s, Args a, int stepId) {
            s.beginStep();
            long h = a.getLong("handle");
            long[] al = s.allocs.get(h);
            if (al == null) return Outcome.skipped("no allocation with handle " + h);
            Outcome rej = guarded(s, () -> s.machine().freePages(al[0], (int) al[1]));
            if (rej != null) return rej;
            s.allocs.remove(h);
            return Outcome.ok("freed pfn " + hex(al[0]) + " order " + al[1], "pfn", al[0]);
        }

        @Override
        public List<String> handleArgs() {
            return List.of("handle");
        }
    }

    /** The situations a finished run covered: reclaim's counters, then the reverse map's. */
    public static Map<String, Long> situations(ReclaimState s) {
        Map<String, Long> m = new LinkedHashMap<>(s.reclaim().stats.figures());
        for (var e : s.rmap().stats.figures().entrySet()) m.putIfAbsent(e.getKey(), e.getValue());
        long active = s.reclaim().lruvec().size(Lruvec.LRU_ACTIVE_ANON) + s.reclaim().lruvec().size(Lruvec.LRU_ACTIVE_FILE);
        m.put("active folios at the end of the try", active);
        return m;
    }
}
