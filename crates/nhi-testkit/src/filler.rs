//! Realistic, secret-free source files that pad a corpus to size.
//!
//! Many lines mention tokens, keys, secrets and passwords the way real code does
//! (TTLs, header names, env lookups, secret-store paths, word-like values) so that a
//! generic "secret-named variable" rule is exercised on text it must not report.

use std::collections::BTreeSet;

use rand::Rng;
use rand::seq::IndexedRandom;

pub const NOUNS: &[&str] = &[
    "invoice",
    "order",
    "customer",
    "shipment",
    "payment",
    "account",
    "tenant",
    "session",
    "report",
    "webhook",
    "subscription",
    "ledger",
    "refund",
    "catalog",
    "inventory",
    "user",
    "workspace",
    "project",
    "deployment",
    "pipeline",
    "artifact",
    "message",
    "channel",
    "notification",
    "quota",
    "region",
    "cluster",
    "bucket",
    "job",
    "batch",
];
pub const VERBS: &[&str] = &[
    "fetch",
    "sync",
    "refresh",
    "validate",
    "archive",
    "reconcile",
    "publish",
    "render",
    "load",
    "export",
    "import",
    "resolve",
    "schedule",
    "retry",
    "compute",
    "index",
];
pub const SERVICES: &[&str] = &[
    "orders",
    "billing",
    "identity",
    "search",
    "notifications",
    "analytics",
    "gateway",
    "inventory",
    "payments",
    "support",
    "ledger",
    "catalog",
    "shipping",
    "reporting",
];

/// Expands `§name§` placeholders. Unknown names are written back unchanged.
fn expand(template: &str, rng: &mut impl Rng, out: &mut String) {
    let noun = NOUNS.choose(rng).copied().unwrap_or("order");
    let other = NOUNS.choose(rng).copied().unwrap_or("account");
    let verb = VERBS.choose(rng).copied().unwrap_or("fetch");
    let svc = SERVICES.choose(rng).copied().unwrap_or("orders");
    let mut rest = template;
    while let Some(start) = rest.find('§') {
        out.push_str(rest.get(..start).unwrap_or_default());
        let after = rest.get(start + '§'.len_utf8()..).unwrap_or_default();
        let Some(end) = after.find('§') else {
            out.push_str(rest.get(start..).unwrap_or_default());
            return;
        };
        let name = after.get(..end).unwrap_or_default();
        match name {
            "noun" => out.push_str(noun),
            "Noun" => out.push_str(&capitalize(noun)),
            "NOUN" => out.push_str(&noun.to_ascii_uppercase()),
            "other" => out.push_str(other),
            "Other" => out.push_str(&capitalize(other)),
            "verb" => out.push_str(verb),
            "Verb" => out.push_str(&capitalize(verb)),
            "svc" => out.push_str(svc),
            "Svc" => out.push_str(&capitalize(svc)),
            "n" => out.push_str(&rng.random_range(2..120).to_string()),
            "port" => out.push_str(&rng.random_range(3000..9000).to_string()),
            _ => {
                out.push('§');
                out.push_str(name);
                out.push('§');
            }
        }
        rest = after.get(end + '§'.len_utf8()..).unwrap_or_default();
    }
    out.push_str(rest);
}

pub fn capitalize(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

/// The kinds of filler file the corpus writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FillerKind {
    Python,
    JavaScript,
    TypeScript,
    Go,
    Yaml,
    Json,
    Markdown,
    Dockerfile,
    Terraform,
}

pub const FILLER_KINDS: &[FillerKind] = &[
    FillerKind::Python,
    FillerKind::Python,
    FillerKind::JavaScript,
    FillerKind::TypeScript,
    FillerKind::TypeScript,
    FillerKind::Go,
    FillerKind::Go,
    FillerKind::Yaml,
    FillerKind::Json,
    FillerKind::Markdown,
    FillerKind::Dockerfile,
    FillerKind::Terraform,
];

const PY_HEADER: &str = r#""""§Noun§ helpers for the §svc§ service.

