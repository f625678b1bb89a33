//! `sdetkit init --hook pre-push`: a git hook that runs the fast gate before every push.

use crate::error::{Error, Result};
use crate::workspace::Workspace;

/// The hook: the fast gate from the repository's root; a failing gate stops the push.
pub const PRE_PUSH: &str = "#!/bin/sh
# Written by `sdetkit init --hook pre-push`: the fast gate before every push.
# A failing gate stops the push; `git push --no-verify` skips this hook.
cd \"$(git rev-parse --show-toplevel)\" || exit 1
exec sdetkit gate fast
";

/// Writes the `pre-push` hook where git looks for it (executable, atomically), refusing to
/// replace an existing hook unless `force`; returns the report for the user.
pub fn pre_push(ws: &Workspace, force: bool) -> Result<String> {
    let path = crate::repo::git::hook_path(&ws.root, "pre-push").ok_or_else(|| {
        Error::Usage(format!(
            "{}: not a git repository; a hook needs one",
            ws.root.display()
        ))
    })?;
    if path.exists() && !force {
        return Err(Error::Usage(format!(
            "{} already exists; rerun with --force to replace it (nothing was written)",
            path.display()
        )));
    }
    crate::artifacts::write_executable(&path, PRE_PUSH.as_bytes())?;
    Ok(format!(
        "wrote {}: `sdetkit gate fast` runs before every push (`git push --no-verify` skips it)\n",
        ws.rel(&path)
    ))
}
