package org.mmspec.reference.ksm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.Consumer;

import org.junit.jupiter.api.Test;
import org.mmspec.reference.Machine;
import org.mmspec.reference.page.PageFlags;
import org.mmspec.reference.rmap.Pte;
import org.mmspec.reference.rmap.RmapKsm;

/**
 * The VM_BUG_ON / WARN_ON checks of mm/ksm.c v6.18 the model keeps as warnings: each is met by
 * exactly the corrupt input the kernel's condition names, and a sound input right at the edge
 * of it gives none. The inputs are built by hand (the scan never makes them).
 */
class KsmWarningsTest {
    static final long A = KsmTest.A;

    /** Runs op on a fresh machine with one KSM page (7, 7) and asserts how many warnings it gave, naming where. */
    static void warns(int expected, String where, Consumer<Machine> op) {
        Machine m = KsmTest.machine(256, false, false, 7, 7, 100);
        m.ksm().full_scan();
        m.ksm().full_scan();
        long before = m.ksm().warnings().count();
        op.accept(m);
        long n = m.ksm().warnings().count() - before;
        assertEquals(expected, n, where + ": " + m.ksm().warnings().messages());
        if (expected > 0) assertTrue(m.ksm().warnings().messages().stream().anyMatch(s -> s.contains(where)), where);
    }

    static KsmStableNode node(Machine m) {
        return m.ksm().stableNodes().firstEntry().getValue();
    }

    static KsmStableNode fresh(Machine m, int len) {
        KsmStableNode n = m.ksm().alloc_stable_node();
        n.rmap_hlist_len = len;
        return n;
    }

    /** free_stable_node(): VM_BUG_ON(stable_node->rmap_hlist_len && !is_stable_node_chain(stable_node)). */
    @Test
    void freeStableNode() {
        warns(1, "free_stable_node", m -> m.ksm().free_stable_node(fresh(m, 1)));
        warns(0, "free_stable_node", m -> m.ksm().free_stable_node(fresh(m, 0)));
        warns(0, "free_stable_node", m -> m.ksm().free_stable_node(fresh(m, Ksm.STABLE_NODE_CHAIN)));
    }

    /** stable_node_chain_add_dup(): VM_BUG_ON(is_stable_node_dup(dup)), VM_BUG_ON(!is_stable_node_chain(chain)). */
    @Test
    void chainAddDup() {
        warns(1, "stable_node_chain_add_dup", m -> {
            KsmStableNode d = fresh(m, 0);
            d.dup = true;
            m.ksm().stable_node_chain_add_dup(d, fresh(m, Ksm.STABLE_NODE_CHAIN));
        });
        warns(1, "stable_node_chain_add_dup", m -> m.ksm().stable_node_chain_add_dup(fresh(m, 0), fresh(m, 0)));
        warns(0, "stable_node_chain_add_dup", m -> m.ksm().stable_node_chain_add_dup(fresh(m, 0), fresh(m, Ksm.STABLE_NODE_CHAIN)));
    }

    /** __stable_node_dup_del(): VM_BUG_ON(!is_stable_node_dup(dup)); stable_node_dup_del(): VM_BUG_ON(is_stable_node_chain(dup)). */
    @Test
    void dupDel() {
        warns(1, "__stable_node_dup_del", m -> m.ksm().__stable_node_dup_del(fresh(m, 0)));
        warns(1, "stable_node_dup_del", m -> {
            KsmStableNode c = fresh(m, Ksm.STABLE_NODE_CHAIN);
            c.dup = true;
            m.ksm().stable_node_dup_del(c);
        });
    }

    /** __is_page_sharing_candidate(): VM_BUG_ON(stable_node->rmap_hlist_len < 0); 0 is sound (and no candidate). */
    @Test
    void sharingCandidate() {
        warns(1, "__is_page_sharing_candidate", m -> m.ksm().is_page_sharing_candidate(fresh(m, -1)));
        warns(0, "__is_page_sharing_candidate", m -> assertFalse(m.ksm().is_page_sharing_candidate(fresh(m, 0))));
        warns(0, "__is_page_sharing_candidate", m -> {
            Ksm k = m.ksm();
            assertTrue(k.is_page_sharing_candidate(fresh(m, 255)));
            assertFalse(k.is_page_sharing_candidate(fresh(m, 256)));
            assertTrue(k.__is_page_sharing_candidate(fresh(m, 254), 1));
            assertFalse(k.__is_page_sharing_candidate(fresh(m, 255), 1));
        });
    }

