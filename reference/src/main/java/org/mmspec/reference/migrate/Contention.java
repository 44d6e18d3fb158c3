package org.mmspec.reference.migrate;

/**
 * What other tasks hold while a migration or a compaction round runs: in the kernel a matter of
 * timing, in the model an explicit input of the operation (DESIGN.md). {@code lockedPfn}'s folio
 * lock is held by another task, which releases it to a task that sleeps in folio_lock(), so
 * folio_trylock() fails but a blocking lock succeeds; {@code pinnedPfn} has one extra reference
 * (a get_user_pages() pin, or a transient folio_get() elsewhere), so isolation sees it pinned and
 * migration sees an unexpected reference. -1 for none.
 */
public record Contention(long lockedPfn, long pinnedPfn) {
    public static final Contention NONE = new Contention(-1, -1);

    /** Whether another task holds the folio lock of pfn. */
    public boolean locked(long pfn) {
        return pfn >= 0 && pfn == lockedPfn;
    }

    /** References other tasks hold on pfn beyond its mappings and isolation. */
    public int extraRefs(long pfn) {
        return pfn >= 0 && pfn == pinnedPfn ? 1 : 0;
    }

    public boolean none() {
        return lockedPfn < 0 && pinnedPfn < 0;
    }
}
