# Kafka as Unix filters: kput, kpull, kstream, kmeta (and kmock, a local mock cluster).
#   make demo   - install what is missing, build, run the examples' flow on a local mock cluster
#   make test   - install what is missing, run the whole test suite
#   make test-compat - the same suite on the current librdkafka the confluent-kafka wheel carries
#   make deb    - a Debian package of the tools, man pages and completions (.build/deb/)
PREFIX ?= /usr/local
DESTDIR ?=
SWIFT ?= swift
BIN := .build/release
TOOLS := kput kpull kstream kmock kmeta
MANDATE := 2026-11-25

.PHONY: all build deps demo test test-compat suite fuzz bench bench-compat chaos sanitize man completions check-docs install uninstall deb clean

all: build

# System packages the tools and tests need; installed only when missing (Debian).
deps:
	@need=""; \
	pkg-config --exists rdkafka 2>/dev/null || need="$$need librdkafka-dev"; \
	pkg-config --exists libcurl 2>/dev/null || need="$$need libcurl4-openssl-dev"; \
	command -v jq >/dev/null 2>&1 || need="$$need jq"; \
	command -v kcat >/dev/null 2>&1 || need="$$need kcat"; \
	command -v pkg-config >/dev/null 2>&1 || need="$$need pkg-config"; \
	if [ -n "$$need" ]; then \
		echo "installing:$$need"; \
		SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$need >/dev/null; \
	fi
	@python3 -c 'import confluent_kafka.schema_registry.avro, fastavro' 2>/dev/null || python3 -m pip install -q 'confluent-kafka[avro,json,schemaregistry]' 2>/dev/null \
		|| python3 -m pip install -q --break-system-packages 'confluent-kafka[avro,json,schemaregistry]'
	@python3 -c 'import kafka.partitioner.default' 2>/dev/null || python3 -m pip install -q kafka-python 2>/dev/null \
		|| python3 -m pip install -q --break-system-packages kafka-python
	@python3 -c 'import fastavro' 2>/dev/null || python3 -m pip install -q fastavro 2>/dev/null \
		|| python3 -m pip install -q --break-system-packages fastavro

# The Swift runtime is linked in (--static-swift-stdlib): the installed binaries need only librdkafka1 and
# libc, not a Swift toolchain, and start with ~3 MiB less resident memory (17.9 -> 14.8 MiB for one message).
RELEASE := -c release --static-swift-stdlib

build: deps
	$(SWIFT) build $(RELEASE) --product kput
	$(SWIFT) build $(RELEASE) --product kpull
	$(SWIFT) build $(RELEASE) --product kstream
	$(SWIFT) build $(RELEASE) --product kmock
	$(SWIFT) build $(RELEASE) --product kmeta

demo: build
	KF_BIN=$(BIN) ./examples/demo.sh

# LIBRDKAFKA_DIR=DIR runs the tests (make test) or the benchmarks (make bench) on the librdkafka.so.1 in
# DIR instead of the system's: the tools, the test process and its kmock, and kcat all load it through
# LD_LIBRARY_PATH; nothing is rebuilt. make test-compat and make bench-compat set it to the librdkafka the
# confluent-kafka wheel carries (Scripts/librdkafka-dir.sh), a current 2.x whose mock follows Kafka where
# 2.0.2's does not.
LIBRDKAFKA_DIR ?=
WHEEL_LIB := .build/librdkafka-wheel
RUN_ON = $(if $(LIBRDKAFKA_DIR),LD_LIBRARY_PATH=$(abspath $(LIBRDKAFKA_DIR)))

# The last line is XCTest's count in the plain form CI reads ("tests: N passed, N failed, N skipped").
# The suite runs in TEST_SHARDS test processes at once (Scripts/run-suite.sh: whole classes dealt by their
# weight in Tests/shard-weights.txt; each process has its own kmock): the end-to-end tests mostly wait on
# the mock's group joins, so 4 shards take about a third of one process's 12 minutes on 2 cores.
# TEST_SHARDS=1 runs it in one process.
TEST_SHARDS ?= 4
test: deps
	$(MAKE) --no-print-directory suite
	$(MAKE) --no-print-directory check-docs
	@python3 Scripts/test-summary.py .build/test-output$(LOG_SUFFIX).log

