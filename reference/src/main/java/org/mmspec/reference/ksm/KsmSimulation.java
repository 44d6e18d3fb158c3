package org.mmspec.reference.ksm;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.mmspec.reference.Machine;
import org.mmspec.reference.alloc.MachineConfig;
import org.mmspec.reference.alloc.RejectedOperationException;
import org.mmspec.reference.alloc.ZoneConfig;
import org.mmspec.reference.alloc.ZoneType;
import org.mmspec.reference.rmap.Rmap;

/**
 * A scenario for ksmd, as {@code mmspec ksm simulate} and {@code mmspec conform ksm} run it: one
 * process maps all pages of the groups in order (a group is {@code count} pages of one content:
 * 0 the all-zero page, 1..255 every byte that value, -1 a different content per page), writes
 * each, marks the whole range MADV_MERGEABLE, and ksmd then runs full scans with pages_to_scan
 * equal to the page count. The process is init (pid 1) of a machine whose one zone holds the
 * pages with room to spare.
 */
public final class KsmSimulation {
    /** {@code count} pages of content {@code value} (-1: unique per page). */
    public record Group(long count, long value) {
        @Override
        public String toString() {
            return count + ":" + value;
        }
    }

    /** Where the process maps its pages (a virtual page number above mmap_min_addr). */
    public static final long BASE = 0x100;
    /** The largest scenario, in pages. */
    public static final long MAX_PAGES = 1L << 22;
    /** The model's value of the first page of unique content (above every byte value). */
    public static final long UNIQUE_BASE = 0x100;

    private final List<Group> groups;
    private final long pages;
    private final Machine machine;
    private final Ksm ksm;
    private final int pid = Rmap.INIT_PID;

    /**
     * Parses groups written {@code "600:7 1000:-1"} (spaces or commas between them). Bad input
     * names the group and what is wrong with it.
     */
    public static List<Group> parseGroups(String spec) {
        List<Group> out = new ArrayList<>();
        if (spec == null || spec.isBlank()) throw new IllegalArgumentException("--groups: no group given (e.g. \"600:7 1000:-1\")");
        long total = 0;
        for (String g : spec.trim().split("[\\s,]+")) {
            String[] kv = g.split(":");
            if (kv.length != 2) throw new IllegalArgumentException("--groups: '" + g + "' is not COUNT:VALUE");
            long count;
            long value;
            try {
                count = Long.parseLong(kv[0]);
                value = Long.parseLong(kv[1]);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--groups: '" + g + "': COUNT and VALUE must be integers");
            }
            if (count < 1) throw new IllegalArgumentException("--groups: '" + g + "': COUNT must be at least 1");
            if (value < -1 || value > 255) {
                throw new IllegalArgumentException("--groups: '" + g + "': VALUE must be 0 (zero page), 1..255 (every byte) or -1 "
                        + "(unique content per page)");
            }
            total += count;
            if (total > MAX_PAGES) throw new IllegalArgumentException("--groups: more than " + MAX_PAGES + " pages in all");
            out.add(new Group(count, value));
        }
        return out;
    }

    /** The pages of all groups. */
    public static long pages(List<Group> groups) {
        long n = 0;
        for (Group g : groups) n += g.count();
        return n;
    }

    /** A machine with one Normal zone big enough for the pages, the page tables' neighbours and the watermarks. */
    public static MachineConfig machineFor(long pages) {
        long size = pages + pages / 16 + 2048;
        size = (size + 1023) & ~1023L;
        return MachineConfig.of("ksm-simulate", 10, 9, List.of(ZoneConfig.of(ZoneType.NORMAL, 0, size))).withMinFreeKbytes(0);
    }

