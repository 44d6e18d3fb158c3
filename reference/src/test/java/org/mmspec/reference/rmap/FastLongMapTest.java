package org.mmspec.reference.rmap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

/**
 * FastLongMap is a TreeMap whose lookups go through a primitive hash table mirroring it: after
 * any mix of puts, removes (backward-shift deletion), putAll and clear, every lookup path agrees
 * with a plain TreeMap, for the dense runs of consecutive keys page tables and pfns are made of.
 */
class FastLongMapTest {
    @Test
    void agreesWithATreeMapUnderRandomEdits() {
        for (long seed = 1; seed <= 20; seed++) {
            SplittableRandom rnd = new SplittableRandom(seed);
            FastLongMap m = new FastLongMap();
            TreeMap<Long, Long> ref = new TreeMap<>();
            long base = rnd.nextLong(1L << 40);
            int span = 1 + rnd.nextInt(3000);
            for (int op = 0; op < 20_000; op++) {
                long k = base + rnd.nextInt(span);
                int what = rnd.nextInt(100);
                if (what < 55) {
                    long v = rnd.nextLong();
                    assertEquals(ref.put(k, v), m.put(k, v));
                } else if (what < 97) {
                    assertEquals(ref.remove(k), m.remove(k));
                } else if (what < 99) {
                    FastLongMap copy = new FastLongMap();
                    copy.putAll(m);
                    m = copy;
                } else if (rnd.nextInt(20) == 0) {
                    m.clear();
                    ref.clear();
                }
                long q = base + rnd.nextInt(span + 10) - 5;
                Long want = ref.get(q);
                assertEquals(want, m.get(q), "seed " + seed + " op " + op + " key " + q);
                assertEquals(want != null, m.containsLong(q));
                assertEquals(want != null, m.containsKey(q));
                assertEquals(want == null ? -7 : want, m.getLong(q, -7));
            }
            assertEquals(ref, m);
            for (Long k : ref.keySet()) assertTrue(m.containsLong(k));
        }
    }

    @Test
    void aDenseRunEmptiesAndRefills() {
        FastLongMap m = new FastLongMap();
        int n = 1 << 16;
        for (long k = 0; k < n; k++) m.put(k, k * 3);
        for (long k = 0; k < n; k += 2) m.remove(k); // every other key: each removal shifts its neighbours back
        for (long k = 0; k < n; k++) assertEquals(k % 2 == 0 ? -1 : k * 3, m.getLong(k, -1), "key " + k);
        for (long k = 1; k < n; k += 2) m.remove(k);
        assertTrue(m.isEmpty());
        for (long k = 0; k < n; k++) assertEquals(-1, m.getLong(k, -1));
        m.put(5L, 6L);
        assertEquals(6, m.getLong(5, -1));
    }
}
