package org.mmspec.conformance.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mmspec.conformance.trace.Traces.*;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPOutputStream;

import org.junit.jupiter.api.Test;

/** What a correct kernel's trace may contain without an alarm, and the formats the parser reads. */
class TraceOracleTest {
    static final int L1 = HEADER_LINES + 1;

    static void assertClean(TraceChecker.Report r) {
        assertEquals(0, r.violationCount, "violations: " + r.violations);
        assertEquals(0, r.malformedCount, "malformed: " + r.malformed);
    }

    @Test
    void aTraceThatStartsMidRunRaisesNoAlarm() {
        // frees, drains, batched frees and compaction ends of things begun before the trace
        TraceChecker.Report r = check(trace(free(1, 0x100, 0), drain(2, 0x200, 3), batched(3, 0x300), batched(3, 0x301),
                free(3, 0x400, 9), end(4, 0x1000, 0x1800, 0x1800, 0x2000, "complete"), zoneLocked(5, 0x100, 0),
                alloc(5, 0x100, 0), free(5, 0x100, 0), alloc(6, 0x100, 0)));
        assertClean(r);
        assertEquals(1, r.liveAtEnd);
    }

    @Test
    void splitPagesFreedPieceByPiece() {
        // split_page()/folio split: an order-3 block freed as order-0, -1 and -2 pieces (___free_pages's tail loop)
        TraceChecker.Report r = check(trace(alloc(1, 0x100, 3), free(1, 0x104, 2), free(1, 0x102, 1), free(1, 0x101, 0),
                free(1, 0x100, 0), alloc(2, 0x100, 3), free(2, 0x107, 0), alloc(3, 0x107, 0)));
        assertClean(r);
        // 0x100 order 3 minus 0x107, plus 0x107 again: 3 pieces of the first and the new page
        assertEquals(4, r.liveAtEnd);
    }

    @Test
    void aPieceOfASplitBlockIsStillAllocated() {
        TraceChecker.Report r = check(trace(alloc(1, 0x100, 2), free(1, 0x100, 0), alloc(2, 0x102, 1)));
        assertEquals(TraceInvariants.NO_DOUBLE_ALLOC, r.violations.get(0).id());
        assertEquals(L1 + 2, r.violations.get(0).line());
    }

    @Test
    void aBatchedFreeFollowsItsOwnPrepare() {
        assertClean(check(trace(free(7, 0x10, 0), batched(7, 0x10), alloc(7, 0x50, 0), free(7, 0x20, 0), free(7, 0x21, 0),
                batched(7, 0x20), batched(7, 0x21))));
    }

    @Test
    void compactionCaptureIsExemptInsideARun() {
        // compaction_capture(): a pageblock-order block of another type taken without claiming it
        String capture = extfrag(7, 0x400, 9, 9, 1, 0, 0);
        assertClean(check(trace(begin(7, 0x1000, 0x1000, 0x1e00, 0x2000), capture)));
        // the task was known to be outside compaction: a violation
        TraceChecker.Report outside = check(trace(begin(7, 0x1000, 0x1000, 0x1e00, 0x2000),
                end(7, 0x1000, 0x1e00, 0x1e00, 0x2000, "complete"), capture));
        assertEquals(1, outside.violationCount);
        assertEquals(TraceInvariants.EXTFRAG_CLAIM, outside.violations.get(0).id());
        assertEquals(L1 + 2, outside.violations.get(0).line());
        // unknown at the time, decided by the task's next compaction event
        TraceChecker.Report laterEnd = check(trace(capture, end(7, 0x1000, 0x1e00, 0x1e00, 0x2000, "complete")));
        assertClean(laterEnd);
        TraceChecker.Report laterBegin = check(trace(capture, begin(7, 0x1000, 0x1000, 0x1e00, 0x2000)));
        assertEquals(1, laterBegin.violationCount);
        assertEquals(L1, laterBegin.violations.get(0).line());
        TraceChecker.Report never = check(trace(capture));
        assertClean(never);
        assertEquals(1, never.undecided);
    }

    @Test
    void lostEventsResetTheOracle() {
        TraceChecker.Report r = check(trace(alloc(1, 0x100, 0), "CPU:1 [LOST 1234 EVENTS]", alloc(2, 0x100, 0),
                "##### CPU 0 buffer started ####", alloc(3, 0x100, 0)));
        assertClean(r);
        assertEquals(2, r.resets);
    }