    /** alloc_stable_node_chain(): VM_BUG_ON(is_stable_node_chain(dup)). */
    @Test
    void allocChain() {
        warns(1, "alloc_stable_node_chain", m -> {
            KsmStableNode n = node(m);
            n.rmap_hlist_len = Ksm.STABLE_NODE_CHAIN;
            m.ksm().alloc_stable_node_chain(n, m.ksm().root_stable_tree);
        });
    }

    /**
     * remove_node_from_stable_tree(): BUG_ON(rmap_hlist_len < 0), and VM_BUG_ON(rmap_hlist_len <= 0)
     * for each rmap_item on a node whose count says it has none left.
     */
    @Test
    void removeNodeFromStableTree() {
        warns(0, "remove_node_from_stable_tree", m -> m.ksm().remove_node_from_stable_tree(node(m)));
        // two items on the hlist, a count of 0: both trip it, and free_stable_node() finds -2
        warns(3, "remove_node_from_stable_tree", m -> {
            KsmStableNode n = node(m);
            n.rmap_hlist_len = 0;
            m.ksm().remove_node_from_stable_tree(n);
        });
        warns(4, "remove_node_from_stable_tree", m -> {
            KsmStableNode n = node(m);
            n.rmap_hlist_len = -1; // BUG_ON, both items, and free_stable_node()
            m.ksm().remove_node_from_stable_tree(n);
        });
        warns(2, "remove_node_from_stable_tree", m -> {
            KsmStableNode n = node(m);
            n.rmap_hlist_len = 1; // the second item finds 0, free_stable_node() -1
            m.ksm().remove_node_from_stable_tree(n);
        });
    }

    /**
     * stable_tree_append(): BUG_ON(rmap_hlist_len < 0); WARN_ON_ONCE(rmap_hlist_len >
     * ksm_max_page_sharing) unless max_page_sharing_bypass (a KSM fork).
     */
    @Test
    void stableTreeAppend() {
        warns(1, "stable_tree_append", m -> {
            KsmStableNode n = node(m);
            n.rmap_hlist_len = 256;
            KsmRmapItem i = m.ksm().items().get(2);
            m.ksm().remove_rmap_item_from_tree(i);
            m.ksm().stable_tree_append(i, n, false);
        });
        warns(0, "stable_tree_append", m -> {
            KsmStableNode n = node(m);
            n.rmap_hlist_len = 255;
            KsmRmapItem i = m.ksm().items().get(2);
            m.ksm().remove_rmap_item_from_tree(i);
            m.ksm().stable_tree_append(i, n, false);
        });
        warns(0, "stable_tree_append", m -> {
            KsmStableNode n = node(m);
            n.rmap_hlist_len = 256;
            KsmRmapItem i = m.ksm().items().get(2);
            m.ksm().remove_rmap_item_from_tree(i);
            m.ksm().stable_tree_append(i, n, true);
        });
        warns(1, "stable_tree_append", m -> {
            KsmStableNode n = node(m);
            n.rmap_hlist_len = -5;
            KsmRmapItem i = m.ksm().items().get(2);
            m.ksm().remove_rmap_item_from_tree(i);
            m.ksm().stable_tree_append(i, n, false);
        });
    }

    /**
     * remove_rmap_item_from_tree(): VM_BUG_ON(stable_node->rmap_hlist_len <= 0) for a stable item;
     * BUG_ON(age > 1) for an unstable one from two scans back.
     */
    @Test
    void removeRmapItemFromTree() {
        warns(1, "remove_rmap_item_from_tree", m -> {
            KsmRmapItem i = m.ksm().items().get(0);
            i.head.rmap_hlist_len = 0;
            m.ksm().remove_rmap_item_from_tree(i);
        });
        warns(0, "remove_rmap_item_from_tree", m -> {
            KsmRmapItem i = m.ksm().items().get(0);
            i.head.rmap_hlist_len = 1;
            m.ksm().remove_rmap_item_from_tree(i);
        });
        warns(1, "remove_rmap_item_from_tree", m -> {
            KsmRmapItem i = m.ksm().items().get(2);
            assertTrue(i.unstable());
            m.ksm().seqnr += 1; // inserted in scan 2 (seqnr 1), now seqnr 3: age 2
            m.ksm().remove_rmap_item_from_tree(i);
        });
        warns(0, "remove_rmap_item_from_tree", m -> {
            KsmRmapItem i = m.ksm().items().get(2); // age 1: from the previous scan, the tree already reset
            long unshared = m.ksm().pagesUnshared();
            m.ksm().remove_rmap_item_from_tree(i);
            assertEquals(unshared - 1, m.ksm().pagesUnshared());
            assertFalse(i.unstable());
        });
    }

