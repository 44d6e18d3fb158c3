package org.mmspec.invariants.buddy;

import org.mmspec.reference.Machine;
import org.mmspec.reference.alloc.MigrateType;
import org.mmspec.reference.alloc.PageAlloc;
import org.mmspec.reference.alloc.Zone;
import org.mmspec.reference.page.PageFlags;

/**
 * Deliberately wrong page allocators, planted through {@code new BuddySubsystem(factory)}: the
 * suite must catch each one. Every factory returns a fresh allocator per machine (the explorers
 * boot a new machine for every replay), so state kept in a field is per machine.
 */
public final class Planted {
    private Planted() {}

    /**
     * __free_one_page merging buddies at or above pageblock_order whatever their pageblock types
     * (the condition d9dddbf55667 and its successors guard).
     */
    public static final Machine.AllocFactory MERGE_ANY_MIGRATETYPE = (c, n, s, w) -> new PageAlloc(c, n, s, w) {
        @Override
        protected boolean migratetypes_may_merge(int migratetype, int buddy_mt) {
            return true;
        }
    };

    /** page_is_buddy() without its {@code buddy_order(buddy) == order} test. */
    public static final Machine.AllocFactory PAGE_IS_BUDDY_IGNORES_ORDER = (c, n, s, w) -> new PageAlloc(c, n, s, w) {
        @Override
        protected boolean page_is_buddy(int page, int buddy, int order) {
            int bf = mem.flags[buddy];
            if ((bf & PageFlags.PGTY_buddy) == 0) return false;
            return ((mem.flags[page] ^ bf) & PageFlags.ZONE_MASK) == 0;
        }
    };

    /** An allocator that fails every valid request, however much memory is free. */
    public static final Machine.AllocFactory ALWAYS_FAILS = (c, n, s, w) -> new PageAlloc(c, n, s, w) {
        @Override
        public long __alloc_pages(int gfp, int order) {
            if (order < 0 || order > MAX_PAGE_ORDER) return super.__alloc_pages(gfp, order);
            return -1;
        }
    };

    /** An allocator that hands the first block it allocated out again on every later request. */
    public static final Machine.AllocFactory HANDS_OUT_TWICE = (c, n, s, w) -> new PageAlloc(c, n, s, w) {
        private long first = -1;

        @Override
        public long __alloc_pages(int gfp, int order) {
            if (first >= 0) return first;
            first = super.__alloc_pages(gfp, order);
            return first;
        }
    };

    /** An allocator that serves order-0 requests with order-1 blocks: nothing it returns is wrong, its state is. */
    public static final Machine.AllocFactory OVER_ALLOCATES = (c, n, s, w) -> new PageAlloc(c, n, s, w) {
        @Override
        public long __alloc_pages(int gfp, int order) {
            return super.__alloc_pages(gfp, order == 0 ? 1 : order);
        }
    };

    /** A free that also turns the freed block's pageblock MIGRATE_HIGHATOMIC: a retype the spec forbids on free. */
    public static final Machine.AllocFactory FREE_RETYPES_HIGHATOMIC = (c, n, s, w) -> new PageAlloc(c, n, s, w) {
        @Override
        public void __free_pages(long pfn, int order) {
            super.__free_pages(pfn, order);
            Zone zone = node.pageZone(pfn);
            set_pageblock_migratetype(zone, pageblock_start_pfn(pfn), MigrateType.MIGRATE_HIGHATOMIC);
        }
    };

    /** The free checks touch the struct page (PG_referenced) before bad_page() rejects the free. */
    public static final Machine.AllocFactory CHECK_FREE_TOUCHES_PAGE = (c, n, s, w) -> new PageAlloc(c, n, s, w) {
        @Override
        protected Zone check_free(long pfn, int order) {
            if (mem.covers(pfn)) mem.flags[mem.idx(pfn)] |= PageFlags.PG_referenced;
            return super.check_free(pfn, order);
        }
    };

    /** A free of an order above MAX_PAGE_ORDER silently does nothing instead of being rejected. */
    public static final Machine.AllocFactory ACCEPTS_BAD_ORDER = (c, n, s, w) -> new PageAlloc(c, n, s, w) {
        @Override
        public void __free_pages(long pfn, int order) {
            if (order > MAX_PAGE_ORDER) return;
            super.__free_pages(pfn, order);
        }
    };

    /** A reference that crashes on every free. */
    public static final Machine.AllocFactory CRASHES_ON_FREE = (c, n, s, w) -> new PageAlloc(c, n, s, w) {
        @Override
        public void __free_pages(long pfn, int order) {
            throw new IllegalStateException("planted crash in __free_pages");
        }
    };

    /** A reference that overflows its stack on every allocation. */
    public static final Machine.AllocFactory OVERFLOWS_ON_ALLOC = (c, n, s, w) -> new PageAlloc(c, n, s, w) {
        @Override
        public long __alloc_pages(int gfp, int order) {
            throw new StackOverflowError("planted");
        }
    };

    /** A reference that crashes on every free with an IllegalArgumentException (an internal bug, not bad input). */
    public static final Machine.AllocFactory IAE_ON_FREE = (c, n, s, w) -> new PageAlloc(c, n, s, w) {
        @Override
        public void __free_pages(long pfn, int order) {
            throw new IllegalArgumentException("planted internal error in __free_pages");
        }
    };
}
