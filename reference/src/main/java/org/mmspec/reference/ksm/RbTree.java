package org.mmspec.reference.ksm;

/**
 * The red-black tree of lib/rbtree.c and include/linux/rbtree_augmented.h (Linux v6.18), without
 * augmentation: {@link #rb_link_node}, {@link #rb_insert_color} (__rb_insert), {@link #rb_erase}
 * (__rb_erase_augmented and ____rb_erase_color), {@link #rb_replace_node}, {@link #rb_first} and
 * {@link #rb_next}, case for case, so KSM's trees have the kernel's shapes. The shape matters:
 * the unstable tree is searched by comparing with whatever the pages hold now, so once a page
 * changes, which nodes a search visits (and which stale stable nodes it prunes on the way)
 * depends on it.
 */
public final class RbTree {
    private RbTree() {}

    private static boolean isRed(RbNode n) {
        return n != null && !n.rbBlack;
    }

    /** rb_link_node(): node becomes parent's left (or right) child, red; parent null makes it the root. */
    public static void rb_link_node(RbNode node, RbNode parent, boolean left, RbRoot root) {
        node.rbParent = parent;
        node.rbBlack = false;
        node.rbLeft = null;
        node.rbRight = null;
        if (parent == null) root.rb_node = node;
        else if (left) parent.rbLeft = node;
        else parent.rbRight = node;
    }

    /** __rb_change_child(). */
    private static void changeChild(RbNode old, RbNode nu, RbNode parent, RbRoot root) {
        if (parent != null) {
            if (parent.rbLeft == old) parent.rbLeft = nu;
            else parent.rbRight = nu;
        } else {
            root.rb_node = nu;
        }
    }

    /** __rb_rotate_set_parents(): new takes old's parent and colour; old gets new as parent and {@code black}. */
    private static void rotateSetParents(RbNode old, RbNode nu, RbRoot root, boolean black) {
        RbNode parent = old.rbParent;
        nu.rbParent = old.rbParent;
        nu.rbBlack = old.rbBlack;
        old.rbParent = nu;
        old.rbBlack = black;
        changeChild(old, nu, parent, root);
    }

    /** rb_insert_color() (__rb_insert): rebalance after rb_link_node(). */
    public static void rb_insert_color(RbNode node, RbRoot root) {
        RbNode parent = node.rbParent;
        RbNode gparent;
        RbNode tmp;
        while (true) {
            // Loop invariant: node is red.
            if (parent == null) {
                node.rbParent = null;
                node.rbBlack = true;
                break;
            }
            if (parent.rbBlack) break;
            gparent = parent.rbParent;
            tmp = gparent.rbRight;
            if (parent != tmp) { // parent == gparent->rb_left
                if (isRed(tmp)) {
                    // Case 1 - node's uncle is red (color flips).
                    tmp.rbParent = gparent;
                    tmp.rbBlack = true;
                    parent.rbParent = gparent;
                    parent.rbBlack = true;
                    node = gparent;
                    parent = node.rbParent;
                    node.rbBlack = false;
                    continue;
                }
                tmp = parent.rbRight;
                if (node == tmp) {
                    // Case 2 - left rotate at parent
                    tmp = node.rbLeft;
                    parent.rbRight = tmp;
                    node.rbLeft = parent;
                    if (tmp != null) {
                        tmp.rbParent = parent;
                        tmp.rbBlack = true;
                    }
                    parent.rbParent = node;
                    parent.rbBlack = false;
                    parent = node;
                    tmp = node.rbRight;
                }
                // Case 3 - right rotate at gparent
                gparent.rbLeft = tmp;
                parent.rbRight = gparent;
                if (tmp != null) {
                    tmp.rbParent = gparent;
                    tmp.rbBlack = true;
                }
                rotateSetParents(gparent, parent, root, false);
                break;
            } else {
                tmp = gparent.rbLeft;
                if (isRed(tmp)) {
                    // Case 1 - color flips
                    tmp.rbParent = gparent;
                    tmp.rbBlack = true;
                    parent.rbParent = gparent;
                    parent.rbBlack = true;
                    node = gparent;
                    parent = node.rbParent;
                    node.rbBlack = false;
                    continue;
                }
                tmp = parent.rbLeft;
                if (node == tmp) {
                    // Case 2 - right rotate at parent
                    tmp = node.rbRight;
                    parent.rbLeft = tmp;
                    node.rbRight = parent;
                    if (tmp != null) {
                        tmp.rbParent = parent;
                        tmp.rbBlack = true;
                    }
                    parent.rbParent = node;
                    parent.rbBlack = false;
                    parent = node;
                    tmp = node.rbLeft;
                }
                // Case 3 - left rotate at gparent
                gparent.rbRight = tmp;
                parent.rbLeft = gparent;
                if (tmp != null) {
                    tmp.rbParent = gparent;
                    tmp.rbBlack = true;
                }
                rotateSetParents(gparent, parent, root, false);
                break;
            }
        }
    }

