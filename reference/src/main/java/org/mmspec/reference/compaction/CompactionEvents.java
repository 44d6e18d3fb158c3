package org.mmspec.reference.compaction;

import java.util.LinkedHashMap;
import java.util.Map;

import org.mmspec.reference.alloc.SlowpathHooks;

/**
 * The compaction vm events (COMPACTSTALL, COMPACTFAIL, COMPACTSUCCESS, COMPACTISOLATED,
 * COMPACTMIGRATE_SCANNED, COMPACTFREE_SCANNED, KCOMPACTD_WAKE) and the paths a run took, for the
 * situations a run covered; plus the model's record of a compaction run that could not end.
 */
public final class CompactionEvents {
    /** The names of enum compact_result, by value. */
    public static final String[] RESULT_NAMES = {"COMPACT_NOT_SUITABLE_ZONE", "COMPACT_SKIPPED", "COMPACT_DEFERRED",
        "COMPACT_NO_SUITABLE_PAGE", "COMPACT_CONTINUE", "COMPACT_COMPLETE", "COMPACT_PARTIAL_SKIPPED", "COMPACT_CONTENDED",
        "COMPACT_SUCCESS"};

    public long compactStall, compactFail, compactSuccess;
    public long compactIsolated, migrateScanned, freeScanned;
    public long kcompactdWake, compactMemory, proactive;
    public long runs, rounds, rescans, deferred, deferrals, restarts, skipResets;
    public long freeIsolateWatermarkFailures, pinnedSkipped, skipOnFailure, throttled, captured;
    /** Page cache and swap cache folios the migration scanner left alone (their migration is not modelled). */
    public long unmodelledSkipped;
    public final long[] results = new long[RESULT_NAMES.length];
    /** Runs the model had to stop because a round left them where they were (the kernel loops for ever). */
    public long livelocks;
    /** The first such run, in words. */
    public String livelock;

    void copyFrom(CompactionEvents o) {
        compactStall = o.compactStall;
        compactFail = o.compactFail;
        compactSuccess = o.compactSuccess;
        compactIsolated = o.compactIsolated;
        migrateScanned = o.migrateScanned;
        freeScanned = o.freeScanned;
        kcompactdWake = o.kcompactdWake;
        compactMemory = o.compactMemory;
        proactive = o.proactive;
        runs = o.runs;
        rounds = o.rounds;
        rescans = o.rescans;
        deferred = o.deferred;
        deferrals = o.deferrals;
        restarts = o.restarts;
        skipResets = o.skipResets;
        freeIsolateWatermarkFailures = o.freeIsolateWatermarkFailures;
        pinnedSkipped = o.pinnedSkipped;
        unmodelledSkipped = o.unmodelledSkipped;
        skipOnFailure = o.skipOnFailure;
        throttled = o.throttled;
        captured = o.captured;
        System.arraycopy(o.results, 0, results, 0, results.length);
        livelocks = o.livelocks;
        livelock = o.livelock;
    }

    public static String resultName(int r) {
        return r >= 0 && r < RESULT_NAMES.length ? RESULT_NAMES[r] : "compact_result " + r;
    }

    /** The counters by name. */
    public Map<String, Long> figures() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("compaction runs", runs);
        m.put("compaction rounds", rounds);
        for (int r = 0; r < results.length; r++) {
            if (r != SlowpathHooks.COMPACT_CONTINUE && r != SlowpathHooks.COMPACT_NO_SUITABLE_PAGE) {
                m.put("run ended " + RESULT_NAMES[r], results[r]);
            }
        }
        m.put("COMPACTSTALL", compactStall);
        m.put("COMPACTSUCCESS", compactSuccess);
        m.put("COMPACTFAIL", compactFail);
        m.put("COMPACTISOLATED", compactIsolated);
        m.put("COMPACTMIGRATE_SCANNED", migrateScanned);
        m.put("COMPACTFREE_SCANNED", freeScanned);
        m.put("KCOMPACTD_WAKE", kcompactdWake);
        m.put("compact_memory", compactMemory);
        m.put("proactive compaction", proactive);
        m.put("capture of the freed block", captured);
        m.put("compaction_deferred", deferred);
        m.put("defer_compaction", deferrals);
        m.put("compaction_restarting", restarts);
        m.put("__reset_isolation_suitable", skipResets);
        m.put("rescan to finish the pageblock", rescans);
        m.put("pinned folio skipped", pinnedSkipped);
        m.put("page or swap cache folio skipped (not modelled)", unmodelledSkipped);
        m.put("skip_on_failure", skipOnFailure);
        m.put("__isolate_free_page under the watermark", freeIsolateWatermarkFailures);
        m.put("too_many_isolated", throttled);
        m.put("compaction that could not end", livelocks);
        return m;
    }
}
