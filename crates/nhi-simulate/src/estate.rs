//! The simulated estate: accounts, and the non-human identities with their habits.

use rand::Rng;
use rand::seq::IndexedRandom;
use serde::{Deserialize, Serialize};

use crate::api::Resources;
use crate::ids::{self, Network};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdentityKind {
    AiAgent,
    CiRole,
    LambdaRole,
    Ec2Role,
    IamUser,
}

impl IdentityKind {
    pub fn is_role(self) -> bool {
        !matches!(self, IdentityKind::IamUser)
    }
}

/// How an identity's role sessions are obtained, which decides the STS record that
/// precedes its calls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionSource {
    /// Long-term AKIA key; no session.
    LongTermKey,
    /// AssumeRole made by an AWS service on the role's behalf (Lambda, EC2, ECS tasks).
    Service { invoked_by: &'static str },
    /// AssumeRoleWithWebIdentity from an OIDC provider (GitHub Actions, EKS).
    WebIdentity { provider: String, subject: String },
}

/// When in the week an identity works: a weight per hour of week, Monday 00:00 UTC first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schedule {
    /// Busy all the time, a little busier in European/US working hours.
    AlwaysOn,
    /// Weekdays 08:00–18:00 UTC, with a trickle outside.
    BusinessHours,
    /// 01:00–03:00 UTC every day.
    Nightly,
    /// No routine activity at all.
    Idle,
}

