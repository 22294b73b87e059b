//! `fulmar bench`: benchmark programs (DESIGN.md, Measuring). Every figure is printed beside a baseline
//! measured in the same run on the same machine, and the ratio is the result.

pub mod archive;
pub mod baseline;
pub mod bench_client;
pub mod bench_echo_service;
pub mod bench_state_service;
pub mod cli_parse;
pub mod cluster;
pub mod cluster_harness;
pub mod echo_message;
pub mod failover;
pub mod node_processes;
pub mod recovery;
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
    /// Open-loop echo round trips through an in-process cluster, beside a raw UDP ping-pong baseline.
    Cluster(cluster::ClusterBenchArgs),
    /// Kills the leader (SIGKILL) of a 3-process cluster under load, N times; reports the reply gaps.
    Failover(failover::FailoverArgs),
    /// Log replay rate and 100 MB snapshot take/load times on restart, beside the archive's raw replay.
    Recovery(recovery::RecoveryArgs),
}

/// Runs a benchmark.
pub fn run(command: BenchCommand) -> anyhow::Result<()> {
    match command {
        BenchCommand::Transport(args) => transport::run(args),
        BenchCommand::Archive(args) => archive::run(args),
        BenchCommand::Cluster(args) => cluster::run(args),
        BenchCommand::Failover(args) => failover::run(args),
        BenchCommand::Recovery(args) => recovery::run(args),
    }
}
