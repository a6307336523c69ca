//! The report page: one self-contained HTML file (inline CSS, JS and SVG; no request of any kind,
//! enforced by a Content-Security-Policy), readable on a laptop and printable.

use std::fmt::Write as _;

use super::charts;
use super::data::{Candidate, History, ProgrammeData, ReportData};
use super::escape::{html, json_in_script};
use crate::analysis::{Movement, Segment};
use crate::contract::TableKind;
use crate::features::Signal;
use crate::outputs::FEEDBACK_QUESTIONS;
use crate::score::{NO_VALUE, TABLE_ABSENT};

const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; \
                   img-src data:; base-uri 'none'; form-action 'none'";

const STYLE: &str = r#"
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;max-width:1100px;padding:1rem 1.5rem;color:#1a202c;line-height:1.45}
h1{font-size:1.7rem;margin:.2rem 0}h2{font-size:1.25rem;border-bottom:2px solid #e2e8f0;padding-bottom:.2rem;margin-top:2rem}
.muted{color:#4a5568}.figures{display:flex;flex-wrap:wrap;gap:.8rem}.figure{border:1px solid #e2e8f0;border-radius:6px;padding:.6rem .9rem;min-width:9rem}
.figure b{display:block;font-size:1.5rem}table{border-collapse:collapse;width:100%;font-size:.92rem}th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #edf2f7;vertical-align:top}
th{background:#f7fafc;cursor:pointer;user-select:none}td.num,th.num{text-align:right}input[type=search]{padding:.35rem .5rem;width:18rem;margin:.4rem 0}
svg{max-width:100%;height:auto;display:block;margin:.5rem 0}.legend span{display:inline-block;margin-right:1rem}.swatch{display:inline-block;width:.8rem;height:.8rem;margin-right:.3rem;vertical-align:middle}
nav a{margin-right:1rem}footer{margin-top:2rem;font-size:.85rem}.warning{border-left:4px solid #c05621;padding:.3rem .6rem;background:#fffaf0}
#shortlist-table{table-layout:fixed}#shortlist-table th{width:11%}#shortlist-table th:first-child,#shortlist-table th:nth-child(7){width:6%}#shortlist-table th:nth-child(2){width:17%}#shortlist-table th:nth-child(4),#shortlist-table th:nth-child(6){width:9%}#shortlist-table th:nth-child(5){width:9%}#shortlist-table th:last-child{width:32%}#shortlist-table td{overflow-wrap:break-word}
@page{size:A4;margin:12mm}
@media print{nav,input[type=search]{display:none}th{cursor:auto}body{max-width:none;padding:0;font-size:11pt}h2{break-after:avoid}svg,tr,.figure,li{break-inside:avoid}table{font-size:9pt}}
"#;

/// Sorting and filtering of the shortlist: plain DOM work on rows already in the page.
const SCRIPT: &str = r#"
(function(){
  var table=document.getElementById('shortlist-table');
  if(!table){return;}
  var body=table.tBodies[0];
  document.getElementById('shortlist-filter').addEventListener('input',function(e){
    var q=e.target.value.toLowerCase();
    Array.prototype.forEach.call(body.rows,function(r){r.hidden=q!==''&&r.textContent.toLowerCase().indexOf(q)<0;});
  });
  Array.prototype.forEach.call(table.tHead.rows[0].cells,function(th,i){
    th.addEventListener('click',function(){
      var asc=th.getAttribute('data-order')!=='asc';th.setAttribute('data-order',asc?'asc':'desc');
      var rows=Array.prototype.slice.call(body.rows);
      rows.sort(function(a,b){
        var x=a.cells[i].getAttribute('data-value')||a.cells[i].textContent,y=b.cells[i].getAttribute('data-value')||b.cells[i].textContent;
        var nx=parseFloat(x),ny=parseFloat(y),c=(!isNaN(nx)&&!isNaN(ny))?nx-ny:x.localeCompare(y);
        return asc?c:-c;});
      rows.forEach(function(r){body.appendChild(r);});
    });
  });
  document.body.setAttribute('data-ready','1');
})();
"#;

fn pct(v: f64) -> String {
    if v.is_finite() {
        format!("{:.0}%", 100.0 * v)
    } else {
        "-".into()
    }
}

fn num(v: f64) -> String {
    if v.is_finite() {
        format!("{v:.0}")
    } else {
        "-".into()
    }
}

/// The colour key under a chart with one series per name.
fn legend(series: &[(String, Vec<f64>)]) -> String {
    let mut out = String::from("<p class=\"legend\">");
    for (i, (name, _)) in series.iter().enumerate() {
        let _ = write!(
            out,
            "<span><i class=\"swatch\" style=\"background:{}\"></i>{}</span>",
            charts::colour(i),
            html(name)
        );
    }
    out.push_str("</p>");
    out
}

fn person(c: &Candidate) -> String {
    match &c.name {
        Some(name) => format!(
            "{} <span class=\"muted\">({})</span>",
            html(name),
            html(&c.user)
        ),
        None => html(&c.user),
    }
}

/// The page: one function per section, in reading order.
pub fn render(data: &ReportData) -> String {
    let mut page = String::with_capacity(64 * 1024);
    head(&mut page, data);
    summary(&mut page, data);
    shortlist(&mut page, data);
    personas(&mut page, data);
    adoption(&mut page, data);
    segments(&mut page, data);
    group(&mut page, data);
    programme(&mut page, data);
    if let Some(history) = &data.history {
        trends(&mut page, data, history);
    }
    quality(&mut page, data);
    footer(&mut page, data);
    page
}

fn title(data: &ReportData) -> String {
    format!("Power-user candidates as of {}", data.manifest.as_of)
}

/// The days of usage the report stands on: the window up to the as-of date, or, where the
/// events start later in it, the days from the first event (in the configured zone).
fn usage_span(data: &ReportData) -> String {
    let m = &data.manifest;
    let window = m.config.features.window_days;
    let first_event = data
        .ingest
        .table(TableKind::Events)
        .and_then(|t| t.first_timestamp)
        .zip(m.config.ingest.timezone_parsed().ok())
        .map(|(t, zone)| t.with_timezone(&zone).date_naive());
    let window_start = m.as_of - chrono::Days::new(u64::from(window).saturating_sub(1));
    match first_event {
        Some(first) if first > window_start && first <= m.as_of => {
            let days = (m.as_of - first).num_days() + 1;
            format!(
                "{days} days of usage, {first} to {} (the window is {window} days; the events \
                 start later)",
                m.as_of
            )
        }
        _ => format!("{window} days of usage up to {}", m.as_of),
    }
}

/// The document head, the page header and the navigation.
fn head(page: &mut String, data: &ReportData) {
    let m = &data.manifest;
    let title = title(data);
    let _ = write!(
        page,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title><style>{STYLE}</style></head><body>",
        html(&title)
    );
    let _ = write!(
        page,
        "<header><h1>{}</h1><p class=\"muted\">{} &middot; adept {} &middot; \
         {}</p></header>",
        html(&title),
        usage_span(data),
        html(&m.adept_version),
        match (m.pseudonymised, m.config.privacy.show_names) {
            (true, false) => "people are shown by pseudonym",
            (true, true) => "people are shown by pseudonym and name (names enabled)",
            (false, false) => "people are shown by their ids (raw ids enabled)",
            (false, true) => "people are shown by id and name (raw ids and names enabled)",
        }
    );
    let _ = write!(
        page,
        "<nav><a href=\"#summary\">Summary</a><a href=\"#shortlist\">Shortlist</a><a href=\"#personas\">Personas</a>\
         <a href=\"#adoption\">Adoption</a>{}<a href=\"#group\">Proposed group</a>{}<a href=\"#quality\">Data quality</a></nav>",
        if data.segments.is_some() {
            "<a href=\"#segments\">Segments</a>"
        } else {
            ""
        },
        if data.history.is_some() {
            "<a href=\"#trends\">Trends</a>"
        } else {
            ""
        }
    );
}

/// Whether a signal had evidence in this run's score, even if volume took most of its weight (a
/// run from before weights were recorded counts every signal).
fn evidenced(data: &ReportData, signal: Signal) -> bool {
    let w = &data.manifest.signal_weights;
    w.is_empty()
        || w.iter()
            .any(|w| w.signal == signal.name() && (w.used > 0.0 || w.volume_correlation.is_some()))
}

/// What input would give a signal evidence.
fn input_for(signal: Signal) -> &'static str {
    match signal {
        Signal::Depth | Signal::Consistency => "more events",
        Signal::Shortcuts => "events with a `trigger` column (menu, toolbar, shortcut, ...)",
        Signal::Help => "a `help` table of who helped whom",
        Signal::Training => "a `training` table of assessment results",
        Signal::Feedback => "a `feedback` table of ideas and bug reports",
    }
}

/// Why a signal had no evidence: the input it needs where the input lacks it (its table, or
/// any value of its features); otherwise the run's own reason (weight 0, or too few people
/// differ): it does not need a table or column it has.
fn why_no_evidence(data: &ReportData, signal: Signal) -> String {
    let weight = data
        .manifest
        .signal_weights
        .iter()
        .find(|w| w.signal == signal.name());
    let needs = format!("needs {}", input_for(signal));
    match weight {
        Some(w) if w.configured == 0.0 => "weight 0 in the configuration".to_string(),
        Some(w) => match w.note.as_deref() {
            Some(note) if note.starts_with(NO_VALUE) => format!("{note}; {needs}"),
            Some(note) if note != TABLE_ABSENT => note.to_string(),
            _ => needs,
        },
        None => needs,
    }
}

/// One line naming the signals without evidence in this run and the inputs that would add them.
fn missing_evidence(data: &ReportData) -> String {
    let missing: Vec<String> = Signal::ALL
        .into_iter()
        .filter(|s| !evidenced(data, *s))
        .map(|s| format!("{s} ({})", why_no_evidence(data, s)))
        .collect();
    if missing.is_empty() {
        return String::new();
    }
    format!(
        "<p class=\"muted\">No evidence in this run, so not scored or shown: {}.</p>",
        html(&missing.join("; "))
    )
}

/// One line naming the signals that counted for less than half their weight because their
/// ranking of people mostly follows how busy people are.
fn volume_discounts(data: &ReportData) -> String {
    let discounted: Vec<&str> = Signal::ALL
        .into_iter()
        .filter(|s| {
            data.manifest.signal_weights.iter().any(|w| {
                w.signal == s.name()
                    && w.volume_correlation.is_some()
                    && w.used < 0.5 * w.configured
            })
        })
        .map(signal_words)
        .collect();
    if discounted.is_empty() {
        return String::new();
    }
    let ranks = if discounted.len() == 1 {
        "it ranks"
    } else {
        "each ranks"
    };
    format!(
        "<p class=\"muted\">Counted for less than half the usual weight here: {}, as {ranks} \
         people mostly by how busy they are (uses per active day), and busy is not expert.</p>",
        html(&listed(&discounted))
    )
}

/// A signal in the report's words.
fn signal_words(signal: Signal) -> &'static str {
    match signal {
        Signal::Depth => "feature depth",
        Signal::Shortcuts => "shortcut use",
        Signal::Help => "help given",
        Signal::Training => "training",
        Signal::Feedback => "feedback",
        Signal::Consistency => "consistency",
    }
}

/// Words joined as "a, b and c".
fn listed(words: &[&str]) -> String {
    match words.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        Some((last, _)) => last.to_string(),
        None => "no signal".to_string(),
    }
}

/// What the score was built from in this run, in words: only the signals with evidence.
fn scored_on(data: &ReportData) -> String {
    let words: Vec<&str> = Signal::ALL
        .into_iter()
        .filter(|s| evidenced(data, *s))
        .map(signal_words)
        .collect();
    listed(&words)
}

fn summary(page: &mut String, data: &ReportData) {
    let m = &data.manifest;
    let o = &data.organisation;
    // As the run made them (the shortlist below loses people who opted out later).
    let mut figures = vec![(m.candidates.to_string(), "candidates")];
    // Where nobody's department is known, there is no count to give.
    if departments_known(data) {
        figures.push((
            m.departments_with_candidates.to_string(),
            "departments with a candidate",
        ));
    }
    figures.extend([
        (m.scored.to_string(), "people scored"),
        (
            (m.users - m.scored).to_string(),
            "with too little activity to score",
        ),
        (
            num(o.median_features),
            "features known by the median person",
        ),
    ]);
    if evidenced(data, Signal::Shortcuts) {
        figures.push((pct(o.median_shortcut_share), "median shortcut share"));
    }
    if evidenced(data, Signal::Help) {
        figures.push((pct(o.share_helping), "helped a colleague"));
    }
    page.push_str("<section id=\"summary\"><h2>Summary</h2><div class=\"figures\">");
    for (value, label) in figures {
        let _ = write!(page, "<div class=\"figure\"><b>{value}</b>{label}</div>");
    }
    let _ = write!(
        page,
        "</div><p>Candidates are the top {} of people scored ({} of {}, rounded up to whole \
         people) on {}, each compared with peers. They are proposals for people to confirm, each \
         with the reasons in plain words.</p>{}{}{}</section>",
        pct(m.config.scoring.top_tier_share),
        m.candidates,
        m.scored,
        html(&scored_on(data)),
        missing_evidence(data),
        volume_discounts(data),
        withdrawn(data),
    );
}

/// Says that people who opted out after this run were taken out of it later, where they were.
fn withdrawn(data: &ReportData) -> String {
    let w = &data.manifest.withdrawn;
    let Some(last) = w.last() else {
        return String::new();
    };
    let people: usize = w.iter().map(|w| w.people).sum();
    let who = if people == 1 {
        "1 person who opted out after this run was"
    } else {
        "people who opted out after this run were"
    };
    format!(
        "<p class=\"muted\"><b>Note:</b> {who} taken out of this report and its tables later \
         (last by the run of {}). The counts of people and rows in this report are as this run \
         made them.</p>",
        last.by_run_of
    )
}

fn shortlist(page: &mut String, data: &ReportData) {
    page.push_str(
        "<section id=\"shortlist\"><h2>Candidate shortlist</h2>\
         <input type=\"search\" id=\"shortlist-filter\" placeholder=\"Filter by department, persona, reason...\" aria-label=\"Filter the shortlist\">\
         <table id=\"shortlist-table\"><thead><tr><th class=\"num\">Rank</th><th>Person</th><th>Department</th>\
         <th>Role</th><th>Persona</th><th>Segment</th><th class=\"num\">Score</th><th>Why</th></tr></thead><tbody>",
    );
    for c in &data.candidates {
        let _ = write!(
            page,
            "<tr><td class=\"num\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>\
             <td class=\"num\" data-value=\"{:.3}\">{:.1}</td><td>{}</td></tr>",
            c.rank,
            person(c),
            label(&c.department),
            label(&c.role),
            label(&c.persona),
            label(&c.segment),
            c.score,
            c.score,
            why(c)
        );
    }
    page.push_str("</tbody></table></section>");
}

/// The reasons for a candidate, and the areas they could grow in next.
fn why(c: &Candidate) -> String {
    match &c.develop {
        Some(plan) => format!(
            "{}<br><span class=\"muted\">To grow: {}</span>",
            html(&c.explanation),
            html(plan)
        ),
        None => html(&c.explanation),
    }
}

/// A group's name, or "-" where it is unknown or withheld.
fn label(name: &Option<String>) -> String {
    html(name.as_deref().unwrap_or("-"))
}

fn personas(page: &mut String, data: &ReportData) {
    page.push_str("<section id=\"personas\"><h2>Personas</h2>");
    let visible: Vec<_> = data.personas.iter().filter(|p| p.size.is_some()).collect();
    let labels: Vec<String> = visible.iter().map(|p| p.name.clone()).collect();
    let sizes: Vec<f64> = visible.iter().map(|p| p.size.unwrap_or(0) as f64).collect();
    let max = sizes.iter().copied().fold(0.0, f64::max);
    page.push_str(&charts::bars(
        "People per persona",
        &labels,
        &sizes,
        max,
        "",
    ));
    let hidden = data.personas.len() - visible.len();
    if hidden > 0 {
        let _ = write!(
            page,
            "<p class=\"muted\">{hidden} persona(s) not shown: fewer than {} people, or the \
             smallest other persona, withheld beside one that small so that its size cannot be had \
             by subtraction.</p>",
            data.min_group_size
        );
    }
    let series: Vec<(String, Vec<f64>)> = visible
        .iter()
        .map(|p| (p.name.clone(), p.profile.clone().unwrap_or_default()))
        .collect();
    page.push_str(&charts::grouped(
        "Profile: each signal, 0.5 = the median person",
        &data.dimensions,
        &series,
    ));
    page.push_str(&legend(&series));
    page.push_str("</section>");
}

/// Whether anyone's department is known: a people table with departments. Without, every
/// person is "(no department)", and nothing is to be said by department.
fn departments_known(data: &ReportData) -> bool {
    data.departments
        .iter()
        .any(|d| d.name != crate::analysis::NO_DEPARTMENT)
}

fn adoption(page: &mut String, data: &ReportData) {
    page.push_str("<section id=\"adoption\"><h2>Adoption by department</h2>");
    if !departments_known(data) {
        page.push_str(
            "<p class=\"muted\">Nobody's department is known (a <code>people</code> table with \
             <code>department</code> would add it): the organisation's figures are in the \
             summary.</p></section>",
        );
        return;
    }
    let d = &data.departments;
    let names: Vec<String> = d.iter().map(|d| d.name.clone()).collect();
    let depth: Vec<f64> = d.iter().map(|d| d.median_features).collect();
    let shortcuts: Vec<f64> = d.iter().map(|d| 100.0 * d.median_shortcut_share).collect();
    let helping: Vec<f64> = d.iter().map(|d| 100.0 * d.share_helping).collect();
    let max_depth = depth
        .iter()
        .copied()
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max);
    page.push_str(&charts::bars(
        "Features known (median person)",
        &names,
        &depth,
        max_depth,
        "",
    ));
    let (with_shortcuts, with_help) = (
        evidenced(data, Signal::Shortcuts),
        evidenced(data, Signal::Help),
    );
    if with_shortcuts {
        page.push_str(&charts::bars(
            "Shortcut share (median person)",
            &names,
            &shortcuts,
            100.0,
            "%",
        ));
    }
    if with_help {
        page.push_str(&charts::bars(
            "People who helped a colleague",
            &names,
            &helping,
            100.0,
            "%",
        ));
    }
    page.push_str(
        "<table><thead><tr><th>Department</th><th class=\"num\">People scored</th><th class=\"num\">Candidates</th>\
         <th class=\"num\">Features known</th>",
    );
    if with_shortcuts {
        page.push_str("<th class=\"num\">Shortcut share</th>");
    }
    if with_help {
        page.push_str("<th class=\"num\">Helped someone</th>");
    }
    page.push_str("</tr></thead><tbody>");
    for d in d {
        let _ = write!(
            page,
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>",
            html(&d.name),
            d.people,
            d.candidates,
            num(d.median_features),
        );
        if with_shortcuts {
            let _ = write!(
                page,
                "<td class=\"num\">{}</td>",
                pct(d.median_shortcut_share)
            );
        }
        if with_help {
            let _ = write!(page, "<td class=\"num\">{}</td>", pct(d.share_helping));
        }
        page.push_str("</tr>");
    }
    let _ = write!(
        page,
        "</tbody></table><p class=\"muted\">Departments with fewer than {} people scored are pooled, \
         with the smallest other department where the pool alone is smaller than that; a pool still \
         smaller is not shown.</p></section>",
        data.min_group_size
    );
}

