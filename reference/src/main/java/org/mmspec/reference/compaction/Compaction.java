package org.mmspec.reference.compaction;

import static org.mmspec.reference.alloc.AllocFlags.ALLOC_CMA;
import static org.mmspec.reference.alloc.AllocFlags.ALLOC_WMARK_HIGH;
import static org.mmspec.reference.alloc.AllocFlags.ALLOC_WMARK_MASK;
import static org.mmspec.reference.alloc.AllocFlags.ALLOC_WMARK_MIN;
import static org.mmspec.reference.alloc.MigrateType.MIGRATE_CMA;
import static org.mmspec.reference.alloc.MigrateType.MIGRATE_MOVABLE;

import java.util.ArrayDeque;
import java.util.List;
import java.util.function.Consumer;

import org.mmspec.reference.alloc.CaptureControl;
import org.mmspec.reference.alloc.Gfp;
import org.mmspec.reference.alloc.KernelWarnings;
import org.mmspec.reference.alloc.KnownBug;
import org.mmspec.reference.alloc.MachineConfig;
import org.mmspec.reference.alloc.MigrateType;
import org.mmspec.reference.alloc.Node;
import org.mmspec.reference.alloc.PageAlloc;
import org.mmspec.reference.alloc.SlowpathHooks;
import org.mmspec.reference.alloc.Vmstat;
import org.mmspec.reference.alloc.Zone;
import org.mmspec.reference.migrate.Contention;
import org.mmspec.reference.migrate.Migrate;
import org.mmspec.reference.migrate.MigrateMode;
import org.mmspec.reference.migrate.MigrateReason;
import org.mmspec.reference.page.MemMap;
import org.mmspec.reference.page.PageFlags;
import org.mmspec.reference.reclaim.Lruvec;
import org.mmspec.reference.rmap.Rmap;

/**
 * Memory compaction of mm/compaction.c (Linux v6.18), one method per kernel function and under its
 * name: the migration scanner ({@link #isolate_migratepages}, {@link #isolate_migratepages_block})
 * rising from the zone start and the free scanner ({@link #isolate_freepages},
 * {@link #isolate_freepages_block}) falling from the zone end, pageblock by pageblock, the
 * migration callbacks ({@link #compaction_alloc}, {@link #compaction_free}), the pageblock skip
 * bits ({@link #isolation_suitable}, {@link #update_pageblock_skip},
 * {@link #__reset_isolation_suitable}), {@link #compact_scanners_met}, {@link #compact_finished},
 * {@link #compaction_suitable} with compact_gap() and the fragmentation-index veto,
 * {@link #compact_zone} for an order or the whole zone, deferral, kcompactd, /proc/sys/vm/
 * compact_memory ({@link #compact_nodes}), and direct compaction from the allocation slow path
 * ({@link #try_to_compact_pages}, {@link #__alloc_pages_direct_compact},
 * {@link #should_compact_retry}), installed through {@link SlowpathHooks}.
 *
 * <p>compact_zone() is steppable: {@link #compact_zone_begin} runs its prologue, and each
 * {@link #compact_zone_round} one iteration of its loop (one isolate_migratepages() and one
 * migrate_pages()) followed by compact_finished(), so the explorers check the scanners between
 * rounds; {@link #compact_zone} runs the whole loop, as the kernel's callers do.
 *
 * <p>Left out, and said so in spec/README.md: fast_isolate_freepages() and
 * fast_find_migrateblock() (the model takes the linear scans only, so the scanners never jump),
 * compound pages and hugetlb, non-LRU movable pages, file folios, lock contention and fatal
 * signals (the locks are never contended; a task holding a folio lock or a reference is the
 * {@link Contention} input instead), and too_many_isolated()'s sleep (a sync compactor is counted
 * as throttled and proceeds: the folios others isolated are off the LRU, so the scan cannot meet
 * them).
 */
public final class Compaction implements SlowpathHooks {
    /** COMPACT_CLUSTER_MAX = SWAP_CLUSTER_MAX. */
    public static final int COMPACT_CLUSTER_MAX = 32;
    public static final int COMPACT_MAX_DEFER_SHIFT = 6;
    /** MAX_COMPACT_RETRIES (mm/page_alloc.c). */
    public static final int MAX_COMPACT_RETRIES = 16;
    public static final int MIN_COMPACT_PRIORITY = COMPACT_PRIO_SYNC_FULL;
    public static final int MIN_COMPACT_COSTLY_PRIORITY = COMPACT_PRIO_SYNC_LIGHT;
    /** isolate_mode_t bits (include/linux/mmzone.h). */
    public static final int ISOLATE_ASYNC_MIGRATE = 0x4;
    public static final int ISOLATE_UNEVICTABLE = 0x8;

    /** isolate_migrate_t. */
    public static final int ISOLATE_ABORT = 0;
    public static final int ISOLATE_NONE = 1;
    public static final int ISOLATE_SUCCESS = 2;

    /** vm.extfrag_threshold (0..1000). */
    public int sysctl_extfrag_threshold = 500;
    /** vm.compact_unevictable_allowed (CONFIG_COMPACT_UNEVICTABLE_DEFAULT: 1 unless PREEMPT_RT). */
    public int sysctl_compact_unevictable_allowed = 1;
    /** vm.compaction_proactiveness (0..100). */
    public int sysctl_compaction_proactiveness = 20;

    private final PageAlloc pa;
    private final Node node;
    private final MemMap mem;
    private final Rmap r;
    private final Migrate migrate;
    private final KernelWarnings warnings;
    private final MachineConfig config;
    private final int NR_PAGE_ORDERS;
    private final long pageblock_nr_pages;
    private final int pageblock_order;
    /** COMPACTION_HPAGE_ORDER: HPAGE_PMD_ORDER, which the model's pageblock_order stands for. */
    private final int COMPACTION_HPAGE_ORDER;
    /** KnownBug.SCANNERS_MET, read once: the deviation is tested at exactly one place. */
    private final boolean bugScannersMet;

    /** The compaction run in progress between steps (a steppable compact_zone()), or null. */
    private CompactControl cc;
    private Consumer<CompactControl> roundObserver;
    public final CompactionEvents events = new CompactionEvents();

    public Compaction(PageAlloc pa, Rmap r) {
        this.pa = pa;
        this.node = pa.node;
        this.mem = pa.mem;
        this.r = r;
        this.migrate = r.migrate();
        this.warnings = pa.warnings;
        this.config = pa.config();
        this.NR_PAGE_ORDERS = pa.MAX_PAGE_ORDER + 1;
        this.pageblock_nr_pages = pa.pageblock_nr_pages;
        this.pageblock_order = pa.pageblock_order;
        this.COMPACTION_HPAGE_ORDER = pa.pageblock_order;
        this.bugScannersMet = config.bug(KnownBug.SCANNERS_MET.bugName());
    }

    /** Copies the run in progress and the events of {@code o} (a machine of the same configuration). */
    public void copyFrom(Compaction o) {
        cc = o.cc == null ? null : o.cc.copyFor(node.zones[o.cc.zone.idx]);
        events.copyFrom(o.events);
        sysctl_extfrag_threshold = o.sysctl_extfrag_threshold;
        sysctl_compact_unevictable_allowed = o.sysctl_compact_unevictable_allowed;
        sysctl_compaction_proactiveness = o.sysctl_compaction_proactiveness;
    }

    public long fingerprint() {
        long h = MemMap.mix(0xC0DAC7L ^ sysctl_extfrag_threshold ^ ((long) sysctl_compaction_proactiveness << 16)
                ^ ((long) sysctl_compact_unevictable_allowed << 32));
        return cc == null ? h : MemMap.mix(h ^ cc.fingerprint());
    }

    /** The stepped run in progress, or null. */
    public CompactControl current() {
        return cc;
    }

    /**
     * Called after every round of every run (stepped or not), and once the run start has placed
     * the scanners (cc.rounds 0), for checks between rounds.
     */
    public void setRoundObserver(Consumer<CompactControl> observer) {
        this.roundObserver = observer;
    }

    public PageAlloc pageAlloc() {
        return pa;
    }

    // ------------------------------------------------------------------ deferral

    /**
     * defer_compaction(): after a failure, skip the next 1 &lt;&lt; compact_defer_shift attempts
     * (at most 64) of this order or above.
     */
    public void defer_compaction(Zone zone, int order) {
        zone.compactConsidered = 0;
        zone.compactDeferShift++;
        if (order < zone.compactOrderFailed) zone.compactOrderFailed = order;
        if (zone.compactDeferShift > COMPACT_MAX_DEFER_SHIFT) zone.compactDeferShift = COMPACT_MAX_DEFER_SHIFT;
        events.deferrals++;
    }

