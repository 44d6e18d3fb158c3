package org.mmspec.reference.alloc;

/**
 * The slow path's callouts, each answered by the model that owns it: direct reclaim and
 * zone_reclaimable_pages() by the reclaim model (mm/vmscan.c), direct compaction and
 * should_compact_retry() by the compaction model (mm/compaction.c). Until a model is installed
 * its part makes no progress ({@link SlowpathHooks#NONE}).
 */
public final class MachineHooks implements SlowpathHooks {
    private SlowpathHooks reclaim = SlowpathHooks.NONE;
    private SlowpathHooks compaction = SlowpathHooks.NONE;

    public void setReclaim(SlowpathHooks h) {
        this.reclaim = h == null ? SlowpathHooks.NONE : h;
    }

    public void setCompaction(SlowpathHooks h) {
        this.compaction = h == null ? SlowpathHooks.NONE : h;
    }

    @Override
    public long __perform_reclaim(PageAlloc pa, int gfp_mask, int order, PageAlloc.AllocContext ac) {
        return reclaim.__perform_reclaim(pa, gfp_mask, order, ac);
    }

    @Override
    public long zone_reclaimable_pages(PageAlloc pa, Zone zone) {
        return reclaim.zone_reclaimable_pages(pa, zone);
    }

    @Override
    public CompactOutcome __alloc_pages_direct_compact(PageAlloc pa, int gfp_mask, int order, int alloc_flags,
                                                       PageAlloc.AllocContext ac, int prio) {
        return compaction.__alloc_pages_direct_compact(pa, gfp_mask, order, alloc_flags, ac, prio);
    }

    @Override
    public boolean should_compact_retry(PageAlloc pa, PageAlloc.AllocContext ac, int order, int alloc_flags,
                                        int compact_result) {
        return compaction.should_compact_retry(pa, ac, order, alloc_flags, compact_result);
    }
}
