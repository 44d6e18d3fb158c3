package org.mmspec.reference.rmap;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.function.BiPredicate;

import org.mmspec.reference.alloc.Gfp;
import org.mmspec.reference.alloc.KernelWarnings;
import org.mmspec.reference.alloc.KnownBug;
import org.mmspec.reference.alloc.MachineConfig;
import org.mmspec.reference.alloc.PageAlloc;
import org.mmspec.reference.alloc.RejectedOperationException;
import org.mmspec.reference.page.MemMap;
import org.mmspec.reference.page.PageFlags;

/**
 * The processes of the machine and their private anonymous memory, with the reverse map of
 * mm/rmap.c (Linux v6.18): mm_structs, VMAs, page tables, anon_vmas and anon_vma_chains, and
 * for every anonymous page its {@code page->mapping} (the anon_vma), {@code page->index},
 * mapcount and content. Pages come from the buddy allocator ({@link PageAlloc}, GFP_HIGHUSER_MOVABLE
 * on fault) and go back to it when the last mapping and reference go.
 *
 * <p>This class holds the state, the user-visible operations (mmap, munmap, access, fork, exit,
 * migration, folio_referenced) and the functions of mm/rmap.c; {@link Memory} holds mm/memory.c
 * (faults, COW, copy_page_range, zap_pte_range), {@link Vma} mm/vma.c and mm/mmap.c (mmap,
 * munmap, merge, split, dup_mmap, exit_mmap); mm/migrate.c is
 * {@link org.mmspec.reference.migrate.Migrate}, whose page table edits (try_to_migrate(),
 * remove_migration_ptes()) are here, next to the page tables.
 *
 * <p>Folios are order 0 only (no large folios, no THP): every anonymous folio is one page, so
 * folio_mapcount is the page's mapcount. Left out, and said so in spec/README.md: swap (so
 * try_to_unmap is modelled as migration uses it, {@code try_to_migrate()}), file mappings, KSM,
 * mremap, mprotect, madvise, userfaultfd, pinning (GUP), the LRU lists, memcg, mlock, threads.
 *
 * <p>Where the kernel's choice depends on timing, the model makes it an input: a fork names which
 * of its slab allocations fails ({@code fail_at}), a migration whether moving the folio fails.
 */
public final class Rmap {
    /** PAGE_MAPPING_ANON: the low bit of page->mapping marks an anon_vma. */
    public static final int PAGE_MAPPING_ANON = 0x1;
    /** mmap_min_addr (65536 bytes) in pages. */
    public static final long MMAP_MIN_ADDR = 0x10;
    /** TASK_SIZE of x86-64 with 4-level page tables, in pages (2^47 bytes). */
    public static final long TASK_SIZE = 1L << 35;
    /** The pid of init, created at boot with an empty mm; it cannot exit. */
    public static final int INIT_PID = 1;

    public static final int ENOMEM = -12;
    public static final int EEXIST = -17;
    public static final int EBUSY = -16;
    public static final int EAGAIN = -11;

    final PageAlloc pageAlloc;
    final MemMap mem;
    /** KnownBug.ANON_VMA_DEGREE, read once: the deviation is tested at exactly one place. */
    final boolean bugAnonVmaDegree;

    final TreeMap<Integer, MmStruct> tasks = new TreeMap<>();
    /** Every anon_vma not yet freed, by id. */
    final TreeMap<Integer, AnonVma> anonVmas = new TreeMap<>();
    /** Content of every anonymous page the processes own, by pfn: the abstract value written to it. */
    final TreeMap<Long, Long> content = new TreeMap<>();
    /** Folios isolated for migration, by source pfn. */
    final TreeMap<Long, Migration> migrations = new TreeMap<>();
    int nextPid = INIT_PID;
    int nextVmaId = 1;
    int nextAnonVmaId = 1;
    int nextAvcId = 1;
    long nextSeq = 1;

    /** During a fork: the 1-based slab allocation that fails (0: none) and how many were made. */
    int failAt;
    int slabAllocs;

    final KernelWarnings warnings = new KernelWarnings();
    public final RmapStats stats = new RmapStats();

    /** The reclaim model (swap device, swap cache, workingset), attached by the Machine; null when absent. */
    org.mmspec.reference.reclaim.Reclaim reclaim;

    final Memory memory = new Memory(this);
    final Vma vma = new Vma(this);
    /** mm/migrate.c over this machine's processes and pages. */
    final org.mmspec.reference.migrate.Migrate migrate;

    /** The processes of a freshly booted machine: init (pid 1) with an empty mm. */
    public Rmap(MachineConfig config, PageAlloc pageAlloc) {
        this.pageAlloc = pageAlloc;
        this.mem = pageAlloc.mem;
        this.bugAnonVmaDegree = config.bug(KnownBug.ANON_VMA_DEGREE.bugName());
        this.migrate = new org.mmspec.reference.migrate.Migrate(this, pageAlloc);
        MmStruct init = new MmStruct(nextPid++, 0);
        tasks.put(init.pid, init);
    }

    /**
     * Attaches the reclaim model: swap entries in page tables then name its swap device's slots,
     * and the fault, fork and zap paths go through its swap cache (mm/swap_state.c).
     */
    public void attachReclaim(org.mmspec.reference.reclaim.Reclaim reclaim) {
        this.reclaim = reclaim;
    }

    // ------------------------------------------------------------------ copy and fingerprint

    /** Overwrites this state with {@code o}'s (same configuration), rebuilding the object graph. */
    public void copyFrom(Rmap o) {
        tasks.clear();
        anonVmas.clear();
        content.clear();
        migrations.clear();
        Map<Integer, AnonVma> av = new TreeMap<>();
        for (AnonVma a : o.anonVmas.values()) av.put(a.id, new AnonVma(a.id));
        java.util.function.Function<AnonVma, AnonVma> mapAv = a -> a == null ? null : av.computeIfAbsent(a.id, AnonVma::new);
        for (AnonVma a : o.anonVmas.values()) {
            AnonVma c = av.get(a.id);
            c.root = mapAv.apply(a.root);
            c.parent = mapAv.apply(a.parent);
            c.refcount = a.refcount;
            c.num_children = a.num_children;
            c.num_active_vmas = a.num_active_vmas;
            c.freed = a.freed;
            anonVmas.put(c.id, c);
        }
        Map<Integer, AnonVmaChain> avcs = new TreeMap<>();
        for (MmStruct m : o.tasks.values()) {
            MmStruct cm = new MmStruct(m.pid, m.ppid);
            cm.rssAnon = m.rssAnon;
            cm.rssSwap = m.rssSwap;
            cm.pgtable.putAll(m.pgtable);
            for (VmAreaStruct v : m.mm_mt.values()) {
                VmAreaStruct cv = new VmAreaStruct(v.id);
                cv.vm_mm = cm;
                cv.vm_start = v.vm_start;
                cv.vm_end = v.vm_end;
                cv.vm_pgoff = v.vm_pgoff;
                cv.vm_flags = v.vm_flags;
                cv.anon_vma = mapAv.apply(v.anon_vma);
                for (AnonVmaChain a : v.anon_vma_chain) {
                    AnonVmaChain ca = new AnonVmaChain(a.id);
                    ca.vma = cv;
                    ca.anon_vma = mapAv.apply(a.anon_vma);
                    ca.rbStart = a.rbStart;
                    ca.rbLast = a.rbLast;
                    ca.seq = a.seq;
                    ca.inTree = a.inTree;
                    cv.anon_vma_chain.add(ca);
                    avcs.put(ca.id, ca);
                }
                cm.mm_mt.put(cv.vm_start, cv);
            }
            tasks.put(cm.pid, cm);
        }
        for (AnonVma a : o.anonVmas.values()) {
            AnonVma c = av.get(a.id);
            for (AnonVmaChain x : a.rb_root) {
                AnonVmaChain cx = avcs.get(x.id);
                if (cx == null) {
                    // a chain in a tree whose VMA is gone: only a corrupted state has one; keep it
                    cx = new AnonVmaChain(x.id);
                    cx.anon_vma = c;
                    cx.rbStart = x.rbStart;
                    cx.rbLast = x.rbLast;
                    cx.seq = x.seq;
                    cx.inTree = x.inTree;
                }
                c.rb_root.add(cx);
            }
        }
        content.putAll(o.content);
        for (Map.Entry<Long, Migration> e : o.migrations.entrySet()) {
            Migration m = e.getValue();
            migrations.put(e.getKey(), new Migration(m.src(), m.dst(), mapAv.apply(m.anonVma()), m.pageWasMapped()));
        }
        nextPid = o.nextPid;
        nextVmaId = o.nextVmaId;
        nextAnonVmaId = o.nextAnonVmaId;
        nextAvcId = o.nextAvcId;
        nextSeq = o.nextSeq;
        warnings.copyFrom(o.warnings);
        stats.copyFrom(o.stats);
        migrate.copyFrom(o.migrate);
    }

