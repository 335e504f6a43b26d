//! One identity's neighbourhood (consumers → secrets → identity → permissions → owners),
//! as data for the API and as an SVG drawn here, so the dashboard needs no script and
//! loads nothing from elsewhere.

use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

/// How many nodes one column shows before summarising the rest.
const MAX_PER_COLUMN: usize = 12;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Node {
    pub id: String,
    pub label: String,
    /// `consumer`, `secret`, `identity`, `permission` or `owner`.
    pub kind: &'static str,
    pub detail: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Edge {
    pub from: String,
    pub to: String,
    pub label: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Neighbourhood {
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
    /// Nodes left out per kind because a column was full.
    pub omitted: std::collections::BTreeMap<String, usize>,
}

fn text(value: &Value, key: &str) -> String {
    value
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// Reads the identity card stored in the index.
pub fn neighbourhood(card: &Value) -> Neighbourhood {
    let mut out = Neighbourhood {
        nodes: Vec::new(),
        edges: Vec::new(),
        omitted: Default::default(),
    };
    let identity_id = text(card, "id");
    out.nodes.push(Node {
        id: identity_id.clone(),
        label: text(card, "name"),
        kind: "identity",
        detail: format!("{} {}", text(card, "provider"), text(card, "kind")),
    });
    let push = |out: &mut Neighbourhood, node: Node, edge: Edge| {
        let shown = out.nodes.iter().filter(|n| n.kind == node.kind).count();
        if out.nodes.iter().any(|n| n.id == node.id) {
            out.edges.push(edge);
        } else if shown >= MAX_PER_COLUMN {
            *out.omitted.entry(node.kind.to_string()).or_default() += 1;
        } else {
            out.nodes.push(node);
            out.edges.push(edge);
        }
    };
    let empty = Vec::new();
    for credential in card
        .get("credentials")
        .and_then(Value::as_array)
        .unwrap_or(&empty)
    {
        let id = text(credential, "id");
        let label = credential
            .get("preview")
            .and_then(Value::as_str)
            .or_else(|| credential.get("external_id").and_then(Value::as_str))
            .unwrap_or("credential")
            .to_string();
        let sightings = credential
            .get("sightings")
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        let last_used = credential
            .get("last_used")
            .and_then(Value::as_str)
            .map_or("never used".to_string(), |t| format!("last used {t}"));
        push(
            &mut out,
            Node {
                id: id.clone(),
                label,
                kind: "secret",
                detail: format!(
                    "{} · {} · {sightings} sighting(s) · {last_used}",
                    text(credential, "kind"),
                    text(credential, "status")
                ),
            },
            Edge {
                from: id.clone(),
                to: identity_id.clone(),
                label: "authenticates".into(),
            },
        );
        for consumer in credential
            .get("used_by")
            .and_then(Value::as_array)
            .unwrap_or(&empty)
            .iter()
            .filter_map(Value::as_str)
        {
            push(
                &mut out,
                Node {
                    id: consumer.to_string(),
                    label: consumer
                        .rsplit(['#', '/', ':'])
                        .next()
                        .unwrap_or(consumer)
                        .to_string(),
                    kind: "consumer",
                    detail: consumer.to_string(),
                },
                Edge {
                    from: consumer.to_string(),
                    to: id.clone(),
                    label: "uses".into(),
                },
            );
        }
    }
    for grant in card
        .get("grants")
        .and_then(Value::as_array)
        .unwrap_or(&empty)
    {
        let role = text(grant, "role");
        let scope = text(grant, "scope");
        let id = format!("grant:{role}@{scope}");
        let via = grant.get("via").and_then(Value::as_str).unwrap_or("direct");
        push(
            &mut out,
            Node {
                id: id.clone(),
                label: role.rsplit('/').next().unwrap_or(&role).to_string(),
                kind: "permission",
                detail: format!("{role} on {scope} ({via})"),
            },
            Edge {
                from: identity_id.clone(),
                to: id,
                label: "granted".into(),
            },
        );
    }
    for owner in card
        .get("owners")
        .and_then(Value::as_array)
        .unwrap_or(&empty)
        .iter()
        .filter_map(Value::as_str)
    {
        push(
            &mut out,
            Node {
                id: format!("owner:{owner}"),
                label: owner.to_string(),
                kind: "owner",
                detail: "owner".into(),
            },
            Edge {
                from: identity_id.clone(),
                to: format!("owner:{owner}"),
                label: "owned by".into(),
            },
        );
    }
    out
}

pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let mut short: String = text.chars().take(max - 1).collect();
        short.push('…');
        short
    }
}

const COLUMNS: [(&str, &str); 5] = [
    ("consumer", "Consumers"),
    ("secret", "Secrets"),
    ("identity", "Identity"),
    ("permission", "Permissions"),
    ("owner", "Owners"),
];

/// Draws the neighbourhood as columns joined by lines.
pub fn svg(graph: &Neighbourhood, title: &str) -> String {
    const COL_W: usize = 190;
    const BOX_W: usize = 170;
    const BOX_H: usize = 30;
    const ROW_H: usize = 42;
    const TOP: usize = 44;
    let mut position = std::collections::HashMap::new();
    let mut rows = 1;
    for (column, (kind, _)) in COLUMNS.iter().enumerate() {
        let nodes: Vec<&Node> = graph.nodes.iter().filter(|n| n.kind == *kind).collect();
        rows = rows.max(nodes.len() + usize::from(graph.omitted.contains_key(*kind)));
        for (row, node) in nodes.iter().enumerate() {
            position.insert(node.id.as_str(), (10 + column * COL_W, TOP + row * ROW_H));
        }
    }
    let width = 10 + COLUMNS.len() * COL_W;
    let height = TOP + rows * ROW_H + 10;
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"graph\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-labelledby=\"graph-title graph-desc\">\
         <title id=\"graph-title\">{}</title><desc id=\"graph-desc\">{} nodes and {} edges; the list below the drawing gives the same in text.</desc>",
        escape(title),
        graph.nodes.len(),
        graph.edges.len()
    );
    for (column, (kind, heading)) in COLUMNS.iter().enumerate() {
        out.push_str(&format!(
            "<text class=\"col\" x=\"{}\" y=\"24\">{heading}</text>",
            10 + column * COL_W
        ));
        if let Some(n) = graph.omitted.get(*kind) {
            let shown = graph.nodes.iter().filter(|x| x.kind == *kind).count();
            out.push_str(&format!(
                "<text class=\"more\" x=\"{}\" y=\"{}\">+{n} more</text>",
                14 + column * COL_W,
                TOP + shown * ROW_H + 20
            ));
        }
    }
    for edge in &graph.edges {
        let (Some(&(x1, y1)), Some(&(x2, y2))) = (
            position.get(edge.from.as_str()),
            position.get(edge.to.as_str()),
        ) else {
            continue;
        };
        let (xa, xb) = if x1 < x2 {
            (x1 + BOX_W, x2)
        } else {
            (x1, x2 + BOX_W)
        };
        out.push_str(&format!(
            "<line class=\"edge\" x1=\"{xa}\" y1=\"{}\" x2=\"{xb}\" y2=\"{}\"><title>{}</title></line>",
            y1 + BOX_H / 2,
            y2 + BOX_H / 2,
            escape(&edge.label)
        ));
    }
    for node in &graph.nodes {
        let Some(&(x, y)) = position.get(node.id.as_str()) else {
            continue;
        };
        out.push_str(&format!(
            "<g class=\"node {}\"><title>{}</title><rect x=\"{x}\" y=\"{y}\" width=\"{BOX_W}\" height=\"{BOX_H}\" rx=\"5\"/>\
             <text x=\"{}\" y=\"{}\">{}</text></g>",
            node.kind,
            escape(&node.detail),
            x + 8,
            y + 20,
            escape(&clip(&node.label, 22))
        ));
    }
    out.push_str("</svg>");
    out
}

