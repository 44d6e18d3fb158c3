package org.mmspec.reference.reclaim;

import java.util.Collections;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

import org.mmspec.reference.alloc.KernelWarnings;
import org.mmspec.reference.alloc.KnownBug;
import org.mmspec.reference.alloc.MachineConfig;
import org.mmspec.reference.alloc.Node;
import org.mmspec.reference.alloc.PageAlloc;
import org.mmspec.reference.alloc.RejectedOperationException;
import org.mmspec.reference.alloc.SlowpathHooks;
import org.mmspec.reference.alloc.Zone;
import org.mmspec.reference.alloc.ZoneType;
import org.mmspec.reference.page.MemMap;
import org.mmspec.reference.page.PageFlags;
import org.mmspec.reference.rmap.Rmap;

/**
 * Page reclaim as Linux v6.18 does it with the classic LRU (MGLRU off) and memcg off: the node's
 * lruvec and its five lists ({@link Lruvec}), mm/swap.c's LRU moves ({@link Swap}), the
 * workingset's shadow entries and refault distance ({@link Workingset}), the swap device and swap
 * cache ({@link SwapInfo}), the page cache of regular files ({@link Filemap}), and mm/vmscan.c
 * ({@link Vmscan}): direct reclaim from the allocation slow path (installed as the machine's
 * {@link SlowpathHooks}) and kswapd, which the model runs as an explicit step once the allocator
 * has woken it.
 *
 * <p>Writeback, which the kernel completes asynchronously, is an explicit step too
 * ({@link #writeback_end}), except on a SWP_SYNCHRONOUS_IO swap device, where a swap write
 * completes before pageout() returns. The trace ({@link #trace()}) records what each operation's
 * reclaim passes did, for the invariants.
 */
public final class Reclaim implements SlowpathHooks {
    /** vm_flags the LRU reads from folio_referenced(). */
    public static final long VM_EXEC = 0x4;
    public static final long VM_LOCKED = 0x2000;

    final MachineConfig config;
    final Node node;
    final MemMap mem;
    final Lruvec lruvec;
    final PageAlloc pageAlloc;
    final Rmap rmap;
    final KernelWarnings warnings = new KernelWarnings();
    public final ReclaimStats stats = new ReclaimStats();
    final ReclaimTrace trace = new ReclaimTrace();
    /** KnownBug.NONRESIDENT_AGE_ANON, read once: tested at exactly one place (Workingset.workingset_age_nonresident). */
    final boolean bugNonresidentAgeAnon;
    /** vm.swappiness. */
    final int swappiness = 60;

    final Workingset workingset;
    final Swap swap;
    final SwapInfo si;
    final Filemap filemap;
    final Vmscan vmscan;

    /** pgdat-&gt;flags (enum pgdat_flags: PGDAT_DIRTY, PGDAT_WRITEBACK). */
    int pgdatFlags;
    /** kswapd()'s own highest_zoneidx, which it keeps between runs. */
    int kswapdHighestZoneidx = ZoneType.MAX_NR_ZONES - 1;
    /**
     * Model ghost, the LRU event clock: every eviction and activation, anonymous and file, that
     * workingset.c's header says drives the nonresident age. It advances at the same places as
     * lruvec-&gt;nonresident_age, including where a re-created bug makes the age skip.
     */
    long lruEventClock;
    /** The event clock stored with the shadow the last eviction made (read by its caller). */
    long lastShadowClock;
    /** sc.nr_reclaimed of the last balance_pgdat(). */
    long lastBalanceReclaimed;
    /** Folios under writeback, by pfn, with the data their I/O writes. */
    final TreeMap<Long, Long> writeback = new TreeMap<>();

