package org.mmspec.invariants.compaction;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import org.mmspec.invariants.Violation;
import org.mmspec.invariants.engine.Args;
import org.mmspec.invariants.engine.Operation;
import org.mmspec.invariants.engine.Outcome;
import org.mmspec.invariants.engine.Rng;
import org.mmspec.invariants.rmap.RmapOps;
import org.mmspec.invariants.rmap.RmapState;
import org.mmspec.reference.alloc.RejectedOperationException;
import org.mmspec.reference.alloc.Zone;
import org.mmspec.reference.alloc.ZoneType;
import org.mmspec.reference.compaction.CompactControl;
import org.mmspec.reference.compaction.CompactionEvents;
import org.mmspec.reference.migrate.Contention;
import org.mmspec.reference.migrate.MigrateMode;
import org.mmspec.spec.compaction.CompactionSpec;

/**
 * Compaction's operation model. The processes' operations of the rmap model (mmap, munmap, read,
 * write, fork, exit, and move_pages' migrate_folio_unmap / migrate_folio_move) fragment memory with
 * movable anonymous pages; {@code alloc(gfp, order[, lock_pfn][, pin_pfn])} and {@code free(handle)}
 * with unmovable kernel allocations, and high-order allocations enter direct compaction from the
 * slow path. Compaction itself: {@code compact_start(zone, order, mode)} starts a run of one zone
 * (order -1: /proc/sys/vm/compact_memory's whole-zone run; an order: kcompactd's),
 * {@code compact_step([lock_pfn][, pin_pfn])} runs one round of it (one isolate_migratepages() and one
 * migrate_pages()), {@code compact_memory()} compacts every zone to the end, {@code kcompactd()}
 * wakes kcompactd, and {@code kswapd_sleep(order)} is what kswapd does for compaction on its way
 * to sleep (reset the skip bits after a full compaction, wake kcompactd for the order).
 *
 * <p>{@code lock_pfn} and {@code pin_pfn} (absent: none) are the other tasks of the kernel, made
 * explicit: while the step runs, another task holds that folio's lock (a sync migration waits for
 * it, an async one or one with PF_MEMALLOC gives up), or an extra reference on it (isolation skips
 * it as pinned). Every compacting step is checked against the spec's laws by comparing the state
 * before and after it.
 */
public final class CompactionOps {
    private CompactionOps() {}

    public static final String PRESERVES = "MIGRATE-PRESERVES";
    public static final String CONSERVED = "COMPACT-CONSERVED";

    /** The gfp masks alloc draws from, with their weights. */
    public static final List<String> GFPS = List.of("GFP_KERNEL", "GFP_HIGHUSER_MOVABLE", "GFP_TRANSHUGE", "GFP_ATOMIC",
            "GFP_KERNEL|__GFP_NORETRY");
    private static final double[] GFP_WEIGHTS = {5, 3, 1, 1, 1};

    public static List<Operation<CompactionState>> all() {
        return List.of(
                new Wrapped(new RmapOps.Mmap(), 1.0), new Wrapped(new RmapOps.Munmap(), 0.7), new Wrapped(new RmapOps.Read(), 0.4),
                new Wrapped(new RmapOps.Write(), 3.5), new Wrapped(new RmapOps.Fork(), 0.4), new Wrapped(new RmapOps.Exit(), 0.35),
                new Wrapped(new RmapOps.MigrateFolioUnmap(), 0.08), new Wrapped(new RmapOps.MigrateFolioMove(), 0.3),
                new Alloc(), new DirectCompact(), new Free(), new CompactStart(), new CompactStep(), new CompactMemory(),
                new Kcompactd(), new KswapdSleep());
    }

