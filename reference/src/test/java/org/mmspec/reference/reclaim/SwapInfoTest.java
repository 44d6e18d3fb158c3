package org.mmspec.reference.reclaim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.mmspec.reference.Machine;
import org.mmspec.reference.alloc.Gfp;
import org.mmspec.reference.page.MemMap;
import org.mmspec.reference.page.PageFlags;
import org.mmspec.reference.rmap.Rmap;

/**
 * The swap device of mm/swapfile.c, mm/swap_state.c and mm/page_io.c (v6.18) slot by slot: the
 * swap_map counts with SWAP_HAS_CACHE, the next-fit allocation with its reclaim of cache-only
 * slots when swap is more than half full, swap_duplicate()/swapcache_prepare()/swap_free(),
 * __try_to_reclaim_swap()'s three reasons, swap_writeout()'s zeromap, and the model's
 * fingerprint and copy. Every expectation is derived from the kernel source named in the comment.
 */
class SwapInfoTest {
    static final int HAS = SwapInfo.SWAP_HAS_CACHE;

    /** A machine with a swap area of {@code pages} pages (header included), a disk (not SWP_SYNCHRONOUS_IO). */
    static Machine machine(long pages) {
        return ReclaimTest.machine(128, SwapConfig.of(pages, false));
    }

    /** An anonymous page mapped once by pid 1 at addr, holding value. */
    static int anon(Machine m, long addr, long value) {
        m.rmap().mmap(1, addr, 1);
        Rmap.Access a = m.rmap().access(1, addr, true, value);
        return m.mem().idx(a.pfn());
    }

    /** A page straight from the buddy allocator: refcount 1, not mapped, on no LRU. */
    static int raw(Machine m) {
        long pfn = m.allocPages(Gfp.GFP_KERNEL, 0);
        assertTrue(pfn >= 0);
        return m.mem().idx(pfn);
    }

    static int flags(Machine m, int page) {
        return m.mem().flags[page];
    }

    // ------------------------------------------------------------------ geometry

    /**
     * mm/swapfile.c, setup_swap_map(): swap_map[0] = SWAP_MAP_BAD for the header, so
     * total_swap_pages counts maxpages - 1 slots; get_nr_swap_pages() is the free ones; no swap
     * area means 0 of both. include/linux/swap.h vm_swap_full(): nr_swap_pages * 2 < total_swap_pages.
     */
    @Test
    void geometryAndVmSwapFull() {
        Machine m = machine(9);
        SwapInfo si = m.reclaim().swapInfo();
        assertEquals(SwapInfo.SWAP_MAP_BAD, si.swapMap(0), "the header slot is SWAP_MAP_BAD");
        assertEquals(8, si.total_swap_pages());
        assertEquals(8, si.get_nr_swap_pages());
        assertFalse(si.validOffset(0), "the header is no slot");
        assertTrue(si.validOffset(1));
        assertTrue(si.validOffset(8));
        assertFalse(si.validOffset(9), "si->max is past the end");
        assertEquals(0, machine(0).reclaim().swapInfo().total_swap_pages());
        assertEquals(1, machine(2).reclaim().swapInfo().total_swap_pages());
        si.inusePages = 3; // 5 free: 10 < 8 false
        assertEquals(5, si.get_nr_swap_pages());
        assertFalse(si.vm_swap_full());
        si.inusePages = 4; // 4 free: 8 < 8 false, exactly half is not full
        assertFalse(si.vm_swap_full());
        si.inusePages = 5; // 3 free: 6 < 8
        assertTrue(si.vm_swap_full());
        si.inusePages = 8;
        assertEquals(0, si.get_nr_swap_pages());
        assertTrue(si.vm_swap_full());
        assertTrue(si.toString().contains("8/8 slots in use"), si.toString());
        long[] map = si.swapMapCopy();
        assertEquals(9, map.length);
        assertEquals(SwapInfo.SWAP_MAP_BAD, map[0]);
        assertTrue(machine(5).reclaim().swapInfo().toString().contains("[63, 0, 0, 0, 0]"));
        assertTrue(ReclaimTest.machine(128, SwapConfig.of(5, true)).reclaim().swapInfo().toString().contains("(sync)"));
        assertFalse(si.toString().contains("(sync)"));
    }

    // ------------------------------------------------------------------ allocation

