package org.mmspec.reference.ksm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.mmspec.reference.Machine;
import org.mmspec.reference.page.PageFlags;
import org.mmspec.reference.rmap.Rmap;
import org.mmspec.reference.rmap.RmapKsm;

/**
 * The stable tree against mm/ksm.c v6.18: stable_tree_search()'s "every dup is full" exit,
 * stable_tree_insert() making a chain and restarting at a stale node, stable_tree_append()'s
 * KSM-fork bypass, stable_node_dup()'s choice among dups, the hlists' back links,
 * ksm_get_folio()'s keyhole and refcount tests, remove_stable_node() of an unmapped KSM page,
 * remove_stable_node_chain()'s VM_BUG_ONs. Each expectation worked out from that code.
 */
class KsmStableTreeKillTest {
    static final long A = KsmTest.A;

    /** Every back link of every hlist (dups of chains, rmap_items of nodes) matches its forward link. */
    static void assertLinksConsistent(Ksm k) {
        for (KsmStableNode n : k.nodes.values()) {
            KsmRmapItem prevItem = null;
            for (KsmRmapItem i = n.hlistFirst; i != null; i = i.hlistNext) {
                assertSame(prevItem, i.hlistPrev, "hlist pprev of " + i.name() + " on " + n.name());
                assertSame(n, i.head);
                prevItem = i;
            }
            KsmStableNode prevDup = null;
            for (KsmStableNode d = n.dupFirst; d != null; d = d.dupNext) {
                assertSame(prevDup, d.dupPrev, "dup pprev of " + d.name() + " on " + n.name());
                assertSame(n, d.chain);
                prevDup = d;
            }
        }
    }

    /**
     * max_page_sharing 2, four pages of 7 (mm/ksm.c, cmp_and_merge_page()): scan 2 merges A+1
     * into A (node n1, 2 items: full); A+2's stable_tree_search() finds n1 no sharing candidate
     * ("every dup is full", NULL) and goes into the unstable tree; A+3 likewise (2 full searches)
     * then matches A+2 there: try_to_merge_two_pages() and stable_tree_insert() meets n1's content,
     * so alloc_stable_node_chain() makes one chain with two dups.
     */
    @Test
    void fullSearchesThenAChainIsMade() {
        Machine m = KsmTest.machine(2, false, false, 7, 7, 7, 7);
        Ksm k = m.ksm();
        k.full_scan();
        assertEquals(0, k.stats.stableFull);
        assertEquals(0, k.stats.chainsCreated);
        k.full_scan();
        assertEquals(2, k.stats.stableFull);
        assertEquals(1, k.stats.chainsCreated);
        assertEquals(1, k.stableNodeChains());
        assertEquals(2, k.stableNodeDups());
        assertEquals(2, k.pagesShared());
        assertEquals(2, k.pagesSharing());
        assertEquals(2, k.stats.stableNodesCreated);
        assertLinksConsistent(k);
        // scan 3: the four items are where they belong: nothing searched, nothing full
        k.full_scan();
        assertEquals(2, k.stats.stableFull);
        assertEquals(1, k.stats.chainsCreated);
    }

    /**
     * stable_tree_append() (mm/ksm.c) with max_page_sharing_bypass: cmp_and_merge_page() of a KSM
     * page forked into a child ("If it's a KSM fork, allow it to go over the sharing limit
     * without warnings") appends the child's items to the full node; the model counts each.
     */
    @Test
    void aKsmForkGoesOverTheLimitByBypass() {
        Machine m = KsmTest.machine(2, false, false, 7, 7);
        Ksm k = m.ksm();
        k.full_scan();
        k.full_scan();
        assertEquals(0, k.stats.forkBypass);
        int child = m.rmap().fork(1, 0);
        k.full_scan();
        assertEquals(2, k.stats.forkBypass);
        KsmStableNode n = k.folio_stable_node(KsmTest.pfnAt(m, 1, A));
        assertEquals(4, n.rmapHlistLen());
        assertEquals(0, k.warnings().count(), "no WARN_ON_ONCE(rmap_hlist_len > max_page_sharing)");
        for (KsmRmapItem i : n.items()) assertEquals(i.mm().pid() == child, i.bypass());
        assertLinksConsistent(k);
    }

