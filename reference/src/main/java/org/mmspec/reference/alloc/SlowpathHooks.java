package org.mmspec.reference.alloc;

import org.mmspec.reference.page.MemMap;

/**
 * Where __alloc_pages_slowpath() calls out of mm/page_alloc.c: direct reclaim (mm/vmscan.c) and
 * direct compaction (mm/compaction.c). The reclaim and compaction models implement these; the
 * default makes no progress, which is what a node with nothing reclaimable and compaction
 * switched off does.
 */
public interface SlowpathHooks {
    /** enum compact_result values the slow path tests. */
    int COMPACT_NOT_SUITABLE_ZONE = 0;
    int COMPACT_SKIPPED = 1;
    int COMPACT_DEFERRED = 2;
    int COMPACT_NO_SUITABLE_PAGE = 3;
    int COMPACT_CONTINUE = 4;
    int COMPACT_COMPLETE = 5;
    int COMPACT_PARTIAL_SKIPPED = 6;
    int COMPACT_CONTENDED = 7;
    int COMPACT_SUCCESS = 8;

    /** enum compact_priority. */
    int COMPACT_PRIO_SYNC_FULL = 0;
    int COMPACT_PRIO_SYNC_LIGHT = 1;
    int COMPACT_PRIO_ASYNC = 2;
    int INIT_COMPACT_PRIORITY = COMPACT_PRIO_ASYNC;
    int DEF_COMPACT_PRIORITY = COMPACT_PRIO_ASYNC;

    record CompactOutcome(int page, int result) {}

    CompactOutcome SKIPPED = new CompactOutcome(MemMap.NIL, COMPACT_SKIPPED);

    /** __perform_reclaim(): pages reclaimed (did_some_progress). */
    default long __perform_reclaim(PageAlloc pa, int gfp_mask, int order, PageAlloc.AllocContext ac) {
        return 0;
    }

    /** __alloc_pages_direct_compact(): a page (index) or NIL, and the compact_result. */
    default CompactOutcome __alloc_pages_direct_compact(PageAlloc pa, int gfp_mask, int order, int alloc_flags,
                                                        PageAlloc.AllocContext ac, int prio) {
        return SKIPPED;
    }

    /** zone_reclaimable_pages() (mm/vmscan.c). */
    default long zone_reclaimable_pages(PageAlloc pa, Zone zone) {
        return 0;
    }

    /** should_compact_retry(). */
    default boolean should_compact_retry(PageAlloc pa, PageAlloc.AllocContext ac, int order, int alloc_flags,
                                         int compact_result) {
        return false;
    }

    SlowpathHooks NONE = new SlowpathHooks() {};
}
