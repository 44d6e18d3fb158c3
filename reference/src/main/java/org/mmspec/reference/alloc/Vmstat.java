package org.mmspec.reference.alloc;

/**
 * The fragmentation indices of mm/vmstat.c (v6.18), in the kernel's integer arithmetic:
 * {@code fill_contig_page_info}, {@code __fragmentation_index} (what {@code fragmentation_index()}
 * and debugfs {@code extfrag/extfrag_index} print), {@code unusable_free_index} (debugfs
 * {@code extfrag/unusable_index}) and {@code extfrag_for_order} (compaction's proactive score).
 * Each takes a {@link Zone} (its {@code free_area[order].nr_free}) or a plain {@code nr_free}
 * array, as /proc/buddyinfo prints it. Values are thousandths (or, for extfrag_for_order, a
 * percentage), as the kernel returns them.
 */
public final class Vmstat {
    private Vmstat() {}

    /** {@code struct contig_page_info}. */
    public record ContigPageInfo(long freePages, long freeBlocksTotal, long freeBlocksSuitable) {}

    /**
     * {@code fill_contig_page_info(zone, suitable_order, info)}: the zone's free pages, free
     * blocks, and how many blocks of {@code suitable_order} the free blocks of that order or
     * larger could hold. Sums in unsigned long, as the kernel does.
     */
    public static ContigPageInfo fill_contig_page_info(long[] nrFree, int suitableOrder) {
        long freePages = 0;
        long freeBlocksTotal = 0;
        long freeBlocksSuitable = 0;
        for (int order = 0; order < nrFree.length; order++) {
            long blocks = nrFree[order];
            freeBlocksTotal += blocks;
            freePages += blocks << order;
            if (order >= suitableOrder) freeBlocksSuitable += blocks << (order - suitableOrder);
        }
        return new ContigPageInfo(freePages, freeBlocksTotal, freeBlocksSuitable);
    }

    public static ContigPageInfo fill_contig_page_info(Zone zone, int suitableOrder) {
        return fill_contig_page_info(zone.nrFree, suitableOrder);
    }

    /**
     * {@code __fragmentation_index(order, info)}: 0 when no block is free, -1000 when an
     * allocation of {@code order} would succeed, else
     * {@code 1000 - div_u64(1000 + div_u64(free_pages * 1000, 1 << order), free_blocks_total)}
     * (towards 0: lack of memory; towards 1000: external fragmentation). Computed in u64 and
     * returned as the kernel's int, so it can go below 0 when few small blocks are free (one free
     * page, order 1: -500).
     */
    public static int __fragmentation_index(int order, ContigPageInfo info, int maxPageOrder) {
        long requested = 1L << order;
        if (order > maxPageOrder) return 0; // WARN_ON_ONCE(order > MAX_PAGE_ORDER)
        if (info.freeBlocksTotal() == 0) return 0;
        if (info.freeBlocksSuitable() != 0) return -1000;
        long inner = Long.divideUnsigned(info.freePages() * 1000L, requested);
        long q = Long.divideUnsigned(1000L + inner, info.freeBlocksTotal());
        return (int) (1000L - q);
    }

    /** {@code fragmentation_index(zone, order)}: fill_contig_page_info then __fragmentation_index. */
    public static int fragmentation_index(long[] nrFree, int order) {
        return __fragmentation_index(order, fill_contig_page_info(nrFree, order), nrFree.length - 1);
    }

    public static int fragmentation_index(Zone zone, int order) {
        return fragmentation_index(zone.nrFree, order);
    }

    /**
     * {@code unusable_free_index(order, info)}: thousandths of the free memory that sits in blocks
     * too small for {@code order}; 1000 when nothing is free.
     */
    public static int unusable_free_index(int order, ContigPageInfo info) {
        if (info.freePages() == 0) return 1000;
        long unusable = info.freePages() - (info.freeBlocksSuitable() << order);
        return (int) Long.divideUnsigned(unusable * 1000L, info.freePages());
    }

    public static int unusable_free_index(long[] nrFree, int order) {
        return unusable_free_index(order, fill_contig_page_info(nrFree, order));
    }

    public static int unusable_free_index(Zone zone, int order) {
        return unusable_free_index(zone.nrFree, order);
    }

    /**
     * {@code extfrag_for_order(zone, order)}: the percentage of free pages in blocks smaller than
     * {@code order}, 0 when nothing is free.
     */
    public static int extfrag_for_order(long[] nrFree, int order) {
        ContigPageInfo info = fill_contig_page_info(nrFree, order);
        if (info.freePages() == 0) return 0;
        long unusable = info.freePages() - (info.freeBlocksSuitable() << order);
        return (int) Long.divideUnsigned(unusable * 100L, info.freePages());
    }

    public static int extfrag_for_order(Zone zone, int order) {
        return extfrag_for_order(zone.nrFree, order);
    }

    /**
     * An index as debugfs prints it: {@code seq_printf("%d.%03d", index / 1000, index % 1000)}
     * with C's truncating division, so -1000 prints "-1.000" and -500 prints "0.-500".
     * ({@code extfrag_index} pads the integer part to two columns, {@code "%2d"}; the value is the
     * same.)
     */
    public static String formatIndex(int index) {
        return (index / 1000) + "." + String.format("%03d", index % 1000);
    }
}
