//! [`ConfigSources`]: the raw, layered values of a node configuration before validation: a TOML text,
//! environment variables and explicit `key=value` overrides, over Aeron's defaults.
//!
//! Invariants:
//! - Only known keys (see [`crate::config_keys::KEYS`]) are stored; an unknown key in the TOML text or in
//!   an override is an error (it is almost always a typo). Environment variables that do not name a key
//!   are ignored (the environment holds much else).
//! - A later `add_*` call overrides an earlier one, key by key; each value remembers its source, for
//!   error messages.
//! - Nothing here reads files or the process environment: the caller passes text and variables in.

use std::collections::BTreeMap;

use crate::config_error::{ConfigError, ValueSource};
use crate::config_keys::{CLUSTER_MEMBERS, KEYS, env_var_name, known_key};

/// Layered raw configuration values. Drive it with `add_toml`, then `add_env`, then `add_override`
/// (that order gives Aeron's precedence), then build a [`crate::NodeConfig`] from it.
#[derive(Debug, Clone, Default)]
pub struct ConfigSources {
    values: BTreeMap<&'static str, (String, ValueSource)>,
}

impl ConfigSources {
    /// No values yet (every key at its default).
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `key` to `value` from `source`. Errors if `key` is unknown.
    pub fn set(&mut self, key: &str, value: &str, source: ValueSource) -> Result<(), ConfigError> {
        let Some(key) = known_key(key) else {
            return Err(ConfigError::UnknownKey { key: key.to_owned(), source_name: source });
        };
        self.values.insert(key, (value.to_owned(), source));
        Ok(())
    }

    /// Adds the values of a TOML document. Keys are Aeron property names, written either dotted
    /// (`aeron.cluster.members = "..."`), quoted (`"aeron.cluster.members" = "..."`) or as tables
    /// (`[aeron.cluster]` then `members = "..."`). Values may be strings, integers, booleans or arrays
    /// (an array of members strings is joined with `|`, any other array with `,`).
    pub fn add_toml(&mut self, text: &str) -> Result<(), ConfigError> {
        let table: toml::Table = toml::from_str(text).map_err(|e| ConfigError::Toml(e.to_string()))?;
        let mut flat = Vec::new();
        flatten("", &table, &mut flat)?;
        for (key, value) in flat {
            self.set(&key, &value, ValueSource::Toml)?;
        }
        Ok(())
    }

    /// Adds the environment variables `vars` that name a key (`AERON_CLUSTER_MEMBERS` for
    /// `aeron.cluster.members`); others are ignored.
    pub fn add_env<I, K, V>(&mut self, vars: I)
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let names: Vec<(String, &'static str)> =
            KEYS.iter().map(|(key, _)| (env_var_name(key), *key)).collect();
        for (name, value) in vars {
            if let Some((env_name, key)) = names.iter().find(|(env_name, _)| env_name == name.as_ref()) {
                self.values
                    .insert(key, (value.as_ref().to_owned(), ValueSource::Environment(env_name.clone())));
            }
        }
    }

    /// Adds one explicit override `key=value` (the value may contain `=`).
    pub fn add_override(&mut self, assignment: &str) -> Result<(), ConfigError> {
        let Some((key, value)) = assignment.split_once('=') else {
            return Err(ConfigError::MalformedOverride(assignment.to_owned()));
        };
        self.set(key.trim(), value.trim(), ValueSource::Override)
    }

    /// The value of `key` and its source: the last one set, else the default, else `None`.
    pub fn get(&self, key: &'static str) -> Option<(&str, ValueSource)> {
        if let Some((value, source)) = self.values.get(key) {
            return Some((value.as_str(), source.clone()));
        }
        KEYS.iter()
            .find(|(name, _)| *name == key)
            .and_then(|(_, default)| *default)
            .map(|d| (d, ValueSource::Default))
    }
}

