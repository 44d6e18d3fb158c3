package org.mmspec.reference.reclaim;

import java.util.Arrays;
import java.util.BitSet;

import org.mmspec.reference.page.MemMap;
import org.mmspec.reference.page.PageFlags;

/**
 * The machine's one swap device, {@code struct swap_info_struct} (type 0), with the functions of
 * mm/swapfile.c, mm/swap_state.c and mm/page_io.c (Linux v6.18) that reclaim and the fault path
 * use: the swap_map of per-slot counts with SWAP_HAS_CACHE, slot allocation
 * (folio_alloc_swap()), swap_duplicate() and swap_free_nr() for swap entries in page tables, the
 * swap cache (since v6.18 the cluster's swap table: a slot holds a folio, a shadow, or nothing),
 * folio_free_swap(), free_swap_and_cache_nr(), swap_writeout() and swap_read_folio().
 *
 * <p>What a slot stores on the device is {@link #slotData}; a zero-filled folio is recorded in
 * the zeromap instead, with no I/O (swap_writeout()). zswap is off. Slots are allocated next-fit
 * from the offset after the last allocation, wrapping to slot 1, as the per-CPU cluster offset and
 * alloc_swap_scan_cluster() do for one cluster; when the device is more than half full
 * (vm_swap_full()) a slot held only by the swap cache is taken back on the way
 * (cluster_reclaim_range()). Swap counts stay below SWAP_MAP_MAX (no count continuation pages).
 */
public final class SwapInfo {
    public static final int SWAP_HAS_CACHE = 0x40;
    public static final int SWAP_MAP_MAX = 0x3e;
    public static final int SWAP_MAP_BAD = 0x3f;
    public static final int ENOMEM = -12;
    public static final int EEXIST = -17;
    public static final int ENOENT = -2;
    /** __try_to_reclaim_swap() flags. */
    static final int TTRS_ANYWAY = 0x1;
    static final int TTRS_UNMAPPED = 0x2;
    static final int TTRS_FULL = 0x4;

    private final Reclaim r;
    /** si-&gt;max: the slots, the header's included. */
    public final int max;
    /** SWP_SYNCHRONOUS_IO. */
    public final boolean synchronousIo;
    /** si-&gt;swap_map: the count of swap entries naming each slot, | SWAP_HAS_CACHE. */
    final int[] swapMap;
    /** The swap table: the folio (pfn + 1) cached for each slot, 0 for none. */
    final long[] cache;
    /** The swap table's shadow entries (xa values), 0 for none. */
    final long[] shadow;
    /** Model ghost: the LRU event clock when each shadow was stored. */
    final long[] shadowClock;
    /** What the device holds in each slot. */
    final long[] slotData;
    /** si-&gt;zeromap: slots whose page was zero-filled when written. */
    final BitSet zeromap = new BitSet();
    /** The per-CPU cluster's next offset (percpu_swap_cluster.offset[0]). */
    int next = 1;
    /** si-&gt;inuse_pages. */
    long inusePages;

    SwapInfo(Reclaim r, SwapConfig cfg) {
        this.r = r;
        this.max = (int) cfg.pages();
        this.synchronousIo = cfg.synchronousIo();
        this.swapMap = new int[max];
        this.cache = new long[max];
        this.shadow = new long[max];
        this.shadowClock = new long[max];
        this.slotData = new long[max];
        if (max > 0) swapMap[0] = SWAP_MAP_BAD; // the swap header
    }

    void copyFrom(SwapInfo o) {
        System.arraycopy(o.swapMap, 0, swapMap, 0, max);
        System.arraycopy(o.cache, 0, cache, 0, max);
        System.arraycopy(o.shadow, 0, shadow, 0, max);
        System.arraycopy(o.shadowClock, 0, shadowClock, 0, max);
        System.arraycopy(o.slotData, 0, slotData, 0, max);
        zeromap.clear();
        zeromap.or(o.zeromap);
        next = o.next;
        inusePages = o.inusePages;
    }

