//! `fulmar`: the command-line front door (media driver, benchmarks, sample publisher/subscriber).
#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // a binary: the OS edge, like `sys`.

mod archive_command;
mod bench;
mod cluster_tool;
mod demo_command;
mod driver_command;
mod driver_threads;
mod node_command;
mod node_output;
mod sample;
mod sim_command;
mod stat;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Fulmar: Aeron Cluster in Rust.
#[derive(Debug, Parser)]
#[command(name = "fulmar", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a standalone media driver that clients in other processes attach to.
    Driver(driver_command::DriverArgs),
    /// Inspect, verify, dump or truncate an archive directory (the archive must not be running).
    Archive(archive_command::ArchiveArgs),
    /// Run a benchmark.
    #[command(subcommand)]
    Bench(bench::BenchCommand),
    /// Publish numbered, checksummed messages (a sample client, also used by the multi-process tests).
    Pub(sample::PubArgs),
    /// Receive and verify messages sent by `fulmar pub`.
    Sub(sample::SubArgs),
    /// Print a running driver's counters (as Aeron's AeronStat).
    Stat(stat::StatArgs),
    /// Print a driver's distinct error log (as Aeron's ErrorStat).
    Errors(stat::StatArgs),
    /// Run one cluster node (driver, archive, consensus module, a built-in service) until Ctrl-C.
    Node(node_command::NodeArgs),
    /// Run a 3-node basic-auction cluster and a bidding client, kill the leader, watch the fail-over.
    Demo(demo_command::DemoArgs),
    /// Run the deterministic cluster simulator over many seeds (or replay one with --seed).
    Sim(sim_command::SimArgs),
    /// Operate a cluster node (Aeron's ClusterTool): `fulmar tool CLUSTER_DIR <command>`.
    Tool(cluster_tool::ToolArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Driver(args) => driver_command::run(args),
        Command::Archive(args) => archive_command::run(args),
        Command::Bench(command) => bench::run(command),
        Command::Pub(args) => sample::run_pub(args),
        Command::Sub(args) => sample::run_sub(args),
        Command::Stat(args) => stat::run_stat(args),
        Command::Errors(args) => stat::run_errors(args),
        Command::Node(args) => node_command::run(args),
        Command::Demo(args) => demo_command::run(args),
        Command::Sim(args) => sim_command::run(args),
        Command::Tool(args) => cluster_tool::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("fulmar: {error:#}");
            ExitCode::FAILURE
        }
    }
}
