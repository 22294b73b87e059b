//! Fulmar's wire formats: Aeron transport frames ([`frame`]), channel URIs ([`channel_uri`]), the archive
//! control protocol ([`archive`], SBE schema 101), Aeron Cluster's messages ([`cluster`], SBE schema 111) and the
//! client ⇄ driver control protocol ([`command`]). Everything little-endian, byte-compatible with Aeron 1.54.
//!
//! Decoding never panics on untrusted bytes: every decoder returns an error for short, malformed or
//! inconsistent input.

pub mod archive;
pub mod channel_uri;
pub mod cluster;
pub mod command;
pub mod frame;
