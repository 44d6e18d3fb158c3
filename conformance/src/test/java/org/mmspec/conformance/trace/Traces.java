package org.mmspec.conformance.trace;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/** Builds small traces in the tracefs text format and runs the oracle over them. */
final class Traces {
    private Traces() {}

    static final String HEADER = "# tracer: nop\n#\n#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION\n#              | |         |   |||||     |         |\n";
    /** Lines of HEADER: the first event of a trace built by {@link #trace} is on line HEADER_LINES + 1. */
    static final int HEADER_LINES = 4;

    /** One event line as the tracefs trace file prints it. */
    static String ev(int pid, String event, String fields) {
        return String.format("%16s-%-7d [%03d] ..... %6d.%06d: %s: %s", "task", pid, pid % 2, 100, pid, event, fields);
    }

    static String alloc(int pid, long pfn, int order) {
        return ev(pid, "mm_page_alloc", "page=00000000deadbeef pfn=0x" + Long.toHexString(pfn) + " order=" + order
                + " migratetype=1 gfp_flags=GFP_HIGHUSER_MOVABLE");
    }

    static String free(int pid, long pfn, int order) {
        return ev(pid, "mm_page_free", "page=00000000deadbeef pfn=0x" + Long.toHexString(pfn) + " order=" + order);
    }

    static String batched(int pid, long pfn) {
        return ev(pid, "mm_page_free_batched", "page=00000000deadbeef pfn=0x" + Long.toHexString(pfn) + " order=0");
    }

    static String zoneLocked(int pid, long pfn, int order) {
        return ev(pid, "mm_page_alloc_zone_locked", "page=00000000deadbeef pfn=0x" + Long.toHexString(pfn) + " order=" + order
                + " migratetype=1 percpu_refill=1");
    }

    static String drain(int pid, long pfn, int order) {
        return ev(pid, "mm_page_pcpu_drain", "page=00000000deadbeef pfn=0x" + Long.toHexString(pfn) + " order=" + order
                + " migratetype=1");
    }

    static String extfrag(int pid, long pfn, int allocOrder, int fallbackOrder, int allocMt, int fallbackMt, int change) {
        return ev(pid, "mm_page_alloc_extfrag", "page=00000000deadbeef pfn=0x" + Long.toHexString(pfn) + " alloc_order="
                + allocOrder + " fallback_order=" + fallbackOrder + " pageblock_order=9 alloc_migratetype=" + allocMt
                + " fallback_migratetype=" + fallbackMt + " fragmenting=" + (fallbackOrder < 9 ? 1 : 0)
                + " change_ownership=" + change);
    }

    static String begin(int pid, long zs, long migrate, long free, long ze) {
        return ev(pid, "mm_compaction_begin", String.format("zone_start=0x%x migrate_pfn=0x%x free_pfn=0x%x zone_end=0x%x, mode=sync",
                zs, migrate, free, ze));
    }

    static String end(int pid, long zs, long migrate, long free, long ze, String status) {
        return ev(pid, "mm_compaction_end", String.format("zone_start=0x%x migrate_pfn=0x%x free_pfn=0x%x zone_end=0x%x, "
                + "mode=sync status=%s", zs, migrate, free, ze, status));
    }

    static String isolateMigrate(int pid, long start, long end) {
        return ev(pid, "mm_compaction_isolate_migratepages", String.format("range=(0x%x ~ 0x%x) nr_scanned=512 nr_taken=0",
                start, end));
    }

    static String trace(String... lines) {
        return HEADER + Arrays.stream(lines).collect(Collectors.joining("\n")) + "\n";
    }

    static TraceChecker.Report check(String text) {
        return new TraceChecker().check(new ByteArrayInputStream(text.getBytes(StandardCharsets.ISO_8859_1)), "test");
    }

    static InputStream resource(String name) {
        InputStream in = Traces.class.getResourceAsStream("/traces/" + name);
        if (in == null) throw new IllegalArgumentException("no test trace " + name);
        return in;
    }

    static TraceChecker.Report checkResource(String name) {
        try (InputStream in = resource(name)) {
            return new TraceChecker().check(in, name);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The lines of a committed trace (gunzipped). */
    static List<String> lines(String name) {
        try (InputStream in = TraceChecker.open(resource(name))) {
            String s = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            return new ArrayList<>(Arrays.asList(s.split("\n", -1)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String join(List<String> lines) {
        return String.join("\n", lines);
    }
}
