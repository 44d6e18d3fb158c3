package org.mmspec.counterexamples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.mmspec.invariants.engine.Counterexample;
import org.mmspec.reference.alloc.KnownBug;

/**
 * The compaction corpus: counterexamples/corpus/scanners-met.json, the minimal run of the known
 * bug f2849aa09d4f, reproduces as it is and no longer violates with the bug taken out.
 */
class CompactionCorpusTest {
    static Counterexample read() throws Exception {
        return CounterexampleJson.read(Files.readString(CompactionViewTest.FILE, StandardCharsets.UTF_8));
    }

    @Test
    void scannersMetReproducesAsIs() throws Exception {
        Counterexample ce = read();
        assertEquals("compaction", ce.subsystem());
        assertEquals(List.of(KnownBug.SCANNERS_MET.bugName()), ce.config().knownBugs());
        assertEquals("COMPACT-PROGRESS", ce.violation().invariantId());
        assertTrue(ce.steps().size() <= 8, "the corpus keeps a short run: " + ce.steps());
        assertEquals("compact_memory", ce.steps().get(ce.steps().size() - 1).op());
        Replay.Result r = Replay.replay(ce);
        assertEquals(Replay.Status.REPRODUCED, r.status(), r.message());
    }

    @Test
    void scannersMetNoLongerViolatesWithoutTheBug() throws Exception {
        Counterexample ce = read();
        Counterexample fixed = new Counterexample(ce.subsystem(), ce.config().withKnownBugs(List.of()), ce.seed(), ce.tryIndex(),
                ce.trySeed(), ce.steps(), ce.outcomes(), ce.violationStep(), ce.violation(), ce.allViolations(), ce.statement(),
                ce.citation(), ce.engine());
        Replay.Result r = Replay.replay(fixed);
        assertEquals(Replay.Status.NO_LONGER_VIOLATES, r.status(), r.message());
    }
}
