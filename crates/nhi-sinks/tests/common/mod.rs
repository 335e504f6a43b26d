//! Helpers shared by the integration tests: a sample alert, an independent
//! RFC 5424 parser and a scripted HTTP server.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use nhi_sinks::{AlertRecord, AlertSeverity};

pub fn alert() -> AlertRecord {
    AlertRecord {
        id: "alert-7f3a".into(),
        detection: "NHI-MON-005".into(),
        name: "Defence evasion: CloudTrail logging stopped".into(),
        severity: AlertSeverity::Critical,
        mitre: vec!["T1562.008".into(), "T1078.004".into()],
        identity: "arn:aws:iam::123456789012:role/ci-deployer".into(),
        identity_name: Some("ci-deployer".into()),
        owner: Some("platform@example.com".into()),
        first_seen: "2026-12-01T08:00:00Z".parse().unwrap(),
        last_seen: "2026-12-01T08:03:12.250Z".parse().unwrap(),
        event_ids: vec!["3f1e-01".into(), "3f1e-02".into(), "3f1e-03".into()],
        event_count: 3,
        explanation: "ci-deployer called cloudtrail:StopLogging from a new IP; baseline: never."
            .into(),
        evidence: vec!["trail.json:12".into()],
        observed: BTreeMap::from([("ip".into(), "198.51.100.9".into())]),
        baseline: BTreeMap::from([("ips".into(), "10.0.0.0/8".into())]),
        source_ip: Some("198.51.100.9".into()),
        region: Some("us-east-1".into()),
    }
}

/// One parsed RFC 5424 message.
#[derive(Debug, Clone, PartialEq)]
pub struct Syslog {
    pub prival: u16,
    pub timestamp: String,
    pub hostname: String,
    pub app_name: String,
    pub proc_id: String,
    pub msg_id: String,
    pub structured_data: Vec<(String, Vec<(String, String)>)>,
    pub msg: Option<String>,
}

impl Syslog {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.structured_data
            .iter()
            .flat_map(|(_, params)| params)
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

fn header_token<'a>(rest: &mut &'a str, max: usize, what: &str) -> Result<&'a str, String> {
    let (token, tail) = rest
        .split_once(' ')
        .ok_or_else(|| format!("{what}: no space after it"))?;
    if token.is_empty() || token.len() > max {
        return Err(format!("{what}: length {} outside 1..={max}", token.len()));
    }
    if !token.bytes().all(|b| (33..=126).contains(&b)) {
        return Err(format!("{what}: not PRINTUSASCII: {token:?}"));
    }
    *rest = tail;
    Ok(token)
}

/// Parses a SYSLOG-MSG following the ABNF of RFC 5424 §6, strictly enough
/// to catch anything a formatter could get wrong.
pub fn parse_rfc5424(input: &str) -> Result<Syslog, String> {
    let rest = input.strip_prefix('<').ok_or("no PRI")?;
    let (pri, rest) = rest.split_once('>').ok_or("PRI not closed")?;
    if pri.is_empty() || pri.len() > 3 || !pri.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("bad PRIVAL {pri:?}"));
    }
    let prival: u16 = pri.parse().map_err(|_| "PRIVAL")?;
    if prival > 191 {
        return Err(format!("PRIVAL {prival} above 191"));
    }
    let mut rest = rest.strip_prefix("1 ").ok_or("VERSION is not 1")?;
    let timestamp = header_token(&mut rest, 32, "TIMESTAMP")?.to_string();
    let hostname = header_token(&mut rest, 255, "HOSTNAME")?.to_string();
    let app_name = header_token(&mut rest, 48, "APP-NAME")?.to_string();
    let proc_id = header_token(&mut rest, 128, "PROCID")?.to_string();
    let msg_id = header_token(&mut rest, 32, "MSGID")?.to_string();

    let mut structured_data = Vec::new();
    let mut chars = rest.char_indices().peekable();
    if rest.starts_with('-') {
        chars.next();
    } else {
        while let Some((_, '[')) = chars.peek().copied() {
            chars.next();
            let mut id = String::new();
            while let Some(&(_, c)) = chars.peek() {
                if c == ' ' || c == ']' {
                    break;
                }
                if c == '=' || c == '"' || !(('!'..='~').contains(&c)) {
                    return Err(format!("bad SD-ID character {c:?}"));
                }
                id.push(c);
                chars.next();
            }
            if id.is_empty() || id.len() > 32 {
                return Err(format!("SD-ID length {}", id.len()));
            }
            let mut params = Vec::new();
            loop {
                match chars.next() {
                    Some((_, ']')) => break,
                    Some((_, ' ')) => {}
                    other => {
                        return Err(format!("expected ' ' or ']' in SD element, got {other:?}"));
                    }
                }
                let mut name = String::new();
                loop {
                    match chars.next() {
                        Some((_, '=')) => break,
                        Some((_, c)) if ('!'..='~').contains(&c) && c != ']' && c != '"' => {
                            name.push(c)
                        }
                        other => return Err(format!("bad PARAM-NAME character {other:?}")),
                    }
                }
                if name.is_empty() || name.len() > 32 {
                    return Err(format!("PARAM-NAME length {}", name.len()));
                }
                if chars.next().map(|(_, c)| c) != Some('"') {
                    return Err("PARAM-VALUE not quoted".into());
                }
                let mut value = String::new();
                loop {
                    match chars.next() {
                        None => return Err("PARAM-VALUE not closed".into()),
                        Some((_, '"')) => break,
                        Some((_, ']')) => return Err("unescaped ] in PARAM-VALUE".into()),
                        Some((_, '\\')) => match chars.peek().map(|&(_, c)| c) {
                            Some(c @ ('"' | '\\' | ']')) => {
                                value.push(c);
                                chars.next();
                            }
                            _ => value.push('\\'),
                        },
                        Some((_, c)) => value.push(c),
                    }
                }
                params.push((name, value));
            }
            structured_data.push((id, params));
        }
        if structured_data.is_empty() {
            return Err("STRUCTURED-DATA neither '-' nor an element".into());
        }
    }
    let msg = match chars.next() {
        None => None,
        Some((index, ' ')) => {
            let text = &rest[index + 1..];
            Some(text.strip_prefix('\u{feff}').unwrap_or(text).to_string())
        }
        Some(other) => return Err(format!("junk after STRUCTURED-DATA: {other:?}")),
    };
    Ok(Syslog {
        prival,
        timestamp,
        hostname,
        app_name,
        proc_id,
        msg_id,
        structured_data,
        msg,
    })
}

