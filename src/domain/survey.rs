//! Survey scores by the standard definitions: NPS, CSAT and CES, each on the scale its survey
//! declares ([`Scale`]): nothing here assumes which end of a CES scale is good.

use super::model::Direction;

/// How a survey's answers are scored: the range, which end is good, and which answers count as
/// unhappy and as happy (NPS detractors and promoters, CSAT's satisfied, CES's easy and hard).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scale {
    pub min: i64,
    pub max: i64,
    pub good: Direction,
    /// Inclusive ranges.
    pub unhappy: (i64, i64),
    pub happy: (i64, i64),
}

/// The surveys the store knows, in the schema's words.
pub const SURVEYS: [&str; 3] = ["nps", "csat", "ces"];

impl Scale {
    /// The standard scales: NPS 0-10 (9-10 promoters, 0-6 detractors); CSAT 1-5 (4-5 satisfied,
    /// 1-3 not); CES 1-7 agreement that it was easy (CES 2.0: 5-7 easy, 1-3 hard).
    pub fn standard(survey: &str) -> Option<Scale> {
        let scale = |min, max, unhappy, happy| Scale {
            min,
            max,
            good: Direction::Higher,
            unhappy,
            happy,
        };
        match survey {
            "nps" => Some(scale(0, 10, (0, 6), (9, 10))),
            "csat" => Some(scale(1, 5, (1, 3), (4, 5))),
            "ces" => Some(scale(1, 7, (1, 3), (5, 7))),
            _ => None,
        }
    }

    /// A scale as a journey declares it: `range` "1-5", `good` the end that is good, and the
    /// unhappy and happy answers ("4-5"), each by default the half of the scale beyond its
    /// midpoint on the bad and on the good side (1-5 with low good: 1-2 happy, 4-5 unhappy).
    pub fn declared(
        range: &str,
        good: Direction,
        unhappy: Option<&str>,
        happy: Option<&str>,
    ) -> Result<Scale, String> {
        let (min, max) =
            parse_range(range).ok_or_else(|| format!("scale '{range}': expected MIN-MAX, e.g. 1-5"))?;
        if min >= max {
            return Err(format!("scale '{range}': expected the minimum below the maximum"));
        }
        // The answers strictly below and above the midpoint (2 * score against min + max).
        let (low, high) = (
            (min, (min + max - 1).div_euclid(2)),
            ((min + max + 2).div_euclid(2), max),
        );
        let (bad_half, good_half) = match good {
            Direction::Higher => (low, high),
            Direction::Lower => (high, low),
        };
        let band = |text: Option<&str>, default: (i64, i64), what: &str| -> Result<(i64, i64), String> {
            let Some(text) = text.filter(|t| !t.trim().is_empty()) else {
                return Ok(default);
            };
            let (from, to) =
                parse_range(text).ok_or_else(|| format!("{what} '{text}': expected FROM-TO, e.g. 4-5"))?;
            if from > to || from < min || to > max {
                return Err(format!(
                    "{what} '{text}': expected a range within the scale {min}-{max}"
                ));
            }
            Ok((from, to))
        };
        let scale = Scale {
            min,
            max,
            good,
            unhappy: band(unhappy, bad_half, "unhappy")?,
            happy: band(happy, good_half, "happy")?,
        };
        if scale.unhappy.0 <= scale.happy.1 && scale.happy.0 <= scale.unhappy.1 {
            return Err(format!(
                "unhappy {} and happy {} overlap: expected separate answers",
                scale.band_text(scale.unhappy),
                scale.band_text(scale.happy)
            ));
        }
        let happy_at_good_end = match good {
            Direction::Higher => scale.happy.0 > scale.unhappy.1,
            Direction::Lower => scale.happy.1 < scale.unhappy.0,
        };
        if !happy_at_good_end {
            return Err(format!(
                "happy {} is not at the good ({}) end of the scale: expected happy answers on the {} side of unhappy {}",
                scale.band_text(scale.happy),
                good.as_str(),
                good.as_str(),
                scale.band_text(scale.unhappy)
            ));
        }
        Ok(scale)
    }

    pub fn contains(&self, score: i64) -> bool {
        (self.min..=self.max).contains(&score)
    }

    /// Unhappy (-1), happy (1) or neither (0).
    pub fn sentiment(&self, score: i64) -> i8 {
        if (self.unhappy.0..=self.unhappy.1).contains(&score) {
            -1
        } else if (self.happy.0..=self.happy.1).contains(&score) {
            1
        } else {
            0
        }
    }

    /// "1-5".
    pub fn range_text(&self) -> String {
        format!("{}-{}", self.min, self.max)
    }

    pub fn band_text(&self, band: (i64, i64)) -> String {
        if band.0 == band.1 {
            band.0.to_string()
        } else {
            format!("{}-{}", band.0, band.1)
        }
    }
}

