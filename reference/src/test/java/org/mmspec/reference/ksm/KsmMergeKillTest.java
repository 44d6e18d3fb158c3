package org.mmspec.reference.ksm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.mmspec.reference.Machine;
import org.mmspec.reference.page.PageFlags;
import org.mmspec.reference.reclaim.Lruvec;
import org.mmspec.reference.rmap.AnonVma;
import org.mmspec.reference.rmap.MmStruct;
import org.mmspec.reference.rmap.Pte;
import org.mmspec.reference.rmap.Rmap;
import org.mmspec.reference.rmap.RmapKsm;
import org.mmspec.reference.rmap.VmAreaStruct;

/**
 * Merging, one step at a time, against mm/ksm.c v6.18: calc_checksum(), memcmp_pages(),
 * write_protect_page() (each of its three reasons to check the reference count),
 * try_to_merge_one_page() (PG_dirty), try_to_merge_with_ksm_page(), break_cow(),
 * find_mergeable_vma(), folio_mark_accessed() of mm/swap.c with the LRU lists, folio_migrate_ksm()
 * and rmap_walk_ksm(). Expectations worked out from the kernel source, cited per test.
 */
class KsmMergeKillTest {
    static final long A = KsmTest.A;

    /** A machine with pid 1's single page of value 7 at A (MADV_MERGEABLE), ksmd not run yet. */
    static Machine one() {
        return KsmTest.machine(256, false, false, 7, 100);
    }

    /**
     * calc_checksum() (mm/ksm.c) hashes the page's content: the model's calc_checksum(pfn) is
     * checksum() of the value the process wrote; zero_checksum is that of ZERO_PAGE(0).
     */
    @Test
    void calcChecksumHashesTheContent() {
        Machine m = one();
        Ksm k = m.ksm();
        long p = KsmTest.pfnAt(m, 1, A);
        assertEquals(Ksm.checksum(7), k.calc_checksum(p));
        assertEquals(Ksm.checksum(100), k.calc_checksum(KsmTest.pfnAt(m, 1, A + 1)));
        assertTrue(k.calc_checksum(p) != 0);
        assertEquals(Ksm.checksum(0), k.zero_checksum);
    }

    /**
     * memcmp_pages() (mm/ksm.c) orders two pages by content; the model counts every call
     * (stats.memcmp), both overloads, by one.
     */
    @Test
    void memcmpPagesOrdersAndCountsOnce() {
        Machine m = one();
        Ksm k = m.ksm();
        long a = KsmTest.pfnAt(m, 1, A);
        long b = KsmTest.pfnAt(m, 1, A + 1);
        long before = k.stats.memcmp;
        assertTrue(k.memcmp_pages(a, b) < 0);
        assertEquals(before + 1, k.stats.memcmp);
        assertTrue(k.memcmp_pages(100, b, a) > 0);
        assertEquals(before + 2, k.stats.memcmp);
        assertEquals(0, k.memcmp_pages(7, a, a));
        assertEquals(before + 3, k.stats.memcmp);
        assertEquals(0, k.contentOf(Ksm.ZERO_PFN));
    }

