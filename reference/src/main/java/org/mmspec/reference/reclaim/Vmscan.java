package org.mmspec.reference.reclaim;

import java.util.ArrayDeque;

import org.mmspec.reference.alloc.Gfp;
import org.mmspec.reference.alloc.Node;
import org.mmspec.reference.alloc.PageAlloc;
import org.mmspec.reference.alloc.Zone;
import org.mmspec.reference.alloc.ZoneType;
import org.mmspec.reference.page.MemMap;
import org.mmspec.reference.page.PageFlags;

/**
 * mm/vmscan.c (Linux v6.18) with the classic two-list LRU (CONFIG_LRU_GEN off) and memcg off:
 * direct reclaim (try_to_free_pages() -&gt; do_try_to_free_pages() -&gt; shrink_zones()), kswapd's
 * balance_pgdat(), and what both share: shrink_node() -&gt; shrink_lruvec() -&gt; get_scan_count()
 * -&gt; shrink_list() -&gt; shrink_active_list() / shrink_inactive_list() -&gt; isolate_lru_folios(),
 * shrink_folio_list() with folio_check_references(), pageout() and __remove_mapping(), and
 * move_folios_to_lru(). One method per kernel function, under its name; the proportional scan of
 * get_scan_count() and shrink_lruvec() is the kernel's, unsimplified.
 *
 * <p>Private folio lists (l_hold, folio_list, ret_folios, folios_skipped) are deques whose first
 * element is the list head: {@code list_add()} is addFirst, {@code lru_to_folio()} is peekLast.
 * Nothing runs concurrently, so folio_trylock() always succeeds, there are no speculative
 * references, too_many_isolated() is never true, and reclaim_throttle() does not sleep.
 */
final class Vmscan {
    static final int DEF_PRIORITY = 12;
    static final int MAX_SWAPPINESS = 200;
    static final int SWAP_CLUSTER_MAX = Swap.SWAP_CLUSTER_MAX;
    static final int SWAP_CLUSTER_MAX_SKIPPED = SWAP_CLUSTER_MAX << 10;
    /** PAGEVEC_SIZE: folios freed per free_unref_folios() batch. */
    static final int PAGEVEC_SIZE = 31;
    static final int DEACTIVATE_ANON = 1;
    static final int DEACTIVATE_FILE = 2;
    /** enum pgdat_flags. */
    static final int PGDAT_DIRTY = 1;
    static final int PGDAT_WRITEBACK = 1 << 1;
    /** 1 GiB in pages: inactive_is_low()'s (inactive + active) &gt;&gt; (30 - PAGE_SHIFT). */
    static final int GB_SHIFT = 30 - 12;

    enum FolioReferences { RECLAIM, RECLAIM_CLEAN, KEEP, ACTIVATE }

    enum Pageout { KEEP, ACTIVATE, SUCCESS, CLEAN }

    enum ScanBalance { EQUAL, FRACT, ANON, FILE }

    /** struct scan_control. */
    static final class ScanControl {
        long nr_to_reclaim;
        long anon_cost, file_cost;
        int may_deactivate;
        boolean force_deactivate, skipped_deactivate;
        boolean may_writepage, may_unmap, may_swap;
        boolean no_cache_trim_mode, cache_trim_mode_failed;
        boolean memcg_low_reclaim, memcg_low_skipped, memcg_full_walk;
        boolean compaction_ready, cache_trim_mode, file_is_tiny;
        int order, priority, reclaim_idx, gfp_mask;
        long nr_scanned, nr_reclaimed;
        /** sc-&gt;nr. */
        long nrDirty, nrUnqueuedDirty, nrCongested, nrWriteback, nrImmediate, nrFileTaken, nrTaken;
        /** current_is_kswapd(). */
        boolean kswapd;

        void clearNr() {
            nrDirty = nrUnqueuedDirty = nrCongested = nrWriteback = nrImmediate = nrFileTaken = nrTaken = 0;
        }
    }

    /** struct reclaim_stat. */
    static final class ReclaimStat {
        long nr_dirty, nr_unqueued_dirty, nr_congested, nr_writeback, nr_immediate, nr_pageout, nr_ref_keep, nr_unmap_fail;
        final long[] nr_activate = new long[2];
    }

    private final Reclaim r;
    /** For the trace: the young PTEs counted directly when folio_check_references() last ran. */
    private int lastYoungPtes = -1;

    Vmscan(Reclaim r) {
        this.r = r;
    }

    private MemMap mem() {
        return r.mem;
    }

    private Lruvec lruvec() {
        return r.lruvec;
    }

    private Node node() {
        return r.node;
    }

    private boolean test(int page, int flag) {
        return (r.mem.flags[page] & flag) != 0;
    }

    private boolean folio_mapped(int page) {
        return r.mem.mapcountOf(page) > 0;
    }

    private boolean folio_test_anon(int page) {
        return (r.mem.mappingOf(page) & 1) != 0;
    }

    // ------------------------------------------------------------------ sizes and predicates

    /** can_reclaim_anon_pages(): is there space in a swap device (no demotion in the model)? */
    boolean can_reclaim_anon_pages() {
        return r.si.get_nr_swap_pages() > 0;
    }

    /** can_age_anon_pages(): aging the anon LRU is worth it only with swap (total_swap_pages). */
    boolean can_age_anon_pages() {
        return r.si.total_swap_pages() > 0;
    }

    /** zone_reclaimable_pages(): the zone's file LRU pages, and its anon ones when swap has room. */
    long zone_reclaimable_pages(Zone zone) {
        long[] z = lruvec().zoneLruSize[zone.idx];
        long nr = z[Lruvec.LRU_INACTIVE_FILE] + z[Lruvec.LRU_ACTIVE_FILE];
        if (can_reclaim_anon_pages()) nr += z[Lruvec.LRU_INACTIVE_ANON] + z[Lruvec.LRU_ACTIVE_ANON];
        return nr;
    }

    /** lruvec_lru_size(): the list's pages in managed zones up to zone_idx. */
    long lruvec_lru_size(int lru, int zoneIdx) {
        long size = 0;
        for (int z = 0; z <= zoneIdx && z < ZoneType.MAX_NR_ZONES; z++) {
            if (!node().zones[z].managed()) continue;
            size += lruvec().zoneLruSize[z][lru];
        }
        return size;
    }

    /**
     * inactive_is_low(): the inactive list is low when inactive * inactive_ratio &lt; active, where
     * inactive_ratio is int_sqrt(10 * gb) for gb GiB of the two lists (1 below 1 GiB).
     */
    boolean inactive_is_low(int inactiveLru) {
        long inactive = lruvec().size(inactiveLru);
        long active = lruvec().size(inactiveLru + Lruvec.LRU_ACTIVE);
        long gb = (inactive + active) >>> GB_SHIFT;
        long ratio = gb != 0 ? int_sqrt(10 * gb) : 1;
        return inactive * ratio < active;
    }

