package org.mmspec.reference.rmap;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.mmspec.reference.page.PageFlags;
import org.mmspec.reference.rmap.Rmap.AccessKind;

/**
 * The parts of mm/memory.c (Linux v6.18) the reverse map depends on: the anonymous fault paths
 * (handle_pte_fault, do_anonymous_page, do_wp_page with wp_can_reuse_anon_folio, wp_page_reuse and
 * wp_page_copy), fork's copy_page_range (copy_present_ptes, copy_nonpresent_pte) and
 * zap_pte_range. One method per kernel function, under its name.
 */
final class Memory {
    private final Rmap r;

    Memory(Rmap r) {
        this.r = r;
    }

    // ------------------------------------------------------------------ faults

    /**
     * handle_mm_fault() -&gt; handle_pte_fault() for an address of v: an empty PTE goes to
     * do_anonymous_page(), a migration entry to migration_entry_wait(), a write to a present
     * read-only PTE to do_wp_page(); anything else was a spurious fault.
     */
    AccessKind handle_mm_fault(VmAreaStruct v, long addr, boolean write) {
        Long pte = v.vm_mm.pgtable.get(addr);
        if (pte == null) return do_anonymous_page(v, addr, write);
        if (Pte.swap(pte)) return do_swap_page(v, addr, pte, write);
        if (Pte.migration(pte)) {
            // do_swap_page(): migration_entry_wait() sleeps until remove_migration_ptes() is done
            r.stats.migrationWaits++;
            return AccessKind.MIGRATION_WAIT;
        }
        if (write && !Pte.write(pte)) return do_wp_page(v, addr, pte);
        return AccessKind.HIT;
    }

    /**
     * do_anonymous_page(): a read maps the shared zero page (pte_mkspecial); a write prepares the
     * VMA's anon_vma, allocates a zeroed folio (GFP_HIGHUSER_MOVABLE), adds its rmap as a new
     * exclusive anonymous folio and maps it writable and dirty. VM_FAULT_OOM when the allocation
     * fails (the anon_vma stays prepared).
     */
    AccessKind do_anonymous_page(VmAreaStruct v, long addr, boolean write) {
        MmStruct mm = v.vm_mm;
        if (!write) {
            mm.pgtable.put(addr, Pte.zeroPte());
            r.stats.zeroPageFaults++;
            return AccessKind.ZERO_PAGE;
        }
        if (__vmf_anon_prepare(v) != 0) {
            r.stats.faultOom++;
            return AccessKind.OOM;
        }
        long pfn = r.folio_alloc(0);
        if (pfn < 0) {
            r.stats.faultOom++;
            return AccessKind.OOM;
        }
        boolean w = (v.vm_flags & VmAreaStruct.VM_WRITE) != 0;
        // pte_sw_mkyoung() is a no-op on x86: the access that follows sets the accessed bit
        long entry = Pte.mkPte(pfn, w, false, w);
        mm.rssAnon++;
        r.folio_add_new_anon_rmap(pfn, v, addr, true);
        r.folio_add_lru_vma(pfn, v);
        mm.pgtable.put(addr, entry);
        r.stats.anonFaults++;
        return AccessKind.ANON_PAGE;
    }

