package org.mmspec.conformance.extfrag;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.mmspec.conformance.Comparison;
import org.mmspec.conformance.Fixtures;
import org.mmspec.conformance.MalformedInputException;

/** This machine's saved buddyinfo and debugfs extfrag files against the reference's Vmstat. */
class ExtfragCheckTest {
    static Comparison compare(String b, String u, String e) {
        return ExtfragCheck.compare(ZoneLines.parse(b, "b"), "b", ZoneLines.parse(u, "u"), "u", ZoneLines.parse(e, "e"), "e");
    }

    @Test
    void everyIndexAgrees() {
        Comparison c = compare(Fixtures.machine("buddyinfo"), Fixtures.machine("unusable_index"), Fixtures.machine("extfrag_index"));
        assertTrue(c.allAgree(), () -> c.rows().stream().filter(r -> !r.agrees()).toList().toString());
        assertEquals(3 * 2 * 11, c.rows().size());
    }

    @Test
    void aChangedValueDisagreesOnItsRow() {
        Comparison c = compare(Fixtures.machine("buddyinfo"), Fixtures.machine("unusable_index").replace("0.066", "0.067"),
                Fixtures.machine("extfrag_index"));
        assertEquals(1, c.disagreements());
        Comparison.Row r = c.rows().stream().filter(x -> !x.agrees()).findFirst().orElseThrow();
        assertEquals("Node 0 DMA", r.zone());
        assertEquals("unusable_index[9]", r.field());
        assertEquals("0.067", r.kernel());
        assertEquals("0.066", r.reference());
    }

    @Test
    void aFragmentedZoneGivesPositiveIndicesAsPrinted() {
        // one order-0 and one order-1 block: order 2 fails, 1000 - (1000 + 3000/4) / 2 = 125
        String b = "Node 0, zone   Normal      1      1      0 \n";
        String u = "Node 0, zone   Normal 0.000 0.333 1.000 \n";
        String e = "Node 0, zone   Normal -1.000 -1.000  0.125 \n";
        assertTrue(compare(b, u, e).allAgree(), compare(b, u, e).rows().toString());
    }

    @Test
    void zonesMissingFromAFileDisagree() {
        String u = Fixtures.machine("unusable_index");
        String noDma = u.substring(u.indexOf('\n') + 1);
        Comparison c = compare(Fixtures.machine("buddyinfo"), noDma, Fixtures.machine("extfrag_index"));
        assertEquals(1, c.disagreements());
    }

    @Test
    void malformedLinesAreRejectedWithTheirNumber() {
        MalformedInputException e = assertThrows(MalformedInputException.class, () -> compare(Fixtures.machine("buddyinfo"),
                Fixtures.machine("unusable_index").replace("0.066", "0.66"), Fixtures.machine("extfrag_index")));
        assertEquals("u:1: index of order 9 '0.66' is not %d.%03d", e.getMessage());
        e = assertThrows(MalformedInputException.class, () -> ZoneLines.parse("Node 0, zone DMA 1 2\nNode 0, zone DMA32 1\n", "b"));
        assertEquals("b:2: 1 values; the lines above have 2 (one per order)", e.getMessage());
        e = assertThrows(MalformedInputException.class, () -> compare("Node 0, zone DMA 1 -2\n", "Node 0, zone DMA 0.000 0.000\n",
                "Node 0, zone DMA -1.000 -1.000\n"));
        assertEquals("b:1: nr_free of order 1 is negative", e.getMessage());
        e = assertThrows(MalformedInputException.class, () -> ZoneLines.parse("zone DMA 1 2\n", "b"));
        assertEquals(1, e.line());
    }
}