    /**
     * folio_mark_accessed() (mm/swap.c): a referenced, inactive, evictable folio on the LRU is
     * activated by folio_activate() -> lru_activate(): lruvec_del_folio() from the inactive anon
     * list, PG_active set, lruvec_add_folio() onto the active anon list; PG_referenced cleared.
     */
    @Test
    void folioMarkAccessedMovesAFolioToTheActiveList() {
        Machine m = one();
        Ksm k = m.ksm();
        RmapKsm rk = new RmapKsm(m.rmap());
        Lruvec lru = rk.lruvec();
        long p = KsmTest.pfnAt(m, 1, A);
        int idx = m.rmap().mem().idx(p);
        rk.setFlags(p, (rk.flags(p) | PageFlags.PG_referenced) & ~PageFlags.PG_active);
        assertTrue((rk.flags(p) & PageFlags.PG_lru) != 0);
        assertTrue(lru.pages(Lruvec.LRU_INACTIVE_ANON).contains(idx));
        long inactive = lru.size(Lruvec.LRU_INACTIVE_ANON);
        long active = lru.size(Lruvec.LRU_ACTIVE_ANON);
        k.folio_mark_accessed(p);
        assertTrue((rk.flags(p) & PageFlags.PG_active) != 0);
        assertEquals(0, rk.flags(p) & PageFlags.PG_referenced);
        assertTrue((rk.flags(p) & PageFlags.PG_lru) != 0);
        assertFalse(lru.pages(Lruvec.LRU_INACTIVE_ANON).contains(idx), "lruvec_del_folio() from the inactive list");
        assertTrue(lru.pages(Lruvec.LRU_ACTIVE_ANON).contains(idx), "lruvec_add_folio() onto the active list");
        assertEquals(inactive - 1, lru.size(Lruvec.LRU_INACTIVE_ANON));
        assertEquals(active + 1, lru.size(Lruvec.LRU_ACTIVE_ANON));
    }

    /** Sets the PTE at A of pid 1 and the page's PG_anon_exclusive, for write_protect_page(). */
    static long setPte(Machine m, long pfn, boolean write, boolean dirty, boolean exclusive) {
        RmapKsm rk = new RmapKsm(m.rmap());
        MmStruct mm = m.rmap().task(1);
        long pte = m.rmap().task(1).pageTable().get(A);
        pte &= ~(Pte.WRITE | Pte.DIRTY);
        if (write) pte |= Pte.WRITE;
        if (dirty) pte |= Pte.DIRTY;
        rk.set_pte_at(mm, A, pte);
        int f = rk.flags(pfn) & ~(PageFlags.PG_anon_exclusive | PageFlags.PG_dirty);
        rk.setFlags(pfn, exclusive ? f | PageFlags.PG_anon_exclusive : f);
        return pte;
    }

    /**
     * write_protect_page() (mm/ksm.c): only when the PTE is writable, or dirty, or the page
     * PageAnonExclusive does it clear the PTE and compare folio_mapcount() + 1 + swapped with
     * folio_ref_count(); each of the three alone with a GUP-like extra reference fails the check
     * (-EFAULT, the PTE put back as it was). A read-only, clean, shared PTE is already what KSM
     * wants: no check, success even though the page is pinned.
     */
    @Test
    void eachReasonToWriteProtectChecksTheReferenceCount() {
        boolean[][] cases = {{true, false, false}, {false, true, false}, {false, false, true}};
        for (boolean[] c : cases) {
            Machine m = one();
            Ksm k = m.ksm();
            RmapKsm rk = new RmapKsm(m.rmap());
            long p = KsmTest.pfnAt(m, 1, A);
            VmAreaStruct vma = m.rmap().task(1).findVma(A);
            long pte = setPte(m, p, c[0], c[1], c[2]);
            rk.folio_get(p); // ksmd's reference (scan_get_next_rmap_item)
            rk.folio_get(p); // a pin
            assertNull(k.write_protect_page(vma, p), java.util.Arrays.toString(c));
            assertEquals(1, k.stats.writeProtectRefcount);
            assertEquals(pte, m.rmap().task(1).pageTable().get(A), "the PTE is put back");
            assertEquals(c[2], (rk.flags(p) & PageFlags.PG_anon_exclusive) != 0, "still exclusive if it was");
            // and the merge of that page fails: try_to_merge_one_page() returns -EFAULT, no KSM page made
            assertEquals(Ksm.EFAULT, k.try_to_merge_one_page(vma, p, Ksm.NO_FOLIO));
            assertFalse(m.rmap().folioTestKsm(p));
            rk.folio_put(p);
            rk.folio_put(p);
        }
        Machine m = one();
        Ksm k = m.ksm();
        RmapKsm rk = new RmapKsm(m.rmap());
        long p = KsmTest.pfnAt(m, 1, A);
        VmAreaStruct vma = m.rmap().task(1).findVma(A);
        long pte = setPte(m, p, false, false, false);
        rk.folio_get(p); // ksmd's
        rk.folio_get(p); // a pin
        assertEquals(Long.valueOf(pte), k.write_protect_page(vma, p));
        assertEquals(0, k.stats.writeProtectRefcount);
        rk.folio_put(p);
        rk.folio_put(p);
    }

