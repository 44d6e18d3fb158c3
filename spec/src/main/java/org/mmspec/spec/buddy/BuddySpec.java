package org.mmspec.spec.buddy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;

/**
 * The policy-free specification of a buddy page allocator (spec/README.md, "Buddy").
 *
 * <p>State: the available page frames of each zone, partitioned into aligned power-of-two
 * blocks, each free or allocated; a class per pageblock (NORMAL, HIGHATOMIC, CMA, ISOLATED); and
 * the pairs of free buddies whose merge was deferred because their pageblocks changed class while
 * they were free. Operations: {@link #alloc}, {@link #free}, {@link #isolate},
 * {@link #unisolate} and {@link #retype}. Each checks what any correct implementation must do and
 * returns the violation in words, or null; the state then follows the implementation's choice.
 *
 * <p>Nothing here says which block an allocation picks, when it falls back, or how types are
 * chosen: those are policy. What it does say: an allocation returns an aligned range of exactly
 * the requested size that lay inside one free block of a class the request may use, in a zone it
 * may use, and it may fail only when no zone has both enough free pages above its floor and a free
 * block that large; a free returns exactly an allocated block; frees merge with every free buddy
 * of the same order whose class matches, up to the top order and never across zones; free blocks
 * never span pageblocks of different classes.
 */
public final class BuddySpec {
    public static final int NORMAL = 0;
    public static final int HIGHATOMIC = 1;
    public static final int CMA = 2;
    public static final int ISOLATED = 3;
    public static final String[] CLASS_NAMES = {"normal", "highatomic", "cma", "isolated"};

    public static final byte NONE = -1;

    private final long base;
    private final int nrPages;
    private final int maxOrder;
    private final int pageblockOrder;
    /** zone index of each available page; {@link #NONE} for holes, reserved pages and pfns outside zones. */
    private final byte[] zone;
    /** order of the block headed at this page, or {@link #NONE}. */
    private final byte[] headOrder;
    /** whether the block headed here is free. */
    private final boolean[] headFree;
    private final byte[] pbClass;
    /** availPrefix[i] = available pages in [base, base + i); built after boot. */
    private int[] availPrefix;
    /** Deferred merges: key (pfn of the lower block) &lt;&lt; 8 | order. */
    private final TreeSet<Long> deferred = new TreeSet<>();

    /**
     * An empty spec over [base, base + nrPages) with no available pages; {@link #makeAvailable}
     * then {@link #initialFree} describe the boot state.
     */
    public BuddySpec(long base, int nrPages, int maxOrder, int pageblockOrder) {
        if ((base & ((1L << maxOrder) - 1)) != 0 || (nrPages & ((1 << maxOrder) - 1)) != 0) {
            throw new IllegalArgumentException("spec geometry must be aligned to 2^maxOrder");
        }
        this.base = base;
        this.nrPages = nrPages;
        this.maxOrder = maxOrder;
        this.pageblockOrder = pageblockOrder;
        this.zone = new byte[nrPages];
        this.headOrder = new byte[nrPages];
        this.headFree = new boolean[nrPages];
        this.pbClass = new byte[nrPages >> pageblockOrder];
        Arrays.fill(zone, NONE);
        Arrays.fill(headOrder, NONE);
    }

    private BuddySpec(BuddySpec o) {
        this.base = o.base;
        this.nrPages = o.nrPages;
        this.maxOrder = o.maxOrder;
        this.pageblockOrder = o.pageblockOrder;
        this.zone = o.zone.clone();
        this.headOrder = o.headOrder.clone();
        this.headFree = o.headFree.clone();
        this.pbClass = o.pbClass.clone();
        this.deferred.addAll(o.deferred);
        this.availPrefix = o.availPrefix;
    }

    public BuddySpec copy() {
        return new BuddySpec(this);
    }

