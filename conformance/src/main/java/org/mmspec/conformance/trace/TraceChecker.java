package org.mmspec.conformance.trace;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

import org.mmspec.conformance.MalformedInputException;
import org.mmspec.invariants.Violation;

/**
 * The trace oracle: reads an ftrace text trace (tracefs {@code trace}, or {@code trace-cmd report}
 * output; plain or gzip) line by line, in constant memory, and checks every event against the
 * {@link TraceInvariants} before applying it to the {@link TraceState}. Unknown events are
 * counted and skipped; malformed lines are counted and reported with their line number; a
 * lost-events marker (a CPU's buffer overwritten or dropped) resets what the oracle knows.
 */
public final class TraceChecker {
    /** One violation: where, on which event, of which invariant, and the evidence. */
    public record Finding(long line, String event, String id, String evidence) {
        @Override
        public String toString() {
            return "line " + line + "  " + event + "  " + id + "  " + evidence;
        }
    }

    /** What a check found and how fast. */
    public static final class Report {
        public final String file;
        public long lines, events, bytes, resets, malformedCount, violationCount, undecided, maxLive, liveAtEnd;
        public double seconds;
        public final Map<String, Long> eventCounts = new LinkedHashMap<>();
        public final Map<String, Long> unknownCounts = new LinkedHashMap<>();
        public final Map<String, long[]> byInvariant = new LinkedHashMap<>(); // id -> {checks, violations}
        public final List<Finding> violations = new ArrayList<>();
        public final List<String> malformed = new ArrayList<>();
        public final List<String> resetLines = new ArrayList<>();

        Report(String file) {
            this.file = file;
        }

        public double eventsPerSecond() {
            return seconds > 0 ? events / seconds : 0;
        }

        /** 0: no violation and nothing malformed; 1: a violation; 2: malformed input only. */
        public int exitCode() {
            if (violationCount > 0) return 1;
            return malformedCount > 0 ? 2 : 0;
        }

        public long violations(String id) {
            long[] c = byInvariant.get(id);
            return c == null ? 0 : c[1];
        }
    }

    /** How many violations and malformed lines a report keeps in full (all are counted). */
    public int maxFindings = 1000;
    public static final int MAX_MALFORMED_KEPT = 20;
    private static final int BUF = 1 << 20;

    private final TraceState state = new TraceState();
    private final TraceLineParser parser = new TraceLineParser();
    private final TraceEvent ev = new TraceEvent();
    /** For each event type, the indices (into TraceInvariants.ALL) of the invariants that apply. */
    private final int[][] byType = new int[TraceEvent.NR_TYPES][];
    private final TraceInvariants.TraceInvariant[] all = TraceInvariants.ALL.toArray(new TraceInvariants.TraceInvariant[0]);
    private final TraceInvariants.TraceStep step;
    private final long[][] invCounts;
    private final List<Violation> scratch = new ArrayList<>();
    /** Extfrag findings of tasks whose compaction state is unknown, decided by their next compaction event. */
    private final Map<Integer, List<Finding>> deferred = new HashMap<>();
    private Report report;

    public TraceChecker() {
        for (int t = 0; t < TraceEvent.NR_TYPES; t++) {
            List<Integer> idx = new ArrayList<>();
            for (int i = 0; i < all.length; i++) {
                for (int u : all[i].types()) if (u == t) idx.add(i);
            }
            byType[t] = idx.stream().mapToInt(Integer::intValue).toArray();
        }
        invCounts = new long[all.length][2];
        step = new TraceInvariants.TraceStep(ev, state);
    }

    public TraceState state() {
        return state;
    }

    /** Opens a file or stream, gunzipping (on a read-ahead thread) when it starts with the gzip magic. */
    public static InputStream open(InputStream raw) throws IOException {
        BufferedInputStream in = new BufferedInputStream(raw, 1 << 16);
        in.mark(2);
        int a = in.read(), b = in.read();
        in.reset();
        if (a == 0x1f && b == 0x8b) return new ReadAhead(new GZIPInputStream(in, 1 << 16));
        return in;
    }

    public Report check(InputStream raw, String fileName) {
        report = new Report(fileName);
        long t0 = System.nanoTime();
        try (InputStream in = open(raw)) {
            readLines(in);
        } catch (IOException e) {
            throw new MalformedInputException(fileName, report.lines, "cannot read the trace: " + e.getMessage());
        }
        report.seconds = (System.nanoTime() - t0) / 1e9;
        finish();
        return report;
    }

