//! fulmar-client (work in progress).
