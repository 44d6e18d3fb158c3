package org.mmspec.invariants.buddy;

import java.util.List;
import java.util.Map;

import org.mmspec.invariants.Invariant;
import org.mmspec.invariants.engine.Operation;
import org.mmspec.invariants.engine.Rng;
import org.mmspec.invariants.engine.Situations;
import org.mmspec.invariants.engine.Subsystem;
import org.mmspec.invariants.engine.Symmetric;
import org.mmspec.reference.Machine;
import org.mmspec.reference.alloc.MachineConfig;

/** The buddy page allocator as the explorers see it. */
public final class BuddySubsystem implements Subsystem<BuddyState>, Situations<BuddyState>, Symmetric<BuddyState> {
    private final Machine.AllocFactory factory;
    private boolean adjacentIsolation;
    /** The enumeration domain for every configuration, overriding {@link BuddyConfigs#domain}; null: per configuration. */
    private BuddyDomain domain;
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

    /** Enumerate this domain on every configuration instead of the configuration's own (null: its own). */
    public BuddySubsystem domain(BuddyDomain d) {
        this.domain = d;
        return this;
    }

    @Override
    public BuddyState init(MachineConfig config) {
        BuddyState s = new BuddyState(config, factory);
        s.adjacentIsolation = adjacentIsolation;
        s.domain = domain != null ? domain : BuddyConfigs.domain(config.name());
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
    public List<String> exhaustiveConfigs() {
        return BuddyConfigs.EXHAUSTIVE;
    }

    /**
     * The buddy model's one symmetry: handle names. A handle is the id of the step that made an
     * allocation or an isolated range, a label and nothing more; {@link BuddyState#fingerprint}
     * leaves the names out, so the canonical fingerprint is the fingerprint. There is no other:
     * no permutation of pfns, orders or migratetypes preserves the allocator's behaviour (buddy
     * alignment, which end of a free list a block goes to, the fixed fallback order of
     * migratetypes, the boot state with every pageblock movable).
     */
    @Override
    public String symmetry() {
        return "handle names (allocation and isolation handles are interchangeable labels)";
    }

    @Override
    public long canonicalFingerprint(BuddyState state) {
        return state.fingerprint();
    }

    /** A copy whose handles (allocations and isolated ranges together) are renamed by a random permutation of their ids. */
    @Override
    public BuddyState permuted(BuddyState state, Rng rng) {
        BuddyState p = state.copy();
        List<Long> ids = new java.util.ArrayList<>(state.handles.keySet());
        ids.addAll(state.isolated.keySet());
        List<Long> to = new java.util.ArrayList<>(ids);
        for (int i = to.size() - 1; i > 0; i--) java.util.Collections.swap(to, i, rng.nextInt(i + 1));
        Map<Long, Long> rename = new java.util.HashMap<>();
        for (int i = 0; i < ids.size(); i++) rename.put(ids.get(i), to.get(i));
        p.handles.clear();
        p.handleList.clear();
        for (Map.Entry<Long, long[]> e : state.handles.entrySet()) p.addHandle(rename.get(e.getKey()), e.getValue()[0], e.getValue()[1]);
        p.isolated.clear();
        for (Map.Entry<Long, long[]> e : state.isolated.entrySet()) p.isolated.put(rename.get(e.getKey()), e.getValue().clone());
        return p;
    }

    @Override
    public Map<String, Long> situations(BuddyState state) {
        return BuddyOps.situations(state);
    }
}
