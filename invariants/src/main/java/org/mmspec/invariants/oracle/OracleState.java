package org.mmspec.invariants.oracle;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.mmspec.invariants.Violation;
import org.mmspec.invariants.engine.ModelState;
import org.mmspec.invariants.engine.Rng;
import org.mmspec.invariants.oracle.PageAllocatorUnderTest.Claims;
import org.mmspec.invariants.oracle.PageAllocatorUnderTest.Migratetype;
import org.mmspec.spec.buddy.BuddySpec;

/**
 * The oracle's checked state: the implementation under test, the spec driven by the
 * implementation's answers (spec/README.md, "Buddy", with one zone, no watermarks and no
 * pageblock classes), the live allocations by handle (the id of the step that made them), the
 * implementation's last snapshot of its free blocks when it offers one, and what the last step
 * found wrong.
 *
 * <p>The implementation cannot be copied (it may be another process), so a copy of the state is
 * <em>detached</em>: it keeps the spec's view and the requests sent so far, and when a detached
 * state is stepped, the oracle starts a fresh instance (or resets an idle one) and replays those
 * requests, checking that every answer is the same as the first time. The explorers see the
 * spec's view; the implementation is rebuilt on demand.
 */
public final class OracleState implements ModelState<OracleState> {
    /** One request sent to the implementation and its answer, for rebuilding a detached state. */
    record Call(String op, long pfn, int order, Migratetype mt, long answer) {
        static Call alloc(int order, Migratetype mt, long pfn) {
            return new Call("alloc", -1, order, mt, pfn);
        }

        static Call free(long pfn, int order, boolean accepted) {
            return new Call("free", pfn, order, null, accepted ? 1 : 0);
        }

        String describe() {
            return op.equals("alloc") ? "alloc(order=" + order + ", migratetype=" + mt.wire() + ")"
                    : "free(pfn=0x" + Long.toHexString(pfn) + ", order=" + order + ")";
        }

        String answerText() {
            if (op.equals("alloc")) return answer < 0 ? "failure" : "pfn 0x" + Long.toHexString(answer);
            return answer != 0 ? "accepted" : "refused";
        }
    }

    final OracleSubsystem owner;
    public final long pages;
    public final int maxOrder;
    public final BuddySpec spec;
    /** handle → {pfn, order}; ordered, so runs are deterministic. */
    public final TreeMap<Long, long[]> handles = new TreeMap<>();
    final ArrayList<Long> handleList = new ArrayList<>();
    /** What the implementation claims; null until an instance has answered. */
    public Claims claims;
    /** The implementation's free blocks {pfn, order} after the last step, sorted; null when it offers none. */
    public List<long[]> snapshot;
    /** The implementation's digest of its whole state after the last step; null when it offers none. */
    public String digest;
    /** Violations the last step found (everything judged from an answer rather than from the state). */
    public final List<Violation> pending = new ArrayList<>();
    /** Requests answered since configure, in order. */
    final List<Call> history;
    /** Set when the implementation failed to answer: nothing more is asked of it. */
    public boolean failed;
    /** How often a drawn free is skipped in this try: near 1 fills memory, near 0 churns. */
    public double freeSkip = 0.2;
    /** Allocations per order, and failed allocations, for the situations report. */
    final long[] allocsByOrder;
    long failures;
    long badFreesRefused;
    /** The live instance; null when detached. */
    PageAllocatorUnderTest impl;

    OracleState(OracleSubsystem owner, long pages, int maxOrder) {
        this.owner = owner;
        this.pages = pages;
        this.maxOrder = maxOrder;
        long size = (pages + (1L << maxOrder) - 1) >>> maxOrder << maxOrder;
        this.spec = new BuddySpec(0, (int) size, maxOrder, maxOrder);
        spec.makeAvailable(0, pages, 0);
        spec.initialFree();
        this.history = new ArrayList<>();
        this.allocsByOrder = new long[maxOrder + 1];
    }

