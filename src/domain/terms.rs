//! What customers say: the words and two-word phrases most over-represented in unhappy
//! customers' comments against happy customers', with stop words of English and Indonesian
//! removed (the source documents' customers write both).

use std::collections::{HashMap, HashSet};

use serde::Serialize;

const STOP_WORDS: &[&str] = &[
    // English
    "a", "about", "after", "again", "all", "also", "am", "an", "and", "any", "are", "as", "at", "be", "been",
    "but", "by", "can", "could", "did", "do", "does", "for", "from", "get", "got", "had", "has", "have",
    "he", "her", "here", "his", "how", "i", "if", "in", "into", "is", "it", "its", "just", "me", "more",
    "most", "my", "no", "not", "of", "on", "once", "only", "or", "our", "out", "over", "she", "so", "some",
    "than", "that", "the", "their", "them", "then", "there", "these", "they", "this", "to", "too", "up",
    "us", "very", "was", "we", "were", "what", "when", "which", "while", "who", "why", "will", "with",
    "would", "you", "your", // Indonesian
    "ada", "adalah", "agar", "akan", "aku", "anda", "atau", "bagi", "bahwa", "banyak", "belum", "bisa",
    "dalam", "dan", "dari", "dengan", "di", "dia", "harus", "hanya", "ini", "itu", "jadi", "juga", "kami",
    "kalau", "karena", "ke", "kita", "lagi", "lebih", "masih", "mereka", "oleh", "pada", "saat", "saja",
    "sangat", "saya", "sekali", "sudah", "tapi", "tetapi", "tidak", "untuk", "yang",
];

/// Whether an answer is unhappy (-1), happy (1) or neither (0), by survey scale.
pub fn sentiment(survey: &str, score: i64) -> i8 {
    match survey {
        "nps" if score <= 6 => -1,
        "nps" if score >= 9 => 1,
        "csat" if score <= 3 => -1,
        "csat" => 1,
        "ces" if score <= 3 => -1,
        "ces" if score >= 5 => 1,
        _ => 0,
    }
}

/// Lower-case words of letters (any script), stop words removed.
pub fn words(text: &str) -> Vec<String> {
    let stop: HashSet<&str> = STOP_WORDS.iter().copied().collect();
    text.split(|c: char| !c.is_alphabetic())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .filter(|w| w.chars().count() > 1 && !stop.contains(w.as_str()))
        .collect()
}

/// Each distinct word and two-word phrase of a comment (counted once per comment).
fn terms(text: &str) -> HashSet<String> {
    let words = words(text);
    let mut terms: HashSet<String> = words.iter().cloned().collect();
    terms.extend(words.windows(2).map(|w| format!("{} {}", w[0], w[1])));
    terms
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Term {
    pub term: String,
    /// Unhappy comments that contain it, and how many unhappy comments there are.
    pub unhappy: u64,
    pub unhappy_total: u64,
    pub happy: u64,
    pub happy_total: u64,
    /// Smoothed log odds ratio: how much more often it appears in unhappy comments.
    pub score: f64,
}

/// The terms most over-represented in unhappy comments, at least `min_count` of them,
/// strongest first. `comments`: (sentiment, text).
pub fn over_represented(comments: &[(i8, &str)], min_count: u64, limit: usize) -> Vec<Term> {
    let mut counts: HashMap<String, (u64, u64)> = HashMap::new();
    let (mut unhappy_total, mut happy_total) = (0u64, 0u64);
    for &(sentiment, text) in comments {
        match sentiment {
            -1 => unhappy_total += 1,
            1 => happy_total += 1,
            _ => continue,
        }
        for term in terms(text) {
            let entry = counts.entry(term).or_default();
            if sentiment < 0 {
                entry.0 += 1;
            } else {
                entry.1 += 1;
            }
        }
    }
    let odds = |k: u64, n: u64| ((k as f64 + 0.5) / ((n - k.min(n)) as f64 + 0.5)).ln();
    let mut terms: Vec<Term> = counts
        .into_iter()
        .filter(|(_, (u, _))| *u >= min_count)
        .map(|(term, (u, h))| Term {
            score: odds(u, unhappy_total) - odds(h, happy_total),
            term,
            unhappy: u,
            unhappy_total,
            happy: h,
            happy_total,
        })
        .filter(|t| t.score > 0.0)
        .collect();
    terms.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.term.cmp(&b.term)));
    terms.truncate(limit);
    terms
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_drop_stop_words_in_both_languages() {
        assert_eq!(
            words("The connection keeps dropping!"),
            ["connection", "keeps", "dropping"]
        );
        assert_eq!(
            words("koneksi sering putus, dan tidak stabil"),
            ["koneksi", "sering", "putus", "stabil"]
        );
    }

    #[test]
    fn unhappy_terms_rank_first() {
        let comments = [
            (-1, "koneksi sering putus"),
            (-1, "koneksi putus lagi"),
            (-1, "slow support, koneksi putus"),
            (1, "koneksi stabil"),
            (1, "great support"),
            (0, "koneksi putus"), // a passive: not counted
        ];
        let terms = over_represented(&comments, 2, 10);
        let names: Vec<&str> = terms.iter().map(|t| t.term.as_str()).collect();
        // "putus": in all 3 unhappy comments and no happy one. "koneksi putus" is in 2 of them
        // (the first has "koneksi sering putus").
        assert_eq!(names[0], "putus");
        assert_eq!(
            (
                terms[0].unhappy,
                terms[0].unhappy_total,
                terms[0].happy,
                terms[0].happy_total
            ),
            (3, 3, 0, 2)
        );
        let phrase = terms.iter().find(|t| t.term == "koneksi putus").unwrap();
        assert_eq!((phrase.unhappy, phrase.happy), (2, 0));
        assert!(phrase.score < terms[0].score);
        // "koneksi" is in 3 of 3 unhappy but also 1 of 2 happy: weaker.
        let koneksi = terms.iter().find(|t| t.term == "koneksi").unwrap();
        assert!(koneksi.score < terms[0].score);
        assert!(!names.contains(&"stabil"));
    }

    #[test]
    fn sentiment_by_scale() {
        assert_eq!(
            (sentiment("nps", 6), sentiment("nps", 7), sentiment("nps", 9)),
            (-1, 0, 1)
        );
        assert_eq!((sentiment("csat", 3), sentiment("csat", 4)), (-1, 1));
        assert_eq!(
            (sentiment("ces", 3), sentiment("ces", 4), sentiment("ces", 5)),
            (-1, 0, 1)
        );
    }
}