    /**
     * mm/swapfile.c, folio_alloc_swap() -> cluster_alloc_swap_entry() -> alloc_swap_scan_cluster():
     * next-fit from the per-CPU offset, cluster_alloc_range() with usage SWAP_HAS_CACHE, the folio
     * joins the swap cache (swap_cache_add_folio(): a reference, PG_swapcache, folio->swap).
     * Past the last slot the offset wraps to the first. A slot with a swap count is never taken;
     * a cache-only slot is taken back (cluster_reclaim_range() -> __try_to_reclaim_swap(TTRS_ANYWAY))
     * when vm_swap_full(); with every slot counted, -ENOMEM.
     */
    @Test
    void nextFitAllocationWrapsReclaimsCacheOnlySlotsAndFails() {
        Machine m = machine(5); // slots 1..4
        Reclaim rc = m.reclaim();
        SwapInfo si = rc.swapInfo();
        int[] p = new int[7];
        for (int i = 0; i < p.length; i++) p[i] = raw(m);
        for (int i = 0; i < 4; i++) {
            int ref = m.mem().refcount[p[i]];
            assertEquals(0, si.folio_alloc_swap(p[i]));
            assertEquals(i + 1, m.mem().privateData()[p[i]], "folio->swap: next fit from slot 1");
            assertEquals(HAS, si.swapMap(i + 1));
            assertEquals(m.mem().pfn(p[i]), si.cachedPfn(i + 1));
            assertEquals(ref + 1, m.mem().refcount[p[i]], "the swap cache's reference");
            assertTrue((flags(m, p[i]) & PageFlags.PG_swapcache) != 0);
            assertEquals(i + 1, si.inusePages);
        }
        assertEquals(1, si.next, "after the last slot the offset wraps to slot 1");
        for (int o = 1; o <= 3; o++) si.swap_duplicate(o);
        // slot 4 holds only the swap cache and swap is full: the allocation takes it back
        int ref3 = m.mem().refcount[p[3]];
        assertEquals(0, si.folio_alloc_swap(p[4]));
        assertEquals(4, m.mem().privateData()[p[4]]);
        assertEquals(0, flags(m, p[3]) & PG_SWAPCACHE, "the reclaimed folio left the swap cache");
        assertTrue((flags(m, p[3]) & PageFlags.PG_dirty) != 0, "__try_to_reclaim_swap() dirties it");
        assertEquals(ref3 - 1, m.mem().refcount[p[3]]);
        assertEquals(4, si.inusePages);
        // free slot 3: its entry gone, then the cache's hold
        si.swap_free(3);
        assertEquals(HAS, si.swapMap(3));
        assertTrue(si.folio_free_swap(p[2]));
        assertEquals(0, si.swapMap(3));
        assertEquals(3, si.inusePages);
        // next fit: from slot 1, the first free is 3; the offset then points at 4
        assertEquals(0, si.folio_alloc_swap(p[5]));
        assertEquals(3, m.mem().privateData()[p[5]]);
        assertEquals(4, si.next);
        si.swap_duplicate(3);
        // slot 4 is cache-only again but its folio is under writeback: folio_swapcache_freeable()
        // fails, __try_to_reclaim_swap() leaves it, the slot is not taken
        m.mem().flags[p[4]] |= PageFlags.PG_writeback;
        long fails = rc.stats.swapAllocFail;
        assertEquals(SwapInfo.ENOMEM, si.folio_alloc_swap(p[6]), "the only cache-only slot's folio is under writeback");
        assertEquals(fails + 1, rc.stats.swapAllocFail);
        assertTrue((flags(m, p[4]) & PG_SWAPCACHE) != 0);
        m.mem().flags[p[4]] &= ~PageFlags.PG_writeback;
        si.swap_duplicate(4);
        fails = rc.stats.swapAllocFail;
        assertEquals(SwapInfo.ENOMEM, si.folio_alloc_swap(p[6]), "every slot is counted");
        assertEquals(fails + 1, rc.stats.swapAllocFail);
        assertEquals(0, flags(m, p[6]) & PG_SWAPCACHE);
        assertEquals(0, rc.warnings().count(), rc.warnings().messages().toString());
    }

    static final int PG_SWAPCACHE = PageFlags.PG_swapcache;