fn flatten(prefix: &str, table: &toml::Table, out: &mut Vec<(String, String)>) -> Result<(), ConfigError> {
    for (name, value) in table {
        let key = if prefix.is_empty() { name.clone() } else { format!("{prefix}.{name}") };
        match value {
            toml::Value::Table(inner) => flatten(&key, inner, out)?,
            toml::Value::Array(items) => {
                let separator = if key == CLUSTER_MEMBERS { "|" } else { "," };
                let mut parts = Vec::with_capacity(items.len());
                for item in items {
                    parts.push(scalar(&key, item)?);
                }
                out.push((key, parts.join(separator)));
            }
            other => {
                let text = scalar(&key, other)?;
                out.push((key, text));
            }
        }
    }
    Ok(())
}

fn scalar(key: &str, value: &toml::Value) -> Result<String, ConfigError> {
    match value {
        toml::Value::String(text) => Ok(text.clone()),
        toml::Value::Integer(number) => Ok(number.to_string()),
        toml::Value::Boolean(flag) => Ok(flag.to_string()),
        other => Err(ConfigError::Toml(format!(
            "key '{key}': unsupported value type {} (use a string, integer, boolean or array)",
            other.type_str()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config_keys::{CLUSTER_DIR, CLUSTER_MEMBER_ID, SERVICE_NAME};

    #[test]
    fn layers_override_in_order_and_remember_sources() {
        let mut sources = ConfigSources::new();
        assert_eq!(sources.get(CLUSTER_DIR), Some(("aeron-cluster", ValueSource::Default)));
        sources
            .add_toml("[aeron.cluster]\ndir = \"/data/c\"\nmember.id = 1\nservice.name = [\"a\", \"b\"]\n")
            .unwrap();
        assert_eq!(sources.get(CLUSTER_DIR), Some(("/data/c", ValueSource::Toml)));
        assert_eq!(sources.get(CLUSTER_MEMBER_ID), Some(("1", ValueSource::Toml)));
        assert_eq!(sources.get(SERVICE_NAME), Some(("a,b", ValueSource::Toml)));
        sources.add_env([("AERON_CLUSTER_MEMBER_ID", "2"), ("PATH", "/bin"), ("AERON_CLUSTER_NOPE", "x")]);
        assert_eq!(
            sources.get(CLUSTER_MEMBER_ID),
            Some(("2", ValueSource::Environment("AERON_CLUSTER_MEMBER_ID".to_owned())))
        );
        sources.add_override("aeron.cluster.member.id = 3").unwrap();
        assert_eq!(sources.get(CLUSTER_MEMBER_ID), Some(("3", ValueSource::Override)));
    }

    #[test]
    fn rejects_unknown_keys_bad_toml_and_bad_overrides() {
        let mut sources = ConfigSources::new();
        let error = sources.add_toml("aeron.cluster.membrs = \"x\"").unwrap_err();
        assert!(error.to_string().contains("aeron.cluster.membrs"), "{error}");
        assert!(matches!(sources.add_toml("not toml ="), Err(ConfigError::Toml(_))));
        let error = sources.add_toml("aeron.cluster.dir = 1.5").unwrap_err();
        assert!(error.to_string().contains("aeron.cluster.dir"), "{error}");
        assert_eq!(
            sources.add_override("aeron.cluster.dir"),
            Err(ConfigError::MalformedOverride("aeron.cluster.dir".to_owned()))
        );
        let error = sources.add_override("aeron.cluster.foo=1").unwrap_err();
        assert!(error.to_string().contains("aeron.cluster.foo"), "{error}");
        sources.add_override("aeron.cluster.ingress.channel=aeron:udp?endpoint=h:1|a=b").unwrap();
        assert_eq!(
            sources.get(crate::config_keys::INGRESS_CHANNEL).map(|(v, _)| v.to_owned()),
            Some("aeron:udp?endpoint=h:1|a=b".to_owned())
        );
    }
}
