package org.mmspec.reference.ksm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.mmspec.reference.Machine;
import org.mmspec.reference.alloc.RejectedOperationException;
import org.mmspec.reference.rmap.Rmap;

/**
 * ksmd's scan (mm/ksm.c v6.18: ksm_do_scan(), scan_get_next_rmap_item(), get_next_rmap_item(),
 * should_skip_rmap_item() and skip_age(), cmp_and_merge_page(), unstable_tree_search_insert(),
 * get_mergeable_page(), __ksm_enter(), __ksm_exit(), ksm_madvise()), each expectation derived by
 * hand from that code.
 */
class KsmScanTest {
    static final long A = KsmTest.A;

    static List<Long> itemPages(Ksm k) {
        return k.items().stream().map(KsmRmapItem::page).toList();
    }

    /** skip_age(): 1 up to age 3, 2 up to 5, 4 up to 8, then 8. */
    @Test
    void skipAgeSteps() {
        int[] expect = {1, 1, 1, 1, 2, 2, 4, 4, 4, 8, 8, 255};
        for (int age = 0; age <= 10; age++) assertEquals(expect[age], Ksm.skip_age(age), "age " + age);
        assertEquals(8, Ksm.skip_age(255));
    }

    /**
     * should_skip_rmap_item() on a page that never merges (unique content), scan by scan: age
     * goes 0, 1, 2 (never skipped below 3); at age 3 remaining_skips is 0, so it becomes
     * skip_age(3) = 1 and the page is scanned; at age 4 it is skipped (remaining 1 -> 0); age 5
     * sets skip_age(5) = 2; ages 6, 7 skipped; age 8 sets 4; ages 9..12 skipped; age 13 sets 8;
     * 14..21 skipped; age 22 scanned. pages_skipped after scan s is the count of skipped scans so
     * far, pages_scanned the others.
     */
    @Test
    void smartScanSkipsAnAgingPageOnAGrowingNumberOfScans() {
        Machine m = KsmTest.machine(256, false, true, 100);
        Ksm k = m.ksm();
        boolean[] skipped = new boolean[24];
        for (int s : new int[] {5, 7, 8, 10, 11, 12, 13, 15, 16, 17, 18, 19, 20, 21, 22}) skipped[s] = true;
        long skips = 0;
        for (int s = 1; s <= 23; s++) {
            k.full_scan();
            if (skipped[s]) skips++;
            assertEquals(skips, k.pagesSkipped(), "scan " + s);
            assertEquals(s - skips, k.pagesScanned(), "scan " + s);
            KsmRmapItem i = k.items().get(0);
            assertEquals(s, i.age(), "scan " + s);
        }
        KsmRmapItem i = k.items().get(0);
        assertEquals(8, i.remainingSkips(), "age 22 set skip_age(22) = 8");
        // age saturates at U8_MAX
        i.age = 255;
        k.full_scan();
        assertEquals(255, i.age());
        // with smart_scan off, nothing is skipped
        assertEquals(0, k.sysfs_store("smart_scan", "0"));
        long before = k.pagesSkipped();
        for (int s = 0; s < 5; s++) k.full_scan();
        assertEquals(before, k.pagesSkipped());
    }

    /**
     * A skipped page's rmap_item leaves the unstable tree count (remove_rmap_item_from_tree in
     * should_skip_rmap_item): pages_unshared drops to 0 on the scan it is skipped. KSM pages are
     * never skipped (folio_test_ksm).
     */
    @Test
    void aSkippedPageLeavesTheUnstableCountAndKsmPagesAreNeverSkipped() {
        Machine m = KsmTest.machine(256, false, true, 100, 7, 7);
        Ksm k = m.ksm();
        for (int s = 1; s <= 4; s++) k.full_scan();
        // scan 4: 100 is at age 3 (scanned, into the unstable tree); the 7s merged in scan 2
        assertEquals(1, k.pagesUnshared());
        assertEquals(1, k.pagesShared());
        assertEquals(1, k.pagesSharing());
        k.full_scan(); // scan 5: 100 skipped
        assertEquals(1, k.pagesSkipped());
        assertEquals(0, k.pagesUnshared());
        for (int s = 6; s <= 30; s++) k.full_scan();
        // aged by scans 1 and 2 (should_skip_rmap_item runs before the merge of scan 2), never after
        assertEquals(2, k.items().get(1).age(), "a KSM page's item does not age");
        assertEquals(2, k.items().get(2).age());
    }

