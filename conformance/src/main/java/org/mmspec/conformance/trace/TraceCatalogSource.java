package org.mmspec.conformance.trace;

import java.util.List;

import org.mmspec.invariants.Catalog;

/** Puts the trace oracle's invariants in the catalog (ServiceLoader; see Catalog.Source). */
public final class TraceCatalogSource implements Catalog.Source {
    @Override
    public String name() {
        return TraceInvariants.SUBSYSTEM;
    }

    @Override
    public List<Catalog.Entry> entries() {
        return TraceInvariants.catalogEntries();
    }
}