    /** Below half full a cache-only slot is skipped, not reclaimed (cluster_scan_range(): vm_swap_full() gates the reclaim). */
    @Test
    void cacheOnlySlotsAreSkippedWhileSwapIsNotFull() {
        Machine m = machine(9); // 8 slots
        SwapInfo si = m.reclaim().swapInfo();
        int a = raw(m);
        int b = raw(m);
        assertEquals(0, si.folio_alloc_swap(a));
        assertEquals(0, si.folio_alloc_swap(b));
        si.next = 1;
        int c = raw(m);
        assertEquals(0, si.folio_alloc_swap(c));
        assertEquals(3, m.mem().privateData()[c], "slots 1 and 2 (cache only) were passed over");
        assertTrue((flags(m, a) & PG_SWAPCACHE) != 0);
        assertTrue((flags(m, b) & PG_SWAPCACHE) != 0);
        assertEquals(4, si.next);
    }

    // ------------------------------------------------------------------ counts

    /**
     * mm/swapfile.c, __swap_duplicate(): -ENOENT for a free slot (count 0, no cache), the count
     * incremented keeping SWAP_HAS_CACHE; swap_duplicate() of an offset past si->max is a bad
     * swap entry (get_swap_device() fails). A count at SWAP_MAP_MAX would need a continuation page.
     */
    @Test
    void swapDuplicate() {
        Machine m = machine(9);
        Reclaim rc = m.reclaim();
        SwapInfo si = rc.swapInfo();
        si.swap_duplicate(2);
        assertEquals(0, si.swapMap(2), "a free slot gets no count");
        assertEquals(1, rc.warnings().count());
        si.swap_duplicate(9);
        assertEquals(2, rc.warnings().count(), "offset 9 is past si->max");
        si.swap_duplicate(0);
        assertEquals(3, rc.warnings().count(), "the header is no slot");
        assertEquals(SwapInfo.SWAP_MAP_BAD, si.swapMap(0));
        si.swapMap[3] = HAS;
        si.swap_duplicate(3);
        assertEquals(1 | HAS, si.swapMap(3));
        si.swap_duplicate(3);
        assertEquals(2 | HAS, si.swapMap(3));
        si.swapMap[4] = 1;
        si.swap_duplicate(4);
        assertEquals(2, si.swapMap(4), "no SWAP_HAS_CACHE appears");
        si.swapMap[5] = SwapInfo.SWAP_MAP_MAX - 1;
        si.swap_duplicate(5);
        assertEquals(SwapInfo.SWAP_MAP_MAX, si.swapMap(5));
        assertEquals(3, rc.warnings().count());
        si.swap_duplicate(5);
        assertEquals(SwapInfo.SWAP_MAP_MAX, si.swapMap(5), "no continuation pages");
        assertEquals(4, rc.warnings().count());
        assertTrue(si.swap_entry_swapped(4));
        assertFalse(si.swap_entry_swapped(1));
        si.swapMap[6] = HAS;
        assertFalse(si.swap_entry_swapped(6), "SWAP_HAS_CACHE is no swap entry");
    }

    /** mm/swapfile.c, swapcache_prepare() -> __swap_duplicate(SWAP_HAS_CACHE): -ENOENT free, -EEXIST cached, else SWAP_HAS_CACHE set. */
    @Test
    void swapcachePrepare() {
        Machine m = machine(9);
        SwapInfo si = m.reclaim().swapInfo();
        assertEquals(SwapInfo.ENOENT, si.swapcache_prepare(1));
        assertEquals(0, si.swapMap(1));
        si.swapMap[2] = 1;
        assertEquals(0, si.swapcache_prepare(2));
        assertEquals(1 | HAS, si.swapMap(2));
        assertEquals(SwapInfo.EEXIST, si.swapcache_prepare(2));
        assertEquals(1 | HAS, si.swapMap(2));
        si.swapMap[3] = HAS;
        assertEquals(SwapInfo.EEXIST, si.swapcache_prepare(3), "a folio has it");
        si.swapMap[4] = 2;
        assertEquals(0, si.swapcache_prepare(4));
        assertEquals(2 | HAS, si.swapMap(4));
        // swapcache_clear(): the claim is dropped again
        si.swapcache_clear(4);
        assertEquals(2, si.swapMap(4));
        assertEquals(0, m.reclaim().warnings().count());
    }

