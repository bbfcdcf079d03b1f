//! What each kind of import file holds: its columns, which are required, their types, the
//! natural key that makes re-importing a file change nothing, and the table it lands in.

use clap::ValueEnum;

use super::fields::FieldType;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Kind {
    Accounts,
    Subscriptions,
    ChurnEvents,
    Tickets,
    Surveys,
    MetricValues,
    Tiers,
    Invoices,
    Usage,
    /// Journeys with their phases and metric definitions (CSV, one row per metric, or TOML).
    Journeys,
    /// Alert rules (TOML `[[rule]]`): what `cxcockpit alerts` watches.
    AlertRules,
}

/// What an empty cell stores: NULL, or the column's neutral value where NULL is not allowed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum EmptyAs {
    Null,
    Blank,
    Zero,
    Text(&'static str),
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Column {
    /// The field name in the file (after --map), and the table's column, except `phase`
    /// (a phase key or name, stored as `phase_id`).
    pub name: &'static str,
    pub ty: FieldType,
    pub required: bool,
    pub empty: EmptyAs,
}

pub struct Spec {
    pub table: &'static str,
    pub columns: &'static [Column],
    /// The natural key: the table's primary key columns.
    pub key: &'static [&'static str],
    /// The column whose month the table's `{table}_changed_insert` trigger records as pending
    /// (with the row's `account_id`, when it has one). A large load sets that trigger aside and
    /// records the same itself (`writer::Writer::record_inserts`).
    pub changes_month: Option<&'static str>,
}

const fn req(name: &'static str, ty: FieldType) -> Column {
    Column {
        name,
        ty,
        required: true,
        empty: EmptyAs::Null,
    }
}

const fn opt(name: &'static str, ty: FieldType, empty: EmptyAs) -> Column {
    Column {
        name,
        ty,
        required: false,
        empty,
    }
}

const TEXT: FieldType = FieldType::Text;
const MONEY: FieldType = FieldType::Number { min: Some(0.0) };
const ANY_NUMBER: FieldType = FieldType::Number { min: None };
const FLAG: FieldType = FieldType::Bool;

pub const COMPANY_SIZES: &[&str] = &["micro", "small", "medium", "large", "unknown"];
pub const ROOT_CAUSES: &[&str] = &["service", "price", "promotion", "people", "process", "other"];
pub const SEVERITIES: &[&str] = &["low", "medium", "high", "critical"];
pub const SURVEYS: &[&str] = &["nps", "csat", "ces"];

