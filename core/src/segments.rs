//! A sequence kept as closed, immutable segments shared behind `Arc`s plus one active segment,
//! as Kafka keeps a partition's log: appends go to the active segment, which is closed once it
//! holds `N` items. Closed segments are themselves gathered, `G` at a time, into shared
//! groups. Cloning copies the active segment, the pointers to the closed segments not yet in
//! a group (fewer than `G`) and one pointer per group, so the many checkpoints of a timeline
//! share every record they have in common and a clone's cost grows with the length only by
//! one pointer per `N * G` items.
//!
//! Removing from the front (retention) skips items of the first group (or of the first
//! segment when there is no group) and drops it once all of it is gone; truncating into a
//! closed segment copies its kept prefix into a new active segment (closed segments and groups
//! are never changed in place).

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::VecDeque;
use std::sync::Arc;

/// Closed segments per shared group, unless a type says otherwise.
pub const SEGMENTS_PER_GROUP: usize = 32;

type Segment<T> = Arc<Vec<T>>;

#[derive(Debug)]
pub struct Segmented<T, const N: usize, const G: usize = SEGMENTS_PER_GROUP> {
    /// Each group holds exactly `G` closed segments.
    groups: VecDeque<Arc<Vec<Segment<T>>>>,
    /// Closed segments not yet in a group: fewer than `G`, each of exactly `N` items.
    closed: Vec<Segment<T>>,
    /// Items removed from the front: of the first group if there is one, else of the first
    /// closed segment, else of the active segment. Less than `N * G` with groups, else `N`.
    head: usize,
    /// Fewer than `N` items.
    active: Vec<T>,
}

impl<T, const N: usize, const G: usize> Default for Segmented<T, N, G> {
    fn default() -> Self {
        Self {
            groups: VecDeque::new(),
            closed: Vec::new(),
            head: 0,
            active: Vec::new(),
        }
    }
}

impl<T: Clone, const N: usize, const G: usize> Clone for Segmented<T, N, G> {
    fn clone(&self) -> Self {
        Self {
            groups: self.groups.clone(),
            closed: self.closed.clone(),
            head: self.head,
            active: self.active.clone(),
        }
    }
}

/// Where an item is stored.
enum Place {
    /// Group, segment in it, index in the segment.
    Group(usize, usize, usize),
    /// Closed segment (not in a group), index in it.
    Closed(usize, usize),
    /// Index in the active segment.
    Active(usize),
}

impl<T, const N: usize, const G: usize> Segmented<T, N, G> {
    const NONZERO: () = assert!(N > 0 && G > 0, "a segment and a group hold at least one");
    const PER_GROUP: usize = N * G;

    pub fn new() -> Self {
        #[allow(clippy::let_unit_value)]
        let () = Self::NONZERO;
        Self::default()
    }

