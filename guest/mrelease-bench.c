// SPDX-License-Identifier: GPL-2.0
/*
 * make bench: the guest side.  Runs a list of cases, each a number of times,
 * and prints one "# row ..." line per trial (TAP diagnostics); the host
 * (scripts/bench) takes medians and ratios.
 *
 *   mrelease-bench [-r reps] [-m ms] [-N MiB,...] [-S s,...] [-P MiB,...]
 *                  [-V MiB] [-T MiB,...] [-H fraction] [-z seed] [-L] case...
 *
 * -r repetitions of each case (5); -N the N of p1/p2 (256,512,1024,2048);
 * -S the S of p1 (1,4); -P the N of p3 (512,2048); -V the N of p4, p5,
 * p7 and p8 (512); -T the N of p6 (512,2048);
 * -H vm.percpu_pagelist_high_fraction during the run (100000: tiny per-CPU
 * free lists, so that MemAvailable follows the frees; "-" leaves it alone);
 * -C the caller starves the victim itself (for QEMU -icount, where the two
 * vCPUs share one host thread and a hog's share of it is not stable): see
 * below; -z shuffle the order of the cases with this seed (0: as listed); -L count
 * spinlock contention by stack in every kill and mrelease trial ("# lock"
 * lines, see lockstat_print()).  The trials run repetition by repetition,
 * every case once per repetition; with -m, a case runs again within the
 * repetition until what it measures (the call of mrelease and munmap, the
 * time-to-free of kill-only) adds up to ms (at most MAX_TRIALS trials), so
 * that a short call is the median of several trials: the few hundred
 * microseconds a call moves between boots are 1-2 % of a 16 ms one.  Every
 * trial has a row of its own; rep= counts the trials of the case.
 *
 * A case is either a group name, expanded with the -N/-S/-P/-V lists:
 *   p1  time-to-free: kill-only and process_mrelease, every N and S
 *   p2  the same N freed by munmap() in the caller (CPU 1 busy as in p1)
 *   p3  the victim is not starved (no hog): kill-only and kill+mrelease,
 *       for every N of -P
 *   p4  the -V MiB split into 100 and 10,000 VMAs: kill-only, mrelease,
 *       munmap (1 VMA is the p1/p2 row of that N)
 *   p5  other victims of -V MiB, kill-only and mrelease: victim=robust
 *       (starved as in p1, S=1, holding robust mutexes) and victim=holder
 *       (not starved; another process holds its mm, see below)
 *   p6  p1 and p2 (S = the first of -S) in 64 KiB mTHP and in PMD-size THP,
 *       for every N of -T
 *   p7  mrelease, S as p6, of victims with many threads or robust list
 *       entries: victim=threads, victim=mutexes and victim=longlist
 *   p8  kill-only and mrelease, S as p6, of -V MiB of which half is in
 *       swap (victim=swapped)
 *   p10 a killed cgroup (see run_cgroup_trial()): how=cgkill, cgloop and
 *       cgreap of victim=cgbig (n=1280) and victim=cgmany (n=1000), every
 *       S; cgloop and cgreap of victim=cgempty (n=0), the first S; and
 *       munmap() of those 1280 and 1000 MiB in the caller, s=0
 *   p9  what every exit pays: how=fork (fork(), the child _exit()s at
 *       once, waitpid()) and how=thread (pthread_create() of a thread
 *       that returns at once, pthread_join()), n = 2,000 iterations each,
 *       on CPU 0 with CPU 1 idle; call_ms is the mean iteration of the
 *       middle 80 % (see run_churn_trial()), and
 *       each repetition runs MAX_TRIALS loops (-m does not apply)
 *   all p1 p2 p3 p4 p5 p6 p7 p8 p9 p10
 * or one explicit case, comma-separated key=value:
 *   how=kill|mrelease|munmap|cgkill|cgloop|cgreap,n=<MiB>,s=<seconds>,vmas=<count>,victim=<kind>,
 *   pg=4k|64k|2m
 *
 * One trial of how=kill or how=mrelease: a child (the victim) pinned to the
 * last CPU maps n MiB of private anonymous memory in <vmas> VMAs (one-page
 * holes between them so that they cannot merge), populates every page with
 * a write fault (MADV_POPULATE_WRITE, half of them from each CPU, to halve
 * the set-up time under TCG) and waits in pause().  If s > 0, a SCHED_FIFO busy loop (the
 * hog) then takes the victim's CPU, with sched_rt_runtime_us = -1 and the
 * fair server of that CPU off (guest/init), so the victim cannot run; it
 * keeps the CPU until s seconds after the kill.  The caller, on CPU 0, reads
 * MemAvailable, SIGKILLs the victim through a pidfd (t0) and, for
 * how=mrelease, calls process_mrelease() at once.  time-to-free is the time
 * from t0 until MemAvailable has recovered by 90 % of n (polled without
 * sleeping: there are no high-resolution timers in the guest kernel).
 * With -C, a trial with s > 0 has no hog: the victim is pinned to CPU 0,
 * the caller's CPU, and the caller runs at SCHED_FIFO from before the kill
 * (the fair server of CPU 0 is off too, guest/init), so that the victim
 * cannot run while the caller polls; for how=kill the caller leaves CPU 0
 * to it only s seconds after the kill, and waits on CPU 1 until the
 * victim has exited (a trial of a victim that is not starved polls with
 * a tick's sleep between reads).  The other CPU stays idle during the call: under -icount all
 * of the guest's instructions are the caller's.
 * how=munmap maps and populates the same layout in the caller and times
 * munmap() of it the same way, with the hog on the other CPU for s > 0 so
 * that the guest (and the host) is as busy as in the other trials.
 *
 * Row fields: ttf_ms (time-to-free), call_ms (the process_mrelease() or
 * munmap() call alone), rc/err of that call, ran (1: the victim was seen to
 * run while it should have been starved), overlap (1: the s seconds were up
 * before process_mrelease() returned, so the victim's own exit ran
 * alongside), rss_mib, huge_pct (the share of n that faulted in as pages of
 * the pg size, from that size's anon_fault_alloc counter) and maps (the
 * victim's resident memory and number of
 * VMAs just before the kill), tlb_ipis (TLB shootdown interrupts, all
 * CPUs, from the kill until the memory was back), setup_ms, calib_us (a
 * fixed loop on CPU 0 just before the kill: how much host CPU the guest got),
 * and for victim=swapped swap_kb (its VmSwap just before the kill),
 * swap_ms (from the kill until SwapFree has recovered by 90 % of that) and
 * swap_left_kb (its VmSwap when process_mrelease() has returned; -1: not
 * read).  A swapped victim's time-to-free counts its RSS, not n.
 *
 * Victim kinds are a table (struct victim_kind), selected with
 * victim=<name>:
 *   plain   nothing but its memory
 *   robust  also holds 8 robust process-shared mutexes (in a MAP_SHARED
 *           page) and one robust process-private mutex in the middle of
 *           the memory that is released: the exit path must still find its
 *           robust list, so releasing it costs the pages that list lives in
 *   holder  a third process holds the victim's mm (mm_users): it is blocked
 *           in process_vm_readv() on the victim, copying into a page of its
 *           own that is registered with userfaultfd, and lets go HOLD_S
 *           seconds after the kill.  The victim is not starved; the caller
 *           waits until it has exited (its pidfd polls readable) before
 *           calling process_mrelease().  Without the holder's release the
 *           memory comes back only when it lets go; a kernel that answers
 *           ESRCH there (every thread is past exit_mm()) gives the same
 *           time as kill-only.
 *   threads 1,000 more threads, each with the robust list glibc registers
 *           and nothing on it
 *   mutexes 100 more threads, each holding a process-private robust mutex
 *           that lives in the memory released (process_mrelease() keeps
 *           the pages a robust list needs: this is what that costs)
 *   longlist a robust list registered by hand whose 2,047 entries sit in
 *           2,047 pages of the memory released, then one in a MAP_SHARED
 *           page that holds the thread's TID: the longest list the exit
 *           path walks, and more pages than process_mrelease() may keep
 *           (it must stay within its bound, in pages and in time)
 *   swapped half of its pages paged out (MADV_PAGEOUT) to a zram swap
 *           device that the program sets up when a case needs it: the
 *           release frees those swap entries (and zram's compressed
 *           copies) as well
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/futex.h>
#include <linux/userfaultfd.h>

#define MIB ((size_t)1 << 20)
#define MAX_CASES 256
#define HOLD_S 2		/* victim=holder: seconds from the kill until the holder lets go */
#define ROBUST_SHARED 8

enum how { HOW_KILL, HOW_MRELEASE, HOW_MUNMAP, HOW_FORK, HOW_THREAD,
	   HOW_CGKILL, HOW_CGLOOP, HOW_CGREAP };
static const char *const how_name[] = { "kill", "mrelease", "munmap", "fork", "thread",
					"cgkill", "cgloop", "cgreap" };
#define NHOW 8

/*
 * The page size the memory is faulted in with: 4 KiB pages, 64 KiB mTHP or
 * PMD-size THP, through MADV_HUGEPAGE and that size's sysfs "enabled" set
 * to madvise (every other size to never) for the trial.
 */
enum pg { PG_4K, PG_64K, PG_2M };
static const char *const pg_name[] = { "4k", "64k", "2m" };
static const char *const pg_sysfs[] = { NULL, "hugepages-64kB", "hugepages-2048kB" };
static const unsigned int pg_kib[] = { 4, 64, 2048 };
#define THP_DIR "/sys/kernel/mm/transparent_hugepage/"

