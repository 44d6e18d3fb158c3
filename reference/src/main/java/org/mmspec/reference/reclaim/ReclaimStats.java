package org.mmspec.reference.reclaim;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The vm events reclaim counts (include/linux/vm_event_item.h, v6.18: PGSCAN_*, PGSTEAL_*,
 * PGACTIVATE, PGDEACTIVATE, PGREFILL, PGROTATED, PSWPIN, PSWPOUT, ALLOCSTALL, PAGEOUTRUN,
 * KSWAPD_*_WMARK_HIT_QUICKLY, ...) and a few the model adds to say which paths a run took. They
 * are statistics: no decision reads them, so they are not part of the state's fingerprint.
 */
public final class ReclaimStats {
    public long pgscanKswapd, pgscanDirect, pgstealKswapd, pgstealDirect;
    public long pgscanAnon, pgscanFile, pgstealAnon, pgstealFile;
    public long pgrefill, pgactivate, pgdeactivate, pgrotated, pgscanSkip;
    public long pswpin, pswpout, swapZeroFilled, swapAllocFail;
    public long pgmajfault, swapCacheHits, swapinSkipSwapcache;
    public long allocstall, directReclaimRuns, directReclaimThrottled, pageoutrun;
    public long kswapdRuns, kswapdSleeps, kswapdHighWmarkHitQuickly, kswapdFailuresHit, kswapdBoostReclaim;
    public long folioRefActivate, folioRefKeep, folioRefReclaim, folioRefReclaimClean;
    public long unmapFail, writebackActivated, dirtyFileActivated;
    public long filemapReads, filemapHits, filemapMisses, filemapWrites, pageCacheEvictions;
    public long flusherRuns, writebackStarted, writebackCompleted, folioRotateReclaimable;
    public long markAccessedReferenced, markAccessedActivated, folioDeactivated;
    public long shadowsStored, refaultsRecent, refaultsOld;

    public void copyFrom(ReclaimStats o) {
        for (java.lang.reflect.Field f : ReclaimStats.class.getFields()) {
            try {
                f.setLong(this, f.getLong(o));
            } catch (IllegalAccessException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** The counters by the names a run's summary prints. */
    public Map<String, Long> figures() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("pgscan_kswapd", pgscanKswapd);
        m.put("pgscan_direct", pgscanDirect);
        m.put("pgsteal_kswapd", pgstealKswapd);
        m.put("pgsteal_direct", pgstealDirect);
        m.put("pgsteal_anon (swapped out and freed)", pgstealAnon);
        m.put("pgsteal_file (dropped)", pgstealFile);
        m.put("pgrefill (active list scanned)", pgrefill);
        m.put("pgactivate", pgactivate);
        m.put("pgdeactivate", pgdeactivate);
        m.put("pgrotated (writeback end: to the inactive tail)", pgrotated);
        m.put("pgscan_skip (zone above reclaim_idx)", pgscanSkip);
        m.put("folio_check_references: ACTIVATE", folioRefActivate);
        m.put("folio_check_references: KEEP", folioRefKeep);
        m.put("folio_check_references: RECLAIM", folioRefReclaim);
        m.put("folio_check_references: RECLAIM_CLEAN", folioRefReclaimClean);
        m.put("try_to_unmap failed", unmapFail);
        m.put("folio under writeback at the tail: activated", writebackActivated);
        m.put("dirty file folio: activated (PG_reclaim)", dirtyFileActivated);
        m.put("pswpout", pswpout);
        m.put("swap out of a zero-filled page (zeromap)", swapZeroFilled);
        m.put("folio_alloc_swap failed (swap full)", swapAllocFail);
        m.put("pswpin (major fault)", pswpin);
        m.put("swap cache hit (minor fault)", swapCacheHits);
        m.put("swapin skipping the swap cache (SWP_SYNCHRONOUS_IO)", swapinSkipSwapcache);
        m.put("workingset shadows stored", shadowsStored);
        m.put("refault within the workingset: activated", refaultsRecent);
        m.put("refault beyond the workingset", refaultsOld);
        m.put("allocstall (direct reclaim)", allocstall);
        m.put("direct reclaim throttled (allow_direct_reclaim)", directReclaimThrottled);
        m.put("pageoutrun (balance_pgdat)", pageoutrun);
        m.put("kswapd went to sleep", kswapdSleeps);
        m.put("kswapd stayed awake (high wmark hit quickly)", kswapdHighWmarkHitQuickly);
        m.put("kswapd boosted reclaim", kswapdBoostReclaim);
        m.put("kswapd_failures reached MAX_RECLAIM_RETRIES", kswapdFailuresHit);
        m.put("filemap_read: page cache hit", filemapHits);
        m.put("filemap_read: page cache miss", filemapMisses);
        m.put("write(): page cache folios dirtied", filemapWrites);
        m.put("page cache folios evicted", pageCacheEvictions);
        m.put("writeback started", writebackStarted);
        m.put("writeback completed", writebackCompleted);
        m.put("folio_mark_accessed: referenced", markAccessedReferenced);
        m.put("folio_mark_accessed: activated", markAccessedActivated);
        m.put("folio_deactivate (MADV_COLD)", folioDeactivated);
        return m;
    }
}
