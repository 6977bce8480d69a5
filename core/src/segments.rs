//! A sequence kept as closed, immutable segments shared behind `Arc`s plus one active segment,
//! as Kafka keeps a partition's log: appends go to the active segment, which is closed once it
//! holds `N` items. Cloning copies the active segment and one pointer per closed segment, so
//! the many checkpoints of a timeline share every record they have in common.
//!
//! Removing from the front (retention) skips items of the first segment and drops it once
//! all of it is gone; truncating into a closed segment copies its kept prefix into a new
//! active segment (closed segments are never changed in place).

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::VecDeque;
use std::sync::Arc;

#[derive(Debug)]
pub struct Segmented<T, const N: usize> {
    /// Each closed segment holds exactly `N` items.
    closed: VecDeque<Arc<Vec<T>>>,
    /// Items removed from the front of the first segment (closed, or the active one if none).
    head: usize,
    /// Fewer than `N` items.
    active: Vec<T>,
}

impl<T, const N: usize> Default for Segmented<T, N> {
    fn default() -> Self {
        Self {
            closed: VecDeque::new(),
            head: 0,
            active: Vec::new(),
        }
    }
}

impl<T: Clone, const N: usize> Clone for Segmented<T, N> {
    fn clone(&self) -> Self {
        Self {
            closed: self.closed.clone(),
            head: self.head,
            active: self.active.clone(),
        }
    }
}

impl<T, const N: usize> Segmented<T, N> {
    const NONZERO: () = assert!(N > 0, "a segment holds at least one item");

    pub fn new() -> Self {
        #[allow(clippy::let_unit_value)]
        let () = Self::NONZERO;
        Self::default()
    }

    pub fn len(&self) -> usize {
        self.closed.len() * N + self.active.len() - self.head
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Closed segments (shared between clones).
    pub fn closed_segments(&self) -> usize {
        self.closed.len()
    }

    /// Items in the active segment (copied by a clone).
    pub fn active_len(&self) -> usize {
        self.active.len()
    }

    pub fn push(&mut self, item: T) {
        self.active.push(item);
        if self.active.len() == N {
            let full = std::mem::replace(&mut self.active, Vec::with_capacity(N));
            self.closed.push_back(Arc::new(full));
        }
    }

    /// The segment and index inside it of the `i`-th item (counting from the front).
    fn locate(&self, i: usize) -> (usize, usize) {
        let p = self.head + i;
        (p / N, p % N)
    }

    pub fn get(&self, i: usize) -> Option<&T> {
        if i >= self.len() {
            return None;
        }
        let (s, o) = self.locate(i);
        match self.closed.get(s) {
            Some(seg) => seg.get(o),
            None => self.active.get(o),
        }
    }

    pub fn first(&self) -> Option<&T> {
        self.get(0)
    }

    pub fn last(&self) -> Option<&T> {
        self.len().checked_sub(1).and_then(|i| self.get(i))
    }

    /// Every item, front to back.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &T> + '_ {
        self.iter_from(0)
    }

    /// Items from the `i`-th on.
    pub fn iter_from(&self, i: usize) -> impl DoubleEndedIterator<Item = &T> + '_ {
        let i = i.min(self.len());
        let (s, o) = self.locate(i);
        let (in_closed, in_active) = if s < self.closed.len() {
            (o, 0)
        } else {
            (0, o)
        };
        let mut closed = self.closed.range(s.min(self.closed.len())..);
        let first: &[T] = closed.next().map_or(&[], |seg| &seg[in_closed..]);
        first
            .iter()
            .chain(closed.flat_map(|seg| seg.iter()))
            .chain(self.active[in_active.min(self.active.len())..].iter())
    }

    /// Items from the `i`-th on, as the contiguous slices they are stored in.
    pub fn slices_from(&self, i: usize) -> impl Iterator<Item = &[T]> + '_ {
        let i = i.min(self.len());
        let (s, o) = self.locate(i);
        let closed_from = s.min(self.closed.len());
        let active_from = if s < self.closed.len() { 0 } else { o };
        self.closed
            .range(closed_from..)
            .enumerate()
            .map(move |(k, seg)| if k == 0 { &seg[o..] } else { &seg[..] })
            .chain(std::iter::once(
                &self.active[active_from.min(self.active.len())..],
            ))
    }

    /// Removes the first item (retention).
    pub fn pop_front(&mut self) {
        if self.is_empty() {
            return;
        }
        self.head += 1;
        if self.head == N {
            // The first segment is all gone (closed, since the active one holds fewer than N).
            self.closed.pop_front();
            self.head = 0;
        }
    }
}

