# peerkit: peersite (generator/), peerkiosk (kiosk/), peeradmin (admin/); the formats
# both sides share in sealed/, small shared modules in common/.
# `make` builds bin/; `make deps` installs what building needs; `make demo` and
# `make test` install it too. `make SAN=1` builds with ASan+UBSan into build/asan/
# (used by `make test` for the sanitizer pass).

# peersite loads libmicrohttpd only to serve (generator/serve.c), by the
# name its library gives itself: every other run starts 2 ms sooner.
PKGS_generator := libcmark yaml-0.1 libgit2 libsodium jansson libxxhash
MHD_SONAME := $(shell objdump -p "$$(pkg-config --variable=libdir libmicrohttpd 2>/dev/null)/libmicrohttpd.so" 2>/dev/null | sed -n 's/^ *SONAME *//p')
PKGS_kiosk     := libsodium jansson libmicrohttpd sqlite3 libseccomp
PKGS_admin     := libsodium jansson sqlite3
PKGS     := $(sort $(PKGS_generator) $(PKGS_kiosk) $(PKGS_admin))
CC       ?= cc
OPT      ?= -O2
CFLAGS   += -std=c11 -Wall -Wextra -Werror -g $(OPT) -D_DEFAULT_SOURCE -D_GNU_SOURCE \
            $(shell pkg-config --cflags $(PKGS))
TESTLIBS := $(shell pkg-config --libs cmocka 2>/dev/null)
PREFIX   ?= /usr/local

# peersite allocates and frees some 6 million small blocks a build, on
# several threads, freeing on one what another made: mimalloc (Debian's
# libmimalloc-dev) takes a cold build of the benchmark from 0.83 to 0.68 s
# where glibc's arenas wait on each other's locks (docs/testing.md). The
# sanitizers bring their own allocator: not linked there.
MALLOC_generator := -lmimalloc
MALLOC_flags     := -DPEERSITE_MIMALLOC

ifeq ($(SAN),1)
MALLOC_generator :=
MALLOC_flags     :=
BUILD    := build/asan
BINDIR   := build/asan/bin
OPT      := -O1
CFLAGS   += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS  += -fsanitize=address,undefined
else
BUILD    := build/release
BINDIR   := bin
endif

# The trust boundary is in the tree (DESIGN §9): each folder is one library,
# compiled seeing only its own headers, sealed/ and common/; each program
# links common, sealed and its own folder, so bin/peerkiosk cannot contain
# the code that opens an envelope (tests/e2e/boundary.sh checks its symbols).
FOLDERS  := common sealed generator kiosk admin
MAINS    := generator/peersite.c kiosk/peerkiosk.c admin/peeradmin.c
INC_common    := -Icommon
INC_sealed    := -Icommon -Isealed
INC_generator := -Icommon -Isealed -Igenerator $(if $(MHD_SONAME),-DMHD_SONAME='"$(MHD_SONAME)"') \
                 $(MALLOC_flags)
INC_kiosk     := -Icommon -Isealed -Ikiosk
INC_admin     := -Icommon -Isealed -Iadmin
INC_tests     := $(addprefix -I,$(FOLDERS))

