//! `sdetkit.mk`: the seed's make targets, each one line calling `sdetkit ops …`.

/// `(target, sdetkit arguments)` for every seed target, in the seed's order.
pub const TARGETS: &[(&str, &str)] = &[
    ("real-workflow-daily", "ops daily"),
    ("real-workflow-daily-fast", "ops daily --no-setup"),
    ("real-workflow-weekly", "ops weekly"),
    ("real-workflow-premerge", "ops premerge"),
    ("real-workflow-premerge-fast", "ops premerge --rehearsal"),
    ("real-workflow", "ops daily && $(SDETKIT) ops weekly"),
    ("ops-daily", "ops daily"),
    ("ops-daily-fast", "ops daily --no-setup"),
    ("ops-weekly", "ops weekly"),
    ("ops-premerge", "ops premerge"),
    ("ops-premerge-fast", "ops premerge --rehearsal"),
    ("ops-premerge-next", "ops premerge --next"),
    ("ops-premerge-next-fast", "ops premerge --rehearsal --next"),
    ("ops-followup", "ops followup"),
    ("ops-followup-contract", "ops followup-contract"),
    ("ops-now", "ops now"),
    ("ops-now-lite", "ops now --lite"),
    ("ops-next", "ops next"),
    ("ops-workflow", "ops daily && $(SDETKIT) ops weekly"),
];

/// The file's text; `sdetkit` is the default of the overridable `SDETKIT` variable.
pub fn render(sdetkit: &str) -> String {
    let mut out = String::from(
        "# Make aliases for the sdetkit lanes (written by `sdetkit init`; safe to regenerate).\n\
         # Include it from your Makefile: `include sdetkit.mk`. Override the binary with\n\
         # `make ops-daily SDETKIT=/path/to/sdetkit`.\n",
    );
    out.push_str(&format!("SDETKIT ?= {sdetkit}\n\n.PHONY:"));
    for (target, _) in TARGETS {
        out.push_str(" \\\n\t");
        out.push_str(target);
    }
    out.push_str("\n\n");
    for (target, args) in TARGETS {
        out.push_str(&format!("{target}:\n\t$(SDETKIT) {args}\n"));
    }
    out
}
