package org.mmspec.reference.ksm;

import org.mmspec.reference.rmap.AnonVma;

/**
 * {@code struct ksm_rmap_item} (mm/ksm.c, v6.18): reverse mapping item for one virtual address of
 * one mm: the next item of its mm slot's rmap_list (sorted by address), the mm, the address with
 * the flags in its low bits ({@link Ksm#SEQNR_MASK}, {@link Ksm#UNSTABLE_FLAG},
 * {@link Ksm#STABLE_FLAG}), the checksum of the page at the previous scan, the smart-scan age and
 * remaining skips, and either the links of the unstable tree (it is an {@link RbNode}) or, when
 * stable, its anon_vma (a reference held) and its place on a stable node's hlist.
 *
 * <p>Addresses here are bytes, as the kernel keeps them ({@code vpn << PAGE_SHIFT | flags}), so
 * that a walk which forgets to mask the flags hands an unaligned address on, as 1105a2fc022f did.
 */
public final class KsmRmapItem extends RbNode implements Ksm.RmapListLink {
    /** A model id, for diagrams and for copying; allocation order. */
    public final int id;
    /** rmap_item->rmap_list: the next item of the slot's list. */
    KsmRmapItem rmap_list;
    /** rmap_item->anon_vma, when stable (a reference is held: get_anon_vma()). */
    AnonVma anon_vma;
    /** rmap_item->mm. */
    KsmMm mm;
    /** rmap_item->address: byte address | flags. */
    long address;
    /** rmap_item->oldchecksum. */
    int oldchecksum;
    /**
     * A ghost with no kernel counterpart (not in the fingerprint): the page's {@code
     * Rmap.contentStamp} when this item went into the unstable tree, so an invariant can tell
     * whether the page has been written since, even back to the same value.
     */
    long insertedStamp;
    /** rmap_item->age and remaining_skips (u8). */
    int age;
    int remaining_skips;
    /** rmap_item->head: the stable node this item hangs off, when STABLE_FLAG. */
    KsmStableNode head;
    /** rmap_item->hlist: links on head's hlist (hlist_add_head order: the newest first). */
    KsmRmapItem hlistNext;
    KsmRmapItem hlistPrev;
    /** Model ghost: stable_tree_append() added it with max_page_sharing_bypass (a KSM fork over the limit). */
    boolean bypass;
    /** Model ghost: freed (free_rmap_item()). */
    boolean freed;

    KsmRmapItem(int id) {
        this.id = id;
    }

    @Override
    public KsmRmapItem get() {
        return rmap_list;
    }

    @Override
    public void set(KsmRmapItem next) {
        rmap_list = next;
    }

    public KsmRmapItem next() {
        return rmap_list;
    }

    public AnonVma anonVma() {
        return anon_vma;
    }

    public KsmMm mm() {
        return mm;
    }

    /** rmap_item->address with its flags. */
    public long address() {
        return address;
    }

    /** The virtual page number: address &amp; PAGE_MASK, shifted. */
    public long page() {
        return address >>> Ksm.PAGE_SHIFT;
    }

    public int oldchecksum() {
        return oldchecksum;
    }

    /** The ghost stamp of the page when the item entered the unstable tree ({@link #insertedStamp}). */
    public long insertedStamp() {
        return insertedStamp;
    }

    public int age() {
        return age;
    }

    public int remainingSkips() {
        return remaining_skips;
    }

    public KsmStableNode head() {
        return head;
    }

    public boolean stable() {
        return (address & Ksm.STABLE_FLAG) != 0;
    }

    public boolean unstable() {
        return (address & Ksm.UNSTABLE_FLAG) != 0;
    }

    /** The scan (seqnr &amp; SEQNR_MASK) that put it in the unstable tree. */
    public int seqnr() {
        return (int) (address & Ksm.SEQNR_MASK);
    }

    public boolean bypass() {
        return bypass;
    }

    public boolean freed() {
        return freed;
    }

    /** The next item on the same stable node's hlist. */
    public KsmRmapItem hlistNext() {
        return hlistNext;
    }

    /** {@code rmap_item#4}: how violations and diagrams name it. */
    public String name() {
        return "rmap_item#" + id;
    }

    @Override
    public String toString() {
        return name() + "(" + (mm == null ? "?" : "pid " + mm.pid()) + " page 0x" + Long.toHexString(page())
                + (stable() ? " STABLE" : "") + (unstable() ? " UNSTABLE seqnr " + seqnr() : "") + ")";
    }
}
