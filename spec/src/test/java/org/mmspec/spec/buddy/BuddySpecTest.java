package org.mmspec.spec.buddy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mmspec.spec.buddy.BuddySpec.CMA;
import static org.mmspec.spec.buddy.BuddySpec.HIGHATOMIC;
import static org.mmspec.spec.buddy.BuddySpec.ISOLATED;
import static org.mmspec.spec.buddy.BuddySpec.NORMAL;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;

import org.junit.jupiter.api.Test;
import org.mmspec.spec.buddy.BuddySpec.AllocRequest;

/**
 * The policy-free buddy specification: 64 pages, MAX order 4, pageblock order 2 (16 pageblocks of
 * 4 pages); zone 0 is [0, 32) and zone 1 is [32, 64) unless a test says otherwise.
 */
class BuddySpecTest {
    static final int ALL = 0b1111;
    static final int NORMAL_ONLY = 1 << NORMAL;
    static final long NO_FLOOR = Long.MIN_VALUE;

    static BuddySpec twoZones() {
        BuddySpec s = new BuddySpec(0, 64, 4, 2);
        s.makeAvailable(0, 32, 0);
        s.makeAvailable(32, 64, 1);
        s.initialFree();
        return s;
    }

    /** A request for zones (in order) with no floors, taking and counting every non-isolated class. */
    static AllocRequest req(int order, int... zones) {
        return new AllocRequest(order, zones, new long[] {NO_FLOOR, NO_FLOOR}, ALL & ~(1 << ISOLATED),
                ALL & ~(1 << ISOLATED), ALL & ~(1 << ISOLATED));
    }

    static AllocRequest req(int order, long floor0, int count, int block) {
        return new AllocRequest(order, new int[] {0}, new long[] {floor0, NO_FLOOR}, count, block, block);
    }

    static void ok(String violation) {
        assertNull(violation, violation);
    }

    /** The operation returns a violation containing every fragment and leaves the state as it was. */
    static void violation(BuddySpec s, Supplier<String> op, String... fragments) {
        long fp = s.fingerprint();
        String v = op.get();
        assertNotNull(v, "expected a violation");
        for (String f : fragments) assertTrue(v.contains(f), "'" + f + "' not in: " + v);
        assertEquals(fp, s.fingerprint(), "a rejected operation changed the spec state: " + v);
    }

    static void wellFormed(BuddySpec s) {
        assertEquals(List.of(), s.check());
    }

    // ------------------------------------------------------------------ boot

    @Test
    void bootIsMaximallyMergedWithinZones() {
        BuddySpec s = twoZones();
        for (long pfn : new long[] {0, 16, 32, 48}) assertEquals(4, s.headOrder(pfn));
        assertTrue(s.isFreeHead(0));
        assertEquals(-1, s.headOrder(8));
        assertEquals(0, s.blockHead(13));
        assertEquals(32, s.freePages(0, ALL));
        assertEquals(32, s.freePages(1, ALL));
        wellFormed(s);
    }

    @Test
    void bootRespectsHolesClassesAndZoneBoundaries() {
        BuddySpec s = new BuddySpec(0, 64, 4, 2);
        s.makeAvailable(1, 24, 0); // pfn 0 is not memory, as on x86-64
        s.makeAvailable(24, 64, 1);
        s.setClass(44, CMA);
        s.initialFree();
        assertEquals(0, s.headOrder(1));
        assertEquals(1, s.headOrder(2));
        assertEquals(2, s.headOrder(4));
        assertEquals(3, s.headOrder(8));
        assertEquals(3, s.headOrder(16), "zone 0 ends at 24: 16/3 and its buddy 24/3 lie in different zones");
        assertEquals(3, s.headOrder(24));
        assertEquals(2, s.headOrder(40), "normal 40/2 does not merge with the CMA pageblock 44");
        assertEquals(2, s.headOrder(44));
        assertEquals(3, s.headOrder(32));
        assertEquals(4, s.headOrder(48));
        assertEquals(-1, s.zoneOf(0));
        assertEquals(-1, s.blockHead(0));
        assertEquals(4, s.freePages(1, 1 << CMA));
        wellFormed(s);
    }

