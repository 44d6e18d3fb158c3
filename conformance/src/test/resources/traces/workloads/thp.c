/* THP: MB megabytes of MADV_HUGEPAGE anonymous memory (with transparent_hugepage=madvise the
 * faults allocate order-9 folios, compacting if needed), touched, then freed. */
#include <stdlib.h>
#include <stdint.h>
#include <sys/mman.h>
int main(int argc, char **argv) {
    size_t mb = argc > 1 ? atol(argv[1]) : 256;
    size_t len = mb << 20, align = 2 << 20;
    char *raw = mmap(0, len + align, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED) return 1;
    char *p = (char *)(((uintptr_t)raw + align - 1) & ~(uintptr_t)(align - 1));
    if (madvise(p, len, MADV_HUGEPAGE)) return 2;
    for (size_t i = 0; i < len; i += 4096) p[i] = 1;
    munmap(raw, len + align);
    return 0;
}
