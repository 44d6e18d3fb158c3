package org.mmspec.conformance.ksm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.mmspec.conformance.Comparison;

/**
 * `mmspec conform ksm` on this machine's ksmd: every built-in scenario agrees counter by counter
 * after every full scan, and every knob is back as it was, also when the process is killed in the
 * middle. Skipped, with the reason, without root, KSM, libc through JNA, or while another process
 * has MADV_MERGEABLE memory.
 */
class LiveKsmTest {
    static Map<String, String> knobs() {
        Map<String, String> m = new LinkedHashMap<>();
        for (String k : KsmKnobs.KNOBS) {
            java.nio.file.Path p = KsmKnobs.DIR.resolve(k);
            if (java.nio.file.Files.exists(p)) m.put(k, org.mmspec.conformance.Files2.read(p).trim());
        }
        return m;
    }

    @Test
    void everyScenarioAgreesWithTheLiveKernel() {
        String why = LiveKsm.unavailable();
        assumeTrue(why == null, () -> "live KSM check skipped: " + why);
        Map<String, String> before = knobs();
        Comparison c = KsmConformance.compare(KsmConformance.SCENARIOS, 100, 30_000, null);
        List<String> bad = new ArrayList<>();
        for (Comparison.Row r : c.rows()) if (!r.agrees()) bad.add(r.toString());
        assertEquals(List.of(), bad);
        assertTrue(c.rows().size() > 700, "rows: " + c.rows().size());
        assertEquals(before, knobs(), "the knobs are back as they were");
    }

    /** Killed in the middle of a scenario (SIGTERM), the process's shutdown hook restores every knob. */
    @Test
    void aKilledRunRestoresTheKnobs() throws Exception {
        String why = LiveKsm.unavailable();
        assumeTrue(why == null, () -> "live KSM check skipped: " + why);
        Map<String, String> before = knobs();
        String java = ProcessHandle.current().info().command().orElse("java");
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), LiveKsmChild.class.getName())
                .redirectErrorStream(true).start();
        try {
            long deadline = System.currentTimeMillis() + 30_000;
            // wait until the child has taken ksmd over: pages_to_scan is its page count and run is 1
            while (!(knobs().get("pages_to_scan").equals(Long.toString(LiveKsmChild.PAGES)) && knobs().get("run").equals("1"))) {
                if (!p.isAlive()) throw new AssertionError("the child died: " + new String(p.getInputStream().readAllBytes()));
                assertTrue(System.currentTimeMillis() < deadline, "the child never started ksmd");
                Thread.sleep(20);
            }
            p.destroy(); // SIGTERM: the JVM runs its shutdown hooks
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the child did not exit");
        } finally {
            p.destroyForcibly();
        }
        assertEquals(before, knobs(), "the knobs are back as they were");
        assertEquals("0", org.mmspec.conformance.Files2.read(KsmKnobs.DIR.resolve("pages_shared")).trim());
    }
}
