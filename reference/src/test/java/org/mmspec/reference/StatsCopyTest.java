package org.mmspec.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The statistics objects copy their counters field by field (a reflective copy cost the bounded
 * explorer a third of its time): every public long counter must be in copyFrom, so a counter
 * added without its line fails here.
 */
class StatsCopyTest {
    @ParameterizedTest
    @ValueSource(strings = {"org.mmspec.reference.rmap.Rmap$RmapStats", "org.mmspec.reference.ksm.Ksm$KsmStats",
        "org.mmspec.reference.reclaim.ReclaimStats"})
    void copyFromCopiesEveryCounter(String name) throws Exception {
        Class<?> c = Class.forName(name);
        Constructor<?> k = c.getDeclaredConstructor();
        k.setAccessible(true);
        Object src = k.newInstance();
        Object dst = k.newInstance();
        int n = 0;
        for (Field f : c.getFields()) {
            if (f.getType() != long.class || Modifier.isStatic(f.getModifiers()) || Modifier.isFinal(f.getModifiers())) continue;
            f.setLong(src, 1000 + n++);
        }
        assertTrue(n > 10, name + " has its counters");
        Method copy = c.getDeclaredMethod("copyFrom", c);
        copy.setAccessible(true);
        copy.invoke(dst, src);
        for (Field f : c.getFields()) {
            if (f.getType() != long.class || Modifier.isStatic(f.getModifiers()) || Modifier.isFinal(f.getModifiers())) continue;
            assertEquals(f.getLong(src), f.getLong(dst), name + "." + f.getName() + " is not copied by copyFrom");
        }
    }
}