    @Test
    void geometryMustBeAlignedToTheTopOrder() {
        assertThrows(IllegalArgumentException.class, () -> new BuddySpec(8, 64, 4, 2));
        assertThrows(IllegalArgumentException.class, () -> new BuddySpec(0, 40, 4, 2));
    }

    // ------------------------------------------------------------------ alloc

    @Test
    void allocSplitsTheFreeBlockAroundTheBlockHandedOut() {
        BuddySpec s = twoZones();
        ok(s.alloc(req(0, 0), 5, NORMAL)); // any aligned block inside a free one may be chosen: that is policy
        assertTrue(s.isAllocatedHead(5));
        assertEquals(0, s.headOrder(5));
        assertTrue(s.isFreeHead(0));
        assertEquals(2, s.headOrder(0));
        assertEquals(0, s.headOrder(4));
        assertEquals(1, s.headOrder(6));
        assertEquals(3, s.headOrder(8));
        assertEquals(31, s.freePages(0, ALL));
        wellFormed(s);
        ok(s.alloc(req(3, 0), 8, NORMAL));
        assertTrue(s.isAllocatedHead(8));
        assertEquals(23, s.freePages(0, ALL));
        wellFormed(s);
        // failure (pfn -1) is never a violation of alloc itself; failurePermitted judges it
        long fp = s.fingerprint();
        ok(s.alloc(req(4, 0), -1, NORMAL));
        assertEquals(fp, s.fingerprint());
    }

    @Test
    void allocValidityErrors() {
        BuddySpec s = twoZones();
        ok(s.alloc(req(0, 0), 5, NORMAL));
        violation(s, () -> s.alloc(req(1, 0), 3, NORMAL), "order 1", "0x3", "not aligned");
        violation(s, () -> s.alloc(req(5, 0), 0, NORMAL), "order 5", "outside 0..4");
        violation(s, () -> s.alloc(req(0, 0), 64, NORMAL), "0x40", "outside the node");
        violation(s, () -> s.alloc(req(2, 0), 62, NORMAL), "not aligned");
        violation(s, () -> s.alloc(req(0, 0), 5, NORMAL), "0x5", "was not free", "allocated block 0x5 order 0");
        violation(s, () -> s.alloc(req(1, 0), 4, NORMAL), "0x4", "spans beyond the free block 0x4 of order 0");
        violation(s, () -> s.alloc(req(3, 0), 0, NORMAL), "spans beyond the free block 0x0 of order 2");
        violation(s, () -> s.alloc(req(0, 1), 0, NORMAL), "0x0", "zone 0", "may not use");
        violation(s, () -> s.alloc(req(0, 0), 32, NORMAL), "0x20", "zone 1", "may not use");
        ok(s.alloc(req(0, 0, 1), 32, NORMAL));

        BuddySpec h = new BuddySpec(0, 64, 4, 2);
        h.makeAvailable(1, 64, 0);
        h.initialFree();
        violation(h, () -> h.alloc(req(0, 0), 0, NORMAL), "0x0", "not available memory");
    }

    @Test
    void allocFromAnIsolatedPageblockIsAViolation() {
        BuddySpec s = twoZones();
        ok(s.isolate(20, true));
        violation(s, () -> s.alloc(req(0, 0), 21, NORMAL), "0x15", "isolated pageblock");
        violation(s, () -> s.alloc(req(0, 0), 21, ISOLATED), "isolated pageblock");
        ok(s.alloc(req(0, 0), 16, NORMAL));
    }

