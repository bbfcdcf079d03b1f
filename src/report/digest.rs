//! The digest for email (`cxcockpit digest`): new alerts, overdue actions by owner, the HVC
//! accounts most at risk, the phases that turned red, and the review's progress. One plain data
//! struct read from the store once and two pure renderers (Markdown, self-contained HTML in the
//! review's style). Every string from data is escaped by the renderer that writes it.

use std::collections::BTreeMap;
use std::fmt::Write;

use chrono::NaiveDate;

use super::escape::{html as esc, md_cell, md_inline};
use crate::domain::Period;
use crate::error::Result;
use crate::store::Store;
use crate::store::actions::{ActionStatus, Filter};
use crate::store::alerts::Alert;
use crate::store::triage::QueueRow;
use crate::store::triage_rank::QueueQuery;

/// "1 day", "3 days".
fn days(n: i64) -> String {
    if n == 1 {
        "1 day".to_string()
    } else {
        format!("{n} days")
    }
}

/// How many HVC accounts at risk the digest lists.
pub const AT_RISK: usize = 10;

/// The first `AT_RISK` rows of the HVC queue in score order (of one owner: the assignee, else
/// the account's owner), read a page of the stored queue at a time (`Store::triage_page`)
/// rather than every account's signals.
fn top_hvc_at_risk(store: &Store, owner: Option<&str>, today: NaiveDate) -> Result<Vec<QueueRow>> {
    // Without an owner the first page is the answer; with one, pages are read until it is found.
    top_hvc_at_risk_paged(store, owner, today, if owner.is_none() { AT_RISK } else { 500 })
}