struct victim_kind;

struct tcase {
	enum how how;
	unsigned int n;		/* MiB */
	unsigned int s;		/* seconds the victim's CPU stays taken after the kill */
	unsigned int vmas;
	const struct victim_kind *victim;
	enum pg pg;
	int failed;
	int trials;		/* rows printed so far */
};

#define MAX_TRIALS	9

struct row {
	double ttf_ms, call_ms, setup_ms, calib_us;
	long rss_mib, maps, tlb_ipis, huge_pct;
	long swap_kb, swap_left_kb;	/* victim=swapped: VmSwap before the kill, after the call */
	double swap_ms;			/* from the kill until SwapFree is back by 90 % of swap_kb */
	int rc, err, ran, overlap;
};

static struct tcase cases[MAX_CASES];
static int ncases;
static int ncpus, victim_cpu, meminfo_fd = -1, page_size;
static volatile int64_t *hog_deadline;	/* shared with the hog: ns, CLOCK_MONOTONIC */
static volatile int64_t *release_at;	/* shared with the holder: ns, CLOCK_MONOTONIC */
static volatile uint64_t *victim_addr;	/* the victim tells where its memory is */

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static double ms_between(int64_t a, int64_t b)
{
	return (double)(b - a) / 1e6;
}

static void pin_to(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		perror("sched_setaffinity");
}

/*
 * MemAvailable and SwapFree in kB, from one read of an fd kept open on
 * /proc/meminfo; returns MemAvailable, or -1.
 */
static long meminfo_kb(long *swap_free)
{
	char buf[4096];
	ssize_t len = pread(meminfo_fd, buf, sizeof(buf) - 1, 0);
	char *p, *q;

	if (len <= 0)
		return -1;
	buf[len] = 0;
	p = strstr(buf, "MemAvailable:");
	q = strstr(buf, "SwapFree:");
	if (swap_free)
		*swap_free = q ? strtol(q + 9, NULL, 10) : 0;
	return p ? strtol(p + 13, NULL, 10) : -1;
}

static long mem_available_kb(void)
{
	return meminfo_kb(NULL);
}

static int read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	ssize_t len;

	if (fd < 0)
		return -1;
	len = read(fd, buf, size - 1);
	close(fd);
	if (len < 0)
		return -1;
	buf[len] = 0;
	if (len && buf[len - 1] == '\n')
		buf[len - 1] = 0;
	return 0;
}

static int write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	ssize_t len;

	if (fd < 0)
		return -1;
	len = write(fd, val, strlen(val));
	close(fd);
	return len == (ssize_t)strlen(val) ? 0 : -1;
}

/* Faults that got a huge page of @pg's size so far (its sysfs counter). */
static long thp_faults(enum pg pg)
{
	char path[128], buf[64];

	if (pg == PG_4K)
		return 0;
	snprintf(path, sizeof(path), THP_DIR "%s/stats/anon_fault_alloc", pg_sysfs[pg]);
	if (read_file(path, buf, sizeof(buf)))
		return -1;
	return strtol(buf, NULL, 10);
}

/* MADV_HUGEPAGE memory faults in pages of @pg's size and no other. */
static int thp_select(enum pg pg)
{
	char path[128];
	int i, ret = 0;

	for (i = PG_64K; i <= PG_2M; i++) {
		snprintf(path, sizeof(path), THP_DIR "%s/enabled", pg_sysfs[i]);
		if (write_file(path, i == (int)pg ? "madvise" : "never") && i == (int)pg)
			ret = -1;
	}
	return ret;
}

/* % of @n MiB that came as huge pages, from two thp_faults() readings */
static long huge_share(enum pg pg, long before, long after, unsigned int n)
{
	if (pg == PG_4K || before < 0 || after < 0)
		return 0;
	return (after - before) * (long)pg_kib[pg] * 100 / ((long)n * 1024);
}

/* voluntary + involuntary context switches of @pid */
static long ctxt_switches(pid_t pid)
{
	char path[64], buf[4096], *p;
	long sum = 0, v;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	if (read_file(path, buf, sizeof(buf)))
		return -1;
	for (p = buf; (p = strstr(p, "ctxt_switches:")); p += 14)
		if (sscanf(p + 14, "%ld", &v) == 1)
			sum += v;
	return sum;
}

/* TLB shootdown IPIs received so far, all CPUs (x86; -1 elsewhere) */
static long tlb_shootdowns(void)
{
	static char buf[16384];
	long sum = 0, v;
	char *p, *end;
	int i;

	if (read_file("/proc/interrupts", buf, sizeof(buf)))
		return -1;
	p = strstr(buf, "\n TLB:");
	if (!p)
		p = strstr(buf, "\nTLB:");
	if (!p)
		return -1;
	p = strchr(p, ':') + 1;
	for (i = 0; i < ncpus; i++) {
		v = strtol(p, &end, 10);
		if (end == p)
			break;
		sum += v;
		p = end;
	}
	return sum;
}

static long resident_mib(pid_t pid)
{
	char path[64], buf[256];
	long size, res;

	snprintf(path, sizeof(path), "/proc/%d/statm", pid);
	if (read_file(path, buf, sizeof(buf)) || sscanf(buf, "%ld %ld", &size, &res) != 2)
		return -1;
	return (long)((long long)res * page_size / (long long)MIB);
}

/* A field of /proc/<pid>/status in kB (VmSwap:, VmRSS:), or -1 */
static long status_kb(pid_t pid, const char *field)
{
	char path[64], buf[4096], *p;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	if (read_file(path, buf, sizeof(buf)))
		return -1;
	p = strstr(buf, field);
	return p ? strtol(p + strlen(field), NULL, 10) : -1;
}

static long count_maps(pid_t pid)
{
	char path[64], buf[65536];
	long lines = 0;
	ssize_t len, i;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	while ((len = read(fd, buf, sizeof(buf))) > 0)
		for (i = 0; i < len; i++)
			lines += buf[i] == '\n';
	close(fd);
	return lines;
}

/*
 * @n MiB of private anonymous memory as @vmas VMAs separated by one-page
 * holes (so that they cannot merge), every page populated by a write fault.
 */
struct region {
	char *start;
	size_t span;		/* bytes from start to the end of the last VMA */
	size_t pages, per_vma, extra;	/* data pages; per VMA; VMAs with one more */
	unsigned int vmas;
};

struct populate_job {
	struct region *r;
	size_t lo, hi;		/* data page indexes */
	int cpu, ret;
};

/* data page index of the start of VMA @i, and its address */
static size_t vma_first_page(const struct region *r, size_t i)
{
	return i * r->per_vma + (i < r->extra ? i : r->extra);
}

static char *vma_addr(const struct region *r, size_t i)
{
	return r->start + (vma_first_page(r, i) + i) * page_size;
}

static void *populate(void *arg)
{
	struct populate_job *j = arg;
	struct region *r = j->r;
	size_t i, a, b;

	pin_to(j->cpu);
	j->ret = 0;
	for (i = 0; i < r->vmas; i++) {
		a = vma_first_page(r, i);
		b = vma_first_page(r, i + 1);
		if (b <= j->lo || a >= j->hi)
			continue;
		if (madvise(vma_addr(r, i) + ((j->lo > a ? j->lo : a) - a) * page_size,
			    ((j->hi < b ? j->hi : b) - (j->lo > a ? j->lo : a)) * page_size,
			    MADV_POPULATE_WRITE))
			j->ret = -1;
	}
	return NULL;
}

/*
 * Map the region and populate it, half from each CPU (under TCG touching
 * 2 GiB takes seconds: this halves the set-up time of every trial).  The
 * caller ends up on @cpu again.
 */
static int map_region(struct region *r, unsigned int n, unsigned int vmas, enum pg pg, int cpu)
{
	const size_t align = 2 * MIB;	/* PMD size: every layout starts there */
	struct populate_job jobs[2];
	pthread_t helper;
	size_t i, lead;
	char *q;

	r->pages = (size_t)n * MIB / page_size;
	r->vmas = vmas;
	r->per_vma = r->pages / vmas;
	r->extra = r->pages % vmas;
	r->span = (r->pages + vmas) * page_size;
	q = mmap(NULL, r->span + align, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (q == MAP_FAILED)
		return -1;
	lead = (align - (uintptr_t)q % align) % align;
	r->start = q + lead;
	if ((lead && munmap(q, lead)) || munmap(r->start + r->span, align - lead))
		goto fail;
	for (i = 0; i < vmas; i++) {
		size_t len = (r->per_vma + (i < r->extra)) * page_size;

		q = mmap(vma_addr(r, i), len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		/* the hole after it */
		if (q == MAP_FAILED || munmap(q + len, page_size))
			goto fail;
	}
	/* a hog forked later must not share these pages */
	for (i = 0; i < vmas; i++) {
		size_t len = (r->per_vma + (i < r->extra)) * page_size;

		if (madvise(vma_addr(r, i), len, MADV_DONTFORK) ||
		    (pg != PG_4K && madvise(vma_addr(r, i), len, MADV_HUGEPAGE)))
			goto fail;
	}
	jobs[0] = (struct populate_job){ r, 0, r->pages / 2, cpu, 0 };
	jobs[1] = (struct populate_job){ r, r->pages / 2, r->pages, cpu ? 0 : ncpus - 1, 0 };
	if (pthread_create(&helper, NULL, populate, &jobs[1]))
		goto fail;
	populate(&jobs[0]);
	pthread_join(helper, NULL);
	if (jobs[0].ret || jobs[1].ret)
		goto fail;
	return 0;
fail:
	munmap(r->start, r->span);
	return -1;
}

/* What the victim is, besides its memory.  Add kinds here. */
struct victim_kind {
	const char *name;
	/* runs in the victim after its memory is populated; 0 on success */
	int (*setup)(struct region *r);
	/* runs in the caller once the victim is ready: a helper process, or 0 */
	pid_t (*start)(pid_t victim);
	/* the victim must exit on its own before process_mrelease() */
	bool exit_first;
	/* half of its memory is in swap (zram): count what comes back there too */
	bool swapped;
};

static int setup_plain(struct region *r)
{
	(void)r;
	return 0;
}

static int setup_robust(struct region *r)
{
	pthread_mutexattr_t a;
	pthread_mutex_t *m;
	int i;

	m = mmap(NULL, page_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED || pthread_mutexattr_init(&a) ||
	    pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST) ||
	    pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED))
		return -1;
	for (i = 0; i < ROBUST_SHARED; i++)
		if (pthread_mutex_init(&m[i], &a) || pthread_mutex_lock(&m[i]))
			return -1;
	/* one more, process-private, in the middle of the memory released */
	m = (pthread_mutex_t *)vma_addr(r, r->vmas / 2);
	if (pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_PRIVATE) ||
	    pthread_mutex_init(m, &a) || pthread_mutex_lock(m))
		return -1;
	return 0;
}

