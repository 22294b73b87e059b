//! Channel URIs (`aeron:udp?...`, `aeron:ipc?...`, `aeron-spy:` prefix).