impl<T: Clone, const N: usize> Segmented<T, N> {
    /// Keeps the first `len` items.
    pub fn truncate(&mut self, len: usize) {
        if len >= self.len() {
            return;
        }
        let (s, o) = self.locate(len);
        if s < self.closed.len() {
            // Cut inside a closed segment: its kept prefix becomes the active segment.
            let mut active = Vec::with_capacity(N);
            active.extend_from_slice(&self.closed[s][..o]);
            self.closed.truncate(s);
            self.active = active;
        } else {
            self.active.truncate(o);
        }
    }

    pub fn to_vec(&self) -> Vec<T> {
        self.iter().cloned().collect()
    }

    /// Copies of at most `max` items from the `i`-th on.
    pub fn read(&self, i: usize, max: usize) -> Vec<T> {
        let mut left = max.min(self.len().saturating_sub(i));
        let mut out = Vec::with_capacity(left);
        for slice in self.slices_from(i) {
            if left == 0 {
                break;
            }
            let take = left.min(slice.len());
            out.extend_from_slice(&slice[..take]);
            left -= take;
        }
        out
    }
}

impl<T, const N: usize> FromIterator<T> for Segmented<T, N> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        let mut s = Self::new();
        for item in iter {
            s.push(item);
        }
        s
    }
}

impl<T: PartialEq, const N: usize> PartialEq for Segmented<T, N> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl<T: Serialize, const N: usize> Serialize for Segmented<T, N> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

impl<'de, T: Deserialize<'de>, const N: usize> Deserialize<'de> for Segmented<T, N> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Vec::<T>::deserialize(d)?.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    #[test]
    fn behaves_like_a_deque_under_random_pushes_pops_and_truncations() {
        for seed in 0..200u64 {
            let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(seed);
            let mut s: Segmented<u32, 4> = Segmented::new();
            let mut model: VecDeque<u32> = VecDeque::new();
            let mut clones: Vec<(Segmented<u32, 4>, VecDeque<u32>)> = Vec::new();
            for step in 0..300u32 {
                match rng.random_range(0..10) {
                    0..=5 => {
                        s.push(step);
                        model.push_back(step);
                    }
                    6 | 7 => {
                        s.pop_front();
                        model.pop_front();
                    }
                    8 => {
                        let len = rng.random_range(0..=model.len());
                        s.truncate(len);
                        model.truncate(len);
                    }
                    _ => clones.push((s.clone(), model.clone())),
                }
                assert_eq!(s.len(), model.len(), "seed {seed} step {step}");
                assert!(s.iter().eq(model.iter()), "seed {seed} step {step}");
                let i = rng.random_range(0..=model.len());
                assert_eq!(s.get(i), model.get(i), "seed {seed} step {step}");
                assert!(
                    s.iter_from(i).eq(model.iter().skip(i)),
                    "seed {seed} step {step}"
                );
                let max = rng.random_range(0..6);
                assert_eq!(
                    s.read(i, max),
                    model.iter().skip(i).take(max).copied().collect::<Vec<_>>(),
                    "seed {seed} step {step}"
                );
                assert_eq!(s.last(), model.back(), "seed {seed}");
            }
            // Clones are unaffected by what happened to the original afterwards.
            for (c, m) in &clones {
                assert!(c.iter().eq(m.iter()), "seed {seed}");
            }
        }
    }

    #[test]
    fn a_clone_shares_closed_segments() {
        let s: Segmented<u32, 4> = (0..10).collect();
        assert_eq!((s.closed_segments(), s.active_len()), (2, 2));
        let c = s.clone();
        assert!(Arc::ptr_eq(&s.closed[0], &c.closed[0]));
        assert!(Arc::ptr_eq(&s.closed[1], &c.closed[1]));
    }

    #[test]
    fn serializes_as_a_plain_sequence() {
        let mut s: Segmented<u32, 2> = (0..5).collect();
        s.pop_front();
        assert_eq!(serde_json::to_string(&s).unwrap(), "[1,2,3,4]");
        let back: Segmented<u32, 2> = serde_json::from_str("[1,2,3,4]").unwrap();
        assert_eq!(back, s);
    }
}
