package org.mmspec.invariants.compaction;

import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

import org.mmspec.invariants.rmap.RmapAbstraction;
import org.mmspec.reference.Machine;
import org.mmspec.reference.alloc.Zone;
import org.mmspec.reference.page.MemMap;
import org.mmspec.reference.page.PageFlags;
import org.mmspec.spec.compaction.CompactionSpec.Block;
import org.mmspec.spec.rmap.RmapSpec.Mapping;

/**
 * What the compaction spec's laws are stated over, read from the reference: the page tables
 * ({@code (pid, page) -> frame}, present PTEs and migration entries) with each frame's content,
 * the free pages (on the buddy lists, or held isolated by a compactor), the allocated pages, and
 * the allocated blocks.
 */
public final class CompactionAbstraction {
    private CompactionAbstraction() {}

    /** Everything a step's before and after are compared on. */
    public record Snapshot(Map<Mapping, Long> pageTables, Map<Long, Long> content, long free, long allocated) {}

    public static Snapshot snapshot(CompactionState s) {
        Machine m = s.machine;
        return new Snapshot(RmapAbstraction.pageTables(m.rmap()), new TreeMap<>(m.rmap().contents()), freePages(m),
                allocatedPages(m));
    }

    /** Pages in free blocks on the buddy lists (PageBuddy heads) and in free blocks a compactor isolated, of every zone. */
    public static long freePages(Machine m) {
        MemMap mem = m.mem();
        long n = 0;
        for (Zone z : m.node().zones) {
            if (z.spannedPages == 0) continue;
            for (int i = mem.idx(z.zoneStartPfn), end = mem.idx(z.zoneEndPfn()); i < end; i++) {
                if ((mem.flags[i] & (PageFlags.PGTY_buddy | PageFlags.MODEL_COMPACT_FREE)) != 0) n += 1L << mem.order[i];
            }
        }
        return n;
    }

    /** Pages in blocks the allocator handed out (anonymous pages and the kernel's alike). */
    public static long allocatedPages(Machine m) {
        MemMap mem = m.mem();
        long n = 0;
        for (int i = 0; i < mem.nrPages(); i++) {
            if ((mem.flags[i] & PageFlags.MODEL_ALLOC_HEAD) != 0) n += 1L << mem.order[i];
        }
        return n;
    }

    /** Every allocated block, (head pfn, order). */
    public static TreeSet<Block> allocatedBlocks(Machine m) {
        MemMap mem = m.mem();
        TreeSet<Block> out = new TreeSet<>();
        for (int i = 0; i < mem.nrPages(); i++) {
            if ((mem.flags[i] & PageFlags.MODEL_ALLOC_HEAD) != 0) out.add(new Block(mem.pfn(i), mem.order[i]));
        }
        return out;
    }

    /** The blocks the operation model allocated (kernel memory, never on the LRU): what must never move. */
    public static TreeSet<Block> unmovable(CompactionState s) {
        TreeSet<Block> out = new TreeSet<>();
        for (long[] a : s.allocations.values()) out.add(new Block(a[0], (int) a[1]));
        return out;
    }
}
