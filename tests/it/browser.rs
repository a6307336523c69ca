//! The report in a real browser: headless Chromium loads `report.html` with every request routed
//! to a local listener, so any request the page makes is seen; the page must render, make no
//! request, log nothing to the console, and leave script payloads from the input inert.
//!
//! Needs Debian's `chromium` (`.ci/run` installs it). Set `ADEPT_SKIP_BROWSER=1` to skip these
//! tests on a machine without it.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tempfile::tempdir;

use crate::fixtures::*;

/// What Chromium did with a page.
struct Visit {
    dom: String,
    console: Vec<String>,
    /// First request lines seen by the proxy, from the page (browser housekeeping excluded).
    page_requests: Vec<String>,
}

fn chromium() -> Option<&'static str> {
    if std::env::var("ADEPT_SKIP_BROWSER").as_deref() == Ok("1") {
        return None;
    }
    for candidate in ["chromium", "chromium-browser", "google-chrome"] {
        if Command::new(candidate)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
        {
            return Some(candidate);
        }
    }
    panic!(
        "headless Chromium is needed for the report tests (apt-get install chromium), or set ADEPT_SKIP_BROWSER=1"
    );
}

/// Requests Chromium makes for itself (time, updates, sign-in), whatever the page does.
fn is_browser_housekeeping(request: &str) -> bool {
    ["google.com", "googleapis.com", "gvt1.com", "gstatic.com"]
        .iter()
        .any(|host| request.contains(host))
}

fn visit(browser: &str, page: &Path) -> Visit {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    listener.set_nonblocking(true).unwrap();
    let seen = Arc::new(Mutex::new(Vec::<String>::new()));
    let done = Arc::new(Mutex::new(false));
    let proxy = {
        let (seen, done) = (seen.clone(), done.clone());
        std::thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(60);
            while !*done.lock().unwrap() && Instant::now() < deadline {
                match listener.accept() {
                    Ok((stream, _)) => {
                        stream.set_read_timeout(Some(Duration::from_secs(2))).ok();
                        let mut line = String::new();
                        let _ = BufReader::new(stream).read_line(&mut line);
                        seen.lock().unwrap().push(line.trim().to_string());
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(20)),
                }
            }
        })
    };
    let profile = tempdir().unwrap();
    let output = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=5000",
            &format!("--proxy-server=http://127.0.0.1:{port}"),
            "--proxy-bypass-list=<-loopback>",
            &format!("--user-data-dir={}", profile.path().display()),
            "--dump-dom",
            &format!("file://{}", page.display()),
        ])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    *done.lock().unwrap() = true;
    proxy.join().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let console = stderr
        .lines()
        .filter(|l| l.contains(":CONSOLE"))
        .map(str::to_string)
        .collect();
    let page_requests = seen
        .lock()
        .unwrap()
        .iter()
        .filter(|r| !is_browser_housekeeping(r))
        .cloned()
        .collect();
    Visit {
        dom: String::from_utf8_lossy(&output.stdout).into_owned(),
        console,
        page_requests,
    }
}

/// The attributes of the `<body>` element in a dumped DOM: where a payload that ran leaves its mark.
fn body_tag(dom: &str) -> &str {
    dom.split("<body")
        .nth(1)
        .and_then(|rest| rest.split('>').next())
        .unwrap_or("")
}

/// Payloads that would run script, load something or break out of their context if unescaped.
const PAYLOADS: [&str; 4] = [
    r#"<img src=http://attacker.invalid/x.png onerror="document.body.setAttribute('data-pwned','img')">"#,
    r#"</script><script>document.body.setAttribute('data-pwned','script')</script>"#,
    r#""><svg onload="document.body.setAttribute('data-pwned','svg')">"#,
    r#"' onmouseover='x' data-x='"#,
];

