//! A sparkline in one line of text: one character per month, eight heights, `.` for a month
//! without data (no data is never drawn as a low value).

/// The eight heights, lowest first (block elements, one column wide in every terminal font).
pub const LEVELS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// The character for a month without data.
pub const MISSING: char = '.';

/// One character per value, scaled between the smallest and the largest value present.
pub fn sparkline(values: &[Option<f64>]) -> String {
    let present = values.iter().flatten().filter(|v| v.is_finite());
    let (lo, hi) = present.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(*v), hi.max(*v))
    });
    values
        .iter()
        .map(|v| match v {
            Some(v) if v.is_finite() => {
                if hi - lo < 1e-12 {
                    LEVELS[3]
                } else {
                    let level = ((v - lo) / (hi - lo) * 7.0).round() as usize;
                    LEVELS[level.min(7)]
                }
            }
            _ => MISSING,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scales_between_the_extremes_and_marks_gaps() {
        assert_eq!(sparkline(&[Some(0.0), Some(7.0), None, Some(3.5)]), "▁█.▅");
        assert_eq!(sparkline(&[Some(2.0), Some(2.0)]), "▄▄");
        assert_eq!(sparkline(&[None, None]), "..");
        assert_eq!(sparkline(&[]), "");
    }
}
