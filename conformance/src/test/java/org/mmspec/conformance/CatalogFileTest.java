package org.mmspec.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.mmspec.conformance.trace.TraceInvariants;
import org.mmspec.invariants.Catalog;

/**
 * invariants/CATALOG.md, byte for byte, with every Catalog.Source on the class path (this module's
 * trace invariants included): fails when the file is stale.
 */
class CatalogFileTest {
    @Test
    void catalogFileIsCurrentWithTheTraceInvariants() throws Exception {
        Path file = Path.of("../invariants/CATALOG.md");
        assertTrue(Files.exists(file), "invariants/CATALOG.md is missing");
        assertEquals(Catalog.markdown(), Files.readString(file, StandardCharsets.UTF_8),
                "invariants/CATALOG.md is stale: run ./mmspec catalog --write invariants/CATALOG.md");
    }

    @Test
    void everyTraceInvariantIsInTheCatalog() {
        for (TraceInvariants.TraceInvariant t : TraceInvariants.ALL) {
            Catalog.Entry e = Catalog.byId(t.invariant().id());
            assertTrue(e != null, t.invariant().id() + " is not in the catalog");
            assertEquals("trace", e.subsystem());
            assertTrue(e.citation().contains("(v6.18)"), e.id() + " cites " + e.citation());
        }
    }
}
