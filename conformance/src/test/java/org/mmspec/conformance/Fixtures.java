package org.mmspec.conformance;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * This machine's files, saved at one moment (2026-11-25 16:27 UTC, Linux 6.18.44-fc-v595, node 0 of
 * 6.5 Mi pages; min_free_kbytes 67584, watermark_scale_factor 10, lowmem_reserve_ratio 256 256 32 0 0).
 */
public final class Fixtures {
    private Fixtures() {}

    public static final long MIN_FREE_KBYTES = 67584;
    public static final int WATERMARK_SCALE_FACTOR = 10;
    public static final String LOWMEM_RESERVE_RATIO = "256\t256\t32\t0\t0";

    public static String machine(String name) {
        try (InputStream in = Fixtures.class.getResourceAsStream("/machine/" + name)) {
            if (in == null) throw new IllegalArgumentException("no fixture " + name);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
