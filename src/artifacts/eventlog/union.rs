//! Joining histories: rows that other machines recorded (kept on a git ref or in a database)
//! merged with the rows here as a set union keyed by run id, so merging the same rows twice,
//! or in another order, changes nothing.

use std::borrow::Cow;
use std::collections::HashSet;

use jiff::Timestamp;

use super::Row;

/// A readable row with what a union needs: its key and when it was recorded.
#[derive(Debug, Clone)]
pub struct Keyed<'a> {
    /// The run id; a reference row (which has none) is keyed by a hash of its line.
    pub key: Cow<'a, str>,
    /// When it was recorded; `None` when the row does not say in a form that parses.
    pub at: Option<Timestamp>,
    /// The line as written (without its newline).
    pub line: &'a str,
}

impl<'a> Keyed<'a> {
    /// The key and time of one line; `None` for a line that is not a run (corrupt, or no
    /// decision): it is never copied into another history.
    pub fn of(line: &'a str) -> Option<Keyed<'a>> {
        let line = line.trim_end_matches(['\r', '\n']);
        let row = Row::parse(line).ok()?;
        let at = row.head.captured_at.as_deref().and_then(|t| t.parse().ok());
        let key = match row.run_id() {
            Some(id) => id,
            None => Cow::Owned(format!(
                "sha256:{}",
                crate::digest::sha256_hex(line.as_bytes())
            )),
        };
        Some(Keyed { key, at, line })
    }

    /// The order of a canonical history: by time recorded, then by key (undated rows first).
    fn order(&self) -> (Option<Timestamp>, &str) {
        (self.at, &self.key)
    }

    /// The month the row belongs to (`2026-12`), by its UTC time; `undated` without one.
    pub fn month(&self) -> String {
        match self.at {
            Some(at) => at.strftime("%Y-%m").to_string(),
            None => "undated".to_string(),
        }
    }
}

/// The readable rows of `text`, one per key (the first seen wins), in canonical order: the
/// form a shared history is kept in, so the same set of rows is always the same bytes.
pub fn canonical(text: &[u8]) -> Vec<Keyed<'_>> {
    let mut seen = HashSet::new();
    let mut rows: Vec<Keyed> = text
        .split(|&b| b == b'\n')
        .filter_map(|line| std::str::from_utf8(line).ok().and_then(Keyed::of))
        .filter(|row| seen.insert(row.key.clone()))
        .collect();
    rows.sort_by(|a, b| a.order().cmp(&b.order()));
    rows
}

/// The text of rows, one line each.
pub fn text(rows: &[Keyed]) -> String {
    let mut out = String::with_capacity(rows.iter().map(|r| r.line.len() + 1).sum());
    for row in rows {
        out.push_str(row.line);
        out.push('\n');
    }
    out
}

/// The union of `base` (rows in canonical order) and `incoming`, in canonical order, and how
/// many rows `incoming` added.
pub fn union<'a>(base: Vec<Keyed<'a>>, incoming: &[Keyed<'a>]) -> (Vec<Keyed<'a>>, usize) {
    let keys: HashSet<&str> = base.iter().map(|r| r.key.as_ref()).collect();
    let mut added: Vec<Keyed> = Vec::new();
    let mut new_keys = HashSet::new();
    for row in incoming {
        if !keys.contains(row.key.as_ref()) && new_keys.insert(row.key.as_ref()) {
            added.push(row.clone());
        }
    }
    let count = added.len();
    if count == 0 {
        return (base, 0);
    }
    let mut all = base;
    all.extend(added);
    all.sort_by(|a, b| a.order().cmp(&b.order()));
    (all, count)
}