struct victim_thread {
	pthread_barrier_t *ready;
	pthread_mutex_t *held;	/* locked by the thread, or NULL */
};

static void *victim_thread(void *arg)
{
	struct victim_thread *t = arg;

	if (t->held && pthread_mutex_lock(t->held))
		_exit(1);
	pthread_barrier_wait(t->ready);
	for (;;)
		pause();
	return NULL;
}

/*
 * @count more threads (64 KiB stacks), each with the robust list glibc
 * registers for every thread; with @mutexes each holds a process-private
 * robust mutex of its own, one every count-th of the memory released.
 * Returns once they all run (and hold theirs).
 */
static int start_threads(struct region *r, int count, bool mutexes)
{
	static pthread_barrier_t ready;
	struct victim_thread *t = calloc(count, sizeof(*t));
	pthread_mutexattr_t ma;
	pthread_attr_t ta;
	pthread_t th;
	int i;

	if (!t || pthread_barrier_init(&ready, NULL, count + 1) || pthread_attr_init(&ta) ||
	    pthread_attr_setstacksize(&ta, 64 << 10) || pthread_mutexattr_init(&ma) ||
	    pthread_mutexattr_setrobust(&ma, PTHREAD_MUTEX_ROBUST))
		return -1;
	for (i = 0; i < count; i++) {
		t[i].ready = &ready;
		if (mutexes) {
			t[i].held = (pthread_mutex_t *)(vma_addr(r, 0) +
							(r->per_vma / count) * i * page_size);
			if (pthread_mutex_init(t[i].held, &ma))
				return -1;
		}
		if (pthread_create(&th, &ta, victim_thread, &t[i]))
			return -1;
	}
	pthread_barrier_wait(&ready);
	return 0;
}

static int setup_threads(struct region *r)
{
	return start_threads(r, 1000, false);
}

static int setup_mutexes(struct region *r)
{
	return start_threads(r, 100, true);
}

struct longlist_entry {
	struct robust_list list;
	uint32_t word;
};

static int setup_longlist(struct region *r)
{
	static struct robust_list_head head;
	struct longlist_entry *shared, *e;
	struct robust_list *next;
	size_t i, n = 2047, step = r->pages / n;

	shared = mmap(NULL, page_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED || !step)
		return -1;
	shared->word = syscall(SYS_gettid);
	shared->list.next = &head.list;
	next = &shared->list;
	for (i = n; i-- > 0;) {
		e = (struct longlist_entry *)(vma_addr(r, 0) + i * step * page_size);
		e->word = 0;
		e->list.next = next;
		next = &e->list;
	}
	head.list.next = next;
	head.futex_offset = offsetof(struct longlist_entry, word);
	head.list_op_pending = NULL;
	return syscall(SYS_set_robust_list, &head, sizeof(head));
}

/*
 * victim=swapped: the second half of the data pages goes to swap (the zram
 * device swap_on() set up) through MADV_PAGEOUT.  Each of those pages is
 * written first (its index in its first word): zram stores a page of
 * zeroes as a flag, not as a compressed object, and freeing such an entry
 * costs next to nothing.
 */
static int setup_swapped(struct region *r)
{
	size_t i, p, a, b, lo = r->pages / 2;
	long want = (long)((r->pages - lo) * (page_size / 1024)), got;

	for (i = 0; i < r->vmas; i++) {
		a = vma_first_page(r, i);
		b = vma_first_page(r, i + 1);
		if (b <= lo)
			continue;
		if (a < lo)
			a = lo;
		for (p = a; p < b; p++)
			*(uint64_t *)(vma_addr(r, i) + (p - vma_first_page(r, i)) * page_size) = p + 1;
		if (madvise(vma_addr(r, i) + (a - vma_first_page(r, i)) * page_size,
			    (b - a) * page_size, MADV_PAGEOUT))
			return -1;
	}
	got = status_kb(getpid(), "VmSwap:");
	if (got < want * 9 / 10) {
		fprintf(stderr, "victim=swapped: %ld of %ld kB went to swap (is swap on?)\n", got, want);
		return -1;
	}
	return 0;
}

static int setup_holder(struct region *r)
{
	*victim_addr = (uintptr_t)r->start;
	return 0;
}

/*
 * Fork a helper pinned to the victim's CPU that runs @body(@arg, fd) and
 * writes a byte to fd once it is in place; returns its pid then, or -1.
 */
static pid_t fork_helper(int (*body)(void *arg, int ready_fd), void *arg)
{
	int ready[2];
	pid_t pid;
	char c;

	if (pipe(ready))
		return -1;
	pid = fork();
	if (pid == 0) {
		close(ready[0]);
		alarm(600);	/* whatever happens to the caller */
		pin_to(victim_cpu);
		_exit(body(arg, ready[1]));
	}
	close(ready[1]);
	if (pid < 0 || read(ready[0], &c, 1) != 1) {
		close(ready[0]);
		if (pid > 0) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
		}
		return -1;
	}
	close(ready[0]);
	return pid;
}

struct holder_arg {
	int uffd, ready_fd;
	char *buf;
};

/* Resolves the holder's fault once the caller says so (*release_at). */
static void *holder_thread(void *p)
{
	struct holder_arg *a = p;
	struct pollfd pfd = { .fd = a->uffd, .events = POLLIN };
	struct uffdio_zeropage z = { .range = { (uintptr_t)a->buf, page_size } };
	struct uffd_msg msg;

	if (poll(&pfd, 1, 10000) != 1 || read(a->uffd, &msg, sizeof(msg)) != sizeof(msg))
		_exit(1);
	/* process_vm_readv() is blocked now, with the victim's mm held */
	if (write(a->ready_fd, "h", 1) != 1)
		_exit(1);
	while (now_ns() < *release_at)
		usleep(1000);
	if (ioctl(a->uffd, UFFDIO_ZEROPAGE, &z))
		_exit(1);
	return NULL;
}

static int holder_main(void *victim_pid, int ready_fd)
{
	pid_t victim = *(pid_t *)victim_pid;
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };
	struct iovec local, remote;
	struct holder_arg a;
	pthread_t th;

	a.ready_fd = ready_fd;
	a.uffd = syscall(__NR_userfaultfd, O_CLOEXEC);
	a.buf = mmap(NULL, page_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (a.uffd < 0 || ioctl(a.uffd, UFFDIO_API, &api) || a.buf == MAP_FAILED)
		return 1;
	reg.range.start = (uintptr_t)a.buf;
	reg.range.len = page_size;
	if (ioctl(a.uffd, UFFDIO_REGISTER, &reg) || pthread_create(&th, NULL, holder_thread, &a))
		return 1;
	local = (struct iovec){ a.buf, page_size };
	remote = (struct iovec){ (void *)(uintptr_t)*victim_addr, page_size };
	if (process_vm_readv(victim, &local, 1, &remote, 1, 0) != page_size)
		return 1;
	pthread_join(th, NULL);
	return 0;
}

/*
 * Fork the holder; returns once it holds the victim's mm.  It waits on the
 * victim's CPU, which is idle once the victim is dead: on CPU 0 the
 * caller's MemAvailable polling would slow down its own teardown of the mm
 * when it lets go.
 */
static pid_t start_holder(pid_t victim)
{
	*release_at = INT64_MAX;
	return fork_helper(holder_main, &victim);
}

static const struct victim_kind victim_kinds[] = {
	{ "plain", setup_plain, NULL, false, false },
	{ "robust", setup_robust, NULL, false, false },
	{ "holder", setup_holder, start_holder, true, false },
	{ "threads", setup_threads, NULL, false, false },
	{ "mutexes", setup_mutexes, NULL, false, false },
	{ "swapped", setup_swapped, NULL, false, true },
	{ "longlist", setup_longlist, NULL, false, false },
	/* p10: the processes of a cgroup (run_cgroup_trial()) */
	{ "cgbig", setup_plain, NULL, false, false },
	{ "cgmany", setup_plain, NULL, false, false },
	{ "cgempty", setup_plain, NULL, false, false },
};

