//! fulmar-protocol (work in progress).
