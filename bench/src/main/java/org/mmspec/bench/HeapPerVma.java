package org.mmspec.bench;

import java.lang.ref.Reference;
import java.util.Arrays;
import java.util.Locale;

import org.mmspec.reference.Machine;
import org.mmspec.reference.rmap.MmStruct;
import org.mmspec.reference.rmap.VmAreaStruct;

/**
 * Retained heap per VMA of the rmap model after the fork tree of {@link RmapWalkBench}: the heap
 * a machine with {@value #PROCESSES} processes holds, minus what the same machine holds with only
 * init (both after full collections), divided by the number of VMAs. The figure covers everything
 * a forked process adds: its mm_struct and page table map, its VMA, the VMA's anon_vma_chains
 * (one per level of the tree: the chain of a process at depth d links d + 1 anon_vmas), its own
 * anon_vma, and the interval tree entries; it is printed beside the counts. Median of
 * {@value #ROUNDS} rounds.
 *
 * <p>Run: {@code java -cp bench/target/benchmarks.jar org.mmspec.bench.HeapPerVma}
 */
public final class HeapPerVma {
    static final int PROCESSES = RmapWalkBench.PROCESSES;
    static final int ROUNDS = 7;
    static final String RESULT_TAG = "HEAP-PER-VMA-RESULT";

    private HeapPerVma() {}

    public static void main(String[] args) throws InterruptedException {
        Machine warm = RmapTrees.forkTree(PROCESSES);
        long vmas = 0;
        long chains = 0;
        for (MmStruct mm : warm.rmap().tasks().values()) {
            for (VmAreaStruct v : mm.vmas().values()) {
                vmas++;
                chains += v.chain().size();
            }
        }
        int anonVmas = warm.rmap().anonVmas().size();
        long ptes = 0;
        for (MmStruct mm : warm.rmap().tasks().values()) ptes += mm.pageTable().size();
        warm = null;
        double[] per = new double[ROUNDS];
        for (int i = 0; i < ROUNDS; i++) {
            long before = HeapPerPage.settledUsedHeap();
            Machine base = RmapTrees.forkTree(1);
            long mid = HeapPerPage.settledUsedHeap();
            Machine tree = RmapTrees.forkTree(PROCESSES);
            long after = HeapPerPage.settledUsedHeap();
            Reference.reachabilityFence(base);
            Reference.reachabilityFence(tree);
            // the fork tree's machine minus a machine with init alone: what the other processes add
            long treeBytes = after - mid;
            long baseBytes = mid - before;
            per[i] = (double) (treeBytes - baseBytes) / (vmas - 1);
        }
        double[] s = per.clone();
        Arrays.sort(s);
        double median = s[ROUNDS / 2];
        System.out.printf(Locale.ROOT, "fork tree: %d processes, %d VMAs, %d anon_vma_chains (%.1f per VMA), %d anon_vmas, "
                + "%d PTEs%n", PROCESSES, vmas, chains, (double) chains / vmas, anonVmas, ptes);
        System.out.printf(Locale.ROOT, "jvm %s %s, max heap %d MiB%n", System.getProperty("java.vm.name"),
                System.getProperty("java.runtime.version"), Runtime.getRuntime().maxMemory() >> 20);
        System.out.printf(Locale.ROOT, "heap per forked VMA (its mm, page table, VMA, chains, anon_vma): median %.0f bytes, "
                + "spread %.0f..%.0f%n", median, s[0], s[ROUNDS - 1]);
        System.out.printf(Locale.ROOT, "%s %.2f %.2f %.2f%n", RESULT_TAG, median, s[0], s[ROUNDS - 1]);
        if (anonVmas < 1) throw new IllegalStateException("no anon_vma");
    }
}