    /**
     * ksm_do_scan() returns at the end of a full scan with what it scanned; ksm_scan_thread()'s
     * turn advances ksmd's clock by sleep_millisecs; full_scan runs turns until full_scans
     * advances: 3 pages at pages_to_scan 2 take two turns (2, then 1 and the end of the scan).
     */
    @Test
    void batchesAndTheirReturnValues() {
        Machine m = KsmTest.machine(256, false, false, 100, 101, 102);
        Ksm k = m.ksm();
        assertEquals(0, k.sysfs_store("pages_to_scan", "2"));
        assertEquals(0, k.sysfs_store("sleep_millisecs", "30"));
        assertEquals(2, k.full_scan());
        assertEquals(60, k.jiffies());
        assertEquals(2, k.stats.batches);
        assertEquals(1, k.seqnr());
        assertEquals(2, k.ksm_scan_thread_batch());
        assertEquals(1, k.ksm_scan_thread_batch());
        assertEquals(2, k.seqnr());
        assertEquals(90, k.jiffies() - 30);
        assertEquals(3, k.ksm_do_scan(1000), "the whole scan, then the end");
        assertEquals(3, k.seqnr());
        assertEquals(9, k.pagesScanned());
        assertEquals(3, k.stats.fullScans);
        // pages_to_scan 0: full_scan does nothing; run 0: nor does it, nor does a turn scan anything
        assertEquals(0, k.sysfs_store("pages_to_scan", "0"));
        assertEquals(0, k.full_scan());
        assertEquals(0, k.sysfs_store("pages_to_scan", "5"));
        assertEquals(0, k.sysfs_store("run", "0"));
        assertEquals(0, k.full_scan());
        long j = k.jiffies();
        assertEquals(0, k.ksm_scan_thread_batch());
        assertEquals(j + 30, k.jiffies(), "ksmd sleeps even when it does not run");
    }

    /** ksmd would sleep on the folio lock migration holds: the model refuses the scan until the migration is done. */
    @Test
    void noScanWhileAFolioIsIsolatedForMigration() {
        Machine m = KsmTest.machine(256, false, false, 100, 101);
        Ksm k = m.ksm();
        k.full_scan();
        long pfn = KsmTest.pfnAt(m, 1, A);
        assertEquals(0, m.rmap().migrate_folio_unmap(pfn));
        long fp = k.fingerprint();
        assertThrows(RejectedOperationException.class, () -> k.ksm_do_scan(10));
        assertThrows(RejectedOperationException.class, () -> k.sysfs_store("run", "2"));
        assertEquals(fp, k.fingerprint());
        m.rmap().migrate_folio_move(pfn, false);
        assertEquals(2, k.ksm_do_scan(10));
    }

    /**
     * get_next_rmap_item(): an rmap_item whose address is no longer scanned (its page unmapped) is
     * freed when the cursor passes it, and remove_trailing_rmap_items() frees those past the
     * last page; an unstable item freed so leaves pages_unshared. rmap_items stay in address order.
     */
    @Test
    void itemsOfUnmappedPagesAreFreedAsTheCursorPasses() {
        Machine m = KsmTest.machine(256, false, false, 100, 101, 102, 103);
        Ksm k = m.ksm();
        k.full_scan();
        k.full_scan();
        assertEquals(4, k.pagesUnshared());
        assertEquals(List.of(A, A + 1, A + 2, A + 3), itemPages(k));
        m.rmap().munmap(1, A + 1, 1);
        m.rmap().munmap(1, A + 3, 1);
        k.full_scan();
        assertEquals(List.of(A, A + 2), itemPages(k));
        assertEquals(2, k.rmapItems());
        assertEquals(2, k.mm(1).ksmRmapItems());
        assertEquals(2, k.pagesUnshared());
        assertEquals(0, k.pagesVolatile());
        // a new page in the hole gets a new item in its place
        m.rmap().mmap(1, A + 1, 1);
        m.rmap().access(1, A + 1, true, 200);
        assertEquals(0, m.rmap().madvise(1, A + 1, 1, Rmap.MADV_MERGEABLE));
        k.full_scan();
        assertEquals(List.of(A, A + 1, A + 2), itemPages(k));
        assertEquals(3, k.rmapItems());
    }

