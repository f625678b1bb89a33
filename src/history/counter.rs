//! Counting names (failed steps, recommendation titles) with the reference's ordering: count
//! descending, ties in first-seen order.

use std::collections::HashMap;

/// Counts in first-seen order.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Counter {
    counts: Vec<(String, u64)>,
    /// Where each name is in `counts`, so that counting stays linear however many distinct
    /// names a hand-made row brings (rebuilt after deserialising).
    #[serde(skip)]
    index: HashMap<String, usize>,
}

impl PartialEq for Counter {
    fn eq(&self, other: &Counter) -> bool {
        self.counts == other.counts
    }
}

impl Counter {
    /// Counts one occurrence of `name`.
    pub fn add(&mut self, name: &str) {
        self.bump(name, 1);
    }

    fn bump(&mut self, name: &str, by: u64) {
        if self.index.len() != self.counts.len() {
            self.index = (self.counts.iter().enumerate())
                .map(|(i, (n, _))| (n.clone(), i))
                .collect();
        }
        match self.index.get(name) {
            Some(&i) => self.counts[i].1 += by,
            None => {
                self.index.insert(name.to_string(), self.counts.len());
                self.counts.push((name.to_string(), by));
            }
        }
    }

    /// Adds `other`'s counts; its new names come after this one's.
    pub fn merge(&mut self, other: Counter) {
        for (name, count) in &other.counts {
            self.bump(name, *count);
        }
    }

    /// How often `name` was counted.
    pub fn get(&self, name: &str) -> u64 {
        match self.index.get(name) {
            Some(&i) if self.index.len() == self.counts.len() => self.counts[i].1,
            _ => self
                .counts
                .iter()
                .find(|(n, _)| n == name)
                .map_or(0, |(_, count)| *count),
        }
    }

    /// The `limit` most frequent names, count descending, ties in first-seen order.
    pub fn top(&self, limit: usize) -> Vec<(String, u64)> {
        let mut sorted = self.counts.clone();
        sorted.sort_by_key(|entry| std::cmp::Reverse(entry.1));
        sorted.truncate(limit);
        sorted
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ties_keep_first_seen_order() {
        let mut c = Counter::default();
        for name in ["gate-fast", "gate-release", "doctor", "doctor", "gate-fast"] {
            c.add(name);
        }
        let top = c.top(2);
        assert_eq!(top, vec![("gate-fast".into(), 2), ("doctor".into(), 2)]);
    }

    #[test]
    fn a_counter_read_back_keeps_counting_in_place() {
        let mut c = Counter::default();
        c.add("a");
        c.add("b");
        let mut back: Counter = serde_json::from_str(&serde_json::to_string(&c).unwrap()).unwrap();
        assert_eq!((back.get("a"), back.get("b"), back.get("c")), (1, 1, 0));
        back.add("b");
        back.add("c");
        assert_eq!(
            back.top(3),
            vec![("b".into(), 2), ("a".into(), 1), ("c".into(), 1)]
        );
    }
}
