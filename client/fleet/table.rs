//! Aligned text tables for the fleet commands (plan, status, summary).

/// Left-aligned columns separated by two spaces, the header first.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> Vec<String> {
    let mut width: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if let Some(w) = width.get_mut(i) {
                *w = (*w).max(cell.chars().count());
            }
        }
    }
    let line = |cells: Vec<&str>| {
        let mut s = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                s.push_str(cell);
            } else {
                let pad = width
                    .get(i)
                    .map_or(0, |w| w.saturating_sub(cell.chars().count()));
                s.push_str(cell);
                s.push_str(&" ".repeat(pad + 2));
            }
        }
        s
    };
    let mut out = vec![line(header.to_vec())];
    for row in rows {
        out.push(line(row.iter().map(String::as_str).collect()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_aligned() {
        let t = table(
            &["A", "BB", "C"],
            &[vec!["long".into(), "x".into(), "last".into()]],
        );
        assert_eq!(t, ["A     BB  C", "long  x   last"]);
    }
}
