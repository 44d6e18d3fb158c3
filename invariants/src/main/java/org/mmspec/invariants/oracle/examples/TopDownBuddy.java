package org.mmspec.invariants.oracle.examples;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import org.mmspec.invariants.oracle.PageAllocatorUnderTest;

/**
 * A second, independently written buddy allocator with another policy: it serves an allocation
 * from the smallest order that has a free block, takes the <em>highest</em> such block, and keeps
 * the <em>upper</em> half at every split, so memory fills from the top down. Linux (and the
 * reference) keep the lower piece at every split ({@code expand()} gives back the upper halves),
 * so their choices differ from the first allocation on; both are correct buddy allocators, and
 * this one passes every invariant of the oracle (OracleExamplesTest shows both facts).
 *
 * <p>Its state: one sorted set of free block heads per order, and the order of every free and
 * allocated head, so it can refuse bad frees.
 */
public final class TopDownBuddy implements PageAllocatorUnderTest {
    private long pages;
    private int maxOrder;
    private List<TreeSet<Long>> free;
    private final Map<Long, Integer> freeOrder = new HashMap<>();
    private final Map<Long, Integer> allocated = new HashMap<>();

    @Override
    public Claims claims() {
        return new Claims("top-down buddy (mmspec example)", true, true, true);
    }

    @Override
    public void configure(long pages, int maxOrder) {
        this.pages = pages;
        this.maxOrder = maxOrder;
        free = new ArrayList<>();
        for (int o = 0; o <= maxOrder; o++) free.add(new TreeSet<>());
        freeOrder.clear();
        allocated.clear();
        // carve [0, pages) into the largest aligned blocks that fit
        long p = 0;
        while (p < pages) {
            int o = maxOrder;
            while (o > 0 && ((p & ((1L << o) - 1)) != 0 || p + (1L << o) > pages)) o--;
            addFree(p, o);
            p += 1L << o;
        }
    }

    private void addFree(long pfn, int order) {
        free.get(order).add(pfn);
        freeOrder.put(pfn, order);
    }

    private void removeFree(long pfn, int order) {
        free.get(order).remove(pfn);
        freeOrder.remove(pfn);
    }

    @Override
    public long allocate(int order, Migratetype migratetype) {
        int o = order;
        while (o <= maxOrder && free.get(o).isEmpty()) o++;
        if (o > maxOrder) return -1;
        long block = free.get(o).last();
        removeFree(block, o);
        // split, keeping the upper half each time
        while (o > order) {
            o--;
            addFree(block, o);
            block += 1L << o;
        }
        allocated.put(block, order);
        return block;
    }

    @Override
    public boolean free(long pfn, int order) {
        Integer o = allocated.get(pfn);
        if (o == null || o != order) return false;
        allocated.remove(pfn);
        long block = pfn;
        int k = order;
        while (k < maxOrder) {
            long buddy = block ^ (1L << k);
            Integer bo = freeOrder.get(buddy);
            if (bo == null || bo != k) break;
            removeFree(buddy, k);
            block = Math.min(block, buddy);
            k++;
        }
        addFree(block, k);
        return true;
    }

    @Override
    public List<long[]> freeBlocks() {
        List<long[]> out = new ArrayList<>();
        for (int o = 0; o <= maxOrder; o++) for (long p : free.get(o)) out.add(new long[] {p, o});
        return out;
    }

    /** The number of pages managed (for tests). */
    public long pages() {
        return pages;
    }
}
