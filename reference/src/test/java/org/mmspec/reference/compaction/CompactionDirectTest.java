package org.mmspec.reference.compaction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mmspec.reference.alloc.SlowpathHooks.COMPACT_COMPLETE;
import static org.mmspec.reference.alloc.SlowpathHooks.COMPACT_DEFERRED;
import static org.mmspec.reference.alloc.SlowpathHooks.COMPACT_PARTIAL_SKIPPED;
import static org.mmspec.reference.alloc.SlowpathHooks.COMPACT_PRIO_ASYNC;
import static org.mmspec.reference.alloc.SlowpathHooks.COMPACT_PRIO_SYNC_FULL;
import static org.mmspec.reference.alloc.SlowpathHooks.COMPACT_PRIO_SYNC_LIGHT;
import static org.mmspec.reference.alloc.SlowpathHooks.COMPACT_SKIPPED;
import static org.mmspec.reference.alloc.SlowpathHooks.COMPACT_SUCCESS;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.mmspec.reference.Machine;
import org.mmspec.reference.alloc.AllocFlags;
import org.mmspec.reference.alloc.Gfp;
import org.mmspec.reference.alloc.MachineConfig;
import org.mmspec.reference.alloc.PageAlloc;
import org.mmspec.reference.alloc.RejectedOperationException;
import org.mmspec.reference.alloc.SlowpathHooks;
import org.mmspec.reference.alloc.Zone;
import org.mmspec.reference.alloc.ZoneConfig;
import org.mmspec.reference.alloc.ZoneType;
import org.mmspec.reference.migrate.MigrateMode;
import org.mmspec.reference.page.MemMap;
import org.mmspec.reference.page.PageFlags;

/**
 * Direct compaction against mm/compaction.c (compact_zone_order, try_to_compact_pages) and
 * mm/page_alloc.c (__alloc_pages_direct_compact, should_compact_retry), v6.18, and the model's
 * entry point {@link Compaction#directCompact}. Zones: "failing" is every page an unmovable
 * kernel page but the even pfns (8 free pages, no free order-1 block, nothing compaction can
 * move), where any run for order 1 is suitable (8 &gt; compact_gap(1)) and ends with the scanners
 * met; "all free" already holds every block.
 */
class CompactionDirectTest {
    static final int MOVABLE_NOWAIT = Gfp.GFP_HIGHUSER_MOVABLE & ~Gfp.__GFP_DIRECT_RECLAIM;

    static Machine failing(MachineConfig c, long... free) {
        return CompactionPolicyTest.withFree(c, free);
    }

    static Machine failingTiny() {
        return failing(CompactionTest.tiny(), CompactionPolicyTest.EVEN_0_16);
    }

    static PageAlloc.AllocContext ac(int highest) {
        PageAlloc.AllocContext ac = new PageAlloc.AllocContext();
        ac.highest_zoneidx = highest;
        ac.preferred = 0;
        return ac;
    }

    /** The zone index of every run that got past compaction_suit_allocation_order() ("round 0"), and its control. */
    static List<CompactControl> observeRuns(Compaction c) {
        List<CompactControl> runs = new ArrayList<>();
        c.setRoundObserver(cc -> {
            if (cc.rounds == 0) runs.add(cc);
        });
        return runs;
    }

    // ------------------------------------------------------------------ directCompact's arguments

    // Pins the model's entry point: orders 1..MAX_PAGE_ORDER, priorities COMPACT_PRIO_SYNC_FULL (0)
    // .. COMPACT_PRIO_ASYNC (2), gfp masks gfp_migratetype() accepts and that may reclaim directly
    // (__alloc_pages_slowpath() compacts only with __GFP_DIRECT_RECLAIM); anything else is
    // rejected and changes nothing.
    @Test
    void directCompactArgumentBounds() {
        Machine m = new Machine(CompactionTest.tiny());
        m.enableCompaction();
        Compaction c = m.compaction();
        long fp = m.fingerprint();
        assertThrows(RejectedOperationException.class, () -> c.directCompact(Gfp.GFP_KERNEL, 0, COMPACT_PRIO_ASYNC));
        assertThrows(RejectedOperationException.class, () -> c.directCompact(Gfp.GFP_KERNEL, 5, COMPACT_PRIO_ASYNC));
        assertThrows(RejectedOperationException.class, () -> c.directCompact(Gfp.GFP_KERNEL, 1, -1));
        assertThrows(RejectedOperationException.class, () -> c.directCompact(Gfp.GFP_KERNEL, 1, 3));
        assertThrows(RejectedOperationException.class,
                () -> c.directCompact(Gfp.GFP_KERNEL | Gfp.__GFP_MOVABLE | Gfp.__GFP_RECLAIMABLE, 1, COMPACT_PRIO_ASYNC));
        assertThrows(RejectedOperationException.class, () -> c.directCompact(Gfp.GFP_KERNEL & ~Gfp.__GFP_DIRECT_RECLAIM, 1,
                COMPACT_PRIO_ASYNC));
        assertEquals(fp, m.fingerprint());
        assertEquals(0, c.events.runs);
        // the bounds themselves are accepted: with every block free, compaction_suit_allocation_order()
        // says COMPACT_SUCCESS and the page comes from the free lists
        assertEquals(0, c.directCompact(Gfp.GFP_KERNEL, 4, COMPACT_PRIO_SYNC_FULL));
        m.freePages(0, 4);
        assertEquals(0, c.directCompact(Gfp.GFP_KERNEL, 1, COMPACT_PRIO_ASYNC));
        assertEquals(2, c.events.compactSuccess);
    }

