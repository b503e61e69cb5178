# lvstop: one non-recursive Makefile.
#   make            binaries in build/ (lvstop, lvsd)
#   make check      unit tests (plain and ASan+UBSan), the command line on this
#                   host, then the real-kernel lab
#   make demo       the lab with a demo cluster and the console on it
#   make bench      benchmarks (one "NAME VALUE UNIT" line per figure)
#   make install    PREFIX=/usr/local SYSCONFDIR=/etc SYSTEMDUNITDIR=... DESTDIR=
#   make uninstall  the same variables
#   make deb        build/deb/lvstop_VERSION_ARCH.deb (dpkg-buildpackage, lintian)
#   make SAN=1      the ASan+UBSan build, in build-san/
#   make fuzz       the libFuzzer harnesses (clang, ASan+UBSan, build-fuzz/),
#                   each run FUZZ_SECONDS (default 60); fuzz-smoke: 20 s each;
#                   fuzz-long: each to FUZZ_RUNS executions (10 million), niced
# Required flags live apart from CFLAGS/LDFLAGS, so `make CFLAGS=-O0` keeps
# -Werror and the sanitizers.

PREFIX ?= /usr/local
DESTDIR ?=
# lvsd reads SYSCONFDIR/lvsd/lvsd.conf; /etc whatever the prefix.
SYSCONFDIR ?= /etc
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
DATADIR ?= $(PREFIX)/share/lvstop
DOCDIR ?= $(PREFIX)/share/doc/lvstop
LOGROTATEDIR ?= $(SYSCONFDIR)/logrotate.d
CFLAGS ?= -O2 -g
LDFLAGS ?=
CC ?= cc
PKG_CONFIG ?= pkg-config
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_RUNS ?= 10000000
# The long runs' order: fastest first, so figures come in early.
FUZZ_LONG_TARGETS ?= ipvs_nl graph_url conn_parse args_rules snapjson declared lvsd_conf

ifeq ($(FUZZ),1)
# The fuzzing build: every object instrumented for libFuzzer, the harnesses
# (fuzz/) linked with its driver. Only clang has it.
BUILD ?= build-fuzz
CC := $(FUZZ_CC)
SAN_FLAGS := -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined \
	-Wno-bitwise-instead-of-logical
else ifeq ($(SAN),1)
BUILD ?= build-san
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
else
BUILD ?= build
SAN_FLAGS :=
endif

REQ_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -MMD -MP -I. -pthread $(SAN_FLAGS)
REQ_LDFLAGS := -pthread $(SAN_FLAGS)

# pkg-config per directory: only console/ sees ncurses, only exporter/ sees
# libmicrohttpd. Recursive (=) so nothing runs before `deps` installed it.
PKG_collector := libnl-3.0 libnl-genl-3.0 libnl-route-3.0 json-c yajl libcurl gnutls
PKG_actions := libnl-3.0 libnl-genl-3.0 json-c
PKG_console := ncursesw
PKG_exporter := libmicrohttpd zlib libdeflate libconfig libxcrypt
# librrd's headers only: lvsd opens the library when history is on
# (exporter/history/rrd_lib.h), so that without it none of its graph
# libraries are mapped.
PKG_exporter_dlopen := librrd
pkg_cflags = $(shell $(PKG_CONFIG) --cflags $(1))
pkg_libs = $(shell $(PKG_CONFIG) --libs $(1))
ALL_PKGS := $(PKG_collector) $(PKG_console) $(PKG_exporter)

DIRS := share collector actions console exporter
# Each directory's library takes its own .c files and those of its sub-rooms
# (exporter/http/, collector/health/, ...); %_main.c are the programs.
lib_srcs = $(filter-out %_main.c,$(wildcard $(1)/*.c $(1)/*/*.c))
lib_objs = $(patsubst %.c,$(BUILD)/%.o,$(call lib_srcs,$(1)))

LIB_share := $(BUILD)/libshare.a
LIB_collector := $(BUILD)/libcollector.a
LIB_actions := $(BUILD)/libactions.a
LIB_console := $(BUILD)/libconsole.a
LIB_exporter := $(BUILD)/libexporter.a

