# The programs of the stack tests (tests/stacks), each built the ways a debugger meets programs.
# Included by testdata/Makefile; outputs in build/stacks/. A program whose toolchain is missing is
# skipped with a note naming the Debian package, and its tests skip with the same message.
STACKS_OUT := build/stacks
CXX        ?= g++
GO         := $(shell command -v go 2>/dev/null)
RUSTC      := $(shell command -v rustc 2>/dev/null || ls $(HOME)/.cargo/bin/rustc 2>/dev/null)
JAVAC      := $(shell command -v javac 2>/dev/null)
STACKS_WARN = -Wall -Wextra -pthread

POOL_C := O0 O2 nofp nodebug stripped debuglink static
STACKS_BINS := $(patsubst %,$(STACKS_OUT)/pool-%,$(POOL_C)) $(STACKS_OUT)/corrupt
STACKS_OPTIONAL := cxx go rust rust-v0 java

.PHONY: stacks $(patsubst %,stacks-%,$(STACKS_OPTIONAL))
stacks: $(STACKS_BINS) $(patsubst %,stacks-%,$(STACKS_OPTIONAL))

$(STACKS_OUT):
	mkdir -p $@

$(STACKS_OUT)/pool-O0: stacks/pool.c | $(STACKS_OUT)
	$(CC) -O0 -g $(STACKS_WARN) -o $@ $<
$(STACKS_OUT)/pool-O2: stacks/pool.c | $(STACKS_OUT)
	$(CC) -O2 -g $(STACKS_WARN) -o $@ $<
$(STACKS_OUT)/pool-nofp: stacks/pool.c | $(STACKS_OUT)
	$(CC) -O2 -fomit-frame-pointer -g $(STACKS_WARN) -o $@ $<
$(STACKS_OUT)/pool-nodebug: stacks/pool.c | $(STACKS_OUT)
	$(CC) -O2 $(STACKS_WARN) -o $@ $<
$(STACKS_OUT)/pool-stripped: stacks/pool.c | $(STACKS_OUT)
	$(CC) -O2 -g $(STACKS_WARN) -o $@ $< && strip --strip-all $@
# Stripped, with its DWARF in a separate file found through .gnu_debuglink (as distributions ship -dbg files).
$(STACKS_OUT)/pool-debuglink: stacks/pool.c | $(STACKS_OUT)
	$(CC) -O2 -g $(STACKS_WARN) -o $@ $< && objcopy --only-keep-debug $@ $@.debug \
	  && strip --strip-all $@ && objcopy --add-gnu-debuglink=$@.debug $@
$(STACKS_OUT)/pool-static: stacks/pool.c | $(STACKS_OUT)
	$(CC) -O2 -g -static $(STACKS_WARN) -o $@ $<
$(STACKS_OUT)/corrupt: stacks/corrupt.c | $(STACKS_OUT)
	$(CC) -O0 -g -fno-omit-frame-pointer $(STACKS_WARN) -o $@ $<

stacks-cxx: | $(STACKS_OUT)
	@if command -v $(CXX) >/dev/null; then $(MAKE) -s $(STACKS_OUT)/pool-cxx; \
	 else echo "testdata: skipping pool-cxx: no C++ compiler (apt-get install g++)"; fi
$(STACKS_OUT)/pool-cxx: stacks/pool.cpp
	$(CXX) -O2 -g -Wall -Wextra -pthread -o $@ $<

stacks-go: | $(STACKS_OUT)
	@if [ -n "$(GO)" ]; then $(MAKE) -s $(STACKS_OUT)/pool-go; \
	 else echo "testdata: skipping pool-go: no Go toolchain (apt-get install golang-go)"; fi
$(STACKS_OUT)/pool-go: stacks/pool.go
	cd stacks && GO111MODULE=off GOFLAGS= $(GO) build -o ../$@ pool.go

stacks-rust: | $(STACKS_OUT)
	@if [ -n "$(RUSTC)" ]; then $(MAKE) -s $(STACKS_OUT)/pool-rust; \
	 else echo "testdata: skipping pool-rust: no Rust compiler (apt-get install rustc)"; fi
$(STACKS_OUT)/pool-rust: stacks/pool.rs
	$(RUSTC) -g -C opt-level=0 --edition 2021 -o $@ $<

stacks-rust-v0: | $(STACKS_OUT)
	@if [ -n "$(RUSTC)" ]; then $(MAKE) -s $(STACKS_OUT)/pool-rust-v0; \
	 else echo "testdata: skipping pool-rust-v0: no Rust compiler (apt-get install rustc)"; fi
$(STACKS_OUT)/pool-rust-v0: stacks/pool.rs
	$(RUSTC) -g -C opt-level=0 -C symbol-mangling-version=v0 --edition 2021 -o $@ $<

stacks-java: | $(STACKS_OUT)
	@if [ -n "$(JAVAC)" ]; then $(MAKE) -s $(STACKS_OUT)/java/Pool.class; \
	 else echo "testdata: skipping Pool.java: no JDK (apt-get install default-jdk-headless)"; fi
$(STACKS_OUT)/java/Pool.class: stacks/Pool.java
	$(JAVAC) -d $(STACKS_OUT)/java $<
