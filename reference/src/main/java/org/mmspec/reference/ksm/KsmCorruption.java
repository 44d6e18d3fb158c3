package org.mmspec.reference.ksm;

/**
 * Deliberate corruption of KSM's state, for the tests that show no KSM invariant is vacuous: each
 * method breaks one thing mm/ksm.c keeps consistent, bypassing its functions. The model itself
 * never calls any of these.
 */
public final class KsmCorruption {
    private KsmCorruption() {}

    /** Recolour a tree node. */
    public static void setBlack(RbNode n, boolean black) {
        n.rbBlack = black;
    }

    /** Move a node's right child to its left (a search would now miss it). */
    public static void moveRightChildLeft(RbNode n) {
        n.rbLeft = n.rbRight;
        n.rbRight = null;
    }

    /** The content a stable node stands for. */
    public static void setContent(KsmStableNode n, long content) {
        n.content = content;
    }

    public static void setRmapHlistLen(KsmStableNode n, int len) {
        n.rmap_hlist_len = len;
    }

    public static void setKpfn(KsmStableNode n, long kpfn) {
        n.kpfn = kpfn;
    }

    /** Forget that a node is a dup (its head no longer STABLE_NODE_DUP_HEAD). */
    public static void setDup(KsmStableNode n, boolean dup) {
        n.dup = dup;
    }

    /** rmap_item->address, flags included. */
    public static void setAddress(KsmRmapItem i, long address) {
        i.address = address;
    }

    public static void setMaxPageSharing(Ksm k, int max) {
        k.ksm_max_page_sharing = max;
    }

    public static void setPagesSharing(Ksm k, long v) {
        k.ksm_pages_sharing = v;
    }

    public static void setZeroPages(Ksm k, long v) {
        k.ksm_zero_pages = v;
    }

    /** Clear MMF_VM_MERGEABLE of an mm that has a slot. */
    public static void setMmfVmMergeable(KsmMm mm, boolean on) {
        mm.mmfVmMergeable = on;
    }

    public static void warn(Ksm k, String where, String message) {
        k.warnings.warn(where, message);
    }
}
