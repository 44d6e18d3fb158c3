package org.mmspec.reference.reclaim;

import org.mmspec.reference.page.MemMap;
import org.mmspec.reference.page.PageFlags;

/**
 * mm/workingset.c (Linux v6.18, classic LRU: MGLRU off): the nonresident age of the node's
 * lruvec, the shadow entries eviction leaves in the page cache or swap cache slot of an evicted
 * folio, and the refault distance that decides whether a refaulting folio starts out active.
 *
 * <p>A shadow is the kernel's XArray value entry: {@code xa_mk_value(((eviction & EVICTION_MASK)
 * << MEM_CGROUP_ID_SHIFT | memcgid) << NODES_SHIFT | nid) << WORKINGSET_SHIFT | workingset)}, with
 * memcg disabled (memcgid 0), node 0 and {@code bucket_order} 0 (workingset_init() makes it
 * non-zero only beyond 2^40 pages of RAM).
 */
public final class Workingset {
    public static final int BITS_PER_LONG = 64;
    /** BITS_PER_XA_VALUE: xa values keep the low bit for the tag. */
    public static final int BITS_PER_XA_VALUE = BITS_PER_LONG - 1;
    public static final int WORKINGSET_SHIFT = 1;
    /** CONFIG_NODES_SHIFT of x86-64 with NUMA and without MAXSMP. */
    public static final int NODES_SHIFT = 6;
    public static final int MEM_CGROUP_ID_SHIFT = 16;
    public static final int EVICTION_SHIFT = (BITS_PER_LONG - BITS_PER_XA_VALUE) + WORKINGSET_SHIFT + NODES_SHIFT
            + MEM_CGROUP_ID_SHIFT;
    public static final long EVICTION_MASK = -1L >>> EVICTION_SHIFT;
    /** bucket_order as workingset_init() computes it for less than 2^40 pages of RAM. */
    public static final int BUCKET_ORDER = 0;

    /**
     * Where the nonresident age is advanced: the callers of workingset_age_nonresident() in v6.18.
     * The known bug 6f4e186fae1a (v5.8) is switched on this: before it, only the file LRU drove the
     * age.
     */
    public enum AgeSite { EVICTION, MOVE_FOLIOS_TO_LRU, REFAULT, ACTIVATION }

    private final Reclaim r;

    Workingset(Reclaim r) {
        this.r = r;
    }

    /** pack_shadow(): the xa value entry for an eviction stamp, memcg id, node and workingset bit. */
    public static long pack_shadow(int memcgid, int nid, long eviction, boolean workingset) {
        eviction &= EVICTION_MASK;
        eviction = (eviction << MEM_CGROUP_ID_SHIFT) | memcgid;
        eviction = (eviction << NODES_SHIFT) | nid;
        eviction = (eviction << WORKINGSET_SHIFT) | (workingset ? 1 : 0);
        return xa_mk_value(eviction);
    }

    /** xa_mk_value(): an XArray value entry (low bit set). */
    public static long xa_mk_value(long v) {
        return (v << 1) | 1;
    }

    public static boolean xa_is_value(long entry) {
        return (entry & 1) != 0;
    }

    /** unpack_shadow(): {eviction, memcgid, nid, workingset}. */
    public static long[] unpack_shadow(long shadow) {
        long entry = shadow >>> 1; // xa_to_value()
        long workingset = entry & ((1L << WORKINGSET_SHIFT) - 1);
        entry >>>= WORKINGSET_SHIFT;
        long nid = entry & ((1L << NODES_SHIFT) - 1);
        entry >>>= NODES_SHIFT;
        long memcgid = entry & ((1L << MEM_CGROUP_ID_SHIFT) - 1);
        entry >>>= MEM_CGROUP_ID_SHIFT;
        return new long[] {entry, memcgid, nid, workingset};
    }

    /**
     * workingset_age_nonresident(): the nonresident age advances by nr_pages, and so does the
     * model's LRU event clock (which the known bug does not touch). With the bug
     * {@code nonresident-age-anon} re-created, the age moves only for the file LRU's own evictions
     * and activations, as before 6f4e186fae1a: not for anonymous folios and not for reclaim's
     * putback of active folios.
     */
    void workingset_age_nonresident(int page, long nrPages, AgeSite site) {
        r.lruEventClock += nrPages;
        if (r.bugNonresidentAgeAnon
                && (site == AgeSite.MOVE_FOLIOS_TO_LRU || !Lruvec.folio_is_file_lru(r.mem.flags[page]))) {
            return;
        }
        r.lruvec.nonresidentAge += nrPages;
    }

