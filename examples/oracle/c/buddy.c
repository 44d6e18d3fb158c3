/*
 * A buddy page allocator in C that speaks mmspec-oracle/1 on stdin/stdout, so that
 * `mmspec oracle --exec ./buddy` can check it against the spec (README.md, "The oracle").
 *
 * It is shaped like Linux's mm/page_alloc.c: per page, the order of the block it heads and
 * whether that block is free (PageBuddy); per order, a doubly linked free list; allocation takes
 * the first block of the smallest order that fits and gives the upper halves back (expand());
 * a free merges with its buddy while the buddy is a free block of the same order
 * (__free_one_page(), page_is_buddy()).
 *
 *   gcc -O2 -o buddy buddy.c                  the correct allocator
 *   gcc -O2 -DBUGGY -o buddy-buggy buddy.c    with a one-line bug in the free-list unlink
 *
 * The bug: del_from_free_list() forgets to point the next block's prev back, as a linked-list
 * unlink can. Nothing goes wrong until the stale prev is used: removing that next block later
 * leaves it at the head of its list, so it is handed out again while it is allocated.
 *
 * The request parser only knows the requests mmspec sends: flat JSON objects whose values are
 * numbers or plain strings. Debug output goes to stderr; stdout carries only answers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NIL (-1)

static long pages;
static int max_order;
static signed char *order_of; /* order of the block headed here, or -1 */
static unsigned char *is_free;  /* the block headed here is free (PageBuddy) */
static long *next, *prev;       /* free-list links, by pfn */
static long head[64];           /* first block of each order's free list */

static void add_to_free_list(long p, int o)
{
	next[p] = head[o];
	prev[p] = NIL;
	if (head[o] != NIL)
		prev[head[o]] = p;
	head[o] = p;
	order_of[p] = (signed char)o;
	is_free[p] = 1;
}

static void del_from_free_list(long p, int o)
{
	long n = next[p], pr = prev[p];

	if (pr != NIL)
		next[pr] = n;
	else
		head[o] = n;
#ifndef BUGGY
	if (n != NIL)
		prev[n] = pr;
#endif
	is_free[p] = 0;
	order_of[p] = -1;
}

static void release(void)
{
	free(order_of);
	free(is_free);
	free(next);
	free(prev);
	order_of = NULL;
	is_free = NULL;
	next = prev = NULL;
}

static int configure(long n, int mo)
{
	long p;
	int o;

	if (n < 1 || n > (1L << 24) || mo < 0 || mo > 30)
		return 0;
	release();
	pages = n;
	max_order = mo;
	order_of = malloc(n);
	is_free = calloc(n, 1);
	next = malloc(n * sizeof(long));
	prev = malloc(n * sizeof(long));
	if (!order_of || !is_free || !next || !prev)
		return 0;
	memset(order_of, -1, n);
	for (o = 0; o < 64; o++)
		head[o] = NIL;
	/* boot: carve [0, pages) into the largest aligned blocks that fit */
	for (p = 0; p < n; p += 1L << o) {
		o = mo;
		while (o > 0 && ((p & ((1L << o) - 1)) || p + (1L << o) > n))
			o--;
		add_to_free_list(p, o);
	}
	/* the list order above is descending; any order is allowed */
	return 1;
}

static long alloc_pages(int order)
{
	int o;
	long p;

	for (o = order; o <= max_order; o++) {
		if (head[o] == NIL)
			continue;
		p = head[o];
		del_from_free_list(p, o);
		while (o > order) { /* expand(): give back the upper halves */
			o--;
			add_to_free_list(p + (1L << o), o);
		}
		order_of[p] = (signed char)order;
		is_free[p] = 0;
		return p;
	}
	return -1;
}

static const char *free_pages(long p, int order)
{
	long buddy;

	if (p < 0 || p >= pages)
		return "pfn outside the managed pages";
	if (order < 0 || order > max_order)
		return "order above max_order";
	if (order_of[p] < 0)
		return "pfn heads no block";
	if (is_free[p])
		return "double free";
	if (order_of[p] != order)
		return "wrong order";
	order_of[p] = -1;
	while (order < max_order) {
		buddy = p ^ (1L << order);
		if (buddy + (1L << order) > pages || !is_free[buddy] || order_of[buddy] != order)
			break;
		del_from_free_list(buddy, order);
		p &= buddy;
		order++;
	}
	add_to_free_list(p, order);
	return NULL;
}

