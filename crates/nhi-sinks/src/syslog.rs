//! RFC 5424 syslog over UDP (RFC 5426) or TCP with octet-counting framing
//! (RFC 6587 §3.4.1).

use std::io::Write;
use std::net::{SocketAddr, TcpStream, ToSocketAddrs, UdpSocket};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::{AlertRecord, AlertSeverity, Sink, SinkError};

/// RFC 5424 NILVALUE.
const NIL: &str = "-";
/// RFC 5424 header field limits, in PRINTUSASCII characters.
const HOSTNAME_MAX: usize = 255;
const APP_NAME_MAX: usize = 48;
const PROCID_MAX: usize = 128;
const MSGID_MAX: usize = 32;
const SD_NAME_MAX: usize = 32;
/// RFC 5424 §6.4: a UTF-8 MSG should start with a byte order mark so that
/// receivers can tell it from legacy encodings.
const UTF8_BOM: &str = "\u{feff}";
/// RFC 5426 §3.2: IPv4 receivers SHOULD accept 2048-octet datagrams; larger
/// ones may be dropped silently, so UDP messages are cut to fit.
const UDP_DEFAULT_MAX_OCTETS: usize = 2048;

/// Syslog facility (RFC 5424 §6.2.1 table 1), the `facility * 8` part of PRI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Facility(u8);

impl Facility {
    pub const AUTH: Facility = Facility(4);
    pub const AUTHPRIV: Facility = Facility(10);
    pub const LOG_AUDIT: Facility = Facility(13);
    pub const LOG_ALERT: Facility = Facility(14);
    /// The default: local0 is free for site use, so nhi alerts do not mix
    /// with the host's own sshd/sudo lines under auth/authpriv and can be
    /// routed to a SIEM by a single facility rule.
    pub const LOCAL0: Facility = Facility(16);

    /// Facilities are codes 0 to 23.
    pub fn new(code: u8) -> Option<Facility> {
        (code <= 23).then_some(Facility(code))
    }

    /// Names as in syslog.conf: `kern`, `user`, … `auth`, `authpriv`,
    /// `audit`, `alert`, `local0` … `local7`.
    pub fn from_name(name: &str) -> Option<Facility> {
        const NAMES: [&str; 24] = [
            "kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron",
            "authpriv", "ftp", "ntp", "audit", "alert", "clock", "local0", "local1", "local2",
            "local3", "local4", "local5", "local6", "local7",
        ];
        NAMES
            .iter()
            .position(|known| known.eq_ignore_ascii_case(name))
            .map(|code| Facility(code as u8))
    }

    pub fn code(self) -> u8 {
        self.0
    }
}

impl Default for Facility {
    fn default() -> Self {
        Facility::LOCAL0
    }
}

/// Alert severity as RFC 5424 severity: critical → 2 (Critical),
/// high → 3 (Error), medium → 4 (Warning), low → 5 (Notice),
/// info → 6 (Informational). 0 and 1 (Emergency, Alert) are left to
/// conditions that make the system unusable, which no nhi alert is.
pub fn syslog_severity(severity: AlertSeverity) -> u8 {
    match severity {
        AlertSeverity::Critical => 2,
        AlertSeverity::High => 3,
        AlertSeverity::Medium => 4,
        AlertSeverity::Low => 5,
        AlertSeverity::Info => 6,
    }
}

/// The fixed parts of every message this process sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyslogFormatter {
    pub facility: Facility,
    pub hostname: String,
    pub app_name: String,
    pub proc_id: String,
    /// The SD-ID of the element carrying the alert fields. RFC 5424 §7.2.2
    /// wants `name@<private enterprise number>` for non-IANA IDs; nhi has no
    /// enterprise number, so the default uses 32473, the number RFC 5612
    /// reserves for documentation. Sites with their own number should set it.
    pub sd_id: String,
}

impl Default for SyslogFormatter {
    fn default() -> Self {
        SyslogFormatter {
            facility: Facility::default(),
            hostname: local_hostname().unwrap_or_else(|| NIL.to_string()),
            app_name: "nhi".into(),
            proc_id: std::process::id().to_string(),
            sd_id: "nhi@32473".into(),
        }
    }
}

fn local_hostname() -> Option<String> {
    ["/proc/sys/kernel/hostname", "/etc/hostname"]
        .iter()
        .find_map(|path| std::fs::read_to_string(path).ok())
        .map(|name| name.trim().to_string())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .filter(|name| !name.is_empty())
}

/// A header field: PRINTUSASCII (33–126) only, at most `max` characters,
/// NILVALUE when empty. Other characters become `_` rather than being
/// dropped, so that distinct values stay distinguishable.
fn header_field(value: &str, max: usize) -> String {
    let cleaned: String = value
        .chars()
        .map(|c| if ('!'..='~').contains(&c) { c } else { '_' })
        .take(max)
        .collect();
    if cleaned.is_empty() {
        NIL.to_string()
    } else {
        cleaned
    }
}