    // Pins the zonelist walk: a gfp whose highest zone (gfp_zone(__GFP_DMA) = ZONE_DMA) has no
    // populated zone at or below it has no preferred zone: nothing is compacted, -1.
    @Test
    void noZoneForTheGfpIsMinusOne() {
        Machine m = new Machine(CompactionTest.tiny());
        m.enableCompaction();
        assertEquals(-1, m.compaction().directCompact(Gfp.GFP_KERNEL | Gfp.__GFP_DMA, 1, COMPACT_PRIO_ASYNC));
        assertEquals(0, m.compaction().events.runs);
        assertEquals(0, m.compaction().events.compactStall);
    }

    // Pins prepare_alloc_pages()'s preferred zone: the first zonelist entry (the highest zone) at or
    // below gfp_zone(); get_page_from_freelist() after compaction starts there - Normal, not DMA.
    @Test
    void thePageComesFromThePreferredZone() {
        Machine m = new Machine(CompactControlTest.twoZones());
        m.enableCompaction();
        long pfn = m.compaction().directCompact(Gfp.GFP_KERNEL, 1, COMPACT_PRIO_ASYNC);
        assertTrue(pfn >= 16, "Normal (pfns 16..31) first: " + pfn);
        assertEquals(1, m.compaction().events.runs, "compaction stopped at Normal's COMPACT_SUCCESS");
    }

    // Pins __alloc_pages_direct_compact(): COMPACT_SKIPPED returns NULL without counting a
    // COMPACTSTALL; the model returns -1 (not the pfn of MemMap.NIL) - here in a zone at pfn 16.
    @Test
    void skippedIsNoStallAndMinusOne() {
        MachineConfig hi = MachineConfig.of("hi", 4, 2, List.of(ZoneConfig.of(ZoneType.NORMAL, 16, 16))).withMinFreeKbytes(0);
        Machine m = failing(hi); // everything allocated
        Compaction c = m.compaction();
        assertEquals(-1, c.directCompact(Gfp.GFP_KERNEL, 1, COMPACT_PRIO_ASYNC));
        assertEquals(0, c.events.compactStall);
        assertEquals(0, c.events.compactFail);
        assertEquals(1, c.events.results[COMPACT_SKIPPED]);
    }

    // Pins mm/page_alloc.c, __alloc_pages_direct_compact(): order 0 is never compacted.
    @Test
    void orderZeroIsNotCompacted() {
        Machine m = new Machine(CompactionTest.tiny());
        m.enableCompaction();
        Compaction c = m.compaction();
        SlowpathHooks.CompactOutcome o = c.__alloc_pages_direct_compact(m.pageAlloc(), Gfp.GFP_KERNEL, 0,
                AllocFlags.ALLOC_WMARK_MIN, ac(2), COMPACT_PRIO_ASYNC);
        assertEquals(MemMap.NIL, o.page());
        assertEquals(COMPACT_SKIPPED, o.result());
        assertEquals(0, c.events.runs);
        assertEquals(0, c.events.compactStall);
    }