    private long lineNo;

    private void readLines(InputStream in) throws IOException {
        byte[] buf = new byte[BUF];
        int len = 0;
        boolean skippingLongLine = false;
        while (true) {
            int n = in.read(buf, len, buf.length - len);
            if (n < 0) break;
            report.bytes += n;
            len += n;
            int pos = lines(buf, len, skippingLongLine);
            if (pos > 0) skippingLongLine = false;
            if (pos == 0 && len == buf.length) {
                // a line longer than the buffer: malformed; skip to its end
                malformed(lineNo + 1, "line longer than " + BUF + " bytes", buf, 0, 80);
                skippingLongLine = true;
                len = 0;
                continue;
            }
            System.arraycopy(buf, pos, buf, 0, len - pos);
            len -= pos;
        }
        if (len > 0) {
            lineNo++;
            if (!skippingLongLine) line(buf, 0, len, lineNo);
        }
        report.lines = lineNo;
    }

    /** Checks the complete lines in buf[0, len); returns where the partial last line starts. */
    private int lines(byte[] buf, int len, boolean skipFirst) {
        int pos = 0;
        for (int k = 0; k < len; k++) {
            if (buf[k] != '\n') continue;
            lineNo++;
            if (skipFirst) skipFirst = false;
            else line(buf, pos, k, lineNo);
            pos = k + 1;
        }
        return pos;
    }

    /** Checks one line (exposed for benchmarks and tests that feed lines directly). */
    void line(byte[] buf, int start, int end, long lineNo) {
        int r = parser.parse(buf, start, end, lineNo, ev);
        switch (r) {
            case TraceLineParser.EVENT -> event();
            case TraceLineParser.SKIP -> { }
            case TraceLineParser.RESET -> {
                report.resets++;
                if (report.resetLines.size() < MAX_MALFORMED_KEPT) report.resetLines.add("line " + lineNo + ": " + parser.reason);
                report.undecided += deferredCount();
                deferred.clear();
                state.reset();
            }
            default -> malformed(lineNo, parser.reason, buf, start, Math.min(end - start, 160));
        }
    }

    private void malformed(long lineNo, String why, byte[] buf, int start, int n) {
        report.malformedCount++;
        if (report.malformed.size() < MAX_MALFORMED_KEPT) {
            report.malformed.add("line " + lineNo + ": " + why + ": '"
                    + new String(buf, start, Math.max(0, n), StandardCharsets.ISO_8859_1).trim() + "'");
        }
    }

    private void event() {
        report.events++;
        parser.countEvent();
        int type = ev.type;
        if (type == TraceEvent.UNKNOWN) return;
        if (type == TraceEvent.OTHER) return;
        if (type == TraceEvent.MM_PAGE_ALLOC_EXTFRAG && ev.pageblockOrder >= 0 && ev.pageblockOrder <= state.maxPageOrder) {
            state.pageblockOrder = ev.pageblockOrder;
        }
        if (type == TraceEvent.MM_PAGE_FREE_BATCHED) state.recentBatchPid = state.recentFrees.take(ev.pfn);
        int[] invs = byType[type];
        boolean violated = false;
        for (int i = 0; i < invs.length; i++) {
            long[] counts = invCounts[invs[i]];
            counts[0]++;
            scratch.clear();
            all[invs[i]].invariant().check(step, scratch);
            if (scratch.isEmpty()) continue;
            for (Violation v : scratch) {
                Finding f = new Finding(ev.line, ev.name, v.invariantId(), v.message());
                if (type == TraceEvent.MM_PAGE_ALLOC_EXTFRAG && TraceInvariants.captureLike(ev)) {
                    int cs = state.compactionState(ev.pid);
                    if (cs == 1) continue; // compaction_capture() inside this task's run
                    if (cs == -1) {        // decided by the task's next compaction event
                        List<Finding> l = deferred.computeIfAbsent(ev.pid, k -> new ArrayList<>());
                        if (l.size() < 16 && deferred.size() <= 4096) l.add(f);
                        else report.undecided++;
                        continue;
                    }
                }
                counts[1]++;
                record(f);
                violated = true;
            }
        }
        apply(type, violated);
    }

