package org.mmspec.conformance.ksm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import com.sun.jna.Native;
import com.sun.jna.Pointer;

import org.mmspec.reference.ksm.Ksm;
import org.mmspec.reference.ksm.KsmSimulation;

/**
 * Runs a KSM scenario on the live kernel, in this process: mmap(MAP_PRIVATE|MAP_ANONYMOUS) the
 * pages, MADV_NOHUGEPAGE (ksmd would split huge pages, which the scenario does not model), write
 * each (memset to its byte; a unique page is zeroed and gets a counter in its first 8 bytes),
 * MADV_MERGEABLE, and drive ksmd deterministically: run=2 first (no rmap_item, no stable node,
 * full_scans 0, the cursor at the list head), smart_scan as asked, pages_to_scan the page count,
 * a long sleep_millisecs, then run=1, and after each full scan (full_scans advancing) a
 * consistent read of the counters (nothing changed while they were read) and of
 * /proc/self/ksm_stat. At the end the pages are unmapped and run=2 cleans up; the caller's
 * {@link KsmKnobs} restores every knob.
 */
public final class LiveKsm {
    private LiveKsm() {}

    /** What the kernel showed after each full scan, and the process's ksm_stat after each. */
    public record Result(List<Map<String, Long>> scans, List<Map<String, Long>> stats, List<String> notes) {}

    /** Why the live check cannot run here, or null when it can (root, KSM present, no other mergeable process, libc). */
    public static String unavailable() {
        if (!System.getProperty("os.name", "").toLowerCase().contains("linux")) return "not Linux";
        if (!Files.isDirectory(KsmKnobs.DIR)) return "no " + KsmKnobs.DIR + " (kernel without CONFIG_KSM)";
        if (!org.mmspec.conformance.Files2.isRoot()) return "writing " + KsmKnobs.DIR + " needs root";
        if (!Files.isWritable(KsmKnobs.DIR.resolve("run"))) return KsmKnobs.DIR.resolve("run") + " is not writable";
        try {
            Libc.load();
        } catch (Throwable e) {
            return "JNA cannot load libc: " + e.getMessage();
        }
        List<String> others = otherMergeableProcesses();
        if (!others.isEmpty()) {
            return "other processes have MADV_MERGEABLE memory (" + String.join(", ", others) + "): their pages would merge with "
                    + "the scenario's and their counts mix into the counters; run when none has";
        }
        return null;
    }

