package org.mmspec.reference.alloc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mmspec.reference.alloc.Gfp.*;
import static org.mmspec.reference.alloc.SlowpathHooks.*;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.mmspec.reference.Fixtures;
import org.mmspec.reference.Machine;
import org.mmspec.reference.page.MemMap;

/**
 * __alloc_pages_slowpath() (mm/page_alloc.c, v6.18) on an exhausted zone, with recording hooks
 * standing in for direct reclaim and direct compaction, so each test can assert which path the
 * allocation took: the initial compaction attempt, how many reclaim/compaction rounds
 * should_reclaim_retry() allows (MAX_RECLAIM_RETRIES = 16, mm/internal.h), the __GFP_NORETRY,
 * costly-order and __GFP_RETRY_MAYFAIL exits, should_compact_retry(), and whether the OOM point
 * (__alloc_pages_may_oom()) is reached.
 */
class SlowPathTest {

    /** Records every call; the answers are set per test. */
    static final class Rec implements SlowpathHooks {
        long reclaimable;
        long progress;
        int compactRetries; // how many times should_compact_retry says yes
        CompactOutcome firstCompact = SKIPPED;
        Runnable onReclaim;
        final List<String> calls = new ArrayList<>();

        @Override
        public long __perform_reclaim(PageAlloc pa, int gfp_mask, int order, PageAlloc.AllocContext ac) {
            calls.add("reclaim");
            if (onReclaim != null) onReclaim.run();
            return progress;
        }

        @Override
        public CompactOutcome __alloc_pages_direct_compact(PageAlloc pa, int gfp_mask, int order, int alloc_flags,
                                                           PageAlloc.AllocContext ac, int prio) {
            boolean first = calls.stream().noneMatch(s -> s.startsWith("compact"));
            calls.add("compact/" + prio);
            return first ? firstCompact : SKIPPED;
        }

        @Override
        public long zone_reclaimable_pages(PageAlloc pa, Zone zone) {
            return reclaimable;
        }

        @Override
        public boolean should_compact_retry(PageAlloc pa, PageAlloc.AllocContext ac, int order, int alloc_flags,
                                            int compact_result) {
            calls.add("compact_retry");
            return compactRetries-- > 0;
        }

        long count(String s) {
            return calls.stream().filter(c -> c.equals(s)).count();
        }
    }

    Machine m;
    Rec rec;
    long oomBefore;
    long slowBefore;
    long stuckBefore;
    List<Long> held;

    /** Normal [0x100, 0x500) with every page allocated by GFP_KERNEL, then the recorder installed. */
    private void exhausted(Rec r) {
        m = new Machine(Fixtures.normal1k());
        m.pageAlloc().setHooks(SlowpathHooks.NONE);
        held = Fixtures.allocUntilFailure(m, GFP_ATOMIC, 0x500);
        assertTrue(m.zone(ZoneType.NORMAL).nrFreePages < m.zone(ZoneType.NORMAL).minWmarkPages());
        rec = r;
        m.pageAlloc().setHooks(r);
        oomBefore = m.stats().outOfMemory;
        slowBefore = m.stats().slowpath;
        stuckBefore = m.stats().nofailStuck;
    }

    private long oom() {
        return m.stats().outOfMemory - oomBefore;
    }

    // should_reclaim_retry(): no progress increments no_progress_loops; while it is <=
    // MAX_RECLAIM_RETRIES (16) and free + reclaimable pages pass the min watermark the slow path
    // retries, so reclaim and compaction run 17 times; then (no highatomic to unreserve, no
    // progress so no should_compact_retry) __alloc_pages_may_oom() is reached once.
    @Test
    void noProgressWithReclaimablePagesRetriesSixteenTimesThenOoms() {
        Rec r = new Rec();
        r.reclaimable = 1 << 20;
        exhausted(r);
        assertEquals(-1, m.allocPages(GFP_KERNEL, 0));
        assertEquals(17, rec.count("reclaim"));
        assertEquals(17, rec.count("compact/" + DEF_COMPACT_PRIORITY), rec.calls.toString());
        assertEquals(0, rec.count("compact_retry"));
        assertEquals(34, rec.calls.size(), "no initial compaction for order 0");
        assertEquals(1, oom());
        assertEquals(1, m.stats().slowpath - slowBefore);
    }

