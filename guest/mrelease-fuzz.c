// SPDX-License-Identifier: GPL-2.0
/*
 * mrelease-fuzz <calls> [<deadline s> [<seed>]]
 *
 * Calls process_mrelease() <calls> times on random file descriptors with
 * random flags, while processes are created, killed, exit, become zombies
 * and are reaped around the calls.  The descriptors:
 *
 *   - pidfds (flags 0, PIDFD_NONBLOCK, PIDFD_THREAD of the leader) of
 *     children that are alive (pausing; or whose leader has exited while a
 *     thread lives on), exiting on their own, killed, killed while starved
 *     (pinned to the last CPU under a SCHED_FIFO loop, so they cannot run),
 *     zombies and reaped, of this process and of init (pid 1);
 *   - PIDFD_THREAD pidfds of threads that are not the thread group leader;
 *   - descriptors that are not pidfds: a regular file, both ends of a pipe,
 *     an eventfd, /dev/null, a directory, /proc/<pid>, a memfd, an epoll,
 *     a signalfd, a timerfd, an O_PATH descriptor, stdin/stdout/stderr;
 *   - numbers that are not open: closed ones, beyond RLIMIT_NOFILE, negative
 *     ones (among them the PIDFD_SELF* values: on a kernel that has them,
 *     6.15 and later, -10000 and -10001 name this live process, EINVAL).
 *
 * Flags are 0 most of the time, otherwise one random bit, a random word or
 * all ones.  Every call must return one of the documented results (0,
 * EBADF, EINVAL, ESRCH, EAGAIN, EINTR) and, more precisely, what the
 * descriptor and the state of its process allow (see expected()); anything
 * else fails, ENOSYS included.  One KTAP test per kind of descriptor, with
 * the count of each result.
 *
 * Bounded: a deadline for the run, every child dies with us and is reaped
 * before we exit.
 */
#include "mrelease-common.h"
#include <poll.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>

#define MAX_PROCS	24
#define MAX_FDS		64

/* What a descriptor is, for the report: one KTAP test each. */
enum kind {
	K_BAD_NUMBER, K_NOT_PIDFD, K_SELF_INIT, K_LIVE, K_EXITING, K_KILLED,
	K_STARVED, K_ZOMBIE, K_REAPED, K_THREAD, K_FLAGS, K_NR
};
static const char *const kind_name[K_NR] = {
	"not_open_numbers", "not_pidfds", "self_and_init", "live_processes",
	"exiting_processes", "killed_processes", "killed_starved_processes",
	"zombies", "reaped_processes", "thread_pidfd_of_non_leader", "nonzero_flags",
};

/*
 * The state of a child, as far as we know for sure:
 *  P_LIVE      pausing, or its leader has exited and a thread lives on (the
 *              thread group is alive and nobody has killed it)
 *  P_EXITING   will exit by itself at some point we do not know
 *  P_KILLED    we sent SIGKILL (it may be anywhere in its exit)
 *  P_STARVED   we sent SIGKILL while it cannot run: it keeps its mm
 *  P_ZOMBIE    waitid(WNOWAIT) saw it exit, not reaped
 *  P_REAPED    reaped: the pid may even be in use by another process
 */
enum pstate { P_FREE, P_LIVE, P_EXITING, P_KILLED, P_STARVED, P_ZOMBIE, P_REAPED };

struct proc {
	enum pstate st;
	pid_t pid, tid;		/* tid: a thread other than the leader, or 0 */
	int refs;		/* pool descriptors naming it */
	int *shared;		/* [0]: tid written by the child */
};

struct fdent {
	int fd;
	enum kind kind;		/* K_NOT_PIDFD, K_SELF_INIT, K_THREAD or K_LIVE (a proc pidfd) */
	int proc;		/* index in procs[] for proc pidfds, else -1 */
	unsigned int flags;	/* of pidfd_open() */
	const char *what;
};

