package org.mmspec.reference.rmap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.mmspec.reference.Fixtures;
import org.mmspec.reference.Machine;
import org.mmspec.reference.alloc.MachineConfig;
import org.mmspec.reference.alloc.ZoneType;
import org.mmspec.reference.page.PageFlags;
import org.mmspec.reference.reclaim.Lruvec;
import org.mmspec.reference.reclaim.Reclaim;
import org.mmspec.reference.reclaim.SwapConfig;
import org.mmspec.reference.reclaim.SwapInfo;
import org.mmspec.reference.reclaim.SwapOutSteps;
import org.mmspec.reference.rmap.Rmap.AccessKind;

/**
 * The anonymous fault paths of mm/memory.c (v6.18) with every count they move derived by hand:
 * do_swap_page() from the swap cache and from the slot (through the swap cache, or skipping it on
 * a SWP_SYNCHRONOUS_IO device), should_try_to_free_swap(), the exclusive/non-exclusive mapping
 * rule, the write that goes on to do_wp_page(); wp_can_reuse_anon_folio() with a swap cache
 * reference; wp_page_copy() and do_anonymous_page() running out of memory; the VM_WRITE rule of
 * do_anonymous_page(), wp_page_reuse() and wp_page_copy(). Pages go to swap by the steps of
 * shrink_folio_list() ({@link SwapOutSteps}), so the test picks the page.
 */
class FaultPathTest {
    static final long A = 0x20;

    static Machine machine(long swapPages, boolean sync) {
        MachineConfig c = Fixtures.normalOnly(0, 256, 6, 3).withMinFreeKbytes(0).withSwap(SwapConfig.of(swapPages, sync));
        return new Machine(c);
    }

    static long pte(Rmap r, int pid, long addr) {
        Long p = r.task(pid).pageTable().get(addr);
        return p == null ? 0 : p;
    }

    static int ref(Machine m, long pfn) {
        return m.mem().refcount[m.mem().idx(pfn)];
    }

    static boolean flag(Machine m, long pfn, int f) {
        return (m.mem().flags[m.mem().idx(pfn)] & f) != 0;
    }

    static void noWarnings(Machine m) {
        assertEquals(0, m.rmap().warnings().count(), m.rmap().warnings().messages().toString());
        assertEquals(0, m.reclaim().warnings().count(), m.reclaim().warnings().messages().toString());
    }