    // should_reclaim_retry(): nothing reclaimable, so the min-watermark check on free + reclaimable
    // fails at once: one reclaim round, one compaction round, then the OOM point.
    @Test
    void nothingReclaimableGivesUpAfterOneRound() {
        exhausted(new Rec());
        assertEquals(-1, m.allocPages(GFP_KERNEL, 0));
        assertEquals(List.of("reclaim", "compact/" + DEF_COMPACT_PRIORITY), rec.calls);
        assertEquals(1, oom());
    }

    // __alloc_pages_slowpath(): progress with a reclaimable order-0 request resets no_progress_loops;
    // with the watermark check failing, should_compact_retry() (only asked when did_some_progress)
    // decides: two yeses give three rounds, then the OOM point.
    @Test
    void progressAsksShouldCompactRetry() {
        Rec r = new Rec();
        r.progress = 1;
        r.compactRetries = 2;
        exhausted(r);
        assertEquals(-1, m.allocPages(GFP_KERNEL, 0));
        assertEquals(3, rec.count("reclaim"));
        assertEquals(3, rec.count("compact_retry"));
        assertEquals(1, oom());
    }

    // GFP_ATOMIC / GFP_NOWAIT cannot direct-reclaim: "if (!can_direct_reclaim) goto nopage";
    // no reclaim, no compaction, no OOM; kswapd is woken (ALLOC_KSWAPD).
    @Test
    void nonBlockingRequestsFailWithoutReclaimOrOom() {
        exhausted(new Rec());
        long wakes = m.stats().kswapdWakeups;
        assertEquals(-1, m.allocPages(GFP_NOWAIT, 0));
        assertEquals(-1, m.allocPages(GFP_ATOMIC, 3));
        assertEquals(List.of(), rec.calls);
        assertEquals(0, oom());
        assertTrue(m.stats().kswapdWakeups > wakes, "wake_all_kswapds() for ALLOC_KSWAPD");
        assertEquals(2, m.stats().slowpath - slowBefore);
    }

    // __GFP_NORETRY: "if (gfp_mask & __GFP_NORETRY) goto nopage" after one reclaim + compaction
    // round, before should_reclaim_retry() and before the OOM point.
    @Test
    void noretryStopsAfterOneRound() {
        Rec r = new Rec();
        r.reclaimable = 1 << 20;
        exhausted(r);
        assertEquals(-1, m.allocPages(GFP_KERNEL | __GFP_NORETRY, 0));
        assertEquals(List.of("reclaim", "compact/" + DEF_COMPACT_PRIORITY), rec.calls);
        assertEquals(0, oom());
    }

    // __GFP_RETRY_MAYFAIL: retries as usual but __alloc_pages_may_oom() does not call the OOM
    // killer ("if (gfp_mask & __GFP_RETRY_MAYFAIL) goto out").
    @Test
    void retryMayfailRetriesButNeverOoms() {
        Rec r = new Rec();
        r.reclaimable = 1 << 20;
        exhausted(r);
        assertEquals(-1, m.allocPages(GFP_KERNEL | __GFP_RETRY_MAYFAIL, 0));
        assertEquals(17, rec.count("reclaim"));
        assertEquals(0, oom());
    }

