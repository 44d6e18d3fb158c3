package org.mmspec.invariants.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.mmspec.invariants.Invariant;
import org.mmspec.invariants.Violation;
import org.mmspec.invariants.engine.Args;
import org.mmspec.invariants.engine.Checker;
import org.mmspec.invariants.engine.Execution;
import org.mmspec.invariants.engine.Step;
import org.mmspec.reference.alloc.MachineConfig;

/**
 * No oracle invariant is vacuous: for each ID, an allocator with one planted fault
 * ({@link Planted}) runs a few steps on {@code tiny} (16 pages, orders 0..4) and the first
 * violation reported is exactly that ID, while the same steps on the allocator without the fault
 * pass every invariant. {@link #everyOracleInvariantHasACase()} fails when an invariant is added
 * without a case here.
 */
class OracleNonVacuityTest {
    record Case(String id, String how, Planted.Fault fault, List<Step> steps) {
        @Override
        public String toString() {
            return id + ": " + how;
        }
    }

    static Step alloc(int id, int order) {
        return new Step(id, "alloc", Args.of("order", order, "migratetype", "movable"));
    }

    static Step free(int id, int handle) {
        return new Step(id, "free", Args.of("handle", handle));
    }

    static Step badFree(int id, long pfn, int order) {
        return new Step(id, "bad_free", Args.of("pfn", pfn, "order", order));
    }

    static Stream<Case> cases() {
        return Stream.of(
                new Case(OracleInvariants.PROTOCOL, "the second allocate() throws", Planted.Fault.THROW_ON_SECOND_ALLOC,
                        List.of(alloc(0, 0), alloc(1, 0))),
                new Case(OracleInvariants.RANGE, "the first allocation returns pfn 0x10, just past the 16 pages",
                        Planted.Fault.OUT_OF_RANGE, List.of(alloc(0, 0))),
                new Case(OracleInvariants.ALIGN, "an order-1 allocation returns an odd pfn", Planted.Fault.MISALIGNED,
                        List.of(alloc(0, 1))),
                new Case(OracleInvariants.OVERLAP, "the second allocation hands out the first one's page again",
                        Planted.Fault.HAND_OUT_TWICE, List.of(alloc(0, 0), alloc(1, 0))),
                new Case(OracleInvariants.EXACT_FREE, "the free of a live allocation is refused", Planted.Fault.REFUSE_FREE,
                        List.of(alloc(0, 0), free(1, 0))),
                new Case(OracleInvariants.EXACT_FREE, "a free also frees another live allocation", Planted.Fault.FREE_A_NEIGHBOUR_TOO,
                        List.of(alloc(0, 0), alloc(1, 0), free(2, 1))),
                new Case(OracleInvariants.BAD_FREE, "a double free is accepted", Planted.Fault.ACCEPT_BAD_FREE,
                        List.of(alloc(0, 0), free(1, 0), badFree(2, 0xf, 0))),
                new Case(OracleInvariants.NO_SPURIOUS_FAILURE, "the first allocation fails on empty memory",
                        Planted.Fault.FAIL_FIRST_ALLOC, List.of(alloc(0, 2))),
                new Case(OracleInvariants.SNAPSHOT, "the snapshot lists the boot block at pfn 0x1", Planted.Fault.SNAPSHOT_MISALIGNED,
                        List.of()),
                new Case(OracleInvariants.CONSERVATION, "the snapshot leaves out a free block", Planted.Fault.SNAPSHOT_LEAKS_A_BLOCK,
                        List.of(alloc(0, 0))),
                new Case(OracleInvariants.MAX_MERGE, "the snapshot lists the boot block as two unmerged halves",
                        Planted.Fault.SNAPSHOT_UNMERGED, List.of()));
    }

    static Execution<OracleState> run(Planted.Fault fault, List<Step> steps) {
        MachineConfig tiny = OracleConfigs.tiny();
        try (OracleSubsystem sub = new OracleSubsystem("planted", () -> new Planted(fault), Map.of())) {
            return Execution.run(sub, tiny, steps, new Checker<>(sub.invariants()));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void eachInvariantCatchesItsPlantedFault(Case c) {
        Execution<OracleState> healthy = run(Planted.Fault.NONE, c.steps());
        assertEquals(List.of(), healthy.violations, "the healthy variant of '" + c + "' must pass every invariant");
        Execution<OracleState> broken = run(c.fault(), c.steps());
        assertFalse(broken.violations.isEmpty(), c.id() + " reported nothing for: " + c.how());
        Violation first = broken.violations.get(0);
        assertEquals(c.id(), first.invariantId(), "first violation for '" + c + "': " + broken.violations);
        // every violation names a pfn in hex, or the implementation
        for (Violation v : broken.violations) {
            if (v.invariantId().equals(OracleInvariants.PROTOCOL)) continue;
            assertFalse(v.pfns().isEmpty(), "no pfn named in " + v);
        }
    }

    @Test
    void everyOracleInvariantHasACase() {
        Set<String> ids = new TreeSet<>();
        for (Invariant<OracleState> inv : OracleInvariants.all()) ids.add(inv.id());
        Set<String> covered = new TreeSet<>();
        cases().forEach(c -> covered.add(c.id()));
        assertEquals(ids, covered);
        List<String> seen = new ArrayList<>();
        for (Invariant<OracleState> inv : OracleInvariants.all()) {
            assertEquals("oracle", inv.subsystem(), inv.id());
            assertFalse(seen.contains(inv.id()), "duplicate " + inv.id());
            seen.add(inv.id());
        }
    }
}
