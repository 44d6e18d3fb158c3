/*
 * A program that breaks protocol mmspec-oracle/1 on purpose, for mmspec's own tests of how the
 * oracle reports a program that crashes, exits, hangs or answers garbage. Until the fault it is a
 * correct (if slow) allocator: one byte per page, first fit over aligned ranges; it claims
 * nothing, so only the answers are checked.
 *
 *   faulty MODE N     the fault happens at the N-th alloc or free request (1-based):
 *     crash           abort() (SIGABRT) after a line on stderr
 *     exit            exit(3) without answering
 *     hang            never answer (sleeps)
 *     garbage         answer a line that is not JSON
 *     bad-pfn         answer {"ok":true,"pfn":"zero"}
 *   faulty bad-hello  answer the handshake with another protocol version
 *   faulty refuse     refuse every configuration
 *   faulty silent-hello  never answer the handshake
 *
 *   gcc -O2 -o faulty faulty.c
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static long pages;
static unsigned char *used;
static signed char *order_at;

static long number(const char *line, const char *key)
{
	char pat[64];
	const char *s;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	s = strstr(line, pat);
	return s ? strtol(s + strlen(pat), NULL, 10) : -1;
}

static long alloc_pages(int order)
{
	long size = 1L << order, p, q;

	for (p = 0; p + size <= pages; p += size) {
		for (q = p; q < p + size && !used[q]; q++)
			;
		if (q == p + size) {
			memset(used + p, 1, size);
			order_at[p] = (signed char)order;
			return p;
		}
	}
	return -1;
}

int main(int argc, char **argv)
{
	static char line[1 << 16];
	const char *mode = argc > 1 ? argv[1] : "";
	long at = argc > 2 ? atol(argv[2]) : 0, n = 0;

	while (fgets(line, sizeof(line), stdin)) {
		if (strstr(line, "\"hello\"")) {
			if (!strcmp(mode, "silent-hello"))
				for (;;)
					sleep(1);
			printf("{\"ok\":true,\"protocol\":\"%s\",\"name\":\"faulty %s\"}\n",
			       strcmp(mode, "bad-hello") ? "mmspec-oracle/1" : "mmspec-oracle/0", mode);
		} else if (strstr(line, "\"configure\"") && !strcmp(mode, "refuse")) {
			printf("{\"ok\":false,\"error\":\"this program manages no memory\"}\n");
		} else if (strstr(line, "\"configure\"")) {
			pages = number(line, "pages");
			used = calloc(pages, 1);
			order_at = malloc(pages);
			memset(order_at, -1, pages);
			printf("{\"ok\":true}\n");
		} else if (strstr(line, "\"alloc\"") || strstr(line, "\"free\"")) {
			if (++n == at) {
				if (!strcmp(mode, "crash")) {
					fprintf(stderr, "faulty: about to crash at request %ld\n", n);
					fflush(stderr);
					abort();
				}
				if (!strcmp(mode, "exit"))
					exit(3);
				if (!strcmp(mode, "hang"))
					for (;;)
						sleep(1);
				if (!strcmp(mode, "garbage")) {
					printf("this is not json\n");
					fflush(stdout);
					continue;
				}
				if (!strcmp(mode, "bad-pfn")) {
					printf("{\"ok\":true,\"pfn\":\"zero\"}\n");
					fflush(stdout);
					continue;
				}
			}
			if (strstr(line, "\"alloc\"")) {
				long p = alloc_pages((int)number(line, "order"));

				if (p < 0)
					printf("{\"ok\":false}\n");
				else
					printf("{\"ok\":true,\"pfn\":%ld}\n", p);
			} else {
				long p = number(line, "pfn");
				int o = (int)number(line, "order");

				if (p < 0 || p >= pages || order_at[p] != o) {
					printf("{\"ok\":false,\"error\":\"bad free\"}\n");
				} else {
					memset(used + p, 0, 1L << o);
					order_at[p] = -1;
					printf("{\"ok\":true}\n");
				}
			}
		} else {
			printf("{\"ok\":false,\"error\":\"unknown request\"}\n");
		}
		fflush(stdout);
	}
	return 0;
}
