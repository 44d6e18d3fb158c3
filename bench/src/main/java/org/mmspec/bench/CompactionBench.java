package org.mmspec.bench;

import java.util.concurrent.TimeUnit;

import org.mmspec.reference.Machine;
import org.mmspec.reference.alloc.SlowpathHooks;
import org.mmspec.reference.alloc.Zone;
import org.mmspec.reference.alloc.ZoneType;
import org.mmspec.reference.compaction.Compaction;
import org.mmspec.reference.rmap.Rmap;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Whole-zone compaction of a fragmented 2^20-page zone: echo 1 &gt; /proc/sys/vm/compact_memory
 * ({@link Compaction#compact_nodes()}, MIGRATE_SYNC, skip hints ignored) on
 * {@link BenchMachines#oneZone4G()} after two processes faulted in every page of it alternately
 * and one of them exited, so every other page is free and no free block is larger than a page.
 * Each measurement compacts a fresh copy of that machine (the copy is made in the invocation's
 * setup, outside the measured time); the score is the time of one compact_nodes(). Setup checks
 * the fragmentation; teardown checks the result: the run completed, the free pages are as many as
 * before, every process reads what it read, no kernel warning.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3)
@Measurement(iterations = 8)
@Fork(value = 2, jvmArgsAppend = {"-Xms3g", "-Xmx3g"})
public class CompactionBench {
    /** The first virtual page of both processes' mappings. */
    static final long ADDR = 0x100;

    Machine fragmented;
    Machine machine;
    long freeBefore;
    long anonPages;
    long checksum;

    /**
     * Two processes map the whole zone and fault it in one page each in turn (the first writes
     * first, so its pages are the even pfns), until the allocator fails at the min watermark;
     * then the second exits: every other page of the zone is free.
     */
    static Machine fragmented() {
        Machine m = new Machine(BenchMachines.oneZone4G());
        m.enableCompaction();
        Rmap r = m.rmap();
        int child = r.fork(1, 0);
        long pages = BenchMachines.ONE_ZONE_PAGES / 2;
        r.mmap(1, ADDR, pages);
        r.mmap(child, ADDR, pages);
        for (long i = 0; i < pages; i++) {
            Rmap.Access a = r.access(1, ADDR + i, true, i);
            if (a.kind() == Rmap.AccessKind.OOM) break;
            Rmap.Access b = r.access(child, ADDR + i, true, ~i);
            if (b.kind() == Rmap.AccessKind.OOM) break;
        }
        r.exit(child);
        return m;
    }

    static long checksum(Machine m) {
        long h = 0;
        Rmap r = m.rmap();
        for (var e : r.task(1).pageTable().entrySet()) h = h * 31 + e.getKey() * 17 + r.peek(1, e.getKey());
        return h;
    }

    @Setup(Level.Trial)
    public void build() {
        fragmented = fragmented();
        Zone z = fragmented.zone(ZoneType.NORMAL);
        anonPages = fragmented.rmap().contents().size();
        freeBefore = z.nrFreePages;
        checksum = checksum(fragmented);
        long maxOrder = 0;
        for (int o = 0; o < z.nrOrders(); o++) if (z.nrFree[o] > 0) maxOrder = o;
        if (anonPages < (BenchMachines.ONE_ZONE_PAGES >> 1) - 1024 || z.nrFree[0] < anonPages - 1024) {
            throw new IllegalStateException("not fragmented: " + anonPages + " anonymous pages, nr_free " + java.util.Arrays.toString(z.nrFree));
        }
        System.out.printf("%nfragmented zone: %,d anonymous pages, %,d free pages, nr_free[0] %,d, largest free order %d%n",
                anonPages, freeBefore, z.nrFree[0], maxOrder);
    }

    @Setup(Level.Invocation)
    public void copy() {
        machine = fragmented.copy();
    }

    @Benchmark
    public long compactMemory() {
        machine.compaction().compact_nodes();
        return machine.compaction().events.results[SlowpathHooks.COMPACT_COMPLETE];
    }

    @TearDown(Level.Invocation)
    public void check() {
        Zone z = machine.zone(ZoneType.NORMAL);
        Compaction c = machine.compaction();
        if (c.events.results[SlowpathHooks.COMPACT_COMPLETE] != 1) throw new IllegalStateException("the run did not complete");
        if (z.nrFreePages != freeBefore) throw new IllegalStateException("free pages " + z.nrFreePages + " != " + freeBefore);
        if (machine.rmap().contents().size() != anonPages) throw new IllegalStateException("anonymous pages changed");
        if (checksum(machine) != checksum) throw new IllegalStateException("a process reads something else");
        if (machine.warnings().count() != 0 || machine.rmap().warnings().count() != 0) {
            throw new IllegalStateException(machine.warnings().messages() + " " + machine.rmap().warnings().messages());
        }
    }

    @TearDown(Level.Trial)
    public void report() {
        if (machine == null) return;
        Zone z = machine.zone(ZoneType.NORMAL);
        System.out.printf("%nafter compact_memory: %,d folios moved, %,d rounds, migration scanner scanned %,d pfns, free scanner %,d;"
                        + " nr_free %s%n", machine.migrate().events.moved, machine.compaction().events.rounds,
                machine.compaction().events.migrateScanned, machine.compaction().events.freeScanned,
                java.util.Arrays.toString(z.nrFree));
    }
}
