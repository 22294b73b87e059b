//! Tests for every syntax, value and whole-channel rule, the builder, and proptests (random strings never
//! panic the parser; built and parsed URIs round-trip through `Display`).

use super::*;
use proptest::prelude::*;
use std::net::{Ipv4Addr, Ipv6Addr};

fn parse(uri: &str) -> ChannelUri {
    ChannelUri::parse(uri).unwrap_or_else(|error| panic!("{uri}: {error}"))
}

fn error(uri: &str) -> ChannelUriError {
    match ChannelUri::parse(uri) {
        Ok(parsed) => panic!("{uri} parsed as {parsed:?}"),
        Err(error) => error,
    }
}

/// Asserts that `uri` fails with `InvalidValue` for `key` and `value`, and that the message names both.
fn assert_invalid(uri: &str, key: &str, value: &str) {
    let error = error(uri);
    match &error {
        ChannelUriError::InvalidValue { key: k, value: v, .. } => {
            assert_eq!((*k, v.as_str()), (key, value), "{uri}: {error}");
        }
        other => panic!("{uri}: expected InvalidValue for {key}, got {other:?}"),
    }
    let message = error.to_string();
    assert!(message.contains(key) && message.contains(value), "{message}");
}

fn assert_roundtrip(uri: &ChannelUri) {
    let text = uri.to_string();
    assert_eq!(ChannelUri::parse(&text).as_ref(), Ok(uri), "{text}");
}

#[test]
fn parses_media_prefix_and_parameters() {
    let uri = parse("aeron:udp?endpoint=localhost:40123|alias=x=y");
    assert!(uri.is_udp() && !uri.is_ipc() && !uri.is_spy());
    assert_eq!(uri.media(), Media::Udp);
    assert_eq!(uri.get("endpoint"), Some("localhost:40123"));
    assert_eq!(uri.alias(), Some("x=y"), "values may contain `=`");
    assert_eq!(uri.params().collect::<Vec<_>>(), [("endpoint", "localhost:40123"), ("alias", "x=y")]);

    let uri = parse("aeron:ipc");
    assert!(uri.is_ipc());
    assert_eq!(uri.params().count(), 0);
    assert_eq!(uri.to_string(), "aeron:ipc");

    let uri = parse("aeron-spy:aeron:udp?endpoint=224.0.1.1:40456");
    assert!(uri.is_spy() && uri.is_udp());
    assert_eq!(uri.to_string(), "aeron-spy:aeron:udp?endpoint=224.0.1.1:40456");
    assert_eq!("aeron:ipc?alias=a".parse::<ChannelUri>(), Ok(parse("aeron:ipc?alias=a")));
}

#[test]
fn last_duplicate_wins_and_keeps_first_position() {
    let uri = parse("aeron:ipc?term-length=64k|alias=a|term-length=128k");
    assert_eq!(uri.term_length(), Some(128 * 1024));
    assert_eq!(uri.to_string(), "aeron:ipc?term-length=128k|alias=a");
    assert_roundtrip(&uri);
}

#[test]
fn syntax_errors() {
    assert_eq!(error("udp?endpoint=a:1"), ChannelUriError::MissingScheme { uri: "udp?endpoint=a:1".into() });
    assert!(matches!(error("aeron-spy:udp"), ChannelUriError::MissingScheme { .. }));
    assert!(matches!(error("Aeron:udp"), ChannelUriError::MissingScheme { .. }));
    assert_eq!(error("aeron:tcp"), ChannelUriError::UnknownMedia { media: "tcp".into() });
    assert_eq!(error("aeron:UDP?endpoint=a:1"), ChannelUriError::UnknownMedia { media: "UDP".into() });
    assert_eq!(error("aeron:"), ChannelUriError::UnknownMedia { media: String::new() });
    assert_eq!(error("aeron:ud|p"), ChannelUriError::InvalidMediaCharacter { character: '|', index: 8 });
    assert_eq!(error("aeron:udp:x"), ChannelUriError::InvalidMediaCharacter { character: ':', index: 9 });
    assert_eq!(error("aeron:u=dp"), ChannelUriError::InvalidMediaCharacter { character: '=', index: 7 });
    assert_eq!(error("aeron:ipc?"), ChannelUriError::EmptyKey { index: 10 });
    assert_eq!(error("aeron:ipc?alias=a|"), ChannelUriError::EmptyKey { index: 18 });
    assert_eq!(error("aeron:ipc?alias=a||mtu=64"), ChannelUriError::EmptyKey { index: 18 });
    assert_eq!(error("aeron:ipc?=a"), ChannelUriError::EmptyKey { index: 10 });
    assert_eq!(error("aeron:ipc?alias"), ChannelUriError::MissingValue { key: "alias".into(), index: 10 });
    assert_eq!(
        error("aeron:ipc?alias=a|mtu"),
        ChannelUriError::MissingValue { key: "mtu".into(), index: 18 }
    );
    assert_eq!(error("aeron:ipc?color=red"), ChannelUriError::UnknownKey { key: "color".into() });
    assert!(error("aeron:ipc?color=red").to_string().contains("color"));
    assert_eq!(error("aeron:ipc?Alias=a"), ChannelUriError::UnknownKey { key: "Alias".into() });
}

