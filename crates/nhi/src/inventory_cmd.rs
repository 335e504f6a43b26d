//! `nhi import`, `nhi inventory`, `nhi show` and `nhi graph`: platform inventories in
//! the store, correlated on read with what scans found.

use std::collections::BTreeMap;
use std::io::{BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use nhi_graph::{EnvironmentRules, Graph, GraphFormat, IdentityView, InventoryFilter};
use nhi_model::{IdentityKind, LifecycleStatus, Provider};
use nhi_store::InventoryStore;

use crate::cli::{
    GraphArgs, GraphOutput, ImportArgs, InventoryArgs, InventoryOutput, ShowArgs, StoreArgs,
};
use crate::exit;

pub use crate::store::open_store;

/// Loads everything the store holds and correlates it.
pub fn load_graph(store: &StoreArgs) -> Result<Graph> {
    let db = open_store(store.db.as_deref())?;
    Ok(nhi_analysis::load_graph(&*db, environment_rules(store)?)?)
}

/// `--env-rules FILE`, else the defaults.
pub fn environment_rules(store: &StoreArgs) -> Result<EnvironmentRules> {
    Ok(match &store.env_rules {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read environment rules {}", path.display()))?;
            EnvironmentRules::from_toml(&text)
                .with_context(|| format!("environment rules {}", path.display()))?
        }
        None => EnvironmentRules::default(),
    })
}

pub fn import(args: &ImportArgs) -> Result<u8> {
    let mut store = open_store(args.store.db.as_deref())?;
    let mut warned = 0usize;
    let failed = read_exports(
        &args.paths,
        args.quiet,
        &mut |file, label, format, batch| {
            warned += record_import(&mut *store, file, label, format, batch, args.quiet)?;
            Ok(())
        },
    )?;
    if failed > 0 || warned > 0 {
        Ok(exit::INPUT_ERROR)
    } else {
        Ok(exit::CLEAN)
    }
}

/// Reads every export file under `paths` and hands each batch to `sink`, GAADs last
/// (evaluated once every SCP and resource policy of the run is known). Returns how
/// many files could not be read; their errors are printed, the rest still read.
pub fn read_exports(
    paths: &[PathBuf],
    quiet: bool,
    sink: &mut dyn FnMut(&Path, &str, nhi_ingest::Format, nhi_model::InventoryBatch) -> Result<()>,
) -> Result<usize> {
    let mut files = Vec::new();
    for path in paths {
        collect_files(path, &mut files)
            .with_context(|| format!("cannot read {}", path.display()))?;
    }
    if files.is_empty() {
        bail!("no .json or .csv files under the given paths");
    }
    let mut failed = 0usize;
    let mut run = nhi_ingest::ImportRun::default();
    let mut deferred: BTreeMap<String, std::path::PathBuf> = BTreeMap::new();
    for file in &files {
        let label = file.to_string_lossy().replace('\\', "/");
        let bytes = match std::fs::read(file) {
            Ok(bytes) => bytes,
            Err(e) => {
                eprintln!("nhi: error: {label}: cannot read: {e}");
                failed += 1;
                continue;
            }
        };
        let read = match run.read(&label, &bytes) {
            Ok(read) => read,
            Err(e) => {
                eprintln!("nhi: error: {e}");
                failed += 1;
                continue;
            }
        };
        drop(bytes);
        match read {
            nhi_ingest::Read::Batch(format, batch) | nhi_ingest::Read::Context(format, batch) => {
                sink(file, &label, format, batch)?;
            }
            // Evaluated below, once every SCP and resource policy is known.
            nhi_ingest::Read::Deferred(_) => {
                deferred.insert(label, file.clone());
            }
        }
    }
    if run.unused_context() && !quiet {
        eprintln!(
            "nhi: note: SCP and resource-policy files shape the evaluation of a GAAD \
             imported in the same run; this run had none, so they were not used"
        );
    }
    for (label, format, batch) in run.finish() {
        let file = deferred
            .get(&label)
            .cloned()
            .unwrap_or_else(|| label.clone().into());
        sink(&file, &label, format, batch)?;
    }
    Ok(failed)
}

