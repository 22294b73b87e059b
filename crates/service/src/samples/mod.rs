//! Sample services the node launcher ships: [`EchoService`] (echoes every client message back to its
//! session) and [`CountingService`] (counts what it sees; its counters are readable from any thread).

mod counting_service;
mod echo_service;

pub use counting_service::{CountingService, ServiceCounts};
pub use echo_service::EchoService;
