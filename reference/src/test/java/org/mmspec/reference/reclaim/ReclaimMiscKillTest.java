package org.mmspec.reference.reclaim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.mmspec.reference.Machine;
import org.mmspec.reference.alloc.BadPageException;
import org.mmspec.reference.alloc.Gfp;
import org.mmspec.reference.alloc.MachineConfig;
import org.mmspec.reference.alloc.Zone;
import org.mmspec.reference.alloc.ZoneConfig;
import org.mmspec.reference.alloc.ZoneType;
import org.mmspec.reference.rmap.Rmap;

/**
 * Direct reclaim's decisions in mm/vmscan.c (v6.18) pinned one by one: in_reclaim_compaction(),
 * compaction_ready(), should_continue_reclaim(), do_try_to_free_pages()'s priority loop and its
 * retries; with the model's young-PTE count for the trace, free_pages_prepare()'s mapcount check
 * and filemap_read() / generic_perform_write() running out of memory.
 *
 * <p>Every expectation is worked out by hand from the kernel source named in the comment.
 */
class ReclaimMiscKillTest {
    static final int NORMAL = ZoneType.NORMAL.idx();

    static Vmscan.ScanControl sc(int gfp, int order, int priority) {
        Vmscan.ScanControl sc = ShrinkListTest.directSc();
        sc.gfp_mask = gfp;
        sc.order = order;
        sc.priority = priority;
        return sc;
    }

    /**
     * mm/vmscan.c, in_reclaim_compaction(): gfp_compaction_allowed() (__GFP_IO) and sc-&gt;order
     * and (order &gt; PAGE_ALLOC_COSTLY_ORDER or priority &lt; DEF_PRIORITY - 2), both strict.
     */
    @Test
    void inReclaimCompactionIsCostlyOrderOrPriorityBelowTen() {
        Vmscan v = ReclaimTest.machine(64, SwapConfig.NONE).reclaim().vmscan;
        int k = Gfp.GFP_KERNEL;
        assertTrue(v.in_reclaim_compaction(sc(k, 4, 12)), "order 4 > 3");
        assertFalse(v.in_reclaim_compaction(sc(k, 3, 12)), "order 3 is not costly, priority 12");
        assertFalse(v.in_reclaim_compaction(sc(k, 3, 10)), "priority 10 is not < 10");
        assertTrue(v.in_reclaim_compaction(sc(k, 3, 9)));
        assertTrue(v.in_reclaim_compaction(sc(k, 1, 9)));
        assertFalse(v.in_reclaim_compaction(sc(k, 0, 0)), "order 0 never");
        assertFalse(v.in_reclaim_compaction(sc(Gfp.GFP_NOIO, 4, 0)), "no __GFP_IO: no compaction");
    }

    /**
     * mm/vmscan.c, compaction_ready(): true when zone_watermark_ok() at the min watermark for the
     * order ("Allocation can already succeed"), else whether compaction_suitable() against the
     * high watermark. Free counts set by hand on a 1024-page zone, order 4 (the page cache and
     * anonymous folios allocated first leave a real order-4 block on a free list, which
     * __zone_watermark_ok() looks for): one free order-4 block and 10 single pages meet min for
     * order 4 though compaction would not be suitable
     * against high; 600 single pages do not meet it, but compaction is suitable (above high +
     * compact_gap + low - min, fragmentation index 936 &gt; 500); 20 single pages are neither.
     */
    @Test
    void compactionReadyIsTheWatermarkOrSuitability() {
        Machine m = ReclaimTest.machine(1024, SwapConfig.NONE);
        ScanCountTest.files(m, 1, 20);
        ScanCountTest.coldAnon(m, 0x1000, 20);
        Vmscan v = m.reclaim().vmscan;
        Zone z = m.zone(ZoneType.NORMAL);
        Vmscan.ScanControl sc = sc(Gfp.GFP_KERNEL, 4, 12);
        DirectReclaimTest.setFree(z, 10, 0, 0, 0, 1);
        assertTrue(m.pageAlloc().zone_watermark_ok(z, 4, z.minWmarkPages(), NORMAL, 0));
        assertFalse(v.compaction_suitable(z, 4, z.highWmarkPages(), NORMAL));
        assertTrue(v.compaction_ready(z, sc));
        DirectReclaimTest.setFree(z, 600);
        assertFalse(m.pageAlloc().zone_watermark_ok(z, 4, z.minWmarkPages(), NORMAL, 0));
        assertEquals(936, v.fragmentation_index(z, 4));
        assertTrue(v.compaction_suitable(z, 4, z.highWmarkPages(), NORMAL));
        assertTrue(v.compaction_ready(z, sc));
        DirectReclaimTest.setFree(z, 20);
        assertFalse(v.compaction_ready(z, sc));
    }

