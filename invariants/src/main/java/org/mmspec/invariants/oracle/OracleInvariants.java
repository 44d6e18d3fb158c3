package org.mmspec.invariants.oracle;

import static org.mmspec.invariants.oracle.OracleState.hex;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.mmspec.invariants.Invariant;
import org.mmspec.invariants.Violation;

/**
 * The oracle's invariants: what the policy-free spec requires of any page allocator, checked on
 * the answers of an implementation under test and on its snapshot. Each applies only where the
 * implementation claims what it needs (spec/README.md, "Oracle"): the answer checks apply to
 * every implementation; the snapshot checks when it offers a snapshot; maximal merging when it
 * also claims buddy semantics; the bad-free check when it claims to reject bad frees.
 */
public final class OracleInvariants {
    private OracleInvariants() {}

    public static final String SUBSYSTEM = "oracle";

    public static final String PROTOCOL = "ORACLE-PROTOCOL";
    public static final String RANGE = "ORACLE-RANGE";
    public static final String ALIGN = "ORACLE-ALIGN";
    public static final String OVERLAP = "ORACLE-OVERLAP";
    public static final String EXACT_FREE = "ORACLE-EXACT-FREE";
    public static final String BAD_FREE = "ORACLE-BAD-FREE";
    public static final String NO_SPURIOUS_FAILURE = "ORACLE-NO-SPURIOUS-FAILURE";
    public static final String CONSERVATION = "ORACLE-CONSERVATION";
    public static final String SNAPSHOT = "ORACLE-SNAPSHOT";
    public static final String MAX_MERGE = "ORACLE-MAX-MERGE";

    /** Which claim an invariant needs, for reports: "" for every implementation. */
    public static String needs(String id) {
        return switch (id) {
            case BAD_FREE -> "rejects-bad-frees";
            case CONSERVATION, SNAPSHOT -> "snapshot";
            case MAX_MERGE -> "buddy + snapshot";
            default -> "";
        };
    }

    /** Whether an invariant applies to an implementation with these claims. */
    public static boolean applies(String id, PageAllocatorUnderTest.Claims c) {
        return switch (id) {
            case BAD_FREE -> c.rejectsBadFrees();
            case CONSERVATION, SNAPSHOT -> c.snapshot();
            case MAX_MERGE -> c.snapshot() && c.buddy();
            default -> true;
        };
    }

    public static List<Invariant<OracleState>> all() {
        List<Invariant<OracleState>> l = new ArrayList<>();
        l.add(pending(PROTOCOL,
                "The implementation answers every request in time with a well-formed answer, without crashing or throwing, "
                        + "and answers the same requests the same way on a fresh instance.",
                "spec/README.md, Oracle: the contract of the SPI and of protocol mmspec-oracle/1"));
        l.add(pending(RANGE,
                "Every allocation of order o returns 2^o pages inside the managed pages [0, pages).",
                "mm/page_alloc.c:__free_one_page (v6.18): VM_BUG_ON_PAGE(bad_range(zone, page)); spec/README.md, Buddy: alloc"));
        l.add(pending(ALIGN,
                "Every allocation of order o returns a pfn aligned to 2^o.",
                "mm/page_alloc.c:__free_one_page (v6.18): VM_BUG_ON_PAGE(pfn & ((1 << order) - 1)); expand"));
        l.add(pending(OVERLAP,
                "An allocation never overlaps a live allocation: every page it returns was free.",
                "mm/page_alloc.c:check_new_page, expand (v6.18); spec/README.md, Buddy: alloc"));
        l.add(pending(EXACT_FREE,
                "Freeing a live allocation with the pfn and order it was handed out is accepted, and (with a snapshot) adds "
                        + "exactly those 2^o pages to the free pages.",
                "mm/page_alloc.c:__free_pages, __free_one_page (v6.18); spec/README.md, Buddy: free"));
        l.add(pending(BAD_FREE,
                "Where the implementation claims to reject bad frees, a free of anything but a live allocation (a double free, "
                        + "a wrong order, a page inside a block, a pfn outside memory) is refused and changes no free block.",
                "mm/page_alloc.c:free_page_is_bad, bad_page (v6.18)"));
        l.add(pending(NO_SPURIOUS_FAILURE,
                "An allocation of order o fails only when no aligned free range of 2^o pages exists, that is when the spec "
                        + "has no free block of order o or more.",
                "mm/page_alloc.c:__rmqueue_smallest (v6.18); spec/README.md, Buddy: alloc (no watermarks)"));
        l.add(Invariant.of(SNAPSHOT, SUBSYSTEM,
                "Every free block of the snapshot has an order in 0..max_order, is aligned to it, lies inside the managed "
                        + "pages, and overlaps no other free block and no live allocation.",
                "spec/README.md, Buddy: state invariants 1 and 2 (alignment, partition)", OracleInvariants::snapshot));
        l.add(Invariant.of(CONSERVATION, SUBSYSTEM,
                "The free pages the snapshot lists add up to the managed pages minus the pages of live allocations.",
                "mm/page_alloc.c:account_freepages, __free_one_page (v6.18): NR_FREE_PAGES", OracleInvariants::conservation));
        l.add(Invariant.of(MAX_MERGE, SUBSYSTEM,
                "Where the implementation claims buddy semantics, no two free blocks of the snapshot are buddies of the same "
                        + "order below max_order: frees merge as far as they go.",
                "mm/page_alloc.c:__free_one_page (v6.18); mm/internal.h:page_is_buddy (v6.18)", OracleInvariants::maxMerge));
        return List.copyOf(l);
    }

