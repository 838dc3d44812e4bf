function __kpull_should_offer_completions_for_flags_or_options -a expected_commands
    set -l non_repeating_flags_or_options $argv[2..]
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __kpull_parse_tokens
    test "$commands" = "$expected_commands"; and return $non_repeating_flags_or_options_absent
end

function __kpull_should_offer_completions_for_positional -a expected_commands positional_index_comparison expected_positional_index
    set -l non_repeating_flags_or_options
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __kpull_parse_tokens
    test "$commands" = "$expected_commands" -a \( "$positional_index" "$positional_index_comparison" "$expected_positional_index" \)
end

function __kpull_parse_tokens -S
    set -l unparsed_tokens (__kpull_tokens -pc)
    switch $unparsed_tokens[1]
    case 'kpull'
        __kpull_parse_subcommand 0 'b/brokers=' 'X/property=+' 'F/config=' 'connect-timeout=' 'v/verbose' 'q/quiet' 't/topic=+' 'g/group=' 'format=' 'p/partition=+' 'no-group' 'seek' 'acks=' 'fetch-min-bytes=' 'registry=' 'avro-json=' 'o/from=' 'until=' 'n/count=' 'e/exit-at-end' 'commit=' 'commit-timeout=' 'version' 'h/help'
        switch $unparsed_tokens[1]
        case 'help'
            __kpull_parse_subcommand -r 1 'version'
        end
    end
end

function __kpull_tokens
    if test (string split -m 1 -f 1 -- . "$FISH_VERSION") -gt 3
        commandline --tokens-raw $argv
    else
        commandline -o $argv
    end
end

function __kpull_parse_subcommand -S -a positional_count
    argparse -s r -- $argv
    set -l option_specs $argv[2..]
    set -l is_repeating_positional $_flag_r
    set -el _flag_r
    set -a commands $unparsed_tokens[1]
    set positional_index 0
    while true
        set -e unparsed_tokens[1]
        argparse -sn "$commands" $option_specs -- $unparsed_tokens 2> /dev/null
        set unparsed_tokens $argv
        set positional_index (math $positional_index + 1)
        for non_repeating_flag_or_option in $non_repeating_flags_or_options
            if set -ql "_flag_$(string replace -a - _ -- $non_repeating_flag_or_option)"
                set non_repeating_flags_or_options_absent 1
                break
            end
        end
        test (count $unparsed_tokens) -eq 0 -o \( -z "$is_repeating_positional" -a "$positional_index" -gt "$positional_count" \) && break
    end
end

function __kpull_complete_directories
    set -l token (commandline -t)
    string match -- '*/' $token
    set -l subdirs $token*/
    printf %s\n $subdirs
end

function __kpull_custom_completion
    set -x SAP_SHELL fish
    set -x SAP_SHELL_VERSION $FISH_VERSION
    set -l tokens (__kpull_tokens -p)
    if test -z "$(__kpull_tokens -t)"
        set -l index (count (__kpull_tokens -pc))
        set tokens $tokens[..$index] \'\' $tokens[(math $index + 1)..]
    end
    command $tokens[1] $argv $tokens
end

