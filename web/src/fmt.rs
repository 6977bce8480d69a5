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

/// An SVG coordinate: one decimal, without a trailing `.0` (`12.5`, `40`).
pub fn num(v: f64) -> String {
    let s = fixed(v, 1);
    match s.strip_suffix(".0") {
        Some("-0") => "0".to_owned(),
        Some(t) => t.to_owned(),
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
