package org.mmspec.reference.alloc;

import static org.mmspec.reference.alloc.MigrateType.*;

import org.mmspec.reference.page.MemMap;
import org.mmspec.reference.page.PageFlags;

/**
 * Pageblock isolation, mm/page_isolation.c (Linux v6.18): start_isolate_page_range() marks
 * every pageblock of a range MIGRATE_ISOLATE (the isolate bit, keeping the type underneath) and
 * moves its free pages to the isolate lists, all or nothing; undo_isolate_page_range() gives
 * them back. Free pages in isolated pageblocks are never allocated and not counted in
 * NR_FREE_PAGES.
 */
public final class PageIsolation {
    /** enum pb_isolate_mode (include/linux/page-isolation.h, v6.18). */
    public static final int PB_ISOLATE_MODE_MEM_OFFLINE = 0;
    public static final int PB_ISOLATE_MODE_CMA_ALLOC = 1;
    public static final int PB_ISOLATE_MODE_OTHER = 2;
    public static final String[] MODE_NAMES = {"MEM_OFFLINE", "CMA_ALLOC", "OTHER"};
    public static final int EBUSY = 16;

    private final PageAlloc pa;
    private final Node node;
    private final MemMap mem;

    public PageIsolation(PageAlloc pa) {
        this.pa = pa;
        this.node = pa.node;
        this.mem = pa.mem;
    }

    public static int parseMode(String s) {
        for (int i = 0; i < MODE_NAMES.length; i++) {
            if (MODE_NAMES[i].equalsIgnoreCase(s) || ("PB_ISOLATE_MODE_" + MODE_NAMES[i]).equalsIgnoreCase(s)) return i;
        }
        throw new RejectedOperationException("isolation mode '" + s + "' is not one of MEM_OFFLINE, CMA_ALLOC, OTHER");
    }

    /**
     * has_unmovable_pages(): the first page in [start_pfn, end_pfn) that isolation could not
     * migrate away, or -1. Free pages and tail pages (refcount 0) pass; reserved pages and, outside
     * ZONE_MOVABLE, in-use pages that are neither on the LRU nor movable_ops do not; a CMA
     * pageblock passes only for CMA allocations.
     */
    long has_unmovable_pages(Zone zone, long start_pfn, long end_pfn, int mode) {
        if (pa.get_pfnblock_migratetype(zone, start_pfn) == MIGRATE_CMA) {
            return mode == PB_ISOLATE_MODE_CMA_ALLOC ? -1 : start_pfn;
        }
        for (long pfn = start_pfn; pfn < end_pfn; pfn++) {
            int page = mem.idx(pfn);
            int f = mem.flags[page];
            if ((f & PageFlags.PG_reserved) != 0) return pfn;
            if (zone.idx == ZoneType.MOVABLE.idx()) continue;
            if (mem.refcount[page] == 0) {
                if ((f & PageFlags.PGTY_buddy) != 0) pfn += (1L << pa.buddy_order(page)) - 1;
                continue;
            }
            if ((f & PageFlags.PG_lru) != 0) continue;
            return pfn;
        }
        return -1;
    }

    /**
     * set_migratetype_isolate(): isolate the pageblock holding pfn unless it already is, holds a
     * page that cannot be migrated, or straddles its zone. Returns 0 or -EBUSY.
     */
    int set_migratetype_isolate(long pfn, int mode, long start_pfn, long end_pfn) {
        Zone zone = node.pageZone(pfn);
        if (zone.pageblockIsolated(pfn)) return -EBUSY;
        long check_start = Math.max(pfn, start_pfn);
        long check_end = Math.min(pa.pageblock_end_pfn(pfn), end_pfn);
        if (has_unmovable_pages(zone, check_start, check_end, mode) < 0) {
            if (!pa.__move_freepages_block_isolate(zone, pfn, true)) return -EBUSY;
            zone.nrIsolatePageblock++;
            pa.stats.isolated++;
            return 0;
        }
        pa.stats.isolateRefused++;
        return -EBUSY;
    }

