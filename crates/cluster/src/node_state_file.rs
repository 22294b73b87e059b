//! [`NodeStateFile`]: Aeron's `node-state.dat` (reference §1.8 schema 112, §4.5, `NodeStateFile.java`)
//! over the archive storage seam — where a node persists the candidate term it voted in.
//!
//! Layout (little-endian, [`NODE_STATE_FILE_LENGTH`] bytes): `nodeStateHeader` at 0 without a message
//! header (`version:i32 @0` = the mark file's semantic version, `padding:i32 @4`); then 8-aligned framed
//! messages, each behind a 16-byte header (`blockLength:u16, templateId:u16, schemaId:u16, version:u16,
//! frameLength:i32, padding:i32`): `candidateTerm (301)` at 8 (body at 24: `candidateTermId:i64 @24,
//! timestamp:i64 @32, logPosition:i64 @40`, frame length 40), then `nodeStateFooter (304)` at 48.
//!
//! Invariants: a new file holds -1 in all three candidate fields; an update writes the three fields in
//! one write and syncs per the [`FileSyncLevel`] before returning (Aeron syncs only when the level is
//! above 0, so durability of the vote needs `Data` or better); opening never panics — a missing footer or
//! candidate term, a negative or overrunning frame, a wrong schema or major version is an error.

use archive::{ArchiveFile, ArchiveStorage, FileSyncLevel};

use crate::cluster_file_error::{ClusterFileError, le_i32, le_i64, le_u16, read_whole_file};
use crate::cluster_mark_file::{MARK_FILE_MAJOR_VERSION, MARK_FILE_SEMANTIC_VERSION, semantic_major};
use crate::cluster_member::NULL_VALUE;

/// File name in the cluster directory.
pub const NODE_STATE_FILE_NAME: &str = "node-state.dat";
/// Length of a new file (Aeron's minimum, 1 MiB).
pub const NODE_STATE_FILE_LENGTH: u64 = 1 << 20;
/// SBE schema id of the node state codecs.
pub const NODE_STATE_SCHEMA_ID: u16 = 112;
/// SBE schema version of the node state codecs.
pub const NODE_STATE_SCHEMA_VERSION: u16 = 10;
/// Length of the framed message header.
pub const NODE_STATE_MESSAGE_HEADER_LENGTH: usize = 16;
/// Block length of `nodeStateHeader`.
pub const NODE_STATE_HEADER_BLOCK_LENGTH: usize = 8;
/// Template id of `candidateTerm`.
pub const CANDIDATE_TERM_TEMPLATE_ID: u16 = 301;
/// Template id of `ClusterMembers` (defined, not written by Aeron 1.54).
pub const CLUSTER_MEMBERS_TEMPLATE_ID: u16 = 303;
/// Template id of `nodeStateFooter`.
pub const NODE_STATE_FOOTER_TEMPLATE_ID: u16 = 304;
/// Block length of `candidateTerm`.
pub const CANDIDATE_TERM_BLOCK_LENGTH: usize = 24;
/// Offset of the `candidateTerm` frame in a file this software creates.
pub const CANDIDATE_TERM_FRAME_OFFSET: usize = NODE_STATE_HEADER_BLOCK_LENGTH;
/// Offset of `candidateTermId` within the candidate term body.
pub const CANDIDATE_TERM_ID_BODY_OFFSET: usize = 0;
/// Offset of `timestamp` within the candidate term body.
pub const CANDIDATE_TIMESTAMP_BODY_OFFSET: usize = 8;
/// Offset of `logPosition` within the candidate term body.
pub const CANDIDATE_LOG_POSITION_BODY_OFFSET: usize = 16;
/// Frame alignment (Agrona `UnsafeBuffer.ALIGNMENT`).
pub const NODE_STATE_ALIGNMENT: usize = 8;

/// The persisted vote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CandidateTerm {
    /// Highest candidate term this node proposed or voted in (-1 = none).
    pub candidate_term_id: i64,
    /// Epoch time of the update (ms), -1 if never.
    pub timestamp_ms: i64,
    /// Log position of the node at the update, -1 if never.
    pub log_position: i64,
}

