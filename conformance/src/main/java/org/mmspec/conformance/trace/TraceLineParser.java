package org.mmspec.conformance.trace;

import java.nio.charset.StandardCharsets;

/**
 * Parses one line of ftrace text, as the tracefs {@code trace} (and {@code trace_pipe}) file or
 * {@code trace-cmd report} prints it, straight from bytes:
 *
 * <pre>
 *   TASK-PID [(TGID)] [CPU] [FLAGS] TIMESTAMP: EVENT: FIELDS
 *             bash-32358   [000] .....  4564.277250: mm_page_alloc: page=... pfn=0x125ec8 order=0 ...
 *   kworker/u4:2-31   [001]  4564.301000: mm_page_free:         page=0xffffea... pfn=0x1334 order=0
 * </pre>
 *
 * The task name may hold spaces and dashes; the CPU is the first "[digits]"; the timestamp is the
 * first token after it that starts with a digit and ends with ':'. Fields are the event's
 * {@code key=value} pairs (print formats of include/trace/events/kmem.h, compaction.h, v6.18);
 * numbers may be hex (0x...) or decimal, as trace-cmd prints fields it could not format.
 */
public final class TraceLineParser {
    /** What a line was. */
    public static final int EVENT = 0, SKIP = 1, RESET = 2, MALFORMED = 3;

    /** Why the last line was MALFORMED, or what the RESET marker said. */
    public String reason;
    /** The unknown event's name (only for TraceEvent.UNKNOWN; a new String only the first time). */
    private final NameTable names = new NameTable();

    private byte[] b;
    private int payload, end;

    public int parse(byte[] buf, int start, int lineEnd, long lineNo, TraceEvent ev) {
        this.b = buf;
        int e = lineEnd;
        while (e > start && (buf[e - 1] == '\r' || buf[e - 1] == ' ' || buf[e - 1] == '\t')) e--;
        this.end = e;
        int p = start;
        while (p < e && (buf[p] == ' ' || buf[p] == '\t')) p++;
        if (p == e) return SKIP;
        if (buf[p] == '#') {
            if (contains(p, e, "buffer started")) {
                reason = "a CPU's buffer starts here (events before it on that CPU were overwritten)";
                return RESET;
            }
            return SKIP;
        }
        // the CPU column: the first "[digits]"
        int lb = -1, rb = -1;
        for (int i = p; i < e; i++) {
            if (buf[i] == '[') {
                int j = i + 1;
                while (j < e && isDigit(buf[j])) j++;
                if (j > i + 1 && j < e && buf[j] == ']') {
                    lb = i;
                    rb = j;
                    break;
                }
            }
        }
        if (lb < 0) {
            // "CPU:1 [LOST 1234 EVENTS]" (tracefs), "CPU:1 [1234 EVENTS DROPPED]" (trace-cmd): no "[digits]" column
            if (contains(p, e, "EVENTS]") && (contains(p, e, "[LOST ") || contains(p, e, "EVENTS DROPPED"))) {
                reason = new String(buf, p, e - p, StandardCharsets.ISO_8859_1);
                return RESET;
            }
            if (startsWith(p, e, "cpus=") || startsWith(p, e, "version") || (startsWith(p, e, "CPU") && contains(p, e, "is empty"))
                    || startsWith(p, e, "TRACE_MARKER")) {
                return SKIP; // trace-cmd report's header lines
            }
            return malformed("no CPU column '[NNN]'");
        }
        ev.line = lineNo;
        ev.cpu = (int) parseDec(lb + 1, rb);
        // the pid: digits before the CPU column, after a '-', skipping an optional "(tgid)" column
        int q = lb - 1;
        while (q > p && buf[q] == ' ') q--;
        if (buf[q] == ')') {
            while (q > p && buf[q] != '(') q--;
            q--;
            while (q > p && buf[q] == ' ') q--;
        }
        int pe = q + 1;
        while (q > p && isDigit(buf[q])) q--;
        if (buf[q] != '-' || q + 1 >= pe) return malformed("no TASK-PID before the CPU column");
        ev.pid = (int) parseDec(q + 1, pe);
        // the timestamp: first token after the CPU column starting with a digit and ending with ':'
        int t = rb + 1;
        int nameStart = -1;
        while (t < e) {
            while (t < e && buf[t] == ' ') t++;
            int ts = t;
            while (t < e && buf[t] != ' ') t++;
            if (t > ts && isDigit(buf[ts]) && buf[t - 1] == ':') {
                nameStart = t;
                break;
            }
        }
        if (nameStart < 0) return malformed("no TIMESTAMP: after the CPU column");
        while (nameStart < e && buf[nameStart] == ' ') nameStart++;
        int nameEnd = nameStart;
        while (nameEnd < e && buf[nameEnd] != ':' && buf[nameEnd] != ' ') nameEnd++;
        if (nameEnd >= e || buf[nameEnd] != ':' || nameEnd == nameStart) {
            return malformed("no 'EVENT:' after the timestamp");
        }
        payload = nameEnd + 1;
        while (payload < e && buf[payload] == ' ') payload++;
        int type = names.lookup(buf, nameStart, nameEnd);
        ev.type = type;
        ev.name = names.lastName;
        return fields(ev);
    }

