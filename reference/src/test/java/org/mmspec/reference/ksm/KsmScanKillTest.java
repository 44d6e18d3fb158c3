package org.mmspec.reference.ksm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.mmspec.reference.Machine;
import org.mmspec.reference.alloc.RejectedOperationException;
import org.mmspec.reference.rmap.MmStruct;
import org.mmspec.reference.rmap.Pte;
import org.mmspec.reference.rmap.Rmap;
import org.mmspec.reference.rmap.RmapKsm;
import org.mmspec.reference.rmap.VmAreaStruct;

/**
 * ksmd's scan and the small entry points around it, against mm/ksm.c v6.18:
 * scan_get_next_rmap_item() and get_next_rmap_item() (an item past the address is kept),
 * unstable_tree_search_insert()'s forked page, a page at address 0 merged like any other,
 * ksm_might_unmap_zero_page(), ksm_madvise() of other advice, ksm_process_profit(), the sysfs
 * attribute errors, and the accessors the checkers read.
 */
class KsmScanKillTest {
    static final long A = KsmTest.A;

    /** A machine whose pid 1 maps pages at base, writing the values given (null: left untouched). */
    static Machine machineAt(long base, Long... values) {
        Machine m = new Machine(KsmTest.config(1024));
        Ksm k = m.ksm();
        assertEquals(0, k.sysfs_store("pages_to_scan", "1000"));
        assertEquals(0, k.sysfs_store("smart_scan", "0"));
        Rmap r = m.rmap();
        assertTrue(r.mmap(1, base, values.length) >= 0);
        for (int i = 0; i < values.length; i++) if (values[i] != null) r.access(1, base + i, true, values[i]);
        assertEquals(0, r.madvise(1, base, values.length, Rmap.MADV_MERGEABLE));
        assertEquals(0, k.sysfs_store("run", "1"));
        return m;
    }

    /**
     * replace_page() and write_protect_page() (mm/ksm.c) start from page_address_in_vma():
     * -EFAULT for a VMA whose anon_vma is not the page's (another process's), so nothing is done.
     */
    @Test
    void replaceAndWriteProtectNeedThePagesVma() {
        Machine m = KsmTest.machine(256, false, false, 7, 7);
        Ksm k = m.ksm();
        Rmap r = m.rmap();
        // a VMA the child maps after the fork: an anon_vma of its own, not pid 1's
        int other = r.fork(1, 0);
        long B = A + 0x80;
        assertTrue(r.mmap(other, B, 1) >= 0);
        r.access(other, B, true, 7);
        VmAreaStruct ov = r.task(other).findVma(B);
        assertTrue(ov.anonVma().root() != r.task(1).findVma(A).anonVma().root());
        long p = KsmTest.pfnAt(m, 1, A);
        long pte = r.task(1).pageTable().get(A);
        assertEquals(-1, k.page_address_in_vma(p, ov));
        assertEquals(Ksm.EFAULT, k.replace_page(ov, p, KsmTest.pfnAt(m, 1, A + 1), pte));
        assertNull(k.write_protect_page(ov, p));
        assertEquals(pte, r.task(1).pageTable().get(A));
    }

    /**
     * get_next_rmap_item() (mm/ksm.c): "if (rmap_item->address > addr) break;" - an item past the
     * address being scanned is kept (with its oldchecksum), the new item linked before it. Pages
     * A (5) and A+2 (9) are scanned twice (both unshared); then A+1 is first touched: scan 3 finds
     * A+1 new (volatile) between them and A+2 still unshared.
     */
    @Test
    void anItemPastTheScannedAddressIsKept() {
        Machine m = machineAt(A, 5L, null, 9L);
        Ksm k = m.ksm();
        k.full_scan();
        k.full_scan();
        assertEquals(2, k.pagesUnshared());
        KsmRmapItem a2 = k.items().get(1);
        assertEquals(A + 2, a2.page());
        m.rmap().access(1, A + 1, true, 11);
        k.full_scan();
        assertEquals(3, k.items().size());
        assertSame(a2, k.items().get(2), "the same rmap_item");
        assertFalse(a2.freed());
        assertEquals(A + 1, k.items().get(1).page());
        assertEquals(2, k.pagesUnshared());
        assertEquals(1, k.pagesVolatile());
        assertEquals(3, k.rmapItems());
    }

