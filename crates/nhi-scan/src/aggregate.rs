//! Folding hits into credentials and findings: the same secret found anywhere is one
//! credential with many sightings, and one finding per credential.

use std::collections::{BTreeMap, HashMap};

use nhi_model::{
    Credential, CredentialId, CredentialKind, CredentialStatus, Evidence, Finding, FindingId,
    Fingerprint, Preview, ScanSummary, Sighting, SkipReason, SourceKind,
};
use nhi_rules::{Rule, RuleSet};

use crate::{Hit, Suppressions};

struct Group {
    rule_index: usize,
    preview: Preview,
    external_id: Option<String>,
    attributes: BTreeMap<String, String>,
    /// Keyed by place, so a raw and a decoded match on the same line count once.
    sightings: BTreeMap<Place, Sighting>,
    /// Places where only the credential's identifier (not the secret) was seen; listed
    /// after the secret's own sightings so the primary location is always the secret.
    identifier_sightings: BTreeMap<Place, Sighting>,
}

/// Ranks rules when two fire on one secret: the more specific (higher confidence, then
/// higher severity) wins, so a GitHub PAT is not reported as a "generic secret".
fn rank(rule: &Rule) -> (nhi_model::Confidence, nhi_model::Severity) {
    (rule.confidence, rule.severity)
}

/// Decoded sources say more about where a secret hides than the raw file does.
fn source_rank(source: SourceKind) -> u8 {
    match source {
        SourceKind::File | SourceKind::GitHistory => 0,
        _ => 1,
    }
}

pub(crate) fn aggregate(
    rules: &RuleSet,
    fingerprinter: &nhi_fingerprint::Fingerprinter,
    hits: Vec<Hit>,
    suppressions: &Suppressions,
    summary: &mut ScanSummary,
) -> (Vec<Credential>, Vec<Finding>, u64) {
    let mut suppressed = 0u64;
    let mut groups: HashMap<Fingerprint, Group> = HashMap::new();
    for hit in hits {
        let Some(rule) = rules.rules().get(hit.rule_index) else {
            continue;
        };
        if suppressions.sighting_suppressed(&rule.id, &hit.sighting.path) {
            suppressed += 1;
            continue;
        }
        let group = groups.entry(hit.fingerprint).or_insert_with(|| Group {
            rule_index: hit.rule_index,
            preview: hit.preview.clone(),
            external_id: None,
            attributes: BTreeMap::new(),
            sightings: BTreeMap::new(),
            identifier_sightings: BTreeMap::new(),
        });
        let current = &rules.rules()[group.rule_index];
        if rank(rule) > rank(current) {
            group.rule_index = hit.rule_index;
            group.preview = hit.preview.clone();
        }
        if group.external_id.is_none() {
            group.external_id = hit.external_id;
        }
        for (k, v) in hit.attributes {
            group.attributes.entry(k).or_insert(v);
        }
        let key = (
            hit.sighting.root.clone(),
            hit.sighting.path.clone(),
            hit.sighting.line,
            hit.sighting.commit.clone(),
        );
        match group.sightings.get(&key) {
            Some(existing) if source_rank(existing.source) >= source_rank(hit.sighting.source) => {}
            _ => {
                group.sightings.insert(key, hit.sighting);
            }
        }
    }

    fold_identifier_sightings(rules, fingerprinter, &mut groups);
    drop_generic_shadows(rules, &mut groups);

    let mut credentials = Vec::with_capacity(groups.len());
    let mut findings = Vec::with_capacity(groups.len());
    for (fingerprint, group) in groups {
        let rule = &rules.rules()[group.rule_index];
        let history_only = group.sightings.values().all(|s| s.commit.is_some());
        let identifier_only: Vec<Sighting> = group
            .identifier_sightings
            .into_iter()
            .filter(|(place, _)| !group.sightings.contains_key(place))
            .map(|(_, s)| s)
            .collect();
        let identifier_places = identifier_only.len();
        let mut sightings = sorted_sightings(group.sightings.into_values().collect());
        sightings.extend(sorted_sightings(identifier_only));
        let status = if history_only {
            CredentialStatus::HistoryOnly
        } else {
            CredentialStatus::Active
        };
        let finding_id = FindingId::new(&rule.id, &fingerprint);
        let credential = Credential {
            id: CredentialId::for_fingerprint(&fingerprint),
            fingerprint: fingerprint.clone(),
            kind: rule.kind,
            provider: rule.provider,
            preview: group.preview.clone(),
            external_id: group.external_id.clone(),
            attributes: group.attributes.clone(),
            status,
            sightings: sightings.clone(),
        };
        credentials.push(credential);
        if suppressions.finding_suppressed(finding_id.as_str(), fingerprint.as_str()) {
            suppressed += 1;
            *summary.skipped.entry(SkipReason::Suppressed).or_default() += 1;
            continue;
        }
        findings.push(Finding {
            id: finding_id,
            rule: rule.id.clone(),
            title: rule.title.clone(),
            severity: rule.severity,
            confidence: rule.confidence,
            owasp: rule.owasp,
            provider: rule.provider,
            kind: rule.kind,
            evidence: evidence(
                rule,
                &group.preview,
                &group.external_id,
                &group.attributes,
                &sightings,
                identifier_places,
                history_only,
            ),
            fix: fix_text(rule, history_only),
            fingerprint,
            preview: group.preview,
            external_id: group.external_id,
            history_only,
            sightings,
            references: nhi_model::reference_ids(rule.owasp),
        });
    }
    credentials.sort_by(|a, b| a.id.cmp(&b.id));
    findings.sort_by(|a, b| {
        fn place(f: &Finding) -> (&str, &str, u32) {
            f.primary_sighting()
                .map(|s| (s.root.as_str(), s.path.as_str(), s.line))
                .unwrap_or_default()
        }
        b.severity
            .cmp(&a.severity)
            .then_with(|| place(a).cmp(&place(b)))
            .then_with(|| a.id.cmp(&b.id))
    });
    (credentials, findings, suppressed)
}