    // Pins __alloc_pages_direct_compact(): a run that produced no page counts COMPACTSTALL and
    // COMPACTFAIL; try_to_compact_pages() defers the zone only after a sync run (COMPACT_COMPLETE).
    @Test
    void aFailedRunCountsAFailureAndOnlySyncDefers() {
        Machine m = failingTiny();
        Compaction c = m.compaction();
        Zone z = m.zone(ZoneType.NORMAL);
        assertEquals(-1, c.directCompact(Gfp.GFP_KERNEL, 1, COMPACT_PRIO_ASYNC));
        assertEquals(1, c.events.compactStall);
        assertEquals(1, c.events.compactFail);
        assertEquals(0, c.events.compactSuccess);
        assertEquals(0, z.compactDeferShift, "async: not deferred");
        assertEquals(-1, c.directCompact(Gfp.GFP_KERNEL, 1, COMPACT_PRIO_SYNC_LIGHT));
        assertEquals(2, c.events.compactFail);
        assertEquals(1, z.compactDeferShift, "sync light, COMPACT_COMPLETE: defer_compaction()");
        assertEquals(1, c.events.deferrals);
    }

    // Pins __alloc_pages_direct_compact(): when the allocation succeeds, compact_blockskip_flush is
    // cleared and compaction_defer_reset(zone, order, true) clears the deferral.
    @Test
    void aSuccessResetsTheDeferralAndTheFlush() {
        Machine m = new Machine(CompactionTest.tiny());
        m.enableCompaction();
        Zone z = m.zone(ZoneType.NORMAL);
        z.compactDeferShift = 3;
        z.compactConsidered = 8; // == 1 << 3: compaction_deferred() lets this attempt through
        z.compactOrderFailed = 1;
        z.compactBlockskipFlush = true;
        assertEquals(0, m.compaction().directCompact(Gfp.GFP_KERNEL, 1, COMPACT_PRIO_ASYNC));
        assertEquals(0, z.compactDeferShift);
        assertEquals(0, z.compactConsidered);
        assertEquals(2, z.compactOrderFailed);
        assertFalse(z.compactBlockskipFlush);
        assertEquals(1, m.compaction().events.compactSuccess);
    }

    /**
     * Anonymous pages at every pfn but 1, 5, 9, 13, 15: no free order-1 block, 5 free pages. The
     * migration scanner starts in pageblock 0; moving a folio of 0, 2 or 3 frees a buddy that
     * merges into an order-1 block.
     */
    static Machine capturable() {
        Machine m = CompactionTest.machine(CompactionTest.tiny());
        CompactionTest.fill(m, 1, CompactionTest.A, 16);
        for (long p : new long[] {1, 5, 9, 13, 15}) m.rmap().munmap(1, CompactionTest.A + p, 1);
        Zone z = m.zone(ZoneType.NORMAL);
        assertEquals(5, z.nrFreePages, "set-up");
        assertEquals(5, z.nrFree[0], "set-up");
        return m;
    }

    // Pins mm/compaction.c, compact_zone_order(): with current->capture_control installed, the
    // order-1 block a migration frees is captured (compaction_capture() in mm/page_alloc.c) and the
    // result is COMPACT_SUCCESS; __alloc_pages_direct_compact() preps that page.
    @Test
    void aFreedBlockIsCapturedForTheDirectCompactor() {
        Machine m = capturable();
        Compaction c = m.compaction();
        // MIN_COMPACT_PRIORITY: the whole zone, the free scanner from the zone end (a fresh zone's
        // compact_cached_free_pfn is 0, as the kernel leaves it, so a cached-position run of a zone
        // at pfn 0 would find the scanners met at once)
        long pfn = c.directCompact(Gfp.GFP_HIGHUSER_MOVABLE, 1, COMPACT_PRIO_SYNC_FULL);
        assertTrue(pfn >= 0 && pfn % 2 == 0, "an order-1 block: " + pfn + " " + c.events.figures());
        assertEquals(1, c.events.captured);
        assertEquals(1, c.events.compactSuccess);
        assertEquals(0, c.events.compactFail);
        assertFalse(m.rmap().contents().containsKey(pfn) || m.rmap().contents().containsKey(pfn + 1),
                "the captured block holds no anonymous page");
        int idx = m.mem().idx(pfn);
        assertEquals(1, m.mem().refcount[idx], "prep_new_page() on the captured page");
        assertTrue((m.mem().flags[idx] & PageFlags.MODEL_ALLOC_HEAD) != 0, "an allocated head");
        assertEquals(1, m.mem().order[idx]);
        assertEquals(0, m.warnings().count(), m.warnings().messages().toString());
        long free = m.zone(ZoneType.NORMAL).nrFreePages;
        m.freePages(pfn, 1);
        assertEquals(free + 2, m.zone(ZoneType.NORMAL).nrFreePages);
        assertEquals(0, m.warnings().count(), m.warnings().messages().toString());
    }

