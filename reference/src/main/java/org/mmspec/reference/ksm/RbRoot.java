package org.mmspec.reference.ksm;

/** {@code struct rb_root}: the root of one of KSM's trees ({@code RB_ROOT}: empty). */
public final class RbRoot {
    RbNode rb_node;

    /** The root node, or null for an empty tree. */
    public RbNode node() {
        return rb_node;
    }

    public boolean empty() {
        return rb_node == null;
    }
}
