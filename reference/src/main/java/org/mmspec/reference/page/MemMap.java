package org.mmspec.reference.page;

import java.util.Arrays;

/**
 * The node's {@code mem_map}: one struct page per page frame, stored as parallel primitive
 * arrays indexed by {@code pfn - basePfn} (an object per page would cost ~100 bytes each).
 * The map covers the node span rounded out to MAX_PAGE_ORDER alignment, because buddy arithmetic
 * assumes "*_mem_map is contiguous at least up to MAX_PAGE_ORDER" (mm/internal.h:__find_buddy_pfn).
 *
 * <p>{@code next}/{@code prev} are {@code page->lru}: the kernel unions {@code buddy_list},
 * {@code pcp_list} and {@code lru}, since a page sits on at most one of those lists at a time.
 * Fields only the reverse map and reclaim need ({@code _mapcount}, {@code mapping},
 * {@code index}, {@code private}) are allocated on first use so the buddy allocator alone stays
 * near 14 bytes per page frame.
 */
public final class MemMap {
    public static final int NIL = -1;

    private final long basePfn;
    private final int nrPages;
    /** page->flags, with the zone id in the top bits and the page type. */
    public final int[] flags;
    /** page_private() for buddy pages: the free block's order; for allocated heads: the allocation order. */
    public final byte[] order;
    /**
     * page->lru.next and page->lru.prev, interleaved (next at 2i, prev at 2i + 1) so that a
     * list operation on a page touches one cache line, as it does on the kernel's struct page;
     * a page index, a list head (-2 - list) or {@link #NIL} when unlinked.
     */
    private final int[] links;
    /** page->_refcount. */
    public final int[] refcount;

    /**
     * List heads, as the kernel's {@code struct list_head} sentinels: head {@code l} is encoded in
     * a page's next/prev as {@code -2 - l}, so {@link #listDel} works without knowing the list,
     * exactly like the kernel's list_del().
     */
    private int[] headNext = new int[0];
    private int[] headPrev = new int[0];
    private int nrLists;

    private int[] mapcount;
    private int[] mapping;
    private long[] index;
    private long[] privateData;

    public MemMap(long basePfn, int nrPages) {
        this.basePfn = basePfn;
        this.nrPages = nrPages;
        this.flags = new int[nrPages];
        this.order = new byte[nrPages];
        this.links = new int[2 * nrPages];
        this.refcount = new int[nrPages];
        Arrays.fill(links, NIL);
    }

    private MemMap(MemMap o) {
        this.basePfn = o.basePfn;
        this.nrPages = o.nrPages;
        this.flags = o.flags.clone();
        this.order = o.order.clone();
        this.links = o.links.clone();
        this.refcount = o.refcount.clone();
        this.headNext = o.headNext.clone();
        this.headPrev = o.headPrev.clone();
        this.nrLists = o.nrLists;
        this.mapcount = o.mapcount == null ? null : o.mapcount.clone();
        this.mapping = o.mapping == null ? null : o.mapping.clone();
        this.index = o.index == null ? null : o.index.clone();
        this.privateData = o.privateData == null ? null : o.privateData.clone();
    }

    public MemMap copy() {
        return new MemMap(this);
    }

    /** Copies every field of {@code o} into this map (same geometry), without allocating. */
    public void copyFrom(MemMap o) {
        System.arraycopy(o.flags, 0, flags, 0, nrPages);
        System.arraycopy(o.order, 0, order, 0, nrPages);
        System.arraycopy(o.links, 0, links, 0, 2 * nrPages);
        System.arraycopy(o.refcount, 0, refcount, 0, nrPages);
        if (headNext.length != o.headNext.length) {
            headNext = o.headNext.clone();
            headPrev = o.headPrev.clone();
        } else {
            System.arraycopy(o.headNext, 0, headNext, 0, headNext.length);
            System.arraycopy(o.headPrev, 0, headPrev, 0, headPrev.length);
        }
        nrLists = o.nrLists;
        mapcount = copyOf(o.mapcount, mapcount);
        mapping = copyOf(o.mapping, mapping);
        index = copyOf(o.index, index);
        privateData = copyOf(o.privateData, privateData);
    }

    /**
     * Writes every field {@link #copyFrom} copies, as a sequence of ints, for a compact saved
     * state (the bounded explorer's queue); {@link #restoreState} reads them back in the same
     * order into a map of the same geometry. Keep the three in step.
     */
    public void saveState(java.util.function.IntConsumer out) {
        for (int i = 0; i < nrPages; i++) out.accept(flags[i]);
        for (int i = 0; i < nrPages; i++) out.accept(order[i]);
        for (int i = 0; i < 2 * nrPages; i++) out.accept(links[i]);
        for (int i = 0; i < nrPages; i++) out.accept(refcount[i]);
        out.accept(nrLists);
        for (int l = 0; l < nrLists; l++) out.accept(headNext[l]);
        for (int l = 0; l < nrLists; l++) out.accept(headPrev[l]);
        saveOptional(mapcount, out);
        saveOptional(mapping, out);
        saveOptional(index, out);
        saveOptional(privateData, out);
    }