    /**
     * mm/swapfile.c, swap_entry_put_locked(): an entry's put decrements the count, the cache's put
     * clears SWAP_HAS_CACHE; the last one frees the slot (swap_entries_free(): swap_range_free()
     * clears the shadow and the zeromap bit, inuse_pages drops). A put of SWAP_HAS_CACHE without it
     * is VM_BUG_ON(!has_cache); an entry's put at count 0 underflows.
     */
    @Test
    void putsAndTheLastReference() {
        Machine m = machine(9);
        Reclaim rc = m.reclaim();
        SwapInfo si = rc.swapInfo();
        si.swapMap[2] = 2;
        si.inusePages = 1;
        si.shadow[2] = 0x55;
        si.shadowClock[2] = 7;
        si.zeromap.set(2);
        si.swap_free(2);
        assertEquals(1, si.swapMap(2));
        assertEquals(0x55, si.shadowOf(2));
        assertEquals(1, si.inusePages);
        si.swap_free(2);
        assertEquals(0, si.swapMap(2));
        assertEquals(0, si.inusePages);
        assertEquals(0, si.shadowOf(2), "swap_range_free() clears the shadow");
        assertEquals(0, si.shadowClockOf(2));
        assertFalse(si.zeromap.get(2), "and the zeromap bit");
        assertEquals(0, rc.warnings().count());
        // count | cache: the entry's put leaves the cache's hold
        si.swapMap[3] = 1 | HAS;
        si.inusePages = 1;
        si.swap_free(3);
        assertEquals(HAS, si.swapMap(3));
        assertEquals(1, si.inusePages);
        // put_swap_folio() with entries left: only SWAP_HAS_CACHE goes
        si.swapMap[4] = 2 | HAS;
        si.put_swap_folio(4);
        assertEquals(2, si.swapMap(4));
        // put_swap_folio() of a cache-only slot frees it
        si.put_swap_folio(3);
        assertEquals(0, si.swapMap(3));
        assertEquals(0, si.inusePages);
        assertEquals(0, rc.warnings().count());
        // the cache's put without SWAP_HAS_CACHE
        si.swapMap[5] = 2;
        si.put_swap_folio(5);
        assertEquals(2, si.swapMap(5));
        assertEquals(1, rc.warnings().count(), rc.warnings().messages().toString());
        // an entry's put at count 0 (only the cache holds it): underflow, the cache's hold stays
        si.swapMap[6] = HAS;
        si.swap_free(6);
        assertEquals(HAS, si.swapMap(6));
        assertEquals(2, rc.warnings().count());
        // bad offsets are bad swap entries
        si.swap_free(0);
        si.swap_free(9);
        assertEquals(4, rc.warnings().count());
        assertEquals(SwapInfo.SWAP_MAP_BAD, si.swapMap(0));
        // a count above SWAP_MAP_MAX (SWAP_MAP_BAD) is not decremented
        si.swapMap[7] = SwapInfo.SWAP_MAP_BAD;
        si.swap_free(7);
        assertEquals(SwapInfo.SWAP_MAP_BAD, si.swapMap(7));
        si.swapMap[7] = SwapInfo.SWAP_MAP_MAX;
        si.swap_free(7);
        assertEquals(SwapInfo.SWAP_MAP_MAX - 1, si.swapMap(7));
    }

    /** A slot freed while a folio is still in its swap table: swap_cluster_assert_table_empty() warns. */
    @Test
    void freeingASlotAFolioCachesWarns() {
        Machine m = machine(9);
        Reclaim rc = m.reclaim();
        SwapInfo si = rc.swapInfo();
        int p = raw(m);
        assertEquals(0, si.folio_alloc_swap(p));
        ReclaimCorruption.setSwapMap(rc, 1, 1);
        si.swap_free(1);
        assertEquals(0, si.swapMap(1));
        assertEquals(1, rc.warnings().count());
        assertTrue(rc.warnings().messages().toString().contains("freed while a folio caches it"));
    }

    // ------------------------------------------------------------------ swap cache

