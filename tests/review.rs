//! The monthly journey review on the hand-made fixture (fixtures/small.sql): review notes and
//! sign-offs written through the store API with fixed reviewers and times, then the document in
//! its three formats compared with golden files (tests/golden/; `UPDATE_GOLDEN=1 cargo test
//! --test review` rewrites them: read the diff before committing), the HTML parsed, the Markdown
//! rendered, text from data checked to come out escaped, and the `review` command end to end.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use chrono::NaiveDateTime;
use cxcockpit::domain::Period;
use cxcockpit::report::ReviewDoc;
use cxcockpit::store::review::{ReviewError, ReviewStatus, TIME_FORMAT};
use cxcockpit::store::{OpenMode, Store};

const SMALL: &str = include_str!("../fixtures/small.sql");
// Phase ids of the fixture: 1 Onboard, 2 Use, 3 Renew.
const ONBOARD: i64 = 1;
const USE: i64 = 2;
const RENEW: i64 = 3;
/// Notes that would inject markup if they were not escaped.
const TRICKY: &str = "Watch <script>alert('x')</script> | not a cell | **not bold** _nor this_ `code` \
[link](http://example.com) & \"quotes\"\n# not a heading\n- not a list\n<b>not bold either</b>";

fn month(text: &str) -> Period {
    text.parse().unwrap()
}

fn at(text: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(text, TIME_FORMAT).unwrap()
}

fn load(store: &mut Store) {
    store.conn().execute_batch(SMALL).unwrap();
    store.refresh().unwrap();
}

/// The review of March 2026 the golden files show: Onboard signed off with notes; Use in review
/// with notes full of markup; Renew (red) signed off with a note, reopened by a note edit, and
/// signed off again; and a February sign-off that March's document must not show.
fn write_reviews(store: &mut Store) {
    let (feb, march) = (month("2026-02"), month("2026-03"));
    store
        .sign_off(
            feb,
            RENEW,
            Some("February: fine."),
            "ana",
            at("2026-03-03T10:00:00"),
        )
        .unwrap();
    store
        .set_review_notes(
            march,
            ONBOARD,
            "Activation dipped to 86 %: two installs slipped into April.\nFirst response is within tolerance.",
            "ana",
            at("2026-04-02T09:00:00"),
        )
        .unwrap();
    store
        .sign_off(march, ONBOARD, None, "ana", at("2026-04-02T10:00:00"))
        .unwrap();
    store
        .set_review_notes(march, USE, TRICKY, "kim", at("2026-04-02T11:00:00"))
        .unwrap();
    let refused = store.sign_off(march, RENEW, None, "kim", at("2026-04-02T11:30:00"));
    assert!(matches!(refused, Err(ReviewError::NoteRequired { .. })));
    store
        .sign_off(
            march,
            RENEW,
            Some("Churn is red: A06 left on price, one account of eight."),
            "kim",
            at("2026-04-02T12:00:00"),
        )
        .unwrap();
    let reopened = store
        .set_review_notes(
            march,
            RENEW,
            "Churn is red: A06 left on price, one account of eight.\n\nGRR is red too: A05 contracted; Lee follows up.",
            "lee",
            at("2026-04-03T09:00:00"),
        )
        .unwrap();
    assert_eq!(reopened.status, ReviewStatus::InReview);
    store
        .sign_off(march, RENEW, None, "lee", at("2026-04-03T10:00:00"))
        .unwrap();
}

fn reviewed_store() -> Store {
    let mut store = Store::open_in_memory().unwrap();
    load(&mut store);
    write_reviews(&mut store);
    store
}

fn march_doc(store: &Store) -> ReviewDoc {
    ReviewDoc::build(store, "small", month("2026-03")).unwrap()
}

fn golden_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name)
}

/// Compares with the golden file exactly; with UPDATE_GOLDEN=1, rewrites it instead.
fn check_golden(name: &str, actual: &str) {
    let path = golden_path(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1") {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; run UPDATE_GOLDEN=1 cargo test --test review",
            path.display()
        )
    });
    if expected != actual {
        let line = expected
            .lines()
            .zip(actual.lines())
            .position(|(a, b)| a != b)
            .map_or_else(
                || expected.lines().count().min(actual.lines().count()) + 1,
                |i| i + 1,
            );
        panic!(
            "{} differs from the output at line {line}:\n  golden: {:?}\n  actual: {:?}\n(UPDATE_GOLDEN=1 rewrites it)",
            path.display(),
            expected.lines().nth(line - 1),
            actual.lines().nth(line - 1)
        );
    }
}

