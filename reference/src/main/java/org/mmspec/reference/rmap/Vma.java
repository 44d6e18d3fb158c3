package org.mmspec.reference.rmap;

import java.util.ArrayList;
import java.util.List;

/**
 * The VMA operations of mm/vma.c and mm/mmap.c (Linux v6.18) that create, merge, split and
 * destroy private anonymous VMAs and so move anon_vma_chains: do_mmap with
 * vma_merge_new_range (can_vma_merge_left/right, is_mergeable_anon_vma, vma_expand,
 * dup_anon_vma, anon_vma_merge), do_vmi_munmap with __split_vma and unmap_region,
 * find_mergeable_anon_vma, dup_mmap and exit_mmap.
 */
final class Vma {
    /** calc_vm_prot_bits(PROT_READ|PROT_WRITE) | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC, and VM_ACCOUNT (private writable). */
    static final long ANON_RW_FLAGS = VmAreaStruct.VM_READ | VmAreaStruct.VM_WRITE | VmAreaStruct.VM_MAYREAD
            | VmAreaStruct.VM_MAYWRITE | VmAreaStruct.VM_MAYEXEC | VmAreaStruct.VM_ACCOUNT;

    private final Rmap r;

    Vma(Rmap r) {
        this.r = r;
    }

    // ------------------------------------------------------------------ mmap

    /**
     * do_mmap() of a private anonymous read-write region at [addr, addr + pages) with
     * MAP_FIXED_NOREPLACE: -EEXIST if it overlaps a VMA; else vma_merge_new_range() with the
     * neighbours, or a new VMA (vm_pgoff = addr, as do_mmap sets it for anonymous mappings).
     * Returns the start of the VMA now covering addr, or -EEXIST.
     */
    long do_mmap(MmStruct mm, long addr, long pages) {
        long end = addr + pages;
        var below = mm.mm_mt.lowerEntry(end);
        if (below != null && below.getValue().vm_end > addr) {
            r.stats.mmapEexist++;
            return Rmap.EEXIST;
        }
        r.stats.mmaps++;
        VmAreaStruct merged = vma_merge_new_range(mm, addr, end, addr, ANON_RW_FLAGS);
        if (merged != null) return merged.vm_start;
        VmAreaStruct v = r.vm_area_alloc();
        v.vm_mm = mm;
        v.vm_start = addr;
        v.vm_end = end;
        v.vm_pgoff = addr;
        v.vm_flags = ANON_RW_FLAGS;
        mm.mm_mt.put(addr, v);
        return addr;
    }

    /** vma_is_fork_child(): a VMA with an anon_vma whose chain is not singular (it came from a fork). */
    static boolean vma_is_fork_child(VmAreaStruct v) {
        return v != null && v.anon_vma != null && v.anon_vma_chain.size() != 1;
    }

    /**
     * is_mergeable_anon_vma() for a new range (no anon_vma of its own) next to tgt: a neighbour
     * with an anon_vma is mergeable unless it is a fork child; one without is always.
     */
    static boolean is_mergeable_anon_vma(VmAreaStruct tgt) {
        if (tgt.anon_vma != null) return !vma_is_fork_child(tgt); // Case 2 - we will simply use tgt's anon_vma.
        return true; // Case 3 - the anon_vma's are already shared (both NULL).
    }

    /** can_vma_merge_left(): prev ends at start, same flags, contiguous pgoff, mergeable anon_vma. */
    static boolean can_vma_merge_left(VmAreaStruct prev, long start, long pgoff, long flags) {
        return prev != null && prev.vm_end == start && prev.vm_flags == flags && is_mergeable_anon_vma(prev)
                && prev.vm_pgoff + prev.pages() == pgoff;
    }

    /** can_vma_merge_right(): next starts at end, same flags, contiguous pgoff; with a left merge, compatible anon_vmas. */
    static boolean can_vma_merge_right(VmAreaStruct prev, VmAreaStruct next, long end, long pgoff, long pglen, long flags,
                                       boolean canMergeLeft) {
        if (next == null || next.vm_start != end || next.vm_flags != flags || !is_mergeable_anon_vma(next)
                || next.vm_pgoff != pgoff + pglen) {
            return false;
        }
        if (!canMergeLeft) return true;
        return prev.anon_vma == null || next.anon_vma == null || prev.anon_vma == next.anon_vma;
    }

