#!/usr/bin/env bash
# `cmake --install` into a temporary prefix, then use what was installed as
# a program outside the source tree would: a small C program (install/main.c)
# built through pkg-config (shared and static) and through the CMake
# package, run so that the data must come from the prefix (lr_data_dir():
# next to the library, next to the program, or $LLMROOF_DATA), never from
# the source tree the build remembers.
#   usage: install.sh BUILD_DIR VERSION CC SANITIZE(1/0)
set -u
build=$1 version=$2 cc=$3 sanitize=$4
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
P=$tmp/prefix
bad=0
fail() { echo "install: $*"; bad=1; }
# built with the library's sanitizers, so that the ASan runtime comes first
san=()
[ "$sanitize" = 1 ] && san=(-fsanitize=address,undefined)
unset LLMROOF_DATA

cmake --install "$build" --prefix "$P" >"$tmp/install.log" 2>&1 || { cat "$tmp/install.log"; echo "install: cmake --install failed"; exit 1; }
P=$(realpath "$P")

# ---- the layout ----
for f in bin/llmroof lib/libllmroof.a lib/libllmroof.so lib/libllmroof.so.0 "lib/libllmroof.so.$version" \
         include/llmroof.h share/llmroof/gguf-keys.json share/llmroof/profiles/default/profile.json \
         share/llmroof/profiles/llm-viewer/profile.json share/llmroof/models/meta-llama--Llama-2-7b-hf.json \
         share/llmroof/hardware lib/pkgconfig/llmroof.pc lib/cmake/llmroof/llmroofConfig.cmake \
         lib/cmake/llmroof/llmroofConfigVersion.cmake share/man/man1/llmroof.1; do
  [ -e "$P/$f" ] || fail "missing $f"
done
[ "$(readlink "$P/lib/libllmroof.so.0")" = "libllmroof.so.$version" ] || fail "libllmroof.so.0 does not point to libllmroof.so.$version"
objdump -p "$P/lib/libllmroof.so.$version" | grep -q 'SONAME *libllmroof\.so\.0$' || fail "SONAME is not libllmroof.so.0"
# shell completion (cli/cmd_completion.c), loadable by the shell
bc=$P/share/bash-completion/completions/llmroof zc=$P/share/zsh/site-functions/_llmroof
for f in "$bc" "$zc"; do [ -s "$f" ] || fail "missing or empty ${f#$P/}"; done
[ "$(bash -c "source '$bc' && complete -p llmroof" 2>&1)" = "complete -o filenames -F _llmroof llmroof" ] ||
  fail "sourcing ${bc#$P/} does not register the completion of llmroof"
# what it completes: the choices of a setting, from the settings table
out=$(bash -c "source '$bc'; COMP_WORDS=(llmroof analyze --attention ''); COMP_CWORD=3; _llmroof; echo \"\${COMPREPLY[*]}\"")
[ "$out" = "eager flash" ] || fail "bash completion of --attention gave '$out', expected 'eager flash'"
head -1 "$zc" | grep -qx '#compdef llmroof' || fail "${zc#$P/} does not start with #compdef llmroof"
if command -v zsh >/dev/null; then zsh -n "$zc" || fail "${zc#$P/}: zsh syntax error"; fi
# every data file installed, byte for byte
diff -r "$here/../data" "$P/share/llmroof" >/dev/null || fail "share/llmroof differs from data/"

# ---- the command ----
out=$("$P/bin/llmroof" --version) || fail "llmroof --version failed"
[ "$out" = "llmroof $version" ] || fail "llmroof --version printed '$out', expected 'llmroof $version'"
# the installed command finds the installed data (next to itself)
"$P/bin/llmroof" --help | grep -qF "$P/share/llmroof" || fail "llmroof --help does not name $P/share/llmroof"
"$P/bin/llmroof" models | grep -q 'Llama-2-7b-hf' || fail "installed llmroof models: no Llama-2-7b-hf"
grep -q "^\.TH LLMROOF 1 .*\"llmroof $version\"" "$P/share/man/man1/llmroof.1" || fail "the man page does not say version $version"
if command -v groff >/dev/null; then
  warn=$(groff -man -Tutf8 -ww -z "$P/share/man/man1/llmroof.1" 2>&1)
  [ -z "$warn" ] || fail "groff warns on the man page: $warn"
fi
if command -v man >/dev/null; then
  page=$(MANWIDTH=80 man -l "$P/share/man/man1/llmroof.1" 2>/dev/null | col -b)
  for s in NAME SYNOPSIS DESCRIPTION COMMANDS OPTIONS FILES ENVIRONMENT 'EXIT STATUS' EXAMPLES 'SEE ALSO' \
           LLMROOF_DATA serve-plan --seq-len; do
    grep -qF -- "$s" <<<"$page" || fail "man page: no '$s'"
  done
