#!/usr/bin/env bash
# Forward-unwrapping throughput: `trellin parse --text` against npm email-forward-parser, both
# as whole processes over the same 10,300 bodies (the 206 corpus cases x 50), in one run.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
corpus=${TRELLIN_SHARED_DIR:-$root/../shared}/corpus/email-forward-parser
repeat=${REPEAT:-50}
runs=${RUNS:-5}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

(cd "$root" && cargo build --release --bin trellin -q)
if [ ! -e "$here/node_modules/re2/build/Release/re2.node" ]; then
  (cd "$here" && npm install --no-audit --no-fund --silent && npm rebuild re2 --silent)
fi
python3 "$here/make_input.py" "$corpus" "$repeat" > "$work/input.jsonl"
bodies=$(wc -l < "$work/input.jsonl")
echo "input: $bodies bodies ($(du -h "$work/input.jsonl" | cut -f1))"

best() { # best wall time in seconds of $runs runs of a command reading the input
  local best=""
  for _ in $(seq "$runs"); do
    local start end t
    start=$(date +%s.%N)
    "$@" < "$work/input.jsonl" > "$work/out.jsonl"
    end=$(date +%s.%N)
    t=$(echo "$end - $start" | bc -l)
    if [ -z "$best" ] || (( $(echo "$t < $best" | bc -l) )); then best=$t; fi
  done
  echo "$best"
}
rust=$(best "$root/target/release/trellin" parse --text)
node=$(best node "$here/peer.mjs")
printf 'trellin parse --text      : %6.3f s  %8.0f bodies/s\n' "$rust" "$(echo "$bodies / $rust" | bc -l)"
printf 'node email-forward-parser : %6.3f s  %8.0f bodies/s\n' "$node" "$(echo "$bodies / $node" | bc -l)"
printf 'speed-up                  : %6.1fx\n' "$(echo "$node / $rust" | bc -l)"