    @Test
    void allocFromAClassTheRequestMayNotUse() {
        BuddySpec s = new BuddySpec(0, 64, 4, 2);
        s.makeAvailable(0, 64, 0);
        s.setClass(28, CMA);
        s.setClass(24, HIGHATOMIC);
        s.initialFree();
        AllocRequest unmovable = new AllocRequest(0, new int[] {0}, new long[] {NO_FLOOR}, NORMAL_ONLY, NORMAL_ONLY,
                NORMAL_ONLY);
        violation(s, () -> s.alloc(unmovable, 28, CMA), "0x1c", "cma pageblock", "may not use");
        violation(s, () -> s.alloc(unmovable, 24, HIGHATOMIC), "0x18", "highatomic pageblock");
        // a block the allocation itself retyped to a class the request may use is fine (a claim)
        ok(s.alloc(unmovable, 25, NORMAL));
        AllocRequest movable = new AllocRequest(0, new int[] {0}, new long[] {NO_FLOOR}, ALL, ALL,
                (1 << NORMAL) | (1 << CMA));
        ok(s.alloc(movable, 28, CMA));
        assertTrue(s.isAllocatedHead(28));
    }

    // ------------------------------------------------------------------ failurePermitted

    @Test
    void failureIsPermittedOnlyBelowTheFloorOrWithoutABlock() {
        BuddySpec s = twoZones();
        String v = s.failurePermitted(req(2, 0));
        assertNotNull(v);
        assertTrue(v.contains("order 2") && v.contains("zone 0") && v.contains("32 usable free pages"), v);
        // free - 2^order >= floor is what lets the request through: 32 - 4 = 28
        assertNotNull(s.failurePermitted(req(2, 28, ALL, ALL)));
        assertNull(s.failurePermitted(req(2, 29, ALL, ALL)));
        // a request for zone 1 only, with zone 1 fully allocated, may fail
        for (long pfn = 32; pfn < 64; pfn += 16) ok(s.alloc(req(4, 1), pfn, NORMAL));
        assertNull(s.failurePermitted(req(0, 1)));
        // ... but one that may fall back to zone 0 may not
        assertNotNull(s.failurePermitted(req(0, 1, 0)));
    }

    @Test
    void failureIsPermittedWhenNoBlockIsLargeEnough() {
        BuddySpec s = twoZones();
        for (long pfn = 0; pfn < 32; pfn += 2) ok(s.alloc(req(0, 0), pfn, NORMAL)); // every even page
        wellFormed(s);
        assertEquals(16, s.freePages(0, ALL));
        assertFalse(s.hasFreeBlock(0, 1, ALL));
        assertNull(s.failurePermitted(req(1, 0)), "16 free pages, none of them in an order-1 block");
        assertNotNull(s.failurePermitted(req(0, 0)));
    }

    @Test
    void failureCountsAndBlocksOnlyTheGivenClasses() {
        BuddySpec s = new BuddySpec(0, 64, 4, 2);
        s.makeAvailable(0, 32, 0);
        s.setClass(28, CMA);
        s.initialFree();
        // the only order-2+ blocks outside CMA exist; with block classes = CMA only there is one too
        assertNotNull(s.failurePermitted(req(2, NO_FLOOR, NORMAL_ONLY, 1 << CMA)));
        assertNull(s.failurePermitted(req(3, NO_FLOOR, NORMAL_ONLY, 1 << CMA)), "CMA has no order-3 block");
        // counting: 28 normal + 4 CMA free pages; an order-0 request needs free - 1 >= floor
        assertNotNull(s.failurePermitted(req(0, 27, NORMAL_ONLY, NORMAL_ONLY)));
        assertNull(s.failurePermitted(req(0, 28, NORMAL_ONLY, NORMAL_ONLY)), "CMA pages do not count for it");
        assertNotNull(s.failurePermitted(req(0, 28, NORMAL_ONLY | (1 << CMA), NORMAL_ONLY)));
        assertNull(s.failurePermitted(req(0, NO_FLOOR, NORMAL_ONLY, 1 << HIGHATOMIC)), "no block of a class it can take");
    }

    // ------------------------------------------------------------------ free

