package org.mmspec.reference.rmap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * FastLongMap's edges, which random edits rarely hit: negative keys (kept in the tree only),
 * and backward-shift deletion in the first 8-slot table with keys chosen by their home slot:
 * an entry displaced from the removed slot's home moves back, an entry at its own home stays,
 * on both sides of the wrap-around. No kernel counterpart: the map is the model's page table.
 */
class FastLongMapEdgeTest {
    /** The first table has 8 slots (it grows at the fifth key). */
    static final int MASK = 7;

    /** n positive keys whose home slot (hash & 7) is {@code home}, from {@code from} up. */
    static List<Long> keysWithHome(int home, int n, long from) {
        List<Long> out = new ArrayList<>();
        for (long k = from; out.size() < n; k++) if ((FastLongMap.hash(k) & MASK) == home) out.add(k);
        return out;
    }

    static void assertHas(FastLongMap m, long k, long v) {
        assertEquals(v, m.getLong(k, -1), "key " + k);
        assertEquals(Long.valueOf(v), m.get(k));
        assertTrue(m.containsKey(k));
        assertTrue(m.containsLong(k));
        assertEquals(Long.valueOf(v), m.getOrDefault(k, -1L));
    }

    static void assertHasNot(FastLongMap m, long k) {
        assertEquals(-1, m.getLong(k, -1));
        assertNull(m.get(k));
        assertFalse(m.containsKey(k));
        assertFalse(m.containsLong(k));
        assertEquals(Long.valueOf(-1), m.getOrDefault(k, -1L));
    }

    @Test
    void negativeKeysLiveInTheTree() {
        FastLongMap m = new FastLongMap();
        m.put(-5L, 7L);
        m.put(3L, 4L);
        assertHas(m, -5, 7);
        assertHasNot(m, -9);
        assertHasNot(m, 4);
        assertEquals(7L, m.remove(-5L));
        assertHasNot(m, -5);
        assertHas(m, 3, 4);
        assertNull(m.remove(-5L));
        assertNull(m.remove(99L));
    }

    /** Remove the entry at a home slot h whose neighbour at h + 1 was displaced from h: it moves back. */
    @Test
    void aDisplacedEntryMovesBack() {
        for (int h = 0; h < 8; h++) {
            List<Long> ks = keysWithHome(h, 2, 1000);
            FastLongMap m = new FastLongMap();
            m.put(ks.get(0), 1L);
            m.put(ks.get(1), 2L); // at h + 1 (mod 8), wrapping for h = 7
            m.remove(ks.get(0));
            assertHas(m, ks.get(1), 2);
            assertHasNot(m, ks.get(0));
        }
    }

    /** Remove the entry at h whose neighbour at h + 1 is at its own home: it stays and is still found. */
    @Test
    void anEntryAtItsHomeStays() {
        for (int h = 0; h < 8; h++) {
            long a = keysWithHome(h, 1, 1000).get(0);
            long b = keysWithHome((h + 1) & MASK, 1, 1000).get(0);
            long c = keysWithHome(h, 2, 5000).get(1); // displaced from h past b, to h + 2
            FastLongMap m = new FastLongMap();
            m.put(a, 1L);
            m.put(b, 2L);
            m.put(c, 3L);
            m.remove(a);
            assertHas(m, b, 2);
            assertHas(m, c, 3);
            assertHasNot(m, a);
            m.remove(b);
            assertHas(m, c, 3);
            m.remove(c);
            assertTrue(m.isEmpty());
        }
    }

    /** Growth keeps every key reachable, and clear() empties the table too. */
    @Test
    void growthAndClear() {
        FastLongMap m = new FastLongMap();
        for (long k = 0; k < 40; k++) m.put(k * 8, k);
        for (long k = 0; k < 40; k++) assertHas(m, k * 8, k);
        m.clear();
        for (long k = 0; k < 40; k++) assertHasNot(m, k * 8);
        m.put(8L, 1L);
        assertHas(m, 8, 1);
    }
}
