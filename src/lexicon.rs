//! The gambling-spam lexicon (`data/lexicon.tsv`, embedded at build time):
//! Korean site and game names, genres, suffixes and calls to action, and the
//! ASCII stems and shapes of the domains spam advertises.
//!
//! Head terms (names and genres) are partitioned into train, dev and test
//! sets by [`Lexicon::head_split`], so that test spam is composed from terms
//! the training data never used. Head terms that share a substring (`야마토`,
//! `야마토2`, `우주전함야마토`) form one group and stay together; groups
//! holding a term flagged `train` are pinned to train; the other groups are
//! ordered by a fixed hash of their first term and dealt out so that about
//! 70% of the terms go to train, 15% to dev and 15% to test. Suffixes, stems
//! and domain shapes are shared by all splits.

use std::sync::OnceLock;

use crate::chars::is_hangul;
use crate::error::{Error, Result};

/// The embedded lexicon file.
pub const LEXICON_TSV: &str = include_str!("../data/lexicon.tsv");

/// What a lexicon term is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// A site, game or brand name (head term): `바다이야기`.
    Name,
    /// A kind of gambling or venue (head term): `릴게임`, `바카라`.
    Genre,
    /// Glued after a head: `사이트`, `5만`, `바로가기`.
    Suffix,
    /// An ASCII domain stem: `sogo`.
    Stem,
    /// A domain shape with `{stem}`, `{stem2}`, `{num}` holes.
    Domain,
}

/// A data split.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Split {
    /// Terms the model trains on.
    Train,
    /// Terms the thresholds are chosen on.
    Dev,
    /// Terms held out for evaluation.
    Test,
}

impl Split {
    /// Every split, in order.
    pub const ALL: [Split; 3] = [Split::Train, Split::Dev, Split::Test];

    /// Its name in file names and CSV columns.
    pub fn name(self) -> &'static str {
        match self {
            Split::Train => "train",
            Split::Dev => "dev",
            Split::Test => "test",
        }
    }
}

/// One line of the lexicon.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// What the term is (a name, a genre, a suffix, ...).
    pub role: Role,
    /// The term as written.
    pub term: String,
    /// Flagged `train`: its group is pinned to the training split.
    pub pin_train: bool,
}

/// The parsed lexicon with its head-term partition.
#[derive(Debug, Clone)]
pub struct Lexicon {
    /// Every line, in file order.
    pub entries: Vec<Entry>,
    /// For each head term (names then genres, file order), its split.
    head_splits: Vec<(String, Role, Split)>,
}

impl Lexicon {
    /// The lexicon embedded from `data/lexicon.tsv`.
    pub fn embedded() -> &'static Lexicon {
        static LEX: OnceLock<Lexicon> = OnceLock::new();
        LEX.get_or_init(|| Lexicon::parse(LEXICON_TSV).expect("data/lexicon.tsv is valid"))
    }

    /// Parses lexicon TSV text (see `data/lexicon.tsv` for the format).
    pub fn parse(text: &str) -> Result<Lexicon> {
        let mut entries = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim_end_matches('\r');
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let bad = |reason: String| Error::Data {
                path: "data/lexicon.tsv".into(),
                line: i as u64 + 1,
                reason,
            };
            let mut cols = line.split('\t');
            let role = match cols.next().unwrap_or("") {
                "name" => Role::Name,
                "genre" => Role::Genre,
                "suffix" => Role::Suffix,
                "stem" => Role::Stem,
                "domain" => Role::Domain,
                other => return Err(bad(format!("unknown role {other:?}"))),
            };
            let term = cols.next().unwrap_or("").trim().to_string();
            if term.is_empty() || term.contains(char::is_whitespace) {
                return Err(bad(format!("empty term or whitespace in {term:?}")));
            }
            let pin_train = match cols.next().map(str::trim) {
                None | Some("") => false,
                Some("train") => true,
                Some(f) => return Err(bad(format!("unknown flag {f:?}"))),
            };
            if matches!(role, Role::Stem | Role::Domain) != term.is_ascii() {
                return Err(bad(format!(
                    "{role:?} terms must be ASCII, Korean terms not: {term:?}"
                )));
            }
            if matches!(role, Role::Name | Role::Genre | Role::Suffix)
                && !term.chars().any(is_hangul)
            {
                return Err(bad(format!("{term:?} has no Hangul")));
            }
            entries.push(Entry {
                role,
                term,
                pin_train,
            });
        }
        let mut seen = std::collections::BTreeSet::new();
        for e in &entries {
            if !seen.insert((e.role, e.term.as_str())) {
                return Err(Error::Other(format!(
                    "lexicon: duplicate {:?} {:?}",
                    e.role, e.term
                )));
            }
        }
        let head_splits = partition(&entries);
        Ok(Lexicon {
            entries,
            head_splits,
        })
    }

    /// Terms of one role, in file order.
    pub fn terms(&self, role: Role) -> impl Iterator<Item = &str> {
        self.entries
            .iter()
            .filter(move |e| e.role == role)
            .map(|e| e.term.as_str())
    }

    /// Head terms (names, genres) of `role` assigned to `split`.
    pub fn heads(&self, role: Role, split: Split) -> Vec<&str> {
        self.head_splits
            .iter()
            .filter(|h| h.1 == role && h.2 == split)
            .map(|h| h.0.as_str())
            .collect()
    }

    /// The split a head term belongs to (None for other terms).
    pub fn head_split(&self, term: &str) -> Option<Split> {
        self.head_splits.iter().find(|h| h.0 == term).map(|h| h.2)
    }

    /// Every Korean term (names, genres, suffixes): vocabulary for features.
    pub fn korean_terms(&self) -> impl Iterator<Item = &str> {
        self.entries
            .iter()
            .filter(|e| matches!(e.role, Role::Name | Role::Genre | Role::Suffix))
            .map(|e| e.term.as_str())
    }
}

