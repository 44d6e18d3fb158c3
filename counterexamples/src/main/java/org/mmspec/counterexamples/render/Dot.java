package org.mmspec.counterexamples.render;

/** Small helpers for writing DOT and its HTML-like labels. */
public final class Dot {
    private Dot() {}

    /** The font every diagram uses; Graphviz and viz.js both know its metrics. */
    public static final String FONT = "Helvetica";
    public static final String RED = "#d40000";
    public static final String ORANGE = "#e06c00";

    /** Escapes text for an HTML-like label: {@code & < > "}. */
    public static String html(String s) {
        if (s == null) return "";
        StringBuilder sb = new StringBuilder(s.length() + 8);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> sb.append("&amp;");
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '"' -> sb.append("&quot;");
                case '\n' -> sb.append("<BR/>");
                default -> {
                    if (c < 0x20) sb.append(' ');
                    else sb.append(c);
                }
            }
        }
        return sb.toString();
    }

    /** A DOT double-quoted string: {@code "a \"b\""}. */
    public static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') sb.append('\\');
            if (c == '\n') {
                sb.append("\\n");
                continue;
            }
            sb.append(c);
        }
        return sb.append('"').toString();
    }

    /** Lower-case hex with a 0x prefix, as the kernel prints pfns. */
    public static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }

    /**
     * Breaks {@code text} at spaces into lines of at most about {@code width} characters and
     * escapes it for an HTML-like label, lines joined by {@code <BR ALIGN="LEFT"/>}.
     */
    public static String wrap(String text, int width) {
        StringBuilder out = new StringBuilder();
        StringBuilder line = new StringBuilder();
        for (String word : text.split(" ")) {
            if (line.length() > 0 && line.length() + 1 + word.length() > width) {
                out.append(html(line.toString())).append("<BR ALIGN=\"LEFT\"/>");
                line.setLength(0);
            }
            if (line.length() > 0) line.append(' ');
            line.append(word);
        }
        out.append(html(line.toString()));
        return out.toString();
    }
}