/// A horizontal bar chart: one bar per (label, value).
pub fn bars(title: &str, data: &[(String, u64)]) -> String {
    const ROW_H: usize = 26;
    const LABEL_W: usize = 150;
    const BAR_W: usize = 300;
    let max = data.iter().map(|(_, v)| *v).max().unwrap_or(0).max(1);
    let height = 10 + data.len().max(1) * ROW_H;
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 {} {height}\" role=\"img\" aria-label=\"{}\"><title>{}</title>",
        LABEL_W + BAR_W + 60,
        escape(title),
        escape(title)
    );
    for (i, (label, value)) in data.iter().enumerate() {
        let y = 6 + i * ROW_H;
        let w = (*value as usize * BAR_W) / max as usize;
        out.push_str(&format!(
            "<text x=\"0\" y=\"{}\">{}</text><rect class=\"bar {}\" x=\"{LABEL_W}\" y=\"{y}\" width=\"{}\" height=\"18\"/><text x=\"{}\" y=\"{}\">{value}</text>",
            y + 14,
            escape(&clip(label, 20)),
            escape(&label.to_lowercase()),
            w.max(1),
            LABEL_W + w + 6,
            y + 14
        ));
    }
    out.push_str("</svg>");
    out
}

/// A line of points over time (oldest first): the trend over collection runs.
pub fn trend(title: &str, points: &[(String, u64)]) -> String {
    const W: usize = 460;
    const H: usize = 120;
    let max = points.iter().map(|(_, v)| *v).max().unwrap_or(0).max(1);
    let step = if points.len() > 1 {
        (W - 20) / (points.len() - 1)
    } else {
        0
    };
    let coords: Vec<(usize, usize)> = points
        .iter()
        .enumerate()
        .map(|(i, (_, v))| {
            (
                10 + i * step,
                H - 10 - (*v as usize * (H - 30)) / max as usize,
            )
        })
        .collect();
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 {W} {H}\" role=\"img\" aria-label=\"{}\"><title>{}</title>",
        escape(title),
        escape(title)
    );
    if coords.len() > 1 {
        let path: Vec<String> = coords.iter().map(|(x, y)| format!("{x},{y}")).collect();
        out.push_str(&format!(
            "<polyline class=\"trend\" points=\"{}\"/>",
            path.join(" ")
        ));
    }
    for ((x, y), (label, value)) in coords.iter().zip(points) {
        out.push_str(&format!(
            "<circle class=\"point\" cx=\"{x}\" cy=\"{y}\" r=\"3\"><title>{}: {value}</title></circle>",
            escape(label)
        ));
    }
    out.push_str("</svg>");
    out
}
