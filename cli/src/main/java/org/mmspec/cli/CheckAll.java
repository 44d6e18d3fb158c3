package org.mmspec.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

import org.mmspec.invariants.engine.Subsystem;
import org.mmspec.invariants.engine.Subsystems;

/**
 * {@code mmspec check --all}: everything mmspec can check on this machine, one part after the
 * other, each the command a user would type (so a part that fails can be rerun alone with the
 * line the report prints), and one HTML report ({@code OUT/index.html}) over all of them:
 *
 * <ol>
 *   <li>every subsystem's suite: {@code check --subsystem NAME} over all its named
 *       configurations, with the run's seed (each writes its own report under {@code OUT/check-NAME});</li>
 *   <li>the named bounded configurations: {@code explore --subsystem NAME} for every subsystem
 *       that names configurations small enough to exhaust;</li>
 *   <li>the known-bug corpus: {@code replay FILE} for every counterexample in the corpus, each of
 *       which must still reproduce (the bug re-created, the same invariant after the same step);</li>
 *   <li>live conformance against this kernel: {@code conform zoneinfo} wherever /proc/zoneinfo
 *       is readable; as root, {@code conform extfrag}, {@code conform ksm} (every knob restored)
 *       and a short {@code trace record} checked with {@code trace check}. A part that cannot run
 *       here is reported as skipped with the reason, never as passed.</li>
 * </ol>
 *
 * Exit 0 when every part that ran passed, 1 otherwise.
 */
final class CheckAll {
    /** One part of the run: what ran, how it ended, what it printed. */
    record Part(String section, String title, List<String> args, String skipped, int exit, long millis, String output,
                String link) {
        boolean passed() {
            return skipped == null && exit == 0;
        }

        String status() {
            return skipped != null ? "skipped" : exit == 0 ? "passed" : "FAILED (exit " + exit + ")";
        }

        String commandLine() {
            return "mmspec " + String.join(" ", args);
        }
    }

    private final long seed;
    private final int tries;
    private final int steps;
    private final Path out;
    private final String format;
    private final boolean live;
    private final Path corpus;
    private final boolean progress;
    private final int traceSeconds;
    private final PrintStream stdout = System.out;
    private final PrintStream stderr = System.err;

    CheckAll(long seed, int tries, int steps, Path out, String format, boolean live, Path corpus, boolean progress,
             int traceSeconds) {
        this.seed = seed;
        this.tries = tries;
        this.steps = steps;
        this.out = out;
        this.format = format;
        this.live = live;
        this.corpus = corpus;
        this.progress = progress;
        this.traceSeconds = traceSeconds;
    }

    /** What will run, in order (skips decided now, so the progress counts are right). */
    List<Part> plan() {
        List<Part> parts = new ArrayList<>();
        for (String name : Subsystems.names()) {
            List<String> a = new ArrayList<>(List.of("check", "--subsystem", name, "--seed", Long.toString(seed), "--tries",
                    Integer.toString(tries), "--steps", Integer.toString(steps), "--out", out.resolve("check-" + name).toString(),
                    "--format", format));
            if (!progress) a.add("--no-progress");
            parts.add(planned("Subsystem suites", "check " + name, a, null, "check-" + name + "/report/index.html"));
        }
        for (String name : Subsystems.names()) {
            Subsystem<?> sub = Subsystems.create(name);
            if (sub.exhaustiveConfigs().isEmpty()) continue;
            List<String> a = new ArrayList<>(List.of("explore", "--subsystem", name, "--out", out.resolve("explore-" + name).toString(),
                    "--format", format));
            if (!progress) a.add("--no-progress");
            parts.add(planned("Bounded configurations", "explore " + name + " " + sub.exhaustiveConfigs(), a, null, null));
        }
        List<Path> files = corpusFiles();
        if (files.isEmpty()) {
            parts.add(planned("Known-bug corpus", "replay", List.of("replay"),
                    "no counterexample JSON in " + corpus.toAbsolutePath() + " (give --corpus DIR: the repository's "
                            + "counterexamples/corpus)", null));
        }
        for (Path f : files) {
            String base = f.getFileName().toString().replaceFirst("\\.json$", "");
            Path svg = f.resolveSibling(base + ".svg");
            parts.add(planned("Known-bug corpus", "replay " + f.getFileName(), List.of("replay", f.toString()), null,
                    Files.isRegularFile(svg) ? "corpus/" + base + ".svg" : null));
        }
        boolean root = isRoot();
        String notRoot = "needs root (run as root to compare with the live kernel)";
        if (!live) {
            parts.add(planned("Live conformance", "conform, trace", List.of("conform"), "--no-live given", null));
            return parts;
        }
        parts.add(planned("Live conformance", "conform zoneinfo", List.of("conform", "zoneinfo"),
                Files.isReadable(Path.of("/proc/zoneinfo")) ? null : "/proc/zoneinfo is not readable here", null));
        parts.add(planned("Live conformance", "conform extfrag", List.of("conform", "extfrag"),
                root ? null : notRoot, null));
        parts.add(planned("Live conformance", "conform ksm", List.of("conform", "ksm"),
                !root ? notRoot : Files.isRegularFile(Path.of("/sys/kernel/mm/ksm/run")) ? null
                        : "/sys/kernel/mm/ksm/run is absent (a kernel without CONFIG_KSM)", null));
        Path trace = out.resolve("live-trace.txt.gz");
        parts.add(planned("Live conformance", "trace record (" + traceSeconds + " s)",
                List.of("trace", "record", "--seconds", Integer.toString(traceSeconds), "-o", trace.toString()),
                root ? null : notRoot, null));
        parts.add(planned("Live conformance", "trace check", List.of("trace", "check", trace.toString()),
                root ? null : notRoot, null));
        return parts;
    }