/// Splits one RFC 6587 octet-counted frame off the front of `bytes`.
pub fn split_octet_counted(bytes: &[u8]) -> Result<(&[u8], &[u8]), String> {
    let space = bytes.iter().position(|&b| b == b' ').ok_or("no MSG-LEN")?;
    let digits = std::str::from_utf8(&bytes[..space]).map_err(|e| e.to_string())?;
    if digits.is_empty() || digits.starts_with('0') || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("bad MSG-LEN {digits:?}"));
    }
    let length: usize = digits.parse().map_err(|_| "MSG-LEN")?;
    let body = &bytes[space + 1..];
    if body.len() < length {
        return Err(format!(
            "frame says {length} octets, {} present",
            body.len()
        ));
    }
    Ok(body.split_at(length))
}

/// A request as the scripted server saw it.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    pub path: String,
    pub headers: BTreeMap<String, String>,
    pub body: Vec<u8>,
}

/// Answers successive connections with the scripted responses (status and
/// extra header lines), one request per connection, then stops. It also
/// stops by itself after `deadline`, so a test that expects fewer requests
/// never leaves it running long.
pub fn scripted_server(
    responses: Vec<(u16, Vec<(&'static str, String)>)>,
    deadline: Duration,
) -> (String, Arc<Mutex<Vec<Received>>>, JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let url = format!(
        "http://{}/hooks/T0K3N-in-path",
        listener.local_addr().unwrap()
    );
    let received = Arc::new(Mutex::new(Vec::new()));
    let log = received.clone();
    let handle = std::thread::spawn(move || {
        let started = Instant::now();
        let mut script = responses.into_iter();
        let Some(mut next) = script.next() else {
            return;
        };
        while started.elapsed() < deadline {
            let stream = match listener.accept() {
                Ok((stream, _)) => stream,
                Err(error) if error.kind() == std::io::ErrorKind::WouldBlock => {
                    std::thread::sleep(Duration::from_millis(5));
                    continue;
                }
                Err(error) => panic!("accept failed: {error}"),
            };
            stream.set_nonblocking(false).unwrap();
            stream
                .set_read_timeout(Some(Duration::from_secs(5)))
                .unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request_line = String::new();
            reader.read_line(&mut request_line).unwrap();
            let mut parts = request_line.split_whitespace();
            let method = parts.next().unwrap_or_default().to_string();
            let path = parts.next().unwrap_or_default().to_string();
            let mut headers = BTreeMap::new();
            loop {
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                let line = line.trim_end();
                if line.is_empty() {
                    break;
                }
                let (name, value) = line.split_once(':').unwrap();
                headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_string());
            }
            let length: usize = headers
                .get("content-length")
                .map_or(0, |value| value.parse().unwrap());
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            log.lock().unwrap().push(Received {
                method,
                path,
                headers,
                body,
            });
            let (status, extra) = next;
            let mut response =
                format!("HTTP/1.1 {status} Scripted\r\nContent-Length: 0\r\nConnection: close\r\n");
            for (name, value) in extra {
                response.push_str(&format!("{name}: {value}\r\n"));
            }
            response.push_str("\r\n");
            let mut stream = stream;
            let _ = stream.write_all(response.as_bytes());
            match script.next() {
                Some(following) => next = following,
                None => return,
            }
        }
    });
    (url, received, handle)
}
