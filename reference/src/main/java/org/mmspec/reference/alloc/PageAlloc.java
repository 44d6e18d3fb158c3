package org.mmspec.reference.alloc;

import static org.mmspec.reference.alloc.AllocFlags.*;
import static org.mmspec.reference.alloc.MigrateType.*;

import org.mmspec.reference.page.MemMap;
import org.mmspec.reference.page.PageFlags;

/**
 * The buddy page allocator of mm/page_alloc.c (Linux v6.18), one method per kernel function and
 * under its name: {@code __free_one_page}, {@code expand}, {@code __rmqueue_smallest},
 * {@code __rmqueue_claim}, {@code __rmqueue_steal}, {@code try_to_claim_block},
 * {@code boost_watermark}, {@code __zone_watermark_ok}, {@code get_page_from_freelist},
 * {@code __alloc_pages_slowpath}, the highatomic reserve and pageblock isolation.
 *
 * <p>Left out, and said so in spec/README.md: the per-cpu page lists (every free goes straight to
 * the buddy, as when pcp->high is 0), page shuffling, page reporting, unaccepted memory, deferred
 * struct page init, cpusets, dirty-limit spreading and memcg charging. Direct reclaim and direct
 * compaction are reached through {@link SlowpathHooks}, which the reclaim and compaction models
 * fill in; by default they make no progress.
 *
 * <p>The class is not final so that a test can plant a wrong merge condition by overriding
 * {@link #page_is_buddy}; the shipped reference never does.
 */
public class PageAlloc {
    public static final int FPI_NONE = 0;
    public static final int FPI_SKIP_REPORT_NOTIFY = 1 << 0;
    public static final int FPI_TO_TAIL = 1 << 1;
    /** PAGE_ALLOC_COSTLY_ORDER (include/linux/mmzone.h). */
    public static final int PAGE_ALLOC_COSTLY_ORDER = 3;
    /** MAX_RECLAIM_RETRIES (mm/internal.h). */
    public static final int MAX_RECLAIM_RETRIES = 16;

    protected final MachineConfig config;
    public final Node node;
    public final MemMap mem;
    public final int MAX_PAGE_ORDER;
    protected final int NR_PAGE_ORDERS;
    public final int pageblock_order;
    public final long pageblock_nr_pages;
    protected final boolean page_group_by_mobility_disabled;
    protected final boolean defrag_mode;
    protected final VmSysctl sysctl;
    public final AllocStats stats;
    public final KernelWarnings warnings;
    private SlowpathHooks hooks = SlowpathHooks.NONE;

    /** The known-bug switches, read once: each deviation is tested at exactly one place. */
    private final boolean bugIsolateMerge;
    private final boolean bugBoostSmallZone;

    /** A compaction capture in progress (task_capc()); set by the compaction model. */
    protected CaptureControl capc;

    public PageAlloc(MachineConfig config, Node node, VmSysctl sysctl, KernelWarnings warnings) {
        this.config = config;
        this.node = node;
        this.mem = node.mem;
        this.MAX_PAGE_ORDER = config.maxPageOrder();
        this.NR_PAGE_ORDERS = MAX_PAGE_ORDER + 1;
        this.pageblock_order = config.pageblockOrder();
        this.pageblock_nr_pages = 1L << pageblock_order;
        this.page_group_by_mobility_disabled = config.mobilityDisabled();
        this.defrag_mode = config.defragMode();
        this.sysctl = sysctl;
        this.stats = new AllocStats(NR_PAGE_ORDERS);
        this.warnings = warnings;
        this.bugIsolateMerge = config.bug(KnownBug.ISOLATE_MERGE.bugName());
        this.bugBoostSmallZone = config.bug(KnownBug.BOOST_SMALL_ZONE.bugName());
    }

    public void setHooks(SlowpathHooks hooks) {
        this.hooks = hooks == null ? SlowpathHooks.NONE : hooks;
    }

    public SlowpathHooks hooks() {
        return hooks;
    }

    /**
     * current-&gt;capture_control, which task_capc() reads: set by direct compaction
     * (compact_zone_order()) while it runs, null otherwise.
     */
    public void setCaptureControl(CaptureControl capc) {
        this.capc = capc;
    }

    public Node node() {
        return node;
    }

    public MachineConfig config() {
        return config;
    }

    public void copyFrom(PageAlloc o) {
        stats.copyFrom(o.stats);
    }

    // ---------------------------------------------------------------- pageblock flags

    /** get_pfnblock_migratetype(). */
    public final int get_pfnblock_migratetype(Zone zone, long pfn) {
        return zone.pageblockMigratetype(pfn);
    }

    /**
     * set_pageblock_migratetype(): refuses MIGRATE_ISOLATE (use the isolate bit) and clears the
     * isolate bit it finds, warning as the kernel does.
     */
    protected void set_pageblock_migratetype(Zone zone, long pfn, int migratetype) {
        if (page_group_by_mobility_disabled && migratetype < MIGRATE_PCPTYPES) migratetype = MIGRATE_UNMOVABLE;
        if (migratetype == MIGRATE_ISOLATE) {
            warnings.warn("set_pageblock_migratetype", "Use set_pageblock_isolate() for pageblock isolation (pfn 0x"
                    + Long.toHexString(pfn) + ")");
            return;
        }
        if (zone.pageblockIsolated(pfn)) {
            warnings.warn("set_pageblock_migratetype", "Use clear_pageblock_isolate() to unisolate pageblock (pfn 0x"
                    + Long.toHexString(pfn) + ")");
        }
        zone.setPageblockBits(pfn, migratetype, Zone.MIGRATETYPE_AND_ISO_MASK);
    }

    /** init_pageblock_migratetype() at boot: no warnings, isolate bit as given. */
    void init_pageblock_migratetype(Zone zone, long pfn, int migratetype, boolean isolate) {
        if (page_group_by_mobility_disabled && migratetype < MIGRATE_PCPTYPES) migratetype = MIGRATE_UNMOVABLE;
        zone.setPageblockBits(pfn, migratetype | (isolate ? Zone.PB_migrate_isolate : 0), Zone.MIGRATETYPE_AND_ISO_MASK);
    }

    public final void toggle_pageblock_isolate(Zone zone, long pfn, boolean isolate) {
        zone.setPageblockBits(pfn, isolate ? Zone.PB_migrate_isolate : 0, Zone.PB_migrate_isolate);
    }

    /** change_pageblock_range(): set 1 &lt;&lt; (start_order - pageblock_order) pageblocks to the type. */
    protected void change_pageblock_range(Zone zone, long pfn, int start_order, int migratetype) {
        int nr = 1 << (start_order - pageblock_order);
        while (nr-- > 0) {
            set_pageblock_migratetype(zone, pfn, migratetype);
            pfn += pageblock_nr_pages;
        }
    }

    public final long pageblock_start_pfn(long pfn) {
        return pfn & ~(pageblock_nr_pages - 1);
    }

    public final long pageblock_end_pfn(long pfn) {
        return (pfn + pageblock_nr_pages) & ~(pageblock_nr_pages - 1);
    }

    // ---------------------------------------------------------------- free lists

    /** account_freepages(): NR_FREE_PAGES excludes isolated pages; CMA and highatomic are tracked too. */
    protected final void account_freepages(Zone zone, long nr_pages, int migratetype) {
        if (migratetype == MIGRATE_ISOLATE) return;
        zone.nrFreePages += nr_pages;
        if (migratetype == MIGRATE_CMA) {
            zone.nrFreeCmaPages += nr_pages;
        } else if (migratetype == MIGRATE_HIGHATOMIC) {
            zone.nrFreeHighatomic += nr_pages;
        }
    }

    private void warnType(String fn, Zone zone, int page, int migratetype, int order) {
        long pfn = mem.pfn(page);
        int actual = zone.pageblockMigratetype(pfn);
        if (actual != migratetype) {
            warnings.warn(fn, "page type is " + actual + ", passed migratetype is " + migratetype + " (nr="
                    + (1 << order) + ") pfn 0x" + Long.toHexString(pfn));
        }
    }

    /** __add_to_free_list(): list_add (or list_add_tail), nr_free++, NR_FREE_PAGES_BLOCKS. */
    protected final void __add_to_free_list(int page, Zone zone, int order, int migratetype, boolean tail) {
        warnType("__add_to_free_list", zone, page, migratetype, order);
        int list = zone.list(order, migratetype);
        if (tail) {
            mem.listAddTail(page, list);
        } else {
            mem.listAdd(page, list);
        }
        zone.nrFree[order]++;
        if (order >= pageblock_order && migratetype != MIGRATE_ISOLATE) zone.nrFreePagesBlocks += 1L << order;
    }

