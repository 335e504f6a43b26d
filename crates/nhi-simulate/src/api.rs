//! API calls: which service, whether AWS marks them read-only or as data events, and
//! the request/response bodies CloudTrail records for them.

use rand::Rng;
use serde_json::{Value, json};

use crate::ids;
use crate::record::Resource;

/// What an identity works on; routine calls draw their parameters from here.
#[derive(Debug, Clone, Default)]
pub struct Resources {
    pub bucket: String,
    pub object_prefix: String,
    pub table: String,
    pub model_id: String,
    pub secret: String,
    pub parameter: String,
    pub kms_key_id: String,
    pub function: String,
    pub stack: String,
    pub ecr_repo: String,
    pub ecs_cluster: String,
    pub ecs_service: String,
    pub volume: String,
    /// GetObject sizes this identity usually reads, in bytes (inclusive range).
    pub bytes_out: (u64, u64),
    /// Users whose keys this identity manages (the key rotator).
    pub managed_users: Vec<String>,
}

/// One API call before it is stamped with who, when and from where.
#[derive(Debug, Clone)]
pub struct Call {
    pub service: &'static str,
    pub name: String,
    pub region: String,
    pub request: Value,
    pub response: Value,
    pub additional: Option<Value>,
    pub resources: Vec<Resource>,
    pub error: Option<(String, String)>,
    pub event_type: &'static str,
    pub read_only: bool,
    pub data_event: bool,
}

impl Call {
    pub fn new(service: &'static str, name: &str, region: &str) -> Self {
        Call {
            service,
            name: name.to_string(),
            region: region.to_string(),
            request: Value::Null,
            response: Value::Null,
            additional: None,
            resources: Vec::new(),
            error: None,
            event_type: "AwsApiCall",
            read_only: is_read_only(name),
            data_event: is_data_event(service, name),
        }
    }

    pub fn request(mut self, request: Value) -> Self {
        self.request = request;
        self
    }

    pub fn response(mut self, response: Value) -> Self {
        self.response = response;
        self
    }

    pub fn resource(mut self, account: Option<&str>, resource_type: &str, arn: String) -> Self {
        self.resources.push(Resource {
            account_id: account.map(str::to_string),
            resource_type: resource_type.to_string(),
            arn,
        });
        self
    }

    /// Marks the call as refused by IAM, with the message shape IAM writes.
    pub fn denied(mut self, caller_arn: &str) -> Self {
        let action = format!("{}:{}", self.service, api_action(&self.name));
        let code = if self.service == "ec2" {
            "Client.UnauthorizedOperation"
        } else {
            "AccessDenied"
        };
        self.error = Some((
            code.to_string(),
            format!(
                "User: {caller_arn} is not authorized to perform: {action} because no identity-based policy allows the {action} action"
            ),
        ));
        self.response = Value::Null;
        self
    }

    pub fn event_source(&self) -> String {
        format!("{}.amazonaws.com", self.service)
    }

