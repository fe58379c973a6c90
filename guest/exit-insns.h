/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The phase markers of make bench's exit-path count, shared by the guest
 * program (guest/exit-insns.c) and the QEMU plugin that counts
 * (bench/exit-insns.c).  Not a program.
 *
 * The guest program maps one page of code at EXIT_INSNS_MARK (a fixed
 * address nothing else in the guest maps) and calls into it at the offsets
 * below; every entry is a lone "ret".  The plugin watches the guest
 * virtual address of each entry: nothing else in the guest executes there,
 * so a marker means exactly "the program is at this point".
 */
#ifndef EXIT_INSNS_H
#define EXIT_INSNS_H

#define EXIT_INSNS_MARK		0x3e1d0000UL	/* fits the ia32 build too */
#define EXIT_INSNS_STEP		0x10		/* bytes between two entries */

enum exit_insns_marker {
	MARK_FORK_BEGIN,	/* phase (a): fork(), child _exit(0), waitpid() */
	MARK_FORK_END,
	MARK_THREAD_BEGIN,	/* phase (b): pthread_create(), return, pthread_join() */
	MARK_THREAD_END,
	MARK_DONE,		/* every exit has finished: the plugin writes its report */
	MARK_EXITING,		/* in a child or thread of a loop, just before it exits */
	MARK_COUNT
};

#endif