    /** int_sqrt(): floor of the square root (lib/math/int_sqrt.c), the one the watermarks use. */
    static long int_sqrt(long x) {
        return org.mmspec.reference.alloc.Watermarks.intSqrt(x);
    }

    // ------------------------------------------------------------------ isolation and putback

    /**
     * isolate_lru_folios(): take up to nr_to_scan folios from the tail of the list onto dst: a
     * folio of a zone above sc-&gt;reclaim_idx is skipped (and spliced back at the head), a folio
     * that may not be unmapped is rotated to the head, the others lose PG_lru and gain a reference.
     * Returns {nr_taken, nr_scanned}.
     */
    long[] isolate_lru_folios(long nrToScan, ArrayDeque<Integer> dst, ScanControl sc, int lru) {
        MemMap mem = mem();
        Lruvec l = lruvec();
        int src = l.list(lru);
        long nrTaken = 0;
        long[] nrZoneTaken = new long[ZoneType.MAX_NR_ZONES];
        long totalScan = 0;
        long scan = 0;
        long maxNrSkipped = 0;
        ArrayDeque<Integer> skipped = new ArrayDeque<>();
        while (scan < nrToScan && !mem.listEmpty(src)) {
            int page = l.last(lru);
            totalScan++;
            int zone = mem.zoneId(page);
            if (maxNrSkipped < SWAP_CLUSTER_MAX_SKIPPED && zone > sc.reclaim_idx) {
                mem.listDel(page);
                skipped.addFirst(page);
                maxNrSkipped++;
                r.stats.pgscanSkip++;
                continue;
            }
            scan++;
            if (!test(page, PageFlags.PG_lru) || (!sc.may_unmap && folio_mapped(page)) || mem.refcount[page] == 0) {
                mem.listMove(page, src); // list_move(&folio->lru, src): to the head
                continue;
            }
            mem.flags[page] &= ~PageFlags.PG_lru;
            mem.refcount[page]++;
            nrTaken++;
            nrZoneTaken[zone]++;
            mem.listDel(page);
            dst.addFirst(page);
        }
        // list_splice(&folios_skipped, src): at the head, in their order
        for (java.util.Iterator<Integer> it = skipped.descendingIterator(); it.hasNext(); ) mem.listAdd(it.next(), src);
        for (int z = 0; z < ZoneType.MAX_NR_ZONES; z++) if (nrZoneTaken[z] != 0) l.update_lru_size(lru, z, -nrZoneTaken[z]);
        return new long[] {nrTaken, totalScan};
    }

    /**
     * move_folios_to_lru(): each folio goes back to the head of the list its flags name, PG_lru
     * set again and the isolation reference dropped; a folio whose last reference that was is
     * freed instead. Folios put back active age the nonresident information. Returns the number
     * moved.
     */
    long move_folios_to_lru(ArrayDeque<Integer> list, String why, int fromLru) {
        MemMap mem = mem();
        long nrMoved = 0;
        ArrayDeque<Integer> free = new ArrayDeque<>();
        while (!list.isEmpty()) {
            int page = list.pollLast();
            if (test(page, PageFlags.PG_lru)) {
                r.warnings.warn("move_folios_to_lru", "VM_BUG_ON_FOLIO(folio_test_lru(folio)) pfn 0x" + Long.toHexString(mem.pfn(page)));
            }
            mem.flags[page] |= PageFlags.PG_lru;
            if (--mem.refcount[page] == 0) { // folio_put_testzero()
                mem.flags[page] &= ~(PageFlags.PG_lru | PageFlags.PG_active | PageFlags.PG_unevictable);
                free.addLast(page);
                continue;
            }
            lruvec().lruvec_add_folio(page);
            nrMoved++;
            int to = lruvec().folio_lru_list(page);
            if (to != fromLru) r.trace.move(new ReclaimTrace.Move(mem.pfn(page), fromLru, to, why));
            if (test(page, PageFlags.PG_active)) r.workingset.workingset_age_nonresident(page, 1, Workingset.AgeSite.MOVE_FOLIOS_TO_LRU);
        }
        for (int page : free) r.free_folio(page);
        return nrMoved;
    }

    // ------------------------------------------------------------------ shrink_folio_list

    /**
     * folio_check_references(): what the references to an inactive folio say. A folio mapped
     * through young PTEs is activated if it also had PG_referenced or more than one young PTE, or
     * is an executable file folio, and kept for another trip otherwise (PG_referenced set: "All
     * mapped folios start out with page table references from the instantiating fault, so we
     * need to look twice"); an unmapped file folio that was accessed is reclaimed only if clean;
     * the rest are reclaimed. Returns the decision with what was found: {decision, ptes, folio}.
     */
    Object[] folio_check_references(int page, ScanControl sc) {
        long[] vmFlags = new long[1];
        lastYoungPtes = r.trace.enabled() ? r.countYoungPtes(mem().pfn(page)) : -1;
        int referencedPtes = r.folio_referenced(page, vmFlags);
        if ((vmFlags[0] & Reclaim.VM_LOCKED) != 0) return new Object[] {FolioReferences.ACTIVATE, referencedPtes, false};
        if (referencedPtes == -1) return new Object[] {FolioReferences.KEEP, referencedPtes, false};
        boolean referencedFolio = test(page, PageFlags.PG_referenced);
        mem().flags[page] &= ~PageFlags.PG_referenced; // folio_test_clear_referenced()
        boolean file = Lruvec.folio_is_file_lru(mem().flags[page]);
        if (referencedPtes != 0) {
            mem().flags[page] |= PageFlags.PG_referenced;
            if (referencedFolio || referencedPtes > 1) return new Object[] {FolioReferences.ACTIVATE, referencedPtes, referencedFolio};
            if ((vmFlags[0] & Reclaim.VM_EXEC) != 0 && file) return new Object[] {FolioReferences.ACTIVATE, referencedPtes, referencedFolio};
            return new Object[] {FolioReferences.KEEP, referencedPtes, referencedFolio};
        }
        if (referencedFolio && file) return new Object[] {FolioReferences.RECLAIM_CLEAN, referencedPtes, referencedFolio};
        return new Object[] {FolioReferences.RECLAIM, referencedPtes, referencedFolio};
    }

    /** may_enter_fs(): __GFP_FS, or __GFP_IO for a swap cache folio. */
    private boolean may_enter_fs(int page, int gfp) {
        if ((gfp & Gfp.__GFP_FS) != 0) return true;
        return test(page, PageFlags.PG_swapcache) && (gfp & Gfp.__GFP_IO) != 0;
    }

