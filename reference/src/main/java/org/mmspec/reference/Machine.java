package org.mmspec.reference;

import java.util.function.Function;

import org.mmspec.reference.alloc.AllocStats;
import org.mmspec.reference.alloc.ConfigException;
import org.mmspec.reference.alloc.Gfp;
import org.mmspec.reference.alloc.KernelWarnings;
import org.mmspec.reference.alloc.MachineConfig;
import org.mmspec.reference.alloc.MachineHooks;
import org.mmspec.reference.alloc.MmInit;
import org.mmspec.reference.alloc.Node;
import org.mmspec.reference.alloc.PageAlloc;
import org.mmspec.reference.alloc.PageIsolation;
import org.mmspec.reference.alloc.RejectedOperationException;
import org.mmspec.reference.alloc.VmSysctl;
import org.mmspec.reference.alloc.Zone;
import org.mmspec.reference.alloc.ZoneType;
import org.mmspec.reference.compaction.Compaction;
import org.mmspec.reference.migrate.Migrate;
import org.mmspec.reference.page.MemMap;
import org.mmspec.reference.reclaim.Reclaim;
import org.mmspec.reference.rmap.Rmap;

/**
 * The whole machine the reference models: one node with its zones and mem_map, the page
 * allocator, and the vm sysctls; later subsystems hang their state here too (processes, ksmd,
 * kswapd). Every operation either completes as the kernel would or throws
 * {@link RejectedOperationException} having changed nothing.
 */
public final class Machine {
    private final MachineConfig config;
    private final Node node;
    private final VmSysctl sysctl = new VmSysctl();
    private final KernelWarnings warnings = new KernelWarnings();
    private final PageAlloc pageAlloc;
    private final PageIsolation isolation;
    /** The slow path's callouts to reclaim and compaction, installed by those models. */
    private final MachineHooks hooks = new MachineHooks();
    /** The processes and their anonymous memory (mm/rmap.c and friends): init alone at boot. */
    private final Rmap rmap;
    /** The rmap's fingerprint at boot (init alone), for {@link #saveState}, which does not save processes. */
    private final long rmapBootFingerprint;
    /**
     * Memory compaction (mm/compaction.c) and its stepped run in progress. Not in the slow path
     * until {@link #enableCompaction()} installs it, so the allocator's own models are unchanged.
     */
    private final Compaction compaction;
    private boolean compactionEnabled;
    /** Reclaim (mm/vmscan.c, mm/workingset.c, the swap device and the page cache), installed in the slow path. */
    private final Reclaim reclaim;
    /** The reclaim model's fingerprint at boot (empty LRUs, no swap in use), for {@link #saveState}. */
    private final long reclaimBootFingerprint;

    /** Boots a machine; {@link ConfigException} names the first bad field. */
    public Machine(MachineConfig config) {
        this(config, null);
    }

    /**
     * Boots a machine whose page allocator comes from {@code allocFactory}; tests use this to
     * plant a deliberately wrong allocator and check the suite catches it.
     */
    public Machine(MachineConfig config, AllocFactory allocFactory) {
        this.config = config.validate();
        this.node = new Node(config);
        this.pageAlloc = allocFactory == null
                ? new PageAlloc(config, node, sysctl, warnings)
                : allocFactory.create(config, node, sysctl, warnings);
        node.lruvec.setWarnings(warnings);
        this.isolation = new PageIsolation(pageAlloc);
        this.pageAlloc.setHooks(hooks);
        MmInit.boot(config, pageAlloc, sysctl);
        this.rmap = new Rmap(this.config, pageAlloc);
        this.rmapBootFingerprint = rmap.fingerprint();
        this.compaction = new Compaction(pageAlloc, rmap);
        this.reclaim = new Reclaim(this.config, node, pageAlloc, rmap);
        rmap.attachReclaim(reclaim);
        hooks.setReclaim(reclaim);
        this.reclaimBootFingerprint = reclaim.fingerprint();
    }

    /** Makes a page allocator over the given node; the default is {@link PageAlloc} itself. */
    @FunctionalInterface
    public interface AllocFactory {
        PageAlloc create(MachineConfig config, Node node, VmSysctl sysctl, KernelWarnings warnings);
    }

    /** A deep copy with the default allocator. */
    public Machine copy() {
        return copy(null);
    }

    /** A deep copy, sharing nothing mutable with this machine. */
    public Machine copy(AllocFactory allocFactory) {
        Node n = new Node(config);
        n.copyFrom(node);
        VmSysctl s = new VmSysctl();
        s.copyFrom(sysctl);
        return new Machine(this, n, s, allocFactory);
    }

