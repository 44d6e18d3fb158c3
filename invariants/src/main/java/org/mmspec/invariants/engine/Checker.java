package org.mmspec.invariants.engine;

import java.util.ArrayList;
import java.util.List;

import org.mmspec.invariants.Invariant;
import org.mmspec.invariants.Violation;

/**
 * Runs every invariant of a subsystem on a state and keeps, per invariant, how many checks ran and
 * how many found a violation: the figures of the summary table.
 */
public final class Checker<S extends ModelState<S>> {
    /** Reported when an operation throws something other than a rejection: the reference crashed. */
    public static final String CRASH = "REFERENCE-NO-CRASH";

    private final List<Invariant<S>> invariants;
    private final long[] checks;
    private final long[] violations;
    private final List<Violation> scratch = new ArrayList<>();

    public Checker(List<Invariant<S>> invariants) {
        this.invariants = List.copyOf(invariants);
        this.checks = new long[invariants.size()];
        this.violations = new long[invariants.size()];
    }

    public List<Invariant<S>> invariants() {
        return invariants;
    }

    /** Checks every invariant; returns the violations (empty when all hold). */
    public List<Violation> check(S state) {
        List<Violation> out = null;
        for (int i = 0; i < invariants.size(); i++) {
            scratch.clear();
            invariants.get(i).check(state, scratch);
            checks[i]++;
            if (!scratch.isEmpty()) {
                violations[i]++;
                if (out == null) out = new ArrayList<>();
                out.addAll(scratch);
            }
        }
        return out == null ? List.of() : out;
    }

    public long checks(int i) {
        return checks[i];
    }

    public long violations(int i) {
        return violations[i];
    }

    public void add(Checker<S> o) {
        for (int i = 0; i < checks.length; i++) {
            checks[i] += o.checks[i];
            violations[i] += o.violations[i];
        }
    }
}
