package org.mmspec.invariants.ksm;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

import org.mmspec.invariants.Invariant;
import org.mmspec.invariants.Violation;
import org.mmspec.invariants.rmap.RmapInvariants;
import org.mmspec.invariants.rmap.RmapState;
import org.mmspec.reference.ksm.Ksm;
import org.mmspec.reference.ksm.KsmMm;
import org.mmspec.reference.ksm.KsmMmSlot;
import org.mmspec.reference.ksm.KsmRmapItem;
import org.mmspec.reference.ksm.KsmStableNode;
import org.mmspec.reference.ksm.RbNode;
import org.mmspec.reference.ksm.RbRoot;
import org.mmspec.reference.ksm.RbTree;
import org.mmspec.reference.page.PageFlags;
import org.mmspec.reference.rmap.MmStruct;
import org.mmspec.reference.rmap.Pte;
import org.mmspec.reference.rmap.Rmap;
import org.mmspec.reference.rmap.VmAreaStruct;
import org.mmspec.spec.ksm.KsmSpec;

/**
 * KSM's invariants, each citing where Linux v6.18 states or relies on it, followed by the reverse
 * map's and the allocator's, which must keep holding with KSM pages in play (adapted where KSM
 * changes what they mean: RMAP-WALK-COMPLETE, RMAP-WALK-SOUND, RMAP-PAGE-MAPPING, RMAP-REFCOUNT).
 * Violations name pfns in hex and the objects involved as {@code stable_node#3},
 * {@code rmap_item#7}, {@code mm_slot(pid 2)}, which the diagram draws in red.
 */
public final class KsmInvariants {
    private KsmInvariants() {}

    static final String SUB = "ksm";
    static final int MAX_REPORTED = 4;