#[test]
fn golden_markdown() {
    check_golden(
        "review-small-2026-03.md",
        &march_doc(&reviewed_store()).to_markdown(),
    );
}

#[test]
fn golden_html() {
    check_golden(
        "review-small-2026-03.html",
        &march_doc(&reviewed_store()).to_html(),
    );
}

#[test]
fn golden_json() {
    check_golden(
        "review-small-2026-03.json",
        &march_doc(&reviewed_store()).to_json(),
    );
}

#[test]
fn the_document_holds_the_reviews_and_the_hand_computed_figures() {
    let doc = march_doc(&reviewed_store());
    assert_eq!((doc.progress.signed_off, doc.progress.total), (2, 3));
    // small.md: March is 1 green (NRR), 3 amber (first response, activation, NPS), 2 red
    // (logo churn, GRR); but NPS rests on 8 answers (minimum 30) and first response on fewer
    // than 10 tickets: too few to judge, so 1 amber (activation, an imported figure) and 2 low.
    let s = doc.summary;
    assert_eq!(
        (s.green, s.amber, s.red, s.no_data, s.no_target, s.low_sample),
        (1, 1, 2, 0, 0, 2)
    );
    assert_eq!(
        doc.months,
        ["2026-01", "2026-02", "2026-03"],
        "the store starts in January"
    );
    // Movers rank by the change against the tolerance: GRR 95.12 -> 91.25 is -3.87 points with a
    // tolerance of 2 (1.94 tolerances), NRR 95.12 -> 97.5 +2.38 of 2 (1.19), activation 91 -> 86
    // -5 of 5 (1.0); logo churn is 12.5 both months and does not move. All are percentages: no
    // relative change.
    let movers: Vec<(&str, f64)> = doc
        .movers
        .iter()
        .map(|m| (m.metric_id.as_str(), (m.movement * 100.0).round() / 100.0))
        .collect();
    assert_eq!(
        movers,
        [
            ("small.renew.grr", 1.94),
            ("small.renew.nrr", 1.19),
            ("small.onboard.activation", 1.0)
        ]
    );
    assert!(doc.movers.iter().all(|m| m.relative_change.is_none()));
    let renew = &doc.phases[2];
    assert_eq!(renew.name, "Renew");
    assert_eq!(renew.review.status, ReviewStatus::SignedOff);
    assert_eq!(renew.review.reviewer.as_deref(), Some("lee"));
    assert_eq!(renew.review.history.len(), 1);
    assert_eq!(
        renew.review.history[0].notes,
        "Churn is red: A06 left on price, one account of eight."
    );
    let churn = &renew.indicators[0];
    assert_eq!(churn.value, Some(12.5));
    // January: 1 (A07) of the 9 accounts active on 2026-01-01; February: 1 (A02) of 8.
    assert!(
        (churn.series[0].unwrap() - 100.0 / 9.0).abs() < 1e-9,
        "{:?}",
        churn.series
    );
    assert_eq!(churn.series[1..], [Some(12.5), Some(12.5)]);
    // First response has data only in March: no data is None, never zero.
    let first_response = &doc.phases[0].indicators[0];
    assert_eq!(first_response.series, [None, None, Some(4.5)]);
    assert_eq!(first_response.change, None);
    assert!(
        !doc.to_json().contains("February: fine."),
        "another month's review stays out"
    );
}