    @Test
    void freeOfSomethingNotAllocatedIsRejected() {
        BuddySpec s = twoZones();
        ok(s.alloc(req(2, 0), 8, NORMAL));
        violation(s, () -> s.free(0, 4), "0x0", "not the head of an allocated block");
        violation(s, () -> s.free(0, 3), "0x0", "not the head of an allocated block");
        violation(s, () -> s.free(9, 0), "0x9", "not the head of an allocated block");
        violation(s, () -> s.free(64, 0), "0x40", "not the head");
        violation(s, () -> s.free(-4, 0), "not the head");
        violation(s, () -> s.free(8, 1), "0x8", "order 1", "allocated with order 2");
        ok(s.free(8, 2));
        violation(s, () -> s.free(8, 2), "0x8", "not the head of an allocated block");
        wellFormed(s);
    }

    @Test
    void freeMergesUpToTheTopOrder() {
        BuddySpec s = twoZones();
        for (long pfn = 0; pfn < 64; pfn++) ok(s.alloc(req(0, 0, 1), pfn, NORMAL));
        assertEquals(0, s.freePages(0, ALL) + s.freePages(1, ALL));
        List<Long> order = new ArrayList<>();
        for (long pfn = 0; pfn < 64; pfn++) order.add(pfn);
        java.util.Collections.shuffle(order, new java.util.Random(3));
        for (long pfn : order) {
            ok(s.free(pfn, 0));
            wellFormed(s);
        }
        for (long pfn : new long[] {0, 16, 32, 48}) {
            assertTrue(s.isFreeHead(pfn));
            assertEquals(4, s.headOrder(pfn), "merged to maxOrder, never beyond");
        }
    }

    @Test
    void freeStopsAtClassBoundariesFromPageblockOrderUp() {
        BuddySpec s = new BuddySpec(0, 64, 4, 2);
        s.makeAvailable(0, 64, 0);
        s.setClass(28, CMA);
        s.initialFree();
        ok(s.alloc(req(0, 0), 24, NORMAL));
        ok(s.alloc(req(0, 0), 28, CMA));
        ok(s.free(24, 0));
        ok(s.free(28, 0));
        assertEquals(3, s.headOrder(16));
        assertEquals(2, s.headOrder(24));
        assertEquals(2, s.headOrder(28), "the CMA pageblock stays apart from its normal buddy");
        wellFormed(s);
        // below pageblock order the class plays no part: pages inside one pageblock always merge
        ok(s.alloc(req(0, 0), 29, CMA));
        ok(s.free(29, 0));
        assertEquals(2, s.headOrder(28));
    }

    @Test
    void freeStopsAtZoneBoundaries() {
        BuddySpec s = new BuddySpec(0, 64, 4, 2);
        s.makeAvailable(0, 24, 0);
        s.makeAvailable(24, 64, 1);
        s.initialFree();
        ok(s.alloc(req(3, 0), 16, NORMAL));
        ok(s.alloc(req(3, 1), 24, NORMAL));
        ok(s.free(16, 3));
        ok(s.free(24, 3));
        assertEquals(3, s.headOrder(16));
        assertEquals(3, s.headOrder(24), "buddies 16/3 and 24/3 are in different zones");
        assertEquals(0, s.zoneOf(16));
        assertEquals(1, s.zoneOf(24));
        wellFormed(s);
    }

    @Test
    void aLargeFreeIsSplitAtPageblocksAndMergesWithinEachClass() {
        BuddySpec s = twoZones();
        ok(s.alloc(req(4, 0), 16, NORMAL));
        s.retype(20, HIGHATOMIC); // the pageblock changed type while allocated
        ok(s.free(16, 4));
        assertEquals(2, s.headOrder(16));
        assertEquals(2, s.headOrder(20));
        assertEquals(3, s.headOrder(24));
        assertEquals(HIGHATOMIC, s.classOf(20));
        wellFormed(s);
    }

    // ------------------------------------------------------------------ saved state

