//! Words for the demo: company names, survey comments with themes (English and Indonesian, as the
//! documents' customers write both) and churn reasons by root cause.

pub const INDUSTRIES: &[&str] = &[
    "food & beverage",
    "finance",
    "distributor",
    "property",
    "medical",
    "education",
];

pub const OWNERS: &[&str] = &["ayu", "budi", "citra", "dewi", "eko", "fajar", "gita", "hadi"];

const NAME_FIRST: &[&str] = &[
    "Sinar", "Maju", "Karya", "Mitra", "Cahaya", "Sentosa", "Bumi", "Nusa", "Jaya", "Prima", "Mega",
    "Harapan", "Indah", "Surya", "Tirta", "Griya",
];
const NAME_SECOND: &[&str] = &[
    "Abadi",
    "Makmur",
    "Sejahtera",
    "Mandiri",
    "Utama",
    "Lestari",
    "Perkasa",
    "Gemilang",
    "Bersama",
    "Sukses",
    "Raya",
    "Cemerlang",
];

pub fn company_name(index: usize, industry: &str) -> String {
    let first = NAME_FIRST[index % NAME_FIRST.len()];
    let second = NAME_SECOND[(index / NAME_FIRST.len()) % NAME_SECOND.len()];
    let kind = match industry {
        "food & beverage" => "Pangan",
        "finance" => "Finance",
        "distributor" => "Distribusi",
        "property" => "Properti",
        "medical" => "Medika",
        _ => "Edukasi",
    };
    format!(
        "PT {first} {second} {kind} {}",
        index / (NAME_FIRST.len() * NAME_SECOND.len()) + 1
    )
}

/// Why a detractor is unhappy; each theme has phrases in English and Indonesian.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Theme {
    Downtime,
    SlowSupport,
    Price,
    Billing,
    Praise,
    Neutral,
}

pub fn comment(theme: Theme, pick: usize) -> &'static str {
    let options: &[&str] = match theme {
        Theme::Downtime => &[
            "connection keeps dropping during business hours",
            "koneksi sering putus, operasional kantor terganggu",
            "too much downtime this month, we lost sales",
            "internet mati berjam-jam tanpa pemberitahuan",
        ],
        Theme::SlowSupport => &[
            "waited hours for a reply from support",
            "respon customer service lama sekali",
            "support only reachable by phone and the wait is long",
            "teknisi datang terlambat dan kurang terampil",
        ],
        Theme::Price => &[
            "too expensive for what we get",
            "harga terlalu mahal dibanding kompetitor",
            "no loyalty reward after years as a customer",
        ],
        Theme::Billing => &["invoice arrived late again", "tagihan terlambat dan tidak jelas"],
        Theme::Praise => &[
            "stable connection and quick helpful support",
            "koneksi stabil, pelayanan cepat tanggap",
            "account manager knows our business well",
            "fast resolution when we had a problem",
        ],
        Theme::Neutral => &["ok overall", "cukup baik", "service is fine, nothing special"],
    };
    options[pick % options.len()]
}

/// What drove a demo account to leave (see `simulate`): faults, slow support, price, unrewarded
/// loyalty, or an early exit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChurnDriver {
    Faults,
    SlowSupport,
    /// Slow support where the process is the cause: support reachable only by phone.
    PhoneOnlySupport,
    Price,
    Promotion,
    Early,
}

/// The root cause and reason a churner of `driver` records, coded as the fishbone codes them
/// (S0:84-86: service/product, price, promotion, people, process) or as one of the other causes
/// (S3:566, 716, 736-749: a budget cut is reorganisation or economy, not price; oversold
/// expectations show after the first invoices, so only early exits give that reason).
pub fn churn_cause(driver: ChurnDriver, pick: usize) -> (&'static str, &'static str) {
    let options: &[(&str, &str)] = match driver {
        ChurnDriver::Faults => &[
            ("service", "Recurring connection faults"),
            ("service", "Inconsistent service quality"),
            ("other", "Many small failures adding up"),
        ],
        ChurnDriver::SlowSupport => &[
            (
                "people",
                "Agents follow rigid scripts and cannot solve the problem",
            ),
            ("people", "Agents lack the skills to solve the problem"),
            ("service", "Too few skilled technicians"),
        ],
        ChurnDriver::PhoneOnlySupport => &[("process", "Support only reachable by phone")],
        ChurnDriver::Price => &[
            ("price", "Price not competitive"),
            ("price", "A competitor offered the same for less"),
            ("other", "Reorganisation cut the IT budget"),
        ],
        ChurnDriver::Promotion => &[
            ("promotion", "Rewards ignore loyal high spenders"),
            ("promotion", "Competitor offered a loyalty bundle"),
        ],
        ChurnDriver::Early => &[
            ("other", "Oversold expectations; left after the first invoices"),
            ("other", "No business value gained"),
        ],
    };
    options[pick % options.len()]
}

#[cfg(test)]
mod churn_tests {
    use super::*;

    const DRIVERS: [ChurnDriver; 6] = [
        ChurnDriver::Faults,
        ChurnDriver::SlowSupport,
        ChurnDriver::PhoneOnlySupport,
        ChurnDriver::Price,
        ChurnDriver::Promotion,
        ChurnDriver::Early,
    ];

    #[test]
    fn causes_are_coded_as_the_fishbone_codes_them() {
        for driver in DRIVERS {
            for pick in 0..8 {
                let (cause, reason) = churn_cause(driver, pick);
                if reason.contains("budget") {
                    assert_eq!(cause, "other", "a budget cut is not a price cause");
                }
                if reason.contains("first invoices") {
                    assert_eq!(
                        driver,
                        ChurnDriver::Early,
                        "only a short tenure leaves after the first invoices"
                    );
                }
                assert!(["service", "price", "promotion", "people", "process", "other"].contains(&cause));
            }
        }
    }
}
