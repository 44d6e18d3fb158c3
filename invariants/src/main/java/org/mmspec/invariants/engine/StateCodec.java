package org.mmspec.invariants.engine;

/**
 * A compact byte form of a subsystem's state, for the bounded explorer's queue: the explorer
 * keeps every state it has still to expand, so a state held as bytes instead of an object graph
 * lets the queue of a large search fit in memory. {@code decode(encode(s))} must give a state
 * that behaves exactly as {@code s}: same fingerprint, same enabled operations and arguments,
 * same successors, same invariant verdicts (handle names included, since steps name handles).
 * The explorer checks the fingerprint of every state it decodes against the one it encoded.
 */
public interface StateCodec<S> {
    /** Appends the state's encoding to {@code out}; the state is left unchanged. */
    void encode(S state, ByteBuf out);

    /** Overwrites {@code into} (a state of the same configuration) with the state encoded at [from, from + len). */
    void decode(ByteBuf in, long from, int len, S into);

    /** Overwrites {@code into} with {@code from} (same configuration), as cheaply as possible: done before every step. */
    void copy(S from, S into);

    /**
     * A codec that writes and reads the same form with scratch space of its own, for another
     * thread: a codec is used by one thread at a time.
     */
    StateCodec<S> fork();
}
