# Make aliases for the sdetkit lanes (written by `sdetkit init`; safe to regenerate).
# Include it from your Makefile: `include sdetkit.mk`. Override the binary with
# `make ops-daily SDETKIT=/path/to/sdetkit`.
SDETKIT ?= sdetkit

.PHONY: \
	real-workflow-daily \
	real-workflow-daily-fast \
	real-workflow-weekly \
	real-workflow-premerge \
	real-workflow-premerge-fast \
	real-workflow \
	ops-daily \
	ops-daily-fast \
	ops-weekly \
	ops-premerge \
	ops-premerge-fast \
	ops-premerge-next \
	ops-premerge-next-fast \
	ops-followup \
	ops-followup-contract \
	ops-now \
	ops-now-lite \
	ops-next \
	ops-workflow

real-workflow-daily:
	$(SDETKIT) ops daily
real-workflow-daily-fast:
	$(SDETKIT) ops daily --no-setup
real-workflow-weekly:
	$(SDETKIT) ops weekly
real-workflow-premerge:
	$(SDETKIT) ops premerge
real-workflow-premerge-fast:
	$(SDETKIT) ops premerge --rehearsal
real-workflow:
	$(SDETKIT) ops daily && $(SDETKIT) ops weekly
ops-daily:
	$(SDETKIT) ops daily
ops-daily-fast:
	$(SDETKIT) ops daily --no-setup
ops-weekly:
	$(SDETKIT) ops weekly
ops-premerge:
	$(SDETKIT) ops premerge
ops-premerge-fast:
	$(SDETKIT) ops premerge --rehearsal
ops-premerge-next:
	$(SDETKIT) ops premerge --next
ops-premerge-next-fast:
	$(SDETKIT) ops premerge --rehearsal --next
ops-followup:
	$(SDETKIT) ops followup
ops-followup-contract:
	$(SDETKIT) ops followup-contract
ops-now:
	$(SDETKIT) ops now
ops-now-lite:
	$(SDETKIT) ops now --lite
ops-next:
	$(SDETKIT) ops next
ops-workflow:
	$(SDETKIT) ops daily && $(SDETKIT) ops weekly