    private int fields(TraceEvent ev) {
        bad = false;
        switch (ev.type) {
            case TraceEvent.MM_PAGE_ALLOC -> {
                long pfn = num(K_PFN);
                ev.order = (int) num(K_ORDER);
                ev.migratetype = (int) num(K_MIGRATETYPE);
                if (bad) return malformed("mm_page_alloc needs pfn=, order= and migratetype=");
                ev.pfn = pfn;
                // page=%p prints NULL as "(null)" (or zeros); pfn then reads 0: a failed allocation
                int pg = find(K_PAGE);
                ev.failed = pfn == 0 && (pg < 0 || isNullPointer(pg));
            }
            case TraceEvent.MM_PAGE_FREE -> {
                ev.pfn = num(K_PFN);
                ev.order = (int) num(K_ORDER);
                if (bad) return malformed("mm_page_free needs pfn= and order=");
            }
            case TraceEvent.MM_PAGE_FREE_BATCHED -> {
                ev.pfn = num(K_PFN);
                ev.order = 0;
                if (bad) return malformed("mm_page_free_batched needs pfn=");
            }
            case TraceEvent.MM_PAGE_PCPU_DRAIN -> {
                ev.pfn = num(K_PFN);
                ev.order = (int) num(K_ORDER);
                ev.migratetype = (int) num(K_MIGRATETYPE);
                if (bad) return malformed("mm_page_pcpu_drain needs pfn=, order= and migratetype=");
            }
            case TraceEvent.MM_PAGE_ALLOC_ZONE_LOCKED -> {
                ev.pfn = num(K_PFN);
                ev.order = (int) num(K_ORDER);
                ev.migratetype = (int) num(K_MIGRATETYPE);
                ev.percpuRefill = (int) num(K_PERCPU_REFILL);
                if (bad) return malformed("mm_page_alloc_zone_locked needs pfn=, order=, migratetype= and percpu_refill=");
            }
            case TraceEvent.MM_PAGE_ALLOC_EXTFRAG -> {
                ev.pfn = num(K_PFN);
                ev.allocOrder = (int) num(K_ALLOC_ORDER);
                ev.fallbackOrder = (int) num(K_FALLBACK_ORDER);
                ev.pageblockOrder = (int) num(K_PAGEBLOCK_ORDER);
                ev.allocMigratetype = (int) num(K_ALLOC_MIGRATETYPE);
                ev.fallbackMigratetype = (int) num(K_FALLBACK_MIGRATETYPE);
                ev.changeOwnership = (int) num(K_CHANGE_OWNERSHIP);
                if (bad) return malformed("mm_page_alloc_extfrag needs pfn=, alloc_order=, fallback_order=, pageblock_order=, "
                        + "alloc_migratetype=, fallback_migratetype= and change_ownership=");
                ev.order = ev.allocOrder;
            }
            case TraceEvent.MM_COMPACTION_BEGIN, TraceEvent.MM_COMPACTION_END -> {
                ev.zoneStart = num(K_ZONE_START);
                ev.migratePfn = num(K_MIGRATE_PFN);
                ev.freePfn = num(K_FREE_PFN);
                ev.zoneEnd = num(K_ZONE_END);
                int m = find(K_MODE);
                if (bad || m < 0) return malformed(ev.name + " needs zone_start=, migrate_pfn=, free_pfn=, zone_end= and mode=");
                ev.sync = startsWith(m, end, "sync");
                if (ev.type == TraceEvent.MM_COMPACTION_END) {
                    int s = find(K_STATUS);
                    if (s < 0) return malformed("mm_compaction_end needs status=");
                    ev.status = -1;
                    for (int i = 0; i < TraceEvent.STATUS.length; i++) {
                        if (tokenEquals(s, TraceEvent.STATUS[i])) ev.status = i;
                    }
                    if (ev.status < 0 && s < end && isDigit(b[s])) ev.status = (int) parseNum(s);
                    if (ev.status < 0) return malformed("mm_compaction_end: unknown status");
                }
            }
            case TraceEvent.MM_COMPACTION_ISOLATE_MIGRATEPAGES, TraceEvent.MM_COMPACTION_ISOLATE_FREEPAGES,
                 TraceEvent.MM_COMPACTION_FAST_ISOLATE_FREEPAGES -> {
                int r = find(K_RANGE);
                if (r >= 0) {
                    ev.startPfn = parseNum(r);
                    int tilde = indexOf(r, '~');
                    if (tilde < 0 || numEnd < 0) return malformed(ev.name + ": range=(START ~ END)");
                    int s2 = tilde + 1;
                    while (s2 < end && b[s2] == ' ') s2++;
                    ev.endPfn = parseNum(s2);
                    if (numEnd < 0) return malformed(ev.name + ": range=(START ~ END)");
                } else {
                    ev.startPfn = num(K_START_PFN);
                    ev.endPfn = num(K_END_PFN);
                    if (bad) return malformed(ev.name + " needs range=(START ~ END)");
                }
                ev.nrScanned = num(K_NR_SCANNED);
                ev.nrTaken = num(K_NR_TAKEN);
                if (bad) return malformed(ev.name + " needs nr_scanned= and nr_taken=");
            }
            default -> {
                // OTHER and UNKNOWN: counted only
            }
        }
        return EVENT;
    }

