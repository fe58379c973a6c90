// SPDX-License-Identifier: GPL-2.0
/*
 * mrelease-stress <iterations> [<deadline s> [<seed>]]
 *
 * Races process_mrelease() against kill, exit and the kernel's own OOM
 * killer and oom_reaper, <iterations> times, mixing these scenarios (one
 * KTAP test each):
 *
 *   kill_free_running       a victim that runs freely (pausing, rewriting
 *                           its memory or churning mmap/munmap) is killed
 *                           while 1-4 reaper threads call process_mrelease()
 *   kill_while_read         the same while another thread borrows the
 *                           victim's mm (process_vm_readv(), /proc/<pid>/
 *                           cmdline), so the last mmput() may be its
 *   kill_starved            the victim is pinned to the last CPU and starved
 *                           there by a SCHED_FIFO loop, so it cannot run its
 *                           exit path; the loop stops while the reapers are
 *                           still calling, so the victim's exit races them
 *   exit_on_its_own         the victim exits by itself (_exit(), exit() with
 *                           an atexit handler, its threads exiting one by
 *                           one, or returning from main() after an exec),
 *                           half of the time while it is being killed too
 *   clone_vm_killed_together    two processes share one mm (CLONE_VM without
 *   clone_vm_killed_one_by_one  CLONE_THREAD); both are killed back to back,
 *                           or one, then after a while the other; some of the
 *                           time both are starved
 *   memcg_oom               2-3 victims allocate in a cgroup v2 child whose
 *                           memory.max they overrun: the memcg OOM killer
 *                           kills some of them while we call and kill
 *   memcg_oom_reaper        a starved victim holding most of memory.max is
 *                           chosen by the memcg OOM killer; it cannot exit,
 *                           so the kernel's oom_reaper takes it (after its 2 s
 *                           delay) while we keep releasing it
 *
 * and, at the end, mm_struct_slab_back_to_baseline: once every victim has
 * been waited for, the mm_struct objects in use (/proc/slabinfo) are back
 * to their number before the first iteration (no mm leaked).
 *
 * Victims are small (64 KiB to 2 MiB: under TCG with KASAN an iteration's
 * time goes into touching and freeing memory, and the races are about the
 * order of events, not the amount), sometimes in transparent huge pages or
 * mlocked, and sometimes have extra threads.  Every call is classified by
 * its result and checked against the results that are legitimate for that
 * scenario and for the state the victims were in while the call ran (see
 * legit()); anything else is a failure, and so is a scenario that never
 * reaches the state it is about (for instance, the memory of a starved
 * victim must be released).  What a process whose threads have all left
 * their mm gets (ESRCH, or still 0 until it is waited for) depends on the
 * kernel and is probed once at start (probe_exit_semantics()).  Without the
 * system call (ENOSYS, guest/no-mrelease) every scenario fails.
 *
 * Bounded: every iteration has a deadline, the whole run too; every child
 * dies with us (PR_SET_PDEATHSIG); the program is a child subreaper, reaps
 * everything it started and removes its cgroup.  Needs root for the starved
 * and memcg scenarios (they are reported as skipped otherwise).
 */
#include "mrelease-common.h"
#include <dirent.h>
#include <poll.h>
#include <pthread.h>
#include <sys/uio.h>

#define MAX_TARGETS	3
#define MAX_REAPERS	4
#define MAX_REC		1024
#define MAX_VICTIMS	4
#define ITER_DEADLINE_US	(12 * 1000000ULL)
#define CGROUP		"/sys/fs/cgroup/mrelease-stress"
#define MEMCG_MAX_KIB	1536

enum scenario {
	SC_KILL_FREE, SC_KILL_READ, SC_KILL_STARVED, SC_SELF_EXIT, SC_VM_TOGETHER,
	SC_VM_ONE_BY_ONE, SC_MEMCG_OOM, SC_MEMCG_REAPER, SC_NR
};
static const char *const sc_name[SC_NR] = {
	"kill_free_running", "kill_while_read", "kill_starved", "exit_on_its_own",
	"clone_vm_killed_together", "clone_vm_killed_one_by_one",
	"memcg_oom", "memcg_oom_reaper",
};
/* relative frequency; memcg_oom_reaper (about 3 s each) is scheduled apart */
static const unsigned int sc_weight[SC_NR] = { 24, 12, 14, 22, 9, 9, 6, 0 };

/*
 * What the victims are doing while the reapers call, as bits that the main
 * thread sets (atomically) and each reaper reads before and after every
 * call.  A kill has two bits: KILL_START before the signal is sent, KILL_DONE
 * once pidfd_send_signal() has returned; in between, the victim may or may
 * not be dying yet.  HOG_OFF is set before the SCHED_FIFO loop is told to
 * stop (from then on the starved victims may run); OOM_SEEN once the main
 * thread has seen the memcg OOM killer's SIGKILL land on the starved victim.
 */
#define ST_KILL_START(t)	(1u << (2 * (t)))
#define ST_KILL_DONE(t)		(1u << (2 * (t) + 1))
#define ST_HOG_OFF		(1u << 6)
#define ST_OOM_SEEN		(1u << 7)

/* ---------------------------------------------------------------------- */
/* Victims                                                                 */

enum activity { ACT_PAUSE, ACT_TOUCH, ACT_CHURN };
enum exit_mode { EXIT_NONE, EXIT_UNDERSCORE, EXIT_ATEXIT, EXIT_THREADS, EXIT_EXEC_RETURN };
static const char *const exit_name[] = { "killed", "_exit", "exit", "threads", "exec+return" };

struct vspec {
	size_t kib;		/* touched before ready */
	size_t alloc_kib;	/* allocated after go (memcg) */
	bool thp, mlock;
	int threads;		/* extra threads, 0-2 */
	int cpu;		/* -1: any */
	enum activity act;
	enum exit_mode exit_mode;
	unsigned int exit_after_us;
	bool sharer;		/* a CLONE_VM|CLONE_PARENT process */
	int cgroup_fd;		/* clone3(CLONE_INTO_CGROUP), -1: none */
	int oom_adj;		/* written to oom_score_adj unless 0 */
};

/* Shared with the victim (MAP_SHARED, one slot per victim). */
struct vinfo {
	pid_t parent;
	int go;
	enum exit_mode exit_mode;
	unsigned int exit_after_us;
	int threads;
	int thread_seq;
	int ntids;
	pid_t tids[4];
	pid_t sharer;
	int sharer_ready;
	int alloc_done;
	uint64_t alloc_done_us;
	int cpu;
	int err;
	char *area;		/* the touched memory, for the reader */
	char pad[64];
};

struct victim {
	pid_t pid, sharer;
	int pidfd, sharer_pidfd;
	struct vinfo *info;
	size_t kib;
};

static struct vinfo *vinfo_slots;	/* MAX_VICTIMS slots */
static pid_t self_pid;
static int starve_cpu = -1;
/* see probe_exit_semantics(): 1 if a zombie's memory can still be released */
static int exit_mm_mode;
/* the result for a victim all of whose threads have left their mm */
#define GONE		(exit_mm_mode > 0 ? 0 : M(RC_ESRCH))

static int vthread_fn(void *arg)
{
	struct vinfo *info = arg;
	int idx = __atomic_fetch_add(&info->thread_seq, 1, __ATOMIC_SEQ_CST);
	char *p = map_touched(64 * 1024, false, false);

	if (!p)
		info->err = 30;
	info->tids[idx & 3] = sys_gettid();
	__atomic_add_fetch(&info->ntids, 1, __ATOMIC_SEQ_CST);
	if (info->exit_mode == EXIT_THREADS) {
		/* exit (this thread only) a little after the leader */
		while (!__atomic_load_n(&info->go, __ATOMIC_SEQ_CST))
			syscall(SYS_sched_yield);
		spin_us(info->exit_after_us + 300 * (idx + 1));
		return 0;
	}
	for (;;)
		sys_pause();
	return 0;
}

static int sharer_fn(void *arg)
{
	struct vinfo *info = arg;
	char *p;

	/* our parent is the stress program (CLONE_PARENT), not the victim */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != info->parent)
		syscall(SYS_exit, 111);
	/* its own mapping in the shared mm */
	p = map_touched(64 * 1024, false, false);
	if (!p)
		info->err = 31;
	__atomic_store_n(&info->sharer_ready, 1, __ATOMIC_SEQ_CST);
	for (;;)
		sys_pause();
	return 0;
}

static void *map_stack(size_t len)
{
	char *s = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);

	return s == MAP_FAILED ? NULL : s + len;
}

static void atexit_touch(void);
static char *atexit_area;
static size_t atexit_len;
static void atexit_touch(void)
{
	/* work in user space on the way out, as real programs do */
	if (atexit_area)
		memset(atexit_area, 0x3c, atexit_len);
}

