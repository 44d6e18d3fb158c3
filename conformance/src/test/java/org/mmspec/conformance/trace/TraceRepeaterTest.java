package org.mmspec.conformance.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

/** Repeated real traces stay clean: each copy closes what it left allocated; timestamps move on. */
class TraceRepeaterTest {
    @Test
    void repeatedTracesStayCleanAndCountExactly() throws Exception {
        byte[] anon = String.join("\n", Traces.lines("anon.txt.gz")).getBytes(StandardCharsets.ISO_8859_1);
        byte[] compaction = String.join("\n", Traces.lines("compaction.txt.gz")).getBytes(StandardCharsets.ISO_8859_1);
        TraceRepeater r = new TraceRepeater(List.of(anon, compaction));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        r.write(out, 0, 100_000);
        assertEquals(100_000, r.events());
        TraceChecker.Report rep = new TraceChecker().check(new ByteArrayInputStream(out.toByteArray()), "rep");
        assertEquals(0, rep.violationCount, rep.violations.toString());
        assertEquals(0, rep.malformedCount, rep.malformed.toString());
        assertEquals(100_000, rep.events);
        assertTrue(rep.eventCounts.get("mm_compaction_begin") >= 3);
        // the bases are in time order, and so is every copy after the one before it
        double prev = -1;
        for (String line : out.toString(StandardCharsets.ISO_8859_1).split("\n")) {
            double t = ts(line);
            assertTrue(t >= prev, "time goes back at " + line);
            prev = t;
        }
    }

    static double ts(String line) {
        byte[] b = line.getBytes(StandardCharsets.ISO_8859_1);
        int[] t = TraceRepeater.timestamp(b, 0, b.length);
        return TraceRepeater.parseMicros(b, t[0], t[1]) / 1e6;
    }

    @Test
    void aBaseWithAViolationIsRefused() {
        byte[] bad = Traces.trace(Traces.alloc(1, 0x100, 0), Traces.alloc(2, 0x100, 0)).getBytes(StandardCharsets.ISO_8859_1);
        assertThrows(IllegalArgumentException.class, () -> new TraceRepeater(List.of(bad)));
    }
}
