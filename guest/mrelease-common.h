/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by mrelease-stress.c and mrelease-fuzz.c (guest programs,
 * each built on its own by scripts/mkguest; this header is not a program).
 *
 * Everything here is static inline so that a program that does not use a
 * helper does not warn about it under -Wall -Werror.
 */
#ifndef MRELEASE_COMMON_H
#define MRELEASE_COMMON_H

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <linux/futex.h>

#ifndef __NR_process_mrelease
# ifdef __alpha__
#  define __NR_process_mrelease 558
# else
#  define __NR_process_mrelease 448
# endif
#endif
#ifndef __NR_pidfd_open
# define __NR_pidfd_open 434
#endif
#ifndef __NR_pidfd_send_signal
# define __NR_pidfd_send_signal 424
#endif
#ifndef __NR_clone3
# define __NR_clone3 435
#endif
/* <linux/pidfd.h> clashes with the C library's <fcntl.h> */
#ifndef PIDFD_NONBLOCK
# define PIDFD_NONBLOCK O_NONBLOCK
#endif
#ifndef PIDFD_THREAD
# define PIDFD_THREAD O_EXCL
#endif
#ifndef P_PIDFD
# define P_PIDFD 3
#endif

#define MIB		(1024UL * 1024UL)
#define HOG_PRIO	50

/*
 * Always the raw system call: the programs must see exactly what the kernel
 * answers, whatever the C library has (and seccomp in guest/no-mrelease
 * must be able to hide it).
 */
static inline int mrelease(int pidfd, unsigned int flags)
{
	return syscall(__NR_process_mrelease, pidfd, flags);
}

static inline int sys_pidfd_open(pid_t pid, unsigned int flags)
{
	return syscall(__NR_pidfd_open, pid, flags);
}

static inline int sys_pidfd_send_signal(int pidfd, int sig)
{
	return syscall(__NR_pidfd_send_signal, pidfd, sig, NULL, 0);
}

static inline pid_t sys_gettid(void)
{
	return syscall(SYS_gettid);
}

/* pause(2) as a raw system call (arm64 and riscv have no pause: ppoll) */
static inline void sys_pause(void)
{
#ifdef SYS_pause
	syscall(SYS_pause);
#else
	syscall(SYS_ppoll, NULL, 0, NULL, NULL, 0);
#endif
}

/* ---------------------------------------------------------------------- */
/* Result classes: what a call returned                                    */

enum { RC_OK, RC_EBADF, RC_EINVAL, RC_ESRCH, RC_EAGAIN, RC_EINTR, RC_ENOSYS, RC_OTHER, RC_NR };
#define M(c)		(1u << (c))
static const char *const r_name[RC_NR] = {
	"0", "EBADF", "EINVAL", "ESRCH", "EAGAIN", "EINTR", "ENOSYS", "other",
};

static inline int r_class(int ret, int err)
{
	if (ret == 0)
		return RC_OK;
	switch (err) {
	case EBADF:	return RC_EBADF;
	case EINVAL:	return RC_EINVAL;
	case ESRCH:	return RC_ESRCH;
	case EAGAIN:	return RC_EAGAIN;
	case EINTR:	return RC_EINTR;
	case ENOSYS:	return RC_ENOSYS;
	default:	return RC_OTHER;
	}
}

/* "0|ESRCH" for a mask of result classes */
static inline const char *mask_str(unsigned int mask, char *buf, size_t len)
{
	size_t n = 0;
	int c;

	buf[0] = '\0';
	for (c = 0; c < RC_NR; c++)
		if (mask & M(c))
			n += snprintf(buf + n, n < len ? len - n : 0, "%s%s",
				      n ? "|" : "", r_name[c]);
	if (!n)
		snprintf(buf, len, "none");
	return buf;
}

/* "0=12 ESRCH=3" for the non-zero counters */
static inline const char *counts_str(const unsigned long long *cnt, char *buf, size_t len)
{
	size_t n = 0;
	int c;

	buf[0] = '\0';
	for (c = 0; c < RC_NR; c++)
		if (cnt[c])
			n += snprintf(buf + n, n < len ? len - n : 0, "%s%s=%llu",
				      n ? " " : "", r_name[c], cnt[c]);
	if (!n)
		snprintf(buf, len, "none");
	return buf;
}