    /**
     * folio_set_stable_node(): VM_WARN_ON_FOLIO(folio_test_anon(folio) && PageAnonExclusive(&folio->page));
     * replace_page(): VM_BUG_ON_PAGE(PageAnonExclusive(page)) and VM_BUG_ON_FOLIO of an exclusive anon kpage.
     */
    @Test
    void anonExclusivePages() {
        warns(1, "folio_set_stable_node", m -> {
            long p = KsmTest.pfnAt(m, 1, A + 2);
            m.ksm().folio_set_stable_node(p, null);
        });
        warns(0, "folio_set_stable_node", m -> {
            long p = KsmTest.pfnAt(m, 1, A + 2);
            RmapKsm rk = new RmapKsm(m.rmap());
            rk.setFlags(p, rk.flags(p) & ~PageFlags.PG_anon_exclusive);
            m.ksm().folio_set_stable_node(p, null);
        });
        warns(2, "replace_page", m -> {
            // A+2 (exclusive, 100) replaced by itself-as-kpage: both checks trip
            long p = KsmTest.pfnAt(m, 1, A + 2);
            long pte = m.rmap().task(1).pageTable().get(A + 2);
            new RmapKsm(m.rmap()).folio_get(p);
            m.ksm().replace_page(m.rmap().task(1).findVma(A), p, p, pte);
        });
        warns(0, "replace_page", m -> {
            long p = KsmTest.pfnAt(m, 1, A + 2);
            long pte = m.rmap().task(1).pageTable().get(A + 2);
            assertEquals(Ksm.EFAULT, m.ksm().replace_page(m.rmap().task(1).findVma(A), p, KsmTest.pfnAt(m, 1, A), pte + 1),
                    "!pte_same");
        });
    }

    /** folio_migrate_ksm(): VM_BUG_ON_FOLIO(stable_node->kpfn != folio_pfn(folio)). */
    @Test
    void migrateKsmOfAWrongPfn() {
        warns(1, "folio_migrate_ksm", m -> {
            long kpage = KsmTest.pfnAt(m, 1, A);
            node(m).kpfn = kpage + 1;
            m.ksm().folio_migrate_ksm(kpage + 7, kpage);
            assertEquals(kpage + 7, node(m).kpfn());
        });
        warns(0, "folio_migrate_ksm", m -> m.ksm().folio_migrate_ksm(KsmTest.pfnAt(m, 1, A + 2) + 1, KsmTest.pfnAt(m, 1, A + 2)));
    }

    /** break_ksm() on a migration entry of a KSM page would wait (migration_entry_wait): the model warns and returns 0. */
    @Test
    void breakKsmOnAMigrationEntry() {
        warns(1, "break_ksm", m -> {
            long kpage = KsmTest.pfnAt(m, 1, A);
            assertEquals(0, m.rmap().migrate_folio_unmap(kpage));
            assertTrue(Pte.migration(m.rmap().task(1).pageTable().get(A)));
            assertEquals(0, m.ksm().break_ksm(m.rmap().task(1).findVma(A), A));
            m.rmap().migrate_folio_move(kpage, false);
        });
        warns(0, "break_ksm", m -> {
            long other = KsmTest.pfnAt(m, 1, A + 2);
            assertEquals(0, m.rmap().migrate_folio_unmap(other));
            assertEquals(0, m.ksm().break_ksm(m.rmap().task(1).findVma(A), A + 2), "not a KSM page: nothing to break");
            m.rmap().migrate_folio_move(other, false);
        });
    }

    /** remove_stable_node_chain(): VM_BUG_ON(is_stable_node_dup) of a regular node it is handed; a chain's dups must be dups. */
    @Test
    void removeStableNodeChain() {
        warns(1, "remove_stable_node_chain", m -> {
            KsmStableNode n = node(m);
            n.dup = true;
            assertTrue(m.ksm().remove_stable_node_chain(n, m.ksm().root_stable_tree), "the page is mapped: busy");
        });
        warns(0, "remove_stable_node_chain", m -> assertTrue(m.ksm().remove_stable_node_chain(node(m), m.ksm().root_stable_tree)));
    }
}
