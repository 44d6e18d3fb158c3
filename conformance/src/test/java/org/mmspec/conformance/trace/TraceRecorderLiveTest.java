package org.mmspec.conformance.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mmspec.conformance.Files2;
import org.mmspec.conformance.Mounts;

/**
 * `mmspec trace record` on the running kernel: records a short workload, puts every tracing knob
 * back as it was (and tracefs mounted or not as it was), and the trace parses. Needs root and
 * tracefs; skipped otherwise. About a second.
 */
class TraceRecorderLiveTest {
    @Test
    void recordsAndRestoresEveryKnob(@TempDir Path tmp) throws Exception {
        assumeTrue(Files2.isRoot(), "tracing needs root");
        assumeTrue(Files.isDirectory(TraceRecorder.TRACEFS), "no " + TraceRecorder.TRACEFS);
        boolean mountedBefore = Mounts.isMounted("tracefs", TraceRecorder.TRACEFS);
        Map<Path, String> before;
        try (Mounts.Mounted m = Mounts.ensure("tracefs", TraceRecorder.TRACEFS)) {
            before = knobs(new TraceRecorder().events(true));
        } catch (IllegalStateException e) {
            assumeTrue(false, "tracefs unavailable: " + e.getMessage());
            return;
        }
        Path out = tmp.resolve("t.txt.gz");
        TraceRecorder rec = new TraceRecorder();
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        TraceRecorder.Result r = rec.record(new TraceRecorder.Options(10, out, List.of("sh", "-c",
                "head -c 4000000 /dev/zero > " + tmp.resolve("f") + "; cat " + tmp.resolve("f") + " > /dev/null; rm "
                        + tmp.resolve("f")), 4096, false), new PrintStream(log));
        assertEquals(0, r.commandExit());
        assertEquals(mountedBefore, Mounts.isMounted("tracefs", TraceRecorder.TRACEFS), "tracefs mount state changed");
        try (Mounts.Mounted m = Mounts.ensure("tracefs", TraceRecorder.TRACEFS)) {
            assertEquals(before, knobs(new TraceRecorder().events(true)), "a tracing knob was not restored");
        }
        TraceChecker.Report rep;
        try (InputStream in = Files.newInputStream(out)) {
            rep = new TraceChecker().check(in, out.toString());
        }
        assertEquals(0, rep.malformedCount, rep.malformed.toString());
        assertTrue(rep.eventCounts.getOrDefault("mm_page_alloc", 0L) > 0, "no mm_page_alloc recorded: " + rep.eventCounts);
        // Violations are not asserted here: the machine is shared and this is not a controlled trace;
        // RealTracesTest checks committed real traces deterministically. Print them for the log.
        if (rep.violationCount > 0) System.out.println("live trace violations: " + rep.violations);
    }

    /** Every knob the recorder may touch, as read now. */
    static Map<Path, String> knobs(List<Path> events) {
        Map<Path, String> m = new LinkedHashMap<>();
        Path root = TraceRecorder.TRACEFS;
        for (String k : new String[] {"tracing_on", "buffer_size_kb", "current_tracer", "trace_clock"}) {
            m.put(root.resolve(k), Files2.read(root.resolve(k)).trim());
        }
        for (Path e : events) m.put(e.resolve("enable"), Files2.read(e.resolve("enable")).trim());
        return m;
    }
}