    // Pins mm/compaction.c, compact_zone_order(): WRITE_ONCE(current->capture_control, NULL) after
    // compact_zone(): a block of the order freed later goes to the free lists, not to a stale capture.
    @Test
    void theCaptureControlIsRemovedAfterTheRun() {
        Machine m = failingTiny();
        Compaction c = m.compaction();
        Zone z = m.zone(ZoneType.NORMAL);
        assertEquals(-1, c.directCompact(Gfp.GFP_KERNEL, 1, COMPACT_PRIO_SYNC_LIGHT), "nothing captured, nothing found");
        assertEquals(0, c.events.captured);
        m.freePages(1, 0); // merges with free pfn 0 into an order-1 block
        assertEquals(9, z.nrFreePages);
        assertEquals(1, z.nrFree[1]);
    }

    // Pins mm/compaction.c, compact_zone_order(): MIGRATE_ASYNC at COMPACT_PRIO_ASYNC, else
    // MIGRATE_SYNC_LIGHT; at MIN_COMPACT_PRIORITY (SYNC_FULL) whole_zone, ignore_skip_hint and
    // ignore_block_suitable; always direct_compaction.
    @Test
    void compactZoneOrderBuildsTheControlFromThePriority() {
        for (int prio : new int[] {COMPACT_PRIO_ASYNC, COMPACT_PRIO_SYNC_LIGHT, COMPACT_PRIO_SYNC_FULL}) {
            Machine m = failingTiny();
            List<CompactControl> runs = observeRuns(m.compaction());
            m.compaction().directCompact(Gfp.GFP_KERNEL, 1, prio);
            assertEquals(1, runs.size(), "prio " + prio);
            CompactControl cc = runs.get(0);
            assertEquals(prio == COMPACT_PRIO_ASYNC ? MigrateMode.MIGRATE_ASYNC : MigrateMode.MIGRATE_SYNC_LIGHT, cc.mode);
            boolean min = prio == COMPACT_PRIO_SYNC_FULL;
            assertEquals(List.of(min, min, true, false), List.of(cc.ignore_skip_hint, cc.ignore_block_suitable,
                    cc.direct_compaction, cc.proactive_compaction), "prio " + prio);
            assertEquals(1, cc.order);
            assertEquals(Gfp.GFP_KERNEL, cc.gfp_mask);
        }
    }

    // ------------------------------------------------------------------ try_to_compact_pages

    // Pins mm/compaction.c, try_to_compact_pages(): !gfp_compaction_allowed() (no __GFP_IO)
    // returns COMPACT_SKIPPED before any zone.
    @Test
    void noIoNoCompaction() {
        Machine m = failingTiny();
        Compaction c = m.compaction();
        int[] cap = {MemMap.NIL};
        assertEquals(COMPACT_SKIPPED, c.try_to_compact_pages(Gfp.GFP_NOIO, 1, AllocFlags.ALLOC_WMARK_MIN, ac(2),
                COMPACT_PRIO_ASYNC, cap));
        assertEquals(0, c.events.runs);
        assertEquals(COMPACT_COMPLETE, c.try_to_compact_pages(Gfp.GFP_NOFS, 1, AllocFlags.ALLOC_WMARK_MIN, ac(2),
                COMPACT_PRIO_ASYNC, cap), "GFP_NOFS has __GFP_IO");
        assertEquals(1, c.events.runs);
    }

    // Pins try_to_compact_pages(): for_each_zone_zonelist_nodemask up to ac->highest_zoneidx,
    // the highest zone first; zones above it are not compacted.
    @Test
    void onlyZonesUpToTheHighestIndex() {
        long[] free = {0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30};
        Machine m = failing(CompactControlTest.twoZones(), free);
        Compaction c = m.compaction();
        List<CompactControl> runs = observeRuns(c);
        int[] cap = {MemMap.NIL};
        assertEquals(COMPACT_COMPLETE, c.try_to_compact_pages(Gfp.GFP_KERNEL, 1, AllocFlags.ALLOC_WMARK_MIN, ac(0),
                COMPACT_PRIO_ASYNC, cap));
        assertEquals(List.of(0), runs.stream().map(r -> r.zone.idx).toList());
        runs.clear();
        // Normal (pfns 16..31) starts above compact_init_migrate_pfn 0: not a whole-zone run, so
        // COMPACT_PARTIAL_SKIPPED, the larger result
        assertEquals(COMPACT_PARTIAL_SKIPPED, c.try_to_compact_pages(Gfp.GFP_KERNEL, 1, AllocFlags.ALLOC_WMARK_MIN, ac(2),
                COMPACT_PRIO_ASYNC, cap));
        assertEquals(List.of(2, 0), runs.stream().map(r -> r.zone.idx).toList());
    }

