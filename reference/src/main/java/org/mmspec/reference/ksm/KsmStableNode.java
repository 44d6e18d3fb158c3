package org.mmspec.reference.ksm;

/**
 * {@code struct ksm_stable_node} (mm/ksm.c, v6.18): a node of the stable tree, in one of three
 * roles. A regular node (in the tree) or a dup (on a chain's hlist, {@code head ==
 * STABLE_NODE_DUP_HEAD}) stands for one KSM page: its kpfn and the hlist of rmap_items mapping
 * it ({@code rmap_hlist_len} of them). A chain ({@code rmap_hlist_len == STABLE_NODE_CHAIN}) is
 * in the tree in place of the dups of one content, which hang off its hlist; it keeps the time
 * of its last prune instead of a kpfn. The stable node holds no reference on its page: its
 * page->mapping pointing back at it is the "keyhole" that proves it current.
 */
public final class KsmStableNode extends RbNode {
    /** A model id; page->mapping of its KSM page names it ({@code Rmap.ksmMapping(id)}). */
    public final int id;
    /** stable_node->head == STABLE_NODE_DUP_HEAD: a dup on a chain's hlist. */
    boolean dup;
    /** For a dup: the chain whose hlist it is on, and its links there (hlist_dup). */
    KsmStableNode chain;
    KsmStableNode dupNext;
    KsmStableNode dupPrev;
    /** stable_node->hlist for a regular node or a dup: the first rmap_item. */
    KsmRmapItem hlistFirst;
    /** stable_node->hlist for a chain: the first dup. */
    KsmStableNode dupFirst;
    /** stable_node->kpfn (not a chain). */
    long kpfn;
    /** stable_node->chain_prune_time, in the model's milliseconds (a chain). */
    long chain_prune_time;
    /** stable_node->rmap_hlist_len, or {@link Ksm#STABLE_NODE_CHAIN}. */
    int rmap_hlist_len;
    /** Model ghost: the content of its page when it became a KSM page. */
    long content;
    /** Model ghost: free_stable_node() was called. */
    boolean freed;

    KsmStableNode(int id) {
        this.id = id;
    }

    /** is_stable_node_chain(). */
    public boolean isChain() {
        return rmap_hlist_len == Ksm.STABLE_NODE_CHAIN;
    }

    /** is_stable_node_dup(). */
    public boolean isDup() {
        return dup;
    }

    public KsmStableNode chain() {
        return chain;
    }

    public long kpfn() {
        return kpfn;
    }

    public long chainPruneTime() {
        return chain_prune_time;
    }

    public int rmapHlistLen() {
        return rmap_hlist_len;
    }

    /** The content its page had when it became a KSM page (a chain: its dups'). */
    public long content() {
        return content;
    }

    public boolean freed() {
        return freed;
    }

    /** The first rmap_item of its hlist (a regular node or a dup). */
    public KsmRmapItem hlistFirst() {
        return hlistFirst;
    }

    /** The first dup of a chain. */
    public KsmStableNode dupFirst() {
        return dupFirst;
    }

    /** The next dup of the same chain. */
    public KsmStableNode dupNext() {
        return dupNext;
    }

    /** The rmap_items of its hlist, in hlist order. */
    public java.util.List<KsmRmapItem> items() {
        java.util.List<KsmRmapItem> l = new java.util.ArrayList<>();
        for (KsmRmapItem i = hlistFirst; i != null; i = i.hlistNext) l.add(i);
        return l;
    }

    /** A chain's dups, in hlist order. */
    public java.util.List<KsmStableNode> dups() {
        java.util.List<KsmStableNode> l = new java.util.ArrayList<>();
        for (KsmStableNode d = dupFirst; d != null; d = d.dupNext) l.add(d);
        return l;
    }

    /** {@code stable_node#3}: how violations and diagrams name it. */
    public String name() {
        return "stable_node#" + id;
    }

    @Override
    public String toString() {
        return name() + (isChain() ? " (chain)" : (dup ? " (dup, kpfn 0x" : " (kpfn 0x") + Long.toHexString(kpfn) + ", "
                + rmap_hlist_len + " rmap_items)");
    }
}
