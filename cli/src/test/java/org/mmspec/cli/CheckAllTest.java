package org.mmspec.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mmspec.invariants.engine.Subsystems;

/**
 * `mmspec check --all`: every subsystem's suite, the bounded configurations and the corpus replay
 * run and land in one report; a corpus entry that no longer reproduces fails the run and is shown
 * as failed; live checks are skipped with their reason, never counted as passed; options that
 * belong to one subsystem are bad usage with --all.
 */
class CheckAllTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
    private PrintStream oldOut, oldErr;
    static final Path CORPUS = Path.of("..", "counterexamples", "corpus");

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

    @Test
    void everythingRunsAndLandsInOneReport(@TempDir Path dir) throws Exception {
        int rc = Main.run("check", "--all", "--tries", "2", "--steps", "20", "--seed", "1", "--no-live", "--no-progress",
                "--corpus", CORPUS.toString(), "--out", dir.toString(), "--format", "dot");
        String o = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, rc, o);
        String html = Files.readString(dir.resolve("index.html"));
        for (String sub : Subsystems.names()) {
            assertTrue(html.contains("check " + sub + "</td><td class=\"passed\">"), sub + " in\n" + html);
            assertTrue(Files.isRegularFile(dir.resolve("check-" + sub).resolve("report").resolve("index.html")), sub);
            assertTrue(html.contains("href=\"check-" + sub + "/report/index.html\""), sub);
        }
        assertTrue(html.contains("explore buddy [tiny8, tinydma]</td><td class=\"passed\">"), html);
        try (var s = Files.list(CORPUS)) {
            for (Path f : s.filter(p -> p.toString().endsWith(".json")).toList()) {
                assertTrue(html.contains("replay " + f.getFileName() + "</td><td class=\"passed\">"), f + " in\n" + html);
            }
        }
        assertTrue(html.contains("class=\"skipped\">skipped: --no-live given"), html);
        assertTrue(Files.isRegularFile(dir.resolve("corpus").resolve("ksm-stable-flag.svg")));
        assertTrue(o.contains("0 failed, 1 skipped"), o);
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("[1/"), "progress on stderr");
    }

    @Test
    void aCorpusEntryThatNoLongerReproducesFailsTheRun(@TempDir Path dir) throws Exception {
        Path corpus = Files.createDirectories(dir.resolve("corpus-in"));
        String json = Files.readString(CORPUS.resolve("boost-small-zone.json"));
        String fixed = json.replaceFirst("\"knownBugs\"\\s*:\\s*\\[\\s*\"boost-small-zone\"\\s*]", "\"knownBugs\" : [ ]");
        assertTrue(!fixed.equals(json), "the corpus entry names its bug");
        Files.writeString(corpus.resolve("boost-small-zone.json"), fixed);
        int rc = Main.run("check", "--all", "--tries", "1", "--steps", "5", "--seed", "1", "--no-live", "--no-progress",
                "--corpus", corpus.toString(), "--out", dir.resolve("out").toString(), "--format", "dot");
        assertEquals(1, rc);
        String html = Files.readString(dir.resolve("out").resolve("index.html"));
        assertTrue(html.contains("replay boost-small-zone.json</td><td class=\"failed\">FAILED (exit 1)"), html);
        assertTrue(html.contains("<details open><summary>output</summary><pre>"), "the failure's output is shown open");
        assertTrue(html.contains("1 part failed"), html);
    }

    @Test
    void anEmptyCorpusIsReportedAsSkippedNotPassed(@TempDir Path dir) {
        int rc = Main.run("check", "--all", "--tries", "1", "--steps", "5", "--seed", "1", "--no-live", "--no-progress",
                "--corpus", dir.resolve("nowhere").toString(), "--out", dir.resolve("out").toString(), "--format", "dot");
        assertEquals(0, rc);
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("0 failed, 2 skipped"), out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void optionsOfOneSubsystemAreBadUsageWithAll() {
        assertEquals(2, Main.run("check", "--all", "--subsystem", "rmap"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("--subsystem does not go with --all"), err.toString(StandardCharsets.UTF_8));
        assertEquals(2, Main.run("check", "--no-live"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("go with --all"));
        assertEquals(2, Main.run("check", "--all", "--format", "gif"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("--format: unknown format 'gif'"));
    }
}