    private OracleState(OracleState o) {
        this.owner = o.owner;
        this.pages = o.pages;
        this.maxOrder = o.maxOrder;
        this.spec = o.spec.copy();
        for (Map.Entry<Long, long[]> e : o.handles.entrySet()) handles.put(e.getKey(), e.getValue().clone());
        this.handleList.addAll(o.handleList);
        this.claims = o.claims;
        this.snapshot = o.snapshot;
        this.digest = o.digest;
        this.pending.addAll(o.pending);
        this.history = new ArrayList<>(o.history);
        this.failed = o.failed;
        this.freeSkip = o.freeSkip;
        this.allocsByOrder = o.allocsByOrder.clone();
        this.failures = o.failures;
        this.badFreesRefused = o.badFreesRefused;
    }

    /** A detached copy: the spec's view and the request history, no live instance. */
    @Override
    public OracleState copy() {
        return new OracleState(this);
    }

    /** The spec's blocks, the implementation's snapshot and digest when offered, and whether it has failed. */
    @Override
    public long fingerprint() {
        long h = spec.fingerprint();
        if (snapshot != null) {
            for (long[] b : snapshot) h = org.mmspec.reference.page.MemMap.mix(h ^ (b[0] << 8 | b[1]));
        }
        if (digest != null) {
            long d = 0xcbf29ce484222325L; // FNV-1a
            for (int i = 0; i < digest.length(); i++) d = (d ^ digest.charAt(i)) * 0x100000001b3L;
            h = org.mmspec.reference.page.MemMap.mix(h ^ d);
        }
        return org.mmspec.reference.page.MemMap.mix(h ^ (failed ? 1 : 0));
    }

    /** The name of the implementation, as its claims give it. */
    public String implementationName() {
        return claims == null ? owner.implementation() : claims.name();
    }

    /** Whether the implementation instance of this state is live (false: detached or failed). */
    public boolean attached() {
        return impl != null;
    }

    // ------------------------------------------------------------------ talking to the implementation

    /**
     * Runs {@code f} on a live instance (rebuilding a detached state first); on any failure to
     * answer records an ORACLE-PROTOCOL violation naming {@code request}, drops the instance and
     * returns null.
     */
    <T> T ask(String request, java.util.function.Function<PageAllocatorUnderTest, T> f) {
        if (failed) return null;
        if (impl == null && !rebuild()) return null;
        try {
            return f.apply(impl);
        } catch (ImplementationFailure e) {
            fail(e.getMessage());
        } catch (RuntimeException | StackOverflowError | AssertionError e) {
            fail(request + " threw " + e);
        }
        return null;
    }

    /** Starts an instance for this state and replays its history on it; false (with a violation) on failure. */
    private boolean rebuild() {
        PageAllocatorUnderTest fresh;
        try {
            fresh = owner.acquire(this);
        } catch (ImplementationFailure e) {
            fail(e.getMessage());
            return false;
        } catch (RuntimeException e) {
            fail("starting the implementation threw " + e);
            return false;
        }
        impl = fresh;
        if (claims == null) claims = owner.claims();
        for (int k = 0; k < history.size(); k++) {
            Call c = history.get(k);
            long got;
            try {
                got = c.op().equals("alloc") ? impl.allocate(c.order(), c.mt()) : impl.free(c.pfn(), c.order()) ? 1 : 0;
            } catch (ImplementationFailure e) {
                fail("while replaying request " + (k + 1) + " of " + history.size() + " on a fresh instance: " + e.getMessage());
                return false;
            } catch (RuntimeException e) {
                fail("while replaying request " + (k + 1) + " of " + history.size() + " on a fresh instance, "
                        + c.describe() + " threw " + e);
                return false;
            }
            if (got != c.answer()) {
                String now = new Call(c.op(), c.pfn(), c.order(), c.mt(), got).answerText();
                fail("replaying the same " + history.size() + " requests on a fresh instance, request " + (k + 1) + " "
                        + c.describe() + " was answered " + now + " instead of " + c.answerText()
                        + ": the implementation is not deterministic, which the oracle needs to rebuild and shrink runs");
                return false;
            }
        }
        return true;
    }

