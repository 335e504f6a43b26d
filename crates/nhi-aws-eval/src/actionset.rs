//! A growable bitset of action ids.

#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct ActionSet {
    words: Vec<u64>,
}

impl ActionSet {
    pub fn new() -> Self {
        ActionSet::default()
    }

    pub fn full(len: usize) -> Self {
        let mut s = ActionSet {
            words: vec![u64::MAX; len / 64],
        };
        let rem = len % 64;
        if rem != 0 {
            s.words.push((1u64 << rem) - 1);
        }
        s
    }

    pub fn insert(&mut self, id: u32) {
        let (w, b) = (id as usize / 64, id % 64);
        if self.words.len() <= w {
            self.words.resize(w + 1, 0);
        }
        self.words[w] |= 1 << b;
    }

    pub fn contains(&self, id: u32) -> bool {
        self.words
            .get(id as usize / 64)
            .is_some_and(|w| w & (1 << (id % 64)) != 0)
    }

    pub fn is_empty(&self) -> bool {
        self.words.iter().all(|w| *w == 0)
    }

    pub fn len(&self) -> usize {
        self.words.iter().map(|w| w.count_ones() as usize).sum()
    }

    pub fn union_with(&mut self, other: &ActionSet) {
        if self.words.len() < other.words.len() {
            self.words.resize(other.words.len(), 0);
        }
        for (a, b) in self.words.iter_mut().zip(&other.words) {
            *a |= b;
        }
    }

    pub fn intersect(&self, other: &ActionSet) -> ActionSet {
        ActionSet {
            words: self
                .words
                .iter()
                .zip(&other.words)
                .map(|(a, b)| a & b)
                .collect(),
        }
    }

    pub fn difference(&self, other: &ActionSet) -> ActionSet {
        ActionSet {
            words: self
                .words
                .iter()
                .enumerate()
                .map(|(i, a)| a & !other.words.get(i).copied().unwrap_or(0))
                .collect(),
        }
    }

    pub fn is_superset(&self, other: &ActionSet) -> bool {
        other
            .words
            .iter()
            .enumerate()
            .all(|(i, b)| b & !self.words.get(i).copied().unwrap_or(0) == 0)
    }

    pub fn intersects(&self, other: &ActionSet) -> bool {
        self.words.iter().zip(&other.words).any(|(a, b)| a & b != 0)
    }

    pub fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        self.words.iter().enumerate().flat_map(|(i, &w)| {
            let mut w = w;
            std::iter::from_fn(move || {
                if w == 0 {
                    return None;
                }
                let b = w.trailing_zeros();
                w &= w - 1;
                Some(i as u32 * 64 + b)
            })
        })
    }
}

impl FromIterator<u32> for ActionSet {
    fn from_iter<T: IntoIterator<Item = u32>>(iter: T) -> Self {
        let mut s = ActionSet::new();
        for id in iter {
            s.insert(id);
        }
        s
    }
}
