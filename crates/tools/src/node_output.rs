//! The output lines of `fulmar node` child processes, read on one thread per stream and delivered in
//! arrival order on one channel (used by `fulmar demo` and `fulmar bench failover`).

use std::io::{BufRead, BufReader, Read};
use std::sync::mpsc;
use std::time::Instant;

/// One line a node process printed.
pub struct NodeLine {
    /// Which node printed it.
    pub node_id: i32,
    /// True if it came from standard error.
    pub stderr: bool,
    /// The line, without its newline.
    pub text: String,
    /// When it was read.
    pub at: Instant,
}

/// Reads `stream` line by line on a new thread and sends each line to `sender`, until the stream
/// ends or the receiver is gone.
pub fn forward_lines(
    node_id: i32,
    stderr: bool,
    stream: impl Read + Send + 'static,
    sender: mpsc::Sender<NodeLine>,
) {
    std::thread::spawn(move || {
        for text in BufReader::new(stream).lines().map_while(Result::ok) {
            if sender.send(NodeLine { node_id, stderr, text, at: Instant::now() }).is_err() {
                break;
            }
        }
    });
}