impl Kind {
    /// The CSV layout of the kind; None for journeys, whose CSV has a layout of its own.
    pub fn spec(self) -> Option<Spec> {
        use EmptyAs::{Blank, Null, Text, Zero};
        Some(match self {
            Kind::Journeys | Kind::AlertRules => return None,
            Kind::Accounts => Spec {
                table: "account",
                changes_month: None,
                key: &["account_id"],
                columns: {
                    const COLUMNS: &[Column] = &[
                        req("account_id", TEXT),
                        opt("name", TEXT, Blank),
                        opt("journey_id", TEXT, Null),
                        opt("industry", TEXT, Blank),
                        opt("company_size", FieldType::OneOf(COMPANY_SIZES), Text("unknown")),
                        opt("area", TEXT, Blank),
                        opt("contact_role", TEXT, Blank),
                        opt("owner", TEXT, Null),
                        opt("created_on", FieldType::Date, Null),
                        opt("domain", TEXT, Null),
                        opt("external_id", TEXT, Null),
                    ];
                    COLUMNS
                },
            },
            Kind::Subscriptions => Spec {
                table: "subscription",
                changes_month: Some("start_date"),
                key: &["subscription_id"],
                columns: {
                    const COLUMNS: &[Column] = &[
                        opt("subscription_id", TEXT, Null),
                        req("account_id", TEXT),
                        req("mrr", MONEY),
                        req("start_date", FieldType::Date),
                        opt("end_date", FieldType::Date, Null),
                        opt("product", TEXT, Blank),
                        opt("ordered_on", FieldType::Date, Null),
                    ];
                    COLUMNS
                },
            },
            Kind::ChurnEvents => Spec {
                table: "churn_event",
                changes_month: Some("churned_on"),
                key: &["account_id", "churned_on"],
                columns: {
                    const COLUMNS: &[Column] = &[
                        req("account_id", TEXT),
                        req("churned_on", FieldType::Date),
                        req("root_cause", FieldType::OneOf(ROOT_CAUSES)),
                        opt("phase", TEXT, Null),
                        opt("reason", TEXT, Blank),
                        opt("mrr_lost", MONEY, Zero),
                    ];
                    COLUMNS
                },
            },
            Kind::Tickets => Spec {
                table: "ticket",
                changes_month: Some("opened_at"),
                key: &["ticket_id"],
                columns: {
                    const COLUMNS: &[Column] = &[
                        req("ticket_id", TEXT),
                        req("account_id", TEXT),
                        req("opened_at", FieldType::Timestamp),
                        opt("first_response_at", FieldType::Timestamp, Null),
                        opt("resolved_at", FieldType::Timestamp, Null),
                        opt("severity", FieldType::OneOf(SEVERITIES), Text("medium")),
                        opt("channel", TEXT, Blank),
                        opt("phase", TEXT, Null),
                    ];
                    COLUMNS
                },
            },
            Kind::Surveys => Spec {
                table: "survey_response",
                changes_month: Some("answered_at"),
                // One response of a survey tool may answer several surveys (SurveyMonkey's NPS
                // and CSAT exports share their Respondent IDs): each is a row of its own.
                key: &["response_id", "survey"],
                columns: {
                    const COLUMNS: &[Column] = &[
                        opt("response_id", TEXT, Null),
                        req("account_id", TEXT),
                        req("answered_at", FieldType::Timestamp),
                        req("survey", FieldType::OneOf(SURVEYS)),
                        req("score", FieldType::Integer { min: 0, max: 10 }),
                        opt("touchpoint", TEXT, Blank),
                        opt("phase", TEXT, Null),
                        opt("comment", TEXT, Blank),
                    ];
                    COLUMNS
                },
            },
            Kind::MetricValues => Spec {
                table: "metric_value",
                changes_month: Some("period"),
                key: &["metric_id", "period", "segment"],
                columns: {
                    const COLUMNS: &[Column] = &[
                        req("metric_id", TEXT),
                        req("period", FieldType::Period),
                        req("value", ANY_NUMBER),
                        opt("segment", TEXT, Text("all")),
                        opt(
                            "n",
                            FieldType::Integer {
                                min: 0,
                                max: i64::MAX,
                            },
                            Null,
                        ),
                    ];
                    COLUMNS
                },
            },
            Kind::Tiers => Spec {
                table: "tier",
                changes_month: None,
                key: &["tier_id"],
                columns: {
                    const COLUMNS: &[Column] = &[
                        req("tier_id", TEXT),
                        req("name", TEXT),
                        req("rank", FieldType::Integer { min: 1, max: 1000 }),
                        opt("benefits", TEXT, Blank),
                        opt("min_mrr", MONEY, Zero),
                        opt(
                            "window_months",
                            FieldType::Integer { min: 1, max: 120 },
                            Text("3"),
                        ),
                        opt(
                            "min_tenure_months",
                            FieldType::Integer { min: 0, max: 1200 },
                            Zero,
                        ),
                        opt("grace_months", FieldType::Integer { min: 0, max: 120 }, Zero),
                        opt("req_no_overdue", FLAG, Zero),
                        opt("req_no_open_severe", FLAG, Zero),
                        opt("req_not_detractor", FLAG, Zero),
                        opt("req_hvc", FLAG, Zero),
                        opt("qualify", FieldType::OneOf(&["all", "any"]), Text("all")),
                    ];
                    COLUMNS
                },
            },
            Kind::Invoices => Spec {
                table: "invoice",
                changes_month: Some("issued_on"),
                key: &["invoice_id"],
                columns: {
                    const COLUMNS: &[Column] = &[
                        req("invoice_id", TEXT),
                        req("account_id", TEXT),
                        req("issued_on", FieldType::Date),
                        req("due_on", FieldType::Date),
                        opt("paid_on", FieldType::Date, Null),
                        req("amount", MONEY),
                    ];
                    COLUMNS
                },
            },
            Kind::Usage => Spec {
                table: "usage_month",
                changes_month: Some("period"),
                key: &["account_id", "period"],
                columns: {
                    const COLUMNS: &[Column] = &[
                        req("account_id", TEXT),
                        req("period", FieldType::Period),
                        opt("downtime_hours", MONEY, Zero),
                        opt("usage_index", MONEY, Null),
                    ];
                    COLUMNS
                },
            },
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Kind::Accounts => "accounts",
            Kind::Subscriptions => "subscriptions",
            Kind::ChurnEvents => "churn-events",
            Kind::Tickets => "tickets",
            Kind::Surveys => "surveys",
            Kind::MetricValues => "metric-values",
            Kind::Tiers => "tiers",
            Kind::Invoices => "invoices",
            Kind::Usage => "usage",
            Kind::Journeys => "journeys",
            Kind::AlertRules => "alert-rules",
        }
    }
}