/// Usage segments: the organisation's shares per week, the last week by department, and who
/// moved since the last run (counts only).
fn segments(page: &mut String, data: &ReportData) {
    let Some(t) = &data.segments else { return };
    let p = &data.manifest.config.segments;
    let _ = write!(
        page,
        "<section id=\"segments\"><h2>Usage segments</h2><p>Each week, everyone is placed in \
         one segment by their use over the {w} weeks up to it, following Microsoft Viva \
         Insights' usage segments: <b>power</b>, at least {power} uses a week on average and \
         active in {habit} of the {w} weeks; <b>habitual</b>, active in {habit} of {w}; \
         <b>novice</b>, at least {novice} use a week on average; <b>low</b>, some use; \
         <b>non-user</b>, none. Use thresholds scale with a part-timer's FTE. A recent hire is \
         judged on the weeks since joining, and everyone on the weeks since the export began, \
         once there are {min} of them; with fewer than {w}, the habit is scaled in proportion \
         and use is averaged over those weeks.</p>",
        w = p.weeks,
        power = p.power_actions,
        habit = p.habit_weeks,
        novice = p.novice_actions,
        min = p.min_weeks,
    );
    let names: Vec<String> = Segment::ALL.iter().map(|s| s.name().to_string()).collect();
    let judged = t.judged.iter().any(|n| *n > 0);
    if judged {
        let weeks: Vec<String> = t
            .weeks
            .iter()
            .map(|w| w.get(5..).unwrap_or(w).to_string())
            .collect();
        let series: Vec<(String, Vec<f64>)> = names
            .iter()
            .cloned()
            .zip(t.organisation.iter().cloned())
            .collect();
        page.push_str(&charts::stacked_columns(
            "Share of people per segment, by week starting",
            &weeks,
            &series,
        ));
        page.push_str(&legend(&series));
    } else {
        page.push_str(
            "<p class=\"muted\">Too few people could be judged to show the organisation's shares.</p>",
        );
    }
    if !t.departments.is_empty() && departments_known(data) {
        let labels: Vec<String> = t
            .departments
            .iter()
            .map(|d| format!("{} ({})", d.0, d.1))
            .collect();
        let series: Vec<(String, Vec<f64>)> = names
            .iter()
            .enumerate()
            .map(|(s, name)| (name.clone(), t.departments.iter().map(|d| d.2[s]).collect()))
            .collect();
        let last = t.weeks.last().cloned().unwrap_or_default();
        page.push_str(&charts::stacked_rows(
            &format!("By department, week starting {last} (people judged)"),
            &labels,
            &series,
        ));
        page.push_str(&legend(&series));
        let _ = write!(
            page,
            "<p class=\"muted\">Departments with fewer than {} people scored are pooled, as above; a group with fewer people judged is not shown.</p>",
            data.min_group_size
        );
    }
    if let Some(h) = &data.history {
        segment_moves(page, h);
    }
    page.push_str("</section>");
}

