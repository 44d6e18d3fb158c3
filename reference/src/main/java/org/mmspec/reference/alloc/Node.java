package org.mmspec.reference.alloc;

import org.mmspec.reference.page.MemMap;
import org.mmspec.reference.page.PageFlags;

/**
 * {@code pg_data_t} (include/linux/mmzone.h, v6.18) for node 0: every zone type (unpopulated
 * ones included, as the kernel keeps them), the mem_map, the zonelist, and the kswapd/kcompactd
 * wakeup state the allocator writes.
 */
public final class Node {
    public final int nodeId = 0;
    public final long nodeStartPfn;
    public final long nodeSpannedPages;
    public final MemMap mem;
    /** The pageblock bitmap (section usemaps), shared by the zones. */
    private final byte[] pageblockFlags;
    private final long[] pageblockWrites = new long[1];
    private final int pageblockOrder;
    public final Zone[] zones = new Zone[ZoneType.MAX_NR_ZONES];
    /**
     * node_zonelists[ZONELIST_FALLBACK] as build_zonerefs_node() builds it: populated zones from
     * the highest index down.
     */
    public final int[] zonelist;
    /** pgdat-&gt;__lruvec: the node's LRU lists (memcg off). */
    public final org.mmspec.reference.reclaim.Lruvec lruvec;
    /** pgdat->nr_zones: one past the highest populated zone. */
    public final int nrZones;

    /**
     * pgdat->kswapd_order and kswapd_highest_zoneidx: 0 at free_area_init_node(); kswapd resets
     * the zone index to MAX_NR_ZONES ("nothing requested") after each run.
     */
    public int kswapdOrder;
    public int kswapdHighestZoneidx;
    /** pgdat->kswapd_failures. */
    public int kswapdFailures;
    /**
     * Whether kswapd was woken and has not yet run: the model's kswapd sleeps until a reclaim
     * step runs it, so wake_up_interruptible(&amp;pgdat-&gt;kswapd_wait) sets this.
     */
    public boolean kswapdWoken;
    public long kswapdWakeups;
    /** wakeup_kcompactd() requests: pgdat->kcompactd_max_order / highest_zoneidx. */
    public int kcompactdMaxOrder;
    public int kcompactdHighestZoneidx;
    public long kcompactdWakeups;

    public Node(MachineConfig config) {
        long align = 1L << config.maxPageOrder();
        this.nodeStartPfn = config.nodeStartPfn();
        this.nodeSpannedPages = config.nodeEndPfn() - nodeStartPfn;
        long base = MachineConfig.floor(nodeStartPfn, align);
        long end = MachineConfig.ceil(config.nodeEndPfn(), align);
        this.mem = new MemMap(base, (int) (end - base));
        this.pageblockFlags = new byte[(int) ((end - base) >> config.pageblockOrder())];
        this.pageblockOrder = config.pageblockOrder();
        int[] zl = new int[ZoneType.MAX_NR_ZONES];
        int n = 0;
        for (ZoneType t : ZoneType.values()) {
            ZoneConfig zc = config.zone(t);
            if (zc == null) {
                zones[t.idx()] = new Zone(mem, pageblockFlags, pageblockWrites, t, 0, 0, 0, config.maxPageOrder(), config.pageblockOrder());
            } else {
                zones[t.idx()] = new Zone(mem, pageblockFlags, pageblockWrites, t, zc.startPfn(), zc.spanned(), zc.present(),
                        config.maxPageOrder(), config.pageblockOrder());
            }
        }
        for (int z = ZoneType.MAX_NR_ZONES - 1; z >= 0; z--) {
            if (zones[z].populated()) zl[n++] = z;
        }
        this.zonelist = java.util.Arrays.copyOf(zl, n);
        this.lruvec = new org.mmspec.reference.reclaim.Lruvec(mem);
        int nrZones = 0;
        for (int z = 0; z < ZoneType.MAX_NR_ZONES; z++) if (zones[z].populated()) nrZones = z + 1;
        this.nrZones = nrZones;
        this.kcompactdHighestZoneidx = nrZones - 1;
        // pfns outside every zone: no memory and no zone (reserved, as init_unavailable_range leaves them)
        java.util.Arrays.fill(mem.flags, PageFlags.PG_reserved | PageFlags.MODEL_NOT_PRESENT
                | (PageFlags.NO_ZONE << PageFlags.ZONE_SHIFT));
    }

