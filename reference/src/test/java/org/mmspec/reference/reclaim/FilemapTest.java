package org.mmspec.reference.reclaim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;
import org.mmspec.reference.Machine;
import org.mmspec.reference.alloc.Gfp;
import org.mmspec.reference.alloc.RejectedOperationException;
import org.mmspec.reference.alloc.ZoneType;
import org.mmspec.reference.page.MemMap;
import org.mmspec.reference.page.PageFlags;

/**
 * The page cache of mm/filemap.c (v6.18) as the model keeps it: argument checks, what read(2)
 * and write(2) of one page do to i_pages and the counters, filemap_add_folio() and
 * __filemap_remove_folio() with their VM_BUG_ON/WARN states, the flusher's writeback of dirty
 * folios, the end of writeback, and the page cache's fingerprint and copy.
 */
class FilemapTest {
    static Filemap.AddressSpace as(Filemap f, int ino) {
        return f.mappings.computeIfAbsent(ino, Filemap.AddressSpace::new);
    }

    static Machine machine() {
        return ReclaimTest.machine(128, SwapConfig.NONE);
    }

    /** The model's argument checks: inodes 1..MAX_INO (EBADF), indexes 0..MAX_INDEX - 1 (EINVAL), for read, write and writeback. */
    @Test
    void argumentBounds() {
        Reclaim rc = machine().reclaim();
        assertThrows(RejectedOperationException.class, () -> rc.fileRead(0, 0));
        assertThrows(RejectedOperationException.class, () -> rc.fileRead(Filemap.MAX_INO + 1, 0));
        assertThrows(RejectedOperationException.class, () -> rc.fileRead(1, -1));
        assertThrows(RejectedOperationException.class, () -> rc.fileRead(1, Filemap.MAX_INDEX));
        assertThrows(RejectedOperationException.class, () -> rc.fileWrite(0, 0, 1));
        assertThrows(RejectedOperationException.class, () -> rc.flush(0));
        assertThrows(RejectedOperationException.class, () -> rc.flush(Filemap.MAX_INO + 1));
        assertEquals(Filemap.Kind.MISS, rc.fileRead(Filemap.MAX_INO, Filemap.MAX_INDEX - 1).kind());
        assertEquals(Filemap.Kind.MISS, rc.fileRead(1, 0).kind());
        assertEquals(0, rc.flush(Filemap.MAX_INO), "a clean file: nothing to write");
    }

    /**
     * filemap_read(): a miss allocates a folio, adds it to i_pages with the disk's data and
     * PG_uptodate; a hit takes and puts a reference; a miss where a shadow was is a refault
     * (workingset_refault(), the shadow gone). The counters move by one each.
     */
    @Test
    void readsHitMissAndRefault() {
        Machine m = machine();
        Reclaim rc = m.reclaim();
        Filemap f = rc.filemap();
        MemMap mem = m.mem();
        assertTrue(f.files().isEmpty());
        assertTrue(f.folios(3).isEmpty());
        assertTrue(f.disk(3).isEmpty());
        assertTrue(f.shadows(3).isEmpty());
        assertEquals(0, f.peek(3, 0), "an unknown file reads zeros");
        as(f, 3).disk.put(5L, 55L);
        assertEquals(55, f.peek(3, 5), "not cached: the disk");
        Filemap.Io miss = rc.fileRead(3, 5);
        assertEquals(Filemap.Kind.MISS, miss.kind());
        assertEquals(55, miss.value());
        assertEquals(Set.of(3), f.files());
        assertEquals(miss.pfn(), (long) f.folios(3).get(5L));
        assertEquals(55, (long) f.contents().get(miss.pfn()));
        int page = mem.idx(miss.pfn());
        assertEquals(3 << 1, mem.mappingOf(page));
        assertEquals(5, mem.indexOf(page));
        assertTrue((mem.flags[page] & PageFlags.PG_uptodate) != 0);
        assertEquals(1, mem.refcount[page], "the page cache's reference only");
        assertEquals(1, rc.stats.filemapReads);
        assertEquals(1, rc.stats.filemapMisses);
        assertEquals(0, rc.stats.filemapHits);
        f.content.put(miss.pfn(), 66L); // the cache, not the disk, answers now
        assertEquals(66, f.peek(3, 5));
        Filemap.Io hit = rc.fileRead(3, 5);
        assertEquals(new Filemap.Io(Filemap.Kind.HIT, miss.pfn(), 66), hit);
        assertEquals(1, mem.refcount[page]);
        assertEquals(2, rc.stats.filemapReads);
        assertEquals(1, rc.stats.filemapMisses);
        assertEquals(1, rc.stats.filemapHits);
        // a shadow at the index: the miss is a refault
        ReclaimCorruption.putFileShadow(rc, 3, 9, Workingset.pack_shadow(0, 0, rc.lruvec().nonresidentAge, false));
        Filemap.Io ref = rc.fileRead(3, 9);
        assertEquals(Filemap.Kind.REFAULT, ref.kind());
        assertEquals(0, ref.value(), "a hole reads zeros");
        assertFalse(f.shadows(3).containsKey(9L));
        assertEquals(2, rc.stats.filemapMisses);
    }

