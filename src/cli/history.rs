//! `history pull | push | status`: the event log and the configured store, by hand.

use super::args::HistoryCommand;
use crate::error::Result;
use crate::report::{self, Format};
use crate::store::{Status, Store};
use crate::workspace::Workspace;

/// Runs one history command: exit 1 when the store cannot be reached.
pub(super) fn history_cmd(ws: &Workspace, what: HistoryCommand) -> Result<i32> {
    let config = ws.config()?;
    let store = Store::of(ws, &config);
    if store.is_local() && !matches!(what, HistoryCommand::Status { .. }) {
        crate::report::print(
            "history: the store is local ([history] store in sdetkit.toml): nothing to share\n",
        );
        return Ok(0);
    }
    let answer = match what {
        HistoryCommand::Pull => store.pull()?.map(|p| {
            crate::report::print(&format!(
                "history: pulled {} new row(s); the store holds {}\n",
                p.added, p.remote_rows
            ));
        }),
        HistoryCommand::Push => store.push()?.map(|n| {
            crate::report::print(&format!("history: pushed {n} new row(s)\n"));
        }),
        HistoryCommand::Status { format } => store.status()?.and_then(|s| print_status(&s, format)),
    };
    match answer {
        Ok(()) => Ok(0),
        Err(why) => {
            eprintln!("sdetkit: history: {why}");
            Ok(1)
        }
    }
}

fn print_status(status: &Status, format: Format) -> std::result::Result<(), String> {
    let text = || {
        let count = |n: Option<usize>| n.map_or("-".to_string(), |n| n.to_string());
        format!(
            "store:       {} ({})\nlocal rows:  {}\nstore rows:  {}\nto push:     {}\nto pull:     {}\n",
            status.store,
            status.place,
            status.local_rows,
            count(status.remote_rows),
            count(status.to_push),
            count(status.to_pull)
        )
    };
    report::emit(
        format,
        None,
        &serde_json::to_value(status).expect("a status serialises"),
        text,
        text,
    )
    .map_err(|e| e.to_string())
}
