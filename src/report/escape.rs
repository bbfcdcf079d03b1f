//! Escaping of text from data (names, goals, notes, comments): for the terminal and the command
//! line's tables and CSV (`line`, the one function every text output goes through), and for the
//! documents, so that nothing a user typed can inject markup (`clean`, then `html` or `md_*`).

/// Whether a character from data must never reach a terminal, a document or a spreadsheet as it
/// is: C0 and C1 controls and DEL (escape sequences that move the cursor, clear the screen or set
/// the clipboard), and the Unicode bidirectional controls and line separators, which reorder or
/// break the text drawn around them (U+202E shows "txt.exe" as "exe.txt").
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}'
                | '\u{200E}'
                | '\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2066}'..='\u{2069}'
                | '\u{2028}'
                | '\u{2029}'
        )
}

/// Text from data on one line, safe to draw: line breaks, tabs and other breaking whitespace
/// become one space, every other unsafe character (see `is_unsafe`) is dropped, and the ends
/// are trimmed. The cockpit draws with it, and the command line writes every table and CSV cell
/// and every import error through it.
pub fn line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_whitespace() && is_unsafe(c) {
            if !out.ends_with(' ') {
                out.push(' ');
            }
        } else if !is_unsafe(c) {
            out.push(c);
        }
    }
    out.trim().to_string()
}

/// Text from data with unsafe characters removed (see `is_unsafe`; line breaks and tabs kept)
/// and line breaks normalised to `\n`: for the documents, and for messages of several lines.
pub fn clean(text: &str) -> String {
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    text.chars()
        .filter(|c| !is_unsafe(*c) || *c == '\n' || *c == '\t')
        .collect()
}

/// HTML text or attribute value: `& < > " '` become entities.
pub fn html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in clean(text).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The characters that are backslash-escaped wherever data goes into Markdown: emphasis, code,
/// links, raw HTML and entities, table pipes, headings' closing hashes, strikethrough. CommonMark
/// renders any backslash-escaped ASCII punctuation as the character itself.
const MD_SPECIAL: &[char] = &['\\', '`', '*', '_', '[', ']', '<', '>', '|', '&', '#', '~'];

fn md_escape_into(out: &mut String, line: &str) {
    for c in line.chars() {
        if MD_SPECIAL.contains(&c) {
            out.push('\\');
        }
        out.push(c);
    }
}

/// Markdown inline text on one line (a heading, a list item): specials escaped, line breaks
/// read as spaces.
pub fn md_inline(text: &str) -> String {
    let mut out = String::new();
    let cleaned = clean(text);
    for (i, line) in cleaned.split('\n').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        md_escape_into(&mut out, line);
    }
    out
}

/// A Markdown table cell: specials (the pipe among them) escaped, line breaks as `<br>`.
pub fn md_cell(text: &str) -> String {
    let mut out = String::new();
    let cleaned = clean(text);
    for (i, line) in cleaned.trim().split('\n').enumerate() {
        if i > 0 {
            out.push_str("<br>");
        }
        md_escape_into(&mut out, line.trim());
    }
    out
}

/// Multi-line text (notes) as Markdown paragraphs: blank lines separate paragraphs, other line
/// breaks are kept as hard breaks (a trailing backslash), leading spaces are dropped (no code
/// blocks), specials are escaped, and so is whatever would start a block at the start of a line
/// (heading, quote, list, rule, setext underline). `indent` is put before every line after the
/// first (to continue a list item).
pub fn md_paragraphs(text: &str, indent: &str) -> String {
    let cleaned = clean(text);
    let mut paragraphs: Vec<Vec<String>> = vec![Vec::new()];
    for line in cleaned.split('\n') {
        let line = line.trim();
        if line.is_empty() {
            if paragraphs.last().is_some_and(|p| !p.is_empty()) {
                paragraphs.push(Vec::new());
            }
            continue;
        }
        let mut out = String::new();
        md_escape_into(&mut out, line);
        let out = escape_line_start(&out);
        if let Some(p) = paragraphs.last_mut() {
            p.push(out);
        }
    }
    paragraphs.retain(|p| !p.is_empty());
    let line_break = format!("\\\n{indent}");
    let paragraph_break = format!("\n\n{indent}");
    paragraphs
        .iter()
        .map(|p| p.join(&line_break))
        .collect::<Vec<_>>()
        .join(&paragraph_break)
}

/// Escapes what would open a block at the start of a line: `- + = >` (and `#`, `*`, `_`, which
/// the inline escaping already covers), and the `.` or `)` of an ordered-list number.
fn escape_line_start(line: &str) -> String {
    if line.starts_with(['-', '+', '=']) {
        return format!("\\{line}");
    }
    let digits = line.chars().take_while(char::is_ascii_digit).count();
    if digits > 0 && line[digits..].starts_with(['.', ')']) {
        return format!("{}\\{}", &line[..digits], &line[digits..]);
    }
    line.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_escapes_the_five() {
        assert_eq!(
            html(r#"<script>alert("x" & 'y')</script>"#),
            "&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt;"
        );
        assert_eq!(html("a\u{1b}[31mb\r\nc"), "a[31mb\nc");
    }

    #[test]
    fn line_drops_escapes_and_bidi_and_joins_lines() {
        let hostile =
            "a\u{1b}]52;c;ZXZpbA==\u{7}b\u{1b}[2J\u{9b}31m\u{202E}cod.exe\u{2066}\r\nnext\tcol\u{2028}x\u{0}";
        let out = line(hostile);
        assert!(!out.chars().any(is_unsafe), "{out:?}");
        assert_eq!(out, "a]52;c;ZXZpbA==b[2J31mcod.exe next col x");
        assert_eq!(line("  plain  name "), "plain  name");
        assert_eq!(clean("a\u{202E}b\nc\u{1b}"), "ab\nc");
    }

    #[test]
    fn markdown_cells_cannot_break_the_table() {
        assert_eq!(md_cell("a | b\nc"), r"a \| b<br>c");
        assert_eq!(
            md_cell("**bold** _it_ `code` [l](x) <b>"),
            r"\*\*bold\*\* \_it\_ \`code\` \[l\](x) \<b\>"
        );
    }

    #[test]
    fn markdown_paragraphs_keep_lines_and_open_no_blocks() {
        let notes = "# Not a heading\n- not a list\n1. not ordered\n\n> not a quote\n    not code\n===";
        assert_eq!(
            md_paragraphs(notes, ""),
            "\\# Not a heading\\\n\\- not a list\\\n1\\. not ordered\n\n\\> not a quote\\\nnot code\\\n\\==="
        );
        assert_eq!(md_paragraphs("a\nb", "  "), "a\\\n  b");
        assert_eq!(md_paragraphs("  \n\n", ""), "");
        assert_eq!(md_inline("a\nb *c*"), r"a b \*c\*");
    }
}
