package org.mmspec.reference.ksm;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.function.BiConsumer;
import java.util.function.BiPredicate;

import org.mmspec.reference.alloc.KernelWarnings;
import org.mmspec.reference.alloc.KnownBug;
import org.mmspec.reference.alloc.MachineConfig;
import org.mmspec.reference.alloc.RejectedOperationException;
import org.mmspec.reference.page.MemMap;
import org.mmspec.reference.page.PageFlags;
import org.mmspec.reference.reclaim.Lruvec;
import org.mmspec.reference.rmap.AnonVma;
import org.mmspec.reference.rmap.AnonVmaChain;
import org.mmspec.reference.rmap.KsmHooks;
import org.mmspec.reference.rmap.MmStruct;
import org.mmspec.reference.rmap.Pte;
import org.mmspec.reference.rmap.Rmap;
import org.mmspec.reference.rmap.RmapKsm;
import org.mmspec.reference.rmap.VmAreaStruct;

/**
 * Kernel samepage merging as mm/ksm.c (Linux v6.18) does it, one method per kernel function under
 * its name: ksmd's scan ({@link #ksm_do_scan}, {@link #scan_get_next_rmap_item},
 * {@link #cmp_and_merge_page}), the stable tree of write-protected KSM pages ordered by content,
 * with stable_node chains and dups once a page reaches {@code max_page_sharing}
 * ({@link #stable_tree_search}, {@link #stable_tree_insert}, {@link #stable_node_dup}), the
 * unstable tree rebuilt at every full scan from pages whose checksum did not change since the
 * previous one ({@link #unstable_tree_search_insert}), merging ({@link #try_to_merge_two_pages},
 * {@link #write_protect_page}, {@link #replace_page}), the zero page ({@code use_zero_pages}),
 * smart scan, MADV_MERGEABLE/MADV_UNMERGEABLE ({@link #ksm_madvise}, {@link #break_ksm}), the
 * sysfs knobs and counters of /sys/kernel/mm/ksm under their names, and what the rest of mm calls
 * ({@link KsmHooks}: rmap_walk_ksm, folio_migrate_ksm, ksm_fork, ksm_exit,
 * ksm_might_unmap_zero_page).
 *
 * <p>Modelling choices (spec/README.md, "KSM"): one NUMA node and merge_across_nodes = 1 (so the
 * migrate_nodes list is never used); page content is the abstract value the processes wrote, the
 * zero page's is 0, and the checksum is a 32-bit hash of that value ({@link #checksum}: v6.18
 * uses xxhash32 of the 4 KiB); pages are compared by that value ({@link #memcmp_pages}); time is
 * an explicit input: ksmd's clock ({@code jiffies}, in milliseconds) advances by
 * {@code sleep_millisecs} after each batch, which decides when a chain is pruned; no allocation
 * of KSM's own (rmap_item, stable_node, mm_slot) fails; the scan advisor stays off; locks are
 * not modelled, so an operation that would sleep on a folio lock migration holds is refused.
 */
public final class Ksm implements KsmHooks {
    public static final int PAGE_SHIFT = 12;
    public static final long PAGE_SIZE = 1L << PAGE_SHIFT;
    public static final long PAGE_MASK = ~(PAGE_SIZE - 1);
    /** Low bits of rmap_item->address: the unstable tree's seqnr, and the two tree flags. */
    public static final long SEQNR_MASK = 0x0ff;
    public static final long UNSTABLE_FLAG = 0x100;
    public static final long STABLE_FLAG = 0x200;
    /** rmap_hlist_len of a chain. */
    public static final int STABLE_NODE_CHAIN = -1024;
    /** sizeof(struct ksm_rmap_item) on x86-64 (the general_profit formula). */
    public static final long SIZEOF_KSM_RMAP_ITEM = 64;
    public static final int KSM_RUN_STOP = 0;
    public static final int KSM_RUN_MERGE = 1;
    public static final int KSM_RUN_UNMERGE = 2;
    public static final int DEFAULT_PAGES_TO_SCAN = 100;
    public static final int DEFAULT_MAX_PAGE_SHARING = 256;
    public static final int EFAULT = -14;
    public static final int EBUSY = -16;
    public static final int ENOMEM = -12;
    public static final int EINVAL = -22;
    /** The pfn the model gives ZERO_PAGE(0) (it is no page of the allocator). */
    public static final long ZERO_PFN = -2;
    /** No folio (NULL). */
    static final long NO_FOLIO = -1;
    /** ERR_PTR(-EBUSY) from stable_tree_search(): the stable page is locked by migration. */
    static final long EBUSY_FOLIO = -3;

    /** Every sysfs attribute of /sys/kernel/mm/ksm the model has, in the kernel's ksm_attrs order. */
    public static final List<String> ATTRS = List.of("sleep_millisecs", "pages_to_scan", "run", "pages_scanned",
            "pages_shared", "pages_sharing", "pages_unshared", "pages_volatile", "pages_skipped", "ksm_zero_pages",
            "full_scans", "merge_across_nodes", "max_page_sharing", "stable_node_chains", "stable_node_dups",
            "stable_node_chains_prune_millisecs", "use_zero_pages", "general_profit", "smart_scan", "advisor_mode");
    /** The counters, as `mmspec ksm simulate` and `mmspec conform ksm` print them. */
    public static final List<String> COUNTERS = List.of("pages_shared", "pages_sharing", "pages_unshared",
            "pages_volatile", "stable_node_chains", "stable_node_dups", "ksm_zero_pages", "general_profit",
            "pages_scanned", "pages_skipped");

    /** A link of an rmap_list: the slot's head pointer or an item's rmap_list field ({@code struct ksm_rmap_item **}). */
    interface RmapListLink {
        KsmRmapItem get();

        void set(KsmRmapItem item);
    }

    private final RmapKsm rk;
    private final Rmap rmap;
    private final MemMap mem;
    /** KnownBug.KSM_STABLE_FLAG (1105a2fc022f), read once: the deviation is at one place, in rmap_walk_ksm(). */
    final boolean bugStableFlag;
    final KernelWarnings warnings = new KernelWarnings();
    public final KsmStats stats = new KsmStats();

    // ------------------------------------------------------------------ sysfs knobs
    int ksm_run = KSM_RUN_STOP;
    long ksm_thread_pages_to_scan = DEFAULT_PAGES_TO_SCAN;
    long ksm_thread_sleep_millisecs = 20;
    int ksm_max_page_sharing = DEFAULT_MAX_PAGE_SHARING;
    boolean ksm_use_zero_pages;
    boolean ksm_smart_scan = true;
    long ksm_stable_node_chains_prune_millisecs = 2000;

    // ------------------------------------------------------------------ counters
    long ksm_pages_scanned;
    long ksm_pages_shared;
    long ksm_pages_sharing;
    long ksm_pages_unshared;
    long ksm_rmap_items;
    long ksm_stable_node_chains;
    long ksm_stable_node_dups;
    long ksm_zero_pages;
    long ksm_pages_skipped;

    // ------------------------------------------------------------------ trees, list, cursor
    /** ksm_mm_head: the list of mm slots ksmd scans, in order. */
    final KsmMmSlot ksm_mm_head = new KsmMmSlot(null);
    /** ksm_scan.mm_slot, .address (bytes), .rmap_list, .seqnr. */
    KsmMmSlot scanSlot = ksm_mm_head;
    long scanAddress;
    RmapListLink scanRmapList;
    long seqnr;
    final RbRoot root_stable_tree = new RbRoot();
    final RbRoot root_unstable_tree = new RbRoot();
    /** ksmd's clock, in milliseconds (jiffies at HZ=1000); advanced by sleep_millisecs after each batch. */
    long jiffies;
    /** Every stable node not yet freed, by id (the stable tree's nodes, chains and dups). */
    final TreeMap<Integer, KsmStableNode> nodes = new TreeMap<>();
    /** The KSM fields of each process's mm_struct, by pid (an exited mm ksmd still holds is reachable from its slot). */
    final TreeMap<Integer, KsmMm> mms = new TreeMap<>();
    int nextItemId = 1;
    int nextNodeId = 1;
    /**
     * Model ghost: KSM zero pages the teardown of a failed fork unmapped. dup_mm() copies the
     * parent's mm->ksm_zero_pages, ksm_fork() (which adds them to ksm_zero_pages) runs only when
     * dup_mmap() succeeds, but the zap of the half-built child subtracts each KSM zero PTE it had
     * copied: ksm_zero_pages then undercounts by this much (v6.18, include/linux/ksm.h).
     */
    long zeroPagesLostByFailedFork;
    /** zero_checksum: calc_checksum(ZERO_PAGE(0)). */
    final int zero_checksum = checksum(0);

    /** What the last scan_get_next_rmap_item() found: the page, with a reference. */
    private long scanPage = NO_FOLIO;
    /** unstable_tree_search_insert()'s *tree_pagep. */
    private long treePage = NO_FOLIO;

    public Ksm(MachineConfig config, Rmap rmap) {
        this.rmap = rmap;
        this.rk = new RmapKsm(rmap);
        this.mem = rmap.mem();
        this.bugStableFlag = config.bug(KnownBug.KSM_STABLE_FLAG.bugName());
        rmap.setKsmHooks(this);
    }

    // ------------------------------------------------------------------ checksums and contents

    /**
     * calc_checksum() of a page holding {@code value}: a 32-bit hash of the abstract content,
     * MurmurHash3's fmix32 of the value's two halves folded with a constant. v6.18 hashes the 4 KiB
     * with xxhash32; what KSM relies on is only that equal contents give equal checksums and that
     * a change almost always changes it. fmix32 is a bijection, so values below 2^32 never collide
     * and only 0x9e3779b9 has checksum 0 (the oldchecksum of a new rmap_item).
     */
    public static int checksum(long value) {
        int h = (int) value ^ ((int) (value >>> 32) * 0x27D4EB2F) ^ 0x9E3779B9;
        h ^= h >>> 16;
        h *= 0x85EBCA6B;
        h ^= h >>> 13;
        h *= 0xC2B2AE35;
        h ^= h >>> 16;
        return h;
    }

    /** calc_checksum(page). */
    int calc_checksum(long pfn) {
        return checksum(rk.content(pfn));
    }

    /** The content of a page, the zero page's being 0. */
    long contentOf(long pfn) {
        return pfn == ZERO_PFN ? 0 : rk.content(pfn);
    }

    /** memcmp_pages(): the order of two pages by content. */
    int memcmp_pages(long a, long b) {
        stats.memcmp++;
        return Long.compare(contentOf(a), contentOf(b));
    }

    /**
     * memcmp_pages() of a page whose content the caller has read (the scanned page: nothing can
     * change it while ksmd holds it, so reading it once per cmp_and_merge_page() is the same).
     */
    int memcmp_pages(long aContent, long a, long b) {
        stats.memcmp++;
        return Long.compare(aContent, contentOf(b));
    }

    /** pages_identical(). */
    boolean pages_identical(long a, long b) {
        return contentOf(a) == contentOf(b);
    }

    // ------------------------------------------------------------------ per-mm state

    /** The KSM fields of a live (or being-built) mm, created when first needed. */
    KsmMm kmm(MmStruct mm) {
        KsmMm k = mms.get(mm.pid);
        if (k == null || k.mm != mm) {
            k = new KsmMm(mm);
            mms.put(mm.pid, k);
        }
        return k;
    }

    /** The KSM fields of mm if it has any. */
    KsmMm kmmIfAny(MmStruct mm) {
        KsmMm k = mms.get(mm.pid);
        return k != null && k.mm == mm ? k : null;
    }

    /** ksm_test_exit(): mm_users is zero, the process has gone. */
    boolean ksm_test_exit(KsmMm k) {
        return !rk.mmLive(k.mm);
    }

    // ------------------------------------------------------------------ small helpers of mm/ksm.c

    /** alloc_rmap_item(): never fails in the model. */
    KsmRmapItem alloc_rmap_item() {
        KsmRmapItem item = new KsmRmapItem(nextItemId++);
        ksm_rmap_items++;
        return item;
    }

    /** free_rmap_item(). */
    void free_rmap_item(KsmRmapItem item) {
        ksm_rmap_items--;
        item.mm.ksm_rmap_items--;
        item.freed = true;
    }

    /** alloc_stable_node(). */
    KsmStableNode alloc_stable_node() {
        KsmStableNode n = new KsmStableNode(nextNodeId++);
        nodes.put(n.id, n);
        return n;
    }

