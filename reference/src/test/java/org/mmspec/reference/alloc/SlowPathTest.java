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
}