fn top_hvc_at_risk_paged(
    store: &Store,
    owner: Option<&str>,
    today: NaiveDate,
    page_rows: usize,
) -> Result<Vec<QueueRow>> {
    // The page's owner filter (a part of the owner or the assignee, in lower case) narrows the
    // pages to a superset of the exact matches when the name is ASCII: SQLite lower-cases only
    // ASCII, so another name could be missed in an assignee.
    let query = QueueQuery {
        owner: owner.filter(|o| o.is_ascii()).map(str::to_lowercase),
        ..QueueQuery::default()
    };
    let today = today.to_string();
    let mut found = Vec::new();
    let mut offset = 0;
    loop {
        let page = store.triage_page(&query, &today, offset, page_rows)?;
        let read = page.rows.len();
        for q in page.rows {
            if owner.is_none() || q.assignee.as_deref().or(q.owner.as_deref()) == owner {
                found.push(q);
                if found.len() == AT_RISK {
                    return Ok(found);
                }
            }
        }
        offset += read;
        if read == 0 || offset >= page.matching {
            return Ok(found);
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct DigestDoc {
    pub period: String,
    pub today: String,
    pub owner: Option<String>,
    /// Where the alerts come from: "the run of ..." or "raised in YYYY-MM".
    pub alerts_from: String,
    pub alerts: Vec<Alert>,
    /// Owner ("(no owner)" when none) -> (id, title, due, days overdue).
    pub overdue: BTreeMap<String, Vec<(i64, String, String, i64)>>,
    /// (account, name, score, top driver, owner or assignee).
    pub at_risk: Vec<(String, String, f64, String, String)>,
    /// (journey, phase, metric, detail).
    pub turned_red: Vec<(String, String, String, String)>,
    pub progress: Vec<JourneyProgress>,
}

/// A journey's review in the digest's month.
#[derive(Debug, Clone, PartialEq)]
pub struct JourneyProgress {
    pub journey: String,
    /// "1 of 5 phases signed off".
    pub line: String,
    /// Each phase with its review status, in the journey's order.
    pub phases: Vec<(String, String)>,
}

impl DigestDoc {
    /// `period`: the month of the red phases and the review; with `alerts_in_period`, the alerts
    /// raised in it, else those of the last `alerts` run. `owner`: only that owner's actions,
    /// alerts and accounts.
    pub fn build(
        store: &Store,
        period: Period,
        alerts_in_period: bool,
        owner: Option<&str>,
        today: NaiveDate,
    ) -> Result<DigestDoc> {
        let (alerts_from, mut alerts) = if alerts_in_period {
            let from = format!("{period}-01");
            let to = format!("{}-01", period.next());
            (format!("raised in {period}"), store.alerts_raised(&from, &to)?)
        } else {
            match store.last_alert_run()? {
                Some((as_of, ran_at)) => (
                    format!("the run of {ran_at} (as of {as_of})"),
                    store.alerts_raised(&ran_at, "9999")?,
                ),
                None => ("no run yet (`cxcockpit alerts`)".to_string(), Vec::new()),
            }
        };
        let actions = store.actions(
            &Filter {
                status: Some(ActionStatus::Open),
                ..Filter::default()
            },
            today,
        )?;
        if let Some(owner) = owner {
            alerts.retain(|a| {
                a.action_id
                    .and_then(|id| actions.iter().find(|x| x.id == id))
                    .is_some_and(|x| x.owner.as_deref() == Some(owner))
            });
        }
        let mut overdue: BTreeMap<String, Vec<(i64, String, String, i64)>> = BTreeMap::new();
        for a in actions.iter().filter(|a| a.is_overdue(today)) {
            if owner.is_some() && a.owner.as_deref() != owner {
                continue;
            }
            let due = a.due.clone().unwrap_or_default();
            let late = due.parse::<NaiveDate>().map_or(0, |d| (today - d).num_days());
            overdue
                .entry(a.owner.clone().unwrap_or_else(|| "(no owner)".into()))
                .or_default()
                .push((a.id, a.title.clone(), due, late));
        }
        let at_risk = top_hvc_at_risk(store, owner, today)?
            .into_iter()
            .map(|q| {
                let driver = q
                    .score
                    .signals
                    .first()
                    .map(|s| format!("{} {}", s.signal.name(), s.points))
                    .unwrap_or_default();
                let who = q
                    .assignee
                    .clone()
                    .or(q.owner.clone())
                    .unwrap_or_else(|| "-".into());
                (q.account_id, q.name, q.score.total, driver, who)
            })
            .collect();
        let mut progress = Vec::new();
        for journey in store.journeys()? {
            let review = store.review(&journey.id, period)?;
            let phases = review
                .phases
                .iter()
                .map(|p| (p.phase_name.clone(), p.status.label().to_string()))
                .collect();
            progress.push(JourneyProgress {
                journey: journey.name,
                line: review.progress_line(),
                phases,
            });
        }
        Ok(DigestDoc {
            period: period.to_string(),
            today: today.to_string(),
            owner: owner.map(str::to_string),
            alerts_from,
            alerts,
            overdue,
            at_risk,
            turned_red: store.metrics_turned_red(period)?,
            progress,
        })
    }

    fn title(&self) -> String {
        match &self.owner {
            Some(owner) => format!("cxcockpit digest, {} (for {owner})", self.today),
            None => format!("cxcockpit digest, {}", self.today),
        }
    }

    pub fn to_markdown(&self) -> String {
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = self.write_markdown(&mut out);
        out
    }

    fn write_markdown(&self, out: &mut String) -> std::fmt::Result {
        writeln!(out, "# {}\n", md_inline(&self.title()))?;
        writeln!(out, "Month: {}\n", self.period)?;
        writeln!(out, "## New alerts ({})\n", md_inline(&self.alerts_from))?;
        if self.alerts.is_empty() {
            writeln!(out, "None.\n")?;
        } else {
            writeln!(
                out,
                "| rule | about | month | detail | action |\n|---|---|---|---|---|"
            )?;
            for a in &self.alerts {
                let about = a.account_id.as_deref().or(a.metric_id.as_deref()).unwrap_or("");
                writeln!(
                    out,
                    "| {} | {} | {} | {} | {} |",
                    md_cell(&a.rule),
                    md_cell(about),
                    md_cell(a.period.as_deref().unwrap_or("")),
                    md_cell(&a.detail),
                    a.action_id.map(|id| format!("#{id}")).unwrap_or_default()
                )?;
            }
            writeln!(out)?;
        }
        writeln!(out, "## Overdue actions by owner\n")?;
        if self.overdue.is_empty() {
            writeln!(out, "None.\n")?;
        }
        for (owner, list) in &self.overdue {
            writeln!(out, "### {} ({})\n", md_inline(owner), list.len())?;
            for (id, title, due, late) in list {
                writeln!(
                    out,
                    "- #{id} {} (due {due}, {} overdue)",
                    md_inline(title),
                    days(*late)
                )?;
            }
            writeln!(out)?;
        }
        writeln!(out, "## HVC accounts at risk (top {AT_RISK})\n")?;
        if self.at_risk.is_empty() {
            writeln!(out, "None.\n")?;
        } else {
            writeln!(
                out,
                "| account | name | score | top driver | owner |\n|---|---|---|---|---|"
            )?;
            for (id, name, score, driver, who) in &self.at_risk {
                writeln!(
                    out,
                    "| {} | {} | {score:.1} | {} | {} |",
                    md_cell(id),
                    md_cell(name),
                    md_cell(driver),
                    md_cell(who)
                )?;
            }
            writeln!(out)?;
        }
        writeln!(out, "## Phases that turned red in {}\n", self.period)?;
        if self.turned_red.is_empty() {
            writeln!(out, "None.\n")?;
        } else {
            for (journey, phase, _, detail) in &self.turned_red {
                writeln!(
                    out,
                    "- {}/{}: {}",
                    md_inline(journey),
                    md_inline(phase),
                    md_inline(detail)
                )?;
            }
            writeln!(out)?;
        }
        writeln!(out, "## The review of {}\n", self.period)?;
        for JourneyProgress {
            journey,
            line,
            phases,
        } in &self.progress
        {
            let marks: Vec<String> = phases
                .iter()
                .map(|(p, s)| format!("{} {}", md_inline(p), s))
                .collect();
            writeln!(out, "- {}: {line} ({})", md_inline(journey), marks.join(", "))?;
        }
        Ok(())
    }

    pub fn to_html(&self) -> String {
        let mut out = String::new();
        let _ = self.write_html(&mut out);
        out
    }

    fn write_html(&self, out: &mut String) -> std::fmt::Result {
        let title = esc(&self.title());
        writeln!(
            out,
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">"
        )?;
        writeln!(
            out,
            "<title>{title}</title>\n<style>{}</style>\n</head>\n<body>",
            super::html::STYLE
        )?;
        writeln!(
            out,
            "<h1>{title}</h1>\n<p class=\"lede\">Month: {}</p>",
            esc(&self.period)
        )?;
        writeln!(out, "<h2>New alerts ({})</h2>", esc(&self.alerts_from))?;
        if self.alerts.is_empty() {
            writeln!(out, "<p class=\"empty\">None.</p>")?;
        } else {
            writeln!(
                out,
                "<table>\n<tr><th>rule</th><th>about</th><th>month</th><th>detail</th><th>action</th></tr>"
            )?;
            for a in &self.alerts {
                let about = a.account_id.as_deref().or(a.metric_id.as_deref()).unwrap_or("");
                writeln!(
                    out,
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    esc(&a.rule),
                    esc(about),
                    esc(a.period.as_deref().unwrap_or("")),
                    esc(&a.detail),
                    a.action_id.map(|id| format!("#{id}")).unwrap_or_default()
                )?;
            }
            writeln!(out, "</table>")?;
        }
        writeln!(out, "<h2>Overdue actions by owner</h2>")?;
        if self.overdue.is_empty() {
            writeln!(out, "<p class=\"empty\">None.</p>")?;
        }
        for (owner, list) in &self.overdue {
            writeln!(out, "<h3>{} ({})</h3>\n<ul>", esc(owner), list.len())?;
            for (id, title, due, late) in list {
                writeln!(
                    out,
                    "<li>#{id} {} (due {}, {} overdue)</li>",
                    esc(title),
                    esc(due),
                    days(*late)
                )?;
            }
            writeln!(out, "</ul>")?;
        }
        writeln!(out, "<h2>HVC accounts at risk (top {AT_RISK})</h2>")?;
        if self.at_risk.is_empty() {
            writeln!(out, "<p class=\"empty\">None.</p>")?;
        } else {
            writeln!(
                out,
                "<table>\n<tr><th>account</th><th>name</th><th>score</th><th>top driver</th><th>owner</th></tr>"
            )?;
            for (id, name, score, driver, who) in &self.at_risk {
                writeln!(
                    out,
                    "<tr><td>{}</td><td>{}</td><td class=\"num\">{score:.1}</td><td>{}</td><td>{}</td></tr>",
                    esc(id),
                    esc(name),
                    esc(driver),
                    esc(who)
                )?;
            }
            writeln!(out, "</table>")?;
        }
        writeln!(out, "<h2>Phases that turned red in {}</h2>", esc(&self.period))?;
        if self.turned_red.is_empty() {
            writeln!(out, "<p class=\"empty\">None.</p>")?;
        } else {
            writeln!(out, "<ul>")?;
            for (journey, phase, _, detail) in &self.turned_red {
                writeln!(out, "<li>{}/{}: {}</li>", esc(journey), esc(phase), esc(detail))?;
            }
            writeln!(out, "</ul>")?;
        }
        writeln!(out, "<h2>The review of {}</h2>\n<ul>", esc(&self.period))?;
        for JourneyProgress {
            journey,
            line,
            phases,
        } in &self.progress
        {
            let marks: Vec<String> = phases
                .iter()
                .map(|(p, s)| format!("{} {}", esc(p), esc(s)))
                .collect();
            writeln!(
                out,
                "<li>{}: {} ({})</li>",
                esc(journey),
                esc(line),
                marks.join(", ")
            )?;
        }
        writeln!(out, "</ul>\n</body>\n</html>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The HVC accounts at risk read a page at a time are the head of the whole queue, for
    /// everyone and for each owner (an assignee counting before the account's owner).
    #[test]
    fn the_accounts_at_risk_are_the_head_of_the_whole_queue() {
        let store = crate::demo::test_store();
        let today = NaiveDate::from_ymd_opt(2026, 7, 1).unwrap();
        let queue = store.triage_queue(false, false, &today.to_string()).unwrap();
        // An assignee other than the owner, so that the two can disagree.
        let assigned = queue[3].account_id.clone();
        store
            .conn()
            .execute(
                "INSERT INTO triage_state (account_id, status, assignee, updated_by, updated_at)
                 VALUES (?1, 'assigned', 'Zed', 'test', '2026-07-01')",
                [&assigned],
            )
            .unwrap();
        let queue = store.triage_queue(false, false, &today.to_string()).unwrap();
        let ids = |rows: Vec<QueueRow>| -> Vec<String> { rows.into_iter().map(|q| q.account_id).collect() };
        let mut owners: Vec<Option<String>> =
            queue.iter().filter_map(|q| q.owner.clone()).map(Some).collect();
        owners.sort();
        owners.dedup();
        owners.push(Some("zed".into()));
        owners.push(Some("Zed".into()));
        owners.push(Some("nobody at all".into()));
        owners.push(None);
        for owner in owners {
            let owner = owner.as_deref();
            let want: Vec<String> = ids(queue
                .iter()
                .filter(|q| owner.is_none() || q.assignee.as_deref().or(q.owner.as_deref()) == owner)
                .take(AT_RISK)
                .cloned()
                .collect());
            assert_eq!(
                ids(top_hvc_at_risk(&store, owner, today).unwrap()),
                want,
                "{owner:?}"
            );
            // A page of 3 rows: the pages are walked until the list is full or the queue ends.
            assert_eq!(
                ids(top_hvc_at_risk_paged(&store, owner, today, 3).unwrap()),
                want,
                "{owner:?}, pages of 3"
            );
        }
        assert!(queue.len() > AT_RISK, "the demo's queue is longer than the list");
    }
}