    /**
     * write_protect_page() without a pin: a dirty PTE moves its dirty bit to the folio
     * (folio_mark_dirty) and becomes clean and read-only; an exclusive page becomes shared
     * (folio_try_share_anon_rmap_pte).
     */
    @Test
    void writeProtectMovesDirtyToTheFolioAndSharesTheExclusivePage() {
        Machine m = one();
        Ksm k = m.ksm();
        RmapKsm rk = new RmapKsm(m.rmap());
        long p = KsmTest.pfnAt(m, 1, A);
        VmAreaStruct vma = m.rmap().task(1).findVma(A);
        setPte(m, p, false, true, true);
        rk.folio_get(p); // ksmd's reference (scan_get_next_rmap_item)
        Long e = k.write_protect_page(vma, p);
        assertNotNull(e);
        assertFalse(Pte.dirty(e));
        assertFalse(Pte.write(e));
        assertEquals(e, m.rmap().task(1).pageTable().get(A));
        assertTrue((rk.flags(p) & PageFlags.PG_dirty) != 0);
        assertEquals(0, rk.flags(p) & PageFlags.PG_anon_exclusive);
    }

    /**
     * write_protect_page(): page_vma_mapped_walk() must find this very page mapped by a present
     * PTE at the address; a fork's copy (the child wrote, so its PTE maps another page) or a
     * migration entry gives -EFAULT, nothing changed.
     */
    @Test
    void writeProtectNeedsThePagePresentAtItsAddress() {
        Machine m = one();
        Ksm k = m.ksm();
        Rmap r = m.rmap();
        long p = KsmTest.pfnAt(m, 1, A);
        int child = r.fork(1, 0);
        r.access(child, A, true, 8);
        long childPage = KsmTest.pfnAt(m, child, A);
        assertTrue(childPage != p && childPage >= 0);
        VmAreaStruct cv = r.task(child).findVma(A);
        long before = r.task(child).pageTable().get(A);
        assertNull(k.write_protect_page(cv, p), "the child's PTE maps its own copy");
        assertEquals(before, r.task(child).pageTable().get(A));
        // a migration entry at the address
        long q = KsmTest.pfnAt(m, 1, A + 1);
        assertEquals(0, r.migrate_folio_unmap(q));
        assertNull(k.write_protect_page(r.task(1).findVma(A + 1), q));
        assertTrue(Pte.migration(r.task(1).pageTable().get(A + 1)));
        r.migrate_folio_move(q, false);
    }

    /**
     * try_to_merge_one_page() (mm/ksm.c), kpage NULL: "if (!folio_test_dirty(folio))
     * folio_mark_dirty(folio)": a page whose PTE was writable but clean (so write_protect_page()
     * had no dirty bit to move) still ends up PG_dirty, so reclaim swaps it instead of dropping it.
     */
    @Test
    void aCleanPageBecomingKsmIsMarkedDirty() {
        Machine m = one();
        Ksm k = m.ksm();
        RmapKsm rk = new RmapKsm(m.rmap());
        long p = KsmTest.pfnAt(m, 1, A);
        VmAreaStruct vma = m.rmap().task(1).findVma(A);
        setPte(m, p, true, false, true);
        rk.folio_get(p); // ksmd's reference (scan_get_next_rmap_item)
        assertEquals(0, rk.flags(p) & PageFlags.PG_dirty);
        assertEquals(0, k.try_to_merge_one_page(vma, p, Ksm.NO_FOLIO));
        assertTrue((rk.flags(p) & PageFlags.PG_dirty) != 0);
        assertTrue(m.rmap().folioTestKsm(p));
        long pte = m.rmap().task(1).pageTable().get(A);
        assertFalse(Pte.write(pte));
        assertFalse(Pte.dirty(pte));
    }

