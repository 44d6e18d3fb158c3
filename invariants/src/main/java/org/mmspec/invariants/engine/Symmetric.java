package org.mmspec.invariants.engine;

/**
 * A subsystem whose states have interchangeable parts (KSM's processes or page contents, rmap's
 * processes, allocation handles): the bounded explorer then keeps one state per orbit, by
 * fingerprinting the orbit's canonical representative instead of the state.
 *
 * <p>The reduction is sound when the permutations it names are symmetries of the whole model:
 * for every permutation p and state s, every invariant holds in p(s) exactly when it holds in s,
 * and the successors of p(s) are the images under p of the successors of s. Then a violation
 * reachable in n steps is still found in n steps, and the counterexample the explorer prints is a
 * concrete path of the model (the queue holds concrete states; only the seen-set is quotiented).
 * {@link SymmetryAudit} checks the two conditions on every state of a small configuration, so a
 * claimed symmetry is tested, not hoped for.
 */
public interface Symmetric<S extends ModelState<S>> {
    /** What is interchangeable, in words (printed by {@code mmspec explore}). */
    String symmetry();

    /**
     * The fingerprint of the canonical member of the state's orbit: equal for a state and every
     * permutation of it. Computing it must not change the state.
     */
    long canonicalFingerprint(S state);

    /**
     * A copy of the state with its interchangeable parts permuted (a permutation drawn from
     * {@code rng}), for the audit; the state itself is left unchanged. Labels are permuted among
     * those in use, so a later step id never collides with a permuted one.
     */
    S permuted(S state, Rng rng);
}