    /** An invariant judged on the last step's answer: the violations the step recorded under this ID. */
    static Invariant<OracleState> pending(String id, String statement, String citation) {
        return Invariant.of(id, SUBSYSTEM, statement, citation, (s, out) -> {
            for (Violation v : s.pending) if (v.invariantId().equals(id)) out.add(v);
        });
    }

    /** Counts, page by page, the snapshot's free blocks and the live allocations covering each managed page. */
    static int[] coverage(OracleState s) {
        int[] cnt = new int[(int) s.pages];
        for (long[] b : s.snapshot) {
            if (b[0] < 0 || b[1] < 0 || b[1] > 40) continue;
            for (long p = b[0]; p < b[0] + (1L << b[1]) && p < s.pages; p++) cnt[(int) p]++;
        }
        for (long[] b : s.handles.values()) {
            for (long p = b[0]; p < b[0] + (1L << b[1]) && p < s.pages; p++) cnt[(int) p]++;
        }
        return cnt;
    }

    static void conservation(OracleState s, List<Violation> out) {
        if (s.snapshot == null || s.failed) return;
        long listed = 0;
        for (long[] b : s.snapshot) {
            if (b[1] < 0 || b[1] > 40) {
                listed = Long.MAX_VALUE;
                break;
            }
            listed += 1L << b[1];
        }
        long allocated = s.allocatedPages();
        long expected = s.pages - allocated;
        if (listed == expected) return;
        int[] cnt = coverage(s);
        List<Long> lost = new ArrayList<>();
        List<Long> twice = new ArrayList<>();
        for (int p = 0; p < cnt.length; p++) {
            if (cnt[p] == 0 && lost.size() < 8) lost.add((long) p);
            if (cnt[p] > 1 && twice.size() < 8) twice.add((long) p);
        }
        StringBuilder sb = new StringBuilder("the snapshot lists ")
                .append(listed == Long.MAX_VALUE ? "more than 2^40" : String.valueOf(listed)).append(" free pages, but ")
                .append(s.pages).append(" managed - ").append(allocated).append(" allocated (").append(s.handles.size())
                .append(" live allocations) = ").append(expected);
        if (!lost.isEmpty()) sb.append("; neither free nor allocated: ").append(list(lost));
        if (!twice.isEmpty()) sb.append("; counted twice: ").append(list(twice));
        List<Long> red = new ArrayList<>(lost);
        red.addAll(twice);
        out.add(new Violation(CONSERVATION, sb.toString(), red, null));
    }

    private static String list(List<Long> pfns) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < pfns.size(); i++) sb.append(i == 0 ? "" : ", ").append(hex(pfns.get(i)));
        return sb.append(pfns.size() == 8 ? ", ..." : "").toString();
    }

    static void snapshot(OracleState s, List<Violation> out) {
        if (s.snapshot == null || s.failed) return;
        int reported = 0;
        List<long[]> good = new ArrayList<>();
        for (long[] b : s.snapshot) {
            String what = null;
            if (b[1] < 0 || b[1] > s.maxOrder) what = "has order " + b[1] + ", outside 0.." + s.maxOrder;
            else if ((b[0] & ((1L << b[1]) - 1)) != 0) what = "is not aligned to 2^" + b[1];
            else if (b[0] < 0 || b[0] > s.pages - (1L << b[1])) what = "is not inside the managed pages [0x0, " + hex(s.pages) + ")";
            if (what != null) {
                if (reported++ < 4) out.add(Violation.of(SNAPSHOT, "the free block " + hex(b[0]) + " order " + b[1] + " " + what, b[0]));
            } else {
                good.add(b);
            }
        }
        // snapshot is sorted by pfn: an aligned block overlapping the next one contains its head
        for (int i = 0; i + 1 < good.size() && reported < 4; i++) {
            long[] a = good.get(i);
            long[] b = good.get(i + 1);
            if (b[0] < a[0] + (1L << a[1])) {
                out.add(Violation.of(SNAPSHOT, "the free blocks " + hex(a[0]) + " order " + a[1] + " and " + hex(b[0]) + " order "
                        + b[1] + " overlap", a[0], b[0]));
                reported++;
            }
        }
        java.util.BitSet allocated = new java.util.BitSet((int) s.pages);
        for (long[] live : s.handles.values()) allocated.set((int) live[0], (int) (live[0] + (1L << live[1])));
        for (long[] b : good) {
            if (reported >= 4) break;
            int p = allocated.nextSetBit((int) b[0]);
            if (p >= 0 && p < b[0] + (1L << b[1])) {
                Long h = s.handleContaining(p);
                long[] live = s.handles.get(h);
                out.add(Violation.of(SNAPSHOT, "the free block " + hex(b[0]) + " order " + b[1] + " covers the live allocation "
                        + hex(live[0]) + " of order " + live[1] + " (handle " + h + ")", b[0], live[0]));
                reported++;
            }
        }
    }

    static void maxMerge(OracleState s, List<Violation> out) {
        if (s.snapshot == null || s.failed || s.claims == null || !s.claims.buddy()) return;
        Set<Long> blocks = new HashSet<>();
        for (long[] b : s.snapshot) blocks.add(b[0] << 8 | (b[1] & 0xff));
        for (long[] b : s.snapshot) {
            if (b[1] < 0 || b[1] >= s.maxOrder) continue;
            long buddy = b[0] ^ (1L << b[1]);
            if (buddy > b[0] && blocks.contains(buddy << 8 | b[1])) {
                out.add(Violation.of(MAX_MERGE, "free buddies " + hex(b[0]) + " and " + hex(buddy) + " of order " + b[1]
                        + " are not merged into " + hex(b[0]) + " of order " + (b[1] + 1), b[0], buddy));
            }
        }
    }
}
