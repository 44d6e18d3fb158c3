package org.mmspec.reference.alloc;

import org.mmspec.reference.page.MemMap;

/**
 * {@code struct zone} (include/linux/mmzone.h, v6.18): the span, the page counts, the free areas
 * with one list per migratetype, the vmstat counters the allocator reads, the watermarks, the
 * lowmem reserve, the boost, the zone flags, the pageblock bitmap and compaction's cached
 * scanner positions and deferral counters. The functions that change
 * it live in {@link PageAlloc}, as they live in mm/page_alloc.c.
 */
public final class Zone {
    /** {@code enum zone_flags}. */
    public static final int ZONE_BOOSTED_WATERMARK = 1 << 0;
    public static final int ZONE_RECLAIM_ACTIVE = 1 << 1;
    public static final int ZONE_BELOW_HIGH = 1 << 2;

    /** {@code enum pageblock_bits}: PB_migrate_0..2, PB_compact_skip, PB_migrate_isolate. */
    public static final int MIGRATETYPE_MASK = 0x7;
    public static final int PB_compact_skip = 1 << 3;
    public static final int PB_migrate_isolate = 1 << 4;
    public static final int MIGRATETYPE_AND_ISO_MASK = MIGRATETYPE_MASK | PB_migrate_isolate;

    public final ZoneType type;
    public final int idx;
    public final long zoneStartPfn;
    public final long spannedPages;
    public final long presentPages;
    /** zone->managed_pages: grows as boot frees memory into the buddy (__free_pages_core). */
    public long managedPages;

    private final int nrOrders;
    private final MemMap mem;
    /** The list id of free_area[0].free_list[0]; free_area[o].free_list[mt] is listBase + o * MIGRATE_TYPES + mt. */
    private final int listBase;
    /** free_area[order].nr_free. */
    public final long[] nrFree;

    /** vm_stat[NR_FREE_PAGES], [NR_FREE_CMA_PAGES], [NR_FREE_PAGES_BLOCKS]. */
    public long nrFreePages;
    public long nrFreeCmaPages;
    public long nrFreePagesBlocks;
    public long nrFreeHighatomic;
    public long nrReservedHighatomic;
    public int nrIsolatePageblock;

    /** _watermark[NR_WMARK] and watermark_boost. */
    public final long[] watermark = new long[Watermarks.NR_WMARK];
    public long watermarkBoost;
    public final long[] lowmemReserve = new long[ZoneType.MAX_NR_ZONES];
    /** zone->flags. */
    public int flags;

    /**
     * The pageblock bitmap, one byte per pageblock of the whole mem_map: with CONFIG_SPARSEMEM
     * (x86-64) the bits live in the memory section (section_to_usemap), not in the zone, so a
     * pageblock that straddles two zones has one type. Shared with the node.
     */
    private final byte[] pageblockFlags;
    /** Shared with the node: how many pageblock-bit writes changed a value (a model seqcount). */
    private final long[] pageblockWrites;
    private final long pageblockBasePfn;
    private final int pageblockOrder;
    /** The zone's first pageblock, pageblock_start_pfn(zone_start_pfn). */
    private final long firstPageblockPfn;
    private final int nrPageblocks;

    /** Counters of the page allocator's vm events for this zone (PGALLOC_&lt;zone&gt;). */
    public long pgalloc;

    // CONFIG_COMPACTION state of struct zone, which mm/compaction.c reads and writes; zeroed at
    // boot as the kernel's zone is (compact_zone() resets cached positions that are out of range).
    /** compact_cached_free_pfn: where the free scanner restarts. */
    public long compactCachedFreePfn;
    /** compact_cached_migrate_pfn[2]: where the migration scanner restarts, [0] async, [1] sync. */
    public final long[] compactCachedMigratePfn = new long[2];
    /** compact_init_migrate_pfn, compact_init_free_pfn: the starting points __reset_isolation_suitable() found. */
    public long compactInitMigratePfn;
    public long compactInitFreePfn;
    /** compact_considered, compact_defer_shift, compact_order_failed: deferral after failures. */
    public long compactConsidered;
    public int compactDeferShift;
    public int compactOrderFailed;
    /** compact_blockskip_flush: a direct compaction's scanners met; the skip bits are to be cleared. */
    public boolean compactBlockskipFlush;

