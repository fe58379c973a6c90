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
