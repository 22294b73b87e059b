//! Internal SBE machinery shared by every cluster message codec: the fixed-field and var-data traits,
//! a bounds-checked body reader, a body writer, repeating-group plumbing and the `sbe_message!`,
//! `sbe_group_entry!` and `sbe_enum!` macros that generate one codec per message from its schema
//! description.
//!
//! This mirrors `archive::codec` (same reader/writer shape, same error type) but is parametrised on
//! the cluster schema and adds repeating groups, which the archive schema does not use. The two could
//! be merged into one schema-generic module once both families are stable.
//!
//! Invariants upheld here (and so by every generated codec):
//! - The reader checks that the declared block lies inside the input before anything else, reads a
//!   fixed field only when the acting version is at least its `sinceVersion` (otherwise it yields the
//!   field's null value) and only if the field lies inside the acting `blockLength`.
//! - After the block come the repeating groups (each a `blockLength:u16, numInGroup:u16` header then
//!   the entries, each an entry block followed by the entry's var-data) and then the var-data fields,
//!   all read in declaration order, each var-data field as `length:u32` + bytes. A group or var-data
//!   field newer than the acting version is empty and consumes nothing. Bytes after the last known
//!   field are ignored.
//! - A decoded group has been fully validated when the message decodes, so iterating it later cannot
//!   fail.
//! - The writer is only created after the destination capacity has been checked against the exact
//!   encoded length; it zero-fills every block before writing fields.

use super::{MessageHeader, SCHEMA_ID, SCHEMA_VERSION, SbeError, VAR_DATA_MAX_LENGTH};

/// Length of the `u32` length prefix of every var-data field.
pub(crate) const VAR_DATA_LENGTH_PREFIX: usize = 4;
/// Length of a repeating group's `groupSizeEncoding` header (`blockLength:u16`, `numInGroup:u16`).
pub(crate) const GROUP_HEADER_LENGTH: usize = 4;

/// A fixed-size little-endian field type that can appear in a message block.
pub(crate) trait FixedField: Copy {
    /// Encoded size in bytes.
    const SIZE: usize;
    /// The SBE null value, used when the acting version predates the field.
    const NULL: Self;
    /// Reads the value from the first `SIZE` bytes of `src`, or `None` if `src` is shorter.
    fn read(src: &[u8]) -> Option<Self>;
    /// Writes the value into the first `SIZE` bytes of `dst`; `dst` must hold at least `SIZE` bytes.
    fn write(self, dst: &mut [u8]);
}

impl FixedField for i64 {
    const SIZE: usize = 8;
    const NULL: Self = i64::MIN;

    fn read(src: &[u8]) -> Option<Self> {
        src.get(..8)?.try_into().ok().map(i64::from_le_bytes)
    }

    fn write(self, dst: &mut [u8]) {
        dst[..8].copy_from_slice(&self.to_le_bytes());
    }
}

impl FixedField for i32 {
    const SIZE: usize = 4;
    const NULL: Self = i32::MIN;

    fn read(src: &[u8]) -> Option<Self> {
        src.get(..4)?.try_into().ok().map(i32::from_le_bytes)
    }

    fn write(self, dst: &mut [u8]) {
        dst[..4].copy_from_slice(&self.to_le_bytes());
    }
}

impl FixedField for u8 {
    const SIZE: usize = 1;
    const NULL: Self = u8::MAX;

    fn read(src: &[u8]) -> Option<Self> {
        src.first().copied()
    }

    fn write(self, dst: &mut [u8]) {
        dst[0] = self;
    }
}

/// A var-data field type: `&str` for `varAsciiEncoding`, `&[u8]` for `varDataEncoding`.
pub(crate) trait VarField<'a>: Copy {
    /// The value of a field absent from the acting version.
    const EMPTY: Self;
    /// Interprets the field's bytes.
    fn from_wire(bytes: &'a [u8], field: &'static str) -> Result<Self, SbeError>;
    /// The bytes to put on the wire.
    fn wire_bytes(&self) -> &[u8];
}

