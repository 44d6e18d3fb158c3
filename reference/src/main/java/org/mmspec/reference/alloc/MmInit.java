package org.mmspec.reference.alloc;

import java.util.ArrayList;
import java.util.List;

import org.mmspec.reference.page.MemMap;
import org.mmspec.reference.page.PageFlags;

/**
 * Boot, as mm/mm_init.c and mm/memblock.c do it: memmap_init() marks every page of a zone
 * PG_reserved with refcount 1 and every pageblock-aligned pfn's pageblock MIGRATE_MOVABLE;
 * memblock_free_all() frees each free memory range in the largest aligned chunks
 * (__free_pages_memory → __free_pages_core, to the list tails); CMA pageblocks are then freed as
 * MIGRATE_CMA (init_cma_reserved_pageblock); init_per_zone_wmark_min() sets the watermarks and
 * the lowmem reserve.
 */
public final class MmInit {
    private MmInit() {}

    public static void boot(MachineConfig config, PageAlloc pa, VmSysctl sysctl) {
        Node node = pa.node();
        MemMap mem = node.mem;
        for (ZoneConfig zc : config.zones()) {
            Zone zone = node.zone(zc.type());
            memmap_init_zone(pa, mem, zone, zc);
        }
        for (ZoneConfig zc : config.zones()) {
            for (PfnRange r : freeRanges(zc)) __free_pages_memory(pa, r.start(), r.end());
        }
        for (ZoneConfig zc : config.zones()) {
            Zone zone = node.zone(zc.type());
            for (PfnRange c : zc.cma()) {
                for (long pfn = c.start(); pfn < c.end(); pfn += pa.pageblock_nr_pages) {
                    init_cma_reserved_pageblock(pa, mem, zone, pfn);
                }
            }
        }
        init_per_zone_wmark_min(config, pa, sysctl);
    }

    private static void memmap_init_zone(PageAlloc pa, MemMap mem, Zone zone, ZoneConfig zc) {
        int zoneBits = zone.idx << PageFlags.ZONE_SHIFT;
        for (long pfn = zc.startPfn(); pfn < zc.endPfn(); pfn++) {
            int i = mem.idx(pfn);
            mem.flags[i] = PageFlags.PG_reserved | zoneBits;
            mem.refcount[i] = 1;
            if ((pfn & (pa.pageblock_nr_pages - 1)) == 0) {
                pa.init_pageblock_migratetype(zone, pfn, MigrateType.MIGRATE_MOVABLE, false);
            }
        }
        for (PfnRange h : zc.effectiveHoles()) {
            for (long pfn = h.start(); pfn < h.end(); pfn++) mem.flags[mem.idx(pfn)] |= PageFlags.MODEL_NOT_PRESENT;
        }
    }

    /** The zone's present pages that are neither reserved nor CMA, as maximal ranges. */
    static List<PfnRange> freeRanges(ZoneConfig zc) {
        List<PfnRange> out = new ArrayList<>();
        List<PfnRange> excluded = new ArrayList<>(zc.effectiveHoles());
        excluded.addAll(zc.effectiveReserved());
        excluded.addAll(zc.cma());
        excluded.sort((a, b) -> Long.compare(a.start(), b.start()));
        long pfn = zc.startPfn();
        for (PfnRange e : excluded) {
            if (e.start() > pfn) out.add(new PfnRange(pfn, e.start()));
            pfn = Math.max(pfn, e.end());
        }
        if (pfn < zc.endPfn()) out.add(new PfnRange(pfn, zc.endPfn()));
        return out;
    }

    /** __free_pages_memory(): the largest chunks alignment allows, never beyond end. */
    private static void __free_pages_memory(PageAlloc pa, long start, long end) {
        while (start < end) {
            int order = start != 0 ? Math.min(pa.MAX_PAGE_ORDER, Long.numberOfTrailingZeros(start)) : pa.MAX_PAGE_ORDER;
            while (start + (1L << order) > end) order--;
            pa.__free_pages_core(start, order);
            start += 1L << order;
        }
    }

    /** init_cma_reserved_pageblock(). */
    private static void init_cma_reserved_pageblock(PageAlloc pa, MemMap mem, Zone zone, long pfn) {
        int page = mem.idx(pfn);
        for (int i = 0; i < pa.pageblock_nr_pages; i++) {
            mem.flags[page + i] &= ~PageFlags.PG_reserved;
            mem.refcount[page + i] = 0;
        }
        pa.init_pageblock_migratetype(zone, pfn, MigrateType.MIGRATE_CMA, false);
        zone.managedPages += pa.pageblock_nr_pages;
        pa.free_one_page(zone, page, pfn, pa.pageblock_order, PageAlloc.FPI_NONE);
    }

    /** init_per_zone_wmark_min(): min_free_kbytes, the watermarks, the lowmem reserve. */
    static void init_per_zone_wmark_min(MachineConfig config, PageAlloc pa, VmSysctl sysctl) {
        long[] managed = new long[ZoneType.MAX_NR_ZONES];
        for (int z = 0; z < managed.length; z++) managed[z] = pa.node().zones[z].managedPages;
        if (config.minFreeKbytes() >= 0) {
            sysctl.minFreeKbytes = config.minFreeKbytes();
            sysctl.userMinFreeKbytes = config.minFreeKbytes();
        } else {
            sysctl.minFreeKbytes = Watermarks.calculateMinFreeKbytes(managed);
        }
        sysctl.watermarkScaleFactor = config.watermarkScaleFactor();
        sysctl.watermarkBoostFactor = config.watermarkBoostFactor();
        for (int i = 0; i < ZoneType.MAX_NR_ZONES; i++) sysctl.lowmemReserveRatio[i] = config.lowmemReserveRatio().get(i);
        pa.setup_per_zone_wmarks(sysctl.minFreeKbytes, sysctl.watermarkScaleFactor);
        pa.setup_per_zone_lowmem_reserve(sysctl.lowmemReserveRatio);
    }
}