#[test]
fn moments_of_truth_and_pain_points_are_in_every_format() {
    let doc = march_doc(&reviewed_store());
    // small.sql: Onboard's stored lines have a blank one and stray spaces; Renew has none.
    let lists: Vec<(&[String], &[String])> = doc
        .phases
        .iter()
        .map(|p| (p.moments_of_truth.as_slice(), p.pain_points.as_slice()))
        .collect();
    assert_eq!(lists[0].0, ["Installation day", "The first invoice"]);
    assert_eq!(lists[0].1, ["Slow installation", "Unclear information"]);
    assert_eq!(lists[1].0, ["The first outage"]);
    assert_eq!(lists[1].1, ["Outages & slow fixes"]);
    assert!(lists[2].0.is_empty() && lists[2].1.is_empty());
    let md = doc.to_markdown();
    assert!(
        md.contains(
            "- Owner: Onboarding\n- Moments of truth:\n  - Installation day\n  - The first invoice\n- Pain points:\n  - Slow installation\n  - Unclear information\n- Review:"
        ),
        "{md}"
    );
    assert!(
        md.contains("- Pain points:\n  - Outages \\& slow fixes\n"),
        "{md}"
    );
    let renew = md.split("## 3. Renew").nth(1).unwrap();
    assert!(
        !renew.contains("Moments of truth") && !renew.contains("Pain points"),
        "{renew}"
    );
    let html = doc.to_html();
    assert!(html.contains(
        "<dt>Moments of truth</dt><dd><ul class=\"items\"><li>Installation day</li><li>The first invoice</li></ul></dd>"
    ));
    assert!(
        html.contains(
            "<dt>Pain points</dt><dd><ul class=\"items\"><li>Outages &amp; slow fixes</li></ul></dd>"
        )
    );
    assert_eq!(
        html.matches("<dt>Moments of truth</dt>").count(),
        2,
        "Renew has none"
    );
    let json: serde_json::Value = serde_json::from_str(&doc.to_json()).unwrap();
    assert_eq!(
        json["phases"][0]["moments_of_truth"],
        serde_json::json!(["Installation day", "The first invoice"])
    );
    assert_eq!(
        json["phases"][1]["pain_points"],
        serde_json::json!(["Outages & slow fixes"])
    );
    assert_eq!(json["phases"][2]["pain_points"], serde_json::json!([]));
}

#[test]
fn the_trend_is_at_most_twelve_months_ending_with_the_period() {
    let mut store = Store::open_in_memory().unwrap();
    load(&mut store);
    store.set_setting("first_period", "2024-06").unwrap();
    store.refresh_rollups().unwrap();
    let doc = march_doc(&store);
    assert_eq!(doc.months.len(), 12);
    assert_eq!(doc.months.first().map(String::as_str), Some("2025-04"));
    assert_eq!(doc.months.last().map(String::as_str), Some("2026-03"));
    assert!(
        doc.phases
            .iter()
            .flat_map(|p| p.metrics())
            .all(|m| m.series.len() == 12)
    );
}

#[test]
fn html_parses_and_draws_one_chart_per_metric() {
    let doc = march_doc(&reviewed_store());
    let text = doc.to_html();
    let html = scraper::Html::parse_document(&text);
    assert!(html.errors.is_empty(), "HTML parse errors: {:?}", html.errors);
    let metrics = doc.phases.iter().flat_map(|p| p.metrics()).count();
    assert_eq!(metrics, 6);
    let select = |css: &str| scraper::Selector::parse(css).unwrap();
    assert_eq!(html.select(&select("svg")).count(), metrics);
    assert_eq!(text.matches("<svg").count(), metrics);
    assert_eq!(
        html.select(&select("table.metrics tbody tr td svg.trend"))
            .count(),
        metrics
    );
    // Each chart: a target line (every fixture metric has a target) and the month's dot.
    for svg in html.select(&select("svg")) {
        assert_eq!(svg.select(&select("line.target")).count(), 1);
        assert_eq!(svg.select(&select("circle.now")).count(), 1);
    }
    // Self-contained: inline style, no script, nothing fetched.
    assert_eq!(html.select(&select("head style")).count(), 1);
    assert!(text.contains("@media print"));
    assert_eq!(html.select(&select("script, link, img, iframe")).count(), 0);
    assert!(!text.contains("src="), "nothing is loaded from elsewhere");
    assert!(!text.contains("href="), "no links");
}