    @Test
    void saveStateRestoresBlocksClassesAndDeferredPairs() {
        BuddySpec s = new BuddySpec(0, 64, 4, 2);
        s.makeAvailable(0, 64, 0);
        s.setClass(4, HIGHATOMIC);
        s.initialFree();
        s.retype(4, NORMAL);
        s.noteDeferredMerges();
        ok(s.alloc(req(1, 0), 16, NORMAL));
        ok(s.isolate(32, true));
        List<Integer> ints = new ArrayList<>();
        s.saveState(ints::add);
        BuddySpec t = twoZones();
        int[] i = {0};
        t.restoreState(() -> ints.get(i[0]++));
        assertEquals(ints.size(), i[0]);
        assertEquals(s.fingerprint(), t.fingerprint());
        assertTrue(t.isDeferred(0, 2));
        assertTrue(t.isAllocatedHead(16));
        assertEquals(ISOLATED, t.classOf(32));
        assertEquals(s.check(), t.check());
        assertEquals(s.freePages(0, ALL), t.freePages(0, ALL), "zones restored, the free count follows");
    }

    // ------------------------------------------------------------------ retype and deferred merges

    @Test
    void retypeLeavesBuddiesUnmergedUntilNotedAsDeferred() {
        BuddySpec s = new BuddySpec(0, 64, 4, 2);
        s.makeAvailable(0, 64, 0);
        s.setClass(4, HIGHATOMIC);
        s.initialFree();
        assertEquals(2, s.headOrder(0));
        assertEquals(2, s.headOrder(4));
        wellFormed(s);
        long fp = s.fingerprint();
        s.retype(4, NORMAL); // unreserve_highatomic_pageblock: the type changes, nothing merges
        assertEquals(NORMAL, s.classOf(4));
        assertEquals(2, s.headOrder(4));
        List<String> v = s.check();
        assertEquals(1, v.size(), v.toString());
        assertTrue(v.get(0).contains("free buddies 0x0 and 0x4 of order 2 are not merged"), v.get(0));
        assertFalse(s.isDeferred(0, 2));
        s.noteDeferredMerges();
        assertTrue(s.isDeferred(0, 2));
        assertEquals(1, s.deferredPairs().size());
        assertArrayEquals(new long[] {0, 2}, s.deferredPairs().get(0));
        wellFormed(s);
        assertNotEquals(fp, s.fingerprint());
        // the next free that reaches the pair merges it and forgets it
        ok(s.alloc(req(2, 0), 0, NORMAL));
        assertTrue(s.deferredPairs().isEmpty(), "splitting a deferred block forgets the pair");
        ok(s.free(0, 2));
        assertEquals(4, s.headOrder(0));
        assertTrue(s.deferredPairs().isEmpty());
        wellFormed(s);
    }

    @Test
    void noteDeferredMergesRecordsOnlyMergeablePairsAtPageblockOrderAndAbove() {
        BuddySpec s = new BuddySpec(0, 64, 4, 2);
        s.makeAvailable(0, 64, 0);
        s.setClass(4, CMA);
        s.initialFree();
        s.noteDeferredMerges();
        assertTrue(s.deferredPairs().isEmpty(), "0/2 normal and 4/2 CMA may not merge: nothing is deferred");
        s.retype(4, NORMAL);
        s.noteDeferredMerges();
        assertTrue(s.isDeferred(0, 2));
        assertFalse(s.isDeferred(4, 2));
    }

    // ------------------------------------------------------------------ isolation

    @Test
    void isolateSplitsTheSurroundingBlockAtPageblocks() {
        BuddySpec s = twoZones();
        ok(s.isolate(21, true));
        assertEquals(ISOLATED, s.classOf(20));
        assertEquals(2, s.headOrder(16));
        assertEquals(2, s.headOrder(20));
        assertEquals(3, s.headOrder(24));
        assertTrue(s.isFreeHead(20));
        assertEquals(4, s.freePages(0, 1 << ISOLATED));
        wellFormed(s);
        violation(s, () -> s.isolate(20, true), "0x14", "twice");
        ok(s.unisolate(20, NORMAL));
        assertEquals(NORMAL, s.classOf(20));
        assertEquals(4, s.headOrder(16), "unisolating merges the pageblock back");
        assertTrue(s.deferredPairs().isEmpty());
        wellFormed(s);
    }

