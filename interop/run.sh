#!/usr/bin/env bash
# Builds and runs the fulmar <-> Aeron 1.54 interop checks on 127.0.0.1 (see README.md).
# Exits non-zero if setup, the build or any check fails.
#   ./run.sh            all four checks twice: once clean, once with 5% injected DATA loss
#   ./run.sh NAME       one check (fulmar-to-aeron, aeron-to-fulmar, fulmar-to-aeron-mid-stream,
#                       aeron-to-fulmar-mid-stream), clean only
# Environment: CARGO_TARGET_DIR (default /work/target-interop), INTEROP_MESSAGES (10000),
# INTEROP_PORT (40456; checks use port..=port+3), INTEROP_TIMEOUT_S (60 per check),
# INTEROP_LOSS_RUN (loss for the second pass, default 0.05; 0 skips it), INTEROP_TRACE=1 (hex dumps).
set -euo pipefail
cd "$(dirname "$0")"
CMAKE="$(bash ./setup.sh)"
export CMAKE
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/work/target-interop}"
cargo build --release
binary="$CARGO_TARGET_DIR/release/fulmar-interop"
# Each pass is bounded: four checks of at most INTEROP_TIMEOUT_S each, plus the EOS phases and drivers.
limit=$(( 4 * ${INTEROP_TIMEOUT_S:-60} + 90 ))
which="${1:-all}"

echo "== pass 1: no injected loss"
INTEROP_LOSS=0 timeout --kill-after=10 "$limit" "$binary" "$which"

loss="${INTEROP_LOSS_RUN:-0.05}"
if [ "$which" = "all" ] && [ "$loss" != "0" ]; then
    echo "== pass 2: injected DATA loss $loss (exercises NAKs and retransmits both ways)"
    INTEROP_LOSS="$loss" timeout --kill-after=10 "$limit" "$binary" "$which"
fi
