package org.mmspec.spec.ksm;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import org.mmspec.spec.rmap.RmapSpec.Mapping;

/**
 * The policy-free specification of kernel samepage merging (spec/README.md, "KSM").
 *
 * <p>KSM changes no value a process reads (the reverse map's specification already says so: a
 * scan is not an operation there). What it may change is which frame backs a mapping. This class
 * keeps what the kernel's interface decides and policy does not: which mapped pages are
 * mergeable (MADV_MERGEABLE), the knobs that bound merging (run, max_page_sharing,
 * use_zero_pages, smart_scan), the mappings a fork made (which KSM may share beyond
 * max_page_sharing), and how many full scans have completed since anything that could change a
 * value, a mapping, mergeability or a knob ({@link #quiet()}). The laws are checked over what an
 * implementation exposes ({@link Observation}): at all times, that only mergeable mappings are
 * merged, within max_page_sharing, with counters that follow; after two quiet full scans (smart
 * scan off), that equal contents are merged: at most one frame per content is left out, and only
 * when every frame of its content is full.
 */
public final class KsmSpec {
    /** sizeof(struct ksm_rmap_item) and PAGE_SIZE, for general_profit. */
    public static final long RMAP_ITEM_SIZE = 64;
    public static final long PAGE_SIZE = 4096;

    /**
     * What an implementation exposes after a step.
     *
     * @param values         every mapped page's value (what a load returns)
     * @param frames         each populated mapping's frame (a present PTE or a migration entry; not the zero page)
     * @param ksmFrames      the frames that are KSM pages
     * @param ksmZero        the mappings of the zero page KSM placed
     * @param mergeable      the mapped pages in VM_MERGEABLE regions, by pid
     * @param counters       /sys/kernel/mm/ksm: pages_shared, pages_sharing, pages_unshared, pages_volatile,
     *                       stable_node_chains, stable_node_dups, ksm_zero_pages, general_profit
     * @param scanInProgress ksmd is in the middle of a full scan
     */
    public record Observation(Map<Mapping, Long> values, Map<Mapping, Long> frames, Set<Long> ksmFrames,
                              Set<Mapping> ksmZero, Map<Integer, Set<Long>> mergeable, Map<String, Long> counters,
                              boolean scanInProgress) {}

    private final TreeMap<Integer, TreeSet<Long>> mergeable = new TreeMap<>();
    private final TreeSet<Mapping> forked = new TreeSet<>();
    private int run;
    private int maxPageSharing = 256;
    private boolean useZeroPages;
    private boolean smartScan = true;
    /** Full scans completed since the last disturbance, and whether one was in progress across it. */
    private int quiet;
    private boolean dirtyScan;
    /** No KSM mapping has ever gone away (no sharing broken): then chains and dups are exact. */
    private boolean fresh = true;
    /** How far ksm_zero_pages may lag: KSM zero pages of processes whose fork failed (a v6.18 gap). */
    private long zeroDrift;
    /** What the last step promised, checked by the next {@link #check}: a written mapping, unmerged ranges, all unmerged. */
    private Mapping written;
    private final List<long[]> unmergedRanges = new ArrayList<>();
    private boolean unmergedAll;

    public KsmSpec() {}

    public KsmSpec copy() {
        KsmSpec s = new KsmSpec();
        for (Map.Entry<Integer, TreeSet<Long>> e : mergeable.entrySet()) s.mergeable.put(e.getKey(), new TreeSet<>(e.getValue()));
        s.forked.addAll(forked);
        s.run = run;
        s.maxPageSharing = maxPageSharing;
        s.useZeroPages = useZeroPages;
        s.smartScan = smartScan;
        s.quiet = quiet;
        s.dirtyScan = dirtyScan;
        s.fresh = fresh;
        s.zeroDrift = zeroDrift;
        s.written = written;
        for (long[] r : unmergedRanges) s.unmergedRanges.add(r.clone());
        s.unmergedAll = unmergedAll;
        return s;
    }

    public long fingerprint() {
        long h = 0x4B53504543L;
        for (Map.Entry<Integer, TreeSet<Long>> e : mergeable.entrySet()) {
            h = mix(h ^ e.getKey());
            for (long p : e.getValue()) h = mix(h ^ p);
        }
        for (Mapping m : forked) h = mix(h ^ m.pid() ^ (m.page() << 20));
        long[] v = {run, maxPageSharing, useZeroPages ? 1 : 0, smartScan ? 1 : 0, Math.min(quiet, 3), dirtyScan ? 1 : 0,
            fresh ? 1 : 0, zeroDrift};
        for (long x : v) h = mix(h ^ x);
        if (written != null) h = mix(h ^ written.pid() ^ (written.page() << 24));
        for (long[] r : unmergedRanges) h = mix(h ^ r[0] ^ (r[1] << 20) ^ (r[2] << 40));
        return mix(h ^ (unmergedAll ? 1 : 0));
    }

    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    public int quiet() {
        return quiet;
    }

