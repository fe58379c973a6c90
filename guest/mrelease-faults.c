// SPDX-License-Identifier: GPL-2.0
/*
 * mrelease-faults: every allocation failure that process_mrelease() can
 * meet, injected one after the other.
 *
 * For each kind of victim the call is made with /proc/thread-self/fail-nth
 * set to n = 1, 2, 3, ... (failslab and fail_page_alloc armed for every
 * allocation, sleeping ones included), on a fresh victim each time, until a
 * call completes without any fault injected.  Twice: once with only the
 * n-th allocation failing, once with the n-th and every later one failing
 * (make-it-fail as well).  The second reaches what one failure cannot: a
 * path that gets over one failed allocation and fails only when a later one
 * fails too.  The call itself allocates nothing of its own (the robust-list
 * pages it keeps are recorded in a fixed array); what it meets are the
 * allocations of the code it runs, such as mmu_gather's batch pages, taken
 * without sleeping and done without when they fail.  A sweep must inject at
 * least one fault (n = 1), or it tested nothing: it fails otherwise.
 * For every n:
 *  - the call returns 0 or EAGAIN, the results the man page lists for a
 *    failed allocation (the caller retries EAGAIN);
 *  - EAGAIN released nothing and 0 released the memory, judged by the
 *    memory.current of a cgroup that holds the victim alone: "nothing" is
 *    at most RELEASED_NOTHING_KB (256 kB), "the memory" all of the
 *    victim's <MiB> but RELEASED_ALL_SLACK_KB (512 kB: what its exit keeps,
 *    the robust-list pages, and a charge batch);
 *  - a second call without injection releases what the first did not;
 *  - robust victims: once the victim runs its exit, both robust mutexes it
 *    held in shared memory report EOWNERDEAD to the next locker.
 * Each step prints where the fault was injected (the kernel's
 * FAULT_INJECTION report, read back from /dev/kmsg).  The leak and splat
 * checks run after this program (guest/check-ours.list, scripts/check).
 *
 * Then the same sweeps through memory.reap of the victim's cgroup instead of
 * the call (tests named memory_reap.*): the write may also fail with ENOMEM
 * when kernfs cannot allocate its buffer, and must then release nothing.
 *
 * Victims, each its own KTAP test:
 *  starved_plain         killed, starved of CPU by a SCHED_FIFO loop
 *  starved_robust        the same with two threads holding robust mutexes:
 *                        one shared each, and a process-private one before
 *                        the shared one in the second thread's list
 *  exited_held_by_mm_user  exited (a zombie) while another process holds
 *                        its mm inside process_vm_readv()
 *
 * usage: mrelease-faults [<victim MiB, default 8> [<only the tests whose
 *        name contains this>]]
 * Needs root, 2 CPUs, CONFIG_FAULT_INJECTION_DEBUG_FS, FAILSLAB,
 * FAIL_PAGE_ALLOC, cgroup v2 with the memory controller; SKIPs otherwise.
 */
#include "mrelease-common.h"
#include <poll.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <linux/userfaultfd.h>

#define CG		"/sys/fs/cgroup/mrelease-faults"
#define MAX_N		400	/* a sweep that needs more is a failure */
#define HOG_SPIN_US	30000000UL
/*
 * What "released nothing" and "released the memory" allow: one memcg charge
 * batch (64 pages, which memory.current may show late), and that plus what
 * the exit keeps.  Measured (make check, 6.12, 8 MiB victims, 108 calls):
 * an error released 0 kB every time, a 0 at most 20 kB short of the victim.
 */
#define RELEASED_NOTHING_KB	256
#define RELEASED_ALL_SLACK_KB	512

static struct hog hog;
static size_t victim_mib = 8;
static int kmsg_fd = -1;
static int errors;
static const char *only;

struct shared {
	pthread_mutex_t m[2];	/* robust, process-shared */
	uintptr_t addr;		/* the victim's memory, set once it is touched */
	int tids[2];
	int ready;		/* the second thread holds its mutexes */
	int holder_state;	/* 1: blocked in the copy, 2: let go */
	int holder_done;	/* the copy returned: holder_ret, holder_errno */
	long holder_ret;
	int holder_errno;
};

/* ---------------------------------------------------------------------- */
/* Fault injection and the kernel log                                      */