    /**
     * do_swap_page() on a swap cache hit, read fault, exclusive entry: a minor fault; swap_free_nr()
     * leaves only SWAP_HAS_CACHE; should_try_to_free_swap() is false for a read (swap not full);
     * the entry was exclusive, so the PTE is writable (VM_WRITE) but clean, the rmap exclusive
     * (RMAP_EXCLUSIVE) and the folio, which still has page->mapping, goes through
     * folio_add_anon_rmap_ptes(). MM_ANONPAGES +1, MM_SWAPENTS -1.
     */
    @Test
    void swapCacheHitOnReadMapsAnExclusiveEntryWritableAndClean() {
        Machine m = machine(9, true);
        Rmap r = m.rmap();
        Reclaim rc = m.reclaim();
        SwapInfo si = rc.swapInfo();
        r.mmap(1, A, 2);
        long p = r.access(1, A, true, 42).pfn();
        int av = r.mappingId(p);
        long off = SwapOutSteps.unmapIntoSwapCache(m, p, true);
        assertEquals(Pte.swapEntry(off, true), pte(r, 1, A), "pte_swp_mkexclusive(): the page was PageAnonExclusive");
        assertEquals(1, ref(m, p), "the swap cache's reference only");
        assertEquals(1 | SwapInfo.SWAP_HAS_CACHE, si.swapMap(off));
        assertEquals(0, r.task(1).rssAnon());
        assertEquals(1, r.task(1).rssSwap());
        assertEquals(42, r.peek(1, A));

        Rmap.Access a = r.access(1, A, false, 0);
        assertEquals(AccessKind.SWAP_CACHE, a.kind());
        assertEquals(p, a.pfn());
        assertEquals(42, a.value());
        long pte = pte(r, 1, A);
        assertTrue(Pte.write(pte), "exclusive and VM_WRITE: pte_mkwrite()");
        assertFalse(Pte.dirty(pte), "a read fault: no pte_mkdirty()");
        assertTrue(Pte.young(pte), "the access itself");
        assertEquals(Pte.pfn(pte), p);
        assertEquals(1, r.mapcount(p));
        assertTrue(r.pageAnonExclusive(p), "RMAP_EXCLUSIVE");
        assertEquals(av, r.mappingId(p), "page->mapping kept across the swap cache");
        assertEquals(2, ref(m, p), "the PTE's (the lookup's) and the swap cache's");
        assertEquals(SwapInfo.SWAP_HAS_CACHE, si.swapMap(off), "swap_free_nr(): no entry names the slot any more");
        assertEquals(p, si.cachedPfn(off), "should_try_to_free_swap(): false for a read while swap is not full");
        assertTrue(flag(m, p, PageFlags.PG_swapcache));
        assertEquals(1, r.task(1).rssAnon());
        assertEquals(0, r.task(1).rssSwap());
        assertEquals(1, rc.stats.swapCacheHits);
        assertEquals(0, rc.stats.pgmajfault);
        assertEquals(1, r.stats.swapinMinor);
        assertEquals(0, r.stats.swapinMajor);

        // zap: free_pages_and_swap_cache() -> free_swap_cache(): unmapped and no entry: out of the
        // swap cache, and the last reference frees the page
        long free = m.zone(ZoneType.NORMAL).nrFreePages;
        r.munmap(1, A, 2);
        assertEquals(0, si.swapMap(off));
        assertEquals(-1, si.cachedPfn(off));
        assertEquals(free + 1, m.zone(ZoneType.NORMAL).nrFreePages);
        assertEquals(si.total_swap_pages(), si.get_nr_swap_pages());
        noWarnings(m);
    }

    /**
     * The same hit for a write: should_try_to_free_swap() sees FAULT_FLAG_WRITE and a refcount of
     * 1 + 1 (swap cache and lookup), so folio_free_swap() drops the swap cache (slot freed, folio
     * dirtied); the PTE is writable and dirty and FAULT_FLAG_WRITE is cleared: no do_wp_page().
     */
    @Test
    void swapCacheHitOnWriteFreesTheSwapCacheAndMapsDirty() {
        Machine m = machine(9, true);
        Rmap r = m.rmap();
        SwapInfo si = m.reclaim().swapInfo();
        r.mmap(1, A, 1);
        long p = r.access(1, A, true, 42).pfn();
        long off = SwapOutSteps.unmapIntoSwapCache(m, p, true);
        Rmap.Access a = r.access(1, A, true, 43);
        assertEquals(AccessKind.SWAP_CACHE, a.kind());
        assertEquals(p, a.pfn());
        long pte = pte(r, 1, A);
        assertTrue(Pte.write(pte));
        assertTrue(Pte.dirty(pte));
        assertEquals(0, si.swapMap(off), "folio_free_swap(): the slot is free");
        assertEquals(-1, si.cachedPfn(off));
        assertFalse(flag(m, p, PageFlags.PG_swapcache));
        assertTrue(flag(m, p, PageFlags.PG_dirty), "folio_free_swap() dirties: the only copy is in memory");
        assertEquals(1, ref(m, p));
        assertEquals(0, r.stats.wpCopy + r.stats.wpReuse, "no do_wp_page()");
        assertEquals(43, r.peek(1, A));
        noWarnings(m);
    }

