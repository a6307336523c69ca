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
    assert!(
        v.page_requests.is_empty(),
        "the page made requests: {:?}",
        v.page_requests
    );
    assert!(v.console.is_empty(), "console output: {:?}", v.console);
}
