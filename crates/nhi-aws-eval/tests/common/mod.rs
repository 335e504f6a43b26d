//! Shared test fixtures: a small catalog of real actions with their access
//! levels from the AWS Service Authorization Reference, and GAAD builders.
#![allow(dead_code)]

use nhi_aws::{AuthorizationDetails, PolicyDocument};
use nhi_aws_eval::{AccessLevel, StaticCatalog};
use serde_json::{Value, json};

const L: AccessLevel = AccessLevel::List;
const R: AccessLevel = AccessLevel::Read;
const T: AccessLevel = AccessLevel::Tagging;
const W: AccessLevel = AccessLevel::Write;
const P: AccessLevel = AccessLevel::PermissionsManagement;

pub const ACTIONS: &[(&str, AccessLevel)] = &[
    // iam
    ("iam:AddUserToGroup", W),
    ("iam:AttachGroupPolicy", P),
    ("iam:AttachRolePolicy", P),
    ("iam:AttachUserPolicy", P),
    ("iam:ChangePassword", W),
    ("iam:CreateAccessKey", W),
    ("iam:CreateGroup", W),
    ("iam:CreateInstanceProfile", W),
    ("iam:CreateLoginProfile", W),
    ("iam:CreatePolicy", P),
    ("iam:CreatePolicyVersion", P),
    ("iam:CreateRole", W),
    ("iam:CreateServiceLinkedRole", W),
    ("iam:CreateUser", W),
    ("iam:CreateVirtualMFADevice", W),
    ("iam:DeactivateMFADevice", W),
    ("iam:DeleteAccessKey", W),
    ("iam:DeleteGroup", W),
    ("iam:DeleteLoginProfile", W),
    ("iam:DeletePolicy", P),
    ("iam:DeletePolicyVersion", P),
    ("iam:DeleteRole", W),
    ("iam:DeleteRolePermissionsBoundary", P),
    ("iam:DeleteRolePolicy", P),
    ("iam:DeleteUser", W),
    ("iam:DeleteUserPermissionsBoundary", P),
    ("iam:DeleteUserPolicy", P),
    ("iam:DetachGroupPolicy", P),
    ("iam:DetachRolePolicy", P),
    ("iam:DetachUserPolicy", P),
    ("iam:EnableMFADevice", W),
    ("iam:GenerateCredentialReport", R),
    ("iam:GetAccountAuthorizationDetails", R),
    ("iam:GetCredentialReport", R),
    ("iam:GetGroup", R),
    ("iam:GetLoginProfile", L),
    ("iam:GetPolicy", R),
    ("iam:GetPolicyVersion", R),
    ("iam:GetRole", R),
    ("iam:GetRolePolicy", R),
    ("iam:GetUser", R),
    ("iam:GetUserPolicy", R),
    ("iam:ListAccessKeys", L),
    ("iam:ListAttachedRolePolicies", L),
    ("iam:ListAttachedUserPolicies", L),
    ("iam:ListGroups", L),
    ("iam:ListGroupsForUser", L),
    ("iam:ListPolicies", L),
    ("iam:ListPolicyVersions", L),
    ("iam:ListRoles", L),
    ("iam:ListUsers", L),
    ("iam:PassRole", W),
    ("iam:PutGroupPolicy", P),
    ("iam:PutRolePermissionsBoundary", P),
    ("iam:PutRolePolicy", P),
    ("iam:PutUserPermissionsBoundary", P),
    ("iam:PutUserPolicy", P),
    ("iam:RemoveUserFromGroup", W),
    ("iam:SetDefaultPolicyVersion", P),
    ("iam:TagRole", T),
    ("iam:TagUser", T),
    ("iam:UntagRole", T),
    ("iam:UntagUser", T),
    ("iam:UpdateAccessKey", W),
    ("iam:UpdateAssumeRolePolicy", P),
    ("iam:UpdateLoginProfile", W),
    ("iam:UpdateRole", W),
    ("iam:UpdateUser", W),
    ("iam:UploadSSHPublicKey", W),
    // sts
    ("sts:AssumeRole", W),
    ("sts:AssumeRoleWithSAML", W),
    ("sts:AssumeRoleWithWebIdentity", W),
    ("sts:GetCallerIdentity", R),
    ("sts:GetFederationToken", W),
    ("sts:GetSessionToken", R),
    ("sts:TagSession", T),
    // lambda
    ("lambda:AddPermission", P),
    ("lambda:CreateEventSourceMapping", W),
    ("lambda:CreateFunction", W),
    ("lambda:DeleteFunction", W),
    ("lambda:GetFunction", R),
    ("lambda:GetFunctionConfiguration", R),
    ("lambda:InvokeFunction", W),
    ("lambda:ListFunctions", L),
    ("lambda:PublishLayerVersion", W),
    ("lambda:RemovePermission", P),
    ("lambda:UpdateFunctionCode", W),
    ("lambda:UpdateFunctionConfiguration", W),
    ("lambda:TagResource", T),
    // dynamodb
    ("dynamodb:BatchGetItem", R),
    ("dynamodb:BatchWriteItem", W),
    ("dynamodb:CreateTable", W),
    ("dynamodb:DeleteItem", W),
    ("dynamodb:DeleteTable", W),
    ("dynamodb:DescribeTable", R),
    ("dynamodb:ExportTableToPointInTime", W),
    ("dynamodb:GetItem", R),
    ("dynamodb:ListTables", L),
    ("dynamodb:PartiQLDelete", W),
    ("dynamodb:PartiQLInsert", W),
    ("dynamodb:PartiQLSelect", R),
    ("dynamodb:PartiQLUpdate", W),
    ("dynamodb:PutItem", W),
    ("dynamodb:Query", R),
    ("dynamodb:Scan", R),
    ("dynamodb:UpdateItem", W),
    ("dynamodb:TagResource", T),
    // glue
    ("glue:CreateDevEndpoint", W),
    ("glue:CreateJob", W),
    ("glue:GetDevEndpoint", R),
    ("glue:GetDevEndpoints", R),
    ("glue:GetJobs", R),
    ("glue:StartJobRun", W),
    ("glue:UpdateDevEndpoint", W),
    ("glue:UpdateJob", W),
    // cloudformation
    ("cloudformation:CreateChangeSet", W),
    ("cloudformation:CreateStack", W),
    ("cloudformation:DeleteStack", W),
    ("cloudformation:DescribeStacks", L),
    ("cloudformation:ExecuteChangeSet", W),
    ("cloudformation:GetTemplate", R),
    ("cloudformation:ListStacks", L),
    ("cloudformation:SetStackPolicy", P),
    ("cloudformation:UpdateStack", W),
    // datapipeline
    ("datapipeline:ActivatePipeline", W),
    ("datapipeline:CreatePipeline", W),
    ("datapipeline:DescribePipelines", R),
    ("datapipeline:ListPipelines", L),
    ("datapipeline:PutPipelineDefinition", W),
    // codestar
    ("codestar:AssociateTeamMember", P),
    ("codestar:CreateProject", P),
    ("codestar:DescribeProject", R),
    ("codestar:ListProjects", L),
    // sagemaker
    ("sagemaker:CreateNotebookInstance", W),
    ("sagemaker:CreatePresignedNotebookInstanceUrl", W),
    ("sagemaker:CreateProcessingJob", W),
    ("sagemaker:CreateTrainingJob", W),
    ("sagemaker:ListNotebookInstances", L),
    ("sagemaker:DescribeNotebookInstance", R),
    // ssm
    ("ssm:DeleteParameter", W),
    ("ssm:DescribeInstanceInformation", R),
    ("ssm:DescribeParameters", L),
    ("ssm:GetParameter", R),
    ("ssm:GetParameterHistory", R),
    ("ssm:GetParameters", R),
    ("ssm:GetParametersByPath", R),
    ("ssm:PutParameter", W),
    ("ssm:SendCommand", W),
    ("ssm:StartAutomationExecution", W),
    ("ssm:StartSession", W),
    ("ssm:ResumeSession", W),
    // ec2
    ("ec2:AssociateIamInstanceProfile", W),
    ("ec2:AuthorizeSecurityGroupIngress", W),
    ("ec2:CreateLaunchTemplate", W),
    ("ec2:CreateLaunchTemplateVersion", W),
    ("ec2:CreateSnapshot", W),
    ("ec2:CreateTags", T),
    ("ec2:DeleteTags", T),
    ("ec2:DescribeImages", L),
    ("ec2:DescribeInstances", L),
    ("ec2:DescribeSecurityGroups", L),
    ("ec2:DescribeVpcs", L),
    ("ec2:GetPasswordData", R),
    ("ec2:ModifyInstanceAttribute", W),
    ("ec2:ModifyLaunchTemplate", W),
    ("ec2:ReplaceIamInstanceProfileAssociation", W),
    ("ec2:RunInstances", W),
    ("ec2:StartInstances", W),
    ("ec2:StopInstances", W),
    ("ec2:TerminateInstances", W),
    ("ec2-instance-connect:SendSSHPublicKey", W),
    ("ec2-instance-connect:SendSerialConsoleSSHPublicKey", W),
    // autoscaling
    ("autoscaling:CreateAutoScalingGroup", W),
    ("autoscaling:CreateLaunchConfiguration", W),
    ("autoscaling:DescribeAutoScalingGroups", L),
    ("autoscaling:UpdateAutoScalingGroup", W),
    // ecs
    ("ecs:CreateCluster", W),
    ("ecs:CreateService", W),
    ("ecs:DescribeTasks", R),
    ("ecs:ListClusters", L),
    ("ecs:RegisterTaskDefinition", W),
    ("ecs:RunTask", W),
    ("ecs:StartTask", W),
    ("ecs:UpdateService", W),
    ("ecs:ExecuteCommand", W),
    // codebuild
    ("codebuild:BatchGetProjects", R),
    ("codebuild:CreateProject", W),
    ("codebuild:ListProjects", L),
    ("codebuild:StartBuild", W),
    ("codebuild:StartBuildBatch", W),
    ("codebuild:UpdateProject", W),
    // apprunner
    ("apprunner:CreateService", W),
    ("apprunner:ListServices", L),
    ("apprunner:UpdateService", W),
    // s3
    ("s3:CreateBucket", W),
    ("s3:DeleteBucket", W),
    ("s3:DeleteBucketPolicy", P),
    ("s3:DeleteObject", W),
    ("s3:DeleteObjectVersion", W),
    ("s3:GetBucketAcl", R),
    ("s3:GetBucketLocation", R),
    ("s3:GetBucketPolicy", R),
    ("s3:GetObject", R),
    ("s3:GetObjectAcl", R),
    ("s3:GetObjectTagging", R),
    ("s3:GetObjectVersion", R),
    ("s3:ListAllMyBuckets", L),
    ("s3:ListBucket", L),
    ("s3:ListBucketVersions", L),
    ("s3:PutBucketAcl", P),
    ("s3:PutBucketPolicy", P),
    ("s3:PutBucketPublicAccessBlock", P),
    ("s3:PutObject", W),
    ("s3:PutObjectAcl", P),
    ("s3:PutObjectTagging", T),
    ("s3:ReplicateObject", W),
    // secretsmanager
    ("secretsmanager:BatchGetSecretValue", R),
    ("secretsmanager:CreateSecret", W),
    ("secretsmanager:DeleteResourcePolicy", P),
    ("secretsmanager:DeleteSecret", W),
    ("secretsmanager:DescribeSecret", R),
    ("secretsmanager:GetResourcePolicy", R),
    ("secretsmanager:GetSecretValue", R),
    ("secretsmanager:ListSecrets", L),
    ("secretsmanager:PutResourcePolicy", P),
    ("secretsmanager:PutSecretValue", W),
    ("secretsmanager:RotateSecret", W),
    ("secretsmanager:TagResource", T),
    ("secretsmanager:UpdateSecret", W),
    // kms
    ("kms:CreateGrant", P),
    ("kms:CreateKey", W),
    ("kms:Decrypt", W),
    ("kms:DescribeKey", R),
    ("kms:Encrypt", W),
    ("kms:GenerateDataKey", W),
    ("kms:GetKeyPolicy", R),
    ("kms:ListAliases", L),
    ("kms:ListKeys", L),
    ("kms:PutKeyPolicy", P),
    ("kms:ReEncryptFrom", W),
    ("kms:ReEncryptTo", W),
    ("kms:ScheduleKeyDeletion", W),
    // rds
    ("rds:CopyDBSnapshot", W),
    ("rds:CreateDBClusterSnapshot", W),
    ("rds:CreateDBSnapshot", W),
    ("rds:DeleteDBInstance", W),
    ("rds:DescribeDBInstances", L),
    ("rds:DescribeDBSnapshots", L),
    ("rds:DownloadDBLogFilePortion", R),
    ("rds:ModifyDBClusterSnapshotAttribute", W),
    ("rds:ModifyDBInstance", W),
    ("rds:ModifyDBSnapshotAttribute", W),
    ("rds:RestoreDBInstanceFromDBSnapshot", W),
    ("rds-data:BatchExecuteStatement", W),
    ("rds-data:ExecuteStatement", W),
    ("rds-db:connect", P),
    // misc
    ("sqs:ReceiveMessage", R),
    ("sqs:SendMessage", W),
    ("sqs:ListQueues", R),
    ("logs:CreateLogGroup", W),
    ("logs:DescribeLogGroups", L),
    ("logs:GetLogEvents", R),
    ("logs:PutLogEvents", W),
    ("cloudwatch:GetMetricData", R),
    ("cloudwatch:PutMetricData", W),
    ("cloudwatch:ListMetrics", L),
    ("ecr:GetAuthorizationToken", R),
    ("ecr:BatchGetImage", R),
    ("ecr:PutImage", W),
    ("ecr:DescribeRepositories", R),
    ("organizations:DescribeOrganization", R),
    ("organizations:ListAccounts", L),
];

