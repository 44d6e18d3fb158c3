package org.mmspec.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.mmspec.reference.alloc.Gfp;
import org.mmspec.reference.alloc.MachineConfig;
import org.mmspec.reference.alloc.ZoneConfig;
import org.mmspec.reference.alloc.ZoneType;
import org.mmspec.reference.migrate.MigrateMode;
import org.mmspec.reference.reclaim.SwapConfig;
import org.mmspec.reference.rmap.Rmap;

/**
 * Machine.copy() and copyFrom() on a machine that uses every subsystem at once: page cache and
 * anonymous memory on the LRU, swap, compaction enabled, a kernel warning. A copy must carry all
 * of it and then behave as the original does, direct reclaim from the allocator's slow path
 * included (the copy's allocator must be wired to the copy's reclaim, and its rmap must put new
 * folios on the copy's LRU). Written for the mutants PIT found surviving in Machine (README.md,
 * "Mutation testing"): CopyDeterminismTest copies machines that never leave the buddy allocator.
 */
class MachineCopyTest {
    static Machine machine() {
        return new Machine(MachineConfig.of("copy", 6, 3, List.of(ZoneConfig.of(ZoneType.NORMAL, 0, 64)))
                .withMinFreeKbytes(16).withWatermarkScaleFactor(1000).withSwap(SwapConfig.of(32, true)));
    }

    /** Page cache and 40 anonymous pages, then the free pages taken down to min: the next movable allocation must reclaim. */
    static Machine underPressure() {
        Machine m = machine();
        m.enableCompaction();
        Rmap r = m.rmap();
        for (int i = 0; i < 4; i++) m.reclaim().fileWrite(1, i, 100 + i);
        r.mmap(Rmap.INIT_PID, 16, 48);
        for (int i = 0; i < 40; i++) r.access(Rmap.INIT_PID, 16 + i, true, 500 + i);
        while (m.pageAlloc().__alloc_pages(Gfp.GFP_NOWAIT, 0) >= 0) { }
        m.warnings().warn("test", "a warning the state carries");
        return m;
    }

    /** The same operations on both: touch the rest of the mapping, which needs direct reclaim. */
    static void fault(Machine m) {
        for (int i = 40; i < 48; i++) m.rmap().access(Rmap.INIT_PID, 16 + i, true, 500 + i);
    }

    static void assertSameMachine(Machine want, Machine got) {
        assertEquals(want.fingerprint(), got.fingerprint());
        assertEquals(want.warnings().messages(), got.warnings().messages());
        assertEquals(want.compactionEnabled(), got.compactionEnabled());
        assertEquals(want.reclaim().fingerprint(), got.reclaim().fingerprint());
        assertEquals(want.compaction().fingerprint(), got.compaction().fingerprint());
        assertEquals(want.reclaim().stats.pgscanDirect, got.reclaim().stats.pgscanDirect);
        for (int i = 0; i < 48; i++) {
            assertEquals(want.rmap().peek(Rmap.INIT_PID, 16 + i), got.rmap().peek(Rmap.INIT_PID, 16 + i), "page " + (16 + i));
        }
    }

    @Test
    void aCopyCarriesEverySubsystemAndReclaimsLikeTheOriginal() {
        Machine m = underPressure();
        Machine c = m.copy();
        assertTrue(c.compactionEnabled());
        assertTrue(c.warnings().count() > 0, "the warning came along");
        assertSameMachine(m, c);

        long scanned = c.reclaim().stats.pgscanDirect;
        fault(m);
        fault(c);
        assertTrue(c.reclaim().stats.pgscanDirect > scanned, "the copy's slow path went through its own direct reclaim");
        assertSameMachine(m, c);
    }

    @Test
    void copyFromOverwritesEverySubsystem() {
        Machine m = underPressure();
        m.compaction().compact_node(false);
        Machine into = machine();
        into.copyFrom(m);
        assertSameMachine(m, into);
        fault(m);
        fault(into);
        assertSameMachine(m, into);
    }

    /** A stepped compaction run in progress is part of the state copyFrom() overwrites. */
    @Test
    void copyFromTakesTheCompactionRunInProgress() {
        Machine m = machine();
        assertFalse(m.compactionEnabled(), "compaction is off until enabled");
        assertNotNull(m.hooks());
        assertNotNull(m.isolation());
        m.enableCompaction();
        for (int i = 0; i < 64; i += 2) m.pageAlloc().__alloc_pages(Gfp.GFP_HIGHUSER_MOVABLE, 0);
        m.compaction().startRun(m.zone(ZoneType.NORMAL), -1, MigrateMode.MIGRATE_SYNC);
        assertNotNull(m.compaction().current(), "a run in progress");
        Machine into = machine();
        into.copyFrom(m);
        assertNotNull(into.compaction().current());
        assertEquals(m.compaction().fingerprint(), into.compaction().fingerprint());
        assertEquals(m.fingerprint(), into.fingerprint());
    }

    /** Machine.saveState does not write the LRU lists, page cache or swap, nor a compaction run in progress. */
    @Test
    void saveStateRefusesWhatItCannotWrite() {
        Machine withCache = machine();
        withCache.reclaim().fileWrite(1, 0, 7);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> withCache.saveState(x -> { }));
        assertTrue(e.getMessage().contains("LRU lists"), e.getMessage());

        Machine compacting = machine();
        compacting.enableCompaction();
        for (int i = 0; i < 64; i += 2) compacting.pageAlloc().__alloc_pages(Gfp.GFP_HIGHUSER_MOVABLE, 0);
        int started = compacting.compaction().startRun(compacting.zone(ZoneType.NORMAL), -1, MigrateMode.MIGRATE_SYNC);
        if (compacting.compaction().current() != null) {
            IllegalStateException c = assertThrows(IllegalStateException.class, () -> compacting.saveState(x -> { }));
            assertTrue(c.getMessage().contains("compaction run"), c.getMessage());
        } else {
            throw new AssertionError("the run ended at once (" + started + "): no run in progress to refuse");
        }
    }

    /**
     * Distinct states must hash apart (the bounded explorer deduplicates by fingerprint): a
     * hundred states one allocation apart, on a machine whose sysctl values have few bits set.
     */
    @Test
    void distinctStatesHaveDistinctFingerprints() {
        Machine m = new Machine(MachineConfig.of("fp", 6, 3, List.of(ZoneConfig.of(ZoneType.NORMAL, 0, 1024)))
                .withMinFreeKbytes(16));
        Set<Long> seen = new HashSet<>();
        seen.add(m.fingerprint());
        for (int i = 0; i < 100; i++) {
            assertTrue(m.allocPages(Gfp.GFP_KERNEL, 0) >= 0);
            assertTrue(seen.add(m.fingerprint()), "state after " + (i + 1) + " allocations hashed like an earlier one");
        }
    }
}
