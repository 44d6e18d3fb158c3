package org.mmspec.conformance.trace;

import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Makes a long trace out of short real ones, for measuring the oracle: writes the base traces one
 * after another, again and again, each copy's timestamps shifted past the previous copy's, until
 * the wanted size. After each copy of a base it writes the mm_page_free (and mm_compaction_end)
 * events for what that base leaves allocated (or compacting), so every copy starts from the state
 * the first one did and a correct base stays correct however often it repeats. Streaming: the
 * bases are held in memory, the output never is.
 *
 * <pre>java -cp cli/target/mmspec.jar org.mmspec.conformance.trace.TraceRepeater OUT BYTES BASE...</pre>
 */
public final class TraceRepeater {
    private final List<Base> bases = new ArrayList<>();
    private long offsetMicros;
    private long events;

    /** One base trace: its event lines split around the timestamp, and the closing events. */
    private static final class Base {
        final List<byte[]> prefix = new ArrayList<>();
        final long[] ts;
        final List<byte[]> suffix = new ArrayList<>();
        final List<String> closing = new ArrayList<>();
        final long spanMicros;

        Base(byte[] text) {
            List<Long> stamps = new ArrayList<>();
            int start = 0;
            long first = -1, last = 0;
            for (int i = 0; i <= text.length; i++) {
                if (i < text.length && text[i] != '\n') continue;
                int end = i;
                if (end > start && text[start] != '#') {
                    int[] t = timestamp(text, start, end);
                    if (t != null) {
                        prefix.add(java.util.Arrays.copyOfRange(text, start, t[0]));
                        long us = parseMicros(text, t[0], t[1]);
                        stamps.add(us);
                        suffix.add(java.util.Arrays.copyOfRange(text, t[1], end));
                        if (first < 0) first = us;
                        last = us;
                    }
                }
                start = i + 1;
            }
            ts = stamps.stream().mapToLong(Long::longValue).toArray();
            for (int i = 0; i < ts.length; i++) ts[i] -= Math.max(first, 0);
            spanMicros = Math.max(0, last - first);
            TraceChecker c = new TraceChecker();
            TraceChecker.Report r = c.check(new ByteArrayInputStream(text), "base");
            if (r.violationCount > 0 || r.malformedCount > 0) {
                throw new IllegalArgumentException("a base trace must be clean: " + r.violationCount + " violations, "
                        + r.malformedCount + " malformed lines");
            }
            c.state().live.forEach((order, pfn) -> closing.add(String.format(
                    "%16s-%-7d [000] .....  %%s: mm_page_free: page=0000000000000000 pfn=0x%x order=%d", "repeater", 1, pfn, order)));
            for (Map.Entry<Integer, long[]> e : c.state().compaction.entrySet()) {
                long[] run = e.getValue();
                closing.add(String.format("%16s-%-7d [000] .....  %%s: mm_compaction_end: zone_start=0x%x migrate_pfn=0x%x "
                        + "free_pfn=0x%x zone_end=0x%x, mode=%s status=contended", "repeater", e.getKey(), run[0], run[0],
                        run[1], run[1], run[2] == 1 ? "sync" : "async"));
            }
        }
    }

    /** [start, end) of the timestamp digits (without the ':'), or null. */
    static int[] timestamp(byte[] b, int s, int e) {
        int rb = -1;
        for (int i = s; i < e; i++) {
            if (b[i] == '[') {
                int j = i + 1;
                while (j < e && b[j] >= '0' && b[j] <= '9') j++;
                if (j > i + 1 && j < e && b[j] == ']') {
                    rb = j;
                    break;
                }
            }
        }
        if (rb < 0) return null;
        int t = rb + 1;
        while (t < e) {
            while (t < e && b[t] == ' ') t++;
            int ts = t;
            while (t < e && b[t] != ' ') t++;
            if (t > ts && b[ts] >= '0' && b[ts] <= '9' && b[t - 1] == ':') return new int[] {ts, t - 1};
        }
        return null;
    }

