package org.mmspec.bench;

import java.util.List;
import java.util.concurrent.TimeUnit;

import org.mmspec.reference.Machine;
import org.mmspec.reference.alloc.Gfp;
import org.mmspec.reference.alloc.MachineConfig;
import org.mmspec.reference.alloc.Zone;
import org.mmspec.reference.alloc.ZoneConfig;
import org.mmspec.reference.alloc.ZoneType;
import org.mmspec.reference.reclaim.Reclaim;
import org.mmspec.reference.reclaim.SwapConfig;
import org.mmspec.reference.rmap.Rmap;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * kswapd reclaiming 2^18 pages from a node of anonymous and page cache memory: pages reclaimed
 * per second by {@code Reclaim.kswapd()} (balance_pgdat() and its shrink_node() passes,
 * folio_referenced() over the reverse map, swap-out through the swap cache to a
 * SWP_SYNCHRONOUS_IO device, page cache eviction with shadow entries, frees to the buddy
 * allocator).
 *
 * <p>The machine ({@link #node()}): one ZONE_NORMAL of 2^20 pages, a swap device of 2^18 slots
 * with SWP_SYNCHRONOUS_IO (zram). Setup fills it with watermarks too low to reclaim: process 1
 * writes {@value #ANON} anonymous pages, then
 * file 1 is read page by page ({@value #FILE} pages); the accessed bits of the anonymous pages are
 * cleared (the aging folio_referenced() does), so all of it is cold. Then vm.watermark_scale_factor
 * goes to 2500, which puts the high watermark 2^18 + 2^11 pages above the free pages, and one
 * GFP_KERNEL allocation below the low watermark wakes kswapd. Each invocation copies that machine
 * (outside the timed region) and runs kswapd until it sleeps; the score counts 2^18 pages per
 * invocation, and teardown checks that kswapd really reclaimed between 2^18 and 2^18 + 2^13
 * pages, slept balanced, and raised no warning.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 6, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms6g", "-Xmx6g"})
public class KswapdBench {
    static final int PAGES = 1 << 20;
    static final int RECLAIM = 1 << 18;
    static final int ANON = (1 << 19) + (1 << 17) + (1 << 10);
    static final int FILE = 1 << 17;
    static final long ADDR = 0x100000;

    Machine template;
    Machine m;
    long reclaimedLast;
    long freeBefore;

    /** The node: ZONE_NORMAL of 2^20 pages, 2^18 swap slots with SWP_SYNCHRONOUS_IO, min_free_kbytes 4096. */
    static MachineConfig node() {
        return MachineConfig.of("bench-kswapd", MachineConfig.DEFAULT_MAX_PAGE_ORDER, MachineConfig.DEFAULT_PAGEBLOCK_ORDER,
                        List.of(ZoneConfig.of(ZoneType.NORMAL, 0, PAGES)))
                .withMinFreeKbytes(4096).withWatermarkScaleFactor(1).withSwap(SwapConfig.of(RECLAIM + 1, true));
    }

    /** The filled machine with kswapd woken. */
    static Machine filled() {
        Machine m = new Machine(node());
        Rmap r = m.rmap();
        Reclaim rc = m.reclaim();
        r.mmap(1, ADDR, ANON);
        for (long a = ADDR; a < ADDR + ANON; a++) r.access(1, a, true, a);
        for (long i = 0; i < FILE; i++) rc.fileRead(1, i);
        long[] flags = new long[1];
        for (long pfn : r.contents().keySet()) r.folio_referenced(pfn, flags);
        if (rc.stats.pgscanDirect != 0 || rc.kswapdRunnable()) throw new IllegalStateException("reclaim ran while filling");
        m.writeSysctl("watermark_scale_factor", "2500");
        if (m.allocPages(Gfp.GFP_KERNEL, 0) < 0 || !rc.kswapdRunnable()) throw new IllegalStateException("kswapd was not woken");
        Zone z = m.zone(ZoneType.NORMAL);
        long need = z.highWmarkPages() - z.nrFreePages;
        if (need < RECLAIM || need > RECLAIM + (1 << 12)) throw new IllegalStateException("kswapd would reclaim " + need);
        return m;
    }

    @Setup(Level.Trial)
    public void build() {
        template = filled();
    }

    @Setup(Level.Invocation)
    public void copy() {
        m = template.copy();
        freeBefore = m.zone(ZoneType.NORMAL).nrFreePages;
    }

    @Benchmark
    @OperationsPerInvocation(RECLAIM)
    public long kswapd() {
        Reclaim rc = m.reclaim();
        long n = 0;
        while (rc.kswapdRunnable()) n += rc.kswapd().reclaimed();
        return n;
    }

    @TearDown(Level.Invocation)
    public void check() {
        Zone z = m.zone(ZoneType.NORMAL);
        long reclaimed = z.nrFreePages - freeBefore;
        if (reclaimed < RECLAIM || reclaimed > RECLAIM + (1 << 13)) throw new IllegalStateException("kswapd reclaimed " + reclaimed);
        if (z.nrFreePages <= z.highWmarkPages()) throw new IllegalStateException("kswapd slept unbalanced");
        if (m.warnings().count() + m.rmap().warnings().count() + m.reclaim().warnings().count() != 0) {
            throw new IllegalStateException("warnings: " + m.reclaim().warnings().messages() + m.rmap().warnings().messages());
        }
        reclaimedLast = reclaimed;
    }

    @TearDown(Level.Trial)
    public void report() {
        Reclaim rc = m.reclaim();
        System.out.println("kswapd reclaimed " + reclaimedLast + " pages: " + rc.stats.pgstealAnon + " anonymous (swapped out), "
                + rc.stats.pgstealFile + " page cache; scanned " + rc.stats.pgscanKswapd + ", balance_pgdat runs "
                + rc.stats.pageoutrun);
    }

    /** Runs one invocation outside JMH and prints its time: {@code java -cp bench/target/benchmarks.jar org.mmspec.bench.KswapdBench}. */
    public static void main(String[] args) {
        KswapdBench b = new KswapdBench();
        long t0 = System.nanoTime();
        b.build();
        long t1 = System.nanoTime();
        for (int i = 0; i < 3; i++) {
            b.copy();
            long t2 = System.nanoTime();
            b.kswapd();
            long t3 = System.nanoTime();
            b.check();
            System.out.printf("setup %.1f s, kswapd %.2f s: %.0f pages/s%n", (t1 - t0) / 1e9, (t3 - t2) / 1e9,
                    b.reclaimedLast / ((t3 - t2) / 1e9));
        }
        b.report();
    }
}