/// The inventory of export files read without a store: each file becomes a collection
/// and the collections are merged in origin order, exactly as `nhi import` followed by
/// a read of the store would merge them. Returns it with the number of files that could
/// not be read plus the number of warnings (printed unless `quiet`).
pub(crate) fn inventory_of_exports(
    paths: &[PathBuf],
    quiet: bool,
) -> Result<(nhi_model::Inventory, usize)> {
    let mut collections: BTreeMap<String, nhi_model::Inventory> = BTreeMap::new();
    let mut warned = 0usize;
    let failed = read_exports(paths, quiet, &mut |file, _label, _format, batch| {
        warned += print_warnings(&batch, quiet);
        let mut inventory = nhi_model::Inventory::default();
        inventory.merge(batch);
        inventory.normalize();
        collections.insert(origin_of(file), inventory);
        Ok(())
    })?;
    if collections.len() == 1 {
        // One file: its collection, already merged and normalised, is the inventory.
        if let Some((_, only)) = collections.pop_first() {
            return Ok((only, failed + warned));
        }
    }
    let mut merged = nhi_model::Inventory::default();
    for (_, collection) in collections {
        merged.merge(collection.into());
    }
    merged.normalize();
    Ok((merged, failed + warned))
}

/// The store's origin of an imported file: its absolute path, so that importing it
/// again replaces it.
fn origin_of(file: &Path) -> String {
    format!(
        "import:{}",
        std::path::absolute(file)
            .unwrap_or_else(|_| file.to_path_buf())
            .to_string_lossy()
    )
}

fn print_warnings(batch: &nhi_model::InventoryBatch, quiet: bool) -> usize {
    if !quiet {
        for warning in &batch.warnings {
            eprintln!(
                "nhi: warning: {}: {}: {}",
                warning.file, warning.position, warning.message
            );
        }
    }
    batch.warnings.len()
}

/// Records one imported file as its own collection; returns how many warnings it had.
fn record_import(
    store: &mut dyn InventoryStore,
    file: &std::path::Path,
    label: &str,
    format: nhi_ingest::Format,
    batch: nhi_model::InventoryBatch,
    quiet: bool,
) -> Result<usize> {
    let warned = print_warnings(&batch, quiet);
    let mut inventory = nhi_model::Inventory::default();
    let (identities, credentials) = (batch.identities.len(), batch.credentials.len());
    inventory.merge(batch);
    inventory.normalize();
    let origin = origin_of(file);
    store
        .record_inventory(&origin, jiff::Timestamp::now(), &inventory)
        .with_context(|| format!("cannot record {label} in the store"))?;
    if !quiet {
        eprintln!(
            "nhi: {label}: {} ({}): {identities} identities, {credentials} credentials",
            format.command, format.family
        );
    }
    Ok(warned)
}

/// Files given directly are read whatever their name; directories contribute their
/// `.json` and `.csv` files, recursively, in name order.
fn collect_files(path: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    if !path.is_dir() {
        // A missing file is reported by the read, with the others still imported.
        out.push(path.to_path_buf());
        return Ok(());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(path)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for entry in entries {
        if entry.is_dir() {
            collect_files(&entry, out)?;
        } else if looks_like_export_file(&entry) {
            out.push(entry);
        }
    }
    Ok(())
}

fn looks_like_export_file(path: &Path) -> bool {
    matches!(
        path.extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref(),
        Some("json" | "csv")
    )
}

fn filter_of(args: &InventoryArgs) -> Result<InventoryFilter> {
    let provider = args
        .provider
        .as_deref()
        .map(|p| p.parse::<Provider>())
        .transpose()
        .map_err(|e| anyhow::anyhow!("--provider: {e}"))?;
    let kind = args
        .kind
        .as_deref()
        .map(|k| k.parse::<IdentityKind>())
        .transpose()
        .map_err(|e| anyhow::anyhow!("--kind: {e}"))?;
    let status = args
        .status
        .as_deref()
        .map(|s| s.parse::<LifecycleStatus>())
        .transpose()
        .map_err(|e| anyhow::anyhow!("--status: {e}"))?;
    Ok(InventoryFilter {
        provider,
        kind,
        environment: args.env.clone(),
        owner: args.owner.clone(),
        status,
        include_people: args.include_people,
        include_stubs: args.include_stubs,
    })
}

/// An identity with its risk, as the JSON formats print it.
#[derive(serde::Serialize)]
struct ScoredView<'a> {
    #[serde(flatten)]
    view: &'a IdentityView,
    privilege_tier: &'a str,
    risk_score: Option<u32>,
    risk_tier: Option<&'static str>,
    risk_factors: &'a [nhi_assess::RiskFactor],
}

