//! Every provider crate's well-formed fixtures are claimed by exactly that provider's
//! parser, so the sniffers do not steal each other's files; unknown files name the
//! formats they could have been.

use std::path::{Path, PathBuf};

fn fixtures(krate: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(krate)
        .join("tests/fixtures");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
}

/// Fixtures that are broken on purpose: sniffing may or may not claim them.
fn deliberately_broken(path: &Path) -> bool {
    let name = path.file_name().unwrap().to_string_lossy();
    ["truncated", "malformed", "degraded"]
        .iter()
        .any(|w| name.contains(w))
}

/// SCPs and resource policies add no entities: they shape the evaluation of a GAAD.
fn shapes_evaluation_only(path: &Path) -> bool {
    let name = path.file_name().unwrap().to_string_lossy();
    name.starts_with("scp_") || name.starts_with("resource_policy_")
}

#[test]
fn each_fixture_is_claimed_by_its_own_provider_only() {
    let families = [
        ("nhi-aws", "aws"),
        ("nhi-gcp", "gcp"),
        ("nhi-azure", "azure"),
        ("nhi-k8s", "kubernetes"),
        ("nhi-github", "github"),
        ("nhi-saas", "saas"),
    ];
    let mut checked = 0;
    for (krate, family) in families {
        for path in fixtures(krate) {
            if deliberately_broken(&path) {
                continue;
            }
            let bytes = std::fs::read(&path).unwrap();
            let label = path.display().to_string();
            if shapes_evaluation_only(&path) {
                let (format, _) = nhi_ingest::ingest(&label, &bytes).unwrap();
                assert_eq!(format.family, family, "{label} was claimed by {format:?}");
                checked += 1;
                continue;
            }
            let (format, batch) =
                nhi_ingest::ingest(&label, &bytes).unwrap_or_else(|e| panic!("{label}: {e}"));
            assert_eq!(format.family, family, "{label} was claimed by {format:?}");
            assert!(
                !batch.is_empty(),
                "{label} read as {} but gave nothing",
                format.command
            );
            // Every provider crate's sniffer looks only at the head of the file.
            let head = &bytes[..bytes.len().min(64 * 1024)];
            assert_eq!(nhi_ingest::sniff(head), Some(format), "{label}");
            checked += 1;
        }
    }
    assert!(checked >= 30, "only {checked} fixtures checked");
}

#[test]
fn an_unknown_json_file_names_the_json_formats_it_could_be() {
    let error = nhi_ingest::ingest("exports/odd.json", br#"{"Widgets": []}"#).unwrap_err();
    let message = error.to_string();
    assert!(
        message.starts_with("exports/odd.json: not a platform export"),
        "{message}"
    );
    for expected in [
        "aws iam get-account-authorization-details",
        "gcloud iam service-accounts list",
        "kubectl get",
    ] {
        assert!(
            message.contains(expected),
            "{expected} missing from: {message}"
        );
    }
    // A CSV credential report is a candidate for CSV, not JSON-only formats.
    let csv = nhi_ingest::ingest("x.csv", b"a,b,c\n1,2,3\n")
        .unwrap_err()
        .to_string();
    assert!(csv.contains("aws iam get-credential-report"), "{csv}");
    assert!(!csv.contains("kubectl"), "{csv}");
}

#[test]
fn binary_and_empty_input_is_an_error_not_a_panic() {
    for bytes in [&b""[..], b"\xff\xfe\x00\x01", b"   ", b"["] {
        assert!(nhi_ingest::ingest("f", bytes).is_err());
    }
}

proptest::proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..512)) {
        let _ = nhi_ingest::ingest("fuzz.json", &bytes);
    }

    #[test]
    fn arbitrary_json_prefixes_never_panic(
        prefix in proptest::sample::select(vec![
            r#"{"UserDetailList":[{"UserName":"#,
            r#"{"value":[{"appId":"#,
            r#"{"kind":"List","items":[{"kind":"ServiceAccount","#,
            r#"[{"email":"a@b.iam.gserviceaccount.com","#,
            r#"{"object":"list","data":[{"object":"organization.project.api_key","#,
            r#"{"total_count":1,"installations":[{"#,
        ]),
        tail in "[ -~]{0,64}",
    ) {
        let text = format!("{prefix}{tail}");
        let _ = nhi_ingest::ingest("fuzz.json", text.as_bytes());
    }
}
