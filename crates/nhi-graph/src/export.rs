//! Graph exports: Graphviz DOT, a plain JSON node/edge list, and BloodHound's OpenGraph
//! generic ingest format (`{"metadata": {"source_kind": …}, "graph": {"nodes": [{"id",
//! "kinds", "properties"}], "edges": [{"start": {"value", "match_by"}, "end": …, "kind",
//! "properties"}]}}`), so the graph can be loaded into BloodHound and path-queried there.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use serde_json::{Map, Value, json};

use crate::Graph;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GraphFormat {
    Dot,
    Json,
    OpenGraph,
}

impl std::str::FromStr for GraphFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "dot" => Ok(GraphFormat::Dot),
            "json" => Ok(GraphFormat::Json),
            "opengraph" => Ok(GraphFormat::OpenGraph),
            other => Err(format!(
                "unknown graph format `{other}`; expected dot, json or opengraph"
            )),
        }
    }
}

/// One node of the exported graph.
struct Node {
    id: String,
    /// OpenGraph kinds: the specific kind first, then `NHI` so every node of ours can be
    /// selected at once in BloodHound.
    kinds: Vec<String>,
    label: String,
    properties: Map<String, Value>,
}

struct Edge {
    from: String,
    to: String,
    kind: String,
    properties: Map<String, Value>,
}