    /** A 64-bit hash of the processes, VMAs, page tables, anon_vmas, chains, contents and migrations. */
    public long fingerprint() {
        long h = 0x5851F42D4C957F2DL;
        for (MmStruct m : tasks.values()) {
            h = MemMap.mix(h ^ m.pid ^ ((long) m.ppid << 32));
            h = MemMap.mix(h ^ m.rssAnon ^ (m.rssSwap << 32));
            for (VmAreaStruct v : m.mm_mt.values()) {
                h = MemMap.mix(h ^ v.id ^ (v.vm_start << 20) ^ (v.vm_end << 40));
                h = MemMap.mix(h ^ v.vm_pgoff ^ (v.vm_flags << 32) ^ (v.anon_vma == null ? 0 : (long) v.anon_vma.id << 48));
                for (AnonVmaChain a : v.anon_vma_chain) {
                    h = MemMap.mix(h ^ a.id ^ ((long) (a.anon_vma == null ? 0 : a.anon_vma.id) << 32));
                }
            }
            for (Map.Entry<Long, Long> e : m.pgtable.entrySet()) h = MemMap.mix(h ^ e.getKey() ^ (e.getValue() * 31));
        }
        for (AnonVma a : anonVmas.values()) {
            h = MemMap.mix(h ^ a.id ^ ((long) (a.root == null ? 0 : a.root.id) << 20)
                    ^ ((long) (a.parent == null ? 0 : a.parent.id) << 40));
            h = MemMap.mix(h ^ a.refcount ^ (a.num_children << 24) ^ (a.num_active_vmas << 44));
            for (AnonVmaChain x : a.rb_root) h = MemMap.mix(h ^ x.id ^ (x.rbStart << 24) ^ (x.seq << 44));
        }
        for (Map.Entry<Long, Long> e : content.entrySet()) h = MemMap.mix(h ^ e.getKey() ^ (e.getValue() * 0x9E3779B97F4A7C15L));
        for (Migration m : migrations.values()) {
            h = MemMap.mix(h ^ m.src() ^ (m.dst() << 24) ^ ((long) (m.anonVma() == null ? 0 : m.anonVma().id) << 48)
                    ^ (m.pageWasMapped() ? 1L << 62 : 0));
        }
        long[] ids = {nextPid, nextVmaId, nextAnonVmaId, nextAvcId, nextSeq};
        for (long v : ids) h = MemMap.mix(h ^ v);
        return h;
    }

    // ------------------------------------------------------------------ views

    /** The live processes by pid. */
    public NavigableMap<Integer, MmStruct> tasks() {
        return Collections.unmodifiableNavigableMap(tasks);
    }

    public MmStruct task(int pid) {
        return tasks.get(pid);
    }

    /** Every anon_vma not yet freed, by id. */
    public NavigableMap<Integer, AnonVma> anonVmas() {
        return Collections.unmodifiableNavigableMap(anonVmas);
    }

    /** The content of every page the processes own, by pfn. */
    public NavigableMap<Long, Long> contents() {
        return Collections.unmodifiableNavigableMap(content);
    }

    /** Folios isolated for migration, by source pfn. */
    public NavigableMap<Long, Migration> migrations() {
        return Collections.unmodifiableNavigableMap(migrations);
    }

    public KernelWarnings warnings() {
        return warnings;
    }

    /** Page migration (mm/migrate.c) over these processes. */
    public org.mmspec.reference.migrate.Migrate migrate() {
        return migrate;
    }

    public MemMap mem() {
        return mem;
    }

    /** The pid the next successful fork gets. */
    public int nextPid() {
        return nextPid;
    }

    /** folio_anon_vma(): the anon_vma page->mapping names (live or not), or null when it names none. */
    public AnonVma folioAnonVma(long pfn) {
        if (!mem.covers(pfn)) return null;
        int m = mem.mappingOf(mem.idx(pfn));
        if ((m & PAGE_MAPPING_ANON) == 0) return null;
        return anonVmas.get(m >>> 1);
    }

    /** The anon_vma id page->mapping names, or 0 when it is not an anon mapping. */
    public int mappingId(long pfn) {
        if (!mem.covers(pfn)) return 0;
        int m = mem.mappingOf(mem.idx(pfn));
        return (m & PAGE_MAPPING_ANON) == 0 ? 0 : m >>> 1;
    }

    /** folio_test_anon(). */
    public boolean folioTestAnon(long pfn) {
        return mem.covers(pfn) && (mem.mappingOf(mem.idx(pfn)) & PAGE_MAPPING_ANON) != 0;
    }

    /** folio_mapcount() of an order-0 folio. */
    public int mapcount(long pfn) {
        return mem.mapcountOf(mem.idx(pfn));
    }

    public long index(long pfn) {
        return mem.indexOf(mem.idx(pfn));
    }

    public boolean pageAnonExclusive(long pfn) {
        return (mem.flags[mem.idx(pfn)] & PageFlags.PG_anon_exclusive) != 0;
    }

    // ------------------------------------------------------------------ user-visible operations

    /** What one access (a load or a store by the process) did. */
    public enum AccessKind {
        /** The TLB/page table already allowed it: no fault; the hardware set the accessed/dirty bits. */
        HIT,
        /** do_anonymous_page(): a new zeroed page, folio_add_new_anon_rmap(). */
        ANON_PAGE,
        /** do_anonymous_page() for a read: the shared zero page. */
        ZERO_PAGE,
        /** do_wp_page(): the page was exclusive (or could be made so): wp_page_reuse(). */
        WP_REUSE,
        /** do_wp_page() -&gt; wp_page_copy(): a copy (COW), or a new page replacing the zero page. */
        WP_COPY,
        /** VM_FAULT_OOM: the page allocation failed; nothing was mapped. */
        OOM,
        /** A migration entry: migration_entry_wait(); the access waits for the migration to finish. */
        MIGRATION_WAIT,
        /** do_swap_page() that read the page back from the swap device (VM_FAULT_MAJOR). */
        SWAP_IN,
        /** do_swap_page() that found the page still in the swap cache. */
        SWAP_CACHE,
        /**
         * The PTE changed while the fault allocated (direct reclaim unmapped the page or cleared its
         * accessed bit): the fault backs out and the access faults again. access() never returns it.
         */
        RETRY
    }

    /** The outcome of an access: what happened, the pfn accessed (-1 for none or the zero page), the value. */
    public record Access(AccessKind kind, long pfn, long value) {}