/// "4-5" or "4" (one answer); negative bounds are not survey scores.
fn parse_range(text: &str) -> Option<(i64, i64)> {
    let text = text.trim();
    match text.split_once('-') {
        Some((from, to)) => Some((from.trim().parse().ok()?, to.trim().parse().ok()?)),
        None => text.parse().ok().map(|n| (n, n)),
    }
}

/// % happy minus % unhappy (NPS: promoters minus detractors), from -100 to 100. None without
/// answers.
pub fn nps(scale: &Scale, scores: &[i64]) -> Option<f64> {
    let happy = share_pct(scores, |s| scale.sentiment(s) == 1)?;
    let unhappy = share_pct(scores, |s| scale.sentiment(s) == -1)?;
    Some(happy - unhappy)
}

/// % of happy (satisfied) answers.
pub fn csat(scale: &Scale, scores: &[i64]) -> Option<f64> {
    share_pct(scores, |s| scale.sentiment(s) == 1)
}

/// Mean of the answers, on the survey's own scale (its metric's direction says which way is good).
pub fn ces(scores: &[i64]) -> Option<f64> {
    (!scores.is_empty()).then(|| scores.iter().sum::<i64>() as f64 / scores.len() as f64)
}

fn share_pct(scores: &[i64], hit: impl Fn(i64) -> bool) -> Option<f64> {
    (!scores.is_empty())
        .then(|| 100.0 * scores.iter().filter(|&&s| hit(s)).count() as f64 / scores.len() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn standard(survey: &str) -> Scale {
        Scale::standard(survey).unwrap()
    }

    #[test]
    fn nps_counts_promoters_minus_detractors() {
        // 2 promoters, 1 passive, 1 detractor of 4: 50% - 25% = 25.
        assert_eq!(nps(&standard("nps"), &[10, 9, 8, 6]), Some(25.0));
        assert_eq!(nps(&standard("nps"), &[0, 6]), Some(-100.0));
        assert_eq!(nps(&standard("nps"), &[]), None);
    }

    #[test]
    fn csat_and_ces() {
        assert_eq!(csat(&standard("csat"), &[5, 4, 3, 1]), Some(50.0));
        assert_eq!(ces(&[7, 5, 3]), Some(5.0));
        assert_eq!(csat(&standard("csat"), &[]), None);
        assert_eq!(ces(&[]), None);
    }

    #[test]
    fn the_documents_ces_is_one_to_five_with_low_effort_good() {
        // Seed 001 (S1:296): 1-5, 1 = very low effort. The halves beyond the midpoint 3.
        let ces = Scale::declared("1-5", Direction::Lower, None, None).unwrap();
        assert_eq!((ces.happy, ces.unhappy), ((1, 2), (4, 5)));
        assert_eq!([1, 2, 3, 4, 5].map(|s| ces.sentiment(s)), [1, 1, 0, -1, -1]);
        // CES 2.0, 1-7 agreement that it was easy: the standard scale's halves.
        let ces7 = Scale::declared("1-7", Direction::Higher, None, None).unwrap();
        assert_eq!(ces7, standard("ces"));
        // An even range has no middle answer: 1-4 high is 1-2 unhappy, 3-4 happy.
        let even = Scale::declared("1-4", Direction::Higher, None, None).unwrap();
        assert_eq!((even.unhappy, even.happy), ((1, 2), (3, 4)));
    }

    #[test]
    fn declared_bands_are_checked_against_the_scale() {
        let good = |u, h| Scale::declared("1-5", Direction::Lower, u, h);
        assert_eq!(good(Some("3-5"), Some("1")).unwrap().unhappy, (3, 5));
        assert!(
            good(Some("4-6"), None)
                .unwrap_err()
                .contains("within the scale 1-5")
        );
        assert!(good(Some("2-5"), Some("1-2")).unwrap_err().contains("overlap"));
        // Happy answers at the bad end: a scale declared the wrong way round.
        assert!(
            good(Some("1-2"), Some("4-5"))
                .unwrap_err()
                .contains("good (lower) end")
        );
        assert!(Scale::declared("5-1", Direction::Higher, None, None).is_err());
        assert!(Scale::declared("one to five", Direction::Higher, None, None).is_err());
    }

    #[test]
    fn standard_scales_match_the_definitions() {
        let nps = standard("nps");
        assert_eq!(
            [0, 6, 7, 8, 9, 10].map(|s| nps.sentiment(s)),
            [-1, -1, 0, 0, 1, 1]
        );
        let csat = standard("csat");
        assert_eq!([1, 3, 4, 5].map(|s| csat.sentiment(s)), [-1, -1, 1, 1]);
        assert!(standard("ces").contains(7) && !standard("ces").contains(0));
        assert_eq!(Scale::standard("sus"), None);
    }
}