#[test]
fn html_notes_come_out_as_text() {
    let text = march_doc(&reviewed_store()).to_html();
    assert!(!text.contains("<script"), "a note's <script> must be escaped");
    assert!(!text.contains("<b>"));
    assert!(text.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
    let html = scraper::Html::parse_document(&text);
    let notes = scraper::Selector::parse("p.notes").unwrap();
    let texts: Vec<String> = html.select(&notes).map(|p| p.text().collect()).collect();
    assert!(
        texts.iter().any(|t| t == TRICKY),
        "the note's text survives as it was written: {texts:?}"
    );
    let bold =
        scraper::Selector::parse("section.phase b, section.phase strong, section.phase em, section.phase a")
            .unwrap();
    assert_eq!(html.select(&bold).count(), 0);
}

/// The Markdown rendered by a CommonMark parser (with tables), to HTML.
fn commonmark(markdown: &str) -> String {
    use pulldown_cmark::{Options, Parser, html};
    let parser = Parser::new_ext(markdown, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH);
    let mut out = String::new();
    html::push_html(&mut out, parser);
    out
}

#[test]
fn markdown_notes_come_out_as_text() {
    let md = march_doc(&reviewed_store()).to_markdown();
    assert!(md.contains(r"\<script\>alert('x')\</script\>"));
    assert!(md.contains(r"\| not a cell \|"));
    assert!(md.contains(r"\*\*not bold\*\*"));
    let rendered = commonmark(&md);
    assert!(!rendered.contains("<script"), "{rendered}");
    assert!(!rendered.contains("<b>"), "{rendered}");
    // The document itself uses no emphasis and no links: any would come from data.
    for tag in [
        "<strong>",
        "<em>",
        "<a ",
        "<code>",
        "<del>",
        "<blockquote>",
        "<ol>",
    ] {
        assert!(!rendered.contains(tag), "{tag} in {rendered}");
    }
    // One title, the summary and three phases; notes do not open headings. Lists: the
    // summary, its movers, each phase's goal/owner/review, Onboard's and Use's moments of truth
    // and pain points (nested, two each), Renew's history; a note opens none.
    assert_eq!(rendered.matches("<h1>").count(), 1);
    assert_eq!(rendered.matches("<h2>").count(), 4);
    assert_eq!(rendered.matches("<ul>").count(), 10, "{rendered}");
    assert!(rendered.contains("- not a list"));
    // The note's text is there, as text (pulldown escapes < > & " in text).
    assert!(rendered.contains("**not bold** _nor this_ `code` [link](http://example.com)"));
    assert!(rendered.contains("# not a heading"));
    assert!(rendered.contains("&lt;script&gt;"));
}

#[test]
fn data_strings_cannot_break_tables_or_inject_markup() {
    let mut store = Store::open_in_memory().unwrap();
    load(&mut store);
    store
        .conn()
        .execute_batch(
            "UPDATE journey SET name = 'J <script>x</script>';
             UPDATE phase SET name = 'Use | *em* <i>x</i>', cx_goal = 'Goal\nwith | pipe', owner = NULL WHERE phase_id = 2;
             UPDATE phase SET moments_of_truth = 'Call <b>x</b> **y**' || char(10) || '# not a heading',
                              pain_points = '<script>p</script>' WHERE phase_id = 2;
             UPDATE metric SET name = 'NPS | <b>bold</b> **x** `c`', unit = 'sc|ore' WHERE metric_id = 'small.use.nps';",
        )
        .unwrap();
    let doc = march_doc(&store);
    let md = doc.to_markdown();
    let rendered = commonmark(&md);
    for tag in ["<script", "<b>", "<i>", "<strong>", "<em>", "<code>"] {
        assert!(!rendered.contains(tag), "{tag} in {rendered}");
    }
    // The cells hold the names as they are (a parser drops the cells past the header's count,
    // so the count alone would not show an unescaped pipe).
    assert!(
        rendered.contains("<td>NPS | &lt;b&gt;bold&lt;/b&gt; **x** `c`</td>"),
        "{rendered}"
    );
    assert!(rendered.contains("<td>sc|ore</td>"), "{rendered}");
    // Every table row keeps its eight cells.
    for row in rendered.split("<tr>").skip(1) {
        let row = row.split("</tr>").next().unwrap();
        let cells = row.matches("<td").count() + row.matches("<th").count();
        assert_eq!(cells, 8, "row {row}");
    }
    assert!(md.contains("- Owner: no owner"));
    assert!(
        md.contains("  - Call \\<b\\>x\\</b\\> \\*\\*y\\*\\*\n  - \\# not a heading\n"),
        "{md}"
    );
    assert!(
        rendered.contains("<li>Call &lt;b&gt;x&lt;/b&gt; **y**</li>"),
        "{rendered}"
    );
    let html_text = doc.to_html();
    let html = scraper::Html::parse_document(&html_text);
    assert!(html.errors.is_empty(), "{:?}", html.errors);
    let injected = scraper::Selector::parse("body script, body b, body i").unwrap();
    assert_eq!(html.select(&injected).count(), 0);
    assert!(html_text.contains("J &lt;script&gt;x&lt;/script&gt;"));
    assert!(html_text.contains("<li>&lt;script&gt;p&lt;/script&gt;</li>"));
    assert!(html_text.contains("no owner"));
}

// --- the command, end to end -------------------------------------------------------------

fn store_file(dir: &Path) -> PathBuf {
    let db = dir.join("small.db");
    let mut store = Store::open(&db, OpenMode::Create).unwrap();
    load(&mut store);
    write_reviews(&mut store);
    db
}

fn cx(db: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cxcockpit"));
    cmd.env_remove("CXCOCKPIT_DB")
        .env("NO_COLOR", "1")
        .args(["--db", db.to_str().unwrap()]);
    cmd
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn review_prints_each_format_as_the_golden_files() {
    let dir = tempfile::TempDir::new().unwrap();
    let db = store_file(dir.path());
    for (format, golden) in [
        (None, "review-small-2026-03.md"),
        (Some("md"), "review-small-2026-03.md"),
        (Some("html"), "review-small-2026-03.html"),
        (Some("json"), "review-small-2026-03.json"),
    ] {
        let mut cmd = cx(&db);
        cmd.args(["review", "--period", "2026-03"]);
        if let Some(f) = format {
            cmd.args(["--format", f]);
        }
        let out = cmd.output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let expected = std::fs::read_to_string(golden_path(golden)).unwrap();
        assert_eq!(
            String::from_utf8(out.stdout).unwrap(),
            expected,
            "--format {format:?}"
        );
    }
    // The global --format json, before the subcommand, gives the JSON document too.
    let out = cx(&db)
        .args([
            "--format",
            "json",
            "review",
            "--period",
            "2026-03",
            "--journey",
            "small",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["progress"]["signed_off"], 2);
    assert_eq!(doc["phases"][2]["review"]["history"][0]["reviewer"], "kim");
}

#[test]
fn review_out_writes_the_file_and_nothing_else() {
    let dir = tempfile::TempDir::new().unwrap();
    let db = store_file(dir.path());
    let docs = dir.path().join("docs");
    std::fs::create_dir(&docs).unwrap();
    let out_file = docs.join("march.html");
    std::fs::write(&out_file, "old contents").unwrap();
    let out = cx(&db)
        .args(["review", "--period", "2026-03", "--format", "html", "--out"])
        .arg(&out_file)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty(), "the document goes to the file only");
    let expected = std::fs::read_to_string(golden_path("review-small-2026-03.html")).unwrap();
    assert_eq!(std::fs::read_to_string(&out_file).unwrap(), expected);
    assert_eq!(
        files_in(&docs),
        ["march.html"],
        "no temporary file is left behind"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&out_file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode & 0o044, 0o044, "readable to share: {mode:o}");
    }
}

#[test]
fn review_refuses_bad_input_with_exit_code_2() {
    let dir = tempfile::TempDir::new().unwrap();
    let db = store_file(dir.path());
    let cases: &[(&[&str], &str)] = &[
        (
            &["review", "--period", "2026-03", "--journey", "nope"],
            "expected one of small",
        ),
        (&["review", "--period", "2025-12"], "2026-01 to 2026-06"),
        (&["review", "--period", "2026-07"], "2026-01 to 2026-06"),
        (&["review", "--period", "March"], "YYYY-MM"),
        (&["review"], "--period"),
        (&["review", "--period", "2026-03", "--format", "csv"], "md"),
        (
            &["--format", "csv", "review", "--period", "2026-03"],
            "--format md|html|json",
        ),
    ];
    for (args, mention) in cases {
        let out = cx(&db).args(*args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains(mention),
            "{args:?} should mention {mention:?}: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(out.stdout.is_empty(), "{args:?} printed a document");
    }
    // --out into a directory that does not exist: exit 2, nothing written anywhere.
    let before = files_in(dir.path());
    let out = cx(&db)
        .args(["review", "--period", "2026-03", "--out"])
        .arg(dir.path().join("missing/march.md"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(files_in(dir.path()), before);
}

#[test]
fn review_reads_a_read_only_store_and_writes_nothing_to_it() {
    let dir = tempfile::TempDir::new().unwrap();
    let db = store_file(dir.path());
    let before = std::fs::read(&db).unwrap();
    let out = cx(&db)
        .args(["--readonly", "review", "--period", "2026-03"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(std::fs::read(&db).unwrap(), before);
}

// --- --out: what it refuses to replace, and the modes it writes (issue #16) ------------------

/// The binary run under a umask (CI runs as root with its own umask: set it explicitly).
#[cfg(unix)]
fn under_umask(umask: &str, db: &Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new("sh")
        .args(["-c", "umask \"$1\"; shift; exec \"$@\"", "sh", umask])
        .arg(env!("CARGO_BIN_EXE_cxcockpit"))
        .args(["--db", db.to_str().unwrap()])
        .args(args)
        .env_remove("CXCOCKPIT_DB")
        .output()
        .unwrap()
}

#[cfg(unix)]
fn mode_of(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

#[cfg(unix)]
#[test]
fn review_out_refuses_devices_fifos_directories_and_symlinks_to_them() {
    use std::os::unix::fs::FileTypeExt;
    let dir = tempfile::TempDir::new().unwrap();
    let db = store_file(dir.path());
    let targets = dir.path().join("targets");
    std::fs::create_dir(&targets).unwrap();
    let fifo = targets.join("fifo");
    let c_fifo = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: a NUL-terminated path that lives across the call.
    assert_eq!(unsafe { libc::mkfifo(c_fifo.as_ptr(), 0o644) }, 0);
    std::os::unix::fs::symlink(&fifo, targets.join("to-fifo")).unwrap();
    // A symlink to /dev/null, never /dev/null itself: if the refusal regressed, the rename
    // would replace the link, not the machine's device.
    std::os::unix::fs::symlink("/dev/null", targets.join("to-null")).unwrap();
    std::fs::create_dir(targets.join("subdir")).unwrap();
    std::os::unix::fs::symlink(targets.join("subdir"), targets.join("to-subdir")).unwrap();
    // A character device of our own where we may make one (root, as in CI).
    let device = targets.join("null");
    let c_device = std::ffi::CString::new(device.to_str().unwrap()).unwrap();
    // SAFETY: as above; makedev(1, 3) is the null device.
    let have_device =
        unsafe { libc::mknod(c_device.as_ptr(), libc::S_IFCHR | 0o666, libc::makedev(1, 3)) } == 0;
    let mut names = vec!["fifo", "to-fifo", "to-null", "subdir", "to-subdir"];
    if have_device {
        names.push("null");
    }
    let device_mode = have_device.then(|| mode_of(&device));
    let before = files_in(&targets);
    for name in &names {
        let target = targets.join(name);
        let out = cx(&db)
            .args(["review", "--period", "2026-03", "--out"])
            .arg(&target)
            .timeout(std::time::Duration::from_secs(20))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{name}: one line: {stderr}");
        assert!(stderr.contains("not a regular file"), "{name}: {stderr}");
        assert!(out.stdout.is_empty());
    }
    assert_eq!(
        files_in(&targets),
        before,
        "nothing replaced, no temporary file left"
    );
    assert!(std::fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());
    assert!(
        std::fs::symlink_metadata(targets.join("to-null"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    if have_device {
        assert!(
            std::fs::symlink_metadata(&device)
                .unwrap()
                .file_type()
                .is_char_device()
        );
        assert_eq!(
            Some(mode_of(&device)),
            device_mode,
            "the device's mode is untouched"
        );
    }
}

#[cfg(unix)]
#[test]
fn review_out_creates_0600_and_never_widens_a_mode_past_the_umask() {
    let dir = tempfile::TempDir::new().unwrap();
    let db = store_file(dir.path());
    for umask in ["022", "077"] {
        let new = dir.path().join(format!("new-{umask}.md"));
        let out = under_umask(
            umask,
            &db,
            &["review", "--period", "2026-03", "--out", new.to_str().unwrap()],
        );
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(mode_of(&new), 0o600, "a new review under umask {umask}");
    }
    // A replaced file keeps its mode, narrowed by the umask.
    use std::os::unix::fs::PermissionsExt;
    for (umask, had, expected) in [
        ("022", 0o640, 0o640),
        ("077", 0o664, 0o600),
        ("022", 0o4755, 0o755),
    ] {
        let old = dir.path().join(format!("old-{umask}-{had:o}.md"));
        std::fs::write(&old, "old").unwrap();
        std::fs::set_permissions(&old, std::fs::Permissions::from_mode(had)).unwrap();
        let out = under_umask(
            umask,
            &db,
            &["review", "--period", "2026-03", "--out", old.to_str().unwrap()],
        );
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(mode_of(&old), expected, "{had:o} replaced under umask {umask}");
        assert_ne!(std::fs::read_to_string(&old).unwrap(), "old");
    }
}
