package org.mmspec.reference.reclaim;

import org.mmspec.reference.alloc.KernelWarnings;
import org.mmspec.reference.alloc.ZoneType;
import org.mmspec.reference.page.MemMap;
import org.mmspec.reference.page.PageFlags;

/**
 * {@code struct lruvec} of the node (pgdat-&gt;__lruvec; memcg and MGLRU off) with the five LRU
 * lists of {@code enum lru_list} (include/linux/mmzone.h, v6.18), and the LRU primitives of
 * include/linux/mm_inline.h, mm/swap.c and mm/vmscan.c that the rest of mm uses:
 * {@link #folio_add_lru}, {@link #folio_isolate_lru}, {@link #folio_putback_lru},
 * {@link #lruvec_del_folio}. The lists are mem_map lists ({@code page->lru}, the same link a
 * free page uses on a buddy list: a page is on at most one). Unevictable folios are counted but,
 * as in v6.18, on no list.
 *
 * <p>The per-CPU folio batches of mm/swap.c (cpu_fbatches.lru_add) are drained at once: a folio
 * added is on its list when the call returns, as after lru_add_drain().
 */
public final class Lruvec {
    public static final int LRU_INACTIVE_ANON = 0;
    public static final int LRU_ACTIVE_ANON = 1;
    public static final int LRU_INACTIVE_FILE = 2;
    public static final int LRU_ACTIVE_FILE = 3;
    public static final int LRU_UNEVICTABLE = 4;
    public static final int NR_LRU_LISTS = 5;
    public static final int LRU_ACTIVE = 1;
    public static final String[] NAMES = {"inactive_anon", "active_anon", "inactive_file", "active_file", "unevictable"};

    private final MemMap mem;
    private KernelWarnings warnings = new KernelWarnings();
    private final int listBase;
    /** lruvec-&gt;lists sizes (NR_LRU_BASE + lru in the node's vmstat). */
    public final long[] nrPages = new long[NR_LRU_LISTS];
    /** Per zone: NR_ZONE_LRU_BASE + lru (zone_page_state), which zone_reclaimable_pages() reads. */
    public final long[][] zoneLruSize = new long[ZoneType.MAX_NR_ZONES][NR_LRU_LISTS];

    /** WORKINGSET_ANON / WORKINGSET_FILE: the index into the per-type counters below. */
    public static final int WORKINGSET_ANON = 0;
    public static final int WORKINGSET_FILE = 1;
    /** enum lruvec_flags: LRUVEC_CGROUP_CONGESTED, LRUVEC_NODE_CONGESTED. */
    public static final int LRUVEC_CGROUP_CONGESTED = 1;
    public static final int LRUVEC_NODE_CONGESTED = 1 << 1;

    /**
     * lruvec-&gt;anon_cost and file_cost: the decaying cost of reclaiming each type
     * (lru_note_cost_unlock_irq()), which get_scan_count() balances the scan by.
     */
    public long anonCost;
    public long fileCost;
    /** lruvec-&gt;nonresident_age: "Non-resident age, driven by LRU movement" (workingset.c). */
    public long nonresidentAge;
    /** lruvec-&gt;refaults[ANON_AND_FILE]: WORKINGSET_ACTIVATE_* at the end of the last reclaim cycle. */
    public final long[] refaults = new long[2];
    /** lruvec-&gt;flags (enum lruvec_flags). */
    public int flags;
    /** lruvec_page_state(WORKINGSET_REFAULT_BASE + type), WORKINGSET_ACTIVATE_*, WORKINGSET_RESTORE_*. */
    public final long[] workingsetRefault = new long[2];
    public final long[] workingsetActivate = new long[2];
    public final long[] workingsetRestore = new long[2];

    public Lruvec(MemMap mem) {
        this.mem = mem;
        this.listBase = mem.allocLists(NR_LRU_LISTS);
    }

    /** Where the LRU's VM_BUG_ON/VM_WARN reports go: the machine's warnings. */
    public void setWarnings(KernelWarnings warnings) {
        this.warnings = warnings;
    }

    public void copyFrom(Lruvec o) {
        System.arraycopy(o.nrPages, 0, nrPages, 0, NR_LRU_LISTS);
        for (int z = 0; z < zoneLruSize.length; z++) System.arraycopy(o.zoneLruSize[z], 0, zoneLruSize[z], 0, NR_LRU_LISTS);
        anonCost = o.anonCost;
        fileCost = o.fileCost;
        nonresidentAge = o.nonresidentAge;
        System.arraycopy(o.refaults, 0, refaults, 0, 2);
        flags = o.flags;
        System.arraycopy(o.workingsetRefault, 0, workingsetRefault, 0, 2);
        System.arraycopy(o.workingsetActivate, 0, workingsetActivate, 0, 2);
        System.arraycopy(o.workingsetRestore, 0, workingsetRestore, 0, 2);
    }

    public long fingerprint() {
        long h = 0x51ED27L;
        for (long v : nrPages) h = MemMap.mix(h ^ v);
        for (long[] z : zoneLruSize) for (long v : z) h = MemMap.mix(h ^ v);
        long[] vs = {anonCost, fileCost, nonresidentAge, refaults[0], refaults[1], flags, workingsetActivate[0],
            workingsetActivate[1]};
        for (long v : vs) h = MemMap.mix(h ^ v);
        return h;
    }

    /** lruvec_page_state(NR_LRU_BASE + lru): the node's count of a list. */
    public long size(int lru) {
        return nrPages[lru];
    }

    /** is_file_lru(). */
    public static boolean is_file_lru(int lru) {
        return lru == LRU_INACTIVE_FILE || lru == LRU_ACTIVE_FILE;
    }