    @Test
    void unisolateErrors() {
        BuddySpec s = twoZones();
        violation(s, () -> s.unisolate(0, NORMAL), "0x0", "not isolated");
        ok(s.isolate(0, true));
        violation(s, () -> s.unisolate(0, ISOLATED), "0x0", "left the pageblock", "isolated");
        ok(s.unisolate(0, CMA)); // the class underneath may be anything the implementation keeps
        assertEquals(CMA, s.classOf(0));
        wellFormed(s);
    }

    @Test
    void adjacentIsolatedPageblocksDoNotMergeUntilFreed() {
        BuddySpec s = twoZones();
        ok(s.isolate(0, true));
        ok(s.isolate(4, true));
        assertEquals(2, s.headOrder(0));
        assertEquals(2, s.headOrder(4));
        assertTrue(s.isDeferred(0, 2), "moving 4's pages to the isolate list merges nothing: deferred");
        wellFormed(s);
        ok(s.unisolate(0, NORMAL));
        ok(s.unisolate(4, NORMAL));
        assertEquals(4, s.headOrder(0));
        assertTrue(s.deferredPairs().isEmpty());
        wellFormed(s);
    }

    @Test
    void isolationRefusalIsPermittedOnlyWithAReason() {
        BuddySpec s = twoZones();
        violation(s, () -> s.isolate(0, false), "0x0", "refused although all its pages are free");
        ok(s.alloc(req(0, 0), 9, NORMAL));
        ok(s.isolate(8, false)); // an allocated page
        ok(s.isolate(11, false));
        ok(s.isolate(16, true));
        ok(s.isolate(16, false)); // already isolated
        BuddySpec c = new BuddySpec(0, 64, 4, 2);
        c.makeAvailable(1, 64, 0);
        c.setClass(60, CMA);
        c.initialFree();
        ok(c.isolate(60, false)); // CMA: only a CMA allocation may isolate it
        ok(c.isolate(0, false)); // pfn 0 is not memory
        violation(c, () -> c.isolate(4, false), "0x4");
    }

    @Test
    void isolateRangeAllOrNothing() {
        BuddySpec s = twoZones();
        assertFalse(s.isolationMayBeRefused(0, 16));
        violation(s, () -> s.isolateRange(0, 16, false), "[0x0, 0x10)", "refused although every page in it is free");
        ok(s.isolateRange(0, 16, true));
        for (long pb = 0; pb < 16; pb += 4) assertEquals(ISOLATED, s.classOf(pb));
        assertEquals(NORMAL, s.classOf(16));
        assertEquals(16, s.freePages(0, 1 << ISOLATED));
        wellFormed(s);
        assertTrue(s.isolationMayBeRefused(0, 16), "isolated already");
        assertTrue(s.isolationMayBeRefused(12, 20));
        violation(s, () -> s.isolateRange(8, 24, true), "0x8", "twice");
        ok(s.undoIsolateRange(0, 32, pb -> NORMAL));
        for (long pb = 0; pb < 32; pb += 4) assertEquals(NORMAL, s.classOf(pb));
        assertEquals(4, s.headOrder(0));
        assertTrue(s.deferredPairs().isEmpty());
        wellFormed(s);
        // an allocated page or a CMA pageblock anywhere in the range permits the refusal
        ok(s.alloc(req(0, 0), 13, NORMAL));
        assertTrue(s.isolationMayBeRefused(0, 16));
        long fp = s.fingerprint();
        ok(s.isolateRange(0, 16, false));
        assertEquals(fp, s.fingerprint(), "a permitted refusal changes nothing");
        BuddySpec c = twoZones();
        c.retype(48, CMA);
        c.noteDeferredMerges();
        assertTrue(c.isolationMayBeRefused(32, 64));
    }