/// SD-NAME: as a header field, minus `=`, space, `]` and `"`.
fn sd_name(value: &str) -> String {
    let cleaned: String = value
        .chars()
        .map(|c| match c {
            '=' | ']' | '"' => '_',
            c if ('!'..='~').contains(&c) => c,
            _ => '_',
        })
        .take(SD_NAME_MAX)
        .collect();
    if cleaned.is_empty() {
        "nhi".to_string()
    } else {
        cleaned
    }
}

/// PARAM-VALUE escaping (RFC 5424 §6.3.3): `"`, `\` and `]` get a backslash.
fn escape_param_value(value: &str) -> String {
    let mut escaped = String::with_capacity(value.len());
    for c in value.chars() {
        if matches!(c, '"' | '\\' | ']') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

/// RFC 5424 TIMESTAMP: RFC 3339 in UTC with at most six fraction digits.
/// Years outside 0000–9999 cannot be written in four digits, so they become
/// NILVALUE.
fn syslog_timestamp(at: jiff::Timestamp) -> String {
    let utc = at.to_zoned(jiff::tz::TimeZone::UTC).datetime();
    if !(0..=9999).contains(&utc.year()) {
        return NIL.to_string();
    }
    let micros = utc.subsec_nanosecond() / 1_000;
    let mut stamp = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        utc.year(),
        utc.month(),
        utc.day(),
        utc.hour(),
        utc.minute(),
        utc.second()
    );
    if micros != 0 {
        stamp.push_str(&format!(".{micros:06}"));
    }
    stamp.push('Z');
    stamp
}

impl SyslogFormatter {
    fn structured_data(&self, alert: &AlertRecord) -> String {
        let mut params: Vec<(&str, String)> = vec![
            ("alert_id", alert.id.clone()),
            ("detection", alert.detection.clone()),
            ("severity", alert.severity.as_str().to_string()),
            ("identity", alert.identity.clone()),
        ];
        if let Some(name) = &alert.identity_name {
            params.push(("identity_name", name.clone()));
        }
        if let Some(owner) = &alert.owner {
            params.push(("owner", owner.clone()));
        }
        if !alert.mitre.is_empty() {
            params.push(("mitre", alert.mitre.join(",")));
        }
        params.push(("first_seen", alert.first_seen.to_string()));
        params.push(("last_seen", alert.last_seen.to_string()));
        params.push(("event_count", alert.event_count.to_string()));
        if let Some(ip) = &alert.source_ip {
            params.push(("source_ip", ip.clone()));
        }
        if let Some(region) = &alert.region {
            params.push(("region", region.clone()));
        }
        let mut element = format!("[{}", sd_name(&self.sd_id));
        for (name, value) in params {
            element.push_str(&format!(" {name}=\"{}\"", escape_param_value(&value)));
        }
        element.push(']');
        element
    }

    /// Header and structured data, up to but excluding the space before MSG.
    fn head(&self, alert: &AlertRecord, at: jiff::Timestamp) -> String {
        let prival =
            u16::from(self.facility.code()) * 8 + u16::from(syslog_severity(alert.severity));
        format!(
            "<{prival}>1 {} {} {} {} {} {}",
            syslog_timestamp(at),
            header_field(&self.hostname, HOSTNAME_MAX),
            header_field(&self.app_name, APP_NAME_MAX),
            header_field(&self.proc_id, PROCID_MAX),
            header_field(&alert.detection, MSGID_MAX),
            self.structured_data(alert),
        )
    }

    fn message_text(alert: &AlertRecord) -> String {
        format!("{}: {}", alert.name, alert.explanation)
    }

    /// The complete SYSLOG-MSG.
    pub fn format(&self, alert: &AlertRecord, at: jiff::Timestamp) -> String {
        format!(
            "{} {UTF8_BOM}{}",
            self.head(alert, at),
            Self::message_text(alert)
        )
    }

    /// Like [`format`](Self::format) but at most `max_octets` long when the
    /// header and structured data allow it: only MSG is shortened, at a
    /// character boundary, so the structured part always stays parseable.
    pub fn format_within(
        &self,
        alert: &AlertRecord,
        at: jiff::Timestamp,
        max_octets: usize,
    ) -> String {
        let head = self.head(alert, at);
        let mut text = Self::message_text(alert);
        let budget = max_octets.saturating_sub(head.len() + 1 + UTF8_BOM.len());
        if text.len() > budget {
            let mut cut = budget;
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            text.truncate(cut);
        }
        format!("{head} {UTF8_BOM}{text}")
    }
}

/// Formats one alert with default header values except `facility`.
pub fn format_rfc5424(alert: &AlertRecord, facility: Facility, at: jiff::Timestamp) -> String {
    SyslogFormatter {
        facility,
        ..SyslogFormatter::default()
    }
    .format(alert, at)
}

/// RFC 6587 octet-counting: `MSG-LEN SP SYSLOG-MSG`, MSG-LEN in octets.
pub fn frame_octet_counted(message: &str) -> Vec<u8> {
    let mut frame = format!("{} ", message.len()).into_bytes();
    frame.extend_from_slice(message.as_bytes());
    frame
}

/// Where and how to send.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SyslogTransport {
    #[default]
    Udp,
    Tcp,
}

