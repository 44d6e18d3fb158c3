package org.mmspec.invariants.rmap;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import org.mmspec.reference.rmap.MmStruct;
import org.mmspec.reference.rmap.Pte;
import org.mmspec.reference.rmap.Rmap;
import org.mmspec.reference.rmap.VmAreaStruct;
import org.mmspec.spec.rmap.RmapSpec;
import org.mmspec.spec.rmap.RmapSpec.Mapping;

/**
 * The abstraction function from the reference's processes to the spec's state, and the
 * relations the spec's laws are stated over: the page tables ({@code (pid, page) -> frame} for
 * present PTEs and migration entries; the zero page backs no frame), the writable mappings, and
 * the reverse map as rmap_walk() computes it from each page.
 */
public final class RmapAbstraction {
    private RmapAbstraction() {}

    /**
     * Each live process with every page its VMAs cover and the value a read there would return:
     * the content of the page its PTE names (present or migration entry), what its swap entry
     * holds (the swap cache folio, else the slot), 0 for the zero page or an empty PTE.
     */
    public static RmapSpec abstractState(Rmap r) {
        Map<Integer, Map<Long, Long>> mem = new TreeMap<>();
        for (MmStruct mm : r.tasks().values()) {
            Map<Long, Long> m = new TreeMap<>();
            for (VmAreaStruct v : mm.vmas().values()) {
                for (long p = v.start(); p < v.end(); p++) m.put(p, 0L);
            }
            for (Map.Entry<Long, Long> e : mm.pageTable().entrySet()) {
                long pte = e.getValue();
                if (Pte.special(pte)) continue;
                if (Pte.swap(pte)) { // the page is in the swap cache or on the swap device
                    if (m.containsKey(e.getKey())) m.put(e.getKey(), r.swapEntryValue(pte));
                    continue;
                }
                Long c = r.contents().get(Pte.pfn(pte));
                // a PTE outside every VMA, or naming a page with no content, is left for the
                // structural invariants; here it reads as whatever is recorded
                if (m.containsKey(e.getKey())) m.put(e.getKey(), c == null ? 0L : c);
            }
            mem.put(mm.pid, m);
        }
        return RmapSpec.of(mem);
    }

    /** PT: every present PTE of a normal page and every migration entry, as (pid, page) -&gt; pfn. */
    public static Map<Mapping, Long> pageTables(Rmap r) {
        Map<Mapping, Long> pt = new TreeMap<>();
        for (MmStruct mm : r.tasks().values()) {
            for (Map.Entry<Long, Long> e : mm.pageTable().entrySet()) {
                long pte = e.getValue();
                if (Pte.normal(pte) || Pte.migration(pte)) pt.put(new Mapping(mm.pid, e.getKey()), Pte.pfn(pte));
            }
        }
        return pt;
    }

    /** The mappings whose PTE is present and writable. */
    public static Set<Mapping> writable(Rmap r) {
        Set<Mapping> w = new TreeSet<>();
        for (MmStruct mm : r.tasks().values()) {
            for (Map.Entry<Long, Long> e : mm.pageTable().entrySet()) {
                if (Pte.present(e.getValue()) && Pte.write(e.getValue())) w.add(new Mapping(mm.pid, e.getKey()));
            }
        }
        return w;
    }

    /**
     * The reverse map: for every anonymous page of the processes (and every page a PTE names),
     * the mappings rmap_walk() finds, present PTEs and migration entries (PVMW_MIGRATION) alike.
     */
    public static Map<Long, Set<Mapping>> reverseMap(Rmap r, Set<Long> pfns) {
        Map<Long, Set<Mapping>> out = new TreeMap<>();
        for (long pfn : pfns) {
            Set<Mapping> s = new TreeSet<>();
            if (r.mem().covers(pfn)) {
                for (Rmap.Mapping m : r.rmapWalk(pfn, false)) s.add(new Mapping(m.vma().mm().pid, m.address()));
                for (Rmap.Mapping m : r.rmapWalk(pfn, true)) s.add(new Mapping(m.vma().mm().pid, m.address()));
            }
            out.put(pfn, s);
        }
        return out;
    }
}
