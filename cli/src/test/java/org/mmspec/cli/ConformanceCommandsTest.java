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

/** Exit codes and messages of `mmspec conform` and `mmspec trace check` on saved files. */
class ConformanceCommandsTest {
    static final Path MACHINE = Path.of("../conformance/src/test/resources/machine");
    static final Path TRACES = Path.of("../conformance/src/test/resources/traces");

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

    String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void zoneinfoFromSavedFiles() {
        assertEquals(0, Main.run("conform", "zoneinfo", "--zoneinfo", MACHINE.resolve("zoneinfo").toString(),
                "--min-free-kbytes", "67584", "--watermark-scale-factor", "10", "--lowmem-reserve-ratio", "256 256 32 0 0"));
        assertTrue(out().contains("All 45 values agree."), out());
        assertEquals(1, Main.run("conform", "zoneinfo", "--zoneinfo", MACHINE.resolve("zoneinfo").toString(),
                "--min-free-kbytes", "1024"));
        assertTrue(out().contains("NO"), out());
        assertEquals(2, Main.run("conform", "zoneinfo", "--zoneinfo", MACHINE.resolve("zoneinfo").toString()));
        assertTrue(err().contains("--min-free-kbytes"), err());
    }

    @Test
    void malformedZoneinfoExitsTwoNamingTheLine(@TempDir Path tmp) throws Exception {
        Path bad = tmp.resolve("zi");
        Files.writeString(bad, Files.readString(MACHINE.resolve("zoneinfo")).replaceFirst("high +36\\n", "high     3 6\\n"));
        assertEquals(2, Main.run("conform", "zoneinfo", "--zoneinfo", bad.toString(), "--min-free-kbytes", "67584"));
        assertTrue(err().matches("(?s)mmspec: .*zi:\\d+: 'high' takes one number.*"), err());
    }

    @Test
    void extfragFromSavedFiles() {
        assertEquals(0, Main.run("conform", "extfrag", "--buddyinfo", MACHINE.resolve("buddyinfo").toString(),
                "--unusable-index", MACHINE.resolve("unusable_index").toString(),
                "--extfrag-index", MACHINE.resolve("extfrag_index").toString()));
        assertTrue(out().contains("All 66 values agree."), out());
        assertEquals(2, Main.run("conform", "extfrag", "--buddyinfo", MACHINE.resolve("buddyinfo").toString()));
    }

    @Test
    void traceCheckExitCodes(@TempDir Path tmp) throws Exception {
        assertEquals(0, Main.run("trace", "check", TRACES.resolve("thp.txt.gz").toString()));
        assertTrue(out().contains("events/s"), out());
        assertTrue(out().contains("No invariant violated."), out());
        Path dbl = tmp.resolve("double.txt");
        String l = "  a-1 [000] ..... 1.000001: mm_page_alloc: page=0000000012345678 pfn=0x1000 order=0 migratetype=1 gfp_flags=GFP_KERNEL\n";
        Files.writeString(dbl, l + l);
        assertEquals(1, Main.run("trace", "check", dbl.toString()));
        assertTrue(out().contains("line 2  mm_page_alloc  TRACE-NO-DOUBLE-ALLOC"), out());
        Path bad = tmp.resolve("bad.txt");
        Files.writeString(bad, l + "garbage\n");
        assertEquals(2, Main.run("trace", "check", bad.toString()));
        assertTrue(out().contains("line 2: no CPU column"), out());
        assertEquals(2, Main.run("trace", "check", tmp.resolve("missing").toString()));
        assertTrue(err().contains("no such file"), err());
    }
}
