package org.mmspec.counterexamples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The counterexample reader never throws anything but FormatException with a message on bad
 * input: truncated files, flipped characters, deleted or mistyped fields, another format
 * version. A few thousand cases, seeded so failures reproduce.
 */
class JsonReaderFuzzTest {
    static String valid;

    @BeforeAll
    static void load() throws Exception {
        valid = Files.readString(Path.of("corpus", "boost-small-zone.json"), StandardCharsets.UTF_8);
    }

    /** Reads text; returns null when it parsed, else the FormatException's message. Fails on anything else. */
    static String outcome(String text) {
        try {
            CounterexampleJson.read(text);
            return null;
        } catch (CounterexampleJson.FormatException e) {
            assertTrue(e.getMessage() != null && !e.getMessage().isBlank(), "empty message for input");
            assertFalse(e.getMessage().contains("Exception"), "message leaks an exception name: " + e.getMessage());
            return e.getMessage();
        } catch (RuntimeException | StackOverflowError e) {
            throw new AssertionError("the reader threw " + e + " instead of a FormatException", e);
        }
    }

    @Test
    void everyTruncationIsReportedClearly() {
        qt().withFixedSeed(1).withExamples(1500).forAll(integers().between(0, 100_000)).checkAssert(cut -> {
            int at = cut % (valid.lastIndexOf('}') + 1); // cut anywhere before the closing brace
            String m = outcome(valid.substring(0, at));
            assertTrue(m != null, "a file truncated at " + at + " parsed");
        });
    }

    @Test
    void flippedCharactersNeverEscapeAsExceptions() {
        String alphabet = "{}[]\":,0123456789abcdefxX-+. \ntruefalsenull\\";
        qt().withFixedSeed(2).withExamples(1500).forAll(integers().between(0, Integer.MAX_VALUE),
                integers().between(0, alphabet.length() - 1), integers().between(1, 4)).checkAssert((pos, ch, n) -> {
            StringBuilder sb = new StringBuilder(valid);
            for (int i = 0; i < n; i++) {
                int at = (int) ((pos + i * 7919L) % sb.length());
                sb.setCharAt(at, alphabet.charAt((ch + i) % alphabet.length()));
            }
            outcome(sb.toString());
        });
    }

    @Test
    void deletedAndMistypedFieldsAreNamed() {
        String[] fields = {"\"format\"", "\"subsystem\"", "\"config\"", "\"seed\"", "\"try\"", "\"trySeed\"", "\"invariant\"",
            "\"violation\"", "\"steps\"", "\"engine\"", "\"maxPageOrder\"", "\"zones\"", "\"managed\"", "\"op\"", "\"args\""};
        for (String f : fields) {
            String renamed = valid.replaceFirst(f, "\"x" + f.substring(1));
            String m = outcome(renamed);
            assertTrue(m != null && m.contains(f.replace("\"", "")), "deleting " + f + " gave: " + m);
        }
        String m = outcome(valid.replaceFirst("\"maxPageOrder\" : 6", "\"maxPageOrder\" : \"six\""));
        assertTrue(m.contains("config.maxPageOrder"), m);
        m = outcome(valid.replaceFirst("\"managed\" : 1024", "\"managed\" : 99999"));
        assertTrue(m.contains("config.zones[1].managed"), m);
    }

    @Test
    void anotherFormatVersionIsRefusedByName() {
        String m = outcome(valid.replace("mmspec-counterexample/1", "mmspec-counterexample/2"));
        assertTrue(m.contains("mmspec-counterexample/2") && m.contains("mmspec-counterexample/1"), m);
    }

    @Test
    void syntaxErrorsNameTheLine() {
        String broken = valid.replaceFirst("\"seed\" :", "\"seed\" ::");
        String m = outcome(broken);
        assertTrue(m.matches(".*line \\d+.*"), m);
        assertThrows(CounterexampleJson.FormatException.class, () -> CounterexampleJson.read(""));
        assertEquals(null, outcome(valid));
    }
}