    /**
     * scan_get_next_rmap_item() walks only VM_MERGEABLE VMAs that have an anon_vma, and only
     * present, normal, anonymous pages: a non-mergeable VMA before, a mergeable VMA never touched
     * (no anon_vma), holes and zero-page mappings get no rmap_item.
     */
    @Test
    void onlyPresentAnonymousPagesOfMergeableVmasAreScanned() {
        Machine m = new Machine(KsmTest.config(1024));
        Ksm k = m.ksm();
        Rmap r = m.rmap();
        r.mmap(1, A, 2); // not mergeable
        r.access(1, A, true, 100);
        r.access(1, A + 1, true, 101);
        r.mmap(1, A + 0x10, 4); // mergeable: a page, a hole, a zero page (read fault), a page
        r.access(1, A + 0x10, true, 102);
        r.access(1, A + 0x12, false, 0);
        r.access(1, A + 0x13, true, 103);
        r.mmap(1, A + 0x20, 2); // mergeable, never touched: no anon_vma
        r.mmap(1, A + 0x30, 3); // mergeable: a page, then a hole to its end
        r.access(1, A + 0x30, true, 104);
        r.mmap(1, A + 0x34, 2); // mergeable, one page after the gap: both pages present
        r.access(1, A + 0x34, true, 105);
        r.access(1, A + 0x35, true, 106);
        assertEquals(0, r.madvise(1, A + 0x10, 4, Rmap.MADV_MERGEABLE));
        assertEquals(0, r.madvise(1, A + 0x20, 2, Rmap.MADV_MERGEABLE));
        assertEquals(0, r.madvise(1, A + 0x30, 3, Rmap.MADV_MERGEABLE));
        assertEquals(0, r.madvise(1, A + 0x34, 2, Rmap.MADV_MERGEABLE));
        assertEquals(0, k.sysfs_store("run", "1"));
        assertEquals(0, k.sysfs_store("pages_to_scan", "1"));
        assertEquals(1, k.ksm_do_scan(1));
        assertEquals((A + 0x11) << Ksm.PAGE_SHIFT, k.scanAddress(), "the cursor is just past the page it returned");
        k.full_scan();
        // a VMA with no page left from the cursor on leaves it at its last page ("ksm_scan.address = end - PAGE_SIZE",
        // then next_page): the next VMA is walked from its start
        assertEquals(List.of(A + 0x10, A + 0x13, A + 0x30, A + 0x34, A + 0x35), itemPages(k));
        assertEquals(5, k.pagesScanned());
        assertEquals(1, k.seqnr());
    }

    /**
     * An mm whose VM_MERGEABLE VMAs are all gone: ksmd's full pass over it finds nothing
     * (ksm_scan.address stays 0), frees its rmap_items and its slot and clears MMF_VM_MERGEABLE,
     * as __ksm_exit would.
     */
    @Test
    void anMmWithNoMergeableVmaLeftLosesItsSlot() {
        Machine m = KsmTest.machine(256, false, false, 100, 101);
        Ksm k = m.ksm();
        k.full_scan();
        assertEquals(2, k.rmapItems());
        m.rmap().munmap(1, A, 2);
        k.full_scan();
        assertTrue(k.slots().isEmpty());
        assertEquals(0, k.rmapItems());
        assertFalse(k.mm(1).mmfVmMergeable());
        assertNull(k.mm(1).slot());
        assertEquals(1, k.stats.slotsFreed);
        assertFalse(k.ksmd_should_run());
        // MADV_MERGEABLE again enters a new slot
        m.rmap().mmap(1, A, 1);
        m.rmap().access(1, A, true, 5);
        assertEquals(0, m.rmap().madvise(1, A, 1, Rmap.MADV_MERGEABLE));
        assertEquals(1, k.slots().size());
        assertEquals(2, k.stats.slotsEntered);
        assertTrue(k.mm(1).mmfVmMergeable());
    }

