//! Command-line arguments: parsing only, no behaviour.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::report::Format;

/// Deterministic release confidence for any repository: are we ready to ship, what failed
/// first, and what to fix next.
#[derive(Debug, Parser)]
#[command(
    name = "sdetkit",
    version,
    propagate_version = true,
    max_term_width = 100,
    after_help = "Examples:\n  sdetkit ops daily        # ready to ship? what failed first? what next?\n  \
                  sdetkit gate fast        # format, lint, tests, in parallel\n  \
                  sdetkit ops premerge     # before a merge\n  \
                  sdetkit ops weekly       # KPIs and the weekly page"
)]
pub struct Cli {
    #[command(flatten)]
    /// Options every command takes.
    pub global: Global,
    #[command(subcommand)]
    /// The command.
    pub command: Command,
}

/// Top-level commands: those that work on a repository, and those about sdetkit itself.
#[derive(Debug, Subcommand)]
pub enum Command {
    #[command(flatten)]
    /// A command that works on a repository.
    Repo(RepoCommand),
    /// Shell completions (bash, zsh, fish, elvish, powershell), on stdout
    #[command(after_help = "Examples:\n  \
        sdetkit completions bash > ~/.local/share/bash-completion/completions/sdetkit\n  \
        sdetkit completions zsh > ~/.zfunc/_sdetkit        # with fpath+=(~/.zfunc)\n  \
        sdetkit completions fish > ~/.config/fish/completions/sdetkit.fish")]
    Completions {
        /// The shell
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// The JSON Schema of sdetkit.toml, for editors (completion and checks as you type)
    #[command(subcommand)]
    Config(ConfigCommand),
    /// The manual page (roff) on stdout, or a page per command in a directory
    #[command(after_help = "Examples:\n  \
        sdetkit man > ~/.local/share/man/man1/sdetkit.1 && man sdetkit\n  \
        sdetkit man --dir ~/.local/share/man/man1 && man sdetkit-ops-daily")]
    Man {
        /// Write every command's page into DIR (sdetkit.1, sdetkit-ops-daily.1, …)
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

/// Options every command takes.
#[derive(Debug, Args)]
#[command(next_help_heading = "Global options")]
pub struct Global {
    /// Repository root [default: git top-level of the current directory, else the current directory]
    #[arg(long, global = true, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// Config file [default: <root>/sdetkit.toml; auto-detection when absent]
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Where artifacts go [default: <root>/build]
    #[arg(long, global = true, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
    /// Colour in text output
    #[arg(long, global = true, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
    /// No progress display
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// More detail in text reports (failure excerpts)
    #[arg(short, long, global = true)]
    pub verbose: bool,
    /// CI-native output: annotations and a job summary on GitHub Actions, JUnit and Code
    /// Quality reports and collapsible sections on GitLab CI [auto: from GITHUB_ACTIONS /
    /// GITLAB_CI; never outside CI]
    #[arg(long, global = true, value_enum, default_value_t = CiChoice::Auto)]
    pub ci: CiChoice,
}

/// `--ci`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CiChoice {
    /// The CI the environment says the run is in
    Auto,
    /// GitHub Actions
    Github,
    /// GitLab CI
    Gitlab,
    /// No CI-native output
    None,
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Color {
    Auto,
    Always,
    Never,
}

impl Color {
    /// Whether to colour output to a terminal (`tty`) or not. `auto` follows the conventions
    /// other tools follow: `NO_COLOR` set and not empty turns colour off (no-color.org) and
    /// wins; `CLICOLOR_FORCE` set and not `0` turns it on even when piped; otherwise colour
    /// on a terminal only. `always` and `never` are the user's word and win over both.
    pub fn wanted(self, tty: bool, env: impl Fn(&str) -> Option<std::ffi::OsString>) -> bool {
        let set = |name: &str| env(name).filter(|v| !v.is_empty());
        match self {
            Color::Always => true,
            Color::Never => false,
            Color::Auto if set("NO_COLOR").is_some() => false,
            Color::Auto if set("CLICOLOR_FORCE").is_some_and(|v| v != "0") => true,
            Color::Auto => tty,
        }
    }
}

/// `config …`.
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print the JSON Schema of sdetkit.toml (JSON Schema 2020-12)
    #[command(after_help = "Examples:\n  \
        sdetkit config schema > .sdetkit.schema.json\n  \
        # then, first line of sdetkit.toml, for Taplo / Even Better TOML:\n  \
        #:schema ./.sdetkit.schema.json")]
    Schema,
}

/// The commands that work on a repository.
#[derive(Debug, Subcommand)]
pub enum RepoCommand {
    /// Propose the gate from the repository's own conventions and write sdetkit.toml
    ///
    /// Reads the repository's CI (GitHub Actions run steps with their matrix, GitLab, Travis,
    /// CircleCI), the tox / nox / pre-commit configuration CI runs, package.json scripts and
    /// Makefile targets, and keeps the local fast checks (format, lint, type-check, test);
    /// installs, uploads, nightly-only and network commands are left out and named. Where CI
    /// says nothing about an ecosystem, its defaults apply. Prints every step with where it came
    /// from, writes sdetkit.toml with a [setup] that installs the dependencies, and writes
    /// sdetkit.mk (make aliases for the lanes) only when the repository has a Makefile.
    #[command(
        after_help = "Examples:\n  sdetkit init                   # propose and write sdetkit.toml\n  sdetkit init --hook pre-push   # the fast gate before every push"
    )]
    Init {
        /// Overwrite existing files
        #[arg(long)]
        force: bool,
        /// Install a git hook instead: `pre-push` runs `sdetkit gate fast` before every push
        /// (in .git/hooks, or core.hooksPath; an existing hook is kept unless --force)
        #[arg(long, value_enum, value_name = "HOOK")]
        hook: Option<Hook>,
    },
    /// Run a gate: `fast` (format, lint, tests) or `release` (release preflight)
    #[command(subcommand)]
    Gate(GateCommand),
    /// Repository and environment health (exit 1 on an error-severity finding)
    #[command(after_help = "Examples:\n  sdetkit doctor\n  sdetkit doctor --release --format json")]
    Doctor(DoctorArgs),
    /// The lanes: daily, pre-merge and weekly, their proof, follow-up and status
    #[command(subcommand)]
    Ops(OpsCommand),
    /// Explain a failure from its log
    #[command(subcommand)]
    Investigate(InvestigateCommand),
    /// Deterministic evidence bundle of a run, and its verification
    #[command(subcommand)]
    Evidence(EvidenceCommand),
    /// KPIs of every repository in the PostgreSQL store and across all of them, computed in the database
    #[command(
        after_help = "Examples:\n  SDETKIT_DATABASE_URL=postgres://ci@db/sdetkit sdetkit portfolio --format md"
    )]
    Portfolio(PortfolioArgs),
    /// Share the event log through the configured store ([history] store = "git" | "postgres")
    #[command(subcommand)]
    History(HistoryCommand),
}

