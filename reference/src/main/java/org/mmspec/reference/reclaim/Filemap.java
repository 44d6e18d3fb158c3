package org.mmspec.reference.reclaim;

import java.util.Collections;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

import org.mmspec.reference.alloc.Gfp;
import org.mmspec.reference.alloc.RejectedOperationException;
import org.mmspec.reference.page.MemMap;
import org.mmspec.reference.page.PageFlags;

/**
 * The page cache of mm/filemap.c (Linux v6.18) for regular files read and written with read(2)
 * and write(2): per file an {@code address_space} whose i_pages hold, at each page index, a
 * folio or the shadow entry its eviction left; file folios on the file LRU lists; reads that
 * bring a missing page in (readahead of that page alone, as for a file opened with
 * POSIX_FADV_RANDOM; filemap_create_folio() when that allocation fails) and mark it accessed
 * unless the previous read ended in the same folio; writes of whole pages that dirty the folio;
 * and the flusher's writeback (do_writepages()), whose completion is an explicit step.
 *
 * <p>A file is named by its inode number; its pages start as holes that read zero, and what it
 * holds on disk is {@code disk}. page-&gt;mapping of a file folio is {@code ino << 1} (the low bit
 * is PAGE_MAPPING_ANON), page-&gt;index its page index.
 */
public final class Filemap {
    /** The largest inode number and page index the model accepts. */
    public static final int MAX_INO = 1 << 20;
    public static final long MAX_INDEX = 1L << 32;

    /** struct address_space of one file, with the file's struct file_ra_state and its disk blocks. */
    static final class AddressSpace {
        final int ino;
        /** i_pages: folios (pfn) by index. */
        final TreeMap<Long, Long> folios = new TreeMap<>();
        /** i_pages: shadow entries by index, each {shadow, model clock}. */
        final TreeMap<Long, long[]> shadows = new TreeMap<>();
        /** The file's data on disk by page index (absent: a hole, zeros). */
        final TreeMap<Long, Long> disk = new TreeMap<>();
        /** ra-&gt;prev_pos as a page index: the last page a read ended in, -1 for none. */
        long raPrevIndex = -1;

        AddressSpace(int ino) {
            this.ino = ino;
        }

        AddressSpace copy() {
            AddressSpace a = new AddressSpace(ino);
            a.folios.putAll(folios);
            for (Map.Entry<Long, long[]> e : shadows.entrySet()) a.shadows.put(e.getKey(), e.getValue().clone());
            a.disk.putAll(disk);
            a.raPrevIndex = raPrevIndex;
            return a;
        }
    }

    private final Reclaim r;
    final TreeMap<Integer, AddressSpace> mappings = new TreeMap<>();
    /** The content of every page cache folio, by pfn. */
    final TreeMap<Long, Long> content = new TreeMap<>();

    Filemap(Reclaim r) {
        this.r = r;
    }

    void copyFrom(Filemap o) {
        mappings.clear();
        for (Map.Entry<Integer, AddressSpace> e : o.mappings.entrySet()) mappings.put(e.getKey(), e.getValue().copy());
        content.clear();
        content.putAll(o.content);
    }

    long fingerprint() {
        long h = 0xF11E;
        for (AddressSpace a : mappings.values()) {
            h = MemMap.mix(h ^ a.ino ^ (a.raPrevIndex << 24));
            for (Map.Entry<Long, Long> e : a.folios.entrySet()) h = MemMap.mix(h ^ e.getKey() ^ (e.getValue() << 32));
            for (Map.Entry<Long, long[]> e : a.shadows.entrySet()) h = MemMap.mix(h ^ e.getKey() ^ (e.getValue()[0] * 31));
            for (Map.Entry<Long, Long> e : a.disk.entrySet()) h = MemMap.mix(h ^ e.getKey() ^ (e.getValue() * 0x9E3779B97F4A7C15L));
        }
        for (Map.Entry<Long, Long> e : content.entrySet()) h = MemMap.mix(h ^ e.getKey() ^ (e.getValue() * 0x632BE59BD9B4E019L));
        return h;
    }

    // ------------------------------------------------------------------ views

    /** The inode numbers that have an address_space. */
    public java.util.Set<Integer> files() {
        return Collections.unmodifiableSet(mappings.keySet());
    }

    /** i_pages' folios of a file by index (empty for an unknown file). */
    public NavigableMap<Long, Long> folios(int ino) {
        AddressSpace a = mappings.get(ino);
        return a == null ? Collections.emptyNavigableMap() : Collections.unmodifiableNavigableMap(a.folios);
    }

    /** i_pages' shadow entries of a file by index: {shadow, model clock}. */
    public NavigableMap<Long, long[]> shadows(int ino) {
        AddressSpace a = mappings.get(ino);
        return a == null ? Collections.emptyNavigableMap() : Collections.unmodifiableNavigableMap(a.shadows);
    }