Credentials are never read here: the API key and database password come from the
secret store at start-up and are passed in by the caller.
"""
import logging
import os
import time
from dataclasses import dataclass, field

logger = logging.getLogger(__name__)

TOKEN_TTL_SECONDS = 3600
API_KEY_HEADER = "X-Api-Key"
SECRET_STORE_PREFIX = "§svc§/§noun§"
"#;

const PY_BLOCKS: &[&str] = &[
    r#"
def §verb§_§noun§(client, §noun§_id, retries=§n§):
    """§Verb§ one §noun§, refreshing the access token if it has expired."""
    for attempt in range(retries):
        try:
            return client.§verb§(§noun§_id, timeout=§n§)
        except TimeoutError:
            logger.warning("§verb§ %s timed out (attempt %d)", §noun§_id, attempt)
            time.sleep(min(2 ** attempt, 30))
    raise RuntimeError(f"could not §verb§ §noun§ {§noun§_id}")
"#,
    r#"
@dataclass
class §Noun§Config:
    endpoint: str = "https://§svc§.internal.acme-corp.io/v1/§noun§s"
    timeout_seconds: int = §n§
    token_header: str = "Authorization"
    password_min_length: int = 12
    secret_name: str = "§svc§/§noun§-credentials"
    tags: list = field(default_factory=list)
"#,
    r#"
def mask_secret(value):
    # Never log a token or api_key in full: keep the last four characters only.
    if not value or len(value) < 8:
        return "****"
    return "*" * (len(value) - 4) + value[-4:]
"#,
    r#"
class §Noun§Repository:
    """Reads and writes §noun§ rows; the connection password is injected."""

    def __init__(self, pool, table="§noun§s"):
        self._pool = pool
        self._table = table

    def get(self, §noun§_id):
        with self._pool.connection() as conn:
            row = conn.execute(
                f"SELECT * FROM {self._table} WHERE id = %s", (§noun§_id,)
            ).fetchone()
        return row

    def §verb§_all(self, §other§_id, limit=§n§):
        logger.debug("§verb§ §noun§s for §other§ %s", §other§_id)
        with self._pool.connection() as conn:
            return conn.execute(
                f"SELECT * FROM {self._table} WHERE §other§_id = %s LIMIT %s",
                (§other§_id, limit),
            ).fetchall()
"#,
    r#"
def load_settings():
    # The secret key and token are resolved from the environment at runtime.
    return {
        "api_key": os.environ.get("§NOUN§_API_KEY"),
        "token_url": "https://auth.acme-corp.io/oauth2/token",
        "auth_mode": "client_credentials",
        "password_policy": "strong",
        "region": os.environ.get("AWS_REGION", "eu-west-1"),
    }
"#,
    r#"
def test_§verb§_§noun§_rejects_expired_token(fake_client):
    fake_client.token_expired = True
    with pytest.raises(PermissionError):
        §verb§_§noun§(fake_client, "§noun§-§n§")
    assert fake_client.calls == §n§
"#,
];

const JS_HEADER: &str = r#"// §Noun§ client for the §svc§ API.
// The API key is read from process.env by the caller; this module never stores it.
import { createHash } from "node:crypto";
import { logger } from "../lib/logger.js";

const TOKEN_REFRESH_MARGIN_MS = 60_000;
const API_KEY_HEADER = "x-api-key";
"#;

const JS_BLOCKS: &[&str] = &[
    r#"
export async function §verb§§Noun§(client, §noun§Id, { retries = §n§ } = {}) {
  for (let attempt = 0; attempt < retries; attempt += 1) {
    try {
      return await client.get(`/§noun§s/${§noun§Id}`, { timeout: §n§00 });
    } catch (err) {
      logger.warn({ err, attempt }, "§verb§ §noun§ failed, retrying");
    }
  }
  throw new Error(`could not §verb§ §noun§ ${§noun§Id}`);
}
"#,
    r#"
export function redactToken(token) {
  // Keep the secret out of logs: show only the last four characters.
  if (!token || token.length < 8) return "****";
  return `${"*".repeat(token.length - 4)}${token.slice(-4)}`;
}
"#,
    r#"
export class §Noun§Cache {
  constructor({ ttlMs = §n§000, maxEntries = §n§00 } = {}) {
    this.ttlMs = ttlMs;
    this.maxEntries = maxEntries;
    this.entries = new Map();
  }

  key(§noun§Id, §other§Id) {
    return createHash("sha256").update(`${§noun§Id}:${§other§Id}`).digest("hex");
  }

  get(§noun§Id, §other§Id) {
    const hit = this.entries.get(this.key(§noun§Id, §other§Id));
    if (!hit || hit.expiresAt < Date.now()) return undefined;
    return hit.value;
  }
}
"#,
    r#"
export const §noun§Routes = {
  list: "/api/v1/§noun§s",
  detail: (id) => `/api/v1/§noun§s/${id}`,
  tokenEndpoint: "/oauth/token",
  passwordReset: "/account/password/reset",
  secretRotation: "/admin/secrets/rotate",
};
"#,
];

const TS_HEADER: &str = r#"/**
 * §Noun§ views for the §svc§ dashboard.
 * Auth tokens are held by the session provider; components only see the user id.
 */
import { useEffect, useState } from "react";
import type { §Noun§, §Other§ } from "../types";
"#;

const TS_BLOCKS: &[&str] = &[
    r#"
export interface §Noun§Props {
  §noun§Id: string;
  §other§?: §Other§;
  onRefreshToken?: () => Promise<void>;
  showSecretFields?: boolean;
}
"#,
    r#"
export function use§Noun§s(§other§Id: string): { data: §Noun§[]; loading: boolean } {
  const [data, setData] = useState<§Noun§[]>([]);
  const [loading, setLoading] = useState(true);
  useEffect(() => {
    let cancelled = false;
    fetch(`/api/§other§s/${§other§Id}/§noun§s?limit=§n§`, { credentials: "include" })
      .then((res) => res.json())
      .then((rows: §Noun§[]) => {
        if (!cancelled) setData(rows);
      })
      .finally(() => setLoading(false));
    return () => {
      cancelled = true;
    };
  }, [§other§Id]);
  return { data, loading };
}
"#,
    r#"
export const passwordRules = {
  minLength: 12,
  requireDigit: true,
  requireSymbol: true,
  forbidden: ["password", "letmein", "acme"],
};

export type TokenKind = "access" | "refresh" | "api_key";
"#,
    r#"
export function §verb§§Noun§Label(§noun§: §Noun§): string {
  switch (§noun§.status) {
    case "active":
      return `§Noun§ ${§noun§.id} is active`;
    case "expired":
      return `§Noun§ ${§noun§.id}: token expired, ask an admin to rotate the key`;
    default:
      return `§Noun§ ${§noun§.id}`;
  }
}
"#,
];

const GO_HEADER: &str = r#"// Package §noun§ implements the §svc§ §noun§ workflow.
//
// Secrets (API keys, database passwords) are loaded by the config package from the
// environment; nothing in this package reads or stores them.
package §noun§

import (
	"context"
	"errors"
	"fmt"
	"time"
)

const (
	tokenRefreshWindow = 5 * time.Minute
	apiKeyHeader       = "X-Api-Key"
)
"#;

const GO_BLOCKS: &[&str] = &[
    r#"
// §Verb§ §verb§es one §noun§ and retries transient failures.
func §Verb§(ctx context.Context, c *Client, id string) (*§Noun§, error) {
	var lastErr error
	for attempt := 0; attempt < §n§; attempt++ {
		n, err := c.get(ctx, fmt.Sprintf("/§noun§s/%s", id))
		if err == nil {
			return n, nil
		}
		if errors.Is(err, ErrTokenExpired) {
			if err := c.refreshToken(ctx); err != nil {
				return nil, fmt.Errorf("refresh token: %w", err)
			}
		}
		lastErr = err
	}
	return nil, fmt.Errorf("§verb§ §noun§ %s: %w", id, lastErr)
}
"#,
    r#"
// §Noun§ is one row of the §noun§s table.
type §Noun§ struct {
	ID        string    `json:"id"`
	§Other§ID string    `json:"§other§_id"`
	CreatedAt time.Time `json:"created_at"`
	SecretRef string    `json:"secret_ref"` // name in the secret store, never the value
}
"#,
    r#"
// ErrTokenExpired is returned when the bearer token must be refreshed.
var ErrTokenExpired = errors.New("§noun§: token expired")

func redact(secret string) string {
	if len(secret) < 8 {
		return "****"
	}
	return "****" + secret[len(secret)-4:]
}
"#,
];

const YAML_HEADER: &str = "# §Noun§ worker configuration for §svc§.\n# Secrets are mounted from the §svc§-credentials Secret; only their names appear here.\n";

const YAML_BLOCKS: &[&str] = &[
    r#"
§noun§_worker:
  concurrency: §n§
  queue: §svc§.§noun§.§verb§
  token_refresh_seconds: 300
  password_secret_name: §svc§-db-password
  api_key_env: §NOUN§_API_KEY
  retry:
    max_attempts: §n§
    backoff: exponential
"#,
    r#"
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: §svc§-§noun§
  labels:
    app.kubernetes.io/name: §svc§-§noun§
spec:
  replicas: 2
  selector:
    matchLabels:
      app.kubernetes.io/name: §svc§-§noun§
  template:
    metadata:
      labels:
        app.kubernetes.io/name: §svc§-§noun§
    spec:
      serviceAccountName: §svc§
      containers:
        - name: app
          image: ghcr.io/acme/§svc§:1.§n§.0
          ports:
            - containerPort: §port§
          envFrom:
            - secretRef:
                name: §svc§-credentials
"#,
];

const MD_BLOCKS: &[&str] = &[
    r#"
## §Verb§ a §noun§

Call `§verb§_§noun§()` with the §noun§ id. The client refreshes its access token
automatically; if you see `401 token expired` twice in a row, rotate the API key in
the secret store and restart the worker.
"#,
    r#"
### Credentials

Never paste an API key, token or password into this repository. Use the
`§svc§/§noun§-credentials` entry in Vault and reference it as `${§NOUN§_API_KEY}`.
Keys are rotated every 90 days by the platform team.
"#,
    r#"
| Setting | Default | Notes |
| --- | --- | --- |
| `token_ttl` | 3600 | seconds before the session token expires |
| `§noun§_batch_size` | §n§ | rows per §verb§ call |
| `password_min_length` | 12 | enforced at sign-up |
"#,
];

const DOCKER_HEADER: &str = r#"# syntax=docker/dockerfile:1.7
FROM python:3.12-slim AS base
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    SERVICE_NAME=§svc§
WORKDIR /app
"#;

const DOCKER_BLOCKS: &[&str] = &[
    r#"
COPY requirements/§noun§.txt requirements.txt
RUN --mount=type=cache,target=/root/.cache/pip pip install -r requirements.txt
# The API key is provided at runtime through a mounted secret, not baked in.
RUN --mount=type=secret,id=pip_token echo "using pip token from build secret"
"#,
    r#"
COPY src/§svc§ ./§svc§
RUN python -m compileall -q ./§svc§
EXPOSE §port§
HEALTHCHECK CMD python -c "import urllib.request; urllib.request.urlopen('http://localhost:§port§/healthz')"
"#,
];

const TF_BLOCKS: &[&str] = &[
    r#"
resource "aws_secretsmanager_secret" "§svc§_§noun§" {
  name        = "§svc§/§noun§-api-key"
  description = "API key for the §svc§ §noun§ integration; value set out of band"
  recovery_window_in_days = 7
}
"#,
    r#"
resource "aws_iam_role" "§svc§_§noun§" {
  name               = "§svc§-§noun§-§verb§"
  assume_role_policy = data.aws_iam_policy_document.§svc§_assume.json
  tags = {
    service = "§svc§"
    owner   = "platform"
  }
}
"#,
    r#"
variable "§noun§_token_ttl" {
  type        = number
  default     = 3600
  description = "Seconds before a §noun§ session token expires"
}
"#,
];

/// How often the padding of a corpus mentions secrets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeywordDensity {
    /// Every block names tokens, keys, secrets or passwords (about 10,000 keyword
    /// occurrences per MB): a stress test for the generic rule and the prefilter.
    Dense,
    /// Only this many blocks in a thousand do; the rest is ordinary business code.
    /// Real trees measured at 57 to 516 occurrences per MB (see `benches/README.md`).
    Mixed { secret_blocks_per_mille: u32 },
}

impl KeywordDensity {
    /// The share that puts generated padding at about 500 occurrences per MB, the
    /// densest real tree measured (the crates.io sources this workspace builds from).
    pub const TYPICAL: KeywordDensity = KeywordDensity::Mixed {
        secret_blocks_per_mille: 25,
    };
}

// Blocks that name no credential at all: what most of a real code base is. They avoid
// every rule keyword (including `auth`, URLs and `sg.` as in `msg.`), so the share of
// secret-naming blocks alone sets a mixed corpus's keyword density.

const PY_PLAIN_HEADER: &str = r#""""§Noun§ bookkeeping for the §svc§ service."""
import logging
from collections import defaultdict
from decimal import Decimal

