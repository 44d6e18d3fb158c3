package org.mmspec.spec.reclaim;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The policy-free specification of page reclaim (spec/README.md, "Reclaim").
 *
 * <p>State: the files' contents, {@code F : (ino, index) -> value} (a page never written reads 0).
 * Processes' memory is the reverse-map spec's ({@code RmapSpec}); reclaim must change neither:
 * whatever it evicts, to the swap device or by dropping clean page cache, reads back the same.
 * Operations: {@link #read} and {@link #write} of one file page; reclaim, kswapd, writeback and
 * the flusher leave the state unchanged.
 *
 * <p>Which pages reclaim evicts is policy. What the specification says about it is a set of laws
 * over what an implementation exposes: the LRU lists each resident page is on
 * ({@link #lruViolations}), the folios a reclaim pass examined ({@link #passViolations}), what
 * kswapd did after a run ({@link #kswapdViolations}) and how each refault was treated
 * ({@link #refaultViolations}).
 */
public final class ReclaimSpec {
    /** ino -&gt; index -&gt; value: every page written so far; others read 0. */
    private final TreeMap<Integer, TreeMap<Long, Long>> files = new TreeMap<>();

    public ReclaimSpec() {
    }

    /** A state with exactly these file contents (an abstraction of an implementation's state); zeros are dropped. */
    public static ReclaimSpec of(Map<Integer, ? extends Map<Long, Long>> contents) {
        ReclaimSpec s = new ReclaimSpec();
        for (Map.Entry<Integer, ? extends Map<Long, Long>> e : contents.entrySet()) {
            for (Map.Entry<Long, Long> x : e.getValue().entrySet()) {
                if (x.getValue() != 0) s.files.computeIfAbsent(e.getKey(), k -> new TreeMap<>()).put(x.getKey(), x.getValue());
            }
        }
        return s;
    }

    public ReclaimSpec copy() {
        ReclaimSpec s = new ReclaimSpec();
        for (Map.Entry<Integer, TreeMap<Long, Long>> e : files.entrySet()) s.files.put(e.getKey(), new TreeMap<>(e.getValue()));
        return s;
    }

    /** The value a read of (ino, index) returns. */
    public long value(int ino, long index) {
        TreeMap<Long, Long> f = files.get(ino);
        if (f == null) return 0;
        return f.getOrDefault(index, 0L);
    }

    /** The non-zero pages of a file. */
    public NavigableMap<Long, Long> file(int ino) {
        TreeMap<Long, Long> f = files.get(ino);
        return f == null ? Collections.emptyNavigableMap() : Collections.unmodifiableNavigableMap(f);
    }

    /** The files with a non-zero page. */
    public Set<Integer> inodes() {
        return Collections.unmodifiableSet(files.keySet());
    }

    public long fingerprint() {
        long h = 0x3C6EF372FE94F82BL;
        for (Map.Entry<Integer, TreeMap<Long, Long>> e : files.entrySet()) {
            h = mix(h ^ e.getKey());
            for (Map.Entry<Long, Long> x : e.getValue().entrySet()) h = mix(h ^ x.getKey() ^ (x.getValue() * 0x9E3779B97F4A7C15L));
        }
        return h;
    }

    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    // ------------------------------------------------------------------ operations

    /**
     * read(ino, index): when it completed it returned the value last written there, or 0. It may
     * fail for lack of memory (no page for the page cache), and then returns nothing.
     */
    public String read(int ino, long index, boolean completed, long returned) {
        long v = value(ino, index);
        if (completed && v != returned) {
            return "a read of inode " + ino + " page 0x" + Long.toHexString(index) + " returned " + returned + ", but the file holds " + v;
        }
        return null;
    }

    /** write(ino, index, value): when it completed, that page (and no other) now holds value; a failed write changes nothing. */
    public String write(int ino, long index, long value, boolean completed) {
        if (!completed) return null;
        TreeMap<Long, Long> f = files.computeIfAbsent(ino, k -> new TreeMap<>());
        if (value == 0) f.remove(index);
        else f.put(index, value);
        if (f.isEmpty()) files.remove(ino);
        return null;
    }

    /** The differences between two states, the first few in words. */
    public List<String> diff(ReclaimSpec other, String thisName, String otherName) {
        List<String> out = new ArrayList<>();
        TreeSet<Integer> inos = new TreeSet<>(files.keySet());
        inos.addAll(other.files.keySet());
        for (int ino : inos) {
            TreeSet<Long> idx = new TreeSet<>(file(ino).keySet());
            idx.addAll(other.file(ino).keySet());
            for (long i : idx) {
                long a = value(ino, i);
                long b = other.value(ino, i);
                if (a != b) {
                    out.add("inode " + ino + " page 0x" + Long.toHexString(i) + " reads " + a + " in the " + thisName + " but " + b
                            + " in the " + otherName);
                    if (out.size() >= 4) return out;
                }
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ laws

    /**
     * Every evictable page that is resident and not isolated is on exactly one LRU list:
     * {@code lists} gives, for each page, the lists it was found on (by walking them);
     * {@code evictable} the pages that must be on one.
     */
    public static List<String> lruViolations(Map<Long, List<String>> lists, Set<Long> evictable) {
        List<String> out = new ArrayList<>();
        TreeSet<Long> pages = new TreeSet<>(lists.keySet());
        pages.addAll(evictable);
        for (long pfn : pages) {
            List<String> on = lists.getOrDefault(pfn, List.of());
            if (on.size() > 1) out.add("page 0x" + Long.toHexString(pfn) + " is on " + on.size() + " LRU lists: " + on);
            else if (on.isEmpty() && evictable.contains(pfn)) out.add("evictable page 0x" + Long.toHexString(pfn) + " is on no LRU list");
        }
        return out;
    }

    /**
     * One folio a reclaim pass examined: the list its flags put it on when the pass took it, how
     * many of its page table entries were young when it was checked (-1: not checked), and whether
     * the pass freed it.
     */
    public record Scan(long pfn, String list, boolean inactive, int youngPtes, boolean freed) {}

    /**
     * A reclaim pass frees only folios it took from an inactive list, and never one whose mappings
     * were referenced (a young PTE) since reclaim last looked at them: such a folio is activated or
     * kept for another trip.
     */
    public static List<String> passViolations(List<Scan> scans) {
        List<String> out = new ArrayList<>();
        for (Scan s : scans) {
            if (!s.freed()) continue;
            if (!s.inactive()) out.add("page 0x" + Long.toHexString(s.pfn()) + " was reclaimed from the " + s.list() + " list");
            if (s.youngPtes() > 0) {
                out.add("page 0x" + Long.toHexString(s.pfn()) + " was reclaimed although " + s.youngPtes()
                        + " young PTE(s) mapped it when it was checked");
            }
        }
        return out;
    }

    /**
     * After kswapd ran, it sleeps exactly when the node is balanced (a zone it serves meets its
     * high watermark) or hopeless (reclaim has failed MAX_RECLAIM_RETRIES runs in a row: nothing
     * reclaimable); otherwise it keeps running.
     */
    public static String kswapdViolations(boolean asleep, boolean balanced, boolean hopeless) {
        if (asleep && !balanced && !hopeless) return "kswapd went to sleep although no zone meets its high watermark and reclaim can still progress";
        if (!asleep && (balanced || hopeless)) {
            return "kswapd keeps running although " + (balanced ? "a zone meets its high watermark" : "the node is hopeless");
        }
        return null;
    }

    /**
     * One refault: its distance (the evictions and activations since the folio's eviction), the
     * workingset size it must be compared with, and whether the folio was activated.
     */
    public record Refault(long pfn, long distance, long workingsetSize, boolean activated) {}

    /** A refault within the workingset size is activated; one beyond it is not. */
    public static List<String> refaultViolations(List<Refault> refaults) {
        List<String> out = new ArrayList<>();
        for (Refault r : refaults) {
            boolean within = r.distance() <= r.workingsetSize();
            if (within != r.activated()) {
                out.add("the refault of page 0x" + Long.toHexString(r.pfn()) + " at distance " + r.distance() + " ("
                        + (within ? "within" : "beyond") + " the workingset of " + r.workingsetSize() + " pages) was "
                        + (r.activated() ? "activated" : "not activated"));
            }
        }
        return out;
    }
}
