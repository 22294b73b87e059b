//! Parsers for command-line values in Aeron's formats: sizes (`64k`, `16m`, `1g`) and durations
//! (`500ms`, `10s`, `200us`, `100ns`; a bare number is nanoseconds).

/// Parses a byte size with an optional k/m/g suffix (powers of 1024).
pub fn parse_size(text: &str) -> Result<i64, String> {
    let text = text.trim();
    let (digits, multiplier) = match text.chars().last().map(|c| c.to_ascii_lowercase()) {
        Some('k') => (&text[..text.len() - 1], 1i64 << 10),
        Some('m') => (&text[..text.len() - 1], 1i64 << 20),
        Some('g') => (&text[..text.len() - 1], 1i64 << 30),
        _ => (text, 1),
    };
    let value: i64 =
        digits.parse().map_err(|_| format!("{text:?} is not a size (e.g. 4096, 64k, 16m, 1g)"))?;
    value.checked_mul(multiplier).filter(|v| *v >= 0).ok_or_else(|| format!("size {text:?} out of range"))
}

/// Parses a duration with an optional ns/us/ms/s suffix into nanoseconds.
pub fn parse_duration_ns(text: &str) -> Result<i64, String> {
    let text = text.trim();
    let (digits, multiplier) = if let Some(d) = text.strip_suffix("ns") {
        (d, 1)
    } else if let Some(d) = text.strip_suffix("us") {
        (d, 1_000)
    } else if let Some(d) = text.strip_suffix("ms") {
        (d, 1_000_000)
    } else if let Some(d) = text.strip_suffix('s') {
        (d, 1_000_000_000)
    } else {
        (text, 1)
    };
    let value: i64 =
        digits.parse().map_err(|_| format!("{text:?} is not a duration (e.g. 100ns, 200us, 500ms, 10s)"))?;
    value.checked_mul(multiplier).filter(|v| *v >= 0).ok_or_else(|| format!("duration {text:?} out of range"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_durations() {
        assert_eq!(parse_size("64k"), Ok(65536));
        assert_eq!(parse_size("16M"), Ok(16 << 20));
        assert_eq!(parse_size("100"), Ok(100));
        assert!(parse_size("abc").is_err());
        assert!(parse_size("-1").is_err());
        assert_eq!(parse_duration_ns("500ms"), Ok(500_000_000));
        assert_eq!(parse_duration_ns("10s"), Ok(10_000_000_000));
        assert_eq!(parse_duration_ns("7"), Ok(7));
        assert!(parse_duration_ns("5 minutes").is_err());
    }
}
