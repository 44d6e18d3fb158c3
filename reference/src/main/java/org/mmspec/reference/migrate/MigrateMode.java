package org.mmspec.reference.migrate;

/**
 * {@code enum migrate_mode} (include/linux/migrate_mode.h, v6.18): what a migration may wait for.
 * The order is the kernel's, so {@code mode.compareTo(MIGRATE_SYNC) < 0} is its
 * {@code cc->mode < MIGRATE_SYNC}.
 */
public enum MigrateMode {
    /** Never blocks: a folio whose lock is taken, or under writeback, is not migrated this time. */
    MIGRATE_ASYNC,
    /** May block on most operations (the folio lock) but not on writeback or I/O. */
    MIGRATE_SYNC_LIGHT,
    /** Blocks: waits for the folio lock and for writeback. */
    MIGRATE_SYNC;

    /** The name as /proc and tracepoints print it: {@code MIGRATE_SYNC_LIGHT}. */
    public String kernelName() {
        return name();
    }

    /** Parses {@code async}, {@code sync_light}, {@code sync} or the kernel's own names. */
    public static MigrateMode parse(String s) {
        String u = s.trim().toUpperCase(java.util.Locale.ROOT);
        if (!u.startsWith("MIGRATE_")) u = "MIGRATE_" + u;
        for (MigrateMode m : values()) if (m.name().equals(u)) return m;
        throw new IllegalArgumentException("migrate mode '" + s + "' is not one of async, sync_light, sync");
    }

    /** {@code async}, {@code sync_light}, {@code sync}: how operations name the mode. */
    public String shortName() {
        return name().substring("MIGRATE_".length()).toLowerCase(java.util.Locale.ROOT);
    }
}