    /**
     * pageout(): write a dirty, unmapped folio. Filesystem folios are left to the flusher (v6.18:
     * "We no longer attempt to writeback filesystem folios here", PAGE_ACTIVATE); a swap cache
     * folio is cleaned for I/O and written (writeout() -&gt; swap_writeout(), PG_reclaim set so its
     * completion rotates it to the tail).
     */
    Pageout pageout(int page) {
        // is_page_cache_freeable(): the isolation reference and the cache's
        if (mem().refcount[page] != 2) return Pageout.KEEP;
        boolean anon = folio_test_anon(page);
        boolean swapcache = test(page, PageFlags.PG_swapcache);
        if (anon && !swapcache) return Pageout.KEEP; // !mapping
        if (!anon) return Pageout.ACTIVATE;
        // folio_clear_dirty_for_io()
        if (!test(page, PageFlags.PG_dirty)) return Pageout.CLEAN;
        mem().flags[page] &= ~PageFlags.PG_dirty;
        // writeout()
        mem().flags[page] |= PageFlags.PG_reclaim;
        r.si.swap_writeout(page);
        if (!test(page, PageFlags.PG_writeback)) mem().flags[page] &= ~PageFlags.PG_reclaim;
        return Pageout.SUCCESS;
    }

    /**
     * __remove_mapping(): free an unmapped, clean folio that only the caller and its cache hold
     * (folio_ref_freeze(1 + 1)): out of the swap cache or the page cache, a shadow left in its slot
     * when reclaimed (workingset_eviction()). Returns whether it was removed (refcount now 0).
     */
    boolean __remove_mapping(int page, boolean reclaimed) {
        MemMap mem = mem();
        if (mem.refcount[page] != 2) return false;
        mem.refcount[page] = 0;
        if (test(page, PageFlags.PG_dirty)) {
            mem.refcount[page] = 2; // folio_ref_unfreeze()
            return false;
        }
        if (test(page, PageFlags.PG_swapcache)) {
            long off = mem.privateData()[page];
            long shadow = reclaimed ? r.workingset.workingset_eviction(page) : 0;
            r.si.__swap_cache_del_folio(page, off, shadow, r.lastShadowClock);
            r.si.put_swap_folio(off);
        } else {
            long shadow = reclaimed && Lruvec.folio_is_file_lru(mem.flags[page]) ? r.workingset.workingset_eviction(page) : 0;
            r.filemap.__filemap_remove_folio(page, shadow, r.lastShadowClock);
        }
        return true;
    }

    /**
     * shrink_folio_list(): reclaim what it can of the isolated inactive folios; the rest go back
     * on folioList (activated or kept) for move_folios_to_lru(). Returns the pages reclaimed.
     */
    long shrink_folio_list(ArrayDeque<Integer> folioList, ScanControl sc, ReclaimStat stat, boolean ignoreReferences,
                           int lru) {
        MemMap mem = mem();
        ArrayDeque<Integer> retFolios = new ArrayDeque<>();
        ArrayDeque<Integer> freeFolios = new ArrayDeque<>();
        long nrReclaimed = 0;
        while (!folioList.isEmpty()) {
            int page = folioList.pollLast();
            long pfn = mem.pfn(page);
            int flagsLru = lruvec().folio_lru_list(page);
            lastYoungPtes = -1;
            FolioReferences references = FolioReferences.RECLAIM;
            int refPtes = -1;
            boolean refFolio = false;
            String decision = "ignore_references";
            boolean activate = false;
            boolean free = false;
            boolean file = Lruvec.folio_is_file_lru(mem.flags[page]);
            done:
            {
                if (test(page, PageFlags.PG_active)) {
                    r.warnings.warn("shrink_folio_list", "VM_BUG_ON_FOLIO(folio_test_active(folio)) pfn 0x" + Long.toHexString(pfn));
                }
                sc.nr_scanned++;
                if (!sc.may_unmap && folio_mapped(page)) break done;
                // folio_check_dirty_writeback(): anonymous folios are not the flushers' business
                boolean dirty = file && test(page, PageFlags.PG_dirty);
                boolean writeback = file && test(page, PageFlags.PG_writeback);
                if (dirty || writeback) stat.nr_dirty++;
                if (dirty && !writeback) stat.nr_unqueued_dirty++;
                if (writeback && test(page, PageFlags.PG_reclaim)) stat.nr_congested++;
                if (test(page, PageFlags.PG_writeback)) {
                    decision = "writeback";
                    r.stats.writebackActivated++;
                    if (sc.kswapd && test(page, PageFlags.PG_reclaim) && (r.pgdatFlags & PGDAT_WRITEBACK) != 0) {
                        stat.nr_immediate++; // case 1
                    } else {
                        // case 2: writeback_throttling_sane() holds for global reclaim
                        mem.flags[page] |= PageFlags.PG_reclaim;
                        stat.nr_writeback++;
                    }
                    activate = true;
                    break done;
                }
                if (!ignoreReferences) {
                    Object[] cr = folio_check_references(page, sc);
                    references = (FolioReferences) cr[0];
                    refPtes = (Integer) cr[1];
                    refFolio = (Boolean) cr[2];
                    decision = references.name();
                    switch (references) {
                        case ACTIVATE -> r.stats.folioRefActivate++;
                        case KEEP -> r.stats.folioRefKeep++;
                        case RECLAIM -> r.stats.folioRefReclaim++;
                        case RECLAIM_CLEAN -> r.stats.folioRefReclaimClean++;
                    }
                }
                if (references == FolioReferences.ACTIVATE) {
                    activate = true;
                    break done;
                }
                if (references == FolioReferences.KEEP) {
                    stat.nr_ref_keep++;
                    break done;
                }
                // Anonymous process memory has backing store? Try to allocate it some swap space here.
                if (folio_test_anon(page) && test(page, PageFlags.PG_swapbacked)) {
                    if (!test(page, PageFlags.PG_swapcache)) {
                        if ((sc.gfp_mask & Gfp.__GFP_IO) == 0) break done;
                        if (r.si.folio_alloc_swap(page) != 0) {
                            activate = true; // activate_locked_split
                            break done;
                        }
                        mem.flags[page] |= PageFlags.PG_dirty; // folio_mark_dirty()
                    }
                }
                if (folio_mapped(page)) {
                    r.try_to_unmap(page);
                    if (folio_mapped(page)) {
                        stat.nr_unmap_fail++;
                        r.stats.unmapFail++;
                        activate = true;
                        break done;
                    }
                }
                if (test(page, PageFlags.PG_dirty)) {
                    // Only kswapd can writeback filesystem folios, and only once PGDAT_DIRTY says the
                    // flushers are not keeping up; even then pageout() leaves them to the flusher.
                    if (file && (!sc.kswapd || !test(page, PageFlags.PG_reclaim) || (r.pgdatFlags & PGDAT_DIRTY) == 0)) {
                        mem.flags[page] |= PageFlags.PG_reclaim; // "Immediately reclaim when written back."
                        r.stats.dirtyFileActivated++;
                        activate = true;
                        break done;
                    }
                    if (references == FolioReferences.RECLAIM_CLEAN) break done;
                    if (!may_enter_fs(page, sc.gfp_mask)) break done;
                    if (!sc.may_writepage) break done;
                    switch (pageout(page)) {
                        case KEEP:
                            break done;
                        case ACTIVATE:
                            activate = true;
                            break done;
                        case SUCCESS:
                            stat.nr_pageout++;
                            if (test(page, PageFlags.PG_writeback)) break done;
                            if (test(page, PageFlags.PG_dirty)) break done;
                            break; // a synchronous write: try to free it below
                        case CLEAN:
                            break;
                    }
                }
                // folio_needs_release(): no buffer heads or private data in the model
                boolean hasMapping = test(page, PageFlags.PG_swapcache) || !folio_test_anon(page);
                if (!hasMapping || !__remove_mapping(page, true)) break done;
                free = true;
            }
            if (free) {
                nrReclaimed++;
                freeFolios.addLast(page);
                if (freeFolios.size() == PAGEVEC_SIZE) freeBatch(freeFolios);
                r.trace.scan(new ReclaimTrace.Scan(pfn, flagsLru, file, refPtes, lastYoungPtes, refFolio, decision,
                        ReclaimTrace.Outcome.FREED, sc.kswapd));
                r.trace.move(new ReclaimTrace.Move(pfn, lru, -1, sc.kswapd ? "kswapd: evicted" : "direct reclaim: evicted"));
                continue;
            }
            if (activate) {
                // activate_locked: not a candidate for swapping, so reclaim swap space
                if (test(page, PageFlags.PG_swapcache) && r.si.vm_swap_full()) r.si.folio_free_swap(page);
                if (test(page, PageFlags.PG_active)) {
                    r.warnings.warn("shrink_folio_list", "VM_BUG_ON_FOLIO(folio_test_active(folio)) pfn 0x" + Long.toHexString(pfn));
                }
                mem.flags[page] |= PageFlags.PG_active;
                stat.nr_activate[Lruvec.folio_is_file_lru(mem.flags[page]) ? 1 : 0]++;
            }
            // keep_locked / keep
            retFolios.addFirst(page);
            if (test(page, PageFlags.PG_lru) || test(page, PageFlags.PG_unevictable)) {
                r.warnings.warn("shrink_folio_list", "VM_BUG_ON_FOLIO(folio_test_lru(folio) || folio_test_unevictable(folio)) pfn 0x"
                        + Long.toHexString(pfn));
            }
            r.trace.scan(new ReclaimTrace.Scan(pfn, flagsLru, file, refPtes, lastYoungPtes, refFolio, decision,
                    activate ? ReclaimTrace.Outcome.ACTIVATED : ReclaimTrace.Outcome.KEPT, sc.kswapd));
        }
        r.stats.pgactivate += stat.nr_activate[0] + stat.nr_activate[1];
        freeBatch(freeFolios);
        // list_splice(&ret_folios, folio_list)
        while (!retFolios.isEmpty()) folioList.addLast(retFolios.pollFirst());
        return nrReclaimed;
    }

