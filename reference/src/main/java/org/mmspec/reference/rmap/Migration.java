package org.mmspec.reference.rmap;

/**
 * A folio isolated for migration between migrate_folio_unmap() and migrate_folio_move(): source
 * and destination pfns, the anon_vma reference folio_get_anon_vma() took (null when there was
 * none: the folio was not mapped), and whether it was mapped (PAGE_WAS_MAPPED).
 */
public record Migration(long src, long dst, AnonVma anonVma, boolean pageWasMapped) {
}
