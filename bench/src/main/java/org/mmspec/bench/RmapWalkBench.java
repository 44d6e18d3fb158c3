package org.mmspec.bench;

import java.util.concurrent.TimeUnit;

import org.mmspec.reference.Machine;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * rmap walks per second on a page mapped by {@value #PROCESSES} processes after a fork tree
 * ({@link RmapTrees}): {@code walk} is rmap_walk_anon() over the root anon_vma's interval tree
 * with page_vma_mapped_walk()'s check of each PTE, collecting the mappings (what the invariants
 * and a migration walk do); {@code folioReferenced} is folio_referenced(), the same walk clearing
 * and counting accessed bits (none are set after the first call, so every call walks all
 * mappings). Setup checks that the walk finds exactly {@value #PROCESSES} mappings.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 6, time = 3)
@Fork(value = 2, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class RmapWalkBench {
    static final int PROCESSES = 1000;

    Machine machine;
    Rmap rmap;
    long pfn;

    @Setup(Level.Trial)
    public void build() {
        machine = RmapTrees.forkTree(PROCESSES);
        rmap = machine.rmap();
        pfn = RmapTrees.firstPage(machine);
        int found = rmap.rmapWalk(pfn, false).size();
        if (found != PROCESSES || rmap.mapcount(pfn) != PROCESSES) {
            throw new IllegalStateException("the walk found " + found + " mappings, mapcount " + rmap.mapcount(pfn) + ", not "
                    + PROCESSES);
        }
        if (rmap.warnings().count() != 0) throw new IllegalStateException(rmap.warnings().messages().toString());
    }

    @Benchmark
    public Object walk() {
        return rmap.rmapWalk(pfn, false);
    }

    @Benchmark
    public int folioReferenced() {
        return rmap.folio_referenced(pfn);
    }
}
