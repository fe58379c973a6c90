// SPDX-License-Identifier: GPL-2.0
/*
 * make run: what process_mrelease() is for, in one screen.
 *
 * A child touches 512 MiB of anonymous memory and waits on the last CPU.
 * That CPU is then kept busy by a SCHED_FIFO loop, as a busy or slow CPU
 * would, so the child cannot run.  The parent (on CPU 0) takes a pidfd for
 * the child, SIGKILLs it with pidfd_send_signal(), shows that the kill alone
 * gave nothing back, calls process_mrelease() on the pidfd and prints the
 * result, how long the call took and MemAvailable before and after.
 * Exit status 0 only if the call succeeded and the memory came back.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/pidfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MIB ((size_t)1 << 20)

static long mem_available_mib(void)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemAvailable: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb < 0 ? -1 : kb / 1024;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void pin_to(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static void write_str(const char *path, const char *val)
{
	FILE *f = fopen(path, "w");

	if (f) {
		fputs(val, f);
		fclose(f);
	}
}

/* A SCHED_FIFO busy loop on @cpu for at most @seconds. */
static pid_t start_hog(int cpu, int seconds)
{
	struct sched_param sp = { .sched_priority = 50 };
	pid_t pid = fork();

	if (pid == 0) {
		alarm(seconds);
		pin_to(cpu);
		if (sched_setscheduler(0, SCHED_FIFO, &sp))
			_exit(1);
		for (;;)
			;
	}
	return pid;
}

/* Keep freed pages off the per-CPU lists so that MemAvailable is current. */
static void small_pcp_lists(void)
{
	FILE *f = fopen("/proc/sys/vm/percpu_pagelist_high_fraction", "w");

	if (f) {
		fputs("100000", f);
		fclose(f);
	}
}

int main(int argc, char **argv)
{
	size_t size = (argc > 1 ? strtoul(argv[1], NULL, 0) : 512) * MIB;
	long before, after;
	int ready[2], pidfd, ret, err;
	double t0, t1;
	pid_t pid;
	char c;

	int cpu = sysconf(_SC_NPROCESSORS_ONLN) - 1;
	pid_t hog;

	small_pcp_lists();
	pin_to(0);
	if (pipe(ready))
		return perror("pipe"), 1;
	pid = fork();
	if (pid < 0)
		return perror("fork"), 1;
	if (pid == 0) {
		char *p;

		pin_to(cpu);
		p = mmap(NULL, size, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			_exit(1);
		memset(p, 0x5a, size);
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(ready[1]);
	if (read(ready[0], &c, 1) != 1) {
		fprintf(stderr, "child %d failed to set up its memory\n", pid);
		return 1;
	}
	pidfd = pidfd_open(pid, 0);
	if (pidfd < 0)
		return perror("pidfd_open"), 1;
	before = mem_available_mib();
	printf("child %d holds %zu MiB of touched anonymous memory on CPU %d\n",
	       pid, size / MIB, cpu);
	printf("MemAvailable before the kill: %ld MiB\n", before);

	/* CPU <cpu> is now busy with something more important than the child */
	write_str("/proc/sys/kernel/sched_rt_runtime_us", "-1");
	hog = start_hog(cpu, 10);
	usleep(100000);
	if (pidfd_send_signal(pidfd, SIGKILL, NULL, 0))
		return perror("pidfd_send_signal"), 1;
	usleep(500000);
	printf("SIGKILL sent; 500 ms later MemAvailable is %ld MiB (%+ld MiB): "
	       "the child has not run yet\n", mem_available_mib(),
	       mem_available_mib() - before);
	t0 = now_ms();
	ret = process_mrelease(pidfd, 0);
	err = errno;
	t1 = now_ms();
	after = mem_available_mib();
	printf("process_mrelease(pidfd, 0) = %d%s%s, took %.1f ms\n", ret,
	       ret ? " errno " : "", ret ? strerror(err) : "", t1 - t0);
	printf("MemAvailable right after the call: %ld MiB (%+ld MiB)\n",
	       after, after - before);
	kill(hog, SIGKILL);
	waitpid(hog, NULL, 0);
	waitpid(pid, NULL, 0);
	printf("MemAvailable after the child was waited for: %ld MiB\n",
	       mem_available_mib());
	if (ret) {
		printf("RESULT: FAIL (process_mrelease failed)\n");
		return 1;
	}
	if ((unsigned long)(after - before) < size / MIB * 9 / 10) {
		printf("RESULT: FAIL (less than 90%% of the memory was back right after the call)\n");
		return 1;
	}
	printf("RESULT: OK\n");
	return 0;
}
