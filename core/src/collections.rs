//! Small ordered collections for the simulator state.
//!
//! The maps are [`LiteMap`]s (a sorted `Vec` of pairs, binary search) rather than `BTreeMap`s:
//! they iterate in key order just the same, so the simulation stays deterministic, and each
//! key/value type costs far less code than a B-tree (the browser build's size). [`SortedSet`]
//! is the set counterpart, a sorted `Vec` without duplicates.
//!
//! Inserting or removing in the middle moves the tail, so a map that grows large with keys in
//! no particular order stays a `BTreeMap` (the ZooKeeper data tree).

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::borrow::Borrow;
use std::cmp::Ordering;
use std::fmt;

pub use litemap::LiteMap;

/// The few `BTreeMap` conveniences the simulator uses that [`LiteMap`] lacks.
pub trait LiteMapExt<K, V> {
    /// The values, in key order, mutably.
    fn values_mut<'a>(&'a mut self) -> impl DoubleEndedIterator<Item = &'a mut V>
    where
        K: 'a,
        V: 'a;
    /// The values, in key order, by value.
    fn into_values(self) -> impl DoubleEndedIterator<Item = V>;
    /// The stored key and its value.
    fn get_key_value<Q: Ord + ?Sized>(&self, key: &Q) -> Option<(&K, &V)>
    where
        K: Borrow<Q>;
}

impl<K: Ord, V> LiteMapExt<K, V> for LiteMap<K, V> {
    fn values_mut<'a>(&'a mut self) -> impl DoubleEndedIterator<Item = &'a mut V>
    where
        K: 'a,
        V: 'a,
    {
        self.iter_mut().map(|(_, v)| v)
    }

    fn into_values(self) -> impl DoubleEndedIterator<Item = V> {
        self.into_iter().map(|(_, v)| v)
    }

    fn get_key_value<Q: Ord + ?Sized>(&self, key: &Q) -> Option<(&K, &V)>
    where
        K: Borrow<Q>,
    {
        self.get_indexed(self.find_index(key).ok()?)
    }
}

/// Collects pairs into a [`LiteMap`] as `BTreeMap`'s `collect` does: by key, the last of equal
/// keys winning. Use it rather than `collect()`: `LiteMap`'s `FromIterator` compiles a stable
/// sort for every key/value type, this one shares [`sort_by`]'s. Input already in key order
/// (the usual case: another map's entries) is taken as it is.
pub fn map_from_iter<K: Ord, V>(pairs: impl IntoIterator<Item = (K, V)>) -> LiteMap<K, V> {
    let mut pairs: Vec<(K, V)> = pairs.into_iter().collect();
    if !pairs.windows(2).all(|w| w[0].0 < w[1].0) {
        sort_by(&mut pairs, |a, b| a.0.cmp(&b.0));
        // `dedup_by` drops the later of two equal keys; swapping first keeps the later pair.
        pairs.dedup_by(|later, earlier| {
            let equal = later.0 == earlier.0;
            if equal {
                std::mem::swap(later, earlier);
            }
            equal
        });
    }
    LiteMap::from_sorted_store_unchecked(pairs)
}

/// Sorts `v` stably by `compare`, like `slice::sort_by`, but with one sort routine for every
/// element type: it sorts indices through a `dyn` comparison, then moves the elements into
/// place. `slice::sort_by` compiles a whole sort (some 6 KB of wasm) per element type and
/// comparison, which the browser build pays for each of them.
pub fn sort_by<T>(v: &mut [T], mut compare: impl FnMut(&T, &T) -> Ordering) {
    if v.len() < 2 {
        return;
    }
    let elements: &[T] = v;
    let order = sorted_indices(v.len(), &mut |a, b| compare(&elements[a], &elements[b]));
    permute(v, order);
}

/// `sort_by` with a key, like `slice::sort_by_key` (stable).
pub fn sort_by_key<T, K: Ord>(v: &mut [T], mut key: impl FnMut(&T) -> K) {
    sort_by(v, |a, b| key(a).cmp(&key(b)));
}

/// `sort_by` in ascending order, like `slice::sort` (and, as equal elements of the types it is
/// used on are indistinguishable, like `slice::sort_unstable`).
pub fn sort<T: Ord>(v: &mut [T]) {
    sort_by(v, T::cmp);
}

/// The indices `0..n` stably sorted by `compare` (not generic: compiled once).
fn sorted_indices(n: usize, compare: &mut dyn FnMut(usize, usize) -> Ordering) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| compare(a, b));
    order
}