    /**
     * With swap more than half full (vm_swap_full(), via mem_cgroup_swap_full()) even a read
     * fault lets go of the swap cache.
     */
    @Test
    void aFullSwapDeviceMakesAReadFaultFreeTheSwapCache() {
        Machine m = machine(3, true); // two usable slots
        Rmap r = m.rmap();
        SwapInfo si = m.reclaim().swapInfo();
        r.mmap(1, A, 2);
        long p = r.access(1, A, true, 1).pfn();
        long q = r.access(1, A + 1, true, 2).pfn();
        long off = SwapOutSteps.unmapIntoSwapCache(m, p, true);
        SwapOutSteps.unmapIntoSwapCache(m, q, true);
        assertTrue(si.vm_swap_full());
        assertEquals(AccessKind.SWAP_CACHE, r.access(1, A, false, 0).kind());
        assertEquals(0, si.swapMap(off));
        assertFalse(flag(m, p, PageFlags.PG_swapcache));
        assertEquals(1, ref(m, p));
        assertTrue(Pte.write(pte(r, 1, A)));
        noWarnings(m);
    }

    /**
     * A page shared by fork, swapped out from both: the entries are not exclusive and the swap
     * cache holds a reference besides the lookup's, so a read maps it read-only and not exclusive;
     * a write then goes to do_wp_page(): wp_can_reuse_anon_folio() allows 1 + swapcache
     * references, tries folio_free_swap() (refused: the other process's entry still names the
     * slot) and finds two references: COW. The other process's write after its read is the last
     * user: folio_free_swap() succeeds, the refcount is 1, folio_move_anon_rmap() moves the page
     * to its anon_vma and wp_page_reuse() maps it writable.
     */
    @Test
    void aSharedSwapCachePageIsCopiedThenReusedByTheLastUser() {
        Machine m = machine(9, true);
        Rmap r = m.rmap();
        SwapInfo si = m.reclaim().swapInfo();
        r.mmap(1, A, 1);
        long p = r.access(1, A, true, 42).pfn();
        int c = r.fork(1, 0);
        long off = SwapOutSteps.unmapIntoSwapCache(m, p, true);
        assertEquals(Pte.swapEntry(off, false), pte(r, 1, A));
        assertEquals(Pte.swapEntry(off, false), pte(r, c, A));
        assertEquals(2 | SwapInfo.SWAP_HAS_CACHE, si.swapMap(off));
        assertEquals(2, r.stats.swapEntriesInstalled);

        Rmap.Access rd = r.access(1, A, false, 0);
        assertEquals(AccessKind.SWAP_CACHE, rd.kind());
        assertFalse(Pte.write(pte(r, 1, A)), "not exclusive and refcount 2: read-only");
        assertFalse(r.pageAnonExclusive(p));
        assertEquals(1 | SwapInfo.SWAP_HAS_CACHE, si.swapMap(off));

        Rmap.Access w = r.access(1, A, true, 7);
        assertEquals(AccessKind.WP_COPY, w.kind());
        assertNotEquals(p, w.pfn());
        assertEquals(0, r.mapcount(p));
        assertEquals(1, ref(m, p), "the swap cache's: both of do_wp_page()'s and the PTE's are put");
        assertEquals(p, si.cachedPfn(off), "free_swap_cache(): the child's entry still names the slot");
        assertTrue(Pte.write(pte(r, 1, A)));
        assertTrue(Pte.dirty(pte(r, 1, A)));
        assertEquals(42, r.peek(c, A));

        assertEquals(AccessKind.SWAP_CACHE, r.access(c, A, false, 0).kind());
        assertEquals(SwapInfo.SWAP_HAS_CACHE, si.swapMap(off));
        assertFalse(Pte.write(pte(r, c, A)), "the entry was not exclusive and the swap cache holds a reference");
        long moved = r.stats.folioMoveAnonRmap;
        Rmap.Access reuse = r.access(c, A, true, 9);
        assertEquals(AccessKind.WP_REUSE, reuse.kind());
        assertEquals(p, reuse.pfn());
        assertEquals(0, si.swapMap(off), "wp_can_reuse_anon_folio(): folio_free_swap()");
        assertEquals(1, ref(m, p));
        assertTrue(r.pageAnonExclusive(p));
        assertEquals(r.task(c).findVma(A).anonVma().id(), r.mappingId(p), "folio_move_anon_rmap()");
        assertEquals(moved + 1, r.stats.folioMoveAnonRmap);
        long pte = pte(r, c, A);
        assertTrue(Pte.write(pte) && Pte.dirty(pte) && Pte.young(pte), "wp_page_reuse(): young, dirty, writable");
        assertEquals(1, r.stats.wpReuse);
        assertEquals(1, r.stats.wpCopy);
        noWarnings(m);
    }

