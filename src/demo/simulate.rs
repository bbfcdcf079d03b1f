//! The month-by-month simulation of each demo account. The causal chain it encodes:
//! service risk -> downtime -> tickets; support load and account traits -> response times;
//! downtime and slow support -> satisfaction -> survey scores; all of these and price
//! sensitivity -> churn, recorded in the phase and root cause of the strongest driver.

use super::rng::DemoRng;
use chrono::{Duration, NaiveDate, NaiveDateTime};
use rusqlite::{Transaction, params};

use super::DemoSummary;
use super::text::{self, ChurnDriver, Theme};
use crate::domain::Period;
use crate::error::{Result, SqlContext};

/// The phases of a journey the simulation writes into (phase ids of catalogue.sql).
struct JourneyPlan {
    id: &'static str,
    share: f64,
    install_phase: i64,
    nps_phase: i64,
    billing_phase: Option<i64>,
    support_phase: i64,
    /// Where churn shows, by driver: service, support, price, promotion, early.
    churn_phase: [i64; 5],
    /// Support channels with their share of tickets and a response-time factor.
    channels: &'static [(&'static str, f64, f64)],
    /// Company sizes with their share and median MRR.
    sizes: &'static [(&'static str, f64, f64)],
    downtime_factor: f64,
    lead_days: f64,
    products: (&'static str, &'static str),
    /// CES on the documents' 1-5 effort scale, 1 = very low effort (S1:296), instead of CES 2.0's
    /// 1-7 agreement that it was easy; catalogue.sql declares the journey's scale.
    ces_effort_1_to_5: bool,
}

const JOURNEYS: [JourneyPlan; 2] = [
    JourneyPlan {
        id: "sme-broadband",
        share: 0.65,
        install_phase: 1,
        nps_phase: 2,
        billing_phase: Some(3),
        support_phase: 4,
        churn_phase: [2, 4, 3, 5, 1],
        channels: &[
            ("call center", 0.45, 0.6),
            ("website", 0.2, 1.4),
            ("social media", 0.15, 1.8),
            ("WhatsApp", 0.2, 1.0),
        ],
        sizes: &[
            ("small", 0.7, 70.0),
            ("medium", 0.27, 260.0),
            ("large", 0.03, 900.0),
        ],
        downtime_factor: 1.0,
        lead_days: 6.0,
        products: ("Business Broadband", "Static IP / Managed Wi-Fi"),
        ces_effort_1_to_5: false,
    },
    JourneyPlan {
        id: "cloud-security",
        share: 0.35,
        install_phase: 14,
        nps_phase: 15,
        billing_phase: None,
        support_phase: 15,
        churn_phase: [15, 15, 16, 16, 14],
        channels: &[
            ("technical support", 0.5, 0.7),
            ("website", 0.2, 1.3),
            ("call center", 0.2, 0.8),
            ("customer portal", 0.1, 1.6),
        ],
        sizes: &[
            ("small", 0.3, 180.0),
            ("medium", 0.5, 650.0),
            ("large", 0.2, 2400.0),
        ],
        downtime_factor: 0.25,
        lead_days: 9.0,
        products: ("Cloud Firewall", "Extra seats / Threat intelligence"),
        ces_effort_1_to_5: true,
    },
];

/// The churn drivers, in the order of the hazards in `simulate`.
const CHURN_DRIVERS: [ChurnDriver; 5] = [
    ChurnDriver::Faults,
    ChurnDriver::SlowSupport,
    ChurnDriver::Price,
    ChurnDriver::Promotion,
    ChurnDriver::Early,
];

struct Sub {
    id: String,
    mrr: f64,
    end: Option<NaiveDate>,
    main: bool,
}

/// Counters for ids and the summary.
#[derive(Default)]
struct Ids {
    subscription: u64,
    ticket: u64,
    survey: u64,
    invoice: u64,
    churn: u64,
}

