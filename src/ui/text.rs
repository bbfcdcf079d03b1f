//! Text for the screen: data stripped of control characters, cut to a width, numbers with
//! their units. ASCII only in what the cockpit adds; data keeps its own letters.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use crate::domain::model::{Direction, Perspective};
use crate::ui::action::Action;

/// Text from the store on one line with control and bidirectional characters removed (line
/// breaks and tabs become spaces), so a name or a note can never move the cursor or change the
/// terminal's state: the function the command line uses too (`report::escape::line`).
pub fn clean(text: &str) -> String {
    crate::report::escape::line(text)
}

/// Display width of a string.
pub fn width(text: &str) -> usize {
    text.width()
}

/// `text` cut to `max` columns; a cut string ends with `~` to show something is missing.
pub fn fit(text: &str, max: usize) -> String {
    if text.width() <= max {
        return text.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > max - 1 {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('~');
    out
}

/// `text` padded with spaces or cut to exactly `w` columns, aligned left or right.
pub fn pad(text: &str, w: usize, right: bool) -> String {
    let text = fit(text, w);
    let gap = " ".repeat(w.saturating_sub(text.width()));
    if right { gap + &text } else { text + &gap }
}

/// Words of `text` in lines of at most `max` columns (a longer word is cut).
pub fn wrap(text: &str, max: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let word = fit(word, max);
        if !line.is_empty() && line.width() + 1 + word.width() > max {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(&word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// A count with thousands separators: 18,000 (the command line's and the cockpit's).
pub fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    out
}

/// A number as people read it: no decimals for whole or large numbers, one from 10, two below
/// (so 4.97 is not shown as the target 5 it misses).
pub fn number(value: f64) -> String {
    if !value.is_finite() {
        return "n/a".into();
    }
    let abs = value.abs();
    if abs >= 10_000.0 {
        let whole = value.round() as i64;
        let digits = grouped(whole.unsigned_abs());
        if whole < 0 { format!("-{digits}") } else { digits }
    } else if abs >= 1000.0 || value == value.round() {
        format!("{:.0}", value)
    } else if abs >= 10.0 {
        format!("{:.1}", value)
    } else {
        format!("{:.2}", value)
    }
}

/// A value with its unit: `82.3%`, `6.2 d`, `4.1 h`, `152 USD`, `38.5`.
pub fn value(value: f64, unit: &str) -> String {
    let n = number(value);
    match unit {
        "%" => format!("{n}%"),
        "days" => format!("{n} d"),
        "hours" => format!("{n} h"),
        "score" | "count" | "" => n,
        other => format!("{n} {}", clean(other)),
    }
}

/// A change with its sign: `+1.2`, `-0.4`, `0`; percentages change by points (`+1.2pt`).
pub fn delta(delta: f64, unit: &str) -> String {
    let n = number(delta);
    let zero = n.trim_start_matches('-').chars().all(|c| c == '0' || c == '.');
    let n = if zero {
        "0".to_string()
    } else if delta > 0.0 {
        format!("+{n}")
    } else {
        n
    };
    if unit == "%" { format!("{n}pt") } else { n }
}

/// Whether a change is for the better, for the worse, or neither, given the metric's direction.
pub fn better(delta: f64, direction: Direction) -> Option<bool> {
    if delta == 0.0 || !delta.is_finite() {
        return None;
    }
    Some((delta > 0.0) == (direction == Direction::Higher))
}

/// The perspective in six columns or fewer.
pub fn perspective_short(p: Perspective) -> &'static str {
    match p {
        Perspective::Realization => "realiz",
        Perspective::Proposition => "propos",
        Perspective::Delivery => "deliv",
    }
}

/// A segment as the header shows it: `all`, `HVC`, `regular`, `size small`.
pub fn segment_label(segment: &str) -> String {
    match segment {
        "hvc" => "HVC".into(),
        other => clean(&other.replace(':', " ")),
    }
}

/// Types `c` at the end of a line being edited (a prompt, a note): printable characters only,
/// and none past `max` characters.
pub fn type_char(input: &mut String, c: char, max: usize) {
    if !c.is_control() && input.chars().count() < max {
        input.push(c);
    }
}

/// A prompt's typing keys applied to its line: a character typed (as `type_char`) or the last one
/// deleted. False for any other action, which the prompt handles itself.
pub fn edit_prompt(input: &mut String, action: Action, max: usize) -> bool {
    match action {
        Action::PromptChar(c) => type_char(input, c, max),
        Action::PromptBackspace => {
            input.pop();
        }
        _ => return false,
    }
    true
}

#[cfg(test)]
mod tests {

    #[test]
    fn typing_takes_printable_characters_up_to_the_limit() {
        let mut line = String::from("ab");
        type_char(&mut line, '\u{7}', 10);
        type_char(&mut line, '\n', 10);
        assert_eq!(line, "ab");
        type_char(&mut line, 'é', 3);
        assert_eq!(line, "abé");
        type_char(&mut line, 'c', 3);
        assert_eq!(line, "abé", "no fourth character past a limit of 3");
    }

    #[test]
    fn a_prompt_takes_characters_and_backspace_and_leaves_the_rest() {
        let mut line = String::from("ab");
        assert!(edit_prompt(&mut line, Action::PromptChar('c'), 10));
        assert!(edit_prompt(&mut line, Action::PromptBackspace, 10));
        assert!(edit_prompt(&mut line, Action::PromptBackspace, 10));
        assert_eq!(line, "a");
        assert!(!edit_prompt(&mut line, Action::PromptAccept, 10));
        assert_eq!(line, "a");
    }

    use super::*;

    #[test]
    fn control_characters_are_removed() {
        assert_eq!(
            clean("Acme\x1b[31m Ltd\x07\nline two\t!"),
            "Acme[31m Ltd line two !"
        );
        assert_eq!(clean("\u{9b}2J ok"), "2J ok");
    }

    #[test]
    fn fit_cuts_with_a_marker() {
        assert_eq!(fit("Installation lead time", 10), "Installat~");
        assert_eq!(fit("short", 10), "short");
        assert_eq!(fit("abc", 0), "");
        assert_eq!(pad("ab", 4, true), "  ab");
        assert_eq!(wrap("one two three four", 9), vec!["one two", "three", "four"]);
        assert_eq!(wrap("", 9), Vec::<String>::new());
    }

    #[test]
    fn numbers_and_units() {
        assert_eq!(value(82.345, "%"), "82.3%");
        assert_eq!(value(6.0, "days"), "6 d");
        assert_eq!(value(12345.0, "count"), "12,345");
        assert_eq!(number(-1_234_567.4), "-1,234,567");
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1000), "1,000");
        assert_eq!(grouped(2_134_139), "2,134,139");
        assert_eq!(value(152.4, "USD"), "152.4 USD");
        assert_eq!(value(4.97, "score"), "4.97");
        assert_eq!(value(5.0, "score"), "5");
        assert_eq!(delta(1.25, "%"), "+1.25pt");
        assert_eq!(delta(12.25, "%"), "+12.2pt");
        assert_eq!(delta(-0.001, "hours"), "0");
        assert_eq!(delta(-3.0, "score"), "-3");
        assert_eq!(better(1.0, Direction::Lower), Some(false));
    }
}