    /** compaction_deferred(): true when this attempt is one to skip. */
    public boolean compaction_deferred(Zone zone, int order) {
        long defer_limit = 1L << zone.compactDeferShift;
        if (order < zone.compactOrderFailed) return false;
        if (++zone.compactConsidered >= defer_limit) {
            zone.compactConsidered = defer_limit;
            return false;
        }
        events.deferred++;
        return true;
    }

    /** compaction_defer_reset(): after a success of this order (alloc_success: the allocation succeeded). */
    public void compaction_defer_reset(Zone zone, int order, boolean alloc_success) {
        if (alloc_success) {
            zone.compactConsidered = 0;
            zone.compactDeferShift = 0;
        }
        if (order >= zone.compactOrderFailed) zone.compactOrderFailed = order + 1;
    }

    /** compaction_restarting(): after the maximum deferral ran out, compaction starts over. */
    boolean compaction_restarting(Zone zone, int order) {
        if (order < zone.compactOrderFailed) return false;
        return zone.compactDeferShift == COMPACT_MAX_DEFER_SHIFT && zone.compactConsidered >= 1L << zone.compactDeferShift;
    }

    // ------------------------------------------------------------------ pageblock skip bits

    /** isolation_suitable(): the pageblock is to be scanned (its skip bit is clear, or hints are ignored). */
    boolean isolation_suitable(CompactControl cc, long pfn) {
        if (cc.ignore_skip_hint) return true;
        return !cc.zone.pageblockSkip(pfn);
    }

    /** reset_cached_positions(): the next run starts at the zone's ends. */
    void reset_cached_positions(Zone zone) {
        zone.compactCachedMigratePfn[0] = zone.zoneStartPfn;
        zone.compactCachedMigratePfn[1] = zone.zoneStartPfn;
        zone.compactCachedFreePfn = pa.pageblock_start_pfn(zone.zoneEndPfn() - 1);
    }

    /** pageblock_skip_persistent(): compound pages of pageblock order; the model has none. */
    boolean pageblock_skip_persistent(long pfn) {
        return false;
    }

    /** pfn_to_online_page() != NULL: the pfn has a struct page (the model's mem_map covers it). */
    private boolean online(long pfn) {
        return pfn >= 0 && mem.covers(pfn);
    }

    /**
     * __reset_isolation_pfn(): clear the pageblock's skip bit when a sample of its pages (every
     * 1 &lt;&lt; PAGE_ALLOC_COSTLY_ORDER-th) finds an LRU page (a migration source) or a free page
     * (a target); returns whether it did (or, checking both, found it already clear).
     */
    boolean __reset_isolation_pfn(Zone zone, long pfn, boolean check_source, boolean check_target) {
        if (!online(pfn)) return false;
        if (node.pageZone(pfn) != zone) return false;
        if (pageblock_skip_persistent(pfn)) return false;
        if (check_source && check_target && !zone.pageblockSkip(pfn)) return true;
        if (!check_source && check_target && zone.pageblockMigratetype(pfn) != MIGRATE_MOVABLE) return false;
        long block_pfn = Math.max(pa.pageblock_start_pfn(pfn), zone.zoneStartPfn);
        if (online(block_pfn)) pfn = block_pfn;
        block_pfn = Math.min(pa.pageblock_end_pfn(pfn) - 1, zone.zoneEndPfn() - 1);
        if (!online(block_pfn)) return false;
        long end = block_pfn;
        long p = pfn;
        do {
            int page = mem.idx(p);
            if (check_source && (mem.flags[page] & PageFlags.PG_lru) != 0) {
                zone.setPageblockSkip(p, false);
                return true;
            }
            if (check_target && mem.pageBuddy(page)) {
                zone.setPageblockSkip(p, false);
                return true;
            }
            p += 1L << PageAlloc.PAGE_ALLOC_COSTLY_ORDER;
        } while (p <= end);
        return false;
    }

    /**
     * __reset_isolation_suitable(): when a full compaction finished recently
     * (compact_blockskip_flush), walk the zone from both ends clearing skip bits of pageblocks
     * that look like sources or targets, and restart the scanners at the outermost such blocks.
     */
    public void __reset_isolation_suitable(Zone zone) {
        long migrate_pfn = zone.zoneStartPfn;
        long free_pfn = zone.zoneEndPfn() - 1;
        long reset_migrate = free_pfn;
        long reset_free = migrate_pfn;
        boolean source_set = false;
        boolean free_set = false;
        if (!zone.compactBlockskipFlush) return;
        zone.compactBlockskipFlush = false;
        events.skipResets++;
        for (; migrate_pfn < free_pfn; migrate_pfn += pageblock_nr_pages, free_pfn -= pageblock_nr_pages) {
            if (__reset_isolation_pfn(zone, migrate_pfn, true, source_set) && migrate_pfn < reset_migrate) {
                source_set = true;
                reset_migrate = migrate_pfn;
                zone.compactInitMigratePfn = reset_migrate;
                zone.compactCachedMigratePfn[0] = reset_migrate;
                zone.compactCachedMigratePfn[1] = reset_migrate;
            }
            if (__reset_isolation_pfn(zone, free_pfn, free_set, true) && free_pfn > reset_free) {
                free_set = true;
                reset_free = free_pfn;
                zone.compactInitFreePfn = reset_free;
                zone.compactCachedFreePfn = reset_free;
            }
        }
        // Leave no distance if no suitable block was reset
        if (reset_migrate >= reset_free) {
            zone.compactCachedMigratePfn[0] = migrate_pfn;
            zone.compactCachedMigratePfn[1] = migrate_pfn;
            zone.compactCachedFreePfn = free_pfn;
        }
    }

    /** reset_isolation_suitable(pgdat): __reset_isolation_suitable() for every populated zone (kswapd going to sleep). */
    public void reset_isolation_suitable() {
        for (Zone zone : node.zones) {
            if (!zone.populated()) continue;
            __reset_isolation_suitable(zone);
        }
    }

    /** test_and_set_skip(): set the pageblock's skip bit if clear; true if it was already set. */
    boolean test_and_set_skip(CompactControl cc, long pfn) {
        if (cc.ignore_skip_hint) return false;
        boolean skip = cc.zone.pageblockSkip(pfn);
        if (!skip && !cc.no_set_skip_hint) cc.zone.setPageblockSkip(pfn, true);
        return skip;
    }

    /** update_cached_migrate(): remember where the migration scanner restarts (async and sync apart). */
    void update_cached_migrate(CompactControl cc, long pfn) {
        Zone zone = cc.zone;
        if (cc.no_set_skip_hint) return;
        pfn = pa.pageblock_end_pfn(pfn);
        if (pfn > zone.compactCachedMigratePfn[0]) zone.compactCachedMigratePfn[0] = pfn;
        if (cc.mode != MigrateMode.MIGRATE_ASYNC && pfn > zone.compactCachedMigratePfn[1]) {
            zone.compactCachedMigratePfn[1] = pfn;
        }
    }

    /** update_pageblock_skip(): a block the free scanner finished is skipped next time; the free scanner restarts below. */
    void update_pageblock_skip(CompactControl cc, long blockPfn, long pfn) {
        Zone zone = cc.zone;
        if (cc.no_set_skip_hint) return;
        zone.setPageblockSkip(blockPfn, true);
        if (pfn < zone.compactCachedFreePfn) zone.compactCachedFreePfn = pfn;
    }

    // ------------------------------------------------------------------ the free scanner

    /** Marks an isolated free block's head as held on cc-&gt;freepages, its order in page_private. */
    private void holdIsolated(long pfn, int order) {
        int page = mem.idx(pfn);
        mem.order[page] = (byte) order; // set_page_private(page, order)
        mem.flags[page] |= PageFlags.MODEL_COMPACT_FREE;
    }

    /**
     * isolate_freepages_block(): walk [*start_pfn, end_pfn) in strides and take every free block
     * off the buddy lists through __isolate_free_page() (which refuses below the min watermark,
     * ending the scan) onto freelist[order]; outside strict mode, stop once there are as many free
     * pages as folios to migrate. *start_pfn becomes where the scan stopped, never past end_pfn.
     */
    long isolate_freepages_block(CompactControl cc, long[] start_pfn, long end_pfn, List<ArrayDeque<Long>> freelist,
                                 int stride, boolean strict) {
        long nr_scanned = 0;
        long total_isolated = 0;
        long blockpfn = start_pfn[0];
        if (strict) stride = 1;
        for (; blockpfn < end_pfn; blockpfn += stride) {
            nr_scanned++;
            int page = mem.idx(blockpfn);
            // compound pages: none in the model
            if (mem.pageBuddy(page)) {
                int order = pa.buddy_order(page);
                long isolated = pa.__isolate_free_page(page, order);
                if (isolated == 0) {
                    events.freeIsolateWatermarkFailures++;
                    break;
                }
                holdIsolated(blockpfn, order);
                nr_scanned += isolated - 1;
                total_isolated += isolated;
                cc.nr_freepages += (int) isolated;
                freelist.get(order).addLast(blockpfn);
                cc.freeIsolatedThisRound.add(new long[] {blockpfn, order});
                if (!strict && cc.nr_migratepages <= cc.nr_freepages) {
                    blockpfn += isolated;
                    break;
                }
                blockpfn += isolated - 1; // advance to the end of the split page
                continue;
            }
            // isolate_fail:
            if (strict) break;
        }
        if (blockpfn > end_pfn) blockpfn = end_pfn;
        start_pfn[0] = blockpfn;
        if (strict && blockpfn < end_pfn) total_isolated = 0;
        cc.total_free_scanned += nr_scanned;
        events.freeScanned += nr_scanned;
        events.compactIsolated += total_isolated;
        return total_isolated;
    }

