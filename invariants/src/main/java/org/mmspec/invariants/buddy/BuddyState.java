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
public final class BuddyState implements ModelState<BuddyState>, org.mmspec.invariants.engine.CompactState<BuddyState> {
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
    /** What the enumerators offer (the bounded explorer's domain); the random explorer ignores it. */
    public BuddyDomain domain = BuddyDomain.ALL;
    /** domain's alloc arguments for this configuration, built on first use. */
    java.util.List<org.mmspec.invariants.engine.Args> allocArgs;
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
        this.domain = o.domain;
        this.allocArgs = o.allocArgs;
    }

    @Override
    public BuddyState copy() {
        return new BuddyState(this);
    }

    /**
     * Overwrites this state with {@code o} (a state of the same configuration) without building a
     * new machine: the bounded explorer restores the state it expands this way before each step.
     * Handle and range arrays are shared: they are never written after they are made.
     */
    public void copyFrom(BuddyState o) {
        machine.copyFrom(o.machine);
        spec.copyFrom(o.spec);
        handles.clear();
        handles.putAll(o.handles);
        isolated.clear();
        isolated.putAll(o.isolated);
        pending.clear();
        pending.addAll(o.pending);
        adjacentIsolation = o.adjacentIsolation;
        allocBias = o.allocBias;
        syncedPageblockWrites = o.syncedPageblockWrites;
        handleList.clear();
        handleList.addAll(o.handleList);
        domain = o.domain;
        allocArgs = o.allocArgs;
    }

    /** A compact byte form for the bounded explorer's queue, relative to this state (see {@link BuddyCodec}). */
    @Override
    public org.mmspec.invariants.engine.StateCodec<BuddyState> codec() {
        return new BuddyCodec(this);
    }

    /**
     * The state fingerprint, canonical for the bounded explorer: the reference machine and the
     * spec; the live blocks {pfn, order} and the isolated ranges as sets, without their handle
     * names (so two paths that make the same blocks under other step ids reach one state, and a
     * state's successors are the same whatever its handles are called: free is enumerated over
     * the live handles); and what the last step found wrong (the pending refinement or rejection
     * findings, the kernel warnings), so that a step whose own effect is a violation never leads
     * to a state the search takes for one seen before. The machine's statistics are left out:
     * nothing the allocator decides reads them.
     */
    @Override
    public long fingerprint() {
        long h = mix(machine.fingerprint() ^ spec.fingerprint());
        long blocks = 0;
        for (long[] b : handles.values()) blocks += mix((b[0] << 8) | b[1]);
        long ranges = 0;
        for (long[] r : isolated.values()) ranges += mix(r[0] * 0x9E3779B97F4A7C15L + r[1]);
        h = mix(h ^ blocks);
        h = mix(h ^ ranges);
        if (!pending.isEmpty()) h = mix(h ^ pending.hashCode());
        long warned = machine.warnings().count();
        if (warned != 0) h = mix(h ^ warned);
        return h;
    }

    private static long mix(long z) {
        return org.mmspec.reference.page.MemMap.mix(z + 0x9E3779B97F4A7C15L);
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