type Place = (String, String, u32, Option<String>);

/// Working tree first (by place), then history oldest first.
fn sorted_sightings(mut sightings: Vec<Sighting>) -> Vec<Sighting> {
    sightings.sort_by(|a, b| {
        (a.commit.is_some(), &a.date, &a.root, &a.path, a.line).cmp(&(
            b.commit.is_some(),
            &b.date,
            &b.root,
            &b.path,
            b.line,
        ))
    });
    sightings
}

/// A lone identifier (an AWS access key ID with no secret beside it) is not a second
/// credential when the full credential it names was found too: its sightings are places
/// that credential leaked its identity, so they join it. Recognised safely: the lone
/// group's fingerprint is the fingerprint of the other group's external ID.
fn fold_identifier_sightings(
    rules: &RuleSet,
    fingerprinter: &nhi_fingerprint::Fingerprinter,
    groups: &mut HashMap<Fingerprint, Group>,
) {
    let owners: Vec<(Fingerprint, Fingerprint)> = groups
        .iter()
        .filter_map(|(fp, group)| {
            let id_fp = fingerprinter.fingerprint(group.external_id.as_deref()?.as_bytes());
            (id_fp != *fp && groups.contains_key(&id_fp)).then(|| (id_fp, fp.clone()))
        })
        .collect();
    for (identifier, owner) in owners {
        let (Some(lone), true) = (groups.remove(&identifier), groups.contains_key(&owner)) else {
            continue;
        };
        if let Some(owner) = groups.get_mut(&owner) {
            let owner_rule = &rules.rules()[owner.rule_index];
            debug_assert!(rank(owner_rule) >= rank(&rules.rules()[lone.rule_index]));
            owner.identifier_sightings.extend(lone.sightings);
        }
    }
}

