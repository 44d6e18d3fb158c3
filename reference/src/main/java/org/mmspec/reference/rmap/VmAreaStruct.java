package org.mmspec.reference.rmap;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * {@code struct vm_area_struct} of a private anonymous mapping: [vm_start, vm_end) in pages,
 * vm_pgoff (for an anonymous mapping, the page number it was created at), vm_flags, the
 * anon_vma its new pages go to, and its {@code anon_vma_chain} list, newest first (list_add).
 * Addresses are virtual page numbers (address &gt;&gt; PAGE_SHIFT) throughout the model.
 */
public final class VmAreaStruct {
    public static final long VM_READ = 0x1;
    public static final long VM_WRITE = 0x2;
    public static final long VM_EXEC = 0x4;
    /** VM_ACCESS_FLAGS (include/linux/mm.h): VM_READ | VM_WRITE | VM_EXEC. */
    public static final long VM_ACCESS_FLAGS = VM_READ | VM_WRITE | VM_EXEC;
    public static final long VM_MAYREAD = 0x10;
    public static final long VM_MAYWRITE = 0x20;
    public static final long VM_MAYEXEC = 0x40;
    public static final long VM_ACCOUNT = 0x100000;
    /** VM_MERGEABLE, BIT(31): KSM may merge identical pages (MADV_MERGEABLE). */
    public static final long VM_MERGEABLE = 1L << 31;

    public final int id;
    MmStruct vm_mm;
    long vm_start;
    long vm_end;
    long vm_pgoff;
    long vm_flags;
    AnonVma anon_vma;
    /** vma->anon_vma_chain: index 0 is the list head's next (the newest chain). */
    final ArrayList<AnonVmaChain> anon_vma_chain = new ArrayList<>(2);

    VmAreaStruct(int id) {
        this.id = id;
    }

    public int id() {
        return id;
    }

    public MmStruct mm() {
        return vm_mm;
    }

    public long start() {
        return vm_start;
    }

    public long end() {
        return vm_end;
    }

    public long pgoff() {
        return vm_pgoff;
    }

    public long flags() {
        return vm_flags;
    }

    public AnonVma anonVma() {
        return anon_vma;
    }

    /** The anon_vma_chain list, newest first. */
    public List<AnonVmaChain> chain() {
        return Collections.unmodifiableList(anon_vma_chain);
    }

    /** vma_pages(). */
    public long pages() {
        return vm_end - vm_start;
    }

    /** vma_last_pgoff(). */
    public long lastPgoff() {
        return vm_pgoff + pages() - 1;
    }

    /** linear_page_index(vma, address). */
    public long linearPageIndex(long address) {
        return vm_pgoff + (address - vm_start);
    }

    /** vma_address(vma, pgoff, 1): the address of pgoff in this VMA, or -1 (-EFAULT) when outside. */
    public long vmaAddress(long pgoff) {
        long address = vm_start + (pgoff - vm_pgoff);
        return address >= vm_start && address < vm_end ? address : -1;
    }

    public boolean contains(long address) {
        return address >= vm_start && address < vm_end;
    }

    /** is_cow_mapping(): private and may be written. */
    public boolean isCowMapping() {
        return (vm_flags & VM_MAYWRITE) != 0;
    }

    /** {@code vma#2}. */
    public String name() {
        return "vma#" + id;
    }

    @Override
    public String toString() {
        return name() + "[" + vm_start + ", " + vm_end + ")";
    }
}