/// How many people moved up or down a segment since the previous run.
fn segment_moves(page: &mut String, history: &History) {
    page.push_str("<h3>Changed segment since the last run</h3>");
    if history.segment_moves.is_empty() {
        page.push_str("<p class=\"muted\">Nobody, or the last run had no segments.</p>");
        return;
    }
    page.push_str(
        "<table><thead><tr><th>Direction</th><th>From -> to</th><th class=\"num\">People</th></tr></thead><tbody>",
    );
    for ((movement, change), n) in &history.segment_moves {
        let direction = if *movement == Movement::SegmentUp {
            "up"
        } else {
            "down"
        };
        let _ = write!(
            page,
            "<tr><td>{direction}</td><td>{}</td><td class=\"num\">{n}</td></tr>",
            html(change)
        );
    }
    page.push_str("</tbody></table>");
}

/// The user-group programme: sessions by need, presenters, audiences, pain points.
fn programme(page: &mut String, data: &ReportData) {
    let Some(p) = &data.programme else { return };
    let departments = if departments_known(data) {
        ", from different departments where they can be"
    } else {
        ""
    };
    let _ = write!(
        page,
        "<section id=\"programme\"><h2>User-group programme</h2><p>One session per feature area, \
         most needed first: the people who would learn from it (one of its features is among \
         their next features to learn) plus the unresolved help requests on it. Presenters are \
         candidates who know the area best{departments}; nobody presents twice before everyone \
         able to has presented once.</p>",
    );
    if p.sessions.is_empty() {
        page.push_str("<p class=\"muted\">No session: nobody has a feature to learn next.</p>");
    } else {
        sessions_table(page, p);
    }
    // Pain points from help topics, as against questions filed as feedback (no topic).
    let help_topics = p
        .other_topics
        .iter()
        .any(|(topic, _, _)| topic != FEEDBACK_QUESTIONS);
    if !p.sessions.is_empty() && p.sessions.iter().all(|s| s.unresolved_help.is_none()) {
        page.push_str(if help_topics {
            "<p class=\"muted\">No help topic names a feature area (the topics are listed below): \
             sessions are ordered by their audience alone.</p>"
        } else {
            "<p class=\"muted\">This export does not record which help requests were resolved, \
             or on what topic (a help table with <code>topic</code> and <code>resolved</code>): \
             sessions are ordered by their audience alone.</p>"
        });
    }
    if !p.other_topics.is_empty() {
        other_pain_points(page, p, help_topics);
    }
    page.push_str("</section>");
}