    /**
     * pageblock_pfn_to_page(): the first page of [start_pfn, end_pfn) when the range's first and
     * last pages lie in the zone; -1 otherwise.
     */
    long pageblock_pfn_to_page(long start_pfn, long end_pfn, Zone zone) {
        long last = end_pfn - 1;
        if (!online(last) || !online(start_pfn)) return -1;
        if (node.pageZone(start_pfn) != zone || node.pageZone(last) != zone) return -1;
        return start_pfn;
    }

    /**
     * suitable_migration_target(): a pageblock the free scanner may take from: not one whose
     * first page is a free block of the wanted order or more (cc-&gt;order, or pageblock_order for
     * a whole-zone run), and MIGRATE_MOVABLE or CMA unless ignore_block_suitable.
     */
    boolean suitable_migration_target(CompactControl cc, long pfn) {
        int page = mem.idx(pfn);
        if (mem.pageBuddy(page)) {
            int order = cc.order > 0 ? cc.order : pageblock_order;
            if (pa.buddy_order(page) >= order) return false;
        }
        if (cc.ignore_block_suitable) return true;
        return MigrateType.isMovable(cc.zone.pageblockMigratetype(pfn));
    }

    /**
     * compact_scanners_met(): the free scanner has reached the migration scanner's pageblock or a
     * lower one, so the run is over. With {@link KnownBug#SCANNERS_MET} the comparison before
     * f2849aa09d4f: raw pfns, free_pfn &lt;= migrate_pfn.
     */
    public boolean compact_scanners_met(CompactControl cc) {
        if (bugScannersMet) return cc.free_pfn <= cc.migrate_pfn;
        return (cc.free_pfn >> pageblock_order) <= (cc.migrate_pfn >> pageblock_order);
    }

    /**
     * isolate_freepages(): from cc-&gt;free_pfn down, pageblock by pageblock and never at or below
     * the migration scanner's pageblock, isolate free pages from suitable blocks until there are
     * enough for the folios isolated for migration; cc-&gt;free_pfn records where to restart
     * (the middle of a pageblock when it stopped there).
     */
    void isolate_freepages(CompactControl cc) {
        Zone zone = cc.zone;
        // fast_isolate_freepages(): not modelled; the linear scan below is what it falls back to
        if (cc.nr_freepages > 0) return;
        long[] isolate_start_pfn = {cc.free_pfn};
        long block_start_pfn = pa.pageblock_start_pfn(isolate_start_pfn[0]);
        long block_end_pfn = Math.min(block_start_pfn + pageblock_nr_pages, zone.zoneEndPfn());
        long low_pfn = pa.pageblock_end_pfn(cc.migrate_pfn);
        int stride = cc.mode == MigrateMode.MIGRATE_ASYNC ? COMPACT_CLUSTER_MAX : 1;
        for (; block_start_pfn >= low_pfn; block_end_pfn = block_start_pfn, block_start_pfn -= pageblock_nr_pages,
                isolate_start_pfn[0] = block_start_pfn) {
            long page = pageblock_pfn_to_page(block_start_pfn, block_end_pfn, zone);
            if (page < 0) continue;
            if (!suitable_migration_target(cc, page)) continue;
            if (!isolation_suitable(cc, page)) continue;
            long nr_isolated = isolate_freepages_block(cc, isolate_start_pfn, block_end_pfn, cc.freepages, stride, false);
            // Update the skip hint if the full pageblock was scanned
            if (isolate_start_pfn[0] == block_end_pfn) update_pageblock_skip(cc, page, block_start_pfn - pageblock_nr_pages);
            if (cc.nr_freepages >= cc.nr_migratepages) {
                // Restart at previous pageblock if more freepages can be isolated next time
                if (isolate_start_pfn[0] >= block_end_pfn) isolate_start_pfn[0] = block_start_pfn - pageblock_nr_pages;
                break;
            } else if (isolate_start_pfn[0] < block_end_pfn) {
                break; // If isolation failed early, do not continue needlessly
            }
            if (nr_isolated > 0) {
                stride = 1;
                continue;
            }
            stride = Math.min(COMPACT_CLUSTER_MAX, stride << 1);
        }
        cc.free_pfn = isolate_start_pfn[0];
    }

    /**
     * compaction_alloc(): migrate_pages()'s get_new_folio: the first block of the lowest order on
     * cc-&gt;freepages (isolating more with isolate_freepages() once, when they are empty), split
     * down to one page, made an allocated page. -1 when there is none.
     */
    long compaction_alloc(CompactControl cc, long src) {
        int order = 0;
        boolean has_isolated_pages = false;
        while (true) {
            int start_order;
            for (start_order = order; start_order < NR_PAGE_ORDERS; start_order++) {
                if (!cc.freepages.get(start_order).isEmpty()) break;
            }
            if (start_order == NR_PAGE_ORDERS) {
                if (has_isolated_pages) return -1;
                isolate_freepages(cc);
                has_isolated_pages = true;
                continue;
            }
            long freepage = cc.freepages.get(start_order).removeFirst();
            long size = 1L << start_order;
            while (start_order > order) {
                start_order--;
                size >>= 1;
                cc.freepages.get(start_order).addFirst(freepage + size);
                holdIsolated(freepage + size, start_order);
            }
            int page = mem.idx(freepage);
            mem.flags[page] &= ~PageFlags.MODEL_COMPACT_FREE;
            mem.order[page] = 0;
            // post_alloc_hook(); set_page_refcounted()
            pa.prep_new_page(page, order, Gfp.__GFP_MOVABLE, 0);
            cc.nr_freepages -= 1 << order;
            cc.nr_migratepages -= 1 << order;
            return freepage;
        }
    }

    /**
     * compaction_free(): migrate_pages()'s put_new_folio: a destination that was not used goes
     * back on cc-&gt;freepages once its reference is dropped.
     */
    void compaction_free(CompactControl cc, long dst) {
        int order = 0;
        int page = mem.idx(dst);
        if (--mem.refcount[page] == 0) { // folio_put_testzero()
            // free_pages_prepare()
            mem.flags[page] &= ~(PageFlags.MODEL_ALLOC_HEAD | PageFlags.PG_lru | PageFlags.PG_active
                    | PageFlags.PG_unevictable | PageFlags.PG_swapbacked | PageFlags.PG_dirty);
            holdIsolated(dst, order);
            cc.freepages.get(order).addFirst(dst);
            cc.nr_freepages += 1 << order;
        }
        cc.nr_migratepages += 1 << order;
    }

    /**
     * release_free_list(): free every block still on the lists (mark_allocated() then
     * __free_pages(): a captured block may go to a direct compactor); returns the highest pfn.
     */
    long release_free_list(List<ArrayDeque<Long>> freepages) {
        long high_pfn = 0;
        for (int order = 0; order < NR_PAGE_ORDERS; order++) {
            ArrayDeque<Long> list = freepages.get(order);
            while (!list.isEmpty()) {
                long pfn = list.removeFirst();
                int page = mem.idx(pfn);
                mem.flags[page] &= ~PageFlags.MODEL_COMPACT_FREE;
                mem.order[page] = 0;
                pa.prep_new_page(page, order, Gfp.__GFP_MOVABLE, 0); // mark_allocated()
                pa.__free_pages(pfn, order);
                if (pfn > high_pfn) high_pfn = pfn;
            }
        }
        return high_pfn;
    }

    // ------------------------------------------------------------------ the migration scanner

    /** The folios isolated from the LRU right now: NR_ISOLATED_ANON + NR_ISOLATED_FILE. */
    long nr_isolated(CompactControl cc) {
        return r.migrations().size() + (cc == null ? 0 : cc.migratepages.size());
    }