    private static Part planned(String section, String title, List<String> args, String skipped, String link) {
        return new Part(section, title, List.copyOf(args), skipped, 0, 0, "", link);
    }

    /** Runs every part of {@link #plan()}, writes the report and returns the exit code. */
    int run() {
        Instant started = Instant.now();
        long t0 = System.nanoTime();
        List<Part> plan = plan();
        stdout.println("mmspec check --all: seed " + seed + ", " + tries + " tries x " + steps + " steps per configuration, "
                + plan.size() + " parts; report in " + out.resolve("index.html"));
        List<Part> done = new ArrayList<>();
        boolean traceRecorded = true;
        for (int i = 0; i < plan.size(); i++) {
            Part p = plan.get(i);
            String head = String.format("[%d/%d] %s: %s", i + 1, plan.size(), p.section(), p.title());
            if (p.skipped() == null && p.args().get(0).equals("trace") && p.args().get(1).equals("check") && !traceRecorded) {
                p = new Part(p.section(), p.title(), p.args(), "the trace was not recorded", 0, 0, "", null);
            }
            if (p.skipped() != null) {
                stderr.println(head + " -- skipped: " + p.skipped());
                done.add(p);
                continue;
            }
            stderr.println(head + " -- " + p.commandLine());
            Part r = execute(p);
            if (r.args().get(0).equals("trace") && r.args().get(1).equals("record")) traceRecorded = r.passed();
            stderr.printf("[%d/%d] %s in %.1f s%n", i + 1, plan.size(), r.status(), r.millis() / 1000.0);
            done.add(r);
        }
        copyCorpusDiagrams();
        long wall = (System.nanoTime() - t0) / 1_000_000;
        long failed = done.stream().filter(p -> p.skipped() == null && p.exit() != 0).count();
        long skipped = done.stream().filter(p -> p.skipped() != null).count();
        stdout.println();
        stdout.println("Summary (" + String.format("%.1f", wall / 1000.0) + " s):");
        for (Part p : done) stdout.printf("  %-28s %-52s %s%n", p.section(), p.title(), p.status());
        stdout.println((done.size() - failed - skipped) + " passed, " + failed + " failed, " + skipped + " skipped");
        try {
            Path index = writeReport(done, started, wall);
            stdout.println("Report: " + index);
        } catch (IOException e) {
            stdout.println("Report: not written (" + e.getMessage() + ")");
            return 1;
        }
        return failed == 0 ? 0 : 1;
    }