    /**
     * A write to a non-exclusive swap entry: do_swap_page() maps it read-only (refcount 2: not
     * ours alone), keeps FAULT_FLAG_WRITE and calls do_wp_page(), which copies; the access reports
     * the swap-in.
     */
    @Test
    void aWriteToASharedSwapEntryGoesOnToDoWpPage() {
        Machine m = machine(9, true);
        Rmap r = m.rmap();
        SwapInfo si = m.reclaim().swapInfo();
        r.mmap(1, A, 1);
        long p = r.access(1, A, true, 42).pfn();
        int c = r.fork(1, 0);
        long off = SwapOutSteps.unmapIntoSwapCache(m, p, true);
        Rmap.Access w = r.access(c, A, true, 5);
        assertEquals(AccessKind.SWAP_CACHE, w.kind());
        assertNotEquals(p, w.pfn(), "a copy");
        assertEquals(1, r.stats.wpCopy);
        assertEquals(1 | SwapInfo.SWAP_HAS_CACHE, si.swapMap(off), "the parent's entry");
        assertEquals(1, ref(m, p));
        assertEquals(0, r.mapcount(p));
        assertEquals(5, r.peek(c, A));
        assertEquals(42, r.peek(1, A));
        assertEquals(1, r.task(c).rssAnon());
        assertEquals(0, r.task(c).rssSwap());
        noWarnings(m);
    }

    /**
     * A page evicted to its slot, read back through the swap cache (not SWP_SYNCHRONOUS_IO):
     * __read_swap_cache_async() allocates, claims SWAP_HAS_CACHE, adds the folio to the swap cache
     * (the shadow there is a refault: WORKINGSET_REFAULT_ANON), to the LRU, reads it (PSWPIN);
     * PGMAJFAULT. The new folio is not anon yet: folio_add_new_anon_rmap() with the entry's
     * exclusivity (the folio is the swap cache's, so the entry decides).
     */
    @Test
    void aMajorFaultReadsThroughTheSwapCache() {
        Machine m = machine(9, false);
        Rmap r = m.rmap();
        Reclaim rc = m.reclaim();
        SwapInfo si = rc.swapInfo();
        r.mmap(1, A, 1);
        long p = r.access(1, A, true, 42).pfn();
        long off = SwapOutSteps.swapOut(m, p);
        assertEquals(1, si.swapMap(off));
        assertNotEquals(0, si.shadowOf(off), "workingset_eviction() left a shadow");
        assertEquals(42, si.slotValue(off));
        long refaults = rc.lruvec().workingsetRefault[Lruvec.WORKINGSET_ANON];
        long pswpin = rc.stats.pswpin;

        Rmap.Access a = r.access(1, A, false, 0);
        assertEquals(AccessKind.SWAP_IN, a.kind());
        assertEquals(42, a.value());
        long q = a.pfn();
        assertEquals(pswpin + 1, rc.stats.pswpin);
        assertEquals(1, rc.stats.pgmajfault);
        assertEquals(0, rc.stats.swapCacheHits);
        assertEquals(0, rc.stats.swapinSkipSwapcache);
        assertEquals(refaults + 1, rc.lruvec().workingsetRefault[Lruvec.WORKINGSET_ANON]);
        assertEquals(1, r.stats.swapinMajor);
        assertEquals(SwapInfo.SWAP_HAS_CACHE, si.swapMap(off));
        assertEquals(q, si.cachedPfn(off));
        assertEquals(0, si.shadowOf(off));
        assertTrue(flag(m, q, PageFlags.PG_swapbacked));
        assertTrue(flag(m, q, PageFlags.PG_swapcache));
        assertTrue(flag(m, q, PageFlags.PG_lru));
        assertEquals(2, ref(m, q));
        assertEquals(1, r.mapcount(q));
        assertTrue(r.pageAnonExclusive(q));
        assertEquals(r.task(1).findVma(A).anonVma().id(), r.mappingId(q));
        assertEquals(A, r.index(q));
        assertTrue(Pte.write(pte(r, 1, A)));
        assertFalse(Pte.dirty(pte(r, 1, A)));
        assertEquals(1, r.task(1).rssAnon());
        assertEquals(0, r.task(1).rssSwap());
        noWarnings(m);
    }