    /**
     * do_swap_page(): a fault on a swap entry. The folio comes from the swap cache (a minor fault),
     * or is read back from the slot into a new folio (swapin_readahead() of that one page,
     * vm.page-cluster 0; on a SWP_SYNCHRONOUS_IO device an entry with one reference skips the swap
     * cache), which a shadow in the slot makes a refault (workingset_refault()). Then the entry's
     * reference is dropped (swap_free_nr()), the swap cache let go of where that is likely to let
     * a write map the page exclusively (should_try_to_free_swap()), and the page mapped: writable
     * when exclusive (the entry said so, or the folio is fresh, or its only reference is ours).
     * A write that still needs it goes on to do_wp_page(). VM_FAULT_OOM when no folio can be had.
     */
    AccessKind do_swap_page(VmAreaStruct v, long addr, long orig, boolean write) {
        MmStruct mm = v.vm_mm;
        org.mmspec.reference.reclaim.Reclaim rc = r.reclaim;
        long offset = Pte.swpOffset(orig);
        if (rc == null || !rc.swapInfo().validOffset(offset)) {
            r.warnings.warn("do_swap_page", "print_bad_pte: swap entry for slot 0x" + Long.toHexString(offset)
                    + " with no such swap slot at page " + addr);
            return AccessKind.OOM;
        }
        org.mmspec.reference.reclaim.SwapInfo si = rc.swapInfo();
        long folio = si.swap_cache_get_folio(offset); // a reference
        long swapcache = folio;
        boolean needClearCache = false;
        boolean major = false;
        if (folio < 0) {
            if (si.synchronousIo && si.__swap_count(offset) == 1) {
                // skip swapcache: alloc_swap_folio()
                folio = r.folio_alloc(0);
                if (folio >= 0) {
                    int page = r.page(folio);
                    r.mem.flags[page] |= PageFlags.PG_swapbacked; // __folio_set_swapbacked()
                    if (si.swapcache_prepare(offset) != 0) {
                        r.folio_put(folio); // someone else is swapping it in: retry
                        return AccessKind.RETRY;
                    }
                    needClearCache = true;
                    long shadow = si.swap_cache_get_shadow(offset);
                    if (shadow != 0) rc.workingset_refault(folio, shadow, si.shadowClockOf(offset));
                    rc.folio_add_lru(folio);
                    r.content.put(folio, si.slotValue(offset)); // swap_read_folio()
                    rc.stats.pswpin++;
                    rc.stats.swapinSkipSwapcache++;
                }
            } else {
                folio = read_swap_cache_async(rc, si, offset);
                swapcache = folio;
            }
            if (folio < 0) {
                // VM_FAULT_OOM if the PTE is still the swap entry (nothing else can change it)
                r.stats.faultOom++;
                return AccessKind.OOM;
            }
            major = true;
            rc.stats.pgmajfault++;
        } else {
            rc.stats.swapCacheHits++;
        }
        int page = r.page(folio);
        Long now = mm.pgtable.get(addr);
        if (now == null || now != orig) { // !pte_same(): out_nomap
            if (needClearCache) si.swapcache_clear(offset);
            r.folio_put(folio);
            return AccessKind.RETRY;
        }
        if ((r.mem.flags[page] & PageFlags.PG_anon_exclusive) != 0 && r.folioTestAnon(folio)) {
            r.warnings.warn("do_swap_page", "BUG_ON(folio_test_anon(folio) && PageAnonExclusive(page)) pfn 0x"
                    + Long.toHexString(folio));
        }
        boolean exclusive = Pte.swpExclusive(orig);
        if (folio != swapcache) exclusive = true; // a fresh page not exposed to the swap cache
        si.swap_free(offset); // swap_free_nr()
        if (should_try_to_free_swap(page, write)) si.folio_free_swap(page);
        mm.rssAnon++;
        mm.rssSwap--;
        boolean writable = false;
        boolean dirty = false;
        boolean rmapExclusive = false;
        if (exclusive || r.mem.refcount[page] == 1) {
            if ((v.vm_flags & VmAreaStruct.VM_WRITE) != 0) {
                writable = true;
                if (write) {
                    dirty = true;
                    write = false; // vmf->flags &= ~FAULT_FLAG_WRITE
                }
            }
            rmapExclusive = true;
        }
        long pte = Pte.mkPte(folio, writable, false, dirty);
        if (!r.folioTestAnon(folio)) r.folio_add_new_anon_rmap(folio, v, addr, rmapExclusive);
        else r.folio_add_anon_rmap_pte(folio, v, addr, rmapExclusive);
        if (writable && (r.mem.flags[page] & PageFlags.PG_anon_exclusive) == 0) {
            r.warnings.warn("do_swap_page", "VM_BUG_ON(pte_write(pte) && !PageAnonExclusive(page)) pfn 0x" + Long.toHexString(folio));
        }
        mm.pgtable.put(addr, pte);
        if (needClearCache) si.swapcache_clear(offset);
        if (major) r.stats.swapinMajor++;
        else r.stats.swapinMinor++;
        if (write) {
            AccessKind k = do_wp_page(v, addr, pte);
            if (k == AccessKind.OOM || k == AccessKind.RETRY) return k;
        }
        return major ? AccessKind.SWAP_IN : AccessKind.SWAP_CACHE;
    }