    /** too_many_isolated(): more folios isolated than half the LRU (an eighth of it each for __GFP_FS callers). */
    boolean too_many_isolated(CompactControl cc) {
        Lruvec l = node.lruvec;
        long inactive = l.nrPages[Lruvec.LRU_INACTIVE_FILE] + l.nrPages[Lruvec.LRU_INACTIVE_ANON];
        long active = l.nrPages[Lruvec.LRU_ACTIVE_FILE] + l.nrPages[Lruvec.LRU_ACTIVE_ANON];
        long isolated = nr_isolated(cc);
        if ((cc.gfp_mask & Gfp.__GFP_FS) != 0) {
            inactive >>= 3;
            active >>= 3;
        }
        return isolated > (inactive + active) / 2;
    }

    /** block_start_pfn(pfn, order) and block_end_pfn(pfn, order) of mm/compaction.c. */
    static long block_start_pfn(long pfn, int order) {
        return pfn & ~((1L << order) - 1);
    }

    static long block_end_pfn(long pfn, int order) {
        return (pfn + 1 + (1L << order) - 1) & ~((1L << order) - 1);
    }

    private boolean pageblock_aligned(long pfn) {
        return (pfn & (pageblock_nr_pages - 1)) == 0;
    }

    /**
     * isolate_migratepages_block(): isolate every LRU folio of [low_pfn, end_pfn) that can be
     * migrated: free blocks are stepped over, a pinned anonymous folio (more references than
     * mappings) is skipped, so are unevictable ones without ISOLATE_UNEVICTABLE and, for
     * ISOLATE_ASYNC_MIGRATE, dirty ones whose lock is taken; stops at COMPACT_CLUSTER_MAX isolated.
     * Async direct compaction gives up an order-aligned chunk at its first failure
     * (skip_on_failure). A block whose skip bit is set is abandoned; a block scanned to its end
     * without isolating gets the bit. cc-&gt;migrate_pfn becomes where the scan stopped. Returns
     * 0 or -EAGAIN (too many isolated).
     */
    int isolate_migratepages_block(CompactControl cc, long low_pfn, long end_pfn, int mode) {
        long nr_scanned = 0;
        long nr_isolated = 0;
        long valid_page = -1;
        boolean skip_on_failure = false;
        long next_skip_pfn = 0;
        boolean skip_updated = false;
        int ret = 0;
        cc.migrate_pfn = low_pfn;

        if (too_many_isolated(cc)) {
            events.throttled++;
            if (cc.nr_migratepages > 0) return Migrate.EAGAIN;
            if (cc.mode == MigrateMode.MIGRATE_ASYNC) return Migrate.EAGAIN;
            // reclaim_throttle(): the model's other isolators cannot run meanwhile; proceed
        }
        if (cc.direct_compaction && cc.mode == MigrateMode.MIGRATE_ASYNC) {
            skip_on_failure = true;
            next_skip_pfn = block_end_pfn(low_pfn, cc.order);
        }
        long abortFolio = -1; // isolate_abort with a folio whose PG_lru we cleared
        boolean aborted = false;
        for (; low_pfn < end_pfn; low_pfn++) {
            if (skip_on_failure && low_pfn >= next_skip_pfn) {
                // We have isolated all migration candidates in the previous order-aligned block
                if (nr_isolated > 0) break;
                next_skip_pfn = block_end_pfn(low_pfn, cc.order);
            }
            nr_scanned++;
            int page = mem.idx(low_pfn);
            // Check if the pageblock has already been marked skipped: only the first pfn is checked
            if (valid_page < 0 && (pageblock_aligned(low_pfn) || low_pfn == cc.zone.zoneStartPfn)) {
                if (!isolation_suitable(cc, low_pfn)) {
                    low_pfn = end_pfn;
                    aborted = true;
                    break;
                }
                valid_page = low_pfn;
            }
            // PageHuge: none in the model
            if (mem.pageBuddy(page)) {
                // Skip if free; buddy_order_unsafe()
                int freepage_order = pa.buddy_order(page);
                if (freepage_order > 0 && freepage_order <= pa.MAX_PAGE_ORDER) {
                    low_pfn += (1L << freepage_order) - 1;
                    nr_scanned += (1L << freepage_order) - 1;
                }
                continue;
            }
            // PageCompound: none in the model; non-LRU movable_ops pages: none either
            boolean fail = false;
            boolean failPut = false;
            if ((mem.flags[page] & PageFlags.PG_lru) == 0) {
                fail = true;
            } else {
                // folio_get_nontail_page(): an LRU folio has references, so this succeeds
                mem.refcount[page]++;
                boolean anonMapping = true; // folio_mapping() is NULL for an anonymous folio
                int mapping = mem.mappingOf(page);
                if ((mapping != 0 && (mapping & 1) == 0) || (mem.flags[page] & PageFlags.PG_swapcache) != 0) {
                    // A page cache or swap cache folio (the reclaim model's). The kernel migrates
                    // these through their address_space (filemap_migrate_folio(),
                    // __folio_migrate_mapping() replacing the xarray entry); the migration model
                    // moves anonymous folios only, so compaction leaves them where they are.
                    events.unmodelledSkipped++;
                    failPut = true;
                } else
                // Migration will fail if an anonymous page is pinned in memory
                if (anonMapping && (migrate.folio_ref_count(low_pfn) - 1) > mem.mapcountOf(page)) {
                    events.pinnedSkipped++;
                    failPut = true;
                } else if ((mem.flags[page] & PageFlags.PG_lru) == 0) {
                    failPut = true;
                } else {
                    boolean is_unevictable = (mem.flags[page] & PageFlags.PG_unevictable) != 0;
                    boolean is_dirty = (mem.flags[page] & PageFlags.PG_dirty) != 0;
                    if ((mode & ISOLATE_UNEVICTABLE) == 0 && is_unevictable) {
                        failPut = true;
                    } else if ((mode & ISOLATE_ASYNC_MIGRATE) != 0 && is_dirty
                            && migrate.contention().locked(low_pfn)) {
                        failPut = true; // !folio_trylock(folio)
                    } else {
                        // folio_test_clear_lru()
                        mem.flags[page] &= ~PageFlags.PG_lru;
                        if (!skip_updated && valid_page >= 0) {
                            skip_updated = true;
                            if (test_and_set_skip(cc, valid_page) && !cc.finish_pageblock) {
                                low_pfn = end_pfn;
                                abortFolio = page;
                                aborted = true;
                                break;
                            }
                        }
                        // The folio is taken off the LRU
                        node.lruvec.lruvec_del_folio(page);
                        // isolate_success:
                        cc.migratepages.add(0, mem.pfn(page)); // list_add()
                        cc.isolatedThisRound.add(mem.pfn(page));
                        cc.nr_migratepages++;
                        nr_isolated++;
                        if (cc.nr_migratepages >= COMPACT_CLUSTER_MAX && !cc.finish_pageblock && !cc.contended) {
                            ++low_pfn;
                            break;
                        }
                        continue;
                    }
                }
            }
            if (failPut) {
                mem.refcount[page]--; // folio_put(): the folio still has its mappings' references
                fail = true;
            }
            // isolate_fail:
            if (!skip_on_failure && ret != Migrate.ENOMEM) continue;
            // We have isolated some pages, but then failed. Release them instead of migrating.
            if (nr_isolated > 0) {
                migrate.putback_movable_pages(cc.migratepages);
                cc.nr_migratepages = 0;
                nr_isolated = 0;
            }
            if (low_pfn < next_skip_pfn) {
                low_pfn = next_skip_pfn - 1;
                next_skip_pfn += 1L << cc.order;
                events.skipOnFailure++;
            }
            if (ret == Migrate.ENOMEM) break;
        }
        if (!aborted && low_pfn > end_pfn) low_pfn = end_pfn;
        // isolate_abort:
        if (abortFolio >= 0) {
            mem.flags[(int) abortFolio] |= PageFlags.PG_lru; // folio_set_lru()
            mem.refcount[(int) abortFolio]--;                 // folio_put()
        }
        // The block is marked for skipping if there were no pages isolated in the block or if the
        // block is rescanned twice in a row.
        if (low_pfn == end_pfn && (nr_isolated == 0 || cc.finish_pageblock)) {
            if (!cc.no_set_skip_hint && valid_page >= 0 && !skip_updated) cc.zone.setPageblockSkip(valid_page, true);
            update_cached_migrate(cc, low_pfn);
        }
        cc.total_migrate_scanned += nr_scanned;
        events.migrateScanned += nr_scanned;
        events.compactIsolated += nr_isolated;
        cc.migrate_pfn = low_pfn;
        return ret;
    }

