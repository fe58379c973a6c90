#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The report of make bench, from the guest logs of a run (scripts/bench runs it).

usage: bench/report.py <logs> <out> <top> <elapsed seconds> <report-only flag>

Writes <out>/{table.txt,results.csv,trials.csv,time-to-free.dat,criteria.txt,
breakdown.txt} and prints the table, the criteria and the time breakdown.
"""
import os, re, statistics, sys

logs, out, top, elapsed, report_only = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
KERNELS = ("ours", "ref")
HOWNAME = {"kill": "kill-only", "mrelease": "process_mrelease", "munmap": "munmap"}

def parse(path):
    rows, info = [], {}
    for line in open(path, errors="replace"):
        m = re.match(r"\s*# (row|info) (.*)", line)
        if not m:
            continue
        kv = dict(re.findall(r'(\w+)=("[^"]*"|\S+)', m.group(2)))
        if m.group(1) == "info":
            info.update(kv)
            continue
        for k in ("n", "s", "vmas", "rep", "ok", "rc", "ran", "overlap", "rss_mib", "maps", "tlb_ipis"):
            kv[k] = int(kv.get(k, 0))
        for k in ("ttf_ms", "call_ms", "setup_ms", "calib_us", "trial_ms"):
            kv[k] = float(kv.get(k, 0))
        rows.append(kv)
    return rows, info

data, infos, fairs, guest_s = {}, {}, {}, {}
for k in KERNELS:
    data[k], infos[k], fairs[k], guest_s[k] = [], {}, set(), 0.0
    rounds = sorted(int(d.split("-")[-1]) for d in os.listdir(logs) if re.fullmatch(k + r"-\d+", d))
    for rnd in rounds:
        rows, info = parse(os.path.join(logs, "%s-%d" % (k, rnd), "results.log"))
        for r in rows:
            r["round"] = rnd
        data[k] += rows
        infos[k] = infos[k] or info
        fairs[k].add(info.get("fair_server_runtime_cpu1"))
        guest_s[k] += float(info.get("guest_seconds", 0))
run = {}
if os.path.exists(os.path.join(out, "run-info.txt")):
    for line in open(os.path.join(out, "run-info.txt")):
        if "=" in line:
            a, b = line.rstrip("\n").split("=", 1)
            run[a] = b

def key(r):
    return (r["how"], r["n"], r["s"], r["vmas"], r["victim"])

def samples(k, how, n, s, vmas=1, victim="plain", metric="ttf"):
    v = []
    for r in data[k]:
        if key(r) != (how, n, s, vmas, victim) or not r["ok"]:
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
    return v

def stat(v):
    if not v:
        return None
    return (statistics.median(v), min(v), max(v), len(v))

cases = sorted({key(r) for k in KERNELS for r in data[k]},
               key=lambda c: (c[4], c[3], c[0], c[2], c[1]))

def has(how, n, s, vmas=1, victim="plain"):
    return (how, n, s, vmas, victim) in cases

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

Ns = sorted({c[1] for c in cases if c[0] == "mrelease" and c[2] > 0 and c[3] == 1 and c[4] == "plain"})
Ss = sorted({c[2] for c in cases if c[0] == "mrelease" and c[2] > 0 and c[3] == 1 and c[4] == "plain"})

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
for n in sorted({c[1] for c in cases if c[0] == "munmap" and c[3] == 1}):
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

# P3: victim not starved, exits on its own while process_mrelease runs
for n in sorted({c[1] for c in cases if c[2] == 0 and c[0] != "munmap"}):
    for how in ("kill", "mrelease"):
        if has(how, n, 0):
            fig("P3", "%s N=%d, victim running, time-to-free" % (HOWNAME[how], n), "ms",
                {k: stat(samples(k, how, n, 0)) for k in KERNELS})
    if has("kill", n, 0) and has("mrelease", n, 0):
        v = {}
        for k in KERNELS:
            a, b = stat(samples(k, "kill", n, 0)), stat(samples(k, "mrelease", n, 0))
            v[k] = a[0] / b[0] if a and b else None
        fig("P3", "kill-only / process_mrelease N=%d, victim running" % n, "x", v, kind="value")
    errs = {k: sum(1 for r in data[k] if key(r) == ("mrelease", n, 0, 1, "plain") and r["rc"]) for k in KERNELS}
    if any(errs.values()):
        fig("P3", "process_mrelease failures (ESRCH: the victim was faster) N=%d" % n, "trials", errs,
            ratio=False, kind="value")

# P4: the same RSS in 1, 100, 10,000 VMAs
for n in sorted({c[1] for c in cases if c[3] > 1}):
    s4 = sorted({c[2] for c in cases if c[3] > 1 and c[1] == n})[0]
    for how in ("kill", "mrelease", "munmap"):
        for vm in sorted({c[3] for c in cases if c[1] == n and c[2] == s4 and c[0] == how}):
            fig("P4", "%s N=%d S=%d VMAs=%d time-to-free" % (HOWNAME[how], n, s4, vm), "ms",
                {k: stat(samples(k, how, n, s4, vm)) for k in KERNELS})

# victim kinds other than "plain": robust mutexes held, mm_users holder
for c in cases:
    if c[4] != "plain":
        fig("other", "%s victim=%s N=%d S=%d VMAs=%d time-to-free" % (HOWNAME[c[0]], c[4], c[1], c[2], c[3]),
            "ms", {k: stat(samples(k, *c)) for k in KERNELS})
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

# ours/ref
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
    "P1": "P1 time-to-free: victim pinned to CPU 1 under a SCHED_FIFO hog for S s after the kill; "
          "kill-only vs process_mrelease() at once from CPU 0",
    "P2": "P2 reap throughput: process_mrelease() call vs munmap() of the same touched region in the caller "
          "(CPU 1 busy with the same hog)",
    "P3": "P3 contention: the victim is not starved and exits on its own on CPU 1 while process_mrelease() runs on CPU 0",
    "P4": "P4 scaling: the same RSS in 1, 100 and 10,000 VMAs",
    "other": "other victims",
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
table_head = ("Times in ms under QEMU TCG (not hardware times; compare ratios). Each figure: median [min-max] of %s "
              "repetitions (one per round; a round boots each kernel once); N = MiB of touched anonymous memory "
              "(4 KiB pages: THP is madvise-only)." % ("/".join(map(str, reps)) or "0"))
if run.get("rounds_cut"):
    table_head += "\nWARNING: only %s rounds ran: the others would not have fit the time budget." % run["rounds_cut"]
cal_all = sorted(r["calib_us"] for k in KERNELS for r in data[k] if r["calib_us"] > 0)
if cal_all and cal_all[-1] > 1.5 * cal_all[0]:
    slow = sum(1 for c in cal_all if c > 1.5 * cal_all[0])
    table_head += ("\nWARNING: the host took CPU time from the guest: before %d of %d kills the fixed loop on CPU 0 "
                   "took more than 1.5x its fastest time (%.1f-%.1f ms). Other jobs on the host were running; the "
                   "spreads below include that noise." % (slow, len(cal_all), cal_all[0] / 1000, cal_all[-1] / 1000))

# --- consistency criteria ----------------------------------------------------
crit = []
def criterion(name, ok, detail):
    crit.append((name, ok, detail))

def med(k, how, n, s, vmas=1, victim="plain"):
    st = stat(samples(k, how, n, s, vmas, victim))
    return st[0] if st else None

# 0. the scaffolding: every trial completed, the victim never ran while starved
bad = [(k, r) for k in KERNELS for r in data[k] if not r["ok"] or (r["rc"] and r["s"] > 0)]
ran = [(k, r) for k in KERNELS for r in data[k] if r["ran"]]
rss = [(k, r) for k in KERNELS for r in data[k] if r["ok"] and r["how"] != "munmap" and r["rss_mib"] < r["n"]]
fair = {k: "/".join(sorted(str(v) for v in fairs[k])) for k in KERNELS}
criterion("every trial completed (P1/P2/P4 calls returned 0)", not bad,
          "%d failed trial(s)" % len(bad) if bad else "%d trials" % sum(len(data[k]) for k in KERNELS))
criterion("the starved victim never ran before its S s were up (fair server off on CPU 1)",
          not ran and all(v == "0" for v in fair.values()),
          "fair_server runtime on CPU 1: %s; victim seen running in %d trial(s)" %
          (", ".join("%s %s" % (k, v) for k, v in fair.items()), len(ran)))
criterion("each figure is the median of >= 5 repetitions", bool(reps) and reps[0] >= 5,
          "repetitions per case: %s" % "/".join(map(str, reps)))
criterion("each victim held its N MiB when killed", not rss,
          "%d victim(s) short" % len(rss) if rss else "rss >= N in every trial")

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
    criterion("%s: kill-only time-to-free grows with S (S=%d -> S=%d)" % (k, Ss[0], Ss[-1]), ok and bool(det),
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
    criterion("%s: process_mrelease time-to-free does not depend on S (spread <= 10 %%)" % k, ok and bool(det),
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
    det, ok, any_ = [], True, False
    for n in Ns:
        for s in Ss:
            a, b = med(k, "mrelease", n, s), med(k, "munmap", n, s2)
            if a is None or b is None:
                continue
            any_ = True
            ok &= a <= 1.1 * b
            det.append("N=%d S=%d: %.2f" % (n, s, a / b))
    if any_:
        criterion("%s: process_mrelease time-to-free <= 1.1 x munmap time-to-free of the same N" % k, ok,
                  "ratio " + "; ".join(det))
det, ok, any_ = [], True, False
for f in figs:
    if f["section"] in ("P1", "P2") and f["oursref"] is not None:
        any_ = True
        if abs(f["oursref"] - 1) > 0.05:
            ok = False
            det.append("%s: %.3f" % (f["label"], f["oursref"]))
if any_:
    criterion("ours within 5 % of the reference on every P1-P2 figure", ok,
              "outside: " + "; ".join(det) if det else "every ours/ref ratio within 0.95-1.05")

# P3: reaping from the top down (patch 10) against the reference's bottom-up walk
det, ok, any_ = [], True, False
for n in sorted({c[1] for c in cases if c[0] == "mrelease" and c[2] == 0 and c[4] == "plain"}):
    a, b = med("ours", "mrelease", n, 0), med("ref", "mrelease", n, 0)
    if a is None or b is None:
        continue
    any_ = True
    ok &= a <= 0.8 * b
    det.append("N=%d: %s / %s ms = %.2f" % (n, fmt(a), fmt(b), a / b))
if any_:
    criterion("P3: ours process_mrelease time-to-free <= 0.8 x the reference's, victim running", ok,
              "; ".join(det))
# the holder: ours releases at once, the reference only when the holder lets go
for c in cases:
    if c[0] == "mrelease" and c[4] == "holder":
        a, b = med("ours", *c), med("ref", *c)
        if a is not None and b is not None:
            criterion("victim=holder: ours process_mrelease time-to-free < 0.5 x the reference's (N=%d)" % c[1],
                      a < 0.5 * b, "%s / %s ms = %.2f" % (fmt(a), fmt(b), a / b))

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
    cols = ["how", "n", "s", "vmas", "victim", "rep", "ok", "ttf_ms", "call_ms", "rc", "err", "ran", "overlap",
            "rss_mib", "maps", "tlb_ipis", "setup_ms", "calib_us", "trial_ms"]
    ft.write("kernel,round," + ",".join(cols) + "\n")
    for k in KERNELS:
        for r in data[k]:
            ft.write(k + "," + str(r["round"]) + "," + ",".join(str(r[c]) for c in cols) + "\n")
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

held = sum(1 for c in crit if c[1])
crit_lines = ["  %-5s %s\n        %s" % ("holds" if ok else "NOT", name, det) for name, ok, det in crit]

info_lines = []
for k in KERNELS:
    i = infos[k]
    cal = sorted(r["calib_us"] for r in data[k] if r["calib_us"] > 0)
    noise = ("; host noise: a fixed loop on CPU 0 before each kill took %.0f us median, %.0f-%.0f" %
             (statistics.median(cal), cal[0], cal[-1])) if cal else ""
    info_lines.append("%s guest: %s, %s CPUs, %s MiB, THP %s, clocksource %s, MemAvailable read %s us%s" %
                      (k, i.get("kernel"), i.get("cpus"), i.get("mem_total_mib"), i.get("thp", "?").strip('"'),
                       i.get("clocksource"), i.get("meminfo_read_us"), noise))

text = [table_head] + info_lines + lines + ["", "Consistency criteria (%d of %d hold):" % (held, len(crit))] + crit_lines
open(os.path.join(out, "table.txt"), "w").write("\n".join(text) + "\n")
open(os.path.join(out, "criteria.txt"), "w").write("\n".join(crit_lines) + "\n")
open(os.path.join(out, "breakdown.txt"), "w").write("\n".join(brk) + "\n")
print("\n".join(text))
print("\nTime breakdown:")
print("\n".join(brk))
