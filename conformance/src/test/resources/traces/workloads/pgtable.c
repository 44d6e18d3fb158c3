/* Unmovable allocations: touch one page in each of N 2 MiB ranges of a sparse mapping, so the
 * kernel allocates N page-table pages (unmovable) besides N data pages (movable); once the
 * unmovable free lists run dry the allocator falls back to other types' pageblocks
 * (mm_page_alloc_extfrag). Frees everything at exit. */
#include <stdlib.h>
#include <sys/mman.h>
int main(int argc, char **argv) {
    size_t n = argc > 1 ? atol(argv[1]) : 65536, step = 2 << 20;
    size_t len = n * step;
    char *p = mmap(0, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) return 1;
    madvise(p, len, MADV_NOHUGEPAGE);
    for (size_t i = 0; i < n; i++) p[i * step] = 1;
    munmap(p, len);
    return 0;
}