    long fingerprint() {
        long h = 0x5A4B;
        for (int i = 0; i < max; i++) {
            if (swapMap[i] == 0 && cache[i] == 0 && shadow[i] == 0) continue;
            h = MemMap.mix(h ^ i ^ ((long) swapMap[i] << 20) ^ (cache[i] << 28));
            h = MemMap.mix(h ^ shadow[i] ^ (slotData[i] * 31));
        }
        // the zeromap's hash mixed on its own: XORed with inuse_pages, bit 1 of the zeromap and
        // inuse_pages 2 cancelled out (BitSet.hashCode() of {1} is 1234 ^ 2)
        h = MemMap.mix(h ^ zeromap.hashCode());
        h = MemMap.mix(h ^ ((long) next << 32) ^ inusePages);
        return h;
    }

    // ------------------------------------------------------------------ views

    /** total_swap_pages: the usable slots. */
    public long total_swap_pages() {
        return max == 0 ? 0 : max - 1;
    }

    /** get_nr_swap_pages(): free slots. */
    public long get_nr_swap_pages() {
        return total_swap_pages() - inusePages;
    }

    /** vm_swap_full(): more than half the swap space is in use. */
    public boolean vm_swap_full() {
        return get_nr_swap_pages() * 2 < total_swap_pages();
    }

    /** swap_map[offset]: the count | SWAP_HAS_CACHE. */
    public int swapMap(long offset) {
        return swapMap[(int) offset];
    }

    /** swap_count(): the count without SWAP_HAS_CACHE. */
    public static int swap_count(int ent) {
        return ent & ~SWAP_HAS_CACHE;
    }

    /** __swap_count(). */
    public int __swap_count(long offset) {
        return swap_count(swapMap[(int) offset]);
    }

    /** The pfn cached for a slot, or -1. */
    public long cachedPfn(long offset) {
        return cache[(int) offset] - 1;
    }

    /** The shadow in a slot, or 0. */
    public long shadowOf(long offset) {
        return shadow[(int) offset];
    }

    /** The model's event clock when the slot's shadow was stored. */
    public long shadowClockOf(long offset) {
        return shadowClock[(int) offset];
    }

    /** What a swap-in of the slot reads: 0 from the zeromap, else the device's data. */
    public long slotValue(long offset) {
        return zeromap.get((int) offset) ? 0 : slotData[(int) offset];
    }

    /** Whether offset names a slot of the device (not the header). */
    public boolean validOffset(long offset) {
        return offset >= 1 && offset < max;
    }

    /** get_swap_device() for an entry that page tables hold: the slot must exist. */
    private boolean check(String where, long offset) {
        if (validOffset(offset)) return true;
        r.warnings.warn(where, "Bad swap offset entry 0x" + Long.toHexString(offset) + " (si->max " + max + ")");
        return false;
    }

    // ------------------------------------------------------------------ allocation (folio_alloc_swap)

    /**
     * folio_alloc_swap(): a free slot for the folio, which joins the swap cache there
     * (swap_cache_add_folio(): a reference, PG_swapcache, folio-&gt;swap). -ENOMEM when every
     * slot is taken.
     */
    int folio_alloc_swap(int page) {
        long off = scan_swap_slot();
        if (off == 0) {
            r.stats.swapAllocFail++;
            return ENOMEM;
        }
        swapMap[(int) off] = SWAP_HAS_CACHE; // cluster_alloc_range(usage = SWAP_HAS_CACHE)
        inusePages++;
        swap_cache_add_folio(page, off);
        return 0;
    }

    /**
     * alloc_swap_scan_cluster() for order 0 over the device as one cluster: next-fit from the
     * per-CPU offset, wrapping to slot 1; a slot held only by the swap cache is reclaimed on the
     * way when the device is more than half full (cluster_scan_range(), cluster_reclaim_range()).
     * Returns the slot, or 0.
     */
    private long scan_swap_slot() {
        if (max <= 1) return 0;
        int start = next >= 1 && next < max ? next : 1;
        for (int i = 0; i < max - 1; i++) {
            int off = start + i;
            if (off >= max) off -= max - 1;
            if (takeable(off)) {
                next = off + 1 < max ? off + 1 : 1;
                return off;
            }
        }
        return 0;
    }

