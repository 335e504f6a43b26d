//! How an MCP server is launched, read from its (already redacted) command line or URL:
//! which third-party package, image or remote service receives the credentials the
//! configuration hands it, and whether that code is pinned to a reviewed version.

use nhi_model::Consumer;

/// Where an MCP server's code comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Launch {
    /// `npx`, `uvx`, `docker`, `remote`…: how the code is fetched or reached.
    pub how: &'static str,
    /// The package spec, image reference or URL, as the policy's vetted list names it.
    pub source: String,
    /// A version or digest fixes what runs; a bare package name runs whatever was
    /// published last.
    pub pinned: bool,
    /// Credentials travel over plain HTTP to a host other than this machine.
    pub cleartext: bool,
}

/// `None` for local programs (a script in the repository, a binary on the PATH): that
/// code is the organisation's own, not a third party's.
pub(crate) fn launch_of(consumer: &Consumer) -> Option<Launch> {
    let endpoint = consumer.endpoint.as_deref()?.trim();
    if endpoint.starts_with("http://") || endpoint.starts_with("https://") {
        return Some(remote(endpoint, "remote", true));
    }
    let words: Vec<&str> = endpoint.split_whitespace().collect();
    let program = words.first()?.rsplit('/').next()?;
    let rest = &words[1..];
    match program {
        "npx" | "bunx" => package_launch(
            program_name(program),
            first_operand(rest, &["-p", "--package"])?,
            npm_pinned,
            rest,
        ),
        "pnpm" | "yarn" if rest.first() == Some(&"dlx") => package_launch(
            "npx",
            first_operand(&rest[1..], &[])?,
            npm_pinned,
            &rest[1..],
        ),
        "uvx" => package_launch(
            "uvx",
            first_operand(rest, &["--from", "--with", "--python"])?,
            pypi_pinned,
            rest,
        ),
        "uv" if rest.starts_with(&["tool", "run"]) => package_launch(
            "uvx",
            first_operand(&rest[2..], &["--from", "--with"])?,
            pypi_pinned,
            &rest[2..],
        ),
        "pipx" if rest.first() == Some(&"run") => package_launch(
            "pipx",
            first_operand(&rest[1..], &["--spec"])?,
            pypi_pinned,
            &rest[1..],
        ),
        "docker" | "podman" if rest.first() == Some(&"run") => {
            let image = first_operand(&rest[1..], DOCKER_VALUE_FLAGS)?;
            Some(Launch {
                how: "docker",
                source: image.to_string(),
                pinned: image.contains("@sha256:"),
                cleartext: false,
            })
        }
        _ => None,
    }
}

fn program_name(program: &str) -> &'static str {
    if program == "bunx" { "bunx" } else { "npx" }
}

/// A package launcher; `mcp-remote URL` is a proxy to a remote server, which is what
/// receives the credentials.
fn package_launch(
    how: &'static str,
    package: &str,
    pinned: fn(&str) -> bool,
    args: &[&str],
) -> Option<Launch> {
    let name = package
        .split('@')
        .find(|p| !p.is_empty())
        .unwrap_or(package);
    if name == "mcp-remote" {
        let url = args
            .iter()
            .find(|a| a.starts_with("http://") || a.starts_with("https://"))?;
        // The proxy package itself is fetched unpinned unless a version is given.
        return Some(remote(url, "mcp-remote", pinned(package)));
    }
    Some(Launch {
        how,
        source: package.to_string(),
        pinned: pinned(package),
        cleartext: false,
    })
}

fn remote(url: &str, how: &'static str, pinned: bool) -> Launch {
    let host = url
        .split("://")
        .nth(1)
        .unwrap_or_default()
        .split(['/', ':', '?'])
        .next()
        .unwrap_or_default();
    let local = matches!(host, "localhost" | "127.0.0.1" | "[::1]");
    Launch {
        how,
        source: url.split('?').next().unwrap_or(url).to_string(),
        pinned,
        cleartext: url.starts_with("http://") && !local,
    }
}

/// `@scope/name@1.2.3` or `name@1.2.3`; `@latest` and ranges do not pin.
fn npm_pinned(spec: &str) -> bool {
    let unscoped = spec.strip_prefix('@').unwrap_or(spec);
    match unscoped.split_once('@') {
        Some((_, version)) => {
            !version.is_empty()
                && version != "latest"
                && version.starts_with(|c: char| c.is_ascii_digit())
                && !version.contains(['^', '~', '*', 'x', '>', '<'])
        }
        None => false,
    }
}