    /**
     * suitable_migration_source(): any block, except that async direct compaction takes only blocks
     * of its own migratetype (movable ones for a movable request).
     */
    boolean suitable_migration_source(CompactControl cc, long pfn) {
        if (pageblock_skip_persistent(pfn)) return false;
        if (cc.mode != MigrateMode.MIGRATE_ASYNC || !cc.direct_compaction) return true;
        int block_mt = cc.zone.pageblockMigratetype(pfn);
        if (cc.migratetype == MIGRATE_MOVABLE) return MigrateType.isMovable(block_mt);
        return block_mt == cc.migratetype;
    }

    /**
     * isolate_migratepages(): from cc-&gt;migrate_pfn up, pageblock by pageblock while a whole block
     * fits below cc-&gt;free_pfn, skip blocks marked skip or unsuitable as sources, and isolate from
     * the first suitable one. fast_find_migrateblock() is not modelled: the scan is linear.
     */
    int isolate_migratepages(CompactControl cc) {
        int isolate_mode = (sysctl_compact_unevictable_allowed != 0 ? ISOLATE_UNEVICTABLE : 0)
                | (cc.mode != MigrateMode.MIGRATE_SYNC ? ISOLATE_ASYNC_MIGRATE : 0);
        long low_pfn = cc.migrate_pfn; // fast_find_migrateblock(): the linear scan's position
        long block_start_pfn = Math.max(pa.pageblock_start_pfn(low_pfn), cc.zone.zoneStartPfn);
        boolean fast_find_block = false;
        long block_end_pfn = pa.pageblock_end_pfn(low_pfn);
        for (; block_end_pfn <= cc.free_pfn; fast_find_block = false, cc.migrate_pfn = low_pfn = block_end_pfn,
                block_start_pfn = block_end_pfn, block_end_pfn += pageblock_nr_pages) {
            long page = pageblock_pfn_to_page(block_start_pfn, block_end_pfn, cc.zone);
            if (page < 0) continue; // skip_offline_sections(): the model has no offline sections
            if ((pageblock_aligned(low_pfn) || low_pfn == cc.zone.zoneStartPfn) && !fast_find_block
                    && !isolation_suitable(cc, page)) {
                continue;
            }
            if (!suitable_migration_source(cc, page)) {
                update_cached_migrate(cc, block_end_pfn);
                continue;
            }
            if (isolate_migratepages_block(cc, low_pfn, block_end_pfn, isolate_mode) != 0) return ISOLATE_ABORT;
            break;
        }
        return cc.nr_migratepages > 0 ? ISOLATE_SUCCESS : ISOLATE_NONE;
    }

    // ------------------------------------------------------------------ finishing

    /** fragmentation_score_zone(): extfrag_for_order(zone, COMPACTION_HPAGE_ORDER), 0..100. */
    int fragmentation_score_zone(Zone zone) {
        return Vmstat.extfrag_for_order(zone, COMPACTION_HPAGE_ORDER);
    }

    /** fragmentation_score_zone_weighted(): the score scaled by the zone's share of the node. */
    int fragmentation_score_zone_weighted(Zone zone) {
        long nodePresent = 0;
        for (Zone z : node.zones) nodePresent += z.presentPages;
        long score = zone.presentPages * fragmentation_score_zone(zone);
        return (int) (score / (nodePresent + 1));
    }

    /** fragmentation_score_node(). */
    int fragmentation_score_node() {
        int score = 0;
        for (Zone zone : node.zones) {
            if (!zone.populated()) continue;
            score += fragmentation_score_zone_weighted(zone);
        }
        return score;
    }

    /** fragmentation_score_wmark(): 100 - proactiveness, and that plus min(10, half of it) capped at 100. */
    int fragmentation_score_wmark(boolean low) {
        int wmark_low = 100 - sysctl_compaction_proactiveness;
        int leeway = Math.min(10, wmark_low / 2);
        return low ? wmark_low : Math.min(wmark_low + leeway, 100);
    }

    /** should_proactive_compact_node(): kswapd is never running between the model's steps. */
    boolean should_proactive_compact_node() {
        if (sysctl_compaction_proactiveness == 0) return false;
        return fragmentation_score_node() > fragmentation_score_wmark(false);
    }

    /**
     * __compact_finished(): COMPACT_COMPLETE or COMPACT_PARTIAL_SKIPPED when the scanners met
     * (resetting the cached positions; a direct compactor asks for the skip bits to be flushed);
     * proactive runs stop at the low score mark; a run for an order always finishes its pageblock,
     * then succeeds when a free block of that order or more is on its migratetype's list (or CMA
     * for movable, or one it could steal); else COMPACT_NO_SUITABLE_PAGE.
     */
    int __compact_finished(CompactControl cc) {
        int migratetype = cc.migratetype;
        int ret;
        if (compact_scanners_met(cc)) {
            reset_cached_positions(cc.zone);
            if (cc.direct_compaction) cc.zone.compactBlockskipFlush = true;
            return cc.whole_zone ? COMPACT_COMPLETE : COMPACT_PARTIAL_SKIPPED;
        }
        if (cc.proactive_compaction) {
            int score = fragmentation_score_zone(cc.zone);
            int wmark_low = fragmentation_score_wmark(true);
            ret = score > wmark_low ? COMPACT_CONTINUE : COMPACT_SUCCESS;
            return cc.contended ? COMPACT_CONTENDED : ret;
        }
        if (cc.viaCompactMemory()) return COMPACT_CONTINUE;
        if (!pageblock_aligned(cc.migrate_pfn)) return COMPACT_CONTINUE;
        if (config.defragMode() && !cc.direct_compaction) {
            if (pa.__zone_watermark_ok(cc.zone, cc.order, cc.zone.highWmarkPages(), cc.highest_zoneidx, cc.alloc_flags,
                    cc.zone.nrFreePagesBlocks)) {
                return COMPACT_SUCCESS;
            }
            return COMPACT_CONTINUE;
        }
        ret = COMPACT_NO_SUITABLE_PAGE;
        for (int order = cc.order; order < NR_PAGE_ORDERS; order++) {
            if (!cc.zone.freeAreaEmpty(order, migratetype)) return COMPACT_SUCCESS;
            if (migratetype == MIGRATE_MOVABLE && !cc.zone.freeAreaEmpty(order, MIGRATE_CMA)) return COMPACT_SUCCESS;
            if (pa.find_suitable_fallback(cc.zone, order, migratetype, true) >= 0) return COMPACT_SUCCESS;
        }
        if (cc.contended) ret = COMPACT_CONTENDED;
        return ret;
    }

    /** compact_finished(): __compact_finished(), with COMPACT_NO_SUITABLE_PAGE reported as COMPACT_CONTINUE. */
    public int compact_finished(CompactControl cc) {
        int ret = __compact_finished(cc);
        if (ret == COMPACT_NO_SUITABLE_PAGE) ret = COMPACT_CONTINUE;
        return ret;
    }

    /** compact_gap(order): 2 &lt;&lt; order free pages for the free scanner's list and a split. */
    public static long compact_gap(int order) {
        return 2L << order;
    }

    /**
     * __compaction_suitable(): the order-0 watermark plus compact_gap(order) (plus low - min for
     * costly orders) is met with ALLOC_CMA, counting free_pages.
     */
    public boolean __compaction_suitable(Zone zone, int order, long watermark, int highest_zoneidx, long free_pages) {
        watermark += compact_gap(order);
        if (order > PageAlloc.PAGE_ALLOC_COSTLY_ORDER) watermark += zone.lowWmarkPages() - zone.minWmarkPages();
        return pa.__zone_watermark_ok(zone, 0, watermark, highest_zoneidx, ALLOC_CMA, free_pages);
    }

    /**
     * compaction_suitable(): __compaction_suitable() with NR_FREE_PAGES, and for costly orders the
     * fragmentation index must say the failure is due to fragmentation: an index in
     * [0, extfrag_threshold] (lack of memory) makes the zone unsuitable.
     */
    public boolean compaction_suitable(Zone zone, int order, long watermark, int highest_zoneidx) {
        boolean suitable = __compaction_suitable(zone, order, watermark, highest_zoneidx, zone.nrFreePages);
        if (suitable && order > PageAlloc.PAGE_ALLOC_COSTLY_ORDER) {
            int fragindex = Vmstat.fragmentation_index(zone, order);
            if (fragindex >= 0 && fragindex <= sysctl_extfrag_threshold) suitable = false;
        }
        return suitable;
    }

    /** compaction_zonelist_suitable(): some zone would pass __compaction_suitable() with a share of its reclaimable pages. */
    public boolean compaction_zonelist_suitable(PageAlloc.AllocContext ac, int order, int alloc_flags) {
        for (int zi : node.zonelist) {
            if (zi > ac.highest_zoneidx) continue;
            Zone zone = node.zones[zi];
            long available = pa.hooks().zone_reclaimable_pages(pa, zone) / order;
            available += zone.nrFreePages;
            if (__compaction_suitable(zone, order, zone.minWmarkPages(), ac.highest_zoneidx, available)) return true;
        }
        return false;
    }