/// An organisation whose every text field carries a payload; names are shown so they reach the page.
fn hostile_input(dir: &Path) {
    let csv = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let mut people = String::from("user_id,display_name,department,role,fte\n");
    let mut events = String::from("user_id,timestamp,feature,app,trigger,count\n");
    let mut catalog = String::from("app,feature,area,level,has_shortcut\n");
    let mut help = String::from("helper_id,helped_id,timestamp,channel,topic,resolved\n");
    let mut training = String::from("user_id,course,assessment,taken_at,score,phase\n");
    let mut feedback = String::from("user_id,timestamp,kind\n");
    for f in 0..30 {
        let payload = PAYLOADS[f % PAYLOADS.len()];
        catalog += &format!(
            "{},{},{},advanced,true\n",
            csv(payload),
            csv(&format!("f{f} {payload}")),
            csv(&format!("area {payload}"))
        );
    }
    for u in 0..40 {
        let payload = PAYLOADS[u % PAYLOADS.len()];
        let department = PAYLOADS[u % 2];
        people += &format!(
            "u{u},{},{},{},1\n",
            csv(&format!("Name {payload}")),
            csv(department),
            csv(payload)
        );
        let features = 3 + u % 25;
        for day in 1..=20 {
            for f in 0..features {
                let trigger = if (f + u) % 3 == 0 { "menu" } else { "shortcut" };
                events += &format!(
                    "u{u},2026-10-{day:02}T09:00:00Z,{},{},{trigger},2\n",
                    csv(&format!("f{f} {}", PAYLOADS[f % PAYLOADS.len()])),
                    csv(PAYLOADS[f % PAYLOADS.len()])
                );
            }
        }
        help += &format!(
            "u{u},u{},2026-10-10T10:00:00Z,{},{},true\n",
            (u + 1) % 40,
            csv(payload),
            csv(payload)
        );
        training += &format!(
            "u{u},{},{},2026-09-01,{},final\n",
            csv(payload),
            csv(payload),
            50 + u
        );
        feedback += &format!("u{u},2026-10-11T10:00:00Z,{}\n", csv(payload));
    }
    for (name, text) in [
        ("people.csv", people),
        ("events.csv", events),
        ("catalog.csv", catalog),
        ("help.csv", help),
        ("training.csv", training),
        ("feedback.csv", feedback),
    ] {
        write(dir, name, text);
    }
}

#[test]
fn the_harness_sees_requests_and_console_errors_when_a_page_makes_them() {
    let Some(browser) = chromium() else { return };
    let dir = tempdir().unwrap();
    let page = write(
        dir.path(),
        "leaky.html",
        "<html><body><script>console.error('boom'); new Image().src='http://adept-test.invalid/p.png'; \
         document.body.setAttribute('data-pwned','1');</script></body></html>",
    );
    let v = visit(browser, &page);
    assert!(body_tag(&v.dom).contains("data-pwned"), "{}", v.dom);
    assert!(
        v.page_requests
            .iter()
            .any(|r| r.contains("adept-test.invalid")),
        "{:?}",
        v.page_requests
    );
    assert!(
        v.console.iter().any(|l| l.contains("boom")),
        "{:?}",
        v.console
    );
}

#[test]
fn the_report_renders_offline_without_console_errors_and_payloads_stay_inert() {
    let Some(browser) = chromium() else { return };
    let input = tempdir().unwrap();
    hostile_input(input.path());
    let out = tempdir().unwrap();
    write(
        input.path(),
        "adept.toml",
        "[privacy]\nshow_names = true\n[ingest]\nmax_reject_rate = 1.0\n",
    );
    let status = Command::new(env!("CARGO_BIN_EXE_adept"))
        .args(["run", "--input"])
        .arg(input.path())
        .arg("--out")
        .arg(out.path())
        .args(["--as-of", "2026-10-31", "--config"])
        .arg(input.path().join("adept.toml"))
        .env("ADEPT_PSEUDONYM_KEY", "browser test key")
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let report = out.path().join("report.html");
    let html = std::fs::read_to_string(&report).unwrap();
    assert!(html.contains("Content-Security-Policy"));
    // The payloads reached the page (names, departments, roles, features, areas) as text.
    assert!(
        html.contains("Name &lt;img src=http://attacker.invalid"),
        "display names missing"
    );
    assert!(
        html.contains("area &lt;/script&gt;") || html.contains("area &lt;img"),
        "areas missing"
    );

    let v = visit(browser, &report);
    assert!(
        v.dom.contains("data-ready=\"1\""),
        "the page's script did not run:\n{}",
        &v.dom[..v.dom.len().min(2000)]
    );
    // The payload text is on the page (escaped); had it run, it would have marked <body>.
    let body_tag = body_tag(&v.dom);
    assert!(body_tag.contains("data-ready"), "{body_tag}");
    assert!(
        !body_tag.contains("data-pwned"),
        "a payload ran: <body{body_tag}>"
    );
    assert!(v.dom.contains("Candidate shortlist") && v.dom.contains("Adoption by department"));
    // The segment charts name the departments too.
    assert!(
        v.dom.contains("By department, week starting"),
        "no segments by department"
    );
    // The programme shows areas and help topics from the input (the payloads).
    assert!(v.dom.contains("User-group programme"), "no programme");
    assert!(v.dom.contains("Other pain points"), "no pain points");
    assert!(
        v.page_requests.is_empty(),
        "the page made requests: {:?}",
        v.page_requests
    );
    assert!(v.console.is_empty(), "console output: {:?}", v.console);
}

/// A4 at 12 mm margins, in CSS px (96 per inch): the printable width and height.
const A4_PRINTABLE: (f64, f64) = (186.0 / 25.4 * 96.0, 273.0 / 25.4 * 96.0);

