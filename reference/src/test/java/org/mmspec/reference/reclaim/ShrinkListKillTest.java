package org.mmspec.reference.reclaim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayDeque;

import org.junit.jupiter.api.Test;
import org.mmspec.reference.Machine;
import org.mmspec.reference.alloc.Gfp;
import org.mmspec.reference.alloc.ZoneType;
import org.mmspec.reference.page.MemMap;
import org.mmspec.reference.page.PageFlags;

/**
 * shrink_folio_list() and shrink_active_list() (mm/vmscan.c, v6.18) at two points the other
 * shrink tests leave loose: activate_locked giving the swap slot back when swap is full, and the
 * trace naming kswapd (current_is_kswapd()) as the reclaimer.
 *
 * <p>Every expectation is worked out by hand from the kernel source named in the comment.
 */
class ShrinkListKillTest {
    static final int IA = Lruvec.LRU_INACTIVE_ANON;

    /**
     * mm/vmscan.c, shrink_folio_list(), activate_locked: "Not a candidate for swapping, so
     * reclaim swap space": if (folio_test_swapcache(folio) &amp;&amp; (mem_cgroup_swap_full(folio) ||
     * ...)) folio_free_swap(folio); with memcg off mem_cgroup_swap_full() is vm_swap_full()
     * (nr_swap_pages * 2 &lt; total_swap_pages). An anonymous folio in the swap cache but still
     * mapped (its slot holds only SWAP_HAS_CACHE), PG_referenced and a young PTE:
     * folio_check_references() says FOLIOREF_ACTIVATE. On a 4-slot device with 3 slots in use
     * swap is full: folio_free_swap() takes it out of the swap cache (PG_dirty set, the slot
     * freed). With 1 slot in use it is not full: the folio keeps its slot.
     */
    @Test
    void activationGivesTheSlotBackWhenSwapIsFull() {
        for (boolean full : new boolean[] {true, false}) {
            Machine m = ReclaimTest.machine(256, SwapConfig.of(5, false));
            Reclaim rc = m.reclaim();
            MemMap mem = m.mem();
            SwapInfo si = rc.swapInfo();
            if (full) {
                assertEquals(0, si.folio_alloc_swap(SwapInfoTest.raw(m)));
                assertEquals(0, si.folio_alloc_swap(SwapInfoTest.raw(m)));
            }
            m.rmap().mmap(1, 0x100, 1);
            long pfn = m.rmap().access(1, 0x100, true, 42).pfn();
            int page = mem.idx(pfn);
            ArrayDeque<Integer> list = new ArrayDeque<>();
            Vmscan.ScanControl sc = ShrinkListTest.directSc();
            assertEquals(1, rc.vmscan.isolate_lru_folios(32, list, sc, IA)[0]);
            assertEquals(0, si.folio_alloc_swap(page));
            long slot = mem.privateData()[page];
            mem.flags[page] |= PageFlags.PG_referenced;
            assertEquals(full, si.vm_swap_full());
            Vmscan.ReclaimStat stat = new Vmscan.ReclaimStat();
            assertEquals(0, rc.vmscan.shrink_folio_list(list, sc, stat, false, IA));
            assertEquals(1, stat.nr_activate[0]);
            assertTrue((mem.flags[page] & PageFlags.PG_active) != 0);
            if (full) {
                assertEquals(0, mem.flags[page] & PageFlags.PG_swapcache, "folio_free_swap()");
                assertTrue((mem.flags[page] & PageFlags.PG_dirty) != 0);
                assertEquals(0, si.swapMap(slot));
                assertEquals(-1, si.cachedPfn(slot));
            } else {
                assertTrue((mem.flags[page] & PageFlags.PG_swapcache) != 0, "swap not full: the slot stays");
                assertEquals(SwapInfo.SWAP_HAS_CACHE, si.swapMap(slot));
            }
            rc.vmscan.move_folios_to_lru(list, "test", IA);
            assertEquals(1, rc.lruvec().size(Lruvec.LRU_ACTIVE_ANON));
        }
    }