    /**
     * mm/swap_state.c: swap_cache_add_folio() returns the shadow the slot held and installs the
     * folio; __swap_cache_del_folio() leaves the given shadow (the clock only with a shadow);
     * swap_cache_get_folio() takes a reference; both warn on the states the kernel WARNs about
     * (a folio already in the swap cache, a slot already holding a folio, a folio under writeback,
     * a slot holding another folio).
     */
    @Test
    void swapCacheAddDelAndTheirWarnings() {
        Machine m = machine(9);
        Reclaim rc = m.reclaim();
        SwapInfo si = rc.swapInfo();
        MemMap mem = m.mem();
        int p = raw(m);
        long pfn = mem.pfn(p);
        si.swapMap[2] = 1 | HAS;
        si.shadow[2] = 0x99;
        si.shadowClock[2] = 11;
        assertEquals(0x99, si.swap_cache_add_folio(p, 2));
        assertEquals(11, rc.lastShadowClock());
        assertEquals(0, si.swap_cache_get_shadow(2));
        assertEquals(pfn, si.cachedPfn(2));
        assertEquals(2, mem.refcount[p]);
        assertEquals(pfn, si.swap_cache_get_folio(2));
        assertEquals(3, mem.refcount[p], "folio_try_get()");
        assertEquals(-1, si.swap_cache_get_folio(3));
        assertEquals(0, rc.warnings().count());
        // delete with a shadow and a clock
        si.__swap_cache_del_folio(p, 2, 0x77, 5);
        assertEquals(0x77, si.swap_cache_get_shadow(2));
        assertEquals(0x77, si.shadowOf(2));
        assertEquals(5, si.shadowClockOf(2));
        assertEquals(-1, si.cachedPfn(2));
        assertEquals(0, mem.flags[p] & PG_SWAPCACHE);
        assertEquals(0, mem.privateData()[p]);
        assertEquals(3, mem.refcount[p], "__swap_cache_del_folio() does not put the reference");
        // no shadow: no clock either
        si.swap_cache_add_folio(p, 2);
        si.__swap_cache_del_folio(p, 2, 0, 5);
        assertEquals(0, si.shadowClockOf(2));
        assertEquals(0, rc.warnings().count());
        // warnings
        si.swap_cache_add_folio(p, 2);
        si.swap_cache_add_folio(p, 3);
        assertEquals(1, rc.warnings().count(), "the folio was in the swap cache already");
        int q = raw(m);
        si.swap_cache_add_folio(q, 3);
        assertEquals(2, rc.warnings().count(), "slot 3 holds a folio");
        mem.flags[q] |= PageFlags.PG_writeback;
        si.__swap_cache_del_folio(q, 2, 0, 0);
        assertEquals(4, rc.warnings().count(), "under writeback, and slot 2 holds p, not q: "
                + rc.warnings().messages());
    }

    /**
     * mm/swapfile.c, folio_swapcache_freeable(): PG_swapcache and not PG_writeback (the model has
     * no hibernation); folio_free_swap(): not while a swap entry names the slot, else out of the
     * swap cache, the cache's reference dropped, PG_dirty set. free_swap_cache() (mm/swap_state.c)
     * does it only for an unmapped folio.
     */
    @Test
    void folioFreeSwapAndFreeSwapCache() {
        Machine m = machine(9);
        Reclaim rc = m.reclaim();
        SwapInfo si = rc.swapInfo();
        MemMap mem = m.mem();
        int p = raw(m);
        assertFalse(si.folio_swapcache_freeable(p), "not in the swap cache");
        assertFalse(si.folio_free_swap(p));
        assertEquals(0, si.folio_alloc_swap(p));
        assertTrue(si.folio_swapcache_freeable(p));
        mem.flags[p] |= PageFlags.PG_writeback;
        assertFalse(si.folio_swapcache_freeable(p), "under writeback");
        assertFalse(si.folio_free_swap(p));
        mem.flags[p] &= ~PageFlags.PG_writeback;
        si.swap_duplicate(1);
        assertFalse(si.folio_free_swap(p), "a swap entry still names the slot");
        si.free_swap_cache(p);
        assertTrue((mem.flags[p] & PG_SWAPCACHE) != 0);
        si.swap_free(1);
        assertEquals(0, mem.flags[p] & PageFlags.PG_dirty);
        si.free_swap_cache(p); // unmapped: folio_free_swap()
        assertEquals(0, mem.flags[p] & PG_SWAPCACHE);
        assertTrue((mem.flags[p] & PageFlags.PG_dirty) != 0);
        assertEquals(1, mem.refcount[p]);
        assertEquals(0, si.swapMap(1));
        assertEquals(0, si.inusePages);
        // a mapped folio stays in the swap cache
        int q = anon(m, 0x200, 9);
        assertEquals(0, si.folio_alloc_swap(q));
        si.free_swap_cache(q);
        assertTrue((mem.flags[q] & PG_SWAPCACHE) != 0, "free_swap_cache() leaves a mapped folio");
        // free_swap_cache() of a folio not in the swap cache does nothing
        int s = raw(m);
        si.free_swap_cache(s);
        assertEquals(0, mem.flags[s] & PageFlags.PG_dirty);
        assertEquals(0, rc.warnings().count(), rc.warnings().messages().toString());
    }

