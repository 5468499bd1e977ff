#!/bin/sh
# The rules example of README.md ("Writing rules") must validate with no
# error and no warning, so the documentation stays true.
# usage: test_readme_rules.sh SOURCE_ROOT FALCO
set -eu
root=$1 falco=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
awk '/^```yaml$/ {on=1; next} /^```$/ {on=0} on' "$root/README.md" > "$tmp/example.yaml"
grep -q '^- rule:' "$tmp/example.yaml"
out=$("$falco" -c "$root/falco.yaml" -V "$tmp/example.yaml")
echo "$out"
[ "$out" = "$tmp/example.yaml: Ok" ]
