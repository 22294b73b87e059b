//! fulmar-node: configuration of a cluster node (media driver, archive, consensus module, services).
//!
//! - [`NodeConfig`]: the validated settings, named by Aeron's property keys (`aeron.cluster.members`,
//!   `aeron.cluster.member.id`, channels, timeouts, threading mode, idle strategy, service names),
//!   loaded from a TOML text, then environment variables (`AERON_CLUSTER_MEMBERS` style), then explicit
//!   `key=value` overrides ([`ConfigSources`] holds the layers). Keys starting `fulmar.` are fulmar
//!   extensions Aeron has no property for (`fulmar.cluster.snapshot.interval`, `.snapshot.log.growth`,
//!   `.snapshot.retained.count`, `.snapshot.catchup.timeout`, `.snapshot.replication.timeout`,
//!   `.snapshot.load.timeout`, `fulmar.cluster.admin.requests.allowed`; environment
//!   `FULMAR_CLUSTER_SNAPSHOT_INTERVAL` style); [`NodeConfig::apply_snapshot_settings`] carries them onto
//!   the consensus module's settings.
//! - [`PortScheme`]: the tutorial's port allocation and members string builder.
//! - [`ClusterNode`]: launches driver, archive, consensus module and services on threads.
//! - [`NodeDirs`]: the `<base>/node<N>/{driver,archive,cluster}` layout.
//! - [`NodeMarkFile`]: the node's `cluster-mark.dat` (pid, ids, channels, liveness, error log).
//!
//! Determinism: no file, environment or clock access here; the launcher passes the file's text and the
//! environment's variables in. Every error names the offending key ([`ConfigError`]).

#![warn(missing_docs)]

pub mod cluster_node;
pub mod config_error;
pub mod config_keys;
pub mod config_sources;
pub mod idle_strategy_kind;
pub mod node_config;
pub mod node_dirs;
pub mod node_mark_file;
pub mod port_scheme;
pub mod threading_mode;

pub use cluster_node::{ClusterNode, ClusterNodeContext, NodeError, StderrEventSink};
pub use config_error::{ConfigError, ValueSource};
pub use config_sources::ConfigSources;
pub use idle_strategy_kind::IdleStrategyKind;
pub use node_config::NodeConfig;
pub use node_dirs::NodeDirs;
pub use node_mark_file::{NodeMarkFile, NodeMarkFileInfo};
pub use port_scheme::PortScheme;
pub use threading_mode::ThreadingMode;