    /**
     * unset_migratetype_isolate(): clear the isolate bit; when the pageblock heads a free block of
     * at least pageblock order whose buddy is free and not isolated, isolate that block and put it
     * back so that it merges, as the kernel does.
     */
    void unset_migratetype_isolate(long pfn) {
        Zone zone = node.pageZone(pfn);
        if (!zone.pageblockIsolated(pfn)) return;
        int page = mem.idx(pfn);
        boolean isolated_page = false;
        int order = 0;
        if (mem.pageBuddy(page)) {
            order = pa.buddy_order(page);
            if (order >= pa.pageblock_order && order < pa.MAX_PAGE_ORDER) {
                int buddy = pa.find_buddy_page_pfn(page, pfn, order);
                if (buddy != MemMap.NIL && !zone.pageblockIsolated(mem.pfn(buddy))) {
                    isolated_page = pa.__isolate_free_page(page, order) != 0;
                    if (!isolated_page) pa.warnings.warn("unset_migratetype_isolate", "VM_WARN_ON(!isolated_page)");
                }
            }
        }
        if (!isolated_page) {
            if (!pa.__move_freepages_block_isolate(zone, pfn, false)) {
                pa.warnings.warn("unset_migratetype_isolate", "WARN_ON_ONCE(!pageblock_unisolate_and_move_free_pages())");
            }
        } else {
            pa.toggle_pageblock_isolate(zone, pfn, false);
            pa.__putback_isolated_page(page, order, pa.get_pfnblock_migratetype(zone, pfn));
        }
        zone.nrIsolatePageblock--;
        pa.stats.unisolated++;
    }

    /**
     * isolate_single_pageblock(): isolate the pageblock at (or before) boundary_pfn; the kernel
     * then migrates a compound page straddling the boundary, which the model (without compound
     * pages) never meets.
     */
    private int isolate_single_pageblock(long boundary_pfn, int mode, boolean isolate_before, boolean skip_isolation) {
        long isolate_pageblock = isolate_before ? boundary_pfn - pa.pageblock_nr_pages : boundary_pfn;
        if (skip_isolation) {
            if (!node.pageZone(isolate_pageblock).pageblockIsolated(isolate_pageblock)) {
                pa.warnings.warn("isolate_single_pageblock", "VM_BUG_ON(!get_pageblock_isolate())");
            }
            return 0;
        }
        return set_migratetype_isolate(isolate_pageblock, mode, isolate_pageblock,
                isolate_pageblock + pa.pageblock_nr_pages);
    }

    /**
     * start_isolate_page_range(): isolate the first and last pageblocks of the range, then the
     * rest; on any refusal undo what was done. Returns 0 or -EBUSY. Rejected, changing nothing,
     * when the range leaves its zone.
     */
    public int start_isolate_page_range(long start_pfn, long end_pfn, int mode) {
        long isolate_start = pa.pageblock_start_pfn(start_pfn);
        long isolate_end = (end_pfn + pa.pageblock_nr_pages - 1) & ~(pa.pageblock_nr_pages - 1);
        checkRange("start_isolate_page_range", isolate_start, isolate_end);
        int ret = isolate_single_pageblock(isolate_start, mode, false, false);
        if (ret != 0) return ret;
        boolean skip_isolation = isolate_start == isolate_end - pa.pageblock_nr_pages;
        ret = isolate_single_pageblock(isolate_end, mode, true, skip_isolation);
        if (ret != 0) {
            unset_migratetype_isolate(isolate_start);
            return ret;
        }
        for (long pfn = isolate_start + pa.pageblock_nr_pages; pfn < isolate_end - pa.pageblock_nr_pages;
                pfn += pa.pageblock_nr_pages) {
            if (set_migratetype_isolate(pfn, mode, start_pfn, end_pfn) != 0) {
                undo_isolate_page_range(isolate_start, pfn);
                unset_migratetype_isolate(isolate_end - pa.pageblock_nr_pages);
                return -EBUSY;
            }
        }
        return 0;
    }

    /** undo_isolate_page_range(): unisolate every isolated pageblock of the range, lowest first. */
    public void undo_isolate_page_range(long start_pfn, long end_pfn) {
        long isolate_start = pa.pageblock_start_pfn(start_pfn);
        long isolate_end = (end_pfn + pa.pageblock_nr_pages - 1) & ~(pa.pageblock_nr_pages - 1);
        checkRange("undo_isolate_page_range", isolate_start, isolate_end);
        for (long pfn = isolate_start; pfn < isolate_end; pfn += pa.pageblock_nr_pages) {
            Zone z = node.pageZone(pfn);
            if (z == null || !z.pageblockIsolated(pfn)) continue;
            unset_migratetype_isolate(pfn);
        }
    }

    /**
     * A range must lie in one zone (the callers guarantee it: alloc_contig_range checks the zone,
     * offline_pages works on one zone); the model rejects one that does not.
     */
    private void checkRange(String fn, long start, long end) {
        if (end <= start) {
            throw new RejectedOperationException(fn + ": empty range [0x" + Long.toHexString(start) + ", 0x"
                    + Long.toHexString(end) + ")");
        }
        Zone z = node.pageZone(start);
        if (z == null || !z.spansPfn(start) || !z.spansPfn(end - 1)) {
            throw new RejectedOperationException(fn + ": range [0x" + Long.toHexString(start) + ", 0x"
                    + Long.toHexString(end) + ") does not lie within one zone");
        }
    }
}
