#!/bin/sh
# Runs the filter fuzzer for a bounded time on a corpus seeded with filters.
# usage: run-fuzz-filter.sh FUZZER SEEDS_DIR CORPUS_DIR SECONDS
set -eu
fuzzer=$1 seeds=$2 corpus=$3 secs=$4
mkdir -p "$corpus"
cp -n "$seeds"/* "$corpus"/ 2>/dev/null || true
exec "$fuzzer" -max_total_time="$secs" -timeout=10 -rss_limit_mb=1024 -max_len=4096 \
	-print_final_stats=1 "$corpus"