#[test]
fn maximum_length() {
    let prefix = "aeron:ipc?alias=";
    let at_limit = format!("{prefix}{}", "a".repeat(MAX_URI_LENGTH - prefix.len()));
    assert_eq!(at_limit.len(), 4095);
    assert_roundtrip(&parse(&at_limit));
    let over = format!("{at_limit}a");
    assert_eq!(error(&over), ChannelUriError::TooLong { length: 4096 });
    let long_alias = "a".repeat(MAX_URI_LENGTH);
    assert!(matches!(
        ChannelUriBuilder::ipc().alias(&long_alias).build(),
        Err(ChannelUriError::TooLong { .. })
    ));
}

#[test]
fn empty_values() {
    assert_eq!(parse("aeron:ipc?alias=").alias(), Some(""));
    assert_invalid("aeron:udp?endpoint=", "endpoint", "");
    assert_invalid("aeron:ipc?term-length=", "term-length", "");
    assert_invalid("aeron:ipc?linger=", "linger", "");
    assert_invalid("aeron:ipc?eos=", "eos", "");
}

#[test]
fn every_known_key_is_listed_once() {
    let mut all = keys::ALL.to_vec();
    all.sort_unstable();
    all.dedup();
    assert_eq!(all.len(), keys::ALL.len());
    for key in keys::ALL {
        assert_eq!(keys::known(key), Some(key));
    }
    assert_eq!(keys::known("nope"), None);
}

#[test]
fn endpoint_and_control_addresses() {
    let uri = parse("aeron:udp?endpoint=192.168.1.20:40123|control=[::1]:0|response-endpoint=node-0.local:1");
    assert_eq!(
        uri.endpoint(),
        Some(&SocketAddressSpec { host: Host::Ipv4(Ipv4Addr::new(192, 168, 1, 20)), port: 40123 })
    );
    assert_eq!(
        uri.control(),
        Some(&SocketAddressSpec { host: Host::Ipv6 { address: Ipv6Addr::LOCALHOST, scope: None }, port: 0 })
    );
    assert_eq!(uri.response_endpoint().map(ToString::to_string), Some("node-0.local:1".into()));
    let uri = parse("aeron:udp?endpoint=[fe80::1%eth0]:65535");
    assert_eq!(uri.endpoint().map(|e| e.port), Some(65535));
    assert!(matches!(&uri.endpoint().unwrap().host, Host::Ipv6 { scope: Some(s), .. } if s == "eth0"));
    assert_eq!(uri.endpoint().unwrap().to_string(), "[fe80::1%eth0]:65535");

    for bad in [
        "localhost",
        "localhost:",
        ":40123",
        "localhost:65536",
        "localhost:-1",
        "localhost:+80",
        "localhost:80x",
        "256.1.1.1:80",
        "1.2.3:80",
        "::1:80",
        "[::1:80",
        "[::1]80",
        "[::1]",
        "[zz::1]:80",
        "[::1%]:80",
        "bad host:80",
        "a/b:80",
    ] {
        assert_invalid(&format!("aeron:udp?endpoint={bad}"), "endpoint", bad);
        assert_invalid(&format!("aeron:udp?control={bad}"), "control", bad);
        assert_invalid(&format!("aeron:udp?tags=1|response-endpoint={bad}"), "response-endpoint", bad);
    }
}

#[test]
fn multicast_endpoint_last_byte_must_be_odd() {
    assert!(parse("aeron:udp?endpoint=224.0.1.1:40456").endpoint().unwrap().host.is_multicast());
    assert_invalid("aeron:udp?endpoint=224.0.1.2:40456", "endpoint", "224.0.1.2:40456");
    assert_invalid("aeron:udp?endpoint=[ff02::2]:40456", "endpoint", "[ff02::2]:40456");
    parse("aeron:udp?endpoint=[ff02::1]:40456");
    parse("aeron:udp?endpoint=10.0.0.2:40456");
    parse("aeron:udp?control=224.0.1.2:40456");
}

