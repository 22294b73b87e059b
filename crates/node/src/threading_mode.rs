//! [`ThreadingMode`]: the media driver threading mode named by `aeron.threading.mode` (Aeron's
//! `ThreadingMode`), parsed case-insensitively; `-` and `_` are interchangeable.

/// How the node's media driver runs its agents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThreadingMode {
    /// Conductor, sender and receiver each on a thread (Aeron's default).
    Dedicated,
    /// Conductor on one thread, sender and receiver sharing another.
    SharedNetwork,
    /// All three agents on one thread.
    Shared,
    /// No threads: the owner invokes the driver's duty cycle.
    Invoker,
}

impl ThreadingMode {
    /// Parses `DEDICATED`, `SHARED_NETWORK`, `SHARED` or `INVOKER` (any case, `-` for `_`).
    pub fn parse(value: &str) -> Option<Self> {
        match value.trim().to_ascii_uppercase().replace('-', "_").as_str() {
            "DEDICATED" => Some(Self::Dedicated),
            "SHARED_NETWORK" => Some(Self::SharedNetwork),
            "SHARED" => Some(Self::Shared),
            "INVOKER" => Some(Self::Invoker),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_aeron_names() {
        assert_eq!(ThreadingMode::parse("DEDICATED"), Some(ThreadingMode::Dedicated));
        assert_eq!(ThreadingMode::parse("shared-network"), Some(ThreadingMode::SharedNetwork));
        assert_eq!(ThreadingMode::parse(" shared "), Some(ThreadingMode::Shared));
        assert_eq!(ThreadingMode::parse("Invoker"), Some(ThreadingMode::Invoker));
        assert_eq!(ThreadingMode::parse("threads"), None);
    }
}