/// Groups head terms by shared substrings and deals the groups to splits.
fn partition(entries: &[Entry]) -> Vec<(String, Role, Split)> {
    let heads: Vec<&Entry> = entries
        .iter()
        .filter(|e| matches!(e.role, Role::Name | Role::Genre))
        .collect();
    let n = heads.len();
    // union-find over "one contains the other"
    let mut parent: Vec<usize> = (0..n).collect();
    fn find(p: &mut [usize], mut i: usize) -> usize {
        while p[i] != i {
            p[i] = p[p[i]];
            i = p[i];
        }
        i
    }
    for i in 0..n {
        for j in i + 1..n {
            if heads[i].term.contains(&heads[j].term) || heads[j].term.contains(&heads[i].term) {
                let (a, b) = (find(&mut parent, i), find(&mut parent, j));
                parent[a] = b;
            }
        }
    }
    let mut groups: std::collections::BTreeMap<usize, Vec<usize>> = Default::default();
    for i in 0..n {
        let r = find(&mut parent, i);
        groups.entry(r).or_default().push(i);
    }
    let mut split_of = vec![Split::Train; n];
    // Deal names and genres separately, so each split gets some of both; a
    // group's role is its first term's.
    for role in [Role::Name, Role::Genre] {
        let mut free: Vec<&Vec<usize>> = Vec::new();
        let mut counts = [0usize; 3];
        for members in groups.values().filter(|m| heads[m[0]].role == role) {
            if members.iter().any(|&i| heads[i].pin_train) {
                counts[0] += members.len();
            } else {
                free.push(members);
            }
        }
        free.sort_by_key(|m| (crate::hash::fnv64(heads[m[0]].term.as_bytes()), m[0]));
        // Each group goes to the split furthest below its target share.
        let target = [0.70, 0.15, 0.15];
        for members in free {
            let total = (counts.iter().sum::<usize>() + members.len()) as f64;
            let k = (0..3)
                .max_by(|&a, &b| {
                    let da = target[a] * total - counts[a] as f64;
                    let db = target[b] * total - counts[b] as f64;
                    da.partial_cmp(&db).unwrap().then(b.cmp(&a))
                })
                .unwrap();
            counts[k] += members.len();
            for &i in members {
                split_of[i] = Split::ALL[k];
            }
        }
    }
    heads
        .iter()
        .zip(split_of)
        .map(|(e, s)| (e.term.clone(), e.role, s))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_lexicon_has_enough_terms() {
        let lex = Lexicon::embedded();
        assert!(lex.terms(Role::Name).count() >= 60);
        assert!(lex.terms(Role::Genre).count() >= 25);
        assert!(lex.terms(Role::Suffix).count() >= 30);
        assert!(lex.terms(Role::Domain).count() >= 5);
        assert!(lex.terms(Role::Stem).count() >= 10);
    }

    #[test]
    fn head_terms_are_not_inside_suffixes() {
        let lex = Lexicon::embedded();
        for s in lex.terms(Role::Suffix) {
            for h in lex.terms(Role::Name).chain(lex.terms(Role::Genre)) {
                assert!(!s.contains(h), "suffix {s:?} contains head term {h:?}");
            }
        }
    }

    #[test]
    fn partition_is_disjoint_balanced_and_keeps_groups() {
        let lex = Lexicon::embedded();
        for role in [Role::Name, Role::Genre] {
            let total = lex.terms(role).count();
            for split in Split::ALL {
                let n = lex.heads(role, split).len();
                assert!(n >= 2, "{role:?} {split:?} has {n} terms");
                assert!(n < total);
            }
        }
        let all: Vec<(&str, Split)> = lex
            .head_splits
            .iter()
            .map(|h| (h.0.as_str(), h.2))
            .collect();
        for (a, sa) in &all {
            for (b, sb) in &all {
                if a.contains(b) {
                    assert_eq!(sa, sb, "{a} and {b} split apart");
                }
            }
        }
        for t in ["바다이야기", "야마토", "오션", "황금성", "릴게임", "게임장"] {
            assert_eq!(lex.head_split(t), Some(Split::Train), "{t}");
        }
        let train = all.iter().filter(|h| h.1 == Split::Train).count() as f64 / all.len() as f64;
        assert!((0.6..0.8).contains(&train), "train share {train}");
    }

    #[test]
    fn parse_errors_name_the_line() {
        let e = Lexicon::parse("name\t바다\nbogus\tx\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains(":2:"), "{e}");
    }
}
