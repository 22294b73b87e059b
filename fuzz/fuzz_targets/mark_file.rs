//! Fuzz: arbitrary bytes as a cluster mark file or node state file must decode or fail with an error,
//! never panic — whether decoded from memory, read from storage (the tool's path), or found on disk by
//! a starting node taking the file over (which reads the old header and error log).
#![no_main]

use archive::{ArchiveFile, ArchiveStorage, MemoryArchiveStorage};
use cluster::cluster_mark_file::MARK_FILE_ERROR_BUFFER_MIN_LENGTH;
use cluster::node_state_file::decode_node_state;
use cluster::{
    CLUSTER_MARK_FILE_NAME, ClusterComponentType, ClusterMarkFile, MarkFileHeader, decode_mark_file,
    read_cluster_mark_file,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = decode_mark_file(CLUSTER_MARK_FILE_NAME, data);
    let _ = decode_node_state(data);

    let storage = MemoryArchiveStorage::new();
    let Ok(mut file) = storage.create(CLUSTER_MARK_FILE_NAME) else { return };
    if file.write_at(0, data).is_err() {
        return;
    }
    drop(file);
    let _ = read_cluster_mark_file(&storage, CLUSTER_MARK_FILE_NAME);
    let header =
        MarkFileHeader::new(ClusterComponentType::ConsensusModule, MARK_FILE_ERROR_BUFFER_MIN_LENGTH);
    if let Ok((mut mark_file, _previous_errors)) =
        ClusterMarkFile::create(&storage, CLUSTER_MARK_FILE_NAME, header, 4096, 1_000, 10_000)
    {
        let _ = mark_file.signal_ready(1_000);
        let _ = mark_file.record_error(1_000, "fuzz");
        let contents = read_cluster_mark_file(&storage, CLUSTER_MARK_FILE_NAME);
        assert!(contents.is_ok_and(|c| c.errors.len() == 1), "a file this node wrote must read back");
    }
});
