package org.mmspec.counterexamples.render;

import java.time.Duration;

/**
 * Something that lays out DOT: the system's {@code dot}, or viz.js (Graphviz compiled to
 * JavaScript) in an embedded JavaScript engine. An {@link EngineChain} calls one engine from one
 * thread at a time, under a time limit.
 */
public interface ImageEngine extends AutoCloseable {
    /** Short name for messages: {@code dot}, {@code v8}, {@code nashorn}. */
    String name();

    /** Why this engine cannot run here (a cheap check: nothing on PATH, a missing class), or null. */
    String unavailableReason();

    /** Extra time the first call may take to start the engine. */
    default Duration startup() {
        return Duration.ZERO;
    }

    /** The laid-out graph as SVG. Throws {@link Unavailable} when the engine cannot start at all. */
    String svg(String dot) throws Exception;

    /**
     * The laid-out graph as PNG at {@code scale} pixels per point; {@code svg} is what
     * {@link #svg} returned for the same graph.
     */
    byte[] png(String dot, String svg, double scale) throws Exception;

    /** Asks a call in progress on another thread to stop (after a timeout), where the engine can. */
    default void abort() {
    }

    @Override
    default void close() {
    }

    /** The engine cannot start here; the chain stops asking it. */
    final class Unavailable extends Exception {
        public Unavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
