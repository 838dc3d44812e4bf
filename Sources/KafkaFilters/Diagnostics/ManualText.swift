/// The reference part of each tool's `--help`: envelope format, environment, exit status, examples and
/// "see also", appended to the tool's own discussion (`discussion: """...""" + ManualText.kput`).
///
/// The same text becomes sections of the man pages: `generate-manual` puts the whole discussion into
/// DESCRIPTION, and `Scripts/manpage.py` lifts every `TITLE:` block below into its own `.Sh TITLE`
/// section. So the text follows a small layout that script parses (and fails loudly on otherwise):
/// - a section starts with a line `TITLE:` (capitals and spaces) after a blank line;
/// - its lines are indented by 2: plain lines are running text, a blank line starts a new paragraph;
/// - `TERM  text` (two or more spaces after the term) is a list item, continued by lines indented to
///   exactly the column where its text starts;
/// - lines indented by 4 are literal (commands, JSON), shown as they are.
/// Keep it ASCII (generate-manual drops every other character) and within 78 columns (`--help` wraps at
/// the terminal width, which would break the layout); DocsManualTextTests checks both.
/// After changing it, run `make man completions` and commit man/ (the drift check in `make test` fails
/// until then).
package enum ManualText {
    package static var kput: String {
        render([
            Section("ENVELOPE FORMAT", envelopeSection(
                intro: "With --envelope, each input line is an envelope as kpull and kstream write them: one JSON object per message, for example (one line in reality):").blocks + [
                .literal([]),  // a blank line: a new paragraph after the shared section's last one
                .paragraph("kcat JSON: --envelope also reads the lines kcat -J writes. A line is kcat's when it has a top-level payload member and no value member:"),
                .literal([
                    #"{"topic":"t","partition":0,"offset":0,"tstype":"create","#,
                    #" "ts":1700000000000,"broker":1,"headers":["a","1","n",null],"#,
                    #" "key":"k","payload":"hello"}"#,
                ]),
                .list([
                    ("payload", "The value: the string's decoded bytes; null is a tombstone."),
                    ("key", "The key: a string; null or absent, no key."),
                    ("ts", "The timestamp in epoch milliseconds; negative or absent, the producer stamps it."),
                    ("headers", "A flat array name, value, name, value, ...; a null value is a null header value. Order and duplicates are kept."),
                    ("partition", "Honoured with --keep-partition, else ignored, like topic, offset, tstype and broker."),
                ]),
                .paragraph("What cannot round-trip: kcat writes a binary payload or key raw inside its JSON string, so a message that is not UTF-8 gives a line that is not JSON; kput names and rejects it rather than guess. kcat writes ts whatever tstype says, so a LogAppendTime comes back as a CreateTime. For byte-exact copies use kpull's envelope."),
            ]),
            Section("PARTITIONS", [
                .paragraph("A line with a key goes where Java's producer puts that key (and Kafka Streams, franz-go, rpk): the partition is (murmur2(key) & 0x7fffffff) % partitions, Kafka's murmur2 over the key's bytes (librdkafka's partitioner murmur2_random). A topic written by kput and by a Java service so keeps each key on one partition, in order. --partitioner NAME (or -X partitioner=NAME) chooses another of librdkafka's: murmur2, consistent_random (librdkafka's own default, CRC32), consistent, fnv1a_random, fnv1a, random."),
                .literal([]),  // a blank line: a new paragraph
                .paragraph("Lines without a key go to one partition at a time, in runs: a run ends after 1000 lines, after 256 KiB, or when the input pauses, and the next run goes to the next partition, round-robin (the first run to a random partition whose leader kput is already connected to, so one line does not wait for a second connection). A busy input so makes large batches and an even spread over the partitions the topic had at start; a burst of lines stays together. -p sends every line to one partition instead."),
            ]),
            Section("SCHEMA REGISTRY", [
                .paragraph("With --value-schema SPEC (and --key-schema SPEC) each line is encoded with a schema registry's schema and produced in Confluent's wire format: the byte 0, the schema id in 4 bytes big-endian, then the Avro binary (for a JSON Schema, the JSON text as it is, once it fits the schema). The registry is --registry URL, or schema.registry.url in -F, the default config file or -X. The JSON is the natural one kpull --registry writes (a union's value as it is, a decimal as an exact string, bytes as code points U+0000-U+00FF); --avro-json avro takes Avro's own JSON encoding instead."),
                .list([
                    ("SUBJECT", "The subject's latest version (SUBJECT:latest too)."),
                    ("SUBJECT:VERSION", "That version of the subject."),
                    ("id:N", "The schema with that id."),
                    ("@FILE", "A schema file: Avro (or, when it is not one, a JSON Schema object), looked up under TOPIC-value (TOPIC-key for --key-schema) and registered there when missing, as Confluent's serializers do."),
                ]),
                .paragraph("The schemas are resolved once, before any input is read. The value is the whole line; the key is the -k member (any JSON with --key-schema) or, with --envelope, the key member. A line that does not fit is a bad line: named as source:line: $.path: what was expected (a key's reason starts with key), kept in --rejects, and the other lines still go (exit 65)."),
                .literal([]),
                .paragraph("A JSON Schema is checked as Confluent's JSONSerializer would: type, enum, const, properties, required, additionalProperties, minProperties, maxProperties, items (and tuples, prefixItems, additionalItems), minItems, maxItems, uniqueItems, minLength, maxLength, minimum, maximum, exclusiveMinimum, exclusiveMaximum, multipleOf, allOf, anyOf, oneOf, not, if/then/else, and $ref inside the schema. Not checked (-v names those a schema uses): pattern, patternProperties, format, dependencies, propertyNames, contains, unevaluated*, and $ref to another document."),
                .literal([]),  // a blank line: a new paragraph
                .paragraph("With --envelope and a registry, a line's value_schema_id and key_schema_id (what kpull --registry writes) say which schema encodes its value and key, ahead of --value-schema; each id is fetched once. So kpull --registry R | kput --envelope --registry R copies an Avro topic byte for byte. An id the registry does not know is that line's fault; a registry that stops answering ends the run (exit 69), naming the line."),
            ]),
            acksSection,
            environmentSection,
            Section("EXIT STATUS", [
                .list([
                    ("0", "Every input line was delivered and acknowledged."),
                    ("64", "Usage error: a bad option or argument, or a topic name Kafka refuses (empty, longer than 249, a character other than A-Z a-z 0-9 . _ -, or . or ..)."),
                    ("65", "At least one line was bad (not JSON, not UTF-8, longer than --max-line-bytes, a bad envelope or one naming a partition the topic lacks with --keep-partition, without its -k or --timestamp-field member, or not fitting its --value-schema or --key-schema); each was named on stderr as source:line: reason and appended to --rejects, and every other line was delivered."),
                    ("69", "No broker answered within --connect-timeout, or the topic does not exist, or the schema registry did not answer within --connect-timeout (before reading, or when a line's schema id was fetched); with --acks, no reader listened at PATH within 10 s (or --connect-timeout, if longer), or another kput was already connected to it."),
                    ("74", "An input file could not be read, or --rejects or --report could not be written, or a --value-schema/--key-schema @FILE could not be read."),
                    ("75", "At least one line was not acknowledged within --timeout (a temporary failure: try again later); each was named on stderr and appended to --rejects."),
                    ("78", configurationError + " -X transactional.id is refused this way: kput does not support transactions. Also a --value-schema or --key-schema the registry does not have (subject, version or id), a schema file that is not a schema, or credentials the registry refused."),
                    ("130", "Stopped by SIGINT: lines in flight were delivered (or named), the rest of the input was not read."),
                    ("143", "Stopped by SIGTERM, the same way."),
                ]),
                .paragraph(precedence),
            ]),
            Section("EXAMPLES", [
                .example("Produce lines read from stdin:", [
                    #"echo '{"id":1,"user":"ann"}' | kput -t events"#,
                ]),
                .example("Key each message by its user field and print where each one went:", [
                    #"kput -t events -k user --report < orders.jsonl"#,
                ]),
                .example("A constant key, headers, and each line's own time as the timestamp:", [
                    #"kput -t events --key batch-7 -H source=backfill -H trace=abc \"#,
                    #"     --timestamp-field at < old-events.jsonl"#,
                ]),
                .example("Backfill a large file at 2000 lines a second:", [
                    #"kput -t events -k user --rate 2000 < archive.jsonl"#,
                ]),
                .example("Replay a kcat -J dump:", [
                    #"kcat -C -J -e -b k1:9092 -t events > dump.jsonl"#,
                    #"kput --envelope -t events-copy < dump.jsonl"#,
                ]),
                .example("Keep bad and undelivered lines aside, fix them, then replay them:", [
                    #"kput -t events --rejects bad.jsonl orders.jsonl"#,
                    #"vi bad.jsonl && kput -t events bad.jsonl && rm bad.jsonl"#,
                ]),
                .example("A cron pipeline that commits a message only once kput delivered its output (or jq dropped it), examples/cron-pipeline.sh:", [
                    #"kpull -t pin -g pipe -e --acks /tmp/pipe.sock |"#,
                    #"  jq -c 'select(.value.n % 3 != 0) | .value.m = .value.n * 2' |"#,
                    #"  kput -t pout --envelope --acks /tmp/pipe.sock"#,
                ]),
                .example("Copy a topic byte for byte (keys, headers, timestamps, values):", [
                    #"kpull -t events -g copy -e | kput --envelope -t events-copy"#,
                ]),
                .example("JSON lines to an Avro topic, the schema registered from a file (examples/jsonl-to-avro.sh):", [
                    #"kput -t orders --registry http://registry:8081 \"#,
                    #"     --value-schema @order.avsc < orders.jsonl"#,
                ]),
                .example("Copy an Avro topic through JSON, byte for byte:", [
                    #"kpull -t orders -e --registry R | kput --envelope --registry R -t copy"#,
                ]),
                .example("Connect to a cluster with SASL over TLS:", [
                    #"kput -b k1:9093 -X security.protocol=SASL_SSL \"#,
                    #"     -X sasl.mechanisms=PLAIN -F ~/.config/kafka/client.properties \"#,
                    #"     -t events < events.jsonl"#,
                ]),
            ]),
            seeAlso(["kpull(1)", "kstream(1)", "kmock(1)", "kcat(1)", "jq(1)"]),
        ])
    }

    package static var kpull: String {
        render([
            envelopeSection(
                intro: "With --format envelope (the default) each message is written as one JSON object on one line, for example:"),
            registryReadSection,
            acksSection,
            environmentSection,
            Section("EXIT STATUS", [
                .list([
                    ("0", "-e or -n finished, or the reader of the output went away (kpull | head); every line written was committed, nothing else."),
                    ("64", "Usage error: a bad option or argument, a bad position, or a partition the topic does not have."),
                    ("65", "--format value met a message that cannot be written as one line (binary, text with a newline, or a tombstone); everything before it was committed, nothing after it. Rerun with --format envelope to read it. With --registry, also a key or value whose schema id the registry does not know, or whose body does not decode with its schema: named with its position and id, and the same holds."),
                    ("69", "No broker answered within --connect-timeout, or a topic does not exist, or the schema registry (--registry) did not answer within --connect-timeout."),
                    ("74", "The output could not be written; the offsets of unwritten lines were not committed."),
                    ("75", "Commits kept failing for --commit-timeout, or the consumer failed (a temporary failure: try again later); what was written before is committed or comes again. With --acks: kput went away or could not deliver a line, kput's input ended before kpull's output, or kput did not say end within 180 s; only what kput reported done was committed, the rest comes again."),
                    ("78", configurationError + " Or the schema registry refused the credentials."),
                    ("130", "Stopped by SIGINT: the current line was finished and committed, and the group left."),
                    ("143", "Stopped by SIGTERM, the same way."),
                ]),
                .paragraph(precedence),
            ]),
            Section("EXAMPLES", [
                .example("Take everything new since the last run and exit (a drain, for cron):", [
                    #"kpull -t events -g nightly -e > events-$(date +%F).jsonl"#,
                ]),
                .example("Filter with jq: the values of large orders only:", [
                    #"kpull -t orders -e | jq -c 'select(.value.amount > 100) | .value'"#,
                ]),
                .example("An Avro topic through a schema registry, decoded to JSON for jq (examples/avro-to-jq.sh):", [
                    #"kpull -t orders -e --registry http://registry:8081 | jq -c .value"#,
                ]),
                .example("Exactly ten messages, written and committed, as values alone:", [
                    #"kpull -t events -n 10 --format value"#,
                ]),
                .example("A cron pipeline that commits a message only once kput delivered its output (or jq dropped it), examples/cron-pipeline.sh:", [
                    #"kpull -t pin -g pipe -e --acks /tmp/pipe.sock |"#,
                    #"  jq -c 'select(.value.n % 3 != 0) | .value.m = .value.n * 2' |"#,
                    #"  kput -t pout --envelope --acks /tmp/pipe.sock"#,
                ]),
                .example("Run a drain from cron, one at a time:", [
                    #"*/5 * * * * flock -n /tmp/drain.lock kpull -t events -e >> events.jsonl"#,
                ]),
                .example("The last 5 messages of each partition, without a group:", [
                    #"kpull -t events -o -5 --no-group"#,
                ]),
                .example("Partition 2 from offset 10, three messages:", [
                    #"kpull -t events -p 2 -o 10 -n 3"#,
                ]),
                .example("Everything stamped on 2026-11-30 (local time), without a group:", [
                    #"kpull -t events --no-group -o @2026-11-30 --until @2026-12-01"#,
                ]),
                .example("The same for yesterday, every day from cron (examples/daily-window.sh):", [
                    #"5 0 * * * daily-window.sh events /srv/spool"#,
                ]),
                .example("Replay a group from offset 1000, committing as it goes; then resume:", [
                    #"kpull -t events -g nightly --seek -o 1000 -e"#,
                    #"kpull -t events -g nightly -e"#,
                ]),
            ]),
            seeAlso(["kput(1)", "kstream(1)", "kmock(1)", "flock(1)", "jq(1)", "crontab(5)"]),
        ])
    }

    package static var kstream: String {
        render([
            envelopeSection(
                intro: "With --format envelope (the default) each message is written as one JSON object on one line, for example:"),
            registryReadSection,
            acksSection,
            environmentSection,
            Section("EXIT STATUS", [
                .list([
                    ("0", "Stopped by SIGINT or SIGTERM, the normal way to stop a tail: lines flushed, their offsets committed, the group left."),
                    ("64", "Usage error: a bad option or argument, a bad position, or a partition the topic does not have."),
                    ("65", "--format value met a message that cannot be written as one line (binary, text with a newline, or a tombstone); the lines before it were committed, nothing after it. With --registry, also a key or value whose schema id the registry does not know, or whose body does not decode with its schema: named with its position and id, and the same holds."),
                    ("69", "No broker answered within --connect-timeout, or a topic does not exist, or the schema registry (--registry) did not answer within --connect-timeout. (A broker outage later is waited out, not an exit.)"),
                    ("74", "The output could not be written, opened or reopened after SIGHUP (disk full, permissions); the offsets of unwritten lines were not stored."),
                    ("75", "The consumer failed (a temporary failure: try again later); with --acks, kput went away or failed a line (only what it reported done was stored)."),
                    ("78", configurationError + " Or the schema registry refused the credentials."),
                ]),
                .paragraph(precedence),
            ]),
            Section("EXAMPLES", [
                .example("Tail a topic into a pipe, starting with what is already there:", [
                    #"kstream -t events --from beginning | jq -c .value"#,
                ]),
                .example("Append to a log file, which kstream reopens on SIGHUP, so logrotate can rotate it:", [
                    #"kstream -t events -o /var/log/kstream/events.log &"#,
                    #"echo $! > /run/kstream-events.pid"#,
                ]),
                .example("The logrotate snippet, /etc/logrotate.d/kstream-events:", [
                    #"/var/log/kstream/events.log {"#,
                    #"    daily"#,
                    #"    rotate 14"#,
                    #"    compress"#,
                    #"    delaycompress"#,
                    #"    missingok"#,
                    #"    notifempty"#,
                    #"    nocreate"#,
                    #"    postrotate"#,
                    #"        kill -HUP "$(cat /run/kstream-events.pid)" 2>/dev/null || true"#,
                    #"    endscript"#,
                    #"}"#,
                ]),
                .example("A summary on stderr every minute:", [
                    #"kstream -t events -o events.log --stats 60"#,
                ]),
                .example("Tail partition 0 from its last 10 messages, without a group:", [
                    #"kstream -t events -p 0 --from -10"#,
                ]),
            ]),
            seeAlso(["kput(1)", "kpull(1)", "kmock(1)", "jq(1)", "logrotate(8)"]),
        ])
    }

    package static var kmock: String {
        render([
            Section("FAULT COMMANDS", [
                .paragraph("One a line on stdin, each answered on stdout with ok or with error: reason. Broker IDs are 1 to --brokers; API is a name (Produce, Fetch, ListOffsets, Metadata, OffsetCommit, OffsetFetch, FindCoordinator, JoinGroup, Heartbeat, LeaveGroup, SyncGroup, ApiVersions, InitProducerId) or a number; CODE is a librdkafka error name (NOT_LEADER_FOR_PARTITION, REQUEST_TIMED_OUT, ...) or a number. Blank lines and lines starting with # are ignored."),
                .list([
                    ("down ID", "Take broker ID down: its connections are closed and new ones refused."),
                    ("up ID", "Bring broker ID back."),
                    ("rtt ID MS", "Delay broker ID's responses by MS milliseconds."),
                    ("errors API COUNT CODE", "Fail the next COUNT requests of API with CODE."),
                    ("clear API", "Forget the errors still queued for API."),
                    ("topic NAME PARTITIONS", "Create a topic (a producer auto-creates others with 4 partitions; librdkafka 2.0.2's mock does so for any client)."),
                    ("leader TOPIC PARTITION ID", "Make broker ID the partition's leader."),
                    ("coordinator GROUP ID", "Make broker ID the group's coordinator."),
                    ("topic-error NAME CODE", "Make Metadata answers for topic NAME carry CODE (UNKNOWN_TOPIC_OR_PART, TOPIC_AUTHORIZATION_FAILED, ...); 0 clears it."),
                ]),
            ]),
            Section("ENVIRONMENT", [
                .list([
                    ("KAFKA_BROKERS", "Not read by kmock; --env-file writes KAFKA_BROKERS=list for the other tools to read, and they use it when -b is not given."),
                ])
            ]),
            Section("EXIT STATUS", [
                .list([
                    ("0", "Stopped by SIGINT or SIGTERM, after shutting the cluster down."),
                    ("64", "Usage error: a bad option or argument. (A bad fault command is answered with an error line; kmock keeps running.)"),
                    ("69", "The mock cluster could not be started, or a --topic could not be created."),
                    ("74", "The --env-file could not be written."),
                ])
            ]),
            Section("EXAMPLES", [
                .example("Start a cluster in the background and point the tools at it:", [
                    #"rm -f /tmp/kmock.env"#,
                    #"kmock --topic events:3 --env-file /tmp/kmock.env > /dev/null &"#,
                    #"until [ -s /tmp/kmock.env ]; do sleep 0.1; done"#,
                    #". /tmp/kmock.env; export KAFKA_BROKERS"#,
                    #"echo '{"a":1}' | kput -t events"#,
                    #"kpull -t events -e -X fetch.wait.max.ms=10"#,
                ]),
                .example("Inject faults through a fifo:", [
                    #"mkfifo ctl; kmock --brokers 3 < ctl > kmock.out & exec 3> ctl"#,
                    #"echo 'down 2' >&3; sleep 3; echo 'up 2' >&3"#,
                    #"echo 'errors Produce 3 REQUEST_TIMED_OUT' >&3"#,
                ]),
            ]),
            seeAlso(["kput(1)", "kpull(1)", "kstream(1)", "kcat(1)"]),
        ])
    }

    package static var kmeta: String {
        render([
            Section("OUTPUT", [
                .paragraph("Each subcommand writes JSON lines with at least these members (more may be added; an error member, the cluster's error name, appears where the cluster reported one for that topic or partition):"),
                .list([
                    ("topics [PATTERN]", "One line per topic, by name: topic, partitions (count), replication_factor, internal (true for __consumer_offsets and __transaction_state: librdkafka's metadata does not carry the broker's flag). PATTERN is a shell glob, or a POSIX extended regular expression when it starts with ^."),
                    ("partitions -t TOPIC", "One line per partition: topic, partition, leader (broker id, -1 when none), replicas, isr (arrays of broker ids), low (the first offset still held), high (the offset the next message will get)."),
                    ("lag -g GROUP [-t TOPIC]", "One line per partition: group, topic, partition, committed (the group's committed offset, null when it has committed none there), high, lag (high - committed; when committed is null, high - low: all that the partition holds, which a drain from the beginning would read). Without -t, the topics the group has committed offsets on. The group is not joined: its offsets are read with OffsetFetch, so this works while its consumers run."),
                    ("offsets -t TOPIC --at TIME", "One line per partition: topic, partition, offset (the first offset whose timestamp is at or after TIME; null when the cluster found none, that is, it answered -1: a reader starting at TIME starts at the end), timestamp (TIME in milliseconds since the epoch)."),
                    ("brokers", "One line per broker: id, host, port, controller (true for the controller)."),
                    ("groups", "One line per consumer group: group, state, protocol_type, protocol, coordinator (broker id), members (an array of objects: member_id, client_id, client_host, and assignment, an array of {topic, partition}, for consumer groups)."),
                    ("group GROUP", "The same line for one group."),
                ]),
                .paragraph("kmeta only reads: it never joins a group, commits, or creates a topic (it asks for the metadata of all topics, since a request naming a topic can make a cluster create it)."),
            ]),
            Section("THE MOCK CLUSTER", [
                .paragraph("librdkafka's mock cluster (kmock) answers -1 to every lookup by time, so there offsets --at prints offset null for every partition. It does not support ListGroups and DescribeGroups, so groups and group exit 69 with one line saying so (the groups' committed offsets, and so lag, work). It names no controller: every broker has controller false."),
            ]),
            environmentSection,
            Section("EXIT STATUS", [
                .list([
                    ("0", "The answer was written (for lag with --max-lag: and the total lag is at most N)."),
                    ("1", "lag --max-lag N: the total lag is over N. Every line was printed first, and a line on stderr says by how much. Not a sysexits code, so kmeta lag -g G --max-lag N || alert tells an alert (1) from a failure (64 and up)."),
                    ("64", "Usage error: a bad option or argument."),
                    ("69", "No broker answered within --connect-timeout; or the topic does not exist; or the group does not exist (lag: it has no committed offsets on the topics asked about; group: the cluster does not know it); or the cluster does not support the request (groups and group on a cluster without ListGroups and DescribeGroups); or the group's coordinator gave no answer within --connect-timeout; or a partition's leader gave none (partitions, lag, offsets: every line is still printed first, that partition's with null offsets and an error member, and a line on stderr names it)."),
                    ("74", "The output could not be written (a reader that went away, as in kmeta topics | head -1, is not an error)."),
                    ("78", configurationError),
                ]),
                .paragraph(precedence),
            ]),
            Section("EXAMPLES", [
                .example("Topics and their sizes (messages held):", [
                    #"kmeta topics | jq -r .topic | while read -r t; do"#,
                    #"  kmeta partitions -t "$t" | jq -sc --arg t "$t" \"#,
                    #"    '{topic: $t, messages: (map(.high - .low) | add)}'"#,
                    #"done"#,
                ]),
                .example("How far behind is the nightly drain, in total:", [
                    #"kmeta lag -g nightly -t events | jq -s 'map(.lag) | add'"#,
                ]),
                .example("Mail when it is more than 10000 behind, or kmeta fails (examples/lag-alert.sh does this from cron):", [
                    #"kmeta lag -g nightly --max-lag 10000 > lag.jsonl ||"#,
                    #"    mail -s "nightly drain behind" ops < lag.jsonl"#,
                ]),
                .example("Which offset was midnight:", [
                    #"kmeta offsets -t events --at 2026-11-30"#,
                ]),
                .example("The brokers, and which one leads each partition:", [
                    #"kmeta brokers"#,
                    #"kmeta partitions -t events | jq -c '{partition, leader}'"#,
                ]),
            ]),
            seeAlso(["kput(1)", "kpull(1)", "kstream(1)", "kmock(1)", "kcat(1)", "jq(1)", "crontab(5)"]),
        ])
    }

    // MARK: - Shared pieces

    /// kpull, kstream and kput: the --acks channel and its done rule (issue 23).
    static let acksSection = Section("ACKS", [
        .paragraph("kpull -e --acks P | FILTER | kput --envelope --acks P commits a message of the input only when it is done: its line acknowledged by the cluster after kput sent it, or dropped by the filter. Without --acks kpull commits a message once its line is written to the pipe; a stage killed then loses what was in the pipe, the filter and kput's queue."),
        .literal([]),
        .paragraph("The channel is a Unix socket at P: kpull (or kstream) listens, kput connects; either may start first (kput waits up to 10 s, or --connect-timeout if longer). A socket left by a killed run is replaced; a second reader or writer on P is refused in one line (exit 69)."),
        .literal([]),
        .paragraph("The done rule: kput reports the longest prefix of its input whose lines are all acknowledged, as the highest source offset (the envelope's topic, partition and offset members) per partition in it. The reader takes done up to offset K of a partition to mean every message of it written at or below K is done, acknowledged or dropped by the filter, and commits min(written, K + 1). That holds for a filter that keeps the lines' order (grep, sed, awk, jq without -s). A filter that reorders or holds lines back breaks it: a message dropped between reordered ones may be committed before its neighbour's output is acknowledged."),
        .literal([]),
        .paragraph("Lines must keep the envelope: change the value with jq '.value |= ...' or '.value.m = ...', never print .value alone. Under --acks a line without topic, partition and offset is a bad line, named (exit 65), and nothing after it is done. kput --acks needs --envelope; the reader needs a group and --format envelope."),
        .literal([]),
        .paragraph("A tail (kstream --acks P | FILTER | kput --envelope --acks P) needs a filter that writes each line as it reads it: jq --unbuffered, grep --line-buffered, sed -u, awk with fflush(). Writing to a pipe, these filters otherwise keep their output until a buffer of some kilobytes fills, which holds lines back: nothing behind them is done, and past the bound below the reader waits. A cron run (kpull -e) is not affected: the filter's output is flushed when kpull's ends."),
        .literal([]),
        .paragraph("Bounded: the reader holds at most 100000 lines written and not yet done; past that it pauses its partitions (still polling, so the group keeps it) until kput reports more done. A rebalance commits what is done for the partitions it takes away; later reports for them are ignored."),
        .literal([]),
        .paragraph("The end: when kpull finishes (-e, -n, a signal) it closes its output and waits (at most 180 s; 10 s for a kput that never connected; a second signal stops the wait) for kput to say its input ended with every line delivered: then every message written is done, the ones the filter dropped last included, and a clean cron run leaves the group at the end. Without that (kput died, a line failed, the wait ran out) only what was reported done is committed, exit 75: run again. kput's input ending while kpull still writes (the filter exited or was killed) is no proof either: exit 75. One gap is left: a filter killed after kpull closed its output, while it works through its last lines, looks to kput like a clean end; what it had not yet printed counts as dropped. When the reader dies, kput delivers its input and exits as without --acks."),
        .literal([]),
        .paragraph("Exactly once is beyond this: kput would have to produce in a transaction that also carries the group's offsets (rd_kafka_send_offsets_to_transaction with the reader's group metadata), which needs the reader and the writer in one process or the group metadata passed over P; neither librdkafka mock isolates aborted transactions from readers, so it could not be shown here."),
    ])

    static let configurationError =
        "Bad configuration: an unknown or invalid -X property, an unreadable or malformed -F file, or not authorized."

    static let precedence =
        "When several apply, the most serious is returned: a signal, then 64, 78, 69, 74, 75, 65."

    static var environmentSection: Section {
        Section("ENVIRONMENT", [
            .list([
                ("KAFKA_BROKERS", "The bootstrap brokers (host:port,...) when neither -b nor -X bootstrap.servers is given."),
                ("KAFKA_FILTERS_CONFIG", "The client config file read when no -F is given (key=value lines, as for -F); set and empty: none. Unset: ~/.config/kafka-filters.conf ($XDG_CONFIG_HOME/kafka-filters.conf) when it exists. -v names the file read."),
            ]),
            .paragraph("Precedence, the first that is set wins: for a property, -X, then -F (or, without -F, the default config file); for the brokers, -b, then -X bootstrap.servers, then KAFKA_BROKERS, then bootstrap.servers from -F or the default config file, then localhost:9092. Like -F, the default config file gets a warning when it holds a password or key and other users can read it."),
        ])
    }

    /// The envelope, as defined once in `Envelope` (see Envelope.swift), for kput's input and the consumers' output.
    static func envelopeSection(intro: String) -> Section {
        Section("ENVELOPE FORMAT", [
            .paragraph(intro),
            .literal([
                #"{"topic":"events","partition":0,"offset":42,"timestamp":1700000000000,"#,
                #" "key":"k1","headers":[{"key":"h","value":"v"}],"value":{"a":1}}"#,
            ]),
            .list([
                ("topic", "The topic read from (kput ignores it)."),
                ("partition", "Its partition (kput honours it only with --keep-partition)."),
                ("offset", "Its offset (kput ignores it)."),
                ("timestamp", "Milliseconds since the epoch; absent when unknown."),
                ("key", #"A JSON string when the key is valid UTF-8, else base64 with "key_encoding":"base64"; absent when the key is null."#),
                ("headers", #"An array of {"key":K,"value":V} in order, duplicates kept; V is a string, null for a null value, or base64 with "encoding":"base64" in that object when not UTF-8. Absent when there are none."#),
                ("value", #"The payload itself, byte for byte, when it is one valid JSON document on one line without surrounding whitespace and is not the literal null; else a JSON string with "value_encoding":"text" when valid UTF-8; else base64 with "value_encoding":"base64". Absent for a tombstone (null payload)."#),
            ]),
            .paragraph("kput --envelope produces key, headers, timestamp and value bytes exactly, so kpull -e | kput --envelope copies a topic byte for byte."),
        ])
    }

    /// kpull and kstream with --registry (issue 22, the read side).
    static var registryReadSection: Section {
        Section("REGISTRY FRAMED DATA", [
            .paragraph("With --registry (or schema.registry.url in the config file), a key or value in Confluent's wire format (a zero byte, a 4-byte schema id, the body) is written with the writer's schema, fetched once per id: Avro decoded into JSON, a JSON Schema's body embedded as it is, each followed by its id:"),
            .literal([
                #"{"topic":"orders","partition":0,"offset":7,"key":{"region":"eu"},"#,
                #" "key_schema_id":2,"value":{"id":1,"state":"PAID"},"value_schema_id":1}"#,
            ]),
            .paragraph("--avro-json natural (the default) writes a union as its value alone, an enum as its symbol, bytes and fixed as one code point U+0000-U+00FF per byte, a decimal as an exact decimal string, other logical types as the value stored; --avro-json avro writes Avro's own JSON encoding (a union as {\"type\": value}), as kcat -s avro prints. Protobuf-framed payloads stay base64, with their id and one note on stderr. Anything not framed is written as without a registry. --format value writes the decoded JSON alone."),
        ])
    }

    /// `name(section)` references, in the conventional order: by section, then by name.
    static func seeAlso(_ pages: [String]) -> Section {
        func key(_ page: String) -> (String, String) {
            let parts = page.split(separator: "(")
            return (String(parts.last ?? ""), String(parts.first ?? ""))
        }
        return Section("SEE ALSO", [.paragraph(pages.sorted { key($0) < key($1) }.joined(separator: ", "))])
    }

    // MARK: - Layout

    static let width = 78

    struct Section {
        var title: String
        var blocks: [Block]
        init(_ title: String, _ blocks: [Block]) {
            self.title = title
            self.blocks = blocks
        }
    }

    enum Block {
        /// Running text, wrapped at 2 spaces.
        case paragraph(String)
        /// `TERM  text`, the text wrapped at a column shared by the whole list.
        case list([(String, String)])
        /// Lines shown as they are, at 4 spaces.
        case literal([String])
        /// A sentence, then its commands.
        case example(String, [String])
    }

    static func render(_ sections: [Section]) -> String {
        var out = ""
        for section in sections {
            out += "\n\n\(section.title):"
            var previous: Block?
            for block in section.blocks {
                // A blank line between examples, and before a paragraph that follows a list or a literal
                // (the layout rules would otherwise read it as part of them).
                switch (previous, block) {
                case (.example?, .example), (.list?, .literal), (.literal?, .list), (.list?, .paragraph): out += "\n"
                default: break
                }
                out += "\n" + lines(block).joined(separator: "\n")
                previous = block
            }
        }
        return out
    }

    static func lines(_ block: Block) -> [String] {
        switch block {
        case .paragraph(let text):
            return wrap(text, indent: 2)
        case .literal(let lines):
            return lines.map { "    " + $0 }
        case .example(let text, let commands):
            return wrap(text, indent: 2) + commands.map { "    " + $0 }
        case .list(let items):
            let column = 2 + (items.map(\.0.count).max() ?? 0) + 2
            var result: [String] = []
            for (term, text) in items {
                var wrapped = wrap(text, indent: column)
                let head = "  " + term + String(repeating: " ", count: column - 2 - term.count)
                wrapped[0] = head + wrapped[0].dropFirst(column)
                result += wrapped
            }
            return result
        }
    }

    /// Greedy word wrap to `width` columns, every line indented by `indent` spaces.
    ///
    /// Counts UTF-8 bytes, which are columns here (the text is ASCII: DocsManualTextTests). Every start of
    /// every tool renders its text (ArgumentParser reads `configuration`, discussion included, to parse
    /// any command line), and `String.count` walks grapheme clusters: counting the line so, once per
    /// word, was 4.5M of the 24M instructions of `kput --version` (callgrind), ~2 ms of each start.
    static func wrap(_ text: String, indent: Int) -> [String] {
        var lines: [String] = []
        var line = [UInt8](repeating: UInt8(ascii: " "), count: indent)
        var length = 0  // of `line` without the indent
        var text = text
        text.withUTF8 { bytes in
            var at = 0
            while at < bytes.count {
                if bytes[at] == UInt8(ascii: " ") {
                    at += 1
                    continue
                }
                var end = at
                while end < bytes.count && bytes[end] != UInt8(ascii: " ") { end += 1 }
                if length > 0 && indent + length + 1 + (end - at) > width {
                    lines.append(String(decoding: line, as: UTF8.self))
                    line.removeLast(length)
                    length = 0
                }
                if length > 0 {
                    line.append(UInt8(ascii: " "))
                    length += 1
                }
                line.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[at..<end]))
                length += end - at
                at = end
            }
        }
        lines.append(String(decoding: line, as: UTF8.self))
        return lines
    }
}