/*
 * Swap for victim=swapped: zram0 (the kernel's one zram device, compressed
 * in RAM: what Android's lmkd kills into), made swap with the guest's
 * busybox mkswap and swapon.  0, or -1 with the reason on stderr.
 */
#define ZRAM_MIB 1024
static int swap_on(void)
{
	char size[32], algo[128] = "?";

	snprintf(size, sizeof(size), "%dM", ZRAM_MIB);
	if (write_file("/sys/block/zram0/disksize", size)) {
		fprintf(stderr, "no /sys/block/zram0 (CONFIG_ZRAM) or it is in use\n");
		return -1;
	}
	read_file("/sys/block/zram0/comp_algorithm", algo, sizeof(algo));
	fflush(stdout);
	if (system("mkswap /dev/zram0 >/dev/null && swapon /dev/zram0")) {
		fprintf(stderr, "mkswap or swapon /dev/zram0 failed\n");
		return -1;
	}
	printf("# info swap=zram0 size_mib=%d comp_algorithm=\"%s\"\n", ZRAM_MIB, algo);
	return 0;
}

static int hog_main(void *unused, int ready_fd)
{
	struct sched_param sp = { .sched_priority = 50 };

	(void)unused;
	if (sched_setscheduler(0, SCHED_FIFO, &sp) || write(ready_fd, "h", 1) != 1)
		return 1;
	while (now_ns() < *hog_deadline)
		;
	return 0;
}

/* Fork the SCHED_FIFO busy loop onto the victim's CPU; returns once it runs. */
static pid_t start_hog(void)
{
	*hog_deadline = INT64_MAX;
	return fork_helper(hog_main, NULL);
}

static void stop_hog(pid_t hog)
{
	if (hog <= 0)
		return;
	*hog_deadline = 0;
	waitpid(hog, NULL, 0);
}

/*
 * A fixed amount of work on this CPU, in microseconds: under TCG it tells
 * how much of a host core the vCPU gets right now (other jobs on the host).
 */
static double calibrate(void)
{
	volatile unsigned int seed = 1;
	unsigned int x = seed, i;
	int64_t t = now_ns();

	for (i = 0; i < 5000000; i++)
		x = x * 1103515245 + 12345;
	seed = x;
	return (double)(now_ns() - t) / 1e3;
}

/*
 * -L: spinlock contention, counted by the stack that met it, from the kill
 * until the memory is back.  Two events feed a hist trigger each, keyed on
 * the stack and paused outside that window: lock:contention_begin, the
 * kernel's own, and a kprobe event on the spinlock slow path.  Every
 * contended spin_lock() enters the slow path; contention_begin fires only
 * once a waiter queues behind another one, and with two CPUs the only
 * waiter spins on the pending bit instead.
 */
#define TRACEFS "/sys/kernel/tracing/"
#define HIST_SPEC "hist:keys=common_stacktrace:vals=hitcount:sort=hitcount.descending:size=4096"
static const char *const lock_event[] = { "mrb/spin_slowpath", "lock/contention_begin" };
static const char *const lock_event_name[] = { "slowpath", "begin" };
static int lockstat;
static int caller_starves;	/* -C */
static double min_ms;		/* -m */

static int hist_cmd(int e, const char *modifier)
{
	char path[128], cmd[256];

	snprintf(path, sizeof(path), TRACEFS "events/%s/trigger", lock_event[e]);
	snprintf(cmd, sizeof(cmd), HIST_SPEC "%s", modifier);
	return write_file(path, cmd);
}

static int lockstat_setup(void)
{
	/*
	 * An optimized (jump) kprobe calls its handler from a trampoline that
	 * the unwinder cannot walk through: every stack would end there.
	 */
	write_file("/proc/sys/debug/kprobes-optimization", "0");
	if (write_file(TRACEFS "kprobe_events", "p:mrb/spin_slowpath queued_spin_lock_slowpath") &&
	    write_file(TRACEFS "kprobe_events", "p:mrb/spin_slowpath native_queued_spin_lock_slowpath"))
		return -1;
	return hist_cmd(0, ":pause") || hist_cmd(1, ":pause") ? -1 : 0;
}

static void lockstat_window(bool open)
{
	int e;

	for (e = 0; e < 2; e++) {
		if (open)
			hist_cmd(e, ":clear");
		hist_cmd(e, open ? ":cont" : ":pause");
	}
}

/*
 * Print each event's histogram as "# lock" lines: one per stack, its count
 * and its frames (innermost first, offsets dropped), then the totals.
 */
