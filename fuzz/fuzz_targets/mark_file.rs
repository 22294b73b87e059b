//! Fuzz: arbitrary bytes as a cluster mark file or node state file must decode or fail with an error,
//! never panic.
#![no_main]

use cluster::decode_mark_file;
use cluster::node_state_file::decode_node_state;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = decode_mark_file("cluster-mark.dat", data);
    let _ = decode_node_state(data);
});
