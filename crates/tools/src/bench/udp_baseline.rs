//! Raw-socket baselines for the UDP transport benchmark (issue: transport over UDP).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Instant;

use hdrhistogram::Histogram;

use super::report::new_latency_histogram;

/// Round-trip latency of a plain UDP ping-pong over loopback between two threads (blocking sockets, one
/// datagram of `size` bytes each way, `rate` pings per second or closed loop if 0): the floor for any UDP
/// transport's round trip.
pub fn udp_ping_pong(warmup: u64, count: u64, size: usize, rate: u64) -> std::io::Result<Histogram<u64>> {
    use std::net::UdpSocket;
    let ping = UdpSocket::bind("127.0.0.1:0")?;
    let pong = UdpSocket::bind("127.0.0.1:0")?;
    ping.connect(pong.local_addr()?)?;
    pong.connect(ping.local_addr()?)?;
    let timeout = Some(std::time::Duration::from_secs(5));
    ping.set_read_timeout(timeout)?;
    pong.set_read_timeout(timeout)?;
    let total = warmup + count;
    let ponger = thread::spawn(move || -> std::io::Result<()> {
        let mut buffer = vec![0u8; 65536];
        for _ in 0..total {
            let length = pong.recv(&mut buffer)?;
            pong.send(&buffer[..length])?;
        }
        Ok(())
    });
    let mut histogram = new_latency_histogram();
    let mut message = vec![0u8; size.max(8)];
    let mut reply = vec![0u8; 65536];
    let interval = (rate > 0).then(|| std::time::Duration::from_nanos(1_000_000_000 / rate));
    let mut next_send = Instant::now();
    for sequence in 0..total {
        if let Some(interval) = interval {
            super::transport::wait_until(next_send);
            next_send += interval;
        }
        message[..8].copy_from_slice(&sequence.to_le_bytes());
        let start = Instant::now();
        ping.send(&message)?;
        let length = ping.recv(&mut reply)?;
        let elapsed_ns = start.elapsed().as_nanos() as u64;
        if length != message.len() || reply[..8] != message[..8] {
            return Err(std::io::Error::other(format!("udp baseline: ping {sequence} got a wrong reply")));
        }
        if sequence >= warmup {
            histogram.record(elapsed_ns.max(1)).expect("latency in histogram range");
        }
    }
    ponger.join().map_err(|_| std::io::Error::other("udp baseline ponger panicked"))??;
    Ok(histogram)
}

/// Messages per second of a plain loop that sends one `size`-byte datagram per `send` call over loopback,
/// with a receiver thread counting them (loss on a full socket buffer is counted, not retried: the
/// receiver reports how many arrived, and the rate is arrivals per second).
pub fn udp_send_recv_throughput(size: usize, messages: u64) -> std::io::Result<f64> {
    use std::net::UdpSocket;
    let sender = UdpSocket::bind("127.0.0.1:0")?;
    let receiver = UdpSocket::bind("127.0.0.1:0")?;
    receiver.set_read_timeout(Some(std::time::Duration::from_millis(200)))?;
    sender.connect(receiver.local_addr()?)?;
    let done = Arc::new(AtomicBool::new(false));
    let counter = {
        let done = Arc::clone(&done);
        thread::spawn(move || {
            let mut buffer = vec![0u8; 65536];
            let mut received = 0u64;
            let mut last = Instant::now();
            loop {
                match receiver.recv(&mut buffer) {
                    Ok(_) => {
                        received += 1;
                        last = Instant::now();
                    }
                    Err(_) if done.load(Ordering::Acquire) => break,
                    Err(_) => {}
                }
            }
            (received, last)
        })
    };
    let message = vec![1u8; size.max(1)];
    let start = Instant::now();
    for _ in 0..messages {
        // One datagram per call: exactly what batching is measured against.
        while sender.send(&message).is_err() {
            std::hint::spin_loop();
        }
    }
    done.store(true, Ordering::Release);
    let (received, last) =
        counter.join().map_err(|_| std::io::Error::other("udp baseline receiver panicked"))?;
    let elapsed = last.saturating_duration_since(start).as_secs_f64().max(1e-9);
    Ok(received as f64 / elapsed)
}
