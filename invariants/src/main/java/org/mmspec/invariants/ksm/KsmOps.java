package org.mmspec.invariants.ksm;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.mmspec.invariants.Violation;
import org.mmspec.invariants.engine.Args;
import org.mmspec.invariants.engine.Operation;
import org.mmspec.invariants.engine.Outcome;
import org.mmspec.invariants.engine.Rng;
import org.mmspec.invariants.rmap.RmapOps;
import org.mmspec.invariants.rmap.OnRmap;
import org.mmspec.invariants.rmap.RmapState;
import org.mmspec.reference.alloc.RejectedOperationException;
import org.mmspec.reference.ksm.Ksm;
import org.mmspec.reference.rmap.MmStruct;
import org.mmspec.reference.rmap.Pte;
import org.mmspec.reference.rmap.Rmap;
import org.mmspec.reference.rmap.VmAreaStruct;

/**
 * KSM's operation model: the processes' own actions, as the reverse map's model has them
 * ({@code mmap}, {@code munmap}, {@code read}, {@code fork}, {@code exit}) and {@code write}, with
 * values drawn mostly from a small set so that duplicates are common; {@code madvise}
 * (MADV_MERGEABLE, MADV_UNMERGEABLE); ksmd ({@code ksmd_scan}: one batch of pages_to_scan pages
 * and the sleep after it; {@code ksmd_full_scan}: batches until full_scans advances);
 * {@code sysfs} writes (run, max_page_sharing, use_zero_pages, smart_scan,
 * stable_node_chains_prune_millisecs, pages_to_scan; a few malformed); and {@code migrate} (one
 * page through migrate_folio_unmap and migrate_folio_move, as migrate_pages() does it holding the
 * folio lock across both). Each apply drives the reference, then the reverse map's spec and KSM's
 * spec with the outcome, leaving what they refuse in {@link KsmState#pending}.
 */
public final class KsmOps {
    private KsmOps() {}

    public static final String REFINEMENT = "KSM-REFINEMENT";
    public static final String REJECT_UNCHANGED = "KSM-REJECT-UNCHANGED";
    static final double BAD = 0.03;

    public static List<Operation<KsmState>> all() {
        return List.of(new RmapAdapter(new RmapOps.Mmap(), 0.5), new RmapAdapter(new RmapOps.Munmap(), 0.25),
                new RmapAdapter(new RmapOps.Read(), 0.4), new Write(), new Madvise(), new RmapAdapter(new RmapOps.Fork(), 0.25),
                new RmapAdapter(new RmapOps.Exit(), 0.15), new KsmdScan(), new KsmdFullScan(), new Sysfs(), new Migrate());
    }

    static void refinement(KsmState s, String violation, long... pfns) {
        if (violation != null) s.pending.add(Violation.of(REFINEMENT, violation, pfns));
    }

    /** Runs op; a rejection must leave the machine as it was. Returns null when op was accepted. */
    static Outcome guarded(KsmState s, Runnable op) {
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

    static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }

    static List<Integer> pids(KsmState s) {
        return new ArrayList<>(s.rmap().tasks().keySet());
    }

    static int drawPid(KsmState s, Rng rng) {
        List<Integer> p = pids(s);
        if (rng.chance(BAD)) return s.rmap().nextPid() + rng.nextInt(2);
        return p.get(rng.nextInt(p.size()));
    }

    /** An address in one of pid's VMAs (mostly), else anywhere in the window. */
    static long drawAddr(KsmState s, int pid, Rng rng) {
        MmStruct mm = s.rmap().task(pid);
        if (mm != null && !mm.vmas().isEmpty() && !rng.chance(BAD)) {
            List<VmAreaStruct> vs = new ArrayList<>(mm.vmas().values());
            VmAreaStruct v = vs.get(rng.nextInt(vs.size()));
            return v.start() + rng.nextInt((int) v.pages());
        }
        var l = s.limits.rmap();
        return l.addrLo() + rng.nextInt((int) (l.addrHi() - l.addrLo()));
    }

    /** The KSM zero pages pid maps. */
    static long ksmZeroPages(KsmState s, int pid) {
        MmStruct mm = s.rmap().task(pid);
        long n = 0;
        if (mm != null) for (long pte : mm.pageTable().values()) if (Pte.isKsmZeroPte(pte)) n++;
        return n;
    }

    // ------------------------------------------------------------------ the processes' own actions