#[test]
fn interface_forms() {
    let cases = [
        (
            "192.168.1.0/24",
            InterfaceSpec::Address {
                host: Host::Ipv4(Ipv4Addr::new(192, 168, 1, 0)),
                port: 0,
                prefix_length: Some(24),
            },
        ),
        (
            "10.0.0.1:40000",
            InterfaceSpec::Address {
                host: Host::Ipv4(Ipv4Addr::new(10, 0, 0, 1)),
                port: 40000,
                prefix_length: None,
            },
        ),
        (
            "localhost",
            InterfaceSpec::Address { host: Host::Name("localhost".into()), port: 0, prefix_length: None },
        ),
        (
            "[::1]:5/128",
            InterfaceSpec::Address {
                host: Host::Ipv6 { address: Ipv6Addr::LOCALHOST, scope: None },
                port: 5,
                prefix_length: Some(128),
            },
        ),
        ("{eth0}", InterfaceSpec::Named { name: "eth0".into(), port: 0 }),
        ("{eth0}:8080", InterfaceSpec::Named { name: "eth0".into(), port: 8080 }),
    ];
    for (text, expected) in cases {
        let uri = parse(&format!("aeron:udp?endpoint=224.0.1.1:40456|interface={text}"));
        assert_eq!(uri.interface(), Some(&expected), "{text}");
        assert_eq!(expected.to_string(), text);
    }
    for bad in [
        "",
        "{}",
        "{eth0",
        "{eth0}x",
        "{eth0}:",
        "10.0.0.1/33",
        "[::1]/129",
        "10.0.0.1/",
        "10.0.0.1:99999",
        "300.1.1.1",
    ] {
        assert_invalid(&format!("aeron:udp?tags=1|interface={bad}"), "interface", bad);
    }
}

#[test]
fn control_mode_and_whole_channel_rules() {
    assert_eq!(parse("aeron:udp?control-mode=manual").control_mode(), Some(ControlMode::Manual));
    assert_eq!(parse("aeron:udp?control-mode=response").control_mode(), Some(ControlMode::Response));
    assert_eq!(
        parse("aeron:udp?control-mode=dynamic|control=10.0.0.1:40000").control_mode(),
        Some(ControlMode::Dynamic)
    );
    assert_invalid("aeron:udp?control-mode=auto|endpoint=a:1", "control-mode", "auto");
    assert_invalid("aeron:udp?control-mode=Manual", "control-mode", "Manual");
    assert_eq!(
        error("aeron:udp?control-mode=dynamic|endpoint=a:1"),
        ChannelUriError::DynamicControlModeWithoutControl
    );

    assert_eq!(error("aeron:udp"), ChannelUriError::MissingUdpAddress);
    assert_eq!(error("aeron:udp?term-length=64m"), ChannelUriError::MissingUdpAddress);
    assert_eq!(error("aeron-spy:aeron:udp?alias=x"), ChannelUriError::MissingUdpAddress);
    assert!(error("aeron:udp").to_string().contains("endpoint"));
    parse("aeron:udp?endpoint=a:1");
    parse("aeron:udp?control=a:1");
    parse("aeron:udp?tags=7");
    parse("aeron:ipc");
    parse("aeron:ipc?control-mode=dynamic");

    let template = ChannelUri::parse_template("aeron:udp?term-length=64m").unwrap();
    assert_eq!(template.term_length(), Some(64 << 20));
    assert!(ChannelUri::parse_template("aeron:udp?control-mode=dynamic").is_ok());
    assert!(matches!(
        ChannelUri::parse_template("aeron:udp?term-length=3m"),
        Err(ChannelUriError::InvalidValue { key: "term-length", .. })
    ));
    assert!(matches!(
        ChannelUri::parse_template("aeron:udp?term-id=1"),
        Err(ChannelUriError::IncompleteInitialPosition { .. })
    ));
}

#[test]
fn term_length_sizes() {
    for (text, expected) in [
        ("64k", 65536),
        ("64K", 65536),
        ("16m", 16 << 20),
        ("1g", 1 << 30),
        ("1G", 1 << 30),
        ("131072", 131072),
    ] {
        assert_eq!(parse(&format!("aeron:ipc?term-length={text}")).term_length(), Some(expected), "{text}");
    }
    for bad in [
        "32k",
        "2g",
        "96k",
        "65535",
        "0",
        "-64k",
        "64x",
        "k",
        "64kb",
        "1.5m",
        "9999999999999g",
        " 64k",
        "+64k",
    ] {
        assert_invalid(&format!("aeron:ipc?term-length={bad}"), "term-length", bad);
    }
}