BINS := $(BUILD)/lvstop $(if $(wildcard exporter/lvsd_main.c),$(BUILD)/lvsd)
# Helpers the lab copies into its guest (tests/lab/tools/); not installed.
LAB_TOOLS := $(BUILD)/lab-ipvs-dest $(BUILD)/lab-udp-burst $(BUILD)/lab-dns-answer \
	$(BUILD)/lab-synflood $(BUILD)/lab-scrape $(BUILD)/lab-time $(BUILD)/lab-memwatch

# $$(call lib_objs,%) below needs the stem, known only on second expansion.
.SECONDEXPANSION:
# Objects are not throw-away intermediates: keep them for incremental builds.
.SECONDARY:
.PHONY: all deps check unit lab demo bench install uninstall install-test deb clean san-unit exporter-test cli-test \
	fuzz fuzz-bins fuzz-smoke fuzz-long
all: $(BINS) $(LAB_TOOLS)

# --- objects: each directory compiled with its own packages' flags --------
# share/ (the common layer: buffers, clocks, log, worker, addresses) needs
# no package; every program and test links it last.
$(BUILD)/share/%.o: share/%.c
	@mkdir -p $(@D)
	$(CC) $(REQ_CFLAGS) $(CFLAGS) -c $< -o $@
$(BUILD)/collector/%.o: collector/%.c
	@mkdir -p $(@D)
	$(CC) $(REQ_CFLAGS) $(call pkg_cflags,$(PKG_collector)) $(CFLAGS) -c $< -o $@
$(BUILD)/actions/%.o: actions/%.c
	@mkdir -p $(@D)
	$(CC) $(REQ_CFLAGS) $(call pkg_cflags,$(PKG_actions)) $(CFLAGS) -c $< -o $@
$(BUILD)/console/%.o: console/%.c
	@mkdir -p $(@D)
	$(CC) $(REQ_CFLAGS) $(call pkg_cflags,$(PKG_collector) $(PKG_console)) $(CFLAGS) -c $< -o $@
$(BUILD)/exporter/%.o: exporter/%.c
	@mkdir -p $(@D)
	$(CC) $(REQ_CFLAGS) $(call pkg_cflags,$(PKG_collector) $(PKG_exporter) $(PKG_exporter_dlopen)) $(CFLAGS) -c $< -o $@
$(BUILD)/tests/unit/%.o: tests/unit/%.c $(BUILD)/tests/unit/suites.h
	@mkdir -p $(@D)
	$(CC) $(REQ_CFLAGS) -I$(BUILD)/tests/unit $(call pkg_cflags,$(ALL_PKGS) $(PKG_exporter_dlopen) cunit) $(CFLAGS) -c $< -o $@
$(BUILD)/tests/lab/tools/%.o: tests/lab/tools/%.c
	@mkdir -p $(@D)
	$(CC) $(REQ_CFLAGS) $(call pkg_cflags,$(PKG_collector)) $(CFLAGS) -c $< -o $@
$(BUILD)/bench/%.o: bench/%.c
	@mkdir -p $(@D)
	$(CC) $(REQ_CFLAGS) $(call pkg_cflags,$(ALL_PKGS) $(PKG_exporter_dlopen)) $(CFLAGS) -c $< -o $@
$(BUILD)/fuzz/%.o: fuzz/%.c
	@mkdir -p $(@D)
	$(CC) $(REQ_CFLAGS) $(call pkg_cflags,$(ALL_PKGS) $(PKG_exporter_dlopen)) $(CFLAGS) -c $< -o $@

$(BUILD)/lib%.a: $$(call lib_objs,%)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

# --- binaries --------------------------------------------------------------
LIBS_lvstop := $(LIB_console) $(LIB_actions) $(LIB_collector) $(LIB_share)
$(BUILD)/lvstop: $(BUILD)/console/lvstop_main.o $(LIBS_lvstop)
	$(CC) $(REQ_LDFLAGS) $(LDFLAGS) -o $@ $^ $(call pkg_libs,$(PKG_console) $(PKG_collector)) -lm

LIBS_lvsd := $(LIB_exporter) $(LIB_actions) $(LIB_collector) $(LIB_share)
$(BUILD)/lvsd: $(BUILD)/exporter/lvsd_main.o $(LIBS_lvsd)
	$(CC) $(REQ_LDFLAGS) $(LDFLAGS) -o $@ $^ $(call pkg_libs,$(PKG_exporter) $(PKG_collector)) -lm