    /**
     * find_mergeable_vma() (mm/ksm.c): NULL unless the VMA covering addr is VM_MERGEABLE and has
     * an anon_vma; so try_to_merge_with_ksm_page() of an item whose range was made
     * MADV_UNMERGEABLE is -EFAULT.
     */
    @Test
    void findMergeableVmaWantsVmMergeableAndAnAnonVma() {
        Machine m = one();
        Ksm k = m.ksm();
        Rmap r = m.rmap();
        KsmMm mm = k.mm(1);
        assertNotNull(k.find_mergeable_vma(mm, A << Ksm.PAGE_SHIFT));
        // mergeable, never touched: no anon_vma yet
        long B = A + 0x40;
        assertTrue(r.mmap(1, B, 2) >= 0);
        assertEquals(0, r.madvise(1, B, 2, Rmap.MADV_MERGEABLE));
        assertNull(r.task(1).findVma(B).anonVma());
        assertTrue((r.task(1).findVma(B).flags() & VmAreaStruct.VM_MERGEABLE) != 0);
        assertNull(k.find_mergeable_vma(mm, B << Ksm.PAGE_SHIFT));
        assertNull(k.find_mergeable_vma(mm, (B + 0x40) << Ksm.PAGE_SHIFT), "no VMA at all");
        // scanned once: items for A and A+1; then A's range becomes unmergeable
        k.full_scan();
        KsmRmapItem item = k.items().get(0);
        assertEquals(A, item.page());
        assertEquals(0, r.madvise(1, A, 1, Rmap.MADV_UNMERGEABLE));
        assertNotNull(r.task(1).findVma(A).anonVma());
        assertNull(k.find_mergeable_vma(mm, A << Ksm.PAGE_SHIFT));
        long p = KsmTest.pfnAt(m, 1, A);
        assertEquals(Ksm.EFAULT, k.try_to_merge_with_ksm_page(item, p, Ksm.NO_FOLIO));
        assertFalse(r.folioTestKsm(p));
    }

    /** find_mergeable_vma(): ksm_test_exit() first - an exited mm has no VMA to merge in. */
    @Test
    void anExitedMmHasNoMergeableVma() {
        Machine m = one();
        Ksm k = m.ksm();
        Rmap r = m.rmap();
        int child = r.fork(1, 0);
        KsmMm cm = k.mm(child);
        assertNotNull(k.find_mergeable_vma(cm, A << Ksm.PAGE_SHIFT));
        r.exit(child);
        assertTrue(k.ksm_test_exit(cm));
        assertNull(k.find_mergeable_vma(cm, A << Ksm.PAGE_SHIFT));
    }

    /**
     * break_cow() (mm/ksm.c) begins with put_anon_vma(rmap_item->anon_vma): the reference
     * try_to_merge_with_ksm_page() took for the first half of a failed try_to_merge_two_pages()
     * is dropped, the anon_vma's refcount back where it was.
     */
    @Test
    void breakCowDropsTheAnonVmaReference() {
        Machine m = KsmTest.machine(256, false, false, 7, 7);
        Ksm k = m.ksm();
        RmapKsm rk = new RmapKsm(m.rmap());
        AnonVma av = m.rmap().task(1).findVma(A).anonVma();
        k.full_scan();
        assertEquals(0, k.sysfs_store("pages_to_scan", "1"));
        k.ksm_scan_thread_batch(); // A into the unstable tree
        int before = av.refcount();
        long treePage = KsmTest.pfnAt(m, 1, A);
        rk.folio_get(treePage); // a pin: the second half fails
        k.ksm_scan_thread_batch();
        assertEquals(1, k.stats.mergeTwoFailed);
        assertEquals(before, av.refcount(), "get_anon_vma() then put_anon_vma()");
        rk.folio_put(treePage);
    }

