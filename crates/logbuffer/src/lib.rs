//! fulmar-logbuffer (work in progress).
