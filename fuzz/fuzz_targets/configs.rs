//! Arbitrary bytes through every config parser (MCP/agent configs, workflows, dotenv,
//! cloud CLI files, kubeconfig, compose): errors are fine, panics are not.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nhi_configs::{ConfigFormat, parse};

const FORMATS: &[(ConfigFormat, &str)] = &[
    (ConfigFormat::ClaudeDesktop, "claude_desktop_config.json"),
    (ConfigFormat::ClaudeCode, ".mcp.json"),
    (ConfigFormat::Cursor, ".cursor/mcp.json"),
    (ConfigFormat::VsCode, ".vscode/mcp.json"),
    (ConfigFormat::Windsurf, "mcp_config.json"),
    (ConfigFormat::GeminiCli, ".gemini/settings.json"),
    (ConfigFormat::Continue, ".continue/config.yaml"),
    (ConfigFormat::GithubWorkflow, ".github/workflows/ci.yml"),
    (ConfigFormat::DotEnv, ".env"),
    (ConfigFormat::AwsCli, ".aws/credentials"),
    (ConfigFormat::GcloudAdc, "application_default_credentials.json"),
    (ConfigFormat::Kubeconfig, ".kube/config"),
    (ConfigFormat::Compose, "docker-compose.yml"),
];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let (format, path) = FORMATS[usize::from(selector) % FORMATS.len()];
    let _ = parse(format, path, rest);
});