    public void copyFrom(BuddySpec o) {
        System.arraycopy(o.zone, 0, zone, 0, nrPages);
        System.arraycopy(o.headOrder, 0, headOrder, 0, nrPages);
        System.arraycopy(o.headFree, 0, headFree, 0, nrPages);
        System.arraycopy(o.pbClass, 0, pbClass, 0, pbClass.length);
        deferred.clear();
        deferred.addAll(o.deferred);
        availPrefix = o.availPrefix;
    }

    /**
     * Writes the state (blocks, classes, deferred merges) as a sequence of ints, for a compact
     * saved copy; {@link #restoreState} reads it back into a spec of the same geometry. Keep both
     * in step with {@link #copyFrom}.
     */
    public void saveState(java.util.function.IntConsumer out) {
        for (int i = 0; i < nrPages; i++) out.accept(zone[i]);
        for (int i = 0; i < nrPages; i++) out.accept(headOrder[i] < 0 ? 0 : (headOrder[i] + 1) << 1 | (headFree[i] ? 1 : 0));
        for (byte c : pbClass) out.accept(c);
        out.accept(deferred.size());
        for (long d : deferred) {
            out.accept((int) (d >>> 32));
            out.accept((int) d);
        }
    }

    /** Reads what {@link #saveState} wrote. */
    public void restoreState(java.util.function.IntSupplier in) {
        boolean zonesChanged = false;
        for (int i = 0; i < nrPages; i++) {
            byte z = (byte) in.getAsInt();
            zonesChanged |= z != zone[i];
            zone[i] = z;
        }
        if (zonesChanged) availPrefix = null;
        for (int i = 0; i < nrPages; i++) {
            int h = in.getAsInt();
            headOrder[i] = h == 0 ? NONE : (byte) ((h >> 1) - 1);
            headFree[i] = h != 0 && (h & 1) != 0;
        }
        for (int i = 0; i < pbClass.length; i++) pbClass[i] = (byte) in.getAsInt();
        deferred.clear();
        int n = in.getAsInt();
        for (int k = 0; k < n; k++) deferred.add(((long) in.getAsInt() << 32) | (in.getAsInt() & 0xffffffffL));
    }

    private void setHead(int i, int order, boolean free) {
        headOrder[i] = (byte) order;
        headFree[i] = free;
    }

    private void clearHead(int i) {
        headOrder[i] = NONE;
        headFree[i] = false;
    }

    // ------------------------------------------------------------------ geometry and queries

    public long base() {
        return base;
    }

    public int nrPages() {
        return nrPages;
    }

    public int maxOrder() {
        return maxOrder;
    }

    public int pageblockOrder() {
        return pageblockOrder;
    }

    public boolean covers(long pfn) {
        return pfn >= base && pfn < base + nrPages;
    }

    private int idx(long pfn) {
        return (int) (pfn - base);
    }

    /** The zone of an available page, or -1. */
    public int zoneOf(long pfn) {
        return covers(pfn) ? zone[idx(pfn)] : NONE;
    }

    public int classOf(long pfn) {
        return pbClass[idx(pfn) >> pageblockOrder];
    }

    /** The order of the block headed at pfn, or -1. */
    public int headOrder(long pfn) {
        return covers(pfn) ? headOrder[idx(pfn)] : NONE;
    }

    public boolean isFreeHead(long pfn) {
        return covers(pfn) && headOrder[idx(pfn)] >= 0 && headFree[idx(pfn)];
    }

    public boolean isAllocatedHead(long pfn) {
        return covers(pfn) && headOrder[idx(pfn)] >= 0 && !headFree[idx(pfn)];
    }

    public boolean isDeferred(long lowerPfn, int order) {
        return deferred.contains((lowerPfn << 8) | order);
    }

    public List<long[]> deferredPairs() {
        List<long[]> out = new ArrayList<>();
        for (long k : deferred) out.add(new long[] {k >>> 8, k & 0xff});
        return out;
    }

    /** The head of the block containing pfn, or -1 when pfn is unavailable. */
    public long blockHead(long pfn) {
        if (zoneOf(pfn) < 0) return -1;
        for (int o = 0; o <= maxOrder; o++) {
            long h = pfn & ~((1L << o) - 1);
            if (!covers(h)) return -1;
            int ho = headOrder[idx(h)];
            if (ho >= 0 && h + (1L << ho) > pfn) return h;
        }
        return -1;
    }