    /**
     * One of the reverse map's operations ({@code mmap}, {@code munmap}, {@code read},
     * {@code fork}, {@code exit}) on KSM's state, then KSM's spec: each but a read disturbs the
     * steady state; munmap and exit take pages out of the mergeable set; fork copies it.
     */
    static final class RmapAdapter extends OnRmap<KsmState> {
        RmapAdapter(Operation<RmapState> inner, double weight) {
            super(inner, weight);
        }

        @Override
        protected RmapState rmap(KsmState s) {
            return s.rs;
        }

        @Override
        public Args generate(KsmState s, Rng rng) {
            if ((name().equals("fork") || name().equals("exit")) && !rng.chance(Math.min(1.0, 0.6))) return null;
            return op.generate(s.rs, rng);
        }

        @Override
        public Outcome apply(KsmState s, Args a, int stepId) {
            s.pending.clear();
            s.spec.beginStep();
            boolean scanning = s.scanInProgress();
            Set<Long> parentMapped = Set.of();
            long parentZero = 0;
            if (name().equals("fork")) {
                int pid = a.getInt("pid");
                var mem = s.rs.spec.memory(pid);
                parentMapped = mem == null ? Set.of() : new TreeSet<>(mem.keySet());
                parentZero = ksmZeroPages(s, pid);
            }
            Outcome o = op.apply(s.rs, a, stepId);
            if (o.kind() == Outcome.Kind.REJECTED || o.kind() == Outcome.Kind.SKIPPED) return o;
            switch (name()) {
                case "mmap" -> {
                    if (o.kind() == Outcome.Kind.OK) s.spec.mmap(a.getInt("pid"), a.getLong("addr"), a.getLong("pages"), scanning);
                }
                case "munmap" -> s.spec.munmap(a.getInt("pid"), a.getLong("addr"), a.getLong("pages"), scanning);
                case "fork" -> s.spec.fork(a.getInt("pid"), a.getInt("child"), o.kind() == Outcome.Kind.OK, parentMapped, parentZero,
                        scanning);
                case "exit" -> s.spec.exit(a.getInt("pid"), scanning);
                default -> { }
            }
            return o;
        }
    }

    /** A store of value by process pid at page addr: mostly small values, often 0, so duplicates are common. */
    public static final class Write implements Operation<KsmState> {
        private final RmapOps.Write inner = new RmapOps.Write();

        @Override
        public String name() {
            return "write";
        }

        @Override
        public double weight() {
            return 2.2;
        }

        @Override
        public boolean enabled(KsmState s) {
            return true;
        }

        @Override
        public Args generate(KsmState s, Rng rng) {
            if (!rng.chance(Math.min(1.0, s.writeBias))) return null;
            int pid = drawPid(s, rng);
            long value = rng.chance(s.limits.zeroChance()) ? 0 : 1 + rng.nextInt(s.limits.maxValue());
            return Args.of("pid", pid, "addr", drawAddr(s, pid, rng), "value", value);
        }

        @Override
        public List<Args> enumerate(KsmState s) {
            List<Args> out = new ArrayList<>();
            var l = s.limits.rmap();
            for (int pid : pids(s)) {
                MmStruct mm = s.rmap().task(pid);
                for (long a = l.addrLo(); a < l.addrHi(); a++) {
                    if (mm.findVma(a) == null) continue;
                    for (int v = 0; v <= s.limits.maxValue(); v++) out.add(Args.of("pid", pid, "addr", a, "value", v));
                }
            }
            return out;
        }

        @Override
        public Outcome apply(KsmState s, Args a, int stepId) {
            s.pending.clear();
            s.spec.beginStep();
            boolean scanning = s.scanInProgress();
            Outcome o = inner.apply(s.rs, a, stepId);
            if (o.kind() == Outcome.Kind.OK) s.spec.write(a.getInt("pid"), a.getLong("addr"), scanning);
            return o;
        }

        @Override
        public List<Args> simpler(Args a) {
            long v = a.getLong("value");
            return v > 1 ? List.of(a.with("value", 1)) : List.of();
        }
    }

    // ------------------------------------------------------------------ madvise

    /** madvise(addr, pages, MADV_MERGEABLE or MADV_UNMERGEABLE) in process pid. */
    public static final class Madvise implements Operation<KsmState> {
        static final String MERGEABLE = "MADV_MERGEABLE";
        static final String UNMERGEABLE = "MADV_UNMERGEABLE";

        @Override
        public String name() {
            return "madvise";
        }

        @Override
        public double weight() {
            return 0.8;
        }