    /// The host name a client connects to for this call, as tlsDetails records it.
    pub fn host(&self) -> String {
        match self.service {
            "iam" => "iam.amazonaws.com".to_string(),
            "bedrock" if self.name == "InvokeModel" || self.name == "Converse" => {
                format!("bedrock-runtime.{}.amazonaws.com", self.region)
            }
            "signin" => "signin.aws.amazon.com".to_string(),
            // S3 clients address buckets by virtual host.
            "s3" if self.request.get("Host").is_some_and(|h| h.is_string()) => self.request["Host"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            service => format!("{service}.{}.amazonaws.com", self.region),
        }
    }
}

/// Lambda's CloudTrail event names carry an API-version suffix the IAM action lacks.
fn api_action(event_name: &str) -> &str {
    event_name
        .strip_suffix("20150331v2")
        .or_else(|| event_name.strip_suffix("20150331"))
        .unwrap_or(event_name)
}

pub fn is_read_only(name: &str) -> bool {
    const READ_PREFIXES: &[&str] = &[
        "List",
        "Describe",
        "Get",
        "Head",
        "Lookup",
        "Query",
        "Scan",
        "BatchGet",
        "BatchCheck",
        "Check",
        "Decrypt",
        "GenerateDataKey",
        "InvokeModel",
        "Converse",
        "AssumeRole",
    ];
    READ_PREFIXES.iter().any(|p| name.starts_with(p))
}

/// Object-level S3 and item-level DynamoDB calls are CloudTrail data events.
pub fn is_data_event(service: &str, name: &str) -> bool {
    match service {
        "s3" => matches!(
            name,
            "GetObject" | "PutObject" | "HeadObject" | "ListObjects" | "DeleteObject"
        ),
        "dynamodb" => matches!(
            name,
            "GetItem" | "PutItem" | "Query" | "Scan" | "UpdateItem" | "DeleteItem"
        ),
        _ => false,
    }
}

/// Renders a time the way STS and IAM write dates inside responseElements
/// (e.g. "Jan 5, 2026, 3:04:05 PM").
pub fn response_date(epoch_seconds: i64) -> String {
    let ts = jiff::Timestamp::from_second(epoch_seconds).expect("time in range");
    ts.strftime("%b %-d, %Y, %-I:%M:%S %p").to_string()
}

fn s3_object_call(
    name: &str,
    region: &str,
    account: &str,
    bucket: &str,
    key: &str,
    (bytes_in, bytes_out): (u64, u64),
    rng: &mut impl Rng,
) -> Call {
    let mut call = Call::new("s3", name, region)
        .request(json!({
            "bucketName": bucket,
            "Host": format!("{bucket}.s3.{region}.amazonaws.com"),
            "key": key,
        }))
        .resource(
            None,
            "AWS::S3::Object",
            format!("arn:aws:s3:::{bucket}/{key}"),
        )
        .resource(
            Some(account),
            "AWS::S3::Bucket",
            format!("arn:aws:s3:::{bucket}"),
        );
    call.additional = Some(json!({
        "SignatureVersion": "SigV4",
        "CipherSuite": "TLS_AES_128_GCM_SHA256",
        "bytesTransferredIn": bytes_in,
        "AuthenticationMethod": "AuthHeader",
        "x-amz-id-2": ids::alphanumeric(rng, 56),
        "bytesTransferredOut": bytes_out,
    }));
    call
}

/// GetObject with a chosen size: exfiltration scenarios set it far above baseline.
pub fn get_object(
    region: &str,
    account: &str,
    bucket: &str,
    key: &str,
    bytes: u64,
    rng: &mut impl Rng,
) -> Call {
    s3_object_call("GetObject", region, account, bucket, key, (0, bytes), rng)
}

fn object_key(res: &Resources, rng: &mut impl Rng) -> String {
    format!(
        "{}{}/{}.json",
        res.object_prefix,
        rng.random_range(2024..2027),
        ids::lower_hex(rng, 12)
    )
}

/// A routine call of `service:name` by an identity working on `res`.
pub fn routine_call(
    service: &'static str,
    name: &str,
    region: &str,
    account: &str,
    res: &Resources,
    rng: &mut impl Rng,
) -> Call {
    let base = Call::new(service, name, region);
    match (service, name) {
        ("s3", "GetObject") => {
            let key = object_key(res, rng);
            let (lo, hi) = res.bytes_out;
            let bytes = rng.random_range(lo..=hi.max(lo));
            get_object(region, account, &res.bucket, &key, bytes, rng)
        }
        ("s3", "PutObject") => {
            let key = object_key(res, rng);
            let bytes = rng.random_range(1_000..200_000);
            s3_object_call("PutObject", region, account, &res.bucket, &key, (bytes, 0), rng)
        }
        ("s3", "ListObjects") => {
            let mut call = s3_object_call("ListObjects", region, account, &res.bucket, "", (0, 0), rng);
            call.request = json!({
                "bucketName": res.bucket,
                "Host": format!("{}.s3.{region}.amazonaws.com", res.bucket),
                "prefix": res.object_prefix,
                "list-type": "2",
            });
            call.resources.remove(0);
            call
        }
        ("s3", "ListBuckets") => base.request(json!({"Host": "s3.amazonaws.com"})),
        ("s3", _) => base
            .request(json!({
                "bucketName": res.bucket,
                "Host": format!("{}.s3.{region}.amazonaws.com", res.bucket),
            }))
            .resource(Some(account), "AWS::S3::Bucket", format!("arn:aws:s3:::{}", res.bucket)),
        ("dynamodb", "ListTables") => base,
        ("dynamodb", _) => {
            let table_arn = format!("arn:aws:dynamodb:{region}:{account}:table/{}", res.table);
            let request = if name == "DescribeTable" {
                json!({"tableName": res.table})
            } else {
                // CloudTrail hides item key values in data events.
                json!({"tableName": res.table, "key": {"pk": "HIDDEN_DUE_TO_SECURITY_REASONS"}})
            };
            base.request(request)
                .resource(Some(account), "AWS::DynamoDB::Table", table_arn)
        }
        ("bedrock", "InvokeModel") | ("bedrock", "Converse") => {
            let mut call = base.request(json!({"modelId": res.model_id}));
            call.additional = Some(json!({
                "inputTokens": rng.random_range(200..6000),
                "outputTokens": rng.random_range(50..2000),
            }));
            call
        }
        ("kms", "Decrypt") => base
            .request(json!({"encryptionAlgorithm": "SYMMETRIC_DEFAULT"}))
            .resource(
                Some(account),
                "AWS::KMS::Key",
                format!("arn:aws:kms:{region}:{account}:key/{}", res.kms_key_id),
            ),
        ("kms", "GenerateDataKey") => base
            .request(json!({"keyId": format!("arn:aws:kms:{region}:{account}:key/{}", res.kms_key_id), "keySpec": "AES_256"}))
            .resource(
                Some(account),
                "AWS::KMS::Key",
                format!("arn:aws:kms:{region}:{account}:key/{}", res.kms_key_id),
            ),
        ("secretsmanager", "GetSecretValue") => base.request(json!({
            "secretId": format!("arn:aws:secretsmanager:{region}:{account}:secret:{}", res.secret)
        })),
        ("ssm", "GetParameter") => {
            base.request(json!({"name": res.parameter, "withDecryption": true}))
        }
        ("cloudwatch", "PutMetricData") => base.request(json!({
            "namespace": "App/Custom",
            "metricData": [{"metricName": "Latency", "unit": "Milliseconds"}],
        })),
        ("ec2", "CreateSnapshot") => {
            let snapshot = format!("snap-{}", ids::lower_hex(rng, 17));
            base.request(json!({"volumeId": res.volume, "description": "nightly backup"}))
                .response(json!({
                    "requestId": ids::uuid(rng),
                    "snapshotId": snapshot,
                    "volumeId": res.volume,
                    "status": "pending",
                }))
        }
        ("ec2", _) => base.request(json!({"filterSet": {}})),
        ("cloudformation", "CreateChangeSet") => base
            .request(json!({
                "stackName": res.stack,
                "changeSetName": format!("deploy-{}", ids::lower_hex(rng, 8)),
                "changeSetType": "UPDATE",
                "capabilities": ["CAPABILITY_IAM"],
            }))
            .response(json!({
                "id": format!("arn:aws:cloudformation:{region}:{account}:changeSet/deploy/{}", ids::uuid(rng)),
                "stackId": format!("arn:aws:cloudformation:{region}:{account}:stack/{}/{}", res.stack, ids::uuid(rng)),
            })),
        ("cloudformation", _) => base.request(json!({"stackName": res.stack})),
        ("ecr", "GetAuthorizationToken") => base,
        ("ecr", _) => base
            .request(json!({"repositoryName": res.ecr_repo, "registryId": account}))
            .resource(
                Some(account),
                "AWS::ECR::Repository",
                format!("arn:aws:ecr:{region}:{account}:repository/{}", res.ecr_repo),
            ),
        ("ecs", "UpdateService") => base.request(json!({
            "cluster": res.ecs_cluster,
            "service": res.ecs_service,
            "forceNewDeployment": false,
        })),
        ("ecs", _) => base.request(json!({"family": res.ecs_service})),
        ("lambda", "ListFunctions20150331") => base,
        ("lambda", _) => base.request(json!({"functionName": res.function})),
        ("iam", "ListAccessKeys") | ("iam", "GetUser") => {
            let user = res
                .managed_users
                .get(rng.random_range(0..res.managed_users.len().max(1)))
                .cloned()
                .unwrap_or_default();
            base.request(json!({"userName": user}))
        }
        _ => base,
    }
}