    /**
     * vma_merge_new_range(): expand prev over the new range (and over next too, removing it, when
     * both sides can merge), or expand next down over it. Returns the expanded VMA, or null when
     * no merge applies.
     */
    VmAreaStruct vma_merge_new_range(MmStruct mm, long start, long end, long pgoff, long flags) {
        var pe = mm.mm_mt.lowerEntry(start);
        VmAreaStruct prev = pe == null ? null : pe.getValue();
        var ne = mm.mm_mt.ceilingEntry(end);
        VmAreaStruct next = ne == null ? null : ne.getValue();
        if (prev == null && next == null) return null;
        long pglen = end - start;
        boolean left = can_vma_merge_left(prev, start, pgoff, flags);
        boolean right = can_vma_merge_right(prev, next, end, pgoff, pglen, flags, left);
        if (left && right) {
            // vma_expand(): target prev, remove next; dup_anon_vma() first if only next has one
            if (next.anon_vma != null && prev.anon_vma == null) {
                prev.anon_vma = next.anon_vma;
                if (r.anon_vma_clone(prev, next) != 0) return null; // cannot fail: no fork in progress
            }
            r.anon_vma_interval_tree_pre_update_vma(prev);
            prev.vm_end = next.vm_end;
            r.anon_vma_interval_tree_post_update_vma(prev);
            mm.mm_mt.remove(next.vm_start);
            if (next.anon_vma != null) anon_vma_merge(prev, next);
            r.stats.mmapMergeBoth++;
            return prev;
        }
        if (left) {
            r.anon_vma_interval_tree_pre_update_vma(prev);
            prev.vm_end = end;
            r.anon_vma_interval_tree_post_update_vma(prev);
            r.stats.mmapMergePrev++;
            return prev;
        }
        if (right) {
            r.anon_vma_interval_tree_pre_update_vma(next);
            mm.mm_mt.remove(next.vm_start);
            next.vm_start = start;
            next.vm_pgoff = pgoff;
            mm.mm_mt.put(start, next);
            r.anon_vma_interval_tree_post_update_vma(next);
            r.stats.mmapMergeNext++;
            return next;
        }
        return null;
    }

    /**
     * anon_vma_merge(): the VMA removed by a merge had the same anon_vma as the one that grew;
     * its chains go (they must be the same as the survivor's, which is why anon_vma_clone() reuses
     * an anon_vma only when no VMA uses it).
     */
    void anon_vma_merge(VmAreaStruct v, VmAreaStruct next) {
        if (v.anon_vma != next.anon_vma) {
            r.warnings.warn("anon_vma_merge", "VM_BUG_ON_VMA(vma->anon_vma != next->anon_vma) " + v.name() + " " + next.name());
        }
        r.unlink_anon_vmas(next);
    }

    /**
     * find_mergeable_anon_vma(): the anon_vma of an adjacent, compatible neighbour (next first,
     * then prev) whose chain is singular (reusable_anon_vma()), so repeated mprotect()s do not
     * leave distinct anon_vmas; null when there is none.
     */
    AnonVma find_mergeable_anon_vma(VmAreaStruct v) {
        MmStruct mm = v.vm_mm;
        var ne = mm.mm_mt.higherEntry(v.vm_start);
        if (ne != null) {
            AnonVma a = reusable_anon_vma(ne.getValue(), v, ne.getValue());
            if (a != null) return a;
        }
        var pe = mm.mm_mt.lowerEntry(v.vm_start);
        if (pe != null) return reusable_anon_vma(pe.getValue(), pe.getValue(), v);
        return null;
    }

    /**
     * reusable_anon_vma(): old's anon_vma if a and b are compatible (anon_vma_compatible(): adjacent,
     * vm_flags equal but for VM_ACCESS_FLAGS (and VM_SOFTDIRTY, not modelled), contiguous pgoff)
     * and old's chain is singular.
     */
    static AnonVma reusable_anon_vma(VmAreaStruct old, VmAreaStruct a, VmAreaStruct b) {
        boolean compatible = a.vm_end == b.vm_start && ((a.vm_flags ^ b.vm_flags) & ~VmAreaStruct.VM_ACCESS_FLAGS) == 0
                && b.vm_pgoff == a.vm_pgoff + (b.vm_start - a.vm_start);
        if (compatible && old.anon_vma != null && old.anon_vma_chain.size() == 1) return old.anon_vma;
        return null;
    }

