package org.mmspec.invariants.engine;

/** A subsystem's checked state: it can be copied and fingerprinted canonically. */
public interface ModelState<S extends ModelState<S>> {
    /** A deep copy. */
    S copy();

    /** A 64-bit fingerprint that equal states share, for the bounded explorer. */
    long fingerprint();
}