    /** Free pages of a zone whose pageblock class is in the mask (bit per class). */
    public long freePages(int zoneIdx, int classMask) {
        long n = 0;
        for (int i = 0; i < nrPages; ) {
            int o = headOrder[i];
            if (o >= 0) {
                if (headFree[i] && zone[i] == zoneIdx && (classMask & (1 << pbClass[i >> pageblockOrder])) != 0) {
                    n += 1L << o;
                }
                i += 1 << o;
            } else {
                i++;
            }
        }
        return n;
    }

    /** Whether the zone has a free block of at least this order in a class of the mask. */
    public boolean hasFreeBlock(int zoneIdx, int order, int classMask) {
        for (int i = 0; i < nrPages; ) {
            int o = headOrder[i];
            if (o >= 0) {
                if (headFree[i] && o >= order && zone[i] == zoneIdx
                        && (classMask & (1 << pbClass[i >> pageblockOrder])) != 0) {
                    return true;
                }
                i += 1 << o;
            } else {
                i++;
            }
        }
        return false;
    }

    // ------------------------------------------------------------------ boot

    /** Declares [start, end) available pages of a zone (present and managed). */
    public void makeAvailable(long start, long end, int zoneIdx) {
        for (long p = start; p < end; p++) zone[idx(p)] = (byte) zoneIdx;
        availPrefix = null;
    }

    public void setClass(long pfn, int cls) {
        pbClass[idx(pfn) >> pageblockOrder] = (byte) cls;
    }

    /**
     * Boot: every available page is free and maximally merged. Blocks never cross zones or
     * classes.
     */
    public void initialFree() {
        for (int i = 0; i < nrPages; i++) {
            if (zone[i] >= 0 && headOrder[i] < 0 && !inBlock(i)) {
                mergeFree(base + i, 0);
            }
        }
    }

    private boolean inBlock(int i) {
        return blockHead(base + i) >= 0;
    }

    // ------------------------------------------------------------------ merging

    /** May two buddies of this order, heads a and b, merge? Same zone, and same class at or above pageblock order. */
    private boolean mergeable(long a, long b, int order) {
        int za = zone[idx(a)];
        if (za < 0 || za != zone[idx(b)]) return false;
        if (order >= pageblockOrder && classOf(a) != classOf(b)) return false;
        return true;
    }

    /** Marks [pfn, 2^order) free and merges it with free buddies as far as allowed. */
    private void mergeFree(long pfn, int order) {
        while (order < maxOrder) {
            long buddy = pfn ^ (1L << order);
            if (!covers(buddy)) break;
            int bi = idx(buddy);
            if (headOrder[bi] != order || !headFree[bi]) break;
            if (!mergeable(pfn, buddy, order)) break;
            clearHead(bi);
            forgetDeferred(Math.min(pfn, buddy), order);
            pfn = pfn & buddy;
            order++;
        }
        setHead(idx(pfn), order, true);
    }

    private void forgetDeferred(long lower, int order) {
        if (!deferred.isEmpty()) deferred.remove((lower << 8) | order);
    }

    /** Forgets any deferred pair that involves the free block at head h of order o. */
    private void forgetBlock(long h, int o) {
        if (deferred.isEmpty()) return;
        long buddy = h ^ (1L << o);
        forgetDeferred(Math.min(h, buddy), o);
    }

    /** Splits the free block at fh of order fo down to the aligned block [pfn, 2^order), which stays unmarked. */
    private void splitTo(long fh, int fo, long pfn, int order) {
        forgetBlock(fh, fo);
        clearHead(idx(fh));
        long h = fh;
        for (int o = fo - 1; o >= order; o--) {
            long lower = h;
            long upper = h + (1L << o);
            long other = pfn >= upper ? lower : upper;
            setHead(idx(other), o, true);
            h = pfn >= upper ? upper : lower;
        }
    }