    /**
     * remove_node_from_stable_tree() (mm/ksm.c) puts each rmap_item's anon_vma: when the KSM page
     * goes (both mappings written, so COW freed it) the node is stale, and ksmd meeting it drops
     * the two references the merge took.
     */
    @Test
    void aStaleNodeDropsItsItemsAnonVmaReferences() {
        Machine m = KsmTest.machine(256, false, false, 7, 7);
        Ksm k = m.ksm();
        Rmap r = m.rmap();
        AnonVma av = r.task(1).findVma(A).anonVma();
        int before = av.refcount();
        k.full_scan();
        k.full_scan();
        assertEquals(1, k.pagesShared());
        assertEquals(before + 2, av.refcount(), "two stable items, two references");
        r.access(1, A, true, 8);
        r.access(1, A + 1, true, 9);
        long staleBefore = k.stats.staleNodesRemoved;
        k.full_scan();
        assertEquals(staleBefore + 1, k.stats.staleNodesRemoved);
        assertEquals(0, k.pagesShared());
        assertEquals(before, av.refcount());
        assertEquals(0, k.mm(1).ksmMergingPages());
    }

    /**
     * remove_rmap_item_from_tree() (mm/ksm.c), a stable item: "rmap_item->mm->ksm_merging_pages--".
     * Three pages of 7 merged give /proc/pid/ksm_merging_pages 3; one written and rescanned, 2.
     */
    @Test
    void leavingAStableNodeDecrementsTheMmsMergingPages() {
        Machine m = KsmTest.machine(256, false, false, 7, 7, 7);
        Ksm k = m.ksm();
        k.full_scan();
        k.full_scan();
        assertEquals(3, k.mm(1).ksmMergingPages());
        m.rmap().access(1, A + 2, true, 8);
        k.full_scan();
        assertEquals(2, k.mm(1).ksmMergingPages());
        assertEquals(1, k.pagesShared());
        assertEquals(1, k.pagesSharing());
    }

    /**
     * folio_migrate_ksm() (mm/ksm.c): the node's kpfn follows the new folio and the old folio's
     * mapping no longer names the node (folio_set_stable_node(folio, NULL)).
     */
    @Test
    void folioMigrateKsmUnhooksTheOldFolio() {
        Machine m = KsmTest.machine(256, false, false, 7, 7, 100);
        Ksm k = m.ksm();
        RmapKsm rk = new RmapKsm(m.rmap());
        k.full_scan();
        k.full_scan();
        long kpage = KsmTest.pfnAt(m, 1, A);
        KsmStableNode n = k.folio_stable_node(kpage);
        assertNotNull(n);
        long other = KsmTest.pfnAt(m, 1, A + 2);
        k.folio_migrate_ksm(other, kpage);
        assertEquals(other, n.kpfn());
        assertNull(k.folio_stable_node(kpage));
        assertEquals(Rmap.ksmMapping(0), rk.mapping(kpage));
        assertTrue(k.stableNodeLive(n.id));
        assertFalse(k.stableNodeLive(n.id + 100));
    }

