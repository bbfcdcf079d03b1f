//! What customers say: the words and phrases most over-represented in unhappy customers'
//! comments against happy customers', with stop words of English and Indonesian removed (the
//! source documents' customers write both).
//!
//! Negations are kept: a negation ("not", "don't", "tidak", "kurang", ...) joins the next word
//! that is not a stop word into one word written with `_`, `tidak_jelas` or `not_working`, so
//! "tidak jelas" (not clear) never counts as "jelas" (clear). Terms that always occur together
//! are folded into the longest phrase that holds them, so one repeated complaint is one row.

use std::collections::{HashMap, HashSet};

use serde::Serialize;

const STOP_WORDS: &[&str] = &[
    // English
    "a", "about", "after", "again", "all", "also", "am", "an", "and", "any", "are", "as", "at", "be", "been",
    "but", "by", "can", "could", "did", "do", "does", "for", "from", "get", "got", "had", "has", "have",
    "he", "her", "here", "his", "how", "i", "if", "in", "into", "is", "it", "its", "just", "me", "more",
    "most", "my", "of", "on", "once", "only", "or", "our", "out", "over", "she", "so", "some", "than",
    "that", "the", "their", "them", "then", "there", "these", "they", "this", "to", "too", "up", "us",
    "very", "was", "we", "were", "what", "when", "which", "while", "who", "why", "will", "with", "would",
    "you", "your", // Indonesian
    "ada", "adalah", "agar", "akan", "aku", "anda", "atau", "bagi", "bahwa", "banyak", "bisa", "dalam",
    "dan", "dari", "dengan", "di", "dia", "harus", "hanya", "ini", "itu", "jadi", "juga", "kami", "kalau",
    "karena", "ke", "kita", "lagi", "lebih", "masih", "mereka", "oleh", "pada", "saat", "saja", "sangat",
    "saya", "sekali", "sudah", "tapi", "tetapi", "untuk", "yang",
];

/// Negations: never dropped, joined to the next word. Any English word ending in "n't" (don't,
/// can't, won't, isn't, ...) is one too; these are the other spellings customers use.
const NEGATIONS: &[&str] = &[
    // English, and contractions written without their apostrophe
    "not", "no", "never", "cannot", "cant", "dont", "doesnt", "didnt", "isnt", "wasnt", "arent", "werent",
    "havent", "hasnt", "hadnt", "couldnt", "shouldnt", "wouldnt", "wont", // Indonesian, and informal
    "tidak", "tdk", "tak", "bukan", "belum", "jangan", "kurang", "gak", "ga", "nggak", "enggak",
];

/// English clitics cut from a word ("it's" is "it", "customer's" is "customer"); "n't" stays.
const CLITICS: &[&str] = &["'s", "'re", "'ve", "'ll", "'d", "'m"];

fn is_negation(word: &str) -> bool {
    word.ends_with("n't") || NEGATIONS.contains(&word)
}

/// A lower-case word, or the end of a clause (`.,;:!?`, an ellipsis or a line break).
#[derive(Debug, PartialEq)]
enum Token {
    Word(String),
    Break,
}

/// Words are runs of letters (any script); an apostrophe (' or ’) between two letters is part
/// of the word ("don't"), written '. Clitics other than "n't" are cut.
fn tokens(text: &str) -> Vec<Token> {
    fn flush(word: &mut String, out: &mut Vec<Token>) {
        if word.is_empty() {
            return;
        }
        let word = std::mem::take(word);
        let cut = (!word.ends_with("n't"))
            .then(|| CLITICS.iter().find_map(|c| word.strip_suffix(c)))
            .flatten()
            .map(str::to_string);
        out.push(Token::Word(cut.unwrap_or(word)));
    }
    let mut out = Vec::new();
    let mut word = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_alphabetic() {
            word.extend(c.to_lowercase());
        } else if matches!(c, '\'' | '\u{2019}')
            && !word.is_empty()
            && chars.peek().is_some_and(|n| n.is_alphabetic())
        {
            word.push('\'');
        } else {
            flush(&mut word, &mut out);
            if matches!(c, '.' | ',' | ';' | ':' | '!' | '?' | '\u{2026}' | '\n') {
                out.push(Token::Break);
            }
        }
    }
    flush(&mut word, &mut out);
    out
}

