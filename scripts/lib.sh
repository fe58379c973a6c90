# SPDX-License-Identifier: GPL-2.0
# Shared shell helpers for scripts/*: messages, pinned base, arch table.
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
B=${B:-$top/build}

# ccache: one cache for the user, shared by every clone and both bases (a
# fresh clone builds from it as fast as the clone it came from); without a
# home directory, one in build/.  CCACHE_DIR=<empty dir> measures a cold build.
CCACHE_DIR=${CCACHE_DIR:-${HOME:+${XDG_CACHE_HOME:-$HOME/.cache}/process-mrelease/ccache}}
CCACHE_DIR=${CCACHE_DIR:-$B/ccache}

say()  { printf '%s\n' "$*" >&2; }
die()  { printf '%s: error: %s\n' "${0##*/}" "$*" >&2; exit 1; }
step() { printf '==> %s\n' "$*" >&2; }

# base/bases.tsv: one row per base.  BASE selects the row (default: the
# first); T is that base's build folder (its trees, guests and logs), PD its
# series (patches/<base>).  use_base switches to another row.
base_rows() { awk -F'\t' '/^#/ || NF == 0 { next } !h { h = 1; next } { print $1 }' "$top/base/bases.tsv"; }
base_field() { # <column>: one cell of the current base's row ("-": empty)
	awk -F'\t' -v b="$BASE" -v c="$1" '
		/^#/ || NF == 0 { next }
		!hdr { for (i = 1; i <= NF; i++) col[$i] = i; hdr = 1; next }
		$1 == b { if (!(c in col)) exit 2; v = $col[c]; if (v == "-") v = ""; print v; found = 1 }
		END { if (!found) exit 1 }' "$top/base/bases.tsv"
}
use_base() { # <base>
	BASE=$1
	base_field base >/dev/null ||
		die "unknown base '$BASE'; base/bases.tsv has: $(base_rows | tr '\n' ' ')(BASE=<one of them>)"
	T=$B/$BASE PD=$top/patches/$BASE
	export BASE
}
use_base "${BASE:-$(base_rows | head -1)}"

# distro_rows [check]: the names of configs/distro.tsv's rows for the
# current base (with "check": only those make check builds)
distro_rows() {
	awk -F'\t' -v b="$BASE" -v only="${1:-}" '/^#/ || NF == 0 { next } !h { h = 1; next }
		$1 == b && (only == "" || $6 == "yes") { print $2 }' "$top/configs/distro.tsv"
}

# the base's pin (base/<base>.pin) in shell form
load_pin() {
	# a variable only one pin sets must not outlive a switch of base
	unset ARCHIVE SUITE POOL CONFIG_POOL REF_IMAGE_POOL SPARSE_SOURCE SPARSE_SHA256
	# shellcheck disable=SC1090
	. "$top/$(base_field pin)"
	DEB="${PACKAGE}_${PKG_VERSION}_all.deb"
	DEB="${DEB//:/%3a}"
}

# arch_field <arch> <column>: one cell of configs/arches.tsv, or the value
# configs/arches-base.tsv gives for it on $BASE
arch_field() {
	awk -F'\t' -v a="$1" -v c="$2" -v b="${BASE:-}" '
		/^#/ || NF == 0 { next }
		FILENAME ~ /arches-base/ { if ($1 == b && $2 == a && $3 == c) { over = $4; has = 1 }; next }
		!hdr { for (i = 1; i <= NF; i++) col[$i] = i; hdr = 1; next }
		$1 == a { if (!(c in col)) exit 2; v = has ? over : $col[c]; if (v == "-") v = ""; print v; found = 1 }
		END { if (!found) exit 1 }' "$top/configs/arches-base.tsv" "$top/configs/arches.tsv" ||
		die "arch '$1' (column $2) is not in configs/arches.tsv"
}

# apt_fetch <dir> <log> <package> <debarch|all> <version>: download one .deb
# into <dir> (as <package>_<version>_<debarch>.deb) with apt-get download.
# When the mirrors' index no longer lists that version (Debian's security
# archive lists only the newest linux-config-6.12, but its pool keeps the
# older files), fetch it by name from the pool directory that holds the
# version the index does list.  The caller checks the SHA-256 from base/<base>.pin.
apt_fetch() {
	local dir=$1 log=$2 pkg=$3 arch=$4 v=$5 spec uri file
	file=${pkg}_${v//:/%3a}_$arch.deb
	spec=$pkg:$arch
	[ "$arch" = all ] && spec=$pkg
	( cd "$dir" && apt-get download "$spec=$v" ) >"$log" 2>&1 && return 0
	if [ "$(id -u)" = 0 ]; then
		apt-get update -qq >/dev/null 2>&1 || true
		( cd "$dir" && apt-get download "$spec=$v" ) >"$log" 2>&1 && return 0
	fi
	uri=$(cd "$dir" && apt-get download --print-uris "$spec" 2>>"$log" | sed -n "1s/^'\([^']*\)'.*/\1/p")
	[ -n "$uri" ] || return 1
	uri=${uri%/*}/$file
	echo "not in the index; trying the pool: $uri" >>"$log"
	rm -f "$dir/$file.part"
	/usr/lib/apt/apt-helper download-file "$uri" "$dir/$file.part" >>"$log" 2>&1 || { rm -f "$dir/$file.part"; return 1; }
	mv "$dir/$file.part" "$dir/$file"
}

# pool_fetch <dir> <log> <package> <debarch|all> <version> <pool dir>: download
# one .deb by its path in the pool of the pin's ARCHIVE (for packages of a
# suite that the machine's apt sources do not index).  When the pool does
# not serve it, list the versions that the pin's SUITE index offers.
pool_fetch() {
	local dir=$1 log=$2 pkg=$3 arch=$4 v=$5 pool=$6 file uri idx offers
	file=${pkg}_${v//:/%3a}_$arch.deb
	uri=$ARCHIVE/$pool/$file
	rm -f "$dir/$file.part"
	echo "fetching $uri" >"$log"
	if /usr/lib/apt/apt-helper download-file "$uri" "$dir/$file.part" >>"$log" 2>&1; then
		mv "$dir/$file.part" "$dir/$file"
		return 0
	fi
	rm -f "$dir/$file.part"
	idx=$ARCHIVE/dists/$SUITE/main/binary-${arch/all/amd64}/Packages.xz
	offers=$(/usr/lib/apt/apt-helper download-file "$idx" "$dir/Packages.$$.xz" >/dev/null 2>&1 &&
		xz -dc "$dir/Packages.$$.xz" | awk -v RS= -v p="$pkg" '
			{ n = v = "" }
			match($0, /(^|\n)Package: [^\n]*/) { n = substr($0, RSTART, RLENGTH); sub(/.*Package: /, "", n) }
			match($0, /\nVersion: [^\n]*/) { v = substr($0, RSTART + 10, RLENGTH - 10) }
			n == p { print "    " v }')
	rm -f "$dir/Packages.$$.xz"
	die "the archive does not serve $file (step: fetch $pkg; log: $log)
  wanted: $uri
  $SUITE's index ($idx) offers $pkg in:
${offers:-    (no version: the package is gone from $SUITE)}
  Move the pin ($(base_field pin)) to one of them by hand: version, SHA-256, and the image name."
}
