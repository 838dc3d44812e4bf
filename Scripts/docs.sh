#!/usr/bin/env bash
# Man pages and shell completions, generated from the argument definitions and kept in git.
#
#   Scripts/docs.sh man           regenerate man/<tool>.1             (make man)
#   Scripts/docs.sh completions   regenerate completions/*            (make completions)
#   Scripts/docs.sh check         regenerate both into a temporary directory and fail, showing the
#                                 difference, when the committed files are not what the current
#                                 definitions give                    (make check-docs, run by make test)
#
# Man pages: swift-argument-parser's generate-manual plugin, run with a fixed --date so pages do not
# change by themselves, in the C locale (the month is spelled by the locale), then finished by
# Scripts/manpage.py (OPTIONS, ENVELOPE FORMAT, ENVIRONMENT, EXIT STATUS, EXAMPLES, SEE ALSO sections,
# taken from the TITLE: blocks of each tool's --help). The plugin builds the package in the debug
# configuration first, so after `swift build --build-tests` (make test) that costs nothing; the first
# run also builds the generate-manual tool (about 10 s).
# Completions: each built tool's --generate-completion-script bash|zsh|fish.
#
# Environment: SWIFT (default swift), SCRATCH (SwiftPM scratch path, default .build),
# MANDATE (default 2026-11-25).
set -euo pipefail
cd "$(dirname "$0")/.."
SWIFT=${SWIFT:-swift}
SCRATCH=${SCRATCH:-.build}
MANDATE=${MANDATE:-2026-11-25}
TOOLS=(kput kpull kstream kmock kmeta)

# Writes <tool>.1 for every tool into $1.
generate_man() {
    local dest=$1 outputs="$SCRATCH/plugins/GenerateManual/outputs" log
    rm -rf "$outputs"
    log=$(mktemp)
    if ! LC_ALL=C "$SWIFT" package --scratch-path "$SCRATCH" plugin generate-manual \
            --configuration debug --date "$MANDATE" > "$log" 2>&1; then
        cat "$log" >&2
        rm -f "$log"
        echo "docs.sh: the generate-manual plugin failed" >&2
        return 1
    fi
    rm -f "$log"
    for t in "${TOOLS[@]}"; do
        [ -f "$outputs/$t/$t.1" ] || { echo "docs.sh: the plugin made no page for $t" >&2; return 1; }
        python3 Scripts/manpage.py < "$outputs/$t/$t.1" > "$dest/$t.1"
    done
}

# Writes <tool>.bash, _<tool> and <tool>.fish for every tool into $1.
generate_completions() {
    local dest=$1 bin
    bin=$("$SWIFT" build --scratch-path "$SCRATCH" --show-bin-path)
    for t in "${TOOLS[@]}"; do
        [ -x "$bin/$t" ] || "$SWIFT" build --scratch-path "$SCRATCH" --product "$t" >&2
        "$bin/$t" --generate-completion-script bash > "$dest/$t.bash"
        "$bin/$t" --generate-completion-script zsh > "$dest/_$t"
        "$bin/$t" --generate-completion-script fish > "$dest/$t.fish"
    done
}

check() {
    local tmp status=0
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' RETURN
    mkdir "$tmp/man" "$tmp/completions"
    generate_man "$tmp/man"
    generate_completions "$tmp/completions"
    for dir in man completions; do
        if ! diff -r -u "$dir" "$tmp/$dir" > "$tmp/$dir.diff"; then
            head -80 "$tmp/$dir.diff" | sed "s|$tmp/|generated/|g" >&2
            echo "docs.sh: $dir/ is not what the argument definitions generate (diff above: committed vs generated)." >&2
            echo "docs.sh: run 'make man completions' and commit $dir/." >&2
            status=1
        fi
    done
    [ $status = 0 ] && echo "docs.sh: man/ and completions/ match the argument definitions"
    return $status
}

[ $# -gt 0 ] || set -- check
for what in "$@"; do
    case $what in
        man) mkdir -p man && generate_man man && echo "docs.sh: wrote man/{$(IFS=,; echo "${TOOLS[*]}")}.1" ;;
        completions) mkdir -p completions && generate_completions completions && echo "docs.sh: wrote completions/" ;;
        check) check ;;
        *) echo "usage: $0 [man|completions|check]..." >&2; exit 64 ;;
    esac
done
