package org.mmspec.reference.compaction;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

import org.mmspec.reference.alloc.Zone;
import org.mmspec.reference.migrate.MigrateMode;
import org.mmspec.reference.page.MemMap;

/**
 * {@code struct compact_control} (mm/internal.h, v6.18): one compaction run of one zone. The two
 * lists are the kernel's: {@code freepages[order]} holds the free blocks the free scanner isolated
 * (head pfns; each head keeps its order in page_private), {@code migratepages} the folios the
 * migration scanner isolated, head first as list_add() leaves them.
 *
 * <p>Besides the kernel's fields the model keeps what a steppable compact_zone() needs between
 * rounds (compact_zone()'s locals last_migrated_pfn and update_cached), and what the checks and the
 * diagram read: the round count, the scanner positions when the round began, the folios the round
 * moved (old pfn -&gt; new pfn), and whether a round ended without finishing or moving the
 * migration scanner (a round the kernel would repeat for ever).
 */
public final class CompactControl {
    /** List heads: freepages[order], as ArrayDeques of head pfns (first = list head). */
    public final List<ArrayDeque<Long>> freepages = new ArrayList<>();
    /** The folios isolated for migration, head first. */
    public final List<Long> migratepages = new ArrayList<>();
    public int nr_freepages;
    public int nr_migratepages;
    public long free_pfn;
    public long migrate_pfn;
    public long fast_start_pfn;
    public final Zone zone;
    public long total_migrate_scanned;
    public long total_free_scanned;
    public int fast_search_fail;
    public int search_order;
    public final int gfp_mask;
    /** The order a direct compactor needs; -1 for the whole zone (/proc/sys/vm/compact_memory). */
    public final int order;
    public int migratetype;
    public final int alloc_flags;
    public final int highest_zoneidx;
    public final MigrateMode mode;
    public final boolean ignore_skip_hint;
    public boolean no_set_skip_hint;
    public final boolean ignore_block_suitable;
    public final boolean direct_compaction;
    public final boolean proactive_compaction;
    public boolean whole_zone;
    public boolean contended;
    public boolean finish_pageblock;
    public boolean alloc_contig;

    // compact_zone()'s locals, kept between rounds of a stepped run
    long last_migrated_pfn;
    boolean update_cached;

    // model bookkeeping: the round, where the scanners were, what moved
    /** Rounds run so far (iterations of compact_zone()'s loop body). */
    public int rounds;
    /** The scanner positions when the last round began. */
    public long roundStartMigratePfn = -1;
    public long roundStartFreePfn = -1;
    /** (old pfn, new pfn) of every folio the last round migrated. */
    public final List<long[]> moved = new ArrayList<>();
    /** Every folio the last round isolated for migration, and the free blocks it isolated (head, order). */
    public final List<Long> isolatedThisRound = new ArrayList<>();
    public final List<long[]> freeIsolatedThisRound = new ArrayList<>();
    /** The last round ended with COMPACT_CONTINUE but neither moved the migration scanner nor did anything. */
    public boolean stalled;
    /** The result the run ended with, or -1 while it runs. */
    public int result = -1;
    /** A direct compactor's run stopped because capture_control caught a freed block of its order. */
    public boolean captured;

    public CompactControl(Zone zone, int order, int gfp_mask, int alloc_flags, int highest_zoneidx, MigrateMode mode,
                          boolean ignore_skip_hint, boolean ignore_block_suitable, boolean direct_compaction,
                          boolean proactive_compaction, boolean whole_zone, int nrPageOrders) {
        this.zone = zone;
        this.order = order;
        this.search_order = order;
        this.gfp_mask = gfp_mask;
        this.alloc_flags = alloc_flags;
        this.highest_zoneidx = highest_zoneidx;
        this.mode = mode;
        this.ignore_skip_hint = ignore_skip_hint;
        this.ignore_block_suitable = ignore_block_suitable;
        this.direct_compaction = direct_compaction;
        this.proactive_compaction = proactive_compaction;
        this.whole_zone = whole_zone;
        for (int o = 0; o < nrPageOrders; o++) freepages.add(new ArrayDeque<>());
    }

    /** A deep copy for another machine's zone (same configuration). */
    public CompactControl copyFor(Zone z) {
        CompactControl c = new CompactControl(z, order, gfp_mask, alloc_flags, highest_zoneidx, mode, ignore_skip_hint,
                ignore_block_suitable, direct_compaction, proactive_compaction, whole_zone, freepages.size());
        for (int o = 0; o < freepages.size(); o++) c.freepages.get(o).addAll(freepages.get(o));
        c.migratepages.addAll(migratepages);
        c.nr_freepages = nr_freepages;
        c.nr_migratepages = nr_migratepages;
        c.free_pfn = free_pfn;
        c.migrate_pfn = migrate_pfn;
        c.fast_start_pfn = fast_start_pfn;
        c.total_migrate_scanned = total_migrate_scanned;
        c.total_free_scanned = total_free_scanned;
        c.fast_search_fail = fast_search_fail;
        c.search_order = search_order;
        c.migratetype = migratetype;
        c.no_set_skip_hint = no_set_skip_hint;
        c.contended = contended;
        c.finish_pageblock = finish_pageblock;
        c.alloc_contig = alloc_contig;
        c.last_migrated_pfn = last_migrated_pfn;
        c.update_cached = update_cached;
        c.rounds = rounds;
        c.roundStartMigratePfn = roundStartMigratePfn;
        c.roundStartFreePfn = roundStartFreePfn;
        for (long[] m : moved) c.moved.add(m.clone());
        c.isolatedThisRound.addAll(isolatedThisRound);
        for (long[] m : freeIsolatedThisRound) c.freeIsolatedThisRound.add(m.clone());
        c.stalled = stalled;
        c.result = result;
        c.captured = captured;
        return c;
    }

    /** A 64-bit hash of everything the run's future depends on. */
    public long fingerprint() {
        long h = MemMap.mix(0xC0C0L ^ zone.idx ^ ((long) order << 8) ^ ((long) mode.ordinal() << 16));
        long[] vs = {nr_freepages, nr_migratepages, free_pfn, migrate_pfn, fast_start_pfn, fast_search_fail, search_order,
            migratetype, gfp_mask, alloc_flags, highest_zoneidx, ignore_skip_hint ? 1 : 0, no_set_skip_hint ? 1 : 0,
            ignore_block_suitable ? 1 : 0, direct_compaction ? 1 : 0, proactive_compaction ? 1 : 0,
            whole_zone ? 1 : 0, contended ? 1 : 0,
            finish_pageblock ? 1 : 0, last_migrated_pfn, update_cached ? 1 : 0, rounds, stalled ? 1 : 0, result};
        for (long v : vs) h = MemMap.mix(h ^ v);
        for (int o = 0; o < freepages.size(); o++) {
            for (long p : freepages.get(o)) h = MemMap.mix(h ^ p ^ ((long) o << 48));
        }
        for (long p : migratepages) h = MemMap.mix(h ^ p ^ (1L << 60));
        return h;
    }

    /** Pages held on the freepages lists. */
    public long isolatedFreePages() {
        long n = 0;
        for (int o = 0; o < freepages.size(); o++) n += (long) freepages.get(o).size() << o;
        return n;
    }

    /** The run is /proc/sys/vm/compact_memory's (or proactive): order -1, is_via_compact_memory(). */
    public boolean viaCompactMemory() {
        return order == -1;
    }
}
