package org.mmspec.conformance.trace;

import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;

/**
 * What the trace oracle remembers between events, all of it bounded by the machine, not by the
 * trace: the ranges the trace saw allocated and not yet freed ({@link LiveRanges}), the last
 * pages each task passed through free_pages_prepare ({@link RecentFrees}), which tasks are inside
 * a compaction run (mm_compaction_begin .. end) and of which zone, and the orders in force.
 * Nothing is known of pages allocated before the trace began: they are never tracked, so their
 * frees (and a trace that starts mid-run) raise no alarm.
 */
public final class TraceState {
    /** MAX_PAGE_ORDER (include/linux/mmzone.h; 10 on x86-64 unless CONFIG_ARCH_FORCE_MAX_ORDER). */
    public int maxPageOrder = 10;
    /** pageblock_order: 9 on x86-64 (HPAGE_PMD_ORDER); mm_page_alloc_extfrag prints the kernel's. */
    public int pageblockOrder = 9;
    /** page_group_by_mobility_disabled: claiming is then always allowed (should_try_claim_block). */
    public boolean mobilityDisabled;

    final LiveRanges live = new LiveRanges();
    final RecentFrees recentFrees = new RecentFrees();
    /** Tasks whose batched frees are checked: they have started a batch inside the trace. */
    final BitSet batchArmed = new BitSet();
    /** Tasks whose last page event was mm_page_free_batched (a commit loop may be running). */
    final BitSet inBatchCommit = new BitSet();
    /** Open compaction runs: pid -> {zone_start, zone_end, sync, begin line}. */
    final Map<Integer, long[]> compaction = new HashMap<>();
    /** Tasks the trace saw end a compaction run (and not begin another): known to be outside one. */
    final BitSet compactionClosed = new BitSet();

    /** For the event being checked (mm_page_free_batched): the task whose mm_page_free of the pfn was recent, or -1. */
    int recentBatchPid = -1;

    /** Forgets everything: after lost events the history is no longer complete. */
    void reset() {
        live.clear();
        recentFrees.clear();
        batchArmed.clear();
        inBatchCommit.clear();
        compaction.clear();
        compactionClosed.clear();
    }

    public int liveBlocks() {
        return live.size();
    }

    /** -1: nothing known of the task; 0: known outside any compaction run; 1: inside one. */
    int compactionState(int pid) {
        if (compaction.containsKey(pid)) return 1;
        return compactionClosed.get(pid) ? 0 : -1;
    }

    static long pageblockStart(long pfn, int pageblockOrder) {
        return pfn & ~((1L << pageblockOrder) - 1);
    }
}
