package org.mmspec.counterexamples;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.mmspec.invariants.Violation;
import org.mmspec.invariants.engine.Args;
import org.mmspec.invariants.engine.Counterexample;
import org.mmspec.invariants.engine.Outcome;
import org.mmspec.invariants.engine.Step;
import org.mmspec.reference.alloc.ConfigException;
import org.mmspec.reference.alloc.MachineConfig;
import org.mmspec.reference.alloc.PfnRange;
import org.mmspec.reference.alloc.ZoneConfig;
import org.mmspec.reference.reclaim.SwapConfig;
import org.mmspec.reference.alloc.ZoneType;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The counterexample file format, {@code "format": "mmspec-counterexample/1"}: the
 * configuration, the seed, the shrunk steps with their arguments and outcomes, the violated
 * invariant with its statement and citation, the evidence, and the engine's figures. Writing is
 * deterministic (fixed field order, "\n" line ends), so the same seed gives the same file byte
 * for byte. Reading rejects another format version, a truncated or malformed file, and missing
 * or mistyped fields with a message that names the field (and the line, for JSON syntax).
 */
public final class CounterexampleJson {
    public static final String FORMAT = "mmspec-counterexample/1";

    private static final ObjectMapper MAPPER = new ObjectMapper(JsonFactory.builder().build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.USE_BIG_INTEGER_FOR_INTS);
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private CounterexampleJson() {}

    /** A file that is not a readable counterexample; the message says what and where. */
    public static final class FormatException extends Exception {
        public FormatException(String message) {
            super(message);
        }
    }

    // ------------------------------------------------------------------ writing

