package org.mmspec.counterexamples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.mmspec.invariants.engine.Counterexample;
import org.mmspec.reference.alloc.KnownBug;

/**
 * Every counterexample kept in counterexamples/corpus/ replays: violated as recorded, and, for a
 * re-created historical bug, no longer violated once the bug is switched off.
 */
class CorpusTest {
    static final Path CORPUS = Path.of("corpus");

    static Stream<Path> corpus() throws IOException {
        try (Stream<Path> s = Files.list(CORPUS)) {
            return s.filter(p -> p.toString().endsWith(".json")).sorted().toList().stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corpus")
    void replaysAsRecordedAndHoldsWithoutTheBug(Path file) throws Exception {
        Counterexample ce = CounterexampleJson.read(Files.readString(file, StandardCharsets.UTF_8));
        Replay.Result r = Replay.replay(ce);
        assertEquals(Replay.Status.REPRODUCED, r.status(), file + ": " + r.message());
        if (!ce.config().knownBugs().isEmpty()) {
            Counterexample fixed = new Counterexample(ce.subsystem(), ce.config().withKnownBugs(List.of()), ce.seed(),
                    ce.tryIndex(), ce.trySeed(), ce.steps(), ce.outcomes(), ce.violationStep(), ce.violation(),
                    ce.allViolations(), ce.statement(), ce.citation(), ce.engine());
            Replay.Result f = Replay.replay(fixed);
            assertEquals(Replay.Status.NO_LONGER_VIOLATES, f.status(), file + " with the bug off: " + f.message());
        }
    }

    @Test
    void everyKnownBugHasAMinimalCounterexampleInTheCorpus() {
        for (KnownBug b : KnownBug.values()) {
            Path p = CORPUS.resolve(b.bugName() + ".json");
            assertTrue(Files.exists(p), "no corpus counterexample for " + b.bugName() + " (" + p + ")");
        }
    }

    @Test
    void corpusFilesAreWrittenExactlyAsTheWriterWritesThem() throws Exception {
        List<Path> files = corpus().toList();
        assertFalse(files.isEmpty());
        for (Path p : files) {
            String text = Files.readString(p, StandardCharsets.UTF_8);
            assertEquals(text, CounterexampleJson.write(CounterexampleJson.read(text)), p + " does not round-trip");
        }
    }
}
