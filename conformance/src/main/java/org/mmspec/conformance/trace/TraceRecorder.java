package org.mmspec.conformance.trace;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;

import org.mmspec.conformance.Files2;
import org.mmspec.conformance.Mounts;

/**
 * {@code mmspec trace record}: enables the page allocator (kmem mm_page_*), compaction, migrate
 * and ksm tracepoints, runs a command or waits, and saves the tracefs {@code trace} file (gzip
 * when the name ends in .gz). Every knob it touches (tracing_on, buffer_size_kb, current_tracer,
 * trace_clock, each event's enable) is read first and written back afterwards, also on failure
 * and on an interrupt (a shutdown hook); tracefs is mounted only if it is not, and unmounted
 * again. It sets trace_clock to global so that events from different CPUs are ordered as they
 * happened, which the oracle relies on (a free on one CPU before the allocation on another).
 */
public final class TraceRecorder {
    public static final Path TRACEFS = Path.of("/sys/kernel/tracing");
    /** kmem events that are not the page allocator's: slab and rss, far more frequent, nothing to check. */
    static final Set<String> NOISY_KMEM = Set.of("kmalloc", "kfree", "kmem_cache_alloc", "kmem_cache_free", "rss_stat");
    public static final List<String> GROUPS = List.of("kmem", "compaction", "migrate", "ksm");

    public record Options(double seconds, Path out, List<String> command, int bufferKb, boolean allKmem) {}

    public record Result(Path out, long bytes, long lines, String overruns, int commandExit) {}

    private final Path root;
    private final Map<Path, String> saved = new LinkedHashMap<>();
    private Mounts.Mounted mount;
    private boolean restored;

    public TraceRecorder() {
        this(TRACEFS);
    }

    TraceRecorder(Path root) {
        this.root = root;
    }