    public Reclaim(MachineConfig config, Node node, PageAlloc pageAlloc, Rmap rmap) {
        this.config = config;
        this.node = node;
        this.mem = node.mem;
        this.lruvec = node.lruvec;
        this.pageAlloc = pageAlloc;
        this.rmap = rmap;
        this.bugNonresidentAgeAnon = config.bug(KnownBug.NONRESIDENT_AGE_ANON.bugName());
        this.workingset = new Workingset(this);
        this.swap = new Swap(this);
        this.si = new SwapInfo(this, config.swap());
        this.filemap = new Filemap(this);
        this.vmscan = new Vmscan(this);
    }

    /** Overwrites this state with {@code o}'s (same configuration). */
    public void copyFrom(Reclaim o) {
        warnings.copyFrom(o.warnings);
        stats.copyFrom(o.stats);
        trace.copyFrom(o.trace);
        si.copyFrom(o.si);
        filemap.copyFrom(o.filemap);
        pgdatFlags = o.pgdatFlags;
        kswapdHighestZoneidx = o.kswapdHighestZoneidx;
        lruEventClock = o.lruEventClock;
        lastShadowClock = o.lastShadowClock;
        lastBalanceReclaimed = o.lastBalanceReclaimed;
        writeback.clear();
        writeback.putAll(o.writeback);
    }

    /** A 64-bit hash of the swap device, the page cache, the writeback and the node's reclaim state. */
    public long fingerprint() {
        long h = si.fingerprint();
        h = MemMap.mix(h ^ filemap.fingerprint());
        h = MemMap.mix(h ^ pgdatFlags ^ ((long) kswapdHighestZoneidx << 8) ^ (lruEventClock << 16));
        for (Map.Entry<Long, Long> e : writeback.entrySet()) h = MemMap.mix(h ^ e.getKey() ^ (e.getValue() << 20));
        return h;
    }

    // ------------------------------------------------------------------ views

    public SwapInfo swapInfo() {
        return si;
    }

    public Filemap filemap() {
        return filemap;
    }

    public Lruvec lruvec() {
        return lruvec;
    }

    public ReclaimTrace trace() {
        return trace;
    }

    public KernelWarnings warnings() {
        return warnings;
    }

    /** The model's LRU event clock (every eviction and activation so far). */
    public long lruEventClock() {
        return lruEventClock;
    }

    /** pgdat-&gt;flags. */
    public int pgdatFlags() {
        return pgdatFlags;
    }

    /** Folios under writeback by pfn, with the data their I/O writes. */
    public NavigableMap<Long, Long> underWriteback() {
        return Collections.unmodifiableNavigableMap(writeback);
    }

    /** What a swap entry naming a slot reads: the swap cache folio's content, else the slot's. */
    public long swapEntryValue(long offset) {
        long pfn = si.cachedPfn(offset);
        if (pfn >= 0) return rmap.contents().getOrDefault(pfn, 0L);
        return si.slotValue(offset);
    }

    /** zone_reclaimable_pages() for the invariants and the allocator. */
    public long zoneReclaimablePages(Zone zone) {
        return vmscan.zone_reclaimable_pages(zone);
    }

    /** inactive_is_low(). */
    public boolean inactiveIsLow(int inactiveLru) {
        return vmscan.inactive_is_low(inactiveLru);
    }

    /** workingset_test_recent() of a shadow, without side effects: {recent, distance, workingset size, workingset bit}. */
    public long[] workingsetTestRecent(long shadow, boolean file) {
        return workingset.workingset_test_recent(shadow, file);
    }

    // ------------------------------------------------------------------ SlowpathHooks

    /** __perform_reclaim(): try_to_free_pages() with PF_MEMALLOC set; returns the pages reclaimed. */
    @Override
    public long __perform_reclaim(PageAlloc pa, int gfp_mask, int order, PageAlloc.AllocContext ac) {
        return try_to_free_pages(order, gfp_mask);
    }

    @Override
    public long zone_reclaimable_pages(PageAlloc pa, Zone zone) {
        return vmscan.zone_reclaimable_pages(zone);
    }

