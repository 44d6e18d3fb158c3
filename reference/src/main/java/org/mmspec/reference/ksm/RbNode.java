package org.mmspec.reference.ksm;

/**
 * {@code struct rb_node} (include/linux/rbtree_types.h): the links and colour a stable node or an
 * rmap_item carries while it is in one of KSM's red-black trees. A node whose parent is itself is
 * RB_EMPTY_NODE (RB_CLEAR_NODE()).
 */
public abstract class RbNode {
    RbNode rbParent = this;
    RbNode rbLeft;
    RbNode rbRight;
    boolean rbBlack;

    /** Left child, or null. */
    public RbNode rbLeft() {
        return rbLeft;
    }

    /** Right child, or null. */
    public RbNode rbRight() {
        return rbRight;
    }

    /** Parent, or null at the root (and itself while RB_EMPTY_NODE). */
    public RbNode rbParent() {
        return rbParent;
    }

    public boolean rbBlack() {
        return rbBlack;
    }

    /** RB_CLEAR_NODE(). */
    void rbClear() {
        rbParent = this;
        rbLeft = null;
        rbRight = null;
        rbBlack = false;
    }
}