    /**
     * generic_perform_write() of a whole page: a new folio (no refault for a shadow: __GFP_WRITE)
     * or the cached one, the data copied, PG_uptodate and PG_dirty, no access marking.
     */
    @Test
    void writesDirtyTheFolio() {
        Machine m = machine();
        Reclaim rc = m.reclaim();
        Filemap f = rc.filemap();
        MemMap mem = m.mem();
        ReclaimCorruption.putFileShadow(rc, 4, 1, Workingset.pack_shadow(0, 0, rc.lruvec().nonresidentAge, false));
        long refaults = rc.stats.refaultsRecent + rc.stats.refaultsOld;
        Filemap.Io w = rc.fileWrite(4, 1, 77);
        assertEquals(new Filemap.Io(Filemap.Kind.MISS, w.pfn(), 77), w);
        assertFalse(f.shadows(4).containsKey(1L), "the shadow is dropped");
        assertEquals(refaults, rc.stats.refaultsRecent + rc.stats.refaultsOld, "without a refault");
        int page = mem.idx(w.pfn());
        assertTrue((mem.flags[page] & PageFlags.PG_dirty) != 0);
        assertTrue((mem.flags[page] & PageFlags.PG_uptodate) != 0);
        assertEquals(0, mem.flags[page] & PageFlags.PG_referenced, "writes do not mark the folio accessed");
        assertEquals(1, mem.refcount[page]);
        assertEquals(1, rc.stats.filemapWrites);
        Filemap.Io again = rc.fileWrite(4, 1, 78);
        assertEquals(new Filemap.Io(Filemap.Kind.HIT, w.pfn(), 78), again);
        assertEquals(78, f.peek(4, 1));
        assertEquals(1, mem.refcount[page]);
        assertEquals(2, rc.stats.filemapWrites);
        ReclaimTest.noWarnings(m);
    }