    /** free_stable_node(): VM_BUG_ON(stable_node->rmap_hlist_len &amp;&amp; !is_stable_node_chain(stable_node)). */
    void free_stable_node(KsmStableNode n) {
        if (n.rmap_hlist_len != 0 && !n.isChain()) {
            warnings.warn("free_stable_node", "VM_BUG_ON(rmap_hlist_len && !is_stable_node_chain) " + n.name() + " rmap_hlist_len "
                    + n.rmap_hlist_len);
        }
        n.freed = true;
        nodes.remove(n.id);
    }

    /** stable_node_chain_add_dup(): dup goes to the head of chain's hlist. */
    void stable_node_chain_add_dup(KsmStableNode dup, KsmStableNode chain) {
        if (dup.dup) warnings.warn("stable_node_chain_add_dup", "VM_BUG_ON(is_stable_node_dup(dup)) " + dup.name());
        dup.dup = true;
        dup.chain = chain;
        if (!chain.isChain()) warnings.warn("stable_node_chain_add_dup", "VM_BUG_ON(!is_stable_node_chain(chain)) " + chain.name());
        dup.dupPrev = null;
        dup.dupNext = chain.dupFirst;
        if (chain.dupFirst != null) chain.dupFirst.dupPrev = dup;
        chain.dupFirst = dup;
        ksm_stable_node_dups++;
    }

    /** __stable_node_dup_del(). */
    void __stable_node_dup_del(KsmStableNode dup) {
        if (!dup.dup) warnings.warn("__stable_node_dup_del", "VM_BUG_ON(!is_stable_node_dup(dup)) " + dup.name());
        hlistDelDup(dup);
        ksm_stable_node_dups--;
    }

    private static void hlistDelDup(KsmStableNode dup) {
        KsmStableNode chain = dup.chain;
        if (dup.dupPrev != null) dup.dupPrev.dupNext = dup.dupNext;
        else if (chain != null) chain.dupFirst = dup.dupNext;
        if (dup.dupNext != null) dup.dupNext.dupPrev = dup.dupPrev;
        dup.dupPrev = null;
        dup.dupNext = null;
        dup.dup = false; // CONFIG_DEBUG_VM: dup->head = NULL
        dup.chain = null;
    }

    private static void hlistAddHeadDup(KsmStableNode dup, KsmStableNode chain) {
        dup.dupPrev = null;
        dup.dupNext = chain.dupFirst;
        if (chain.dupFirst != null) chain.dupFirst.dupPrev = dup;
        chain.dupFirst = dup;
        dup.chain = chain;
        dup.dup = true;
    }

    /** stable_node_dup_del(): off its chain (a dup) or out of the stable tree. */
    void stable_node_dup_del(KsmStableNode dup) {
        if (dup.isChain()) warnings.warn("stable_node_dup_del", "VM_BUG_ON(is_stable_node_chain(dup)) " + dup.name());
        if (dup.dup) __stable_node_dup_del(dup);
        else RbTree.rb_erase(dup, root_stable_tree);
    }

    /** hlist_add_head() of an rmap_item on a stable node. */
    private static void hlistAddHead(KsmRmapItem item, KsmStableNode n) {
        item.hlistPrev = null;
        item.hlistNext = n.hlistFirst;
        if (n.hlistFirst != null) n.hlistFirst.hlistPrev = item;
        n.hlistFirst = item;
    }

    /** hlist_del() of an rmap_item from its head's hlist. */
    private static void hlistDel(KsmRmapItem item) {
        KsmStableNode n = item.head;
        if (item.hlistPrev != null) item.hlistPrev.hlistNext = item.hlistNext;
        else if (n != null && n.hlistFirst == item) n.hlistFirst = item.hlistNext;
        if (item.hlistNext != null) item.hlistNext.hlistPrev = item.hlistPrev;
        item.hlistPrev = null;
        item.hlistNext = null;
    }

    /** folio_stable_node(): the stable node a KSM page's mapping names, null if it names none (or the page is not KSM). */
    KsmStableNode folio_stable_node(long pfn) {
        if (pfn == ZERO_PFN || !rmap.folioTestKsm(pfn)) return null;
        int id = rmap.stableNodeId(pfn);
        return id == 0 ? null : nodes.get(id);
    }

    /** folio_set_stable_node(): page->mapping = stable_node | FOLIO_MAPPING_KSM. */
    void folio_set_stable_node(long pfn, KsmStableNode n) {
        if ((rk.flags(pfn) & PageFlags.PG_anon_exclusive) != 0 && rmap.folioTestAnon(pfn)) {
            warnings.warn("folio_set_stable_node", "VM_WARN_ON_FOLIO(folio_test_anon(folio) && PageAnonExclusive) pfn 0x"
                    + Long.toHexString(pfn));
        }
        rk.setMapping(pfn, Rmap.ksmMapping(n == null ? 0 : n.id));
    }

    /** find_mergeable_vma(): the VM_MERGEABLE VMA with an anon_vma covering addr (bytes) in a live mm, else null. */
    VmAreaStruct find_mergeable_vma(KsmMm k, long addr) {
        if (ksm_test_exit(k)) return null;
        VmAreaStruct v = k.mm.findVma(addr >>> PAGE_SHIFT);
        if (v == null || (v.flags() & VmAreaStruct.VM_MERGEABLE) == 0 || v.anonVma() == null) return null;
        return v;
    }

    /** is_stable_node_chain() is on the node; __is_page_sharing_candidate(). */
    boolean __is_page_sharing_candidate(KsmStableNode n, int offset) {
        if (n.rmap_hlist_len < 0) warnings.warn("__is_page_sharing_candidate", "VM_BUG_ON(rmap_hlist_len < 0) " + n.name());
        return n.rmap_hlist_len != 0 && n.rmap_hlist_len + offset < ksm_max_page_sharing;
    }

    boolean is_page_sharing_candidate(KsmStableNode n) {
        return __is_page_sharing_candidate(n, 0);
    }

    /** folio_mark_accessed() (mm/swap.c) with the LRU's per-CPU batches drained at once. */
    void folio_mark_accessed(long pfn) {
        int f = rk.flags(pfn);
        if ((f & PageFlags.PG_referenced) == 0) {
            rk.setFlags(pfn, f | PageFlags.PG_referenced);
        } else if ((f & PageFlags.PG_unevictable) != 0) {
            return; // never rotated: marking it accessed has no effect
        } else if ((f & PageFlags.PG_active) == 0) {
            Lruvec lru = rk.lruvec();
            int page = mem.idx(pfn);
            if ((f & PageFlags.PG_lru) != 0) { // folio_activate() -> lru_activate()
                lru.lruvec_del_folio(page);
                rk.setFlags(pfn, rk.flags(pfn) | PageFlags.PG_active);
                lru.lruvec_add_folio(page);
            } else {
                rk.setFlags(pfn, rk.flags(pfn) | PageFlags.PG_active); // __lru_cache_activate_folio()
            }
            rk.setFlags(pfn, rk.flags(pfn) & ~PageFlags.PG_referenced);
        }
    }

    // ------------------------------------------------------------------ break_ksm, COW

    /**
     * break_ksm(): while the page at addr is a KSM page (or a migration entry of one, or the zero
     * page KSM placed), fault it with FAULT_FLAG_UNSHARE, which replaces it with an exclusive copy.
     * Returns 0, or -ENOMEM when the copy could not be allocated.
     */
    int break_ksm(VmAreaStruct vma, long addr) {
        MmStruct mm = vma.mm();
        for (int guard = 0; guard < 4; guard++) {
            Long pte = rk.pte(mm, addr);
            boolean ksmPage = false;
            if (pte != null) {
                if (Pte.migration(pte)) ksmPage = rmap.folioTestKsm(Pte.pfn(pte)); // FW_MIGRATION
                else if (Pte.special(pte)) ksmPage = Pte.isKsmZeroPte(pte); // FW_ZEROPAGE
                else if (Pte.normal(pte)) ksmPage = rmap.folioTestKsm(Pte.pfn(pte));
            }
            if (!ksmPage) return 0;
            if (Pte.migration(pte)) {
                warnings.warn("break_ksm", "would wait for the migration of pfn 0x" + Long.toHexString(Pte.pfn(pte))
                        + " (migration_entry_wait) at page 0x" + Long.toHexString(addr));
                return 0;
            }
            Rmap.AccessKind k = rk.handle_mm_fault_unshare(vma, addr);
            stats.breakKsm++;
            if (k == Rmap.AccessKind.OOM) return ENOMEM;
        }
        warnings.warn("break_ksm", "page 0x" + Long.toHexString(addr) + " of " + mm.name() + " is still a KSM page after unsharing");
        return 0;
    }

    /** break_cow(): drop the anon_vma reference of a failed merge and break COW at its address. */
    void break_cow(KsmRmapItem item) {
        rk.put_anon_vma(item.anon_vma);
        VmAreaStruct vma = find_mergeable_vma(item.mm, item.address);
        if (vma != null) break_ksm(vma, item.address >>> PAGE_SHIFT);
    }

    /** get_mergeable_page(): the anonymous page the item's address maps now, with a reference; NO_FOLIO when none. */
    long get_mergeable_page(KsmRmapItem item) {
        VmAreaStruct vma = find_mergeable_vma(item.mm, item.address);
        if (vma == null) return NO_FOLIO;
        long pte = rk.pteValue(item.mm.mm, item.address >>> PAGE_SHIFT);
        // folio_walk_start(&fw, vma, addr, 0): a present normal page (not the zero page, not a migration entry)
        if (!Pte.normal(pte)) return NO_FOLIO;
        long pfn = Pte.pfn(pte);
        if (!rmap.folioTestAnon(pfn)) return NO_FOLIO;
        rk.folio_get(pfn);
        return pfn;
    }

    // ------------------------------------------------------------------ the stable tree: nodes and chains

    /** What __stable_node_chain() returns: the tree folio (with a reference, or NO_FOLIO), the dup, and the node now in the tree. */
    record ChainResult(long folio, KsmStableNode dup, KsmStableNode node) {}

    /**
     * alloc_stable_node_chain(): a chain takes dup's place in the stable tree ("the first
     * dimension") and dup moves to its hlist ("the second").
     */
    KsmStableNode alloc_stable_node_chain(KsmStableNode dup, RbRoot root) {
        KsmStableNode chain = alloc_stable_node();
        if (dup.isChain()) warnings.warn("alloc_stable_node_chain", "VM_BUG_ON(is_stable_node_chain(dup)) " + dup.name());
        chain.chain_prune_time = jiffies;
        chain.rmap_hlist_len = STABLE_NODE_CHAIN;
        chain.content = dup.content;
        ksm_stable_node_chains++;
        RbTree.rb_replace_node(dup, chain, root);
        stable_node_chain_add_dup(dup, chain);
        stats.chainsCreated++;
        return chain;
    }

    /** free_stable_node_chain(). */
    void free_stable_node_chain(KsmStableNode chain, RbRoot root) {
        RbTree.rb_erase(chain, root);
        free_stable_node(chain);
        ksm_stable_node_chains--;
    }

    /**
     * remove_node_from_stable_tree(): every rmap_item of the node leaves the counts and drops its
     * anon_vma reference, and the node leaves its chain or the tree and is freed.
     */
    void remove_node_from_stable_tree(KsmStableNode n) {
        if (n.rmap_hlist_len < 0) warnings.warn("remove_node_from_stable_tree", "BUG_ON(rmap_hlist_len < 0) " + n.name());
        for (KsmRmapItem item = n.hlistFirst; item != null; item = item.hlistNext) {
            if (item.hlistNext != null) ksm_pages_sharing--;
            else ksm_pages_shared--;
            item.mm.ksm_merging_pages--;
            if (n.rmap_hlist_len <= 0) {
                warnings.warn("remove_node_from_stable_tree", "VM_BUG_ON(rmap_hlist_len <= 0) " + n.name());
            }
            n.rmap_hlist_len--;
            rk.put_anon_vma(item.anon_vma);
            item.address &= PAGE_MASK;
        }
        stable_node_dup_del(n);
        free_stable_node(n);
        stats.staleNodesRemoved++;
    }

    enum GetFolio { NOLOCK, LOCK, TRYLOCK }