static const char *const fi_knobs[][2] = {
	/* every allocation may be failed, the sleeping ones included */
	{ "/sys/kernel/debug/failslab/ignore-gfp-wait", "N" },
	{ "/sys/kernel/debug/fail_page_alloc/ignore-gfp-wait", "N" },
	{ "/sys/kernel/debug/fail_page_alloc/ignore-gfp-highmem", "N" },
	{ "/sys/kernel/debug/fail_page_alloc/min-order", "0" },
	/* make-it-fail: every allocation of the task fails, after fail-nth */
	{ "/sys/kernel/debug/failslab/task-filter", "Y" },
	{ "/sys/kernel/debug/fail_page_alloc/task-filter", "Y" },
	{ "/sys/kernel/debug/failslab/probability", "100" },
	{ "/sys/kernel/debug/fail_page_alloc/probability", "100" },
	{ "/sys/kernel/debug/failslab/interval", "1" },
	{ "/sys/kernel/debug/fail_page_alloc/interval", "1" },
	{ "/sys/kernel/debug/failslab/times", "-1" },
	{ "/sys/kernel/debug/fail_page_alloc/times", "-1" },
	/* one report with a stack per injected fault (the site) */
	{ "/sys/kernel/debug/failslab/verbose", "2" },
	{ "/sys/kernel/debug/fail_page_alloc/verbose", "2" },
};

static const char *fi_setup(void)
{
	unsigned int i;

	if (geteuid())
		return "needs root";
	if (access("/proc/thread-self/fail-nth", W_OK) ||
	    access("/proc/thread-self/make-it-fail", W_OK))
		return "no /proc/thread-self/fail-nth (CONFIG_FAULT_INJECTION)";
	if (access("/sys/kernel/debug/failslab", F_OK) ||
	    access("/sys/kernel/debug/fail_page_alloc", F_OK))
		return "no failslab/fail_page_alloc in debugfs (CONFIG_FAILSLAB, "
		       "CONFIG_FAIL_PAGE_ALLOC, CONFIG_FAULT_INJECTION_DEBUG_FS)";
	for (i = 0; i < sizeof(fi_knobs) / sizeof(fi_knobs[0]); i++)
		if (write_text(fi_knobs[i][0], fi_knobs[i][1]))
			return "cannot set the fault injection knobs";
	kmsg_fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (kmsg_fd >= 0)
		lseek(kmsg_fd, 0, SEEK_END);
	return NULL;
}

/* Skip the kernel log up to now. */
static void kmsg_drain(void)
{
	char rec[2048];

	if (kmsg_fd < 0)
		return;
	while (read(kmsg_fd, rec, sizeof(rec)) > 0 || errno == EPIPE)
		;
}

/*
 * Where the fault was injected, from the report the kernel just printed:
 * "failslab: f1 < f2 < f3" with the first frames above the allocator.
 */
static void kmsg_site(char *site, size_t len)
{
	static const char *const skip[] = {
		"dump_stack", "fail_dump", "should_fail", "should_failslab",
		"kmem_cache_alloc", "kmalloc", "__kmalloc", "alloc_pages", "__alloc_pages",
		"alloc_frozen", "prepare_alloc_pages", "slab_pre_alloc_hook", "__get_free_pages",
		"get_free_pages", "__slab_alloc", "___slab_alloc", "allocate_slab", "new_slab",
		"kvmalloc", "__kvmalloc", "alloc_slab_page", "folio_alloc",
		"slab_alloc", "kmalloc_trace", "show_stack", "__dump_stack",
	};
	char rec[2048], name[64] = "?";
	size_t n = 0, frames = 0;
	bool in_report = false;

	snprintf(site, len, "an unreported (__GFP_NOWARN) allocation");
	if (kmsg_fd < 0)
		return;
	for (;;) {
		ssize_t r = read(kmsg_fd, rec, sizeof(rec) - 1);
		char *msg, *end;
		unsigned int i;
		bool skipped = false;

		if (r < 0 && errno == EPIPE)
			continue;
		if (r <= 0)
			break;
		rec[r] = '\0';
		msg = strchr(rec, ';');
		if (!msg)
			continue;
		msg++;
		end = strchr(msg, '\n');
		if (end)
			*end = '\0';
		if (strstr(msg, "FAULT_INJECTION: forcing a failure")) {
			/* "...failure.\x0aname failslab, interval ..." in one record */
			char *nm = strstr(msg, "name ");

			in_report = true;
			frames = 0;
			if (nm)
				sscanf(nm + 5, "%63[^,]", name);
			n = snprintf(site, len, "%s:", name);
			continue;
		}
		if (!in_report)
			continue;
		if (!strncmp(msg, "name ", 5)) {
			sscanf(msg + 5, "%63[^,]", name);
			n = snprintf(site, len, "%s:", name);
			continue;
		}
		/* stack frames: " func+0x12/0x34" */
		while (*msg == ' ')
			msg++;
		if (!*msg || strchr(msg, ' ') || !strchr(msg, '+') || frames >= 3)
			continue;
		*strchr(msg, '+') = '\0';
		for (i = 0; i < sizeof(skip) / sizeof(skip[0]); i++)
			if (!strncmp(msg, skip[i], strlen(skip[i])))
				skipped = true;
		if (skipped || !strcmp(msg, "?"))
			continue;
		if (n < len)
			n += snprintf(site + n, len - n, "%s%s", frames ? " < " : " ", msg);
		frames++;
	}
}