    /**
     * The flusher (write_cache_pages()): dirty folios not under writeback are cleaned for I/O and
     * put under writeback with their data; clean ones and ones already under writeback are
     * skipped; the end of the write puts the data on disk (folio_end_writeback()).
     */
    @Test
    void writebackOfDirtyFolios() {
        Machine m = machine();
        Reclaim rc = m.reclaim();
        Filemap f = rc.filemap();
        MemMap mem = m.mem();
        assertEquals(0, rc.flush(8), "no such file");
        assertEquals(0, rc.stats.flusherRuns, "no address_space: no run");
        long runs = rc.stats.flusherRuns;
        rc.fileRead(5, 0); // clean
        long dirty = rc.fileWrite(5, 1, 11).pfn();
        long dirty2 = rc.fileWrite(5, 2, 12).pfn();
        assertEquals(2, rc.flush(5));
        assertEquals(runs + 1, rc.stats.flusherRuns);
        assertEquals(List.of(dirty, dirty2).stream().sorted().toList(), new ArrayList<>(rc.underWriteback().keySet()));
        assertEquals(0, mem.flags[mem.idx(dirty)] & PageFlags.PG_dirty, "folio_clear_dirty_for_io()");
        // dirtied again while under writeback: skipped this time
        rc.fileWrite(5, 1, 13);
        assertEquals(0, rc.flush(5));
        assertEquals(11, (long) rc.underWriteback().get(dirty), "the I/O writes what was captured");
        long completed = rc.stats.writebackCompleted;
        rc.writeback_end(dirty);
        assertEquals(11, (long) f.disk(5).get(1L));
        assertEquals(completed + 1, rc.stats.writebackCompleted);
        assertEquals(0, mem.flags[mem.idx(dirty)] & PageFlags.PG_writeback);
        assertEquals(13, f.peek(5, 1), "the cache holds the newer data");
        assertEquals(1, rc.flush(5), "now the redirtied folio is written");
        ReclaimTest.drainWriteback(rc);
        assertEquals(13, (long) f.disk(5).get(1L));
        assertEquals(12, (long) f.disk(5).get(2L));
        ReclaimTest.noWarnings(m);
    }

    /**
     * folio_end_writeback(): VM_BUG_ON_FOLIO(!folio_test_writeback(folio)) for a folio whose
     * PG_writeback is gone; a folio reclaim marked PG_reclaim loses it and is rotated to the tail
     * of its inactive list (folio_rotate_reclaimable()).
     */
    @Test
    void endOfWritebackRotatesReclaimFolios() {
        Machine m = machine();
        Reclaim rc = m.reclaim();
        MemMap mem = m.mem();
        long a = rc.fileWrite(6, 0, 1).pfn();
        long b = rc.fileWrite(6, 1, 2).pfn();
        rc.fileWrite(6, 2, 3);
        rc.flush(6);
        int pa = mem.idx(a);
        // mark a clean too, as reclaim would only rotate a clean one
        mem.flags[pa] |= PageFlags.PG_reclaim;
        rc.writeback_end(a);
        assertEquals(0, mem.flags[pa] & PageFlags.PG_reclaim);
        assertEquals(pa, rc.lruvec().last(Lruvec.LRU_INACTIVE_FILE), "rotated to the tail");
        int pb = mem.idx(b);
        int tail = rc.lruvec().last(Lruvec.LRU_INACTIVE_FILE);
        rc.writeback_end(b);
        assertEquals(tail, rc.lruvec().last(Lruvec.LRU_INACTIVE_FILE), "no PG_reclaim: not rotated");
        assertEquals(2, (long) rc.filemap().disk(6).get(1L));
        // a folio whose PG_writeback was lost
        long c = rc.underWriteback().firstKey();
        mem.flags[mem.idx(c)] &= ~PageFlags.PG_writeback;
        long completed = rc.stats.writebackCompleted;
        rc.writeback_end(c);
        assertEquals(1, rc.warnings().count(), rc.warnings().messages().toString());
        assertEquals(completed, rc.stats.writebackCompleted);
        assertTrue(rc.underWriteback().isEmpty());
        assertFalse(rc.filemap().disk(6).containsKey(2L), "no data landed");
        assertTrue(pb >= 0);
    }