    static long parseMicros(byte[] b, int s, int e) {
        long secs = 0, frac = 0;
        int digits = 0;
        boolean dot = false;
        for (int i = s; i < e; i++) {
            if (b[i] == '.') {
                dot = true;
            } else if (!dot) {
                secs = secs * 10 + (b[i] - '0');
            } else if (digits < 6) {
                frac = frac * 10 + (b[i] - '0');
                digits++;
            }
        }
        while (digits++ < 6) frac *= 10;
        return secs * 1_000_000 + frac;
    }

    public TraceRepeater(List<byte[]> baseTexts) {
        for (byte[] t : baseTexts) bases.add(new Base(t));
        offsetMicros = 1_000_000;
    }

    public long events() {
        return events;
    }

    /**
     * Writes copies until at least {@code targetBytes} (or exactly {@code maxEvents} event lines, when
     * positive) are written; returns the bytes written.
     */
    public long write(OutputStream raw, long targetBytes, long maxEvents) throws IOException {
        OutputStream out = new BufferedOutputStream(raw, 1 << 16);
        long bytes = 0;
        byte[] tsBuf = new byte[32];
        outer:
        while (true) {
            for (Base b : bases) {
                for (int i = 0; i < b.ts.length; i++) {
                    if (maxEvents > 0 && events >= maxEvents) break outer;
                    int n = formatMicros(b.ts[i] + offsetMicros, tsBuf);
                    out.write(b.prefix.get(i));
                    out.write(tsBuf, 0, n);
                    byte[] sfx = b.suffix.get(i);
                    out.write(sfx);
                    out.write('\n');
                    bytes += b.prefix.get(i).length + n + sfx.length + 1;
                    events++;
                }
                long endTs = offsetMicros + b.spanMicros + 1;
                for (String c : b.closing) {
                    if (maxEvents > 0 && events >= maxEvents) break outer;
                    byte[] line = (String.format(c, fmt(endTs)) + "\n").getBytes(StandardCharsets.ISO_8859_1);
                    out.write(line);
                    bytes += line.length;
                    events++;
                }
                offsetMicros = endTs + 1000;
                if (maxEvents <= 0 && bytes >= targetBytes) break outer;
            }
        }
        out.flush();
        return bytes;
    }

    private static String fmt(long us) {
        return String.format("%d.%06d", us / 1_000_000, us % 1_000_000);
    }

    private static int formatMicros(long us, byte[] buf) {
        String s = fmt(us);
        for (int i = 0; i < s.length(); i++) buf[i] = (byte) s.charAt(i);
        return s.length();
    }

    static byte[] readAll(Path p) throws IOException {
        try (InputStream in = TraceChecker.open(Files.newInputStream(p))) {
            return in.readAllBytes();
        }
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 3) {
            System.err.println("usage: TraceRepeater OUT BYTES BASE... (BYTES may end in K, M or G)");
            System.exit(2);
        }
        String sz = args[1].toUpperCase();
        long mult = sz.endsWith("G") ? 1L << 30 : sz.endsWith("M") ? 1L << 20 : sz.endsWith("K") ? 1L << 10 : 1;
        long target = Long.parseLong(mult == 1 ? sz : sz.substring(0, sz.length() - 1)) * mult;
        List<byte[]> texts = new ArrayList<>();
        for (int i = 2; i < args.length; i++) texts.add(readAll(Path.of(args[i])));
        TraceRepeater r = new TraceRepeater(texts);
        long t0 = System.nanoTime();
        long written;
        try (OutputStream out = Files.newOutputStream(Path.of(args[0]))) {
            written = r.write(out, target, 0);
        }
        System.out.printf("wrote %s: %,d bytes, %,d events in %.1f s%n", args[0], written, r.events(),
                (System.nanoTime() - t0) / 1e9);
    }
}
