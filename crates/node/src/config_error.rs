//! [`ConfigError`]: why a node configuration could not be loaded. Every variant names the property key
//! (Aeron's dotted name, e.g. `aeron.cluster.members`) and, where one exists, where the value came from.

use std::fmt;

/// Where a configuration value came from (reported in errors; later sources override earlier ones).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueSource {
    /// The built-in Aeron default.
    Default,
    /// The TOML configuration text.
    Toml,
    /// An environment variable (its name).
    Environment(String),
    /// An explicit `key=value` override.
    Override,
}

impl fmt::Display for ValueSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Default => f.write_str("default"),
            Self::Toml => f.write_str("TOML file"),
            Self::Environment(name) => write!(f, "environment variable {name}"),
            Self::Override => f.write_str("override"),
        }
    }
}

/// A configuration error. The messages name the key so that an operator can find the bad setting.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// The TOML text is not valid TOML.
    #[error("invalid TOML configuration: {0}")]
    Toml(String),
    /// A key that is not a known node property.
    #[error("unknown configuration key '{key}' ({source_name})")]
    UnknownKey {
        /// The key as written.
        key: String,
        /// Where it was written.
        source_name: ValueSource,
    },
    /// A `key=value` override without `=`.
    #[error("invalid override '{0}': expected key=value")]
    MalformedOverride(String),
    /// A required key has no value.
    #[error("missing required configuration key '{key}'")]
    Missing {
        /// The key.
        key: &'static str,
    },
    /// A value that does not parse or fails validation.
    #[error("invalid value for '{key}' ({source_name}): '{value}': {reason}")]
    Invalid {
        /// The key.
        key: &'static str,
        /// The offending value.
        value: String,
        /// Where the value came from.
        source_name: ValueSource,
        /// What is wrong with it.
        reason: String,
    },
    /// An argument of a helper (port scheme, directory layout) is out of range.
    #[error("invalid {what}: {reason}")]
    InvalidArgument {
        /// Which argument.
        what: &'static str,
        /// What is wrong with it.
        reason: String,
    },
}
