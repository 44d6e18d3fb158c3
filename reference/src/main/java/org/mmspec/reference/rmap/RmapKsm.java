package org.mmspec.reference.rmap;

import java.util.NavigableMap;

import org.mmspec.reference.page.MemMap;
import org.mmspec.reference.reclaim.Lruvec;

/**
 * What mm/ksm.c reaches into the rest of mm for, as the KSM model (package
 * {@code org.mmspec.reference.ksm}) sees it: page tables, folio references and rmap counts,
 * page->mapping, anon_vma references, and the unsharing fault. Each method is the kernel
 * primitive it names, over the same state the rest of the reverse map uses; nothing here has a
 * policy of its own. Addresses are virtual page numbers.
 */
public final class RmapKsm {
    private final Rmap r;

    public RmapKsm(Rmap r) {
        this.r = r;
    }

    public Rmap rmap() {
        return r;
    }

    public MemMap mem() {
        return r.mem;
    }

    /** The node's LRU. */
    public Lruvec lruvec() {
        return r.lruvec();
    }

    /** Whether mm is a live process's mm (not ksm_test_exit()). */
    public boolean mmLive(MmStruct mm) {
        return mm != null && r.tasks.get(mm.pid) == mm;
    }

    /** The live mm of pid, or null. */
    public MmStruct mm(int pid) {
        return r.tasks.get(pid);
    }

    /** The PTE at addr (null: pte_none). */
    public Long pte(MmStruct mm, long addr) {
        return mm.pgtable.get(addr);
    }

    /** The PTE at addr, 0 for pte_none (no boxing). */
    public long pteValue(MmStruct mm, long addr) {
        return mm.pgtable.getLong(addr, 0);
    }

    /** The first PTE at or above addr (a page-table walk's next entry), or null. */
    public java.util.Map.Entry<Long, Long> ptepCeiling(MmStruct mm, long addr) {
        return mm.pgtable.ceilingEntry(addr);
    }

    /** The page table of mm, for walks (read-only). */
    public NavigableMap<Long, Long> pageTable(MmStruct mm) {
        return mm.pageTable();
    }

    /** set_pte_at(). */
    public void set_pte_at(MmStruct mm, long addr, long pte) {
        mm.pgtable.put(addr, pte);
    }

    /**
     * ptep_clear_flush(): the PTE as it was. KSM clears a PTE and sets it again (set_pte_at())
     * under the page table lock, nothing reading it in between; the model leaves the entry in
     * place for set_pte_at() to overwrite (or the caller to restore), which is the same to every
     * observer and keeps the page table's sorted map from rebalancing twice per merge.
     */
    public long ptep_clear_flush(MmStruct mm, long addr) {
        return mm.pgtable.getLong(addr, 0);
    }

    /** The next present-or-not PTE at or after addr, below end: the value, its address in {@code at[0]}; 0 when none. */
    public long nextPte(MmStruct mm, long addr, long end, long[] at) {
        // the scanner walks page tables in order: try the next few addresses by hash before searching the tree
        for (long a = addr; a < end && a < addr + 8; a++) {
            long pte = mm.pgtable.getLong(a, 0);
            if (pte != 0) {
                at[0] = a;
                return pte;
            }
        }
        if (addr + 8 >= end) return 0;
        var e = mm.pgtable.ceilingEntry(addr + 8);
        if (e == null || e.getKey() >= end) return 0;
        at[0] = e.getKey();
        return e.getValue();
    }

    /** The content of the page at pfn (0 for a page the processes do not own). */
    public long content(long pfn) {
        return r.content.getLong(pfn, 0);
    }

    /** The page's ghost store stamp ({@link Rmap#contentStamp}). */
    public long contentStamp(long pfn) {
        return r.contentStamp(pfn);
    }

    /** Whether pfn is an anonymous page of the processes (it has a content). */
    public boolean ownsPage(long pfn) {
        return r.content.containsLong(pfn);
    }

    public int refcount(long pfn) {
        return r.mem.refcount[r.page(pfn)];
    }

    public int mapcount(long pfn) {
        return r.mapcount(pfn);
    }

    public void folio_get(long pfn) {
        r.folio_get(pfn);
    }

    /** folio_put(): the last reference frees the page (page->mapping cleared, so a stable node pointing to it goes stale). */
    public void folio_put(long pfn) {
        r.folio_put(pfn);
    }

    /** folio_add_anon_rmap_pte(folio, page, vma, addr, RMAP_NONE). */
    public void folio_add_anon_rmap_pte(long pfn, VmAreaStruct vma, long addr) {
        r.folio_add_anon_rmap_pte(pfn, vma, addr, false);
    }

    public void folio_remove_rmap_pte(long pfn) {
        r.folio_remove_rmap_pte(pfn);
    }

    /** page->mapping (the handle Rmap keeps: {@link Rmap#anonMapping}, {@link Rmap#ksmMapping}). */
    public int mapping(long pfn) {
        return r.mem.mappingOf(r.page(pfn));
    }

    public void setMapping(long pfn, int mapping) {
        r.mem.mapping()[r.page(pfn)] = mapping;
    }

    /** page->flags. */
    public int flags(long pfn) {
        return r.mem.flags[r.page(pfn)];
    }

    public void setFlags(long pfn, int flags) {
        r.mem.flags[r.page(pfn)] = flags;
    }

    public void get_anon_vma(AnonVma a) {
        Rmap.get_anon_vma(a);
    }

    public void put_anon_vma(AnonVma a) {
        r.put_anon_vma(a);
    }

    /** Whether the anon_vma is live (not freed). */
    public boolean anonVmaLive(AnonVma a) {
        return a != null && !a.freed && r.anonVmas.get(a.id) == a;
    }

    /** The live anon_vma with this id, or null. */
    public AnonVma anonVma(int id) {
        return r.anonVmas.get(id);
    }

    /** folio_trylock(): fails while migration holds the folio lock (between migrate_folio_unmap and _move). */
    public boolean folio_trylock(long pfn) {
        return !r.migrations.containsKey(pfn);
    }

    /** Whether any folio is isolated for migration (its lock held by migrate_pages()). */
    public boolean migrationsPending() {
        return !r.migrations.isEmpty();
    }

    /** handle_mm_fault(vma, addr, FAULT_FLAG_UNSHARE | FAULT_FLAG_REMOTE). */
    public Rmap.AccessKind handle_mm_fault_unshare(VmAreaStruct vma, long addr) {
        return r.memory.handle_mm_fault(vma, addr, false, true);
    }

    /** add_mm_counter(mm, MM_ANONPAGES, delta). */
    public void add_mm_counter_anon(MmStruct mm, long delta) {
        mm.rssAnon += delta;
    }

    /** vm_flags of a VMA (read). */
    public long vmFlags(VmAreaStruct v) {
        return v.vm_flags;
    }
}