    // ------------------------------------------------------------------ munmap

    /**
     * do_vmi_munmap() of [start, end): split the VMAs that straddle either end (__split_vma()),
     * then unmap_region() and remove every VMA inside: their PTEs are zapped and their
     * anon_vma_chains unlinked.
     */
    void do_vmi_munmap(MmStruct mm, long start, long end) {
        r.stats.munmaps++;
        var last = mm.mm_mt.lowerEntry(end);
        if (last == null || last.getValue().vm_end <= start) return; // nothing mapped there: munmap succeeds
        var fe = mm.mm_mt.floorEntry(start);
        if (fe != null && fe.getValue().vm_start < start && fe.getValue().vm_end > start) {
            __split_vma(mm, fe.getValue(), start, true);
        }
        List<VmAreaStruct> detach = new ArrayList<>();
        for (VmAreaStruct v : new ArrayList<>(mm.mm_mt.subMap(start, true, end, false).values())) {
            if (v.vm_end > end) __split_vma(mm, v, end, false);
            detach.add(v);
        }
        for (VmAreaStruct v : detach) mm.mm_mt.remove(v.vm_start);
        unmap_region(detach);
    }

    /**
     * __split_vma(): a new VMA for the part below addr (new_below) or from addr up, cloned from
     * v with anon_vma_clone() (an exact copy: the new VMA shares v's anon_vma and chains); v keeps
     * the other part. The caller's v is the part that contains [addr, ...) when new_below, the
     * part below addr otherwise.
     */
    void __split_vma(MmStruct mm, VmAreaStruct v, long addr, boolean newBelow) {
        VmAreaStruct n = r.vm_area_alloc();
        n.vm_mm = mm;
        n.vm_flags = v.vm_flags;
        n.anon_vma = v.anon_vma;
        n.vm_start = v.vm_start;
        n.vm_end = v.vm_end;
        n.vm_pgoff = v.vm_pgoff;
        if (newBelow) {
            n.vm_end = addr;
        } else {
            n.vm_start = addr;
            n.vm_pgoff += addr - v.vm_start;
        }
        if (r.anon_vma_clone(n, v) != 0) {
            r.warnings.warn("__split_vma", "anon_vma_clone() failed outside a fork");
        }
        r.anon_vma_interval_tree_pre_update_vma(v);
        mm.mm_mt.remove(v.vm_start);
        if (newBelow) {
            v.vm_pgoff += addr - n.vm_start;
            v.vm_start = addr;
        } else {
            v.vm_end = addr;
        }
        mm.mm_mt.put(v.vm_start, v);
        mm.mm_mt.put(n.vm_start, n);
        r.anon_vma_interval_tree_post_update_vma(v);
        r.stats.splits++;
    }

    /**
     * unmap_region(): unmap_vmas() (zap every PTE of every VMA), then free_pgtables(), which
     * unlinks each VMA's anon_vmas, then remove_vma().
     */
    void unmap_region(List<VmAreaStruct> vmas) {
        for (VmAreaStruct v : vmas) r.memory.zap_pte_range(v, v.vm_start, v.vm_end);
        for (VmAreaStruct v : vmas) r.unlink_anon_vmas(v); // free_pgtables()
    }

    // ------------------------------------------------------------------ madvise (KSM advice)

    /**
     * madvise_walk_vmas() for MADV_MERGEABLE/MADV_UNMERGEABLE over [start, end): each VMA
     * overlapping it, clamped to it, goes through ksm_madvise() and then madvise_update_vma();
     * a hole in the range makes the result -ENOMEM after the mapped parts are done.
     */
    int madvise_walk_vmas(MmStruct mm, long start, long end, int advice) {
        int unmappedError = 0;
        long cur = start;
        while (cur < end) {
            var e = mm.mm_mt.floorEntry(cur);
            VmAreaStruct v = e != null && e.getValue().vm_end > cur ? e.getValue() : null;
            if (v == null) {
                var h = mm.mm_mt.higherEntry(cur);
                v = h == null ? null : h.getValue();
            }
            if (v == null) return Rmap.ENOMEM; // "Still start < end."
            if (cur < v.vm_start) {
                unmappedError = Rmap.ENOMEM;
                cur = v.vm_start;
                if (cur >= end) break;
            }
            long s = cur;
            long t = Math.min(v.vm_end, end);
            long newFlags = r.ksmHooks.ksm_madvise(v, s, t, advice, v.vm_flags);
            if (newFlags < 0) return newFlags == Rmap.ENOMEM ? Rmap.EAGAIN : (int) newFlags; // -ENOMEM becomes -EAGAIN
            madvise_update_vma(mm, v, s, t, newFlags);
            cur = t;
        }
        return unmappedError;
    }