    // Pins try_to_compact_pages(): above MIN_COMPACT_PRIORITY a deferred zone is skipped with
    // COMPACT_DEFERRED; at MIN_COMPACT_PRIORITY deferral is not consulted.
    @Test
    void deferredZonesAreSkippedExceptAtTheMinimumPriority() {
        Machine m = failingTiny();
        Compaction c = m.compaction();
        Zone z = m.zone(ZoneType.NORMAL);
        z.compactDeferShift = 2;
        int[] cap = {MemMap.NIL};
        assertEquals(COMPACT_DEFERRED, c.try_to_compact_pages(Gfp.GFP_KERNEL, 1, AllocFlags.ALLOC_WMARK_MIN, ac(2),
                COMPACT_PRIO_ASYNC, cap));
        assertEquals(0, c.events.runs);
        assertEquals(1, z.compactConsidered);
        assertEquals(COMPACT_COMPLETE, c.try_to_compact_pages(Gfp.GFP_KERNEL, 1, AllocFlags.ALLOC_WMARK_MIN, ac(2),
                COMPACT_PRIO_SYNC_FULL, cap));
        assertEquals(1, c.events.runs, "compaction_deferred() not consulted");
        assertEquals(0, z.compactConsidered, "the sync COMPACT_COMPLETE deferred the zone again");
        assertEquals(3, z.compactDeferShift);
    }

    // Pins try_to_compact_pages(): COMPACT_SUCCESS in a zone stops the walk and calls
    // compaction_defer_reset(zone, order, false): compact_order_failed = order + 1, the deferral kept.
    @Test
    void successStopsTheWalkAndRaisesOrderFailed() {
        Machine m = new Machine(CompactControlTest.twoZones());
        m.enableCompaction();
        Compaction c = m.compaction();
        Zone normal = m.zone(ZoneType.NORMAL);
        normal.compactDeferShift = 1;
        normal.compactConsidered = 2;
        int[] cap = {MemMap.NIL};
        assertEquals(COMPACT_SUCCESS, c.try_to_compact_pages(Gfp.GFP_KERNEL, 1, AllocFlags.ALLOC_WMARK_MIN, ac(2),
                COMPACT_PRIO_ASYNC, cap));
        assertEquals(1, c.events.runs, "DMA not tried");
        assertEquals(2, normal.compactOrderFailed);
        assertEquals(0, m.zone(ZoneType.DMA).compactOrderFailed);
        assertEquals(1, normal.compactDeferShift);
        assertEquals(2, normal.compactConsidered);
    }

    // Pins try_to_compact_pages(): a sync run ending COMPACT_PARTIAL_SKIPPED (it started from the
    // cached positions, not the zone start) defers the zone too.
    @Test
    void aPartialSyncRunDefers() {
        Machine m = failingTiny();
        Compaction c = m.compaction();
        Zone z = m.zone(ZoneType.NORMAL);
        z.compactCachedMigratePfn[0] = 8;
        z.compactCachedMigratePfn[1] = 8;
        int[] cap = {MemMap.NIL};
        assertEquals(COMPACT_PARTIAL_SKIPPED, c.try_to_compact_pages(Gfp.GFP_KERNEL, 1, AllocFlags.ALLOC_WMARK_MIN, ac(2),
                COMPACT_PRIO_SYNC_LIGHT, cap));
        assertEquals(1, z.compactDeferShift);
        assertEquals(1, c.events.deferrals);
    }

    // Pins try_to_compact_pages(): only COMPACT_COMPLETE and COMPACT_PARTIAL_SKIPPED defer; a sync
    // attempt that compaction_suit_allocation_order() skipped (COMPACT_SKIPPED) does not.
    @Test
    void aSkippedSyncAttemptDoesNotDefer() {
        Machine m = failing(CompactionTest.tiny()); // nothing free
        Compaction c = m.compaction();
        int[] cap = {MemMap.NIL};
        assertEquals(COMPACT_SKIPPED, c.try_to_compact_pages(Gfp.GFP_KERNEL, 1, AllocFlags.ALLOC_WMARK_MIN, ac(2),
                COMPACT_PRIO_SYNC_LIGHT, cap));
        assertEquals(0, m.zone(ZoneType.NORMAL).compactDeferShift);
        assertEquals(0, c.events.deferrals);
    }

