//! Aeron log buffers, byte-exact with Aeron 1.54 (reference §2): the layout and position arithmetic
//! ([`log_buffer_descriptor`], [`LogMetadata`], [`LogBuffer`]), the publication writers
//! ([`ConcurrentPublicationWriter`], [`ExclusivePublicationWriter`], [`BufferClaim`]), the reading side
//! ([`ImageReader`], [`term_reader`], [`FragmentAssembler`], [`ImageFragmentAssembler`]), and the driver's
//! tools ([`scan_for_availability`], [`scan_block`], [`insert_packet`], [`scan_for_gap`], [`try_fill_gap`],
//! [`unblock_log`], [`clean_term_range`]).
//!
//! Crate-wide invariants:
//! - a frame is visible to readers only once its positive length has been stored with release; readers
//!   load it with acquire and treat `<= 0` as "not yet";
//! - frames are 32-byte aligned and never span terms; terms are reused only after being zeroed one term
//!   behind the slowest consumer;
//! - decoding a log (wrapping, reading, scanning) never panics, whatever the bytes: another process may
//!   have written them;
//! - offer and poll paths do not allocate, lock, or read clocks;
//! - writers trust the tails in the metadata (only the driver and writers change them); a process that
//!   corrupts them can stall a stream, but never makes a reader or scanner panic.
//!
//! ```
//! use std::sync::atomic::AtomicI64;
//! use agrona::AtomicBuffer;
//! use fulmar_logbuffer::{ExclusivePublicationWriter, Header, ImageReader, LogBuffer, LogParams, compute_log_length};
//!
//! let params = LogParams::new(64 * 1024, 1408, 0, 1001, 100);
//! let buffer = AtomicBuffer::heap(compute_log_length(params.term_length, params.page_size));
//! let log = LogBuffer::initialize(buffer, &params).unwrap();
//! let mut writer = ExclusivePublicationWriter::new(log.clone());
//! let publication_limit = 32 * 1024; // the driver's pub-lmt counter
//! assert_eq!(writer.offer(publication_limit, b"hello"), Ok(64));
//!
//! let reader = ImageReader::new(log);
//! let subscriber_position = AtomicI64::new(0); // normally the sub-pos AtomicCounter
//! let mut received = Vec::new();
//! reader.poll(&subscriber_position, &mut |payload: &[u8], _: &Header| received.push(payload.to_vec()), 10);
//! assert_eq!(received, vec![b"hello".to_vec()]);
//! ```

#![warn(missing_docs)]

mod buffer_builder;
mod buffer_claim;
mod concurrent_publication_writer;
mod controlled_poll_action;
mod exclusive_publication_writer;
mod fragment_assembler;
mod frame_descriptor;
mod header;
mod header_writer;
mod image_fragment_assembler;
mod image_reader;
mod log_buffer;
pub mod log_buffer_descriptor;
mod log_buffer_unblocker;
pub mod log_metadata;
mod log_params;
mod offer_error;
mod position_cell;
mod term_appender;
pub mod term_block_scanner;
mod term_cleaner;
mod term_gap_filler;
pub mod term_gap_scanner;
pub mod term_reader;
pub mod term_rebuilder;
pub mod term_scanner;
pub mod term_unblocker;

pub use buffer_claim::BufferClaim;
pub use concurrent_publication_writer::ConcurrentPublicationWriter;
pub use controlled_poll_action::ControlledPollAction;
pub use exclusive_publication_writer::ExclusivePublicationWriter;
pub use fragment_assembler::FragmentAssembler;
pub use header::Header;
pub use image_fragment_assembler::ImageFragmentAssembler;
pub use image_reader::ImageReader;
pub use log_buffer::{LogBuffer, LogBufferError};
pub use log_buffer_descriptor::*;
pub use log_buffer_unblocker::unblock_log;
pub use log_metadata::LogMetadata;
pub use offer_error::OfferError;
pub use position_cell::PositionCell;
pub use term_block_scanner::scan_block;
pub use term_cleaner::{clean_buffer_to, clean_term_range};
pub use term_gap_filler::try_fill_gap;
pub use term_gap_scanner::scan_for_gap;
pub use term_reader::TermReadOutcome;
pub use term_rebuilder::insert_packet;
pub use term_scanner::scan_for_availability;
pub use term_unblocker::{UnblockStatus, unblock_term};
