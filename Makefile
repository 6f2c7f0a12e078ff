# berth: plain GNU make. `make` builds into build/, `make check` builds a sanitizer tree into
# build/asan/ and runs every test, `make demo` shows a container started by a throwaway systemd.
# Sources are found by wildcard, so adding a file to a program's folder needs no change here.

PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
LIBEXECDIR ?= $(PREFIX)/libexec/berth
MANDIR     ?= $(PREFIX)/share/man
DATADIR    ?= $(PREFIX)/share
BASHCOMPLETIONDIR ?= $(DATADIR)/bash-completion/completions
# systemd and dbus look here whatever the prefix (a generator in /usr/local/lib is still found).
SYSTEMDGENERATORDIR ?= $(PREFIX)/lib/systemd/system-generators
SYSTEMDUSERGENERATORDIR ?= $(PREFIX)/lib/systemd/user-generators
SYSTEMDUNITDIR      ?= $(PREFIX)/lib/systemd/system
# dbus-daemon reads policy only from /usr/share and /etc, whatever the prefix.
DBUSPOLICYDIR       ?= /usr/share/dbus-1/system.d
DBUSSERVICEDIR      ?= $(DATADIR)/dbus-1/system-services
# polkitd reads actions only from /usr/share, whatever the prefix.
POLKITACTIONDIR     ?= /usr/share/polkit-1/actions

O ?= build
CC ?= cc
PKG_CONFIG ?= pkg-config

CFLAGS ?= -O2 -g
WARNINGS = -Wall -Wextra -Werror -Wno-unused-parameter -Wshadow -Wformat=2 -Wmissing-prototypes \
	-Wstrict-prototypes -Wvla -Wdate-time
BASE_CFLAGS = -std=gnu11 $(WARNINGS) -D_GNU_SOURCE $(LIB_INCLUDES) -MMD -MP -fno-strict-aliasing \
	-DBERTH_LIBEXECDIR='"$(LIBEXECDIR)"' -DBERTH_BINDIR='"$(BINDIR)"' -DBERTH_VERSION='"$(VERSION)"'
VERSION := 0.1

ifeq ($(SANITIZE),1)
O = build/asan
CFLAGS = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif

# Each program links the libraries its objects use, and no others (--as-needed is not assumed).
PKGS_NET       = libnl-route-3.0 libnftables
PKGS_BERTH     = libsystemd jansson libcrypto yaml-0.1 $(PKGS_NET)
PKGS_BERTH_IMAGE = $(PKGS_BERTH) libarchive libcurl
PKGS_RUNTIME   = libseccomp libsystemd jansson libcrypto $(PKGS_NET)
PKGS_GENERATOR = yaml-0.1
PKGS_BERTHD    = libsystemd jansson libcrypto
PKGS_ALL       = $(sort $(PKGS_BERTH_IMAGE) $(PKGS_RUNTIME) $(PKGS_GENERATOR) $(PKGS_BERTHD))

# pkg-config runs once, and only for goals that compile: `make deps`, `make check` and `make demo`
# install the packages first, `make clean` and `make format` need none. A package it cannot find stops
# the build here, by name, instead of surfacing later as a missing header.
GOALS_WITHOUT_PKGS = clean deps check demo format format-check check-layers fuzz
ifneq ($(filter-out $(GOALS_WITHOUT_PKGS),$(or $(MAKECMDGOALS),all)),)
PKGS_MISSING := $(strip $(foreach p,$(PKGS_ALL),$(if $(shell $(PKG_CONFIG) --exists $(p) && echo y),,$(p))))
ifneq ($(PKGS_MISSING),)
$(error pkg-config cannot find $(PKGS_MISSING): install the -dev packages (make deps installs tests/packages.txt))
endif
pkg_libs = $(if $(1),$(shell $(PKG_CONFIG) --libs $(1)))
PKG_CFLAGS     := $(shell $(PKG_CONFIG) --cflags $(PKGS_ALL))
BASE_CFLAGS   += $(PKG_CFLAGS)
LIBS_BERTH     := $(call pkg_libs,$(PKGS_BERTH))
LIBS_BERTH_IMAGE := $(call pkg_libs,$(PKGS_BERTH_IMAGE))
LIBS_RUNTIME   := $(call pkg_libs,$(PKGS_RUNTIME)) -lm
LIBS_GENERATOR := $(call pkg_libs,$(PKGS_GENERATOR))
LIBS_BERTHD    := $(call pkg_libs,$(PKGS_BERTHD))
LIBS_TESTS     := $(call pkg_libs,$(PKGS_ALL)) -lm
endif

