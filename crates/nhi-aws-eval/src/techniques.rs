//! Known IAM privilege-escalation techniques. Each one is detected when every
//! action in `actions` is allowed to the principal (on some resource; the
//! evidence lists the resources so a reviewer can judge the reach).
//!
//! Sources: Rhino Security Labs, "AWS IAM Privilege Escalation – Methods and
//! Mitigations" (21 methods, parts 1 and 2); Bishop Fox `iam-vulnerable`
//! (31 paths); later write-ups collected by Datadog's pathfinding.cloud and
//! HackTricks (ECS, CodeBuild, Auto Scaling, EC2 launch templates, App Runner,
//! permissions-boundary removal, EC2 Instance Connect, SSM).

/// One escalation technique.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Technique {
    /// Stable identifier, used in findings.
    pub id: &'static str,
    pub title: &'static str,
    /// Every one of these must be allowed.
    pub actions: &'static [&'static str],
    /// What an attacker does with them.
    pub description: &'static str,
}

impl Technique {
    /// The technique acts on another user (its first action targets a user):
    /// not reported when that action is only allowed on the caller's own
    /// user (`${aws:username}` in every resource).
    /// A role can apply the technique to itself, so `sts:AssumeRole` is not
    /// needed when the principal is a role.
    pub fn role_can_target_itself(&self) -> bool {
        matches!(self.id, "AttachRolePolicy" | "PutRolePolicy")
    }

    pub fn targets_other_users(&self) -> bool {
        matches!(
            self.id,
            "CreateAccessKey" | "CreateLoginProfile" | "UpdateLoginProfile"
        )
    }
}

macro_rules! t {
    ($id:literal, $title:literal, [$($a:literal),+ $(,)?], $desc:literal) => {
        Technique {
            id: $id,
            title: $title,
            actions: &[$($a),+],
            description: $desc,
        }
    };
}

