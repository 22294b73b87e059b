//! Benchmark results: latency percentiles from an HdrHistogram, throughput figures, and their output as
//! text, one JSON object (`--json`) and `.hdr` interval-log files readable by HdrHistogram's tools.

use std::fs::File;
use std::io::{self, Write};
use std::path::Path;
use std::time::SystemTime;

use hdrhistogram::Histogram;
use hdrhistogram::serialization::V2DeflateSerializer;
use hdrhistogram::serialization::interval_log::{IntervalLogWriterBuilder, Tag};
use serde::Serialize;

/// Percentiles of one latency distribution, in nanoseconds.
#[derive(Debug, Clone, Serialize)]
pub struct LatencySummary {
    /// Number of samples.
    pub count: u64,
    /// Median.
    pub p50_ns: u64,
    /// 90th percentile.
    pub p90_ns: u64,
    /// 99th percentile.
    pub p99_ns: u64,
    /// 99.9th percentile.
    pub p99_9_ns: u64,
    /// 99.99th percentile.
    pub p99_99_ns: u64,
    /// Largest sample.
    pub max_ns: u64,
}

impl LatencySummary {
    /// Summarises a histogram of nanosecond samples.
    pub fn of(histogram: &Histogram<u64>) -> Self {
        Self {
            count: histogram.len(),
            p50_ns: histogram.value_at_quantile(0.50),
            p90_ns: histogram.value_at_quantile(0.90),
            p99_ns: histogram.value_at_quantile(0.99),
            p99_9_ns: histogram.value_at_quantile(0.999),
            p99_99_ns: histogram.value_at_quantile(0.9999),
            max_ns: histogram.max(),
        }
    }

    /// One human-readable line, in microseconds.
    pub fn line(&self, name: &str) -> String {
        let us = |ns: u64| ns as f64 / 1000.0;
        format!(
            "{name:<28} n={:<9} p50={:>8.2}us p90={:>8.2}us p99={:>8.2}us p99.9={:>8.2}us p99.99={:>8.2}us max={:>9.2}us",
            self.count,
            us(self.p50_ns),
            us(self.p90_ns),
            us(self.p99_ns),
            us(self.p99_9_ns),
            us(self.p99_99_ns),
            us(self.max_ns)
        )
    }
}

/// A histogram that records nanoseconds from 1 ns to 60 s with 3 significant digits.
pub fn new_latency_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 60_000_000_000, 3).expect("valid histogram bounds")
}

/// Writes `histograms` (name, histogram) into one HdrHistogram interval log at `path`.
pub fn write_hdr_log(path: &Path, histograms: &[(&str, &Histogram<u64>)]) -> io::Result<()> {
    let mut file = File::create(path)?;
    let mut serializer = V2DeflateSerializer::new();
    let mut writer = IntervalLogWriterBuilder::new()
        .with_base_time(SystemTime::UNIX_EPOCH)
        .begin_log_with(&mut file, &mut serializer)
        .map_err(io::Error::other)?;
    for (name, histogram) in histograms {
        let tag = Tag::new(name).ok_or_else(|| io::Error::other(format!("bad hdr tag {name:?}")))?;
        writer
            .write_histogram(histogram, std::time::Duration::ZERO, std::time::Duration::ZERO, Some(tag))
            .map_err(io::Error::other)?;
    }
    drop(writer);
    file.flush()
}