/// Rearranges `v` so that position `i` holds what was at `order[i]` (a permutation of the
/// indices), following each cycle with swaps.
fn permute<T>(v: &mut [T], mut order: Vec<usize>) {
    for start in 0..v.len() {
        let mut at = start;
        loop {
            let from = order[at];
            order[at] = at;
            if from == start {
                break;
            }
            v.swap(at, from);
            at = from;
        }
    }
}

/// Serialises a [`LiteMap`] as a map, as `BTreeMap` does. `LiteMap`'s own impl writes a
/// sequence of pairs to human-readable formats when the first key is not a number or string,
/// and so when the map is empty: `[]` rather than `{}` in JSON. For
/// `#[serde(serialize_with = "crate::collections::serialize_as_map")]`.
pub fn serialize_as_map<K: Serialize, V: Serialize, S: Serializer>(
    map: &LiteMap<K, V>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_map(map.iter())
}

/// A set of `T` kept as a sorted `Vec` without duplicates; iterates in ascending order like
/// `BTreeSet`. Serialises as a sequence.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct SortedSet<T>(Vec<T>);

impl<T> SortedSet<T> {
    pub const fn new() -> Self {
        SortedSet(Vec::new())
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Ascending.
    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        self.0.iter()
    }

    /// The smallest element.
    pub fn first(&self) -> Option<&T> {
        self.0.first()
    }

    /// The largest element.
    pub fn last(&self) -> Option<&T> {
        self.0.last()
    }

    /// Keeps the elements for which `keep` holds, in order.
    pub fn retain(&mut self, keep: impl FnMut(&T) -> bool) {
        self.0.retain(keep);
    }

    pub fn clear(&mut self) {
        self.0.clear();
    }

    /// The elements in ascending order.
    pub fn as_slice(&self) -> &[T] {
        &self.0
    }
}

impl<T: Ord> SortedSet<T> {
    fn find<Q: Ord + ?Sized>(&self, value: &Q) -> Result<usize, usize>
    where
        T: Borrow<Q>,
    {
        self.0.binary_search_by(|e| e.borrow().cmp(value))
    }

    /// Adds `value`; false (and the set unchanged) if it was already there.
    pub fn insert(&mut self, value: T) -> bool {
        // Appending in ascending order (the common case) costs one comparison.
        if self.0.last().is_none_or(|l| *l < value) {
            self.0.push(value);
            return true;
        }
        match self.find(&value) {
            Ok(_) => false,
            Err(i) => {
                self.0.insert(i, value);
                true
            }
        }
    }

    /// Removes `value`; false if it was not there.
    pub fn remove<Q: Ord + ?Sized>(&mut self, value: &Q) -> bool
    where
        T: Borrow<Q>,
    {
        match self.find(value) {
            Ok(i) => {
                self.0.remove(i);
                true
            }
            Err(_) => false,
        }
    }

    pub fn contains<Q: Ord + ?Sized>(&self, value: &Q) -> bool
    where
        T: Borrow<Q>,
    {
        self.find(value).is_ok()
    }

    /// Removes and returns the smallest element.
    pub fn pop_first(&mut self) -> Option<T> {
        if self.0.is_empty() {
            None
        } else {
            Some(self.0.remove(0))
        }
    }
}

impl<T> Default for SortedSet<T> {
    fn default() -> Self {
        SortedSet::new()
    }
}

/// Like `BTreeSet`: `{a, b}`.
impl<T: fmt::Debug> fmt::Debug for SortedSet<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(&self.0).finish()
    }
}

impl<T: Ord> Extend<T> for SortedSet<T> {
    fn extend<I: IntoIterator<Item = T>>(&mut self, iter: I) {
        let sorted = self.0.len();
        self.0.extend(iter);
        // Already ascending without duplicates (the common case): nothing to do.
        if self.0[sorted.saturating_sub(1)..]
            .windows(2)
            .all(|w| w[0] < w[1])
        {
            return;
        }
        sort_by(&mut self.0, T::cmp);
        self.0.dedup();
    }
}

impl<T: Ord> FromIterator<T> for SortedSet<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        let mut set = SortedSet::new();
        set.extend(iter);
        set
    }
}

impl<T: Ord, const N: usize> From<[T; N]> for SortedSet<T> {
    fn from(values: [T; N]) -> Self {
        values.into_iter().collect()
    }
}

impl<T> IntoIterator for SortedSet<T> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a, T> IntoIterator for &'a SortedSet<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl<T: Serialize> Serialize for SortedSet<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