        @Override
        public boolean enabled(KsmState s) {
            return true;
        }

        @Override
        public Args generate(KsmState s, Rng rng) {
            int pid = drawPid(s, rng);
            String advice = rng.chance(0.82) ? MERGEABLE : UNMERGEABLE;
            MmStruct mm = s.rmap().task(pid);
            if (mm != null && !mm.vmas().isEmpty() && rng.chance(0.7)) {
                List<VmAreaStruct> vs = new ArrayList<>(mm.vmas().values());
                VmAreaStruct v = vs.get(rng.nextInt(vs.size()));
                return Args.of("pid", pid, "addr", v.start(), "pages", v.pages(), "advice", advice);
            }
            long addr = drawAddr(s, pid, rng);
            return Args.of("pid", pid, "addr", addr, "pages", 1 + rng.nextInt(s.limits.rmap().maxLen()), "advice", advice);
        }

        @Override
        public List<Args> enumerate(KsmState s) {
            List<Args> out = new ArrayList<>();
            for (int pid : pids(s)) {
                for (VmAreaStruct v : s.rmap().task(pid).vmas().values()) {
                    out.add(Args.of("pid", pid, "addr", v.start(), "pages", v.pages(), "advice", MERGEABLE));
                    out.add(Args.of("pid", pid, "addr", v.start(), "pages", v.pages(), "advice", UNMERGEABLE));
                }
            }
            return out;
        }

        @Override
        public Outcome apply(KsmState s, Args a, int stepId) {
            s.pending.clear();
            s.spec.beginStep();
            s.rs.pending.clear();
            int pid = a.getInt("pid");
            long addr = a.getLong("addr");
            long pages = a.getLong("pages");
            String advice = a.getString("advice");
            int adv = switch (advice) {
                case MERGEABLE -> Rmap.MADV_MERGEABLE;
                case UNMERGEABLE -> Rmap.MADV_UNMERGEABLE;
                default -> -1;
            };
            boolean scanning = s.scanInProgress();
            var mem = s.rs.spec.memory(pid);
            Set<Long> mapped = mem == null ? Set.of() : new TreeSet<>(mem.subMap(addr, true, addr + pages, false).keySet());
            int[] ret = new int[1];
            Outcome rej = guarded(s, () -> {
                if (adv < 0) throw new RejectedOperationException("madvise: EINVAL: advice '" + advice + "' (MADV_MERGEABLE or MADV_UNMERGEABLE)");
                ret[0] = s.rmap().madvise(pid, addr, pages, adv);
            });
            if (rej != null) return rej;
            Set<Long> observed = new TreeSet<>();
            MmStruct mm = s.rmap().task(pid);
            for (long p = addr; p < addr + pages; p++) {
                VmAreaStruct v = mm.findVma(p);
                if (v != null && (v.flags() & VmAreaStruct.VM_MERGEABLE) != 0) observed.add(p);
            }
            refinement(s, s.spec.madvise(pid, addr, pages, adv == Rmap.MADV_MERGEABLE, ret[0], mapped, observed, scanning));
            if (ret[0] != 0) return Outcome.failed(ret[0] == Rmap.EAGAIN ? "-EAGAIN" : ret[0] == Rmap.ENOMEM ? "-ENOMEM" : "" + ret[0],
                    "result", (long) ret[0]);
            return Outcome.ok(advice.toLowerCase().replace("madv_", "") + " [" + hex(addr) + ", " + hex(addr + pages) + ")");
        }

        @Override
        public List<Args> simpler(Args a) {
            return a.getLong("pages") > 1 ? List.of(a.with("pages", 1)) : List.of();
        }
    }

    // ------------------------------------------------------------------ ksmd

    /** One turn of ksmd: a batch of pages_to_scan pages (if run is 1), then its sleep. */
    public static final class KsmdScan implements Operation<KsmState> {
        @Override
        public String name() {
            return "ksmd_scan";
        }

        @Override
        public double weight() {
            return 1.3;
        }

        @Override
        public boolean enabled(KsmState s) {
            return s.ksm().ksmd_should_run();
        }

        @Override
        public Args generate(KsmState s, Rng rng) {
            return Args.NONE;
        }

        @Override
        public List<Args> enumerate(KsmState s) {
            return List.of(Args.NONE);
        }