fn scored<'a>(
    view: &'a IdentityView,
    risks: &'a BTreeMap<String, nhi_assess::Risk>,
) -> ScoredView<'a> {
    let risk = risks.get(&view.identity.id);
    ScoredView {
        view,
        privilege_tier: risk.map_or("unassessed", |r| r.privilege_tier.as_str()),
        risk_score: risk.map(|r| r.score),
        risk_tier: risk.map(|r| r.tier),
        risk_factors: risk.map_or(&[], |r| r.factors.as_slice()),
    }
}

/// Risk for every identity: findings at the current time under the policy, scored.
fn risks_of(graph: &Graph, store: &StoreArgs) -> Result<BTreeMap<String, nhi_assess::Risk>> {
    let policy = crate::findings_cmd::load_policy(store.policy.as_deref())?;
    let activity = crate::monitor_cmd::observed_activity(store)?;
    let findings =
        nhi_assess::assess_with_activity(graph, &policy, jiff::Timestamp::now(), &activity);
    Ok(nhi_assess::score(graph, &findings, &policy))
}

pub fn inventory(args: &InventoryArgs) -> Result<u8> {
    let filter = filter_of(args)?;
    let graph = load_graph(&args.store)?;
    let risks = risks_of(&graph, &args.store)?;
    let views = nhi_graph::identity_views(&graph, &filter);
    write_to(args.output.as_deref(), |out| match args.format {
        InventoryOutput::Json => {
            let rows: Vec<ScoredView<'_>> = views.iter().map(|v| scored(v, &risks)).collect();
            serde_json::to_writer_pretty(&mut *out, &rows)?;
            writeln!(out)?;
            Ok(())
        }
        InventoryOutput::Jsonl => {
            for view in &views {
                serde_json::to_writer(&mut *out, &scored(view, &risks))?;
                writeln!(out)?;
            }
            Ok(())
        }
        InventoryOutput::Csv => write_csv(out, &views, &risks),
        InventoryOutput::Table => write_table(out, &views, &graph, &risks),
    })?;
    Ok(exit::CLEAN)
}

pub fn show(args: &ShowArgs) -> Result<u8> {
    let graph = load_graph(&args.store)?;
    let risks = risks_of(&graph, &args.store)?;
    let Some(view) = graph.show(&args.id) else {
        bail!(
            "no identity or credential matches {:?} (try an ID, ARN, email, app ID, name or access key ID from `nhi inventory`)",
            args.id
        );
    };
    write_to(None, |out| match args.format {
        InventoryOutput::Json | InventoryOutput::Jsonl => {
            serde_json::to_writer_pretty(&mut *out, &scored(&view, &risks))?;
            writeln!(out)?;
            Ok(())
        }
        InventoryOutput::Table | InventoryOutput::Csv => {
            write_show(out, &view, &graph, risks.get(&view.identity.id))
        }
    })?;
    Ok(exit::CLEAN)
}

pub fn graph(args: &GraphArgs) -> Result<u8> {
    let graph = load_graph(&args.store)?;
    let format = match args.format {
        GraphOutput::Dot => GraphFormat::Dot,
        GraphOutput::Json => GraphFormat::Json,
        GraphOutput::Opengraph => GraphFormat::OpenGraph,
    };
    let text = nhi_graph::render_graph(&graph, format);
    write_to(args.output.as_deref(), |out| {
        out.write_all(text.as_bytes())?;
        if !text.ends_with('\n') {
            writeln!(out)?;
        }
        Ok(())
    })?;
    Ok(exit::CLEAN)
}

fn write_to(path: Option<&Path>, body: impl FnOnce(&mut dyn Write) -> Result<()>) -> Result<()> {
    match path {
        Some(path) => {
            let file = std::fs::File::create(path)
                .with_context(|| format!("cannot write {}", path.display()))?;
            let mut out = BufWriter::new(file);
            body(&mut out)?;
            out.flush()?;
        }
        None => {
            let stdout = std::io::stdout();
            let mut out = BufWriter::new(stdout.lock());
            body(&mut out)?;
            out.flush()?;
        }
    }
    Ok(())
}

fn time(t: Option<jiff::Timestamp>) -> String {
    t.map(|t| t.strftime("%Y-%m-%d").to_string())
        .unwrap_or_else(|| "-".into())
}

