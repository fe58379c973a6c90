// SPDX-License-Identifier: GPL-2.0
/*
 * kill-release <MiB>: what an OOM daemon does, with the C library's own
 * wrappers (glibc 2.36: pidfd_open(), pidfd_send_signal(),
 * process_mrelease()), built on the Debian system it runs on.
 *
 * A child touches <MiB> of anonymous memory and sleeps on the last CPU,
 * which a SCHED_FIFO loop then keeps busy, so that the child cannot run
 * its own exit; the parent takes a pidfd, kills the child through it and
 * releases its memory.  Prints the child's pid and its anonymous RSS (in
 * pages) just before the kill, then the result of the call; the checks of
 * guest/distro/run read these lines.  Exit status 0 if the call returned 0.
 */
#include "../mrelease-common.h"
#include <sys/pidfd.h>
#include <sys/wait.h>

int main(int argc, char **argv)
{
	long mib = argc > 1 ? atol(argv[1]) : 0;
	int cpu = last_cpu(), pipefd[2], pidfd, ret, err;
	struct hog hog;
	long rss_kb;
	pid_t pid;
	char c;

	if (mib <= 0) {
		fprintf(stderr, "usage: kill-release <MiB>\n");
		return 2;
	}
	if (hog_init(&hog, cpu, 120 * 1000000ULL)) {
		fprintf(stderr, "kill-release: cannot starve CPU %d: %s\n", cpu, hog.why_not);
		return 1;
	}
	if (pipe(pipefd))
		return 1;
	pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0) {
		die_with_parent(getppid());
		if (pin_to(0, cpu) || !map_touched(mib * MIB, false, false))
			_exit(1);
		if (write(pipefd[1], "r", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	pin_to(0, 0);
	if (read(pipefd[0], &c, 1) != 1 || wait_sleeping(pid, NULL, 0, 10000000)) {
		fprintf(stderr, "kill-release: the child did not get ready\n");
		return 1;
	}
	pidfd = pidfd_open(pid, 0);
	if (pidfd < 0) {
		perror("pidfd_open");
		return 1;
	}
	rss_kb = proc_status(pid, "RssAnon");
	printf("victim %d rss_anon_pages %ld\n", pid, rss_kb * 1024 / sysconf(_SC_PAGESIZE));
	printf("calling process_mrelease(%d, 0)\n", pidfd);
	fflush(stdout);
	if (hog_on(&hog, 10000000) || pidfd_send_signal(pidfd, SIGKILL, NULL, 0)) {
		perror("kill-release: starving or killing the child");
		return 1;
	}
	ret = process_mrelease(pidfd, 0);
	err = errno;
	hog_off(&hog);
	waitpid(pid, NULL, 0);
	hog_exit(&hog);
	printf("process_mrelease: %s\n", ret ? strerror(err) : "0");
	return ret ? 1 : 0;
}