    /** rb_erase(): __rb_erase_augmented() then, when a black node left, ____rb_erase_color(). */
    public static void rb_erase(RbNode node, RbRoot root) {
        RbNode rebalance = eraseAugmented(node, root);
        if (rebalance != null) eraseColor(rebalance, root);
        node.rbClear();
    }

    /** __rb_erase_augmented() without augmentation: returns the node to rebalance from, or null. */
    private static RbNode eraseAugmented(RbNode node, RbRoot root) {
        RbNode child = node.rbRight;
        RbNode tmp = node.rbLeft;
        RbNode parent;
        RbNode rebalance;
        if (tmp == null) {
            // Case 1: node to erase has no more than 1 child (easy!)
            parent = node.rbParent;
            boolean black = node.rbBlack;
            changeChild(node, child, parent, root);
            if (child != null) {
                child.rbParent = parent;
                child.rbBlack = black;
                rebalance = null;
            } else {
                rebalance = black ? parent : null;
            }
        } else if (child == null) {
            // Still case 1, but this time the child is node->rb_left
            tmp.rbParent = node.rbParent;
            tmp.rbBlack = node.rbBlack;
            parent = node.rbParent;
            changeChild(node, tmp, parent, root);
            rebalance = null;
        } else {
            RbNode successor = child;
            RbNode child2;
            tmp = child.rbLeft;
            if (tmp == null) {
                // Case 2: node's successor is its right child
                parent = successor;
                child2 = successor.rbRight;
            } else {
                // Case 3: node's successor is leftmost under node's right child subtree
                do {
                    parent = successor;
                    successor = tmp;
                    tmp = tmp.rbLeft;
                } while (tmp != null);
                child2 = successor.rbRight;
                parent.rbLeft = child2;
                successor.rbRight = child;
                child.rbParent = successor;
            }
            tmp = node.rbLeft;
            successor.rbLeft = tmp;
            tmp.rbParent = successor;
            RbNode np = node.rbParent;
            boolean nblack = node.rbBlack;
            changeChild(node, successor, np, root);
            if (child2 != null) {
                child2.rbParent = parent;
                child2.rbBlack = true;
                rebalance = null;
            } else {
                rebalance = successor.rbBlack ? parent : null;
            }
            successor.rbParent = np;
            successor.rbBlack = nblack;
        }
        return rebalance;
    }

