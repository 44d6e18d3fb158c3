package org.mmspec.bench;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.ref.Reference;
import java.util.Arrays;

import com.sun.management.HotSpotDiagnosticMXBean;

import org.mmspec.reference.Machine;
import org.mmspec.reference.alloc.MachineConfig;

/**
 * Retained heap per page frame of a booted {@link BenchMachines#oneZone4G()} machine (2^20 page
 * frames), against the target of at most {@value #TARGET_BYTES_PER_PAGE} bytes.
 *
 * <p>Each round forces full collections until the used heap settles, reads
 * {@code totalMemory - freeMemory}, boots a machine, collects again with the machine still
 * reachable, and reads the used heap again; the difference over the page frames is that round's
 * figure. The median of {@value #ROUNDS} rounds is reported with the spread, beside
 * {@code MemMap.bytesPerPage()} (the parallel struct-page arrays alone). With {@code --check} it
 * exits 1 when the median misses the target, so a script can gate on it.
 *
 * <p>The figure is what this JVM's collector holds for the machine, so it depends on the
 * collector: G1 gives each array of at least half a region (a "humongous" object) whole regions
 * of its own, and an {@code int[2^20]} (4 MiB plus a 16-byte header) then takes two 4 MiB regions.
 * Run it under the default collector (what {@code mmspec} users get) and under
 * {@code -XX:+UseParallelGC}, which counts live bytes exactly, to see both; the collector and
 * region size are printed.
 *
 * <p>Run: {@code java -cp bench/target/benchmarks.jar org.mmspec.bench.HeapPerPage [--check]}
 */
public final class HeapPerPage {
    public static final double TARGET_BYTES_PER_PAGE = 32;
    static final int ROUNDS = 7;
    /** Prefix of the machine-readable result line: median, min, max in bytes per page frame. */
    static final String RESULT_TAG = "HEAP-PER-PAGE-RESULT";

    private HeapPerPage() {}

    public static void main(String[] args) throws InterruptedException {
        MachineConfig cfg = BenchMachines.oneZone4G();
        long frames = BenchMachines.ONE_ZONE_PAGES;
        // Warm up: load and initialise every class a boot touches, so class metadata and static
        // tables are not charged to the first round.
        Machine warm = new Machine(cfg);
        int arrayBytes = warm.mem().bytesPerPage();
        warm = null;

        double[] perPage = new double[ROUNDS];
        for (int r = 0; r < ROUNDS; r++) {
            long before = settledUsedHeap();
            Machine m = new Machine(cfg);
            long after = settledUsedHeap();
            Reference.reachabilityFence(m);
            perPage[r] = (double) (after - before) / frames;
        }
        double[] sorted = perPage.clone();
        Arrays.sort(sorted);
        double median = sorted[ROUNDS / 2];
        boolean met = median <= TARGET_BYTES_PER_PAGE;
        System.out.printf("machine %s: %d page frames (ZONE_NORMAL, MAX_PAGE_ORDER %d, pageblock_order %d)%n",
                cfg.name(), frames, cfg.maxPageOrder(), cfg.pageblockOrder());
        System.out.printf("jvm %s %s, collector %s%s, max heap %d MiB%n", System.getProperty("java.vm.name"),
                System.getProperty("java.runtime.version"), collectors(), regionSize(),
                Runtime.getRuntime().maxMemory() >> 20);
        System.out.printf("rounds (bytes/page frame): %s%n", Arrays.toString(round2(perPage)));
        System.out.printf("heap per page frame: median %.2f bytes, spread %.2f..%.2f, MemMap.bytesPerPage() %d, "
                        + "target <= %.0f: %s%n", median, sorted[0], sorted[ROUNDS - 1], arrayBytes,
                TARGET_BYTES_PER_PAGE, met ? "met" : "NOT met");
        System.out.printf("retained heap of one machine: %.1f MiB%n", median * frames / (1 << 20));
        // One line for RunAll to read back.
        System.out.printf(java.util.Locale.ROOT, "%s %.2f %.2f %.2f%n", RESULT_TAG, median, sorted[0], sorted[ROUNDS - 1]);
        if (!met && Arrays.asList(args).contains("--check")) System.exit(1);
    }

    private static String collectors() {
        StringBuilder b = new StringBuilder();
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (b.length() > 0) b.append(" + ");
            b.append(gc.getName());
        }
        return b.toString();
    }

    /** ", G1 region N MiB" under G1, else empty. */
    private static String regionSize() {
        try {
            HotSpotDiagnosticMXBean hs = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
            if (!"true".equals(hs.getVMOption("UseG1GC").getValue())) return "";
            long r = Long.parseLong(hs.getVMOption("G1HeapRegionSize").getValue());
            return ", G1 region " + (r >> 20) + " MiB";
        } catch (RuntimeException | LinkageError e) {
            return "";
        }
    }

    private static double[] round2(double[] a) {
        double[] o = new double[a.length];
        for (int i = 0; i < a.length; i++) o[i] = Math.round(a[i] * 100) / 100.0;
        return o;
    }

    /** Collects until two successive readings of the used heap agree to 64 KiB (at most 10 times). */
    static long settledUsedHeap() throws InterruptedException {
        Runtime rt = Runtime.getRuntime();
        long prev = Long.MAX_VALUE;
        for (int i = 0; i < 10; i++) {
            System.gc();
            Thread.sleep(20);
            long used = rt.totalMemory() - rt.freeMemory();
            if (Math.abs(prev - used) < 64 * 1024) return used;
            prev = used;
        }
        return prev;
    }
}