    static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }

    // ------------------------------------------------------------------ shared

    /**
     * Runs a compacting step: the state is snapshotted before and after, and what the spec's laws
     * say about the change (frames renamed, contents and mappings kept; free and allocated pages
     * conserved, but for {@code handedOut} pages an allocation took) goes to pending. A rejection
     * must change nothing.
     */
    static Outcome compacting(CompactionState s, Supplier<Outcome> body, java.util.function.LongSupplier handedOut) {
        CompactionAbstraction.Snapshot before = CompactionAbstraction.snapshot(s);
        long fp = s.machine.fingerprint();
        Outcome out;
        try {
            out = body.get();
        } catch (RejectedOperationException e) {
            if (s.machine.fingerprint() != fp) {
                s.rmap.pending.add(Violation.of(RmapOps.REJECT_UNCHANGED, "the rejected operation changed the state: "
                        + firstLine(e.getMessage())));
            }
            return Outcome.rejected(e.getMessage());
        }
        CompactionAbstraction.Snapshot after = CompactionAbstraction.snapshot(s);
        for (String v : CompactionSpec.migrationViolations(before.pageTables(), before.content(), after.pageTables(),
                after.content())) {
            s.pending.add(new Violation(PRESERVES, v, pfnsIn(v), List.of()));
        }
        for (String v : CompactionSpec.conservationViolations(before.free(), before.allocated(), after.free(),
                after.allocated(), handedOut.getAsLong())) {
            s.pending.add(new Violation(CONSERVED, v, List.of(), zoneNames(s)));
        }
        return out;
    }

    /** The pfns a law's message names (hex numbers after "frame"/"frames"). */
    static List<Long> pfnsIn(String message) {
        List<Long> out = new ArrayList<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("frames? (0x[0-9a-f]+)(?: and (0x[0-9a-f]+))?").matcher(message);
        while (m.find()) {
            out.add(Long.parseLong(m.group(1).substring(2), 16));
            if (m.group(2) != null) out.add(Long.parseLong(m.group(2).substring(2), 16));
        }
        return out;
    }

    static List<String> zoneNames(CompactionState s) {
        List<String> out = new ArrayList<>();
        for (Zone z : s.machine.node().zones) if (z.populated()) out.add(z.name());
        return out;
    }

    static String firstLine(String s) {
        int i = s.indexOf('\n');
        return i < 0 ? s : s.substring(0, i);
    }

    /** What the rounds of the step did, in words: "2 rounds, 5 moved, ended COMPACT_COMPLETE". */
    static String summary(CompactionState s, String prefix) {
        int rounds = 0;
        int moved = 0;
        String end = null;
        boolean stalled = false;
        for (CompactionState.RoundRecord r : s.rounds) {
            if (r.round().index() > 0) rounds++;
            moved += r.moved().size();
            if (r.round().ended()) end = r.round().result();
            if (r.stalled()) stalled = true;
        }
        StringBuilder sb = new StringBuilder(prefix);
        if (!s.rounds.isEmpty()) {
            sb.append(prefix.isEmpty() ? "" : ", ").append(rounds).append(rounds == 1 ? " round, " : " rounds, ").append(moved)
              .append(" moved");
            if (stalled) sb.append(", stalled: a round changed nothing (the kernel repeats it for ever)");
            else if (end != null) sb.append(", ended ").append(end);
        }
        return sb.toString();
    }

    /** A contended pfn: an anonymous page's, with probability p; else -1 (none). */
    static long drawContended(CompactionState s, Rng rng, double p) {
        if (!rng.chance(p) || s.machine.rmap().contents().isEmpty()) return -1;
        List<Long> pfns = new ArrayList<>(s.machine.rmap().contents().keySet());
        return pfns.get(rng.nextInt(pfns.size()));
    }

    /** {@code base} with lock_pfn and pin_pfn added when they name a page (absent means none). */
    static Args withContention(Args base, long lock, long pin) {
        Args a = base;
        if (lock >= 0) a = a.with("lock_pfn", lock);
        if (pin >= 0) a = a.with("pin_pfn", pin);
        return a;
    }

    static Contention contention(Args a) {
        return new Contention(a.has("lock_pfn") ? a.getLong("lock_pfn") : -1, a.has("pin_pfn") ? a.getLong("pin_pfn") : -1);
    }

    /** The same arguments without one of the contended pfns. */
    static List<Args> simplerContention(Args a) {
        List<Args> out = new ArrayList<>();
        for (String k : List.of("lock_pfn", "pin_pfn")) {
            if (!a.has(k)) continue;
            Map<String, Object> m = new LinkedHashMap<>(a.asMap());
            m.remove(k);
            out.add(Args.fromMap(m));
        }
        return out;
    }

    /** The populated zones, by kernel name. */
    static List<String> zones(CompactionState s) {
        List<String> out = new ArrayList<>();
        for (Zone z : s.machine.node().zones) if (z.populated()) out.add(z.name());
        return out;
    }

    static Zone zone(CompactionState s, String name) {
        ZoneType t;
        try {
            t = ZoneType.parse(name);
        } catch (IllegalArgumentException e) {
            throw new RejectedOperationException("compact_start: zone: " + e.getMessage());
        }
        Zone z = s.machine.zone(t);
        if (!z.populated()) {
            throw new RejectedOperationException("compact_start: zone " + name + " is not populated on this machine (zones "
                    + zones(s) + ")");
        }
        return z;
    }

    // ------------------------------------------------------------------ the rmap model's operations

    /** An operation of the rmap model, run on this state's processes. */
    public static final class Wrapped implements Operation<CompactionState> {
        private final Operation<RmapState> op;
        private final double weight;

        Wrapped(Operation<RmapState> op, double weight) {
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
        public boolean enabled(CompactionState s) {
            return op.enabled(s.rmap);
        }

        @Override
        public Args generate(CompactionState s, Rng rng) {
            return op.generate(s.rmap, rng);
        }

        @Override
        public List<Args> enumerate(CompactionState s) {
            return op.enumerate(s.rmap);
        }

        @Override
        public Outcome apply(CompactionState s, Args a, int stepId) {
            s.beginStep();
            return op.apply(s.rmap, a, stepId);
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

    // ------------------------------------------------------------------ allocations

    /**
     * alloc_pages(gfp, order) for the kernel: an unmovable allocation (never on the LRU); a
     * high-order one that the free lists cannot serve goes through direct compaction in the slow
     * path, with other tasks holding lock_pfn's lock and a reference on pin_pfn meanwhile.
     */
    public static final class Alloc implements Operation<CompactionState> {
        @Override
        public String name() {
            return "alloc";
        }

        @Override
        public double weight() {
            return 1.2;
        }

        @Override
        public boolean enabled(CompactionState s) {
            return true;
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

        @Override
        public Args generate(CompactionState s, Rng rng) {
            int max = s.machine.config().maxPageOrder();
            int order = rng.chance(0.6) ? rng.order(Math.min(2, max)) : 1 + rng.nextInt(max);
            return withContention(Args.of("gfp", pickGfp(rng), "order", order), drawContended(s, rng, 0.1),
                    drawContended(s, rng, 0.1));
        }

        @Override
        public List<Args> enumerate(CompactionState s) {
            List<Args> out = new ArrayList<>();
            for (String g : List.of("GFP_KERNEL", "GFP_HIGHUSER_MOVABLE")) {
                for (int o = 0; o <= s.machine.config().maxPageOrder(); o++) {
                    out.add(Args.of("gfp", g, "order", o));
                }
            }
            return out;
        }

        @Override
        public Outcome apply(CompactionState s, Args a, int stepId) {
            s.beginStep();
            String gfp = a.getString("gfp");
            int order = a.getInt("order");
            long[] pfn = {-1};
            var mig = s.machine.migrate();
            Outcome out = compacting(s, () -> {
                Contention old = mig.contention();
                mig.setContention(contention(a));
                try {
                    pfn[0] = s.machine.allocPages(gfp, order);
                } finally {
                    mig.setContention(old);
                }
                return null;
            }, () -> pfn[0] >= 0 ? 1L << order : 0);
            if (out != null) return out;
            if (pfn[0] < 0) return Outcome.failed(summary(s, "NULL"));
            s.allocations.put((long) stepId, new long[] {pfn[0], order});
            return Outcome.ok(summary(s, "pfn " + hex(pfn[0])), "pfn", pfn[0], "order", (long) order, "handle", (long) stepId);
        }

        @Override
        public List<Args> simpler(Args a) {
            List<Args> out = new ArrayList<>(simplerContention(a));
            if (!a.getString("gfp").equals("GFP_KERNEL")) out.add(a.with("gfp", "GFP_KERNEL"));
            return out;
        }
    }

    /**
     * The slow path's direct compaction for a high-order allocation at a given compact_priority
     * (0 COMPACT_PRIO_SYNC_FULL, 1 SYNC_LIGHT, 2 ASYNC): try_to_compact_pages() with capture, then
     * the allocation from the captured block or the free lists. The slow path raises the priority
     * only after reclaim made progress (should_compact_retry()); the model makes the call directly.
     */
    public static final class DirectCompact implements Operation<CompactionState> {
        @Override
        public String name() {
            return "direct_compact";
        }

        @Override
        public double weight() {
            return 0.5;
        }

        @Override
        public boolean enabled(CompactionState s) {
            return true;
        }

        @Override
        public Args generate(CompactionState s, Rng rng) {
            if (!rng.chance(Math.min(1.0, s.compactBias))) return null;
            int max = s.machine.config().maxPageOrder();
            String gfp = rng.chance(0.6) ? "GFP_HIGHUSER_MOVABLE" : "GFP_KERNEL";
            return withContention(Args.of("gfp", gfp, "order", 1 + rng.nextInt(Math.min(max, 4)), "prio", rng.nextInt(3)),
                    drawContended(s, rng, 0.1), drawContended(s, rng, 0.1));
        }

        @Override
        public List<Args> enumerate(CompactionState s) {
            List<Args> out = new ArrayList<>();
            for (String g : List.of("GFP_KERNEL", "GFP_HIGHUSER_MOVABLE")) {
                for (int o = 1; o <= s.machine.config().maxPageOrder(); o++) {
                    for (int p = 0; p < 3; p++) out.add(Args.of("gfp", g, "order", o, "prio", p));
                }
            }
            return out;
        }

        @Override
        public Outcome apply(CompactionState s, Args a, int stepId) {
            s.beginStep();
            String gfpName = a.getString("gfp");
            int order = a.getInt("order");
            int prio = a.getInt("prio");
            long[] pfn = {-1};
            var mig = s.machine.migrate();
            Outcome out = compacting(s, () -> {
                int gfp;
                try {
                    gfp = org.mmspec.reference.alloc.Gfp.parse(gfpName);
                } catch (IllegalArgumentException e) {
                    throw new RejectedOperationException("direct_compact: gfp: " + e.getMessage());
                }
                Contention old = mig.contention();
                mig.setContention(contention(a));
                try {
                    pfn[0] = s.compaction().directCompact(gfp, order, prio);
                } finally {
                    mig.setContention(old);
                }
                return null;
            }, () -> pfn[0] >= 0 ? 1L << order : 0);
            if (out != null) return out;
            if (pfn[0] < 0) return Outcome.failed(summary(s, "NULL"));
            s.allocations.put((long) stepId, new long[] {pfn[0], order});
            return Outcome.ok(summary(s, "pfn " + hex(pfn[0])), "pfn", pfn[0], "order", (long) order, "handle", (long) stepId);
        }

        @Override
        public List<Args> simpler(Args a) {
            List<Args> out = new ArrayList<>(simplerContention(a));
            if (a.getLong("prio") != 0) out.add(a.with("prio", 0));
            return out;
        }
    }

    /** __free_pages() of an earlier allocation, named by its handle. */
    public static final class Free implements Operation<CompactionState> {
        @Override
        public String name() {
            return "free";
        }

        @Override
        public double weight() {
            return 0.8;
        }

        @Override
        public boolean enabled(CompactionState s) {
            return !s.allocations.isEmpty();
        }

        @Override
        public Args generate(CompactionState s, Rng rng) {
            List<Long> h = new ArrayList<>(s.allocations.keySet());
            return h.isEmpty() ? null : Args.of("handle", h.get(rng.nextInt(h.size())));
        }

        @Override
        public List<Args> enumerate(CompactionState s) {
            List<Args> out = new ArrayList<>();
            for (long h : s.allocations.keySet()) out.add(Args.of("handle", h));
            return out;
        }

        @Override
        public Outcome apply(CompactionState s, Args a, int stepId) {
            s.beginStep();
            long h = a.getLong("handle");
            long[] b = s.allocations.get(h);
            if (b == null) return Outcome.skipped("no allocation with handle " + h);
            long fp = s.machine.fingerprint();
            try {
                s.machine.freePages(b[0], (int) b[1]);
            } catch (RejectedOperationException e) {
                if (s.machine.fingerprint() != fp) {
                    s.rmap.pending.add(Violation.of(RmapOps.REJECT_UNCHANGED, "the rejected free changed the state"));
                }
                return Outcome.rejected(e.getMessage());
            }
            s.allocations.remove(h);
            return Outcome.ok("freed pfn " + hex(b[0]) + " order " + b[1], "pfn", b[0], "order", b[1]);
        }

        @Override
        public List<String> handleArgs() {
            return List.of("handle");
        }
    }

    // ------------------------------------------------------------------ compaction

    /**
     * compact_zone() started on one zone: order -1 as /proc/sys/vm/compact_memory starts it
     * (MIGRATE_SYNC; MIGRATE_SYNC_LIGHT for proactive compaction), an order as kcompactd does
     * (MIGRATE_SYNC_LIGHT). Its rounds are compact_step's.
     */
    public static final class CompactStart implements Operation<CompactionState> {
        @Override
        public String name() {
            return "compact_start";
        }

        @Override
        public double weight() {
            return 0.5;
        }

        @Override
        public boolean enabled(CompactionState s) {
            return s.compaction().current() == null;
        }

        @Override
        public Args generate(CompactionState s, Rng rng) {
            if (!rng.chance(Math.min(1.0, s.compactBias))) return null;
            List<String> zs = zones(s);
            String z = zs.get(rng.nextInt(zs.size()));
            int max = s.machine.config().maxPageOrder();
            if (rng.chance(0.6)) {
                return Args.of("zone", z, "order", -1, "mode", rng.chance(0.8) ? "sync" : "sync_light");
            }
            return Args.of("zone", z, "order", 1 + rng.nextInt(max), "mode", "sync_light");
        }

        @Override
        public List<Args> enumerate(CompactionState s) {
            List<Args> out = new ArrayList<>();
            for (String z : zones(s)) {
                out.add(Args.of("zone", z, "order", -1, "mode", "sync"));
                out.add(Args.of("zone", z, "order", -1, "mode", "sync_light"));
                for (int o = 1; o <= s.machine.config().maxPageOrder(); o++) out.add(Args.of("zone", z, "order", o, "mode", "sync_light"));
            }
            return out;
        }

        @Override
        public Outcome apply(CompactionState s, Args a, int stepId) {
            s.beginStep();
            String zoneName = a.getString("zone");
            int order = a.getInt("order");
            String modeName = a.getString("mode");
            int[] ret = new int[1];
            Outcome out = compacting(s, () -> {
                Zone z = zone(s, zoneName);
                MigrateMode mode;
                try {
                    mode = MigrateMode.parse(modeName);
                } catch (IllegalArgumentException e) {
                    throw new RejectedOperationException("compact_start: mode: " + e.getMessage());
                }
                if (order < -1 || order == 0 || order > s.machine.config().maxPageOrder()) {
                    throw new RejectedOperationException("compact_start: order " + order + " must be -1 (whole zone) or 1.."
                            + s.machine.config().maxPageOrder());
                }
                if (order == -1 ? mode == MigrateMode.MIGRATE_ASYNC : mode != MigrateMode.MIGRATE_SYNC_LIGHT) {
                    throw new RejectedOperationException("compact_start: mode " + modeName + " with order " + order
                            + ": compact_node() runs whole zones in sync or sync_light, kcompactd an order in sync_light");
                }
                ret[0] = s.compaction().startRun(z, order, mode);
                return null;
            }, () -> 0);
            if (out != null) return out;
            CompactControl cc = s.compaction().current();
            if (cc == null) return Outcome.ok("ended " + CompactionEvents.resultName(ret[0]), "result", CompactionEvents.resultName(ret[0]));
            return Outcome.ok("migrate_pfn " + hex(cc.migrate_pfn) + ", free_pfn " + hex(cc.free_pfn), "migrate_pfn", cc.migrate_pfn,
                    "free_pfn", cc.free_pfn);
        }

        @Override
        public List<Args> simpler(Args a) {
            return a.getLong("order") != -1 ? List.of(a.with("order", -1).with("mode", "sync")) : List.of();
        }
    }

    /** One round of the run in progress: isolate_migratepages(), migrate_pages(), compact_finished(). */
    public static final class CompactStep implements Operation<CompactionState> {
        @Override
        public String name() {
            return "compact_step";
        }

        @Override
        public double weight() {
            return 3.0;
        }

        @Override
        public boolean enabled(CompactionState s) {
            return s.compaction().current() != null;
        }

        @Override
        public Args generate(CompactionState s, Rng rng) {
            return withContention(Args.NONE, drawContended(s, rng, 0.12), drawContended(s, rng, 0.12));
        }

        @Override
        public List<Args> enumerate(CompactionState s) {
            List<Args> out = new ArrayList<>();
            out.add(Args.NONE);
            for (long p : s.machine.rmap().contents().keySet()) {
                out.add(Args.of("lock_pfn", p));
                out.add(Args.of("pin_pfn", p));
            }
            return out;
        }

        @Override
        public Outcome apply(CompactionState s, Args a, int stepId) {
            s.beginStep();
            if (s.compaction().current() == null) return Outcome.skipped("no compaction run in progress");
            Contention c = contention(a);
            int[] ret = new int[1];
            Outcome out = compacting(s, () -> {
                ret[0] = s.compaction().stepRun(c);
                return null;
            }, () -> 0);
            if (out != null) return out;
            CompactControl cc = s.compaction().current();
            Map<String, Object> f = new LinkedHashMap<>();
            StringBuilder t = new StringBuilder();
            CompactionState.RoundRecord r = s.rounds.isEmpty() ? null : s.rounds.get(s.rounds.size() - 1);
            if (r != null) {
                t.append("isolated ").append(r.isolated().size()).append(", moved ").append(r.moved().size());
                for (long[] m : r.moved()) t.append(' ').append(hex(m[0])).append("->").append(hex(m[1]));
                t.append("; migrate_pfn ").append(hex(r.round().migrateAfter())).append(", free_pfn ").append(hex(r.round().freeAfter()));
            }
            if (cc == null) t.append("; ended ").append(CompactionEvents.resultName(ret[0]));
            return Outcome.ok(t.toString(), "moved", r == null ? 0L : (long) r.moved().size(), "result",
                    CompactionEvents.resultName(ret[0]));
        }

        @Override
        public List<Args> simpler(Args a) {
            return simplerContention(a);
        }
    }

    /** echo 1 &gt; /proc/sys/vm/compact_memory: compact_nodes(), every zone to the end. */
    public static final class CompactMemory implements Operation<CompactionState> {
        @Override
        public String name() {
            return "compact_memory";
        }

        @Override
        public double weight() {
            return 0.25;
        }

        @Override
        public boolean enabled(CompactionState s) {
            return true;
        }

        @Override
        public Args generate(CompactionState s, Rng rng) {
            return rng.chance(Math.min(1.0, s.compactBias)) ? Args.NONE : null;
        }

        @Override
        public List<Args> enumerate(CompactionState s) {
            return List.of(Args.NONE);
        }

        @Override
        public Outcome apply(CompactionState s, Args a, int stepId) {
            s.beginStep();
            Outcome out = compacting(s, () -> {
                s.compaction().compact_nodes();
                return null;
            }, () -> 0);
            if (out != null) return out;
            return Outcome.ok(summary(s, ""));
        }
    }

    /** A kcompactd wakeup: the requested order's work, or proactive compaction when the node's score is high. */
    public static final class Kcompactd implements Operation<CompactionState> {
        @Override
        public String name() {
            return "kcompactd";
        }

        @Override
        public double weight() {
            return 0.3;
        }

        @Override
        public boolean enabled(CompactionState s) {
            return true;
        }

        @Override
        public Args generate(CompactionState s, Rng rng) {
            return Args.NONE;
        }

        @Override
        public List<Args> enumerate(CompactionState s) {
            return List.of(Args.NONE);
        }

        @Override
        public Outcome apply(CompactionState s, Args a, int stepId) {
            s.beginStep();
            int order = s.machine.node().kcompactdMaxOrder;
            boolean[] did = new boolean[1];
            Outcome out = compacting(s, () -> {
                did[0] = s.compaction().kcompactd();
                return null;
            }, () -> 0);
            if (out != null) return out;
            if (!did[0]) return Outcome.ok("nothing to do");
            return Outcome.ok(summary(s, order > 0 ? "order " + order : "proactive"));
        }
    }

    /**
     * kswapd_try_to_sleep() as compaction sees it (mm/vmscan.c): reset_isolation_suitable() (the
     * skip bits go after a direct compaction's scanners met), then wakeup_kcompactd(order).
     */
    public static final class KswapdSleep implements Operation<CompactionState> {
        @Override
        public String name() {
            return "kswapd_sleep";
        }

        @Override
        public double weight() {
            return 0.2;
        }

        @Override
        public boolean enabled(CompactionState s) {
            return true;
        }

        @Override
        public Args generate(CompactionState s, Rng rng) {
            return Args.of("order", 1 + rng.nextInt(s.machine.config().maxPageOrder()));
        }

        @Override
        public List<Args> enumerate(CompactionState s) {
            List<Args> out = new ArrayList<>();
            for (int o = 1; o <= s.machine.config().maxPageOrder(); o++) out.add(Args.of("order", o));
            return out;
        }

        @Override
        public Outcome apply(CompactionState s, Args a, int stepId) {
            s.beginStep();
            int order = a.getInt("order");
            return compacting(s, () -> {
                if (order < 1 || order > s.machine.config().maxPageOrder()) {
                    throw new RejectedOperationException("kswapd_sleep: order " + order + " must be 1.."
                            + s.machine.config().maxPageOrder());
                }
                s.compaction().reset_isolation_suitable();
                s.compaction().wakeup_kcompactd(order, s.machine.node().nrZones - 1);
                return Outcome.ok("kcompactd_max_order " + s.machine.node().kcompactdMaxOrder);
            }, () -> 0);
        }
    }

    /** The situations a finished run covered: compaction's, migration's and the rmap's counters. */
    public static Map<String, Long> situations(CompactionState s) {
        Map<String, Long> m = new LinkedHashMap<>(s.compaction().events.figures());
        m.putAll(s.machine.migrate().events.figures());
        m.putAll(RmapOps.situations(s.rmap));
        return m;
    }
}
