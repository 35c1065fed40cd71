#!/usr/bin/env bash
# The library's folders are pipeline stages, upstream first:
#   base -> formula -> registry -> input -> eval -> output
# A file of one folder may include the public header, its own folder's door
# (X/X.h) and the doors of folders upstream of it, nothing else of ours;
# and (with the object directory given) the library symbols its objects use
# must be defined in its own folder or upstream: no folder reaches back down
# the pipeline, not even through the public API.
#   usage: layering.sh SRC_DIR [OBJ_DIR]
set -u
src=$1
obj=${2:-}
order=(base formula registry input eval output)
rank() { local i; for i in "${!order[@]}"; do [ "${order[$i]}" = "$1" ] && { echo "$i"; return; }; done; echo -1; }
bad=0
for dir in "$src"/*/; do
  d=$(basename "$dir")
  r=$(rank "$d")
  if [ "$r" -lt 0 ]; then echo "src/$d: a folder that is not a pipeline stage"; bad=1; continue; fi
  [ -f "$dir/$d.h" ] || { echo "src/$d: no door header $d/$d.h"; bad=1; }
  for f in "$dir"*.c "$dir"*.h; do
    [ -e "$f" ] || continue
    while IFS= read -r inc; do
      case "$inc" in
        llmroof.h) ;;
        */*.h)
          t=${inc%%/*}
          if [ "$inc" != "$t/$t.h" ]; then echo "$f: includes $inc, not a folder's door"; bad=1;
          elif [ "$(rank "$t")" -lt 0 ] || [ "$(rank "$t")" -gt "$r" ]; then
            echo "$f: includes $inc, downstream of src/$d"; bad=1; fi ;;
        *) echo "$f: includes \"$inc\": use the folder's door"; bad=1 ;;
      esac
    done < <(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f")
  done
done
if [ -n "$obj" ]; then
  # where each lr_ symbol is defined: folder rank
  declare -A def
  for o in "$obj"/src/*/*.o; do
    d=$(basename "$(dirname "$o")")
    for s in $(nm --defined-only "$o" | awk '$2 ~ /[TDBR]/ {print $3}'); do def[$s]=$d; done
  done
  [ "${#def[@]}" -gt 100 ] || { echo "layering: no symbols found under $obj"; exit 1; }
  for o in "$obj"/src/*/*.o; do
    d=$(basename "$(dirname "$o")")
    r=$(rank "$d")
    for s in $(nm --undefined-only "$o" | awk '{print $2}'); do
      t=${def[$s]:-}
      [ -n "$t" ] || continue
      if [ "$(rank "$t")" -gt "$r" ]; then
        echo "$o: uses $s of src/$t, downstream of src/$d"; bad=1
      fi
    done
  done
fi
[ $bad = 0 ] && echo "layering: ok"
exit $bad
