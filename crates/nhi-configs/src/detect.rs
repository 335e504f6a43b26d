//! Choosing a format from a file's path, and from its first bytes where the name alone is
//! ambiguous (`settings.json`, `config.json`, `config`, `*.yaml`).

use crate::ConfigFormat;

/// Decides by path (relative, `/` separated) and, where the name is ambiguous, by sniffing
/// `head` (the first few KB). `None` means the file is not a config this crate reads.
pub fn detect_format(rel_path: &str, head: &[u8]) -> Option<ConfigFormat> {
    let mut lower = rel_path.to_ascii_lowercase();
    if lower.contains('\\') {
        lower = lower.replace('\\', "/");
    }
    let name = lower.rsplit('/').next().unwrap_or(&lower);
    let parent = parent_dir(&lower);
    // Decoded only for the names whose format the content decides: most scanned files
    // are neither, and decoding 4 KiB of every one was a few percent of a scan.
    let head_bytes = head;
    let head_text = std::cell::OnceCell::new();
    let head = || -> &str { head_text.get_or_init(|| String::from_utf8_lossy(head_bytes)) };
    let is_yaml = name.ends_with(".yml") || name.ends_with(".yaml");
    let is_json = name.ends_with(".json");

    if name == "claude_desktop_config.json" {
        return Some(ConfigFormat::ClaudeDesktop);
    }
    if name == ".mcp.json" || name == ".claude.json" {
        return Some(ConfigFormat::ClaudeCode);
    }
    if name == "mcp.json" && parent == ".cursor" {
        return Some(ConfigFormat::Cursor);
    }
    if name == "mcp.json" && parent == ".vscode" {
        return Some(ConfigFormat::VsCode);
    }
    if name == "settings.json" && parent == ".vscode" {
        // Older VS Code releases kept MCP servers in settings under `mcp.servers`.
        return (head().contains("\"mcp\"") && head().contains("\"servers\""))
            .then_some(ConfigFormat::VsCode);
    }
    if name == "mcp_config.json" {
        return Some(ConfigFormat::Windsurf);
    }
    if name == "settings.json" && parent == ".gemini" {
        return Some(ConfigFormat::GeminiCli);
    }
    if name == "settings.json" {
        return (head().contains("\"mcpServers\"")
            && !lower.contains("/.claude/")
            && !lower.starts_with(".claude/"))
        .then_some(ConfigFormat::GeminiCli);
    }
    if in_dir(&lower, ".continue") && (is_yaml || is_json) {
        return Some(ConfigFormat::Continue);
    }
    if name == "config.json"
        && (head().contains("\"modelContextProtocolServers\"")
            || (head().contains("\"models\"") && head().contains("\"tabAutocompleteModel\"")))
    {
        return Some(ConfigFormat::Continue);
    }
    if in_dir(&lower, ".github/workflows") && is_yaml && parent == "workflows" {
        return Some(ConfigFormat::GithubWorkflow);
    }
    if is_compose_name(name) {
        return Some(ConfigFormat::Compose);
    }
    if is_dotenv_name(name) {
        return Some(ConfigFormat::DotEnv);
    }
    if parent == ".aws" && (name == "credentials" || name == "config") {
        return Some(ConfigFormat::AwsCli);
    }
    if name == "credentials" && head().contains("aws_access_key_id") {
        return Some(ConfigFormat::AwsCli);
    }
    if name == "application_default_credentials.json" {
        return Some(ConfigFormat::GcloudAdc);
    }
    if parent == ".kube" && name == "config" {
        return Some(ConfigFormat::Kubeconfig);
    }
    // Both shapes of the kubeconfig check need a `users:` or `clusters:` line: most YAML
    // files have neither and are not decoded.
    if (name == "kubeconfig" || name.ends_with(".kubeconfig") || name == "config" || is_yaml)
        && (memchr::memmem::find(head_bytes, b"users:").is_some()
            || memchr::memmem::find(head_bytes, b"clusters:").is_some())
        && looks_like_kubeconfig(head())
    {
        return Some(ConfigFormat::Kubeconfig);
    }
    if name == "config" && (head().contains("[profile ") || head().contains("aws_access_key_id")) {
        return Some(ConfigFormat::AwsCli);
    }
    // Every key the check looks for is `"type"`; without it, no need to decode.
    if is_json
        && memchr::memmem::find(head_bytes, b"\"type\"").is_some()
        && looks_like_google_credentials(head())
    {
        return Some(ConfigFormat::GcloudAdc);
    }
    None
}

fn parent_dir(path: &str) -> &str {
    let mut parts = path.rsplit('/');
    parts.next();
    parts.next().unwrap_or("")
}

/// True if any directory of `path` is `dir` (which may itself contain `/`).
fn in_dir(path: &str, dir: &str) -> bool {
    // Asked of every scanned file: no allocation.
    path.match_indices(dir).any(|(at, _)| {
        let before_ok = at == 0 || path.as_bytes().get(at - 1) == Some(&b'/');
        let after_ok = path.as_bytes().get(at + dir.len()) == Some(&b'/');
        before_ok && after_ok
    })
}

