//! The throughput floor for `benches/monitor-throughput.sh`: parse every line of a
//! CloudTrail NDJSON file with serde_json into a minimal borrowed struct (the fields a
//! detector needs, nothing else), on one thread, and print events per second.
//! Anything `nhi monitor` does beyond this is the price of normalising, detecting and
//! keeping state.

use std::io::BufRead;
use std::time::Instant;

use serde::Deserialize;

#[derive(Deserialize)]
#[allow(dead_code)] // read to make serde do the work, not used
struct Identity<'a> {
    #[serde(borrow, default)]
    arn: Option<&'a str>,
    #[serde(borrow, default, rename = "accessKeyId")]
    access_key_id: Option<&'a str>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct Minimal<'a> {
    #[serde(borrow, rename = "eventTime")]
    event_time: Option<&'a str>,
    #[serde(borrow, rename = "eventSource")]
    event_source: Option<&'a str>,
    #[serde(borrow, rename = "eventName")]
    event_name: Option<&'a str>,
    #[serde(borrow, rename = "eventID")]
    event_id: Option<&'a str>,
    #[serde(borrow, rename = "awsRegion")]
    aws_region: Option<&'a str>,
    #[serde(borrow, rename = "sourceIPAddress")]
    source_ip: Option<&'a str>,
    #[serde(borrow, rename = "userAgent")]
    user_agent: Option<&'a str>,
    #[serde(borrow, rename = "errorCode")]
    error_code: Option<&'a str>,
    #[serde(borrow, rename = "userIdentity")]
    user_identity: Option<Identity<'a>>,
}

fn main() {
    let path = std::env::args().nth(1).expect("usage: floor FILE.ndjson");
    let file = std::fs::File::open(&path).expect("readable file");
    let mut reader = std::io::BufReader::with_capacity(1 << 20, file);
    let started = Instant::now();
    let (mut events, mut bytes, mut line) = (0u64, 0u64, String::new());
    loop {
        line.clear();
        let n = reader.read_line(&mut line).expect("readable file");
        if n == 0 {
            break;
        }
        bytes += n as u64;
        if let Ok(record) = serde_json::from_str::<Minimal>(&line) {
            std::hint::black_box(&record);
            events += 1;
        }
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{{\"events\": {events}, \"bytes\": {bytes}, \"seconds\": {secs:.3}, \"events_per_second\": {:.0}}}",
        events as f64 / secs
    );
}