    /** move_to_free_list(): list_move_tail to the new type's list, re-accounting; the type changes after. */
    protected final void move_to_free_list(int page, Zone zone, int order, int old_mt, int new_mt) {
        warnType("move_to_free_list", zone, page, old_mt, order);
        mem.listMoveTail(page, zone.list(order, new_mt));
        long nr_pages = 1L << order;
        account_freepages(zone, -nr_pages, old_mt);
        account_freepages(zone, nr_pages, new_mt);
        if (order >= pageblock_order && (old_mt == MIGRATE_ISOLATE) != (new_mt == MIGRATE_ISOLATE)) {
            zone.nrFreePagesBlocks += old_mt != MIGRATE_ISOLATE ? -nr_pages : nr_pages;
        }
    }

    /** __del_page_from_free_list(): list_del, __ClearPageBuddy, set_page_private(0), nr_free--. */
    protected final void __del_page_from_free_list(int page, Zone zone, int order, int migratetype) {
        warnType("__del_page_from_free_list", zone, page, migratetype, order);
        mem.listDel(page);
        mem.flags[page] &= ~PageFlags.PGTY_buddy;
        mem.order[page] = 0;
        zone.nrFree[order]--;
        if (order >= pageblock_order && migratetype != MIGRATE_ISOLATE) zone.nrFreePagesBlocks -= 1L << order;
    }

    /** del_page_from_free_list(). */
    protected final void del_page_from_free_list(int page, Zone zone, int order, int migratetype) {
        __del_page_from_free_list(page, zone, order, migratetype);
        account_freepages(zone, -(1L << order), migratetype);
    }

    /** set_buddy_order(): set_page_private(page, order); __SetPageBuddy(page). */
    protected final void set_buddy_order(int page, int order) {
        mem.order[page] = (byte) order;
        mem.flags[page] |= PageFlags.PGTY_buddy;
    }

    /** buddy_order(). */
    public final int buddy_order(int page) {
        return mem.order[page];
    }

    /**
     * page_is_buddy() (mm/internal.h, v6.18): the buddy is PageBuddy, of the same order and in the
     * same zone. The caller has made sure the buddy's struct page exists.
     */
    protected boolean page_is_buddy(int page, int buddy, int order) {
        int bf = mem.flags[buddy];
        if ((bf & PageFlags.PGTY_buddy) == 0) return false;
        if (mem.order[buddy] != order) return false;
        if (((mem.flags[page] ^ bf) & PageFlags.ZONE_MASK) != 0) return false;
        if (mem.refcount[buddy] != 0) {
            warnings.warn("page_is_buddy", "VM_BUG_ON_PAGE(page_count(buddy) != 0) pfn 0x" + Long.toHexString(mem.pfn(buddy)));
        }
        return true;
    }

    /** find_buddy_page_pfn(): the buddy's page index if page_is_buddy(), else {@link MemMap#NIL}. */
    public final int find_buddy_page_pfn(int page, long pfn, int order) {
        int buddy = page ^ (1 << order); // page indexes share the pfn's low bits: the map is MAX_PAGE_ORDER aligned
        return page_is_buddy(page, buddy, order) ? buddy : MemMap.NIL;
    }

    /**
     * buddy_merge_likely(): if the order+1 buddy of the would-be parent is free, the freed block is
     * likely to merge soon, so __free_one_page puts it at the tail.
     */
    private boolean buddy_merge_likely(long pfn, long buddy_pfn, int page, int order) {
        if (order >= MAX_PAGE_ORDER - 1) return false;
        long higher_page_pfn = buddy_pfn & pfn;
        int higher_page = page + (int) (higher_page_pfn - pfn);
        return find_buddy_page_pfn(higher_page, higher_page_pfn, order + 1) != MemMap.NIL;
    }

    /**
     * The condition __free_one_page() tests inline at order &gt;= pageblock_order: two free
     * buddies merge when their pageblock types are equal, or both mergeable (pcp types).
     * Overridable only so a test can plant a wrong merge condition.
     */
    protected boolean migratetypes_may_merge(int migratetype, int buddy_mt) {
        return migratetype == buddy_mt || (isMergeable(migratetype) && isMergeable(buddy_mt));
    }

    /**
     * __free_one_page(): merge the freed block with its free buddy while one exists, up to
     * MAX_PAGE_ORDER, refusing at order &gt;= pageblock_order when the two pageblock types differ
     * and either is not mergeable; then put the result on its free list, at the tail when asked or
     * when a merge one level up looks likely.
     */
    protected void __free_one_page(int page, long pfn, Zone zone, int order, int migratetype, int fpi_flags) {
        long buddy_pfn = 0;
        if (migratetype == -1) warnings.warn("__free_one_page", "VM_BUG_ON(migratetype == -1)");
        if ((pfn & ((1L << order) - 1)) != 0) {
            warnings.warn("__free_one_page", "VM_BUG_ON_PAGE(pfn & ((1 << order) - 1)) pfn 0x" + Long.toHexString(pfn)
                    + " order " + order);
        }
        if (!zone.spansPfn(pfn)) {
            warnings.warn("__free_one_page", "VM_BUG_ON_PAGE(bad_range(zone, page)) pfn 0x" + Long.toHexString(pfn));
        }

        account_freepages(zone, 1L << order, migratetype);

        while (order < MAX_PAGE_ORDER) {
            int buddy_mt = migratetype;

            if (capc != null && compaction_capture(capc, page, zone, order, migratetype)) {
                account_freepages(zone, -(1L << order), migratetype);
                return;
            }

            buddy_pfn = pfn ^ (1L << order);
            int buddy = find_buddy_page_pfn(page, pfn, order);
            if (buddy == MemMap.NIL) break;

            boolean historicIsolateMerge = false;
            if (order >= pageblock_order) {
                // We want to prevent merge between freepages on pageblock without fallbacks and
                // normal pageblock. Without this, pageblock isolation could cause incorrect
                // freepage or CMA accounting or HIGHATOMIC accounting.
                buddy_mt = get_pfnblock_migratetype(zone, buddy_pfn);
                if (!migratetypes_may_merge(migratetype, buddy_mt)) {
                    // KnownBug.ISOLATE_MERGE: before d9dddbf55667 only a block freed *into* an isolated
                    // pageblock stopped at pageblock order (3c605096d315); a normal block merged with
                    // an isolated buddy and took its pages onto the normal list, type untouched.
                    historicIsolateMerge = bugIsolateMerge && buddy_mt == MIGRATE_ISOLATE && isMergeable(migratetype);
                    if (!historicIsolateMerge) {
                        stats.mergesRefusedMigratetype++;
                        break;
                    }
                }
            }

            __del_page_from_free_list(buddy, zone, order, buddy_mt);

            if (buddy_mt != migratetype && !historicIsolateMerge) {
                // Match buddy type. This ensures that an expand() down the line puts the
                // sub-blocks on the right freelists.
                change_pageblock_range(zone, buddy_pfn, order, migratetype);
            }

            stats.merges++;
            long combined_pfn = buddy_pfn & pfn;
            page = page + (int) (combined_pfn - pfn);
            pfn = combined_pfn;
            order++;
        }

        set_buddy_order(page, order);

        boolean to_tail;
        if ((fpi_flags & FPI_TO_TAIL) != 0) {
            to_tail = true;
        } else {
            to_tail = buddy_merge_likely(pfn, buddy_pfn, page, order);
        }
        __add_to_free_list(page, zone, order, migratetype, to_tail);
    }

    /**
     * compaction_capture(): hand a freed block of exactly cc-&gt;order to the compactor instead of
     * the free lists, unless it is CMA or isolated, or a sub-pageblock MOVABLE block the
     * compactor did not ask for.
     */
    protected boolean compaction_capture(CaptureControl capc, int page, Zone zone, int order, int migratetype) {
        if (capc.zone != zone || capc.page != MemMap.NIL || order != capc.order) return false;
        if (migratetype == MIGRATE_CMA || migratetype == MIGRATE_ISOLATE) return false;
        if (order < pageblock_order && migratetype == MIGRATE_MOVABLE && capc.migratetype != MIGRATE_MOVABLE) {
            return false;
        }
        capc.page = page;
        return true;
    }