    /**
     * __ksm_enter() puts a new mm just behind the cursor when run is 1 (it is scanned in the next
     * full scan, not this one); __ksm_exit() of an mm with no rmap_items frees its slot at once,
     * of one with rmap_items (not at the cursor) moves it just after the cursor, and of the mm at
     * the cursor leaves it there.
     */
    @Test
    void enterAndExitPlaceSlotsRelativeToTheCursor() {
        Machine m = KsmTest.machine(256, false, false, 100, 101);
        Ksm k = m.ksm();
        Rmap r = m.rmap();
        int p2 = r.fork(1, 0);
        k.full_scan(); // slots: 1, p2 (both have items)
        assertEquals(0, k.sysfs_store("pages_to_scan", "3"));
        k.ksm_scan_thread_batch(); // pid 1's 2 pages and p2's first: the cursor is at p2
        assertEquals(p2, k.scanSlot().mm().pid());
        // a new process made mergeable now goes just before the cursor
        int p3 = r.fork(p2, 0); // p2 is mergeable: ksm_fork enters p3
        List<Integer> order = k.slots().stream().map(s -> s.mm().pid()).toList();
        assertEquals(List.of(1, p3, p2), order);
        // p3 has no rmap_items: its exit frees the slot at once
        r.exit(p3);
        assertEquals(List.of(1, p2), k.slots().stream().map(s -> s.mm().pid()).toList());
        assertNull(k.mm(p3), "p3 is gone");
        // pid 1 has items and is not at the cursor: a fork of it (p4) exits; then p2, at the cursor, exits and stays put
        int p4 = r.fork(1, 0);
        assertEquals(List.of(1, p4, p2), k.slots().stream().map(s -> s.mm().pid()).toList());
        k.ksm_scan_thread_batch(); // p2's second page, end of scan
        k.ksm_scan_thread_batch(); // pid 1's two pages, p4's first: the cursor at p4
        assertEquals(p4, k.scanSlot().mm().pid());
        r.exit(p2); // p2 has items: moved just after the cursor (it was there already: list_move to the same place)
        assertEquals(List.of(1, p4, p2), k.slots().stream().map(s -> s.mm().pid()).toList());
        r.exit(p4); // at the cursor: stays
        assertEquals(List.of(1, p4, p2), k.slots().stream().map(s -> s.mm().pid()).toList());
        assertSame(k.scanSlot().mm(), k.slots().get(1).mm());
        k.full_scan();
        assertEquals(List.of(1), k.slots().stream().map(s -> s.mm().pid()).toList(), "ksmd freed the exited mms' slots");
        assertEquals(2, k.rmapItems());
    }

    /**
     * unstable_tree_search_insert(): a tree item whose page get_mergeable_page() cannot give (its
     * VMA no longer VM_MERGEABLE: find_mergeable_vma() NULL) ends the search; the scanned page is
     * neither merged nor inserted.
     */
    @Test
    void anUnstableTreeItemThatIsNoLongerMergeableStopsTheSearch() {
        Machine m = KsmTest.machine(256, false, false, 100, 100);
        Ksm k = m.ksm();
        k.full_scan();
        assertEquals(0, k.sysfs_store("pages_to_scan", "1"));
        k.ksm_scan_thread_batch(); // scan 2: A into the unstable tree
        assertEquals(1, k.pagesUnshared());
        assertEquals(0, m.rmap().madvise(1, A, 1, Rmap.MADV_UNMERGEABLE)); // A's VMA split off, not mergeable
        k.ksm_scan_thread_batch(); // A+1: the tree's A is not mergeable
        assertEquals(1, k.stats.unstableLookupFailed);
        assertEquals(0, k.pagesShared());
        assertEquals(1, k.pagesUnshared(), "A's item still counts; A+1 was not inserted");
        assertFalse(k.items().stream().filter(i -> i.page() == A + 1).findFirst().orElseThrow().unstable());
    }

    /**
     * A forked page (the same page mapped at the same address in parent and child) meets itself
     * in the unstable tree: "don't substitute a ksm page for a forked page" - no merge, no insert;
     * the next full scan still finds it in the tree unmerged.
     */
    @Test
    void aForkedPageIsNotMergedWithItself() {
        Machine m = KsmTest.machine(256, false, false, 100);
        Ksm k = m.ksm();
        int child = m.rmap().fork(1, 0);
        k.full_scan();
        k.full_scan();
        assertEquals(KsmTest.pfnAt(m, 1, A), KsmTest.pfnAt(m, child, A));
        assertEquals(0, k.pagesShared());
        assertEquals(1, k.pagesUnshared(), "the parent's item is in the tree, the child's met the same page");
        assertFalse(m.rmap().folioTestKsm(KsmTest.pfnAt(m, 1, A)));
    }

