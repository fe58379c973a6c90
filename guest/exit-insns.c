// SPDX-License-Identifier: GPL-2.0
/*
 * make bench, the exit-path count: the guest side.  Runs a warm-up, then
 *   (a) n iterations of fork(), the child _exit(0)s at once, waitpid()
 *   (b) n iterations of pthread_create() of a thread that returns at once,
 *       pthread_join()
 * each between two phase markers (guest/exit-insns.h) that the QEMU plugin
 * bench/exit-insns.c watches; each child and thread passes a marker of its
 * own just before it exits, so that the plugin counts its exit and no
 * other task's.  The plugin counts the instructions of each of those exits
 * from do_exit() to do_task_dead() and writes the figures on the host.
 * The program itself measures nothing.
 *
 *   exit-insns [-n iterations] [-w warm-up iterations] [-z round]
 *
 * (2000, 200, 1).  Round r warms up (r - 1) * 50 iterations more: make
 * bench boots each kernel twice, and the second boot starts its loops
 * from another state (other pids, other slab and page-list contents,
 * ticks elsewhere), so that a figure that holds in both holds beyond the
 * exact instruction stream of one boot.
 *
 * It runs with address-space randomisation off (it re-executes itself with
 * ADDR_NO_RANDOMIZE), on CPU 0, so that what the exits tear down is laid
 * out the same in every boot, and with CPU 0's fair server (the deadline
 * server that guarantees fair tasks a share of the CPU) off: whether it is
 * active when the loops start depends on what ran before, and while it is,
 * every exit pays some 150 more instructions of its bookkeeping (a thread
 * exit's median moved by 1.3 % with one more warm-up iteration).  Before
 * the last marker it sleeps a tick or two: a thread's pthread_join()
 * returns while the thread is still in its exit path, after the kernel
 * has cleared its TID, and its do_task_dead() must come before the plugin
 * writes its report.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/wait.h>
#include "exit-insns.h"

static void mark(enum exit_insns_marker m)
{
	void (*entry)(void) = (void (*)(void))(EXIT_INSNS_MARK + m * EXIT_INSNS_STEP);

	entry();
}

/* every instruction of the marker page a return; 0, or -1: unknown arch */
static int fill_with_ret(void *page, size_t size)
{
#if defined(__x86_64__) || defined(__i386__)
	memset(page, 0xc3, size);
	return 0;
#elif defined(__aarch64__)
	uint32_t *insn = page;
	size_t i;

	for (i = 0; i < size / 4; i++)
		insn[i] = 0xd65f03c0;
	__builtin___clear_cache((char *)page, (char *)page + size);
	return 0;
#else
	return -1;
#endif
}

/*
 * Turn CPU 0's fair server off.  Written from SCHED_FIFO, so that no fair
 * task is queued on the CPU when it changes (6.12 warns otherwise); -1 when
 * it cannot be (no such file: a kernel without it, or no debugfs, is fine).
 */
static int fair_server_off(void)
{
	const char *path = "/sys/kernel/debug/sched/fair_server/cpu0/runtime";
	struct sched_param fifo = { .sched_priority = 1 }, other = { 0 };
	char buf[32] = "";
	int fd, ret = 0;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	ret = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (ret > 0 && atol(buf) == 0)
		return 0;
	fd = open(path, O_WRONLY);
	if (fd < 0 || sched_setscheduler(0, SCHED_FIFO, &fifo))
		ret = -1;
	else
		ret = write(fd, "0", 1) == 1 ? 0 : -1;
	sched_setscheduler(0, SCHED_OTHER, &other);
	if (fd >= 0)
		close(fd);
	return ret;
}

static void *thread_body(void *arg)
{
	mark(MARK_EXITING);
	return arg;
}

static int fork_loop(unsigned int n)
{
	unsigned int i;
	int status;
	pid_t pid;

	for (i = 0; i < n; i++) {
		pid = fork();
		if (pid == 0) {
			mark(MARK_EXITING);
			_exit(0);
		}
		if (pid < 0 || waitpid(pid, &status, 0) != pid || status) {
			fprintf(stderr, "exit-insns: fork/waitpid failed at iteration %u: %s\n", i, strerror(errno));
			return -1;
		}
	}
	return 0;
}

static int thread_loop(unsigned int n)
{
	unsigned int i;
	pthread_t th;
	int err;

	for (i = 0; i < n; i++) {
		err = pthread_create(&th, NULL, thread_body, NULL);
		if (!err)
			err = pthread_join(th, NULL);
		if (err) {
			fprintf(stderr, "exit-insns: pthread_create/join failed at iteration %u: %s\n", i, strerror(err));
			return -1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	unsigned int n = 2000, warm = 200, round = 1;
	cpu_set_t cpus;
	void *page;
	int opt;

	while ((opt = getopt(argc, argv, "n:w:z:")) != -1) {
		switch (opt) {
		case 'n':
			n = strtoul(optarg, NULL, 0);
			break;
		case 'w':
			warm = strtoul(optarg, NULL, 0);
			break;
		case 'z':
			round = strtoul(optarg, NULL, 0);
			break;
		default:
			fprintf(stderr, "usage: exit-insns [-n iterations] [-w warm-up iterations] [-z round]\n");
			return 2;
		}
	}
	/* the same layout in every boot: no address-space randomisation */
	if (!(personality(0xffffffff) & ADDR_NO_RANDOMIZE)) {
		if (personality(ADDR_NO_RANDOMIZE) == -1) {
			perror("exit-insns: personality(ADDR_NO_RANDOMIZE)");
			return 1;
		}
		execv("/proc/self/exe", argv);
		perror("exit-insns: re-executing itself");
		return 1;
	}
	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	if (sched_setaffinity(0, sizeof(cpus), &cpus))
		perror("exit-insns: sched_setaffinity(CPU 0)");
	if (fair_server_off()) {
		perror("exit-insns: turning CPU 0's fair server off");
		return 1;
	}

	page = mmap((void *)EXIT_INSNS_MARK, 4096, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (page != (void *)EXIT_INSNS_MARK) {
		fprintf(stderr, "exit-insns: cannot map the marker page at %#lx: %s\n",
			EXIT_INSNS_MARK, page == MAP_FAILED ? strerror(errno) : "mapped elsewhere");
		return 1;
	}
	if (fill_with_ret(page, 4096)) {
		printf("1..0 # SKIP exit-insns: no marker code for this architecture\n");
		return 4;
	}
	if (mprotect(page, 4096, PROT_READ | PROT_EXEC)) {
		perror("exit-insns: mprotect(marker page)");
		return 1;
	}

	if (round > 1)
		warm += (round - 1) * 50;
	if (fork_loop(warm) || thread_loop(warm))
		return 1;
	mark(MARK_FORK_BEGIN);
	if (fork_loop(n))
		return 1;
	mark(MARK_FORK_END);
	mark(MARK_THREAD_BEGIN);
	if (thread_loop(n))
		return 1;
	mark(MARK_THREAD_END);
	usleep(20000);
	mark(MARK_DONE);
	printf("# exit-insns: %u forks and %u threads after %u of each to warm up; "
	       "the figures are the QEMU plugin's (bench/exit-insns.c)\n", n, n, warm);
	return 0;
}