    /**
     * split_large_buddy(): free a block larger than a pageblock one pageblock at a time, each with
     * its own pageblock's migratetype, so blocks of different types never merge by accident.
     */
    protected final void split_large_buddy(Zone zone, int page, long pfn, int order, int fpi) {
        long end = pfn + (1L << order);
        if ((pfn & ((1L << order) - 1)) != 0) warnings.warn("split_large_buddy", "!IS_ALIGNED(pfn, 1 << order)");
        if (mem.pageBuddy(page)) warnings.warn("split_large_buddy", "PageBuddy(page)");
        if (order > pageblock_order) order = pageblock_order;
        do {
            int mt = get_pfnblock_migratetype(zone, pfn);
            __free_one_page(page, pfn, zone, order, mt, fpi);
            pfn += 1L << order;
            if (pfn == end) break;
            page = mem.idx(pfn);
        } while (true);
    }

    /** free_one_page(): under zone-&gt;lock, split_large_buddy(). */
    protected final void free_one_page(Zone zone, int page, long pfn, int order, int fpi_flags) {
        split_large_buddy(zone, page, pfn, order, fpi_flags);
    }

    // ---------------------------------------------------------------- freeing

    /**
     * __free_pages(page, order) for a block this allocator handed out: put_page_testzero drops
     * the last reference and the block goes to free_one_page() (no per-cpu lists in the model).
     * Rejected with a bad_page()-style report, and nothing changed, when pfn is not the head of an
     * allocated block of exactly that order.
     */
    public void __free_pages(long pfn, int order) {
        Zone zone = check_free(pfn, order);
        int page = mem.idx(pfn);
        // put_page_testzero(); free_pages_prepare(): the checks passed in check_free()
        mem.refcount[page] = 0;
        mem.flags[page] &= ~PageFlags.MODEL_ALLOC_HEAD;
        mem.order[page] = 0;
        stats.freeByOrder[order]++;
        free_one_page(zone, page, pfn, order, FPI_NONE);
    }

    /** The checks free_pages_prepare() and bad_page() make, plus the model's page_owner record. */
    protected Zone check_free(long pfn, int order) {
        if (order < 0 || order > MAX_PAGE_ORDER) {
            throw new RejectedOperationException("free of pfn 0x" + Long.toHexString(pfn) + " with order " + order
                    + ": order must be 0..MAX_PAGE_ORDER (" + MAX_PAGE_ORDER + ")");
        }
        Zone zone = node.pageZone(pfn);
        if (zone == null) {
            throw new RejectedOperationException("free of pfn 0x" + Long.toHexString(pfn)
                    + ": outside every zone of node " + node.nodeId + " (pfn_valid / bad_range)");
        }
        int page = mem.idx(pfn);
        int f = mem.flags[page];
        if ((f & PageFlags.PGTY_buddy) != 0) {
            throw bad(page, zone, "double free: the page is already free (PageBuddy, order " + mem.order[page] + ")");
        }
        if ((f & PageFlags.MODEL_NOT_PRESENT) != 0) {
            throw bad(page, zone, "the pfn is a hole: no memory is present there");
        }
        if ((f & PageFlags.MODEL_ALLOC_HEAD) == 0) {
            String where = describeContainingBlock(zone, pfn);
            throw bad(page, zone, "not the head of an allocated block" + where);
        }
        if (mem.order[page] != order) {
            throw bad(page, zone, "freed with order " + order + " but allocated with order " + mem.order[page]);
        }
        if ((f & PageFlags.PAGE_FLAGS_CHECK_AT_FREE) != 0) {
            throw bad(page, zone, "PAGE_FLAGS_CHECK_AT_FREE flag(s) set: "
                    + PageFlags.describe(f & PageFlags.PAGE_FLAGS_CHECK_AT_FREE));
        }
        if (mem.mapcountOf(page) != 0) throw bad(page, zone, "nonzero mapcount");
        if (mem.refcount[page] != 1) throw bad(page, zone, "nonzero _refcount");
        return zone;
    }

    private BadPageException bad(int page, Zone zone, String reason) {
        return new BadPageException(mem.pfn(page), reason, mem.dumpPage(page, zone.name(), reason));
    }

    /** Names the free or allocated block that covers pfn, for a rejected free's message. */
    public String describeContainingBlock(Zone zone, long pfn) {
        for (int o = 0; o <= MAX_PAGE_ORDER; o++) {
            long head = pfn & ~((1L << o) - 1);
            if (!mem.covers(head)) break;
            int h = mem.idx(head);
            if (mem.pageBuddy(h) && buddy_order(h) >= o && head + (1L << mem.order[h]) > pfn) {
                return ": pfn 0x" + Long.toHexString(pfn) + " lies inside the free block 0x" + Long.toHexString(head)
                        + " of order " + mem.order[h];
            }
            if ((mem.flags[h] & PageFlags.MODEL_ALLOC_HEAD) != 0 && head + (1L << mem.order[h]) > pfn) {
                return ": pfn 0x" + Long.toHexString(pfn) + " is a tail page of the block 0x" + Long.toHexString(head)
                        + " allocated with order " + mem.order[h];
            }
        }
        if ((mem.flags[mem.idx(pfn)] & PageFlags.PG_reserved) != 0) return ": the page is PG_reserved";
        return "";
    }

    /** __free_pages_core() at boot: clear PG_reserved, refcount 0, managed_pages += nr, free to the tail. */
    void __free_pages_core(long pfn, int order) {
        Zone zone = node.pageZone(pfn);
        int page = mem.idx(pfn);
        int nr = 1 << order;
        for (int i = 0; i < nr; i++) {
            mem.flags[page + i] &= ~PageFlags.PG_reserved;
            mem.refcount[page + i] = 0;
        }
        zone.managedPages += nr;
        free_one_page(zone, page, pfn, order, FPI_TO_TAIL);
    }

    // ---------------------------------------------------------------- allocation core

    /**
     * expand(): split a block of order high down to order low, handing the upper halves back to
     * the free lists of the given type; the caller keeps the lowest piece.
     */
    protected final long expand(Zone zone, int page, int low, int high, int migratetype) {
        int size = 1 << high;
        long nr_added = 0;
        while (high > low) {
            high--;
            size >>= 1;
            if (!zone.spansPfn(mem.pfn(page + size))) {
                warnings.warn("expand", "VM_BUG_ON_PAGE(bad_range(zone, &page[size])) pfn 0x"
                        + Long.toHexString(mem.pfn(page + size)));
            }
            __add_to_free_list(page + size, zone, high, migratetype, false);
            set_buddy_order(page + size, high);
            nr_added += size;
        }
        return nr_added;
    }

    /** page_del_and_expand(). */
    protected final void page_del_and_expand(Zone zone, int page, int low, int high, int migratetype) {
        long nr_pages = 1L << high;
        __del_page_from_free_list(page, zone, high, migratetype);
        nr_pages -= expand(zone, page, low, high, migratetype);
        account_freepages(zone, -nr_pages, migratetype);
    }

    /** __rmqueue_smallest(): the first block of the smallest order &gt;= order on the type's lists. */
    protected final int __rmqueue_smallest(Zone zone, int order, int migratetype) {
        for (int current_order = order; current_order < NR_PAGE_ORDERS; ++current_order) {
            int page = zone.firstFree(current_order, migratetype);
            if (page == MemMap.NIL) continue;
            page_del_and_expand(zone, page, order, current_order, migratetype);
            return page;
        }
        return MemMap.NIL;
    }

    /** __rmqueue_cma_fallback(). */
    protected final int __rmqueue_cma_fallback(Zone zone, int order) {
        return __rmqueue_smallest(zone, order, MIGRATE_CMA);
    }

    /**
     * __move_freepages_block(): move every free block whose head lies in the pageblock to the new
     * type's list. The caller changes the block type.
     */
    protected final long __move_freepages_block(Zone zone, long start_pfn, int old_mt, int new_mt) {
        if ((start_pfn & (pageblock_nr_pages - 1)) != 0) {
            warnings.warn("__move_freepages_block", "VM_WARN_ON(start_pfn & (pageblock_nr_pages - 1))");
        }
        long end_pfn = pageblock_end_pfn(start_pfn);
        long pages_moved = 0;
        for (long pfn = start_pfn; pfn < end_pfn; ) {
            int page = mem.idx(pfn);
            if (!mem.pageBuddy(page)) {
                pfn++;
                continue;
            }
            if (node.pageZone(pfn) != zone) warnings.warn("__move_freepages_block", "VM_BUG_ON_PAGE(page_zone(page) != zone)");
            int order = buddy_order(page);
            move_to_free_list(page, zone, order, old_mt, new_mt);
            pfn += 1L << order;
            pages_moved += 1L << order;
        }
        return pages_moved;
    }

