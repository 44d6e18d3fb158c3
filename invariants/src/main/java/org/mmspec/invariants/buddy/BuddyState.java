package org.mmspec.invariants.buddy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.mmspec.invariants.Violation;
import org.mmspec.invariants.engine.ModelState;
import org.mmspec.reference.Machine;
import org.mmspec.reference.alloc.MachineConfig;
import org.mmspec.reference.alloc.Node;
import org.mmspec.spec.buddy.BuddySpec;

/**
 * The buddy subsystem's checked state: the reference machine, the spec's state driven by the
 * same operations (the refinement relation is checked between the two after every step), the
 * handles of live allocations (handle = id of the step that allocated), and what the last step
 * found wrong in the spec's terms.
 */
public final class BuddyState implements ModelState<BuddyState> {
    public final Machine machine;
    public final BuddySpec spec;
    /** handle → {pfn, order}; ordered, so runs are deterministic. */
    public final TreeMap<Long, long[]> handles;
    /** Isolated ranges: handle (id of the isolating step) → {start_pfn, end_pfn}. */
    public final TreeMap<Long, long[]> isolated = new TreeMap<>();
    /** Whether the operation model may isolate a range abutting one already isolated. */
    public boolean adjacentIsolation;
    /** Violations the last step found while driving the spec (refinement, rejection changed state). */
    public final List<Violation> pending = new ArrayList<>();
    /** The node's pageblock write count when the spec's classes were last synchronised. */
    public long syncedPageblockWrites;
    /** Live handles in a fixed order, for drawing one at random without copying the map. */
    final java.util.ArrayList<Long> handleList = new java.util.ArrayList<>();
    /** Relative weight of alloc over free for this try: some tries fill memory, some churn. */
    public double allocBias = 0.55;
    private final Machine.AllocFactory factory;

    public BuddyState(MachineConfig config, Machine.AllocFactory factory) {
        this.factory = factory;
        this.machine = new Machine(config, factory);
        this.spec = BuddyAbstraction.bootSpec(machine.config());
        this.handles = new TreeMap<>();
        this.syncedPageblockWrites = machine.node().pageblockWrites();
    }

    private BuddyState(BuddyState o) {
        this.factory = o.factory;
        this.machine = o.machine.copy(o.factory);
        this.spec = o.spec.copy();
        this.handles = new TreeMap<>();
        for (Map.Entry<Long, long[]> e : o.handles.entrySet()) handles.put(e.getKey(), e.getValue().clone());
        this.pending.addAll(o.pending);
        for (Map.Entry<Long, long[]> e : o.isolated.entrySet()) isolated.put(e.getKey(), e.getValue().clone());
        this.adjacentIsolation = o.adjacentIsolation;
        this.allocBias = o.allocBias;
        this.syncedPageblockWrites = o.syncedPageblockWrites;
        this.handleList.addAll(o.handleList);
    }

    @Override
    public BuddyState copy() {
        return new BuddyState(this);
    }

    /** The state fingerprint: the reference and the spec, not the handle names. */
    @Override
    public long fingerprint() {
        return org.mmspec.reference.page.MemMap.mix(machine.fingerprint() ^ spec.fingerprint());
    }

    public Node node() {
        return machine.node();
    }

    public Machine.AllocFactory factory() {
        return factory;
    }

    void addHandle(long h, long pfn, long order) {
        handles.put(h, new long[] {pfn, order});
        handleList.add(h);
    }

    void removeHandle(long h) {
        handles.remove(h);
        int i = handleList.indexOf(h);
        if (i >= 0) {
            int last = handleList.size() - 1;
            handleList.set(i, handleList.get(last));
            handleList.remove(last);
        }
    }

    /** A live handle drawn at random (deterministic for a given source). */
    Long randomHandle(org.mmspec.invariants.engine.Rng rng) {
        if (handleList.size() != handles.size()) {
            handleList.clear();
            handleList.addAll(handles.keySet());
        }
        if (handleList.isEmpty()) return null;
        return handleList.get(rng.nextInt(handleList.size()));
    }

    /** The handle whose block starts at pfn, or null. */
    public Long handleAt(long pfn) {
        for (Map.Entry<Long, long[]> e : handles.entrySet()) if (e.getValue()[0] == pfn) return e.getKey();
        return null;
    }

}
