function __kput_should_offer_completions_for_flags_or_options -a expected_commands
    set -l non_repeating_flags_or_options $argv[2..]
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __kput_parse_tokens
    test "$commands" = "$expected_commands"; and return $non_repeating_flags_or_options_absent
end

function __kput_should_offer_completions_for_positional -a expected_commands positional_index_comparison expected_positional_index
    set -l non_repeating_flags_or_options
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __kput_parse_tokens
    test "$commands" = "$expected_commands" -a \( "$positional_index" "$positional_index_comparison" "$expected_positional_index" \)
end

function __kput_parse_tokens -S
    set -l unparsed_tokens (__kput_tokens -pc)
    switch $unparsed_tokens[1]
    case 'kput'
        __kput_parse_subcommand -r 1 'b/brokers=' 'X/property=+' 'F/config=' 'connect-timeout=' 'v/verbose' 'q/quiet' 'registry=' 'avro-json=' 't/topic=' 'p/partition=' 'k/key-field=' 'key=' 'H/header=+' 'timestamp-field=' 'missing-key=' 'missing-timestamp=' 'partitioner=' 'rate=' 'text' 'envelope' 'keep-partition' 'z/compression=' 'rejects=' 'report' 'acks=' 'timeout=' 'max-line-bytes=' 'value-schema=' 'key-schema=' 'version' 'h/help'
        switch $unparsed_tokens[1]
        case 'help'
            __kput_parse_subcommand -r 1 'version'
        end
    end
end

function __kput_tokens
    if test (string split -m 1 -f 1 -- . "$FISH_VERSION") -gt 3
        commandline --tokens-raw $argv
    else
        commandline -o $argv
    end
end

function __kput_parse_subcommand -S -a positional_count
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

function __kput_complete_directories
    set -l token (commandline -t)
    string match -- '*/' $token
    set -l subdirs $token*/
    printf %s\n $subdirs
end

function __kput_custom_completion
    set -x SAP_SHELL fish
    set -x SAP_SHELL_VERSION $FISH_VERSION
    set -l tokens (__kput_tokens -p)
    if test -z "$(__kput_tokens -t)"
        set -l index (count (__kput_tokens -pc))
        set tokens $tokens[..$index] \'\' $tokens[(math $index + 1)..]
    end
    command $tokens[1] $argv $tokens
end

