//! Labelled episodes: attacks injected after the learning period, and benign novelty
//! that a detector should not alert on (hard negatives).

use std::collections::HashMap;

use rand::Rng;
use rand::seq::IndexedRandom;
use rand_chacha::ChaCha8Rng;
use serde_json::json;

use crate::api::{self, Call, response_date};
use crate::estate::{
    BROWSER_UA, DORMANT_USER, DR_BACKUP, Estate, HOME_REGION, Identity, IdentityKind, KEY_ROTATOR,
};
use crate::ids::{self, Network};
use crate::labels::{Episode, EpisodeKind};
use crate::record::Record;
use crate::sessions::{RoleRef, assume_role_call, session_opener, web_identity_of};
use crate::stamp::{
    Caller, iam_user_identity, role_session_identity, role_session_identity_parts, stamp,
};

/// A finished record with its time as epoch seconds, for ordering.
#[derive(Debug, Clone)]
pub struct Stamped {
    pub at: i64,
    pub record: Record,
    /// Set when the record was made with a stand-in key for this identity's role
    /// session: the generator swaps in the session that is live at that moment, so
    /// stolen credentials are the very key the identity itself is using.
    pub live_session: Option<usize>,
}

/// A lasting change to an identity's habits that an episode starts.
#[derive(Debug, Clone)]
pub enum HabitChange {
    ReplaceKey(String),
    AddRegion(String),
    ReplaceNetworks(Vec<Network>),
}

/// Routine events that show a new habit are labelled into the episode until `until`.
#[derive(Debug, Clone, Copy)]
pub struct LabelWindow {
    pub episode: usize,
    pub until: i64,
}

#[derive(Debug, Clone)]
pub struct ScheduledChange {
    pub at: i64,
    pub identity: usize,
    pub change: HabitChange,
    pub label: Option<LabelWindow>,
}

#[derive(Debug, Default)]
pub struct Plan {
    pub episodes: Vec<Episode>,
    /// First and last event time of each episode, parallel to `episodes`.
    pub spans: Vec<(i64, i64)>,
    /// Scripted records in time order (episode events and pre-window history).
    pub events: Vec<Stamped>,
    pub changes: Vec<ScheduledChange>,
    /// Identities whose previous use lies before the window, with that time.
    pub last_used_before_window: Vec<(usize, i64)>,
}

impl Plan {
    pub fn note_event(&mut self, episode: usize, at: i64, event_id: &str) {
        self.episodes[episode].event_ids.push(event_id.to_string());
        let span = &mut self.spans[episode];
        span.0 = span.0.min(at);
        span.1 = span.1.max(at);
    }
}

// Addresses of hosting providers and Tor exits of the kind attackers operate from.
const ATTACKER_NETS: &[&str] = &[
    "185.220.101.0/24",
    "45.95.147.0/24",
    "103.251.167.0/24",
    "193.29.13.0/24",
    "91.92.240.0/24",
];
const ATTACKER_UAS: &[&str] = &[
    "aws-cli/1.22.34 Python/3.10.12 Linux/5.15.0-91-generic botocore/1.23.34",
    "Boto3/1.26.45 Python/3.11.2 Linux/6.1.0-kali5-amd64 Botocore/1.29.45",
    "aws-sdk-go-v2/1.24.0 os/linux lang/go#1.21.5 md/GOOS#linux md/GOARCH#amd64",
];
const RECON_CALLS: &[(&str, &str)] = &[
    ("iam", "ListUsers"),
    ("iam", "ListRoles"),
    ("iam", "ListPolicies"),
    ("iam", "GetAccountAuthorizationDetails"),
    ("iam", "ListAccessKeys"),
    ("s3", "ListBuckets"),
    ("ec2", "DescribeInstances"),
    ("ec2", "DescribeRegions"),
    ("ec2", "DescribeSnapshots"),
    ("ec2", "DescribeSecurityGroups"),
    ("lambda", "ListFunctions20150331"),
    ("rds", "DescribeDBInstances"),
    ("kms", "ListKeys"),
    ("secretsmanager", "ListSecrets"),
    ("dynamodb", "ListTables"),
    ("organizations", "DescribeOrganization"),
    ("cloudtrail", "DescribeTrails"),
    ("guardduty", "ListDetectors"),
    ("ssm", "DescribeParameters"),
    ("sns", "ListTopics"),
];
const RECON_REGIONS: &[&str] = &[
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "eu-west-1",
    "eu-central-1",
    "ap-southeast-1",
    "ap-northeast-1",
    "sa-east-1",
];

fn is_global(service: &str) -> bool {
    matches!(service, "iam" | "organizations" | "s3")
}

type Scenario = fn(&mut Planner<'_>, i64);

/// Every scenario in the order they are laid over the post-learning days, benign ones
/// interleaved so that attack and hard negative alternate in time.
const SCENARIOS: &[(&str, Scenario)] = &[
    ("recon_burst", recon_burst),
    ("key_rotation", key_rotation),
    ("caller_identity_new_network", caller_identity_new_network),
    ("access_denied_burst", access_denied_burst),
    ("ci_deploy_usual", ci_deploy_usual),
    ("sensitive_first_use", sensitive_first_use),
    ("persistence_access_key", persistence_access_key),
    ("persistence_create_user", persistence_create_user),
    ("cohort_new_region", cohort_new_region),
    ("persistence_login_profile", persistence_login_profile),
    ("persistence_trust_policy", persistence_trust_policy),
    ("lateral_new_role", lateral_new_role),
    ("network_move", network_move),
    ("lateral_cross_account", lateral_cross_account),
    ("lateral_role_chaining", lateral_role_chaining),
    ("evasion_stop_logging", evasion_stop_logging),
    ("dr_snapshot_share", dr_snapshot_share),
    ("evasion_delete_trail", evasion_delete_trail),
    ("evasion_event_selectors", evasion_event_selectors),
    ("evasion_delete_flow_logs", evasion_delete_flow_logs),
    ("evasion_guardduty_detector", evasion_guardduty_detector),
    ("exfil_s3_volume", exfil_s3_volume),
    ("exfil_snapshot_share", exfil_snapshot_share),
    ("exfil_ami_share", exfil_ami_share),
    ("exfil_db_snapshot_share", exfil_db_snapshot_share),
    ("exfil_bucket_policy", exfil_bucket_policy),
    ("credential_new_network", credential_new_network),
    ("dormant_key_wakeup", dormant_key_wakeup),
    ("human_use_of_nhi", human_use_of_nhi),
    ("llm_jacking_new_identity", llm_jacking_new_identity),
    ("llm_jacking_new_region", llm_jacking_new_region),
];

/// The technique names this generator can label, attacks and benign alike.
pub fn techniques() -> Vec<&'static str> {
    SCENARIOS.iter().map(|(name, _)| *name).collect()
}

