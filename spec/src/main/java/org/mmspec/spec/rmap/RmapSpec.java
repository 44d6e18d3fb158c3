package org.mmspec.spec.rmap;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The policy-free specification of private anonymous memory and its reverse map
 * (spec/README.md, "Reverse mapping").
 *
 * <p>State: the live processes, each with the set of virtual pages it has mapped and the value
 * it would read at each of them. Operations: {@link #mmap}, {@link #munmap}, {@link #read},
 * {@link #write}, {@link #fork}, {@link #exit}; everything else (faults that only populate, page
 * migration, folio_referenced) must leave this state unchanged. Each operation checks what any
 * correct implementation must do and returns the violation in words, or null; the state then
 * follows the operation.
 *
 * <p>What backs a mapping is policy: whether a page is populated, which page frame holds it,
 * when it is shared and when copied. What the specification does say about frames is a set of
 * laws over the relation an implementation exposes, {@code PT : (pid, page) -> frame} for
 * populated mappings, with each frame's content: {@link #inverseViolations} (the reverse map is
 * exactly the inverse of the page tables), {@link #contentViolations} (a mapping reads its
 * frame's content), {@link #writableExclusiveViolations} (a writable mapping is the only mapping
 * of its frame) and {@link #lifetimeViolations} (no mapped frame is free).
 */
public final class RmapSpec {
    /** One mapping: a process and a virtual page number. */
    public record Mapping(int pid, long page) implements Comparable<Mapping> {
        @Override
        public int compareTo(Mapping o) {
            int c = Integer.compare(pid, o.pid);
            return c != 0 ? c : Long.compare(page, o.page);
        }

        @Override
        public String toString() {
            return "(pid " + pid + ", page 0x" + Long.toHexString(page) + ")";
        }
    }

    /** pid -&gt; virtual page -&gt; the value a read returns there; the key set is what is mapped. */
    private final TreeMap<Integer, TreeMap<Long, Long>> procs = new TreeMap<>();

    /** A machine with only init (pid {@code initPid}), which has nothing mapped. */
    public RmapSpec(int initPid) {
        procs.put(initPid, new TreeMap<>());
    }

    private RmapSpec() {}

    /** A state with exactly these processes, pages and values (an abstraction of an implementation's state). */
    public static RmapSpec of(Map<Integer, ? extends Map<Long, Long>> memory) {
        RmapSpec s = new RmapSpec();
        for (Map.Entry<Integer, ? extends Map<Long, Long>> e : memory.entrySet()) s.procs.put(e.getKey(), new TreeMap<>(e.getValue()));
        return s;
    }

    public RmapSpec copy() {
        RmapSpec s = new RmapSpec();
        for (Map.Entry<Integer, TreeMap<Long, Long>> e : procs.entrySet()) s.procs.put(e.getKey(), new TreeMap<>(e.getValue()));
        return s;
    }

    /** The live processes. */
    public Set<Integer> pids() {
        return Collections.unmodifiableSet(procs.keySet());
    }

    /** What process pid has mapped, page by page, with the value it would read; null for no such process. */
    public NavigableMap<Long, Long> memory(int pid) {
        TreeMap<Long, Long> m = procs.get(pid);
        return m == null ? null : Collections.unmodifiableNavigableMap(m);
    }

    public long fingerprint() {
        long h = 0x7F4A7C159E3779B9L;
        for (Map.Entry<Integer, TreeMap<Long, Long>> e : procs.entrySet()) {
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
     * mmap(pid, [addr, addr + pages)) without replacing anything: accepted only when no page of
     * the range is mapped, and then every page of it reads 0; refused only when one is.
     */
    public String mmap(int pid, long addr, long pages, boolean accepted) {
        TreeMap<Long, Long> m = procs.get(pid);
        if (m == null) return "mmap by pid " + pid + ", which does not exist";
        boolean overlaps = !m.subMap(addr, true, addr + pages, false).isEmpty();
        if (accepted && overlaps) return "mmap of [0x" + Long.toHexString(addr) + ", 0x" + Long.toHexString(addr + pages)
                + ") in pid " + pid + " succeeded over pages already mapped";
        if (!accepted && !overlaps) return "mmap of [0x" + Long.toHexString(addr) + ", 0x" + Long.toHexString(addr + pages)
                + ") in pid " + pid + " was refused although nothing is mapped there";
        if (accepted) for (long p = addr; p < addr + pages; p++) m.put(p, 0L);
        return null;
    }

    /** munmap(pid, [addr, addr + pages)): those pages are no longer mapped; nothing else changes. */
    public String munmap(int pid, long addr, long pages) {
        TreeMap<Long, Long> m = procs.get(pid);
        if (m == null) return "munmap by pid " + pid + ", which does not exist";
        m.subMap(addr, true, addr + pages, false).clear();
        return null;
    }

    /**
     * A read by pid at page: when it {@code completed} it returned the value last written there
     * by this process, or inherited at fork, or 0. A read may wait (a migration in progress) or
     * fail for lack of memory, and then returns nothing.
     */
    public String read(int pid, long page, boolean completed, long returned) {
        Long v = value(pid, page);
        if (v == null) return "a read by pid " + pid + " at unmapped page 0x" + Long.toHexString(page) + " was not refused";
        if (completed && v != returned) {
            return "a read by pid " + pid + " at page 0x" + Long.toHexString(page) + " returned " + returned + ", but the page holds "
                    + v;
        }
        return null;
    }

    /** A write of value by pid at page: when it completed, that page (and no other, of any process) now holds value. */
    public String write(int pid, long page, long value, boolean completed) {
        Long v = value(pid, page);
        if (v == null) return "a write by pid " + pid + " at unmapped page 0x" + Long.toHexString(page) + " was not refused";
        if (completed) procs.get(pid).put(page, value);
        return null;
    }

    /**
     * fork(parent) -&gt; child: when it succeeds, the child is a new process with exactly the
     * parent's mappings and values; when it fails, nothing changes.
     */
    public String fork(int parent, int child, boolean succeeded) {
        TreeMap<Long, Long> m = procs.get(parent);
        if (m == null) return "fork of pid " + parent + ", which does not exist";
        if (!succeeded) return null;
        if (procs.containsKey(child)) return "fork of pid " + parent + " returned pid " + child + ", which is alive";
        procs.put(child, new TreeMap<>(m));
        return null;
    }

    /** exit(pid): the process and all its mappings are gone; no other process changes. */
    public String exit(int pid) {
        if (procs.remove(pid) == null) return "exit of pid " + pid + ", which does not exist";
        return null;
    }

    /** An access the implementation refused (SIGSEGV, no such process): allowed only when pid has nothing mapped at page. */
    public String refused(int pid, long page) {
        Long v = value(pid, page);
        if (v != null) return "an access by pid " + pid + " at mapped page 0x" + Long.toHexString(page) + " was refused";
        return null;
    }

    private Long value(int pid, long page) {
        TreeMap<Long, Long> m = procs.get(pid);
        return m == null ? null : m.get(page);
    }

    /** The state's own invariant: every process is keyed once (trivially) and maps only user pages. */
    public List<String> check(long minPage, long maxPage) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<Integer, TreeMap<Long, Long>> e : procs.entrySet()) {
            if (e.getValue().isEmpty()) continue;
            long lo = e.getValue().firstKey();
            long hi = e.getValue().lastKey();
            if (lo < minPage || hi >= maxPage) {
                out.add("pid " + e.getKey() + " maps pages [0x" + Long.toHexString(lo) + ", 0x" + Long.toHexString(hi)
                        + "] outside the user range [0x" + Long.toHexString(minPage) + ", 0x" + Long.toHexString(maxPage) + ")");
            }
        }
        return out;
    }

    /**
     * The differences between two states, for the refinement check: pids, mapped pages and
     * values that differ, the first few in words.
     */
    public List<String> diff(RmapSpec other, String thisName, String otherName) {
        List<String> out = new ArrayList<>();
        TreeSet<Integer> pids = new TreeSet<>(procs.keySet());
        pids.addAll(other.procs.keySet());
        for (int pid : pids) {
            TreeMap<Long, Long> a = procs.get(pid);
            TreeMap<Long, Long> b = other.procs.get(pid);
            if (a == null || b == null) {
                out.add("pid " + pid + " is alive in the " + (a == null ? otherName : thisName) + " but not in the "
                        + (a == null ? thisName : otherName));
                continue;
            }
            TreeSet<Long> pages = new TreeSet<>(a.keySet());
            pages.addAll(b.keySet());
            for (long p : pages) {
                Long x = a.get(p);
                Long y = b.get(p);
                if (x == null || y == null) {
                    out.add("pid " + pid + " page 0x" + Long.toHexString(p) + " is mapped in the " + (x == null ? otherName : thisName)
                            + " but not in the " + (x == null ? thisName : otherName));
                } else if (!x.equals(y)) {
                    out.add("pid " + pid + " page 0x" + Long.toHexString(p) + " reads " + x + " in the " + thisName + " but " + y
                            + " in the " + otherName);
                }
                if (out.size() >= 4) return out;
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ laws of the relation

    /**
     * The reverse map is exactly the inverse of the page tables: for every frame f,
     * {@code rmap(f) = { m : PT(m) = f }}. {@code frames} are the frames to check (every frame
     * some mapping or some reverse map names); a violation names the frame and the mapping that is
     * missing from, or extra in, its reverse map.
     */
    public static List<String> inverseViolations(Map<Mapping, Long> pageTables, Map<Long, ? extends Set<Mapping>> rmap) {
        List<String> out = new ArrayList<>();
        TreeMap<Long, TreeSet<Mapping>> inverse = new TreeMap<>();
        for (Map.Entry<Mapping, Long> e : pageTables.entrySet()) inverse.computeIfAbsent(e.getValue(), k -> new TreeSet<>()).add(e.getKey());
        TreeSet<Long> frames = new TreeSet<>(inverse.keySet());
        frames.addAll(rmap.keySet());
        for (long f : frames) {
            Set<Mapping> want = inverse.getOrDefault(f, new TreeSet<>());
            Set<Mapping> got = rmap.containsKey(f) ? rmap.get(f) : Set.of();
            for (Mapping m : want) {
                if (!got.contains(m)) out.add("frame 0x" + Long.toHexString(f) + " is mapped at " + m + " but its reverse map misses it");
            }
            for (Mapping m : got) {
                if (!want.contains(m)) out.add("the reverse map of frame 0x" + Long.toHexString(f) + " yields " + m
                        + ", whose page table does not map that frame");
            }
        }
        return out;
    }

    /** Every populated mapping reads the content of the frame that backs it. */
    public static List<String> contentViolations(Map<Mapping, Long> pageTables, Map<Long, Long> frameContent,
                                                 RmapSpec state) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<Mapping, Long> e : pageTables.entrySet()) {
            Mapping m = e.getKey();
            Long want = state.value(m.pid(), m.page());
            Long got = frameContent.get(e.getValue());
            if (want == null) {
                out.add(m + " is populated by frame 0x" + Long.toHexString(e.getValue()) + " but not mapped");
            } else if (got == null || !got.equals(want)) {
                out.add(m + " is backed by frame 0x" + Long.toHexString(e.getValue()) + " holding " + got + ", but reads " + want);
            }
        }
        return out;
    }

    /**
     * A mapping that may be written without a fault is the only mapping of its frame: otherwise a
     * store through it would change what another mapping reads (copy-on-write broken).
     */
    public static List<String> writableExclusiveViolations(Map<Mapping, Long> pageTables, Set<Mapping> writable) {
        List<String> out = new ArrayList<>();
        TreeMap<Long, TreeSet<Mapping>> inverse = new TreeMap<>();
        for (Map.Entry<Mapping, Long> e : pageTables.entrySet()) inverse.computeIfAbsent(e.getValue(), k -> new TreeSet<>()).add(e.getKey());
        for (Mapping m : new TreeSet<>(writable)) {
            Long f = pageTables.get(m);
            if (f == null) continue;
            Set<Mapping> all = inverse.get(f);
            if (all.size() > 1) out.add(m + " may write frame 0x" + Long.toHexString(f) + ", which is also mapped at " + others(all, m));
        }
        return out;
    }

    private static String others(Set<Mapping> all, Mapping m) {
        List<String> o = new ArrayList<>();
        for (Mapping x : all) if (!x.equals(m)) o.add(x.toString());
        return String.join(", ", o);
    }

    /** No frame a mapping uses is free: every frame of the page tables is in {@code allocated}. */
    public static List<String> lifetimeViolations(Map<Mapping, Long> pageTables, Set<Long> allocated) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<Mapping, Long> e : new TreeMap<>(pageTables).entrySet()) {
            if (!allocated.contains(e.getValue())) {
                out.add(e.getKey() + " maps frame 0x" + Long.toHexString(e.getValue()) + ", which is free");
            }
        }
        return out;
    }
}