    /** try_to_free_pages(). */
    public long try_to_free_pages(int order, int gfpMask) {
        if (lruvec.total() == 0) {
            // an empty LRU: do_try_to_free_pages() makes its two passes (the second with a full
            // memcg walk) scanning nothing; only throttling, the counters and the refault snapshot move
            boolean usable = false;
            for (int zi : node.zonelist) if (zi <= org.mmspec.reference.alloc.Gfp.gfpZone(gfpMask) && zi <= ZoneType.NORMAL.idx()) usable = true;
            if (usable && !vmscan.allow_direct_reclaim()) stats.directReclaimThrottled++;
            stats.directReclaimRuns++;
            stats.allocstall += 2;
            vmscan.snapshot_refaults();
            return 0;
        }
        return vmscan.try_to_free_pages(order, gfpMask);
    }

    // ------------------------------------------------------------------ kswapd

    /** What one kswapd step did. */
    public record KswapdResult(boolean ran, int order, int highestZoneidx, long reclaimed, boolean slept) {}

    /** Whether kswapd is runnable: woken and not yet asleep again. */
    public boolean kswapdRunnable() {
        return node.kswapdWoken;
    }

    /**
     * One pass of kswapd()'s loop, woken by wakeup_kswapd(): read and reset kswapd_order and
     * kswapd_highest_zoneidx, balance_pgdat() for them, then kswapd_try_to_sleep(): asleep if the
     * node is balanced at the order it finished with (or hopeless), waking kcompactd for the
     * order asked; otherwise it stays runnable for another pass. A no-op while asleep.
     */
    public KswapdResult kswapd() {
        if (!node.kswapdWoken) return new KswapdResult(false, 0, 0, 0, true);
        int allocOrder = node.kswapdOrder;
        int highestZoneidx = kswapd_highest_zoneidx(kswapdHighestZoneidx);
        node.kswapdOrder = 0;
        node.kswapdHighestZoneidx = ZoneType.MAX_NR_ZONES;
        kswapdHighestZoneidx = highestZoneidx;
        stats.kswapdRuns++;
        int reclaimOrder = vmscan.balance_pgdat(allocOrder, highestZoneidx);
        // kswapd_try_to_sleep(): after a high-order run that fell back to order 0 with the orders
        // it ran at, else (the loop's top) with the orders requested since, none in the model
        int sleepAllocOrder = reclaimOrder < allocOrder ? allocOrder : node.kswapdOrder;
        int sleepOrder = reclaimOrder < allocOrder ? reclaimOrder : node.kswapdOrder;
        int sleepIdx = reclaimOrder < allocOrder ? highestZoneidx : kswapd_highest_zoneidx(highestZoneidx);
        boolean slept = vmscan.prepare_kswapd_sleep(sleepOrder, sleepIdx);
        if (slept) {
            pageAlloc.wakeup_kcompactd(sleepAllocOrder, sleepIdx);
            node.kswapdWoken = false;
            stats.kswapdSleeps++;
        } else {
            stats.kswapdHighWmarkHitQuickly++;
        }
        trace.kswapd(new ReclaimTrace.KswapdRun(allocOrder, highestZoneidx, sleepOrder, sleepIdx, lastBalanceReclaimed, slept,
                node.kswapdFailures));
        return new KswapdResult(true, allocOrder, highestZoneidx, lastBalanceReclaimed, slept);
    }

    /** kswapd_highest_zoneidx(): the requested zone, or the previous run's when none was requested. */
    private int kswapd_highest_zoneidx(int prev) {
        int curr = node.kswapdHighestZoneidx;
        return curr == ZoneType.MAX_NR_ZONES ? prev : curr;
    }

    // ------------------------------------------------------------------ files

    /** read(2) of one page of file ino: {@link Filemap#filemap_read}. */
    public Filemap.Io fileRead(int ino, long index) {
        return filemap.filemap_read(ino, index);
    }

    /** write(2) of one whole page of file ino: {@link Filemap#generic_perform_write}. */
    public Filemap.Io fileWrite(int ino, long index, long value) {
        return filemap.generic_perform_write(ino, index, value);
    }

