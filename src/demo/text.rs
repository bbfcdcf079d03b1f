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

pub fn churn_reason(cause: &str, pick: usize) -> &'static str {
    let options: &[&str] = match cause {
        "service" => &[
            "Recurring connection faults",
            "Inconsistent service quality",
            "Oversold expectations; left after the first invoices",
        ],
        "people" => &[
            "Too few skilled technicians",
            "Agents follow rigid scripts and cannot solve the problem",
        ],
        "process" => &["Support only reachable by phone", "Many small failures adding up"],
        "price" => &["Price not competitive", "Reorganisation cut the IT budget"],
        "promotion" => &[
            "Rewards ignore loyal high spenders",
            "Competitor offered a loyalty bundle",
        ],
        _ => &["No business value gained"],
    };
    options[pick % options.len()]
}