    /**
     * ksm_get_folio(): the node's page with a reference, if page->mapping still names this node
     * (the keyhole) and its refcount is not zero; otherwise the node is stale and is removed
     * (remove_node_from_stable_tree()), NO_FOLIO. TRYLOCK gives EBUSY_FOLIO while migration holds
     * the folio lock.
     */
    long ksm_get_folio(KsmStableNode n, GetFolio flags) {
        long kpfn = n.kpfn;
        int expected = Rmap.ksmMapping(n.id);
        if (!mem.covers(kpfn) || rk.mapping(kpfn) != expected || rk.refcount(kpfn) == 0) {
            remove_node_from_stable_tree(n); // stale (kpfn has not changed: no migration raced)
            return NO_FOLIO;
        }
        rk.folio_get(kpfn);
        if (flags == GetFolio.TRYLOCK && !rk.folio_trylock(kpfn)) {
            rk.folio_put(kpfn);
            return EBUSY_FOLIO;
        }
        if (flags == GetFolio.LOCK && !rk.folio_trylock(kpfn)) {
            warnings.warn("ksm_get_folio", "folio_lock() of pfn 0x" + Long.toHexString(kpfn) + " would sleep: migration holds it");
        }
        return kpfn;
    }

    /**
     * stable_node_dup(): the dup of a chain to merge into (the first sharing candidate, or, when
     * pruning is due, the candidate with the most rmap_items, every stale dup being pruned on the
     * way), with its page; a chain left with one dup collapses into it, an empty one is freed.
     * Pruning happens at most every stable_node_chains_prune_millisecs of ksmd's clock.
     */
    ChainResult stable_node_dup(KsmStableNode chain, RbRoot root, boolean prune) {
        KsmStableNode found = null;
        long treeFolio = NO_FOLIO;
        int foundLen = 0;
        if (!prune || jiffies < chain.chain_prune_time + ksm_stable_node_chains_prune_millisecs) { // time_before()
            prune = false;
        } else {
            chain.chain_prune_time = jiffies;
            stats.chainPrunes++;
        }
        KsmStableNode next;
        for (KsmStableNode dup = chain.dupFirst; dup != null; dup = next) {
            next = dup.dupNext; // hlist_for_each_entry_safe: ksm_get_folio() may drop dup
            long folio = ksm_get_folio(dup, GetFolio.NOLOCK);
            if (folio == NO_FOLIO) continue;
            if (found == null || (is_page_sharing_candidate(dup)
                    && (!is_page_sharing_candidate(found) || dup.rmap_hlist_len > foundLen))) {
                if (found != null) rk.folio_put(treeFolio);
                found = dup;
                foundLen = found.rmap_hlist_len;
                treeFolio = folio;
                if (!prune && is_page_sharing_candidate(found)) break;
                continue;
            }
            rk.folio_put(folio);
        }
        KsmStableNode node = chain;
        if (found != null) {
            if (chain.dupFirst == found && found.dupNext == null) { // hlist_is_singular_node()
                // "There's just one entry and it is below the deduplication limit so drop the chain."
                hlistDelDup(found);
                RbTree.rb_replace_node(chain, found, root);
                free_stable_node(chain);
                ksm_stable_node_chains--;
                ksm_stable_node_dups--;
                node = found;
                stats.chainsCollapsed++;
            } else if (chain.dupFirst != found && __is_page_sharing_candidate(found, 1)) {
                hlistDelDup(found);
                hlistAddHeadDup(found, chain);
            }
        } else {
            free_stable_node_chain(chain, root); // its hlist must be empty if no one was found
            stats.chainsFreed++;
        }
        return new ChainResult(treeFolio, found, node);
    }

    /** __stable_node_chain(): a regular node's own page, or a chain's best dup. */
    ChainResult __stable_node_chain(KsmStableNode n, RbRoot root, boolean prune) {
        if (!n.isChain()) return new ChainResult(ksm_get_folio(n, GetFolio.NOLOCK), n, n);
        return stable_node_dup(n, root, prune);
    }

    /** chain_prune(): __stable_node_chain() that may prune (stable_tree_search()). */
    ChainResult chain_prune(KsmStableNode n, RbRoot root) {
        return __stable_node_chain(n, root, true);
    }

    /** chain(): __stable_node_chain() that never prunes (stable_tree_insert()). */
    ChainResult chain(KsmStableNode n, RbRoot root) {
        return __stable_node_chain(n, root, false);
    }

    /**
     * stable_tree_search(): a KSM page with the same content as page that can take one more
     * mapping (with a reference), NO_FOLIO when there is none (no node, or every dup full), or
     * EBUSY_FOLIO when it is locked by migration. A page that is already KSM ("ksm page forked")
     * is its own answer.
     */
    long stable_tree_search(long page) {
        return stable_tree_search(page, contentOf(page));
    }

    /** stable_tree_search() with the page's content read once. */
    long stable_tree_search(long page, long pageContent) {
        KsmStableNode pageNode = folio_stable_node(page);
        if (pageNode != null) { // page_node->head != &migrate_nodes: always, with one node
            rk.folio_get(page);
            return page;
        }
        RbRoot root = root_stable_tree;
        again:
        while (true) {
            RbNode cur = root.rb_node;
            while (cur != null) {
                KsmStableNode stableNode = (KsmStableNode) cur;
                ChainResult c = chain_prune(stableNode, root);
                if (c.folio() == NO_FOLIO) {
                    // a stale node was erased (the tree may have been rebalanced): start over
                    stats.searchRestarts++;
                    continue again;
                }
                int ret = memcmp_pages(pageContent, page, c.folio());
                rk.folio_put(c.folio());
                KsmStableNode here = c.node(); // after a collapse, the dup took the chain's place
                if (ret < 0) {
                    cur = here.rbLeft;
                } else if (ret > 0) {
                    cur = here.rbRight;
                } else {
                    KsmStableNode dup = c.dup();
                    if (!is_page_sharing_candidate(dup)) {
                        // every dup is full: wait for an unstable-tree match to make a new KSM page
                        stats.stableFull++;
                        return NO_FOLIO;
                    }
                    long treeFolio = ksm_get_folio(dup, GetFolio.TRYLOCK);
                    if (treeFolio == EBUSY_FOLIO) return EBUSY_FOLIO;
                    if (treeFolio == NO_FOLIO) {
                        stats.searchRestarts++;
                        continue again;
                    }
                    return treeFolio;
                }
            }
            return NO_FOLIO;
        }
    }

    /**
     * stable_tree_insert(): a new stable node for kfolio, linked into the stable tree where its
     * content goes, or, when a node of that content exists (all of whose dups are full), as a dup
     * of its chain (made now if it was a regular node).
     */
    KsmStableNode stable_tree_insert(long kfolio) {
        RbRoot root = root_stable_tree;
        long kcontent = contentOf(kfolio);
        again:
        while (true) {
            RbNode parent = null;
            boolean left = false;
            boolean needChain = false;
            KsmStableNode stableNode = null;
            RbNode cur = root.rb_node;
            while (cur != null) {
                stableNode = (KsmStableNode) cur;
                ChainResult c = chain(stableNode, root);
                if (c.folio() == NO_FOLIO) {
                    stats.searchRestarts++;
                    continue again;
                }
                int ret = memcmp_pages(kcontent, kfolio, c.folio());
                rk.folio_put(c.folio());
                stableNode = c.node();
                parent = stableNode;
                if (ret < 0) {
                    left = true;
                    cur = parent.rbLeft;
                } else if (ret > 0) {
                    left = false;
                    cur = parent.rbRight;
                } else {
                    needChain = true;
                    break;
                }
            }
            KsmStableNode dup = alloc_stable_node();
            dup.kpfn = kfolio;
            dup.rmap_hlist_len = 0;
            dup.content = kcontent;
            if (!needChain) {
                RbTree.rb_link_node(dup, parent, left, root);
                RbTree.rb_insert_color(dup, root);
            } else {
                if (!stableNode.isChain()) stableNode = alloc_stable_node_chain(stableNode, root); // chain is missing so create it
                stable_node_chain_add_dup(dup, stableNode);
            }
            folio_set_stable_node(kfolio, dup);
            stats.stableNodesCreated++;
            return dup;
        }
    }

    /**
     * stable_tree_append(): one more rmap_item on the node's hlist (the first makes the page
     * shared, each further one sharing); over max_page_sharing only by KSM fork (bypass).
     */
    void stable_tree_append(KsmRmapItem item, KsmStableNode n, boolean maxPageSharingBypass) {
        if (n.rmap_hlist_len < 0) warnings.warn("stable_tree_append", "BUG_ON(stable_node->rmap_hlist_len < 0) " + n.name());
        n.rmap_hlist_len++;
        if (!maxPageSharingBypass && n.rmap_hlist_len > ksm_max_page_sharing) {
            warnings.warn("stable_tree_append", "WARN_ON_ONCE(rmap_hlist_len > ksm_max_page_sharing) " + n.name() + " has "
                    + n.rmap_hlist_len);
        }
        item.head = n;
        item.address |= STABLE_FLAG;
        item.bypass = maxPageSharingBypass;
        hlistAddHead(item, n);
        if (item.hlistNext != null) ksm_pages_sharing++;
        else ksm_pages_shared++;
        item.mm.ksm_merging_pages++;
        if (maxPageSharingBypass) stats.forkBypass++;
    }

    // ------------------------------------------------------------------ rmap_items in the trees

    /**
     * remove_rmap_item_from_tree(): a stable item leaves its node's hlist and the counts (its
     * anon_vma reference dropped); an unstable one leaves the count, and the tree itself only if
     * it was inserted by this scan (an older tree has been reset already).
     */
    void remove_rmap_item_from_tree(KsmRmapItem item) {
        if ((item.address & STABLE_FLAG) != 0) {
            KsmStableNode n = item.head;
            long folio = ksm_get_folio(n, GetFolio.LOCK);
            if (folio == NO_FOLIO) return; // the node was stale: remove_node_from_stable_tree() did the rest
            hlistDel(item);
            rk.folio_put(folio);
            if (n.hlistFirst != null) ksm_pages_sharing--;
            else ksm_pages_shared--;
            item.mm.ksm_merging_pages--;
            if (n.rmap_hlist_len <= 0) warnings.warn("remove_rmap_item_from_tree", "VM_BUG_ON(rmap_hlist_len <= 0) " + n.name());
            n.rmap_hlist_len--;
            rk.put_anon_vma(item.anon_vma);
            item.head = null;
            item.address &= PAGE_MASK;
        } else if ((item.address & UNSTABLE_FLAG) != 0) {
            int age = (int) ((seqnr - item.address) & 0xff); // (unsigned char)(ksm_scan.seqnr - rmap_item->address)
            if (age > 1) warnings.warn("remove_rmap_item_from_tree", "BUG_ON(age > 1) " + item.name() + " age " + age);
            if (age == 0) RbTree.rb_erase(item, root_unstable_tree);
            ksm_pages_unshared--;
            item.address &= PAGE_MASK;
        }
    }

    /** remove_trailing_rmap_items(): free every item from the link on. */
    void remove_trailing_rmap_items(RmapListLink link) {
        while (link.get() != null) {
            KsmRmapItem item = link.get();
            link.set(item.rmap_list);
            remove_rmap_item_from_tree(item);
            free_rmap_item(item);
        }
    }

    /**
     * unstable_tree_search_insert(): the item of the unstable tree whose page has the same
     * content (its page left in {@link #treePage}), or null having inserted this item (marked
     * UNSTABLE_FLAG with this scan's seqnr); null without inserting when a tree page cannot be
     * looked at or is this very page.
     */
    KsmRmapItem unstable_tree_search_insert(KsmRmapItem item, long page) {
        return unstable_tree_search_insert(item, page, contentOf(page));
    }

