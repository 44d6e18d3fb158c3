package org.mmspec.bench;

import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.mmspec.reference.ksm.Ksm;
import org.mmspec.reference.ksm.KsmSimulation;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One full scan of ksmd over {@value #PAGES} (2^20) mergeable pages of one process, with a
 * duplicate mix like a host running many similar guests: a quarter all-zero pages, half drawn
 * from 4,096 contents with a Zipf (s = 1) popularity laid out in runs of 64 pages cycling over
 * the contents (equal pages far apart in the address space), and a quarter unique. Setup builds
 * the process (mmap, a write per page, MADV_MERGEABLE, pages_to_scan 2^20, max_page_sharing 256,
 * use_zero_pages off) and runs the scans before the measured one; the measured call is
 * {@code Ksm.full_scan()}:
 *
 * <ul>
 *   <li>{@code checksumScan}: the first scan (every page checksummed, every rmap_item allocated);</li>
 *   <li>{@code mergeScan}: the second, where merging happens (stable and unstable tree searches,
 *       write_protect_page, replace_page, chains of dups for the popular contents);</li>
 *   <li>{@code steadyScan}: the fourth (KSM pages return at once; the unique pages search both
 *       trees and go back into the unstable tree).</li>
 * </ul>
 *
 * Teardown checks the outcome: no warning, and after a merge or steady scan every duplicate
 * merged (pages_shared + pages_sharing = the pages of repeated contents, less one per content
 * whose count is 1 past a multiple of max_page_sharing).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 6)
@Fork(value = 1, jvmArgsAppend = {"-Xms6g", "-Xmx6g"})
public class KsmScanBench {
    static final int PAGES = 1 << 20;
    static final int ZERO = PAGES / 4;
    static final int UNIQUE = PAGES / 4;
    static final int POPULAR = PAGES - ZERO - UNIQUE;
    static final int CONTENTS = 4096;
    static final int MAX_PAGE_SHARING = 256;

    @Param({"checksumScan", "mergeScan", "steadyScan"})
    String scan;

    KsmSimulation sim;
    Ksm ksm;
    static long[] values;
    static long duplicates;

    /** The pages' contents, and how many of them KSM must merge. */
    static synchronized long[] mix() {
        if (values != null) return values;
        double h = 0;
        for (int k = 1; k <= CONTENTS; k++) h += 1.0 / k;
        long[] counts = new long[CONTENTS];
        long given = 0;
        for (int k = 1; k <= CONTENTS; k++) {
            counts[k - 1] = Math.max(1, Math.round(POPULAR / h / k));
            given += counts[k - 1];
        }
        counts[0] += POPULAR - given;
        long[] v = new long[PAGES];
        int i = 0;
        for (; i < ZERO; i++) v[i] = 0;
        long[] left = counts.clone();
        boolean any = true;
        while (any) {
            any = false;
            for (int k = 0; k < CONTENTS; k++) {
                for (long n = Math.min(64, left[k]); n > 0; n--) v[i++] = k + 1;
                if (left[k] > 0) any = true;
                left[k] -= Math.min(64, left[k]);
            }
        }
        for (long u = 0; i < PAGES; i++, u++) v[i] = 1_000_000 + u;
        long dup = ZERO;
        for (long c : counts) if (c >= 2) dup += c - (c % MAX_PAGE_SHARING == 1 ? 1 : 0);
        duplicates = dup;
        values = v;
        return v;
    }

    @Setup(Level.Invocation)
    public void build() {
        sim = KsmSimulation.ofValues(mix(), MAX_PAGE_SHARING, false, false, 20);
        ksm = sim.ksm();
        int before = switch (scan) {
            case "checksumScan" -> 0;
            case "mergeScan" -> 1;
            default -> 3;
        };
        for (int i = 0; i < before; i++) ksm.full_scan();
    }

    @Benchmark
    public int fullScan() {
        return ksm.full_scan();
    }

    @TearDown(Level.Invocation)
    public void check() {
        Map<String, Long> c = ksm.counters();
        if (ksm.warnings().count() != 0 || sim.machine().rmap().warnings().count() != 0) {
            throw new IllegalStateException("warnings: " + ksm.warnings().messages() + sim.machine().rmap().warnings().messages());
        }
        if (!scan.equals("checksumScan")) {
            long merged = c.get("pages_shared") + c.get("pages_sharing");
            if (merged != duplicates) {
                throw new IllegalStateException("after the " + scan + ", " + merged + " pages merged, not " + duplicates + ": " + c);
            }
        }
        sim = null;
        ksm = null;
    }
}
