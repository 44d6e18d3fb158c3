package org.mmspec.invariants.engine;

import java.util.Arrays;
import java.util.function.IntConsumer;
import java.util.function.IntSupplier;

/**
 * Compresses a state written as a sequence of ints (the reference's {@code saveState}) against a
 * template sequence of the same length (the booted state's): runs of ints equal to the
 * template's are written as their length, the others as their zigzagged difference, in varints. A state that differs from
 * boot in a few places takes a few bytes per difference. One instance per thread: it keeps its
 * scratch array.
 */
public final class IntDelta {
    private int[] template;
    private int[] ints;
    private int n;
    private final IntConsumer sink = v -> {
        if (n == ints.length) ints = Arrays.copyOf(ints, ints.length * 2);
        ints[n++] = v;
    };
    private int readPos;
    private int readEnd;
    private final IntSupplier source = () -> {
        if (readPos >= readEnd) throw new IllegalStateException("saved state read past its end (" + readEnd + " ints)");
        return ints[readPos++];
    };

    /** A delta coder against the template this writer function produces. */
    public IntDelta(java.util.function.Consumer<IntConsumer> writeTemplate) {
        this.ints = new int[256];
        this.n = 0;
        writeTemplate.accept(sink);
        this.template = Arrays.copyOf(ints, n);
        this.ints = new int[Math.max(16, n)];
        this.n = 0;
    }

    private IntDelta(int[] template) {
        this.template = template;
        this.ints = new int[Math.max(16, template.length)];
    }


    /** Another coder with the same template and its own scratch space (for another thread). */
    public IntDelta fork() {
        return new IntDelta(template);
    }

    public int templateLength() {
        return template.length;
    }

    /** Starts a new sequence; write it to {@link #sink()}, then call {@link #writeTo}. */
    public IntConsumer begin() {
        n = 0;
        return sink;
    }

    /** Appends the sequence written since {@link #begin}, compressed against the template. */
    public void writeTo(ByteBuf out) {
        int[] t = template;
        int[] v = ints;
        int len = n;
        if (len > t.length) t = padTemplate(len);
        out.putVar(len);
        int i = 0;
        while (i < len) {
            int start = i;
            while (i < len && v[i] == t[i]) i++;
            out.putVar(i - start);
            if (i < len) {
                out.putVar(code(v[i], t[i]));
                i++;
            }
        }
    }

    /** Decompresses the sequence at {@code in} and returns a source that yields it in order. */
    public IntSupplier read(ByteBuf.Reader in) {
        int len = in.getVarInt();
        int[] t = len > template.length ? padTemplate(len) : template;
        if (ints.length < len) ints = new int[len];
        int[] v = ints;
        int i = 0;
        while (i < len) {
            int run = in.getVarInt();
            System.arraycopy(t, i, v, i, run);
            i += run;
            if (i < len) {
                v[i] = decode(in.getVar(), t[i]);
                i++;
            }
        }
        n = len;
        readPos = 0;
        readEnd = len;
        return source;
    }

    /**
     * One int that differs from the template's, as whichever is shorter: its difference,
     * zigzagged (list links and counters move by small amounts), or the bits that differ, rotated
     * so that the page-flag bits high in the word (PGTY_buddy, the zone) come out low; the low bit
     * says which.
     */
    static long code(int v, int t) {
        long d = (long) v - t;
        long zig = (d << 1) ^ (d >> 63);
        long rot = Integer.toUnsignedLong(Integer.rotateLeft(v ^ t, ROTATE));
        return zig <= rot ? zig << 1 : (rot << 1) | 1;
    }

    static int decode(long c, int t) {
        long x = c >>> 1;
        if ((c & 1) == 0) return (int) (t + ((x >>> 1) ^ -(x & 1)));
        return t ^ Integer.rotateRight((int) x, ROTATE);
    }

    /** Bits 23 and up (page type, ghost bits, zone) rotate to the bottom. */
    private static final int ROTATE = 9;

    /** A state longer than the template (an optional array allocated since boot) compares its tail with zeros. */
    private int[] padTemplate(int len) {
        template = Arrays.copyOf(template, len);
        return template;
    }

    /** Whether the last sequence read was consumed exactly. */
    public boolean readAll() {
        return readPos == readEnd;
    }
}
