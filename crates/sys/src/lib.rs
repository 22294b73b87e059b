//! `fulmar-sys`: the only crate that touches the operating system. It implements `agrona`'s seams on the
//! OS so that every other crate stays deterministic:
//!
//! - shared memory: [`MappedMemoryStore`] (memory-mapped files in a driver directory) and
//!   [`DriverDirectory`] (stale-directory clean-up, "is a driver using it?");
//! - time: [`SystemNanoClock`] (monotonic) and [`SystemEpochClock`] (wall clock);
//! - idling: [`YieldingIdleStrategy`], [`SleepingIdleStrategy`], [`BackoffIdleStrategy`] and
//!   [`idle_strategy_from_alias`] for Aeron's aliases;
//! - threads: [`AgentRunner`] runs an `agrona::Agent` on its own thread;
//! - processes and signals: [`current_pid`], [`is_process_alive`], [`ShutdownSignal`];
//! - randomness: [`entropy_seed`] seeds `agrona`'s PRNG once from the OS;
//! - datagrams: [`UdpTransportFactory`] and [`UdpTransport`] implement `media`'s `DatagramTransport`
//!   seam with non-blocking UDP sockets (unicast, connected, multicast);
//! - archive files: [`FsArchiveStorage`] implements `fulmar_archive`'s `ArchiveStorage` seam on a directory;
//! - tests: [`CountingAllocator`] proves hot paths do not allocate.
//!
//! Invariants: nothing here is used by library code of the deterministic crates except through the
//! `agrona` traits; the simulator replaces every type in this crate with a deterministic twin.

// This crate is where clocks, sleeps, threads and files are allowed: the workspace `clippy.toml` bans them
// everywhere else so that the rest of fulmar stays deterministic (see docs/ARCHITECTURE.md, "Seams").
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

pub mod agent_runner;
pub mod backoff_idle_strategy;
pub mod counting_allocator;
pub mod driver_directory;
pub mod entropy;
pub mod epoch_clock;
pub mod fs_archive_storage;
pub mod idle_strategy_alias;
pub mod mapped_memory;
pub mod nano_clock;
pub mod process;
pub mod shutdown_signal;
pub mod sleeping_idle_strategy;
pub mod udp_transport;
pub mod udp_transport_factory;
pub mod yielding_idle_strategy;

pub use agent_runner::{AgentExit, AgentRunner};
pub use backoff_idle_strategy::{BackoffIdleStrategy, BackoffState};
pub use counting_allocator::CountingAllocator;
pub use driver_directory::{
    CNC_FILE_NAME, CNC_PID_OFFSET, DriverDirectory, DriverDirectoryError, STARTUP_GRACE,
};
pub use entropy::entropy_seed;
pub use epoch_clock::SystemEpochClock;
pub use fs_archive_storage::{FsArchiveFile, FsArchiveStorage};
pub use idle_strategy_alias::{UnknownIdleStrategy, idle_strategy_from_alias};
pub use mapped_memory::{MappedMemory, MappedMemoryStore};
pub use nano_clock::SystemNanoClock;
pub use process::{current_pid, is_process_alive};
pub use shutdown_signal::ShutdownSignal;
pub use sleeping_idle_strategy::SleepingIdleStrategy;
pub use udp_transport::{MAX_READS_PER_POLL, UdpTransport};
pub use udp_transport_factory::UdpTransportFactory;
pub use yielding_idle_strategy::YieldingIdleStrategy;
