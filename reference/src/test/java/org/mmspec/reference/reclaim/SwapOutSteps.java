package org.mmspec.reference.reclaim;

import org.mmspec.reference.Machine;
import org.mmspec.reference.alloc.KernelWarnings;
import org.mmspec.reference.page.MemMap;
import org.mmspec.reference.page.PageFlags;

/**
 * Test support for the rmap's fault-path tests: the steps mm/vmscan.c shrink_folio_list() takes
 * for one anonymous folio, done on a chosen folio instead of whichever the LRU scan reaches, so
 * that a test can put exactly one page into the swap cache or out to its slot.
 */
public final class SwapOutSteps {
    private SwapOutSteps() {}

    /**
     * folio_isolate_lru(), folio_alloc_swap() and folio_mark_dirty() ("Anonymous process memory
     * has backing store? Try to allocate it some swap space here."), then try_to_unmap(): every
     * PTE becomes a swap entry. With {@code putBack} the folio goes back on the LRU
     * (folio_putback_lru(): the isolation reference dropped) and stays in the swap cache. Returns the slot.
     */
    public static long unmapIntoSwapCache(Machine m, long pfn, boolean putBack) {
        Reclaim rc = m.reclaim();
        MemMap mem = m.mem();
        int page = mem.idx(pfn);
        if (!rc.lruvec().folio_isolate_lru(pfn)) throw new IllegalStateException("pfn 0x" + Long.toHexString(pfn) + " not on the LRU");
        if (rc.si.folio_alloc_swap(page) != 0) throw new IllegalStateException("no free swap slot");
        mem.flags[page] |= PageFlags.PG_dirty;
        m.rmap().try_to_unmap(pfn);
        if (putBack) m.rmap().folio_putback_lru(pfn);
        return mem.privateData()[page];
    }

    /**
     * The whole of shrink_folio_list() for one unmapped folio: unmapIntoSwapCache(), pageout()
     * (the write completed, as a later scan finds it), __remove_mapping() (a shadow
     * left in the slot) and the free. Returns the slot.
     */
    public static long swapOut(Machine m, long pfn) {
        Reclaim rc = m.reclaim();
        int page = m.mem().idx(pfn);
        long off = unmapIntoSwapCache(m, pfn, false);
        if (rc.vmscan.pageout(page) != Vmscan.Pageout.SUCCESS) throw new IllegalStateException("pageout");
        // the write's completion (at once on a SWP_SYNCHRONOUS_IO device); a later scan frees it
        if ((m.mem().flags[page] & PageFlags.PG_writeback) != 0) rc.writeback_end(pfn);
        if (!rc.vmscan.__remove_mapping(page, true)) throw new IllegalStateException("__remove_mapping");
        rc.free_folio(page);
        return off;
    }

    public static KernelWarnings warnings(Machine m) {
        return m.reclaim().warnings();
    }
}
