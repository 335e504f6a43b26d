//! Turns one analysis of the estate into the index the server pages through: a row per
//! identity (with its whole card as JSON), a row per finding, and a snapshot of the
//! headline numbers for trends.
//!
//! The analysis is the expensive part (load, correlate, assess, score), so it runs when
//! the estate changes (start-up, a collection run, a suppression), not per request.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use jiff::Timestamp;
use nhi_analysis::{Analysis, AnalysisInputs, FindingRow};
use nhi_graph::{EnvironmentRules, IdentityView, InventoryFilter};
use nhi_store::{
    FindingIndexRow, IdentityIndexRow, IdentityQuery, IdentitySort, Page, SnapshotRow, SortValue,
};
use serde::Serialize;

use crate::problem::ApiError;
use crate::state::{AppState, Backend, with_store};

/// Values computed from the identity index that hold for one index generation (the
/// latest snapshot's ID: every index replacement writes a snapshot in the same
/// transaction, whichever server instance made it): list totals per filter, and
/// bookmarks per filter and order. Counting 100,000 identities under a filter costs more
/// than reading a page, and skipping to a deep OFFSET costs as much again; both change
/// only when the index does.
pub struct GenerationCache<V> {
    inner: Mutex<(i64, HashMap<String, V>)>,
    max_entries: usize,
}

impl<V: Clone> GenerationCache<V> {
    pub fn new(max_entries: usize) -> Self {
        GenerationCache {
            inner: Mutex::new((i64::MIN, HashMap::new())),
            max_entries,
        }
    }

    fn get(&self, generation: i64, key: &str) -> Option<V> {
        let inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        (inner.0 == generation)
            .then(|| inner.1.get(key).cloned())
            .flatten()
    }

    /// How many values this generation holds.
    pub fn entries(&self, generation: i64) -> usize {
        let inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if inner.0 == generation {
            inner.1.len()
        } else {
            0
        }
    }

    fn put(&self, generation: i64, key: String, value: V) {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        // A new generation, or a flood of distinct searches: start over rather than grow.
        if inner.0 != generation || inner.1.len() >= self.max_entries {
            *inner = (generation, HashMap::new());
        }
        inner.1.insert(key, value);
    }
}

/// What the inventory list caches per index generation.
pub struct ListCaches {
    pub totals: GenerationCache<u64>,
    pub bookmarks: GenerationCache<Arc<Vec<Vec<SortValue>>>>,
    /// Held while bookmarks are built: a burst of deep pages in an order not yet marked
    /// waits for one pass over the index instead of making one each.
    bookmark_build: Mutex<()>,
}

impl Default for ListCaches {
    fn default() -> Self {
        ListCaches {
            totals: GenerationCache::new(4_096),
            bookmarks: GenerationCache::new(256),
            bookmark_build: Mutex::new(()),
        }
    }
}

/// A bookmark every this many rows: a deep page skips fewer than this many index
/// entries after its seek.
const BOOKMARK_EVERY: usize = 500;

fn filter_key(query: &IdentityQuery) -> String {
    let part = |v: &Option<String>| v.as_deref().unwrap_or("\u{0}").to_string();
    [
        part(&query.provider),
        part(&query.kind),
        part(&query.risk_tier),
        part(&query.privilege_tier),
        part(&query.owner),
        part(&query.search),
    ]
    .join("\u{1}")
}

impl ListCaches {
    /// The bookmarks of `query`'s filter and order in this index generation, built by
    /// one pass over the order's covering index on first use.
    fn bookmarks(
        &self,
        store: &dyn Backend,
        generation: i64,
        query: &IdentityQuery,
    ) -> Result<Arc<Vec<Vec<SortValue>>>, ApiError> {
        let order = format!(
            "{}\u{2}{}\u{2}{}",
            filter_key(query),
            query.sort.as_str(),
            query.descending
        );
        if let Some(marks) = self.bookmarks.get(generation, &order) {
            return Ok(marks);
        }
        let _building = self
            .bookmark_build
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        // Another request may have built them while this one waited.
        if let Some(marks) = self.bookmarks.get(generation, &order) {
            return Ok(marks);
        }
        let marks = Arc::new(store.identity_bookmarks(query, BOOKMARK_EVERY)?);
        self.bookmarks.put(generation, order, Arc::clone(&marks));
        Ok(marks)
    }