static void lockstat_print(const char *desc, int rep)
{
	static char buf[1 << 20];
	char path[128], stack[2048], *line, *save, *p;
	long count, hits = -1, dropped = -1;
	size_t len;
	ssize_t got;
	int e, fd;

	for (e = 0; e < 2; e++) {
		snprintf(path, sizeof(path), TRACEFS "events/%s/hist", lock_event[e]);
		fd = open(path, O_RDONLY);
		len = 0;
		while (fd >= 0 && len < sizeof(buf) - 1 &&
		       (got = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
			len += got;
		if (fd >= 0)
			close(fd);
		buf[len] = 0;
		stack[0] = 0;
		for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			while (*line == ' ' || *line == '\t')
				line++;
			if (!strncmp(line, "{ ", 2)) {
				stack[0] = 0;
			} else if (sscanf(line, "} hitcount: %ld", &count) == 1) {
				printf("# lock ev=%s %s rep=%d count=%ld stack=%s\n",
				       lock_event_name[e], desc, rep, count, stack[0] ? stack : "?");
			} else if (sscanf(line, "Hits: %ld", &hits) == 1 ||
				   sscanf(line, "Dropped: %ld", &dropped) == 1) {
				continue;
			} else if (*line && *line != '#' && strncmp(line, "Totals:", 7) &&
				   strncmp(line, "Entries:", 8)) {
				p = strchr(line, '+');
				if (p)
					*p = 0;
				if (strlen(stack) + strlen(line) + 2 < sizeof(stack))
					snprintf(stack + strlen(stack), sizeof(stack) - strlen(stack), "%s%s",
						 stack[0] ? "<" : "", line);
			}
		}
		printf("# lock ev=%s %s rep=%d total=%ld dropped=%ld\n",
		       lock_event_name[e], desc, rep, hits, dropped);
	}
}

/*
 * What must come back, in kB of MemAvailable and of SwapFree (0: nothing
 * to wait for), and when SwapFree got there.
 */
struct mem_target {
	long avail_kb, swap_kb;
	int64_t swap_t;
};

/*
 * Poll /proc/meminfo until both targets are reached or @limit ns pass,
 * without sleeping, or with a millisecond's sleep (a tick: no hrtimers)
 * between reads; returns when MemAvailable got there, or -1.
 */
static int64_t poll_for_memory(struct mem_target *m, int64_t from, int64_t limit, bool sleep)
{
	int64_t t, mem_t = 0;
	long sw;

	for (;;) {
		long a = meminfo_kb(&sw);

		t = now_ns();
		if (!mem_t && a >= m->avail_kb)
			mem_t = t;
		if (!m->swap_t && sw >= m->swap_kb)
			m->swap_t = t;
		if (mem_t && m->swap_t)
			return mem_t;
		if (a < 0 || t - from > limit)
			return -1;
		if (sleep)
			usleep(1000);
	}
}

static int64_t wait_for_memory(struct mem_target *m, int64_t from, int64_t limit)
{
	return poll_for_memory(m, from, limit, false);
}

static int64_t sleep_for_memory(struct mem_target *m, int64_t from, int64_t limit)
{
	return poll_for_memory(m, from, limit, true);
}

/* -C: the caller at SCHED_FIFO (on), or back to SCHED_OTHER (off) */
static void caller_fifo(bool on)
{
	struct sched_param sp = { .sched_priority = on ? 50 : 0 };

	if (sched_setscheduler(0, on ? SCHED_FIFO : SCHED_OTHER, &sp))
		perror("sched_setscheduler");
}

static int run_victim_trial(struct tcase *c, struct row *r)
{
	int ready[2], pidfd = -1, ret = -1;
	pid_t victim, hog = -1, helper = 0;
	int64_t t0, t1, t2, tf, ts;
	long before, swap_free, sw0 = 0, hp0;
	struct mem_target target = { 0 };
	/* -C: the caller starves the victim itself, on the caller's CPU */
	bool solo = caller_starves && c->s;
	int vcpu = solo ? 0 : victim_cpu;
	char ch;

	if (pipe(ready))
		return -1;
	if (thp_select(c->pg)) {
		fprintf(stderr, "cannot select %s pages in " THP_DIR "\n", pg_name[c->pg]);
		close(ready[0]);
		close(ready[1]);
		return -1;
	}
	hp0 = thp_faults(c->pg);
	ts = now_ns();
	victim = fork();
	if (victim < 0)
		return -1;
	if (victim == 0) {
		struct region reg;

		close(ready[0]);
		pin_to(vcpu);
		if (map_region(&reg, c->n, c->vmas, c->pg, vcpu) || c->victim->setup(&reg))
			_exit(1);
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(ready[1]);
	if (read(ready[0], &ch, 1) != 1) {
		fprintf(stderr, "victim %d failed to set up %u MiB\n", victim, c->n);
		goto out;
	}
	r->setup_ms = ms_between(ts, now_ns());
	r->huge_pct = huge_share(c->pg, hp0, thp_faults(c->pg), c->n);
	pidfd = pidfd_open(victim, 0);
	if (pidfd < 0) {
		perror("pidfd_open");
		goto out;
	}
	r->rss_mib = resident_mib(victim);
	r->maps = count_maps(victim);
	if (c->victim->start) {
		helper = c->victim->start(victim);
		if (helper < 0) {
			fprintf(stderr, "the %s victim's helper did not start\n", c->victim->name);
			goto out;
		}
	}
	if (c->s && !solo) {
		hog = start_hog();
		if (hog < 0) {
			fprintf(stderr, "cannot start the SCHED_FIFO hog\n");
			goto out;
		}
	}
	if (solo)
		caller_fifo(true);
	if (c->s)
		sw0 = ctxt_switches(victim);

	r->calib_us = calibrate();
	r->tlb_ipis = tlb_shootdowns();
	if (c->victim->swapped)
		r->swap_kb = status_kb(victim, "VmSwap:");
	before = meminfo_kb(&swap_free);
	/* what the victim held: its RSS and its swap when half is in swap */
	target.avail_kb = before + (c->victim->swapped ? r->rss_mib : (long)c->n) * 1024 * 9 / 10;
	if (r->swap_kb > 0)
		target.swap_kb = swap_free + r->swap_kb * 9 / 10;
	if (lockstat)
		lockstat_window(true);
	if (c->s && !solo)
		*hog_deadline = now_ns() + (int64_t)c->s * 1000000000;
	t0 = now_ns();
	if (helper)
		*release_at = t0 + (int64_t)HOLD_S * 1000000000;
	if (pidfd_send_signal(pidfd, SIGKILL, NULL, 0)) {
		perror("pidfd_send_signal");
		goto out;
	}
	r->rc = 0;
	r->err = 0;
	if (c->how == HOW_MRELEASE) {
		if (c->victim->exit_first) {
			struct pollfd pfd = { .fd = pidfd, .events = POLLIN };

			if (poll(&pfd, 1, 10000) != 1) {
				fprintf(stderr, "the victim did not exit\n");
				goto out;
			}
		}
		t1 = now_ns();
		r->rc = process_mrelease(pidfd, 0);
		r->err = r->rc ? errno : 0;
		t2 = now_ns();
		r->call_ms = ms_between(t1, t2);
		if (c->victim->swapped)		/* what the call left */
			r->swap_left_kb = status_kb(victim, "VmSwap:");
		/* the victim's CPU was given back before the call returned */
		r->overlap = c->s && !solo && t2 > *hog_deadline;
	}
	if (solo && c->how == HOW_KILL) {
		/*
		 * S s on the victim's CPU, then leave it to the victim and
		 * sleep until it has exited (its memory is back by then), so
		 * that CPU 1 stays idle while it exits: under -icount a
		 * caller polling there, even a tick apart, made the exit of
		 * 2 GiB take 3036 ms in one run and 3189 ms in another.
		 */
		tf = wait_for_memory(&target, t0, (int64_t)c->s * 1000000000);
		if (tf < 0) {
			struct pollfd pfd = { .fd = pidfd, .events = POLLIN };

			caller_fifo(false);
			pin_to(victim_cpu);
			poll(&pfd, 1, 120000);
			tf = wait_for_memory(&target, t0, ((int64_t)c->s + 120) * 1000000000);
		}
	} else if (caller_starves) {
		/*
		 * A victim that is not starved (victim=holder): when the call
		 * did not release the memory, CPU 1 frees it, and under
		 * -icount a busy caller on CPU 0 left it no time at all.
		 */
		tf = sleep_for_memory(&target, t0, ((int64_t)c->s + HOLD_S + 120) * 1000000000);
	} else {
		tf = wait_for_memory(&target, t0, ((int64_t)c->s + HOLD_S + 120) * 1000000000);
	}
	if (lockstat)
		lockstat_window(false);
	if (tf < 0) {
		fprintf(stderr, "MemAvailable did not recover by %ld MiB%s\n",
			(target.avail_kb - before) / 1024, target.swap_t ? "" : " or SwapFree not at all");
		goto out;
	}
	r->ttf_ms = ms_between(t0, tf);
	if (target.swap_kb)
		r->swap_ms = ms_between(t0, target.swap_t);
	r->tlb_ipis = tlb_shootdowns() - r->tlb_ipis;
	if (c->s) {
		/* did the victim run while its CPU was taken? */
		if (c->how == HOW_KILL)
			r->ran = r->ttf_ms < c->s * 1000.0;
		else if (solo || tf < *hog_deadline)
			r->ran = ctxt_switches(victim) != sw0;
	}
	ret = 0;
out:
	if (solo) {
		caller_fifo(false);
		pin_to(0);
	}
	stop_hog(hog);
	if (helper > 0) {
		*release_at = 0;
		waitpid(helper, NULL, 0);
	}
	kill(victim, SIGKILL);
	waitpid(victim, NULL, 0);
	if (pidfd >= 0)
		close(pidfd);
	close(ready[0]);
	return ret;
}

static int run_munmap_trial(struct tcase *c, struct row *r)
{
	int64_t t0, t1, tf, ts;
	pid_t hog = -1;
	struct region reg;
	struct mem_target target = { 0 };
	long before, hp0;
	int ret = -1;

	if (thp_select(c->pg)) {
		fprintf(stderr, "cannot select %s pages in " THP_DIR "\n", pg_name[c->pg]);
		return -1;
	}
	hp0 = thp_faults(c->pg);
	ts = now_ns();
	if (map_region(&reg, c->n, c->vmas, c->pg, 0)) {
		perror("map_region");
		return -1;
	}
	r->setup_ms = ms_between(ts, now_ns());
	r->huge_pct = huge_share(c->pg, hp0, thp_faults(c->pg), c->n);
	r->rss_mib = resident_mib(getpid());
	r->maps = count_maps(getpid());
	if (c->s && !caller_starves) {
		/* the same load on the other CPU as in the kill/mrelease trials */
		hog = start_hog();
		if (hog < 0)
			goto out;
	}
	if (c->s && caller_starves)
		caller_fifo(true);	/* as the -C mrelease trials */
	r->calib_us = calibrate();
	r->tlb_ipis = tlb_shootdowns();
	before = mem_available_kb();
	t0 = now_ns();
	r->rc = munmap(reg.start, reg.span);
	r->err = r->rc ? errno : 0;
	t1 = now_ns();
	r->call_ms = ms_between(t0, t1);
	target.avail_kb = before + (long)c->n * 1024 * 9 / 10;
	tf = wait_for_memory(&target, t0, 120000000000LL);
	if (tf < 0)
		goto out;
	r->ttf_ms = ms_between(t0, tf);
	r->tlb_ipis = tlb_shootdowns() - r->tlb_ipis;
	ret = 0;
out:
	if (c->s && caller_starves)
		caller_fifo(false);
	stop_hog(hog);
	if (ret)
		munmap(reg.start, reg.span);
	return ret;
}

/*
 * p10: a killed cgroup.  victim=cgbig is 64 processes of 16 MiB and one of
 * 256 MiB with 100 threads, victim=cgmany 1,000 processes of 1 MiB, all in
 * the cgroup CG_BENCH, and victim=cgempty 1,000 processes that map nothing
 * but what fork() gave them (what a release costs per process, beyond the
 * memory it frees), children of a spawner process that joined it first (a
 * migration per process would cost a grace period each).  They are killed
 * with cgroup.kill while kept off their CPU for s seconds (as the other
 * trials: -C, or the hog), and then
 *   how=cgkill  nothing more,
 *   how=cgloop  what oomd does: read cgroup.procs, and per pid pidfd_open()
 *               and process_mrelease() (call_ms: the whole loop),
 *   how=cgreap  one write of 1 to memory.reap (call_ms: the write).
 * time-to-free is from the kill until memory.current has dropped by 98 % of
 * the cgroup's anonymous memory (memory.stat anon before the kill): the
 * victims' kernel memory (page tables, stacks) stays until they exit, so
 * memory.current itself never falls to 2 % of the anonymous memory while
 * they are starved.  rss_mib is that anonymous memory, maps the number of
 * processes; for cgloop rc counts the calls that failed with anything but
 * ESRCH (err: the last of those); ran is 1 when cgloop or cgreap left more
 * than the 2 % to the victims' own exit.  cgloop and cgreap run CG_TRIALS
 * times at least (one trial is 1,000 processes: the median of three).
 */
#define CG_BENCH "/sys/fs/cgroup/mrelease-bench"
#define CG_TRIALS 3	/* cgloop, cgreap: the median of at least 3 */

struct cg_shape {
	const char *victim;
	unsigned int procs, mib;	/* small processes, MiB each */
	unsigned int big_mib, big_threads;
};

static const struct cg_shape cg_shapes[] = {
	{ "cgbig", 64, 16, 256, 100 },
	{ "cgmany", 1000, 1, 0, 0 },
	{ "cgempty", 1000, 0, 0, 0 },
};
#define CG_SHAPES (sizeof(cg_shapes) / sizeof(cg_shapes[0]))

static long cg_kb(const char *file, const char *key)
{
	char path[128], buf[8192], *p;
	size_t len = key ? strlen(key) : 0;

	snprintf(path, sizeof(path), CG_BENCH "/%s", file);
	if (read_file(path, buf, sizeof(buf)))
		return -1;
	if (!key)
		return atol(buf) / 1024;
	for (p = buf; p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (!strncmp(p, key, len) && p[len] == ' ')
			return atol(p + len + 1) / 1024;
	return -1;
}

static void *cg_idle_thread(void *arg)
{
	for (;;)
		pause();
	return arg;
}

static void cg_victim(unsigned int mib, unsigned int threads, int ready_fd)
{
	size_t len = (size_t)mib * MIB;
	pthread_t t;
	char *p;

	if (len) {
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			_exit(1);
		if (madvise(p, len, MADV_POPULATE_WRITE))
			memset(p, 0x5a, len);
	}
	while (threads--)
		if (pthread_create(&t, NULL, cg_idle_thread, NULL))
			_exit(1);
	if (write(ready_fd, "r", 1) != 1)
		_exit(1);
	for (;;)
		pause();
}

/*
 * The spawner: joins the cgroup, forks the victims, waits to be killed.  It
 * runs in a fresh image of this program (CG_SPAWNER_ARG), so that every
 * victim starts from the same memory, whatever the trials before it
 * touched: what a fork() inherits mapped is part of what a release frees.
 */
#define CG_SPAWNER_ARG "--cg-spawner"
static void cg_spawner(const struct cg_shape *sh, int cpu, int ready_fd)
{
	unsigned int i, n = sh->procs + !!sh->big_mib;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (write_file(CG_BENCH "/cgroup.procs", "0"))
		_exit(1);
	pin_to(cpu);
	for (i = 0; i < n; i++) {
		pid_t pid = fork();

		if (pid < 0)
			_exit(1);
		if (pid == 0) {
			if (i < sh->procs)
				cg_victim(sh->mib, 0, ready_fd);
			cg_victim(sh->big_mib, sh->big_threads, ready_fd);
		}
	}
	for (;;)
		pause();
}

/* oomd's loop: every pid of cgroup.procs, pidfd_open() + process_mrelease() */
static void cg_loop(struct row *r)
{
	static char buf[65536];
	int fd = open(CG_BENCH "/cgroup.procs", O_RDONLY);
	size_t len = 0;
	ssize_t got;
	char *p, *end;
	int pidfd;

	r->rc = 0;
	if (fd < 0)
		return;
	/* a page per read(), as any reader of cgroup.procs gets it */
	while (len < sizeof(buf) - 1 &&
	       (got = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += got;
	close(fd);
	buf[len] = '\0';
	for (p = buf; *p; p = end) {
		pid_t pid = strtol(p, &end, 10);

		if (end == p)
			break;
		pidfd = pidfd_open(pid, 0);
		if (pidfd < 0)
			continue;
		if (process_mrelease(pidfd, 0) && errno != ESRCH) {
			r->rc++;
			r->err = errno;
		}
		close(pidfd);
	}
}

/* Poll memory.current until it is at most @kb or @limit ns passed since @from. */
static int64_t cg_wait(long kb, int64_t from, int64_t limit, bool sleep)
{
	for (;;) {
		long cur = cg_kb("memory.current", NULL);
		int64_t t = now_ns();

		if (cur >= 0 && cur <= kb)
			return t;
		if (cur < 0 || t - from > limit)
			return -1;
		if (sleep)
			usleep(1000);
	}
}

static int run_cgroup_trial(struct tcase *c, struct row *r)
{
	const struct cg_shape *sh = NULL;
	bool solo = caller_starves && c->s;
	int vcpu = solo ? 0 : victim_cpu, ready[2], ret = -1, tries;
	unsigned int i, n, got = 0;
	int64_t t0, t1, tf = -1, ts;
	pid_t spawner, hog = -1;
	long cur0, anon0, target;
	char ch;

	for (i = 0; i < CG_SHAPES; i++)
		if (!strcmp(c->victim->name, cg_shapes[i].victim))
			sh = &cg_shapes[i];
	if (!sh || pipe(ready))
		return -1;
	n = sh->procs + !!sh->big_mib;
	write_file("/sys/fs/cgroup/cgroup.subtree_control", "+memory");
	rmdir(CG_BENCH);
	if (mkdir(CG_BENCH, 0755)) {
		perror("mkdir " CG_BENCH);
		close(ready[0]);
		close(ready[1]);
		return -1;
	}
	ts = now_ns();
	spawner = fork();
	if (spawner == 0) {
		char a[3][16];

		close(ready[0]);
		snprintf(a[0], sizeof(a[0]), "%d", (int)(sh - cg_shapes));
		snprintf(a[1], sizeof(a[1]), "%d", vcpu);
		snprintf(a[2], sizeof(a[2]), "%d", ready[1]);
		execl("/proc/self/exe", "mrelease-bench", CG_SPAWNER_ARG, a[0], a[1], a[2],
		      (char *)NULL);
		_exit(1);
	}
	close(ready[1]);
	while (got < n && read(ready[0], &ch, 1) == 1)
		got++;
	close(ready[0]);
	if (spawner < 0 || got < n) {
		fprintf(stderr, "%u of %u processes of %s got ready\n", got, n, sh->victim);
		goto out;
	}
	r->setup_ms = ms_between(ts, now_ns());
	r->maps = n;
	if (c->s && !solo) {
		hog = start_hog();
		if (hog < 0)
			goto out;
	}
	if (solo)
		caller_fifo(true);
	r->calib_us = calibrate();
	cur0 = cg_kb("memory.current", NULL);
	anon0 = cg_kb("memory.stat", "anon");
	if (cur0 < 0 || anon0 <= 0)
		goto out;
	r->rss_mib = anon0 / 1024;
	target = cur0 - anon0 * 98 / 100;
	if (c->s && !solo)
		*hog_deadline = now_ns() + (int64_t)c->s * 1000000000;
	t0 = now_ns();
	if (write_file(CG_BENCH "/cgroup.kill", "1")) {
		perror("cgroup.kill");
		goto out;
	}
	r->rc = 0;
	if (c->how == HOW_CGLOOP) {
		cg_loop(r);
	} else if (c->how == HOW_CGREAP) {
		int fd = open(CG_BENCH "/memory.reap", O_WRONLY);

		if (fd < 0 || write(fd, "1", 1) != 1) {
			r->rc = -1;
			r->err = errno;
		}
		if (fd >= 0)
			close(fd);
	}
	t1 = now_ns();
	if (c->how != HOW_CGKILL)
		r->call_ms = ms_between(t0, t1);
	/* the victims cannot run for s seconds: without sleeping on their CPU */
	tf = cg_wait(target, t0, (int64_t)c->s * 1000000000, !c->s);
	/* released by cgloop or cgreap before the victims could run? */
	r->ran = c->s && c->how != HOW_CGKILL && tf < 0;
	if (tf < 0) {
		if (solo) {
			caller_fifo(false);
			pin_to(victim_cpu);
		}
		tf = cg_wait(target, t0, ((int64_t)c->s + 120) * 1000000000, true);
	}
	if (tf < 0) {
		fprintf(stderr, "memory.current did not drop to %ld kB (from %ld, anon %ld)\n",
			target, cur0, anon0);
		goto out;
	}
	r->ttf_ms = ms_between(t0, tf);
	ret = 0;
out:
	if (solo) {
		caller_fifo(false);
		pin_to(0);
	}
	stop_hog(hog);
	write_file(CG_BENCH "/cgroup.kill", "1");
	if (spawner > 0)
		kill(spawner, SIGKILL);
	/* the victims are ours to wait for (PR_SET_CHILD_SUBREAPER) */
	for (tries = 0; tries < 120000; tries++)
		if (waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD)
			break;
		else
			usleep(1000);
	for (tries = 0; rmdir(CG_BENCH) && errno == EBUSY && tries < 5000; tries++)
		usleep(1000);
	return ret;
}

static void *churn_thread(void *arg)
{
	return arg;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * p9: n iterations of fork/exit/wait or of thread create/exit/join; call_ms
 * is the mean of the middle 80 % of the iterations.  The occasional
 * iteration that also runs a batch of RCU callbacks or a kworker (freeing
 * what earlier ones left) moves a loop's total by several per cent from
 * one trial to the next, so the slowest tenth goes (and the fastest, to
 * keep it centred); and the median alone is quantized: the iterations
 * take one of a few costs some 500 instructions apart, and which of them
 * is the median changed from one run to the next (a thread's iteration
 * 0.117 or 0.122 ms on the same kernel, 4 %).
 */
static int run_churn_trial(struct tcase *c, struct row *r)
{
	int64_t *it = calloc(c->n, sizeof(*it)), t0;
	unsigned int i;
	int ret = -1;
	pid_t pid;

	if (!it)
		return -1;
	r->calib_us = calibrate();
	for (i = 0; i < c->n; i++) {
		t0 = now_ns();
		if (c->how == HOW_FORK) {
			pid = fork();
			if (pid == 0)
				_exit(0);
			if (pid < 0 || waitpid(pid, NULL, 0) != pid)
				goto out;
		} else {
			pthread_t th;

			if (pthread_create(&th, NULL, churn_thread, NULL) ||
			    pthread_join(th, NULL))
				goto out;
		}
		it[i] = now_ns() - t0;
	}
	qsort(it, c->n, sizeof(*it), cmp_i64);
	{
		unsigned int lo = c->n / 10, hi = c->n - c->n / 10;
		int64_t sum = 0;

		for (i = lo; i < hi; i++)
			sum += it[i];
		r->call_ms = (double)sum / (hi - lo) / 1e6;
	}
	r->rc = 0;
	ret = 0;
out:
	free(it);
	return ret;
}

static void print_case(const struct tcase *c, char *buf, size_t size)
{
	snprintf(buf, size, "how=%s n=%u s=%u vmas=%u victim=%s pg=%s",
		 how_name[c->how], c->n, c->s, c->vmas, c->victim->name, pg_name[c->pg]);
}

static void add_case_pg(enum how how, unsigned int n, unsigned int s, unsigned int vmas,
			const struct victim_kind *victim, enum pg pg)
{
	struct tcase *c;
	int i;

	for (i = 0; i < ncases; i++) {
		c = &cases[i];
		if (c->how == how && c->n == n && c->s == s && c->vmas == vmas && c->victim == victim &&
		    c->pg == pg)
			return;
	}
	if (ncases == MAX_CASES) {
		fprintf(stderr, "too many cases\n");
		exit(2);
	}
	cases[ncases++] = (struct tcase){ how, n, s, vmas, victim, pg, 0, 0 };
}

static void add_case(enum how how, unsigned int n, unsigned int s, unsigned int vmas,
		     const struct victim_kind *victim)
{
	add_case_pg(how, n, s, vmas, victim, PG_4K);
}

static int parse_list(const char *arg, unsigned int *v, int max)
{
	char *copy = strdup(arg), *tok, *save;
	int n = 0;

	for (tok = strtok_r(copy, ",", &save); tok && n < max; tok = strtok_r(NULL, ",", &save))
		v[n++] = strtoul(tok, NULL, 0);
	free(copy);
	return n;
}

static int parse_case(const char *arg)
{
	char *copy = strdup(arg), *tok, *save, *val;
	unsigned int n = 0, s = 1, vmas = 1, i;
	const struct victim_kind *victim = &victim_kinds[0];
	int how = -1, ok = 1, pg = PG_4K;

	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		val = strchr(tok, '=');
		if (!val) {
			ok = 0;
			break;
		}
		*val++ = 0;
		if (!strcmp(tok, "how")) {
			for (i = 0; i < NHOW; i++)
				if (!strcmp(val, how_name[i]))
					how = i;
		} else if (!strcmp(tok, "n")) {
			n = strtoul(val, NULL, 0);
		} else if (!strcmp(tok, "s")) {
			s = strtoul(val, NULL, 0);
		} else if (!strcmp(tok, "vmas")) {
			vmas = strtoul(val, NULL, 0);
		} else if (!strcmp(tok, "pg")) {
			pg = -1;
			for (i = 0; i < 3; i++)
				if (!strcmp(val, pg_name[i]))
					pg = i;
			ok &= pg >= 0;
		} else if (!strcmp(tok, "victim")) {
			victim = NULL;
			for (i = 0; i < sizeof(victim_kinds) / sizeof(victim_kinds[0]); i++)
				if (!strcmp(val, victim_kinds[i].name))
					victim = &victim_kinds[i];
			ok &= victim != NULL;
		} else {
			ok = 0;
		}
	}
	free(copy);
	if (!ok || how < 0 || !n || !vmas)
		return -1;
	add_case_pg(how, n, s, vmas, victim, pg);
	return 0;
}

static void header(void)
{
	char buf[256];
	struct utsname u;
	int64_t t;
	int i;

	uname(&u);
	printf("# info kernel=%s machine=%s cpus=%d victim_cpu=%d page_size=%d\n",
	       u.release, u.machine, ncpus, victim_cpu, page_size);
	printf("# info mem_total_mib=%ld mem_available_mib=%ld\n",
	       (long)(sysconf(_SC_PHYS_PAGES) * (long long)page_size / (long long)MIB),
	       mem_available_kb() / 1024);
	if (!read_file("/sys/kernel/mm/transparent_hugepage/enabled", buf, sizeof(buf)))
		printf("# info thp=\"%s\"\n", buf);
	if (!read_file("/sys/devices/system/clocksource/clocksource0/current_clocksource", buf, sizeof(buf)))
		printf("# info clocksource=%s\n", buf);
	for (i = 0; i < ncpus; i++) {
		char path[96];

		snprintf(path, sizeof(path), "/sys/kernel/debug/sched/fair_server/cpu%d/runtime", i);
		if (!read_file(path, buf, sizeof(buf)))
			printf("# info fair_server_runtime_cpu%d=%s\n", i, buf);
	}
	t = now_ns();
	for (i = 0; i < 100; i++)
		mem_available_kb();
	printf("# info meminfo_read_us=%.1f\n", (double)(now_ns() - t) / 1e3 / 100);
}

int main(int argc, char **argv)
{
	unsigned int ns[16] = { 256, 512, 1024, 2048 }, ss[16] = { 1, 4 };
	unsigned int p3ns[16] = { 512, 2048 }, p4n = 512, thpns[16] = { 512, 2048 };
	int nn = 4, nss = 2, np3 = 2, nthp = 2, reps = 5, opt, i, j, k, fails = 0;
	char pcp_saved[64] = "", rt_saved[64] = "", cp_saved[64] = "", desc[160], fs[96];
	char thp_saved[3][64] = { "" };
	const struct victim_kind *plain = &victim_kinds[0], *robust = &victim_kinds[1];
	const struct victim_kind *holder = &victim_kinds[2], *threads = &victim_kinds[3];
	const struct victim_kind *mutexes = &victim_kinds[4], *swapped = &victim_kinds[5];
	const struct victim_kind *longlist = &victim_kinds[6];
	const struct victim_kind *cgshape[3] = { &victim_kinds[7], &victim_kinds[8],
						 &victim_kinds[9] };
	static const unsigned int splits[] = { 100, 10000 };
	const char *pcp_fraction = "100000";
	unsigned int seed = 0;
	int64_t start = now_ns();

	if (argc == 5 && !strcmp(argv[1], CG_SPAWNER_ARG)) {
		cg_spawner(&cg_shapes[atoi(argv[2]) % CG_SHAPES], atoi(argv[3]), atoi(argv[4]));
		return 1;
	}
	while ((opt = getopt(argc, argv, "r:m:N:S:P:V:T:H:z:LC")) != -1) {
		switch (opt) {
		case 'r': reps = atoi(optarg); break;
		case 'm': min_ms = atof(optarg); break;
		case 'N': nn = parse_list(optarg, ns, 16); break;
		case 'S': nss = parse_list(optarg, ss, 16); break;
		case 'P': np3 = parse_list(optarg, p3ns, 16); break;
		case 'V': p4n = strtoul(optarg, NULL, 0); break;
		case 'T': nthp = parse_list(optarg, thpns, 16); break;
		case 'L': lockstat = 1; break;
		case 'C': caller_starves = 1; break;
		case 'H': pcp_fraction = optarg; break;
		case 'z': seed = strtoul(optarg, NULL, 0); break;
		default:
			fprintf(stderr, "usage: %s [-r reps] [-m ms] [-N MiB,..] [-S s,..] [-P MiB,..] [-V MiB] [-T MiB,..] [-H pcp fraction|-] [-z seed] [-L] [-C] case...\n",
				argv[0]);
			return 2;
		}
	}
	for (i = optind; i < argc; i++) {
		const char *a = argv[i];
		int all = !strcmp(a, "all");

		if (all || !strcmp(a, "p1"))
			for (j = 0; j < nn; j++)
				for (k = 0; k < nss; k++) {
					add_case(HOW_KILL, ns[j], ss[k], 1, plain);
					add_case(HOW_MRELEASE, ns[j], ss[k], 1, plain);
				}
		if (all || !strcmp(a, "p2"))
			for (j = 0; j < nn; j++)
				add_case(HOW_MUNMAP, ns[j], ss[0], 1, plain);
		if (all || !strcmp(a, "p3"))
			for (j = 0; j < np3; j++) {
				add_case(HOW_KILL, p3ns[j], 0, 1, plain);
				add_case(HOW_MRELEASE, p3ns[j], 0, 1, plain);
			}
		if (all || !strcmp(a, "p4"))
			for (j = 0; j < 2; j++) {
				add_case(HOW_KILL, p4n, ss[0], splits[j], plain);
				add_case(HOW_MRELEASE, p4n, ss[0], splits[j], plain);
				add_case(HOW_MUNMAP, p4n, ss[0], splits[j], plain);
			}
		if (all || !strcmp(a, "p5")) {
			add_case(HOW_KILL, p4n, 1, 1, robust);
			add_case(HOW_MRELEASE, p4n, 1, 1, robust);
			add_case(HOW_KILL, p4n, 0, 1, holder);
			add_case(HOW_MRELEASE, p4n, 0, 1, holder);
		}
		if (all || !strcmp(a, "p6"))
			for (j = 0; j < nthp; j++)
				for (k = PG_64K; k <= PG_2M; k++) {
					add_case_pg(HOW_KILL, thpns[j], ss[0], 1, plain, k);
					add_case_pg(HOW_MRELEASE, thpns[j], ss[0], 1, plain, k);
					add_case_pg(HOW_MUNMAP, thpns[j], ss[0], 1, plain, k);
				}
		if (all || !strcmp(a, "p7")) {
			add_case(HOW_MRELEASE, p4n, 1, 1, threads);
			add_case(HOW_MRELEASE, p4n, 1, 1, mutexes);
			add_case(HOW_MRELEASE, p4n, 1, 1, longlist);
		}
		if (all || !strcmp(a, "p8")) {
			add_case(HOW_KILL, p4n, ss[0], 1, swapped);
			add_case(HOW_MRELEASE, p4n, ss[0], 1, swapped);
		}
		if (all || !strcmp(a, "p9")) {
			add_case(HOW_FORK, 2000, 0, 1, plain);
			add_case(HOW_THREAD, 2000, 0, 1, plain);
		}
		if (all || !strcmp(a, "p10")) {
			for (j = 0; j < nss; j++)
				for (k = 0; k < 2; k++) {
					add_case(HOW_CGKILL, k ? 1000 : 1280, ss[j], 1, cgshape[k]);
					add_case(HOW_CGLOOP, k ? 1000 : 1280, ss[j], 1, cgshape[k]);
					add_case(HOW_CGREAP, k ? 1000 : 1280, ss[j], 1, cgshape[k]);
				}
			/* what a release costs per process, beyond what it frees */
			add_case(HOW_CGLOOP, 0, ss[0], 1, cgshape[2]);
			add_case(HOW_CGREAP, 0, ss[0], 1, cgshape[2]);
			/* the same memory unmapped by the caller: the rate to match */
			add_case(HOW_MUNMAP, 1280, 0, 1, plain);
			add_case(HOW_MUNMAP, 1000, 0, 1, plain);
		}
		if (!all && strcmp(a, "p1") && strcmp(a, "p2") && strcmp(a, "p3") &&
		    strcmp(a, "p4") && strcmp(a, "p5") && strcmp(a, "p6") && strcmp(a, "p7") &&
		    strcmp(a, "p8") && strcmp(a, "p9") && strcmp(a, "p10") &&
		    parse_case(a)) {
			fprintf(stderr, "bad case '%s'\n", a);
			return 2;
		}
	}
	if (!ncases) {
		fprintf(stderr, "no cases (try: all)\n");
		return 2;
	}

	if (seed) {
		/*
		 * Fisher-Yates with a fixed generator: the same seed, the same
		 * order.  Before the reference drops its memory.reap cases, so
		 * that both kernels run every other case in the same order
		 * (what ran before a case is part of what it measures: the
		 * fork/exit loop moved by 1.5 % with the order).
		 */
		unsigned int x = seed;

		for (i = ncases - 1; i > 0; i--) {
			struct tcase t = cases[i];

			x = x * 1103515245 + 12345;
			j = (x >> 8) % (i + 1);
			cases[i] = cases[j];
			cases[j] = t;
		}
	}
	/*
	 * p10 runs in a cgroup of its own; a kernel without memory.reap
	 * (the reference) runs the other ways of releasing it only.
	 */
	for (i = 0; i < ncases && cases[i].how < HOW_CGKILL; i++)
		;
	if (i < ncases) {
		bool reap;

		prctl(PR_SET_CHILD_SUBREAPER, 1);
		write_file("/sys/fs/cgroup/cgroup.subtree_control", "+memory");
		rmdir(CG_BENCH);
		mkdir(CG_BENCH, 0755);
		reap = !access(CG_BENCH "/memory.reap", W_OK);
		rmdir(CG_BENCH);
		printf("# info memory_reap=%d\n", reap);
		for (i = j = 0; i < ncases; i++)
			if (reap || cases[i].how != HOW_CGREAP)
				cases[j++] = cases[i];
		ncases = j;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	page_size = sysconf(_SC_PAGESIZE);
	ncpus = sysconf(_SC_NPROCESSORS_ONLN);
	victim_cpu = ncpus - 1;
	meminfo_fd = open("/proc/meminfo", O_RDONLY);
	hog_deadline = mmap(NULL, page_size, PROT_READ | PROT_WRITE,
			    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	release_at = hog_deadline + 1;
	victim_addr = (volatile uint64_t *)(hog_deadline + 2);
	printf("TAP version 13\n1..%d\n", ncases);
	if (ncpus < 2 || meminfo_fd < 0 || hog_deadline == MAP_FAILED) {
		printf("# need 2 CPUs and /proc/meminfo\n");
		return 1;
	}
	pin_to(0);
	/* Keep freed pages off the per-CPU lists so that MemAvailable is current. */
	read_file("/proc/sys/vm/percpu_pagelist_high_fraction", pcp_saved, sizeof(pcp_saved));
	if (strcmp(pcp_fraction, "-"))
		write_file("/proc/sys/vm/percpu_pagelist_high_fraction", pcp_fraction);
	/*
	 * No proactive compaction: kcompactd moving pages on the other CPU
	 * in the middle of a trial is not what is measured.
	 */
	read_file("/proc/sys/vm/compaction_proactiveness", cp_saved, sizeof(cp_saved));
	write_file("/proc/sys/vm/compaction_proactiveness", "0");
	/* let the hog own its CPU: no RT throttling */
	read_file("/proc/sys/kernel/sched_rt_runtime_us", rt_saved, sizeof(rt_saved));
	write_file("/proc/sys/kernel/sched_rt_runtime_us", "-1");
	for (i = PG_64K; i <= PG_2M; i++) {
		snprintf(fs, sizeof(fs), THP_DIR "%s/enabled", pg_sysfs[i]);
		read_file(fs, thp_saved[i], sizeof(thp_saved[i]));
	}
	header();
	if (lockstat && lockstat_setup()) {
		printf("# WARNING: -L: no hist triggers or kprobe events in this kernel: no lock counts\n");
		lockstat = 0;
	}
	printf("# info lockstat=%d\n", lockstat);
	if (!read_file("/proc/sys/vm/percpu_pagelist_high_fraction", desc, sizeof(desc)))
		printf("# info percpu_pagelist_high_fraction=%s\n", desc);
	for (i = 0; i < ncpus; i++) {
		if (i != victim_cpu && !(caller_starves && i == 0))
			continue;
		snprintf(fs, sizeof(fs), "/sys/kernel/debug/sched/fair_server/cpu%d/runtime", i);
		if (!read_file(fs, desc, sizeof(desc)) && strcmp(desc, "0"))
			printf("# WARNING: the fair server of CPU %d is on (%s ns): the victim is not fully starved\n",
			       i, desc);
	}
	printf("# info caller_starves=%d\n", caller_starves);
	for (i = 0; i < ncases; i++)
		if (cases[i].victim->swapped) {
			if (swap_on())
				printf("# WARNING: no swap: the victim=swapped trials fail\n");
			break;
		}
	errno = 0;
	if (process_mrelease(-1, 0) == 0 || errno == ENOSYS)
		printf("# WARNING: process_mrelease(-1, 0) did not fail with EBADF (errno %d)\n", errno);
	printf("# info reps=%d min_ms=%.0f cases=%d seed=%u\n", reps, min_ms, ncases, seed);

	/* repetition-major, so that drift spreads over every case alike */
	for (k = 0; k < reps; k++) {
		for (i = 0; i < ncases; i++) {
			struct tcase *c = &cases[i];
			double sum = 0;
			int t = 0;

			do {
				struct row r = { .rc = -1, .ran = 0, .swap_left_kb = -1 };
				int64_t t0 = now_ns();
				int ret;

				if (c->how == HOW_MUNMAP)
					ret = run_munmap_trial(c, &r);
				else if (c->how == HOW_FORK || c->how == HOW_THREAD)
					ret = run_churn_trial(c, &r);
				else if (c->how >= HOW_CGKILL)
					ret = run_cgroup_trial(c, &r);
				else
					ret = run_victim_trial(c, &r);
				print_case(c, desc, sizeof(desc));
				c->trials++;
				printf("# row %s rep=%d ok=%d ttf_ms=%.3f call_ms=%.3f rc=%d err=%s ran=%d overlap=%d rss_mib=%ld huge_pct=%ld maps=%ld tlb_ipis=%ld setup_ms=%.1f calib_us=%.1f trial_ms=%.1f swap_kb=%ld swap_ms=%.3f swap_left_kb=%ld\n",
				       desc, c->trials, ret == 0, r.ttf_ms, r.call_ms, r.rc,
				       r.err ? strerrorname_np(r.err) : "0", r.ran, r.overlap, r.rss_mib,
				       r.huge_pct, r.maps, r.tlb_ipis, r.setup_ms, r.calib_us,
				       ms_between(t0, now_ns()), r.swap_kb, r.swap_ms, r.swap_left_kb);
				if (lockstat && c->how <= HOW_MRELEASE && !ret)
					lockstat_print(desc, c->trials);
				if (ret || r.rc) {
					c->failed++;
					break;
				}
				/* p9 loops: always MAX_TRIALS, their median is the figure */
				if (c->how == HOW_KILL || c->how >= HOW_CGKILL)
					sum += r.ttf_ms;
				else if (c->how != HOW_FORK && c->how != HOW_THREAD)
					sum += r.call_ms;
			} while ((sum < min_ms || (c->how >= HOW_CGLOOP && t < CG_TRIALS - 1)) &&
				 ++t < MAX_TRIALS);
		}
	}
	for (i = 0; i < ncases; i++) {
		print_case(&cases[i], desc, sizeof(desc));
		printf("%s %d %s%s\n", cases[i].failed ? "not ok" : "ok", i + 1, desc,
		       cases[i].failed ? " # some trials failed" : "");
		fails += !!cases[i].failed;
	}
	if (pcp_saved[0])
		write_file("/proc/sys/vm/percpu_pagelist_high_fraction", pcp_saved);
	if (rt_saved[0])
		write_file("/proc/sys/kernel/sched_rt_runtime_us", rt_saved);
	if (cp_saved[0])
		write_file("/proc/sys/vm/compaction_proactiveness", cp_saved);
	for (i = PG_64K; i <= PG_2M; i++) {
		char *sel = strchr(thp_saved[i], '['), *end = sel ? strchr(sel, ']') : NULL;

		if (!end)
			continue;
		*end = 0;
		snprintf(fs, sizeof(fs), THP_DIR "%s/enabled", pg_sysfs[i]);
		write_file(fs, sel + 1);
	}
	printf("# info guest_seconds=%.1f\n", ms_between(start, now_ns()) / 1000);
	return fails ? 1 : 0;
}
