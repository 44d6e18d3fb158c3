package org.mmspec.reference.rmap;

/**
 * Deliberate corruption of the reverse map, for the tests that show no invariant is vacuous:
 * each method breaks one thing the kernel keeps consistent, bypassing the kernel functions. The
 * model itself never calls any of these.
 */
public final class RmapCorruption {
    private RmapCorruption() {}

    /** Take a chain out of its anon_vma's interval tree, leaving it on the VMA's list. */
    public static void removeFromTree(AnonVmaChain c) {
        c.anon_vma.rb_root.remove(c);
        c.inTree = false;
    }

    /** Link v to a once more, on both lists, as a buggy anon_vma_clone() might. */
    public static AnonVmaChain linkAgain(Rmap r, VmAreaStruct v, AnonVma a) {
        AnonVmaChain c = new AnonVmaChain(r.nextAvcId++);
        r.anon_vma_chain_link(v, c, a);
        return c;
    }

    /** Change a VMA's page offset without re-keying its chains (a missed anon_vma_interval_tree_pre/post_update_vma). */
    public static void shiftPgoff(VmAreaStruct v, long delta) {
        v.vm_pgoff += delta;
    }

    public static void setRefcount(AnonVma a, int refcount) {
        a.refcount = refcount;
    }

    public static void setNumChildren(AnonVma a, long n) {
        a.num_children = n;
    }

    public static void setNumActiveVmas(AnonVma a, long n) {
        a.num_active_vmas = n;
    }

    public static void setRoot(AnonVma a, AnonVma root) {
        a.root = root;
    }

    public static void setParent(AnonVma a, AnonVma parent) {
        a.parent = parent;
    }

    /** Point v at another anon_vma without touching any chain or counter. */
    public static void setAnonVma(VmAreaStruct v, AnonVma a) {
        v.anon_vma = a;
    }

    /** Write a page table entry directly (0 removes it). */
    public static void setPte(MmStruct mm, long addr, long pte) {
        if (pte == 0) mm.pgtable.remove(addr);
        else mm.pgtable.put(addr, pte);
    }

    public static void setRssAnon(MmStruct mm, long rss) {
        mm.rssAnon = rss;
    }

    /** Free an anon_vma regardless of its references (a use-after-free in the making). */
    public static void free(Rmap r, AnonVma a) {
        a.freed = true;
        r.anonVmas.remove(a.id);
    }

    /** Change what a page holds, as a stray store or a broken copy would. */
    public static void setContent(Rmap r, long pfn, long value) {
        r.content.put(pfn, value);
    }

    /** Record a kernel warning. */
    public static void warn(Rmap r, String where, String message) {
        r.warnings.warn(where, message);
    }

    /** Set MM_SWAPENTS behind the page tables' back. */
    public static void setRssSwap(MmStruct mm, long v) {
        mm.rssSwap = v;
    }
}