    /**
     * Builds the scenario: the knobs written (max_page_sharing, use_zero_pages, smart_scan,
     * pages_to_scan = the page count, sleep_millisecs), the pages mapped and written, the range
     * marked MADV_MERGEABLE, and run = 1. No scan has run yet.
     */
    public KsmSimulation(List<Group> groups, int maxPageSharing, boolean useZeroPages, boolean smartScan, long sleepMillisecs) {
        this(groups, values(groups), maxPageSharing, useZeroPages, smartScan, sleepMillisecs);
    }

    /** The scenario with each page's content given (any long; 0 is the all-zero page), for benchmarks. */
    public static KsmSimulation ofValues(long[] values, int maxPageSharing, boolean useZeroPages, boolean smartScan, long sleepMillisecs) {
        return new KsmSimulation(List.of(), values, maxPageSharing, useZeroPages, smartScan, sleepMillisecs);
    }

    /** The content of each page of the groups, in order (unique pages from {@link #UNIQUE_BASE} up). */
    static long[] values(List<Group> groups) {
        long[] v = new long[(int) Math.min(Integer.MAX_VALUE, pages(groups))];
        int i = 0;
        long unique = UNIQUE_BASE;
        for (Group g : groups) for (long j = 0; j < g.count(); j++) v[i++] = g.value() < 0 ? unique++ : g.value();
        return v;
    }

    private KsmSimulation(List<Group> groups, long[] values, int maxPageSharing, boolean useZeroPages, boolean smartScan,
                          long sleepMillisecs) {
        this.groups = List.copyOf(groups);
        this.pages = values.length;
        if (pages < 1) throw new IllegalArgumentException("--groups: no pages");
        if (maxPageSharing < 2) throw new IllegalArgumentException("--max-page-sharing: " + maxPageSharing + " < 2");
        this.machine = new Machine(machineFor(pages));
        this.ksm = machine.ksm();
        Rmap r = machine.rmap();
        store("max_page_sharing", Integer.toString(maxPageSharing));
        store("use_zero_pages", useZeroPages ? "1" : "0");
        store("smart_scan", smartScan ? "1" : "0");
        store("pages_to_scan", Long.toString(pages));
        store("sleep_millisecs", Long.toString(sleepMillisecs));
        if (r.mmap(pid, BASE, pages) < 0) throw new IllegalStateException("mmap of " + pages + " pages failed");
        long addr = BASE;
        for (long v : values) {
            Rmap.Access a = r.access(pid, addr++, true, v);
            if (a.kind() == Rmap.AccessKind.OOM) throw new IllegalStateException("out of memory writing page " + (addr - 1));
        }
        int err = r.madvise(pid, BASE, pages, Rmap.MADV_MERGEABLE);
        if (err != 0) throw new IllegalStateException("madvise(MADV_MERGEABLE) returned " + err);
        store("run", "1");
    }

    private void store(String name, String value) {
        int err = ksm.sysfs_store(name, value);
        if (err != 0) throw new RejectedOperationException("/sys/kernel/mm/ksm/" + name + " = " + value + ": " + err);
    }

    /** Runs ksmd until full_scans advances; returns the counters then (full_scans first). */
    public Map<String, Long> fullScan() {
        ksm.full_scan();
        return ksm.counters();
    }

    /** The counters now. */
    public Map<String, Long> counters() {
        return ksm.counters();
    }

    public Machine machine() {
        return machine;
    }

    public Ksm ksm() {
        return ksm;
    }

    public long pages() {
        return pages;
    }

    public List<Group> groups() {
        return groups;
    }

    /** The process's per-mm KSM fields (/proc/PID/ksm_stat). */
    public KsmMm mm() {
        return ksm.mm(pid);
    }

    /** A one-line description: {@code 1600 pages (600 x 7, 1000 unique)}. */
    public String describe() {
        List<String> parts = new ArrayList<>();
        for (Group g : groups) {
            parts.add(g.count() + " x " + (g.value() < 0 ? "unique" : g.value() == 0 ? "zero" : Long.toString(g.value())));
        }
        return pages + " pages (" + String.join(", ", parts) + ")";
    }
}