    /** The flusher writes back file ino: {@link Filemap#writeback_file}. */
    public int flush(int ino) {
        return filemap.writeback_file(ino);
    }

    // ------------------------------------------------------------------ writeback

    /** folio_start_writeback(): PG_writeback set; the I/O will write {@code data}. */
    void folio_start_writeback(int page, long data) {
        mem.flags[page] |= PageFlags.PG_writeback;
        writeback.put(mem.pfn(page), data);
        stats.writebackStarted++;
    }

    /**
     * The completion of the write I/O of a folio under writeback (__end_swap_bio_write() or the
     * filesystem's end_io): the slot or the file's disk block holds the data written, and
     * folio_end_writeback() rotates a folio reclaim marked PG_reclaim to the tail of its inactive
     * list before clearing PG_writeback. Rejected for a pfn not under writeback.
     */
    public void writeback_end(long pfn) {
        if (!writeback.containsKey(pfn)) {
            throw new RejectedOperationException("writeback_end: pfn 0x" + Long.toHexString(pfn) + " is not under writeback"
                    + (writeback.isEmpty() ? " (none is)" : " (under writeback: " + hexes(writeback.keySet()) + ")"));
        }
        folio_end_writeback(mem.idx(pfn));
    }

    /** folio_end_writeback() with the I/O's data landing. */
    void folio_end_writeback(int page) {
        long pfn = mem.pfn(page);
        Long data = writeback.remove(pfn);
        if ((mem.flags[page] & PageFlags.PG_writeback) == 0) {
            warnings.warn("folio_end_writeback", "VM_BUG_ON_FOLIO(!folio_test_writeback(folio)) pfn 0x" + Long.toHexString(pfn));
            return;
        }
        if ((mem.flags[page] & PageFlags.PG_swapcache) != 0) si.end_swap_write(mem.privateData()[page], data == null ? 0 : data);
        else filemap.end_file_write(page, data == null ? 0 : data);
        if ((mem.flags[page] & PageFlags.PG_reclaim) != 0) {
            mem.flags[page] &= ~PageFlags.PG_reclaim;
            swap.folio_rotate_reclaimable(page);
        }
        mem.flags[page] &= ~PageFlags.PG_writeback;
        stats.writebackCompleted++;
    }

    private static String hexes(java.util.Collection<Long> pfns) {
        StringBuilder sb = new StringBuilder();
        for (long p : pfns) {
            if (sb.length() > 0) sb.append(", ");
            sb.append("0x").append(Long.toHexString(p));
        }
        return sb.toString();
    }

    // ------------------------------------------------------------------ accesses the LRU sees

    /** folio_mark_accessed() of the folio at pfn. */
    public void folio_mark_accessed(long pfn) {
        swap.folio_mark_accessed(mem.idx(pfn));
    }

    /** folio_deactivate() of the folio at pfn (madvise(MADV_COLD)). */
    public void folio_deactivate(long pfn) {
        swap.folio_deactivate(mem.idx(pfn));
    }

    /** workingset_refault() for a folio read back from swap: the shadow found in its slot and the model clock stored with it. */
    public void workingset_refault(long pfn, long shadow, long shadowClock) {
        workingset.workingset_refault(mem.idx(pfn), shadow, shadowClock);
    }

    /**
     * swap_cache_add_folio() for a folio read back from swap (its SWAP_HAS_CACHE claimed by
     * swapcache_prepare()): returns the shadow the slot held, its model clock in
     * {@link #lastShadowClock()}.
     */
    public long swapCacheAddFolio(int page, long offset) {
        return si.swap_cache_add_folio(page, offset);
    }

    /** The model clock stored with the shadow the last swap_cache_add_folio() or eviction handled. */
    public long lastShadowClock() {
        return lastShadowClock;
    }

    /** folio_add_lru(). */
    public void folio_add_lru(long pfn) {
        lruvec.folio_add_lru(pfn);
    }