    /** Reads what {@link #saveState} wrote into this map (same geometry). */
    public void restoreState(java.util.function.IntSupplier in) {
        for (int i = 0; i < nrPages; i++) flags[i] = in.getAsInt();
        for (int i = 0; i < nrPages; i++) order[i] = (byte) in.getAsInt();
        for (int i = 0; i < 2 * nrPages; i++) links[i] = in.getAsInt();
        for (int i = 0; i < nrPages; i++) refcount[i] = in.getAsInt();
        int n = in.getAsInt();
        if (n != nrLists) throw new IllegalArgumentException("saved mem_map has " + n + " list heads, this one " + nrLists);
        for (int l = 0; l < nrLists; l++) headNext[l] = in.getAsInt();
        for (int l = 0; l < nrLists; l++) headPrev[l] = in.getAsInt();
        mapcount = restoreOptional(mapcount, in);
        mapping = restoreOptional(mapping, in);
        index = restoreOptional(index, in);
        privateData = restoreOptional(privateData, in);
    }

    private static void saveOptional(int[] a, java.util.function.IntConsumer out) {
        out.accept(a == null ? 0 : 1);
        if (a != null) for (int v : a) out.accept(v);
    }

    private static void saveOptional(long[] a, java.util.function.IntConsumer out) {
        out.accept(a == null ? 0 : 1);
        if (a != null) {
            for (long v : a) {
                out.accept((int) (v >>> 32));
                out.accept((int) v);
            }
        }
    }

    private int[] restoreOptional(int[] a, java.util.function.IntSupplier in) {
        if (in.getAsInt() == 0) return null;
        if (a == null) a = new int[nrPages];
        for (int i = 0; i < nrPages; i++) a[i] = in.getAsInt();
        return a;
    }

    private long[] restoreOptional(long[] a, java.util.function.IntSupplier in) {
        if (in.getAsInt() == 0) return null;
        if (a == null) a = new long[nrPages];
        for (int i = 0; i < nrPages; i++) a[i] = ((long) in.getAsInt() << 32) | (in.getAsInt() & 0xffffffffL);
        return a;
    }

    private static int[] copyOf(int[] src, int[] dst) {
        if (src == null) return null;
        if (dst == null) return src.clone();
        System.arraycopy(src, 0, dst, 0, src.length);
        return dst;
    }

    private static long[] copyOf(long[] src, long[] dst) {
        if (src == null) return null;
        if (dst == null) return src.clone();
        System.arraycopy(src, 0, dst, 0, src.length);
        return dst;
    }

    /** Allocates {@code n} empty list heads and returns the id of the first. */
    public int allocLists(int n) {
        int base = nrLists;
        nrLists += n;
        headNext = java.util.Arrays.copyOf(headNext, nrLists);
        headPrev = java.util.Arrays.copyOf(headPrev, nrLists);
        for (int l = base; l < nrLists; l++) {
            headNext[l] = sentinel(l);
            headPrev[l] = sentinel(l);
        }
        return base;
    }

    private static int sentinel(int list) {
        return -2 - list;
    }

    private void setNext(int node, int v) {
        if (node >= 0) links[2 * node] = v;
        else headNext[-2 - node] = v;
    }

    private void setPrev(int node, int v) {
        if (node >= 0) links[2 * node + 1] = v;
        else headPrev[-2 - node] = v;
    }

    /** list_first_entry_or_null(): the first page on the list, or {@link #NIL}. */
    public int listFirst(int list) {
        int h = headNext[list];
        return h >= 0 ? h : NIL;
    }

    /** list_last_entry(): the last page on the list, or {@link #NIL}. */
    public int listLast(int list) {
        int t = headPrev[list];
        return t >= 0 ? t : NIL;
    }

    /** The page after {@code page} on its list, or {@link #NIL} at the end. */
    public int listNext(int page) {
        int n = links[2 * page];
        return n >= 0 ? n : NIL;
    }

    public int listPrev(int page) {
        int p = links[2 * page + 1];
        return p >= 0 ? p : NIL;
    }

    public boolean listEmpty(int list) {
        return headNext[list] < 0;
    }

    /** list_add(): insert at the head. */
    public void listAdd(int page, int list) {
        int n = headNext[list];
        links[2 * page] = n;
        links[2 * page + 1] = sentinel(list);
        setPrev(n, page);
        headNext[list] = page;
    }

    /** list_add_tail(): insert at the tail. */
    public void listAddTail(int page, int list) {
        int p = headPrev[list];
        links[2 * page] = sentinel(list);
        links[2 * page + 1] = p;
        setNext(p, page);
        headPrev[list] = page;
    }

    /** list_del(): unlink from whatever list holds the page. */
    public void listDel(int page) {
        int n = links[2 * page];
        int p = links[2 * page + 1];
        setNext(p, n);
        setPrev(n, p);
        links[2 * page] = NIL;
        links[2 * page + 1] = NIL;
    }

    /** list_move_tail(). */
    public void listMoveTail(int page, int list) {
        listDel(page);
        listAddTail(page, list);
    }

