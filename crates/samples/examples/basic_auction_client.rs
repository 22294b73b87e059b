//! The tutorial's `BasicAuctionClusterClient`: customer C bids in the auction of the 3-node cluster
//! started with the `basic_auction_node` example, printing every response and leader change.
//!
//! ```text
//! cargo run -p fulmar-samples --example basic_auction_client -- 10            # 10 bids, up to 1 s apart
//! cargo run -p fulmar-samples --example basic_auction_client -- 10 1000 3000   # the tutorial's fail-over run
//! ```
//!
//! Arguments: customer id, number of bids (default 10), bid interval bound in ms (default 1000). Options:
//! `--hosts h0,h1,h2` (default localhost x3), `--egress host:port` (default localhost:19000 + id % 1000).
//! Kill the leader node while it runs: the client follows the new leader on the same session.
#![allow(clippy::disallowed_methods)]

use std::path::PathBuf;
use std::time::Duration;

use fulmar_samples::basic_auction::{BasicAuctionClusterClient, ClientSettings};
use fulmar_samples::client_runtime::ClientRuntime;
use node::PortScheme;
use node::port_scheme::INGRESS_PORT_OFFSET;

fn usage() -> ! {
    eprintln!(
        "usage: basic_auction_client <customer-id> [bids] [interval-ms] [--hosts h0,h1,h2] [--egress host:port]"
    );
    std::process::exit(2);
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut positional = Vec::new();
    let mut hosts = "localhost,localhost,localhost".to_owned();
    let mut egress = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--hosts" => hosts = args.next().unwrap_or_else(|| usage()),
            "--egress" => egress = Some(args.next().unwrap_or_else(|| usage())),
            _ => positional.push(arg.parse::<i64>().unwrap_or_else(|_| usage())),
        }
    }
    let customer_id = *positional.first().unwrap_or_else(|| usage());
    let bids = u32::try_from(positional.get(1).copied().unwrap_or(10))?;
    let interval_ms = positional.get(2).copied().unwrap_or(1000);
    let egress = egress.unwrap_or_else(|| format!("localhost:{}", 19_000 + customer_id.rem_euclid(1000)));
    let endpoints = hosts
        .split(',')
        .enumerate()
        .map(|(id, host)| {
            PortScheme::TUTORIAL.endpoint(id as i32, host, INGRESS_PORT_OFFSET).map(|e| format!("{id}={e}"))
        })
        .collect::<Result<Vec<_>, _>>()?
        .join(",");

    let signal = sys::ShutdownSignal::install()?;
    let dir = PathBuf::from(format!("target/basic-auction/client-{customer_id}-{}", sys::current_pid()));
    let mut runtime = ClientRuntime::launch(&dir, "basic-auction-client")?;
    let mut cluster = runtime.connect_cluster(&endpoints, &egress, 20_000_000_000)?;
    println!(
        "connected: session {}, leader {}, term {}",
        cluster.cluster_session_id(),
        cluster.leader_member_id(),
        cluster.leadership_term_id()
    );
    let settings = ClientSettings {
        seed: sys::entropy_seed(),
        ..ClientSettings::tutorial(customer_id, bids, interval_ms * 1_000_000)
    };
    let mut client = BasicAuctionClusterClient::new(settings);
    while !client.is_finished() && !signal.is_requested() && !cluster.is_closed() {
        let mut work = runtime.do_work();
        work += client.step(&mut cluster, runtime.now_ns());
        while let Some(event) = client.pop_event() {
            println!("{event}");
        }
        if work == 0 {
            std::thread::sleep(Duration::from_millis(1));
        }
    }
    let stats = client.stats();
    println!(
        "bids: {} sent, {} acknowledged, {} lost; leader changes: {}",
        stats.bids_sent, stats.bids_acknowledged, stats.bids_lost, stats.new_leaders
    );
    cluster.close();
    runtime.do_work();
    runtime.close();
    Ok(())
}
