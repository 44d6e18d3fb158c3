package org.mmspec.reference.rmap;

import java.util.Comparator;

/**
 * {@code struct anon_vma_chain} (include/linux/rmap.h, v6.18): one link between a VMA and an
 * anon_vma, on the VMA's {@code anon_vma_chain} list ({@code same_vma}) and in the anon_vma's
 * interval tree ({@code rb}). The tree key is cached here (the kernel caches
 * {@code rb_subtree_last}; under CONFIG_DEBUG_VM_RB also {@code cached_vma_start/last}), so the
 * VMA's range can change only between a removal and a reinsertion, as
 * {@code anon_vma_interval_tree_pre_update_vma()} / {@code _post_update_vma()} bracket it.
 */
public final class AnonVmaChain {
    /** In-order position in an anon_vma's tree: first page offset, then insertion order. */
    static final Comparator<AnonVmaChain> RB_ORDER = (a, b) -> {
        int c = Long.compare(a.rbStart, b.rbStart);
        return c != 0 ? c : Long.compare(a.seq, b.seq);
    };

    public final int id;
    VmAreaStruct vma;
    AnonVma anon_vma;
    /** vma_start_pgoff() and vma_last_pgoff() when inserted. */
    long rbStart;
    long rbLast;
    /** Insertion order, for ties. */
    long seq;
    /** Whether it is in anon_vma->rb_root now (model bookkeeping for the invariants). */
    boolean inTree;

    AnonVmaChain(int id) {
        this.id = id;
    }

    public int id() {
        return id;
    }

    public VmAreaStruct vma() {
        return vma;
    }

    public AnonVma anonVma() {
        return anon_vma;
    }

    public long rbStart() {
        return rbStart;
    }

    public long rbLast() {
        return rbLast;
    }

    public boolean inTree() {
        return inTree;
    }

    /** {@code avc#7}. */
    public String name() {
        return "avc#" + id;
    }

    @Override
    public String toString() {
        return name();
    }
}