/// `init --hook`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Hook {
    /// The fast gate before every `git push`
    PrePush,
}

/// `portfolio`.
#[derive(Debug, Args)]
pub struct PortfolioArgs {
    /// End of every window (RFC 3339) [default: now, or $SDETKIT_NOW]
    #[arg(long, value_name = "RFC3339")]
    pub as_of: Option<String>,
    /// Report format on stdout
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// `history …`.
#[derive(Debug, Subcommand)]
pub enum HistoryCommand {
    /// Add the store's rows that the local event log lacks (the lanes do this before they run)
    Pull,
    /// Send the local rows the store lacks (the lanes do this after they record a run)
    Push,
    /// Compare the store with the local event log (rows on each side, rows to push and pull)
    Status {
        /// Report format on stdout
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
}

/// `investigate …`.
#[derive(Debug, Subcommand)]
pub enum InvestigateCommand {
    /// What failed first in a log: classification, location, message, narrowest rerun command
    #[command(
        after_help = "Examples:\n  sdetkit investigate failure --log ci.log --cmd 'npm test'\n  sdetkit investigate failure --log test.log --junit target/junit.xml"
    )]
    Failure(FailureArgs),
}

/// `investigate failure`.
#[derive(Debug, Args)]
pub struct FailureArgs {
    /// The step's log (any size; ANSI colours, CI timestamps and CRLF are fine)
    #[arg(long, value_name = "FILE")]
    pub log: PathBuf,
    /// JUnit XML results of the step, read before the log (repeatable; a malformed file is an error naming its line)
    #[arg(long, value_name = "FILE")]
    pub junit: Vec<PathBuf>,
    /// Name of the step [default: the log file's stem]
    #[arg(long, value_name = "NAME")]
    pub step: Option<String>,
    /// The command that wrote the log, as the step ran it (e.g. "npm run lint", "ruff check
    /// --select F401 ."): the rerun keeps its options and package manager, and some outputs
    /// (`gofmt -l`'s bare file list) are only failures with it. Paths are made relative to
    /// --root, whose manifests (Cargo.toml, package.json, go.mod, lockfiles) are read
    #[arg(long = "cmd", value_name = "COMMAND")]
    pub cmd: Option<String>,
    /// Report format on stdout (or in --out)
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Write the report to FILE instead of stdout
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// `evidence …`.
#[derive(Debug, Subcommand)]
pub enum EvidenceCommand {
    /// Pack the latest run's artifacts and logs into build/evidence/evidence-<run_id>.zip
    Pack {
        /// The run to pack; it must be the latest run (older runs' artifacts are overwritten)
        #[arg(long, value_name = "RUN_ID")]
        run: Option<String>,
    },
    /// Re-hash every entry and re-derive the decision (exit 1 on any mismatch)
    #[command(
        after_help = "Examples:\n  sdetkit evidence verify build/evidence/evidence-20261204T120000Z-1a2b3c.zip"
    )]
    Verify {
        /// The evidence pack (.zip)
        file: PathBuf,
        #[command(flatten)]
        report: ReportArgs,
    },
}