/// A generic high-entropy match at the very position where a specific rule found a
/// credential (a decoded Kubernetes entry places every hit on its entry) is the same
/// place seen through a worse lens: drop it.
fn drop_generic_shadows(rules: &RuleSet, groups: &mut HashMap<Fingerprint, Group>) {
    let is_generic = |g: &Group| rules.rules()[g.rule_index].kind == CredentialKind::GenericSecret;
    // Exact positions, not lines: a minified config can hold a specific credential and an
    // unrelated generic one on the same line, and the generic one must survive.
    fn position(s: &Sighting) -> (&str, &str, u32, u32, Option<&str>) {
        (
            s.root.as_str(),
            s.path.as_str(),
            s.line,
            s.column,
            s.commit.as_deref(),
        )
    }
    // Found with borrowed positions first (a scan has a sighting per hit, and copying
    // every path into the set was a visible part of the serial tail), removed after.
    let shadowed: Vec<(Fingerprint, Vec<Place>)> = {
        let specific: std::collections::HashSet<_> = groups
            .values()
            .filter(|g| !is_generic(g))
            .flat_map(|g| g.sightings.values().map(position))
            .collect();
        groups
            .iter()
            .filter(|(_, group)| is_generic(group))
            .map(|(fingerprint, group)| {
                let places: Vec<Place> = group
                    .sightings
                    .iter()
                    .filter(|(_, sighting)| specific.contains(&position(sighting)))
                    .map(|(place, _)| place.clone())
                    .collect();
                (fingerprint.clone(), places)
            })
            .filter(|(_, places)| !places.is_empty())
            .collect()
    };
    for (fingerprint, places) in shadowed {
        let Some(group) = groups.get_mut(&fingerprint) else {
            continue;
        };
        for place in &places {
            group.sightings.remove(place);
        }
        if group.sightings.is_empty() {
            groups.remove(&fingerprint);
        }
    }
}

fn evidence(
    rule: &Rule,
    preview: &Preview,
    external_id: &Option<String>,
    attributes: &BTreeMap<String, String>,
    sightings: &[Sighting],
    identifier_places: usize,
    history_only: bool,
) -> Vec<Evidence> {
    let mut out = vec![
        Evidence::new("rule", format!("{} ({})", rule.id, rule.title)),
        Evidence::new("value", format!("{preview} (redacted)")),
    ];
    if let Some(first) = sightings.first() {
        out.push(Evidence::new(
            "location",
            format!("{}:{} ({})", first.path, first.line, first.source),
        ));
    }
    if let Some(first_commit) = sightings
        .iter()
        .filter(|s| s.commit.is_some())
        .min_by(|a, b| a.date.cmp(&b.date))
    {
        out.push(Evidence::new(
            "first commit",
            format!(
                "{} by {} on {}",
                first_commit
                    .commit
                    .as_deref()
                    .map(|c| &c[..c.len().min(12)])
                    .unwrap_or_default(),
                first_commit.author.as_deref().unwrap_or("unknown"),
                first_commit.date.as_deref().unwrap_or("unknown date"),
            ),
        ));
    }
    if sightings.len() > 1 {
        let mut files: Vec<&str> = sightings.iter().map(|s| s.path.as_str()).collect();
        files.sort_unstable();
        files.dedup();
        out.push(Evidence::new(
            "sightings",
            format!("{} places in {} files", sightings.len(), files.len()),
        ));
    }
    if let Some(id) = external_id {
        out.push(Evidence::new("identifier", id.clone()));
    }
    if identifier_places > 0 {
        let mut places: Vec<String> = sightings[sightings.len() - identifier_places..]
            .iter()
            .map(|s| format!("{}:{}", s.path, s.line))
            .collect();
        places.sort();
        places.dedup();
        out.push(Evidence::new("identifier also seen at", places.join(", ")));
    }
    for (key, value) in attributes {
        out.push(Evidence::new(key.clone(), value.clone()));
    }
    if history_only {
        out.push(Evidence::new(
            "history",
            "only in git history: removed from the working tree but still valid until rotated",
        ));
    }
    if rule.kind == CredentialKind::GenericSecret {
        out.push(Evidence::new(
            "confidence",
            "generic high-entropy value in a secret-named variable; confirm before rotating",
        ));
    }
    out
}

fn fix_text(rule: &Rule, history_only: bool) -> String {
    if history_only {
        format!(
            "{} Removing the file did not revoke it: the value stays in every clone of the \
             history. Rotate first; rewrite history (git filter-repo) only after rotation.",
            rule.fix.trim_end()
        )
    } else {
        rule.fix.clone()
    }
}