    /**
     * mm/swapfile.c, __try_to_reclaim_swap(): 0 when the slot caches no folio; the folio is
     * reclaimed (out of the swap cache, dirtied, ret = nr_pages) when asked TTRS_ANYWAY, or
     * TTRS_UNMAPPED and it is unmapped, or TTRS_FULL and swap is full, and it is freeable and the
     * slot has only the cache; else -nr_pages. The lookup's reference is put either way.
     */
    @Test
    void tryToReclaimSwapNeedsAReasonAndACacheOnlySlot() {
        Machine m = machine(9);
        Reclaim rc = m.reclaim();
        SwapInfo si = rc.swapInfo();
        MemMap mem = m.mem();
        assertEquals(0, si.__try_to_reclaim_swap(1, SwapInfo.TTRS_ANYWAY), "no folio cached");
        int mapped = anon(m, 0x300, 5); // mapcount 1
        assertEquals(0, si.folio_alloc_swap(mapped));
        int off = (int) mem.privateData()[mapped];
        int ref = mem.refcount[mapped];
        assertEquals(-1, si.__try_to_reclaim_swap(off, SwapInfo.TTRS_UNMAPPED), "it is mapped");
        assertEquals(-1, si.__try_to_reclaim_swap(off, SwapInfo.TTRS_FULL), "1 of 8 slots in use is not full");
        assertEquals(-1, si.__try_to_reclaim_swap(off, 0));
        assertEquals(ref, mem.refcount[mapped], "the lookup's reference was put");
        assertTrue((mem.flags[mapped] & PG_SWAPCACHE) != 0);
        si.swap_duplicate(off);
        assertEquals(-1, si.__try_to_reclaim_swap(off, SwapInfo.TTRS_ANYWAY), "a swap entry names the slot");
        si.swap_free(off);
        mem.flags[mapped] |= PageFlags.PG_writeback;
        assertEquals(-1, si.__try_to_reclaim_swap(off, SwapInfo.TTRS_ANYWAY), "under writeback: not freeable");
        mem.flags[mapped] &= ~PageFlags.PG_writeback;
        assertEquals(0, mem.flags[mapped] & PageFlags.PG_dirty & 0);
        mem.flags[mapped] &= ~PageFlags.PG_dirty;
        assertEquals(1, si.__try_to_reclaim_swap(off, SwapInfo.TTRS_ANYWAY), "anyway, even mapped");
        assertEquals(0, mem.flags[mapped] & PG_SWAPCACHE);
        assertTrue((mem.flags[mapped] & PageFlags.PG_dirty) != 0);
        assertEquals(ref - 1, mem.refcount[mapped]);
        assertEquals(0, si.swapMap(off));
        // unmapped
        int u = raw(m);
        assertEquals(0, si.folio_alloc_swap(u));
        int uo = (int) mem.privateData()[u];
        assertEquals(-1, si.__try_to_reclaim_swap(uo, SwapInfo.TTRS_FULL), "unmapped, but TTRS_UNMAPPED was not asked and swap is not full");
        assertEquals(1, si.__try_to_reclaim_swap(uo, SwapInfo.TTRS_UNMAPPED));
        assertEquals(1, mem.refcount[u]);
        // full: 5 of 8 in use
        si.inusePages += 4;
        int f = anon(m, 0x400, 6);
        assertEquals(0, si.folio_alloc_swap(f));
        assertTrue(si.vm_swap_full());
        int fo = (int) mem.privateData()[f];
        assertEquals(-1, si.__try_to_reclaim_swap(fo, SwapInfo.TTRS_UNMAPPED), "full, but TTRS_FULL was not asked and it is mapped");
        assertEquals(1, si.__try_to_reclaim_swap(fo, SwapInfo.TTRS_FULL));
        assertEquals(0, rc.warnings().count(), rc.warnings().messages().toString());
    }