/// `node-state.dat` of one node.
///
/// Open with [`NodeStateFile::open`]; read [`Self::candidate_term`]; before voting YES or nominating
/// itself the node calls [`Self::update_candidate_term_id`] or [`Self::propose_max_candidate_term_id`]
/// and acts only after it returns `Ok`.
pub struct NodeStateFile<F: ArchiveFile> {
    file: F,
    sync_level: FileSyncLevel,
    candidate_body_offset: u64,
    candidate_term: CandidateTerm,
}

impl<F: ArchiveFile> std::fmt::Debug for NodeStateFile<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NodeStateFile").field("candidate_term", &self.candidate_term).finish()
    }
}

fn message_header(block_length: usize, template_id: u16, frame_length: usize) -> [u8; 16] {
    let mut header = [0u8; 16];
    header[0..2].copy_from_slice(&(block_length as u16).to_le_bytes());
    header[2..4].copy_from_slice(&template_id.to_le_bytes());
    header[4..6].copy_from_slice(&NODE_STATE_SCHEMA_ID.to_le_bytes());
    header[6..8].copy_from_slice(&NODE_STATE_SCHEMA_VERSION.to_le_bytes());
    header[8..12].copy_from_slice(&(frame_length as i32).to_le_bytes());
    header
}

/// The bytes at the start of a new node state file (header, candidate term of -1s, footer).
pub fn new_node_state_prefix() -> Vec<u8> {
    let mut bytes = vec![0u8; 64];
    bytes[0..4].copy_from_slice(&MARK_FILE_SEMANTIC_VERSION.to_le_bytes());
    let frame = CANDIDATE_TERM_FRAME_OFFSET;
    let frame_length = NODE_STATE_MESSAGE_HEADER_LENGTH + CANDIDATE_TERM_BLOCK_LENGTH;
    bytes[frame..frame + 16].copy_from_slice(&message_header(
        CANDIDATE_TERM_BLOCK_LENGTH,
        CANDIDATE_TERM_TEMPLATE_ID,
        frame_length,
    ));
    let body = frame + NODE_STATE_MESSAGE_HEADER_LENGTH;
    for field in 0..3 {
        bytes[body + field * 8..body + field * 8 + 8].copy_from_slice(&NULL_VALUE.to_le_bytes());
    }
    let footer = frame + frame_length.next_multiple_of(NODE_STATE_ALIGNMENT);
    bytes[footer..footer + 16].copy_from_slice(&message_header(
        0,
        NODE_STATE_FOOTER_TEMPLATE_ID,
        NODE_STATE_MESSAGE_HEADER_LENGTH,
    ));
    bytes
}

/// Validates node state file bytes and returns the candidate term and the file offset of its body.
/// Never panics.
pub fn decode_node_state(bytes: &[u8]) -> Result<(CandidateTerm, u64), ClusterFileError> {
    let corrupt = |offset: usize, reason: String| {
        ClusterFileError::corrupt(NODE_STATE_FILE_NAME, offset as u64, reason)
    };
    if bytes.len() < NODE_STATE_HEADER_BLOCK_LENGTH {
        return Err(corrupt(0, format!("file length {} shorter than the header", bytes.len())));
    }
    let version = le_i32(bytes, 0);
    if semantic_major(version) != MARK_FILE_MAJOR_VERSION {
        return Err(ClusterFileError::VersionMismatch {
            file: NODE_STATE_FILE_NAME.to_string(),
            found: semantic_major(version),
            expected: MARK_FILE_MAJOR_VERSION,
        });
    }
    let mut position = NODE_STATE_HEADER_BLOCK_LENGTH;
    let mut candidate = None;
    loop {
        if bytes.len() - position < NODE_STATE_MESSAGE_HEADER_LENGTH {
            return Err(corrupt(position, "no nodeStateFooter before the end of the file".to_string()));
        }
        let block_length = le_u16(bytes, position) as usize;
        let template_id = le_u16(bytes, position + 2);
        let schema_id = le_u16(bytes, position + 4);
        let frame_length = le_i32(bytes, position + 8);
        if frame_length == 0 && template_id == 0 {
            return Err(corrupt(position, "no nodeStateFooter (empty frame)".to_string()));
        }
        if schema_id != NODE_STATE_SCHEMA_ID {
            return Err(corrupt(position, format!("schema id {schema_id}, expected {NODE_STATE_SCHEMA_ID}")));
        }
        if frame_length < NODE_STATE_MESSAGE_HEADER_LENGTH as i32 {
            return Err(corrupt(position, format!("frame length {frame_length}")));
        }
        let frame_length = frame_length as usize;
        if frame_length > bytes.len() - position
            || block_length > frame_length - NODE_STATE_MESSAGE_HEADER_LENGTH
        {
            return Err(corrupt(
                position,
                format!("frame length {frame_length} / block length {block_length} overrun"),
            ));
        }
        match template_id {
            NODE_STATE_FOOTER_TEMPLATE_ID => break,
            CANDIDATE_TERM_TEMPLATE_ID if candidate.is_none() => {
                if block_length < CANDIDATE_TERM_BLOCK_LENGTH {
                    return Err(corrupt(position, format!("candidateTerm block length {block_length}")));
                }
                let body = position + NODE_STATE_MESSAGE_HEADER_LENGTH;
                candidate = Some((
                    CandidateTerm {
                        candidate_term_id: le_i64(bytes, body + CANDIDATE_TERM_ID_BODY_OFFSET),
                        timestamp_ms: le_i64(bytes, body + CANDIDATE_TIMESTAMP_BODY_OFFSET),
                        log_position: le_i64(bytes, body + CANDIDATE_LOG_POSITION_BODY_OFFSET),
                    },
                    body as u64,
                ));
            }
            _ => {}
        }
        position += frame_length.next_multiple_of(NODE_STATE_ALIGNMENT);
        if position >= bytes.len() {
            return Err(corrupt(position, "no nodeStateFooter before the end of the file".to_string()));
        }
    }
    candidate.ok_or_else(|| corrupt(position, "failed to find CandidateTerm entry".to_string()))
}