pub struct Planner<'a> {
    estate: &'a Estate,
    /// Stand-in session keys handed out by `session_caller`, by identity index.
    stand_in_keys: HashMap<String, usize>,
    rng: ChaCha8Rng,
    plan: Plan,
    window_start: i64,
}

impl<'a> Planner<'a> {
    fn identity(&self, name: &str) -> (usize, &'a Identity) {
        let estate = self.estate;
        let index = estate.index_of(name);
        (index, &estate.identities[index])
    }

    fn begin(
        &mut self,
        kind: EpisodeKind,
        technique: &str,
        mitre: &[&str],
        principal: &str,
        description: String,
    ) -> usize {
        let index = self.plan.episodes.len();
        self.plan.episodes.push(Episode {
            id: format!("ep-{:03}-{technique}", index + 1),
            kind,
            technique: technique.to_string(),
            mitre: mitre.iter().map(|m| m.to_string()).collect(),
            principal: principal.to_string(),
            description,
            start: String::new(),
            end: String::new(),
            event_ids: Vec::new(),
        });
        self.plan.spans.push((i64::MAX, i64::MIN));
        index
    }

    fn emit(
        &mut self,
        episode: Option<usize>,
        at: i64,
        call: Call,
        caller: &Caller,
        recipient: &str,
    ) {
        let record = stamp(&mut self.rng, at, call, caller, recipient);
        if let Some(episode) = episode {
            self.plan.note_event(episode, at, &record.event_id);
        }
        let live_session = caller
            .identity
            .access_key_id
            .as_ref()
            .and_then(|key| self.stand_in_keys.get(key))
            .copied();
        self.plan.events.push(Stamped {
            at,
            record,
            live_session,
        });
    }

    fn attacker_ip(&mut self) -> String {
        let net = Network::new(
            ATTACKER_NETS.choose(&mut self.rng).expect("nets"),
            "attacker",
        );
        net.sample_ip(&mut self.rng)
    }

    fn attacker_ua(&mut self) -> String {
        ATTACKER_UAS.choose(&mut self.rng).expect("uas").to_string()
    }

    fn usual_ip(&mut self, identity: &Identity) -> String {
        let net = identity
            .networks
            .choose(&mut self.rng)
            .expect("identity has a network");
        net.sample_ip(&mut self.rng)
    }

    fn user_caller(&mut self, identity: &Identity, ip: String, ua: String) -> Caller {
        Caller {
            identity: iam_user_identity(identity, identity.access_key_id.as_deref()),
            source_ip: ip,
            user_agent: ua,
            console: false,
        }
    }

    /// A caller using a role session of `identity` issued some hours before `at`, as
    /// an attacker holding stolen session credentials would.
    fn session_caller(&mut self, identity: &Identity, at: i64, ip: String, ua: String) -> Caller {
        if !identity.kind.is_role() {
            return self.user_caller(identity, ip, ua);
        }
        let key = ids::access_key_id(&mut self.rng, false);
        let created = at - self.rng.random_range(600..3 * 3600);
        self.stand_in_keys
            .insert(key.clone(), self.estate.index_of(&identity.name));
        Caller {
            identity: role_session_identity(identity, &identity.session_name, &key, created),
            source_ip: ip,
            user_agent: ua,
            console: false,
        }
    }

    /// The caller of `identity` with whichever credential it holds, from an attacker host.
    fn attacker_caller(&mut self, identity: &Identity, at: i64) -> Caller {
        let ip = self.attacker_ip();
        let ua = self.attacker_ua();
        self.session_caller(identity, at, ip, ua)
    }

    /// Several calls at increasing times from `at`, `gap` seconds apart at most.
    fn burst(
        &mut self,
        episode: usize,
        mut at: i64,
        gap: i64,
        calls: Vec<Call>,
        caller: &Caller,
        recipient: &str,
    ) -> i64 {
        for call in calls {
            at += self.rng.random_range(1..=gap.max(1));
            self.emit(Some(episode), at, call, caller, recipient);
        }
        at
    }
}

/// Plans every episode over the days after `learning_days`.
pub fn plan(
    estate: &Estate,
    rng: ChaCha8Rng,
    window_start: i64,
    days: u32,
    learning_days: u32,
) -> Plan {
    let mut planner = Planner {
        estate,
        stand_in_keys: HashMap::new(),
        rng,
        plan: Plan::default(),
        window_start,
    };
    let first = window_start + i64::from(learning_days) * 86_400;
    let span = i64::from(days - learning_days) * 86_400;
    let slot = span / SCENARIOS.len() as i64;
    for (k, (_, scenario)) in SCENARIOS.iter().enumerate() {
        let at = first + k as i64 * slot + planner.rng.random_range(0..slot / 2);
        scenario(&mut planner, at);
    }
    let mut plan = planner.plan;
    plan.events.sort_by_key(|e| e.at);
    plan
}

// ---------------------------------------------------------------- reconnaissance