/// The newest use of an identity or any of its credentials.
fn last_used(view: &IdentityView) -> Option<jiff::Timestamp> {
    view.credentials
        .iter()
        .filter_map(|c| c.last_used)
        .chain(view.identity.last_used)
        .max()
}

fn sightings(view: &IdentityView) -> usize {
    view.credentials.iter().map(|c| c.sightings.len()).sum()
}

fn write_csv(
    out: &mut dyn Write,
    views: &[IdentityView],
    risks: &BTreeMap<String, nhi_assess::Risk>,
) -> Result<()> {
    let mut csv = csv::Writer::from_writer(out);
    csv.write_record([
        "id",
        "provider",
        "kind",
        "name",
        "external_id",
        "account",
        "environment",
        "owners",
        "status",
        "created",
        "last_used",
        "credentials",
        "code_sightings",
        "privilege_tier",
        "risk_score",
        "risk_tier",
    ])?;
    for view in views {
        let identity = &view.identity;
        csv.write_record([
            identity.id.as_str(),
            identity.provider.as_str(),
            identity.kind.as_str(),
            identity.name.as_str(),
            identity.external_id.as_deref().unwrap_or(""),
            identity.account.as_deref().unwrap_or(""),
            identity.environment.as_deref().unwrap_or(""),
            &identity.owners.join(" "),
            identity.status.as_str(),
            &identity.created.map(|t| t.to_string()).unwrap_or_default(),
            &last_used(view).map(|t| t.to_string()).unwrap_or_default(),
            &view.credentials.len().to_string(),
            &sightings(view).to_string(),
            risks
                .get(&identity.id)
                .map_or("unassessed", |r| r.privilege_tier.as_str()),
            &risks
                .get(&identity.id)
                .map(|r| r.score.to_string())
                .unwrap_or_default(),
            risks.get(&identity.id).map_or("", |r| r.tier),
        ])?;
    }
    csv.flush()?;
    Ok(())
}

fn write_table(
    out: &mut dyn Write,
    views: &[IdentityView],
    graph: &Graph,
    risks: &BTreeMap<String, nhi_assess::Risk>,
) -> Result<()> {
    let mut table = comfy_table::Table::new();
    table.load_preset(comfy_table::presets::NOTHING);
    if std::io::stdout().is_terminal() {
        table.set_content_arrangement(comfy_table::ContentArrangement::Dynamic);
    }
    table.set_header([
        "PROVIDER",
        "KIND",
        "NAME",
        "ACCOUNT",
        "ENV",
        "STATUS",
        "OWNERS",
        "CREDS",
        "IN CODE",
        "LAST USED",
        "RISK",
    ]);
    for view in views {
        let identity = &view.identity;
        let mut owners = identity.owners.join(", ");
        if identity.attributes.contains_key("owners_offboarded") {
            owners.push_str(" (left)");
        }
        if owners.is_empty() {
            owners = "-".into();
        }
        table.add_row([
            identity.provider.as_str().to_string(),
            identity.kind.as_str().to_string(),
            identity.name.clone(),
            identity.account.clone().unwrap_or_else(|| "-".into()),
            identity.environment.clone().unwrap_or_else(|| "-".into()),
            identity.status.as_str().to_string(),
            owners,
            view.credentials.len().to_string(),
            match sightings(view) {
                0 => "-".to_string(),
                n => n.to_string(),
            },
            time(last_used(view)),
            risks
                .get(&identity.id)
                .map(|r| format!("{} {}", r.score, r.tier))
                .unwrap_or_else(|| "-".into()),
        ]);
    }
    writeln!(out, "{table}")?;
    let shared = graph
        .reuse
        .iter()
        .filter(|r| r.kind == "shared_credential")
        .count();
    let mixing = graph.reuse.len() - shared;
    writeln!(
        out,
        "\n{} identities; {} links; {shared} shared credentials (NHI9), {mixing} environment mixes (NHI8). `nhi show NAME` for one.",
        views.len(),
        graph.inventory.links.len(),
    )?;
    Ok(())
}

