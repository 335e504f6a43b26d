//! The detectors: one function per detection, each comparing one event with one
//! identity's baseline (or with nothing, for signatures), plus the baseline update.
//! They never see other identities, which is what makes sharding by identity safe.

use std::collections::BTreeSet;
use std::sync::Arc;

use jiff::Timestamp;
use nhi_model::{ActivityEvent, Severity};

use crate::alert::{self, Alert, Detection};
use crate::baseline::{Baseline, ValueSet, add_seconds, floor_to, hour_of_week};
use crate::classify::{
    arn_account, is_access_denied, is_assume_role, is_browser_family, is_recon,
    is_workload_credential, sensitive_class,
};
use crate::config::{ChangeField, MonitorConfig};
use crate::identity::{NetworkInfo, ResolvedIdentity};
use crate::state::{BurstEntry, IdentityState};

const DAY: i64 = 86_400;

/// Most events one burst window keeps (and one burst alert lists).
const MAX_BURST_ENTRIES: usize = 2_000;

/// Baseline fields a detector can mark as "already alerted on this value".
#[derive(Debug, Clone, Copy)]
pub(crate) enum Field {
    Networks,
    Asns,
    Regions,
    Roles,
    Accounts,
    Classes,
    Services,
    BedrockRegions,
}

pub(crate) fn field_set(baseline: &mut Baseline, field: Field) -> &mut ValueSet {
    match field {
        Field::Networks => &mut baseline.networks,
        Field::Asns => &mut baseline.asns,
        Field::Regions => &mut baseline.regions,
        Field::Roles => &mut baseline.roles_assumed,
        Field::Accounts => &mut baseline.accounts_assumed,
        Field::Classes => &mut baseline.action_classes,
        Field::Services => &mut baseline.services,
        Field::BedrockRegions => &mut baseline.bedrock_regions,
    }
}

/// What the detectors need to know about one event, computed once.
pub(crate) struct EventView<'a> {
    pub(crate) event: &'a ActivityEvent,
    pub(crate) identity: String,
    pub(crate) resolved: Option<ResolvedIdentity>,
    pub(crate) time: Option<Timestamp>,
    pub(crate) late: bool,
    pub(crate) learning: bool,
    /// Shared with the monitor's memo of recent sources (see `engine::Memo`).
    pub(crate) network: Option<Arc<str>>,
    pub(crate) network_info: Option<NetworkInfo>,
    pub(crate) agent_family: Option<Arc<str>>,
    pub(crate) succeeded: bool,
}

impl EventView<'_> {
    /// An alert carrying just this event.
    pub(crate) fn alert(&self, detection: &Detection, discriminator: &str) -> Alert {
        let mut alert = Alert::new(detection, &self.identity, self.time, discriminator);
        if let Some(id) = &self.event.id {
            alert.event_ids.push(id.clone());
        }
        alert.event_count = 1;
        if !self.event.origin.is_empty() {
            alert.evidence.push(self.event.origin.clone());
        }
        let alert = alert
            .observed(
                "action",
                format!("{}:{}", self.event.service, self.event.action),
            )
            .observed("principal", &self.event.actor.principal);
        // The owner routes the alert to the team that can say whether it was them.
        match self.resolved.as_ref().and_then(|r| r.owner.as_ref()) {
            Some(owner) => alert.observed("owner", owner),
            None => alert,
        }
    }

    pub(crate) fn event_discriminator(&self) -> String {
        self.event
            .id
            .clone()
            .unwrap_or_else(|| format!("{}#{}", self.event.origin, self.event.action))
    }
}

/// The IAM user or role an IAM call acts on: the first user/role ARN among the
/// resources, else a bare name. `None` when the call names no target.
pub(crate) fn iam_target(event: &ActivityEvent) -> Option<&String> {
    event
        .resources
        .iter()
        .find(|r| r.contains(":user/") || r.contains(":role/"))
        .or_else(|| event.resources.iter().find(|r| !r.contains(':')))
}

pub(crate) fn cooldown_active(state: &IdentityState, key: &str, now: Option<Timestamp>) -> bool {
    match (state.cooldowns.get(key), now) {
        (None, _) => false,
        (Some(Some(until)), Some(now)) => now < *until,
        (Some(Some(_)), None) => false,
        (Some(None), None) => true,
        (Some(None), Some(_)) => false,
    }
}

pub(crate) fn start_cooldown(
    state: &mut IdentityState,
    key: &str,
    now: Option<Timestamp>,
    secs: i64,
) {
    state
        .cooldowns
        .insert(key.to_string(), now.and_then(|t| add_seconds(t, secs)));
}