test-compat: deps
	@mkdir -p .build
	$(MAKE) --no-print-directory suite LIBRDKAFKA_DIR="$$(Scripts/librdkafka-dir.sh wheel $(WHEEL_LIB))" LOG_SUFFIX=-compat
	@python3 Scripts/test-summary.py .build/test-output-compat.log

suite:
	$(SWIFT) build --build-tests
	@mkdir -p .build
	@if [ -n "$(LIBRDKAFKA_DIR)" ]; then Scripts/librdkafka-dir.sh check "$(LIBRDKAFKA_DIR)" > /dev/null; \
		else echo "librdkafka $$(pkg-config --modversion rdkafka) (the system's)"; fi
	$(RUN_ON) TEST_SHARDS=$(TEST_SHARDS) Scripts/run-suite.sh .build/test-output$(LOG_SUFFIX).log

# The reliability issue's fuzzing: 1,000,000 differential cases of the scanner against Foundation's
# JSONSerialization, then 60 s of coverage-guided libFuzzer (with AddressSanitizer) on scanner and envelope;
# then the Avro codec against fastavro (issue 22): AVRO_FUZZ_CASES random schemas' values (default 100,000)
# decoded and encoded both ways, truncated and corrupted, AVRO_FUZZ_SEED to vary them (default 1).
AVRO_FUZZ_CASES ?= 100000
AVRO_FUZZ_SEED ?= 1

fuzz: deps
	./Scripts/fuzz-scanner.sh 1000000
	./Scripts/fuzz-libfuzzer.sh 60
	python3 Scripts/fuzz-avro.py $(AVRO_FUZZ_CASES) $(AVRO_FUZZ_SEED)

bench: build
	$(RUN_ON) ./Benchmarks/run.sh

bench-compat: build
	@mkdir -p .build
	$(MAKE) --no-print-directory bench LIBRDKAFKA_DIR="$$(Scripts/librdkafka-dir.sh wheel $(WHEEL_LIB))"

# The soak (issue 17, Scripts/chaos.py): kput, two kpull members (one SIGKILLed and restarted at random) and
# a kstream whose file is rotated, on a 3-broker kmock with a random fault every few seconds; beside them, on
# its own topics and group, issue 23's cron pipeline kpull -e --acks | jq | kput --envelope --acks run again
# and again with a stage SIGKILLed at random, then run clean; then every line is checked (lost, duplicates and
# their cause, order, commits, RSS and descriptors, exit codes; the pipeline: 0 missing, duplicates counted,
# its group at the end of its input).
# CHAOS_SECONDS=N (default 180) of faults, CHAOS_SEED=S to replay a run (the seed is printed), KF_BIN=DIR for
# other binaries (then nothing is built), LIBRDKAFKA_DIR=DIR for another librdkafka. Exit 0 only when every
# check holds; the run's files stay in .build/chaos/seed-S.
CHAOS_SECONDS ?= 180
CHAOS_SEED ?=
KF_BIN ?=

chaos: deps $(if $(KF_BIN),,build)
	CHAOS_SECONDS=$(CHAOS_SECONDS) CHAOS_SEED=$(CHAOS_SEED) KF_BIN=$(abspath $(or $(KF_BIN),$(BIN))) \
		$(RUN_ON) python3 Scripts/chaos.py

# The tools built with AddressSanitizer in their own scratch path (.build-asan), run through a subset of the
# end-to-end suite (KF_BIN_DIR points the tests at them) and a short chaos run; every sanitizer report is
# kept in .build-asan/reports/ and the target fails when there is one. SANITIZE_SECONDS for the chaos run.
ASAN_SCRATCH := .build-asan
SANITIZE_SECONDS ?= 60
SANITIZE_TESTS ?= KPutTests|KPullTests|KStreamTests|FaultTests|BadInputTests|FoundationTests
SANITIZE_ENV = ASAN_OPTIONS=log_path=$(abspath $(ASAN_SCRATCH))/reports/asan:detect_leaks=1:abort_on_error=0 \
	LSAN_OPTIONS=exitcode=0