    /**
     * A load ({@code write} false) or a store of {@code value} by process {@code pid} at virtual
     * page {@code addr}: if the page table does not allow it, handle_mm_fault() first (a read
     * fault maps the zero page or finds the page present; a write fault allocates, reuses or
     * copies), then the access, which sets the accessed bit (and the dirty bit for a store) as
     * x86 hardware does. A store writes {@code value} into the page. Rejected, changing nothing,
     * for an unknown pid (ESRCH) or an address no VMA covers (SIGSEGV).
     */
    public Access access(int pid, long addr, boolean write, long value) {
        MmStruct mm = mmOf(pid);
        VmAreaStruct v = mm.findVma(addr);
        if (v == null) {
            throw new RejectedOperationException("SIGSEGV: pid " + pid + " " + (write ? "write" : "read") + " at address 0x"
                    + Long.toHexString(addr << 12) + " (page " + addr + "): no VMA covers it (bad_area)");
        }
        Long pte = mm.pgtable.get(addr);
        AccessKind kind = AccessKind.HIT;
        if (pte == null || Pte.migration(pte) || Pte.swap(pte) || (write && !Pte.write(pte))) {
            for (int tries = 0; ; tries++) {
                kind = memory.handle_mm_fault(v, addr, write);
                if (kind != AccessKind.RETRY) break;
                stats.faultRetries++;
                if (tries >= 16) {
                    warnings.warn("handle_mm_fault", "pid " + pid + " page " + addr + ": the PTE kept changing under 16 faults");
                    return new Access(AccessKind.OOM, -1, 0);
                }
                pte = mm.pgtable.get(addr);
                if (pte != null && Pte.present(pte) && !Pte.special(pte) && (!write || Pte.write(pte))) {
                    kind = AccessKind.HIT; // the retried access no longer faults
                    break;
                }
            }
            if (kind == AccessKind.OOM || kind == AccessKind.MIGRATION_WAIT) return new Access(kind, -1, 0);
            pte = mm.pgtable.get(addr);
        }
        // the access itself: the MMU sets _PAGE_ACCESSED, and _PAGE_DIRTY on a store
        long p = pte | Pte.YOUNG | (write ? Pte.DIRTY : 0);
        mm.pgtable.put(addr, p);
        if (Pte.special(p)) {
            if (write) warnings.warn("access", "store through a read-only zero-page PTE at page " + addr);
            return new Access(kind, -1, 0);
        }
        long pfn = Pte.pfn(p);
        if (write) {
            content.put(pfn, value);
            stats.stores++;
            return new Access(kind, pfn, value);
        }
        stats.loads++;
        return new Access(kind, pfn, content.getOrDefault(pfn, 0L));
    }

    /** The value process pid would read at addr, without touching anything: 0 for an unpopulated page. */
    public long peek(int pid, long addr) {
        MmStruct mm = tasks.get(pid);
        if (mm == null) return 0;
        Long pte = mm.pgtable.get(addr);
        if (pte == null || Pte.special(pte)) return 0;
        if (Pte.swap(pte)) return swapEntryValue(pte);
        return content.getOrDefault(Pte.pfn(pte), 0L);
    }

    /** What a swap entry reads: its swap cache folio's content, else what its slot holds; 0 without swap. */
    public long swapEntryValue(long pte) {
        return reclaim == null ? 0 : reclaim.swapEntryValue(Pte.swpOffset(pte));
    }

    /**
     * mmap(addr, pages, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE):
     * the new VMA, or a neighbour it merged into; {@link #EEXIST} when the range overlaps a
     * mapping (nothing changes). Rejected for an unknown pid or a range outside
     * [mmap_min_addr, TASK_SIZE).
     */
    public long mmap(int pid, long addr, long pages) {
        MmStruct mm = mmOf(pid);
        checkRange("mmap", addr, pages);
        return vma.do_mmap(mm, addr, pages);
    }

    /** munmap(addr, pages): unmaps whatever the range covers (nothing is no error). */
    public void munmap(int pid, long addr, long pages) {
        MmStruct mm = mmOf(pid);
        checkRange("munmap", addr, pages);
        vma.do_vmi_munmap(mm, addr, addr + pages);
    }

    /**
     * fork() of process pid: dup_mmap() into a new mm. {@code failAt} &gt; 0 makes the failAt-th
     * slab allocation of the fork (vm_area_dup, anon_vma_chain_alloc, anon_vma_alloc, in the
     * order dup_mmap makes them) return NULL, as the kernel's can under memory pressure; the
     * fork then fails with -ENOMEM and the half-built child mm is torn down by exit_mmap().
     * Returns the child's pid, or {@link #ENOMEM}.
     */
    public int fork(int pid, int failAt) {
        return fork(pid, 0, failAt);
    }

    /**
     * fork() with the child's pid chosen by the caller, as clone3() with {@code set_tid} allows
     * ({@code childPid} 0: alloc_pid() takes the next one). Rejected when that pid is alive
     * (-EEXIST) or not above init's.
     */
    public int fork(int pid, int childPid, int failAt) {
        MmStruct parent = mmOf(pid);
        if (failAt < 0) throw new RejectedOperationException("fork: fail_at " + failAt + " is negative (0: no failure)");
        if (childPid != 0 && (childPid <= INIT_PID || tasks.containsKey(childPid))) {
            throw new RejectedOperationException("clone3: set_tid " + childPid + ": " + (childPid <= INIT_PID
                    ? "EINVAL: must be above " + INIT_PID : "EEXIST: pid " + childPid + " is alive"));
        }
        return vma.dup_mmap(parent, childPid == 0 ? nextPid : childPid, failAt);
    }

    /** exit() of process pid: exit_mmap() and the process is gone. Init cannot exit. */
    public void exit(int pid) {
        MmStruct mm = mmOf(pid);
        if (pid == INIT_PID) throw new RejectedOperationException("exit: pid 1 is init: Attempted to kill init!");
        vma.exit_mmap(mm);
        tasks.remove(pid);
        stats.exits++;
    }

    /**
     * folio_referenced(folio): walks the reverse map, clears the accessed bit of every PTE mapping
     * the page and returns how many VMAs had one set. Rejected for a pfn that is not an
     * anonymous page of some process.
     */
    public int folio_referenced(long pfn) {
        checkAnonFolio("folio_referenced", pfn);
        int mapcount = mapcount(pfn);
        if (mapcount == 0) return 0;
        int[] pra = {mapcount, 0};
        rmap_walk_anon(pfn, (v, address) -> {
            int referenced = 0;
            Long pte = v.vm_mm.pgtable.get(address);
            if (pte != null && Pte.normal(pte) && Pte.pfn(pte) == pfn) {
                // ptep_clear_flush_young_notify()
                if (Pte.young(pte)) {
                    v.vm_mm.pgtable.put(address, pte & ~Pte.YOUNG);
                    referenced++;
                }
                pra[0]--;
            }
            if (referenced > 0) pra[1]++;
            return pra[0] != 0;
        });
        stats.folioReferenced++;
        if (pra[1] > 0) stats.folioReferencedYoung++;
        return pra[1];
    }

    /**
     * madvise(addr, PAGE_SIZE, MADV_COLD) in process pid (mm/madvise.c:
     * madvise_cold_or_pageout_pte_range()): a present PTE of a folio on the LRU that only this
     * mapping maps has its accessed bit cleared, the folio loses PG_referenced, gets PG_workingset
     * if active, and is deactivated (folio_deactivate()). Rejected (-ENOMEM) for an unknown pid or
     * an address no VMA covers. Returns what it did.
     */
    public String madvise_cold(int pid, long addr) {
        MmStruct mm = mmOf(pid);
        VmAreaStruct v = mm.findVma(addr);
        if (v == null) {
            throw new RejectedOperationException("madvise(MADV_COLD): ENOMEM: pid " + pid + " has no VMA at page " + addr);
        }
        Long pte = mm.pgtable.get(addr);
        if (pte == null || !Pte.normal(pte)) return "no page mapped";
        long pfn = Pte.pfn(pte);
        int p = page(pfn);
        if ((mem.flags[p] & PageFlags.PG_lru) == 0 || mapcount(pfn) != 1) return "pfn 0x" + Long.toHexString(pfn) + " left alone";
        if (Pte.young(pte)) mm.pgtable.put(addr, pte & ~Pte.YOUNG); // clear_young_dirty_ptes(CYDP_CLEAR_YOUNG)
        mem.flags[p] &= ~PageFlags.PG_referenced;
        boolean active = (mem.flags[p] & PageFlags.PG_active) != 0;
        if (active) mem.flags[p] |= PageFlags.PG_workingset;
        if (reclaim != null) reclaim.folio_deactivate(pfn);
        return "pfn 0x" + Long.toHexString(pfn) + (active ? " deactivated" : " cold");
    }