fn is_compose_name(name: &str) -> bool {
    let Some(stem) = name
        .strip_suffix(".yml")
        .or_else(|| name.strip_suffix(".yaml"))
    else {
        return false;
    };
    // `docker-compose.yml`, `compose.yaml`, and overrides such as
    // `docker-compose.override.yml` or `compose.prod.yaml`.
    ["docker-compose", "compose"]
        .iter()
        .any(|base| stem == *base || stem.starts_with(&format!("{base}.")))
}

fn is_dotenv_name(name: &str) -> bool {
    name == ".env" || name.starts_with(".env.") || (name.ends_with(".env") && name.len() > 4)
}

fn looks_like_kubeconfig(head: &str) -> bool {
    let has_line = |prefix: &str| head.lines().any(|l| l.starts_with(prefix));
    has_line("kind: Config") && (has_line("users:") || has_line("clusters:"))
        || (has_line("clusters:") && has_line("contexts:") && has_line("users:"))
}

fn looks_like_google_credentials(head: &str) -> bool {
    let compact: String = head.chars().filter(|c| !c.is_whitespace()).collect();
    [
        "\"type\":\"authorized_user\"",
        "\"type\":\"external_account\"",
        "\"type\":\"service_account\"",
        "\"type\":\"impersonated_service_account\"",
        "\"type\":\"external_account_authorized_user\"",
    ]
    .iter()
    .any(|t| compact.contains(t))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_dir_matches_whole_directory_names_only() {
        for (path, dir, expected) in [
            (".continue/config.yaml", ".continue", true),
            ("a/.continue/b.yaml", ".continue", true),
            ("a/x.continue/b.yaml", ".continue", false),
            ("a/.continued/b.yaml", ".continue", false),
            (".continue", ".continue", false),
            ("x/.github/workflows/ci.yml", ".github/workflows", true),
            ("x/.github/workflows2/ci.yml", ".github/workflows", false),
            ("a.continue/.continue/c.json", ".continue", true),
        ] {
            let old = path.starts_with(&format!("{dir}/")) || path.contains(&format!("/{dir}/"));
            assert_eq!(old, expected, "{path}");
            assert_eq!(in_dir(path, dir), expected, "{path}");
        }
    }

    #[test]
    fn detects_by_path() {
        let cases: &[(&str, &str, Option<ConfigFormat>)] = &[
            (
                "Library/Application Support/Claude/claude_desktop_config.json",
                "",
                Some(ConfigFormat::ClaudeDesktop),
            ),
            (".mcp.json", "", Some(ConfigFormat::ClaudeCode)),
            ("home/u/.claude.json", "", Some(ConfigFormat::ClaudeCode)),
            ("app/.cursor/mcp.json", "", Some(ConfigFormat::Cursor)),
            (".vscode/mcp.json", "", Some(ConfigFormat::VsCode)),
            (
                ".codeium/windsurf/mcp_config.json",
                "",
                Some(ConfigFormat::Windsurf),
            ),
            (".gemini/settings.json", "", Some(ConfigFormat::GeminiCli)),
            ("settings.json", "{\"theme\": 1}", None),
            (".continue/config.yaml", "", Some(ConfigFormat::Continue)),
            (
                ".continue/mcpServers/pw.yaml",
                "",
                Some(ConfigFormat::Continue),
            ),
            (
                "x/config.json",
                "{\"models\": [], \"tabAutocompleteModel\": {}}",
                Some(ConfigFormat::Continue),
            ),
            ("config.json", "{\"auths\": {}}", None),
            (
                ".github/workflows/ci.yml",
                "",
                Some(ConfigFormat::GithubWorkflow),
            ),
            (".github/workflows/sub/ci.yml", "", None),
            (".env", "", Some(ConfigFormat::DotEnv)),
            (".env.production", "", Some(ConfigFormat::DotEnv)),
            ("deploy/prod.env", "", Some(ConfigFormat::DotEnv)),
            ("src/environment.ts", "", None),
            (".aws/credentials", "", Some(ConfigFormat::AwsCli)),
            (".aws/config", "", Some(ConfigFormat::AwsCli)),
            (
                ".config/gcloud/application_default_credentials.json",
                "",
                Some(ConfigFormat::GcloudAdc),
            ),
            (
                "keys/sa.json",
                "{ \"type\": \"service_account\" }",
                Some(ConfigFormat::GcloudAdc),
            ),
            ("package.json", "{ \"type\": \"module\" }", None),
            (".kube/config", "", Some(ConfigFormat::Kubeconfig)),
            (
                "ci/admin.yaml",
                "apiVersion: v1\nkind: Config\nusers:\n",
                Some(ConfigFormat::Kubeconfig),
            ),
            (
                "k8s/deploy.yaml",
                "apiVersion: apps/v1\nkind: Deployment\n",
                None,
            ),
            ("docker-compose.yml", "", Some(ConfigFormat::Compose)),
            ("compose.prod.yaml", "", Some(ConfigFormat::Compose)),
            (
                "docker-compose.override.yml",
                "",
                Some(ConfigFormat::Compose),
            ),
        ];
        for (path, head, expected) in cases {
            assert_eq!(detect_format(path, head.as_bytes()), *expected, "{path}");
        }
    }
}
