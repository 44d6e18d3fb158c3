package org.mmspec.reference.rmap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.ObjIntConsumer;

import org.junit.jupiter.api.Test;
import org.mmspec.reference.Fixtures;
import org.mmspec.reference.Machine;

/**
 * The model's own bookkeeping of the rmap state, which the model checker relies on: the
 * fingerprint distinguishes two states that differ in any one field the kernel keeps (an mm's
 * pid, ppid, rss counters; a VMA's id, range, pgoff, flags, anon_vma; a chain's anon_vma, its
 * interval-tree key; an anon_vma's root, parent, refcount, num_children, num_active_vmas; a PTE;
 * a page's content; an isolated folio; the id counters), and copyFrom() carries every field over
 * into a state that had other contents, sharing nothing. No kernel counterpart: these pin the
 * model-checking machinery, so the expectations are the definitions themselves.
 */
class RmapStateTest {
    static final long A = 0x20;

    static Machine machine() {
        return new Machine(Fixtures.normalOnly(0, 256, 6, 3).withMinFreeKbytes(0));
    }

    /**
     * A state with one of everything: init and a fork child sharing an anon_vma tree, written
     * pages, a COW copy, a folio isolated for migration; plus, set directly, the null cases the
     * fingerprint guards (a chain with no anon_vma, an anon_vma with no root or parent, a
     * migration with no anon_vma) and a last task, VMA and anon_vma so that every object kind is
     * followed by another one in the hash order.
     */
    static Rmap base() {
        Rmap r = machine().rmap();
        r.mmap(1, A, 4);
        r.access(1, A, true, 5);
        long p1 = r.access(1, A + 1, true, 6).pfn();
        int c = r.fork(1, 0);
        r.access(c, A + 2, true, 7);
        r.access(c, A, true, 8);
        assertEquals(0, r.migrate_folio_unmap(p1));
        MmStruct last = new MmStruct(90, 1);
        VmAreaStruct v = new VmAreaStruct(500);
        v.vm_mm = last;
        v.vm_start = 0x100;
        v.vm_end = 0x101;
        AnonVmaChain nullAv = new AnonVmaChain(600); // anon_vma == null
        nullAv.vma = v;
        v.anon_vma_chain.add(nullAv);
        last.mm_mt.put(v.vm_start, v);
        VmAreaStruct v2 = new VmAreaStruct(501);
        v2.vm_mm = last;
        v2.vm_start = 0x200;
        v2.vm_end = 0x201;
        last.mm_mt.put(v2.vm_start, v2);
        last.pgtable.put(0x300L, 0x11L);
        r.tasks.put(last.pid, last);
        AnonVma orphan = new AnonVma(700); // root and parent null
        r.anonVmas.put(orphan.id, orphan);
        AnonVma lastAv = new AnonVma(701);
        lastAv.root = lastAv;
        lastAv.parent = lastAv;
        r.anonVmas.put(lastAv.id, lastAv);
        r.migrations.put(0xFFF0L, new Migration(0xFFF0L, 0xFFF1L, null, false));
        r.migrations.put(0xFFF2L, new Migration(0xFFF2L, 0xFFF3L, null, true));
        r.content.put(0xFFFF0L, 3L);
        return r;
    }

    static MmStruct mm1(Rmap r) {
        return r.tasks.get(1);
    }

    static VmAreaStruct vma1(Rmap r) {
        return mm1(r).mm_mt.firstEntry().getValue();
    }

    static AnonVma root(Rmap r) {
        return vma1(r).anon_vma.root;
    }

    static MmStruct lastMm(Rmap r) {
        return r.tasks.get(90);
    }

