package org.mmspec.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mmspec.counterexamples.CounterexampleJson;
import org.mmspec.counterexamples.Replay;
import org.mmspec.invariants.engine.Counterexample;
import org.mmspec.invariants.oracle.ProcessAllocator;

/**
 * {@code mmspec oracle} on the examples of examples/oracle/: the buggy C buddy is reported with a
 * minimal counterexample that is written, replays and is drawn; the correct one passes; so does
 * the Node.js first-fit allocator; the same seed writes the same file; bad usage is exit 2.
 * The C programs are compiled with gcc into target/oracle/ (skipped, saying so, without gcc).
 */
class OracleCommandTest {
    @AfterEach
    void noProcessOutlivesTheCommand() {
        assertEquals(0, ProcessAllocator.liveProcesses(), "a program under test is still running");
    }

    static RenderCommandTest.Run mmspec(String... args) {
        return assertTimeoutPreemptively(Duration.ofSeconds(120), () -> RenderCommandTest.mmspec(args));
    }

    static Path onPath(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (dir.isEmpty()) continue;
            Path p = Path.of(dir, name);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) return p;
        }
        return null;
    }

    static Path examples() {
        return Path.of("..", "examples", "oracle").toAbsolutePath().normalize();
    }

    /** examples/oracle/c/buddy.c compiled into target/oracle/NAME with these flags. */
    static Path buddy(String name, String... flags) throws IOException, InterruptedException {
        return compile("buddy.c", name, flags);
    }

    /** examples/oracle/c/SOURCE compiled into target/oracle/NAME with these flags. */
    static synchronized Path compile(String source, String name, String... flags) throws IOException, InterruptedException {
        Path gcc = onPath("gcc");
        Assumptions.assumeTrue(gcc != null, "gcc is not on the PATH: the C examples of the oracle are not built, so this test is skipped");
        Path src = examples().resolve("c").resolve(source);
        Path bin = Path.of("target", "oracle", name).toAbsolutePath();
        if (Files.exists(bin) && Files.getLastModifiedTime(bin).compareTo(Files.getLastModifiedTime(src)) > 0) return bin;
        Files.createDirectories(bin.getParent());
        List<String> cmd = new ArrayList<>(List.of(gcc.toString(), "-O2", "-Wall", "-o", bin.toString()));
        cmd.addAll(List.of(flags));
        cmd.add(src.toString());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0, "gcc failed: " + log);
        return bin;
    }

    static Path jsonOf(RenderCommandTest.Run r) {
        Matcher m = Pattern.compile("Counterexample: (\\S+\\.json)").matcher(r.out());
        assertTrue(m.find(), "no counterexample file named in:\n" + r.out());
        return Path.of(m.group(1));
    }

    @Test
    void theBuggyCBuddyIsFoundShrunkWrittenReplayedAndDrawn(@TempDir Path dir) throws Exception {
        Path buggy = buddy("buddy-buggy", "-DBUGGY");
        RenderCommandTest.Run r = mmspec("oracle", "--exec", buggy.toString(), "--seed", "42", "--tries", "20",
                "--out", dir.toString(), "--no-progress");
        assertEquals(1, r.code(), r.out() + r.err());
        String out = r.out();
        assertTrue(out.contains("implementation: c-buddy (buggy: free-list unlink); claims: buddy, snapshot, rejects-bad-frees"), out);
        assertTrue(out.contains("VIOLATION of ORACLE-SNAPSHOT on configuration pages1024-order10 (seed 42, try 0)"), out);
        assertTrue(out.contains("Minimal counterexample, 6 steps"), out);
        assertTrue(out.contains("After step 5: the free block 0x3 order 0 covers the live allocation 0x3 of order 0 (handle 5)"), out);
        Path json = jsonOf(r);
        Counterexample ce = CounterexampleJson.read(Files.readString(json));
        assertEquals("oracle", ce.subsystem());
        assertEquals("exec", ce.engine().get("oracle.implementation"));
        assertEquals(buggy.toString(), ce.engine().get("oracle.command"));
        // the file rebuilds the program from its engine map and reproduces the violation
        assertEquals(Replay.Status.REPRODUCED, Replay.replay(ce).status());
        RenderCommandTest.Run replay = mmspec("replay", json.toString());
        assertEquals(0, replay.code(), replay.out() + replay.err());
        // drawn: DOT always, one per state and a filmstrip; SVG when an engine could draw
        Path diagrams = dir.resolve(json.getFileName().toString().replace(".json", ""));
        for (String f : List.of("step-boot.dot", "step-00.dot", "step-05.dot", "filmstrip.dot", "index.html")) {
            assertTrue(Files.isRegularFile(diagrams.resolve(f)), f + " in " + diagrams);
        }
        String last = Files.readString(diagrams.resolve("step-05.dot"));
        assertTrue(last.contains("ORACLE-SNAPSHOT violated"), "the violated panel names the invariant");
        assertTrue(last.contains("#d40000"), "and draws it in red");
        if (out.contains("drawn with ")) assertTrue(Files.isRegularFile(diagrams.resolve("filmstrip.svg")), "svg drawn");
    }

    @Test
    void theSameSeedWritesTheSameFileByteForByte(@TempDir Path dir) throws Exception {
        Path buggy = buddy("buddy-buggy", "-DBUGGY");
        List<byte[]> files = new ArrayList<>();
        for (String sub : List.of("a", "b")) {
            RenderCommandTest.Run r = mmspec("oracle", "--exec", buggy.toString(), "--seed", "7", "--tries", "10", "--pages", "100",
                    "--max-order", "5", "--out", dir.resolve(sub).toString(), "--format", "dot", "--no-progress");
            assertEquals(1, r.code(), r.out() + r.err());
            files.add(Files.readAllBytes(jsonOf(r)));
        }
        assertEquals(new String(files.get(0)), new String(files.get(1)));
    }

    @Test
    void theCorrectCBuddyPasses(@TempDir Path dir) throws Exception {
        Path ok = buddy("buddy");
        RenderCommandTest.Run r = mmspec("oracle", "--exec", ok.toString(), "--seed", "42", "--tries", "30", "--out", dir.toString(),
                "--no-progress");
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("Finished in ") && r.out().contains(" 30 tries, "), r.out());
        assertTrue(r.out().contains("no invariant violated"), r.out());
        assertTrue(r.out().contains("Processes started: 2, reused by reset: 29"), "probe + one process for 30 tries: " + r.out());
    }

    @Test
    void theNodeFirstFitAllocatorPassesEverythingButMaximalMerging(@TempDir Path dir) {
        Assumptions.assumeTrue(onPath("node") != null, "node is not on the PATH: the Node.js example is skipped");
        String cmd = "node " + examples().resolve("node/bitmap.js");
        RenderCommandTest.Run r = mmspec("oracle", "--exec", cmd, "--seed", "3", "--tries", "5", "--steps", "200", "--pages", "256",
                "--max-order", "6", "--out", dir.toString(), "--no-progress");
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("claims: snapshot, rejects-bad-frees"), r.out());
        assertTrue(Pattern.compile("ORACLE-MAX-MERGE .* no: needs the claim buddy \\+ snapshot").matcher(r.out()).find(), r.out());
    }

    @Test
    void theJavaExamplesRunByName(@TempDir Path dir) {
        RenderCommandTest.Run ok = mmspec("oracle", "--java", "top-down-buddy", "--seed", "5", "--tries", "10", "--out",
                dir.toString(), "--no-progress");
        assertEquals(0, ok.code(), ok.out() + ok.err());
        RenderCommandTest.Run bad = mmspec("oracle", "--java", "buggy-buddy", "--seed", "1", "--tries", "10", "--out",
                dir.toString(), "--format", "dot", "--no-progress");
        assertEquals(1, bad.code(), bad.out() + bad.err());
        assertTrue(bad.out().contains("VIOLATION of ORACLE-EXACT-FREE"), bad.out());
    }

    @Test
    void aCrashIsExitOneAndNamesTheStep(@TempDir Path dir) throws Exception {
        Path faulty = compile("faulty.c", "faulty");
        RenderCommandTest.Run r = mmspec("oracle", "--exec", faulty + " crash 4", "--seed", "1", "--tries", "2", "--steps", "10",
                "--pages", "64", "--max-order", "4", "--out", dir.toString(), "--format", "dot", "--no-progress");
        assertEquals(1, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("VIOLATION of ORACLE-PROTOCOL"), r.out());
        assertTrue(r.out().contains("Minimal counterexample, 4 steps"), r.out());
        assertTrue(Pattern.compile("After step 3: (alloc|free): the program closed its output without answering \\(request "
                + "\\{\"op\":\"(alloc|free)\"[^}]*\\}\\); it was killed by signal 6 \\(SIGABRT\\)").matcher(r.out()).find(), r.out());
        assertTrue(r.out().contains("faulty: about to crash at request 4"), "stderr tail: " + r.out());
        assertFalse(r.out().contains("does not reproduce"), r.out());
    }

    @Test
    void aWrongHandshakeIsReportedBeforeTheFirstStep(@TempDir Path dir) throws Exception {
        Path faulty = compile("faulty.c", "faulty");
        RenderCommandTest.Run r = mmspec("oracle", "--exec", faulty + " bad-hello", "--seed", "1", "--out", dir.toString(),
                "--format", "dot", "--no-progress");
        assertEquals(1, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("implementation: did not complete the handshake"), r.out());
        assertTrue(r.out().contains("VIOLATION of ORACLE-PROTOCOL before the first step (seed 1)\n"), r.out());
        assertTrue(r.out().contains("handshake: the program speaks protocol \"mmspec-oracle/0\"; this mmspec speaks "
                + "\"mmspec-oracle/1\""), r.out());
    }

    @Test
    void badUsageIsExitTwoNamingTheOption(@TempDir Path dir) {
        RenderCommandTest.Run none = mmspec("oracle", "--tries", "1");
        assertEquals(2, none.code());
        assertTrue(none.err().contains("--exec") && none.err().contains("--java"), none.err());
        RenderCommandTest.Run missing = mmspec("oracle", "--exec", dir.resolve("no-such-allocator").toString());
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("mmspec: cannot start `" + dir.resolve("no-such-allocator")), missing.err());
        RenderCommandTest.Run pages = mmspec("oracle", "--java", "reference", "--pages", "0");
        assertEquals(2, pages.code());
        assertTrue(pages.err().contains("mmspec: --pages: 0 is outside 1..1048576"), pages.err());
        RenderCommandTest.Run order = mmspec("oracle", "--java", "reference", "--max-order", "21");
        assertEquals(2, order.code());
        assertTrue(order.err().contains("mmspec: --max-order: 21 is outside 0..20"), order.err());
        RenderCommandTest.Run quote = mmspec("oracle", "--exec", "node 'oops");
        assertEquals(2, quote.code());
        assertTrue(quote.err().contains("--exec: the command has an unclosed ' quote"), quote.err());
        RenderCommandTest.Run java = mmspec("oracle", "--java", "no.such.Allocator");
        assertEquals(2, java.code());
        assertTrue(java.err().contains("--java: no class 'no.such.Allocator'"), java.err());
        assertFalse(none.err().contains("\tat ") || missing.err().contains("\tat "), "no stack traces");
    }
}
