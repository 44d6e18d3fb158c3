package org.mmspec.reference.ksm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.mmspec.reference.Machine;
import org.mmspec.reference.rmap.Rmap;
import org.mmspec.reference.rmap.RmapKsm;

/**
 * stable_node chains and dups (mm/ksm.c v6.18: stable_node_dup(), __stable_node_chain(),
 * stable_tree_search(), stable_tree_insert(), remove_node_from_stable_tree(),
 * remove_stable_node_chain()), each expectation derived by hand from that code.
 */
class KsmChainTest {
    static final long A = KsmTest.A;

    /**
     * max_page_sharing 4, twelve pages of 7 at A..A+11, two full scans. Derivation (scan 2, in
     * address order; scan 1 only records checksums): A goes into the unstable tree; A+1 finds it
     * there (unstable_tree_search_insert) and try_to_merge_two_pages makes stable node n1 (2);
     * A+2 and A+3 find n1 in the stable tree (is_page_sharing_candidate: 2, 3 < 4) -> n1 has 4;
     * A+4: n1 is full, stable_tree_search gives NULL, into the unstable tree; A+5 merges with it
     * and stable_tree_insert finds n1's content, so alloc_stable_node_chain() puts a chain in
     * n1's place and n2 is added at the head of its hlist; A+6, A+7 join n2 (the first dup
     * and a candidate: stable_node_dup() breaks there without pruning); A+8..A+11 likewise make
     * n3. The chain's hlist: n3, n2, n1, each with 4 rmap_items.
     */
    static Machine threeFullDups() {
        long[] v = new long[12];
        java.util.Arrays.fill(v, 7);
        Machine m = KsmTest.machine(4, false, false, v);
        Ksm k = m.ksm();
        k.full_scan();
        k.full_scan();
        assertEquals(3, k.pagesShared());
        assertEquals(9, k.pagesSharing());
        assertEquals(1, k.stableNodeChains());
        assertEquals(3, k.stableNodeDups());
        KsmStableNode chain = chain(k);
        List<KsmStableNode> dups = chain.dups();
        assertEquals(3, dups.size());
        for (KsmStableNode d : dups) assertEquals(4, d.rmapHlistLen());
        // n3 (A+8..A+11) first, n1 (A..A+3) last
        assertEquals(KsmTest.pfnAt(m, 1, A + 8), dups.get(0).kpfn());
        assertEquals(KsmTest.pfnAt(m, 1, A + 4), dups.get(1).kpfn());
        assertEquals(KsmTest.pfnAt(m, 1, A), dups.get(2).kpfn());
        return m;
    }

    static KsmStableNode chain(Ksm k) {
        for (KsmStableNode n : k.stableNodes().values()) if (n.isChain()) return n;
        return null;
    }

    /** Writes unique values to the pages, then a full scan: each written page's rmap_item leaves its dup. */
    static void writeAndScan(Machine m, long... addrs) {
        long v = 1000;
        for (long a : addrs) m.rmap().access(1, a, true, v++);
        m.ksm().full_scan();
    }

    /**
     * Dups of lengths 1 (n3, first), 2 (n2), 4 (n1, full). Without pruning, stable_node_dup()
     * takes the first candidate and stops there (the "!prune_stale_stable_nodes &&
     * is_page_sharing_candidate(found)" break): n3, left at the head; the folio of no other dup
     * keeps a reference.
     */
    @Test
    void withoutPruningTheFirstCandidateIsTaken() {
        Machine m = threeFullDups();
        Ksm k = m.ksm();
        writeAndScan(m, A + 8, A + 9, A + 10, A + 4, A + 5);
        KsmStableNode chain = chain(k);
        List<KsmStableNode> dups = chain.dups();
        assertEquals(List.of(1, 2, 4), dups.stream().map(KsmStableNode::rmapHlistLen).toList());
        RmapKsm rk = new RmapKsm(m.rmap());
        int[] refs = dups.stream().mapToInt(d -> rk.refcount(d.kpfn())).toArray();
        long prunes = k.stats.chainPrunes;
        long pruneTime = chain.chainPruneTime();
        Ksm.ChainResult r = k.stable_node_dup(chain, k.root_stable_tree, false);
        assertSame(dups.get(0), r.dup());
        assertSame(chain, r.node());
        assertEquals(dups.get(0).kpfn(), r.folio());
        assertEquals(refs[0] + 1, rk.refcount(dups.get(0).kpfn()), "the found folio comes with a reference");
        assertEquals(refs[1], rk.refcount(dups.get(1).kpfn()));
        assertEquals(refs[2], rk.refcount(dups.get(2).kpfn()));
        rk.folio_put(r.folio());
        assertEquals(dups, chain.dups());
        assertEquals(prunes, k.stats.chainPrunes);
        assertEquals(pruneTime, chain.chainPruneTime());
    }

