/* KSM: PAGES pages with only a few distinct contents, MADV_MERGEABLE, held SECONDS seconds while
 * ksmd (run=1, set by the caller) merges them, then a few written (unsharing), then freed. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
int main(int argc, char **argv) {
    size_t pages = argc > 1 ? atol(argv[1]) : 4096, secs = argc > 2 ? atol(argv[2]) : 3;
    size_t len = pages * 4096;
    char *p = mmap(0, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return 1;
    for (size_t i = 0; i < pages; i++) memset(p + i * 4096, (int)(i % 4) + 1, 4096);
    if (madvise(p, len, MADV_MERGEABLE)) return 2;
    sleep(secs);
    for (size_t i = 0; i < pages; i += 64) p[i * 4096] = 9; /* break some merges: copy on write */
    sleep(1);
    munmap(p, len);
    return 0;
}