    public int maxPageSharing() {
        return maxPageSharing;
    }

    public boolean useZeroPages() {
        return useZeroPages;
    }

    public boolean smartScan() {
        return smartScan;
    }

    public int run() {
        return run;
    }

    public boolean fresh() {
        return fresh;
    }

    /** The spec's mergeable pages of pid (empty for none). */
    public Set<Long> mergeable(int pid) {
        TreeSet<Long> s = mergeable.get(pid);
        return s == null ? Set.of() : java.util.Collections.unmodifiableSet(s);
    }

    // ------------------------------------------------------------------ operations

    /** Anything that could change a value, a mapping, mergeability or a knob: the steady state starts over. */
    public void disturb(boolean scanInProgress) {
        quiet = 0;
        dirtyScan = scanInProgress;
    }

    /** ksmd ran and completed {@code completed} full scans (a scan in progress across a disturbance does not count). */
    public void scanned(int completed) {
        if (completed <= 0) return;
        if (dirtyScan) {
            completed--;
            dirtyScan = false;
        }
        quiet += completed;
    }

    /** mmap(pid, [addr, addr + pages)) succeeded: new pages, not mergeable. */
    public void mmap(int pid, long addr, long pages, boolean scanInProgress) {
        disturb(scanInProgress);
    }

    /** munmap(pid, [addr, addr + pages)). */
    public void munmap(int pid, long addr, long pages, boolean scanInProgress) {
        TreeSet<Long> m = mergeable.get(pid);
        if (m != null) m.subSet(addr, addr + pages).clear();
        forked.removeIf(x -> x.pid() == pid && x.page() >= addr && x.page() < addr + pages);
        fresh = false; // a KSM mapping may have gone
        disturb(scanInProgress);
    }

    /** A completed write to (pid, page): the value changes, and so may a KSM page's sharing. */
    public void write(int pid, long page, boolean scanInProgress) {
        forked.remove(new Mapping(pid, page));
        written = new Mapping(pid, page);
        fresh = false;
        disturb(scanInProgress);
    }

    /**
     * fork(parent) -&gt; child: when it succeeds the child's mergeable pages are the parent's, and
     * every mapping of both may now share frames beyond max_page_sharing (KSM lets a KSM page
     * forked go over the limit); when it fails, the KSM zero pages its copy mapped may be lost
     * from ksm_zero_pages ({@code parentKsmZero}, a v6.18 accounting gap).
     */
    public void fork(int parent, int child, boolean succeeded, Set<Long> parentMapped, long parentKsmZero,
                     boolean scanInProgress) {
        if (succeeded) {
            TreeSet<Long> m = mergeable.get(parent);
            mergeable.put(child, m == null ? new TreeSet<>() : new TreeSet<>(m));
            for (long p : parentMapped) {
                forked.add(new Mapping(parent, p));
                forked.add(new Mapping(child, p));
            }
        } else {
            zeroDrift += parentKsmZero;
        }
        disturb(scanInProgress);
    }

    /** exit(pid). */
    public void exit(int pid, boolean scanInProgress) {
        mergeable.remove(pid);
        forked.removeIf(x -> x.pid() == pid);
        fresh = false;
        disturb(scanInProgress);
    }

    /**
     * madvise(pid, [addr, addr + pages), MADV_MERGEABLE or MADV_UNMERGEABLE) returned
     * {@code result}: 0 or -ENOMEM (a hole; the mapped pages are done) apply the advice to the
     * mapped pages of the range; another failure (-EAGAIN: unmerging ran out of memory part way)
     * leaves which pages changed unsaid, and the spec takes them from the implementation.
     */
    public String madvise(int pid, long addr, long pages, boolean merge, int result, Set<Long> mappedInRange,
                          Set<Long> observedMergeable, boolean scanInProgress) {
        TreeSet<Long> m = mergeable.computeIfAbsent(pid, k -> new TreeSet<>());
        String v = null;
        if (result == 0 || result == -12) {
            if (!merge) {
                // MADV_UNMERGEABLE breaks COW on the KSM pages of the VM_MERGEABLE VMAs it covers; in a VMA that was
                // not mergeable the advice is ignored, and a page shared with a merged one by fork stays a KSM page
                for (long p : mappedInRange) if (m.contains(p)) unmergedRanges.add(new long[] {pid, p, p + 1});
            }
            if (merge) m.addAll(mappedInRange);
            else m.removeAll(mappedInRange);
        } else if (result == -11) {
            m.subSet(addr, addr + pages).clear();
            for (long p : observedMergeable) if (p >= addr && p < addr + pages) m.add(p);
        } else {
            v = "madvise(" + (merge ? "MADV_MERGEABLE" : "MADV_UNMERGEABLE") + ") of pid " + pid + " returned " + result
                    + ", which it may not (0, -ENOMEM for a hole, -EAGAIN when unmerging runs out of memory)";
        }
        if (!merge) fresh = false;
        disturb(scanInProgress);
        return v;
    }