    public static String write(Counterexample ce) {
        ObjectNode root = F.objectNode();
        root.put("format", FORMAT);
        root.put("subsystem", ce.subsystem());
        root.set("config", config(ce.config()));
        root.put("seed", ce.seed());
        root.put("try", ce.tryIndex());
        root.put("trySeed", ce.trySeed());
        ObjectNode inv = root.putObject("invariant");
        inv.put("id", ce.violation().invariantId());
        inv.put("statement", ce.statement());
        inv.put("citation", ce.citation());
        ObjectNode v = root.putObject("violation");
        v.put("step", ce.violationStep());
        ArrayNode evidence = v.putArray("evidence");
        for (Violation x : ce.allViolations()) evidence.add(violation(x));
        ArrayNode steps = root.putArray("steps");
        for (int i = 0; i < ce.steps().size(); i++) {
            Step s = ce.steps().get(i);
            ObjectNode st = steps.addObject();
            st.put("id", s.id());
            st.put("op", s.op());
            ObjectNode args = st.putObject("args");
            for (Map.Entry<String, Object> e : s.args().asMap().entrySet()) putValue(args, e.getKey(), e.getValue());
            if (i < ce.outcomes().size()) {
                Outcome o = ce.outcomes().get(i);
                ObjectNode out = st.putObject("outcome");
                out.put("kind", o.kind().name());
                out.put("text", o.text());
                for (Map.Entry<String, Object> e : o.facts().entrySet()) putValue(out, e.getKey(), e.getValue());
            }
        }
        ObjectNode engine = root.putObject("engine");
        for (Map.Entry<String, Object> e : ce.engine().entrySet()) putValue(engine, e.getKey(), e.getValue());
        try {
            DefaultPrettyPrinter pp = new DefaultPrettyPrinter();
            pp.indentArraysWith(new DefaultIndenter("  ", "\n"));
            pp.indentObjectsWith(new DefaultIndenter("  ", "\n"));
            return MAPPER.writer(pp).writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ObjectNode violation(Violation x) {
        ObjectNode n = F.objectNode();
        n.put("id", x.invariantId());
        n.put("message", x.message());
        ArrayNode pfns = n.putArray("pfns");
        for (long p : x.pfns()) pfns.add("0x" + Long.toHexString(p));
        ArrayNode nodes = n.putArray("nodes");
        for (String s : x.nodes()) nodes.add(s);
        return n;
    }

    private static void putValue(ObjectNode n, String k, Object v) {
        if (v instanceof Long l) n.put(k, l);
        else if (v instanceof Integer i) n.put(k, i);
        else if (v instanceof Boolean b) n.put(k, b);
        else if (v instanceof Double d) n.put(k, d);
        else n.put(k, String.valueOf(v));
    }

    public static ObjectNode config(MachineConfig c) {
        ObjectNode n = F.objectNode();
        n.put("name", c.name());
        n.put("maxPageOrder", c.maxPageOrder());
        n.put("pageblockOrder", c.pageblockOrder());
        ArrayNode zones = n.putArray("zones");
        for (ZoneConfig z : c.zones()) {
            ObjectNode zn = zones.addObject();
            zn.put("type", z.type().kernelName());
            zn.put("startPfn", "0x" + Long.toHexString(z.startPfn()));
            zn.put("spanned", z.spanned());
            zn.put("present", z.present());
            zn.put("managed", z.managed());
            ranges(zn, "holes", z.holes());
            ranges(zn, "reserved", z.reserved());
            ranges(zn, "cma", z.cma());
        }
        n.put("minFreeKbytes", c.minFreeKbytes());
        n.put("watermarkScaleFactor", c.watermarkScaleFactor());
        n.put("watermarkBoostFactor", c.watermarkBoostFactor());
        ArrayNode r = n.putArray("lowmemReserveRatio");
        for (int x : c.lowmemReserveRatio()) r.add(x);
        n.put("mobilityDisabled", c.mobilityDisabled());
        n.put("defragMode", c.defragMode());
        ArrayNode b = n.putArray("knownBugs");
        for (String s : c.knownBugs()) b.add(s);
        if (c.swap().present()) {
            // written only when there is a swap device, so files from before it existed round-trip
            ObjectNode sw = n.putObject("swap");
            sw.put("pages", c.swap().pages());
            sw.put("synchronousIo", c.swap().synchronousIo());
        }
        return n;
    }

    private static void ranges(ObjectNode zn, String name, List<PfnRange> rs) {
        if (rs.isEmpty()) return;
        ArrayNode a = zn.putArray(name);
        for (PfnRange r : rs) a.add("0x" + Long.toHexString(r.start()) + "-0x" + Long.toHexString(r.end()));
    }

    // ------------------------------------------------------------------ reading

    public static Counterexample read(String text) throws FormatException {
        JsonNode root;
        try (JsonParser p = MAPPER.getFactory().createParser(text)) {
            root = MAPPER.readTree(p);
        } catch (JsonProcessingException e) {
            JsonLocation loc = e.getLocation();
            String where = loc == null ? "" : " at line " + loc.getLineNr() + ", column " + loc.getColumnNr();
            String msg = e.getOriginalMessage();
            if (msg != null && msg.contains("end-of-input")) msg = "the file ends early (truncated?)";
            throw new FormatException("malformed JSON" + where + ": " + firstLine(msg));
        } catch (IOException e) {
            throw new FormatException("cannot read: " + e.getMessage());
        }
        if (root == null || root.isMissingNode() || root.isNull()) throw new FormatException("empty file: no JSON object");
        if (!root.isObject()) throw new FormatException("the file holds a JSON " + root.getNodeType().toString().toLowerCase()
                + ", not an object");
        String format = str(root, "format");
        if (!FORMAT.equals(format)) {
            throw new FormatException("field 'format' is \"" + format + "\"; this mmspec reads \"" + FORMAT + "\"");
        }
        String subsystem = str(root, "subsystem");
        MachineConfig config = readConfig(obj(root, "config"), "config");
        long seed = lng(root, "seed");
        int tryIndex = (int) lng(root, "try");
        long trySeed = lng(root, "trySeed");
        JsonNode inv = obj(root, "invariant");
        String id = str(inv, "id", "invariant.id");
        String statement = str(inv, "statement", "invariant.statement");
        String citation = str(inv, "citation", "invariant.citation");
        JsonNode v = obj(root, "violation");
        int vstep = (int) lng(v, "step", "violation.step");
        JsonNode ev = arr(v, "evidence", "violation.evidence");
        List<Violation> all = new ArrayList<>();
        for (int i = 0; i < ev.size(); i++) all.add(readViolation(ev.get(i), "violation.evidence[" + i + "]"));
        if (all.isEmpty()) throw new FormatException("field 'violation.evidence' is empty: it needs the violation found");
        JsonNode stepsNode = arr(root, "steps", "steps");
        List<Step> steps = new ArrayList<>();
        List<Outcome> outcomes = new ArrayList<>();
        for (int i = 0; i < stepsNode.size(); i++) {
            String where = "steps[" + i + "]";
            JsonNode sn = stepsNode.get(i);
            if (!sn.isObject()) throw new FormatException("field '" + where + "' is not an object");
            int sid = (int) lng(sn, "id", where + ".id");
            String op = str(sn, "op", where + ".op");
            JsonNode an = obj(sn, "args", where + ".args");
            Map<String, Object> args = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = an.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                args.put(e.getKey(), scalar(e.getValue(), where + ".args." + e.getKey()));
            }
            steps.add(new Step(sid, op, Args.fromMap(args)));
            JsonNode on = sn.get("outcome");
            if (on != null) {
                if (!on.isObject()) throw new FormatException("field '" + where + ".outcome' is not an object");
                String kind = str(on, "kind", where + ".outcome.kind");
                Outcome.Kind k;
                try {
                    k = Outcome.Kind.valueOf(kind);
                } catch (IllegalArgumentException e) {
                    throw new FormatException("field '" + where + ".outcome.kind' is \"" + kind
                            + "\", not one of OK, FAILED, REJECTED, SKIPPED");
                }
                Map<String, Object> facts = new LinkedHashMap<>();
                for (Iterator<Map.Entry<String, JsonNode>> it = on.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    if (e.getKey().equals("kind") || e.getKey().equals("text")) continue;
                    facts.put(e.getKey(), scalar(e.getValue(), where + ".outcome." + e.getKey()));
                }
                outcomes.add(new Outcome(k, str(on, "text", where + ".outcome.text"), facts));
            }
        }
        if (vstep >= steps.size()) {
            throw new FormatException("field 'violation.step' is " + vstep + " but the file has only " + steps.size() + " steps");
        }
        JsonNode en = obj(root, "engine");
        Map<String, Object> engine = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = en.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            engine.put(e.getKey(), scalar(e.getValue(), "engine." + e.getKey()));
        }
        Violation first = all.get(0);
        if (!first.invariantId().equals(id)) {
            throw new FormatException("field 'violation.evidence[0].id' is " + first.invariantId() + " but 'invariant.id' is " + id);
        }
        return new Counterexample(subsystem, config, seed, tryIndex, trySeed, steps, outcomes, vstep, first, all, statement,
                citation, engine);
    }

