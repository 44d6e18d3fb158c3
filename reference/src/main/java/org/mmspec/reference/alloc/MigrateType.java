package org.mmspec.reference.alloc;

/**
 * {@code enum migratetype} (include/linux/mmzone.h, v6.18) with CONFIG_CMA and
 * CONFIG_MEMORY_ISOLATION. Plain ints, because they index free lists on the hot path.
 */
public final class MigrateType {
    private MigrateType() {}

    public static final int MIGRATE_UNMOVABLE = 0;
    public static final int MIGRATE_MOVABLE = 1;
    public static final int MIGRATE_RECLAIMABLE = 2;
    /** The number of types on the pcp lists; only these fall back to one another. */
    public static final int MIGRATE_PCPTYPES = 3;
    public static final int MIGRATE_HIGHATOMIC = MIGRATE_PCPTYPES;
    public static final int MIGRATE_CMA = 4;
    public static final int MIGRATE_ISOLATE = 5;
    public static final int MIGRATE_TYPES = 6;

    /** {@code migratetype_names[]} (mm/page_alloc.c, v6.18), as /proc/pagetypeinfo prints them. */
    private static final String[] NAMES = {"Unmovable", "Movable", "Reclaimable", "HighAtomic", "CMA", "Isolate"};

    /**
     * {@code fallbacks[MIGRATE_PCPTYPES][MIGRATE_PCPTYPES - 1]} (mm/page_alloc.c, v6.18):
     * the order in which other types' free lists are raided when a pcp type's lists are empty.
     */
    public static final int[][] FALLBACKS = {
        {MIGRATE_RECLAIMABLE, MIGRATE_MOVABLE},   // MIGRATE_UNMOVABLE
        {MIGRATE_RECLAIMABLE, MIGRATE_UNMOVABLE}, // MIGRATE_MOVABLE
        {MIGRATE_UNMOVABLE, MIGRATE_MOVABLE},     // MIGRATE_RECLAIMABLE
    };

    public static String name(int mt) {
        return mt >= 0 && mt < MIGRATE_TYPES ? NAMES[mt] : "mt" + mt;
    }

    /** Parses a name as printed ({@code Movable}) or as the kernel constant ({@code MIGRATE_MOVABLE}). */
    public static int parse(String s) {
        String t = s.trim();
        if (t.regionMatches(true, 0, "MIGRATE_", 0, 8)) t = t.substring(8);
        for (int mt = 0; mt < MIGRATE_TYPES; mt++) {
            if (NAMES[mt].equalsIgnoreCase(t)) return mt;
        }
        throw new IllegalArgumentException("unknown migratetype '" + s + "' (one of Unmovable, Movable, "
                + "Reclaimable, HighAtomic, CMA, Isolate)");
    }

    /** {@code migratetype_is_mergeable()} (include/linux/mmzone.h, v6.18). */
    public static boolean isMergeable(int mt) {
        return mt < MIGRATE_PCPTYPES;
    }

    /** {@code is_migrate_movable()}. */
    public static boolean isMovable(int mt) {
        return mt == MIGRATE_CMA || mt == MIGRATE_MOVABLE;
    }
}
