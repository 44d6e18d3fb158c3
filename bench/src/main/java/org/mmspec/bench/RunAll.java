package org.mmspec.bench;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Runs every benchmark and prints the results table of bench/README.md: the JMH benchmarks (JSON
 * to {@code bench/results.json} unless {@code -rff} says otherwise), then {@link HeapPerPage} in
 * fresh JVMs, once under the default collector and once under {@code -XX:+UseParallelGC}. Each
 * row gives the median over all measurement iterations of all forks and the spread (min..max of
 * the same iterations), as the project quotes figures; n is how many iterations (or heap
 * rounds) that is.
 *
 * <p>Arguments are JMH's own and pass through ({@code -f 1 -i 3}, a benchmark regexp, ...).
 * Exits 1 if any target is missed, so a script can gate on it.
 */
public final class RunAll {
    private RunAll() {}

    /** One line of the table; {@code met} is null for a row with no target. */
    record Row(String name, double median, double min, double max, String unit, String target, Boolean met, int n) {}

    public static void main(String[] args) throws RunnerException, IOException, InterruptedException {
        CommandLineOptions cmd;
        try {
            cmd = new CommandLineOptions(args);
        } catch (CommandLineOptionException e) {
            System.err.println("bad JMH option: " + e.getMessage());
            System.exit(2);
            return;
        }
        OptionsBuilder ob = new OptionsBuilder();
        ob.parent(cmd);
        if (!cmd.getResult().hasValue()) ob.result(Path.of("bench", "results.json").toString());
        if (!cmd.getResultFormat().hasValue()) ob.resultFormat(ResultFormatType.JSON);
        if (cmd.getIncludes().isEmpty()) ob.include("org\\.mmspec\\.bench\\..*");
        Collection<RunResult> results = new Runner(ob.build()).run();

        List<Row> rows = new ArrayList<>();
        for (RunResult rr : results) rows.add(jmhRow(rr));
        rows.add(heapRow("default collector", List.of()));
        rows.add(heapRow("-XX:+UseParallelGC", List.of("-XX:+UseParallelGC")));
        rows.add(heapPerVmaRow());
        rows.addAll(boundedMemoryRows("tiny", "7"));
        rows.addAll(boundedMemoryRows("tiny8"));

        System.out.println();
        System.out.println("| benchmark | median | spread (min..max) | unit | target | met? | n |");
        System.out.println("|---|---:|---:|---|---|---|---:|");
        boolean allMet = true;
        for (Row r : rows) {
            System.out.printf(Locale.ROOT, "| %s | %s | %s..%s | %s | %s | %s | %d |%n", r.name, fmt(r.median), fmt(r.min),
                    fmt(r.max), r.unit, r.target, r.met == null ? "-" : r.met ? "yes" : "no", r.n);
            allMet &= r.met == null || r.met;
        }
        System.exit(allMet ? 0 : 1);
    }

    private static Row jmhRow(RunResult rr) {
        List<Double> scores = new ArrayList<>();
        for (BenchmarkResult br : rr.getBenchmarkResults()) {
            for (IterationResult ir : br.getIterationResults()) scores.add(ir.getPrimaryResult().getScore());
        }
        double[] s = scores.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        String bench = rr.getParams().getBenchmark();
        String shortName = bench.substring(bench.lastIndexOf('.', bench.lastIndexOf('.') - 1) + 1);
        String unit = rr.getPrimaryResult().getScoreUnit();
        double median = median(s);
        double target = Double.NaN;
        String targetText = "-";
        if (bench.endsWith("AllocFreeBench.pair")) {
            target = 10_000_000;
            unit = "pairs/s";
            targetText = ">= 10 M pairs/s";
        } else if (bench.endsWith("AllocFreeBench.harnessOnly")) {
            unit = "ops/s";
            targetText = "none (harness cost alone)";
        } else if (bench.endsWith("RmapWalkBench.walk") || bench.endsWith("RmapWalkBench.folioReferenced")) {
            unit = "walks/s";
            targetText = "none (page mapped by " + RmapWalkBench.PROCESSES + " processes)";
        } else if (bench.endsWith("KswapdBench.kswapd")) {
            unit = "pages/s";
            targetText = "none (kswapd reclaiming 2^18 pages, anon and file)";
        } else if (bench.endsWith("CheckedStepsBench.explore")) {
            target = 100_000;
            unit = "checked steps/s";
            targetText = ">= 100 k steps/s";
        } else if (bench.endsWith("BoundedExploreBench.tinyToDepth7")) {
            String w = rr.getParams().getParam("workers");
            shortName = shortName + ", " + w + " worker" + ("1".equals(w) ? "" : "s");
            target = 1_000_000;
            unit = "distinct states/s";
            targetText = ">= 1 M distinct states/s";
        } else if (bench.endsWith("BoundedExploreBench.tiny8Complete")) {
            String w = rr.getParams().getParam("workers");
            shortName = shortName + ", " + w + " worker" + ("1".equals(w) ? "" : "s");
            unit = "distinct states/s";
            targetText = "none (for comparison)";
        }
        boolean atMost = false;
        if (bench.endsWith("CompactionBench.compactMemory")) {
            target = 1000;
            atMost = true;
            unit = "ms per whole-zone compaction";
            targetText = "<= 1 s";
        }
        Boolean met = Double.isNaN(target) ? null : atMost ? median <= target : median >= target;
        return new Row(shortName, median, s[0], s[s.length - 1], unit, targetText, met, s.length);
    }