pub fn catalog() -> StaticCatalog {
    StaticCatalog::new(ACTIONS.iter().copied())
}

pub const ACCOUNT: &str = "123456789012";

pub fn user_arn(name: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT}:user/{name}")
}

pub fn role_arn(name: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT}:role/{name}")
}

pub fn doc(statements: Value) -> Value {
    json!({"Version": "2012-10-17", "Statement": statements})
}

pub fn allow(actions: &[&str]) -> Value {
    json!({"Effect": "Allow", "Action": actions, "Resource": "*"})
}

pub fn policy(v: Value) -> PolicyDocument {
    serde_json::from_value(v).expect("policy document")
}

/// Build a GAAD through the real parser from the pieces given.
pub fn gaad(
    users: Vec<Value>,
    groups: Vec<Value>,
    roles: Vec<Value>,
    policies: Vec<Value>,
) -> AuthorizationDetails {
    let text = json!({
        "UserDetailList": users,
        "GroupDetailList": groups,
        "RoleDetailList": roles,
        "Policies": policies,
    })
    .to_string();
    let export = nhi_aws::parse(
        nhi_aws::AwsExportKind::AccountAuthorizationDetails,
        "gaad.json",
        text.as_bytes(),
    )
    .expect("gaad parses");
    match export.data {
        nhi_aws::AwsExportData::AccountAuthorizationDetails(d) => d,
        other => panic!("unexpected {other:?}"),
    }
}

