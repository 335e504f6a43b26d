//! The dashboard in a real browser: headless Chromium (Debian `chromium`) driven over
//! W3C WebDriver by chromedriver (Debian `chromium-driver`), against `nhi serve` on the
//! sample estate. It logs in with the password form, sees the inventory, opens an
//! identity and its graph, suppresses a finding with the form, and checks that a forged
//! POST carrying the session cookie but no CSRF token is refused.
//!
//! The WebDriver client is the handful of W3C endpoints the test needs, spoken over the
//! same loopback HTTP/1.1 helper as the other server tests: a client library would pull
//! a second async HTTP stack into the build for six JSON calls.
//!
//! Skips with a message when chromium or chromedriver is missing, unless
//! NHI_REQUIRE_BROWSER=1 (set by scripts/test.sh, which installs them).

mod support;

use std::io::Write;
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const PASSWORD: &str = "a long browser test password";
/// The W3C key under which an element reference travels.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

fn find_program(names: &[&str]) -> Option<PathBuf> {
    let paths = std::env::var_os("PATH")?;
    std::env::split_paths(&paths)
        .flat_map(|dir| names.iter().map(move |name| dir.join(name)))
        .find(|p| p.is_file())
}

fn browser_or_skip() -> Option<(PathBuf, PathBuf)> {
    let found = (
        find_program(&["chromium", "chromium-browser"]),
        find_program(&["chromedriver"]),
    );
    match found {
        (Some(browser), Some(driver)) => Some((browser, driver)),
        _ if std::env::var_os("NHI_REQUIRE_BROWSER").is_some_and(|v| v == "1") => {
            panic!("NHI_REQUIRE_BROWSER=1 but chromium or chromedriver is not on PATH")
        }
        _ => {
            eprintln!(
                "skipping the browser test: chromium and chromedriver are not installed \
                 (apt-get install chromium chromium-driver, or run scripts/test.sh)"
            );
            None
        }
    }
}

/// chromedriver, killed when the test ends however it ends.
struct Chromedriver {
    child: Child,
    addr: SocketAddr,
}

impl Drop for Chromedriver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Chromedriver {
    fn start(program: &PathBuf) -> Chromedriver {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(program)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let driver = Chromedriver { child, addr };
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(addr).is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        driver
    }

    /// One WebDriver command; a W3C error comes back as `Err` with its message.
    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, String> {
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let headers: &[(&str, &str)] = if method == "GET" || method == "DELETE" {
            &[]
        } else {
            &[("Content-Type", "application/json")]
        };
        let (status, _, text) = support::http_to(self.addr, method, path, headers, &body);
        let reply: Value = serde_json::from_str(&text)
            .map_err(|e| format!("{method} {path}: HTTP {status}, not JSON ({e}): {text}"))?;
        let value = reply.get("value").cloned().unwrap_or(Value::Null);
        if status != 200 {
            return Err(format!(
                "{method} {path}: HTTP {status}: {} {}",
                value["error"], value["message"]
            ));
        }
        Ok(value)
    }
}

/// A browser session: the few W3C commands the walk needs.
struct Session<'d> {
    driver: &'d Chromedriver,
    id: String,
}

impl Drop for Session<'_> {
    fn drop(&mut self) {
        let _ = self
            .driver
            .call("DELETE", &format!("/session/{}", self.id), None);
    }
}

impl<'d> Session<'d> {
    fn new(driver: &'d Chromedriver, chromium: &PathBuf, profile: &std::path::Path) -> Self {
        let capabilities = json!({
            "capabilities": {
                "alwaysMatch": {
                    "browserName": "chrome",
                    "goog:chromeOptions": {
                        "binary": chromium,
                        "args": [
                            "--headless", "--no-sandbox", "--disable-gpu",
                            "--disable-dev-shm-usage", "--disable-background-networking",
                            "--disable-component-update", "--disable-sync", "--no-first-run",
                            format!("--user-data-dir={}", profile.display()),
                            "--window-size=1280,900"
                        ]
                    }
                }
            }
        });
        let value = driver
            .call("POST", "/session", Some(capabilities))
            .expect("a chromium session");
        let id = value["sessionId"]
            .as_str()
            .expect("a session id")
            .to_string();
        Session { driver, id }
    }