    Zone(MemMap mem, byte[] pageblockFlags, long[] pageblockWrites, ZoneType type, long zoneStartPfn, long spannedPages, long presentPages,
         int maxPageOrder, int pageblockOrder) {
        this.pageblockFlags = pageblockFlags;
        this.pageblockWrites = pageblockWrites;
        this.mem = mem;
        this.type = type;
        this.idx = type.idx();
        this.zoneStartPfn = zoneStartPfn;
        this.spannedPages = spannedPages;
        this.presentPages = presentPages;
        this.nrOrders = maxPageOrder + 1;
        this.listBase = mem.allocLists(nrOrders * MigrateType.MIGRATE_TYPES);
        this.nrFree = new long[nrOrders];
        this.pageblockOrder = pageblockOrder;
        this.pageblockBasePfn = mem.basePfn();
        this.firstPageblockPfn = (zoneStartPfn >> pageblockOrder) << pageblockOrder;
        long end = zoneStartPfn + spannedPages;
        this.nrPageblocks = spannedPages == 0 ? 0
                : (int) (((end + (1L << pageblockOrder) - 1) >> pageblockOrder) - (firstPageblockPfn >> pageblockOrder));
    }

    void copyFrom(Zone o) {
        managedPages = o.managedPages;
        System.arraycopy(o.nrFree, 0, nrFree, 0, nrFree.length);
        nrFreePages = o.nrFreePages;
        nrFreeCmaPages = o.nrFreeCmaPages;
        nrFreePagesBlocks = o.nrFreePagesBlocks;
        nrFreeHighatomic = o.nrFreeHighatomic;
        nrReservedHighatomic = o.nrReservedHighatomic;
        nrIsolatePageblock = o.nrIsolatePageblock;
        System.arraycopy(o.watermark, 0, watermark, 0, watermark.length);
        watermarkBoost = o.watermarkBoost;
        System.arraycopy(o.lowmemReserve, 0, lowmemReserve, 0, lowmemReserve.length);
        flags = o.flags;
        pgalloc = o.pgalloc;
        compactCachedFreePfn = o.compactCachedFreePfn;
        System.arraycopy(o.compactCachedMigratePfn, 0, compactCachedMigratePfn, 0, 2);
        compactInitMigratePfn = o.compactInitMigratePfn;
        compactInitFreePfn = o.compactInitFreePfn;
        compactConsidered = o.compactConsidered;
        compactDeferShift = o.compactDeferShift;
        compactOrderFailed = o.compactOrderFailed;
        compactBlockskipFlush = o.compactBlockskipFlush;
    }

    /** Writes every field {@link #copyFrom} copies, as ints (longs as high then low half); see MemMap.saveState. */
    void saveState(java.util.function.IntConsumer out) {
        putLong(out, managedPages);
        for (long v : nrFree) putLong(out, v);
        putLong(out, nrFreePages);
        putLong(out, nrFreeCmaPages);
        putLong(out, nrFreePagesBlocks);
        putLong(out, nrFreeHighatomic);
        putLong(out, nrReservedHighatomic);
        out.accept(nrIsolatePageblock);
        for (long v : watermark) putLong(out, v);
        putLong(out, watermarkBoost);
        for (long v : lowmemReserve) putLong(out, v);
        out.accept(flags);
        putLong(out, pgalloc);
        putLong(out, compactCachedFreePfn);
        putLong(out, compactCachedMigratePfn[0]);
        putLong(out, compactCachedMigratePfn[1]);
        putLong(out, compactInitMigratePfn);
        putLong(out, compactInitFreePfn);
        putLong(out, compactConsidered);
        out.accept(compactDeferShift);
        out.accept(compactOrderFailed);
        out.accept(compactBlockskipFlush ? 1 : 0);
    }

