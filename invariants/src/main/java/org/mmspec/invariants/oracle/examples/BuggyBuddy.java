package org.mmspec.invariants.oracle.examples;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

import org.mmspec.invariants.oracle.PageAllocatorUnderTest;

/**
 * A small buddy allocator with a subtle bug, to show the oracle finding and shrinking one. It
 * takes the lowest free block of the smallest order that fits and keeps the lower half at every
 * split, as Linux does. Its bug is in the merge loop of {@link #free}: it merges with the buddy
 * whenever the buddy's first page heads a free block, without checking that the free block there
 * has the same order. When the buddy area is split and only its first piece is free, the merge
 * swallows the allocated pages behind it. The kernel's {@code page_is_buddy()} checks exactly
 * this: {@code buddy_order(buddy) != order} means no merge (mm/internal.h, v6.18).
 *
 * <p>{@code mmspec oracle --java buggy-buddy --seed 1} finds it and shrinks it to five steps:
 * allocate 0x0 (order 1), 0x2 and 0x3 (order 0), free 0x2, free 0x0: the order-1 block at 0x0
 * merges with the order-0 free block at 0x2, and 0x3, still allocated, is listed as free.
 */
public final class BuggyBuddy implements PageAllocatorUnderTest {
    private long pages;
    private int maxOrder;
    private List<TreeSet<Long>> free;
    /** Order of the block headed at each page, or -1; and whether that block is free. */
    private byte[] headOrder;
    private boolean[] headFree;

    @Override
    public Claims claims() {
        return new Claims("buggy buddy (mmspec example: merge ignores the buddy's order)", true, true, true);
    }

    @Override
    public void configure(long pages, int maxOrder) {
        this.pages = pages;
        this.maxOrder = maxOrder;
        free = new ArrayList<>();
        for (int o = 0; o <= maxOrder; o++) free.add(new TreeSet<>());
        headOrder = new byte[(int) pages];
        headFree = new boolean[(int) pages];
        java.util.Arrays.fill(headOrder, (byte) -1);
        long p = 0;
        while (p < pages) {
            int o = maxOrder;
            while (o > 0 && ((p & ((1L << o) - 1)) != 0 || p + (1L << o) > pages)) o--;
            setFree(p, o);
            p += 1L << o;
        }
    }

    private void setFree(long pfn, int order) {
        free.get(order).add(pfn);
        headOrder[(int) pfn] = (byte) order;
        headFree[(int) pfn] = true;
    }

    private void clearHead(long pfn) {
        int o = headOrder[(int) pfn];
        if (headFree[(int) pfn]) free.get(o).remove(pfn);
        headOrder[(int) pfn] = -1;
        headFree[(int) pfn] = false;
    }

    @Override
    public long allocate(int order, Migratetype migratetype) {
        int o = order;
        while (o <= maxOrder && free.get(o).isEmpty()) o++;
        if (o > maxOrder) return -1;
        long block = free.get(o).first();
        clearHead(block);
        while (o > order) {
            o--;
            setFree(block + (1L << o), o);
        }
        headOrder[(int) block] = (byte) order;
        headFree[(int) block] = false;
        return block;
    }

    @Override
    public boolean free(long pfn, int order) {
        if (pfn < 0 || pfn >= pages || headOrder[(int) pfn] != order || headFree[(int) pfn]) return false;
        clearHead(pfn);
        long block = pfn;
        int k = order;
        while (k < maxOrder) {
            long buddy = block ^ (1L << k);
            if (buddy + (1L << k) > pages) break;
            // BUG: should also require headOrder[buddy] == k (page_is_buddy's buddy_order check)
            if (headOrder[(int) buddy] < 0 || !headFree[(int) buddy]) break;
            clearHead(buddy);
            block = Math.min(block, buddy);
            k++;
        }
        setFree(block, k);
        return true;
    }

    @Override
    public List<long[]> freeBlocks() {
        List<long[]> out = new ArrayList<>();
        for (int o = 0; o <= maxOrder; o++) for (long p : free.get(o)) out.add(new long[] {p, o});
        return out;
    }
}