    /** The outputs of prep_move_freepages_block(). */
    protected static final class BlockScan {
        long start_pfn;
        long num_free;
        long num_movable;
    }

    /**
     * prep_move_freepages_block(): the pageblock around pfn, refused when it straddles the zone;
     * with {@code count}, the free pages in it and the pages that look movable (PageLRU or
     * movable_ops).
     */
    protected final boolean prep_move_freepages_block(Zone zone, long pfn, BlockScan out, boolean count) {
        long start = pageblock_start_pfn(pfn);
        long end = pageblock_end_pfn(pfn);
        if (!zone.spansPfn(start)) return false;
        if (!zone.spansPfn(end - 1)) return false;
        out.start_pfn = start;
        if (count) {
            out.num_free = 0;
            out.num_movable = 0;
            for (long p = start; p < end; ) {
                int page = mem.idx(p);
                if (mem.pageBuddy(page)) {
                    long nr = 1L << buddy_order(page);
                    out.num_free += nr;
                    p += nr;
                    continue;
                }
                if ((mem.flags[page] & PageFlags.PG_lru) != 0) out.num_movable++;
                p++;
            }
        }
        return true;
    }

    /** move_freepages_block(): -1 when the block straddles the zone, else the pages moved; retypes the block. */
    public final long move_freepages_block(Zone zone, long pfn, int old_mt, int new_mt) {
        BlockScan s = new BlockScan();
        if (!prep_move_freepages_block(zone, pfn, s, false)) return -1;
        long res = __move_freepages_block(zone, s.start_pfn, old_mt, new_mt);
        set_pageblock_migratetype(zone, s.start_pfn, new_mt);
        return res;
    }

    /**
     * boost_watermark(): raise watermark_boost by a pageblock, up to max(pageblock_nr_pages,
     * high * watermark_boost_factor / 10000); never on zones smaller than four pageblocks.
     */
    protected boolean boost_watermark(Zone zone) {
        long watermark_boost_factor = sysctl.watermarkBoostFactor;
        if (watermark_boost_factor == 0) return false;
        // Don't bother in zones that are unlikely to produce results. On small machines,
        // boosting the watermark can cause an out of memory situation immediately.
        if (!bugBoostSmallZone && pageblock_nr_pages * 4 > zone.managedPages) {
            return false; // KnownBug.BOOST_SMALL_ZONE: this check arrived with 14f69140ff9c
        }
        long max_boost = Watermarks.multFrac(zone.watermark[Watermarks.WMARK_HIGH], watermark_boost_factor, 10000);
        if (max_boost == 0) return false;
        max_boost = Math.max(pageblock_nr_pages, max_boost);
        zone.watermarkBoost = Math.min(zone.watermarkBoost + pageblock_nr_pages, max_boost);
        stats.watermarkBoosts++;
        return true;
    }

    /** should_try_claim_block(). */
    protected final boolean should_try_claim_block(int order, int start_mt) {
        if (order >= pageblock_order) return true;
        if (order >= pageblock_order / 2) return true;
        if (start_mt == MIGRATE_RECLAIMABLE || start_mt == MIGRATE_UNMOVABLE) return true;
        if (page_group_by_mobility_disabled) return true;
        return false;
    }

    /**
     * find_suitable_fallback(): the first fallback type with a free block of this order; -1 if
     * none, -2 if claiming was asked for and this order is too small to claim.
     */
    public final int find_suitable_fallback(Zone zone, int order, int migratetype, boolean claimable) {
        if (claimable && !should_try_claim_block(order, migratetype)) return -2;
        if (zone.nrFree[order] == 0) return -1;
        for (int i = 0; i < MIGRATE_PCPTYPES - 1; i++) {
            int fallback_mt = FALLBACKS[migratetype][i];
            if (!zone.freeAreaEmpty(order, fallback_mt)) return fallback_mt;
        }
        return -1;
    }

    /**
     * try_to_claim_block(): take a whole fallback block for the start type: outright for orders
     * &gt;= pageblock_order; otherwise (after boosting the watermark) when at least half the
     * pageblock is free or compatible.
     */
    protected int try_to_claim_block(Zone zone, int page, int current_order, int order, int start_type,
                                     int block_type, int alloc_flags) {
        if (current_order >= pageblock_order) {
            del_page_from_free_list(page, zone, current_order, block_type);
            change_pageblock_range(zone, mem.pfn(page), current_order, start_type);
            long nr_added = expand(zone, page, order, current_order, start_type);
            account_freepages(zone, nr_added, start_type);
            return page;
        }

        // Boost watermarks to increase reclaim pressure to reduce the likelihood of future
        // fallbacks. Wake kswapd now as the node may be balanced overall.
        if (boost_watermark(zone) && (alloc_flags & ALLOC_KSWAPD) != 0) {
            zone.flags |= Zone.ZONE_BOOSTED_WATERMARK;
            stats.boostedFlagSet++;
        }

        BlockScan s = new BlockScan();
        if (!prep_move_freepages_block(zone, mem.pfn(page), s, true)) return MemMap.NIL;

        long alike_pages;
        if (start_type == MIGRATE_MOVABLE) {
            alike_pages = s.num_movable;
        } else if (block_type == MIGRATE_MOVABLE) {
            alike_pages = pageblock_nr_pages - (s.num_free + s.num_movable);
        } else {
            alike_pages = 0;
        }
        if (s.num_free + alike_pages >= (1L << (pageblock_order - 1)) || page_group_by_mobility_disabled) {
            __move_freepages_block(zone, s.start_pfn, block_type, start_type);
            set_pageblock_migratetype(zone, s.start_pfn, start_type);
            return __rmqueue_smallest(zone, order, start_type);
        }
        return MemMap.NIL;
    }

    /**
     * __rmqueue_claim(): from the largest order down to min_order, try to claim a whole block of
     * a fallback type.
     */
    protected final int __rmqueue_claim(Zone zone, int order, int start_migratetype, int alloc_flags) {
        int min_order = order;
        if (order < pageblock_order && (alloc_flags & ALLOC_NOFRAGMENT) != 0) min_order = pageblock_order;
        for (int current_order = MAX_PAGE_ORDER; current_order >= min_order; --current_order) {
            int fallback_mt = find_suitable_fallback(zone, current_order, start_migratetype, true);
            if (fallback_mt == -1) continue;
            if (fallback_mt == -2) break;
            int page = zone.firstFree(current_order, fallback_mt);
            page = try_to_claim_block(zone, page, current_order, order, start_migratetype, fallback_mt, alloc_flags);
            if (page != MemMap.NIL) {
                stats.fallbackClaim[start_migratetype][fallback_mt]++;
                return page;
            }
        }
        return MemMap.NIL;
    }

    /** __rmqueue_steal(): take a single block of a fallback type, leaving its pageblock's type alone. */
    protected final int __rmqueue_steal(Zone zone, int order, int start_migratetype) {
        for (int current_order = order; current_order < NR_PAGE_ORDERS; current_order++) {
            int fallback_mt = find_suitable_fallback(zone, current_order, start_migratetype, false);
            if (fallback_mt == -1) continue;
            int page = zone.firstFree(current_order, fallback_mt);
            page_del_and_expand(zone, page, order, current_order, fallback_mt);
            stats.fallbackSteal[start_migratetype][fallback_mt]++;
            return page;
        }
        return MemMap.NIL;
    }

    /**
     * __rmqueue(): CMA balancing, then the type's own lists, CMA, claim and steal (rmqueue_bulk's
     * mode caching does not arise without per-cpu lists).
     */
    protected final int __rmqueue(Zone zone, int order, int migratetype, int alloc_flags) {
        int page;
        if ((alloc_flags & ALLOC_CMA) != 0 && zone.nrFreeCmaPages > zone.nrFreePages / 2) {
            page = __rmqueue_cma_fallback(zone, order);
            if (page != MemMap.NIL) {
                stats.cmaBalanced++;
                return page;
            }
        }
        page = __rmqueue_smallest(zone, order, migratetype);
        if (page != MemMap.NIL) return page;
        if ((alloc_flags & ALLOC_CMA) != 0) {
            page = __rmqueue_cma_fallback(zone, order);
            if (page != MemMap.NIL) return page;
        }
        page = __rmqueue_claim(zone, order, migratetype, alloc_flags);
        if (page != MemMap.NIL) return page;
        if ((alloc_flags & ALLOC_NOFRAGMENT) == 0) {
            page = __rmqueue_steal(zone, order, migratetype);
            if (page != MemMap.NIL) return page;
        }
        return MemMap.NIL;
    }