    // Costly order (> PAGE_ALLOC_COSTLY_ORDER = 3): the initial async compaction runs first
    // (INIT_COMPACT_PRIORITY), then one reclaim + compaction round, then "if (costly_order &&
    // (!can_compact || !(gfp_mask & __GFP_RETRY_MAYFAIL))) goto nopage"; the OOM killer is not
    // invoked for costly orders ("if (order > PAGE_ALLOC_COSTLY_ORDER) goto out").
    @Test
    void costlyOrderCompactsFirstAndGivesUpWithoutOom() {
        Rec r = new Rec();
        r.reclaimable = 1 << 20;
        exhausted(r);
        assertEquals(-1, m.allocPages(GFP_KERNEL, 4));
        assertEquals(List.of("compact/" + INIT_COMPACT_PRIORITY, "reclaim", "compact/" + DEF_COMPACT_PRIORITY), rec.calls);
        assertEquals(0, oom());
    }

    // Order 3 is not costly: it retries as order 0 does (17 rounds), and it is unmovable and order > 0,
    // so the initial compaction runs too; it reaches the OOM point.
    @Test
    void orderThreeUnmovableCompactsFirstAndRetriesAsNonCostly() {
        Rec r = new Rec();
        r.reclaimable = 1 << 20;
        exhausted(r);
        assertEquals(-1, m.allocPages(GFP_KERNEL, 3));
        assertEquals("compact/" + INIT_COMPACT_PRIORITY, rec.calls.get(0));
        assertEquals(17, rec.count("reclaim"));
        assertEquals(1, oom());
    }

    // The initial compaction is skipped for order-0 and for movable order > 0 requests below costly:
    // "(costly_order || (order > 0 && ac->migratetype != MIGRATE_MOVABLE))".
    @Test
    void movableSmallOrderSkipsTheInitialCompaction() {
        exhausted(new Rec());
        assertEquals(-1, m.allocPages(GFP_HIGHUSER_MOVABLE, 1));
        assertEquals(List.of("reclaim", "compact/" + DEF_COMPACT_PRIORITY), rec.calls);
        assertEquals(1, oom());
    }

    // Costly __GFP_NORETRY: after the initial compaction, COMPACT_SKIPPED / COMPACT_DEFERRED mean
    // "goto nopage" without any reclaim; another result goes on to reclaim (with compact_priority
    // reset to INIT_COMPACT_PRIORITY) and stops after one round for __GFP_NORETRY.
    @Test
    void costlyNoretryGivesUpAfterASkippedOrDeferredInitialCompaction() {
        for (int res : new int[] {COMPACT_SKIPPED, COMPACT_DEFERRED}) {
            Rec r = new Rec();
            r.firstCompact = new CompactOutcome(MemMap.NIL, res);
            exhausted(r);
            assertEquals(-1, m.allocPages(GFP_KERNEL | __GFP_NORETRY, 4));
            assertEquals(List.of("compact/" + INIT_COMPACT_PRIORITY), rec.calls, "result " + res);
        }
        Rec r = new Rec();
        r.firstCompact = new CompactOutcome(MemMap.NIL, COMPACT_COMPLETE);
        exhausted(r);
        assertEquals(-1, m.allocPages(GFP_KERNEL | __GFP_NORETRY, 4));
        assertEquals(List.of("compact/" + INIT_COMPACT_PRIORITY, "reclaim", "compact/" + INIT_COMPACT_PRIORITY), rec.calls);
        // not costly: no early exit whatever the result
        Rec r3 = new Rec();
        exhausted(r3);
        assertEquals(-1, m.allocPages(GFP_KERNEL | __GFP_NORETRY, 3));
        assertEquals(List.of("compact/" + INIT_COMPACT_PRIORITY, "reclaim", "compact/" + DEF_COMPACT_PRIORITY), rec.calls);
    }