impl<'a> VarField<'a> for &'a str {
    const EMPTY: Self = "";

    fn from_wire(bytes: &'a [u8], field: &'static str) -> Result<Self, SbeError> {
        core::str::from_utf8(bytes).map_err(|_| SbeError::InvalidUtf8 { field })
    }

    fn wire_bytes(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl<'a> VarField<'a> for &'a [u8] {
    const EMPTY: Self = &[];

    fn from_wire(bytes: &'a [u8], _field: &'static str) -> Result<Self, SbeError> {
        Ok(bytes)
    }

    fn wire_bytes(&self) -> &[u8] {
        self
    }
}

/// Fails if a var-data field is longer than the schema allows.
pub(crate) fn check_var_length(field: &'static str, length: usize) -> Result<(), SbeError> {
    if length > VAR_DATA_MAX_LENGTH as usize {
        Err(SbeError::VarDataTooLong { field, length })
    } else {
        Ok(())
    }
}

/// Little-endian `u16` at `at`, if present.
fn read_u16(src: &[u8], at: usize) -> Option<u16> {
    src.get(at..at.checked_add(2)?)?.try_into().ok().map(u16::from_le_bytes)
}

/// Little-endian `u32` at `at`, if present.
fn read_u32(src: &[u8], at: usize) -> Option<u32> {
    src.get(at..at.checked_add(4)?)?.try_into().ok().map(u32::from_le_bytes)
}

/// Reads the fields of one message body (or one group entry): a fixed block at `block_offset` of
/// `block_length` bytes, followed by groups and var-data fields. (Nominally `pub` only because the
/// sealed [`GroupEntry`](super::GroupEntry) trait names it; unreachable from outside the crate.)
pub struct BodyReader<'a> {
    src: &'a [u8],
    template_id: u16,
    block_offset: usize,
    block_length: usize,
    version: u16,
    limit: usize,
}

impl<'a> BodyReader<'a> {
    /// Reads and checks the message header (cluster schema id and `template_id`), then positions on
    /// the body.
    pub(crate) fn from_message(src: &'a [u8], template_id: u16) -> Result<Self, SbeError> {
        let header = MessageHeader::decode(src)?;
        if header.schema_id != SCHEMA_ID {
            return Err(SbeError::WrongSchemaId { expected: SCHEMA_ID, actual: header.schema_id });
        }
        if header.template_id != template_id {
            return Err(SbeError::UnexpectedTemplateId { expected: template_id, actual: header.template_id });
        }
        Self::new(
            src,
            template_id,
            MessageHeader::ENCODED_LENGTH,
            usize::from(header.block_length),
            header.version,
        )
    }

    /// A reader of a body whose block starts at `block_offset`; fails if the block does not fit `src`.
    pub(crate) fn new(
        src: &'a [u8],
        template_id: u16,
        block_offset: usize,
        block_length: usize,
        version: u16,
    ) -> Result<Self, SbeError> {
        let end = block_offset.saturating_add(block_length);
        if src.len() < end {
            return Err(SbeError::TooShort { needed: end, actual: src.len() });
        }
        Ok(Self { src, template_id, block_offset, block_length, version, limit: end })
    }

    /// The fixed field at block offset `offset`, or `null` if the acting version predates `since`.
    pub(crate) fn fixed<T: FixedField>(&self, offset: usize, since: u16, null: T) -> Result<T, SbeError> {
        if self.version < since {
            return Ok(null);
        }
        let end = offset + T::SIZE;
        if end > self.block_length {
            return Err(SbeError::BlockTooShort {
                template_id: self.template_id,
                block_length: self.block_length,
                needed: end,
            });
        }
        let start = self.block_offset + offset;
        self.src
            .get(start..)
            .and_then(T::read)
            .ok_or(SbeError::TooShort { needed: start + T::SIZE, actual: self.src.len() })
    }

