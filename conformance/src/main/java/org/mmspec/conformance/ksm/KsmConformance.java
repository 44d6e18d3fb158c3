package org.mmspec.conformance.ksm;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.mmspec.conformance.Comparison;
import org.mmspec.reference.ksm.Ksm;
import org.mmspec.reference.ksm.KsmMm;
import org.mmspec.reference.ksm.KsmSimulation;

/**
 * `mmspec conform ksm`: each scenario run on the live kernel ({@link LiveKsm}) and on the
 * reference ({@link KsmSimulation}), compared counter by counter after every full scan: the sysfs
 * counters (pages_scanned and pages_skipped counted from the scenario's start, the others as
 * shown) and the process's /proc/self/ksm_stat.
 */
public final class KsmConformance {
    private KsmConformance() {}

    /** One scenario: groups of pages, full scans, and the knobs it sets. */
    public record Scenario(String name, String groups, int scans, int maxPageSharing, boolean useZeroPages, boolean smartScan,
                           String why) {
        public List<KsmSimulation.Group> parsed() {
            return KsmSimulation.parseGroups(groups);
        }

        @Override
        public String toString() {
            return name + ": --groups \"" + groups + "\" --scans " + scans + (maxPageSharing != Ksm.DEFAULT_MAX_PAGE_SHARING
                    ? " --max-page-sharing " + maxPageSharing : "") + (useZeroPages ? " --use-zero-pages" : "")
                    + (smartScan ? " --smart-scan" : "");
        }
    }

    /** The built-in scenarios: chains, zero pages with and without use_zero_pages, unique pages, mixes, smart scan. */
    public static final List<Scenario> SCENARIOS = List.of(
            new Scenario("issue-example", "600:7 1000:-1", 4, 256, false, false,
                    "the issue's example: 600 equal pages at the default limit give 3 shared, 597 sharing, 1 chain, 3 dups"),
            new Scenario("limit-plus-one", "257:11", 4, 256, false, false,
                    "one page over max_page_sharing: it stays in the unstable tree"),
            new Scenario("small-chains", "9:3", 4, 2, false, false,
                    "max_page_sharing 2: four full dups in a chain and one page left over"),
            new Scenario("two-chains", "40:7 30:9 20:-1", 4, 8, false, false,
                    "two contents, each a chain of dups of 8"),
            new Scenario("many-small-groups", "2:1 2:2 2:3 2:4 1:5 3:6", 4, 2, false, false,
                    "pairs that each make a KSM page, a singleton, and a triple that needs a chain"),
            new Scenario("interleaved", "3:5 2:6 3:5 2:6 1:-1", 4, 3, false, false,
                    "the same contents in separate runs of pages"),
            new Scenario("zero-pages", "1000:0", 4, 256, false, false,
                    "all-zero pages without use_zero_pages merge like any content: a chain of 4 dups"),
            new Scenario("zero-pages-use-zero", "1000:0", 4, 256, true, false,
                    "with use_zero_pages they are replaced by the zero page; their rmap_items stay volatile for a scan"),
            new Scenario("zero-mix-use-zero", "300:0 300:5 100:-1", 4, 64, true, false,
                    "zero pages, a chained content and unique pages together"),
            new Scenario("unique-only", "500:-1", 4, 256, false, false,
                    "nothing to merge: every page ends up in the unstable tree"),
            new Scenario("zero-and-limit", "513:0 7:-1", 4, 256, false, false,
                    "two full dups of the zero content and one page over"),
            new Scenario("smart-scan", "50:42 50:-1", 9, 256, false, true,
                    "smart_scan: pages that keep failing to merge get skipped from their fourth scan on"));

    /** The scenario named, or null. */
    public static Scenario scenario(String name) {
        for (Scenario s : SCENARIOS) if (s.name().equals(name)) return s;
        return null;
    }