    public static List<Invariant<KsmState>> all() {
        List<Invariant<KsmState>> l = new ArrayList<>(List.of(
                Invariant.of("KSM-RBTREE", SUB,
                        "The stable and unstable trees are red-black trees: parent links match child links, the root is "
                                + "black, no red node has a red child, and every path from the root has the same number of black nodes.",
                        "lib/rbtree.c:__rb_insert, ____rb_erase_color (v6.18): \"red-black trees properties\" 1-5",
                        KsmInvariants::rbtree),
                Invariant.of("KSM-STABLE-ORDER", SUB,
                        "The stable tree is ordered by content with one tree node per content: an in-order walk meets strictly "
                                + "increasing contents (a chain stands for the content of its dups).",
                        "mm/ksm.c:stable_tree_search, stable_tree_insert (v6.18): memcmp_pages() steers left and right, an equal "
                                + "content makes a chain (need_chain) rather than a second node",
                        KsmInvariants::stableOrder),
                Invariant.of("KSM-CHAIN", SUB,
                        "A chain (rmap_hlist_len == STABLE_NODE_CHAIN) is in the stable tree and holds only dups, each a KSM "
                                + "node of the chain's content that is in no tree; a dup is on exactly its chain's hlist.",
                        "mm/ksm.c:alloc_stable_node_chain, stable_node_chain_add_dup (v6.18): \"all dup stable_nodes in the "
                                + "chain->hlist point to pages that are write protected and have the exact same content\"",
                        KsmInvariants::chains),
                Invariant.of("KSM-MAX-SHARING", SUB,
                        "Every stable node's rmap_hlist_len is the length of its hlist of rmap_items and at most max_page_sharing, "
                                + "except for rmap_items a KSM fork added over the limit.",
                        "mm/ksm.c:stable_tree_append (v6.18): WARN_ON_ONCE(rmap_hlist_len > ksm_max_page_sharing) unless "
                                + "max_page_sharing_bypass (\"If it's a KSM fork, allow it to go over the sharing limit\")",
                        KsmInvariants::maxSharing),
                Invariant.of("KSM-UNSTABLE", SUB,
                        "Every node of the unstable tree is a live rmap_item of this scan (UNSTABLE_FLAG, seqnr of the current "
                                + "scan, not stable) whose page is unchanged since it was checksummed; every rmap_item marked "
                                + "unstable is at most one scan old, and in the tree if it is of this scan.",
                        "mm/ksm.c:unstable_tree_search_insert, remove_rmap_item_from_tree (v6.18): BUG_ON(age > 1); "
                                + "scan_get_next_rmap_item (v6.18): root_unstable_tree = RB_ROOT at each full scan; cmp_and_merge_page: "
                                + "only a page whose checksum is unchanged is searched and inserted",
                        KsmInvariants::unstable),
                Invariant.of("KSM-UNSTABLE-ORDER", SUB,
                        "While no page of the unstable tree has changed since it was inserted, the unstable tree is ordered by "
                                + "content, each content once (once a page changes, the tree may be \"corrupted\").",
                        "mm/ksm.c (v6.18), DOC: Overview: \"the unstable tree is liable to be corrupted as its contents are "
                                + "modified\"; unstable_tree_search_insert: memcmp_pages()",
                        KsmInvariants::unstableOrder),
                Invariant.of("KSM-STABLE-ITEMS", SUB,
                        "Every rmap_item marked STABLE_FLAG hangs off the hlist of the live stable node it names and holds a "
                                + "reference on a live anon_vma; every rmap_item on a node's hlist is marked stable and names it.",
                        "mm/ksm.c:stable_tree_append, remove_rmap_item_from_tree, try_to_merge_with_ksm_page (v6.18): "
                                + "get_anon_vma() \"while still holding mmap_lock\"",
                        KsmInvariants::stableItems),
                Invariant.of("KSM-KEYHOLE", SUB,
                        "Every KSM page's page->mapping names a live stable node (not a chain) whose kpfn is that page; a node "
                                + "whose page no longer holds its key is stale and holds no reference.",
                        "mm/ksm.c:ksm_get_folio (v6.18): \"keyhole reference\", expected_mapping = stable_node | "
                                + "FOLIO_MAPPING_KSM; folio_migrate_ksm: stable_node->kpfn = folio_pfn(newfolio)",
                        KsmInvariants::keyhole),
                Invariant.of("KSM-CONTENT", SUB,
                        "Merging never changes contents: every KSM page holds the content its stable node was made with, and "
                                + "every mapping of it reads that content.",
                        "mm/ksm.c:try_to_merge_one_page, replace_page (v6.18): pages_identical() before the PTE is replaced; "
                                + "write_protect_page() first",
                        KsmInvariants::content),
                Invariant.of("KSM-WRPROTECT", SUB,
                        "Every PTE that maps a KSM page, or the zero page KSM placed, is read-only, and no KSM page is "
                                + "PageAnonExclusive: a store to one always faults and copies.",
                        "mm/ksm.c:write_protect_page, replace_page (v6.18): VM_BUG_ON_PAGE(PageAnonExclusive(page)); "
                                + "mm/memory.c:wp_can_reuse_anon_folio (v6.18): folio_test_ksm() is never reused",
                        KsmInvariants::wrprotect),
                Invariant.of("KSM-MERGEABLE-ONLY", SUB,
                        "KSM merges only in VM_MERGEABLE VMAs with an anon_vma: every mapping the stable tree records (an "
                                + "rmap_item whose address maps its node's page) and every zero page KSM placed lies in one, "
                                + "while the other mappings of a page processes share by fork may map it once it is made a KSM "
                                + "page where it is.",
                        "mm/ksm.c:find_mergeable_vma, try_to_merge_one_page, ksm_madvise (v6.18): MADV_UNMERGEABLE "
                                + "unmerge_ksm_pages() before clearing VM_MERGEABLE",
                        KsmInvariants::mergeableOnly),
                Invariant.of("KSM-RMAP-WALK", SUB,
                        "rmap_walk_ksm() of a KSM page hands rmap_one page-aligned addresses inside the VMA, finds every mapping "
                                + "its stable node has an rmap_item for, and everything it finds that maps the page is a mapping of it.",
                        "mm/ksm.c:rmap_walk_ksm (v6.18): \"Ignore the stable/unstable/sqnr flags\", addr = rmap_item->address "
                                + "& PAGE_MASK (1105a2fc022f)",
                        KsmInvariants::rmapWalk),
                Invariant.of("KSM-SLOTS", SUB,
                        "Each mm on ksmd's list has MMF_VM_MERGEABLE and one slot, whose rmap_list is sorted by address with "
                                + "every rmap_item of that mm; the scan cursor is on the list.",
                        "mm/ksm.c:__ksm_enter, get_next_rmap_item, scan_get_next_rmap_item (v6.18)",
                        KsmInvariants::slots),
                Invariant.of("KSM-COUNTERS", SUB,
                        "The counters are what the structures hold: pages_shared the stable nodes with rmap_items, "
                                + "pages_sharing their further items, pages_unshared the unstable items, stable_node_chains and "
                                + "stable_node_dups the chains and dups, ksm_rmap_items (global and per mm) the items, "
                                + "ksm_merging_pages the stable items per mm; pages_volatile and general_profit are derived from them.",
                        "mm/ksm.c:stable_tree_append, remove_rmap_item_from_tree, pages_volatile_show, general_profit_show (v6.18)",
                        KsmInvariants::counters),
                Invariant.of("KSM-ZERO-PAGES", SUB,
                        "ksm_zero_pages counts the zero-page PTEs KSM placed (global and per mm), except those a failed fork's "
                                + "teardown unmapped without their having been added.",
                        "include/linux/ksm.h:ksm_map_zero_page, ksm_might_unmap_zero_page, ksm_fork (v6.18)",
                        KsmInvariants::zeroPages),
                Invariant.of("KSM-NO-WARN", SUB,
                        "The reference never reaches a BUG_ON, VM_BUG_ON or WARN_ON that mm/ksm.c has.",
                        "mm/ksm.c (v6.18), CONFIG_DEBUG_VM assertions",
                        (s, out) -> {
                            var w = s.ksm().warnings();
                            if (w.count() > 0) out.add(Violation.of("KSM-NO-WARN", w.count() + " KSM warning(s), first: "
                                    + (w.messages().isEmpty() ? "?" : w.messages().get(0))));
                        }),
                Invariant.of(KsmOps.REJECT_UNCHANGED, SUB,
                        "A rejected KSM operation (a malformed sysfs value, an unknown pid or advice, a page that is not "
                                + "there) leaves the state exactly as it was.",
                        "mm/ksm.c:*_store (v6.18): kstrtouint()/kstrtobool() fail with -EINVAL before anything changes",
                        (s, out) -> pending(s, out, KsmOps.REJECT_UNCHANGED)),
                Invariant.of(KsmOps.REFINEMENT, SUB,
                        "Every outcome is one KSM's spec allows, and the reference's sharing satisfies its laws: only mergeable "
                                + "mappings are merged, within max_page_sharing, with counters that follow; after two quiet "
                                + "full scans, equal contents are merged.",
                        "spec/README.md, KSM: the laws and the steady state",
                        KsmInvariants::refinement)));
        for (Invariant<RmapState> inv : RmapInvariants.all()) l.add(contramap(inv, s -> s.rs));
        return l;
    }

