//! What the server tests share: the real `nhi serve` on a free port, a minimal HTTP/1.1
//! client (no client library needed for loopback), and a store holding the sample estate.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn nhi() -> Command {
    Command::new(assert_cmd::cargo::cargo_bin("nhi"))
}

pub struct Server {
    child: Child,
    pub addr: SocketAddr,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `nhi serve` on a free port and waits until it is ready.
pub fn start(db: &Path, extra: &[&str]) -> Server {
    let extra: Vec<&std::ffi::OsStr> = extra.iter().map(|a| a.as_ref()).collect();
    let server = start_with(db, &extra);
    let deadline = Instant::now() + Duration::from_secs(60);
    while get(&server, "/readyz", None).0 != 200 {
        assert!(Instant::now() < deadline, "the server never became ready");
        std::thread::sleep(Duration::from_millis(100));
    }
    server
}

/// Starts `nhi serve` on a free port and returns once it listens (not yet ready; for
/// HTTPS the caller checks readiness over TLS).
pub fn start_with(db: &Path, extra: &[&std::ffi::OsStr]) -> Server {
    let mut child = nhi()
        .args(["serve", "--listen", "127.0.0.1:0", "--db"])
        .arg(db)
        .args(extra)
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    let addr = loop {
        let line = lines
            .next()
            .expect("nhi serve exited before it listened")
            .unwrap();
        if let Some(rest) = line.split("://").nth(1) {
            break rest.split_whitespace().next().unwrap().parse().unwrap();
        }
    };
    // Keep draining stderr so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Server { child, addr }
}

/// One HTTP/1.1 exchange: (status, headers, body).
pub fn http(
    server: &Server,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, Vec<(String, String)>, String) {
    http_to(server.addr, method, path, headers, body)
}

/// An HTTP/1.1 request that asks the server to close after answering.
pub fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> String {
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    request
}

/// (status, lower-cased headers, body) of a whole response; 0 when it has no status line.
pub fn parse_response(raw: &[u8]) -> (u16, Vec<(String, String)>, String) {
    let text = String::from_utf8_lossy(raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut head_lines = head.lines();
    let status = head_lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let headers: Vec<(String, String)> = head_lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let chunked = headers
        .iter()
        .any(|(k, v)| k == "transfer-encoding" && v.contains("chunked"));
    let body = if chunked {
        dechunk(body)
    } else {
        body.to_string()
    };
    (status, headers, body)
}

/// One HTTP/1.1 exchange with any loopback address (the server, or chromedriver).
pub fn http_to(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, Vec<(String, String)>, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    stream
        .write_all(request(addr, method, path, headers, body).as_bytes())
        .unwrap();
    parse_response(&read_response(&mut stream))
}

/// Reads one response: to Content-Length when the peer sends one (chromedriver keeps
/// the connection open whatever the request asks), otherwise to the end of the stream.
fn read_response(stream: &mut TcpStream) -> Vec<u8> {
    let mut raw = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    loop {
        if let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&raw[..end]).to_ascii_lowercase();
            let length = head
                .lines()
                .filter_map(|l| l.split_once(':'))
                .find(|(k, _)| k.trim() == "content-length")
                .and_then(|(_, v)| v.trim().parse::<usize>().ok());
            if let Some(length) = length {
                while raw.len() < end + 4 + length {
                    let n = stream.read(&mut buf).unwrap();
                    if n == 0 {
                        break;
                    }
                    raw.extend_from_slice(&buf[..n]);
                }
                return raw;
            }
            stream.read_to_end(&mut raw).unwrap();
            return raw;
        }
        let n = stream.read(&mut buf).unwrap();
        if n == 0 {
            return raw;
        }
        raw.extend_from_slice(&buf[..n]);
    }
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let Ok(size) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if size == 0 || rest.len() < size {
            break;
        }
        out.push_str(&rest[..size]);
        body = rest[size..].trim_start_matches("\r\n");
    }
    out
}

pub fn get(server: &Server, path: &str, token: Option<&str>) -> (u16, String) {
    let auth = token.map(|t| format!("Bearer {t}"));
    let headers: Vec<(&str, &str)> = auth
        .as_deref()
        .map(|a| vec![("Authorization", a)])
        .unwrap_or_default();
    let (status, _, body) = http(server, "GET", path, &headers, "");
    (status, body)
}

/// A store holding the scanned sample estate (code, configs and platform exports).
pub fn sample_store(dir: &Path) -> PathBuf {
    let db = dir.join("nhi.db");
    let out = nhi()
        .current_dir(dir)
        .env("NHI_KEY_FILE", dir.join("key"))
        .args(["scan"])
        .arg(repo().join("examples/acme"))
        .args(["--db"])
        .arg(&db)
        .args(["--format", "json", "--output"])
        .arg(dir.join("scan.json"))
        .output()
        .unwrap();
    assert!(
        out.status.code().is_some_and(|c| c <= 1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    db
}

pub fn token(db: &Path, role: &str) -> String {
    let out = nhi()
        .args([
            "token", "create", "--name", "test", "--role", role, "--ttl", "1h", "--db",
        ])
        .arg(db)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// A database of its own on the PostgreSQL server `NHI_TEST_PG_URL` names (see
/// scripts/pg.sh), dropped again with the value. `None`, after saying why, when there is
/// no server, unless `NHI_REQUIRE_PG=1` makes that a failure.
pub struct PgDb {
    admin: String,
    name: String,
    /// The store URL for `--db`.
    pub url: String,
}

impl PgDb {
    pub fn create() -> Option<PgDb> {
        let admin = match std::env::var("NHI_TEST_PG_URL") {
            Ok(url) if !url.is_empty() => url,
            _ => {
                assert!(
                    std::env::var("NHI_REQUIRE_PG").as_deref() != Ok("1"),
                    "NHI_REQUIRE_PG=1 but NHI_TEST_PG_URL is not set"
                );
                eprintln!("skipping: NHI_TEST_PG_URL is not set (scripts/pg.sh start)");
                return None;
            }
        };
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let name = format!(
            "nhi_cli_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        );
        let mut client = postgres::Client::connect(&admin, postgres::NoTls).unwrap();
        client
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap();
        // The admin URL with this database in place of its own.
        let base = admin.split(['?', '#']).next().unwrap();
        let server = base.rsplit_once('/').map_or(base, |(server, _)| server);
        let url = format!("{server}/{name}");
        Some(PgDb { admin, name, url })
    }
}

impl Drop for PgDb {
    fn drop(&mut self) {
        if let Ok(mut client) = postgres::Client::connect(&self.admin, postgres::NoTls) {
            let _ = client.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}

/// `nhi migrate-store --from FROM --to TO`, which must succeed.
pub fn migrate(from: &Path, to: &Path) -> String {
    let out = nhi()
        .args(["migrate-store", "--from"])
        .arg(from)
        .arg("--to")
        .arg(to)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{stderr}");
    stderr
}
