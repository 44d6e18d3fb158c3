package org.mmspec.reference.reclaim;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Model bookkeeping with no kernel counterpart, like CONFIG_PAGE_OWNER: what reclaim did during
 * one operation, so the invariants can check the laws of a reclaim pass (spec/README.md,
 * "Reclaim") and the diagrams can show the folios a step moved. Off unless the invariants turn it
 * on; cleared by {@link #clear()} at the start of each operation; at most {@link #KEEP} records.
 */
public final class ReclaimTrace {
    public static final int KEEP = 1 << 14;

    /** What shrink_folio_list() decided for one folio it took off an inactive list. */
    public enum Outcome { FREED, ACTIVATED, KEPT }

    /**
     * One folio shrink_folio_list() examined: its pfn, the list its flags named when the pass took
     * it (folio_lru_list()), what folio_check_references() found and decided (-1 where it was not
     * called: a folio under writeback), the young PTEs that mapped it at that moment counted
     * directly over every page table (not through the reverse map), and what became of it.
     */
    public record Scan(long pfn, int lru, boolean file, int referencedPtes, int youngPtes, boolean referencedFolio,
                       String references, Outcome outcome, boolean kswapd) {}

    /**
     * One refault: the folio that came back, whether it is a file folio, the refault distance
     * workingset_test_recent() computed from the nonresident age, the same distance measured on the
     * model's LRU event clock (every eviction and activation, anonymous and file), the workingset
     * size it was compared with, and whether the folio was activated.
     */
    public record Refault(long pfn, boolean file, long distance, long eventDistance, long workingsetSize,
                          boolean activated) {}

    /** A folio moved between lists, or evicted, by reclaim or by an access: for the diagrams. */
    public record Move(long pfn, int from, int to, String why) {}

    /**
     * One kswapd step: the order and zone it balanced, the order and zone kswapd_try_to_sleep()
     * checked, what it reclaimed, whether it went to sleep, and kswapd_failures after.
     */
    public record KswapdRun(int order, int highestZoneidx, int sleepOrder, int sleepZoneidx, long reclaimed, boolean slept,
                            int failures) {}

    private boolean enabled;
    private boolean overflow;
    private final List<Scan> scans = new ArrayList<>();
    private final List<Refault> refaults = new ArrayList<>();
    private final List<Move> moves = new ArrayList<>();
    private final List<KswapdRun> kswapd = new ArrayList<>();

    public void enable(boolean on) {
        this.enabled = on;
    }

    public boolean enabled() {
        return enabled;
    }

    public void clear() {
        scans.clear();
        refaults.clear();
        moves.clear();
        kswapd.clear();
        overflow = false;
    }

    private <T> void add(List<T> l, T r) {
        if (!enabled) return;
        if (scans.size() + refaults.size() + moves.size() + kswapd.size() >= KEEP) {
            overflow = true;
            return;
        }
        l.add(r);
    }

    void scan(Scan s) {
        add(scans, s);
    }

    void refault(Refault r) {
        add(refaults, r);
    }

    void move(Move m) {
        add(moves, m);
    }

    void kswapd(KswapdRun k) {
        add(kswapd, k);
    }

    public List<Scan> scans() {
        return Collections.unmodifiableList(scans);
    }

    public List<Refault> refaults() {
        return Collections.unmodifiableList(refaults);
    }

    public List<Move> moves() {
        return Collections.unmodifiableList(moves);
    }

    public List<KswapdRun> kswapdRuns() {
        return Collections.unmodifiableList(kswapd);
    }

    /** Whether records were dropped because the step made more than {@link #KEEP}. */
    public boolean overflow() {
        return overflow;
    }

    public void copyFrom(ReclaimTrace o) {
        enabled = o.enabled;
        overflow = o.overflow;
        scans.clear();
        scans.addAll(o.scans);
        refaults.clear();
        refaults.addAll(o.refaults);
        moves.clear();
        moves.addAll(o.moves);
        kswapd.clear();
        kswapd.addAll(o.kswapd);
    }

    /** Tests: plant a record as if reclaim had made it. */
    public void plant(Object record) {
        boolean was = enabled;
        enabled = true;
        if (record instanceof Scan s) scan(s);
        else if (record instanceof Refault r) refault(r);
        else if (record instanceof Move m) move(m);
        else if (record instanceof KswapdRun k) kswapd(k);
        enabled = was;
    }
}
