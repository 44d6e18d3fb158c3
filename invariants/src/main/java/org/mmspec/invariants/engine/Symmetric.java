package org.mmspec.invariants.engine;

/**
 * A subsystem whose states fall into classes that behave alike, so that the bounded explorer may
 * keep one state per class by fingerprinting the class instead of the state: interchangeable
 * parts (KSM's processes or page contents, rmap's processes, allocation handles) or history the
 * model records and never reads back (the buddy model's kswapd and kcompactd wakeup requests).
 *
 * <p>The reduction is sound when the classes are respected by the whole model: for every state s
 * and every other member p of its class, every invariant holds in p exactly when it holds in s,
 * and the successors of p fall in the same classes as the successors of s. Then a violation
 * reachable in n steps is still found in n steps, and the counterexample the explorer prints is a
 * concrete path of the model (the queue holds concrete states; only the seen-set is quotiented).
 * {@link SymmetryAudit} checks the two conditions on every state of a small configuration, so a
 * claimed reduction is tested, not hoped for.
 */
public interface Symmetric<S extends ModelState<S>> {
    /** What the classes leave out, in words (printed by {@code mmspec explore}). */
    String symmetry();

    /**
     * The fingerprint of the state's class: equal for every member of the class. Computing it
     * leaves the state as it was.
     */
    long canonicalFingerprint(S state);

    /**
     * Another member of the state's class, drawn with {@code rng} (a permutation of its
     * interchangeable parts, other history), for the audit; the state itself is left unchanged.
     * Labels are permuted among those in use, so a later step id never collides with a permuted
     * one.
     */
    S permuted(S state, Rng rng);
}
