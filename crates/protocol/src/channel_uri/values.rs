//! Typed values of channel URI parameters: what the accessors of [`ChannelUri`](super::ChannelUri) return
//! and the builder accepts. Each type parses from, and displays as, the exact URI syntax.

use std::fmt;

/// The transport media: `aeron:udp` or `aeron:ipc`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Media {
    /// UDP (unicast, multicast, MDC, MDS).
    Udp,
    /// Shared-memory IPC within one driver.
    Ipc,
}

impl Media {
    /// `"udp"` or `"ipc"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Udp => "udp",
            Self::Ipc => "ipc",
        }
    }
}

impl fmt::Display for Media {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `control-mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ControlMode {
    /// `manual`: MDC publication or MDS subscription with explicit destinations.
    Manual,
    /// `dynamic`: MDC publication whose destinations come from SMs (needs `control`).
    Dynamic,
    /// `response`: response channel.
    Response,
}

impl ControlMode {
    /// The URI spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Manual => "manual",
            Self::Dynamic => "dynamic",
            Self::Response => "response",
        }
    }

    /// Parses the URI spelling (exact, lower case).
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "manual" => Some(Self::Manual),
            "dynamic" => Some(Self::Dynamic),
            "response" => Some(Self::Response),
            _ => None,
        }
    }
}

impl fmt::Display for ControlMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The tri-state `group` parameter (Aeron `InferableBoolean`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InferableBoolean {
    /// `true`: force group semantics.
    ForceTrue,
    /// `false`: force individual semantics.
    ForceFalse,
    /// `infer`: decide from the channel (multicast / MDC / SETUP GROUP flag).
    Infer,
}

impl InferableBoolean {
    /// The URI spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::ForceTrue => "true",
            Self::ForceFalse => "false",
            Self::Infer => "infer",
        }
    }

    /// Parses `true`, `false` or `infer`.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "true" => Some(Self::ForceTrue),
            "false" => Some(Self::ForceFalse),
            "infer" => Some(Self::Infer),
            _ => None,
        }
    }
}

impl fmt::Display for InferableBoolean {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `session-id`: an explicit id or a reference to a tagged publication's session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SessionIdParam {
    /// `session-id=N`.
    Id(i32),
    /// `session-id=tag:N`: use the session of the publication whose entity tag is `N`.
    Tag(i64),
}

impl fmt::Display for SessionIdParam {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Id(id) => write!(f, "{id}"),
            Self::Tag(tag) => write!(f, "tag:{tag}"),
        }
    }
}

/// Value reserved by Aeron to mean "no tag"; rejected in `tags`.
pub const INVALID_TAG: i64 = -1;

/// `tags=channelTag[,entityTag]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Tags {
    /// Tag of the channel endpoint (lets other URIs reuse it).
    pub channel_tag: i64,
    /// Tag of this publication/subscription (lets `session-id=tag:N` refer to it).
    pub entity_tag: Option<i64>,
}

impl fmt::Display for Tags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.entity_tag {
            Some(entity_tag) => write!(f, "{},{entity_tag}", self.channel_tag),
            None => write!(f, "{}", self.channel_tag),
        }
    }
}

/// `init-term-id`, `term-id` and `term-offset` together: the exact position a publication starts at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct InitialPosition {
    /// `init-term-id`.
    pub initial_term_id: i32,
    /// `term-id` (not before `init-term-id`, with 32-bit wrap-around).
    pub term_id: i32,
    /// `term-offset` (32-aligned, below the term length).
    pub term_offset: i32,
}

impl From<InitialPosition> for (i32, i32, i32) {
    fn from(position: InitialPosition) -> Self {
        (position.initial_term_id, position.term_id, position.term_offset)
    }
}

/// A timestamp-offset parameter (`media-rcv-ts-offset`, `channel-rcv-ts-offset`, `channel-snd-ts-offset`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TimestampOffset {
    /// `reserved`: write the timestamp into the frame's reserved value.
    Reserved,
    /// Byte offset into the message payload (non-negative).
    Offset(i32),
}

impl fmt::Display for TimestampOffset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Reserved => f.write_str("reserved"),
            Self::Offset(offset) => write!(f, "{offset}"),
        }
    }
}

/// `response-correlation-id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResponseCorrelationId {
    /// `prototype`: pre-create the response publication to hold its port.
    Prototype,
    /// A correlation id, at least -1.
    Id(i64),
}

impl fmt::Display for ResponseCorrelationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Prototype => f.write_str("prototype"),
            Self::Id(id) => write!(f, "{id}"),
        }
    }
}
