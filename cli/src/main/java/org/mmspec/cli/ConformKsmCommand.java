package org.mmspec.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import org.mmspec.conformance.Comparison;
import org.mmspec.conformance.ksm.KsmConformance;
import org.mmspec.conformance.ksm.LiveKsm;
import org.mmspec.reference.ksm.Ksm;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code mmspec conform ksm}: KSM scenarios on the live ksmd and on the reference, compared
 * counter by counter after every full scan.
 */
@Command(name = "ksm", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run KSM scenarios in this process on the live kernel (mmap, memset, madvise(MADV_MERGEABLE); ksmd driven "
                + "through /sys/kernel/mm/ksm with smart_scan as asked, pages_to_scan = the page count and a long "
                + "sleep_millisecs) and on the reference, and compare /sys/kernel/mm/ksm and /proc/self/ksm_stat after every "
                + "full scan. Needs root and a kernel with KSM; refuses to run while another process has MADV_MERGEABLE memory. "
                + "Every knob is saved first and restored at the end, on failure and on interrupt (run=2 first, so nothing "
                + "stays merged).",
            "Exit 0 when every value agrees (or the check cannot run here: it says why), 1 otherwise, 2 on bad usage."})
public final class ConformKsmCommand implements Callable<Integer> {
    @Option(names = "--scenario", paramLabel = "NAME", split = ",",
            description = "Built-in scenario(s) to run (default: all; `--list` names them).")
    List<String> scenarios;

    @Option(names = "--groups", paramLabel = "\"COUNT:VALUE ...\"",
            description = "Run this scenario instead (as `mmspec ksm simulate --groups`).")
    String groups;

    @Option(names = "--scans", paramLabel = "N", defaultValue = "4", description = "Full scans for --groups; default ${DEFAULT-VALUE}.")
    int scans;

    @Option(names = "--max-page-sharing", paramLabel = "N", defaultValue = "" + Ksm.DEFAULT_MAX_PAGE_SHARING,
            description = "max_page_sharing for --groups; default ${DEFAULT-VALUE}.")
    int maxPageSharing;

    @Option(names = "--use-zero-pages", description = "use_zero_pages = 1 for --groups.")
    boolean useZeroPages;

    @Option(names = "--smart-scan", description = "smart_scan = 1 for --groups.")
    boolean smartScan;

    @Option(names = "--sleep-millisecs", paramLabel = "MS", defaultValue = "200",
            description = "ksmd's sleep between batches: the counters are read in it; default ${DEFAULT-VALUE}.")
    long sleepMillisecs;

    @Option(names = "--timeout-ms", paramLabel = "MS", defaultValue = "30000",
            description = "The longest wait for one full scan; default ${DEFAULT-VALUE}.")
    long timeoutMillis;

    @Option(names = "--disagreements-only", description = "Print only the rows that disagree.")
    boolean onlyDisagreements;

    @Option(names = "--list", description = "List the built-in scenarios and exit.")
    boolean list;

    @Override
    public Integer call() {
        PrintStream out = System.out;
        if (list) {
            for (KsmConformance.Scenario s : KsmConformance.SCENARIOS) out.println(s + "\n    " + s.why());
            return 0;
        }
        List<KsmConformance.Scenario> run = new ArrayList<>();
        if (groups != null) {
            if (scenarios != null) throw new Main.UsageException("--groups and --scenario go separately");
            if (scans < 1 || scans > 100) throw new Main.UsageException("--scans must be 1..100, got " + scans);
            if (maxPageSharing < 2) throw new Main.UsageException("--max-page-sharing must be at least 2, got " + maxPageSharing);
            var parsed = org.mmspec.reference.ksm.KsmSimulation.parseGroups(groups);
            if (org.mmspec.reference.ksm.KsmSimulation.pages(parsed) > 1 << 20) {
                throw new Main.UsageException("--groups: at most 1048576 pages live");
            }
            run.add(new KsmConformance.Scenario("groups", groups, scans, maxPageSharing, useZeroPages, smartScan, "from the command line"));
        } else if (scenarios != null) {
            for (String n : scenarios) {
                KsmConformance.Scenario s = KsmConformance.scenario(n);
                if (s == null) {
                    List<String> names = new ArrayList<>();
                    for (KsmConformance.Scenario x : KsmConformance.SCENARIOS) names.add(x.name());
                    throw new Main.UsageException("unknown scenario '" + n + "' (one of " + names + ")");
                }
                run.add(s);
            }
        } else {
            run.addAll(KsmConformance.SCENARIOS);
        }
        if (sleepMillisecs < 20 || sleepMillisecs > 10_000) throw new Main.UsageException("--sleep-millisecs must be 20..10000");
        String why = LiveKsm.unavailable();
        if (why != null) {
            out.println("mmspec conform ksm: skipped: " + why + ".");
            return 0;
        }
        out.println("mmspec conform ksm: " + run.size() + " scenario(s) on the live ksmd (" + System.getProperty("os.version")
                + ") and on the reference; sleep_millisecs " + sleepMillisecs);
        Comparison c;
        try {
            c = KsmConformance.compare(run, sleepMillisecs, timeoutMillis, out);
        } catch (IllegalStateException e) {
            System.err.println("mmspec conform ksm: " + e.getMessage());
            return 2;
        }
        c.print(out, onlyDisagreements);
        return c.allAgree() ? 0 : 1;
    }
}
