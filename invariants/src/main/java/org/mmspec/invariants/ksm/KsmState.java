package org.mmspec.invariants.ksm;

import java.util.ArrayList;
import java.util.List;

import org.mmspec.invariants.Violation;
import org.mmspec.invariants.engine.ModelState;
import org.mmspec.invariants.rmap.RmapState;
import org.mmspec.reference.Machine;
import org.mmspec.reference.alloc.MachineConfig;
import org.mmspec.reference.ksm.Ksm;
import org.mmspec.reference.page.MemMap;
import org.mmspec.reference.rmap.Rmap;
import org.mmspec.spec.ksm.KsmSpec;

/**
 * The KSM subsystem's checked state: the reverse map's state (the machine, its processes and the
 * reverse map's spec, which a scan must leave unchanged), KSM's spec driven by the same
 * operations, the configuration's limits, and what the last step found wrong.
 *
 * <p>Symmetry (for the bounded explorer): contents and processes are interchangeable. Renaming
 * the values consistently (a permutation of the nonzero values that keeps their order, since the
 * trees are ordered by content; 0 is special: the zero page) gives a state that behaves the same,
 * and so does renaming the processes other than init consistently with their fork order. Pfns,
 * stable node ids and rmap_item ids are allocation order and not symmetric in the same way. The
 * fingerprint names everything as it is; a canonical form over those renamings would be sound.
 */
public final class KsmState implements ModelState<KsmState> {
    /** The reverse map's state: machine, rmap spec, rmap's pending violations. */
    public final RmapState rs;
    public final KsmSpec spec;
    public final KsmConfigs.Limits limits;
    /** Violations the last step found (refinement, a rejection that changed the state). */
    public final List<Violation> pending = new ArrayList<>();
    /** How often this try writes relative to scanning. */
    public double writeBias = 1.0;

    public KsmState(MachineConfig config) {
        this.limits = KsmConfigs.limits(config.name());
        this.rs = new RmapState(config, limits.rmap());
        this.spec = new KsmSpec();
        boot("pages_to_scan", Long.toString(limits.pagesToScan()));
        boot("max_page_sharing", Integer.toString(limits.maxPageSharing()));
        boot("use_zero_pages", limits.useZeroPages() ? "1" : "0");
        boot("smart_scan", limits.smartScan() ? "1" : "0");
        boot("run", Integer.toString(limits.run()));
    }

    private void boot(String name, String value) {
        int err = ksm().sysfs_store(name, value);
        if (err != 0) throw new IllegalStateException("booting " + name + "=" + value + ": " + err);
        spec.sysfs(name, value, 0, 0, false);
    }

    private KsmState(KsmState o) {
        this.rs = o.rs.copy();
        this.spec = o.spec.copy();
        this.limits = o.limits;
        this.pending.addAll(o.pending);
        this.writeBias = o.writeBias;
    }

    @Override
    public KsmState copy() {
        return new KsmState(this);
    }

    @Override
    public long fingerprint() {
        return MemMap.mix(rs.fingerprint() ^ (spec.fingerprint() * 0x9E3779B97F4A7C15L));
    }

    public Machine machine() {
        return rs.machine;
    }

    public Rmap rmap() {
        return rs.rmap();
    }

    public Ksm ksm() {
        return rs.machine.ksm();
    }

    /** Whether ksmd is in the middle of a full scan (its cursor is not at ksm_mm_head). */
    public boolean scanInProgress() {
        return ksm().scanSlot() != null;
    }
}
