package org.mmspec.reference.rmap;

import java.util.Collections;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * {@code struct mm_struct} of one single-threaded process: its VMAs by start address (the maple
 * tree {@code mm_mt}), its page tables as a map from virtual page number to {@link Pte}
 * (absent means pte_none), and the MM_ANONPAGES rss counter. The model identifies a process, its
 * task and its mm by the pid.
 */
public final class MmStruct {
    public final int pid;
    /** The pid of the process that forked this one; 0 for init. */
    public final int ppid;
    final TreeMap<Long, VmAreaStruct> mm_mt = new TreeMap<>();
    final TreeMap<Long, Long> pgtable = new TreeMap<>();
    /** rss_stat MM_ANONPAGES: present anon PTEs and migration entries of anon folios. */
    long rssAnon;
    /** rss_stat MM_SWAPENTS: swap entries in the page tables. */
    long rssSwap;

    MmStruct(int pid, int ppid) {
        this.pid = pid;
        this.ppid = ppid;
    }

    public int pid() {
        return pid;
    }

    /** The VMAs by vm_start. */
    public NavigableMap<Long, VmAreaStruct> vmas() {
        return Collections.unmodifiableNavigableMap(mm_mt);
    }

    /** The page table entries by virtual page number. */
    public NavigableMap<Long, Long> pageTable() {
        return Collections.unmodifiableNavigableMap(pgtable);
    }

    public long rssAnon() {
        return rssAnon;
    }

    public long rssSwap() {
        return rssSwap;
    }

    /** find_vma_intersection(mm, addr, addr + 1): the VMA containing addr, or null. */
    public VmAreaStruct findVma(long address) {
        var e = mm_mt.floorEntry(address);
        return e != null && e.getValue().contains(address) ? e.getValue() : null;
    }

    /** map_count. */
    public int mapCount() {
        return mm_mt.size();
    }

    /** {@code mm#3} (pid 3). */
    public String name() {
        return "mm#" + pid;
    }

    @Override
    public String toString() {
        return name();
    }
}