    /**
     * compaction_suit_allocation_order(): COMPACT_SUCCESS when the allocation would already succeed,
     * COMPACT_SKIPPED when compaction is unlikely to help, COMPACT_CONTINUE when it should run.
     */
    public int compaction_suit_allocation_order(Zone zone, int order, int highest_zoneidx, int alloc_flags, boolean async,
                                                boolean kcompactd) {
        long free_pages = kcompactd && config.defragMode() ? zone.nrFreePagesBlocks : zone.nrFreePages;
        long watermark = zone.wmarkPages(alloc_flags & ALLOC_WMARK_MASK);
        if (pa.__zone_watermark_ok(zone, order, watermark, highest_zoneidx, alloc_flags, free_pages)) return COMPACT_SUCCESS;
        if (order > PageAlloc.PAGE_ALLOC_COSTLY_ORDER && async && (alloc_flags & ALLOC_CMA) == 0) {
            if (!pa.__zone_watermark_ok(zone, 0, watermark + compact_gap(order), highest_zoneidx, 0, zone.nrFreePages)) {
                return COMPACT_SKIPPED;
            }
        }
        if (!compaction_suitable(zone, order, watermark, highest_zoneidx)) return COMPACT_SKIPPED;
        return COMPACT_CONTINUE;
    }

    // ------------------------------------------------------------------ compact_zone

    /**
     * The start of compact_zone(): reset the counters and lists, refuse (COMPACT_SUCCESS or
     * COMPACT_SKIPPED) when the allocation would succeed or compaction is unsuitable, reset the
     * skip bits when restarting after deferral, and place the scanners (the zone's ends for a whole
     * zone, else the cached positions, reset when out of range); then compact_finished(). Returns
     * COMPACT_CONTINUE when the run goes on (then {@link #compact_zone_round} drives it), else its
     * result.
     */
    public int compact_zone_begin(CompactControl cc) {
        Zone zone = cc.zone;
        long start_pfn = zone.zoneStartPfn;
        long end_pfn = zone.zoneEndPfn();
        boolean sync = cc.mode != MigrateMode.MIGRATE_ASYNC;
        cc.total_migrate_scanned = 0;
        cc.total_free_scanned = 0;
        cc.nr_migratepages = 0;
        cc.nr_freepages = 0;
        for (ArrayDeque<Long> l : cc.freepages) l.clear();
        cc.migratepages.clear();
        cc.migratetype = Gfp.gfpMigratetype(cc.gfp_mask, config.mobilityDisabled());
        events.runs++;
        if (!cc.viaCompactMemory()) {
            int ret = compaction_suit_allocation_order(zone, cc.order, cc.highest_zoneidx, cc.alloc_flags,
                    cc.mode == MigrateMode.MIGRATE_ASYNC, !cc.direct_compaction);
            if (ret != COMPACT_CONTINUE) return ended(cc, ret);
        }
        // Clear pageblock skip if there were failures recently and compaction is about to be retried after being deferred.
        if (compaction_restarting(zone, cc.order)) {
            events.restarts++;
            __reset_isolation_suitable(zone);
        }
        cc.fast_start_pfn = 0;
        if (cc.whole_zone) {
            cc.migrate_pfn = start_pfn;
            cc.free_pfn = pa.pageblock_start_pfn(end_pfn - 1);
        } else {
            cc.migrate_pfn = zone.compactCachedMigratePfn[sync ? 1 : 0];
            cc.free_pfn = zone.compactCachedFreePfn;
            if (cc.free_pfn < start_pfn || cc.free_pfn >= end_pfn) {
                cc.free_pfn = pa.pageblock_start_pfn(end_pfn - 1);
                zone.compactCachedFreePfn = cc.free_pfn;
            }
            if (cc.migrate_pfn < start_pfn || cc.migrate_pfn >= end_pfn) {
                cc.migrate_pfn = start_pfn;
                zone.compactCachedMigratePfn[0] = cc.migrate_pfn;
                zone.compactCachedMigratePfn[1] = cc.migrate_pfn;
            }
            if (cc.migrate_pfn <= zone.compactInitMigratePfn) cc.whole_zone = true;
        }
        cc.last_migrated_pfn = 0;
        cc.update_cached = !sync && zone.compactCachedMigratePfn[0] == zone.compactCachedMigratePfn[1];
        cc.roundStartMigratePfn = cc.migrate_pfn;
        cc.roundStartFreePfn = cc.free_pfn;
        // lru_add_drain(): the model's LRU has no per-CPU batches
        int ret = compact_finished(cc);
        if (ret != COMPACT_CONTINUE) ret = compact_zone_out(cc, ret);
        if (roundObserver != null) roundObserver.accept(cc); // the scanners placed: "round 0"
        return ret;
    }

    /**
     * One iteration of compact_zone()'s loop: isolate_migratepages(); migrate_pages() with
     * compaction_alloc() and compaction_free() in the run's mode, the failures put back (rescanning
     * the rest of a pageblock once when an async or sync-light migration failed inside it); stop on
     * a captured page; then compact_finished(). Returns COMPACT_CONTINUE while the run goes on,
     * else the run's result once compact_zone()'s epilogue has released the isolated free pages.
     */
    public int compact_zone_round(CompactControl cc, CaptureControl capc) {
        Zone zone = cc.zone;
        cc.rounds++;
        events.rounds++;
        cc.roundStartMigratePfn = cc.migrate_pfn;
        cc.roundStartFreePfn = cc.free_pfn;
        cc.moved.clear();
        cc.isolatedThisRound.clear();
        cc.freeIsolatedThisRound.clear();
        long iteration_start_pfn = cc.migrate_pfn;
        cc.finish_pageblock = pa.pageblock_start_pfn(cc.last_migrated_pfn) == pa.pageblock_start_pfn(iteration_start_pfn);
        Migrate.NewFolio alloc = src -> compaction_alloc(cc, src);
        Migrate.FreeFolio free = dst -> compaction_free(cc, dst);
        migrate.setMoveObserver((src, dst) -> cc.moved.add(new long[] {src, dst}));
        try {
            rescan:
            while (true) {
                int isolated = isolate_migratepages(cc);
                if (isolated == ISOLATE_ABORT) {
                    migrate.putback_movable_pages(cc.migratepages);
                    cc.nr_migratepages = 0;
                    return compact_zone_out(cc, COMPACT_CONTENDED);
                }
                if (isolated == ISOLATE_NONE) {
                    if (cc.update_cached) zone.compactCachedMigratePfn[1] = zone.compactCachedMigratePfn[0];
                    break; // check_drain
                }
                cc.update_cached = false;
                cc.last_migrated_pfn = Math.max(zone.zoneStartPfn, pa.pageblock_start_pfn(cc.migrate_pfn - 1));
                int[] nr_succeeded = new int[1];
                int err = migrate.migrate_pages(cc.migratepages, alloc, free, cc.mode, MigrateReason.MR_COMPACTION,
                        nr_succeeded);
                // All pages were either migrated or will be released
                cc.nr_migratepages = 0;
                if (err != 0) {
                    migrate.putback_movable_pages(cc.migratepages);
                    // migrate_pages() may return -ENOMEM when scanners meet and we want compact_finished() to detect it
                    if (err == Migrate.ENOMEM && !compact_scanners_met(cc)) return compact_zone_out(cc, COMPACT_CONTENDED);
                    if (!pageblock_aligned(cc.migrate_pfn) && !cc.ignore_skip_hint && !cc.finish_pageblock
                            && cc.mode.compareTo(MigrateMode.MIGRATE_SYNC) < 0) {
                        cc.finish_pageblock = true;
                        if (cc.order == COMPACTION_HPAGE_ORDER) cc.last_migrated_pfn = 0;
                        events.rescans++;
                        continue rescan;
                    }
                }
                // Stop if a page has been captured
                if (capc != null && capc.page != MemMap.NIL) {
                    cc.captured = true;
                    return compact_zone_out(cc, COMPACT_SUCCESS);
                }
                break;
            }
            // check_drain: lru_add_drain_cpu_zone() has nothing to drain in the model
            if (cc.order > 0 && cc.last_migrated_pfn != 0) {
                long current_block_start = block_start_pfn(cc.migrate_pfn, cc.order);
                if (cc.last_migrated_pfn < current_block_start) cc.last_migrated_pfn = 0;
            }
            int ret = compact_finished(cc);
            if (ret != COMPACT_CONTINUE) return compact_zone_out(cc, ret);
            // A round that goes on must have moved the migration scanner: otherwise the next
            // round starts from the same state and compact_zone() never returns.
            if (cc.migrate_pfn <= cc.roundStartMigratePfn) cc.stalled = true;
            return COMPACT_CONTINUE;
        } finally {
            migrate.setMoveObserver(null);
            if (roundObserver != null) roundObserver.accept(cc);
        }
    }

