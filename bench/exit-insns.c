// SPDX-License-Identifier: GPL-2.0
/*
 * make bench, the exit-path count: a QEMU TCG plugin (QEMU 7.2's plugin
 * API, built by scripts/qemu-plugin) that counts the guest instructions
 * of every task exit from the entry of do_exit() to the entry of
 * do_task_dead() (which calls __schedule() for the last time), for the
 * two loops of the guest program guest/exit-insns.c:
 *   fork    fork(), the child _exit(0)s, waitpid(): a process exit (the
 *           child is alone in its thread group: group_dead)
 *   thread  pthread_create(), the thread returns, pthread_join(): a thread
 *           exit that is not the last of its group
 *
 *   qemu-system-x86_64 -smp 1 -icount shift=N,sleep=off ... -plugin
 *     exit-insns.so,do_exit=<addr>,do_task_dead=<addr>,switch=<addr>
 *     [,irq=<addr>,irq_end=<addr>][,softirq=<addr>][,mark=<addr>],out=<file>
 *
 * The addresses are the guest kernel's (System.map; the kernel boots with
 * nokaslr): switch= __switch_to_asm, irq= a function every hardware
 * interrupt enters (irq_enter_rcu), irq_end= the one every interrupt
 * calls once its handler and softirqs are done (irqentry_exit),
 * softirq= the one every softirq run enters (handle_softirqs); mark= the
 * guest program's marker page (default: guest/exit-insns.h's).
 *
 * Counting.  Every instruction carries an inline add of 1 to one counter,
 * so the count is exact per instruction executed, also when a translation
 * block is left early (an exception, an I/O instruction that TCG
 * re-executes on its own): a block-level add would count the whole block
 * at its start.  The instructions at the watched addresses carry a call.
 * QEMU 7.2's plugin API cannot read registers, so "which task runs" comes
 * from memory: the instruction of __switch_to_asm that loads the next
 * task's stack pointer (movq TASK_threadsp(%rsi), %rsp, found by its
 * encoding) reads &next->thread.sp, an address that names the task; a
 * memory callback on it follows every context switch.  With one vCPU
 * (-smp 1, checked) the instructions between two switches are the task's
 * that was switched in.  So:
 *   - an exit counts what the exiting task executes from do_exit() to
 *     do_task_dead(): the instructions of the other tasks that run while
 *     it sleeps or is preempted (its woken parent, a kworker) are not its;
 *     several exits may be under way at once, each is followed on its own
 *   - only the loops' exits count: each child and thread calls a marker
 *     (guest/exit-insns.h) just before it exits, which tags the task that
 *     runs then; the exits of untagged tasks are counted as "others"
 *   - phases: the program calls a marker at each phase boundary, a page
 *     of code at a fixed address that nothing else executes; an exit
 *     belongs to the phase in which it entered do_exit(), the warm-up's
 *     to none
 *   - hardware interrupts taken while the exiting task is on the vCPU are
 *     left out from irq= to irq_end=: the handler and the softirqs run on
 *     the way out (a tick's timers, RCU callbacks); their entry and exit
 *     code and a preemption they lead to stay in.  Softirqs the task runs
 *     itself (from local_bh_enable()) stay in too.  An exit that saw
 *     either is counted as disturbed.
 *
 * The report (out=, written when the program reaches its last marker,
 * or at QEMU's exit with complete=0) says how many context switches it
 * saw and how many of the loops' exits it could not follow (lost=: none
 * expected), then has, per phase, one line
 *   phase=<p> exits= median= mode= mode_n= min= max= mean= disturbed=
 *   clean_median= switched= others= loop_insns= loop_irqs=
 * and one "exit <phase> <count> <elapsed> <switches> <i|b|ib|->" line per
 * exit (elapsed: every instruction from its do_exit() to its
 * do_task_dead(), other tasks' included; i: it took an interrupt, b: ran
 * softirqs).  The median is the lower one, the count of one real exit;
 * clean_median that of the undisturbed exits; switched the exits that
 * left the vCPU and came back (their count is still their own);
 * loop_insns and loop_irqs every instruction and hardware interrupt
 * between the phase's two markers.
 *
 * The headline figure is the median.  Under -icount with sleep=off, a
 * fixed RTC and RNG seed and one vCPU the guest runs the same instructions
 * in every boot, so every figure repeats exactly; what the figure must
 * also survive is a boot that is not quite the same (another initramfs,
 * a longer warm-up, ours against the reference: the loops start from
 * another state and the ticks land elsewhere).  The mean does not: the
 * exits that were preempted after a tick, that ran softirqs or took a
 * slow path of the allocators cost thousands of instructions more, and
 * how many of them there are moves with the state.  Nor does the mode:
 * the exits take one of a few counts some instructions apart (which pid,
 * which slab object, whether a per-CPU list drains), none of them much
 * more often than the next (a quarter to a half of the exits), and which
 * is the highest changes with the state.  The median is one real exit's
 * count, ignores the tails, and moves the least of them when the mix of
 * those counts does: after a longer warm-up, by 0 to 10 instructions of
 * 11,000 and 0 to 20 of 79,000 on Debian's 6.12 kernel; on Debian's 7.3
 * kernel by up to 0.3 % (a thread exit, whose median sits where two of
 * those counts meet), where the trimmed means moved by 0.5 to 0.9 %.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <qemu-plugin.h>
#include "exit-insns.h"

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

enum watch { W_DO_EXIT, W_TASK_DEAD, W_SWITCH, W_IRQ, W_IRQ_END, W_SOFTIRQ, W_MARK, W_N = W_MARK + MARK_COUNT };
enum { D_IRQ = 1, D_SOFTIRQ = 2 };	/* what disturbed an exit */
enum phase { PH_NONE = -1, PH_FORK, PH_THREAD, PH_N };
static const char *const phase_name[PH_N] = { "fork", "thread" };
#define SWITCH_SCAN	64	/* bytes of __switch_to_asm searched for the stack switch */
#define MAX_WINDOWS	256	/* exits under way at once */
#define MAX_TAGGED	256	/* tasks that passed MARK_EXITING and have not exited yet */