logger = logging.getLogger(__name__)

PAGE_SIZE = §n§
"#;

const PY_PLAIN: &[&str] = &[
    r#"
def summarise_§noun§s(rows):
    """Totals per §other§, skipping rows that were cancelled."""
    totals = defaultdict(Decimal)
    for row in rows:
        if row.get("status") == "cancelled":
            continue
        totals[row["§other§_id"]] += Decimal(row["amount"])
    return dict(totals)
"#,
    r#"
class §Noun§Page:
    def __init__(self, items, cursor=None):
        self.items = list(items)
        self.cursor = cursor

    def __len__(self):
        return len(self.items)

    def next_cursor(self):
        if len(self.items) < PAGE_SIZE:
            return None
        return self.items[-1]["id"]
"#,
    r#"
def §verb§_§noun§_batch(repo, ids, dry_run=False):
    done, failed = [], []
    for item_id in ids:
        try:
            if not dry_run:
                repo.§verb§(item_id)
            done.append(item_id)
        except ValueError as err:
            logger.info("skipping %s: %s", item_id, err)
            failed.append(item_id)
    return done, failed
"#,
];

const JS_PLAIN_HEADER: &str = r#"// §Noun§ list helpers for the §svc§ portal.
import { formatDate } from "../lib/dates.js";