    /** Each perturbation sets one field to a value made of k (0..15), on a fresh base state. */
    static Map<String, ObjIntConsumer<Rmap>> perturbations() {
        Map<String, ObjIntConsumer<Rmap>> p = new LinkedHashMap<>();
        p.put("extra task pid", (r, k) -> r.tasks.put(100 + k, new MmStruct(100 + k, 1)));
        p.put("extra task ppid", (r, k) -> r.tasks.put(100, new MmStruct(100, k)));
        p.put("mm rssAnon", (r, k) -> mm1(r).rssAnon = k);
        p.put("mm rssSwap", (r, k) -> mm1(r).rssSwap = k);
        p.put("vma id", (r, k) -> {
            VmAreaStruct v = new VmAreaStruct(k + 1);
            v.vm_mm = lastMm(r);
            v.vm_start = 0x400;
            v.vm_end = 0x401;
            lastMm(r).mm_mt.put(v.vm_start, v);
        });
        p.put("vm_start", (r, k) -> vma1(r).vm_start = k);
        p.put("vm_end", (r, k) -> vma1(r).vm_end = k);
        p.put("vm_pgoff", (r, k) -> vma1(r).vm_pgoff = k);
        p.put("vm_flags", (r, k) -> vma1(r).vm_flags = k);
        p.put("vma anon_vma", (r, k) -> vma1(r).anon_vma = new AnonVma(k + 1));
        p.put("chain id", (r, k) -> {
            AnonVmaChain c = new AnonVmaChain(k + 1);
            c.anon_vma = root(r);
            vma1(r).anon_vma_chain.add(c);
        });
        p.put("chain anon_vma", (r, k) -> vma1(r).anon_vma_chain.get(0).anon_vma = new AnonVma(k + 1));
        p.put("pte value", (r, k) -> mm1(r).pgtable.put(A + 3, (long) k));
        p.put("pte address", (r, k) -> mm1(r).pgtable.put(0x1000L + k, 1L));
        p.put("anon_vma id", (r, k) -> {
            AnonVma a = new AnonVma(k + 1);
            r.anonVmas.put(a.id, a);
        });
        p.put("anon_vma root", (r, k) -> root(r).root = new AnonVma(k + 1));
        p.put("anon_vma parent", (r, k) -> root(r).parent = new AnonVma(k + 1));
        p.put("anon_vma refcount", (r, k) -> root(r).refcount = k);
        p.put("anon_vma num_children", (r, k) -> root(r).num_children = k);
        p.put("anon_vma num_active_vmas", (r, k) -> root(r).num_active_vmas = k);
        p.put("tree chain id", (r, k) -> root(r).rb_root.add(treeChain(k + 1000, 0, 0)));
        p.put("tree chain rbStart", (r, k) -> root(r).rb_root.add(treeChain(1000, k, 0)));
        p.put("tree chain seq", (r, k) -> root(r).rb_root.add(treeChain(1000, 0, k)));
        p.put("content value", (r, k) -> r.content.put(0x5000L, (long) k));
        p.put("content pfn", (r, k) -> r.content.put(0x5000L + k, 1L));
        p.put("migration src", (r, k) -> r.migrations.put(0x5000L, new Migration(k, 1, null, false)));
        p.put("migration dst", (r, k) -> r.migrations.put(0x5000L, new Migration(1, k, null, false)));
        p.put("migration anon_vma", (r, k) -> r.migrations.put(0x5000L, new Migration(1, 1, new AnonVma(k + 1), false)));
        p.put("nextPid", (r, k) -> r.nextPid = k);
        p.put("nextVmaId", (r, k) -> r.nextVmaId = k);
        p.put("nextAnonVmaId", (r, k) -> r.nextAnonVmaId = k);
        p.put("nextAvcId", (r, k) -> r.nextAvcId = k);
        p.put("nextSeq", (r, k) -> r.nextSeq = k);
        return p;
    }

    static AnonVmaChain treeChain(int id, long start, long seq) {
        AnonVmaChain c = new AnonVmaChain(id);
        c.rbStart = start;
        c.rbLast = start;
        c.seq = seq;
        return c;
    }

    /** The fingerprint tells apart 16 values of every field it covers. */
    @Test
    void fingerprintSeparatesSixteenValuesOfEveryField() {
        long baseFp = base().fingerprint();
        assertEquals(baseFp, base().fingerprint(), "deterministic");
        for (Map.Entry<String, ObjIntConsumer<Rmap>> e : perturbations().entrySet()) {
            Set<Long> seen = new HashSet<>();
            for (int k = 0; k < 16; k++) {
                Rmap r = base();
                e.getValue().accept(r, k);
                seen.add(r.fingerprint());
            }
            assertEquals(16, seen.size(), e.getKey() + ": 16 values, 16 fingerprints");
        }
    }

