#!/usr/bin/env bash
# Builds kafka-filters_<version>_<arch>.deb from the release binaries (make deb builds them first).
#
#   Scripts/deb.sh [OUTDIR]      OUTDIR defaults to .build/deb; prints the path of the .deb
#
# Contents: /usr/bin/{kput,kpull,kstream,kmock,kmeta} (release, --static-swift-stdlib: no Swift runtime
# needed), /usr/share/man/man1/<tool>.1.gz, bash, zsh and fish completions where Debian's shells look
# for them, README.md and examples/ in /usr/share/doc/kafka-filters.
#
# The version is the one `--version` prints, asked of the built kput itself: the one place it is written
# is the Swift constant (KafkaFiltersInfo.version), which a Swift build cannot read from a file without
# a plugin, and asking the binary cannot disagree with it wherever that constant lives.
#
# Depends: dpkg-shlibdeps on the binaries (the packages of the libraries they link, with the versions
# their symbols need: libc6, libgcc-s1, libstdc++6, librdkafka1), librdkafka1 raised to (>= 2.0.2), the
# oldest librdkafka the tools are built and tested on, and libcurl4, which is loaded with dlopen (below).
# Without dpkg-dev: ldd and dpkg -S, unversioned.
#
# Environment: KF_BIN (default .build/release).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${KF_BIN:-.build/release}
OUT=${1:-.build/deb}
TOOLS=(kput kpull kstream kmock kmeta)
PKG=kafka-filters
for t in "${TOOLS[@]}"; do
    [ -x "$BIN/$t" ] || { echo "deb.sh: $BIN/$t not found: make build first" >&2; exit 66; }
done
command -v dpkg-deb >/dev/null || { echo "deb.sh: dpkg-deb is needed (Debian's dpkg)" >&2; exit 69; }

# "0.1.0 (librdkafka 2.0.2)" -> 0.1.0
version=$("$BIN/kput" --version | awk '{print $1}')
[[ "$version" =~ ^[0-9][0-9A-Za-z.+~-]*$ ]] || { echo "deb.sh: kput --version gave \"$version\"" >&2; exit 70; }
arch=$(dpkg --print-architecture)

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
root=$stage/root
doc=$root/usr/share/doc/$PKG
install -d "$root/DEBIAN" "$root/usr/bin" "$root/usr/share/man/man1" "$root/usr/share/bash-completion/completions" \
    "$root/usr/share/zsh/vendor-completions" "$root/usr/share/fish/vendor_completions.d" "$doc/examples"
for t in "${TOOLS[@]}"; do
    install -m 755 -s "$BIN/$t" "$root/usr/bin/$t"
    gzip -9n < "man/$t.1" > "$root/usr/share/man/man1/$t.1.gz"
    install -m 644 "completions/$t.bash" "$root/usr/share/bash-completion/completions/$t"
    install -m 644 "completions/_$t" "$root/usr/share/zsh/vendor-completions/_$t"
    install -m 644 "completions/$t.fish" "$root/usr/share/fish/vendor_completions.d/$t.fish"
done
install -m 644 README.md "$doc/README.md"
for f in examples/*; do
    if [ -x "$f" ]; then install -m 755 "$f" "$doc/examples/"; else install -m 644 "$f" "$doc/examples/"; fi
done

# What the binaries load, as Debian packages.
bins=("${TOOLS[@]/#/$root/usr/bin/}")
if command -v dpkg-shlibdeps >/dev/null; then
    work=$stage/shlibs
    mkdir -p "$work/debian"
    printf 'Source: %s\n\nPackage: %s\nArchitecture: any\n' "$PKG" "$PKG" > "$work/debian/control"
    depends=$(cd "$work" && dpkg-shlibdeps -O -e"${bins[0]}" "${bins[@]/#/-e}" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
else
    depends=$(for b in "${bins[@]}"; do ldd "$b"; done | awk '/=> \//{print $3}' | sort -u |
        xargs -r dpkg -S 2>/dev/null | cut -d: -f1 | sort -u | paste -sd, | sed 's/,/, /g')
fi
# librdkafka1 at least 2.0.2, whatever its symbols file says.
depends=$(printf '%s' "$depends" | sed -E 's/librdkafka1( \([^)]*\))?/librdkafka1 (>= 2.0.2)/')
case "$depends" in *librdkafka1*) ;; *) depends="librdkafka1 (>= 2.0.2), $depends" ;; esac
# libcurl is opened with dlopen when a tool first talks to a schema registry (KafkaRegistry/CurlLibrary.swift),
# so no ELF need names it: depend on it by name, at the version whose CURLOPT_PROTOCOLS_STR the client sets.
case "$depends" in *libcurl4*) ;; *) depends="$depends, libcurl4 (>= 7.85.0)" ;; esac
if ldd "${bins[0]}" | grep -q 'libswift'; then
    echo "deb.sh: $BIN/kput links a Swift runtime library: build with --static-swift-stdlib (make build)" >&2
    exit 70
fi

cat > "$root/DEBIAN/control" <<CONTROL
Package: $PKG
Version: $version
Architecture: $arch
Maintainer: kafka-filters maintainers <maintainers@example.invalid>
Installed-Size: $(du -sk --exclude=DEBIAN "$root" | cut -f1)
Depends: $depends
Section: net
Priority: optional
Homepage: https://example.invalid/kafka-filters
Description: Apache Kafka as Unix filters: kput, kpull, kstream, kmeta, kmock
 kput reads JSON lines into a topic and names every line it could not
 deliver; kpull and kstream write a topic's messages as JSON lines and commit
 only what was written; kmeta tells a cluster's topics, offsets and group lag
 as JSON lines; kmock runs a local librdkafka mock cluster to try them on.
 Man pages and bash, zsh and fish completions included.
CONTROL

mkdir -p "$OUT"
deb="$OUT/${PKG}_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Zgzip --build "$root" "$deb" >/dev/null
echo "$deb"
