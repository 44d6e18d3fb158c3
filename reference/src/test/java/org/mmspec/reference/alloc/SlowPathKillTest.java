package org.mmspec.reference.alloc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mmspec.reference.alloc.Gfp.*;
import static org.mmspec.reference.alloc.MigrateType.*;
import static org.mmspec.reference.alloc.SlowpathHooks.*;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.IntFunction;
import java.util.function.ToLongFunction;

import org.junit.jupiter.api.Test;
import org.mmspec.reference.Fixtures;
import org.mmspec.reference.Machine;
import org.mmspec.reference.page.MemMap;

/**
 * __alloc_pages_slowpath() and __alloc_pages() (mm/page_alloc.c, v6.18), the paths
 * {@link SlowPathTest} leaves open: a page handed back by direct compaction (captured through
 * compaction_capture()), __GFP_MEMALLOC's reserve_flags, no kswapd wakes without
 * __GFP_KSWAPD_RECLAIM, the unreserve after reclaim progress in __alloc_pages_direct_reclaim(),
 * should_reclaim_retry()'s zone walk and its free + reclaimable sum, defrag_mode dropping
 * ALLOC_NOFRAGMENT before OOM, the OOM point's high-watermark attempt, __GFP_NOFAIL at the OOM
 * point and at nopage, wake_all_kswapds(), and the ALLOC_NOFRAGMENT spreading the fast path
 * does from a preferred ZONE_NORMAL.
 */
class SlowPathKillTest {

    /** Records the calls; what each hook does is set per test. */
    static final class Hooks implements SlowpathHooks {
        long progress;
        ToLongFunction<Zone> reclaimable = z -> 0;
        Runnable onReclaim;
        /** Called with the 1-based number of the compaction call; returns a page or NIL. */
        IntFunction<Integer> onCompact = n -> MemMap.NIL;
        Runnable onCompactRetry;
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
            calls.add("compact");
            int n = (int) calls.stream().filter(c -> c.equals("compact")).count();
            int page = onCompact.apply(n);
            return new CompactOutcome(page, page == MemMap.NIL ? COMPACT_COMPLETE : COMPACT_SUCCESS);
        }

        @Override
        public long zone_reclaimable_pages(PageAlloc pa, Zone zone) {
            return reclaimable.applyAsLong(zone);
        }

        @Override
        public boolean should_compact_retry(PageAlloc pa, PageAlloc.AllocContext ac, int order, int alloc_flags,
                                            int compact_result) {
            calls.add("compact_retry");
            if (onCompactRetry != null) onCompactRetry.run();
            return false;
        }