    /** unstable_tree_search_insert() with the page's content read once. */
    KsmRmapItem unstable_tree_search_insert(KsmRmapItem item, long page, long pageContent) {
        RbRoot root = root_unstable_tree;
        RbNode parent = null;
        boolean left = false;
        RbNode cur = root.rb_node;
        while (cur != null) {
            KsmRmapItem treeItem = (KsmRmapItem) cur;
            long tp = get_mergeable_page(treeItem);
            if (tp == NO_FOLIO) {
                stats.unstableLookupFailed++;
                return null;
            }
            if (tp == page) { // don't substitute a ksm page for a forked page
                rk.folio_put(tp);
                return null;
            }
            int ret = memcmp_pages(pageContent, page, tp);
            parent = cur;
            if (ret < 0) {
                rk.folio_put(tp);
                left = true;
                cur = cur.rbLeft;
            } else if (ret > 0) {
                rk.folio_put(tp);
                left = false;
                cur = cur.rbRight;
            } else {
                treePage = tp;
                return treeItem;
            }
        }
        item.address |= UNSTABLE_FLAG;
        item.address |= seqnr & SEQNR_MASK;
        RbTree.rb_link_node(item, parent, left, root);
        RbTree.rb_insert_color(item, root);
        item.insertedStamp = rk.contentStamp(page); // ghost: what KSM-UNSTABLE-ORDER compares
        ksm_pages_unshared++;
        return null;
    }

    // ------------------------------------------------------------------ merging

    /** page_address_in_vma(): the address (page) of an anonymous page in vma, from its index; -1 (-EFAULT) if it cannot be there. */
    long page_address_in_vma(long pfn, VmAreaStruct vma) {
        AnonVma av = rmap.folioAnonVma(pfn); // NULL for a KSM folio: "KSM folios don't reach here"
        if (vma.anonVma() == null || av == null || vma.anonVma().root() != av.root()) return -1;
        return vma.vmaAddress(rmap.index(pfn));
    }

    /**
     * write_protect_page(): make the PTE mapping the page in vma read-only and clean, provided no
     * one holds a reference beyond the mappings and ours (mapcount + 1 + swapped == refcount,
     * checked with the PTE cleared so no GUP can slip in); an exclusive page becomes shared.
     * Returns the PTE now there, or null (-EFAULT).
     */
    Long write_protect_page(VmAreaStruct vma, long pfn) {
        long addr = page_address_in_vma(pfn, vma);
        if (addr < 0) return null;
        MmStruct mm = vma.mm();
        Long pte = rk.pte(mm, addr); // page_vma_mapped_walk()
        if (pte == null || !Pte.normal(pte) || Pte.pfn(pte) != pfn) return null;
        long entry = pte;
        boolean anonExclusive = (rk.flags(pfn) & PageFlags.PG_anon_exclusive) != 0;
        if (Pte.write(entry) || Pte.dirty(entry) || anonExclusive) {
            int swapped = 0; // no swap cache in the model
            entry = rk.ptep_clear_flush(mm, addr);
            if (rk.mapcount(pfn) + 1 + swapped != rk.refcount(pfn)) {
                rk.set_pte_at(mm, addr, entry);
                stats.writeProtectRefcount++;
                return null;
            }
            // folio_try_share_anon_rmap_pte(): clear the PTE first, then PageAnonExclusive (no pins: never fails)
            if (anonExclusive) rk.setFlags(pfn, rk.flags(pfn) & ~PageFlags.PG_anon_exclusive);
            if (Pte.dirty(entry)) rk.setFlags(pfn, rk.flags(pfn) | PageFlags.PG_dirty); // folio_mark_dirty()
            entry &= ~Pte.DIRTY; // pte_mkclean()
            entry &= ~Pte.WRITE; // pte_wrprotect()
            rk.set_pte_at(mm, addr, entry);
        }
        return entry;
    }

    /**
     * replace_page(): the PTE that maps page in vma (still orig_pte) now maps kpage read-only (or
     * the zero page, dirty so it is known as KSM's); page loses that mapping and its reference.
     */
    int replace_page(VmAreaStruct vma, long page, long kpage, long origPte) {
        long addr = page_address_in_vma(page, vma);
        if (addr < 0) return EFAULT;
        MmStruct mm = vma.mm();
        Long cur = rk.pte(mm, addr);
        if (cur == null || cur != origPte) return EFAULT; // !pte_same()
        if ((rk.flags(page) & PageFlags.PG_anon_exclusive) != 0) {
            warnings.warn("replace_page", "VM_BUG_ON_PAGE(PageAnonExclusive(page)) pfn 0x" + Long.toHexString(page));
        }
        long newpte;
        if (kpage != ZERO_PFN) {
            if (rmap.folioTestAnon(kpage) && (rk.flags(kpage) & PageFlags.PG_anon_exclusive) != 0) {
                warnings.warn("replace_page", "VM_BUG_ON_FOLIO(folio_test_anon(kfolio) && PageAnonExclusive(kpage)) pfn 0x"
                        + Long.toHexString(kpage));
            }
            rk.folio_get(kpage);
            rk.folio_add_anon_rmap_pte(kpage, vma, addr);
            newpte = Pte.mkPte(kpage, false, true, false); // mk_pte(kpage, vma->vm_page_prot): PAGE_COPY is read-only, accessed
        } else {
            newpte = Pte.ksmZeroPte();
            ksm_map_zero_page(mm);
            rk.add_mm_counter_anon(mm, -1); // dec_mm_counter(mm, MM_ANONPAGES)
            stats.zeroPageMerges++;
        }
        rk.ptep_clear_flush(mm, addr);
        rk.set_pte_at(mm, addr, newpte);
        rk.folio_remove_rmap_pte(page);
        rk.folio_put(page);
        return 0;
    }

    /** ksm_map_zero_page(). */
    void ksm_map_zero_page(MmStruct mm) {
        ksm_zero_pages++;
        kmm(mm).ksm_zero_pages++;
    }

    /**
     * try_to_merge_one_page(): write-protect page in vma and then either make it a KSM page with
     * no stable node yet (kpage NO_FOLIO) or, if identical, replace it by kpage. 0 or -EFAULT.
     */
    int try_to_merge_one_page(VmAreaStruct vma, long page, long kpage) {
        if (page == kpage) return 0; // ksm page forked
        if (!rmap.folioTestAnon(page)) return EFAULT;
        if (!rk.folio_trylock(page)) return EFAULT;
        int err = EFAULT;
        Long orig = write_protect_page(vma, page);
        if (orig != null) {
            if (kpage == NO_FOLIO) {
                folio_set_stable_node(page, null);
                folio_mark_accessed(page);
                if ((rk.flags(page) & PageFlags.PG_dirty) == 0) rk.setFlags(page, rk.flags(page) | PageFlags.PG_dirty);
                err = 0;
            } else if (pages_identical(page, kpage)) {
                err = replace_page(vma, page, kpage, orig);
            }
        }
        return err;
    }

    /** try_to_merge_with_zero_page(): 0 when merged with the zero page or the VMA went stale, -EFAULT otherwise. */
    int try_to_merge_with_zero_page(KsmRmapItem item, long page) {
        int err = EFAULT;
        if (ksm_use_zero_pages && item.oldchecksum == zero_checksum) {
            VmAreaStruct vma = find_mergeable_vma(item.mm, item.address);
            if (vma != null) err = try_to_merge_one_page(vma, page, ZERO_PFN);
            else err = 0;
        }
        return err;
    }

    /**
     * try_to_merge_with_ksm_page(): merge page into kpage (or make page a KSM page, kpage
     * NO_FOLIO), then take the item out of any tree and pin the VMA's anon_vma for it.
     */
    int try_to_merge_with_ksm_page(KsmRmapItem item, long page, long kpage) {
        VmAreaStruct vma = find_mergeable_vma(item.mm, item.address);
        if (vma == null) return EFAULT;
        int err = try_to_merge_one_page(vma, page, kpage);
        if (err != 0) return err;
        remove_rmap_item_from_tree(item); // unstable nid is in union with stable anon_vma: remove first
        item.anon_vma = vma.anonVma();
        rk.get_anon_vma(vma.anonVma());
        return 0;
    }

    /**
     * try_to_merge_two_pages(): page becomes a KSM page and tree_page is replaced by it; if the
     * second half fails, page's lone KSM mapping is broken again. The KSM page, or NO_FOLIO.
     */
    long try_to_merge_two_pages(KsmRmapItem item, long page, KsmRmapItem treeItem, long treePage) {
        int err = try_to_merge_with_ksm_page(item, page, NO_FOLIO);
        if (err == 0) {
            err = try_to_merge_with_ksm_page(treeItem, treePage, page);
            if (err != 0) {
                break_cow(item); // a ksm page with only one pte pointing to it: break it
                stats.mergeTwoFailed++;
            }
        }
        return err != 0 ? NO_FOLIO : page;
    }

    /**
     * cmp_and_merge_page(): a page already KSM only has its item moved to its node; another is
     * checksummed and, if its content did not change since the last scan, merged with the zero
     * page, into an identical KSM page of the stable tree, or with an identical page of the
     * unstable tree into a new KSM page; or it goes into the unstable tree.
     */
    void cmp_and_merge_page(long page, KsmRmapItem item) {
        boolean maxPageSharingBypass = false;
        long pageContent = contentOf(page); // what memcmp_pages() and calc_checksum() read
        KsmStableNode stableNode = folio_stable_node(page);
        if (stableNode != null) {
            if (item.head == stableNode) return;
            // If it's a KSM fork, allow it to go over the sharing limit without warnings.
            if (!is_page_sharing_candidate(stableNode)) maxPageSharingBypass = true;
        } else {
            remove_rmap_item_from_tree(item);
            int checksum = checksum(pageContent); // calc_checksum(page)
            if (item.oldchecksum != checksum) {
                item.oldchecksum = checksum;
                stats.checksumChanged++;
                return;
            }
            if (try_to_merge_with_zero_page(item, page) == 0) return;
        }
        long kfolio = stable_tree_search(page, pageContent);
        if (kfolio == page && item.head == stableNode) {
            rk.folio_put(kfolio);
            return;
        }
        remove_rmap_item_from_tree(item);
        if (kfolio != NO_FOLIO) {
            if (kfolio == EBUSY_FOLIO) return;
            int err = try_to_merge_with_ksm_page(item, page, kfolio);
            if (err == 0) {
                stable_tree_append(item, folio_stable_node(kfolio), maxPageSharingBypass);
                stats.stableMerges++;
            }
            rk.folio_put(kfolio);
            return;
        }
        KsmRmapItem treeItem = unstable_tree_search_insert(item, page, pageContent);
        if (treeItem != null) {
            long tp = treePage;
            treePage = NO_FOLIO;
            kfolio = try_to_merge_two_pages(item, page, treeItem, tp);
            rk.folio_put(tp);
            if (kfolio != NO_FOLIO) {
                KsmStableNode n = stable_tree_insert(kfolio);
                stable_tree_append(treeItem, n, false);
                stable_tree_append(item, n, false);
                stats.unstableMerges++;
            }
        }
    }

    // ------------------------------------------------------------------ the scan

    /**
     * get_next_rmap_item(): the item for addr on the slot's rmap_list at the link, freeing the
     * items before it whose addresses are no longer scanned, or a new one inserted there.
     */
    KsmRmapItem get_next_rmap_item(KsmMmSlot slot, RmapListLink link, long addr) {
        while (link.get() != null) {
            KsmRmapItem item = link.get();
            if ((item.address & PAGE_MASK) == addr) return item;
            if (item.address > addr) break;
            link.set(item.rmap_list);
            remove_rmap_item_from_tree(item);
            free_rmap_item(item);
        }
        KsmRmapItem item = alloc_rmap_item();
        item.mm = slot.mm;
        item.mm.ksm_rmap_items++;
        item.address = addr;
        item.rmap_list = link.get();
        link.set(item);
        return item;
    }

    /** skip_age(). */
    static int skip_age(int age) {
        if (age <= 3) return 1;
        if (age <= 5) return 2;
        if (age <= 8) return 4;
        return 8;
    }

    /**
     * should_skip_rmap_item(): with smart_scan, a page that is not KSM and has failed to merge for
     * three scans is skipped for a number of scans that grows with its age (skip_age()).
     */
    boolean should_skip_rmap_item(long pfn, KsmRmapItem item) {
        if (!ksm_smart_scan) return false;
        if (rmap.folioTestKsm(pfn)) return false;
        int age = item.age;
        if (age != 0xff) item.age++;
        if (age < 3) return false;
        if (item.remaining_skips == 0) {
            item.remaining_skips = skip_age(age);
            return false;
        }
        ksm_pages_skipped++;
        item.remaining_skips--;
        remove_rmap_item_from_tree(item);
        return true;
    }

    private static VmAreaStruct nextVma(MmStruct mm, VmAreaStruct v) {
        var e = mm.vmas().higherEntry(v.start());
        return e == null ? null : e.getValue();
    }

