package org.mmspec.counterexamples.render;

/** A counterexample that cannot be drawn at all: its subsystem is unknown, or its steps do not replay. */
public final class RenderException extends Exception {
    public RenderException(String message) {
        super(message);
    }
}
