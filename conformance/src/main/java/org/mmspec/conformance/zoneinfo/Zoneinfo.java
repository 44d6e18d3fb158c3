package org.mmspec.conformance.zoneinfo;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.mmspec.conformance.MalformedInputException;
import org.mmspec.reference.alloc.ZoneType;

/**
 * /proc/zoneinfo as mm/vmstat.c:zoneinfo_show_print (v6.18) prints it: for every zone of every
 * node (populated or not) "Node N, zone NAME", then pages free, boost, min, low, high, promo,
 * spanned, present, managed, cma and "protection: (...)" with one entry per zone type; populated
 * zones add their counters, pagesets and, last, "start_pfn:". {@link #parse} keeps what the
 * watermark check needs and rejects anything else malformed with the line number.
 */
public record Zoneinfo(List<ZoneEntry> zones) {
    /** Not printed: /proc/zoneinfo gives no start_pfn for an unpopulated zone. */
    public static final long NO_START_PFN = -1;

    /** One zone's block. {@code line} is the line of its "Node N, zone NAME" header. */
    public record ZoneEntry(int node, ZoneType type, long line, long free, long boost, long min, long low, long high,
                            long promo, long spanned, long present, long managed, long cma, long[] protection,
                            long startPfn) {
        public long[] watermarks() {
            return new long[] {min, low, high, promo};
        }

        public String label() {
            return "Node " + node + " " + type.kernelName();
        }
    }

    public Zoneinfo {
        zones = List.copyOf(zones);
    }

    /** The zones of one node, in zone order. */
    public List<ZoneEntry> node(int nid) {
        List<ZoneEntry> out = new ArrayList<>();
        for (ZoneEntry z : zones) if (z.node() == nid) out.add(z);
        return out;
    }

    public List<Integer> nodes() {
        List<Integer> out = new ArrayList<>();
        for (ZoneEntry z : zones) if (!out.contains(z.node())) out.add(z.node());
        return out;
    }

    private static final String[] FIELDS = {"boost", "min", "low", "high", "promo", "spanned", "present", "managed", "cma"};

    public static Zoneinfo parse(String text, String fileName) {
        List<ZoneEntry> out = new ArrayList<>();
        Builder cur = null;
        long lineNo = 0;
        try (BufferedReader r = new BufferedReader(new StringReader(text))) {
            String line;
            while ((line = r.readLine()) != null) {
                lineNo++;
                String t = line.trim();
                if (t.isEmpty()) continue;
                if (t.startsWith("Node ")) {
                    if (cur != null) out.add(cur.build(fileName));
                    cur = header(t, lineNo, fileName);
                    continue;
                }
                if (cur == null) {
                    throw new MalformedInputException(fileName, lineNo, "expected a 'Node N, zone NAME' line, found '"
                            + abbreviate(t) + "'");
                }
                String[] tok = t.split("\\s+");
                if (tok[0].equals("pages") && tok.length >= 2 && tok[1].equals("free")) {
                    if (tok.length != 3) throw bad(fileName, lineNo, "'pages free' takes one number", t);
                    cur.values[0] = number(tok[2], fileName, lineNo, "pages free");
                } else if (tok[0].equals("protection:")) {
                    cur.protection = protection(t, fileName, lineNo);
                } else if (tok[0].equals("start_pfn:")) {
                    if (tok.length != 2) throw bad(fileName, lineNo, "'start_pfn:' takes one number", t);
                    cur.startPfn = number(tok[1], fileName, lineNo, "start_pfn");
                } else {
                    for (int i = 0; i < FIELDS.length; i++) {
                        if (tok[0].equals(FIELDS[i])) {
                            if (tok.length != 2) throw bad(fileName, lineNo, "'" + FIELDS[i] + "' takes one number", t);
                            cur.values[i + 1] = number(tok[1], fileName, lineNo, FIELDS[i]);
                        }
                    }
                    // every other line (per-node stats, zone counters, pagesets) is not compared
                }
            }
        } catch (IOException e) {
            throw new MalformedInputException(fileName, 0, e.getMessage());
        }
        if (cur != null) out.add(cur.build(fileName));
        if (out.isEmpty()) throw new MalformedInputException(fileName, 0, "no 'Node N, zone NAME' block: not a /proc/zoneinfo");
        for (int i = 1; i < out.size(); i++) {
            ZoneEntry a = out.get(i - 1), b = out.get(i);
            if (a.node() == b.node() && a.type().idx() >= b.type().idx()) {
                throw new MalformedInputException(fileName, b.line(), "zone " + b.type().kernelName() + " of node "
                        + b.node() + " follows " + a.type().kernelName() + ": zones are printed in zone order");
            }
        }
        return new Zoneinfo(out);
    }

