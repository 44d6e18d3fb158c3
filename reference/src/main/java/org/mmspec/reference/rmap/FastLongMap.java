package org.mmspec.reference.rmap;

import java.util.Map;
import java.util.TreeMap;

/**
 * A {@code TreeMap<Long, Long>} (sorted iteration, views, as before) that also keeps its entries in
 * an open-addressing hash table of primitive longs, so that a lookup by key costs one probe
 * instead of a walk down a tree of boxed keys. The page tables ({@code MmStruct.pgtable}) and the
 * pages' contents ({@code Rmap.content}) are such maps: ksmd looks up a PTE and a content at every
 * level of its tree searches. The mirror follows every change made through {@link #put},
 * {@link #remove}, {@link #putAll} and {@link #clear}, the only ways the model changes these maps
 * (never through a view or an iterator).
 */
public final class FastLongMap extends TreeMap<Long, Long> {
    /** No key: the model's keys (pfns, virtual page numbers) are never negative; a negative key goes to the tree only. */
    private static final long EMPTY = Long.MIN_VALUE;
    /** key at 2i, value at 2i + 1: one cache line per probe. */
    private long[] table;
    private int count;

    /**
     * The slot of a key: a multiplicative (Fibonacci) mix. An order-keeping hash (neighbouring pfns
     * in neighbouring slots) looks cache-friendly but turns a run of consecutive keys into one
     * probe cluster as long as the run, and linear probing then pays the cluster's length on every
     * miss and every backward-shift deletion: freeing the merged duplicates of 2^18 pages took
     * 37 s that way (KsmScanBench, mergeScan), quadratic in the pages freed.
     */
    static int hash(long k) {
        long h = k * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32));
    }

    private int slots() {
        return table.length >>> 1;
    }

    private void grow() {
        long[] old = table;
        int cap = old == null ? 8 : slots() * 2; // small first: every process has a page table
        table = new long[cap * 2];
        java.util.Arrays.fill(table, EMPTY);
        count = 0;
        if (old != null) for (int i = 0; i < old.length; i += 2) if (old[i] != EMPTY) hput(old[i], old[i + 1]);
    }

    private void hput(long k, long v) {
        if (k < 0) return;
        if (table == null || (count + 1) * 2 > slots()) grow();
        int mask = slots() - 1;
        int i = hash(k) & mask;
        while (table[2 * i] != EMPTY) {
            if (table[2 * i] == k) {
                table[2 * i + 1] = v;
                return;
            }
            i = (i + 1) & mask;
        }
        table[2 * i] = k;
        table[2 * i + 1] = v;
        count++;
    }

    /** Linear probing with backward-shift deletion: no tombstones. */
    private void hremove(long k) {
        int i = find(k);
        if (i < 0) return;
        int mask = slots() - 1;
        table[2 * i] = EMPTY;
        count--;
        int j = i;
        while (true) {
            j = (j + 1) & mask;
            if (table[2 * j] == EMPTY) return;
            int home = hash(table[2 * j]) & mask;
            // leave j where it is if its home lies cyclically in (i, j]
            boolean stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
            if (stays) continue;
            table[2 * i] = table[2 * j];
            table[2 * i + 1] = table[2 * j + 1];
            table[2 * j] = EMPTY;
            i = j;
        }
    }

    private int find(long k) {
        if (table == null || k < 0) return -1;
        int mask = slots() - 1;
        int i = hash(k) & mask;
        long key;
        while ((key = table[2 * i]) != EMPTY) {
            if (key == k) return i;
            i = (i + 1) & mask;
        }
        return -1;
    }

    /** The value at k, or {@code dflt}: one probe, no boxing. */
    public long getLong(long k, long dflt) {
        if (k < 0) {
            Long v = super.get(k);
            return v == null ? dflt : v;
        }
        int i = find(k);
        return i < 0 ? dflt : table[2 * i + 1];
    }

    /** Whether k is a key: one probe. */
    public boolean containsLong(long k) {
        return k < 0 ? super.containsKey(k) : find(k) >= 0;
    }

    @Override
    public Long put(Long key, Long value) {
        Long old = super.put(key, value);
        hput(key, value);
        return old;
    }

    @Override
    public Long remove(Object key) {
        Long old = super.remove(key);
        if (old != null) hremove((Long) key);
        return old;
    }

    @Override
    public void putAll(Map<? extends Long, ? extends Long> m) {
        super.putAll(m); // may build the tree without put()
        for (Map.Entry<? extends Long, ? extends Long> e : m.entrySet()) hput(e.getKey(), e.getValue());
    }

    @Override
    public void clear() {
        super.clear();
        table = null;
        count = 0;
    }

    @Override
    public Long get(Object key) {
        if (!(key instanceof Long k) || k < 0) return super.get(key);
        int i = find(k);
        return i < 0 ? null : table[2 * i + 1];
    }

    @Override
    public boolean containsKey(Object key) {
        if (!(key instanceof Long k) || k < 0) return super.containsKey(key);
        return find(k) >= 0;
    }

    @Override
    public Long getOrDefault(Object key, Long dflt) {
        if (!(key instanceof Long k) || k < 0) return super.getOrDefault(key, dflt);
        int i = find(k);
        return i < 0 ? dflt : table[2 * i + 1];
    }
}
