package org.mmspec.reference.page;

/**
 * Page flags, in the bit positions of {@code enum pageflags} (include/linux/page-flags.h, v6.18),
 * plus the page type {@code PGTY_buddy} and a few model-only ghost bits, packed into one int per
 * page frame the way the kernel packs them into {@code page->flags}. The zone id lives in the top
 * bits, as {@code page_zonenum()} reads it from {@code page->flags} (ZONES_PGSHIFT).
 */
public final class PageFlags {
    private PageFlags() {}

    public static final int PG_locked = 1 << 0;
    public static final int PG_writeback = 1 << 1;
    public static final int PG_referenced = 1 << 2;
    public static final int PG_uptodate = 1 << 3;
    public static final int PG_dirty = 1 << 4;
    public static final int PG_lru = 1 << 5;
    public static final int PG_head = 1 << 6;
    public static final int PG_waiters = 1 << 7;
    public static final int PG_active = 1 << 8;
    public static final int PG_workingset = 1 << 9;
    /** Also PG_swapcache for anonymous pages. */
    public static final int PG_owner_priv_1 = 1 << 10;
    /** Also PG_anon_exclusive. */
    public static final int PG_owner_2 = 1 << 11;
    public static final int PG_arch_1 = 1 << 12;
    public static final int PG_reserved = 1 << 13;
    public static final int PG_private = 1 << 14;
    public static final int PG_private_2 = 1 << 15;
    public static final int PG_reclaim = 1 << 16;
    public static final int PG_swapbacked = 1 << 17;
    public static final int PG_unevictable = 1 << 18;
    public static final int PG_dropbehind = 1 << 19;
    public static final int PG_mlocked = 1 << 20;
    public static final int PG_swapcache = PG_owner_priv_1;
    public static final int PG_anon_exclusive = PG_owner_2;

    /** {@code PageBuddy()}: the page heads a free block on a buddy free list (a page type in 6.18). */
    public static final int PGTY_buddy = 1 << 23;
    /**
     * Model ghost, like CONFIG_PAGE_OWNER: the page heads a block handed out by the allocator and
     * the model remembers its order, so a free with the wrong order or of a tail page is rejected
     * (the kernel itself cannot tell for non-compound pages; see __free_pages()).
     */
    public static final int MODEL_ALLOC_HEAD = 1 << 24;
    /** Model ghost: no memory behind this pfn (a hole; the kernel marks these PG_reserved). */
    public static final int MODEL_NOT_PRESENT = 1 << 25;
    /**
     * Model ghost: the page heads a free block that compaction's free scanner took off the buddy
     * lists ({@code __isolate_free_page()}) and holds on {@code cc->freepages[order]}; its order is
     * in page_private, as the kernel keeps it there. Neither free nor allocated until
     * compaction_alloc() hands it out or release_free_list() frees it.
     */
    public static final int MODEL_COMPACT_FREE = 1 << 26;

    /** {@code PAGE_FLAGS_CHECK_AT_FREE} (include/linux/page-flags.h, v6.18). */
    public static final int PAGE_FLAGS_CHECK_AT_FREE = PG_lru | PG_locked | PG_private | PG_private_2
            | PG_writeback | PG_reserved | PG_active | PG_unevictable | PG_mlocked;

    public static final int ZONE_SHIFT = 28;
    public static final int ZONE_MASK = 0x7 << ZONE_SHIFT;
    /** Zone id of a pfn that belongs to no zone. */
    public static final int NO_ZONE = 7;

    /**
     * The flags {@code %pGp} names, in the order it prints them: the table
     * {@code __def_pageflag_names} (include/trace/events/mmflags.h, v6.18), which is not the
     * order of the bits (waiters before referenced, writeback and head after private_2).
     */
    private static final int[] NAMED = {
        PG_locked, PG_waiters, PG_referenced, PG_uptodate, PG_dirty, PG_lru, PG_active, PG_workingset,
        PG_owner_priv_1, PG_owner_2, PG_arch_1, PG_reserved, PG_private, PG_private_2, PG_writeback,
        PG_head, PG_reclaim, PG_swapbacked, PG_unevictable, PG_dropbehind, PG_mlocked,
    };
    private static final String[] NAMES = {
        "locked", "waiters", "referenced", "uptodate", "dirty", "lru", "active", "workingset",
        "owner_priv_1", "owner_2", "arch_1", "reserved", "private", "private_2", "writeback",
        "head", "reclaim", "swapbacked", "unevictable", "dropbehind", "mlocked",
    };

    public static int zoneOf(int flags) {
        return (flags & ZONE_MASK) >>> ZONE_SHIFT;
    }

    /**
     * The flag names as {@code dump_page()} prints them ({@code %pGp}, in the table's order), then
     * the page type and the model's ghost bits: {@code lru|head|buddy}.
     */
    public static String describe(int flags) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < NAMED.length; i++) {
            if ((flags & NAMED[i]) != 0) {
                append(sb, NAMES[i]);
            }
        }
        if ((flags & PGTY_buddy) != 0) append(sb, "buddy");
        if ((flags & MODEL_ALLOC_HEAD) != 0) append(sb, "allocated");
        if ((flags & MODEL_NOT_PRESENT) != 0) append(sb, "hole");
        if ((flags & MODEL_COMPACT_FREE) != 0) append(sb, "compaction-isolated");
        return sb.toString();
    }

    private static void append(StringBuilder sb, String name) {
        if (sb.length() > 0) sb.append('|');
        sb.append(name);
    }
}