    /**
     * The same chain with pruning due (jiffies at chain_prune_time + prune_millisecs exactly:
     * time_before() is false): every dup is looked at, the candidate with the most rmap_items (n2,
     * 2 > 1) wins, n1 (full) is no candidate, chain_prune_time becomes jiffies; n2 is not at the
     * head and can take one more merge beyond this one (2 + 1 < 4), so it moves to the head.
     * The other dups' folios are put again.
     */
    @Test
    void pruningTakesTheCandidateWithMostSharingAndMovesItToTheHead() {
        Machine m = threeFullDups();
        Ksm k = m.ksm();
        writeAndScan(m, A + 8, A + 9, A + 10, A + 4, A + 5);
        KsmStableNode chain = chain(k);
        List<KsmStableNode> dups = chain.dups();
        RmapKsm rk = new RmapKsm(m.rmap());
        int[] refs = dups.stream().mapToInt(d -> rk.refcount(d.kpfn())).toArray();
        // one millisecond early: no pruning, n3 as above
        k.jiffies = chain.chainPruneTime() + k.pruneMillisecs() - 1;
        long early = k.jiffies;
        Ksm.ChainResult r0 = k.stable_node_dup(chain, k.root_stable_tree, true);
        assertSame(dups.get(0), r0.dup());
        rk.folio_put(r0.folio());
        assertTrue(chain.chainPruneTime() < early);
        k.jiffies = chain.chainPruneTime() + k.pruneMillisecs();
        Ksm.ChainResult r = k.stable_node_dup(chain, k.root_stable_tree, true);
        assertSame(dups.get(1), r.dup());
        assertEquals(dups.get(1).kpfn(), r.folio());
        assertEquals(k.jiffies, chain.chainPruneTime());
        assertEquals(refs[0], rk.refcount(dups.get(0).kpfn()));
        assertEquals(refs[1] + 1, rk.refcount(dups.get(1).kpfn()));
        assertEquals(refs[2], rk.refcount(dups.get(2).kpfn()));
        rk.folio_put(r.folio());
        assertEquals(List.of(dups.get(1), dups.get(0), dups.get(2)), chain.dups());
        assertEquals(1, k.stats.chainPrunes);
    }

    /**
     * A candidate that cannot take one more (n2 at 3 of 4: __is_page_sharing_candidate(found, 1)
     * is 3 + 1 < 4, false) is chosen but left where it is.
     */
    @Test
    void aDupWithRoomForOnlyThisMergeStaysInPlace() {
        Machine m = threeFullDups();
        Ksm k = m.ksm();
        writeAndScan(m, A + 8, A + 9, A + 10, A + 4);
        KsmStableNode chain = chain(k);
        List<KsmStableNode> dups = chain.dups();
        assertEquals(List.of(1, 3, 4), dups.stream().map(KsmStableNode::rmapHlistLen).toList());
        k.jiffies = chain.chainPruneTime() + k.pruneMillisecs() + 5;
        Ksm.ChainResult r = k.stable_node_dup(chain, k.root_stable_tree, true);
        assertSame(dups.get(1), r.dup(), "3 > 1: n2 has the most sharing");
        new RmapKsm(m.rmap()).folio_put(r.folio());
        assertEquals(dups, chain.dups());
    }