    /**
     * migrate_folio_unmap() for one anonymous folio, as migrate_pages() calls it: isolate the
     * folio (the caller's isolate_folio_to_list()), allocate the destination (GFP_HIGHUSER_MOVABLE), take a reference on its anon_vma
     * (folio_get_anon_vma()) and {@code try_to_migrate()}: every PTE mapping it becomes a
     * migration entry. Returns 0, {@link #EBUSY} (already isolated: nothing changes), or
     * {@link #ENOMEM} (no destination page even after direct reclaim: the folio is put back on its
     * LRU list, folio_putback_lru()).
     */
    public int migrate_folio_unmap(long pfn) {
        checkAnonFolio("migrate_folio_unmap", pfn);
        if (migrations.containsKey(pfn) || (mem.flags[page(pfn)] & PageFlags.PG_lru) == 0) {
            return EBUSY; // folio_isolate_lru() fails: someone else has it off the LRU
        }
        // isolate_folio_to_list() before migrate_pages(), as do_move_pages_to_node()'s callers do:
        // off the LRU, the folio cannot be reclaimed by the destination allocation's direct reclaim
        lruvec().folio_isolate_lru(pfn);
        long dst = pageAlloc.__alloc_pages(Gfp.GFP_HIGHUSER_MOVABLE, 0); // alloc_migration_target()
        if (dst < 0) {
            folio_putback_lru(pfn);
            stats.migrationsEnomem++;
            return ENOMEM;
        }
        Migration[] out = new Migration[1];
        int rc = migrate.migrate_folio_unmap(src -> dst, null, pfn, out,
                org.mmspec.reference.migrate.MigrateMode.MIGRATE_SYNC, null, null);
        if (rc != 0) {
            // cannot happen: nobody else holds the lock of an LRU folio between steps
            warnings.warn("migrate_folio_unmap", "returned " + rc + " for pfn 0x" + Long.toHexString(pfn));
            folio_putback_lru(pfn);
            return rc;
        }
        migrations.put(pfn, out[0]);
        stats.migrationsUnmapped++;
        return 0;
    }

    /**
     * migrate_folio_move() for a folio migrate_folio_unmap() isolated: copy it to the destination
     * and replace its migration entries with PTEs to the copy ({@code remove_migration_ptes(src,
     * dst)}), freeing the source; or, when {@code fail} (move_to_new_folio() failing, e.g. on an
     * unexpected reference), migrate_folio_undo_src(): restore the PTEs to the source and free the
     * destination. Returns the pfn now holding the content.
     */
    public long migrate_folio_move(long srcPfn, boolean fail) {
        Migration m = migrations.get(srcPfn);
        if (m == null) {
            throw new RejectedOperationException("migrate_folio_move: pfn 0x" + Long.toHexString(srcPfn)
                    + " is not isolated for migration");
        }
        migrations.remove(srcPfn);
        if (fail) {
            // move_to_new_folio() failed for good: migrate_folio_undo_src() onto the return list,
            // migrate_folio_undo_dst(), and the caller's putback_movable_pages()
            List<Long> ret = new ArrayList<>();
            migrate.migrate_folio_undo_src(m.src(), m.pageWasMapped(), m.anonVma(), true, null, ret);
            migrate.migrate_folio_undo_dst(m.dst(), true, null);
            migrate.putback_movable_pages(ret);
            stats.migrationsUndone++;
            return m.src();
        }
        int rc = migrate.migrate_folio_move(null, m, org.mmspec.reference.migrate.MigrateMode.MIGRATE_SYNC,
                org.mmspec.reference.migrate.MigrateReason.MR_SYSCALL, null, new ArrayList<>());
        if (rc != 0) {
            warnings.warn("migrate_folio_move", "returned " + rc + " for pfn 0x" + Long.toHexString(srcPfn));
            return m.src();
        }
        stats.migrationsMoved++;
        return m.dst();
    }

    /** One mapping an rmap walk found: the VMA, the address, and the PTE there. */
    public record Mapping(VmAreaStruct vma, long address, long pte) {}

    /**
     * rmap_walk() on an anonymous page, as page_vma_mapped_walk() confirms each candidate: every
     * (VMA, address) whose PTE maps pfn (present; or, with {@code migration}, a migration entry
     * for it, as PVMW_MIGRATION asks).
     */
    public List<Mapping> rmapWalk(long pfn, boolean migration) {
        List<Mapping> out = new ArrayList<>();
        if (!mem.covers(pfn)) return out;
        walk(pfn, false, (v, address) -> {
            Long pte = v.vm_mm.pgtable.get(address);
            if (pte != null && Pte.pfn(pte) == pfn && (migration ? Pte.migration(pte) : Pte.normal(pte))) {
                out.add(new Mapping(v, address, pte));
            }
            return true;
        });
        return out;
    }

    /**
     * The candidates rmap_walk_anon() visits before page_vma_mapped_walk() filters them: every
     * (VMA, address) of the anon_vma's tree overlapping the page's index; an address of -1 is
     * vma_address()'s -EFAULT.
     */
    public List<Mapping> rmapCandidates(long pfn) {
        List<Mapping> out = new ArrayList<>();
        AnonVma av = folioAnonVma(pfn);
        if (av == null) return out;
        long pgoff = index(pfn);
        av.foreach(pgoff, pgoff, avc -> {
            VmAreaStruct v = avc.vma;
            long address = v == null ? -1 : v.vmaAddress(pgoff);
            Long pte = v == null || address < 0 ? null : v.vm_mm.pgtable.get(address);
            out.add(new Mapping(v, address, pte == null ? 0 : pte));
            return true;
        });
        return out;
    }

    private MmStruct mmOf(int pid) {
        MmStruct mm = tasks.get(pid);
        if (mm == null) throw new RejectedOperationException("ESRCH: no process with pid " + pid + " (live: " + tasks.keySet() + ")");
        return mm;
    }

    private static void checkRange(String op, long addr, long pages) {
        if (pages <= 0) throw new RejectedOperationException(op + ": EINVAL: length " + pages + " pages (must be at least 1)");
        if (addr < MMAP_MIN_ADDR || addr + pages > TASK_SIZE || addr + pages < addr) {
            throw new RejectedOperationException(op + ": EINVAL: [page " + addr + ", page " + (addr + pages)
                    + ") is outside [mmap_min_addr, TASK_SIZE) = [" + MMAP_MIN_ADDR + ", " + TASK_SIZE + ")");
        }
    }

    private void checkAnonFolio(String op, long pfn) {
        if (!mem.covers(pfn) || !content.containsKey(pfn) || !folioTestAnon(pfn)) {
            throw new RejectedOperationException(op + ": pfn 0x" + Long.toHexString(pfn)
                    + " is not an anonymous folio of any process");
        }
    }

    // ------------------------------------------------------------------ folios (pages of the buddy allocator)

    /**
     * vma_alloc_folio(GFP_HIGHUSER_MOVABLE, 0, vma, addr): a page from the buddy allocator, with
     * the given content (0 for vma_alloc_zeroed_movable_folio()); -1 when the allocation fails.
     */
    long folio_alloc(long value) {
        long pfn = pageAlloc.__alloc_pages(Gfp.GFP_HIGHUSER_MOVABLE, 0);
        if (pfn < 0) return -1;
        content.put(pfn, value);
        stats.pagesAllocated++;
        return pfn;
    }