    fn cmd(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, String> {
        self.driver
            .call(method, &format!("/session/{}{path}", self.id), body)
    }

    fn goto(&self, url: &str) -> Result<(), String> {
        self.cmd("POST", "/url", Some(json!({ "url": url })))
            .map(drop)
    }

    fn url(&self) -> Result<String, String> {
        Ok(self.cmd("GET", "/url", None)?.as_str().unwrap_or("").into())
    }

    fn source(&self) -> Result<String, String> {
        Ok(self
            .cmd("GET", "/source", None)?
            .as_str()
            .unwrap_or("")
            .into())
    }

    fn find(&self, css: &str) -> Result<Element<'_, 'd>, String> {
        self.find_in("", css)
    }

    fn find_in(&self, scope: &str, css: &str) -> Result<Element<'_, 'd>, String> {
        let value = self.cmd(
            "POST",
            &format!("{scope}/element"),
            Some(json!({ "using": "css selector", "value": css })),
        )?;
        Ok(Element {
            session: self,
            id: element_id(&value)?,
        })
    }

    fn find_all(&self, css: &str) -> Result<Vec<Element<'_, 'd>>, String> {
        let value = self.cmd(
            "POST",
            "/elements",
            Some(json!({ "using": "css selector", "value": css })),
        )?;
        value
            .as_array()
            .ok_or("no element list")?
            .iter()
            .map(|v| {
                Ok(Element {
                    session: self,
                    id: element_id(v)?,
                })
            })
            .collect()
    }

    /// Polls until `css` matches, for pages reached by a click.
    fn wait_for(&self, css: &str) -> Result<Element<'_, 'd>, String> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            match self.find(css) {
                Ok(element) => return Ok(element),
                Err(e) if Instant::now() > deadline => return Err(e),
                Err(_) => std::thread::sleep(Duration::from_millis(100)),
            }
        }
    }

    /// Runs `script` in the page; a returned promise is awaited by the driver.
    fn execute(&self, script: &str) -> Result<Value, String> {
        self.cmd(
            "POST",
            "/execute/sync",
            Some(json!({ "script": script, "args": [] })),
        )
    }
}

fn element_id(value: &Value) -> Result<String, String> {
    value[ELEMENT_KEY]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| format!("not an element: {value}"))
}

struct Element<'s, 'd> {
    session: &'s Session<'d>,
    id: String,
}

impl Element<'_, '_> {
    fn path(&self, what: &str) -> String {
        format!("/element/{}{what}", self.id)
    }

    fn click(&self) -> Result<(), String> {
        self.session
            .cmd("POST", &self.path("/click"), Some(json!({})))
            .map(drop)
    }

    fn type_text(&self, text: &str) -> Result<(), String> {
        self.session
            .cmd("POST", &self.path("/value"), Some(json!({ "text": text })))
            .map(drop)
    }

    fn attribute(&self, name: &str) -> Result<String, String> {
        Ok(self
            .session
            .cmd("GET", &self.path(&format!("/attribute/{name}")), None)?
            .as_str()
            .unwrap_or("")
            .to_string())
    }

    fn text(&self) -> Result<String, String> {
        Ok(self
            .session
            .cmd("GET", &self.path("/text"), None)?
            .as_str()
            .unwrap_or("")
            .to_string())
    }

    fn find(&self, css: &str) -> Result<Element<'_, '_>, String> {
        self.session.find_in(&self.path(""), css)
    }
}

#[test]
fn dashboard_in_headless_chromium() {
    let Some((chromium, chromedriver)) = browser_or_skip() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let db = support::sample_store(dir.path());
    let mut add = support::nhi()
        .args(["user", "add", "admin", "--role", "admin", "--db"])
        .arg(&db)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    add.stdin
        .take()
        .unwrap()
        .write_all(format!("{PASSWORD}\n").as_bytes())
        .unwrap();
    assert!(add.wait().unwrap().success());
    let server = support::start(&db, &[]);
    let base = format!("http://{}", server.addr);

    let driver = Chromedriver::start(&chromedriver);
    let session = Session::new(&driver, &chromium, &dir.path().join("chromium-profile"));
    if let Err(e) = walk(&session, &base) {
        let url = session.url().unwrap_or_default();
        let source = session.source().unwrap_or_default();
        let main = source.find("<h1").map_or(&source[..], |at| &source[at..]);
        let shown: String = main.chars().take(3000).collect();
        panic!("browser walk failed at {url}: {e}\n--- page (start of <main>) ---\n{shown}");
    }
}