    /** ____rb_erase_color(). */
    private static void eraseColor(RbNode parent, RbRoot root) {
        RbNode node = null;
        RbNode sibling;
        RbNode tmp1;
        RbNode tmp2;
        while (true) {
            sibling = parent.rbRight;
            if (node != sibling) { // node == parent->rb_left
                if (isRed(sibling)) {
                    // Case 1 - left rotate at parent
                    tmp1 = sibling.rbLeft;
                    parent.rbRight = tmp1;
                    sibling.rbLeft = parent;
                    tmp1.rbParent = parent;
                    tmp1.rbBlack = true;
                    rotateSetParents(parent, sibling, root, false);
                    sibling = tmp1;
                }
                tmp1 = sibling.rbRight;
                if (tmp1 == null || tmp1.rbBlack) {
                    tmp2 = sibling.rbLeft;
                    if (tmp2 == null || tmp2.rbBlack) {
                        // Case 2 - sibling color flip
                        sibling.rbParent = parent;
                        sibling.rbBlack = false;
                        if (!parent.rbBlack) {
                            parent.rbBlack = true;
                        } else {
                            node = parent;
                            parent = node.rbParent;
                            if (parent != null) continue;
                        }
                        break;
                    }
                    // Case 3 - right rotate at sibling
                    tmp1 = tmp2.rbRight;
                    sibling.rbLeft = tmp1;
                    tmp2.rbRight = sibling;
                    parent.rbRight = tmp2;
                    if (tmp1 != null) {
                        tmp1.rbParent = sibling;
                        tmp1.rbBlack = true;
                    }
                    tmp1 = sibling;
                    sibling = tmp2;
                }
                // Case 4 - left rotate at parent + color flips
                tmp2 = sibling.rbLeft;
                parent.rbRight = tmp2;
                sibling.rbLeft = parent;
                tmp1.rbParent = sibling;
                tmp1.rbBlack = true;
                if (tmp2 != null) tmp2.rbParent = parent;
                rotateSetParents(parent, sibling, root, true);
                break;
            } else {
                sibling = parent.rbLeft;
                if (isRed(sibling)) {
                    // Case 1 - right rotate at parent
                    tmp1 = sibling.rbRight;
                    parent.rbLeft = tmp1;
                    sibling.rbRight = parent;
                    tmp1.rbParent = parent;
                    tmp1.rbBlack = true;
                    rotateSetParents(parent, sibling, root, false);
                    sibling = tmp1;
                }
                tmp1 = sibling.rbLeft;
                if (tmp1 == null || tmp1.rbBlack) {
                    tmp2 = sibling.rbRight;
                    if (tmp2 == null || tmp2.rbBlack) {
                        // Case 2 - sibling color flip
                        sibling.rbParent = parent;
                        sibling.rbBlack = false;
                        if (!parent.rbBlack) {
                            parent.rbBlack = true;
                        } else {
                            node = parent;
                            parent = node.rbParent;
                            if (parent != null) continue;
                        }
                        break;
                    }
                    // Case 3 - left rotate at sibling
                    tmp1 = tmp2.rbLeft;
                    sibling.rbRight = tmp1;
                    tmp2.rbLeft = sibling;
                    parent.rbLeft = tmp2;
                    if (tmp1 != null) {
                        tmp1.rbParent = sibling;
                        tmp1.rbBlack = true;
                    }
                    tmp1 = sibling;
                    sibling = tmp2;
                }
                // Case 4 - right rotate at parent + color flips
                tmp2 = sibling.rbRight;
                parent.rbLeft = tmp2;
                sibling.rbRight = parent;
                tmp1.rbParent = sibling;
                tmp1.rbBlack = true;
                if (tmp2 != null) tmp2.rbParent = parent;
                rotateSetParents(parent, sibling, root, true);
                break;
            }
        }
    }

    /** rb_replace_node(): nu takes victim's place, links and colour; victim is left RB_EMPTY_NODE. */
    public static void rb_replace_node(RbNode victim, RbNode nu, RbRoot root) {
        RbNode parent = victim.rbParent;
        nu.rbParent = victim.rbParent;
        nu.rbLeft = victim.rbLeft;
        nu.rbRight = victim.rbRight;
        nu.rbBlack = victim.rbBlack;
        if (victim.rbLeft != null) victim.rbLeft.rbParent = nu;
        if (victim.rbRight != null) victim.rbRight.rbParent = nu;
        changeChild(victim, nu, parent, root);
        victim.rbClear();
    }

    /** rb_first(): the leftmost node, or null. */
    public static RbNode rb_first(RbRoot root) {
        RbNode n = root.rb_node;
        if (n == null) return null;
        while (n.rbLeft != null) n = n.rbLeft;
        return n;
    }

    /** rb_next(): the in-order successor, or null. */
    public static RbNode rb_next(RbNode node) {
        if (node.rbParent == node) return null; // RB_EMPTY_NODE
        if (node.rbRight != null) {
            node = node.rbRight;
            while (node.rbLeft != null) node = node.rbLeft;
            return node;
        }
        RbNode parent;
        while ((parent = node.rbParent) != null && node == parent.rbRight) node = parent;
        return parent;
    }

    /** Whether node is linked into a tree (not RB_EMPTY_NODE). */
    public static boolean linked(RbNode node) {
        return node.rbParent != node;
    }
}