    /**
     * mm/vmscan.c, should_continue_reclaim() for an order-4 GFP_KERNEL reclaim: 20 inactive file
     * and 20 cold inactive anon folios, a swap device with room, 5 free single pages (set by hand):
     * no zone meets min for order 4, compaction is not suitable, and the inactive lists (file,
     * plus anon since can_reclaim_anon_pages()) hold 40 &gt; compact_gap(4) = 32: continue. Not
     * when the pass reclaimed nothing ("if (!nr_reclaimed) return false"), and not once the zone
     * (the highest eligible one, reclaim_idx itself) meets its min watermark for the order.
     */
    @Test
    void shouldContinueReclaimCountsInactiveAnonWithSwapRoom() {
        Machine m = ReclaimTest.machine(1024, SwapConfig.of(65, true));
        Reclaim rc = m.reclaim();
        ScanCountTest.files(m, 1, 20);
        ScanCountTest.coldAnon(m, 0x1000, 20);
        assertEquals(20, rc.lruvec().size(Lruvec.LRU_INACTIVE_FILE));
        assertEquals(20, rc.lruvec().size(Lruvec.LRU_INACTIVE_ANON));
        Zone z = m.zone(ZoneType.NORMAL);
        Vmscan v = rc.vmscan;
        Vmscan.ScanControl sc = sc(Gfp.GFP_KERNEL, 4, 12);
        DirectReclaimTest.setFree(z, 5);
        assertFalse(m.pageAlloc().zone_watermark_ok(z, 4, z.minWmarkPages(), NORMAL, 0));
        assertFalse(v.compaction_suitable(z, 4, z.minWmarkPages(), NORMAL));
        assertTrue(v.can_reclaim_anon_pages());
        assertTrue(v.should_continue_reclaim(5, sc), "20 + 20 > 32");
        assertFalse(v.should_continue_reclaim(0, sc), "nothing reclaimed");
        assertFalse(v.should_continue_reclaim(5, sc(Gfp.GFP_KERNEL, 2, 12)), "not reclaim/compaction");
        DirectReclaimTest.setFree(z, 10, 0, 0, 0, 1);
        assertTrue(m.pageAlloc().zone_watermark_ok(z, 4, z.minWmarkPages(), NORMAL, 0));
        assertFalse(v.should_continue_reclaim(5, sc), "the allocation can already succeed");
    }

    /**
     * mm/vmscan.c, do_try_to_free_pages(): "if (sc-&gt;nr_reclaimed &gt;= sc-&gt;nr_to_reclaim) break"
     * before the priority is lowered. 64 clean page cache folios, no swap (SCAN_FILE): nothing is
     * scanned until priority 6 (64 &gt;&gt; 6 = 1), which reclaims that one folio, exactly
     * nr_to_reclaim = 1: the loop stops there, at priority 6, with 1.
     */
    @Test
    void theLoopStopsWhenExactlyNrToReclaimIsMet() {
        Machine m = ReclaimTest.machine(256, SwapConfig.NONE);
        Reclaim rc = m.reclaim();
        ScanCountTest.files(m, 1, 64);
        Vmscan.ScanControl sc = ShrinkListTest.directSc();
        sc.nr_to_reclaim = 1;
        assertEquals(1, rc.vmscan.do_try_to_free_pages(sc));
        assertEquals(6, sc.priority);
        assertEquals(63, rc.lruvec().size(Lruvec.LRU_INACTIVE_FILE));
        assertEquals(1, rc.stats.allocstall);
    }

