package org.mmspec.invariants.oracle;

import java.util.List;

/**
 * A page allocator checked against the spec: the service provider interface of the oracle
 * (spec/README.md, "Oracle"). Implement it in Java, or speak the same requests as JSON lines from
 * a separate program ({@link ProcessAllocator}, README.md "The oracle").
 *
 * <p>The allocator manages the page frames {@code [0, pages)} and hands out naturally aligned
 * blocks of {@code 2^order} pages, {@code 0 <= order <= maxOrder}. The oracle drives it one
 * request at a time, from one thread, and checks after every request that the answer is one the
 * policy-free spec allows. Which invariants apply depends on what the implementation
 * {@link #claims() claims}: every implementation is checked for alignment, range, overlap, exact
 * frees and spurious failures; a {@linkplain Claims#snapshot() snapshot} adds conservation and
 * the snapshot's own consistency; {@linkplain Claims#buddy() buddy semantics} with a snapshot add
 * maximal merging; {@linkplain Claims#rejectsBadFrees() rejecting bad frees} adds the bad-free
 * checks.
 *
 * <p>An implementation must be deterministic: the same requests from a fresh instance give the
 * same answers, because the oracle rebuilds states and shrinks failures by replaying requests on
 * fresh instances. Any exception thrown from a method is reported as a violation of
 * {@code ORACLE-PROTOCOL}, except {@link ImplementationFailure}, whose message is used as it is.
 */
public interface PageAllocatorUnderTest extends AutoCloseable {

    /** Migratetypes an allocation may name (the kernel's MIGRATE_UNMOVABLE, _MOVABLE, _RECLAIMABLE). */
    enum Migratetype {
        UNMOVABLE, MOVABLE, RECLAIMABLE;

        /** The protocol's name: {@code unmovable}, {@code movable}, {@code reclaimable}. */
        public String wire() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        /** Parses a protocol name; null when it is none. */
        public static Migratetype parse(String s) {
            for (Migratetype m : values()) if (m.wire().equals(s)) return m;
            return null;
        }
    }

    /**
     * What an implementation claims, which decides the invariants that apply.
     *
     * @param name            a short name for reports
     * @param buddy           free blocks are maximally merged buddies (only checkable with a snapshot)
     * @param snapshot        {@link #freeBlocks()} lists the free memory
     * @param rejectsBadFrees a free of anything but a live allocation is refused and changes nothing
     */
    record Claims(String name, boolean buddy, boolean snapshot, boolean rejectsBadFrees) {
        /** {@code buddy, snapshot, rejects-bad-frees}, or {@code none}. */
        public String describe() {
            StringBuilder sb = new StringBuilder();
            if (buddy) sb.append("buddy");
            if (snapshot) sb.append(sb.length() > 0 ? ", " : "").append("snapshot");
            if (rejectsBadFrees) sb.append(sb.length() > 0 ? ", " : "").append("rejects-bad-frees");
            return sb.length() == 0 ? "none" : sb.toString();
        }
    }

    /** What this implementation claims; asked once, before {@link #configure}. */
    Claims claims();

    /**
     * Starts from an empty allocator managing {@code [0, pages)}, every page free, orders
     * {@code 0..maxOrder}. Called once per instance, first. The oracle has validated the values
     * ({@code 1 <= pages <= 2^20}, {@code 0 <= maxOrder <= 20}); an implementation that cannot
     * manage them throws {@link ImplementationFailure} naming the field.
     */
    void configure(long pages, int maxOrder);

    /**
     * Allocates {@code 2^order} pages aligned to {@code 2^order}: the first pfn, or -1 when the
     * allocation fails. {@code migratetype} is a hint that may be ignored.
     */
    long allocate(int order, Migratetype migratetype);

    /**
     * Frees the block {@code [pfn, pfn + 2^order)}. Returns true when the free is accepted, false
     * when it is refused as a bad free (a double free, a wrong order, a pfn that heads no
     * allocation). An implementation that does not claim {@link Claims#rejectsBadFrees()} is only
     * ever asked to free live allocations exactly.
     */
    boolean free(long pfn, int order);

    /**
     * The free memory as aligned blocks {@code {pfn, order}}, in any order, when the
     * implementation claims {@link Claims#snapshot()}; else never called.
     */
    default List<long[]> freeBlocks() {
        throw new UnsupportedOperationException("this implementation offers no snapshot");
    }

    /**
     * A string that identifies the implementation's whole internal state (a hash of its free
     * lists in list order and its links, say), or null when it offers none (the default). It only
     * tells states apart: the bounded explorer identifies an oracle state by the spec's view and
     * the snapshot, so two paths that reach the same blocks are one state to it; with a digest,
     * paths that leave different hidden state (a stale link) stay apart and both are explored.
     */
    default String digest() {
        return null;
    }

    /**
     * Returns the instance to the state before {@link #configure}, so it can be configured again
     * instead of starting a new one; false when it cannot (the default: the oracle then makes a
     * new instance).
     */
    default boolean reset() {
        return false;
    }

    /** Releases the instance (kills a process); called exactly once, after the last request. */
    @Override
    default void close() {
    }
}