    /**
     * unstable_tree_search_insert() (mm/ksm.c): "Don't substitute a ksm page for a forked page":
     * the child's page is the parent's, met in the unstable tree - put_page(tree_page), return
     * NULL: no merge attempted (no write_protect_page() refcount failure), no reference left
     * behind, the child's item not inserted.
     */
    @Test
    void aForkedPageMeetingItselfLeavesNoTrace() {
        Machine m = KsmTest.machine(256, false, false, 100);
        Ksm k = m.ksm();
        RmapKsm rk = new RmapKsm(m.rmap());
        int child = m.rmap().fork(1, 0);
        k.full_scan();
        k.full_scan();
        long p = KsmTest.pfnAt(m, 1, A);
        assertEquals(p, KsmTest.pfnAt(m, child, A));
        assertEquals(0, k.stats.writeProtectRefcount);
        assertEquals(0, k.stats.mergeTwoFailed);
        assertEquals(2, rk.mapcount(p));
        assertEquals(2, rk.refcount(p), "one reference per mapping, none of ksmd's");
        assertEquals(1, k.items().stream().filter(KsmRmapItem::unstable).count(), "one of the two items is in the tree");
    }

    /**
     * unstable_tree_search_insert() (mm/ksm.c) directly: into an empty tree the item goes (NULL
     * returned, UNSTABLE_FLAG and the scan's seqnr set); a second item of the same content finds
     * it and gets it back, with the tree page.
     */
    @Test
    void unstableTreeSearchInsertInsertsThenFinds() {
        Machine m = KsmTest.machine(256, false, false, 7, 7);
        Ksm k = m.ksm();
        RmapKsm rk = new RmapKsm(m.rmap());
        k.full_scan();
        assertNull(k.unstableTree().node(), "the tree is reset at the end of a scan");
        KsmRmapItem x = k.items().get(0);
        KsmRmapItem y = k.items().get(1);
        long px = KsmTest.pfnAt(m, 1, A);
        long py = KsmTest.pfnAt(m, 1, A + 1);
        assertNull(k.unstable_tree_search_insert(x, px));
        assertTrue(x.unstable());
        assertEquals(k.seqnr() & Ksm.SEQNR_MASK, x.seqnr());
        int refs = rk.refcount(px);
        assertSame(x, k.unstable_tree_search_insert(y, py));
        assertFalse(y.unstable());
        assertEquals(refs + 1, rk.refcount(px), "the tree page comes with a reference");
    }

    /**
     * ksm_might_unmap_zero_page() (include/linux/ksm.h): only a KSM zero PTE
     * (is_ksm_zero_pte()) decrements ksm_zero_pages and mm->ksm_zero_pages; unmapping a normal
     * page leaves both as they are.
     */
    @Test
    void onlyAKsmZeroPteUncountsAZeroPage() {
        Machine m = KsmTest.machine(256, true, false, 0, 0, 7);
        Ksm k = m.ksm();
        k.full_scan();
        k.full_scan();
        assertEquals(2, k.ksm_zero_pages);
        assertEquals(2, k.mm(1).ksmZeroPages());
        MmStruct mm = m.rmap().task(1);
        long normal = mm.pageTable().get(A + 2);
        assertTrue(Pte.normal(normal));
        k.ksm_might_unmap_zero_page(mm, normal);
        assertEquals(2, k.ksm_zero_pages);
        assertEquals(2, k.mm(1).ksmZeroPages());
        m.rmap().munmap(1, A + 2, 1);
        assertEquals(2, k.ksm_zero_pages);
        m.rmap().munmap(1, A, 1);
        assertEquals(1, k.ksm_zero_pages);
        assertEquals(1, k.mm(1).ksmZeroPages());
    }

    /**
     * ksm_process_profit() (mm/ksm.c): (mm->ksm_merging_pages + mm_ksm_zero_pages(mm)) *
     * PAGE_SIZE - mm->ksm_rmap_items * sizeof(struct ksm_rmap_item). 7, 7, 0, 0 with
     * use_zero_pages after two scans: 2 merging, 2 zero pages, 4 rmap_items:
     * 4 * 4096 - 4 * 64 = 16128.
     */
    @Test
    void processProfitCountsMergingAndZeroPages() {
        Machine m = KsmTest.machine(256, true, false, 7, 7, 0, 0);
        Ksm k = m.ksm();
        k.full_scan();
        k.full_scan();
        KsmMm mm = k.mm(1);
        assertEquals(2, mm.ksmMergingPages());
        assertEquals(2, mm.ksmZeroPages());
        assertEquals(4, mm.ksmRmapItems());
        assertEquals(16128, mm.ksmProcessProfit());
    }

