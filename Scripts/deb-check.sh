#!/usr/bin/env bash
# CI (.ci/run, after the suites): build the Debian package (make deb), install it, run the installed
# tools, remove it. Needs root (dpkg -i, apt-get). Fast: one build (already made by the suites' steps
# when the release binaries are there), one install, a produce and a consume of three lines.
#
# The installed tools are always called by their full path (/usr/bin/kput) and the package is removed
# on every exit, so /usr/bin never shadows the binaries the tests run (.build/debug, KF_BIN).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"
SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
say() { echo "deb-check: $*" >&2; }

make --no-print-directory deb
deb=$(ls -t .build/deb/kafka-filters_*_"$(dpkg --print-architecture)".deb | head -1)
version=$(dpkg-deb -f "$deb" Version)
say "$deb (Depends: $(dpkg-deb -f "$deb" Depends))"

if ! command -v man >/dev/null 2>&1; then
    $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq man-db >/dev/null
fi

mock=""
cleanup() {
    [ -n "$mock" ] && kill "$mock" 2>/dev/null && wait "$mock" 2>/dev/null
    $SUDO dpkg -r kafka-filters >/dev/null 2>&1 || true
    rm -rf "${work:-}"
}
trap cleanup EXIT
# apt-get resolves the Depends (librdkafka1 and the C++ runtime) as a user's install would.
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "./$deb" >/dev/null
[ "$(dpkg-query -W -f '${Status}' kafka-filters)" = "install ok installed" ] || { say "not installed"; exit 1; }

fail() { say "FAILED: $*"; exit 1; }
for t in kput kpull kstream kmock kmeta; do
    [ -x "/usr/bin/$t" ] || fail "/usr/bin/$t missing"
    # The Swift runtime is linked in: nothing from the toolchain is loaded.
    ! ldd "/usr/bin/$t" | grep -q -e libswift -e /opt/swift || fail "/usr/bin/$t loads a Swift runtime library"
    got=$(env -i PATH=/usr/bin:/bin "/usr/bin/$t" --version)
    case "$got" in "$version (librdkafka "*) ;; *) fail "$t --version says \"$got\", the package is $version" ;; esac
    man -w "$t" >/dev/null || fail "man -w $t"
    [ -f "/usr/share/bash-completion/completions/$t" ] && [ -f "/usr/share/zsh/vendor-completions/_$t" ] \
        && [ -f "/usr/share/fish/vendor_completions.d/$t.fish" ] || fail "$t: a completion is missing"
done
[ -f /usr/share/doc/kafka-filters/README.md ] && [ -x /usr/share/doc/kafka-filters/examples/demo.sh ] || fail "docs"
say "/usr/bin/kput --version: $(/usr/bin/kput --version); man -w kput: $(man -w kput)"

# A produce and a consume with the installed binaries, on the installed kmock, with a clean PATH.
work=$(mktemp -d)
env -i PATH=/usr/bin:/bin /usr/bin/kmock --topic deb:2 --env-file "$work/env" > /dev/null < /dev/null &
mock=$!
for _ in $(seq 100); do [ -s "$work/env" ] && break; sleep 0.1; done
. "$work/env"
printf '%s\n' '{"n":1}' '{"n":2}' '{"n":3}' | env -i PATH=/usr/bin:/bin /usr/bin/kput -b "$KAFKA_BROKERS" -t deb \
    || fail "kput exited $?"
got=$(env -i PATH=/usr/bin:/bin /usr/bin/kpull -b "$KAFKA_BROKERS" -t deb --no-group -o beginning -e --format value \
    -X fetch.wait.max.ms=10 | sort | paste -sd' ')
[ "$got" = '{"n":1} {"n":2} {"n":3}' ] || fail "kpull read \"$got\""
[ "$(env -i PATH=/usr/bin:/bin /usr/bin/kmeta -b "$KAFKA_BROKERS" partitions -t deb | wc -l)" = 2 ] || fail "kmeta"
say "produce and consume on kmock with the installed tools: ok"

cleanup
trap - EXIT
[ "$(dpkg-query -W -f '${Status}' kafka-filters 2>/dev/null || true)" != "install ok installed" ] || fail "still installed after dpkg -r"
[ ! -e /usr/bin/kput ] || fail "/usr/bin/kput left behind"
say "removed; ok"
