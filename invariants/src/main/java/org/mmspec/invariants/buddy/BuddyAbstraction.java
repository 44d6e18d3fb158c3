package org.mmspec.invariants.buddy;

import static org.mmspec.reference.alloc.AllocFlags.*;

import java.util.List;

import org.mmspec.invariants.Violation;
import org.mmspec.reference.Machine;
import org.mmspec.reference.alloc.Gfp;
import org.mmspec.reference.alloc.MachineConfig;
import org.mmspec.reference.alloc.MigrateType;
import org.mmspec.reference.alloc.Node;
import org.mmspec.reference.alloc.PageAlloc;
import org.mmspec.reference.alloc.PfnRange;
import org.mmspec.reference.alloc.Watermarks;
import org.mmspec.reference.alloc.Zone;
import org.mmspec.reference.alloc.ZoneConfig;
import org.mmspec.reference.alloc.ZoneType;
import org.mmspec.reference.page.MemMap;
import org.mmspec.reference.page.PageFlags;
import org.mmspec.spec.buddy.BuddySpec;

/**
 * The abstraction function from the reference's buddy allocator to the spec: free blocks are
 * PageBuddy heads with their order, allocated blocks the heads the allocator handed out, the
 * class of a pageblock its migratetype seen coarsely (ISOLATE bit, HIGHATOMIC, CMA, or normal).
 * Also the boot state the spec starts from (built from the configuration alone, not from the
 * reference), and the spec-level reading of an allocation request.
 */
public final class BuddyAbstraction {
    private BuddyAbstraction() {}

    /** The spec class of the pageblock holding pfn. */
    public static int specClass(Node node, long pfn) {
        int bits = node.pageblockBits(pfn);
        if ((bits & Zone.PB_migrate_isolate) != 0) return BuddySpec.ISOLATED;
        int mt = bits & Zone.MIGRATETYPE_MASK;
        if (mt == MigrateType.MIGRATE_HIGHATOMIC) return BuddySpec.HIGHATOMIC;
        if (mt == MigrateType.MIGRATE_CMA) return BuddySpec.CMA;
        return BuddySpec.NORMAL;
    }

    /** The spec class of every pageblock of the mem_map, -1 for pageblocks outside every zone. */
    public static int[] classes(Node node) {
        int[] c = new int[node.nrPageblocks()];
        long base = node.mem.basePfn();
        int pbo = node.pageblockOrder();
        for (int b = 0; b < c.length; b++) {
            long pfn = base + ((long) b << pbo);
            c[b] = inSomeZone(node, pfn, pbo) ? specClass(node, pfn) : -1;
        }
        return c;
    }

    private static boolean inSomeZone(Node node, long pbStart, int pbo) {
        long end = pbStart + (1L << pbo);
        for (Zone z : node.zones) {
            if (z.spannedPages > 0 && z.zoneStartPfn < end && pbStart < z.zoneEndPfn()) return true;
        }
        return false;
    }

    /**
     * The spec's boot state from the configuration: every available (present, managed) page
     * free and maximally merged, CMA pageblocks of class CMA, the rest normal.
     */
    public static BuddySpec bootSpec(MachineConfig config) {
        long align = 1L << config.maxPageOrder();
        long base = config.nodeStartPfn() / align * align;
        long end = (config.nodeEndPfn() + align - 1) / align * align;
        BuddySpec spec = new BuddySpec(base, (int) (end - base), config.maxPageOrder(), config.pageblockOrder());
        for (ZoneConfig zc : config.zones()) {
            spec.makeAvailable(zc.startPfn(), zc.endPfn(), zc.type().idx());
        }
        for (ZoneConfig zc : config.zones()) {
            for (PfnRange h : zc.effectiveHoles()) spec.makeAvailable(h.start(), h.end(), BuddySpec.NONE);
            for (PfnRange r : zc.effectiveReserved()) spec.makeAvailable(r.start(), r.end(), BuddySpec.NONE);
            for (PfnRange c : zc.cma()) {
                for (long p = c.start(); p < c.end(); p += config.pageblockNrPages()) spec.setClass(p, BuddySpec.CMA);
            }
        }
        spec.initialFree();
        return spec;
    }