    /**
     * A write of /sys/kernel/mm/ksm/NAME that returned {@code result}. run=2 unmerges (no KSM
     * mapping may be left when it returns 0); max_page_sharing may only change while no KSM page
     * is in use ({@code pagesShared} before the write), so the spec says -EBUSY must then be the
     * answer.
     */
    public String sysfs(String name, String value, int result, long pagesSharedBefore, boolean scanInProgress) {
        String v = null;
        switch (name) {
            case "run" -> {
                if (result == 0) run = Integer.parseInt(value.strip());
                else run = 0; // a failed unmerge stops ksmd
                if (run == 2) {
                    fresh = false;
                    if (result == 0) unmergedAll = true;
                }
            }
            case "max_page_sharing" -> {
                int want = Integer.parseInt(value.strip());
                if (result == 0) {
                    if (pagesSharedBefore != 0 && want != maxPageSharing) {
                        v = "max_page_sharing changed from " + maxPageSharing + " to " + want + " while " + pagesSharedBefore
                                + " KSM pages were in use (it must answer -EBUSY)";
                    }
                    maxPageSharing = want;
                } else if (result != -16) {
                    v = "writing max_page_sharing returned " + result + " (0 or -EBUSY)";
                } else if (pagesSharedBefore == 0 && want != maxPageSharing) {
                    fresh = false; // remove_all_stable_nodes() found a page still mapped: allowed, not checked
                }
            }
            case "use_zero_pages" -> useZeroPages = bool(value);
            case "smart_scan" -> smartScan = bool(value);
            default -> { }
        }
        disturb(scanInProgress);
        return v;
    }

    /**
     * A value kstrtobool() (lib/kstrtox.c) accepted, read as it reads it: the first character, and
     * for 'o' the second ("on", "ON", "onx" are true; "of", "off" false).
     */
    static boolean bool(String v) {
        if (v.isEmpty()) return false;
        char c = v.charAt(0);
        if (c == 'o' || c == 'O') return v.length() > 1 && (v.charAt(1) == 'n' || v.charAt(1) == 'N');
        return c == '1' || c == 'y' || c == 'Y' || c == 't' || c == 'T';
    }

    // ------------------------------------------------------------------ laws

