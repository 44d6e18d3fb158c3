package org.mmspec.reference.ksm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;
import org.mmspec.reference.Machine;
import org.mmspec.reference.rmap.Rmap;
import org.mmspec.reference.rmap.RmapKsm;

/**
 * Copying and fingerprinting ksmd's state (Ksm.copyFrom, Ksm.fingerprint,
 * Ksm.writtenSinceInserted): the copy is equal and carries nothing of what the target held
 * before, fields that mean nothing in an rmap_item's state (mm/ksm.c v6.18, struct
 * ksm_rmap_item: head and hlist share a union with the unstable tree's rb_node, meaningful only
 * under STABLE_FLAG) are neither copied nor hashed, and a corrupted tree does not break the copy.
 */
class KsmCopyKillTest {
    static final long A = KsmTest.A;

    /** The warnings recorded so far (the kernel's WARN/VM_BUG_ON reports) are part of the copied state. */
    @Test
    void warningsAreCopied() {
        Machine m = KsmTest.machine(256, false, false, 7, 7);
        Ksm k = m.ksm();
        KsmCorruption.warn(k, "somewhere", "something");
        Machine c = m.copy();
        assertEquals(1, c.ksm().warnings().count());
        assertEquals(k.warnings().messages(), c.ksm().warnings().messages());
    }

    /**
     * copyFrom() over a state with more processes and more stable nodes than the source: the
     * per-mm records and the nodes it had are gone, exactly the source's remain.
     */
    @Test
    void copyFromLeavesNoMmOrNodeOfTheTarget() {
        Machine src = KsmTest.mergedPair();
        assertEquals(1, src.ksm().nodes.size());
        Machine dst = new Machine(KsmTest.config(1024));
        Ksm d = dst.ksm();
        Rmap r = dst.rmap();
        for (int p = 0; p < 4; p++) r.fork(1, 0);
        assertTrue(r.mmap(1, A, 6) >= 0);
        long[] v = {1, 1, 2, 2, 3, 3};
        for (int i = 0; i < v.length; i++) r.access(1, A + i, true, v[i]);
        assertEquals(0, r.madvise(1, A, 6, Rmap.MADV_MERGEABLE));
        assertEquals(0, d.sysfs_store("run", "1"));
        d.full_scan();
        d.full_scan();
        assertEquals(3, d.nodes.size());
        assertTrue(d.mms.size() > src.ksm().mms.size());
        dst.copyFrom(src);
        assertEquals(src.ksm().nodes.keySet(), d.nodes.keySet());
        Set<Integer> live = new TreeSet<>();
        for (KsmMm mm : src.ksm().mms.values()) if (!src.ksm().ksm_test_exit(mm)) live.add(mm.pid());
        assertEquals(live, d.mms.keySet());
        for (KsmMm mm : d.mms.values()) assertTrue(dst.rmap().task(mm.pid()) == mm.mmStruct());
        assertEquals(src.ksm().fingerprint(), d.fingerprint());
    }

    /**
     * An rmap_item in no tree keeps whatever it had in head/hlist (the union's other half): the
     * copy does not carry it (its head and hlist links are NULL), and the fingerprint does not
     * read it, nor the ghost insertion stamp of an item that is not in the unstable tree.
     */
    @Test
    void meaninglessFieldsOfALooseItemAreNeitherCopiedNorHashed() {
        Machine m = KsmStateTest.rich();
        Ksm k = m.ksm();
        KsmRmapItem stable = KsmStateTest.firstItem(k, KsmRmapItem::stable);
        KsmRmapItem loose = KsmStateTest.firstItem(k, i -> !i.stable() && !i.unstable() && !k.ksm_test_exit(i.mm()));
        long fp = k.fingerprint();
        loose.head = stable.head;
        loose.hlistNext = stable;
        loose.hlistPrev = stable;
        assertEquals(fp, k.fingerprint());
        Machine c = m.copy();
        KsmRmapItem cl = c.ksm().items().stream().filter(i -> i.id == loose.id).findFirst().orElseThrow();
        assertNull(cl.head);
        assertNull(cl.hlistNext);
        assertNull(cl.hlistPrev);
        // the insertion stamp: matching the page or not, the same fingerprint
        RmapKsm rk = new RmapKsm(m.rmap());
        long pfn = KsmTest.pfnAt(m, loose.mm().pid(), loose.page());
        assertTrue(pfn >= 0);
        loose.insertedStamp = rk.contentStamp(pfn);
        assertFalse(k.writtenSinceInserted(loose));
        long f1 = k.fingerprint();
        loose.insertedStamp = rk.contentStamp(pfn) + 1;
        assertTrue(k.writtenSinceInserted(loose));
        assertEquals(f1, k.fingerprint());
        assertEquals(fp, f1);
    }

