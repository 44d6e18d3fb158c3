package org.mmspec.invariants.reclaim;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

import org.mmspec.invariants.Violation;
import org.mmspec.invariants.engine.ModelState;
import org.mmspec.invariants.rmap.RmapState;
import org.mmspec.reference.Machine;
import org.mmspec.reference.alloc.MachineConfig;
import org.mmspec.reference.page.MemMap;
import org.mmspec.reference.reclaim.Reclaim;
import org.mmspec.reference.rmap.Rmap;
import org.mmspec.spec.reclaim.ReclaimSpec;

/**
 * The reclaim subsystem's checked state: the rmap subsystem's state (the machine, the processes'
 * spec, the processes' limits), the files' spec, the configuration's limits, the kernel
 * allocations the model holds, and what the last step found wrong in the spec's terms. The
 * reference's reclaim trace is on, so the invariants see what each step's reclaim passes did.
 */
public final class ReclaimState implements ModelState<ReclaimState> {
    public final RmapState rm;
    public final ReclaimSpec spec;
    public final ReclaimConfigs.Limits limits;
    /** Violations the last step found (refinement, a rejection that changed the state). */
    public final List<Violation> pending = new ArrayList<>();
    /** Kernel allocations by the alloc step that made them: handle (step id) -&gt; {pfn, order}. */
    public final TreeMap<Long, long[]> allocs = new TreeMap<>();
    /** The nonresident age before the last step. */
    public long ageBefore;

    public ReclaimState(MachineConfig config) {
        this.limits = ReclaimConfigs.limits(config.name());
        this.rm = new RmapState(config, limits.rmap());
        this.spec = new ReclaimSpec();
        machine().reclaim().trace().enable(true);
    }

    private ReclaimState(ReclaimState o) {
        this.rm = o.rm.copy();
        this.spec = o.spec.copy();
        this.limits = o.limits;
        this.pending.addAll(o.pending);
        for (var e : o.allocs.entrySet()) allocs.put(e.getKey(), e.getValue().clone());
        this.ageBefore = o.ageBefore;
    }

    @Override
    public ReclaimState copy() {
        return new ReclaimState(this);
    }

    @Override
    public long fingerprint() {
        long h = MemMap.mix(rm.fingerprint() ^ spec.fingerprint());
        for (var e : allocs.entrySet()) h = MemMap.mix(h ^ e.getKey() ^ (e.getValue()[0] << 20));
        return h;
    }

    public Machine machine() {
        return rm.machine;
    }

    public Reclaim reclaim() {
        return rm.machine.reclaim();
    }

    public Rmap rmap() {
        return rm.machine.rmap();
    }

    /** Starts a step: forget the last one's findings and trace, remember the nonresident age. */
    public void beginStep() {
        pending.clear();
        rm.pending.clear();
        reclaim().trace().clear();
        ageBefore = reclaim().lruvec().nonresidentAge;
    }
}