    /**
     * compact_zone()'s epilogue (out:): release the isolated free pages (the free scanner's cached
     * position may move up to the highest of them) and check that no folio is left isolated.
     */
    int compact_zone_out(CompactControl cc, int ret) {
        if (cc.nr_freepages > 0) {
            long free_pfn = release_free_list(cc.freepages);
            cc.nr_freepages = 0;
            if (free_pfn == 0) warnings.warn("compact_zone", "VM_BUG_ON(free_pfn == 0)");
            free_pfn = pa.pageblock_start_pfn(free_pfn);
            if (free_pfn > cc.zone.compactCachedFreePfn) cc.zone.compactCachedFreePfn = free_pfn;
        }
        if (!cc.migratepages.isEmpty()) {
            warnings.warn("compact_zone", "VM_BUG_ON(!list_empty(&cc->migratepages)) with pfn 0x"
                    + Long.toHexString(cc.migratepages.get(0)) + " on it");
        }
        return ended(cc, ret);
    }

    private int ended(CompactControl cc, int ret) {
        cc.result = ret;
        events.results[ret]++;
        return ret;
    }

    /**
     * compact_zone(): the whole run. Where the kernel would repeat a round that changes nothing
     * for ever (a round that neither finished nor moved the migration scanner), the model stops and
     * records the run in {@link CompactionEvents#livelocks}; the result is then COMPACT_CONTINUE.
     */
    public int compact_zone(CompactControl cc, CaptureControl capc) {
        int ret = compact_zone_begin(cc);
        while (ret == COMPACT_CONTINUE) {
            ret = compact_zone_round(cc, capc);
            if (ret == COMPACT_CONTINUE && cc.stalled) {
                recordLivelock(cc);
                compact_zone_out(cc, COMPACT_CONTINUE);
                return COMPACT_CONTINUE;
            }
        }
        return ret;
    }

    private void recordLivelock(CompactControl cc) {
        events.livelocks++;
        if (events.livelock == null) {
            events.livelock = cc.zone.name() + " compaction (order " + cc.order + ", " + cc.mode.shortName()
                    + ") stopped making progress in round " + cc.rounds + ": migrate_pfn 0x" + Long.toHexString(cc.migrate_pfn)
                    + ", free_pfn 0x" + Long.toHexString(cc.free_pfn) + ", and compact_finished() says COMPACT_CONTINUE";
        }
    }

    // ------------------------------------------------------------------ the steppable run (the model's operations)

    /** A compact_control as kcompactd_do_work() (order &gt; 0) or compact_node() (order -1) builds it, for one zone. */
    public CompactControl newControl(Zone zone, int order, MigrateMode mode) {
        boolean whole = order == -1;
        return new CompactControl(zone, order, Gfp.GFP_KERNEL, whole ? 0 : ALLOC_WMARK_MIN, whole ? 0 : zone.idx, mode, whole,
                false, false, false, whole, NR_PAGE_ORDERS);
    }

    /**
     * Starts a stepped run on one zone: order -1 as /proc/sys/vm/compact_memory does it (whole
     * zone, skip hints ignored, MIGRATE_SYNC or, proactively, MIGRATE_SYNC_LIGHT), an order as
     * kcompactd does (MIGRATE_SYNC_LIGHT, cached positions). Returns COMPACT_CONTINUE when the run
     * is now in progress, else how it ended at once. Rejected while another stepped run is in progress.
     */
    public int startRun(Zone zone, int order, MigrateMode mode) {
        if (cc != null) {
            throw new org.mmspec.reference.alloc.RejectedOperationException("compact_zone: a run of " + cc.zone.name()
                    + " is in progress (round " + cc.rounds + ")");
        }
        CompactControl c = newControl(zone, order, mode);
        int ret = compact_zone_begin(c);
        if (ret == COMPACT_CONTINUE) cc = c;
        return ret;
    }

    /**
     * One round of the stepped run, other tasks holding what {@code contention} says. Returns
     * COMPACT_CONTINUE while the run goes on, else its result (the run is then over).
     */
    public int stepRun(Contention contention) {
        if (cc == null) {
            throw new org.mmspec.reference.alloc.RejectedOperationException("compact_zone: no compaction run in progress");
        }
        Contention old = migrate.contention();
        migrate.setContention(contention);
        try {
            int ret = compact_zone_round(cc, null);
            if (ret != COMPACT_CONTINUE) cc = null;
            return ret;
        } finally {
            migrate.setContention(old);
        }
    }

    // ------------------------------------------------------------------ direct compaction

    /**
     * compact_zone_order(): a direct compactor's run of one zone, ASYNC at COMPACT_PRIO_ASYNC,
     * else SYNC_LIGHT (the whole zone, ignoring skip hints and block suitability, at
     * MIN_COMPACT_PRIORITY), with capture_control installed so a freed block of the wanted order
     * comes straight to it.
     */
    int compact_zone_order(Zone zone, int order, int gfp_mask, int prio, int alloc_flags, int highest_zoneidx,
                           int[] capture) {
        boolean min = prio == MIN_COMPACT_PRIORITY;
        CompactControl c = new CompactControl(zone, order, gfp_mask, alloc_flags, highest_zoneidx,
                prio == COMPACT_PRIO_ASYNC ? MigrateMode.MIGRATE_ASYNC : MigrateMode.MIGRATE_SYNC_LIGHT, min, min, true, false,
                min, NR_PAGE_ORDERS);
        CaptureControl capc = new CaptureControl(zone, order, Gfp.gfpMigratetype(gfp_mask, config.mobilityDisabled()));
        pa.setCaptureControl(capc);
        int ret;
        try {
            ret = compact_zone(c, capc);
        } finally {
            pa.setCaptureControl(null);
        }
        capture[0] = capc.page;
        if (capc.page != MemMap.NIL) {
            events.captured++;
            ret = COMPACT_SUCCESS;
        }
        return ret;
    }

    /**
     * try_to_compact_pages(): compact each zone of the zonelist the allocation may use, skipping
     * deferred ones (except at MIN_COMPACT_PRIORITY), until one says COMPACT_SUCCESS; a sync run that
     * completed or met the scanners without success defers the zone. Returns the best result.
     */
    public int try_to_compact_pages(int gfp_mask, int order, int alloc_flags, PageAlloc.AllocContext ac, int prio,
                                    int[] capture) {
        int rc = COMPACT_SKIPPED;
        if ((gfp_mask & Gfp.__GFP_IO) == 0) return COMPACT_SKIPPED; // gfp_compaction_allowed()
        for (int zi : node.zonelist) {
            if (zi > ac.highest_zoneidx) continue;
            Zone zone = node.zones[zi];
            if (prio > MIN_COMPACT_PRIORITY && compaction_deferred(zone, order)) {
                rc = Math.max(COMPACT_DEFERRED, rc);
                continue;
            }
            int status = compact_zone_order(zone, order, gfp_mask, prio, alloc_flags, ac.highest_zoneidx, capture);
            rc = Math.max(status, rc);
            if (status == COMPACT_SUCCESS) {
                // We think the allocation will succeed in this zone, but it is not certain
                compaction_defer_reset(zone, order, false);
                break;
            }
            if (prio != COMPACT_PRIO_ASYNC && (status == COMPACT_COMPLETE || status == COMPACT_PARTIAL_SKIPPED)) {
                defer_compaction(zone, order);
            }
            // need_resched() and fatal signals: never in the model
        }
        return rc;
    }

    /**
     * __alloc_pages_direct_compact(): try_to_compact_pages() with PF_MEMALLOC; a captured page, or
     * else one from the free lists, is the allocation (and resets the zone's deferral); the
     * compact_result goes back to the slow path.
     */
    @Override
    public CompactOutcome __alloc_pages_direct_compact(PageAlloc p, int gfp_mask, int order, int alloc_flags,
                                                       PageAlloc.AllocContext ac, int prio) {
        if (order == 0) return SKIPPED;
        int[] capture = {MemMap.NIL};
        boolean old = migrate.setPfMemalloc(true); // memalloc_noreclaim_save()
        int result;
        try {
            result = try_to_compact_pages(gfp_mask, order, alloc_flags, ac, prio, capture);
        } finally {
            migrate.setPfMemalloc(old);
        }
        if (result == COMPACT_SKIPPED) return new CompactOutcome(MemMap.NIL, result);
        events.compactStall++;
        int page = capture[0];
        if (page != MemMap.NIL) pa.prep_new_page(page, order, gfp_mask, alloc_flags);
        if (page == MemMap.NIL) page = pa.get_page_from_freelist(gfp_mask, order, alloc_flags, ac);
        if (page != MemMap.NIL) {
            Zone zone = node.pageZone(mem.pfn(page));
            zone.compactBlockskipFlush = false;
            compaction_defer_reset(zone, order, true);
            events.compactSuccess++;
            return new CompactOutcome(page, result);
        }
        events.compactFail++;
        return new CompactOutcome(MemMap.NIL, result);
    }

