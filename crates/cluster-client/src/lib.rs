//! The cluster client, `AeronCluster` (placeholder; being written).
