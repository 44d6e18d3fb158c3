package org.mmspec.conformance.extfrag;

import java.util.ArrayList;
import java.util.List;

import org.mmspec.conformance.MalformedInputException;

/**
 * The per-zone line format mm/vmstat.c (v6.18) uses for /proc/buddyinfo (frag_show_print) and
 * debugfs extfrag/unusable_index and extfrag/extfrag_index (unusable_show_print,
 * extfrag_show_print): {@code "Node %d, zone %8s "} then one value per order, NR_PAGE_ORDERS of
 * them. Only populated zones are printed.
 */
public record ZoneLines(List<Line> lines) {
    /** One zone's line: its node, zone name and the values as printed, one per order. */
    public record Line(int node, String zone, long lineNo, List<String> values) {
        public String key() {
            return "Node " + node + " " + zone;
        }
    }

    public ZoneLines {
        lines = List.copyOf(lines);
    }

    public Line find(int node, String zone) {
        for (Line l : lines) if (l.node() == node && l.zone().equals(zone)) return l;
        return null;
    }

    public static ZoneLines parse(String text, String file) {
        List<Line> out = new ArrayList<>();
        String[] ls = text.split("\n", -1);
        int width = -1;
        for (int i = 0; i < ls.length; i++) {
            String t = ls[i].trim();
            long no = i + 1;
            if (t.isEmpty()) continue;
            String[] parts = t.split(",", 2);
            String[] head = parts[0].trim().split("\\s+");
            if (parts.length != 2 || head.length != 2 || !head[0].equals("Node")) {
                throw new MalformedInputException(file, no, "expected 'Node N, zone NAME v0 v1 ...', found '" + abbreviate(t) + "'");
            }
            int node;
            try {
                node = Integer.parseInt(head[1]);
            } catch (NumberFormatException e) {
                throw new MalformedInputException(file, no, "node id '" + head[1] + "' is not an integer");
            }
            String[] rest = parts[1].trim().split("\\s+");
            if (rest.length < 3 || !rest[0].equals("zone")) {
                throw new MalformedInputException(file, no, "expected 'zone NAME' and at least one value after 'Node "
                        + node + ",'");
            }
            List<String> values = new ArrayList<>();
            for (int k = 2; k < rest.length; k++) values.add(rest[k]);
            if (width < 0) width = values.size();
            if (values.size() != width) {
                throw new MalformedInputException(file, no, values.size() + " values; the lines above have " + width
                        + " (one per order)");
            }
            if (out.stream().anyMatch(l -> l.node() == node && l.zone().equals(rest[1]))) {
                throw new MalformedInputException(file, no, "zone " + rest[1] + " of node " + node + " appears twice");
            }
            out.add(new Line(node, rest[1], no, values));
        }
        if (out.isEmpty()) throw new MalformedInputException(file, 0, "no 'Node N, zone NAME' line");
        return new ZoneLines(out);
    }

    /** nr_free per order from a buddyinfo line, rejecting what is not a non-negative integer. */
    public static long[] nrFree(Line l, String file) {
        long[] v = new long[l.values().size()];
        for (int i = 0; i < v.length; i++) {
            try {
                v[i] = Long.parseLong(l.values().get(i));
            } catch (NumberFormatException e) {
                throw new MalformedInputException(file, l.lineNo(), "nr_free of order " + i + " '" + l.values().get(i)
                        + "' is not an integer");
            }
            if (v[i] < 0) throw new MalformedInputException(file, l.lineNo(), "nr_free of order " + i + " is negative");
        }
        return v;
    }

    /** Parses an index as printed ("%d.%03d": "0.066", "-1.000", "0.-500") into thousandths. */
    public static int index(String s, String file, long lineNo, int order) {
        int dot = s.indexOf('.');
        if (dot <= 0 || dot == s.length() - 1) {
            throw new MalformedInputException(file, lineNo, "index of order " + order + " '" + s
                    + "' is not %d.%03d");
        }
        try {
            int whole = Integer.parseInt(s.substring(0, dot));
            String fs = s.substring(dot + 1);
            int frac = Integer.parseInt(fs);
            if (fs.replace("-", "").length() < 3) throw new NumberFormatException();
            return whole * 1000 + frac;
        } catch (NumberFormatException e) {
            throw new MalformedInputException(file, lineNo, "index of order " + order + " '" + s + "' is not %d.%03d");
        }
    }

    static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }
}
