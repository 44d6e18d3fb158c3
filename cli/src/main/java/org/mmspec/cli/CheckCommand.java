package org.mmspec.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import org.mmspec.invariants.Violation;
import org.mmspec.invariants.engine.Counterexample;
import org.mmspec.invariants.engine.ModelState;
import org.mmspec.invariants.engine.Outcome;
import org.mmspec.invariants.engine.RandomExplorer;
import org.mmspec.invariants.engine.RunReport;
import org.mmspec.invariants.engine.Step;
import org.mmspec.invariants.engine.Subsystem;
import org.mmspec.invariants.engine.Subsystems;
import org.mmspec.reference.alloc.ConfigException;
import org.mmspec.reference.alloc.KnownBug;
import org.mmspec.reference.alloc.MachineConfig;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code mmspec check}: the random explorer over a subsystem's named configurations, every
 * invariant checked after every step; a violation is shrunk and printed.
 */
@Command(name = "check", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Explore random operation sequences on the reference, check every invariant after every "
                + "step, and shrink the first violation to a minimal counterexample.",
            "Exit 0 when every invariant holds, 1 on a violation, 2 on bad usage."})
public final class CheckCommand implements Callable<Integer> {
    @Option(names = "--all",
            description = "Run everything: every subsystem's suite (with --seed, --tries, --steps), the named bounded "
                    + "configurations (explore), the known-bug corpus replay and, where this machine allows (root), "
                    + "the live conformance checks; one HTML report, OUT/index.html. Exit 0 when every part that ran passed.")
    boolean all;

    @Option(names = "--no-live", description = "With --all: leave out the live conformance checks.")
    boolean noLive;

    @Option(names = "--corpus", paramLabel = "DIR",
            description = "With --all: the known-bug corpus to replay; default counterexamples/corpus of this checkout.")
    java.nio.file.Path corpus;

    @Option(names = "--trace-seconds", paramLabel = "N", defaultValue = "3",
            description = "With --all, as root: how long to record the live trace; default ${DEFAULT-VALUE}.")
    int traceSeconds;

    @Option(names = "--subsystem", paramLabel = "NAME", defaultValue = "buddy",
            description = "Subsystem to check (${COMPLETION-CANDIDATES}); default ${DEFAULT-VALUE}.",
            completionCandidates = SubsystemNames.class)
    String subsystem;

    @Option(names = "--config", paramLabel = "NAME", split = ",",
            description = "Named configuration(s) to explore, comma separated; default: all of the subsystem's.")
    List<String> configs;

    @Option(names = "--tries", paramLabel = "N", defaultValue = "300",
            description = "Runs per configuration, each from a freshly booted machine; default ${DEFAULT-VALUE}.")
    int tries;

    @Option(names = "--steps", paramLabel = "N", defaultValue = "400",
            description = "Operations per run; default ${DEFAULT-VALUE}.")
    int steps;

    @Option(names = "--seed", paramLabel = "S",
            description = "Seed of the run; the same seed reproduces the same run exactly. Default: drawn and printed.")
    Long seed;

    @Option(names = "--bug", paramLabel = "NAME", split = ",",
            description = "Re-create a historical kernel bug in the reference (see `mmspec bugs`); repeatable.")
    List<String> bugs = new ArrayList<>();