    pub fn len(&self) -> usize {
        self.groups.len() * Self::PER_GROUP + self.closed.len() * N + self.active.len() - self.head
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Closed segments (shared between clones), in groups or not.
    pub fn closed_segments(&self) -> usize {
        self.groups.len() * G + self.closed.len()
    }

    /// What a clone copies: pointers (to groups and to closed segments not in a group) and
    /// items (of the active segment).
    pub fn clone_cost(&self) -> (usize, usize) {
        (self.groups.len() + self.closed.len(), self.active.len())
    }

    /// Items in the active segment (copied by a clone).
    pub fn active_len(&self) -> usize {
        self.active.len()
    }

    pub fn push(&mut self, item: T) {
        self.active.push(item);
        if self.active.len() == N {
            let full = std::mem::replace(&mut self.active, Vec::with_capacity(N));
            self.closed.push(Arc::new(full));
            if self.closed.len() == G {
                let group = std::mem::replace(&mut self.closed, Vec::with_capacity(G));
                self.groups.push_back(Arc::new(group));
            }
        }
    }

    /// Where the `i`-th item (counting from the front) is, or would be appended.
    fn locate(&self, i: usize) -> Place {
        let p = self.head + i;
        let in_groups = self.groups.len() * Self::PER_GROUP;
        if p < in_groups {
            let r = p % Self::PER_GROUP;
            return Place::Group(p / Self::PER_GROUP, r / N, r % N);
        }
        let q = p - in_groups;
        if q < self.closed.len() * N {
            Place::Closed(q / N, q % N)
        } else {
            Place::Active(q - self.closed.len() * N)
        }
    }

    pub fn get(&self, i: usize) -> Option<&T> {
        if i >= self.len() {
            return None;
        }
        match self.locate(i) {
            Place::Group(g, s, o) => self.groups[g][s].get(o),
            Place::Closed(s, o) => self.closed[s].get(o),
            Place::Active(o) => self.active.get(o),
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
        self.slices_from(i).flat_map(|s| s.iter())
    }

    /// Where iterating from the `i`-th item starts: (first group, its first segment, index
    /// in it), (first closed segment, index in it), index in the active segment.
    #[allow(clippy::type_complexity)]
    fn starts(&self, i: usize) -> ((usize, usize, usize), (usize, usize), usize) {
        match self.locate(i.min(self.len())) {
            Place::Group(g, s, o) => ((g, s, o), (0, 0), 0),
            Place::Closed(s, o) => ((self.groups.len(), 0, 0), (s, o), 0),
            Place::Active(o) => ((self.groups.len(), 0, 0), (self.closed.len(), 0), o),
        }
    }

    /// Calls `f` with the items from the `i`-th on, slice by slice, until it returns false
    /// (a plain loop: cheaper than [`Segmented::slices_from`] where it matters, reads).
    fn each_slice_from(&self, i: usize, mut f: impl FnMut(&[T]) -> bool) {
        let ((g, mut s, mut o), (cs, mut co), ao) = self.starts(i);
        for group in self.groups.range(g..) {
            for seg in &group[s..] {
                if !f(&seg[o..]) {
                    return;
                }
                o = 0;
            }
            s = 0;
        }
        for seg in &self.closed[cs..] {
            if !f(&seg[co..]) {
                return;
            }
            co = 0;
        }
        f(&self.active[ao..]);
    }

    /// Items from the `i`-th on, as the contiguous slices they are stored in.
    pub fn slices_from(&self, i: usize) -> impl DoubleEndedIterator<Item = &[T]> + '_ {
        let ((g, gs, go), (cs, co), ao) = self.starts(i);
        self.groups
            .range(g..)
            .enumerate()
            .flat_map(move |(k, group)| {
                let from = if k == 0 { gs } else { 0 };
                group[from..].iter().enumerate().map(move |(j, seg)| {
                    if k == 0 && j == 0 {
                        &seg[go..]
                    } else {
                        &seg[..]
                    }
                })
            })
            .chain(
                self.closed[cs..]
                    .iter()
                    .enumerate()
                    .map(move |(j, seg)| if j == 0 { &seg[co..] } else { &seg[..] }),
            )
            .chain(std::iter::once(&self.active[ao..]))
    }

    /// Removes the first item (retention).
    pub fn pop_front(&mut self) {
        if self.is_empty() {
            return;
        }
        self.head += 1;
        if !self.groups.is_empty() {
            if self.head == Self::PER_GROUP {
                self.groups.pop_front();
                self.head = 0;
            }
        } else if self.head == N && !self.closed.is_empty() {
            // The first segment is all gone (closed, since the active one holds fewer than N).
            self.closed.remove(0);
            self.head = 0;
        }
    }
}

impl<T: Clone, const N: usize, const G: usize> Segmented<T, N, G> {
    /// Keeps the first `len` items.
    pub fn truncate(&mut self, len: usize) {
        if len >= self.len() {
            return;
        }
        match self.locate(len) {
            Place::Group(g, s, o) => {
                // Cut inside a group: its segments before the cut become the closed ones, the
                // kept prefix of the cut segment the active one.
                let group = self.groups[g].clone();
                self.groups.truncate(g);
                let mut first = 0;
                if self.groups.is_empty() {
                    // `head` now counts into the first closed segment: drop the removed ones.
                    first = self.head / N;
                    self.head %= N;
                }
                self.closed = group[first..s].to_vec();
                let mut active = Vec::with_capacity(N);
                active.extend_from_slice(&group[s][..o]);
                self.active = active;
            }
            Place::Closed(s, o) => {
                let mut active = Vec::with_capacity(N);
                active.extend_from_slice(&self.closed[s][..o]);
                self.closed.truncate(s);
                self.active = active;
            }
            Place::Active(o) => self.active.truncate(o),
        }
    }