$(BUILD)/lab-ipvs-dest: $(BUILD)/tests/lab/tools/lab_ipvs_dest.o $(LIB_collector) $(LIB_share)
	$(CC) $(REQ_LDFLAGS) $(LDFLAGS) -o $@ $^ $(call pkg_libs,$(PKG_collector)) -lm
$(BUILD)/lab-udp-burst: $(BUILD)/tests/lab/tools/lab_udp_burst.o
	$(CC) $(REQ_LDFLAGS) $(LDFLAGS) -o $@ $^
$(BUILD)/lab-dns-answer: $(BUILD)/tests/lab/tools/lab_dns_answer.o
	$(CC) $(REQ_LDFLAGS) $(LDFLAGS) -o $@ $^
$(BUILD)/lab-synflood: $(BUILD)/tests/lab/tools/lab_synflood.o
	$(CC) $(REQ_LDFLAGS) $(LDFLAGS) -o $@ $^
$(BUILD)/lab-scrape: $(BUILD)/tests/lab/tools/lab_scrape.o $(LIB_share)
	$(CC) $(REQ_LDFLAGS) $(LDFLAGS) -o $@ $^ -lm
$(BUILD)/lab-time: $(BUILD)/tests/lab/tools/lab_time.o $(LIB_share)
	$(CC) $(REQ_LDFLAGS) $(LDFLAGS) -o $@ $^ -lm
$(BUILD)/lab-memwatch: $(BUILD)/tests/lab/tools/lab_memwatch.o $(LIB_share)
	$(CC) $(REQ_LDFLAGS) $(LDFLAGS) -o $@ $^ -lm

ALL_LIBS := $(LIB_console) $(LIB_exporter) $(LIB_actions) $(LIB_collector) $(LIB_share)
ALL_LDLIBS = $(call pkg_libs,$(ALL_PKGS)) -lm