fn recon_burst(p: &mut Planner<'_>, at: i64) {
    let (_, victim) = p.identity("svc-terraform");
    let ep = p.begin(
        EpisodeKind::Attack,
        "recon_burst",
        &["T1580", "T1526", "T1087.004", "T1069.003"],
        &victim.principal_arn,
        "a leaked Terraform key enumerates many services in many regions from a VPS".into(),
    );
    let caller = p.attacker_caller(victim, at);
    let account = victim.account.clone();
    let mut t = at;
    t = p.burst(
        ep,
        t,
        5,
        vec![Call::new("sts", "GetCallerIdentity", HOME_REGION)],
        &caller,
        &account,
    );
    let count = p.rng.random_range(60..90);
    let arn = caller.identity.arn.clone().unwrap_or_default();
    for _ in 0..count {
        let (service, name) = *RECON_CALLS.choose(&mut p.rng).expect("calls");
        let region = if is_global(service) {
            HOME_REGION
        } else {
            RECON_REGIONS.choose(&mut p.rng).expect("regions")
        };
        let mut call = Call::new(service, name, region);
        if p.rng.random_bool(0.25) {
            call = call.denied(&arn);
        }
        t = p.burst(ep, t, 12, vec![call], &caller, &account);
    }
}

fn caller_identity_new_network(p: &mut Planner<'_>, at: i64) {
    let (_, victim) = p.identity("etl-ingest-role");
    let ep = p.begin(
        EpisodeKind::Attack,
        "caller_identity_new_network",
        &["T1033", "T1078.004"],
        &victim.principal_arn,
        "Lambda session credentials checked with GetCallerIdentity from outside AWS".into(),
    );
    let caller = p.attacker_caller(victim, at);
    let calls = (0..3)
        .map(|_| Call::new("sts", "GetCallerIdentity", HOME_REGION))
        .collect();
    p.burst(ep, at, 90, calls, &caller, &victim.account.clone());
}