    private static final class Builder {
        final int node;
        final ZoneType type;
        final long line;
        /** pages free, then FIELDS. */
        final long[] values = new long[1 + FIELDS.length];
        long[] protection;
        long startPfn = NO_START_PFN;

        Builder(int node, ZoneType type, long line) {
            this.node = node;
            this.type = type;
            this.line = line;
            Arrays.fill(values, Long.MIN_VALUE);
        }

        ZoneEntry build(String file) {
            String where = "zone " + type.kernelName() + " of node " + node;
            if (values[0] == Long.MIN_VALUE) throw new MalformedInputException(file, line, where + " has no 'pages free' line");
            for (int i = 0; i < FIELDS.length; i++) {
                if (values[i + 1] == Long.MIN_VALUE) {
                    throw new MalformedInputException(file, line, where + " has no '" + FIELDS[i] + "' line");
                }
            }
            if (protection == null) throw new MalformedInputException(file, line, where + " has no 'protection:' line");
            long spanned = values[6], present = values[7], managed = values[8];
            if (present > spanned) {
                throw new MalformedInputException(file, line, where + ": present " + present + " > spanned " + spanned);
            }
            if (managed > present) {
                throw new MalformedInputException(file, line, where + ": managed " + managed + " > present " + present);
            }
            if (present > 0 && startPfn == NO_START_PFN) {
                throw new MalformedInputException(file, line, where + " is populated (present " + present
                        + ") but has no 'start_pfn:' line");
            }
            return new ZoneEntry(node, type, line, values[0], values[1], values[2], values[3], values[4], values[5],
                    spanned, present, managed, values[9], protection, startPfn);
        }
    }

    private static Builder header(String t, long lineNo, String file) {
        // "Node 0, zone      DMA"
        String[] parts = t.split(",", 2);
        if (parts.length != 2) throw bad(file, lineNo, "expected 'Node N, zone NAME'", t);
        String[] n = parts[0].trim().split("\\s+");
        String[] z = parts[1].trim().split("\\s+");
        if (n.length != 2 || z.length != 2 || !z[0].equals("zone")) throw bad(file, lineNo, "expected 'Node N, zone NAME'", t);
        int node = (int) number(n[1], file, lineNo, "node id");
        ZoneType type;
        try {
            type = ZoneType.parse(z[1]);
        } catch (IllegalArgumentException e) {
            throw new MalformedInputException(file, lineNo, e.getMessage());
        }
        return new Builder(node, type, lineNo);
    }

    private static long[] protection(String t, String file, long lineNo) {
        int open = t.indexOf('('), close = t.lastIndexOf(')');
        if (open < 0 || close < open) throw bad(file, lineNo, "expected 'protection: (a, b, ...)'", t);
        String[] parts = t.substring(open + 1, close).split(",");
        if (parts.length != ZoneType.MAX_NR_ZONES) {
            throw new MalformedInputException(file, lineNo, "protection has " + parts.length + " entries; the model's kernel"
                    + " (x86-64: DMA, DMA32, Normal, Movable, Device) prints " + ZoneType.MAX_NR_ZONES);
        }
        long[] p = new long[parts.length];
        for (int i = 0; i < parts.length; i++) p[i] = signedNumber(parts[i].trim(), file, lineNo, "protection[" + i + "]");
        return p;
    }

    private static long number(String s, String file, long lineNo, String what) {
        long v = signedNumber(s, file, lineNo, what);
        if (v < 0) throw new MalformedInputException(file, lineNo, what + " '" + s + "' is negative");
        return v;
    }

    private static long signedNumber(String s, String file, long lineNo, String what) {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw new MalformedInputException(file, lineNo, what + " '" + abbreviate(s) + "' is not an integer");
        }
    }

    private static MalformedInputException bad(String file, long lineNo, String what, String t) {
        return new MalformedInputException(file, lineNo, what + ", found '" + abbreviate(t) + "'");
    }

    static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }
}