    /**
     * cmp_and_merge_page(): a page whose checksum changed since the last scan is only recorded
     * (stats.checksumChanged), one that merged into a stable page counts stableMerges, a pair
     * from the unstable tree unstableMerges; a KSM page whose item is already on its node returns
     * at once.
     */
    @Test
    void cmpAndMergePageOutcomes() {
        Machine m = KsmTest.machine(256, false, false, 7, 7, 7);
        Ksm k = m.ksm();
        k.full_scan();
        assertEquals(3, k.stats.checksumChanged);
        k.full_scan(); // A into the tree; A+1 merges with it; A+2 into the stable page
        assertEquals(1, k.stats.unstableMerges);
        assertEquals(1, k.stats.stableMerges);
        assertEquals(1, k.pagesShared());
        assertEquals(2, k.pagesSharing());
        long memcmp = k.stats.memcmp;
        k.full_scan(); // every item already on the node: no search
        assertEquals(memcmp, k.stats.memcmp);
        assertEquals(1, k.stats.stableMerges);
        assertEquals(3, k.stats.checksumChanged);
        assertEquals(1, k.stats.stableNodesCreated);
    }

    /** ksm_madvise(): MADV_MERGEABLE twice is one entry; MADV_UNMERGEABLE of a VMA never merged (or untouched) changes only its flag. */
    @Test
    void madviseMergeableTwiceAndUnmergeableOfAnUntouchedVma() {
        Machine m = new Machine(KsmTest.config(1024));
        Ksm k = m.ksm();
        Rmap r = m.rmap();
        r.mmap(1, A, 2);
        assertEquals(0, r.madvise(1, A, 2, Rmap.MADV_MERGEABLE));
        assertEquals(0, r.madvise(1, A, 2, Rmap.MADV_MERGEABLE));
        assertEquals(1, k.stats.madviseMergeable, "already VM_MERGEABLE: nothing to do");
        assertEquals(1, k.stats.slotsEntered);
        assertEquals(0, r.madvise(1, A, 2, Rmap.MADV_UNMERGEABLE));
        assertEquals(1, k.stats.madviseUnmergeable);
        assertEquals(0, r.task(1).findVma(A).flags() & org.mmspec.reference.rmap.VmAreaStruct.VM_MERGEABLE);
        assertEquals(0, r.madvise(1, A, 2, Rmap.MADV_UNMERGEABLE));
        assertEquals(1, k.stats.madviseUnmergeable, "not VM_MERGEABLE: the advice is ignored");
        assertEquals(0, k.stats.breakKsm);
        // ksm_madvise() changes VM_MERGEABLE only: the other flags stay, every time
        long rw = org.mmspec.reference.rmap.VmAreaStruct.VM_READ | org.mmspec.reference.rmap.VmAreaStruct.VM_WRITE;
        assertEquals(rw, r.task(1).findVma(A).flags() & rw);
        assertEquals(0, r.madvise(1, A, 2, Rmap.MADV_MERGEABLE));
        assertEquals(rw, r.task(1).findVma(A).flags() & rw);
        assertEquals(0, r.madvise(1, A, 2, Rmap.MADV_MERGEABLE));
        assertEquals(rw, r.task(1).findVma(A).flags() & rw);
        assertTrue((r.task(1).findVma(A).flags() & org.mmspec.reference.rmap.VmAreaStruct.VM_MERGEABLE) != 0);
        r.access(1, A, true, 5);
        assertEquals(0, r.madvise(1, A, 2, Rmap.MADV_UNMERGEABLE)); // with an anon_vma now: unmerge_ksm_pages() finds no KSM page
        assertEquals(rw, r.task(1).findVma(A).flags() & rw);
        assertEquals(5, r.peek(1, A));
    }

