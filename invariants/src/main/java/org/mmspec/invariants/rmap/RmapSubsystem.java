package org.mmspec.invariants.rmap;

import java.util.List;
import java.util.Map;

import org.mmspec.invariants.Invariant;
import org.mmspec.invariants.engine.Operation;
import org.mmspec.invariants.engine.Rng;
import org.mmspec.invariants.engine.Situations;
import org.mmspec.invariants.engine.Subsystem;
import org.mmspec.reference.alloc.MachineConfig;

/** The reverse map as the explorers see it: processes, anonymous memory, anon_vma trees, over the buddy allocator. */
public final class RmapSubsystem implements Subsystem<RmapState>, Situations<RmapState> {
    private final List<Operation<RmapState>> ops = RmapOps.all();
    private final List<Invariant<RmapState>> invariants = RmapInvariants.all();

    @Override
    public String name() {
        return "rmap";
    }

    @Override
    public String description() {
        return "reverse mapping: processes, private anonymous VMAs, page tables, anon_vma trees and chains, faults, "
                + "fork/COW, munmap, exit, rmap walks, folio_referenced and migration's try_to_migrate";
    }

    @Override
    public Map<String, MachineConfig> configs() {
        return RmapConfigs.all();
    }

    @Override
    public RmapState init(MachineConfig config) {
        return new RmapState(config);
    }

    /** Some tries fork and exit a lot, some mostly touch memory. */
    @Override
    public void beginTry(RmapState state, Rng rng) {
        state.forkBias = 0.3 + 0.7 * rng.nextDouble();
    }

    @Override
    public List<Operation<RmapState>> operations() {
        return ops;
    }

    @Override
    public List<Invariant<RmapState>> invariants() {
        return invariants;
    }

    @Override
    public Map<String, Long> situations(RmapState state) {
        return RmapOps.situations(state);
    }
}
