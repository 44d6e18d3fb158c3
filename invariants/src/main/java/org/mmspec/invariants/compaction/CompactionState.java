package org.mmspec.invariants.compaction;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.mmspec.invariants.Violation;
import org.mmspec.invariants.engine.ModelState;
import org.mmspec.invariants.rmap.RmapState;
import org.mmspec.reference.Machine;
import org.mmspec.reference.alloc.MachineConfig;
import org.mmspec.reference.compaction.CompactControl;
import org.mmspec.reference.compaction.Compaction;
import org.mmspec.reference.compaction.CompactionEvents;
import org.mmspec.reference.page.MemMap;
import org.mmspec.spec.compaction.CompactionSpec;

/**
 * The compaction subsystem's checked state: the rmap subsystem's state (the machine with its
 * processes, and the memory spec driven by the same operations) with compaction in the slow path,
 * the allocations the operation model made (kernel memory, unmovable), and what the last step
 * did: its compaction rounds, as the reference reported them after each one, and what it found
 * wrong comparing the state before and after.
 */
public final class CompactionState implements ModelState<CompactionState> {
    public final RmapState rmap;
    public final Machine machine;
    /** Allocations of the alloc operation: handle (the id of the step that made it) -&gt; {pfn, order}. */
    public final TreeMap<Long, long[]> allocations = new TreeMap<>();
    /** Violations the last step found comparing before and after (the spec's laws 1 to 3). */
    public final List<Violation> pending = new ArrayList<>();
    /** Every compaction round the last step ran, in order (round 0: a run's start). */
    public final List<RoundRecord> rounds = new ArrayList<>();
    /** How often this try compacts relative to everything else. */
    public double compactBias = 1.0;

    /**
     * One compaction round as the reference reported it: the spec's view of it (scanners before
     * and after, whether and how the run ended), the folios it moved (old pfn, new pfn), the folios
     * and free blocks (pfn, order) it isolated, and whether it left the run where it was.
     */
    public record RoundRecord(CompactionSpec.Round round, List<long[]> moved, List<Long> isolated, List<long[]> freeIsolated,
                              boolean stalled, int order, String mode, boolean successJustified) {}

    public CompactionState(MachineConfig config) {
        this.rmap = new RmapState(config, CompactionConfigs.limits(config.name()));
        this.machine = rmap.machine;
        machine.enableCompaction();
        observe();
    }

    private CompactionState(CompactionState o) {
        this.rmap = o.rmap.copy();
        this.machine = rmap.machine;
        for (Map.Entry<Long, long[]> e : o.allocations.entrySet()) allocations.put(e.getKey(), e.getValue().clone());
        pending.addAll(o.pending);
        rounds.addAll(o.rounds);
        compactBias = o.compactBias;
        observe();
    }

    private void observe() {
        machine.compaction().setRoundObserver(this::record);
    }

    private void record(CompactControl cc) {
        String result = cc.result < 0 ? "running" : CompactionEvents.resultName(cc.result);
        CompactionSpec.Round r = new CompactionSpec.Round(cc.zone.name(), cc.zone.zoneStartPfn, cc.zone.zoneEndPfn(),
                machine.config().pageblockOrder(), cc.rounds, cc.roundStartMigratePfn, cc.roundStartFreePfn, cc.migrate_pfn,
                cc.free_pfn, cc.result >= 0, result);
        List<long[]> moved = new ArrayList<>();
        for (long[] m : cc.moved) moved.add(m.clone());
        List<long[]> free = new ArrayList<>();
        for (long[] f : cc.freeIsolatedThisRound) free.add(f.clone());
        // COMPACT_SUCCESS of an order run: a free block of that order or more, or one captured (or a
        // proactive run's score below its low mark): checked now, before an allocation takes the block
        boolean justified = cc.captured || cc.proactive_compaction || cc.order <= 0;
        for (int o = Math.max(0, cc.order); !justified && o < cc.zone.nrOrders(); o++) justified = cc.zone.nrFree[o] > 0;
        rounds.add(new RoundRecord(r, List.copyOf(moved), List.copyOf(cc.isolatedThisRound), List.copyOf(free), cc.stalled,
                cc.order, cc.mode.shortName(), justified));
    }

    /** Forget what the previous step did. */
    void beginStep() {
        pending.clear();
        rounds.clear();
        rmap.pending.clear();
    }

    @Override
    public CompactionState copy() {
        return new CompactionState(this);
    }

    @Override
    public long fingerprint() {
        long h = rmap.fingerprint();
        for (Map.Entry<Long, long[]> e : allocations.entrySet()) {
            h = MemMap.mix(h ^ e.getKey() ^ (e.getValue()[0] << 20) ^ (e.getValue()[1] << 56));
        }
        return h;
    }

    public Compaction compaction() {
        return machine.compaction();
    }
}
