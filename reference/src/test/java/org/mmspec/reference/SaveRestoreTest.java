package org.mmspec.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.mmspec.reference.alloc.ZoneType;

/**
 * Machine.saveState() and restoreState(): the int sequence restores the state exactly (same
 * fingerprint, same free blocks, same future), into a machine of any history of the same
 * configuration; a sequence for another geometry is refused.
 */
class SaveRestoreTest {
    static List<Integer> save(Machine m) {
        List<Integer> out = new ArrayList<>();
        m.saveState(out::add);
        return out;
    }

    static void restore(Machine m, List<Integer> ints) {
        int[] i = {0};
        m.restoreState(() -> ints.get(i[0]++));
        assertEquals(ints.size(), i[0], "restoreState reads exactly what saveState wrote");
    }

    @Test
    void restoresExactlyAndTheFutureIsTheSame() {
        Machine m = new Machine(Fixtures.smallWithCma());
        CopyDeterminismTest.run(m, 21, 250);
        m.warnings().warn("test", "a warning the state carries");
        List<Integer> saved = save(m);
        long fp = m.fingerprint();
        var blocks = Fixtures.allFreeBlocks(m);
        long[] nrFree = m.zone(ZoneType.NORMAL).nrFree.clone();

        Machine other = new Machine(Fixtures.smallWithCma());
        CopyDeterminismTest.run(other, 5, 100);
        assertNotEquals(fp, other.fingerprint());
        restore(other, saved);
        assertEquals(fp, other.fingerprint());
        assertEquals(blocks, Fixtures.allFreeBlocks(other));
        assertEquals(java.util.Arrays.toString(nrFree), java.util.Arrays.toString(other.zone(ZoneType.NORMAL).nrFree));
        assertEquals(m.warnings().count(), other.warnings().count());
        assertEquals(m.warnings().messages(), other.warnings().messages());
        assertEquals(saved, save(other), "saving the restored machine gives the same sequence");
        assertEquals(CopyDeterminismTest.run(m, 22, 300), CopyDeterminismTest.run(other, 22, 300));
    }

    @Test
    void aMachineWithProcessesIsRefused() {
        Machine m = new Machine(Fixtures.smallWithCma());
        save(m); // init alone: fine
        m.rmap().fork(org.mmspec.reference.rmap.Rmap.INIT_PID, 0);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> save(m));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("processes"), e.getMessage());
    }

    @Test
    void anotherGeometryIsRefused() {
        List<Integer> saved = save(new Machine(Fixtures.smallWithCma()));
        Machine m = new Machine(Fixtures.normal1k());
        int[] i = {0};
        assertThrows(IllegalArgumentException.class, () -> m.restoreState(() -> saved.get(i[0]++)));
    }
}