pub(crate) fn defence_evasion(view: &EventView) -> Option<Alert> {
    let event = view.event;
    if !view.succeeded {
        return None;
    }
    let what = match (event.service.as_str(), event.action.as_str()) {
        ("cloudtrail", "StopLogging") => "stopped CloudTrail logging",
        ("cloudtrail", "DeleteTrail") => "deleted a CloudTrail trail",
        ("cloudtrail", "UpdateTrail") => "changed a CloudTrail trail's configuration",
        ("cloudtrail", "PutEventSelectors") => "changed which events CloudTrail records",
        ("ec2", "DeleteFlowLogs") => "deleted VPC flow logs",
        ("guardduty", "DeleteDetector") => "deleted a GuardDuty detector",
        ("guardduty", "UpdateDetector")
            if event.details.get("enable").map(String::as_str) != Some("true") =>
        {
            "updated (possibly disabled) a GuardDuty detector"
        }
        (
            "guardduty",
            "DisassociateFromMasterAccount"
            | "DisassociateFromAdministratorAccount"
            | "DisassociateMembers"
            | "DeleteMembers"
            | "StopMonitoringMembers",
        ) => "detached GuardDuty from its administrator or members",
        (
            "config",
            "StopConfigurationRecorder" | "DeleteConfigurationRecorder" | "DeleteDeliveryChannel",
        ) => "stopped or deleted AWS Config recording",
        ("bedrock", "DeleteModelInvocationLoggingConfiguration") => {
            "deleted Bedrock model invocation logging"
        }
        (
            "route53resolver",
            "DeleteResolverQueryLogConfig" | "DisassociateResolverQueryLogConfig",
        ) => "deleted or detached DNS query logging",
        ("rds", "StopActivityStream") => "stopped a database activity stream",
        ("macie" | "macie2", "DisableMacie" | "UpdateMacieSession") => "disabled or paused Macie",
        // GCP Cloud Audit Logs: where logs are routed, and the logs themselves.
        ("logging.googleapis.com", "google.logging.v2.ConfigServiceV2.DeleteSink") => {
            "deleted a Cloud Logging sink"
        }
        ("logging.googleapis.com", "google.logging.v2.ConfigServiceV2.UpdateSink") => {
            "changed (possibly disabled) a Cloud Logging sink"
        }
        ("logging.googleapis.com", "google.logging.v2.LoggingServiceV2.DeleteLog") => {
            "deleted a log"
        }
        (_, action) => crate::saas::evasion(event.source, action)?,
    };
    let target = event.resources.first().map_or("", String::as_str);
    Some(
        view.alert(&alert::DEFENCE_EVASION, &view.event_discriminator())
            .explain(format!(
                "{} {what} ({}{}); baseline: not needed, this call disables visibility",
                event.actor.principal,
                qualified_action(event),
                if target.is_empty() {
                    String::new()
                } else {
                    format!(" on {target}")
                }
            ))
            .baseline("expected", "never, outside change windows"),
    )
}

/// `service:action`, or the action alone where it already names its service (GitHub's
/// `category.operation`, Okta's `eventType`).
fn qualified_action(event: &ActivityEvent) -> String {
    if event.action.starts_with(&event.service) {
        event.action.clone()
    } else {
        format!("{}:{}", event.service, event.action)
    }
}

