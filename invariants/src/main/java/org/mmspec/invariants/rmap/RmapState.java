package org.mmspec.invariants.rmap;

import java.util.ArrayList;
import java.util.List;

import org.mmspec.invariants.Violation;
import org.mmspec.invariants.engine.ModelState;
import org.mmspec.reference.Machine;
import org.mmspec.reference.alloc.MachineConfig;
import org.mmspec.reference.page.MemMap;
import org.mmspec.reference.rmap.Rmap;
import org.mmspec.spec.rmap.RmapSpec;

/**
 * The rmap subsystem's checked state: the reference machine (its buddy allocator and its
 * processes), the spec's state driven by the same operations, the generation limits of the
 * configuration, and what the last step found wrong in the spec's terms.
 */
public final class RmapState implements ModelState<RmapState> {
    public final Machine machine;
    public final RmapSpec spec;
    public final RmapConfigs.Limits limits;
    /** Violations the last step found (refinement, a rejection that changed the state). */
    public final List<Violation> pending = new ArrayList<>();
    /** Folios isolated for migration: handle (id of the migrate_folio_unmap step) -&gt; source pfn. */
    public final java.util.TreeMap<Long, Long> migrations = new java.util.TreeMap<>();
    /** How often this try forks and exits relative to touching memory. */
    public double forkBias = 1.0;

    public RmapState(MachineConfig config) {
        this(config, RmapConfigs.limits(config.name()));
    }

    /** A state whose operation model draws from {@code limits} (another subsystem's configurations: KSM's). */
    public RmapState(MachineConfig config, RmapConfigs.Limits limits) {
        this.machine = new Machine(config);
        this.spec = new RmapSpec(Rmap.INIT_PID);
        this.limits = limits;
    }

    private RmapState(RmapState o) {
        this.machine = o.machine.copy();
        this.spec = o.spec.copy();
        this.limits = o.limits;
        this.pending.addAll(o.pending);
        this.forkBias = o.forkBias;
        this.migrations.putAll(o.migrations);
    }

    @Override
    public RmapState copy() {
        return new RmapState(this);
    }

    @Override
    public long fingerprint() {
        return MemMap.mix(machine.fingerprint() ^ spec.fingerprint());
    }

    public Rmap rmap() {
        return machine.rmap();
    }
}