#[test]
fn mtu_rules() {
    assert_eq!(parse("aeron:ipc?mtu=1408").mtu(), Some(1408));
    assert_eq!(parse("aeron:ipc?mtu=8k").mtu(), Some(8192));
    assert_eq!(parse("aeron:ipc?mtu=65504").mtu(), Some(65504));
    assert_eq!(parse("aeron:ipc?mtu=64").mtu(), Some(64));
    for bad in ["32", "0", "1400", "65536", "64k", "-64", "mtu"] {
        assert_invalid(&format!("aeron:ipc?mtu={bad}"), "mtu", bad);
    }
    // At most the max message length of the term: 64k / 8 = 8k.
    assert_eq!(parse("aeron:ipc?term-length=64k|mtu=8k").mtu(), Some(8192));
    assert_invalid("aeron:ipc?term-length=64k|mtu=8224", "mtu", "8224");
    assert!(error("aeron:ipc?term-length=64k|mtu=8224").to_string().contains("term-length"));
}

#[test]
fn initial_position_all_or_none() {
    let uri = parse("aeron:ipc?init-term-id=-5|term-id=-3|term-offset=1024|term-length=64k");
    let position = uri.initial_position().unwrap();
    assert_eq!(position, InitialPosition { initial_term_id: -5, term_id: -3, term_offset: 1024 });
    assert_eq!(<(i32, i32, i32)>::from(position), (-5, -3, 1024));
    // Wrap-around: i32::MAX -> i32::MIN is one term later.
    parse("aeron:ipc?init-term-id=2147483647|term-id=-2147483648|term-offset=0");

    assert_eq!(
        error("aeron:ipc?term-id=1|term-offset=0"),
        ChannelUriError::IncompleteInitialPosition { missing: "init-term-id" }
    );
    assert_eq!(
        error("aeron:ipc?init-term-id=1|term-offset=0"),
        ChannelUriError::IncompleteInitialPosition { missing: "term-id" }
    );
    assert_eq!(
        error("aeron:ipc?init-term-id=1|term-id=1"),
        ChannelUriError::IncompleteInitialPosition { missing: "term-offset" }
    );
    assert_invalid("aeron:ipc?init-term-id=1|term-id=1|term-offset=33", "term-offset", "33");
    assert_invalid("aeron:ipc?init-term-id=1|term-id=1|term-offset=-32", "term-offset", "-32");
    assert_invalid(
        "aeron:ipc?init-term-id=1|term-id=1|term-offset=65536|term-length=64k",
        "term-offset",
        "65536",
    );
    assert_invalid("aeron:ipc?init-term-id=1|term-id=1|term-offset=1073741824", "term-offset", "1073741824");
    assert_invalid("aeron:ipc?init-term-id=5|term-id=4|term-offset=0", "term-id", "4");
    assert_invalid("aeron:ipc?init-term-id=x|term-id=4|term-offset=0", "init-term-id", "x");
    assert_invalid("aeron:ipc?init-term-id=1|term-id=2147483648|term-offset=0", "term-id", "2147483648");
}

#[test]
fn session_and_stream_ids() {
    assert_eq!(parse("aeron:ipc?session-id=-7").session_id(), Some(SessionIdParam::Id(-7)));
    assert_eq!(parse("aeron:ipc?session-id=tag:99").session_id(), Some(SessionIdParam::Tag(99)));
    assert_eq!(parse("aeron:ipc?stream-id=1001").stream_id(), Some(1001));
    for bad in ["tag:", "tag:x", "x", "2147483648", "Tag:1"] {
        assert_invalid(&format!("aeron:ipc?session-id={bad}"), "session-id", bad);
    }
    assert_invalid("aeron:ipc?stream-id=1.0", "stream-id", "1.0");
}

#[test]
fn tags() {
    let uri = parse("aeron:udp?tags=11,12");
    assert_eq!(uri.tags(), Some(Tags { channel_tag: 11, entity_tag: Some(12) }));
    assert_eq!((uri.channel_tag(), uri.entity_tag()), (Some(11), Some(12)));
    let uri = parse("aeron:udp?tags=11");
    assert_eq!((uri.channel_tag(), uri.entity_tag()), (Some(11), None));
    for bad in ["", ",12", "11,", "11,12,13", "a", "-1", "11,-1"] {
        assert_invalid(&format!("aeron:ipc?tags={bad}"), "tags", bad);
    }
}

#[test]
fn durations() {
    let cases = [
        ("0", 0),
        ("5s", 5_000_000_000),
        ("5S", 5_000_000_000),
        ("200ms", 200_000_000),
        ("7us", 7_000),
        ("9ns", 9),
        ("123", 123),
    ];
    for (text, expected) in cases {
        let uri = parse(&format!(
            "aeron:ipc?linger={text}|nak-delay={text}|untethered-window-limit-timeout={text}|\
             untethered-linger-timeout={text}|untethered-resting-timeout={text}"
        ));
        assert_eq!(uri.linger_ns(), Some(expected));
        assert_eq!(uri.nak_delay_ns(), Some(expected));
        assert_eq!(uri.untethered_window_limit_timeout_ns(), Some(expected));
        assert_eq!(uri.untethered_linger_timeout_ns(), Some(expected));
        assert_eq!(uri.untethered_resting_timeout_ns(), Some(expected));
    }
    for bad in ["-1", "5m", "5h", "s", "ms", "1.5s", "10000000000s", "5 s"] {
        for key in [
            "linger",
            "nak-delay",
            "untethered-window-limit-timeout",
            "untethered-linger-timeout",
            "untethered-resting-timeout",
        ] {
            assert_invalid(&format!("aeron:ipc?{key}={bad}"), key, bad);
        }
    }
}