    private static Violation readViolation(JsonNode n, String where) throws FormatException {
        if (!n.isObject()) throw new FormatException("field '" + where + "' is not an object");
        String id = str(n, "id", where + ".id");
        String message = str(n, "message", where + ".message");
        List<Long> pfns = new ArrayList<>();
        JsonNode pn = arr(n, "pfns", where + ".pfns");
        for (int i = 0; i < pn.size(); i++) pfns.add(pfn(pn.get(i), where + ".pfns[" + i + "]"));
        List<String> nodes = new ArrayList<>();
        JsonNode nn = arr(n, "nodes", where + ".nodes");
        for (int i = 0; i < nn.size(); i++) {
            if (!nn.get(i).isTextual()) throw new FormatException("field '" + where + ".nodes[" + i + "]' is not a string");
            nodes.add(nn.get(i).asText());
        }
        return new Violation(id, message, pfns, nodes);
    }

    /** Reads a configuration object, naming the field of any error. */
    public static MachineConfig readConfig(JsonNode n, String where) throws FormatException {
        String name = str(n, "name", where + ".name");
        int maxOrder = (int) lng(n, "maxPageOrder", where + ".maxPageOrder");
        int pbOrder = (int) lng(n, "pageblockOrder", where + ".pageblockOrder");
        JsonNode zs = arr(n, "zones", where + ".zones");
        List<ZoneConfig> zones = new ArrayList<>();
        for (int i = 0; i < zs.size(); i++) {
            String zw = where + ".zones[" + i + "]";
            JsonNode z = zs.get(i);
            if (!z.isObject()) throw new FormatException("field '" + zw + "' is not an object");
            ZoneType type;
            try {
                type = ZoneType.parse(str(z, "type", zw + ".type"));
            } catch (IllegalArgumentException e) {
                throw new FormatException("field '" + zw + ".type': " + e.getMessage());
            }
            zones.add(new ZoneConfig(type, pfn(req(z, "startPfn", zw + ".startPfn"), zw + ".startPfn"),
                    lng(z, "spanned", zw + ".spanned"), lng(z, "present", zw + ".present"), lng(z, "managed", zw + ".managed"),
                    rangesOf(z, "holes", zw), rangesOf(z, "reserved", zw), rangesOf(z, "cma", zw)));
        }
        List<Integer> ratio = new ArrayList<>();
        JsonNode rn = arr(n, "lowmemReserveRatio", where + ".lowmemReserveRatio");
        for (int i = 0; i < rn.size(); i++) ratio.add((int) num(rn.get(i), where + ".lowmemReserveRatio[" + i + "]"));
        List<String> bugs = new ArrayList<>();
        JsonNode bn = arr(n, "knownBugs", where + ".knownBugs");
        for (int i = 0; i < bn.size(); i++) bugs.add(bn.get(i).asText());
        SwapConfig swap = SwapConfig.NONE;
        JsonNode sw = n.get("swap");
        if (sw != null) {
            if (!sw.isObject()) throw new FormatException("field '" + where + ".swap' is not an object");
            swap = new SwapConfig(lng(sw, "pages", where + ".swap.pages"), bool(sw, "synchronousIo", where + ".swap.synchronousIo"));
        }
        MachineConfig c = new MachineConfig(name, maxOrder, pbOrder, zones, lng(n, "minFreeKbytes", where + ".minFreeKbytes"),
                (int) lng(n, "watermarkScaleFactor", where + ".watermarkScaleFactor"),
                (int) lng(n, "watermarkBoostFactor", where + ".watermarkBoostFactor"), ratio,
                bool(n, "mobilityDisabled", where + ".mobilityDisabled"), bool(n, "defragMode", where + ".defragMode"), bugs,
                swap);
        try {
            return c.validate();
        } catch (ConfigException e) {
            throw new FormatException("field '" + where + "." + e.field() + "': " + e.getMessage().substring(e.field().length() + 2));
        }
    }