    /** Reads what {@link #saveState} wrote. */
    void restoreState(java.util.function.IntSupplier in) {
        managedPages = getLong(in);
        for (int i = 0; i < nrFree.length; i++) nrFree[i] = getLong(in);
        nrFreePages = getLong(in);
        nrFreeCmaPages = getLong(in);
        nrFreePagesBlocks = getLong(in);
        nrFreeHighatomic = getLong(in);
        nrReservedHighatomic = getLong(in);
        nrIsolatePageblock = in.getAsInt();
        for (int i = 0; i < watermark.length; i++) watermark[i] = getLong(in);
        watermarkBoost = getLong(in);
        for (int i = 0; i < lowmemReserve.length; i++) lowmemReserve[i] = getLong(in);
        flags = in.getAsInt();
        pgalloc = getLong(in);
        compactCachedFreePfn = getLong(in);
        compactCachedMigratePfn[0] = getLong(in);
        compactCachedMigratePfn[1] = getLong(in);
        compactInitMigratePfn = getLong(in);
        compactInitFreePfn = getLong(in);
        compactConsidered = getLong(in);
        compactDeferShift = in.getAsInt();
        compactOrderFailed = in.getAsInt();
        compactBlockskipFlush = in.getAsInt() != 0;
    }

    static void putLong(java.util.function.IntConsumer out, long v) {
        out.accept((int) (v >>> 32));
        out.accept((int) v);
    }

    static long getLong(java.util.function.IntSupplier in) {
        return ((long) in.getAsInt() << 32) | (in.getAsInt() & 0xffffffffL);
    }

    /** A 64-bit hash of the zone's counters, watermarks, flags and pageblock bits. */
    public long fingerprint() {
        // most zones of a small machine are unpopulated and all zero: one constant for them
        long any = managedPages | nrFreePages | nrFreeCmaPages | nrFreePagesBlocks | nrFreeHighatomic
                | nrReservedHighatomic | nrIsolatePageblock | watermarkBoost | flags | compactCachedFreePfn
                | compactCachedMigratePfn[0] | compactCachedMigratePfn[1] | compactInitMigratePfn | compactInitFreePfn
                | compactConsidered | compactDeferShift | compactOrderFailed | (compactBlockskipFlush ? 1 : 0);
        for (long v : nrFree) any |= v;
        for (long v : watermark) any |= v;
        for (long v : lowmemReserve) any |= v;
        if (any == 0) return ALL_ZERO_FINGERPRINT;
        // one multiply per field and a full mix at the end: the fields are small counters, and the
        // explorer fingerprints every state it generates, so this sits on its hot path
        long h = step(0x6a09e667f3bcc909L, managedPages);
        for (long v : nrFree) h = step(h, v);
        h = step(h, nrFreePages);
        h = step(h, nrFreeCmaPages);
        h = step(h, nrFreePagesBlocks);
        h = step(h, nrFreeHighatomic);
        h = step(h, nrReservedHighatomic);
        h = step(h, nrIsolatePageblock);
        h = step(h, watermarkBoost);
        h = step(h, flags);
        for (long v : watermark) h = step(h, v);
        for (long v : lowmemReserve) h = step(h, v);
        h = step(h, compactCachedFreePfn);
        h = step(h, compactCachedMigratePfn[0]);
        h = step(h, compactCachedMigratePfn[1]);
        h = step(h, compactInitMigratePfn);
        h = step(h, compactInitFreePfn);
        h = step(h, compactConsidered);
        h = step(h, compactDeferShift);
        h = step(h, compactOrderFailed);
        h = step(h, compactBlockskipFlush ? 1 : 0);
        return MemMap.mix(h);
    }

    private static final long ALL_ZERO_FINGERPRINT = MemMap.mix(0x3c6ef372fe94f82bL);

