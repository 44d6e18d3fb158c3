package org.mmspec.invariants.engine;

import java.util.ArrayDeque;

/**
 * The bounded explorer's first-in first-out queue of states still to expand, each with the
 * fingerprint it was stored under and (in the search that keeps parent links) its state id.
 * {@link Encoded} keeps states in their codec's byte form in fixed-size chunks and drops a chunk
 * as soon as it has been read, so the memory held is what is still queued (TLC keeps this queue
 * on disk; ours stays in memory and reports its size); {@link Objects} keeps deep copies, for
 * states without a codec.
 */
abstract class StateQueue<S> {
    long size;
    long lastKey;
    int lastId;

    abstract void push(S s, long key, int id);

    /** The next state: the stored object, or decoded into {@code into}; sets lastKey and lastId. */
    abstract S pop(S into);

    /** Bytes held now. */
    abstract long bytes();

    final long size() {
        return size;
    }

    final boolean isEmpty() {
        return size == 0;
    }

    /** Deep copies in an ArrayDeque; their size is not known, so {@link #bytes()} is 0. */
    static final class Objects<S> extends StateQueue<S> {
        private record Entry<S>(S state, long key, int id) {}

        private final ArrayDeque<Entry<S>> q = new ArrayDeque<>();

        @Override
        void push(S s, long key, int id) {
            q.addLast(new Entry<>(s, key, id));
            size++;
        }

        @Override
        S pop(S into) {
            Entry<S> e = q.removeFirst();
            size--;
            lastKey = e.key;
            lastId = e.id;
            return e.state;
        }

        @Override
        long bytes() {
            return 0;
        }
    }

    /**
     * Encoded states in chunks of {@value #CHUNK} bytes: each entry is its length (varint), its
     * fingerprint (8 bytes, big-endian), its id plus one (varint; 0 when ids are not kept), then
     * the codec's bytes. An entry never spans two chunks.
     */
    static final class Encoded<S> extends StateQueue<S> {
        static final int CHUNK = 1 << 16;
        private final StateCodec<S> codec;
        private final ByteBuf scratch = new ByteBuf(1024);
        private final ArrayDeque<ByteBuf> chunks = new ArrayDeque<>();
        private ByteBuf tail;
        private ByteBuf head;
        private ByteBuf.Reader reader;
        private long held;

        Encoded(StateCodec<S> codec) {
            this.codec = codec;
        }

        @Override
        void push(S s, long key, int id) {
            scratch.clear();
            codec.encode(s, scratch);
            int len = scratch.size();
            int need = len + 10 + 8 + 5;
            if (tail == null || tail.size() + need > tail.capacity()) {
                tail = new ByteBuf(Math.max(CHUNK, need));
                chunks.addLast(tail);
                held += tail.capacity();
            }
            tail.putVar(len);
            for (int b = 56; b >= 0; b -= 8) tail.put((int) (key >>> b));
            tail.putVar(id + 1L);
            tail.putAll(scratch);
            size++;
        }

        @Override
        S pop(S into) {
            if (head == null || reader.position() >= head.size()) {
                if (head != null) {
                    chunks.removeFirst();
                    held -= head.capacity();
                    if (head == tail) tail = null;
                }
                head = chunks.peekFirst();
                reader = head.reader(0);
            }
            int len = reader.getVarInt();
            long k = 0;
            for (int b = 0; b < 8; b++) k = (k << 8) | reader.get();
            lastKey = k;
            lastId = (int) reader.getVar() - 1;
            int from = reader.position();
            codec.decode(head, from, len, into);
            reader.reset(from + len);
            size--;
            return into;
        }

        @Override
        long bytes() {
            return held;
        }
    }
}