    /** ksm_might_unmap_zero_page(): unmapping a KSM zero page takes it off ksm_zero_pages and the mm's count. */
    @Test
    void unmappingAKsmZeroPageUncountsIt() {
        Machine m = KsmTest.machine(256, true, false, 0, 0, 5);
        Ksm k = m.ksm();
        k.full_scan();
        k.full_scan();
        assertEquals(2, k.zeroPages());
        assertEquals(2, k.mm(1).ksmZeroPages());
        assertEquals(2, k.stats.zeroPageMerges);
        m.rmap().munmap(1, A, 1);
        assertEquals(1, k.zeroPages());
        assertEquals(1, k.mm(1).ksmZeroPages());
        m.rmap().munmap(1, A + 2, 1); // not a zero page
        assertEquals(1, k.zeroPages());
        assertEquals(1, k.mm(1).ksmZeroPages());
    }

    /** scan_get_next_rmap_item() with no mm on ksm_mm_head's list: NULL at once, no scan completes. */
    @Test
    void noMmNoScan() {
        Machine m = new Machine(KsmTest.config(256));
        Ksm k = m.ksm();
        assertEquals(0, k.ksm_do_scan(10));
        assertEquals(0, k.seqnr());
        assertEquals(0, k.stats.fullScans);
        assertFalse(k.ksmd_should_run());
    }

    /**
     * get_mergeable_page(): a tree item whose address maps no present page now (a migration
     * entry: folio_walk_start() without FW_MIGRATION finds nothing) gives NULL, and
     * unstable_tree_search_insert() stops there: the scanned page is neither merged nor inserted.
     * (ksmd itself waits for the migration; the step is cmp_and_merge_page() called directly.)
     */
    @Test
    void anUnstableTreeItemWhosePageIsNotPresentStopsTheSearch() {
        Machine m = KsmTest.machine(256, false, false, 100, 100);
        Ksm k = m.ksm();
        Rmap r = m.rmap();
        k.full_scan();
        assertEquals(0, k.sysfs_store("pages_to_scan", "1"));
        k.ksm_scan_thread_batch(); // scan 2: A into the unstable tree
        long pa = KsmTest.pfnAt(m, 1, A);
        long pb = KsmTest.pfnAt(m, 1, A + 1);
        assertEquals(0, r.migrate_folio_unmap(pa));
        KsmRmapItem b = k.items().get(1);
        k.cmp_and_merge_page(pb, b);
        assertEquals(1, k.stats.unstableLookupFailed);
        assertEquals(0, k.pagesShared());
        assertEquals(1, k.pagesUnshared());
        assertFalse(b.unstable());
        r.migrate_folio_move(pa, false);
    }

    /**
     * The model's guard before madvise(MADV_UNMERGEABLE): break_ksm() would wait on a KSM page's
     * migration entry (migration_entry_wait), so the call is refused changing nothing while one is
     * in the range; MADV_MERGEABLE, a range without it, or a migrating page that is not KSM are
     * not refused.
     */
    @Test
    void unmergeableIsRefusedWhileAKsmPageInTheRangeMigrates() {
        Machine m = KsmTest.machine(256, false, false, 7, 7, 100, 101);
        Ksm k = m.ksm();
        Rmap r = m.rmap();
        k.full_scan();
        k.full_scan();
        long kpage = KsmTest.pfnAt(m, 1, A);
        assertEquals(0, r.migrate_folio_unmap(kpage));
        long fp = m.fingerprint();
        assertThrows(RejectedOperationException.class, () -> r.madvise(1, A, 2, Rmap.MADV_UNMERGEABLE));
        assertThrows(RejectedOperationException.class, () -> r.madvise(1, A + 1, 3, Rmap.MADV_UNMERGEABLE));
        assertEquals(fp, m.fingerprint());
        k.madvise_check(r.task(1), A, A + 4, Rmap.MADV_MERGEABLE);
        k.madvise_check(r.task(1), A + 2, A + 4, Rmap.MADV_UNMERGEABLE);
        r.migrate_folio_move(kpage, false);
        long other = KsmTest.pfnAt(m, 1, A + 2);
        assertEquals(0, r.migrate_folio_unmap(other));
        k.madvise_check(r.task(1), A, A + 4, Rmap.MADV_UNMERGEABLE); // a migrating page that is no KSM page
        r.migrate_folio_move(other, false);
        assertEquals(0, r.madvise(1, A, 4, Rmap.MADV_UNMERGEABLE));
        assertFalse(r.folioTestKsm(KsmTest.pfnAt(m, 1, A)));
    }
}