    /**
     * On a SWP_SYNCHRONOUS_IO device an entry with one reference skips the swap cache: a fresh
     * folio (exclusive: "not exposed to the swap cache"), SWAP_HAS_CACHE held by
     * swapcache_prepare() for the duration and released by swapcache_clear(), so the slot ends
     * free. A write maps it writable and dirty.
     */
    @Test
    void aSynchronousDeviceSkipsTheSwapCache() {
        Machine m = machine(9, true);
        Rmap r = m.rmap();
        Reclaim rc = m.reclaim();
        SwapInfo si = rc.swapInfo();
        r.mmap(1, A, 1);
        long p = r.access(1, A, true, 42).pfn();
        long off = SwapOutSteps.swapOut(m, p);
        long refaults = rc.lruvec().workingsetRefault[Lruvec.WORKINGSET_ANON];
        Rmap.Access a = r.access(1, A, true, 43);
        assertEquals(AccessKind.SWAP_IN, a.kind());
        long q = a.pfn();
        assertEquals(1, rc.stats.swapinSkipSwapcache);
        assertEquals(1, rc.stats.pgmajfault);
        assertEquals(refaults + 1, rc.lruvec().workingsetRefault[Lruvec.WORKINGSET_ANON]);
        assertEquals(0, si.swapMap(off), "swap_free_nr() and swapcache_clear(): free");
        assertEquals(si.total_swap_pages(), si.get_nr_swap_pages());
        assertFalse(flag(m, q, PageFlags.PG_swapcache));
        assertTrue(flag(m, q, PageFlags.PG_swapbacked));
        assertEquals(1, ref(m, q));
        assertTrue(r.pageAnonExclusive(q));
        long pte = pte(r, 1, A);
        assertTrue(Pte.write(pte) && Pte.dirty(pte));
        assertEquals(43, r.peek(1, A));
        assertEquals(0, r.stats.wpCopy + r.stats.wpReuse);

        // an entry with two references (fork) does not skip the cache
        r.mmap(1, A + 1, 1);
        long p2 = r.access(1, A + 1, true, 44).pfn();
        int c = r.fork(1, 0);
        long off2 = SwapOutSteps.swapOut(m, p2);
        assertEquals(2, si.swapMap(off2));
        Rmap.Access in = r.access(c, A + 1, false, 0);
        assertEquals(AccessKind.SWAP_IN, in.kind());
        // a new folio mapped not exclusive (shared entry, the swap cache's reference):
        // __folio_set_anon() uses the root anon_vma, "the _oldest_ possible anon_vma"
        assertEquals(r.task(1).findVma(A + 1).anonVma().root().id(), r.mappingId(in.pfn()));
        assertFalse(r.pageAnonExclusive(in.pfn()));
        assertFalse(Pte.write(pte(r, c, A + 1)));
        assertEquals(1 | SwapInfo.SWAP_HAS_CACHE, si.swapMap(off2), "read into the swap cache: the parent's entry stays");
        assertEquals(1, rc.stats.swapinSkipSwapcache);
        noWarnings(m);
    }