    pub fn to_vec(&self) -> Vec<T> {
        self.iter().cloned().collect()
    }

    /// Copies of at most `max` items from the `i`-th on.
    pub fn read(&self, i: usize, max: usize) -> Vec<T> {
        let mut left = max.min(self.len().saturating_sub(i));
        let mut out = Vec::with_capacity(left);
        if left == 0 {
            return out;
        }
        self.each_slice_from(i, |slice| {
            let take = left.min(slice.len());
            out.extend_from_slice(&slice[..take]);
            left -= take;
            left > 0
        });
        out
    }
}

impl<T, const N: usize, const G: usize> FromIterator<T> for Segmented<T, N, G> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        let mut s = Self::new();
        for item in iter {
            s.push(item);
        }
        s
    }
}

impl<T: PartialEq, const N: usize, const G: usize> PartialEq for Segmented<T, N, G> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl<T: Eq, const N: usize, const G: usize> Eq for Segmented<T, N, G> {}

impl<T: Serialize, const N: usize, const G: usize> Serialize for Segmented<T, N, G> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

impl<'de, T: Deserialize<'de>, const N: usize, const G: usize> Deserialize<'de>
    for Segmented<T, N, G>
{
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Vec::<T>::deserialize(d)?.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    fn behaves_like_a_deque<const N: usize, const G: usize>() {
        for seed in 0..200u64 {
            let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(seed);
            let mut s: Segmented<u32, N, G> = Segmented::new();
            let mut model: VecDeque<u32> = VecDeque::new();
            let mut clones: Vec<(Segmented<u32, N, G>, VecDeque<u32>)> = Vec::new();
            for step in 0..300u32 {
                match rng.random_range(0..12) {
                    0..=7 => {
                        s.push(step);
                        model.push_back(step);
                    }
                    8 | 9 => {
                        s.pop_front();
                        model.pop_front();
                    }
                    10 => {
                        let len = rng.random_range(0..=model.len());
                        s.truncate(len);
                        model.truncate(len);
                    }
                    _ => clones.push((s.clone(), model.clone())),
                }
                assert_eq!(s.len(), model.len(), "seed {seed} step {step}");
                assert!(s.iter().eq(model.iter()), "seed {seed} step {step}");
                assert!(
                    s.iter().rev().eq(model.iter().rev()),
                    "seed {seed} step {step}"
                );
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
                assert_eq!(s.first(), model.front(), "seed {seed}");
            }
            // Clones are unaffected by what happened to the original afterwards.
            for (c, m) in &clones {
                assert!(c.iter().eq(m.iter()), "seed {seed}");
            }
        }
    }

    #[test]
    fn behaves_like_a_deque_under_random_pushes_pops_and_truncations() {
        behaves_like_a_deque::<4, 32>();
        behaves_like_a_deque::<4, 2>();
        behaves_like_a_deque::<2, 3>();
        behaves_like_a_deque::<1, 1>();
        behaves_like_a_deque::<3, 1>();
    }

    #[test]
    fn a_clone_shares_closed_segments_and_groups() {
        let s: Segmented<u32, 4, 2> = (0..22).collect();
        // 22 items: 2 groups of 2 segments of 4, 1 closed segment, 2 active.
        assert_eq!(s.closed_segments(), 5);
        assert_eq!(s.clone_cost(), (3, 2));
        let c = s.clone();
        assert!(Arc::ptr_eq(&s.groups[0], &c.groups[0]));
        assert!(Arc::ptr_eq(&s.groups[1], &c.groups[1]));
        assert!(Arc::ptr_eq(&s.closed[0], &c.closed[0]));
        assert!(c.iter().copied().eq(0..22));
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
