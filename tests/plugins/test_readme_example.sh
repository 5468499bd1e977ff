#!/bin/sh
# Compiles the example plugin of plugin_api/README.md ("Writing a plugin") as
# a plugin author would, against plugin_api/ alone, then loads it through
# core/plugin and extracts hello.text from a plugin event.
# usage: test_readme_example.sh SOURCE_ROOT JSON_EXTRACT_TOOL
set -eu
root=$1 tool=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
awk '/^```c$/ {on=1; next} /^```$/ {on=0} on' "$root/plugin_api/README.md" > "$tmp/hello.c"
test -s "$tmp/hello.c"
cc -std=c11 -Wall -Wextra -Werror -shared -fPIC -I"$root/plugin_api" -o "$tmp/libhello.so" "$tmp/hello.c"
printf 'hi there' > "$tmp/payload"
out=$("$tool" "$tmp/libhello.so" "$tmp/payload" hello.text)
if [ "$out" != '["hi there"]' ]; then
	echo "unexpected extraction result: $out" >&2
	exit 1
fi
echo "README example: compiled, loaded, hello.text = hi there"