/* ---------------------------------------------------------------------- */
/* Time, randomness, files                                                 */

static inline uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000ULL + ts.tv_nsec / 1000;
}

static inline void sleep_us(unsigned long us)
{
	struct timespec ts = { us / 1000000, (us % 1000000) * 1000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* Busy wait: finer than nanosleep, and keeps the CPU. */
static inline void spin_us(unsigned long us)
{
	uint64_t end = now_us() + us;

	while (now_us() < end)
		;
}

/* xorshift64*: reproducible from the seed that the programs print */
static uint64_t rng_state = 88172645463325252ULL;
static inline void rng_seed(uint64_t s)
{
	rng_state = s ? s : 88172645463325252ULL;
}

static inline uint64_t rnd64(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

/* 0 .. n-1 */
static inline unsigned int rnd(unsigned int n)
{
	return n ? (unsigned int)((rnd64() >> 32) % n) : 0;
}

/* true with probability pct % */
static inline bool chance(unsigned int pct)
{
	return rnd(100) < pct;
}

static inline int read_text(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

static inline int write_text(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, val, strlen(val));
	close(fd);
	return n == (ssize_t)strlen(val) ? 0 : -1;
}

/* A field of /proc/<pid>/status (kB or a number), -1 if absent. */
static inline long proc_status(pid_t pid, const char *field)
{
	char path[64], buf[4096], *p;
	size_t len = strlen(field);

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	if (read_text(path, buf, sizeof(buf)))
		return -1;
	for (p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, field, len) && p[len] == ':')
			return strtol(p + len + 1, NULL, 10);
	return -1;
}

/* State letter of /proc/<pid>/task/<tid>/stat, 0 if it cannot be read. */
static inline char task_state(pid_t pid, pid_t tid)
{
	char path[80], buf[512], *st;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", pid, tid);
	if (read_text(path, buf, sizeof(buf)))
		return 0;
	st = strrchr(buf, ')');
	return st && st[1] == ' ' ? st[2] : 0;
}

static inline int ncpus(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set))
		return 1;
	return CPU_COUNT(&set);
}

static inline int last_cpu(void)
{
	cpu_set_t set;
	int cpu, last = 0;

	if (sched_getaffinity(0, sizeof(set), &set))
		return 0;
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, &set))
			last = cpu;
	return last;
}

/* pin @pid (0: the calling thread) to @cpu, or to every CPU if @cpu < 0 */
static inline int pin_to(pid_t pid, int cpu)
{
	cpu_set_t set;
	int c;

	CPU_ZERO(&set);
	if (cpu >= 0)
		CPU_SET(cpu, &set);
	else
		for (c = 0; c < CPU_SETSIZE; c++)
			CPU_SET(c, &set);
	return sched_setaffinity(pid, sizeof(set), &set);
}

static inline int futex_wait(int *addr, int val, unsigned long timeout_us)
{
	struct timespec ts = { timeout_us / 1000000, (timeout_us % 1000000) * 1000L };

	return syscall(SYS_futex, addr, FUTEX_WAIT, val, timeout_us ? &ts : NULL, NULL, 0);
}

static inline void futex_wake(int *addr)
{
	syscall(SYS_futex, addr, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
}

/*
 * Children die with us: PR_SET_PDEATHSIG, and if the parent (thread) is
 * already gone by the time the prctl is in place, right away.
 */
static inline void die_with_parent(pid_t parent)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(111);
}

