package org.mmspec.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mmspec.counterexamples.CounterexampleJson;
import org.mmspec.invariants.buddy.BuddyConfigs;
import org.mmspec.invariants.buddy.BuddySubsystem;
import org.mmspec.invariants.engine.Counterexample;
import org.mmspec.invariants.engine.RandomExplorer;

class RenderCommandTest {
    record Run(int code, String out, String err) {}

    static Run mmspec(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new Run(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    @Test
    void aMalformedFileIsExitTwoWithItsMessageAndNoStackTrace(@TempDir Path dir) throws Exception {
        Path bad = dir.resolve("bad.json");
        Files.writeString(bad, "{\"format\": \"mmspec-counterexample/1\",\n  \"subsystem\": ");
        Run r = mmspec("render", bad.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().startsWith("mmspec: " + bad + ": malformed JSON at line 2"), r.err());
        assertFalse(r.err().contains("Exception") || r.err().contains("\tat "), "no stack trace: " + r.err());
        assertFalse(Files.exists(dir.resolve("bad")), "nothing rendered");
    }

    @Test
    void aMissingFileAndAnUnknownFormatAreExitTwo(@TempDir Path dir) {
        Run missing = mmspec("render", dir.resolve("nothing.json").toString());
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("no such file"), missing.err());
        Run format = mmspec("render", dir.resolve("nothing.json").toString(), "--format", "gif");
        assertEquals(2, format.code());
        assertTrue(format.err().contains("unknown format 'gif'"), format.err());
    }

    @Test
    void dotOnlyWritesTheDiagramsNextToTheFileAndListsThem(@TempDir Path dir) throws Exception {
        Counterexample ce = new RandomExplorer<>(new BuddySubsystem(), BuddyConfigs.tiny().withKnownBugs(List.of("isolate-merge")),
                100, 300, 1).run().counterexample;
        Path json = dir.resolve("isolate-merge.json");
        Files.writeString(json, CounterexampleJson.write(ce));
        Run r = mmspec("render", json.toString(), "--format", "dot");
        assertEquals(0, r.code(), r.err());
        Path out = dir.resolve("isolate-merge");
        for (String f : List.of("step-boot.dot", "step-00.dot", "filmstrip.dot", "index.html")) {
            assertTrue(Files.isRegularFile(out.resolve(f)), f);
            assertTrue(r.out().contains(out.resolve(f).toString()), "listed: " + f);
        }
        assertTrue(r.out().startsWith("mmspec render: BUDDY-PBTYPE on configuration tiny, 1 step"), r.out());
        assertEquals("", r.err(), "DOT only: nothing to report");
    }
}
