/* Anonymous memory: touch MB megabytes page by page, free them, repeat ROUNDS times. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
int main(int argc, char **argv) {
    size_t mb = argc > 1 ? atol(argv[1]) : 64, rounds = argc > 2 ? atol(argv[2]) : 2;
    for (size_t r = 0; r < rounds; r++) {
        size_t len = mb << 20;
        char *p = mmap(0, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) return 1;
        madvise(p, len, MADV_NOHUGEPAGE);
        for (size_t i = 0; i < len; i += 4096) p[i] = (char)i;
        munmap(p, len);
    }
    return 0;
}
