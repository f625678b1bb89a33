//! Counting names (failed steps, recommendation titles) with the reference's ordering: count
//! descending, ties in first-seen order.

/// Counts in first-seen order.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Counter {
    counts: Vec<(String, u64)>,
}

impl Counter {
    /// Counts one occurrence of `name`. A linear search: the names are a handful of gates or
    /// recommendation titles, where it beats hashing.
    pub fn add(&mut self, name: &str) {
        self.bump(name, 1);
    }

    fn bump(&mut self, name: &str, by: u64) {
        match self.counts.iter_mut().find(|(n, _)| n == name) {
            Some((_, count)) => *count += by,
            None => self.counts.push((name.to_string(), by)),
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
        self.counts
            .iter()
            .find(|(n, _)| n == name)
            .map_or(0, |(_, count)| *count)
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
}
