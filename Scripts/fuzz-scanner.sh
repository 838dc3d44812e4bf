#!/bin/sh
# Differential fuzzing of JSONScanner against Foundation's JSONSerialization, in a release build.
# Usage: Scripts/fuzz-scanner.sh [cases] [seed]   (default 1,000,000 cases, fixed seed;
#        also honours SCANNER_FUZZ_CASES and SCANNER_FUZZ_SEED)
# Deterministic: the same count and seed reproduce the same inputs; failures print the input's hex.
set -eu
cd "$(dirname "$0")/.."
cases="${1:-${SCANNER_FUZZ_CASES:-1000000}}"
seed="${2:-${SCANNER_FUZZ_SEED:-}}"
if [ -n "$seed" ]; then export SCANNER_FUZZ_SEED="$seed"; fi
SCANNER_FUZZ_CASES="$cases" exec swift test -c release --scratch-path .build-json --filter JSONDifferential
