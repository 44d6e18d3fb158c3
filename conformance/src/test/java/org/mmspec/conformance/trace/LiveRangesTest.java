package org.mmspec.conformance.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/** The oracle's live-block table against a HashMap, through growth and backward-shift deletion. */
class LiveRangesTest {
    @Test
    void behavesLikeAMap() {
        SplittableRandom rnd = new SplittableRandom(42);
        LiveRanges lr = new LiveRanges();
        Map<Long, Integer> model = new HashMap<>();
        for (int i = 0; i < 200_000; i++) {
            long pfn = rnd.nextLong(1 << 16) << rnd.nextInt(3); // clustered keys: long probe runs
            if (rnd.nextInt(3) == 0) {
                assertEquals(model.remove(pfn) != null, lr.remove(pfn), "remove " + pfn);
            } else {
                int o = rnd.nextInt(11);
                lr.put(pfn, o, i);
                model.put(pfn, o);
            }
            if (i % 997 == 0) {
                for (Map.Entry<Long, Integer> e : model.entrySet()) assertEquals((int) e.getValue(), lr.get(e.getKey()));
            }
        }
        assertEquals(model.size(), lr.size());
        for (long p = 0; p < 1 << 18; p++) assertEquals(model.getOrDefault(p, -1), lr.get(p), "pfn " + p);
    }

    @Test
    void carveLeavesTheBuddiesExpandWouldLeave() {
        LiveRanges lr = new LiveRanges();
        lr.put(0x100, 3, 7);
        lr.carve(0x100, 3, 0x105, 0);
        // [0x100, 0x108) minus 0x105: 0x100 order 2, 0x106 order 1, 0x104 order 0
        assertEquals(2, lr.get(0x100));
        assertEquals(1, lr.get(0x106));
        assertEquals(0, lr.get(0x104));
        assertEquals(-1, lr.get(0x105));
        assertEquals(3, lr.size());
        assertEquals(7, lr.line(0x106));
        assertEquals(0x100, lr.containing(0x103, 0, 10));
        assertEquals(-1, lr.containing(0x105, 0, 10));
        assertEquals(0x104, lr.inside(0x104, 1));
    }
}