fn access_denied_burst(p: &mut Planner<'_>, at: i64) {
    let (_, victim) = p.identity("agent-code-review");
    let ep = p.begin(
        EpisodeKind::Attack,
        "access_denied_burst",
        &["T1580", "T1069.003"],
        &victim.principal_arn,
        "a prompt-injected agent probes beyond its permissions from its usual network".into(),
    );
    let ip = p.usual_ip(victim);
    let ua = victim.user_agents[0].clone();
    let caller = p.session_caller(victim, at, ip, ua);
    let arn = caller.identity.arn.clone().unwrap_or_default();
    let probes: &[(&'static str, &str)] = &[
        ("iam", "ListUsers"),
        ("iam", "ListRoles"),
        ("secretsmanager", "ListSecrets"),
        ("s3", "ListBuckets"),
        ("kms", "ListKeys"),
        ("lambda", "ListFunctions20150331"),
        ("ec2", "DescribeInstances"),
    ];
    let count = p.rng.random_range(25..40);
    let calls = (0..count)
        .map(|_| {
            let (service, name) = *probes.choose(&mut p.rng).expect("probes");
            Call::new(service, name, HOME_REGION).denied(&arn)
        })
        .collect();
    p.burst(ep, at, 15, calls, &caller, &victim.account.clone());
}

// ------------------------------------------------------------- sensitive actions

fn sensitive_first_use(p: &mut Planner<'_>, at: i64) {
    let (_, victim) = p.identity("agent-support-bot");
    let (_, target) = p.identity("svc-reporting");
    let ep = p.begin(
        EpisodeKind::Attack,
        "sensitive_first_use",
        &["T1555.006", "T1098"],
        &victim.principal_arn,
        "an agent that never touched secrets reads them, decrypts with KMS and writes an inline user policy".into(),
    );
    let ip = p.usual_ip(victim);
    let caller = p.session_caller(victim, at, ip, victim.user_agents[0].clone());
    let account = victim.account.clone();
    let mut calls = Vec::new();
    for name in [
        "prod/db/master",
        "prod/stripe/api-key",
        "prod/github/deploy-token",
    ] {
        calls.push(
            Call::new("secretsmanager", "GetSecretValue", HOME_REGION).request(json!({
                "secretId": format!("arn:aws:secretsmanager:{HOME_REGION}:{account}:secret:{name}")
            })),
        );
    }
    let key = ids::uuid(&mut p.rng);
    for _ in 0..2 {
        calls.push(
            Call::new("kms", "Decrypt", HOME_REGION)
                .request(json!({"encryptionAlgorithm": "SYMMETRIC_DEFAULT"}))
                .resource(
                    Some(&account),
                    "AWS::KMS::Key",
                    format!("arn:aws:kms:{HOME_REGION}:{account}:key/{key}"),
                ),
        );
    }
    calls.push(Call::new("iam", "PutUserPolicy", HOME_REGION).request(json!({
        "userName": target.name,
        "policyName": "maintenance",
        "policyDocument": "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}]}",
    })));
    p.burst(ep, at, 40, calls, &caller, &account);
}

// ------------------------------------------------------------------ persistence

fn create_access_key_call(user: &str, new_key: &str, at: i64) -> Call {
    Call::new("iam", "CreateAccessKey", HOME_REGION)
        .request(json!({"userName": user}))
        .response(json!({"accessKey": {
            "userName": user,
            "accessKeyId": new_key,
            "status": "Active",
            "createDate": response_date(at),
        }}))
}

fn persistence_access_key(p: &mut Planner<'_>, at: i64) {
    let (_, victim) = p.identity("github-deploy-api");
    let (_, target) = p.identity("svc-reporting");
    let ep = p.begin(
        EpisodeKind::Attack,
        "persistence_access_key",
        &["T1098.001"],
        &victim.principal_arn,
        "a poisoned workflow's CI session creates an access key for another user".into(),
    );
    let net = victim.networks[0].clone();
    let ip = net.sample_ip(&mut p.rng);
    let caller = p.session_caller(victim, at, ip, victim.user_agents[0].clone());
    let key = ids::access_key_id(&mut p.rng, true);
    let calls = vec![
        Call::new("iam", "ListAccessKeys", HOME_REGION).request(json!({"userName": target.name})),
        create_access_key_call(&target.name, &key, at),
    ];
    p.burst(ep, at, 20, calls, &caller, &victim.account.clone());
}

fn persistence_create_user(p: &mut Planner<'_>, at: i64) {
    let (_, victim) = p.identity("bastion-ssm");
    let ep = p.begin(
        EpisodeKind::Attack,
        "persistence_create_user",
        &["T1136.003", "T1098.001"],
        &victim.principal_arn,
        "instance credentials create a new IAM user with admin policy and a key".into(),
    );
    let caller = p.attacker_caller(victim, at);
    let account = victim.account.clone();
    let user = "support-automation";
    let user_id = ids::iam_id(&mut p.rng, "AIDA", 17);
    let key = ids::access_key_id(&mut p.rng, true);
    let calls = vec![
        Call::new("iam", "CreateUser", HOME_REGION)
            .request(json!({"userName": user}))
            .response(json!({"user": {
                "path": "/",
                "userName": user,
                "userId": user_id,
                "arn": format!("arn:aws:iam::{account}:user/{user}"),
                "createDate": response_date(at),
            }})),
        Call::new("iam", "AttachUserPolicy", HOME_REGION).request(json!({
            "userName": user,
            "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess",
        })),
        create_access_key_call(user, &key, at),
    ];
    p.burst(ep, at, 30, calls, &caller, &account);
}

fn persistence_login_profile(p: &mut Planner<'_>, at: i64) {
    let (_, victim) = p.identity("invoice-mailer-role");
    let (_, target) = p.identity("svc-backup-sync");
    let ep = p.begin(
        EpisodeKind::Attack,
        "persistence_login_profile",
        &["T1098"],
        &victim.principal_arn,
        "a Lambda session gives a service user a console password".into(),
    );
    let caller = p.attacker_caller(victim, at);
    let call = Call::new("iam", "CreateLoginProfile", HOME_REGION)
        .request(json!({"userName": target.name, "passwordResetRequired": false}))
        .response(json!({"loginProfile": {
            "userName": target.name,
            "createDate": response_date(at),
            "passwordResetRequired": false,
        }}));
    p.burst(ep, at, 5, vec![call], &caller, &victim.account.clone());
}

fn persistence_trust_policy(p: &mut Planner<'_>, at: i64) {
    let (_, victim) = p.identity("svc-terraform");
    let (_, target) = p.identity("orders-processor-role");
    let ep = p.begin(
        EpisodeKind::Attack,
        "persistence_trust_policy",
        &["T1098.003"],
        &victim.principal_arn,
        "a stolen key rewrites another role's trust policy to let an outside account assume it"
            .into(),
    );
    let caller = p.attacker_caller(victim, at);
    let external = p.estate.external_account.clone();
    let policy = format!(
        "{{\"Version\":\"2012-10-17\",\"Statement\":[{{\"Effect\":\"Allow\",\"Principal\":{{\"AWS\":\"arn:aws:iam::{external}:root\"}},\"Action\":\"sts:AssumeRole\"}}]}}"
    );
    let call = Call::new("iam", "UpdateAssumeRolePolicy", HOME_REGION)
        .request(json!({"roleName": target.name, "policyDocument": policy}));
    p.burst(ep, at, 5, vec![call], &caller, &victim.account.clone());
}

// ------------------------------------------------------------- lateral movement

/// The victim's caller assumes `role` (a new session) and returns the new caller.
fn assume_into(
    p: &mut Planner<'_>,
    ep: usize,
    at: i64,
    caller: &Caller,
    role: &RoleRef<'_>,
    session_name: &str,
) -> Caller {
    let key = ids::access_key_id(&mut p.rng, false);
    let call = assume_role_call(HOME_REGION, role, session_name, &key, at, 3600, None);
    let caller_account = caller.identity.account_id.clone().unwrap_or_default();
    p.emit(Some(ep), at, call, caller, &caller_account);
    if caller_account != role.account {
        // Cross-account AssumeRole is also delivered to the role's account; the two
        // copies share a sharedEventID.
        let call = assume_role_call(HOME_REGION, role, session_name, &key, at, 3600, None);
        p.emit(Some(ep), at, call, caller, role.account);
        let shared = ids::uuid(&mut p.rng);
        let copies = p.plan.events.len() - 2..p.plan.events.len();
        for event in &mut p.plan.events[copies] {
            event.record.shared_event_id = Some(shared.clone());
        }
    }
    Caller {
        identity: role_session_identity_parts(
            role.account,
            role.name,
            role.unique_id,
            session_name,
            &key,
            at,
            false,
        ),
        source_ip: caller.source_ip.clone(),
        user_agent: caller.user_agent.clone(),
        console: false,
    }
}

fn lateral_new_role(p: &mut Planner<'_>, at: i64) {
    let (_, victim) = p.identity("web-app-instance");
    let ep = p.begin(
        EpisodeKind::Attack,
        "lateral_new_role",
        &["T1078.004", "T1550.001"],
        &victim.principal_arn,
        "an instance role assumes a privileged role it has never assumed".into(),
    );
    let ip = p.usual_ip(victim);
    let caller = p.session_caller(victim, at, ip, victim.user_agents[0].clone());
    let account = victim.account.clone();
    let unique = ids::iam_id(&mut p.rng, "AROA", 17);
    let role = RoleRef {
        account: &account,
        name: "admin-break-glass",
        unique_id: &unique,
    };
    let new_caller = assume_into(p, ep, at, &caller, &role, "maint");
    let calls = vec![
        Call::new("iam", "ListUsers", HOME_REGION),
        Call::new("s3", "ListBuckets", HOME_REGION).request(json!({"Host": "s3.amazonaws.com"})),
        Call::new("secretsmanager", "ListSecrets", HOME_REGION),
    ];
    p.burst(ep, at + 5, 30, calls, &new_caller, &account);
}

fn lateral_cross_account(p: &mut Planner<'_>, at: i64) {
    let (_, victim) = p.identity("agent-data-analyst");
    let ep = p.begin(
        EpisodeKind::Attack,
        "lateral_cross_account",
        &["T1078.004", "T1550.001"],
        &victim.principal_arn,
        "an agent in the data account assumes the organisation admin role in production".into(),
    );
    let caller = p.attacker_caller(victim, at);
    let prod = p.estate.accounts[0].clone();
    let unique = ids::iam_id(&mut p.rng, "AROA", 17);
    let role = RoleRef {
        account: &prod,
        name: "OrganizationAccountAccessRole",
        unique_id: &unique,
    };
    let new_caller = assume_into(p, ep, at, &caller, &role, "analysis");
    let calls = vec![
        Call::new("s3", "ListBuckets", HOME_REGION).request(json!({"Host": "s3.amazonaws.com"})),
        Call::new("iam", "ListRoles", HOME_REGION),
    ];
    p.burst(ep, at + 5, 30, calls, &new_caller, &prod);
}

fn lateral_role_chaining(p: &mut Planner<'_>, at: i64) {
    let (_, victim) = p.identity("svc-reporting");
    let ep = p.begin(
        EpisodeKind::Attack,
        "lateral_role_chaining",
        &["T1078.004", "T1550.001"],
        &victim.principal_arn,
        "a user key assumes one role, and from that session a second one".into(),
    );
    let caller = p.attacker_caller(victim, at);
    let data = p.estate.accounts[1].clone();
    let first_id = ids::iam_id(&mut p.rng, "AROA", 17);
    let second_id = ids::iam_id(&mut p.rng, "AROA", 17);
    let first = RoleRef {
        account: &data,
        name: "data-readonly",
        unique_id: &first_id,
    };
    let hop = assume_into(p, ep, at, &caller, &first, "hop1");
    let second = RoleRef {
        account: &data,
        name: "data-platform-admin",
        unique_id: &second_id,
    };
    let last = assume_into(p, ep, at + 40, &hop, &second, "hop2");
    let calls = vec![
        Call::new("s3", "ListBuckets", HOME_REGION).request(json!({"Host": "s3.amazonaws.com"})),
        Call::new("dynamodb", "ListTables", HOME_REGION),
    ];
    p.burst(ep, at + 60, 30, calls, &last, &data);
}

// ------------------------------------------------------------- defence evasion

fn evasion(
    p: &mut Planner<'_>,
    at: i64,
    technique: &str,
    victim_name: &str,
    mitre: &str,
    call: Call,
    what: &str,
) {
    let (_, victim) = p.identity(victim_name);
    let ep = p.begin(
        EpisodeKind::Attack,
        technique,
        &[mitre],
        &victim.principal_arn,
        what.to_string(),
    );
    let caller = p.attacker_caller(victim, at);
    p.burst(ep, at, 5, vec![call], &caller, &victim.account.clone());
}

fn evasion_stop_logging(p: &mut Planner<'_>, at: i64) {
    let call = Call::new("cloudtrail", "StopLogging", HOME_REGION)
        .request(json!({"name": p.estate.trail_arn}));
    evasion(
        p,
        at,
        "evasion_stop_logging",
        "svc-terraform",
        "T1562.008",
        call,
        "the organisation trail is stopped",
    );
}

fn evasion_delete_trail(p: &mut Planner<'_>, at: i64) {
    let call = Call::new("cloudtrail", "DeleteTrail", HOME_REGION)
        .request(json!({"name": p.estate.trail_arn}));
    evasion(
        p,
        at,
        "evasion_delete_trail",
        "batch-worker",
        "T1562.008",
        call,
        "the organisation trail is deleted",
    );
}

fn evasion_event_selectors(p: &mut Planner<'_>, at: i64) {
    let call = Call::new("cloudtrail", "PutEventSelectors", HOME_REGION).request(json!({
        "trailName": p.estate.trail_arn,
        "eventSelectors": [{
            "readWriteType": "ReadOnly",
            "includeManagementEvents": false,
            "dataResources": [],
            "excludeManagementEventSources": [],
        }],
    }));
    evasion(
        p,
        at,
        "evasion_event_selectors",
        "github-deploy-web",
        "T1562.008",
        call,
        "trail event selectors changed to drop management and write events",
    );
}

fn evasion_delete_flow_logs(p: &mut Planner<'_>, at: i64) {
    let flow_log = format!("fl-0{}", ids::lower_hex(&mut p.rng, 16));
    let call = Call::new("ec2", "DeleteFlowLogs", HOME_REGION).request(json!({
        "DeleteFlowLogsRequest": {"FlowLogId": {"tag": 1, "content": flow_log}}
    }));
    evasion(
        p,
        at,
        "evasion_delete_flow_logs",
        "reporting-node",
        "T1562.008",
        call,
        "VPC flow logs are deleted",
    );
}

fn evasion_guardduty_detector(p: &mut Planner<'_>, at: i64) {
    let detector = ids::lower_hex(&mut p.rng, 32);
    let call = Call::new("guardduty", "DeleteDetector", HOME_REGION)
        .request(json!({"detectorId": detector}));
    evasion(
        p,
        at,
        "evasion_guardduty_detector",
        "audit-export-role",
        "T1562.001",
        call,
        "the GuardDuty detector is deleted",
    );
}

// ----------------------------------------------------------------- exfiltration

fn exfil_s3_volume(p: &mut Planner<'_>, at: i64) {
    let (_, victim) = p.identity("reporting-node");
    let ep = p.begin(
        EpisodeKind::Attack,
        "exfil_s3_volume",
        &["T1530"],
        &victim.principal_arn,
        "an instance role downloads far more objects and bytes than ever before, from its usual network".into(),
    );
    let ip = p.usual_ip(victim);
    let caller = p.session_caller(victim, at, ip, victim.user_agents[0].clone());
    let account = victim.account.clone();
    let region = victim.regions[0].clone();
    let count = p.rng.random_range(300..500);
    let mut t = at;
    for n in 0..count {
        let bytes = p.rng.random_range(20_000_000..120_000_000u64);
        let key = format!("exports/customers/part-{n:05}.parquet");
        let call = api::get_object(
            &region,
            &account,
            &victim.resources.bucket,
            &key,
            bytes,
            &mut p.rng,
        );
        t += p.rng.random_range(1..=8);
        p.emit(Some(ep), t, call, &caller, &account);
    }
}

// One argument per way the sharing scenarios differ; a struct would only rename them.
#[allow(clippy::too_many_arguments)]
fn share(
    p: &mut Planner<'_>,
    at: i64,
    kind: EpisodeKind,
    technique: &str,
    victim_name: &str,
    mitre: &[&str],
    target_account: String,
    what: String,
    make: fn(&mut ChaCha8Rng, &str) -> Call,
) {
    let (_, victim) = p.identity(victim_name);
    let ep = p.begin(kind, technique, mitre, &victim.principal_arn, what);
    let caller = if kind == EpisodeKind::Attack {
        p.attacker_caller(victim, at)
    } else {
        let ip = p.usual_ip(victim);
        p.session_caller(victim, at, ip, victim.user_agents[0].clone())
    };
    let call = make(&mut p.rng, &target_account);
    p.burst(ep, at, 5, vec![call], &caller, &victim.account.clone());
}

fn snapshot_share_call(rng: &mut ChaCha8Rng, account: &str) -> Call {
    Call::new("ec2", "ModifySnapshotAttribute", HOME_REGION).request(json!({
        "snapshotId": format!("snap-0{}", ids::lower_hex(rng, 16)),
        "createVolumePermission": {"add": {"items": [{"userId": account}]}},
        "attributeType": "CREATE_VOLUME_PERMISSION",
    }))
}

fn exfil_snapshot_share(p: &mut Planner<'_>, at: i64) {
    let external = p.estate.external_account.clone();
    share(
        p,
        at,
        EpisodeKind::Attack,
        "exfil_snapshot_share",
        "web-app-instance",
        &["T1537"],
        external,
        "an EBS snapshot is shared with an unknown account".into(),
        snapshot_share_call,
    );
}

fn exfil_ami_share(p: &mut Planner<'_>, at: i64) {
    let external = p.estate.external_account.clone();
    share(
        p,
        at,
        EpisodeKind::Attack,
        "exfil_ami_share",
        "batch-worker",
        &["T1537"],
        external,
        "an AMI is shared with an unknown account".into(),
        |rng, account| {
            Call::new("ec2", "ModifyImageAttribute", HOME_REGION).request(json!({
                "imageId": format!("ami-0{}", ids::lower_hex(rng, 16)),
                "launchPermission": {"add": {"items": [{"userId": account}]}},
                "attributeType": "launchPermission",
            }))
        },
    );
}

fn exfil_db_snapshot_share(p: &mut Planner<'_>, at: i64) {
    let external = p.estate.external_account.clone();
    share(
        p,
        at,
        EpisodeKind::Attack,
        "exfil_db_snapshot_share",
        "svc-terraform",
        &["T1537"],
        external,
        "an RDS snapshot's restore attribute is opened to an unknown account".into(),
        |rng, account| {
            Call::new("rds", "ModifyDBSnapshotAttribute", HOME_REGION).request(json!({
                "dBSnapshotIdentifier": format!("orders-db-{}", ids::lower_hex(rng, 6)),
                "attributeName": "restore",
                "valuesToAdd": [account],
            }))
        },
    );
}

fn exfil_bucket_policy(p: &mut Planner<'_>, at: i64) {
    let external = p.estate.external_account.clone();
    share(
        p,
        at,
        EpisodeKind::Attack,
        "exfil_bucket_policy",
        "orders-processor-role",
        &["T1537"],
        external,
        "a bucket policy grants an unknown account read access".into(),
        |_, account| {
            let bucket = "orders-processor-data";
            Call::new("s3", "PutBucketPolicy", HOME_REGION).request(json!({
                "bucketName": bucket,
                "Host": format!("{bucket}.s3.{HOME_REGION}.amazonaws.com"),
                "bucketPolicy": {
                    "Version": "2012-10-17",
                    "Statement": [{
                        "Effect": "Allow",
                        "Principal": {"AWS": format!("arn:aws:iam::{account}:root")},
                        "Action": ["s3:GetObject", "s3:ListBucket"],
                        "Resource": [format!("arn:aws:s3:::{bucket}"), format!("arn:aws:s3:::{bucket}/*")],
                    }],
                },
                "policy": "",
            }))
        },
    );
}

// ------------------------------------------------------ credential misuse

fn credential_new_network(p: &mut Planner<'_>, at: i64) {
    let (_, victim) = p.identity("web-app-instance");
    let ep = p.begin(
        EpisodeKind::Attack,
        "credential_new_network",
        &["T1552.005", "T1078.004"],
        &victim.principal_arn,
        "instance-profile credentials taken from the metadata service are used outside AWS".into(),
    );
    let caller = p.attacker_caller(victim, at);
    let account = victim.account.clone();
    let mut calls = vec![
        Call::new("sts", "GetCallerIdentity", HOME_REGION),
        Call::new("s3", "ListBuckets", HOME_REGION).request(json!({"Host": "s3.amazonaws.com"})),
    ];
    for _ in 0..5 {
        calls.push(api::routine_call(
            "s3",
            "GetObject",
            HOME_REGION,
            &account,
            &victim.resources,
            &mut p.rng,
        ));
    }
    p.burst(ep, at, 30, calls, &caller, &account);
}

fn dormant_key_wakeup(p: &mut Planner<'_>, at: i64) {
    let (index, victim) = p.identity(DORMANT_USER);
    // Its previous life: a few calls about four months before the window opens.
    let last_use = p.window_start - 120 * 86_400 + p.rng.random_range(0..86_400);
    let ip = p.usual_ip(victim);
    let old_caller = p.user_caller(victim, ip, victim.user_agents[0].clone());
    let account = victim.account.clone();
    for k in 0..3 {
        let call = api::routine_call(
            "s3",
            "ListObjects",
            HOME_REGION,
            &account,
            &victim.resources,
            &mut p.rng,
        );
        p.emit(None, last_use - 600 + k * 200, call, &old_caller, &account);
    }
    p.plan.last_used_before_window.push((index, last_use - 200));
    let ep = p.begin(
        EpisodeKind::Attack,
        "dormant_key_wakeup",
        &["T1078.004"],
        &victim.principal_arn,
        "a key unused for 120 days is used again, from a new network".into(),
    );
    let ip = p.attacker_ip();
    let ua = p.attacker_ua();
    let caller = p.user_caller(victim, ip, ua);
    let calls = vec![
        Call::new("sts", "GetCallerIdentity", HOME_REGION),
        Call::new("s3", "ListBuckets", HOME_REGION).request(json!({"Host": "s3.amazonaws.com"})),
        api::routine_call(
            "s3",
            "ListObjects",
            HOME_REGION,
            &account,
            &victim.resources,
            &mut p.rng,
        ),
    ];
    p.burst(ep, at, 60, calls, &caller, &account);
}

fn human_use_of_nhi(p: &mut Planner<'_>, at: i64) {
    let (_, victim) = p.identity("svc-reporting");
    let ep = p.begin(
        EpisodeKind::Attack,
        "human_use_of_nhi",
        &["T1078.004"],
        &victim.principal_arn,
        "a person signs in to the console as a service user and browses".into(),
    );
    let ip = p.usual_ip(victim);
    let account = victim.account.clone();
    let mut login_caller = p.user_caller(victim, ip.clone(), BROWSER_UA.to_string());
    login_caller.identity.access_key_id = None;
    let mut login = Call::new("signin", "ConsoleLogin", HOME_REGION)
        .response(json!({"ConsoleLogin": "Success"}));
    login.event_type = "AwsConsoleSignIn";
    login.read_only = false;
    login.additional = Some(json!({
        "LoginTo": "https://console.aws.amazon.com/console/home?state=hashArgs%23&isauthcode=true",
        "MobileVersion": "No",
        "MFAUsed": "No",
    }));
    p.emit(Some(ep), at, login, &login_caller, &account);
    let console_key = ids::access_key_id(&mut p.rng, false);
    let mut identity = iam_user_identity(victim, Some(&console_key));
    identity.session_context = Some(crate::record::SessionContext {
        attributes: crate::record::SessionAttributes {
            creation_date: crate::stamp::rfc3339(at),
            mfa_authenticated: "false".into(),
        },
        ..Default::default()
    });
    let console = Caller {
        identity,
        source_ip: ip,
        user_agent: BROWSER_UA.to_string(),
        console: true,
    };
    let calls = vec![
        Call::new("s3", "ListBuckets", HOME_REGION).request(json!({"Host": "s3.amazonaws.com"})),
        Call::new("iam", "GetAccountSummary", HOME_REGION),
        Call::new("ec2", "DescribeInstances", HOME_REGION).request(json!({"filterSet": {}})),
        Call::new("cloudtrail", "LookupEvents", HOME_REGION),
    ];
    p.burst(ep, at + 10, 45, calls, &console, &account);
}

fn llm_jacking_calls(p: &mut Planner<'_>, regions: &[&str], invocations: u32) -> Vec<Call> {
    let models = [
        "anthropic.claude-3-opus-20240229-v1:0",
        "anthropic.claude-3-5-sonnet-20240620-v1:0",
        "meta.llama3-1-405b-instruct-v1:0",
    ];
    let mut calls = Vec::new();
    for region in regions {
        calls.push(Call::new("bedrock", "ListFoundationModels", region));
        calls.push(Call::new(
            "bedrock",
            "GetModelInvocationLoggingConfiguration",
            region,
        ));
        for _ in 0..invocations {
            let model = models.choose(&mut p.rng).expect("models");
            let mut call =
                Call::new("bedrock", "InvokeModel", region).request(json!({"modelId": model}));
            call.additional = Some(json!({
                "inputTokens": p.rng.random_range(2000..8000),
                "outputTokens": p.rng.random_range(2000..4096),
            }));
            calls.push(call);
        }
    }
    calls
}

fn llm_jacking_new_identity(p: &mut Planner<'_>, at: i64) {
    let (_, victim) = p.identity("thumbnail-resizer-role");
    let ep = p.begin(
        EpisodeKind::Attack,
        "llm_jacking_new_identity",
        &["T1496.004"],
        &victim.principal_arn,
        "a role that never used Bedrock lists models and invokes them in several regions".into(),
    );
    let caller = p.attacker_caller(victim, at);
    let calls = llm_jacking_calls(p, &["us-east-1", "us-west-2", "eu-central-1"], 12);
    p.burst(ep, at, 20, calls, &caller, &victim.account.clone());
}

fn llm_jacking_new_region(p: &mut Planner<'_>, at: i64) {
    let (_, victim) = p.identity("agent-support-bot");
    let ep = p.begin(
        EpisodeKind::Attack,
        "llm_jacking_new_region",
        &["T1496.004"],
        &victim.principal_arn,
        "an agent's credentials invoke Bedrock models in regions it never used".into(),
    );
    let caller = p.attacker_caller(victim, at);
    let calls = llm_jacking_calls(p, &["eu-west-3", "ap-northeast-1", "ap-south-1"], 15);
    p.burst(ep, at, 20, calls, &caller, &victim.account.clone());
}

// ---------------------------------------------------------- benign novelty

fn key_rotation(p: &mut Planner<'_>, at: i64) {
    let (_, rotator) = p.identity(KEY_ROTATOR);
    let (user_index, user) = p.identity("svc-backup-sync");
    let ep = p.begin(
        EpisodeKind::Benign,
        "key_rotation",
        &[],
        &rotator.principal_arn,
        format!("the key rotator replaces {}'s access key", user.name),
    );
    let ip = p.usual_ip(rotator);
    let caller = p.session_caller(rotator, at, ip, rotator.user_agents[0].clone());
    let old_key = user.access_key_id.clone().unwrap_or_default();
    let new_key = ids::access_key_id(&mut p.rng, true);
    let calls = vec![
        Call::new("iam", "ListAccessKeys", HOME_REGION).request(json!({"userName": user.name})),
        create_access_key_call(&user.name, &new_key, at),
        Call::new("iam", "UpdateAccessKey", HOME_REGION).request(json!({
            "userName": user.name, "accessKeyId": old_key, "status": "Inactive",
        })),
        Call::new("iam", "DeleteAccessKey", HOME_REGION).request(json!({
            "userName": user.name, "accessKeyId": old_key,
        })),
    ];
    let end = p.burst(ep, at, 20, calls, &caller, &user.account.clone());
    p.plan.changes.push(ScheduledChange {
        at: end + 1,
        identity: user_index,
        change: HabitChange::ReplaceKey(new_key),
        label: None,
    });
}

fn ci_deploy_usual(p: &mut Planner<'_>, at: i64) {
    let (_, victim) = p.identity("github-deploy-web");
    let ep = p.begin(
        EpisodeKind::Benign,
        "ci_deploy_usual",
        &[],
        &victim.principal_arn,
        "a large out-of-hours release that stays within the pipeline's usual services".into(),
    );
    let ip = p.usual_ip(victim);
    let key = ids::access_key_id(&mut p.rng, false);
    let opener = session_opener(victim, &ip, &victim.user_agents[0]);
    let role = RoleRef {
        account: &victim.account,
        name: &victim.name,
        unique_id: &victim.unique_id,
    };
    let assume = assume_role_call(
        HOME_REGION,
        &role,
        &victim.session_name,
        &key,
        at,
        3600,
        web_identity_of(victim),
    );
    p.emit(Some(ep), at, assume, &opener, &victim.account);
    let caller = Caller {
        identity: role_session_identity(victim, &victim.session_name, &key, at),
        source_ip: ip,
        user_agent: victim.user_agents[0].clone(),
        console: false,
    };
    let count = p.rng.random_range(40..60);
    let calls = (0..count)
        .map(|_| {
            let (service, name, _) = *victim.calls.choose(&mut p.rng).expect("calls");
            api::routine_call(
                service,
                name,
                HOME_REGION,
                &victim.account,
                &victim.resources,
                &mut p.rng,
            )
        })
        .collect();
    p.burst(ep, at + 5, 20, calls, &caller, &victim.account.clone());
}

fn cohort_new_region(p: &mut Planner<'_>, at: i64) {
    let estate = p.estate;
    let cohort: Vec<usize> = estate
        .of_kind(IdentityKind::LambdaRole)
        .into_iter()
        .filter(|&i| ![KEY_ROTATOR, DR_BACKUP].contains(&estate.identities[i].name.as_str()))
        .collect();
    let new_region = "eu-west-1";
    let first = &estate.identities[cohort[0]];
    let ep = p.begin(
        EpisodeKind::Benign,
        "cohort_new_region",
        &[],
        &first.principal_arn,
        format!(
            "all {} Lambda roles start working in {new_region} the same day",
            cohort.len()
        ),
    );
    for &index in &cohort {
        let identity = &estate.identities[index];
        let t = at + p.rng.random_range(0..1800);
        let ip = p.usual_ip(identity);
        let caller = p.session_caller(identity, t, ip, identity.user_agents[0].clone());
        let (service, name, _) = identity.calls[0];
        let call = api::routine_call(
            service,
            name,
            new_region,
            &identity.account,
            &identity.resources,
            &mut p.rng,
        );
        p.emit(Some(ep), t, call, &caller, &identity.account);
        p.plan.changes.push(ScheduledChange {
            at,
            identity: index,
            change: HabitChange::AddRegion(new_region.to_string()),
            label: Some(LabelWindow {
                episode: ep,
                until: at + 86_400,
            }),
        });
    }
}

fn network_move(p: &mut Planner<'_>, at: i64) {
    let (index, victim) = p.identity("svc-terraform");
    // Offices move on a working morning.
    let day_start = at - at.rem_euclid(86_400);
    let weekday = ((day_start - p.window_start) / 86_400).rem_euclid(7);
    let at = if weekday >= 5 {
        day_start + (7 - weekday) * 86_400 + 8 * 3600
    } else {
        day_start + 8 * 3600
    };
    let new_net = Network::new(
        &format!("198.51.100.{}/28", p.rng.random_range(8..15) * 16),
        "office",
    );
    let ep = p.begin(
        EpisodeKind::Benign,
        "network_move",
        &[],
        &victim.principal_arn,
        format!(
            "the office moves: {} works from {} from now on",
            victim.name, new_net.cidr
        ),
    );
    let ip = new_net.sample_ip(&mut p.rng);
    let caller = p.user_caller(victim, ip, victim.user_agents[0].clone());
    let call = Call::new("sts", "GetCallerIdentity", HOME_REGION);
    p.emit(Some(ep), at, call, &caller, &victim.account.clone());
    p.plan.changes.push(ScheduledChange {
        at,
        identity: index,
        change: HabitChange::ReplaceNetworks(vec![new_net]),
        label: Some(LabelWindow {
            episode: ep,
            until: at + 86_400,
        }),
    });
}

fn dr_snapshot_share(p: &mut Planner<'_>, at: i64) {
    let dr = p.estate.known_accounts[0].clone();
    share(
        p,
        at,
        EpisodeKind::Benign,
        "dr_snapshot_share",
        DR_BACKUP,
        &[],
        dr,
        "the backup role shares a snapshot with the disaster-recovery account listed as known"
            .into(),
        snapshot_share_call,
    );
}