    /** Every law that applies now, as violations in words; empty when all hold. Changes nothing. */
    public List<String> check(Observation o) {
        List<String> out = new ArrayList<>();
        promises(o, out);
        Map<Long, List<Mapping>> byFrame = new TreeMap<>();
        for (Map.Entry<Mapping, Long> e : o.frames().entrySet()) byFrame.computeIfAbsent(e.getValue(), k -> new ArrayList<>()).add(e.getKey());
        // mergeability is the interface's, not policy
        Set<Integer> pids = new TreeSet<>(mergeable.keySet());
        pids.addAll(o.mergeable().keySet());
        for (int pid : pids) {
            Set<Long> want = mergeable(pid);
            Set<Long> got = o.mergeable().getOrDefault(pid, Set.of());
            if (!want.equals(got)) {
                TreeSet<Long> extra = new TreeSet<>(got);
                extra.removeAll(want);
                TreeSet<Long> missing = new TreeSet<>(want);
                missing.removeAll(got);
                out.add("pid " + pid + " has VM_MERGEABLE pages " + hex(extra) + " it never asked for and lacks " + hex(missing));
            }
        }
        // only mergeable mappings are merged, and one frame holds one content
        for (long f : o.ksmFrames()) {
            List<Mapping> maps = byFrame.getOrDefault(f, List.of());
            Long value = null;
            int beyondFork = 0;
            for (Mapping m : maps) {
                if (!mergeable(m.pid()).contains(m.page()) && !forked.contains(m)) {
                    // KSM makes a page a KSM page where it is: mappings that share it through fork come along
                    out.add("KSM frame 0x" + Long.toHexString(f) + " is mapped at " + m + ", which is neither mergeable nor "
                            + "shared through fork");
                }
                Long v = o.values().get(m);
                if (value == null) value = v;
                else if (v != null && !v.equals(value)) out.add("KSM frame 0x" + Long.toHexString(f) + " reads " + value + " at one mapping and " + v + " at " + m);
                if (!forked.contains(m)) beyondFork++;
            }
            if (beyondFork > maxPageSharing) {
                out.add("KSM frame 0x" + Long.toHexString(f) + " is shared by " + beyondFork + " mappings not made by fork, more than "
                        + "max_page_sharing " + maxPageSharing);
            }
        }
        for (Mapping m : o.ksmZero()) {
            if (!mergeable(m.pid()).contains(m.page())) out.add("the zero page KSM placed is mapped at " + m + ", which is not mergeable");
            Long v = o.values().get(m);
            if (v != null && v != 0) out.add("the zero page KSM placed at " + m + " reads " + v);
        }
        // counters that follow at all times
        long zero = o.counters().getOrDefault("ksm_zero_pages", 0L);
        if (zero > o.ksmZero().size() || zero < o.ksmZero().size() - zeroDrift) {
            out.add("ksm_zero_pages is " + zero + " but " + o.ksmZero().size() + " mappings are of the zero page KSM placed"
                    + (zeroDrift > 0 ? " (up to " + zeroDrift + " may be missing after failed forks)" : ""));
        }
        Map<Long, Integer> framesPerValue = new TreeMap<>();
        for (long f : o.ksmFrames()) {
            List<Mapping> maps = byFrame.getOrDefault(f, List.of());
            if (maps.isEmpty()) continue;
            Long v = o.values().get(maps.get(0));
            if (v != null) framesPerValue.merge(v, 1, Integer::sum);
        }
        long c2 = 0;
        long d2 = 0;
        for (int k : framesPerValue.values()) {
            if (k >= 2) {
                c2++;
                d2 += k;
            }
        }
        long chains = o.counters().getOrDefault("stable_node_chains", 0L);
        long dups = o.counters().getOrDefault("stable_node_dups", 0L);
        if (chains < c2 || dups < d2 || (fresh && (chains != c2 || dups != d2))) {
            out.add("stable_node_chains " + chains + ", stable_node_dups " + dups + ": " + c2 + " content(s) have more than one KSM "
                    + "frame, " + d2 + " frames in all" + (fresh ? " (no sharing was ever broken: they must be equal)" : " (at least)"));
        }
        if (quiet >= steadyAfter() && run == 1 && !smartScan) steadyState(o, byFrame, out);
        return out;
    }

    /**
     * How many quiet full scans make the steady state: two (one to checksum what changed, one to
     * merge), three while a mergeable mapping shares its frame through fork. A page several
     * mappings share is met once per mapping: the first goes into the unstable tree, the others
     * are not inserted ("Don't substitute a ksm page for a forked page"), and when a later page of
     * that content merges with the first, the others are left on the old frame until the next scan
     * finds the new KSM page in the stable tree.
     */
    public int steadyAfter() {
        for (Mapping m : forked) if (mergeable(m.pid()).contains(m.page())) return 3;
        return 2;
    }

    /** What the last step promised: a write leaves its mapping unshared; unmerging leaves no KSM mapping in its range. */
    private void promises(Observation o, List<String> out) {
        if (written != null) {
            Long f = o.frames().get(written);
            if (o.ksmZero().contains(written) || (f != null && o.ksmFrames().contains(f))) {
                out.add("the write to " + written + " completed but it still maps a KSM page");
            }
        }
        for (Map.Entry<Mapping, Long> e : o.frames().entrySet()) {
            Mapping m = e.getKey();
            boolean ksm = o.ksmFrames().contains(e.getValue());
            if (ksm && unmerged(m)) out.add(m + " still maps KSM frame 0x" + Long.toHexString(e.getValue()) + " after " + unmergeWhat());
        }
        for (Mapping m : o.ksmZero()) if (unmerged(m)) out.add(m + " still maps the zero page KSM placed after " + unmergeWhat());
    }

    /** A new step begins: what the previous one promised has been checked. */
    public void beginStep() {
        written = null;
        unmergedRanges.clear();
        unmergedAll = false;
    }

    private boolean unmerged(Mapping m) {
        // run=2 unmerges the VM_MERGEABLE VMAs; a fork's share of a merged page elsewhere stays a KSM page
        if (unmergedAll && mergeable(m.pid()).contains(m.page())) return true;
        for (long[] r : unmergedRanges) if (r[0] == m.pid() && m.page() >= r[1] && m.page() < r[2]) return true;
        return false;
    }

