// SPDX-License-Identifier: GPL-2.0
/*
 * kmemleak-check: after everything else has run, ask kmemleak for the
 * objects nobody references any more, and fail on any whose allocation
 * backtrace passes through a function of <functions file>
 * (configs/series-functions: the paths the series adds or changes, and the
 * allocators of the objects whose references it holds: an mm_struct whose
 * exit_mm reference is never dropped was allocated in dup_mm(), not in the
 * series).  Other reports are listed, not judged: they are upstream's.
 * A function is matched by its name without the suffix of a compiler clone
 * (mm_sharers_will_exit.part.0, __oom_reap_task_mm.constprop.0, .isra.N,
 * .cold, .llvm.N): the part up to the first dot.
 *
 * usage: kmemleak-check <functions file>
 * KTAP, one test; SKIP without /sys/kernel/debug/kmemleak.
 */
#include "mrelease-common.h"
#include <regex.h>

#ifndef KMEMLEAK
#define KMEMLEAK	"/sys/kernel/debug/kmemleak"
#endif

/* where a scan is asked for (scripts/check-harness: elsewhere) */
#ifndef KMEMLEAK_SCAN
#define KMEMLEAK_SCAN	KMEMLEAK
#endif

/* how long an object must stay unreferenced before a second scan */
#ifndef KMEMLEAK_SETTLE_US
#define KMEMLEAK_SETTLE_US	6000000
#endif

static char report[1 << 20];

/* "^(re1|re2|...)$" from the second column of every line of @path */
static int load_regex(const char *path, regex_t *re)
{
	char line[512], *pat = NULL, *kind, *expr;
	size_t len = 0;
	FILE *f = fopen(path, "r");
	int r;

	if (!f)
		return -1;
	pat = strdup("^(");
	len = strlen(pat);
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#' || !line[0])
			continue;
		kind = strtok(line, " \t");
		expr = strtok(NULL, " \t");
		if (!kind || !expr)
			continue;
		pat = realloc(pat, len + strlen(expr) + 4);
		len += sprintf(pat + len, "%s%s", len > 2 ? "|" : "", expr);
	}
	fclose(f);
	pat = realloc(pat, len + 3);
	strcpy(pat + len, ")$");
	r = regcomp(re, pat, REG_EXTENDED | REG_NOSUB);
	free(pat);
	return r ? -1 : 0;
}

int main(int argc, char **argv)
{
	unsigned int total = 0, ours = 0, shown = 0;	/* shown: of the others */
	char *rec, *next;
	regex_t re;
	ssize_t len = 0, n;
	int fd, i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("KTAP version 1\n1..1\n");
	if (argc < 2 || load_regex(argv[1], &re)) {
		printf("# usage: kmemleak-check <functions file>\nnot ok 1 no_leak_on_the_paths_of_the_series\n");
		return 1;
	}
	if (access(KMEMLEAK, F_OK)) {
		printf("ok 1 no_leak_on_the_paths_of_the_series # SKIP no " KMEMLEAK
		       " (CONFIG_DEBUG_KMEMLEAK)\n");
		return 4;
	}
	/*
	 * An object is reported once it is older than 5 s and unreferenced in
	 * a scan; a second scan after that age drops transient false positives.
	 */
	for (i = 0; i < 2; i++) {
		if (i)
			sleep_us(KMEMLEAK_SETTLE_US);
		if (write_text(KMEMLEAK_SCAN, "scan")) {
			printf("# echo scan > " KMEMLEAK ": %s (kmemleak disabled itself?)\n",
			       strerror(errno));
			printf("not ok 1 no_leak_on_the_paths_of_the_series\n");
			return 1;
		}
	}
	fd = open(KMEMLEAK, O_RDONLY);
	if (fd < 0) {
		printf("# " KMEMLEAK ": %s\nnot ok 1 no_leak_on_the_paths_of_the_series\n",
		       strerror(errno));
		return 1;
	}
	while (len < (ssize_t)sizeof(report) - 1 &&
	       (n = read(fd, report + len, sizeof(report) - 1 - len)) > 0)
		len += n;
	close(fd);
	report[len] = '\0';

	/* records start with "unreferenced object 0x... (size N):" */
	for (rec = strstr(report, "unreferenced object"); rec; rec = next) {
		char *line, *end, first[160] = "";
		bool match = false;

		next = strstr(rec + 1, "unreferenced object");
		if (next)
			next[-1] = '\0';
		total++;
		/*
		 * backtrace lines: "    func+0x12/0x34" (6.12), or with the
		 * address first: "    [<ffffffff81234567>] func+0x12/0x34"
		 */
		for (line = strstr(rec, "backtrace"); line; line = end ? end + 1 : NULL) {
			char *fn = strstr(line, "] "), *plus, *dot;

			end = strchr(line, '\n');
			if (end)
				*end = '\0';
			if (!strncmp(line, "backtrace", 9) || !strchr(line, '+'))
				continue;
			if (fn)
				fn += 2;
			else
				for (fn = line; *fn == ' '; fn++)
					;
			plus = strchr(fn, '+');
			if (plus)
				*plus = '\0';
			dot = strchr(fn, '.');	/* a clone's suffix */
			if (dot)
				*dot = '\0';
			if (!regexec(&re, fn, 0, NULL, 0))
				match = true;
			if (dot)
				*dot = '.';
			if (strlen(first) + strlen(fn) + 4 < sizeof(first) &&
			    strncmp(fn, "kmem", 4) && strncmp(fn, "__kmem", 6) &&
			    strncmp(fn, "kmalloc", 7) && strncmp(fn, "__kmalloc", 9) &&
			    strncmp(fn, "slab_", 5) && strncmp(fn, "kmemleak", 8))
				snprintf(first + strlen(first), sizeof(first) - strlen(first),
					 "%s%s", first[0] ? " < " : "", fn);
			if (plus)
				*plus = '+';
			if (end)
				*end = '\n';
		}
		if (match)
			ours++;
		if (match ? ours <= 20 : shown < 10) {
			shown += !match;
			printf("# %s: %.*s: %s\n", match ? "ON A PATH OF THE SERIES" : "elsewhere",
			       (int)(strchr(rec, ':') ? strchr(rec, ':') - rec : 40), rec, first);
		}
	}
	printf("# kmemleak: %u unreferenced objects, %u allocated below a function of %s\n",
	       total, ours, argv[1]);
	printf("%sok 1 no_leak_on_the_paths_of_the_series\n", ours ? "not " : "");
	return ours ? 1 : 0;
}