    /** The node's LRU (pgdat-&gt;__lruvec). */
    org.mmspec.reference.reclaim.Lruvec lruvec() {
        return pageAlloc.node.lruvec;
    }

    /**
     * folio_add_lru_vma(): a new anonymous folio joins the LRU (no VM_LOCKED VMAs in the model,
     * so never mlock_new_folio()).
     */
    void folio_add_lru_vma(long pfn, VmAreaStruct vma) {
        lruvec().folio_add_lru(pfn);
    }

    /** folio_putback_lru() (mm/vmscan.c): back on the LRU, and the isolation reference dropped. */
    public void folio_putback_lru(long pfn) {
        lruvec().folio_add_lru(pfn);
        folio_put(pfn);
    }

    /** folio_get(). */
    public void folio_get(long pfn) {
        mem.refcount[mem.idx(pfn)]++;
    }

    /**
     * folio_put(): drop a reference; the last one frees the page to the buddy allocator after
     * free_pages_prepare() cleared what the rmap left on it (page->mapping, PG_anon_exclusive,
     * PG_swapbacked, PG_dirty).
     */
    public void folio_put(long pfn) {
        int page = mem.idx(pfn);
        if (mem.refcount[page] <= 0) {
            warnings.warn("folio_put", "VM_BUG_ON_FOLIO(folio_ref_count(folio) <= 0) pfn 0x" + Long.toHexString(pfn));
            return;
        }
        if (mem.refcount[page] > 1) {
            mem.refcount[page]--;
            return;
        }
        if (mem.mapcountOf(page) != 0) {
            warnings.warn("free_pages_prepare", "bad_page: nonzero mapcount " + mem.mapcountOf(page) + " pfn 0x"
                    + Long.toHexString(pfn));
            mem.mapcount()[page] = 0;
        }
        lruvec().__page_cache_release(pfn); // __folio_put(): off the LRU before the free
        mem.mapping()[page] = 0;
        mem.index()[page] = 0;
        mem.flags[page] &= ~(PageFlags.PG_anon_exclusive | PageFlags.PG_swapbacked | PageFlags.PG_dirty
                | PageFlags.PG_referenced | PageFlags.PG_workingset | PageFlags.PG_reclaim | PageFlags.PG_uptodate);
        content.remove(pfn);
        pageAlloc.__free_pages(pfn, 0);
        stats.pagesFreed++;
    }

    /**
     * The rmap's part of freeing an anonymous folio reclaim has taken (its references frozen at
     * zero by __remove_mapping()): free_pages_prepare() clears page-&gt;mapping, and the model forgets
     * the content, which now lives in the swap slot. The caller frees the page.
     */
    public void forget_folio(long pfn) {
        int page = mem.idx(pfn);
        if (mem.mapcountOf(page) != 0) {
            warnings.warn("free_pages_prepare", "bad_page: nonzero mapcount " + mem.mapcountOf(page) + " pfn 0x"
                    + Long.toHexString(pfn));
        }
        mem.mapping()[page] = 0;
        mem.index()[page] = 0;
        content.remove(pfn);
        stats.pagesFreed++;
    }

    /**
     * folio_referenced() as reclaim calls it: the number of VMAs whose PTEs mapping the folio were
     * young (cleared on the way), and in vmFlags[0] the union of those VMAs' vm_flags. 0 for a
     * folio that is not mapped or not anonymous.
     */
    public int folio_referenced(long pfn, long[] vmFlags) {
        vmFlags[0] = 0;
        if (!folioTestAnon(pfn) || mapcount(pfn) == 0) return 0;
        int[] pra = {mapcount(pfn), 0};
        rmap_walk_anon(pfn, (v, address) -> {
            Long pte = v.vm_mm.pgtable.get(address);
            if (pte != null && Pte.normal(pte) && Pte.pfn(pte) == pfn) {
                if (Pte.young(pte)) { // ptep_clear_flush_young_notify()
                    v.vm_mm.pgtable.put(address, pte & ~Pte.YOUNG);
                    pra[1]++;
                    vmFlags[0] |= v.vm_flags;
                }
                pra[0]--;
            }
            return pra[0] != 0;
        });
        stats.folioReferenced++;
        if (pra[1] > 0) stats.folioReferencedYoung++;
        return pra[1];
    }

    /**
     * try_to_unmap() of an anonymous folio in the swap cache (try_to_unmap_one() for each
     * mapping): the PTE is cleared (its dirty bit goes to the folio), the swap slot gains a
     * reference (swap_duplicate()), PageAnonExclusive moves into the swap entry
     * (pte_swp_mkexclusive()), MM_ANONPAGES becomes MM_SWAPENTS, and the mapping and its folio
     * reference go. The walk stops once the folio is no longer mapped.
     */
    public void try_to_unmap(long pfn) {
        int page = mem.idx(pfn);
        rmap_walk_anon(pfn, (v, address) -> {
            Long pteval = v.vm_mm.pgtable.get(address);
            if (pteval == null || !Pte.normal(pteval) || Pte.pfn(pteval) != pfn) return true;
            boolean swapbacked = (mem.flags[page] & PageFlags.PG_swapbacked) != 0;
            boolean swapcache = (mem.flags[page] & PageFlags.PG_swapcache) != 0;
            if (swapbacked != swapcache || reclaim == null) {
                warnings.warn("try_to_unmap_one", "WARN_ON_ONCE(folio_test_swapbacked(folio) != folio_test_swapcache(folio)) pfn 0x"
                        + Long.toHexString(pfn));
                return false; // walk_abort
            }
            boolean anonExclusive = (mem.flags[page] & PageFlags.PG_anon_exclusive) != 0;
            v.vm_mm.pgtable.remove(address); // get_and_clear_ptes()
            if (Pte.dirty(pteval)) mem.flags[page] |= PageFlags.PG_dirty; // folio_mark_dirty()
            long offset = mem.privateData()[page]; // page_swap_entry()
            reclaim.swapInfo().swap_duplicate(offset);
            // folio_try_share_anon_rmap_pte(): "clear PTE first"; no pins, so it never fails
            if (anonExclusive) mem.flags[page] &= ~PageFlags.PG_anon_exclusive;
            v.vm_mm.rssAnon--;
            v.vm_mm.rssSwap++;
            v.vm_mm.pgtable.put(address, Pte.swapEntry(offset, anonExclusive));
            folio_remove_rmap_pte(pfn);
            folio_put(pfn);
            stats.swapEntriesInstalled++;
            return mapcount(pfn) != 0; // rmap_walk's done(): folio_not_mapped()
        });
    }

    // ------------------------------------------------------------------ mm/rmap.c: anon_vma and anon_vma_chain

    /** One slab allocation of the fork in progress: false when it is the one that fails. */
    private boolean slabAlloc() {
        if (failAt <= 0) return true;
        return ++slabAllocs != failAt;
    }

    /** vm_area_alloc()/vm_area_dup()'s kmem_cache_alloc(): a new VMA id, or null when it fails. */
    VmAreaStruct vm_area_alloc() {
        if (!slabAlloc()) return null;
        return new VmAreaStruct(nextVmaId++);
    }

    /** anon_vma_alloc(): refcount 1, no children, no VMAs, its own parent and root; null on failure. */
    AnonVma anon_vma_alloc() {
        if (!slabAlloc()) return null;
        AnonVma a = new AnonVma(nextAnonVmaId++);
        a.refcount = 1;
        a.num_children = 0;
        a.num_active_vmas = 0;
        a.parent = a;
        a.root = a;
        anonVmas.put(a.id, a);
        stats.anonVmasAllocated++;
        return a;
    }

    /** anon_vma_free(): VM_BUG_ON(atomic_read(&amp;anon_vma-&gt;refcount)) and back to the slab. */
    void anon_vma_free(AnonVma a) {
        if (a.refcount != 0) warnings.warn("anon_vma_free", "VM_BUG_ON(atomic_read(&anon_vma->refcount)) " + a.name()
                + " refcount " + a.refcount);
        a.freed = true;
        anonVmas.remove(a.id);
        stats.anonVmasFreed++;
    }

