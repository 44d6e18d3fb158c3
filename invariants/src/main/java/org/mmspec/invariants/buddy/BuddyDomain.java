package org.mmspec.invariants.buddy;

import java.util.ArrayList;
import java.util.List;

import org.mmspec.invariants.engine.Args;
import org.mmspec.reference.alloc.Gfp;

/**
 * What the buddy operation model's enumerators offer in a configuration: the bounded explorer's
 * argument domain. {@code alloc} is enumerated over these gfp masks and every order
 * 0..MAX_PAGE_ORDER; {@code free} over every live handle; {@code isolate_range} over every
 * pageblock when {@code isolation} is on. The random explorer draws from every mask regardless.
 *
 * @param gfps      the gfp masks alloc is enumerated with, by their kernel names
 * @param isolation whether isolate_range and undo_isolate_range are enumerated
 */
public record BuddyDomain(List<String> gfps, boolean isolation) {
    /** Every gfp mask of the operation model, isolation on: the domain of a configuration with none named. */
    public static final BuddyDomain ALL = new BuddyDomain(BuddyOps.GFPS, true);

    /** GFP_KERNEL (MIGRATE_UNMOVABLE) and GFP_HIGHUSER_MOVABLE (MIGRATE_MOVABLE), isolation on. */
    public static final BuddyDomain TWO_MIGRATETYPES = new BuddyDomain(List.of("GFP_KERNEL", "GFP_HIGHUSER_MOVABLE"), true);

    public BuddyDomain {
        if (gfps == null || gfps.isEmpty()) throw new IllegalArgumentException("gfps: at least one gfp mask");
        for (String g : gfps) {
            try {
                Gfp.validate(Gfp.parse(g));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("gfps: '" + g + "': " + e.getMessage());
            }
        }
        gfps = List.copyOf(gfps);
    }

    /** Every alloc argument for orders 0..maxOrder, masks first then orders. */
    List<Args> allocArgs(int maxOrder) {
        List<Args> out = new ArrayList<>();
        for (String g : gfps) {
            for (int o = 0; o <= maxOrder; o++) out.add(Args.of("gfp", g, "order", o));
        }
        return List.copyOf(out);
    }

    @Override
    public String toString() {
        return "gfp " + String.join(", ", gfps) + (isolation ? "; isolation" : "; no isolation");
    }
}
