package org.mmspec.invariants.engine;

import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The bounded explorer's first-in first-out queue of states still to expand, each with the
 * fingerprint it was stored under and (in the search that keeps parent links) its state id, kept
 * in chunks: {@link Encoded} keeps states in their codec's byte form in chunks of
 * {@value Encoded#CHUNK} bytes and drops a chunk as soon as it has been read, so the memory held is
 * what is still queued (TLC keeps this queue on disk; ours stays in memory and reports its size);
 * {@link Objects} keeps deep copies, for states without a codec, in chunks of
 * {@value Objects#CHUNK} states. Parallel workers take whole chunks ({@link #takeChunk}) and move
 * their output chunks to the next level ({@link #appendAll}), so no chunk is ever shared.
 */
abstract class StateQueue<S> {
    long size;
    long lastKey;
    int lastId;
    /** Bytes held by every encoded queue of one search together: chunks are counted as they come and go. */
    final AtomicLong held;

    StateQueue(AtomicLong held) {
        this.held = held;
    }

    abstract void push(S s, long key, int id);

    /** The next state: the stored object, or decoded into {@code into}; sets lastKey and lastId. */
    abstract S pop(S into);

    /** Removes the first chunk (not yet read) and returns it as a queue that reads with {@code codec}; null when empty. */
    abstract StateQueue<S> takeChunk(StateCodec<S> codec);

    /** Moves every chunk of {@code o} (of the same kind) to the end of this queue. */
    abstract void appendAll(StateQueue<S> o);

    final long size() {
        return size;
    }

    final boolean isEmpty() {
        return size == 0;
    }

    /** Deep copies in chunks of {@value #CHUNK}; their size is not known, so nothing is added to {@link #held}. */
    static final class Objects<S> extends StateQueue<S> {
        static final int CHUNK = 256;

        private record Entry<S>(S state, long key, int id) {}

        private final ArrayDeque<ArrayDeque<Entry<S>>> chunks = new ArrayDeque<>();

        Objects(AtomicLong held) {
            super(held);
        }

        @Override
        void push(S s, long key, int id) {
            ArrayDeque<Entry<S>> tail = chunks.peekLast();
            if (tail == null || tail.size() >= CHUNK) {
                tail = new ArrayDeque<>();
                chunks.addLast(tail);
            }
            tail.addLast(new Entry<>(s, key, id));
            size++;
        }

        @Override
        S pop(S into) {
            ArrayDeque<Entry<S>> head = chunks.peekFirst();
            while (head.isEmpty()) {
                chunks.removeFirst();
                head = chunks.peekFirst();
            }
            Entry<S> e = head.removeFirst();
            size--;
            lastKey = e.key;
            lastId = e.id;
            return e.state;
        }

        @Override
        StateQueue<S> takeChunk(StateCodec<S> codec) {
            ArrayDeque<Entry<S>> head;
            do {
                head = chunks.pollFirst();
            } while (head != null && head.isEmpty());
            if (head == null) return null;
            Objects<S> q = new Objects<>(held);
            q.chunks.addLast(head);
            q.size = head.size();
            size -= head.size();
            return q;
        }

        @Override
        void appendAll(StateQueue<S> o) {
            Objects<S> b = (Objects<S>) o;
            chunks.addAll(b.chunks);
            size += b.size;
            b.chunks.clear();
            b.size = 0;
        }
    }

    /**
     * Encoded states in chunks of {@value #CHUNK} bytes: each entry is its length (varint), its
     * fingerprint (8 bytes, big-endian), its id plus one (varint; 0 when ids are not kept), then
     * the codec's bytes. An entry never spans two chunks.
     */
    static final class Encoded<S> extends StateQueue<S> {
        static final int CHUNK = 1 << 16;

        private static final class Chunk {
            final ByteBuf buf;
            int count;
            int read;

            Chunk(int capacity) {
                buf = new ByteBuf(capacity);
            }
        }

        private final StateCodec<S> codec;
        private final ByteBuf scratch = new ByteBuf(1024);
        private final ArrayDeque<Chunk> chunks = new ArrayDeque<>();
        private ByteBuf.Reader reader;
        private Chunk readerOf;

        Encoded(StateCodec<S> codec, AtomicLong held) {
            super(held);
            this.codec = codec;
        }

        @Override
        void push(S s, long key, int id) {
            scratch.clear();
            codec.encode(s, scratch);
            int len = scratch.size();
            int need = len + 10 + 8 + 5;
            Chunk tail = chunks.peekLast();
            if (tail == null || tail.buf.size() + need > tail.buf.capacity() || tail.read > 0) {
                tail = new Chunk(Math.max(CHUNK, need));
                chunks.addLast(tail);
                held.addAndGet(tail.buf.capacity());
            }
            ByteBuf b = tail.buf;
            b.putVar(len);
            for (int sh = 56; sh >= 0; sh -= 8) b.put((int) (key >>> sh));
            b.putVar(id + 1L);
            b.putAll(scratch);
            tail.count++;
            size++;
        }

        @Override
        S pop(S into) {
            Chunk head = chunks.peekFirst();
            if (readerOf != head) {
                readerOf = head;
                reader = head.buf.reader(0);
            }
            int len = reader.getVarInt();
            long k = 0;
            for (int b = 0; b < 8; b++) k = (k << 8) | reader.get();
            lastKey = k;
            lastId = (int) reader.getVar() - 1;
            int from = reader.position();
            codec.decode(head.buf, from, len, into);
            reader.reset(from + len);
            head.read++;
            size--;
            if (head.read == head.count) {
                chunks.removeFirst();
                held.addAndGet(-head.buf.capacity());
            }
            return into;
        }

        @Override
        StateQueue<S> takeChunk(StateCodec<S> readWith) {
            Chunk head = chunks.pollFirst();
            if (head == null) return null;
            if (head.read != 0) throw new IllegalStateException("a chunk already being read cannot be handed over");
            Encoded<S> q = new Encoded<>(readWith, held);
            q.chunks.addLast(head);
            q.size = head.count;
            size -= head.count;
            return q;
        }

        @Override
        void appendAll(StateQueue<S> o) {
            Encoded<S> b = (Encoded<S>) o;
            chunks.addAll(b.chunks);
            size += b.size;
            b.chunks.clear();
            b.size = 0;
        }

        /** Releases what is left (the search stopped early). */
        void discard() {
            for (Chunk c : chunks) held.addAndGet(-c.buf.capacity());
            chunks.clear();
            size = 0;
        }
    }
}