/// The lines of a local log (`log`, in the order they were appended) with the rows of
/// `incoming` it lacks put in place by time; every existing line, unreadable ones (even
/// invalid UTF-8) included, stays as it is where it is. `None` when nothing is new.
pub fn merge_into_log(log: &[u8], incoming: &[Keyed]) -> Option<(Vec<u8>, usize)> {
    let lines: Vec<(&[u8], Option<Keyed>)> = log
        .split(|&b| b == b'\n')
        .filter(|l| !l.iter().all(u8::is_ascii_whitespace))
        .map(|l| (l, std::str::from_utf8(l).ok().and_then(Keyed::of)))
        .collect();
    let mut known: HashSet<&str> = lines
        .iter()
        .filter_map(|(_, k)| k.as_ref().map(|k| k.key.as_ref()))
        .collect();
    let mut new: Vec<&Keyed> = incoming
        .iter()
        .filter(|row| known.insert(row.key.as_ref()))
        .collect();
    if new.is_empty() {
        return None;
    }
    new.sort_by(|a, b| a.order().cmp(&b.order()));
    let mut out =
        Vec::with_capacity(log.len() + new.iter().map(|r| r.line.len() + 1).sum::<usize>());
    let mut pending = new.iter().peekable();
    for (line, keyed) in &lines {
        // New rows that sort before this line (by time, then by key, as a canonical history
        // does) go first; an undated line keeps its place. The key settles rows recorded at
        // the same instant, so two machines that each recorded one of them and pulled the
        // other write them in the same order.
        if let Some(here) = keyed.as_ref().filter(|k| k.at.is_some()) {
            while let Some(next) = pending.next_if(|n| n.order() < here.order()) {
                out.extend_from_slice(next.line.as_bytes());
                out.push(b'\n');
            }
        }
        out.extend_from_slice(line);
        out.push(b'\n');
    }
    for row in pending {
        out.extend_from_slice(row.line.as_bytes());
        out.push(b'\n');
    }
    Some((out, new.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: &str, at: &str) -> String {
        format!(r#"{{"captured_at":"{at}","decision":"SHIP","run_id":"{id}"}}"#)
    }

    #[test]
    fn union_is_a_set_and_order_free() {
        let a = [
            row("a", "2026-12-01T10:00:00Z"),
            row("b", "2026-12-02T10:00:00Z"),
        ]
        .join("\n");
        let b = [
            row("c", "2026-12-01T11:00:00Z"),
            row("a", "2026-12-01T10:00:00Z"),
        ]
        .join("\n");
        let (ab, added) = union(canonical(a.as_bytes()), &canonical(b.as_bytes()));
        assert_eq!(added, 1);
        let (ba, _) = union(canonical(b.as_bytes()), &canonical(a.as_bytes()));
        assert_eq!(text(&ab), text(&ba));
        let keys: Vec<&str> = ab.iter().map(|r| r.key.as_ref()).collect();
        assert_eq!(keys, ["a", "c", "b"]);
        assert_eq!(ab[0].month(), "2026-12");
    }

    #[test]
    fn merging_into_a_log_keeps_its_lines_and_places_new_rows_by_time() {
        let local = [
            "not json".to_string(),
            row("a", "2026-12-01T10:00:00Z"),
            row("c", "2026-12-03T10:00:00Z"),
        ]
        .join("\n");
        let remote = [
            row("b", "2026-12-02T10:00:00Z"),
            row("a", "2026-12-01T10:00:00Z"),
        ]
        .join("\n");
        let (merged, added) =
            merge_into_log(local.as_bytes(), &canonical(remote.as_bytes())).unwrap();
        assert_eq!(added, 1);
        let merged = String::from_utf8(merged).unwrap();
        let keys: Vec<String> = merged
            .lines()
            .map(|l| Keyed::of(l).map_or("?".into(), |k| k.key.into_owned()))
            .collect();
        assert_eq!(keys, ["?", "a", "b", "c"]);
        assert!(merge_into_log(merged.as_bytes(), &canonical(remote.as_bytes())).is_none());
    }

    #[test]
    fn two_logs_that_each_pulled_the_other_s_row_of_the_same_instant_agree() {
        let at = "2026-12-01T10:00:00Z";
        let (x, y) = (row("x", at), row("y", at));
        let pulled = |local: &str, remote: &str| {
            let (merged, added) =
                merge_into_log(local.as_bytes(), &canonical(remote.as_bytes())).unwrap();
            assert_eq!(added, 1);
            String::from_utf8(merged).unwrap()
        };
        let here = pulled(&x, &y);
        assert_eq!(here, pulled(&y, &x));
        assert_eq!(here, format!("{x}\n{y}\n"));
    }

    #[test]
    fn reference_rows_are_keyed_by_their_bytes() {
        let line = r#"{"captured_at": "2026-11-25T14:15:56.787462+00:00", "decision": "NO-SHIP", "failed_steps": ["gate-fast"], "ok": false}"#;
        let k = Keyed::of(line).unwrap();
        assert!(k.key.starts_with("sha256:"));
        assert_eq!(k.month(), "2026-11");
        assert!(Keyed::of(r#"{"captured_at":"x"}"#).is_none());
    }
}
