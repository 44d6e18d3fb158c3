package org.mmspec.reference.rmap;

/**
 * A page table entry, packed into a long the way the model's page tables store it: the pfn in
 * the high bits and the bits the rmap code reads in the low ones. Three kinds exist:
 *
 * <ul>
 *   <li>a present entry mapping a pfn, with {@code _PAGE_RW} (write), {@code _PAGE_ACCESSED}
 *       (young) and {@code _PAGE_DIRTY} (dirty), as x86 names them;</li>
 *   <li>a present special entry mapping the shared zero page ({@code pte_mkspecial(pfn_pte(
 *       my_zero_pfn(addr)))} in do_anonymous_page()), which has no struct page the allocator owns
 *       and no rmap;</li>
 *   <li>a non-present migration entry ({@code make_writable_migration_entry()},
 *       {@code make_readable_exclusive_migration_entry()}, {@code make_readable_migration_entry()}
 *       in try_to_migrate_one()), naming the pfn under migration, with the young and dirty bits
 *       carried over as {@code make_migration_entry_young/dirty()} do;</li>
 *   <li>a non-present swap entry ({@code swp_entry_to_pte()} in try_to_unmap_one()), naming a slot
 *       of the swap device (the model has one, type 0) by its offset, with {@code SWP_EXCLUSIVE}
 *       ({@code pte_swp_mkexclusive()}) when the page was PageAnonExclusive.</li>
 * </ul>
 *
 * An empty entry ({@code pte_none}) is not stored at all.
 */
public final class Pte {
    private Pte() {}

    public static final long PRESENT = 1L;
    public static final long WRITE = 1L << 1;
    public static final long YOUNG = 1L << 2;
    public static final long DIRTY = 1L << 3;
    /** pte_special(): the zero page. */
    public static final long SPECIAL = 1L << 4;
    /** A migration swap entry (non-present). */
    public static final long MIGRATION = 1L << 5;
    /** For a migration entry: SWP_MIGRATION_WRITE. */
    public static final long MIGRATION_WRITE = 1L << 6;
    /** For a migration entry: SWP_MIGRATION_READ_EXCLUSIVE. */
    public static final long MIGRATION_EXCLUSIVE = 1L << 7;
    /** A swap entry (non-present): the slot offset sits where a pfn would. */
    public static final long SWAP = 1L << 8;
    /** For a swap entry: _PAGE_SWP_EXCLUSIVE. */
    public static final long SWP_EXCLUSIVE = 1L << 9;
    static final int PFN_SHIFT = 16;

    /** A present entry for pfn with the given bits. */
    public static long mkPte(long pfn, boolean write, boolean young, boolean dirty) {
        return (pfn << PFN_SHIFT) | PRESENT | (write ? WRITE : 0) | (young ? YOUNG : 0) | (dirty ? DIRTY : 0);
    }

    /** The zero page, read-only and special. */
    public static long zeroPte() {
        return PRESENT | SPECIAL;
    }

    public static long migrationEntry(long pfn, boolean writable, boolean exclusive, boolean young, boolean dirty) {
        return (pfn << PFN_SHIFT) | MIGRATION | (writable ? MIGRATION_WRITE : 0) | (exclusive ? MIGRATION_EXCLUSIVE : 0)
                | (young ? YOUNG : 0) | (dirty ? DIRTY : 0);
    }

    /** swp_entry_to_pte(swp_entry(0, offset)), exclusive as pte_swp_mkexclusive() makes it. */
    public static long swapEntry(long offset, boolean exclusive) {
        return (offset << PFN_SHIFT) | SWAP | (exclusive ? SWP_EXCLUSIVE : 0);
    }

    /** A genuine swap entry (!non_swap_entry()). */
    public static boolean swap(long pte) {
        return (pte & SWAP) != 0;
    }

    /** swp_offset() of a swap entry. */
    public static long swpOffset(long pte) {
        return pte >>> PFN_SHIFT;
    }

    /** pte_swp_exclusive(). */
    public static boolean swpExclusive(long pte) {
        return (pte & SWP_EXCLUSIVE) != 0;
    }

    /** pte_swp_clear_exclusive(). */
    public static long swpClearExclusive(long pte) {
        return pte & ~SWP_EXCLUSIVE;
    }

    public static boolean present(long pte) {
        return (pte & PRESENT) != 0;
    }

    public static boolean special(long pte) {
        return (pte & SPECIAL) != 0;
    }

    /** A present entry mapping a normal page (vm_normal_page() would return it). */
    public static boolean normal(long pte) {
        return (pte & (PRESENT | SPECIAL)) == PRESENT;
    }

    public static boolean migration(long pte) {
        return (pte & MIGRATION) != 0;
    }

    /** is_writable_migration_entry(). */
    public static boolean migrationWritable(long pte) {
        return (pte & MIGRATION_WRITE) != 0;
    }

    /** is_readable_migration_entry(): neither writable nor exclusive. */
    public static boolean migrationReadable(long pte) {
        return (pte & (MIGRATION_WRITE | MIGRATION_EXCLUSIVE)) == 0;
    }

    public static boolean write(long pte) {
        return (pte & WRITE) != 0;
    }

    public static boolean young(long pte) {
        return (pte & YOUNG) != 0;
    }

    public static boolean dirty(long pte) {
        return (pte & DIRTY) != 0;
    }

    /** The pfn a normal entry or a migration entry names; meaningless for the zero page and swap entries. */
    public static long pfn(long pte) {
        return pte >>> PFN_SHIFT;
    }

    /** Whether the entry names pfn: a normal present entry or a migration entry for it. */
    public static boolean names(long pte, long pfn) {
        return (normal(pte) || migration(pte)) && pfn(pte) == pfn;
    }

    /** How the kernel's debug output would describe it: {@code pfn 0x104 rw young dirty}. */
    public static String describe(long pte) {
        StringBuilder sb = new StringBuilder();
        if (swap(pte)) {
            return "swap entry slot 0x" + Long.toHexString(swpOffset(pte)) + (swpExclusive(pte) ? " exclusive" : "");
        }
        if (migration(pte)) {
            sb.append(migrationWritable(pte) ? "writable " : (pte & MIGRATION_EXCLUSIVE) != 0 ? "readable-exclusive "
                    : "readable ");
            sb.append("migration entry pfn 0x").append(Long.toHexString(pfn(pte)));
        } else if (special(pte)) {
            sb.append("zero page");
        } else {
            sb.append("pfn 0x").append(Long.toHexString(pfn(pte))).append(write(pte) ? " rw" : " ro");
        }
        if (young(pte)) sb.append(" young");
        if (dirty(pte)) sb.append(" dirty");
        return sb.toString();
    }
}