    /**
     * workingset_eviction(): the shadow of a folio leaving memory: a snapshot of the nonresident
     * age taken before the eviction itself ages it, and whether the folio was part of the
     * workingset (PG_workingset). The folio must be off the LRU, unreferenced and locked.
     */
    long workingset_eviction(int page) {
        MemMap mem = r.mem;
        if ((mem.flags[page] & PageFlags.PG_lru) != 0) {
            r.warnings.warn("workingset_eviction", "VM_BUG_ON_FOLIO(folio_test_lru(folio)) pfn 0x" + Long.toHexString(mem.pfn(page)));
        }
        if (mem.refcount[page] != 0) {
            r.warnings.warn("workingset_eviction", "VM_BUG_ON_FOLIO(folio_ref_count(folio)) pfn 0x"
                    + Long.toHexString(mem.pfn(page)) + " refcount " + mem.refcount[page]);
        }
        long eviction = r.lruvec.nonresidentAge;
        eviction >>>= BUCKET_ORDER;
        r.lastShadowClock = r.lruEventClock;
        workingset_age_nonresident(page, 1, AgeSite.EVICTION);
        r.stats.shadowsStored++;
        return pack_shadow(0, r.node.nodeId, eviction, (mem.flags[page] & PageFlags.PG_workingset) != 0);
    }

    /**
     * workingset_test_recent(): whether the refault distance (the nonresident age now minus the
     * stamp in the shadow, modulo EVICTION_MASK) is at most the workingset size: NR_ACTIVE_FILE,
     * plus NR_INACTIVE_FILE for an anonymous refault, plus, while swap has free slots,
     * NR_ACTIVE_ANON and (for a file refault) NR_INACTIVE_ANON. Returns {recent (0/1), distance,
     * workingset size, workingset bit}.
     */
    long[] workingset_test_recent(long shadow, boolean file) {
        long[] u = unpack_shadow(shadow);
        long eviction = u[0] << BUCKET_ORDER;
        long refault = r.lruvec.nonresidentAge;
        long refaultDistance = (refault - eviction) & EVICTION_MASK;
        Lruvec l = r.lruvec;
        long workingsetSize = l.size(Lruvec.LRU_ACTIVE_FILE);
        if (!file) workingsetSize += l.size(Lruvec.LRU_INACTIVE_FILE);
        if (r.si.get_nr_swap_pages() > 0) { // mem_cgroup_get_nr_swap_pages(NULL)
            workingsetSize += l.size(Lruvec.LRU_ACTIVE_ANON);
            if (file) workingsetSize += l.size(Lruvec.LRU_INACTIVE_ANON);
        }
        return new long[] {Long.compareUnsigned(refaultDistance, workingsetSize) <= 0 ? 1 : 0, refaultDistance,
            workingsetSize, u[3]};
    }

    /**
     * workingset_refault(): a folio that comes back while its shadow is still in the page cache
     * or swap cache slot. WORKINGSET_REFAULT counts it; if its refault distance is within the
     * workingset size it is set active before it joins the LRU (the nonresident age advances,
     * WORKINGSET_ACTIVATE counts it), and if it was part of the workingset when evicted it gets
     * PG_workingset back and its type's reclaim cost grows (lru_note_cost_refault()).
     * {@code shadowClock} is the model's event clock at the eviction (for the trace).
     */
    void workingset_refault(int page, long shadow, long shadowClock) {
        MemMap mem = r.mem;
        boolean file = Lruvec.folio_is_file_lru(mem.flags[page]);
        int type = file ? Lruvec.WORKINGSET_FILE : Lruvec.WORKINGSET_ANON;
        r.lruvec.workingsetRefault[type]++;
        long[] t = workingset_test_recent(shadow, file);
        boolean recent = t[0] == 1;
        r.trace.refault(new ReclaimTrace.Refault(mem.pfn(page), file, t[1], r.lruEventClock - shadowClock, t[2], recent));
        if (!recent) {
            r.stats.refaultsOld++;
            return;
        }
        r.stats.refaultsRecent++;
        mem.flags[page] |= PageFlags.PG_active;
        workingset_age_nonresident(page, 1, AgeSite.REFAULT);
        r.lruvec.workingsetActivate[type]++;
        if (t[3] != 0) {
            mem.flags[page] |= PageFlags.PG_workingset;
            r.swap.lru_note_cost_refault(page);
            r.lruvec.workingsetRestore[type]++;
        }
    }

    /** workingset_activation(): a folio activated by an access ages the nonresident information (memcg off). */
    void workingset_activation(int page) {
        workingset_age_nonresident(page, 1, AgeSite.ACTIVATION);
    }
}
