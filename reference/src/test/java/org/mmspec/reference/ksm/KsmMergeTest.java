package org.mmspec.reference.ksm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.mmspec.reference.Machine;
import org.mmspec.reference.page.PageFlags;
import org.mmspec.reference.rmap.AnonVma;
import org.mmspec.reference.rmap.Pte;
import org.mmspec.reference.rmap.Rmap;
import org.mmspec.reference.rmap.RmapKsm;
import org.mmspec.reference.rmap.VmAreaStruct;

/**
 * Merging and the KSM reverse map (mm/ksm.c v6.18: try_to_merge_one_page(),
 * write_protect_page(), replace_page(), try_to_merge_two_pages(), break_cow(),
 * rmap_walk_ksm(), folio_migrate_ksm(); folio_mark_accessed() of mm/swap.c), each expectation
 * derived by hand from that code.
 */
class KsmMergeTest {
    static final long A = KsmTest.A;

    /**
     * A merge leaves the KSM page write-protected and clean in every PTE (write_protect_page:
     * pte_wrprotect, pte_mkclean, the dirty bit moved to the folio with folio_mark_dirty), no
     * longer PageAnonExclusive (folio_try_share_anon_rmap_pte), PG_dirty set
     * (try_to_merge_one_page) and PG_referenced (folio_mark_accessed of a folio not referenced
     * yet); replace_page maps the other address to it read-only.
     */
    @Test
    void aMergedPageIsWriteProtectedCleanSharedDirtyAndReferenced() {
        Machine m = KsmTest.machine(256, false, false, 7, 7);
        Ksm k = m.ksm();
        RmapKsm rk = new RmapKsm(m.rmap());
        long a0 = KsmTest.pfnAt(m, 1, A + 1);
        assertTrue(Pte.write(m.rmap().task(1).pageTable().get(A + 1)));
        assertTrue(Pte.dirty(m.rmap().task(1).pageTable().get(A + 1)));
        assertTrue((rk.flags(a0) & PageFlags.PG_anon_exclusive) != 0);
        k.full_scan();
        k.full_scan();
        long kpage = KsmTest.pfnAt(m, 1, A);
        assertEquals(a0, kpage, "the scanned page (A+1) becomes the KSM page; A's is replaced by it");
        for (long a = A; a < A + 2; a++) {
            long pte = m.rmap().task(1).pageTable().get(a);
            assertEquals(kpage, Pte.pfn(pte));
            assertFalse(Pte.write(pte), "page " + a);
            assertFalse(Pte.dirty(pte), "page " + a);
        }
        int f = rk.flags(kpage);
        assertEquals(0, f & PageFlags.PG_anon_exclusive);
        assertTrue((f & PageFlags.PG_dirty) != 0);
        assertTrue((f & PageFlags.PG_referenced) != 0);
        assertEquals(0, f & PageFlags.PG_active);
        assertEquals(2, m.rmap().mapcount(kpage));
    }

    /**
     * folio_mark_accessed() (mm/swap.c): a referenced, evictable, inactive folio on the LRU is
     * activated and loses PG_referenced; an unevictable one is left alone; an active one stays as
     * it is.
     */
    @Test
    void folioMarkAccessedSteps() {
        Machine m = KsmTest.machine(256, false, false, 100, 101, 102);
        Ksm k = m.ksm();
        RmapKsm rk = new RmapKsm(m.rmap());
        long p = KsmTest.pfnAt(m, 1, A);
        rk.setFlags(p, rk.flags(p) & ~PageFlags.PG_referenced);
        assertTrue((rk.flags(p) & PageFlags.PG_lru) != 0);
        assertEquals(0, rk.flags(p) & PageFlags.PG_active);
        k.folio_mark_accessed(p);
        assertTrue((rk.flags(p) & PageFlags.PG_referenced) != 0);
        assertEquals(0, rk.flags(p) & PageFlags.PG_active);
        k.folio_mark_accessed(p);
        assertTrue((rk.flags(p) & PageFlags.PG_active) != 0, "folio_activate()");
        assertEquals(0, rk.flags(p) & PageFlags.PG_referenced);
        assertTrue((rk.flags(p) & PageFlags.PG_lru) != 0, "back on the (active) LRU");
        k.folio_mark_accessed(p);
        k.folio_mark_accessed(p);
        assertTrue((rk.flags(p) & PageFlags.PG_active) != 0);
        assertTrue((rk.flags(p) & PageFlags.PG_referenced) != 0);
        // unevictable: referenced stays, never activated
        long q = KsmTest.pfnAt(m, 1, A + 1);
        rk.setFlags(q, (rk.flags(q) | PageFlags.PG_referenced | PageFlags.PG_unevictable) & ~PageFlags.PG_active);
        k.folio_mark_accessed(q);
        assertEquals(0, rk.flags(q) & PageFlags.PG_active);
        assertTrue((rk.flags(q) & PageFlags.PG_referenced) != 0);
        // not on the LRU (isolated for migration): __lru_cache_activate_folio() only sets PG_active
        long r = KsmTest.pfnAt(m, 1, A + 2);
        assertEquals(0, m.rmap().migrate_folio_unmap(r));
        int before = rk.flags(r);
        if ((before & PageFlags.PG_lru) == 0) {
            rk.setFlags(r, before | PageFlags.PG_referenced);
            k.folio_mark_accessed(r);
            assertTrue((rk.flags(r) & PageFlags.PG_active) != 0);
            assertEquals(0, rk.flags(r) & PageFlags.PG_referenced);
            assertEquals(0, rk.flags(r) & PageFlags.PG_lru);
        }
    }

