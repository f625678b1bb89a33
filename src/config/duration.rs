//! Human durations in config: `500ms`, `30s`, `20m`, `1h30m`.

use std::time::Duration;

/// Parses `1h30m`, `20m`, `45s`, `250ms`. A bare number is rejected: units are required so
/// that `timeout = 30` is never silently read as seconds or minutes.
///
/// ```
/// use std::time::Duration;
/// use sdetkit::config::duration::parse;
///
/// assert_eq!(parse("1h30m"), Ok(Duration::from_secs(90 * 60)));
/// assert!(parse("30").unwrap_err().contains("unit"));
/// ```
pub fn parse(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("empty duration".into());
    }
    let mut total = Duration::ZERO;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        if digits == 0 {
            return Err(format!(
                "invalid duration `{text}`: expected a number followed by ms, s, m or h (e.g. `20m`)"
            ));
        }
        let value: u64 = rest[..digits]
            .parse()
            .map_err(|_| format!("invalid duration `{text}`: number too large"))?;
        rest = &rest[digits..];
        let unit_len = rest.len()
            - rest
                .trim_start_matches(|c: char| c.is_ascii_alphabetic())
                .len();
        let unit = match &rest[..unit_len] {
            "ms" => Duration::from_millis(value),
            "s" => Duration::from_secs(value),
            "m" => Duration::from_secs(value * 60),
            "h" => Duration::from_secs(value * 3600),
            _ => {
                return Err(format!(
                    "invalid duration `{text}`: unknown or missing unit (use ms, s, m or h, e.g. `20m`)"
                ));
            }
        };
        total += unit;
        rest = &rest[unit_len..];
    }
    if total.is_zero() {
        return Err(format!(
            "invalid duration `{text}`: must be greater than zero"
        ));
    }
    Ok(total)
}

/// Formats a duration compactly for people: `850ms`, `3.2s`, `4m05s`.
pub fn human(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        format!("{ms}ms")
    } else if ms < 60_000 {
        format!("{:.1}s", ms as f64 / 1000.0)
    } else {
        format!("{}m{:02}s", ms / 60_000, (ms % 60_000) / 1000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_units_and_compounds() {
        assert_eq!(parse("250ms").unwrap(), Duration::from_millis(250));
        assert_eq!(parse("20m").unwrap(), Duration::from_secs(1200));
        assert_eq!(parse("1h30m").unwrap(), Duration::from_secs(5400));
    }

    #[test]
    fn rejects_bare_numbers_and_unknown_units() {
        assert!(parse("30").unwrap_err().contains("unit"));
        assert!(parse("5d").unwrap_err().contains("unit"));
        assert!(parse("m").unwrap_err().contains("number"));
        assert!(parse("0s").unwrap_err().contains("greater than zero"));
    }
}