/// Company-wide support load of month `k` of `months`: a slow wave, and a staffing crunch in
/// the latest months that the cockpit should show as red.
fn support_load(k: i32, months: i32) -> f64 {
    let from_end = months - k;
    let crunch = match from_end {
        2 | 3 => 0.9,
        1 => 0.5,
        _ => 0.0,
    };
    1.0 + 0.15 * (k as f64 / 2.0).sin() + crunch
}

pub fn accounts(
    tx: &Transaction<'_>,
    rng: &mut DemoRng,
    count: usize,
    first: Period,
    as_of: Period,
) -> Result<DemoSummary> {
    let mut sim = Simulation {
        tx,
        first,
        months: first.months_until(as_of) + 1,
        end: as_of.next().first_day(),
        ids: Ids::default(),
    };
    for index in 0..count {
        sim.account(rng, index)?;
    }
    Ok(DemoSummary {
        accounts: count as u64,
        subscriptions: sim.ids.subscription,
        tickets: sim.ids.ticket,
        surveys: sim.ids.survey,
        invoices: sim.ids.invoice,
        churn_events: sim.ids.churn,
        refresh: None,
    })
}

struct Simulation<'a, 'c> {
    tx: &'a Transaction<'c>,
    first: Period,
    months: i32,
    /// The first day after the data: nothing happens on or after it.
    end: NaiveDate,
    ids: Ids,
}

