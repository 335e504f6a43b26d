//! Arbitrary bytes through every platform-export parser, by content sniffing (as `nhi
//! scan` and `nhi import` route them) and, by a selector byte, forced through each
//! provider's parser even when its sniffer would say no: errors are fine, panics are not.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = nhi_ingest::ingest("fuzz.json", data);
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    // Forced through one parser: the byte after the selector picks the export kind
    // where a crate lets the caller choose it.
    let pick = rest.first().copied().unwrap_or(0) as usize;
    match selector % 6 {
        0 => {
            let kinds = nhi_aws::AwsExportKind::ALL;
            let _ = nhi_aws::parse(kinds[pick % kinds.len()], "fuzz", rest);
            let _ = nhi_aws::ingest("fuzz", rest);
        }
        1 => {
            let _ = nhi_gcp::ingest("fuzz", rest);
        }
        2 => {
            let kinds = nhi_azure::ExportKind::ALL;
            let _ = nhi_azure::ingest_as(kinds[pick % kinds.len()], "fuzz", rest);
        }
        3 => {
            let _ = nhi_k8s::ingest("fuzz", rest);
        }
        4 => {
            let _ = nhi_github::ingest("fuzz", rest);
        }
        _ => {
            let kinds = nhi_saas::ExportKind::ALL;
            let _ = nhi_saas::ingest_as(kinds[pick % kinds.len()], "fuzz", rest);
        }
    }
});