/* rewrite the memory, or map/touch/unmap in a loop (mmap lock for writing) */
static void victim_activity(enum activity act, char *p, size_t len)
{
	size_t i;

	for (;;) {
		if (act == ACT_TOUCH) {
			for (i = 0; i < len; i += 4096)
				p[i]++;
		} else if (act == ACT_CHURN) {
			char *q = mmap(NULL, 256 * 1024, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

			if (q != MAP_FAILED) {
				memset(q, 1, 256 * 1024);
				mprotect(q, 128 * 1024, PROT_READ);
				munmap(q, 256 * 1024);
			}
			if (len)
				madvise(p, len < 512 * 1024 ? len : 512 * 1024, MADV_DONTNEED);
			if (len)
				memset(p, 2, len < 512 * 1024 ? len : 512 * 1024);
		} else {
			sys_pause();
		}
	}
}

/* The victim itself, after fork() or clone3(); never returns. */
static void victim_body(const struct vspec *s, struct vinfo *info, int ready_fd)
{
	size_t len = s->kib * 1024, i;
	char *p = NULL, c = 'r';
	int t;

	die_with_parent(info->parent);
	if (s->cpu >= 0 && pin_to(0, s->cpu))
		_exit(10);
	if (s->oom_adj) {
		char v[16];

		snprintf(v, sizeof(v), "%d", s->oom_adj);
		if (write_text("/proc/self/oom_score_adj", v))
			_exit(11);
	}
	if (len) {
		p = map_touched(len, s->thp, s->mlock);
		if (!p)
			_exit(12);
		info->area = p;
	}
	for (t = 0; t < s->threads; t++) {
		void *stack = map_stack(64 * 1024);

		if (!stack || clone(vthread_fn, stack, CLONE_VM | CLONE_FS | CLONE_FILES |
				    CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM, info) < 0)
			_exit(13);
	}
	while (__atomic_load_n(&info->ntids, __ATOMIC_SEQ_CST) < s->threads)
		syscall(SYS_sched_yield);
	if (s->sharer) {
		void *stack = map_stack(64 * 1024);
		pid_t sh;

		if (!stack)
			_exit(14);
		sh = clone(sharer_fn, stack, CLONE_VM | CLONE_PARENT | SIGCHLD, info);
		if (sh < 0)
			_exit(15);
		info->sharer = sh;
		while (!__atomic_load_n(&info->sharer_ready, __ATOMIC_SEQ_CST))
			syscall(SYS_sched_yield);
	}
	if (s->exit_mode == EXIT_ATEXIT) {
		atexit_area = p;
		atexit_len = len;
		atexit(atexit_touch);
	}
	if (write(ready_fd, &c, 1) != 1)
		_exit(16);
	close(ready_fd);
	/* without a timeout: a starved victim must stay asleep */
	while (!__atomic_load_n(&info->go, __ATOMIC_SEQ_CST))
		futex_wait(&info->go, 0, 0);
	if (s->alloc_kib) {
		/* grow in steps: the memcg OOM killer strikes somewhere here */
		size_t step = 128 * 1024, alen = s->alloc_kib * 1024;
		char *a = mmap(NULL, alen + 2 * MIB, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (a == MAP_FAILED)
			_exit(17);
		if (s->thp) {
			a = (char *)(((uintptr_t)a + 2 * MIB - 1) & ~(2 * MIB - 1));
			madvise(a, alen, MADV_HUGEPAGE);
		}
		for (i = 0; i < alen; i += step) {
			memset(a + i, 0x5a, step);
			if (s->mlock)
				mlock(a + i, step);
		}
		info->alloc_done_us = now_us();
		__atomic_store_n(&info->alloc_done, 1, __ATOMIC_SEQ_CST);
		p = a;
		len = alen;
	}
	switch (s->exit_mode) {
	case EXIT_UNDERSCORE:
		spin_us(s->exit_after_us);
		_exit(0);
	case EXIT_ATEXIT:
		spin_us(s->exit_after_us);
		exit(0);
	case EXIT_THREADS:
		/* the leader leaves first, then each thread: no group exit */
		spin_us(s->exit_after_us);
		syscall(SYS_exit, 0);
		break;
	default:
		break;
	}
	victim_activity(s->act, p, len);
	_exit(1);
}

/* mrelease-stress --victim <KiB> <thp> <mlock> <spin us>: exec'd victims */
static int exec_victim_main(int argc, char **argv)
{
	char *p, c = 'r';

	if (argc != 6)
		return 2;
	p = map_touched(strtoul(argv[2], NULL, 0) * 1024, atoi(argv[3]), atoi(argv[4]));
	if (!p)
		return 3;
	if (write(3, &c, 1) != 1)
		return 4;
	close(3);
	spin_us(strtoul(argv[5], NULL, 0));
	return 0;	/* return from main(): exit() then exit_group() */
}

struct clone_args_v2 {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack,
		 stack_size, tls, set_tid, set_tid_size, cgroup;
};
#define CLONE_INTO_CGROUP_FLAG	0x200000000ULL

static int wait_readable(int fd, unsigned int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int r;

	do {
		r = poll(&pfd, 1, timeout_ms);
	} while (r < 0 && errno == EINTR);
	return r;
}

/* Start a victim; 0 once it is ready, -1 (with a reason) otherwise. */
static int victim_start(struct victim *v, struct vinfo *info, const struct vspec *s,
			char *why, size_t whylen)
{
	int pfd[2];
	char c;

	memset(v, 0, sizeof(*v));
	v->pid = v->sharer = -1;
	v->pidfd = v->sharer_pidfd = -1;
	v->info = info;
	v->kib = s->kib + s->alloc_kib;
	memset(info, 0, sizeof(*info));
	info->parent = self_pid;
	info->exit_mode = s->exit_mode;
	info->exit_after_us = s->exit_after_us;
	info->threads = s->threads;
	info->cpu = s->cpu;
	if (pipe2(pfd, O_CLOEXEC)) {
		snprintf(why, whylen, "pipe: %s", strerror(errno));
		return -1;
	}
	fflush(NULL);
	if (s->cgroup_fd >= 0) {
		struct clone_args_v2 ca = {
			.flags = CLONE_INTO_CGROUP_FLAG,
			.exit_signal = SIGCHLD,
			.cgroup = (uint64_t)s->cgroup_fd,
		};

		v->pid = syscall(__NR_clone3, &ca, sizeof(ca));
	} else {
		v->pid = fork();
	}
	if (v->pid < 0) {
		snprintf(why, whylen, "fork: %s", strerror(errno));
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	if (v->pid == 0) {
		close(pfd[0]);
		if (s->exit_mode == EXIT_EXEC_RETURN) {
			char kib[16], thp[4], ml[4], us[16];
			char *args[] = { "mrelease-stress", "--victim", kib, thp, ml, us, NULL };

			die_with_parent(info->parent);
			snprintf(kib, sizeof(kib), "%zu", s->kib);
			snprintf(thp, sizeof(thp), "%d", s->thp);
			snprintf(ml, sizeof(ml), "%d", s->mlock);
			snprintf(us, sizeof(us), "%u", s->exit_after_us);
			if (dup2(pfd[1], 3) != 3)
				_exit(20);
			execv("/proc/self/exe", args);
			_exit(21);
		}
		victim_body(s, info, pfd[1]);
	}
	close(pfd[1]);
	v->pidfd = sys_pidfd_open(v->pid, 0);
	if (v->pidfd < 0) {
		snprintf(why, whylen, "pidfd_open: %s", strerror(errno));
		close(pfd[0]);
		return -1;
	}
	if (wait_readable(pfd[0], 8000) != 1 || read(pfd[0], &c, 1) != 1) {
		int st = 0;

		if (waitpid(v->pid, &st, WNOHANG) == v->pid) {
			snprintf(why, whylen, "victim died before it was ready: status %#x", st);
			v->pid = -1;
		} else {
			snprintf(why, whylen, "victim not ready after 8 s");
		}
		close(pfd[0]);
		return -1;
	}
	close(pfd[0]);
	if (s->sharer) {
		v->sharer = info->sharer;
		v->sharer_pidfd = sys_pidfd_open(v->sharer, 0);
		if (v->sharer_pidfd < 0) {
			snprintf(why, whylen, "pidfd_open(sharer): %s", strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* Wait for a process to have exited (its pidfd polls readable). */
static bool wait_exit(int pidfd, uint64_t deadline)
{
	uint64_t now = now_us();

	if (pidfd < 0)
		return true;
	return wait_readable(pidfd, now < deadline ? (deadline - now) / 1000 + 1 : 0) == 1;
}

/* Kill and reap a victim and its sharer; false if one would not die. */
static bool victim_stop(struct victim *v)
{
	bool ok = true;
	pid_t pids[2] = { v->pid, v->sharer };
	int fds[2] = { v->pidfd, v->sharer_pidfd };
	int i;

	for (i = 0; i < 2; i++) {
		if (pids[i] <= 0)
			continue;
		if (fds[i] >= 0)
			sys_pidfd_send_signal(fds[i], SIGKILL);
		else
			kill(pids[i], SIGKILL);
	}
	for (i = 0; i < 2; i++) {
		if (pids[i] <= 0)
			continue;
		if (fds[i] >= 0 && !wait_exit(fds[i], now_us() + 10000000))
			ok = false;
		if (waitpid(pids[i], NULL, ok ? 0 : WNOHANG) != pids[i])
			ok = false;
	}
	for (i = 0; i < 2; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	v->pid = v->sharer = -1;
	v->pidfd = v->sharer_pidfd = -1;
	return ok;
}

/* ---------------------------------------------------------------------- */
/* Reaper threads                                                          */

struct rec {
	int8_t target, cls;
	int16_t err;
	uint16_t before, after;
	uint32_t us;		/* how long the call took */
};

struct reaper {
	pthread_t th;
	int idx;
	pid_t tid;
	/* per iteration, written by the main thread before go */
	unsigned int start_us, gap_us;
	int max_calls;
	int pre_cap;		/* calls before the state changes */
	uint64_t seed;
	/* results */
	int n;
	struct rec rec[MAX_REC];
};

static struct {
	int sc;
	int ntargets;
	int pidfd[MAX_TARGETS];
	pid_t pid[MAX_TARGETS];
	int nreapers;
	int nthreads;		/* to wait for: the reapers, and the reader */
	unsigned int state;	/* ST_* bits */
	int stop;
	int zeros;		/* calls that returned 0, while running */
	int odd;		/* calls that returned neither 0, EINVAL nor ESRCH */
	int gen, done, quit;
} it;

static struct reaper reapers[MAX_REAPERS];

/*
 * The reader of kill_while_read: borrows the victim's mm (mm_users) over
 * and over with process_vm_readv() and /proc/<pid>/cmdline while the victim
 * is killed and released, so that the last mmput() and exit_mmap() may
 * happen in the reader rather than in the victim.
 */
static struct {
	int active;		/* this iteration */
	pid_t pid;
	char *addr;
	size_t len;
	uint64_t seed;
	unsigned long long ok, efault, esrch, other, procs_read;
	int other_err;
	pid_t tid;
} rd;

static void *reader_main(void *arg)
{
	static char buf[64 * 1024];
	int seen = 0;

	(void)arg;
	__atomic_store_n(&rd.tid, sys_gettid(), __ATOMIC_SEQ_CST);
	for (;;) {
		uint64_t rs;
		char path[64];
		int g, n = 0;

		while ((g = __atomic_load_n(&it.gen, __ATOMIC_SEQ_CST)) == seen)
			futex_wait(&it.gen, seen, 0);
		seen = g;
		if (__atomic_load_n(&it.quit, __ATOMIC_SEQ_CST))
			return NULL;
		if (!rd.active)
			continue;
		rs = rd.seed | 1;
		snprintf(path, sizeof(path), "/proc/%d/cmdline", rd.pid);
		while (!__atomic_load_n(&it.stop, __ATOMIC_SEQ_CST)) {
			size_t off, len;
			struct iovec l, r;
			ssize_t got;

			rs ^= rs >> 12;
			rs ^= rs << 25;
			rs ^= rs >> 27;
			len = 4096 << ((rs >> 40) % 5);
			if (len > rd.len)
				len = rd.len;
			off = ((rs >> 20) % (rd.len - len + 1)) & ~4095UL;
			l.iov_base = buf;
			l.iov_len = len;
			r.iov_base = rd.addr + off;
			r.iov_len = len;
			got = process_vm_readv(rd.pid, &l, 1, &r, 1, 0);
			if (got >= 0)
				rd.ok++;
			else if (errno == EFAULT)
				rd.efault++;
			else if (errno == ESRCH)
				rd.esrch++;
			else {
				rd.other++;
				rd.other_err = errno;
			}
			if (++n % 4 == 0) {
				read_text(path, buf, 4096);
				rd.procs_read++;
			}
		}
		__atomic_add_fetch(&it.done, 1, __ATOMIC_SEQ_CST);
		futex_wake(&it.done);
	}
}

static void *reaper_main(void *arg)
{
	struct reaper *r = arg;
	int seen = 0;

	__atomic_store_n(&r->tid, sys_gettid(), __ATOMIC_SEQ_CST);
	for (;;) {
		uint64_t rs;
		unsigned int esrch = 0, all, last_state = ~0u;
		int g, last_cls = -1, same = 0;

		while ((g = __atomic_load_n(&it.gen, __ATOMIC_SEQ_CST)) == seen)
			futex_wait(&it.gen, seen, 0);
		seen = g;
		if (__atomic_load_n(&it.quit, __ATOMIC_SEQ_CST))
			return NULL;
		if (r->idx >= it.nreapers)
			continue;
		rs = r->seed | 1;
		all = (1u << it.ntargets) - 1;
		if (r->start_us)
			spin_us(r->start_us);
		r->n = 0;
		while (r->n < r->max_calls && !__atomic_load_n(&it.stop, __ATOMIC_SEQ_CST)) {
			struct rec *c;
			uint64_t t0;
			int t, ret, e;

			/*
			 * Enough calls on victims that nothing has happened to
			 * yet: keep the rest for when something does.
			 */
			if (r->n >= r->pre_cap && !__atomic_load_n(&it.state, __ATOMIC_SEQ_CST)) {
				sleep_us(50);
				continue;
			}
			c = &r->rec[r->n++];

			rs ^= rs >> 12;
			rs ^= rs << 25;
			rs ^= rs >> 27;
			t = (rs * 2685821657736338717ULL >> 33) % it.ntargets;
			if (esrch & (1u << t) && esrch != all)
				t = __builtin_ctz(all & ~esrch);
			c->target = t;
			c->before = __atomic_load_n(&it.state, __ATOMIC_SEQ_CST);
			t0 = now_us();
			ret = mrelease(it.pidfd[t], 0);
			e = errno;
			c->us = now_us() - t0;
			c->after = __atomic_load_n(&it.state, __ATOMIC_SEQ_CST);
			c->cls = r_class(ret, e);
			c->err = ret ? e : 0;
			if (ret == 0)
				__atomic_add_fetch(&it.zeros, 1, __ATOMIC_SEQ_CST);
			else if (e != EINVAL && e != ESRCH)
				__atomic_add_fetch(&it.odd, 1, __ATOMIC_SEQ_CST);
			/* no thread of the process has an mm: that is final */
			if (c->cls == RC_ESRCH) {
				esrch |= 1u << t;
				if (esrch == all)
					break;
			}
			/* nothing changes: slow down, the races are at the changes */
			if (c->after == last_state && c->cls == last_cls) {
				same++;
			} else {
				same = 0;
				last_state = c->after;
				last_cls = c->cls;
			}
			if (same >= 8)
				sleep_us(r->gap_us > 500 ? r->gap_us : 500);
			else if (r->gap_us)
				sleep_us(r->gap_us);
		}
		__atomic_add_fetch(&it.done, 1, __ATOMIC_SEQ_CST);
		futex_wake(&it.done);
	}
}

/* ---------------------------------------------------------------------- */
/* What each call may return                                               */

struct iter_opts {
	bool starved;		/* victims on the starved CPU */
	int ntargets;
	int sharer_of[MAX_TARGETS];	/* clone_vm: the target sharing its mm */
};

/*
 * The results a call on target @t may return when the victims are in state
 * @st, where every kill that has started has either landed or not (@killed:
 * one bit per target).  Why, scenario by scenario:
 *
 * - A victim that nobody killed and that does not exit by itself (it
 *   pauses, rewrites its memory or churns mmap/munmap) is alive: EINVAL,
 *   only that.
 * - Once SIGKILL is sent, the process is dying (SIGNAL_GROUP_EXIT is set by
 *   the time pidfd_send_signal() returns): 0; never EINVAL, no other process
 *   shares its mm.  Once its last thread has passed exit_mm(): ESRCH on
 *   kernels that only look at task->mm, still 0 on kernels that keep the
 *   mm of exited threads reachable until they are waited for (GONE below,
 *   see probe_exit_semantics()).  The reapers stop before the victims are
 *   waited for, so the ESRCH of a reaped process is never expected here.
 * - A starved victim cannot run, so it keeps its mm: only 0, until the
 *   SCHED_FIFO loop stops (ST_HOG_OFF), then 0 or GONE.
 * - A victim exiting by itself may not have started (EINVAL), be on its way
 *   (0) or be gone (GONE); with threads exiting one by one, the process is
 *   not "dying" (no group exit) until the last one: EINVAL, then 0, GONE.
 * - kill_while_read: a reader borrowing the victim's mm (process_vm_readv(),
 *   /proc/<pid>/cmdline) is not a process sharing it: as kill_free_running.
 * - CLONE_VM sharers: a process whose mm is shared with a live process is
 *   EINVAL, also when it was killed itself (task_will_free_mem() looks at
 *   every process using the mm), unless it has already dropped its mm
 *   (GONE; not if starved: EINVAL only).  Once both are killed: 0 or GONE
 *   (0 only, if starved).
 * - memcg victims may be killed by the memcg OOM killer at any time, so
 *   EINVAL, 0 or GONE until we kill them, then 0 or GONE.  The starved
 *   victim of memcg_oom_reaper never gets GONE while starved; once the OOM
 *   kill is seen, only 0 (also after the oom_reaper has marked it
 *   MMF_OOM_SKIP: "already released" succeeds).  Its allocator has
 *   oom_score_adj -1000, so the OOM killer never picks it: EINVAL until we
 *   kill it.
 *
 * EAGAIN is not legitimate anywhere: it means an mmu notifier refused to
 * release a range, and none of these victims has one (no KVM, no device
 * memory); or, with our series, that there was no memory to record the
 * robust futex list pages to keep, and the callers (this program, outside
 * the memcg, in a guest with plenty of memory) are never short of it.
 * EINTR is not either: it is returned only to a caller with a
 * fatal signal pending, which never gets back to user space to see it.
 * EBADF: every pidfd stays open while the reapers run.  ENOSYS: the call
 * exists.
 */
static unsigned int legit_clean(int sc, int t, unsigned int st, unsigned int killed,
				const struct iter_opts *o)
{
	bool k = killed & (1u << t);
	bool starved = o->starved && !(st & ST_HOG_OFF);

	switch (sc) {
	case SC_KILL_FREE:
	case SC_KILL_READ:
		return k ? M(RC_OK) | GONE : M(RC_EINVAL);
	case SC_KILL_STARVED:
		if (!k)
			return M(RC_EINVAL);
		return starved ? M(RC_OK) : M(RC_OK) | GONE;
	case SC_SELF_EXIT:
		return k ? M(RC_OK) | GONE : M(RC_OK) | M(RC_EINVAL) | GONE;
	case SC_VM_TOGETHER:
	case SC_VM_ONE_BY_ONE: {
		bool ko = killed & (1u << o->sharer_of[t]);

		if (!k)
			return M(RC_EINVAL);
		if (!ko)
			return starved ? M(RC_EINVAL) : M(RC_EINVAL) | GONE;
		return starved ? M(RC_OK) : M(RC_OK) | GONE;
	}
	case SC_MEMCG_OOM:
		return k ? M(RC_OK) | GONE : M(RC_OK) | M(RC_EINVAL) | GONE;
	case SC_MEMCG_REAPER:
		if (t == 0) {
			unsigned int m = (k || (st & ST_OOM_SEEN)) ? M(RC_OK) : M(RC_OK) | M(RC_EINVAL);

			return starved ? m : m | GONE;
		}
		return k ? M(RC_OK) | GONE : M(RC_EINVAL);
	}
	return 0;
}

/* Resolve kills that have started but not finished, both ways. */
static unsigned int legit_state(int sc, int t, unsigned int st, const struct iter_opts *o)
{
	unsigned int done = 0, pending = 0, mask = 0, sub;
	int i;

	for (i = 0; i < o->ntargets; i++) {
		if (st & ST_KILL_DONE(i))
			done |= 1u << i;
		else if (st & ST_KILL_START(i))
			pending |= 1u << i;
	}
	sub = pending;
	for (;;) {
		mask |= legit_clean(sc, t, st, done | sub, o);
		if (!sub)
			break;
		sub = (sub - 1) & pending;
	}
	return mask;
}

/*
 * A call saw state @before when it started and @after when it returned;
 * state bits are only ever added, so it ran in some state between the two.
 */
static unsigned int legit(int sc, int t, unsigned int before, unsigned int after,
			  const struct iter_opts *o)
{
	unsigned int extra = after & ~before, sub = extra, mask = 0;

	for (;;) {
		mask |= legit_state(sc, t, before | sub, o);
		if (!sub)
			break;
		sub = (sub - 1) & extra;
	}
	return mask;
}

/* ---------------------------------------------------------------------- */
/* Statistics and reports                                                  */

struct sc_stats {
	unsigned long long iters, calls, failures, skipped;
	unsigned long long cnt[RC_NR], iters_with[RC_NR];
	unsigned long long released_checked, oom_kills, hog_overruns;
	unsigned long long exits[5];
	unsigned long long unblock_ms_sum, unblock_n, unblock_ms_max;
	unsigned long long us, setup_us, drive_us, cleanup_us;
	unsigned long long lap_us[8];
	unsigned long long ok_us_sum, ok_us_max;
	unsigned long long read_ok, read_efault, read_esrch;
	uint64_t lap_t;
	const char *skip_why;
};

static struct sc_stats stats[SC_NR];
static unsigned long long tot_cnt[RC_NR], tot_iters_with[RC_NR];
static int fail_lines;

static void fail(int sc, unsigned long long iter, const char *fmt, ...)
{
	va_list ap;

	stats[sc].failures++;
	if (fail_lines++ >= 40)
		return;
	printf("# FAIL %s, iteration %llu: ", sc_name[sc], iter);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

/* ---------------------------------------------------------------------- */
/* cgroup v2                                                               */

static int cg_fd = -1;
static const char *cg_why;
static int cg_oom_group = -1;
static bool cg_enabled_memory;
static struct hog hog;

static long cg_event(const char *name)
{
	char buf[1024], *p;
	size_t len = strlen(name);

	if (read_text(CGROUP "/memory.events", buf, sizeof(buf)))
		return -1;
	for (p = buf; p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, name, len) && p[len] == ' ')
			return atol(p + len + 1);
	return -1;
}

static void cg_remove(void)
{
	uint64_t end = now_us() + 5000000;

	if (access(CGROUP, F_OK))
		return;
	write_text(CGROUP "/cgroup.kill", "1");
	while (rmdir(CGROUP) && errno == EBUSY && now_us() < end) {
		/* we are a subreaper: whatever was in there is ours to reap */
		while (waitpid(-1, NULL, WNOHANG | __WALL) > 0)
			;
		sleep_us(10000);
	}
}

static void cg_setup(void)
{
	char buf[256];

	cg_remove();	/* left over by a run that was killed */
	if (read_text("/sys/fs/cgroup/cgroup.controllers", buf, sizeof(buf)) ||
	    !strstr(buf, "memory")) {
		cg_why = "no cgroup v2 memory controller at /sys/fs/cgroup";
		return;
	}
	if (read_text("/sys/fs/cgroup/cgroup.subtree_control", buf, sizeof(buf)) ||
	    !strstr(buf, "memory")) {
		if (write_text("/sys/fs/cgroup/cgroup.subtree_control", "+memory")) {
			cg_why = "cannot enable +memory in /sys/fs/cgroup/cgroup.subtree_control";
			return;
		}
		cg_enabled_memory = true;
	}
	if (mkdir(CGROUP, 0755)) {
		cg_why = "cannot create " CGROUP;
		return;
	}
	snprintf(buf, sizeof(buf), "%dK", MEMCG_MAX_KIB);
	if (write_text(CGROUP "/memory.max", buf)) {
		cg_why = "cannot set memory.max";
		cg_remove();
		return;
	}
	cg_fd = open(CGROUP, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg_fd < 0) {
		cg_why = "cannot open " CGROUP;
		cg_remove();
	}
}

static void cg_oom_group_set(int v)
{
	if (v != cg_oom_group && !write_text(CGROUP "/memory.oom.group", v ? "1" : "0"))
		cg_oom_group = v;
}

static void cg_teardown(void)
{
	if (cg_fd >= 0)
		close(cg_fd);
	cg_fd = -1;
	cg_remove();
	if (cg_enabled_memory)
		write_text("/sys/fs/cgroup/cgroup.subtree_control", "-memory");
}

/* last resort if the whole run overstays its deadline: clean up, leave */
static void on_alarm(int sig)
{
	static const char msg[] = "# FAIL mrelease-stress: hard deadline hit, giving up\n";

	(void)sig;
	if (write(1, msg, sizeof(msg) - 1) < 0)
		_exit(1);
	write_text(CGROUP "/cgroup.kill", "1");
	if (hog.old_rt_runtime[0])
		write_text("/proc/sys/kernel/sched_rt_runtime_us", hog.old_rt_runtime);
	_exit(1);
}

/* ---------------------------------------------------------------------- */
/* One iteration                                                           */

struct iter {
	int sc;
	unsigned long long n;
	uint64_t deadline;
	struct iter_opts o;
	struct victim v[MAX_VICTIMS];
	int nv;
	bool hog_on;
	char why[160];
};

static void st_set(unsigned int bits)
{
	__atomic_or_fetch(&it.state, bits, __ATOMIC_SEQ_CST);
}

static void kill_target(int t)
{
	st_set(ST_KILL_START(t));
	if (chance(80))
		sys_pidfd_send_signal(it.pidfd[t], SIGKILL);
	else
		kill(it.pid[t], SIGKILL);
	st_set(ST_KILL_DONE(t));
}

static void random_pause(unsigned int max_us)
{
	unsigned int us = rnd(max_us + 1);

	if (chance(50))
		spin_us(us);
	else if (us)
		sleep_us(us);
}

/*
 * Sizes are small: under TCG with KASAN, touching and freeing memory is what
 * an iteration spends its time on, and the races are about the order of
 * events, not the amount.  THP victims hold one or two huge pages.
 */
static void vspec_random(struct vspec *s, size_t min_kib, size_t max_kib, bool pause_only)
{
	memset(s, 0, sizeof(*s));
	s->cgroup_fd = -1;
	s->cpu = -1;
	s->kib = min_kib + rnd((max_kib - min_kib) / 64 + 1) * 64;
	if (chance(12)) {
		s->thp = true;
		s->kib = 2048;
	}
	s->mlock = chance(15);
	s->threads = chance(30) ? 1 + rnd(2) : 0;
	s->act = pause_only ? ACT_PAUSE : (enum activity)rnd(3);
}

static void go_reapers(int nreapers, unsigned int max_start_us, unsigned int gap_min_us,
		       unsigned int gap_max_us, int pre_cap)
{
	int i;

	it.nreapers = nreapers;
	it.nthreads = nreapers + !!rd.active;
	it.stop = 0;
	it.done = 0;
	rd.seed = rnd64();
	it.zeros = 0;
	it.odd = 0;
	for (i = 0; i < MAX_REAPERS; i++) {
		struct reaper *r = &reapers[i];

		r->start_us = rnd(max_start_us + 1);
		switch (gap_min_us ? 2 : rnd(3)) {
		case 0:
			r->gap_us = 0;
			break;
		case 1:
			r->gap_us = rnd(gap_max_us / 10 + 1);
			break;
		default:
			r->gap_us = gap_min_us + rnd(gap_max_us - gap_min_us + 1);
		}
		r->max_calls = MAX_REC;
		r->pre_cap = pre_cap;
		r->seed = rnd64();
		r->n = 0;
	}
	__atomic_add_fetch(&it.gen, 1, __ATOMIC_SEQ_CST);
	futex_wake(&it.gen);
}

/* false if the reapers are stuck (a call that does not return) */
static bool wait_reapers(uint64_t deadline)
{
	int d;

	__atomic_store_n(&it.stop, 1, __ATOMIC_SEQ_CST);
	while ((d = __atomic_load_n(&it.done, __ATOMIC_SEQ_CST)) < it.nthreads) {
		if (now_us() > deadline)
			return false;
		futex_wait(&it.done, d, 10000);
	}
	return true;
}

/* a call has released the memory, or something went wrong: stop waiting */
static bool release_seen(void)
{
	return __atomic_load_n(&it.zeros, __ATOMIC_SEQ_CST) ||
	       __atomic_load_n(&it.odd, __ATOMIC_SEQ_CST);
}

static void victims_go(struct iter *x)
{
	int i;

	for (i = 0; i < x->nv; i++) {
		__atomic_store_n(&x->v[i].info->go, 1, __ATOMIC_SEQ_CST);
		futex_wake(&x->v[i].info->go);
	}
}

/* Dump the kernel stacks of the reapers: a call that never returns. */
static void dump_stuck(void)
{
	char path[300], buf[4096];
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;

	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/stack", e->d_name);
		if (!read_text(path, buf, sizeof(buf))) {
			char *l = strtok(buf, "\n");

			printf("# task %s:\n", e->d_name);
			for (; l; l = strtok(NULL, "\n"))
				printf("#   %s\n", l);
		}
	}
	if (d)
		closedir(d);
}

/* start victims x->nv .. n-1 (the others are running already) */
static bool start_victims(struct iter *x, const struct vspec *s, int n)
{
	uint64_t t0 = now_us();
	bool ok = true;
	int i;

	for (i = x->nv; i < n && ok; i++) {
		if (victim_start(&x->v[i], &vinfo_slots[i], &s[i], x->why, sizeof(x->why)))
			ok = false;
		x->nv = i + 1;
	}
	stats[x->sc].setup_us += now_us() - t0;
	return ok;
}

/* Wait (until the iteration's deadline) for every target to exit. */
static bool wait_targets_exit(struct iter *x)
{
	int t;

	for (t = 0; t < it.ntargets; t++)
		if (!wait_exit(it.pidfd[t], x->deadline))
			return false;
	return true;
}

/* RssAnon of a starved victim whose memory was released: at most 5 % + slack */
/*
 * RssAnon of a starved victim after a call returned 0: at most 5 %, plus the
 * error of the per-CPU RSS counters (32 pages per CPU), plus what the victim's
 * threads and stacks hold.
 */
static void lap(int sc, int i)
{
	uint64_t t = now_us();

	if (i >= 0)
		stats[sc].lap_us[i] += t - stats[sc].lap_t;
	stats[sc].lap_t = t;
}

static void check_released(struct iter *x, pid_t pid, size_t kib, int threads)
{
	long rss = proc_status(pid, "RssAnon");
	long max = kib / 20 + 256 + threads * 320;

	stats[x->sc].released_checked++;
	if (rss > max)
		fail(x->sc, x->n, "pid %d: RssAnon still %ld kB of %zu kB after a call returned 0 "
		     "(the victim cannot run)", pid, rss, kib);
}

static int scenario_setup_and_drive(struct iter *x)
{
	struct vspec s[MAX_VICTIMS];
	int sc = x->sc, i, nre = 1 + rnd(MAX_REAPERS);
	uint64_t t0;

	switch (sc) {
	case SC_KILL_FREE:
		vspec_random(&s[0], 64, chance(10) ? 1024 : 256, false);
		if (!start_victims(x, s, 1))
			return -1;
		it.ntargets = 1;
		it.pidfd[0] = x->v[0].pidfd;
		it.pid[0] = x->v[0].pid;
		x->o.ntargets = 1;
		victims_go(x);
		go_reapers(nre, 300, 0, 300, 32);
		random_pause(chance(20) ? 5000 : 800);
		kill_target(0);
		if (!wait_targets_exit(x)) {
			snprintf(x->why, sizeof(x->why), "the killed victim did not exit");
			return -1;
		}
		random_pause(500);
		return 0;

	case SC_KILL_READ: {
		unsigned long long ok0 = rd.ok, ef0 = rd.efault, es0 = rd.esrch;

		vspec_random(&s[0], 256, 512, false);
		if (s[0].act == ACT_CHURN)
			s[0].act = ACT_TOUCH;	/* the area must stay mapped */
		if (!start_victims(x, s, 1))
			return -1;
		it.ntargets = 1;
		it.pidfd[0] = x->v[0].pidfd;
		it.pid[0] = x->v[0].pid;
		x->o.ntargets = 1;
		rd.pid = x->v[0].pid;
		rd.addr = x->v[0].info->area;
		rd.len = s[0].kib * 1024;
		rd.active = 1;
		victims_go(x);
		go_reapers(nre, 300, 0, 300, 32);
		random_pause(3000);
		kill_target(0);
		if (!wait_targets_exit(x)) {
			snprintf(x->why, sizeof(x->why), "the killed victim did not exit");
			return -1;
		}
		random_pause(1000);
		if (rd.ok > ok0)
			stats[sc].read_ok++;
		if (rd.efault > ef0)
			stats[sc].read_efault++;
		if (rd.esrch > es0)
			stats[sc].read_esrch++;
		return 0;
	}

	case SC_KILL_STARVED:
		vspec_random(&s[0], 512, 512, true);
		s[0].threads = chance(20);
		s[0].cpu = starve_cpu;
		lap(sc, -1);
		if (!start_victims(x, s, 1))
			return -1;
		lap(sc, 0);
		it.ntargets = 1;
		it.pidfd[0] = x->v[0].pidfd;
		it.pid[0] = x->v[0].pid;
		x->o.ntargets = 1;
		if (wait_sleeping(x->v[0].pid, x->v[0].info->tids, s[0].threads, 3000000)) {
			snprintf(x->why, sizeof(x->why), "the victim did not go to sleep");
			return -1;
		}
		lap(sc, 1);
		if (hog_on(&hog, 3000000)) {
			snprintf(x->why, sizeof(x->why), "the SCHED_FIFO loop did not start");
			return -1;
		}
		x->hog_on = true;
		lap(sc, 2);
		go_reapers(nre, 300, 0, 300, 32);
		random_pause(500);
		kill_target(0);
		/* wait for a release while the victim cannot run, check it */
		t0 = now_us();
		while (!release_seen() && now_us() < t0 + 2000000)
			sleep_us(200);
		lap(sc, 3);
		if (__atomic_load_n(&it.zeros, __ATOMIC_SEQ_CST))
			check_released(x, x->v[0].pid, s[0].kib, s[0].threads);
		random_pause(2000);
		st_set(ST_HOG_OFF);
		hog_off(&hog);
		x->hog_on = false;
		lap(sc, 4);
		if (!wait_targets_exit(x)) {
			snprintf(x->why, sizeof(x->why), "the killed victim did not exit");
			return -1;
		}
		lap(sc, 5);
		return 0;

	case SC_SELF_EXIT: {
		bool also_kill = chance(50);

		vspec_random(&s[0], 64, 256, false);
		s[0].exit_mode = (enum exit_mode)(1 + rnd(4));
		s[0].exit_after_us = rnd(3000);
		if (s[0].exit_mode == EXIT_THREADS)
			s[0].threads = 1 + rnd(2);
		if (s[0].exit_mode == EXIT_EXEC_RETURN)
			s[0].threads = 0;
		stats[sc].exits[s[0].exit_mode]++;
		if (!start_victims(x, s, 1))
			return -1;
		it.ntargets = 1;
		it.pidfd[0] = x->v[0].pidfd;
		it.pid[0] = x->v[0].pid;
		x->o.ntargets = 1;
		victims_go(x);
		go_reapers(nre, 300, 0, 300, 32);
		if (also_kill) {
			random_pause(s[0].exit_after_us + 500);
			kill_target(0);
		}
		if (!wait_targets_exit(x)) {
			snprintf(x->why, sizeof(x->why), "the victim did not exit (%s)",
				 exit_name[s[0].exit_mode]);
			return -1;
		}
		return 0;
	}

	case SC_VM_TOGETHER:
	case SC_VM_ONE_BY_ONE: {
		bool starved = x->o.starved;
		int first = rnd(2);

		vspec_random(&s[0], starved ? 512 : 64, starved ? 512 : 256, starved);
		s[0].sharer = true;
		if (starved) {
			s[0].cpu = starve_cpu;
			s[0].threads = 0;
		}
		if (!start_victims(x, s, 1))
			return -1;
		it.ntargets = 2;
		it.pidfd[0] = x->v[0].pidfd;
		it.pid[0] = x->v[0].pid;
		it.pidfd[1] = x->v[0].sharer_pidfd;
		it.pid[1] = x->v[0].sharer;
		x->o.ntargets = 2;
		x->o.sharer_of[0] = 1;
		x->o.sharer_of[1] = 0;
		if (starved) {
			if (wait_sleeping(x->v[0].pid, x->v[0].info->tids, s[0].threads, 3000000) ||
			    wait_sleeping(x->v[0].sharer, NULL, 0, 3000000)) {
				snprintf(x->why, sizeof(x->why), "the sharers did not go to sleep");
				return -1;
			}
			if (hog_on(&hog, 3000000)) {
				snprintf(x->why, sizeof(x->why), "the SCHED_FIFO loop did not start");
				return -1;
			}
			x->hog_on = true;
		}
		victims_go(x);
		go_reapers(nre, 300, 0, 500, 32);
		random_pause(600);
		kill_target(first);
		if (sc == SC_VM_TOGETHER) {
			random_pause(100);
		} else if (!starved && chance(50)) {
			/* until the first one has gone (ESRCH), and some more */
			wait_exit(it.pidfd[first], now_us() + 2000000);
			random_pause(1000);
		} else {
			random_pause(3000);
		}
		kill_target(!first);
		if (starved) {
			t0 = now_us();
			while (!release_seen() && now_us() < t0 + 2000000)
				sleep_us(200);
			if (__atomic_load_n(&it.zeros, __ATOMIC_SEQ_CST))
				check_released(x, x->v[0].pid, s[0].kib + 64, 0);
			random_pause(1500);
			st_set(ST_HOG_OFF);
			hog_off(&hog);
			x->hog_on = false;
		}
		if (!wait_targets_exit(x)) {
			snprintf(x->why, sizeof(x->why), "the killed sharers did not exit");
			return -1;
		}
		return 0;
	}

	case SC_MEMCG_OOM: {
		unsigned int wait_us;
		int n = 2 + rnd(2);
		long oom0 = cg_event("oom_kill");

		cg_oom_group_set(chance(25));
		for (i = 0; i < n; i++) {
			/* 256 KiB each before, 0.5-1 MiB more after go: over 1.5 MiB */
			vspec_random(&s[i], 256, 256, false);
			s[i].kib = 256;
			s[i].threads = 0;
			s[i].alloc_kib = 512 + rnd(9) * 64;
			s[i].cgroup_fd = cg_fd;
			s[i].act = chance(50) ? ACT_PAUSE : ACT_TOUCH;
		}
		if (!start_victims(x, s, n))
			return -1;
		it.ntargets = n;
		x->o.ntargets = n;
		for (i = 0; i < n; i++) {
			it.pidfd[i] = x->v[i].pidfd;
			it.pid[i] = x->v[i].pid;
		}
		go_reapers(nre, 2000, 0, 2000, 256);
		victims_go(x);
		/*
		 * Half of the time, let them run into memory.max until the OOM
		 * killer strikes or they are done (or 100 ms), and a little
		 * more; otherwise kill them somewhere on the way.  Then kill.
		 */
		t0 = now_us();
		wait_us = chance(50) ? 100000 : rnd(30000);
		while (now_us() < t0 + wait_us && cg_event("oom_kill") == oom0) {
			bool all = true;

			for (i = 0; i < n; i++)
				if (!__atomic_load_n(&x->v[i].info->alloc_done, __ATOMIC_SEQ_CST))
					all = false;
			if (all)
				break;
			sleep_us(500);
		}
		random_pause(chance(50) ? 1000 : 5000);
		for (i = 0; i < n; i++) {
			kill_target(i);
			if (chance(30))
				random_pause(300);
		}
		if (!wait_targets_exit(x)) {
			snprintf(x->why, sizeof(x->why), "the memcg victims did not exit");
			return -1;
		}
		stats[sc].oom_kills += cg_event("oom_kill") - oom0;
		return 0;
	}

	case SC_MEMCG_REAPER: {
		long oom0 = cg_event("oom_kill");
		uint64_t seen_at = 0, end;

		cg_oom_group_set(0);
		/* the hoarder: starved, holds 1 of the 1.5 MiB, the OOM killer's pick */
		vspec_random(&s[0], 1024, 1024, true);
		s[0].thp = false;
		s[0].kib = 1024;
		s[0].threads = 0;
		s[0].cpu = starve_cpu;
		s[0].cgroup_fd = cg_fd;
		s[0].oom_adj = 1000;
		/* the allocator: wants 768 KiB more, never picked (-1000) */
		vspec_random(&s[1], 0, 0, true);
		s[1].thp = false;
		s[1].kib = 0;
		s[1].threads = 0;
		s[1].mlock = false;
		s[1].alloc_kib = 768;
		s[1].cgroup_fd = cg_fd;
		s[1].oom_adj = -1000;
		x->o.ntargets = 2;
		if (!start_victims(x, s, 1))
			return -1;
		if (wait_sleeping(x->v[0].pid, NULL, 0, 3000000)) {
			snprintf(x->why, sizeof(x->why), "the hoarder did not go to sleep");
			return -1;
		}
		if (hog_on(&hog, 8000000)) {
			snprintf(x->why, sizeof(x->why), "the SCHED_FIFO loop did not start");
			return -1;
		}
		x->hog_on = true;
		if (!start_victims(x, s, 2))
			return -1;
		it.ntargets = 2;
		it.pidfd[0] = x->v[0].pidfd;
		it.pid[0] = x->v[0].pid;
		it.pidfd[1] = x->v[1].pidfd;
		it.pid[1] = x->v[1].pid;
		go_reapers(nre, 0, 8000, 20000, MAX_REC);
		t0 = now_us();
		victims_go(x);
		/* until 2.6 s after the OOM kill: the oom_reaper acts at 2 s */
		end = t0 + 5000000;
		while (now_us() < end) {
			if (!seen_at && task_state(x->v[0].pid, x->v[0].pid) == 'R' &&
			    cg_event("oom_kill") > oom0) {
				st_set(ST_OOM_SEEN);
				seen_at = now_us();
				end = seen_at + 2600000;
			}
			sleep_us(2000);
		}
		if (!seen_at) {
			fail(sc, x->n, "the memcg OOM killer did not kill the starved hoarder "
			     "within 5 s (oom_kill %ld -> %ld)", oom0, cg_event("oom_kill"));
		} else if (__atomic_load_n(&x->v[1].info->alloc_done, __ATOMIC_SEQ_CST)) {
			uint64_t ms = x->v[1].info->alloc_done_us > seen_at ?
				(x->v[1].info->alloc_done_us - seen_at) / 1000 : 0;

			stats[sc].unblock_ms_sum += ms;
			stats[sc].unblock_n++;
			if (ms > stats[sc].unblock_ms_max)
				stats[sc].unblock_ms_max = ms;
		}
		stats[sc].oom_kills += cg_event("oom_kill") - oom0;
		kill_target(1);
		kill_target(0);
		st_set(ST_HOG_OFF);
		hog_off(&hog);
		x->hog_on = false;
		if (!wait_targets_exit(x)) {
			snprintf(x->why, sizeof(x->why), "the memcg victims did not exit");
			return -1;
		}
		return 0;
	}
	}
	return -1;
}

/* Check every call of the iteration; count. */
static void evaluate(struct iter *x)
{
	struct sc_stats *ss = &stats[x->sc];
	bool seen[RC_NR] = { false };
	int i, j, c;

	for (i = 0; i < it.nreapers; i++) {
		struct reaper *r = &reapers[i];

		for (j = 0; j < r->n; j++) {
			struct rec *k = &r->rec[j];
			unsigned int ok = legit(x->sc, k->target, k->before, k->after, &x->o);

			ss->calls++;
			ss->cnt[k->cls]++;
			if (k->cls == RC_OK) {
				ss->ok_us_sum += k->us;
				if (k->us > ss->ok_us_max)
					ss->ok_us_max = k->us;
			}
			tot_cnt[k->cls]++;
			seen[k->cls] = true;
			if (!(ok & M(k->cls))) {
				char b[64];

				fail(x->sc, x->n, "reaper %d call %d on target %d returned %s (%s), "
				     "state %#x..%#x allows %s", i, j, k->target,
				     k->err ? strerror(k->err) : "0", r_name[k->cls],
				     k->before, k->after, mask_str(ok, b, sizeof(b)));
			}
		}
	}
	for (c = 0; c < RC_NR; c++) {
		if (seen[c]) {
			ss->iters_with[c]++;
			tot_iters_with[c]++;
		}
	}
}

static void pin_all(int cpu)
{
	int i;

	pin_to(0, cpu);
	for (i = 0; i < MAX_REAPERS; i++)
		pin_to(reapers[i].tid, cpu);
	pin_to(rd.tid, cpu);
}

/* Returns false when the run cannot go on (a reaper is stuck in the kernel). */
static bool run_iteration(int sc, unsigned long long n)
{
	struct iter x;
	bool ok = true, starved_sc;
	uint64_t t_start, t_clean;
	int i;

	memset(&x, 0, sizeof(x));
	x.sc = sc;
	x.n = n;
	x.deadline = now_us() + ITER_DEADLINE_US;
	memset(&it.pidfd, 0xff, sizeof(it.pidfd));
	it.state = 0;
	it.ntargets = 0;
	it.nreapers = 0;
	it.nthreads = 0;
	it.done = 0;
	starved_sc = sc == SC_KILL_STARVED || sc == SC_MEMCG_REAPER ||
		     ((sc == SC_VM_TOGETHER || sc == SC_VM_ONE_BY_ONE) && starve_cpu >= 0 &&
		      chance(30));
	x.o.starved = starved_sc;
	/*
	 * The stress program stays off the CPU that is going to be starved:
	 * the main thread, and the reapers, pinned while they sleep (once a
	 * thread is woken on the starved CPU, it cannot run to move itself).
	 */
	if (starved_sc)
		pin_all(0);
	stats[sc].iters++;
	t_start = now_us();
	if (scenario_setup_and_drive(&x)) {
		fail(sc, n, "%s", x.why[0] ? x.why : "setup failed");
		/* reapers, if they were started, are stopped below */
	}
	stats[sc].drive_us += now_us() - t_start;
	t_clean = now_us();
	if (it.nthreads && !wait_reapers(x.deadline + 5000000)) {
		fail(sc, n, "a process_mrelease() call has not returned for 5 s after the "
		     "iteration's deadline; kernel stacks:");
		dump_stuck();
		ok = false;
	}
	if (x.hog_on)
		hog_off(&hog);
	if (it.nreapers && ok)
		evaluate(&x);
	if (rd.active && rd.other) {
		fail(sc, n, "process_vm_readv() of the victim failed with %s (%llu times)",
		     strerror(rd.other_err), rd.other);
		rd.other = 0;
	}
	rd.active = 0;
	for (i = 0; i < x.nv; i++) {
		if (!victim_stop(&x.v[i]))
			fail(sc, n, "victim %d would not die", i);
	}
	/* anything else (orphans of the victims, we are a subreaper) */
	for (;;) {
		siginfo_t si;

		memset(&si, 0, sizeof(si));
		if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) || !si.si_pid)
			break;
		if (si.si_pid == hog.pid) {
			fail(sc, n, "the SCHED_FIFO loop died");
			waitpid(hog.pid, NULL, 0);
			hog.pid = -1;
			starve_cpu = -1;
			continue;
		}
		waitpid(si.si_pid, NULL, 0);
	}
	if (starved_sc)
		pin_all(-1);
	stats[sc].us += now_us() - t_start;
	stats[sc].cleanup_us += now_us() - t_clean;
	if (hog.pid > 0 && hog.ctl->overruns) {
		stats[sc].hog_overruns += hog.ctl->overruns;
		hog.ctl->overruns = 0;
	}
	return ok;
}

/* ---------------------------------------------------------------------- */

static int pick_scenario(void)
{
	unsigned int total = 0, r;
	int sc;

	for (sc = 0; sc < SC_NR; sc++)
		if (!stats[sc].skip_why)
			total += sc_weight[sc];
	r = rnd(total);
	for (sc = 0; sc < SC_NR; sc++) {
		if (stats[sc].skip_why)
			continue;
		if (r < sc_weight[sc])
			return sc;
		r -= sc_weight[sc];
	}
	return SC_KILL_FREE;
}

/*
 * What a scenario must have seen to prove anything: a run that never
 * released memory, or never met a shared mm, passes no test.
 */
static const char *coverage_gap(int sc)
{
	struct sc_stats *s = &stats[sc];

	if (!s->iters)
		return "never ran";
	if (!s->cnt[RC_OK])
		return "no call released anything (never returned 0)";
	switch (sc) {
	case SC_KILL_FREE:
	case SC_VM_TOGETHER:
	case SC_VM_ONE_BY_ONE:
		if (!s->cnt[RC_EINVAL])
			return "never saw a live process refused (EINVAL)";
		break;
	case SC_KILL_READ:
		if (!s->read_ok)
			return "the reader never read the victim's memory";
		break;
	case SC_KILL_STARVED:
		if (!s->released_checked)
			return "never checked that a starved victim's memory was released";
		break;
	case SC_MEMCG_OOM:
	case SC_MEMCG_REAPER:
		if (!s->oom_kills)
			return "the memcg OOM killer never killed anything";
		break;
	}
	return NULL;
}

/* The first line of a small file, without its newline; 0 on success. */
static int read_small(const char *path, char *buf, size_t size)
{
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

/*
 * In-use mm_struct objects (/proc/slabinfo's active_objs), after asking
 * SLUB to flush its per-CPU slabs so that their free objects stop counting
 * as active; -1 when the kernel does not tell.
 */
static long mm_struct_active(void)
{
	char line[512];
	long n = -1;
	FILE *f;
	int fd;

	fd = open("/sys/kernel/slab/mm_struct/shrink", O_WRONLY);
	if (fd >= 0) {
		if (write(fd, "1", 1) < 0)
			n = -1;
		close(fd);
	}
	f = fopen("/proc/slabinfo", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "mm_struct %ld", &n) == 1)
			break;
	fclose(f);
	return n;
}

/* the run's own end conditions, after the scenarios and the mm_struct count */
#define END_NR 3

static int end_case(int n, const char *name, bool ok)
{
	printf("%s %d %s\n", ok ? "ok" : "not ok", n, name);
	return !ok;
}

int main(int argc, char **argv)
{
	unsigned long long iters, i, reaper_every, done = 0;
	unsigned int deadline_s;
	uint64_t seed, start, deadline, last_progress;
	bool stuck = false, left_behind, soak;
	pthread_t reader_th;
	char buf[256];
	int sc, passed = 0, failed = 0, skipped = 0, r, nsc = 0, failed_before_end;
	long mm_base, mm_after = -1;
	bool no_syscall;

	if (argc >= 2 && !strcmp(argv[1], "--victim"))
		return exec_victim_main(argc, argv);
	if (argc < 2 || argc > 4) {
		fprintf(stderr, "usage: %s <iterations, 0: until the deadline> "
			"[<deadline s> [<seed>]]\n", argv[0]);
		return 2;
	}
	iters = strtoull(argv[1], NULL, 0);
	/* make soak: the deadline is the end of the run, not a failure */
	soak = !iters;
	if (soak)
		iters = ~0ULL;
	deadline_s = argc > 2 ? strtoul(argv[2], NULL, 0) : 1200;
	seed = argc > 3 ? strtoull(argv[3], NULL, 0) : (uint64_t)now_us() ^ getpid();
	rng_seed(seed);
	setvbuf(stdout, NULL, _IOLBF, 0);
	self_pid = getpid();
	start = now_us();
	deadline = start + deadline_s * 1000000ULL;

	printf("KTAP version 1\n");
	/* the scenarios, the mm_struct count and the run's own end (END_NR) */
	printf("1..%d\n", SC_NR + 1 + END_NR);
	if (soak)
		printf("# mrelease-stress: until the deadline, %u s, seed %#llx\n", deadline_s,
		       (unsigned long long)seed);
	else
		printf("# mrelease-stress: %llu iterations, deadline %u s, seed %#llx\n",
		       iters, deadline_s, (unsigned long long)seed);

	prctl(PR_SET_CHILD_SUBREAPER, 1);
	signal(SIGALRM, on_alarm);
	alarm(deadline_s + 60);
	vinfo_slots = mmap(NULL, MAX_VICTIMS * sizeof(struct vinfo), PROT_READ | PROT_WRITE,
			   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (vinfo_slots == MAP_FAILED) {
		printf("Bail out! mmap: %s\n", strerror(errno));
		return 1;
	}
	mm_base = mm_struct_active();
	/* what a zombie that keeps its mm keeps of it, besides the page-table root */
	if (!read_small("/sys/kernel/slab/mm_struct/object_size", buf, sizeof(buf)))
		printf("# mm_struct object size: %s bytes\n", buf);
	r = mrelease(-1, 0);
	no_syscall = r == -1 && errno == ENOSYS;
	printf("# probe: process_mrelease(-1, 0) = %d (%s)\n", r, r ? strerror(errno) : "0");
	exit_mm_mode = probe_exit_semantics(buf, sizeof(buf));
	printf("# probe: %s\n", buf);

	if (hog_init(&hog, last_cpu(), (deadline_s + 60) * 1000000ULL)) {
		stats[SC_KILL_STARVED].skip_why = hog.why_not;
		stats[SC_MEMCG_REAPER].skip_why = hog.why_not;
		hog_exit(&hog);
	} else {
		starve_cpu = hog.cpu;
	}
	cg_setup();
	if (cg_fd < 0) {
		stats[SC_MEMCG_OOM].skip_why = cg_why;
		if (!stats[SC_MEMCG_REAPER].skip_why)
			stats[SC_MEMCG_REAPER].skip_why = cg_why;
	}
	printf("# %d CPUs; starving CPU %d%s%s; memcg %s (memory.max %d KiB)%s%s\n", ncpus(),
	       starve_cpu, hog.why_not ? ": no, " : "", hog.why_not ? hog.why_not : "",
	       CGROUP, MEMCG_MAX_KIB, cg_why ? ": no, " : "", cg_why ? cg_why : "");

	for (r = 0; r < MAX_REAPERS; r++) {
		reapers[r].idx = r;
		if (pthread_create(&reapers[r].th, NULL, reaper_main, &reapers[r])) {
			printf("Bail out! pthread_create failed\n");
			return 1;
		}
		while (!__atomic_load_n(&reapers[r].tid, __ATOMIC_SEQ_CST))
			sleep_us(100);
	}
	if (pthread_create(&reader_th, NULL, reader_main, NULL)) {
		printf("Bail out! pthread_create failed\n");
		return 1;
	}
	while (!__atomic_load_n(&rd.tid, __ATOMIC_SEQ_CST))
		sleep_us(100);

	/* the slow one (about 3 s each) at even intervals, 2 to 20 times */
	reaper_every = iters / 500 < 2 ? iters / 2 : iters / (iters / 500 > 20 ? 20 : iters / 500);
	if (!reaper_every)
		reaper_every = 1;
	if (reaper_every > 500)		/* make soak: runs until its deadline */
		reaper_every = 500;
	last_progress = start;
	for (i = 0; i < iters && !stuck; i++) {
		if (now_us() > deadline)
			break;
		if (!stats[SC_MEMCG_REAPER].skip_why && i % reaper_every == reaper_every / 2)
			sc = SC_MEMCG_REAPER;
		else
			sc = pick_scenario();
		stuck = !run_iteration(sc, i);
		done++;
		/* once a minute: make soak prints these as they come */
		if (now_us() - last_progress >= 60000000ULL) {
			last_progress = now_us();
			printf("# progress: %llu iterations, %llu s, calls per result: %s\n", i + 1,
			       (unsigned long long)(now_us() - start) / 1000000,
			       counts_str(tot_cnt, buf, sizeof(buf)));
		}
	}

	__atomic_store_n(&it.quit, 1, __ATOMIC_SEQ_CST);
	__atomic_add_fetch(&it.gen, 1, __ATOMIC_SEQ_CST);
	futex_wake(&it.gen);
	if (!stuck) {
		for (r = 0; r < MAX_REAPERS; r++)
			pthread_join(reapers[r].th, NULL);
		pthread_join(reader_th, NULL);
	}
	hog_exit(&hog);
	cg_teardown();
	/* nothing left behind: no child, no cgroup */
	for (r = 0; r < 100; r++) {
		siginfo_t si;

		memset(&si, 0, sizeof(si));
		if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | __WALL))
			break;		/* ECHILD */
		if (!si.si_pid)
			sleep_us(20000);
	}
	left_behind = r == 100;

	for (sc = 0; sc < SC_NR; sc++) {
		struct sc_stats *s = &stats[sc];
		const char *gap;

		nsc++;
		if (s->skip_why) {
			printf("ok %d %s # SKIP %s\n", nsc, sc_name[sc], s->skip_why);
			skipped++;
			continue;
		}
		printf("# %s: %llu iterations, %llu calls: %s\n", sc_name[sc], s->iters, s->calls,
		       counts_str(s->cnt, buf, sizeof(buf)));
		printf("# %s: iterations per result: %s\n", sc_name[sc],
		       counts_str(s->iters_with, buf, sizeof(buf)));
		if (s->iters)
			printf("# %s: %llu ms per iteration (starting victims %llu, until they "
			       "exit %llu, cleaning up %llu)\n", sc_name[sc],
			       s->us / s->iters / 1000, s->setup_us / s->iters / 1000,
			       s->drive_us / s->iters / 1000, s->cleanup_us / s->iters / 1000);
		if (sc == SC_SELF_EXIT)
			printf("# %s: exits: _exit %llu, exit %llu, threads %llu, exec+return %llu\n",
			       sc_name[sc], s->exits[EXIT_UNDERSCORE], s->exits[EXIT_ATEXIT],
			       s->exits[EXIT_THREADS], s->exits[EXIT_EXEC_RETURN]);
		if (s->cnt[RC_OK])
			printf("# %s: calls that returned 0 took %llu us on average, %llu us at most\n",
			       sc_name[sc], s->ok_us_sum / s->cnt[RC_OK], s->ok_us_max);
		if (s->lap_us[0])
			printf("# %s: laps (ms per iteration): %llu %llu %llu %llu %llu %llu\n",
			       sc_name[sc], s->lap_us[0] / s->iters / 1000,
			       s->lap_us[1] / s->iters / 1000, s->lap_us[2] / s->iters / 1000,
			       s->lap_us[3] / s->iters / 1000, s->lap_us[4] / s->iters / 1000,
			       s->lap_us[5] / s->iters / 1000);
		if (s->released_checked)
			printf("# %s: %llu starved victims checked released (RssAnon)\n",
			       sc_name[sc], s->released_checked);
		if (sc == SC_KILL_READ)
			printf("# %s: iterations where process_vm_readv() read %llu, got EFAULT %llu, "
			       "ESRCH %llu; %llu reads of /proc/<pid>/cmdline in all\n", sc_name[sc],
			       s->read_ok, s->read_efault, s->read_esrch, rd.procs_read);
		if (sc == SC_MEMCG_OOM || sc == SC_MEMCG_REAPER)
			printf("# %s: %llu memcg OOM kills\n", sc_name[sc], s->oom_kills);
		if (s->unblock_n)
			printf("# %s: the allocator got its memory %llu ms (mean; max %llu ms) "
			       "after the OOM kill\n", sc_name[sc],
			       s->unblock_ms_sum / s->unblock_n, s->unblock_ms_max);
		if (s->hog_overruns)
			printf("# %s: the SCHED_FIFO loop hit its deadline %llu times\n",
			       sc_name[sc], s->hog_overruns);
		gap = s->failures ? NULL : coverage_gap(sc);
		if (gap)
			printf("# %s: %s\n", sc_name[sc], gap);
		if (s->failures || gap) {
			printf("not ok %d %s\n", nsc, sc_name[sc]);
			failed++;
		} else {
			printf("ok %d %s\n", nsc, sc_name[sc]);
			passed++;
		}
	}
	/*
	 * Every victim has been waited for, so every mm_struct they used must
	 * be gone again: the count returns to what it was before the first
	 * iteration, give or take the mm that an idle CPU may still hold
	 * lazily (one per CPU).  Frees that wait for an RCU grace period get
	 * a few seconds.
	 */
	nsc++;
	if (no_syscall) {
		/* nothing was released: no proof of anything (guest/no-mrelease) */
		printf("# mm_struct_slab_back_to_baseline: process_mrelease() is not available\n");
		printf("not ok %d mm_struct_slab_back_to_baseline\n", nsc);
		failed++;
	} else if (mm_base < 0) {
		printf("ok %d mm_struct_slab_back_to_baseline # SKIP no mm_struct in /proc/slabinfo\n",
		       nsc);
		skipped++;
	} else {
		for (r = 0; r < 50; r++) {
			mm_after = mm_struct_active();
			if (mm_after >= 0 && mm_after <= mm_base + ncpus())
				break;
			sleep_us(200000);
		}
		printf("# mm_struct objects in use: %ld before the first iteration, %ld after "
		       "the last (%llu iterations)\n", mm_base, mm_after, done);
		if (mm_after >= 0 && mm_after <= mm_base + ncpus()) {
			printf("ok %d mm_struct_slab_back_to_baseline\n", nsc);
			passed++;
		} else {
			printf("not ok %d mm_struct_slab_back_to_baseline\n", nsc);
			failed++;
		}
	}
	/*
	 * The run's own end, each a case of its own: every iteration asked
	 * for was done (make soak: the run went on until its deadline, no
	 * call got stuck), and nothing is left behind.
	 */
	failed_before_end = failed;
	if (soak) {
		if (stuck || !done)
			printf("# %llu iterations until %s\n", done,
			       stuck ? "a call got stuck" : "the deadline");
		failed += end_case(++nsc, "ran_until_the_deadline", !stuck && done);
	} else {
		if (done < iters)
			printf("# %llu of %llu iterations done (%s)\n", done, iters,
			       stuck ? "a call got stuck" : "deadline reached");
		failed += end_case(++nsc, "all_iterations_done", done == iters);
	}
	failed += end_case(++nsc, "no_child_left_behind", !left_behind);
	failed += end_case(++nsc, "no_cgroup_left_behind", access(CGROUP, F_OK) != 0);
	passed += END_NR - (failed - failed_before_end);
	printf("# mrelease-stress: %llu iterations in %llu s, seed %#llx\n", done,
	       (unsigned long long)(now_us() - start) / 1000000, (unsigned long long)seed);
	printf("# calls per result: %s\n", counts_str(tot_cnt, buf, sizeof(buf)));
	printf("# Totals: pass:%d fail:%d xfail:0 xpass:0 skip:%d error:0\n", passed,
	       failed, skipped);
	printf("# iterations per result: %s\n", counts_str(tot_iters_with, buf, sizeof(buf)));
	return failed ? 1 : 0;
}
