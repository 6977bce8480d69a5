//! Number formatting for the view with integer arithmetic only: SVG coordinates with one
//! decimal, fixed-point labels. (It keeps the float-formatting machinery of `{:.N}` out of
//! the wasm binary, and keeps attribute strings short.)

/// `v` rounded to `decimals` places (at most 6), e.g. `fixed(3.14159, 2) == "3.14"`,
/// `fixed(-0.04, 1) == "0.0"`.
pub fn fixed(v: f64, decimals: u32) -> String {
    if !v.is_finite() {
        return "0".to_owned();
    }
    let decimals = decimals.min(6);
    let scale = 10i64.pow(decimals);
    let scaled = (v * scale as f64).round() as i64;
    let neg = scaled < 0;
    let a = scaled.unsigned_abs();
    let int = a / scale as u64;
    let frac = a % scale as u64;
    let sign = if neg { "-" } else { "" };
    if decimals == 0 {
        format!("{sign}{int}")
    } else {
        format!("{sign}{int}.{frac:0width$}", width = decimals as usize)
    }
}

/// `1.234 s`
pub fn sim_seconds(ms: f64) -> String {
    format!("{} s", fixed(ms / 1000.0, 3))
}

/// An SVG coordinate: one decimal, without a trailing `.0` (`12.5`, `40`).
pub fn num(v: f64) -> String {
    let s = fixed(v, 1);
    match s.strip_suffix(".0") {
        Some("-0") => "0".to_owned(),
        Some(t) => t.to_owned(),
        None => s,
    }
}

/// `LEO 12 HW 10`, or `12/10` (LEO/HW, as the legend says) when the long form would run
/// into the partition name in a slot `width` wide.
pub fn offsets_label(tp_label: &str, leo: u64, hw: u64, width: f64) -> String {
    let long = format!("LEO {leo} HW {hw}");
    // Approximate advance widths at the diagram's font sizes.
    let need = 20.0 + tp_label.len() as f64 * 6.8 + 6.0 + long.len() as f64 * 6.4;
    if need <= width - 42.0 {
        long
    } else {
        format!("{leo}/{hw}")
    }
}

/// The partition name as it fits beside `offsets` in a slot `width` wide: long names (e.g.
/// `__consumer_offsets-12`) lose their middle to an ellipsis; the full name stays in the
/// replica's tooltip and data attributes.
pub fn fit_tp_label(tp_label: &str, offsets: &str, width: f64) -> String {
    let room = width - 42.0 - 20.0 - 6.0 - offsets.len() as f64 * 6.4;
    let max_chars = (room / 6.8).floor().max(5.0) as usize;
    let chars: Vec<char> = tp_label.chars().collect();
    if chars.len() <= max_chars {
        return tp_label.to_owned();
    }
    let keep = max_chars - 1;
    let tail = keep / 2;
    let head = keep - tail;
    let mut out: String = chars[..head].iter().collect();
    out.push('…');
    out.extend(&chars[chars.len() - tail..]);
    out
}

/// `text` cut to at most `max_chars` characters, ending in `…` when cut (the start says the
/// most; the whole text goes in a tooltip).
/// `text` wrapped in Unicode's first-strong isolate (U+2068 ... U+2069) if it holds bidi
/// formatting characters (embeddings, overrides, isolates, marks), as it is; an unterminated
/// right-to-left override in a key then turns only the key around, not the rest of the line
/// it is quoted in (a PDI closes whatever was opened after its isolate, UAX #9).
pub fn bidi_isolated(text: &str) -> std::borrow::Cow<'_, str> {
    let bidi = |c: char| matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}');
    if text.chars().any(bidi) {
        std::borrow::Cow::Owned(format!("\u{2068}{text}\u{2069}"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

pub fn elide_end(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(max_chars.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// An error's name (`INCONSISTENT_GROUP_PROTOCOL`) on lines of at most `width` characters,
/// broken after underscores.
pub fn error_lines(name: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for part in name.split_inclusive('_') {
        match lines.last_mut() {
            Some(l) if l.len() + part.len() <= width => l.push_str(part),
            _ => lines.push(part.to_owned()),
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elide_end_keeps_short_text_and_cuts_long_text_with_an_ellipsis() {
        assert_eq!(elide_end("★ CONTROLLER", 20), "★ CONTROLLER");
        assert_eq!(elide_end("abcdefghij", 5), "abcd…");
        assert_eq!(elide_end("abcdefghij", 5).chars().count(), 5);
    }

    #[test]
    fn fixed_rounds_to_the_given_places() {
        assert_eq!(fixed(1.23456, 2), "1.23");
        assert_eq!(fixed(2.5, 0), "3");
        assert_eq!(fixed(0.1, 2), "0.10");
        assert_eq!(fixed(1234.5678, 3), "1234.568");
        assert_eq!(fixed(-1.25, 1), "-1.3");
        assert_eq!(fixed(-0.04, 1), "0.0");
        assert_eq!(fixed(f64::NAN, 2), "0");
    }

    #[test]
    fn svg_numbers_drop_a_trailing_zero() {
        assert_eq!(num(40.0), "40");
        assert_eq!(num(12.54), "12.5");
        assert_eq!(num(-3.0), "-3");
        assert_eq!(num(-0.01), "0");
    }

    #[test]
    fn long_partition_names_lose_their_middle_to_fit_beside_the_offsets() {
        let offsets = offsets_label("__consumer_offsets-12", 3, 3, 190.0);
        assert_eq!(offsets, "3/3");
        let fitted = fit_tp_label("__consumer_offsets-12", &offsets, 190.0);
        assert!(fitted.contains('…') && fitted.ends_with("-12"), "{fitted}");
        assert!(fitted.chars().count() < "__consumer_offsets-12".len());
        // Short names are left alone.
        assert_eq!(fit_tp_label("orders-0", "LEO 1 HW 1", 190.0), "orders-0");
    }

    #[test]
    fn an_error_name_breaks_after_underscores() {
        assert_eq!(
            error_lines("INCONSISTENT_GROUP_PROTOCOL", 15),
            ["INCONSISTENT_", "GROUP_PROTOCOL"]
        );
        assert_eq!(error_lines("UNKNOWN", 15), ["UNKNOWN"]);
    }
}