    // __alloc_pages_direct_reclaim(): after progress get_page_from_freelist() is retried, so pages
    // reclaim freed are handed to the caller. The zone is left with exactly min free pages, which
    // fails __zone_watermark_ok() ("if (free_pages <= min + z->lowmem_reserve[highest_zoneidx])
    // return false") for the slow path's min-watermark attempt; reclaim frees two more.
    @Test
    void pagesFreedByReclaimAreAllocated() {
        Rec r = new Rec();
        r.progress = 2;
        exhausted(r);
        Zone z = m.zone(ZoneType.NORMAL);
        long min = z.minWmarkPages();
        while (z.nrFreePages < min) m.freePages(held.remove(held.size() - 1), 0);
        assertEquals(min, z.nrFreePages);
        List<Long> freed = new ArrayList<>();
        r.onReclaim = () -> {
            for (int i = 0; i < 2; i++) {
                long p = held.remove(held.size() - 1);
                freed.add(p);
                m.freePages(p, 0);
            }
        };
        long pfn = m.allocPages(GFP_KERNEL, 0);
        assertTrue(pfn >= 0);
        assertEquals(List.of("reclaim"), rec.calls, "no compaction once the post-reclaim attempt succeeds");
        assertEquals(min + 1, z.nrFreePages);
        assertEquals(0, oom());
    }

    // The slow path wakes kswapd on entry and again at the top of every retry
    // ("if (alloc_flags & ALLOC_KSWAPD) wake_all_kswapds(order, gfp_mask, ac)"): 1 + 17 wakes for
    // seventeen rounds on an unbalanced node.
    @Test
    void kswapdIsWokenOnEntryAndOnEveryRetry() {
        Rec r = new Rec();
        r.reclaimable = 1 << 20;
        exhausted(r);
        long wakes = m.node().kswapdWakeups;
        assertEquals(-1, m.allocPages(GFP_KERNEL, 0));
        assertEquals(18, m.node().kswapdWakeups - wakes);
    }

    // Costly orders count every round as no progress; with __GFP_RETRY_MAYFAIL they keep retrying
    // while should_reclaim_retry() allows (17 rounds), but never OOM. Without __GFP_IO
    // (gfp_compaction_allowed() false) a costly request gives up after one round and is not compacted.
    @Test
    void costlyRetryMayfailRetriesOnlyWhenCompactionIsAllowed() {
        Rec r = new Rec();
        r.reclaimable = 1 << 20;
        r.progress = 1;
        exhausted(r);
        assertEquals(-1, m.allocPages(GFP_KERNEL | __GFP_RETRY_MAYFAIL, 4));
        assertEquals(17, rec.count("reclaim"), "progress does not reset no_progress_loops for costly orders");
        assertEquals(18, rec.calls.stream().filter(c -> c.startsWith("compact/")).count());
        assertEquals(0, oom());

        Rec r2 = new Rec();
        r2.reclaimable = 1 << 20;
        exhausted(r2);
        assertEquals(-1, m.allocPages(GFP_NOIO | __GFP_RETRY_MAYFAIL, 4));
        assertEquals(List.of("reclaim", "compact/" + DEF_COMPACT_PRIORITY), rec.calls);
    }

    // __alloc_pages_may_oom(): "if (out_of_memory(&oc) || WARN_ON_ONCE_GFP(gfp_mask & __GFP_NOFAIL))
    // ... if (gfp_mask & __GFP_NOFAIL) page = __alloc_pages_cpuset_fallback(..., ALLOC_NO_WATERMARKS)":
    // a __GFP_NOFAIL request gets the last free pages, ignoring watermarks, with a warning.
    @Test
    void nofailAtTheOomPointIgnoresWatermarks() {
        exhausted(new Rec());
        assertTrue(m.zone(ZoneType.NORMAL).nrFreePages > 0);
        long warns = m.warnings().count();
        assertTrue(m.allocPages(GFP_KERNEL | __GFP_NOFAIL, 0) >= 0);
        assertEquals(1, oom());
        assertTrue(m.warnings().count() > warns, "WARN_ON_ONCE_GFP(gfp_mask & __GFP_NOFAIL)");
        assertEquals(stuckBefore, m.stats().nofailStuck);
    }