    /**
     * ksm_madvise() (mm/ksm.c): advice other than MADV_MERGEABLE / MADV_UNMERGEABLE leaves
     * vm_flags as they are ("return 0" with *vm_flags untouched).
     */
    @Test
    void otherAdviceLeavesTheFlags() {
        Machine m = KsmTest.machine(256, false, false, 7);
        Ksm k = m.ksm();
        VmAreaStruct v = m.rmap().task(1).findVma(A);
        long flags = v.flags();
        assertTrue(flags != 0);
        assertEquals(flags, k.ksm_madvise(v, A, A + 1, 4 /* MADV_DONTNEED */, flags));
        assertEquals(flags | 0x10, k.ksm_madvise(v, A, A + 1, 999, flags | 0x10));
    }

    /**
     * The attributes of /sys/kernel/mm/ksm (mm/ksm.c, ksm_attrs): the counters are 0444, a write
     * is refused with EACCES by sysfs itself; a name that is not there is another error.
     */
    @Test
    void readOnlyAttributesAndUnknownNamesAreDifferentErrors() {
        Machine m = KsmTest.machine(256, false, false, 7);
        Ksm k = m.ksm();
        RejectedOperationException ro = assertThrows(RejectedOperationException.class, () -> k.sysfs_store("pages_shared", "1"));
        assertTrue(ro.getMessage().contains("EACCES"), ro.getMessage());
        RejectedOperationException nx = assertThrows(RejectedOperationException.class, () -> k.sysfs_store("no_such_knob", "1"));
        assertTrue(nx.getMessage().contains("no such attribute"), nx.getMessage());
        assertFalse(nx.getMessage().contains("EACCES"));
    }

    /**
     * ksm_do_scan() without an mm on ksm_mm_head: scan_get_next_rmap_item() returns NULL at once
     * ("if (list_empty(&ksm_mm_head.slot.mm_node)) return NULL;"), nothing scanned.
     */
    @Test
    void anEmptyListScansNothing() {
        Machine m = new Machine(KsmTest.config(1024));
        Ksm k = m.ksm();
        assertEquals(0, k.ksm_do_scan(10));
        assertNull(k.scan_get_next_rmap_item());
        assertEquals(0, k.stats.fullScans);
    }

    /**
     * The per-mm KSM fields belong to one mm_struct: the model's record kept under a pid is
     * replaced when that pid now names another mm (a copy's), not reused with the old counts.
     */
    @Test
    void kmmOfAnotherMmUnderTheSamePidIsFresh() {
        Machine m = KsmTest.mergedPair();
        Ksm k = m.ksm();
        Machine c = m.copy();
        MmStruct other = c.rmap().task(1);
        KsmMm old = k.mm(1);
        assertTrue(old.ksmMergingPages() > 0);
        KsmMm fresh = k.kmm(other);
        assertNotSame(old, fresh);
        assertSame(other, fresh.mmStruct());
        assertEquals(0, fresh.ksmMergingPages());
        assertNull(k.kmmIfAny(m.rmap().task(1)));
    }

    /** alloc_rmap_item(): each rmap_item is a new one, numbered in order; ksm_rmap_items counts them. */
    @Test
    void rmapItemsAreNumberedInOrder() {
        Machine m = KsmTest.machine(256, false, false, 7);
        Ksm k = m.ksm();
        long items = k.rmapItems();
        KsmRmapItem a = k.alloc_rmap_item();
        KsmRmapItem b = k.alloc_rmap_item();
        assertEquals(a.id + 1, b.id);
        assertEquals(b.id + 1, k.nextItemId);
        assertEquals(items + 2, k.rmapItems());
        assertTrue(a.toString().contains("?"), a.toString());
    }