    /**
     * When every dup is full, the first found one is returned (no candidate) and the search
     * gives NULL: stable_tree_search() "every dup is full" (stats.stableFull). Without prune, a
     * full first dup does not stop the walk: a later candidate wins (n1 here).
     */
    @Test
    void aFullFirstDupDoesNotStopTheWalk() {
        Machine m = threeFullDups();
        Ksm k = m.ksm();
        writeAndScan(m, A, A + 1);
        KsmStableNode chain = chain(k);
        List<KsmStableNode> dups = chain.dups();
        assertEquals(List.of(4, 4, 2), dups.stream().map(KsmStableNode::rmapHlistLen).toList());
        Ksm.ChainResult r = k.stable_node_dup(chain, k.root_stable_tree, false);
        assertSame(dups.get(2), r.dup());
        new RmapKsm(m.rmap()).folio_put(r.folio());
        assertEquals(List.of(dups.get(2), dups.get(0), dups.get(1)), chain.dups(), "2 + 1 < 4: to the head");
        // all full: the first is found, and no candidate
        Machine f = threeFullDups();
        Ksm fk = f.ksm();
        KsmStableNode fc = chain(fk);
        Ksm.ChainResult rf = fk.stable_node_dup(fc, fk.root_stable_tree, false);
        assertSame(fc.dupFirst(), rf.dup());
        new RmapKsm(f.rmap()).folio_put(rf.folio());
        assertFalse(fk.is_page_sharing_candidate(rf.dup()));
    }

    /**
     * A dup whose KSM page is gone (every mapping written: the page freed, page->mapping no longer
     * its keyhole) is stale: ksm_get_folio() removes it with remove_node_from_stable_tree(),
     * which takes each of its rmap_items off the counts (one pages_shared, the rest
     * pages_sharing) and drops their flags. Two dups left of three: the chain stays.
     */
    @Test
    void aStaleDupIsPrunedAndItsItemsLeaveTheCounts() {
        Machine m = threeFullDups();
        Ksm k = m.ksm();
        KsmStableNode chain = chain(k);
        KsmStableNode n1 = chain.dups().get(2);
        List<KsmRmapItem> n1items = n1.items();
        for (long a = A; a < A + 4; a++) m.rmap().access(1, a, true, 500 + a);
        assertFalse(k.stableNodeLive(0));
        Ksm.ChainResult r = k.stable_node_dup(chain, k.root_stable_tree, false);
        assertSame(chain.dups().get(0), r.dup(), "n3 is full; n2 is full; n1 is stale");
        // n3 first, not a candidate; n2 not either; n1 stale: found stays n3
        new RmapKsm(m.rmap()).folio_put(r.folio());
        assertTrue(n1.freed());
        assertEquals(2, chain.dups().size());
        assertEquals(2, k.stableNodeDups());
        assertEquals(2, k.pagesShared());
        assertEquals(6, k.pagesSharing());
        assertEquals(1, k.stats.staleNodesRemoved);
        for (KsmRmapItem i : n1items) {
            assertFalse(i.stable(), "address &= PAGE_MASK");
            assertEquals(0, i.address() & ~Ksm.PAGE_MASK);
        }
        assertEquals(8, k.mm(1).ksmMergingPages());
    }

    /**
     * A chain left with one live dup collapses: the dup takes the chain's place in the tree
     * (rb_replace_node), the chain is freed, ksm_stable_node_chains and _dups drop by one, and the
     * caller gets the dup as the node now in the tree.
     */
    @Test
    void aChainWithOneDupLeftCollapsesIntoIt() {
        Machine m = threeFullDups();
        Ksm k = m.ksm();
        KsmStableNode chain = chain(k);
        KsmStableNode n3 = chain.dups().get(0);
        for (long a = A; a < A + 8; a++) m.rmap().access(1, a, true, 500 + a); // n1 and n2 go stale
        Ksm.ChainResult r = k.stable_node_dup(chain, k.root_stable_tree, false);
        new RmapKsm(m.rmap()).folio_put(r.folio());
        assertSame(n3, r.dup());
        assertSame(n3, r.node());
        assertTrue(chain.freed());
        assertFalse(n3.isDup());
        assertNull(n3.chain());
        assertSame(n3, k.root_stable_tree.rb_node);
        assertEquals(0, k.stableNodeChains());
        assertEquals(0, k.stableNodeDups());
        assertEquals(1, k.stats.chainsCollapsed);
        assertEquals(List.of(n3), Ksm.inOrder(k.stableTree()));
        assertEquals(1, k.pagesShared());
        assertEquals(3, k.pagesSharing());
    }

