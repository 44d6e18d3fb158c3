package org.mmspec.invariants.buddy;

import java.util.List;
import java.util.Map;

import org.mmspec.invariants.Invariant;
import org.mmspec.invariants.engine.Operation;
import org.mmspec.invariants.engine.Rng;
import org.mmspec.invariants.engine.Situations;
import org.mmspec.invariants.engine.Subsystem;
import org.mmspec.reference.Machine;
import org.mmspec.reference.alloc.MachineConfig;

/** The buddy page allocator as the explorers see it. */
public final class BuddySubsystem implements Subsystem<BuddyState>, Situations<BuddyState> {
    private final Machine.AllocFactory factory;
    private boolean adjacentIsolation;
    private final List<Operation<BuddyState>> ops = BuddyOps.all();
    private final List<Invariant<BuddyState>> invariants = BuddyInvariants.all();

    public BuddySubsystem() {
        this(null);
    }

    /** A buddy subsystem whose reference allocator comes from {@code factory} (tests plant bugs this way). */
    public BuddySubsystem(Machine.AllocFactory factory) {
        this.factory = factory;
    }

    @Override
    public String name() {
        return "buddy";
    }

    @Override
    public String description() {
        return "the buddy page allocator: zones, free areas, migratetypes, pageblocks, fallback, boost, "
                + "highatomic reserve, isolation, watermarks";
    }

    @Override
    public Map<String, MachineConfig> configs() {
        return BuddyConfigs.all();
    }

    /** Lets the operation model isolate ranges that abut ranges already isolated (see spec/README.md). */
    public BuddySubsystem adjacentIsolation(boolean on) {
        this.adjacentIsolation = on;
        return this;
    }

    @Override
    public BuddyState init(MachineConfig config) {
        BuddyState s = new BuddyState(config, factory);
        s.adjacentIsolation = adjacentIsolation;
        return s;
    }

    @Override
    public void beginTry(BuddyState state, Rng rng) {
        state.allocBias = 0.5 + 0.45 * rng.nextDouble();
    }

    @Override
    public List<Operation<BuddyState>> operations() {
        return ops;
    }

    @Override
    public List<Invariant<BuddyState>> invariants() {
        return invariants;
    }

    @Override
    public Map<String, Long> situations(BuddyState state) {
        return BuddyOps.situations(state);
    }
}