    private boolean bad;
    private int numEnd;

    private static final byte[] K_ALLOC_MIGRATETYPE = key("alloc_migratetype=");
    private static final byte[] K_ALLOC_ORDER = key("alloc_order=");
    private static final byte[] K_CHANGE_OWNERSHIP = key("change_ownership=");
    private static final byte[] K_END_PFN = key("end_pfn=");
    private static final byte[] K_FALLBACK_MIGRATETYPE = key("fallback_migratetype=");
    private static final byte[] K_FALLBACK_ORDER = key("fallback_order=");
    private static final byte[] K_FREE_PFN = key("free_pfn=");
    private static final byte[] K_MIGRATE_PFN = key("migrate_pfn=");
    private static final byte[] K_MIGRATETYPE = key("migratetype=");
    private static final byte[] K_MODE = key("mode=");
    private static final byte[] K_NR_SCANNED = key("nr_scanned=");
    private static final byte[] K_NR_TAKEN = key("nr_taken=");
    private static final byte[] K_ORDER = key("order=");
    private static final byte[] K_PAGE = key("page=");
    private static final byte[] K_PAGEBLOCK_ORDER = key("pageblock_order=");
    private static final byte[] K_PERCPU_REFILL = key("percpu_refill=");
    private static final byte[] K_PFN = key("pfn=");
    private static final byte[] K_RANGE = key("range=(");
    private static final byte[] K_START_PFN = key("start_pfn=");
    private static final byte[] K_STATUS = key("status=");
    private static final byte[] K_ZONE_END = key("zone_end=");
    private static final byte[] K_ZONE_START = key("zone_start=");