    /**
     * mm/vmscan.c, do_try_to_free_pages(): "if (sc-&gt;compaction_ready) break" leaves the
     * priority loop at once: an order-4 reclaim on a fresh machine (an order-4 block free at
     * min) finds compaction_ready() in the only zone, shrinks nothing, stops at DEF_PRIORITY and
     * returns 1.
     */
    @Test
    void compactionReadyLeavesThePriorityLoopAtOnce() {
        Machine m = ReclaimTest.machine(128, SwapConfig.NONE);
        Reclaim rc = m.reclaim();
        ScanCountTest.files(m, 1, 8);
        Vmscan.ScanControl sc = sc(Gfp.GFP_KERNEL, 4, Vmscan.DEF_PRIORITY);
        assertEquals(1, rc.vmscan.do_try_to_free_pages(sc));
        assertTrue(sc.compaction_ready);
        assertEquals(Vmscan.DEF_PRIORITY, sc.priority);
        assertEquals(8, rc.lruvec().total());
    }

    /**
     * mm/vmscan.c, do_try_to_free_pages(): "if (sc-&gt;priority &lt; DEF_PRIORITY - 2)
     * sc-&gt;may_writepage = 1", after the two break tests. A reclaimer that starts without
     * may_writepage (laptop_mode): with 600 clean page cache folios the first scan is at priority
     * 9 (600 &gt;&gt; 9 = 1) and meets nr_to_reclaim = 1, breaking before the line; at priority 10 the
     * line ran but 10 &lt; 10 is false: may_writepage stays 0. With 300 folios the first scan is at
     * priority 8, so the line ran at 9: may_writepage is 1.
     */
    @Test
    void mayWritepageIsSetOnlyBelowPriorityTen() {
        for (int files : new int[] {600, 300}) {
            Machine m = ReclaimTest.machine(1024, SwapConfig.NONE);
            Reclaim rc = m.reclaim();
            ScanCountTest.files(m, 1, files);
            Vmscan.ScanControl sc = ShrinkListTest.directSc();
            sc.nr_to_reclaim = 1;
            sc.may_writepage = false;
            assertEquals(1, rc.vmscan.do_try_to_free_pages(sc));
            assertEquals(files == 600 ? 9 : 8, sc.priority);
            assertEquals(files == 300, sc.may_writepage, files + " folios");
        }
    }

    /**
     * mm/vmscan.c, do_try_to_free_pages(): after the memcg_full_walk retry, "if
     * (sc-&gt;skipped_deactivate) { sc-&gt;priority = initial_priority; sc-&gt;force_deactivate = 1;
     * sc-&gt;skipped_deactivate = 0; goto retry; }". 64 inactive page cache folios are pinned (a
     * reference held elsewhere: __remove_mapping() fails, keep), 32 clean ones are active; the
     * inactive file list is not low (64 &gt;= 32) and nothing refaulted, so shrink_list() skips the
     * active list (skipped_deactivate) and the first two passes reclaim nothing. The third pass
     * forces deactivation: the active folios go inactive and are reclaimed. ALLOCSTALL counts
     * each of the three passes.
     */
    @Test
    void skippedDeactivationIsRetriedWithForceDeactivate() {
        Machine m = ReclaimTest.machine(256, SwapConfig.NONE);
        Reclaim rc = m.reclaim();
        for (long pfn : ScanCountTest.files(m, 1, 64)) BalancePgdatKillTest.pin(m, pfn);
        ScanCountTest.activate(m, ScanCountTest.files(m, 2, 32));
        assertEquals(64, rc.lruvec().size(Lruvec.LRU_INACTIVE_FILE));
        assertEquals(32, rc.lruvec().size(Lruvec.LRU_ACTIVE_FILE));
        assertFalse(rc.vmscan.inactive_is_low(Lruvec.LRU_INACTIVE_FILE));
        Vmscan.ScanControl sc = ShrinkListTest.directSc();
        long got = rc.vmscan.do_try_to_free_pages(sc);
        assertTrue(got > 0, got + " reclaimed");
        assertTrue(sc.force_deactivate);
        assertTrue(sc.memcg_full_walk);
        assertEquals(3, rc.stats.allocstall);
        assertEquals(64, rc.lruvec().size(Lruvec.LRU_INACTIVE_FILE) + rc.lruvec().size(Lruvec.LRU_ACTIVE_FILE) + got - 32);
    }

