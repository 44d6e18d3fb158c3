package org.mmspec.invariants.engine;

/** A state that offers a compact byte form ({@link StateCodec}) for the bounded explorer's queue. */
public interface CompactState<S> {
    StateCodec<S> codec();
}