    /**
     * mm/vmscan.c, shrink_folio_list() and may_enter_fs(): a dirty swap cache folio may be written
     * only "if (!may_enter_fs(folio, sc-&gt;gfp_mask)) goto keep_locked" passes, and for a swap
     * cache folio that needs __GFP_IO (__GFP_FS alone decides for others: GFP_NOIO has neither).
     * An anonymous folio made cold (MADV_COLD: FOLIOREF_RECLAIM), already in the swap cache and
     * dirty, is unmapped (its PTE becomes the swap entry) and then kept under GFP_NOIO: no pageout(),
     * no writeback; under GFP_NOFS it is written (swap_writeout(), a disk: under writeback).
     */
    @Test
    void aDirtySwapCacheFolioIsNotWrittenWithoutIo() {
        for (int gfp : new int[] {Gfp.GFP_NOIO, Gfp.GFP_NOFS}) {
            Machine m = ReclaimTest.machine(256, SwapConfig.of(9, false));
            Reclaim rc = m.reclaim();
            MemMap mem = m.mem();
            m.rmap().mmap(1, 0x100, 1);
            long pfn = m.rmap().access(1, 0x100, true, 42).pfn();
            m.rmap().madvise_cold(1, 0x100);
            int page = mem.idx(pfn);
            ArrayDeque<Integer> list = new ArrayDeque<>();
            Vmscan.ScanControl sc = ShrinkListTest.directSc();
            sc.gfp_mask = gfp;
            assertEquals(1, rc.vmscan.isolate_lru_folios(32, list, sc, IA)[0]);
            assertEquals(0, rc.swapInfo().folio_alloc_swap(page));
            mem.flags[page] |= PageFlags.PG_dirty;
            Vmscan.ReclaimStat stat = new Vmscan.ReclaimStat();
            assertEquals(0, rc.vmscan.shrink_folio_list(list, sc, stat, false, IA));
            assertEquals(0, mem.mapcountOf(page), "try_to_unmap() ran");
            boolean io = gfp == Gfp.GFP_NOFS;
            assertEquals(io ? 1 : 0, stat.nr_pageout);
            assertEquals(io, (mem.flags[page] & PageFlags.PG_writeback) != 0);
            assertEquals(io ? 1 : 0, rc.stats.writebackStarted);
            assertEquals(!io, (mem.flags[page] & PageFlags.PG_dirty) != 0);
            assertEquals(0, mem.flags[page] & PageFlags.PG_active, "kept, not activated");
        }
    }

    /**
     * mm/vmscan.c, shrink_inactive_list() and shrink_active_list() run by kswapd
     * (current_is_kswapd()): the trace names kswapd for a folio evicted by shrink_folio_list(), for
     * one move_folios_to_lru() puts back on another list (a dirty file folio kswapd activates:
     * no PGDAT_DIRTY, so "Immediately reclaim when written back" and activate_locked), and for the
     * folios shrink_active_list() then deactivates (the two active ones and the one just activated).
     */
    @Test
    void theTraceNamesKswapdAsTheReclaimer() {
        Machine m = ReclaimTest.machine(256, SwapConfig.NONE);
        Reclaim rc = m.reclaim();
        long[] inactive = ScanCountTest.files(m, 1, 2);
        long[] active = ScanCountTest.files(m, 2, 2);
        ScanCountTest.activate(m, active);
        long dirty = ShrinkListTest.written(m, 3);
        rc.trace().enable(true);
        rc.trace().clear();
        Vmscan.ScanControl sc = KswapdTest.kswapdSc(0, 0, ZoneType.NORMAL.idx());
        assertEquals(2, rc.vmscan.shrink_inactive_list(32, sc, Lruvec.LRU_INACTIVE_FILE));
        assertTrue(ReclaimTest.has(m, dirty, PageFlags.PG_active), "a dirty file folio without PGDAT_DIRTY: activate_locked");
        rc.vmscan.shrink_active_list(32, sc, Lruvec.LRU_ACTIVE_FILE);
        int evicted = 0;
        int deactivated = 0;
        int putback = 0;
        for (ReclaimTrace.Move mv : rc.trace().moves()) {
            if (mv.to() == -1) {
                assertEquals("kswapd: evicted", mv.why());
                assertTrue(mv.pfn() == inactive[0] || mv.pfn() == inactive[1]);
                evicted++;
            } else if (mv.from() == Lruvec.LRU_INACTIVE_FILE) {
                assertEquals(dirty, mv.pfn());
                assertEquals(Lruvec.LRU_ACTIVE_FILE, mv.to());
                assertEquals("kswapd: shrink_inactive_list", mv.why());
                putback++;
            } else if (mv.from() == Lruvec.LRU_ACTIVE_FILE) {
                assertEquals("kswapd: shrink_active_list", mv.why());
                deactivated++;
            }
        }
        assertEquals(2, evicted);
        assertEquals(3, deactivated, "the two active folios and the one just activated");
        assertEquals(1, putback);
        assertFalse(rc.trace().moves().isEmpty());
    }

    /**
     * mm/vmscan.c, shrink_folio_list() -&gt; free_unref_folios() -&gt; free_pages_prepare(): a
     * cold anonymous folio swapped out to a synchronous device and freed is gone as a folio: its
     * data lives on only in the swap slot (swap_writeout() wrote it), page-&gt;mapping is cleared,
     * and the model's rmap no longer holds a content for the pfn.
     */
    @Test
    void aSwappedOutAnonFolioIsForgottenByRmap() {
        Machine m = ReclaimTest.machine(256, SwapConfig.of(9, true));
        Reclaim rc = m.reclaim();
        long pfn = ScanCountTest.coldAnon(m, 0x100, 1)[0];
        assertTrue(m.rmap().contents().containsKey(pfn));
        long freed = m.rmap().stats.pagesFreed;
        assertEquals(1, rc.vmscan.shrink_inactive_list(32, ShrinkListTest.directSc(), IA));
        assertFalse(m.rmap().contents().containsKey(pfn), "free_pages_prepare(): the folio is gone");
        assertEquals(freed + 1, m.rmap().stats.pagesFreed);
        assertEquals(0, m.mem().mapping()[m.mem().idx(pfn)]);
        assertEquals(1000, rc.swapInfo().slotValue(1), "the data is in the slot");
    }
}
