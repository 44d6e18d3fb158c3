package org.mmspec.reference.ksm;

/**
 * {@code struct ksm_mm_slot} (mm/ksm.c, v6.18): one mm on ksmd's list ({@code ksm_mm_head},
 * circular, in scan order) and the head of its rmap_list. The list head itself is a slot with no
 * mm.
 */
public final class KsmMmSlot implements Ksm.RmapListLink {
    /** The mm (null for ksm_mm_head). */
    final KsmMm mm;
    /** slot->mm_node. */
    KsmMmSlot prev = this;
    KsmMmSlot next = this;
    /** mm_slot->rmap_list. */
    KsmRmapItem rmap_list;

    KsmMmSlot(KsmMm mm) {
        this.mm = mm;
    }

    @Override
    public KsmRmapItem get() {
        return rmap_list;
    }

    @Override
    public void set(KsmRmapItem first) {
        rmap_list = first;
    }

    public KsmMm mm() {
        return mm;
    }

    /** The first rmap_item of its list. */
    public KsmRmapItem first() {
        return rmap_list;
    }

    /** The next slot in scan order (ksm_mm_head after the last). */
    public KsmMmSlot next() {
        return next;
    }

    public boolean isHead() {
        return mm == null;
    }

    /** The rmap_items in list order. */
    public java.util.List<KsmRmapItem> items() {
        java.util.List<KsmRmapItem> l = new java.util.ArrayList<>();
        for (KsmRmapItem i = rmap_list; i != null; i = i.rmap_list) l.add(i);
        return l;
    }

    /** list_add_tail(this, before): insert just before {@code before}. */
    void addBefore(KsmMmSlot before) {
        prev = before.prev;
        next = before;
        before.prev.next = this;
        before.prev = this;
    }

    /** list_del(). */
    void del() {
        prev.next = next;
        next.prev = prev;
        prev = this;
        next = this;
    }

    /** {@code mm_slot#1} (its pid), or ksm_mm_head. */
    public String name() {
        return mm == null ? "ksm_mm_head" : "mm_slot(pid " + mm.pid() + ")";
    }

    @Override
    public String toString() {
        return name();
    }
}
