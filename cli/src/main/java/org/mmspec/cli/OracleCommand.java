package org.mmspec.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import org.mmspec.counterexamples.CounterexampleJson;
import org.mmspec.counterexamples.render.RenderResult;
import org.mmspec.counterexamples.render.Renderer;
import org.mmspec.counterexamples.report.HtmlReport;
import org.mmspec.counterexamples.report.ReportedCounterexample;
import org.mmspec.invariants.engine.Counterexample;
import org.mmspec.invariants.engine.RandomExplorer;
import org.mmspec.invariants.engine.RunReport;
import org.mmspec.invariants.oracle.ImplementationFailure;
import org.mmspec.invariants.oracle.OracleConfigs;
import org.mmspec.invariants.oracle.OracleInvariants;
import org.mmspec.invariants.oracle.OracleState;
import org.mmspec.invariants.oracle.OracleSubsystem;
import org.mmspec.invariants.oracle.PageAllocatorUnderTest.Claims;
import org.mmspec.reference.alloc.ConfigException;
import org.mmspec.reference.alloc.MachineConfig;

import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code mmspec oracle}: checks another page allocator against the spec, a program speaking
 * mmspec-oracle/1 ({@code --exec}) or a Java class ({@code --java}), with the random explorer;
 * a violation is shrunk, written as a counterexample file and drawn.
 */
@Command(name = "oracle", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Check a page allocator against the spec: a program that speaks protocol mmspec-oracle/1 "
                + "(JSON lines on its stdin and stdout; see README.md, \"The oracle\") or a Java class implementing "
                + "org.mmspec.invariants.oracle.PageAllocatorUnderTest.",
            "Random allocations and frees are sent to it, every answer is checked against the spec, and the first "
                + "violation is shrunk to a minimal counterexample, written to --out and drawn.",
            "Exit 0 when every invariant holds, 1 on a violation (a crash, hang or garbage answer included), "
                + "2 on bad usage, a program that cannot be started, or a configuration it refuses."})
public final class OracleCommand implements Callable<Integer> {
    @ArgGroup(exclusive = true, multiplicity = "1")
    Target target;

    static final class Target {
        @Option(names = "--exec", paramLabel = "\"CMD ARGS\"",
                description = "The program to check, with its arguments, as one string (split at spaces; quotes group; "
                        + "no shell). Started afresh for each try unless it supports reset.")
        String exec;

        @Option(names = "--java", paramLabel = "NAME",
                description = "A Java implementation on the class path: a class name, or one of the examples "
                        + "reference, top-down-buddy, buggy-buddy.")
        String java;
    }

    @Option(names = "--tries", paramLabel = "N", defaultValue = "100",
            description = "Runs, each from a freshly configured allocator; default ${DEFAULT-VALUE}.")
    int tries;

    @Option(names = "--steps", paramLabel = "N", defaultValue = "300",
            description = "Requests per run; default ${DEFAULT-VALUE}.")
    int steps;

    @Option(names = "--seed", paramLabel = "S",
            description = "Seed of the run; the same seed reproduces the same run exactly. Default: drawn and printed.")
    Long seed;

    @Option(names = "--pages", paramLabel = "N", defaultValue = "1024",
            description = "Pages the allocator manages, pfns [0, N); 1.." + OracleConfigs.MAX_PAGES + "; default ${DEFAULT-VALUE}.")
    long pages;

    @Option(names = "--max-order", paramLabel = "N", defaultValue = "10",
            description = "Largest order, 0.." + OracleConfigs.MAX_ORDER + "; default ${DEFAULT-VALUE} (MAX_PAGE_ORDER on x86-64).")
    int maxOrder;