/*
 * process_mrelease() with the n-th fault-injection point of this thread
 * failing (n = 0: none), and with @later every point after it too (the
 * fail-nth counter is looked at first; once it has fired, make-it-fail
 * with probability 100 fails every further allocation of the thread).
 * *injected tells whether the n-th point was reached.
 */
static bool via_reap;	/* memory.reap of the victim's cgroup, not the call */

static int mrelease_nth(int pidfd, unsigned int n, bool later, bool *injected, int *err)
{
	char buf[32];
	int fd = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	int mif = open("/proc/thread-self/make-it-fail", O_WRONLY | O_CLOEXEC);
	int reap = via_reap ? open(CG "/memory.reap", O_WRONLY | O_CLOEXEC) : -1;
	int r;
	ssize_t len;

	*injected = false;
	if (fd < 0 || mif < 0 || (via_reap && reap < 0)) {
		*err = errno;
		goto fail;
	}
	snprintf(buf, sizeof(buf), "%u", n);
	if (n && write(fd, buf, strlen(buf)) != (ssize_t)strlen(buf)) {
		*err = errno;
		goto fail;
	}
	/* from here until make-it-fail is 0 again, no allocating system call */
	if (n && later && write(mif, "1", 1) != 1) {
		*err = errno;
		write(fd, "0", 1);
		goto fail;
	}
	if (via_reap)
		r = write(reap, "1", 1) == 1 ? 0 : -1;
	else
		r = mrelease(pidfd, 0);
	*err = errno;
	if (write(mif, "0", 1) != 1)
		r = -2;
	/* 0: the counter reached the n-th point; otherwise what was left */
	len = pread(fd, buf, sizeof(buf) - 1, 0);
	if (write(fd, "0", 1) != 1)	/* disarm, whatever happened */
		r = -2;
	close(fd);
	close(mif);
	if (reap >= 0)
		close(reap);
	if (n && len > 0) {
		buf[len] = '\0';
		*injected = atoi(buf) == 0;
	}
	return r;
fail:
	if (fd >= 0)
		close(fd);
	if (mif >= 0)
		close(mif);
	if (reap >= 0)
		close(reap);
	return -2;
}

/* ---------------------------------------------------------------------- */
/* The victim's memory: a cgroup of its own                                */

static const char *cg_setup(void)
{
	char buf[256];

	if (read_text("/sys/fs/cgroup/cgroup.controllers", buf, sizeof(buf)) ||
	    !strstr(buf, "memory"))
		return "no cgroup v2 memory controller at /sys/fs/cgroup";
	if (read_text("/sys/fs/cgroup/cgroup.subtree_control", buf, sizeof(buf)) ||
	    (!strstr(buf, "memory") &&
	     write_text("/sys/fs/cgroup/cgroup.subtree_control", "+memory")))
		return "cannot enable the memory controller for child cgroups";
	rmdir(CG);
	if (mkdir(CG, 0755))
		return "cannot create " CG;
	return NULL;
}