        @Override
        public Outcome apply(KsmState s, Args a, int stepId) {
            s.pending.clear();
            s.spec.beginStep();
            s.rs.pending.clear();
            Ksm ksm = s.ksm();
            long before = ksm.seqnr();
            int[] n = new int[1];
            Outcome rej = guarded(s, () -> n[0] = ksm.ksm_scan_thread_batch());
            if (rej != null) return rej;
            int completed = (int) (ksm.seqnr() - before);
            s.spec.scanned(completed);
            return Outcome.ok("scanned " + n[0] + (completed > 0 ? ", full_scans " + ksm.seqnr() : ""), "scanned", (long) n[0],
                    "full_scans", ksm.seqnr());
        }
    }

    /** ksmd until full_scans advances: the scan in progress finished, or a whole one. */
    public static final class KsmdFullScan implements Operation<KsmState> {
        @Override
        public String name() {
            return "ksmd_full_scan";
        }

        @Override
        public double weight() {
            return 0.9;
        }

        @Override
        public boolean enabled(KsmState s) {
            return s.ksm().ksmd_should_run() && s.ksm().pagesToScan() > 0;
        }

        @Override
        public Args generate(KsmState s, Rng rng) {
            return Args.NONE;
        }

        @Override
        public List<Args> enumerate(KsmState s) {
            return List.of(Args.NONE);
        }

        @Override
        public Outcome apply(KsmState s, Args a, int stepId) {
            s.pending.clear();
            s.spec.beginStep();
            s.rs.pending.clear();
            Ksm ksm = s.ksm();
            long before = ksm.seqnr();
            long scannedBefore = ksm.pagesScanned();
            int[] batches = new int[1];
            Outcome rej = guarded(s, () -> batches[0] = ksm.full_scan());
            if (rej != null) return rej;
            s.spec.scanned((int) (ksm.seqnr() - before));
            return Outcome.ok("full_scans " + ksm.seqnr() + " (" + batches[0] + " batches, " + (ksm.pagesScanned() - scannedBefore)
                    + " pages)", "full_scans", ksm.seqnr());
        }
    }

    // ------------------------------------------------------------------ sysfs

    /** A write of /sys/kernel/mm/ksm/NAME. */
    public static final class Sysfs implements Operation<KsmState> {
        /** The knobs the model writes and the values it draws for each (the last of each list is malformed). */
        static final Map<String, List<String>> VALUES = new java.util.LinkedHashMap<>();

        static {
            VALUES.put("run", List.of("1", "0", "2", "3"));
            VALUES.put("max_page_sharing", List.of("2", "3", "256", "1"));
            VALUES.put("use_zero_pages", List.of("1", "0", "maybe"));
            VALUES.put("smart_scan", List.of("0", "1", "x"));
            VALUES.put("stable_node_chains_prune_millisecs", List.of("0", "2000", "-1"));
            VALUES.put("pages_to_scan", List.of("4", "16", "1", "lots"));
        }

        @Override
        public String name() {
            return "sysfs";
        }

        @Override
        public double weight() {
            return 0.35;
        }

        @Override
        public boolean enabled(KsmState s) {
            return true;
        }

        @Override
        public Args generate(KsmState s, Rng rng) {
            List<String> names = new ArrayList<>(VALUES.keySet());
            String name = names.get(rng.nextInt(names.size()));
            List<String> vs = VALUES.get(name);
            // mostly run=1 back on, rarely a malformed value
            if (name.equals("run") && rng.chance(0.5)) return Args.of("name", name, "value", "1");
            String v = rng.chance(BAD * 3) ? vs.get(vs.size() - 1) : vs.get(rng.nextInt(vs.size() - 1));
            return Args.of("name", name, "value", v);
        }

        @Override
        public List<Args> enumerate(KsmState s) {
            List<Args> out = new ArrayList<>();
            for (Map.Entry<String, List<String>> e : VALUES.entrySet()) {
                for (String v : e.getValue().subList(0, e.getValue().size() - 1)) out.add(Args.of("name", e.getKey(), "value", v));
            }
            return out;
        }

        @Override
        public Outcome apply(KsmState s, Args a, int stepId) {
            s.pending.clear();
            s.spec.beginStep();
            s.rs.pending.clear();
            String name = a.getString("name");
            String value = a.getString("value");
            Ksm ksm = s.ksm();
            long sharedBefore = ksm.pagesShared();
            boolean scanning = s.scanInProgress();
            int[] ret = new int[1];
            Outcome rej = guarded(s, () -> ret[0] = ksm.sysfs_store(name, value));
            if (rej != null) return rej;
            refinement(s, s.spec.sysfs(name, value, ret[0], sharedBefore, scanning));
            if (ret[0] != 0) return Outcome.failed(ret[0] == Ksm.EBUSY ? "-EBUSY" : ret[0] == Ksm.ENOMEM ? "-ENOMEM" : "" + ret[0]);
            return Outcome.ok(name + " = " + value);
        }
    }