/// Lower-case words of letters (any script), stop words and one-letter words removed. A
/// negation joins the next remaining word of its clause, `tidak_jelas`; a negation with no such
/// word after it is dropped, and of two negations in a row the last one counts.
pub fn words(text: &str) -> Vec<String> {
    let stop: HashSet<&str> = STOP_WORDS.iter().copied().collect();
    let mut out = Vec::new();
    let mut negation: Option<String> = None;
    for token in tokens(text) {
        match token {
            Token::Break => negation = None,
            Token::Word(w) if is_negation(&w) => negation = Some(w),
            Token::Word(w) if w.chars().count() < 2 || stop.contains(w.as_str()) => {}
            Token::Word(w) => out.push(match negation.take() {
                Some(n) => format!("{n}_{w}"),
                None => w,
            }),
        }
    }
    out
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

/// (unhappy, happy) comments that contain each phrase (a run of words, by word number).
type Counts<'a> = HashMap<&'a [u32], (u64, u64)>;

/// Counts each word, each two-word phrase and each longer phrase whose two shorter parts (the
/// phrase without its last word and without its first) are each in `min_count` unhappy comments;
/// a phrase counts once per comment. `docs`: (unhappy, word numbers).
fn phrase_counts(docs: &[(bool, Vec<u32>)], min_count: u64) -> Counts<'_> {
    let mut counts: Counts<'_> = HashMap::new();
    // Where each comment's phrases of the current length start.
    let mut starts: Vec<Vec<usize>> = docs.iter().map(|(_, w)| (0..w.len()).collect()).collect();
    let mut n = 1;
    while starts.iter().any(|s| !s.is_empty()) {
        let mut level: Counts<'_> = HashMap::new();
        for ((unhappy, w), s) in docs.iter().zip(&starts) {
            let seen: HashSet<&[u32]> = s.iter().map(|&i| &w[i..i + n]).collect();
            for phrase in seen {
                let entry = level.entry(phrase).or_default();
                if *unhappy {
                    entry.0 += 1;
                } else {
                    entry.1 += 1;
                }
            }
        }
        let frequent = |p: &[u32]| level.get(p).is_some_and(|(u, _)| *u >= min_count);
        for ((_, w), s) in docs.iter().zip(starts.iter_mut()) {
            let longer = |&i: &usize| {
                i + n < w.len() && (n == 1 || (frequent(&w[i..i + n]) && frequent(&w[i + 1..i + n + 1])))
            };
            s.retain(longer);
        }
        counts.extend(level);
        n += 1;
    }
    counts
}

