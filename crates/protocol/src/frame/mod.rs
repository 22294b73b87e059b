//! Transport frame codecs (reference §1).
