# peerkit: peersite (generator/), peerkiosk and peeradmin (kiosk/), shared code in common/.
# `make` builds bin/; `make test` runs every test; `make SAN=1` builds with ASan+UBSan
# into build/asan/ (used by `make test` for the sanitizer pass).

PKGS     := libcmark yaml-0.1 libgit2 libsodium jansson libmicrohttpd sqlite3
CC       ?= cc
OPT      ?= -O2
CFLAGS   += -std=c11 -Wall -Wextra -Werror -g $(OPT) -D_DEFAULT_SOURCE -D_GNU_SOURCE \
            -Icommon -Igenerator -Ikiosk $(shell pkg-config --cflags $(PKGS))
LDLIBS   += $(shell pkg-config --libs $(PKGS)) -lm
TESTLIBS := $(shell pkg-config --libs cmocka 2>/dev/null)
PREFIX   ?= /usr/local

ifeq ($(SAN),1)
BUILD    := build/asan
BINDIR   := build/asan/bin
OPT      := -O1
CFLAGS   += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS  += -fsanitize=address,undefined
else
BUILD    := build/release
BINDIR   := bin
endif

MAINS       := generator/peersite.c kiosk/peerkiosk.c kiosk/peeradmin.c
LIB_SRC     := $(filter-out $(MAINS),$(wildcard common/*.c generator/*.c kiosk/*.c))
LIB_OBJ     := $(LIB_SRC:%.c=$(BUILD)/%.o)
LIB         := $(BUILD)/libpeerkit.a
PROGRAMS    := $(patsubst %.c,$(BINDIR)/%,$(notdir $(wildcard $(MAINS))))
UNIT_SRC    := $(wildcard tests/unit/test_*.c)
UNIT_BIN    := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
HELPER_SRC  := $(wildcard tests/helpers/*.c)
HELPER_BIN  := $(HELPER_SRC:tests/helpers/%.c=$(BUILD)/tests/%)

.PHONY: all deps test unit-tests demo bench bench-site bench-import bench-kiosk fuzz install clean

all: deps $(PROGRAMS) $(UNIT_BIN) $(HELPER_BIN)

deps:
	@scripts/install-deps.sh

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(LIB): $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(BINDIR)/%: $(BUILD)/generator/%.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

$(BINDIR)/%: $(BUILD)/kiosk/%.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS) $(TESTLIBS)

$(BUILD)/tests/%: tests/helpers/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

# The whole suite: release build, then the same tests under ASan+UBSan.
test: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory SAN=1 all
	@scripts/run-tests.sh

demo: all
	@DEMO_SERVE=$(DEMO_SERVE) scripts/demo.sh

bench: bench-site bench-import bench-kiosk

bench-site: all
	@scripts/bench-site.sh

bench-import: all
	@scripts/bench-import.sh

bench-kiosk: all
	@scripts/bench-kiosk.sh


fuzz:
	@scripts/fuzz.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 0755 $(PROGRAMS) $(DESTDIR)$(PREFIX)/bin/
	install -m 0644 man/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -d $(DESTDIR)$(PREFIX)/share/peerkit
	install -m 0755 scripts/kiosk-session.sh $(DESTDIR)$(PREFIX)/share/peerkit/

clean:
	rm -rf build bin

-include $(shell find build -name '*.d' 2>/dev/null)