    /** rmqueue_buddy(): highatomic first when asked, then __rmqueue, then highatomic for OOM and non-blocking. */
    protected final int rmqueue_buddy(Zone zone, int order, int alloc_flags, int migratetype) {
        int page = MemMap.NIL;
        if ((alloc_flags & ALLOC_HIGHATOMIC) != 0) page = __rmqueue_smallest(zone, order, MIGRATE_HIGHATOMIC);
        if (page == MemMap.NIL) {
            page = __rmqueue(zone, order, migratetype, alloc_flags);
            if (page == MemMap.NIL && (alloc_flags & (ALLOC_OOM | ALLOC_NON_BLOCK)) != 0) {
                page = __rmqueue_smallest(zone, order, MIGRATE_HIGHATOMIC);
            }
        }
        if (page != MemMap.NIL) zone.pgalloc += 1L << order;
        return page;
    }

    /**
     * rmqueue(): the buddy (no per-cpu lists), then test-and-clear ZONE_BOOSTED_WATERMARK and wake
     * kswapd for it.
     */
    protected final int rmqueue(Zone zone, int order, int gfp_flags, int alloc_flags, int migratetype) {
        int page = rmqueue_buddy(zone, order, alloc_flags, migratetype);
        if ((alloc_flags & ALLOC_KSWAPD) != 0 && (zone.flags & Zone.ZONE_BOOSTED_WATERMARK) != 0) {
            zone.flags &= ~Zone.ZONE_BOOSTED_WATERMARK;
            wakeup_kswapd(zone, 0, 0, zone.idx);
        }
        if (page != MemMap.NIL && !zone.spansPfn(mem.pfn(page))) {
            warnings.warn("rmqueue", "VM_BUG_ON_PAGE(page && bad_range(zone, page))");
        }
        return page;
    }

    // ---------------------------------------------------------------- highatomic reserve

    /**
     * reserve_highatomic_pageblock(): after a high-order atomic allocation, set the pageblock(s)
     * around it aside as MIGRATE_HIGHATOMIC, up to about 1% of the zone.
     */
    protected final void reserve_highatomic_pageblock(int page, int order, Zone zone) {
        if (zone.managedPages / 100 < pageblock_nr_pages) return;
        long max_managed = ((zone.managedPages / 100) + pageblock_nr_pages - 1) & ~(pageblock_nr_pages - 1);
        if (zone.nrReservedHighatomic >= max_managed) return;
        long pfn = mem.pfn(page);
        int mt = get_pfnblock_migratetype(zone, pfn);
        if (!isMergeable(mt)) return;
        if (order < pageblock_order) {
            if (move_freepages_block(zone, pfn, mt, MIGRATE_HIGHATOMIC) == -1) return;
            zone.nrReservedHighatomic += pageblock_nr_pages;
        } else {
            change_pageblock_range(zone, pfn, order, MIGRATE_HIGHATOMIC);
            zone.nrReservedHighatomic += 1L << order;
        }
        stats.highatomicReserved++;
    }

    /**
     * unreserve_highatomic_pageblock(): give one highatomic pageblock back to the allocation's
     * type, keeping at least one pageblock unless forced. Returns whether anything moved.
     */
    protected final boolean unreserve_highatomic_pageblock(AllocContext ac, boolean force) {
        for (int zi : node.zonelist) {
            if (zi > ac.highest_zoneidx) continue;
            Zone zone = node.zones[zi];
            if (!force && zone.nrReservedHighatomic <= pageblock_nr_pages) continue;
            for (int order = 0; order < NR_PAGE_ORDERS; order++) {
                int page = zone.firstFree(order, MIGRATE_HIGHATOMIC);
                if (page == MemMap.NIL) continue;
                long size = Math.max(pageblock_nr_pages, 1L << order);
                if (size > zone.nrReservedHighatomic) {
                    warnings.warn("unreserve_highatomic_pageblock", "WARN_ON_ONCE(size > zone->nr_reserved_highatomic)");
                    size = zone.nrReservedHighatomic;
                }
                zone.nrReservedHighatomic -= size;
                long ret;
                long pfn = mem.pfn(page);
                if (order < pageblock_order) {
                    ret = move_freepages_block(zone, pfn, MIGRATE_HIGHATOMIC, ac.migratetype);
                } else {
                    move_to_free_list(page, zone, order, MIGRATE_HIGHATOMIC, ac.migratetype);
                    change_pageblock_range(zone, pfn, order, ac.migratetype);
                    ret = 1;
                }
                if (ret == -1) warnings.warn("unreserve_highatomic_pageblock", "WARN_ON_ONCE(ret == -1)");
                if (ret > 0) {
                    stats.highatomicUnreserved++;
                    return true;
                }
            }
        }
        return false;
    }

    // ---------------------------------------------------------------- watermarks

    /** __zone_watermark_unusable_free(). */
    public final long __zone_watermark_unusable_free(Zone z, int order, int alloc_flags) {
        long unusable_free = (1L << order) - 1;
        if ((alloc_flags & ALLOC_RESERVES) == 0) unusable_free += z.nrFreeHighatomic;
        if ((alloc_flags & ALLOC_CMA) == 0) unusable_free += z.nrFreeCmaPages;
        return unusable_free;
    }

    /**
     * __zone_watermark_ok(): free pages less what the request may not use must exceed the mark
     * (lowered for reserves) plus lowmem_reserve[highest_zoneidx]; a high-order request also needs
     * a free block of at least its order on a list it may use.
     */
    public final boolean __zone_watermark_ok(Zone z, int order, long mark, int highest_zoneidx, int alloc_flags,
                                             long free_pages) {
        long min = mark;
        free_pages -= __zone_watermark_unusable_free(z, order, alloc_flags);
        if ((alloc_flags & ALLOC_RESERVES) != 0) {
            if ((alloc_flags & ALLOC_MIN_RESERVE) != 0) {
                min -= min / 2;
                if ((alloc_flags & ALLOC_NON_BLOCK) != 0) min -= min / 4;
            }
            if ((alloc_flags & ALLOC_OOM) != 0) min -= min / 2;
        }
        if (free_pages <= min + z.lowmemReserve[highest_zoneidx]) return false;
        if (order == 0) return true;
        for (int o = order; o < NR_PAGE_ORDERS; o++) {
            if (z.nrFree[o] == 0) continue;
            for (int mt = 0; mt < MIGRATE_PCPTYPES; mt++) {
                if (!z.freeAreaEmpty(o, mt)) return true;
            }
            if ((alloc_flags & ALLOC_CMA) != 0 && !z.freeAreaEmpty(o, MIGRATE_CMA)) return true;
            if ((alloc_flags & (ALLOC_HIGHATOMIC | ALLOC_OOM)) != 0 && !z.freeAreaEmpty(o, MIGRATE_HIGHATOMIC)) {
                return true;
            }
        }
        return false;
    }

    /** zone_watermark_ok(). */
    public final boolean zone_watermark_ok(Zone z, int order, long mark, int highest_zoneidx, int alloc_flags) {
        return __zone_watermark_ok(z, order, mark, highest_zoneidx, alloc_flags, z.nrFreePages);
    }

    /** zone_watermark_fast(): the order-0 shortcut, then the full check, then the unboosted min for __GFP_HIGH. */
    protected final boolean zone_watermark_fast(Zone z, int order, long mark, int highest_zoneidx, int alloc_flags,
                                                int gfp_mask) {
        long free_pages = z.nrFreePages;
        if (order == 0) {
            long usable_free = free_pages;
            long reserved = __zone_watermark_unusable_free(z, 0, alloc_flags);
            usable_free -= Math.min(usable_free, reserved);
            if (usable_free > mark + z.lowmemReserve[highest_zoneidx]) return true;
        }
        if (__zone_watermark_ok(z, order, mark, highest_zoneidx, alloc_flags, free_pages)) return true;
        if (order == 0 && (alloc_flags & ALLOC_MIN_RESERVE) != 0 && z.watermarkBoost != 0
                && (alloc_flags & ALLOC_WMARK_MASK) == Watermarks.WMARK_MIN) {
            mark = z.watermark[Watermarks.WMARK_MIN];
            return __zone_watermark_ok(z, order, mark, highest_zoneidx, alloc_flags, free_pages);
        }
        return false;
    }

    // ---------------------------------------------------------------- the allocation paths