    /**
     * rmap_walk_ksm() (mm/ksm.c): "if (addr < vma->vm_start || addr >= vma->vm_end) continue;"
     * - after MADV_UNMERGEABLE split pid 1's VMA, both halves share the anon_vma, and the walk of
     * the KSM page in the lower half visits the lower VMA only, once per rmap_item.
     */
    @Test
    void rmapWalkSkipsVmasNotCoveringTheAddress() {
        Machine m = KsmTest.machine(256, false, false, 7, 7, 100, 101);
        Ksm k = m.ksm();
        Rmap r = m.rmap();
        k.full_scan();
        k.full_scan();
        assertEquals(0, r.madvise(1, A + 2, 2, Rmap.MADV_UNMERGEABLE));
        VmAreaStruct low = r.task(1).findVma(A);
        VmAreaStruct high = r.task(1).findVma(A + 2);
        assertTrue(low != high);
        assertTrue(low.anonVma() == high.anonVma());
        long kpage = KsmTest.pfnAt(m, 1, A);
        var seen = k.rmapWalkKsmAddresses(kpage);
        assertEquals(2, seen.size());
        for (var e : seen) assertTrue(e.getKey() == low, "only the VMA covering the address");
        long walks = k.stats.rmapWalks;
        int[] calls = {0};
        k.rmap_walk_ksm(kpage, (v, a) -> {
            calls[0]++;
            return true;
        });
        assertEquals(2, calls[0]);
        assertEquals(walks + 1, k.stats.rmapWalks);
    }

    /**
     * rmap_walk_ksm() (mm/ksm.c), search_new_forks: two forks' VMAs share the anon_vma and cover
     * both addresses; the walk visits every one of them (rmap_one returning true), and the first
     * rmap_one that returns false ends the whole walk at once ("if (!rwc->rmap_one(...)) { ...
     * return; }"), the rest of that anon_vma's VMAs not visited.
     */
    @Test
    void rmapWalkVisitsEveryForkAndStopsWhereRmapOneSays() {
        Machine m = KsmTest.mergedPair();
        Ksm k = m.ksm();
        Rmap r = m.rmap();
        long kpage = KsmTest.pfnAt(m, 1, A);
        int c1 = r.fork(1, 0);
        int c2 = r.fork(1, 0);
        List<Integer> pids = new ArrayList<>();
        for (var e : k.rmapWalkKsmAddresses(kpage)) pids.add(e.getKey().mm().pid);
        // per item: pass 0 pid 1's VMA; pass 1 the forks' (hlist: A+1 then A)
        assertEquals(List.of(1, 1, c1, c2, c1, c2), pids);
        for (int stopAt = 1; stopAt <= 6; stopAt++) {
            int[] calls = {0};
            final int s = stopAt;
            k.rmap_walk_ksm(kpage, (v, a) -> ++calls[0] < s);
            assertEquals(stopAt, calls[0], "stops after call " + stopAt);
        }
    }

    /**
     * break_ksm() (mm/ksm.c) finds a KSM page behind a migration entry (FW_MIGRATION) and its
     * handle_mm_fault() would wait in migration_entry_wait(); the model does not sleep: it warns,
     * returns 0 and faults nothing (madvise_check() refuses MADV_UNMERGEABLE before it gets
     * here). The migration entry is left in place.
     */
    @Test
    void breakKsmOfAMigratingKsmPageWaitsInsteadOfFaulting() {
        Machine m = KsmTest.mergedPair();
        Ksm k = m.ksm();
        Rmap r = m.rmap();
        long kpage = KsmTest.pfnAt(m, 1, A);
        assertTrue(r.folioTestKsm(kpage));
        assertEquals(0, r.migrate_folio_unmap(kpage));
        long w = k.warnings().count();
        long faults = k.stats.breakKsm;
        assertEquals(0, k.break_ksm(r.task(1).findVma(A), A));
        assertEquals(w + 1, k.warnings().count());
        assertEquals(faults, k.stats.breakKsm);
        assertTrue(Pte.migration(r.task(1).pageTable().get(A)));
        r.migrate_folio_move(kpage, false);
    }

