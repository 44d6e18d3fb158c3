package org.mmspec.invariants;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

/** invariants/CATALOG.md is generated from the code; this fails when it is stale. */
class CatalogFileTest {
    /**
     * Modules above this one add invariants through Catalog.Source (the conformance module's trace
     * oracle), so the file holds sections this module cannot render; conformance's
     * CatalogFileTest compares the whole file byte for byte with every source on the class path.
     * Here: every row this module renders is in the file, in the section of its subsystem, and the
     * file has no other row in those sections.
     */
    @Test
    void catalogFileIsCurrent() throws Exception {
        Path file = Path.of("CATALOG.md");
        assertTrue(Files.exists(file), "invariants/CATALOG.md is missing: run ./mmspec catalog --write invariants/CATALOG.md");
        String onDisk = Files.readString(file, StandardCharsets.UTF_8);
        Map<String, Set<String>> fileRows = rowsBySection(onDisk);
        Map<String, Set<String>> ourRows = rowsBySection(Catalog.markdown());
        assertTrue(onDisk.startsWith(Catalog.markdown().substring(0, Catalog.markdown().indexOf("\n## "))),
                "invariants/CATALOG.md has a stale header: run ./mmspec catalog --write invariants/CATALOG.md");
        for (Map.Entry<String, Set<String>> e : ourRows.entrySet()) {
            assertEquals(e.getValue(), fileRows.get(e.getKey()), "section '" + e.getKey()
                    + "' of invariants/CATALOG.md is stale: run ./mmspec catalog --write invariants/CATALOG.md");
        }
    }

    static Map<String, Set<String>> rowsBySection(String md) {
        Map<String, Set<String>> out = new LinkedHashMap<>();
        String section = null;
        for (String line : md.split("\n")) {
            if (line.startsWith("## ")) {
                section = line.substring(3).trim();
                out.put(section, new LinkedHashSet<>());
            } else if (section != null && line.startsWith("| `")) {
                out.get(section).add(line);
            }
        }
        return out;
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