    private Machine(Machine o, Node n, VmSysctl s, AllocFactory f) {
        this.config = o.config;
        this.node = n;
        this.sysctl.copyFrom(s);
        this.warnings.copyFrom(o.warnings);
        this.pageAlloc = f == null ? new PageAlloc(config, node, sysctl, warnings) : f.create(config, node, sysctl, warnings);
        node.lruvec.setWarnings(warnings);
        this.pageAlloc.copyFrom(o.pageAlloc);
        this.pageAlloc.setHooks(hooks);
        this.isolation = new PageIsolation(pageAlloc);
        this.rmap = new Rmap(config, pageAlloc);
        this.rmap.copyFrom(o.rmap);
        this.rmapBootFingerprint = o.rmapBootFingerprint;
        this.compaction = new Compaction(pageAlloc, rmap);
        this.compaction.copyFrom(o.compaction);
        if (o.compactionEnabled) enableCompaction();
        this.reclaim = new Reclaim(config, node, pageAlloc, rmap);
        this.reclaim.copyFrom(o.reclaim);
        rmap.attachReclaim(reclaim);
        hooks.setReclaim(reclaim);
        this.reclaimBootFingerprint = o.reclaimBootFingerprint;
    }

    /** Overwrites this machine's state with {@code o}'s (same configuration); only the rmap's objects are allocated anew. */
    public void copyFrom(Machine o) {
        node.copyFrom(o.node);
        sysctl.copyFrom(o.sysctl);
        warnings.copyFrom(o.warnings);
        pageAlloc.copyFrom(o.pageAlloc);
        rmap.copyFrom(o.rmap);
        compaction.copyFrom(o.compaction);
        if (o.compactionEnabled) enableCompaction();
        reclaim.copyFrom(o.reclaim);
    }

    /**
     * Writes the machine's state (what {@link #copyFrom} copies, the allocator's statistics
     * excepted) as a sequence of ints, for a compact saved copy: the bounded explorer keeps the
     * states it has still to expand this way. {@link #restoreState} reads it back into a machine
     * of the same configuration; the two give equal {@link #fingerprint}s. The processes (the
     * rmap's object graph) are not written: a machine whose rmap has left its boot state (init
     * alone) is refused with IllegalStateException, and restoring leaves the rmap as it is.
     */
    public void saveState(java.util.function.IntConsumer out) {
        if (rmap.fingerprint() != rmapBootFingerprint) {
            throw new IllegalStateException("Machine.saveState does not save processes, and this machine has left its boot "
                    + "rmap state; keep such states as copies");
        }
        if (reclaim.fingerprint() != reclaimBootFingerprint) {
            throw new IllegalStateException("Machine.saveState does not save the LRU lists, page cache or swap, and this "
                    + "machine's reclaim state has left boot; keep such states as copies");
        }
        if (compaction.current() != null) {
            throw new IllegalStateException("Machine.saveState does not save a compaction run in progress; keep such states "
                    + "as copies");
        }
        node.saveState(out);
        sysctl.saveState(out);
        warnings.saveState(out);
    }

    /** Reads what {@link #saveState} wrote; the statistics are left as they were. */
    public void restoreState(java.util.function.IntSupplier in) {
        node.restoreState(in);
        sysctl.restoreState(in);
        warnings.restoreState(in);
    }

    /** A 64-bit hash of the machine's state (not of its statistics), equal for equal states. */
    public long fingerprint() {
        long h = node.fingerprint();
        h = MemMap.mix(h ^ sysctl.minFreeKbytes);
        h = MemMap.mix(h ^ sysctl.watermarkScaleFactor);
        h = MemMap.mix(h ^ sysctl.watermarkBoostFactor);
        for (int r : sysctl.lowmemReserveRatio) h = MemMap.mix(h ^ r);
        h = MemMap.mix(h ^ rmap.fingerprint());
        h = MemMap.mix(h ^ compaction.fingerprint());
        h = MemMap.mix(h ^ reclaim.fingerprint());
        return h;
    }

    public MachineConfig config() {
        return config;
    }

    public Node node() {
        return node;
    }

    public MemMap mem() {
        return node.mem;
    }

    public Zone zone(ZoneType t) {
        return node.zone(t);
    }

    public PageAlloc pageAlloc() {
        return pageAlloc;
    }

    public VmSysctl sysctl() {
        return sysctl;
    }

    public KernelWarnings warnings() {
        return warnings;
    }

    public AllocStats stats() {
        return pageAlloc.stats;
    }

    /** alloc_pages(gfp, order): the first pfn of the block, or -1 when the allocation fails. */
    public long allocPages(int gfp, int order) {
        return pageAlloc.__alloc_pages(gfp, order);
    }