#[test]
fn booleans_and_group() {
    let uri = parse("aeron:ipc?eos=false|sparse=true|reliable=false|tether=true|rejoin=false|ssc=true");
    assert_eq!(
        (
            uri.eos(),
            uri.sparse(),
            uri.reliable(),
            uri.tether(),
            uri.rejoin(),
            uri.spies_simulate_connection()
        ),
        (Some(false), Some(true), Some(false), Some(true), Some(false), Some(true))
    );
    for key in ["eos", "sparse", "reliable", "tether", "rejoin", "ssc"] {
        for bad in ["yes", "TRUE", "1", ""] {
            assert_invalid(&format!("aeron:ipc?{key}={bad}"), key, bad);
        }
    }
    assert_eq!(parse("aeron:ipc?group=true").group(), Some(InferableBoolean::ForceTrue));
    assert_eq!(parse("aeron:ipc?group=false").group(), Some(InferableBoolean::ForceFalse));
    assert_eq!(parse("aeron:ipc?group=infer").group(), Some(InferableBoolean::Infer));
    assert_invalid("aeron:ipc?group=maybe", "group", "maybe");
}

#[test]
fn small_integers_and_buffers() {
    let uri = parse(
        "aeron:udp?endpoint=224.0.1.1:1|ttl=255|so-tos=0|so-sndbuf=2m|so-rcvbuf=0|rcv-wnd=128k|max-resend=256|gtag=-9",
    );
    assert_eq!((uri.ttl(), uri.socket_tos()), (Some(255), Some(0)));
    assert_eq!((uri.socket_sndbuf_length(), uri.socket_rcvbuf_length()), (Some(2 << 20), Some(0)));
    assert_eq!(uri.receiver_window_length(), Some(128 * 1024));
    assert_eq!((uri.max_resend(), uri.group_tag()), (Some(256), Some(-9)));
    assert_invalid("aeron:ipc?ttl=256", "ttl", "256");
    assert_invalid("aeron:ipc?ttl=-1", "ttl", "-1");
    assert_invalid("aeron:ipc?so-tos=300", "so-tos", "300");
    assert_invalid("aeron:ipc?so-sndbuf=2g", "so-sndbuf", "2g");
    assert_invalid("aeron:ipc?so-rcvbuf=-1", "so-rcvbuf", "-1");
    assert_invalid("aeron:ipc?rcv-wnd=1t", "rcv-wnd", "1t");
    assert_invalid("aeron:ipc?max-resend=0", "max-resend", "0");
    assert_invalid("aeron:ipc?max-resend=257", "max-resend", "257");
    assert_invalid("aeron:ipc?gtag=1e3", "gtag", "1e3");
}

#[test]
fn publication_window() {
    assert_eq!(parse("aeron:ipc?pub-wnd=256k").publication_window_length(), Some(256 * 1024));
    assert_eq!(
        parse("aeron:ipc?term-length=64k|pub-wnd=32k|mtu=4096").publication_window_length(),
        Some(32768)
    );
    assert_invalid("aeron:ipc?pub-wnd=0", "pub-wnd", "0");
    assert_invalid("aeron:ipc?term-length=64k|pub-wnd=33k", "pub-wnd", "33k");
    assert_invalid("aeron:ipc?mtu=4096|pub-wnd=2k", "pub-wnd", "2k");
    assert_invalid("aeron:ipc?pub-wnd=1g", "pub-wnd", "1g");
}

#[test]
fn congestion_and_flow_control() {
    assert_eq!(parse("aeron:ipc?cc=cubic").congestion_control(), Some("cubic"));
    parse("aeron:ipc?cc=static");
    assert_invalid("aeron:ipc?cc=bbr", "cc", "bbr");
    for good in [
        "max",
        "min",
        "tagged",
        "min,t:5s",
        "min,g:/3",
        "tagged,g:123",
        "tagged,g:123/2,t:100ms",
        "max,rrwm:4",
        "min,g:-1/0",
    ] {
        assert_eq!(parse(&format!("aeron:ipc?fc={good}")).flow_control(), Some(good));
    }
    for bad in [
        "",
        "pref",
        "min,",
        "min,x:1",
        "min,t:",
        "min,t:5h",
        "tagged,g:",
        "tagged,g:x",
        "min,g:/-1",
        "max,rrwm:0",
        "MIN",
    ] {
        assert_invalid(&format!("aeron:ipc?fc={bad}"), "fc", bad);
    }
}