    /// The next var-data field, or empty if the acting version predates `since`.
    pub(crate) fn var<V: VarField<'a>>(&mut self, field: &'static str, since: u16) -> Result<V, SbeError> {
        if self.version < since {
            return Ok(V::EMPTY);
        }
        let data_start = self.limit.saturating_add(VAR_DATA_LENGTH_PREFIX);
        let length = read_u32(self.src, self.limit)
            .ok_or(SbeError::TooShort { needed: data_start, actual: self.src.len() })?;
        let length = usize::try_from(length).unwrap_or(usize::MAX);
        check_var_length(field, length)?;
        let data_end = data_start.saturating_add(length);
        let bytes = self
            .src
            .get(data_start..data_end)
            .ok_or(SbeError::TooShort { needed: data_end, actual: self.src.len() })?;
        self.limit = data_end;
        V::from_wire(bytes, field)
    }

    /// The next repeating group, or an empty one if the acting version predates `since`. Every entry
    /// is decoded once here so that later iteration cannot fail.
    pub(crate) fn group<E: super::GroupEntry<'a>>(
        &mut self,
        since: u16,
    ) -> Result<super::Group<'a, E>, SbeError> {
        if self.version < since {
            return Ok(super::Group::default());
        }
        let entries_start = self.limit.saturating_add(GROUP_HEADER_LENGTH);
        let too_short = SbeError::TooShort { needed: entries_start, actual: self.src.len() };
        let entry_block_length = read_u16(self.src, self.limit).ok_or(too_short)?;
        let count = read_u16(self.src, self.limit + 2).ok_or(too_short)?;
        let wire = WireGroup {
            src: self.src,
            offset: entries_start,
            count,
            block_length: entry_block_length,
            version: self.version,
            template_id: self.template_id,
        };
        let mut offset = entries_start;
        for _ in 0..count {
            let (_, next) = wire.entry_at::<E>(offset)?;
            offset = next;
        }
        self.limit = offset;
        Ok(super::Group::from_wire(wire))
    }

    /// Offset just after everything read so far.
    pub(crate) fn limit(&self) -> usize {
        self.limit
    }
}

/// Where a decoded repeating group lives in its message.
#[derive(Clone, Copy)]
pub(crate) struct WireGroup<'a> {
    /// The whole message.
    pub(crate) src: &'a [u8],
    /// Offset of the first entry.
    pub(crate) offset: usize,
    /// `numInGroup` from the group header.
    pub(crate) count: u16,
    /// Acting entry block length from the group header.
    pub(crate) block_length: u16,
    /// Acting version of the message.
    pub(crate) version: u16,
    /// Template id of the message, for error reports.
    pub(crate) template_id: u16,
}

impl<'a> WireGroup<'a> {
    /// Decodes the entry whose block starts at `offset`; returns it and the offset after it.
    pub(crate) fn entry_at<E: super::GroupEntry<'a>>(&self, offset: usize) -> Result<(E, usize), SbeError> {
        let mut reader = BodyReader::new(
            self.src,
            self.template_id,
            offset,
            usize::from(self.block_length),
            self.version,
        )?;
        let entry = E::read_entry(&mut reader)?;
        Ok((entry, reader.limit()))
    }
}

/// Writes one message body (or one group entry) after its capacity has been checked. (Nominally
/// `pub` for the same reason as [`BodyReader`].)
pub struct BodyWriter<'d> {
    dst: &'d mut [u8],
    block_offset: usize,
    limit: usize,
}

