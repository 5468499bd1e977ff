#!/bin/sh
# Compiles the ABI headers for aarch64 (clang cross, syntax only: the
# _Static_asserts in plugin_api.h pin every layout) and as C++ (plugins in
# C++ include them too). Usage: check_abi_targets.sh PLUGIN_API_DIR
set -eu
dir=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '#include "plugin_api.h"\n#include "plugin_events.h"\n#include "plugin_caps.h"\n' > "$tmp/a.c"
mkdir "$tmp/shim"
# Freestanding: only the compiler's own headers, so no aarch64 libc is needed.
echo '#include <stdint.h>' > "$tmp/shim/inttypes.h"
echo '#include <stddef.h>
void *memcpy(void *, const void *, size_t); size_t strlen(const char *);' > "$tmp/shim/string.h"
res=$(clang -print-resource-dir)
clang --target=aarch64-linux-gnu -fsyntax-only -std=gnu11 -Wall -Wextra -Werror -nostdinc \
	-isystem "$res/include" -I"$tmp/shim" -I"$dir" "$tmp/a.c"
echo "aarch64: layouts pinned"
c++ -x c++ -std=c++17 -fsyntax-only -Wall -Wextra -Werror -I"$dir" "$tmp/a.c"
echo "c++: ok"
