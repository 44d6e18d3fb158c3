package org.mmspec.invariants.compaction;

import java.util.List;
import java.util.Map;

import org.mmspec.invariants.Invariant;
import org.mmspec.invariants.engine.Operation;
import org.mmspec.invariants.engine.Rng;
import org.mmspec.invariants.engine.Situations;
import org.mmspec.invariants.engine.Subsystem;
import org.mmspec.reference.alloc.MachineConfig;

/**
 * Page migration and memory compaction as the explorers see them: processes' anonymous pages and
 * kernel allocations fragment a zone; compaction runs round by round (and inside allocations,
 * compact_memory and kcompactd) with its scanners, migration and deferral checked after every round.
 */
public final class CompactionSubsystem implements Subsystem<CompactionState>, Situations<CompactionState> {
    public static final String NAME = "compaction";
    private final List<Operation<CompactionState>> ops = CompactionOps.all();
    private final List<Invariant<CompactionState>> invariants = CompactionInvariants.all();

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "page migration and memory compaction: migrate_pages with migration entries, the migration and free scanners, "
                + "skip bits, compaction_suitable, deferral, kcompactd, compact_memory and direct compaction with capture";
    }

    @Override
    public Map<String, MachineConfig> configs() {
        return CompactionConfigs.all();
    }

    @Override
    public CompactionState init(MachineConfig config) {
        return new CompactionState(config);
    }

    /** Some tries fork and exit a lot, some compact a lot. */
    @Override
    public void beginTry(CompactionState state, Rng rng) {
        state.rmap.forkBias = 0.3 + 0.7 * rng.nextDouble();
        state.compactBias = 0.3 + 0.7 * rng.nextDouble();
    }

    @Override
    public List<Operation<CompactionState>> operations() {
        return ops;
    }

    @Override
    public List<Invariant<CompactionState>> invariants() {
        return invariants;
    }

    @Override
    public Map<String, Long> situations(CompactionState state) {
        return CompactionOps.situations(state);
    }
}
