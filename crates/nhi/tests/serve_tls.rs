//! `nhi serve --tls-cert --tls-key`: HTTPS through rustls with a certificate made for the
//! test (rcgen), spoken to by a rustls client that trusts only that certificate. Over
//! TLS the session cookie is Secure and responses carry HSTS; plain HTTP on the TLS port
//! gets no answer; a missing key file is a clear error naming the file.

mod support;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, ClientConnection, RootCertStore, StreamOwned};

/// Starts `nhi serve` over TLS and waits for its readiness over HTTPS.
fn start_tls(db: &Path, cert: &Path, key: &Path, client: &Arc<ClientConfig>) -> support::Server {
    let server = support::start_with(
        db,
        &[
            "--tls-cert".as_ref(),
            cert.as_os_str(),
            "--tls-key".as_ref(),
            key.as_os_str(),
        ],
    );
    let deadline = Instant::now() + Duration::from_secs(60);
    while https(client, server.addr, "GET", "/readyz", &[], "").0 != 200 {
        assert!(
            Instant::now() < deadline,
            "the TLS server never became ready"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    server
}

/// One HTTPS/1.1 exchange: (status, lower-cased headers, body). (0, …) when the
/// handshake or the exchange fails.
fn https(
    client: &Arc<ClientConfig>,
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, Vec<(String, String)>, String) {
    let Ok(tcp) = TcpStream::connect(addr) else {
        return (0, Vec::new(), String::new());
    };
    tcp.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let name = ServerName::try_from("127.0.0.1").unwrap();
    let connection = ClientConnection::new(Arc::clone(client), name).unwrap();
    let mut tls = StreamOwned::new(connection, tcp);
    if tls
        .write_all(support::request(addr, method, path, headers, body).as_bytes())
        .is_err()
    {
        return (0, Vec::new(), String::new());
    }
    let mut raw = Vec::new();
    // The server closes after `Connection: close`; a missing close_notify is not a
    // failure of the exchange, so keep what arrived.
    let _ = tls.read_to_end(&mut raw);
    support::parse_response(&raw)
}

fn header<'h>(headers: &'h [(String, String)], name: &str) -> Vec<&'h str> {
    headers
        .iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .collect()
}

#[test]
fn https_with_secure_cookies_and_hsts() {
    let dir = tempfile::tempdir().unwrap();
    let db = support::sample_store(dir.path());
    let viewer = support::token(&db, "viewer");

    let made = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()]).unwrap();
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert, made.cert.pem()).unwrap();
    std::fs::write(&key, made.signing_key.serialize_pem()).unwrap();
    let mut roots = RootCertStore::empty();
    roots
        .add(CertificateDer::from(made.cert.der().to_vec()))
        .unwrap();
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let client = Arc::new(
        ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth(),
    );

    let server = start_tls(&db, &cert, &key, &client);

    // The API over HTTPS, with HSTS on every answer.
    let bearer = format!("Bearer {viewer}");
    let (status, headers, body) = https(
        &client,
        server.addr,
        "GET",
        "/api/v1/identities?limit=5",
        &[("Authorization", &bearer)],
        "",
    );
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"items\""), "{body}");
    let hsts = header(&headers, "strict-transport-security");
    assert!(
        hsts.first().is_some_and(|v| v.contains("max-age=")),
        "{headers:?}"
    );

    // The login form's cookie and the session cookie are Secure over TLS.
    let (status, headers, form) = https(&client, server.addr, "GET", "/login", &[], "");
    assert_eq!(status, 200);
    let login_cookie = header(&headers, "set-cookie")
        .into_iter()
        .find(|c| c.starts_with("nhi_login_csrf="))
        .expect("a login CSRF cookie")
        .to_string();
    assert!(login_cookie.contains("; Secure"), "{login_cookie}");
    let csrf = login_cookie
        .trim_start_matches("nhi_login_csrf=")
        .split(';')
        .next()
        .unwrap()
        .to_string();
    assert!(form.contains(&csrf), "the form carries the same CSRF token");
    let (status, headers, _) = https(
        &client,
        server.addr,
        "POST",
        "/login",
        &[
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Cookie", &format!("nhi_login_csrf={csrf}")),
        ],
        &format!("_csrf={csrf}&token={viewer}"),
    );
    assert_eq!(status, 303, "{headers:?}");
    let session = header(&headers, "set-cookie")
        .into_iter()
        .find(|c| c.starts_with("nhi_session="))
        .expect("a session cookie")
        .to_string();
    for attribute in ["; Secure", "; HttpOnly", "; SameSite=Strict"] {
        assert!(
            session.contains(attribute),
            "{attribute} missing: {session}"
        );
    }

    // Plain HTTP on the TLS port gets no HTTP answer.
    let (status, _, _) = support::http(&server, "GET", "/healthz", &[], "");
    assert_ne!(status, 200, "plain HTTP answered on the TLS port");

    // A client that does not trust the certificate fails the handshake.
    let stranger = Arc::new(
        ClientConfig::builder_with_provider(
            Arc::new(rustls::crypto::aws_lc_rs::default_provider()),
        )
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(RootCertStore::empty())
        .with_no_client_auth(),
    );
    assert_eq!(
        https(&stranger, server.addr, "GET", "/healthz", &[], "").0,
        0,
        "an untrusted certificate was accepted"
    );
}

#[test]
fn a_missing_key_file_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let db = support::sample_store(dir.path());
    let made = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()]).unwrap();
    let cert = dir.path().join("cert.pem");
    std::fs::write(&cert, made.cert.pem()).unwrap();
    let missing = dir.path().join("no-such-key.pem");
    let out = support::nhi()
        .args(["serve", "--listen", "127.0.0.1:0", "--db"])
        .arg(&db)
        .arg("--tls-cert")
        .arg(&cert)
        .arg("--tls-key")
        .arg(&missing)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no-such-key.pem"), "{stderr}");
}