    // ------------------------------------------------------------------ operations

    /**
     * What an allocation request may use. {@code zones}: the zones it may use in the order it tries
     * them; {@code floor[z]}: the pages zone z keeps back from it (its watermark with the
     * request's reserves, plus lowmem_reserve), or Long.MIN_VALUE for none; {@code countClasses}:
     * the classes whose free pages count toward the floor; {@code blockClasses}: classes whose
     * free blocks the request can certainly take; {@code okClasses}: classes it may take from at
     * all.
     */
    public record AllocRequest(int order, int[] zones, long[] floor, int countClasses, int blockClasses,
                               int okClasses) {}

    /**
     * Checks the outcome of an allocation against the state before it, and applies it: pfn &gt;= 0
     * is the block handed out, -1 a failure. {@code postClass} gives the class of pfn's pageblock
     * after the operation (the operation may retype it). Returns the violation, or null.
     */
    public String alloc(AllocRequest req, long pfn, int postClass) {
        int order = req.order();
        if (pfn < 0) return null; // failure is judged by failurePermitted() on the state after retyping
        if (order < 0 || order > maxOrder) return "allocation of order " + order + " outside 0.." + maxOrder;
        if ((pfn & ((1L << order) - 1)) != 0) {
            return "allocation of order " + order + " returned pfn 0x" + Long.toHexString(pfn)
                    + ", not aligned to 2^" + order;
        }
        if (!covers(pfn) || !covers(pfn + (1L << order) - 1)) {
            return "allocation returned pfn 0x" + Long.toHexString(pfn) + " outside the node";
        }
        int z = zone[idx(pfn)];
        if (z < 0) return "allocation returned pfn 0x" + Long.toHexString(pfn) + ", which is not available memory";
        boolean zoneOk = false;
        for (int a : req.zones()) zoneOk |= a == z;
        if (!zoneOk) return "allocation returned pfn 0x" + Long.toHexString(pfn) + " in zone " + z + ", which the request may not use";
        long fh = blockHead(pfn);
        if (fh < 0 || !headFree[idx(fh)]) {
            return "allocation returned [0x" + Long.toHexString(pfn) + ", 0x" + Long.toHexString(pfn + (1L << order))
                    + ") but pfn 0x" + Long.toHexString(pfn) + " was not free"
                    + (fh >= 0 ? " (it lies in the allocated block 0x" + Long.toHexString(fh) + " order " + headOrder[idx(fh)] + ")" : "");
        }
        int fo = headOrder[idx(fh)];
        if (fo < order) {
            return "allocation of order " + order + " at 0x" + Long.toHexString(pfn) + " spans beyond the free block 0x"
                    + Long.toHexString(fh) + " of order " + fo;
        }
        int preClass = classOf(pfn);
        if (preClass == ISOLATED) {
            return "allocation returned pfn 0x" + Long.toHexString(pfn) + " from an isolated pageblock";
        }
        if ((req.okClasses() & (1 << postClass)) == 0 && (req.okClasses() & (1 << preClass)) == 0) {
            return "allocation returned pfn 0x" + Long.toHexString(pfn) + " from a " + CLASS_NAMES[preClass]
                    + " pageblock, which the request may not use";
        }
        splitTo(fh, fo, pfn, order);
        setHead(idx(pfn), order, false);
        return null;
    }

    /**
     * Whether an allocation may fail in this state: every zone it may use either lacks a free block
     * that large in a class it can take, or would fall below its floor.
     */
    public String failurePermitted(AllocRequest req) {
        for (int z : req.zones()) {
            long floor = req.floor()[z];
            long free = freePages(z, req.countClasses());
            boolean aboveFloor = floor == Long.MIN_VALUE || free - (1L << req.order()) >= floor;
            if (aboveFloor && hasFreeBlock(z, req.order(), req.blockClasses())) {
                return "allocation of order " + req.order() + " failed although zone " + z + " has " + free
                        + " usable free pages (floor " + (floor == Long.MIN_VALUE ? "none" : Long.toString(floor))
                        + ") and a free block of order >= " + req.order();
            }
        }
        return null;
    }

