# Kafka as Unix filters: kput, kpull, kstream (and kmock, a local mock cluster).
#   make demo   - install what is missing, build, run the examples' flow on a local mock cluster
#   make test   - install what is missing, run the whole test suite
PREFIX ?= /usr/local
DESTDIR ?=
SWIFT ?= swift
BIN := .build/release
TOOLS := kput kpull kstream kmock
MANDATE := 2026-11-25

.PHONY: all build deps demo test test-faults fuzz bench man completions install uninstall clean

all: build

# System packages the tools and tests need; installed only when missing (Debian).
deps:
	@need=""; \
	pkg-config --exists rdkafka 2>/dev/null || need="$$need librdkafka-dev"; \
	command -v jq >/dev/null 2>&1 || need="$$need jq"; \
	command -v kcat >/dev/null 2>&1 || need="$$need kcat"; \
	command -v pkg-config >/dev/null 2>&1 || need="$$need pkg-config"; \
	if [ -n "$$need" ]; then \
		echo "installing:$$need"; \
		SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$need >/dev/null; \
	fi
	@python3 -c 'import confluent_kafka' 2>/dev/null || python3 -m pip install -q confluent-kafka 2>/dev/null \
		|| python3 -m pip install -q --break-system-packages confluent-kafka

build: deps
	$(SWIFT) build -c release --product kput
	$(SWIFT) build -c release --product kpull
	$(SWIFT) build -c release --product kstream
	$(SWIFT) build -c release --product kmock

demo: build
	KF_BIN=$(BIN) ./examples/demo.sh

test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

bench: build
	./Benchmarks/run.sh

install: build
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	for t in $(TOOLS); do install -m 755 $(BIN)/$$t $(DESTDIR)$(PREFIX)/bin/$$t; done
	for t in $(TOOLS); do [ ! -f man/$$t.1 ] || install -m 644 man/$$t.1 $(DESTDIR)$(PREFIX)/share/man/man1/$$t.1; done
	install -d $(DESTDIR)$(PREFIX)/share/bash-completion/completions $(DESTDIR)$(PREFIX)/share/zsh/site-functions $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d
	for t in $(TOOLS); do \
		[ ! -f completions/$$t.bash ] || install -m 644 completions/$$t.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/$$t; \
		[ ! -f completions/_$$t ] || install -m 644 completions/_$$t $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_$$t; \
		[ ! -f completions/$$t.fish ] || install -m 644 completions/$$t.fish $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/$$t.fish; \
	done

uninstall:
	for t in $(TOOLS); do \
		rm -f $(DESTDIR)$(PREFIX)/bin/$$t $(DESTDIR)$(PREFIX)/share/man/man1/$$t.1 \
		      $(DESTDIR)$(PREFIX)/share/bash-completion/completions/$$t \
		      $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_$$t \
		      $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/$$t.fish; \
	done

clean:
	rm -rf .build
