#!/bin/sh
# Runs a libFuzzer target for a bounded time on a corpus seeded with the
# shared captures and the committed seeds/ (old block versions; plugin and
# async events, well-formed and not, written by tests/integration/plugcap.py).
# usage: run-fuzz.sh FUZZER SHARED_DIR CORPUS_DIR SECONDS
set -eu
here=$(dirname "$0")
fuzzer=$1 shared=$2 corpus=$3 secs=$4
python3 "$here/make-seeds.py" "$shared" "$corpus"
cp -n "$here"/seeds/* "$corpus"/ 2>/dev/null || true
exec "$fuzzer" -max_total_time="$secs" -timeout=10 -rss_limit_mb=1024 -print_final_stats=1 \
	"$corpus"
