package org.mmspec.conformance.trace;

/**
 * The last {@link #CAPACITY} pages passed through free_pages_prepare (mm_page_free), with the task
 * that freed each: free_unref_folios() prepares a whole folio batch (at most PAGEVEC_SIZE, 31) and
 * then commits each folio to the pcp list with mm_page_free_batched, so a batched free must find
 * its page here, freed by the same task. Bounded: the oldest entry falls out when a new one comes.
 */
final class RecentFrees {
    static final int CAPACITY = 1 << 13;
    private final long[] ringPfn = new long[CAPACITY];
    private final int[] ringPid = new int[CAPACITY];
    private final boolean[] ringLive = new boolean[CAPACITY];
    private int next;
    // pfn -> ring slot, open addressing over 4x CAPACITY slots (keys stored +1; 0 = empty)
    private final long[] keys = new long[CAPACITY * 4];
    private final int[] slots = new int[CAPACITY * 4];
    private static final int MASK = CAPACITY * 4 - 1;

    void clear() {
        java.util.Arrays.fill(keys, 0);
        java.util.Arrays.fill(ringLive, false);
        next = 0;
    }

    private static int hash(long pfn) {
        long h = pfn * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 31));
    }

    void add(long pfn, int pid) {
        int s = next;
        next = (next + 1) & (CAPACITY - 1);
        if (ringLive[s]) removeKey(ringPfn[s], s);
        int old = find(pfn);
        if (old >= 0) {
            ringLive[slots[old]] = false;
            removeAt(old);
        }
        ringPfn[s] = pfn;
        ringPid[s] = pid;
        ringLive[s] = true;
        int i = hash(pfn) & MASK;
        while (keys[i] != 0) i = (i + 1) & MASK;
        keys[i] = pfn + 1;
        slots[i] = s;
    }

    /** Takes the entry for pfn out; returns the pid that freed it, or -1 when it is not here. */
    int take(long pfn) {
        int i = find(pfn);
        if (i < 0) return -1;
        int s = slots[i];
        int pid = ringPid[s];
        ringLive[s] = false;
        removeAt(i);
        return pid;
    }

    private int find(long pfn) {
        int i = hash(pfn) & MASK;
        while (keys[i] != 0) {
            if (keys[i] == pfn + 1) return i;
            i = (i + 1) & MASK;
        }
        return -1;
    }

    private void removeKey(long pfn, int slot) {
        int i = find(pfn);
        if (i >= 0 && slots[i] == slot) removeAt(i);
    }

    private void removeAt(int i) {
        int hole = i;
        int j = i;
        while (true) {
            j = (j + 1) & MASK;
            if (keys[j] == 0) break;
            int home = hash(keys[j] - 1) & MASK;
            boolean between = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
            if (!between) {
                keys[hole] = keys[j];
                slots[hole] = slots[j];
                hole = j;
            }
        }
        keys[hole] = 0;
    }
}