    /**
     * hlist_del() and hlist_add_head() keep the back links: after items leave a node's hlist
     * (written, rescanned: remove_rmap_item_from_tree()) and a pruned dup moves to its chain's
     * head (stable_node_dup(): hlist_del(&found->hlist_dup); hlist_add_head(...)), every pprev
     * still points at its predecessor, so the next hlist_del() unlinks the right way.
     */
    @Test
    void hlistBackLinksSurviveDeletesAndMovesToTheHead() {
        Machine m = KsmChainTest.threeFullDups();
        Ksm k = m.ksm();
        assertLinksConsistent(k);
        // n3: A+8..A+11 - the first of its hlist (the newest item, A+11... ) leaves, then one in the middle
        KsmChainTest.writeAndScan(m, A + 11, A + 9, A + 4, A + 5);
        assertLinksConsistent(k);
        KsmStableNode chain = KsmChainTest.chain(k);
        List<KsmStableNode> dups = chain.dups();
        assertEquals(List.of(2, 2, 4), dups.stream().map(KsmStableNode::rmapHlistLen).toList());
        // pruning due: n3 and n2 tie at 2 - "dup->rmap_hlist_len > found_rmap_hlist_len" keeps the first (n3)
        k.jiffies = chain.chainPruneTime() + k.pruneMillisecs();
        Ksm.ChainResult r = k.stable_node_dup(chain, k.root_stable_tree, true);
        assertSame(dups.get(0), r.dup(), "a tie keeps the first found");
        new RmapKsm(m.rmap()).folio_put(r.folio());
        assertEquals(dups, chain.dups());
        // n3 loses one more (1), n2 stays 2: the prune picks n2 and moves it to the head
        KsmChainTest.writeAndScan(m, A + 10);
        assertEquals(List.of(1, 2, 4), chain.dups().stream().map(KsmStableNode::rmapHlistLen).toList());
        k.jiffies = chain.chainPruneTime() + k.pruneMillisecs();
        r = k.stable_node_dup(chain, k.root_stable_tree, true);
        new RmapKsm(m.rmap()).folio_put(r.folio());
        assertSame(dups.get(1), r.dup());
        assertEquals(List.of(dups.get(1), dups.get(0), dups.get(2)), chain.dups());
        assertLinksConsistent(k);
        // and deleting the dup now second (n3) leaves a consistent two-entry hlist
        k.__stable_node_dup_del(dups.get(0));
        assertEquals(List.of(dups.get(1), dups.get(2)), chain.dups());
        assertLinksConsistent(k);
    }

    /**
     * stable_node_dup() (mm/ksm.c): a full first dup is replaced by any later sharing candidate
     * ("!is_page_sharing_candidate(found) ||"), even one with fewer rmap_items, with or without
     * pruning: dups 4 (full), 2, 1 give the 2.
     */
    @Test
    void aFullFoundDupGivesWayToAnyCandidate() {
        for (boolean prune : new boolean[] {false, true}) {
            Machine m = KsmChainTest.threeFullDups();
            Ksm k = m.ksm();
            KsmChainTest.writeAndScan(m, A + 4, A + 5, A, A + 1, A + 2);
            KsmStableNode chain = KsmChainTest.chain(k);
            List<KsmStableNode> dups = chain.dups();
            assertEquals(List.of(4, 2, 1), dups.stream().map(KsmStableNode::rmapHlistLen).toList());
            if (prune) k.jiffies = chain.chainPruneTime() + k.pruneMillisecs();
            Ksm.ChainResult r = k.stable_node_dup(chain, k.root_stable_tree, prune);
            assertSame(dups.get(1), r.dup(), "prune " + prune);
            new RmapKsm(m.rmap()).folio_put(r.folio());
        }
    }