    private void record(Finding f) {
        report.violationCount++;
        if (report.violations.size() < maxFindings) report.violations.add(f);
    }

    private long deferredCount() {
        long n = 0;
        for (List<Finding> l : deferred.values()) n += l.size();
        return n;
    }

    /** Applies the event to the state (after its checks). */
    private void apply(int type, boolean violated) {
        TraceState st = state;
        int maxO = st.maxPageOrder;
        // a block that is not a buddy block (bad order, misaligned: TRACE-ALIGN said so) is not tracked
        int o = type == TraceEvent.MM_PAGE_ALLOC_EXTFRAG ? ev.allocOrder : ev.order;
        boolean block = o >= 0 && o <= maxO && (ev.pfn & ((1L << o) - 1)) == 0;
        if (type != TraceEvent.MM_PAGE_FREE_BATCHED && st.inBatchCommit.get(ev.pid)) {
            // the task's batch commit loop is over: a batch it starts from now on is whole in the trace
            st.inBatchCommit.clear(ev.pid);
            st.batchArmed.set(ev.pid);
        }
        switch (type) {
            case TraceEvent.MM_PAGE_ALLOC -> {
                if (ev.failed || !block) return;
                if (violated) forgetOverlapping(ev.pfn, ev.order);
                st.live.put(ev.pfn, ev.order, ev.line);
                long n = st.live.size();
                if (n > report.maxLive) report.maxLive = n;
            }
            case TraceEvent.MM_PAGE_FREE -> {
                if (block) {
                    long h = st.live.containing(ev.pfn, ev.order, maxO);
                    if (h >= 0) {
                        int k = st.live.get(h);
                        if (h == ev.pfn && k == ev.order) st.live.remove(h);
                        else st.live.carve(h, k, ev.pfn, ev.order);
                    } else if (violated || ev.order > 0) {
                        st.live.removeInside(ev.pfn, ev.order);
                    } else {
                        st.live.remove(ev.pfn);
                    }
                }
                st.recentFrees.add(ev.pfn, ev.pid);
            }
            case TraceEvent.MM_PAGE_FREE_BATCHED -> st.inBatchCommit.set(ev.pid);
            case TraceEvent.MM_PAGE_ALLOC_ZONE_LOCKED, TraceEvent.MM_PAGE_PCPU_DRAIN -> {
                if (violated && block) forgetOverlapping(ev.pfn, ev.order);
            }
            case TraceEvent.MM_PAGE_ALLOC_EXTFRAG -> {
                if (violated && block) forgetOverlapping(ev.pfn, ev.allocOrder);
            }
            case TraceEvent.MM_COMPACTION_BEGIN -> {
                List<Finding> l = deferred.remove(ev.pid);
                if (l != null) { // the task was outside any run: these were not captures
                    for (Finding f : l) {
                        invCounts[indexOf(f.id())][1]++;
                        record(f);
                    }
                }
                st.compaction.put(ev.pid, new long[] {ev.zoneStart, ev.zoneEnd, ev.sync ? 1 : 0, ev.line});
                st.compactionClosed.clear(ev.pid);
            }
            case TraceEvent.MM_COMPACTION_END -> {
                if (st.compaction.remove(ev.pid) == null) deferred.remove(ev.pid); // inside a run begun before the trace
                st.compactionClosed.set(ev.pid);
            }
            default -> { }
        }
    }

    private static int indexOf(String id) {
        for (int i = 0; i < TraceInvariants.ALL.size(); i++) {
            if (TraceInvariants.ALL.get(i).invariant().id().equals(id)) return i;
        }
        throw new IllegalArgumentException(id);
    }

    private void forgetOverlapping(long pfn, int order) {
        long h;
        while ((h = state.live.containing(pfn, order, state.maxPageOrder)) >= 0) state.live.remove(h);
        state.live.removeInside(pfn, order);
    }

    private void finish() {
        report.undecided += deferredCount();
        report.liveAtEnd = state.live.size();
        report.eventCounts.putAll(parser.knownCounts());
        for (Map.Entry<String, long[]> e : parser.unknownCounts().entrySet()) {
            report.unknownCounts.put(e.getKey(), e.getValue()[0]);
        }
        for (int i = 0; i < TraceInvariants.ALL.size(); i++) {
            report.byInvariant.put(TraceInvariants.ALL.get(i).invariant().id(), invCounts[i].clone());
        }
    }
}