    /**
     * mm/swapfile.c, free_swap_and_cache_nr(): the entry is put; when only the swap cache holds the
     * slot then, __try_to_reclaim_swap(TTRS_UNMAPPED | TTRS_FULL); a bad entry is rejected.
     */
    @Test
    void freeSwapAndCache() {
        Machine m = machine(9);
        Reclaim rc = m.reclaim();
        SwapInfo si = rc.swapInfo();
        MemMap mem = m.mem();
        int u = raw(m);
        assertEquals(0, si.folio_alloc_swap(u));
        si.swap_duplicate(1);
        si.swap_duplicate(1);
        si.free_swap_and_cache(1);
        assertEquals(1 | HAS, si.swapMap(1), "an entry is left: no reclaim");
        assertTrue((mem.flags[u] & PG_SWAPCACHE) != 0);
        si.free_swap_and_cache(1);
        assertEquals(0, si.swapMap(1), "only the cache held it: the unmapped folio is reclaimed");
        assertEquals(0, mem.flags[u] & PG_SWAPCACHE);
        assertEquals(0, rc.warnings().count());
        si.free_swap_and_cache(0);
        assertEquals(1, rc.warnings().count());
        si.free_swap_and_cache(9);
        assertEquals(2, rc.warnings().count(), "past si->max");
        rc.warnings().clear();
        assertEquals(SwapInfo.SWAP_MAP_BAD, si.swapMap(0));
        // a mapped folio with swap not full stays
        int q = anon(m, 0x500, 3);
        assertEquals(0, si.folio_alloc_swap(q));
        int qo = (int) mem.privateData()[q];
        si.swap_duplicate(qo);
        si.free_swap_and_cache(qo);
        assertEquals(HAS, si.swapMap(qo));
        assertTrue((mem.flags[q] & PG_SWAPCACHE) != 0);
    }

    // ------------------------------------------------------------------ I/O

    /**
     * mm/page_io.c, swap_writeout(): a folio whose slot no entry names just leaves the swap cache
     * (folio_free_swap()); a zero-filled folio sets the slot's zeromap bit with no I/O
     * (count_vm_event(SWPOUT_ZERO)); otherwise the bit is cleared and __swap_writepage() starts
     * writeback (PSWPOUT), completing later on a disk; the completion stores the data.
     */
    @Test
    void swapWriteoutZeromapAndWriteback() {
        Machine m = machine(9);
        Reclaim rc = m.reclaim();
        SwapInfo si = rc.swapInfo();
        MemMap mem = m.mem();
        int z = anon(m, 0x100, 0);
        assertEquals(0, si.folio_alloc_swap(z));
        int zo = (int) mem.privateData()[z];
        si.swap_writeout(z);
        assertEquals(0, mem.flags[z] & PG_SWAPCACHE, "no entry names the slot: folio_free_swap()");
        assertEquals(0, si.swapMap(zo));
        assertEquals(0, rc.stats.swapZeroFilled + rc.stats.pswpout);
        assertEquals(0, si.folio_alloc_swap(z));
        zo = (int) mem.privateData()[z];
        si.swap_duplicate(zo);
        si.slotData[zo] = 123; // stale data of an earlier write
        si.swap_writeout(z);
        assertTrue(si.zeromap.get(zo));
        assertEquals(0, si.slotValue(zo), "a zero-filled slot reads 0 from the zeromap");
        assertEquals(1, rc.stats.swapZeroFilled);
        assertEquals(0, rc.stats.pswpout);
        assertTrue(rc.underWriteback().isEmpty(), "no I/O");
        // the same folio now holds data: written out, the zeromap bit cleared
        m.rmap().access(1, 0x100, true, 42);
        si.swap_writeout(z);
        assertFalse(si.zeromap.get(zo));
        assertEquals(1, rc.stats.pswpout);
        assertEquals(1, rc.stats.swapZeroFilled);
        assertTrue(rc.underWriteback().containsKey(mem.pfn(z)));
        assertTrue((mem.flags[z] & PageFlags.PG_writeback) != 0, "a disk completes later");
        rc.writeback_end(mem.pfn(z));
        assertEquals(42, si.slotValue(zo));
        assertEquals(42, rc.swapEntryValue(zo), "the cached folio's content");
        m.rmap().access(1, 0x100, true, 43);
        assertEquals(43, rc.swapEntryValue(zo), "the swap cache folio, not the slot (42), is what the entry reads");
        assertEquals(42, si.slotValue(zo));
        assertEquals(0, rc.warnings().count(), rc.warnings().messages().toString());
    }