    /**
     * ksm_get_folio() (mm/ksm.c): "if (!folio_try_get(folio)) goto stale;" - a node whose page
     * still has the keyhole mapping but a refcount of zero (being freed) is stale and removed.
     */
    @Test
    void aNodeWhosePageHasNoReferenceIsStale() {
        Machine m = KsmTest.machine(256, false, false, 7, 7, 100);
        Ksm k = m.ksm();
        RmapKsm rk = new RmapKsm(m.rmap());
        k.full_scan();
        k.full_scan();
        long kpage = KsmTest.pfnAt(m, 1, A);
        KsmStableNode n = k.folio_stable_node(kpage);
        // a free page (refcount 0) that names the node: the keyhole matches, the reference cannot be taken
        long free = -1;
        for (long p = 0; p < 1024; p++) {
            if (m.rmap().mem().covers(p) && rk.refcount(p) == 0) {
                free = p;
                break;
            }
        }
        assertTrue(free >= 0);
        rk.setMapping(free, Rmap.ksmMapping(n.id));
        n.kpfn = free;
        assertEquals(Ksm.NO_FOLIO, k.ksm_get_folio(n, Ksm.GetFolio.NOLOCK));
        assertEquals(0, rk.refcount(free));
        assertTrue(n.freed());
        assertFalse(k.stableNodeLive(n.id));
        // and a node whose page's mapping names another node: stale as well
        Machine m2 = KsmTest.machine(256, false, false, 7, 7, 100);
        Ksm k2 = m2.ksm();
        k2.full_scan();
        k2.full_scan();
        long kp2 = KsmTest.pfnAt(m2, 1, A);
        KsmStableNode n2 = k2.folio_stable_node(kp2);
        RmapKsm rk2 = new RmapKsm(m2.rmap());
        int refs = rk2.refcount(kp2);
        rk2.setMapping(kp2, Rmap.ksmMapping(n2.id + 1));
        assertEquals(Ksm.NO_FOLIO, k2.ksm_get_folio(n2, Ksm.GetFolio.NOLOCK));
        assertEquals(refs, rk2.refcount(kp2));
        assertTrue(n2.freed());
    }

    /**
     * stable_tree_insert() (mm/ksm.c): "If we walked over a stale stable_node, ksm_get_folio()
     * will call rb_erase() and it may rebalance the tree from under us. So restart the search
     * from scratch." The 3s' node (the root) is made stale; inserting a KSM page of 5 restarts,
     * removes it and links the new node as the only one.
     */
    @Test
    void insertMeetingAStaleNodeStartsOver() {
        Machine m = KsmTest.machine(256, false, false, 3, 3, 9);
        Ksm k = m.ksm();
        Rmap r = m.rmap();
        RmapKsm rk = new RmapKsm(r);
        k.full_scan();
        k.full_scan();
        KsmStableNode threes = (KsmStableNode) k.stableTree().node();
        assertEquals(3, threes.content());
        r.access(1, A, true, 50);
        r.access(1, A + 1, true, 51); // the KSM page of 3 is freed: its node is stale
        long p = KsmTest.pfnAt(m, 1, A + 2);
        rk.setFlags(p, rk.flags(p) & ~PageFlags.PG_anon_exclusive);
        long restarts = k.stats.searchRestarts;
        KsmStableNode n = k.stable_tree_insert(p);
        assertEquals(restarts + 1, k.stats.searchRestarts);
        assertTrue(threes.freed());
        assertSame(n, k.stableTree().node());
        assertEquals(9, n.content());
        assertEquals(p, n.kpfn());
        assertSame(n, k.folio_stable_node(p));
        assertEquals(1, Ksm.inOrder(k.stableTree()).size());
    }

    /**
     * remove_stable_node() (mm/ksm.c): a KSM page that is no longer mapped but still has a
     * reference (a pin here) is not stale to ksm_get_folio(), but "the node is safe to remove":
     * folio_set_stable_node(folio, NULL), remove_node_from_stable_tree(), 0; the reference taken
     * is put again. So run = 2 (unmerge_and_remove_all_rmap_items() -> remove_all_stable_nodes())
     * leaves no node.
     */
    @Test
    void anUnmappedButPinnedKsmPageLosesItsNode() {
        Machine m = KsmTest.mergedPair();
        Ksm k = m.ksm();
        RmapKsm rk = new RmapKsm(m.rmap());
        long kpage = KsmTest.pfnAt(m, 1, A);
        KsmStableNode n = k.folio_stable_node(kpage);
        assertNotNull(n);
        rk.folio_get(kpage); // a pin keeps the page once unmapped
        long removed = k.stats.staleNodesRemoved;
        assertEquals(0, k.sysfs_store("run", "2"));
        assertEquals(0, rk.mapcount(kpage));
        assertEquals(1, rk.refcount(kpage), "only the pin: remove_stable_node() put its reference");
        assertTrue(n.freed());
        assertTrue(k.nodes.isEmpty());
        assertNull(k.folio_stable_node(kpage));
        assertEquals(Rmap.ksmMapping(0), rk.mapping(kpage));
        assertEquals(removed + 1, k.stats.staleNodesRemoved);
        rk.folio_put(kpage);
    }

