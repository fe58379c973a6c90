# SPDX-License-Identifier: GPL-2.0
# process_mrelease: the patch series and the tooling that builds, boots and
# checks it.  See README.md.  Everything lands in build/.
#
#   make run        build our kernel, boot it in QEMU, run the demo
#   make check      every check, for every base of base/bases.tsv (6.12, 7.3):
#                   host checks (with Debian's configs), then the guest suite
#                   on our debug kernel and on the reference kernel (Debian's
#                   own binary kernel of that base), and arm64 on 7.3
#   make check-guest  one base's guest suite on one ARCH (e.g. BASE=6.12
#                   ARCH=arm64, which make check leaves out for time)
#   make stress     stress and fuzz process_mrelease on our debug kernel, then on
#                   our race (KCSAN) kernel with the selftest
#   make soak       the stress scenarios in a loop for DURATION minutes (default 60)
#                   on our race kernel (SOAK_FLAVOUR=debug: the debug kernel)
#   make shell      boot our kernel into a busybox shell
#   make bench      benchmark: our and the reference kernel (perf config) under
#                   QEMU TCG, -icount and wall clock (bench/modes.tsv), and
#                   the instructions of each process and thread exit (a QEMU
#                   plugin, one vCPU: scripts/exit-insns); table,
#                   build/<base>/bench/, bench/<base>/RESULTS.md (~10 min, ~27 cold)
#   make tree       build/<base>/linux = the base + patches/<base>/ (git am)
#   make export     patches/<base>/ = the commits of build/<base>/linux over the base
#   make kernel     build our kernel       (prints the image path)
#   make ref        build the reference kernel: the untouched Debian tree of BASE
#   make check-arches  process_mrelease in every arch's syscall tables (~10 min)
#   make check-patches every patch of BASE's series builds on its own (the
#                   kernel on the base's arches, the selftest)
#   make check-distro  W=1 and sparse with Debian's own configs (configs/distro.tsv):
#                   no warning the stripped base does not have
#   make deb        Debian packages of our kernel: Debian's cloud-amd64 config,
#                   bindeb-pkg, -mrelease, lintian; build/deb/linux/ (~71 min cold)
#   make distro-test  our packages and Debian's own kernel, each installed with
#                   dpkg -i on a debootstrapped bookworm and booted under QEMU
#                   (systemd unit, run_kselftest.sh, strace, trace-cmd,
#                   SystemCallFilter); DEB_TREE=base: the series left out
#   make repin PKG_VERSION=<v>   move BASE=6.12 to another linux-source-6.12 version
#   make clean      remove build/ (the downloaded .deb is kept)
#
# BASE=7.3 selects another row of base/bases.tsv (default 6.12) for every
# target but check (all bases), deb and distro-test (6.12 only); an unknown
# BASE lists the bases.  Each base has its tree in build/<base>/ and its
# series in patches/<base>/.
# ARCH=arm64 selects another row of configs/arches.tsv for run, shell,
# kernel and ref.  FLAVOUR=perf builds without the debug options,
# FLAVOUR=race with KCSAN instead of KASAN and lockdep.

ARCH ?= x86_64
# base/bases.tsv: BASE=6.12 (the default, its first row) or BASE=7.3
BASE ?= $(shell awk -F'\t' '/^\#/ || NF == 0 { next } !h { h = 1; next } { print $$1; exit }' base/bases.tsv)
export BASE
FLAVOUR ?= debug
B := $(CURDIR)/build
export B

.PHONY: all run shell check check-arches bench tree export kernel ref guest base repin clean help
all: help
help:
	@sed -n 's/^#   //p' Makefile

base:
	@scripts/deps git xz-utils python3 perl
	@scripts/make-base $(B)/$(BASE)/linux

tree: base
	@scripts/tree

export:
	@scripts/export

kernel: tree
	@scripts/deps --arch $(ARCH) flex bison bc libelf-dev libssl-dev ccache cpio rsync
	@scripts/kbuild $(B)/$(BASE)/linux $(ARCH) $(FLAVOUR)

ref:
	@scripts/deps --arch $(ARCH) flex bison bc libelf-dev libssl-dev ccache cpio rsync
	@scripts/unpack-base $(B)/$(BASE)/ref
	@scripts/kbuild $(B)/$(BASE)/ref $(ARCH) $(FLAVOUR)

guest: kernel
	@scripts/mkguest $(ARCH) $(B)/$(BASE)/linux/out-$(ARCH)-$(FLAVOUR)

IMAGE = $(B)/$(BASE)/linux/out-$(ARCH)-$(FLAVOUR)/$(shell scripts/arch-field $(ARCH) image)

run: guest
	@scripts/qemu-run $(ARCH) $(IMAGE) \
		$(B)/$(BASE)/guest/$(ARCH)/initramfs.cpio.gz demo $(B)/$(BASE)/logs/$(ARCH)-demo 600 && \
		cat $(B)/$(BASE)/logs/$(ARCH)-demo/results.log && \
		grep -q '^RESULT: OK' $(B)/$(BASE)/logs/$(ARCH)-demo/results.log

shell: guest
	@scripts/qemu-run $(ARCH) $(IMAGE) \
		$(B)/$(BASE)/guest/$(ARCH)/initramfs.cpio.gz shell $(B)/$(BASE)/logs/$(ARCH)-shell

check:
	@scripts/check

.PHONY: check-guest
check-guest:
	@scripts/check --guest $(BASE) $(ARCH)

.PHONY: stress soak
stress: tree
	@scripts/deps --arch $(ARCH) flex bison bc libelf-dev libssl-dev ccache cpio rsync
	@scripts/stress $(ARCH)

soak: tree
	@scripts/deps --arch $(ARCH) flex bison bc libelf-dev libssl-dev ccache cpio rsync
	@scripts/soak $(ARCH)

.PHONY: deb distro-test
deb: tree
	@scripts/deb

distro-test: tree
	@scripts/distro-test

.PHONY: check-distro
check-distro: tree
	@scripts/deps --arch arm64 flex bison bc libelf-dev libssl-dev ccache sparse xz-utils
	@scripts/distro-configs

check-arches: tree
	@scripts/deps flex bison bc libelf-dev libssl-dev ccache
	@scripts/check-arches

.PHONY: check-patches
check-patches: tree
	@scripts/deps --arch x86_64 --arch arm64 flex bison bc libelf-dev libssl-dev ccache cpio rsync
	@scripts/check-patches

bench: BENCH_T0 := $(shell date +%s)
bench: tree
	@BENCH_T0=$(BENCH_T0) scripts/bench

repin:
	@test -n "$(PKG_VERSION)" || { echo "usage: make repin PKG_VERSION=<debian version>"; exit 2; }
	@scripts/fetch-base --repin "$(PKG_VERSION)"

clean:
	rm -rf $(filter-out $(B)/dl,$(wildcard $(B)/*))