    /** cluster_scan_range() and cluster_reclaim_range() for one slot. */
    private boolean takeable(int off) {
        int m = swapMap[off];
        if (m == 0) return true;
        if (m != SWAP_HAS_CACHE || !vm_swap_full()) return false;
        __try_to_reclaim_swap(off, TTRS_ANYWAY);
        return swapMap[off] == 0;
    }

    // ------------------------------------------------------------------ swap cache (mm/swap_state.c)

    /**
     * swap_cache_add_folio(): the folio takes the slot in the swap table (a shadow there is
     * returned, the model's clock of it in {@link Reclaim#lastShadowClock}), gets a reference,
     * PG_swapcache and folio-&gt;swap.
     */
    long swap_cache_add_folio(int page, long offset) {
        int o = (int) offset;
        MemMap mem = r.mem;
        if ((mem.flags[page] & PageFlags.PG_swapcache) != 0) {
            r.warnings.warn("swap_cache_add_folio", "VM_WARN_ON_ONCE_FOLIO(folio_test_swapcache(folio)) pfn 0x"
                    + Long.toHexString(mem.pfn(page)));
        }
        if (cache[o] != 0) {
            r.warnings.warn("swap_cache_add_folio", "WARN_ON_ONCE(swp_tb_is_folio(old_tb)) slot 0x" + Long.toHexString(offset));
        }
        long sh = shadow[o];
        r.lastShadowClock = shadowClock[o];
        shadow[o] = 0;
        shadowClock[o] = 0;
        cache[o] = mem.pfn(page) + 1;
        mem.refcount[page]++;
        mem.flags[page] |= PageFlags.PG_swapcache;
        mem.privateData()[page] = offset;
        return sh;
    }

    /** __swap_cache_del_folio(): the slot gets the shadow (or nothing); the folio loses PG_swapcache, not its reference. */
    void __swap_cache_del_folio(int page, long offset, long shadowEntry, long clock) {
        int o = (int) offset;
        MemMap mem = r.mem;
        if ((mem.flags[page] & PageFlags.PG_writeback) != 0) {
            r.warnings.warn("__swap_cache_del_folio", "VM_WARN_ON_ONCE_FOLIO(folio_test_writeback(folio)) pfn 0x"
                    + Long.toHexString(mem.pfn(page)));
        }
        if (cache[o] != mem.pfn(page) + 1) {
            r.warnings.warn("__swap_cache_del_folio", "WARN_ON_ONCE(swp_tb_to_folio(old_tb) != folio) slot 0x"
                    + Long.toHexString(offset));
        }
        cache[o] = 0;
        shadow[o] = shadowEntry;
        shadowClock[o] = shadowEntry == 0 ? 0 : clock;
        mem.privateData()[page] = 0;
        mem.flags[page] &= ~PageFlags.PG_swapcache;
    }

    /** swap_cache_del_folio(): out of the swap cache, the slot's cache reference put, the folio's reference dropped. */
    void swap_cache_del_folio(int page) {
        long off = r.mem.privateData()[page];
        __swap_cache_del_folio(page, off, 0, 0);
        put_swap_folio(off);
        r.mem.refcount[page]--;
    }

    /** swap_cache_get_folio(): the folio cached for the slot with a reference, or -1. */
    public long swap_cache_get_folio(long offset) {
        long pfn = cache[(int) offset] - 1;
        if (pfn >= 0) r.mem.refcount[r.mem.idx(pfn)]++; // folio_try_get()
        return pfn;
    }

    /** swap_cache_get_shadow(). */
    public long swap_cache_get_shadow(long offset) {
        return shadow[(int) offset];
    }

    /** __swap_cache_clear_shadow(). */
    void __swap_cache_clear_shadow(long offset) {
        shadow[(int) offset] = 0;
        shadowClock[(int) offset] = 0;
    }

    // ------------------------------------------------------------------ counts (mm/swapfile.c)