    @Option(names = "--adjacent-isolation",
            description = "Buddy: let the model isolate page ranges that abut ranges already isolated "
                    + "(see spec/README.md, \"Isolation of abutting ranges\").")
    boolean adjacentIsolation;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "mmspec-out",
            description = "Where the HTML report and any counterexample (JSON, diagrams) are written; default ${DEFAULT-VALUE}.")
    java.nio.file.Path outDir;

    @Option(names = "--format", paramLabel = "FMT", defaultValue = "svg",
            description = "Diagrams drawn for a counterexample: dot, svg or png (comma separated); DOT is always written. "
                    + "Default ${DEFAULT-VALUE}.")
    String format;

    @Option(names = "--no-report", description = "Do not write the HTML report.")
    boolean noReport;

    @Option(names = "--no-progress", description = "Do not draw the progress bar.")
    boolean noProgress;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec commandSpec;

    @Override
    public Integer call() {
        PrintStream out = System.out;
        if (all) return all();
        if (noLive || corpus != null || given("--trace-seconds")) {
            throw new Main.UsageException("--no-live, --corpus and --trace-seconds go with --all");
        }
        subsystem = subsystemForBugs();
        Subsystem<?> sub = Subsystems.create(subsystem);
        if (sub == null) throw new Main.UsageException("unknown subsystem '" + subsystem + "' (one of " + Subsystems.names() + ")");
        if (tries < 1) throw new Main.UsageException("--tries must be at least 1, got " + tries);
        if (steps < 1) throw new Main.UsageException("--steps must be at least 1, got " + steps);
        for (String b : bugs) {
            KnownBug kb = KnownBug.byName(b);
            if (kb == null) throw new Main.UsageException("unknown bug '" + b + "' (known: " + KnownBug.names() + ")");
        }
        if (sub instanceof org.mmspec.invariants.buddy.BuddySubsystem bs) bs.adjacentIsolation(adjacentIsolation);
        List<MachineConfig> cfgs = new ArrayList<>();
        List<String> names = configs == null || configs.isEmpty() ? new ArrayList<>(sub.configs().keySet()) : configs;
        for (String n : names) {
            MachineConfig c = sub.configs().get(n);
            if (c == null) throw new Main.UsageException("unknown configuration '" + n + "' for " + subsystem + " (one of "
                    + sub.configs().keySet() + ")");
            try {
                cfgs.add(c.withKnownBugs(bugs).validate());
            } catch (ConfigException e) {
                throw new Main.UsageException("configuration " + n + ": " + e.getMessage());
            }
        }
        long s = seed != null ? seed : Math.abs(System.nanoTime() % 1_000_000_000L);
        out.println("mmspec check: subsystem " + subsystem + ", configurations " + names + ", seed " + s
                + (seed == null ? " (drawn; rerun with --seed " + s + ")" : ""));
        out.println(tries + " tries x " + steps + " steps per configuration"
                + (bugs.isEmpty() ? "" : ", known bugs re-created: " + bugs));
        return run(sub, cfgs, s, out);
    }

    /** {@code check --all}: see {@link CheckAll}. */
    private int all() {
        for (String o : List.of("--subsystem", "--config", "--bug", "--adjacent-isolation", "--no-report")) {
            if (given(o)) throw new Main.UsageException(o + " does not go with --all, which checks every subsystem and configuration");
        }
        if (tries < 1) throw new Main.UsageException("--tries must be at least 1, got " + tries);
        if (steps < 1) throw new Main.UsageException("--steps must be at least 1, got " + steps);
        if (traceSeconds < 1) throw new Main.UsageException("--trace-seconds must be at least 1, got " + traceSeconds);
        try {
            org.mmspec.counterexamples.render.Renderer.formats(format);
        } catch (IllegalArgumentException e) {
            throw new Main.UsageException("--format: " + e.getMessage());
        }
        java.nio.file.Path c = corpus;
        if (c == null) {
            String home = System.getProperty("mmspec.home");
            c = (home != null ? java.nio.file.Path.of(home) : java.nio.file.Path.of("")).resolve("counterexamples/corpus");
        }
        long s = seed != null ? seed : Math.abs(System.nanoTime() % 1_000_000_000L);
        if (seed == null) System.out.println("seed " + s + " (drawn; rerun with --seed " + s + ")");
        return new CheckAll(s, tries, steps, outDir, format, !noLive, c, !noProgress, traceSeconds).run();
    }

    private boolean given(String option) {
        return commandSpec != null && commandSpec.commandLine().getParseResult() != null
                && commandSpec.commandLine().getParseResult().hasMatchedOption(option);
    }

    /**
     * A known bug lives in one subsystem: without --subsystem, check that one; with a different
     * --subsystem, the bug could not be found, which is bad usage.
     */
    private String subsystemForBugs() {
        boolean explicit = commandSpec != null && commandSpec.commandLine().getParseResult() != null
                && commandSpec.commandLine().getParseResult().hasMatchedOption("--subsystem");
        java.util.Set<String> of = new java.util.TreeSet<>();
        for (String b : bugs) {
            KnownBug kb = KnownBug.byName(b);
            if (kb != null) of.add(kb.subsystem());
        }
        if (of.isEmpty()) return subsystem;
        if (of.size() > 1) throw new Main.UsageException("the bugs " + bugs + " belong to different subsystems " + of
                + "; check one subsystem at a time");
        String bugSub = of.iterator().next();
        if (explicit && !bugSub.equals(subsystem)) {
            throw new Main.UsageException("bug " + bugs + " is in subsystem " + bugSub + ", not " + subsystem
                    + ": use --subsystem " + bugSub);
        }
        return bugSub;
    }

    private <S extends ModelState<S>> int run(Subsystem<S> sub, List<MachineConfig> cfgs, long s, PrintStream out) {
        Progress progress = new Progress(System.err, !noProgress);
        long t0 = System.nanoTime();
        Map<String, long[]> inv = new LinkedHashMap<>();
        Map<String, String> statements = new LinkedHashMap<>();
        Map<String, Long> ops = new LinkedHashMap<>();
        Map<String, Long> outcomes = new LinkedHashMap<>();
        Map<String, Long> situations = new LinkedHashMap<>();
        List<RunReport> reports = new ArrayList<>();
        long totalSteps = 0;
        long totalTries = 0;
        Counterexample ce = null;
        String ceConfig = null;
        int ci = 0;
        for (MachineConfig cfg : cfgs) {
            final int cfgIndex = ci++;
            // every configuration explores from the run's seed, so a counterexample names the seed the user typed
            RandomExplorer<S> ex = new RandomExplorer<>(sub, cfg, tries, steps, s);
            long totalWork = (long) tries * cfgs.size();
            ex.onProgress(t -> progress.update("checking " + cfg.name(), (long) cfgIndex * tries + t, totalWork,
                    "tries " + ((long) cfgIndex * tries + t) + "/" + totalWork));
            RunReport r = ex.run();
            reports.add(r);
            totalSteps += r.steps;
            totalTries += r.triesRun;
            for (RunReport.InvariantRow row : r.invariants) {
                long[] c = inv.computeIfAbsent(row.id(), k -> new long[2]);
                c[0] += row.checks();
                c[1] += row.violations();
                statements.put(row.id(), row.statement());
            }
            r.opsByKind.forEach((k, v) -> ops.merge(k, v, Long::sum));
            r.outcomesByKind.forEach((k, v) -> outcomes.merge(k, v, Long::sum));
            r.situations.forEach((k, v) -> situations.merge(k, v, Long::sum));
            if (r.counterexample != null) {
                ce = r.counterexample;
                ceConfig = cfg.name();
                break;
            }
        }
        progress.done();
        double secs = (System.nanoTime() - t0) / 1e9;
        out.println();
        out.printf("Finished in %.1f s: %d tries, %d steps (%,.0f checked steps/s), %s.%n", secs, totalTries, totalSteps,
                totalSteps / Math.max(secs, 1e-9), ce == null ? "no invariant violated" : "1 invariant violated");
        out.println();
        out.printf("%-26s %14s %11s%n", "Invariant", "Checks", "Violations");
        for (Map.Entry<String, long[]> e : inv.entrySet()) {
            out.printf("%-26s %,14d %,11d%n", e.getKey(), e.getValue()[0], e.getValue()[1]);
        }
        out.println();
        out.println("Operations: " + join(ops));
        out.println("Outcomes:   " + join(outcomes));
        printSituations(situations, out);
        long wall = (System.nanoTime() - t0) / 1_000_000;
        org.mmspec.counterexamples.report.ReportedCounterexample reported = null;
        if (ce != null) {
            printCounterexample(ce, ceConfig, out);
            reported = writeCounterexample(ce, ceConfig, out);
        }
        if (!noReport) writeReport(s, reports, wall, reported, out);
        return ce == null ? 0 : 1;
    }

    /**
     * Situations covered, compactly: figures named "PREFIX N" (orders) on one line per prefix,
     * the rest one per line; zeros are left out.
     */
    static void printSituations(Map<String, Long> situations, PrintStream out) {
        if (situations.isEmpty()) return;
        out.println("Situations covered:");
        Map<String, StringBuilder> grouped = new LinkedHashMap<>();
        for (Map.Entry<String, Long> e : situations.entrySet()) {
            if (e.getValue() == 0) continue;
            String k = e.getKey();
            int sp = k.lastIndexOf(' ');
            if (sp > 0 && k.substring(sp + 1).matches("\\d+")) {
                grouped.computeIfAbsent(k.substring(0, sp) + " (by order)", x -> new StringBuilder())
                       .append(' ').append(k.substring(sp + 1)).append(':').append(String.format("%,d", e.getValue()));
            } else {
                grouped.computeIfAbsent(k, x -> new StringBuilder()).append(String.format(" %,d", e.getValue()));
            }
        }
        for (Map.Entry<String, StringBuilder> e : grouped.entrySet()) {
            out.printf("  %-40s%s%n", e.getKey(), e.getValue());
        }
    }

    /**
     * Writes the counterexample's JSON under --out, draws it (DOT always, images where an engine
     * works; a drawing failure never fails the run) and prints where everything went.
     */
    private org.mmspec.counterexamples.report.ReportedCounterexample writeCounterexample(Counterexample ce, String config,
                                                                                        PrintStream out) {
        String base = ce.violation().invariantId().toLowerCase() + "-" + config + "-seed" + ce.seed();
        java.nio.file.Path json = outDir.resolve(base + ".json");
        try {
            java.nio.file.Files.createDirectories(outDir);
            java.nio.file.Files.writeString(json, org.mmspec.counterexamples.CounterexampleJson.write(ce),
                    java.nio.charset.StandardCharsets.UTF_8);
            out.println();
            out.println("Counterexample: " + json + "  (replay: mmspec replay " + json + ")");
        } catch (java.io.IOException e) {
            out.println("could not write " + json + ": " + e.getMessage());
            return null;
        }
        org.mmspec.counterexamples.render.RenderResult drawn = null;
        try {
            drawn = new org.mmspec.counterexamples.render.Renderer().render(ce, outDir.resolve(base),
                    org.mmspec.counterexamples.render.Renderer.formats(format));
            out.println("Diagrams:       " + outDir.resolve(base) + "/  (" + drawn.files().size() + " files"
                    + (drawn.engine() == null ? ", DOT only" : ", drawn with " + drawn.engine()) + ")");
            for (String p : drawn.problems()) out.println("  " + p);
        } catch (Exception e) {
            out.println("Diagrams: not drawn (" + e.getMessage() + "); the JSON replays and `mmspec render` can retry");
        }
        return new org.mmspec.counterexamples.report.ReportedCounterexample(ce, json, drawn);
    }

    private void writeReport(long seed, List<RunReport> reports, long wall,
                             org.mmspec.counterexamples.report.ReportedCounterexample ce, PrintStream out) {
        try {
            org.mmspec.counterexamples.report.RunSummary summary =
                    org.mmspec.counterexamples.report.RunSummary.of(seed, bugs, reports, wall);
            List<java.nio.file.Path> written = org.mmspec.counterexamples.report.HtmlReport.write(outDir.resolve("report"),
                    summary, ce == null ? List.of() : List.of(ce));
            out.println("Report:         " + written.get(0));
        } catch (Exception e) {
            out.println("Report: not written (" + e.getMessage() + ")");
        }
    }

    static String join(Map<String, Long> m) {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, Long> e : m.entrySet()) {
            if (sb.length() > 0) sb.append(", ");
            sb.append(e.getKey()).append(' ').append(String.format("%,d", e.getValue()));
        }
        return sb.toString();
    }

    static void printCounterexample(Counterexample ce, String config, PrintStream out) {
        Violation v = ce.violation();
        out.println();
        out.println("VIOLATION of " + v.invariantId() + " on configuration " + config + " (seed " + ce.seed() + ", try "
                + ce.tryIndex() + ")");
        out.println("  " + ce.statement());
        out.println("  cites: " + ce.citation());
        out.println();
        out.println("Minimal counterexample, " + ce.steps().size() + " step" + (ce.steps().size() == 1 ? "" : "s")
                + " (shrunk from " + ce.engine().getOrDefault("originalSteps", "?") + " in "
                + ce.engine().get("shrinkReplays") + " replays):");
        List<Step> steps = ce.steps();
        List<Outcome> outs = ce.outcomes();
        for (int i = 0; i < steps.size(); i++) {
            Step st = steps.get(i);
            String o = i < outs.size() ? outs.get(i).toString() : "";
            out.printf("  %2d. %-60s -> %s%n", i, st.op() + "(" + st.args() + ")", firstLine(o));
        }
        out.println();
        out.println((ce.violationStep() < 0 ? "In the booted state: " : "After step " + ce.violationStep() + ": ")
                + v.message());
        for (int i = 1; i < ce.allViolations().size() && i < 5; i++) out.println("  also: " + ce.allViolations().get(i).message());
    }

    static String firstLine(String s) {
        int i = s.indexOf('\n');
        return i < 0 ? s : s.substring(0, i);
    }

    /** Completion candidates for --subsystem. */
    static final class SubsystemNames extends ArrayList<String> {
        SubsystemNames() {
            super(Subsystems.names());
        }
    }
}
