package org.mmspec.reference.migrate;

/**
 * Where migration meets KSM (mm/ksm.c, v6.18): {@code folio_test_ksm()} and
 * {@code folio_migrate_ksm()}. The KSM model installs its implementation with
 * {@link Migrate#setKsm}; until then no folio is a KSM folio and nothing follows a migration.
 *
 * <p>What the KSM model must do: {@link #folio_test_ksm} answers for a folio whose
 * {@code page->mapping} names a stable node ({@code FOLIO_MAPPING_KSM}); {@link #folio_migrate_ksm}
 * is called from {@code folio_migrate_flags()} once the destination has the source's mapping, both
 * folios locked, and must move the stable node to the new pfn ({@code stable_node->kpfn =
 * folio_pfn(newfolio)}) after checking {@code VM_BUG_ON_FOLIO(stable_node->kpfn !=
 * folio_pfn(folio))}. Migration itself takes no anon_vma reference for a KSM folio, and relies on
 * the rmap walk (rmap_walk_ksm) that try_to_migrate() and remove_migration_ptes() use.
 */
public interface FolioMigrateKsm {
    /** folio_test_ksm(): the folio is a KSM page (its mapping is a stable node). */
    boolean folio_test_ksm(long pfn);

    /** folio_migrate_ksm(newfolio, folio): the stable node follows the folio to newPfn. */
    void folio_migrate_ksm(long newPfn, long oldPfn);

    /** No KSM: nothing is a KSM folio. */
    FolioMigrateKsm NONE = new FolioMigrateKsm() {
        @Override
        public boolean folio_test_ksm(long pfn) {
            return false;
        }

        @Override
        public void folio_migrate_ksm(long newPfn, long oldPfn) {
        }
    };
}