    /**
     * write_protect_page(): a page someone else holds a reference to (a GUP pin here: refcount
     * above mapcount + 1) is not merged - the PTE is put back as it was - and when it is the tree
     * page of try_to_merge_two_pages(), the scanned page, already made a KSM page, has its lone
     * mapping broken again (break_cow): no KSM page is left, the scanned address gets a copy.
     */
    @Test
    void aPinnedTreePageFailsTheSecondHalfAndTheFirstIsBrokenAgain() {
        Machine m = KsmTest.machine(256, false, false, 7, 7);
        Ksm k = m.ksm();
        RmapKsm rk = new RmapKsm(m.rmap());
        k.full_scan();
        assertEquals(0, k.sysfs_store("pages_to_scan", "1"));
        k.ksm_scan_thread_batch(); // A into the unstable tree
        long treePage = KsmTest.pfnAt(m, 1, A);
        long scanned = KsmTest.pfnAt(m, 1, A + 1);
        long ptePinned = m.rmap().task(1).pageTable().get(A);
        rk.folio_get(treePage); // a pin
        k.ksm_scan_thread_batch(); // A+1: becomes KSM, then A cannot be write-protected
        assertEquals(1, k.stats.writeProtectRefcount);
        assertEquals(1, k.stats.mergeTwoFailed);
        assertEquals(1, k.stats.breakKsm);
        assertEquals(ptePinned, m.rmap().task(1).pageTable().get(A), "the tree page's PTE is put back");
        assertTrue(Pte.write(ptePinned));
        long now = KsmTest.pfnAt(m, 1, A + 1);
        assertNotEquals(scanned, now, "break_cow gave A+1 a copy");
        assertFalse(m.rmap().folioTestKsm(now));
        assertEquals(7, m.rmap().peek(1, A + 1));
        assertEquals(0, k.pagesShared());
        assertEquals(1, k.pagesUnshared(), "A is still in the unstable tree; A+1 went in no tree");
        assertEquals(0, k.anonVmaPins().size(), "break_cow dropped the anon_vma reference");
        rk.folio_put(treePage);
    }

