package org.mmspec.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import org.mmspec.invariants.Violation;
import org.mmspec.invariants.buddy.BuddyDomain;
import org.mmspec.invariants.buddy.BuddySubsystem;
import org.mmspec.invariants.engine.BoundedExplorer;
import org.mmspec.invariants.engine.BoundedReport;
import org.mmspec.invariants.engine.Counterexample;
import org.mmspec.invariants.engine.ModelState;
import org.mmspec.invariants.engine.Outcome;
import org.mmspec.invariants.engine.RunReport;
import org.mmspec.invariants.engine.Step;
import org.mmspec.invariants.engine.Subsystem;
import org.mmspec.invariants.engine.Subsystems;
import org.mmspec.reference.alloc.ConfigException;
import org.mmspec.reference.alloc.KnownBug;
import org.mmspec.reference.alloc.MachineConfig;
import org.mmspec.reference.alloc.ZoneConfig;
import org.mmspec.reference.alloc.ZoneType;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code mmspec explore}: the bounded explorer. Breadth first over every state reachable in a
 * small configuration with the subsystem's operation model, every invariant checked in every new
 * state; TLC's figures at the end, progress lines on stderr on long runs, and on a violation the
 * shortest counterexample, written as a file {@code mmspec replay} reads.
 */
@Command(name = "explore", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Explore every state reachable in a small configuration, breadth first, checking every invariant "
                + "in every new state; a violation is reported with a shortest counterexample.",
            "Exit 0 when no invariant is violated within the bounds, 1 on a violation (counterexample written), "
                + "2 on bad usage."})
public final class ExploreCommand implements Callable<Integer> {
    @Option(names = "--subsystem", paramLabel = "NAME", defaultValue = "buddy",
            description = "Subsystem to explore (${COMPLETION-CANDIDATES}); default ${DEFAULT-VALUE}.",
            completionCandidates = CheckCommand.SubsystemNames.class)
    String subsystem;

    @Option(names = "--config", paramLabel = "NAME", split = ",",
            description = "Named configuration(s) to explore, comma separated; default: those the subsystem names as "
                    + "small enough to exhaust (buddy: tiny8, tinydma).")
    List<String> configs;

    @Option(names = "--pages", paramLabel = "N",
            description = "Instead of a named configuration: one zone of N pages (with --zone, --start-pfn, "
                    + "--max-page-order, --pageblock-order, --min-free-kbytes).")
    Long pages;

    @Option(names = "--zone", paramLabel = "TYPE", defaultValue = "Normal",
            description = "With --pages: the zone type (DMA, DMA32, Normal, Movable); default ${DEFAULT-VALUE}.")
    String zone;

    @Option(names = "--start-pfn", paramLabel = "PFN", defaultValue = "0",
            description = "With --pages: the zone's first pfn (0x... accepted); default ${DEFAULT-VALUE}.")
    String startPfn;

    @Option(names = "--max-page-order", paramLabel = "K", defaultValue = "3",
            description = "With --pages: MAX_PAGE_ORDER; default ${DEFAULT-VALUE}.")
    int maxPageOrder;

    @Option(names = "--pageblock-order", paramLabel = "P", defaultValue = "2",
            description = "With --pages: pageblock_order; default ${DEFAULT-VALUE}.")
    int pageblockOrder;

    @Option(names = "--min-free-kbytes", paramLabel = "K", defaultValue = "0",
            description = "With --pages: vm.min_free_kbytes at boot; default ${DEFAULT-VALUE} (no watermarks).")
    long minFreeKbytes;

    @Option(names = "--gfp", paramLabel = "MASK", split = ",",
            description = "Buddy: the gfp masks alloc is enumerated with (kernel names, comma separated); default: the "
                    + "configuration's own domain.")
    List<String> gfps;

    @Option(names = "--no-isolation", description = "Buddy: do not enumerate isolate_range and undo_isolate_range.")
    boolean noIsolation;

    @Option(names = "--isolate-pageblocks", paramLabel = "K",
            description = "Buddy: enumerate isolated ranges of 1..K pageblocks; default: the configuration's domain (4).")
    Integer isolatePageblocks;

    @Option(names = "--max-depth", paramLabel = "D",
            description = "Expand no state at depth D: paths of at most D steps. Default: unbounded.")
    Integer maxDepth;

    @Option(names = "--max-states", paramLabel = "N",
            description = "Stop after N distinct states. Default: unbounded.")
    Long maxStates;