# Build lines read `  CC lib/basic/log.o`; `make V=1` shows the whole command.
ifeq ($(V),1)
say =
else
say = @printf '  %-4s %s\n' $(1) '$(patsubst $(O)/%,%,$(2))';
endif

PROGRAMS = $(O)/berth $(O)/berth-image $(O)/berth-runtime $(O)/berth-generator $(O)/berthd $(O)/berth-runtime-monitor \
	$(O)/berth-runtime-init

# lib/ in layers, lowest first: a file may include headers of its own layer and the ones below
# (tools/check-layers.sh refuses the rest; docs/ARCHITECTURE.md says what each layer holds). Every
# layer is on the include path, so `#include "log.h"` works from anywhere.
LIB_LAYERS   = basic spec store sys
LIB_INCLUDES = $(LIB_LAYERS:%=-Ilib/%)
LIB_SRCS = $(wildcard $(LIB_LAYERS:%=lib/%/*.c))
LIB_OBJS = $(LIB_SRCS:%.c=$(O)/%.o)

srcs_of = $(wildcard $(1)/*.c)
objs_of = $(patsubst %.c,$(O)/%.o,$(call srcs_of,$(1)))

UNIT_TEST_SRCS = $(wildcard tests/unit/test-*.c)
UNIT_TESTS = $(UNIT_TEST_SRCS:tests/unit/%.c=$(O)/unit-tests/%)
FUZZ_SRCS = $(wildcard tests/fuzz/fuzz-*.c)

all: $(PROGRAMS)

$(O)/%.o: %.c
	@mkdir -p $(@D)
	$(call say,CC,$@)$(CC) $(BASE_CFLAGS) $(CFLAGS) -c -o $@ $<

$(O)/libberth.a: $(LIB_OBJS) $(O)/lib/layers.ok
	@rm -f $@
	$(call say,AR,$@)$(AR) rcs $@ $(LIB_OBJS)

$(O)/lib/layers.ok: tools/check-layers.sh $(wildcard lib/*.[ch] lib/*/*.[ch])
	@mkdir -p $(@D)
	$(call say,CHK,lib/ layers)tools/check-layers.sh $(LIB_LAYERS)
	@touch $@

# The verbs that need libcurl and libarchive (with them 36 more libraries, about 10 ms of every start)
# are in berth-image, the command line built with them, which berth executes for those verbs
# (cli/image-exec.c stands in for them in berth).
CLI_IMAGE_OBJS = $(patsubst %,$(O)/cli/%.o,build image load pull save cp cp-archive)
$(O)/berth: $(filter-out $(CLI_IMAGE_OBJS),$(call objs_of,cli)) $(O)/libberth.a
	$(call say,LD,$@)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_BERTH)

$(O)/berth-image: $(filter-out $(O)/cli/image-exec.o,$(call objs_of,cli)) $(O)/libberth.a
	$(call say,LD,$@)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_BERTH_IMAGE)

$(O)/berth-runtime: $(call objs_of,runtime) $(O)/libberth.a
	$(call say,LD,$@)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_RUNTIME)

