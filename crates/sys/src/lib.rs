//! fulmar-sys (work in progress).
