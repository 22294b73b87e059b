//! Parsers and formatters for the value syntaxes channel URIs share with Aeron's system properties
//! (Agrona `SystemUtil.parseSize` / `parseDuration`): sizes with a `k`/`m`/`g` suffix, durations with an
//! `ns`/`us`/`ms`/`s` suffix, plain integers and `true`/`false` booleans.
//!
//! Every parser returns `Err(reason)` (a human-readable explanation, without the key or value) instead of
//! panicking; overflow is an error, never a wrap or a saturation.

/// Parses a byte size: digits, optionally followed by `k`, `m` or `g` (either case; powers of 1024).
/// Negative sizes and overflow are errors.
pub(crate) fn parse_size(value: &str) -> Result<i64, String> {
    let Some(&last) = value.as_bytes().last() else {
        return Err("empty size".to_owned());
    };
    let (digits, multiplier) = if last.is_ascii_digit() {
        (value, 1i64)
    } else {
        let multiplier = match last {
            b'k' | b'K' => 1i64 << 10,
            b'm' | b'M' => 1i64 << 20,
            b'g' | b'G' => 1i64 << 30,
            _ => return Err("a size is digits with an optional k, m or g suffix".to_owned()),
        };
        (&value[..value.len() - 1], multiplier)
    };
    let number = parse_unsigned_i64(digits).map_err(|reason| format!("size {reason}"))?;
    number.checked_mul(multiplier).ok_or_else(|| "size overflows a 64-bit integer".to_owned())
}

/// Parses a duration into nanoseconds: digits (nanoseconds) or digits followed by `ns`, `us`, `ms` or `s`
/// (either case). Negative durations and overflow are errors.
pub(crate) fn parse_duration_ns(value: &str) -> Result<i64, String> {
    let bytes = value.as_bytes();
    let Some(&last) = bytes.last() else {
        return Err("empty duration".to_owned());
    };
    let (digits, multiplier) = if last.is_ascii_digit() {
        (value, 1i64)
    } else if last == b's' || last == b'S' {
        match bytes.len().checked_sub(2).map(|index| bytes[index]) {
            Some(second) if second.is_ascii_digit() => (&value[..value.len() - 1], 1_000_000_000i64),
            Some(b'n' | b'N') => (&value[..value.len() - 2], 1),
            Some(b'u' | b'U') => (&value[..value.len() - 2], 1_000),
            Some(b'm' | b'M') => (&value[..value.len() - 2], 1_000_000),
            _ => return Err("a duration is digits with an optional ns, us, ms or s suffix".to_owned()),
        }
    } else {
        return Err("a duration is digits with an optional ns, us, ms or s suffix".to_owned());
    };
    let number = parse_unsigned_i64(digits).map_err(|reason| format!("duration {reason}"))?;
    number.checked_mul(multiplier).ok_or_else(|| "duration overflows 64-bit nanoseconds".to_owned())
}

fn parse_unsigned_i64(digits: &str) -> Result<i64, String> {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err("must be a non-negative decimal number".to_owned());
    }
    digits.parse::<i64>().map_err(|_| "overflows a 64-bit integer".to_owned())
}

/// Parses a decimal `i32` (optional sign, as Java `Integer.parseInt`).
pub(crate) fn parse_i32(value: &str) -> Result<i32, String> {
    value.parse::<i32>().map_err(|_| "must be a 32-bit decimal integer".to_owned())
}

/// Parses a decimal `i64` (optional sign, as Java `Long.parseLong`).
pub(crate) fn parse_i64(value: &str) -> Result<i64, String> {
    value.parse::<i64>().map_err(|_| "must be a 64-bit decimal integer".to_owned())
}

/// Parses `true` or `false` (exactly; Aeron compares with `"true".equals`).
pub(crate) fn parse_bool(value: &str) -> Result<bool, String> {
    match value {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err("must be `true` or `false`".to_owned()),
    }
}

/// Formats a size with the largest exact `g`/`m`/`k` suffix (Aeron `SystemUtil.formatSize` style).
pub(crate) fn format_size(size: i64) -> String {
    for (suffix, shift) in [("g", 30), ("m", 20), ("k", 10)] {
        let unit = 1i64 << shift;
        if size != 0 && size % unit == 0 {
            return format!("{}{suffix}", size / unit);
        }
    }
    size.to_string()
}

/// Formats a duration in nanoseconds with the largest exact `s`/`ms`/`us` suffix, else `ns`.
pub(crate) fn format_duration_ns(duration_ns: i64) -> String {
    for (suffix, unit) in [("s", 1_000_000_000i64), ("ms", 1_000_000), ("us", 1_000)] {
        if duration_ns != 0 && duration_ns % unit == 0 {
            return format!("{}{suffix}", duration_ns / unit);
        }
    }
    format!("{duration_ns}ns")
}