/*
 * A digest of the whole state, links included, so that the bounded explorer tells apart two
 * states with the same free blocks but different lists (a stale prev is hidden state).
 */
static unsigned long long digest(void)
{
	unsigned long long h = 0xcbf29ce484222325ULL;
	long p;
	int o;

#define MIX(v) (h = (h ^ (unsigned long long)(v)) * 0x100000001b3ULL)
	for (o = 0; o <= max_order; o++)
		MIX(head[o]);
	for (p = 0; p < pages; p++) {
		MIX(order_of[p]);
		MIX(is_free[p]);
		if (is_free[p]) {
			MIX(next[p]);
			MIX(prev[p]);
		}
	}
#undef MIX
	return h;
}

/* ---- requests: {"op":"alloc","order":2,"migratetype":"movable"} ---- */

static const char *field(const char *line, const char *key)
{
	char pat[64];
	const char *s;

	snprintf(pat, sizeof(pat), "\"%s\"", key);
	s = strstr(line, pat);
	if (!s)
		return NULL;
	s += strlen(pat);
	while (*s == ' ')
		s++;
	if (*s != ':')
		return NULL;
	s++;
	while (*s == ' ')
		s++;
	return s;
}

static int op_is(const char *line, const char *op)
{
	const char *v = field(line, "op");
	size_t n = strlen(op);

	return v && *v == '"' && !strncmp(v + 1, op, n) && v[1 + n] == '"';
}

static long number(const char *line, const char *key, long dflt)
{
	const char *v = field(line, key);

	return v ? strtol(v, NULL, 10) : dflt;
}

static void snapshot(void)
{
	int o;
	long p, count = 0;
	int first = 1;

	printf("{\"ok\":true,\"free_blocks\":[");
	for (o = 0; o <= max_order; o++)
		for (p = head[o]; p != NIL && count <= pages; p = next[p], count++) {
			printf("%s[%ld,%d]", first ? "" : ",", p, o);
			first = 0;
		}
	printf("]}\n");
}

int main(void)
{
	static char line[1 << 16];

	while (fgets(line, sizeof(line), stdin)) {
		if (op_is(line, "hello")) {
#ifdef BUGGY
			printf("{\"ok\":true,\"protocol\":\"mmspec-oracle/1\",\"name\":\"c-buddy (buggy: free-list unlink)\",");
#else
			printf("{\"ok\":true,\"protocol\":\"mmspec-oracle/1\",\"name\":\"c-buddy\",");
#endif
			printf("\"buddy\":true,\"snapshot\":true,\"rejects_bad_frees\":true,\"reset\":true,\"digest\":true}\n");
		} else if (op_is(line, "configure")) {
			if (configure(number(line, "pages", 0), (int)number(line, "max_order", -1)))
				printf("{\"ok\":true}\n");
			else
				printf("{\"ok\":false,\"error\":\"pages must be 1..2^24 and max_order 0..30\"}\n");
		} else if (op_is(line, "alloc")) {
			long p = alloc_pages((int)number(line, "order", -1));

			if (p < 0)
				printf("{\"ok\":false}\n");
			else
				printf("{\"ok\":true,\"pfn\":%ld}\n", p);
		} else if (op_is(line, "free")) {
			const char *err = free_pages(number(line, "pfn", -1), (int)number(line, "order", -1));

			if (err)
				printf("{\"ok\":false,\"error\":\"%s\"}\n", err);
			else
				printf("{\"ok\":true}\n");
		} else if (op_is(line, "snapshot")) {
			snapshot();
		} else if (op_is(line, "digest")) {
			printf("{\"ok\":true,\"digest\":\"%016llx\"}\n", digest());
		} else if (op_is(line, "reset")) {
			release();
			printf("{\"ok\":true}\n");
		} else if (op_is(line, "bye")) {
			break;
		} else {
			fprintf(stderr, "buddy: unknown request: %s", line);
			printf("{\"ok\":false,\"error\":\"unknown request\"}\n");
		}
		fflush(stdout);
	}
	release();
	return 0;
}