    /** free_unref_folios() of a batch of folios whose references __remove_mapping() froze at zero. */
    private void freeBatch(ArrayDeque<Integer> batch) {
        while (!batch.isEmpty()) r.free_folio(batch.pollFirst());
    }

    // ------------------------------------------------------------------ shrink the lists

    /** shrink_inactive_list(): isolate from the tail, shrink_folio_list(), put back what is left; returns pages reclaimed. */
    long shrink_inactive_list(long nrToScan, ScanControl sc, int lru) {
        boolean file = Lruvec.is_file_lru(lru);
        ArrayDeque<Integer> folioList = new ArrayDeque<>();
        long[] iso = isolate_lru_folios(nrToScan, folioList, sc, lru);
        long nrTaken = iso[0];
        long nrScanned = iso[1];
        if (sc.kswapd) r.stats.pgscanKswapd += nrScanned;
        else r.stats.pgscanDirect += nrScanned;
        if (file) r.stats.pgscanFile += nrScanned;
        else r.stats.pgscanAnon += nrScanned;
        if (nrTaken == 0) return 0;
        ReclaimStat stat = new ReclaimStat();
        long nrReclaimed = shrink_folio_list(folioList, sc, stat, false, lru);
        move_folios_to_lru(folioList, sc.kswapd ? "kswapd: shrink_inactive_list" : "direct reclaim: shrink_inactive_list", lru);
        if (sc.kswapd) r.stats.pgstealKswapd += nrReclaimed;
        else r.stats.pgstealDirect += nrReclaimed;
        if (file) r.stats.pgstealFile += nrReclaimed;
        else r.stats.pgstealAnon += nrReclaimed;
        r.swap.lru_note_cost(file, stat.nr_pageout, nrScanned - nrReclaimed);
        // stat.nr_unqueued_dirty == nr_taken: wakeup_flusher_threads(WB_REASON_VMSCAN); the model's
        // flusher runs only as an explicit step
        sc.nrDirty += stat.nr_dirty;
        sc.nrCongested += stat.nr_congested;
        sc.nrUnqueuedDirty += stat.nr_unqueued_dirty;
        sc.nrWriteback += stat.nr_writeback;
        sc.nrImmediate += stat.nr_immediate;
        sc.nrTaken += nrTaken;
        if (file) sc.nrFileTaken += nrTaken;
        return nrReclaimed;
    }