    // ------------------------------------------------------------------ migration

    /**
     * Page migration of the page pid maps at addr, as migrate_pages() runs it for one folio:
     * migrate_folio_unmap() then migrate_folio_move() (or its undo when {@code fail}), the folio
     * lock held across both, so ksmd never sees the folio half migrated.
     */
    public static final class Migrate implements Operation<KsmState> {
        @Override
        public String name() {
            return "migrate";
        }

        @Override
        public double weight() {
            return 0.3;
        }

        @Override
        public boolean enabled(KsmState s) {
            for (MmStruct mm : s.rmap().tasks().values()) {
                for (long pte : mm.pageTable().values()) if (Pte.normal(pte)) return true;
            }
            return false;
        }

        @Override
        public Args generate(KsmState s, Rng rng) {
            List<long[]> all = new ArrayList<>();
            List<long[]> ksm = new ArrayList<>();
            for (MmStruct mm : s.rmap().tasks().values()) {
                for (Map.Entry<Long, Long> e : mm.pageTable().entrySet()) {
                    if (!Pte.normal(e.getValue())) continue;
                    long[] pa = {mm.pid, e.getKey()};
                    all.add(pa);
                    if (s.rmap().folioTestKsm(Pte.pfn(e.getValue()))) ksm.add(pa);
                }
            }
            if (all.isEmpty()) return null;
            long[] pa = !ksm.isEmpty() && rng.chance(0.7) ? ksm.get(rng.nextInt(ksm.size())) : all.get(rng.nextInt(all.size()));
            return Args.of("pid", pa[0], "addr", pa[1], "fail", rng.chance(0.2));
        }

        @Override
        public List<Args> enumerate(KsmState s) {
            List<Args> out = new ArrayList<>();
            for (MmStruct mm : s.rmap().tasks().values()) {
                for (Map.Entry<Long, Long> e : mm.pageTable().entrySet()) {
                    if (Pte.normal(e.getValue())) out.add(Args.of("pid", mm.pid, "addr", e.getKey(), "fail", false));
                }
            }
            return out;
        }

        @Override
        public Outcome apply(KsmState s, Args a, int stepId) {
            s.pending.clear();
            s.spec.beginStep();
            s.rs.pending.clear();
            int pid = a.getInt("pid");
            long addr = a.getLong("addr");
            boolean fail = a.getBool("fail");
            MmStruct mm = s.rmap().task(pid);
            Long pte = mm == null ? null : mm.pageTable().get(addr);
            long pfn = pte != null && Pte.normal(pte) ? Pte.pfn(pte) : -1;
            boolean ksmPage = pfn >= 0 && s.rmap().folioTestKsm(pfn);
            long[] ret = new long[2];
            Outcome rej = guarded(s, () -> {
                if (pfn < 0) throw new RejectedOperationException("migrate: pid " + pid + " maps no anonymous page at " + addr
                        + " (move_pages: -ENOENT)");
                ret[0] = s.rmap().migrate_folio_unmap(pfn);
                if (ret[0] == 0) ret[1] = s.rmap().migrate_folio_move(pfn, fail);
            });
            if (rej != null) return rej;
            if (ret[0] != 0) {
                return Outcome.failed(ret[0] == Rmap.EBUSY ? "-EBUSY" : ret[0] == Rmap.EAGAIN ? "-EAGAIN (still mapped)" : "-ENOMEM",
                        "pfn", pfn);
            }
            return Outcome.ok((fail ? "undone, stays at pfn " : "moved to pfn ") + hex(ret[1]) + (ksmPage ? " (KSM page)" : ""),
                    "pfn", pfn, "dst", ret[1]);
        }

        @Override
        public List<Args> simpler(Args a) {
            return a.getBool("fail") ? List.of(a.with("fail", false)) : List.of();
        }
    }

    /** The situations a finished run covered: the reverse map's counters and ksmd's. */
    public static Map<String, Long> situations(KsmState s) {
        Map<String, Long> m = new java.util.LinkedHashMap<>(s.ksm().stats.figures());
        m.putAll(s.rmap().stats.figures());
        return m;
    }
}