static struct proc procs[MAX_PROCS];
static struct fdent fds[MAX_FDS];
static int nfds;
static pid_t self_pid;
static struct hog hog;
static int starve_cpu = -1;
static long rlim_nofile = 1024;
/* see probe_exit_semantics(): 1 if a zombie's memory can still be released */
static int exit_mm_mode;
#define GONE		(exit_mm_mode > 0 ? M(RC_OK) : M(RC_ESRCH))
static char tmpdir_file[64];

struct kstats {
	unsigned long long calls, cnt[RC_NR], fails;
};
static struct kstats ks[K_NR];
static unsigned long long tot[RC_NR], undocumented;
static int fail_lines;

static int wait_for_fd(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int r;

	do {
		r = poll(&pfd, 1, 5000);
	} while (r < 0 && errno == EINTR);
	return r == 1 ? 0 : -1;
}

/* ---------------------------------------------------------------------- */
/* Children                                                                */

static void child_touch(size_t kib)
{
	map_touched(kib * 1024, false, false);
}

static void *thread_pause(void *arg)
{
	int *shared = arg;

	__atomic_store_n(&shared[0], sys_gettid(), __ATOMIC_SEQ_CST);
	for (;;)
		pause();
	return NULL;
}

enum spawn_type { S_PAUSE, S_PAUSE_THREAD, S_EXIT, S_LEADERLESS, S_STARVED };
static unsigned long long n_spawned[S_STARVED + 1], n_killed, n_zombies, n_reaped, n_episodes;

/* Fork a child of @type into procs[@i]; false if it could not be started. */
static bool spawn(int i, enum spawn_type type, uint64_t life_us)
{
	struct proc *p = &procs[i];
	unsigned int exit_after_us = rnd(30000);
	size_t kib = 64 + rnd(4) * 64;
	int pfd[2];
	char c;

	memset(p->shared, 0, 64);
	if (pipe2(pfd, O_CLOEXEC))
		return false;
	fflush(NULL);
	p->pid = fork();
	if (p->pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return false;
	}
	if (p->pid == 0) {
		pthread_t th;

		close(pfd[0]);
		die_with_parent(self_pid);
		alarm(life_us / 1000000 + 30);
		if (type == S_STARVED && pin_to(0, starve_cpu))
			_exit(10);
		child_touch(kib);
		if (type == S_PAUSE_THREAD || type == S_LEADERLESS) {
			if (pthread_create(&th, NULL, thread_pause, p->shared))
				_exit(11);
			while (!__atomic_load_n(&p->shared[0], __ATOMIC_SEQ_CST))
				sched_yield();
		}
		if (write(pfd[1], "r", 1) != 1)
			_exit(12);
		switch (type) {
		case S_EXIT:
			if (chance(50))
				spin_us(exit_after_us / 10);
			else
				sleep_us(exit_after_us);
			if (chance(50))
				exit(0);
			_exit(0);
		case S_LEADERLESS:
			/* the leader goes, the thread group lives on */
			syscall(SYS_exit, 0);
			break;
		default:
			break;
		}
		for (;;)
			pause();
	}
	close(pfd[1]);
	if (wait_for_fd(pfd[0]) || read(pfd[0], &c, 1) != 1) {
		close(pfd[0]);
		kill(p->pid, SIGKILL);
		waitpid(p->pid, NULL, 0);
		return false;
	}
	close(pfd[0]);
	p->tid = (type == S_PAUSE_THREAD || type == S_LEADERLESS) ? p->shared[0] : 0;
	n_spawned[type]++;
	p->st = type == S_EXIT ? P_EXITING : P_LIVE;
	p->refs = 0;
	return true;
}

/* ---------------------------------------------------------------------- */
/* The descriptor pool                                                     */

static bool add_fd_flags(int fd, enum kind kind, int proc, unsigned int flags, const char *what)
{
	if (fd < 0)
		return false;
	if (nfds >= MAX_FDS) {
		close(fd);
		return false;
	}
	fds[nfds].fd = fd;
	fds[nfds].kind = kind;
	fds[nfds].proc = proc;
	fds[nfds].flags = flags;
	fds[nfds].what = what;
	nfds++;
	if (proc >= 0)
		procs[proc].refs++;
	return true;
}