    /**
     * shrink_active_list(): take folios from the tail of an active list; referenced executable
     * file folios get another trip on the active list, every other folio goes to the inactive
     * list with PG_workingset set (folio_referenced() has cleared its young bits).
     */
    void shrink_active_list(long nrToScan, ScanControl sc, int lru) {
        boolean file = Lruvec.is_file_lru(lru);
        ArrayDeque<Integer> lHold = new ArrayDeque<>();
        ArrayDeque<Integer> lActive = new ArrayDeque<>();
        ArrayDeque<Integer> lInactive = new ArrayDeque<>();
        long[] iso = isolate_lru_folios(nrToScan, lHold, sc, lru);
        r.stats.pgrefill += iso[1];
        long nrRotated = 0;
        while (!lHold.isEmpty()) {
            int page = lHold.pollLast();
            long[] vmFlags = new long[1];
            if (r.folio_referenced(page, vmFlags) != 0) {
                // "give them one more trip around the active list. So that executable code get
                // better chances to stay in memory under moderate memory pressure."
                if ((vmFlags[0] & Reclaim.VM_EXEC) != 0 && Lruvec.folio_is_file_lru(mem().flags[page])) {
                    nrRotated++;
                    lActive.addFirst(page);
                    continue;
                }
            }
            mem().flags[page] &= ~PageFlags.PG_active;
            mem().flags[page] |= PageFlags.PG_workingset;
            lInactive.addFirst(page);
        }
        String why = sc.kswapd ? "kswapd: shrink_active_list" : "direct reclaim: shrink_active_list";
        move_folios_to_lru(lActive, why, lru);
        long nrDeactivate = move_folios_to_lru(lInactive, why, lru);
        r.stats.pgdeactivate += nrDeactivate;
        r.swap.lru_note_cost(file, 0, nrRotated);
    }

    /** shrink_list(): an active list is only aged when sc-&gt;may_deactivate allows; returns pages reclaimed. */
    long shrink_list(int lru, long nrToScan, ScanControl sc) {
        if (Lruvec.is_active_lru(lru)) {
            if ((sc.may_deactivate & (1 << (Lruvec.is_file_lru(lru) ? 1 : 0))) != 0) shrink_active_list(nrToScan, sc, lru);
            else sc.skipped_deactivate = true;
            return 0;
        }
        return shrink_inactive_list(nrToScan, sc, lru);
    }

    /**
     * prepare_scan_control(): the reclaim costs, whether each active list may be deactivated
     * (refaults since the last cycle, or its inactive list is low), cache_trim_mode (plenty of
     * inactive file folios that are not thrashing) and file_is_tiny.
     */
    void prepare_scan_control(ScanControl sc) {
        Lruvec l = lruvec();
        sc.anon_cost = l.anonCost;
        sc.file_cost = l.fileCost;
        if (!sc.force_deactivate) {
            if (l.workingsetActivate[Lruvec.WORKINGSET_ANON] != l.refaults[Lruvec.WORKINGSET_ANON]
                    || inactive_is_low(Lruvec.LRU_INACTIVE_ANON)) {
                sc.may_deactivate |= DEACTIVATE_ANON;
            } else {
                sc.may_deactivate &= ~DEACTIVATE_ANON;
            }
            if (l.workingsetActivate[Lruvec.WORKINGSET_FILE] != l.refaults[Lruvec.WORKINGSET_FILE]
                    || inactive_is_low(Lruvec.LRU_INACTIVE_FILE)) {
                sc.may_deactivate |= DEACTIVATE_FILE;
            } else {
                sc.may_deactivate &= ~DEACTIVATE_FILE;
            }
        } else {
            sc.may_deactivate = DEACTIVATE_ANON | DEACTIVATE_FILE;
        }
        long file = l.size(Lruvec.LRU_INACTIVE_FILE);
        sc.cache_trim_mode = (file >>> sc.priority) != 0 && (sc.may_deactivate & DEACTIVATE_FILE) == 0 && !sc.no_cache_trim_mode;
        long totalHighWmark = 0;
        long free = 0;
        for (Zone z : node().zones) {
            free += z.nrFreePages;
            if (z.managed()) totalHighWmark += z.highWmarkPages();
        }
        file = l.size(Lruvec.LRU_ACTIVE_FILE) + l.size(Lruvec.LRU_INACTIVE_FILE);
        long anon = l.size(Lruvec.LRU_INACTIVE_ANON);
        sc.file_is_tiny = file + free <= totalHighWmark && (sc.may_deactivate & DEACTIVATE_ANON) == 0 && (anon >>> sc.priority) != 0;
    }

    /**
     * get_scan_count(): how many folios of each evictable list to scan: each list's size in
     * eligible zones &gt;&gt; priority, then all file (no swap space, or cache_trim_mode), all anon
     * (file_is_tiny), both in full (priority 0), or split by calculate_pressure_balance():
     * swappiness against the anon and file reclaim costs.
     */
    long[] get_scan_count(ScanControl sc) {
        long[] nr = new long[Lruvec.NR_LRU_LISTS];
        int swappiness = r.swappiness;
        ScanBalance balance;
        long[] fraction = new long[2];
        long denominator = 0;
        if (!sc.may_swap || !can_reclaim_anon_pages()) {
            balance = ScanBalance.FILE;
        } else if (sc.priority == 0 && swappiness != 0) {
            balance = ScanBalance.EQUAL;
        } else if (sc.file_is_tiny) {
            balance = ScanBalance.ANON;
        } else if (sc.cache_trim_mode) {
            balance = ScanBalance.FILE;
        } else {
            balance = ScanBalance.FRACT;
            // calculate_pressure_balance()
            long totalCost = sc.anon_cost + sc.file_cost;
            long anonCost = totalCost + sc.anon_cost;
            long fileCost = totalCost + sc.file_cost;
            totalCost = anonCost + fileCost;
            long ap = swappiness * (totalCost + 1) / (anonCost + 1);
            long fp = (MAX_SWAPPINESS - swappiness) * (totalCost + 1) / (fileCost + 1);
            fraction[Lruvec.WORKINGSET_ANON] = ap;
            fraction[Lruvec.WORKINGSET_FILE] = fp;
            denominator = ap + fp;
        }
        for (int lru = 0; lru < Lruvec.LRU_UNEVICTABLE; lru++) {
            boolean file = Lruvec.is_file_lru(lru);
            long size = lruvec_lru_size(lru, sc.reclaim_idx);
            long scan = size >>> sc.priority;
            switch (balance) {
                case EQUAL -> { }
                case FRACT -> scan = denominator == 0 ? 0 : Long.divideUnsigned(scan * fraction[file ? 1 : 0], denominator);
                case FILE, ANON -> {
                    if ((balance == ScanBalance.FILE) != file) scan = 0;
                }
            }
            nr[lru] = scan;
        }
        return nr;
    }

