package org.mmspec.reference.compaction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;
import org.mmspec.reference.Machine;
import org.mmspec.reference.alloc.Gfp;
import org.mmspec.reference.alloc.KnownBug;
import org.mmspec.reference.alloc.MachineConfig;
import org.mmspec.reference.alloc.PageAlloc;
import org.mmspec.reference.alloc.RejectedOperationException;
import org.mmspec.reference.alloc.SlowpathHooks;
import org.mmspec.reference.alloc.Vmstat;
import org.mmspec.reference.alloc.Zone;
import org.mmspec.reference.alloc.ZoneConfig;
import org.mmspec.reference.alloc.ZoneType;
import org.mmspec.reference.migrate.Contention;
import org.mmspec.reference.migrate.MigrateMode;
import org.mmspec.reference.page.PageFlags;
import org.mmspec.reference.rmap.Pte;
import org.mmspec.reference.rmap.Rmap;

/**
 * Compaction of the reference against what mm/compaction.c (v6.18) does: whole-zone compaction
 * moves every movable page to the top of the zone and frees the bottom in large blocks, preserving
 * contents and mappings; unmovable pages stay; zones that start at pfn 1 work; the stepped run
 * moves its scanners toward each other and ends when they meet; deferral, suitability, direct
 * compaction with capture; and the re-created f2849aa09d4f loops.
 */
class CompactionTest {
    static final long A = 0x100;

    /** 16 pages, MAX_PAGE_ORDER 4, pageblock_order 2, no watermarks. */
    static MachineConfig tiny() {
        return MachineConfig.of("tiny", 4, 2, List.of(ZoneConfig.of(ZoneType.NORMAL, 0, 16))).withMinFreeKbytes(0);
    }

    static Machine machine(MachineConfig c) {
        Machine m = new Machine(c);
        m.enableCompaction();
        return m;
    }

    /** pid 1 maps n pages at A and writes value addr to each: pages come lowest pfn first. */
    static Map<Long, Long> fill(Machine m, int pid, long addr, int n) {
        Rmap r = m.rmap();
        assertEquals(addr, r.mmap(pid, addr, n));
        Map<Long, Long> pfnOf = new TreeMap<>();
        for (long a = addr; a < addr + n; a++) {
            Rmap.Access acc = r.access(pid, a, true, a);
            assertEquals(Rmap.AccessKind.ANON_PAGE, acc.kind(), "page " + a);
            pfnOf.put(a, acc.pfn());
        }
        return pfnOf;
    }

    /** What each process reads at each mapped page: the spec's view, which compaction must not change. */
    static Map<String, Long> view(Machine m) {
        Map<String, Long> v = new TreeMap<>();
        Rmap r = m.rmap();
        for (var mm : r.tasks().values()) {
            for (var e : mm.pageTable().entrySet()) v.put(mm.pid + "@" + e.getKey(), r.peek(mm.pid, e.getKey()));
        }
        return v;
    }

    /** Two processes fault pages alternately over the whole zone; the second exits: every other page is free. */
    static Machine interleaved(MachineConfig c, long pages) {
        return interleaved(c, pages, true);
    }

    /**
     * As {@link #interleaved(MachineConfig, long)}; {@code parentFirst} false lets the exiting
     * child fault first, so the free pages are the even ones (the first page of every pageblock).
     */
    static Machine interleaved(MachineConfig c, long pages, boolean parentFirst) {
        Machine m = machine(c);
        Rmap r = m.rmap();
        int child = r.fork(1, 0);
        r.mmap(1, A, pages);
        r.mmap(child, A, pages);
        for (long i = 0; i < pages; i++) {
            Rmap.Access b = parentFirst ? null : r.access(child, A + i, true, 2000 + i);
            Rmap.Access a = r.access(1, A + i, true, 1000 + i);
            if (parentFirst) b = r.access(child, A + i, true, 2000 + i);
            if (a.kind() == Rmap.AccessKind.OOM || b.kind() == Rmap.AccessKind.OOM) break;
        }
        r.exit(child);
        return m;
    }

