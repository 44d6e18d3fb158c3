package org.mmspec.conformance.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.mmspec.conformance.trace.Traces.*;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

/**
 * Every trace invariant catches a trace built to violate it: exactly that ID, on the line of the
 * offending event (events start on line HEADER_LINES + 1).
 */
class TraceNonVacuityTest {
    static final int L1 = HEADER_LINES + 1;

    static void assertOnly(TraceChecker.Report r, String id, long line) {
        List<String> found = r.violations.stream().map(f -> f.id() + "@" + f.line()).toList();
        assertEquals(List.of(id + "@" + line), found, "violations: " + r.violations);
        assertEquals(0, r.malformedCount, r.malformed.toString());
    }

    @Test
    void align() {
        assertOnly(check(trace(alloc(10, 0x101, 1))), TraceInvariants.ALIGN, L1);
        assertOnly(check(trace(free(10, 0x1000, 11))), TraceInvariants.ALIGN, L1);
        assertOnly(check(trace(drain(10, 0x102, 2))), TraceInvariants.ALIGN, L1);
    }

    @Test
    void noDoubleAlloc() {
        assertOnly(check(trace(alloc(10, 0x100, 0), alloc(11, 0x100, 0))), TraceInvariants.NO_DOUBLE_ALLOC, L1 + 1);
        // a larger block around a live page
        assertOnly(check(trace(alloc(10, 0x103, 0), alloc(11, 0x100, 2))), TraceInvariants.NO_DOUBLE_ALLOC, L1 + 1);
        // a page inside a live larger block
        assertOnly(check(trace(alloc(10, 0x200, 9), free(12, 0x5, 0), alloc(11, 0x3ff, 0))),
                TraceInvariants.NO_DOUBLE_ALLOC, L1 + 2);
    }

    @Test
    void freeOrder() {
        assertOnly(check(trace(alloc(10, 0x100, 0), free(10, 0x100, 1))), TraceInvariants.FREE_ORDER, L1 + 1);
        assertOnly(check(trace(alloc(10, 0x104, 2), free(10, 0x100, 3))), TraceInvariants.FREE_ORDER, L1 + 1);
    }

    @Test
    void batchedFree() {
        // task 5 finishes a commit loop begun before the trace (not checked), frees 0x20 (armed),
        // then commits 0x30, which it never freed
        assertOnly(check(trace(batched(5, 0x10), free(5, 0x20, 0), batched(5, 0x20), free(5, 0x40, 0),
                batched(5, 0x30))), TraceInvariants.BATCHED_FREE, L1 + 4);
        // freed by another task
        assertOnly(check(trace(batched(5, 0x10), free(5, 0x20, 0), free(6, 0x30, 0), batched(5, 0x30))),
                TraceInvariants.BATCHED_FREE, L1 + 3);
    }

    @Test
    void buddyFree() {
        assertOnly(check(trace(alloc(10, 0x100, 0), zoneLocked(11, 0x100, 0))), TraceInvariants.BUDDY_FREE, L1 + 1);
        assertOnly(check(trace(alloc(10, 0x100, 0), drain(11, 0x100, 1))), TraceInvariants.BUDDY_FREE, L1 + 1);
        assertOnly(check(trace(alloc(10, 0x180, 0), extfrag(11, 0x180, 0, 3, 0, 1, 1))), TraceInvariants.BUDDY_FREE, L1 + 1);
    }

    @Test
    void extfragFallback() {
        // Movable falling back to HighAtomic: not in fallbacks[MIGRATE_MOVABLE]
        assertOnly(check(trace(extfrag(10, 0x200, 0, 2, 1, 3, 0))), TraceInvariants.EXTFRAG_FALLBACK, L1);
        // fallback order below the allocation's
        assertOnly(check(trace(extfrag(10, 0x200, 3, 2, 0, 1, 1))), TraceInvariants.EXTFRAG_FALLBACK, L1);
    }

    @Test
    void extfragClaim() {
        // a movable order-0 allocation claiming from an order-2 block: should_try_claim_block says no
        assertOnly(check(trace(extfrag(10, 0x200, 0, 2, 1, 0, 1))), TraceInvariants.EXTFRAG_CLAIM, L1);
        // a free pageblock-order block stolen without claiming it
        assertOnly(check(trace(extfrag(10, 0x400, 0, 10, 0, 1, 0))), TraceInvariants.EXTFRAG_CLAIM, L1);
    }

    @Test
    void compactBounds() {
        assertOnly(check(trace(begin(10, 0x1000, 0xf00, 0x1e00, 0x2000))), TraceInvariants.COMPACT_BOUNDS, L1);
        assertOnly(check(trace(begin(10, 0x1000, 0x1000, 0x2000, 0x2000))), TraceInvariants.COMPACT_BOUNDS, L1);
        assertOnly(check(trace(begin(10, 0x1000, 0x1000, 0x1e00, 0x2000), end(10, 0x1000, 0x2200, 0x1e00, 0x2000, "success"))),
                TraceInvariants.COMPACT_BOUNDS, L1 + 1);
    }

    @Test
    void compactMet() {
        assertOnly(check(trace(begin(10, 0x1000, 0x1000, 0x1e00, 0x2000),
                end(10, 0x1000, 0x1200, 0x1600, 0x2000, "complete"))), TraceInvariants.COMPACT_MET, L1 + 1);
    }

    @Test
    void compactIsolate() {
        assertOnly(check(trace(begin(10, 0x1000, 0x1000, 0x1e00, 0x2000), isolateMigrate(10, 0x2000, 0x2200))),
                TraceInvariants.COMPACT_ISOLATE, L1 + 1);
        assertOnly(check(trace(begin(10, 0x1000, 0x1000, 0x1e00, 0x2000), isolateMigrate(10, 0x1400, 0x1200))),
                TraceInvariants.COMPACT_ISOLATE, L1 + 1);
    }

    @Test
    void compactPaired() {
        assertOnly(check(trace(begin(10, 0x1000, 0x1000, 0x1e00, 0x2000), begin(10, 0x1000, 0x1000, 0x1e00, 0x2000))),
                TraceInvariants.COMPACT_PAIRED, L1 + 1);
        assertOnly(check(trace(begin(10, 0x1000, 0x1000, 0x1e00, 0x2000), end(10, 0x3000, 0x3000, 0x3000, 0x4000, "success"))),
                TraceInvariants.COMPACT_PAIRED, L1 + 1);
        assertOnly(check(trace(begin(10, 0x1000, 0x1000, 0x1e00, 0x2000), end(10, 0x1000, 0x1e00, 0x1e00, 0x2000, "complete"),
                end(10, 0x1000, 0x1e00, 0x1e00, 0x2000, "complete"))), TraceInvariants.COMPACT_PAIRED, L1 + 2);
    }

    @Test
    void everyInvariantHasANonVacuityTestHere() {
        Set<String> tested = Set.of(TraceInvariants.ALIGN, TraceInvariants.NO_DOUBLE_ALLOC, TraceInvariants.FREE_ORDER,
                TraceInvariants.BATCHED_FREE, TraceInvariants.BUDDY_FREE, TraceInvariants.EXTFRAG_FALLBACK,
                TraceInvariants.EXTFRAG_CLAIM, TraceInvariants.COMPACT_BOUNDS, TraceInvariants.COMPACT_MET,
                TraceInvariants.COMPACT_ISOLATE, TraceInvariants.COMPACT_PAIRED);
        assertEquals(tested, TraceInvariants.ALL.stream().map(t -> t.invariant().id()).collect(Collectors.toSet()));
    }
}
