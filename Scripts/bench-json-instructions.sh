#!/usr/bin/env bash
# Instructions per 200-byte line for the JSON hot paths (validate: kput's check of every line; scan: kput -k's
# key lookup; append/decode: the envelope writer and reader), counted by callgrind, which is repeatable on a
# busy machine where wall-clock timings are not.
#   Scripts/bench-json-instructions.sh [operation...]    (default: validate scan append decode)
# Builds Tests/bench/JSONInstructions.swift with the library's JSON and Envelope sources (swiftc -O -wmo, as a release build) into
# .build-bench/json-instructions; each operation runs at two counts and the difference is divided out.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .build-bench
swiftc -O -wmo -parse-as-library -package-name kafka_filters \
    Tests/bench/JSONInstructions.swift Sources/KafkaCore/JSON/*.swift Sources/KafkaCore/Envelope/*.swift \
    -o .build-bench/json-instructions
count() {  # operation n -> instructions collected
    valgrind --tool=callgrind --callgrind-out-file=/dev/null .build-bench/json-instructions "$1" "$2" 2>&1 \
        | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
ops=("$@")
[ ${#ops[@]} -gt 0 ] || ops=(validate scan append decode)
for op in "${ops[@]}"; do
    low=$(count "$op" 1000)
    high=$(count "$op" 11000)
    echo "$op: $(( (high - low) / 10000 )) instructions per line"
done
