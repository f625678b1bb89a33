//! Human durations in config: `500ms`, `30s`, `20m`, `1h30m`, parsed by jiff's "friendly"
//! format (so overflow is an error, never a panic or a wrap).

use std::time::Duration;

use jiff::fmt::friendly::SpanParser;

/// Parses `1h30m`, `20m`, `45s`, `250ms` (also `1h 30m`, `2 hours`). A bare number is
/// rejected: units are required so that `timeout = 30` is never silently read as seconds or
/// minutes; so are zero, negative and absurdly long durations.
///
/// ```
/// use std::time::Duration;
/// use sdetkit::config::duration::parse;
///
/// assert_eq!(parse("1h30m"), Ok(Duration::from_secs(90 * 60)));
/// assert!(parse("30").unwrap_err().contains("unit"));
/// assert!(parse("5124095576030432h").unwrap_err().contains("too large"));
/// ```
pub fn parse(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let example = "a number followed by ms, s, m or h, e.g. `20m`";
    if text.is_empty() {
        return Err(format!("empty duration: expected {example}"));
    }
    let parsed = SpanParser::new().parse_duration(text).map_err(|e| {
        let e = e.to_string();
        if e.contains("overflow") {
            format!("invalid duration `{text}`: too large")
        } else if e.contains("unit designator") {
            format!("invalid duration `{text}`: unknown or missing unit (expected {example})")
        } else {
            format!("invalid duration `{text}`: expected {example}")
        }
    })?;
    if parsed.is_negative() || parsed.is_zero() {
        return Err(format!(
            "invalid duration `{text}`: must be greater than zero"
        ));
    }
    let duration =
        Duration::try_from(parsed).map_err(|_| format!("invalid duration `{text}`: too large"))?;
    // Deadlines are computed from the monotonic clock; keep them far from its limits.
    if duration > MAX {
        return Err(format!(
            "invalid duration `{text}`: too large (at most 365 days)"
        ));
    }
    Ok(duration)
}

/// The longest duration a config may ask for.
const MAX: Duration = Duration::from_secs(365 * 24 * 3600);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_units_and_compounds() {
        assert_eq!(parse("250ms").unwrap(), Duration::from_millis(250));
        assert_eq!(parse("20m").unwrap(), Duration::from_secs(1200));
        assert_eq!(parse("1h30m").unwrap(), Duration::from_secs(5400));
        assert_eq!(parse("1h 30m").unwrap(), Duration::from_secs(5400));
    }

    #[test]
    fn rejects_bare_numbers_unknown_units_zero_and_overflow() {
        assert!(
            parse("30").unwrap_err().contains("unit"),
            "{:?}",
            parse("30")
        );
        assert!(parse("5x").is_err());
        assert!(parse("m").is_err());
        assert!(parse("0s").unwrap_err().contains("greater than zero"));
        assert!(parse("-5m").unwrap_err().contains("greater than zero"));
        assert!(
            parse("5124095576030431h")
                .unwrap_err()
                .contains("too large")
        );
        assert!(parse("10000h").unwrap_err().contains("too large"));
        assert!(
            parse("PT5M").is_err(),
            "ISO 8601 is not the config's format"
        );
    }
}