    static long lruAnonPagesBelow(Machine m, long pfn) {
        long n = 0;
        for (long p : m.rmap().contents().keySet()) if (p < pfn) n++;
        return n;
    }

    @Test
    void wholeZoneCompactionMovesEveryMovablePageUpAndFreesTheBottomInLargeBlocks() {
        Machine m = interleaved(tiny().withName("t64").withZones(List.of(ZoneConfig.of(ZoneType.NORMAL, 0, 64))), 32);
        Zone z = m.zone(ZoneType.NORMAL);
        Map<String, Long> before = view(m);
        long free = z.nrFreePages;
        int anon = m.rmap().contents().size();
        assertTrue(anon >= 24, "set-up: " + anon + " anonymous pages");
        assertEquals(0, z.nrFree[4], "set-up: fragmented, no free block of order 4");
        m.compaction().compact_nodes();
        assertEquals(before, view(m), "contents and mappings are preserved");
        assertEquals(free, z.nrFreePages, "compaction frees nothing that was allocated and allocates nothing free");
        assertEquals(anon, m.rmap().contents().size());
        assertTrue(z.nrFree[4] + z.nrFree[3] > 0, "free pages merged into large blocks: " + java.util.Arrays.toString(z.nrFree));
        assertEquals(0, m.warnings().count(), m.warnings().messages().toString());
        assertEquals(0, m.rmap().warnings().count(), m.rmap().warnings().messages().toString());
        assertEquals(0, m.compaction().events.livelocks);
        assertEquals(1, m.compaction().events.results[SlowpathHooks.COMPACT_COMPLETE]);
        assertTrue(m.migrate().events.moved > 0);
        assertTrue(Vmstat.unusable_free_index(z, 3) < 1000);
        for (long pfn : m.rmap().contents().keySet()) {
            assertEquals(1, m.mem().refcount[m.mem().idx(pfn)], "pfn 0x" + Long.toHexString(pfn) + " refcount");
            assertTrue((m.mem().flags[m.mem().idx(pfn)] & PageFlags.PG_lru) != 0, "migrated pages are back on the LRU");
        }
    }

    @Test
    void unmovableKernelPagesNeverMove() {
        Machine m = interleaved(tiny().withName("t64").withZones(List.of(ZoneConfig.of(ZoneType.NORMAL, 0, 64))), 16);
        long k = m.allocPages(Gfp.GFP_KERNEL, 0);
        long k2 = m.allocPages(Gfp.GFP_KERNEL, 1);
        assertTrue(k >= 0 && k2 >= 0);
        m.compaction().compact_nodes();
        int p = m.mem().idx(k);
        assertTrue((m.mem().flags[p] & PageFlags.MODEL_ALLOC_HEAD) != 0, "the kernel page is still allocated where it was");
        m.freePages(k, 0);
        m.freePages(k2, 1);
    }

    @Test
    void aZoneThatStartsAtPfn1IsCompactedFromItsFirstPage() {
        MachineConfig c = MachineConfig.of("dma1", 5, 3, List.of(ZoneConfig.of(ZoneType.DMA, 0x1, 0x3f))).withMinFreeKbytes(0);
        Machine m = interleaved(c, 31);
        Zone z = m.zone(ZoneType.DMA);
        assertEquals(1, z.zoneStartPfn);
        Map<String, Long> before = view(m);
        long free = z.nrFreePages;
        assertTrue(m.rmap().contents().containsKey(1L), "set-up: pfn 1 holds an anonymous page");
        CompactControl cc = m.compaction().newControl(z, -1, MigrateMode.MIGRATE_SYNC);
        assertEquals(SlowpathHooks.COMPACT_CONTINUE, m.compaction().compact_zone_begin(cc));
        assertEquals(1, cc.migrate_pfn, "the migration scanner starts at zone_start_pfn, inside pageblock 0");
        assertEquals(0x38, cc.free_pfn, "the free scanner starts at pageblock_start_pfn(zone_end_pfn - 1)");
        int ret;
        do {
            long mp = cc.migrate_pfn;
            ret = m.compaction().compact_zone_round(cc, null);
            assertTrue(cc.migrate_pfn >= mp, "the migration scanner never goes back");
            assertTrue(cc.migrate_pfn >= z.zoneStartPfn && cc.free_pfn <= z.zoneEndPfn());
        } while (ret == SlowpathHooks.COMPACT_CONTINUE);
        assertEquals(SlowpathHooks.COMPACT_COMPLETE, ret);
        assertEquals(before, view(m));
        assertEquals(free, z.nrFreePages);
        assertFalse(m.rmap().contents().containsKey(1L), "the page at pfn 1 moved up");
        assertEquals(0, m.warnings().count(), m.warnings().messages().toString());
    }