    /**
     * __read_swap_cache_async() as swapin_readahead() calls it for the faulting entry alone: a new
     * folio, SWAP_HAS_CACHE claimed (swapcache_prepare()), added to the swap cache (a shadow there
     * is a refault) and to the LRU, then read (swap_read_folio()). The folio with a reference, or
     * -1 when the allocation fails.
     */
    private long read_swap_cache_async(org.mmspec.reference.reclaim.Reclaim rc, org.mmspec.reference.reclaim.SwapInfo si,
                                       long offset) {
        if (!si.swap_entry_swapped(offset)) return -1; // "Just skip read ahead for unused swap slot."
        long folio = r.folio_alloc(0);
        if (folio < 0) return -1;
        if (si.swapcache_prepare(offset) != 0) {
            // cannot happen without concurrency: nothing can claim the slot while we allocate
            r.warnings.warn("__read_swap_cache_async", "swapcache_prepare() failed for slot 0x" + Long.toHexString(offset));
            r.folio_put(folio);
            return -1;
        }
        int page = r.page(folio);
        r.mem.flags[page] |= PageFlags.PG_swapbacked;
        long shadow = rc.swapCacheAddFolio(page, offset);
        if (shadow != 0) rc.workingset_refault(folio, shadow, rc.lastShadowClock());
        rc.folio_add_lru(folio);
        r.content.put(folio, si.slotValue(offset)); // swap_read_folio()
        rc.stats.pswpin++;
        return folio;
    }

    /**
     * should_try_to_free_swap(): let go of the swap cache when swap is getting full, or when a
     * write fault's folio is referenced only by the swap cache and this fault.
     */
    private boolean should_try_to_free_swap(int page, boolean write) {
        if ((r.mem.flags[page] & PageFlags.PG_swapcache) == 0) return false;
        if (r.reclaim.swapInfo().vm_swap_full()) return true; // mem_cgroup_swap_full()
        return write && r.mem.refcount[page] == 2;
    }

    /** __vmf_anon_prepare(): make sure the VMA has an anon_vma; -ENOMEM as VM_FAULT_OOM. */
    int __vmf_anon_prepare(VmAreaStruct v) {
        if (v.anon_vma != null) return 0;
        return r.__anon_vma_prepare(v);
    }

    /**
     * do_wp_page(): a write to a present, write-protected PTE of a private mapping. An anonymous
     * page that is PageAnonExclusive, or that wp_can_reuse_anon_folio() finds referenced only by
     * this mapping, is reused in place (wp_page_reuse()); otherwise wp_page_copy() (COW).
     */
    AccessKind do_wp_page(VmAreaStruct v, long addr, long orig) {
        long pfn = Pte.normal(orig) ? Pte.pfn(orig) : -1; // vm_normal_page(): NULL for the zero page
        if (pfn >= 0 && r.folioTestAnon(pfn)
                && (r.pageAnonExclusive(pfn) || wp_can_reuse_anon_folio(pfn, v))) {
            if (!r.pageAnonExclusive(pfn)) r.mem.flags[r.page(pfn)] |= PageFlags.PG_anon_exclusive;
            wp_page_reuse(v, addr, orig, pfn);
            return AccessKind.WP_REUSE;
        }
        if (pfn >= 0) r.folio_get(pfn);
        return wp_page_copy(v, addr, orig, pfn);
    }

    /**
     * wp_can_reuse_anon_folio() for an order-0 folio: reusable when this mapping holds the only
     * reference (no other mapping, no isolation for migration); then folio_move_anon_rmap() moves
     * it to this VMA's anon_vma.
     */
    boolean wp_can_reuse_anon_folio(long pfn, VmAreaStruct v) {
        int page = r.page(pfn);
        int refs = r.mem.refcount[page];
        if (refs > 3) return false;
        boolean swapcache = (r.mem.flags[page] & PageFlags.PG_swapcache) != 0;
        if (refs > 1 + (swapcache ? 1 : 0)) return false;
        if (r.migrations.containsKey(pfn)) return false; // !folio_trylock(): migration holds the folio lock
        if (swapcache && r.reclaim != null) r.reclaim.swapInfo().folio_free_swap(page);
        if (r.mem.refcount[page] != 1) return false;
        r.folio_move_anon_rmap(pfn, v);
        return true;
    }