    /**
     * madvise_update_vma() -&gt; vma_modify_flags(): split v so that [start, end) is a VMA of its
     * own and give it newFlags. (vma_merge_existing_range() could then merge it with a neighbour
     * whose flags now match; the model leaves the pieces apart: nothing KSM or the rmap does
     * depends on where VMA boundaries fall.)
     */
    void madvise_update_vma(MmStruct mm, VmAreaStruct v, long start, long end, long newFlags) {
        if (newFlags == v.vm_flags) return;
        if (start > v.vm_start) __split_vma(mm, v, start, true); // v keeps [start, ...)
        if (end < v.vm_end) __split_vma(mm, v, end, false); // v keeps [..., end)
        v.vm_flags = newFlags;
    }

    // ------------------------------------------------------------------ exit

    /** exit_mmap(): unmap every VMA, unlink their anon_vmas (free_pgtables), remove them. */
    void exit_mmap(MmStruct mm) {
        List<VmAreaStruct> all = new ArrayList<>(mm.mm_mt.values());
        unmap_region(all);
        mm.mm_mt.clear();
        if (!mm.pgtable.isEmpty() || mm.rssAnon != 0 || mm.rssSwap != 0) {
            r.warnings.warn("exit_mmap", mm.name() + " still has " + mm.pgtable.size() + " PTEs and rss " + mm.rssAnon
                    + ", swap entries " + mm.rssSwap
                    + " after unmap_vmas() (check_mm: BUG: Bad rss-counter state)");
        }
    }

    // ------------------------------------------------------------------ fork

    /**
     * dup_mmap(): a new mm with a copy of every VMA of oldmm, in address order: vm_area_dup(),
     * anon_vma_fork(), copy_page_range(). When a slab allocation fails, the VMAs copied so far
     * are torn down by exit_mmap() (the child never runs) and the fork fails with -ENOMEM;
     * what fork did to the parent (write-protected PTEs, pages no longer exclusive) stays.
     */
    int dup_mmap(MmStruct oldmm, int childPid, int failAt) {
        r.failAt = failAt;
        r.slabAllocs = 0;
        try {
            MmStruct mm = new MmStruct(childPid, oldmm.pid);
            r.ksmHooks.dup_mm(mm, oldmm); // dup_mm(): memcpy(mm, oldmm) carries the KSM counters over
            boolean failed = false;
            for (VmAreaStruct mpnt : new ArrayList<>(oldmm.mm_mt.values())) {
                VmAreaStruct tmp = r.vm_area_alloc(); // vm_area_dup()
                if (tmp == null) {
                    failed = true;
                    break;
                }
                tmp.vm_mm = mm;
                tmp.vm_start = mpnt.vm_start;
                tmp.vm_end = mpnt.vm_end;
                tmp.vm_pgoff = mpnt.vm_pgoff;
                tmp.vm_flags = mpnt.vm_flags;
                tmp.anon_vma = mpnt.anon_vma;
                if (r.anon_vma_fork(tmp, mpnt) != 0) {
                    failed = true; // fail_nomem_anon_vma_fork: vm_area_free(tmp)
                    break;
                }
                mm.mm_mt.put(tmp.vm_start, tmp);
                r.memory.copy_page_range(tmp, mpnt);
            }
            if (failed) {
                // copy_process() fails: mmput() of the half-built mm runs exit_mmap() over the
                // VMAs before the XA_ZERO_ENTRY marking where the copy stopped
                exit_mmap(mm);
                r.stats.forksFailed++;
                return Rmap.ENOMEM;
            }
            r.ksmHooks.ksm_fork(mm, oldmm); // dup_mmap(): ksm_fork() once every VMA is copied
            r.nextPid = Math.max(r.nextPid, childPid + 1);
            r.tasks.put(mm.pid, mm);
            r.stats.forks++;
            return mm.pid;
        } finally {
            r.failAt = 0;
            r.slabAllocs = 0;
        }
    }
}
