package org.mmspec.counterexamples.render;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.mmspec.invariants.Violation;

class HighlightTest {
    @Test
    void wordsMatchWhole() {
        assertTrue(Highlight.mentions("DMA watermark_boost is 8", "watermark_boost"));
        assertFalse(Highlight.mentions("NR_FREE_PAGES_BLOCKS is 3", "NR_FREE_PAGES"));
        assertFalse(Highlight.mentions("min_free_kbytes", "min"));
        assertTrue(Highlight.mentions("watermarks min 5 low 6", "min"));
    }

    @Test
    void theCounterexamplesInvariantIsPrimaryTheRestOther() {
        Violation a = Violation.of("A", "a", 0x10, 0x20);
        Violation b = Violation.of("B", "b", 0x20, 0x30).withNodes("Normal", "NR_FREE_PAGES");
        Highlight h = Highlight.of(List.of(b, a), "A");
        assertEquals(List.of(a, b), h.ordered());
        assertEquals(Map.of(0x10L, Highlight.Mark.PRIMARY, 0x20L, Highlight.Mark.PRIMARY, 0x30L, Highlight.Mark.OTHER), h.pfns());
        assertEquals(Highlight.Mark.OTHER, h.node("Normal"));
        Set<String> zones = Set.of("DMA", "Normal");
        assertEquals(Highlight.Mark.OTHER, h.nodeIn("Normal", zones, "NR_FREE_PAGES"));
        assertEquals(Highlight.Mark.NONE, h.nodeIn("DMA", zones, "NR_FREE_PAGES"), "scoped to the zone named");
        assertTrue(Highlight.NONE.isEmpty());
    }
}
