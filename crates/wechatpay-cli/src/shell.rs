//! Words for a POSIX shell.

/// `text` as one single-quoted shell word, safe to paste whatever it holds: inside single
/// quotes only `'` itself is special, and it becomes `'\''`.
pub fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::quote;

    #[test]
    fn words_survive_the_shell() {
        assert_eq!(quote("/v3/certificates"), "'/v3/certificates'");
        assert_eq!(quote("a b"), "'a b'");
        assert_eq!(quote("it's"), r"'it'\''s'");
        assert_eq!(quote("$HOME;`x`"), "'$HOME;`x`'");
        assert_eq!(quote(""), "''");
    }
}
