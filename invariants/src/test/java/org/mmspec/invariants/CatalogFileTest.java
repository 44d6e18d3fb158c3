package org.mmspec.invariants;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.Test;

/** invariants/CATALOG.md is generated from the code; this fails when it is stale. */
class CatalogFileTest {
    @Test
    void catalogFileIsCurrent() throws Exception {
        Path file = Path.of("CATALOG.md");
        assertTrue(Files.exists(file), "invariants/CATALOG.md is missing: run ./mmspec catalog --write invariants/CATALOG.md");
        String onDisk = Files.readString(file, StandardCharsets.UTF_8);
        assertEquals(Catalog.markdown(), onDisk,
                "invariants/CATALOG.md is stale: run ./mmspec catalog --write invariants/CATALOG.md");
    }

    @Test
    void idsAreUniqueAndEveryEntryIsCited() {
        Set<String> ids = new HashSet<>();
        for (Catalog.Entry e : Catalog.entries()) {
            assertTrue(ids.add(e.id()), "duplicate invariant id " + e.id());
            assertTrue(e.statement().endsWith("."), e.id() + ": a statement is one sentence ending in a period");
            assertTrue(e.citation().contains("(v6.18)") || e.citation().startsWith("spec/README.md")
                    || e.citation().startsWith("DESIGN.md"), e.id() + " cites " + e.citation()
                    + "; a kernel citation names file:function (v6.18)");
        }
    }
}
