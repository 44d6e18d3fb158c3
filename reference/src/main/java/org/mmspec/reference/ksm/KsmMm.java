package org.mmspec.reference.ksm;

import org.mmspec.reference.rmap.MmStruct;

/**
 * The KSM fields of one {@code struct mm_struct} (include/linux/mm_types.h, v6.18):
 * {@code ksm_merging_pages}, {@code ksm_rmap_items}, {@code ksm_zero_pages}, and the
 * MMF_VM_MERGEABLE flag, with the mm it belongs to. It outlives the process while ksmd still has
 * the mm on its list (mmgrab()): {@link #exited} then says so (ksm_test_exit()).
 */
public final class KsmMm {
    final MmStruct mm;
    /** mm->ksm_merging_pages: this mm's rmap_items in the stable tree. */
    long ksm_merging_pages;
    /** mm->ksm_rmap_items. */
    long ksm_rmap_items;
    /** mm->ksm_zero_pages: zero pages KSM placed in this mm. */
    long ksm_zero_pages;
    /** MMF_VM_MERGEABLE: the mm has an mm slot on ksmd's list. */
    boolean mmfVmMergeable;
    /** The mm's slot while it has one (mm_slot_lookup()). */
    KsmMmSlot slot;
    /** Model ghost: a fork is building this mm (dup_mm() done, ksm_fork() not yet). */
    boolean forkPending;

    KsmMm(MmStruct mm) {
        this.mm = mm;
    }

    public MmStruct mmStruct() {
        return mm;
    }

    public int pid() {
        return mm.pid;
    }

    public long ksmMergingPages() {
        return ksm_merging_pages;
    }

    public long ksmRmapItems() {
        return ksm_rmap_items;
    }

    public long ksmZeroPages() {
        return ksm_zero_pages;
    }

    public boolean mmfVmMergeable() {
        return mmfVmMergeable;
    }

    public KsmMmSlot slot() {
        return slot;
    }

    /** ksm_process_profit() (mm/ksm.c): (merging + zero pages) * PAGE_SIZE - rmap_items * sizeof(struct ksm_rmap_item). */
    public long ksmProcessProfit() {
        return (ksm_merging_pages + ksm_zero_pages) * Ksm.PAGE_SIZE - ksm_rmap_items * Ksm.SIZEOF_KSM_RMAP_ITEM;
    }

    @Override
    public String toString() {
        return mm.name();
    }
}
