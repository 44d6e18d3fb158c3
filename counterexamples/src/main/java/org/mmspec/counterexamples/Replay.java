package org.mmspec.counterexamples;

import java.util.List;

import org.mmspec.invariants.Violation;
import org.mmspec.invariants.engine.Checker;
import org.mmspec.invariants.engine.Counterexample;
import org.mmspec.invariants.engine.Execution;
import org.mmspec.invariants.engine.ModelState;
import org.mmspec.invariants.engine.Outcome;
import org.mmspec.invariants.engine.Step;
import org.mmspec.invariants.engine.Subsystem;
import org.mmspec.invariants.engine.Subsystems;

/**
 * Replays a counterexample on a freshly booted reference and says whether the same invariant is
 * violated at the same step.
 */
public final class Replay {
    private Replay() {}

    /** What a replay found; {@link #exitCode()} is what {@code mmspec replay} exits with. */
    public enum Status {
        /** The same invariant is violated after the same step. */
        REPRODUCED(0),
        /** Every step ran and every invariant held: the counterexample no longer violates. */
        NO_LONGER_VIOLATES(1),
        /** A violation, but of another invariant or after another step. */
        VIOLATES_DIFFERENTLY(3),
        /** A step no longer applies (unknown operation, a handle that no longer exists). */
        STEPS_DO_NOT_APPLY(4);

        private final int exitCode;

        Status(int exitCode) {
            this.exitCode = exitCode;
        }

        public int exitCode() {
            return exitCode;
        }
    }

    public record Result(Status status, String message, Execution<?> execution) {}

    public static Result replay(Counterexample ce) {
        return replay(ce, false);
    }

    public static Result replay(Counterexample ce, boolean snapshots) {
        Subsystem<?> sub = Subsystems.create(ce.subsystem(), ce.engine());
        if (sub == null) {
            return new Result(Status.STEPS_DO_NOT_APPLY, "subsystem '" + ce.subsystem() + "' is not one this mmspec has ("
                    + Subsystems.names() + ")", null);
        }
        try {
            return run(sub, ce, snapshots);
        } finally {
            // the oracle may have started a program under test: stop it
            if (sub instanceof AutoCloseable c) {
                try {
                    c.close();
                } catch (Exception e) {
                    // closing is best effort; the replay's result stands
                }
            }
        }
    }

    private static <S extends ModelState<S>> Result run(Subsystem<S> sub, Counterexample ce, boolean snapshots) {
        for (int i = 0; i < ce.steps().size(); i++) {
            Step s = ce.steps().get(i);
            if (sub.operation(s.op()) == null) {
                return new Result(Status.STEPS_DO_NOT_APPLY, "step " + i + ": operation '" + s.op() + "' does not exist in "
                        + sub.name() + " (it has " + opNames(sub) + ")", null);
            }
        }
        Execution<S> ex = Execution.run(sub, ce.config(), ce.steps(), new Checker<>(sub.invariants()), snapshots);
        for (int i = 0; i < ex.outcomes.size(); i++) {
            Outcome now = ex.outcomes.get(i);
            Outcome then = i < ce.outcomes().size() ? ce.outcomes().get(i) : null;
            if (now.kind() == Outcome.Kind.SKIPPED && (then == null || then.kind() != Outcome.Kind.SKIPPED)) {
                return new Result(Status.STEPS_DO_NOT_APPLY, "step " + i + " " + ce.steps().get(i) + " no longer applies: "
                        + now.text(), ex);
            }
        }
        String id = ce.violation().invariantId();
        if (ex.violationStep == -1) {
            return new Result(Status.NO_LONGER_VIOLATES, "all " + ce.steps().size() + " steps ran and every invariant held: "
                    + id + " is no longer violated", ex);
        }
        int got = ex.violationStep == -2 ? -1 : ex.violationStep;
        if (got == ce.violationStep() && ex.violated(id)) {
            Violation v = null;
            for (Violation x : ex.violations) if (x.invariantId().equals(id)) v = x;
            return new Result(Status.REPRODUCED, id + " is violated " + where(got) + ", as recorded: " + v.message(), ex);
        }
        List<Violation> vs = ex.violations;
        return new Result(Status.VIOLATES_DIFFERENTLY, "recorded " + id + " " + where(ce.violationStep()) + ", but the replay violates "
                + vs.get(0).invariantId() + " " + where(got) + ": " + vs.get(0).message(), ex);
    }

    private static String where(int step) {
        return step < 0 ? "in the booted state" : "after step " + step;
    }

    private static String opNames(Subsystem<?> sub) {
        StringBuilder sb = new StringBuilder();
        sub.operations().forEach(o -> sb.append(sb.length() == 0 ? "" : ", ").append(o.name()));
        return sb.toString();
    }
}
