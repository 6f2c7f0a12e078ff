# berth: plain GNU make. `make` builds into build/, `make check` builds a sanitizer tree into
# build/asan/ and runs every test, `make demo` shows a container started by a throwaway systemd.
# Sources are found by wildcard, so adding a file to a program's folder needs no change here.

PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
LIBEXECDIR ?= $(PREFIX)/libexec/berth
MANDIR     ?= $(PREFIX)/share/man
DATADIR    ?= $(PREFIX)/share
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
BASE_CFLAGS = -std=gnu11 $(WARNINGS) -D_GNU_SOURCE -Ilib -MMD -MP -fno-strict-aliasing \
	-DBERTH_LIBEXECDIR='"$(LIBEXECDIR)"' -DBERTH_BINDIR='"$(BINDIR)"' -DBERTH_VERSION='"$(VERSION)"'
VERSION := 0.1

ifeq ($(SANITIZE),1)
O = build/asan
CFLAGS = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif

pc = $(shell $(PKG_CONFIG) --cflags --libs $(1) 2>/dev/null)
# container networks (lib/network-attach.c): links and addresses over netlink, NAT rules
LIBS_NET       = $(call pc,libnl-route-3.0 libnftables)
BASE_CFLAGS   += $(shell $(PKG_CONFIG) --cflags libnl-route-3.0 libnftables 2>/dev/null)
LIBS_LIB       = $(call pc,libarchive jansson libsystemd mount libcrypto)
LIBS_BERTH     = $(call pc,libsystemd libarchive jansson libcurl mount yaml-0.1 libcrypto) $(LIBS_NET)
LIBS_RUNTIME   = $(call pc,libseccomp libsystemd mount jansson libarchive libcrypto) $(LIBS_NET) -lm
LIBS_GENERATOR = $(call pc,jansson libarchive libcrypto)
LIBS_BERTHD    = $(call pc,libsystemd jansson libarchive mount libcrypto)

PROGRAMS = $(O)/berth $(O)/berth-runtime $(O)/berth-generator $(O)/berthd $(O)/berth-runtime-monitor \
	$(O)/berth-runtime-init

LIB_SRCS = $(wildcard lib/*.c)
LIB_OBJS = $(LIB_SRCS:%.c=$(O)/%.o)

srcs_of = $(wildcard $(1)/*.c)
objs_of = $(patsubst %.c,$(O)/%.o,$(call srcs_of,$(1)))

UNIT_TEST_SRCS = $(wildcard tests/unit/test-*.c)
UNIT_TESTS = $(UNIT_TEST_SRCS:tests/unit/%.c=$(O)/unit-tests/%)
FUZZ_SRCS = $(wildcard tests/fuzz/fuzz-*.c)

all: $(PROGRAMS)

$(O)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(CFLAGS) -c -o $@ $<

$(O)/libberth.a: $(LIB_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

$(O)/berth: $(call objs_of,cli) $(O)/libberth.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_BERTH)

$(O)/berth-runtime: $(call objs_of,runtime) $(O)/libberth.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_RUNTIME)

# What berth-runtime supervise becomes while a container runs, and the container's --init (monitor/):
# static, small, no sanitizers; with musl (musl-tools) where it is installed: 44 kB instead of glibc's
# 750 kB, and that much less resident.
MONITOR_CC ?= $(shell command -v musl-gcc 2>/dev/null || echo $(CC))
$(O)/berth-runtime-%: monitor/berth-runtime-%.c
	@mkdir -p $(@D)
	$(MONITOR_CC) -std=gnu11 $(WARNINGS) -D_GNU_SOURCE -Os -static -o $@ $<

$(O)/berth-generator: $(call objs_of,generator) $(O)/libberth.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_GENERATOR)

$(O)/berthd: $(call objs_of,dbus) $(O)/libberth.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_BERTHD)

$(O)/unit-tests/%: $(O)/tests/unit/%.o $(O)/libberth.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_BERTH) $(LIBS_RUNTIME)

# The runtime's unit tests also link the runtime's own objects (all but main.o).
$(O)/unit-tests/test-runtime-%: $(O)/tests/unit/test-runtime-%.o $(filter-out $(O)/runtime/main.o,$(call objs_of,runtime)) $(O)/libberth.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_BERTH) $(LIBS_RUNTIME)

tests: $(UNIT_TESTS)

# --- installation ---------------------------------------------------------------------------------
install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBEXECDIR) $(DESTDIR)$(SYSTEMDGENERATORDIR) \
		$(DESTDIR)$(SYSTEMDUSERGENERATORDIR) \
		$(DESTDIR)$(SYSTEMDUNITDIR) $(DESTDIR)$(DBUSPOLICYDIR) $(DESTDIR)$(DBUSSERVICEDIR) $(DESTDIR)$(POLKITACTIONDIR) \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8
	install -m 0755 $(O)/berth $(DESTDIR)$(BINDIR)/berth
	install -m 0755 $(O)/berth-runtime $(O)/berth-runtime-monitor $(O)/berth-runtime-init $(O)/berthd \
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

demo: deps all
	tests/demo.sh

lint:
	clang-tidy --quiet $(LIB_SRCS) $(wildcard cli/*.c runtime/*.c generator/*.c dbus/*.c) -- $(BASE_CFLAGS) \
		$(shell $(PKG_CONFIG) --cflags libsystemd libseccomp mount libcurl libarchive jansson)
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability --inline-suppr \
		--suppress=missingIncludeSystem --suppress=memleak --suppress=varFuncNullUB \
		--suppress=resourceLeak -Ilib lib cli runtime generator dbus

format:
	clang-format -i $(wildcard lib/*.[ch] cli/*.[ch] runtime/*.[ch] generator/*.[ch] dbus/*.[ch] tests/*/*.c)

clean:
	rm -rf build

.PHONY: all tests install check deps fuzz bench demo lint format clean
.DELETE_ON_ERROR:
.SECONDARY:

-include $(shell find $(O) -name '*.d' 2>/dev/null)
