# lvstop: one non-recursive Makefile.
#   make            binaries in build/ (lvstop, lvsd)
#   make check      unit tests (plain and ASan+UBSan), the command line on this
#                   host, then the real-kernel lab
#   make demo       the lab with a demo cluster and the console on it
#   make bench      benchmarks (one "NAME VALUE UNIT" line per figure)
#   make install    PREFIX=/usr/local DESTDIR=
#   make SAN=1      the ASan+UBSan build, in build-san/
# Required flags live apart from CFLAGS/LDFLAGS, so `make CFLAGS=-O0` keeps
# -Werror and the sanitizers.

PREFIX ?= /usr/local
DESTDIR ?=
CFLAGS ?= -O2 -g
LDFLAGS ?=
CC ?= cc
PKG_CONFIG ?= pkg-config

ifeq ($(SAN),1)
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
PKG_collector := libnl-3.0 libnl-genl-3.0 json-c yajl libcurl
PKG_actions := libnl-3.0 libnl-genl-3.0 json-c
PKG_console := ncursesw
PKG_exporter := libmicrohttpd zlib libconfig libxcrypt librrd
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

# $$(call lib_objs,%) below needs the stem, known only on second expansion.
.SECONDEXPANSION:
# Objects are not throw-away intermediates: keep them for incremental builds.
.SECONDARY:
.PHONY: all deps check unit lab demo bench install clean san-unit exporter-test cli-test
all: $(BINS)

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
	$(CC) $(REQ_CFLAGS) $(call pkg_cflags,$(PKG_collector) $(PKG_exporter)) $(CFLAGS) -c $< -o $@
$(BUILD)/tests/unit/%.o: tests/unit/%.c $(BUILD)/tests/unit/suites.h
	@mkdir -p $(@D)
	$(CC) $(REQ_CFLAGS) -I$(BUILD)/tests/unit $(call pkg_cflags,$(ALL_PKGS) cunit) $(CFLAGS) -c $< -o $@
$(BUILD)/bench/%.o: bench/%.c
	@mkdir -p $(@D)
	$(CC) $(REQ_CFLAGS) $(call pkg_cflags,$(ALL_PKGS)) $(CFLAGS) -c $< -o $@

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
# before IPVS is reached, no file left by a command that changed nothing.
cli-test: all
	BUILD_DIR=$(BUILD) sh tests/cli/run.sh

exporter-test: all $(BUILD)/bench/bench_exporter
	BUILD_DIR=$(BUILD) sh tests/exporter/run.sh
	BUILD_DIR=$(BUILD) sh tests/exporter/http.sh
	BUILD_DIR=$(BUILD) sh tests/exporter/history.sh
	BUILD_DIR=$(BUILD) sh tests/exporter/remote.sh
	BUILD_DIR=$(BUILD) sh tests/exporter/console_health.sh

lab: all
	BUILD_DIR=$(BUILD) sh tests/lab/run.sh $(LAB_SCENARIOS)

check: deps
	$(MAKE) unit
	$(MAKE) san-unit
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

MANS = $(wildcard docs/*.8)
install: all
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/share/lvstop $(DESTDIR)$(PREFIX)/share/man/man8
	install -m 0755 $(BINS) $(DESTDIR)$(PREFIX)/sbin/
	@# share/ holds the common C layer beside the data: copy only the data.
	set -e; for f in share/*; do case "$$f" in *.c|*.h) ;; \
		*) cp -R "$$f" $(DESTDIR)$(PREFIX)/share/lvstop/ ;; esac; done
	$(if $(MANS),install -m 0644 $(MANS) $(DESTDIR)$(PREFIX)/share/man/man8/)

clean:
	rm -rf build build-san

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