    // nopage: "if (gfp_mask & __GFP_NOFAIL) { ... page = __alloc_pages_cpuset_fallback(gfp_mask,
    // order, ALLOC_MIN_RESERVE, ac); if (page) goto got_pg; ... goto retry; }": with
    // __GFP_RETRY_MAYFAIL (no OOM) the request reaches nopage; ALLOC_MIN_RESERVE halves the min
    // watermark, so it succeeds above min/2 and (the model not looping forever) is counted as
    // stuck below it.
    @Test
    void nofailAtNopageUsesTheMinReserve() {
        exhausted(new Rec());
        Zone z = m.zone(ZoneType.NORMAL);
        assertTrue(z.nrFreePages <= z.minWmarkPages() / 2);
        assertEquals(-1, m.allocPages(GFP_KERNEL | __GFP_NOFAIL | __GFP_RETRY_MAYFAIL, 0));
        assertEquals(stuckBefore + 1, m.stats().nofailStuck);
        assertEquals(0, oom());
        while (z.nrFreePages < z.minWmarkPages()) m.freePages(held.remove(held.size() - 1), 0);
        assertTrue(m.allocPages(GFP_KERNEL | __GFP_NOFAIL | __GFP_RETRY_MAYFAIL, 0) >= 0);
        assertEquals(stuckBefore + 1, m.stats().nofailStuck);
    }

    // No zone at or below the request's highest zone index ("if (!zonelist_zone(ac->preferred_zoneref))
    // goto nopage"): a GFP_DMA request on a Normal-only node fails at once; with __GFP_NOFAIL the
    // kernel would retry for ever, which the model counts.
    @Test
    void noEligibleZoneFailsAtOnce() {
        exhausted(new Rec());
        assertEquals(-1, m.allocPages(GFP_KERNEL | GFP_DMA, 0));
        assertEquals(stuckBefore, m.stats().nofailStuck);
        assertEquals(-1, m.allocPages(GFP_KERNEL | GFP_DMA | __GFP_NOFAIL, 0));
        assertEquals(stuckBefore + 1, m.stats().nofailStuck);
        assertEquals(List.of(), rec.calls);
    }

    // Model limit (not kernel behaviour): a request that would retry for ever (reclaim always
    // reports progress, so no_progress_loops never grows) is cut off after
    // 4 * MAX_RECLAIM_RETRIES + 64 = 128 rounds and counted in nofailStuck.
    @Test
    void endlessRetryIsCutOffByTheModelsGuard() {
        Rec r = new Rec();
        r.reclaimable = 1 << 20;
        r.progress = 1;
        exhausted(r);
        assertEquals(-1, m.allocPages(GFP_KERNEL, 0));
        assertEquals(128, rec.count("reclaim"));
        assertEquals(stuckBefore + 1, m.stats().nofailStuck);
    }

    // should_reclaim_retry(): "if (did_some_progress && order <= PAGE_ALLOC_COSTLY_ORDER)
    // *no_progress_loops = 0": order 3 (== PAGE_ALLOC_COSTLY_ORDER) with progress never exhausts
    // its retries (only the model's guard stops it); order 4 with the same progress stops after 17.
    @Test
    void progressResetsTheLoopCounterUpToTheCostlyOrderInclusive() {
        Rec r = new Rec();
        r.reclaimable = 1 << 20;
        r.progress = 1;
        exhausted(r);
        assertEquals(-1, m.allocPages(GFP_KERNEL, 3));
        assertEquals(128, rec.count("reclaim"));
        Rec r4 = new Rec();
        r4.reclaimable = 1 << 20;
        r4.progress = 1;
        exhausted(r4);
        assertEquals(-1, m.allocPages(GFP_KERNEL | __GFP_RETRY_MAYFAIL, 4));
        assertEquals(17, rec.count("reclaim"));
    }
}
