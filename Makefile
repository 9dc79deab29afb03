# SPDX-License-Identifier: Apache-2.0
#
# One non-recursive build; every output goes under build/ (build/sanitize/
# with SANITIZE=1). Everything in src/ except src/cli/main.c goes into
# libcore.a, which both the program and the test runner link.
#
#   make            build build/resq-flame
#   make test       install missing dependencies, build, run every test
#   make demo       record the bundled demo workload into flamegraph.svg
#   make bench      benchmarks against the peer tools (not a test);
#                   BENCH_ONLY=render|record|offcpu|dwarf runs one of its parts
#   make fuzz       every libFuzzer target for FUZZ_SECONDS (60) each
#   make install PREFIX=/usr/local   (and uninstall; see install: below)
#   knobs: V=1 SANITIZE=1 BLESS=1 (with make test/check)

.DELETE_ON_ERROR:
.SUFFIXES:
.SECONDARY:
.DEFAULT_GOAL := all

CC ?= cc
ifeq ($(origin CC),default)
CC := gcc
endif
PKG_CONFIG ?= pkg-config
PREFIX ?= /usr/local
DESTDIR ?=

ifeq ($(FUZZ),1)
# libFuzzer targets: clang, ASan + UBSan, their own build directory.
CC := clang
BUILD ?= build/fuzz
SAN_FLAGS := -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined \
	-fno-omit-frame-pointer
else ifeq ($(SANITIZE),1)
BUILD ?= build/sanitize
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
else
BUILD ?= build
SAN_FLAGS :=
endif

ifeq ($(V),1)
Q :=
msg = @true
else
Q := @
msg = @printf '  %-8s %s\n' '$(1)' '$(2)';
endif

VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)
GIT_REV := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)

WARN := -Wall -Wextra -Wno-unused-parameter -Wno-sign-compare -Wmissing-prototypes \
	-Wstrict-prototypes -Wformat=2 -Wno-format-nonliteral
CFLAGS ?= -O2 -g
BASE_CFLAGS := -std=gnu11 $(WARN) -iquote include -D_GNU_SOURCE \
	-DRESQ_VERSION='"$(VERSION)"' -MMD -MP
LDLIBS := -lm

# The libraries and tools resq-flame is made of are required: a build that
# misses one stops before compiling anything, naming the Debian packages and
# `make deps`. Switching a feature off is explicit: NO_ZLIB=1, NO_LIBDW=1,
# NO_LIBUNWIND=1, NO_LIBIBERTY=1, NO_BPF=1, NO_PROTOBUF_C=1; `--version`
# lists what was built in. Each missing piece adds its packages to
# MISSING_PKGS and what it is for to MISSING_WHAT.
MISSING_PKGS :=
MISSING_WHAT :=
ifneq ($(shell command -v $(PKG_CONFIG) >/dev/null 2>&1 && echo y),y)
MISSING_PKGS += pkg-config
MISSING_WHAT += ;pkg-config
endif
ifneq ($(shell command -v $(CC) >/dev/null 2>&1 && echo y),y)
MISSING_PKGS += build-essential
MISSING_WHAT += ;a C compiler ($(CC))
endif

# feature,NAME,pkg-config modules,Debian packages,what it is for
define feature
ifeq ($$(NO_$(1)),1)
HAVE_$(1) := 0
else ifeq ($$(shell $$(PKG_CONFIG) --exists $(2) 2>/dev/null && echo y),y)
HAVE_$(1) := 1
BASE_CFLAGS += -DHAVE_$(1)=1 $$(shell $$(PKG_CONFIG) --cflags $(2))
LDLIBS += $$(shell $$(PKG_CONFIG) --libs $(2))
else
HAVE_$(1) := 0
MISSING_PKGS += $(3)
MISSING_WHAT += ;$(4) ($(3), or NO_$(1)=1)
endif
endef
$(eval $(call feature,ZLIB,zlib,zlib1g-dev,gzip input))
$(eval $(call feature,LIBDW,libdw libelf,libdw-dev libelf-dev,user-space symbols and DWARF unwinding))
# Second DWARF unwinder (record --unwinder libunwind); libdw is the default.
$(eval $(call feature,LIBUNWIND,libunwind-generic libelf,libunwind-dev libelf-dev,record --unwinder libunwind))

