package org.mmspec.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.mmspec.reference.alloc.MachineConfig;
import org.mmspec.reference.alloc.MigrateType;
import org.mmspec.reference.alloc.PfnRange;
import org.mmspec.reference.alloc.Zone;
import org.mmspec.reference.alloc.ZoneConfig;
import org.mmspec.reference.alloc.ZoneType;
import org.mmspec.reference.page.MemMap;

/** Configurations and state readers shared by the reference tests. */
public final class Fixtures {
    private Fixtures() {}

    /** One free block as the free lists hold it. */
    public record FreeBlock(long pfn, int order, int listMt) {}

    /**
     * DMA [1, 0x100) + Normal [0x100, 0x500), MAX_PAGE_ORDER 6, pageblock_order 3, with the
     * Normal pageblocks [0x4f0, 0x500) given to CMA.
     */
    public static MachineConfig smallWithCma() {
        return MachineConfig.of("small-cma", 6, 3, List.of(
                ZoneConfig.of(ZoneType.DMA, 1, 0xff),
                ZoneConfig.of(ZoneType.NORMAL, 0x100, 0x400).withCma(List.of(new PfnRange(0x4f0, 0x500)))));
    }

    /** The same geometry without CMA. */
    public static MachineConfig dmaNormal() {
        return MachineConfig.of("dma-normal", 6, 3, List.of(
                ZoneConfig.of(ZoneType.DMA, 1, 0xff),
                ZoneConfig.of(ZoneType.NORMAL, 0x100, 0x400)));
    }

    /** A node with only ZONE_NORMAL [start, start + pages). */
    public static MachineConfig normalOnly(long start, long pages, int maxOrder, int pageblockOrder) {
        return MachineConfig.of("normal-only", maxOrder, pageblockOrder,
                List.of(ZoneConfig.of(ZoneType.NORMAL, start, pages)));
    }

    /** Normal [0x100, 0x500), MAX_PAGE_ORDER 6, pageblock_order 3. */
    public static MachineConfig normal1k() {
        return normalOnly(0x100, 0x400, 6, 3);
    }

    /** Every free block of the zone, walking free_area[order].free_list[mt] for every order and type. */
    public static TreeMap<Long, FreeBlock> freeBlocks(Machine m, ZoneType t) {
        Zone z = m.zone(t);
        MemMap mem = m.mem();
        TreeMap<Long, FreeBlock> out = new TreeMap<>();
        for (int o = 0; o < z.nrOrders(); o++) {
            for (int mt = 0; mt < MigrateType.MIGRATE_TYPES; mt++) {
                for (int p = z.firstFree(o, mt); p != MemMap.NIL; p = mem.listNext(p)) {
                    long pfn = mem.pfn(p);
                    assertTrue(mem.pageBuddy(p), "page 0x" + Long.toHexString(pfn) + " on a free list is not PageBuddy");
                    assertEquals(o, mem.order[p], "order of free page 0x" + Long.toHexString(pfn));
                    FreeBlock prev = out.put(pfn, new FreeBlock(pfn, o, mt));
                    assertTrue(prev == null, "0x" + Long.toHexString(pfn) + " is on two free lists");
                }
            }
        }
        return out;
    }

    /** Free blocks of every zone. */
    public static TreeMap<Long, FreeBlock> allFreeBlocks(Machine m) {
        TreeMap<Long, FreeBlock> out = new TreeMap<>();
        for (ZoneType t : ZoneType.values()) out.putAll(freeBlocks(m, t));
        return out;
    }

    /** The pages on the zone's free lists whose type is not MIGRATE_ISOLATE: what NR_FREE_PAGES must say. */
    public static long freePagesOnLists(Machine m, ZoneType t) {
        long n = 0;
        for (FreeBlock b : freeBlocks(m, t).values()) {
            if (b.listMt() != MigrateType.MIGRATE_ISOLATE) n += 1L << b.order();
        }
        return n;
    }

    public static long pagesOnList(Machine m, ZoneType t, int mt) {
        long n = 0;
        for (FreeBlock b : freeBlocks(m, t).values()) if (b.listMt() == mt) n += 1L << b.order();
        return n;
    }

    /** nr_free[] recomputed from the lists. */
    public static long[] nrFreeFromLists(Machine m, ZoneType t) {
        long[] nr = new long[m.zone(t).nrOrders()];
        for (FreeBlock b : freeBlocks(m, t).values()) nr[b.order()]++;
        return nr;
    }

    /**
     * Pairs of free buddies __free_one_page would have merged: same order, same zone, and at or
     * above pageblock_order pageblock types that are equal or both mergeable.
     */
    public static List<String> unmergedBuddies(Machine m) {
        List<String> out = new ArrayList<>();
        int maxOrder = m.config().maxPageOrder();
        int pbOrder = m.config().pageblockOrder();
        Map<Long, FreeBlock> all = allFreeBlocks(m);
        for (FreeBlock b : all.values()) {
            if (b.order() >= maxOrder) continue;
            long buddy = b.pfn() ^ (1L << b.order());
            FreeBlock o = all.get(buddy);
            if (o == null || o.order() != b.order() || buddy < b.pfn()) continue;
            Zone za = m.node().pageZone(b.pfn());
            Zone zb = m.node().pageZone(buddy);
            if (za != zb) continue;
            if (b.order() >= pbOrder) {
                int ta = za.pageblockMigratetype(b.pfn());
                int tb = zb.pageblockMigratetype(buddy);
                if (ta != tb && !(MigrateType.isMergeable(ta) && MigrateType.isMergeable(tb))) continue;
            }
            out.add("0x" + Long.toHexString(b.pfn()) + "+0x" + Long.toHexString(buddy) + " order " + b.order());
        }
        return out;
    }

    /** Allocates order-0 pages with gfp until the allocator says no; returns the pfns in order. */
    public static List<Long> allocUntilFailure(Machine m, int gfp, int limit) {
        List<Long> got = new ArrayList<>();
        for (int i = 0; i < limit; i++) {
            long pfn = m.allocPages(gfp, 0);
            if (pfn < 0) return got;
            got.add(pfn);
        }
        throw new AssertionError("allocator still succeeding after " + limit + " pages");
    }

    public static String hex(long pfn) {
        return "0x" + Long.toHexString(pfn);
    }
}