    /**
     * A pageblock that straddles a zone boundary: the kernel refuses to isolate it
     * (prep_move_freepages_block() fails on !zone_spans_pfn, so set_migratetype_isolate() returns
     * -EBUSY, mm/page_alloc.c / mm/page_isolation.c v6.18) and BuddySpec.isolate(pfn, false)
     * accepts that refusal, but isolationMayBeRefused() / isolateRange(..., false) call the same
     * refusal a violation.
     */
    @Test
    void refusingAZoneStraddlingPageblockIsPermittedByIsolateRangeToo() {
        BuddySpec s = new BuddySpec(0, 64, 4, 2);
        s.makeAvailable(0, 22, 0);
        s.makeAvailable(22, 64, 1);
        s.initialFree();
        ok(s.isolate(20, false));
        assertTrue(s.isolationMayBeRefused(20, 24));
        ok(s.isolateRange(20, 24, false));
    }

    // ------------------------------------------------------------------ check()

    static void setHead(BuddySpec s, long pfn, int order, boolean free) throws ReflectiveOperationException {
        var ho = BuddySpec.class.getDeclaredField("headOrder");
        var hf = BuddySpec.class.getDeclaredField("headFree");
        ho.setAccessible(true);
        hf.setAccessible(true);
        ((byte[]) ho.get(s))[(int) (pfn - s.base())] = (byte) order;
        ((boolean[]) hf.get(s))[(int) (pfn - s.base())] = free;
    }

    static void reports(BuddySpec s, String... fragments) {
        List<String> v = s.check();
        String all = String.join("\n", v);
        for (String f : fragments) assertTrue(all.contains(f), "'" + f + "' not reported in: " + v);
    }

    @Test
    void checkReportsAHeadOnUnavailableMemory() {
        BuddySpec s = twoZones();
        s.makeAvailable(16, 17, BuddySpec.NONE);
        reports(s, "block head at unavailable pfn 0x10");
    }

    @Test
    void checkReportsAvailableMemoryInNoBlock() {
        BuddySpec s = new BuddySpec(0, 64, 4, 2);
        s.makeAvailable(0, 32, 0);
        s.initialFree();
        wellFormed(s);
        s.makeAvailable(40, 41, 1);
        reports(s, "available pfn 0x28 is in no block");
    }

    @Test
    void checkReportsABlockLeavingItsZone() {
        BuddySpec s = twoZones();
        s.makeAvailable(24, 32, 1);
        reports(s, "block 0x10 order 4 leaves its zone at 0x18");
    }

    @Test
    void checkReportsAFreeBlockSpanningClasses() {
        BuddySpec s = twoZones();
        s.retype(56, CMA);
        reports(s, "free block 0x30 order 4 spans pageblocks of classes normal and cma");
    }

    @Test
    void checkReportsUnmergedBuddies() throws ReflectiveOperationException {
        BuddySpec s = twoZones();
        setHead(s, 0, 3, true);
        setHead(s, 8, 3, true);
        reports(s, "free buddies 0x0 and 0x8 of order 3 are not merged");
        // below pageblock order too
        BuddySpec t = twoZones();
        setHead(t, 32, 0, true);
        setHead(t, 33, 0, true);
        setHead(t, 34, 1, true);
        setHead(t, 36, 2, true);
        setHead(t, 40, 3, true);
        reports(t, "free buddies 0x20 and 0x21 of order 0 are not merged");
    }

    @Test
    void checkReportsMisalignedAndOverlappingBlocks() throws ReflectiveOperationException {
        BuddySpec s = twoZones();
        setHead(s, 0, -1, false);
        setHead(s, 4, 3, true); // [4, 12) is misaligned for order 3
        setHead(s, 12, 2, true);
        setHead(s, 0, 2, true);
        reports(s, "block 0x4 order 3 is misaligned");
        BuddySpec o = twoZones();
        setHead(o, 8, 3, false); // a block head inside the free block 0/4
        reports(o, "block 0x0 order 4 overlaps the block at 0x8");
    }

