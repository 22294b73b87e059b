//! `fulmar bench`: benchmark programs (DESIGN.md, Measuring). Every figure is printed beside a baseline
//! measured in the same run on the same machine, and the ratio is the result.

pub mod archive;
pub mod baseline;
pub mod cli_parse;
pub mod report;
pub mod transport;
pub mod udp_baseline;

use clap::Subcommand;

/// The benchmarks.
#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Publication → subscription throughput or ping-pong latency over a transport.
    Transport(transport::TransportArgs),
    /// Archive recording and replay throughput against a plain sequential-write baseline.
    Archive(archive::ArchiveBenchArgs),
}

/// Runs a benchmark.
pub fn run(command: BenchCommand) -> anyhow::Result<()> {
    match command {
        BenchCommand::Transport(args) => transport::run(args),
        BenchCommand::Archive(args) => archive::run(args),
    }
}