/// `gate …`.
#[derive(Debug, Subcommand)]
pub enum GateCommand {
    /// Run the fast gate: the steps of [[gate.fast.steps]] or the auto-detected ones, in parallel
    #[command(
        after_help = "Examples:\n  sdetkit gate fast\n  sdetkit gate fast --only lint,unit -v\n  sdetkit gate fast --no-cache --junit-out build/junit.xml"
    )]
    Fast {
        #[command(flatten)]
        select: Select,
        /// Run every step, even one that passed before on the same inputs (no step cache)
        #[arg(long)]
        no_cache: bool,
        #[command(flatten)]
        report: ReportArgs,
        #[command(flatten)]
        outputs: CiOutputs,
    },
    /// Run the release preflight: clean tree, version, changelog, tag, branch, upstream, fast-gate verdict
    #[command(
        after_help = "Examples:\n  sdetkit gate release --dry-run   # rehearsal\n  sdetkit gate release             # at the release moment"
    )]
    Release {
        /// Rehearsal: release-moment checks (clean-tree, branch, upstream, tag) only warn
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        select: Select,
        #[command(flatten)]
        report: ReportArgs,
        #[command(flatten)]
        outputs: CiOutputs,
    },
}

/// `doctor`.
#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Add the release-moment checks (clean-tree, branch, upstream, tag)
    #[arg(long)]
    pub release: bool,
    #[command(flatten)]
    pub report: ReportArgs,
    #[command(flatten)]
    pub outputs: CiOutputs,
}

/// `ops …`.
#[derive(Debug, Subcommand)]
pub enum OpsCommand {
    /// Run the three gates, decide SHIP / NO-SHIP, write the decision snapshot
    #[command(
        after_help = "Examples:\n  sdetkit ops proof\n  sdetkit ops proof --release-dry-run=false --strict"
    )]
    Proof(ProofArgs),
    /// Daily lane: install ([setup]), run the gates and decide, learn from the history, recommend the next fix
    ///
    /// Runs [setup] (unless --no-setup), the three gates and the SHIP / NO-SHIP decision, records
    /// the run in the history, checks the trend against the thresholds, writes the follow-up
    /// (top actions and the next command) and validates every artifact against its schema.
    #[command(
        after_help = "Examples:\n  sdetkit ops daily               # the whole lane\n  \
                            sdetkit ops daily --no-setup    # dependencies already installed\n  \
                            sdetkit ops daily --strict -v   # exit 1 on NO-SHIP, with failure excerpts"
    )]
    Daily(DailyArgs),
    /// Follow-up recommendations from the latest artifacts (records no history row)
    Followup,
    /// Validate the follow-up and its history rollup against the shipped JSON Schemas
    FollowupContract,
    /// Full daily lane (or, with --lite, follow-up + contract only), then OPS_DECISION / OPS_NEXT_COMMAND
    Now(NowArgs),
    /// Print the top prioritized next actions (reads artifacts; writes nothing)
    #[command(after_help = "Examples:\n  sdetkit ops next --limit 5")]
    Next(NextArgs),
    /// Pre-merge lane: proof with the real release gate, evidence pack, release-room checks (exit 1 when blocked)
    #[command(
        after_help = "Examples:\n  sdetkit ops premerge          # before a merge: exit 1 when blocked\n  sdetkit ops premerge --rehearsal   # on a working tree\n  sdetkit ops premerge --next   # what blocks, and the command to run next"
    )]
    Premerge(PremergeArgs),
    /// Is the loop healthy: every exit criterion as a checklist with its evidence (exit 1 when unhealthy)
    #[command(
        after_help = "Examples:\n  sdetkit ops status\n  sdetkit ops status --format md --out build/status.md"
    )]
    Status(ReportArgs),
    /// Weekly lane: KPI scorecard, trend-degradation check, report page (build/ops/weekly/)
    #[command(
        after_help = "Examples:\n  sdetkit ops weekly\n  sdetkit ops weekly --as-of 2026-11-30T00:00:00Z --format md"
    )]
    Weekly(WeeklyArgs),
    /// Record a release or a rollback in the release ledger (for the KPIs)
    #[command(subcommand)]
    Record(RecordCommand),
}