static bool add_fd(int fd, enum kind kind, int proc, const char *what)
{
	return add_fd_flags(fd, kind, proc, 0, what);
}

static void close_fd_at(int i)
{
	int pr = fds[i].proc;

	close(fds[i].fd);
	fds[i] = fds[--nfds];
	if (pr >= 0 && --procs[pr].refs == 0 && procs[pr].st == P_REAPED)
		procs[pr].st = P_FREE;
}

/* Open a pidfd on procs[@i] with @flags (never by pid once it is reaped). */
static void open_proc_pidfd(int i, unsigned int flags)
{
	struct proc *p = &procs[i];

	if (p->st == P_FREE || p->st == P_REAPED)
		return;
	add_fd_flags(sys_pidfd_open(p->pid, flags), K_LIVE, i, flags,
	       flags == PIDFD_NONBLOCK ? "pidfd (NONBLOCK)" :
	       flags == PIDFD_THREAD ? "pidfd (THREAD, leader)" : "pidfd");
}

/* A non-leader thread's pidfd, only while the thread surely lives. */
static void open_thread_pidfd(int i)
{
	struct proc *p = &procs[i];

	if (p->st != P_LIVE || !p->tid)
		return;
	add_fd(sys_pidfd_open(p->tid, PIDFD_THREAD), K_THREAD, -1, "PIDFD_THREAD of a non-leader");
}

