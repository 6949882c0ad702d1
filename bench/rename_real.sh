#!/bin/sh
# refactor rename against spatch on a real FreeBSD tree (run by hand; the tree is
# never part of the project).
#   bench/rename_real.sh SRC [DIR OLD NEW]
# SRC is a FreeBSD source tree (e.g. /work/trees/fbsd12); DIR defaults to
# usr.sbin/bhyve, OLD/NEW to pci_emul_alloc_bar/pci_emul_alloc_bar_new.  Each
# tool runs three times on fresh copies; wall and user times, sites changed and
# left, and whether the two results are byte-identical are printed.
set -eu
SRC=$1
DIR=${2:-usr.sbin/bhyve}
OLD=${3:-pci_emul_alloc_bar}
NEW=${4:-pci_emul_alloc_bar_new}
HERE=$(cd "$(dirname "$0")/.." && pwd)
PY=${PYTHON:-$HERE/.venv/bin/python}
command -v spatch >/dev/null || { echo "spatch missing: apt-get install coccinelle" >&2; exit 2; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/rename-real.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
cat >"$WORK/rename.cocci" <<COCCI
@ call @
@@
- $OLD
+ $NEW
  (...)

@ def @
type T;
@@
  T
- $OLD
+ $NEW
  (...) {...}

@ proto @
type T;
@@
  T
- $OLD
+ $NEW
  (...);
COCCI
# A git checkout of DIR for `refactor rename`, which commits on a branch.
mkdir -p "$WORK/repo/$(dirname "$DIR")"
cp -r "$SRC/$DIR" "$WORK/repo/$DIR"
git -C "$WORK/repo" init -q -b main
git -C "$WORK/repo" add -A
git -C "$WORK/repo" -c user.name=bench -c user.email=bench@localhost commit -qm import
for i in 1 2 3; do
	rm -rf "$WORK/sp" && cp -r "$SRC/$DIR" "$WORK/sp"
	/usr/bin/time -f "spatch-j1 %e s wall %U s user" spatch --sp-file "$WORK/rename.cocci" \
	    --dir "$WORK/sp" --in-place --include-headers --no-includes --very-quiet -j 1 >/dev/null
	git -C "$WORK/repo" branch -q -D "refactor/rename-$OLD" 2>/dev/null || true
	rm -rf "$WORK/out"
	/usr/bin/time -f "refactor-rename %e s wall %U s user" "$PY" -m refactor rename "$OLD" "$NEW" \
	    --tree "$WORK/repo" --path "$DIR" --build none --out "$WORK/out" >/dev/null
	rm -rf "$WORK/ours" && cp -r "$SRC/$DIR" "$WORK/ours"
	(cd "$HERE" && /usr/bin/time -f "bench.rename_run %e s wall %U s user" \
	    "$PY" -m bench.rename_run "$WORK/ours" "$OLD" "$NEW" >/dev/null)
done
echo "spatch: $(grep -rwo "$NEW" "$WORK/sp" | wc -l) sites, $(grep -rwo "$OLD" "$WORK/sp" | wc -l) left"
echo "ours:   $(grep -rwo "$NEW" "$WORK/ours" | wc -l) sites, $(grep -rwo "$OLD" "$WORK/ours" | wc -l) left"
if diff -r "$WORK/sp" "$WORK/ours" >/dev/null; then echo "same bytes"; else echo "DIFFERENT results"; fi