    /**
     * shrink_lruvec(): scan the lists in SWAP_CLUSTER_MAX batches until get_scan_count()'s targets
     * are met; once nr_to_reclaim is reached (kswapd, or direct reclaim below DEF_PRIORITY) stop the
     * type with less left and scale the other down to the share already scanned; then age the anon
     * active list if its inactive list is low.
     */
    void shrink_lruvec(ScanControl sc) {
        long[] nr = get_scan_count(sc);
        long[] targets = nr.clone();
        long nrReclaimed = 0;
        long nrToReclaim = sc.nr_to_reclaim;
        boolean proportionalReclaim = !sc.kswapd && sc.priority == DEF_PRIORITY;
        while (nr[Lruvec.LRU_INACTIVE_ANON] != 0 || nr[Lruvec.LRU_ACTIVE_FILE] != 0 || nr[Lruvec.LRU_INACTIVE_FILE] != 0) {
            for (int lru = 0; lru < Lruvec.LRU_UNEVICTABLE; lru++) {
                if (nr[lru] != 0) {
                    long nrToScan = Math.min(nr[lru], SWAP_CLUSTER_MAX);
                    nr[lru] -= nrToScan;
                    nrReclaimed += shrink_list(lru, nrToScan, sc);
                }
            }
            if (nrReclaimed < nrToReclaim || proportionalReclaim) continue;
            long nrFile = nr[Lruvec.LRU_INACTIVE_FILE] + nr[Lruvec.LRU_ACTIVE_FILE];
            long nrAnon = nr[Lruvec.LRU_INACTIVE_ANON] + nr[Lruvec.LRU_ACTIVE_ANON];
            if (nrFile == 0 || nrAnon == 0) break;
            int lru;
            long percentage;
            if (nrFile > nrAnon) {
                long scanTarget = targets[Lruvec.LRU_INACTIVE_ANON] + targets[Lruvec.LRU_ACTIVE_ANON] + 1;
                lru = Lruvec.LRU_INACTIVE_ANON;
                percentage = nrAnon * 100 / scanTarget;
            } else {
                long scanTarget = targets[Lruvec.LRU_INACTIVE_FILE] + targets[Lruvec.LRU_ACTIVE_FILE] + 1;
                lru = Lruvec.LRU_INACTIVE_FILE;
                percentage = nrFile * 100 / scanTarget;
            }
            nr[lru] = 0;
            nr[lru + Lruvec.LRU_ACTIVE] = 0;
            lru = lru == Lruvec.LRU_INACTIVE_FILE ? Lruvec.LRU_INACTIVE_ANON : Lruvec.LRU_INACTIVE_FILE;
            long nrScanned = targets[lru] - nr[lru];
            nr[lru] = targets[lru] * (100 - percentage) / 100;
            nr[lru] -= Math.min(nr[lru], nrScanned);
            lru += Lruvec.LRU_ACTIVE;
            nrScanned = targets[lru] - nr[lru];
            nr[lru] = targets[lru] * (100 - percentage) / 100;
            nr[lru] -= Math.min(nr[lru], nrScanned);
        }
        sc.nr_reclaimed += nrReclaimed;
        if (can_age_anon_pages() && inactive_is_low(Lruvec.LRU_INACTIVE_ANON)) {
            shrink_active_list(SWAP_CLUSTER_MAX, sc, Lruvec.LRU_ACTIVE_ANON);
        }
    }

    /** in_reclaim_compaction(): reclaim for a costly order, or under pressure for any order above 0. */
    boolean in_reclaim_compaction(ScanControl sc) {
        return (sc.gfp_mask & Gfp.__GFP_IO) != 0 && sc.order != 0
                && (sc.order > PageAlloc.PAGE_ALLOC_COSTLY_ORDER || sc.priority < DEF_PRIORITY - 2);
    }

    /** compact_gap(): twice the order's pages. */
    static long compact_gap(int order) {
        return 2L << order;
    }

    /**
     * __compaction_suitable() and compaction_suitable() (mm/compaction.c): order-0 pages above the
     * watermark plus compact_gap(order) (plus low - min for costly orders), and for costly orders a
     * fragmentation index above vm.extfrag_threshold (500).
     */
    boolean compaction_suitable(Zone zone, int order, long watermark, int highestZoneidx) {
        long mark = watermark + compact_gap(order);
        if (order > PageAlloc.PAGE_ALLOC_COSTLY_ORDER) mark += zone.lowWmarkPages() - zone.minWmarkPages();
        boolean suitable = r.pageAlloc.__zone_watermark_ok(zone, 0, mark, highestZoneidx, org.mmspec.reference.alloc.AllocFlags.ALLOC_CMA, zone.nrFreePages);
        if (suitable && order > PageAlloc.PAGE_ALLOC_COSTLY_ORDER) {
            int fragindex = fragmentation_index(zone, order);
            if (fragindex >= 0 && fragindex <= 500) suitable = false;
        }
        return suitable;
    }

    /** fragmentation_index() (mm/vmstat.c): -1000 when a block of the order is free, else 0..1000. */
    int fragmentation_index(Zone zone, int order) {
        long freeBlocksTotal = 0;
        long freeBlocksSuitable = 0;
        long freePages = 0;
        for (int o = 0; o < zone.nrOrders(); o++) {
            long blocks = zone.nrFree[o];
            freeBlocksTotal += blocks;
            freePages += blocks << o;
            if (o >= order) freeBlocksSuitable += blocks << (o - order);
        }
        if (freeBlocksTotal == 0) return 0;
        if (freeBlocksSuitable != 0) return -1000;
        long requested = 1L << order;
        return (int) (1000 - (1000 + (freePages * 1000 / requested)) / freeBlocksTotal);
    }

    /**
     * should_continue_reclaim(): keep reclaiming for a reclaim/compaction request until compaction
     * could run or the allocation would succeed, while progress is made and the inactive lists
     * are larger than compact_gap().
     */
    boolean should_continue_reclaim(long nrReclaimed, ScanControl sc) {
        if (!in_reclaim_compaction(sc)) return false;
        if (nrReclaimed == 0) return false;
        for (int z = 0; z <= sc.reclaim_idx && z < ZoneType.MAX_NR_ZONES; z++) {
            Zone zone = node().zones[z];
            if (!zone.managed()) continue;
            long watermark = zone.minWmarkPages();
            if (r.pageAlloc.zone_watermark_ok(zone, sc.order, watermark, sc.reclaim_idx, 0)) return false;
            if (compaction_suitable(zone, sc.order, watermark, sc.reclaim_idx)) return false;
        }
        long pagesForCompaction = compact_gap(sc.order);
        long inactive = lruvec().size(Lruvec.LRU_INACTIVE_FILE);
        if (can_reclaim_anon_pages()) inactive += lruvec().size(Lruvec.LRU_INACTIVE_ANON);
        return inactive > pagesForCompaction;
    }