    /** ksm_next_page_pmd_entry(): the first present, normal, anonymous page in [from, vma end), or -1. */
    private long nextPage(MmStruct mm, VmAreaStruct vma, long from) {
        long end = vma.end();
        for (long a = from; a < end; a = nextAt[0] + 1) {
            long pte = rk.nextPte(mm, a, end, nextAt);
            if (pte == 0) return -1;
            if (!Pte.normal(pte)) continue; // not present (migration entry) or vm_normal_page() NULL (zero page)
            if (!rmap.folioTestAnon(Pte.pfn(pte))) continue;
            nextPte = pte;
            return nextAt[0];
        }
        return -1;
    }

    /** nextPage()'s PTE and its address (a scratch slot: the model is single-threaded). */
    private final long[] nextAt = new long[1];
    private long nextPte;

    /**
     * scan_get_next_rmap_item(): ksmd's cursor moves to the next anonymous page of a VM_MERGEABLE
     * VMA, mm by mm in list order, returning its item (the page in {@link #scanPage}, referenced).
     * A full scan starts by resetting the unstable tree; an mm with no VM_MERGEABLE VMA left (or
     * exited) loses its items and its slot; the end of the list completes the scan (seqnr++) and
     * returns null.
     */
    KsmRmapItem scan_get_next_rmap_item() {
        if (ksm_mm_head.next == ksm_mm_head) return null;
        KsmMmSlot slot = scanSlot;
        if (slot == ksm_mm_head) {
            // lru_add_drain_all(): the model's LRU has no per-CPU batches to drain
            root_unstable_tree.rb_node = null; // root_unstable_tree[nid] = RB_ROOT
            slot = ksm_mm_head.next;
            scanSlot = slot;
            if (slot == ksm_mm_head) return null;
            scanAddress = 0;
            scanRmapList = slot;
        }
        while (true) {
            KsmMm k = slot.mm;
            MmStruct mm = k.mm;
            if (!ksm_test_exit(k)) {
                long fromPage = scanAddress >>> PAGE_SHIFT;
                var fe = mm.vmas().floorEntry(fromPage);
                VmAreaStruct first = fe != null && fe.getValue().end() > fromPage ? fe.getValue() : null;
                if (first == null) {
                    var he = mm.vmas().higherEntry(fromPage);
                    first = he == null ? null : he.getValue();
                }
                // for_each_vma() from ksm_scan.address: nothing changes the VMAs while ksmd walks them
                for (VmAreaStruct vma = first; vma != null; vma = nextVma(mm, vma)) {
                    if ((vma.flags() & VmAreaStruct.VM_MERGEABLE) == 0) continue;
                    long start = vma.start() << PAGE_SHIFT;
                    long end = vma.end() << PAGE_SHIFT;
                    if (scanAddress < start) scanAddress = start;
                    if (vma.anonVma() == null) scanAddress = end;
                    while (scanAddress < end) {
                        long found = nextPage(mm, vma, scanAddress >>> PAGE_SHIFT);
                        long tmpPage = NO_FOLIO;
                        if (found >= 0) {
                            tmpPage = Pte.pfn(nextPte); // the PTE ksm_next_page_pmd_entry() found
                            rk.folio_get(tmpPage);
                            scanAddress = found << PAGE_SHIFT;
                        } else {
                            scanAddress = end - PAGE_SIZE;
                        }
                        if (tmpPage != NO_FOLIO) {
                            KsmRmapItem item = get_next_rmap_item(slot, scanRmapList, scanAddress);
                            scanRmapList = item;
                            if (should_skip_rmap_item(tmpPage, item)) {
                                rk.folio_put(tmpPage);
                                scanAddress += PAGE_SIZE; // next_page
                                continue;
                            }
                            scanAddress += PAGE_SIZE;
                            scanPage = tmpPage;
                            return item;
                        }
                        scanAddress += PAGE_SIZE; // next_page
                    }
                }
            }
            if (ksm_test_exit(k)) { // no_vmas
                scanAddress = 0;
                scanRmapList = slot;
            }
            // Nuke all the rmap_items that are above this current rmap: no VM_MERGEABLE vmas there.
            remove_trailing_rmap_items(scanRmapList);
            scanSlot = slot.next;
            if (scanAddress == 0) {
                // a full scan of its vmas found no VM_MERGEABLE: do what __ksm_exit does
                slot.del();
                k.slot = null;
                k.mmfVmMergeable = false;
                stats.slotsFreed++;
            }
            slot = scanSlot;
            if (slot != ksm_mm_head) { // next_mm
                scanAddress = 0;
                scanRmapList = slot;
                continue;
            }
            seqnr++;
            // The kernel resets the unstable tree when the next scan starts; nothing reads it in
            // between (its items are all a scan old: remove_rmap_item_from_tree() leaves the tree
            // alone), so the model resets it here as well and never holds a dead tree.
            root_unstable_tree.rb_node = null;
            scanRmapList = null;
            stats.fullScans++;
            return null;
        }
    }

    /**
     * ksm_do_scan(): up to scan_npages pages through cmp_and_merge_page(); stops early at the end
     * of a full scan. Returns how many were scanned. Refused while a folio is isolated for
     * migration: ksmd would sleep on its lock, which migrate_pages() holds until it is done.
     */
    public int ksm_do_scan(long scanNpages) {
        if (rk.migrationsPending()) {
            throw new RejectedOperationException("ksmd: a folio is isolated for migration (migrate_folio_unmap without "
                    + "migrate_folio_move): ksmd would sleep on its folio lock; finish the migration first");
        }
        int scanned = 0;
        while (scanNpages-- > 0) {
            KsmRmapItem item = scan_get_next_rmap_item();
            if (item == null) return scanned;
            long page = scanPage;
            scanPage = NO_FOLIO;
            cmp_and_merge_page(page, item);
            rk.folio_put(page);
            ksm_pages_scanned++;
            scanned++;
        }
        return scanned;
    }

    /** ksmd_should_run(): run has KSM_RUN_MERGE and some mm is on the list. */
    public boolean ksmd_should_run() {
        return (ksm_run & KSM_RUN_MERGE) != 0 && ksm_mm_head.next != ksm_mm_head;
    }

    /**
     * One turn of ksm_scan_thread(): a batch of pages_to_scan pages if ksmd should run, then the
     * sleep of sleep_millisecs, which advances ksmd's clock. Returns the pages scanned.
     */
    public int ksm_scan_thread_batch() {
        int n = ksmd_should_run() ? ksm_do_scan(ksm_thread_pages_to_scan) : 0;
        jiffies += ksm_thread_sleep_millisecs;
        stats.batches++;
        return n;
    }

    /**
     * Batches of ksm_scan_thread() until full_scans advances: the rest of the scan in progress, or
     * a whole one. Returns the number of batches; 0 when ksmd would not run (run is not 1, no mm
     * is on the list) or pages_to_scan is 0.
     */
    public int full_scan() {
        if (!ksmd_should_run() || ksm_thread_pages_to_scan == 0) return 0;
        long target = seqnr + 1;
        int batches = 0;
        while (seqnr < target && ksmd_should_run()) {
            ksm_scan_thread_batch();
            batches++;
        }
        return batches;
    }

    // ------------------------------------------------------------------ mm slots: enter, exit, fork

    /** __ksm_enter(): a slot for mm, behind the cursor (at the end when unmerging), and MMF_VM_MERGEABLE. */
    void __ksm_enter(KsmMm k) {
        KsmMmSlot slot = new KsmMmSlot(k);
        k.slot = slot;
        if ((ksm_run & KSM_RUN_UNMERGE) != 0) slot.addBefore(ksm_mm_head);
        else slot.addBefore(scanSlot);
        k.mmfVmMergeable = true;
        stats.slotsEntered++;
    }

    /**
     * __ksm_exit(): an mm that is not at the cursor and has no rmap_items is taken off the list at
     * once; otherwise its slot moves just after the cursor for ksmd to clean up.
     */
    void __ksm_exit(KsmMm k) {
        KsmMmSlot slot = k.slot;
        if (slot == null) return;
        if (scanSlot == slot) return;
        if (slot.rmap_list == null) {
            slot.del();
            k.slot = null;
            k.mmfVmMergeable = false;
        } else {
            slot.del();
            slot.addBefore(scanSlot.next); // list_move(&slot->mm_node, &ksm_scan.mm_slot->slot.mm_node)
        }
    }

    @Override
    public void ksm_exit(MmStruct mm) {
        KsmMm k = kmmIfAny(mm);
        if (k != null && k.mmfVmMergeable) __ksm_exit(k);
    }

    @Override
    public void dup_mm(MmStruct mm, MmStruct oldmm) {
        KsmMm parent = kmmIfAny(oldmm);
        KsmMm child = new KsmMm(mm);
        if (parent != null) { // memcpy(mm, oldmm, sizeof(*mm)); MMF_VM_MERGEABLE is not in MMF_INIT_MASK
            child.ksm_merging_pages = parent.ksm_merging_pages;
            child.ksm_rmap_items = parent.ksm_rmap_items;
            child.ksm_zero_pages = parent.ksm_zero_pages;
        }
        child.forkPending = true;
        mms.put(mm.pid, child);
    }

    @Override
    public void ksm_fork(MmStruct mm, MmStruct oldmm) {
        kmm(mm).forkPending = false;
        KsmMm parent = kmmIfAny(oldmm);
        if (parent == null || !parent.mmfVmMergeable) return; // adding mm to ksm is best effort on fork
        KsmMm child = kmm(mm);
        child.ksm_merging_pages = 0;
        child.ksm_rmap_items = 0;
        ksm_zero_pages += child.ksm_zero_pages; // the child maps the parent's KSM zero pages too
        __ksm_enter(child);
    }

    @Override
    public void ksm_might_unmap_zero_page(MmStruct mm, long pte) {
        if (!Pte.isKsmZeroPte(pte)) return;
        ksm_zero_pages--;
        KsmMm k = kmmIfAny(mm);
        if (k != null) k.ksm_zero_pages--;
        if (k != null && k.forkPending) zeroPagesLostByFailedFork++;
    }

    // ------------------------------------------------------------------ madvise

    /**
     * unmerge_ksm_pages(): break_ksm() on every page of [start, end) of vma (pages), stopping at
     * the first error.
     */
    int unmerge_ksm_pages(VmAreaStruct vma, long start, long end) {
        int err = 0;
        for (long addr = start; addr < end && err == 0; addr++) {
            if (ksm_test_exit(kmm(vma.mm()))) break;
            err = break_ksm(vma, addr);
        }
        return err;
    }

    @Override
    public long ksm_madvise(VmAreaStruct vma, long start, long end, int advice, long vmFlags) {
        KsmMm k = kmm(vma.mm());
        if (advice == Rmap.MADV_MERGEABLE) {
            if ((vma.flags() & VmAreaStruct.VM_MERGEABLE) != 0) return vmFlags;
            // vma_ksm_compatible(): a private anonymous VMA always is
            if (!k.mmfVmMergeable) __ksm_enter(k);
            stats.madviseMergeable++;
            return vmFlags | VmAreaStruct.VM_MERGEABLE;
        }
        if (advice == Rmap.MADV_UNMERGEABLE) {
            if ((vmFlags & VmAreaStruct.VM_MERGEABLE) == 0) return vmFlags; // just ignore the advice
            if (vma.anonVma() != null) {
                int err = unmerge_ksm_pages(vma, start, end);
                if (err != 0) return err;
            }
            stats.madviseUnmergeable++;
            return vmFlags & ~VmAreaStruct.VM_MERGEABLE;
        }
        return vmFlags;
    }

    /**
     * The model's guard before madvise(MADV_UNMERGEABLE): break_ksm() would wait for a KSM page
     * under migration (migration_entry_wait); refused, changing nothing, while one is in the range.
     */
    @Override
    public void madvise_check(MmStruct mm, long start, long end, int advice) {
        if (advice != Rmap.MADV_UNMERGEABLE) return;
        for (Map.Entry<Long, Long> e : rk.pageTable(mm).subMap(start, true, end, false).entrySet()) {
            long pte = e.getValue();
            if (Pte.migration(pte) && rmap.folioTestKsm(Pte.pfn(pte))) {
                throw new RejectedOperationException("madvise(MADV_UNMERGEABLE): break_ksm() would wait for the migration of "
                        + "KSM page pfn 0x" + Long.toHexString(Pte.pfn(pte)) + " at page 0x" + Long.toHexString(e.getKey())
                        + " (migration_entry_wait); finish the migration first");
            }
        }
    }