impl<F: ArchiveFile> NodeStateFile<F> {
    /// Opens `node-state.dat` in `storage`, or creates it (1 MiB, initialised, synced with its directory)
    /// when missing and `create_new`; a missing file without `create_new` is `NotFound`.
    pub fn open<S: ArchiveStorage<File = F>>(
        storage: &S,
        create_new: bool,
        sync_level: FileSyncLevel,
    ) -> Result<Self, ClusterFileError> {
        let file = if storage.exists(NODE_STATE_FILE_NAME)? || !create_new {
            storage.open(NODE_STATE_FILE_NAME)?
        } else {
            let mut file = storage.create(NODE_STATE_FILE_NAME)?;
            file.set_len(NODE_STATE_FILE_LENGTH)?;
            file.write_at(0, &new_node_state_prefix())?;
            file.sync_all()?;
            storage.sync_directory()?;
            file
        };
        let bytes = read_whole_file(&file, 64 * NODE_STATE_FILE_LENGTH)?;
        let (candidate_term, candidate_body_offset) = decode_node_state(&bytes)?;
        Ok(Self { file, sync_level, candidate_body_offset, candidate_term })
    }

    /// The persisted candidate term.
    pub fn candidate_term(&self) -> CandidateTerm {
        self.candidate_term
    }

    /// Persists `candidate_term_id` with the node's `log_position` and `timestamp_ms`, synced per the
    /// level, then updates the cached value.
    pub fn update_candidate_term_id(
        &mut self,
        candidate_term_id: i64,
        log_position: i64,
        timestamp_ms: i64,
    ) -> Result<(), ClusterFileError> {
        let mut body = [0u8; CANDIDATE_TERM_BLOCK_LENGTH];
        body[0..8].copy_from_slice(&candidate_term_id.to_le_bytes());
        body[8..16].copy_from_slice(&timestamp_ms.to_le_bytes());
        body[16..24].copy_from_slice(&log_position.to_le_bytes());
        self.file.write_at(self.candidate_body_offset, &body)?;
        self.sync_level.sync(&mut self.file)?;
        self.candidate_term = CandidateTerm { candidate_term_id, timestamp_ms, log_position };
        Ok(())
    }

    /// Persists `candidate_term_id` only if above the stored one; returns the resulting candidate term id
    /// (Aeron `proposeMaxCandidateTermId`).
    pub fn propose_max_candidate_term_id(
        &mut self,
        candidate_term_id: i64,
        log_position: i64,
        timestamp_ms: i64,
    ) -> Result<i64, ClusterFileError> {
        if candidate_term_id > self.candidate_term.candidate_term_id {
            self.update_candidate_term_id(candidate_term_id, log_position, timestamp_ms)?;
        }
        Ok(self.candidate_term.candidate_term_id)
    }
}
