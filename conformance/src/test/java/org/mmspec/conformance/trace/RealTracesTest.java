package org.mmspec.conformance.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The traces recorded on this project's machine (Linux 6.18, see resources/traces/README.md) raise
 * no alarm, and each holds the events its workload is there for, so the check is not vacuous.
 */
class RealTracesTest {
    @ParameterizedTest
    @CsvSource({
        "pagecache.txt.gz, mm_page_alloc, mm_page_free_batched",
        "anon.txt.gz, mm_page_alloc, mm_page_free_batched",
        "thp.txt.gz, mm_page_alloc, mm_page_free",
        "compaction.txt.gz, mm_compaction_begin, mm_compaction_isolate_migratepages",
        "ksm.txt.gz, ksm_merge_with_ksm_page, mm_page_alloc",
        "pgtable-extfrag.txt.gz, mm_page_alloc_extfrag, mm_page_alloc_zone_locked",
        "tracecmd-report.txt.gz, mm_compaction_end, mm_page_free_batched",
    })
    void realTraceRaisesNoAlarm(String file, String mustHave, String mustHaveToo) {
        TraceChecker.Report r = Traces.checkResource(file);
        assertEquals(0, r.malformedCount, file + ": " + r.malformed);
        assertEquals(0, r.violationCount, file + ": " + r.violations);
        assertEquals(0, r.undecided, file);
        assertTrue(r.eventCounts.getOrDefault(mustHave, 0L) > 0, file + " has no " + mustHave + ": " + r.eventCounts);
        assertTrue(r.eventCounts.getOrDefault(mustHaveToo, 0L) > 0, file + " has no " + mustHaveToo);
        long checks = 0;
        for (Map.Entry<String, long[]> e : r.byInvariant.entrySet()) checks += e.getValue()[0];
        assertTrue(checks > r.events / 2, file + ": only " + checks + " checks for " + r.events + " events");
    }

    @ParameterizedTest
    @CsvSource({"THP order 9, thp.txt.gz", "compaction, compaction.txt.gz"})
    void theWorkloadsDidWhatTheyAreFor(String what, String file) {
        TraceChecker.Report r = Traces.checkResource(file);
        if (file.startsWith("thp")) {
            assertTrue(Traces.lines(file).stream().anyMatch(l -> l.contains("mm_page_alloc:") && l.contains(" order=9 ")), what);
        } else {
            assertTrue(r.byInvariant.get(TraceInvariants.COMPACT_MET)[0] > 0, what);
            assertTrue(r.byInvariant.get(TraceInvariants.COMPACT_ISOLATE)[0] > 0, what);
        }
    }
}
