package org.mmspec.invariants.engine;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What a random exploration did: figures for the summary table and the counterexample, if any. */
public final class RunReport {
    public String subsystem;
    public String configName;
    public long seed;
    public int tries;
    public int triesRun;
    public int stepsPerTry;
    public long steps;
    public long millis;
    public final Map<String, Long> opsByKind = new LinkedHashMap<>();
    public final Map<String, Long> outcomesByKind = new LinkedHashMap<>();
    public final Map<String, Long> situations = new LinkedHashMap<>();
    /** One row per invariant: id, checks, violations. */
    public final List<InvariantRow> invariants = new ArrayList<>();
    public Counterexample counterexample;

    public record InvariantRow(String id, String statement, String citation, long checks, long violations) {}

    public boolean passed() {
        return counterexample == null;
    }

    void count(Map<String, Long> m, String k, long n) {
        m.merge(k, n, Long::sum);
    }
}