    /** is_active_lru(). */
    public static boolean is_active_lru(int lru) {
        return lru == LRU_ACTIVE_ANON || lru == LRU_ACTIVE_FILE;
    }

    /** The mem_map page indices of a list, head (newest) first: for the invariants and the diagrams. */
    public java.util.List<Integer> pages(int lru) {
        java.util.List<Integer> out = new java.util.ArrayList<>();
        int guard = mem.nrPages() + 1;
        for (int p = first(lru); p != MemMap.NIL && guard-- > 0; p = mem.listNext(p)) out.add(p);
        return out;
    }

    /** The mem_map list id of lruvec-&gt;lists[lru]. */
    public int list(int lru) {
        return listBase + lru;
    }

    /** The first folio (page index) of a list, or MemMap.NIL: the head is the most recently added. */
    public int first(int lru) {
        return mem.listFirst(listBase + lru);
    }

    /** The last folio of a list (the oldest: reclaim scans from the tail), or MemMap.NIL. */
    public int last(int lru) {
        return mem.listLast(listBase + lru);
    }

    /** folio_is_file_lru(): page cache folios, not swap-backed anonymous ones. */
    public static boolean folio_is_file_lru(int flags) {
        return (flags & PageFlags.PG_swapbacked) == 0;
    }

    /** folio_lru_list(): the list a folio's flags put it on. */
    public int folio_lru_list(int page) {
        int f = mem.flags[page];
        if ((f & PageFlags.PG_active) != 0 && (f & PageFlags.PG_unevictable) != 0) {
            warnings.warn("folio_lru_list", "VM_BUG_ON_FOLIO(folio_test_active(folio) && folio_test_unevictable(folio)) pfn 0x"
                    + Long.toHexString(mem.pfn(page)));
        }
        if ((f & PageFlags.PG_unevictable) != 0) return LRU_UNEVICTABLE;
        int lru = folio_is_file_lru(f) ? LRU_INACTIVE_FILE : LRU_INACTIVE_ANON;
        if ((f & PageFlags.PG_active) != 0) lru += LRU_ACTIVE;
        return lru;
    }

    /** update_lru_size(). */
    void update_lru_size(int lru, int zone, long nr) {
        nrPages[lru] += nr;
        zoneLruSize[zone][lru] += nr;
    }

    /** lruvec_add_folio(): account it and put it at the head of its list (unevictable: no list). */
    public void lruvec_add_folio(int page) {
        int lru = folio_lru_list(page);
        update_lru_size(lru, mem.zoneId(page), 1);
        if (lru != LRU_UNEVICTABLE) mem.listAdd(page, listBase + lru);
    }

    /** lruvec_add_folio_tail(). */
    public void lruvec_add_folio_tail(int page) {
        int lru = folio_lru_list(page);
        update_lru_size(lru, mem.zoneId(page), 1);
        if (lru != LRU_UNEVICTABLE) mem.listAddTail(page, listBase + lru);
    }

    /** lruvec_del_folio(): off its list and out of the counts (the flags still say which list). */
    public void lruvec_del_folio(int page) {
        int lru = folio_lru_list(page);
        if (lru != LRU_UNEVICTABLE) mem.listDel(page);
        update_lru_size(lru, mem.zoneId(page), -1);
    }

    /**
     * folio_add_lru() through lru_add() and folio_batch_move_lru(): the folio joins the LRU list
     * its flags name and gets PG_lru (evictability: no mlock in the model, so always evictable).
     */
    public void folio_add_lru(long pfn) {
        int page = mem.idx(pfn);
        int f = mem.flags[page];
        if ((f & PageFlags.PG_active) != 0 && (f & PageFlags.PG_unevictable) != 0) {
            warnings.warn("folio_add_lru", "VM_BUG_ON_FOLIO(folio_test_active && folio_test_unevictable) pfn 0x"
                    + Long.toHexString(pfn));
        }
        if ((f & PageFlags.PG_lru) != 0) {
            warnings.warn("folio_add_lru", "VM_BUG_ON_FOLIO(folio_test_lru(folio)) pfn 0x" + Long.toHexString(pfn));
            return;
        }
        mem.flags[page] &= ~PageFlags.PG_unevictable; // lru_add(): folio_test_clear_unevictable; evictable
        lruvec_add_folio(page);
        mem.flags[page] |= PageFlags.PG_lru;
    }

    /**
     * folio_isolate_lru(): take a folio off the LRU for migration or reclaim, with a reference
     * for the isolator; false when it was not on the LRU (someone else isolated it).
     */
    public boolean folio_isolate_lru(long pfn) {
        int page = mem.idx(pfn);
        if (mem.refcount[page] == 0) {
            warnings.warn("folio_isolate_lru", "VM_BUG_ON_FOLIO(!folio_ref_count(folio)) pfn 0x" + Long.toHexString(pfn));
        }
        if ((mem.flags[page] & PageFlags.PG_lru) == 0) return false;
        mem.flags[page] &= ~PageFlags.PG_lru;
        mem.refcount[page]++;
        lruvec_del_folio(page);
        return true;
    }

    /**
     * __page_cache_release() on the last put: a folio still on the LRU leaves it, and
     * __folio_clear_lru_flags() clears PG_lru, PG_active and PG_unevictable before the free.
     */
    public void __page_cache_release(long pfn) {
        int page = mem.idx(pfn);
        if ((mem.flags[page] & PageFlags.PG_lru) != 0) {
            lruvec_del_folio(page);
            mem.flags[page] &= ~(PageFlags.PG_lru | PageFlags.PG_active | PageFlags.PG_unevictable);
        }
    }

    /** Total folios on the LRU (lists and unevictable). */
    public long total() {
        long n = 0;
        for (long v : nrPages) n += v;
        return n;
    }
}