fn walk(browser: &Session, base: &str) -> Result<(), String> {
    // Unauthenticated, the dashboard answers with the login form.
    browser.goto(&format!("{base}/inventory"))?;
    browser.find("#password-login")?;

    // Log in with the local admin's password.
    browser.find("#username")?.type_text("admin")?;
    browser.find("#password")?.type_text(PASSWORD)?;
    browser
        .find("#password-login button[type=submit]")?
        .click()?;
    browser.wait_for("nav[aria-label=Main] a[aria-current=page]")?;
    let overview = browser.source()?;
    assert!(
        overview.contains("Overview") && !overview.contains("id=\"password-login\""),
        "not on the overview after login"
    );

    // The inventory lists the sample estate; search narrows it in SQL.
    browser.goto(&format!("{base}/inventory"))?;
    let all_rows = browser.find_all("#inventory-table tbody tr")?.len();
    assert!(
        all_rows >= 10,
        "{all_rows} inventory rows for the sample estate"
    );
    browser.goto(&format!("{base}/inventory?q=deploy"))?;
    let rows = browser.find_all("#inventory-table tbody tr")?;
    assert!(
        !rows.is_empty() && rows.len() < all_rows,
        "search kept {} of {all_rows} rows",
        rows.len()
    );
    // The identity page draws its graph: the identity and what hangs off it.
    rows[0].find("a")?.click()?;
    browser.wait_for("#identity-graph svg")?;
    let nodes = browser.find_all("#identity-graph svg g.node")?;
    assert!(nodes.len() >= 2, "{} graph nodes", nodes.len());
    assert!(browser.url()?.contains("/identities/"));

    // Suppress the first open finding through its form.
    browser.goto(&format!("{base}/findings?status=open"))?;
    let first = browser.find("li.finding")?;
    let finding_id = first.attribute("data-finding")?;
    assert!(!finding_id.is_empty());
    first.find("summary")?.click()?;
    first
        .find("input[name=reason]")?
        .type_text("accepted by the browser test")?;
    first.find("form.suppress button[type=submit]")?.click()?;
    let deadline = Instant::now() + Duration::from_secs(20);
    while !browser.url()?.contains("status=suppressed") {
        assert!(
            Instant::now() < deadline,
            "the suppression did not redirect"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let suppressed = browser.find(&format!("li.finding[data-finding=\"{finding_id}\"]"))?;
    assert!(suppressed.text()?.contains("suppressed"));
    browser.goto(&format!("{base}/findings?status=open"))?;
    assert!(
        !browser
            .source()?
            .contains(&format!("data-finding=\"{finding_id}\"")),
        "the suppressed finding is still listed as open"
    );

    // A forged POST from the page: the session cookie rides along, the CSRF token does not.
    let forged = browser.execute(
        "return fetch('/admin/tokens', {method: 'POST', credentials: 'same-origin', \
           headers: {'Content-Type': 'application/x-www-form-urlencoded'}, \
           body: 'name=forged&role=admin&ttl=1d'}).then(r => r.status);",
    )?;
    assert_eq!(forged, json!(403), "a POST without the CSRF token");
    // The same request from the real form (which carries the token) is accepted, so the
    // 403 above is the CSRF check and not a missing session.
    browser.goto(&format!("{base}/admin/tokens"))?;
    browser.find("#name")?.type_text("browser")?;
    browser
        .find("form[action='/admin/tokens'] button[type=submit]")?
        .click()?;
    let created = browser.wait_for("#new-token")?.text()?;
    assert!(
        created.starts_with("nhit_"),
        "the real token form made no token"
    );
    Ok(())
}