    // ------------------------------------------------------------------ what reclaim asks of the rest of mm

    /** folio_referenced(): the young PTEs of a mapped anonymous folio (a page cache folio is never mapped in the model). */
    int folio_referenced(int page, long[] vmFlags) {
        vmFlags[0] = 0;
        if ((mem.mappingOf(page) & Rmap.PAGE_MAPPING_ANON) == 0) return 0;
        return rmap.folio_referenced(mem.pfn(page), vmFlags);
    }

    /** Model bookkeeping for the trace: the young PTEs mapping pfn, counted over every page table directly. */
    int countYoungPtes(long pfn) {
        int n = 0;
        for (org.mmspec.reference.rmap.MmStruct mm : rmap.tasks().values()) {
            for (long pte : mm.pageTable().values()) {
                if (org.mmspec.reference.rmap.Pte.normal(pte) && org.mmspec.reference.rmap.Pte.pfn(pte) == pfn
                        && org.mmspec.reference.rmap.Pte.young(pte)) {
                    n++;
                }
            }
        }
        return n;
    }

    /** try_to_unmap(): replace every PTE of an anonymous swap cache folio with a swap entry. */
    void try_to_unmap(int page) {
        if ((mem.mappingOf(page) & Rmap.PAGE_MAPPING_ANON) != 0) rmap.try_to_unmap(mem.pfn(page));
    }

    /** folio_put(): the last reference frees the folio (off the LRU first). */
    void folio_put(int page) {
        if ((mem.mappingOf(page) & Rmap.PAGE_MAPPING_ANON) != 0 || rmap.contents().containsKey(mem.pfn(page))) {
            rmap.folio_put(mem.pfn(page));
            return;
        }
        if (mem.refcount[page] <= 0) {
            warnings.warn("folio_put", "VM_BUG_ON_FOLIO(folio_ref_count(folio) <= 0) pfn 0x" + Long.toHexString(mem.pfn(page)));
            return;
        }
        if (--mem.refcount[page] > 0) return;
        lruvec.__page_cache_release(mem.pfn(page));
        free_folio(page);
    }

    /**
     * free_unref_folios() of a folio nothing references any more (reclaim froze its count at 0, or
     * the last put dropped it): free_pages_prepare() clears page-&gt;mapping and the page flags; the
     * model forgets its content; the page goes back to the buddy allocator.
     */
    void free_folio(int page) {
        long pfn = mem.pfn(page);
        if (mem.mapcountOf(page) != 0) {
            warnings.warn("free_pages_prepare", "bad_page: nonzero mapcount " + mem.mapcountOf(page) + " pfn 0x" + Long.toHexString(pfn));
        }
        if ((mem.flags[page] & (PageFlags.PG_lru | PageFlags.PG_writeback)) != 0) {
            warnings.warn("free_pages_prepare", "bad_page: PAGE_FLAGS_CHECK_AT_FREE flag(s) set pfn 0x" + Long.toHexString(pfn) + " ("
                    + PageFlags.describe(mem.flags[page]) + ")");
        }
        if ((mem.mappingOf(page) & Rmap.PAGE_MAPPING_ANON) != 0 || rmap.contents().containsKey(pfn)) {
            rmap.forget_folio(pfn);
        } else {
            filemap.content.remove(pfn);
        }
        mem.mapping()[page] = 0;
        mem.index()[page] = 0;
        mem.privateData()[page] = 0;
        mem.flags[page] &= ~(PAGE_FLAGS & ~PageFlags.PG_reserved);
        mem.refcount[page] = 1; // __free_pages()' put_page_testzero() drops the last reference
        pageAlloc.__free_pages(pfn, 0);
    }

    /** The page flags (PG_locked .. PG_mlocked) free_pages_prepare() clears: PAGE_FLAGS_CHECK_AT_PREP. */
    public static final int PAGE_FLAGS = (1 << 21) - 1;
}