    /** swap_duplicate(): one more swap entry names the slot (copy_nonpresent_pte(), try_to_unmap_one()). */
    public int swap_duplicate(long offset) {
        if (!check("swap_duplicate", offset)) return 0;
        int o = (int) offset;
        int count = swap_count(swapMap[o]);
        boolean hasCache = (swapMap[o] & SWAP_HAS_CACHE) != 0;
        if (count == 0 && !hasCache) {
            r.warnings.warn("swap_duplicate", "__swap_duplicate: -ENOENT, slot 0x" + Long.toHexString(offset) + " is free");
            return 0;
        }
        if (count >= SWAP_MAP_MAX) {
            r.warnings.warn("swap_duplicate", "swap count of slot 0x" + Long.toHexString(offset)
                    + " needs a continuation page (not modelled)");
            return 0;
        }
        swapMap[o] = (count + 1) | (hasCache ? SWAP_HAS_CACHE : 0);
        return 0;
    }

    /**
     * swapcache_prepare(): claim SWAP_HAS_CACHE of a slot for a folio about to be read into it:
     * -ENOENT if the slot is unused, -EEXIST if a folio already has it.
     */
    public int swapcache_prepare(long offset) {
        int o = (int) offset;
        int count = swap_count(swapMap[o]);
        boolean hasCache = (swapMap[o] & SWAP_HAS_CACHE) != 0;
        if (count == 0 && !hasCache) return ENOENT;
        if (hasCache) return EEXIST;
        swapMap[o] |= SWAP_HAS_CACHE;
        return 0;
    }

    /** swap_entry_put_locked() with usage 1 (a swap entry gone) or SWAP_HAS_CACHE: returns the slot's new usage. */
    private int swap_entry_put_locked(int o, int usage) {
        int count = swapMap[o];
        int hasCache = count & SWAP_HAS_CACHE;
        count &= ~SWAP_HAS_CACHE;
        if (usage == SWAP_HAS_CACHE) {
            if (hasCache == 0) r.warnings.warn("swap_entry_put_locked", "VM_BUG_ON(!has_cache) slot 0x" + Integer.toHexString(o));
            hasCache = 0;
        } else if (count <= SWAP_MAP_MAX) {
            count--;
            if (count < 0) {
                r.warnings.warn("swap_entry_put_locked", "swap count underflow, slot 0x" + Integer.toHexString(o));
                count = 0;
            }
        }
        int u = count | hasCache;
        if (u != 0) swapMap[o] = u;
        else swap_entries_free(o);
        return u;
    }

    /** swap_entries_free(): the slot's last reference is gone: free it (swap_range_free() clears its shadow). */
    private void swap_entries_free(int o) {
        int m = swapMap[o];
        if (m != SWAP_HAS_CACHE && m != 1 && m != 0) {
            r.warnings.warn("swap_entries_free", "VM_BUG_ON(!swap_is_last_ref(*map)) slot 0x" + Integer.toHexString(o));
        }
        if (cache[o] != 0) {
            r.warnings.warn("swap_cluster_assert_table_empty", "slot 0x" + Integer.toHexString(o) + " freed while a folio caches it");
        }
        swapMap[o] = 0;
        inusePages--;
        __swap_cache_clear_shadow(o);
        zeromap.clear(o);
    }

    /** put_swap_folio(): the swap cache's hold on the slot is gone (swap_entries_put_cache()). */
    void put_swap_folio(long offset) {
        int o = (int) offset;
        if (swapMap[o] == SWAP_HAS_CACHE) swap_entries_free(o);
        else swap_entry_put_locked(o, SWAP_HAS_CACHE);
    }

    /** swapcache_clear(): drop a SWAP_HAS_CACHE taken by swapcache_prepare() for a swap-in that skipped the cache. */
    public void swapcache_clear(long offset) {
        put_swap_folio(offset);
    }

    /** swap_free_nr(entry, 1): a swap entry naming the slot is gone (do_swap_page()). */
    public void swap_free(long offset) {
        if (!check("swap_free_nr", offset)) return;
        swap_entry_put_locked((int) offset, 1);
    }

    /** swap_entry_swapped(): some swap entry still names the slot. */
    public boolean swap_entry_swapped(long offset) {
        return swap_count(swapMap[(int) offset]) != 0;
    }

    /** folio_swapcache_freeable(): in the swap cache and not under writeback. */
    boolean folio_swapcache_freeable(int page) {
        int f = r.mem.flags[page];
        return (f & PageFlags.PG_swapcache) != 0 && (f & PageFlags.PG_writeback) == 0;
    }

