//! CSV for admin reports: RFC 4180 fields (quoted when they hold a comma, a quote or a line
//! break; quotes doubled; lines end with CRLF), and cells neutralised against formula
//! injection: a cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return would be
//! run as a formula by a spreadsheet, so it gets a leading `'` (OWASP's advice). Report cells
//! hold free text (an agent's wrap-up may quote a visitor).

/// Appends one CSV line of `cells` to `out`.
pub(super) fn push_line<'a>(out: &mut String, cells: impl IntoIterator<Item = &'a str>) {
    for (index, cell) in cells.into_iter().enumerate() {
        if index > 0 {
            out.push(',');
        }
        push_cell(out, cell);
    }
    out.push_str("\r\n");
}

fn push_cell(out: &mut String, cell: &str) {
    let neutralised = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let quoted = neutralised || cell.contains([',', '"', '\r', '\n']);
    if quoted {
        out.push('"');
    }
    if neutralised {
        out.push('\'');
    }
    for ch in cell.chars() {
        if ch == '"' {
            out.push('"');
        }
        out.push(ch);
    }
    if quoted {
        out.push('"');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(cells: &[&str]) -> String {
        let mut out = String::new();
        push_line(&mut out, cells.iter().copied());
        out
    }

    #[test]
    fn plain_cells_are_written_as_they_are() {
        assert_eq!(line(&["a", "b c", "", "1.5"]), "a,b c,,1.5\r\n");
    }

    #[test]
    fn commas_quotes_and_line_breaks_are_quoted_with_quotes_doubled() {
        assert_eq!(
            line(&["a,b", "say \"hi\"", "two\nlines", "cr\r"]),
            "\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\"cr\r\"\r\n"
        );
    }

    #[test]
    fn cells_a_spreadsheet_would_run_as_formulas_start_with_a_quote_mark() {
        assert_eq!(
            line(&["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\r=x", "a=b"]),
            "\"'=1+1\",\"'+1\",\"'-1\",\"'@SUM(A1)\",\"'\tx\",\"'\r=x\",a=b\r\n"
        );
        assert_eq!(
            line(&["=HYPERLINK(\"http://x\",\"y\")"]),
            "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"\r\n"
        );
    }
}