    public Result record(Options o, PrintStream log) throws IOException, InterruptedException {
        mount = Mounts.ensure("tracefs", root);
        Thread hook = new Thread(this::restore, "mmspec-trace-restore");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            List<Path> events = events(o.allKmem());
            save(root.resolve("tracing_on"));
            save(root.resolve("buffer_size_kb"));
            save(root.resolve("current_tracer"));
            save(root.resolve("trace_clock"));
            for (Path e : events) save(e.resolve("enable"));

            write(root.resolve("tracing_on"), "0");
            write(root.resolve("current_tracer"), "nop");
            write(root.resolve("trace_clock"), "global");
            write(root.resolve("buffer_size_kb"), Integer.toString(o.bufferKb()));
            write(root.resolve("trace"), "");
            for (Path e : events) write(e.resolve("enable"), "1");
            log.println("mmspec trace record: " + events.size() + " events enabled (" + String.join(", ", GROUPS)
                    + (o.allKmem() ? "" : "; kmem without slab and rss events") + "), buffer " + o.bufferKb()
                    + " KiB per CPU, trace_clock global");
            write(root.resolve("tracing_on"), "1");
            int exit = 0;
            if (o.command().isEmpty()) {
                Thread.sleep((long) (o.seconds() * 1000));
            } else {
                Process p = new ProcessBuilder(o.command()).inheritIO().start();
                boolean done = o.seconds() > 0 ? p.waitFor((long) (o.seconds() * 1000), TimeUnit.MILLISECONDS) : p.waitFor() >= 0;
                if (!done) {
                    log.println("mmspec trace record: the command is still running after " + o.seconds() + " s; stopping it");
                    p.destroy();
                    p.waitFor(5, TimeUnit.SECONDS);
                    p.destroyForcibly();
                }
                exit = done ? p.exitValue() : -1;
            }
            write(root.resolve("tracing_on"), "0");
            String overruns = overruns();
            long[] n = save(root.resolve("trace"), o.out());
            return new Result(o.out(), n[0], n[1], overruns, exit);
        } finally {
            restore();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // already shutting down: the hook runs restore() again, which does nothing twice
            }
        }
    }

    /** The event directories to enable: kmem's page allocator events, and all of compaction, migrate, ksm. */
    List<Path> events(boolean allKmem) throws IOException {
        List<Path> out = new ArrayList<>();
        for (String g : GROUPS) {
            Path dir = root.resolve("events").resolve(g);
            if (!Files.isDirectory(dir)) continue;
            List<Path> evs = new ArrayList<>();
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
                for (Path p : ds) {
                    if (!Files.isDirectory(p)) continue;
                    if (g.equals("kmem") && !allKmem && NOISY_KMEM.contains(p.getFileName().toString())) continue;
                    evs.add(p);
                }
            }
            evs.sort(null);
            out.addAll(evs);
        }
        if (out.isEmpty()) throw new IllegalStateException(root + "/events has none of " + GROUPS);
        return out;
    }

    private void save(Path knob) {
        String v = Files2.read(knob).trim();
        if (knob.getFileName().toString().equals("trace_clock")) {
            int a = v.indexOf('['), b = v.indexOf(']');
            v = a >= 0 && b > a ? v.substring(a + 1, b) : "local";
        } else if (knob.getFileName().toString().equals("buffer_size_kb")) {
            // "7 (expanded: 1408)": not yet allocated; 1408 is the size it takes once used
            int e = v.indexOf("expanded:");
            v = e >= 0 ? v.substring(e + 9).replace(")", "").trim() : v;
        }
        saved.putIfAbsent(knob, v);
    }

    /** Writes every saved knob back, events first; safe to call twice. */
    public synchronized void restore() {
        if (restored) return;
        restored = true;
        List<Path> order = new ArrayList<>(saved.keySet());
        // tracing_on last, so nothing is recorded while the rest is put back
        order.sort((a, b) -> Boolean.compare(a.endsWith("tracing_on"), b.endsWith("tracing_on")));
        for (Path k : order) {
            try {
                write(k, saved.get(k));
            } catch (IOException | RuntimeException e) {
                System.err.println("mmspec trace record: could not restore " + k + " to '" + saved.get(k) + "': " + e.getMessage());
            }
        }
        if (mount != null) mount.close();
    }

    /** What restore() will write back (for tests). */
    Map<Path, String> savedKnobs() {
        return Map.copyOf(saved);
    }

    private static void write(Path knob, String value) throws IOException {
        // one write() per value: tracefs and sysfs handlers take the value in a single call
        try (OutputStream out = new FileOutputStream(knob.toFile())) {
            out.write((value + "\n").getBytes(StandardCharsets.US_ASCII));
        }
    }

    private String overruns() {
        StringBuilder sb = new StringBuilder();
        Path pc = root.resolve("per_cpu");
        if (!Files.isDirectory(pc)) return "";
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(pc, "cpu*")) {
            for (Path cpu : ds) {
                Path stats = cpu.resolve("stats");
                if (!Files.exists(stats)) continue;
                for (String l : Files2.read(stats).split("\n")) {
                    String[] f = l.split(":");
                    if (f.length == 2 && (f[0].trim().equals("overrun") || f[0].trim().equals("dropped events"))
                            && !f[1].trim().equals("0")) {
                        sb.append(cpu.getFileName()).append(' ').append(f[0].trim()).append(' ').append(f[1].trim()).append("; ");
                    }
                }
            }
        } catch (IOException e) {
            return "";
        }
        return sb.toString();
    }

    /** Copies the trace file to out (gzip when out ends in .gz); returns {bytes, lines}. */
    private static long[] save(Path trace, Path out) throws IOException {
        long bytes = 0, lines = 0;
        try (InputStream in = Files.newInputStream(trace);
             OutputStream raw = Files.newOutputStream(out);
             OutputStream os = out.toString().endsWith(".gz") ? new GZIPOutputStream(raw, 1 << 16) : raw) {
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) {
                os.write(buf, 0, n);
                bytes += n;
                for (int i = 0; i < n; i++) if (buf[i] == '\n') lines++;
            }
        }
        return new long[] {bytes, lines};
    }
}