    /** Runs one part in this JVM, its standard output shown and kept. */
    private Part execute(Part p) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream tee = new PrintStream(new OutputStream() {
            @Override
            public void write(int b) {
                stdout.write(b);
                buf.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                stdout.write(b, off, len);
                buf.write(b, off, len);
            }

            @Override
            public void flush() {
                stdout.flush();
            }
        }, true, StandardCharsets.UTF_8);
        long t = System.nanoTime();
        int exit;
        System.setOut(tee);
        try {
            exit = Main.run(p.args().toArray(new String[0]));
        } catch (RuntimeException | Error e) {
            tee.println("crashed: " + e);
            exit = 70;
        } finally {
            tee.flush();
            System.setOut(stdout);
        }
        long ms = (System.nanoTime() - t) / 1_000_000;
        return new Part(p.section(), p.title(), p.args(), null, exit, ms, buf.toString(StandardCharsets.UTF_8), p.link());
    }

    private List<Path> corpusFiles() {
        if (!Files.isDirectory(corpus)) return List.of();
        try (Stream<Path> s = Files.list(corpus)) {
            return s.filter(f -> f.getFileName().toString().endsWith(".json")).sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /** The corpus's drawings next to the report, so its links work when the report is moved. */
    private void copyCorpusDiagrams() {
        try {
            Path dir = out.resolve("corpus");
            for (Path f : corpusFiles()) {
                Path svg = f.resolveSibling(f.getFileName().toString().replaceFirst("\\.json$", ".svg"));
                if (!Files.isRegularFile(svg)) continue;
                Files.createDirectories(dir);
                Files.copy(svg, dir.resolve(svg.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            stderr.println("could not copy the corpus diagrams: " + e.getMessage());
        }
    }

    /** Whether this process runs as root (uid 0 in /proc/self/status); false when that cannot be told. */
    static boolean isRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) return line.split("\\s+")[1].equals("0");
            }
        } catch (IOException | RuntimeException e) {
            return false;
        }
        return false;
    }

    private Path writeReport(List<Part> parts, Instant started, long wall) throws IOException {
        Files.createDirectories(out);
        long failed = parts.stream().filter(p -> p.skipped() == null && p.exit() != 0).count();
        long skipped = parts.stream().filter(p -> p.skipped() != null).count();
        StringBuilder h = new StringBuilder();
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>mmspec check --all</title>\n<style>\n")
         .append("body{font-family:sans-serif;margin:2em;max-width:80em}table{border-collapse:collapse}")
         .append("td,th{border:1px solid #ccc;padding:.2em .6em;text-align:left;vertical-align:top}")
         .append(".passed{color:#070}.failed{color:#b00;font-weight:bold}.skipped{color:#777}")
         .append("pre{background:#f6f6f6;padding:.6em;overflow-x:auto;font-size:85%}code{font-size:90%}\n")
         .append("</style></head><body>\n<h1>mmspec check --all</h1>\n<p>")
         .append(failed == 0 ? "<span class=\"passed\">Every part that ran passed.</span>"
                 : "<span class=\"failed\">" + failed + " part" + (failed == 1 ? "" : "s") + " failed.</span>")
         .append(' ').append(parts.size() - failed - skipped).append(" passed, ").append(skipped).append(" skipped.</p>\n<p>Started ")
         .append(esc(started.truncatedTo(ChronoUnit.SECONDS).toString())).append(", ")
         .append(String.format(Locale.ROOT, "%.1f", wall / 1000.0)).append(" s. Seed ").append(seed).append(" (rerun with <code>mmspec check --all --seed ")
         .append(seed).append("</code>), ").append(tries).append(" tries &times; ").append(steps)
         .append(" steps per configuration. Machine: ").append(esc(machine())).append(".</p>\n");
        String section = null;
        int n = 0;
        for (Part p : parts) {
            if (!p.section().equals(section)) {
                if (section != null) h.append("</table>\n");
                section = p.section();
                h.append("<h2>").append(esc(section)).append("</h2>\n<table><tr><th>Part</th><th>Result</th><th>Time</th>")
                 .append("<th>Command</th><th>Details</th></tr>\n");
            }
            n++;
            String cls = p.skipped() != null ? "skipped" : p.exit() == 0 ? "passed" : "failed";
            h.append("<tr id=\"part-").append(n).append("\"><td>").append(esc(p.title())).append("</td><td class=\"").append(cls).append("\">")
             .append(esc(p.status())).append(p.skipped() != null ? ": " + esc(p.skipped()) : "").append("</td><td>")
             .append(p.skipped() != null ? "" : String.format(Locale.ROOT, "%.1f s", p.millis() / 1000.0)).append("</td><td><code>")
             .append(esc(p.commandLine())).append("</code></td><td>");
            if (p.link() != null && (p.skipped() == null) && Files.exists(out.resolve(p.link()))) {
                h.append("<a href=\"").append(esc(p.link())).append("\">")
                 .append(p.link().endsWith(".svg") ? "diagram" : "report").append("</a> ");
            }
            if (!p.output().isEmpty()) {
                h.append("<details").append(cls.equals("failed") ? " open" : "").append("><summary>output</summary><pre>")
                 .append(esc(p.output())).append("</pre></details>");
            }
            h.append("</td></tr>\n");
        }
        if (section != null) h.append("</table>\n");
        h.append("</body></html>\n");
        Path index = out.resolve("index.html");
        Files.writeString(index, h.toString(), StandardCharsets.UTF_8);
        return index;
    }

    private static String machine() {
        String kernel = System.getProperty("os.name") + " " + System.getProperty("os.version");
        return kernel + ", " + Runtime.getRuntime().availableProcessors() + " CPUs, Java " + System.getProperty("java.version");
    }

    static String esc(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                default -> {
                    if (c == '\r' || (c < 0x20 && c != '\n' && c != '\t')) continue; // progress redraws, control bytes
                    b.append(c);
                }
            }
        }
        return b.toString();
    }
}
