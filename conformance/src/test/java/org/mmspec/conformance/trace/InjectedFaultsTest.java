package org.mmspec.conformance.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/**
 * Faults injected into real traces (a double allocation, a misaligned pfn, crossed compaction
 * scanners, a free of the wrong order) are reported at their line, as the one violation of the
 * trace.
 */
class InjectedFaultsTest {
    static final Pattern PFN = Pattern.compile("pfn=0x([0-9a-f]+) order=(\\d+)");

    static void assertOnly(List<String> lines, String id, int line) {
        TraceChecker.Report r = Traces.check(Traces.join(lines));
        assertEquals(0, r.malformedCount, r.malformed.toString());
        assertEquals(List.of(id + "@" + line), r.violations.stream().map(f -> f.id() + "@" + f.line()).toList(),
                "violations: " + r.violations);
    }

    static long pfn(String line) {
        Matcher m = PFN.matcher(line);
        assertTrue(m.find(), line);
        return Long.parseLong(m.group(1), 16);
    }

    static int order(String line) {
        Matcher m = PFN.matcher(line);
        assertTrue(m.find(), line);
        return Integer.parseInt(m.group(2));
    }

    @Test
    void doubleAllocation() {
        List<String> lines = Traces.lines("anon.txt.gz");
        int i = 0;
        while (!lines.get(i).contains(" mm_page_alloc: ") || lines.get(i).contains("pfn=0x0 ")) i++;
        lines.add(i + 1, lines.get(i).replaceFirst("^\\s*\\S+-(\\d+)", "        injected-$1"));
        assertOnly(lines, TraceInvariants.NO_DOUBLE_ALLOC, i + 2);
    }

    @Test
    void misalignedPfn() {
        List<String> lines = Traces.lines("anon.txt.gz");
        int i = 0;
        while (!(lines.get(i).contains(" mm_page_alloc: ") && order(lines.get(i)) == 0 && (pfn(lines.get(i)) & 1) == 1)) i++;
        lines.set(i, lines.get(i).replace(" order=0 ", " order=1 "));
        assertOnly(lines, TraceInvariants.ALIGN, i + 1);
    }

    @Test
    void crossedScanners() {
        List<String> lines = Traces.lines("compaction.txt.gz");
        int i = 0;
        while (!(lines.get(i).contains(" mm_compaction_end: ") && lines.get(i).contains("status=complete"))) i++;
        String l = lines.get(i);
        String zoneStart = l.replaceAll(".*zone_start=(0x[0-9a-f]+).*", "$1");
        // the migrate scanner back at the zone's start: the scanners never met, yet status=complete
        lines.set(i, l.replaceFirst("migrate_pfn=0x[0-9a-f]+", "migrate_pfn=" + zoneStart));
        assertOnly(lines, TraceInvariants.COMPACT_MET, i + 1);
    }

    @Test
    void freeWithTheWrongOrder() {
        List<String> lines = Traces.lines("anon.txt.gz");
        // an order-0 allocation at an even pfn and its free, with nothing else about that pfn between
        for (int i = 0; i < lines.size(); i++) {
            String a = lines.get(i);
            if (!a.contains(" mm_page_alloc: ") || order(a) != 0 || (pfn(a) & 1) != 0) continue;
            String key = "pfn=0x" + Long.toHexString(pfn(a)) + " ";
            for (int j = i + 1; j < lines.size(); j++) {
                String f = lines.get(j);
                if (!f.contains(key) && !f.contains("pfn=0x" + Long.toHexString(pfn(a) + 1) + " ")) continue;
                if (f.contains(" mm_page_free: ") && f.contains(key) && order(f) == 0) {
                    lines.set(j, f.replace(key + "order=0", key + "order=1"));
                    assertOnly(lines, TraceInvariants.FREE_ORDER, j + 1);
                    return;
                }
                break;
            }
        }
        throw new AssertionError("anon.txt.gz has no order-0 allocation freed in place");
    }
}