/// `name==1.2.3` or uv's `name@1.2.3`.
fn pypi_pinned(spec: &str) -> bool {
    spec.contains("==")
        || spec
            .split_once('@')
            .is_some_and(|(_, v)| v.starts_with(|c: char| c.is_ascii_digit()))
}

/// `docker run` flags that take a value, so the value is not mistaken for the image.
const DOCKER_VALUE_FLAGS: &[&str] = &[
    "-e",
    "--env",
    "--env-file",
    "-v",
    "--volume",
    "--mount",
    "--name",
    "-p",
    "--publish",
    "--network",
    "--net",
    "-w",
    "--workdir",
    "--entrypoint",
    "-u",
    "--user",
    "--platform",
    "-l",
    "--label",
    "--add-host",
    "--cpus",
    "-m",
    "--memory",
    "--pull",
];

/// The first argument that is not a flag (nor the value of a flag in `value_flags`).
fn first_operand<'a>(args: &[&'a str], value_flags: &[&str]) -> Option<&'a str> {
    let mut i = 0;
    while i < args.len() {
        let arg = args[i];
        if arg == "--" {
            return args.get(i + 1).copied();
        }
        if arg.starts_with('-') {
            // `--flag value`, but not `--flag=value`.
            i += if value_flags.contains(&arg) { 2 } else { 1 };
            continue;
        }
        return Some(arg);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use nhi_model::ConsumerKind;

    fn server(endpoint: &str) -> Consumer {
        Consumer {
            id: "mcp".into(),
            kind: ConsumerKind::McpServer,
            tool: "cursor".into(),
            name: "x".into(),
            path: ".cursor/mcp.json".into(),
            root: String::new(),
            line: 3,
            endpoint: Some(endpoint.into()),
            credentials: Vec::new(),
            attributes: Default::default(),
        }
    }

    fn launch(endpoint: &str) -> Option<Launch> {
        launch_of(&server(endpoint))
    }

    #[test]
    fn npm_packages_and_their_pins() {
        let l = launch("npx -y @modelcontextprotocol/server-github").unwrap();
        assert_eq!(
            (l.how, l.source.as_str(), l.pinned),
            ("npx", "@modelcontextprotocol/server-github", false)
        );
        assert!(
            launch("npx -y @modelcontextprotocol/server-github@2025.4.8")
                .unwrap()
                .pinned
        );
        assert!(!launch("npx --yes some-mcp@latest").unwrap().pinned);
        assert!(!launch("npx -y some-mcp@^1.2.0").unwrap().pinned);
        assert!(launch("pnpm dlx some-mcp@1.0.0").unwrap().pinned);
        assert_eq!(
            launch("npx -p pkg-a other-bin").unwrap().source,
            "other-bin"
        );
    }

    #[test]
    fn python_packages_and_their_pins() {
        let l = launch("uvx acme-docs-mcp --index support-kb").unwrap();
        assert_eq!(
            (l.how, l.source.as_str(), l.pinned),
            ("uvx", "acme-docs-mcp", false)
        );
        assert!(launch("uvx mcp-server-fetch==2025.1.14").unwrap().pinned);
        assert!(launch("uvx mcp-server-fetch@2025.1.14").unwrap().pinned);
        assert!(launch("pipx run --spec x y==1.0").unwrap().source == "y==1.0");
    }

    #[test]
    fn images_are_pinned_only_by_digest() {
        let l = launch(
            "docker run -i --rm -e GITHUB_PERSONAL_ACCESS_TOKEN ghcr.io/github/github-mcp-server",
        )
        .unwrap();
        assert_eq!(
            (l.how, l.source.as_str(), l.pinned),
            ("docker", "ghcr.io/github/github-mcp-server", false)
        );
        assert!(
            launch("docker run --rm img@sha256:0123abcd")
                .unwrap()
                .pinned
        );
    }

    #[test]
    fn remote_servers_and_proxies_name_the_url() {
        let l = launch("npx -y mcp-remote https://mcp.linear.app/sse").unwrap();
        assert_eq!(
            (l.how, l.source.as_str(), l.cleartext),
            ("mcp-remote", "https://mcp.linear.app/sse", false)
        );
        let l = launch("http://mcp.example.com/mcp?x=1").unwrap();
        assert_eq!(l.source, "http://mcp.example.com/mcp");
        assert!(l.cleartext);
        assert!(!launch("http://localhost:8080/mcp").unwrap().cleartext);
    }

    #[test]
    fn local_programs_are_not_third_party() {
        assert_eq!(launch("node ./tools/mcp/server.js"), None);
        assert_eq!(launch("/usr/local/bin/acme-mcp"), None);
        assert_eq!(launch("npx"), None);
    }
}