impl Schedule {
    pub fn weight(self, hour_of_week: u32) -> f64 {
        let day = hour_of_week / 24;
        let hour = hour_of_week % 24;
        match self {
            Schedule::AlwaysOn => {
                if (7..20).contains(&hour) {
                    1.0
                } else {
                    0.5
                }
            }
            Schedule::BusinessHours => {
                if day < 5 && (8..18).contains(&hour) {
                    1.0
                } else {
                    0.02
                }
            }
            Schedule::Nightly => {
                if (1..3).contains(&hour) {
                    1.0
                } else {
                    0.0
                }
            }
            Schedule::Idle => 0.0,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Identity {
    pub name: String,
    pub kind: IdentityKind,
    pub account: String,
    /// The IAM role or user ARN: the identity's stable name in labels.
    pub principal_arn: String,
    /// AROA… for roles, AIDA… for users.
    pub unique_id: String,
    /// Role session name (function name, instance id, GitHubActions…).
    pub session_name: String,
    pub access_key_id: Option<String>,
    pub session_source: SessionSource,
    pub session_hours: i64,
    pub networks: Vec<Network>,
    pub user_agents: Vec<String>,
    pub regions: Vec<String>,
    /// Routine API calls with relative weights.
    pub calls: Vec<(&'static str, &'static str, u32)>,
    pub resources: Resources,
    pub schedule: Schedule,
    /// Mean calls per hour at schedule weight 1.
    pub rate_per_hour: f64,
    /// CI roles work in deploy bursts rather than a steady stream.
    pub bursty: bool,
    pub rotator_principals: Vec<String>,
}

impl Identity {
    pub fn role_arn(account: &str, name: &str) -> String {
        format!("arn:aws:iam::{account}:role/{name}")
    }
}

/// Everything the generator knows about the simulated organisation.
#[derive(Debug, Clone)]
pub struct Estate {
    /// Accounts that belong to the organisation and deliver CloudTrail.
    pub accounts: Vec<String>,
    /// Third-party accounts the organisation trusts (disaster recovery, audit).
    pub known_accounts: Vec<String>,
    /// An account nobody in the organisation knows: the attacker's.
    pub external_account: String,
    pub identities: Vec<Identity>,
    pub trail_arn: String,
}

pub const HOME_REGION: &str = "us-east-1";

// Public address blocks used as the estate's networks. Facts, not secrets: GitHub-hosted
// runners run in Azure address space, Lambda and NAT gateways egress from AWS space,
// and the offices sit in the RFC 5737 documentation ranges.
const GITHUB_RUNNER_NETS: &[&str] = &["4.148.0.0/16", "20.102.0.0/17", "52.176.0.0/16"];
const AWS_EGRESS_NETS: &[&str] = &[
    "3.208.0.0/16",
    "34.192.0.0/16",
    "44.192.0.0/16",
    "52.0.0.0/16",
    "54.80.0.0/16",
];
const OFFICE_NETS: &[&str] = &["203.0.113.0/24", "198.51.100.0/24"];

pub const BROWSER_UA: &str = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

const LAMBDA_PY_UA: &str = "Boto3/1.34.145 md/Botocore#1.34.145 ua/2.0 os/linux#5.10.224-232.876.amzn2.x86_64 md/arch#x86_64 lang/python#3.12.4 md/pyimpl#CPython exec-env/AWS_Lambda_python3.12 cfg/retry-mode#legacy Botocore/1.34.145";
const LAMBDA_NODE_UA: &str = "aws-sdk-js/3.621.0 ua/2.1 os/linux#5.10.224-232.876.amzn2.x86_64 lang/js md/nodejs#20.15.1 api/dynamodb#3.621.0 exec-env/AWS_Lambda_nodejs20.x";
const EC2_JAVA_UA: &str = "aws-sdk-java/2.26.7 Linux/6.1.97-104.177.amzn2023.x86_64 OpenJDK_64-Bit_Server_VM/21.0.4+7-LTS Java/21.0.4 vendor/Amazon.com_Inc. io/sync http/Apache cfg/retry-mode/legacy";
const EC2_CLI_UA: &str = "aws-cli/2.17.20 md/awscrt#0.20.11 ua/2.0 os/linux#6.1.97-104.177.amzn2023.x86_64 md/arch#x86_64 lang/python#3.11.9 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe md/distrib#amzn.2023 prompt/off command/s3.cp";
const AGENT_UA: &str = "Boto3/1.35.36 md/Botocore#1.35.36 ua/2.0 os/linux#6.1.109 md/arch#x86_64 lang/python#3.12.7 md/pyimpl#CPython exec-env/AWS_ECS_FARGATE cfg/retry-mode#standard Botocore/1.35.36 langchain-aws/0.2.2";
const CI_UA: &str = "aws-sdk-js/3.654.0 ua/2.1 os/linux#6.5.0-1025-azure lang/js md/nodejs#20.17.0 api/cloudformation#3.654.0";
const TERRAFORM_UA: &str = "APN/1.0 HashiCorp/1.0 Terraform/1.9.7 (+https://www.terraform.io) terraform-provider-aws/5.70.0 (+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go-v2/1.32.0 ua/2.1 os/linux lang/go#1.22.7 md/GOOS#linux md/GOARCH#amd64 api/ec2#1.179.2";
const USER_CLI_UA: &str = "aws-cli/2.18.0 md/awscrt#0.21.5 ua/2.0 os/linux#5.15.0-122-generic md/arch#x86_64 lang/python#3.12.6 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe md/distrib#ubuntu.22 prompt/off command/s3.sync";
const USER_BOTO_UA: &str = "Boto3/1.34.100 md/Botocore#1.34.100 ua/2.0 os/linux#5.15.0-122-generic md/arch#x86_64 lang/python#3.11.6 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.100";

fn nets(rng: &mut impl Rng, pool: &[&str], label: &str, count: usize) -> Vec<Network> {
    (0..count)
        .map(|_| {
            let block = pool.choose(rng).expect("non-empty pool");
            // A /28 inside the block: one NAT gateway's or runner pool's addresses.
            let (base, prefix) = block.split_once('/').expect("cidr");
            let octets: Vec<u32> = base.split('.').map(|o| o.parse().expect("octet")).collect();
            // Stay inside the block: only wide blocks have a third octet to vary.
            let third = if prefix == "24" {
                octets[2]
            } else {
                (octets[2] + rng.random_range(0..64)) % 256
            };
            let fourth = rng.random_range(0..16) * 16;
            Network::new(
                &format!("{}.{}.{third}.{fourth}/28", octets[0], octets[1]),
                label,
            )
        })
        .collect()
}

fn suffixed(name: &str, replica: u32) -> String {
    if replica == 0 {
        name.to_string()
    } else {
        format!("{name}-{replica}")
    }
}

struct Builder<'a, R: Rng> {
    rng: &'a mut R,
    identities: Vec<Identity>,
}

impl<R: Rng> Builder<'_, R> {
    fn push(&mut self, mut identity: Identity) {
        identity.unique_id = ids::iam_id(
            self.rng,
            if identity.kind.is_role() {
                "AROA"
            } else {
                "AIDA"
            },
            17,
        );
        identity.principal_arn = if identity.kind.is_role() {
            Identity::role_arn(&identity.account, &identity.name)
        } else {
            format!("arn:aws:iam::{}:user/{}", identity.account, identity.name)
        };
        if !identity.kind.is_role() {
            identity.access_key_id = Some(ids::access_key_id(self.rng, true));
        }
        if identity.resources.kms_key_id.is_empty() {
            identity.resources.kms_key_id = ids::uuid(self.rng);
        }
        self.identities.push(identity);
    }
}

fn blank(name: String, kind: IdentityKind, account: &str) -> Identity {
    Identity {
        name,
        kind,
        account: account.to_string(),
        principal_arn: String::new(),
        unique_id: String::new(),
        session_name: String::new(),
        access_key_id: None,
        session_source: SessionSource::LongTermKey,
        session_hours: 1,
        networks: Vec::new(),
        user_agents: Vec::new(),
        regions: vec![HOME_REGION.to_string()],
        calls: Vec::new(),
        resources: Resources::default(),
        schedule: Schedule::AlwaysOn,
        rate_per_hour: 1.0,
        bursty: false,
        rotator_principals: Vec::new(),
    }
}

/// Names of identities that play fixed parts in the scenarios.
pub const KEY_ROTATOR: &str = "iam-key-rotator";
pub const DR_BACKUP: &str = "dr-snapshot-backup";
pub const DORMANT_USER: &str = "svc-legacy-sync";

impl Estate {
    pub fn build(rng: &mut impl Rng, scale: u32) -> Estate {
        let prod = ids::account_id(rng);
        let data = ids::account_id(rng);
        let dr = ids::account_id(rng);
        let audit = ids::account_id(rng);
        let external = ids::account_id(rng);
        let mut b = Builder {
            rng,
            identities: Vec::new(),
        };
        for replica in 0..scale {
            for (i, base) in [
                "agent-support-bot",
                "agent-code-review",
                "agent-data-analyst",
            ]
            .iter()
            .enumerate()
            {
                let name = suffixed(base, replica);
                let account = if i == 2 { &data } else { &prod };
                let mut id = blank(name.clone(), IdentityKind::AiAgent, account);
                id.session_name = format!("{}-{}", base, ids::lower_hex(b.rng, 8));
                id.session_source = if i % 2 == 0 {
                    SessionSource::WebIdentity {
                        provider: format!(
                            "arn:aws:iam::{account}:oidc-provider/oidc.eks.{HOME_REGION}.amazonaws.com/id/{}",
                            ids::lower_hex(b.rng, 32).to_uppercase()
                        ),
                        subject: format!("system:serviceaccount:agents:{name}"),
                    }
                } else {
                    SessionSource::Service {
                        invoked_by: "ecs-tasks.amazonaws.com",
                    }
                };
                id.session_hours = 6;
                id.networks = nets(b.rng, AWS_EGRESS_NETS, "aws-nat", 1);
                id.user_agents = vec![AGENT_UA.to_string()];
                id.regions = vec![HOME_REGION.to_string(), "us-west-2".to_string()];
                id.calls = vec![
                    ("bedrock", "InvokeModel", 60),
                    ("s3", "GetObject", 15),
                    ("dynamodb", "GetItem", 10),
                    ("dynamodb", "PutItem", 8),
                    ("dynamodb", "Query", 6),
                    ("sts", "GetCallerIdentity", 1),
                ];
                id.resources = Resources {
                    bucket: format!("{name}-knowledge-base"),
                    object_prefix: "docs/".into(),
                    table: "agent-memory".into(),
                    model_id: "anthropic.claude-3-5-sonnet-20240620-v1:0".into(),
                    bytes_out: (2_000, 400_000),
                    ..Resources::default()
                };
                id.rate_per_hour = 8.0;
                b.push(id);
            }
            for base in ["github-deploy-web", "github-deploy-api"] {
                let name = suffixed(base, replica);
                let mut id = blank(name.clone(), IdentityKind::CiRole, &prod);
                id.session_name = "GitHubActions".into();
                id.session_source = SessionSource::WebIdentity {
                    provider: format!(
                        "arn:aws:iam::{prod}:oidc-provider/token.actions.githubusercontent.com"
                    ),
                    subject: format!(
                        "repo:example-org/{}:ref:refs/heads/main",
                        base.trim_start_matches("github-deploy-")
                    ),
                };
                id.networks = GITHUB_RUNNER_NETS
                    .iter()
                    .map(|c| Network::new(c, "github-actions"))
                    .collect();
                id.user_agents = vec![CI_UA.to_string()];
                id.calls = vec![
                    ("cloudformation", "DescribeStacks", 6),
                    ("cloudformation", "CreateChangeSet", 2),
                    ("cloudformation", "DescribeChangeSet", 4),
                    ("cloudformation", "ExecuteChangeSet", 2),
                    ("ecr", "GetAuthorizationToken", 2),
                    ("ecr", "BatchCheckLayerAvailability", 4),
                    ("ecr", "InitiateLayerUpload", 3),
                    ("ecr", "CompleteLayerUpload", 3),
                    ("ecr", "PutImage", 2),
                    ("ecs", "RegisterTaskDefinition", 1),
                    ("ecs", "UpdateService", 1),
                    ("lambda", "UpdateFunctionCode20150331v2", 1),
                ];
                id.resources = Resources {
                    stack: format!("{name}-stack"),
                    ecr_repo: name.clone(),
                    ecs_cluster: "prod".into(),
                    ecs_service: name.clone(),
                    function: format!("{name}-edge"),
                    ..Resources::default()
                };
                id.schedule = Schedule::BusinessHours;
                id.bursty = true;
                id.rate_per_hour = 0.3;
                b.push(id);
            }
            for (i, base) in [
                "orders-processor",
                "thumbnail-resizer",
                "invoice-mailer",
                "etl-ingest",
                "audit-export",
                "token-refresher",
            ]
            .iter()
            .enumerate()
            {
                let name = suffixed(base, replica);
                let mut id = blank(format!("{name}-role"), IdentityKind::LambdaRole, &prod);
                id.session_name = name.clone();
                id.session_source = SessionSource::Service {
                    invoked_by: "lambda.amazonaws.com",
                };
                id.session_hours = 12;
                id.networks = nets(b.rng, AWS_EGRESS_NETS, "aws-lambda", 2);
                id.user_agents = vec![
                    if i % 2 == 0 {
                        LAMBDA_PY_UA
                    } else {
                        LAMBDA_NODE_UA
                    }
                    .to_string(),
                ];
                id.calls = vec![
                    ("dynamodb", "GetItem", 10),
                    ("dynamodb", "PutItem", 6),
                    ("s3", "GetObject", 6),
                    ("s3", "PutObject", 4),
                    ("ssm", "GetParameter", 1),
                ];
                if i % 3 == 0 {
                    id.calls.push(("kms", "Decrypt", 2));
                }
                id.resources = Resources {
                    bucket: format!("{name}-data"),
                    object_prefix: "in/".into(),
                    table: format!("{base}-table"),
                    parameter: format!("/{base}/config"),
                    function: name.clone(),
                    bytes_out: (500, 80_000),
                    ..Resources::default()
                };
                id.rate_per_hour = 6.0;
                b.push(id);
            }
            for (i, base) in [
                "web-app-instance",
                "batch-worker",
                "bastion-ssm",
                "reporting-node",
            ]
            .iter()
            .enumerate()
            {
                let name = suffixed(base, replica);
                let mut id = blank(
                    name.clone(),
                    IdentityKind::Ec2Role,
                    if i == 3 { &data } else { &prod },
                );
                id.session_name = format!("i-0{}", ids::lower_hex(b.rng, 16));
                id.session_source = SessionSource::Service {
                    invoked_by: "ec2.amazonaws.com",
                };
                id.session_hours = 6;
                id.networks = nets(b.rng, AWS_EGRESS_NETS, "aws-nat", 1);
                id.user_agents =
                    vec![if i % 2 == 0 { EC2_JAVA_UA } else { EC2_CLI_UA }.to_string()];
                if i == 1 {
                    id.regions = vec!["us-east-2".to_string()];
                }
                id.calls = vec![
                    ("s3", "GetObject", 10),
                    ("s3", "PutObject", 4),
                    ("s3", "ListObjects", 2),
                    ("ssm", "GetParameter", 2),
                    ("cloudwatch", "PutMetricData", 6),
                    ("ec2", "DescribeTags", 1),
                ];
                id.resources = Resources {
                    bucket: format!("{name}-assets"),
                    object_prefix: "shared/".into(),
                    parameter: format!("/{base}/settings"),
                    bytes_out: (10_000, 2_000_000),
                    ..Resources::default()
                };
                id.rate_per_hour = 4.0;
                b.push(id);
            }
            let office = nets(b.rng, OFFICE_NETS, "office", 1);
            let datacenter = nets(b.rng, OFFICE_NETS, "datacenter", 1);
            for (i, base) in ["svc-terraform", "svc-reporting", "svc-backup-sync"]
                .iter()
                .enumerate()
            {
                let name = suffixed(base, replica);
                let mut id = blank(name.clone(), IdentityKind::IamUser, &prod);
                id.rotator_principals = vec![Identity::role_arn(&prod, KEY_ROTATOR)];
                id.resources.bucket = format!("{name}-bucket");
                id.resources.object_prefix = "reports/".into();
                id.resources.bytes_out = (1_000, 300_000);
                match i {
                    0 => {
                        id.networks = office.clone();
                        id.user_agents = vec![TERRAFORM_UA.to_string()];
                        id.schedule = Schedule::BusinessHours;
                        id.calls = vec![
                            ("ec2", "DescribeInstances", 6),
                            ("ec2", "DescribeSecurityGroups", 6),
                            ("ec2", "DescribeVpcs", 4),
                            ("iam", "GetRole", 4),
                            ("iam", "ListAttachedRolePolicies", 3),
                            ("s3", "GetBucketPolicy", 3),
                            ("s3", "GetBucketAcl", 2),
                        ];
                        id.rate_per_hour = 5.0;
                    }
                    1 => {
                        id.networks = datacenter.clone();
                        id.user_agents = vec![USER_BOTO_UA.to_string()];
                        id.schedule = Schedule::BusinessHours;
                        id.calls = vec![
                            ("s3", "GetObject", 8),
                            ("s3", "ListObjects", 2),
                            ("dynamodb", "Query", 2),
                        ];
                        id.resources.table = "reporting-facts".into();
                        id.rate_per_hour = 4.0;
                    }
                    _ => {
                        id.networks = datacenter.clone();
                        id.user_agents = vec![USER_CLI_UA.to_string()];
                        id.schedule = Schedule::Nightly;
                        id.calls = vec![("s3", "PutObject", 8), ("s3", "ListObjects", 1)];
                        id.rate_per_hour = 20.0;
                    }
                }
                b.push(id);
            }
        }

        // Fixed-part identities, once per estate whatever the scale.
        let user_names: Vec<String> = b
            .identities
            .iter()
            .filter(|i| i.kind == IdentityKind::IamUser)
            .map(|i| i.name.clone())
            .collect();
        let mut rotator = blank(KEY_ROTATOR.to_string(), IdentityKind::LambdaRole, &prod);
        rotator.session_name = KEY_ROTATOR.into();
        rotator.session_source = SessionSource::Service {
            invoked_by: "lambda.amazonaws.com",
        };
        rotator.session_hours = 12;
        rotator.networks = nets(b.rng, AWS_EGRESS_NETS, "aws-lambda", 1);
        rotator.user_agents = vec![LAMBDA_PY_UA.to_string()];
        rotator.schedule = Schedule::Nightly;
        rotator.calls = vec![("iam", "ListAccessKeys", 3), ("iam", "GetUser", 1)];
        rotator.resources.managed_users = user_names;
        rotator.rate_per_hour = 3.0;
        b.push(rotator);

        let mut backup = blank(DR_BACKUP.to_string(), IdentityKind::LambdaRole, &prod);
        backup.session_name = DR_BACKUP.into();
        backup.session_source = SessionSource::Service {
            invoked_by: "lambda.amazonaws.com",
        };
        backup.session_hours = 12;
        backup.networks = nets(b.rng, AWS_EGRESS_NETS, "aws-lambda", 1);
        backup.user_agents = vec![LAMBDA_PY_UA.to_string()];
        backup.schedule = Schedule::Nightly;
        backup.calls = vec![
            ("ec2", "CreateSnapshot", 2),
            ("ec2", "DescribeSnapshots", 3),
        ];
        backup.resources.volume = format!("vol-0{}", ids::lower_hex(b.rng, 16));
        backup.rate_per_hour = 2.0;
        b.push(backup);

        let mut dormant = blank(DORMANT_USER.to_string(), IdentityKind::IamUser, &prod);
        dormant.networks = nets(b.rng, OFFICE_NETS, "datacenter", 1);
        dormant.user_agents = vec![USER_CLI_UA.to_string()];
        dormant.schedule = Schedule::Idle;
        dormant.calls = vec![("s3", "ListObjects", 1)];
        dormant.resources.bucket = "legacy-sync-archive".into();
        dormant.rotator_principals = vec![Identity::role_arn(&prod, KEY_ROTATOR)];
        b.push(dormant);

        Estate {
            accounts: vec![prod.clone(), data],
            known_accounts: vec![dr, audit],
            external_account: external,
            identities: b.identities,
            trail_arn: format!("arn:aws:cloudtrail:{HOME_REGION}:{prod}:trail/org-trail"),
        }
    }

    pub fn index_of(&self, name: &str) -> usize {
        self.identities
            .iter()
            .position(|i| i.name == name)
            .unwrap_or_else(|| panic!("estate has identity {name}"))
    }

    pub fn of_kind(&self, kind: IdentityKind) -> Vec<usize> {
        self.identities
            .iter()
            .enumerate()
            .filter(|(_, i)| i.kind == kind)
            .map(|(n, _)| n)
            .collect()
    }
}