    // ------------------------------------------------------------------ should_compact_retry

    // Pins mm/page_alloc.c, should_compact_retry(): never for order 0; after COMPACT_SKIPPED, what
    // compaction_zonelist_suitable() says, leaving the priority alone.
    @Test
    void retryAfterSkippedAsksTheZonelist() {
        Machine full = failing(CompactionTest.tiny());
        Compaction c = full.compaction();
        PageAlloc.AllocContext ac = ac(2);
        assertFalse(c.should_compact_retry(full.pageAlloc(), ac, 0, 0, COMPACT_SUCCESS), "order 0");
        assertEquals(0, ac.compaction_retries);
        assertFalse(c.should_compact_retry(full.pageAlloc(), ac, 1, 0, COMPACT_SKIPPED), "nothing free, nothing reclaimable");
        assertEquals(COMPACT_PRIO_ASYNC, ac.compact_priority, "goto out: the priority stays");
        Machine free = failingTiny();
        assertTrue(free.compaction().should_compact_retry(free.pageAlloc(), ac, 1, 0, COMPACT_SKIPPED), "8 > 0 + 4");
        assertEquals(COMPACT_PRIO_ASYNC, ac.compact_priority);
    }

    // Pins should_compact_retry() after COMPACT_SUCCESS: up to MAX_COMPACT_RETRIES (16) retries for
    // orders up to PAGE_ALLOC_COSTLY_ORDER, a quarter (4) above; then the priority path.
    @Test
    void retriesAfterSuccessThenRaiseThePriority() {
        Machine m = failingTiny();
        Compaction c = m.compaction();
        PageAlloc pa = m.pageAlloc();
        for (int order : new int[] {3, 4}) {
            PageAlloc.AllocContext ac = ac(2);
            int max = order == 3 ? 16 : 4;
            for (int i = 1; i <= max; i++) {
                assertTrue(c.should_compact_retry(pa, ac, order, 0, COMPACT_SUCCESS), "order " + order + " retry " + i);
                assertEquals(i, ac.compaction_retries);
                assertEquals(COMPACT_PRIO_ASYNC, ac.compact_priority);
            }
            assertTrue(c.should_compact_retry(pa, ac, order, 0, COMPACT_SUCCESS), "retries used up: raise the priority");
            assertEquals(COMPACT_PRIO_SYNC_LIGHT, ac.compact_priority);
            assertEquals(0, ac.compaction_retries);
        }
    }

    // Pins should_compact_retry() after a failure: raise the priority (lower value) down to
    // MIN_COMPACT_PRIORITY (SYNC_FULL), or MIN_COMPACT_COSTLY_PRIORITY (SYNC_LIGHT) for costly orders.
    @Test
    void failuresRaiseThePriorityToTheMinimum() {
        Machine m = failingTiny();
        Compaction c = m.compaction();
        PageAlloc pa = m.pageAlloc();
        PageAlloc.AllocContext ac = ac(2);
        ac.compaction_retries = 5;
        assertTrue(c.should_compact_retry(pa, ac, 3, 0, COMPACT_COMPLETE));
        assertEquals(COMPACT_PRIO_SYNC_LIGHT, ac.compact_priority);
        assertEquals(0, ac.compaction_retries);
        assertTrue(c.should_compact_retry(pa, ac, 3, 0, COMPACT_COMPLETE), "order 3 is not costly: SYNC_FULL too");
        assertEquals(COMPACT_PRIO_SYNC_FULL, ac.compact_priority);
        assertFalse(c.should_compact_retry(pa, ac, 3, 0, COMPACT_COMPLETE), "at MIN_COMPACT_PRIORITY");
        assertEquals(COMPACT_PRIO_SYNC_FULL, ac.compact_priority);
        PageAlloc.AllocContext costly = ac(2);
        assertTrue(c.should_compact_retry(pa, costly, 4, 0, COMPACT_DEFERRED));
        assertEquals(COMPACT_PRIO_SYNC_LIGHT, costly.compact_priority);
        assertFalse(c.should_compact_retry(pa, costly, 4, 0, COMPACT_DEFERRED), "costly: stop at SYNC_LIGHT");
        assertEquals(COMPACT_PRIO_SYNC_LIGHT, costly.compact_priority);
    }
}
