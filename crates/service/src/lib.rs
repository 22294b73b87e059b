//! The clustered-service container (placeholder; being written).
