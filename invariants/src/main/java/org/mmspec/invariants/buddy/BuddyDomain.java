package org.mmspec.invariants.buddy;

import java.util.ArrayList;
import java.util.List;

import org.mmspec.invariants.engine.Args;
import org.mmspec.reference.alloc.Gfp;

/**
 * What the buddy operation model's enumerators offer in a configuration: the bounded explorer's
 * argument domain. {@code alloc} is enumerated over these gfp masks and every order
 * 0..MAX_PAGE_ORDER; {@code free} over every live handle; {@code isolate_range} over every
 * range of 1..{@code isolatePageblocks} whole pageblocks inside one zone (as the random generator
 * draws them) when {@code isolation} is on, in mode OTHER, and CMA_ALLOC too in a zone with CMA
 * pageblocks (the model's has_unmovable_pages tells the modes apart only there, so MEM_OFFLINE
 * would repeat OTHER). bad_free and sysctl enumerate nothing: rejected operations leave the state
 * as it was, and the random explorer covers them. The random explorer draws from every mask
 * regardless of the domain.
 *
 * @param gfps              the gfp masks alloc is enumerated with, by their kernel names
 * @param isolation         whether isolate_range and undo_isolate_range are enumerated
 * @param isolatePageblocks the longest isolated range enumerated, in pageblocks (at least 1)
 */
public record BuddyDomain(List<String> gfps, boolean isolation, int isolatePageblocks) {
    /** The longest range the random generator isolates, in pageblocks ({@code BuddyOps.drawRange}). */
    public static final int MAX_ISOLATE_PAGEBLOCKS = 4;

    /** Every gfp mask of the operation model, isolation on: the domain of a configuration with none named. */
    public static final BuddyDomain ALL = new BuddyDomain(BuddyOps.GFPS, true, MAX_ISOLATE_PAGEBLOCKS);

    /** GFP_KERNEL (MIGRATE_UNMOVABLE) and GFP_HIGHUSER_MOVABLE (MIGRATE_MOVABLE), isolation on. */
    public static final BuddyDomain TWO_MIGRATETYPES = new BuddyDomain(List.of("GFP_KERNEL", "GFP_HIGHUSER_MOVABLE"), true,
            MAX_ISOLATE_PAGEBLOCKS);

    public BuddyDomain {
        if (isolatePageblocks < 1) throw new IllegalArgumentException("isolatePageblocks: at least 1, got " + isolatePageblocks);
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
        return "gfp " + String.join(", ", gfps) + (isolation ? "; isolation of 1.." + isolatePageblocks + " pageblocks"
                : "; no isolation");
    }
}