fn write_show(
    out: &mut dyn Write,
    view: &IdentityView,
    graph: &Graph,
    risk: Option<&nhi_assess::Risk>,
) -> Result<()> {
    let identity = &view.identity;
    writeln!(out, "{}", identity.name)?;
    let mut field = |label: &str, value: &str| -> std::io::Result<()> {
        if !value.is_empty() {
            writeln!(out, "  {label:<17} {value}")?;
        }
        Ok(())
    };
    field("id", &identity.id)?;
    field("provider", identity.provider.as_str())?;
    field("kind", identity.kind.as_str())?;
    field("external id", identity.external_id.as_deref().unwrap_or(""))?;
    field("account", identity.account.as_deref().unwrap_or(""))?;
    field("environment", identity.environment.as_deref().unwrap_or(""))?;
    field("status", identity.status.as_str())?;
    field("owners", &identity.owners.join(", "))?;
    field(
        "created",
        &identity.created.map(|t| t.to_string()).unwrap_or_default(),
    )?;
    field(
        "last used",
        &last_used(view).map(|t| t.to_string()).unwrap_or_default(),
    )?;
    for (key, value) in &identity.tags {
        field("tag", &format!("{key}={value}"))?;
    }
    for (key, value) in &identity.attributes {
        // Trust policies are long JSON; the links below say what they admit.
        if key != "trust_policy" {
            field(key, value)?;
        }
    }
    for provenance in &identity.provenance {
        field(
            "source",
            &format!(
                "{} {} {}",
                provenance.source, provenance.file, provenance.position
            ),
        )?;
    }

    if let Some(risk) = risk {
        writeln!(
            out,
            "\nrisk {} ({}), privilege tier {}",
            risk.score, risk.tier, risk.privilege_tier
        )?;
        for factor in &risk.factors {
            writeln!(
                out,
                "  +{:<3} {:<10} {}: {}",
                factor.points, factor.kind, factor.name, factor.why
            )?;
        }
    }

    writeln!(out, "\ncredentials ({})", view.credentials.len())?;
    for credential in &view.credentials {
        writeln!(
            out,
            "  {} [{}] {}  status {}  created {}  last used {}{}",
            credential.id,
            credential.kind,
            credential
                .preview
                .as_ref()
                .map(|p| p.as_str().to_string())
                .or_else(|| credential.external_id.clone())
                .unwrap_or_default(),
            credential.status,
            time(credential.created),
            time(credential.last_used),
            credential
                .expires
                .map(|t| format!("  expires {}", time(Some(t))))
                .unwrap_or_default(),
        )?;
        if let Some(matched) = &credential.matched {
            writeln!(
                out,
                "    matched in code ({} confidence): {}",
                matched.confidence, matched.evidence
            )?;
        }
        for sighting in &credential.sightings {
            let place = match &sighting.commit {
                Some(commit) => format!(
                    "{}:{} (history, commit {})",
                    sighting.path,
                    sighting.line,
                    &commit[..commit.len().min(12)]
                ),
                None => format!("{}:{}", sighting.path, sighting.line),
            };
            if sighting.root.is_empty() {
                writeln!(out, "    seen at {place}")?;
            } else {
                writeln!(
                    out,
                    "    seen at {}/{place}",
                    sighting.root.trim_end_matches('/')
                )?;
            }
        }
        for user in &credential.used_by {
            writeln!(out, "    used by {user}")?;
        }
    }

    if !view.grants.is_empty() {
        writeln!(out, "\ngrants ({})", view.grants.len())?;
        for grant in &view.grants {
            let mut line = format!("  {} {} on {}", grant.kind, grant.role, grant.scope);
            if let Some(via) = &grant.via {
                line.push_str(&format!(" via {via}"));
            }
            if let Some(condition) = &grant.condition {
                line.push_str(&format!(" if {condition}"));
            }
            writeln!(out, "{line}")?;
        }
    }
    if !view.links.is_empty() {
        writeln!(out, "\nlinks ({})", view.links.len())?;
        for link in &view.links {
            let (direction, other) = if link.from == identity.id {
                ("->", &link.to)
            } else {
                ("<-", &link.from)
            };
            let other_name = graph
                .inventory
                .identities
                .get(other)
                .map(|i| i.name.as_str())
                .unwrap_or(other.as_str());
            writeln!(
                out,
                "  {direction} {} {other_name} ({} confidence): {}",
                link.kind, link.confidence, link.evidence
            )?;
        }
    }
    if !view.reuse.is_empty() {
        writeln!(out, "\nreuse")?;
        for reuse in &view.reuse {
            let risk = if reuse.kind == "shared_credential" {
                "NHI9"
            } else {
                "NHI8"
            };
            writeln!(out, "  {risk} {}: {}", reuse.kind, reuse.evidence)?;
        }
    }
    Ok(())
}