/// Help topics that name no feature area, and questions filed as feedback, each said as what
/// it counts.
fn other_pain_points(page: &mut String, p: &ProgrammeData, help_topics: bool) {
    let questions = p
        .other_topics
        .iter()
        .any(|(topic, _, _)| topic == FEEDBACK_QUESTIONS);
    let (what, counted) = match (help_topics, questions) {
        (true, true) => (
            "Help topics that name no feature area, and questions filed as feedback (which have \
             no topic)",
            "Each row of the help table counts once (a question answered twice counts twice), \
             and each question filed as feedback once.",
        ),
        (true, false) => (
            "Help topics that name no feature area",
            "Each row of the help table counts once: a question answered twice counts twice.",
        ),
        _ => (
            "Questions filed as feedback (which have no topic)",
            "Each question counts once.",
        ),
    };
    let _ = write!(
        page,
        "<h3>Other pain points</h3><p>{what}, for the group's agenda. {counted}</p><table>\
         <thead><tr><th>Topic</th><th class=\"num\">Requests</th>\
         <th class=\"num\">Not resolved</th></tr></thead><tbody>",
    );
    for (topic, requests, unresolved) in &p.other_topics {
        let _ = write!(
            page,
            "<tr><td>{}</td><td class=\"num\">{requests}</td><td class=\"num\">{}</td></tr>",
            html(topic),
            known(*unresolved)
        );
    }
    page.push_str("</tbody></table>");
}