    public long allocPages(String gfp, int order) {
        int g;
        try {
            g = Gfp.parse(gfp);
        } catch (IllegalArgumentException e) {
            throw new RejectedOperationException(e.getMessage());
        }
        return allocPages(g, order);
    }

    /** __free_pages(pfn_to_page(pfn), order). */
    public void freePages(long pfn, int order) {
        pageAlloc.__free_pages(pfn, order);
    }

    /** start_isolate_page_range(start, end, mode): 0, or -EBUSY (-16) having changed nothing it keeps. */
    public int startIsolatePageRange(long startPfn, long endPfn, int mode) {
        return isolation.start_isolate_page_range(startPfn, endPfn, mode);
    }

    /** undo_isolate_page_range(start, end). */
    public void undoIsolatePageRange(long startPfn, long endPfn) {
        isolation.undo_isolate_page_range(startPfn, endPfn);
    }

    /** Page migration (mm/migrate.c), over the processes' anonymous folios. */
    public Migrate migrate() {
        return rmap.migrate();
    }

    /** Memory compaction (mm/compaction.c). */
    public Compaction compaction() {
        return compaction;
    }

    /**
     * CONFIG_COMPACTION in the slow path: direct compaction and should_compact_retry() through
     * {@link #hooks()}. Copies of this machine keep it.
     */
    public void enableCompaction() {
        compactionEnabled = true;
        hooks.setCompaction(compaction);
    }

    public boolean compactionEnabled() {
        return compactionEnabled;
    }

    /** Where the reclaim and compaction models plug into the allocation slow path. */
    public MachineHooks hooks() {
        return hooks;
    }

    public PageIsolation isolation() {
        return isolation;
    }

    /** The processes, their VMAs, page tables and anonymous pages, and the reverse map. */
    public Rmap rmap() {
        return rmap;
    }

    /** Page reclaim: the LRU, kswapd, the swap device and swap cache, the page cache of files. */
    public Reclaim reclaim() {
        return reclaim;
    }

    /**
     * Writes /proc/sys/vm/NAME and runs its handler: min_free_kbytes and watermark_scale_factor
     * rerun setup_per_zone_wmarks() (which clears any boost), lowmem_reserve_ratio reruns
     * setup_per_zone_lowmem_reserve(), watermark_boost_factor just changes the factor.
     */
    public void writeSysctl(String name, String value) {
        switch (name) {
            case "min_free_kbytes" -> {
                long v = parseLong(name, value, 0, Integer.MAX_VALUE);
                sysctl.minFreeKbytes = v;
                sysctl.userMinFreeKbytes = v;
                pageAlloc.setup_per_zone_wmarks(sysctl.minFreeKbytes, sysctl.watermarkScaleFactor);
            }
            case "watermark_scale_factor" -> {
                sysctl.watermarkScaleFactor = parseLong(name, value, 1, 3000);
                pageAlloc.setup_per_zone_wmarks(sysctl.minFreeKbytes, sysctl.watermarkScaleFactor);
            }
            case "watermark_boost_factor" -> sysctl.watermarkBoostFactor = parseLong(name, value, 0, Integer.MAX_VALUE);
            case "lowmem_reserve_ratio" -> {
                String[] parts = value.trim().split("\\s+");
                if (parts.length != ZoneType.MAX_NR_ZONES) {
                    throw new RejectedOperationException("vm.lowmem_reserve_ratio: '" + value + "' has " + parts.length
                            + " values; it takes " + ZoneType.MAX_NR_ZONES);
                }
                int[] r = new int[parts.length];
                for (int i = 0; i < parts.length; i++) {
                    long v = parseLong(name + "[" + i + "]", parts[i], Integer.MIN_VALUE, Integer.MAX_VALUE);
                    r[i] = v < 1 ? 0 : (int) v; // lowmem_reserve_ratio_sysctl_handler: values < 1 become 0
                }
                System.arraycopy(r, 0, sysctl.lowmemReserveRatio, 0, r.length);
                pageAlloc.setup_per_zone_lowmem_reserve(sysctl.lowmemReserveRatio);
            }
            default -> throw new RejectedOperationException("vm." + name + ": not a sysctl the model has (one of "
                    + VmSysctl.NAMES + ")");
        }
    }

    private static long parseLong(String name, String value, long min, long max) {
        long v;
        try {
            v = Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new RejectedOperationException("vm." + name + ": '" + value + "' is not an integer");
        }
        if (v < min || v > max) {
            throw new RejectedOperationException("vm." + name + ": " + v + " is outside " + min + ".." + max);
        }
        return v;
    }
}
