# This repository's own make targets. The lane aliases come from sdetkit.mk (written by
# `sdetkit init`); here they run the binary built from this checkout.
SDETKIT ?= cargo run --release --quiet --

include sdetkit.mk

.PHONY: build test lint fmt bench

build:
	cargo build --release

test:
	cargo test

lint:
	cargo fmt --check
	cargo clippy --all-targets -- -D warnings

fmt:
	cargo fmt

bench:
	cargo bench