    /** try_to_merge_one_page(): a page merging with itself (a forked KSM page) is 0 at once; a page locked by migration is -EFAULT. */
    @Test
    void tryToMergeOnePageShortCuts() {
        Machine m = KsmTest.machine(256, false, false, 7, 100);
        Ksm k = m.ksm();
        VmAreaStruct vma = m.rmap().task(1).findVma(A);
        long p = KsmTest.pfnAt(m, 1, A);
        long q = KsmTest.pfnAt(m, 1, A + 1);
        long pte = m.rmap().task(1).pageTable().get(A);
        assertEquals(0, k.try_to_merge_one_page(vma, p, p));
        assertEquals(pte, m.rmap().task(1).pageTable().get(A), "nothing was done");
        assertFalse(m.rmap().folioTestKsm(p));
        // different contents: write-protected, but not replaced (ksmd holds a reference on the page it merges: the "+ 1")
        RmapKsm rk = new RmapKsm(m.rmap());
        rk.folio_get(q);
        assertEquals(Ksm.EFAULT, k.try_to_merge_one_page(vma, q, p));
        // write_protect_page() did its part before pages_identical() failed: read-only, clean, shared, PG_dirty
        long qpte = m.rmap().task(1).pageTable().get(A + 1);
        assertFalse(Pte.write(qpte));
        assertFalse(Pte.dirty(qpte));
        assertEquals(0, rk.flags(q) & PageFlags.PG_anon_exclusive);
        assertTrue((rk.flags(q) & PageFlags.PG_dirty) != 0);
        // now nothing needs protecting: the refcount is not even checked (a pin does not fail it), the PTE is returned as is
        rk.folio_get(q);
        assertEquals(qpte, k.write_protect_page(vma, q));
        rk.folio_put(q);
        rk.folio_put(q);
        assertEquals(qpte, m.rmap().task(1).pageTable().get(A + 1));
        // a page that is not in this VMA's anon_vma, or not mapped at its address: -EFAULT (null)
        assertEquals(null, k.write_protect_page(m.rmap().task(1).findVma(A), Ksm.ZERO_PFN == q ? q : KsmTest.pfnAt(m, 1, A) + 1000));
        assertFalse(k.pages_identical(p, q));
        assertTrue(k.pages_identical(p, p));
        assertTrue(k.memcmp_pages(p, q) < 0, "7 < 100");
        assertTrue(k.memcmp_pages(q, p) > 0);
        assertEquals(0, k.memcmp_pages(p, p));
        assertEquals(q, KsmTest.pfnAt(m, 1, A + 1));
        // locked by migration: folio_trylock fails
        assertEquals(0, m.rmap().migrate_folio_unmap(p));
        assertEquals(Ksm.EFAULT, k.try_to_merge_one_page(vma, p, Ksm.NO_FOLIO));
        m.rmap().migrate_folio_move(p, false);
    }

    /**
     * rmap_walk_ksm(): for each rmap_item of the node (hlist order: the newest first), first the
     * VMAs of the item's own mm, then in a second pass (search_new_forks) those of other mms
     * sharing its anon_vma - a fork's copies, not yet seen by ksmd. An rmap_one that returns false
     * ends the walk; a VMA that no longer covers the address is skipped.
     */
    @Test
    void rmapWalkKsmVisitsOwnMmFirstThenForks() {
        Machine m = KsmTest.machine(256, false, false, 7, 7);
        Ksm k = m.ksm();
        Rmap r = m.rmap();
        k.full_scan();
        k.full_scan();
        long kpage = KsmTest.pfnAt(m, 1, A);
        int child = r.fork(1, 0);
        List<String> seen = new ArrayList<>();
        for (var e : k.rmapWalkKsmAddresses(kpage)) {
            seen.add(e.getKey().mm().pid + ":" + Long.toHexString(e.getValue() >>> Ksm.PAGE_SHIFT));
        }
        // A+1 merged into the tree's A: stable_tree_append(tree item A), then (item A+1): A+1 is first on the hlist
        assertEquals(List.of("1:" + Long.toHexString(A + 1), "1:" + Long.toHexString(A), child + ":" + Long.toHexString(A + 1),
                child + ":" + Long.toHexString(A)), seen);
        int[] calls = {0};
        k.rmap_walk_ksm(kpage, (v, addr) -> {
            calls[0]++;
            return false;
        });
        assertEquals(1, calls[0], "rmap_one false stops the walk");
        List<Long> cands = new ArrayList<>();
        k.rmapWalkKsmCandidates(kpage, (v, addr) -> cands.add(addr));
        assertEquals(List.of(A + 1, A, A + 1, A), cands);
        // the child unmaps A+1: its VMA no longer covers that item's address
        r.munmap(child, A + 1, 1);
        assertEquals(3, k.rmapWalkKsmAddresses(kpage).size());
        // not a KSM page: nothing to walk
        r.access(1, A, true, 9);
        assertTrue(k.rmapWalkKsmAddresses(KsmTest.pfnAt(m, 1, A)).isEmpty());
        assertTrue(k.rmapItemFor(kpage, r.task(1), A + 1));
        assertFalse(k.rmapItemFor(kpage, r.task(child), A + 1));
        assertFalse(k.rmapItemFor(KsmTest.pfnAt(m, 1, A), r.task(1), A));
    }

    /** rmapItemFor() and anonVmaPins(): the stable items, by page and by the anon_vma they hold a reference to. */
    @Test
    void stableItemsPinTheirAnonVma() {
        Machine m = KsmTest.machine(256, false, false, 7, 7, 7, 100);
        Ksm k = m.ksm();
        k.full_scan();
        k.full_scan();
        long kpage = KsmTest.pfnAt(m, 1, A);
        Map<AnonVma, Integer> pins = k.anonVmaPins();
        assertEquals(1, pins.size());
        assertEquals(3, pins.values().iterator().next(), "three stable rmap_items; the unstable one holds none");
        assertTrue(pins.containsKey(m.rmap().task(1).findVma(A).anonVma()));
        for (long a = A; a < A + 3; a++) assertTrue(k.rmapItemFor(kpage, m.rmap().task(1), a));
        assertFalse(k.rmapItemFor(kpage, m.rmap().task(1), A + 3));
        m.rmap().access(1, A + 2, true, 8);
        k.full_scan();
        assertEquals(2, k.anonVmaPins().values().iterator().next());
        assertFalse(k.rmapItemFor(kpage, m.rmap().task(1), A + 2));
    }

