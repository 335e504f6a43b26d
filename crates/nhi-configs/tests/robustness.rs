//! Malformed input gives positioned errors, never panics, and never leaks content.

use nhi_configs::{ConfigError, ConfigFormat, parse};
use proptest::prelude::*;

const DESKTOP: &str = r#"{
  "mcpServers": {
    "github": {
      "command": "npx",
      "env": {
        "GITHUB_PERSONAL_ACCESS_TOKEN": "ghp_FAKE0123456789abcdefghijklmnopqrstuv"
      }
    }
  }
}
"#;

const WORKFLOW: &str = "name: CI\non: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - run: \"echo ${{ secrets.TOKEN }}\n";

#[test]
fn truncated_json_is_malformed_with_line() {
    // Cut inside the env block: the parser runs out of input on line 6.
    let cut = DESKTOP.find("ghp_").unwrap() + 10;
    let err = parse(
        ConfigFormat::ClaudeDesktop,
        "claude_desktop_config.json",
        &DESKTOP.as_bytes()[..cut],
    )
    .unwrap_err();
    match &err {
        ConfigError::Malformed { line, .. } => assert_eq!(*line, 6),
        other => panic!("expected Malformed, got {other:?}"),
    }
    assert!(err.position().is_some_and(|p| p.starts_with("line 6")));
    assert!(
        !err.to_string().contains("ghp_FAKE"),
        "error echoes content: {err}"
    );
}

#[test]
fn truncated_yaml_is_malformed_with_line() {
    // An unterminated double-quoted scalar on line 7.
    let err = parse(
        ConfigFormat::GithubWorkflow,
        ".github/workflows/ci.yml",
        WORKFLOW.as_bytes(),
    )
    .unwrap_err();
    match &err {
        ConfigError::Malformed { line, column, .. } => {
            assert!(*line >= 7, "line {line}");
            assert!(*column >= 1);
        }
        other => panic!("expected Malformed, got {other:?}"),
    }
    let compose = "services:\n  web:\n    environment:\n      - A=1\n    image: [unclosed\n";
    let err = parse(
        ConfigFormat::Compose,
        "docker-compose.yml",
        compose.as_bytes(),
    )
    .unwrap_err();
    assert!(
        matches!(err, ConfigError::Malformed { line, .. } if line >= 5),
        "{err:?}"
    );
}

#[test]
fn every_json_format_rejects_truncation() {
    let json_formats = [
        ConfigFormat::ClaudeDesktop,
        ConfigFormat::ClaudeCode,
        ConfigFormat::Cursor,
        ConfigFormat::VsCode,
        ConfigFormat::Windsurf,
        ConfigFormat::GeminiCli,
        ConfigFormat::GcloudAdc,
    ];
    for format in json_formats {
        let err = parse(format, "x.json", &DESKTOP.as_bytes()[..DESKTOP.len() / 2]).unwrap_err();
        assert!(
            matches!(err, ConfigError::Malformed { line, .. } if line > 0),
            "{format}: {err:?}"
        );
    }
    let err = parse(
        ConfigFormat::Kubeconfig,
        "config",
        b"users:\n- name: a\n  user: {token: \"abc",
    )
    .unwrap_err();
    assert!(
        matches!(err, ConfigError::Malformed { line: 3, .. }),
        "{err:?}"
    );
}

#[test]
fn invalid_utf8_is_an_error_for_every_format() {
    let mut bytes = b"A=1\nTOKEN=abc".to_vec();
    bytes.push(0xff);
    bytes.extend_from_slice(b"def\n");
    for &format in ConfigFormat::ALL {
        let err = parse(format, "file", &bytes).unwrap_err();
        assert_eq!(
            err,
            ConfigError::InvalidUtf8 { byte_offset: 13 },
            "{format}"
        );
        assert_eq!(err.position().as_deref(), Some("byte 13"));
    }
}

#[test]
fn unterminated_dotenv_quote_and_bad_ini_section() {
    let err = parse(ConfigFormat::DotEnv, ".env", b"A=1\nB=\"never closed\n").unwrap_err();
    assert!(
        matches!(err, ConfigError::Malformed { line: 2, .. }),
        "{err:?}"
    );
    let err = parse(
        ConfigFormat::AwsCli,
        ".aws/credentials",
        b"[default\naws_access_key_id=x\n",
    )
    .unwrap_err();
    assert!(
        matches!(err, ConfigError::Malformed { line: 1, .. }),
        "{err:?}"
    );
}

#[test]
fn wrong_shapes_are_empty_not_errors() {
    for &format in ConfigFormat::ALL {
        for text in [
            "[]",
            "42",
            "\"text\"",
            "{\"mcpServers\": []}",
            "{\"servers\": 3, \"jobs\": [1]}",
        ] {
            let result = parse(format, "f", text.as_bytes());
            if let Ok(entries) = result {
                // dotenv and AWS read any text; nothing here is a credential.
                assert!(
                    entries.iter().all(|e| e.credentials.is_empty()),
                    "{format} {text}"
                );
            }
        }
    }
}

fn fixtures() -> Vec<Vec<u8>> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut out = Vec::new();
    let mut stack = vec![root];
    while let Some(dir) = stack.pop() {
        for item in std::fs::read_dir(dir).unwrap() {
            let path = item.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(std::fs::read(path).unwrap());
            }
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn parse_never_panics_on_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        for &format in ConfigFormat::ALL {
            let _ = parse(format, "f", &bytes);
        }
    }

    #[test]
    fn parse_never_panics_on_text(text in "[ -~\\n\\t{}\\[\\]\":,'=#$-]{0,300}") {
        for &format in ConfigFormat::ALL {
            let _ = parse(format, "f", text.as_bytes());
        }
    }

    #[test]
    fn parse_never_panics_on_damaged_fixtures(
        index in 0usize..64,
        cut in 0usize..4096,
        flip in 0usize..4096,
        byte in any::<u8>(),
    ) {
        let all = fixtures();
        let mut content = all[index % all.len()].clone();
        if !content.is_empty() {
            let at = flip % content.len();
            content[at] = byte;
            content.truncate(cut % (content.len() + 1));
        }
        for &format in ConfigFormat::ALL {
            let _ = parse(format, "f", &content);
        }
    }
}
