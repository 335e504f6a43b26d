#!/usr/bin/env python3
"""Generate a synthetic AWS account's IAM exports, as the AWS CLI writes them.

Writes into OUT_DIR:

  gaad.json              `aws iam get-account-authorization-details --output json`
  credential-report.csv  `aws iam get-credential-report --query Content --output text | base64 -d`
  manifest.json          what was generated (counts, sizes), for the benchmark to check

Deterministic: the same --seed and --principals give byte-identical files. Standard
library only.

Shape notes (so the data is what a real export looks like, not what a parser likes):

* JSON is printed like the CLI does (indent 4, non-ASCII kept, keys in API order;
  `Tags` and `PermissionsBoundary` left out when unset, empty lists kept).
* Dates are ISO 8601 with a `+00:00` offset, as CLI v2 prints them.
* Most policy documents are decoded JSON objects (what the CLI prints); a fraction
  (--encoded-fraction) are URL-encoded strings, as the raw IAM API and boto3's
  low-level responses keep them.
* Trust policies include services, same- and cross-account principals, GitHub Actions
  OIDC and EKS IRSA federation.
* The credential report has every documented column in the documented order, the
  `<root_account>` row first, `N/A`, `not_supported` and `no_information` where AWS
  writes them, and exactly one row per IAM user in gaad.json.

Usage: gen-aws-estate.py [--principals N] [--seed S] [--encoded-fraction F] OUT_DIR
"""

import argparse
import datetime as dt
import json
import os
import random
import string
import sys
import urllib.parse

ACCOUNT = "123456789012"
OTHER_ACCOUNTS = ["210987654321", "345678901234", "456789012345"]
NOW = dt.datetime(2025, 6, 1, 0, 0, 0, tzinfo=dt.timezone.utc)
EPOCH_START = dt.datetime(2016, 1, 1, tzinfo=dt.timezone.utc)
REGIONS = ["us-east-1", "us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2"]
SERVICES = ["s3", "sts", "ec2", "dynamodb", "sqs", "lambda", "iam", "secretsmanager",
            "kms", "ecr", "logs", "cloudwatch"]
TEAMS = ["payments", "platform", "data", "search", "identity", "billing", "growth",
         "mobile", "infra", "security", "ml", "support"]
ENVIRONMENTS = ["prod", "prod", "staging", "dev", "sandbox"]
FIRST = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan",
         "judy", "mallory", "niaj", "olivia", "peggy", "rupert", "sybil", "trent",
         "victor", "walter", "yuki", "zoe", "amir", "bea", "chen", "dara", "emeka"]
LAST = ["smith", "jones", "garcia", "mueller", "rossi", "tanaka", "kim", "novak",
        "silva", "dubois", "okafor", "nguyen", "patel", "kowalski", "larsen"]
GITHUB_ORG = "acme-corp"
EKS_CLUSTERS = [
    ("us-east-1", "5C3F1A2B9D8E7F6A5B4C3D2E1F0A9B8C"),
    ("eu-west-1", "0A1B2C3D4E5F60718293A4B5C6D7E8F9"),
    ("us-west-2", "D4E5F6A7B8C9D0E1F2A3B4C5D6E7F8A9"),
]

