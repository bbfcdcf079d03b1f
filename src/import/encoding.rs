//! Naming the encoding of a field that is not UTF-8: Windows-1252 ("ANSI", what Excel saves as
//! "CSV" on Windows) is the usual culprit, recognised by bytes that decode to text there.

/// The bytes 0x80-0x9F in Windows-1252; `None` where it defines no character.
const HIGH: [Option<char>; 32] = [
    Some('€'),
    None,
    Some('‚'),
    Some('ƒ'),
    Some('„'),
    Some('…'),
    Some('†'),
    Some('‡'),
    Some('ˆ'),
    Some('‰'),
    Some('Š'),
    Some('‹'),
    Some('Œ'),
    None,
    Some('Ž'),
    None,
    None,
    Some('‘'),
    Some('’'),
    Some('“'),
    Some('”'),
    Some('•'),
    Some('–'),
    Some('—'),
    Some('˜'),
    Some('™'),
    Some('š'),
    Some('›'),
    Some('œ'),
    None,
    Some('ž'),
    Some('Ÿ'),
];

/// The field read as Windows-1252, when every byte of it is defined there.
pub fn as_windows_1252(bytes: &[u8]) -> Option<String> {
    bytes
        .iter()
        .map(|&b| match b {
            0x80..=0x9F => HIGH[usize::from(b - 0x80)],
            _ => Some(char::from(b)),
        })
        .collect()
}

/// The message for a field that is not UTF-8.
pub fn not_utf8(bytes: &[u8]) -> String {
    match as_windows_1252(bytes) {
        Some(text) => format!(
            "not valid UTF-8: expected UTF-8 text; this looks like Windows-1252 (it would read '{}'): save the file as UTF-8",
            text.chars().take(60).collect::<String>()
        ),
        None => "not valid UTF-8: expected UTF-8 text (re-export the file as UTF-8)".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_1252_is_named() {
        assert_eq!(
            as_windows_1252(b"Caf\xe9 \x93ok\x94").as_deref(),
            Some("Café “ok”")
        );
        assert_eq!(as_windows_1252(b"\x81"), None);
        assert!(not_utf8(b"Caf\xe9").contains("Windows-1252"));
        assert!(!not_utf8(b"\x8d").contains("Windows-1252"));
    }
}
