//! Numbers as exports write them: thousands separators (`1,200.00`), and decimal commas
//! (`1.200,50`, `12,5`) when `--decimal-comma` says so. Anything else is left for the column's
//! parser, which refuses it with what it expected.

use std::borrow::Cow;

/// `text` with its grouping removed and a decimal point; an error when a decimal comma is
/// expected and the text has a point that groups nothing.
pub fn normalise(text: &str, decimal_comma: bool) -> Result<Cow<'_, str>, String> {
    let (sign, digits) = match text.strip_prefix(['-', '+']) {
        Some(rest) => (&text[..1], rest),
        None => ("", text),
    };
    let (group, point) = if decimal_comma {
        (['.', ' ', '\u{a0}'], ',')
    } else {
        ([',', ',', ','], '.')
    };
    let (whole, fraction) = match digits.split_once(point) {
        Some((w, f)) => (w, Some(f)),
        None => (digits, None),
    };
    let grouped = whole.contains(group);
    if grouped && !is_grouped(whole, &group) {
        return if decimal_comma {
            Err("expected a number with a decimal comma, e.g. 1.250,50".to_string())
        } else {
            Err("expected a number, e.g. 1250.50 (for a decimal comma, use --decimal-comma)".to_string())
        };
    }
    if !grouped && !decimal_comma {
        return Ok(Cow::Borrowed(text));
    }
    let mut out = String::with_capacity(text.len());
    out.push_str(sign);
    out.extend(whole.chars().filter(|c| !group.contains(c)));
    if let Some(fraction) = fraction {
        out.push('.');
        out.push_str(fraction);
    }
    Ok(Cow::Owned(out))
}

/// Digits in groups of three after a first group of one to three: `1,200`, `12,345,678`.
fn is_grouped(whole: &str, separators: &[char]) -> bool {
    let mut groups = whole.split(|c| separators.contains(&c));
    let first_ok = groups
        .next()
        .is_some_and(|g| (1..=3).contains(&g.len()) && g.bytes().all(|b| b.is_ascii_digit()));
    first_ok && groups.all(|g| g.len() == 3 && g.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separators_and_decimal_commas() {
        let n = |t, comma| normalise(t, comma).map(|c| c.into_owned());
        assert_eq!(n("1,200.00", false).unwrap(), "1200.00");
        assert_eq!(n("-12,345,678", false).unwrap(), "-12345678");
        assert_eq!(n("1200.5", false).unwrap(), "1200.5");
        assert!(n("12,5", false).unwrap_err().contains("--decimal-comma"));
        assert!(n("1,20.00", false).is_err());
        assert_eq!(n("1.200,50", true).unwrap(), "1200.50");
        assert_eq!(n("12,5", true).unwrap(), "12.5");
        assert_eq!(n("1 200", true).unwrap(), "1200");
        assert_eq!(n("7", true).unwrap(), "7");
        assert!(n("12.5", true).is_err());
    }
}
