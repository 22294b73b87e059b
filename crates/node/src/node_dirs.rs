//! [`NodeDirs`]: the directory layout of one node under a base directory, as in the tutorial:
//! `<base>/node<N>/{driver,archive,cluster}`. Pure path arithmetic: nothing is created or checked on
//! disk (the launcher does that through `sys`).

use std::path::{Path, PathBuf};

use crate::config_error::ConfigError;

/// The directories of node N: `root = <base>/node<N>`, and `driver`, `archive`, `cluster` below it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeDirs {
    /// `<base>/node<N>`.
    pub root: PathBuf,
    /// The media driver's directory (`aeron.dir`).
    pub driver: PathBuf,
    /// The archive's directory.
    pub archive: PathBuf,
    /// The consensus module's and services' directory (`aeron.cluster.dir`).
    pub cluster: PathBuf,
}

impl NodeDirs {
    /// The layout of node `node_id` under `base`. Errors for a negative node id.
    pub fn new(base: &Path, node_id: i32) -> Result<Self, ConfigError> {
        if node_id < 0 {
            return Err(ConfigError::InvalidArgument {
                what: "node id",
                reason: format!("{node_id} is negative"),
            });
        }
        let root = base.join(format!("node{node_id}"));
        Ok(Self {
            driver: root.join("driver"),
            archive: root.join("archive"),
            cluster: root.join("cluster"),
            root,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout() {
        let dirs = NodeDirs::new(Path::new("/var/fulmar"), 2).unwrap();
        assert_eq!(dirs.root, PathBuf::from("/var/fulmar/node2"));
        assert_eq!(dirs.driver, PathBuf::from("/var/fulmar/node2/driver"));
        assert_eq!(dirs.archive, PathBuf::from("/var/fulmar/node2/archive"));
        assert_eq!(dirs.cluster, PathBuf::from("/var/fulmar/node2/cluster"));
        assert!(NodeDirs::new(Path::new("x"), -1).is_err());
    }
}