    /** wp_page_reuse(): mark the PTE young, dirty and writable. */
    void wp_page_reuse(VmAreaStruct v, long addr, long orig, long pfn) {
        if (!r.pageAnonExclusive(pfn)) {
            r.warnings.warn("wp_page_reuse", "VM_BUG_ON(folio_test_anon(folio) && !PageAnonExclusive(vmf->page)) pfn 0x"
                    + Long.toHexString(pfn));
        }
        long entry = orig | Pte.YOUNG | Pte.DIRTY;
        if ((v.vm_flags & VmAreaStruct.VM_WRITE) != 0) entry |= Pte.WRITE; // maybe_mkwrite()
        v.vm_mm.pgtable.put(addr, entry);
        r.stats.wpReuse++;
    }

    /**
     * wp_page_copy(): a new folio (zeroed when the old PTE mapped the zero page, a copy of the old
     * page otherwise) replaces the old PTE: folio_add_new_anon_rmap() for the copy, then
     * folio_remove_rmap_pte() for the old page, whose reference the PTE held and whose extra
     * reference do_wp_page() took are both dropped. VM_FAULT_OOM when the allocation fails.
     */
    AccessKind wp_page_copy(VmAreaStruct v, long addr, long orig, long oldPfn) {
        MmStruct mm = v.vm_mm;
        if (__vmf_anon_prepare(v) != 0) {
            if (oldPfn >= 0) r.folio_put(oldPfn);
            r.stats.faultOom++;
            return AccessKind.OOM;
        }
        boolean pfnIsZero = Pte.special(orig);
        long newPfn = r.folio_alloc(pfnIsZero ? 0 : r.content.getOrDefault(oldPfn, 0L)); // __wp_page_copy_user()
        if (newPfn < 0) {
            if (oldPfn >= 0) r.folio_put(oldPfn);
            r.stats.faultOom++;
            return AccessKind.OOM;
        }
        Long now = mm.pgtable.get(addr);
        if (now == null || now != orig) {
            // !pte_same(): direct reclaim, run by the allocation, changed the PTE (cleared its
            // accessed bit or unmapped the page); back out, and the access faults again
            r.folio_put(newPfn);
            if (oldPfn >= 0) r.folio_put(oldPfn);
            return AccessKind.RETRY;
        }
        if (oldPfn < 0) mm.rssAnon++; // the zero page was not counted
        boolean w = (v.vm_flags & VmAreaStruct.VM_WRITE) != 0;
        long entry = Pte.mkPte(newPfn, w, false, true); // pte_sw_mkyoung(): no-op on x86; maybe_mkwrite(pte_mkdirty())
        mm.pgtable.remove(addr); // ptep_clear_flush()
        r.folio_add_new_anon_rmap(newPfn, v, addr, true);
        r.folio_add_lru_vma(newPfn, v);
        mm.pgtable.put(addr, entry);
        if (oldPfn >= 0) {
            // Only after switching the pte to the new page may we remove the mapcount here.
            r.folio_remove_rmap_pte(oldPfn);
            if (r.reclaim != null) r.reclaim.swapInfo().free_swap_cache(r.page(oldPfn)); // page_copied
            r.folio_put(oldPfn); // the reference the PTE held ("Free the old page..")
            r.folio_put(oldPfn); // the reference do_wp_page() took
        }
        r.stats.wpCopy++;
        if (pfnIsZero) r.stats.wpCopyFromZero++;
        return AccessKind.WP_COPY;
    }

    // ------------------------------------------------------------------ fork: copy_page_range

    /**
     * copy_page_range() for one VMA of a fork: every PTE of src_vma is copied into the child's
     * page table. A present page is shared (folio_get, folio_try_dup_anon_rmap_pte) and, in a COW
     * mapping, write-protected in both processes; the child's copy is old (not young). A writable
     * migration entry becomes a readable one in both.
     */
    void copy_page_range(VmAreaStruct dstVma, VmAreaStruct srcVma) {
        // vma_needs_copy(): "Don't copy ptes where a page fault will fill them correctly": without
        // an anon_vma a private anonymous VMA holds at most zero-page PTEs
        if (srcVma.anon_vma == null) return;
        MmStruct src = srcVma.vm_mm;
        MmStruct dst = dstVma.vm_mm;
        Map<Long, Long> range = src.pgtable.subMap(srcVma.vm_start, true, srcVma.vm_end, false);
        for (Map.Entry<Long, Long> e : new ArrayList<>(range.entrySet())) {
            long addr = e.getKey();
            long pte = e.getValue();
            if (!Pte.present(pte)) {
                copy_nonpresent_pte(dst, src, dstVma, addr, pte);
            } else {
                copy_present_ptes(dstVma, srcVma, addr, pte);
            }
        }
    }

