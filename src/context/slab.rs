//! A small generational slab: O(1) insert and remove by key, and a footprint bounded
//! by the most entries ever live at once (freed slots are reused).
//!
//! A context keeps its children and its cancel hooks in one each. A key names one
//! insertion: its slot index and that slot's generation at the time, so a stale key
//! (an `AfterFunc` stopped twice, a child dropped after its parent was cancelled and
//! its slab emptied) removes nothing, even once the slot holds something else.

/// Names one entry of a [`Slab`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Key {
    index: u32,
    generation: u32,
}

impl Key {
    /// A key that names no entry of any slab (its generation is never handed out).
    pub(super) const NONE: Key = Key {
        index: u32::MAX,
        generation: u32::MAX,
    };
}

struct Slot<T> {
    /// Bumped every time the slot is vacated; odd generations are never used, so
    /// `Key::NONE` (odd) matches nothing.
    generation: u32,
    /// The entry, or `None` with the slot on the free list.
    value: Option<T>,
}

/// Entries of type `T` by [`Key`].
pub(super) struct Slab<T> {
    slots: Vec<Slot<T>>,
    /// Indices of the vacant slots, the most recently vacated last.
    free: Vec<u32>,
    /// How many slots hold an entry.
    len: usize,
}

impl<T> Slab<T> {
    /// An empty slab (allocates nothing).
    pub(super) const fn new() -> Self {
        Slab {
            slots: Vec::new(),
            free: Vec::new(),
            len: 0,
        }
    }

    /// How many entries it holds.
    #[cfg_attr(not(test), allow(dead_code))]
    pub(super) fn len(&self) -> usize {
        self.len
    }

    /// How many slots it has (live or free): its footprint.
    #[cfg(test)]
    pub(super) fn capacity(&self) -> usize {
        self.slots.len()
    }

    /// Stores `value`; returns its key.
    pub(super) fn insert(&mut self, value: T) -> Key {
        self.len += 1;
        if let Some(index) = self.free.pop() {
            let slot = &mut self.slots[index as usize];
            debug_assert!(slot.value.is_none(), "bug: a free slot holds an entry");
            slot.value = Some(value);
            return Key {
                index,
                generation: slot.generation,
            };
        }
        let index = u32::try_from(self.slots.len())
            .ok()
            .filter(|&i| i != u32::MAX)
            .expect("gosync: more than 2^32 - 1 live children or hooks on one context");
        self.slots.push(Slot {
            generation: 0,
            value: Some(value),
        });
        Key {
            index,
            generation: 0,
        }
    }

    /// Takes out the entry `key` names, if it is still there.
    pub(super) fn remove(&mut self, key: Key) -> Option<T> {
        let slot = self.slots.get_mut(key.index as usize)?;
        if slot.generation != key.generation {
            return None;
        }
        let value = slot.value.take()?;
        // Even generations only (wrapping past u32::MAX - 1 back to 0).
        slot.generation = slot.generation.wrapping_add(2) & !1;
        self.free.push(key.index);
        self.len -= 1;
        Some(value)
    }

    /// Every entry, in slot order.
    pub(super) fn into_values(self) -> impl Iterator<Item = T> {
        self.slots.into_iter().filter_map(|s| s.value)
    }
}

#[cfg(all(test, not(gosync_loom)))]
mod tests {
    use super::*;

    #[test]
    fn insert_remove_reuses_slots_and_rejects_stale_keys() {
        let mut s = Slab::new();
        let a = s.insert('a');
        let b = s.insert('b');
        assert_eq!(s.len(), 2);
        assert_eq!(s.remove(a), Some('a'));
        assert_eq!(s.remove(a), None, "removed twice");
        let c = s.insert('c'); // reuses a's slot with a new generation
        assert_eq!(c.index, a.index);
        assert_ne!(c, a);
        assert_eq!(
            s.remove(a),
            None,
            "a stale key must not remove the new entry"
        );
        assert_eq!(s.remove(Key::NONE), None);
        assert_eq!(s.remove(b), Some('b'));
        let d = s.insert('d');
        assert_eq!(s.len(), 2);
        assert_eq!(s.into_values().collect::<Vec<_>>(), vec!['c', 'd']);
        let _ = d;
    }

    #[test]
    fn footprint_is_the_peak_not_the_total() {
        let mut s = Slab::new();
        for i in 0..10_000 {
            let k = s.insert(i);
            assert_eq!(s.remove(k), Some(i));
        }
        assert_eq!(s.slots.len(), 1);
        assert_eq!(s.len(), 0);
    }
}