    /** struct alloc_context. */
    public static final class AllocContext {
        public int highest_zoneidx;
        public int migratetype;
        /** Index into node.zonelist of the preferred zone, or -1 when no zone qualifies. */
        public int preferred;
        /**
         * The slow path's compact_priority and compaction_retries, which should_compact_retry()
         * updates (locals of __alloc_pages_slowpath() in the kernel).
         */
        public int compact_priority = SlowpathHooks.DEF_COMPACT_PRIORITY;
        public int compaction_retries;
    }

    /** first_zones_zonelist(): the first zonelist entry at or below highest_zoneidx. */
    protected final int first_zones_zonelist(int highest_zoneidx) {
        for (int i = 0; i < node.zonelist.length; i++) {
            if (node.zonelist[i] <= highest_zoneidx) return i;
        }
        return -1;
    }

    /** alloc_flags_nofragment(): ALLOC_KSWAPD from the gfp, and ALLOC_NOFRAGMENT when the preferred zone is Normal. */
    protected final int alloc_flags_nofragment(Zone zone, int gfp_mask) {
        int alloc_flags = gfp_mask & Gfp.__GFP_KSWAPD_RECLAIM; // == ALLOC_KSWAPD
        if (defrag_mode) return alloc_flags | ALLOC_NOFRAGMENT;
        if (zone == null) return alloc_flags;
        if (zone.idx != ZoneType.NORMAL.idx()) return alloc_flags;
        // on UMA, Normal being populated implies DMA32 is too (nr_online_nodes == 1)
        return alloc_flags | ALLOC_NOFRAGMENT;
    }

    /** gfp_to_alloc_flags_cma(). */
    protected final int gfp_to_alloc_flags_cma(int gfp_mask, int alloc_flags) {
        if (Gfp.gfpMigratetype(gfp_mask, page_group_by_mobility_disabled) == MIGRATE_MOVABLE) alloc_flags |= ALLOC_CMA;
        return alloc_flags;
    }

    /** gfp_to_alloc_flags(): the slow path's flags. */
    public final int gfp_to_alloc_flags(int gfp_mask, int order) {
        int alloc_flags = ALLOC_WMARK_MIN | ALLOC_CPUSET;
        alloc_flags |= gfp_mask & (Gfp.__GFP_HIGH | Gfp.__GFP_KSWAPD_RECLAIM); // ALLOC_MIN_RESERVE | ALLOC_KSWAPD
        if ((gfp_mask & Gfp.__GFP_DIRECT_RECLAIM) == 0) {
            if ((gfp_mask & Gfp.__GFP_NOMEMALLOC) == 0) {
                alloc_flags |= ALLOC_NON_BLOCK;
                if (order > 0 && (alloc_flags & ALLOC_MIN_RESERVE) != 0) alloc_flags |= ALLOC_HIGHATOMIC;
            }
            if ((alloc_flags & ALLOC_MIN_RESERVE) != 0) alloc_flags &= ~ALLOC_CPUSET;
        }
        alloc_flags = gfp_to_alloc_flags_cma(gfp_mask, alloc_flags);
        if (defrag_mode) alloc_flags |= ALLOC_NOFRAGMENT;
        return alloc_flags;
    }

    /** __gfp_pfmemalloc_flags(): only __GFP_MEMALLOC applies (no PF_MEMALLOC tasks, no OOM victims). */
    protected final int __gfp_pfmemalloc_flags(int gfp_mask) {
        if ((gfp_mask & Gfp.__GFP_NOMEMALLOC) != 0) return 0;
        if ((gfp_mask & Gfp.__GFP_MEMALLOC) != 0) return ALLOC_NO_WATERMARKS;
        return 0;
    }

    /**
     * get_page_from_freelist(): walk the zonelist from the preferred zone, skip zones whose
     * watermark (the high one first while the zone is not ZONE_BELOW_HIGH) fails, take from the
     * first that passes; retry without ALLOC_NOFRAGMENT if every zone was fragmented.
     */
    public final int get_page_from_freelist(int gfp_mask, int order, int alloc_flags, AllocContext ac) {
        while (true) {
            boolean no_fallback = (alloc_flags & ALLOC_NOFRAGMENT) != 0;
            if (ac.preferred >= 0) {
                for (int i = ac.preferred; i < node.zonelist.length; i++) {
                    int zi = node.zonelist[i];
                    if (zi > ac.highest_zoneidx) continue;
                    Zone zone = node.zones[zi];
                    boolean ok = false;
                    if ((zone.flags & Zone.ZONE_BELOW_HIGH) == 0) {
                        long mark = zone.highWmarkPages();
                        if (zone_watermark_fast(zone, order, mark, ac.highest_zoneidx, alloc_flags, gfp_mask)) {
                            ok = true;
                        } else {
                            zone.flags |= Zone.ZONE_BELOW_HIGH;
                        }
                    }
                    if (!ok) {
                        long mark = zone.wmarkPages(alloc_flags & ALLOC_WMARK_MASK);
                        if (!zone_watermark_fast(zone, order, mark, ac.highest_zoneidx, alloc_flags, gfp_mask)) {
                            if ((alloc_flags & ALLOC_NO_WATERMARKS) == 0) {
                                continue; // node_reclaim_mode is 0: no node reclaim
                            }
                        }
                    }
                    int page = rmqueue(zone, order, gfp_mask, alloc_flags, ac.migratetype);
                    if (page != MemMap.NIL) {
                        prep_new_page(page, order, gfp_mask, alloc_flags);
                        if ((alloc_flags & ALLOC_HIGHATOMIC) != 0) reserve_highatomic_pageblock(page, order, zone);
                        return page;
                    }
                }
            }
            if (no_fallback && !defrag_mode) {
                alloc_flags &= ~ALLOC_NOFRAGMENT;
                continue;
            }
            return MemMap.NIL;
        }
    }

    /** prep_new_page(): check_new_pages(), then post_alloc_hook(): private cleared, refcount 1. */
    public final void prep_new_page(int page, int order, int gfp_flags, int alloc_flags) {
        int nr = 1 << order;
        for (int i = 0; i < nr; i++) {
            int f = mem.flags[page + i];
            if ((f & (PageFlags.PGTY_buddy | PageFlags.MODEL_ALLOC_HEAD | PageFlags.PAGE_FLAGS_CHECK_AT_FREE
                    | PageFlags.MODEL_NOT_PRESENT)) != 0 || mem.refcount[page + i] != 0 || mem.mapcountOf(page + i) != 0) {
                warnings.warn("check_new_page", "Bad page state: pfn 0x" + Long.toHexString(mem.pfn(page + i))
                        + " flags " + PageFlags.describe(f) + " refcount " + mem.refcount[page + i]);
            }
        }
        mem.order[page] = (byte) order;
        mem.refcount[page] = 1;
        mem.flags[page] |= PageFlags.MODEL_ALLOC_HEAD;
    }

    /**
     * __alloc_pages(): the fast path with ALLOC_WMARK_LOW, then __alloc_pages_slowpath(). Returns
     * the first pfn of the block, or -1 (NULL). Rejects, changing nothing, an order above
     * MAX_PAGE_ORDER (the kernel WARNs and returns NULL) and gfp masks the kernel would BUG on.
     */
    public long __alloc_pages(int gfp, int order) {
        if (order < 0 || order > MAX_PAGE_ORDER) {
            throw new RejectedOperationException("alloc of order " + order + ": order must be 0..MAX_PAGE_ORDER ("
                    + MAX_PAGE_ORDER + "); __alloc_pages() WARNs and returns NULL");
        }
        try {
            Gfp.validate(gfp);
        } catch (IllegalArgumentException e) {
            throw new RejectedOperationException(e.getMessage());
        }
        AllocContext ac = new AllocContext();
        int alloc_flags = ALLOC_WMARK_LOW;
        // prepare_alloc_pages()
        ac.highest_zoneidx = Gfp.gfpZone(gfp);
        ac.migratetype = Gfp.gfpMigratetype(gfp, page_group_by_mobility_disabled);
        alloc_flags = gfp_to_alloc_flags_cma(gfp, alloc_flags);
        ac.preferred = first_zones_zonelist(ac.highest_zoneidx);
        Zone preferred = ac.preferred < 0 ? null : node.zones[node.zonelist[ac.preferred]];
        alloc_flags |= alloc_flags_nofragment(preferred, gfp);

        int page = get_page_from_freelist(gfp, order, alloc_flags, ac);
        if (page == MemMap.NIL) page = __alloc_pages_slowpath(gfp, order, ac);
        if (page == MemMap.NIL) {
            stats.failByOrder[order]++;
            return -1;
        }
        stats.allocByOrder[order]++;
        stats.allocByMigratetype[ac.migratetype]++;
        return mem.pfn(page);
    }