    /** The same invariant, checked on the part of a state {@code f} picks out. */
    static <A, B> Invariant<B> contramap(Invariant<A> inv, Function<B, A> f) {
        return Invariant.of(inv.id(), inv.subsystem(), inv.statement(), inv.citation(), (b, out) -> inv.check(f.apply(b), out));
    }

    static void pending(KsmState s, List<Violation> out, String id) {
        for (Violation v : s.pending) if (v.invariantId().equals(id)) out.add(v);
    }

    static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }

    static boolean full(List<Violation> out) {
        return out.size() >= MAX_REPORTED;
    }

    static String nameOf(RbNode n) {
        return n instanceof KsmStableNode s ? s.name() : ((KsmRmapItem) n).name();
    }

    /** The content a stable tree node stands for: its own, or (a chain) its dups'. */
    static long contentOf(KsmStableNode n) {
        return n.content();
    }

    /** The KSM pages: pages of the processes whose mapping has both flag bits. */
    static List<Long> ksmPages(Rmap r) {
        List<Long> l = new ArrayList<>();
        for (long pfn : r.contents().keySet()) if (r.folioTestKsm(pfn)) l.add(pfn);
        return l;
    }

    /** Every (mm, page, pte) mapping pfn with a present PTE or a migration entry. */
    static List<Object[]> mappingsOf(Rmap r, long pfn) {
        List<Object[]> l = new ArrayList<>();
        for (MmStruct mm : r.tasks().values()) {
            for (Map.Entry<Long, Long> e : mm.pageTable().entrySet()) {
                if (Pte.names(e.getValue(), pfn)) l.add(new Object[] {mm, e.getKey(), e.getValue()});
            }
        }
        return l;
    }

    // ------------------------------------------------------------------ trees

    static void rbtree(KsmState s, List<Violation> out) {
        Ksm k = s.ksm();
        checkRb("stable tree", k.stableTree(), out);
        if (!full(out)) checkRb("unstable tree", k.unstableTree(), out);
    }

    private static void checkRb(String which, RbRoot root, List<Violation> out) {
        RbNode r = root.node();
        if (r == null) return;
        if (r.rbParent() != null) out.add(violation("KSM-RBTREE", "the root of the " + which + " " + nameOf(r) + " has a parent", r));
        if (!r.rbBlack()) out.add(violation("KSM-RBTREE", "the root of the " + which + " " + nameOf(r) + " is red", r));
        Set<RbNode> seen = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        blackHeight(which, r, seen, out);
    }

    private static int blackHeight(String which, RbNode n, Set<RbNode> seen, List<Violation> out) {
        if (n == null) return 1;
        if (!seen.add(n)) {
            out.add(violation("KSM-RBTREE", "the " + which + " reaches " + nameOf(n) + " twice (a cycle)", n));
            return 0;
        }
        for (RbNode c : new RbNode[] {n.rbLeft(), n.rbRight()}) {
            if (c == null) continue;
            if (c.rbParent() != n) out.add(violation("KSM-RBTREE", "in the " + which + ", " + nameOf(c) + " is a child of " + nameOf(n)
                    + " but its parent link names " + (c.rbParent() == null ? "none" : nameOf(c.rbParent())), c, n));
            if (!n.rbBlack() && !c.rbBlack()) out.add(violation("KSM-RBTREE", "in the " + which + ", red " + nameOf(n)
                    + " has a red child " + nameOf(c), n, c));
        }
        if (full(out)) return 0;
        int l = blackHeight(which, n.rbLeft(), seen, out);
        int r = blackHeight(which, n.rbRight(), seen, out);
        if (l != r && !full(out)) out.add(violation("KSM-RBTREE", "in the " + which + ", the paths under " + nameOf(n) + " have " + l
                + " and " + r + " black nodes", n));
        return Math.max(l, r) + (n.rbBlack() ? 1 : 0);
    }

    static Violation violation(String id, String message, RbNode... nodes) {
        List<String> names = new ArrayList<>();
        List<Long> pfns = new ArrayList<>();
        for (RbNode n : nodes) {
            if (n == null) continue;
            names.add(nameOf(n));
            if (n instanceof KsmStableNode sn && !sn.isChain()) pfns.add(sn.kpfn());
        }
        return new Violation(id, message, pfns, names);
    }

    static void stableOrder(KsmState s, List<Violation> out) {
        KsmStableNode prev = null;
        for (RbNode n : Ksm.inOrder(s.ksm().stableTree())) {
            KsmStableNode sn = (KsmStableNode) n;
            if (sn.isDup()) out.add(violation("KSM-STABLE-ORDER", sn.name() + " is a dup of " + (sn.chain() == null ? "no chain"
                    : sn.chain().name()) + " but is in the stable tree itself", sn));
            if (prev != null && contentOf(prev) >= contentOf(sn)) {
                out.add(violation("KSM-STABLE-ORDER", "the stable tree has " + prev.name() + " (content " + contentOf(prev)
                        + ") before " + sn.name() + " (content " + contentOf(sn) + ")"
                        + (contentOf(prev) == contentOf(sn) ? ": two tree nodes for one content" : ": out of order"), prev, sn));
                if (full(out)) return;
            }
            prev = sn;
        }
    }

    static void chains(KsmState s, List<Violation> out) {
        Ksm k = s.ksm();
        Set<KsmStableNode> inTree = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        for (RbNode n : Ksm.inOrder(k.stableTree())) inTree.add((KsmStableNode) n);
        for (KsmStableNode n : k.stableNodes().values()) {
            if (n.isChain()) {
                if (!inTree.contains(n)) out.add(violation("KSM-CHAIN", "chain " + n.name() + " is not in the stable tree", n));
                if (n.hlistFirst() != null) out.add(violation("KSM-CHAIN", "chain " + n.name() + " has rmap_items on its hlist", n));
                for (KsmStableNode d : n.dups()) {
                    String why = null;
                    if (!d.isDup()) why = "is on its hlist but not marked a dup";
                    else if (d.chain() != n) why = "is on its hlist but names " + (d.chain() == null ? "no chain" : d.chain().name());
                    else if (d.isChain()) why = "is a chain itself";
                    else if (inTree.contains(d)) why = "is in the stable tree as well";
                    else if (d.content() != n.content()) why = "has content " + d.content() + ", the chain " + n.content();
                    else if (d.freed()) why = "has been freed";
                    if (why != null) {
                        out.add(violation("KSM-CHAIN", "dup " + d.name() + " of chain " + n.name() + " " + why, n, d));
                        if (full(out)) return;
                    }
                }
            } else if (n.isDup()) {
                if (n.chain() == null || !n.chain().dups().contains(n)) {
                    out.add(violation("KSM-CHAIN", "dup " + n.name() + " is on no chain's hlist" + (n.chain() == null ? ""
                            : " (it names " + n.chain().name() + ")"), n));
                }
            } else if (!inTree.contains(n)) {
                out.add(violation("KSM-CHAIN", n.name() + " is neither in the stable tree nor a dup of a chain", n));
            }
            if (full(out)) return;
        }
    }

    static void maxSharing(KsmState s, List<Violation> out) {
        Ksm k = s.ksm();
        for (KsmStableNode n : k.stableNodes().values()) {
            if (n.isChain()) continue;
            List<KsmRmapItem> items = n.items();
            int bypass = 0;
            for (KsmRmapItem i : items) if (i.bypass()) bypass++;
            if (n.rmapHlistLen() != items.size()) {
                out.add(violation("KSM-MAX-SHARING", n.name() + " has rmap_hlist_len " + n.rmapHlistLen() + " but " + items.size()
                        + " rmap_item(s) on its hlist", n));
            } else if (items.size() - bypass > k.maxPageSharing()) {
                out.add(violation("KSM-MAX-SHARING", n.name() + " is shared by " + items.size() + " rmap_items (" + bypass
                        + " added over the limit by KSM fork), more than max_page_sharing " + k.maxPageSharing(), n));
            }
            if (full(out)) return;
        }
    }

    // ------------------------------------------------------------------ the unstable tree

    static void unstable(KsmState s, List<Violation> out) {
        Ksm k = s.ksm();
        Set<KsmRmapItem> listed = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        listed.addAll(k.items());
        Set<RbNode> inTree = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        long seqnr = k.seqnr() & Ksm.SEQNR_MASK;
        for (RbNode n : Ksm.inOrder(k.unstableTree())) {
            inTree.add(n);
            if (!(n instanceof KsmRmapItem i)) {
                out.add(new Violation("KSM-UNSTABLE", "the unstable tree holds a stable node", List.of(), List.of(nameOf(n))));
                return;
            }
            String why = null;
            if (i.freed() || !listed.contains(i)) why = "has been freed (it is on no mm's rmap_list)";
            else if (!i.unstable()) why = "is not marked UNSTABLE_FLAG";
            else if (i.stable()) why = "is marked STABLE_FLAG too";
            else if (i.seqnr() != seqnr) why = "was inserted by scan " + i.seqnr() + ", not this one (" + seqnr + ")";
            if (why != null) {
                out.add(itemViolation("KSM-UNSTABLE", i.name() + " in the unstable tree " + why, s, i));
                if (full(out)) return;
            }
        }
        for (KsmRmapItem i : k.items()) {
            if (!i.unstable()) continue;
            long age = (k.seqnr() - i.address()) & 0xff;
            String why = null;
            if (age > 1) why = "is " + age + " scans old (BUG_ON(age > 1))";
            else if (age == 0 && !inTree.contains(i)) why = "was inserted by this scan but is not in the unstable tree";
            else if (age == 1 && inTree.contains(i)) why = "is a scan old but still in the unstable tree";
            if (why != null) {
                out.add(itemViolation("KSM-UNSTABLE", i.name() + " (UNSTABLE_FLAG) " + why, s, i));
                if (full(out)) return;
            }
        }
    }

    /** The page an item's address maps now (present, normal), or -1. */
    static long pageOf(KsmState s, KsmRmapItem i) {
        MmStruct mm = i.mm().mmStruct();
        if (s.rmap().task(mm.pid) != mm) return -1;
        Long pte = mm.pageTable().get(i.page());
        return pte != null && Pte.normal(pte) ? Pte.pfn(pte) : -1;
    }

    static Violation itemViolation(String id, String message, KsmState s, KsmRmapItem... items) {
        List<String> names = new ArrayList<>();
        List<Long> pfns = new ArrayList<>();
        for (KsmRmapItem i : items) {
            names.add(i.name());
            long p = pageOf(s, i);
            if (p >= 0) pfns.add(p);
        }
        return new Violation(id, message, pfns, names);
    }

    static void unstableOrder(KsmState s, List<Violation> out) {
        Ksm k = s.ksm();
        List<RbNode> nodes = Ksm.inOrder(k.unstableTree());
        List<long[]> contents = new ArrayList<>();
        for (RbNode n : nodes) {
            if (!(n instanceof KsmRmapItem i)) return;
            long p = pageOf(s, i);
            if (p < 0) return; // a page that cannot be looked at: the tree may be corrupt, nothing to say
            long c = s.rmap().contents().getOrDefault(p, 0L);
            // written since inserted (even back to the same content, which a checksum cannot see):
            // the tree may be corrupt from here on
            if (k.writtenSinceInserted(i)) return;
            contents.add(new long[] {c, nodes.indexOf(n)});
        }
        for (int j = 1; j < contents.size(); j++) {
            if (contents.get(j - 1)[0] >= contents.get(j)[0]) {
                KsmRmapItem a = (KsmRmapItem) nodes.get((int) contents.get(j - 1)[1]);
                KsmRmapItem b = (KsmRmapItem) nodes.get((int) contents.get(j)[1]);
                out.add(itemViolation("KSM-UNSTABLE-ORDER", "the unstable tree has " + a.name() + " (content " + contents.get(j - 1)[0]
                        + ") before " + b.name() + " (content " + contents.get(j)[0] + ") although no page in it changed", s, a, b));
                return;
            }
        }
    }

    // ------------------------------------------------------------------ the stable tree's items and pages

    static void stableItems(KsmState s, List<Violation> out) {
        Ksm k = s.ksm();
        Map<KsmRmapItem, KsmStableNode> onHlist = new IdentityHashMap<>();
        for (KsmStableNode n : k.stableNodes().values()) {
            if (n.isChain()) continue;
            Set<KsmRmapItem> seen = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
            for (KsmRmapItem i : n.items()) {
                String why = null;
                if (!seen.add(i)) why = "is on its hlist twice";
                else if (!i.stable()) why = "is on its hlist but not marked STABLE_FLAG";
                else if (i.head() != n) why = "is on its hlist but names " + (i.head() == null ? "no node" : i.head().name());
                else if (i.freed()) why = "is on its hlist but has been freed";
                if (why != null) {
                    out.add(new Violation("KSM-STABLE-ITEMS", i.name() + " of " + n.name() + " " + why, List.of(n.kpfn()),
                            List.of(n.name(), i.name())));
                    if (full(out)) return;
                }
                onHlist.put(i, n);
            }
        }
        for (KsmRmapItem i : k.items()) {
            if (!i.stable()) continue;
            String why = null;
            KsmStableNode h = i.head();
            if (h == null) why = "is marked STABLE_FLAG but names no stable node";
            else if (h.freed() || !k.stableNodes().containsKey(h.id)) why = "names " + h.name() + ", which has been freed";
            else if (onHlist.get(i) != h) why = "names " + h.name() + " but is not on its hlist";
            else if (i.anonVma() == null) why = "holds no anon_vma";
            else if (!isLive(s.rmap(), i.anonVma())) why = "holds " + i.anonVma().name() + ", which has been freed";
            if (why != null) {
                List<String> nodes = new ArrayList<>(List.of(i.name()));
                if (h != null) nodes.add(h.name());
                if (i.anonVma() != null) nodes.add(i.anonVma().name());
                out.add(new Violation("KSM-STABLE-ITEMS", i.name() + " (pid " + i.mm().pid() + " page " + hex(i.page()) + ") " + why,
                        h == null ? List.of() : List.of(h.kpfn()), nodes));
                if (full(out)) return;
            }
        }
    }

    static boolean isLive(Rmap r, org.mmspec.reference.rmap.AnonVma a) {
        return !a.freed() && r.anonVmas().get(a.id) == a;
    }

    static void keyhole(KsmState s, List<Violation> out) {
        Rmap r = s.rmap();
        Ksm k = s.ksm();
        for (long pfn : ksmPages(r)) {
            int id = r.stableNodeId(pfn);
            KsmStableNode n = k.stableNodes().get(id);
            String why = null;
            if (id == 0) why = "names no stable node (folio_set_stable_node(folio, NULL) left between steps)";
            else if (n == null) why = "names stable_node#" + id + ", which does not exist";
            else if (n.isChain()) why = "names chain " + n.name();
            else if (n.kpfn() != pfn) why = "names " + n.name() + ", whose kpfn is " + hex(n.kpfn());
            if (why != null) {
                out.add(new Violation("KSM-KEYHOLE", "KSM page pfn " + hex(pfn) + " " + why, List.of(pfn),
                        n == null ? List.of() : List.of(n.name())));
                if (full(out)) return;
            }
        }
        for (KsmStableNode n : k.stableNodes().values()) {
            if (n.isChain()) continue;
            long kpfn = n.kpfn();
            boolean key = r.mem().covers(kpfn) && r.folioTestKsm(kpfn) && r.stableNodeId(kpfn) == n.id;
            if (!key) continue;
            if (!r.contents().containsKey(kpfn)) {
                out.add(new Violation("KSM-KEYHOLE", n.name() + "'s page pfn " + hex(kpfn) + " still has its key but is no process's page "
                        + "(freed pages lose page->mapping)", List.of(kpfn), List.of(n.name())));
                if (full(out)) return;
            }
        }
    }

    static void content(KsmState s, List<Violation> out) {
        Rmap r = s.rmap();
        Ksm k = s.ksm();
        for (long pfn : ksmPages(r)) {
            KsmStableNode n = k.stableNodes().get(r.stableNodeId(pfn));
            if (n == null) continue;
            long c = r.contents().get(pfn);
            if (c != n.content()) {
                out.add(new Violation("KSM-CONTENT", "KSM page pfn " + hex(pfn) + " of " + n.name() + " holds " + c + " but was merged "
                        + "holding " + n.content(), List.of(pfn), List.of(n.name())));
                if (full(out)) return;
            }
        }
    }

    static void wrprotect(KsmState s, List<Violation> out) {
        Rmap r = s.rmap();
        for (MmStruct mm : r.tasks().values()) {
            for (Map.Entry<Long, Long> e : mm.pageTable().entrySet()) {
                long pte = e.getValue();
                boolean ksmZero = Pte.isKsmZeroPte(pte);
                boolean ksm = Pte.normal(pte) && r.folioTestKsm(Pte.pfn(pte));
                if ((ksm || ksmZero) && Pte.write(pte)) {
                    out.add(new Violation("KSM-WRPROTECT", "pid " + mm.pid + " maps " + (ksm ? "KSM page pfn " + hex(Pte.pfn(pte))
                            : "the zero page KSM placed") + " writable at page " + hex(e.getKey()), ksm ? List.of(Pte.pfn(pte)) : List.of(),
                            List.of(mm.name())));
                    if (full(out)) return;
                }
            }
        }
        for (long pfn : ksmPages(r)) {
            if ((r.mem().flags[r.mem().idx(pfn)] & PageFlags.PG_anon_exclusive) != 0) {
                out.add(Violation.of("KSM-WRPROTECT", "KSM page pfn " + hex(pfn) + " is PageAnonExclusive", pfn));
                if (full(out)) return;
            }
        }
    }

    static void mergeableOnly(KsmState s, List<Violation> out) {
        Rmap r = s.rmap();
        for (MmStruct mm : r.tasks().values()) {
            for (Map.Entry<Long, Long> e : mm.pageTable().entrySet()) {
                long pte = e.getValue();
                boolean ksm = (Pte.normal(pte) || Pte.migration(pte)) && r.folioTestKsm(Pte.pfn(pte));
                if (!ksm && !Pte.isKsmZeroPte(pte)) continue;
                // a KSM page counts only where KSM merged it (its node has an rmap_item for the mapping)
                if (ksm && !r.ksmHooks().rmapItemFor(Pte.pfn(pte), mm, e.getKey())) continue;
                VmAreaStruct v = mm.findVma(e.getKey());
                String why = v == null ? "which no VMA covers" : (v.flags() & VmAreaStruct.VM_MERGEABLE) == 0
                        ? "in " + v.name() + ", which is not VM_MERGEABLE" : v.anonVma() == null ? "in " + v.name() + ", which has no anon_vma" : null;
                if (why != null) {
                    List<String> nodes = new ArrayList<>(List.of(mm.name()));
                    if (v != null) nodes.add(v.name());
                    out.add(new Violation("KSM-MERGEABLE-ONLY", "pid " + mm.pid + " maps " + (ksm ? "KSM page pfn " + hex(Pte.pfn(pte))
                            : "the zero page KSM placed") + " at page " + hex(e.getKey()) + ", " + why, ksm ? List.of(Pte.pfn(pte))
                            : List.of(), nodes));
                    if (full(out)) return;
                }
            }
        }
    }

    static void rmapWalk(KsmState s, List<Violation> out) {
        Rmap r = s.rmap();
        Ksm k = s.ksm();
        for (long pfn : ksmPages(r)) {
            KsmStableNode n = k.stableNodes().get(r.stableNodeId(pfn));
            List<String> nodes = n == null ? List.of() : List.of(n.name());
            Set<String> found = new HashSet<>();
            for (Map.Entry<VmAreaStruct, Long> c : k.rmapWalkKsmAddresses(pfn)) {
                VmAreaStruct v = c.getKey();
                long addr = c.getValue();
                if ((addr & ~Ksm.PAGE_MASK) != 0) {
                    out.add(new Violation("KSM-RMAP-WALK", "rmap_walk_ksm() of pfn " + hex(pfn) + " hands rmap_one address " + hex(addr)
                            + " in " + v.name() + ": not page aligned (low bits " + hex(addr & ~Ksm.PAGE_MASK) + ", the rmap_item's "
                            + "flags)", List.of(pfn), withName(nodes, v.name())));
                    if (full(out)) return;
                }
                long page = addr >>> Ksm.PAGE_SHIFT; // the PTE lookup ignores the low bits: the mapping is still reached
                if (!v.contains(page)) {
                    out.add(new Violation("KSM-RMAP-WALK", "rmap_walk_ksm() of pfn " + hex(pfn) + " hands rmap_one page " + hex(page)
                            + ", outside " + v.name(), List.of(pfn), withName(nodes, v.name())));
                    if (full(out)) return;
                    continue;
                }
                Long pte = v.mm().pageTable().get(page);
                if (pte != null && Pte.names(pte, pfn)) found.add(v.mm().pid + "@" + page);
            }
            for (Object[] m : mappingsOf(r, pfn)) {
                MmStruct mm = (MmStruct) m[0];
                long page = (Long) m[1];
                if (found.contains(mm.pid + "@" + page)) continue;
                if (!r.ksmHooks().rmapItemFor(pfn, mm, page)) continue; // fork-inherited, ksmd has not reached it
                out.add(new Violation("KSM-RMAP-WALK", "rmap_walk_ksm() of pfn " + hex(pfn) + " does not find pid " + mm.pid + " page "
                        + hex(page) + ", which has an rmap_item on " + (n == null ? "its node" : n.name()), List.of(pfn),
                        withName(nodes, mm.name())));
                if (full(out)) return;
            }
        }
    }

    static List<String> withName(List<String> l, String name) {
        List<String> x = new ArrayList<>(l);
        x.add(name);
        return x;
    }

    // ------------------------------------------------------------------ slots and counters

    static void slots(KsmState s, List<Violation> out) {
        Ksm k = s.ksm();
        Set<KsmMm> seen = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        List<KsmMmSlot> slots = k.slots();
        for (KsmMmSlot slot : slots) {
            KsmMm mm = slot.mm();
            String why = null;
            if (!seen.add(mm)) why = "is on the list twice";
            else if (!mm.mmfVmMergeable()) why = "has no MMF_VM_MERGEABLE";
            else if (mm.slot() != slot) why = "is not the slot its mm names";
            if (why == null) {
                long prev = -1;
                for (KsmRmapItem i : slot.items()) {
                    if (i.mm() != mm) why = "holds " + i.name() + " of " + i.mm();
                    else if (i.page() <= prev) why = "has " + i.name() + " at page " + hex(i.page()) + " after page " + hex(prev);
                    else if (i.freed()) why = "holds the freed " + i.name();
                    if (why != null) break;
                    prev = i.page();
                }
            }
            if (why != null) {
                out.add(new Violation("KSM-SLOTS", slot.name() + " " + why, List.of(), List.of(slot.name())));
                if (full(out)) return;
            }
        }
        for (int pid : s.rmap().tasks().keySet()) {
            KsmMm mm = k.mm(pid);
            if (mm != null && mm.mmfVmMergeable() && (mm.slot() == null || !slots.contains(mm.slot()))) {
                out.add(new Violation("KSM-SLOTS", "mm#" + pid + " has MMF_VM_MERGEABLE but no slot on ksmd's list", List.of(),
                        List.of("mm#" + pid)));
            }
        }
        KsmMmSlot cur = k.scanSlot();
        if (cur != null && !slots.contains(cur)) {
            out.add(new Violation("KSM-SLOTS", "the scan cursor is at " + cur.name() + ", which is not on the list", List.of(),
                    List.of(cur.name())));
        }
    }

    static void counters(KsmState s, List<Violation> out) {
        Ksm k = s.ksm();
        long shared = 0;
        long sharing = 0;
        long chains = 0;
        long dups = 0;
        for (KsmStableNode n : k.stableNodes().values()) {
            if (n.isChain()) {
                chains++;
                continue;
            }
            if (n.isDup()) dups++;
            int items = n.items().size();
            if (items > 0) {
                shared++;
                sharing += items - 1;
            }
        }
        long unshared = 0;
        long items = 0;
        Map<KsmMm, long[]> perMm = new IdentityHashMap<>();
        for (KsmRmapItem i : k.items()) {
            items++;
            if (i.unstable()) unshared++;
            long[] c = perMm.computeIfAbsent(i.mm(), x -> new long[2]);
            c[0]++;
            if (i.stable()) c[1]++;
        }
        check(out, "pages_shared", k.pagesShared(), shared, "stable nodes with rmap_items");
        check(out, "pages_sharing", k.pagesSharing(), sharing, "further rmap_items on them");
        check(out, "pages_unshared", k.pagesUnshared(), unshared, "rmap_items marked UNSTABLE_FLAG");
        check(out, "ksm_rmap_items", k.rmapItems(), items, "rmap_items on the slots' lists");
        check(out, "stable_node_chains", k.stableNodeChains(), chains, "chains");
        check(out, "stable_node_dups", k.stableNodeDups(), dups, "dups");
        long raw = k.rmapItems() - k.pagesShared() - k.pagesSharing() - k.pagesUnshared();
        if (raw < 0) check(out, "pages_volatile (before it is clamped)", raw, 0, "or more: nothing races in the model");
        check(out, "pages_volatile", k.pagesVolatile(), Math.max(0, raw), "ksm_rmap_items - pages_shared - pages_sharing - pages_unshared");
        check(out, "general_profit", k.generalProfit(), (k.pagesSharing() + k.zeroPages()) * Ksm.PAGE_SIZE
                - k.rmapItems() * Ksm.SIZEOF_KSM_RMAP_ITEM, "(pages_sharing + ksm_zero_pages) * PAGE_SIZE - ksm_rmap_items * 64");
        check(out, "full_scans", Long.parseLong(k.sysfs_show("full_scans")), k.seqnr(), "ksm_scan.seqnr");
        for (KsmMmSlot slot : k.slots()) {
            KsmMm mm = slot.mm();
            long[] c = perMm.getOrDefault(mm, new long[2]);
            if (mm.ksmRmapItems() != c[0] || mm.ksmMergingPages() != c[1]) {
                out.add(new Violation("KSM-COUNTERS", mm + " has ksm_rmap_items " + mm.ksmRmapItems() + " and ksm_merging_pages "
                        + mm.ksmMergingPages() + " but " + c[0] + " rmap_items, " + c[1] + " of them stable", List.of(),
                        List.of(slot.name())));
            }
        }
    }

    private static void check(List<Violation> out, String name, long got, long want, String what) {
        if (got != want) {
            out.add(new Violation("KSM-COUNTERS", name + " is " + got + " but there are " + want + " " + what, List.of(), List.of(name)));
        }
    }

    static void zeroPages(KsmState s, List<Violation> out) {
        Rmap r = s.rmap();
        Ksm k = s.ksm();
        long total = 0;
        for (MmStruct mm : r.tasks().values()) {
            long n = 0;
            for (long pte : mm.pageTable().values()) if (Pte.isKsmZeroPte(pte)) n++;
            total += n;
            KsmMm km = k.mm(mm.pid);
            long counted = km == null ? 0 : km.ksmZeroPages();
            if (counted != n) {
                out.add(new Violation("KSM-ZERO-PAGES", mm.name() + " has ksm_zero_pages " + counted + " but maps " + n
                        + " zero page(s) KSM placed", List.of(), List.of(mm.name(), "ksm_zero_pages")));
            }
        }
        if (k.zeroPages() != total - k.zeroPagesLostByFailedFork()) {
            out.add(new Violation("KSM-ZERO-PAGES", "ksm_zero_pages is " + k.zeroPages() + " but " + total + " zero-page PTEs KSM placed "
                    + "are mapped" + (k.zeroPagesLostByFailedFork() > 0 ? " (" + k.zeroPagesLostByFailedFork() + " of them subtracted "
                    + "by failed forks)" : ""), List.of(), List.of("ksm_zero_pages")));
        }
    }

    // ------------------------------------------------------------------ refinement

    static void refinement(KsmState s, List<Violation> out) {
        pending(s, out, KsmOps.REFINEMENT);
        if (!out.isEmpty()) return;
        KsmSpec.Observation o = KsmAbstraction.observe(s);
        for (String v : s.spec.check(o)) {
            out.add(new Violation(KsmOps.REFINEMENT, v, pfnsIn(v), List.of()));
            if (full(out)) return;
        }
    }

    /** The frames a law's message names ({@code frame 0x1f}). */
    static List<Long> pfnsIn(String message) {
        List<Long> l = new ArrayList<>();
        var m = java.util.regex.Pattern.compile("frames? \\[?0x([0-9a-f]+)").matcher(message);
        while (m.find()) l.add(Long.parseLong(m.group(1), 16));
        return l;
    }

    /** The counters by name (for diagrams): the sysfs values. */
    static Map<String, Long> counters(Ksm k) {
        return new TreeMap<>(k.counters());
    }
}