complete -c 'kpull' -f
complete -c 'kpull' -n '__kpull_should_offer_completions_for_flags_or_options "kpull" b brokers' -s 'b' -l 'brokers' -d 'Bootstrap brokers, host:port[,host:port...].' -rfka ''
complete -c 'kpull' -n '__kpull_should_offer_completions_for_flags_or_options "kpull"' -s 'X' -l 'property' -d 'Set a librdkafka property (repeatable), e.g. -X security.protocol=SASL_SSL.' -rfka ''
complete -c 'kpull' -n '__kpull_should_offer_completions_for_flags_or_options "kpull" F config' -s 'F' -l 'config' -d 'Read librdkafka properties from a file of key=value lines (# comments).' -rF
complete -c 'kpull' -n '__kpull_should_offer_completions_for_flags_or_options "kpull" connect-timeout' -l 'connect-timeout' -d 'Give up when no broker has answered after this many seconds (exit 69).' -rfka ''
complete -c 'kpull' -n '__kpull_should_offer_completions_for_flags_or_options "kpull"' -l 'verbose' -s 'v' -d 'Say more: librdkafka\'s log lines, per-line notes, a summary. Repeat for debug.'
complete -c 'kpull' -n '__kpull_should_offer_completions_for_flags_or_options "kpull" q quiet' -l 'quiet' -s 'q' -d 'Say nothing but errors.'
complete -c 'kpull' -n '__kpull_should_offer_completions_for_flags_or_options "kpull"' -l 'topic' -s 't' -d 'Topic to read (repeatable).' -rfka ''
complete -c 'kpull' -n '__kpull_should_offer_completions_for_flags_or_options "kpull" g group' -l 'group' -s 'g' -d 'Consumer group.' -rfka ''
complete -c 'kpull' -n '__kpull_should_offer_completions_for_flags_or_options "kpull" format' -l 'format' -d 'Output format: envelope (one JSON object per message) or value (the value alone).' -rfka 'envelope value'
complete -c 'kpull' -n '__kpull_should_offer_completions_for_flags_or_options "kpull"' -l 'partition' -s 'p' -d 'Read only these partitions (of each topic), assigned without a group unless -g is given.' -rfka ''
complete -c 'kpull' -n '__kpull_should_offer_completions_for_flags_or_options "kpull" no-group' -l 'no-group' -d 'Read without a consumer group: no join, no commit, no offsets left behind (implied by -p without -g).'
complete -c 'kpull' -n '__kpull_should_offer_completions_for_flags_or_options "kpull" seek' -l 'seek' -d 'With a group: start its partitions at --from even where it has committed offsets (once per run), and commit from there.'
complete -c 'kpull' -n '__kpull_should_offer_completions_for_flags_or_options "kpull" acks' -l 'acks' -d 'Commit a message only when kput --acks PATH reports it done (its line acknowledged by the cluster, or dropped by an order-keeping filter); at most 100000 lines wait undone.' -rF
complete -c 'kpull' -n '__kpull_should_offer_completions_for_flags_or_options "kpull" fetch-min-bytes' -l 'fetch-min-bytes' -d 'fetch.min.bytes: the least data a fetch waits for.' -rfka ''
complete -c 'kpull' -n '__kpull_should_offer_completions_for_flags_or_options "kpull" registry' -l 'registry' -d 'Schema registry URL, http[s]://host[:port][/path].' -rfka ''
complete -c 'kpull' -n '__kpull_should_offer_completions_for_flags_or_options "kpull" avro-json' -l 'avro-json' -d 'How Avro is written as JSON: natural (a union as its value) or avro (Avro\'s JSON encoding, a union as {"type": value}).' -rfka 'natural avro'
complete -c 'kpull' -n '__kpull_should_offer_completions_for_flags_or_options "kpull" from o' -s 'o' -l 'from' -d 'Where to start: beginning, end, N (an offset), -N (N before the end of each partition), @TIME (epoch ms, RFC 3339 with a zone, YYYY-MM-DD, or -90s/-30m/-1h/-2d ago), or P:POS,... per partition. With a group, only where it has no committed offset, unless --seek.' -rfka ''
complete -c 'kpull' -n '__kpull_should_offer_completions_for_flags_or_options "kpull" until' -l 'until' -d 'Stop each partition before POS: end (as -e), N (an offset), or @TIME (its first message stamped at or past TIME); implies -e.' -rfka ''
complete -c 'kpull' -n '__kpull_should_offer_completions_for_flags_or_options "kpull" count n' -s 'n' -l 'count' -d 'Exit after N messages are written and committed.' -rfka ''
complete -c 'kpull' -n '__kpull_should_offer_completions_for_flags_or_options "kpull" e exit-at-end' -s 'e' -l 'exit-at-end' -d 'Exit when every assigned partition is read up to its end as of the start.'
complete -c 'kpull' -n '__kpull_should_offer_completions_for_flags_or_options "kpull" commit' -l 'commit' -d 'async: one commit in flight carrying all written offsets; sync: one round trip per message.' -rfka 'async sync'
complete -c 'kpull' -n '__kpull_should_offer_completions_for_flags_or_options "kpull" commit-timeout' -l 'commit-timeout' -d 'Exit 75 when commits keep failing for this long; meanwhile at most 10000 lines are written beyond the last commit.' -rfka ''
complete -c 'kpull' -n '__kpull_should_offer_completions_for_flags_or_options "kpull" version' -l 'version' -d 'Show the version.'
complete -c 'kpull' -n '__kpull_should_offer_completions_for_flags_or_options "kpull" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'kpull' -n '__kpull_should_offer_completions_for_positional "kpull" -eq 1' -fa 'help' -d 'Show subcommand help information.'
complete -c 'kpull' -n '__kpull_should_offer_completions_for_flags_or_options "kpull help" version' -l 'version' -d 'Show the version.'