    /// One page of the inventory: its total from the cache when this index generation
    /// has counted the same filter before, and a deep page resumed from the nearest
    /// bookmark.
    pub fn page(
        &self,
        store: &dyn Backend,
        query: &IdentityQuery,
    ) -> Result<Page<IdentityIndexRow>, ApiError> {
        let generation = store.snapshots(1)?.first().map_or(0, |s| s.id);
        let filter = filter_key(query);
        let known_total = self.totals.get(generation, &filter);
        let mut paged = IdentityQuery {
            known_total,
            ..query.clone()
        };
        let block = query.offset / BOOKMARK_EVERY;
        // A page past the end needs no bookmark: the store answers it from the total.
        let past_end = known_total.is_some_and(|total| query.offset as u64 >= total);
        if block > 0 && !past_end {
            let marks = self.bookmarks(store, generation, query)?;
            // Bookmark k is the row at position (k + 1) * EVERY - 1. Past the last one
            // (a filtered list shorter than the offset), seek from the last: the store
            // then finds the end within EVERY rows.
            let mark = block.min(marks.len());
            if mark > 0 {
                paged.after = Some(marks[mark - 1].clone());
                paged.offset = query.offset - mark * BOOKMARK_EVERY;
            }
        }
        let page = store.identity_page(&paged)?;
        if known_total.is_none() {
            self.totals.put(generation, filter, page.total);
        }
        Ok(page)
    }

    /// Counts the unfiltered inventory and marks every order of it both ways, right
    /// after an index replacement, so the first visitors of a new analysis do not pay
    /// for those passes (a filtered list still builds its own on first use).
    pub fn warm(&self, store: &dyn Backend) -> Result<(), ApiError> {
        for sort in IdentitySort::ALL {
            for descending in [false, true] {
                // A deep offset builds the bookmarks; the page itself is one row.
                self.page(
                    store,
                    &IdentityQuery {
                        sort,
                        descending,
                        limit: 1,
                        offset: BOOKMARK_EVERY,
                        ..IdentityQuery::default()
                    },
                )?;
            }
        }
        Ok(())
    }
}

/// [`ListCaches::page`] on a pooled connection.
pub async fn identity_page(
    state: &Arc<AppState>,
    query: IdentityQuery,
) -> Result<Page<IdentityIndexRow>, ApiError> {
    let caches = Arc::clone(state);
    with_store(state, move |store| caches.list_caches.page(store, &query)).await
}

/// Where the analysis gets its policy and environment rules.
#[derive(Debug, Clone, Default)]
pub struct AnalysisConfig {
    pub policy: Option<PathBuf>,
    pub env_rules: Option<PathBuf>,
}

impl AnalysisConfig {
    pub fn policy(&self) -> Result<nhi_policy::Policy, ApiError> {
        match &self.policy {
            None => Ok(nhi_policy::Policy::default()),
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| {
                    ApiError::internal(format!("cannot read {}: {e}", path.display()))
                })?;
                nhi_policy::Policy::from_toml(&path.display().to_string(), &text)
                    .map_err(ApiError::internal)
            }
        }
    }

    fn environments(&self) -> Result<EnvironmentRules, ApiError> {
        match &self.env_rules {
            None => Ok(EnvironmentRules::default()),
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| {
                    ApiError::internal(format!("cannot read {}: {e}", path.display()))
                })?;
                EnvironmentRules::from_toml(&text).map_err(ApiError::internal)
            }
        }
    }

    /// Analyses the store's estate now.
    pub fn analyse(&self, store: &dyn Backend) -> Result<Analysis, ApiError> {
        let policy = self.policy()?;
        let now = Timestamp::now();
        // Observed activity (for unused-permission findings) comes from the monitor's
        // state; the CLI's `nhi findings` adds it, the server does not yet.
        let activity = BTreeMap::new();
        Ok(nhi_analysis::analyse(
            store,
            AnalysisInputs {
                policy: &policy,
                environments: self.environments()?,
                activity: &activity,
                now,
                today: jiff::Zoned::now().date(),
            },
        )?)
    }
}

/// The identity card stored with each index row: what the identity page and
/// `GET /api/v1/identities/{id}` show.
#[derive(Serialize)]
pub struct IdentityCard<'a> {
    #[serde(flatten)]
    pub view: &'a IdentityView,
    pub risk: Option<&'a nhi_assess::Risk>,
    pub findings: Vec<&'a FindingRow>,
}

/// Counts for the overview and the trend chart.
#[derive(Debug, Default, Serialize, serde::Deserialize)]
pub struct Summary {
    pub by_provider: BTreeMap<String, u64>,
    pub by_risk_tier: BTreeMap<String, u64>,
    pub by_provider_tier: BTreeMap<String, BTreeMap<String, u64>>,
    pub by_owasp: BTreeMap<String, u64>,
    pub by_severity: BTreeMap<String, u64>,
    /// Credentials past their rotation limit, oldest first (at most 20).
    pub rotation_due: Vec<RotationDue>,
}

#[derive(Debug, Serialize, serde::Deserialize)]
pub struct RotationDue {
    pub identity: String,
    pub identity_name: String,
    pub credential: String,
    pub due: String,
    pub days_overdue: i64,
}

fn last_used(view: &IdentityView) -> Option<Timestamp> {
    view.credentials
        .iter()
        .filter_map(|c| c.last_used)
        .chain(view.identity.last_used)
        .max()
}