enum Connection {
    /// Unconnected on purpose: a connected UDP socket reports an earlier
    /// datagram's ICMP "port unreachable" on a later send and drops that
    /// later alert, while plain `send_to` stays fire-and-forget as RFC 5426
    /// expects.
    Udp(UdpSocket, SocketAddr),
    Tcp(Option<TcpStream>),
}

/// Sends alerts to a syslog collector.
pub struct SyslogSink {
    address: String,
    formatter: SyslogFormatter,
    connection: Connection,
    udp_max_octets: usize,
}

impl std::fmt::Debug for SyslogSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let transport = match self.connection {
            Connection::Udp(..) => SyslogTransport::Udp,
            Connection::Tcp(_) => SyslogTransport::Tcp,
        };
        f.debug_struct("SyslogSink")
            .field("address", &self.address)
            .field("transport", &transport)
            .field("formatter", &self.formatter)
            .finish()
    }
}

const TCP_TIMEOUT: Duration = Duration::from_secs(10);

impl SyslogSink {
    /// `address` is `host:port`. UDP binds a local socket now; TCP connects
    /// on first send and reconnects after a failure, so a collector restart
    /// costs at most one retry rather than the sink.
    pub fn new(
        address: impl Into<String>,
        transport: SyslogTransport,
        formatter: SyslogFormatter,
    ) -> Result<Self, SinkError> {
        let address = address.into();
        let connection = match transport {
            SyslogTransport::Udp => {
                let target = address
                    .to_socket_addrs()
                    .map_err(|error| {
                        SinkError::io(format!("resolving syslog address {address}"), error)
                    })?
                    .next()
                    .ok_or_else(|| {
                        SinkError::Config(format!("syslog address {address} resolves to nothing"))
                    })?;
                let local = if target.is_ipv4() {
                    "0.0.0.0:0"
                } else {
                    "[::]:0"
                };
                let socket = UdpSocket::bind(local)
                    .map_err(|error| SinkError::io("binding UDP socket for syslog", error))?;
                Connection::Udp(socket, target)
            }
            SyslogTransport::Tcp => Connection::Tcp(None),
        };
        Ok(SyslogSink {
            address,
            formatter,
            connection,
            udp_max_octets: UDP_DEFAULT_MAX_OCTETS,
        })
    }

    /// Raises or lowers the UDP size cap (default 2048 octets).
    pub fn with_udp_max_octets(mut self, max_octets: usize) -> Self {
        self.udp_max_octets = max_octets;
        self
    }

    fn connect_tcp(address: &str) -> Result<TcpStream, SinkError> {
        // connect_timeout per resolved address: plain `connect` to a
        // blackholed collector would block the alert loop for minutes.
        let candidates = address
            .to_socket_addrs()
            .map_err(|error| SinkError::io(format!("resolving syslog address {address}"), error))?;
        let mut last_error =
            std::io::Error::new(std::io::ErrorKind::NotFound, "address resolved to nothing");
        let mut connected = None;
        for candidate in candidates {
            match TcpStream::connect_timeout(&candidate, TCP_TIMEOUT) {
                Ok(stream) => {
                    connected = Some(stream);
                    break;
                }
                Err(error) => last_error = error,
            }
        }
        let stream = connected
            .ok_or_else(|| SinkError::io(format!("connecting to syslog {address}"), last_error))?;
        stream
            .set_write_timeout(Some(TCP_TIMEOUT))
            .map_err(|error| SinkError::io("setting syslog write timeout", error))?;
        Ok(stream)
    }
}

/// Writes one frame, connecting first if needed; forgets the connection on
/// failure so that the next call starts a new one.
fn write_frame(
    stream: &mut Option<TcpStream>,
    address: &str,
    frame: &[u8],
) -> Result<(), SinkError> {
    let open = match stream {
        Some(open) => open,
        None => stream.insert(SyslogSink::connect_tcp(address)?),
    };
    open.write_all(frame).map_err(|error| {
        *stream = None;
        SinkError::io(format!("writing to syslog {address}"), error)
    })
}

impl Sink for SyslogSink {
    fn send(&mut self, alert: &AlertRecord) -> Result<(), SinkError> {
        let now = jiff::Timestamp::now();
        match &mut self.connection {
            Connection::Udp(socket, target) => {
                let message = self
                    .formatter
                    .format_within(alert, now, self.udp_max_octets);
                socket
                    .send_to(message.as_bytes(), *target)
                    .map(|_| ())
                    .map_err(|error| {
                        SinkError::io(
                            format!("sending syslog datagram to {}", self.address),
                            error,
                        )
                    })
            }
            Connection::Tcp(stream) => {
                let frame = frame_octet_counted(&self.formatter.format(alert, now));
                // One retry on a fresh connection: the kept-alive one may have
                // been closed by the collector since the previous alert.
                write_frame(stream, &self.address, &frame)
                    .or_else(|_| write_frame(stream, &self.address, &frame))
            }
        }
    }

    fn flush(&mut self) {
        if let Connection::Tcp(Some(stream)) = &mut self.connection {
            let _ = stream.flush();
        }
    }
}