    /** A swap entry naming no slot of the device: print_bad_pte(), and the fault fails. */
    @Test
    void aSwapEntryForNoSlotIsABadPte() {
        Machine m = machine(9, true);
        Rmap r = m.rmap();
        r.mmap(1, A, 1);
        r.task(1).pgtable.put(A, Pte.swapEntry(100, false));
        assertEquals(AccessKind.OOM, r.access(1, A, false, 0).kind());
        assertEquals(1, r.warnings().count());
    }

    /**
     * Fork of a swap entry (copy_nonpresent_pte()): swap_duplicate(), and an exclusive entry
     * becomes shared in the parent too; zap of a swap entry (zap_nonpresent_ptes()):
     * free_swap_and_cache_nr() and MM_SWAPENTS -1.
     */
    @Test
    void forkAndZapOfASwapEntry() {
        Machine m = machine(9, true);
        Rmap r = m.rmap();
        SwapInfo si = m.reclaim().swapInfo();
        r.mmap(1, A, 1);
        long p = r.access(1, A, true, 42).pfn();
        long off = SwapOutSteps.swapOut(m, p);
        int c = r.fork(1, 0);
        assertEquals(2, si.swapMap(off));
        assertEquals(Pte.swapEntry(off, false), pte(r, 1, A));
        assertEquals(Pte.swapEntry(off, false), pte(r, c, A));
        assertEquals(1, r.task(c).rssSwap());
        assertEquals(1, r.stats.swapEntriesForked);
        r.exit(c);
        assertEquals(1, si.swapMap(off));
        assertEquals(1, r.stats.swapEntriesZapped);
        r.munmap(1, A, 1);
        assertEquals(0, si.swapMap(off));
        assertEquals(0, r.task(1).rssSwap());
        assertEquals(2, r.stats.swapEntriesZapped);
        noWarnings(m);
    }

    /**
     * do_anonymous_page(): a read maps the zero page (counted), a write without VM_WRITE maps the
     * new page neither writable nor dirty ("if (vma->vm_flags & VM_WRITE) entry =
     * pte_mkwrite(pte_mkdirty(entry))"); with it, writable and dirty.
     */
    @Test
    void doAnonymousPageMapsWritableAndDirtyOnlyWithVmWrite() {
        Machine m = machine(9, true);
        Rmap r = m.rmap();
        r.mmap(1, A, 3);
        Rmap.Access z = r.access(1, A, false, 0);
        assertEquals(AccessKind.ZERO_PAGE, z.kind());
        assertEquals(-1, z.pfn());
        assertEquals(1, r.stats.zeroPageFaults);
        assertTrue(Pte.special(pte(r, 1, A)));
        VmAreaStruct v = r.task(1).findVma(A);
        assertEquals(AccessKind.ANON_PAGE, r.memory.do_anonymous_page(v, A + 1, true));
        assertEquals(1, r.stats.anonFaults);
        long pte = pte(r, 1, A + 1);
        assertTrue(Pte.write(pte) && Pte.dirty(pte) && !Pte.young(pte), "pte_sw_mkyoung() is a no-op on x86");
        v.vm_flags &= ~VmAreaStruct.VM_WRITE;
        assertEquals(AccessKind.ANON_PAGE, r.memory.do_anonymous_page(v, A + 2, true));
        long ro = pte(r, 1, A + 2);
        assertFalse(Pte.write(ro));
        assertFalse(Pte.dirty(ro));
        assertEquals(2, r.stats.anonFaults);
        assertEquals(2, r.task(1).rssAnon());
    }

