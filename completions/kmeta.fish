function __kmeta_should_offer_completions_for_flags_or_options -a expected_commands
    set -l non_repeating_flags_or_options $argv[2..]
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __kmeta_parse_tokens
    test "$commands" = "$expected_commands"; and return $non_repeating_flags_or_options_absent
end

function __kmeta_should_offer_completions_for_positional -a expected_commands positional_index_comparison expected_positional_index
    set -l non_repeating_flags_or_options
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __kmeta_parse_tokens
    test "$commands" = "$expected_commands" -a \( "$positional_index" "$positional_index_comparison" "$expected_positional_index" \)
end

function __kmeta_parse_tokens -S
    set -l unparsed_tokens (__kmeta_tokens -pc)
    switch $unparsed_tokens[1]
    case 'kmeta'
        __kmeta_parse_subcommand 0 'b/brokers=' 'X/property=+' 'F/config=' 'connect-timeout=' 'v/verbose' 'q/quiet' 'version' 'h/help'
        switch $unparsed_tokens[1]
        case 'topics'
            __kmeta_parse_subcommand 1 'b/brokers=' 'X/property=+' 'F/config=' 'connect-timeout=' 'v/verbose' 'q/quiet' 'version' 'h/help'
        case 'partitions'
            __kmeta_parse_subcommand 0 'b/brokers=' 'X/property=+' 'F/config=' 'connect-timeout=' 'v/verbose' 'q/quiet' 't/topic=+' 'version' 'h/help'
        case 'lag'
            __kmeta_parse_subcommand 0 'b/brokers=' 'X/property=+' 'F/config=' 'connect-timeout=' 'v/verbose' 'q/quiet' 'g/group=' 't/topic=+' 'max-lag=' 'version' 'h/help'
        case 'offsets'
            __kmeta_parse_subcommand 0 'b/brokers=' 'X/property=+' 'F/config=' 'connect-timeout=' 'v/verbose' 'q/quiet' 't/topic=+' 'at=' 'version' 'h/help'
        case 'brokers'
            __kmeta_parse_subcommand 0 'b/brokers=' 'X/property=+' 'F/config=' 'connect-timeout=' 'v/verbose' 'q/quiet' 'version' 'h/help'
        case 'groups'
            __kmeta_parse_subcommand 0 'b/brokers=' 'X/property=+' 'F/config=' 'connect-timeout=' 'v/verbose' 'q/quiet' 'version' 'h/help'
        case 'group'
            __kmeta_parse_subcommand 1 'b/brokers=' 'X/property=+' 'F/config=' 'connect-timeout=' 'v/verbose' 'q/quiet' 'version' 'h/help'
        case 'help'
            __kmeta_parse_subcommand -r 1 'version'
        end
    end
end

function __kmeta_tokens
    if test (string split -m 1 -f 1 -- . "$FISH_VERSION") -gt 3
        commandline --tokens-raw $argv
    else
        commandline -o $argv
    end
end

function __kmeta_parse_subcommand -S -a positional_count
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

function __kmeta_complete_directories
    set -l token (commandline -t)
    string match -- '*/' $token
    set -l subdirs $token*/
    printf %s\n $subdirs
end

function __kmeta_custom_completion
    set -x SAP_SHELL fish
    set -x SAP_SHELL_VERSION $FISH_VERSION
    set -l tokens (__kmeta_tokens -p)
    if test -z "$(__kmeta_tokens -t)"
        set -l index (count (__kmeta_tokens -pc))
        set tokens $tokens[..$index] \'\' $tokens[(math $index + 1)..]
    end
    command $tokens[1] $argv $tokens
end

