package org.mmspec.conformance.trace;

import java.util.List;

import org.mmspec.invariants.Catalog;
import org.mmspec.invariants.Invariant;
import org.mmspec.invariants.Violation;
import org.mmspec.reference.alloc.MigrateType;

/**
 * What a correct v6.18 kernel guarantees about the page allocator and compaction events of any
 * trace of it, each an {@link Invariant} over one event and the state before it
 * ({@link TraceStep}). The checker runs an invariant only on the event types it names. pfns are
 * printed in hex, as the kernel prints them.
 */
public final class TraceInvariants {
    private TraceInvariants() {}

    /** The event being checked and the oracle's state before it. */
    public record TraceStep(TraceEvent event, TraceState state) {}

    /** An invariant with the event types it applies to. */
    public record TraceInvariant(Invariant<TraceStep> invariant, int[] types) {}

    public static final String SUBSYSTEM = "trace";

    public static final String ALIGN = "TRACE-ALIGN";
    public static final String NO_DOUBLE_ALLOC = "TRACE-NO-DOUBLE-ALLOC";
    public static final String FREE_ORDER = "TRACE-FREE-ORDER";
    public static final String BATCHED_FREE = "TRACE-BATCHED-FREE";
    public static final String BUDDY_FREE = "TRACE-BUDDY-FREE";
    public static final String EXTFRAG_FALLBACK = "TRACE-EXTFRAG-FALLBACK";
    public static final String EXTFRAG_CLAIM = "TRACE-EXTFRAG-CLAIM";
    public static final String COMPACT_BOUNDS = "TRACE-COMPACT-BOUNDS";
    public static final String COMPACT_MET = "TRACE-COMPACT-MET";
    public static final String COMPACT_ISOLATE = "TRACE-COMPACT-ISOLATE";
    public static final String COMPACT_PAIRED = "TRACE-COMPACT-PAIRED";