    /**
     * wp_page_reuse(): pte_mkyoung(), pte_mkdirty() and maybe_mkwrite(): without VM_WRITE the PTE
     * stays read-only. wp_page_copy() likewise maps the copy dirty and, without VM_WRITE,
     * read-only; with FAULT_FLAG_UNSHARE read-only and clean. An unshare fault on an exclusive
     * page changes nothing (do_wp_page(): "if (unlikely(unshare)) ... return 0").
     */
    @Test
    void wpPageReuseAndCopyFollowVmWriteAndUnshare() {
        Machine m = machine(9, true);
        Rmap r = m.rmap();
        r.mmap(1, A, 2);
        long p = r.access(1, A, true, 3).pfn();
        VmAreaStruct v = r.task(1).findVma(A);
        long orig = pte(r, 1, A) & ~(Pte.WRITE | Pte.YOUNG | Pte.DIRTY);
        r.task(1).pgtable.put(A, orig);
        assertEquals(AccessKind.HIT, r.memory.handle_mm_fault(v, A, false, true), "unshare of an exclusive page");
        assertEquals(orig, pte(r, 1, A));
        assertEquals(0, r.stats.wpReuse);
        v.vm_flags &= ~VmAreaStruct.VM_WRITE;
        assertEquals(AccessKind.WP_REUSE, r.memory.do_wp_page(v, A, orig));
        long reused = pte(r, 1, A);
        assertFalse(Pte.write(reused));
        assertTrue(Pte.dirty(reused) && Pte.young(reused));
        assertEquals(1, r.stats.wpReuse);
        v.vm_flags |= VmAreaStruct.VM_WRITE;
        assertEquals(AccessKind.WP_REUSE, r.memory.do_wp_page(v, A, orig));
        assertTrue(Pte.write(pte(r, 1, A)));
        assertEquals(2, r.stats.wpReuse);

        // a fork shares it; the child's unshare fault copies it read-only and clean
        int c = r.fork(1, 0);
        VmAreaStruct cv = r.task(c).findVma(A);
        long corig = pte(r, c, A);
        assertEquals(AccessKind.WP_COPY, r.memory.handle_mm_fault(cv, A, false, true));
        long cp = pte(r, c, A);
        assertNotEquals(p, Pte.pfn(cp));
        assertFalse(Pte.write(cp));
        assertFalse(Pte.dirty(cp));
        assertEquals(3, r.peek(c, A));
        assertEquals(1, r.mapcount(p));
        assertEquals(1, ref(m, p));
        assertNotEquals(corig, cp);
        // the parent's copy, of a page without VM_WRITE after another fork: dirty, read-only
        int d = r.fork(1, 0);
        VmAreaStruct dv = r.task(d).findVma(A);
        dv.vm_flags &= ~VmAreaStruct.VM_WRITE;
        long dorig = pte(r, d, A);
        r.folio_get(p); // what do_wp_page() takes before wp_page_copy()
        assertEquals(AccessKind.WP_COPY, r.memory.wp_page_copy(dv, A, dorig, p));
        long dp = pte(r, d, A);
        assertFalse(Pte.write(dp));
        assertTrue(Pte.dirty(dp));
        assertEquals(2, r.stats.wpCopy);
        assertEquals(0, r.stats.wpCopyFromZero);
        assertEquals(1, r.mapcount(p));
        assertEquals(1, ref(m, p));
        noWarnings(m);
    }

    /**
     * A write over the zero page copies from nothing (wp_page_copy(): "if (is_zero_pfn(...))
     * vma_alloc_zeroed_movable_folio()"), counted, and MM_ANONPAGES grows (the zero page was not
     * counted).
     */
    @Test
    void aWriteOverTheZeroPageIsACopyFromZero() {
        Machine m = machine(9, true);
        Rmap r = m.rmap();
        r.mmap(1, A, 1);
        r.access(1, A, false, 0);
        Rmap.Access w = r.access(1, A, true, 0);
        assertEquals(AccessKind.WP_COPY, w.kind());
        assertEquals(1, r.stats.wpCopyFromZero);
        assertEquals(1, r.stats.wpCopy);
        assertEquals(1, r.task(1).rssAnon());
        assertTrue(flag(m, w.pfn(), PageFlags.PG_lru), "folio_add_lru_vma()");
        // a fork of a VMA whose only PTE was the zero page copies nothing (vma_needs_copy())
        r.mmap(1, A + 4, 1);
        r.access(1, A + 4, false, 0);
        int c = r.fork(1, 0);
        assertNull(r.task(c).pageTable().get(A + 4));
        assertTrue(r.task(c).pageTable().containsKey(A));
    }

