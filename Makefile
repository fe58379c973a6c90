# SPDX-License-Identifier: GPL-2.0
# process_mrelease: the patch series and the tooling that builds, boots and
# checks it.  See README.md.  Everything lands in build/.
#
#   make run        build our kernel, boot it in QEMU, run the demo
#   make check      every check: host checks (with Debian's configs), then the
#                   guest suite on our debug kernel and on the reference kernel
#                   (Debian's own binary kernel of the same version)
#   make stress     stress and fuzz process_mrelease on our debug kernel, then on
#                   our race (KCSAN) kernel with the selftest
#   make soak       the stress scenarios in a loop for DURATION minutes (default 60)
#                   on our race kernel (SOAK_FLAVOUR=debug: the debug kernel)
#   make shell      boot our kernel into a busybox shell
#   make bench      benchmark: our and the reference kernel (perf config) under
#                   QEMU TCG, -icount and wall clock (bench/modes.tsv); table,
#                   build/bench/, bench/RESULTS.md (~10 min, ~27 from a fresh clone)
#   make tree       build/linux = stripped base + patches/ (git am)
#   make export     patches/ = the commits of build/linux over the base
#   make kernel     build our kernel       (prints the image path)
#   make ref        build the reference kernel: the untouched Debian tree
#   make check-arches  process_mrelease in every arch's syscall tables (~10 min)
#   make check-distro  W=1 and sparse with Debian's own configs (configs/distro.tsv):
#                   no warning the stripped base does not have
#   make deb        Debian packages of our kernel: Debian's cloud-amd64 config,
#                   bindeb-pkg, -mrelease, lintian; build/deb/linux/ (~71 min cold)
#   make distro-test  our packages and Debian's own kernel, each installed with
#                   dpkg -i on a debootstrapped bookworm and booted under QEMU
#                   (systemd unit, run_kselftest.sh, strace, trace-cmd,
#                   SystemCallFilter); DEB_TREE=base: the series left out
#   make repin PKG_VERSION=<v>   move to another linux-source-6.12 version
#   make clean      remove build/ (the downloaded .deb is kept)
#
# ARCH=arm64 selects another row of configs/arches.tsv for run, shell,
# kernel and ref.  FLAVOUR=perf builds without the debug options,
# FLAVOUR=race with KCSAN instead of KASAN and lockdep.

ARCH ?= x86_64
FLAVOUR ?= debug
B := $(CURDIR)/build
export B

.PHONY: all run shell check check-arches bench tree export kernel ref guest base repin clean help
all: help
help:
	@sed -n 's/^#   //p' Makefile

base:
	@scripts/deps git xz-utils python3 perl
	@scripts/make-base $(B)/linux

tree: base
	@scripts/tree

export:
	@scripts/export

kernel: tree
	@scripts/deps --arch $(ARCH) flex bison bc libelf-dev libssl-dev ccache cpio rsync
	@scripts/kbuild $(B)/linux $(ARCH) $(FLAVOUR)

ref:
	@scripts/deps --arch $(ARCH) flex bison bc libelf-dev libssl-dev ccache cpio rsync
	@scripts/unpack-base $(B)/ref
	@scripts/kbuild $(B)/ref $(ARCH) $(FLAVOUR)

guest: kernel
	@scripts/mkguest $(ARCH) $(B)/linux/out-$(ARCH)-$(FLAVOUR)

IMAGE = $(B)/linux/out-$(ARCH)-$(FLAVOUR)/$(shell scripts/arch-field $(ARCH) image)

run: guest
	@scripts/qemu-run $(ARCH) $(IMAGE) \
		$(B)/guest/$(ARCH)/initramfs.cpio.gz demo $(B)/logs/$(ARCH)-demo 600 && \
		cat $(B)/logs/$(ARCH)-demo/results.log && \
		grep -q '^RESULT: OK' $(B)/logs/$(ARCH)-demo/results.log

shell: guest
	@scripts/qemu-run $(ARCH) $(IMAGE) \
		$(B)/guest/$(ARCH)/initramfs.cpio.gz shell $(B)/logs/$(ARCH)-shell

check:
	@scripts/check

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

bench: BENCH_T0 := $(shell date +%s)
bench: tree
	@BENCH_T0=$(BENCH_T0) scripts/bench

repin:
	@test -n "$(PKG_VERSION)" || { echo "usage: make repin PKG_VERSION=<debian version>"; exit 2; }
	@scripts/fetch-base --repin "$(PKG_VERSION)"

clean:
	rm -rf $(filter-out $(B)/dl,$(wildcard $(B)/*))
