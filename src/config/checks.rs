//! The ids of the built-in checks of the release gate and the doctor, as `[gate.release]
//! skip` and `[doctor] skip` name them and as gate artifacts record them.

use std::fmt;

/// Declares a check-id enum with its ids, in gate order.
macro_rules! checks {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $id:literal,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)*
        }

        impl $name {
            /// Every check, in the order the gate runs them.
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            /// The check's id.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $id,)*
                }
            }

            /// The check with that id.
            pub fn parse(id: &str) -> Option<$name> {
                $name::ALL.iter().copied().find(|c| c.as_str() == id)
            }

            /// Every id, comma-separated, for messages.
            pub fn known() -> String {
                $name::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(", ")
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

checks! {
    /// A built-in check of the release gate.
    ReleaseCheck {
        /// No uncommitted change.
        CleanTree => "clean-tree",
        /// A valid release version.
        Version => "version",
        /// A changelog entry for that version.
        Changelog => "changelog",
        /// The release tag is free or on HEAD.
        Tag => "tag",
        /// HEAD is on a release branch.
        Branch => "branch",
        /// In sync with the upstream.
        Upstream => "upstream",
        /// This run's fast-gate verdict.
        FastGate => "fast-gate",
    }
}

impl ReleaseCheck {
    /// Whether the check depends on the moment of release rather than on the content:
    /// fixed by tidying the tree or the branch, and demoted to a warning by a dry run.
    pub fn is_moment(self) -> bool {
        matches!(
            self,
            ReleaseCheck::CleanTree
                | ReleaseCheck::Branch
                | ReleaseCheck::Upstream
                | ReleaseCheck::Tag
        )
    }
}

checks! {
    /// A built-in check of the doctor.
    DoctorCheck {
        /// A git repository is present.
        GitRepo => "git-repo",
        /// The configuration is valid.
        Config => "config",
        /// The tools the steps need are installed.
        Tools => "tools",
        /// The out-dir is git-ignored.
        OutDirIgnored => "out-dir-ignored",
        /// A README exists.
        Readme => "readme",
        /// A LICENSE exists.
        License => "license",
        /// A changelog exists where the release gate needs one.
        Changelog => "changelog",
        /// Lockfiles are committed.
        Lockfile => "lockfile",
        /// CI configuration exists.
        CiConfig => "ci-config",
        /// No tracked file over 10 MB.
        LargeFiles => "large-files",
        /// No merge-conflict markers.
        ConflictMarkers => "conflict-markers",
        /// No secret-shaped strings.
        Secrets => "secrets",
    }
}