    /**
     * should_compact_retry(): retry after COMPACT_SKIPPED when reclaim can make compaction
     * suitable; after COMPACT_SUCCESS up to MAX_COMPACT_RETRIES times (a quarter for costly
     * orders); otherwise raise the priority (ac.compact_priority) until the minimum.
     */
    @Override
    public boolean should_compact_retry(PageAlloc p, PageAlloc.AllocContext ac, int order, int alloc_flags,
                                        int compact_result) {
        int max_retries = MAX_COMPACT_RETRIES;
        if (order == 0) return false;
        if (compact_result == COMPACT_SKIPPED) return compaction_zonelist_suitable(ac, order, alloc_flags);
        if (compact_result == COMPACT_SUCCESS) {
            if (order > PageAlloc.PAGE_ALLOC_COSTLY_ORDER) max_retries /= 4;
            if (++ac.compaction_retries <= max_retries) return true;
        }
        int min_priority = order > PageAlloc.PAGE_ALLOC_COSTLY_ORDER ? MIN_COMPACT_COSTLY_PRIORITY : MIN_COMPACT_PRIORITY;
        if (ac.compact_priority > min_priority) {
            ac.compact_priority--;
            ac.compaction_retries = 0;
            return true;
        }
        return false;
    }

    /**
     * The slow path's direct compaction for (gfp, order) at priority {@code prio}, as
     * __alloc_pages_slowpath() makes it: prepare_alloc_pages()'s context and gfp_to_alloc_flags(),
     * then __alloc_pages_direct_compact(). The slow path reaches COMPACT_PRIO_SYNC_LIGHT and
     * COMPACT_PRIO_SYNC_FULL only through should_compact_retry() after reclaim made progress; this
     * makes the call at any priority. Returns the pfn allocated, or -1. Rejected, changing nothing,
     * for an order outside 1..MAX_PAGE_ORDER, an unknown priority, or a gfp mask that may not
     * reclaim directly.
     */
    public long directCompact(int gfp, int order, int prio) {
        if (order < 1 || order > pa.MAX_PAGE_ORDER) {
            throw new org.mmspec.reference.alloc.RejectedOperationException("direct compaction: order " + order + " must be 1.."
                    + pa.MAX_PAGE_ORDER);
        }
        if (prio < COMPACT_PRIO_SYNC_FULL || prio > COMPACT_PRIO_ASYNC) {
            throw new org.mmspec.reference.alloc.RejectedOperationException("direct compaction: priority " + prio
                    + " is not one of 0 (COMPACT_PRIO_SYNC_FULL), 1 (SYNC_LIGHT), 2 (ASYNC)");
        }
        try {
            Gfp.validate(gfp);
        } catch (IllegalArgumentException e) {
            throw new org.mmspec.reference.alloc.RejectedOperationException(e.getMessage());
        }
        if ((gfp & Gfp.__GFP_DIRECT_RECLAIM) == 0) {
            throw new org.mmspec.reference.alloc.RejectedOperationException("direct compaction: gfp mask "
                    + Gfp.format(gfp) + " has no __GFP_DIRECT_RECLAIM: the slow path never compacts for it");
        }
        PageAlloc.AllocContext ac = new PageAlloc.AllocContext();
        ac.highest_zoneidx = Gfp.gfpZone(gfp);
        ac.migratetype = Gfp.gfpMigratetype(gfp, config.mobilityDisabled());
        ac.preferred = -1;
        for (int i = 0; i < node.zonelist.length && ac.preferred < 0; i++) if (node.zonelist[i] <= ac.highest_zoneidx) ac.preferred = i;
        if (ac.preferred < 0) return -1;
        int alloc_flags = pa.gfp_to_alloc_flags(gfp, order);
        CompactOutcome c = __alloc_pages_direct_compact(pa, gfp, order, alloc_flags, ac, prio);
        return c.page() == MemMap.NIL ? -1 : mem.pfn(c.page());
    }

    // ------------------------------------------------------------------ compact_memory and kcompactd

    /**
     * compact_node(): every populated zone of the node compacted whole, skip hints ignored, in
     * MIGRATE_SYNC (MIGRATE_SYNC_LIGHT when proactive).
     */
    public void compact_node(boolean proactive) {
        for (Zone zone : node.zones) {
            if (!zone.populated()) continue;
            CompactControl c = new CompactControl(zone, -1, Gfp.GFP_KERNEL, 0, 0,
                    proactive ? MigrateMode.MIGRATE_SYNC_LIGHT : MigrateMode.MIGRATE_SYNC, true, false, false, proactive, true,
                    NR_PAGE_ORDERS);
            compact_zone(c, null);
        }
    }

    /** compact_nodes(): echo 1 &gt; /proc/sys/vm/compact_memory (lru_add_drain_all() has nothing to drain). */
    public void compact_nodes() {
        events.compactMemory++;
        compact_node(false);
    }

    /** kcompactd_node_suitable(): some zone up to the requested index should be compacted for the requested order. */
    public boolean kcompactd_node_suitable() {
        int highest_zoneidx = node.kcompactdHighestZoneidx;
        int alloc_flags = config.defragMode() ? ALLOC_WMARK_HIGH : ALLOC_WMARK_MIN;
        for (int zoneid = 0; zoneid <= highest_zoneidx && zoneid < node.zones.length; zoneid++) {
            Zone zone = node.zones[zoneid];
            if (!zone.populated()) continue;
            if (compaction_suit_allocation_order(zone, node.kcompactdMaxOrder, highest_zoneidx, alloc_flags, false, true)
                    == COMPACT_CONTINUE) {
                return true;
            }
        }
        return false;
    }

    /**
     * wakeup_kcompactd(pgdat, order, highest_zoneidx): record the request (the larger order, the
     * lower zone index); the model's kcompactd runs it at its next {@link #kcompactd} step.
     */
    public void wakeup_kcompactd(int order, int highest_zoneidx) {
        if (order == 0) return;
        if (node.kcompactdMaxOrder < order) node.kcompactdMaxOrder = order;
        if (node.kcompactdHighestZoneidx > highest_zoneidx) node.kcompactdHighestZoneidx = highest_zoneidx;
    }

    /**
     * kcompactd_do_work(): compact every zone up to the requested index for the requested order
     * (MIGRATE_SYNC_LIGHT), skipping deferred and unsuitable zones; a run that ends without success
     * defers the zone; then forget the request.
     */
    public void kcompactd_do_work() {
        int order = node.kcompactdMaxOrder;
        int highest = node.kcompactdHighestZoneidx;
        int alloc_flags = config.defragMode() ? ALLOC_WMARK_HIGH : ALLOC_WMARK_MIN;
        events.kcompactdWake++;
        for (int zoneid = 0; zoneid <= highest && zoneid < node.zones.length; zoneid++) {
            Zone zone = node.zones[zoneid];
            if (!zone.populated()) continue;
            if (compaction_deferred(zone, order)) continue;
            if (compaction_suit_allocation_order(zone, order, zoneid, alloc_flags, false, true) != COMPACT_CONTINUE) continue;
            CompactControl c = new CompactControl(zone, order, Gfp.GFP_KERNEL, alloc_flags, highest,
                    MigrateMode.MIGRATE_SYNC_LIGHT, false, false, false, false, false, NR_PAGE_ORDERS);
            int status = compact_zone(c, null);
            if (status == COMPACT_SUCCESS) {
                compaction_defer_reset(zone, order, false);
            } else if (status == COMPACT_PARTIAL_SKIPPED || status == COMPACT_COMPLETE) {
                // drain_all_pages(zone): no per-cpu lists in the model
                defer_compaction(zone, order);
            }
        }
        if (node.kcompactdMaxOrder <= order) node.kcompactdMaxOrder = 0;
        if (node.kcompactdHighestZoneidx >= highest) node.kcompactdHighestZoneidx = node.nrZones - 1;
    }

    /**
     * One wakeup of kcompactd(): the requested work when there is some, else (the timeout) proactive
     * compaction of the node when its fragmentation score is above the high mark. Returns whether
     * it did anything.
     */
    public boolean kcompactd() {
        if (node.kcompactdMaxOrder > 0) {
            kcompactd_do_work();
            return true;
        }
        if (should_proactive_compact_node()) {
            events.proactive++;
            compact_node(true);
            return true;
        }
        return false;
    }
}