# What berth-runtime supervise becomes while a container runs, and the container's --init (monitor/):
# static, small, no sanitizers; with musl (musl-tools) where it is installed: 44 kB instead of glibc's
# 750 kB, and that much less resident.
MONITOR_CC ?= $(shell command -v musl-gcc 2>/dev/null || echo $(CC))
$(O)/berth-runtime-%: monitor/berth-runtime-%.c $(wildcard monitor/*.h)
	@mkdir -p $(@D)
	$(call say,LD,$@)$(MONITOR_CC) -std=gnu11 $(WARNINGS) -D_GNU_SOURCE -Os -static -o $@ $<

$(O)/berth-generator: $(call objs_of,generator) $(O)/libberth.a
	$(call say,LD,$@)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_GENERATOR)

$(O)/berthd: $(call objs_of,dbus) $(O)/libberth.a
	$(call say,LD,$@)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_BERTHD)

$(O)/unit-tests/%: $(O)/tests/unit/%.o $(O)/libberth.a
	@mkdir -p $(@D)
	$(call say,LD,$@)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_TESTS)

# The runtime's unit tests also link the runtime's own objects (all but main.o).
$(O)/unit-tests/test-runtime-%: $(O)/tests/unit/test-runtime-%.o $(filter-out $(O)/runtime/main.o,$(call objs_of,runtime)) $(O)/libberth.a
	@mkdir -p $(@D)
	$(call say,LD,$@)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_TESTS)

tests: $(UNIT_TESTS)

# --- installation ---------------------------------------------------------------------------------
install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBEXECDIR) $(DESTDIR)$(SYSTEMDGENERATORDIR) \
		$(DESTDIR)$(SYSTEMDUSERGENERATORDIR) \
		$(DESTDIR)$(SYSTEMDUNITDIR) $(DESTDIR)$(DBUSPOLICYDIR) $(DESTDIR)$(DBUSSERVICEDIR) $(DESTDIR)$(POLKITACTIONDIR) \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(BASHCOMPLETIONDIR)
	install -m 0755 $(O)/berth $(DESTDIR)$(BINDIR)/berth
	install -m 0755 $(O)/berth-image $(O)/berth-runtime $(O)/berth-runtime-monitor $(O)/berth-runtime-init $(O)/berthd \
		$(DESTDIR)$(LIBEXECDIR)/
	install -m 0755 $(O)/berth-generator $(DESTDIR)$(LIBEXECDIR)/berth-generator
	ln -sf $(LIBEXECDIR)/berth-generator $(DESTDIR)$(SYSTEMDGENERATORDIR)/berth-generator
# the user manager's copy: the name tells the generator to use the user search path
	ln -sf $(LIBEXECDIR)/berth-generator $(DESTDIR)$(SYSTEMDUSERGENERATORDIR)/berth-user-generator
	for u in units/*.service units/*.target units/*.timer; do [ -e "$$u" ] || continue; \
		sed 's|@LIBEXECDIR@|$(LIBEXECDIR)|g; s|@BINDIR@|$(BINDIR)|g' $$u > $(DESTDIR)$(SYSTEMDUNITDIR)/$${u##*/}; done
	install -m 0644 dbus/org.berth1.conf $(DESTDIR)$(DBUSPOLICYDIR)/
	install -m 0644 dbus/org.berth1.policy $(DESTDIR)$(POLKITACTIONDIR)/
	sed 's|@LIBEXECDIR@|$(LIBEXECDIR)|g' dbus/org.berth1.service > $(DESTDIR)$(DBUSSERVICEDIR)/org.berth1.service
	for m in man/*.[158]; do [ -e "$$m" ] || continue; \
		install -m 0644 $$m $(DESTDIR)$(MANDIR)/man$${m##*.}/; done
	install -m 0644 completion/berth.bash $(DESTDIR)$(BASHCOMPLETIONDIR)/berth

# --- tests ----------------------------------------------------------------------------------------
# make check: installs what the tests need, builds with sanitizers, runs everything, prints a summary.
check: deps
	$(MAKE) SANITIZE=1 all tests
	$(MAKE) all
	tests/run-tests.sh

deps:
	tests/install-deps.sh

fuzz:
	tests/fuzz/run.sh

bench: all
	bench/run.sh

demo: deps
	$(MAKE) all
	tests/demo.sh

# Every C file of the project, for clang-format.
FORMAT_SRCS = $(wildcard lib/*/*.[ch] cli/*.[ch] runtime/*.[ch] generator/*.[ch] dbus/*.[ch] monitor/*.[ch] \
	tests/*/*.[ch])

lint: format-check check-layers
	clang-tidy --quiet $(LIB_SRCS) $(wildcard cli/*.c runtime/*.c generator/*.c dbus/*.c) -- $(BASE_CFLAGS)
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability --inline-suppr \
		--suppress=missingIncludeSystem --suppress=memleak --suppress=varFuncNullUB \
		--suppress=resourceLeak $(LIB_INCLUDES) lib cli runtime generator dbus

check-layers:
	tools/check-layers.sh $(LIB_LAYERS)

format:
	clang-format -i $(FORMAT_SRCS)

# Fails when `make format` would change a file (.clang-format is the style).
format-check:
	@clang-format --dry-run --Werror $(FORMAT_SRCS) || { echo "format-check: run 'make format'" >&2; exit 1; }

clean:
	rm -rf build

.PHONY: all tests install check deps fuzz bench demo lint check-layers format format-check clean
.DELETE_ON_ERROR:
# The unit tests' objects are made through a pattern chain: keep them. Only them: a bare .SECONDARY:
# makes every target secondary, and then a missing object or a header a stale .d file still names
# (after a rename) no longer triggers a rebuild.
.SECONDARY: $(UNIT_TEST_SRCS:%.c=$(O)/%.o)

-include $(shell find $(O) -name '*.d' 2>/dev/null)
