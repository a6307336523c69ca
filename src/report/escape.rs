//! Escaping for every context the report puts input data in: HTML text, attribute values, and
//! JSON inside a `<script>` element. SVG text is escaped by plotters' SVG backend.

/// Text between tags, or a double-quoted attribute value.
pub fn html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
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

/// JSON that is safe inside `<script type="application/json">`: no `<`, `>` or `&` can end the
/// element or start a comment, and the line separators JavaScript rejects are escaped.
pub fn json_in_script(value: &serde_json::Value) -> String {
    let text = value.to_string();
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_in_data_cannot_open_tags_or_leave_attributes() {
        let payload = r#"</script><script>alert(1)</script><img src=x onerror="alert('x')">&amp;"#;
        let escaped = html(payload);
        assert!(!escaped.contains('<') && !escaped.contains('>') && !escaped.contains('"'));
        assert!(!escaped.contains('\''));
        assert!(escaped.contains("&amp;amp;"));
        let json = json_in_script(&serde_json::json!({ "name": payload }));
        assert!(!json.contains("</script") && !json.contains('<') && !json.contains('>'));
        // Still the same JSON once parsed.
        let back: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(back["name"], payload);
    }
}