# The same for a library without a pkg-config file: probe its header with
# the compiler; (5) is what to link.
define feature_header
ifeq ($$(NO_$(1)),1)
HAVE_$(1) := 0
else ifeq ($$(shell $$(CC) -E -include $(2) -x c /dev/null >/dev/null 2>&1 && echo y),y)
HAVE_$(1) := 1
BASE_CFLAGS += -DHAVE_$(1)=1
LDLIBS += $(5)
else
HAVE_$(1) := 0
MISSING_PKGS += $(3)
MISSING_WHAT += ;$(4) ($(3), or NO_$(1)=1)
endif
endef
$(eval $(call feature_header,LIBIBERTY,libiberty/demangle.h,libiberty-dev,C++ and Rust demangling,-liberty))

# eBPF (offcpu, record --wall): libbpf, plus clang and bpftool to build the
# program and its skeleton. NO_BPF=1 turns it off; include/offcpu.h then
# supplies stubs.
BPF_CLANG ?= clang
BPFTOOL ?= $(shell command -v bpftool 2>/dev/null || echo /usr/sbin/bpftool)
ifneq ($(NO_BPF),1)
ifneq ($(shell command -v $(BPF_CLANG) >/dev/null 2>&1 && echo y),y)
MISSING_PKGS += clang
MISSING_WHAT += ;the BPF compiler $(BPF_CLANG) (clang, or NO_BPF=1)
endif
ifneq ($(shell test -x $(BPFTOOL) && echo y),y)
MISSING_PKGS += bpftool
MISSING_WHAT += ;$(BPFTOOL) for the BPF skeleton (bpftool, or NO_BPF=1)
endif
endif
$(eval $(call feature,BPF,libbpf,libbpf-dev,off-CPU profiling))

# pprof input and output: protoc-c generates C from proto/profile.proto into
# $(BUILD)/gen at build time; libprotobuf-c decodes and encodes with it.
PROTOC_C ?= protoc-c
ifneq ($(NO_PROTOBUF_C),1)
ifneq ($(shell command -v $(PROTOC_C) >/dev/null 2>&1 && echo y),y)
MISSING_PKGS += protobuf-c-compiler
MISSING_WHAT += ;$(PROTOC_C) for pprof (protobuf-c-compiler, or NO_PROTOBUF_C=1)
endif
endif
$(eval $(call feature,PROTOBUF_C,libprotobuf-c,libprotobuf-c-dev,pprof input and output))
ifeq ($(HAVE_PROTOBUF_C),1)
BASE_CFLAGS += -iquote $(BUILD)/gen
endif

# Stop now, before compiling anything, unless every goal is one that does
# not build (`make test` runs `make deps` first, then builds in a sub-make).
NOBUILD_GOALS := deps test check clean format uninstall fuzz
ifneq ($(strip $(MISSING_PKGS)),)
ifneq ($(MAKECMDGOALS),)
BUILD_GOALS := $(filter-out $(NOBUILD_GOALS),$(MAKECMDGOALS))
else
BUILD_GOALS := all
endif
ifneq ($(BUILD_GOALS),)
define newline


endef
MISSING_MSG := missing build dependencies:$(subst ;,$(newline)  ,$(strip $(MISSING_WHAT)))
MISSING_MSG += $(newline)$(newline)Install them with `make deps` (as root), which runs
MISSING_MSG += $(newline)  apt-get install $(sort $(MISSING_PKGS))$(newline)
$(error $(MISSING_MSG))
endif
endif

ALL_CFLAGS := $(BASE_CFLAGS) $(SAN_FLAGS) $(CFLAGS)
ALL_LDFLAGS := $(SAN_FLAGS) $(LDFLAGS)

CRITERION_CFLAGS := $(shell $(PKG_CONFIG) --cflags criterion 2>/dev/null)
CRITERION_LIBS := $(shell $(PKG_CONFIG) --libs criterion 2>/dev/null)