        long count(String s) {
            return calls.stream().filter(c -> c.equals(s)).count();
        }
    }

    Machine m;
    PageAlloc pa;
    Zone z;
    Hooks h;
    List<Long> held;
    long oomBefore;
    long stuckBefore;

    /** The machine booted, drained by order-0 allocations of gfp until one fails, then h installed. */
    private void drained(MachineConfig cfg, int gfp) {
        m = new Machine(cfg);
        pa = m.pageAlloc();
        pa.setHooks(SlowpathHooks.NONE);
        z = m.zone(ZoneType.NORMAL);
        held = Fixtures.allocUntilFailure(m, gfp, 0x600);
        h = new Hooks();
        pa.setHooks(h);
        oomBefore = m.stats().outOfMemory;
        stuckBefore = m.stats().nofailStuck;
    }

    /** Normal [0x100, 0x500) drained by GFP_ATOMIC: free pages are left below min / 2, but some. */
    private void exhausted() {
        drained(Fixtures.normal1k(), GFP_ATOMIC);
        assertTrue(z.nrFreePages > 0 && z.nrFreePages < z.minWmarkPages() / 2, "free " + z.nrFreePages);
    }

    private long oom() {
        return m.stats().outOfMemory - oomBefore;
    }

    /**
     * The highest naturally aligned run of 1 &lt;&lt; order held pages: far from the mem_map's first
     * page, so a page index of 0 returned by mistake cannot pass for it.
     */
    private long heldRun(int order) {
        Set<Long> s = new HashSet<>(held);
        List<Long> desc = new ArrayList<>(held);
        desc.sort(java.util.Comparator.reverseOrder());
        for (long base : desc) {
            if ((base & ((1L << order) - 1)) != 0) continue;
            boolean all = true;
            for (long p = base; p < base + (1L << order) && all; p++) all = s.contains(p);
            if (all) return base;
        }
        throw new AssertionError("no held run of order " + order);
    }

    /**
     * What compact_zone_order() does with current->capture_control set: free the held run at base
     * (as migration would free its source pages) while capc is installed, so __free_one_page()
     * hands the merged block of cc->order to compaction_capture(); then prep_new_page() it.
     */
    private int captureRun(long base, int order, int migratetype) {
        CaptureControl capc = new CaptureControl(z, order, migratetype);
        pa.setCaptureControl(capc);
        for (long p = base; p < base + (1L << order); p++) {
            m.freePages(p, 0);
            held.remove(p);
        }
        pa.setCaptureControl(null);
        assertTrue(capc.page != MemMap.NIL, "captured");
        pa.prep_new_page(capc.page, order, 0, 0);
        return capc.page;
    }

    /** The head pfns of every free block, and every pfn inside them. */
    private Set<Long> freePfns() {
        Set<Long> s = new HashSet<>();
        for (Fixtures.FreeBlock b : Fixtures.freeBlocks(m, ZoneType.NORMAL).values()) {
            for (long p = b.pfn(); p < b.pfn() + (1L << b.order()); p++) s.add(p);
        }
        return s;
    }

    // __alloc_pages_slowpath(): a costly request first tries direct compaction at
    // INIT_COMPACT_PRIORITY, and "if (page) goto got_pg": the page compaction captured is what the
    // caller gets, with no reclaim. The captured block never reaches the free lists
    // (__free_one_page(): "if (compaction_capture(...)) { account_freepages(zone, -(1 << order),
    // migratetype); return; }"), so NR_FREE_PAGES does not move.
    @Test
    void thePageTheInitialCompactionCapturesIsReturned() {
        exhausted();
        long base = heldRun(4);
        assertTrue(base > m.mem().pfn(0));
        long free = z.nrFreePages;
        h.onCompact = n -> n == 1 ? captureRun(base, 4, MIGRATE_UNMOVABLE) : MemMap.NIL;
        assertEquals(base, m.allocPages(GFP_KERNEL, 4));
        assertEquals(List.of("compact"), h.calls);
        assertEquals(free, z.nrFreePages);
        m.freePages(base, 4); // a normal allocated block of order 4
        assertEquals(free + 16, z.nrFreePages);
    }

    // __alloc_pages_slowpath(): in the retry loop, after reclaim, "page =
    // __alloc_pages_direct_compact(...); if (page) goto got_pg". A costly __GFP_RETRY_MAYFAIL
    // request whose initial compaction fails gets the page the second compaction captures.
    @Test
    void thePageCompactionCapturesInTheRetryLoopIsReturned() {
        exhausted();
        long base = heldRun(4);
        h.onCompact = n -> n == 2 ? captureRun(base, 4, MIGRATE_UNMOVABLE) : MemMap.NIL;
        assertTrue(base > m.mem().pfn(0));
        assertEquals(base, m.allocPages(GFP_KERNEL | __GFP_RETRY_MAYFAIL, 4));
        assertEquals(List.of("compact", "reclaim", "compact"), h.calls);
    }

    // __alloc_pages_slowpath(): "reserve_flags = __gfp_pfmemalloc_flags(gfp_mask); if
    // (reserve_flags) alloc_flags = gfp_to_alloc_flags_cma(gfp_mask, reserve_flags) | (alloc_flags &
    // ALLOC_KSWAPD)": __GFP_MEMALLOC gets ALLOC_NO_WATERMARKS and takes a free page below the min
    // watermark before any reclaim; the same request without it fails.
    @Test
    void memallocTakesAFreePageBelowTheMinWatermark() {
        exhausted();
        Set<Long> wasFree = freePfns();
        long free = z.nrFreePages;
        long pfn = m.allocPages(GFP_KERNEL | __GFP_MEMALLOC, 0);
        assertTrue(wasFree.contains(pfn), "a page that was free, got 0x" + Long.toHexString(pfn));
        assertEquals(free - 1, z.nrFreePages);
        assertEquals(List.of(), h.calls, "the retry loop's first attempt succeeds: no reclaim");
        assertEquals(-1, m.allocPages(GFP_KERNEL, 0));
        assertEquals(List.of("reclaim", "compact"), h.calls);
    }

    // The reserve_flags replace alloc_flags rather than add to them: a non-blocking GFP_ATOMIC
    // order-1 request's ALLOC_HIGHATOMIC is gone, so get_page_from_freelist() does not call
    // reserve_highatomic_pageblock() ("if (unlikely(alloc_flags & ALLOC_HIGHATOMIC))
    // reserve_highatomic_pageblock(page, order, zone)") for the ALLOC_NO_WATERMARKS page.
    @Test
    void memallocAtomicHighOrderReservesNoHighatomicBlock() {
        exhausted();
        // an order-1 block among the last free pages, which GFP_ATOMIC's min/2 - min/8 forbids
        int order1 = 0;
        for (int o = 1; o < z.nrOrders(); o++) order1 += (int) z.nrFree[o];
        assertTrue(order1 > 0, "some free block of order >= 1 is left");
        long pfn = m.allocPages(GFP_ATOMIC | __GFP_MEMALLOC, 1);
        assertTrue(pfn >= 0);
        assertEquals(0, z.nrReservedHighatomic);
        assertEquals(0, m.stats().highatomicReserved);
    }

    // __alloc_pages_slowpath(): "if (alloc_flags & ALLOC_KSWAPD) wake_all_kswapds(...)" at the top
    // of every retry; ALLOC_KSWAPD comes only from __GFP_KSWAPD_RECLAIM, so a request without it
    // never wakes kswapd however often it retries.
    @Test
    void noKswapdWakesWithoutKswapdReclaim() {
        exhausted();
        h.reclaimable = zone -> 1 << 20;
        long wakes = m.node().kswapdWakeups;
        assertEquals(-1, m.allocPages(GFP_KERNEL & ~__GFP_KSWAPD_RECLAIM, 0));
        assertEquals(17, h.count("reclaim"));
        assertEquals(wakes, m.node().kswapdWakeups);
        assertEquals(-1, m.allocPages(GFP_KERNEL, 0));
        assertEquals(wakes + 18, m.node().kswapdWakeups);
    }

    // __alloc_pages_direct_reclaim(): after progress, "if (!page && !drained) {
    // unreserve_highatomic_pageblock(ac, false); drain_all_pages(NULL); drained = true; goto retry;
    // }": free pages held in a highatomic reserve of two pageblocks do not count for GFP_KERNEL
    // (__zone_watermark_unusable_free()), so the post-reclaim attempt fails, one pageblock goes back
    // to ac->migratetype (the zone keeps more than one, so force is not needed), and the second
    // attempt succeeds: no compaction round. The returned block is order 3 == pageblock_order, so
    // unreserve takes the "move_to_free_list(); change_pageblock_range()" branch.
    @Test
    void reclaimProgressUnreservesAHighatomicBlockAndRetries() {
        drained(Fixtures.normal1k(), GFP_KERNEL);
        long min = z.minWmarkPages();
        assertEquals(min, z.nrFreePages, "GFP_KERNEL stops at the min watermark");
        long b1 = heldRun(3);
        for (long p = b1; p < b1 + 8; p++) held.remove(p);
        long b2 = heldRun(3);
        for (long p = b2; p < b2 + 8; p++) held.remove(p);
        for (long b : new long[] {b1, b2}) {
            for (long p = b; p < b + 8; p++) m.freePages(p, 0);
            pa.reserve_highatomic_pageblock(m.mem().idx(b), 0, z);
            assertEquals(MIGRATE_HIGHATOMIC, pa.get_pfnblock_migratetype(z, b));
        }
        assertEquals(16, z.nrReservedHighatomic);
        assertEquals(16, z.nrFreeHighatomic);
        assertEquals(min + 16, z.nrFreePages);
        h.progress = 1;
        long pfn = m.allocPages(GFP_KERNEL, 0);
        assertTrue(pfn >= 0);
        assertEquals(List.of("reclaim"), h.calls);
        assertEquals(8, z.nrReservedHighatomic);
        assertEquals(1, m.stats().highatomicUnreserved);
        // the lists are walked by order, then the first highatomic page: b1's block or b2's went back
        long back = pa.get_pfnblock_migratetype(z, b1) == MIGRATE_UNMOVABLE ? b1 : b2;
        long kept = back == b1 ? b2 : b1;
        assertEquals(MIGRATE_UNMOVABLE, pa.get_pfnblock_migratetype(z, back));
        assertEquals(MIGRATE_HIGHATOMIC, pa.get_pfnblock_migratetype(z, kept));
        assertEquals(8, z.nrFreeHighatomic);
        assertTrue(pfn >= back && pfn < back + 8, "allocated from the returned block");
        assertEquals(List.of(), m.warnings().messages());
    }

    // should_reclaim_retry(): for_each_zone_zonelist_nodemask(..., ac->highest_zoneidx, ...) only
    // walks zones up to the request's highest zone: a GFP_DMA request on an exhausted DMA zone does
    // not retry because Normal has plenty reclaimable; one round, and (highest_zoneidx < ZONE_NORMAL)
    // no OOM kill either.
    @Test
    void reclaimRetryLooksOnlyAtZonesTheRequestMayUse() {
        drained(Fixtures.dmaNormal(), GFP_ATOMIC | GFP_DMA);
        Zone dma = m.zone(ZoneType.DMA);
        h.reclaimable = zone -> zone == dma ? 0 : 1 << 20;
        assertEquals(-1, m.allocPages(GFP_KERNEL | GFP_DMA, 0));
        assertEquals(List.of("reclaim", "compact"), h.calls);
        assertEquals(0, oom());
        // a Normal request sees Normal's reclaimable pages (Normal itself is above its watermarks
        // here, so it simply succeeds)
        assertTrue(m.allocPages(GFP_KERNEL, 0) >= 0x100);
    }

    // should_reclaim_retry(): "available = reclaimable = zone_reclaimable_pages(zone); available +=
    // zone_page_state_snapshot(zone, NR_FREE_PAGES)" then __zone_watermark_ok(min): free + reclaimable
    // one page above min retries the full MAX_RECLAIM_RETRIES; exactly at min it gives up at once.
    @Test
    void reclaimRetryAddsFreeAndReclaimablePages() {
        exhausted();
        long free = z.nrFreePages;
        long min = z.minWmarkPages();
        h.reclaimable = zone -> min - free + 1;
        assertEquals(-1, m.allocPages(GFP_KERNEL, 0));
        assertEquals(17, h.count("reclaim"));
        assertEquals(1, oom());

        exhausted();
        long free2 = z.nrFreePages;
        h.reclaimable = zone -> min - free2;
        assertEquals(-1, m.allocPages(GFP_KERNEL, 0));
        assertEquals(1, h.count("reclaim"));
    }

    // __alloc_pages_slowpath(): "if (defrag_mode && (alloc_flags & ALLOC_NOFRAGMENT)) { alloc_flags
    // &= ~ALLOC_NOFRAGMENT; goto retry; }": in defrag_mode a failing request gets one more reclaim
    // and compaction round without ALLOC_NOFRAGMENT, then the OOM point. And wake_all_kswapds()
    // asks kswapd for "max(order, pageblock_order)" in defrag_mode.
    @Test
    void defragModeDropsNofragmentOnceBeforeOom() {
        drained(Fixtures.normal1k().withDefragMode(true), GFP_ATOMIC);
        m.node().kswapdOrder = 0; // as kswapd leaves it after a run
        assertEquals(-1, m.allocPages(GFP_KERNEL, 0));
        assertEquals(List.of("reclaim", "compact", "reclaim", "compact"), h.calls);
        assertEquals(1, oom());
        assertEquals(3, m.node().kswapdOrder, "pageblock_order");
    }

    // __alloc_pages_may_oom(): before killing, "get_page_from_freelist((gfp_mask | __GFP_HARDWALL) &
    // ~__GFP_DIRECT_RECLAIM, order, ALLOC_WMARK_HIGH|ALLOC_CPUSET, ac)" "to catch a parallel oom
    // killing": if memory was freed meanwhile above the high watermark the page is returned and
    // out_of_memory() is not called. Here the pages are freed from should_compact_retry(), the last
    // callout before that point, standing in for the parallel exit.
    @Test
    void theOomPointTakesMemoryFreedInParallelWithoutKilling() {
        exhausted();
        h.progress = 1;
        List<Long> freed = new ArrayList<>();
        h.onCompactRetry = () -> {
            while (z.nrFreePages <= z.highWmarkPages() + 1) {
                long p = held.remove(held.size() - 1);
                freed.add(p);
                m.freePages(p, 0);
            }
        };
        Set<Long> wasFree = freePfns();
        long pfn = m.allocPages(GFP_KERNEL, 0);
        assertTrue(pfn >= 0);
        assertTrue(wasFree.contains(pfn) || freed.contains(pfn), "got 0x" + Long.toHexString(pfn));
        assertFalse(held.contains(pfn));
        assertEquals(List.of("reclaim", "compact", "compact_retry"), h.calls);
        assertEquals(0, oom());
    }

    // __alloc_pages_may_oom(): "if (gfp_mask & __GFP_NOFAIL) page = __alloc_pages_cpuset_fallback(
    // gfp_mask, order, ALLOC_NO_WATERMARKS, ac)": the page handed back is one of the last free ones.
    @Test
    void nofailAtTheOomPointGetsOneOfTheLastFreePages() {
        exhausted();
        Set<Long> wasFree = freePfns();
        long pfn = m.allocPages(GFP_KERNEL | __GFP_NOFAIL, 0);
        assertTrue(wasFree.contains(pfn), "got 0x" + Long.toHexString(pfn));
        assertEquals(1, oom());
    }

    // With not a single free page, the __GFP_NOFAIL request at the OOM point gets nothing even
    // without watermarks; the kernel would "goto retry" for ever ("Retry as long as the OOM killer
    // is making progress", did_some_progress = 1 from the WARN_ON_ONCE_GFP(__GFP_NOFAIL) branch); the
    // model stops and counts it in nofailStuck, returning failure.
    @Test
    void nofailWithNothingFreeIsCountedStuck() {
        drained(Fixtures.normal1k(), GFP_ATOMIC | __GFP_MEMALLOC);
        assertEquals(0, z.nrFreePages);
        assertEquals(-1, m.allocPages(GFP_KERNEL | __GFP_NOFAIL, 0));
        assertEquals(stuckBefore + 1, m.stats().nofailStuck);
        assertEquals(1, oom());
        assertEquals(List.of("reclaim", "compact"), h.calls);
    }

    // out_of_memory() (mm/oom_kill.c): "The OOM killer does not compensate for IO-less reclaim ...
    // if (!(oc->gfp_mask & __GFP_FS) && !is_memcg_oom(oc)) return true;": a GFP_NOFS request at
    // the OOM point chooses no victim, yet did_some_progress = 1 sends __alloc_pages_slowpath() back
    // to retry for ever. The model stops, returns failure, and counts it in noFsOomRetry, not as an
    // OOM kill and not as a stuck __GFP_NOFAIL.
    @Test
    void noFsAtTheOomPointKillsNothingAndWouldRetry() {
        exhausted();
        long before = m.stats().noFsOomRetry;
        assertEquals(-1, m.allocPages(GFP_NOFS, 0));
        assertEquals(0, oom());
        assertEquals(before + 1, m.stats().noFsOomRetry);
        assertEquals(stuckBefore, m.stats().nofailStuck);
        assertEquals(List.of("reclaim", "compact"), h.calls);
        // the same request with __GFP_FS is an OOM kill (the control)
        assertEquals(-1, m.allocPages(GFP_KERNEL, 0));
        assertEquals(1, oom());
        assertEquals(before + 1, m.stats().noFsOomRetry);
    }

    // __alloc_pages_may_oom(): "if (out_of_memory(&oc) || WARN_ON_ONCE_GFP(gfp_mask & __GFP_NOFAIL,
    // gfp_mask))": for GFP_NOIO | __GFP_NOFAIL out_of_memory() already returned true, so there is no
    // warning, and the __GFP_NOFAIL cpuset fallback without watermarks still hands back a free page.
    @Test
    void noIoNofailAtTheOomPointGetsAPageWithoutWarning() {
        exhausted();
        long warned = m.warnings().count();
        Set<Long> wasFree = freePfns();
        long pfn = m.allocPages(GFP_NOIO | __GFP_NOFAIL, 0);
        assertTrue(wasFree.contains(pfn), "got 0x" + Long.toHexString(pfn));
        assertEquals(0, oom());
        assertEquals(warned, m.warnings().count());
    }

    // nopage: "page = __alloc_pages_cpuset_fallback(gfp_mask, order, ALLOC_MIN_RESERVE, ac)": above
    // min/2 a __GFP_NOFAIL | __GFP_RETRY_MAYFAIL request (no OOM kill) gets a page that was free.
    @Test
    void nofailAtNopageGetsAFreePage() {
        exhausted();
        while (z.nrFreePages < z.minWmarkPages()) m.freePages(held.remove(held.size() - 1), 0);
        Set<Long> wasFree = freePfns();
        long pfn = m.allocPages(GFP_KERNEL | __GFP_NOFAIL | __GFP_RETRY_MAYFAIL, 0);
        assertTrue(wasFree.contains(pfn), "got 0x" + Long.toHexString(pfn));
        assertEquals(0, oom());
        assertEquals(stuckBefore, m.stats().nofailStuck);
    }

    // wake_all_kswapds(): "if (!managed_zone(zone)) continue;" the walk goes on to the next zone
    // of the zonelist, here a managed DMA below a wholly reserved Normal, and wakeup_kswapd() records
    // the order and the request's highest zone index.
    @Test
    void wakeAllKswapdsSkipsAnUnmanagedZone() {
        m = new Machine(MachineConfig.of("normal-reserved", 6, 3, List.of(ZoneConfig.of(ZoneType.DMA, 1, 0xff),
                ZoneConfig.of(ZoneType.NORMAL, 0x100, 0x400, 0x400, 0))));
        assertFalse(m.zone(ZoneType.NORMAL).managed());
        PageAlloc.AllocContext ac = new PageAlloc.AllocContext();
        ac.highest_zoneidx = ZoneType.NORMAL.idx();
        m.node().kswapdHighestZoneidx = ZoneType.MAX_NR_ZONES;
        m.pageAlloc().wake_all_kswapds(2, GFP_KERNEL, ac);
        assertEquals(2, m.node().kswapdOrder);
        assertEquals(ZoneType.NORMAL.idx(), m.node().kswapdHighestZoneidx);
    }

    // wake_all_kswapds(): for_each_zone_zonelist_nodemask(zone, z, ac->zonelist, highest_zoneidx,
    // ...) never visits a zone above the request's highest zone index: a GFP_DMA request whose only
    // eligible zone, DMA, is unmanaged wakes nothing, although the managed Normal zone comes first
    // in the zonelist.
    @Test
    void wakeAllKswapdsNeverUsesAZoneAboveTheRequestsHighestZone() {
        m = new Machine(MachineConfig.of("dma-reserved", 6, 3, List.of(ZoneConfig.of(ZoneType.DMA, 0x40, 0xc0, 0xc0, 0),
                ZoneConfig.of(ZoneType.NORMAL, 0x100, 0x400))));
        assertFalse(m.zone(ZoneType.DMA).managed());
        m.zone(ZoneType.NORMAL).watermarkBoost = 1; // Normal would wake kswapd if it were asked
        PageAlloc.AllocContext ac = new PageAlloc.AllocContext();
        ac.highest_zoneidx = ZoneType.DMA.idx();
        m.node().kswapdHighestZoneidx = ZoneType.MAX_NR_ZONES;
        m.pageAlloc().wake_all_kswapds(2, GFP_KERNEL | GFP_DMA, ac);
        assertEquals(0, m.node().kswapdOrder);
        assertEquals(ZoneType.MAX_NR_ZONES, m.node().kswapdHighestZoneidx);
        assertEquals(0, m.node().kswapdWakeups);
        ac.highest_zoneidx = ZoneType.NORMAL.idx();
        m.pageAlloc().wake_all_kswapds(2, GFP_KERNEL, ac);
        assertEquals(2, m.node().kswapdOrder);
        assertEquals(1, m.node().kswapdWakeups);
    }

    // __alloc_pages() -> prepare_alloc_pages() / alloc_flags_nofragment(): the fast path from a
    // preferred ZONE_NORMAL carries ALLOC_NOFRAGMENT, so with Normal's free pages all in scattered
    // order-0 MOVABLE fragments (nothing of pageblock order to claim, and no stealing under
    // ALLOC_NOFRAGMENT in __rmqueue()), a GFP_KERNEL page comes from the next zone, DMA, by
    // claiming a whole free block there rather than polluting a movable pageblock in Normal.
    @Test
    void theFastPathSpreadsToDmaRatherThanFragmentNormal() {
        m = new Machine(Fixtures.dmaNormal());
        m.pageAlloc().setHooks(SlowpathHooks.NONE);
        List<Long> all = Fixtures.allocUntilFailure(m, GFP_ATOMIC | __GFP_MOVABLE | __GFP_MEMALLOC, 0x600);
        for (long p : all) {
            if (p < 0x100 || (p & 1) == 0) m.freePages(p, 0);
        }
        Zone normal = m.zone(ZoneType.NORMAL);
        assertEquals(0x200, normal.nrFreePages);
        assertEquals(0x200, normal.nrFree[0]);
        assertTrue(normal.nrFreePages > normal.highWmarkPages());
        long allocs = m.stats().allocByOrder[0];
        long unmovable = m.stats().allocByMigratetype[MIGRATE_UNMOVABLE];
        long pfn = m.allocPages(GFP_KERNEL, 0);
        assertTrue(pfn > 0 && pfn < 0x100, "from DMA: 0x" + Long.toHexString(pfn));
        assertEquals(MIGRATE_UNMOVABLE, m.pageAlloc().get_pfnblock_migratetype(m.zone(ZoneType.DMA), pfn));
        assertEquals(0x200, normal.nrFreePages);
        assertEquals(allocs + 1, m.stats().allocByOrder[0]);
        assertEquals(unmovable + 1, m.stats().allocByMigratetype[MIGRATE_UNMOVABLE]);
    }
}
