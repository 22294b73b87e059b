//! Channel URIs (reference §3): `[aeron-spy:]aeron:<udp|ipc>[?key=value(|key=value)*]`.
//!
//! [`ChannelUri::parse`] splits the URI and validates every parameter at once; typed accessors then return
//! already-validated values. [`ChannelUriBuilder`] goes the other way. `Display` round-trips:
//! `ChannelUri::parse(&uri.to_string()) == Ok(uri)`.
//!
//! Syntax rules (Aeron `ChannelUri.parse`): at most [`MAX_URI_LENGTH`] bytes; media `udp` or `ipc` without
//! `:`, `|` or `=`; keys non-empty; a value runs to the next `|` (so neither keys nor values contain `|`;
//! values may contain `=`); a repeated key keeps its last value; a trailing `?` or `|` is an error; unknown
//! keys are errors.
//!
//! Value rules (each error names the key and the value):
//!
//! | keys | rule |
//! |---|---|
//! | `endpoint`, `control`, `response-endpoint` | `host:port`: IPv4, `[IPv6[%scope]]` or host name; port 0..=65535; a multicast `endpoint` has an odd last byte |
//! | `interface` | `host[:port][/prefix]` or `{name}[:port]` |
//! | `control-mode` | `manual`, `dynamic` or `response` |
//! | `term-length` | size (`k`/`m`/`g` suffix), power of two in [64k, 1g] |
//! | `mtu` | size, multiple of 32 in (32, 65504], at most `min(term-length/8, 16m)` if `term-length` is given |
//! | `init-term-id`, `term-id`, `term-offset` | i32s, all or none; `term-offset` 32-aligned, below `term-length` (or 1g); `term-id - init-term-id` not negative (wrapping) |
//! | `session-id` | i32 or `tag:<i64>` |
//! | `stream-id`, `gtag` | i32, i64 |
//! | `tags` | `channelTag[,entityTag]`, i64s other than -1 |
//! | `alias` | anything |
//! | `linger`, `nak-delay`, `untethered-*-timeout` | duration (`ns`/`us`/`ms`/`s` suffix, default ns), not negative |
//! | `eos`, `sparse`, `reliable`, `tether`, `rejoin`, `ssc` | `true` or `false` |
//! | `group` | `true`, `false` or `infer` |
//! | `ttl`, `so-tos` | 0..=255 |
//! | `so-sndbuf`, `so-rcvbuf`, `rcv-wnd` | size in [0, 2^31) |
//! | `pub-wnd` | size, positive, at least `mtu` and at most half of `term-length` (or 512m) |
//! | `max-resend` | 1..=256 |
//! | `cc` | `static` or `cubic` |
//! | `fc` | `max`, `min` or `tagged`, then `,t:<duration>`, `,g:<tag>[/<n>]`, `,g:/<n>`, `,rrwm:<n>` |
//! | `response-correlation-id` | i64 >= -1 or `prototype` |
//! | `*-ts-offset` | non-negative i32 or `reserved` |
//!
//! Whole-channel rules ([`ChannelUri::parse`] only, not [`ChannelUri::parse_template`]): a UDP channel has
//! `endpoint`, `control`, `tags` or `control-mode=manual|response`; `control-mode=dynamic` has `control`.
//!
//! Names are never resolved here: that is the driver's job.

mod address;
mod builder;
mod error;
pub mod keys;
mod params;
mod text;
mod uri;
mod values;

#[cfg(test)]
mod tests;

pub use address::{Host, InterfaceSpec, SocketAddressSpec};
pub use builder::ChannelUriBuilder;
pub use error::ChannelUriError;
pub use uri::ChannelUri;
pub use values::{
    ControlMode, INVALID_TAG, InferableBoolean, InitialPosition, Media, ResponseCorrelationId,
    SessionIdParam, Tags, TimestampOffset,
};

/// Longest accepted URI, in bytes (Aeron `ChannelUri.MAX_URI_LENGTH`).
pub const MAX_URI_LENGTH: usize = 4095;
/// Prefix of every URI.
pub const AERON_PREFIX: &str = "aeron:";
/// Prefix of a spy subscription's URI (followed by `aeron:`).
pub const SPY_PREFIX: &str = "aeron-spy:";
