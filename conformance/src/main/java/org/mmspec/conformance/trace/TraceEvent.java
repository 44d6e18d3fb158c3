package org.mmspec.conformance.trace;

/**
 * One parsed line of an ftrace text trace: a reused, mutable record (one per parser, so the
 * checker allocates nothing per event). Which fields are set depends on {@link #type}; the field
 * names are the tracepoints' own (include/trace/events/kmem.h, compaction.h, v6.18).
 */
public final class TraceEvent {
    // event types the checker understands
    public static final int OTHER = 0;            // a known event with nothing to check
    public static final int MM_PAGE_ALLOC = 1;
    public static final int MM_PAGE_FREE = 2;
    public static final int MM_PAGE_FREE_BATCHED = 3;
    public static final int MM_PAGE_PCPU_DRAIN = 4;
    public static final int MM_PAGE_ALLOC_ZONE_LOCKED = 5;
    public static final int MM_PAGE_ALLOC_EXTFRAG = 6;
    public static final int MM_COMPACTION_BEGIN = 7;
    public static final int MM_COMPACTION_END = 8;
    public static final int MM_COMPACTION_ISOLATE_MIGRATEPAGES = 9;
    public static final int MM_COMPACTION_ISOLATE_FREEPAGES = 10;
    public static final int MM_COMPACTION_FAST_ISOLATE_FREEPAGES = 11;
    public static final int UNKNOWN = 12;         // not an mm event this tool knows: counted, skipped
    public static final int NR_TYPES = 13;

    /** compact_result values, as mm_compaction_end prints them (include/trace/events/compaction.h). */
    public static final int COMPACT_NOT_SUITABLE_ZONE = 0, COMPACT_SKIPPED = 1, COMPACT_DEFERRED = 2,
            COMPACT_NO_SUITABLE_PAGE = 3, COMPACT_CONTINUE = 4, COMPACT_COMPLETE = 5, COMPACT_PARTIAL_SKIPPED = 6,
            COMPACT_CONTENDED = 7, COMPACT_SUCCESS = 8;
    static final String[] STATUS = {"not_suitable_zone", "skipped", "deferred", "no_suitable_page", "continue",
        "complete", "partial_skipped", "contended", "success"};

    public int type;
    public String name;        // the event name (interned per known name; for UNKNOWN a shared instance)
    public long line;          // 1-based line number in the file
    public int pid;
    public int cpu;
    /** mm_page_alloc with a NULL page: the allocation failed. */
    public boolean failed;
    public long pfn;
    public int order;
    public int migratetype;
    public int percpuRefill;
    public int allocOrder, fallbackOrder, pageblockOrder, allocMigratetype, fallbackMigratetype, changeOwnership;
    public long zoneStart, migratePfn, freePfn, zoneEnd;
    public boolean sync;
    public int status;
    public long startPfn, endPfn, nrScanned, nrTaken;

    /** The fields that matter for the event, as a kernel developer would read them (pfns in hex). */
    public String describe() {
        return switch (type) {
            case MM_PAGE_ALLOC -> failed ? "mm_page_alloc failed order=" + order
                    : "mm_page_alloc pfn=0x" + Long.toHexString(pfn) + " order=" + order + " migratetype=" + migratetype;
            case MM_PAGE_FREE -> "mm_page_free pfn=0x" + Long.toHexString(pfn) + " order=" + order;
            case MM_PAGE_FREE_BATCHED -> "mm_page_free_batched pfn=0x" + Long.toHexString(pfn);
            case MM_PAGE_PCPU_DRAIN -> "mm_page_pcpu_drain pfn=0x" + Long.toHexString(pfn) + " order=" + order
                    + " migratetype=" + migratetype;
            case MM_PAGE_ALLOC_ZONE_LOCKED -> "mm_page_alloc_zone_locked pfn=0x" + Long.toHexString(pfn) + " order="
                    + order + " migratetype=" + migratetype + " percpu_refill=" + percpuRefill;
            case MM_PAGE_ALLOC_EXTFRAG -> "mm_page_alloc_extfrag pfn=0x" + Long.toHexString(pfn) + " alloc_order="
                    + allocOrder + " fallback_order=" + fallbackOrder + " pageblock_order=" + pageblockOrder
                    + " alloc_migratetype=" + allocMigratetype + " fallback_migratetype=" + fallbackMigratetype
                    + " change_ownership=" + changeOwnership;
            case MM_COMPACTION_BEGIN, MM_COMPACTION_END -> name + " zone_start=0x" + Long.toHexString(zoneStart)
                    + " migrate_pfn=0x" + Long.toHexString(migratePfn) + " free_pfn=0x" + Long.toHexString(freePfn)
                    + " zone_end=0x" + Long.toHexString(zoneEnd) + " mode=" + (sync ? "sync" : "async")
                    + (type == MM_COMPACTION_END ? " status=" + statusName(status) : "");
            case MM_COMPACTION_ISOLATE_MIGRATEPAGES, MM_COMPACTION_ISOLATE_FREEPAGES, MM_COMPACTION_FAST_ISOLATE_FREEPAGES ->
                    name + " range=(0x" + Long.toHexString(startPfn) + " ~ 0x" + Long.toHexString(endPfn) + ")";
            default -> name;
        };
    }

    public static String statusName(int s) {
        return s >= 0 && s < STATUS.length ? STATUS[s] : Integer.toString(s);
    }
}