/// The terms most over-represented in unhappy comments, at least `min_count` of them,
/// strongest first. `comments`: (sentiment, text).
///
/// Terms are words and two-word phrases; then folding: a term is dropped when a longer phrase
/// (any length, its words in a row) contains it and is in the same number of unhappy comments
/// and the same number of happy ones, that is in exactly the same comments. A phrase of three
/// words or more is listed only in place of a word or two-word phrase it folds this way.
pub fn over_represented(comments: &[(i8, &str)], min_count: u64, limit: usize) -> Vec<Term> {
    let mut numbers: HashMap<String, u32> = HashMap::new();
    let mut names: Vec<String> = Vec::new();
    let mut docs: Vec<(bool, Vec<u32>)> = Vec::new();
    for &(sentiment, text) in comments {
        if sentiment == 0 {
            continue;
        }
        let ids = words(text)
            .into_iter()
            .map(|w| {
                *numbers.entry(w).or_insert_with_key(|w| {
                    names.push(w.clone());
                    (names.len() - 1) as u32
                })
            })
            .collect();
        docs.push((sentiment < 0, ids));
    }
    let unhappy_total = docs.iter().filter(|(u, _)| *u).count() as u64;
    let happy_total = docs.len() as u64 - unhappy_total;
    let counts = phrase_counts(&docs, min_count);
    let odds = |k: u64, n: u64| ((k as f64 + 0.5) / ((n - k.min(n)) as f64 + 0.5)).ln();
    let candidates: HashMap<&[u32], (u64, u64)> = counts
        .iter()
        .filter(|(_, (u, h))| *u >= min_count && odds(*u, unhappy_total) - odds(*h, happy_total) > 0.0)
        .map(|(p, c)| (*p, *c))
        .collect();
    // Fold: every shorter phrase inside a candidate with the same counts goes.
    let mut folded: HashSet<&[u32]> = HashSet::new();
    let mut folds_short: HashSet<&[u32]> = HashSet::new();
    for (&phrase, same) in &candidates {
        for len in 1..phrase.len() {
            for part in phrase.windows(len) {
                if candidates.get(part) == Some(same) {
                    folded.insert(part);
                    if len <= 2 {
                        folds_short.insert(phrase);
                    }
                }
            }
        }
    }
    let mut terms: Vec<Term> = candidates
        .into_iter()
        .filter(|(p, _)| !folded.contains(p) && (p.len() <= 2 || folds_short.contains(p)))
        .map(|(p, (u, h))| Term {
            term: p
                .iter()
                .map(|&i| names[i as usize].as_str())
                .collect::<Vec<_>>()
                .join(" "),
            score: odds(u, unhappy_total) - odds(h, happy_total),
            unhappy: u,
            unhappy_total,
            happy: h,
            happy_total,
        })
        .collect();
    terms.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.term.cmp(&b.term)));
    terms.truncate(limit);
    terms
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(terms: &[Term]) -> Vec<(&str, u64, u64, u64, u64)> {
        terms
            .iter()
            .map(|t| {
                (
                    t.term.as_str(),
                    t.unhappy,
                    t.unhappy_total,
                    t.happy,
                    t.happy_total,
                )
            })
            .collect()
    }

    #[test]
    fn words_drop_stop_words_in_both_languages() {
        assert_eq!(
            words("The connection keeps dropping!"),
            ["connection", "keeps", "dropping"]
        );
        assert_eq!(
            words("koneksi sering putus, dan tidak stabil"),
            ["koneksi", "sering", "putus", "tidak_stabil"]
        );
    }

    #[test]
    fn an_indonesian_negation_joins_the_next_word() {
        // "dan" is a stop word; "tidak" joins "jelas".
        assert_eq!(
            words("tagihan terlambat dan tidak jelas"),
            ["tagihan", "terlambat", "tidak_jelas"]
        );
        // Stop words between a negation and its word are skipped ("ada"), a clause end is not.
        assert_eq!(words("tidak ada sinyal"), ["tidak_sinyal"]);
        assert_eq!(words("Belum. Jelas"), ["jelas"]);
        assert_eq!(
            words("kurang terampil, gak responsif"),
            ["kurang_terampil", "gak_responsif"]
        );
        // In a ranking the sentence gives the negation, and no "jelas" alone.
        let comments = [
            (-1, "tagihan terlambat dan tidak jelas"),
            (-1, "Tagihan terlambat dan tidak jelas."),
            (-1, "tagihan terlambat dan tidak jelas!"),
            (1, "tagihan jelas"),
        ];
        let terms = over_represented(&comments, 3, 10);
        // All of "terlambat", "tidak_jelas" and their phrases are in the same 3 unhappy
        // comments and no happy one: one row. "tagihan" is also in the happy one: its own row.
        assert_eq!(
            rows(&terms),
            [
                ("tagihan terlambat tidak_jelas", 3, 3, 0, 1),
                ("tagihan", 3, 3, 1, 1)
            ]
        );
        assert!(terms.iter().all(|t| !t.term.split(' ').any(|w| w == "jelas")));
        // ln((3.5 / 0.5) / (0.5 / 1.5)) = ln 21.
        assert!((terms[0].score - 21f64.ln()).abs() < 1e-9);
    }

    #[test]
    fn an_english_negation_joins_the_next_word() {
        assert_eq!(words("The router is not working"), ["router", "not_working"]);
        assert_eq!(words("no reply, never again"), ["no_reply"]);
        assert_eq!(words("It is not. Working fine"), ["working", "fine"]);
    }

    #[test]
    fn contractions_are_words_and_never_fragments() {
        assert_eq!(words("I don't like it, it's slow"), ["don't_like", "slow"]);
        // A typographic apostrophe is the same word.
        assert_eq!(words("Don\u{2019}t care"), ["don't_care"]);
        assert_eq!(
            words("we can't login and the app doesn't sync"),
            ["can't_login", "app", "doesn't_sync"]
        );
        assert_eq!(words("the customer's invoice"), ["customer", "invoice"]);
        // A negation with nothing after it is dropped, not cut to "don".
        assert_eq!(words("I don't."), Vec::<String>::new());
        let comments = [(-1, "don't know"), (-1, "don't know"), (-1, "don't")];
        let terms = over_represented(&comments, 2, 10);
        assert_eq!(rows(&terms), [("don't_know", 2, 3, 0, 0)]);
    }

    #[test]
    fn a_repeated_complaint_fills_one_row() {
        let mut comments = vec![(-1, "Phone wait long!"); 5];
        comments.push((-1, "invoice late"));
        comments.extend([(1, "fast fix"), (1, "fast fix")]);
        // Without folding: phone, wait, long, "phone wait", "wait long", all 5/6 and 0/2.
        let terms = over_represented(&comments, 3, 10);
        assert_eq!(rows(&terms), [("phone wait long", 5, 6, 0, 2)]);
        // ln((5.5 / 1.5) / (0.5 / 2.5)) = ln(55 / 3).
        assert!((terms[0].score - (55f64 / 3.0).ln()).abs() < 1e-9);
    }

    #[test]
    fn terms_that_do_not_always_occur_together_are_kept() {
        let mut comments = vec![(-1, "phone wait long"); 4];
        comments.extend([(-1, "phone broken"); 2]);
        comments.extend([(-1, "invoice late"); 2]);
        comments.extend([(1, "fast fix"); 2]);
        let terms = over_represented(&comments, 2, 10);
        // "phone" is in 6 comments, "phone wait long" in 4: both stay. "broken" folds into
        // "phone broken" (2 and 2), but "invoice late" has the same counts without containing
        // it or being contained: both stay (same score, by name).
        assert_eq!(
            rows(&terms),
            [
                ("phone", 6, 8, 0, 2),
                ("phone wait long", 4, 8, 0, 2),
                ("invoice late", 2, 8, 0, 2),
                ("phone broken", 2, 8, 0, 2),
            ]
        );
    }

    #[test]
    fn a_long_phrase_without_a_short_one_to_fold_is_not_listed() {
        let comments = [
            (-1, "alpha beta gamma"),
            (-1, "alpha beta gamma"),
            (-1, "alpha beta"),
            (-1, "beta gamma"),
            (1, "fast fix"),
            (1, "fast fix"),
        ];
        let terms = over_represented(&comments, 2, 10);
        // "alpha" folds into "alpha beta" (3 and 3), "gamma" into "beta gamma"; "beta" is in 4.
        // "alpha beta gamma" (2, score ln 5 > 0) has no word or two-word phrase of its counts.
        assert_eq!(
            rows(&terms),
            [
                ("beta", 4, 4, 0, 2),
                ("alpha beta", 3, 4, 0, 2),
                ("beta gamma", 3, 4, 0, 2),
            ]
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
}
