#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The report of make bench, from the guest logs of a run (scripts/bench runs it).

usage: bench/report.py <logs> <out> <top> <elapsed seconds> <report-only flag>

Writes <out>/{table.txt,results.csv,trials.csv,locks.csv,time-to-free.dat,
pages.dat,criteria.txt,breakdown.txt} and prints the table, the criteria and
the time breakdown.

The guest logs are <logs>/<mode>-<kernel>-<round>/results.log, the modes
those of bench/modes.tsv: "icount" (guest time counted in instructions) for
P1, P2, P4 and the other victims, "wall" (real time, vCPUs in parallel) for
P3 and its spinlock contention; "exits" (the exit path in instructions)
has the QEMU plugin's report in <logs>/exits-<kernel>-<boot>/exit-insns.txt
instead, and its figures go to <out>/exit-insns.csv.
"""
import os, re, statistics, sys

logs, out, top, elapsed, report_only = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
KERNELS = ("ours", "ref")
HOWNAME = {"kill": "kill-only", "mrelease": "process_mrelease", "munmap": "munmap",
           "fork": "fork, _exit, waitpid", "thread": "pthread_create, return, pthread_join",
           "cgkill": "cgroup.kill only", "cgloop": "cgroup.kill, then pidfd_open + process_mrelease per pid",
           "cgreap": "cgroup.kill, then memory.reap"}
CG = ("cgkill", "cgloop", "cgreap")
CG_PROCS = 1000  # processes of victim=cgmany and victim=cgempty (guest/mrelease-bench.c)
CHURN = ("fork", "thread")

def parse(path):
    rows, info, locks = [], {}, []
    for line in open(path, errors="replace"):
        m = re.match(r"\s*# (row|info|lock) (.*)", line)
        if not m:
            continue
        kv = dict(re.findall(r'(\w+)=("[^"]*"|\S+)', m.group(2)))
        if m.group(1) == "info":
            info.update(kv)
            continue
        for k in ("n", "s", "vmas", "rep", "ok", "rc", "ran", "overlap", "rss_mib", "huge_pct", "maps", "tlb_ipis",
                  "count", "total", "dropped", "swap_kb", "swap_left_kb"):
            if k in kv or m.group(1) == "row":
                kv[k] = int(kv.get(k, 0))
        for k in ("ttf_ms", "call_ms", "setup_ms", "calib_us", "trial_ms", "swap_ms"):
            kv[k] = float(kv.get(k, 0))
        kv.setdefault("pg", "4k")
        if m.group(1) == "row" and "swap_left_kb" not in line:
            kv["swap_left_kb"] = -1
        (locks if m.group(1) == "lock" else rows).append(kv)
    return rows, info, locks

# data[k]: the icount rows, wdata[k]: the wall-clock rows (P3), wlocks[k]:
# the "# lock" lines of the wall-clock runs
MODES = ("icount", "wall")
data, wdata, wlocks, infos, fairs, guest_s, boots = {}, {}, {}, {}, {}, {}, {}
for k in KERNELS:
    data[k], wdata[k], wlocks[k], infos[k], fairs[k], guest_s[k] = [], [], [], {}, set(), 0.0
    for mode in MODES:
        boots[mode, k] = 0
        rounds = sorted(int(d.split("-")[-1]) for d in os.listdir(logs) if re.fullmatch(mode + "-" + k + r"-\d+", d))
        for rnd in rounds:
            rows, info, locks = parse(os.path.join(logs, "%s-%s-%d" % (mode, k, rnd), "results.log"))
            for r in rows + locks:
                r["round"] = rnd
            (data if mode == "icount" else wdata)[k] += rows
            if mode == "wall":
                wlocks[k] += locks
            infos[k] = infos[k] or info
            fairs[k].add(info.get("fair_server_runtime_cpu1"))
            if info.get("caller_starves") == "1":
                fairs[k].add(info.get("fair_server_runtime_cpu0"))
            guest_s[k] += float(info.get("guest_seconds", 0))
            boots[mode, k] += 1
run = {}
if os.path.exists(os.path.join(out, "run-info.txt")):
    for line in open(os.path.join(out, "run-info.txt")):
        if "=" in line:
            a, b = line.rstrip("\n").split("=", 1)
            run[a] = b

def key(r):
    return (r["how"], r["n"], r["s"], r["vmas"], r["victim"], r["pg"])

def samples(k, how, n, s, vmas=1, victim="plain", pg="4k", metric="ttf", src=None):
    v = []
    for r in (data if src is None else src)[k]:
        if key(r) != (how, n, s, vmas, victim, pg) or not r["ok"]:
            continue
        # a failed call does not count, except ESRCH on a running victim
        # (P3: it was faster than the call; the memory still came back)
        if r["rc"] and not (s == 0 and r["err"] == "ESRCH" and metric == "ttf"):
            continue
        if metric == "ttf":
            v.append(r["ttf_ms"])
        elif metric == "mibps":
            if r["call_ms"] > 0:
                v.append(n / (r["call_ms"] / 1000))
        elif metric == "call":
            v.append(r["call_ms"])
        elif metric == "huge":
            v.append(r["huge_pct"])
        elif metric == "swapms":
            v.append(r["swap_ms"])
        elif metric == "swapmibps":
            if r["swap_ms"] > 0:
                v.append(r["swap_kb"] / 1024 / (r["swap_ms"] / 1000))
        elif metric == "swapmib":
            v.append(r["swap_kb"] / 1024)
        elif metric == "swapleft":
            v.append(r["swap_left_kb"])
    return v

def stat(v):
    if not v:
        return None
    return (statistics.median(v), min(v), max(v), len(v))

cases = sorted({key(r) for k in KERNELS for r in data[k]},
               key=lambda c: (c[5], c[4], c[3], c[0], c[2], c[1]))
wcases = sorted({key(r) for k in KERNELS for r in wdata[k]}, key=lambda c: (c[4], c[1], c[0]))

def has(how, n, s, vmas=1, victim="plain", pg="4k"):
    return (how, n, s, vmas, victim, pg) in cases

# --- the figures: (section, label, unit, {kernel: stat or value}) ----------
figs = []
def fig(section, label, unit, per_kernel, ratio=True, kind="stat"):
    figs.append(dict(section=section, label=label, unit=unit, v=per_kernel, ratio=ratio, kind=kind))

def fmt(x):
    if x is None:
        return "-"
    if abs(x) >= 100:
        return "%.0f" % x
    if abs(x) >= 10:
        return "%.1f" % x
    return "%.2f" % x

def plain4k(c):
    return c[3] == 1 and c[4] == "plain" and c[5] == "4k"
Ns = sorted({c[1] for c in cases if c[0] == "mrelease" and c[2] > 0 and plain4k(c)})
Ss = sorted({c[2] for c in cases if c[0] == "mrelease" and c[2] > 0 and plain4k(c)})

# P1: kill-only vs process_mrelease, victim starved for S s
for n in Ns:
    for s in Ss:
        for how in ("kill", "mrelease"):
            if has(how, n, s):
                fig("P1", "%s N=%d S=%d time-to-free" % (HOWNAME[how], n, s), "ms",
                    {k: stat(samples(k, how, n, s)) for k in KERNELS})
        if has("kill", n, s) and has("mrelease", n, s):
            v = {}
            for k in KERNELS:
                a, b = stat(samples(k, "kill", n, s)), stat(samples(k, "mrelease", n, s))
                v[k] = a[0] / b[0] if a and b else None
            fig("P1", "kill-only / process_mrelease N=%d S=%d" % (n, s), "x", v, kind="value")
    if len(Ss) > 1:
        v = {}
        for k in KERNELS:
            meds = [stat(samples(k, "mrelease", n, s)) for s in Ss]
            meds = [m[0] for m in meds if m]
            v[k] = 100 * (max(meds) - min(meds)) / min(meds) if len(meds) == len(Ss) else None
        fig("P1", "process_mrelease spread across S=%s N=%d" % (",".join(map(str, Ss)), n), "%", v,
            ratio=False, kind="value")

# P2: reap throughput vs munmap in the caller
s2 = Ss[0] if Ss else 1
for n in sorted({c[1] for c in cases if c[0] == "munmap" and plain4k(c)}):
    for how in ("mrelease", "munmap"):
        if has(how, n, s2):
            fig("P2", "%s N=%d throughput" % (HOWNAME[how], n), "MiB/s",
                {k: stat(samples(k, how, n, s2, metric="mibps")) for k in KERNELS})
    if has("munmap", n, s2):
        fig("P2", "munmap N=%d time-to-free" % n, "ms",
            {k: stat(samples(k, "munmap", n, s2)) for k in KERNELS})
    if has("mrelease", n, s2) and has("munmap", n, s2):
        v = {}
        for k in KERNELS:
            a = stat(samples(k, "mrelease", n, s2, metric="mibps"))
            b = stat(samples(k, "munmap", n, s2, metric="mibps"))
            v[k] = a[0] / b[0] if a and b else None
        fig("P2", "process_mrelease / munmap throughput N=%d" % n, "x", v, kind="value")

# P3 (wall clock): victim not starved, exits on its own while process_mrelease runs
def wsamples(k, how, n):
    return samples(k, how, n, 0, src=wdata)
P3Ns = sorted({c[1] for c in wcases if c[2] == 0 and c[0] != "munmap" and plain4k(c)})
for n in P3Ns:
    for how in ("kill", "mrelease"):
        fig("P3", "%s N=%d, victim running, time-to-free" % (HOWNAME[how], n), "ms",
            {k: stat(wsamples(k, how, n)) for k in KERNELS})
    v = {}
    for k in KERNELS:
        a, b = stat(wsamples(k, "kill", n)), stat(wsamples(k, "mrelease", n))
        v[k] = a[0] / b[0] if a and b else None
    fig("P3", "kill-only / process_mrelease N=%d, victim running" % n, "x", v, kind="value")
    errs = {k: sum(1 for r in wdata[k] if key(r) == ("mrelease", n, 0, 1, "plain", "4k") and r["rc"]) for k in KERNELS}
    if any(errs.values()):
        fig("P3", "process_mrelease failures (ESRCH: the victim was faster) N=%d" % n, "trials", errs,
            ratio=False, kind="value")

# P4: the same RSS in 1, 100, 10,000 VMAs
for n in sorted({c[1] for c in cases if c[3] > 1}):
    s4 = sorted({c[2] for c in cases if c[3] > 1 and c[1] == n})[0]
    for how in ("kill", "mrelease", "munmap"):
        for vm in sorted({c[3] for c in cases if c[1] == n and c[2] == s4 and c[0] == how and c[4] == "plain"
                          and c[5] == "4k"}):
            fig("P4", "%s N=%d S=%d VMAs=%d time-to-free" % (HOWNAME[how], n, s4, vm), "ms",
                {k: stat(samples(k, how, n, s4, vm)) for k in KERNELS})

# victim kinds other than "plain": robust mutexes held, mm_users holder,
# many threads
for c in cases:
    if c[4] != "plain" and c[0] not in CG:
        fig("other", "%s victim=%s N=%d S=%d VMAs=%d time-to-free" % (HOWNAME[c[0]], c[4], c[1], c[2], c[3]),
            "ms", {k: stat(samples(k, *c)) for k in KERNELS})
THREADED = ("threads", "mutexes", "longlist")
for c in cases:
    if c[0] == "mrelease" and c[4] in THREADED:
        for victim in ("plain",) + THREADED:
            if has("mrelease", c[1], c[2], c[3], victim) and not any(
                    f["label"].startswith("process_mrelease call victim=%s N=%d S=%d" % (victim, c[1], c[2]))
                    for f in figs):
                fig("threads", "process_mrelease call victim=%s N=%d S=%d" % (victim, c[1], c[2]), "ms",
                    {k: stat(samples(k, "mrelease", c[1], c[2], c[3], victim, metric="call")) for k in KERNELS})
        v = {}
        for k in KERNELS:
            a = stat(samples(k, *c, metric="call"))
            b = stat(samples(k, "mrelease", c[1], c[2], c[3], metric="call"))
            v[k] = a[0] - b[0] if a and b else None
        fig("threads", "process_mrelease call victim=%s minus victim=plain N=%d" % (c[4], c[1]), "ms", v,
            ratio=False, kind="value")

# p10: a killed cgroup, released three ways (memory.reap: ours only)
def cgmed(k, how, c, metric="ttf"):
    st = stat(samples(k, how, c[1], c[2], c[3], c[4], metric=metric))
    return st[0] if st else None

cgcases = sorted({c for c in cases if c[0] in CG}, key=lambda c: (c[4], c[2], CG.index(c[0])))
for c in cgcases:
    fig("P10", "%s victim=%s N=%d S=%d time-to-free" % (HOWNAME[c[0]], c[4], c[1], c[2]), "ms",
        {k: stat(samples(k, *c)) for k in KERNELS}, ratio=False)
    if c[0] != "cgkill":
        fig("P10", "%s victim=%s N=%d S=%d: the loop or the write" % (HOWNAME[c[0]], c[4], c[1], c[2]), "ms",
            {k: stat(samples(k, *c, metric="call")) for k in KERNELS}, ratio=False)
    if c[0] == "cgreap" and c[1]:
        fig("P10", "memory.reap / the loop, time-to-free victim=%s S=%d" % (c[4], c[2]), "x",
            {k: (cgmed(k, "cgreap", c) / cgmed(k, "cgloop", c)
                 if cgmed(k, "cgreap", c) and cgmed(k, "cgloop", c) else None) for k in KERNELS},
            ratio=False, kind="value")
        mm = {k: stat(samples(k, "munmap", c[1], 0, metric="mibps")) for k in KERNELS}
        fig("P10", "memory.reap / munmap of N in the caller, MiB/s victim=%s S=%d" % (c[4], c[2]), "x",
            {k: (cgmed(k, "cgreap", c, "mibps") / mm[k][0] if cgmed(k, "cgreap", c, "mibps") and mm[k] else None)
             for k in KERNELS}, ratio=False, kind="value")
# victim=cgempty: 1,000 processes with nothing but what fork() gave them.
# What a release costs per process beyond the memory it frees; set apart,
# the rest of victim=cgmany's write is the rate of its 1,000 MiB alone.
for c in [c for c in cgcases if c[4] == "cgempty"]:
    fig("P10", "%s victim=cgempty S=%d: per process" % (HOWNAME[c[0]], c[2]), "ms",
        {k: (cgmed(k, c[0], c, "call") / CG_PROCS if cgmed(k, c[0], c, "call") else None) for k in KERNELS},
        ratio=False, kind="value")
    if c[0] != "cgreap":
        continue
    many = ("cgreap", 1000, c[2], c[3], "cgmany", c[5])
    v = {}
    for k in KERNELS:
        mm = stat(samples(k, "munmap", 1000, 0, metric="call"))
        a, e = cgmed(k, "cgreap", many, "call"), cgmed(k, "cgreap", c, "call")
        v[k] = mm[0] / (a - e) if mm and a and e and a > e else None
    fig("P10", "memory.reap less victim=cgempty's write / munmap of N in the caller, MiB/s victim=cgmany S=%d"
        % c[2], "x", v, ratio=False, kind="value")
for victim in sorted({c[4] for c in cgcases}):
    sts = sorted({c[2] for c in cgcases if c[4] == victim and c[0] == "cgreap"})
    if len(sts) > 1:
        v = {}
        for k in KERNELS:
            meds = [cgmed(k, "cgreap", c) for c in cgcases if c[4] == victim and c[0] == "cgreap"]
            v[k] = 100 * (max(meds) - min(meds)) / min(meds) if meds and None not in meds else None
        fig("P10", "memory.reap time-to-free spread across S=%s victim=%s" % (",".join(map(str, sts)), victim),
            "%", v, ratio=False, kind="value")

# p9: what every exit pays (the series pins the mm of a dying process)
for c in cases:
    if c[0] in CHURN:
        fig("exit", "%s: one iteration, mean of the middle 80 %% of %d" % (HOWNAME[c[0]], c[1]), "ms",
            {k: stat(samples(k, *c, metric="call")) for k in KERNELS})

# 64 KiB mTHP and PMD-size THP: P1 and P2 again
PGS = ("4k", "64k", "2m")
PGNAME = {"4k": "4 KiB pages", "64k": "64 KiB mTHP", "2m": "PMD-size THP"}
thpNs = sorted({c[1] for c in cases if c[5] != "4k"})
for pg in PGS[1:]:
    for n in thpNs:
        for how in ("kill", "mrelease", "munmap"):
            for s in sorted({c[2] for c in cases if c[5] == pg and c[1] == n and c[0] == how}):
                fig("thp", "%s %s N=%d S=%d time-to-free" % (HOWNAME[how], pg, n, s), "ms",
                    {k: stat(samples(k, how, n, s, pg=pg)) for k in KERNELS})
        for s in sorted({c[2] for c in cases if c[5] == pg and c[1] == n and c[0] == "mrelease"}):
            if has("kill", n, s, pg=pg):
                v = {}
                for k in KERNELS:
                    a, b = stat(samples(k, "kill", n, s, pg=pg)), stat(samples(k, "mrelease", n, s, pg=pg))
                    v[k] = a[0] / b[0] if a and b else None
                fig("thp", "kill-only / process_mrelease %s N=%d S=%d" % (pg, n, s), "x", v, kind="value")
            if has("munmap", n, s, pg=pg):
                for how in ("mrelease", "munmap"):
                    fig("thp", "%s %s N=%d throughput" % (HOWNAME[how], pg, n), "MiB/s",
                        {k: stat(samples(k, how, n, s, pg=pg, metric="mibps")) for k in KERNELS})
                v = {}
                for k in KERNELS:
                    a = stat(samples(k, "mrelease", n, s, pg=pg, metric="mibps"))
                    b = stat(samples(k, "munmap", n, s, pg=pg, metric="mibps"))
                    v[k] = a[0] / b[0] if a and b else None
                fig("thp", "process_mrelease / munmap throughput %s N=%d" % (pg, n), "x", v, kind="value")
            fig("thp", "share of N faulted in as %s %s N=%d (victim before the kill)" % (PGNAME[pg], pg, n), "%",
                {k: stat(samples(k, "mrelease", n, s, pg=pg, metric="huge")) for k in KERNELS}, ratio=False)
for c in cases:
    if c[0] == "mrelease" and c[4] == "robust" and has("mrelease", c[1], c[2], c[3]):
        v = {}
        for k in KERNELS:
            a, b = stat(samples(k, *c)), stat(samples(k, "mrelease", c[1], c[2], c[3]))
            v[k] = a[0] / b[0] if a and b else None
        fig("other", "process_mrelease robust / plain N=%d S=%d (the cost of the robust mutexes)" % (c[1], c[2]),
            "x", v, kind="value")
    if c[0] == "mrelease" and c[4] == "holder" and has("kill", c[1], c[2], c[3], "holder"):
        v = {}
        for k in KERNELS:
            a, b = stat(samples(k, "kill", c[1], c[2], c[3], "holder")), stat(samples(k, *c))
            v[k] = a[0] / b[0] if a and b else None
        fig("other", "kill-only / process_mrelease, victim=holder N=%d" % c[1], "x", v, kind="value")
        errs = {k: sum(1 for r in data[k] if key(r) == c and r["rc"]) for k in KERNELS}
        fig("other", "process_mrelease ESRCH, victim=holder N=%d (the victim had exited)" % c[1], "trials",
            errs, ratio=False, kind="value")

# victim=swapped: half of it in zram swap; how fast its swap comes back
for c in cases:
    if c[4] != "swapped" or c[0] == "munmap":
        continue
    fig("swap", "%s victim=swapped N=%d S=%d: swap the victim held" % (HOWNAME[c[0]], c[1], c[2]), "MiB",
        {k: stat(samples(k, *c, metric="swapmib")) for k in KERNELS})
    fig("swap", "%s victim=swapped N=%d S=%d: kill until SwapFree is back" % (HOWNAME[c[0]], c[1], c[2]), "ms",
        {k: stat(samples(k, *c, metric="swapms")) for k in KERNELS})
    fig("swap", "%s victim=swapped N=%d S=%d: swap freed per second" % (HOWNAME[c[0]], c[1], c[2]), "MiB/s",
        {k: stat(samples(k, *c, metric="swapmibps")) for k in KERNELS})
    if c[0] == "mrelease":
        fig("swap", "process_mrelease victim=swapped N=%d S=%d: VmSwap left when the call returned" % (c[1], c[2]),
            "kB", {k: stat(samples(k, *c, metric="swapleft")) for k in KERNELS}, ratio=False)
        if has("kill", c[1], c[2], c[3], "swapped"):
            v = {}
            for k in KERNELS:
                a = stat(samples(k, "kill", c[1], c[2], c[3], "swapped", metric="swapms"))
                b = stat(samples(k, *c, metric="swapms"))
                v[k] = a[0] / b[0] if a and b and b[0] else None
            fig("swap", "kill-only / process_mrelease, swap back, victim=swapped N=%d S=%d" % (c[1], c[2]), "x", v,
                kind="value")

# P3 (wall clock): spinlock contention per GiB released, by lock, from the
# "# lock" lines: each stack is charged to the first function in it that is
# not the spinlock code or the tracing that counted it (the lock's taker).
NOT_TAKER = re.compile(r"^(native_)?queued_(spin|read|write)_lock_slowpath$|^_raw_\w*lock\w*$|^do_raw_\w*lock\w*$|"
                       r"kprobe|int3|^aggr_|_handler$|^optimized_callback$|^trace|^__traceiter|^event_trigger|hist|^stack_trace|"
                       r"^arch_stack_walk|"
                       r"^asm_|^exc_|^\?$")
LOCKCLASS = (("ptl", "page-table lock", re.compile(r"pte_offset_map|pmd_trans_huge_lock|^p[mu]d_lock$|^pte_lockptr")),
             ("lru", "LRU lock", re.compile(r"lruvec|^lru_|_lru$|_lru_|folio_batch_move_lru")),
             ("zone", "zone lock", re.compile(r"^free_pcppages_bulk$|^free_one_page$|^rmqueue|^__rmqueue|"
                                              r"^free_unref_|^free_frozen_page|^__free_pages_ok$|^drain_pages|"
                                              r"^decay_pcp_high$|^drain_zone_pages$")),
             ("other", "other", re.compile(r"")))
LOCKNAME = dict((a, b) for a, b, _ in LOCKCLASS)
EVNAME = {"slowpath": "slow-path entries (kprobe)", "begin": "lock:contention_begin"}

def taker(stack):
    for fn in stack.split("<"):
        if not NOT_TAKER.search(fn):
            return fn
    return "?"

def lock_class(stack):
    t = taker(stack)
    for cls, _, rx in LOCKCLASS:
        if rx.search(t):
            return cls
    return "other"

# per trial (kernel, round, how, n, rep, ev): {class: count}; trials from the
# totals lines.  A call that failed (ESRCH: the victim got there first)
# left the victim alone: that trial is not counted.
ltrials, takers = {}, {}
lfailed = {k: {(r["round"], r["how"], r["n"], r["rep"]) for r in wdata[k] if r["rc"] or not r["ok"]} for k in KERNELS}
for k in KERNELS:
    for l in wlocks[k]:
        if (l["round"], l["how"], l["n"], l["rep"]) in lfailed[k]:
            continue
        t = (k, l["round"], l["how"], l["n"], l["rep"], l["ev"])
        if "total" in l:
            ltrials.setdefault(t, {c: 0 for c, _, _ in LOCKCLASS})
            continue
        cls = lock_class(l["stack"])
        ltrials.setdefault(t, {c: 0 for c, _, _ in LOCKCLASS})[cls] += l["count"]
        takers[k, l["ev"], cls, taker(l["stack"])] = takers.get((k, l["ev"], cls, taker(l["stack"])), 0) + l["count"]

def per_gib(k, how, n, ev, cls):
    v = [c[cls] * 1024 / n for t, c in ltrials.items() if t[0] == k and t[2] == how and t[3] == n and t[5] == ev]
    return v

LOCK_EVS = [ev for ev in ("slowpath", "begin") if any(t[5] == ev for t in ltrials)]
for ev in LOCK_EVS:
    for n in P3Ns:
        for how in ("kill", "mrelease"):
            for cls, name, _ in LOCKCLASS:
                fig("locks-" + ev, "%s N=%d %s" % (HOWNAME[how], n, name), "per GiB",
                    {k: stat(per_gib(k, how, n, ev, cls)) for k in KERNELS})

# ours/ref
SECTIONS = ["P1", "P2", "P4", "other", "threads", "exit", "thp", "swap", "P10", "P3"] + ["locks-" + ev for ev in ("slowpath", "begin")]
figs.sort(key=lambda f: SECTIONS.index(f["section"]))
for f in figs:
    o, r = f["v"].get("ours"), f["v"].get("ref")
    if f["kind"] == "stat":
        o, r = (o[0] if o else None), (r[0] if r else None)
    f["med"] = {"ours": o, "ref": r}
    f["oursref"] = o / r if f["ratio"] and o and r else None

def cell(f, k):
    v = f["v"].get(k)
    if f["kind"] == "stat":
        return "-" if not v else "%s [%s-%s]" % (fmt(v[0]), fmt(v[1]), fmt(v[2]))
    return fmt(v)

# --- table -------------------------------------------------------------------
titles = {
    "P1": "P1 [icount] time-to-free: the victim cannot run for S s after the kill (it shares CPU 0 with the caller, "
          "which runs at SCHED_FIFO); kill-only vs process_mrelease() at once",
    "P2": "P2 [icount] reap throughput: process_mrelease() call vs munmap() of the same touched region in the caller "
          "(at SCHED_FIFO too; CPU 1 idle in both)",
    "P3": "P3 [wall clock] contention: the victim is not starved and exits on its own on CPU 1 while "
          "process_mrelease() runs on CPU 0",
    "locks-slowpath": "P3 [wall clock] spinlock contention from the kill until the memory is back, per GiB released, "
                      "by lock: entries into the spinlock slow path (kprobe event), charged by stack",
    "locks-begin": "P3 [wall clock] the same, counted by lock:contention_begin (fires only when a waiter queues "
                   "behind another waiter)",
    "P4": "P4 [icount] scaling: the same RSS in 1, 100 and 10,000 VMAs",
    "other": "[icount] other victims",
    "threads": "[icount] many threads: the process_mrelease() call alone (the series keeps the pages that robust lists need)",
    "P10": "P10 [icount] a killed cgroup (victim=cgbig: 64 x 16 MiB + 256 MiB with 100 threads; cgmany: "
           "1,000 x 1 MiB; cgempty: 1,000 that map nothing of their own) kept off CPU 0 for S s after cgroup.kill: time until memory.current has dropped by "
           "98 % of the cgroup's anonymous memory; the reference kernel has no memory.reap",
    "exit": "[icount] the exit path: process creation and exit in a loop on CPU 0 (CPU 1 idle), "
            "what the series adds to every exit",
    "thp": "[icount] 64 KiB mTHP (64k) and PMD-size THP (2m), MADV_HUGEPAGE, 2 MiB aligned: P1 and P2 again",
    "swap": "[icount] victim=swapped: half of the victim paged out to zram swap (MADV_PAGEOUT), starved as in P1; "
            "its time-to-free counts its RSS, these rows its swap (SwapFree back by 90 % of its VmSwap)",
}
lines = []
w = max([len(f["label"]) + len(f["unit"]) + 3 for f in figs] + [20])
hdr = "%-*s  %-26s  %-26s  %s" % (w, "figure", "ours: median [min-max]", "ref: median [min-max]", "ours/ref")
sec = None
for f in figs:
    if f["section"] != sec:
        sec = f["section"]
        lines += ["", titles.get(sec, sec), hdr, "-" * len(hdr)]
    lines.append("%-*s  %-26s  %-26s  %s" % (w, "%s (%s)" % (f["label"], f["unit"]), cell(f, "ours"), cell(f, "ref"),
                                            fmt(f["oursref"]) if f["oursref"] else ""))
reps = sorted({len(samples(k, *c)) for k in KERNELS for c in cases})
wreps = sorted({len(samples(k, *c, src=wdata)) for k in KERNELS for c in wcases})
def modeline(mode):
    return run.get("mode_" + mode, "not run")
table_head = ("Times in ms under QEMU TCG (not hardware times; compare ratios). N = MiB of touched anonymous memory "
              "(4 KiB pages unless a row says 64k or 2m).\n"
              "[icount] figures: guest time counted in instructions (QEMU -icount), the caller alone on its vCPU "
              "(-C): host load does not move them. Median [min-max] of %s trial(s) per case (with -m, a case runs again "
              "until its calls add up to that many ms); %s.\n"
              "[wall clock] figures: real time, both vCPUs in parallel (P3). Median [min-max] of %s repetitions "
              "(one per round; a round boots each kernel once); %s." %
              ("/".join(map(str, reps)) or "0", modeline("icount"), "/".join(map(str, wreps)) or "0",
               modeline("wall")))
if elapsed > 1800 and not report_only:
    table_head += "\nNOTE: this run took %d min %d s, longer than the 30 minutes make bench is meant to take." % (
        elapsed // 60, elapsed % 60)
cal_all = sorted(r["calib_us"] for k in KERNELS for r in wdata[k] if r["calib_us"] > 0)
if cal_all and cal_all[-1] > 1.5 * cal_all[0]:
    slow = sum(1 for c in cal_all if c > 1.5 * cal_all[0])
    table_head += ("\nWARNING: the host took CPU time from the guest in the wall-clock runs: before %d of %d kills the "
                   "fixed loop on CPU 0 took more than 1.5x its fastest time (%.1f-%.1f ms); the P3 spreads include "
                   "that noise." % (slow, len(cal_all), cal_all[0] / 1000, cal_all[-1] / 1000))

# --- consistency criteria ----------------------------------------------------
crit = []
def criterion(name, ok, detail):
    """@ok: True (holds), False (does not: make bench fails), None (not
    judged in this run, with the reason in @detail)"""
    crit.append((name, ok, detail))

# Criteria that hold by construction of the harness (with -C the caller
# keeps CPU 0 from a starved victim for S s: a kill-only time-to-free must
# grow with S, and a release, done before the victim can run, cannot depend
# on it) check the harness, not the kernel, and say so.
HARNESS = "[harness check, by construction of -C] "

def med(k, how, n, s, vmas=1, victim="plain", pg="4k"):
    st = stat(samples(k, how, n, s, vmas, victim, pg))
    return st[0] if st else None

# 0. the scaffolding: every trial completed, the victim never ran while starved
bad = [(k, r) for k in KERNELS for r in data[k] + wdata[k] if not r["ok"] or (r["rc"] and r["s"] > 0)]
ran = [(k, r) for k in KERNELS for r in data[k] if r["ran"]]
rss = [(k, r) for k in KERNELS for r in data[k] + wdata[k]
       if r["ok"] and r["how"] not in ("munmap",) + CHURN and
       (r["rss_mib"] + r["swap_kb"] // 1024 < r["n"] - 1 if r["victim"] == "swapped" else r["rss_mib"] < r["n"])]
huge = [(k, r) for k in KERNELS for r in data[k] if r["ok"] and r["pg"] != "4k" and r["huge_pct"] < 90]
fair = {k: "/".join(sorted(str(v) for v in fairs[k])) for k in KERNELS}
criterion("every trial completed (the calls of every starved victim returned 0)", not bad,
          "%d failed trial(s)" % len(bad) if bad else "%d trials" % sum(len(data[k]) + len(wdata[k]) for k in KERNELS))
criterion("the starved victim never ran before its S s were up (fair servers off)",
          not ran and all(v == "0" for v in fair.values()),
          "fair_server runtime of the victim's CPU: %s; victim seen running in %d trial(s)" %
          (", ".join("%s %s" % (k, v) for k, v in fair.items()), len(ran)))
criterion("[wall clock] each figure is the median of >= 5 repetitions", bool(wreps) and wreps[0] >= 5,
          "repetitions per case: %s" % ("/".join(map(str, wreps)) or "none: the wall-clock mode did not run"))
criterion("each victim held its N MiB when killed (victim=swapped: in RAM and swap)", not rss,
          "%d victim(s) short" % len(rss) if rss else "rss (+ swap) >= N in every trial")
if any(c[5] != "4k" for c in cases):
    criterion("each 64k/2m victim faulted in >= 90 % of its N as pages of that size", not huge,
              "%d trial(s) short: %s" % (len(huge), ", ".join("%s %s N=%d %d %%" % (k, r["pg"], r["n"], r["huge_pct"])
                                                            for k, r in huge[:6])) if huge else
              "lowest share: %d %%" % min(r["huge_pct"] for k in KERNELS for r in data[k] if r["pg"] != "4k"))

for k in KERNELS:
    if len(Ss) < 2:
        break
    det, ok = [], True
    for n in Ns:
        a, b = med(k, "kill", n, Ss[0]), med(k, "kill", n, Ss[-1])
        if a is None or b is None:
            continue
        ok &= b > a
        det.append("N=%d: %s -> %s ms" % (n, fmt(a), fmt(b)))
    criterion(HARNESS + "%s: kill-only time-to-free grows with S (S=%d -> S=%d)" % (k, Ss[0], Ss[-1]),
              ok and bool(det),
              "; ".join(det))
    det, ok = [], True
    for n in Ns:
        meds = [med(k, "mrelease", n, s) for s in Ss]
        if None in meds:
            continue
        spread = (max(meds) - min(meds)) / min(meds)
        ok &= spread <= 0.10
        ov = sum(r["overlap"] for r in data[k] if r["how"] == "mrelease" and r["n"] == n and r["vmas"] == 1
                 and r["victim"] == "plain" and r["s"] > 0)
        det.append("N=%d: %.1f %%%s" % (n, 100 * spread,
                                         " (%d trial(s) outlasted S: the victim's own exit ran alongside)" % ov
                                         if ov else ""))
    criterion(HARNESS + "%s: process_mrelease time-to-free does not depend on S (spread <= 10 %%)" % k,
              ok and bool(det),
              "; ".join(det))
for k in KERNELS:
    for s in Ss:
        pts = [(n, med(k, "mrelease", n, s)) for n in Ns]
        pts = [(x, y) for x, y in pts if y is not None]
        if len(pts) < 3:
            continue
        mx = sum(x for x, _ in pts) / len(pts)
        my = sum(y for _, y in pts) / len(pts)
        sxx = sum((x - mx) ** 2 for x, _ in pts)
        slope = sum((x - mx) * (y - my) for x, y in pts) / sxx
        icpt = my - slope * mx
        ss_res = sum((y - icpt - slope * x) ** 2 for x, y in pts)
        ss_tot = sum((y - my) ** 2 for _, y in pts)
        r2 = 1 - ss_res / ss_tot if ss_tot else 1
        per = ", ".join("%s" % fmt(y / x * 1024) for x, y in pts)
        criterion("%s: process_mrelease time-to-free grows linearly with N, S=%d (R^2 >= 0.99)" % (k, s), r2 >= 0.99,
                  "fit %s ms + %s ms/GiB, R^2 = %.4f; ms per GiB at N=%s: %s" %
                  (fmt(icpt), fmt(slope * 1024), r2, ",".join(str(x) for x, _ in pts), per))
for k in KERNELS:
    det, ok = [], True
    for f in figs:
        if f["label"].startswith("process_mrelease / munmap throughput") and f["v"].get(k) is not None:
            ok &= f["v"][k] >= 0.95
            det.append("%s: %.3f" % (f["label"].replace("process_mrelease / munmap throughput ", ""), f["v"][k]))
    if det:
        criterion("%s [icount]: process_mrelease throughput >= 0.95 x munmap's, every size and page size" % k, ok,
                  "; ".join(det))
# every figure the cover letters compare with upstream: P1, P2 (4k, 64k,
# 2m), many VMAs (P4), the other victims but the holder (where ours is
# meant to differ), many threads, half in swap
det, ok, n_ = [], True, 0
for f in figs:
    if f["section"] in ("P1", "P2", "thp", "P4", "other", "threads", "swap") and f["oursref"] is not None \
            and "victim=holder" not in f["label"]:
        n_ += 1
        if abs(f["oursref"] - 1) > 0.03:
            ok = False
            det.append("%s: %.3f" % (f["label"], f["oursref"]))
if n_:
    criterion("[icount] ours within 3 % of the reference on every figure but the holder's (P1, P2, 64k, 2m, "
              "P4, other victims, many threads, swap)", ok,
              "outside: " + "; ".join(det) if det else "%d ours/ref ratios, every one within 0.97-1.03" % n_)
# the robust lists patch: its cost with many threads
for c in cases:
    if c[0] == "mrelease" and c[4] in THREADED:
        a, b = (stat(samples(k, *c, metric="call")) for k in KERNELS)
        if a and b:
            # the series' cost there is a few ms of ~600 (victim=threads:
            # 16.6 - 12.1 ms over victim=plain): 2 % is a bound it can fail
            criterion("[icount] victim=%s: ours process_mrelease call <= 1.02 x the reference's (N=%d)" % (c[4], c[1]),
                      a[0] <= 1.02 * b[0], "%s / %s ms = %.3f" % (fmt(a[0]), fmt(b[0]), a[0] / b[0]))
# the robust victim (8 shared mutexes, one private in the middle): the pages
# its list needs are kept, everything else goes as fast as upstream
for f in figs:
    if f["section"] == "other" and f["label"].startswith("process_mrelease victim=robust ") \
            and f["oursref"] is not None:
        criterion("[icount] victim=robust: ours within 1 %% of the reference: %s" % f["label"],
                  f["oursref"] <= 1.01, "%s / %s ms = %.4f" % (fmt(f["med"]["ours"]), fmt(f["med"]["ref"]),
                                                            f["oursref"]))
# what every exit pays
for f in figs:
    if f["section"] == "exit" and f["oursref"] is not None:
        criterion("[icount] exit path: ours within 1 %% of the reference: %s" % f["label"],
                  f["oursref"] <= 1.01, "%s / %s ms = %.4f" % (fmt(f["med"]["ours"]), fmt(f["med"]["ref"]),
                                                            f["oursref"]))
# P3 has no criterion: 6.12 patch 12 changes the order of the VMAs only, which a
# victim of one large VMA does not show (the series' earlier version also
# stepped down inside a VMA; its page-table-lock gain came with more LRU and
# zone lock contention and no gain in time, and it was dropped).  Its
# wall-clock figures stay in the table for what they tell.
# run to run: the icount ratios of this run against the run before
prev = {}
# p10: memory.reap (ours)
if any(c[0] == "cgreap" for c in cases):
    det, ok = [], True
    for f in figs:
        if f["section"] == "P10" and f["label"].startswith("memory.reap / the loop"):
            x = f["v"].get("ours")
            ok &= x is not None and x <= 1.0
            det.append("%s: %s" % (f["label"].replace("memory.reap / the loop, time-to-free ", ""),
                                   "%.3f" % x if x is not None else "-"))
    criterion("[icount] ours: memory.reap time-to-free <= 1.0 x oomd's loop, every shape and S", ok and bool(det),
              "; ".join(det))
    det, ok = [], True
    for f in figs:
        if f["section"] == "P10" and f["label"].startswith("memory.reap time-to-free spread"):
            x = f["v"].get("ours")
            ok &= x is not None and x <= 5
            det.append("%s: %s %%" % (f["label"].split("victim=")[1], fmt(x)))
    criterion(HARNESS + "[icount] ours: memory.reap time-to-free does not depend on S (spread <= 5 %)",
              ok and bool(det),
              "; ".join(det))
    # one process (cgbig) as it is; 1,000 (cgmany) less what a release
    # costs a process beyond its pages (victim=cgempty), which the letters
    # quote apart
    det, ok = [], True
    for f in figs:
        if f["section"] == "P10" and (f["label"].startswith("memory.reap / munmap") and "victim=cgbig" in f["label"]
                                      or f["label"].startswith("memory.reap less victim=cgempty")):
            x = f["v"].get("ours")
            ok &= x is not None and x >= 0.95
            det.append("%s: %s" % (f["label"].split("MiB/s ")[1], "%.3f" % x if x is not None else "-"))
    criterion("[icount] ours: memory.reap releases >= 0.95 x as fast as munmap of the same N in the caller "
              "(victim=cgmany: less the per-process cost of victim=cgempty)", ok and bool(det), "; ".join(det))

def run_info(path):
    try:
        return dict(l.rstrip("\n").split("=", 1) for l in open(path) if "=" in l)
    except OSError:
        return {}

# The run before counts only if it was a full run of the same kernels (our
# source tree and the reference package): scripts/bench keeps full runs
# only in previous/; anything else is not judged.
now_info, then_info = run_info(os.path.join(out, "run-info.txt")), run_info(os.path.join(out, "previous", "run-info.txt"))
same_kernels = None
if not then_info:
    same_kernels = "no earlier full run to compare with (build/<base>/bench/previous/)"
elif then_info.get("full") != "1":
    same_kernels = "the run before was not a full run"
elif not now_info.get("ours_tree") or then_info.get("ours_tree") != now_info.get("ours_tree") \
        or then_info.get("ref") != now_info.get("ref"):
    same_kernels = ("the run before was of other kernels (our source tree %s then, %s now; reference %s then)" %
                    (then_info.get("ours_tree", "?"), now_info.get("ours_tree", "?"), then_info.get("ref", "?")))
pf = os.path.join(out, "previous", "results.csv")
if os.path.exists(pf) and same_kernels is None:
    import csv
    for row in csv.DictReader(open(pf)):
        prev[row["section"], row["figure"]] = row
det, ok, n_cmp, worst = [], True, 0, 0.0
for f in figs:
    if f["section"] not in ("P1", "P2", "P4", "other", "threads", "exit", "thp", "swap"):
        continue
    p = prev.get((f["section"], f["label"]))
    if not p:
        continue
    for what, now, then in (("ours/ref", f["oursref"], p["ours_over_ref"]),
                            ("ours", f["med"]["ours"] if f["unit"] == "x" else None, p["ours_median"]),
                            ("ref", f["med"]["ref"] if f["unit"] == "x" else None, p["ref_median"])):
        if now is None or not then:
            continue
        d = now / float(then) - 1
        n_cmp += 1
        worst = max(worst, abs(d))
        if abs(d) > 0.02:
            ok = False
            det.append("%s %s: %.3f then, %.3f now" % (f["label"], what, float(then), now))
if n_cmp:
    pdate = [l.split("=", 1)[1].strip() for l in open(os.path.join(out, "previous", "run-info.txt"))
             if l.startswith("date=")]
    criterion("[icount] every ratio within 2 %% of the run before (%s)" % (pdate[0] if pdate else "?"), ok,
              ("outside: " + "; ".join(det[:12]) if det else "%d ratios compared, largest difference %.2f %%" %
               (n_cmp, 100 * worst)))
else:
    criterion("[icount] every ratio within 2 % of the run before", None,
              "not judged: " + (same_kernels or "the run before has none of these figures"))
# the holder: ours releases at once, the reference only when the holder lets go
for c in cases:
    if c[0] == "mrelease" and c[4] == "holder":
        a, b = med("ours", *c), med("ref", *c)
        if a is not None and b is not None:
            criterion("victim=holder: ours process_mrelease time-to-free < 0.5 x the reference's (N=%d)" % c[1],
                      a < 0.5 * b, "%s / %s ms = %.2f" % (fmt(a), fmt(b), a / b))

# victim=swapped: the call itself frees the swap entries
for c in cases:
    if c[0] == "mrelease" and c[4] == "swapped":
        for k in KERNELS:
            st, held = stat(samples(k, *c, metric="swapleft")), stat(samples(k, *c, metric="swapmib"))
            if st and held:
                criterion("%s [icount] victim=swapped N=%d: process_mrelease() frees the victim's swap in the call "
                          "(VmSwap <= 1 %% of what it held when the call returns)" % (k, c[1]),
                          0 <= st[1] and st[2] <= held[1] * 1024 / 100,
                          "VmSwap left %s-%s kB (-1: not read) of %s MiB held" %
                          (fmt(st[1]), fmt(st[2]), fmt(held[0])))

# the exit path in instructions (mode "exits", scripts/exit-insns): the QEMU
# plugin's per-exit counts from do_exit() to do_task_dead(), one report per
# boot (<logs>/exits-<kernel>-<boot>/exit-insns.txt); the figure is the
# median (bench/exit-insns.c says why).  Boots with boot 1's warm-up run
# the same guest (a check of determinism); a boot with a longer one starts
# from another state (how much the state alone moves the figure).
EXIT_PHASES = (("fork", "process exit"), ("thread", "thread exit"))
EXIT_COLS = ("exits", "median", "mode", "mode_n", "min", "max", "mean", "disturbed", "clean_median", "switched",
             "others", "loop_insns", "loop_irqs")
exits = []
for k in KERNELS:
    for d in sorted(os.listdir(logs), key=lambda d: [int(x) if x.isdigit() else x for x in re.split(r"(\d+)", d)]):
        m = re.fullmatch("exits-" + k + r"-(\d+)", d)
        if m and os.path.exists(os.path.join(logs, d, "exit-insns.txt")):
            # the iterations and the warm-up of the loops, as the guest program says
            its = re.search(r"# exit-insns: (\d+) forks and \d+ threads after (\d+)",
                            open(os.path.join(logs, d, "results.log"), errors="replace").read())
            for line in open(os.path.join(logs, d, "exit-insns.txt")):
                if line.startswith("phase="):
                    kv = dict(x.split("=", 1) for x in line.split())
                    row = {"kernel": k, "boot": int(m.group(1)), "phase": kv["phase"],
                           "iterations": int(its.group(1)) if its else 0, "warmup": int(its.group(2)) if its else 0}
                    row.update({c: float(kv[c]) if c == "mean" else int(kv[c]) for c in EXIT_COLS})
                    exits.append(row)

def exit_rows(k, phase, rows=None):
    return [r for r in (exits if rows is None else rows) if r["kernel"] == k and r["phase"] == phase]

def pct(a, b):
    return 100.0 * (a - b) / b

if exits:
    lines += ["", "[exits] the exit path in instructions: guest instructions that one exit executes from do_exit() to "
              "do_task_dead(), other tasks and hardware interrupts left out, counted by a QEMU plugin "
              "(bench/exit-insns.c; %s); per boot, the median of every exit of the loop" % run.get("mode_exits", "?")]
    for phase, name in EXIT_PHASES:
        o, r = exit_rows("ours", phase), exit_rows("ref", phase)
        if o and r:
            a, b = o[0]["median"], r[0]["median"]
            moved = [abs(pct(x["median"], rr[0]["median"])) for rr in (o, r) for x in rr
                     if x["warmup"] != rr[0]["warmup"]]
            lines.append("  %s: %+d instructions (%+.2f %%) ours vs reference (ours %d, reference %d)%s" %
                         (name, a - b, pct(a, b), a, b,
                          "; another start state moved a median by up to %.2f %%" % max(moved) if moved else ""))
    lines.append("  (warm: warm-up iterations before the loops; disturbed: exits that took an interrupt or ran "
                 "softirqs, clean med: the median of the others; switched: exits that left the CPU and came back, "
                 "their count still their own; loop/iter.: every instruction of the loop, all tasks, per iteration)")
    lines.append("  %-5s %4s %5s %-6s %6s %9s %17s %9s %9s %10s %9s %9s %8s %12s" %
                 ("", "boot", "warm", "phase", "exits", "median", "mode (share)", "min", "max", "mean", "disturbed",
                  "clean med", "switched", "loop/iter."))
    for r in exits:
        lines.append("  %-5s %4d %5d %-6s %6d %9d %9d (%4.1f%%) %9d %9d %10.1f %9d %9d %8d %12.0f" %
                     (r["kernel"], r["boot"], r["warmup"], r["phase"], r["exits"], r["median"], r["mode"],
                      100.0 * r["mode_n"] / max(r["exits"], 1), r["min"], r["max"], r["mean"], r["disturbed"],
                      r["clean_median"], r["switched"], r["loop_insns"] / max(r["iterations"], 1)))
    det, ok, same = [], True, 0
    for k in KERNELS:
        for phase, _ in EXIT_PHASES:
            rr = exit_rows(k, phase)
            v = [x["median"] for x in rr if x["warmup"] == rr[0]["warmup"]]
            same = max(same, len(v))
            if len(v) > 1:
                ok &= max(v) <= 1.001 * min(v)
                det.append("%s %s %s" % (k, phase, "/".join(map(str, v))))
    criterion("[exits] the boots of a kernel that run the same guest give the same median instructions per exit "
              "(within 0.1 %)", ok and same > 1,
              "; ".join(det) if same > 1 else "one such boot per kernel: nothing to compare")
    for phase, name in EXIT_PHASES:
        o, r = exit_rows("ours", phase), exit_rows("ref", phase)
        if o and r:
            a, b = o[0]["median"], r[0]["median"]
            criterion("[exits] %s: ours within 1 %% of the reference's instructions" % name, a <= 1.01 * b,
                      "%d / %d = %.4f" % (a, b, a / b))
    pe = os.path.join(out, "previous", "exit-insns.csv")
    if os.path.exists(pe) and same_kernels is None:
        import csv
        then = [dict(r, median=int(r["median"]), warmup=int(r.get("warmup") or 0)) for r in csv.DictReader(open(pe))]
        det, ok = [], True
        for k in KERNELS:
            for phase, _ in EXIT_PHASES:
                a, b = exit_rows(k, phase, then), exit_rows(k, phase)
                if a and b:
                    ok &= abs(pct(b[0]["median"], a[0]["median"])) <= 0.1
                    det.append("%s %s %d then, %d now" % (k, phase, a[0]["median"], b[0]["median"]))
        criterion("[exits] every median (boot 1) within 0.1 % of the run before", ok and bool(det),
                  "; ".join(det) or "the run before counted no exits")
    else:
        criterion("[exits] every median (boot 1) within 0.1 % of the run before", None,
                  "not judged: " + (same_kernels or "the run before counted no exits"))
    with open(os.path.join(out, "exit-insns.csv"), "w") as fe:
        fe.write("kernel,boot,warmup,phase,iterations," + ",".join(EXIT_COLS) + "\n")
        for r in exits:
            fe.write("%s,%d,%d,%s,%d," % (r["kernel"], r["boot"], r["warmup"], r["phase"], r["iterations"]) +
                     ",".join(str(r[c]) for c in EXIT_COLS) + "\n")

# --- write -------------------------------------------------------------------
with open(os.path.join(out, "results.csv"), "w") as fcsv:
    fcsv.write("section,figure,unit,ours_median,ours_min,ours_max,ours_n,ref_median,ref_min,ref_max,ref_n,ours_over_ref\n")
    for f in figs:
        row = [f["section"], '"%s"' % f["label"], f["unit"]]
        for k in KERNELS:
            v = f["v"].get(k)
            if f["kind"] == "stat" and v:
                row += ["%.4g" % v[0], "%.4g" % v[1], "%.4g" % v[2], str(v[3])]
            else:
                row += ["%.4g" % v if v is not None else "", "", "", ""]
        row.append("%.4f" % f["oursref"] if f["oursref"] else "")
        fcsv.write(",".join(row) + "\n")
with open(os.path.join(out, "trials.csv"), "w") as ft:
    cols = ["how", "n", "s", "vmas", "victim", "pg", "rep", "ok", "ttf_ms", "call_ms", "rc", "err", "ran", "overlap",
            "rss_mib", "huge_pct", "maps", "tlb_ipis", "setup_ms", "calib_us", "trial_ms", "swap_kb", "swap_ms",
            "swap_left_kb"]
    ft.write("mode,kernel,round," + ",".join(cols) + "\n")
    for mode, src in (("icount", data), ("wall", wdata)):
        for k in KERNELS:
            for r in src[k]:
                ft.write(mode + "," + k + "," + str(r["round"]) + "," + ",".join(str(r[c]) for c in cols) + "\n")
with open(os.path.join(out, "locks.csv"), "w") as fl:
    fl.write("kernel,round,how,n,rep,event,class,taker,count,stack\n")
    for k in KERNELS:
        for l in wlocks[k]:
            if "total" not in l:
                fl.write("%s,%d,%s,%d,%d,%s,%s,%s,%d,%s\n" % (k, l["round"], l["how"], l["n"], l["rep"], l["ev"],
                                                            lock_class(l["stack"]), taker(l["stack"]), l["count"],
                                                            l["stack"]))
# plot data, time vs RSS by page size: N, then per page size the median min
# max of process_mrelease on ours, on ref, and munmap on ours (S = the first)
with open(os.path.join(out, "pages.dat"), "w") as fd:
    fd.write("# N_MiB" + "".join(" %s_ours_med min max %s_ref_med min max %s_munmap_med min max" % (pg, pg, pg)
                                 for pg in PGS) + " (S=%d)\n" % (Ss[0] if Ss else 1))
    for n in sorted(set(Ns) | set(thpNs)):
        row = [str(n)]
        for pg in PGS:
            for k, how in (("ours", "mrelease"), ("ref", "mrelease"), ("ours", "munmap")):
                st = stat(samples(k, how, n, Ss[0] if Ss else 1, pg=pg))
                row += ["%.3f" % x for x in st[:3]] if st else ["NaN"] * 3
        fd.write(" ".join(row) + "\n")
# plot data: N, kill-only (ours), mrelease ref, mrelease ours; median min max each
s_plot = Ss[0] if Ss else 1
with open(os.path.join(out, "time-to-free.dat"), "w") as fd:
    fd.write("# N_MiB kill_med kill_min kill_max ref_med ref_min ref_max ours_med ours_min ours_max (S=%d)\n" % s_plot)
    for n in Ns:
        row = [str(n)]
        for k, how in (("ours", "kill"), ("ref", "mrelease"), ("ours", "mrelease")):
            st = stat(samples(k, how, n, s_plot))
            row += ["%.3f" % x for x in st[:3]] if st else ["NaN"] * 3
        fd.write(" ".join(row) + "\n")

# time breakdown
tim = []
tf = os.path.join(out, "timings.txt")
if os.path.exists(tf):
    tim = [l.rstrip("\n").split("\t") for l in open(tf) if "\t" in l]
brk = ["%-40s %4s s" % (a, b) for a, b in tim]
for k in KERNELS:
    if guest_s[k]:
        brk.append("  (%s kernel: benchmark program %.0f s in all, of which victim set-up %.0f s and the S s "
                   "of starvation of the kill-only trials %.0f s)" %
                   (k, guest_s[k], sum(r["setup_ms"] for r in data[k]) / 1000,
                    sum(r["s"] for r in data[k] if r["how"] == "kill")))
if report_only:
    elapsed = sum(int(b) for _, b in tim)
brk.append("%-40s %4d s (%d min %d s)" % ("total", elapsed, elapsed // 60, elapsed % 60))

# the takers charged to "other", so that a reader can check the classes
other = sorted(((c, k, ev, t) for (k, ev, cls, t), c in takers.items() if cls == "other"), reverse=True)[:8]
if other:
    lines += ["", "P3 [wall clock] stacks charged to \"other\", by the taking function (all trials, counts): " +
              "; ".join("%s %s %s %d" % (k, EVNAME[ev].split(" ")[0], t, c) for c, k, ev, t in other)]
held = sum(1 for c in crit if c[1])
failed_crit = sum(1 for c in crit if c[1] is False)
judged = sum(1 for c in crit if c[1] is not None)
crit_lines = ["  %-5s %s\n        %s" % ("holds" if ok else "NOT" if ok is False else "n/j", name, det)
              for name, ok, det in crit]

info_lines = []
for k in KERNELS:
    i = infos[k]
    cal = sorted(r["calib_us"] for r in data[k] if r["calib_us"] > 0)
    noise = ("; host noise: a fixed loop on CPU 0 before each kill took %.0f us median, %.0f-%.0f" %
             (statistics.median(cal), cal[0], cal[-1])) if cal else ""
    info_lines.append("%s guest: %s, %s CPUs, %s MiB, THP %s, clocksource %s, MemAvailable read %s us%s" %
                      (k, i.get("kernel"), i.get("cpus"), i.get("mem_total_mib"), i.get("thp", "?").strip('"'),
                       i.get("clocksource"), i.get("meminfo_read_us"), noise))

text = [table_head] + info_lines + lines + ["", "Consistency criteria (%d of %d judged hold; %d not judged, n/j):" %
                                           (held, judged, len(crit) - judged)] + crit_lines
open(os.path.join(out, "table.txt"), "w").write("\n".join(text) + "\n")
open(os.path.join(out, "criteria.txt"), "w").write("\n".join(crit_lines) + "\n")
open(os.path.join(out, "breakdown.txt"), "w").write("\n".join(brk) + "\n")
print("\n".join(text))
print("\nTime breakdown:")
print("\n".join(brk))
# make bench fails when a criterion does not hold (scripts/bench still
# writes the report and RESULTS.md first)
open(os.path.join(out, "criteria-failed.txt"), "w").write("%d\n" % failed_crit)
sys.exit(1 if failed_crit else 0)
