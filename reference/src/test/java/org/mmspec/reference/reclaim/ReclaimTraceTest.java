package org.mmspec.reference.reclaim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;
import org.mmspec.reference.Machine;
import org.mmspec.reference.alloc.ConfigException;

/**
 * Model bookkeeping around reclaim, no kernel function of its own: the trace's gating, its cap
 * of {@link ReclaimTrace#KEEP} records and its copy; the swap device's configuration as swapon(2)
 * would accept it (mm/swapfile.c: a header page and at least one slot); Reclaim's own fingerprint
 * and copy (pgdat->flags, kswapd's highest_zoneidx, the event clock, the writeback in flight).
 */
class ReclaimTraceTest {
    static ReclaimTrace.Scan scan(long pfn) {
        return new ReclaimTrace.Scan(pfn, 0, true, 0, 0, false, "RECLAIM", ReclaimTrace.Outcome.FREED, false);
    }

    /** Records are kept only while enabled; plant() records regardless and restores the switch; clear() empties every list. */
    @Test
    void enabledGatesRecording() {
        ReclaimTrace t = new ReclaimTrace();
        assertFalse(t.enabled());
        t.scan(scan(1));
        assertTrue(t.scans().isEmpty());
        t.plant(scan(2));
        assertEquals(1, t.scans().size());
        assertFalse(t.enabled(), "plant() restores the switch");
        t.enable(true);
        t.plant(new ReclaimTrace.Refault(3, true, 1, 1, 1, true));
        assertTrue(t.enabled());
        t.move(new ReclaimTrace.Move(4, 0, 1, "x"));
        t.kswapd(new ReclaimTrace.KswapdRun(0, 2, 0, 2, 0, true, 0));
        t.plant(new ReclaimTrace.Move(5, 1, 0, "y"));
        t.plant(new ReclaimTrace.KswapdRun(1, 2, 1, 2, 3, false, 1));
        t.plant("not a record");
        assertEquals(1, t.refaults().size());
        assertEquals(2, t.moves().size());
        assertEquals(2, t.kswapdRuns().size());
        assertEquals(5, t.moves().get(1).pfn());
        t.clear();
        assertTrue(t.scans().isEmpty() && t.refaults().isEmpty() && t.moves().isEmpty() && t.kswapdRuns().isEmpty());
        assertTrue(t.enabled(), "clear() leaves the switch");
    }

    /** At most KEEP records over the four lists; the next sets overflow, which clear() resets. */
    @Test
    void overflowAtKeep() {
        ReclaimTrace t = new ReclaimTrace();
        t.enable(true);
        for (int i = 0; i < ReclaimTrace.KEEP - 3; i++) t.scan(scan(i));
        t.refault(new ReclaimTrace.Refault(1, true, 1, 1, 1, true));
        t.move(new ReclaimTrace.Move(1, 0, 1, "x"));
        assertFalse(t.overflow());
        t.kswapd(new ReclaimTrace.KswapdRun(0, 2, 0, 2, 0, true, 0));
        assertFalse(t.overflow(), "KEEP records exactly");
        assertEquals(1, t.kswapdRuns().size());
        t.move(new ReclaimTrace.Move(2, 0, 1, "x"));
        assertTrue(t.overflow());
        assertEquals(1, t.moves().size(), "dropped");
        ReclaimTrace c = new ReclaimTrace();
        c.copyFrom(t);
        assertTrue(c.overflow());
        assertTrue(c.enabled());
        assertEquals(ReclaimTrace.KEEP - 3, c.scans().size());
        assertEquals(t.refaults(), c.refaults());
        assertEquals(t.moves(), c.moves());
        assertEquals(t.kswapdRuns(), c.kswapdRuns());
        t.clear();
        assertFalse(t.overflow());
        // copying a smaller trace replaces, not appends
        c.copyFrom(t);
        assertFalse(c.overflow());
        assertTrue(c.scans().isEmpty() && c.refaults().isEmpty() && c.moves().isEmpty() && c.kswapdRuns().isEmpty());
    }

    /** SwapConfig.validate(): 0 (no swap) or 2..MAX_PAGES pages; SWP_SYNCHRONOUS_IO needs a device. */
    @Test
    void swapConfigBounds() {
        assertFalse(SwapConfig.NONE.present());
        assertTrue(SwapConfig.of(1, false).present());
        assertTrue(SwapConfig.of(2, false).present());
        SwapConfig.NONE.validate();
        SwapConfig.of(2, true).validate();
        SwapConfig.of(SwapConfig.MAX_PAGES, false).validate();
        assertThrows(ConfigException.class, () -> SwapConfig.of(1, false).validate());
        assertThrows(ConfigException.class, () -> SwapConfig.of(-1, false).validate());
        assertThrows(ConfigException.class, () -> SwapConfig.of(SwapConfig.MAX_PAGES + 1, false).validate());
        assertThrows(ConfigException.class, () -> SwapConfig.of(0, true).validate());
        assertEquals("no swap", SwapConfig.NONE.toString());
        assertEquals("1 swap slots", SwapConfig.of(2, false).toString());
        assertEquals("64 swap slots (SWP_SYNCHRONOUS_IO)", SwapConfig.of(65, true).toString());
    }

