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
        return handle_mm_fault(v, addr, write, false);
    }

    /**
     * handle_mm_fault() with FAULT_FLAG_UNSHARE when {@code unshare} (break_ksm()): a present
     * read-only PTE goes to do_wp_page(), which copies a page that is not exclusive and maps the
     * copy read-only and clean, as unsharing (not writing) asks.
     */
    AccessKind handle_mm_fault(VmAreaStruct v, long addr, boolean write, boolean unshare) {
        Long pte = v.vm_mm.pgtable.get(addr);
        if (pte == null) return do_anonymous_page(v, addr, write);
        if (Pte.migration(pte)) {
            // do_swap_page(): migration_entry_wait() sleeps until remove_migration_ptes() is done
            r.stats.migrationWaits++;
            return AccessKind.MIGRATION_WAIT;
        }
        if ((write || unshare) && !Pte.write(pte)) return do_wp_page(v, addr, pte, unshare);
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
        return do_wp_page(v, addr, orig, false);
    }

    /**
     * do_wp_page() with FAULT_FLAG_UNSHARE when {@code unshare}: an exclusive page is left as it
     * is (nothing to unshare); a shared one is copied, the copy mapped read-only and clean. A KSM
     * page is never reused: wp_can_reuse_anon_folio() refuses it, so a write always copies.
     */
    AccessKind do_wp_page(VmAreaStruct v, long addr, long orig, boolean unshare) {
        long pfn = Pte.normal(orig) ? Pte.pfn(orig) : -1; // vm_normal_page(): NULL for the zero page
        if (pfn >= 0 && r.folioTestAnon(pfn)
                && (r.pageAnonExclusive(pfn) || wp_can_reuse_anon_folio(pfn, v))) {
            if (!r.pageAnonExclusive(pfn)) r.mem.flags[r.page(pfn)] |= PageFlags.PG_anon_exclusive;
            if (unshare) return AccessKind.HIT; // "if (unlikely(unshare)) { pte_unmap_unlock(); return 0; }"
            wp_page_reuse(v, addr, orig, pfn);
            return AccessKind.WP_REUSE;
        }
        if (pfn >= 0) r.folio_get(pfn);
        return wp_page_copy(v, addr, orig, pfn, unshare);
    }

    /**
     * wp_can_reuse_anon_folio() for an order-0 folio: reusable when this mapping holds the only
     * reference (no other mapping, no isolation for migration); then folio_move_anon_rmap() moves
     * it to this VMA's anon_vma.
     */
    boolean wp_can_reuse_anon_folio(long pfn, VmAreaStruct v) {
        if (r.folioTestKsm(pfn)) return false; // "KSM doesn't necessarily raise the folio refcount."
        int refs = r.mem.refcount[r.page(pfn)];
        if (refs > 3) return false;
        if (refs > 1) return false; // folio_ref_count(folio) > 1 + folio_test_swapcache(folio): no swap cache
        if (r.migrations.containsKey(pfn)) return false; // !folio_trylock(): migration holds the folio lock
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
        return wp_page_copy(v, addr, orig, oldPfn, false);
    }

    /** wp_page_copy(); with {@code unshare} the copy is mapped read-only and clean (FAULT_FLAG_UNSHARE). */
    AccessKind wp_page_copy(VmAreaStruct v, long addr, long orig, long oldPfn, boolean unshare) {
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
        if (oldPfn < 0) {
            r.ksmHooks.ksm_might_unmap_zero_page(mm, orig); // a zero page KSM placed stops being counted
            mm.rssAnon++; // the zero page was not counted
        }
        boolean w = !unshare && (v.vm_flags & VmAreaStruct.VM_WRITE) != 0;
        // pte_sw_mkyoung(): no-op on x86; maybe_mkwrite(pte_mkdirty()) unless unsharing
        long entry = Pte.mkPte(newPfn, w, false, !unshare);
        mm.pgtable.remove(addr); // ptep_clear_flush()
        r.folio_add_new_anon_rmap(newPfn, v, addr, true);
        r.folio_add_lru_vma(newPfn, v);
        mm.pgtable.put(addr, entry);
        if (oldPfn >= 0) {
            // Only after switching the pte to the new page may we remove the mapcount here.
            r.folio_remove_rmap_pte(oldPfn);
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

    /** copy_nonpresent_pte() for a migration entry. */
    void copy_nonpresent_pte(MmStruct dst, MmStruct src, VmAreaStruct dstVma, long addr, long pte) {
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
            if (Pte.migration(pte)) {
                mm.rssAnon--; // zap_nonpresent_ptes()
            } else if (Pte.special(pte)) {
                r.ksmHooks.ksm_might_unmap_zero_page(mm, pte); // zap_present_ptes(): no page, maybe KSM's zero page
            } else if (Pte.normal(pte)) {
                long pfn = Pte.pfn(pte);
                mm.rssAnon--;
                r.folio_remove_rmap_pte(pfn); // zap_present_folio_ptes()
                batch.add(pfn);
            }
        }
        for (long pfn : batch) r.folio_put(pfn); // tlb_finish_mmu() -> free_pages_and_swap_cache()
    }
}
