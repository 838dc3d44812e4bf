#!/usr/bin/env bash
# Coverage-guided fuzzing of the JSON scanner and envelope codec with libFuzzer and AddressSanitizer.
#   Scripts/fuzz-libfuzzer.sh [seconds]      (default 60)
# Builds Tests/fuzz/JSONFuzzTarget.swift and the agreement checks it asserts on every input
# (Tests/KafkaFiltersTests/JSONAgreement.swift) with the core's JSON and Envelope sources (Sources/KafkaCore) into
# .build-fuzz/fuzz-json, then runs it; a crash leaves its input in .build-fuzz/ and exits non-zero.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
mkdir -p .build-fuzz/corpus
swiftc -sanitize=fuzzer,address -parse-as-library -O -package-name kafka_filters \
    Tests/fuzz/JSONFuzzTarget.swift Tests/KafkaFiltersTests/JSONAgreement.swift Sources/KafkaCore/JSON/*.swift Sources/KafkaCore/Envelope/*.swift \
    -o .build-fuzz/fuzz-json 2> >(grep -v "Cannot export local symbol" >&2)
cd .build-fuzz
# libFuzzer reports a crash itself; Swift's backtracer would hang holding the pipe to tail (seen: 10 minutes).
SWIFT_BACKTRACE=enable=no ./fuzz-json -max_total_time="$seconds" -max_len=4096 -print_final_stats=1 corpus 2>&1 | tail -n 12