    /** anon_vma_chain_alloc(); null when it fails. */
    AnonVmaChain anon_vma_chain_alloc() {
        if (!slabAlloc()) return null;
        return new AnonVmaChain(nextAvcId++);
    }

    /** anon_vma_chain_link(): list_add on the VMA's chain list, insert into the anon_vma's interval tree. */
    void anon_vma_chain_link(VmAreaStruct v, AnonVmaChain avc, AnonVma a) {
        avc.vma = v;
        avc.anon_vma = a;
        v.anon_vma_chain.add(0, avc);
        anon_vma_interval_tree_insert(avc, a);
    }

    void anon_vma_interval_tree_insert(AnonVmaChain avc, AnonVma a) {
        avc.rbStart = avc.vma.vm_pgoff;
        avc.rbLast = avc.vma.lastPgoff();
        avc.seq = nextSeq++;
        a.rb_root.add(avc);
        avc.inTree = true;
    }

    void anon_vma_interval_tree_remove(AnonVmaChain avc, AnonVma a) {
        if (!a.rb_root.remove(avc)) {
            warnings.warn("anon_vma_interval_tree_remove", avc.name() + " is not in " + a.name() + "'s tree");
        }
        avc.inTree = false;
    }

    /** anon_vma_interval_tree_pre_update_vma(): take the VMA's chains out before its range changes. */
    void anon_vma_interval_tree_pre_update_vma(VmAreaStruct v) {
        for (AnonVmaChain avc : v.anon_vma_chain) anon_vma_interval_tree_remove(avc, avc.anon_vma);
    }

    /** anon_vma_interval_tree_post_update_vma(): put them back under the new range. */
    void anon_vma_interval_tree_post_update_vma(VmAreaStruct v) {
        for (AnonVmaChain avc : v.anon_vma_chain) anon_vma_interval_tree_insert(avc, avc.anon_vma);
    }

    /** get_anon_vma(). */
    static void get_anon_vma(AnonVma a) {
        a.refcount++;
    }

    /** put_anon_vma(): the last reference frees it (__put_anon_vma()). */
    public void put_anon_vma(AnonVma a) {
        if (--a.refcount == 0) __put_anon_vma(a);
        else if (a.refcount < 0) warnings.warn("put_anon_vma", a.name() + " refcount went negative");
    }

    /** __put_anon_vma(): free it, then drop the reference it held on its root. */
    void __put_anon_vma(AnonVma a) {
        AnonVma root = a.root;
        anon_vma_free(a);
        if (root != a && --root.refcount == 0) anon_vma_free(root);
    }

    /**
     * __anon_vma_prepare(): attach an anon_vma to a VMA at its first anonymous fault: a
     * neighbour's (find_mergeable_anon_vma()) or a new root, with its self-parent link counted in
     * num_children. Returns 0 or -ENOMEM.
     */
    int __anon_vma_prepare(VmAreaStruct v) {
        AnonVmaChain avc = anon_vma_chain_alloc();
        if (avc == null) return ENOMEM;
        AnonVma anon_vma = vma.find_mergeable_anon_vma(v);
        if (anon_vma == null) {
            anon_vma = anon_vma_alloc();
            if (anon_vma == null) return ENOMEM;
            anon_vma.num_children++; // self-parent link for new root
            stats.anonVmaPrepareNew++;
        } else {
            stats.anonVmaPrepareMergeable++;
        }
        v.anon_vma = anon_vma;
        anon_vma_chain_link(v, avc, anon_vma);
        anon_vma.num_active_vmas++;
        return 0;
    }

    /**
     * anon_vma_clone(): link dst to every anon_vma src is linked to, oldest first. When called
     * for fork (dst has no anon_vma yet, src has one), reuse an anon_vma on the way that has no
     * VMA and at most one child, so a constantly forking task does not grow an endless chain.
     * Returns 0, or -ENOMEM having unlinked whatever it linked.
     */
    int anon_vma_clone(VmAreaStruct dst, VmAreaStruct src) {
        for (int i = src.anon_vma_chain.size() - 1; i >= 0; i--) { // list_for_each_entry_reverse
            AnonVmaChain pavc = src.anon_vma_chain.get(i);
            AnonVmaChain avc = anon_vma_chain_alloc(); // GFP_NOWAIT, then GFP_KERNEL: one attempt in the model
            if (avc == null) {
                // enomem_failure: dst->anon_vma is dropped here, otherwise its num_active_vmas can
                // be incorrectly decremented in unlink_anon_vmas()
                dst.anon_vma = null;
                unlink_anon_vmas(dst);
                stats.anonVmaCloneEnomem++;
                return ENOMEM;
            }
            AnonVma anon_vma = pavc.anon_vma;
            anon_vma_chain_link(dst, avc, anon_vma);
            if (dst.anon_vma == null && src.anon_vma != null && reusable(anon_vma, src)) {
                dst.anon_vma = anon_vma;
                stats.anonVmaReused++;
            }
        }
        if (dst.anon_vma != null) dst.anon_vma.num_active_vmas++;
        return 0;
    }

    /**
     * The reuse rule of anon_vma_clone(): "Reuse existing anon_vma if it has no vma and only one
     * anon_vma child. Root anon_vma is never reused: it has self-parent reference and at least one
     * child." With {@link KnownBug#ANON_VMA_DEGREE} the rule before 2555283eb40d: {@code
     * anon_vma != src->anon_vma && anon_vma->degree < 2}, where degree counted child anon_vmas and
     * VMAs together (it always equalled num_children + num_active_vmas: every place that now
     * increments one of the two counters incremented degree).
     */
    private boolean reusable(AnonVma anon_vma, VmAreaStruct src) {
        if (bugAnonVmaDegree) {
            long degree = anon_vma.num_children + anon_vma.num_active_vmas;
            return anon_vma != src.anon_vma && degree < 2;
        }
        return anon_vma.num_children < 2 && anon_vma.num_active_vmas == 0;
    }

    /**
     * anon_vma_fork(): attach the child's VMA to the parent VMA's anon_vmas (anon_vma_clone()),
     * and unless one was reused, to a new anon_vma whose parent is the parent VMA's anon_vma and
     * whose root is its root (pinned with get_anon_vma()). Returns 0 or -ENOMEM, having undone
     * its links.
     */
    int anon_vma_fork(VmAreaStruct v, VmAreaStruct pvma) {
        if (pvma.anon_vma == null) return 0; // Don't bother if the parent process has no anon_vma here.
        v.anon_vma = null; // Drop inherited anon_vma, we'll reuse existing or allocate new.
        int error = anon_vma_clone(v, pvma);
        if (error != 0) return error;
        if (v.anon_vma != null) return 0; // An existing anon_vma has been reused, all done then.
        AnonVma anon_vma = anon_vma_alloc();
        if (anon_vma == null) {
            unlink_anon_vmas(v); // out_error
            stats.anonVmaForkEnomem++;
            return ENOMEM;
        }
        anon_vma.num_active_vmas++;
        AnonVmaChain avc = anon_vma_chain_alloc();
        if (avc == null) {
            put_anon_vma(anon_vma); // out_error_free_anon_vma
            unlink_anon_vmas(v);
            stats.anonVmaForkEnomem++;
            return ENOMEM;
        }
        anon_vma.root = pvma.anon_vma.root;
        anon_vma.parent = pvma.anon_vma;
        get_anon_vma(anon_vma.root);
        v.anon_vma = anon_vma; // Mark this anon_vma as the one where our new (COWed) pages go.
        anon_vma_chain_link(v, avc, anon_vma);
        anon_vma.parent.num_children++;
        stats.anonVmaForkNew++;
        return 0;
    }

