package org.mmspec.invariants.reclaim;

import java.util.List;
import java.util.Map;

import org.mmspec.invariants.Invariant;
import org.mmspec.invariants.engine.Operation;
import org.mmspec.invariants.engine.Rng;
import org.mmspec.invariants.engine.Situations;
import org.mmspec.invariants.engine.Subsystem;
import org.mmspec.reference.alloc.MachineConfig;

/**
 * Page reclaim as the explorers see it: processes and files competing for a small node, the LRU
 * lists, kswapd and direct reclaim, swap and the page cache, the workingset's refault distance.
 */
public final class ReclaimSubsystem implements Subsystem<ReclaimState>, Situations<ReclaimState> {
    public static final String NAME = "reclaim";
    private final List<Operation<ReclaimState>> ops = ReclaimOps.all();
    private final List<Invariant<ReclaimState>> invariants = ReclaimInvariants.all();

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "page reclaim: the LRU lists, second chance, kswapd and direct reclaim against the watermarks, swap and the "
                + "page cache, and the workingset's refault distance";
    }

    @Override
    public Map<String, MachineConfig> configs() {
        return ReclaimConfigs.all();
    }

    @Override
    public ReclaimState init(MachineConfig config) {
        return new ReclaimState(config);
    }

    /** Some tries fork and exit a lot, some mostly touch memory. */
    @Override
    public void beginTry(ReclaimState state, Rng rng) {
        state.rm.forkBias = 0.2 + 0.8 * rng.nextDouble();
    }

    @Override
    public List<Operation<ReclaimState>> operations() {
        return ops;
    }

    @Override
    public List<Invariant<ReclaimState>> invariants() {
        return invariants;
    }

    @Override
    public Map<String, Long> situations(ReclaimState state) {
        return ReclaimOps.situations(state);
    }
}