#[test]
fn response_and_timestamp_parameters() {
    assert_eq!(
        parse("aeron:ipc?response-correlation-id=prototype").response_correlation_id(),
        Some(ResponseCorrelationId::Prototype)
    );
    assert_eq!(
        parse("aeron:ipc?response-correlation-id=-1").response_correlation_id(),
        Some(ResponseCorrelationId::Id(-1))
    );
    assert_eq!(
        parse("aeron:ipc?response-correlation-id=42").response_correlation_id(),
        Some(ResponseCorrelationId::Id(42))
    );
    assert_invalid("aeron:ipc?response-correlation-id=-2", "response-correlation-id", "-2");
    assert_invalid("aeron:ipc?response-correlation-id=proto", "response-correlation-id", "proto");

    let uri = parse("aeron:ipc?media-rcv-ts-offset=reserved|channel-rcv-ts-offset=8|channel-snd-ts-offset=0");
    assert_eq!(uri.media_receive_timestamp_offset(), Some(TimestampOffset::Reserved));
    assert_eq!(uri.channel_receive_timestamp_offset(), Some(TimestampOffset::Offset(8)));
    assert_eq!(uri.channel_send_timestamp_offset(), Some(TimestampOffset::Offset(0)));
    for key in ["media-rcv-ts-offset", "channel-rcv-ts-offset", "channel-snd-ts-offset"] {
        assert_invalid(&format!("aeron:ipc?{key}=-8"), key, "-8");
        assert_invalid(&format!("aeron:ipc?{key}=Reserved"), key, "Reserved");
    }
}

#[test]
fn cluster_and_archive_channels_parse() {
    let log = parse(
        "aeron:udp?term-length=64m|control-mode=manual|alias=log|tags=1,2|ssc=false|init-term-id=0|term-id=0|\
         term-offset=0|mtu=1408",
    );
    assert_eq!(
        log.initial_position(),
        Some(InitialPosition { initial_term_id: 0, term_id: 0, term_offset: 0 })
    );
    parse("aeron:udp?control-mode=manual|session-id=123|group=true|rejoin=false|tags=3,4|alias=log-cm");
    parse("aeron-spy:aeron:udp?tags=1|session-id=99|alias=log");
    parse("aeron:udp?endpoint=localhost:9002|session-id=5|linger=0|eos=false|alias=catchup-followerId-1");
    parse("aeron:ipc?term-length=128k");
    parse("aeron:udp?control-mode=response|control=localhost:10001");
    parse("aeron:udp?control-mode=response|control=localhost:10001|response-correlation-id=77");
}

#[test]
fn builder_builds_and_round_trips() {
    let uri = ChannelUriBuilder::udp()
        .endpoint("224.0.1.1:40456")
        .interface("192.168.0.0/16")
        .term_length(16 << 20)
        .mtu(8192)
        .initial_position(InitialPosition { initial_term_id: 3, term_id: 5, term_offset: 4096 })
        .session_id(SessionIdParam::Tag(5))
        .stream_id(10)
        .alias("demo")
        .tags(Tags { channel_tag: 1, entity_tag: Some(2) })
        .linger_ns(5_000_000_000)
        .eos(false)
        .sparse(true)
        .ttl(8)
        .reliable(true)
        .tether(false)
        .group(InferableBoolean::Infer)
        .rejoin(true)
        .congestion_control("static")
        .flow_control("min,t:5s")
        .group_tag(7)
        .spies_simulate_connection(true)
        .socket_sndbuf_length(1 << 20)
        .socket_rcvbuf_length(1 << 20)
        .socket_tos(16)
        .receiver_window_length(128 * 1024)
        .publication_window_length(1 << 20)
        .nak_delay_ns(1_000)
        .max_resend(16)
        .response_correlation_id(ResponseCorrelationId::Id(9))
        .response_endpoint("localhost:1")
        .media_receive_timestamp_offset(TimestampOffset::Reserved)
        .channel_receive_timestamp_offset(TimestampOffset::Offset(8))
        .channel_send_timestamp_offset(TimestampOffset::Offset(16))
        .untethered_window_limit_timeout_ns(1_500_000)
        .untethered_linger_timeout_ns(7)
        .untethered_resting_timeout_ns(10_000_000_000)
        .build()
        .unwrap();
    assert_eq!(uri.params().count(), keys::ALL.len() - 2, "every key except control and control-mode is set");
    assert_eq!(uri.get("term-length"), Some("16m"));
    assert_eq!(uri.get("mtu"), Some("8k"));
    assert_eq!(uri.get("linger"), Some("5s"));
    assert_eq!(uri.get("nak-delay"), Some("1us"));
    assert_eq!(uri.get("untethered-window-limit-timeout"), Some("1500us"));
    assert_eq!(uri.get("untethered-linger-timeout"), Some("7ns"));
    assert_eq!(uri.get("session-id"), Some("tag:5"));
    assert_eq!(uri.linger_ns(), Some(5_000_000_000));
    assert_eq!(uri.session_id(), Some(SessionIdParam::Tag(5)));
    assert_roundtrip(&uri);
    assert_eq!(ChannelUriBuilder::from_uri(&uri).build(), Ok(uri.clone()));

    let spy = ChannelUriBuilder::from_uri(&uri).spy(true).remove("alias").build().unwrap();
    assert!(spy.is_spy() && spy.alias().is_none());
    assert!(spy.to_string().starts_with("aeron-spy:aeron:udp?"));

    let ipc = ChannelUriBuilder::ipc().control_mode(ControlMode::Manual).build().unwrap();
    assert_eq!(ipc.to_string(), "aeron:ipc?control-mode=manual");
    assert_eq!(ChannelUriBuilder::ipc().build().unwrap().to_string(), "aeron:ipc");
    assert_eq!(
        ChannelUriBuilder::new(Media::Udp)
            .control("a:1")
            .control_mode(ControlMode::Dynamic)
            .build()
            .unwrap()
            .to_string(),
        "aeron:udp?control=a:1|control-mode=dynamic"
    );
}