    /** The file's data on disk by index. */
    public NavigableMap<Long, Long> disk(int ino) {
        AddressSpace a = mappings.get(ino);
        return a == null ? Collections.emptyNavigableMap() : Collections.unmodifiableNavigableMap(a.disk);
    }

    /** The content of every page cache folio by pfn. */
    public NavigableMap<Long, Long> contents() {
        return Collections.unmodifiableNavigableMap(content);
    }

    /** What a read of (ino, index) returns without touching anything: the cached folio, else the disk. */
    public long peek(int ino, long index) {
        AddressSpace a = mappings.get(ino);
        if (a == null) return 0;
        Long pfn = a.folios.get(index);
        if (pfn != null) return content.getOrDefault(pfn, 0L);
        return a.disk.getOrDefault(index, 0L);
    }

    /** The file a page cache folio belongs to (page-&gt;mapping &gt;&gt; 1), or 0. */
    public static int inoOf(int mapping) {
        return (mapping & 1) == 0 ? mapping >>> 1 : 0;
    }

    static void checkFile(String op, int ino, long index) {
        if (ino < 1 || ino > MAX_INO) {
            throw new RejectedOperationException(op + ": EBADF: inode " + ino + " is outside 1.." + MAX_INO);
        }
        if (index < 0 || index >= MAX_INDEX) {
            throw new RejectedOperationException(op + ": EINVAL: page index " + index + " is outside 0.." + (MAX_INDEX - 1));
        }
    }

    private AddressSpace mapping(int ino) {
        return mappings.computeIfAbsent(ino, AddressSpace::new);
    }

    // ------------------------------------------------------------------ read(2)

    /** What a read or write did. */
    public enum Kind { HIT, MISS, REFAULT, ENOMEM }

    public record Io(Kind kind, long pfn, long value) {}

    /**
     * filemap_read() of one page: a page cache hit, or a miss that reads the page from disk into a
     * new folio (page_cache_sync_ra() of that page, else filemap_create_folio()); a miss with a
     * shadow is a refault. The folio is marked accessed unless the previous read of this file
     * ended in it. -ENOMEM when no folio can be allocated (nothing changes but what reclaim did).
     */
    public Io filemap_read(int ino, long index) {
        checkFile("read", ino, index);
        AddressSpace a = mapping(ino);
        r.stats.filemapReads++;
        Long pfn = a.folios.get(index);
        Kind kind = Kind.HIT;
        int page;
        if (pfn != null) {
            page = r.mem.idx(pfn);
            r.mem.refcount[page]++; // filemap_get_read_batch(): folio_try_get()
            r.stats.filemapHits++;
        } else {
            boolean refault = a.shadows.containsKey(index);
            // page_cache_sync_ra() -> page_cache_ra_unbounded(): readahead_gfp_mask()
            long p = alloc(Gfp.GFP_HIGHUSER_MOVABLE | Gfp.__GFP_NORETRY | Gfp.__GFP_NOWARN);
            if (p < 0) p = alloc(Gfp.GFP_HIGHUSER_MOVABLE); // filemap_create_folio(): mapping_gfp_mask()
            if (p < 0) return new Io(Kind.ENOMEM, -1, 0);
            // another folio cannot have appeared at index meanwhile: reclaim only removes folios
            page = r.mem.idx(p);
            filemap_add_folio(a, page, index, Gfp.GFP_HIGHUSER_MOVABLE);
            // read_pages() -> ->read_folio(): the disk's data, PG_uptodate
            content.put(p, a.disk.getOrDefault(index, 0L));
            r.mem.flags[page] |= PageFlags.PG_uptodate;
            r.stats.filemapMisses++;
            kind = refault ? Kind.REFAULT : Kind.MISS;
            pfn = p;
        }
        // "When a read accesses the same folio several times, only mark it as accessed the first time."
        if (a.raPrevIndex != index) r.swap.folio_mark_accessed(page);
        a.raPrevIndex = index;
        long value = content.getOrDefault(pfn, 0L);
        r.folio_put(page); // the read's reference
        return new Io(kind, pfn, value);
    }

    private long alloc(int gfp) {
        return r.pageAlloc.__alloc_pages(gfp, 0);
    }

