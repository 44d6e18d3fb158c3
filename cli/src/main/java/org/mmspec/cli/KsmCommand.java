package org.mmspec.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import org.mmspec.reference.ksm.Ksm;
import org.mmspec.reference.ksm.KsmMm;
import org.mmspec.reference.ksm.KsmSimulation;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code mmspec ksm}: kernel samepage merging scenarios on the reference. */
@Command(name = "ksm", mixinStandardHelpOptions = true,
        description = "Kernel samepage merging (mm/ksm.c) scenarios on the reference.",
        subcommands = {KsmCommand.SimulateCommand.class})
public final class KsmCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** The counters of a simulation, one row per full scan, under their sysfs names. */
    static void printTable(PrintStream out, List<Map<String, Long>> rows) {
        List<String> cols = new ArrayList<>(rows.get(0).keySet());
        int[] w = new int[cols.size()];
        for (int i = 0; i < cols.size(); i++) {
            w[i] = cols.get(i).length();
            for (Map<String, Long> r : rows) w[i] = Math.max(w[i], String.valueOf(r.get(cols.get(i))).length());
        }
        StringBuilder h = new StringBuilder();
        for (int i = 0; i < cols.size(); i++) h.append(i == 0 ? "" : "  ").append(String.format("%" + w[i] + "s", cols.get(i)));
        out.println(h);
        for (Map<String, Long> r : rows) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < cols.size(); i++) sb.append(i == 0 ? "" : "  ").append(String.format("%" + w[i] + "d", r.get(cols.get(i))));
            out.println(sb);
        }
    }

    @Command(name = "simulate", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"One process maps the groups' pages in order, writes them (0: the all-zero page; 1..255: every byte "
                    + "that value; -1: a different content per page), marks them MADV_MERGEABLE, and ksmd runs full scans with "
                    + "pages_to_scan equal to the page count. Prints the counters of /sys/kernel/mm/ksm after each full scan, "
                    + "then the process's /proc/PID/ksm_stat.",
                "Exit 0, or 2 on bad usage."})
    static final class SimulateCommand implements Callable<Integer> {
        @Option(names = "--groups", paramLabel = "\"COUNT:VALUE ...\"", required = true,
                description = "Groups of pages, e.g. \"600:7 1000:-1\" (VALUE 0 zero page, 1..255 every byte, -1 unique).")
        String groups;

        @Option(names = "--scans", paramLabel = "N", defaultValue = "4", description = "Full scans to run; default ${DEFAULT-VALUE}.")
        int scans;

        @Option(names = "--max-page-sharing", paramLabel = "N", defaultValue = "" + Ksm.DEFAULT_MAX_PAGE_SHARING,
                description = "max_page_sharing (at least 2); default ${DEFAULT-VALUE}.")
        int maxPageSharing;

        @Option(names = "--use-zero-pages", description = "use_zero_pages = 1: merge all-zero pages with the zero page.")
        boolean useZeroPages;

        @Option(names = "--smart-scan", description = "smart_scan = 1: skip pages that keep failing to merge.")
        boolean smartScan;

        @Option(names = "--sleep-millisecs", paramLabel = "MS", defaultValue = "100",
                description = "sleep_millisecs: ksmd's clock advances this much per batch (it decides when chains are pruned); "
                        + "default ${DEFAULT-VALUE}.")
        long sleepMillisecs;

        @Override
        public Integer call() {
            if (scans < 1 || scans > 10_000) throw new Main.UsageException("--scans must be 1..10000, got " + scans);
            if (maxPageSharing < 2) throw new Main.UsageException("--max-page-sharing must be at least 2, got " + maxPageSharing);
            if (sleepMillisecs < 0) throw new Main.UsageException("--sleep-millisecs must not be negative");
            List<KsmSimulation.Group> g = KsmSimulation.parseGroups(groups);
            KsmSimulation sim = new KsmSimulation(g, maxPageSharing, useZeroPages, smartScan, sleepMillisecs);
            PrintStream out = System.out;
            out.println("mmspec ksm simulate: " + sim.describe() + " in one process; max_page_sharing " + maxPageSharing
                    + ", use_zero_pages " + (useZeroPages ? 1 : 0) + ", smart_scan " + (smartScan ? 1 : 0) + ", pages_to_scan "
                    + sim.pages());
            List<Map<String, Long>> rows = new ArrayList<>();
            for (int i = 0; i < scans; i++) rows.add(sim.fullScan());
            printTable(out, rows);
            KsmMm mm = sim.mm();
            out.println("ksm_stat of the process: ksm_rmap_items " + mm.ksmRmapItems() + ", ksm_zero_pages " + mm.ksmZeroPages()
                    + ", ksm_merging_pages " + mm.ksmMergingPages() + ", ksm_process_profit " + mm.ksmProcessProfit());
            return 0;
        }
    }
}