    /** Reclaim's fingerprint separates pgdat->flags, kswapd's zone, the event clock and each write in flight. */
    @Test
    void reclaimFingerprintSeparatesEveryField() {
        java.util.List<Long> fps = new java.util.ArrayList<>();
        Consumer<Consumer<Reclaim>> v = c -> {
            Reclaim r = ReclaimTest.machine(64, SwapConfig.of(3, false)).reclaim();
            r.writeback.put(5L, 1L);
            r.pgdatFlags = 1;
            r.lruEventClock = 1;
            c.accept(r);
            fps.add(r.fingerprint());
        };
        v.accept(r -> {});
        v.accept(r -> r.pgdatFlags = 2);
        v.accept(r -> r.pgdatFlags = 3);
        v.accept(r -> r.kswapdHighestZoneidx = 0);
        v.accept(r -> r.kswapdHighestZoneidx = 1);
        v.accept(r -> r.lruEventClock = 2);
        v.accept(r -> r.lruEventClock = 3);
        v.accept(r -> r.writeback.put(5L, 2L));
        v.accept(r -> r.writeback.put(5L, 3L));
        v.accept(r -> r.writeback.put(6L, 1L));
        v.accept(r -> r.si.inusePages = 1);
        v.accept(r -> r.filemap.content.put(1L, 1L));
        Set<Long> distinct = new HashSet<>(fps);
        assertEquals(fps.size(), distinct.size());
    }

    /** Reclaim.copyFrom() carries the warnings, the counters, the trace, the swap device, the page cache and the node's reclaim state. */
    @Test
    void reclaimCopyCarriesEverything() {
        Machine a = ReclaimTest.machine(64, SwapConfig.of(3, false));
        Machine b = ReclaimTest.machine(64, SwapConfig.of(3, false));
        Reclaim src = a.reclaim();
        Reclaim dst = b.reclaim();
        src.warnings.warn("x", "y");
        src.stats.allocstall = 7;
        src.trace.plant(scan(9));
        src.si.inusePages = 1;
        src.filemap.content.put(3L, 4L);
        src.pgdatFlags = 2;
        src.kswapdHighestZoneidx = 1;
        src.lruEventClock = 5;
        src.lastShadowClock = 6;
        src.lastBalanceReclaimed = 7;
        src.writeback.put(8L, 9L);
        dst.writeback.put(10L, 11L);
        dst.copyFrom(src);
        assertEquals(List.of("x: y").size(), dst.warnings().messages().size());
        assertEquals(7, dst.stats.allocstall);
        assertEquals(1, dst.trace().scans().size());
        assertEquals(1, dst.si.inusePages);
        assertEquals(4L, dst.filemap().contents().get(3L));
        assertEquals(2, dst.pgdatFlags());
        assertEquals(1, dst.kswapdHighestZoneidx);
        assertEquals(5, dst.lruEventClock());
        assertEquals(6, dst.lastShadowClock());
        assertEquals(7, dst.lastBalanceReclaimed);
        assertEquals(src.underWriteback(), dst.underWriteback());
        assertEquals(src.fingerprint(), dst.fingerprint());
        assertNotEquals(0L, dst.fingerprint());
        assertTrue(src.stats.figures().containsKey("pageoutrun (balance_pgdat)"));
        assertEquals(7L, src.stats.figures().get("allocstall (direct reclaim)"));
    }

    /** ReclaimCorruption: a slot's data set behind the device's back also clears its zeromap bit; a warning is recorded as the reference would. */
    @Test
    void corruptionHelpers() {
        Reclaim r = ReclaimTest.machine(64, SwapConfig.of(3, false)).reclaim();
        r.si.zeromap.set(1);
        ReclaimCorruption.setSlotData(r, 1, 42);
        assertEquals(42, r.si.slotValue(1));
        assertEquals(42, r.swapEntryValue(1), "no folio cached: the slot's data");
        ReclaimCorruption.putSlotShadow(r, 2, 7);
        assertEquals(7, r.si.shadowOf(2));
        ReclaimCorruption.warn(r, "where", "what");
        assertEquals(1, r.warnings().count());
        assertEquals(List.of("where: what"), r.warnings().messages());
    }

    /** Reclaim.writeback_end() of a pfn not under writeback is rejected, naming what is under writeback. */
    @Test
    void writebackEndRejectsAPfnNotUnderWriteback() {
        Reclaim r = ReclaimTest.machine(64, SwapConfig.NONE).reclaim();
        Exception e = assertThrows(org.mmspec.reference.alloc.RejectedOperationException.class, () -> r.writeback_end(0x12));
        assertTrue(e.getMessage().contains("(none is)"), e.getMessage());
        r.writeback.put(0x20L, 1L);
        r.writeback.put(0x2aL, 1L);
        e = assertThrows(org.mmspec.reference.alloc.RejectedOperationException.class, () -> r.writeback_end(0x12));
        assertTrue(e.getMessage().contains("pfn 0x12 is not under writeback (under writeback: 0x20, 0x2a)"), e.getMessage());
    }
}