    /**
     * remove_stable_node() directly: -EBUSY while the page is mapped ("Page could be still
     * mapped ... Just refuse"), the node kept and the reference put; 0 once unmapped.
     */
    @Test
    void removeStableNodeIsBusyWhileMapped() {
        Machine m = KsmTest.mergedPair();
        Ksm k = m.ksm();
        RmapKsm rk = new RmapKsm(m.rmap());
        long kpage = KsmTest.pfnAt(m, 1, A);
        KsmStableNode n = k.folio_stable_node(kpage);
        int refs = rk.refcount(kpage);
        long w = k.warnings().count();
        assertEquals(Ksm.EBUSY, k.remove_stable_node(n));
        assertEquals(refs, rk.refcount(kpage));
        assertFalse(n.freed());
        assertEquals(w, k.warnings().count(), "the folio lock is free: no warning");
        assertTrue(k.remove_stable_node_chain(n, k.root_stable_tree), "busy");
    }

    /**
     * remove_stable_node_chain() (mm/ksm.c): VM_BUG_ON(!is_stable_node_dup(dup)) for each dup and
     * BUG_ON(!hlist_empty(&stable_node->hlist)) after: a chain whose dup lost its dup mark (a
     * corrupted state) trips both; the model warns.
     */
    @Test
    void removeStableNodeChainChecksItsDups() {
        Machine m = KsmChainTest.threeFullDups();
        Ksm k = m.ksm();
        RmapKsm rk = new RmapKsm(m.rmap());
        KsmStableNode chain = KsmChainTest.chain(k);
        KsmStableNode only = chain.dups().get(0);
        // leave one unmapped-but-pinned dup on the chain, not marked as a dup
        chain.dupFirst = only;
        only.dupNext = null;
        only.dupPrev = null;
        only.dup = false;
        for (long a = A + 8; a < A + 12; a++) m.rmap().access(1, a, true, 900 + a);
        long w = k.warnings().count();
        k.remove_stable_node_chain(chain, k.root_stable_tree);
        List<String> msgs = k.warnings().messages().stream().skip(w).toList();
        assertTrue(msgs.stream().anyMatch(s -> s.startsWith("remove_stable_node_chain: VM_BUG_ON(!is_stable_node_dup(dup))")), msgs.toString());
        assertTrue(msgs.stream().anyMatch(s -> s.startsWith("remove_stable_node_chain: BUG_ON(!hlist_empty")), msgs.toString());
        assertNotNull(rk);
    }

    /**
     * remove_stable_node() (mm/ksm.c) itself removes the node of an unmapped KSM page at once
     * (remove_node_from_stable_tree(): the node freed, its rmap_items off the counts), not
     * leaving it for a later ksm_get_folio() to find stale: both mappings unmapped, the page
     * kept by a pin.
     */
    @Test
    void removeStableNodeRemovesTheNodeAtOnce() {
        Machine m = KsmTest.mergedPair();
        Ksm k = m.ksm();
        RmapKsm rk = new RmapKsm(m.rmap());
        long kpage = KsmTest.pfnAt(m, 1, A);
        KsmStableNode n = k.folio_stable_node(kpage);
        rk.folio_get(kpage);
        m.rmap().munmap(1, A, 2);
        assertEquals(0, rk.mapcount(kpage));
        assertEquals(1, k.pagesShared());
        assertEquals(0, k.remove_stable_node(n));
        assertTrue(n.freed());
        assertFalse(k.stableNodeLive(n.id));
        assertNull(k.stableTree().node());
        assertEquals(0, k.pagesShared());
        assertEquals(0, k.pagesSharing());
        assertEquals(1, rk.refcount(kpage));
        rk.folio_put(kpage);
    }
}