    /** Records a failure to answer; the instance is closed and nothing more is asked. */
    void fail(String message) {
        pending.add(new Violation(OracleInvariants.PROTOCOL, message, null, List.of(implementationName())));
        failed = true;
        owner.release(this);
    }

    /** Detaches the live instance (the pool takes it back); the state keeps its history. */
    PageAllocatorUnderTest detach() {
        PageAllocatorUnderTest i = impl;
        impl = null;
        return i;
    }

    /**
     * After a step: asks for the free blocks when the implementation offers a snapshot, and for
     * its digest when it offers one; each stays null when it does not.
     */
    void takeSnapshot() {
        freeBlocksSnapshot();
        digest = null;
        if (!failed && owner.digestOffered()) digest = ask("digest()", PageAllocatorUnderTest::digest);
    }

    private void freeBlocksSnapshot() {
        if (claims == null || !claims.snapshot() || failed) {
            snapshot = null;
            return;
        }
        List<long[]> raw = ask("freeBlocks()", PageAllocatorUnderTest::freeBlocks);
        if (raw == null) {
            snapshot = null;
            return;
        }
        List<long[]> out = new ArrayList<>(raw.size());
        for (int k = 0; k < raw.size(); k++) {
            long[] b = raw.get(k);
            if (b == null || b.length != 2) {
                fail("freeBlocks() entry " + k + " is " + (b == null ? "null" : b.length + " numbers") + ", not {pfn, order}");
                snapshot = null;
                return;
            }
            out.add(b.clone());
        }
        out.sort(Comparator.<long[]>comparingLong(b -> b[0]).thenComparingLong(b -> b[1]));
        snapshot = Collections.unmodifiableList(out);
    }

    // ------------------------------------------------------------------ handles

    void addHandle(long h, long pfn, long order) {
        handles.put(h, new long[] {pfn, order});
        handleList.add(h);
    }

    void removeHandle(long h) {
        handles.remove(h);
        int i = handleList.indexOf(h);
        if (i >= 0) {
            int last = handleList.size() - 1;
            handleList.set(i, handleList.get(last));
            handleList.remove(last);
        }
    }

    Long randomHandle(Rng rng) {
        if (handleList.size() != handles.size()) {
            handleList.clear();
            handleList.addAll(handles.keySet());
        }
        if (handleList.isEmpty()) return null;
        return handleList.get(rng.nextInt(handleList.size()));
    }

    /** The handle whose block starts at pfn, or null. */
    public Long handleAt(long pfn) {
        for (Map.Entry<Long, long[]> e : handles.entrySet()) if (e.getValue()[0] == pfn) return e.getKey();
        return null;
    }

    /** The handle whose block contains pfn, or null. */
    public Long handleContaining(long pfn) {
        for (Map.Entry<Long, long[]> e : handles.entrySet()) {
            long[] b = e.getValue();
            if (pfn >= b[0] && pfn < b[0] + (1L << b[1])) return e.getKey();
        }
        return null;
    }

    /** Pages in live allocations. */
    public long allocatedPages() {
        long n = 0;
        for (long[] b : handles.values()) n += 1L << b[1];
        return n;
    }

    /** The spec's free blocks {pfn, order}, by pfn. */
    public List<long[]> specFreeBlocks() {
        List<long[]> out = new ArrayList<>();
        for (long p = 0; p < pages; ) {
            int o = spec.headOrder(p);
            if (o >= 0) {
                if (spec.isFreeHead(p)) out.add(new long[] {p, o});
                p += 1L << o;
            } else {
                p++;
            }
        }
        return out;
    }

    /** The lowest free block of the spec of order at least {@code order}, or null. */
    long[] specFreeBlockAtLeast(int order) {
        long[] best = null;
        for (long[] b : specFreeBlocks()) if (b[1] >= order && (best == null || b[1] < best[1])) best = b;
        return best;
    }

    static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }

    static String range(long pfn, int order) {
        return "[" + hex(pfn) + ", " + hex(pfn + (1L << order)) + ")";
    }
}
