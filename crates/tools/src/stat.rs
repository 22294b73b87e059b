//! `fulmar stat` and `fulmar errors`: read a running driver's counters and distinct error log from its
//! CnC file, as Aeron's `AeronStat` and `ErrorStat` do. Read-only; safe against a live driver.

use std::path::{Path, PathBuf};

use agrona::{AtomicBuffer, CountersReader, MemoryStore};
use anyhow::{Context as _, bail};
use clap::Args;
use protocol::command::cnc::{CNC_FILE, CncHeader, META_DATA_LENGTH};
use serde_json::json;
use sys::DriverDirectory;

/// Arguments of `fulmar stat` and `fulmar errors`.
#[derive(Debug, Args)]
pub struct StatArgs {
    /// The driver directory.
    #[arg(long)]
    pub dir: PathBuf,
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
}

/// The parts of a driver's CnC file that tools read.
pub struct CncView {
    /// The decoded header.
    pub header: CncHeader,
    /// The counters.
    pub counters: CountersReader,
    /// The distinct error log.
    pub error_log: AtomicBuffer,
}

/// Maps and validates the CnC file of the driver in `dir`.
pub fn open_cnc(dir: &Path) -> anyhow::Result<CncView> {
    let store =
        DriverDirectory::new(dir).open_store().with_context(|| format!("opening {}", dir.display()))?;
    let cnc = store.open(CNC_FILE).with_context(|| format!("no driver CnC file in {}", dir.display()))?;
    if cnc.capacity() < META_DATA_LENGTH {
        bail!("{} is too short to be a CnC file", CNC_FILE);
    }
    let mut header_bytes = [0u8; META_DATA_LENGTH];
    cnc.get_bytes(0, &mut header_bytes);
    let header = CncHeader::decode(&header_bytes).context("reading the CnC header")?;
    header.check_region_length(cnc.capacity()).context("CnC file shorter than its header says")?;
    let layout = header.layout();
    let counters = CountersReader::new(
        cnc.view(layout.counters_metadata_offset, layout.counters_metadata_length),
        cnc.view(layout.counters_values_offset, layout.counters_values_length),
    );
    let error_log = cnc.view(layout.error_log_offset, layout.error_log_length);
    Ok(CncView { header, counters, error_log })
}

/// Runs `fulmar stat`: every allocated counter as `id: value - label`.
pub fn run_stat(args: StatArgs) -> anyhow::Result<()> {
    let view = open_cnc(&args.dir)?;
    let mut rows = Vec::new();
    view.counters.for_each(|id, type_id, _key, label| {
        rows.push((id, type_id, view.counters.counter_value(id), label.to_owned()));
    });
    if args.json {
        let counters: Vec<_> = rows
            .iter()
            .map(|(id, type_id, value, label)| json!({"id": id, "type_id": type_id, "value": value, "label": label}))
            .collect();
        println!(
            "{}",
            json!({"pid": view.header.pid, "start_timestamp_ms": view.header.start_timestamp_ms, "counters": counters})
        );
    } else {
        println!("driver pid {} started at {} ms", view.header.pid, view.header.start_timestamp_ms);
        for (id, _type_id, value, label) in rows {
            println!("{id:>4}: {value:>20} - {label}");
        }
    }
    Ok(())
}

/// Runs `fulmar errors`: the driver's distinct error log.
pub fn run_errors(args: StatArgs) -> anyhow::Result<()> {
    let view = open_cnc(&args.dir)?;
    let mut errors = Vec::new();
    agrona::read_error_log(
        &view.error_log,
        |count, first_ms, last_ms, text| errors.push((count, first_ms, last_ms, text.to_owned())),
        0,
    );
    if args.json {
        let errors: Vec<_> = errors
            .iter()
            .map(|(count, first, last, text)| {
                json!({"observations": count, "first_ms": first, "last_ms": last, "text": text})
            })
            .collect();
        println!("{}", json!({"errors": errors}));
    } else {
        for (count, first_ms, last_ms, text) in &errors {
            println!("{count} observations from {first_ms} to {last_ms} ms: {text}");
        }
        println!("{} distinct errors", errors.len());
    }
    Ok(())
}
