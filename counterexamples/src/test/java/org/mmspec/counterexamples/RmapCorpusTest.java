package org.mmspec.counterexamples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.mmspec.invariants.engine.Counterexample;
import org.mmspec.reference.alloc.KnownBug;

/**
 * The rmap corpus: counterexamples/corpus/anon-vma-degree.json, the minimal run of the known bug
 * 2555283eb40d, replays to the same violation as it is, and no longer violates with the bug taken
 * out of its configuration.
 */
class RmapCorpusTest {
    static final Path FILE = Path.of("corpus", KnownBug.ANON_VMA_DEGREE.bugName() + ".json");

    static Counterexample read() throws Exception {
        return CounterexampleJson.read(Files.readString(FILE, StandardCharsets.UTF_8));
    }

    @Test
    void anonVmaDegreeReproducesAsIs() throws Exception {
        Counterexample ce = read();
        assertEquals("rmap", ce.subsystem());
        assertEquals(List.of(KnownBug.ANON_VMA_DEGREE.bugName()), ce.config().knownBugs());
        assertEquals("RMAP-REUSE", ce.violation().invariantId());
        assertEquals(7, ce.steps().size(), "the corpus keeps the shortest run");
        Replay.Result r = Replay.replay(ce);
        assertEquals(Replay.Status.REPRODUCED, r.status(), r.message());
    }

    @Test
    void anonVmaDegreeNoLongerViolatesWithoutTheBug() throws Exception {
        Counterexample ce = read();
        Counterexample fixed = new Counterexample(ce.subsystem(), ce.config().withKnownBugs(List.of()), ce.seed(), ce.tryIndex(),
                ce.trySeed(), ce.steps(), ce.outcomes(), ce.violationStep(), ce.violation(), ce.allViolations(), ce.statement(),
                ce.citation(), ce.engine());
        Replay.Result r = Replay.replay(fixed);
        assertEquals(Replay.Status.NO_LONGER_VIOLATES, r.status(), r.message());
    }

    @Test
    void theFileIsWhatTheWriterWrites() throws Exception {
        String text = Files.readString(FILE, StandardCharsets.UTF_8);
        assertEquals(text, CounterexampleJson.write(CounterexampleJson.read(text)), "the corpus file is byte for byte the format");
        assertTrue(text.contains("\"anon-vma-degree\""));
    }
}