/// A count where it was recorded, `-` where not.
fn known(count: Option<u64>) -> String {
    count.map_or("-".to_string(), |n| n.to_string())
}

fn sessions_table(page: &mut String, p: &ProgrammeData) {
    page.push_str(
        "<table><thead><tr><th class=\"num\">#</th><th>Area</th><th class=\"num\">Audience</th>\
         <th class=\"num\">Help not resolved (of)</th><th>Presenters</th><th>Largest audiences</th>\
         </tr></thead><tbody>",
    );
    for (i, s) in p.sessions.iter().enumerate() {
        let presenters = if s.presenters.is_empty() {
            "no candidate yet: the implementation team".to_string()
        } else {
            s.presenters
                .iter()
                .map(|x| html(x))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut departments = s.departments.clone();
        departments.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let largest: Vec<String> = departments
            .iter()
            .take(3)
            .map(|(d, n)| format!("{} ({n})", html(d)))
            .collect();
        let _ = write!(
            page,
            "<tr><td class=\"num\">{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{} ({})</td><td>{}</td><td>{}</td></tr>",
            i + 1,
            html(&s.area),
            s.audience,
            known(s.unresolved_help),
            known(s.help_requests),
            presenters,
            largest.join(", ")
        );
    }
    page.push_str("</tbody></table>");
}

fn group(page: &mut String, data: &ReportData) {
    let balanced = if departments_known(data) {
        ", balanced across departments,"
    } else {
        ""
    };
    let _ = write!(
        page,
        "<section id=\"group\"><h2>Proposed power-user group</h2>\
         <p>A first cohort{balanced} to invite to regular meetings with the people who run the \
         software and its training, for each person to accept or decline.</p><ul>",
    );
    for c in data.group.iter().map(|&i| &data.candidates[i]) {
        let _ = write!(
            page,
            "<li>{} &middot; {} &middot; {}</li>",
            person(c),
            label(&c.department),
            label(&c.persona)
        );
    }
    page.push_str(
        "</ul><h3>Who could present each feature area to peers</h3><table><thead><tr><th>Area</th>\
         <th>Candidates who know it best (features known)</th></tr></thead><tbody>",
    );
    for (area, people) in &data.presenters {
        let who: Vec<String> = people
            .iter()
            .map(|(user, n)| format!("{} ({n})", html(user)))
            .collect();
        let _ = write!(
            page,
            "<tr><td>{}</td><td>{}</td></tr>",
            html(area),
            who.join(", ")
        );
    }
    page.push_str("</tbody></table></section>");
}

fn trends(page: &mut String, data: &ReportData, history: &History) {
    page.push_str("<section id=\"trends\"><h2>Trends across runs</h2>");
    let figure = |name: &str| history.headline.get(name).cloned().unwrap_or_default();
    let candidates = figure("candidates");
    let max = candidates
        .iter()
        .copied()
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max)
        * 1.2;
    page.push_str(&charts::lines(
        "Candidates per run",
        &history.dates,
        &[("candidates".into(), candidates)],
        max,
    ));
    let shares: Vec<(String, Vec<f64>)> = [
        (
            Signal::Shortcuts,
            "median shortcut share",
            "median_shortcut_share",
        ),
        (
            Signal::Help,
            "people who helped a colleague",
            "share_helping",
        ),
    ]
    .iter()
    .filter(|(signal, _, _)| evidenced(data, *signal))
    .map(|(_, label, name)| (label.to_string(), figure(name)))
    .collect();
    if !shares.is_empty() {
        page.push_str(&charts::lines(
            "Adoption (share of people scored)",
            &history.dates,
            &shares,
            1.0,
        ));
        page.push_str(&legend(&shares));
    }
    for (movement, heading) in [
        (Movement::NewCandidate, "New candidates since the last run"),
        (Movement::DroppedCandidate, "No longer candidates"),
        (Movement::RisingStar, "Rising fastest over the runs shown"),
    ] {
        movers(page, history, movement, heading);
    }
    page.push_str("</section>");
}