    /** Frees the allocated block [pfn, 2^order): it must be exactly an allocated block. */
    public String free(long pfn, int order) {
        if (!covers(pfn) || headOrder[idx(pfn)] < 0 || headFree[idx(pfn)]) {
            return "free of pfn 0x" + Long.toHexString(pfn) + ", which is not the head of an allocated block";
        }
        if (headOrder[idx(pfn)] != order) {
            return "free of pfn 0x" + Long.toHexString(pfn) + " with order " + order + "; it was allocated with order "
                    + headOrder[idx(pfn)];
        }
        clearHead(idx(pfn));
        int piece = Math.min(order, pageblockOrder);
        for (long p = pfn; p < pfn + (1L << order); p += 1L << piece) mergeFree(p, piece);
        return null;
    }

    /** Gives pageblocks new classes without merging anything (a retype during allocation). */
    public void retype(long pbPfn, int cls) {
        setClass(pbPfn, cls);
    }

    /**
     * After retyping, records every pair of free buddies at or above pageblock order that could
     * now merge but did not: the allocator merges them on the next free, not at once.
     */
    public void noteDeferredMerges() {
        for (int i = 0; i < nrPages; ) {
            int o = headOrder[i];
            if (o < 0) {
                i++;
                continue;
            }
            if (headFree[i] && o >= pageblockOrder && o < maxOrder) {
                long pfn = base + i;
                long buddy = pfn ^ (1L << o);
                if (buddy > pfn && covers(buddy) && headOrder[idx(buddy)] == o && headFree[idx(buddy)]
                        && mergeable(pfn, buddy, o)) {
                    deferred.add((pfn << 8) | o);
                }
            }
            i += 1 << o;
        }
    }

    /** The free block strictly larger than a pageblock that contains pfn's pageblock, or -1. */
    private long largeFreeBlockAround(long pbStart) {
        long h = blockHead(pbStart);
        if (h >= 0 && headFree[idx(h)] && headOrder[idx(h)] > pageblockOrder) return h;
        return -1;
    }

    /** Splits a free block into pageblocks and frees each back, so it re-merges within its class. */
    private void splitIntoPageblocks(long h) {
        int o = headOrder[idx(h)];
        forgetBlock(h, o);
        clearHead(idx(h));
        for (long p = h; p < h + (1L << o); p += 1L << pageblockOrder) mergeFree(p, pageblockOrder);
    }

    /**
     * Isolates a pageblock. {@code accepted} is the implementation's answer; a refusal is allowed
     * only when the block is already isolated or holds pages that are not free.
     */
    public String isolate(long pfn, boolean accepted) {
        long pb = pfn & ~((1L << pageblockOrder) - 1);
        if (!accepted) {
            if (classOf(pb) == ISOLATED || classOf(pb) == CMA) return null; // CMA blocks isolate only for CMA allocations
            for (long p = pb; p < pb + (1L << pageblockOrder); p++) {
                if (zone[idx(p)] != zone[idx(pfn)]) return null; // straddles the zone
                long h = blockHead(p);
                if (h < 0 || !headFree[idx(h)]) return null; // unavailable or allocated pages
            }
            return "isolation of the pageblock at 0x" + Long.toHexString(pb) + " was refused although all its pages are free";
        }
        if (classOf(pb) == ISOLATED) return "isolated the pageblock at 0x" + Long.toHexString(pb) + " twice";
        setClass(pb, ISOLATED);
        long h = largeFreeBlockAround(pb);
        if (h >= 0) splitIntoPageblocks(h);
        noteDeferredMerges(); // isolating moves free pages between lists; it merges nothing
        return null;
    }

