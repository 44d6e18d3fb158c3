package org.mmspec.conformance.ksm;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

/** The few libc calls the live KSM check makes: mmap(2), munmap(2), madvise(2). */
public interface Libc extends Library {
    int PROT_READ = 0x1;
    int PROT_WRITE = 0x2;
    int MAP_PRIVATE = 0x02;
    int MAP_ANONYMOUS = 0x20;
    int MADV_MERGEABLE = 12;
    int MADV_UNMERGEABLE = 13;
    int MADV_NOHUGEPAGE = 15;
    long PAGE_SIZE = 4096;

    Pointer mmap(Pointer addr, long length, int prot, int flags, int fd, long offset);

    int munmap(Pointer addr, long length);

    int madvise(Pointer addr, long length, int advice);

    /** libc, loaded on first use (null when JNA cannot load it: not Linux, no native support). */
    static Libc load() {
        return Native.load("c", Libc.class);
    }
}
