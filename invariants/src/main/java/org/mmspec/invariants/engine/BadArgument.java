package org.mmspec.invariants.engine;

/**
 * A step's arguments do not apply: a missing or mistyped argument in a replayed file. The step
 * is SKIPPED; anything else thrown from inside the reference is a crash.
 */
public final class BadArgument extends RuntimeException {
    public BadArgument(String message) {
        super(message);
    }
}
