package org.mmspec.invariants.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.mmspec.invariants.engine.Counterexample;
import org.mmspec.invariants.engine.RandomExplorer;
import org.mmspec.invariants.engine.RunReport;

/**
 * A program that breaks protocol mmspec-oracle/1 (examples/oracle/c/faulty.c, compiled with gcc;
 * skipped without it) gets a clear report naming the step and the request, never a hang; every
 * process started is gone afterwards.
 */
class ProcessProtocolTest {
    @AfterEach
    void noProcessOutlivesItsRun() {
        assertEquals(0, ProcessAllocator.liveProcesses(), "a program under test is still running");
    }

    /** The counterexample of exploring `faulty ARGS`, which breaks the protocol at its 3rd request. */
    static Counterexample explore(String args, long timeoutMs) {
        String cmd = NativePrograms.faulty() + " " + args;
        return assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            try (OracleSubsystem sub = OracleSubsystem.exec(cmd, timeoutMs)) {
                RunReport r = new RandomExplorer<>(sub, OracleConfigs.tiny(), 3, 20, 9).run();
                assertTrue(!r.passed(), "the fault must be reported");
                return r.counterexample;
            }
        });
    }

    static void assertAtThirdRequest(Counterexample ce, String... fragments) {
        assertEquals(OracleInvariants.PROTOCOL, ce.violation().invariantId());
        assertEquals(3, ce.steps().size(), "shrunk to the three requests the fault needs: " + ce.steps());
        assertEquals(2, ce.violationStep(), "the third step is named");
        String m = ce.violation().message();
        for (String f : fragments) assertTrue(m.contains(f), "'" + f + "' missing from: " + m);
    }

    @Test
    void aCrashIsReportedWithItsSignalAndStderr() {
        assertAtThirdRequest(explore("crash 3", 2000), "closed its output without answering", "{\"op\":\"alloc\"",
                "killed by signal 6 (SIGABRT)", "faulty: about to crash at request 3");
    }

    @Test
    void anExitIsReportedWithItsStatus() {
        assertAtThirdRequest(explore("exit 3", 2000), "it exited with status 3", "nothing on stderr");
    }

    @Test
    void aHangIsCutOffByTheTimeoutAndTheProgramKilled() {
        long t0 = System.nanoTime();
        assertAtThirdRequest(explore("hang 3", 200), "no answer to {\"op\":\"alloc\"", "within 200 ms; the program was killed");
        assertTrue(System.nanoTime() - t0 < 30e9, "the hang and its shrinking took too long");
    }

    @Test
    void aGarbageLineIsQuoted() {
        assertAtThirdRequest(explore("garbage 3", 2000), "(output line 5) is not JSON", "this is not json");
        assertAtThirdRequest(explore("bad-pfn 3", 2000), "has \"pfn\": \"zero\", not a non-negative integer");
    }

    @Test
    void aWrongHandshakeIsReportedInTheBootedState() {
        Counterexample ce = explore("bad-hello", 2000);
        assertEquals(OracleInvariants.PROTOCOL, ce.violation().invariantId());
        assertEquals(List.of(), ce.steps());
        assertEquals(-1, ce.violationStep());
        assertTrue(ce.violation().message().startsWith("handshake: the program speaks protocol \"mmspec-oracle/0\"; "
                + "this mmspec speaks \"mmspec-oracle/1\""), ce.violation().message());
        Counterexample silent = explore("silent-hello", 200);
        assertTrue(silent.violation().message().startsWith("handshake: no answer to {\"op\":\"hello\",\"protocol\":\"mmspec-oracle/1\"} "
                + "within 200 ms"), silent.violation().message());
    }

    @Test
    void aProgramThatCannotStartOrRefusesTheConfigurationIsAnErrorOfItsOwnKind() {
        try (OracleSubsystem sub = OracleSubsystem.exec("/nonexistent/allocator --fast", 2000)) {
            ImplementationFailure e = assertThrows(ImplementationFailure.class, () -> sub.probe(OracleConfigs.tiny()));
            assertEquals(ImplementationFailure.Kind.START, e.kind());
            assertTrue(e.getMessage().startsWith("cannot start `/nonexistent/allocator --fast`"), e.getMessage());
        }
        try (OracleSubsystem sub = OracleSubsystem.exec(NativePrograms.faulty() + " refuse", 2000)) {
            ImplementationFailure e = assertThrows(ImplementationFailure.class, () -> sub.probe(OracleConfigs.tiny()));
            assertEquals(ImplementationFailure.Kind.CONFIGURE, e.kind());
            assertEquals("the program refuses pages=16, max_order=4: this program manages no memory", e.getMessage());
        }
    }

    @Test
    void theCorrectCBuddyPassesAndReusesOneProcessByReset() {
        try (OracleSubsystem sub = OracleSubsystem.exec(NativePrograms.buddy().toString(), 2000)) {
            RunReport r = new RandomExplorer<>(sub, OracleConfigs.tiny(), 20, 200, 4).run();
            assertTrue(r.passed(), () -> r.counterexample.violation().toString());
            long[] n = sub.instanceCounts();
            assertEquals(1, n[0], "one process for all tries");
            assertEquals(19, n[1], "reset between tries");
        }
    }

    /** The spec state {0x0, 0x1, 0x2 allocated; the rest free}, reached directly or through a free and a new allocation. */
    static long[] fingerprintsOfTwoPathsToTheSameBlocks(String program) {
        try (OracleSubsystem sub = OracleSubsystem.exec(program, 2000)) {
            OracleOps.Alloc alloc = new OracleOps.Alloc();
            org.mmspec.invariants.engine.Args a0 = org.mmspec.invariants.engine.Args.of("order", 0, "migratetype", "movable");
            OracleState direct = sub.init(OracleConfigs.tiny());
            for (int i = 0; i < 3; i++) alloc.apply(direct, a0, i);
            OracleState roundabout = sub.init(OracleConfigs.tiny());
            for (int i = 0; i < 3; i++) alloc.apply(roundabout, a0, i);
            new OracleOps.Free().apply(roundabout, org.mmspec.invariants.engine.Args.of("handle", 1), 3);
            alloc.apply(roundabout, a0, 4);
            assertEquals(direct.specFreeBlocks().size(), roundabout.specFreeBlocks().size());
            assertTrue(OracleOps.sameBlocks(direct.snapshot, roundabout.snapshot), "the same free blocks");
            assertTrue(direct.pending.isEmpty() && roundabout.pending.isEmpty(), "no violation yet");
            assertTrue(direct.digest != null && roundabout.digest != null, "the C buddy offers a digest");
            return new long[] {direct.fingerprint(), roundabout.fingerprint()};
        }
    }

    @Test
    void theDigestTellsApartStatesWhoseHiddenLinksDiffer() {
        long[] ok = fingerprintsOfTwoPathsToTheSameBlocks(NativePrograms.buddy().toString());
        assertEquals(ok[0], ok[1], "the correct buddy's lists are the same either way: one state");
        long[] buggy = fingerprintsOfTwoPathsToTheSameBlocks(NativePrograms.buggyBuddy().toString());
        assertTrue(buggy[0] != buggy[1], "the buggy buddy's stale prev link makes the second path another state");
    }

    @Test
    void theCommandLineIsSplitWithoutAShell() {
        assertEquals(List.of("node", "my alloc.js", "--x=1", "it's"), ProcessAllocator.split("node 'my alloc.js'  --x=1 \"it's\""));
        assertEquals(List.of("a\\b", "c d"), ProcessAllocator.split("'a\\b' c\\ d"));
        assertThrows(IllegalArgumentException.class, () -> ProcessAllocator.split("node 'unclosed"));
        assertThrows(IllegalArgumentException.class, () -> ProcessAllocator.split("   "));
        assertEquals("it was killed by signal 11 (SIGSEGV) (exit status 139)", ProcessAllocator.exitStatus(139));
        assertEquals("it exited with status 1", ProcessAllocator.exitStatus(1));
    }
}