LIB_SRCS := $(filter-out src/cli/main.c,$(sort $(wildcard src/*/*.c src/*/*/*.c)))
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o)
ifeq ($(HAVE_PROTOBUF_C),1)
LIB_OBJS += $(BUILD)/gen/profile.pb-c.o
endif
MAIN_OBJ := $(BUILD)/src/cli/main.o
# The fuzz targets' bodies too: tests/test_fuzz_regressions.c replays inputs through them.
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))
TEST_SRCS := $(sort $(wildcard tests/test_*.c tests/helpers/*.c)) $(FUZZ_SRCS)
TEST_OBJS := $(TEST_SRCS:%.c=$(BUILD)/%.o)
WORKLOAD_SRCS := $(sort $(wildcard tests/workloads/*.c))
WORKLOAD_CXX_SRCS := $(sort $(wildcard tests/workloads/*.cpp))
WORKLOADS := $(WORKLOAD_SRCS:tests/workloads/%.c=$(BUILD)/workloads/%) \
	$(WORKLOAD_CXX_SRCS:tests/workloads/%.cpp=$(BUILD)/workloads/%)
# These are built a second time without frame pointers, as NAME_nofp.
NOFP_WORKLOADS := burner chain qsort_cb libc_leaf deep_rec libc_handlers bench_burner
WORKLOADS += $(NOFP_WORKLOADS:%=$(BUILD)/workloads/%_nofp)

PROG := $(BUILD)/resq-flame
LIBCORE := $(BUILD)/libcore.a
RUNNER := $(BUILD)/test-runner

# Rebuild everything when the effective flags change.
FLAGS_STAMP := $(BUILD)/.flags
FLAGS_NOW := $(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) $(LDLIBS)
$(shell mkdir -p $(BUILD) && (printf '%s\n' '$(FLAGS_NOW)' | cmp -s - $(FLAGS_STAMP) || printf '%s\n' '$(FLAGS_NOW)' > $(FLAGS_STAMP)))

# The git revision reaches only options.o (--version), with a stamp of its
# own, so that a new commit does not rebuild everything.
REV_STAMP := $(BUILD)/.git-rev
$(shell printf '%s\n' '$(GIT_REV)' | cmp -s - $(REV_STAMP) || printf '%s\n' '$(GIT_REV)' > $(REV_STAMP))
$(BUILD)/src/cli/options.o: $(REV_STAMP)
$(BUILD)/src/cli/options.o: ALL_CFLAGS += -DRESQ_GIT_REV='"$(GIT_REV)"'
# --version lists the features built in; a change of NO_X=1 changes the
# flags stamp, so options.o is rebuilt with it.
feature_word = $(if $(filter 1,$(HAVE_$(1))),+,-)$(2)
FEATURES := $(call feature_word,LIBDW,libdw) $(call feature_word,LIBUNWIND,libunwind) \
	$(call feature_word,BPF,bpf) $(call feature_word,PROTOBUF_C,pprof) \
	$(call feature_word,ZLIB,gzip) $(call feature_word,LIBIBERTY,demangle)
$(BUILD)/src/cli/options.o: ALL_CFLAGS += -DRESQ_FEATURES='"$(FEATURES)"'

.PHONY: all test check test-run deps demo bench install clean format fuzz fuzz-build valgrind
all: $(PROG)

$(BUILD)/%.o: %.c $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	$(call msg,CC,$<)$(CC) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/tests/%.o: tests/%.c $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	$(call msg,CC,$<)$(CC) $(ALL_CFLAGS) $(CRITERION_CFLAGS) \
		-DRESQ_SRCDIR='"$(CURDIR)"' -DRESQ_BUILDDIR='"$(abspath $(BUILD))"' -c $< -o $@

$(LIBCORE): $(LIB_OBJS)
	$(call msg,AR,$@)rm -f $@ && ar rcs $@ $^

$(PROG): $(MAIN_OBJ) $(LIBCORE)
	$(call msg,LINK,$@)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS)

# Tests run the workloads (symbolization fixtures, record targets).
$(RUNNER): $(TEST_OBJS) $(LIBCORE) | $(WORKLOADS)
	$(call msg,LINK,$@)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CRITERION_LIBS) $(LDLIBS)

# The off-CPU BPF program: clang for the BPF target, `bpftool gen object`
# to drop the DWARF (a 27k-line skeleton otherwise), then the skeleton,
# which only src/capture/offcpu.c includes ("bpf/offcpu.skel.h"). clang's
# own system include dirs are re-added after ours: -target bpf does not
# search the host's multiarch dir. GEN_VMLINUX_H=1 uses the running
# kernel's full BTF dump instead of the hand-written bpf/vmlinux.h.
ifeq ($(HAVE_BPF),1)
BPF_ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
CLANG_BPF_SYS_INCLUDES := $(shell $(BPF_CLANG) -v -E - </dev/null 2>&1 | \
	sed -n '/<...> search starts here:/,/End of search list./{ s| \(/.*\)|-idirafter \1|p }')
ifeq ($(GEN_VMLINUX_H),1)
VMLINUX_DIR := $(BUILD)/bpf/gen
$(VMLINUX_DIR)/vmlinux.h:
	@mkdir -p $(dir $@)
	$(call msg,GEN,$@)$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@
else
VMLINUX_DIR := bpf
endif
$(BUILD)/bpf/%.bpf.o: bpf/%.bpf.c bpf/%_shared.h $(VMLINUX_DIR)/vmlinux.h $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	$(call msg,CLANG,$<)$(BPF_CLANG) -target bpf -g -O2 -Wall -D__TARGET_ARCH_$(BPF_ARCH) \
		-I$(VMLINUX_DIR) $(CLANG_BPF_SYS_INCLUDES) -c $< -o $@
$(BUILD)/bpf/%.lnk.o: $(BUILD)/bpf/%.bpf.o
	$(call msg,BPFOBJ,$@)$(BPFTOOL) gen object $@ $<
$(BUILD)/bpf/%.skel.h: $(BUILD)/bpf/%.lnk.o
	$(call msg,SKEL,$@)$(BPFTOOL) gen skeleton $< name $*_bpf > $@
$(BUILD)/src/capture/offcpu.o: $(BUILD)/bpf/offcpu.skel.h
$(BUILD)/src/capture/offcpu.o: ALL_CFLAGS += -iquote . -iquote $(BUILD)
endif

# Generated protobuf code; the files that include its header wait for it.
$(BUILD)/gen/%.pb-c.c $(BUILD)/gen/%.pb-c.h: proto/%.proto
	@mkdir -p $(dir $@)
	$(call msg,PROTOC,$<)$(PROTOC_C) --proto_path=proto --c_out=$(BUILD)/gen $<
$(BUILD)/gen/%.o: $(BUILD)/gen/%.c $(FLAGS_STAMP)
	$(call msg,CC,$<)$(CC) $(ALL_CFLAGS) -c $< -o $@
ifeq ($(HAVE_PROTOBUF_C),1)
$(BUILD)/src/import/pprof.o $(BUILD)/src/render/export_pprof.o: $(BUILD)/gen/profile.pb-c.h
endif

# Workloads are profiled, not sanitized. They keep frame pointers in every
# function: gcc 12 drops the frame setup of leaf functions even with
# -mno-omit-leaf-frame-pointer, which loses the leaf's caller, so use clang.
WORKLOAD_CC ?= clang
WORKLOAD_CFLAGS := -O2 -g -fno-omit-frame-pointer -mno-omit-leaf-frame-pointer \
	-fno-optimize-sibling-calls
$(BUILD)/workloads/%: tests/workloads/%.c
	@mkdir -p $(dir $@)
	$(call msg,CC,$<)$(WORKLOAD_CC) $(WORKLOAD_CFLAGS) -o $@ $< -lm -pthread
WORKLOAD_CXX ?= clang++
$(BUILD)/workloads/%: tests/workloads/%.cpp
	@mkdir -p $(dir $@)
	$(call msg,CXX,$<)$(WORKLOAD_CXX) $(WORKLOAD_CFLAGS) -o $@ $< -lm -pthread
# NAME_nofp: NAME.c as most distribution code is built, without frame
# pointers (the --call-graph dwarf tests). No sibling calls either, so that
# the source's call chain is the machine's.
WORKLOAD_NOFP_CFLAGS := -O2 -g -fomit-frame-pointer -fno-optimize-sibling-calls
$(BUILD)/workloads/%_nofp: tests/workloads/%.c
	@mkdir -p $(dir $@)
	$(call msg,CC,$<)$(WORKLOAD_CC) $(WORKLOAD_NOFP_CFLAGS) -o $@ $< -lm -pthread

# `make test` first installs what is missing, then re-reads this Makefile so
# that pkg-config sees the new libraries.
test check: deps
	@$(MAKE) --no-print-directory test-run

deps:
	@tools/deps.sh

test-run: $(PROG) $(RUNNER) $(WORKLOADS)
	@tools/check-layering.sh
	@test -n '$(CRITERION_LIBS)' || { echo 'criterion not found: install libcriterion-dev' >&2; exit 1; }
	$(Q)RESQ_BIN=$(abspath $(PROG)) RESQ_BLESS=$(BLESS) tools/run-tests.sh $(RUNNER) $(TEST_ARGS)

# Records the bundled workload; falls back to the bundled capture (recorded
# with perf from the same workload) only when recording fails, e.g. when
# perf_event_open is refused.
demo: $(PROG) $(BUILD)/workloads/demo
	@if $(PROG) record -F 999 -o flamegraph.svg \
		--title 'resq-flame demo: record of tests/workloads/demo.c' -- $(BUILD)/workloads/demo 3; then \
		echo 'wrote flamegraph.svg from a live recording: open it in a browser'; \
	else \
		echo 'make demo: recording failed (see above); rendering the bundled capture tests/data/demo/demo.perf.gz instead' >&2; \
		$(PROG) render tests/data/demo/demo.perf.gz -o flamegraph.svg \
			--title 'resq-flame demo: perf record -g of tests/workloads/demo.c (bundled capture)' && \
		echo 'wrote flamegraph.svg from the bundled capture: open it in a browser'; \
	fi

# The benchmark's input generator (tools/gen_bench.c), not part of libcore.
GEN_BENCH := $(BUILD)/tools/gen_bench
$(GEN_BENCH): $(BUILD)/tools/gen_bench.o
	$(call msg,LINK,$@)$(CC) $(ALL_LDFLAGS) -o $@ $^ -lm

# BENCH_ONLY=render, record, offcpu or dwarf runs one of the benchmarks.
BENCH_ONLY ?=
bench: $(PROG) $(GEN_BENCH) $(BUILD)/workloads/bench_burner $(BUILD)/workloads/demo \
		$(BUILD)/workloads/syscalls $(BUILD)/workloads/pingpong \
		$(BUILD)/workloads/bench_burner_nofp $(BUILD)/workloads/burner_nofp
	@case '$(BENCH_ONLY)' in ''|render|record|offcpu|dwarf) ;; \
	*) echo 'make bench: BENCH_ONLY must be render, record, offcpu or dwarf' >&2; exit 2;; esac
	@if [ -z '$(BENCH_ONLY)' ] || [ '$(BENCH_ONLY)' = render ]; then tools/bench.sh $(PROG) $(GEN_BENCH); fi
	@if [ -z '$(BENCH_ONLY)' ] || [ '$(BENCH_ONLY)' = record ]; then tools/bench_record.sh $(PROG) $(BUILD)/workloads; fi
	@if [ -z '$(BENCH_ONLY)' ] || [ '$(BENCH_ONLY)' = offcpu ]; then tools/bench_offcpu.sh $(PROG) $(BUILD)/workloads; fi
	@if [ -z '$(BENCH_ONLY)' ] || [ '$(BENCH_ONLY)' = dwarf ]; then tools/bench_dwarf.sh $(PROG) $(BUILD)/workloads; fi

# make fuzz FUZZ_SECONDS=60: build every tests/fuzz/fuzz_*.c and run each for
# that long (tools/fuzz.sh); FUZZ_TARGETS='fuzz_elf fuzz_unwind' runs only
# those, FUZZ_BUILD=DIR builds elsewhere than build/fuzz. A few workloads are
# the ELF seeds of the symbolizer and unwinder targets. In the test runner
# the same files are compiled without their libFuzzer entry point.
FUZZ_SECONDS ?= 60
FUZZ_BUILD ?= build/fuzz
FUZZ_TARGETS ?=
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(BUILD)/%,$(FUZZ_SRCS))
$(BUILD)/fuzz_%: $(BUILD)/tests/fuzz/fuzz_%.o $(LIBCORE)
	$(call msg,LINK,$@)$(CC) $(ALL_LDFLAGS) -fsanitize=fuzzer -o $@ $^ $(LDLIBS)
ifneq ($(FUZZ),1)
$(BUILD)/tests/fuzz/%.o: ALL_CFLAGS += -DRESQ_FUZZ_NO_MAIN
endif
FUZZ_ELF_SEEDS := $(addprefix $(BUILD)/workloads/,symfix symfix_cpp inline chain_nofp qsort_cb_nofp)
fuzz-build: $(FUZZ_BINS) $(FUZZ_ELF_SEEDS)
	@:
fuzz:
	@$(MAKE) --no-print-directory FUZZ=1 BUILD=$(FUZZ_BUILD) fuzz-build
	@tools/fuzz.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# make install / make uninstall (PREFIX, DESTDIR; BINDIR, MANDIR, BASHCOMPDIR,
# ZSHCOMPDIR, DEBUGDIR): tools/install.sh, which the install tests run too,
# installs the program, the man page resq-flame(1) and the bash and zsh
# completions. The program is stripped with $(STRIP); STRIP= (empty) installs
# it with its debug info, and SPLIT_DEBUG=1 keeps the debug info in
# $(PREFIX)/lib/debug$(PREFIX)/bin/resq-flame.debug (objcopy --only-keep-debug),
# linked from the stripped program by --add-gnu-debuglink, where gdb finds it.
# The man page and the completions are generated from the --help texts of the
# program just built (tools/gen-man.sh, tools/gen-completion.sh, both reading
# tools/help-records.sh), so they cannot drift from it.
STRIP ?= strip
OBJCOPY ?= objcopy
SPLIT_DEBUG ?= 0
MAN_PAGE := $(BUILD)/resq-flame.1
COMPLETIONS := $(BUILD)/completion/resq-flame $(BUILD)/completion/_resq-flame
INSTALL_ENV := DESTDIR='$(DESTDIR)' PREFIX='$(PREFIX)' STRIP='$(STRIP)' OBJCOPY='$(OBJCOPY)' \
	SPLIT_DEBUG='$(SPLIT_DEBUG)'

$(MAN_PAGE): $(PROG) tools/gen-man.sh tools/help-records.sh
	$(call msg,GEN,$@)tools/gen-man.sh $(PROG) > $@
$(BUILD)/completion/resq-flame: $(PROG) tools/gen-completion.sh tools/help-records.sh
	@mkdir -p $(dir $@)
	$(call msg,GEN,$@)tools/gen-completion.sh $(PROG) bash > $@
$(BUILD)/completion/_resq-flame: $(PROG) tools/gen-completion.sh tools/help-records.sh
	@mkdir -p $(dir $@)
	$(call msg,GEN,$@)tools/gen-completion.sh $(PROG) zsh > $@
all test-run: $(MAN_PAGE) $(COMPLETIONS)

# The tests that need no privileges, under valgrind's memcheck (not part of
# `make test`: it takes several minutes).
valgrind: $(PROG) $(RUNNER) $(WORKLOADS)
	@tools/valgrind.sh $(RUNNER) $(abspath $(PROG))

.PHONY: uninstall
install: $(PROG) $(MAN_PAGE) $(COMPLETIONS)
	$(Q)$(INSTALL_ENV) tools/install.sh install $(BUILD)

uninstall:
	$(Q)$(INSTALL_ENV) tools/install.sh uninstall $(BUILD)

format:
	@tools/format.sh

clean:
	rm -rf build

-include $(LIB_OBJS:.o=.d) $(MAIN_OBJ:.o=.d) $(TEST_OBJS:.o=.d) $(BUILD)/tools/gen_bench.d
