package org.mmspec.reference.reclaim;

import org.mmspec.reference.alloc.ConfigException;

/**
 * The machine's swap device, as swapon(2) sets it up (mm/swapfile.c, v6.18): a swap area of
 * {@code pages} pages whose first page holds the swap header ({@code swap_map[0] = SWAP_MAP_BAD}),
 * so {@code pages - 1} slots can hold swapped-out pages ({@code total_swap_pages}).
 * {@code synchronousIo} is {@code SWP_SYNCHRONOUS_IO} (zram, pmem): a swap write completes before
 * pageout() returns and a swap-in of an entry with one reference skips the swap cache; without
 * it (a disk) writeback completes later, as an explicit step of the model.
 *
 * @param pages         the swap area's size in pages, header included; 0 for no swap
 * @param synchronousIo SWP_SYNCHRONOUS_IO
 */
public record SwapConfig(long pages, boolean synchronousIo) {
    /** No swap device: anonymous memory cannot be reclaimed. */
    public static final SwapConfig NONE = new SwapConfig(0, false);
    /** The largest swap area the model lays out (the swap_map is an array). */
    public static final long MAX_PAGES = 1L << 24;

    public static SwapConfig of(long pages, boolean synchronousIo) {
        return new SwapConfig(pages, synchronousIo);
    }

    public boolean present() {
        return pages > 0;
    }

    /** Throws {@link ConfigException} naming the bad field. */
    public SwapConfig validate() {
        if (pages != 0 && (pages < 2 || pages > MAX_PAGES)) {
            throw new ConfigException("swap.pages", pages + " is outside 2.." + MAX_PAGES
                    + " (the header page and at least one slot), or 0 for no swap");
        }
        if (pages == 0 && synchronousIo) {
            throw new ConfigException("swap.synchronousIo", "set without a swap device (swap.pages is 0)");
        }
        return this;
    }

    @Override
    public String toString() {
        return pages == 0 ? "no swap" : (pages - 1) + " swap slots" + (synchronousIo ? " (SWP_SYNCHRONOUS_IO)" : "");
    }
}
