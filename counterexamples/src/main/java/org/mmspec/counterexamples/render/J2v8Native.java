package org.mmspec.counterexamples.render;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;

/**
 * J2V8's native library, unpacked once into mmspec's cache directory with its executable-stack
 * flag cleared, and loaded before J2V8 would unpack and load its own copy. J2V8 4.6 ships the
 * library marked as needing an executable stack, so loading it makes HotSpot print a two-line
 * warning ("might have disabled stack guard ... fix the library with 'execstack -c'") on every
 * run; clearing PF_X of its PT_GNU_STACK header is exactly what {@code execstack -c} does. If
 * anything here fails, J2V8 loads the library its own way.
 */
final class J2v8Native {
    private J2v8Native() {}

    private static final int PT_GNU_STACK = 0x6474e551;
    private static final int PF_X = 1;
    private static boolean done;

    /** {@code $XDG_CACHE_HOME/mmspec} or {@code ~/.cache/mmspec}, else a directory in java.io.tmpdir. */
    static Path cacheDir() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isEmpty() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        Path dir = base.resolve("mmspec");
        try {
            Files.createDirectories(dir);
            if (Files.isWritable(dir)) return dir;
        } catch (IOException | RuntimeException e) {
            // fall through to the temporary directory
        }
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"), "mmspec-" + System.getProperty("user.name", "user"));
        try {
            Files.createDirectories(tmp);
        } catch (IOException e) {
            // J2V8 reports it when it cannot write there either
        }
        return tmp;
    }

    static synchronized void preload(Path dir) {
        if (done) return;
        done = true;
        try {
            String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
            String arch = System.getProperty("os.arch", "");
            if (!os.contains("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) return;
            String name = "libj2v8_linux_x86_64.so";
            Field loaded = com.eclipsesource.v8.V8.class.getDeclaredField("nativeLibraryLoaded");
            loaded.setAccessible(true);
            if (loaded.getBoolean(null)) return;
            byte[] lib;
            try (InputStream in = J2v8Native.class.getClassLoader().getResourceAsStream(name)) {
                if (in == null) return;
                lib = in.readAllBytes();
            }
            if (!clearExecStack(lib)) return;
            Path target = dir.resolve("libj2v8_linux_x86_64-noexecstack.so");
            if (!Files.isRegularFile(target) || Files.size(target) != lib.length) {
                Files.createDirectories(dir);
                Path tmp = Files.createTempFile(dir, "j2v8", ".so.tmp");
                Files.write(tmp, lib);
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
            System.load(target.toAbsolutePath().toString());
            loaded.setBoolean(null, true);
        } catch (Exception | LinkageError e) {
            // J2V8 loads its own copy (and HotSpot prints its warning)
        }
    }

    /** Clears PF_X in the PT_GNU_STACK header of a little-endian ELF64 image; false if it is not one. */
    static boolean clearExecStack(byte[] elf) {
        if (elf.length < 64 || elf[0] != 0x7f || elf[1] != 'E' || elf[2] != 'L' || elf[3] != 'F') return false;
        if (elf[4] != 2 || elf[5] != 1) return false; // ELFCLASS64, ELFDATA2LSB
        ByteBuffer b = ByteBuffer.wrap(elf).order(ByteOrder.LITTLE_ENDIAN);
        long phoff = b.getLong(0x20);
        int phentsize = b.getShort(0x36) & 0xffff;
        int phnum = b.getShort(0x38) & 0xffff;
        for (int i = 0; i < phnum; i++) {
            long off = phoff + (long) i * phentsize;
            if (off + 8 > elf.length) return false;
            if (b.getInt((int) off) == PT_GNU_STACK) {
                int flags = b.getInt((int) off + 4);
                b.putInt((int) off + 4, flags & ~PF_X);
                return true;
            }
        }
        return false;
    }
}