    // ------------------------------------------------------------------ run = 2: unmerge everything

    /**
     * remove_stable_node(): a node whose page is no longer mapped is removed (its page forgets it);
     * 0, or -EBUSY when the page is still mapped.
     */
    int remove_stable_node(KsmStableNode n) {
        long folio = ksm_get_folio(n, GetFolio.LOCK);
        if (folio == NO_FOLIO) return 0; // ksm_get_folio did remove_node_from_stable_tree itself
        int err = EBUSY;
        if (rk.mapcount(folio) == 0) { // !folio_mapped()
            folio_set_stable_node(folio, null);
            remove_node_from_stable_tree(n);
            err = 0;
        }
        rk.folio_put(folio);
        return err;
    }

    /** remove_stable_node_chain(): true (busy) if some page of it is still mapped. */
    boolean remove_stable_node_chain(KsmStableNode n, RbRoot root) {
        if (!n.isChain()) {
            if (n.dup) warnings.warn("remove_stable_node_chain", "VM_BUG_ON(is_stable_node_dup(stable_node)) " + n.name());
            return remove_stable_node(n) != 0;
        }
        KsmStableNode next;
        for (KsmStableNode dup = n.dupFirst; dup != null; dup = next) {
            next = dup.dupNext;
            if (!dup.dup) warnings.warn("remove_stable_node_chain", "VM_BUG_ON(!is_stable_node_dup(dup)) " + dup.name());
            if (remove_stable_node(dup) != 0) return true;
        }
        if (n.dupFirst != null) warnings.warn("remove_stable_node_chain", "BUG_ON(!hlist_empty(&stable_node->hlist)) " + n.name());
        free_stable_node_chain(n, root);
        return false;
    }

    /** remove_all_stable_nodes(): 0, or -EBUSY when some KSM page is still mapped. */
    int remove_all_stable_nodes() {
        int err = 0;
        while (root_stable_tree.rb_node != null) {
            KsmStableNode n = (KsmStableNode) root_stable_tree.rb_node;
            if (remove_stable_node_chain(n, root_stable_tree)) {
                err = EBUSY;
                break;
            }
        }
        return err;
    }

    /**
     * unmerge_and_remove_all_rmap_items() (run = 2): break COW on every KSM page of every
     * VM_MERGEABLE VMA, free every rmap_item (and the slots of exited mms), remove the stable
     * nodes, full_scans back to 0. 0, or the error of an unmerge (-ENOMEM), the cursor then back
     * at the head.
     */
    int unmerge_and_remove_all_rmap_items() {
        scanSlot = ksm_mm_head.next;
        for (KsmMmSlot slot = scanSlot; slot != ksm_mm_head; slot = scanSlot) {
            KsmMm k = slot.mm;
            if (!ksm_test_exit(k)) {
                for (VmAreaStruct vma : new ArrayList<>(k.mm.vmas().values())) {
                    if ((vma.flags() & VmAreaStruct.VM_MERGEABLE) == 0 || vma.anonVma() == null) continue;
                    int err = unmerge_ksm_pages(vma, vma.start(), vma.end());
                    if (err != 0) {
                        scanSlot = ksm_mm_head;
                        return err;
                    }
                }
            }
            remove_trailing_rmap_items(slot);
            scanSlot = slot.next;
            if (ksm_test_exit(k)) {
                slot.del();
                k.slot = null;
                k.mmfVmMergeable = false;
                stats.slotsFreed++;
            }
        }
        remove_all_stable_nodes(); // clean up stable nodes, but don't worry if some are still busy
        seqnr = 0;
        scanRmapList = null;
        return 0;
    }

    // ------------------------------------------------------------------ sysfs

    /** The value /sys/kernel/mm/ksm/NAME shows (the *_show() functions). */
    public String sysfs_show(String name) {
        return switch (name) {
            case "sleep_millisecs" -> Long.toString(ksm_thread_sleep_millisecs);
            case "pages_to_scan" -> Long.toString(ksm_thread_pages_to_scan);
            case "run" -> Integer.toString(ksm_run);
            case "pages_scanned" -> Long.toString(ksm_pages_scanned);
            case "pages_shared" -> Long.toString(ksm_pages_shared);
            case "pages_sharing" -> Long.toString(ksm_pages_sharing);
            case "pages_unshared" -> Long.toString(ksm_pages_unshared);
            case "pages_volatile" -> Long.toString(pagesVolatile());
            case "pages_skipped" -> Long.toString(ksm_pages_skipped);
            case "ksm_zero_pages" -> Long.toString(ksm_zero_pages);
            case "full_scans" -> Long.toString(seqnr);
            case "merge_across_nodes" -> "1";
            case "max_page_sharing" -> Integer.toString(ksm_max_page_sharing);
            case "stable_node_chains" -> Long.toString(ksm_stable_node_chains);
            case "stable_node_dups" -> Long.toString(ksm_stable_node_dups);
            case "stable_node_chains_prune_millisecs" -> Long.toString(ksm_stable_node_chains_prune_millisecs);
            case "use_zero_pages" -> ksm_use_zero_pages ? "1" : "0";
            case "general_profit" -> Long.toString(generalProfit());
            case "smart_scan" -> ksm_smart_scan ? "1" : "0";
            case "advisor_mode" -> "[none] scan-time";
            default -> throw new RejectedOperationException("/sys/kernel/mm/ksm/" + name + ": no such attribute (the model has "
                    + ATTRS + ")");
        };
    }

    /**
     * pages_volatile_show(): ksm_rmap_items - pages_shared - pages_sharing - pages_unshared,
     * shown as 0 when negative ("not worth any locking ... conceal that").
     */
    public long pagesVolatile() {
        long v = ksm_rmap_items - ksm_pages_shared - ksm_pages_sharing - ksm_pages_unshared;
        return Math.max(0, v);
    }

    /** The same difference before pages_volatile_show() clamps it. */
    public long pagesVolatileRaw() {
        return ksm_rmap_items - ksm_pages_shared - ksm_pages_sharing - ksm_pages_unshared;
    }

    /** general_profit_show(): (pages_sharing + ksm_zero_pages) * PAGE_SIZE - ksm_rmap_items * sizeof(struct ksm_rmap_item). */
    public long generalProfit() {
        return (ksm_pages_sharing + ksm_zero_pages) * PAGE_SIZE - ksm_rmap_items * SIZEOF_KSM_RMAP_ITEM;
    }

