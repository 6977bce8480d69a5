//! Milliseconds written as seconds in the narration, with integer arithmetic only:
//! formatting an `f64` (`{}` or `{:.1}`) would pull the float formatter, about 10 KB gzipped,
//! into the browser's wasm.

/// `ms` in seconds as `{}` prints `ms as f64 / 1000.0`: `3000` is `"3"`, `1500` is `"1.5"`,
/// `250` is `"0.25"`.
pub fn seconds(ms: u64) -> String {
    let (whole, frac) = (ms / 1000, ms % 1000);
    if frac == 0 {
        return whole.to_string();
    }
    let digits = format!("{frac:03}");
    format!("{whole}.{}", digits.trim_end_matches('0'))
}

/// `ms` in seconds with one decimal, rounded half up: `18050` is `"18.1"`.
pub fn seconds_one_decimal(ms: u64) -> String {
    let tenths = (ms + 50) / 100;
    format!("{}.{}", tenths / 10, tenths % 10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_read_as_the_float_would() {
        for ms in [
            0u64, 1, 10, 250, 999, 1000, 1500, 3000, 18_000, 18_050, 123_456, 1_000_001,
        ] {
            assert_eq!(seconds(ms), format!("{}", ms as f64 / 1000.0), "{ms} ms");
        }
    }

    #[test]
    fn seconds_have_one_decimal_rounded_half_up() {
        assert_eq!(seconds_one_decimal(0), "0.0");
        assert_eq!(seconds_one_decimal(999), "1.0");
        assert_eq!(seconds_one_decimal(18_000), "18.0");
        assert_eq!(seconds_one_decimal(18_049), "18.0");
        assert_eq!(seconds_one_decimal(18_050), "18.1");
        assert_eq!(seconds_one_decimal(6_123), "6.1");
    }
}
