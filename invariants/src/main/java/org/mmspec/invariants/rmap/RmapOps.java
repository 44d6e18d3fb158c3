package org.mmspec.invariants.rmap;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.mmspec.invariants.Violation;
import org.mmspec.invariants.engine.Args;
import org.mmspec.invariants.engine.Operation;
import org.mmspec.invariants.engine.Outcome;
import org.mmspec.invariants.engine.Rng;
import org.mmspec.reference.alloc.RejectedOperationException;
import org.mmspec.reference.rmap.MmStruct;
import org.mmspec.reference.rmap.Pte;
import org.mmspec.reference.rmap.Rmap;
import org.mmspec.reference.rmap.VmAreaStruct;

/**
 * The reverse map's operation model, one class per action: {@code mmap}, {@code munmap},
 * {@code read}, {@code write}, {@code fork}, {@code exit}, {@code folio_referenced},
 * {@code migrate_folio_unmap} and {@code migrate_folio_move}. Processes are named by pid, pages
 * by (pid, address) as move_pages(2) names them, or by pfn for a folio isolated for migration.
 * Each apply drives the reference, then the spec with the reference's outcome, and leaves what
 * the spec rejects in {@link RmapState#pending}. A few draws name an unknown pid or an unmapped
 * address: the reference must reject them and change nothing.
 */
public final class RmapOps {
    private RmapOps() {}

    public static final String REFINEMENT = "RMAP-REFINEMENT";
    public static final String REJECT_UNCHANGED = "RMAP-REJECT-UNCHANGED";
    /** The chance a generator draws bad arguments. */
    static final double BAD = 0.03;

    public static List<Operation<RmapState>> all() {
        return List.of(new Mmap(), new Munmap(), new Read(), new Write(), new Fork(), new Exit(), new FolioReferenced(),
                new MigrateFolioUnmap(), new MigrateFolioMove());
    }

    // ------------------------------------------------------------------ shared

    static void refinement(RmapState s, String violation, long... pfns) {
        if (violation != null) s.pending.add(Violation.of(REFINEMENT, violation, pfns));
    }

    /** Runs op; a rejection must leave the machine as it was. Returns null when op was accepted. */
    static Outcome guarded(RmapState s, Runnable op, java.util.function.Consumer<String> onReject) {
        long before = s.machine.fingerprint();
        try {
            op.run();
            return null;
        } catch (RejectedOperationException e) {
            if (s.machine.fingerprint() != before) {
                s.pending.add(Violation.of(REJECT_UNCHANGED, "the rejected operation changed the state: " + firstLine(e.getMessage())));
            }
            if (onReject != null) onReject.accept(e.getMessage());
            return Outcome.rejected(e.getMessage());
        }
    }

    static String firstLine(String s) {
        int i = s.indexOf('\n');
        return i < 0 ? s : s.substring(0, i);
    }

    static List<Integer> pids(RmapState s) {
        return new ArrayList<>(s.rmap().tasks().keySet());
    }

    /** A live pid, or (rarely) one that is not alive. */
    static int drawPid(RmapState s, Rng rng, boolean allowBad) {
        if (allowBad && rng.chance(BAD)) return s.rmap().nextPid() + rng.nextInt(3);
        List<Integer> p = pids(s);
        return p.get(rng.nextInt(p.size()));
    }

    /** An address inside one of pid's VMAs (mostly), else anywhere in the window. */
    static long drawAddr(RmapState s, int pid, Rng rng) {
        MmStruct mm = s.rmap().task(pid);
        RmapConfigs.Limits l = s.limits;
        if (mm != null && !mm.vmas().isEmpty() && !rng.chance(BAD)) {
            List<VmAreaStruct> vs = new ArrayList<>(mm.vmas().values());
            VmAreaStruct v = vs.get(rng.nextInt(vs.size()));
            return v.start() + rng.nextInt((int) v.pages());
        }
        return l.addrLo() + rng.nextInt((int) (l.addrHi() - l.addrLo()));
    }