    /** On a SWP_SYNCHRONOUS_IO device swap_writepage_bdev_sync() completes the write before swap_writeout() returns. */
    @Test
    void synchronousWriteoutCompletesAtOnce() {
        Machine m = ReclaimTest.machine(128, SwapConfig.of(9, true));
        Reclaim rc = m.reclaim();
        SwapInfo si = rc.swapInfo();
        int p = anon(m, 0x100, 77);
        assertEquals(0, si.folio_alloc_swap(p));
        int o = (int) m.mem().privateData()[p];
        si.swap_duplicate(o);
        si.swap_writeout(p);
        assertTrue(rc.underWriteback().isEmpty());
        assertEquals(0, m.mem().flags[p] & PageFlags.PG_writeback);
        assertEquals(77, si.slotValue(o));
    }

    // ------------------------------------------------------------------ fingerprint and copy

    static SwapInfo fresh(Machine m) {
        return new SwapInfo(m.reclaim(), SwapConfig.of(9, false));
    }

    /** Model state identity: states differing in any one field fingerprint differently; a free slot's stale data does not count. */
    @Test
    void fingerprintSeparatesEveryField() {
        Machine m = machine(9);
        java.util.List<SwapInfo> variants = new java.util.ArrayList<>();
        java.util.function.Consumer<java.util.function.Consumer<SwapInfo>> v = f -> {
            SwapInfo s = fresh(m);
            s.swapMap[1] = 1;
            s.cache[1] = 5;
            s.shadow[2] = 3;
            s.swapMap[2] = 1;
            s.slotData[1] = 1;
            f.accept(s);
            variants.add(s);
        };
        v.accept(s -> {});
        v.accept(s -> s.swapMap[1] = 2);
        v.accept(s -> s.swapMap[1] = 1 | HAS);
        v.accept(s -> s.cache[1] = 6);
        v.accept(s -> s.cache[1] = 0);
        v.accept(s -> s.shadow[2] = 4);
        v.accept(s -> s.slotData[1] = 2);
        v.accept(s -> s.slotData[1] = 3);
        v.accept(s -> s.zeromap.set(1));
        v.accept(s -> s.next = 2);
        v.accept(s -> s.next = 3);
        v.accept(s -> s.inusePages = 1);
        v.accept(s -> s.inusePages = 2);
        v.accept(s -> s.swapMap[3] = 1);
        v.accept(s -> s.cache[3] = 1);
        v.accept(s -> s.shadow[3] = 1);
        v.accept(s -> { s.swapMap[1] = 0; s.swapMap[3] = 1; });
        v.accept(s -> { s.swapMap[8] = 1; });
        Set<Long> fps = new HashSet<>();
        for (SwapInfo s : variants) fps.add(s.fingerprint());
        assertEquals(variants.size(), fps.size(), "every variant fingerprints differently");
        assertFalse(fps.contains(0L));
        // stale data in a free slot is no state
        SwapInfo a = fresh(m);
        SwapInfo b = fresh(m);
        b.slotData[4] = 99;
        b.shadowClock[4] = 0;
        assertEquals(a.fingerprint(), b.fingerprint());
        assertNotEquals(0L, a.fingerprint());
    }

    /** copyFrom() carries every field, and clears what the target had that the source does not. */
    @Test
    void copyFromCarriesEveryField() {
        Machine m = machine(9);
        SwapInfo src = fresh(m);
        src.swapMap[1] = 1 | HAS;
        src.cache[1] = 9;
        src.shadow[2] = 4;
        src.shadowClock[2] = 6;
        src.slotData[3] = 8;
        src.zeromap.set(5);
        src.next = 4;
        src.inusePages = 2;
        SwapInfo dst = fresh(m);
        dst.zeromap.set(6);
        dst.shadowClock[7] = 3;
        dst.slotData[7] = 3;
        dst.copyFrom(src);
        assertArrayEquals(src.swapMap, dst.swapMap);
        assertArrayEquals(src.cache, dst.cache);
        assertArrayEquals(src.shadow, dst.shadow);
        assertArrayEquals(src.shadowClock, dst.shadowClock);
        assertArrayEquals(src.slotData, dst.slotData);
        assertEquals(src.zeromap, dst.zeromap);
        assertEquals(4, dst.next);
        assertEquals(2, dst.inusePages);
        assertEquals(src.fingerprint(), dst.fingerprint());
    }
}