/// The people of one kind of movement.
fn movers(page: &mut String, history: &History, movement: Movement, heading: &str) {
    let rows: Vec<_> = history.people.iter().filter(|p| p.0 == movement).collect();
    let _ = write!(page, "<h3>{heading}</h3>");
    if rows.is_empty() {
        page.push_str("<p class=\"muted\">Nobody.</p>");
        return;
    }
    page.push_str("<table><thead><tr><th>Person</th><th class=\"num\">Score</th><th class=\"num\">Change</th></tr></thead><tbody>");
    for (_, user, score, change) in rows {
        let _ = write!(
            page,
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            html(user),
            num(*score),
            change.map_or("-".to_string(), |c| format!("{c:+.1}"))
        );
    }
    page.push_str("</tbody></table>");
}

fn quality(page: &mut String, data: &ReportData) {
    page.push_str(
        "<section id=\"quality\"><h2>Data quality</h2><table><thead><tr><th>Table</th><th class=\"num\">Rows read</th>\
         <th class=\"num\">Accepted</th><th class=\"num\">Rejected</th><th class=\"num\">Duplicates</th>\
         <th class=\"num\">Opted out</th><th>Dates covered</th><th>Rejected by reason</th></tr></thead><tbody>",
    );
    for t in &data.ingest.tables {
        let c = &t.totals;
        let range = data
            .ingest
            .dates(t)
            .map_or("-".into(), |(a, b)| format!("{a} to {b}"));
        let reasons: Vec<String> = t
            .rejected_by_reason
            .iter()
            .map(|(r, n)| format!("{} {n}", html(r)))
            .collect();
        let _ = write!(
            page,
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td></tr>",
            html(&t.table),
            c.read,
            c.accepted,
            c.rejected,
            c.duplicates,
            c.opted_out,
            range,
            reasons.join(", ")
        );
    }
    page.push_str("</tbody></table>");
    for warning in data.ingest.tables.iter().flat_map(|t| t.warnings()) {
        warn(page, &warning);
    }
    if let Some(c) = &data.manifest.catalog_coverage {
        coverage(
            page,
            &format!("The catalog {}", c.summary()),
            c.warning.as_ref(),
        );
    }
    if let Some(c) = &data.manifest.people_coverage {
        coverage(page, &format!("The {}", c.summary()), c.warning.as_ref());
    }
    for warning in &data.manifest.data_warnings {
        warn(page, warning);
    }
    page.push_str("</section>");
}

