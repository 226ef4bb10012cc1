#!/usr/bin/env bash
# Instructions per request of bench:abuse's gateways, counted by valgrind's callgrind: on a shared
# machine, requests per second move with other people's load; user-space instruction counts barely
# do. System calls (the kernel's share of a request) are not counted.
#
#   BENCH_CPU_PROF=1 BENCH_SECONDS=2 npm run bench:abuse     # keeps its directory: configs, document, post.lua
#   bench/callgrind-abuse.sh /tmp/palisade-abuse-XXXX a b     # rows whose <row>.yaml is in that directory
#
# Per row: a fresh static upstream and gateway (under valgrind, not instrumented) on the ports the
# config names, WARMUP seconds of wrk (JIT compilation done), then instrumentation on for MEASURE
# seconds of wrk, off, and the instructions divided by the requests wrk completed: those of the main
# thread (JavaScript, the garbage collector's main-thread part, parsing; V8's background compiler
# and GC threads left out, as compilation goes on for long under valgrind) and of all threads.
# Environment: CG_WARMUP (s, default 60), CG_MEASURE (s, default 40), CG_CONNECTIONS (default 16).
set -euo pipefail

dir=${1:?usage: bench/callgrind-abuse.sh <bench:abuse directory> <row>...}
shift
root=$(cd "$(dirname "$0")/.." && pwd)
warmup=${CG_WARMUP:-60}
measure=${CG_MEASURE:-40}
conns=${CG_CONNECTIONS:-16}
command -v valgrind >/dev/null || { echo "valgrind is not installed (apt-get install -y valgrind)" >&2; exit 1; }
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install -y wrk)" >&2; exit 1; }

wait_port() {
  for _ in $(seq 1 600); do
    (echo >"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.2
  done
  echo "nothing listens on port $1" >&2
  return 1
}

for row in "$@"; do
  config="$dir/$row.yaml"
  [ -f "$config" ] || { echo "$config: no such row config" >&2; exit 1; }
  gw_port=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).gateway.listen.port)' "$config")
  up_port=$(node -e 'console.log(new URL(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).apis[0].upstream).port)' "$config")
  script=()
  case "$row" in d | e) script=(-s "$dir/post.lua") ;; esac
  out="$dir/callgrind.$row.out"

  PORT=$up_port node "$root/bench/dist/static-upstream.js" &
  upstream=$!
  rm -f "$out"-*
  valgrind --tool=callgrind --instr-atstart=no --separate-threads=yes --callgrind-out-file="$out" \
    node "$root/packages/palisade/dist/cli/main.js" gateway -c "$config" >"$dir/callgrind.$row.log" 2>&1 &
  gateway=$!
  wait_port "$up_port"
  wait_port "$gw_port"
  warm=$(wrk -t1 -c"$conns" -d"${warmup}s" "${script[@]}" "http://127.0.0.1:$gw_port/orders" | awk '/requests in/ { print $1 }')
  callgrind_control -i on "$gateway" >/dev/null 2>&1
  result=$(wrk -t1 -c"$conns" -d"${measure}s" "${script[@]}" "http://127.0.0.1:$gw_port/orders")
  callgrind_control -i off "$gateway" >/dev/null 2>&1
  kill "$gateway" "$upstream"
  wait "$gateway" "$upstream" 2>/dev/null || true
  prefix=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).store.redis?.keyPrefix ?? "")' "$config")
  if [ -n "$prefix" ] && command -v redis-cli >/dev/null; then
    # The counters this row wrote; the config's URL is the default local Redis in bench:abuse.
    redis-cli --scan --pattern "${prefix}*" | xargs -r redis-cli del >/dev/null
  fi
  requests=$(echo "$result" | awk '/requests in/ { print $1 }')
  non2xx=$(echo "$result" | awk '/Non-2xx/ { print $NF }')
  # A thread that ran nothing while instrumented has "." for its total.
  total() { callgrind_annotate "$1" 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print ($1 ~ /^[0-9]+$/ ? $1 : 0) }'; }
  main=$(total "$out-01")
  all=0
  for f in "$out"-*; do all=$((all + $(total "$f"))); done
  echo "$row: $warm warm-up requests, $requests measured, ${non2xx:-0} non-2xx; instructions per request: main thread $((main / requests)), all threads $((all / requests))"
done