/* Touched private anonymous memory, 2 MiB aligned and MADV_HUGEPAGE if @thp. */
static inline char *map_touched(size_t len, bool thp, bool lock)
{
	size_t map_len = thp ? len + 2 * MIB : len;
	char *p = mmap(NULL, map_len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	if (thp) {
		p = (char *)(((uintptr_t)p + 2 * MIB - 1) & ~(2 * MIB - 1));
		madvise(p, len, MADV_HUGEPAGE);
	}
	memset(p, 0xa5, len);
	if (lock && mlock(p, len))
		return NULL;
	return p;
}

/* ---------------------------------------------------------------------- */
/* The SCHED_FIFO hog: starves the last CPU on demand                      */

/*
 * A victim pinned to the last CPU cannot run while a SCHED_FIFO loop spins
 * there (RT throttling off, and the 6.12 fair server of that CPU off: the
 * guest init does that at boot), not even to exit after SIGKILL.  Forking a
 * loop per use is slow under TCG, so one persistent hog process sleeps on a
 * futex and spins on command, never longer than the deadline it is given
 * (kernel threads of that CPU are starved too while it spins).
 */
struct hog_ctl {
	int cmd;		/* 1: spin, 0: sleep, 2: exit */
	int spinning;		/* the hog acknowledges */
	uint64_t deadline_us;	/* stop spinning at that time anyway */
	long overruns;		/* times the deadline stopped it */
	uint64_t exit_at_us;	/* exit at that time even if nobody says so */
};

struct hog {
	pid_t pid;
	int cpu;
	struct hog_ctl *ctl;
	char old_rt_runtime[32];
	const char *why_not;	/* set when starving is unavailable */
};

static inline void hog_loop(struct hog_ctl *c, int cpu, pid_t parent)
{
	struct sched_param sp = { .sched_priority = HOG_PRIO };

	die_with_parent(parent);
	if (pin_to(0, cpu) || sched_setscheduler(0, SCHED_FIFO, &sp))
		_exit(1);
	for (;;) {
		int cmd = __atomic_load_n(&c->cmd, __ATOMIC_SEQ_CST);

		if (cmd == 2 || now_us() > c->exit_at_us)
			_exit(0);
		if (cmd == 0) {
			futex_wait(&c->cmd, 0, 100000);
			continue;
		}
		__atomic_store_n(&c->spinning, 1, __ATOMIC_SEQ_CST);
		while (__atomic_load_n(&c->cmd, __ATOMIC_RELAXED) == 1) {
			if (now_us() > c->deadline_us) {
				__atomic_store_n(&c->cmd, 0, __ATOMIC_SEQ_CST);
				c->overruns++;
			}
		}
		__atomic_store_n(&c->spinning, 0, __ATOMIC_SEQ_CST);
	}
}

/*
 * Start the hog for CPU @cpu; it exits by itself after @max_life_us.
 * On failure h->why_not says why and starved cases are skipped.
 */
static inline int hog_init(struct hog *h, int cpu, uint64_t max_life_us)
{
	char path[128], buf[32];
	pid_t parent = getpid();

	memset(h, 0, sizeof(*h));
	h->pid = -1;
	h->cpu = cpu;
	if (geteuid()) {
		h->why_not = "needs root (SCHED_FIFO, sysctls)";
		return -1;
	}
	if (ncpus() < 2) {
		h->why_not = "needs two CPUs";
		return -1;
	}
	snprintf(path, sizeof(path),
		 "/sys/kernel/debug/sched/fair_server/cpu%d/runtime", cpu);
	if (!read_text(path, buf, sizeof(buf)) && atol(buf) != 0) {
		h->why_not = "the fair server of the last CPU is on (the guest init turns it off)";
		return -1;
	}
	h->ctl = mmap(NULL, sizeof(*h->ctl), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (h->ctl == MAP_FAILED) {
		h->ctl = NULL;
		h->why_not = "mmap failed";
		return -1;
	}
	memset(h->ctl, 0, sizeof(*h->ctl));
	h->ctl->exit_at_us = now_us() + max_life_us;
	if (read_text("/proc/sys/kernel/sched_rt_runtime_us", h->old_rt_runtime,
		      sizeof(h->old_rt_runtime)))
		h->old_rt_runtime[0] = '\0';
	if (write_text("/proc/sys/kernel/sched_rt_runtime_us", "-1")) {
		h->old_rt_runtime[0] = '\0';
		h->why_not = "cannot turn RT throttling off";
		return -1;
	}
	h->pid = fork();
	if (h->pid < 0) {
		h->why_not = "fork failed";
		return -1;
	}
	if (h->pid == 0)
		hog_loop(h->ctl, cpu, parent);
	return 0;
}

/* Spin on the hog's CPU for at most @max_us; returns once it spins. */
static inline int hog_on(struct hog *h, unsigned long max_us)
{
	uint64_t end = now_us() + 2000000;

	if (h->pid <= 0)
		return -1;
	h->ctl->deadline_us = now_us() + max_us;
	__atomic_store_n(&h->ctl->cmd, 1, __ATOMIC_SEQ_CST);
	futex_wake(&h->ctl->cmd);
	while (!__atomic_load_n(&h->ctl->spinning, __ATOMIC_SEQ_CST)) {
		if (now_us() > end)
			return -1;
		sleep_us(100);
	}
	return 0;
}

static inline void hog_off(struct hog *h)
{
	uint64_t end = now_us() + 2000000;

	if (h->pid <= 0)
		return;
	__atomic_store_n(&h->ctl->cmd, 0, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&h->ctl->spinning, __ATOMIC_SEQ_CST) && now_us() < end)
		sleep_us(50);
}

static inline void hog_exit(struct hog *h)
{
	if (h->pid > 0) {
		__atomic_store_n(&h->ctl->cmd, 2, __ATOMIC_SEQ_CST);
		futex_wake(&h->ctl->cmd);
		kill(h->pid, SIGKILL);
		waitpid(h->pid, NULL, 0);
		h->pid = -1;
	}
	if (h->old_rt_runtime[0])
		write_text("/proc/sys/kernel/sched_rt_runtime_us", h->old_rt_runtime);
	h->old_rt_runtime[0] = '\0';
}

/*
 * Wait until every thread of @pid sleeps (S): a victim that is about to be
 * starved must hold no lock and be in pause(), not half way through its
 * setup.  0 when it does, -1 after @timeout_us.
 */
static inline int wait_sleeping(pid_t pid, const pid_t *tids, int ntids, unsigned long timeout_us)
{
	uint64_t end = now_us() + timeout_us;
	int i;

	for (;;) {
		bool all = task_state(pid, pid) == 'S';

		for (i = 0; all && i < ntids; i++)
			if (task_state(pid, tids[i]) != 'S')
				all = false;
		if (all)
			return 0;
		if (now_us() > end)
			return -1;
		sleep_us(200);
	}
}

/* ---------------------------------------------------------------------- */
/* Which ESRCH semantics the kernel has                                    */

/*
 * What process_mrelease() answers once every thread of the victim has
 * passed exit_mm() but the process has not been waited for (a zombie):
 *  - ESRCH on kernels that look only at task->mm (upstream; the reference
 *    kernel of make check): "no thread has an mm left";
 *  - 0 on kernels where exited threads keep their mm reachable until they
 *    are released (our series, "mm: let process_mrelease() release the
 *    memory of exited threads"): ESRCH then means "waited for", and the
 *    memory of a zombie can still be released (0 as well once it is gone).
 * Probed once with a child that exits at once; the expectations of both
 * programs follow the answer, and every later call must agree with it.
 *
 * Returns 1 for the second behaviour, 0 for the first, -1 if the probe
 * itself failed (for instance ENOSYS: then every call fails anyway).
 */
static inline int probe_exit_semantics(char *msg, size_t len)
{
	pid_t parent = getpid(), pid;
	uint64_t end = now_us() + 5000000;
	siginfo_t si;
	int fd, r, e;

	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		snprintf(msg, len, "fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		die_with_parent(parent);
		_exit(0);
	}
	fd = sys_pidfd_open(pid, 0);
	for (;;) {
		memset(&si, 0, sizeof(si));
		if (waitid(P_PID, pid, &si, WEXITED | WNOHANG | WNOWAIT) || si.si_pid == pid)
			break;
		if (now_us() > end)
			break;
		sleep_us(1000);
	}
	r = fd < 0 ? -1 : mrelease(fd, 0);
	e = errno;
	waitpid(pid, NULL, 0);
	if (fd >= 0)
		close(fd);
	if (si.si_pid != pid) {
		snprintf(msg, len, "the probe child did not become a zombie");
		return -1;
	}
	if (r == 0) {
		snprintf(msg, len, "a zombie's memory can be released (0): ESRCH only "
			 "once a process has been waited for");
		return 1;
	}
	if (e == ESRCH) {
		snprintf(msg, len, "ESRCH as soon as every thread has left its mm "
			 "(a zombie already)");
		return 0;
	}
	snprintf(msg, len, "process_mrelease() on a zombie: %s", strerror(e));
	return -1;
}

#endif /* MRELEASE_COMMON_H */
