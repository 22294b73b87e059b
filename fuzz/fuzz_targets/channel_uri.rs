//! Fuzz target: the channel URI parser must never panic on any input (taken as lossy UTF-8), and whatever
//! parses must print back to a string that parses to the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use protocol::channel_uri::{ChannelUri, ChannelUriBuilder};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(uri) = ChannelUri::parse(&text) {
        assert_eq!(ChannelUri::parse(&uri.to_string()), Ok(uri.clone()));
        assert_eq!(ChannelUriBuilder::from_uri(&uri).build(), Ok(uri));
    }
    if let Ok(template) = ChannelUri::parse_template(&text) {
        assert_eq!(ChannelUri::parse_template(&template.to_string()), Ok(template));
    }
});
