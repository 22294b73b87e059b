//! Fuzz the catalog opener: arbitrary bytes as `archive.catalog` must give a catalog or an error, never a
//! panic, and every entry of an accepted catalog must decode.
#![no_main]

use archive::{ArchiveFile, ArchiveStorage, CATALOG_FILE_NAME, Catalog, CatalogConfig, MemoryArchiveStorage};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = archive::validate_catalog_bytes(data);
    let storage = MemoryArchiveStorage::new();
    let Ok(mut file) = storage.create(CATALOG_FILE_NAME) else { return };
    if file.write_at(0, data).is_err() {
        return;
    }
    if let Ok(catalog) = Catalog::open(&storage, CatalogConfig::default()) {
        let ids: Vec<i64> = catalog.recording_ids().collect();
        for id in ids {
            let _ = catalog.descriptor(id);
            let _ = catalog.descriptor_bytes(id);
        }
        let _ = catalog.list(0, 100);
    }
});