# --- unit tests (CUnit): one test_<module>.c per module --------------------
UNIT_SRCS := $(sort $(wildcard tests/unit/*.c))
UNIT_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(UNIT_SRCS))
UNIT_NAMES := $(patsubst tests/unit/test_%.c,%,$(filter tests/unit/test_%.c,$(UNIT_SRCS)))
$(BUILD)/tests/unit/suites.h: $(UNIT_SRCS)
	@mkdir -p $(@D)
	@printf '%s\n' $(foreach n,$(UNIT_NAMES),'SUITE($(n))') > $@.tmp && mv $@.tmp $@
# The allocation functions of every object linked here go through
# tests/unit/failmalloc.c, which can fail the n-th one on demand.
FAILMALLOC_WRAP := -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=strdup,--wrap=strndup,--wrap=asprintf,--wrap=vasprintf
$(BUILD)/unit_tests: $(UNIT_OBJS) $(ALL_LIBS)
	$(CC) $(REQ_LDFLAGS) $(LDFLAGS) $(FAILMALLOC_WRAP) -o $@ $(UNIT_OBJS) $(ALL_LIBS) $(call pkg_libs,cunit) $(ALL_LDLIBS)

# --- benchmarks: bench/<name>.c is a program, bench/<name>.sh a script ------
BENCH_SRCS := $(wildcard bench/*.c)
BENCH_BINS := $(patsubst bench/%.c,$(BUILD)/bench/%,$(BENCH_SRCS))
$(BUILD)/bench/%: $(BUILD)/bench/%.o $(ALL_LIBS)
	$(CC) $(REQ_LDFLAGS) $(LDFLAGS) -o $@ $< $(ALL_LIBS) $(ALL_LDLIBS)

# --- fuzzing: fuzz/fuzz_<target>.c is a libFuzzer harness ------------------
# Built only with FUZZ=1 (clang); fuzz/run.sh runs each over its corpus.
FUZZ_SRCS := $(wildcard fuzz/fuzz_*.c)
FUZZ_BINS := $(patsubst fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRCS))
$(FUZZ_BINS): $(BUILD)/fuzz/%: $(BUILD)/fuzz/%.o $(ALL_LIBS)
	$(CC) $(REQ_LDFLAGS) -fsanitize=fuzzer $(LDFLAGS) -o $@ $< $(ALL_LIBS) $(ALL_LDLIBS)

# --- top-level jobs ----------------------------------------------------------
deps:
	@sh tests/deps.sh

unit: $(BUILD)/unit_tests
	$(BUILD)/unit_tests

san-unit:
	$(MAKE) SAN=1 unit

# Host-side lvsd tests on loopback (promtool, gzip, reload, concurrent scrapes,
# keep-alive, auth and slow-client bounds, rrd history, graphs, dashboard and alert rules, lvstop --remote);
# bench_exporter also generates their recording.
# The command line on this host: --help against lvstop.8, field errors
# before IPVS is reached, no file left by a command that changed nothing;
# the console's bytes per frame of each class of key (bench_console --frames).
cli-test: all $(BUILD)/bench/bench_console
	BUILD_DIR=$(BUILD) sh tests/cli/run.sh

exporter-test: all $(BUILD)/bench/bench_exporter
	BUILD_DIR=$(BUILD) sh tests/exporter/run.sh
	BUILD_DIR=$(BUILD) sh tests/exporter/http.sh
	BUILD_DIR=$(BUILD) sh tests/exporter/history.sh
	BUILD_DIR=$(BUILD) sh tests/exporter/remote.sh
	BUILD_DIR=$(BUILD) sh tests/exporter/remote_pair.sh
	BUILD_DIR=$(BUILD) sh tests/exporter/edges.sh
	BUILD_DIR=$(BUILD) sh tests/exporter/status.sh
	BUILD_DIR=$(BUILD) sh tests/exporter/console_health.sh

fuzz-bins: $(FUZZ_BINS)

# Every harness for FUZZ_SECONDS; a crash, leak or broken invariant fails.
fuzz: deps
	$(MAKE) FUZZ=1 fuzz-bins
	FUZZ_DIR=build-fuzz FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_RUNS= sh fuzz/run.sh $(FUZZ_TARGETS)

fuzz-smoke:
	$(MAKE) fuzz FUZZ_SECONDS=20

# Each harness (one at a time, nice 10) until FUZZ_RUNS executions: the
# long runs of docs/security.md. FUZZ_TARGETS picks some; FUZZ_NICE,
# FUZZ_TIMEOUT, FUZZ_FORK (N processes on one corpus, one count) and
# FUZZ_MAX_LEN (fuzz/run.sh) pass through the environment.
fuzz-long: deps
	$(MAKE) FUZZ=1 fuzz-bins
	FUZZ_DIR=build-fuzz FUZZ_RUNS=$(FUZZ_RUNS) sh fuzz/run.sh $(or $(FUZZ_TARGETS),$(FUZZ_LONG_TARGETS))

# The director scenarios install the package: build it when missing.
lab: all $(if $(LAB_SCENARIOS),$(if $(filter director%,$(LAB_SCENARIOS)),deb),deb)
	BUILD_DIR=$(BUILD) sh tests/lab/run.sh $(LAB_SCENARIOS)

check: deps
	$(MAKE) unit
	$(MAKE) install-test
	$(MAKE) san-unit
	$(MAKE) fuzz-smoke
	$(MAKE) cli-test
	$(MAKE) exporter-test
	$(MAKE) lab

demo: deps
	$(MAKE) all
	BUILD_DIR=$(BUILD) sh tests/lab/demo.sh

bench: deps
	$(MAKE) $(BINS) $(BENCH_BINS)
	@set -e; for b in $(BENCH_BINS); do $$b; done; \
	for s in $(wildcard bench/*.sh); do BUILD_DIR=$(BUILD) sh $$s; done

# --- install ------------------------------------------------------------------
# The unit directory systemd itself names, else Debian's.
SYSTEMDUNITDIR ?= $(or $(shell $(PKG_CONFIG) --variable=systemdsystemunitdir systemd 2>/dev/null),/lib/systemd/system)
MANS = $(wildcard docs/*.8)
# What the manuals and the configuration refer to.
DOCS = $(filter-out docs/changelog.md,$(wildcard docs/*.md)) docs/status-page.png
# Installed data, named one by one (share/ also holds sources).
DATA = share/lvsd.conf.example share/grafana/lvsd-directors.json share/prometheus/lvsd-alerts.yml

# The unit names the installed lvsd and configuration.
# The default configuration is installed only where none exists: an
# operator's file is never replaced.
install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(DATADIR)/grafana \
		$(DESTDIR)$(DATADIR)/prometheus $(DESTDIR)$(DOCDIR)/docs $(DESTDIR)$(SYSTEMDUNITDIR) \
		$(DESTDIR)$(SYSCONFDIR)/lvsd $(DESTDIR)$(LOGROTATEDIR)
	install -m 0755 $(BINS) $(DESTDIR)$(SBINDIR)/
	install -m 0644 $(MANS) $(DESTDIR)$(MANDIR)/man8/
	install -m 0644 share/lvsd.conf.example $(DESTDIR)$(DATADIR)/
	install -m 0644 share/grafana/lvsd-directors.json $(DESTDIR)$(DATADIR)/grafana/
	install -m 0644 share/prometheus/lvsd-alerts.yml $(DESTDIR)$(DATADIR)/prometheus/
	install -m 0644 $(DOCS) $(DESTDIR)$(DOCDIR)/docs/
	sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' share/lvsd.service.in \
		> $(DESTDIR)$(SYSTEMDUNITDIR)/lvsd.service
	chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/lvsd.service
	install -m 0644 share/lvstop-audit.logrotate $(DESTDIR)$(LOGROTATEDIR)/lvstop
	[ -e $(DESTDIR)$(SYSCONFDIR)/lvsd/lvsd.conf ] || \
		install -m 0644 share/lvsd.conf $(DESTDIR)$(SYSCONFDIR)/lvsd/lvsd.conf

# Removes what install put there; the configuration only when it is still
# the default. The state, history and audit log (/var/lib/lvstop,
# /var/log/lvstop) stay.
uninstall:
	rm -f $(addprefix $(DESTDIR)$(SBINDIR)/,lvstop lvsd) \
		$(addprefix $(DESTDIR)$(MANDIR)/man8/,$(notdir $(MANS))) \
		$(addprefix $(DESTDIR)$(DATADIR)/,$(patsubst share/%,%,$(DATA))) \
		$(addprefix $(DESTDIR)$(DOCDIR)/docs/,$(notdir $(DOCS))) \
		$(DESTDIR)$(SYSTEMDUNITDIR)/lvsd.service $(DESTDIR)$(LOGROTATEDIR)/lvstop
	-cmp -s share/lvsd.conf $(DESTDIR)$(SYSCONFDIR)/lvsd/lvsd.conf && rm -f $(DESTDIR)$(SYSCONFDIR)/lvsd/lvsd.conf
	-rmdir $(DESTDIR)$(DATADIR)/grafana $(DESTDIR)$(DATADIR)/prometheus $(DESTDIR)$(DATADIR) \
		$(DESTDIR)$(DOCDIR)/docs $(DESTDIR)$(DOCDIR) $(DESTDIR)$(SYSCONFDIR)/lvsd 2>/dev/null

# make install and uninstall into scratch directories (tests/install.sh).
install-test: all
	BUILD_DIR=$(BUILD) sh tests/install.sh

# --- Debian package ---------------------------------------------------------
# dpkg-buildpackage runs on a copy of the tree in $(BUILD)/deb/, so neither
# the tree nor its parent directory gets any output. Unit tests are `make
# unit`'s job: DEB_BUILD_OPTIONS=nocheck unless set.
DEB_VERSION = $(shell dpkg-parsechangelog -l debian/changelog -S Version 2>/dev/null)
DEB_ARCH = $(shell dpkg --print-architecture 2>/dev/null)
DEB = $(BUILD)/deb/lvstop_$(DEB_VERSION)_$(DEB_ARCH).deb
DEB_BUILD_OPTIONS ?= nocheck
deb: $(DEB)
$(DEB): $(BINS) $(wildcard debian/* debian/*/*) share/lvsd.service.in share/lvsd.conf $(DATA) $(MANS) $(DOCS)
	rm -rf $(BUILD)/deb && mkdir -p $(BUILD)/deb/lvstop-$(DEB_VERSION)
	tar -c --exclude=./.git --exclude=./build --exclude=./build-san --exclude=./$(BUILD) . | \
		tar -x -C $(BUILD)/deb/lvstop-$(DEB_VERSION)
	cd $(BUILD)/deb/lvstop-$(DEB_VERSION) && DEB_BUILD_OPTIONS="$(DEB_BUILD_OPTIONS)" \
		dpkg-buildpackage -us -uc -b
	rm -rf $(BUILD)/deb/lvstop-$(DEB_VERSION)
	lintian --fail-on error $(BUILD)/deb/lvstop_$(DEB_VERSION)_$(DEB_ARCH).changes

clean:
	rm -rf build build-san build-fuzz

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