    /** Every counter of {@link #COUNTERS} and full_scans, by sysfs name. */
    public Map<String, Long> counters() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("full_scans", seqnr);
        for (String c : COUNTERS) m.put(c, Long.parseLong(sysfs_show(c)));
        return m;
    }

    private static long kstrtouint(String name, String value) {
        String v = value.endsWith("\n") ? value.substring(0, value.length() - 1) : value;
        if (v.startsWith("+")) v = v.substring(1);
        if (v.isEmpty() || !v.chars().allMatch(Character::isDigit)) {
            throw new RejectedOperationException("/sys/kernel/mm/ksm/" + name + ": EINVAL: '" + value.strip()
                    + "' is not an unsigned integer");
        }
        try {
            long x = Long.parseLong(v);
            if (x > 0xffffffffL) throw new NumberFormatException();
            return x;
        } catch (NumberFormatException e) {
            throw new RejectedOperationException("/sys/kernel/mm/ksm/" + name + ": EINVAL: '" + value.strip()
                    + "' is out of range for an unsigned int");
        }
    }

    /**
     * kstrtoint() (lib/kstrtox.c): an optional sign ('+' or '-'), decimal digits, at most one
     * trailing newline; -EINVAL for anything else, -ERANGE outside int.
     */
    private static int kstrtoint(String name, String value) {
        String v = value.endsWith("\n") ? value.substring(0, value.length() - 1) : value;
        String digits = v.startsWith("-") || v.startsWith("+") ? v.substring(1) : v;
        if (digits.isEmpty() || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new RejectedOperationException("/sys/kernel/mm/ksm/" + name + ": EINVAL: '" + value.strip()
                    + "' is not an integer");
        }
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new RejectedOperationException("/sys/kernel/mm/ksm/" + name + ": ERANGE: '" + value.strip()
                    + "' is out of range for an int");
        }
    }

    /**
     * kstrtobool() (lib/kstrtox.c): decided by the first one or two characters alone ("1 x" is
     * true, " 1" is not a boolean).
     */
    private static boolean kstrtobool(String name, String value) {
        String v = value;
        if (!v.isEmpty()) {
            switch (v.charAt(0)) {
                case 'y', 'Y', 't', 'T', '1' -> {
                    return true;
                }
                case 'n', 'N', 'f', 'F', '0' -> {
                    return false;
                }
                case 'o', 'O' -> {
                    if (v.length() > 1 && (v.charAt(1) == 'n' || v.charAt(1) == 'N')) return true;
                    if (v.length() > 1 && (v.charAt(1) == 'f' || v.charAt(1) == 'F')) return false;
                }
                default -> { }
            }
        }
        throw new RejectedOperationException("/sys/kernel/mm/ksm/" + name + ": EINVAL: '" + v.strip() + "' is not a boolean");
    }

    /**
     * Writes /sys/kernel/mm/ksm/NAME (the *_store() functions). Returns 0 or a negative errno the
     * write returns after doing what it did (-EBUSY: max_page_sharing with KSM pages in use;
     * -ENOMEM: run=2 could not unmerge everything, run is then 0). Malformed values, read-only
     * attributes and unknown names are refused (EINVAL) changing nothing.
     */
    public int sysfs_store(String name, String value) {
        switch (name) {
            case "sleep_millisecs" -> ksm_thread_sleep_millisecs = kstrtouint(name, value);
            case "pages_to_scan" -> ksm_thread_pages_to_scan = kstrtouint(name, value);
            case "stable_node_chains_prune_millisecs" -> ksm_stable_node_chains_prune_millisecs = kstrtouint(name, value);
            case "use_zero_pages" -> ksm_use_zero_pages = kstrtobool(name, value);
            case "smart_scan" -> ksm_smart_scan = kstrtobool(name, value);
            case "run" -> {
                long flags = kstrtouint(name, value);
                if (flags > KSM_RUN_UNMERGE) {
                    throw new RejectedOperationException("/sys/kernel/mm/ksm/run: EINVAL: " + flags + " (0 stop, 1 merge, 2 unmerge)");
                }
                return run_store((int) flags);
            }
            case "max_page_sharing" -> {
                int knob = kstrtoint(name, value);
                // "When a KSM page is created it is shared by 2 mappings."
                if (knob < 2) throw new RejectedOperationException("/sys/kernel/mm/ksm/max_page_sharing: EINVAL: " + knob + " < 2");
                return max_page_sharing_store(knob);
            }
            case "merge_across_nodes" -> {
                if (kstrtouint(name, value) != 1) {
                    throw new RejectedOperationException("/sys/kernel/mm/ksm/merge_across_nodes: the model has one NUMA node and "
                            + "merge_across_nodes 1 only");
                }
            }
            case "advisor_mode" -> {
                if (!value.strip().equals("none")) {
                    throw new RejectedOperationException("/sys/kernel/mm/ksm/advisor_mode: the model has the advisor 'none' only");
                }
            }
            default -> {
                if (ATTRS.contains(name)) {
                    throw new RejectedOperationException("/sys/kernel/mm/ksm/" + name + ": EACCES: read-only attribute");
                }
                throw new RejectedOperationException("/sys/kernel/mm/ksm/" + name + ": no such attribute (the model has " + ATTRS + ")");
            }
        }
        return 0;
    }

    /** run_store(). */
    int run_store(int flags) {
        if (ksm_run == flags) return 0;
        if ((flags & KSM_RUN_UNMERGE) != 0 && rk.migrationsPending()) {
            throw new RejectedOperationException("/sys/kernel/mm/ksm/run: 2 would wait for a folio lock migration holds; "
                    + "finish the migration first");
        }
        ksm_run = flags;
        if ((flags & KSM_RUN_UNMERGE) != 0) {
            int err = unmerge_and_remove_all_rmap_items();
            stats.runUnmerge++;
            if (err != 0) {
                ksm_run = KSM_RUN_STOP;
                return err;
            }
        }
        return 0;
    }

    /** max_page_sharing_store(): changes only while no KSM page is in use. */
    int max_page_sharing_store(int knob) {
        if (ksm_max_page_sharing == knob) return 0;
        if (ksm_pages_shared == 0 && root_stable_tree.rb_node != null && rk.migrationsPending()) {
            throw new RejectedOperationException("/sys/kernel/mm/ksm/max_page_sharing: remove_all_stable_nodes() would wait for "
                    + "a folio lock migration holds; finish the migration first");
        }
        if (ksm_pages_shared != 0 || remove_all_stable_nodes() != 0) {
            stats.maxPageSharingBusy++;
            return EBUSY;
        }
        ksm_max_page_sharing = knob;
        return 0;
    }

    // ------------------------------------------------------------------ hooks from rmap and migration

    /**
     * rmap_walk_ksm(): for each rmap_item of the page's stable node, the VMAs of its anon_vma that
     * cover the item's address, first those of the item's own mm, then (search_new_forks) those of
     * other mms, forked since ksmd last passed. {@code rmapOne} gets the byte address; with
     * {@link KnownBug#KSM_STABLE_FLAG} the address keeps STABLE_FLAG (before 1105a2fc022f).
     */
    void rmap_walk_ksm_bytes(long pfn, BiPredicate<VmAreaStruct, Long> rmapOne) {
        KsmStableNode n = folio_stable_node(pfn);
        if (n == null) return;
        for (int searchNewForks = 0; searchNewForks < 2; searchNewForks++) {
            for (KsmRmapItem it = n.hlistFirst; it != null; it = it.hlistNext) {
                final KsmRmapItem item = it;
                AnonVma av = item.anon_vma;
                if (av == null) continue;
                final boolean newForks = searchNewForks == 1;
                boolean[] stop = {false};
                av.foreach(0, Long.MAX_VALUE, avc -> {
                    VmAreaStruct vma = avc.vma();
                    if (vma == null) return true;
                    // Ignore the stable/unstable/sqnr flags (1105a2fc022f: before it, the raw address was used)
                    long addr = bugStableFlag ? item.address : item.address & PAGE_MASK;
                    if (addr < vma.start() << PAGE_SHIFT || addr >= vma.end() << PAGE_SHIFT) return true;
                    // first the vma which covers this rmap_item, then covering vmas of other mms
                    if ((item.mm.mm == vma.mm()) == newForks) return true;
                    if (!rmapOne.test(vma, addr)) {
                        stop[0] = true;
                        return false;
                    }
                    return true;
                });
                if (stop[0]) return;
            }
        }
    }

    @Override
    public void rmap_walk_ksm(long pfn, BiPredicate<VmAreaStruct, Long> rmapOne) {
        stats.rmapWalks++;
        // page tables are looked up by page: the low bits of a byte address do not change which PTE
        rmap_walk_ksm_bytes(pfn, (v, addr) -> rmapOne.test(v, addr >>> PAGE_SHIFT));
    }

    @Override
    public void rmapWalkKsmCandidates(long pfn, BiConsumer<VmAreaStruct, Long> visit) {
        rmap_walk_ksm_bytes(pfn, (v, addr) -> {
            visit.accept(v, addr >>> PAGE_SHIFT);
            return true;
        });
    }

    /** What rmap_walk_ksm() hands to rmap_one for the page: (VMA, byte address) pairs, for the invariants. */
    public List<Map.Entry<VmAreaStruct, Long>> rmapWalkKsmAddresses(long pfn) {
        List<Map.Entry<VmAreaStruct, Long>> out = new ArrayList<>();
        rmap_walk_ksm_bytes(pfn, (v, addr) -> {
            out.add(Map.entry(v, addr));
            return true;
        });
        return out;
    }

    @Override
    public void folio_migrate_ksm(long newPfn, long oldPfn) {
        KsmStableNode n = folio_stable_node(oldPfn);
        if (n == null) return;
        if (n.kpfn != oldPfn) {
            warnings.warn("folio_migrate_ksm", "VM_BUG_ON_FOLIO(stable_node->kpfn != folio_pfn(folio)) " + n.name() + " kpfn 0x"
                    + Long.toHexString(n.kpfn) + ", folio 0x" + Long.toHexString(oldPfn));
        }
        n.kpfn = newPfn;
        folio_set_stable_node(oldPfn, null);
        stats.migrated++;
    }

    @Override
    public boolean rmapItemFor(long pfn, MmStruct mm, long addr) {
        KsmStableNode n = folio_stable_node(pfn);
        if (n == null) return false;
        for (KsmRmapItem i = n.hlistFirst; i != null; i = i.hlistNext) {
            if (i.mm.mm == mm && (i.address >>> PAGE_SHIFT) == addr) return true;
        }
        return false;
    }

    @Override
    public boolean stableNodeLive(int id) {
        return nodes.containsKey(id);
    }

    @Override
    public Map<AnonVma, Integer> anonVmaPins() {
        Map<AnonVma, Integer> m = new IdentityHashMap<>();
        for (KsmMmSlot s = ksm_mm_head.next; s != ksm_mm_head; s = s.next) {
            for (KsmRmapItem i = s.rmap_list; i != null; i = i.rmap_list) {
                if ((i.address & STABLE_FLAG) != 0 && i.anon_vma != null) m.merge(i.anon_vma, 1, Integer::sum);
            }
        }
        return m;
    }

    // ------------------------------------------------------------------ views

    public KernelWarnings warnings() {
        return warnings;
    }

    public long seqnr() {
        return seqnr;
    }

    public long jiffies() {
        return jiffies;
    }

    public int run() {
        return ksm_run;
    }

    public int maxPageSharing() {
        return ksm_max_page_sharing;
    }

    public boolean useZeroPages() {
        return ksm_use_zero_pages;
    }

    public boolean smartScan() {
        return ksm_smart_scan;
    }

    public long pagesToScan() {
        return ksm_thread_pages_to_scan;
    }

    public long sleepMillisecs() {
        return ksm_thread_sleep_millisecs;
    }

    public long pruneMillisecs() {
        return ksm_stable_node_chains_prune_millisecs;
    }

    public long pagesShared() {
        return ksm_pages_shared;
    }

    public long pagesSharing() {
        return ksm_pages_sharing;
    }

    public long pagesUnshared() {
        return ksm_pages_unshared;
    }

    public long rmapItems() {
        return ksm_rmap_items;
    }

    public long stableNodeChains() {
        return ksm_stable_node_chains;
    }

    public long stableNodeDups() {
        return ksm_stable_node_dups;
    }

    public long zeroPages() {
        return ksm_zero_pages;
    }

    public long pagesScanned() {
        return ksm_pages_scanned;
    }

    public long pagesSkipped() {
        return ksm_pages_skipped;
    }

    public int zeroChecksum() {
        return zero_checksum;
    }

    /** KSM zero pages a failed fork's teardown took off ksm_zero_pages without their having been added (see the field). */
    public long zeroPagesLostByFailedFork() {
        return zeroPagesLostByFailedFork;
    }

    public RbRoot stableTree() {
        return root_stable_tree;
    }

    public RbRoot unstableTree() {
        return root_unstable_tree;
    }

    /** The stable nodes not yet freed (tree nodes, chains and dups), by id. */
    public NavigableMap<Integer, KsmStableNode> stableNodes() {
        return java.util.Collections.unmodifiableNavigableMap(nodes);
    }

    /** The mm slots in list order (ksm_mm_head excluded). */
    public List<KsmMmSlot> slots() {
        List<KsmMmSlot> l = new ArrayList<>();
        for (KsmMmSlot s = ksm_mm_head.next; s != ksm_mm_head; s = s.next) l.add(s);
        return l;
    }

    /** The slot the cursor is at (null: at ksm_mm_head, between full scans). */
    public KsmMmSlot scanSlot() {
        return scanSlot == ksm_mm_head ? null : scanSlot;
    }

    /** ksm_scan.address (bytes). */
    public long scanAddress() {
        return scanAddress;
    }

    /** The KSM fields of a live process's mm, or null. */
    public KsmMm mm(int pid) {
        MmStruct mm = rk.mm(pid);
        return mm == null ? null : kmmIfAny(mm);
    }

    /** Every rmap_item on the slots' lists, in list order. */
    public List<KsmRmapItem> items() {
        List<KsmRmapItem> l = new ArrayList<>();
        for (KsmMmSlot s = ksm_mm_head.next; s != ksm_mm_head; s = s.next) {
            for (KsmRmapItem i = s.rmap_list; i != null; i = i.rmap_list) l.add(i);
        }
        return l;
    }

    /** The nodes of a tree in order (rb_first, rb_next). */
    public static List<RbNode> inOrder(RbRoot root) {
        List<RbNode> l = new ArrayList<>();
        for (RbNode n = RbTree.rb_first(root); n != null; n = RbTree.rb_next(n)) l.add(n);
        return l;
    }

    public Rmap rmap() {
        return rmap;
    }

    // ------------------------------------------------------------------ copy and fingerprint

    /** Overwrites this state with {@code o}'s (same configuration); the rmap must already be a copy of o's. */
    public void copyFrom(Ksm o) {
        ksm_run = o.ksm_run;
        ksm_thread_pages_to_scan = o.ksm_thread_pages_to_scan;
        ksm_thread_sleep_millisecs = o.ksm_thread_sleep_millisecs;
        ksm_max_page_sharing = o.ksm_max_page_sharing;
        ksm_use_zero_pages = o.ksm_use_zero_pages;
        ksm_smart_scan = o.ksm_smart_scan;
        ksm_stable_node_chains_prune_millisecs = o.ksm_stable_node_chains_prune_millisecs;
        ksm_pages_scanned = o.ksm_pages_scanned;
        ksm_pages_shared = o.ksm_pages_shared;
        ksm_pages_sharing = o.ksm_pages_sharing;
        ksm_pages_unshared = o.ksm_pages_unshared;
        ksm_rmap_items = o.ksm_rmap_items;
        ksm_stable_node_chains = o.ksm_stable_node_chains;
        ksm_stable_node_dups = o.ksm_stable_node_dups;
        ksm_zero_pages = o.ksm_zero_pages;
        ksm_pages_skipped = o.ksm_pages_skipped;
        seqnr = o.seqnr;
        jiffies = o.jiffies;
        scanAddress = o.scanAddress;
        nextItemId = o.nextItemId;
        nextNodeId = o.nextNodeId;
        zeroPagesLostByFailedFork = o.zeroPagesLostByFailedFork;
        warnings.copyFrom(o.warnings);
        stats.copyFrom(o.stats);

        Map<KsmMm, KsmMm> mmMap = new IdentityHashMap<>();
        mms.clear();
        for (KsmMm k : o.mms.values()) {
            if (!o.rk.mmLive(k.mm)) continue;
            MmStruct nm = rk.mm(k.mm.pid);
            if (nm == null) continue;
            mmMap.put(k, copyMm(k, nm));
        }
        java.util.function.Function<KsmMm, KsmMm> mapMm = k -> k == null ? null : mmMap.computeIfAbsent(k, x -> copyMm(x, x.mm));
        for (KsmMm k : mmMap.values()) mms.put(k.mm.pid, k);

        Map<KsmStableNode, KsmStableNode> nodeMap = new IdentityHashMap<>();
        nodes.clear();
        for (KsmStableNode n : o.nodes.values()) {
            KsmStableNode c = new KsmStableNode(n.id);
            c.dup = n.dup;
            c.kpfn = n.kpfn;
            c.chain_prune_time = n.chain_prune_time;
            c.rmap_hlist_len = n.rmap_hlist_len;
            c.content = n.content;
            nodeMap.put(n, c);
            nodes.put(c.id, c);
        }
        java.util.function.Function<KsmStableNode, KsmStableNode> mapNode = n -> n == null ? null : nodeMap.get(n);

        Map<KsmRmapItem, KsmRmapItem> itemMap = new IdentityHashMap<>();
        List<KsmMmSlot> oslots = o.slots();
        for (KsmMmSlot s : oslots) {
            for (KsmRmapItem i = s.rmap_list; i != null; i = i.rmap_list) {
                KsmRmapItem c = new KsmRmapItem(i.id);
                c.address = i.address;
                c.oldchecksum = i.oldchecksum;
                c.insertedStamp = i.insertedStamp;
                c.age = i.age;
                c.remaining_skips = i.remaining_skips;
                c.bypass = i.bypass;
                c.mm = mapMm.apply(i.mm);
                if (i.anon_vma != null) {
                    AnonVma a = rk.anonVma(i.anon_vma.id);
                    c.anon_vma = a != null ? a : i.anon_vma;
                }
                itemMap.put(i, c);
            }
        }
        java.util.function.Function<KsmRmapItem, KsmRmapItem> mapItem = i -> i == null ? null : itemMap.get(i);
        for (Map.Entry<KsmRmapItem, KsmRmapItem> e : itemMap.entrySet()) {
            KsmRmapItem i = e.getKey();
            KsmRmapItem c = e.getValue();
            c.rmap_list = mapItem.apply(i.rmap_list);
            if ((i.address & STABLE_FLAG) != 0) {
                c.head = mapNode.apply(i.head);
                c.hlistNext = mapItem.apply(i.hlistNext);
                c.hlistPrev = mapItem.apply(i.hlistPrev);
            }
        }
        for (Map.Entry<KsmStableNode, KsmStableNode> e : nodeMap.entrySet()) {
            KsmStableNode n = e.getKey();
            KsmStableNode c = e.getValue();
            c.chain = mapNode.apply(n.chain);
            c.dupNext = mapNode.apply(n.dupNext);
            c.dupPrev = mapNode.apply(n.dupPrev);
            c.dupFirst = mapNode.apply(n.dupFirst);
            c.hlistFirst = mapItem.apply(n.hlistFirst);
        }
        // the trees: links of nodes reachable from the roots
        Map<RbNode, RbNode> rbMap = new IdentityHashMap<>();
        rbMap.putAll(nodeMap);
        rbMap.putAll(itemMap);
        root_stable_tree.rb_node = copyTree(o.root_stable_tree.rb_node, null, rbMap);
        root_unstable_tree.rb_node = copyTree(o.root_unstable_tree.rb_node, null, rbMap);

        // the list and the cursor
        ksm_mm_head.next = ksm_mm_head;
        ksm_mm_head.prev = ksm_mm_head;
        Map<KsmMmSlot, KsmMmSlot> slotMap = new IdentityHashMap<>();
        slotMap.put(o.ksm_mm_head, ksm_mm_head);
        for (KsmMmSlot s : oslots) {
            KsmMm k = mapMm.apply(s.mm);
            KsmMmSlot c = new KsmMmSlot(k);
            k.slot = c;
            c.rmap_list = mapItem.apply(s.rmap_list);
            c.addBefore(ksm_mm_head);
            slotMap.put(s, c);
        }
        scanSlot = slotMap.getOrDefault(o.scanSlot, ksm_mm_head);
        if (o.scanRmapList == null) scanRmapList = null;
        else if (o.scanRmapList instanceof KsmMmSlot s) scanRmapList = slotMap.get(s);
        else scanRmapList = mapItem.apply((KsmRmapItem) o.scanRmapList);
    }

    private static KsmMm copyMm(KsmMm k, MmStruct mm) {
        KsmMm c = new KsmMm(mm);
        c.ksm_merging_pages = k.ksm_merging_pages;
        c.ksm_rmap_items = k.ksm_rmap_items;
        c.ksm_zero_pages = k.ksm_zero_pages;
        c.mmfVmMergeable = k.mmfVmMergeable;
        return c;
    }

    private static RbNode copyTree(RbNode n, RbNode parent, Map<RbNode, RbNode> map) {
        if (n == null) return null;
        RbNode c = map.get(n);
        if (c == null) return null; // a node no list reaches: only a corrupted state has one
        c.rbParent = parent;
        c.rbBlack = n.rbBlack;
        c.rbLeft = copyTree(n.rbLeft, c, map);
        c.rbRight = copyTree(n.rbRight, c, map);
        return c;
    }

    /**
     * A 64-bit hash of the KSM state: knobs, counters, the list of slots with their items, both
     * trees' shapes and colours, the stable nodes, and the clock as each chain sees it
     * (jiffies - chain_prune_time: the absolute clock matters only through that difference).
     * Symmetry: contents and pids are interchangeable (renaming every value, or every process,
     * consistently gives an equivalent state), which a canonical form could exploit; this hash
     * does not: it names both as they are.
     */
    public long fingerprint() {
        long h = 0x4B534DL;
        long[] scalars = {ksm_run, ksm_thread_pages_to_scan, ksm_thread_sleep_millisecs, ksm_max_page_sharing,
            ksm_use_zero_pages ? 1 : 0, ksm_smart_scan ? 1 : 0, ksm_stable_node_chains_prune_millisecs, ksm_pages_scanned,
            ksm_pages_shared, ksm_pages_sharing, ksm_pages_unshared, ksm_rmap_items, ksm_stable_node_chains,
            ksm_stable_node_dups, ksm_zero_pages, ksm_pages_skipped, seqnr, scanAddress, nextItemId, nextNodeId,
            zeroPagesLostByFailedFork};
        for (long v : scalars) h = MemMap.mix(h ^ v);
        for (KsmMmSlot s = ksm_mm_head.next; s != ksm_mm_head; s = s.next) {
            KsmMm k = s.mm;
            h = MemMap.mix(h ^ k.mm.pid ^ (ksm_test_exit(k) ? 1L << 40 : 0) ^ (s == scanSlot ? 1L << 41 : 0));
            h = MemMap.mix(h ^ k.ksm_merging_pages ^ (k.ksm_rmap_items << 20) ^ (k.ksm_zero_pages << 40));
            for (KsmRmapItem i = s.rmap_list; i != null; i = i.rmap_list) {
                h = MemMap.mix(h ^ i.id ^ (i.address << 8) ^ (i == scanRmapList ? 1L << 62 : 0));
                h = MemMap.mix(h ^ i.oldchecksum ^ ((long) i.age << 32) ^ ((long) i.remaining_skips << 40)
                        ^ (i.anon_vma == null || (i.address & STABLE_FLAG) == 0 ? 0 : (long) i.anon_vma.id << 48));
                if ((i.address & STABLE_FLAG) != 0) {
                    h = MemMap.mix(h ^ (i.head == null ? 0 : i.head.id) ^ (i.bypass ? 1L << 33 : 0));
                }
                if ((i.address & UNSTABLE_FLAG) != 0 && writtenSinceInserted(i)) {
                    // the one thing of the ghost stamps an invariant reads (KSM-UNSTABLE-ORDER): a state
                    // search must not take two states that differ in it for one
                    h = MemMap.mix(h ^ 0x3B1L);
                }
            }
            if (scanRmapList == s) h = MemMap.mix(h ^ 0x5107L);
        }
        for (KsmMm k : mms.values()) {
            if (!rk.mmLive(k.mm) || k.slot != null) continue;
            h = MemMap.mix(h ^ k.mm.pid ^ (k.ksm_zero_pages << 20) ^ (k.ksm_merging_pages << 40) ^ (k.ksm_rmap_items << 50));
        }
        for (KsmStableNode n : nodes.values()) {
            h = MemMap.mix(h ^ n.id ^ ((long) n.rmap_hlist_len << 20) ^ (n.dup ? 1L << 52 : 0) ^ (n.content * 31));
            h = MemMap.mix(h ^ (n.isChain() ? Math.max(0, jiffies - n.chain_prune_time) : n.kpfn)
                    ^ ((long) (n.chain == null ? 0 : n.chain.id) << 32));
            for (KsmStableNode d = n.dupFirst; d != null; d = d.dupNext) h = MemMap.mix(h ^ d.id);
            for (KsmRmapItem i = n.hlistFirst; i != null; i = i.hlistNext) h = MemMap.mix(h ^ ((long) i.id << 16));
        }
        h = treeHash(h, root_stable_tree.rb_node);
        h = MemMap.mix(h ^ 0x7FL);
        h = treeHash(h, root_unstable_tree.rb_node);
        return h;
    }

    /**
     * Whether the page at an unstable item's address has been stored to since the item went into
     * the unstable tree (ghost stamps: {@code Rmap.contentStamp}); true when no page is there.
     */
    public boolean writtenSinceInserted(KsmRmapItem i) {
        if (!rk.mmLive(i.mm.mm)) return true;
        long pte = rk.pteValue(i.mm.mm, i.address >>> PAGE_SHIFT);
        if (!Pte.normal(pte)) return true;
        return rk.contentStamp(Pte.pfn(pte)) != i.insertedStamp;
    }

    private static long treeHash(long h, RbNode n) {
        if (n == null) return MemMap.mix(h ^ 0x3L);
        int id = n instanceof KsmStableNode s ? s.id : ((KsmRmapItem) n).id;
        h = MemMap.mix(h ^ id ^ (n.rbBlack ? 1L << 31 : 0));
        h = treeHash(h, n.rbLeft);
        return treeHash(h, n.rbRight);
    }

    /** What ksmd did, for the situations a run covered. */
    public static final class KsmStats {
        public long batches, fullScans, checksumChanged, memcmp, stableMerges, unstableMerges, zeroPageMerges;
        public long stableNodesCreated, chainsCreated, chainsCollapsed, chainsFreed, chainPrunes, staleNodesRemoved;
        public long stableFull, searchRestarts, unstableLookupFailed, writeProtectRefcount, mergeTwoFailed, forkBypass;
        public long breakKsm, madviseMergeable, madviseUnmergeable, runUnmerge, maxPageSharingBusy, slotsEntered, slotsFreed;
        public long rmapWalks, migrated;

        void copyFrom(KsmStats o) {
            batches = o.batches;
            fullScans = o.fullScans;
            checksumChanged = o.checksumChanged;
            memcmp = o.memcmp;
            stableMerges = o.stableMerges;
            unstableMerges = o.unstableMerges;
            zeroPageMerges = o.zeroPageMerges;
            stableNodesCreated = o.stableNodesCreated;
            chainsCreated = o.chainsCreated;
            chainsCollapsed = o.chainsCollapsed;
            chainsFreed = o.chainsFreed;
            chainPrunes = o.chainPrunes;
            staleNodesRemoved = o.staleNodesRemoved;
            stableFull = o.stableFull;
            searchRestarts = o.searchRestarts;
            unstableLookupFailed = o.unstableLookupFailed;
            writeProtectRefcount = o.writeProtectRefcount;
            mergeTwoFailed = o.mergeTwoFailed;
            forkBypass = o.forkBypass;
            breakKsm = o.breakKsm;
            madviseMergeable = o.madviseMergeable;
            madviseUnmergeable = o.madviseUnmergeable;
            runUnmerge = o.runUnmerge;
            maxPageSharingBusy = o.maxPageSharingBusy;
            slotsEntered = o.slotsEntered;
            slotsFreed = o.slotsFreed;
            rmapWalks = o.rmapWalks;
            migrated = o.migrated;
        }

        /** The counters by name. */
        public Map<String, Long> figures() {
            Map<String, Long> m = new LinkedHashMap<>();
            m.put("ksmd batches", batches);
            m.put("full scans", fullScans);
            m.put("checksum changed (volatile)", checksumChanged);
            m.put("merged into the stable tree", stableMerges);
            m.put("merged from the unstable tree", unstableMerges);
            m.put("merged with the zero page", zeroPageMerges);
            m.put("stable nodes created", stableNodesCreated);
            m.put("stable_node chains created", chainsCreated);
            m.put("chains collapsed to one dup", chainsCollapsed);
            m.put("empty chains freed", chainsFreed);
            m.put("chain prunes", chainPrunes);
            m.put("stale stable nodes removed", staleNodesRemoved);
            m.put("stable tree full (max_page_sharing)", stableFull);
            m.put("search restarted after a stale node", searchRestarts);
            m.put("write_protect_page refcount check failed", writeProtectRefcount);
            m.put("try_to_merge_two_pages second half failed", mergeTwoFailed);
            m.put("KSM fork over max_page_sharing (bypass)", forkBypass);
            m.put("break_ksm faults", breakKsm);
            m.put("MADV_MERGEABLE", madviseMergeable);
            m.put("MADV_UNMERGEABLE", madviseUnmergeable);
            m.put("run=2 unmerges", runUnmerge);
            m.put("max_page_sharing -EBUSY", maxPageSharingBusy);
            m.put("mm slots entered", slotsEntered);
            m.put("mm slots freed by ksmd", slotsFreed);
            m.put("rmap_walk_ksm", rmapWalks);
            m.put("folio_migrate_ksm", migrated);
            return m;
        }
    }
}
