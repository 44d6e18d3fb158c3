package org.mmspec.counterexamples.render;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mmspec.invariants.engine.Checker;
import org.mmspec.invariants.engine.Counterexample;
import org.mmspec.invariants.engine.Execution;
import org.mmspec.invariants.engine.RandomExplorer;
import org.mmspec.invariants.oracle.OracleConfigs;
import org.mmspec.invariants.oracle.OracleState;
import org.mmspec.invariants.oracle.OracleSubsystem;

/** The oracle's diagrams: the spec's blocks, both sides' free blocks, and the evidence in red. */
class OracleViewTest {
    private final OracleView view = new OracleView();

    static Counterexample buggy() {
        try (OracleSubsystem sub = OracleSubsystem.java("buggy-buddy")) {
            return sub.annotate(new RandomExplorer<>(sub, OracleConfigs.byDefault(), 50, 300, 1).run().counterexample);
        }
    }

    @Test
    void theBootedStateIsOneTopOrderBlockOnEachSide() {
        try (OracleSubsystem sub = OracleSubsystem.reference()) {
            OracleState s = sub.init(OracleConfigs.byDefault());
            String dot = view.panel(s, -1, null, null, Highlight.NONE);
            assertTrue(dot.startsWith("subgraph cluster_boot {"), dot);
            assertTrue(dot.contains("boot: 1024 pages [0x0, 0x400), orders 0..10"), dot);
            assertTrue(dot.contains("claims: buddy, snapshot, rejects-bad-frees"), dot);
            assertTrue(dot.contains(">0x0 o10  free<"), "the one free block");
            assertTrue(dot.contains("implementation"), "the snapshot's column");
            assertTrue(BuddyViewTest.cells(dot, Dot.RED).isEmpty(), "nothing red without a violation");
        }
    }

    @Test
    void theViolatedStateMarksTheFreedBlockAndTheAllocatedPageListedAsFree() {
        Counterexample ce = buggy();
        assertEquals("ORACLE-EXACT-FREE", ce.violation().invariantId());
        try (OracleSubsystem sub = (OracleSubsystem) org.mmspec.invariants.engine.Subsystems.create("oracle", ce.engine())) {
            Execution<OracleState> ex = Execution.run(sub, ce.config(), ce.steps(), new Checker<>(sub.invariants()), true);
            int last = ce.violationStep();
            OracleState s = ex.snapshots.get(last + 1);
            String dot = view.panel(s, last, ce.steps().get(last), ex.outcomes.get(last), Highlight.of(ex.violations,
                    ce.violation().invariantId()));
            Set<String> red = BuddyViewTest.cells(dot, Dot.RED);
            assertTrue(red.stream().anyMatch(c -> c.startsWith("0x0 o1") || c.startsWith("0x0 o2")), "the freed block: " + red);
            assertTrue(dot.contains("ORACLE-EXACT-FREE violated"), dot);
            assertTrue(dot.contains("0x3"), "the allocated page the program lists as free");
        }
    }

    @Test
    void anOracleCounterexampleRendersFromItsFile(@TempDir Path dir) throws Exception {
        Counterexample ce = buggy();
        RenderResult r = new Renderer(EngineChain.named("none")).render(ce, dir, Set.of());
        assertEquals(null, r.replayNote(), "the file rebuilds the implementation and reproduces");
        for (String f : List.of("step-boot.dot", "step-00.dot", "filmstrip.dot")) assertTrue(Files.isRegularFile(dir.resolve(f)), f);
        assertTrue(Files.readString(dir.resolve("filmstrip.dot")).contains("ORACLE-EXACT-FREE"));
    }
}
