package org.mmspec.reference.rmap;

import java.util.Collections;
import java.util.NavigableSet;
import java.util.TreeSet;

/**
 * {@code struct anon_vma} (include/linux/rmap.h, v6.18): the object a private anonymous page's
 * {@code page->mapping} points to. Its {@code rb_root} holds the {@link AnonVmaChain}s of every
 * VMA that may map pages of this anon_vma; fork builds a tree of anon_vmas ({@code parent},
 * {@code root}) so a page COWed in a child is found without searching the parent's VMAs.
 *
 * <p>The kernel's {@code rb_root} is an augmented interval tree keyed by each VMA's page offset
 * range ({@code anon_vma_interval_tree_*}); the model keeps the chains in a sorted set ordered by
 * the first page offset, ties in insertion order (an rb-tree inserts equal keys to the right), and
 * {@link #foreach} visits exactly the chains whose range overlaps the query, in that order, as
 * {@code anon_vma_interval_tree_foreach()} does.
 */
public final class AnonVma {
    public final int id;
    AnonVma root;
    AnonVma parent;
    /** atomic_t refcount: 1 while rb_root is not empty, +1 per live descendant (root only), +1 per holder. */
    int refcount;
    /** Anon_vmas whose ->parent is this one, including itself when it is a root (self-parent link). */
    long num_children;
    /** VMAs whose ->anon_vma points here. */
    long num_active_vmas;
    final TreeSet<AnonVmaChain> rb_root = new TreeSet<>(AnonVmaChain.RB_ORDER);
    boolean freed;

    AnonVma(int id) {
        this.id = id;
    }

    public int id() {
        return id;
    }

    public AnonVma root() {
        return root;
    }

    public AnonVma parent() {
        return parent;
    }

    public int refcount() {
        return refcount;
    }

    public long numChildren() {
        return num_children;
    }

    public long numActiveVmas() {
        return num_active_vmas;
    }

    public boolean freed() {
        return freed;
    }

    /** The chains in rb_root, in tree order. */
    public NavigableSet<AnonVmaChain> rbRoot() {
        return Collections.unmodifiableNavigableSet(rb_root);
    }

    /** RB_EMPTY_ROOT(&anon_vma->rb_root.rb_root). */
    public boolean rbEmpty() {
        return rb_root.isEmpty();
    }

    /** anon_vma_interval_tree_foreach(avc, &anon_vma->rb_root, start, last). */
    public void foreach(long start, long last, java.util.function.Predicate<AnonVmaChain> visit) {
        for (AnonVmaChain avc : rb_root) {
            if (avc.rbStart > last) break;
            if (avc.rbLast < start) continue;
            if (!visit.test(avc)) return;
        }
    }

    /** {@code anon_vma#3}: how violations and diagrams name it. */
    public String name() {
        return "anon_vma#" + id;
    }

    @Override
    public String toString() {
        return name();
    }
}