struct sample {
	uint64_t own, elapsed;
	unsigned int switches;
	unsigned char dist;
};

struct phase_data {
	struct sample *s;
	size_t n, size;
	uint64_t others, loop_start, loop_insns, loop_irqs;
};

/* an exit under way: from its do_exit() to its do_task_dead() */
struct window {
	uint64_t task;		/* 0: free */
	uint64_t entry, on, own;	/* counter at do_exit(), when last switched in; own so far */
	unsigned int switches;
	unsigned char dist;
	enum phase phase;
};

static uint64_t insns;			/* every instruction the vCPU executed */
static uint64_t addr[W_N];
static int watched[W_N];
static const char *out_path;
static int reported;

static enum phase phase = PH_NONE;
static struct phase_data ph[PH_N];
static struct window win[MAX_WINDOWS];
static struct window *cur;		/* the window of the task on the vCPU, if any */
static uint64_t current_task;		/* &next->thread.sp of the last switch; 0: none seen yet */
static uint64_t tagged[MAX_TAGGED];	/* current_task at MARK_EXITING; 0: free */
static uint64_t n_switches, lost;	/* context switches seen; exits that could not be followed */
static unsigned int in_irq;		/* hardware interrupts under way (irq= to irq_end=) */
static uint64_t irq_unmatched;		/* a context switch inside one: irq_end= was missed */

static void add_sample(struct window *w, uint64_t now)
{
	struct phase_data *d = &ph[w->phase];

	if (d->n == d->size) {
		d->size = d->size ? 2 * d->size : 4096;
		d->s = realloc(d->s, d->size * sizeof(*d->s));
		if (!d->s) {
			fprintf(stderr, "exit-insns: out of memory\n");
			exit(1);
		}
	}
	d->s[d->n++] = (struct sample){ w->own, now - w->entry, w->switches, w->dist };
}

static struct window *find(uint64_t task)
{
	int i;

	for (i = 0; i < MAX_WINDOWS; i++)
		if (win[i].task == task)
			return &win[i];
	return NULL;
}

