package org.mmspec.reference.rmap;

import org.mmspec.reference.page.PageFlags;

/**
 * Migration of one anonymous folio as mm/migrate.c (Linux v6.18) does it, split where the kernel
 * splits it: migrate_folio_unmap() (isolate, allocate the destination, pin the anon_vma,
 * try_to_migrate()) and migrate_folio_move() (move_to_new_folio() and remove_migration_ptes(), or
 * migrate_folio_undo_src() on failure). Between the two, the folio's mappings are migration
 * entries: faults on them wait, fork copies them, munmap and exit drop them.
 */
final class Migrate {
    private final Rmap r;

    Migrate(Rmap r) {
        this.r = r;
    }

    /**
     * migrate_folio_unmap(): folio_isolate_lru() (a reference; -EBUSY when already isolated),
     * get_new_folio() (-ENOMEM when the allocation fails), folio_get_anon_vma(), then
     * try_to_migrate() when the folio is mapped.
     */
    int migrate_folio_unmap(long src) {
        if (r.migrations.containsKey(src) || (r.mem.flags[r.page(src)] & PageFlags.PG_lru) == 0) {
            return Rmap.EBUSY; // folio_isolate_lru() fails: someone else has it off the LRU
        }
        long dst = r.pageAlloc.__alloc_pages(org.mmspec.reference.alloc.Gfp.GFP_HIGHUSER_MOVABLE, 0);
        if (dst < 0) {
            r.stats.migrationsEnomem++;
            return Rmap.ENOMEM;
        }
        r.lruvec().folio_isolate_lru(src); // the isolation reference
        AnonVma anonVma = r.folio_get_anon_vma(src);
        boolean mapped = r.mapcount(src) > 0;
        if (mapped) r.try_to_migrate(src);
        if (r.mapcount(src) != 0) {
            // The reverse map did not reach every mapping (a KSM page whose fork-inherited mapping ksmd has
            // not met yet: rmap_walk_ksm() only knows the stable node's rmap_items and their forks): out:
            // migrate_folio_undo_src() and _undo_dst(), -EAGAIN; migrate_pages() retries, then puts it back.
            if (mapped) remove_migration_ptes(src, src);
            if (anonVma != null) r.put_anon_vma(anonVma);
            r.folio_putback_lru(src);
            r.pageAlloc.__free_pages(dst, 0);
            r.stats.migrationsStillMapped++;
            return Rmap.EAGAIN;
        }
        r.migrations.put(src, new Migration(src, dst, anonVma, mapped));
        r.stats.migrationsUnmapped++;
        return 0;
    }

    /**
     * migrate_folio_move(): on success, move_to_new_folio() (the content, page->mapping,
     * page->index and flags go to dst), remove_migration_ptes(src, dst), drop dst's allocation
     * reference and src's isolation reference (freeing src), put the anon_vma. On failure,
     * migrate_folio_undo_src() (remove_migration_ptes(src, src), put the anon_vma, putback) and
     * migrate_folio_undo_dst() (free dst). Returns the pfn that holds the content now.
     */
    long migrate_folio_move(Migration m, boolean fail) {
        r.migrations.remove(m.src());
        long src = m.src();
        long dst = m.dst();
        if (fail) {
            if (m.pageWasMapped()) remove_migration_ptes(src, src);
            if (m.anonVma() != null) r.put_anon_vma(m.anonVma());
            r.folio_putback_lru(src); // migrate_folio_undo_src(): back on the LRU, the isolation reference dropped
            r.pageAlloc.__free_pages(dst, 0); // migrate_folio_undo_dst(): folio_put(dst)
            r.stats.migrationsUndone++;
            return src;
        }
        // move_to_new_folio() -> folio_migrate_mapping() and folio_migrate_flags()
        int sp = r.page(src);
        int dp = r.page(dst);
        r.content.put(dst, r.content.getOrDefault(src, 0L));
        r.mem.mapping()[dp] = r.mem.mappingOf(sp);
        r.mem.index()[dp] = r.mem.indexOf(sp);
        r.mem.flags[dp] |= r.mem.flags[sp] & (PageFlags.PG_swapbacked | PageFlags.PG_dirty | PageFlags.PG_referenced
                | PageFlags.PG_workingset);
        // folio_migrate_flags(): PG_active moves (test-and-clear on src), else PG_unevictable does
        if ((r.mem.flags[sp] & PageFlags.PG_active) != 0) {
            r.mem.flags[sp] &= ~PageFlags.PG_active;
            r.mem.flags[dp] |= PageFlags.PG_active;
        } else if ((r.mem.flags[sp] & PageFlags.PG_unevictable) != 0) {
            r.mem.flags[sp] &= ~PageFlags.PG_unevictable;
            r.mem.flags[dp] |= PageFlags.PG_unevictable;
        }
        // folio_migrate_flags() -> folio_migrate_ksm(): a KSM page's stable node follows it to dst
        r.ksmHooks.folio_migrate_ksm(dst, src);
        r.lruvec().folio_add_lru(dst); // migrate_folio_move(): folio_add_lru(dst)
        if (m.pageWasMapped()) remove_migration_ptes(src, dst);
        r.folio_put(dst); // "decrease refcount of dst, which will not free the page because new page owner increased"
        if (m.anonVma() != null) r.put_anon_vma(m.anonVma());
        r.folio_put(src); // migrate_folio_done(): the isolation reference; src is freed
        r.stats.migrationsMoved++;
        return dst;
    }

    /**
     * remove_migration_ptes(src, dst): walk dst's reverse map (its mapping is src's; for a KSM
     * page, rmap_walk_ksm() through the stable node, whose kpfn is dst now) and replace
     * each migration entry for src by a PTE to dst (remove_migration_pte()): young if the entry
     * was, dirty if the entry and the folio were, writable if the entry was, and the rmap added
     * back with RMAP_EXCLUSIVE for a writable or exclusive entry.
     */
    void remove_migration_ptes(long src, long dst) {
        r.rmap_walk_anon(dst, (v, address) -> {
            Long old = v.vm_mm.pgtable.get(address);
            if (old == null || !Pte.migration(old) || Pte.pfn(old) != src) return true;
            r.folio_get(dst);
            boolean dirty = Pte.dirty(old) && (r.mem.flags[r.page(dst)] & PageFlags.PG_dirty) != 0;
            long pte = Pte.mkPte(dst, Pte.migrationWritable(old), Pte.young(old), dirty);
            boolean exclusive = !Pte.migrationReadable(old);
            r.folio_add_anon_rmap_pte(dst, v, address, exclusive);
            v.vm_mm.pgtable.put(address, pte);
            return true;
        });
    }
}
