package org.mmspec.invariants.buddy;

import java.util.Map;
import java.util.function.IntConsumer;
import java.util.function.IntSupplier;

import org.mmspec.invariants.engine.ByteBuf;
import org.mmspec.invariants.engine.IntDelta;
import org.mmspec.invariants.engine.StateCodec;

/**
 * The buddy state's compact byte form, for the bounded explorer's queue: the reference machine
 * and the spec as their {@code saveState} int sequences compressed against the booted state's
 * ({@link IntDelta}), then the live handles {id, pfn, order} and isolated ranges {id, start, end}
 * as varints. On the 16-page {@code tiny} configuration a state takes about a hundred bytes
 * instead of a few kilobytes of objects. The allocator's statistics are not saved (nothing reads
 * them), and a state with pending findings is never queued (it is a violation), so neither is
 * carried.
 */
final class BuddyCodec implements StateCodec<BuddyState> {
    private final IntDelta delta;

    BuddyCodec(BuddyState template) {
        this.delta = new IntDelta(sink -> write(template, sink));
    }

    private BuddyCodec(IntDelta delta) {
        this.delta = delta;
    }

    @Override
    public StateCodec<BuddyState> fork() {
        return new BuddyCodec(delta.fork());
    }

    private static void write(BuddyState s, IntConsumer out) {
        s.machine.saveState(out);
        s.spec.saveState(out);
    }

    @Override
    public void encode(BuddyState s, ByteBuf out) {
        if (!s.pending.isEmpty()) throw new IllegalStateException("a state with pending findings is a violation, never queued");
        write(s, delta.begin());
        delta.writeTo(out);
        out.putVar(s.syncedPageblockWrites);
        out.putVar(s.handles.size());
        for (Map.Entry<Long, long[]> e : s.handles.entrySet()) {
            out.putVar(e.getKey());
            out.putVar(e.getValue()[0]);
            out.putVar(e.getValue()[1]);
        }
        out.putVar(s.isolated.size());
        for (Map.Entry<Long, long[]> e : s.isolated.entrySet()) {
            out.putVar(e.getKey());
            out.putVar(e.getValue()[0]);
            out.putVar(e.getValue()[1]);
        }
    }

    @Override
    public void decode(ByteBuf in, long from, int len, BuddyState into) {
        ByteBuf.Reader r = in.reader(from);
        IntSupplier src = delta.read(r);
        into.machine.restoreState(src);
        into.spec.restoreState(src);
        if (!delta.readAll()) throw new IllegalStateException("saved buddy state not read to its end");
        into.syncedPageblockWrites = r.getVar();
        into.handles.clear();
        into.handleList.clear();
        into.pending.clear();
        int nh = r.getVarInt();
        for (int i = 0; i < nh; i++) {
            long h = r.getVar();
            into.addHandle(h, r.getVar(), r.getVar());
        }
        into.isolated.clear();
        int ni = r.getVarInt();
        for (int i = 0; i < ni; i++) {
            long h = r.getVar();
            into.isolated.put(h, new long[] {r.getVar(), r.getVar()});
        }
        if (r.position() - from != len) {
            throw new IllegalStateException("saved buddy state is " + len + " bytes, decoding read " + (r.position() - from));
        }
    }

    @Override
    public void copy(BuddyState from, BuddyState into) {
        into.copyFrom(from);
    }
}
