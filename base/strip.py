#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Derive the pre-feature base: remove upstream's process_mrelease from a tree.

Every edit is matched by content, never by line number, so 6.12.y context
drift does not matter.  Every edit must match exactly as often as listed;
anything else is an error that names the file and the pattern, so a new
upstream layout fails here, loudly, instead of producing a half-stripped base.
After the edits the whole tree is searched: the only lines left that contain
"mrelease" (any case) must be the unrelated ones in base/unrelated-mrelease.txt.

usage: base/strip.py <tree>            strip in place
       base/strip.py --check <tree>    only run the final search (in a git
                                       tree: on the commit tagged "base")
"""
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

# The syscall tables that carry an entry.  Each loses exactly one line.
TABLES = [
    "arch/alpha/kernel/syscalls/syscall.tbl",      # 558 on alpha
    "arch/arm/tools/syscall.tbl",
    "arch/arm64/tools/syscall_32.tbl",              # arm64 compat
    "arch/m68k/kernel/syscalls/syscall.tbl",
    "arch/microblaze/kernel/syscalls/syscall.tbl",
    "arch/mips/kernel/syscalls/syscall_n32.tbl",
    "arch/mips/kernel/syscalls/syscall_n64.tbl",
    "arch/mips/kernel/syscalls/syscall_o32.tbl",
    "arch/parisc/kernel/syscalls/syscall.tbl",
    "arch/powerpc/kernel/syscalls/syscall.tbl",
    "arch/s390/kernel/syscalls/syscall.tbl",
    "arch/sh/kernel/syscalls/syscall.tbl",
    "arch/sparc/kernel/syscalls/syscall.tbl",
    "arch/x86/entry/syscalls/syscall_32.tbl",
    "arch/x86/entry/syscalls/syscall_64.tbl",
    "arch/xtensa/kernel/syscalls/syscall.tbl",
    "scripts/syscall.tbl",                          # arm64, riscv, loongarch, ...
    "tools/perf/arch/mips/entry/syscalls/syscall_n64.tbl",
    "tools/perf/arch/powerpc/entry/syscalls/syscall.tbl",
    "tools/perf/arch/s390/entry/syscalls/syscall.tbl",
    "tools/perf/arch/x86/entry/syscalls/syscall_32.tbl",
    "tools/perf/arch/x86/entry/syscalls/syscall_64.tbl",
]
TABLE_LINE = r"^\d+[ \t]+\S+[ \t]+process_mrelease[ \t]+sys_process_mrelease([ \t]+sys_process_mrelease)?[ \t]*\n"

# (file, regex, expected number of matches).  Regexes are MULTILINE.
EDITS = [(t, TABLE_LINE, 1) for t in TABLES] + [
    ("include/uapi/asm-generic/unistd.h",
     r"^#define __NR_process_mrelease 448\n__SYSCALL\(__NR_process_mrelease, sys_process_mrelease\)\n", 1),
    ("tools/include/uapi/asm-generic/unistd.h",
     r"^#define __NR_process_mrelease 448\n__SYSCALL\(__NR_process_mrelease, sys_process_mrelease\)\n", 1),
    ("include/linux/syscalls.h",
     r"^asmlinkage long sys_process_mrelease\(int pidfd, unsigned int flags\);\n", 1),
    ("kernel/sys_ni.c", r"^COND_SYSCALL\(process_mrelease\);\n", 1),
    # The whole syscall body, from its definition to the first closing brace
    # in column 0, with the blank line that separates it from what precedes.
    ("mm/oom_kill.c", r"\n\nSYSCALL_DEFINE2\(process_mrelease,.*?\n}\n", 1),
    ("tools/testing/selftests/mm/Makefile", r"^TEST_GEN_FILES \+= mrelease_test\n", 1),
    ("tools/testing/selftests/mm/.gitignore", r"^mrelease_test\n", 1),
    ("tools/testing/selftests/mm/run_vmtests.sh",
     r"^- process_mrelease\n\ttest process_mrelease\(2\)\n", 1),
    ("tools/testing/selftests/mm/run_vmtests.sh",
     r"^CATEGORY=\"process_mrelease\" run_test \./mrelease_test\n\n", 1),
]
REMOVE = ["tools/testing/selftests/mm/mrelease_test.c"]


def die(msg):
    sys.stderr.write("strip: error: %s\n" % msg)
    sys.exit(1)


def leftovers(tree):
    """Lines that mention mrelease and are not on the allowlist."""
    allowed = set()
    with open(os.path.join(HERE, "unrelated-mrelease.txt")) as f:
        for line in f:
            if line.strip() and not line.startswith("#"):
                allowed.add(line.rstrip("\n"))
    if os.path.isdir(os.path.join(tree, ".git")):
        # the base commit, whatever is checked out on top of it
        rev = "base" if subprocess.run(["git", "-C", tree, "rev-parse", "-q", "--verify", "base"],
                                       capture_output=True).returncode == 0 else "HEAD"
        cmd = ["git", "-C", tree, "grep", "-I", "-i", "-n", "mrelease", rev, "--"]
        prefix = rev + ":"
    else:
        cmd = ["grep", "-rIin", "--exclude-dir=.git", "--exclude-dir=out-*", "mrelease", "."]
        prefix = "./"
    out = subprocess.run(cmd, cwd=tree, capture_output=True, text=True).stdout
    bad = []
    for hit in out.splitlines():
        hit = hit[len(prefix):] if hit.startswith(prefix) else hit
        path, _, rest = hit.partition(":")
        _, _, text = rest.partition(":")
        if "%s:%s" % (path, text) not in allowed:
            bad.append(hit)
    return bad


def strip(tree):
    for path, pattern, want in EDITS:
        full = os.path.join(tree, path)
        if not os.path.isfile(full):
            die("%s: file is missing (expected an entry for process_mrelease)" % path)
        with open(full) as f:
            text = f.read()
        repl = "\n" if pattern.startswith(r"\n") else ""
        new, n = re.subn(pattern, repl, text, flags=re.MULTILINE | re.DOTALL)
        if n != want:
            die("%s: pattern matched %d times, expected %d:\n    %s" % (path, n, want, pattern))
        with open(full, "w") as f:
            f.write(new)
    for path in REMOVE:
        full = os.path.join(tree, path)
        if not os.path.isfile(full):
            die("%s: file is missing" % path)
        os.unlink(full)


def main():
    args = sys.argv[1:]
    check_only = bool(args) and args[0] == "--check"
    if check_only:
        args = args[1:]
    if len(args) != 1 or not os.path.isdir(args[0]):
        die("usage: strip.py [--check] <kernel tree>")
    tree = args[0]
    if not check_only:
        strip(tree)
    bad = leftovers(tree)
    if bad:
        die("process_mrelease is still mentioned:\n  " + "\n  ".join(bad))
    print("strip: %s: no trace of process_mrelease left" % tree)


if __name__ == "__main__":
    main()