    /** wake_all_kswapds(). */
    protected final void wake_all_kswapds(int order, int gfp_mask, AllocContext ac) {
        int reclaim_order = defrag_mode ? Math.max(order, pageblock_order) : order;
        for (int zi : node.zonelist) {
            if (zi > ac.highest_zoneidx) continue;
            Zone zone = node.zones[zi];
            if (!zone.managed()) continue;
            wakeup_kswapd(zone, gfp_mask, reclaim_order, ac.highest_zoneidx);
            return; // one pgdat
        }
    }

    /**
     * wakeup_kswapd() (mm/vmscan.c, v6.18): record the order and zone kswapd should balance; wake it
     * unless the node is hopeless or already balanced and unboosted, in which case non-blocking
     * requests wake kcompactd instead.
     */
    public final void wakeup_kswapd(Zone zone, int gfp_flags, int order, int highest_zoneidx) {
        if (!zone.managed()) return;
        int curr_idx = node.kswapdHighestZoneidx;
        if (curr_idx == ZoneType.MAX_NR_ZONES || curr_idx < highest_zoneidx) node.kswapdHighestZoneidx = highest_zoneidx;
        if (node.kswapdOrder < order) node.kswapdOrder = order;
        // waitqueue_active(&pgdat->kswapd_wait): the model's kswapd always sleeps between steps
        if (node.kswapdFailures >= MAX_RECLAIM_RETRIES
                || (pgdat_balanced(order, highest_zoneidx) && !pgdat_watermark_boosted(highest_zoneidx))) {
            if ((gfp_flags & Gfp.__GFP_DIRECT_RECLAIM) == 0) wakeup_kcompactd(order, highest_zoneidx);
            return;
        }
        node.kswapdWoken = true;
        node.kswapdWakeups++;
        stats.kswapdWakeups++;
    }

    /**
     * wakeup_kcompactd() (mm/compaction.c): record the order and zone for kcompactd; whether it
     * runs (kcompactd_node_suitable) belongs to the compaction model.
     */
    public void wakeup_kcompactd(int order, int highest_zoneidx) {
        if (order == 0) return;
        if (node.kcompactdMaxOrder < order) node.kcompactdMaxOrder = order;
        if (node.kcompactdHighestZoneidx > highest_zoneidx) node.kcompactdHighestZoneidx = highest_zoneidx;
        node.kcompactdWakeups++;
    }

    /** pgdat_balanced() (mm/vmscan.c): some managed zone up to highest_zoneidx meets its high watermark. */
    public final boolean pgdat_balanced(int order, int highest_zoneidx) {
        long mark = -1;
        for (int i = 0; i <= highest_zoneidx; i++) {
            Zone zone = node.zones[i];
            if (!zone.managed()) continue;
            mark = zone.highWmarkPages();
            long free_pages = zone.nrFreePages;
            if (defrag_mode && order != 0) free_pages = zone.nrFreePagesBlocks;
            if (__zone_watermark_ok(zone, order, mark, highest_zoneidx, 0, free_pages)) return true;
        }
        return mark == -1;
    }

    /** pgdat_watermark_boosted() (mm/vmscan.c). */
    public final boolean pgdat_watermark_boosted(int highest_zoneidx) {
        for (int i = highest_zoneidx; i >= 0; i--) {
            Zone zone = node.zones[i];
            if (!zone.managed()) continue;
            if (zone.watermarkBoost != 0) return true;
        }
        return false;
    }

    /**
     * __alloc_pages_slowpath(): wake kswapd, retry with the min watermark and the caller's
     * reserves, then (for blocking callers) direct reclaim and compaction through the hooks,
     * should_reclaim_retry() with its highatomic unreserving, and the OOM path, which in the model
     * finds no victim.
     */
    protected int __alloc_pages_slowpath(int gfp_mask, int order, AllocContext ac) {
        stats.slowpath++;
        boolean can_direct_reclaim = (gfp_mask & Gfp.__GFP_DIRECT_RECLAIM) != 0;
        boolean can_compact = (gfp_mask & Gfp.__GFP_IO) != 0; // gfp_compaction_allowed()
        boolean nofail = (gfp_mask & Gfp.__GFP_NOFAIL) != 0;
        boolean costly_order = order > PAGE_ALLOC_COSTLY_ORDER;
        int no_progress_loops = 0;
        int compact_result = SlowpathHooks.COMPACT_SKIPPED;

        int alloc_flags = gfp_to_alloc_flags(gfp_mask, order);
        ac.preferred = first_zones_zonelist(ac.highest_zoneidx);
        if (ac.preferred < 0) {
            if (nofail && can_direct_reclaim) stats.nofailStuck++; // nopage: a __GFP_NOFAIL request would retry for ever
            return MemMap.NIL;
        }

        if ((alloc_flags & ALLOC_KSWAPD) != 0) wake_all_kswapds(order, gfp_mask, ac);

        int page = get_page_from_freelist(gfp_mask, order, alloc_flags, ac);
        if (page != MemMap.NIL) return page;

        if (can_direct_reclaim && can_compact && (costly_order || (order > 0 && ac.migratetype != MIGRATE_MOVABLE))
                && __gfp_pfmemalloc_flags(gfp_mask) == 0) {
            SlowpathHooks.CompactOutcome c = hooks.__alloc_pages_direct_compact(this, gfp_mask, order, alloc_flags, ac,
                    SlowpathHooks.INIT_COMPACT_PRIORITY);
            compact_result = c.result();
            if (c.page() != MemMap.NIL) return c.page();
            if (costly_order && (gfp_mask & Gfp.__GFP_NORETRY) != 0) {
                if (compact_result == SlowpathHooks.COMPACT_SKIPPED || compact_result == SlowpathHooks.COMPACT_DEFERRED) {
                    return MemMap.NIL;
                }
                ac.compact_priority = SlowpathHooks.INIT_COMPACT_PRIORITY;
            }
        }

        int guard = 0;
        retry:
        while (true) {
            if (++guard > 4 * MAX_RECLAIM_RETRIES + 64) {
                stats.nofailStuck++;
                return MemMap.NIL;
            }
            if ((alloc_flags & ALLOC_KSWAPD) != 0) wake_all_kswapds(order, gfp_mask, ac);
            int reserve_flags = __gfp_pfmemalloc_flags(gfp_mask);
            if (reserve_flags != 0) {
                alloc_flags = gfp_to_alloc_flags_cma(gfp_mask, reserve_flags) | (alloc_flags & ALLOC_KSWAPD);
            }
            if ((alloc_flags & ALLOC_CPUSET) == 0 || reserve_flags != 0) {
                ac.preferred = first_zones_zonelist(ac.highest_zoneidx);
            }
            page = get_page_from_freelist(gfp_mask, order, alloc_flags, ac);
            if (page != MemMap.NIL) return page;
            if (!can_direct_reclaim) break;

            // __alloc_pages_direct_reclaim()
            long did_some_progress = hooks.__perform_reclaim(this, gfp_mask, order, ac);
            if (did_some_progress != 0) {
                page = get_page_from_freelist(gfp_mask, order, alloc_flags, ac);
                if (page == MemMap.NIL) {
                    unreserve_highatomic_pageblock(ac, false);
                    page = get_page_from_freelist(gfp_mask, order, alloc_flags, ac);
                }
                if (page != MemMap.NIL) return page;
            }

            SlowpathHooks.CompactOutcome c = hooks.__alloc_pages_direct_compact(this, gfp_mask, order, alloc_flags, ac,
                    ac.compact_priority);
            compact_result = c.result();
            if (c.page() != MemMap.NIL) return c.page();

            if ((gfp_mask & Gfp.__GFP_NORETRY) != 0) break;
            if (costly_order && (!can_compact || (gfp_mask & Gfp.__GFP_RETRY_MAYFAIL) == 0)) break;

            // should_reclaim_retry()
            if (did_some_progress != 0 && order <= PAGE_ALLOC_COSTLY_ORDER) {
                no_progress_loops = 0;
            } else {
                no_progress_loops++;
            }
            boolean ret = false;
            if (no_progress_loops <= MAX_RECLAIM_RETRIES) {
                for (int zi : node.zonelist) {
                    if (zi > ac.highest_zoneidx) continue;
                    Zone zone = node.zones[zi];
                    long available = hooks.zone_reclaimable_pages(this, zone) + zone.nrFreePages;
                    if (__zone_watermark_ok(zone, order, zone.minWmarkPages(), ac.highest_zoneidx, alloc_flags,
                            available)) {
                        ret = true;
                        break;
                    }
                }
            }
            if (!ret) ret = unreserve_highatomic_pageblock(ac, true);
            if (ret) continue retry;

            if (did_some_progress > 0 && can_compact && hooks.should_compact_retry(this, ac, order, alloc_flags,
                    compact_result)) {
                continue retry;
            }
            if (defrag_mode && (alloc_flags & ALLOC_NOFRAGMENT) != 0) {
                alloc_flags &= ~ALLOC_NOFRAGMENT;
                continue retry;
            }

            // __alloc_pages_may_oom()
            page = get_page_from_freelist((gfp_mask | Gfp.__GFP_HARDWALL) & ~Gfp.__GFP_DIRECT_RECLAIM, order,
                    ALLOC_WMARK_HIGH | ALLOC_CPUSET, ac);
            if (page != MemMap.NIL) return page;
            boolean oom_progress = false;
            if (order <= PAGE_ALLOC_COSTLY_ORDER && (gfp_mask & (Gfp.__GFP_RETRY_MAYFAIL | Gfp.__GFP_THISNODE)) == 0
                    && ac.highest_zoneidx >= ZoneType.NORMAL.idx()) {
                if ((gfp_mask & Gfp.__GFP_FS) == 0) {
                    // out_of_memory() (mm/oom_kill.c): "The OOM killer does not compensate for
                    // IO-less reclaim": without __GFP_FS it returns true before choosing a victim,
                    // and the WARN_ON_ONCE_GFP(__GFP_NOFAIL) after the || is not evaluated
                    oom_progress = true;
                } else {
                    stats.outOfMemory++; // out_of_memory(): the model has no task to kill
                    if (nofail) {
                        warnings.warn("__alloc_pages_may_oom", "WARN_ON_ONCE_GFP(gfp_mask & __GFP_NOFAIL)");
                        oom_progress = true;
                    }
                }
                if (oom_progress && nofail) {
                    // __alloc_pages_cpuset_fallback(gfp_mask, order, ALLOC_NO_WATERMARKS, ac): its
                    // second try, without ALLOC_CPUSET, is the first again in a model without cpusets
                    page = get_page_from_freelist(gfp_mask, order, ALLOC_NO_WATERMARKS, ac);
                    if (page != MemMap.NIL) return page;
                }
            }
            if (oom_progress) {
                // "Retry as long as the OOM killer is making progress": did_some_progress is 1 and
                // __alloc_pages_slowpath() goes to retry; nothing in the model changes between
                // passes, so the request would loop here for ever. The model stops and counts it.
                if (nofail) {
                    stats.nofailStuck++;
                } else {
                    stats.noFsOomRetry++;
                }
                return MemMap.NIL;
            }
            break;
        }
        // nopage:
        if (nofail && can_direct_reclaim) {
            page = get_page_from_freelist(gfp_mask, order, ALLOC_MIN_RESERVE, ac);
            if (page != MemMap.NIL) return page;
            stats.nofailStuck++;
        }
        return MemMap.NIL;
    }