const PAGE_SIZE = §n§;
"#;

const JS_PLAIN: &[&str] = &[
    r#"
export function group§Noun§sBy§Other§(rows) {
  const groups = new Map();
  for (const row of rows) {
    const list = groups.get(row.§other§Id) ?? [];
    list.push(row);
    groups.set(row.§other§Id, list);
  }
  return groups;
}
"#,
    r#"
export function §verb§Label(§noun§) {
  const when = formatDate(§noun§.updatedAt);
  return `${§noun§.name} (${§noun§.status}, updated ${when})`;
}
"#,
    r#"
export function paginate(items, page = 0) {
  const start = page * PAGE_SIZE;
  return {
    items: items.slice(start, start + PAGE_SIZE),
    hasMore: start + PAGE_SIZE < items.length,
  };
}
"#,
];

const TS_PLAIN_HEADER: &str = r#"import { useMemo } from "react";
import type { §Noun§ } from "../types";
"#;

const TS_PLAIN: &[&str] = &[
    r#"
export function §Noun§Table({ rows }: { rows: §Noun§[] }) {
  const sorted = useMemo(
    () => [...rows].sort((a, b) => a.createdAt.localeCompare(b.createdAt)),
    [rows],
  );
  return (
    <table className="§noun§-table">
      <tbody>
        {sorted.map((row) => (
          <tr key={row.id}>
            <td>{row.id}</td>
            <td>{row.status}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
"#,
    r#"
export interface §Noun§Filter {
  status?: "open" | "closed" | "archived";
  §other§Id?: string;
  createdAfter?: string;
  limit: number;
}
"#,
];

const GO_PLAIN_HEADER: &str = r#"// Package §noun§ keeps §svc§ §noun§ records.
package §noun§

import (
	"sort"
	"time"
)
"#;

const GO_PLAIN: &[&str] = &[
    r#"
// Record is one stored §noun§.
type Record struct {
	ID        string
	§Other§ID string
	Amount    int64
	UpdatedAt time.Time
}
"#,
    r#"
// Latest returns the n most recently updated records.
func Latest(records []Record, n int) []Record {
	sort.Slice(records, func(i, j int) bool {
		return records[i].UpdatedAt.After(records[j].UpdatedAt)
	})
	if len(records) > n {
		records = records[:n]
	}
	return records
}
"#,
    r#"
// Sum§Other§ adds up the amounts of one §other§.
func Sum§Other§(records []Record, id string) int64 {
	var total int64
	for _, r := range records {
		if r.§Other§ID == id {
			total += r.Amount
		}
	}
	return total
}
"#,
];

const YAML_PLAIN_HEADER: &str = "# §Noun§ worker settings for §svc§.\n";

const YAML_PLAIN: &[&str] = &[
    r#"
§noun§_queue:
  concurrency: §n§
  prefetch: §n§
  dead_letter: §svc§.§noun§.failed
  schedule: "*/15 * * * *"
"#,
    r#"
§noun§_limits:
  max_rows: §n§000
  max_batch: §n§
  timeout_seconds: §n§
"#,
];

const MD_PLAIN: &[&str] = &[
    r#"
## §Verb§ §noun§s in bulk

Run `make §verb§-§noun§s` from the repository root. The job reads §n§ rows at a time
and writes a summary to `reports/§noun§s.csv`; rerunning it is safe.
"#,
    r#"
| Column | Type | Notes |
| --- | --- | --- |
| `id` | text | primary key |
| `§other§_id` | text | indexed |
| `amount` | integer | minor units |
"#,
];

const DOCKER_PLAIN: &[&str] = &[
    r#"
COPY src/§svc§ ./§svc§
RUN python -m compileall -q ./§svc§
EXPOSE §port§
"#,
    r#"
RUN apt-get update && apt-get install -y --no-install-recommends tini \
    && rm -rf /var/lib/apt/lists/*
ENTRYPOINT ["tini", "--"]
"#,
];

const TF_PLAIN: &[&str] = &[
    r#"
resource "aws_sqs_queue" "§svc§_§noun§" {
  name                       = "§svc§-§noun§-§verb§"
  visibility_timeout_seconds = §n§
  message_retention_seconds  = 86400
}
"#,
    r#"
resource "aws_cloudwatch_log_group" "§svc§_§noun§" {
  name              = "/§svc§/§noun§"
  retention_in_days = 30
}
"#,
];

/// The header and blocks of a file of `kind` that never name a credential.
fn plain_parts(kind: FillerKind) -> (&'static str, &'static [&'static str]) {
    match kind {
        FillerKind::Python => (PY_PLAIN_HEADER, PY_PLAIN),
        FillerKind::JavaScript => (JS_PLAIN_HEADER, JS_PLAIN),
        FillerKind::TypeScript => (TS_PLAIN_HEADER, TS_PLAIN),
        FillerKind::Go => (GO_PLAIN_HEADER, GO_PLAIN),
        FillerKind::Yaml | FillerKind::Json => (YAML_PLAIN_HEADER, YAML_PLAIN),
        FillerKind::Markdown => ("# §Svc§ §noun§ notes\n", MD_PLAIN),
        FillerKind::Dockerfile => ("FROM python:3.12-slim\nWORKDIR /app\n", DOCKER_PLAIN),
        FillerKind::Terraform => ("# §Svc§ queues\n", TF_PLAIN),
    }
}

/// A file of `kind` of about `target` bytes at `density`. `Dense` is
/// [`filler_file`] itself.
pub fn filler_file_at(
    kind: FillerKind,
    density: KeywordDensity,
    rng: &mut impl Rng,
    target: usize,
) -> String {
    let KeywordDensity::Mixed {
        secret_blocks_per_mille,
    } = density
    else {
        return filler_file(kind, rng, target);
    };
    if kind == FillerKind::Json {
        // JSON must stay one valid document; its entries are all of one shape.
        return if rng.random_ratio(secret_blocks_per_mille.min(1000), 1000) {
            json_filler(rng, target)
        } else {
            plain_json_filler(rng, target)
        };
    }
    let (header, plain) = plain_parts(kind);
    if kind == FillerKind::Yaml {
        return yaml_filler_with(rng, target, header, |rng| {
            if rng.random_ratio(secret_blocks_per_mille.min(1000), 1000) {
                YAML_BLOCKS.choose(rng).copied()
            } else {
                plain.choose(rng).copied()
            }
        });
    }
    let mut out = String::with_capacity(target + 1024);
    expand(header, rng, &mut out);
    while out.len() < target {
        let block = if rng.random_ratio(secret_blocks_per_mille.min(1000), 1000) {
            filler_block(kind, rng)
        } else {
            let mut block = String::new();
            expand(plain.choose(rng).copied().unwrap_or("\n"), rng, &mut block);
            block
        };
        out.push_str(&block);
    }
    out
}

fn plain_json_filler(rng: &mut impl Rng, target: usize) -> String {
    json_features(
        rng,
        target,
        "    \"§noun§_§verb§\": {\n      \"enabled\": true,\n      \"batch_size\": §n§,\n      \"queue\": \"§svc§.§noun§\"\n    }",
    )
}

fn grow(rng: &mut impl Rng, header: &str, blocks: &[&str], footer: &str, target: usize) -> String {
    let mut out = String::with_capacity(target + 1024);
    expand(header, rng, &mut out);
    while out.len() + footer.len() < target {
        let block = blocks.choose(rng).copied().unwrap_or("\n");
        expand(block, rng, &mut out);
    }
    expand(footer, rng, &mut out);
    out
}

fn json_filler(rng: &mut impl Rng, target: usize) -> String {
    json_features(
        rng,
        target,
        "    \"§noun§_§verb§\": {\n      \"enabled\": true,\n      \"batch_size\": §n§,\n      \"token_header\": \"Authorization\",\n      \"secret_ref\": \"§svc§/§noun§\",\n      \"endpoint\": \"https://§svc§.internal.acme-corp.io/§noun§s\"\n    }",
    )
}

/// Valid JSON: a settings document with one `entry` (a `"key": {...}` template) per
/// feature, about `target` bytes.
fn json_features(rng: &mut impl Rng, target: usize, entry_template: &str) -> String {
    let mut entries = Vec::new();
    let mut size = 0usize;
    while size < target {
        let mut entry = String::new();
        expand(entry_template, rng, &mut entry);
        // Keys must be unique for the document to be valid JSON.
        if let Some(pos) = entry.find("\": {") {
            entry.insert_str(pos, &format!("_{}", entries.len()));
        }
        size += entry.len() + 2;
        entries.push(entry);
    }
    format!(
        "{{\n  \"service\": \"acme\",\n  \"features\": {{\n{}\n  }}\n}}\n",
        entries.join(",\n")
    )
}

/// Like `grow` for YAML, but a top-level key that a document already has gets a numeric
/// suffix: blocks are drawn with replacement, and a repeated `<noun>_worker:` key is a
/// duplicate-key error that makes the whole file unparsable.
fn yaml_filler(rng: &mut impl Rng, target: usize) -> String {
    yaml_filler_with(rng, target, YAML_HEADER, |rng| {
        YAML_BLOCKS.choose(rng).copied()
    })
}

fn yaml_filler_with<R: Rng>(
    rng: &mut R,
    target: usize,
    header: &str,
    mut next_block: impl FnMut(&mut R) -> Option<&'static str>,
) -> String {
    let mut out = String::with_capacity(target + 1024);
    expand(header, rng, &mut out);
    let mut keys: BTreeSet<String> = BTreeSet::new();
    let mut renamed = 0usize;
    while out.len() < target {
        let mut block = String::new();
        let template = next_block(rng).unwrap_or("\n");
        expand(template, rng, &mut block);
        for line in block.split_inclusive('\n') {
            if line.trim_end() == "---" {
                keys.clear();
                out.push_str(line);
                continue;
            }
            let top_level_key = line
                .split_once(':')
                .map(|(key, _)| key)
                .filter(|key| !key.is_empty() && !key.starts_with([' ', '#', '-']));
            match top_level_key {
                Some(key) if !keys.insert(key.to_string()) => {
                    renamed += 1;
                    let unique = format!("{key}_{renamed}");
                    keys.insert(unique.clone());
                    out.push_str(&unique);
                    out.push_str(line.get(key.len()..).unwrap_or_default());
                }
                _ => out.push_str(line),
            }
        }
    }
    out
}

/// A file of `kind` of about `target` bytes.
pub fn filler_file(kind: FillerKind, rng: &mut impl Rng, target: usize) -> String {
    match kind {
        FillerKind::Python => grow(rng, PY_HEADER, PY_BLOCKS, "", target),
        FillerKind::JavaScript => grow(rng, JS_HEADER, JS_BLOCKS, "", target),
        FillerKind::TypeScript => grow(rng, TS_HEADER, TS_BLOCKS, "", target),
        FillerKind::Go => grow(rng, GO_HEADER, GO_BLOCKS, "", target),
        FillerKind::Yaml => yaml_filler(rng, target),
        FillerKind::Json => json_filler(rng, target),
        FillerKind::Markdown => grow(
            rng,
            "# §Svc§ §noun§ runbook\n\nThis page explains how the §svc§ team operates the §noun§ pipeline.\n",
            MD_BLOCKS,
            "",
            target,
        ),
        FillerKind::Dockerfile => grow(
            rng,
            DOCKER_HEADER,
            DOCKER_BLOCKS,
            "\nUSER 10001\nCMD [\"python\", \"-m\", \"§svc§\"]\n",
            target,
        ),
        FillerKind::Terraform => grow(
            rng,
            "# §Svc§ infrastructure (§noun§ pipeline)\n",
            TF_BLOCKS,
            "",
            target,
        ),
    }
}

/// One block of filler code of `kind` (a function, a class, a config stanza).
pub fn filler_block(kind: FillerKind, rng: &mut impl Rng) -> String {
    let blocks = match kind {
        FillerKind::Python => PY_BLOCKS,
        FillerKind::JavaScript => JS_BLOCKS,
        FillerKind::TypeScript => TS_BLOCKS,
        FillerKind::Go => GO_BLOCKS,
        FillerKind::Yaml => YAML_BLOCKS,
        FillerKind::Markdown => MD_BLOCKS,
        FillerKind::Dockerfile => DOCKER_BLOCKS,
        FillerKind::Terraform | FillerKind::Json => TF_BLOCKS,
    };
    let mut out = String::new();
    expand(blocks.choose(rng).copied().unwrap_or("\n"), rng, &mut out);
    out
}

/// The header a file of `kind` starts with.
pub fn filler_header(kind: FillerKind, rng: &mut impl Rng) -> String {
    let header = match kind {
        FillerKind::Python => PY_HEADER,
        FillerKind::JavaScript => JS_HEADER,
        FillerKind::TypeScript => TS_HEADER,
        FillerKind::Go => GO_HEADER,
        FillerKind::Yaml => YAML_HEADER,
        FillerKind::Dockerfile => DOCKER_HEADER,
        _ => "# §Svc§ §noun§ settings\n",
    };
    let mut out = String::new();
    expand(header, rng, &mut out);
    out
}

/// The path a filler file of `kind` lives at (before de-duplication).
pub fn filler_path(kind: FillerKind, rng: &mut impl Rng) -> String {
    let noun = NOUNS.choose(rng).copied().unwrap_or("order");
    let verb = VERBS.choose(rng).copied().unwrap_or("sync");
    let svc = SERVICES.choose(rng).copied().unwrap_or("orders");
    match kind {
        FillerKind::Python => format!("services/{svc}/{svc}/{noun}_{verb}.py"),
        FillerKind::JavaScript => format!("web/{svc}-portal/src/api/{noun}{}.js", capitalize(verb)),
        FillerKind::TypeScript => {
            format!(
                "web/{svc}-dashboard/src/components/{}{}.tsx",
                capitalize(noun),
                capitalize(verb)
            )
        }
        FillerKind::Go => format!("go/internal/{noun}/{verb}.go"),
        FillerKind::Yaml => format!("deploy/k8s/{svc}/{noun}-{verb}.yaml"),
        FillerKind::Json => format!("config/{svc}/{noun}.features.json"),
        FillerKind::Markdown => format!("docs/{svc}/{noun}-{verb}.md"),
        FillerKind::Dockerfile => format!("docker/{svc}/{noun}.Dockerfile"),
        FillerKind::Terraform => format!("infra/terraform/{svc}/{noun}_{verb}.tf"),
    }
}

/// Harmless `NAME`/value settings to put between planted secrets, some with
/// secret-sounding names and obviously non-secret values.
pub const FILLER_SETTINGS: &[(&str, &str)] = &[
    ("LOG_LEVEL", "info"),
    ("PORT", "8080"),
    ("AWS_REGION", "eu-west-1"),
    ("WORKERS", "4"),
    ("TIMEOUT_SECONDS", "30"),
    ("SENTRY_ENVIRONMENT", "production"),
    ("OTEL_SERVICE_NAME", "orders-api"),
    ("TOKEN_CACHE_TTL", "300"),
    ("PASSWORD_MIN_LENGTH", "12"),
    ("SECRET_STORE", "vault"),
    ("KEY_ROTATION_DAYS", "90"),
    ("AUTH_PROVIDER", "oidc"),
    ("FEATURE_FLAGS", "checkout,search"),
    ("NODE_ENV", "production"),
];

/// Hands out filler settings with names unique within one file (YAML mappings and
/// JSON objects must not repeat a key).
pub struct Settings {
    start: usize,
    next: usize,
}

impl Settings {
    pub fn new(rng: &mut impl Rng) -> Self {
        Settings {
            start: rng.random_range(0..FILLER_SETTINGS.len()),
            next: 0,
        }
    }

    pub fn take(&mut self) -> (String, &'static str) {
        let len = FILLER_SETTINGS.len();
        let (name, value) = FILLER_SETTINGS
            .get((self.start + self.next) % len)
            .copied()
            .unwrap_or(("LOG_LEVEL", "info"));
        let round = self.next / len;
        self.next += 1;
        if round == 0 {
            (name.to_string(), value)
        } else {
            (format!("{name}_{}", round + 1), value)
        }
    }
}