sanitize: deps
	$(SWIFT) build -c debug -Xswiftc -sanitize=address --scratch-path $(ASAN_SCRATCH) --build-tests
	@rm -rf $(ASAN_SCRATCH)/reports; mkdir -p $(ASAN_SCRATCH)/reports
	-$(SANITIZE_ENV) KF_BIN_DIR=$(abspath $(ASAN_SCRATCH))/debug $(RUN_ON) \
		$(SWIFT) test --skip-build --scratch-path $(ASAN_SCRATCH) --filter '$(SANITIZE_TESTS)' 2>&1 | tee $(ASAN_SCRATCH)/test-output.log
	-$(SANITIZE_ENV) CHAOS_SECONDS=$(SANITIZE_SECONDS) CHAOS_SEED=$(CHAOS_SEED) CHAOS_RSS_SCALE=8 \
		CHAOS_DIR=$(abspath $(ASAN_SCRATCH))/chaos KF_BIN=$(abspath $(ASAN_SCRATCH))/debug $(RUN_ON) python3 Scripts/chaos.py \
		2>&1 | tee $(ASAN_SCRATCH)/chaos-output.log
	@python3 Scripts/sanitize-summary.py $(ASAN_SCRATCH)

# Man pages and completions are generated from the argument definitions and kept in git (Scripts/docs.sh):
# `make man completions` after changing a help text, and commit; `make check-docs` (run by `make test`)
# fails while the committed files differ from what the definitions generate. SCRATCH=.build-xyz to use
# another SwiftPM scratch directory.
SCRATCH ?= .build
DOCS = SWIFT="$(SWIFT)" SCRATCH="$(SCRATCH)" MANDATE=$(MANDATE) ./Scripts/docs.sh

man:
	$(DOCS) man

completions:
	$(DOCS) completions

check-docs:
	$(DOCS) check

# make install PREFIX=/usr/local DESTDIR=/tmp/stage; make uninstall with the same PREFIX and DESTDIR.
MAN1DIR = $(DESTDIR)$(PREFIX)/share/man/man1
BASHDIR = $(DESTDIR)$(PREFIX)/share/bash-completion/completions
ZSHDIR = $(DESTDIR)$(PREFIX)/share/zsh/site-functions
FISHDIR = $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d

install: build
	install -d $(DESTDIR)$(PREFIX)/bin $(MAN1DIR) $(BASHDIR) $(ZSHDIR) $(FISHDIR)
	for t in $(TOOLS); do \
		install -m 755 $(BIN)/$$t $(DESTDIR)$(PREFIX)/bin/$$t && \
		install -m 644 man/$$t.1 $(MAN1DIR)/$$t.1 && \
		install -m 644 completions/$$t.bash $(BASHDIR)/$$t && \
		install -m 644 completions/_$$t $(ZSHDIR)/_$$t && \
		install -m 644 completions/$$t.fish $(FISHDIR)/$$t.fish || exit 1; \
	done

uninstall:
	for t in $(TOOLS); do \
		rm -f $(DESTDIR)$(PREFIX)/bin/$$t $(MAN1DIR)/$$t.1 $(BASHDIR)/$$t $(ZSHDIR)/_$$t $(FISHDIR)/$$t.fish; \
	done

# make deb: .build/deb/kafka-filters_<version>_<arch>.deb from the release binaries (Scripts/deb.sh says what
# is in it). The version is what `kput --version` prints (one place: KafkaFiltersInfo.version in Swift);
# Depends comes from dpkg-shlibdeps, with librdkafka1 (>= 2.0.2). Scripts/deb-check.sh (CI) installs it,
# runs the installed tools and removes it.
deb: build
	./Scripts/deb.sh

clean:
	rm -rf .build