    /**
     * The layout where the free scanner stops in the middle of the top pageblock (it needs one
     * page and finds it at 0xd) and the migration scanner then reaches that pageblock's start:
     * pages at 0x0, 0xc, 0xe, 0xf; everything else free.
     */
    static Machine midBlockStop(MachineConfig c) {
        Machine m = machine(c);
        Map<Long, Long> pfnOf = fill(m, 1, A, 16);
        for (long a = A; a < A + 16; a++) assertEquals(a - A, pfnOf.get(a), "pages come lowest pfn first");
        Rmap r = m.rmap();
        r.munmap(1, A + 1, 11); // pfns 0x1..0xb
        r.munmap(1, A + 13, 1); // pfn 0xd
        return m;
    }

    @Test
    void theFreeScannerStoppingMidPageblockEndsTheRunWhenTheScannersShareIt() {
        Machine m = midBlockStop(tiny());
        Compaction c = m.compaction();
        Zone z = m.zone(ZoneType.NORMAL);
        assertEquals(SlowpathHooks.COMPACT_CONTINUE, c.startRun(z, -1, MigrateMode.MIGRATE_SYNC));
        assertEquals(SlowpathHooks.COMPACT_CONTINUE, c.stepRun(Contention.NONE));
        CompactControl cc = c.current();
        assertEquals(0xe, cc.free_pfn, "isolated 0xd, enough for one folio: stopped mid-pageblock");
        assertEquals(4, cc.migrate_pfn);
        assertEquals(List.of(0L), List.of(cc.moved.get(0)[0]));
        assertEquals(0xd, cc.moved.get(0)[1]);
        assertEquals(SlowpathHooks.COMPACT_CONTINUE, c.stepRun(Contention.NONE));
        assertEquals(8, c.current().migrate_pfn);
        assertEquals(SlowpathHooks.COMPACT_COMPLETE, c.stepRun(Contention.NONE), "0xe >> 2 == 0xc >> 2: the scanners met");
        assertNull(c.current());
        assertEquals(0, c.events.livelocks);
    }

    @Test
    void withTheRawPfnComparisonTheRunNeverEnds() {
        Machine m = midBlockStop(tiny().withKnownBugs(List.of(KnownBug.SCANNERS_MET.bugName())));
        Compaction c = m.compaction();
        Zone z = m.zone(ZoneType.NORMAL);
        c.startRun(z, -1, MigrateMode.MIGRATE_SYNC);
        c.stepRun(Contention.NONE);
        c.stepRun(Contention.NONE);
        assertEquals(SlowpathHooks.COMPACT_CONTINUE, c.stepRun(Contention.NONE), "0xe <= 0xc is false: not met");
        CompactControl cc = c.current();
        assertEquals(0xc, cc.migrate_pfn);
        assertFalse(cc.stalled, "this round moved the migration scanner to 0xc");
        long fp = m.fingerprint();
        assertEquals(SlowpathHooks.COMPACT_CONTINUE, c.stepRun(Contention.NONE));
        assertTrue(cc.stalled, "a round that changed nothing and did not finish");
        assertEquals(0xc, cc.migrate_pfn);
        assertEquals(0xe, cc.free_pfn);
        assertNotEquals(fp, m.fingerprint(), "only the model's round counter moved");

        Machine whole = midBlockStop(tiny().withKnownBugs(List.of(KnownBug.SCANNERS_MET.bugName())));
        whole.compaction().compact_nodes();
        assertEquals(1, whole.compaction().events.livelocks, "compact_zone() stops the endless loop and records it");
        assertTrue(whole.compaction().events.livelock.contains("migrate_pfn 0xc, free_pfn 0xe"), whole.compaction().events.livelock);
    }