    /**
     * The trace's young-PTE count (Reclaim.countYoungPtes(), model bookkeeping next to
     * folio_referenced(), mm/rmap.c): the present PTEs mapping the folio's pfn that are young.
     * Three anonymous folios of one process: two just written (young PTEs), one made cold by
     * MADV_COLD (old PTE). Each young folio counts 1 (the other young PTE maps another pfn), the
     * cold one 0.
     */
    @Test
    void theTraceCountsEachFoliosYoungPtes() {
        Machine m = ReclaimTest.machine(256, SwapConfig.of(65, true));
        Reclaim rc = m.reclaim();
        Rmap r = m.rmap();
        r.mmap(1, 0x100, 3);
        long a = r.access(1, 0x100, true, 1).pfn();
        long b = r.access(1, 0x101, true, 2).pfn();
        long c = r.access(1, 0x102, true, 3).pfn();
        r.madvise_cold(1, 0x102);
        rc.trace().enable(true);
        rc.trace().clear();
        rc.vmscan.shrink_inactive_list(32, ShrinkListTest.directSc(), Lruvec.LRU_INACTIVE_ANON);
        int seen = 0;
        for (ReclaimTrace.Scan s : rc.trace().scans()) {
            if (s.pfn() == a || s.pfn() == b) {
                assertEquals(1, s.youngPtes(), s.toString());
                seen++;
            } else if (s.pfn() == c) {
                assertEquals(0, s.youngPtes(), s.toString());
                seen++;
            }
        }
        assertEquals(3, seen);
    }

    /**
     * mm/page_alloc.c, free_pages_prepare() -&gt; free_page_is_bad(): a page freed while still
     * mapped is a bad page, "nonzero mapcount": free_folio() reports it, and the buddy
     * allocator's own check then refuses the page (BadPageException).
     */
    @Test
    void freeingAMappedFolioIsABadPage() {
        Machine m = ReclaimTest.machine(128, SwapConfig.NONE);
        Reclaim rc = m.reclaim();
        m.rmap().mmap(1, 0x100, 1);
        long pfn = m.rmap().access(1, 0x100, true, 7).pfn();
        int page = m.mem().idx(pfn);
        assertEquals(1, m.mem().mapcountOf(page));
        long before = rc.warnings().count();
        assertThrows(BadPageException.class, () -> rc.free_folio(page));
        assertTrue(rc.warnings().count() > before);
        assertTrue(rc.warnings().messages().toString().contains("nonzero mapcount"), rc.warnings().messages().toString());
    }

    /**
     * mm/filemap.c, filemap_read() (filemap_get_pages() -&gt; filemap_create_folio()) and
     * generic_perform_write() (write_begin's __filemap_get_folio(FGP_CREAT)): -ENOMEM when no
     * folio can be allocated. Memory is full of anonymous memory with no swap (nothing
     * reclaimable, the fault path already got VM_FAULT_OOM): a read miss and a write miss both
     * fail and leave the file without a page.
     */
    @Test
    void aPageCacheMissWithNoMemoryIsEnomem() {
        Machine m = ReclaimTest.machine(128, SwapConfig.NONE);
        Reclaim rc = m.reclaim();
        Rmap r = m.rmap();
        r.mmap(1, 0x1000, 256);
        int i = 0;
        while (i < 256 && r.access(1, 0x1000 + i, true, i + 1).kind() != Rmap.AccessKind.OOM) i++;
        assertTrue(i < 256, "memory ran out");
        Filemap.Io rd = rc.fileRead(1, 0);
        assertEquals(Filemap.Kind.ENOMEM, rd.kind());
        assertEquals(-1, rd.pfn());
        Filemap.Io wr = rc.fileWrite(1, 1, 5);
        assertEquals(Filemap.Kind.ENOMEM, wr.kind());
        assertTrue(rc.filemap().folios(1).isEmpty());
    }