    private static List<PfnRange> rangesOf(JsonNode z, String name, String zw) throws FormatException {
        JsonNode a = z.get(name);
        if (a == null) return List.of();
        if (!a.isArray()) throw new FormatException("field '" + zw + "." + name + "' is not an array");
        List<PfnRange> out = new ArrayList<>();
        for (int i = 0; i < a.size(); i++) {
            try {
                out.add(PfnRange.parse(a.get(i).asText()));
            } catch (IllegalArgumentException e) {
                throw new FormatException("field '" + zw + "." + name + "[" + i + "]': " + e.getMessage());
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ field helpers

    private static JsonNode req(JsonNode n, String name, String where) throws FormatException {
        JsonNode v = n.get(name);
        if (v == null || v.isNull()) throw new FormatException("missing field '" + where + "'");
        return v;
    }

    private static String str(JsonNode n, String name) throws FormatException {
        return str(n, name, name);
    }

    private static String str(JsonNode n, String name, String where) throws FormatException {
        JsonNode v = req(n, name, where);
        if (!v.isTextual()) throw new FormatException("field '" + where + "' is " + v.getNodeType().toString().toLowerCase()
                + ", not a string");
        return v.asText();
    }

    private static long lng(JsonNode n, String name) throws FormatException {
        return lng(n, name, name);
    }

    private static long lng(JsonNode n, String name, String where) throws FormatException {
        return num(req(n, name, where), where);
    }

    private static long num(JsonNode v, String where) throws FormatException {
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw new FormatException("field '" + where + "' is " + shortText(v) + ", not an integer");
        }
        return v.asLong();
    }

    private static boolean bool(JsonNode n, String name, String where) throws FormatException {
        JsonNode v = req(n, name, where);
        if (!v.isBoolean()) throw new FormatException("field '" + where + "' is " + shortText(v) + ", not true or false");
        return v.asBoolean();
    }

    private static JsonNode obj(JsonNode n, String name) throws FormatException {
        return obj(n, name, name);
    }

    private static JsonNode obj(JsonNode n, String name, String where) throws FormatException {
        JsonNode v = req(n, name, where);
        if (!v.isObject()) throw new FormatException("field '" + where + "' is " + shortText(v) + ", not an object");
        return v;
    }

    private static JsonNode arr(JsonNode n, String name, String where) throws FormatException {
        JsonNode v = req(n, name, where);
        if (!v.isArray()) throw new FormatException("field '" + where + "' is " + shortText(v) + ", not an array");
        return v;
    }

    private static long pfn(JsonNode v, String where) throws FormatException {
        if (v.isIntegralNumber() && v.canConvertToLong()) return v.asLong();
        if (v.isTextual()) {
            try {
                return PfnRange.parsePfn(v.asText());
            } catch (IllegalArgumentException e) {
                throw new FormatException("field '" + where + "': " + e.getMessage());
            }
        }
        throw new FormatException("field '" + where + "' is " + shortText(v) + ", not a pfn");
    }

    private static Object scalar(JsonNode v, String where) throws FormatException {
        if (v.isIntegralNumber()) {
            if (!v.canConvertToLong()) throw new FormatException("field '" + where + "' is a number out of range");
            return v.asLong();
        }
        if (v.isTextual()) return v.asText();
        if (v.isBoolean()) return v.asBoolean();
        if (v.isFloatingPointNumber()) return v.asDouble();
        throw new FormatException("field '" + where + "' is " + shortText(v) + ", not a number, string or boolean");
    }

    private static String shortText(JsonNode v) {
        String t = v.getNodeType().toString().toLowerCase();
        String s = v.toString();
        return t + " " + (s.length() > 40 ? s.substring(0, 40) + "..." : s);
    }

    private static String firstLine(String s) {
        if (s == null) return "";
        int i = s.indexOf('\n');
        return i < 0 ? s : s.substring(0, i);
    }
}
