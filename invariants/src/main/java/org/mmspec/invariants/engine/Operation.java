package org.mmspec.invariants.engine;

import java.util.List;

/**
 * One action of a subsystem's operation model, as a TLA+ spec names one predicate per action:
 * a precondition on the state, a generator that draws arguments from the state and the seeded
 * random source, an enumerator of the whole argument domain (for the bounded explorer), and an
 * apply that performs it.
 */
public interface Operation<S> {
    String name();

    /** Relative weight in the random explorer's choice of operation. */
    default double weight() {
        return 1.0;
    }

    boolean enabled(S state);

    /** Draws arguments, or returns null when none apply in this state. */
    Args generate(S state, Rng rng);

    /** Every argument the operation takes in this state (small configurations only). */
    List<Args> enumerate(S state);

    /**
     * Performs the step. Returns {@link Outcome.Kind#SKIPPED} when the arguments do not apply in
     * this state (a replayed step whose handle is gone). {@code stepId} names the step, so an
     * allocation can record its handle.
     */
    Outcome apply(S state, Args args, int stepId);

    /** Simpler variants of these arguments for the shrinker to try (smaller orders, plainer flags). */
    default List<Args> simpler(Args args) {
        return List.of();
    }

    /** Argument names holding step ids (handles), which the shrinker renumbers. */
    default List<String> handleArgs() {
        return List.of();
    }
}
