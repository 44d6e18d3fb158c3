package org.mmspec.reference.rmap;

import java.util.function.BiConsumer;
import java.util.function.BiPredicate;

/**
 * The calls the rest of mm makes into mm/ksm.c (include/linux/ksm.h, Linux v6.18), answered by the
 * KSM model once it installs itself with {@link Rmap#setKsmHooks}; {@link #NONE} (a kernel without
 * CONFIG_KSM: nothing is ever merged) until then. Addresses are virtual page numbers unless said
 * otherwise.
 */
public interface KsmHooks {
    /** Without KSM: every hook does nothing, ksm_madvise() leaves the flags alone. */
    KsmHooks NONE = new KsmHooks() {};

    /**
     * rmap_walk_ksm(folio, rwc) for the KSM page at pfn: for each rmap_item of its stable node, the
     * VMAs of the item's anon_vma covering the item's address (the item's own mm first, then
     * forked children); {@code rmapOne} returns false to stop.
     */
    default void rmap_walk_ksm(long pfn, BiPredicate<VmAreaStruct, Long> rmapOne) {
    }

    /**
     * The candidates rmap_walk_ksm() hands to rmap_one, for the invariants (read-only, counts
     * nothing): each (VMA, virtual page) before page_vma_mapped_walk() filters it.
     */
    default void rmapWalkKsmCandidates(long pfn, BiConsumer<VmAreaStruct, Long> visit) {
    }

    /** folio_migrate_ksm(newfolio, folio): the stable node's kpfn follows the page to newPfn. */
    default void folio_migrate_ksm(long newPfn, long oldPfn) {
    }

    /** dup_mm(): the child's mm_struct starts as a byte copy of the parent's, KSM counters included. */
    default void dup_mm(MmStruct mm, MmStruct oldmm) {
    }

    /** ksm_fork(mm, oldmm), at the end of a successful dup_mmap(). */
    default void ksm_fork(MmStruct mm, MmStruct oldmm) {
    }

    /** ksm_exit(mm), from __mmput() before exit_mmap(). */
    default void ksm_exit(MmStruct mm) {
    }

    /** ksm_might_unmap_zero_page(mm, pte): a zero-page PTE KSM placed is going away. */
    default void ksm_might_unmap_zero_page(MmStruct mm, long pte) {
    }

    /**
     * ksm_madvise(vma, start, end, advice, &amp;vm_flags) for the pages [start, end) of vma: the new
     * vm_flags, or a negative errno (MADV_UNMERGEABLE could not break COW: -ENOMEM).
     */
    default long ksm_madvise(VmAreaStruct vma, long start, long end, int advice, long vmFlags) {
        return vmFlags;
    }

    /**
     * Whether rmap_walk_ksm() must find mapping (mm, addr) of the KSM page at pfn: true when the
     * page's stable node has an rmap_item for it. A mapping a fork copied is found only through the
     * rmap_item of the mapping it was copied from (search_new_forks), and not at all once that one
     * has left the node, until ksmd reaches the child: fork does not copy rmap_items.
     */
    default boolean rmapItemFor(long pfn, MmStruct mm, long addr) {
        return true;
    }

    /** Whether a stable node with this id exists (for the invariants: a KSM page's mapping must name one). */
    default boolean stableNodeLive(int id) {
        return false;
    }

    /** The references KSM holds on anon_vmas (get_anon_vma() for each rmap_item in the stable tree), by anon_vma. */
    default java.util.Map<AnonVma, Integer> anonVmaPins() {
        return java.util.Map.of();
    }

    /**
     * Called by madvise() before it changes anything: the KSM model refuses, with a
     * RejectedOperationException, an advice it could only carry out by waiting for a migration.
     */
    default void madvise_check(MmStruct mm, long start, long end, int advice) {
    }
}