impl<'d> BodyWriter<'d> {
    /// Checks that `dst` holds `total_length` bytes, writes the message header (cluster schema id and
    /// version), zero-fills the block and positions on the body.
    pub(crate) fn begin_message(
        dst: &'d mut [u8],
        template_id: u16,
        block_length: u16,
        total_length: usize,
    ) -> Result<Self, SbeError> {
        if dst.len() < total_length {
            return Err(SbeError::BufferTooSmall { needed: total_length, capacity: dst.len() });
        }
        header(template_id, block_length).encode(dst)?;
        Ok(Self::begin_block(dst, MessageHeader::ENCODED_LENGTH, usize::from(block_length)))
    }

    /// Positions on a block at `block_offset` of `dst` (whose capacity the caller has checked) and
    /// zero-fills it.
    pub(crate) fn begin_block(dst: &'d mut [u8], block_offset: usize, block_length: usize) -> Self {
        let limit = block_offset + block_length;
        dst[block_offset..limit].fill(0);
        Self { dst, block_offset, limit }
    }

    /// Writes a fixed field at block offset `offset`.
    pub(crate) fn fixed<T: FixedField>(&mut self, offset: usize, value: T) {
        value.write(&mut self.dst[self.block_offset + offset..]);
    }

    /// Appends a var-data field (`length:u32` + bytes); the length was checked by `check_var_length`.
    pub(crate) fn var(&mut self, bytes: &[u8]) {
        let length = u32::try_from(bytes.len()).unwrap_or(u32::MAX);
        let data_start = self.limit + VAR_DATA_LENGTH_PREFIX;
        self.dst[self.limit..data_start].copy_from_slice(&length.to_le_bytes());
        self.dst[data_start..data_start + bytes.len()].copy_from_slice(bytes);
        self.limit = data_start + bytes.len();
    }

    /// Appends a repeating group: its header (this codec's entry block length, entry count), then
    /// every entry. The entry count was checked by [`check_group_count`].
    pub(crate) fn group<'a, E: super::GroupEntry<'a>>(&mut self, group: &super::Group<'a, E>) {
        let count = u16::try_from(group.len()).unwrap_or(u16::MAX);
        self.dst[self.limit..self.limit + 2].copy_from_slice(&E::ENTRY_BLOCK_LENGTH.to_le_bytes());
        self.dst[self.limit + 2..self.limit + 4].copy_from_slice(&count.to_le_bytes());
        self.limit += GROUP_HEADER_LENGTH;
        for entry in group.iter() {
            let mut writer =
                BodyWriter::begin_block(self.dst, self.limit, usize::from(E::ENTRY_BLOCK_LENGTH));
            entry.write_entry(&mut writer);
            self.limit = writer.limit;
        }
    }

    /// Bytes written so far, from the start of `dst`.
    pub(crate) fn limit(&self) -> usize {
        self.limit
    }
}

/// Asserts that a group to be encoded fits the `numInGroup:u16` count (API misuse otherwise).
pub(crate) fn check_group_count(field: &'static str, count: usize) {
    assert!(
        count <= usize::from(u16::MAX),
        "group `{field}` has {count} entries; a repeating group holds at most {}",
        u16::MAX
    );
}

/// The cluster message header for `template_id` with this codec's schema id and version.
pub(crate) const fn header(template_id: u16, block_length: u16) -> MessageHeader {
    MessageHeader { block_length, template_id, schema_id: SCHEMA_ID, version: SCHEMA_VERSION }
}

/// `since_or_zero!()` is 0; `since_or_zero!(N)` is N.
macro_rules! since_or_zero {
    () => {
        0
    };
    ($since:literal) => {
        $since
    };
}

/// `null_or_default!(T;)` is `T`'s SBE null; `null_or_default!(T; v)` is `v`.
macro_rules! null_or_default {
    ($ty:ty;) => {
        <$ty as $crate::cluster::codec::FixedField>::NULL
    };
    ($ty:ty; $null:expr) => {
        $null
    };
}