    /**
     * copy_nonpresent_pte(): a swap entry is shared with the child (swap_duplicate(), and an
     * exclusive entry becomes shared in the parent too); a writable migration entry becomes a
     * readable one in both.
     */
    void copy_nonpresent_pte(MmStruct dst, MmStruct src, VmAreaStruct dstVma, long addr, long pte) {
        if (Pte.swap(pte)) {
            if (r.reclaim != null) r.reclaim.swapInfo().swap_duplicate(Pte.swpOffset(pte));
            if (Pte.swpExclusive(pte)) { // Mark the swap entry as shared.
                pte = Pte.swpClearExclusive(pte);
                src.pgtable.put(addr, pte);
            }
            dst.rssSwap++;
            dst.pgtable.put(addr, pte);
            r.stats.swapEntriesForked++;
            return;
        }
        if (!Pte.migration(pte)) {
            r.warnings.warn("copy_nonpresent_pte", "unknown non-present entry at page " + addr);
            return;
        }
        dst.rssAnon++;
        if (!Pte.migrationReadable(pte) && dstVma.isCowMapping()) {
            // COW mappings require pages in both parent and child to be set to read. A previously
            // exclusive entry is now shared.
            pte = Pte.migrationEntry(Pte.pfn(pte), false, false, Pte.young(pte), Pte.dirty(pte));
            src.pgtable.put(addr, pte);
        }
        dst.pgtable.put(addr, pte);
    }

    /** copy_present_ptes() for one PTE of an order-0 folio (or the zero page), then __copy_present_ptes(). */
    void copy_present_ptes(VmAreaStruct dstVma, VmAreaStruct srcVma, long addr, long pte) {
        if (Pte.normal(pte)) {
            long pfn = Pte.pfn(pte);
            r.folio_get(pfn);
            if (r.folioTestAnon(pfn)) {
                r.folio_try_dup_anon_rmap_pte(pfn);
                dstVma.vm_mm.rssAnon++;
            }
        }
        __copy_present_ptes(dstVma, srcVma, addr, pte);
    }

    /** __copy_present_ptes(): write-protect both sides of a COW mapping; the child's PTE is old. */
    void __copy_present_ptes(VmAreaStruct dstVma, VmAreaStruct srcVma, long addr, long pte) {
        if (srcVma.isCowMapping() && Pte.write(pte)) {
            srcVma.vm_mm.pgtable.put(addr, pte & ~Pte.WRITE); // wrprotect_ptes()
            pte &= ~Pte.WRITE;
        }
        pte &= ~Pte.YOUNG; // pte_mkold()
        dstVma.vm_mm.pgtable.put(addr, pte);
    }

    // ------------------------------------------------------------------ zap

    /**
     * zap_pte_range() over [start, end) of v: every PTE is cleared; a present anonymous page loses
     * its rmap and the PTE's reference (freed when it was the last, at the end of the TLB batch),
     * the zero page just goes, a migration entry is dropped (the migration finds one PTE fewer).
     */
    void zap_pte_range(VmAreaStruct v, long start, long end) {
        MmStruct mm = v.vm_mm;
        Map<Long, Long> range = mm.pgtable.subMap(start, true, end, false);
        List<Long> batch = new ArrayList<>(); // the mmu_gather: folios are put after the TLB flush
        for (Map.Entry<Long, Long> e : new ArrayList<>(range.entrySet())) {
            long pte = e.getValue();
            mm.pgtable.remove(e.getKey());
            if (Pte.swap(pte)) {
                // zap_nonpresent_ptes(): "Genuine swap entries, hence a private anon pages"
                mm.rssSwap--;
                if (r.reclaim != null) r.reclaim.swapInfo().free_swap_and_cache(Pte.swpOffset(pte));
                r.stats.swapEntriesZapped++;
            } else if (Pte.migration(pte)) {
                mm.rssAnon--; // zap_nonpresent_ptes()
            } else if (Pte.normal(pte)) {
                long pfn = Pte.pfn(pte);
                mm.rssAnon--;
                r.folio_remove_rmap_pte(pfn); // zap_present_folio_ptes()
                batch.add(pfn);
            }
        }
        for (long pfn : batch) { // tlb_finish_mmu() -> free_pages_and_swap_cache()
            if (r.reclaim != null) r.reclaim.swapInfo().free_swap_cache(r.page(pfn));
            r.folio_put(pfn);
        }
    }
}