impl Simulation<'_, '_> {
    fn account(&mut self, rng: &mut DemoRng, index: usize) -> Result<()> {
        let plan = if rng.gen_bool(JOURNEYS[0].share) {
            &JOURNEYS[0]
        } else {
            &JOURNEYS[1]
        };
        let (size, median_mrr) = pick_weighted(rng, plan.sizes.iter().map(|&(s, w, m)| ((s, m), w)));
        let premium = size != "small";
        let industry = text::INDUSTRIES[rng.gen_range(0..text::INDUSTRIES.len())];
        let suburban = rng.gen_bool(0.35);
        let role = match size {
            "small" => "office administrator",
            "medium" => "senior manager",
            _ => "IT director",
        };
        let account_id = format!("A{:05}", index + 1);
        let owner = text::OWNERS[rng.gen_range(0..text::OWNERS.len())];

        // Latent traits: what makes this account's experience good or bad.
        let service_risk = rng.gen_range(0.0f64..1.0).powi(2) * if suburban { 1.5 } else { 1.0 };
        let support_risk: f64 = rng.gen_range(0.0..1.0);
        let price_sensitivity = if premium {
            rng.gen_range(0.0..0.3)
        } else {
            rng.gen_range(0.3..1.0)
        };
        let base_satisfaction = normal(rng, 7.9, 1.0).clamp(3.0, 10.0);
        let base_mrr = (lognormal(rng, median_mrr, 0.45)).round().max(20.0);

        let window_start = self.first.first_day();
        let start = if rng.gen_bool(0.55) {
            window_start - Duration::days(rng.gen_range(20..1460))
        } else {
            window_start + Duration::days(rng.gen_range(0..(self.months as i64 * 30).max(1)))
        };
        self.insert_account(
            &account_id,
            plan,
            index,
            industry,
            size,
            suburban,
            role,
            owner,
            start,
        )?;
        if start >= self.end {
            return Ok(()); // a prospect: known to the CRM, no subscription yet
        }

        let lead = lognormal(rng, plan.lead_days * if suburban { 1.4 } else { 1.0 }, 0.5)
            .round()
            .max(1.0);
        let mut subs =
            vec![self.open_sub(&account_id, plan.products.0, base_mrr, start, lead as i64, true)?];

        let start_k = self.first.months_until(Period::of_date(start)).max(0);
        let mut satisfaction = base_satisfaction;
        let mut recent_downtime = [0.0f64; 3];
        let mut recent_slow = [0u32; 3];
        let mut recent_late = [0u32; 3];
        let mut churned = false;
        let mut reactivate_at: Option<i32> = None;

        if start >= window_start {
            self.onboarding(rng, &account_id, plan, start, lead)?;
        }

        for k in start_k..self.months {
            let month = self.first.offset(k);
            let d0 = month.first_day();
            let d1 = month.next().first_day();
            if churned {
                if reactivate_at == Some(k) {
                    churned = false;
                    subs.push(self.open_sub(
                        &account_id,
                        plan.products.0,
                        (base_mrr * 0.9).round(),
                        d0,
                        5,
                        true,
                    )?);
                } else {
                    continue;
                }
            }
            let active_from = start.max(d0);
            let slot = (k % 3) as usize;

            // Usage and downtime.
            let mut downtime = exponential(rng, (0.3 + 3.0 * service_risk) * plan.downtime_factor);
            if rng.gen_bool((0.03 + 0.08 * service_risk).min(1.0)) {
                downtime += rng.gen_range(6.0..30.0) * plan.downtime_factor;
            }
            if suburban && self.months - k == 7 {
                downtime += 12.0 * plan.downtime_factor; // a regional outage
            }
            let usage = (100.0 - 1.5 * downtime.min(40.0) - if satisfaction < 5.0 { 20.0 } else { 0.0 }
                + normal(rng, 0.0, 5.0))
            .max(0.0);
            self.tx
                .prepare_cached("INSERT INTO usage_month (account_id, period, downtime_hours, usage_index) VALUES (?1, ?2, ?3, ?4)")
                .and_then(|mut s| s.execute(params![account_id, month.to_string(), round2(downtime), round2(usage)]))
                .context("writing demo usage")?;

            // Tickets, and the surveys that follow them.
            let load = support_load(k, self.months);
            let mut slow = 0;
            for _ in 0..poisson(rng, 0.1 + 0.3 * service_risk + downtime / 12.0) {
                let opened = random_time(rng, active_from, d1);
                if opened >= self.end.and_hms_opt(0, 0, 0).unwrap_or_default() {
                    continue;
                }
                let (channel, factor) =
                    pick_weighted(rng, plan.channels.iter().map(|&(c, w, f)| ((c, f), w)));
                let severity = pick_weighted(
                    rng,
                    [
                        ("low", 0.3),
                        ("medium", 0.4),
                        ("high", 0.22 + downtime / 100.0),
                        ("critical", 0.08 + downtime / 200.0),
                    ]
                    .into_iter(),
                );
                let median =
                    2.2 * load * (1.0 + 1.5 * support_risk) * factor * if premium { 0.7 } else { 1.0 };
                let first_response = lognormal(rng, median, 0.7);
                let resolution = first_response + lognormal(rng, 10.0 * load, 0.8);
                if first_response > 8.0 {
                    slow += 1;
                }
                self.ticket(
                    &account_id,
                    plan.support_phase,
                    opened,
                    first_response,
                    resolution,
                    severity,
                    channel,
                )?;
                let resolved_at = opened + hours(resolution);
                if rng.gen_bool(0.3) {
                    let good =
                        sigmoid(2.5 - 0.2 * first_response - 0.02 * resolution + 0.3 * (satisfaction - 7.0));
                    let score = if rng.gen_bool(good) {
                        rng.gen_range(4..=5)
                    } else {
                        rng.gen_range(1..=3)
                    };
                    let theme = if score >= 4 {
                        Theme::Praise
                    } else {
                        Theme::SlowSupport
                    };
                    self.survey(
                        rng,
                        &account_id,
                        plan.support_phase,
                        resolved_at,
                        "csat",
                        score,
                        channel,
                        theme,
                    )?;
                }
                if rng.gen_bool(0.2) {
                    let ease = normal(rng, 5.8 - 0.12 * first_response - 0.02 * resolution, 1.0);
                    let (score, easy) = if plan.ces_effort_1_to_5 {
                        // Ease 7 is effort 1, ease 1 effort 5.
                        let effort = (1.0 + (7.0 - ease) * 4.0 / 6.0).round().clamp(1.0, 5.0) as i64;
                        (effort, effort <= 2)
                    } else {
                        let score = ease.round().clamp(1.0, 7.0) as i64;
                        (score, score >= 5)
                    };
                    let theme = if easy { Theme::Praise } else { Theme::SlowSupport };
                    self.survey(
                        rng,
                        &account_id,
                        plan.support_phase,
                        resolved_at,
                        "ces",
                        score,
                        channel,
                        theme,
                    )?;
                }
            }

            // Billing.
            let mrr: f64 = subs.iter().filter(|s| s.end.is_none()).map(|s| s.mrr).sum();
            let late_p: f64 = 0.04 + 0.12 * price_sensitivity + if satisfaction < 5.0 { 0.1 } else { 0.0 };
            let late = rng.gen_bool(late_p.min(1.0));
            self.invoice(rng, &account_id, active_from, mrr, late)?;
            if let Some(phase) = plan.billing_phase
                && rng.gen_bool(0.06)
            {
                let late_recent = recent_late.iter().sum::<u32>() + late as u32;
                let score = normal(rng, 5.7 - 1.2 * late_recent as f64, 1.0)
                    .round()
                    .clamp(1.0, 7.0) as i64;
                let theme = if score >= 5 {
                    Theme::Neutral
                } else {
                    Theme::Billing
                };
                let at = random_time(rng, active_from, d1);
                self.survey(rng, &account_id, phase, at, "ces", score, "manual billing", theme)?;
            }

            // Experience drives satisfaction, and satisfaction the relationship survey.
            recent_downtime[slot] = downtime;
            recent_slow[slot] = slow;
            recent_late[slot] = late as u32;
            satisfaction +=
                0.25 * (base_satisfaction - satisfaction) - 0.07 * downtime.min(30.0) - 0.5 * slow as f64
                    + normal(rng, 0.0, 0.3);
            satisfaction = satisfaction.clamp(0.0, 10.0);
            if (k + index as i32) % 3 == 0 && rng.gen_bool(0.3) {
                let score = normal(rng, satisfaction + 0.5, 1.3).round().clamp(0.0, 10.0) as i64;
                let theme = if score >= 9 {
                    Theme::Praise
                } else if score >= 7 {
                    Theme::Neutral
                } else if recent_downtime.iter().sum::<f64>() > 8.0 * plan.downtime_factor {
                    Theme::Downtime
                } else if recent_slow.iter().sum::<u32>() > 0 {
                    Theme::SlowSupport
                } else if price_sensitivity > 0.5 {
                    Theme::Price
                } else {
                    Theme::Billing
                };
                let at = random_time(rng, active_from, d1);
                self.survey(
                    rng,
                    &account_id,
                    plan.nps_phase,
                    at,
                    "nps",
                    score,
                    "email survey",
                    theme,
                )?;
            }

            // Expansion and contraction take effect on the first day of the next month.
            let tenure_months = Period::of_date(start).months_until(month);
            if rng.gen_bool(
                0.012 + if satisfaction > 8.0 { 0.025 } else { 0.0 } + if premium { 0.01 } else { 0.0 },
            ) {
                let extra = (base_mrr * rng.gen_range(0.15..0.4)).round();
                subs.push(self.open_sub(&account_id, plan.products.1, extra, d1, 3, false)?);
            } else if rng
                .gen_bool(0.006 + if satisfaction < 5.0 { 0.02 } else { 0.0 } + 0.01 * price_sensitivity)
            {
                if let Some(addon) = subs.iter_mut().find(|s| s.end.is_none() && !s.main) {
                    self.close_sub(addon, d1)?;
                } else if let Some(main) = subs.iter_mut().find(|s| s.end.is_none() && s.main) {
                    let reduced = (main.mrr * 0.75).round();
                    self.close_sub(main, d1)?;
                    subs.push(self.open_sub(&account_id, plan.products.0, reduced, d1, 0, true)?);
                }
            }

            // Churn: each driver adds to the hazard; the strongest names the phase and cause.
            let drivers = [
                0.004 * (recent_downtime.iter().sum::<f64>() / (10.0 * plan.downtime_factor)).min(4.0),
                0.012 * (recent_slow.iter().sum::<u32>() as f64).min(3.0),
                0.010 * price_sensitivity * if premium { 0.3 } else { 1.0 },
                if premium && tenure_months > 24 { 0.003 } else { 0.0 },
                if tenure_months <= 2 { 0.01 } else { 0.0 },
            ];
            let hazard = 0.002 + drivers.iter().sum::<f64>() + if satisfaction < 4.0 { 0.02 } else { 0.0 };
            if rng.gen_bool(hazard.min(1.0)) {
                let driver = pick_weighted(rng, drivers.iter().enumerate().map(|(i, &w)| (i, w + 1e-9)));
                let mut lost = 0.0;
                for sub in subs.iter_mut().filter(|s| s.end.is_none()) {
                    lost += sub.mrr;
                    self.close_sub(sub, d1)?;
                }
                // Slow support is a process failure (phone-only support) 4 times in 10.
                let why = if driver == 1 && rng.gen_bool(0.4) {
                    ChurnDriver::PhoneOnlySupport
                } else {
                    CHURN_DRIVERS[driver]
                };
                let (cause, reason) = text::churn_cause(why, rng.gen_range(0..8));
                self.tx
                    .prepare_cached(
                        "INSERT INTO churn_event (account_id, churned_on, phase_id, root_cause, reason, mrr_lost)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    )
                    .and_then(|mut s| s.execute(params![account_id, d1.to_string(), plan.churn_phase[driver], cause, reason, lost]))
                    .context("writing a demo churn event")?;
                self.ids.churn += 1;
                churned = true;
                if rng.gen_bool(0.05) {
                    reactivate_at = Some(k + rng.gen_range(4..10));
                }
            }
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn insert_account(
        &mut self,
        account_id: &str,
        plan: &JourneyPlan,
        index: usize,
        industry: &str,
        size: &str,
        suburban: bool,
        role: &str,
        owner: &str,
        created: NaiveDate,
    ) -> Result<()> {
        self.tx
            .prepare_cached(
                "INSERT INTO account (account_id, name, journey_id, industry, company_size, area, contact_role, owner, created_on)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )
            .and_then(|mut s| {
                s.execute(params![
                    account_id,
                    text::company_name(index, industry),
                    plan.id,
                    industry,
                    size,
                    if suburban { "suburban" } else { "urban" },
                    role,
                    owner,
                    created.to_string()
                ])
            })
            .context("writing a demo account")?;
        Ok(())
    }

    /// Installation: lead time already drawn; a survey and sometimes a ticket about it.
    fn onboarding(
        &mut self,
        rng: &mut DemoRng,
        account_id: &str,
        plan: &JourneyPlan,
        start: NaiveDate,
        lead: f64,
    ) -> Result<()> {
        let at = start.and_hms_opt(10, 0, 0).unwrap_or_default() + Duration::days(rng.gen_range(1..6));
        if rng.gen_bool(0.45) {
            let good = if lead <= plan.lead_days { 0.92 } else { 0.7 };
            let score = if rng.gen_bool(good) {
                rng.gen_range(4..=5)
            } else {
                rng.gen_range(1..=3)
            };
            let theme = if score >= 4 {
                Theme::Praise
            } else {
                Theme::SlowSupport
            };
            self.survey(
                rng,
                account_id,
                plan.install_phase,
                at,
                "csat",
                score,
                "sales agent",
                theme,
            )?;
        }
        if rng.gen_bool(0.25) {
            let first_response = lognormal(rng, 3.0, 0.6);
            let resolution = first_response + lognormal(rng, 20.0, 0.7);
            self.ticket(
                account_id,
                plan.install_phase,
                at,
                first_response,
                resolution,
                "medium",
                "call center",
            )?;
        }
        Ok(())
    }

    fn open_sub(
        &mut self,
        account_id: &str,
        product: &str,
        mrr: f64,
        start: NaiveDate,
        lead_days: i64,
        main: bool,
    ) -> Result<Sub> {
        self.ids.subscription += 1;
        let id = format!("S{:07}", self.ids.subscription);
        let ordered = start - Duration::days(lead_days);
        self.tx
            .prepare_cached(
                "INSERT INTO subscription (subscription_id, account_id, product, mrr, ordered_on, start_date)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )
            .and_then(|mut s| {
                s.execute(params![
                    id,
                    account_id,
                    product,
                    mrr,
                    ordered.to_string(),
                    start.to_string()
                ])
            })
            .context("writing a demo subscription")?;
        Ok(Sub {
            id,
            mrr,
            end: None,
            main,
        })
    }

    fn close_sub(&self, sub: &mut Sub, end: NaiveDate) -> Result<()> {
        sub.end = Some(end);
        self.tx
            .prepare_cached("UPDATE subscription SET end_date = ?2 WHERE subscription_id = ?1")
            .and_then(|mut s| s.execute(params![sub.id, end.to_string()]))
            .context("ending a demo subscription")?;
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn ticket(
        &mut self,
        account_id: &str,
        phase: i64,
        opened: NaiveDateTime,
        first_response_hours: f64,
        resolution_hours: f64,
        severity: &str,
        channel: &str,
    ) -> Result<()> {
        self.ids.ticket += 1;
        let first_response = Some(opened + hours(first_response_hours)).filter(|t| self.before_end(*t));
        let resolved = Some(opened + hours(resolution_hours)).filter(|t| self.before_end(*t));
        self.tx
            .prepare_cached(
                "INSERT INTO ticket (ticket_id, account_id, phase_id, opened_at, first_response_at, resolved_at, severity, channel)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )
            .and_then(|mut s| {
                s.execute(params![
                    format!("T{:07}", self.ids.ticket),
                    account_id,
                    phase,
                    stamp(opened),
                    first_response.map(stamp),
                    resolved.map(stamp),
                    severity,
                    channel
                ])
            })
            .context("writing a demo ticket")?;
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn survey(
        &mut self,
        rng: &mut DemoRng,
        account_id: &str,
        phase: i64,
        at: NaiveDateTime,
        survey: &str,
        score: i64,
        touchpoint: &str,
        theme: Theme,
    ) -> Result<()> {
        if !self.before_end(at) {
            return Ok(());
        }
        self.ids.survey += 1;
        let comment = if rng.gen_bool(0.6) {
            text::comment(theme, rng.gen_range(0..8))
        } else {
            ""
        };
        self.tx
            .prepare_cached(
                "INSERT INTO survey_response (response_id, account_id, phase_id, answered_at, survey, score, touchpoint, comment)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )
            .and_then(|mut s| {
                s.execute(params![format!("R{:07}", self.ids.survey), account_id, phase, stamp(at), survey, score, touchpoint, comment])
            })
            .context("writing a demo survey response")?;
        Ok(())
    }

    fn invoice(
        &mut self,
        rng: &mut DemoRng,
        account_id: &str,
        issued: NaiveDate,
        amount: f64,
        late: bool,
    ) -> Result<()> {
        self.ids.invoice += 1;
        let due = issued + Duration::days(14);
        let paid = if late {
            due + Duration::days(rng.gen_range(3..45))
        } else {
            issued + Duration::days(rng.gen_range(0..=14))
        };
        let paid = Some(paid).filter(|p| *p < self.end);
        self.tx
            .prepare_cached(
                "INSERT INTO invoice (invoice_id, account_id, issued_on, due_on, paid_on, amount) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )
            .and_then(|mut s| {
                s.execute(params![
                    format!("I{:07}", self.ids.invoice),
                    account_id,
                    issued.to_string(),
                    due.to_string(),
                    paid.map(|p| p.to_string()),
                    amount
                ])
            })
            .context("writing a demo invoice")?;
        Ok(())
    }

    fn before_end(&self, at: NaiveDateTime) -> bool {
        at.date() < self.end
    }
}

/// Aggregates for the metrics that exist only as such (marketing and sales funnels, activation).
/// They are generated without any link to accounts: indicators that predict nothing.
pub fn imported_aggregates(
    tx: &Transaction<'_>,
    rng: &mut DemoRng,
    first: Period,
    as_of: Period,
) -> Result<()> {
    let mut stmt = tx
        .prepare(
            "INSERT INTO metric_value (metric_id, period, segment, value, n) VALUES (?1, ?2, 'all', ?3, ?4)",
        )
        .context("writing demo aggregates")?;
    for (k, month) in first.through(as_of).enumerate() {
        let k = k as f64;
        let rows = [
            (
                "cloud.awareness.followers",
                (9000.0 + 110.0 * k + normal(rng, 0.0, 150.0)).round(),
                None,
            ),
            (
                "cloud.awareness.funnel",
                3.6 + 0.4 * (k / 3.0).sin() + normal(rng, 0.0, 0.3),
                Some(20000),
            ),
            (
                "cloud.consideration.leads",
                19.0 + normal(rng, 0.0, 2.5),
                Some(800),
            ),
            (
                "cloud.consideration.win_rate",
                29.0 + normal(rng, 0.0, 3.0),
                Some(120),
            ),
            (
                "cloud.deployment.activation",
                12.0 + 3.0 * (k / 5.0).cos() + normal(rng, 0.0, 1.5),
                Some(60),
            ),
        ];
        for (metric, value, n) in rows {
            stmt.execute(params![metric, month.to_string(), round2(value), n])
                .context("writing demo aggregates")?;
        }
    }
    Ok(())
}

fn pick_weighted<T: Copy>(rng: &mut DemoRng, options: impl Iterator<Item = (T, f64)> + Clone) -> T {
    let total: f64 = options.clone().map(|(_, w)| w).sum();
    let mut roll = rng.gen_range(0.0..total.max(f64::MIN_POSITIVE));
    let mut last = None;
    for (item, weight) in options {
        if roll < weight {
            return item;
        }
        roll -= weight;
        last = Some(item);
    }
    // Rounding left the roll past the end: the last option takes it.
    match last {
        Some(item) => item,
        None => unreachable!("pick_weighted needs at least one option"),
    }
}

fn normal(rng: &mut DemoRng, mean: f64, sd: f64) -> f64 {
    // Box-Muller; 1 - u keeps the logarithm finite.
    let u: f64 = 1.0 - rng.gen_range(0.0..1.0);
    let v: f64 = rng.gen_range(0.0..1.0);
    mean + sd * (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
}

fn lognormal(rng: &mut DemoRng, median: f64, sigma: f64) -> f64 {
    median * normal(rng, 0.0, sigma).exp()
}

fn exponential(rng: &mut DemoRng, mean: f64) -> f64 {
    -mean * (1.0 - rng.gen_range(0.0..1.0f64)).ln()
}

fn poisson(rng: &mut DemoRng, lambda: f64) -> u32 {
    // Knuth's method: fine for the small rates used here.
    let limit = (-lambda).exp();
    let mut product: f64 = rng.gen_range(0.0..1.0);
    let mut count = 0;
    while product > limit && count < 50 {
        product *= rng.gen_range(0.0..1.0f64);
        count += 1;
    }
    count
}

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

fn hours(h: f64) -> Duration {
    Duration::seconds((h * 3600.0) as i64)
}

fn random_time(rng: &mut DemoRng, from: NaiveDate, until: NaiveDate) -> NaiveDateTime {
    let days = (until - from).num_days().max(1);
    let day = from + Duration::days(rng.gen_range(0..days));
    day.and_hms_opt(rng.gen_range(8..18), rng.gen_range(0..60), 0)
        .unwrap_or_default()
}

fn stamp(at: NaiveDateTime) -> String {
    at.format("%Y-%m-%dT%H:%M:%S").to_string()
}

fn round2(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}