    /** Every (pid, address) of the window, for enumeration. */
    static List<long[]> pidAddrs(RmapState s) {
        List<long[]> out = new ArrayList<>();
        for (int pid : pids(s)) {
            for (long a = s.limits.addrLo(); a < s.limits.addrHi(); a++) out.add(new long[] {pid, a});
        }
        return out;
    }

    /** The anonymous page pid maps at addr with a present PTE, or -1. */
    static long pageAt(RmapState s, int pid, long addr) {
        MmStruct mm = s.rmap().task(pid);
        if (mm == null) return -1;
        Long pte = mm.pageTable().get(addr);
        return pte != null && Pte.normal(pte) ? Pte.pfn(pte) : -1;
    }

    /** (pid, addr) of a present anonymous PTE, drawn at random, or null. */
    static long[] drawMappedPage(RmapState s, Rng rng) {
        List<long[]> all = new ArrayList<>();
        for (MmStruct mm : s.rmap().tasks().values()) {
            for (Map.Entry<Long, Long> e : mm.pageTable().entrySet()) {
                if (Pte.normal(e.getValue())) all.add(new long[] {mm.pid, e.getKey()});
            }
        }
        return all.isEmpty() ? null : all.get(rng.nextInt(all.size()));
    }

    /** Whether some process maps an anonymous page with a present PTE. */
    static boolean anyMappedPage(RmapState s) {
        if (s.rmap().contents().isEmpty()) return false;
        for (MmStruct mm : s.rmap().tasks().values()) {
            for (long pte : mm.pageTable().values()) if (Pte.normal(pte)) return true;
        }
        return false;
    }

    static List<Args> mappedPageArgs(RmapState s) {
        List<Args> out = new ArrayList<>();
        for (MmStruct mm : s.rmap().tasks().values()) {
            for (Map.Entry<Long, Long> e : mm.pageTable().entrySet()) {
                if (Pte.normal(e.getValue())) out.add(Args.of("pid", mm.pid, "addr", e.getKey()));
            }
        }
        return out;
    }