    /**
     * unlink_anon_vmas(): take the VMA out of every anon_vma it is linked to, newest first (so a
     * root goes last); an anon_vma whose tree empties drops its parent's num_children and is put
     * once the locks are dropped; the VMA's own anon_vma loses an active VMA.
     */
    void unlink_anon_vmas(VmAreaStruct v) {
        List<AnonVmaChain> empty = new ArrayList<>();
        for (AnonVmaChain avc : new ArrayList<>(v.anon_vma_chain)) {
            AnonVma anon_vma = avc.anon_vma;
            anon_vma_interval_tree_remove(avc, anon_vma);
            // Leave empty anon_vmas on the list - we'll need to free them outside the lock.
            if (anon_vma.rb_root.isEmpty()) {
                anon_vma.parent.num_children--;
                empty.add(avc);
                continue;
            }
            v.anon_vma_chain.remove(avc);
        }
        if (v.anon_vma != null) {
            v.anon_vma.num_active_vmas--;
            v.anon_vma = null;
        }
        for (AnonVmaChain avc : empty) {
            AnonVma anon_vma = avc.anon_vma;
            if (anon_vma.num_children != 0) {
                warnings.warn("unlink_anon_vmas", "VM_WARN_ON(anon_vma->num_children) " + anon_vma.name() + " has "
                        + anon_vma.num_children);
            }
            if (anon_vma.num_active_vmas != 0) {
                warnings.warn("unlink_anon_vmas", "VM_WARN_ON(anon_vma->num_active_vmas) " + anon_vma.name() + " has "
                        + anon_vma.num_active_vmas);
            }
            put_anon_vma(anon_vma);
            v.anon_vma_chain.remove(avc);
        }
    }

    // ------------------------------------------------------------------ mm/rmap.c: folios

    int page(long pfn) {
        return mem.idx(pfn);
    }

    /**
     * __folio_set_anon(): page->mapping = the VMA's anon_vma (its root when the folio is not
     * exclusive to this VMA: "we must use the _oldest_ possible anon_vma") | PAGE_MAPPING_ANON,
     * page->index = linear_page_index().
     */
    void __folio_set_anon(long pfn, VmAreaStruct v, long address, boolean exclusive) {
        AnonVma anon_vma = v.anon_vma;
        if (anon_vma == null) {
            warnings.warn("__folio_set_anon", "BUG_ON(!anon_vma) " + v.name());
            return;
        }
        if (!exclusive) anon_vma = anon_vma.root;
        int p = page(pfn);
        mem.mapping()[p] = (anon_vma.id << 1) | PAGE_MAPPING_ANON;
        mem.index()[p] = v.linearPageIndex(address);
    }

    /** folio_add_new_anon_rmap(): a new folio's first mapping: swapbacked, anon, mapcount 1, exclusive. */
    void folio_add_new_anon_rmap(long pfn, VmAreaStruct v, long address, boolean exclusive) {
        int p = page(pfn);
        mem.flags[p] |= PageFlags.PG_swapbacked;
        __folio_set_anon(pfn, v, address, exclusive);
        mem.mapcount()[p] = 1;
        if (exclusive) mem.flags[p] |= PageFlags.PG_anon_exclusive;
        if (address < v.vm_start || address >= v.vm_end) {
            warnings.warn("folio_add_new_anon_rmap", "VM_WARN_ON_ONCE(address < vma->vm_start || address >= vma->vm_end)");
        }
    }

    /**
     * folio_add_anon_rmap_pte(): one more PTE mapping an anon folio, checked as
     * __page_check_anon_rmap() does (same root, same index); RMAP_EXCLUSIVE sets
     * PageAnonExclusive, which a page with another mapping must not have.
     */
    void folio_add_anon_rmap_pte(long pfn, VmAreaStruct v, long address, boolean exclusive) {
        int p = page(pfn);
        if (!folioTestAnon(pfn)) warnings.warn("__folio_add_anon_rmap", "VM_WARN_ON_FOLIO(!folio_test_anon(folio)) pfn 0x"
                + Long.toHexString(pfn));
        mem.mapcount()[p]++;
        __page_check_anon_rmap(pfn, v, address);
        if (exclusive) mem.flags[p] |= PageFlags.PG_anon_exclusive;
        if ((mem.flags[p] & PageFlags.PG_anon_exclusive) != 0 && mem.mapcountOf(p) > 1) {
            warnings.warn("__folio_add_anon_rmap", "VM_WARN_ON_FOLIO(PageAnonExclusive(page) && _mapcount > 0) pfn 0x"
                    + Long.toHexString(pfn));
        }
    }

    /** __page_check_anon_rmap(): the folio's anon_vma has the VMA's root and its index matches the address. */
    void __page_check_anon_rmap(long pfn, VmAreaStruct v, long address) {
        AnonVma a = folioAnonVma(pfn);
        if (a == null || v.anon_vma == null || a.root != v.anon_vma.root) {
            warnings.warn("__page_check_anon_rmap", "VM_BUG_ON_FOLIO(folio_anon_vma(folio)->root != vma->anon_vma->root) pfn 0x"
                    + Long.toHexString(pfn) + " " + v.name());
        }
        if (index(pfn) != v.linearPageIndex(address)) {
            warnings.warn("__page_check_anon_rmap", "VM_BUG_ON_PAGE(page_pgoff(folio, page) != linear_page_index(vma, address)) pfn 0x"
                    + Long.toHexString(pfn));
        }
    }

    /**
     * folio_try_dup_anon_rmap_pte(): fork shares the page with the child: PageAnonExclusive is
     * cleared and the mapcount grows. (A page that may be pinned would be copied instead; the
     * model has no pins, so this never fails.)
     */
    void folio_try_dup_anon_rmap_pte(long pfn) {
        int p = page(pfn);
        mem.flags[p] &= ~PageFlags.PG_anon_exclusive;
        mem.mapcount()[p]++;
    }

    /** folio_remove_rmap_pte(): one PTE less; page->mapping stays until the folio is freed. */
    void folio_remove_rmap_pte(long pfn) {
        int p = page(pfn);
        mem.mapcount()[p]--;
        if (mem.mapcountOf(p) < 0) {
            warnings.warn("folio_remove_rmap_pte", "print_bad_pte: folio_mapcount(folio) < 0 pfn 0x" + Long.toHexString(pfn));
        }
    }

    /**
     * folio_move_anon_rmap(): a folio that now belongs to this VMA alone after a COW fault moves to
     * its anon_vma, so rmap walks no longer search the parent and siblings.
     */
    void folio_move_anon_rmap(long pfn, VmAreaStruct v) {
        if (v.anon_vma == null) {
            warnings.warn("folio_move_anon_rmap", "VM_BUG_ON_VMA(!anon_vma, vma)");
            return;
        }
        if (mappingId(pfn) != v.anon_vma.id) stats.folioMoveAnonRmap++;
        mem.mapping()[page(pfn)] = (v.anon_vma.id << 1) | PAGE_MAPPING_ANON;
    }

    /**
     * folio_get_anon_vma(): a reference on the folio's anon_vma, for a caller that is not sure the
     * VMAs will stay (migration); null when the folio is not mapped.
     */
    public AnonVma folio_get_anon_vma(long pfn) {
        AnonVma a = folioAnonVma(pfn);
        if (a == null || mapcount(pfn) == 0) return null;
        if (a.refcount == 0) return null; // atomic_inc_not_zero()
        get_anon_vma(a);
        return a;
    }

    /**
     * rmap_walk_anon(): for each chain in the folio's anon_vma tree overlapping its index, the VMA
     * and the address the page would have there; {@code rmapOne} returns false to stop.
     */
    void rmap_walk_anon(long pfn, BiPredicate<VmAreaStruct, Long> rmapOne) {
        walk(pfn, true, rmapOne);
    }