/// How much of the input a reference table knows, and its warning where it knows too little.
fn coverage(page: &mut String, summary: &str, warning: Option<&String>) {
    let _ = write!(page, "<p>{}.</p>", html(summary));
    if let Some(warning) = warning {
        warn(page, warning);
    }
}

/// A run warning, as the run printed it on stderr.
fn warn(page: &mut String, warning: &str) {
    let _ = write!(
        page,
        "<p class=\"warning\"><b>Warning:</b> {}.</p>",
        html(warning)
    );
}

/// The privacy note, the facts for scripts and the shortlist's script.
fn footer(page: &mut String, data: &ReportData) {
    let _ = write!(
        page,
        "<footer class=\"muted\">People who opted out appear nowhere in this report. Identifiers are \
         keyed pseudonyms unless raw ids were enabled. No figure about a group of fewer than {} people \
         is shown. Scores propose; people decide.</footer>",
        data.min_group_size
    );
    let facts = serde_json::json!({
        "as_of": data.manifest.as_of.to_string(),
        "candidates": data.candidates.len(),
        "scored": data.manifest.scored,
        "departments": data.departments.iter().map(|d| &d.name).collect::<Vec<_>>(),
    });
    let _ = writeln!(
        page,
        "<script type=\"application/json\" id=\"report-facts\">{}</script><script>{SCRIPT}</script></body></html>",
        json_in_script(&facts)
    );
}