    static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }

    static String range(long pfn, int order) {
        return "[" + hex(pfn) + ", " + hex(pfn + (1L << order)) + ")";
    }

    private static String at(TraceState st, long head) {
        long l = st.live.line(head);
        return l > 0 ? " (allocated at line " + l + ")" : "";
    }

    /** Whether pfn and order can be checked at all: the order is one the buddy has. */
    static boolean orderOk(int order, TraceState st) {
        return order >= 0 && order <= st.maxPageOrder;
    }

    /** Whether (pfn, order) is a buddy block at all; if not, TRACE-ALIGN reports it and nothing else looks. */
    static boolean isBlock(long pfn, int order, TraceState st) {
        return orderOk(order, st) && (pfn & ((1L << order) - 1)) == 0;
    }

    public static final List<TraceInvariant> ALL = List.of(
        new TraceInvariant(Invariant.of(ALIGN, SUBSYSTEM,
            "Every block a page allocator event names (mm_page_alloc, mm_page_free, mm_page_alloc_zone_locked, "
                + "mm_page_pcpu_drain, mm_page_alloc_extfrag) has an order of at most MAX_PAGE_ORDER and a pfn aligned to it.",
            "mm/page_alloc.c:__free_one_page, expand, __rmqueue_smallest (v6.18): VM_BUG_ON_PAGE(pfn & ((1 << order) - 1))",
            (s, out) -> {
                TraceEvent e = s.event();
                if (e.type == TraceEvent.MM_PAGE_ALLOC && e.failed) return;
                int order = e.type == TraceEvent.MM_PAGE_ALLOC_EXTFRAG ? e.allocOrder : e.order;
                if (!orderOk(order, s.state())) {
                    out.add(Violation.of(ALIGN, e.name + " names order " + order + " at pfn " + hex(e.pfn)
                            + ", outside 0..MAX_PAGE_ORDER (" + s.state().maxPageOrder + ")", e.pfn));
                } else if ((e.pfn & ((1L << order) - 1)) != 0) {
                    out.add(Violation.of(ALIGN, e.name + " pfn " + hex(e.pfn) + " is not aligned to its order " + order
                            + " (pfn & " + hex((1L << order) - 1) + " = " + hex(e.pfn & ((1L << order) - 1)) + ")", e.pfn));
                }
            }), new int[] {TraceEvent.MM_PAGE_ALLOC, TraceEvent.MM_PAGE_FREE, TraceEvent.MM_PAGE_ALLOC_ZONE_LOCKED,
                TraceEvent.MM_PAGE_PCPU_DRAIN, TraceEvent.MM_PAGE_ALLOC_EXTFRAG}),

        new TraceInvariant(Invariant.of(NO_DOUBLE_ALLOC, SUBSYSTEM,
            "No mm_page_alloc returns a block that overlaps a block the trace saw allocated and not yet freed.",
            "mm/page_alloc.c:__alloc_pages_noprof, rmqueue, free_pages_prepare (v6.18): a page is handed out only from "
                + "the free lists or the pcp lists, where only freed pages go",
            (s, out) -> {
                TraceEvent e = s.event();
                TraceState st = s.state();
                if (e.failed || !isBlock(e.pfn, e.order, st)) return;
                long h = st.live.overlapping(e.pfn, e.order, st.maxPageOrder);
                if (h >= 0) {
                    int k = st.live.get(h);
                    out.add(Violation.of(NO_DOUBLE_ALLOC, "mm_page_alloc returned " + range(e.pfn, e.order) + " (order "
                            + e.order + ") but " + range(h, k) + " (order " + k + ")" + at(st, h)
                            + " is still allocated: no free of it in between", e.pfn, h));
                }
            }), new int[] {TraceEvent.MM_PAGE_ALLOC}),

        new TraceInvariant(Invariant.of(FREE_ORDER, SUBSYSTEM,
            "An mm_page_free of pages the trace saw allocated frees that block or an aligned part of it (after split_page "
                + "or a folio split), never a larger block that reaches past the allocation.",
            "mm/page_alloc.c:__free_pages, free_pages_prepare, split_page (v6.18): the order freed is the order allocated "
                + "(or a split piece's)",
            (s, out) -> {
                TraceEvent e = s.event();
                TraceState st = s.state();
                if (!isBlock(e.pfn, e.order, st)) return;
                if (st.live.containing(e.pfn, e.order, st.maxPageOrder) >= 0) return; // the block or a part of it
                long h = st.live.inside(e.pfn, e.order);
                if (h >= 0) {
                    int k = st.live.get(h);
                    out.add(Violation.of(FREE_ORDER, "mm_page_free frees " + range(e.pfn, e.order) + " at order " + e.order
                            + " but the trace allocated " + range(h, k) + " at order " + k + at(st, h)
                            + ": the free covers pages beyond that allocation", e.pfn, h));
                }
            }), new int[] {TraceEvent.MM_PAGE_FREE}),

        new TraceInvariant(Invariant.of(BATCHED_FREE, SUBSYSTEM,
            "Every mm_page_free_batched names a page that the same task has just passed through free_pages_prepare "
                + "(an mm_page_free of that pfn), as free_unref_folios prepares a batch before it commits it to the pcp lists.",
            "mm/page_alloc.c:free_unref_folios (v6.18)",
            (s, out) -> {
                TraceEvent e = s.event();
                TraceState st = s.state();
                if (!st.batchArmed.get(e.pid)) return; // its batch may have begun before the trace
                if (st.recentBatchPid != e.pid) {
                    out.add(Violation.of(BATCHED_FREE, "mm_page_free_batched pfn " + hex(e.pfn) + " by task " + e.pid
                            + ": " + (st.recentBatchPid < 0 ? "no mm_page_free of that pfn in the last " + RecentFrees.CAPACITY
                            + " frees" : "its mm_page_free came from task " + st.recentBatchPid), e.pfn));
                }
            }), new int[] {TraceEvent.MM_PAGE_FREE_BATCHED}),

        new TraceInvariant(Invariant.of(BUDDY_FREE, SUBSYSTEM,
            "Blocks that move between the free lists and the per-cpu lists (mm_page_alloc_zone_locked, "
                + "mm_page_alloc_extfrag, mm_page_pcpu_drain) hold no page the trace saw allocated and not yet freed.",
            "mm/page_alloc.c:__rmqueue_smallest, __rmqueue_claim, __rmqueue_steal, free_pcppages_bulk (v6.18)",
            (s, out) -> {
                TraceEvent e = s.event();
                TraceState st = s.state();
                int order = e.type == TraceEvent.MM_PAGE_ALLOC_EXTFRAG ? e.allocOrder : e.order;
                if (!isBlock(e.pfn, order, st)) return;
                long h = st.live.overlapping(e.pfn, order, st.maxPageOrder);
                if (h >= 0) {
                    int k = st.live.get(h);
                    out.add(Violation.of(BUDDY_FREE, e.name + " moves " + range(e.pfn, order) + " but " + range(h, k)
                            + " (order " + k + ")" + at(st, h) + " is allocated and was not freed", e.pfn, h));
                }
            }), new int[] {TraceEvent.MM_PAGE_ALLOC_ZONE_LOCKED, TraceEvent.MM_PAGE_PCPU_DRAIN,
                TraceEvent.MM_PAGE_ALLOC_EXTFRAG}),

        new TraceInvariant(Invariant.of(EXTFRAG_FALLBACK, SUBSYSTEM,
            "An mm_page_alloc_extfrag falls back from an allocation's pcp migratetype to one of fallbacks[alloc_migratetype] "
                + "at a fallback_order no smaller than alloc_order (a compaction capture: another type's block of exactly the "
                + "order compacted for).",
            "mm/page_alloc.c:find_suitable_fallback, fallbacks[], __rmqueue_claim, __rmqueue_steal, compaction_capture (v6.18)",
            (s, out) -> {
                TraceEvent e = s.event();
                String why = extfragFallbackProblem(e);
                if (why != null) out.add(Violation.of(EXTFRAG_FALLBACK, e.describe() + ": " + why, e.pfn));
            }), new int[] {TraceEvent.MM_PAGE_ALLOC_EXTFRAG}),

        new TraceInvariant(Invariant.of(EXTFRAG_CLAIM, SUBSYSTEM,
            "A fallback claims the pageblock (change_ownership=1) only where should_try_claim_block allows it "
                + "(fallback_order >= pageblock_order / 2, or an unmovable or reclaimable allocation), and a fallback block of "
                + "pageblock_order or more is always claimed.",
            "mm/page_alloc.c:__rmqueue_claim, should_try_claim_block, try_to_claim_block, __rmqueue_steal (v6.18)",
            (s, out) -> {
                TraceEvent e = s.event();
                String why = extfragClaimProblem(e, s.state());
                if (why != null) out.add(Violation.of(EXTFRAG_CLAIM, e.describe() + ": " + why, e.pfn));
            }), new int[] {TraceEvent.MM_PAGE_ALLOC_EXTFRAG}),

        new TraceInvariant(Invariant.of(COMPACT_BOUNDS, SUBSYSTEM,
            "A compaction run starts with zone_start <= migrate_pfn < zone_end and free_pfn in the zone's pageblocks below "
                + "zone_end, and ends with both scanners within [pageblock_start(zone_start), zone_end].",
            "mm/compaction.c:compact_zone (v6.18): cached scanner pfns outside the zone are reset to its ends",
            (s, out) -> {
                TraceEvent e = s.event();
                int pb = s.state().pageblockOrder;
                long lo = TraceState.pageblockStart(e.zoneStart, pb);
                String why = null;
                if (e.zoneStart >= e.zoneEnd) {
                    why = "zone_start >= zone_end";
                } else if (e.type == TraceEvent.MM_COMPACTION_BEGIN) {
                    if (e.migratePfn < e.zoneStart || e.migratePfn >= e.zoneEnd) why = "migrate_pfn outside [zone_start, zone_end)";
                    else if (e.freePfn < lo || e.freePfn >= e.zoneEnd) why = "free_pfn outside [pageblock_start(zone_start), zone_end)";
                } else {
                    if (e.migratePfn < e.zoneStart || e.migratePfn > e.zoneEnd) why = "migrate_pfn outside [zone_start, zone_end]";
                    else if (e.freePfn < lo || e.freePfn > e.zoneEnd) why = "free_pfn outside [pageblock_start(zone_start), zone_end]";
                }
                if (why != null) out.add(Violation.of(COMPACT_BOUNDS, e.describe() + ": " + why, e.migratePfn, e.freePfn));
            }), new int[] {TraceEvent.MM_COMPACTION_BEGIN, TraceEvent.MM_COMPACTION_END}),

        new TraceInvariant(Invariant.of(COMPACT_MET, SUBSYSTEM,
            "A compaction run that ends with status complete has its scanners met: free_pfn >> pageblock_order <= "
                + "migrate_pfn >> pageblock_order.",
            "mm/compaction.c:__compact_finished, compact_scanners_met (v6.18)",
            (s, out) -> {
                TraceEvent e = s.event();
                int pb = s.state().pageblockOrder;
                if (e.status == TraceEvent.COMPACT_COMPLETE && (e.freePfn >> pb) > (e.migratePfn >> pb)) {
                    out.add(Violation.of(COMPACT_MET, e.describe() + ": status complete but the scanners have not met "
                            + "(free_pfn pageblock " + hex(e.freePfn >> pb) + " > migrate_pfn pageblock "
                            + hex(e.migratePfn >> pb) + ")", e.migratePfn, e.freePfn));
                }
            }), new int[] {TraceEvent.MM_COMPACTION_END}),

        new TraceInvariant(Invariant.of(COMPACT_ISOLATE, SUBSYSTEM,
            "During a compaction run, the ranges its migrate and free scanners report (mm_compaction_isolate_migratepages, "
                + "mm_compaction_isolate_freepages: start <= end; mm_compaction_fast_isolate_freepages: its end) lie in the "
                + "run's zone.",
            "mm/compaction.c:isolate_migratepages_block, isolate_freepages_block, fast_isolate_freepages (v6.18)",
            (s, out) -> {
                TraceEvent e = s.event();
                long[] run = s.state().compaction.get(e.pid);
                if (run == null) return; // not inside a run this trace saw begin (alloc_contig_range isolates too)
                long lo = TraceState.pageblockStart(run[0], s.state().pageblockOrder), hi = run[1];
                String why = null;
                if (e.type == TraceEvent.MM_COMPACTION_FAST_ISOLATE_FREEPAGES) {
                    if (e.endPfn < lo || e.endPfn > hi) why = "the free scanner's pfn is outside the zone";
                } else if (e.startPfn > e.endPfn) {
                    why = "start > end";
                } else if (e.startPfn < lo || e.endPfn > hi) {
                    why = "the range leaves the zone";
                }
                if (why != null) {
                    out.add(Violation.of(COMPACT_ISOLATE, e.describe() + " in the compaction of zone [" + hex(run[0]) + ", "
                            + hex(run[1]) + ") begun at line " + run[3] + ": " + why, e.startPfn, e.endPfn));
                }
            }), new int[] {TraceEvent.MM_COMPACTION_ISOLATE_MIGRATEPAGES, TraceEvent.MM_COMPACTION_ISOLATE_FREEPAGES,
                TraceEvent.MM_COMPACTION_FAST_ISOLATE_FREEPAGES}),

        new TraceInvariant(Invariant.of(COMPACT_PAIRED, SUBSYSTEM,
            "A task's compaction runs do not nest: each mm_compaction_end closes the same task's mm_compaction_begin, "
                + "with the same zone and mode.",
            "mm/compaction.c:compact_zone (v6.18): trace_mm_compaction_begin and trace_mm_compaction_end bracket one run",
            (s, out) -> {
                TraceEvent e = s.event();
                TraceState st = s.state();
                long[] run = st.compaction.get(e.pid);
                if (e.type == TraceEvent.MM_COMPACTION_BEGIN) {
                    if (run != null) {
                        out.add(Violation.of(COMPACT_PAIRED, e.describe() + ": task " + e.pid + " is still in the "
                                + "compaction begun at line " + run[3] + " (no mm_compaction_end)", e.migratePfn));
                    }
                } else if (run == null) {
                    if (st.compactionClosed.get(e.pid)) {
                        out.add(Violation.of(COMPACT_PAIRED, e.describe() + ": task " + e.pid + " ended a compaction it "
                                + "did not begin (its last run already ended)", e.migratePfn));
                    }
                } else if (run[0] != e.zoneStart || run[1] != e.zoneEnd || (run[2] == 1) != e.sync) {
                    out.add(Violation.of(COMPACT_PAIRED, e.describe() + ": the run begun at line " + run[3]
                            + " was zone [" + hex(run[0]) + ", " + hex(run[1]) + ") mode " + (run[2] == 1 ? "sync" : "async"),
                            e.migratePfn));
                }
            }), new int[] {TraceEvent.MM_COMPACTION_BEGIN, TraceEvent.MM_COMPACTION_END})
    );

    /** Whether an extfrag event could be compaction_capture()'s: the order compacted for, from another pcp type. */
    static boolean captureLike(TraceEvent e) {
        return e.allocOrder == e.fallbackOrder && e.fallbackMigratetype != e.allocMigratetype
                && e.allocMigratetype >= 0 && e.allocMigratetype < MigrateType.MIGRATE_PCPTYPES
                && e.fallbackMigratetype >= 0 && e.fallbackMigratetype < MigrateType.MIGRATE_CMA;
    }

    static String extfragFallbackProblem(TraceEvent e) {
        if (e.fallbackOrder < e.allocOrder) return "fallback_order < alloc_order";
        if (e.allocMigratetype == e.fallbackMigratetype) return "alloc_migratetype == fallback_migratetype: no fallback";
        if (e.allocMigratetype < 0 || e.allocMigratetype >= MigrateType.MIGRATE_PCPTYPES) {
            return "alloc_migratetype " + e.allocMigratetype + " is not a pcp type (Unmovable, Movable, Reclaimable)";
        }
        for (int f : MigrateType.FALLBACKS[e.allocMigratetype]) if (f == e.fallbackMigratetype) return null;
        return "fallback_migratetype " + MigrateType.name(e.fallbackMigratetype) + " is not in fallbacks["
                + MigrateType.name(e.allocMigratetype) + "]";
    }

    static String extfragClaimProblem(TraceEvent e, TraceState st) {
        int pb = e.pageblockOrder;
        if (e.changeOwnership == 1) {
            boolean may = e.fallbackOrder >= pb || e.fallbackOrder >= pb / 2
                    || e.allocMigratetype == MigrateType.MIGRATE_RECLAIMABLE
                    || e.allocMigratetype == MigrateType.MIGRATE_UNMOVABLE || st.mobilityDisabled;
            if (!may) {
                return "the pageblock changed owner, but should_try_claim_block(" + e.fallbackOrder + ", "
                        + MigrateType.name(e.allocMigratetype) + ") forbids claiming below pageblock_order / 2 = " + (pb / 2)
                        + " for a movable allocation";
            }
        } else if (e.changeOwnership == 0) {
            if (e.fallbackOrder >= pb) {
                return "a fallback block of order " + e.fallbackOrder + " >= pageblock_order " + pb
                        + " kept its owner; try_to_claim_block claims such blocks whole";
            }
        } else {
            return "change_ownership " + e.changeOwnership + " is neither 0 nor 1";
        }
        return null;
    }

    /** The catalog's view of these invariants. */
    public static List<Catalog.Entry> catalogEntries() {
        return ALL.stream().map(t -> new Catalog.Entry(t.invariant().id(), t.invariant().subsystem(),
                t.invariant().statement(), t.invariant().citation())).toList();
    }
}
