//! One account, read in full for the cockpit's account view: its profile, subscriptions, MRR per
//! month, tier row, recent tickets, survey answers, triage state and signal values. Read once
//! when the view opens (or when another cockpit changed the store), never per keypress.

use rusqlite::{OptionalExtension, params};

use crate::domain::Period;
use crate::domain::triage::Signal;
use crate::error::{Result, SqlContext};

use super::Store;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct AccountProfile {
    pub account_id: String,
    pub name: String,
    pub journey: Option<String>,
    pub industry: String,
    pub company_size: String,
    pub area: String,
    pub contact_role: String,
    pub owner: Option<String>,
    pub hvc: bool,
    pub created_on: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SubscriptionLine {
    pub subscription_id: String,
    pub product: String,
    pub mrr: f64,
    pub start_date: String,
    pub end_date: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TicketLine {
    pub ticket_id: String,
    pub phase: Option<String>,
    pub opened_at: String,
    pub first_response_at: Option<String>,
    pub resolved_at: Option<String>,
    pub severity: String,
    pub channel: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SurveyLine {
    pub answered_at: String,
    pub survey: String,
    pub score: i64,
    pub phase: Option<String>,
    pub touchpoint: String,
    pub comment: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TriageStateLine {
    pub status: String,
    pub assignee: Option<String>,
    pub snooze_until: Option<String>,
    pub updated_by: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TierLine {
    pub held: Option<String>,
    pub eligible: Option<String>,
    pub status: String,
    pub grace_until: Option<String>,
}

impl Store {
    /// Accounts whose name (or id) starts with `prefix`, any case, by name: what the command
    /// line's `:account` completes, over every account of the store (a walk of the account
    /// table, on the loader's thread).
    pub fn account_names(&self, prefix: &str, limit: usize) -> Result<Vec<(String, String)>> {
        let what = "finding accounts by name";
        // LIKE's own wildcards in what was typed are taken literally.
        let escaped: String = prefix
            .chars()
            .flat_map(|c| match c {
                '%' | '_' | '\\' => vec!['\\', c],
                c => vec![c],
            })
            .collect();
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT name, account_id FROM account
                 WHERE name LIKE ?1 || '%' ESCAPE '\\' OR account_id LIKE ?1 || '%' ESCAPE '\\'
                 ORDER BY name, account_id LIMIT ?2",
            )
            .context(what)?;
        let rows = stmt
            .query_map(rusqlite::params![escaped, limit as i64], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .context(what)?;
        rows.collect::<rusqlite::Result<_>>().context(what)
    }

    pub fn account_profile(&self, account_id: &str) -> Result<Option<AccountProfile>> {
        self.conn
            .query_row(
                "SELECT a.account_id, a.name, j.name, a.industry, a.company_size, a.area, a.contact_role,
                        a.owner, a.hvc, a.created_on
                 FROM account a LEFT JOIN journey j ON j.journey_id = a.journey_id
                 WHERE a.account_id = ?1",
                [account_id],
                |r| {
                    Ok(AccountProfile {
                        account_id: r.get(0)?,
                        name: r.get(1)?,
                        journey: r.get(2)?,
                        industry: r.get(3)?,
                        company_size: r.get(4)?,
                        area: r.get(5)?,
                        contact_role: r.get(6)?,
                        owner: r.get(7)?,
                        hvc: r.get(8)?,
                        created_on: r.get(9)?,
                    })
                },
            )
            .optional()
            .context("reading the account")
    }

    /// The account's subscriptions, the latest start first.
    pub fn account_subscriptions(&self, account_id: &str) -> Result<Vec<SubscriptionLine>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT subscription_id, product, mrr, start_date, end_date FROM subscription
                 WHERE account_id = ?1 ORDER BY start_date DESC, subscription_id",
            )
            .context("reading subscriptions")?;
        let rows = stmt
            .query_map([account_id], |r| {
                Ok(SubscriptionLine {
                    subscription_id: r.get(0)?,
                    product: r.get(1)?,
                    mrr: r.get(2)?,
                    start_date: r.get(3)?,
                    end_date: r.get(4)?,
                })
            })
            .context("reading subscriptions")?;
        rows.collect::<rusqlite::Result<_>>()
            .context("reading subscriptions")
    }

    /// MRR at the end of each month the account has a row for (None: not active then).
    pub fn account_mrr(&self, account_id: &str) -> Result<Vec<(Period, Option<f64>)>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT period, mrr_end FROM account_month WHERE account_id = ?1 ORDER BY period")
            .context("reading the account's months")?;
        let rows = stmt
            .query_map([account_id], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, Option<f64>>(1)?))
            })
            .context("reading the account's months")?;
        let mut out = Vec::new();
        for row in rows {
            let (period, mrr) = row.context("reading the account's months")?;
            if let Ok(period) = period.parse() {
                out.push((period, mrr));
            }
        }
        Ok(out)
    }

    pub fn account_tier(&self, account_id: &str, period: Period) -> Result<Option<TierLine>> {
        self.conn
            .query_row(
                "SELECT held_tier, eligible_tier, status, grace_until FROM account_tier
                 WHERE period = ?1 AND account_id = ?2",
                params![period.to_string(), account_id],
                |r| {
                    Ok(TierLine {
                        held: r.get(0)?,
                        eligible: r.get(1)?,
                        status: r.get(2)?,
                        grace_until: r.get(3)?,
                    })
                },
            )
            .optional()
            .context("reading the account's tier")
    }

    /// The account's `limit` latest tickets, the latest first.
    pub fn account_tickets(&self, account_id: &str, limit: usize) -> Result<Vec<TicketLine>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT t.ticket_id, p.name, t.opened_at, t.first_response_at, t.resolved_at, t.severity, t.channel
                 FROM ticket t LEFT JOIN phase p ON p.phase_id = t.phase_id
                 WHERE t.account_id = ?1 ORDER BY t.opened_at DESC, t.ticket_id LIMIT ?2",
            )
            .context("reading tickets")?;
        let rows = stmt
            .query_map(params![account_id, limit as i64], |r| {
                Ok(TicketLine {
                    ticket_id: r.get(0)?,
                    phase: r.get(1)?,
                    opened_at: r.get(2)?,
                    first_response_at: r.get(3)?,
                    resolved_at: r.get(4)?,
                    severity: r.get(5)?,
                    channel: r.get(6)?,
                })
            })
            .context("reading tickets")?;
        rows.collect::<rusqlite::Result<_>>().context("reading tickets")
    }

    /// The account's `limit` latest survey answers, the latest first.
    pub fn account_surveys(&self, account_id: &str, limit: usize) -> Result<Vec<SurveyLine>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT s.answered_at, s.survey, s.score, p.name, s.touchpoint, s.comment
                 FROM survey_response s LEFT JOIN phase p ON p.phase_id = s.phase_id
                 WHERE s.account_id = ?1 ORDER BY s.answered_at DESC, s.response_id, s.survey LIMIT ?2",
            )
            .context("reading survey answers")?;
        let rows = stmt
            .query_map(params![account_id, limit as i64], |r| {
                Ok(SurveyLine {
                    answered_at: r.get(0)?,
                    survey: r.get(1)?,
                    score: r.get(2)?,
                    phase: r.get(3)?,
                    touchpoint: r.get(4)?,
                    comment: r.get(5)?,
                })
            })
            .context("reading survey answers")?;
        rows.collect::<rusqlite::Result<_>>()
            .context("reading survey answers")
    }

    pub fn account_triage_state(&self, account_id: &str) -> Result<Option<TriageStateLine>> {
        self.conn
            .query_row(
                "SELECT status, assignee, snooze_until, updated_by, updated_at FROM triage_state WHERE account_id = ?1",
                [account_id],
                |r| {
                    Ok(TriageStateLine {
                        status: r.get(0)?,
                        assignee: r.get(1)?,
                        snooze_until: r.get(2)?,
                        updated_by: r.get(3)?,
                        updated_at: r.get(4)?,
                    })
                },
            )
            .optional()
            .context("reading the triage state")
    }

    /// The account's raw signal values in one month (scored with `domain::triage::score`).
    pub fn account_signals(&self, account_id: &str, period: Period) -> Result<Vec<(Signal, f64)>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT signal, value FROM account_signal WHERE period = ?1 AND account_id = ?2")
            .context("reading triage signals")?;
        let rows = stmt
            .query_map(params![period.to_string(), account_id], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, f64>(1)?))
            })
            .context("reading triage signals")?;
        let mut out = Vec::new();
        for row in rows {
            let (name, value) = row.context("reading triage signals")?;
            if let Some(signal) = Signal::from_name(&name) {
                out.push((signal, value));
            }
        }
        Ok(out)
    }
}