    private String unmergeWhat() {
        return unmergedAll ? "run=2 unmerged everything" : "MADV_UNMERGEABLE succeeded there";
    }

    /** The laws after two quiet full scans: equal contents are merged, and the counters say so. */
    private void steadyState(Observation o, Map<Long, List<Mapping>> byFrame, List<String> out) {
        Map<Long, TreeSet<Long>> unmergedFrames = new TreeMap<>(); // value -> unmerged frames
        long unmergedMappings = 0;
        for (Map.Entry<Mapping, Long> e : o.frames().entrySet()) {
            Mapping m = e.getKey();
            if (!mergeable(m.pid()).contains(m.page()) || o.ksmFrames().contains(e.getValue())) continue;
            Long v = o.values().get(m);
            if (v == null) continue;
            unmergedMappings++;
            unmergedFrames.computeIfAbsent(v, k -> new TreeSet<>()).add(e.getValue());
        }
        // KSM counts the mappings it scans: the mergeable ones (a fork's share outside them is never scanned)
        Map<Long, List<Long>> ksmByValue = new TreeMap<>();
        Map<Long, Integer> scanned = new TreeMap<>();
        long shared = 0;
        long sharing = 0;
        for (long f : o.ksmFrames()) {
            int n = 0;
            Mapping first = null;
            for (Mapping m : byFrame.getOrDefault(f, List.of())) {
                if (!mergeable(m.pid()).contains(m.page())) continue;
                n++;
                if (first == null) first = m;
            }
            if (n == 0) continue;
            scanned.put(f, n);
            shared++;
            sharing += n - 1;
            ksmByValue.computeIfAbsent(o.values().getOrDefault(first, 0L), k -> new ArrayList<>()).add(f);
        }
        for (Map.Entry<Long, TreeSet<Long>> e : unmergedFrames.entrySet()) {
            long v = e.getKey();
            if (v == 0 && useZeroPages) {
                out.add("after " + quiet + " quiet full scans with use_zero_pages, frames " + hexF(e.getValue()) + " of content 0 are still "
                        + "mapped instead of the zero page");
                continue;
            }
            if (e.getValue().size() > 1) {
                out.add("after " + quiet + " quiet full scans, " + e.getValue().size() + " frames " + hexF(e.getValue()) + " of content " + v
                        + " are still unmerged");
                continue;
            }
            for (long f : ksmByValue.getOrDefault(v, List.of())) {
                int n = scanned.get(f);
                if (n < maxPageSharing) {
                    out.add("after " + quiet + " quiet full scans, frame " + hexF(e.getValue()) + " of content " + v + " is unmerged although KSM "
                            + "frame 0x" + Long.toHexString(f) + " of that content has room (" + n + " < max_page_sharing "
                            + maxPageSharing + ")");
                }
            }
        }
        expect(out, o, "pages_shared", shared, "KSM frames with mergeable mappings");
        expect(out, o, "pages_sharing", sharing, "mergeable mappings of KSM frames beyond the first");
        long unshared = 0;
        for (TreeSet<Long> fs : unmergedFrames.values()) unshared += fs.size();
        expect(out, o, "pages_unshared", unshared, "contents left unmerged");
        // a page merged with the zero page keeps its rmap_item (volatile) until the next scan passes it
        if (quiet >= Math.max(steadyAfter(), useZeroPages ? 3 : 2)) {
            long volatil = unmergedMappings - unshared;
            expect(out, o, "pages_volatile", volatil, "mappings of unmerged frames beyond the first (forked)");
            long items = shared + sharing + unshared + volatil;
            long profit = (sharing + o.ksmZero().size()) * PAGE_SIZE - items * RMAP_ITEM_SIZE;
            long zero = o.counters().getOrDefault("ksm_zero_pages", 0L);
            profit += (zero - o.ksmZero().size()) * PAGE_SIZE; // the counter, as the kernel adds it
            expect(out, o, "general_profit", profit, "(pages_sharing + ksm_zero_pages) * 4096 - rmap_items * 64");
        }
    }

    private void expect(List<String> out, Observation o, String name, long want, String what) {
        Long got = o.counters().get(name);
        if (got != null && got != want) {
            out.add("after " + quiet + " quiet full scans " + name + " is " + got + " but there are " + want + " " + what);
        }
    }

    private static String hex(Set<Long> pages) {
        List<String> l = new ArrayList<>();
        for (long p : pages) l.add("0x" + Long.toHexString(p));
        return l.toString();
    }

    private static String hexF(Set<Long> frames) {
        return hex(frames);
    }
}