/// `ops premerge`.
#[derive(Debug, Args)]
pub struct PremergeArgs {
    /// Rehearse: the release gate runs as a dry run (release-moment checks only warn);
    /// recorded as a bypass, never as a merge pass
    #[arg(long = "rehearsal", alias = "fast")]
    pub fast: bool,
    /// Print OPS_DECISION / OPS_NEXT_COMMAND and the top blocker actions, and exit 0
    #[arg(long)]
    pub next: bool,
    #[command(flatten)]
    pub strict: StrictArgs,
    #[command(flatten)]
    pub outputs: CiOutputs,
    /// How many actions --next prints
    #[arg(long, default_value_t = 3, value_name = "N")]
    pub limit: usize,
    /// Maximum steps running at once [default: twice the CPUs, at least 8]
    #[arg(long, short = 'j', value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,
    #[command(flatten)]
    pub report: ReportArgs,
}

/// `ops weekly`.
#[derive(Debug, Args)]
pub struct WeeklyArgs {
    /// End of every window (RFC 3339) [default: now, or $SDETKIT_NOW]
    #[arg(long, value_name = "RFC3339")]
    pub as_of: Option<String>,
    /// Report format on stdout
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// `ops record …`.
#[derive(Debug, Subcommand)]
pub enum RecordCommand {
    /// A release went out
    #[command(disable_version_flag = true)]
    Release {
        /// The released version (without the tag prefix)
        #[arg(long, value_name = "V")]
        version: String,
        /// The released commit [default: HEAD]
        #[arg(long, value_name = "C")]
        commit: Option<String>,
    },
    /// A release was rolled back
    #[command(disable_version_flag = true)]
    Rollback {
        /// The version rolled back
        #[arg(long, value_name = "V")]
        version: String,
        /// Why
        #[arg(long, value_name = "TEXT")]
        reason: String,
    },
}

/// `ops daily`.
#[derive(Debug, Args)]
pub struct DailyArgs {
    /// Skip the [setup] step: use the dependencies already installed
    #[arg(long = "no-setup", alias = "fast")]
    pub fast: bool,
    #[command(flatten)]
    pub strict: StrictArgs,
    #[command(flatten)]
    pub outputs: CiOutputs,
    /// Also pack and verify this run's evidence (build/evidence/evidence-<run_id>.zip); exit 1 if it does not verify
    #[arg(long)]
    pub evidence: bool,
    /// Run every step, even one that passed before on the same inputs (no step cache)
    #[arg(long)]
    pub no_cache: bool,
    /// Release gate as a dry run [default: $FIRST_PROOF_RELEASE_DRY_RUN, else true]
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true")]
    pub release_dry_run: Option<bool>,
    /// Maximum steps running at once [default: twice the CPUs, at least 8]
    #[arg(long, short = 'j', value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,
    #[command(flatten)]
    pub report: ReportArgs,
}

/// `ops now`.
#[derive(Debug, Args)]
pub struct NowArgs {
    /// Follow-up + contract only, from the latest artifacts (no gates, no history row)
    #[arg(long)]
    pub lite: bool,
}

/// `ops next`.
#[derive(Debug, Args)]
pub struct NextArgs {
    /// How many actions to print
    #[arg(long, value_name = "N", default_value_t = 3, value_parser = clap::value_parser!(u16).range(1..))]
    pub limit: u16,
    #[command(flatten)]
    pub report: ReportArgs,
}

/// `ops proof`.
#[derive(Debug, Args)]
pub struct ProofArgs {
    #[command(flatten)]
    pub strict: StrictArgs,
    #[command(flatten)]
    pub outputs: CiOutputs,
    /// Release gate as a dry run [default: $FIRST_PROOF_RELEASE_DRY_RUN, else true]
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true", require_equals = false)]
    pub release_dry_run: Option<bool>,
    /// Leave the doctor out of the decision
    #[arg(long)]
    pub skip_doctor: bool,
    /// Run every step, even one that passed before on the same inputs (no step cache)
    #[arg(long)]
    pub no_cache: bool,
    /// Maximum steps running at once [default: twice the CPUs, at least 8]
    #[arg(long, short = 'j', value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,
    #[command(flatten)]
    pub report: ReportArgs,
}

/// Step selection for gates.
#[derive(Debug, Args)]
pub struct Select {
    /// Run only these step ids (comma-separated)
    #[arg(long, value_delimiter = ',', value_name = "IDS")]
    pub only: Vec<String>,
    /// Leave out these step ids (comma-separated)
    #[arg(long, value_delimiter = ',', value_name = "IDS")]
    pub skip: Vec<String>,
    /// Maximum steps running at once [default: twice the CPUs, at least 8]
    #[arg(long, short = 'j', value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,
}

/// Report output options.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Report format on stdout (or in --out)
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Write the report to FILE instead of stdout
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Drop durations, timestamps, run ids and absolute paths so identical runs give identical bytes
    #[arg(long)]
    pub stable_json: bool,
}

