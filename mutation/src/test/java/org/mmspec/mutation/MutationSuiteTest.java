package org.mmspec.mutation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.mmspec.counterexamples.CounterexampleJson;
import org.mmspec.counterexamples.Replay;
import org.mmspec.invariants.engine.BoundedExplorer;
import org.mmspec.invariants.engine.BoundedReport;
import org.mmspec.invariants.engine.Counterexample;
import org.mmspec.invariants.engine.ModelState;
import org.mmspec.invariants.engine.RandomExplorer;
import org.mmspec.invariants.engine.RunReport;
import org.mmspec.invariants.engine.Subsystem;
import org.mmspec.invariants.engine.Subsystems;
import org.mmspec.reference.alloc.MachineConfig;

/**
 * The mutation suite: what PIT runs against every mutant of the reference, besides the
 * reference's unit tests and the invariants' non-vacuity, known-bug and law tests. It is the
 * invariant suite at a budget a mutant can afford: every configuration of every subsystem
 * explored at random with a fixed seed, every invariant checked after every step; the bounded
 * explorer over each subsystem's exhaustible configurations; and the corpus replayed. Subsystems
 * and configurations are read from {@link Subsystems}, so those added later are in it at once.
 *
 * <p>It asserts what the invariants say and nothing pinned: no recorded state counts or run
 * figures, so a mutant it kills is one an invariant (or a replay's verdict) noticed. Shrinking is
 * off: a mutant only needs to be seen failing.
 */
@Tag("mutation")
class MutationSuiteTest {
    /** Random runs: tries x steps per configuration, with this seed. */
    static final int TRIES = 12;
    static final int STEPS = 250;
    static final long SEED = 20_251_125L;
    /** The bounded explorer's cap on configurations not exhaustible within the suite's budget. */
    static final long BOUNDED_STATES = 3_000;

    static Stream<Arguments> everyConfiguration() {
        List<Arguments> out = new ArrayList<>();
        for (String s : Subsystems.names()) {
            for (String c : Subsystems.create(s).configs().keySet()) out.add(Arguments.of(s, c));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("everyConfiguration")
    void randomExploration(String subsystem, String config) {
        RunReport r = random(Subsystems.create(subsystem), config);
        assertTrue(r.passed(), () -> subsystem + " " + config + ": " + r.counterexample.violation() + " after "
                + r.counterexample.steps());
        assertEquals(TRIES, r.triesRun);
        r.invariants.forEach(row -> assertEquals(r.triesRun + r.steps, row.checks(), row.id() + " not checked every step"));
    }

    private static <S extends ModelState<S>> RunReport random(Subsystem<S> sub, String config) {
        try {
            return new RandomExplorer<>(sub, sub.configs().get(config), TRIES, STEPS, SEED).shrink(false).run();
        } finally {
            close(sub);
        }
    }

    /**
     * Each subsystem's exhaustible configurations to completion; a subsystem that names none, on
     * each configuration up to {@link #BOUNDED_STATES} distinct states, breadth first.
     */
    static Stream<Arguments> boundedConfigurations() {
        List<Arguments> out = new ArrayList<>();
        for (String s : Subsystems.names()) {
            Subsystem<?> sub = Subsystems.create(s);
            List<String> ex = sub.exhaustiveConfigs();
            if (!ex.isEmpty()) {
                for (String c : ex) out.add(Arguments.of(s, c, true));
            } else {
                for (String c : sub.configs().keySet()) out.add(Arguments.of(s, c, false));
            }
            close(sub);
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1} complete={2}")
    @MethodSource("boundedConfigurations")
    void boundedExploration(String subsystem, String config, boolean complete) {
        BoundedReport r = bounded(Subsystems.create(subsystem), config, complete);
        assertTrue(r.passed(), () -> subsystem + " " + config + ": " + r.counterexample.violation() + " after "
                + r.counterexample.steps());
        if (complete) assertEquals("complete", r.stoppedBy);
        r.invariants.forEach(row -> assertEquals(r.distinct, row.checks(), row.id() + " not checked in every state"));
    }

    private static <S extends ModelState<S>> BoundedReport bounded(Subsystem<S> sub, String config, boolean complete) {
        try {
            MachineConfig c = sub.configs().get(config);
            BoundedExplorer<S> e = new BoundedExplorer<>(sub, c).workers(1);
            if (!complete) e.maxStates(BOUNDED_STATES);
            return e.run();
        } finally {
            close(sub);
        }
    }

    static final Path CORPUS = Path.of(System.getProperty("mmspec.corpus", "../counterexamples/corpus"));

    static Stream<Path> corpus() throws IOException {
        try (Stream<Path> s = Files.list(CORPUS)) {
            return s.filter(p -> p.toString().endsWith(".json")).sorted().toList().stream();
        }
    }

    /** Every corpus counterexample replays as recorded and, when it re-creates a known bug, holds with the bug off. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("corpus")
    void corpusReplays(Path file) throws Exception {
        Counterexample ce = CounterexampleJson.read(Files.readString(file, StandardCharsets.UTF_8));
        Replay.Result r = Replay.replay(ce);
        assertEquals(Replay.Status.REPRODUCED, r.status(), file + ": " + r.message());
        if (ce.config().knownBugs().isEmpty()) return;
        Counterexample fixed = new Counterexample(ce.subsystem(), ce.config().withKnownBugs(List.of()), ce.seed(),
                ce.tryIndex(), ce.trySeed(), ce.steps(), ce.outcomes(), ce.violationStep(), ce.violation(),
                ce.allViolations(), ce.statement(), ce.citation(), ce.engine());
        Replay.Result f = Replay.replay(fixed);
        assertEquals(Replay.Status.NO_LONGER_VIOLATES, f.status(), file + " with the bug off: " + f.message());
    }

    private static void close(Subsystem<?> sub) {
        if (sub instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