complete -c 'kmeta' -f
complete -c 'kmeta' -n '__kmeta_should_offer_completions_for_flags_or_options "kmeta" b brokers' -s 'b' -l 'brokers' -d 'Bootstrap brokers, host:port[,host:port...].' -rfka ''
complete -c 'kmeta' -n '__kmeta_should_offer_completions_for_flags_or_options "kmeta"' -s 'X' -l 'property' -d 'Set a librdkafka property (repeatable), e.g. -X security.protocol=SASL_SSL.' -rfka ''
complete -c 'kmeta' -n '__kmeta_should_offer_completions_for_flags_or_options "kmeta" F config' -s 'F' -l 'config' -d 'Read librdkafka properties from a file of key=value lines (# comments).' -rF
complete -c 'kmeta' -n '__kmeta_should_offer_completions_for_flags_or_options "kmeta" connect-timeout' -l 'connect-timeout' -d 'Give up when no broker has answered after this many seconds (exit 69).' -rfka ''
complete -c 'kmeta' -n '__kmeta_should_offer_completions_for_flags_or_options "kmeta"' -l 'verbose' -s 'v' -d 'Say more: librdkafka\'s log lines, per-line notes, a summary. Repeat for debug.'
complete -c 'kmeta' -n '__kmeta_should_offer_completions_for_flags_or_options "kmeta" q quiet' -l 'quiet' -s 'q' -d 'Say nothing but errors.'
complete -c 'kmeta' -n '__kmeta_should_offer_completions_for_flags_or_options "kmeta" version' -l 'version' -d 'Show the version.'
complete -c 'kmeta' -n '__kmeta_should_offer_completions_for_flags_or_options "kmeta" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'kmeta' -n '__kmeta_should_offer_completions_for_positional "kmeta" -eq 1' -fa 'topics' -d 'List topics: topic, partitions, replication_factor, internal.'
complete -c 'kmeta' -n '__kmeta_should_offer_completions_for_positional "kmeta" -eq 1' -fa 'partitions' -d 'Describe a topic\'s partitions: topic, partition, leader, replicas, isr, low, high.'
complete -c 'kmeta' -n '__kmeta_should_offer_completions_for_positional "kmeta" -eq 1' -fa 'lag' -d 'A group\'s lag per partition: group, topic, partition, committed, high, lag.'
complete -c 'kmeta' -n '__kmeta_should_offer_completions_for_positional "kmeta" -eq 1' -fa 'offsets' -d 'The first offset at or after a time, per partition: topic, partition, offset.'
complete -c 'kmeta' -n '__kmeta_should_offer_completions_for_positional "kmeta" -eq 1' -fa 'brokers' -d 'List brokers: id, host, port, controller.'
complete -c 'kmeta' -n '__kmeta_should_offer_completions_for_positional "kmeta" -eq 1' -fa 'groups' -d 'List consumer groups: group, state, protocol_type, protocol, coordinator, members.'
complete -c 'kmeta' -n '__kmeta_should_offer_completions_for_positional "kmeta" -eq 1' -fa 'group' -d 'Describe one consumer group: its state and members, as kmeta groups does.'
complete -c 'kmeta' -n '__kmeta_should_offer_completions_for_positional "kmeta" -eq 1' -fa 'help' -d 'Show subcommand help information.'
complete -c 'kmeta' -n '__kmeta_should_offer_completions_for_flags_or_options "kmeta topics" b brokers' -s 'b' -l 'brokers' -d 'Bootstrap brokers, host:port[,host:port...].' -rfka ''
complete -c 'kmeta' -n '__kmeta_should_offer_completions_for_flags_or_options "kmeta topics"' -s 'X' -l 'property' -d 'Set a librdkafka property (repeatable), e.g. -X security.protocol=SASL_SSL.' -rfka ''
complete -c 'kmeta' -n '__kmeta_should_offer_completions_for_flags_or_options "kmeta topics" F config' -s 'F' -l 'config' -d 'Read librdkafka properties from a file of key=value lines (# comments).' -rF
complete -c 'kmeta' -n '__kmeta_should_offer_completions_for_flags_or_options "kmeta topics" connect-timeout' -l 'connect-timeout' -d 'Give up when no broker has answered after this many seconds (exit 69).' -rfka ''
complete -c 'kmeta' -n '__kmeta_should_offer_completions_for_flags_or_options "kmeta topics"' -l 'verbose' -s 'v' -d 'Say more: librdkafka\'s log lines, per-line notes, a summary. Repeat for debug.'
complete -c 'kmeta' -n '__kmeta_should_offer_completions_for_flags_or_options "kmeta topics" q quiet' -l 'quiet' -s 'q' -d 'Say nothing but errors.'
complete -c 'kmeta' -n '__kmeta_should_offer_completions_for_flags_or_options "kmeta topics" version' -l 'version' -d 'Show the version.'
complete -c 'kmeta' -n '__kmeta_should_offer_completions_for_flags_or_options "kmeta topics" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'kmeta' -n '__kmeta_should_offer_completions_for_flags_or_options "kmeta partitions" b brokers' -s 'b' -l 'brokers' -d 'Bootstrap brokers, host:port[,host:port...].' -rfka ''
complete -c 'kmeta' -n '__kmeta_should_offer_completions_for_flags_or_options "kmeta partitions"' -s 'X' -l 'property' -d 'Set a librdkafka property (repeatable), e.g. -X security.protocol=SASL_SSL.' -rfka ''
complete -c 'kmeta' -n '__kmeta_should_offer_completions_for_flags_or_options "kmeta partitions" F config' -s 'F' -l 'config' -d 'Read librdkafka properties from a file of key=value lines (# comments).' -rF
complete -c 'kmeta' -n '__kmeta_should_offer_completions_for_flags_or_options "kmeta partitions" connect-timeout' -l 'connect-timeout' -d 'Give up when no broker has answered after this many seconds (exit 69).' -rfka ''
complete -c 'kmeta' -n '__kmeta_should_offer_completions_for_flags_or_options "kmeta partitions"' -l 'verbose' -s 'v' -d 'Say more: librdkafka\'s log lines, per-line notes, a summary. Repeat for debug.'
complete -c 'kmeta' -n '__kmeta_should_offer_completions_for_flags_or_options "kmeta partitions" q quiet' -l 'quiet' -s 'q' -d 'Say nothing but errors.'
complete -c 'kmeta' -n '__kmeta_should_offer_completions_for_flags_or_options "kmeta partitions"' -l 'topic' -s 't' -d 'Topic (repeatable).' -rfka ''
complete -c 'kmeta' -n '__kmeta_should_offer_completions_for_flags_or_options "kmeta partitions" version' -l 'version' -d 'Show the version.'
complete -c 'kmeta' -n '__kmeta_should_offer_completions_for_flags_or_options "kmeta partitions" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'kmeta' -n '__kmeta_should_offer_completions_for_flags_or_options "kmeta lag" b brokers' -s 'b' -l 'brokers' -d 'Bootstrap brokers, host:port[,host:port...].' -rfka ''
complete -c 'kmeta' -n '__kmeta_should_offer_completions_for_flags_or_options "kmeta lag"' -s 'X' -l 'property' -d 'Set a librdkafka property (repeatable), e.g. -X security.protocol=SASL_SSL.' -rfka ''
complete -c 'kmeta' -n '__kmeta_should_offer_completions_for_flags_or_options "kmeta lag" F config' -s 'F' -l 'config' -d 'Read librdkafka properties from a file of key=value lines (# comments).' -rF
complete -c 'kmeta' -n '__kmeta_should_offer_completions_for_flags_or_options "kmeta lag" connect-timeout' -l 'connect-timeout' -d 'Give up when no broker has answered after this many seconds (exit 69).' -rfka ''
complete -c 'kmeta' -n '__kmeta_should_offer_completions_for_flags_or_options "kmeta lag"' -l 'verbose' -s 'v' -d 'Say more: librdkafka\'s log lines, per-line notes, a summary. Repeat for debug.'
complete -c 'kmeta' -n '__kmeta_should_offer_completions_for_flags_or_options "kmeta lag" q quiet' -l 'quiet' -s 'q' -d 'Say nothing but errors.'
complete -c 'kmeta' -n '__kmeta_should_offer_completions_for_flags_or_options "kmeta lag" g group' -l 'group' -s 'g' -d 'Consumer group.' -rfka ''
complete -c 'kmeta' -n '__kmeta_should_offer_completions_for_flags_or_options "kmeta lag"' -l 'topic' -s 't' -d 'Topic (repeatable); default: those the group has committed on.' -rfka ''
complete -c 'kmeta' -n '__kmeta_should_offer_completions_for_flags_or_options "kmeta lag" max-lag' -l 'max-lag' -d 'Exit 1 (after printing everything) when the total lag is over n.' -rfka ''
complete -c 'kmeta' -n '__kmeta_should_offer_completions_for_flags_or_options "kmeta lag" version' -l 'version' -d 'Show the version.'
complete -c 'kmeta' -n '__kmeta_should_offer_completions_for_flags_or_options "kmeta lag" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'kmeta' -n '__kmeta_should_offer_completions_for_flags_or_options "kmeta offsets" b brokers' -s 'b' -l 'brokers' -d 'Bootstrap brokers, host:port[,host:port...].' -rfka ''
complete -c 'kmeta' -n '__kmeta_should_offer_completions_for_flags_or_options "kmeta offsets"' -s 'X' -l 'property' -d 'Set a librdkafka property (repeatable), e.g. -X security.protocol=SASL_SSL.' -rfka ''
complete -c 'kmeta' -n '__kmeta_should_offer_completions_for_flags_or_options "kmeta offsets" F config' -s 'F' -l 'config' -d 'Read librdkafka properties from a file of key=value lines (# comments).' -rF
complete -c 'kmeta' -n '__kmeta_should_offer_completions_for_flags_or_options "kmeta offsets" connect-timeout' -l 'connect-timeout' -d 'Give up when no broker has answered after this many seconds (exit 69).' -rfka ''
complete -c 'kmeta' -n '__kmeta_should_offer_completions_for_flags_or_options "kmeta offsets"' -l 'verbose' -s 'v' -d 'Say more: librdkafka\'s log lines, per-line notes, a summary. Repeat for debug.'
complete -c 'kmeta' -n '__kmeta_should_offer_completions_for_flags_or_options "kmeta offsets" q quiet' -l 'quiet' -s 'q' -d 'Say nothing but errors.'
complete -c 'kmeta' -n '__kmeta_should_offer_completions_for_flags_or_options "kmeta offsets"' -l 'topic' -s 't' -d 'Topic (repeatable).' -rfka ''
complete -c 'kmeta' -n '__kmeta_should_offer_completions_for_flags_or_options "kmeta offsets" at' -l 'at' -d 'The time, as kpull\'s @TIME (the @ may be left out).' -rfka ''
complete -c 'kmeta' -n '__kmeta_should_offer_completions_for_flags_or_options "kmeta offsets" version' -l 'version' -d 'Show the version.'
complete -c 'kmeta' -n '__kmeta_should_offer_completions_for_flags_or_options "kmeta offsets" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'kmeta' -n '__kmeta_should_offer_completions_for_flags_or_options "kmeta brokers" b brokers' -s 'b' -l 'brokers' -d 'Bootstrap brokers, host:port[,host:port...].' -rfka ''
complete -c 'kmeta' -n '__kmeta_should_offer_completions_for_flags_or_options "kmeta brokers"' -s 'X' -l 'property' -d 'Set a librdkafka property (repeatable), e.g. -X security.protocol=SASL_SSL.' -rfka ''
complete -c 'kmeta' -n '__kmeta_should_offer_completions_for_flags_or_options "kmeta brokers" F config' -s 'F' -l 'config' -d 'Read librdkafka properties from a file of key=value lines (# comments).' -rF
complete -c 'kmeta' -n '__kmeta_should_offer_completions_for_flags_or_options "kmeta brokers" connect-timeout' -l 'connect-timeout' -d 'Give up when no broker has answered after this many seconds (exit 69).' -rfka ''
complete -c 'kmeta' -n '__kmeta_should_offer_completions_for_flags_or_options "kmeta brokers"' -l 'verbose' -s 'v' -d 'Say more: librdkafka\'s log lines, per-line notes, a summary. Repeat for debug.'
complete -c 'kmeta' -n '__kmeta_should_offer_completions_for_flags_or_options "kmeta brokers" q quiet' -l 'quiet' -s 'q' -d 'Say nothing but errors.'
complete -c 'kmeta' -n '__kmeta_should_offer_completions_for_flags_or_options "kmeta brokers" version' -l 'version' -d 'Show the version.'
complete -c 'kmeta' -n '__kmeta_should_offer_completions_for_flags_or_options "kmeta brokers" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'kmeta' -n '__kmeta_should_offer_completions_for_flags_or_options "kmeta groups" b brokers' -s 'b' -l 'brokers' -d 'Bootstrap brokers, host:port[,host:port...].' -rfka ''
complete -c 'kmeta' -n '__kmeta_should_offer_completions_for_flags_or_options "kmeta groups"' -s 'X' -l 'property' -d 'Set a librdkafka property (repeatable), e.g. -X security.protocol=SASL_SSL.' -rfka ''
complete -c 'kmeta' -n '__kmeta_should_offer_completions_for_flags_or_options "kmeta groups" F config' -s 'F' -l 'config' -d 'Read librdkafka properties from a file of key=value lines (# comments).' -rF
complete -c 'kmeta' -n '__kmeta_should_offer_completions_for_flags_or_options "kmeta groups" connect-timeout' -l 'connect-timeout' -d 'Give up when no broker has answered after this many seconds (exit 69).' -rfka ''
complete -c 'kmeta' -n '__kmeta_should_offer_completions_for_flags_or_options "kmeta groups"' -l 'verbose' -s 'v' -d 'Say more: librdkafka\'s log lines, per-line notes, a summary. Repeat for debug.'
complete -c 'kmeta' -n '__kmeta_should_offer_completions_for_flags_or_options "kmeta groups" q quiet' -l 'quiet' -s 'q' -d 'Say nothing but errors.'
complete -c 'kmeta' -n '__kmeta_should_offer_completions_for_flags_or_options "kmeta groups" version' -l 'version' -d 'Show the version.'
complete -c 'kmeta' -n '__kmeta_should_offer_completions_for_flags_or_options "kmeta groups" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'kmeta' -n '__kmeta_should_offer_completions_for_flags_or_options "kmeta group" b brokers' -s 'b' -l 'brokers' -d 'Bootstrap brokers, host:port[,host:port...].' -rfka ''
complete -c 'kmeta' -n '__kmeta_should_offer_completions_for_flags_or_options "kmeta group"' -s 'X' -l 'property' -d 'Set a librdkafka property (repeatable), e.g. -X security.protocol=SASL_SSL.' -rfka ''
complete -c 'kmeta' -n '__kmeta_should_offer_completions_for_flags_or_options "kmeta group" F config' -s 'F' -l 'config' -d 'Read librdkafka properties from a file of key=value lines (# comments).' -rF
complete -c 'kmeta' -n '__kmeta_should_offer_completions_for_flags_or_options "kmeta group" connect-timeout' -l 'connect-timeout' -d 'Give up when no broker has answered after this many seconds (exit 69).' -rfka ''
complete -c 'kmeta' -n '__kmeta_should_offer_completions_for_flags_or_options "kmeta group"' -l 'verbose' -s 'v' -d 'Say more: librdkafka\'s log lines, per-line notes, a summary. Repeat for debug.'
complete -c 'kmeta' -n '__kmeta_should_offer_completions_for_flags_or_options "kmeta group" q quiet' -l 'quiet' -s 'q' -d 'Say nothing but errors.'
complete -c 'kmeta' -n '__kmeta_should_offer_completions_for_flags_or_options "kmeta group" version' -l 'version' -d 'Show the version.'
complete -c 'kmeta' -n '__kmeta_should_offer_completions_for_flags_or_options "kmeta group" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'kmeta' -n '__kmeta_should_offer_completions_for_flags_or_options "kmeta help" version' -l 'version' -d 'Show the version.'
