package org.mmspec.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import org.mmspec.conformance.MalformedInputException;
import org.mmspec.conformance.trace.TraceChecker;
import org.mmspec.conformance.trace.TraceRecorder;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code mmspec trace}: the ftrace trace oracle (check) and a recorder for it (record). */
@Command(name = "trace", mixinStandardHelpOptions = true,
        description = "Check an ftrace trace against what a correct kernel guarantees, or record one.",
        subcommands = {TraceCommand.Check.class, TraceCommand.Record.class})
public final class TraceCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    @Command(name = "check", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Read an ftrace text trace (the tracefs `trace` file or `trace-cmd report` output, plain or gzip), "
                    + "streaming, and check every page allocator and compaction event against the TRACE-* invariants "
                    + "(`mmspec catalog`). Unknown events are counted and skipped.",
                "Exit 0 when no invariant is violated, 1 with a report (line, event, invariant, evidence), 2 on bad input "
                    + "(malformed lines are listed with their line numbers)."})
    static final class Check implements Callable<Integer> {
        @Parameters(paramLabel = "FILE", description = "The trace; - reads standard input.")
        String file;

        @Option(names = "--max-page-order", paramLabel = "N", defaultValue = "10",
                description = "MAX_PAGE_ORDER of the traced kernel; default ${DEFAULT-VALUE}.")
        int maxPageOrder;

        @Option(names = "--pageblock-order", paramLabel = "N", defaultValue = "9",
                description = "pageblock_order until an mm_page_alloc_extfrag event prints it; default ${DEFAULT-VALUE}.")
        int pageblockOrder;

        @Option(names = "--mobility-disabled",
                description = "The traced kernel had page_group_by_mobility_disabled (very small memory).")
        boolean mobilityDisabled;

        @Option(names = "--max-report", paramLabel = "N", defaultValue = "100",
                description = "Print at most N violations in full (all are counted); default ${DEFAULT-VALUE}.")
        int maxReport;

        @Override
        public Integer call() {
            if (maxPageOrder < 0 || maxPageOrder > 20) throw new Main.UsageException("--max-page-order must be 0..20");
            if (pageblockOrder < 0 || pageblockOrder > maxPageOrder) {
                throw new Main.UsageException("--pageblock-order must be 0..--max-page-order");
            }
            PrintStream out = System.out;
            TraceChecker c = new TraceChecker();
            c.state().maxPageOrder = maxPageOrder;
            c.state().pageblockOrder = pageblockOrder;
            c.state().mobilityDisabled = mobilityDisabled;
            c.maxFindings = Math.max(maxReport, 0);
            TraceChecker.Report r;
            try (InputStream in = file.equals("-") ? System.in : Files.newInputStream(Path.of(file))) {
                r = c.check(in, file);
            } catch (NoSuchFileException e) {
                System.err.println("mmspec: " + file + ": no such file");
                return 2;
            } catch (IOException | MalformedInputException e) {
                System.err.println("mmspec: " + (e instanceof MalformedInputException ? e.getMessage() : file + ": " + e.getMessage()));
                return 2;
            }
            print(out, r);
            return r.exitCode();
        }

        static void print(PrintStream out, TraceChecker.Report r) {
            out.printf("mmspec trace check: %s%n", r.file);
            out.printf("Read %,d lines (%,d bytes), %,d events in %.2f s: %,.0f events/s.%n", r.lines, r.bytes, r.events,
                    r.seconds, r.eventsPerSecond());
            out.printf("Blocks the trace saw allocated and not freed: %,d at the end, at most %,d at once.%n", r.liveAtEnd, r.maxLive);
            if (r.resets > 0) {
                out.printf("Lost events: the oracle forgot what it knew %d time(s):%n", r.resets);
                for (String s : r.resetLines) out.println("  " + s);
            }
            out.println("Events: " + join(r.eventCounts));
            if (!r.unknownCounts.isEmpty()) out.println("Unknown events (counted, skipped): " + join(r.unknownCounts));
            out.println();
            out.printf("%-24s %14s %10s%n", "Invariant", "Checks", "Violations");
            for (Map.Entry<String, long[]> e : r.byInvariant.entrySet()) {
                out.printf("%-24s %,14d %,10d%n", e.getKey(), e.getValue()[0], e.getValue()[1]);
            }
            if (r.undecided > 0) {
                out.printf("%,d mm_page_alloc_extfrag event(s) that only a compaction capture would explain stay undecided: "
                        + "the trace never shows whether their task was compacting.%n", r.undecided);
            }
            if (r.malformedCount > 0) {
                out.printf("%nMALFORMED: %,d line(s)%s:%n", r.malformedCount,
                        r.malformedCount > r.malformed.size() ? " (the first " + r.malformed.size() + ")" : "");
                for (String m : r.malformed) out.println("  " + m);
            }
            if (r.violationCount > 0) {
                out.printf("%nVIOLATIONS: %,d%s (line, event, invariant, evidence):%n", r.violationCount,
                        r.violationCount > r.violations.size() ? " (the first " + r.violations.size() + ")" : "");
                for (TraceChecker.Finding f : r.violations) {
                    out.printf("  line %d  %s  %s  %s%n", f.line(), f.event(), f.id(), f.evidence());
                }
            } else {
                out.println();
                out.println(r.malformedCount > 0 ? "No invariant violated, but the input is malformed."
                        : "No invariant violated.");
            }
        }

        private static String join(Map<String, Long> m) {
            List<String> parts = new ArrayList<>();
            m.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue(), a.getValue()))
                    .forEach(e -> parts.add(e.getKey() + " " + String.format("%,d", e.getValue())));
            return parts.isEmpty() ? "none" : String.join(", ", parts);
        }
    }

    @Command(name = "record", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Record a trace for `mmspec trace check` (root): enable the kmem page allocator, compaction, "
                    + "migrate and ksm tracepoints, run CMD (or wait --seconds), save the tracefs trace file, and restore "
                    + "every tracing knob it changed (also on failure or Ctrl-C).",
                "Example: mmspec trace record --seconds 5 -o thp.txt.gz -- ./touch-thp 512"})
    static final class Record implements Callable<Integer> {
        @Option(names = "--seconds", paramLabel = "N",
                description = "How long to record without CMD (default 5); with CMD, stop it after N seconds "
                        + "(default: wait for it to exit).")
        Double seconds;

        @Option(names = {"-o", "--output"}, paramLabel = "FILE", defaultValue = "trace.txt.gz",
                description = "Where to save the trace (gzip when it ends in .gz); default ${DEFAULT-VALUE}.")
        Path out;

        @Option(names = "--buffer-kb", paramLabel = "KB", defaultValue = "65536",
                description = "buffer_size_kb per CPU while recording; default ${DEFAULT-VALUE}.")
        int bufferKb;

        @Option(names = "--all-kmem", description = "Also enable the slab and rss_stat events of kmem (many, unchecked).")
        boolean allKmem;

        @Parameters(paramLabel = "CMD", arity = "0..*", description = "The command to trace (after --).")
        List<String> command = new ArrayList<>();

        @Override
        public Integer call() throws Exception {
            double secs = seconds != null ? seconds : command.isEmpty() ? 5 : 0;
            if (secs < 0 || (command.isEmpty() && secs == 0)) {
                throw new Main.UsageException("--seconds must be positive (or 0 with a command: wait for it)");
            }
            if (bufferKb < 64) throw new Main.UsageException("--buffer-kb must be at least 64");
            TraceRecorder rec = new TraceRecorder();
            TraceRecorder.Result r;
            try {
                r = rec.record(new TraceRecorder.Options(secs, out, command, bufferKb, allKmem), System.out);
            } catch (IllegalStateException | MalformedInputException e) {
                System.err.println("mmspec: " + e.getMessage());
                return 2;
            } catch (IOException e) {
                System.err.println("mmspec: trace record: " + e.getMessage() + " (tracing knobs restored where possible)");
                return 2;
            }
            System.out.printf("Saved %s: %,d lines, %,d bytes of trace text%s.%n", r.out(), r.lines(), r.bytes(),
                    command.isEmpty() ? "" : "; the command exited " + r.commandExit());
            if (!r.overruns().isEmpty()) {
                System.out.println("The ring buffer overflowed (" + r.overruns() + "): the oldest events are gone; "
                        + "trace check starts afresh where a CPU's buffer starts. Use a larger --buffer-kb.");
            }
            System.out.println("Tracing restored as it was. Check it with: mmspec trace check " + r.out());
            return 0;
        }
    }

}
