package org.mmspec.invariants.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.lists;
import static org.quicktheories.generators.SourceDSL.longs;

import java.util.HashSet;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/** The seen-set: a set of longs (0 included) in at most 16 bytes per fingerprint. */
class FingerprintSetTest {
    @Test
    void behavesAsASetOfLongs() {
        qt().withExamples(200).forAll(lists().of(longs().between(-50, 50)).ofSizeBetween(0, 300)).checkAssert(xs -> {
            FingerprintSet s = new FingerprintSet(1);
            HashSet<Long> ref = new HashSet<>();
            for (long x : xs) assertEquals(ref.add(x), s.add(x), "add(" + x + ")");
            assertEquals(ref.size(), s.size());
            for (long x = -60; x <= 60; x++) assertEquals(ref.contains(x), s.contains(x), "contains(" + x + ")");
        });
    }

    @Test
    void zeroIsAFingerprintLikeAnyOther() {
        FingerprintSet s = new FingerprintSet();
        assertFalse(s.contains(0));
        assertTrue(s.add(0));
        assertFalse(s.add(0));
        assertTrue(s.contains(0));
        assertEquals(1, s.size());
    }

    @Test
    void staysWithinSixteenBytesPerFingerprintAsItGrows() {
        FingerprintSet s = new FingerprintSet(16);
        SplittableRandom r = new SplittableRandom(7);
        for (int i = 1; i <= 1_000_000; i++) {
            assertTrue(s.add(r.nextLong() | 1));
            if (i % 50_000 == 0) {
                double perEntry = s.bytes() / (double) s.size();
                assertTrue(perEntry <= 16.0 + 1e-9, i + " entries take " + perEntry + " bytes each");
            }
        }
        assertEquals(1_000_000, s.size());
    }
}