    public void copyFrom(Node o) {
        mem.copyFrom(o.mem);
        lruvec.copyFrom(o.lruvec);
        System.arraycopy(o.pageblockFlags, 0, pageblockFlags, 0, pageblockFlags.length);
        pageblockWrites[0] = o.pageblockWrites[0];
        for (int z = 0; z < zones.length; z++) zones[z].copyFrom(o.zones[z]);
        kswapdOrder = o.kswapdOrder;
        kswapdHighestZoneidx = o.kswapdHighestZoneidx;
        kswapdFailures = o.kswapdFailures;
        kswapdWoken = o.kswapdWoken;
        kswapdWakeups = o.kswapdWakeups;
        kcompactdMaxOrder = o.kcompactdMaxOrder;
        kcompactdHighestZoneidx = o.kcompactdHighestZoneidx;
        kcompactdWakeups = o.kcompactdWakeups;
    }

    /** Writes every field {@link #copyFrom} copies, as ints; see MemMap.saveState. */
    public void saveState(java.util.function.IntConsumer out) {
        mem.saveState(out);
        // the lruvec's lists live in the mem_map's list heads; its counters here
        for (long v : lruvec.nrPages) Zone.putLong(out, v);
        for (long[] z : lruvec.zoneLruSize) for (long v : z) Zone.putLong(out, v);
        for (byte b : pageblockFlags) out.accept(b);
        Zone.putLong(out, pageblockWrites[0]);
        for (Zone z : zones) z.saveState(out);
        out.accept(kswapdOrder);
        out.accept(kswapdHighestZoneidx);
        out.accept(kswapdFailures);
        out.accept(kswapdWoken ? 1 : 0);
        Zone.putLong(out, kswapdWakeups);
        out.accept(kcompactdMaxOrder);
        out.accept(kcompactdHighestZoneidx);
        Zone.putLong(out, kcompactdWakeups);
    }

    /** Reads what {@link #saveState} wrote into a node of the same configuration. */
    public void restoreState(java.util.function.IntSupplier in) {
        mem.restoreState(in);
        for (int i = 0; i < lruvec.nrPages.length; i++) lruvec.nrPages[i] = Zone.getLong(in);
        for (long[] z : lruvec.zoneLruSize) for (int i = 0; i < z.length; i++) z[i] = Zone.getLong(in);
        for (int i = 0; i < pageblockFlags.length; i++) pageblockFlags[i] = (byte) in.getAsInt();
        pageblockWrites[0] = Zone.getLong(in);
        for (Zone z : zones) z.restoreState(in);
        kswapdOrder = in.getAsInt();
        kswapdHighestZoneidx = in.getAsInt();
        kswapdFailures = in.getAsInt();
        kswapdWoken = in.getAsInt() != 0;
        kswapdWakeups = Zone.getLong(in);
        kcompactdMaxOrder = in.getAsInt();
        kcompactdHighestZoneidx = in.getAsInt();
        kcompactdWakeups = Zone.getLong(in);
    }

    /** A 64-bit hash of the whole node: mem_map, zones and the kswapd/kcompactd requests. */
    public long fingerprint() {
        long h = mem.fingerprint();
        for (byte b : pageblockFlags) h = MemMap.mix(h ^ b);
        for (Zone z : zones) h = MemMap.mix(h ^ z.fingerprint());
        h = MemMap.mix(h ^ lruvec.fingerprint());
        long[] vs = {kswapdOrder, kswapdHighestZoneidx, kswapdFailures, kswapdWoken ? 1 : 0, kcompactdMaxOrder,
            kcompactdHighestZoneidx};
        for (long v : vs) h = MemMap.mix(h ^ v);
        return h;
    }

    /** The raw pageblock bits (migratetype, PB_compact_skip, PB_migrate_isolate) of the pageblock holding pfn. */
    public int pageblockBits(long pfn) {
        return pageblockFlags[(int) ((pfn - mem.basePfn()) >> pageblockOrder)];
    }

    /**
     * How many times a pageblock's bits changed since boot: observers compare it to notice retypes
     * without scanning (model bookkeeping, no kernel counterpart).
     */
    public long pageblockWrites() {
        return pageblockWrites[0];
    }

    /** Number of pageblocks the mem_map covers; pageblock {@code i} starts at basePfn + i * pageblock_nr_pages. */
    public int nrPageblocks() {
        return pageblockFlags.length;
    }

    public int pageblockOrder() {
        return pageblockOrder;
    }

    public Zone zone(ZoneType t) {
        return zones[t.idx()];
    }

    /** page_zone(): the zone a pfn belongs to, or null for a pfn outside every zone. */
    public Zone pageZone(long pfn) {
        if (!mem.covers(pfn)) return null;
        int z = mem.zoneId(mem.idx(pfn));
        return z == PageFlags.NO_ZONE ? null : zones[z];
    }

    public long nodeEndPfn() {
        return nodeStartPfn + nodeSpannedPages;
    }
}
