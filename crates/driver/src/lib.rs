//! fulmar-driver (work in progress).