    /** Whether a folio isolated for migration was mapped is part of the state. */
    @Test
    void fingerprintSeparatesPageWasMapped() {
        Rmap a = base();
        Rmap b = base();
        a.migrations.put(0x5000L, new Migration(1, 1, null, false));
        b.migrations.put(0x5000L, new Migration(1, 1, null, true));
        assertNotEquals(a.fingerprint(), b.fingerprint());
    }

    /** copyFrom() over a state with other tasks, anon_vmas, contents, stamps and migrations replaces them all. */
    @Test
    void copyFromReplacesEverythingAndSharesNothing() {
        Machine a = machine();
        RmapTest.drive(a.rmap(), new SplittableRandom(21), 200);
        Rmap ra = a.rmap();
        // one folio isolated, so the migrations are not empty
        long pfnA = ra.contents().keySet().stream().filter(p -> ra.mapcount(p) > 0 && ra.folioTestAnon(p)
                && !ra.migrations().containsKey(p)).findFirst().orElseThrow();
        ra.migrate_folio_unmap(pfnA);
        ra.warnings.warn("test", "a warning to carry over");
        Machine d = machine();
        Rmap rd = d.rmap();
        // the target holds things the source does not
        rd.mmap(1, 0x900, 1);
        rd.access(1, 0x900, true, 77);
        rd.fork(1, 0);
        rd.fork(1, 0);
        rd.fork(1, 0);
        rd.fork(1, 0);
        rd.fork(1, 0);
        rd.fork(1, 0);
        rd.fork(1, 0);
        rd.fork(1, 0);
        rd.access(1, 0x900, true, 78);
        rd.content.put(0xABCDEL, 9L);
        rd.contentStamp.put(0xABCDEL, 9L);
        rd.migrations.put(0xABCDEL, new Migration(0xABCDEL, 1, null, false));
        AnonVma stray = new AnonVma(999);
        rd.anonVmas.put(stray.id, stray);
        d.copyFrom(a);
        assertEquals(ra.fingerprint(), rd.fingerprint());
        assertEquals(ra.tasks().keySet(), rd.tasks().keySet());
        assertEquals(ra.anonVmas().keySet(), rd.anonVmas().keySet());
        assertEquals(ra.contents(), rd.contents());
        assertEquals(ra.migrations().keySet(), rd.migrations().keySet());
        assertEquals(0, rd.contentStamp(0xABCDEL));
        for (long pfn : ra.contents().keySet()) assertEquals(ra.contentStamp(pfn), rd.contentStamp(pfn), "pfn " + pfn);
        assertEquals(ra.warnings().messages(), rd.warnings().messages());
        assertEquals(ra.stats.figures(), rd.stats.figures());
        // the copy's graph is its own: same ids, other objects, every field carried
        for (MmStruct m : ra.tasks().values()) {
            MmStruct cm = rd.task(m.pid());
            assertFalse(m == cm);
            assertEquals(m.ppid, cm.ppid);
            assertEquals(m.rssAnon(), cm.rssAnon());
            assertEquals(m.rssSwap(), cm.rssSwap());
            assertEquals(m.pageTable(), cm.pageTable());
            assertEquals(m.name(), cm.name());
            assertEquals("mm#" + m.pid, m.toString());
            for (VmAreaStruct v : m.vmas().values()) {
                VmAreaStruct cv = cm.findVma(v.start());
                assertEquals(v.id(), cv.id());
                assertFalse(v == cv);
                assertSame(cm, cv.mm());
                assertEquals(v.toString(), cv.toString());
                assertEquals(v.pgoff(), cv.pgoff());
                assertEquals(v.flags(), cv.flags());
                assertEquals(v.anonVma() == null ? null : v.anonVma().id(), cv.anonVma() == null ? null : cv.anonVma().id());
                assertEquals(v.chain().size(), cv.chain().size());
                for (int i = 0; i < v.chain().size(); i++) {
                    AnonVmaChain x = v.chain().get(i);
                    AnonVmaChain cx = cv.chain().get(i);
                    assertEquals(x.id(), cx.id());
                    assertSame(cv, cx.vma());
                    assertEquals(x.anonVma().id(), cx.anonVma().id());
                    assertSame(rd.anonVmas().get(x.anonVma().id()), cx.anonVma());
                    assertEquals(x.rbStart(), cx.rbStart());
                    assertEquals(x.rbLast(), cx.rbLast());
                    assertEquals(x.inTree(), cx.inTree());
                    assertTrue(cx.rbLast() >= cx.rbStart());
                }
            }
        }
        for (AnonVma x : ra.anonVmas().values()) {
            AnonVma cx = rd.anonVmas().get(x.id());
            assertFalse(x == cx);
            assertEquals(x.id(), cx.id());
            assertEquals(x.root().id(), cx.root().id());
            assertEquals(x.parent().id(), cx.parent().id());
            assertEquals(x.refcount(), cx.refcount());
            assertEquals(x.numChildren(), cx.numChildren());
            assertEquals(x.numActiveVmas(), cx.numActiveVmas());
            assertEquals(x.freed(), cx.freed());
            assertEquals(x.rbEmpty(), cx.rbEmpty());
            assertEquals(x.rbRoot().size(), cx.rbRoot().size());
        }
        for (Migration m : ra.migrations().values()) {
            Migration cm = rd.migrations().get(m.src());
            assertEquals(m.dst(), cm.dst());
            assertEquals(m.pageWasMapped(), cm.pageWasMapped());
            assertEquals(m.anonVma().id(), cm.anonVma().id());
            assertSame(rd.anonVmas().get(m.anonVma().id()), cm.anonVma());
        }
        // independence: changing the copy leaves the original alone
        long fa = ra.fingerprint();
        RmapTest.drive(rd, new SplittableRandom(22), 50);
        assertEquals(fa, ra.fingerprint());
    }