    /**
     * page_address_in_vma() (mm/rmap.c) for an anonymous folio: -EFAULT when the VMA has no
     * anon_vma or the folio has none ("KSM folios don't reach here": a KSM folio's mapping is its
     * stable node); so try_to_merge_one_page() of a page that is not anonymous (folio_test_anon
     * false: a free page here) is -EFAULT at once, and of kpage itself ("ksm page forked") 0.
     */
    @Test
    void pageAddressInVmaAndNonAnonymousPages() {
        Machine m = KsmTest.machine(256, false, false, 7, 7);
        Ksm k = m.ksm();
        Rmap r = m.rmap();
        RmapKsm rk = new RmapKsm(r);
        long p = KsmTest.pfnAt(m, 1, A);
        long B = A + 0x40;
        assertTrue(r.mmap(1, B, 1) >= 0);
        VmAreaStruct noAnon = r.task(1).findVma(B);
        assertNull(noAnon.anonVma());
        assertEquals(-1, k.page_address_in_vma(p, noAnon));
        VmAreaStruct v = r.task(1).findVma(A);
        assertEquals(A, k.page_address_in_vma(p, v));
        k.full_scan();
        k.full_scan();
        long kpage = KsmTest.pfnAt(m, 1, A);
        assertTrue(r.folioTestKsm(kpage));
        assertEquals(-1, k.page_address_in_vma(kpage, v));
        long free = -1;
        for (long q = 0; q < 1024; q++) {
            if (r.mem().covers(q) && rk.refcount(q) == 0) {
                free = q;
                break;
            }
        }
        assertTrue(free >= 0);
        assertFalse(r.folioTestAnon(free));
        assertEquals(Ksm.EFAULT, k.try_to_merge_one_page(v, free, Ksm.NO_FOLIO));
        assertEquals(0, k.try_to_merge_one_page(v, kpage, kpage));
    }

    /**
     * rmap_walk_ksm() (mm/ksm.c): a VMA of the anon_vma that does not cover the address is
     * skipped ("continue"), not the end of the walk: with the KSM pages in the upper half of a
     * split VMA, the lower half comes first in the anon_vma and each item still finds its VMA.
     */
    @Test
    void aNonCoveringVmaBeforeTheCoveringOneIsSkipped() {
        Machine m = KsmTest.machine(256, false, false, 100, 101, 7, 7);
        Ksm k = m.ksm();
        Rmap r = m.rmap();
        k.full_scan();
        k.full_scan();
        assertEquals(0, r.madvise(1, A, 2, Rmap.MADV_UNMERGEABLE));
        VmAreaStruct low = r.task(1).findVma(A);
        VmAreaStruct high = r.task(1).findVma(A + 2);
        assertTrue(low != high && low.anonVma() == high.anonVma());
        var seen = k.rmapWalkKsmAddresses(KsmTest.pfnAt(m, 1, A + 2));
        assertEquals(2, seen.size());
        for (var e : seen) assertTrue(e.getKey() == high);
    }

    /**
     * page_address_in_vma() (mm/rmap.c): for an anonymous folio, -EFAULT unless the VMA's
     * anon_vma has the folio's anon_vma root - even when the folio's index falls inside the
     * VMA: a child that unmapped A and mapped (and touched) it anew has an anon_vma of its own there.
     */
    @Test
    void anotherAnonVmaRootAtTheSameAddressIsEfault() {
        Machine m = one();
        Ksm k = m.ksm();
        Rmap r = m.rmap();
        long p = KsmTest.pfnAt(m, 1, A);
        int child = r.fork(1, 0);
        r.munmap(child, A, 2);
        assertTrue(r.mmap(child, A, 2) >= 0);
        r.access(child, A, true, 7);
        VmAreaStruct cv = r.task(child).findVma(A);
        assertNotNull(cv.anonVma());
        assertTrue(cv.anonVma().root() != r.task(1).findVma(A).anonVma().root());
        assertEquals(-1, k.page_address_in_vma(p, cv));
        assertEquals(A, k.page_address_in_vma(p, r.task(1).findVma(A)));
    }
}
