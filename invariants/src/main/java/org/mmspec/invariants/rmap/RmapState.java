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

    /** A state whose operation model draws within {@code limits} (another subsystem reusing this one's model: compaction's, reclaim's). */
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

    /**
     * The machine and the spec; the folios isolated for migration as a set of pfns (their handle
     * names left out, as the bounded explorer needs: migrate_folio_move is enumerated over the
     * live handles); and what the last step found wrong, so that a step whose own effect is a
     * violation never lands on a state taken for one already seen.
     */
    @Override
    public long fingerprint() {
        long h = MemMap.mix(machine.fingerprint() ^ spec.fingerprint());
        if (!migrations.isEmpty()) {
            long isolated = 0;
            for (long pfn : migrations.values()) isolated += MemMap.mix(pfn + 0x9E3779B97F4A7C15L);
            h = MemMap.mix(h ^ isolated);
        }
        if (!pending.isEmpty()) h = MemMap.mix(h ^ pending.hashCode());
        return h;
    }

    public Rmap rmap() {
        return machine.rmap();
    }
}
