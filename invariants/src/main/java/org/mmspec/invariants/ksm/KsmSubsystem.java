package org.mmspec.invariants.ksm;

import java.util.List;
import java.util.Map;

import org.mmspec.invariants.Invariant;
import org.mmspec.invariants.engine.Operation;
import org.mmspec.invariants.engine.Rng;
import org.mmspec.invariants.engine.Situations;
import org.mmspec.invariants.engine.Subsystem;
import org.mmspec.reference.alloc.MachineConfig;

/** Kernel samepage merging as the explorers see it: processes writing duplicates, MADV_MERGEABLE, ksmd, its knobs. */
public final class KsmSubsystem implements Subsystem<KsmState>, Situations<KsmState> {
    public static final String NAME = "ksm";
    private final List<Operation<KsmState>> ops = KsmOps.all();
    private final List<Invariant<KsmState>> invariants = KsmInvariants.all();

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "KSM: mm slots, rmap_items, the stable tree with chains and dups, the unstable tree, checksums, zero pages, "
                + "smart scan, MADV_MERGEABLE/UNMERGEABLE, run=0/1/2, with the processes' writes, forks and exits";
    }

    @Override
    public Map<String, MachineConfig> configs() {
        return KsmConfigs.all();
    }

    @Override
    public KsmState init(MachineConfig config) {
        return new KsmState(config);
    }

    /** Some tries write a lot between scans, some mostly let ksmd run (to reach steady states). */
    @Override
    public void beginTry(KsmState state, Rng rng) {
        state.writeBias = 0.25 + 0.75 * rng.nextDouble();
    }

    @Override
    public List<Operation<KsmState>> operations() {
        return ops;
    }

    @Override
    public List<Invariant<KsmState>> invariants() {
        return invariants;
    }

    @Override
    public Map<String, Long> situations(KsmState state) {
        return KsmOps.situations(state);
    }
}
