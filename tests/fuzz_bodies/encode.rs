//! The inverse of `arbitrary`'s decoding, for the named seeds: turns a script back into
//! the bytes that decode to it, so that hand-written scripts can be committed as seed
//! files (`tests/fuzz_replay.rs` checks the round trip and that the files are current).
//!
//! It follows `arbitrary` 1.x's format: integers little-endian, `bool` as the low bit
//! of a byte, an enum variant as a `u32` scaled onto the variant count, and each
//! collection element preceded by a "keep going" byte, ended by a 0 byte.

/// Bytes under construction.
#[derive(Debug, Default)]
pub(crate) struct Enc(pub(crate) Vec<u8>);

impl Enc {
    pub(crate) fn u8(&mut self, v: u8) {
        self.0.push(v);
    }

    pub(crate) fn bool(&mut self, v: bool) {
        self.0.push(u8::from(v));
    }

    /// Variant `index` of an enum with `count` variants: the smallest `u32` that
    /// `(x * count) >> 32` maps onto `index`.
    pub(crate) fn variant(&mut self, index: u32, count: u32) {
        assert!(index < count);
        let x = (u64::from(index) << 32).div_ceil(u64::from(count));
        self.0.extend_from_slice(&(x as u32).to_le_bytes());
    }

    /// A collection: each element behind a "keep going" byte, then a stop byte.
    pub(crate) fn seq<T>(&mut self, items: &[T], mut each: impl FnMut(&mut Self, &T)) {
        for item in items {
            self.0.push(1);
            each(self, item);
        }
        self.0.push(0);
    }
}