/// Builds the index rows of `analysis` and writes them in one transaction.
pub fn rebuild(store: &mut dyn Backend, config: &AnalysisConfig) -> Result<SnapshotRow, ApiError> {
    let analysis = config.analyse(store)?;
    let policy = config.policy()?;
    let (identities, findings, snapshot) = rows_of(&analysis, &policy)?;
    store.replace_index(&identities, &findings, &snapshot)?;
    Ok(snapshot)
}

pub fn rows_of(
    analysis: &Analysis,
    policy: &nhi_policy::Policy,
) -> Result<(Vec<IdentityIndexRow>, Vec<FindingIndexRow>, SnapshotRow), ApiError> {
    let views = nhi_graph::identity_views(&analysis.graph, &InventoryFilter::default());
    let mut summary = Summary::default();
    let mut identities = Vec::with_capacity(views.len());
    let mut credentials = 0u64;
    let now = analysis.at;
    let by_subject = nhi_analysis::report::FindingsBySubject::new(&analysis.findings);
    for view in &views {
        let risk = analysis.risks.get(&view.identity.id);
        let subjects: BTreeSet<String> = nhi_analysis::report::identity_subjects(view);
        let findings: Vec<&FindingRow> = by_subject.about(&subjects);
        let identity = &view.identity;
        let risk_tier = risk.map_or("unassessed", |r| r.tier).to_string();
        *summary
            .by_provider
            .entry(identity.provider.to_string())
            .or_default() += 1;
        *summary.by_risk_tier.entry(risk_tier.clone()).or_default() += 1;
        *summary
            .by_provider_tier
            .entry(identity.provider.to_string())
            .or_default()
            .entry(risk_tier.clone())
            .or_default() += 1;
        credentials += view.credentials.len() as u64;
        for credential in &view.credentials {
            let Some(born) = credential.last_rotated.or(credential.created) else {
                continue;
            };
            let days = i64::from(policy.thresholds.key_age_days_for(&risk_tier));
            if let Ok(due) = born.checked_add(jiff::SignedDuration::from_hours(24 * days))
                && due < now
                && credential.status != "inactive"
            {
                summary.rotation_due.push(RotationDue {
                    identity: identity.id.clone(),
                    identity_name: identity.name.clone(),
                    credential: credential
                        .external_id
                        .clone()
                        .or_else(|| credential.preview.as_ref().map(|p| p.to_string()))
                        .unwrap_or_else(|| credential.id.clone()),
                    due: due.strftime("%Y-%m-%d").to_string(),
                    days_overdue: (now.as_second() - due.as_second()) / 86_400,
                });
            }
        }
        let card = IdentityCard {
            view,
            risk,
            findings: findings.clone(),
        };
        identities.push(IdentityIndexRow {
            id: identity.id.clone(),
            provider: identity.provider.to_string(),
            kind: identity.kind.to_string(),
            name: identity.name.clone(),
            display: identity
                .external_id
                .clone()
                .unwrap_or_else(|| identity.name.clone()),
            environment: identity.environment.clone().unwrap_or_default(),
            owner: identity.owners.first().cloned().unwrap_or_default(),
            privilege_tier: risk
                .map_or("unassessed", |r| r.privilege_tier.as_str())
                .to_string(),
            risk_score: risk.map_or(0, |r| r.score),
            risk_tier,
            status: identity.status.to_string(),
            last_used: last_used(view),
            credentials: u32::try_from(view.credentials.len()).unwrap_or(u32::MAX),
            findings_open: u32::try_from(findings.iter().filter(|f| f.is_open()).count())
                .unwrap_or(u32::MAX),
            body: serde_json::to_string(&card).map_err(ApiError::internal)?,
        });
    }
    summary
        .rotation_due
        .sort_by_key(|r| std::cmp::Reverse(r.days_overdue));
    summary.rotation_due.truncate(20);

    let mut findings = Vec::with_capacity(analysis.findings.len());
    let mut open = 0u64;
    for row in &analysis.findings {
        let status = if row.is_open() { "open" } else { "suppressed" };
        if row.is_open() {
            open += 1;
            *summary.by_owasp.entry(row.owasp.to_string()).or_default() += 1;
            *summary
                .by_severity
                .entry(row.severity.to_string())
                .or_default() += 1;
        }
        findings.push(FindingIndexRow {
            id: row.id.clone(),
            source: row.source.to_string(),
            rule: row.rule.clone(),
            title: row.title.clone(),
            severity: row.severity,
            owasp: row.owasp.to_string(),
            subject: row.subject.clone(),
            subject_name: row.subject_name.clone(),
            status: status.to_string(),
            body: serde_json::to_string(row).map_err(ApiError::internal)?,
        });
    }
    let snapshot = SnapshotRow {
        id: 0,
        built_at: now,
        identities: identities.len() as u64,
        credentials,
        findings_open: open,
        summary: serde_json::to_string(&summary).map_err(ApiError::internal)?,
    };
    Ok((identities, findings, snapshot))
}
