package org.mmspec.reference.alloc;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the allocator did, counted the way vmstat and the tracepoints would show it: allocations
 * by order and migratetype, fallbacks by (start, fallback) type and kind (claim or steal, as
 * mm_page_alloc_extfrag reports them), merges and merges refused by migratetype, boosts,
 * highatomic reserve changes, isolation, failures. The explorers report these as the situations a
 * run covered.
 */
public final class AllocStats {
    public final long[] allocByOrder;
    public final long[] failByOrder;
    public final long[] freeByOrder;
    public final long[] allocByMigratetype = new long[MigrateType.MIGRATE_TYPES];
    /** [start_mt][fallback_mt] for __rmqueue_claim and __rmqueue_steal. */
    public final long[][] fallbackClaim = new long[MigrateType.MIGRATE_PCPTYPES][MigrateType.MIGRATE_TYPES];
    public final long[][] fallbackSteal = new long[MigrateType.MIGRATE_PCPTYPES][MigrateType.MIGRATE_TYPES];
    public long merges;
    public long mergesRefusedMigratetype;
    public long watermarkBoosts;
    public long boostedFlagSet;
    public long kswapdWakeups;
    public long highatomicReserved;
    public long highatomicUnreserved;
    public long isolated;
    public long isolateRefused;
    public long unisolated;
    public long slowpath;
    public long outOfMemory;
    public long nofailStuck;
    /**
     * Requests without __GFP_FS (GFP_NOFS, GFP_NOIO) that reached the OOM point: out_of_memory()
     * reports progress without a victim for them, so the kernel retries for ever.
     */
    public long noFsOomRetry;
    public long cmaBalanced;

    public AllocStats(int nrOrders) {
        allocByOrder = new long[nrOrders];
        failByOrder = new long[nrOrders];
        freeByOrder = new long[nrOrders];
    }

    public void copyFrom(AllocStats o) {
        System.arraycopy(o.allocByOrder, 0, allocByOrder, 0, allocByOrder.length);
        System.arraycopy(o.failByOrder, 0, failByOrder, 0, failByOrder.length);
        System.arraycopy(o.freeByOrder, 0, freeByOrder, 0, freeByOrder.length);
        System.arraycopy(o.allocByMigratetype, 0, allocByMigratetype, 0, allocByMigratetype.length);
        for (int i = 0; i < fallbackClaim.length; i++) {
            System.arraycopy(o.fallbackClaim[i], 0, fallbackClaim[i], 0, fallbackClaim[i].length);
            System.arraycopy(o.fallbackSteal[i], 0, fallbackSteal[i], 0, fallbackSteal[i].length);
        }
        merges = o.merges;
        mergesRefusedMigratetype = o.mergesRefusedMigratetype;
        watermarkBoosts = o.watermarkBoosts;
        boostedFlagSet = o.boostedFlagSet;
        kswapdWakeups = o.kswapdWakeups;
        highatomicReserved = o.highatomicReserved;
        highatomicUnreserved = o.highatomicUnreserved;
        isolated = o.isolated;
        isolateRefused = o.isolateRefused;
        unisolated = o.unisolated;
        slowpath = o.slowpath;
        outOfMemory = o.outOfMemory;
        nofailStuck = o.nofailStuck;
        noFsOomRetry = o.noFsOomRetry;
        cmaBalanced = o.cmaBalanced;
    }

    /** Adds every counter of {@code o} to this one. */
    public void add(AllocStats o) {
        for (int i = 0; i < allocByOrder.length && i < o.allocByOrder.length; i++) {
            allocByOrder[i] += o.allocByOrder[i];
            failByOrder[i] += o.failByOrder[i];
            freeByOrder[i] += o.freeByOrder[i];
        }
        for (int i = 0; i < allocByMigratetype.length; i++) allocByMigratetype[i] += o.allocByMigratetype[i];
        for (int i = 0; i < fallbackClaim.length; i++) {
            for (int j = 0; j < fallbackClaim[i].length; j++) {
                fallbackClaim[i][j] += o.fallbackClaim[i][j];
                fallbackSteal[i][j] += o.fallbackSteal[i][j];
            }
        }
        merges += o.merges;
        mergesRefusedMigratetype += o.mergesRefusedMigratetype;
        watermarkBoosts += o.watermarkBoosts;
        boostedFlagSet += o.boostedFlagSet;
        kswapdWakeups += o.kswapdWakeups;
        highatomicReserved += o.highatomicReserved;
        highatomicUnreserved += o.highatomicUnreserved;
        isolated += o.isolated;
        isolateRefused += o.isolateRefused;
        unisolated += o.unisolated;
        slowpath += o.slowpath;
        outOfMemory += o.outOfMemory;
        nofailStuck += o.nofailStuck;
        noFsOomRetry += o.noFsOomRetry;
        cmaBalanced += o.cmaBalanced;
    }

    /** The counters as named figures, in a fixed order, zeros included (so merged maps keep the order). */
    public Map<String, Long> figures() {
        Map<String, Long> m = new LinkedHashMap<>();
        for (int o = 0; o < allocByOrder.length; o++) put(m, "alloc order " + o, allocByOrder[o]);
        for (int o = 0; o < failByOrder.length; o++) put(m, "alloc failed order " + o, failByOrder[o]);
        for (int o = 0; o < freeByOrder.length; o++) put(m, "free order " + o, freeByOrder[o]);
        for (int mt = 0; mt < allocByMigratetype.length; mt++) {
            put(m, "alloc " + MigrateType.name(mt), allocByMigratetype[mt]);
        }
        for (int s = 0; s < fallbackClaim.length; s++) {
            for (int f = 0; f < fallbackClaim[s].length; f++) {
                put(m, "fallback claim " + MigrateType.name(s) + "<-" + MigrateType.name(f), fallbackClaim[s][f]);
                put(m, "fallback steal " + MigrateType.name(s) + "<-" + MigrateType.name(f), fallbackSteal[s][f]);
            }
        }
        put(m, "merges", merges);
        put(m, "merges refused (migratetype)", mergesRefusedMigratetype);
        put(m, "watermark boosts", watermarkBoosts);
        put(m, "ZONE_BOOSTED_WATERMARK set", boostedFlagSet);
        put(m, "kswapd wakeups", kswapdWakeups);
        put(m, "highatomic pageblocks reserved", highatomicReserved);
        put(m, "highatomic pageblocks unreserved", highatomicUnreserved);
        put(m, "pageblocks isolated", isolated);
        put(m, "isolation refused", isolateRefused);
        put(m, "pageblocks unisolated", unisolated);
        put(m, "slowpath entries", slowpath);
        put(m, "out_of_memory (no victim)", outOfMemory);
        put(m, "__GFP_NOFAIL would loop", nofailStuck);
        put(m, "no __GFP_FS at OOM, would loop", noFsOomRetry);
        put(m, "CMA balancing", cmaBalanced);
        return m;
    }

    private static void put(Map<String, Long> m, String k, long v) {
        m.put(k, v);
    }
}