    /**
     * filemap_add_folio(): the folio takes the index in i_pages (a reference, page-&gt;mapping and
     * index); a shadow it replaces is a refault unless the folio is being written (__GFP_WRITE:
     * "evicting other data from the working set, only to cache data that will get overwritten
     * with something else, is a waste of memory"); then folio_add_lru().
     */
    void filemap_add_folio(AddressSpace a, int page, long index, int gfp) {
        MemMap mem = r.mem;
        if ((mem.flags[page] & PageFlags.PG_swapbacked) != 0) {
            r.warnings.warn("__filemap_add_folio", "VM_BUG_ON_FOLIO(folio_test_swapbacked(folio)) pfn 0x"
                    + Long.toHexString(mem.pfn(page)));
        }
        mem.refcount[page]++;
        mem.mapping()[page] = a.ino << 1;
        mem.index()[page] = index;
        a.folios.put(index, mem.pfn(page));
        long[] shadow = a.shadows.remove(index);
        if (shadow != null && (gfp & Gfp.__GFP_WRITE) == 0) r.workingset.workingset_refault(page, shadow[0], shadow[1]);
        r.lruvec.folio_add_lru(mem.pfn(page));
    }

    /**
     * __filemap_remove_folio() from __remove_mapping(): the index gets the shadow (or nothing),
     * page-&gt;mapping is cleared; the caller has frozen the references.
     */
    void __filemap_remove_folio(int page, long shadow, long clock) {
        MemMap mem = r.mem;
        int ino = inoOf(mem.mappingOf(page));
        AddressSpace a = mappings.get(ino);
        long index = mem.indexOf(page);
        if (a == null || !Long.valueOf(mem.pfn(page)).equals(a.folios.get(index))) {
            r.warnings.warn("__filemap_remove_folio", "pfn 0x" + Long.toHexString(mem.pfn(page)) + " is not in i_pages of inode "
                    + ino + " at index " + index);
            return;
        }
        a.folios.remove(index);
        if (shadow != 0) a.shadows.put(index, new long[] {shadow, clock});
        mem.mapping()[page] = 0;
        r.stats.pageCacheEvictions++;
    }

    // ------------------------------------------------------------------ write(2)

    /**
     * generic_perform_write() of one whole page: write_begin() finds or creates the folio
     * (__filemap_get_folio(FGP_WRITEBEGIN): __GFP_WRITE, so a shadow there is dropped without a
     * refault), the data is copied in, write_end() marks it uptodate and dirty. Writes do not mark
     * the folio accessed. -ENOMEM when no folio can be allocated.
     */
    public Io generic_perform_write(int ino, long index, long value) {
        checkFile("write", ino, index);
        AddressSpace a = mapping(ino);
        Long pfn = a.folios.get(index);
        Kind kind = Kind.HIT;
        int page;
        if (pfn != null) {
            page = r.mem.idx(pfn);
            r.mem.refcount[page]++;
        } else {
            long p = alloc(Gfp.GFP_HIGHUSER_MOVABLE | Gfp.__GFP_WRITE);
            if (p < 0) return new Io(Kind.ENOMEM, -1, 0);
            page = r.mem.idx(p);
            filemap_add_folio(a, page, index, Gfp.GFP_HIGHUSER_MOVABLE | Gfp.__GFP_WRITE);
            pfn = p;
            kind = Kind.MISS; // a shadow here is dropped: no refault for a write
        }
        content.put(pfn, value);
        r.mem.flags[page] |= PageFlags.PG_uptodate;
        folio_mark_dirty(page);
        r.stats.filemapWrites++;
        r.folio_put(page);
        return new Io(kind, pfn, value);
    }

    /** folio_mark_dirty() of a page cache folio: PG_dirty (NR_FILE_DIRTY, the mapping's dirty tag). */
    void folio_mark_dirty(int page) {
        r.mem.flags[page] |= PageFlags.PG_dirty;
    }

    // ------------------------------------------------------------------ writeback

    /**
     * The flusher's do_writepages() over one file (write_cache_pages()): every dirty folio not
     * already under writeback is cleaned for I/O (folio_clear_dirty_for_io()) and put under
     * writeback (folio_start_writeback()), its data captured. Returns how many were started.
     */
    public int writeback_file(int ino) {
        checkFile("writeback", ino, 0);
        AddressSpace a = mappings.get(ino);
        if (a == null) return 0;
        int n = 0;
        for (long pfn : a.folios.values()) {
            int page = r.mem.idx(pfn);
            int f = r.mem.flags[page];
            if ((f & PageFlags.PG_dirty) == 0 || (f & PageFlags.PG_writeback) != 0) continue;
            r.mem.flags[page] &= ~PageFlags.PG_dirty;
            r.folio_start_writeback(page, content.getOrDefault(pfn, 0L));
            n++;
        }
        r.stats.flusherRuns++;
        return n;
    }

    /** The end of a file write: the disk holds the data written. */
    void end_file_write(int page, long value) {
        int ino = inoOf(r.mem.mappingOf(page));
        AddressSpace a = mappings.get(ino);
        if (a != null) a.disk.put(r.mem.indexOf(page), value);
    }
}
