package org.mmspec.invariants.ksm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mmspec.invariants.ksm.KsmKit.apply;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.mmspec.reference.ksm.Ksm;
import org.mmspec.reference.ksm.KsmRmapItem;
import org.mmspec.reference.ksm.RbNode;

/**
 * KSM-UNSTABLE-ORDER must tell a page of the unstable tree that was written since it went in,
 * even when it was written back to the content it had (A to B to A): the tree's order was decided
 * while it held B, so the kernel's tree is "corrupted" as mm/ksm.c allows. The invariant first
 * judged "unchanged" by the checksum, which cannot see such a round trip, and the random explorer
 * (mmspec check --subsystem ksm --tries 1500 --seed 20261125, config small) reported this run of
 * 13 steps as a violation; the reference was right. Now each page carries a ghost store stamp.
 */
class KsmUnstableOrderAbaTest {
    @Test
    void aPageWrittenBackToItsOldContentStillCountsAsChanged() {
        KsmState s = KsmKit.SUB.init(KsmConfigs.small());
        int id = 0;
        apply(s, id++, "mmap", "pid", 1, "addr", 17, "pages", 1);
        apply(s, id++, "sysfs", "name", "pages_to_scan", "value", "1");
        apply(s, id++, "madvise", "pid", 1, "addr", 17, "pages", 1, "advice", "MADV_MERGEABLE");
        apply(s, id++, "write", "pid", 1, "addr", 17, "value", 1);
        apply(s, id++, "ksmd_scan");
        apply(s, id++, "write", "pid", 1, "addr", 17, "value", 2);
        apply(s, id++, "fork", "pid", 1, "child", 2, "fail_at", 0);
        apply(s, id++, "ksmd_scan");
        apply(s, id++, "ksmd_full_scan");
        apply(s, id++, "ksmd_scan");
        apply(s, id++, "write", "pid", 2, "addr", 17, "value", 1); // COW: pid 2's page now holds 1
        apply(s, id++, "ksmd_scan"); // pid 1's item (2) goes in after pid 2's (now 1): to its right
        List<RbNode> before = Ksm.inOrder(s.ksm().unstableTree());
        assertEquals(2, before.size(), "both items in the unstable tree");
        long pid2Page = KsmInvariants.pageOf(s, (KsmRmapItem) before.get(0));
        long stampBefore = s.rmap().contentStamp(pid2Page);
        apply(s, id++, "write", "pid", 2, "addr", 17, "value", 2); // back to 2: same checksum as when it went in

        List<RbNode> nodes = Ksm.inOrder(s.ksm().unstableTree());
        KsmRmapItem first = (KsmRmapItem) nodes.get(0);
        KsmRmapItem second = (KsmRmapItem) nodes.get(1);
        long p1 = KsmInvariants.pageOf(s, first);
        long p2 = KsmInvariants.pageOf(s, second);
        assertEquals(2L, s.rmap().contents().get(p1));
        assertEquals(2L, s.rmap().contents().get(p2));
        assertEquals(Ksm.checksum(2), first.oldchecksum(), "the checksum cannot tell the round trip");
        assertNotEquals(stampBefore, s.rmap().contentStamp(p1), "the store stamp can");
        assertNotEquals(first.insertedStamp(), s.rmap().contentStamp(p1));
        assertTrue(s.ksm().writtenSinceInserted(first), "and the machine's fingerprint carries it");
        assertTrue(!s.ksm().writtenSinceInserted(second));
        assertTrue(KsmKit.check("KSM-UNSTABLE-ORDER", s).isEmpty(), () -> "" + KsmKit.check("KSM-UNSTABLE-ORDER", s));
        assertTrue(KsmKit.checkAll(s).isEmpty(), () -> "" + KsmKit.checkAll(s));
    }
}