static long cg_current_kib(void)
{
	char buf[64];

	if (read_text(CG "/memory.current", buf, sizeof(buf)))
		return -1;
	return atol(buf) / 1024;
}

/* ---------------------------------------------------------------------- */
/* Victims                                                                 */

enum kind { K_PLAIN, K_ROBUST, K_EXITED, K_NR };
static const char *const kind_name[K_NR] = {
	"starved_plain", "starved_robust", "exited_held_by_mm_user",
};

struct victim {
	enum kind kind;
	pid_t pid, holder;
	int pidfd;
	struct shared *sh;	/* MAP_SHARED, one per victim */
	char *mem;		/* the victim's memory, same address in it */
};

static pthread_mutex_t private_mutex;	/* in the victim's private memory */

static void robust_init(pthread_mutex_t *m, bool pshared)
{
	pthread_mutexattr_t a;

	pthread_mutexattr_init(&a);
	pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
	pthread_mutexattr_setpshared(&a, pshared ? PTHREAD_PROCESS_SHARED :
					       PTHREAD_PROCESS_PRIVATE);
	pthread_mutex_init(m, &a);
	pthread_mutexattr_destroy(&a);
}

static void *second_thread(void *arg)
{
	struct shared *sh = arg;

	/* the shared mutex first: the private one sits before it in the list */
	pthread_mutex_lock(&sh->m[1]);
	pthread_mutex_lock(&private_mutex);
	sh->tids[1] = sys_gettid();
	__atomic_add_fetch(&sh->ready, 1, __ATOMIC_SEQ_CST);
	for (;;)
		sys_pause();
	return NULL;
}

static void victim_main(struct victim *v, pid_t parent)
{
	char *p;
	pthread_t t;

	die_with_parent(parent);
	if (write_text(CG "/cgroup.procs", "0"))
		_exit(31);
	if (v->kind != K_EXITED && pin_to(0, hog.cpu))
		_exit(32);
	p = map_touched(victim_mib * MIB, false, false);
	if (!p)
		_exit(33);
	v->sh->tids[0] = sys_gettid();
	if (v->kind == K_ROBUST) {
		robust_init(&private_mutex, false);
		pthread_mutex_lock(&v->sh->m[0]);
		if (pthread_create(&t, NULL, second_thread, v->sh))
			_exit(34);
		while (__atomic_load_n(&v->sh->ready, __ATOMIC_SEQ_CST) < 1)
			sleep_us(1000);
	}
	/* ready: where the memory is (the holder reads it) */
	__atomic_store_n(&v->sh->addr, (uintptr_t)p, __ATOMIC_SEQ_CST);
	for (;;)
		sys_pause();
}

/* In the holder: blocks in process_vm_readv() with the victim's mm pinned. */
static int holder_uffd;
static struct shared *holder_sh;

static void *holder_watch(void *arg)
{
	struct pollfd pfd = { .fd = holder_uffd, .events = POLLIN };

	(void)arg;
	/*
	 * POLLIN once the copy waits in the fault.  (A blocking userfaultfd
	 * polls as POLLERR at once: it is opened O_NONBLOCK for that reason.)
	 */
	while (!(pfd.revents & POLLIN))
		if (poll(&pfd, 1, 100) < 0 && errno != EINTR)
			_exit(25);
	__atomic_store_n(&holder_sh->holder_state, 1, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&holder_sh->holder_state, __ATOMIC_SEQ_CST) != 2)
		sleep_us(1000);
	close(holder_uffd);	/* the copy goes on and fails or completes */
	return NULL;
}

static pid_t holder_start(struct victim *v, pid_t parent)
{
	pid_t pid = fork();

	if (pid == 0) {
		struct uffdio_api api = { .api = UFFD_API };
		struct uffdio_register reg = { 0 };
		struct iovec local, remote;
		pthread_t watcher;
		char *buf;

		die_with_parent(parent);
		alarm(120);
		holder_sh = v->sh;
		buf = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		holder_uffd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
		if (buf == MAP_FAILED || holder_uffd < 0 || ioctl(holder_uffd, UFFDIO_API, &api))
			_exit(21);
		reg.range.start = (uintptr_t)buf;
		reg.range.len = 4096;
		reg.mode = UFFDIO_REGISTER_MODE_MISSING;
		if (ioctl(holder_uffd, UFFDIO_REGISTER, &reg) ||
		    pthread_create(&watcher, NULL, holder_watch, NULL))
			_exit(22);
		local.iov_base = buf;
		local.iov_len = 4096;
		remote.iov_base = v->mem;
		remote.iov_len = 4096;
		holder_sh->holder_ret = process_vm_readv(v->pid, &local, 1, &remote, 1, 0);
		holder_sh->holder_errno = errno;
		__atomic_store_n(&holder_sh->holder_done, 1, __ATOMIC_SEQ_CST);
		pthread_join(watcher, NULL);
		_exit(0);
	}
	return pid;
}

