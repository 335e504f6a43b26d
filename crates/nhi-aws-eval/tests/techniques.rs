//! One test per privilege-escalation technique: a user granted exactly the
//! technique's actions has it; without any one of them it does not.

mod common;

use common::*;
use nhi_aws_eval::{Evaluator, PrivilegeTier, TECHNIQUES, technique};
use serde_json::json;

fn detected(actions: &[&str], id: &str) -> bool {
    let g = gaad(
        vec![user("u", vec![doc(json!([allow(actions)]))])],
        vec![],
        vec![],
        vec![],
    );
    let cat = catalog();
    let ev = Evaluator::new(&g, &[], &cat);
    let a = ev.evaluate(&user_arn("u")).expect("user");
    let hit = a.escalations.iter().find(|e| e.technique_id == id);
    if let Some(e) = hit {
        assert_eq!(e.evidence.len(), actions.len());
        assert!(a.tier >= PrivilegeTier::PermissionsManagement);
        assert!(a.warnings.is_empty(), "{:?}", a.warnings);
    }
    hit.is_some()
}

fn check(id: &str) {
    let t = technique(id).expect("technique exists");
    assert!(
        detected(t.actions, id),
        "{id} not detected with all its actions"
    );
    for skip in 0..t.actions.len() {
        let fewer: Vec<&str> = t
            .actions
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != skip)
            .map(|(_, a)| *a)
            .collect();
        if fewer.is_empty() {
            // A one-action technique: grant an unrelated action instead.
            assert!(
                !detected(&["s3:ListAllMyBuckets"], id),
                "{id} detected without its action"
            );
        } else {
            assert!(
                !detected(&fewer, id),
                "{id} detected without {}",
                t.actions[skip]
            );
        }
    }
}

macro_rules! technique_tests {
    ($($name:ident => $id:literal),+ $(,)?) => {
        $(#[test] fn $name() { check($id); })+
        const TESTED: &[&str] = &[$($id),+];
    };
}

technique_tests! {
    create_new_policy_version => "CreateNewPolicyVersion",
    set_existing_default_policy_version => "SetExistingDefaultPolicyVersion",
    create_access_key => "CreateAccessKey",
    create_login_profile => "CreateLoginProfile",
    update_login_profile => "UpdateLoginProfile",
    attach_user_policy => "AttachUserPolicy",
    attach_group_policy => "AttachGroupPolicy",
    attach_role_policy => "AttachRolePolicy",
    put_user_policy => "PutUserPolicy",
    put_group_policy => "PutGroupPolicy",
    put_role_policy => "PutRolePolicy",
    add_user_to_group => "AddUserToGroup",
    update_assume_role_policy => "UpdateAssumeRolePolicy",
    put_user_permissions_boundary => "PutUserPermissionsBoundary",
    delete_user_permissions_boundary => "DeleteUserPermissionsBoundary",
    put_role_permissions_boundary => "PutRolePermissionsBoundary",
    delete_role_permissions_boundary => "DeleteRolePermissionsBoundary",
    pass_role_to_ec2 => "PassRoleToEC2",
    pass_role_to_ec2_instance_profile_association => "PassRoleToEC2InstanceProfileAssociation",
    pass_role_to_ec2_replace_instance_profile => "PassRoleToEC2ReplaceInstanceProfile",
    pass_existing_role_to_new_lambda_then_invoke => "PassExistingRoleToNewLambdaThenInvoke",
    pass_existing_role_to_new_lambda_then_trigger_with_new_dynamo => "PassExistingRoleToNewLambdaThenTriggerWithNewDynamo",
    pass_existing_role_to_new_lambda_then_trigger_with_existing_dynamo => "PassExistingRoleToNewLambdaThenTriggerWithExistingDynamo",
    pass_existing_role_to_new_lambda_then_add_permission => "PassExistingRoleToNewLambdaThenAddPermission",
    edit_existing_lambda_function_with_role => "EditExistingLambdaFunctionWithRole",
    edit_existing_lambda_function_configuration => "EditExistingLambdaFunctionConfiguration",
    pass_existing_role_to_new_glue_dev_endpoint => "PassExistingRoleToNewGlueDevEndpoint",
    update_existing_glue_dev_endpoint => "UpdateExistingGlueDevEndpoint",
    pass_existing_role_to_new_glue_job => "PassExistingRoleToNewGlueJob",
    update_existing_glue_job => "UpdateExistingGlueJob",
    pass_existing_role_to_cloud_formation => "PassExistingRoleToCloudFormation",
    update_existing_cloud_formation_stack => "UpdateExistingCloudFormationStack",
    cloud_formation_change_set => "CloudFormationChangeSet",
    pass_existing_role_to_new_data_pipeline => "PassExistingRoleToNewDataPipeline",
    pass_existing_role_to_new_code_star_project => "PassExistingRoleToNewCodeStarProject",
    code_star_create_project_then_associate_team_member => "CodeStarCreateProjectThenAssociateTeamMember",
    pass_existing_role_to_new_sage_maker_notebook => "PassExistingRoleToNewSageMakerNotebook",
    sage_maker_create_presigned_notebook_url => "SageMakerCreatePresignedNotebookUrl",
    pass_existing_role_to_new_sage_maker_processing_job => "PassExistingRoleToNewSageMakerProcessingJob",
    pass_existing_role_to_new_sage_maker_training_job => "PassExistingRoleToNewSageMakerTrainingJob",
    ssm_send_command => "SSMSendCommand",
    ssm_start_session => "SSMStartSession",
    ec2_instance_connect_send_ssh_public_key => "EC2InstanceConnectSendSSHPublicKey",
    ec2_modify_instance_user_data => "EC2ModifyInstanceUserData",
    ec2_launch_template_new_version => "EC2LaunchTemplateNewVersion",
    pass_role_to_auto_scaling_launch_configuration => "PassRoleToAutoScalingLaunchConfiguration",
    pass_role_to_auto_scaling_launch_template => "PassRoleToAutoScalingLaunchTemplate",
    pass_role_to_ecs_run_task => "PassRoleToECSRunTask",
    pass_role_to_ecs_service => "PassRoleToECSService",
    pass_role_to_ecs_start_task => "PassRoleToECSStartTask",
    pass_role_to_new_code_build_project => "PassRoleToNewCodeBuildProject",
    code_build_start_build_override => "CodeBuildStartBuildOverride",
    code_build_update_project => "CodeBuildUpdateProject",
    pass_role_to_app_runner => "PassRoleToAppRunner",
}

#[test]
fn every_technique_has_a_test() {
    for t in TECHNIQUES {
        assert!(TESTED.contains(&t.id), "no test for {}", t.id);
    }
    assert_eq!(TESTED.len(), TECHNIQUES.len());
}

#[test]
fn technique_actions_are_in_the_test_catalog() {
    let cat = catalog();
    for t in TECHNIQUES {
        for a in t.actions {
            assert!(
                nhi_aws_eval::ActionCatalog::access_level(&cat, a).is_some(),
                "{a} missing from test catalog"
            );
        }
    }
    for c in nhi_aws_eval::SensitiveClass::ALL {
        for a in c.actions() {
            assert!(
                nhi_aws_eval::ActionCatalog::access_level(&cat, a).is_some(),
                "{a} missing from test catalog"
            );
        }
    }
}