    /**
     * A tree node that no slot's rmap_list reaches (a corrupted state, as the checkers build
     * them) is left out of the copy's tree instead of breaking the copy.
     */
    @Test
    void aTreeNodeNoListReachesIsLeftOut() {
        Machine m = KsmStateTest.rich();
        Ksm k = m.ksm();
        KsmRmapItem root = (KsmRmapItem) k.unstableTree().node();
        assertNotNull(root);
        int before = Ksm.inOrder(k.unstableTree()).size();
        // unlink root's item from its slot's list
        KsmMmSlot slot = root.mm().slot();
        if (slot.rmap_list == root) slot.rmap_list = root.rmap_list;
        else {
            KsmRmapItem p = slot.rmap_list;
            while (p.rmap_list != root) p = p.rmap_list;
            p.rmap_list = root.rmap_list;
        }
        Machine c = m.copy();
        assertNull(c.ksm().unstableTree().node(), "its subtree, the whole tree, is left out");
        assertTrue(before > 0);
    }

    /**
     * writtenSinceInserted() (the ghost KSM-UNSTABLE-ORDER reads): true when no page is there to
     * compare - the mm has exited, or the PTE is a migration entry rather than a present page.
     */
    @Test
    void noPageThereCountsAsWritten() {
        Machine m = KsmStateTest.rich();
        Ksm k = m.ksm();
        KsmRmapItem u = KsmStateTest.firstItem(k, i -> i.unstable() && !k.ksm_test_exit(i.mm()));
        assertFalse(k.writtenSinceInserted(u));
        long pfn = KsmTest.pfnAt(m, u.mm().pid(), u.page());
        assertEquals(0, m.rmap().migrate_folio_unmap(pfn));
        assertTrue(k.writtenSinceInserted(u), "a migration entry");
        m.rmap().migrate_folio_move(pfn, false);
        KsmRmapItem gone = KsmStateTest.firstItem(k, i -> k.ksm_test_exit(i.mm()));
        assertTrue(k.writtenSinceInserted(gone), "an exited mm");
    }

    /**
     * The fingerprint reads the KSM fields of live mms only: an exited process's record (a fork
     * that never had a slot, then exited) means nothing any more - changing it leaves the
     * fingerprint as it was.
     */
    @Test
    void aDeadSlotlessMmIsNotHashed() {
        Machine m = new Machine(KsmTest.config(1024));
        Ksm k = m.ksm();
        Rmap r = m.rmap();
        int child = r.fork(1, 0);
        KsmMm rec = k.mm(child);
        assertNotNull(rec);
        assertNull(rec.slot());
        r.exit(child);
        assertTrue(k.ksm_test_exit(rec));
        assertTrue(k.mms.containsValue(rec));
        long fp = k.fingerprint();
        rec.ksm_zero_pages += 3;
        rec.ksm_merging_pages += 5;
        assertEquals(fp, k.fingerprint());
    }

    /**
     * Two markers the fingerprint mixes in - a written unstable item (what KSM-UNSTABLE-ORDER
     * reads), and the cursor at a slot's head - must not lose what was hashed before them: 200
     * states differing only in pages_scanned (hashed first) all fingerprint differently with
     * either marker present.
     */
    @Test
    void markersKeepWhatWasHashedBefore() {
        Machine m = KsmStateTest.rich();
        for (int setup = 0; setup < 2; setup++) {
            Machine c = m.copy();
            Ksm k = c.ksm();
            if (setup == 0) {
                KsmRmapItem i = KsmStateTest.firstItem(k, KsmRmapItem::unstable);
                c.rmap().access(i.mm().pid(), i.page(), true, c.rmap().peek(i.mm().pid(), i.page()));
                assertTrue(k.writtenSinceInserted(i));
            } else {
                k.scanRmapList = k.scanSlot;
            }
            Set<Long> seen = new java.util.HashSet<>();
            long base = k.ksm_pages_scanned;
            for (int j = 0; j < 200; j++) {
                k.ksm_pages_scanned = base + j;
                seen.add(k.fingerprint());
            }
            assertEquals(200, seen.size(), "setup " + setup);
        }
    }
}