/// Whether NO-SHIP (a blocked merge, for `ops premerge`) is the exit code.
#[derive(Debug, Args)]
pub struct StrictArgs {
    /// Exit 1 on NO-SHIP, after every artifact is written [default in CI, and for ops premerge]
    #[arg(long, overrides_with = "no_strict")]
    pub strict: bool,
    /// Exit 0 on NO-SHIP, even in CI
    #[arg(long, overrides_with = "strict")]
    pub no_strict: bool,
}

impl StrictArgs {
    /// `Some(true)` for `--strict`, `Some(false)` for `--no-strict` (the last one given wins).
    pub fn flag(&self) -> Option<bool> {
        match (self.strict, self.no_strict) {
            (true, _) => Some(true),
            (_, true) => Some(false),
            _ => None,
        }
    }
}

/// Files for the tools teams have.
#[derive(Debug, Args)]
pub struct CiOutputs {
    /// Also write JUnit XML: a testsuite per gate, a test case per step and per failing test
    #[arg(long, value_name = "FILE")]
    pub junit_out: Option<PathBuf>,
    /// Also write SARIF 2.1.0: doctor findings and first failures, for code scanning
    #[arg(long, value_name = "FILE")]
    pub sarif_out: Option<PathBuf>,
}

impl CiOutputs {
    /// The files, as the lanes take them.
    pub fn files(&self) -> crate::lanes::ci::Outputs<'_> {
        crate::lanes::ci::Outputs {
            junit: self.junit_out.as_deref(),
            sarif: self.sarif_out.as_deref(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_follows_no_color_and_clicolor_force() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| std::ffi::OsString::from(v))
            }
        };
        assert!(Color::Auto.wanted(true, env(&[])));
        assert!(!Color::Auto.wanted(false, env(&[])));
        assert!(!Color::Auto.wanted(true, env(&[("NO_COLOR", "1")])));
        assert!(Color::Auto.wanted(true, env(&[("NO_COLOR", "")])));
        assert!(Color::Auto.wanted(false, env(&[("CLICOLOR_FORCE", "1")])));
        assert!(!Color::Auto.wanted(false, env(&[("CLICOLOR_FORCE", "0")])));
        assert!(!Color::Auto.wanted(false, env(&[("NO_COLOR", "1"), ("CLICOLOR_FORCE", "1")])));
        assert!(Color::Always.wanted(false, env(&[("NO_COLOR", "1")])));
        assert!(!Color::Never.wanted(true, env(&[("CLICOLOR_FORCE", "1")])));
    }
}