    @Option(names = "--bug", paramLabel = "NAME", split = ",",
            description = "Re-create a historical kernel bug in the reference (as mmspec check --bug); repeatable.")
    List<String> bugs = new ArrayList<>();

    @Option(names = "--workers", paramLabel = "N", defaultValue = "1",
            description = "Threads expanding states (TLC's workers); default ${DEFAULT-VALUE}. The states found and the "
                    + "counterexample do not depend on it.")
    int workers;

    @Option(names = "--no-symmetry", description = "Do not apply the subsystem's reductions (symmetries, history it never "
            + "reads back): count every valuation of the state apart.")
    boolean noSymmetry;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "mmspec-out",
            description = "Where a counterexample is written; default ${DEFAULT-VALUE}.")
    java.nio.file.Path outDir;

    @Option(names = "--format", paramLabel = "FMT", defaultValue = "svg",
            description = "Diagrams drawn for a counterexample, as mmspec check: dot, svg or png (comma separated); DOT "
                    + "is always written. Default ${DEFAULT-VALUE}.")
    String format;

    @Option(names = "--no-progress", description = "Do not print progress lines (every 10 s, on stderr).")
    boolean noProgress;

    @Override
    public Integer call() {
        Subsystem<?> sub = Subsystems.create(subsystem);
        if (sub == null) throw new Main.UsageException("unknown subsystem '" + subsystem + "' (one of " + Subsystems.names() + ")");
        if (maxDepth != null && maxDepth < 0) throw new Main.UsageException("--max-depth must be at least 0, got " + maxDepth);
        if (maxStates != null && maxStates < 1) throw new Main.UsageException("--max-states must be at least 1, got " + maxStates);
        if (workers < 1) throw new Main.UsageException("--workers must be at least 1, got " + workers);
        for (String b : bugs) {
            if (KnownBug.byName(b) == null) throw new Main.UsageException("unknown bug '" + b + "' (known: " + KnownBug.names() + ")");
        }
        if (gfps != null || noIsolation || isolatePageblocks != null) {
            if (!(sub instanceof BuddySubsystem bs)) {
                throw new Main.UsageException("--gfp, --no-isolation and --isolate-pageblocks apply to the buddy subsystem only");
            }
            if (isolatePageblocks != null && isolatePageblocks < 1) {
                throw new Main.UsageException("--isolate-pageblocks must be at least 1, got " + isolatePageblocks);
            }
            BuddyDomain base = pages == null && configs != null && configs.size() == 1
                    ? org.mmspec.invariants.buddy.BuddyConfigs.domain(configs.get(0)) : BuddyDomain.ALL;
            try {
                bs.domain(new BuddyDomain(gfps != null ? gfps : base.gfps(), !noIsolation,
                        isolatePageblocks != null ? isolatePageblocks : base.isolatePageblocks()));
            } catch (IllegalArgumentException e) {
                throw new Main.UsageException("--gfp: " + e.getMessage());
            }
        }
        List<MachineConfig> cfgs = new ArrayList<>();
        if (pages != null) {
            if (configs != null) throw new Main.UsageException("give either --config or --pages (a configuration of your own), not both");
            cfgs.add(custom().withKnownBugs(bugs));
        } else {
            List<String> names = configs == null || configs.isEmpty() ? sub.exhaustiveConfigs() : configs;
            if (names.isEmpty()) {
                throw new Main.UsageException(subsystem + " names no configuration small enough to exhaust; give --config NAME "
                        + "(one of " + sub.configs().keySet() + ") with --max-depth or --max-states");
            }
            for (String n : names) {
                MachineConfig c = sub.configs().get(n);
                if (c == null) throw new Main.UsageException("unknown configuration '" + n + "' for " + subsystem + " (one of "
                        + sub.configs().keySet() + ")");
                cfgs.add(c.withKnownBugs(bugs));
            }
        }
        for (int i = 0; i < cfgs.size(); i++) {
            try {
                cfgs.set(i, cfgs.get(i).validate());
            } catch (ConfigException e) {
                throw new Main.UsageException("configuration " + cfgs.get(i).name() + ": " + e.getMessage());
            }
        }
        return run(sub, cfgs, System.out);
    }

    private MachineConfig custom() {
        ZoneType t;
        try {
            t = ZoneType.parse(zone);
        } catch (IllegalArgumentException e) {
            throw new Main.UsageException("--zone: " + e.getMessage());
        }
        long start;
        try {
            start = Long.decode(startPfn);
        } catch (NumberFormatException e) {
            throw new Main.UsageException("--start-pfn: '" + startPfn + "' is not a number");
        }
        if (pages < 1) throw new Main.UsageException("--pages must be at least 1, got " + pages);
        if (minFreeKbytes < 0) throw new Main.UsageException("--min-free-kbytes must be at least 0, got " + minFreeKbytes);
        return MachineConfig.of("custom", maxPageOrder, pageblockOrder, List.of(ZoneConfig.of(t, start, pages)))
                .withMinFreeKbytes(minFreeKbytes);
    }

    private <S extends ModelState<S>> int run(Subsystem<S> sub, List<MachineConfig> cfgs, PrintStream out) {
        for (MachineConfig cfg : cfgs) {
            BoundedExplorer<S> ex = new BoundedExplorer<>(sub, cfg).symmetry(!noSymmetry).workers(workers);
            if (maxDepth != null) ex.maxDepth(maxDepth);
            if (maxStates != null) ex.maxStates(maxStates);
            if (!noProgress) ex.onProgress(r -> progressLine(r, System.err), 10_000);
            out.println("mmspec explore: subsystem " + sub.name() + ", configuration " + describe(sub, cfg)
                    + (cfg.knownBugs().isEmpty() ? "" : ", known bugs re-created: " + cfg.knownBugs()));
            out.println("Bounds: depth " + (maxDepth == null ? "unbounded" : "<= " + maxDepth) + ", distinct states "
                    + (maxStates == null ? "unbounded" : "<= " + String.format("%,d", maxStates)) + ". Reductions: "
                    + (noSymmetry || !(sub instanceof org.mmspec.invariants.engine.Symmetric<?> sy) ? "none" : sy.symmetry())
                    + ". Workers: " + workers + ".");
            BoundedReport r = ex.run();
            printReport(r, out);
            if (r.counterexample != null) {
                printCounterexample(r.counterexample, cfg.name(), out);
                writeCounterexample(r.counterexample, cfg.name(), out);
                return 1;
            }
            out.println();
        }
        return 0;
    }

    private static String describe(Subsystem<?> sub, MachineConfig c) {
        StringBuilder sb = new StringBuilder(c.name()).append(" (");
        for (ZoneConfig z : c.zones()) {
            sb.append(z.type().kernelName()).append(" [0x").append(Long.toHexString(z.startPfn())).append(", 0x")
              .append(Long.toHexString(z.endPfn())).append(") ");
        }
        sb.append("MAX_PAGE_ORDER ").append(c.maxPageOrder()).append(", pageblock_order ").append(c.pageblockOrder())
          .append(", min_free_kbytes ").append(c.minFreeKbytes() < 0 ? "auto" : String.valueOf(c.minFreeKbytes())).append(')');
        if (sub instanceof BuddySubsystem) sb.append(", domain: ").append(sub.init(c) instanceof org.mmspec.invariants.buddy.BuddyState bs
                ? bs.domain.toString() : "?");
        return sb.toString();
    }

    /** TLC's progress line. */
    static void progressLine(BoundedReport r, PrintStream err) {
        err.printf("Progress(%d) at %.0f s: %,d states generated (%,.0f s/s), %,d distinct states found (%,.0f ds/s), "
                        + "%,d states left on queue.%n", r.depth, r.seconds(), r.generated, r.generatedPerSecond(), r.distinct,
                r.distinctPerSecond(), r.queueLeft);
    }

    static void printReport(BoundedReport r, PrintStream out) {
        out.println();
        switch (r.stoppedBy) {
            case "complete" -> out.println("Model checking completed: every reachable state explored. "
                    + (r.passed() ? "No invariant is violated." : ""));
            case "max-depth" -> out.println("Stopped at the depth bound " + r.maxDepth + ": no invariant is violated in any "
                    + "state within " + r.maxDepth + " steps.");
            case "max-states" -> out.println("Stopped at the state bound " + String.format("%,d", r.maxStates)
                    + ": no invariant is violated in the states explored.");
            case "violation" -> out.println("Error: an invariant is violated (shortest counterexample below).");
            default -> out.println("Stopped: " + r.stoppedBy);
        }
        out.printf("%,d states generated, %,d distinct states found, %,d states left on queue.%n", r.generated, r.distinct,
                r.queueLeft);
        out.printf("The depth of the state graph search is %d (the longest shortest path, in steps).%n", r.depth);
        out.printf("Finished in %.2f s: %,.0f states generated/s, %,.0f distinct states/s.%n", r.seconds(), r.generatedPerSecond(),
                r.distinctPerSecond());
        out.printf("Memory: seen-set %s (%.1f bytes per distinct state); queue peak %s (%,d states, %s).%n",
                bytes(r.seenBytes), r.seenBytesPerState(), bytes(r.queuePeakBytes), r.queuePeakStates,
                "encoded".equals(r.queueForm) ? String.format("%.0f bytes each", r.queuePeakStates == 0 ? 0.0
                        : r.queuePeakBytes / (double) r.queuePeakStates) : "held as objects");
        out.printf("Calculated (optimistic) probability of a fingerprint collision: %.1e%n", r.collisionProbability);
        StringBuilder d = new StringBuilder();
        for (Long n : r.perDepth) d.append(d.length() == 0 ? "" : " ").append(String.format("%,d", n));
        out.println("Distinct states by depth: " + d);
        out.println();
        out.printf("%-26s %14s %11s%n", "Invariant", "Checks", "Violations");
        for (RunReport.InvariantRow row : r.invariants) out.printf("%-26s %,14d %,11d%n", row.id(), row.checks(), row.violations());
        out.println();
        out.println("Transitions: " + CheckCommand.join(r.opsByKind));
        out.println("Outcomes:    " + CheckCommand.join(r.outcomesByKind));
    }

    private static String bytes(long b) {
        if (b >= 1L << 30) return String.format("%.1f GiB", b / (double) (1L << 30));
        if (b >= 1L << 20) return String.format("%.1f MiB", b / (double) (1L << 20));
        if (b >= 1L << 10) return String.format("%.1f KiB", b / 1024.0);
        return b + " bytes";
    }

    static void printCounterexample(Counterexample ce, String config, PrintStream out) {
        Violation v = ce.violation();
        out.println();
        out.println("VIOLATION of " + v.invariantId() + " on configuration " + config + " (bounded search: shortest path, "
                + ce.steps().size() + " step" + (ce.steps().size() == 1 ? "" : "s") + ")");
        out.println("  " + ce.statement());
        out.println("  cites: " + ce.citation());
        out.println();
        out.println("Shortest counterexample, " + ce.steps().size() + " step" + (ce.steps().size() == 1 ? "" : "s")
                + " (no shorter sequence of enumerated operations violates an invariant):");
        List<Step> steps = ce.steps();
        List<Outcome> outs = ce.outcomes();
        for (int i = 0; i < steps.size(); i++) {
            Step st = steps.get(i);
            String o = i < outs.size() ? outs.get(i).toString() : "";
            out.printf("  %2d. %-60s -> %s%n", i, st.op() + "(" + st.args() + ")", CheckCommand.firstLine(o));
        }
        out.println();
        out.println((ce.violationStep() < 0 ? "In the booted state: " : "After step " + ce.violationStep() + ": ") + v.message());
        for (int i = 1; i < ce.allViolations().size() && i < 5; i++) out.println("  also: " + ce.allViolations().get(i).message());
    }

    /** Writes the counterexample's JSON under --out and draws it as mmspec check does (a drawing failure never fails the run). */
    private void writeCounterexample(Counterexample ce, String config, PrintStream out) {
        String base = ce.violation().invariantId().toLowerCase() + "-" + config + "-bounded";
        java.nio.file.Path json = outDir.resolve(base + ".json");
        try {
            java.nio.file.Files.createDirectories(outDir);
            java.nio.file.Files.writeString(json, org.mmspec.counterexamples.CounterexampleJson.write(ce),
                    java.nio.charset.StandardCharsets.UTF_8);
            out.println();
            out.println("Counterexample: " + json + "  (replay: mmspec replay " + json + ")");
        } catch (java.io.IOException e) {
            out.println("could not write " + json + ": " + e.getMessage());
            return;
        }
        try {
            org.mmspec.counterexamples.render.RenderResult drawn = new org.mmspec.counterexamples.render.Renderer()
                    .render(ce, outDir.resolve(base), org.mmspec.counterexamples.render.Renderer.formats(format));
            out.println("Diagrams:       " + outDir.resolve(base) + "/  (" + drawn.files().size() + " files"
                    + (drawn.engine() == null ? ", DOT only" : ", drawn with " + drawn.engine()) + ")");
            for (String p : drawn.problems()) out.println("  " + p);
        } catch (Exception e) {
            out.println("Diagrams: not drawn (" + e.getMessage() + "); the JSON replays and `mmspec render` can retry");
        }
    }
}