static bool is_zombie(pid_t pid)
{
	siginfo_t si = { 0 };

	return !waitid(P_PID, pid, &si, WEXITED | WNOHANG | WNOWAIT) && si.si_pid == pid;
}

static int reap(pid_t pid, unsigned int timeout_ms)
{
	uint64_t end = now_us() + timeout_ms * 1000ULL;
	int status;

	while (now_us() < end) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			return 0;
		if (r < 0)
			return -1;
		sleep_us(2000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return -1;
}

/*
 * Make a victim of @kind, up to the point where process_mrelease() may be
 * called: killed and starved, or exited with its mm held.  0 or -1 with
 * @why set.
 */
static int victim_make(struct victim *v, enum kind kind, const char **why)
{
	pid_t parent = getpid();
	uint64_t end;

	memset(v, 0, sizeof(*v));
	v->kind = kind;
	v->pid = v->holder = -1;
	v->pidfd = -1;
	v->sh = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (v->sh == MAP_FAILED) {
		v->sh = NULL;
		*why = "mmap";
		return -1;
	}
	robust_init(&v->sh->m[0], true);
	robust_init(&v->sh->m[1], true);
	fflush(NULL);
	v->pid = fork();
	if (v->pid < 0) {
		*why = "fork";
		return -1;
	}
	if (v->pid == 0)
		victim_main(v, parent);
	v->pidfd = sys_pidfd_open(v->pid, 0);
	if (v->pidfd < 0) {
		*why = "pidfd_open";
		return -1;
	}
	/* ready: its memory is touched, the second thread holds its mutexes */
	end = now_us() + 30000000;
	while (!__atomic_load_n(&v->sh->addr, __ATOMIC_SEQ_CST)) {
		if (now_us() > end || is_zombie(v->pid)) {
			*why = "the victim did not get ready";
			return -1;
		}
		sleep_us(1000);
	}
	v->mem = (char *)v->sh->addr;
	if (wait_sleeping(v->pid, kind == K_ROBUST ? &v->sh->tids[1] : NULL,
			  kind == K_ROBUST, 10000000)) {
		*why = "the victim does not sleep";
		return -1;
	}
	if (kind == K_EXITED) {
		v->holder = holder_start(v, parent);
		end = now_us() + 20000000;
		while (__atomic_load_n(&v->sh->holder_state, __ATOMIC_SEQ_CST) != 1) {
			if (now_us() > end) {
				*why = "the holder did not block in process_vm_readv()";
				return -1;
			}
			sleep_us(1000);
		}
		sys_pidfd_send_signal(v->pidfd, SIGKILL);
		end = now_us() + 20000000;
		while (!is_zombie(v->pid)) {
			if (now_us() > end) {
				*why = "the victim did not exit";
				return -1;
			}
			sleep_us(1000);
		}
		return 0;
	}
	if (hog_on(&hog, HOG_SPIN_US)) {
		*why = "the SCHED_FIFO loop did not start";
		return -1;
	}
	sys_pidfd_send_signal(v->pidfd, SIGKILL);
	return 0;
}

/*
 * Let the victim go (CPU back, holder gone), wait for it; for a robust
 * victim count the shared mutexes that report EOWNERDEAD.
 */
static int victim_finish(struct victim *v, int *owner_died)
{
	int i, ret = 0;

	*owner_died = 0;
	hog_off(&hog);
	if (v->holder > 0) {
		__atomic_store_n(&v->sh->holder_state, 2, __ATOMIC_SEQ_CST);
		if (reap(v->holder, 10000))
			ret = -1;
	}
	if (v->pid > 0 && reap(v->pid, 20000))
		ret = -1;
	/*
	 * The victim has been waited for, so its exit has walked its robust
	 * lists already: a mutex it held reports EOWNERDEAD now or never (a
	 * lost list leaves the dead owner's TID in it: EBUSY).  No waiting.
	 */
	if (v->kind == K_ROBUST && !ret) {
		for (i = 0; i < 2; i++) {
			if (pthread_mutex_trylock(&v->sh->m[i]) == EOWNERDEAD) {
				(*owner_died)++;
				pthread_mutex_consistent(&v->sh->m[i]);
				pthread_mutex_unlock(&v->sh->m[i]);
			}
		}
	}
	if (v->pidfd >= 0)
		close(v->pidfd);
	munmap(v->sh, 4096);
	return ret;
}

/* ---------------------------------------------------------------------- */
/* The sweep                                                               */

static void fail(const char *fmt, ...)
{
	va_list ap;

	printf("# FAIL: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	errors++;
}

static const char *rname(int r, int err)
{
	static char buf[32];

	if (r == 0)
		return "0";
	if (r == -2)
		return "fail-nth unusable";
	snprintf(buf, sizeof(buf), "%s", strerrorname_np(err) ?: "?");
	return buf;
}

/*
 * One step of the sweep: a fresh victim, the call with the n-th
 * injection point failing, the checks.  Returns 1 when no fault was
 * injected (the sweep is complete), 0 after a fault, -1 on a setup error.
 */
static int step(enum kind kind, bool later, unsigned int n, unsigned int *res_cnt)
{
	long want = victim_mib * 1024, before, after1, after2;
	struct victim v;
	const char *why = NULL;
	char site[256] = "";
	bool injected, dummy;
	int r1, e1, r2 = 0, e2 = 0, died, ret;

	if (victim_make(&v, kind, &why)) {
		fail("n=%u: %s", n, why);
		hog_off(&hog);
		if (v.pid > 0)
			kill(v.pid, SIGKILL);
		if (v.holder > 0)
			kill(v.holder, SIGKILL);
		victim_finish(&v, &died);
		return -1;
	}
	before = cg_current_kib();
	/* the exited victim's memory must still be held, or the test is void */
	if (kind == K_EXITED && (before < want * 3 / 4 ||
				 __atomic_load_n(&v.sh->holder_done, __ATOMIC_SEQ_CST))) {
		fail("n=%u: setup: the victim's memory was gone before the call (%ld kB in "
		     "its cgroup; the holder's copy %s: %ld, %s)", n, before,
		     v.sh->holder_done ? "returned" : "had not returned",
		     v.sh->holder_ret, strerror(v.sh->holder_errno));
		victim_finish(&v, &died);
		return -1;
	}
	kmsg_drain();
	r1 = mrelease_nth(v.pidfd, n, later, &injected, &e1);
	after1 = cg_current_kib();
	if (injected)
		kmsg_site(site, sizeof(site));
	if (r1 == -2) {
		fail("n=%u: /proc/thread-self/fail-nth: %s", n, strerror(e1));
		victim_finish(&v, &died);
		return -1;
	}
	res_cnt[r1 == 0 ? 0 : 1]++;
	/* memory.reap: kernfs may fail to allocate the write's buffer */
	if (r1 && e1 != EAGAIN && !(via_reap && e1 == ENOMEM))
		fail("n=%u: %s (%s), only 0 or EAGAIN%s are documented for a failed allocation",
		     n, rname(r1, e1), injected ? "fault injected" : "no fault injected",
		     via_reap ? " (or ENOMEM from kernfs)" : "");
	if (r1 && !injected)
		fail("n=%u: %s without any fault injected", n, rname(r1, e1));
	/* "If the pages cannot be recorded, nothing is released" */
	if (r1 && before - after1 > RELEASED_NOTHING_KB)
		fail("n=%u: %s, yet %ld kB of %ld were released", n, rname(r1, e1),
		     before - after1, want);
	if (!r1 && before - after1 < want - RELEASED_ALL_SLACK_KB)
		fail("n=%u: 0, yet only %ld kB of %ld were released (cgroup before %ld kB, "
		     "victim %s, holder state %d)", n, before - after1, want, before,
		     is_zombie(v.pid) ? "a zombie" : "not a zombie", v.sh->holder_state);
	after2 = after1;
	if (r1) {
		r2 = mrelease_nth(v.pidfd, 0, false, &dummy, &e2);
		after2 = cg_current_kib();
		if (r2)
			fail("n=%u: the call after the failed one: %s", n, rname(r2, e2));
		else if (before - after2 < want - RELEASED_ALL_SLACK_KB)
			fail("n=%u: the call after the failed one released only %ld kB of %ld",
			     n, before - after2, want);
	}
	/* the victim must not have run: it would have freed its memory itself */
	if (kind != K_EXITED && is_zombie(v.pid))
		fail("n=%u: the victim ran before the checks (starving failed)", n);
	ret = victim_finish(&v, &died);
	if (ret)
		fail("n=%u: the victim or its holder did not exit", n);
	if (kind == K_ROBUST && died != 2)
		fail("n=%u: %d of 2 robust mutexes reported EOWNERDEAD after the victim's exit",
		     n, died);
	printf("# n=%u: %s%s%s, released %ld kB of %ld", n, rname(r1, e1),
	       injected ? ", fault injected at " : ", no fault injected",
	       injected ? site : "", before - after1, want);
	if (r1)
		printf("; retry %s, released %ld kB", rname(r2, e2), before - after2);
	if (kind == K_ROBUST)
		printf("; EOWNERDEAD %d/2", died);
	printf("\n");
	fflush(stdout);
	return injected ? 0 : 1;
}

static void sweep(int num, enum kind kind, bool later)
{
	const char *mode = later ? "nth_and_later_fail" : "only_nth_fails";
	unsigned int n, res_cnt[2] = { 0, 0 };
	int before = errors, r = 0;
	char name[96];

	snprintf(name, sizeof(name), "%s%s.%s", via_reap ? "memory_reap." : "",
		 kind_name[kind], mode);
	if (only && !strstr(name, only)) {
		printf("ok %d %s # SKIP not selected\n", num, name);
		return;
	}
	if (via_reap && access(CG "/memory.reap", W_OK)) {
		printf("ok %d %s # SKIP no memory.reap in this kernel\n", num, name);
		return;
	}

	printf("# %s: %s with fail-nth = 1, 2, ...%s on a fresh %zu MiB victim each\n",
	       name, via_reap ? "a write to memory.reap" : "process_mrelease()",
	       later ? " and make-it-fail" : "", victim_mib);
	for (n = 1; n <= MAX_N; n++) {
		r = step(kind, later, n, res_cnt);
		if (r)
			break;
	}
	if (r == 0)
		fail("no call completed without a fault after %u injection points", MAX_N);
	else if (r > 0 && n == 1)
		fail("n=1 injected nothing: fault injection never fired, the sweep tested "
		     "nothing");
	else if (r > 0)
		printf("# %s: %u injection points (n=1..%u), then n=%u injected nothing; "
		       "results: 0 %u, an error %u\n", name, n - 1, n - 1, n,
		       res_cnt[0], res_cnt[1]);
	printf("%sok %d %s\n", errors == before ? "" : "not ", num, name);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	const char *why;
	int k;

	if (argc > 1)
		victim_mib = strtoul(argv[1], NULL, 0);
	if (argc > 2)
		only = argv[2];
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("KTAP version 1\n1..%d\n", 4 * K_NR);
	why = fi_setup();
	if (!why)
		why = cg_setup();
	if (!why && hog_init(&hog, last_cpu(), 1800000000ULL))
		why = hog.why_not;
	if (why) {
		for (k = 0; k < 4 * K_NR; k++)
			printf("ok %d %s%s.%s # SKIP %s\n", k + 1,
			       k < 2 * K_NR ? "" : "memory_reap.", kind_name[k / 2 % K_NR],
			       k % 2 ? "nth_and_later_fail" : "only_nth_fails", why);
		return 4;
	}
	pin_to(0, 0);
	for (k = 0; k < 4 * K_NR; k++) {
		via_reap = k >= 2 * K_NR;
		sweep(k + 1, k / 2 % K_NR, k % 2);
	}
	hog_exit(&hog);
	rmdir(CG);
	return errors ? 1 : 0;
}
