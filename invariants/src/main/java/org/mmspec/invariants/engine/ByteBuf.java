package org.mmspec.invariants.engine;

import java.util.Arrays;

/**
 * A growable byte array with varint writing and reading, for {@link StateCodec}s: unsigned
 * LEB128 for counts and indexes, zigzag for signed values.
 */
public final class ByteBuf {
    private byte[] a;
    private int n;

    public ByteBuf() {
        this(256);
    }

    public ByteBuf(int capacity) {
        a = new byte[Math.max(16, capacity)];
    }

    public int size() {
        return n;
    }

    public int capacity() {
        return a.length;
    }

    public void clear() {
        n = 0;
    }

    private void ensure(int more) {
        if (n + more > a.length) {
            long want = Math.max((long) n + more, (long) a.length + (a.length >> 1));
            if (want > Integer.MAX_VALUE - 8) {
                if ((long) n + more > Integer.MAX_VALUE - 8) throw new IllegalStateException("queue buffer exceeds 2 GiB");
                want = Integer.MAX_VALUE - 8;
            }
            a = Arrays.copyOf(a, (int) want);
        }
    }

    public void put(int b) {
        ensure(1);
        a[n++] = (byte) b;
    }

    /** Unsigned LEB128 of a non-negative value. */
    public void putVar(long v) {
        ensure(10);
        while ((v & ~0x7FL) != 0) {
            a[n++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        a[n++] = (byte) v;
    }

    /** Zigzag then LEB128: small negative values stay short. */
    public void putSigned(long v) {
        putVar((v << 1) ^ (v >> 63));
    }

    /** Appends the bytes of another buffer. */
    public void putAll(ByteBuf o) {
        ensure(o.n);
        System.arraycopy(o.a, 0, a, n, o.n);
        n += o.n;
    }

    public byte get(long i) {
        return a[(int) i];
    }

    /** A reading position over this buffer. */
    public Reader reader(long from) {
        return new Reader(this, (int) from);
    }

    /** Reads values back in the order they were written. */
    public static final class Reader {
        private final ByteBuf buf;
        private int p;

        Reader(ByteBuf buf, int p) {
            this.buf = buf;
            this.p = p;
        }

        public void reset(int from) {
            p = from;
        }

        public int position() {
            return p;
        }

        public int get() {
            return buf.a[p++] & 0xFF;
        }

        public long getVar() {
            long v = 0;
            int shift = 0;
            byte[] a = buf.a;
            while (true) {
                byte b = a[p++];
                v |= (long) (b & 0x7F) << shift;
                if (b >= 0) return v;
                shift += 7;
            }
        }

        public int getVarInt() {
            return (int) getVar();
        }

        public long getSigned() {
            long v = getVar();
            return (v >>> 1) ^ -(v & 1);
        }
    }
}