    /**
     * mm/vmscan.c, shrink_zones(): for_each_zone_zonelist_nodemask(..., sc-&gt;reclaim_idx, ...)
     * visits only the zones up to reclaim_idx. A GFP_DMA32 reclaim on a machine whose only zone
     * is ZONE_NORMAL shrinks nothing: shrink_node() is not called, so not even the anon aging at
     * the end of shrink_lruvec() runs (here it would: swap, and an inactive anon list that is low),
     * which would have scanned the active anon list (PGREFILL) skipping its folios (PGSCAN_SKIP).
     */
    @Test
    void shrinkZonesSkipsZonesAboveReclaimIdx() {
        Machine m = ReclaimTest.machine(256, SwapConfig.of(65, true));
        Reclaim rc = m.reclaim();
        ScanCountTest.files(m, 1, 8);
        ScanCountTest.activate(m, ScanCountTest.coldAnon(m, 0x1000, 8));
        assertTrue(rc.vmscan.inactive_is_low(Lruvec.LRU_INACTIVE_ANON));
        Vmscan.ScanControl sc = sc(Gfp.GFP_KERNEL, 0, 0);
        sc.reclaim_idx = ZoneType.DMA32.idx();
        rc.vmscan.shrink_zones(sc);
        assertEquals(0, sc.nr_scanned);
        assertEquals(0, sc.nr_reclaimed);
        assertEquals(16, rc.lruvec().total());
        assertEquals(0, rc.stats.pgrefill);
        assertEquals(0, rc.stats.pgscanSkip);
    }

    /**
     * mm/vmscan.c, shrink_zones(): "if (zone-&gt;zone_pgdat == last_pgdat) continue": a node is
     * shrunk once however many of its zones the zonelist names. Two zones (DMA32, NORMAL), 100
     * clean page cache folios, priority 0, nr_to_reclaim 32: shrink_lruvec()'s first batch
     * reclaims 32, which meets the target (not proportional below DEF_PRIORITY): 32 in all.
     */
    @Test
    void shrinkZonesShrinksTheNodeOnce() {
        MachineConfig cfg = MachineConfig.of("t2", 6, 3, List.of(ZoneConfig.of(ZoneType.DMA32, 0, 256),
                ZoneConfig.of(ZoneType.NORMAL, 256, 256))).withMinFreeKbytes(64).withWatermarkScaleFactor(1000)
                .withSwap(SwapConfig.NONE);
        Machine m = new Machine(cfg);
        Reclaim rc = m.reclaim();
        assertEquals(2, m.node().zonelist.length);
        ScanCountTest.files(m, 1, 100);
        Vmscan.ScanControl sc = sc(Gfp.GFP_KERNEL, 0, 0);
        rc.vmscan.shrink_zones(sc);
        assertEquals(32, sc.nr_reclaimed);
        assertEquals(68, rc.lruvec().total());
    }

    /**
     * mm/compaction.c, compaction_suitable(): for a costly order, "if (fragindex &gt;= 0 &amp;&amp;
     * fragindex &lt;= sysctl_extfrag_threshold)" (500) the zone is not suitable, 500 included.
     * 124 free order-3 blocks and 2 single pages (994 pages, set by hand) are far above the order-0
     * mark, and mm/vmstat.c __fragmentation_index() for order 4 (no block of order 4 or more) is
     * 1000 - (1000 + 994 * 1000 / 16) / 126 = 1000 - 63125 / 126 = 500: not suitable.
     */
    @Test
    void aFragmentationIndexOfExactly500IsNotSuitable() {
        Machine m = ReclaimTest.machine(1024, SwapConfig.NONE);
        Vmscan v = m.reclaim().vmscan;
        Zone z = m.zone(ZoneType.NORMAL);
        DirectReclaimTest.setFree(z, 2, 0, 0, 124);
        assertEquals(994, z.nrFreePages);
        assertEquals(500, v.fragmentation_index(z, 4));
        assertFalse(v.compaction_suitable(z, 4, z.minWmarkPages(), NORMAL));
        DirectReclaimTest.setFree(z, 3, 0, 0, 124);
        assertEquals(503, v.fragmentation_index(z, 4), "1000 - (1000 + 62187) / 127");
        assertTrue(v.compaction_suitable(z, 4, z.minWmarkPages(), NORMAL));
    }
}
