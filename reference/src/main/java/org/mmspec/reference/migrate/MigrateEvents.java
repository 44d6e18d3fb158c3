package org.mmspec.reference.migrate;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What migration did (the PGMIGRATE_SUCCESS / PGMIGRATE_FAIL vm events and the paths taken), for
 * the situations a run covered. Not part of the state's fingerprint.
 */
public final class MigrateEvents {
    public long migratePagesCalls;
    public final long[] byMode = new long[MigrateMode.values().length];
    /** PGMIGRATE_SUCCESS, PGMIGRATE_FAIL. */
    public long succeeded, failedPages;
    public long moved, undone, putBack, enomem;
    public long unmapRetries, moveRetries, asyncLockBusy, memallocLockBusy, lockWaits, freedUnderUs, ksmMoved;

    void copyFrom(MigrateEvents o) {
        migratePagesCalls = o.migratePagesCalls;
        System.arraycopy(o.byMode, 0, byMode, 0, byMode.length);
        succeeded = o.succeeded;
        failedPages = o.failedPages;
        moved = o.moved;
        undone = o.undone;
        putBack = o.putBack;
        enomem = o.enomem;
        unmapRetries = o.unmapRetries;
        moveRetries = o.moveRetries;
        asyncLockBusy = o.asyncLockBusy;
        memallocLockBusy = o.memallocLockBusy;
        lockWaits = o.lockWaits;
        freedUnderUs = o.freedUnderUs;
        ksmMoved = o.ksmMoved;
    }

    /** The counters by name. */
    public Map<String, Long> figures() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("migrate_pages calls", migratePagesCalls);
        for (MigrateMode mode : MigrateMode.values()) m.put("migrate_pages " + mode.kernelName(), byMode[mode.ordinal()]);
        m.put("PGMIGRATE_SUCCESS", succeeded);
        m.put("PGMIGRATE_FAIL", failedPages);
        m.put("migrate_pages -ENOMEM", enomem);
        m.put("migrate_folio_unmap -EAGAIN (retried)", unmapRetries);
        m.put("migrate_folio_move -EAGAIN (retried)", moveRetries);
        m.put("folio lock busy: async gives up", asyncLockBusy);
        m.put("folio lock busy: PF_MEMALLOC gives up", memallocLockBusy);
        m.put("folio lock busy: sync waits", lockWaits);
        m.put("migration undone", undone);
        m.put("putback_movable_pages", putBack);
        m.put("folio freed from under migration", freedUnderUs);
        m.put("folio_migrate_ksm", ksmMoved);
        return m;
    }
}
