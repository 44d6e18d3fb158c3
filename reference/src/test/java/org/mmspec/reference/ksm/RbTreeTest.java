package org.mmspec.reference.ksm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;

/** lib/rbtree.c as KSM's trees use it: insertions, erasures and replacements keep a valid red-black search tree. */
class RbTreeTest {
    static final class N extends RbNode {
        final int key;

        N(int key) {
            this.key = key;
        }
    }

    static void insert(RbRoot root, N n) {
        RbNode parent = null;
        boolean left = false;
        RbNode cur = root.rb_node;
        while (cur != null) {
            parent = cur;
            left = n.key < ((N) cur).key;
            cur = left ? cur.rbLeft : cur.rbRight;
        }
        RbTree.rb_link_node(n, parent, left, root);
        RbTree.rb_insert_color(n, root);
    }

    /** Checks the five properties and returns the black height. */
    static int check(RbNode n, RbNode parent) {
        if (n == null) return 1;
        assertTrue(n.rbParent == parent, "parent link");
        if (!n.rbBlack) {
            assertTrue(n.rbLeft == null || n.rbLeft.rbBlack, "red node with a red left child");
            assertTrue(n.rbRight == null || n.rbRight.rbBlack, "red node with a red right child");
        }
        int l = check(n.rbLeft, n);
        int r = check(n.rbRight, n);
        assertEquals(l, r, "black heights differ");
        return l + (n.rbBlack ? 1 : 0);
    }

    static List<Integer> keys(RbRoot root) {
        List<Integer> out = new ArrayList<>();
        for (RbNode n = RbTree.rb_first(root); n != null; n = RbTree.rb_next(n)) out.add(((N) n).key);
        return out;
    }

    @Test
    void randomInsertsAndErasesKeepARedBlackSearchTree() {
        Random rnd = new Random(42);
        for (int round = 0; round < 40; round++) {
            RbRoot root = new RbRoot();
            TreeSet<Integer> want = new TreeSet<>();
            List<N> nodes = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                if (nodes.isEmpty() || rnd.nextInt(3) > 0) {
                    int k = rnd.nextInt(100_000);
                    if (!want.add(k)) continue;
                    N n = new N(k);
                    nodes.add(n);
                    insert(root, n);
                } else {
                    N n = nodes.remove(rnd.nextInt(nodes.size()));
                    want.remove(n.key);
                    RbTree.rb_erase(n, root);
                    assertTrue(!RbTree.linked(n));
                }
                if (root.rb_node != null) assertTrue(root.rb_node.rbBlack, "red root");
                check(root.rb_node, null);
                assertEquals(new ArrayList<>(want), keys(root));
            }
        }
    }

    @Test
    void replaceNodeTakesTheVictimsPlaceAndColour() {
        RbRoot root = new RbRoot();
        List<N> nodes = new ArrayList<>();
        for (int k : new int[] {50, 20, 80, 10, 30, 70, 90}) {
            N n = new N(k);
            nodes.add(n);
            insert(root, n);
        }
        N victim = nodes.get(2); // 80
        boolean black = victim.rbBlack;
        N nu = new N(80);
        RbTree.rb_replace_node(victim, nu, root);
        assertEquals(black, nu.rbBlack);
        assertTrue(!RbTree.linked(victim));
        check(root.rb_node, null);
        assertEquals(List.of(10, 20, 30, 50, 70, 80, 90), keys(root));
        for (N n : nodes) if (n != victim) RbTree.rb_erase(n, root);
        RbTree.rb_erase(nu, root);
        assertNull(root.rb_node);
    }
}
