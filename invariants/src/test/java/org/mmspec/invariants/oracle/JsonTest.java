package org.mmspec.invariants.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** The protocol's JSON: strict, and its errors name the column. */
class JsonTest {
    @Test
    void parsesWhatTheProtocolUses() throws Exception {
        Object v = Json.parse(" {\"ok\":true,\"free_blocks\":[[0,3],[8,3]],\"name\":\"c\\u0041\\n\",\"x\":null,\"y\":-1.5e2} ");
        assertTrue(v instanceof Map<?, ?>);
        Map<?, ?> m = (Map<?, ?>) v;
        assertEquals(Boolean.TRUE, m.get("ok"));
        assertEquals(List.of(List.of(0L, 3L), List.of(8L, 3L)), m.get("free_blocks"));
        assertEquals("cA\n", m.get("name"));
        assertEquals(Json.NULL, m.get("x"));
        assertEquals(-150.0, m.get("y"));
        assertEquals("{\"op\":\"alloc\",\"order\":2,\"migratetype\":\"movable\"}",
                Json.write(Json.obj("op", "alloc", "order", 2, "migratetype", "movable")));
        assertEquals("{\"s\":\"a\\\"b\\\\c\\n\"}", Json.write(Json.obj("s", "a\"b\\c\n")));
    }

    @Test
    void rejectsGarbageNamingTheColumn() {
        String[][] cases = {
            {"this is not json", "column 1: expected a JSON value, found 'this'"},
            {"{\"ok\":true", "column 11: the line ends inside an object"},
            {"{\"ok\":true} x", "column 13: unexpected 'x' after the value"},
            {"{\"ok\":tru}", "column 7: expected a JSON value, found 'tru'"},
            {"{\"a\":1,\"a\":2}", "the name \"a\" appears twice"},
            {"[01]", "column 2: a number may not start with 0"},
            {"", "column 1: the line ends where a value was expected"},
            {"{ok:true}", "column 2: expected a \"name\" in the object"},
        };
        for (String[] c : cases) {
            Json.ParseException e = assertThrows(Json.ParseException.class, () -> Json.parse(c[0]), c[0]);
            assertTrue(e.getMessage().contains(c[1]), c[0] + " -> " + e.getMessage());
        }
    }
}