    /**
     * __anon_vma_prepare() failing (its anon_vma_chain allocation) makes the fault VM_FAULT_OOM,
     * both from do_anonymous_page() and from wp_page_copy() over the zero page; nothing is mapped.
     */
    @Test
    void anAnonVmaPrepareFailureIsVmFaultOom() {
        Machine m = machine(9, true);
        Rmap r = m.rmap();
        r.mmap(1, A, 2);
        r.failAt = 1;
        assertEquals(AccessKind.OOM, r.access(1, A, true, 1).kind());
        assertNull(r.task(1).pageTable().get(A));
        assertEquals(1, r.stats.faultOom);
        r.failAt = 0;
        r.access(1, A + 1, false, 0);
        r.failAt = 1;
        r.slabAllocs = 0;
        assertEquals(AccessKind.OOM, r.access(1, A + 1, true, 1).kind());
        assertTrue(Pte.special(pte(r, 1, A + 1)), "still the zero page");
        assertEquals(2, r.stats.faultOom);
        assertNull(r.task(1).findVma(A).anonVma());
        r.failAt = 0;
        r.slabAllocs = 0;
    }

    /**
     * Out of pages (no swap, so reclaim frees nothing): do_anonymous_page() and wp_page_copy()
     * fail with VM_FAULT_OOM; wp_page_copy() puts the reference do_wp_page() took on the old page.
     */
    @Test
    void outOfPagesTheFaultsFailAndKeepTheOldPage() {
        Machine m = new Machine(Fixtures.normalOnly(0, 256, 6, 3).withMinFreeKbytes(0));
        Rmap r = m.rmap();
        r.mmap(1, A, 1);
        long p = r.access(1, A, true, 9).pfn();
        int c = r.fork(1, 0);
        r.mmap(1, 0x400, 1000);
        r.access(1, 0x400 + 999, false, 0); // a zero page
        long oom = r.stats.faultOom;
        int i = 0;
        while (r.access(1, 0x400 + i, true, 1).kind() != AccessKind.OOM) i++;
        assertEquals(oom + 1, r.stats.faultOom, "do_anonymous_page(): VM_FAULT_OOM");
        assertEquals(AccessKind.OOM, r.access(1, 0x400 + 999, true, 1).kind(), "wp_page_copy() from the zero page");
        assertEquals(oom + 2, r.stats.faultOom);
        assertTrue(Pte.special(pte(r, 1, 0x400 + 999)));
        assertEquals(AccessKind.OOM, r.access(c, A, true, 1).kind(), "COW without a page");
        assertEquals(oom + 3, r.stats.faultOom);
        assertEquals(2, ref(m, p), "do_wp_page()'s reference put back");
        assertEquals(2, r.mapcount(p));
        assertEquals(9, r.peek(c, A));
        assertEquals(0, r.warnings().count(), r.warnings().messages().toString());
    }

    /** A migration entry: migration_entry_wait(), counted. */
    @Test
    void aMigrationEntryWaits() {
        Machine m = machine(9, true);
        Rmap r = m.rmap();
        r.mmap(1, A, 1);
        long p = r.access(1, A, true, 9).pfn();
        assertEquals(0, r.migrate_folio_unmap(p));
        assertEquals(AccessKind.MIGRATION_WAIT, r.access(1, A, false, 0).kind());
        assertEquals(AccessKind.MIGRATION_WAIT, r.access(1, A, true, 0).kind());
        assertEquals(2, r.stats.migrationWaits);
        assertEquals(9, r.migrate_folio_move(p, false) == p ? -1 : r.peek(1, A));
    }
}
