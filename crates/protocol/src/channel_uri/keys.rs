//! Parameter names (Aeron `CommonContext.*_PARAM_NAME`), and [`ALL`], the complete list this parser
//! accepts. Any other key is rejected.

/// `endpoint`: UDP data address (subscription binds, publication sends).
pub const ENDPOINT: &str = "endpoint";
/// `interface`: local interface / bind address.
pub const INTERFACE: &str = "interface";
/// `control`: explicit control address.
pub const CONTROL: &str = "control";
/// `control-mode`: `manual`, `dynamic` or `response`.
pub const CONTROL_MODE: &str = "control-mode";
/// `term-length`: power of two in [64k, 1g].
pub const TERM_LENGTH: &str = "term-length";
/// `mtu`: multiple of 32 in (32, 65504].
pub const MTU: &str = "mtu";
/// `init-term-id`: initial term id of a positioned publication.
pub const INIT_TERM_ID: &str = "init-term-id";
/// `term-id`: active term id of a positioned publication.
pub const TERM_ID: &str = "term-id";
/// `term-offset`: term offset of a positioned publication.
pub const TERM_OFFSET: &str = "term-offset";
/// `session-id`: `N` or `tag:N`.
pub const SESSION_ID: &str = "session-id";
/// `stream-id`: must match the API argument.
pub const STREAM_ID: &str = "stream-id";
/// `alias`: free-form label.
pub const ALIAS: &str = "alias";
/// `tags`: `channelTag[,entityTag]`.
pub const TAGS: &str = "tags";
/// `linger`: publication linger duration.
pub const LINGER: &str = "linger";
/// `eos`: send end-of-stream on close.
pub const EOS: &str = "eos";
/// `sparse`: sparse log files.
pub const SPARSE: &str = "sparse";
/// `ttl`: multicast TTL.
pub const TTL: &str = "ttl";
/// `reliable`: NAK losses (true) or fill gaps with padding (false).
pub const RELIABLE: &str = "reliable";
/// `tether`: whether a slow subscriber holds back the publisher.
pub const TETHER: &str = "tether";
/// `group`: `true`, `false` or `infer`.
pub const GROUP: &str = "group";
/// `rejoin`: whether a session may rejoin after its image went away.
pub const REJOIN: &str = "rejoin";
/// `cc`: congestion control (`static`, `cubic`).
pub const CONGESTION_CONTROL: &str = "cc";
/// `fc`: flow control (`max`, `min[,t:..][,g:..]`, `tagged[,g:..]`).
pub const FLOW_CONTROL: &str = "fc";
/// `gtag`: receiver group tag sent in SMs.
pub const GROUP_TAG: &str = "gtag";
/// `ssc`: spies simulate connection.
pub const SPIES_SIMULATE_CONNECTION: &str = "ssc";
/// `so-sndbuf`: socket send buffer length.
pub const SOCKET_SNDBUF: &str = "so-sndbuf";
/// `so-rcvbuf`: socket receive buffer length.
pub const SOCKET_RCVBUF: &str = "so-rcvbuf";
/// `so-tos`: socket type of service, 0..=255.
pub const SOCKET_TOS: &str = "so-tos";
/// `rcv-wnd`: receiver window length.
pub const RECEIVER_WINDOW: &str = "rcv-wnd";
/// `pub-wnd`: publication window length.
pub const PUBLICATION_WINDOW: &str = "pub-wnd";
/// `nak-delay`: unicast NAK delay.
pub const NAK_DELAY: &str = "nak-delay";
/// `max-resend`: retransmit action slots, 1..=256.
pub const MAX_RESEND: &str = "max-resend";
/// `response-correlation-id`: `N >= -1` or `prototype`.
pub const RESPONSE_CORRELATION_ID: &str = "response-correlation-id";
/// `response-endpoint`: response channel endpoint.
pub const RESPONSE_ENDPOINT: &str = "response-endpoint";
/// `media-rcv-ts-offset`: offset for the media receive timestamp, or `reserved`.
pub const MEDIA_RCV_TIMESTAMP_OFFSET: &str = "media-rcv-ts-offset";
/// `channel-rcv-ts-offset`: offset for the channel receive timestamp, or `reserved`.
pub const CHANNEL_RCV_TIMESTAMP_OFFSET: &str = "channel-rcv-ts-offset";
/// `channel-snd-ts-offset`: offset for the channel send timestamp, or `reserved`.
pub const CHANNEL_SND_TIMESTAMP_OFFSET: &str = "channel-snd-ts-offset";
/// `untethered-window-limit-timeout`.
pub const UNTETHERED_WINDOW_LIMIT_TIMEOUT: &str = "untethered-window-limit-timeout";
/// `untethered-linger-timeout`.
pub const UNTETHERED_LINGER_TIMEOUT: &str = "untethered-linger-timeout";
/// `untethered-resting-timeout`.
pub const UNTETHERED_RESTING_TIMEOUT: &str = "untethered-resting-timeout";

/// Every accepted key.
pub const ALL: [&str; 40] = [
    ENDPOINT,
    INTERFACE,
    CONTROL,
    CONTROL_MODE,
    TERM_LENGTH,
    MTU,
    INIT_TERM_ID,
    TERM_ID,
    TERM_OFFSET,
    SESSION_ID,
    STREAM_ID,
    ALIAS,
    TAGS,
    LINGER,
    EOS,
    SPARSE,
    TTL,
    RELIABLE,
    TETHER,
    GROUP,
    REJOIN,
    CONGESTION_CONTROL,
    FLOW_CONTROL,
    GROUP_TAG,
    SPIES_SIMULATE_CONNECTION,
    SOCKET_SNDBUF,
    SOCKET_RCVBUF,
    SOCKET_TOS,
    RECEIVER_WINDOW,
    PUBLICATION_WINDOW,
    NAK_DELAY,
    MAX_RESEND,
    RESPONSE_CORRELATION_ID,
    RESPONSE_ENDPOINT,
    MEDIA_RCV_TIMESTAMP_OFFSET,
    CHANNEL_RCV_TIMESTAMP_OFFSET,
    CHANNEL_SND_TIMESTAMP_OFFSET,
    UNTETHERED_WINDOW_LIMIT_TIMEOUT,
    UNTETHERED_LINGER_TIMEOUT,
    UNTETHERED_RESTING_TIMEOUT,
];

/// The `'static` spelling of `key` if it is a known key.
pub fn known(key: &str) -> Option<&'static str> {
    ALL.iter().copied().find(|known| *known == key)
}