/// The text of each page of a PDF (whitespace removed, compatibility forms folded: ligatures
/// come back as letters), read with pypdf.
fn pdf_pages(pdf: &Path) -> Vec<String> {
    let script = "import sys, json, unicodedata, pypdf\n\
                  pages = [unicodedata.normalize('NFKC', p.extract_text()) for p in pypdf.PdfReader(sys.argv[1]).pages]\n\
                  print(json.dumps([''.join(t.split()) for t in pages]))";
    let o = Command::new("python3")
        .args(["-c", script])
        .arg(pdf)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "reading the PDF needs pypdf (pip install -r tests/requirements.txt), or ADEPT_SKIP_BROWSER=1: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).unwrap()
}

/// A number attribute of an SVG start tag.
fn attribute(tag: &str, name: &str) -> f64 {
    let start = tag.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
    tag[start..].split('"').next().unwrap().parse().unwrap()
}

/// Each chart of a page: its start tag and the texts it draws (entities decoded, whitespace
/// removed, as `pdf_pages` gives them).
fn charts(html: &str) -> Vec<(String, Vec<(f64, String)>)> {
    let unescape = |s: &str| {
        s.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&amp;", "&")
    };
    html.split("<svg role=\"img\"")
        .skip(1)
        .map(|svg| {
            let svg = svg.split("</svg>").next().unwrap();
            let tag = svg.split('>').next().unwrap().to_string();
            let texts = svg
                .split("<text")
                .skip(1)
                .map(|t| {
                    let size = attribute(t, "font-size");
                    let text = t.split('>').nth(1).unwrap().split('<').next().unwrap();
                    (size, unescape(text).split_whitespace().collect())
                })
                .filter(|(_, text): &(f64, String)| !text.is_empty())
                .collect();
            (tag, texts)
        })
        .collect()
}

/// An organisation of 300 people in 30 departments: long department charts.
fn many_departments(dir: &Path) {
    let params = adept::generate::GenerateParams {
        users: 300,
        days: 60,
        seed: 77,
        format: adept::generate::OutputFormat::Csv,
        end_date: as_of(),
    };
    adept::generate::generate(&params, dir).unwrap();
    let people = std::fs::read_to_string(dir.join("people.csv")).unwrap();
    let mut lines = people.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let column = header.iter().position(|c| *c == "department").unwrap();
    let mut text = header.join(",") + "\n";
    for (i, line) in lines.enumerate() {
        let mut cells: Vec<String> = line.split(',').map(str::to_string).collect();
        cells[column] = format!("Department {:02}", i % 30);
        text += &(cells.join(",") + "\n");
    }
    write(dir, "people.csv", text);
}

#[test]
fn the_report_prints_to_a4_with_legible_charts_none_cut_by_a_page_break() {
    let Some(browser) = chromium() else { return };
    let input = tempdir().unwrap();
    many_departments(input.path());
    let root = run_adept(input.path(), "");
    let out = root.path().join("run");
    let report = out.join("report.html");
    let html = std::fs::read_to_string(&report).unwrap();
    let charts = charts(&html);
    assert!(
        charts
            .iter()
            .any(|(_, t)| t.iter().any(|(_, s)| s.contains("(continued)"))),
        "30 departments should continue the department charts in a second chart"
    );
    for (tag, texts) in &charts {
        let (width, height) = (attribute(tag, "width"), attribute(tag, "height"));
        assert!(
            width <= A4_PRINTABLE.0 && height <= A4_PRINTABLE.1,
            "a chart of {width}x{height} px does not fit an A4 page: {tag}"
        );
        for (size, text) in texts {
            assert!(*size >= 11.0, "`{text}` is drawn at {size} px, under 11 px");
        }
    }

    let pdf = out.join("report.pdf");
    let o = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-pdf-header-footer",
        ])
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(format!("file://{}", report.display()))
        .output()
        .unwrap();
    assert!(pdf.exists(), "{}", String::from_utf8_lossy(&o.stderr));
    let pages = pdf_pages(&pdf);
    let rows = html.matches("<tr><td class=\"num\">").count();
    let sections = html.matches("<section").count();
    // The shortlist at least 4 candidates a page, each other section at most 2 pages.
    assert!(
        (3..=1 + rows / 4 + 2 * (sections - 1)).contains(&pages.len()),
        "{} pages for {rows} shortlist rows and {sections} sections",
        pages.len()
    );
    // A chart is whole when one page holds every text it draws.
    for (tag, texts) in &charts {
        let whole = pages
            .iter()
            .any(|page| texts.iter().all(|(_, text)| page.contains(text.as_str())));
        assert!(whole, "a chart is cut by a page break: {tag} {texts:?}");
    }
}