pub fn user(name: &str, inline: Vec<Value>) -> Value {
    json!({
        "UserName": name,
        "UserId": format!("AIDA{}", name.to_uppercase()),
        "Arn": user_arn(name),
        "Path": "/",
        "GroupList": [],
        "AttachedManagedPolicies": [],
        "UserPolicyList": inline.into_iter().enumerate().map(|(i, d)| json!({"PolicyName": format!("inline{i}"), "PolicyDocument": d})).collect::<Vec<_>>(),
    })
}

pub fn role(name: &str, trust: Value, inline: Vec<Value>) -> Value {
    json!({
        "RoleName": name,
        "RoleId": format!("AROA{}", name.to_uppercase()),
        "Arn": role_arn(name),
        "Path": "/",
        "AssumeRolePolicyDocument": trust,
        "InstanceProfileList": [],
        "RolePolicyList": inline.into_iter().enumerate().map(|(i, d)| json!({"PolicyName": format!("inline{i}"), "PolicyDocument": d})).collect::<Vec<_>>(),
        "AttachedManagedPolicies": [],
    })
}

pub fn managed(name: &str, document: Value) -> Value {
    json!({
        "PolicyName": name,
        "PolicyId": format!("ANPA{}", name.to_uppercase()),
        "Arn": format!("arn:aws:iam::{ACCOUNT}:policy/{name}"),
        "Path": "/",
        "DefaultVersionId": "v2",
        "AttachmentCount": 1,
        "IsAttachable": true,
        "PolicyVersionList": [
            {"Document": doc(json!([allow(&["s3:ListAllMyBuckets"])])), "VersionId": "v1", "IsDefaultVersion": false},
            {"Document": document, "VersionId": "v2", "IsDefaultVersion": true}
        ]
    })
}

pub fn managed_arn(name: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT}:policy/{name}")
}