static void open_not_pidfd(void)
{
	int fd = -1, pf[2];
	const char *what = NULL;
	char path[64];

	switch (rnd(12)) {
	case 0:
		fd = open(tmpdir_file, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		what = "regular file";
		break;
	case 1:
	case 2:
		if (pipe2(pf, O_CLOEXEC))
			return;
		add_fd(pf[0], K_NOT_PIDFD, -1, "pipe (read end)");
		fd = pf[1];
		what = "pipe (write end)";
		break;
	case 3:
		fd = eventfd(0, EFD_CLOEXEC);
		what = "eventfd";
		break;
	case 4:
		fd = open("/dev/null", O_RDWR | O_CLOEXEC);
		what = "/dev/null";
		break;
	case 5:
		fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		what = "directory";
		break;
	case 6: {
		/* the old way to name a process: not a pidfd */
		int i = rnd(MAX_PROCS);

		snprintf(path, sizeof(path), "/proc/%d",
			 procs[i].st == P_LIVE ? procs[i].pid : self_pid);
		fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		what = "/proc/<pid> directory";
		break;
	}
	case 7:
		fd = memfd_create("mrelease-fuzz", MFD_CLOEXEC);
		what = "memfd";
		break;
	case 8:
		fd = epoll_create1(EPOLL_CLOEXEC);
		what = "epoll";
		break;
	case 9: {
		sigset_t set;

		sigemptyset(&set);
		sigaddset(&set, SIGUSR1);
		fd = signalfd(-1, &set, SFD_CLOEXEC);
		what = "signalfd";
		break;
	}
	case 10:
		fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
		what = "timerfd";
		break;
	default:
		fd = open("/proc/self", O_PATH | O_CLOEXEC);
		what = "O_PATH";
		break;
	}
	add_fd(fd, K_NOT_PIDFD, -1, what);
}

static void open_self_init(void)
{
	switch (rnd(4)) {
	case 0:
		add_fd(sys_pidfd_open(self_pid, 0), K_SELF_INIT, -1, "pidfd of self");
		break;
	case 1:
		add_fd(sys_pidfd_open(self_pid, PIDFD_THREAD), K_SELF_INIT, -1,
		       "PIDFD_THREAD of self");
		break;
	case 2:
		add_fd(sys_pidfd_open(1, 0), K_SELF_INIT, -1, "pidfd of init");
		break;
	default:
		add_fd(sys_pidfd_open(1, PIDFD_NONBLOCK), K_SELF_INIT, -1,
		       "pidfd of init (NONBLOCK)");
	}
}

/* ---------------------------------------------------------------------- */
/* What a call may return                                                  */

/*
 * For flags 0 (any other flags: EINVAL, checked before the descriptor):
 *  - not a pidfd, or not an open descriptor at all: EBADF;
 *  - this process, init, a live child: EINVAL (not exiting);
 *  - a non-leader thread's PIDFD_THREAD pidfd: ESRCH, the thread group is
 *    looked up by the thread's pid, which only a leader has;
 *  - a child exiting by itself: EINVAL before it starts, 0 while it exits,
 *    then GONE once it has dropped its mm;
 *  - a killed child: 0 or GONE (dying at once, no mm shared with anyone);
 *  - a killed child that cannot run: 0, it cannot drop its mm;
 *  - a zombie: GONE;
 *  - a reaped child: ESRCH.
 * GONE is what a process all of whose threads have left their mm gets: ESRCH
 * on kernels that only look at task->mm, 0 on kernels that keep the mm of
 * exited threads reachable until they are waited for (probed at start, see
 * probe_exit_semantics()).
 * EAGAIN (an mmu notifier refused, or, with our series, no memory to
 * record the robust futex list pages to keep) and EINTR (a fatal signal
 * for the caller, who then never returns to see it) are documented, but
 * none of these processes has an mmu notifier, the caller is not short of
 * memory and gets no fatal signal: they would be failures here too.
 */
static unsigned int expected_for(enum kind kind, enum pstate st, enum kind *cls)
{
	*cls = kind;
	switch (kind) {
	case K_BAD_NUMBER:
	case K_NOT_PIDFD:
		return M(RC_EBADF);
	case K_SELF_INIT:
		return M(RC_EINVAL);
	case K_THREAD:
		return M(RC_ESRCH);
	default:
		break;
	}
	switch (st) {
	case P_LIVE:
		*cls = K_LIVE;
		return M(RC_EINVAL);
	case P_EXITING:
		*cls = K_EXITING;
		return M(RC_OK) | M(RC_EINVAL) | GONE;
	case P_KILLED:
		*cls = K_KILLED;
		return M(RC_OK) | GONE;
	case P_STARVED:
		*cls = K_STARVED;
		return M(RC_OK);
	case P_ZOMBIE:
		*cls = K_ZOMBIE;
		return GONE;
	default:
		*cls = K_REAPED;
		return M(RC_ESRCH);
	}
}

static unsigned int random_flags(void)
{
	switch (rnd(4)) {
	case 0:
		return 1u << rnd(32);
	case 1:
		return ~0u;
	default:
		return (unsigned int)rnd64() | 1u << rnd(32);
	}
}

/* Whether pidfd_send_signal() takes PIDFD_SELF_THREAD_GROUP (-10001). */
static bool have_pidfd_self;

/*
 * A number that is not an open descriptor, and what kind of number; on a
 * kernel with PIDFD_SELF, its two values are this process (K_SELF_INIT).
 */
static int bad_number(const char **what, enum kind *kind)
{
	static const int self_like[] = { -100, -200, -10000, -10001, -20000 };
	int fd, tries;

	switch (rnd(6)) {
	case 0:
		*what = "-1";
		return -1;
	case 1:
		*what = "negative";
		return rnd(2) ? INT_MIN : -(int)(1 + rnd(INT_MAX));
	case 2:
		fd = self_like[rnd(5)];
		if (have_pidfd_self && (fd == -10000 || fd == -10001)) {
			*what = "PIDFD_SELF (this process)";
			*kind = K_SELF_INIT;
		} else {
			*what = "PIDFD_SELF-like negative";
		}
		return fd;
	case 3:
		*what = "beyond RLIMIT_NOFILE";
		switch (rnd(3)) {
		case 0:
			return rlim_nofile + rnd(16);
		case 1:
			return INT_MAX;
		default:
			return 1 << (20 + rnd(10));
		}
	default:
		*what = "closed";
		for (tries = 0; tries < 100; tries++) {
			fd = 3 + rnd(200);
			if (fcntl(fd, F_GETFD) < 0 && errno == EBADF)
				return fd;
		}
		return -1;
	}
}

/* ---------------------------------------------------------------------- */

static void fail_call(enum kind cls, int fd, unsigned int flags, const char *what,
		      int ret, int err, unsigned int ok)
{
	char b[64];

	ks[cls].fails++;
	if (fail_lines++ >= 40)
		return;
	printf("# FAIL %s: process_mrelease(%d [%s], %#x) = %d (%s), expected %s\n",
	       kind_name[cls], fd, what, flags, ret, ret ? strerror(err) : "success",
	       mask_str(ok, b, sizeof(b)));
}

static bool hog_spinning(void)
{
	return hog.pid > 0 && __atomic_load_n(&hog.ctl->spinning, __ATOMIC_SEQ_CST);
}

/* One call on a random descriptor; @starved_bias: prefer starved children. */
static void do_call(int starved_bias)
{
	unsigned int flags = chance(85) ? 0 : random_flags();
	unsigned int ok, pick = rnd(100);
	enum kind kind, cls;
	enum pstate st = P_FREE;
	const char *what;
	int fd, idx = -1, ret, err, c;
	bool starved_before = false;

	if (starved_bias && chance(starved_bias)) {
		int i, n = 0;

		for (i = 0; i < nfds; i++)
			if (fds[i].proc >= 0 && procs[fds[i].proc].st == P_STARVED &&
			    rnd(++n) == 0)
				idx = i;
	}
	if (idx < 0 && pick < 12) {
		kind = K_BAD_NUMBER;
		fd = bad_number(&what, &kind);
	} else if (idx < 0 && pick < 15) {
		fd = rnd(3);
		what = "stdin/stdout/stderr";
		kind = K_NOT_PIDFD;
	} else {
		if (idx < 0) {
			if (!nfds)
				return;
			idx = rnd(nfds);
		}
		fd = fds[idx].fd;
		what = fds[idx].what;
		kind = fds[idx].kind;
		if (fds[idx].proc >= 0) {
			st = procs[fds[idx].proc].st;
			starved_before = st == P_STARVED;
			if (starved_before && !hog_spinning())
				st = P_KILLED;
		}
	}
	ret = mrelease(fd, flags);
	err = errno;
	/* the SCHED_FIFO loop stopped during the call (its deadline): it ran */
	if (starved_before && st == P_STARVED && !hog_spinning())
		st = P_KILLED;
	if (flags) {
		ok = M(RC_EINVAL);
		cls = K_FLAGS;
	} else {
		ok = expected_for(kind, st, &cls);
	}
	c = r_class(ret, err);
	ks[cls].calls++;
	ks[cls].cnt[c]++;
	tot[c]++;
	if (c == RC_ENOSYS || c == RC_OTHER)
		undocumented++;
	if (!(ok & M(c)))
		fail_call(cls, fd, flags, what, ret, err, ok);
}

static int nlive(void)
{
	int i, n = 0;

	for (i = 0; i < MAX_PROCS; i++)
		if (procs[i].st != P_FREE && procs[i].st != P_REAPED)
			n++;
	return n;
}

static int pick_proc(unsigned int states)
{
	int i, n = 0, pick = -1;

	for (i = 0; i < MAX_PROCS; i++)
		if (states & (1u << procs[i].st) && rnd(++n) == 0)
			pick = i;
	return pick;
}

/* Free the slot of a reaped child by closing its pidfds, if need be. */
static void make_room(void)
{
	int i, j;

	if (pick_proc(1u << P_FREE) >= 0)
		return;
	i = pick_proc(1u << P_REAPED);
	if (i < 0)
		return;
	for (j = nfds - 1; j >= 0; j--)
		if (fds[j].proc == i)
			close_fd_at(j);
}

static int spawn_any(enum spawn_type type, uint64_t life_us)
{
	int i = pick_proc(1u << P_FREE);

	if (i < 0)
		return -1;
	if (!spawn(i, type, life_us))
		return -1;
	open_proc_pidfd(i, 0);
	if (chance(30))
		open_proc_pidfd(i, chance(50) ? PIDFD_NONBLOCK : PIDFD_THREAD);
	if (procs[i].tid && chance(60))
		open_thread_pidfd(i);
	/* a child nobody holds a pidfd on is of no use: kill and reap it */
	if (!procs[i].refs) {
		kill(procs[i].pid, SIGKILL);
		waitpid(procs[i].pid, NULL, 0);
		procs[i].st = P_FREE;
		return -1;
	}
	return i;
}

/*
 * SIGKILL the whole process.  Through a PIDFD_THREAD pidfd the signal is
 * for the leader thread only unless PIDFD_SIGNAL_THREAD_GROUP is given, and
 * a leader that has already exited drops it: the rest of the thread group
 * lives on (pidfd_send_signal() still returns 0).
 */
#define PIDFD_SIGNAL_THREAD_GROUP_FLAG	(1U << 1)
static void kill_proc(int i, enum pstate to)
{
	int j, r = -1;

	for (j = 0; j < nfds && r; j++) {
		if (fds[j].proc == i && chance(70))
			r = syscall(__NR_pidfd_send_signal, fds[j].fd, SIGKILL, NULL,
				    fds[j].flags & PIDFD_THREAD ?
				    PIDFD_SIGNAL_THREAD_GROUP_FLAG : 0);
	}
	if (r)
		r = kill(procs[i].pid, SIGKILL);
	if (r) {
		printf("# cannot kill child %d: %s\n", procs[i].pid, strerror(errno));
		return;
	}
	n_killed++;
	procs[i].st = to;
}

/* Learn that a child has exited (zombie), or reap a zombie. */
static void wait_proc(int i)
{
	struct proc *p = &procs[i];
	siginfo_t si;

	if (p->st == P_ZOMBIE) {
		if (waitpid(p->pid, NULL, 0) == p->pid) {
			p->st = p->refs ? P_REAPED : P_FREE;
			n_reaped++;
		}
		return;
	}
	memset(&si, 0, sizeof(si));
	if (!waitid(P_PID, p->pid, &si, WEXITED | WNOHANG | WNOWAIT) && si.si_pid == p->pid) {
		p->st = P_ZOMBIE;
		n_zombies++;
	}
}

static void step(uint64_t life_us, int starved_bias)
{
	unsigned int r = rnd(1000);
	int i;

	if (r < 900) {
		do_call(starved_bias);
	} else if (r < 915) {
		if (nlive() < 10) {
			static const enum spawn_type types[] = {
				S_PAUSE, S_PAUSE, S_PAUSE_THREAD, S_EXIT, S_EXIT, S_EXIT,
				S_LEADERLESS,
			};

			spawn_any(types[rnd(7)], life_us);
		}
	} else if (r < 930) {
		i = pick_proc(1u << P_LIVE | 1u << P_EXITING);
		if (i >= 0)
			kill_proc(i, P_KILLED);
	} else if (r < 950) {
		i = pick_proc(1u << P_KILLED | 1u << P_EXITING | 1u << P_ZOMBIE);
		if (i >= 0)
			wait_proc(i);
	} else if (r < 965) {
		i = pick_proc(1u << P_LIVE | 1u << P_EXITING | 1u << P_KILLED |
			      1u << P_STARVED | 1u << P_ZOMBIE);
		if (i >= 0) {
			if (procs[i].tid && chance(30))
				open_thread_pidfd(i);
			else
				open_proc_pidfd(i, (unsigned int[]){ 0, PIDFD_NONBLOCK,
						PIDFD_THREAD }[rnd(3)]);
		}
	} else if (r < 985) {
		if (nfds)
			close_fd_at(rnd(nfds));
	} else if (r < 995) {
		open_not_pidfd();
	} else {
		open_self_init();
	}
}

static unsigned long long total_calls(void)
{
	unsigned long long n = 0;
	int c;

	for (c = 0; c < RC_NR; c++)
		n += tot[c];
	return n;
}

/*
 * A while with starved children: they are killed while they cannot run,
 * then a few hundred steps go by, most calls on them, then they may run.
 */
static void starved_episode(uint64_t life_us, unsigned long long *calls_done,
			    unsigned long long ncalls)
{
	int kids[2] = { -1, -1 }, n = 1 + rnd(2), k, steps;
	uint64_t end;

	pin_to(0, 0);
	for (k = 0; k < n; k++) {
		make_room();
		kids[k] = spawn_any(S_STARVED, life_us);
		if (kids[k] >= 0 && wait_sleeping(procs[kids[k]].pid, NULL, 0, 3000000)) {
			kill_proc(kids[k], P_KILLED);
			kids[k] = -1;
		}
	}
	if ((kids[0] >= 0 || kids[1] >= 0) && hog_on(&hog, 3000000) == 0) {
		n_episodes++;
		for (k = 0; k < n; k++)
			if (kids[k] >= 0)
				kill_proc(kids[k], P_STARVED);
		end = now_us() + 500000;
		for (steps = 0; steps < 300 && now_us() < end && *calls_done < ncalls; steps++) {
			step(life_us, 40);
			*calls_done = total_calls();
		}
		hog_off(&hog);
	}
	for (k = 0; k < MAX_PROCS; k++)
		if (procs[k].st == P_STARVED)
			procs[k].st = P_KILLED;
	pin_to(0, -1);
}

static void on_alarm(int sig)
{
	static const char msg[] = "# FAIL mrelease-fuzz: hard deadline hit, giving up\n";

	(void)sig;
	if (write(1, msg, sizeof(msg) - 1) < 0)
		_exit(1);
	if (hog.old_rt_runtime[0])
		write_text("/proc/sys/kernel/sched_rt_runtime_us", hog.old_rt_runtime);
	_exit(1);
}

/* the run's own end conditions, after a case per kind of call */
#define END_NR 3

static int end_case(int n, const char *name, bool ok)
{
	printf("%s %d %s\n", ok ? "ok" : "not ok", n, name);
	return !ok;
}

int main(int argc, char **argv)
{
	unsigned long long ncalls, done = 0, episode_every, next_episode;
	unsigned int deadline_s;
	uint64_t seed, start, deadline, life_us;
	struct rlimit rl;
	int *shared, i, k, passed = 0, failed = 0, r, live_left = 0;
	bool left = false;
	char buf[256];

	if (argc < 2 || argc > 4 || !(ncalls = strtoull(argv[1], NULL, 0))) {
		fprintf(stderr, "usage: %s <calls> [<deadline s> [<seed>]]\n", argv[0]);
		return 2;
	}
	deadline_s = argc > 2 ? strtoul(argv[2], NULL, 0) : 600;
	seed = argc > 3 ? strtoull(argv[3], NULL, 0) : (uint64_t)now_us() ^ getpid();
	rng_seed(seed);
	setvbuf(stdout, NULL, _IOLBF, 0);
	self_pid = getpid();
	have_pidfd_self = syscall(__NR_pidfd_send_signal, -10001, 0, NULL, 0) == 0;
	start = now_us();
	deadline = start + deadline_s * 1000000ULL;
	life_us = deadline_s * 1000000ULL;
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur != RLIM_INFINITY)
		rlim_nofile = rl.rlim_cur;
	snprintf(tmpdir_file, sizeof(tmpdir_file), "/tmp/mrelease-fuzz.%d", self_pid);

	printf("KTAP version 1\n");
	/* a case per kind of call, then the run's own end (END_NR) */
	printf("1..%d\n", K_NR + END_NR);
	printf("# mrelease-fuzz: %llu calls, deadline %u s, seed %#llx, PIDFD_SELF %s\n", ncalls,
	       deadline_s, (unsigned long long)seed, have_pidfd_self ? "yes" : "no");
	r = mrelease(-1, 0);
	printf("# probe: process_mrelease(-1, 0) = %d (%s)\n", r, r ? strerror(errno) : "0");
	exit_mm_mode = probe_exit_semantics(buf, sizeof(buf));
	printf("# probe: %s\n", buf);
	signal(SIGALRM, on_alarm);
	alarm(deadline_s + 60);

	shared = mmap(NULL, MAX_PROCS * 64, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED) {
		printf("Bail out! mmap: %s\n", strerror(errno));
		return 1;
	}
	for (i = 0; i < MAX_PROCS; i++)
		procs[i].shared = shared + i * 16;

	if (hog_init(&hog, last_cpu(), life_us + 60000000ULL)) {
		printf("# no starved children: %s\n", hog.why_not);
		hog_exit(&hog);
	} else {
		starve_cpu = hog.cpu;
	}

	/* a few of each to start with */
	for (i = 0; i < 4; i++)
		open_not_pidfd();
	open_self_init();
	open_self_init();
	spawn_any(S_PAUSE, life_us);
	spawn_any(S_PAUSE_THREAD, life_us);
	spawn_any(S_EXIT, life_us);
	spawn_any(S_LEADERLESS, life_us);

	episode_every = ncalls / 20 > 500 ? ncalls / 20 : 500;
	next_episode = episode_every / 2;
	while (done < ncalls && now_us() < deadline) {
		if (starve_cpu >= 0 && done >= next_episode) {
			starved_episode(life_us, &done, ncalls);
			next_episode += episode_every;
			continue;
		}
		step(life_us, 0);
		done = total_calls();
	}
	done = total_calls();

	/* clean up: every child killed and reaped, every descriptor closed */
	for (i = 0; i < MAX_PROCS; i++) {
		if (procs[i].st == P_FREE || procs[i].st == P_REAPED)
			continue;
		kill(procs[i].pid, SIGKILL);
		waitpid(procs[i].pid, NULL, 0);
		procs[i].st = P_REAPED;
	}
	while (nfds)
		close_fd_at(nfds - 1);
	hog_exit(&hog);
	unlink(tmpdir_file);
	for (k = 0; k < 100; k++) {
		siginfo_t si;

		memset(&si, 0, sizeof(si));
		if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG))
			break;		/* ECHILD: no child left */
		if (!si.si_pid) {
			live_left++;
			sleep_us(10000);
		}
	}
	left = k == 100;

	for (k = 0; k < K_NR; k++) {
		struct kstats *s = &ks[k];

		printf("# %s: %llu calls: %s\n", kind_name[k], s->calls,
		       counts_str(s->cnt, buf, sizeof(buf)));
		if (s->fails || !s->calls) {
			if (!s->calls)
				printf("# %s: never called\n", kind_name[k]);
			printf("not ok %d %s\n", k + 1, kind_name[k]);
			failed++;
		} else {
			printf("ok %d %s\n", k + 1, kind_name[k]);
			passed++;
		}
	}
	/* the run's own end, each a case of its own */
	if (done < ncalls)
		printf("# %llu of %llu calls made (deadline reached)\n", done, ncalls);
	if (undocumented)
		printf("# %llu calls returned an undocumented result\n", undocumented);
	k = failed;
	failed += end_case(K_NR + 1, "all_calls_made", done == ncalls);
	failed += end_case(K_NR + 2, "no_undocumented_result", !undocumented);
	failed += end_case(K_NR + 3, "no_child_left_behind", !left);
	passed += END_NR - (failed - k);
	printf("# children: %llu pausing, %llu with a thread, %llu exiting by themselves, "
	       "%llu leaderless, %llu starved (%llu episodes); %llu kills, %llu seen as zombies, "
	       "%llu reaped while pidfds were open\n", n_spawned[S_PAUSE], n_spawned[S_PAUSE_THREAD],
	       n_spawned[S_EXIT], n_spawned[S_LEADERLESS], n_spawned[S_STARVED], n_episodes,
	       n_killed, n_zombies, n_reaped);
	printf("# mrelease-fuzz: %llu calls in %llu s, seed %#llx\n", done,
	       (unsigned long long)(now_us() - start) / 1000000, (unsigned long long)seed);
	printf("# Totals: pass:%d fail:%d xfail:0 xpass:0 skip:0 error:0\n", passed, failed);
	printf("# calls per result: %s\n", counts_str(tot, buf, sizeof(buf)));
	(void)live_left;
	return failed ? 1 : 0;
}