    /**
     * __filemap_add_folio(): VM_BUG_ON_FOLIO(folio_test_swapbacked(folio)); __filemap_remove_folio()
     * of a folio not in i_pages where page->mapping and index say; a removal leaves the shadow
     * given (none for 0) and counts the eviction.
     */
    @Test
    void addAndRemoveFolio() {
        Machine m = machine();
        Reclaim rc = m.reclaim();
        Filemap f = rc.filemap();
        MemMap mem = m.mem();
        int p = mem.idx(m.allocPages(Gfp.GFP_KERNEL, 0));
        mem.flags[p] |= PageFlags.PG_swapbacked;
        Filemap.AddressSpace a = as(f, 7);
        f.filemap_add_folio(a, p, 3, Gfp.GFP_HIGHUSER_MOVABLE);
        assertEquals(1, rc.warnings().count());
        assertEquals(mem.pfn(p), (long) a.folios.get(3L));
        assertEquals(2, mem.refcount[p]);
        mem.flags[p] &= ~PageFlags.PG_swapbacked;
        int q = mem.idx(m.allocPages(Gfp.GFP_KERNEL, 0));
        mem.mapping()[q] = 7 << 1;
        mem.index()[q] = 4; // index 4 is empty
        f.__filemap_remove_folio(q, 0x10, 1);
        assertEquals(2, rc.warnings().count());
        mem.mapping()[q] = 9 << 1; // no such file
        f.__filemap_remove_folio(q, 0x10, 1);
        assertEquals(3, rc.warnings().count());
        assertEquals(0, rc.stats.pageCacheEvictions);
        f.__filemap_remove_folio(p, 0, 0);
        assertFalse(a.folios.containsKey(3L));
        assertFalse(a.shadows.containsKey(3L), "no shadow given, none left");
        assertEquals(0, mem.mappingOf(p));
        assertEquals(1, rc.stats.pageCacheEvictions);
        mem.mapping()[p] = 7 << 1;
        a.folios.put(3L, mem.pfn(p));
        f.__filemap_remove_folio(p, 0x22, 5);
        assertEquals(0x22, a.shadows.get(3L)[0]);
        assertEquals(5, a.shadows.get(3L)[1]);
        assertEquals(2, rc.stats.pageCacheEvictions);
        assertEquals(3, rc.warnings().count());
        assertEquals(7, Filemap.inoOf(7 << 1));
        assertEquals(0, Filemap.inoOf((7 << 1) | 1), "an anon mapping names no file");
    }

    /**
     * Reclaim.folio_put() of a page cache folio: not the last reference, a decrement; the last
     * one frees it (free_folio(): its content forgotten, back to the buddy allocator);
     * VM_BUG_ON_FOLIO(folio_ref_count(folio) <= 0) at zero. free_pages_prepare()'s bad_page for
     * PAGE_FLAGS_CHECK_AT_FREE flags.
     */
    @Test
    void folioPutAndFreeFolio() {
        Machine m = machine();
        Reclaim rc = m.reclaim();
        MemMap mem = m.mem();
        long pfn = m.allocPages(Gfp.GFP_KERNEL, 0);
        int p = mem.idx(pfn);
        ReclaimCorruption.setFileContent(rc, pfn, 5);
        mem.refcount[p] = 2;
        long free = m.zone(ZoneType.NORMAL).nrFreePages;
        rc.folio_put(p);
        assertEquals(1, mem.refcount[p]);
        assertEquals(free, m.zone(ZoneType.NORMAL).nrFreePages);
        assertTrue(rc.filemap().contents().containsKey(pfn));
        rc.folio_put(p);
        assertEquals(free + 1, m.zone(ZoneType.NORMAL).nrFreePages, "the last reference frees it");
        assertFalse(rc.filemap().contents().containsKey(pfn), "its content is forgotten");
        assertEquals(0, rc.warnings().count());
        assertEquals(0, mem.refcount[p]);
        rc.folio_put(p);
        assertEquals(1, rc.warnings().count(), "a put at refcount 0");
        // free_folio() of a folio still under writeback
        long q = m.allocPages(Gfp.GFP_KERNEL, 0);
        int qi = mem.idx(q);
        mem.flags[qi] |= PageFlags.PG_writeback;
        rc.free_folio(qi);
        assertEquals(2, rc.warnings().count(), rc.warnings().messages().toString());
        assertEquals(0, mem.flags[qi] & PageFlags.PG_writeback, "free_pages_prepare() clears the flags");
    }

    // ------------------------------------------------------------------ fingerprint and copy