pub(crate) fn external_share(view: &EventView, config: &MonitorConfig) -> Option<Alert> {
    let event = view.event;
    if !view.succeeded {
        return None;
    }
    let shared_with = event.details.get("shared_with")?;
    let own = [
        event.actor.account.as_deref(),
        event.target_account.as_deref(),
    ];
    let external: Vec<&str> = shared_with
        .split(',')
        .map(str::trim)
        .filter(|account| !account.is_empty())
        .filter(|account| !config.known_accounts.contains(*account))
        .filter(|account| !own.contains(&Some(*account)))
        .collect();
    if external.is_empty() {
        return None;
    }
    let public = external
        .iter()
        .any(|a| a.eq_ignore_ascii_case("all") || *a == "*");
    let target = event.resources.first().map_or("a resource", String::as_str);
    let alert = view
        .alert(&alert::EXTERNAL_SHARE, &view.event_discriminator())
        .explain(format!(
            "{}:{} shared {target} with {}; baseline: known accounts are {}",
            event.service,
            event.action,
            if public {
                "everyone (public)".to_string()
            } else {
                external.join(", ")
            },
            if config.known_accounts.is_empty() {
                "none configured".to_string()
            } else {
                config
                    .known_accounts
                    .iter()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        ))
        .observed("shared_with", external.join(","))
        .baseline("known_accounts", config.known_accounts.len());
    Some(if public {
        alert.severity(Severity::Critical)
    } else {
        alert
    })
}

pub(crate) fn dormancy(
    view: &EventView,
    state: &IdentityState,
    config: &MonitorConfig,
    alerts: &mut Vec<Alert>,
) {
    let (Some(now), Some(last), false) = (view.time, state.baseline.last_seen, view.late) else {
        return;
    };
    let idle = now.as_second() - last.as_second();
    if idle < config.dormant_secs() {
        return;
    }
    alerts.push(
        view.alert(&alert::DORMANT_ACTIVE, "")
            .explain(format!(
                "active again after {} days without any event; baseline: last seen {last}, dormancy threshold {} days",
                idle / DAY,
                config.dormant_days
            ))
            .observed("idle_days", idle / DAY)
            .baseline("last_seen", last),
    );
}

pub(crate) fn human_use(view: &EventView, state: &mut IdentityState, alerts: &mut Vec<Alert>) {
    let Some(resolved) = &view.resolved else {
        return;
    };
    if !resolved.is_nhi {
        return;
    }
    let event = view.event;
    let console = event.action == "ConsoleLogin"
        || event.details.get("console_login").map(String::as_str) == Some("true");
    let browser = view.agent_family.as_deref().is_some_and(is_browser_family);
    if !(console || browser) {
        return;
    }
    let key = alert::HUMAN_USE_OF_NHI.id;
    if cooldown_active(state, key, view.time) {
        return;
    }
    start_cooldown(state, key, view.time, DAY);
    let how = if console {
        "signed in to the console".to_string()
    } else {
        format!(
            "was used from a browser ({})",
            view.agent_family.as_deref().unwrap_or("unknown")
        )
    };
    let usual = state.baseline.user_agents.top(3);
    alerts.push(
        view.alert(&alert::HUMAN_USE_OF_NHI, "")
            .explain(format!(
                "non-human identity {} {how}; baseline: user agents {}",
                resolved.display,
                describe_top(&usual)
            ))
            .observed("user_agent", view.agent_family.as_deref().unwrap_or("none"))
            .baseline("user_agents", describe_top(&usual)),
    );
}

pub(crate) fn after_deactivation(
    view: &EventView,
    state: &mut IdentityState,
    alerts: &mut Vec<Alert>,
) {
    let (Some(resolved), Some(now)) = (&view.resolved, view.time) else {
        return;
    };
    let Some(deadline) = resolved.scheduled_deactivation else {
        return;
    };
    let key = alert::USE_AFTER_DEACTIVATION.id;
    if now < deadline || cooldown_active(state, key, view.time) {
        return;
    }
    start_cooldown(state, key, view.time, DAY);
    alerts.push(
        view.alert(&alert::USE_AFTER_DEACTIVATION, "")
            .explain(format!(
                "used {} day(s) after its scheduled deactivation; baseline: should have been off since {deadline}",
                (now.as_second() - deadline.as_second()) / DAY
            ))
            .baseline("scheduled_deactivation", deadline),
    );
}

pub(crate) fn sensitive_first_use(
    view: &EventView,
    state: &IdentityState,
    config: &MonitorConfig,
    alerts: &mut Vec<Alert>,
    marks: &mut Vec<(Field, String)>,
) {
    let event = view.event;
    if !view.succeeded {
        return;
    }
    let decryption = event.details.get("with_decryption").map(String::as_str);
    let Some(class) = sensitive_class(&event.service, &event.action, event.read_only, decryption)
    else {
        return;
    };
    let baseline = &state.baseline;
    if !baseline
        .action_classes
        .familiarity(class.as_str(), view.time, config.absorb_secs())
        .is_alertable()
    {
        return;
    }
    let action = format!("{}:{}", event.service, event.action);
    if config.is_expected(
        &view.identity,
        ChangeField::ActionClass,
        class.as_str(),
        view.time,
    ) || config.is_expected(&view.identity, ChangeField::Action, &action, view.time)
    {
        return;
    }
    marks.push((Field::Classes, class.as_str().to_string()));
    let known = baseline.action_classes.top(10);
    let unknown_decryption = event.service == "ssm" && decryption.is_none();
    alerts.push(
        view.alert(&alert::SENSITIVE_FIRST_USE, class.as_str())
            .explain(format!(
                "first {} by this identity: {action}{}{}; baseline: sensitive classes used: {}; {} distinct actions over {} events",
                class.as_str().replace('_', " "),
                event.resources.first().map(|r| format!(" on {r}")).unwrap_or_default(),
                if unknown_decryption { " (decryption flag not recorded)" } else { "" },
                describe_top(&known),
                baseline.actions.values.len(),
                baseline.events
            ))
            .observed("class", class.as_str())
            .baseline("classes", describe_top(&known)),
    );
}

pub(crate) fn assume_role(
    view: &EventView,
    state: &mut IdentityState,
    config: &MonitorConfig,
    alerts: &mut Vec<Alert>,
    marks: &mut Vec<(Field, String)>,
) {
    let event = view.event;
    if !is_assume_role(&event.service, &event.action) || !view.succeeded {
        return;
    }
    let absorb = config.absorb_secs();
    let baseline = &state.baseline;
    let chaining = event.actor.kind.as_deref() == Some("AssumedRole");
    if chaining && !baseline.chains_roles {
        alerts.push(
            view.alert(&alert::ROLE_CHAINING, "")
                .explain(format!(
                    "an assumed-role session ({}) called {} into {}; baseline: this identity has never chained roles",
                    event.actor.session.as_deref().unwrap_or("unnamed session"),
                    event.action,
                    event.details.get("role_arn").map_or("an unnamed role", String::as_str)
                ))
                .baseline("chains_roles", "never"),
        );
    }
    let Some(role) = event.details.get("role_arn") else {
        return;
    };
    if !baseline
        .roles_assumed
        .familiarity(role, view.time, absorb)
        .is_alertable()
        || config.is_expected(&view.identity, ChangeField::Role, role, view.time)
    {
        return;
    }
    marks.push((Field::Roles, role.clone()));
    let account = arn_account(role);
    let new_account = account.is_some_and(|a| {
        baseline
            .accounts_assumed
            .familiarity(a, view.time, absorb)
            .is_alertable()
            && event.actor.account.as_deref() != Some(a)
    });
    if let (Some(account), true) = (account, new_account) {
        marks.push((Field::Accounts, account.to_string()));
    }
    let roles = baseline.roles_assumed.top(5);
    let accounts = baseline.accounts_assumed.top(5);
    let alert = view
        .alert(&alert::ASSUME_NEW_ROLE, role)
        .explain(format!(
            "assumed {role}{}{}; baseline: roles {}, accounts {}",
            if new_account {
                format!(" in account {} it never entered", account.unwrap_or(""))
            } else {
                String::new()
            },
            if chaining {
                " from an assumed-role session"
            } else {
                ""
            },
            describe_top(&roles),
            describe_top(&accounts)
        ))
        .observed("role_arn", role)
        .baseline("roles_assumed", describe_top(&roles));
    alerts.push(if new_account {
        alert.severity(Severity::High)
    } else {
        alert
    });
}

/// The wider prefix a /24 or /48 network key belongs to: `a.b.0.0/16`, `x:y::/32`.
fn wider_prefix(network: &str) -> Option<String> {
    if let Some(v4) = network.strip_suffix(".0/24") {
        let mut octets = v4.split('.');
        return Some(format!("{}.{}.0.0/16", octets.next()?, octets.next()?));
    }
    if let Some(v6) = network.strip_suffix("::/48") {
        let mut segments = v6.split(':');
        return Some(format!("{}:{}::/32", segments.next()?, segments.next()?));
    }
    None
}

/// A new /24 of an identity whose addresses already span many /24s, inside a /16 it
/// already uses: the address pool of a CI fleet or a NAT range, not a move.
fn is_address_churn(network: &str, known: &crate::ValueSet, churn_min: usize) -> bool {
    if churn_min == 0 || known.values.len() < churn_min {
        return false;
    }
    let Some(wide) = wider_prefix(network) else {
        return false;
    };
    known
        .values
        .keys()
        .any(|seen| wider_prefix(seen).as_deref() == Some(wide.as_str()))
}

pub(crate) fn network_novelty(
    view: &EventView,
    state: &IdentityState,
    config: &MonitorConfig,
    alerts: &mut Vec<Alert>,
    marks: &mut Vec<(Field, String)>,
) {
    let Some(network) = view.network.as_deref() else {
        return;
    };
    // AWS services calling on the identity's behalf are not a network it moved to.
    if network.ends_with("amazonaws.com") || network == "aws internal" {
        return;
    }
    let absorb = config.absorb_secs();
    let baseline = &state.baseline;
    let asn = view
        .network_info
        .as_ref()
        .and_then(|info| info.asn)
        .map(|n| format!("AS{n}"));
    // With ASN data, a new /24 inside a known ASN is ordinary address churn; the ASN
    // decides. Without it, the prefix decides.
    let (field, value, set) = match &asn {
        Some(asn) => (Field::Asns, asn.clone(), &baseline.asns),
        None => (Field::Networks, network.to_string(), &baseline.networks),
    };
    if !set.familiarity(&value, view.time, absorb).is_alertable() {
        return;
    }
    if asn.is_none() && is_address_churn(&value, set, config.network_churn_min) {
        // Recorded as seen (the caller folds every event into the baseline) but not
        // alerted: the identity's addresses move within ranges it already uses.
        return;
    }
    if config.is_expected(&view.identity, ChangeField::Network, network, view.time)
        || config.is_expected(&view.identity, ChangeField::Network, &value, view.time)
    {
        return;
    }
    if let Some(country) = view
        .network_info
        .as_ref()
        .and_then(|i| i.country.as_deref())
        && config.is_expected(&view.identity, ChangeField::Country, country, view.time)
    {
        return;
    }
    marks.push((field, value.clone()));
    let event = view.event;
    let workload = is_workload_credential(
        event.actor.credential_id.as_deref(),
        event.actor.session.as_deref(),
    );
    let caller_identity = event.service == "sts" && event.action == "GetCallerIdentity";
    let detection = if caller_identity {
        &alert::CALLER_IDENTITY_NEW_NETWORK
    } else {
        &alert::NEW_NETWORK
    };
    let usual = set.top(5);
    let hour = hour_context(baseline, view.time);
    let mut alert = view
        .alert(detection, &value)
        .explain(format!(
            "{} from {} ({}{}){}{hour}; baseline: {} known network(s): {}",
            if caller_identity {
                "checked its own identity (sts:GetCallerIdentity)".to_string()
            } else {
                format!("called {}:{}", event.service, event.action)
            },
            event.source_ip.as_deref().unwrap_or("?"),
            value,
            view.network_info
                .as_ref()
                .and_then(|i| i.country.as_deref())
                .map(|c| format!(", {c}"))
                .unwrap_or_default(),
            if workload {
                " using a workload credential"
            } else {
                ""
            },
            set.values.len(),
            describe_top(&usual)
        ))
        .observed("network", &value)
        .baseline("networks", describe_top(&usual));
    if workload {
        alert = alert.severity(Severity::High);
    }
    alerts.push(alert);
}

pub(crate) fn llm_jacking(
    view: &EventView,
    state: &IdentityState,
    config: &MonitorConfig,
    alerts: &mut Vec<Alert>,
    marks: &mut Vec<(Field, String)>,
) {
    let event = view.event;
    if !event.service.starts_with("bedrock") {
        return;
    }
    let enumeration = matches!(
        event.action.as_str(),
        "ListFoundationModels"
            | "GetFoundationModelAvailability"
            | "ListInferenceProfiles"
            | "GetModelInvocationLoggingConfiguration"
            | "ListFoundationModelAgreementOffers"
            | "GetUseCaseForModelAccess"
    );
    let invocation = matches!(
        event.action.as_str(),
        "InvokeModel" | "InvokeModelWithResponseStream" | "Converse" | "ConverseStream"
    );
    if !(enumeration || invocation) {
        return;
    }
    let absorb = config.absorb_secs();
    let baseline = &state.baseline;
    let region = event.region.clone().unwrap_or_default();
    let never_used = baseline
        .services
        .familiarity(&event.service, view.time, absorb)
        .is_alertable();
    let new_region = !region.is_empty()
        && baseline
            .bedrock_regions
            .familiarity(&region, view.time, absorb)
            .is_alertable();
    // An announced region excuses a new Bedrock region, never first use of Bedrock.
    let expected_region =
        config.is_expected(&view.identity, ChangeField::Region, &region, view.time);
    let alert_worthy = never_used || (new_region && !expected_region);
    if !alert_worthy {
        return;
    }
    if never_used {
        marks.push((Field::Services, event.service.clone()));
    }
    if !region.is_empty() {
        marks.push((Field::BedrockRegions, region.clone()));
    }
    let regions = baseline.bedrock_regions.top(5);
    alerts.push(
        view.alert(&alert::LLM_JACKING, &format!("{}:{region}", event.service))
            .explain(format!(
                "{} bedrock:{} in {}; baseline: {}",
                if invocation {
                    "invoked a model with"
                } else {
                    "enumerated models with"
                },
                event.action,
                if region.is_empty() {
                    "an unknown region"
                } else {
                    &region
                },
                if never_used {
                    "never used Bedrock".to_string()
                } else {
                    format!("Bedrock used only in {}", describe_top(&regions))
                }
            ))
            .observed("region", &region)
            .baseline("bedrock_regions", describe_top(&regions)),
    );
}

pub(crate) fn data_volume(
    view: &EventView,
    state: &mut IdentityState,
    config: &MonitorConfig,
    alerts: &mut Vec<Alert>,
) {
    let baseline = &mut state.baseline;
    let Some(bucket) = baseline.current_hour.as_ref() else {
        return;
    };
    if bucket.volume_alerted || view.late || view.time.is_none() {
        return;
    }
    let objects_stats = &baseline.get_objects_per_hour;
    let bytes_stats = &baseline.bytes_out_per_hour;
    if objects_stats.samples < config.exfil_min_hours {
        return;
    }
    let objects_z = objects_stats.z_score(bucket.get_objects as f64);
    let bytes_z = bytes_stats.z_score(bucket.bytes_out as f64);
    let objects_hit = bucket.get_objects >= config.exfil_min_objects && objects_z >= config.exfil_z;
    let bytes_hit = bucket.bytes_out >= config.exfil_min_bytes && bytes_z >= config.exfil_z;
    if !(objects_hit || bytes_hit) {
        return;
    }
    let start = bucket.start;
    let text = format!(
        "read {} objects / {} bytes in the hour from {start} (z = {:.1} objects, {:.1} bytes); baseline: {:.0} ± {:.0} objects and {:.0} ± {:.0} bytes per active hour, never more than {:.0} objects",
        bucket.get_objects,
        bucket.bytes_out,
        objects_z,
        bytes_z,
        objects_stats.mean,
        objects_stats.std_dev(),
        bytes_stats.mean,
        bytes_stats.std_dev(),
        objects_stats.max
    );
    let observed = format!("{} objects, {} bytes", bucket.get_objects, bucket.bytes_out);
    let usual = format!("{:.0} objects/hour", objects_stats.mean);
    if let Some(bucket) = baseline.current_hour.as_mut() {
        bucket.volume_alerted = true;
    }
    let mut alert = view.alert(&alert::DATA_VOLUME, "").explain(text);
    alert.first_seen = Some(start);
    alert.id = Alert::new(&alert::DATA_VOLUME, &view.identity, Some(start), "").id;
    alerts.push(alert.observed("volume", observed).baseline("volume", usual));
}

pub(crate) fn bursts(
    view: &EventView,
    state: &mut IdentityState,
    config: &MonitorConfig,
    alerts: &mut Vec<Alert>,
) {
    let (Some(now), false) = (view.time, view.late) else {
        return;
    };
    let event = view.event;
    let window = config.burst_window_secs.max(1);
    let entry = || BurstEntry {
        at: now,
        service: event.service.clone(),
        region: event.region.clone(),
        event_id: event.id.clone(),
        origin: event.origin.clone(),
    };
    let horizon = now.as_second().saturating_sub(window);
    // The baseline's worst window comes from completed fixed windows; a sliding
    // window of the same width overlaps at most two of them, which the default
    // factor of 2 allows for.
    let fixed_start = floor_to(now, window);
    if let Some(done) = state.recon_window.advance(fixed_start) {
        state.baseline.max_recon_per_window = state.baseline.max_recon_per_window.max(done);
    }
    if let Some(done) = state.denied_window.advance(fixed_start) {
        state.baseline.max_denied_per_window = state.baseline.max_denied_per_window.max(done);
    }
    if is_recon(&event.service, &event.action) {
        state.recent_recon.push_back(entry());
        state.recon_window.count += 1;
    }
    if event.error.as_deref().is_some_and(is_access_denied) {
        state.recent_denied.push_back(entry());
        state.denied_window.count += 1;
    }
    state.recent_recon.retain(|e| e.at.as_second() > horizon);
    state.recent_denied.retain(|e| e.at.as_second() > horizon);
    // A flood inside one window must not grow state without bound; the alert already
    // fired long before this many entries.
    for queue in [&mut state.recent_recon, &mut state.recent_denied] {
        while queue.len() > MAX_BURST_ENTRIES {
            queue.pop_front();
        }
    }

    let recon = state.recent_recon.len();
    // Below `recon_min_calls` neither burst rule can fire, so the spread of the
    // window (sets over up to MAX_BURST_ENTRIES entries) is only counted above it.
    let (services, regions): (BTreeSet<&str>, BTreeSet<&str>) = if recon >= config.recon_min_calls {
        (
            state
                .recent_recon
                .iter()
                .map(|e| e.service.as_str())
                .collect(),
            state
                .recent_recon
                .iter()
                .filter_map(|e| e.region.as_deref())
                .collect(),
        )
    } else {
        Default::default()
    };
    let spread = services.len().max(regions.len());
    let factor = config.burst_baseline_factor;
    // Enumeration across many services *and* regions at once is what a stolen key's
    // first minutes look like and what no deployment tool does: it alerts even while
    // the identity's baseline is still learning.
    let blatant = recon >= config.recon_min_calls.saturating_mul(2)
        && services.len() >= config.recon_min_spread.saturating_mul(2)
        && regions.len() >= config.recon_min_spread;
    let recon_burst = (blatant || !view.learning)
        && recon >= config.recon_min_calls
        && recon as f64 > factor * state.baseline.max_recon_per_window as f64
        && spread >= config.recon_min_spread;
    if recon_burst && !cooldown_active(state, alert::ENUMERATION_BURST.id, Some(now)) {
        let mut alert = burst_alert(view, &alert::ENUMERATION_BURST, &state.recent_recon);
        alert.explanation = format!(
            "called {recon} List/Describe/Get actions across {} services and {} regions in {} minutes; baseline: {} services overall, never more than {} enumeration calls per {} minutes",
            services.len(),
            regions.len(),
            window / 60,
            state.baseline.services.values.len(),
            state.baseline.max_recon_per_window,
            window / 60
        );
        let alert = alert
            .observed("calls", recon)
            .observed("services", services.len())
            .observed("regions", regions.len())
            .baseline("max_calls_per_window", state.baseline.max_recon_per_window);
        alerts.push(alert);
        start_cooldown(state, alert::ENUMERATION_BURST.id, Some(now), window);
    }
    if recon_burst {
        state.recon_window.alerted = true;
    }

    let denied = state.recent_denied.len();
    let denied_burst = !view.learning
        && denied >= config.denied_min_calls
        && denied as f64 > factor * state.baseline.max_denied_per_window as f64;
    if denied_burst && !cooldown_active(state, alert::ACCESS_DENIED_BURST.id, Some(now)) {
        let actions: std::collections::BTreeSet<&str> = state
            .recent_denied
            .iter()
            .map(|e| e.service.as_str())
            .collect();
        let mut alert = burst_alert(view, &alert::ACCESS_DENIED_BURST, &state.recent_denied);
        alert.explanation = format!(
            "{denied} calls denied across {} services in {} minutes; baseline: never more than {} denials per {} minutes, error rate {:.1}%",
            actions.len(),
            window / 60,
            state.baseline.max_denied_per_window,
            window / 60,
            state.baseline.error_rate.mean * 100.0
        );
        let alert = alert.observed("denied", denied).baseline(
            "max_denied_per_window",
            state.baseline.max_denied_per_window,
        );
        alerts.push(alert);
        start_cooldown(state, alert::ACCESS_DENIED_BURST.id, Some(now), window);
    }
    if denied_burst {
        state.denied_window.alerted = true;
    }
}

pub(crate) fn burst_alert(
    view: &EventView,
    detection: &Detection,
    entries: &std::collections::VecDeque<BurstEntry>,
) -> Alert {
    let start = entries.iter().map(|e| e.at).min();
    let mut alert = Alert::new(detection, &view.identity, start, "");
    alert.first_seen = start;
    alert.last_seen = entries.iter().map(|e| e.at).max();
    alert.event_ids = entries.iter().filter_map(|e| e.event_id.clone()).collect();
    alert.event_count = entries.len() as u64;
    alert.evidence = entries
        .iter()
        .filter(|e| !e.origin.is_empty())
        .map(|e| e.origin.clone())
        .collect();
    alert
}

/// A new region, held back for the cohort window (see `Monitor::release_deferred`).
pub(crate) fn new_region(
    view: &EventView,
    state: &IdentityState,
    config: &MonitorConfig,
    marks: &mut Vec<(Field, String)>,
) -> Option<(String, Timestamp, Alert)> {
    let (Some(now), Some(region)) = (view.time, view.event.region.as_ref()) else {
        return None;
    };
    // AWS services act wherever their customers do: a region new to `lambda.amazonaws.com`
    // says something about some customer workload, not about a compromised identity.
    if region.is_empty() || view.event.actor.kind.as_deref() == Some("AWSService") {
        return None;
    }
    let regions = &state.baseline.regions;
    if !regions
        .familiarity(region, view.time, config.absorb_secs())
        .is_alertable()
        || config.is_expected(&view.identity, ChangeField::Region, region, view.time)
    {
        return None;
    }
    marks.push((Field::Regions, region.clone()));
    let usual = regions.top(5);
    let alert = view
        .alert(&alert::NEW_REGION, region)
        .explain(format!(
            "called {}:{} in {region}; baseline: regions {}",
            view.event.service,
            view.event.action,
            describe_top(&usual)
        ))
        .observed("region", region)
        .baseline("regions", describe_top(&usual));
    Some((region.clone(), now, alert))
}

thread_local! {
    static ACTION_KEY: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

pub(crate) fn update_baseline(view: &EventView, state: &mut IdentityState, config: &MonitorConfig) {
    let event = view.event;
    let learning = view.learning;
    let at = view.time;
    let cap = config.max_values_per_field;
    let baseline = &mut state.baseline;
    baseline.events += 1;
    if !view.succeeded {
        baseline.failures += 1;
    }
    match at {
        Some(t) => {
            baseline.first_seen = Some(baseline.first_seen.map_or(t, |f| f.min(t)));
            baseline.last_seen = Some(baseline.last_seen.map_or(t, |l| l.max(t)));
            if !view.late {
                baseline.hour_of_week[hour_of_week(t)] += 1;
            }
        }
        None => baseline.untimed_events += 1,
    }
    // Failed calls show intent, not behaviour: they feed error statistics but do not
    // teach the baseline new actions, regions or roles.
    let actions_count = view.succeeded;
    if actions_count {
        // Every event records its action: the key is built in a reused buffer.
        ACTION_KEY.with_borrow_mut(|key| {
            key.clear();
            key.push_str(&event.service);
            key.push(':');
            key.push_str(&event.action);
            baseline.actions.record(key, at, learning, cap);
        });
        baseline.services.record(&event.service, at, learning, cap);
        for resource in &event.resources {
            baseline
                .resources
                .record(resource, at, learning, config.max_resources);
        }
        if let Some(region) = event.region.as_deref().filter(|r| !r.is_empty()) {
            baseline.regions.record(region, at, learning, cap);
            if event.service.starts_with("bedrock") {
                baseline.bedrock_regions.record(region, at, learning, cap);
            }
        }
        let decryption = event.details.get("with_decryption").map(String::as_str);
        if let Some(class) =
            sensitive_class(&event.service, &event.action, event.read_only, decryption)
        {
            baseline
                .action_classes
                .record(class.as_str(), at, learning, cap);
        }
        if is_assume_role(&event.service, &event.action) {
            if let Some(role) = event.details.get("role_arn") {
                baseline.roles_assumed.record(role, at, learning, cap);
                if let Some(account) = arn_account(role) {
                    baseline.accounts_assumed.record(account, at, learning, cap);
                }
            }
            if event.actor.kind.as_deref() == Some("AssumedRole") {
                baseline.chains_roles = true;
            }
        }
    }
    if let Some(network) = &view.network {
        baseline.networks.record(network, at, learning, cap);
    }
    if let Some(info) = &view.network_info {
        if let Some(asn) = info.asn {
            baseline.asns.record(&format!("AS{asn}"), at, learning, cap);
        }
        if let Some(country) = &info.country {
            baseline.countries.record(country, at, learning, cap);
        }
    }
    if let Some(family) = &view.agent_family {
        baseline.user_agents.record(family, at, learning, cap);
    }
}

/// ", on Tue 03:00 UTC, an hour holding 0 of 950 baseline events": whether the
/// novelty also happened at an unusual time, for the reader of the alert.
pub(crate) fn hour_context(baseline: &Baseline, at: Option<Timestamp>) -> String {
    let Some(at) = at else {
        return String::new();
    };
    let bucket = hour_of_week(at);
    let total: u64 = baseline.hour_of_week.iter().sum();
    format!(
        ", on {} UTC, an hour holding {} of {total} baseline events",
        crate::baseline::hour_of_week_label(bucket),
        baseline.hour_of_week[bucket]
    )
}

pub(crate) fn describe_top(values: &[(String, u64)]) -> String {
    if values.is_empty() {
        return "none".to_string();
    }
    values
        .iter()
        .map(|(v, _)| v.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}
