//! Parsing of the members' ingress endpoint list (`id=host:port,id=host:port,...`) and substitution of
//! an endpoint into the ingress channel (crate-private helpers of the connect and fail-over paths).
//!
//! Invariants: parsing never panics; every entry must have a decimal `i32` member id, an `=` and a
//! non-empty endpoint; the endpoint is only substituted into UDP channels (IPC and other media are used
//! unchanged, as Aeron does).

use protocol::channel_uri::{ChannelUri, ChannelUriBuilder};

/// One member's ingress endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MemberEndpoint {
    pub(crate) member_id: i32,
    pub(crate) endpoint: String,
}

/// Parses `id=host:port,...`; an error names the offending entry.
pub(crate) fn parse_ingress_endpoints(text: &str) -> Result<Vec<MemberEndpoint>, String> {
    let mut members = Vec::new();
    for entry in text.split(',') {
        let Some((id, endpoint)) = entry.split_once('=') else {
            return Err(format!("endpoint missing '=' separator: {text:?}"));
        };
        let member_id =
            id.trim().parse::<i32>().map_err(|_| format!("invalid member id {id:?} in {text:?}"))?;
        let endpoint = endpoint.trim();
        if endpoint.is_empty() {
            return Err(format!("empty endpoint for member {member_id} in {text:?}"));
        }
        members.push(MemberEndpoint { member_id, endpoint: endpoint.to_owned() });
    }
    Ok(members)
}

/// `channel` with `endpoint=<endpoint>` when it is a UDP channel, else `channel` unchanged.
pub(crate) fn channel_for_endpoint(channel: &str, endpoint: Option<&str>) -> Result<String, String> {
    let Some(endpoint) = endpoint else {
        return Ok(channel.to_owned());
    };
    let uri = ChannelUri::parse_template(channel).map_err(|e| format!("ingress channel {channel:?}: {e}"))?;
    if !uri.is_udp() {
        return Ok(channel.to_owned());
    }
    ChannelUriBuilder::from_uri(&uri)
        .endpoint(endpoint)
        .build()
        .map(|uri| uri.to_string())
        .map_err(|e| format!("ingress channel {channel:?} with endpoint {endpoint:?}: {e}"))
}

/// The egress channel as sent in the connect request: UDP gets `rejoin=false` (Aeron's `conclude`).
pub(crate) fn response_channel(egress_channel: &str) -> Result<String, String> {
    let uri =
        ChannelUri::parse(egress_channel).map_err(|e| format!("egress channel {egress_channel:?}: {e}"))?;
    if !uri.is_udp() {
        return Ok(egress_channel.to_owned());
    }
    ChannelUriBuilder::from_uri(&uri)
        .rejoin(false)
        .build()
        .map(|uri| uri.to_string())
        .map_err(|e| format!("egress channel {egress_channel:?}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_endpoint_lists() {
        let members = parse_ingress_endpoints("0=10.0.0.1:9010,1=10.0.0.2:9010,7=host:1").unwrap();
        assert_eq!(
            members,
            vec![
                MemberEndpoint { member_id: 0, endpoint: "10.0.0.1:9010".into() },
                MemberEndpoint { member_id: 1, endpoint: "10.0.0.2:9010".into() },
                MemberEndpoint { member_id: 7, endpoint: "host:1".into() },
            ]
        );
        for bad in ["", "0", "x=host:1", "0=", "0=a:1,,1=b:2"] {
            assert!(parse_ingress_endpoints(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn substitutes_the_endpoint_into_udp_channels_only() {
        assert_eq!(
            channel_for_endpoint("aeron:udp?term-length=64k", Some("10.0.0.1:9010")).unwrap(),
            "aeron:udp?term-length=64k|endpoint=10.0.0.1:9010"
        );
        assert_eq!(
            channel_for_endpoint("aeron:udp?endpoint=10.0.0.9:1", Some("10.0.0.1:9010")).unwrap(),
            "aeron:udp?endpoint=10.0.0.1:9010"
        );
        assert_eq!(channel_for_endpoint("aeron:ipc", Some("10.0.0.1:9010")).unwrap(), "aeron:ipc");
        assert_eq!(channel_for_endpoint("aeron:udp", None).unwrap(), "aeron:udp");
        assert!(channel_for_endpoint("bogus", Some("a:1")).is_err());
    }

    #[test]
    fn udp_response_channels_do_not_rejoin() {
        assert_eq!(
            response_channel("aeron:udp?endpoint=10.0.0.9:9020").unwrap(),
            "aeron:udp?endpoint=10.0.0.9:9020|rejoin=false"
        );
        assert_eq!(response_channel("aeron:ipc").unwrap(), "aeron:ipc");
        assert!(response_channel("aeron:udp").is_err());
    }
}