    /** Model state identity: page caches differing in any one field fingerprint differently. */
    @Test
    void fingerprintSeparatesEveryField() {
        Reclaim rc = machine().reclaim();
        List<Filemap> variants = new ArrayList<>();
        Consumer<Consumer<Filemap>> v = c -> {
            Filemap f = new Filemap(rc);
            Filemap.AddressSpace a = as(f, 1);
            a.folios.put(1L, 10L);
            a.shadows.put(2L, new long[] {3, 0});
            a.disk.put(3L, 1L);
            a.raPrevIndex = 1;
            f.content.put(10L, 1L);
            c.accept(f);
            variants.add(f);
        };
        v.accept(f -> {});
        v.accept(f -> f.mappings.get(1).raPrevIndex = 2);
        v.accept(f -> f.mappings.get(1).raPrevIndex = 3);
        v.accept(f -> f.mappings.get(1).folios.put(1L, 11L));
        v.accept(f -> f.mappings.get(1).folios.put(1L, 12L));
        v.accept(f -> f.mappings.get(1).shadows.put(2L, new long[] {4, 0}));
        v.accept(f -> f.mappings.get(1).shadows.put(2L, new long[] {5, 0}));
        v.accept(f -> f.mappings.get(1).disk.put(3L, 2L));
        v.accept(f -> f.mappings.get(1).disk.put(3L, 3L));
        v.accept(f -> f.mappings.get(1).disk.put(4L, 1L));
        v.accept(f -> f.content.put(10L, 2L));
        v.accept(f -> f.content.put(10L, 3L));
        v.accept(f -> f.content.put(11L, 1L));
        v.accept(f -> as(f, 2));
        v.accept(f -> as(f, 3));
        v.accept(f -> f.mappings.get(1).folios.put(5L, 10L));
        v.accept(f -> { Filemap.AddressSpace a = new Filemap.AddressSpace(2); a.folios.putAll(f.mappings.get(1).folios);
            a.shadows.putAll(f.mappings.get(1).shadows); a.disk.putAll(f.mappings.get(1).disk); a.raPrevIndex = 1;
            f.mappings.clear(); f.mappings.put(2, a); });
        v.accept(f -> { f.mappings.get(1).disk.remove(3L); f.mappings.get(1).disk.put(6L, 1L); });
        v.accept(f -> { f.content.remove(10L); f.content.put(12L, 1L); });
        v.accept(f -> f.mappings.get(1).shadows.put(6L, new long[] {3, 0}));
        Set<Long> fps = new HashSet<>();
        for (Filemap f : variants) fps.add(f.fingerprint());
        assertEquals(variants.size(), fps.size());
        assertNotEquals(new Filemap(rc).fingerprint(), variants.get(0).fingerprint());
    }

    /** copyFrom() replaces every file (its folios, shadows, disk, readahead state) and the contents, dropping the target's own. */
    @Test
    void copyFromCarriesEveryField() {
        Reclaim rc = machine().reclaim();
        Filemap src = new Filemap(rc);
        Filemap.AddressSpace a = as(src, 1);
        a.folios.put(1L, 10L);
        a.shadows.put(2L, new long[] {3, 4});
        a.disk.put(3L, 5L);
        a.raPrevIndex = 6;
        src.content.put(10L, 7L);
        Filemap dst = new Filemap(rc);
        as(dst, 9).folios.put(1L, 1L);
        dst.content.put(99L, 1L);
        dst.copyFrom(src);
        assertEquals(Set.of(1), dst.files());
        assertEquals(src.folios(1), dst.folios(1));
        assertEquals(1, dst.shadows(1).size());
        assertEquals(4, dst.shadows(1).get(2L)[1]);
        assertEquals(src.disk(1), dst.disk(1));
        assertEquals(6, dst.mappings.get(1).raPrevIndex);
        assertEquals(src.contents(), dst.contents());
        assertEquals(src.fingerprint(), dst.fingerprint());
        // the copy is deep: changing the source leaves it
        a.folios.put(8L, 8L);
        a.shadows.get(2L)[0] = 9;
        assertFalse(dst.folios(1).containsKey(8L));
        assertEquals(3, dst.shadows(1).get(2L)[0]);
    }
}