    @Test
    void unknownEventsAreCountedAndSkipped() {
        TraceChecker.Report r = check(trace(ev(1, "sched_switch", "prev_comm=a prev_pid=1 ==> next_comm=b next_pid=2"),
                ev(1, "sched_switch", "x"), ev(1, "ksm_merge_one_page", "ksm_pfn=0x1 rmap_item=0 mm=0 err=0"),
                alloc(1, 0x100, 0)));
        assertClean(r);
        assertEquals(2L, r.unknownCounts.get("sched_switch"));
        assertEquals(1L, r.eventCounts.get("ksm_merge_one_page"));
        assertEquals(4, r.events);
    }

    @Test
    void malformedLinesAreReportedWithTheirLineNumbers() {
        TraceChecker.Report r = check(trace(alloc(1, 0x100, 0), "this is not a trace line",
                ev(1, "mm_page_alloc", "page=0 order=0 migratetype=1"), ev(1, "mm_page_free", "pfn=0xzz order=0")));
        assertEquals(3, r.malformedCount);
        assertTrue(r.malformed.get(0).startsWith("line " + (L1 + 1) + ": no CPU column"), r.malformed.get(0));
        assertTrue(r.malformed.get(1).startsWith("line " + (L1 + 2) + ": mm_page_alloc needs pfn="), r.malformed.get(1));
        assertTrue(r.malformed.get(2).startsWith("line " + (L1 + 3) + ":"), r.malformed.get(2));
        assertEquals(2, r.exitCode());
    }

    @Test
    void failedAllocationsAreNotTracked() {
        assertClean(check(trace(ev(1, "mm_page_alloc", "page=(null) pfn=0x0 order=3 migratetype=1 gfp_flags=GFP_KERNEL"),
                ev(1, "mm_page_alloc", "page=0000000000000000 pfn=0x0 order=3 migratetype=1 gfp_flags=GFP_KERNEL"))));
    }

    @Test
    void readsTraceCmdReportAndTracefsVariants() {
        String text = String.join("\n",
                "cpus=2",
                "CPU 1 is empty",
                // trace-cmd report: no latency column, event name padded, pfn printed in decimal when unformatted
                "            bash-1234  [001]  5678.123456: mm_page_alloc:        page=0xffffea0004000000 pfn=4096 order=0 migratetype=1 gfp_flags=GFP_KERNEL",
                // trace-cmd -l latency column, record-tgid column, a task name with spaces and dashes
                "     Web Content-2-77  (     70) [000] d..1.  5678.123500: mm_page_free: page=0xffffea0004000000 pfn=0x1000 order=0",
                "  kworker/u4:2-31      [001] ...1.  5678.200000: mm_page_alloc_zone_locked: page=00000000a pfn=0x1000 order=0 migratetype=1 percpu_refill=1",
                "          <idle>-0     [000] ..s1.  5678.300000: mm_page_alloc: page=00000000b pfn=0x1000 order=0 migratetype=1 gfp_flags=GFP_ATOMIC",
                "          <...>-5      [000] .....  5678.400000: mm_page_alloc: page=00000000c pfn=0x1000 order=0 migratetype=1 gfp_flags=GFP_ATOMIC",
                "");
        TraceChecker.Report r = check(text);
        assertEquals(0, r.malformedCount, r.malformed.toString());
        assertEquals(5, r.events);
        assertEquals(1, r.violationCount);
        assertEquals(TraceInvariants.NO_DOUBLE_ALLOC, r.violations.get(0).id());
        assertEquals(7, r.violations.get(0).line());
    }

    @Test
    void readsGzip() throws Exception {
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bo)) {
            gz.write(trace(alloc(1, 0x100, 0), alloc(2, 0x100, 0)).getBytes(StandardCharsets.ISO_8859_1));
        }
        TraceChecker.Report r = new TraceChecker().check(new ByteArrayInputStream(bo.toByteArray()), "t.gz");
        assertEquals(1, r.violationCount);
        assertEquals(L1 + 1, r.violations.get(0).line());
    }

    @Test
    void aLineLongerThanTheBufferIsMalformedAndTheRestIsRead() {
        String huge = "x".repeat((1 << 20) + 5000);
        TraceChecker.Report r = check(trace(alloc(1, 0x100, 0), huge, alloc(2, 0x100, 0)));
        assertEquals(1, r.malformedCount);
        assertTrue(r.malformed.get(0).startsWith("line " + (L1 + 1) + ": line longer than"), r.malformed.get(0));
        assertEquals(1, r.violationCount);
        assertEquals(L1 + 2, r.violations.get(0).line());
        assertEquals(L1 + 2, r.lines);
    }

    @Test
    void theLastLineNeedsNoNewline() {
        TraceChecker.Report r = check(HEADER + alloc(1, 0x100, 0) + "\n" + alloc(2, 0x100, 0));
        assertEquals(1, r.violationCount);
        assertEquals(L1 + 1, r.violations.get(0).line());
    }
}