complete -c 'kput' -f
complete -c 'kput' -n '__kput_should_offer_completions_for_flags_or_options "kput" b brokers' -s 'b' -l 'brokers' -d 'Bootstrap brokers, host:port[,host:port...].' -rfka ''
complete -c 'kput' -n '__kput_should_offer_completions_for_flags_or_options "kput"' -s 'X' -l 'property' -d 'Set a librdkafka property (repeatable), e.g. -X security.protocol=SASL_SSL.' -rfka ''
complete -c 'kput' -n '__kput_should_offer_completions_for_flags_or_options "kput" F config' -s 'F' -l 'config' -d 'Read librdkafka properties from a file of key=value lines (# comments).' -rF
complete -c 'kput' -n '__kput_should_offer_completions_for_flags_or_options "kput" connect-timeout' -l 'connect-timeout' -d 'Give up when no broker has answered after this many seconds (exit 69).' -rfka ''
complete -c 'kput' -n '__kput_should_offer_completions_for_flags_or_options "kput"' -l 'verbose' -s 'v' -d 'Say more: librdkafka\'s log lines, per-line notes, a summary. Repeat for debug.'
complete -c 'kput' -n '__kput_should_offer_completions_for_flags_or_options "kput" q quiet' -l 'quiet' -s 'q' -d 'Say nothing but errors.'
complete -c 'kput' -n '__kput_should_offer_completions_for_flags_or_options "kput" registry' -l 'registry' -d 'Schema registry URL, http[s]://host[:port][/path].' -rfka ''
complete -c 'kput' -n '__kput_should_offer_completions_for_flags_or_options "kput" avro-json' -l 'avro-json' -d 'How Avro is written as JSON: natural (a union as its value) or avro (Avro\'s JSON encoding, a union as {"type": value}).' -rfka 'natural avro'
complete -c 'kput' -n '__kput_should_offer_completions_for_flags_or_options "kput" t topic' -l 'topic' -s 't' -d 'Topic to produce to.' -rfka ''
complete -c 'kput' -n '__kput_should_offer_completions_for_flags_or_options "kput" p partition' -l 'partition' -s 'p' -d 'Send every message to this partition.' -rfka ''
complete -c 'kput' -n '__kput_should_offer_completions_for_flags_or_options "kput" k key-field' -s 'k' -l 'key-field' -d 'Use this top-level field of each line as the key (a string or a number); a line without it is rejected (see --missing-key).' -rfka ''
complete -c 'kput' -n '__kput_should_offer_completions_for_flags_or_options "kput" key' -l 'key' -d 'Use this constant key for every line.' -rfka ''
complete -c 'kput' -n '__kput_should_offer_completions_for_flags_or_options "kput"' -s 'H' -l 'header' -d 'Add this header to every message (repeatable, in order; with --envelope after the line\'s own headers).' -rfka ''
complete -c 'kput' -n '__kput_should_offer_completions_for_flags_or_options "kput" timestamp-field' -l 'timestamp-field' -d 'Take each line\'s timestamp from this top-level field: epoch milliseconds, or an RFC 3339 time with a zone; a line without it is rejected (see --missing-timestamp).' -rfka ''
complete -c 'kput' -n '__kput_should_offer_completions_for_flags_or_options "kput" missing-key' -l 'missing-key' -d 'With -k, what a line without its key field gets: reject (the default: named, kept in --rejects, exit 65) or null (a null key).' -rfka ''
complete -c 'kput' -n '__kput_should_offer_completions_for_flags_or_options "kput" missing-timestamp' -l 'missing-timestamp' -d 'With --timestamp-field, what a line without that field gets: reject (the default) or now (the producer\'s clock).' -rfka ''
complete -c 'kput' -n '__kput_should_offer_completions_for_flags_or_options "kput" partitioner' -l 'partitioner' -d 'How keyed lines choose their partition: murmur2_random (the default, as Java\'s producer), murmur2, consistent_random, consistent, fnv1a_random, fnv1a, random.' -rfka ''
complete -c 'kput' -n '__kput_should_offer_completions_for_flags_or_options "kput" rate' -l 'rate' -d 'Send at most this many lines per second (reading waits: nothing is read ahead).' -rfka ''
complete -c 'kput' -n '__kput_should_offer_completions_for_flags_or_options "kput" text' -l 'text' -d 'Send lines as they are, without JSON validation.'
complete -c 'kput' -n '__kput_should_offer_completions_for_flags_or_options "kput" envelope' -l 'envelope' -d 'Each line is an envelope (as kpull writes): produce its key, headers, timestamp and value exactly.'
complete -c 'kput' -n '__kput_should_offer_completions_for_flags_or_options "kput" keep-partition' -l 'keep-partition' -d 'With --envelope, honour each line\'s partition member.'
complete -c 'kput' -n '__kput_should_offer_completions_for_flags_or_options "kput" compression z' -s 'z' -l 'compression' -d 'Compression codec: none, gzip, snappy, lz4, zstd.' -rfka ''
complete -c 'kput' -n '__kput_should_offer_completions_for_flags_or_options "kput" rejects' -l 'rejects' -d 'Append bad and undelivered lines to this file.' -rF
complete -c 'kput' -n '__kput_should_offer_completions_for_flags_or_options "kput" report' -l 'report' -d 'Write one JSON line per acknowledged message to stdout: line, source, topic, partition, offset.'
complete -c 'kput' -n '__kput_should_offer_completions_for_flags_or_options "kput" acks' -l 'acks' -d 'Tell the reader listening at this socket (kpull/kstream --acks PATH) which input lines are done, so it commits a message only once its line is acknowledged here (or dropped by the filter); needs --envelope.' -rF
complete -c 'kput' -n '__kput_should_offer_completions_for_flags_or_options "kput" timeout' -l 'timeout' -d 'Give up on a message not acknowledged after this many seconds (exit 75).' -rfka ''
complete -c 'kput' -n '__kput_should_offer_completions_for_flags_or_options "kput" max-line-bytes' -l 'max-line-bytes' -d 'Longest accepted line in bytes; longer lines are rejected.' -rfka ''
complete -c 'kput' -n '__kput_should_offer_completions_for_flags_or_options "kput" value-schema' -l 'value-schema' -d 'Encode each line (with --envelope its value) with this schema registry schema: SUBJECT (its latest version), SUBJECT:VERSION, id:N, or @FILE.' -rfka ''
complete -c 'kput' -n '__kput_should_offer_completions_for_flags_or_options "kput" key-schema' -l 'key-schema' -d 'Encode each key (the -k field, or the envelope\'s key) with this schema: SUBJECT, SUBJECT:VERSION, id:N, or @FILE (under TOPIC-key).' -rfka ''
complete -c 'kput' -n '__kput_should_offer_completions_for_positional "kput" -ge 1' -F
complete -c 'kput' -n '__kput_should_offer_completions_for_flags_or_options "kput" version' -l 'version' -d 'Show the version.'
complete -c 'kput' -n '__kput_should_offer_completions_for_flags_or_options "kput" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'kput' -n '__kput_should_offer_completions_for_positional "kput" -eq 2' -fa 'help' -d 'Show subcommand help information.'
complete -c 'kput' -n '__kput_should_offer_completions_for_flags_or_options "kput help" version' -l 'version' -d 'Show the version.'
