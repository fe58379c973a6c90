# SPDX-License-Identifier: GPL-2.0
# Shared shell helpers for scripts/*: messages, pinned base, arch table.
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
B=${B:-$top/build}

say()  { printf '%s\n' "$*" >&2; }
die()  { printf '%s: error: %s\n' "${0##*/}" "$*" >&2; exit 1; }
step() { printf '==> %s\n' "$*" >&2; }

# base/pin in shell form
load_pin() {
	# shellcheck disable=SC1091
	. "$top/base/pin"
	DEB="${PACKAGE}_${PKG_VERSION}_all.deb"
	DEB="${DEB//:/%3a}"
}

# arch_field <arch> <column>: one cell of configs/arches.tsv
arch_field() {
	awk -F'\t' -v a="$1" -v c="$2" '
		/^#/ || NF == 0 { next }
		!hdr { for (i = 1; i <= NF; i++) col[$i] = i; hdr = 1; next }
		$1 == a { if (!(c in col)) exit 2; v = $col[c]; if (v == "-") v = ""; print v; found = 1 }
		END { if (!found) exit 1 }' "$top/configs/arches.tsv" ||
		die "arch '$1' (column $2) is not in configs/arches.tsv"
}

# apt_fetch <dir> <log> <package> <debarch|all> <version>: download one .deb
# into <dir> (as <package>_<version>_<debarch>.deb) with apt-get download.
# When the mirrors' index no longer lists that version (Debian's security
# archive lists only the newest linux-config-6.12, but its pool keeps the
# older files), fetch it by name from the pool directory that holds the
# version the index does list.  The caller checks the SHA-256 from base/pin.
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