    @Test
    void deferralFollowsTheKernelsCounters() {
        Machine m = machine(tiny());
        Compaction c = m.compaction();
        Zone z = m.zone(ZoneType.NORMAL);
        assertFalse(c.compaction_deferred(z, 3), "never deferred before a failure");
        c.defer_compaction(z, 3);
        assertEquals(1, z.compactDeferShift);
        assertEquals(0, z.compactOrderFailed, "order_failed only goes down (it starts at 0)");
        assertTrue(c.compaction_deferred(z, 3), "1 << 1 = 2: the first attempt is skipped");
        assertFalse(c.compaction_deferred(z, 3));
        for (int i = 0; i < 10; i++) c.defer_compaction(z, 3);
        assertEquals(Compaction.COMPACT_MAX_DEFER_SHIFT, z.compactDeferShift);
        int skipped = 0;
        while (c.compaction_deferred(z, 3)) skipped++;
        assertEquals(63, skipped, "at most 64 attempts skipped");
        assertTrue(c.compaction_restarting(z, 3));
        c.compaction_defer_reset(z, 3, true);
        assertEquals(0, z.compactDeferShift);
        assertEquals(4, z.compactOrderFailed);
        assertFalse(c.compaction_deferred(z, 2), "orders below compact_order_failed are never deferred");
    }

    @Test
    void compactionSuitableNeedsTheGapAndACostlyOrderNeedsFragmentation() {
        Machine m = interleaved(MachineConfig.of("n256", 6, 3, List.of(ZoneConfig.of(ZoneType.NORMAL, 0, 256)))
                .withMinFreeKbytes(16), 128);
        Compaction c = m.compaction();
        Zone z = m.zone(ZoneType.NORMAL);
        long min = z.minWmarkPages();
        assertTrue(c.__compaction_suitable(z, 2, min, 2, min + Compaction.compact_gap(2) + 1));
        assertFalse(c.__compaction_suitable(z, 2, min, 2, min + Compaction.compact_gap(2)), "free must exceed mark + gap");
        int fi = Vmstat.fragmentation_index(z, 4);
        assertTrue(fi > c.sysctl_extfrag_threshold, "every other page free: failure from fragmentation (index " + fi + ")");
        assertTrue(c.compaction_suitable(z, 4, min, 2));
        c.sysctl_extfrag_threshold = 1000;
        assertFalse(c.compaction_suitable(z, 4, min, 2), "the fragmentation-index veto for costly orders");
        assertTrue(c.compaction_suitable(z, 3, min, 2), "no veto below PAGE_ALLOC_COSTLY_ORDER + 1");
    }

    @Test
    void directCompactionFromTheSlowPathCapturesOrFindsTheBlock() {
        MachineConfig cfg = MachineConfig.of("n256", 6, 3, List.of(ZoneConfig.of(ZoneType.NORMAL, 0, 256))).withMinFreeKbytes(8);
        // the child faults first: the free pages after its exit are the even ones, where async
        // isolate_freepages_block()'s stride of COMPACT_CLUSTER_MAX looks first in each pageblock
        Machine m = interleaved(cfg, 128, false);
        Zone z = m.zone(ZoneType.NORMAL);
        Map<String, Long> before = view(m);
        assertEquals(0, z.nrFree[4] + z.nrFree[5] + z.nrFree[6], "set-up: no free block of order 4");
        long pfn = m.allocPages(Gfp.GFP_HIGHUSER_MOVABLE, 4);
        assertTrue(pfn >= 0, "the costly movable allocation succeeds after async direct compaction");
        assertEquals(before, view(m));
        assertTrue(m.compaction().events.compactStall > 0);
        assertEquals(1, m.compaction().events.compactSuccess);
        assertEquals(0, m.warnings().count(), m.warnings().messages().toString());
        assertEquals(0, z.compactDeferShift);
    }

