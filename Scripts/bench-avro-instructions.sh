#!/usr/bin/env bash
# Instructions per record for the Avro codec (decode: binary to JSON; encode: JSON to binary; in the natural and
# the Avro JSON form) on issue 22's 12-field benchmark record, counted by callgrind, which is repeatable on a
# busy machine where wall-clock timings are not (Scripts/fuzz-avro.py --bench gives nanoseconds).
#   Scripts/bench-avro-instructions.sh [decode|encode ...]    (default: decode encode, both forms)
# Builds Tests/bench/AvroInstructions.swift with the library's JSON, Envelope and Avro sources (swiftc -O -wmo, as
# a release build) into .build-bench/avro-instructions; each case runs at two counts and the difference is divided out.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .build-bench
swiftc -O -wmo -parse-as-library -package-name kafka_filters \
    Tests/bench/AvroInstructions.swift Tests/bench/AvroBenchRecord.swift Sources/KafkaCore/JSON/*.swift Sources/KafkaCore/Envelope/*.swift Sources/KafkaCore/Diagnostics/ExitStatus.swift \
    Sources/KafkaCore/Avro/*.swift -o .build-bench/avro-instructions
count() {  # operation form n -> instructions collected
    valgrind --tool=callgrind --callgrind-out-file=/dev/null .build-bench/avro-instructions "$1" "$2" "$3" 2>&1 \
        | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
ops=("$@")
[ ${#ops[@]} -gt 0 ] || ops=(decode encode)
for op in "${ops[@]}"; do
    for form in natural avro; do
        low=$(count "$op" "$form" 1000)
        high=$(count "$op" "$form" 11000)
        echo "$op $form: $(( (high - low) / 10000 )) instructions per record"
    done
done