    /**
     * Ends the isolation of a pageblock, giving it class {@code cls}: its free memory merges with
     * free buddies of the same class, and no free block spans pageblocks of different classes.
     */
    public String unisolate(long pfn, int cls) {
        long pb = pfn & ~((1L << pageblockOrder) - 1);
        if (classOf(pb) != ISOLATED) return "unisolate of the pageblock at 0x" + Long.toHexString(pb) + ", which is not isolated";
        if (cls == ISOLATED) return "unisolate left the pageblock at 0x" + Long.toHexString(pb) + " isolated";
        setClass(pb, cls);
        long h = largeFreeBlockAround(pb);
        if (h >= 0) {
            splitIntoPageblocks(h);
        } else {
            long fh = blockHead(pb);
            if (fh >= 0 && headFree[idx(fh)] && fh == pb) {
                int o = headOrder[idx(fh)];
                clearHead(idx(fh));
                mergeFree(fh, o);
            }
        }
        noteDeferredMerges();
        return null;
    }

    /**
     * May isolating [start, end) be refused? Only if some pageblock is isolated already, CMA,
     * straddles two zones, or holds pages that are not free.
     */
    public boolean isolationMayBeRefused(long start, long end) {
        long pbn = 1L << pageblockOrder;
        for (long pb = start; pb < end; pb += pbn) {
            int c = classOf(pb);
            if (c == ISOLATED || c == CMA) return true;
            if (zoneOf(pb) != zoneOf(pb + pbn - 1)) return true;
            for (long p = pb; p < pb + pbn; p++) {
                long h = blockHead(p);
                if (h < 0 || !headFree[idx(h)]) return true;
            }
        }
        return false;
    }

    /**
     * Isolates the pageblocks of [start, end) (pageblock aligned), all or nothing. On acceptance
     * every pageblock becomes ISOLATED and no free block spans it with others; a refusal must be
     * allowed ({@link #isolationMayBeRefused}) and changes nothing.
     */
    public String isolateRange(long start, long end, boolean accepted) {
        if (!accepted) {
            if (isolationMayBeRefused(start, end)) return null;
            return "isolation of [0x" + Long.toHexString(start) + ", 0x" + Long.toHexString(end)
                    + ") was refused although every page in it is free and no pageblock is isolated or CMA";
        }
        long pbn = 1L << pageblockOrder;
        for (long pb = start; pb < end; pb += pbn) {
            String v = isolate(pb, true);
            if (v != null) return v;
        }
        return null;
    }

    /** Ends the isolation of every isolated pageblock of [start, end), lowest first; {@code cls} gives each its class. */
    public String undoIsolateRange(long start, long end, java.util.function.LongToIntFunction cls) {
        long pbn = 1L << pageblockOrder;
        for (long pb = start; pb < end; pb += pbn) {
            if (classOf(pb) != ISOLATED) continue;
            String v = unisolate(pb, cls.applyAsInt(pb));
            if (v != null) return v;
        }
        return null;
    }

    // ------------------------------------------------------------------ spec-level invariants

    /**
     * The spec's own invariants: blocks aligned and inside available memory, a partition of the
     * available pages, no free block spanning classes, free blocks maximal except deferred pairs.
     * Returns the violations found (each naming a pfn), empty when the state is well formed.
     */
    public List<String> check() {
        if (availPrefix == null) {
            int[] ap = new int[nrPages + 1];
            for (int i = 0; i < nrPages; i++) ap[i + 1] = ap[i] + (zone[i] >= 0 ? 1 : 0);
            availPrefix = ap;
        }
        // walk block by block; fall back to the page-by-page walk to name a problem
        int heads = 0;
        for (int i = 0; i < nrPages; ) {
            int o = headOrder[i];
            if (o < 0) {
                if (zone[i] >= 0) return checkSlow();
                i++;
                continue;
            }
            heads++;
            int end = i + (1 << o);
            long pfn = base + i;
            if (zone[i] < 0 || (pfn & ((1L << o) - 1)) != 0 || end > nrPages || availPrefix[end] - availPrefix[i] != (1 << o)
                    || zone[end - 1] != zone[i]) {
                return checkSlow();
            }
            if (headFree[i]) {
                if (o > pageblockOrder) {
                    int c = pbClass[i >> pageblockOrder];
                    for (int p = i; p < end; p += 1 << pageblockOrder) if (pbClass[p >> pageblockOrder] != c) return checkSlow();
                }
                if (o < maxOrder) {
                    int b = i ^ (1 << o);
                    if (b > i && b < nrPages && headOrder[b] == o && headFree[b] && mergeable(pfn, base + b, o)
                            && !isDeferred(pfn, o)) {
                        return checkSlow();
                    }
                }
            }
            i = end;
        }
        // a head inside a block was skipped by the walk: count every head to notice one
        int all = 0;
        for (byte b : headOrder) if (b >= 0) all++;
        if (heads != all) return checkSlow();
        return List.of();
    }

