package org.mmspec.conformance.trace;

/**
 * The ranges a trace saw allocated and not yet freed: aligned power-of-two blocks keyed by head
 * pfn. One packed long per slot ({@code pfn << 6 | order + 1}, 0 = empty), open addressing with
 * linear probing and backward-shift deletion, so the memory is one long[] sized by the most blocks
 * live at once, never by the length of the trace.
 */
final class LiveRanges {
    private long[] table = new long[1 << 12];
    /** The trace line of each block's allocation (saturated at Integer.MAX_VALUE), for evidence. */
    private int[] lines = new int[1 << 12];
    private int size;
    private int mask = table.length - 1;

    int size() {
        return size;
    }

    void clear() {
        java.util.Arrays.fill(table, 0);
        size = 0;
    }

    private static int hash(long pfn) {
        long h = pfn * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 29));
    }

    /** Calls {@code f(pfn, order)} for every live block (in table order). */
    void forEach(java.util.function.ObjLongConsumer<Integer> f) {
        for (long e : table) {
            if (e != 0) f.accept((int) (e & 63) - 1, e >>> 6);
        }
    }

    /** The order of the live block whose head is {@code pfn}, or -1. */
    int get(long pfn) {
        int i = hash(pfn) & mask;
        while (true) {
            long e = table[i];
            if (e == 0) return -1;
            if ((e >>> 6) == pfn) return (int) (e & 63) - 1;
            i = (i + 1) & mask;
        }
    }

    /** The trace line that allocated the live block at {@code pfn} (0 when unknown or absent). */
    long line(long pfn) {
        int i = hash(pfn) & mask;
        while (true) {
            long e = table[i];
            if (e == 0) return 0;
            if ((e >>> 6) == pfn) return lines[i];
            i = (i + 1) & mask;
        }
    }

    void put(long pfn, int order) {
        put(pfn, order, 0);
    }

    void put(long pfn, int order, long line) {
        if ((size + 1) * 4L > table.length * 3L) grow();
        int i = hash(pfn) & mask;
        long v = (pfn << 6) | (order + 1);
        int l = (int) Math.min(line, Integer.MAX_VALUE);
        while (true) {
            long e = table[i];
            if (e == 0) {
                table[i] = v;
                lines[i] = l;
                size++;
                return;
            }
            if ((e >>> 6) == pfn) {
                table[i] = v;
                lines[i] = l;
                return;
            }
            i = (i + 1) & mask;
        }
    }

    boolean remove(long pfn) {
        int i = hash(pfn) & mask;
        while (true) {
            long e = table[i];
            if (e == 0) return false;
            if ((e >>> 6) == pfn) break;
            i = (i + 1) & mask;
        }
        // backward-shift deletion: pull later entries of the probe run into the hole
        int hole = i;
        int j = i;
        while (true) {
            j = (j + 1) & mask;
            long e = table[j];
            if (e == 0) break;
            int home = hash(e >>> 6) & mask;
            boolean between = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
            if (!between) {
                table[hole] = e;
                lines[hole] = lines[j];
                hole = j;
            }
        }
        table[hole] = 0;
        size--;
        return true;
    }

    private void grow() {
        long[] old = table;
        int[] oldLines = lines;
        table = new long[old.length * 2];
        lines = new int[old.length * 2];
        mask = table.length - 1;
        size = 0;
        for (int i = 0; i < old.length; i++) {
            if (old[i] != 0) put(old[i] >>> 6, (int) (old[i] & 63) - 1, oldLines[i]);
        }
    }

    /**
     * The head of a live block that contains [pfn, pfn + 2^order) (the block itself or a larger
     * one around it), or -1. Blocks are aligned to their order, so the only candidate of order j
     * is pfn rounded down to 2^j.
     */
    long containing(long pfn, int order, int maxOrder) {
        for (int j = order; j <= maxOrder; j++) {
            long head = pfn & ~((1L << j) - 1);
            if (get(head) == j) return head;
        }
        return -1;
    }

    /** The head of a live block strictly inside [pfn, pfn + 2^order) (smaller than it), or -1. */
    long inside(long pfn, int order) {
        long end = pfn + (1L << order);
        for (long p = pfn; p < end; p++) {
            int o = get(p);
            if (o >= 0 && o < order) return p;
        }
        return -1;
    }

    /** The head of any live block that overlaps [pfn, pfn + 2^order), or -1. */
    long overlapping(long pfn, int order, int maxOrder) {
        long c = containing(pfn, order, maxOrder);
        return c >= 0 ? c : inside(pfn, order);
    }

    /** Forgets every live block inside [pfn, pfn + 2^order). */
    void removeInside(long pfn, int order) {
        long end = pfn + (1L << order);
        for (long p = pfn; p < end; p++) remove(p);
    }

    /**
     * The block (head, k) contains [pfn, pfn + 2^order): take that part out and keep the rest live
     * as the buddies expand() would leave (what split_page or a folio split followed by a free of one
     * piece leaves allocated).
     */
    void carve(long head, int k, long pfn, int order) {
        long line = line(head);
        remove(head);
        long cur = head;
        for (int j = k; j > order; j--) {
            long half = 1L << (j - 1);
            if (pfn >= cur + half) {
                put(cur, j - 1, line);      // lower half stays live
                cur += half;
            } else {
                put(cur + half, j - 1, line); // upper half stays live
            }
        }
    }
}