static uint64_t *find_tag(uint64_t task)
{
	int i;

	for (i = 0; i < MAX_TAGGED; i++)
		if (tagged[i] == task)
			return &tagged[i];
	return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* lower median of v[0..n), sorted in place; 0 for none */
static uint64_t median(uint64_t *v, size_t n)
{
	if (!n)
		return 0;
	qsort(v, n, sizeof(*v), cmp_u64);
	return v[(n - 1) / 2];
}

static void report(int complete)
{
	FILE *f = fopen(out_path, "w");
	int p;

	if (!f) {
		perror(out_path);
		return;
	}
	int i, open = 0;

	for (i = 0; i < MAX_WINDOWS; i++)
		open += win[i].task && win[i].phase != PH_NONE;
	fprintf(f, "# exit-insns: guest instructions of each exit from do_exit() to do_task_dead(), "
		"the exiting task's own (bench/exit-insns.c)\n"
		"complete=%d switches_seen=%" PRIu64 " lost=%" PRIu64 " irq_unmatched=%" PRIu64 "\n", complete,
		n_switches, lost + open, irq_unmatched);
	for (p = 0; p < PH_N; p++) {
		struct phase_data *d = &ph[p];
		uint64_t *all = malloc((d->n + 1) * sizeof(*all)), *clean = malloc((d->n + 1) * sizeof(*clean));
		uint64_t mode = 0, sum = 0, cmed, med;
		size_t i, j, nclean = 0, mode_n = 0, switched = 0;

		if (!all || !clean) {
			fprintf(stderr, "exit-insns: out of memory\n");
			exit(1);
		}
		for (i = 0; i < d->n; i++) {
			all[i] = d->s[i].own;
			sum += all[i];
			switched += d->s[i].switches > 0;
			if (!d->s[i].dist)
				clean[nclean++] = all[i];
		}
		cmed = median(clean, nclean);
		med = median(all, d->n);	/* sorts all[] */
		for (i = 0; i < d->n; i = j) {
			for (j = i; j < d->n && all[j] == all[i]; j++)
				;
			if (j - i > mode_n) {
				mode_n = j - i;
				mode = all[i];
			}
		}
		fprintf(f, "phase=%s exits=%zu median=%" PRIu64 " mode=%" PRIu64 " mode_n=%zu min=%" PRIu64
			" max=%" PRIu64 " mean=%.1f disturbed=%zu clean_median=%" PRIu64 " switched=%zu"
			" others=%" PRIu64 " loop_insns=%" PRIu64 " loop_irqs=%" PRIu64 "\n",
			phase_name[p], d->n, med, mode, mode_n, d->n ? all[0] : 0, d->n ? all[d->n - 1] : 0,
			d->n ? (double)sum / d->n : 0.0, d->n - nclean, cmed, switched, d->others, d->loop_insns,
			d->loop_irqs);
		free(all);
		free(clean);
	}
	for (p = 0; p < PH_N; p++) {
		size_t i;

		for (i = 0; i < ph[p].n; i++) {
			const struct sample *x = &ph[p].s[i];

			fprintf(f, "exit %s %" PRIu64 " %" PRIu64 " %u %s%s%s\n", phase_name[p], x->own, x->elapsed,
				x->switches, x->dist & D_IRQ ? "i" : "", x->dist & D_SOFTIRQ ? "b" : "", x->dist ? "" : "-");
		}
	}
	if (fclose(f))
		perror(out_path);
	reported = 1;
}

/* the exit on the vCPU stops or starts counting its own instructions */
static void pause_cur(void)
{
	if (cur && !in_irq)
		cur->own += insns - cur->on;
}

static void resume_cur(void)
{
	if (cur && !in_irq)
		cur->on = insns;
}

/* the stack switch of __switch_to_asm: vaddr is &next->thread.sp */
static void on_switch(unsigned int vcpu, qemu_plugin_meminfo_t info, uint64_t vaddr, void *udata)
{
	(void)vcpu;
	(void)info;
	(void)udata;
	n_switches++;
	pause_cur();
	if (in_irq) {		/* Linux does not switch inside a hardirq */
		irq_unmatched++;
		in_irq = 0;
	}
	if (cur)
		cur->switches++;
	current_task = vaddr;
	cur = find(vaddr);
	resume_cur();
}

static void on_watch(unsigned int vcpu, void *udata)
{
	enum watch w = (enum watch)(uintptr_t)udata;

	(void)vcpu;
	switch (w) {
	case W_DO_EXIT: {
		uint64_t *tag = current_task ? find_tag(current_task) : NULL;

		if (!tag) {		/* not a task of the loops */
			if (phase != PH_NONE)
				ph[phase].others++;
			break;
		}
		*tag = 0;
		if (cur || !(cur = find(0))) {
			/* a second do_exit() of one task, or no room: not followed */
			lost += phase != PH_NONE;
			cur = find(current_task);
			break;
		}
		*cur = (struct window){ .task = current_task, .entry = insns, .on = insns, .phase = phase };
		break;
	}
	case W_TASK_DEAD:
		if (!cur)		/* an exit that began before we looked */
			break;
		pause_cur();
		if (cur->phase != PH_NONE)
			add_sample(cur, insns);
		cur->task = 0;
		cur = NULL;
		break;
	case W_IRQ:
		if (cur)
			cur->dist |= D_IRQ;
		if (phase != PH_NONE)
			ph[phase].loop_irqs++;
		if (!watched[W_IRQ_END])
			break;
		pause_cur();
		in_irq++;
		break;
	case W_IRQ_END:		/* also the end of exceptions: only after an irq= */
		if (in_irq && !--in_irq)
			resume_cur();
		break;
	case W_SOFTIRQ:
		if (cur)
			cur->dist |= D_SOFTIRQ;
		break;
	default:
		switch (w - W_MARK) {
		case MARK_FORK_BEGIN:
		case MARK_THREAD_BEGIN:
			phase = (w - W_MARK) == MARK_FORK_BEGIN ? PH_FORK : PH_THREAD;
			ph[phase].loop_start = insns;
			break;
		case MARK_FORK_END:
		case MARK_THREAD_END:
			if (phase != PH_NONE)
				ph[phase].loop_insns = insns - ph[phase].loop_start;
			phase = PH_NONE;
			break;
		case MARK_DONE:
			report(1);
			break;
		case MARK_EXITING: {
			uint64_t *tag = current_task ? find_tag(0) : NULL;

			if (tag)
				*tag = current_task;
			else
				lost += phase != PH_NONE;
			break;
		}
		}
	}
}

/* movq disp(%rsi), %rsp: REX.W 8b, ModRM reg=rsp rm=rsi with disp8 or disp32 */
static int is_stack_load(struct qemu_plugin_insn *insn)
{
	const unsigned char *b = qemu_plugin_insn_data(insn);
	size_t n = qemu_plugin_insn_size(insn);

	return (n == 4 && b[0] == 0x48 && b[1] == 0x8b && b[2] == 0x66) ||
	       (n == 7 && b[0] == 0x48 && b[1] == 0x8b && b[2] == 0xa6);
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	size_t i, n = qemu_plugin_tb_n_insns(tb);
	int w;

	(void)id;
	for (i = 0; i < n; i++) {
		struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
		uint64_t va = qemu_plugin_insn_vaddr(insn);

		qemu_plugin_register_vcpu_insn_exec_inline(insn, QEMU_PLUGIN_INLINE_ADD_U64, &insns, 1);
		/* QEMU_PLUGIN_MEM_R alone never fires in QEMU 7.2; the load is no store anyway */
		if (va - addr[W_SWITCH] < SWITCH_SCAN && is_stack_load(insn))
			qemu_plugin_register_vcpu_mem_cb(insn, on_switch, QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_MEM_RW, NULL);
		for (w = 0; w < W_N; w++)
			if (watched[w] && w != W_SWITCH && addr[w] == va)
				qemu_plugin_register_vcpu_insn_exec_cb(insn, on_watch, QEMU_PLUGIN_CB_NO_REGS,
								       (void *)(uintptr_t)w);
	}
}

static void at_qemu_exit(qemu_plugin_id_t id, void *udata)
{
	(void)id;
	(void)udata;
	if (!reported)
		report(0);
}

static int parse_addr(const char *arg, const char *val, uint64_t *a)
{
	char *end;

	*a = strtoull(val, &end, 16);
	if (!*val || *end || !*a) {
		fprintf(stderr, "exit-insns: %s: not an address\n", arg);
		return -1;
	}
	return 0;
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv)
{
	static const char *const key[] = { [W_DO_EXIT] = "do_exit", [W_TASK_DEAD] = "do_task_dead",
					   [W_SWITCH] = "switch", [W_IRQ] = "irq", [W_IRQ_END] = "irq_end",
					   [W_SOFTIRQ] = "softirq" };
	uint64_t mark = EXIT_INSNS_MARK;
	int i, w;

	for (i = 0; i < argc; i++) {
		const char *eq = strchr(argv[i], '=');
		size_t klen = eq ? (size_t)(eq - argv[i]) : 0;

		if (!eq)
			goto bad;
		if (klen == 3 && !strncmp(argv[i], "out", 3)) {
			out_path = eq + 1;
			continue;
		}
		if (klen == 4 && !strncmp(argv[i], "mark", 4)) {
			if (parse_addr(argv[i], eq + 1, &mark))
				return -1;
			continue;
		}
		for (w = 0; w < W_MARK; w++)
			if (strlen(key[w]) == klen && !strncmp(argv[i], key[w], klen))
				break;
		if (w == W_MARK)
			goto bad;
		if (parse_addr(argv[i], eq + 1, &addr[w]))
			return -1;
		watched[w] = 1;
	}
	if (!watched[W_DO_EXIT] || !watched[W_TASK_DEAD] || !watched[W_SWITCH] || !out_path) {
		fprintf(stderr, "exit-insns: do_exit=, do_task_dead=, switch= and out= are required\n");
		return -1;
	}
	if (!info->system_emulation || info->system.smp_vcpus != 1 || info->system.max_vcpus != 1) {
		fprintf(stderr, "exit-insns: needs system emulation with one vCPU (-smp 1): "
			"it cannot tell the vCPUs' instructions apart\n");
		return -1;
	}
	for (w = W_MARK; w < W_N; w++) {
		addr[w] = mark + (uint64_t)(w - W_MARK) * EXIT_INSNS_STEP;
		watched[w] = 1;
	}
	qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
	qemu_plugin_register_atexit_cb(id, at_qemu_exit, NULL);
	return 0;
bad:
	fprintf(stderr, "exit-insns: unknown argument '%s' (do_exit=, do_task_dead=, switch=, irq=, irq_end=, "
		"softirq=, mark=, out=)\n",
		argv[i]);
	return -1;
}