    /** list_move(). */
    public void listMove(int page, int list) {
        listDel(page);
        listAdd(page, list);
    }

    /** Whether the page is linked on some list (next/prev not poisoned). */
    public boolean onList(int page) {
        return links[2 * page] != NIL;
    }

    /** The list id a page's list ends in, found by walking to its sentinel; -1 when unlinked. */
    public int listOf(int page) {
        if (links[2 * page] == NIL) return -1;
        int n = page;
        int guard = nrPages + 1;
        while (n >= 0 && guard-- > 0) n = links[2 * n];
        return n >= 0 ? -1 : -2 - n;
    }

    public long basePfn() {
        return basePfn;
    }

    public int nrPages() {
        return nrPages;
    }

    public long endPfn() {
        return basePfn + nrPages;
    }

    public boolean covers(long pfn) {
        return pfn >= basePfn && pfn < basePfn + nrPages;
    }

    /** page index of a pfn; the caller has checked {@link #covers}. */
    public int idx(long pfn) {
        return (int) (pfn - basePfn);
    }

    public long pfn(int idx) {
        return basePfn + idx;
    }

    public int zoneId(int idx) {
        return PageFlags.zoneOf(flags[idx]);
    }

    public boolean pageBuddy(int idx) {
        return (flags[idx] & PageFlags.PGTY_buddy) != 0;
    }

    /** {@code page_mapcount()}: the kernel stores _mapcount biased by -1; we store the count. */
    public int[] mapcount() {
        if (mapcount == null) mapcount = new int[nrPages];
        return mapcount;
    }

    /** page->mapping as a handle (0 = NULL); the owning subsystem interprets it. */
    public int[] mapping() {
        if (mapping == null) mapping = new int[nrPages];
        return mapping;
    }

    /** page->index. */
    public long[] index() {
        if (index == null) index = new long[nrPages];
        return index;
    }

    /** page->private for non-buddy pages (swap entry of a swap-cache page). */
    public long[] privateData() {
        if (privateData == null) privateData = new long[nrPages];
        return privateData;
    }

    public int mapcountOf(int idx) {
        return mapcount == null ? 0 : mapcount[idx];
    }

    public int mappingOf(int idx) {
        return mapping == null ? 0 : mapping[idx];
    }

    public long indexOf(int idx) {
        return index == null ? 0 : index[idx];
    }

    /** A 64-bit hash of every field of every page and of the list heads. */
    public long fingerprint() {
        long h = 0x243F6A8885A308D3L;
        for (int i = 0; i < nrPages; i++) {
            long v = ((long) flags[i] << 32) ^ ((long) order[i] << 24) ^ refcount[i];
            v = v * 31 + links[2 * i];
            v = v * 31 + links[2 * i + 1];
            if (mapcount != null) v = v * 31 + mapcount[i];
            if (mapping != null) v = v * 31 + mapping[i];
            if (index != null) v = v * 31 + index[i];
            if (privateData != null) v = v * 31 + privateData[i];
            h = mix(h ^ v);
        }
        // an empty list's head is its own sentinel whatever the state, so only non-empty heads are
        // mixed in, each with its list id: equal states still hash equal, at a fraction of the cost
        // (most of a zone's free_area lists are empty)
        for (int l = 0; l < nrLists; l++) {
            int n = headNext[l];
            if (n == sentinel(l) && headPrev[l] == n) continue;
            h = mix(h ^ ((long) l << 48) ^ ((long) n << 24) ^ (headPrev[l] & 0xffffffL) ^ 0x5bd1e995L);
        }
        return h;
    }

    public static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Bytes of heap held per page frame by the arrays allocated so far. */
    public int bytesPerPage() {
        int b = 4 + 1 + 4 + 4 + 4;
        if (mapcount != null) b += 4;
        if (mapping != null) b += 4;
        if (index != null) b += 8;
        if (privateData != null) b += 8;
        return b;
    }

    /**
     * {@code dump_page()}: the facts a kernel developer reads first, pfns in hex as the kernel
     * prints them.
     */
    public String dumpPage(int idx, String zoneName, String reason) {
        int f = flags[idx];
        StringBuilder sb = new StringBuilder();
        sb.append("page: refcount:").append(refcount[idx])
          .append(" mapcount:").append(mapcountOf(idx))
          .append(" mapping:").append(mappingOf(idx))
          .append(" index:0x").append(Long.toHexString(indexOf(idx)))
          .append(" pfn:0x").append(Long.toHexString(pfn(idx)));
        if ((f & (PageFlags.PGTY_buddy | PageFlags.MODEL_ALLOC_HEAD)) != 0) {
            sb.append(" order:").append(order[idx]);
        }
        sb.append('\n').append("flags: 0x").append(Integer.toHexString(f & ~PageFlags.ZONE_MASK))
          .append('(').append(PageFlags.describe(f));
        if (zoneName != null) sb.append(PageFlags.describe(f).isEmpty() ? "" : "|").append("zone=").append(zoneName);
        sb.append(')');
        if (reason != null) sb.append('\n').append("page dumped because: ").append(reason);
        return sb.toString();
    }
}
