//! The node launcher (placeholder; being written).
