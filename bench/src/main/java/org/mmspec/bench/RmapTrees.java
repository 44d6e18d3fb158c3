package org.mmspec.bench;

import java.util.List;

import org.mmspec.reference.Machine;
import org.mmspec.reference.alloc.MachineConfig;
import org.mmspec.reference.alloc.ZoneConfig;
import org.mmspec.reference.alloc.ZoneType;
import org.mmspec.reference.rmap.Rmap;

/**
 * The fork tree the rmap benchmarks build: init maps {@value #PAGES} anonymous pages at page
 * {@value #ADDR} and writes each, then processes 2..N are forked as a binary heap (process i
 * from process i / 2), so the tree is ~10 levels deep for 1,000 processes, every parent is still
 * alive when its children fork (no anon_vma is reused), and every page is mapped by all N
 * processes, in init's root anon_vma.
 */
final class RmapTrees {
    private RmapTrees() {}

    static final long ADDR = 0x100;
    static final int PAGES = 4;

    /** One ZONE_NORMAL of 4096 pages (the pages themselves are few: fork shares them). */
    static MachineConfig config() {
        return MachineConfig.of("bench-rmap", 10, 9, List.of(ZoneConfig.of(ZoneType.NORMAL, 0, 4096))).withMinFreeKbytes(1024);
    }

    /** A machine with {@code processes} processes forked as a binary heap; returns it. */
    static Machine forkTree(int processes) {
        Machine m = new Machine(config());
        Rmap r = m.rmap();
        r.mmap(Rmap.INIT_PID, ADDR, PAGES);
        for (int i = 0; i < PAGES; i++) r.access(Rmap.INIT_PID, ADDR + i, true, i + 1);
        for (int pid = 2; pid <= processes; pid++) {
            int child = r.fork(pid / 2, pid, 0);
            if (child != pid) throw new IllegalStateException("fork of " + pid + " returned " + child);
        }
        return m;
    }

    /** The pfn init maps at ADDR. */
    static long firstPage(Machine m) {
        return org.mmspec.reference.rmap.Pte.pfn(m.rmap().task(Rmap.INIT_PID).pageTable().get(ADDR));
    }
}
