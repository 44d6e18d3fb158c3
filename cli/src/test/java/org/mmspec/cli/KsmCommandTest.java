package org.mmspec.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** `mmspec ksm simulate` prints the counters per full scan; bad groups are bad usage naming the group; `conform ksm --list`. */
class KsmCommandTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
    private PrintStream oldOut, oldErr;

    @BeforeEach
    void capture() {
        oldOut = System.out;
        oldErr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restore() {
        System.setOut(oldOut);
        System.setErr(oldErr);
    }

    String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void simulateTheIssuesExample() {
        assertEquals(0, Main.run("ksm", "simulate", "--groups", "600:7 1000:-1", "--scans", "3"));
        String[] lines = out().split("\n");
        assertTrue(lines[0].startsWith("mmspec ksm simulate: 1600 pages (600 x 7, 1000 x unique)"), lines[0]);
        assertTrue(lines[1].trim().startsWith("full_scans  pages_shared  pages_sharing  pages_unshared  pages_volatile"), lines[1]);
        assertEquals(java.util.List.of("1", "0", "0", "0", "1600", "0", "0", "0", "-102400", "1600", "0"),
                java.util.List.of(lines[2].trim().split("\\s+")));
        assertEquals(java.util.List.of("2", "3", "597", "1000", "0", "1", "3", "0", "2342912", "3200", "0"),
                java.util.List.of(lines[3].trim().split("\\s+")));
        assertTrue(out().contains("ksm_stat of the process: ksm_rmap_items 1600, ksm_zero_pages 0, ksm_merging_pages 600, "
                + "ksm_process_profit 2355200"), out());
    }

    @Test
    void simulateZeroPagesAndOptions() {
        assertEquals(0, Main.run("ksm", "simulate", "--groups", "9:0,3:-1", "--scans", "2", "--use-zero-pages", "--max-page-sharing", "2",
                "--smart-scan"));
        assertTrue(out().contains("use_zero_pages 1, smart_scan 1"), out());
        assertTrue(out().contains("ksm_zero_pages 9"), out());
    }

    @Test
    void badUsageNamesTheField() {
        assertEquals(2, Main.run("ksm", "simulate", "--groups", "600:300"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("'600:300'"), err.toString(StandardCharsets.UTF_8));
        assertEquals(2, Main.run("ksm", "simulate", "--groups", "abc"));
        assertEquals(2, Main.run("ksm", "simulate", "--groups", "5:1", "--max-page-sharing", "1"));
        assertEquals(2, Main.run("ksm", "simulate", "--groups", "5:1", "--scans", "0"));
        assertEquals(2, Main.run("conform", "ksm", "--scenario", "nope"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("unknown scenario 'nope'"));
    }

    @Test
    void conformKsmListsItsScenarios() {
        assertEquals(0, Main.run("conform", "ksm", "--list"));
        assertTrue(out().contains("issue-example: --groups \"600:7 1000:-1\" --scans 4"), out());
        assertTrue(out().contains("smart-scan"), out());
    }
}
