package org.mmspec.conformance.ksm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Saving and restoring the knobs, on a directory standing in for /sys/kernel/mm/ksm. */
class KsmKnobsTest {
    @Test
    void everyKnobIsSavedAndWrittenBack(@TempDir Path dir) throws Exception {
        Map<String, String> start = Map.of("max_page_sharing", "256", "merge_across_nodes", "1", "use_zero_pages", "0",
                "smart_scan", "1", "stable_node_chains_prune_millisecs", "2000", "sleep_millisecs", "20", "pages_to_scan", "100",
                "advisor_mode", "[none] scan-time", "run", "0");
        for (var e : start.entrySet()) Files.writeString(dir.resolve(e.getKey()), e.getValue() + "\n");
        Files.writeString(dir.resolve("full_scans"), "3\n");
        try (KsmKnobs k = new KsmKnobs(dir)) {
            assertEquals("none", k.saved().get("advisor_mode"));
            assertEquals(9, k.saved().size());
            k.write("run", "1");
            k.set("max_page_sharing", "2");
            k.set("pages_to_scan", "1600");
            k.set("smart_scan", "0");
            k.write("advisor_mode", "scan-time");
            assertEquals(3, k.read("full_scans"));
            assertEquals("2", k.readString("max_page_sharing"));
        }
        for (var e : start.entrySet()) {
            String want = e.getKey().equals("advisor_mode") ? "none" : e.getValue();
            assertEquals(want, Files.readString(dir.resolve(e.getKey())).trim(), e.getKey());
        }
    }

    @Test
    void aMissingKnobIsLeftAlone(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("run"), "1\n");
        try (KsmKnobs k = new KsmKnobs(dir)) {
            assertEquals(Map.of("run", "1"), k.saved());
            k.set("smart_scan", "0"); // absent: nothing written
        }
        assertEquals("1", Files.readString(dir.resolve("run")).trim());
        assertEquals(false, Files.exists(dir.resolve("smart_scan")));
    }
}