lib_objs  = $(patsubst %.c,$(BUILD)/%.o,$(filter-out $(MAINS),$(wildcard $(1)/*.c)))
LIBS      := $(foreach f,$(FOLDERS),$(BUILD)/lib$(f).a)
PROGRAMS  := $(BINDIR)/peersite $(BINDIR)/peerkiosk $(BINDIR)/peeradmin
UNIT_SRC  := $(wildcard tests/unit/*/test_*.c)
UNIT_BIN  := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
HELPER_SRC := $(wildcard tests/helpers/*.c)
HELPER_BIN := $(HELPER_SRC:tests/helpers/%.c=$(BUILD)/tests/%)
# Tests and helpers may use every folder (they are not shipped).
TEST_LIBS  := $(BUILD)/libadmin.a $(BUILD)/libkiosk.a $(BUILD)/libgenerator.a \
              $(BUILD)/libsealed.a $(BUILD)/libcommon.a
TEST_LDLIBS := $(shell pkg-config --libs $(PKGS)) -lm

.PHONY: all deps test unit-tests demo bench bench-site bench-import bench-kiosk bench-request fuzz valgrind install clean

all: $(PROGRAMS) $(UNIT_BIN) $(HELPER_BIN)

deps:
	@scripts/install-deps.sh

define folder_rules
$(BUILD)/$(1)/%.o: $(1)/%.c
	@mkdir -p $$(dir $$@)
	$$(CC) $$(CFLAGS) $$(INC_$(1)) -MMD -MP -c $$< -o $$@

$(BUILD)/lib$(1).a: $(call lib_objs,$(1))
	@rm -f $$@
	$$(AR) rcs $$@ $$^
endef
$(foreach f,$(FOLDERS),$(eval $(call folder_rules,$(f))))

$(BINDIR)/peersite: $(BUILD)/generator/peersite.o $(BUILD)/libgenerator.a $(BUILD)/libsealed.a $(BUILD)/libcommon.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(MALLOC_generator) $(shell pkg-config --libs $(PKGS_generator)) -lpthread -lm

$(BINDIR)/peerkiosk: $(BUILD)/kiosk/peerkiosk.o $(BUILD)/libkiosk.a $(BUILD)/libsealed.a $(BUILD)/libcommon.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(shell pkg-config --libs $(PKGS_kiosk)) -lpthread -lm

$(BINDIR)/peeradmin: $(BUILD)/admin/peeradmin.o $(BUILD)/libadmin.a $(BUILD)/libsealed.a $(BUILD)/libcommon.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(shell pkg-config --libs $(PKGS_admin)) -lm

$(BUILD)/tests/%: tests/unit/%.c $(TEST_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(INC_tests) -Itests/unit -MMD -MP $(LDFLAGS) -o $@ $< $(TEST_LIBS) $(TEST_LDLIBS) $(TESTLIBS)

$(BUILD)/tests/%: tests/helpers/%.c $(TEST_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(INC_tests) -MMD -MP $(LDFLAGS) -o $@ $< $(TEST_LIBS) $(TEST_LDLIBS)

# The whole suite: release build, then the same tests under ASan+UBSan.
test: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory SAN=1 all
	@scripts/run-tests.sh

demo: deps
	@$(MAKE) --no-print-directory all
	@DEMO_SERVE=$(DEMO_SERVE) scripts/demo.sh

bench: bench-site bench-import bench-kiosk bench-request

bench-site: all
	@scripts/bench-site.sh

bench-import: all
	@scripts/bench-import.sh

bench-kiosk: all
	@scripts/bench-kiosk.sh

bench-request: all
	@scripts/bench-request.sh


fuzz:
	@scripts/fuzz.sh

valgrind: all
	@scripts/valgrind.sh

# Themes and the starter content are found relative to the installed binary
# (PREFIX/bin/../share/peerkit), so a relocated install keeps working.
install: $(PROGRAMS)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
	    $(DESTDIR)$(PREFIX)/share/peerkit $(DESTDIR)$(PREFIX)/share/doc/peerkit
	install -m 0755 $(PROGRAMS) $(DESTDIR)$(PREFIX)/bin/
	install -m 0644 man/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 0755 scripts/kiosk-session.sh $(DESTDIR)$(PREFIX)/share/peerkit/
	rm -rf $(DESTDIR)$(PREFIX)/share/peerkit/themes $(DESTDIR)$(PREFIX)/share/peerkit/starter
	cp -R themes $(DESTDIR)$(PREFIX)/share/peerkit/themes
	cp -R generator/starter $(DESTDIR)$(PREFIX)/share/peerkit/starter
	install -m 0644 README.md docs/*.md $(DESTDIR)$(PREFIX)/share/doc/peerkit/

clean:
	rm -rf build bin

-include $(shell find build -name '*.d' 2>/dev/null)