    static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }

    // ------------------------------------------------------------------ mmap

    /** mmap(addr, pages, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE) in process pid. */
    public static final class Mmap implements Operation<RmapState> {
        @Override
        public String name() {
            return "mmap";
        }

        @Override
        public double weight() {
            return 1.0;
        }

        @Override
        public boolean enabled(RmapState s) {
            return true;
        }

        @Override
        public Args generate(RmapState s, Rng rng) {
            RmapConfigs.Limits l = s.limits;
            int pid = drawPid(s, rng, true);
            if (rng.chance(BAD)) return Args.of("pid", pid, "addr", rng.nextInt((int) Rmap.MMAP_MIN_ADDR), "pages", 1);
            MmStruct mm = s.rmap().task(pid);
            long addr = l.addrLo() + rng.nextInt((int) (l.addrHi() - l.addrLo()));
            if (mm != null && rng.chance(0.8)) {
                // mostly into a hole, as an mmap without a fixed address would be placed: MAP_FIXED_NOREPLACE
                // over a mapping (-EEXIST) stays possible but rarer
                List<Long> holes = new ArrayList<>();
                for (long a = l.addrLo(); a < l.addrHi(); a++) if (mm.findVma(a) == null) holes.add(a);
                if (!holes.isEmpty()) addr = holes.get(rng.nextInt(holes.size()));
            }
            long room = Math.max(1, l.addrHi() - addr);
            return Args.of("pid", pid, "addr", addr, "pages", 1 + rng.nextInt((int) Math.min(l.maxLen(), room)));
        }

        @Override
        public List<Args> enumerate(RmapState s) {
            List<Args> out = new ArrayList<>();
            for (long[] pa : pidAddrs(s)) {
                for (int n = 1; n <= s.limits.maxLen() && pa[1] + n <= s.limits.addrHi(); n++) {
                    out.add(Args.of("pid", pa[0], "addr", pa[1], "pages", n));
                }
            }
            return out;
        }

        @Override
        public Outcome apply(RmapState s, Args a, int stepId) {
            s.pending.clear();
            int pid = a.getInt("pid");
            long addr = a.getLong("addr");
            long pages = a.getLong("pages");
            long[] ret = new long[1];
            Outcome rej = guarded(s, () -> ret[0] = s.rmap().mmap(pid, addr, pages), null);
            if (rej != null) return rej;
            boolean ok = ret[0] >= 0;
            refinement(s, s.spec.mmap(pid, addr, pages, ok));
            if (!ok) return Outcome.failed("-EEXIST");
            VmAreaStruct v = s.rmap().task(pid).findVma(addr);
            return Outcome.ok(v == null ? "mapped" : "vma#" + v.id() + " [" + hex(v.start()) + ", " + hex(v.end()) + ")",
                    "vma", v == null ? 0 : v.id());
        }

        @Override
        public List<Args> simpler(Args a) {
            return a.getLong("pages") > 1 ? List.of(a.with("pages", 1)) : List.of();
        }
    }

    // ------------------------------------------------------------------ munmap

    /** munmap(addr, pages) in process pid. */
    public static final class Munmap implements Operation<RmapState> {
        @Override
        public String name() {
            return "munmap";
        }

        @Override
        public double weight() {
            return 0.45;
        }

        @Override
        public boolean enabled(RmapState s) {
            return true;
        }

        @Override
        public Args generate(RmapState s, Rng rng) {
            int pid = drawPid(s, rng, true);
            long addr = drawAddr(s, pid, rng);
            return Args.of("pid", pid, "addr", addr, "pages", 1 + rng.nextInt(s.limits.maxLen()));
        }

        @Override
        public List<Args> enumerate(RmapState s) {
            List<Args> out = new ArrayList<>();
            for (long[] pa : pidAddrs(s)) out.add(Args.of("pid", pa[0], "addr", pa[1], "pages", 1));
            return out;
        }

        @Override
        public Outcome apply(RmapState s, Args a, int stepId) {
            s.pending.clear();
            int pid = a.getInt("pid");
            long addr = a.getLong("addr");
            long pages = a.getLong("pages");
            Outcome rej = guarded(s, () -> s.rmap().munmap(pid, addr, pages), null);
            if (rej != null) return rej;
            refinement(s, s.spec.munmap(pid, addr, pages));
            return Outcome.ok("unmapped");
        }

        @Override
        public List<Args> simpler(Args a) {
            return a.getLong("pages") > 1 ? List.of(a.with("pages", 1)) : List.of();
        }
    }

    // ------------------------------------------------------------------ read and write

    static Outcome access(RmapState s, int pid, long addr, boolean write, long value) {
        Rmap.Access[] res = new Rmap.Access[1];
        Outcome rej = guarded(s, () -> res[0] = s.rmap().access(pid, addr, write, value),
                msg -> refinement(s, s.spec.pids().contains(pid) ? s.spec.refused(pid, addr) : null));
        if (rej != null) return rej;
        Rmap.Access r = res[0];
        boolean completed = r.kind() != Rmap.AccessKind.OOM && r.kind() != Rmap.AccessKind.MIGRATION_WAIT;
        if (write) refinement(s, s.spec.write(pid, addr, value, completed), r.pfn() < 0 ? new long[0] : new long[] {r.pfn()});
        else refinement(s, s.spec.read(pid, addr, completed, r.value()), r.pfn() < 0 ? new long[0] : new long[] {r.pfn()});
        StringBuilder t = new StringBuilder(switch (r.kind()) {
            case HIT -> "";
            case ANON_PAGE -> "do_anonymous_page: new page";
            case ZERO_PAGE -> "do_anonymous_page: zero page";
            case WP_REUSE -> "do_wp_page: reuse";
            case WP_COPY -> "wp_page_copy";
            case OOM -> "VM_FAULT_OOM";
            case MIGRATION_WAIT -> "migration_entry_wait";
            case SWAP_IN -> "do_swap_page: read from swap";
            case SWAP_CACHE -> "do_swap_page: swap cache hit";
            case RETRY -> "retried";
        });
        if (!completed) return Outcome.failed(t.toString(), "fault", r.kind().name());
        if (r.pfn() >= 0) t.append(t.length() > 0 ? " " : "").append("pfn ").append(hex(r.pfn()));
        if (!write) t.append(t.length() > 0 ? ", " : "").append("read ").append(r.value());
        return Outcome.ok(t.toString(), "fault", r.kind().name(), "pfn", r.pfn(), "value", r.value());
    }

    /** A load by process pid at virtual page addr. */
    public static final class Read implements Operation<RmapState> {
        @Override
        public String name() {
            return "read";
        }

        @Override
        public double weight() {
            return 1.6;
        }

        @Override
        public boolean enabled(RmapState s) {
            return true;
        }

        @Override
        public Args generate(RmapState s, Rng rng) {
            int pid = drawPid(s, rng, true);
            return Args.of("pid", pid, "addr", drawAddr(s, pid, rng));
        }

        @Override
        public List<Args> enumerate(RmapState s) {
            List<Args> out = new ArrayList<>();
            for (long[] pa : pidAddrs(s)) if (s.rmap().task((int) pa[0]).findVma(pa[1]) != null) out.add(Args.of("pid", pa[0], "addr", pa[1]));
            return out;
        }

        @Override
        public Outcome apply(RmapState s, Args a, int stepId) {
            s.pending.clear();
            return access(s, a.getInt("pid"), a.getLong("addr"), false, 0);
        }
    }

    /** A store of value by process pid at virtual page addr. */
    public static final class Write implements Operation<RmapState> {
        @Override
        public String name() {
            return "write";
        }

        @Override
        public double weight() {
            return 2.6;
        }

        @Override
        public boolean enabled(RmapState s) {
            return true;
        }

        @Override
        public Args generate(RmapState s, Rng rng) {
            int pid = drawPid(s, rng, true);
            return Args.of("pid", pid, "addr", drawAddr(s, pid, rng), "value", 1 + rng.nextInt(s.limits.maxValue()));
        }

        @Override
        public List<Args> enumerate(RmapState s) {
            List<Args> out = new ArrayList<>();
            for (long[] pa : pidAddrs(s)) {
                if (s.rmap().task((int) pa[0]).findVma(pa[1]) == null) continue;
                for (int v = 1; v <= s.limits.maxValue(); v++) out.add(Args.of("pid", pa[0], "addr", pa[1], "value", v));
            }
            return out;
        }

        @Override
        public Outcome apply(RmapState s, Args a, int stepId) {
            s.pending.clear();
            return access(s, a.getInt("pid"), a.getLong("addr"), true, a.getLong("value"));
        }

        @Override
        public List<Args> simpler(Args a) {
            return a.getLong("value") != 1 ? List.of(a.with("value", 1)) : List.of();
        }
    }

    // ------------------------------------------------------------------ fork and exit

    /**
     * fork() of process pid into process child (its pid given as clone3()'s set_tid gives it, so a
     * shrunk run keeps naming the same processes); fail_at &gt; 0 makes that slab allocation of
     * dup_mmap() fail.
     */
    public static final class Fork implements Operation<RmapState> {
        @Override
        public String name() {
            return "fork";
        }

        @Override
        public double weight() {
            return 0.9;
        }

        @Override
        public boolean enabled(RmapState s) {
            return s.rmap().tasks().size() < s.limits.maxProcs();
        }

        @Override
        public Args generate(RmapState s, Rng rng) {
            if (!rng.chance(Math.min(1.0, s.forkBias))) return null;
            int failAt = rng.chance(0.12) ? 1 + rng.nextInt(s.limits.maxFailAt()) : 0;
            return Args.of("pid", drawPid(s, rng, true), "child", s.rmap().nextPid(), "fail_at", failAt);
        }

        @Override
        public List<Args> enumerate(RmapState s) {
            List<Args> out = new ArrayList<>();
            int child = s.rmap().nextPid();
            for (int pid : pids(s)) {
                for (int f = 0; f <= s.limits.maxFailAt(); f++) out.add(Args.of("pid", pid, "child", child, "fail_at", f));
            }
            return out;
        }

        @Override
        public Outcome apply(RmapState s, Args a, int stepId) {
            s.pending.clear();
            int pid = a.getInt("pid");
            int failAt = a.getInt("fail_at");
            int want = a.getInt("child");
            int[] child = new int[1];
            Outcome rej = guarded(s, () -> child[0] = s.rmap().fork(pid, want, failAt), null);
            if (rej != null) return rej;
            boolean ok = child[0] > 0;
            if (ok && child[0] != want) refinement(s, "fork asked for pid " + want + " (set_tid) but made pid " + child[0]);
            refinement(s, s.spec.fork(pid, want, ok));
            if (!ok) return Outcome.failed("-ENOMEM");
            return Outcome.ok("pid " + child[0], "child", child[0]);
        }

        @Override
        public List<Args> simpler(Args a) {
            return a.getLong("fail_at") != 0 ? List.of(a.with("fail_at", 0)) : List.of();
        }
    }

    /** exit() of process pid (not init). */
    public static final class Exit implements Operation<RmapState> {
        @Override
        public String name() {
            return "exit";
        }

        @Override
        public double weight() {
            return 0.55;
        }

        @Override
        public boolean enabled(RmapState s) {
            return s.rmap().tasks().size() > 1;
        }

        @Override
        public Args generate(RmapState s, Rng rng) {
            if (!rng.chance(Math.min(1.0, s.forkBias))) return null;
            List<Integer> p = pids(s);
            p.remove(Integer.valueOf(Rmap.INIT_PID));
            if (p.isEmpty()) return null;
            int pid = rng.chance(BAD) ? (rng.chance(0.5) ? Rmap.INIT_PID : s.rmap().nextPid()) : p.get(rng.nextInt(p.size()));
            return Args.of("pid", pid);
        }

        @Override
        public List<Args> enumerate(RmapState s) {
            List<Args> out = new ArrayList<>();
            for (int pid : pids(s)) if (pid != Rmap.INIT_PID) out.add(Args.of("pid", pid));
            return out;
        }

        @Override
        public Outcome apply(RmapState s, Args a, int stepId) {
            s.pending.clear();
            int pid = a.getInt("pid");
            Outcome rej = guarded(s, () -> s.rmap().exit(pid), null);
            if (rej != null) return rej;
            refinement(s, s.spec.exit(pid));
            return Outcome.ok("exited");
        }
    }

    // ------------------------------------------------------------------ reclaim's and migration's rmap walks

    /**
     * An operation on the page pid maps at addr (move_pages(2) names pages this way): drawn from,
     * and enumerated over, the mapped anonymous pages.
     */
    abstract static class OnMappedPage implements Operation<RmapState> {
        @Override
        public double weight() {
            return 0.3;
        }

        @Override
        public boolean enabled(RmapState s) {
            return anyMappedPage(s);
        }

        @Override
        public Args generate(RmapState s, Rng rng) {
            long[] pa = drawMappedPage(s, rng);
            return pa == null ? null : Args.of("pid", pa[0], "addr", pa[1]);
        }

        @Override
        public List<Args> enumerate(RmapState s) {
            return mappedPageArgs(s);
        }
    }

    /** folio_referenced() of the page pid maps at addr. */
    public static final class FolioReferenced extends OnMappedPage {
        @Override
        public String name() {
            return "folio_referenced";
        }

        @Override
        public Outcome apply(RmapState s, Args a, int stepId) {
            s.pending.clear();
            int pid = a.getInt("pid");
            long addr = a.getLong("addr");
            long pfn = pageAt(s, pid, addr);
            int[] ret = new int[1];
            Outcome rej = guarded(s, () -> {
                if (pfn < 0) throw new RejectedOperationException("folio_referenced: pid " + pid + " maps no anonymous page at "
                        + addr);
                ret[0] = s.rmap().folio_referenced(pfn);
            }, null);
            if (rej != null) return rej;
            return Outcome.ok(ret[0] + " referenced", "pfn", pfn, "referenced", ret[0]);
        }
    }

    /** migrate_folio_unmap() of the page pid maps at addr (move_pages(2) names pages this way). */
    public static final class MigrateFolioUnmap extends OnMappedPage {
        @Override
        public String name() {
            return "migrate_folio_unmap";
        }

        @Override
        public Outcome apply(RmapState s, Args a, int stepId) {
            s.pending.clear();
            int pid = a.getInt("pid");
            long addr = a.getLong("addr");
            long pfn = pageAt(s, pid, addr);
            int[] ret = new int[1];
            Outcome rej = guarded(s, () -> {
                if (pfn < 0) throw new RejectedOperationException("migrate_folio_unmap: pid " + pid + " maps no anonymous page at "
                        + addr + " (move_pages: -ENOENT)");
                ret[0] = s.rmap().migrate_folio_unmap(pfn);
            }, null);
            if (rej != null) return rej;
            if (ret[0] != 0) {
                return Outcome.failed(ret[0] == Rmap.EBUSY ? "-EBUSY" : ret[0] == Rmap.EAGAIN ? "-EAGAIN" : "-ENOMEM", "pfn", pfn);
            }
            long dst = s.rmap().migrations().get(pfn).dst();
            s.migrations.put((long) stepId, pfn);
            return Outcome.ok("pfn " + hex(pfn) + " unmapped, to pfn " + hex(dst), "pfn", pfn, "dst", dst, "handle", stepId);
        }
    }

    /**
     * migrate_folio_move() of a folio isolated for migration, named by the handle of the
     * migrate_folio_unmap step that isolated it, or its undo when fail.
     */
    public static final class MigrateFolioMove implements Operation<RmapState> {
        @Override
        public String name() {
            return "migrate_folio_move";
        }

        @Override
        public double weight() {
            return 0.6;
        }

        @Override
        public boolean enabled(RmapState s) {
            return !s.migrations.isEmpty();
        }

        @Override
        public Args generate(RmapState s, Rng rng) {
            List<Long> h = new ArrayList<>(s.migrations.keySet());
            if (h.isEmpty()) return null;
            return Args.of("handle", h.get(rng.nextInt(h.size())), "fail", rng.chance(0.3));
        }

        @Override
        public List<Args> enumerate(RmapState s) {
            List<Args> out = new ArrayList<>();
            for (long h : s.migrations.keySet()) {
                out.add(Args.of("handle", h, "fail", false));
                out.add(Args.of("handle", h, "fail", true));
            }
            return out;
        }

        @Override
        public Outcome apply(RmapState s, Args a, int stepId) {
            s.pending.clear();
            long h = a.getLong("handle");
            boolean fail = a.getBool("fail");
            Long pfn = s.migrations.get(h);
            if (pfn == null) return Outcome.skipped("no folio isolated for migration with handle " + h);
            long[] ret = new long[1];
            Outcome rej = guarded(s, () -> ret[0] = s.rmap().migrate_folio_move(pfn, fail), null);
            if (rej != null) return rej;
            s.migrations.remove(h);
            return Outcome.ok((fail ? "undone: back to pfn " : "moved to pfn ") + hex(ret[0]), "pfn", pfn, "dst", ret[0]);
        }

        @Override
        public List<Args> simpler(Args a) {
            return a.getBool("fail") ? List.of(a.with("fail", false)) : List.of();
        }

        @Override
        public List<String> handleArgs() {
            return List.of("handle");
        }
    }

    /** The situations a finished run covered, from the rmap's own counters. */
    public static Map<String, Long> situations(RmapState s) {
        return s.rmap().stats.figures();
    }
}