    /** Every dup stale: found is NULL and the chain is freed (free_stable_node_chain), the tree empty. */
    @Test
    void aChainWithNoLiveDupIsFreed() {
        Machine m = threeFullDups();
        Ksm k = m.ksm();
        KsmStableNode chain = chain(k);
        for (long a = A; a < A + 12; a++) m.rmap().access(1, a, true, 500 + a);
        Ksm.ChainResult r = k.stable_node_dup(chain, k.root_stable_tree, false);
        assertNull(r.dup());
        assertEquals(Ksm.NO_FOLIO, r.folio());
        assertTrue(chain.freed());
        assertNull(k.root_stable_tree.rb_node);
        assertEquals(0, k.stableNodeChains());
        assertEquals(0, k.stableNodeDups());
        assertEquals(0, k.pagesShared());
        assertEquals(0, k.pagesSharing());
        assertTrue(k.stableNodes().isEmpty());
        assertEquals(1, k.stats.chainsFreed);
    }

    /**
     * Through ksmd: with n1 made room in (two pages written), a new page of 7 goes to the first
     * candidate found; a full scan later the written pages write 7 back and merge into the dups
     * with room. stable_tree_search returns a dup's page; stable_tree_append counts it as sharing.
     */
    @Test
    void ksmdFillsTheDupThatHasRoom() {
        Machine m = threeFullDups();
        Ksm k = m.ksm();
        writeAndScan(m, A, A + 1);
        KsmStableNode chain = chain(k);
        KsmStableNode n1 = chain.dups().get(2);
        assertEquals(2, n1.rmapHlistLen());
        m.rmap().access(1, A, true, 7);
        k.full_scan(); // A's checksum changed again (1000 -> 7): volatile
        k.full_scan(); // now A merges: n1 is the only candidate
        assertEquals(3, n1.rmapHlistLen());
        assertEquals(n1.kpfn(), KsmTest.pfnAt(m, 1, A));
        assertEquals(3, k.pagesShared());
        assertEquals(8, k.pagesSharing());
        assertEquals(0, k.warnings().count());
    }

    /**
     * run = 2 (unmerge_and_remove_all_rmap_items then remove_all_stable_nodes) with a chain:
     * the KSM pages are unshared first, so remove_stable_node_chain finds every dup's page
     * unmapped, frees each dup and then the chain: no chain, no dup, no node left.
     */
    @Test
    void runTwoRemovesTheChainAndItsDups() {
        Machine m = threeFullDups();
        Ksm k = m.ksm();
        assertEquals(0, k.sysfs_store("run", "2"));
        assertEquals(0, k.stableNodeChains());
        assertEquals(0, k.stableNodeDups());
        assertTrue(k.stableNodes().isEmpty());
        assertNull(k.root_stable_tree.rb_node);
        for (long a = A; a < A + 12; a++) assertFalse(m.rmap().folioTestKsm(KsmTest.pfnAt(m, 1, a)));
        assertEquals(0, k.warnings().count());
    }

    /**
     * max_page_sharing written while KSM pages exist but none is shared (every rmap_item gone:
     * pages_shared 0): remove_all_stable_nodes() must remove the nodes; a node whose page is
     * still mapped (remove_stable_node(): folio_mapped) makes it -EBUSY and the knob keeps its
     * value.
     */
    @Test
    void maxPageSharingStoreRemovesUnusedNodesOrFailsBusy() {
        Machine m = threeFullDups();
        Ksm k = m.ksm();
        Rmap r = m.rmap();
        // MADV_UNMERGEABLE on the range: every page unshared (break_ksm), the stable nodes stay until ksmd sees them
        assertEquals(0, r.madvise(1, A, 12, Rmap.MADV_UNMERGEABLE));
        k.full_scan();
        assertEquals(0, k.pagesShared());
        assertEquals(0, k.sysfs_store("max_page_sharing", "5"));
        assertEquals(5, k.maxPageSharing());
        assertTrue(k.stableNodes().isEmpty());
    }

