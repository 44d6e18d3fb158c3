package org.mmspec.invariants.engine;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a bounded exploration did, in TLC's terms: states generated (every successor computed),
 * distinct states (new fingerprints), the depth reached, the states left on the queue, the time,
 * and the memory the seen-set and the queue took; the shortest counterexample, if any.
 */
public final class BoundedReport {
    public String subsystem;
    public String configName;
    /** Bounds the run was given; {@link Integer#MAX_VALUE} / {@link Long#MAX_VALUE} when unbounded. */
    public int maxDepth;
    public long maxStates;
    /** Successor states computed, the initial state included (TLC's "states generated"). */
    public long generated;
    /** Different fingerprints seen (TLC's "distinct states found"). */
    public long distinct;
    /** Length of the longest shortest path: the deepest level any state was found at. */
    public int depth;
    /** States found but not expanded when the run stopped (0 after a complete exploration). */
    public long queueLeft;
    public long nanos;
    /** Bytes of the fingerprint table at the end. */
    public long seenBytes;
    /** Largest number of bytes the queue held at once, and how many states it held then. */
    public long queuePeakBytes;
    public long queuePeakStates;
    /** How the queue stores states: "encoded" (a compact byte form) or "objects" (deep copies). */
    public String queueForm;
    public int threads;
    /** The symmetry reduction applied, in words, or null. */
    public String symmetry;
    public double collisionProbability;
    /** Distinct states per level, index = depth. */
    public final List<Long> perDepth = new ArrayList<>();
    /** Transitions per operation (successors computed, skipped ones excluded). */
    public final Map<String, Long> opsByKind = new LinkedHashMap<>();
    public final Map<String, Long> outcomesByKind = new LinkedHashMap<>();
    public final List<RunReport.InvariantRow> invariants = new ArrayList<>();
    /** Why the search stopped: "complete", "max-depth", "max-states" or "violation". */
    public String stoppedBy;
    public Counterexample counterexample;

    void count(Map<String, Long> m, String k) {
        m.merge(k, 1L, Long::sum);
    }

    public boolean complete() {
        return "complete".equals(stoppedBy);
    }

    public boolean passed() {
        return counterexample == null;
    }

    public double seconds() {
        return nanos / 1e9;
    }

    public double distinctPerSecond() {
        return distinct / Math.max(seconds(), 1e-9);
    }

    public double generatedPerSecond() {
        return generated / Math.max(seconds(), 1e-9);
    }

    /** Bytes of the seen-set per distinct state. */
    public double seenBytesPerState() {
        return distinct == 0 ? 0 : seenBytes / (double) distinct;
    }

    /** Bytes of the seen-set and the queue's peak together, per distinct state. */
    public double bytesPerState() {
        return distinct == 0 ? 0 : (seenBytes + queuePeakBytes) / (double) distinct;
    }
}