    private static long step(long h, long v) {
        h = (h ^ v) * 0x9E3779B97F4A7C15L;
        return h ^ (h >>> 29);
    }

    public String name() {
        return type.kernelName();
    }

    public long zoneEndPfn() {
        return zoneStartPfn + spannedPages;
    }

    /** {@code zone_spans_pfn()}. */
    public boolean spansPfn(long pfn) {
        return pfn >= zoneStartPfn && pfn < zoneStartPfn + spannedPages;
    }

    /** {@code populated_zone()}. */
    public boolean populated() {
        return presentPages > 0;
    }

    /** {@code managed_zone()}. */
    public boolean managed() {
        return managedPages > 0;
    }

    public int nrOrders() {
        return nrOrders;
    }

    /** The list id of free_area[order].free_list[mt] in the mem_map's list heads. */
    public int list(int order, int mt) {
        return listBase + order * MigrateType.MIGRATE_TYPES + mt;
    }

    /** {@code free_area_empty()}. */
    public boolean freeAreaEmpty(int order, int mt) {
        return mem.listEmpty(listBase + order * MigrateType.MIGRATE_TYPES + mt);
    }

    /** {@code get_page_from_free_area()}: the first page of the list, or {@link MemMap#NIL}. */
    public int firstFree(int order, int mt) {
        return mem.listFirst(listBase + order * MigrateType.MIGRATE_TYPES + mt);
    }

    /** wmark_pages(): _watermark[i] + watermark_boost. */
    public long wmarkPages(int i) {
        return watermark[i] + watermarkBoost;
    }

    public long minWmarkPages() {
        return wmarkPages(Watermarks.WMARK_MIN);
    }

    public long lowWmarkPages() {
        return wmarkPages(Watermarks.WMARK_LOW);
    }

    public long highWmarkPages() {
        return wmarkPages(Watermarks.WMARK_HIGH);
    }

    public int pageblockIndex(long pfn) {
        return (int) ((pfn - pageblockBasePfn) >> pageblockOrder);
    }

    /** The number of pageblocks that overlap the zone's span. */
    public int nrPageblocks() {
        return nrPageblocks;
    }

    /** The first pfn of the zone's {@code i}-th pageblock (the first may start before the zone). */
    public long pageblockPfn(int i) {
        return firstPageblockPfn + ((long) i << pageblockOrder);
    }

    /** get_pfnblock_migratetype(): ISOLATE when PB_migrate_isolate is set, else the type bits. */
    public int pageblockMigratetype(long pfn) {
        int f = pageblockFlags[pageblockIndex(pfn)];
        if ((f & PB_migrate_isolate) != 0) return MigrateType.MIGRATE_ISOLATE;
        return f & MIGRATETYPE_MASK;
    }

    /** The type bits without the isolate bit (__get_pfnblock_flags_mask(MIGRATETYPE_MASK)). */
    public int pageblockMigratetypeBits(long pfn) {
        return pageblockFlags[pageblockIndex(pfn)] & MIGRATETYPE_MASK;
    }

    public boolean pageblockIsolated(long pfn) {
        return (pageblockFlags[pageblockIndex(pfn)] & PB_migrate_isolate) != 0;
    }

    public boolean pageblockSkip(long pfn) {
        return (pageblockFlags[pageblockIndex(pfn)] & PB_compact_skip) != 0;
    }

    void setPageblockBits(long pfn, int value, int mask) {
        int i = pageblockIndex(pfn);
        byte v = (byte) ((pageblockFlags[i] & ~mask) | (value & mask));
        if (v != pageblockFlags[i]) {
            pageblockFlags[i] = v;
            pageblockWrites[0]++;
        }
    }

    /** set/clear the standalone PB_compact_skip bit (set_pageblock_skip / clear_pageblock_skip). */
    public void setPageblockSkip(long pfn, boolean skip) {
        setPageblockBits(pfn, skip ? PB_compact_skip : 0, PB_compact_skip);
    }
}