fn camel(kind: &str) -> String {
    kind.split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

fn collect(graph: &Graph) -> (Vec<Node>, Vec<Edge>) {
    let inventory = &graph.inventory;
    let mut nodes = Vec::new();
    let mut ids = BTreeSet::new();
    let mut push = |node: Node, nodes: &mut Vec<Node>| {
        if ids.insert(node.id.clone()) {
            nodes.push(node);
        }
    };
    for identity in inventory.identities.values() {
        let mut p = Map::new();
        p.insert("name".into(), json!(identity.name));
        p.insert("provider".into(), json!(identity.provider.as_str()));
        p.insert("identity_kind".into(), json!(identity.kind.as_str()));
        p.insert("status".into(), json!(identity.status.as_str()));
        if let Some(v) = &identity.external_id {
            p.insert("external_id".into(), json!(v));
        }
        if let Some(v) = &identity.environment {
            p.insert("environment".into(), json!(v));
        }
        if let Some(v) = &identity.account {
            p.insert("account".into(), json!(v));
        }
        if !identity.owners.is_empty() {
            p.insert("owners".into(), json!(identity.owners));
        }
        if let Some(t) = identity.last_used {
            p.insert("last_used".into(), json!(t.to_string()));
        }
        for key in [
            "privilege",
            "stub",
            "shadow",
            "owners_offboarded",
            "third_party",
        ] {
            if let Some(v) = identity.attributes.get(key) {
                p.insert(key.into(), json!(v));
            }
        }
        let kind = if identity.kind == nhi_model::IdentityKind::Human {
            "Person".to_string()
        } else {
            camel(identity.kind.as_str())
        };
        push(
            Node {
                id: identity.id.clone(),
                kinds: vec![kind, "NHI".into()],
                label: format!("{} ({})", identity.name, identity.kind),
                properties: p,
            },
            &mut nodes,
        );
    }
    for cred in inventory.credentials.values() {
        let mut p = Map::new();
        p.insert("provider".into(), json!(cred.provider.as_str()));
        p.insert("credential_kind".into(), json!(cred.kind.as_str()));
        p.insert("status".into(), json!(cred.status.as_str()));
        if let Some(v) = &cred.external_id {
            p.insert("external_id".into(), json!(v));
        }
        if let Some(t) = cred.last_used {
            p.insert("last_used".into(), json!(t.to_string()));
        }
        if let Some(t) = cred.created {
            p.insert("created".into(), json!(t.to_string()));
        }
        push(
            Node {
                id: cred.id.clone(),
                kinds: vec!["PlatformCredential".into(), "NHI".into()],
                label: format!(
                    "{} {}",
                    cred.kind,
                    cred.external_id.as_deref().unwrap_or("")
                ),
                properties: p,
            },
            &mut nodes,
        );
    }
    for code in graph.code.values() {
        let mut p = Map::new();
        p.insert("provider".into(), json!(code.provider.as_str()));
        p.insert("credential_kind".into(), json!(code.kind.as_str()));
        p.insert("preview".into(), json!(code.preview.as_str()));
        p.insert("fingerprint".into(), json!(code.fingerprint.as_str()));
        p.insert("status".into(), json!(code.status.as_str()));
        p.insert(
            "sightings".into(),
            json!(
                code.sightings
                    .iter()
                    .map(|s| format!("{}:{}", s.path, s.line))
                    .collect::<Vec<_>>()
            ),
        );
        push(
            Node {
                id: code.id.to_string(),
                kinds: vec!["LeakedSecret".into(), "NHI".into()],
                label: format!("{} {}", code.kind, code.preview),
                properties: p,
            },
            &mut nodes,
        );
    }
    for consumer in &graph.consumers {
        let mut p = Map::new();
        p.insert("name".into(), json!(consumer.name));
        p.insert("tool".into(), json!(consumer.tool));
        p.insert("path".into(), json!(consumer.path));
        push(
            Node {
                id: consumer.id.clone(),
                kinds: vec![camel(consumer.kind.as_str()), "NHI".into()],
                label: format!("{} ({})", consumer.name, consumer.kind),
                properties: p,
            },
            &mut nodes,
        );
    }
    let mut edges: Vec<Edge> = Vec::new();
    let mut seen = BTreeSet::new();
    for link in &inventory.links {
        if !seen.insert((link.from.clone(), link.to.clone(), link.kind.as_str())) {
            continue;
        }
        let mut p = Map::new();
        p.insert("confidence".into(), json!(link.confidence.as_str()));
        p.insert("evidence".into(), json!(link.evidence));
        edges.push(Edge {
            from: link.from.clone(),
            to: link.to.clone(),
            kind: link.kind.as_str().to_string(),
            properties: p,
        });
    }
    // Every platform credential hangs off its holder even when no export said so in a
    // link of its own.
    for cred in inventory.credentials.values() {
        if cred.identity.is_empty()
            || !seen.insert((cred.identity.clone(), cred.id.clone(), "has_credential"))
        {
            continue;
        }
        let mut p = Map::new();
        p.insert("confidence".into(), json!("high"));
        edges.push(Edge {
            from: cred.identity.clone(),
            to: cred.id.clone(),
            kind: "has_credential".into(),
            properties: p,
        });
    }
    // Grants point at permission nodes, one per role or policy.
    let mut roles: BTreeMap<String, String> = BTreeMap::new();
    for grant in &inventory.grants {
        let role_id = format!("permission:{}", grant.role);
        roles.insert(role_id.clone(), grant.role.clone());
        let mut p = Map::new();
        p.insert("grant_kind".into(), json!(grant.kind.as_str()));
        p.insert("scope".into(), json!(grant.scope));
        if let Some(via) = &grant.via {
            p.insert("via".into(), json!(via));
        }
        if let Some(condition) = &grant.condition {
            p.insert("condition".into(), json!(condition));
        }
        edges.push(Edge {
            from: grant.identity.clone(),
            to: role_id,
            kind: "granted".into(),
            properties: p,
        });
    }
    for (id, role) in roles {
        let mut p = Map::new();
        p.insert("name".into(), json!(role));
        push(
            Node {
                id,
                kinds: vec!["Permission".into(), "NHI".into()],
                label: role,
                properties: p,
            },
            &mut nodes,
        );
    }
    // An edge end nothing describes (a consumer of another root, say) gets a bare node
    // so every edge resolves.
    let known: BTreeSet<String> = nodes.iter().map(|n| n.id.clone()).collect();
    let mut extra = BTreeSet::new();
    for edge in &edges {
        for end in [&edge.from, &edge.to] {
            if !known.contains(end) {
                extra.insert(end.clone());
            }
        }
    }
    for id in extra {
        let mut p = Map::new();
        p.insert("name".into(), json!(id));
        nodes.push(Node {
            id: id.clone(),
            kinds: vec!["Unresolved".into(), "NHI".into()],
            label: id,
            properties: p,
        });
    }
    (nodes, edges)
}

/// Renders the graph in `format`.
pub fn render_graph(graph: &Graph, format: GraphFormat) -> String {
    let (nodes, edges) = collect(graph);
    match format {
        GraphFormat::Json => {
            let value = json!({
                "nodes": nodes.iter().map(|n| json!({
                    "id": n.id, "kind": n.kinds[0], "label": n.label, "properties": n.properties,
                })).collect::<Vec<_>>(),
                "edges": edges.iter().map(|e| json!({
                    "from": e.from, "to": e.to, "kind": e.kind, "properties": e.properties,
                })).collect::<Vec<_>>(),
            });
            serde_json::to_string_pretty(&value).unwrap_or_default() + "\n"
        }
        GraphFormat::OpenGraph => {
            let value = json!({
                "metadata": { "source_kind": "NHI" },
                "graph": {
                    "nodes": nodes.iter().map(|n| json!({
                        "id": n.id, "kinds": n.kinds, "properties": with_display_name(&n.properties, &n.label),
                    })).collect::<Vec<_>>(),
                    "edges": edges.iter().map(|e| json!({
                        "start": { "value": e.from, "match_by": "id" },
                        "end": { "value": e.to, "match_by": "id" },
                        "kind": camel(&e.kind),
                        "properties": e.properties,
                    })).collect::<Vec<_>>(),
                }
            });
            serde_json::to_string_pretty(&value).unwrap_or_default() + "\n"
        }
        GraphFormat::Dot => {
            let mut out =
                String::from("digraph nhi {\n  rankdir=LR;\n  node [shape=box, fontsize=10];\n");
            for n in &nodes {
                let shape = match n.kinds[0].as_str() {
                    "Person" => "ellipse",
                    "LeakedSecret" | "PlatformCredential" => "note",
                    "Permission" => "hexagon",
                    _ => "box",
                };
                let _ = writeln!(
                    out,
                    "  \"{}\" [label=\"{}\", shape={shape}];",
                    dot_escape(&n.id),
                    dot_escape(&n.label)
                );
            }
            for e in &edges {
                let _ = writeln!(
                    out,
                    "  \"{}\" -> \"{}\" [label=\"{}\"];",
                    dot_escape(&e.from),
                    dot_escape(&e.to),
                    dot_escape(&e.kind)
                );
            }
            out.push_str("}\n");
            out
        }
    }
}

fn with_display_name(properties: &Map<String, Value>, label: &str) -> Map<String, Value> {
    let mut p = properties.clone();
    p.insert("displayname".into(), json!(label));
    p
}

fn dot_escape(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', " ")
}