/// Accepts any sequence, sorting it and dropping duplicates as `BTreeSet` does.
impl<'de, T: Deserialize<'de> + Ord> Deserialize<'de> for SortedSet<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Vec::<T>::deserialize(deserializer).map(|v| v.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// Every operation agrees with `BTreeSet` on a pseudo-random sequence.
    #[test]
    fn matches_btreeset() {
        let mut ours = SortedSet::new();
        let mut theirs = BTreeSet::new();
        let mut x: u32 = 7;
        for step in 0..2_000 {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            let v = (x >> 16) % 64;
            match step % 5 {
                0..=2 => assert_eq!(ours.insert(v), theirs.insert(v)),
                3 => assert_eq!(ours.remove(&v), theirs.remove(&v)),
                _ => assert_eq!(ours.contains(&v), theirs.contains(&v)),
            }
            assert_eq!(ours.len(), theirs.len());
            assert_eq!(ours.first(), theirs.first());
            assert_eq!(ours.last(), theirs.last());
        }
        assert!(ours.iter().eq(theirs.iter()));
        ours.retain(|v| v % 3 == 0);
        theirs.retain(|v| v % 3 == 0);
        assert!(ours.iter().eq(theirs.iter()));
        assert_eq!(ours.pop_first(), theirs.pop_first());
        assert_eq!(format!("{ours:?}"), format!("{theirs:?}"));
    }

    #[test]
    fn collect_and_extend_sort_and_dedup() {
        let s: SortedSet<i32> = [5, 1, 3, 1, 5, 2].into_iter().collect();
        assert_eq!(s.as_slice(), [1, 2, 3, 5]);
        let mut t = SortedSet::from([1, 2]);
        t.extend([3, 4]);
        assert_eq!(t.as_slice(), [1, 2, 3, 4]);
        t.extend([0, 2, 9]);
        assert_eq!(t.as_slice(), [0, 1, 2, 3, 4, 9]);
        assert!(SortedSet::<i32>::new().is_empty());
        assert_eq!(SortedSet::<i32>::default(), SortedSet::from([]));
        assert_eq!(t.into_iter().rev().collect::<Vec<_>>(), [9, 4, 3, 2, 1, 0]);
    }

    #[test]
    fn serde_is_a_sequence() {
        let s = SortedSet::from([3, 1, 2]);
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(json, "[1,2,3]");
        let back: SortedSet<i32> = serde_json::from_str("[3,3,1,2]").unwrap();
        assert_eq!(back, s);
    }

    #[test]
    fn maps_serialise_as_maps_even_when_empty() {
        #[derive(Serialize)]
        struct S {
            #[serde(serialize_with = "serialize_as_map")]
            m: LiteMap<String, u32>,
        }
        let mut s = S {
            m: LiteMap::new_vec(),
        };
        assert_eq!(serde_json::to_string(&s).unwrap(), r#"{"m":{}}"#);
        s.m.insert("b".into(), 2);
        s.m.insert("a".into(), 1);
        assert_eq!(serde_json::to_string(&s).unwrap(), r#"{"m":{"a":1,"b":2}}"#);
    }

    /// `sort_by` and `sort_by_key` agree with the standard library's stable sorts.
    #[test]
    fn shared_sort_is_stable_and_matches_std() {
        let mut x: u32 = 11;
        for len in 0..200 {
            let v: Vec<(u32, usize)> = (0..len)
                .map(|i| {
                    x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                    ((x >> 16) % 10, i)
                })
                .collect();
            let mut ours = v.clone();
            let mut theirs = v.clone();
            sort_by_key(&mut ours, |e| e.0);
            theirs.sort_by_key(|e| e.0);
            assert_eq!(ours, theirs);
            let mut ours = v.clone();
            let mut theirs = v;
            sort_by(&mut ours, |a, b| b.cmp(a));
            theirs.sort_by(|a, b| b.cmp(a));
            assert_eq!(ours, theirs);
        }
    }

    /// `map_from_iter` equals collecting into a `BTreeMap`: sorted, the last duplicate wins.
    #[test]
    fn map_from_iter_matches_btreemap_collect() {
        use std::collections::BTreeMap;
        let mut x: u32 = 3;
        for len in 0..100 {
            let pairs: Vec<(u32, usize)> = (0..len)
                .map(|i| {
                    x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                    ((x >> 16) % 16, i)
                })
                .collect();
            let ours = map_from_iter(pairs.clone());
            let theirs: BTreeMap<u32, usize> = pairs.into_iter().collect();
            assert!(ours.iter().eq(theirs.iter()));
        }
        let sorted = map_from_iter([(1, 'a'), (2, 'b')]);
        assert_eq!(sorted.as_slice(), [(1, 'a'), (2, 'b')]);
    }

    #[test]
    fn borrowed_lookups() {
        let mut s: SortedSet<String> = ["b".to_owned(), "a".to_owned()].into_iter().collect();
        assert!(s.contains("a"));
        assert!(s.remove("b"));
        assert!(!s.remove("b"));
        assert_eq!(s.iter().collect::<Vec<_>>(), ["a"]);
    }
}