    /** rmap_walk_anon(); {@code kernel} false is the invariants' read-only walk: no warnings, no counting. */
    private void walk(long pfn, boolean kernel, BiPredicate<VmAreaStruct, Long> rmapOne) {
        int m = mem.mappingOf(page(pfn));
        AnonVma a = (m & PAGE_MAPPING_ANON) == 0 ? null : anonVmas.get(m >>> 1);
        if (a == null) {
            if (kernel && (m & PAGE_MAPPING_ANON) != 0) {
                warnings.warn("rmap_walk_anon", "page->mapping of pfn 0x" + Long.toHexString(pfn)
                        + " points to the freed anon_vma#" + (m >>> 1) + " (use after free)");
            }
            return;
        }
        if (kernel) stats.rmapWalks++;
        long pgoff = index(pfn);
        a.foreach(pgoff, pgoff, avc -> {
            VmAreaStruct v = avc.vma;
            long address = v == null ? -1 : v.vmaAddress(pgoff);
            if (address < 0) {
                if (kernel) warnings.warn("rmap_walk_anon", "VM_BUG_ON_VMA(address == -EFAULT) " + (v == null ? avc.name() + " without a VMA" : v.name()) + " pgoff 0x"
                        + Long.toHexString(pgoff));
                return true;
            }
            return rmapOne.test(v, address);
        });
    }

    /**
     * try_to_migrate(): replace every PTE mapping the folio with a migration entry
     * (try_to_migrate_one()): writable if the PTE was, readable-exclusive if the page was
     * PageAnonExclusive, readable otherwise, keeping the young and dirty bits; the mapping and its
     * reference go.
     */
    public void try_to_migrate(long pfn) {
        rmap_walk_anon(pfn, (v, address) -> {
            Long pteval = v.vm_mm.pgtable.get(address);
            if (pteval == null || !Pte.normal(pteval) || Pte.pfn(pteval) != pfn) return true;
            int p = page(pfn);
            if (Pte.dirty(pteval)) mem.flags[p] |= PageFlags.PG_dirty; // folio_mark_dirty()
            boolean writable = Pte.write(pteval);
            boolean anonExclusive = (mem.flags[p] & PageFlags.PG_anon_exclusive) != 0;
            if (writable && !anonExclusive) {
                warnings.warn("try_to_migrate_one", "VM_WARN_ON_FOLIO(writable && folio_test_anon(folio) && !anon_exclusive) pfn 0x"
                        + Long.toHexString(pfn));
            }
            // folio_try_share_anon_rmap_pte(): clear PTE first, then PageAnonExclusive
            if (anonExclusive) mem.flags[p] &= ~PageFlags.PG_anon_exclusive;
            long entry = Pte.migrationEntry(pfn, writable, anonExclusive && !writable, Pte.young(pteval), Pte.dirty(pteval));
            v.vm_mm.pgtable.put(address, entry);
            folio_remove_rmap_pte(pfn);
            folio_put(pfn);
            stats.migrationEntries++;
            return true;
        });
    }

    /**
     * remove_migration_ptes(src, dst) (mm/migrate.c): walk dst's reverse map (its mapping is src's)
     * and replace each migration entry for src by a PTE to dst (remove_migration_pte()): young if
     * the entry was, dirty if the entry and the folio were, writable if the entry was, and the rmap
     * added back with RMAP_EXCLUSIVE for a writable or exclusive entry. {@code src == dst} undoes a
     * migration.
     */
    public void remove_migration_ptes(long src, long dst) {
        rmap_walk_anon(dst, (v, address) -> {
            Long old = v.vm_mm.pgtable.get(address);
            if (old == null || !Pte.migration(old) || Pte.pfn(old) != src) return true;
            folio_get(dst);
            boolean dirty = Pte.dirty(old) && (mem.flags[page(dst)] & PageFlags.PG_dirty) != 0;
            long pte = Pte.mkPte(dst, Pte.migrationWritable(old), Pte.young(old), dirty);
            boolean exclusive = !Pte.migrationReadable(old);
            folio_add_anon_rmap_pte(dst, v, address, exclusive);
            v.vm_mm.pgtable.put(address, pte);
            return true;
        });
    }

    /** folio_mc_copy(dst, src) (mm/util.c): the destination now holds the source's content. */
    public void folio_mc_copy(long dst, long src) {
        content.put(dst, content.getOrDefault(src, 0L));
    }

    /** What the rmap code counted; the situations a run covered. */
    public static final class RmapStats {
        public long loads, stores;
        public long anonFaults, zeroPageFaults, wpReuse, wpCopy, wpCopyFromZero, faultOom, migrationWaits;
        public long folioMoveAnonRmap;
        public long pagesAllocated, pagesFreed;
        public long anonVmasAllocated, anonVmasFreed;
        public long anonVmaPrepareNew, anonVmaPrepareMergeable;
        public long anonVmaForkNew, anonVmaReused, anonVmaCloneEnomem, anonVmaForkEnomem;
        public long forks, forksFailed, exits;
        public long mmaps, mmapMergePrev, mmapMergeNext, mmapMergeBoth, mmapEexist;
        public long munmaps, splits;
        public long rmapWalks, folioReferenced, folioReferencedYoung;
        public long migrationsUnmapped, migrationEntries, migrationsMoved, migrationsUndone, migrationsEnomem;
        public long swapEntriesInstalled, swapEntriesZapped, swapEntriesForked, swapinMajor, swapinMinor, faultRetries;

        void copyFrom(RmapStats o) {
            for (java.lang.reflect.Field f : RmapStats.class.getFields()) {
                try {
                    f.setLong(this, f.getLong(o));
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
            }
        }

        /** The counters by name, in declaration order. */
        public Map<String, Long> figures() {
            Map<String, Long> m = new java.util.LinkedHashMap<>();
            m.put("do_anonymous_page: new page", anonFaults);
            m.put("do_anonymous_page: zero page", zeroPageFaults);
            m.put("do_wp_page: wp_page_reuse", wpReuse);
            m.put("do_wp_page: wp_page_copy (COW)", wpCopy);
            m.put("wp_page_copy from the zero page", wpCopyFromZero);
            m.put("folio_move_anon_rmap (moved)", folioMoveAnonRmap);
            m.put("VM_FAULT_OOM", faultOom);
            m.put("migration_entry_wait", migrationWaits);
            m.put("__anon_vma_prepare: new root", anonVmaPrepareNew);
            m.put("__anon_vma_prepare: neighbour's anon_vma", anonVmaPrepareMergeable);
            m.put("anon_vma_fork: new anon_vma", anonVmaForkNew);
            m.put("anon_vma_clone: anon_vma reused", anonVmaReused);
            m.put("anon_vma_clone: -ENOMEM", anonVmaCloneEnomem);
            m.put("anon_vma_fork: -ENOMEM", anonVmaForkEnomem);
            m.put("fork", forks);
            m.put("fork failed", forksFailed);
            m.put("exit", exits);
            m.put("mmap: merged with prev", mmapMergePrev);
            m.put("mmap: merged with next", mmapMergeNext);
            m.put("mmap: merged prev+new+next", mmapMergeBoth);
            m.put("mmap: -EEXIST", mmapEexist);
            m.put("__split_vma", splits);
            m.put("rmap walks", rmapWalks);
            m.put("folio_referenced found young PTEs", folioReferencedYoung);
            m.put("migration: folios unmapped", migrationsUnmapped);
            m.put("migration: moved", migrationsMoved);
            m.put("migration: undone", migrationsUndone);
            m.put("migration: no destination page", migrationsEnomem);
            m.put("try_to_unmap: swap entries installed", swapEntriesInstalled);
            m.put("do_swap_page: read from swap", swapinMajor);
            m.put("do_swap_page: swap cache hit", swapinMinor);
            m.put("fork: swap entries duplicated", swapEntriesForked);
            m.put("zap: swap entries freed", swapEntriesZapped);
            m.put("fault retried (PTE changed under direct reclaim)", faultRetries);
            return m;
        }
    }
}