    /**
     * A chain left in an anon_vma's tree after its VMA went (only a corrupted state has one) is
     * copied too, with its interval-tree key and its place in the tree.
     */
    @Test
    void copyFromKeepsAChainWhoseVmaIsGone() {
        Machine a = machine();
        Rmap ra = a.rmap();
        ra.mmap(1, A, 1);
        ra.access(1, A, true, 1);
        AnonVma av = ra.task(1).findVma(A).anonVma();
        AnonVmaChain orphan = treeChain(4242, A + 7, 99);
        orphan.rbLast = A + 9;
        orphan.inTree = true;
        orphan.anon_vma = av;
        av.rb_root.add(orphan);
        Machine d = machine();
        d.copyFrom(a);
        AnonVma cav = d.rmap().anonVmas().get(av.id());
        assertEquals(2, cav.rbRoot().size());
        AnonVmaChain c = cav.rbRoot().last();
        assertEquals(4242, c.id());
        assertNull(c.vma());
        assertSame(cav, c.anonVma());
        assertEquals(A + 7, c.rbStart());
        assertEquals(A + 9, c.rbLast());
        assertTrue(c.inTree());
        assertEquals("avc#4242", c.name());
        assertEquals("avc#4242", c.toString());
        assertEquals(ra.fingerprint(), d.rmap().fingerprint());
    }

    /** The accessors name what they return. */
    @Test
    void accessorsReturnTheFields() {
        Rmap r = base();
        MmStruct m = mm1(r);
        assertEquals(1, m.pid());
        VmAreaStruct v = vma1(r);
        assertNotNull(v.anonVma());
        assertEquals("vma#" + v.id, v.name());
        assertTrue(v.id() > 0);
        AnonVma a = root(r);
        assertEquals(a.id, a.id());
        assertFalse(a.freed());
        assertFalse(a.rbEmpty());
        assertTrue(new AnonVma(3).rbEmpty());
        List<AnonVmaChain> chain = new ArrayList<>(v.chain());
        AnonVmaChain x = chain.get(chain.size() - 1);
        assertTrue(x.inTree());
        assertEquals(v.pgoff(), x.rbStart());
        assertEquals(v.lastPgoff(), x.rbLast());
        assertEquals(x.id, x.id());
        r.exit(2);
        assertTrue(r.anonVmas().values().stream().noneMatch(AnonVma::freed));
    }
}