    /**
     * folio_free_swap(): give the slot back when no swap entry names it any more: out of the swap
     * cache, PG_dirty set (the only copy is now in memory). False if the folio is not freeable or
     * its slot is still swapped.
     */
    public boolean folio_free_swap(int page) {
        if (!folio_swapcache_freeable(page)) return false;
        if (swap_entry_swapped(r.mem.privateData()[page])) return false;
        swap_cache_del_folio(page);
        r.mem.flags[page] |= PageFlags.PG_dirty;
        return true;
    }

    /** free_swap_cache(): an unmapped swap cache folio that nobody's entry names leaves the swap cache. */
    public void free_swap_cache(int page) {
        if ((r.mem.flags[page] & PageFlags.PG_swapcache) != 0 && r.mem.mapcountOf(page) == 0) folio_free_swap(page);
    }

    /**
     * free_swap_and_cache_nr(entry, 1): zap dropped a swap entry; if only the swap cache holds the
     * slot now, try to reclaim the cached folio (TTRS_UNMAPPED | TTRS_FULL).
     */
    public void free_swap_and_cache(long offset) {
        if (!check("free_swap_and_cache_nr", offset)) return;
        int u = swap_entry_put_locked((int) offset, 1);
        if (u == SWAP_HAS_CACHE) __try_to_reclaim_swap((int) offset, TTRS_UNMAPPED | TTRS_FULL);
    }

    /**
     * __try_to_reclaim_swap(): free the folio the swap cache holds for a slot no swap entry
     * names, when asked to anyway, or when it is unmapped, or when swap is full; the folio is
     * dirtied and its last reference put (which frees an unmapped folio). Returns 1 when reclaimed,
     * -1 when not, 0 when no folio was cached.
     */
    int __try_to_reclaim_swap(int off, int flags) {
        long pfn = swap_cache_get_folio(off);
        if (pfn < 0) return 0;
        int page = r.mem.idx(pfn);
        int ret = -1;
        boolean need = (flags & TTRS_ANYWAY) != 0 || ((flags & TTRS_UNMAPPED) != 0 && r.mem.mapcountOf(page) == 0)
                || ((flags & TTRS_FULL) != 0 && vm_swap_full());
        if (need && folio_swapcache_freeable(page) && swapMap[off] == SWAP_HAS_CACHE) {
            swap_cache_del_folio(page);
            r.mem.flags[page] |= PageFlags.PG_dirty;
            ret = 1;
        }
        r.folio_put(page);
        return ret;
    }

    // ------------------------------------------------------------------ I/O (mm/page_io.c)

    /**
     * swap_writeout(): write a locked, clean-for-I/O swap cache folio to its slot. A folio whose
     * slot no swap entry names just leaves the swap cache (folio_free_swap()); a zero-filled one is
     * recorded in the zeromap without I/O; otherwise __swap_writepage() starts writeback, which
     * completes at once on a SWP_SYNCHRONOUS_IO device and later (an explicit step) on others.
     */
    void swap_writeout(int page) {
        if (folio_free_swap(page)) return;
        long off = r.mem.privateData()[page];
        long value = r.rmap.contents().getOrDefault(r.mem.pfn(page), 0L);
        if (value == 0) { // is_folio_zero_filled()
            zeromap.set((int) off);
            r.stats.swapZeroFilled++;
            return;
        }
        zeromap.clear((int) off);
        r.stats.pswpout++;
        r.folio_start_writeback(page, value);
        if (synchronousIo) r.folio_end_writeback(page); // swap_writepage_bdev_sync(): __end_swap_bio_write()
    }

    /** The end of a swap write: the slot holds the data written. */
    void end_swap_write(long offset, long value) {
        slotData[(int) offset] = value;
    }

    /** Tests: the slot table as the invariants and diagrams read it. */
    public long[] swapMapCopy() {
        long[] out = new long[max];
        for (int i = 0; i < max; i++) out[i] = swapMap[i];
        return out;
    }

    @Override
    public String toString() {
        return "swap: " + inusePages + "/" + total_swap_pages() + " slots in use" + (synchronousIo ? " (sync)" : "")
                + " map=" + Arrays.toString(swapMapCopy());
    }
}