    /** The reference's rows for a scenario: the counters after each full scan, then ksm_stat's fields. */
    public static List<Map<String, Long>> simulate(Scenario sc, long sleepMillisecs, List<Map<String, Long>> statsOut) {
        KsmSimulation sim = new KsmSimulation(sc.parsed(), sc.maxPageSharing(), sc.useZeroPages(), sc.smartScan(), sleepMillisecs);
        List<Map<String, Long>> rows = new ArrayList<>();
        for (int i = 0; i < sc.scans(); i++) {
            rows.add(sim.fullScan());
            KsmMm mm = sim.mm();
            statsOut.add(Map.of("ksm_rmap_items", mm.ksmRmapItems(), "ksm_zero_pages", mm.ksmZeroPages(), "ksm_merging_pages",
                    mm.ksmMergingPages(), "ksm_process_profit", mm.ksmProcessProfit()));
        }
        return rows;
    }

    /** Serializes mmspec processes driving ksmd on this machine (the knobs are global). */
    public static final java.nio.file.Path LOCK = java.nio.file.Path.of(System.getProperty("java.io.tmpdir"), "mmspec-ksm.lock");

    /** An exclusive lock on a file, held while one process drives ksmd. */
    static final class MachineLock implements AutoCloseable {
        private final java.nio.channels.FileChannel ch;
        private final java.nio.channels.FileLock lock;

        private MachineLock(java.nio.channels.FileChannel ch, java.nio.channels.FileLock lock) {
            this.ch = ch;
            this.lock = lock;
        }

        static MachineLock acquire(java.nio.file.Path file, long timeoutMillis) {
            try {
                java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.CREATE,
                        java.nio.file.StandardOpenOption.WRITE);
                long deadline = System.currentTimeMillis() + timeoutMillis;
                while (true) {
                    java.nio.channels.FileLock l = ch.tryLock();
                    if (l != null) return new MachineLock(ch, l);
                    if (System.currentTimeMillis() > deadline) {
                        ch.close();
                        throw new IllegalStateException("another mmspec process holds " + file + " (it is driving ksmd)");
                    }
                    Thread.sleep(100);
                }
            } catch (java.io.IOException e) {
                throw new IllegalStateException("cannot lock " + file + ": " + e.getMessage(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted waiting for " + file);
            }
        }

        @Override
        public void close() {
            try {
                lock.release();
                ch.close();
            } catch (java.io.IOException e) {
                // released with the process anyway
            }
        }
    }

    /** The counters and ksm_stat fields compared, in order. */
    static final List<String> STAT_FIELDS = List.of("ksm_rmap_items", "ksm_zero_pages", "ksm_merging_pages", "ksm_process_profit");

    /**
     * Runs the scenarios live and on the reference and compares every counter after every full
     * scan. Rows of the first full scan are compared too; {@code firstScanNote} says which differ.
     */
    public static Comparison compare(List<Scenario> scenarios, long sleepMillisecs, long timeoutMillis, java.io.PrintStream progress) {
        Comparison c = new Comparison("scenario");
        try (MachineLock lock = MachineLock.acquire(LOCK, 120_000); KsmKnobs knobs = new KsmKnobs(KsmKnobs.DIR)) {
            for (Scenario sc : scenarios) {
                if (progress != null) progress.println("scenario " + sc);
                List<Map<String, Long>> modelStats = new ArrayList<>();
                List<Map<String, Long>> model = simulate(sc, sleepMillisecs, modelStats);
                LiveKsm.Result live = LiveKsm.run(knobs, sc.parsed(), sc.scans(), sc.maxPageSharing(), sc.useZeroPages(), sc.smartScan(),
                        sleepMillisecs, timeoutMillis + 4 * sleepMillisecs);
                for (int k = 0; k < sc.scans(); k++) {
                    String where = sc.name() + " scan " + (k + 1);
                    for (Map.Entry<String, Long> e : model.get(k).entrySet()) {
                        c.add(where, e.getKey(), live.scans().get(k).get(e.getKey()), e.getValue());
                    }
                    for (String f : STAT_FIELDS) {
                        Long kv = live.stats().get(k).get(f);
                        if (kv != null) c.add(where, "ksm_stat " + f, kv, modelStats.get(k).get(f));
                    }
                }
                for (String n : live.notes()) c.note(sc.name() + ": " + n);
            }
            knobs.restore();
            c.note("Every knob of " + KsmKnobs.DIR + " restored to " + knobs.saved() + " (run=2 first: nothing stays merged; "
                    + "full_scans is 0 again)" + (knobs.restoreErrors().isEmpty() ? "" : "; FAILED: " + knobs.restoreErrors()));
        }
        return c;
    }
}
