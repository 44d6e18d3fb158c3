package org.mmspec.invariants.oracle;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The little JSON the oracle protocol needs, strict (RFC 8259): one value per line, objects
 * become {@code LinkedHashMap}, arrays {@code ArrayList}, integers {@code Long}, other numbers
 * {@code Double}, plus {@code String}, {@code Boolean} and {@link #NULL}. A line that is not JSON
 * is rejected with the column and what was expected, so a garbage answer can be reported exactly.
 */
public final class Json {
    private Json() {}

    /** JSON {@code null}. */
    public static final Object NULL = new Object() {
        @Override
        public String toString() {
            return "null";
        }
    };

    /** The text is not one JSON value; the message gives the column (1-based) and what was expected. */
    public static final class ParseException extends Exception {
        public ParseException(String message) {
            super(message);
        }
    }

    public static Object parse(String text) throws ParseException {
        Parser p = new Parser(text);
        p.ws();
        Object v = p.value(0);
        p.ws();
        if (p.i < text.length()) throw p.error("unexpected '" + printable(text.charAt(p.i)) + "' after the value");
        return v;
    }

    private static final class Parser {
        final String s;
        int i;

        Parser(String s) {
            this.s = s;
        }

        ParseException error(String what) {
            return new ParseException("column " + (i + 1) + ": " + what);
        }

        void ws() {
            while (i < s.length()) {
                char c = s.charAt(i);
                if (c == ' ' || c == '\t' || c == '\r' || c == '\n') i++;
                else break;
            }
        }

        Object value(int depth) throws ParseException {
            if (depth > 32) throw error("nested more than 32 deep");
            if (i >= s.length()) throw error("the line ends where a value was expected");
            char c = s.charAt(i);
            switch (c) {
                case '{':
                    return object(depth);
                case '[':
                    return array(depth);
                case '"':
                    return string();
                case 't':
                    return word("true", Boolean.TRUE);
                case 'f':
                    return word("false", Boolean.FALSE);
                case 'n':
                    return word("null", NULL);
                default:
                    if (c == '-' || (c >= '0' && c <= '9')) return number();
                    throw error("expected a JSON value, found '" + printable(c) + "'");
            }
        }

        Object word(String w, Object v) throws ParseException {
            if (!s.startsWith(w, i)) {
                int end = i;
                while (end < s.length() && end - i < 12 && Character.isLetterOrDigit(s.charAt(end))) end++;
                throw error("expected a JSON value, found '" + s.substring(i, Math.max(end, i + 1)) + "'");
            }
            i += w.length();
            return v;
        }

        Map<String, Object> object(int depth) throws ParseException {
            Map<String, Object> m = new LinkedHashMap<>();
            i++;
            ws();
            if (i < s.length() && s.charAt(i) == '}') {
                i++;
                return m;
            }
            while (true) {
                ws();
                if (i >= s.length() || s.charAt(i) != '"') throw error("expected a \"name\" in the object");
                String k = string();
                ws();
                if (i >= s.length() || s.charAt(i) != ':') throw error("expected ':' after \"" + k + "\"");
                i++;
                ws();
                Object v = value(depth + 1);
                if (m.containsKey(k)) throw error("the name \"" + k + "\" appears twice");
                m.put(k, v);
                ws();
                if (i >= s.length()) throw error("the line ends inside an object");
                char c = s.charAt(i++);
                if (c == '}') return m;
                if (c != ',') {
                    i--;
                    throw error("expected ',' or '}' in the object, found '" + printable(c) + "'");
                }
            }
        }

        List<Object> array(int depth) throws ParseException {
            List<Object> a = new ArrayList<>();
            i++;
            ws();
            if (i < s.length() && s.charAt(i) == ']') {
                i++;
                return a;
            }
            while (true) {
                ws();
                a.add(value(depth + 1));
                ws();
                if (i >= s.length()) throw error("the line ends inside an array");
                char c = s.charAt(i++);
                if (c == ']') return a;
                if (c != ',') {
                    i--;
                    throw error("expected ',' or ']' in the array, found '" + printable(c) + "'");
                }
            }
        }

        String string() throws ParseException {
            StringBuilder sb = new StringBuilder();
            i++;
            while (true) {
                if (i >= s.length()) throw error("the line ends inside a string");
                char c = s.charAt(i++);
                if (c == '"') return sb.toString();
                if (c < 0x20) {
                    i--;
                    throw error("control character in a string");
                }
                if (c != '\\') {
                    sb.append(c);
                    continue;
                }
                if (i >= s.length()) throw error("the line ends inside a string");
                char e = s.charAt(i++);
                switch (e) {
                    case '"', '\\', '/' -> sb.append(e);
                    case 'b' -> sb.append('\b');
                    case 'f' -> sb.append('\f');
                    case 'n' -> sb.append('\n');
                    case 'r' -> sb.append('\r');
                    case 't' -> sb.append('\t');
                    case 'u' -> {
                        if (i + 4 > s.length()) throw error("short \\u escape");
                        try {
                            sb.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                        } catch (NumberFormatException x) {
                            throw error("bad \\u escape");
                        }
                        i += 4;
                    }
                    default -> {
                        i--;
                        throw error("bad escape '\\" + printable(e) + "'");
                    }
                }
            }
        }

        Object number() throws ParseException {
            int start = i;
            if (s.charAt(i) == '-') i++;
            if (i >= s.length() || !Character.isDigit(s.charAt(i))) throw error("expected a digit");
            if (s.charAt(i) == '0' && i + 1 < s.length() && Character.isDigit(s.charAt(i + 1))) {
                throw error("a number may not start with 0");
            }
            while (i < s.length() && Character.isDigit(s.charAt(i))) i++;
            boolean integral = true;
            if (i < s.length() && s.charAt(i) == '.') {
                integral = false;
                i++;
                if (i >= s.length() || !Character.isDigit(s.charAt(i))) throw error("expected a digit after '.'");
                while (i < s.length() && Character.isDigit(s.charAt(i))) i++;
            }
            if (i < s.length() && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
                integral = false;
                i++;
                if (i < s.length() && (s.charAt(i) == '+' || s.charAt(i) == '-')) i++;
                if (i >= s.length() || !Character.isDigit(s.charAt(i))) throw error("expected a digit in the exponent");
                while (i < s.length() && Character.isDigit(s.charAt(i))) i++;
            }
            String t = s.substring(start, i);
            if (integral) {
                try {
                    return Long.parseLong(t);
                } catch (NumberFormatException e) {
                    return Double.parseDouble(t); // out of range: kept as a number, rejected by the caller
                }
            }
            return Double.parseDouble(t);
        }
    }

    private static String printable(char c) {
        return c < 0x20 || c > 0x7e ? String.format("\\u%04x", (int) c) : String.valueOf(c);
    }

    // ------------------------------------------------------------------ writing

    /** Compact JSON of maps (in their order), lists, strings, numbers, booleans and {@link #NULL}. */
    public static String write(Object v) {
        StringBuilder sb = new StringBuilder();
        write(sb, v);
        return sb.toString();
    }

    private static void write(StringBuilder sb, Object v) {
        if (v == null || v == NULL) {
            sb.append("null");
        } else if (v instanceof String str) {
            quote(sb, str);
        } else if (v instanceof Map<?, ?> m) {
            sb.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!first) sb.append(',');
                first = false;
                quote(sb, String.valueOf(e.getKey()));
                sb.append(':');
                write(sb, e.getValue());
            }
            sb.append('}');
        } else if (v instanceof List<?> l) {
            sb.append('[');
            for (int k = 0; k < l.size(); k++) {
                if (k > 0) sb.append(',');
                write(sb, l.get(k));
            }
            sb.append(']');
        } else if (v instanceof long[] a) {
            sb.append('[');
            for (int k = 0; k < a.length; k++) {
                if (k > 0) sb.append(',');
                sb.append(a[k]);
            }
            sb.append(']');
        } else {
            sb.append(v);
        }
    }

    private static void quote(StringBuilder sb, String s) {
        sb.append('"');
        for (int k = 0; k < s.length(); k++) {
            char c = s.charAt(k);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) sb.append(String.format("\\u%04x", (int) c));
                    else sb.append(c);
                }
            }
        }
        sb.append('"');
    }

    /** An object built from name/value pairs, in order: {@code obj("op", "alloc", "order", 2)}. */
    public static Map<String, Object> obj(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int k = 0; k + 1 < kv.length; k += 2) m.put((String) kv[k], kv[k + 1]);
        return m;
    }
}