    private static byte[] key(String k) {
        return k.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** The number after " key" in the payload; sets {@link #bad} when absent or not a number. */
    private long num(byte[] key) {
        int v = find(key);
        if (v < 0) {
            bad = true;
            return 0;
        }
        long n = parseNum(v);
        if (numEnd < 0) bad = true;
        return n;
    }

    /** Index just after "key" where key starts the payload or follows a space, or -1. */
    private int find(byte[] key) {
        int n = key.length;
        byte k0 = key[0];
        outer:
        for (int i = payload; i + n <= end; i++) {
            if (b[i] != k0 || (i > payload && b[i - 1] != ' ' && b[i - 1] != ',')) continue;
            for (int k = 1; k < n; k++) if (b[i + k] != key[k]) continue outer;
            return i + n;
        }
        return -1;
    }

    private int indexOf(int from, char c) {
        for (int i = from; i < end; i++) if (b[i] == c) return i;
        return -1;
    }

    /** Parses 0x-hex or decimal (optionally negative) at i; numEnd = first index after it, or -1. */
    private long parseNum(int i) {
        boolean neg = false;
        if (i < end && b[i] == '-') {
            neg = true;
            i++;
        }
        long v = 0;
        int start = i;
        if (i + 1 < end && b[i] == '0' && (b[i + 1] == 'x' || b[i + 1] == 'X')) {
            i += 2;
            start = i;
            while (i < end) {
                int d = hexDigit(b[i]);
                if (d < 0) break;
                v = (v << 4) | d;
                i++;
            }
        } else {
            while (i < end && isDigit(b[i])) {
                v = v * 10 + (b[i] - '0');
                i++;
            }
        }
        if (i == start || (i < end && b[i] != ' ' && b[i] != ',' && b[i] != ')')) {
            numEnd = -1;
            return 0;
        }
        numEnd = i;
        return neg ? -v : v;
    }

    private long parseDec(int from, int to) {
        long v = 0;
        for (int i = from; i < to; i++) v = v * 10 + (b[i] - '0');
        return v;
    }

    private boolean isNullPointer(int i) {
        if (startsWith(i, end, "(null)") || startsWith(i, end, "(nil)")) return true;
        int j = i;
        if (j + 1 < end && b[j] == '0' && b[j + 1] == 'x') j += 2;
        int s = j;
        while (j < end && b[j] == '0') j++;
        return j > s && (j == end || b[j] == ' ');
    }

    private boolean tokenEquals(int i, String s) {
        return startsWith(i, end, s) && (i + s.length() == end || b[i + s.length()] == ' ' || b[i + s.length()] == ',');
    }

    private boolean startsWith(int i, int e, String s) {
        if (e - i < s.length()) return false;
        for (int k = 0; k < s.length(); k++) if (b[i + k] != s.charAt(k)) return false;
        return true;
    }

    private boolean contains(int i, int e, String s) {
        for (int k = i; k + s.length() <= e; k++) if (startsWith(k, e, s)) return true;
        return false;
    }

    private int malformed(String why) {
        reason = why;
        return MALFORMED;
    }

    private static boolean isDigit(byte c) {
        return c >= '0' && c <= '9';
    }

    private static int hexDigit(byte c) {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    }

    /** Distinct unknown event names seen (at most NameTable.MAX_UNKNOWN are kept apart). */
    public java.util.Map<String, long[]> unknownCounts() {
        return names.unknown;
    }

    /** Counts the event just parsed under its name. */
    public void countEvent() {
        names.countLast();
    }

    public java.util.Map<String, Long> knownCounts() {
        return names.knownCounts();
    }

    /** Event names to types: a small open-addressing table over the name bytes. */
    static final class NameTable {
        static final int MAX_UNKNOWN = 256;
        private final byte[][] keys = new byte[1024][];
        private final int[] types = new int[1024];
        private final String[] strings = new String[1024];
        private final long[][] counters = new long[1024][];
        private int used;
        final java.util.Map<String, long[]> unknown = new java.util.TreeMap<>();
        private final long[] otherUnknown = new long[1];
        String lastName;
        private long[] lastCounter;

        NameTable() {
            String[][] known = {
                {"mm_page_alloc", "1"}, {"mm_page_free", "2"}, {"mm_page_free_batched", "3"}, {"mm_page_pcpu_drain", "4"},
                {"mm_page_alloc_zone_locked", "5"}, {"mm_page_alloc_extfrag", "6"}, {"mm_compaction_begin", "7"},
                {"mm_compaction_end", "8"}, {"mm_compaction_isolate_migratepages", "9"},
                {"mm_compaction_isolate_freepages", "10"}, {"mm_compaction_fast_isolate_freepages", "11"},
            };
            for (String[] k : known) add(k[0], Integer.parseInt(k[1]));
            // known events with nothing to check (kmem.h, compaction.h, migrate.h, ksm.h; v6.18)
            for (String n : new String[] {"kmalloc", "kfree", "kmem_cache_alloc", "kmem_cache_free", "rss_stat",
                "mm_setup_per_zone_wmarks", "mm_setup_per_zone_lowmem_reserve", "mm_calculate_totalreserve_pages",
                "mm_alloc_contig_migrate_range_info", "mm_compaction_migratepages", "mm_compaction_suitable",
                "mm_compaction_finished", "mm_compaction_deferred", "mm_compaction_defer_compaction",
                "mm_compaction_defer_reset", "mm_compaction_try_to_compact_pages", "mm_compaction_kcompactd_sleep",
                "mm_compaction_wakeup_kcompactd", "mm_compaction_kcompactd_wake", "mm_migrate_pages",
                "mm_migrate_pages_start", "set_migration_pte", "remove_migration_pte", "ksm_start_scan",
                "ksm_stop_scan", "ksm_enter", "ksm_exit", "ksm_merge_one_page", "ksm_merge_with_ksm_page",
                "ksm_remove_ksm_page", "ksm_remove_rmap_item", "ksm_advisor"}) {
                add(n, TraceEvent.OTHER);
            }
        }

        private void add(String name, int type) {
            byte[] k = name.getBytes(StandardCharsets.ISO_8859_1);
            int i = hash(k, 0, k.length) & 1023;
            while (keys[i] != null) i = (i + 1) & 1023;
            keys[i] = k;
            types[i] = type;
            strings[i] = name;
            counters[i] = new long[1];
            used++;
        }

        /** Counts of the known events seen, by name. */
        java.util.Map<String, Long> knownCounts() {
            java.util.Map<String, Long> m = new java.util.LinkedHashMap<>();
            for (int i = 0; i < keys.length; i++) {
                if (keys[i] != null && types[i] != TraceEvent.UNKNOWN && counters[i][0] > 0) m.put(strings[i], counters[i][0]);
            }
            return m;
        }

        private static int hash(byte[] b, int s, int e) {
            int h = 0x811C9DC5;
            for (int i = s; i < e; i++) h = (h ^ b[i]) * 0x01000193;
            return h ^ (h >>> 15);
        }

        int lookup(byte[] b, int s, int e) {
            int i = hash(b, s, e) & 1023;
            while (keys[i] != null) {
                byte[] k = keys[i];
                if (k.length == e - s && java.util.Arrays.equals(k, 0, k.length, b, s, e)) {
                    lastName = strings[i];
                    lastCounter = counters[i];
                    return types[i];
                }
                i = (i + 1) & 1023;
            }
            String n = new String(b, s, e - s, StandardCharsets.ISO_8859_1);
            long[] c;
            if (unknown.size() < MAX_UNKNOWN && used < 512) {
                c = new long[1];
                unknown.put(n, c);
                add(n, TraceEvent.UNKNOWN);
                int j = hash(b, s, e) & 1023;
                while (!strings[j].equals(n)) j = (j + 1) & 1023;
                counters[j] = c;
            } else {
                c = unknown.computeIfAbsent("(other unknown events)", x -> otherUnknown);
            }
            lastName = n;
            lastCounter = c;
            return TraceEvent.UNKNOWN;
        }

        void countLast() {
            if (lastCounter != null) lastCounter[0]++;
        }
    }
}