    /** Accessors the checkers read: the trees' links, a node's chain and next dup, an item's stamp and freed mark. */
    @Test
    void accessorsShowTheFields() {
        Machine m = KsmChainTest.threeFullDups();
        Ksm k = m.ksm();
        assertSame(m.rmap(), k.rmap());
        KsmStableNode chain = KsmChainTest.chain(k);
        KsmStableNode d0 = chain.dups().get(0);
        assertSame(chain, d0.chain());
        assertSame(chain.dups().get(1), d0.dupNext());
        assertTrue(chain.toString().contains("(chain)"), chain.toString());
        assertTrue(d0.toString().contains("(dup, kpfn 0x"), d0.toString());
        Machine u = KsmTest.machine(256, false, false, 7, 7, 100, 101, 102);
        Ksm uk = u.ksm();
        uk.full_scan();
        uk.full_scan();
        assertEquals(0, uk.sysfs_store("pages_to_scan", "5"));
        uk.ksm_scan_thread_batch(); // mid-scan 3: the unique pages are in the unstable tree
        assertEquals(3, Ksm.inOrder(uk.unstableTree()).size());
        KsmStableNode regular = uk.folio_stable_node(KsmTest.pfnAt(u, 1, A));
        assertTrue(regular.toString().contains(" (kpfn 0x"), regular.toString());
        assertFalse(regular.toString().contains("dup"));
        RbNode root = uk.unstableTree().node();
        assertNotNull(root.rbLeft);
        assertNotNull(root.rbRight);
        assertSame(root.rbLeft, root.rbLeft());
        assertSame(root.rbRight, root.rbRight());
        KsmRmapItem unstable = (KsmRmapItem) root;
        long pfn = KsmTest.pfnAt(u, 1, unstable.page());
        assertEquals(new RmapKsm(u.rmap()).contentStamp(pfn), unstable.insertedStamp());
        assertTrue(unstable.toString().contains("pid 1"), unstable.toString());
        // an item freed when its page goes
        u.rmap().munmap(1, unstable.page(), 1);
        uk.full_scan();
        uk.full_scan();
        assertTrue(unstable.freed());
        // rb_next() of a node in no tree (RB_EMPTY_NODE) is NULL; linked() tells
        KsmRmapItem loose = uk.alloc_rmap_item();
        assertFalse(RbTree.linked(loose));
        assertNull(RbTree.rb_next(loose));
        assertTrue(RbTree.linked(uk.stableTree().node()));
        // the stats by name
        var f = uk.stats.figures();
        assertEquals(26, f.size());
        assertEquals(uk.stats.fullScans, f.get("full scans"));
        assertEquals(uk.stats.unstableMerges, f.get("merged from the unstable tree"));
    }

    /** KsmCorruption.warn() records a warning as the kernel's WARN would; the simulation's --groups parser refuses nothing given. */
    @Test
    void corruptionWarnAndGroupsOfNothing() {
        Machine m = KsmTest.machine(256, false, false, 7);
        Ksm k = m.ksm();
        long w = k.warnings().count();
        KsmCorruption.warn(k, "here", "what");
        assertEquals(w + 1, k.warnings().count());
        assertTrue(k.warnings().messages().contains("here: what"));
        assertThrows(IllegalArgumentException.class, () -> KsmSimulation.parseGroups(null));
        assertThrows(IllegalArgumentException.class, () -> KsmSimulation.parseGroups("  "));
    }

    /**
     * __ksm_enter() (mm/ksm.c) while run has KSM_RUN_UNMERGE: "list_add_tail(&mm_slot->slot.mm_node,
     * &ksm_mm_head.slot.mm_node)" - a process forked after run = 2 (ksm_fork() of a parent
     * still MMF_VM_MERGEABLE) gets its slot at the tail of the list.
     */
    @Test
    void aSlotEnteredDuringUnmergeGoesToTheTail() {
        Machine m = KsmTest.mergedPair();
        Ksm k = m.ksm();
        assertEquals(0, k.sysfs_store("run", "2"));
        assertEquals(java.util.List.of(1), k.slots().stream().map(s -> s.mm().pid()).toList());
        int child = m.rmap().fork(1, 0);
        assertEquals(java.util.List.of(1, child), k.slots().stream().map(s -> s.mm().pid()).toList());
        assertNotNull(k.mm(child).slot());
        assertTrue(k.mm(child).mmfVmMergeable());
    }
}