# AWS managed policies the estate attaches; each appears in `Policies` with its
# default version, as GAAD lists every attached policy.
AWS_MANAGED = {
    "AdministratorAccess": ("/", [{"Effect": "Allow", "Action": "*", "Resource": "*"}]),
    "ReadOnlyAccess": ("/", [{"Effect": "Allow", "Action": [
        "s3:Get*", "s3:List*", "ec2:Describe*", "iam:Get*", "iam:List*"], "Resource": "*"}]),
    "PowerUserAccess": ("/", [
        {"Effect": "Allow", "NotAction": ["iam:*", "organizations:*", "account:*"],
         "Resource": "*"},
        {"Effect": "Allow", "Action": ["iam:CreateServiceLinkedRole", "iam:ListRoles"],
         "Resource": "*"}]),
    "AmazonS3ReadOnlyAccess": ("/", [{"Effect": "Allow", "Action": [
        "s3:Get*", "s3:List*", "s3-object-lambda:Get*", "s3-object-lambda:List*"],
        "Resource": "*"}]),
    "AmazonEC2ContainerRegistryReadOnly": ("/", [{"Effect": "Allow", "Action": [
        "ecr:GetAuthorizationToken", "ecr:BatchCheckLayerAvailability",
        "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"], "Resource": "*"}]),
    "CloudWatchAgentServerPolicy": ("/", [{"Effect": "Allow", "Action": [
        "cloudwatch:PutMetricData", "logs:PutLogEvents", "logs:CreateLogStream",
        "ec2:DescribeTags"], "Resource": "*"}]),
    "AmazonSSMManagedInstanceCore": ("/", [{"Effect": "Allow", "Action": [
        "ssm:UpdateInstanceInformation", "ssmmessages:CreateControlChannel",
        "ec2messages:GetMessages"], "Resource": "*"}]),
    "AWSLambdaBasicExecutionRole": ("/service-role/", [{"Effect": "Allow", "Action": [
        "logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": "*"}]),
    "AWSSupportServiceRolePolicy": ("/aws-service-role/", [{"Effect": "Allow", "Action": [
        "support:*", "trustedadvisor:Describe*"], "Resource": "*"}]),
    "AmazonECSTaskExecutionRolePolicy": ("/service-role/", [{"Effect": "Allow", "Action": [
        "ecr:GetAuthorizationToken", "ecr:BatchGetImage", "logs:CreateLogStream",
        "logs:PutLogEvents"], "Resource": "*"}]),
}


def aws_managed_arn(name):
    return f"arn:aws:iam::aws:policy{AWS_MANAGED[name][0]}{name}"


class Gen:
    def __init__(self, seed, encoded_fraction):
        self.rng = random.Random(seed)
        self.encoded_fraction = encoded_fraction
        self.used_ids = set()

    # ------------------------------------------------------------ primitives
    def unique_id(self, prefix):
        """IAM unique IDs: a 4-letter prefix (AIDA, AROA, AGPA, ANPA, AIPA) + 17 chars."""
        alphabet = string.ascii_uppercase + "234567"
        while True:
            value = prefix + "".join(self.rng.choice(alphabet) for _ in range(17))
            if value not in self.used_ids:
                self.used_ids.add(value)
                return value

    def date_between(self, start, end):
        span = int((end - start).total_seconds())
        if span <= 0:
            return start
        return start + dt.timedelta(seconds=self.rng.randrange(span))

    @staticmethod
    def iso(moment):
        return moment.replace(microsecond=0).isoformat()

    def document(self, statements, pretty=None):
        """A policy document as it appears in the export: usually the decoded object,
        sometimes the URL-encoded text the raw API returns."""
        doc = {"Version": "2012-10-17", "Statement": statements}
        if self.rng.random() < self.encoded_fraction:
            if pretty is None:
                pretty = self.rng.random() < 0.5
            text = json.dumps(doc, indent=4) if pretty else json.dumps(doc, separators=(",", ":"))
            # RFC 3986, as IAM encodes (`*` becomes %2A, `-_.~` stay).
            return urllib.parse.quote(text, safe="-_.~")
        return doc

    def tags(self, owner, environment, team, extra=True):
        tags = []
        if owner:
            key = self.rng.choice(["owner", "owner", "owner", "Owner", "CreatedBy"])
            tags.append({"Key": key, "Value": owner})
        if environment:
            key = self.rng.choice(["environment", "environment", "Environment", "env"])
            tags.append({"Key": key, "Value": environment})
        if team:
            tags.append({"Key": "team", "Value": team})
        if extra and self.rng.random() < 0.3:
            tags.append({"Key": "cost-center", "Value": f"CC-{self.rng.randrange(1000, 9999)}"})
        if extra and self.rng.random() < 0.1:
            tags.append({"Key": "managed-by", "Value": self.rng.choice(
                ["terraform", "cloudformation", "pulumi", "manual"])})
        return tags

    def owner_email(self):
        return f"{self.rng.choice(FIRST)}.{self.rng.choice(LAST)}@acme.example"

    # ------------------------------------------------------------ statements
    def identity_statements(self, team):
        bucket = f"acme-{team}-{self.rng.choice(['data', 'logs', 'artifacts', 'exports'])}"
        table = f"{team}-{self.rng.choice(['orders', 'sessions', 'events', 'ledger'])}"
        choices = [
            {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
             "Resource": f"arn:aws:s3:::{bucket}/*"},
            {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": f"arn:aws:s3:::{bucket}"},
            {"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:PutItem",
                                           "dynamodb:Query"],
             "Resource": f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/{table}"},
            {"Effect": "Allow", "Action": ["sqs:SendMessage", "sqs:ReceiveMessage",
                                           "sqs:DeleteMessage"],
             "Resource": f"arn:aws:sqs:*:{ACCOUNT}:{team}-*"},
            {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
             "Resource": f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:{team}/*",
             "Condition": {"StringEquals": {"aws:ResourceTag/team": team}}},
            {"Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
             "Resource": f"arn:aws:kms:us-east-1:{ACCOUNT}:key/"
                         f"{self.rng.getrandbits(128):032x}"},
            {"Effect": "Deny", "NotAction": ["s3:*", "sts:*"], "Resource": "*",
             "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["us-east-1",
                                                                       "eu-west-1"]}}},
            {"Effect": "Allow", "Action": "logs:*",
             "Resource": f"arn:aws:logs:*:{ACCOUNT}:log-group:/{team}/*"},
            {"Effect": "Allow", "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
             "NotResource": f"arn:aws:ecr:*:{ACCOUNT}:repository/restricted-*"},
        ]
        count = self.rng.choice([1, 1, 2, 2, 3, 4])
        statements = self.rng.sample(choices, count)
        if self.rng.random() < 0.3:
            statements = [dict(s, Sid=f"Stmt{self.rng.randrange(10**12, 10**13)}")
                          for s in statements]
        # A single statement is sometimes written as an object, not a list.
        if len(statements) == 1 and self.rng.random() < 0.3:
            return statements[0]
        return statements


def build(principals, seed, encoded_fraction):
    g = Gen(seed, encoded_fraction)
    rng = g.rng
    n_users = round(principals * 0.7)
    n_roles = principals - n_users
    n_groups = max(3, round(principals / 100))
    n_policies = max(5, round(principals / 40))

    attach_count = {}
    boundary_count = {}

    def attach(arn):
        attach_count[arn] = attach_count.get(arn, 0) + 1
        return {"PolicyName": arn.rsplit("/", 1)[1], "PolicyArn": arn}

    # ------------------------------------------------------------ managed policies
    customer = []
    for i in range(n_policies):
        team = rng.choice(TEAMS)
        kind = rng.choice(["app", "deploy", "read", "ci", "boundary"])
        name = f"{team}-{kind}-{i:04d}"
        path = rng.choice(["/", "/", "/app/", f"/{team}/"])
        created = g.date_between(EPOCH_START, NOW - dt.timedelta(days=30))
        n_versions = rng.choice([1, 1, 2, 3])
        versions = []
        moment = created
        for v in range(1, n_versions + 1):
            if kind == "boundary":
                statements = [{"Effect": "Allow", "Action": ["s3:*", "dynamodb:*", "sqs:*",
                                                             "logs:*", "sts:AssumeRole"],
                               "Resource": "*"},
                              {"Effect": "Deny", "Action": ["iam:*", "organizations:*"],
                               "Resource": "*"}]
            else:
                statements = g.identity_statements(team)
            versions.append({"Document": g.document(statements),
                             "VersionId": f"v{v}",
                             "IsDefaultVersion": v == n_versions,
                             "CreateDate": g.iso(moment)})
            moment = g.date_between(moment, NOW - dt.timedelta(days=1))
        versions.reverse()  # IAM lists the newest version first
        customer.append({
            "PolicyName": name,
            "PolicyId": g.unique_id("ANPA"),
            "Arn": f"arn:aws:iam::{ACCOUNT}:policy{path}{name}",
            "Path": path,
            "DefaultVersionId": f"v{n_versions}",
            "AttachmentCount": 0,
            "PermissionsBoundaryUsageCount": 0,
            "IsAttachable": True,
            "Description": f"{kind} permissions for {team}" if rng.random() < 0.6 else None,
            "CreateDate": g.iso(created),
            "UpdateDate": versions[0]["CreateDate"],
            "PolicyVersionList": versions,
            "_kind": kind,
        })
    # Two customer policies that amount to admin (Allow * on *), as estates have.
    for p in customer[:2]:
        for v in p["PolicyVersionList"]:
            if v["IsDefaultVersion"]:
                v["Document"] = g.document([{"Effect": "Allow", "Action": "*", "Resource": "*"}])
    boundaries = [p["Arn"] for p in customer if p["_kind"] == "boundary"]
    ordinary = [p["Arn"] for p in customer if p["_kind"] != "boundary"]

    # ------------------------------------------------------------ groups
    groups = []
    for i in range(n_groups):
        team = rng.choice(TEAMS)
        name = f"{team}-{rng.choice(['developers', 'operators', 'readers', 'ci', 'oncall'])}-{i:03d}"
        attached = []
        if i == 0:
            name = "Administrators"
            attached.append(attach(aws_managed_arn("AdministratorAccess")))
        for arn in rng.sample(ordinary, min(len(ordinary), rng.choice([0, 1, 1, 2, 3]))):
            attached.append(attach(arn))
        if rng.random() < 0.2:
            attached.append(attach(aws_managed_arn(rng.choice(
                ["ReadOnlyAccess", "AmazonS3ReadOnlyAccess", "PowerUserAccess"]))))
        inline = []
        if rng.random() < 0.25:
            inline.append({"PolicyName": f"{name}-inline",
                           "PolicyDocument": g.document(g.identity_statements(team))})
        groups.append({
            "Path": "/",
            "GroupName": name,
            "GroupId": g.unique_id("AGPA"),
            "Arn": f"arn:aws:iam::{ACCOUNT}:group/{name}",
            "CreateDate": g.iso(g.date_between(EPOCH_START, NOW - dt.timedelta(days=60))),
            "GroupPolicyList": inline,
            "AttachedManagedPolicies": attached,
        })

    # ------------------------------------------------------------ users
    users = []
    report_users = []
    names = set()
    for i in range(n_users):
        team = rng.choice(TEAMS)
        human = rng.random() < 0.3
        if human:
            name = f"{rng.choice(FIRST)}.{rng.choice(LAST)}"
            path = "/"
        else:
            name = f"{rng.choice(['svc', 'ci', 'app', 'etl', 'deploy', 'bot'])}-{team}"
            path = rng.choice(["/", "/service-accounts/", f"/{team}/"])
        base = name
        suffix = 1
        while name in names:
            suffix += 1
            name = f"{base}{suffix}"
        names.add(name)
        created = g.date_between(EPOCH_START, NOW - dt.timedelta(days=2))
        user = {
            "Path": path,
            "UserName": name,
            "UserId": g.unique_id("AIDA"),
            "Arn": f"arn:aws:iam::{ACCOUNT}:user{path}{name}",
            "CreateDate": g.iso(created),
            "UserPolicyList": [],
            "GroupList": [],
            "AttachedManagedPolicies": [],
        }
        if rng.random() < 0.15:
            user["UserPolicyList"].append({
                "PolicyName": rng.choice(["inline", "extra", f"{team}-access", "legacy"]),
                "PolicyDocument": g.document(g.identity_statements(team))})
        if human or rng.random() < 0.4:
            user["GroupList"] = [x["GroupName"] for x in
                                 rng.sample(groups, rng.choice([1, 1, 2, 3]))]
        for arn in rng.sample(ordinary, rng.choice([0, 0, 1, 1, 2])):
            user["AttachedManagedPolicies"].append(attach(arn))
        if rng.random() < 0.01:
            user["AttachedManagedPolicies"].append(attach(aws_managed_arn("AdministratorAccess")))
        if boundaries and rng.random() < 0.08:
            arn = rng.choice(boundaries)
            boundary_count[arn] = boundary_count.get(arn, 0) + 1
            user["PermissionsBoundary"] = {"PermissionsBoundaryType": "PermissionsBoundaryPolicy",
                                           "PermissionsBoundaryArn": arn}
        if rng.random() < 0.85:
            owner = f"{name}@acme.example" if human else g.owner_email()
            tags = g.tags(owner if rng.random() < 0.8 else None,
                          rng.choice(ENVIRONMENTS) if rng.random() < 0.8 else None,
                          team if rng.random() < 0.6 else None)
            if tags:
                user["Tags"] = tags
        users.append(user)
        report_users.append((user, created, human))

    # ------------------------------------------------------------ roles
    roles = []
    role_names = set()
    github_roles = eks_roles = 0

    def trust(statements):
        return g.document(statements)

    for i in range(n_roles):
        team = rng.choice(TEAMS)
        roll = rng.random()
        path = "/"
        attached = []
        instance_profiles = []
        if roll < 0.12:
            kind = "github"
            repo = f"{GITHUB_ORG}/{team}-{rng.choice(['api', 'web', 'infra', 'jobs'])}"
            name = f"gha-{team}-deploy"
            subs = [f"repo:{repo}:ref:refs/heads/main"]
            if rng.random() < 0.3:
                subs.append(f"repo:{repo}:environment:production")
            sub_value = subs if len(subs) > 1 else subs[0]
            statements = [{
                "Effect": "Allow",
                "Principal": {"Federated": f"arn:aws:iam::{ACCOUNT}:oidc-provider/"
                                           "token.actions.githubusercontent.com"},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringEquals": {"token.actions.githubusercontent.com:aud":
                                     "sts.amazonaws.com"},
                    "StringLike": {"token.actions.githubusercontent.com:sub": sub_value}}}]
            github_roles += 1
        elif roll < 0.27:
            kind = "irsa"
            region, cluster = rng.choice(EKS_CLUSTERS)
            issuer = f"oidc.eks.{region}.amazonaws.com/id/{cluster}"
            sa = f"{team}-{rng.choice(['api', 'worker', 'controller', 'exporter'])}"
            ns = rng.choice([team, "default", "kube-system", f"{team}-prod"])
            name = f"eks-{team}-{sa}"
            statements = [{
                "Effect": "Allow",
                "Principal": {"Federated": f"arn:aws:iam::{ACCOUNT}:oidc-provider/{issuer}"},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {"StringEquals": {
                    f"{issuer}:sub": f"system:serviceaccount:{ns}:{sa}",
                    f"{issuer}:aud": "sts.amazonaws.com"}}}]
            eks_roles += 1
        elif roll < 0.45:
            kind = "ec2"
            name = f"{team}-ec2-instance"
            statements = [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                           "Action": "sts:AssumeRole"}]
            attached += [attach(aws_managed_arn("AmazonSSMManagedInstanceCore"))]
            if rng.random() < 0.5:
                attached.append(attach(aws_managed_arn("CloudWatchAgentServerPolicy")))
        elif roll < 0.62:
            kind = "lambda"
            path = rng.choice(["/", "/service-role/"])
            name = f"{team}-lambda-exec"
            statements = [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                           "Action": "sts:AssumeRole"}]
            attached.append(attach(aws_managed_arn("AWSLambdaBasicExecutionRole")))
        elif roll < 0.72:
            kind = "ecs"
            name = f"{team}-ecs-task"
            statements = [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                           "Action": "sts:AssumeRole",
                           "Condition": {"ArnLike": {"aws:SourceArn":
                                                     f"arn:aws:ecs:us-east-1:{ACCOUNT}:*"}}}]
            attached.append(attach(aws_managed_arn("AmazonECSTaskExecutionRolePolicy")))
        elif roll < 0.76:
            kind = "service-linked"
            service = rng.choice(["support", "trustedadvisor", "elasticloadbalancing",
                                  "autoscaling", "rds", "ecs"])
            path = f"/aws-service-role/{service}.amazonaws.com/"
            name = f"AWSServiceRoleFor{service.capitalize()}"
            statements = [{"Effect": "Allow",
                           "Principal": {"Service": f"{service}.amazonaws.com"},
                           "Action": "sts:AssumeRole"}]
            attached.append(attach(aws_managed_arn("AWSSupportServiceRolePolicy")))
        else:
            kind = "assumable"
            name = f"{team}-{rng.choice(['admin', 'deployer', 'readonly', 'breakglass', 'audit'])}"
            principals_list = []
            if users and rng.random() < 0.6:
                principals_list += [u["Arn"] for u in rng.sample(users, rng.choice([1, 1, 2]))]
            if roles and rng.random() < 0.3:
                principals_list.append(rng.choice(roles)["Arn"])
            if rng.random() < 0.4 or not principals_list:
                principals_list.append(f"arn:aws:iam::{rng.choice(OTHER_ACCOUNTS)}:root")
            aws_value = principals_list if len(principals_list) > 1 else principals_list[0]
            statement = {"Effect": "Allow", "Principal": {"AWS": aws_value},
                         "Action": "sts:AssumeRole"}
            if rng.random() < 0.5:
                statement["Condition"] = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
            if rng.random() < 0.2:
                statement["Condition"] = {"StringEquals": {
                    "sts:ExternalId": f"{rng.getrandbits(64):016x}"}}
            statements = [statement]
            if "admin" in name or "breakglass" in name:
                attached.append(attach(aws_managed_arn("AdministratorAccess")))
        base = name
        suffix = 1
        while name in role_names:
            suffix += 1
            name = f"{base}-{suffix}"
        role_names.add(name)
        created = g.date_between(EPOCH_START, NOW - dt.timedelta(days=2))
        arn = f"arn:aws:iam::{ACCOUNT}:role{path}{name}"
        role_id = g.unique_id("AROA")
        trust_doc = trust(statements)
        if kind not in ("service-linked",):
            for policy_arn in rng.sample(ordinary, rng.choice([0, 1, 1, 2])):
                attached.append(attach(policy_arn))
        inline = []
        if rng.random() < 0.3 and kind != "service-linked":
            inline.append({"PolicyName": rng.choice(["inline", f"{team}-access",
                                                     "AllowSecrets", "runtime"]),
                           "PolicyDocument": g.document(g.identity_statements(team))})
        if kind == "ec2":
            instance_profiles.append({
                "Path": "/",
                "InstanceProfileName": name,
                "InstanceProfileId": g.unique_id("AIPA"),
                "Arn": f"arn:aws:iam::{ACCOUNT}:instance-profile/{name}",
                "CreateDate": g.iso(created),
                "Roles": [{"Path": path, "RoleName": name, "RoleId": role_id, "Arn": arn,
                           "CreateDate": g.iso(created),
                           "AssumeRolePolicyDocument": trust(statements)}],
            })
        if rng.random() < 0.7:
            used = g.date_between(created, NOW)
            last_used = {"LastUsedDate": g.iso(used), "Region": rng.choice(REGIONS)}
        else:
            last_used = {}
        role = {
            "Path": path,
            "RoleName": name,
            "RoleId": role_id,
            "Arn": arn,
            "CreateDate": g.iso(created),
            "AssumeRolePolicyDocument": trust_doc,
            "InstanceProfileList": instance_profiles,
            "RolePolicyList": inline,
            "AttachedManagedPolicies": attached,
        }
        if boundaries and kind != "service-linked" and rng.random() < 0.05:
            boundary = rng.choice(boundaries)
            boundary_count[boundary] = boundary_count.get(boundary, 0) + 1
            role["PermissionsBoundary"] = {"PermissionsBoundaryType": "PermissionsBoundaryPolicy",
                                           "PermissionsBoundaryArn": boundary}
        if kind != "service-linked" and rng.random() < 0.85:
            tags = g.tags(g.owner_email() if rng.random() < 0.75 else None,
                          rng.choice(ENVIRONMENTS) if rng.random() < 0.8 else None,
                          team if rng.random() < 0.6 else None)
            if tags:
                role["Tags"] = tags
        role["RoleLastUsed"] = last_used
        roles.append(role)

    # ------------------------------------------------------------ policies list
    policies = []
    for p in customer:
        p = dict(p)
        del p["_kind"]
        p["AttachmentCount"] = attach_count.get(p["Arn"], 0)
        p["PermissionsBoundaryUsageCount"] = boundary_count.get(p["Arn"], 0)
        if p["Description"] is None:
            del p["Description"]
        policies.append(p)
    for name, (path, statements) in AWS_MANAGED.items():
        arn = aws_managed_arn(name)
        if arn not in attach_count:
            continue
        created = dt.datetime(2015, 2, 6, 18, 39, 46, tzinfo=dt.timezone.utc)
        policies.append({
            "PolicyName": name,
            "PolicyId": g.unique_id("ANPA"),
            "Arn": arn,
            "Path": path,
            "DefaultVersionId": "v1",
            "AttachmentCount": attach_count[arn],
            "PermissionsBoundaryUsageCount": 0,
            "IsAttachable": True,
            "CreateDate": g.iso(created),
            "UpdateDate": g.iso(created),
            "PolicyVersionList": [{"Document": g.document(statements), "VersionId": "v1",
                                   "IsDefaultVersion": True, "CreateDate": g.iso(created)}],
        })

    users.sort(key=lambda u: u["UserName"].lower())
    roles.sort(key=lambda r: r["RoleName"].lower())
    groups.sort(key=lambda x: x["GroupName"].lower())
    gaad = {
        "UserDetailList": users,
        "GroupDetailList": groups,
        "RoleDetailList": roles,
        "Policies": policies,
        "IsTruncated": False,
    }

    # ------------------------------------------------------------ credential report
    report_users.sort(key=lambda t: t[0]["UserName"].lower())
    rows = []
    root_created = dt.datetime(2015, 9, 14, 16, 2, 11, tzinfo=dt.timezone.utc)
    rows.append(["<root_account>", f"arn:aws:iam::{ACCOUNT}:root", g.iso(root_created),
                 "not_supported", g.iso(g.date_between(NOW - dt.timedelta(days=400), NOW)),
                 "not_supported", "not_supported", "true",
                 "false", "N/A", "N/A", "N/A", "N/A",
                 "false", "N/A", "N/A", "N/A", "N/A",
                 "false", "N/A", "false", "N/A"])
    keys = {"active": 0, "inactive": 0, "slots": 0}
    for user, created, human in report_users:
        if human or rng.random() < 0.05:
            password_enabled = "true"
            changed = g.date_between(created, NOW)
            password_last_used = (g.iso(g.date_between(changed, NOW))
                                  if rng.random() < 0.85 else "no_information")
            password_last_changed = g.iso(changed)
            password_next_rotation = (g.iso(changed + dt.timedelta(days=90))
                                      if rng.random() < 0.5 else "N/A")
            mfa = "true" if rng.random() < 0.7 else "false"
        else:
            password_enabled = "false"
            password_last_used = password_last_changed = password_next_rotation = "N/A"
            mfa = "false"
        row = [user["UserName"], user["Arn"], g.iso(created), password_enabled,
               password_last_used, password_last_changed, password_next_rotation, mfa]
        key_probability = [0.35 if human else 0.9, 0.03 if human else 0.15]
        for slot in range(2):
            if rng.random() < key_probability[slot]:
                keys["slots"] += 1
                active = rng.random() < 0.85
                keys["active" if active else "inactive"] += 1
                rotated = g.date_between(created, NOW)
                if rng.random() < 0.75:
                    used = g.date_between(rotated, NOW)
                    row += ["true" if active else "false", g.iso(rotated), g.iso(used),
                            rng.choice(REGIONS), rng.choice(SERVICES)]
                else:
                    row += ["true" if active else "false", g.iso(rotated), "N/A", "N/A", "N/A"]
            else:
                row += ["false", "N/A", "N/A", "N/A", "N/A"]
        if rng.random() < 0.002:
            row += ["true", g.iso(g.date_between(created, NOW)), "false", "N/A"]
        else:
            row += ["false", "N/A", "false", "N/A"]
        rows.append(row)

    header = ["user", "arn", "user_creation_time", "password_enabled", "password_last_used",
              "password_last_changed", "password_next_rotation", "mfa_active",
              "access_key_1_active", "access_key_1_last_rotated", "access_key_1_last_used_date",
              "access_key_1_last_used_region", "access_key_1_last_used_service",
              "access_key_2_active", "access_key_2_last_rotated", "access_key_2_last_used_date",
              "access_key_2_last_used_region", "access_key_2_last_used_service",
              "cert_1_active", "cert_1_last_rotated", "cert_2_active", "cert_2_last_rotated"]
    assert all(len(r) == len(header) for r in rows)
    # No field needs quoting (names are [\w+=,.@-] but we never emit a comma).
    assert not any("," in f or '"' in f for r in rows for f in r)
    csv_text = "\n".join(",".join(r) for r in [header] + rows)

    # ------------------------------------------------------------ expectations
    expected = expectations(gaad, rows)
    expected.update({
        "github_oidc_roles": github_roles,
        "eks_irsa_roles": eks_roles,
        "report_key_slots": keys["slots"],
        "report_keys_active": keys["active"],
        "report_keys_inactive": keys["inactive"],
    })
    return gaad, csv_text, expected


def decode(doc):
    return json.loads(urllib.parse.unquote(doc)) if isinstance(doc, str) else doc


def statements_of(doc):
    s = decode(doc)["Statement"]
    return s if isinstance(s, list) else [s]


def as_list(value):
    return value if isinstance(value, list) else [value]


def expectations(gaad, rows):
    """The records nhi's AWS mapping should produce from these files (see
    crates/nhi-aws/src/inventory.rs), so a benchmark can check the ingest is complete."""
    groups = {g["GroupName"]: g for g in gaad["GroupDetailList"]}
    grants = 0
    links = 0
    owner_keys = {"owner", "Owner", "OWNER", "owner-email", "OwnerEmail", "team-owner",
                  "Contact", "contact", "CreatedBy", "created-by"}

    def owners(entity):
        return len({t["Value"].strip() for t in entity.get("Tags", [])
                    if t["Key"] in owner_keys and t["Value"].strip()})

    for u in gaad["UserDetailList"]:
        grants += len(u["AttachedManagedPolicies"]) + len(u["UserPolicyList"])
        for name in u["GroupList"]:
            g = groups[name]
            grants += len(g["AttachedManagedPolicies"]) + len(g["GroupPolicyList"])
        links += owners(u)
    for r in gaad["RoleDetailList"]:
        grants += len(r["AttachedManagedPolicies"]) + len(r["RolePolicyList"])
        links += owners(r)
        for s in statements_of(r["AssumeRolePolicyDocument"]):
            if s["Effect"] != "Allow" or not isinstance(s.get("Principal"), dict):
                continue
            for arn in as_list(s["Principal"].get("AWS", [])):
                if ":user/" in arn or ":role/" in arn:
                    links += 1
            for provider in as_list(s["Principal"].get("Federated", [])):
                subs = []
                for keys in s.get("Condition", {}).values():
                    for key, value in keys.items():
                        if key.endswith(":sub"):
                            subs += as_list(value)
                if provider.endswith("token.actions.githubusercontent.com"):
                    links += len(subs) or 1
                elif "oidc.eks." in provider:
                    links += sum(1 for x in subs if x.startswith("system:serviceaccount:"))
    encoded = decoded = 0

    def count_documents(value):
        nonlocal encoded, decoded
        if isinstance(value, dict):
            for key, child in value.items():
                if key in ("PolicyDocument", "AssumeRolePolicyDocument", "Document"):
                    if isinstance(child, str):
                        encoded += 1
                    else:
                        decoded += 1
                else:
                    count_documents(child)
        elif isinstance(value, list):
            for child in value:
                count_documents(child)

    count_documents(gaad)
    credentials = 0
    for row in rows:
        for active, rotated in ((row[8], row[9]), (row[13], row[14])):
            if active == "true" or rotated != "N/A":
                credentials += 1
    links += credentials  # has_credential
    n_users = len(gaad["UserDetailList"])
    n_roles = len(gaad["RoleDetailList"])
    return {
        "principals": n_users + n_roles,
        "users": n_users,
        "roles": n_roles,
        "groups": len(gaad["GroupDetailList"]),
        "managed_policies": len(gaad["Policies"]),
        "customer_managed_policies": sum(1 for p in gaad["Policies"]
                                         if ":aws:policy/" not in p["Arn"]),
        "report_rows": len(rows),
        # GAAD: users + roles; report: users + root; merged by ARN.
        "gaad_identities": n_users + n_roles,
        "report_identities": len(rows),
        "merged_identities": n_users + n_roles + 1,
        "grants": grants,
        "credentials": credentials,
        "links_before_dedup": links,
        "policy_documents_url_encoded": encoded,
        "policy_documents_decoded": decoded,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir")
    parser.add_argument("--principals", type=int, default=20000,
                        help="IAM users + roles (default 20000; 70%% users)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--encoded-fraction", type=float, default=0.15,
                        help="share of policy documents written URL-encoded (default 0.15)")
    args = parser.parse_args()
    if args.principals < 10:
        parser.error("--principals must be at least 10")

    gaad, csv_text, expected = build(args.principals, args.seed, args.encoded_fraction)
    os.makedirs(args.out_dir, exist_ok=True)
    gaad_path = os.path.join(args.out_dir, "gaad.json")
    report_path = os.path.join(args.out_dir, "credential-report.csv")
    with open(gaad_path, "w", encoding="utf-8", newline="\n") as f:
        json.dump(gaad, f, indent=4, ensure_ascii=False)
        f.write("\n")
    with open(report_path, "w", encoding="utf-8", newline="\n") as f:
        f.write(csv_text)
    manifest = {
        "generator": "benches/gen-aws-estate.py",
        "seed": args.seed,
        "account": ACCOUNT,
        "gaad_bytes": os.path.getsize(gaad_path),
        "credential_report_bytes": os.path.getsize(report_path),
        **expected,
    }
    with open(os.path.join(args.out_dir, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    print(f"{args.out_dir}: {manifest['users']} users, {manifest['roles']} roles, "
          f"{manifest['groups']} groups, {manifest['managed_policies']} managed policies; "
          f"gaad.json {manifest['gaad_bytes'] / 1e6:.1f} MB, credential-report.csv "
          f"{manifest['credential_report_bytes'] / 1e6:.1f} MB", file=sys.stderr)


if __name__ == "__main__":
    main()