    /**
     * shrink_node(): prepare_scan_control() and shrink the node's lruvec (one, memcg off); kswapd
     * notes PGDAT_WRITEBACK, PGDAT_DIRTY and LRUVEC_NODE_CONGESTED from what it met; progress
     * resets kswapd_failures.
     */
    void shrink_node(ScanControl sc) {
        boolean reclaimable = false;
        while (true) {
            sc.clearNr();
            long nrReclaimed = sc.nr_reclaimed;
            prepare_scan_control(sc);
            shrink_lruvec(sc); // shrink_node_memcgs(): the root's lruvec; no slab shrinkers
            long nrNodeReclaimed = sc.nr_reclaimed - nrReclaimed;
            if (nrNodeReclaimed != 0) reclaimable = true;
            if (sc.kswapd) {
                if (sc.nrWriteback != 0 && sc.nrWriteback == sc.nrTaken) r.pgdatFlags |= PGDAT_WRITEBACK;
                if (sc.nrUnqueuedDirty != 0 && sc.nrUnqueuedDirty == sc.nrFileTaken) r.pgdatFlags |= PGDAT_DIRTY;
                // sc->nr.immediate: reclaim_throttle(VMSCAN_THROTTLE_WRITEBACK) sleeps; the model does not
            }
            if (sc.nrDirty != 0 && sc.nrDirty == sc.nrCongested && sc.kswapd) lruvec().flags |= Lruvec.LRUVEC_NODE_CONGESTED;
            if (should_continue_reclaim(nrNodeReclaimed, sc)) continue;
            break;
        }
        if (reclaimable) node().kswapdFailures = 0;
        else if (sc.cache_trim_mode) sc.cache_trim_mode_failed = true;
    }

    /** compaction_ready(): a costly-order direct reclaimer leaves a zone alone once compaction could run there. */
    boolean compaction_ready(Zone zone, ScanControl sc) {
        if ((sc.gfp_mask & Gfp.__GFP_IO) == 0) return false;
        if (r.pageAlloc.zone_watermark_ok(zone, sc.order, zone.minWmarkPages(), sc.reclaim_idx, 0)) return true;
        return compaction_suitable(zone, sc.order, zone.highWmarkPages(), sc.reclaim_idx);
    }

    /** shrink_zones(): direct reclaim shrinks the node once, from the zones the allocation may use. */
    void shrink_zones(ScanControl sc) {
        boolean shrunk = false;
        for (int zi : node().zonelist) {
            if (zi > sc.reclaim_idx) continue;
            Zone zone = node().zones[zi];
            if (sc.order > PageAlloc.PAGE_ALLOC_COSTLY_ORDER && compaction_ready(zone, sc)) {
                sc.compaction_ready = true;
                continue;
            }
            if (shrunk) continue; // zone->zone_pgdat == last_pgdat
            shrunk = true;
            shrink_node(sc);
        }
    }

    /** snapshot_refaults(): remember WORKINGSET_ACTIVATE_* for the next cycle's may_deactivate. */
    void snapshot_refaults() {
        Lruvec l = lruvec();
        l.refaults[Lruvec.WORKINGSET_ANON] = l.workingsetActivate[Lruvec.WORKINGSET_ANON];
        l.refaults[Lruvec.WORKINGSET_FILE] = l.workingsetActivate[Lruvec.WORKINGSET_FILE];
    }

    /**
     * do_try_to_free_pages(): shrink_zones() from DEF_PRIORITY down to 0 until nr_to_reclaim is
     * met; if nothing was reclaimed, try once more with a full memcg walk, then once more forcing
     * deactivation if an active list was skipped. Returns the pages reclaimed (1 when it stopped
     * for compaction).
     */
    long do_try_to_free_pages(ScanControl sc) {
        int initialPriority = sc.priority;
        while (true) {
            r.stats.allocstall++;
            do {
                sc.nr_scanned = 0;
                shrink_zones(sc);
                if (sc.nr_reclaimed >= sc.nr_to_reclaim) break;
                if (sc.compaction_ready) break;
                if (sc.priority < DEF_PRIORITY - 2) sc.may_writepage = true;
            } while (--sc.priority >= 0);
            snapshot_refaults();
            if (sc.nr_reclaimed != 0) return sc.nr_reclaimed;
            if (sc.compaction_ready) return 1;
            if (!sc.memcg_full_walk) {
                sc.priority = initialPriority;
                sc.memcg_full_walk = true;
                continue;
            }
            if (sc.skipped_deactivate) {
                sc.priority = initialPriority;
                sc.force_deactivate = true;
                sc.skipped_deactivate = false;
                continue;
            }
            return 0;
        }
    }

    /**
     * allow_direct_reclaim(): the free pages of the zones up to ZONE_NORMAL are above half their
     * min watermarks (the pfmemalloc reserve); if not, kswapd is woken for ZONE_NORMAL.
     */
    boolean allow_direct_reclaim() {
        if (node().kswapdFailures >= PageAlloc.MAX_RECLAIM_RETRIES) return true;
        long reserve = 0;
        long free = 0;
        for (int z = 0; z <= ZoneType.NORMAL.idx(); z++) {
            Zone zone = node().zones[z];
            if (!zone.managed()) continue;
            if (zone_reclaimable_pages(zone) == 0 && zone.nrFreePages != 0) continue;
            reserve += zone.minWmarkPages();
            free += zone.nrFreePages;
        }
        if (reserve == 0) return true;
        boolean ok = free > reserve / 2;
        if (!ok && !node().kswapdWoken) {
            if (node().kswapdHighestZoneidx > ZoneType.NORMAL.idx()) node().kswapdHighestZoneidx = ZoneType.NORMAL.idx();
            node().kswapdWoken = true;
            node().kswapdWakeups++;
        }
        return ok;
    }

    /**
     * try_to_free_pages(): direct reclaim for an allocation: SWAP_CLUSTER_MAX pages from the zones
     * its gfp mask allows, at DEF_PRIORITY and below. throttle_direct_reclaim() would make the task
     * wait for kswapd when the pfmemalloc reserves are low; the model wakes kswapd and proceeds, as
     * the task does once woken.
     */
    long try_to_free_pages(int order, int gfpMask) {
        ScanControl sc = new ScanControl();
        sc.nr_to_reclaim = SWAP_CLUSTER_MAX;
        sc.gfp_mask = gfpMask;
        sc.reclaim_idx = Gfp.gfpZone(gfpMask);
        sc.order = order;
        sc.priority = DEF_PRIORITY;
        sc.may_writepage = true; // !laptop_mode
        sc.may_unmap = true;
        sc.may_swap = true;
        // throttle_direct_reclaim(): based on the first node with a usable zone up to ZONE_NORMAL
        boolean usable = false;
        for (int zi : node().zonelist) if (zi <= sc.reclaim_idx && zi <= ZoneType.NORMAL.idx()) usable = true;
        if (usable && !allow_direct_reclaim()) r.stats.directReclaimThrottled++;
        r.stats.directReclaimRuns++;
        return do_try_to_free_pages(sc);
    }

