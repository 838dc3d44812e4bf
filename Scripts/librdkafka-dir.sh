#!/usr/bin/env bash
# Prints a directory that, put on LD_LIBRARY_PATH, makes the unchanged tools (and the test process, and
# kcat) run on another librdkafka, after saying on stderr which version it holds.
#
#   Scripts/librdkafka-dir.sh wheel DIR   DIR/librdkafka.so.1 -> the librdkafka that the installed
#                                         confluent-kafka wheel carries (confluent_kafka.libs/librdkafka-<hash>.so.1:
#                                         a current 2.x; make test-compat, make bench-compat)
#   Scripts/librdkafka-dir.sh check DIR   DIR must hold a librdkafka.so.1 (make test LIBRDKAFKA_DIR=DIR)
set -euo pipefail
mode=$1 dir=$2
version() {  # the version string of the library file $1, asked of the library itself
    python3 -c 'import ctypes, sys; f = ctypes.CDLL(sys.argv[1]).rd_kafka_version_str; f.restype = ctypes.c_char_p; print(f().decode())' "$1"
}
case "$mode" in
wheel)
    lib=$(python3 - <<'PY'
import glob, os, sys
try:
    import confluent_kafka
except ImportError:
    sys.exit("librdkafka-dir.sh: the confluent-kafka wheel is not installed (make deps installs it)")
libs = os.path.join(os.path.dirname(os.path.dirname(confluent_kafka.__file__)), "confluent_kafka.libs")
found = sorted(glob.glob(os.path.join(libs, "librdkafka-*.so.1")))
if not found:
    sys.exit(f"librdkafka-dir.sh: no librdkafka in {libs} (a confluent-kafka built from source links the system's)")
print(found[0])
PY
)
    mkdir -p "$dir"
    ln -sfn "$lib" "$dir/librdkafka.so.1"
    ;;
check)
    [ -e "$dir/librdkafka.so.1" ] || { echo "librdkafka-dir.sh: $dir has no librdkafka.so.1" >&2; exit 1; }
    ;;
*) echo "usage: $0 wheel|check DIR" >&2; exit 64 ;;
esac
echo "librdkafka $(version "$dir/librdkafka.so.1") from $(readlink -f "$dir/librdkafka.so.1")" >&2
cd "$dir" && pwd