    // ---------------------------------------------------------------- isolation

    /**
     * find_large_buddy(): the head of a free block that straddles start_pfn from below, or
     * start_pfn itself.
     */
    protected final long find_large_buddy(long start_pfn) {
        int order = start_pfn != 0 ? Long.numberOfTrailingZeros(start_pfn) : MAX_PAGE_ORDER;
        long pfn = start_pfn;
        while (!mem.covers(pfn) || !mem.pageBuddy(mem.idx(pfn))) {
            if (++order > MAX_PAGE_ORDER) return start_pfn;
            pfn &= ~0L << order;
        }
        if (pfn + (1L << buddy_order(mem.idx(pfn))) > start_pfn) return pfn;
        return start_pfn;
    }

    /**
     * __move_freepages_block_isolate(): set or clear the pageblock's isolate bit and move its free
     * pages; a free block spanning several pageblocks is split into pageblocks first.
     */
    public final boolean __move_freepages_block_isolate(Zone zone, long pfn, boolean isolate) {
        if (isolate == zone.pageblockIsolated(pfn)) {
            warnings.warn("__move_freepages_block_isolate", (isolate ? "Isolate" : "Unisolate")
                    + " a pageblock that is already in that state");
            return false;
        }
        BlockScan s = new BlockScan();
        if (!prep_move_freepages_block(zone, pfn, s, false)) return false;
        long start_pfn = s.start_pfn;
        if (pageblock_order != MAX_PAGE_ORDER) {
            long buddy_pfn = find_large_buddy(start_pfn);
            int buddy = mem.idx(buddy_pfn);
            if (mem.pageBuddy(buddy) && buddy_order(buddy) > pageblock_order) {
                int order = buddy_order(buddy);
                del_page_from_free_list(buddy, zone, order, get_pfnblock_migratetype(zone, buddy_pfn));
                toggle_pageblock_isolate(zone, pfn, isolate);
                split_large_buddy(zone, buddy, buddy_pfn, order, FPI_NONE);
                return true;
            }
        }
        int from_mt;
        int to_mt;
        if (isolate) {
            from_mt = zone.pageblockMigratetypeBits(pfn);
            to_mt = MIGRATE_ISOLATE;
        } else {
            from_mt = MIGRATE_ISOLATE;
            to_mt = zone.pageblockMigratetypeBits(pfn);
        }
        __move_freepages_block(zone, start_pfn, from_mt, to_mt);
        toggle_pageblock_isolate(zone, start_pfn, isolate);
        return true;
    }

    /**
     * __isolate_free_page(): take a free block off its list for compaction or isolation, obeying
     * the min watermark unless the block is isolated; a block of at least half a pageblock turns
     * its mergeable pageblocks MOVABLE. Returns the pages taken, or 0.
     */
    public final long __isolate_free_page(int page, int order) {
        long pfn = mem.pfn(page);
        Zone zone = node.pageZone(pfn);
        int mt = get_pfnblock_migratetype(zone, pfn);
        if (mt != MIGRATE_ISOLATE) {
            long watermark = zone.watermark[Watermarks.WMARK_MIN] + (1L << order);
            if (!zone_watermark_ok(zone, 0, watermark, 0, ALLOC_CMA)) return 0;
        }
        del_page_from_free_list(page, zone, order, mt);
        if (order >= pageblock_order - 1) {
            long endpage = pfn + (1L << order) - 1;
            for (long p = pfn; p < endpage; p += pageblock_nr_pages) {
                int pmt = get_pfnblock_migratetype(zone, p);
                if (isMergeable(pmt)) move_freepages_block(zone, p, pmt, MIGRATE_MOVABLE);
            }
        }
        return 1L << order;
    }

    /** __putback_isolated_page(): return an isolated free block to the tail of its free list. */
    public final void __putback_isolated_page(int page, int order, int mt) {
        long pfn = mem.pfn(page);
        __free_one_page(page, pfn, node.pageZone(pfn), order, mt, FPI_SKIP_REPORT_NOTIFY | FPI_TO_TAIL);
    }

    // ---------------------------------------------------------------- setup

    /** __setup_per_zone_wmarks() with the effective min_free_kbytes. */
    public final void setup_per_zone_wmarks(long minFreeKbytes, long watermarkScaleFactor) {
        long[] managed = new long[ZoneType.MAX_NR_ZONES];
        for (int z = 0; z < managed.length; z++) managed[z] = node.zones[z].managedPages;
        long[][] wm = Watermarks.setupPerZoneWmarks(managed, minFreeKbytes, watermarkScaleFactor);
        for (int z = 0; z < managed.length; z++) {
            Zone zone = node.zones[z];
            zone.watermarkBoost = 0;
            System.arraycopy(wm[z], 0, zone.watermark, 0, Watermarks.NR_WMARK);
        }
    }

    /** setup_per_zone_lowmem_reserve(). */
    public final void setup_per_zone_lowmem_reserve(int[] ratio) {
        long[] managed = new long[ZoneType.MAX_NR_ZONES];
        for (int z = 0; z < managed.length; z++) managed[z] = node.zones[z].managedPages;
        long[][] lr = Watermarks.lowmemReserve(managed, ratio);
        for (int z = 0; z < managed.length; z++) System.arraycopy(lr[z], 0, node.zones[z].lowmemReserve, 0, lr[z].length);
    }
}
