package org.mmspec.invariants.rmap;

import java.util.List;

import org.mmspec.invariants.engine.Args;
import org.mmspec.invariants.engine.Operation;
import org.mmspec.invariants.engine.Rng;

/**
 * One of the reverse map's operations ({@code mmap}, {@code write}, {@code fork}, ...) run on
 * another subsystem's state that holds the processes in an {@link RmapState} (compaction's,
 * reclaim's, KSM's): name, precondition, arguments, enumeration and shrinking are the rmap
 * operation's own; each subsystem says, in {@link #apply}, what else the step means for it.
 */
public abstract class OnRmap<S> implements Operation<S> {
    protected final Operation<RmapState> op;
    private final double weight;

    protected OnRmap(Operation<RmapState> op, double weight) {
        this.op = op;
        this.weight = weight;
    }

    /** The processes of state s. */
    protected abstract RmapState rmap(S s);

    @Override
    public String name() {
        return op.name();
    }

    @Override
    public double weight() {
        return weight;
    }

    @Override
    public boolean enabled(S s) {
        return op.enabled(rmap(s));
    }

    @Override
    public Args generate(S s, Rng rng) {
        return op.generate(rmap(s), rng);
    }

    @Override
    public List<Args> enumerate(S s) {
        return op.enumerate(rmap(s));
    }

    @Override
    public List<Args> simpler(Args a) {
        return op.simpler(a);
    }

    @Override
    public List<String> handleArgs() {
        return op.handleArgs();
    }
}