    // ------------------------------------------------------------------ kswapd

    /** kswapd_age_node(): age the anon active list when its inactive list is low and there is swap. */
    void kswapd_age_node(ScanControl sc) {
        if (!can_age_anon_pages()) return;
        if (!inactive_is_low(Lruvec.LRU_INACTIVE_ANON)) return;
        shrink_active_list(SWAP_CLUSTER_MAX, sc, Lruvec.LRU_ACTIVE_ANON);
    }

    /**
     * kswapd_shrink_node(): reclaim, in one shrink_node(), the sum of the eligible zones' high
     * watermarks (at least SWAP_CLUSTER_MAX each); drop to order 0 once compact_gap() pages are
     * reclaimed. Returns whether it scanned or reclaimed at least that many.
     */
    boolean kswapd_shrink_node(ScanControl sc) {
        long nrReclaimed = sc.nr_reclaimed;
        sc.nr_to_reclaim = 0;
        for (int z = 0; z <= sc.reclaim_idx && z < ZoneType.MAX_NR_ZONES; z++) {
            Zone zone = node().zones[z];
            if (!zone.managed()) continue;
            sc.nr_to_reclaim += Math.max(zone.highWmarkPages(), SWAP_CLUSTER_MAX);
        }
        shrink_node(sc);
        if (sc.order != 0 && sc.nr_reclaimed >= compact_gap(sc.order)) sc.order = 0;
        return Math.max(sc.nr_scanned, sc.nr_reclaimed - nrReclaimed) >= sc.nr_to_reclaim;
    }

    private void update_reclaim_active(int highestZoneidx, boolean active) {
        for (int z = 0; z <= highestZoneidx && z < ZoneType.MAX_NR_ZONES; z++) {
            Zone zone = node().zones[z];
            if (!zone.managed()) continue;
            if (active) zone.flags |= Zone.ZONE_RECLAIM_ACTIVE;
            else zone.flags &= ~Zone.ZONE_RECLAIM_ACTIVE;
        }
    }

    /**
     * balance_pgdat(): reclaim from the node until a zone up to highest_zoneidx meets its high
     * watermark for the order, raising the priority from DEF_PRIORITY while progress is poor; a
     * watermark boost is reclaimed first without writing or swapping, then taken off the zones.
     * A run that reclaims nothing counts a kswapd failure. Returns the order it ended at.
     */
    int balance_pgdat(int order, int highestZoneidx) {
        PageAlloc pa = r.pageAlloc;
        ScanControl sc = new ScanControl();
        sc.gfp_mask = Gfp.GFP_KERNEL;
        sc.order = order;
        sc.may_unmap = true;
        sc.kswapd = true;
        r.stats.pageoutrun++;
        long nrBoostReclaim = 0;
        long[] zoneBoosts = new long[ZoneType.MAX_NR_ZONES];
        for (int z = 0; z <= highestZoneidx && z < ZoneType.MAX_NR_ZONES; z++) {
            Zone zone = node().zones[z];
            if (!zone.managed()) continue;
            nrBoostReclaim += zone.watermarkBoost;
            zoneBoosts[z] = zone.watermarkBoost;
        }
        boolean boosted = nrBoostReclaim != 0;
        if (boosted) r.stats.kswapdBoostReclaim++;
        boolean out = false;
        restart:
        while (true) {
            update_reclaim_active(highestZoneidx, true);
            sc.priority = DEF_PRIORITY;
            do {
                long nrReclaimed = sc.nr_reclaimed;
                boolean raisePriority = true;
                sc.reclaim_idx = highestZoneidx;
                boolean balanced = pa.pgdat_balanced(sc.order, highestZoneidx);
                if (!balanced && nrBoostReclaim != 0) {
                    nrBoostReclaim = 0;
                    continue restart;
                }
                if (nrBoostReclaim == 0 && balanced) {
                    out = true;
                    break restart;
                }
                if (nrBoostReclaim != 0 && sc.priority == DEF_PRIORITY - 2) raisePriority = false;
                sc.may_writepage = nrBoostReclaim == 0; // !laptop_mode && !nr_boost_reclaim
                sc.may_swap = nrBoostReclaim == 0;
                kswapd_age_node(sc);
                if (sc.priority < DEF_PRIORITY - 2) sc.may_writepage = true;
                sc.nr_scanned = 0;
                if (kswapd_shrink_node(sc)) raisePriority = false;
                nrReclaimed = sc.nr_reclaimed - nrReclaimed;
                nrBoostReclaim -= Math.min(nrBoostReclaim, nrReclaimed);
                if (nrBoostReclaim != 0 && nrReclaimed == 0) break;
                if (raisePriority || nrReclaimed == 0) sc.priority--;
            } while (sc.priority >= 1);
            if (sc.nr_reclaimed == 0 && sc.priority < 1 && !sc.no_cache_trim_mode && sc.cache_trim_mode_failed) {
                sc.no_cache_trim_mode = true;
                continue;
            }
            break;
        }
        if (!out && sc.nr_reclaimed == 0) {
            node().kswapdFailures++;
            if (node().kswapdFailures == PageAlloc.MAX_RECLAIM_RETRIES) r.stats.kswapdFailuresHit++;
        }
        // out:
        update_reclaim_active(highestZoneidx, false);
        if (boosted) {
            for (int z = 0; z <= highestZoneidx && z < ZoneType.MAX_NR_ZONES; z++) {
                if (zoneBoosts[z] == 0) continue;
                Zone zone = node().zones[z];
                zone.watermarkBoost -= Math.min(zone.watermarkBoost, zoneBoosts[z]);
            }
            pa.wakeup_kcompactd(node().pageblockOrder(), highestZoneidx);
        }
        snapshot_refaults();
        r.lastBalanceReclaimed = sc.nr_reclaimed;
        return sc.order;
    }

    /** clear_pgdat_congested(). */
    void clear_pgdat_congested() {
        lruvec().flags &= ~(Lruvec.LRUVEC_NODE_CONGESTED | Lruvec.LRUVEC_CGROUP_CONGESTED);
        r.pgdatFlags &= ~(PGDAT_DIRTY | PGDAT_WRITEBACK);
    }

    /** prepare_kswapd_sleep(): kswapd may sleep when the node is hopeless (kswapd_failures) or balanced. */
    boolean prepare_kswapd_sleep(int order, int highestZoneidx) {
        if (node().kswapdFailures >= PageAlloc.MAX_RECLAIM_RETRIES) return true;
        if (r.pageAlloc.pgdat_balanced(order, highestZoneidx)) {
            clear_pgdat_congested();
            return true;
        }
        return false;
    }
}