fi

# ---- pkg-config, shared: the data found next to the library ----
export PKG_CONFIG_PATH=$P/lib/pkgconfig
mkdir -p "$tmp/work" && cp "$here/install/main.c" "$tmp/work/"
cd "$tmp/work" || exit 1
# shellcheck disable=SC2046
"$cc" "${san[@]}" -o main main.c $(pkg-config --cflags --libs llmroof) || fail "build with pkg-config failed"
ldd ./main | grep -q "libllmroof.so.0 => not found" || fail "main found libllmroof without LD_LIBRARY_PATH"
LD_LIBRARY_PATH=$P/lib ldd ./main | grep -qF "$P/lib/libllmroof.so.0" || fail "main does not load $P/lib/libllmroof.so.0"
LD_LIBRARY_PATH=$P/lib ./main "$P/share/llmroof" "$version" || fail "shared: the program failed"
# $LLMROOF_DATA comes first
cp -r "$P/share/llmroof" "$tmp/elsewhere"
LLMROOF_DATA=$tmp/elsewhere LD_LIBRARY_PATH=$P/lib ./main "$tmp/elsewhere" "$version" || fail "LLMROOF_DATA not used"

# ---- pkg-config --static: the library and its private dependencies; the
# program placed in PREFIX/bin finds the data next to itself ----
static_libs=$(pkg-config --static --libs llmroof)
for w in -lllmroof -ljansson -lcurl -lm -pthread; do
  [[ " $static_libs " == *" $w "* ]] || fail "pkg-config --static --libs llmroof lacks $w"
done
# Debian's libcurl.pc lists its own static dependencies (nghttp2, ssh2, ...),
# whose -dev packages may be absent: then those stay shared (libcurl.so
# brings them), and only llmroof's own list is checked by the link.
# shellcheck disable=SC2046
if ! echo 'int main(void) { return 0; }' | "$cc" -x c - -o "$tmp/probe" $(pkg-config --static --libs libcurl) 2>/dev/null; then
  echo "install: libcurl's static dependencies are not installed here: linking them shared"
  drop=" $(pkg-config --static --libs libcurl) " keep=" $(pkg-config --libs libcurl) " new=""
  for w in $static_libs; do
    [[ "$drop" == *" $w "* && "$keep" != *" $w "* ]] || new+=" $w"
  done
  static_libs=$new
fi
# shellcheck disable=SC2046,SC2086
"$cc" "${san[@]}" -o "$P/bin/install_main_static" main.c $(pkg-config --cflags llmroof) \
  ${static_libs/-lllmroof/-Wl,-Bstatic -lllmroof -Wl,-Bdynamic} || fail "static build with pkg-config --static failed"
if [ -x "$P/bin/install_main_static" ]; then
  ldd "$P/bin/install_main_static" | grep -q libllmroof && fail "the static program loads libllmroof.so"
  "$P/bin/install_main_static" "$P/share/llmroof" "$version" || fail "static: the program failed"
fi

# ---- the CMake package: llmroof::llmroof and llmroof::llmroof_static ----
if cmake -S "$here/install" -B "$tmp/cm" -DCMAKE_PREFIX_PATH="$P" -DLR_WANT_VERSION="$version" \
     -DCMAKE_C_COMPILER="$cc" -DCMAKE_C_FLAGS="${san[*]}" >"$tmp/cm.log" 2>&1 &&
   cmake --build "$tmp/cm" >>"$tmp/cm.log" 2>&1; then
  # linked with an rpath to PREFIX/lib: the data is found next to the library
  "$tmp/cm/install_main" "$P/share/llmroof" "$version" || fail "CMake package, shared: the program failed"
  readelf -d "$tmp/cm/install_main_static" | grep -q libllmroof && fail "llmroof::llmroof_static links the shared library"
  LLMROOF_DATA=$P/share/llmroof "$tmp/cm/install_main_static" "$P/share/llmroof" "$version" ||
    fail "CMake package, static: the program failed"
else
  cat "$tmp/cm.log"
  fail "the CMake package project did not build"
fi
# a version the package must refuse (0.x: a new minor version may change the API)
major=${version%%.*} rest=${version#*.} minor=${rest%%.*}
cmake -S "$here/install" -B "$tmp/cm2" -DCMAKE_PREFIX_PATH="$P" -DLR_WANT_VERSION="$major.$((minor + 1))" \
  >"$tmp/cm2.log" 2>&1 && fail "find_package(llmroof $major.$((minor + 1))) accepted version $version"

[ $bad = 0 ] && echo "install: ok"
exit $bad