#[test]
fn builder_reports_errors() {
    assert_eq!(ChannelUriBuilder::udp().build(), Err(ChannelUriError::MissingUdpAddress));
    assert!(ChannelUriBuilder::udp().term_length(1 << 26).build_template().is_ok());
    assert_eq!(
        ChannelUriBuilder::ipc().set("colour", "red").build(),
        Err(ChannelUriError::UnknownKey { key: "colour".into() })
    );
    assert!(matches!(
        ChannelUriBuilder::ipc().alias("a|b").build(),
        Err(ChannelUriError::InvalidValue { key: "alias", .. })
    ));
    assert!(matches!(
        ChannelUriBuilder::ipc().term_length(1000).build(),
        Err(ChannelUriError::InvalidValue { key: "term-length", .. })
    ));
    assert!(matches!(
        ChannelUriBuilder::ipc().linger_ns(-1).build(),
        Err(ChannelUriError::InvalidValue { key: "linger", .. })
    ));
    assert!(matches!(
        ChannelUriBuilder::ipc().tags(Tags { channel_tag: -1, entity_tag: None }).build(),
        Err(ChannelUriError::InvalidValue { key: "tags", .. })
    ));
    // Setting a key twice keeps one entry with the last value.
    let uri = ChannelUriBuilder::ipc().alias("a").mtu(64).alias("b").build().unwrap();
    assert_eq!(uri.to_string(), "aeron:ipc?alias=b|mtu=64");
}

#[test]
fn value_formatting() {
    use super::text::{format_duration_ns, format_size, parse_duration_ns, parse_size};
    for size in [0i64, 1, 1000, 1024, 4096, 65536, 1 << 20, 3 << 20, 1 << 30, 5 << 30, 1025] {
        assert_eq!(parse_size(&format_size(size)), Ok(size), "{size}");
    }
    for duration in [0i64, 1, 999, 1000, 1_000_000, 1_500_000, 1_000_000_000, 3_600_000_000_000, i64::MAX] {
        assert_eq!(parse_duration_ns(&format_duration_ns(duration)), Ok(duration), "{duration}");
    }
    assert_eq!(format_size(1 << 30), "1g");
    assert_eq!(format_duration_ns(0), "0ns");
    assert!(parse_size("9223372036854775807").is_ok());
    assert!(parse_size("9223372036854775808").is_err());
    assert!(parse_size("8589934592g").is_err());
}