    /** Processes other than this one whose /proc/PID/ksm_stat says ksm_mergeable: yes, as "pid (comm)". */
    public static List<String> otherMergeableProcesses() {
        List<String> out = new ArrayList<>();
        long self = ProcessHandle.current().pid();
        try (Stream<Path> s = Files.list(Path.of("/proc"))) {
            for (Path p : s.toList()) {
                String name = p.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit) || Long.parseLong(name) == self) continue;
                try {
                    String stat = Files.readString(p.resolve("ksm_stat"));
                    if (stat.contains("ksm_mergeable: yes")) {
                        String comm = Files.readString(p.resolve("comm")).trim();
                        out.add(name + " (" + comm + ")");
                    }
                } catch (IOException | RuntimeException e) {
                    // the process is gone, or has no ksm_stat: not mergeable
                }
            }
        } catch (IOException e) {
            out.add("(cannot list /proc: " + e.getMessage() + ")");
        }
        return out;
    }

    /** /proc/self/ksm_stat, numbers only. */
    static Map<String, Long> ksmStat() {
        Map<String, Long> m = new LinkedHashMap<>();
        try {
            for (String l : Files.readAllLines(Path.of("/proc/self/ksm_stat"))) {
                String[] kv = l.split("[:\\s]+");
                if (kv.length == 2 && kv[1].matches("-?\\d+")) m.put(kv[0], Long.parseLong(kv[1]));
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read /proc/self/ksm_stat: " + e.getMessage(), e);
        }
        return m;
    }

    /**
     * Runs the scenario live for {@code scans} full scans. {@code knobs} must have saved the
     * machine's settings already; this method leaves run=2 (nothing merged) for it to restore.
     */
    public static Result run(KsmKnobs knobs, List<KsmSimulation.Group> groups, int scans, int maxPageSharing, boolean useZeroPages,
                             boolean smartScan, long sleepMillisecs, long timeoutMillis) {
        Libc libc = Libc.load();
        long pages = KsmSimulation.pages(groups);
        List<String> notes = new ArrayList<>();
        knobs.write("run", "2"); // unmerge whatever is left, free every rmap_item, full_scans 0, cursor at the head
        knobs.set("advisor_mode", "none");
        knobs.set("merge_across_nodes", "1");
        knobs.set("max_page_sharing", Integer.toString(maxPageSharing));
        knobs.set("use_zero_pages", useZeroPages ? "1" : "0");
        knobs.set("smart_scan", smartScan ? "1" : "0");
        knobs.set("stable_node_chains_prune_millisecs", "2000");
        knobs.set("sleep_millisecs", Long.toString(sleepMillisecs));
        knobs.set("pages_to_scan", Long.toString(pages));
        long len = pages * Libc.PAGE_SIZE;
        Pointer p = libc.mmap(null, len, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS, -1, 0);
        if (Pointer.nativeValue(p) == -1L) throw new IllegalStateException("mmap of " + pages + " pages failed: errno " + Native.getLastError());
        try {
            if (libc.madvise(p, len, Libc.MADV_NOHUGEPAGE) != 0) {
                throw new IllegalStateException("madvise(MADV_NOHUGEPAGE) failed: errno " + Native.getLastError());
            }
            long off = 0;
            long unique = 1;
            for (KsmSimulation.Group g : groups) {
                for (long i = 0; i < g.count(); i++, off += Libc.PAGE_SIZE) {
                    if (g.value() < 0) {
                        p.setMemory(off, Libc.PAGE_SIZE, (byte) 0);
                        p.setLong(off, unique++);
                    } else {
                        p.setMemory(off, Libc.PAGE_SIZE, (byte) g.value());
                    }
                }
            }
            if (libc.madvise(p, len, Libc.MADV_MERGEABLE) != 0) {
                throw new IllegalStateException("madvise(MADV_MERGEABLE) failed: errno " + Native.getLastError());
            }
            long scanned0 = knobs.read("pages_scanned");
            long skipped0 = knobs.read("pages_skipped");
            List<Map<String, Long>> rows = new ArrayList<>();
            List<Map<String, Long>> stats = new ArrayList<>();
            knobs.write("run", "1");
            for (int k = 1; k <= scans; k++) {
                long deadline = System.currentTimeMillis() + timeoutMillis;
                while (knobs.read("full_scans") < k) {
                    if (System.currentTimeMillis() > deadline) {
                        throw new IllegalStateException("full_scans did not reach " + k + " within " + timeoutMillis + " ms (it is "
                                + knobs.read("full_scans") + "; run " + knobs.readString("run") + ")");
                    }
                    sleep(2);
                }
                Map<String, Long> row = null;
                for (int attempt = 0; attempt < 20 && row == null; attempt++) {
                    long fs1 = knobs.read("full_scans");
                    long ps1 = knobs.read("pages_scanned");
                    Map<String, Long> r = new LinkedHashMap<>();
                    r.put("full_scans", fs1);
                    for (String c : Ksm.COUNTERS) {
                        long v = knobs.read(c);
                        if (c.equals("pages_scanned")) v -= scanned0;
                        if (c.equals("pages_skipped")) v -= skipped0;
                        r.put(c, v);
                    }
                    Map<String, Long> st = ksmStat();
                    if (knobs.read("full_scans") == fs1 && knobs.read("pages_scanned") == ps1) {
                        row = r;
                        stats.add(st);
                    }
                }
                if (row == null) throw new IllegalStateException("the counters kept changing while being read after full scan " + k
                        + ": raise --sleep-millisecs");
                if (row.get("full_scans") != k) notes.add("read after full_scans " + row.get("full_scans") + " for scan " + k);
                rows.add(row);
            }
            // nobody else touched the knobs meanwhile?
            String changed = "";
            if (knobs.read("max_page_sharing") != maxPageSharing) changed += " max_page_sharing";
            if (knobs.read("pages_to_scan") != pages) changed += " pages_to_scan";
            if (knobs.read("use_zero_pages") != (useZeroPages ? 1 : 0)) changed += " use_zero_pages";
            if (knobs.read("smart_scan") != (smartScan ? 1 : 0)) changed += " smart_scan";
            if (knobs.read("run") != 1) changed += " run";
            if (!changed.isEmpty()) {
                throw new IllegalStateException("someone else wrote" + changed + " during the run: the results are not this run's");
            }
            List<String> others = otherMergeableProcesses();
            if (!others.isEmpty()) {
                throw new IllegalStateException("other processes became mergeable during the run: " + others);
            }
            return new Result(rows, stats, notes);
        } finally {
            libc.munmap(p, len);
            knobs.write("run", "2");
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted");
        }
    }
}
