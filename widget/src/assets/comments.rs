//! Whole-line comments and blank lines taken out of the widget's scripts before they are
//! served: the sources explain themselves at length, and visitors should not download that
//! (about a quarter of the chat window's gzip weight).
//!
//! Deliberately narrow, so it cannot change what the code does: it removes only lines that
//! start (after indentation) with `//`, and block comments that start a line with `/*` (not
//! the `/*!` licence lines, which stay). A comment after code on the same line stays. This is
//! safe for scripts whose string and template literals never span lines, which a test
//! checks for every file served.

/// `source` without whole-line comments and blank lines; text after a block comment's end
/// on its closing line is kept.
pub(super) fn without_comments(source: &str) -> String {
    let mut out = String::with_capacity(source.len());
    let mut in_block = false;
    for line in source.lines() {
        let trimmed = line.trim_start();
        let rest = if in_block {
            match trimmed.find("*/") {
                Some(end) => {
                    in_block = false;
                    trimmed[end + 2..].trim()
                }
                None => continue,
            }
        } else if trimmed.starts_with("//") {
            continue;
        } else if trimmed.starts_with("/*") && !trimmed.starts_with("/*!") {
            match trimmed[2..].find("*/") {
                Some(end) => trimmed[2 + end + 2..].trim(),
                None => {
                    in_block = true;
                    continue;
                }
            }
        } else {
            line
        };
        if !rest.trim().is_empty() {
            out.push_str(rest);
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::without_comments;

    #[test]
    fn whole_line_comments_and_blank_lines_go_and_code_stays() {
        let source = "/*! Licence. */\n/** A doc\n * over lines. */\nvar a = 1; // kept\n\n  // gone\n  /* gone */\n  /* gone\n  */ var b = 2;\nvar url = 'https://example.test/*x';\n";
        assert_eq!(
            without_comments(source),
            "/*! Licence. */\nvar a = 1; // kept\nvar b = 2;\nvar url = 'https://example.test/*x';\n"
        );
    }

    #[test]
    fn a_line_inside_a_block_that_looks_like_code_is_still_a_comment() {
        assert_eq!(
            without_comments("/*\n var hidden = 1;\n*/\nvar shown = 2;\n"),
            "var shown = 2;\n"
        );
    }
}
