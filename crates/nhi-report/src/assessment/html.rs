//! The assessment report as one self-contained HTML document.
//!
//! Inline CSS and inline SVG only: no script, no font, image or stylesheet from anywhere,
//! and the only links are in-page anchors, so the file can be mailed, archived or opened
//! offline and shows the same thing. Every input string is escaped. Accessibility: a
//! `lang` attribute, headings in order (h1 → h2 → h3 → h4), `scope` on every table
//! header, text contrast of at least 4.5:1, charts with a title and a table beside them
//! that holds the same numbers, and a layout that reflows on a narrow screen.

use std::fmt::Write as _;

use nhi_model::Framework;

use super::{FindingView, ReportCredential, ReportIdentity, View, factor_short, owasp_list};

const STYLE: &str = r#"
:root { color-scheme: light; --fg: #1a1a1a; --muted: #4a4a4a; --line: #c4c7cc; --panel: #f4f5f7; --link: #1d4ed8; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 75rem; padding: 1rem 1.25rem 3rem; color: var(--fg); background: #fff; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
h1, h2, h3, h4 { line-height: 1.25; }
h2 { margin-top: 2.5rem; padding-bottom: .25rem; border-bottom: 2px solid var(--line); }
a { color: var(--link); }
a:focus { outline: 2px solid var(--link); outline-offset: 2px; }
.meta { color: var(--muted); }
.table-wrap { overflow-x: auto; margin: .5rem 0 1rem; }
table { border-collapse: collapse; width: 100%; }
caption { text-align: left; font-weight: 600; padding: .25rem 0; }
th, td { border: 1px solid var(--line); padding: .35rem .5rem; text-align: left; vertical-align: top; }
thead th { background: var(--panel); }
.num { text-align: right; font-variant-numeric: tabular-nums; }
.badge { display: inline-block; padding: 0 .4rem; border-radius: .25rem; color: #fff; background: #374151; font-weight: 600; font-size: .875rem; white-space: nowrap; }
.critical { background: #7f1d1d; }
.high { background: #9a3412; }
.medium { background: #854d0e; }
.low { background: #1e40af; }
.info { background: #374151; }
.charts { display: flex; flex-wrap: wrap; gap: 1.5rem; }
figure { margin: 0; flex: 1 1 22rem; }
figcaption { font-weight: 600; }
svg { width: 100%; height: auto; max-width: 36rem; }
.card { border: 1px solid var(--line); border-radius: .5rem; margin: 1rem 0; padding: 0 1rem 1rem; background: var(--panel); }
.card table { background: #fff; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
ul.evidence li, td, dd { overflow-wrap: anywhere; }
.fix { border-left: 4px solid #166534; padding: .25rem .75rem; background: #f0fdf4; }
@media (max-width: 40rem) {
  body { padding: .5rem .75rem 2rem; font-size: 15px; }
  dl.facts { grid-template-columns: 1fr; }
  dl.facts dd { margin-bottom: .5rem; }
  th, td { padding: .25rem .35rem; }
}
@media print { .card { break-inside: avoid; } a { color: inherit; } }
"#;

pub(super) fn render(view: &View) -> String {
    let mut doc = String::new();
    // Writing to a String cannot fail; the result is ignored for that reason only.
    let _ = write_document(view, &mut doc);
    doc
}

/// Escapes text for HTML element content and double- or single-quoted attributes.
pub(crate) fn esc(raw: &str) -> String {
    let mut escaped = String::with_capacity(raw.len());
    for c in raw.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            _ => escaped.push(c),
        }
    }
    escaped
}

/// The CSS class for a tier or severity; anything unknown gets the neutral colour.
fn level_class(level: &str) -> &'static str {
    match level {
        "critical" => "critical",
        "high" => "high",
        "medium" => "medium",
        "low" => "low",
        _ => "info",
    }
}

fn badge(level: &str) -> String {
    format!(
        r#"<span class="badge {}">{}</span>"#,
        level_class(level),
        esc(level)
    )
}

/// Bar fills, chosen for at least 3:1 contrast against white.
fn bar_colour(level: &str) -> &'static str {
    match level {
        "critical" => "#7f1d1d",
        "high" => "#9a3412",
        "medium" => "#854d0e",
        "low" => "#1e40af",
        _ => "#374151",
    }
}

fn opt(value: Option<&str>) -> String {
    match value {
        Some(v) if !v.is_empty() => esc(v),
        _ => "-".to_string(),
    }
}

fn list(values: &[String]) -> String {
    if values.is_empty() {
        "-".to_string()
    } else {
        values.iter().map(|v| esc(v)).collect::<Vec<_>>().join(", ")
    }
}

fn write_document(view: &View, doc: &mut String) -> std::fmt::Result {
    let summary = &view.summary;
    writeln!(doc, "<!DOCTYPE html>")?;
    writeln!(doc, r#"<html lang="en">"#)?;
    writeln!(doc, "<head>")?;
    writeln!(doc, r#"<meta charset="utf-8">"#)?;
    writeln!(
        doc,
        r#"<meta name="viewport" content="width=device-width, initial-scale=1">"#
    )?;
    // Nothing may load from anywhere: no scripts at all, styles and images inline only.
    writeln!(
        doc,
        r#"<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">"#
    )?;
    writeln!(doc, "<title>nhi assessment report</title>")?;
    writeln!(doc, "<style>{STYLE}</style>")?;
    writeln!(doc, "</head>")?;
    writeln!(doc, "<body>")?;
    writeln!(doc, "<header>")?;
    writeln!(doc, "<h1>nhi assessment report</h1>")?;
    writeln!(
        doc,
        r#"<p class="meta">Generated by nhi {} at <time>{}</time>.</p>"#,
        esc(view.tool.version),
        esc(view.generated_at)
    )?;
    writeln!(
        doc,
        "<p>{} non-human identities, {} findings ({}), {} AI integrations.</p>",
        summary.identities,
        summary.findings,
        summary.severity_breakdown(),
        view.ai_integrations.len()
    )?;
    writeln!(doc, r#"<nav aria-label="Sections"><ul>"#)?;
    for (anchor, title) in [
        ("summary", "Executive summary"),
        ("ai-integrations", "AI integrations"),
        ("identities", "Identities"),
        ("findings", "Findings"),
        ("compliance", "Compliance matrix"),
    ] {
        writeln!(doc, r##"<li><a href="#{anchor}">{title}</a></li>"##)?;
    }
    writeln!(doc, "</ul></nav>")?;
    writeln!(doc, "</header>")?;
    writeln!(doc, "<main>")?;
    write_summary(view, doc)?;
    write_ai(view, doc)?;
    write_identities(view, doc)?;
    write_findings(view, doc)?;
    write_compliance(view, doc)?;
    writeln!(doc, "</main>")?;
    writeln!(doc, "</body>")?;
    writeln!(doc, "</html>")
}

/// One bar of a chart: label, value, fill colour and an accessible description.
struct Bar {
    label: String,
    value: usize,
    colour: &'static str,
    description: String,
}

/// A horizontal bar chart as inline SVG. Integer geometry only, so the markup is stable.
fn bar_chart(doc: &mut String, id: &str, title: &str, bars: &[Bar]) -> std::fmt::Result {
    const LABEL_WIDTH: usize = 80;
    const BAR_SPACE: usize = 340;
    const ROW: usize = 26;
    const BAR_HEIGHT: usize = 18;
    let width = LABEL_WIDTH + BAR_SPACE + 40;
    let height = bars.len() * ROW + 8;
    let max = bars.iter().map(|b| b.value).max().unwrap_or(0).max(1);
    let summary: Vec<String> = bars
        .iter()
        .map(|b| format!("{} {}", b.label, b.value))
        .collect();
    writeln!(doc, "<figure>")?;
    writeln!(
        doc,
        r#"<figcaption id="{id}-caption">{}</figcaption>"#,
        esc(title)
    )?;
    writeln!(
        doc,
        r#"<svg role="img" viewBox="0 0 {width} {height}" aria-label="{}" aria-describedby="{id}-desc">"#,
        esc(title)
    )?;
    writeln!(doc, r#"<title id="{id}-title">{}</title>"#, esc(title))?;
    writeln!(
        doc,
        r#"<desc id="{id}-desc">{}</desc>"#,
        esc(&summary.join(", "))
    )?;
    for (index, bar) in bars.iter().enumerate() {
        let y = 4 + index * ROW;
        let text_y = y + BAR_HEIGHT - 4;
        // A zero still gets a hairline so the row reads as "none", not as missing.
        let bar_width = (bar.value * BAR_SPACE / max).max(1);
        writeln!(doc, "<g>")?;
        writeln!(doc, "<title>{}</title>", esc(&bar.description))?;
        writeln!(
            doc,
            r##"<text x="{}" y="{text_y}" text-anchor="end" font-size="13" fill="#1a1a1a">{}</text>"##,
            LABEL_WIDTH - 8,
            esc(&bar.label)
        )?;
        writeln!(
            doc,
            r#"<rect x="{LABEL_WIDTH}" y="{y}" width="{bar_width}" height="{BAR_HEIGHT}" fill="{}"></rect>"#,
            bar.colour
        )?;
        writeln!(
            doc,
            r##"<text x="{}" y="{text_y}" font-size="13" fill="#1a1a1a">{}</text>"##,
            LABEL_WIDTH + bar_width + 6,
            bar.value
        )?;
        writeln!(doc, "</g>")?;
    }
    writeln!(doc, "</svg>")?;
    writeln!(doc, "</figure>")
}

fn write_summary(view: &View, doc: &mut String) -> std::fmt::Result {
    let summary = &view.summary;
    writeln!(doc, r#"<section id="summary" aria-labelledby="summary-h">"#)?;
    writeln!(doc, r#"<h2 id="summary-h">Executive summary</h2>"#)?;

    writeln!(doc, r#"<div class="charts">"#)?;
    let tier_bars: Vec<Bar> = summary
        .by_tier
        .iter()
        .map(|t| Bar {
            label: t.tier.to_string(),
            value: t.count,
            colour: bar_colour(t.tier),
            description: format!(
                "{}: {} {}",
                t.tier,
                t.count,
                if t.count == 1 {
                    "identity"
                } else {
                    "identities"
                }
            ),
        })
        .collect();
    bar_chart(doc, "chart-tiers", "NHIs by risk tier", &tier_bars)?;
    let owasp_bars: Vec<Bar> = summary
        .owasp_coverage
        .iter()
        .map(|row| Bar {
            label: row.id.to_string(),
            value: row.findings,
            colour: bar_colour(
                &row.worst_severity
                    .map_or("none".to_string(), |s| s.to_string()),
            ),
            description: match row.worst_severity {
                Some(worst) => format!(
                    "{} {}: {}, worst {worst}",
                    row.id,
                    row.title,
                    crate::view::plural(row.findings, "finding")
                ),
                None => format!("{} {}: no findings", row.id, row.title),
            },
        })
        .collect();
    bar_chart(
        doc,
        "chart-owasp",
        "Findings by OWASP NHI risk",
        &owasp_bars,
    )?;
    writeln!(doc, "</div>")?;

    writeln!(doc, "<h3>NHIs by risk tier and provider</h3>")?;
    if summary.by_provider.is_empty() {
        writeln!(doc, "<p>No identities were assessed.</p>")?;
    } else {
        writeln!(doc, r#"<div class="table-wrap"><table>"#)?;
        write!(doc, r#"<thead><tr><th scope="col">Provider</th>"#)?;
        for tier in &summary.by_tier {
            write!(
                doc,
                r#"<th scope="col" class="num">{}</th>"#,
                esc(tier.tier)
            )?;
        }
        writeln!(
            doc,
            r#"<th scope="col" class="num">Total</th></tr></thead>"#
        )?;
        writeln!(doc, "<tbody>")?;
        for row in &summary.by_provider {
            write!(doc, r#"<tr><th scope="row">{}</th>"#, esc(row.provider))?;
            for tier in &row.tiers {
                write!(doc, r#"<td class="num">{}</td>"#, tier.count)?;
            }
            writeln!(doc, r#"<td class="num">{}</td></tr>"#, row.total)?;
        }
        writeln!(doc, "</tbody>")?;
        write!(doc, r#"<tfoot><tr><th scope="row">Total</th>"#)?;
        for tier in &summary.by_tier {
            write!(doc, r#"<td class="num">{}</td>"#, tier.count)?;
        }
        writeln!(
            doc,
            r#"<td class="num">{}</td></tr></tfoot>"#,
            summary.identities
        )?;
        writeln!(doc, "</table></div>")?;
    }

    writeln!(doc, "<h3>Top {} risks</h3>", super::TOP_RISKS)?;
    if summary.top_risks.is_empty() {
        writeln!(doc, "<p>No identities were assessed.</p>")?;
    } else {
        writeln!(doc, r#"<div class="table-wrap"><table>"#)?;
        writeln!(
            doc,
            r#"<thead><tr><th scope="col" class="num">#</th><th scope="col">Identity</th><th scope="col">Provider</th><th scope="col" class="num">Score</th><th scope="col">Tier</th><th scope="col">Top factors</th><th scope="col" class="num">Findings</th></tr></thead>"#
        )?;
        writeln!(doc, "<tbody>")?;
        for risk in &summary.top_risks {
            let factors: Vec<String> = risk
                .top_factors
                .iter()
                .map(|f| esc(&factor_short(f)))
                .collect();
            writeln!(
                doc,
                r##"<tr><td class="num">{}</td><th scope="row"><a href="#identity-{}">{}</a></th><td>{}</td><td class="num">{}</td><td>{}</td><td>{}</td><td class="num">{}</td></tr>"##,
                risk.rank,
                risk.rank,
                esc(risk.name),
                esc(risk.provider),
                risk.risk_score,
                badge(risk.risk_tier),
                if factors.is_empty() {
                    "-".to_string()
                } else {
                    factors.join(", ")
                },
                risk.findings
            )?;
        }
        writeln!(doc, "</tbody></table></div>")?;
    }

    writeln!(doc, "<h3>OWASP NHI Top 10 coverage</h3>")?;
    writeln!(doc, r#"<div class="table-wrap"><table>"#)?;
    writeln!(
        doc,
        r#"<thead><tr><th scope="col">OWASP</th><th scope="col">Risk</th><th scope="col" class="num">Findings</th><th scope="col">Worst severity</th></tr></thead>"#
    )?;
    writeln!(doc, "<tbody>")?;
    for row in &summary.owasp_coverage {
        writeln!(
            doc,
            r#"<tr><th scope="row">{}</th><td>{}</td><td class="num">{}</td><td>{}</td></tr>"#,
            row.id,
            esc(row.title),
            row.findings,
            row.worst_severity
                .map_or("no findings".to_string(), |s| badge(s.as_str()))
        )?;
    }
    writeln!(doc, "</tbody></table></div>")?;
    writeln!(doc, "</section>")
}

fn write_ai(view: &View, doc: &mut String) -> std::fmt::Result {
    writeln!(
        doc,
        r#"<section id="ai-integrations" aria-labelledby="ai-h">"#
    )?;
    writeln!(doc, r#"<h2 id="ai-h">AI integrations</h2>"#)?;
    let (shown, hidden) = view.top_ai_integrations();
    if shown.is_empty() {
        writeln!(doc, "<p>No AI integrations found.</p>")?;
        return writeln!(doc, "</section>");
    }
    writeln!(doc, r#"<div class="table-wrap"><table>"#)?;
    writeln!(
        doc,
        r#"<thead><tr><th scope="col">Integration</th><th scope="col">Tool</th><th scope="col">Location</th><th scope="col">Authenticates with</th><th scope="col">Reaches</th><th scope="col">Rotate by</th><th scope="col">Risk</th></tr></thead>"#
    )?;
    writeln!(doc, "<tbody>")?;
    for ai in shown {
        writeln!(
            doc,
            r#"<tr><th scope="row">{}</th><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>"#,
            esc(&ai.name),
            esc(&ai.tool),
            esc(&ai.location),
            esc(&ai.authenticates_with),
            list(&ai.reaches),
            ai.rotate_by.as_deref().map_or("not set".to_string(), esc),
            badge(&ai.risk_tier),
        )?;
    }
    writeln!(doc, "</tbody></table></div>")?;
    if hidden > 0 {
        writeln!(
            doc,
            "<p>{hidden} more AI integrations are listed in the JSON report.</p>"
        )?;
    }
    writeln!(doc, "</section>")
}

fn write_identities(view: &View, doc: &mut String) -> std::fmt::Result {
    writeln!(
        doc,
        r#"<section id="identities" aria-labelledby="identities-h">"#
    )?;
    writeln!(doc, r#"<h2 id="identities-h">Identities</h2>"#)?;
    if view.identities.is_empty() {
        writeln!(doc, "<p>No identities were assessed.</p>")?;
    }
    for (index, identity) in view.identities.iter().enumerate() {
        write_identity(view, doc, index + 1, identity)?;
    }
    writeln!(doc, "</section>")
}

fn write_identity(
    view: &View,
    doc: &mut String,
    number: usize,
    identity: &ReportIdentity,
) -> std::fmt::Result {
    writeln!(
        doc,
        r#"<article class="card" id="identity-{number}" aria-labelledby="identity-{number}-h">"#
    )?;
    writeln!(
        doc,
        r#"<h3 id="identity-{number}-h">{}. {} {} <span class="score">score {}</span></h3>"#,
        number,
        esc(&identity.name),
        badge(&identity.risk_tier),
        identity.risk_score
    )?;
    writeln!(doc, r#"<dl class="facts">"#)?;
    let owners = if identity.owners.is_empty() {
        "none recorded".to_string()
    } else {
        list(&identity.owners)
    };
    for (term, value) in [
        ("ID", format!("<code>{}</code>", esc(&identity.id))),
        (
            "Provider / kind",
            format!("{} / {}", esc(&identity.provider), esc(&identity.kind)),
        ),
        ("Account", opt(identity.account.as_deref())),
        ("Environment", opt(identity.environment.as_deref())),
        ("Owners", owners),
        ("Status", esc(&identity.status)),
        ("Privilege tier", esc(&identity.privilege_tier)),
        (
            "Risk score",
            format!("{} ({})", identity.risk_score, esc(&identity.risk_tier)),
        ),
    ] {
        writeln!(doc, "<dt>{term}</dt><dd>{value}</dd>")?;
    }
    writeln!(doc, "</dl>")?;

    writeln!(doc, "<h4>Risk factors</h4>")?;
    if identity.risk_factors.is_empty() {
        writeln!(doc, "<p>No risk factors.</p>")?;
    } else {
        writeln!(doc, r#"<div class="table-wrap"><table>"#)?;
        writeln!(
            doc,
            r#"<thead><tr><th scope="col">Factor</th><th scope="col">Kind</th><th scope="col" class="num">Points</th><th scope="col">Why</th></tr></thead>"#
        )?;
        writeln!(doc, "<tbody>")?;
        for factor in &identity.risk_factors {
            writeln!(
                doc,
                r#"<tr><th scope="row">{}</th><td>{}</td><td class="num">+{}</td><td>{}</td></tr>"#,
                esc(&factor.name),
                esc(&factor.kind),
                factor.points,
                esc(&factor.why)
            )?;
        }
        let sum: u32 = identity.risk_factors.iter().map(|f| f.points).sum();
        let note = if sum > identity.risk_score {
            format!("{sum} points, capped at the score")
        } else {
            String::new()
        };
        writeln!(
            doc,
            r#"</tbody><tfoot><tr><th scope="row">Score</th><td></td><td class="num">{}</td><td>{note}</td></tr></tfoot>"#,
            identity.risk_score
        )?;
        writeln!(doc, "</table></div>")?;
    }

    writeln!(doc, "<h4>Credentials</h4>")?;
    if identity.credentials.is_empty() {
        writeln!(doc, "<p>No credentials.</p>")?;
    } else {
        writeln!(doc, r#"<div class="table-wrap"><table>"#)?;
        writeln!(
            doc,
            r#"<thead><tr><th scope="col">Credential</th><th scope="col">Kind</th><th scope="col">Status</th><th scope="col">Created</th><th scope="col">Last used</th><th scope="col">Seen at</th></tr></thead>"#
        )?;
        writeln!(doc, "<tbody>")?;
        for credential in &identity.credentials {
            writeln!(
                doc,
                r#"<tr><th scope="row">{}</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>"#,
                credential_label(credential),
                esc(&credential.kind),
                esc(&credential.status),
                opt(credential.created.as_deref()),
                opt(credential.last_used.as_deref()),
                sightings(&credential.sightings),
            )?;
        }
        writeln!(doc, "</tbody></table></div>")?;
    }

    writeln!(doc, "<h4>Findings</h4>")?;
    if identity.finding_ids.is_empty() {
        writeln!(doc, "<p>No findings.</p>")?;
    } else {
        writeln!(doc, "<ul>")?;
        for id in view.identity_finding_ids(identity) {
            match (view.finding(id), view.finding_number(id)) {
                (Some(finding), Some(n)) => writeln!(
                    doc,
                    r##"<li><a href="#finding-{n}"><code>{}</code></a> {} {}: {}</li>"##,
                    esc(id),
                    badge(finding.severity.as_str()),
                    finding.owasp,
                    esc(&finding.title)
                )?,
                _ => writeln!(doc, "<li><code>{}</code></li>", esc(id))?,
            }
        }
        writeln!(doc, "</ul>")?;
    }
    writeln!(doc, "</article>")
}

fn sightings(values: &[String]) -> String {
    if values.is_empty() {
        "-".to_string()
    } else {
        values
            .iter()
            .map(|v| format!("<code>{}</code>", esc(v)))
            .collect::<Vec<_>>()
            .join("<br>")
    }
}

fn credential_label(credential: &ReportCredential) -> String {
    let parts: Vec<String> = [&credential.preview, &credential.external_id]
        .into_iter()
        .flatten()
        .map(|s| format!("<code>{}</code>", esc(s)))
        .collect();
    if parts.is_empty() {
        format!("<code>{}</code>", esc(&credential.id))
    } else {
        parts.join(" / ")
    }
}

fn write_findings(view: &View, doc: &mut String) -> std::fmt::Result {
    writeln!(
        doc,
        r#"<section id="findings" aria-labelledby="findings-h">"#
    )?;
    writeln!(doc, r#"<h2 id="findings-h">Findings</h2>"#)?;
    if view.findings.is_empty() {
        writeln!(doc, "<p>No findings.</p>")?;
        return writeln!(doc, "</section>");
    }
    writeln!(doc, r#"<div class="table-wrap"><table>"#)?;
    writeln!(
        doc,
        r#"<thead><tr><th scope="col" class="num">#</th><th scope="col">ID</th><th scope="col">Severity</th><th scope="col">OWASP</th><th scope="col">Rule</th><th scope="col">Subject</th></tr></thead>"#
    )?;
    writeln!(doc, "<tbody>")?;
    for (index, item) in view.findings.iter().enumerate() {
        let f = item.finding;
        writeln!(
            doc,
            r##"<tr><td class="num">{n}</td><th scope="row"><a href="#finding-{n}"><code>{}</code></a></th><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>"##,
            esc(&f.id),
            badge(f.severity.as_str()),
            f.owasp,
            esc(&f.rule),
            esc(&f.subject_name),
            n = index + 1,
        )?;
    }
    writeln!(doc, "</tbody></table></div>")?;
    for (index, item) in view.findings.iter().enumerate() {
        write_finding(doc, index + 1, item)?;
    }
    writeln!(doc, "</section>")
}

fn write_finding(doc: &mut String, number: usize, item: &FindingView) -> std::fmt::Result {
    let f = item.finding;
    writeln!(
        doc,
        r#"<article class="card" id="finding-{number}" aria-labelledby="finding-{number}-h">"#
    )?;
    writeln!(
        doc,
        r#"<h3 id="finding-{number}-h">{number}. {} {}</h3>"#,
        esc(&f.title),
        badge(f.severity.as_str())
    )?;
    writeln!(doc, r#"<dl class="facts">"#)?;
    for (term, value) in [
        ("ID", format!("<code>{}</code>", esc(&f.id))),
        (
            "Rule",
            format!("<code>{}</code> ({})", esc(&f.rule), esc(&f.source)),
        ),
        (
            "OWASP",
            format!("{} {}", f.owasp.qualified_id(), esc(item.owasp_title)),
        ),
        (
            "Subject",
            format!(
                "{} (<code>{}</code>)",
                esc(&f.subject_name),
                esc(&f.subject)
            ),
        ),
    ] {
        writeln!(doc, "<dt>{term}</dt><dd>{value}</dd>")?;
    }
    writeln!(doc, "</dl>")?;
    if !f.evidence.is_empty() {
        writeln!(doc, "<h4>Evidence</h4>")?;
        writeln!(doc, r#"<ul class="evidence">"#)?;
        for evidence in &f.evidence {
            writeln!(doc, "<li>{}</li>", esc(evidence))?;
        }
        writeln!(doc, "</ul>")?;
    }
    writeln!(doc, "<h4>Fix</h4>")?;
    writeln!(doc, r#"<p class="fix">{}</p>"#, esc(&f.fix))?;
    writeln!(doc, "<h4>Compliance references</h4>")?;
    writeln!(doc, "<ul>")?;
    for framework in Framework::ALL {
        let ids: Vec<&str> = item
            .references
            .iter()
            .filter(|c| c.framework == framework)
            .map(|c| c.id)
            .collect();
        if !ids.is_empty() {
            writeln!(
                doc,
                "<li>{}: {}</li>",
                esc(framework.title()),
                esc(&ids.join(", "))
            )?;
        }
    }
    writeln!(doc, "</ul>")?;
    writeln!(doc, "</article>")
}

fn write_compliance(view: &View, doc: &mut String) -> std::fmt::Result {
    writeln!(
        doc,
        r#"<section id="compliance" aria-labelledby="compliance-h">"#
    )?;
    writeln!(doc, r#"<h2 id="compliance-h">Compliance matrix</h2>"#)?;
    writeln!(
        doc,
        "<p>Each control lists the findings whose OWASP NHI risk maps to it.</p>"
    )?;
    for matrix in &view.compliance {
        writeln!(doc, "<h3>{}</h3>", esc(matrix.title))?;
        writeln!(doc, r#"<div class="table-wrap"><table>"#)?;
        writeln!(
            doc,
            r#"<thead><tr><th scope="col">Control</th><th scope="col">Title</th><th scope="col">OWASP</th><th scope="col">Findings</th><th scope="col">Status</th></tr></thead>"#
        )?;
        writeln!(doc, "<tbody>")?;
        for control in &matrix.controls {
            let findings = if control.findings.is_empty() {
                "-".to_string()
            } else {
                control
                    .findings
                    .iter()
                    .map(|id| match view.finding_number(id) {
                        Some(n) => {
                            format!(r##"<a href="#finding-{n}"><code>{}</code></a>"##, esc(id))
                        }
                        None => format!("<code>{}</code>", esc(id)),
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            writeln!(
                doc,
                r#"<tr><th scope="row">{}</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>"#,
                esc(control.id),
                esc(control.title),
                owasp_list(&control.owasp),
                findings,
                control.status.label()
            )?;
        }
        writeln!(doc, "</tbody></table></div>")?;
    }
    writeln!(doc, "</section>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn esc_covers_markup_and_quotes() {
        assert_eq!(
            esc(r#"<a href="x" title='y'>&</a>"#),
            "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;"
        );
        assert_eq!(esc("plain"), "plain");
    }
}