    @Option(names = "--timeout-ms", paramLabel = "N", defaultValue = "2000",
            description = "How long to wait for each answer (the first includes the program's start-up) before "
                    + "killing the program; default ${DEFAULT-VALUE}.")
    long timeoutMs;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "mmspec-out",
            description = "Where a counterexample (JSON, diagrams, index.html) is written; default ${DEFAULT-VALUE}.")
    Path outDir;

    @Option(names = "--format", paramLabel = "FMT", defaultValue = "svg",
            description = "Diagrams drawn for a counterexample: dot, svg or png (comma separated); DOT is always written. "
                    + "Default ${DEFAULT-VALUE}.")
    String format;

    @Option(names = "--no-progress", description = "Do not draw the progress bar.")
    boolean noProgress;

    @Override
    public Integer call() {
        PrintStream out = System.out;
        if (tries < 1) throw new Main.UsageException("--tries must be at least 1, got " + tries);
        if (steps < 1) throw new Main.UsageException("--steps must be at least 1, got " + steps);
        if (timeoutMs < 1) throw new Main.UsageException("--timeout-ms must be at least 1, got " + timeoutMs);
        try {
            Renderer.formats(format);
        } catch (IllegalArgumentException e) {
            throw new Main.UsageException("--format: " + e.getMessage());
        }
        MachineConfig config;
        try {
            config = OracleConfigs.of(OracleConfigs.nameOf(pages, maxOrder), pages, maxOrder);
        } catch (ConfigException e) {
            throw new Main.UsageException("--" + e.field().replace('_', '-') + ": " + e.getMessage().substring(e.field().length() + 2));
        }
        OracleSubsystem sub;
        try {
            sub = target.exec != null ? OracleSubsystem.exec(target.exec, timeoutMs) : OracleSubsystem.java(target.java);
        } catch (IllegalArgumentException e) {
            throw new Main.UsageException((target.exec != null ? "--exec: " : "--java: ") + e.getMessage());
        }
        try {
            return run(sub, config, out);
        } finally {
            sub.close();
        }
    }

    private int run(OracleSubsystem sub, MachineConfig config, PrintStream out) {
        String what = target.exec != null ? "program `" + target.exec + "`" : "class " + sub.implementation();
        Claims claims = null;
        try {
            claims = sub.probe(config);
        } catch (ImplementationFailure e) {
            if (e.kind() == ImplementationFailure.Kind.START) throw new Main.UsageException(e.getMessage());
            if (e.kind() == ImplementationFailure.Kind.CONFIGURE) {
                throw new Main.UsageException(e.getMessage() + " (try other --pages or --max-order)");
            }
            // a wrong handshake, a crash or a hang: the exploration reports it at boot, with a counterexample file
        }
        long s = seed != null ? seed : Math.abs(System.nanoTime() % 1_000_000_000L);
        out.println("mmspec oracle: " + what + ", " + pages + " pages, orders 0.." + maxOrder + ", seed " + s
                + (seed == null ? " (drawn; rerun with --seed " + s + ")" : ""));
        if (claims != null) {
            out.println("implementation: " + claims.name() + "; claims: " + claims.describe());
        } else {
            out.println("implementation: did not complete the handshake (see below)");
        }
        out.println(tries + " tries x " + steps + " steps" + (target.exec != null ? ", timeout " + timeoutMs + " ms per answer" : ""));

        Progress progress = new Progress(System.err, !noProgress);
        long t0 = System.nanoTime();
        RandomExplorer<OracleState> ex = new RandomExplorer<>(sub, config, tries, steps, s);
        ex.onProgress(t -> progress.update("checking", t, tries, "tries " + t + "/" + tries));
        RunReport r = ex.run();
        progress.done();
        double secs = (System.nanoTime() - t0) / 1e9;
        Claims known = sub.claims();
        out.println();
        out.printf("Finished in %.1f s: %d tries, %d steps (%,.0f checked steps/s), %s.%n", secs, r.triesRun, r.steps,
                r.steps / Math.max(secs, 1e-9), r.passed() ? "no invariant violated" : "1 invariant violated");
        long[] inst = sub.instanceCounts();
        if (target.exec != null) {
            out.println("Processes started: " + inst[0] + ", reused by reset: " + inst[1] + ", states rebuilt by replay: " + inst[2]);
        }
        out.println();
        out.printf("%-28s %12s %11s  %s%n", "Invariant", "Checks", "Violations", "Applies");
        for (RunReport.InvariantRow row : r.invariants) {
            String applies = known == null || OracleInvariants.applies(row.id(), known) ? "yes"
                    : "no: needs the claim " + OracleInvariants.needs(row.id());
            out.printf("%-28s %,12d %,11d  %s%n", row.id(), row.checks(), row.violations(), applies);
        }
        out.println();
        out.println("Operations: " + CheckCommand.join(r.opsByKind));
        out.println("Outcomes:   " + CheckCommand.join(r.outcomesByKind));
        CheckCommand.printSituations(r.situations, out);
        if (r.passed()) return 0;
        Counterexample ce = sub.annotate(r.counterexample);
        if (ce.steps().isEmpty()) {
            // the handshake, the configuration or the first snapshot: no step to shrink
            out.println();
            out.println("VIOLATION of " + ce.violation().invariantId() + " before the first step (seed " + ce.seed() + ")");
            out.println("  " + ce.statement());
            out.println("  cites: " + ce.citation());
            out.println();
            out.println(ce.violation().message());
        } else {
            CheckCommand.printCounterexample(ce, config.name(), out);
        }
        write(ce, config.name(), out);
        return 1;
    }

    /** Writes the counterexample's JSON, draws it (DOT always, images where an engine works) and its page. */
    private void write(Counterexample ce, String config, PrintStream out) {
        String base = ce.violation().invariantId().toLowerCase() + "-" + config + "-seed" + ce.seed();
        Path json = outDir.resolve(base + ".json");
        try {
            Files.createDirectories(outDir);
            Files.writeString(json, CounterexampleJson.write(ce), StandardCharsets.UTF_8);
            out.println();
            out.println("Counterexample: " + json + "  (replay: mmspec replay " + json + ")");
        } catch (IOException e) {
            out.println("could not write " + json + ": " + e.getMessage());
            return;
        }
        Path dir = outDir.resolve(base);
        try {
            RenderResult drawn = new Renderer().render(ce, dir, Renderer.formats(format));
            out.println("Diagrams:       " + dir + "/  (" + drawn.files().size() + " files"
                    + (drawn.engine() == null ? ", DOT only" : ", drawn with " + drawn.engine()) + ")");
            for (String p : drawn.problems()) out.println("  " + p);
            if (drawn.replayNote() != null) {
                out.println("WARNING: the counterexample does not reproduce on a freshly started implementation: it is not "
                        + "deterministic, or its reset keeps state (see README.md, \"The oracle\")");
            }
            Path page = dir.resolve("index.html");
            HtmlReport.writeCounterexample(page, new ReportedCounterexample(ce, json, drawn), null);
            out.println("Page:           " + page);
        } catch (Exception e) {
            out.println("Diagrams: not drawn (" + e.getMessage() + "); the JSON replays and `mmspec render` can retry");
        }
    }
}
