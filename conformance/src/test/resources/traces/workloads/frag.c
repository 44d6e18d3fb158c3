/* Fragmentation, then compaction: touch MB megabytes of anonymous memory, give back every other
 * page (MADV_DONTNEED), then write 1 to /proc/sys/vm/compact_memory so compaction migrates the
 * pages left, and exit. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
int main(int argc, char **argv) {
    size_t mb = argc > 1 ? atol(argv[1]) : 256;
    size_t len = mb << 20;
    char *p = mmap(0, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return 1;
    madvise(p, len, MADV_NOHUGEPAGE);
    for (size_t i = 0; i < len; i += 4096) p[i] = 1;
    for (size_t i = 0; i < len; i += 8192) madvise(p + i, 4096, MADV_DONTNEED);
    FILE *f = fopen("/proc/sys/vm/compact_memory", "w");
    if (!f) return 2;
    fputs("1\n", f);
    fclose(f);
    munmap(p, len);
    return 0;
}
