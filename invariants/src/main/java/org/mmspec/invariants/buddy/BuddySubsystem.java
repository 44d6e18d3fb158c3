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
import org.mmspec.reference.alloc.Node;

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
     * What the buddy model's bounded search may treat as one state, audited by
     * {@link org.mmspec.invariants.engine.SymmetryAudit} (BoundedBuddyTest):
     * <ul>
     * <li>handle names: a handle is the id of the step that made an allocation or an isolated
     * range, a label and nothing more; {@link BuddyState#fingerprint} already leaves the names
     * out.</li>
     * <li>the node's kswapd and kcompactd wakeup requests (kswapd_order, kswapd_highest_zoneidx,
     * the model's kswapd_woken, kcompactd_max_order, kcompactd_highest_zoneidx): the allocator
     * records them in wakeup_kswapd() and wakeup_kcompactd() for daemons the buddy model never
     * runs, reads them only to update them, and no invariant reads them. They only ratchet up, so
     * without this every failed allocation of a new order or zone would split a state in two
     * (4.5 times the states on {@code tiny8}).</li>
     * </ul>
     * No permutation of pfns, orders or migratetypes preserves the allocator's behaviour (buddy
     * alignment, which end of a free list a block goes to, the fixed fallback order of
     * migratetypes, the boot state with every pageblock movable), so there is no more to have. A
     * model that runs kswapd or kcompactd must drop the second item.
     */
    @Override
    public String symmetry() {
        return "handle names, and the node's kswapd/kcompactd wakeup requests (history the buddy model never reads back)";
    }

    /** The fingerprint with the wakeup requests at their boot values (the state is left as it was). */
    @Override
    public long canonicalFingerprint(BuddyState state) {
        Node n = state.node();
        int ko = n.kswapdOrder;
        int kz = n.kswapdHighestZoneidx;
        boolean kw = n.kswapdWoken;
        int co = n.kcompactdMaxOrder;
        int cz = n.kcompactdHighestZoneidx;
        n.kswapdOrder = 0;
        n.kswapdHighestZoneidx = 0;
        n.kswapdWoken = false;
        n.kcompactdMaxOrder = 0;
        n.kcompactdHighestZoneidx = n.nrZones - 1;
        try {
            return state.fingerprint();
        } finally {
            n.kswapdOrder = ko;
            n.kswapdHighestZoneidx = kz;
            n.kswapdWoken = kw;
            n.kcompactdMaxOrder = co;
            n.kcompactdHighestZoneidx = cz;
        }
    }

    /**
     * A copy whose handles (allocations and isolated ranges together) are renamed by a random
     * permutation of their ids, and whose wakeup requests are drawn at random from their ranges.
     */
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
        Node n = p.node();
        int maxOrder = p.machine.config().maxPageOrder();
        n.kswapdOrder = rng.nextInt(maxOrder + 1);
        n.kswapdHighestZoneidx = rng.nextInt(org.mmspec.reference.alloc.ZoneType.MAX_NR_ZONES + 1);
        n.kswapdWoken = rng.nextInt(2) == 1;
        n.kcompactdMaxOrder = rng.nextInt(maxOrder + 1);
        n.kcompactdHighestZoneidx = rng.nextInt(Math.max(1, n.nrZones));
        return p;
    }

    @Override
    public Map<String, Long> situations(BuddyState state) {
        return BuddyOps.situations(state);
    }
}