    /**
     * remove_stable_node_chain() during max_page_sharing_store(): with pages_shared 0 but a
     * fork still mapping the dups' pages, the first dup still mapped makes it -EBUSY at once; a
     * stale dup before it is removed on the way (ksm_get_folio), the rest of the chain stays.
     */
    @Test
    void aChainStillMappedByAForkIsBusy() {
        Machine m = threeFullDups();
        Ksm k = m.ksm();
        Rmap r = m.rmap();
        int child = r.fork(1, 0);
        for (long a = A; a < A + 12; a++) r.access(1, a, true, 500 + a);
        assertEquals(0, k.sysfs_store("pages_to_scan", "12"));
        k.ksm_scan_thread_batch(); // the parent's 12 pages: every item leaves its dup
        assertEquals(0, k.pagesShared());
        assertEquals(Ksm.EBUSY, k.sysfs_store("max_page_sharing", "5"));
        KsmStableNode chain = chain(k);
        assertEquals(3, chain.dups().size(), "the first dup (n3) is mapped: busy before anything was removed");
        for (long a = A + 8; a < A + 12; a++) r.access(child, a, true, 900 + a); // n3's page is gone
        assertEquals(Ksm.EBUSY, k.sysfs_store("max_page_sharing", "5"));
        assertEquals(2, chain.dups().size(), "n3 was stale and removed; n2 is busy");
        assertEquals(2, k.stableNodeDups());
        assertEquals(4, k.maxPageSharing());
        r.exit(child);
        assertEquals(0, k.sysfs_store("max_page_sharing", "5"));
        assertEquals(0, k.stableNodeChains());
        assertEquals(0, k.stableNodeDups());
        assertTrue(k.stableNodes().isEmpty());
    }

    /**
     * No reference leaks: after ksmd has merged, pruned and collapsed chains, every page mapped
     * in a process has exactly as many references as mappings (each folio_get of the scan, of
     * stable_node_dup(), of unstable_tree_search_insert() was put again).
     */
    @Test
    void ksmdLeavesNoReferenceBehind() {
        Machine m = threeFullDups();
        Ksm k = m.ksm();
        Rmap r = m.rmap();
        r.fork(1, 0);
        r.mmap(1, A + 0x20, 6);
        long[] more = {7, 100, 3, 100, 200, 3};
        for (int i = 0; i < more.length; i++) r.access(1, A + 0x20 + i, true, more[i]);
        assertEquals(0, r.madvise(1, A + 0x20, 6, Rmap.MADV_MERGEABLE));
        writeAndScan(m, A + 8, A + 9, A + 10, A + 4, A + 5);
        RmapKsm rk = new RmapKsm(m.rmap());
        for (int i = 0; i < 6; i++) {
            k.jiffies += k.pruneMillisecs();
            k.full_scan();
            for (int pid : List.of(1, 2)) {
                for (var e : r.task(pid).pageTable().entrySet()) {
                    long pte = e.getValue();
                    if (!org.mmspec.reference.rmap.Pte.normal(pte)) continue;
                    long pfn = org.mmspec.reference.rmap.Pte.pfn(pte);
                    assertEquals(rk.mapcount(pfn), rk.refcount(pfn), "pid " + pid + " page 0x" + Long.toHexString(e.getKey()));
                }
            }
        }
        assertTrue(k.stats.chainPrunes > 0);
        assertTrue(k.stats.unstableMerges > 0);
    }

    /**
     * stable_tree_search() meeting a stale node on its path: __stable_node_chain() ->
     * ksm_get_folio() finds its page gone and removes it (remove_node_from_stable_tree), the
     * search starts over from the (rebalanced) root and finds the page it wants there. Pages
     * 100, 3, 3, 5, 5: scan 2 makes the 3s' node the root and the 5s' its right child; then A
     * becomes 5 and both 3s are written, so the 3s' node is stale when A searches in scan 4.
     */
    @Test
    void aSearchMeetingAStaleNodeStartsOver() {
        Machine m = KsmTest.machine(256, false, false, 100, 3, 3, 5, 5);
        Ksm k = m.ksm();
        k.full_scan();
        k.full_scan();
        KsmStableNode threes = (KsmStableNode) k.stableTree().node();
        assertEquals(3, threes.content());
        Rmap r = m.rmap();
        r.access(1, A, true, 5);
        k.full_scan(); // A's checksum changed
        r.access(1, A + 1, true, 50);
        r.access(1, A + 2, true, 51);
        assertEquals(0, k.stats.searchRestarts);
        k.full_scan();
        assertEquals(1, k.stats.searchRestarts);
        assertEquals(1, k.stats.staleNodesRemoved);
        assertTrue(threes.freed());
        List<RbNode> tree = Ksm.inOrder(k.stableTree());
        assertEquals(1, tree.size());
        KsmStableNode fives = (KsmStableNode) tree.get(0);
        assertEquals(5, fives.content());
        assertEquals(3, fives.rmapHlistLen());
        assertEquals(fives.kpfn(), KsmTest.pfnAt(m, 1, A));
        assertEquals(1, k.pagesShared());
        assertEquals(2, k.pagesSharing());
    }
}