    /** The page-by-page form of {@link #check()}, which names every problem it finds. */
    public List<String> checkSlow() {
        List<String> out = null;
        int blockHead = -1;
        int blockEnd = 0;
        for (int i = 0; i < nrPages; i++) {
            int o = headOrder[i];
            byte z = zone[i];
            if (i < blockEnd) {
                if (o >= 0) {
                    out = add(out, "block 0x" + Long.toHexString(base + blockHead) + " order " + headOrder[blockHead]
                            + " overlaps the block at 0x" + Long.toHexString(base + i));
                } else if (z != zone[blockHead]) {
                    out = add(out, "block 0x" + Long.toHexString(base + blockHead) + " order " + headOrder[blockHead]
                            + " leaves its zone at 0x" + Long.toHexString(base + i));
                    blockEnd = i; // report once
                }
                if (o < 0) continue;
            }
            long pfn = base + i;
            if (z < 0) {
                if (o >= 0) out = add(out, "block head at unavailable pfn 0x" + Long.toHexString(pfn));
                continue;
            }
            if (o < 0) {
                out = add(out, "available pfn 0x" + Long.toHexString(pfn) + " is in no block");
                continue;
            }
            blockHead = i;
            blockEnd = i + (1 << o);
            if ((pfn & ((1L << o) - 1)) != 0) out = add(out, "block 0x" + Long.toHexString(pfn) + " order " + o + " is misaligned");
            if (!headFree[i]) continue;
            if (o > pageblockOrder) {
                int c = classOf(pfn);
                for (long p = pfn; p < pfn + (1L << o) && covers(p); p += 1L << pageblockOrder) {
                    if (classOf(p) != c) {
                        out = add(out, "free block 0x" + Long.toHexString(pfn) + " order " + o + " spans pageblocks of classes "
                                + CLASS_NAMES[c] + " and " + CLASS_NAMES[classOf(p)]);
                        break;
                    }
                }
            }
            if (o < maxOrder) {
                long buddy = pfn ^ (1L << o);
                if (buddy > pfn && covers(buddy) && headOrder[idx(buddy)] == o && headFree[idx(buddy)] && mergeable(pfn, buddy, o)
                        && !isDeferred(pfn, o)) {
                    out = add(out, "free buddies 0x" + Long.toHexString(pfn) + " and 0x" + Long.toHexString(buddy) + " of order " + o
                            + " are not merged");
                }
            }
        }
        return out == null ? List.of() : out;
    }

    private static List<String> add(List<String> out, String v) {
        if (out == null) out = new ArrayList<>();
        if (out.size() < 16) out.add(v);
        return out;
    }

    /** A 64-bit fingerprint of the state, for the bounded explorer. */
    public long fingerprint() {
        long h = 0x9E3779B97F4A7C15L;
        for (int i = 0; i < nrPages; i++) {
            int o = headOrder[i];
            if (o >= 0) h = mix(h, ((long) i << 8) | ((long) o << 1) | (headFree[i] ? 1 : 0));
        }
        for (int i = 0; i < pbClass.length; i++) h = mix(h, pbClass[i]);
        for (long d : deferred) h = mix(h, d);
        return h;
    }

    static long mix(long h, long v) {
        h ^= v + 0x9E3779B97F4A7C15L + (h << 6) + (h >>> 2);
        h *= 0xBF58476D1CE4E5B9L;
        return h ^ (h >>> 31);
    }
}