/// The technique table.
pub const TECHNIQUES: &[Technique] = &[
    // --- Rhino 1-21 / iam-vulnerable: direct IAM permission changes ---
    t!(
        "CreateNewPolicyVersion",
        "Create a new version of a managed policy",
        ["iam:CreatePolicyVersion"],
        "Create a new default version of a policy attached to oneself with arbitrary permissions (--set-as-default needs no SetDefaultPolicyVersion)."
    ),
    t!(
        "SetExistingDefaultPolicyVersion",
        "Switch a managed policy to an older version",
        ["iam:SetDefaultPolicyVersion"],
        "Make a more permissive older version of an attached policy the default."
    ),
    t!(
        "CreateAccessKey",
        "Create an access key for another user",
        ["iam:CreateAccessKey"],
        "Mint access keys for a more privileged user."
    ),
    t!(
        "CreateLoginProfile",
        "Create a console password for another user",
        ["iam:CreateLoginProfile"],
        "Give a user without a console password one, then sign in as them."
    ),
    t!(
        "UpdateLoginProfile",
        "Reset another user's console password",
        ["iam:UpdateLoginProfile"],
        "Change a privileged user's console password and sign in as them."
    ),
    t!(
        "AttachUserPolicy",
        "Attach a managed policy to a user",
        ["iam:AttachUserPolicy"],
        "Attach AdministratorAccess to oneself."
    ),
    t!(
        "AttachGroupPolicy",
        "Attach a managed policy to a group",
        ["iam:AttachGroupPolicy"],
        "Attach AdministratorAccess to a group one belongs to."
    ),
    t!(
        "AttachRolePolicy",
        "Attach a managed policy to an assumable role",
        ["iam:AttachRolePolicy", "sts:AssumeRole"],
        "Attach AdministratorAccess to a role one can assume, then assume it."
    ),
    t!(
        "PutUserPolicy",
        "Write an inline policy on a user",
        ["iam:PutUserPolicy"],
        "Add an inline admin policy to oneself."
    ),
    t!(
        "PutGroupPolicy",
        "Write an inline policy on a group",
        ["iam:PutGroupPolicy"],
        "Add an inline admin policy to a group one belongs to."
    ),
    t!(
        "PutRolePolicy",
        "Write an inline policy on an assumable role",
        ["iam:PutRolePolicy", "sts:AssumeRole"],
        "Add an inline admin policy to a role one can assume, then assume it."
    ),
    t!(
        "AddUserToGroup",
        "Add a user to a group",
        ["iam:AddUserToGroup"],
        "Join a more privileged group."
    ),
    t!(
        "UpdateAssumeRolePolicy",
        "Rewrite a role's trust policy",
        ["iam:UpdateAssumeRolePolicy", "sts:AssumeRole"],
        "Make a privileged role trust oneself, then assume it."
    ),
    t!(
        "PutUserPermissionsBoundary",
        "Replace a user's permissions boundary",
        ["iam:PutUserPermissionsBoundary"],
        "Swap one's own boundary for a permissive one."
    ),
    t!(
        "DeleteUserPermissionsBoundary",
        "Remove a user's permissions boundary",
        ["iam:DeleteUserPermissionsBoundary"],
        "Remove the boundary that limits one's own identity policies."
    ),
    t!(
        "PutRolePermissionsBoundary",
        "Replace a role's permissions boundary",
        ["iam:PutRolePermissionsBoundary"],
        "Swap the boundary of a role one uses for a permissive one."
    ),
    t!(
        "DeleteRolePermissionsBoundary",
        "Remove a role's permissions boundary",
        ["iam:DeleteRolePermissionsBoundary"],
        "Remove the boundary of a role one uses."
    ),
    // --- PassRole to a compute service ---
    t!(
        "PassRoleToEC2",
        "Pass a role to a new EC2 instance",
        ["iam:PassRole", "ec2:RunInstances"],
        "Launch an instance with a privileged instance profile and read its credentials from IMDS."
    ),
    t!(
        "PassRoleToEC2InstanceProfileAssociation",
        "Attach a role to a running instance",
        ["iam:PassRole", "ec2:AssociateIamInstanceProfile"],
        "Associate a privileged instance profile with an instance one controls."
    ),
    t!(
        "PassRoleToEC2ReplaceInstanceProfile",
        "Replace an instance's instance profile",
        ["iam:PassRole", "ec2:ReplaceIamInstanceProfileAssociation"],
        "Swap the profile on an instance one controls for a privileged one."
    ),
    t!(
        "PassExistingRoleToNewLambdaThenInvoke",
        "Pass a role to a new Lambda function and invoke it",
        [
            "iam:PassRole",
            "lambda:CreateFunction",
            "lambda:InvokeFunction"
        ],
        "Create a function running as a privileged role and invoke it."
    ),
    t!(
        "PassExistingRoleToNewLambdaThenTriggerWithNewDynamo",
        "Pass a role to a new Lambda function triggered by a new DynamoDB stream",
        [
            "iam:PassRole",
            "lambda:CreateFunction",
            "lambda:CreateEventSourceMapping",
            "dynamodb:CreateTable",
            "dynamodb:PutItem"
        ],
        "Create a function as a privileged role and trigger it through a new table's stream."
    ),
    t!(
        "PassExistingRoleToNewLambdaThenTriggerWithExistingDynamo",
        "Pass a role to a new Lambda function triggered by an existing event source",
        [
            "iam:PassRole",
            "lambda:CreateFunction",
            "lambda:CreateEventSourceMapping"
        ],
        "Create a function as a privileged role and map an existing stream or queue to it."
    ),
    t!(
        "PassExistingRoleToNewLambdaThenAddPermission",
        "Pass a role to a new Lambda function and open its invoke permission",
        [
            "iam:PassRole",
            "lambda:CreateFunction",
            "lambda:AddPermission"
        ],
        "Create a function as a privileged role and allow oneself (or anyone) to invoke it."
    ),
    t!(
        "EditExistingLambdaFunctionWithRole",
        "Replace an existing Lambda function's code",
        ["lambda:UpdateFunctionCode"],
        "Run code as the function's (possibly privileged) role."
    ),
    t!(
        "EditExistingLambdaFunctionConfiguration",
        "Change an existing Lambda function's configuration",
        ["lambda:UpdateFunctionConfiguration"],
        "Add a malicious layer or environment to run code as the function's role."
    ),
    t!(
        "PassExistingRoleToNewGlueDevEndpoint",
        "Pass a role to a new Glue development endpoint",
        ["iam:PassRole", "glue:CreateDevEndpoint"],
        "Create a dev endpoint with a privileged role and SSH into it."
    ),
    t!(
        "UpdateExistingGlueDevEndpoint",
        "Add an SSH key to an existing Glue development endpoint",
        ["glue:UpdateDevEndpoint"],
        "SSH into an endpoint that runs as a privileged role."
    ),
    t!(
        "PassExistingRoleToNewGlueJob",
        "Pass a role to a new Glue job and run it",
        ["iam:PassRole", "glue:CreateJob", "glue:StartJobRun"],
        "Run a Glue job script as a privileged role."
    ),
    t!(
        "UpdateExistingGlueJob",
        "Change an existing Glue job and run it",
        ["iam:PassRole", "glue:UpdateJob", "glue:StartJobRun"],
        "Point a job at a privileged role and one's own script."
    ),
    t!(
        "PassExistingRoleToCloudFormation",
        "Pass a role to a new CloudFormation stack",
        ["iam:PassRole", "cloudformation:CreateStack"],
        "Create a stack whose service role creates arbitrary resources, such as an admin user."
    ),
    t!(
        "UpdateExistingCloudFormationStack",
        "Update a stack that has a service role",
        ["iam:PassRole", "cloudformation:UpdateStack"],
        "Change a stack's template so its privileged service role acts for you."
    ),
    t!(
        "CloudFormationChangeSet",
        "Create and execute a change set on a stack with a service role",
        [
            "cloudformation:CreateChangeSet",
            "cloudformation:ExecuteChangeSet"
        ],
        "Apply a template change that the stack's existing service role carries out."
    ),
    t!(
        "PassExistingRoleToNewDataPipeline",
        "Pass a role to a new Data Pipeline",
        [
            "iam:PassRole",
            "datapipeline:CreatePipeline",
            "datapipeline:PutPipelineDefinition",
            "datapipeline:ActivatePipeline"
        ],
        "Run shell commands in a pipeline as a privileged role."
    ),
    t!(
        "PassExistingRoleToNewCodeStarProject",
        "Pass a role to a new CodeStar project",
        ["iam:PassRole", "codestar:CreateProject"],
        "The project's CloudFormation template runs as the passed role."
    ),
    t!(
        "CodeStarCreateProjectThenAssociateTeamMember",
        "Create a CodeStar project and make oneself its owner",
        ["codestar:CreateProject", "codestar:AssociateTeamMember"],
        "Project ownership attaches a CodeStar-managed policy with IAM permissions."
    ),
    t!(
        "PassExistingRoleToNewSageMakerNotebook",
        "Pass a role to a new SageMaker notebook",
        [
            "iam:PassRole",
            "sagemaker:CreateNotebookInstance",
            "sagemaker:CreatePresignedNotebookInstanceUrl"
        ],
        "Open a notebook running as a privileged role."
    ),
    t!(
        "SageMakerCreatePresignedNotebookUrl",
        "Open an existing SageMaker notebook",
        ["sagemaker:CreatePresignedNotebookInstanceUrl"],
        "Use an existing notebook's execution role from its Jupyter terminal."
    ),
    t!(
        "PassExistingRoleToNewSageMakerProcessingJob",
        "Pass a role to a new SageMaker processing job",
        ["iam:PassRole", "sagemaker:CreateProcessingJob"],
        "Run a container as a privileged role."
    ),
    t!(
        "PassExistingRoleToNewSageMakerTrainingJob",
        "Pass a role to a new SageMaker training job",
        ["iam:PassRole", "sagemaker:CreateTrainingJob"],
        "Run a container as a privileged role."
    ),
    t!(
        "SSMSendCommand",
        "Run commands on managed instances",
        ["ssm:SendCommand"],
        "Run commands on an instance and take its instance-profile credentials."
    ),
    t!(
        "SSMStartSession",
        "Open a shell on managed instances",
        ["ssm:StartSession"],
        "Get a shell on an instance and take its instance-profile credentials."
    ),
    t!(
        "EC2InstanceConnectSendSSHPublicKey",
        "Push an SSH key to an instance",
        ["ec2-instance-connect:SendSSHPublicKey"],
        "SSH into an instance and take its instance-profile credentials."
    ),
    t!(
        "EC2ModifyInstanceUserData",
        "Change an instance's user data and restart it",
        [
            "ec2:ModifyInstanceAttribute",
            "ec2:StopInstances",
            "ec2:StartInstances"
        ],
        "User data runs as root on boot, with the instance profile's credentials."
    ),
    t!(
        "EC2LaunchTemplateNewVersion",
        "Change the default version of a launch template",
        [
            "ec2:CreateLaunchTemplateVersion",
            "ec2:ModifyLaunchTemplate"
        ],
        "Instances later launched from the template (e.g. by Auto Scaling) run one's user data with their role."
    ),
    t!(
        "PassRoleToAutoScalingLaunchConfiguration",
        "Pass a role to an Auto Scaling launch configuration",
        [
            "iam:PassRole",
            "autoscaling:CreateLaunchConfiguration",
            "autoscaling:CreateAutoScalingGroup"
        ],
        "Auto Scaling launches instances with a privileged profile and one's user data."
    ),
    t!(
        "PassRoleToAutoScalingLaunchTemplate",
        "Pass a role to a launch template used by Auto Scaling",
        [
            "iam:PassRole",
            "ec2:CreateLaunchTemplate",
            "autoscaling:CreateAutoScalingGroup"
        ],
        "Auto Scaling launches instances with a privileged profile and one's user data."
    ),
    t!(
        "PassRoleToECSRunTask",
        "Pass a role to a new ECS task",
        ["iam:PassRole", "ecs:RegisterTaskDefinition", "ecs:RunTask"],
        "Run a container whose task role is privileged."
    ),
    t!(
        "PassRoleToECSService",
        "Pass a role to a new ECS service",
        [
            "iam:PassRole",
            "ecs:RegisterTaskDefinition",
            "ecs:CreateService"
        ],
        "Run a service whose task role is privileged."
    ),
    t!(
        "PassRoleToECSStartTask",
        "Pass a role to an ECS task started on a chosen instance",
        [
            "iam:PassRole",
            "ecs:RegisterTaskDefinition",
            "ecs:StartTask"
        ],
        "Start a container whose task role is privileged."
    ),
    t!(
        "PassRoleToNewCodeBuildProject",
        "Pass a role to a new CodeBuild project",
        [
            "iam:PassRole",
            "codebuild:CreateProject",
            "codebuild:StartBuild"
        ],
        "Run a build as a privileged service role."
    ),
    t!(
        "CodeBuildStartBuildOverride",
        "Start a build of an existing project with an overridden buildspec",
        ["codebuild:StartBuild"],
        "The buildspec override runs with the project's service role."
    ),
    t!(
        "CodeBuildUpdateProject",
        "Change an existing CodeBuild project and build it",
        [
            "iam:PassRole",
            "codebuild:UpdateProject",
            "codebuild:StartBuild"
        ],
        "Point the project at a privileged role and run one's commands."
    ),
    t!(
        "PassRoleToAppRunner",
        "Pass a role to a new App Runner service",
        ["iam:PassRole", "apprunner:CreateService"],
        "The service runs one's image with the instance role."
    ),
];

/// Look up a technique by id.
pub fn technique(id: &str) -> Option<&'static Technique> {
    TECHNIQUES.iter().find(|t| t.id == id)
}