/// Compile-time check that the fixed fields end exactly at the block length.
macro_rules! assert_block_length {
    ($block:literal; $($fty:ty = $offset:literal),*) => {
        const _: () = {
            #[allow(unused_mut)]
            let mut end = 0usize;
            $(
                let field_end = $offset + <$fty as $crate::cluster::codec::FixedField>::SIZE;
                if field_end > end {
                    end = field_end;
                }
            )*
            assert!(end == $block, "fields must end exactly at the block length");
        };
    };
}

/// Generates one message codec: the struct (fixed fields, then groups, then var-data fields, all
/// borrowing the input), `TEMPLATE_ID`, `BLOCK_LENGTH`, `encoded_length`, `encode` and `decode`, plus
/// a compile-time check that the fields end exactly at the block length.
macro_rules! sbe_message {
    (
        $(#[$meta:meta])*
        pub struct $name:ident $(<$lt:lifetime>)? {
            template_id: $template:literal,
            block_length: $block:literal,
            fixed: {
                $(
                    $(#[$fmeta:meta])*
                    $field:ident: $fty:ty = $offset:literal $(, since $since:literal)? $(, null $null:expr)?;
                )*
            }
            groups: {
                $(
                    $(#[$gmeta:meta])*
                    $group:ident: $gty:ty $(, since $gsince:literal)?;
                )*
            }
            var_data: {
                $(
                    $(#[$vmeta:meta])*
                    $var:ident: $vty:ty $(, since $vsince:literal)?;
                )*
            }
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct $name $(<$lt>)? {
            $( $(#[$fmeta])* pub $field: $fty, )*
            $( $(#[$gmeta])* pub $group: $gty, )*
            $( $(#[$vmeta])* pub $var: $vty, )*
        }

        $crate::cluster::codec::assert_block_length!($block; $($fty = $offset),*);

        impl $(<$lt>)? $name $(<$lt>)? {
            /// SBE template id of this message.
            pub const TEMPLATE_ID: u16 = $template;
            /// Length of the fixed block this codec writes (schema version 17).
            pub const BLOCK_LENGTH: u16 = $block;

            /// Exact number of bytes [`Self::encode`] writes: header + block + every group (4-byte
            /// header + entries) + every var-data field with its 4-byte length prefix.
            pub fn encoded_length(&self) -> usize {
                $crate::cluster::MessageHeader::ENCODED_LENGTH
                    + $block
                    $( + self.$group.encoded_length() )*
                    $(
                        + $crate::cluster::codec::VAR_DATA_LENGTH_PREFIX
                        + <$vty as $crate::cluster::codec::VarField<'_>>::wire_bytes(&self.$var).len()
                    )*
            }

            /// Writes header (schema 111, version 17), block, groups and var-data at the start of
            /// `dst`; returns [`Self::encoded_length`]. Fails without writing if `dst` is too small or
            /// a var-data field is longer than 1 GiB.
            ///
            /// # Panics
            ///
            /// If a repeating group holds more than 65 535 entries (API misuse).
            pub fn encode(&self, dst: &mut [u8]) -> Result<usize, $crate::cluster::SbeError> {
                self.check_lengths()?;
                let length = self.encoded_length();
                let mut writer = $crate::cluster::codec::BodyWriter::begin_message(
                    dst,
                    Self::TEMPLATE_ID,
                    Self::BLOCK_LENGTH,
                    length,
                )?;
                self.write_body(&mut writer);
                debug_assert_eq!(writer.limit(), length);
                Ok(length)
            }

            /// Reads the message from the start of `src`. Checks the schema id and template id, reads
            /// fields newer than the header's version as their null value, honours the header's
            /// `blockLength` (and each group's entry block length) and ignores trailing bytes; never
            /// panics.
            pub fn decode(src: & $($lt)? [u8]) -> Result<Self, $crate::cluster::SbeError> {
                Self::read_body($crate::cluster::codec::BodyReader::from_message(src, Self::TEMPLATE_ID)?)
            }

            /// Reads the fixed fields, then the groups and var-data fields in declaration order.
            #[allow(unused_mut)]
            fn read_body(
                mut reader: $crate::cluster::codec::BodyReader<$($lt)?>,
            ) -> Result<Self, $crate::cluster::SbeError> {
                Ok(Self {
                    $(
                        $field: reader.fixed::<$fty>(
                            $offset,
                            $crate::cluster::codec::since_or_zero!($($since)?),
                            $crate::cluster::codec::null_or_default!($fty; $($null)?),
                        )?,
                    )*
                    $(
                        $group: reader.group($crate::cluster::codec::since_or_zero!($($gsince)?))?,
                    )*
                    $(
                        $var: reader.var::<$vty>(
                            stringify!($var),
                            $crate::cluster::codec::since_or_zero!($($vsince)?),
                        )?,
                    )*
                })
            }

            /// Fails if a var-data field is longer than the schema's `maxValue`; asserts group counts.
            fn check_lengths(&self) -> Result<(), $crate::cluster::SbeError> {
                $( self.$group.check_lengths(stringify!($group))?; )*
                $(
                    $crate::cluster::codec::check_var_length(
                        stringify!($var),
                        <$vty as $crate::cluster::codec::VarField<'_>>::wire_bytes(&self.$var).len(),
                    )?;
                )*
                Ok(())
            }

            /// Writes the block, groups and var-data through a writer whose capacity has been checked.
            #[allow(unused_variables)]
            fn write_body(&self, writer: &mut $crate::cluster::codec::BodyWriter<'_>) {
                $( writer.fixed($offset, self.$field); )*
                $( writer.group(&self.$group); )*
                $( writer.var(<$vty as $crate::cluster::codec::VarField<'_>>::wire_bytes(&self.$var)); )*
            }
        }
    };
}

/// Generates one repeating-group entry type: the struct (fixed fields, then var-data fields),
/// `BLOCK_LENGTH`, `encoded_length` and the [`GroupEntry`](super::GroupEntry) implementation.
macro_rules! sbe_group_entry {
    (
        @emit [$glt:lifetime] [$ty:ty] [$($generics:tt)*] [$(#[$meta:meta])*] $name:ident {
            block_length: $block:literal,
            fixed: {
                $(
                    $(#[$fmeta:meta])*
                    $field:ident: $fty:ty = $offset:literal;
                )*
            }
            var_data: {
                $(
                    $(#[$vmeta:meta])*
                    $var:ident: $vty:ty;
                )*
            }
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct $name $($generics)* {
            $( $(#[$fmeta])* pub $field: $fty, )*
            $( $(#[$vmeta])* pub $var: $vty, )*
        }

        $crate::cluster::codec::assert_block_length!($block; $($fty = $offset),*);

        impl $($generics)* $ty {
            /// Length of the entry block this codec writes.
            pub const BLOCK_LENGTH: u16 = $block;

            /// Bytes this entry takes inside its group: block + every var-data field with its 4-byte
            /// length prefix.
            pub fn encoded_length(&self) -> usize {
                $block
                    $(
                        + $crate::cluster::codec::VAR_DATA_LENGTH_PREFIX
                        + <$vty as $crate::cluster::codec::VarField<'_>>::wire_bytes(&self.$var).len()
                    )*
            }
        }

        impl $($generics)* $crate::cluster::group::sealed::Sealed for $ty {}

        impl<$glt> $crate::cluster::GroupEntry<$glt> for $ty {
            const ENTRY_BLOCK_LENGTH: u16 = $block;

            fn entry_encoded_length(&self) -> usize {
                self.encoded_length()
            }

            fn read_entry(
                reader: &mut $crate::cluster::codec::BodyReader<$glt>,
            ) -> Result<Self, $crate::cluster::SbeError> {
                Ok(Self {
                    $(
                        $field: reader.fixed::<$fty>(
                            $offset,
                            0,
                            <$fty as $crate::cluster::codec::FixedField>::NULL,
                        )?,
                    )*
                    $( $var: reader.var::<$vty>(stringify!($var), 0)?, )*
                })
            }

            fn check_entry_lengths(&self) -> Result<(), $crate::cluster::SbeError> {
                $(
                    $crate::cluster::codec::check_var_length(
                        stringify!($var),
                        <$vty as $crate::cluster::codec::VarField<'_>>::wire_bytes(&self.$var).len(),
                    )?;
                )*
                Ok(())
            }

            #[allow(unused_variables)]
            fn write_entry(&self, writer: &mut $crate::cluster::codec::BodyWriter<'_>) {
                $( writer.fixed($offset, self.$field); )*
                $( writer.var(<$vty as $crate::cluster::codec::VarField<'_>>::wire_bytes(&self.$var)); )*
            }
        }
    };
    ($(#[$meta:meta])* pub struct $name:ident <$lt:lifetime> $body:tt) => {
        $crate::cluster::codec::sbe_group_entry!(@emit [$lt] [$name<$lt>] [<$lt>] [$(#[$meta])*] $name $body);
    };
    ($(#[$meta:meta])* pub struct $name:ident $body:tt) => {
        $crate::cluster::codec::sbe_group_entry!(@emit ['entry] [$name] [] [$(#[$meta])*] $name $body);
    };
}

/// Generates an `int32`-encoded SBE enum: named variants plus `Unknown(i32)` for values this schema
/// version does not name, with lossless `from_i32` / `as_i32`.
macro_rules! sbe_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $value:literal, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )*
            /// A wire value this schema version does not name, including the SBE null value
            /// (`i32::MIN`). Kept so that decoding then encoding preserves it; [`Self::from_i32`] never
            /// puts a named value here.
            Unknown(i32),
        }

        impl $name {
            /// The SBE null value of the `int32` encoding.
            pub const NULL_VALUE: i32 = i32::MIN;

            /// Maps a wire value to its variant; unnamed values become [`Self::Unknown`].
            pub const fn from_i32(value: i32) -> Self {
                match value {
                    $( $value => Self::$variant, )*
                    other => Self::Unknown(other),
                }
            }

            /// The wire value.
            pub const fn as_i32(self) -> i32 {
                match self {
                    $( Self::$variant => $value, )*
                    Self::Unknown(value) => value,
                }
            }
        }

        impl $crate::cluster::codec::FixedField for $name {
            const SIZE: usize = 4;
            const NULL: Self = Self::Unknown(i32::MIN);

            fn read(src: &[u8]) -> Option<Self> {
                <i32 as $crate::cluster::codec::FixedField>::read(src).map(Self::from_i32)
            }

            fn write(self, dst: &mut [u8]) {
                <i32 as $crate::cluster::codec::FixedField>::write(self.as_i32(), dst);
            }
        }
    };
}

pub(crate) use {
    assert_block_length, null_or_default, sbe_enum, sbe_group_entry, sbe_message, since_or_zero,
};

/// Helpers for the per-message layout tests.
#[cfg(test)]
pub(crate) mod test_support {
    use super::MessageHeader;

    /// Encodes `length` bytes with `encode` into a fresh buffer and checks the reported length.
    pub(crate) fn encode_with(
        length: usize,
        encode: impl FnOnce(&mut [u8]) -> Result<usize, super::SbeError>,
    ) -> Vec<u8> {
        let mut dst = vec![0u8; length];
        assert_eq!(encode(&mut dst), Ok(length));
        dst
    }

    /// Asserts the header holds the cluster schema (111, version 17), `template_id` and
    /// `block_length`.
    pub(crate) fn assert_header(bytes: &[u8], template_id: u16, block_length: u16) {
        let header = MessageHeader::decode(bytes).expect("header");
        assert_eq!(header, super::header(template_id, block_length));
        assert_eq!(&bytes[4..8], &[111, 0, 17, 0]);
    }

    /// Asserts an `i64` at block offset `offset`.
    pub(crate) fn assert_i64_at(bytes: &[u8], offset: usize, value: i64) {
        let at = MessageHeader::ENCODED_LENGTH + offset;
        assert_eq!(&bytes[at..at + 8], &value.to_le_bytes(), "i64 at block offset {offset}");
    }

    /// Asserts an `i32` at block offset `offset`.
    pub(crate) fn assert_i32_at(bytes: &[u8], offset: usize, value: i32) {
        let at = MessageHeader::ENCODED_LENGTH + offset;
        assert_eq!(&bytes[at..at + 4], &value.to_le_bytes(), "i32 at block offset {offset}");
    }

    /// Asserts a `u8` at block offset `offset`.
    pub(crate) fn assert_u8_at(bytes: &[u8], offset: usize, value: u8) {
        let at = MessageHeader::ENCODED_LENGTH + offset;
        assert_eq!(bytes[at], value, "u8 at block offset {offset}");
    }

    /// Asserts a var-data field (`u32` length + bytes) at absolute offset `at`; returns the offset
    /// after it.
    pub(crate) fn assert_var_at(bytes: &[u8], at: usize, value: &[u8]) -> usize {
        let length = u32::try_from(value.len()).expect("short test value");
        assert_eq!(&bytes[at..at + 4], &length.to_le_bytes(), "var-data length at {at}");
        assert_eq!(&bytes[at + 4..at + 4 + value.len()], value, "var-data bytes at {at}");
        at + 4 + value.len()
    }

    /// Asserts a group header (`blockLength:u16`, `numInGroup:u16`) at absolute offset `at`; returns the
    /// offset after it.
    pub(crate) fn assert_group_header_at(bytes: &[u8], at: usize, block_length: u16, count: u16) -> usize {
        assert_eq!(&bytes[at..at + 2], &block_length.to_le_bytes(), "group block length at {at}");
        assert_eq!(&bytes[at + 2..at + 4], &count.to_le_bytes(), "group count at {at}");
        at + 4
    }

    /// Rewrites the header's schema id.
    pub(crate) fn with_schema_id(bytes: &[u8], schema_id: u16) -> Vec<u8> {
        let mut out = bytes.to_vec();
        out[4..6].copy_from_slice(&schema_id.to_le_bytes());
        out
    }

    /// Rewrites the header's template id.
    pub(crate) fn with_template_id(bytes: &[u8], template_id: u16) -> Vec<u8> {
        let mut out = bytes.to_vec();
        out[2..4].copy_from_slice(&template_id.to_le_bytes());
        out
    }

    /// Inserts `extra` bytes of unknown fixed fields after a block of `block_length` bytes and stamps
    /// the header with the longer block and `version`, as a newer sender would.
    pub(crate) fn extend_block(bytes: &[u8], block_length: u16, extra: u16, version: u16) -> Vec<u8> {
        let block_end = MessageHeader::ENCODED_LENGTH + usize::from(block_length);
        let mut out = with_header(&bytes[..block_end], block_length + extra, version);
        out.extend(std::iter::repeat_n(0xEE, usize::from(extra)));
        out.extend_from_slice(&bytes[block_end..]);
        out
    }

    /// Appends a var-data field (`u32` length + bytes).
    pub(crate) fn push_var(out: &mut Vec<u8>, value: &[u8]) {
        let length = u32::try_from(value.len()).expect("short test value");
        out.extend_from_slice(&length.to_le_bytes());
        out.extend_from_slice(value);
    }

    /// Rewrites the header's `blockLength` and `version`, as an older or newer sender would.
    pub(crate) fn with_header(bytes: &[u8], block_length: u16, version: u16) -> Vec<u8> {
        let mut out = bytes.to_vec();
        out[0..2].copy_from_slice(&block_length.to_le_bytes());
        out[6..8].copy_from_slice(&version.to_le_bytes());
        out
    }
}