    private static double median(double[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /** Runs HeapPerPage in a fresh JVM with the given extra options and reads its result line. */
    private static Row heapRow(String label, List<String> jvmOpts) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmOpts);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(HeapPerPage.class.getName());
        System.out.println("# " + String.join(" ", cmd.subList(0, cmd.size() - 3)) + " ... " + HeapPerPage.class.getName());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).directory(new File(".")).start();
        double[] v = null;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                System.out.println(line);
                if (line.startsWith(HeapPerPage.RESULT_TAG)) {
                    v = Arrays.stream(line.substring(HeapPerPage.RESULT_TAG.length()).trim().split("\\s+"))
                            .mapToDouble(Double::parseDouble).toArray();
                }
            }
        }
        int rc = p.waitFor();
        if (v == null || rc != 0) throw new IllegalStateException("HeapPerPage (" + label + ") failed, exit " + rc);
        return new Row("HeapPerPage, " + label, v[0], v[1], v[2], "bytes/page frame",
                "<= " + (int) HeapPerPage.TARGET_BYTES_PER_PAGE + " bytes", v[0] <= HeapPerPage.TARGET_BYTES_PER_PAGE,
                HeapPerPage.ROUNDS);
    }

    /** Runs HeapPerVma in a fresh JVM (default collector) and reads its result line. */
    private static Row heapPerVmaRow() throws IOException, InterruptedException {
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), HeapPerVma.class.getName());
        System.out.println("# java ... " + HeapPerVma.class.getName());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).directory(new File(".")).start();
        double[] v = null;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                System.out.println(line);
                if (line.startsWith(HeapPerVma.RESULT_TAG)) {
                    v = Arrays.stream(line.substring(HeapPerVma.RESULT_TAG.length()).trim().split("\\s+"))
                            .mapToDouble(Double::parseDouble).toArray();
                }
            }
        }
        int rc = p.waitFor();
        if (v == null || rc != 0) throw new IllegalStateException("HeapPerVma failed, exit " + rc);
        return new Row("HeapPerVma, default collector", v[0], v[1], v[2], "bytes/forked VMA", "none", null, HeapPerVma.ROUNDS);
    }

    /** Runs BoundedExploreBench.main in a fresh JVM and reads its memory figures: two rows. */
    private static List<Row> boundedMemoryRows(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx4g");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(BoundedExploreBench.class.getName());
        cmd.addAll(List.of(args));
        System.out.println("# java ... " + BoundedExploreBench.class.getName() + " " + String.join(" ", args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).directory(new File(".")).start();
        double[] v = null;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                System.out.println(line);
                if (line.startsWith(BoundedExploreBench.RESULT_TAG)) {
                    v = Arrays.stream(line.substring(BoundedExploreBench.RESULT_TAG.length()).trim().split("\\s+"))
                            .mapToDouble(Double::parseDouble).toArray();
                }
            }
        }
        int rc = p.waitFor();
        if (v == null || rc != 0) throw new IllegalStateException("BoundedExploreBench " + args[0] + " failed, exit " + rc);
        String what = args[0] + (args.length > 1 ? " to depth " + args[1] : ", complete");
        return List.of(
                new Row("BoundedExplore memory, " + what + ": fingerprint table", v[0], v[0], v[0], "bytes/distinct state",
                        "<= 16 bytes", v[0] <= 16.0, 1),
                new Row("BoundedExplore memory, " + what + ": table + queue peak", v[1], v[1], v[1], "bytes/distinct state",
                        "<= 16 bytes", v[1] <= 16.0, 1));
    }

    private static String fmt(double x) {
        if (Math.abs(x) >= 1e6) return String.format(Locale.ROOT, "%.2f M", x / 1e6);
        if (Math.abs(x) >= 1e4) return String.format(Locale.ROOT, "%.1f k", x / 1e3);
        return String.format(Locale.ROOT, "%.2f", x);
    }
}