    @Test
    void checkIsEmptyThroughARandomRun() {
        BuddySpec s = twoZones();
        SplittableRandom r = new SplittableRandom(5);
        List<long[]> live = new ArrayList<>();
        for (int step = 0; step < 3000; step++) {
            if (live.isEmpty() || r.nextInt(3) > 0) {
                int order = r.nextInt(3) == 0 ? r.nextInt(5) : 0;
                long pfn = ((long) r.nextInt(64)) & ~((1L << order) - 1);
                long h = s.blockHead(pfn);
                if (h < 0 || !s.isFreeHead(h) || s.headOrder(h) < order || s.classOf(pfn) == ISOLATED) continue;
                ok(s.alloc(req(order, s.zoneOf(pfn)), pfn, s.classOf(pfn)));
                live.add(new long[] {pfn, order});
            } else if (r.nextInt(6) == 0) {
                long pb = 4L * r.nextInt(16);
                if (s.classOf(pb) == ISOLATED) {
                    ok(s.unisolate(pb, r.nextInt(3)));
                } else {
                    ok(s.isolate(pb, true));
                }
            } else if (r.nextInt(6) == 0) {
                // retype a pageblock that no larger free block spans (the allocator retypes those whole)
                long pb = 4L * r.nextInt(16);
                long h = s.blockHead(pb);
                if (s.classOf(pb) == ISOLATED || (h >= 0 && s.isFreeHead(h) && s.headOrder(h) > 2)) continue;
                s.retype(pb, new int[] {NORMAL, HIGHATOMIC, CMA}[r.nextInt(3)]);
                s.noteDeferredMerges();
            } else {
                long[] b = live.remove(r.nextInt(live.size()));
                ok(s.free(b[0], (int) b[1]));
            }
            List<String> v = s.check();
            assertEquals(List.of(), v, "step " + step);
        }
    }

    // ------------------------------------------------------------------ copy and fingerprint

    /** A fixed sequence of operations with a seeded choice of pfns. */
    static void script(BuddySpec s, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<long[]> live = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            if (live.isEmpty() || r.nextBoolean()) {
                long pfn = r.nextInt(64);
                long h = s.blockHead(pfn);
                if (h < 0 || !s.isFreeHead(h) || s.classOf(pfn) == ISOLATED) continue;
                ok(s.alloc(req(0, s.zoneOf(pfn)), pfn, NORMAL));
                live.add(new long[] {pfn, 0});
            } else {
                long[] b = live.remove(r.nextInt(live.size()));
                ok(s.free(b[0], 0));
            }
        }
    }

    @Test
    void copyFingerprintAndDeterminism() {
        BuddySpec a = twoZones();
        BuddySpec b = twoZones();
        assertEquals(a.fingerprint(), b.fingerprint());
        script(a, 1);
        script(b, 1);
        assertEquals(a.fingerprint(), b.fingerprint(), "same operations, same state");
        BuddySpec c = a.copy();
        assertEquals(a.fingerprint(), c.fingerprint());
        assertEquals(a.check(), c.check());
        long fp = a.fingerprint();
        script(c, 2);
        assertNotEquals(fp, c.fingerprint());
        assertEquals(fp, a.fingerprint(), "the original is untouched by its copy");
        c.copyFrom(a);
        assertEquals(fp, c.fingerprint(), "copyFrom restores exactly");
        for (long pfn = 0; pfn < 64; pfn++) {
            assertEquals(a.headOrder(pfn), c.headOrder(pfn));
            assertEquals(a.isFreeHead(pfn), c.isFreeHead(pfn));
        }
        // the deferred pairs and the classes are part of the state
        BuddySpec d = a.copy();
        d.retype(60, HIGHATOMIC);
        assertNotEquals(fp, d.fingerprint());
        d.copyFrom(a);
        assertEquals(fp, d.fingerprint());
        BuddySpec e = new BuddySpec(0, 64, 4, 2);
        e.makeAvailable(0, 64, 0);
        e.setClass(4, HIGHATOMIC);
        e.initialFree();
        e.retype(4, NORMAL);
        BuddySpec f = e.copy();
        e.noteDeferredMerges();
        assertNotEquals(f.fingerprint(), e.fingerprint());
        f.copyFrom(e);
        assertEquals(e.fingerprint(), f.fingerprint());
        assertTrue(f.isDeferred(0, 2));
    }
}