    /**
     * folio_migrate_ksm(): the stable node follows its page to the new pfn (kpfn) and the new
     * page names it; migrating a page that is not KSM leaves the nodes alone.
     */
    @Test
    void migrationOfKsmAndOtherPages() {
        Machine m = KsmTest.machine(256, false, false, 7, 7, 100);
        Ksm k = m.ksm();
        k.full_scan();
        k.full_scan();
        long kpage = KsmTest.pfnAt(m, 1, A);
        int id = m.rmap().stableNodeId(kpage);
        long other = KsmTest.pfnAt(m, 1, A + 2);
        assertEquals(0, m.rmap().migrate_folio_unmap(other));
        m.rmap().migrate_folio_move(other, false);
        assertEquals(0, k.stats.migrated);
        assertEquals(kpage, k.stableNodes().get(id).kpfn());
        assertEquals(0, m.rmap().migrate_folio_unmap(kpage));
        long dst = m.rmap().migrate_folio_move(kpage, false);
        assertEquals(1, k.stats.migrated);
        assertEquals(dst, k.stableNodes().get(id).kpfn());
        assertEquals(id, m.rmap().stableNodeId(dst));
        assertEquals(0, k.warnings().count());
        k.full_scan();
        assertEquals(1, k.pagesShared());
        assertEquals(1, k.pagesSharing());
    }

    /** ksm_get_folio(TRYLOCK) of a page migration holds: stable_tree_search gives -EBUSY and the scanned page waits. */
    @Test
    void aStablePageLockedByMigrationMakesTheSearchBusy() {
        Machine m = KsmTest.machine(256, false, false, 7, 7, 100);
        Ksm k = m.ksm();
        k.full_scan();
        k.full_scan();
        long kpage = KsmTest.pfnAt(m, 1, A);
        KsmStableNode n = k.stableNodes().get(m.rmap().stableNodeId(kpage));
        RmapKsm rk = new RmapKsm(m.rmap());
        long p = KsmTest.pfnAt(m, 1, A + 2);
        m.rmap().access(1, A + 2, true, 7); // a page of 7 that is no KSM page yet
        assertEquals(p, KsmTest.pfnAt(m, 1, A + 2));
        k.full_scan(); // A+2's checksum changed: recorded; the next pass would search the stable tree
        assertEquals(0, m.rmap().migrate_folio_unmap(kpage)); // migration holds the KSM page's lock
        int ref = rk.refcount(kpage);
        assertEquals(Ksm.EBUSY_FOLIO, k.ksm_get_folio(n, Ksm.GetFolio.TRYLOCK));
        assertEquals(ref, rk.refcount(kpage), "the reference taken is dropped");
        assertEquals(kpage, k.ksm_get_folio(n, Ksm.GetFolio.NOLOCK));
        assertEquals(ref + 1, rk.refcount(kpage));
        rk.folio_put(kpage);
        assertEquals(Ksm.EBUSY_FOLIO, k.stable_tree_search(p));
        assertEquals(ref, rk.refcount(kpage));
        // KSM_GET_FOLIO_LOCK would sleep in folio_lock(): the model warns
        long w = k.warnings().count();
        assertEquals(kpage, k.ksm_get_folio(n, Ksm.GetFolio.LOCK));
        assertEquals(w + 1, k.warnings().count());
        rk.folio_put(kpage);
        // cmp_and_merge_page() of A+2 now: stable_tree_search() is -EBUSY, the page waits for the next pass
        KsmRmapItem item = k.items().get(2);
        long merges = k.stats.stableMerges;
        k.cmp_and_merge_page(p, item);
        assertEquals(merges, k.stats.stableMerges);
        assertFalse(item.stable());
        assertFalse(item.unstable());
        assertEquals(1, k.pagesSharing());
        long dst = m.rmap().migrate_folio_move(kpage, false);
        k.full_scan();
        assertEquals(2, k.pagesSharing(), "merged once the migration is done");
        assertEquals(dst, KsmTest.pfnAt(m, 1, A + 2));
    }
}