/// Strings built from URI-ish pieces, so that random inputs often get past the syntax checks.
fn uri_like() -> impl Strategy<Value = String> {
    let key =
        prop_oneof![proptest::sample::select(keys::ALL.to_vec()).prop_map(str::to_owned), "[a-z-]{0,8}",];
    let value = prop_oneof![
        "[0-9]{0,6}[kmgs]?",
        "-?[0-9]{1,12}(ns|us|ms|s)?",
        proptest::sample::select(vec![
            "true",
            "false",
            "infer",
            "manual",
            "dynamic",
            "response",
            "reserved",
            "prototype",
            "tag:5",
            "static",
            "cubic",
            "min,t:5s,g:3/2",
            "tagged,g:/1",
            "max,rrwm:2",
            "1,2",
            "1,2,3",
            "224.0.1.1:40456",
            "[::1]:80",
            "localhost:0",
            "{eth0}:1",
            "10.0.0.0/8",
            "",
            "a=b",
            "[",
            "]:",
            "%",
            "\u{e9}\u{1F600}",
        ])
        .prop_map(str::to_owned),
        "[ -~]{0,12}".prop_map(|s| s.replace('|', "")),
    ];
    let prefix = proptest::sample::select(vec![
        "aeron:udp",
        "aeron:ipc",
        "aeron-spy:aeron:udp",
        "aeron:",
        "aeron:x",
        "",
    ]);
    (prefix, proptest::collection::vec((key, value, any::<bool>()), 0..6), any::<bool>()).prop_map(
        |(prefix, parameters, trailing_pipe)| {
            let mut uri = prefix.to_owned();
            for (index, (key, value, with_equals)) in parameters.iter().enumerate() {
                uri.push(if index == 0 { '?' } else { '|' });
                uri.push_str(key);
                if *with_equals {
                    uri.push('=');
                    uri.push_str(value);
                }
            }
            if trailing_pipe {
                uri.push('|');
            }
            uri
        },
    )
}

fn check_parse_is_total_and_round_trips(uri: &str) {
    for parsed in [ChannelUri::parse(uri), ChannelUri::parse_template(uri)] {
        match parsed {
            Ok(parsed) => {
                let text = parsed.to_string();
                assert!(text.len() <= uri.len(), "display is never longer than the input");
                let reparsed = if ChannelUri::parse(uri).is_ok() {
                    ChannelUri::parse(&text)
                } else {
                    ChannelUri::parse_template(&text)
                };
                assert_eq!(reparsed, Ok(parsed.clone()), "{uri} -> {text}");
                assert_eq!(ChannelUriBuilder::from_uri(&parsed).build_template(), Ok(parsed));
            }
            Err(error) => {
                assert!(!error.to_string().is_empty());
            }
        }
    }
}

proptest! {
    #[test]
    fn random_strings_never_panic(uri in "\\PC{0,200}") {
        check_parse_is_total_and_round_trips(&uri);
    }

    #[test]
    fn random_ascii_with_separators_never_panic(uri in "(aeron(-spy)?:)?[a-z]{0,4}[?]?([a-z=|:,.0-9\\[\\]{}/%-]{0,40})") {
        check_parse_is_total_and_round_trips(&uri);
    }

    #[test]
    fn uri_like_strings_never_panic_and_round_trip(uri in uri_like()) {
        check_parse_is_total_and_round_trips(&uri);
    }

    #[test]
    fn built_uris_round_trip(
        term_length_shift in 16u32..=30,
        mtu_blocks in 2i32..=256,
        initial_term_id in any::<i32>(),
        term_count in 0i32..=i32::MAX,
        term_offset_blocks in 0i32..2048,
        linger_ns in 0i64..=i64::MAX,
        session_id in any::<i32>(),
        channel_tag in 0i64..=i64::MAX,
        entity_tag in proptest::option::of(0i64..=i64::MAX),
        ttl in any::<u8>(),
        group in proptest::sample::select(vec![InferableBoolean::ForceTrue, InferableBoolean::ForceFalse, InferableBoolean::Infer]),
        port in any::<u16>(),
        spy in any::<bool>(),
    ) {
        let term_length = 1i32 << term_length_shift;
        let mtu = (mtu_blocks * 32).min(term_length / 8);
        let term_offset = (term_offset_blocks * 32) % term_length;
        let uri = ChannelUriBuilder::udp()
            .spy(spy)
            .endpoint(&format!("10.0.0.1:{port}"))
            .term_length(term_length)
            .mtu(mtu)
            .initial_position(InitialPosition {
                initial_term_id,
                term_id: initial_term_id.wrapping_add(term_count),
                term_offset,
            })
            .linger_ns(linger_ns)
            .session_id(SessionIdParam::Id(session_id))
            .tags(Tags { channel_tag, entity_tag })
            .ttl(ttl)
            .group(group)
            .build();
        prop_assert!(uri.is_ok(), "{uri:?}");
        let uri = uri.unwrap();
        prop_assert_eq!(uri.term_length(), Some(term_length));
        prop_assert_eq!(uri.mtu(), Some(mtu));
        prop_assert_eq!(uri.linger_ns(), Some(linger_ns));
        prop_assert_eq!(uri.endpoint().map(|e| e.port), Some(port));
        prop_assert_eq!(ChannelUri::parse(&uri.to_string()), Ok(uri));
    }
}
