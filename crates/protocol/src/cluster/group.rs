//! [`Group`]: an SBE repeating group inside a cluster message, borrowed either from caller-built
//! entries (to encode) or from decoded bytes (after decoding).
//!
//! Invariants:
//! - On the wire a group is `blockLength:u16, numInGroup:u16` followed by `numInGroup` entries, each an
//!   entry block of `blockLength` bytes followed by the entry's var-data fields.
//! - A group taken from decoded bytes was fully validated by the message's `decode`, so iterating it
//!   yields exactly [`Group::len`] entries and allocates nothing.
//! - Two groups are equal when they hold equal entries in the same order, however they were built.

use core::fmt;

use super::SbeError;
use super::codec::{self, BodyReader, BodyWriter, GROUP_HEADER_LENGTH, WireGroup};

/// Prevents implementations of [`GroupEntry`] outside this crate.
pub(crate) mod sealed {
    /// Implemented only by this crate's group entry types.
    pub trait Sealed {}
}

/// An entry type of a repeating group ([`SnapshotEntry`](super::SnapshotEntry),
/// [`StandbySnapshotEntry`](super::StandbySnapshotEntry), [`ClusterMemberEntry`](super::ClusterMemberEntry)).
///
/// Sealed: the methods are the codec's plumbing and are not meant to be called directly.
pub trait GroupEntry<'a>: sealed::Sealed + Copy + fmt::Debug + PartialEq + Eq {
    /// Entry block length this codec writes.
    #[doc(hidden)]
    const ENTRY_BLOCK_LENGTH: u16;
    /// Bytes the entry takes inside its group.
    #[doc(hidden)]
    fn entry_encoded_length(&self) -> usize;
    /// Reads the entry's fixed fields and var-data.
    #[doc(hidden)]
    fn read_entry(reader: &mut BodyReader<'a>) -> Result<Self, SbeError>;
    /// Fails if a var-data field of the entry is too long.
    #[doc(hidden)]
    fn check_entry_lengths(&self) -> Result<(), SbeError>;
    /// Writes the entry's block (already zero-filled) and var-data.
    #[doc(hidden)]
    fn write_entry(&self, writer: &mut BodyWriter<'_>);
}

/// A repeating group of entries `E` in a cluster message.
///
/// Build one to encode with [`Group::new`] (or `From<&[E]>`); a decoded message hands one back that
/// reads its entries lazily from the input. Either way use [`Group::len`] and [`Group::iter`]; entries
/// are yielded by value (they are `Copy` and borrow at most the input's strings).
pub struct Group<'a, E> {
    repr: Repr<'a, E>,
}

/// Where the entries live.
enum Repr<'a, E> {
    /// Caller-built entries.
    Entries(&'a [E]),
    /// A validated group inside decoded bytes.
    Wire(WireGroup<'a>),
}

impl<E> Clone for Repr<'_, E> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<E> Copy for Repr<'_, E> {}

impl<E> Clone for Group<'_, E> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<E> Copy for Group<'_, E> {}

impl<E> Default for Group<'_, E> {
    /// An empty group.
    fn default() -> Self {
        Self { repr: Repr::Entries(&[]) }
    }
}

impl<'a, E> Group<'a, E> {
    /// A group holding `entries`, for encoding.
    pub const fn new(entries: &'a [E]) -> Self {
        Self { repr: Repr::Entries(entries) }
    }

    /// A group read from decoded bytes whose entries have all been validated.
    pub(crate) fn from_wire(wire: WireGroup<'a>) -> Self {
        Self { repr: Repr::Wire(wire) }
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        match self.repr {
            Repr::Entries(entries) => entries.len(),
            Repr::Wire(wire) => usize::from(wire.count),
        }
    }

    /// Whether the group has no entries.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<'a, E: GroupEntry<'a>> Group<'a, E> {
    /// The entries in order, by value. Never fails: decoded groups were validated by `decode`.
    pub fn iter(&self) -> GroupIter<'a, E> {
        let repr = match self.repr {
            Repr::Entries(entries) => IterRepr::Entries(entries.iter()),
            Repr::Wire(wire) => IterRepr::Wire { wire, offset: wire.offset, remaining: wire.count },
        };
        GroupIter { repr }
    }

    /// Bytes the group takes when encoded: the 4-byte group header plus every entry at this codec's
    /// entry block length.
    pub fn encoded_length(&self) -> usize {
        GROUP_HEADER_LENGTH + self.iter().map(|entry| entry.entry_encoded_length()).sum::<usize>()
    }

    /// Fails if an entry's var-data field is too long; asserts the entry count fits `u16`.
    pub(crate) fn check_lengths(&self, field: &'static str) -> Result<(), SbeError> {
        codec::check_group_count(field, self.len());
        self.iter().try_for_each(|entry| entry.check_entry_lengths())
    }
}

impl<'a, E> From<&'a [E]> for Group<'a, E> {
    fn from(entries: &'a [E]) -> Self {
        Self::new(entries)
    }
}

impl<'a, E: GroupEntry<'a>> PartialEq for Group<'a, E> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl<'a, E: GroupEntry<'a>> Eq for Group<'a, E> {}

impl<'a, E: GroupEntry<'a>> fmt::Debug for Group<'a, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<'a, E: GroupEntry<'a>> IntoIterator for Group<'a, E> {
    type Item = E;
    type IntoIter = GroupIter<'a, E>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<'a, E: GroupEntry<'a>> IntoIterator for &Group<'a, E> {
    type Item = E;
    type IntoIter = GroupIter<'a, E>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// Iterator over the entries of a [`Group`], by value.
pub struct GroupIter<'a, E> {
    repr: IterRepr<'a, E>,
}

/// Iteration state.
enum IterRepr<'a, E> {
    /// Over caller-built entries.
    Entries(core::slice::Iter<'a, E>),
    /// Over decoded bytes.
    Wire { wire: WireGroup<'a>, offset: usize, remaining: u16 },
}

impl<'a, E: GroupEntry<'a>> Iterator for GroupIter<'a, E> {
    type Item = E;

    fn next(&mut self) -> Option<E> {
        match &mut self.repr {
            IterRepr::Entries(entries) => entries.next().copied(),
            IterRepr::Wire { wire, offset, remaining } => {
                if *remaining == 0 {
                    return None;
                }
                match wire.entry_at::<E>(*offset) {
                    Ok((entry, next)) => {
                        *offset = next;
                        *remaining -= 1;
                        Some(entry)
                    }
                    // Unreachable for groups built by `decode`, which validated every entry.
                    Err(_) => {
                        *remaining = 0;
                        None
                    }
                }
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match &self.repr {
            IterRepr::Entries(entries) => entries.size_hint(),
            IterRepr::Wire { remaining, .. } => (0, Some(usize::from(*remaining))),
        }
    }
}