    /**
     * The refinement check: the reference's block structure and pageblock classes equal the
     * spec's, pfn by pfn. Appends at most a few violations, each naming the first pfn that
     * differs.
     */
    public static void compare(Machine m, BuddySpec spec, String id, List<Violation> out) {
        Node node = m.node();
        MemMap mem = node.mem;
        int nr = mem.nrPages();
        long base = mem.basePfn();
        int reported = 0;
        int[] flags = mem.flags;
        byte[] ord = mem.order;
        // walk both block structures together: a block is skipped whole when both sides agree on
        // it; pages inside blocks are BUDDY-PARTITION's and BUDDY-SPEC-WELLFORMED's business
        for (int i = 0; i < nr && reported < 3; ) {
            int f = flags[i];
            long pfn = base + i;
            boolean refFree = (f & PageFlags.PGTY_buddy) != 0;
            boolean refAlloc = (f & PageFlags.MODEL_ALLOC_HEAD) != 0;
            int specOrder = spec.headOrder(pfn);
            boolean specFree = specOrder >= 0 && spec.isFreeHead(pfn);
            boolean specAlloc = specOrder >= 0 && !specFree;
            if (refFree != specFree || refAlloc != specAlloc || ((refFree || refAlloc) && ord[i] != specOrder)) {
                out.add(Violation.of(id, "at pfn 0x" + Long.toHexString(pfn) + " the reference has "
                        + describe(refFree, refAlloc, ord[i]) + " but the spec has "
                        + describe(specFree, specAlloc, specOrder), pfn));
                reported++;
                i++;
                continue;
            }
            i += (refFree || refAlloc) ? Math.max(1, 1 << Math.max(0, ord[i])) : 1;
        }
        int[] classes = classes(node);
        int pbo = node.pageblockOrder();
        for (int b = 0; b < classes.length && reported < 3; b++) {
            if (classes[b] < 0) continue;
            long pfn = base + ((long) b << pbo);
            int sc = spec.classOf(pfn);
            if (classes[b] != sc) {
                out.add(Violation.of(id, "the pageblock at 0x" + Long.toHexString(pfn) + " is "
                        + BuddySpec.CLASS_NAMES[classes[b]] + " in the reference but " + BuddySpec.CLASS_NAMES[sc]
                        + " in the spec", pfn));
                reported++;
            }
        }
    }

    private static String describe(boolean free, boolean alloc, int order) {
        if (free) return "a free block of order " + order;
        if (alloc) return "an allocated block of order " + order;
        return "no block head";
    }

    /**
     * The spec's reading of alloc_pages(gfp, order) in the reference's current state: the zones
     * the request may use, and per zone the floor it may not dig below, which is the lowest
     * watermark the kernel's final attempt tests (the min watermark with the request's reserve
     * reductions, unboosted for __GFP_HIGH order-0 requests) plus lowmem_reserve; and the classes
     * whose free pages count and whose blocks the request can take.
     */
    public static BuddySpec.AllocRequest request(Machine m, int gfp, int order) {
        PageAlloc pa = m.pageAlloc();
        Node node = m.node();
        int highest = Gfp.gfpZone(gfp);
        int flags = pa.gfp_to_alloc_flags(gfp, order);
        boolean noWatermarks = (gfp & Gfp.__GFP_MEMALLOC) != 0 && (gfp & Gfp.__GFP_NOMEMALLOC) == 0;
        int n = 0;
        int[] zl = new int[node.zonelist.length];
        for (int z : node.zonelist) if (z <= highest) zl[n++] = z;
        int[] zones = java.util.Arrays.copyOf(zl, n);
        long[] floor = new long[ZoneType.MAX_NR_ZONES];
        for (int z : zones) {
            if (noWatermarks) {
                floor[z] = Long.MIN_VALUE;
                continue;
            }
            Zone zone = node.zones[z];
            long min = zone.wmarkPages(Watermarks.WMARK_MIN);
            if (order == 0 && (flags & ALLOC_MIN_RESERVE) != 0 && zone.watermarkBoost != 0) {
                min = zone.watermark[Watermarks.WMARK_MIN];
            }
            if ((flags & ALLOC_RESERVES) != 0) {
                if ((flags & ALLOC_MIN_RESERVE) != 0) {
                    min -= min / 2;
                    if ((flags & ALLOC_NON_BLOCK) != 0) min -= min / 4;
                }
                if ((flags & ALLOC_OOM) != 0) min -= min / 2;
            }
            floor[z] = min + zone.lowmemReserve[highest];
        }
        int countClasses = 1 << BuddySpec.NORMAL;
        if ((flags & ALLOC_RESERVES) != 0) countClasses |= 1 << BuddySpec.HIGHATOMIC;
        if ((flags & ALLOC_CMA) != 0) countClasses |= 1 << BuddySpec.CMA;
        int blockClasses = 1 << BuddySpec.NORMAL;
        if ((flags & ALLOC_CMA) != 0) blockClasses |= 1 << BuddySpec.CMA;
        if ((flags & (ALLOC_HIGHATOMIC | ALLOC_OOM)) != 0) blockClasses |= 1 << BuddySpec.HIGHATOMIC;
        int okClasses = blockClasses;
        if ((flags & (ALLOC_HIGHATOMIC | ALLOC_OOM | ALLOC_NON_BLOCK)) != 0) okClasses |= 1 << BuddySpec.HIGHATOMIC;
        return new BuddySpec.AllocRequest(order, zones, floor, countClasses, blockClasses, okClasses);
    }
}
