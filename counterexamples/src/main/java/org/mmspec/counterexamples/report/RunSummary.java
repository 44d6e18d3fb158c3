package org.mmspec.counterexamples.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.mmspec.invariants.engine.RunReport;

/**
 * The figures of one {@code mmspec check} run for the report's front page, over all the
 * configurations it explored: as TLC reports a run, short and comparable between runs.
 *
 * @param subsystem        the subsystem checked, e.g. {@code buddy}
 * @param configurations   the named configurations explored, in order
 * @param seed             the run's seed as the user gave or was told it (not the per-configuration seeds)
 * @param knownBugs        the historical bugs re-created ({@code --bug}), empty for none
 * @param triesPerConfig   {@code --tries}
 * @param triesRun         tries actually run, over all configurations (fewer when a violation stopped the run)
 * @param stepsPerTry      {@code --steps}
 * @param steps            operations applied and checked, over all tries
 * @param millis           wall time of the run
 * @param invariants       one row per invariant: id, statement, citation, checks run, violations found
 * @param operations       operations applied, by name
 * @param outcomes         outcomes, by kind (OK, FAILED, REJECTED, SKIPPED)
 * @param situations       situations covered, as {@code Situations} names them ("alloc order 3", ...)
 */
public record RunSummary(String subsystem, List<String> configurations, long seed, List<String> knownBugs, int triesPerConfig,
                         long triesRun, int stepsPerTry, long steps, long millis, List<RunReport.InvariantRow> invariants,
                         Map<String, Long> operations, Map<String, Long> outcomes, Map<String, Long> situations) {
    public RunSummary {
        configurations = List.copyOf(configurations);
        knownBugs = knownBugs == null ? List.of() : List.copyOf(knownBugs);
        invariants = List.copyOf(invariants);
        operations = new LinkedHashMap<>(operations);
        outcomes = new LinkedHashMap<>(outcomes);
        situations = new LinkedHashMap<>(situations);
    }

    /**
     * The summary of the reports of one run, one report per configuration, in order: tries,
     * steps, checks and violations added up, invariant rows merged by id.
     *
     * @param seed       the run's seed, as printed
     * @param knownBugs  the bugs re-created
     * @param reports    the explorers' reports
     * @param wallMillis the run's wall time; negative to add up the reports' times
     */
    public static RunSummary of(long seed, List<String> knownBugs, List<RunReport> reports, long wallMillis) {
        if (reports.isEmpty()) throw new IllegalArgumentException("a run summary needs at least one report");
        List<String> configs = new ArrayList<>();
        long tries = 0;
        long steps = 0;
        long millis = 0;
        Map<String, long[]> counts = new LinkedHashMap<>();
        Map<String, RunReport.InvariantRow> rows = new LinkedHashMap<>();
        Map<String, Long> ops = new LinkedHashMap<>();
        Map<String, Long> outs = new LinkedHashMap<>();
        Map<String, Long> sits = new LinkedHashMap<>();
        for (RunReport r : reports) {
            configs.add(r.configName);
            tries += r.triesRun;
            steps += r.steps;
            millis += r.millis;
            for (RunReport.InvariantRow row : r.invariants) {
                rows.putIfAbsent(row.id(), row);
                long[] c = counts.computeIfAbsent(row.id(), k -> new long[2]);
                c[0] += row.checks();
                c[1] += row.violations();
            }
            r.opsByKind.forEach((k, v) -> ops.merge(k, v, Long::sum));
            r.outcomesByKind.forEach((k, v) -> outs.merge(k, v, Long::sum));
            r.situations.forEach((k, v) -> sits.merge(k, v, Long::sum));
        }
        List<RunReport.InvariantRow> merged = new ArrayList<>();
        for (RunReport.InvariantRow row : rows.values()) {
            long[] c = counts.get(row.id());
            merged.add(new RunReport.InvariantRow(row.id(), row.statement(), row.citation(), c[0], c[1]));
        }
        RunReport first = reports.get(0);
        return new RunSummary(first.subsystem, configs, seed, knownBugs, first.tries, tries, first.stepsPerTry, steps,
                wallMillis >= 0 ? wallMillis : millis, merged, ops, outs, sits);
    }

    /** Checked steps per second of wall time. */
    public double stepsPerSecond() {
        return steps / Math.max(millis / 1000.0, 1e-3);
    }

    /** How many invariants were violated at least once. */
    public long violatedInvariants() {
        return invariants.stream().filter(r -> r.violations() > 0).count();
    }
}
