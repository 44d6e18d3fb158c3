package org.mmspec.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** mmspec explore: exit 0 within bounds, 1 on a violation (file written, replayable), 2 on bad usage. */
class ExploreCommandTest {
    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void completesASmallConfigurationWithTlcFigures() {
        Run r = run("explore", "--config", "tinydma", "--no-progress");
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("Model checking completed"), r.out());
        assertTrue(r.out().contains("23,511 states generated, 1,938 distinct states found, 0 states left on queue."), r.out());
        assertTrue(r.out().contains("The depth of the state graph search is 14"), r.out());
    }

    @Test
    void aDepthBoundIsReportedAsSuch() {
        Run r = run("explore", "--config", "tiny", "--max-depth", "2", "--no-progress");
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("Stopped at the depth bound 2"), r.out());
    }

    @Test
    void aViolationWritesTheShortestCounterexample(@TempDir Path dir) throws Exception {
        Run r = run("explore", "--config", "tinydma", "--bug", "boost-small-zone", "--no-progress", "--format", "dot", "--out", dir.toString());
        assertEquals(1, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("VIOLATION of BOOST-BOUNDS"), r.out());
        assertTrue(r.out().contains("Shortest counterexample, 2 steps"), r.out());
        Path json = dir.resolve("boost-bounds-tinydma-bounded.json");
        assertTrue(Files.exists(json), r.out());
        Run replay = run("replay", json.toString());
        assertEquals(0, replay.code(), replay.out() + replay.err());
    }

    @Test
    void aConfigurationOfOnesOwn() {
        Run r = run("explore", "--pages", "4", "--max-page-order", "2", "--pageblock-order", "1", "--gfp", "GFP_KERNEL",
                "--no-isolation", "--no-progress");
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("configuration custom (Normal [0x0, 0x4)"), r.out());
        assertTrue(r.out().contains("domain: gfp GFP_KERNEL; no isolation"), r.out());
    }

    @Test
    void badUsageExitsTwoNamingTheOption() {
        assertEquals(2, run("explore", "--config", "nosuch").code());
        assertEquals(2, run("explore", "--subsystem", "nosuch").code());
        assertEquals(2, run("explore", "--max-depth", "-1").code());
        Run g = run("explore", "--config", "tinydma", "--gfp", "GFP_BOGUS");
        assertEquals(2, g.code());
        assertTrue(g.err().contains("--gfp"), g.err());
        assertEquals(2, run("explore", "--config", "tinydma", "--pages", "8").code());
        assertEquals(2, run("explore", "--bug", "nosuch").code());
    }
}