    @Test
    void aLockedFolioWaitsInSyncModesAndFailsInAsync() {
        Machine m = machine(tiny().withName("t64").withZones(List.of(ZoneConfig.of(ZoneType.NORMAL, 0, 64))));
        Map<Long, Long> pfnOf = fill(m, 1, A, 4);
        long src = pfnOf.get(A);
        Machine async = m.copy();
        List<Long> from = new ArrayList<>();
        from.add(src);
        m.node().lruvec.folio_isolate_lru(src);
        var mig = m.migrate();
        mig.setContention(new Contention(src, -1));
        int[] ok = new int[1];
        PageAlloc pa = m.pageAlloc();
        int rc = mig.migrate_pages(from, s -> pa.__alloc_pages(Gfp.GFP_HIGHUSER_MOVABLE, 0), null,
                MigrateMode.MIGRATE_SYNC_LIGHT, org.mmspec.reference.migrate.MigrateReason.MR_SYSCALL, ok);
        assertEquals(0, rc);
        assertEquals(1, ok[0], "sync-light sleeps in folio_lock() until the holder lets go");
        assertTrue(from.isEmpty());
        assertEquals(A, m.rmap().peek(1, A), "the content moved with the page");

        List<Long> from2 = new ArrayList<>();
        from2.add(src);
        async.node().lruvec.folio_isolate_lru(src);
        async.migrate().setContention(new Contention(src, -1));
        PageAlloc pb = async.pageAlloc();
        rc = async.migrate().migrate_pages(from2, s -> pb.__alloc_pages(Gfp.GFP_HIGHUSER_MOVABLE, 0), null,
                MigrateMode.MIGRATE_ASYNC, org.mmspec.reference.migrate.MigrateReason.MR_SYSCALL, ok);
        assertEquals(1, rc, "one folio not migrated after NR_MAX_MIGRATE_PAGES_RETRY passes");
        assertEquals(List.of(src), from2, "it is left on the list for putback_movable_pages()");
        assertEquals(Migrate_EAGAIN_PASSES, async.migrate().events.unmapRetries);
        async.migrate().putback_movable_pages(from2);
        assertTrue(Pte.normal(async.rmap().task(1).pageTable().get(A)), "the PTE is back: remove_migration_ptes(src, src)");
        assertEquals(0, async.rmap().warnings().count(), async.rmap().warnings().messages().toString());
    }

    static final long Migrate_EAGAIN_PASSES = org.mmspec.reference.migrate.Migrate.NR_MAX_MIGRATE_PAGES_RETRY;

    @Test
    void aSecondSteppedRunIsRejectedAndChangesNothing() {
        Machine m = midBlockStop(tiny());
        Compaction c = m.compaction();
        c.startRun(m.zone(ZoneType.NORMAL), -1, MigrateMode.MIGRATE_SYNC);
        long fp = m.fingerprint();
        assertThrows(RejectedOperationException.class, () -> c.startRun(m.zone(ZoneType.NORMAL), -1, MigrateMode.MIGRATE_SYNC));
        assertEquals(fp, m.fingerprint());
        Machine copy = m.copy();
        assertEquals(m.fingerprint(), copy.fingerprint(), "a copy carries the run in progress");
        assertEquals(c.stepRun(Contention.NONE), copy.compaction().stepRun(Contention.NONE));
        assertEquals(m.fingerprint(), copy.fingerprint());
    }
}
