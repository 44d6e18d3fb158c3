package org.mmspec.invariants.engine;

import java.util.ArrayList;
import java.util.List;

import org.mmspec.invariants.Violation;
import org.mmspec.reference.alloc.MachineConfig;
import org.mmspec.reference.alloc.RejectedOperationException;

/**
 * Replays a list of steps on a freshly booted state, checking every invariant after every step,
 * and stops at the first violated state. Used by the shrinker, by replay, and by the tests.
 */
public final class Execution<S extends ModelState<S>> {
    public final List<Step> steps;
    public final List<Outcome> outcomes = new ArrayList<>();
    /** Index into steps of the step after which the invariants first failed; -1 if none did. */
    public int violationStep = -1;
    public List<Violation> violations = List.of();
    public S state;

    private Execution(List<Step> steps) {
        this.steps = steps;
    }

    /**
     * Copies of the state: after boot, then after each step that ran (skipped steps repeat the
     * previous state), when the run was started with snapshots on; else empty.
     */
    public final List<S> snapshots = new ArrayList<>();

    /** Boots {@code config} and runs {@code steps}; {@code checker} may be shared to accumulate counts. */
    public static <S extends ModelState<S>> Execution<S> run(Subsystem<S> sub, MachineConfig config, List<Step> steps,
                                                              Checker<S> checker) {
        return run(sub, config, steps, checker, false);
    }

    /**
     * As {@link #run(Subsystem, MachineConfig, List, Checker)}, keeping a copy of the state after
     * boot and after every step in {@link #snapshots} when {@code snapshots} is set (for diagrams).
     */
    public static <S extends ModelState<S>> Execution<S> run(Subsystem<S> sub, MachineConfig config, List<Step> steps,
                                                              Checker<S> checker, boolean snapshots) {
        Execution<S> ex = new Execution<>(steps);
        S state = sub.init(config);
        ex.state = state;
        if (snapshots) ex.snapshots.add(state.copy());
        List<Violation> v0 = checker.check(state);
        if (!v0.isEmpty()) {
            ex.violationStep = -2; // the booted state already violates
            ex.violations = v0;
            return ex;
        }
        for (int i = 0; i < steps.size(); i++) {
            Step step = steps.get(i);
            Operation<S> op = sub.operation(step.op());
            Outcome out;
            if (op == null) {
                out = Outcome.skipped("no operation '" + step.op() + "' in subsystem " + sub.name());
            } else {
                out = applyGuarded(op, state, step);
            }
            ex.outcomes.add(out);
            if (snapshots) ex.snapshots.add(state.copy());
            if (out.kind() == Outcome.Kind.SKIPPED) continue;
            List<Violation> v = crash(out);
            if (v.isEmpty()) v = checker.check(state);
            if (!v.isEmpty()) {
                ex.violationStep = i;
                ex.violations = v;
                return ex;
            }
        }
        return ex;
    }

    /**
     * Applies a step, turning a rejection into a REJECTED outcome and any other exception into a
     * crash marker the caller reports as {@link Checker#CRASH}.
     */
    public static <S> Outcome applyGuarded(Operation<S> op, S state, Step step) {
        try {
            return op.apply(state, step.args(), step.id());
        } catch (RejectedOperationException e) {
            return Outcome.rejected(e.getMessage());
        } catch (BadArgument e) {
            return Outcome.skipped(e.getMessage());
        } catch (RuntimeException | StackOverflowError | AssertionError e) {
            return new Outcome(Outcome.Kind.FAILED, "CRASH " + e, java.util.Map.of("crash", String.valueOf(e)));
        }
    }

    static List<Violation> crash(Outcome out) {
        if (out.kind() == Outcome.Kind.FAILED && out.facts().containsKey("crash")) {
            return List.of(new Violation(Checker.CRASH, "the operation threw " + out.facts().get("crash"), null, null));
        }
        return List.of();
    }

    public boolean violated(String invariantId) {
        for (Violation v : violations) if (v.invariantId().equals(invariantId)) return true;
        return false;
    }
}
