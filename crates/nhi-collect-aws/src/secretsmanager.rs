//! Secrets Manager: `list-secrets` (metadata only; values are never read).

use aws_sdk_secretsmanager::Client;
use aws_sdk_secretsmanager::types::{SecretListEntry, Tag};
use nhi_aws::{AwsExport, AwsExportKind};
use serde_json::{Map, Value};

use crate::cli_json::{Obj, parse};
use crate::error::{Failure, Optional, optional};
use crate::{CollectError, Redactor};

const LIST_SECRETS: &str = "secretsmanager ListSecrets";

/// Every secret in the configured region, all pages.
pub(crate) async fn list_secrets(
    client: &Client,
    redactor: &Redactor,
) -> Result<Optional<AwsExport>, CollectError> {
    let mut entries = Vec::new();
    let mut pages = client.list_secrets().into_paginator().send();
    while let Some(page) = pages.next().await {
        match page {
            Ok(page) => entries.extend(page.secret_list().iter().map(secret_json)),
            Err(e) => return optional(Failure::from_sdk(LIST_SECRETS, e, redactor)),
        }
    }
    let listed = Obj::new().list("SecretList", entries).build();
    parse(AwsExportKind::ListSecrets, LIST_SECRETS, &listed).map(Optional::Collected)
}

fn tags_json(tags: &[Tag]) -> Vec<Value> {
    tags.iter()
        .map(|tag| {
            Obj::new()
                .str("Key", tag.key())
                .str("Value", tag.value())
                .build()
        })
        .collect()
}

fn secret_json(entry: &SecretListEntry) -> Value {
    let rotation_rules = entry.rotation_rules().map(|rules| {
        Obj::new()
            .int("AutomaticallyAfterDays", rules.automatically_after_days())
            .str("Duration", rules.duration())
            .str("ScheduleExpression", rules.schedule_expression())
            .build()
    });
    // Version IDs to staging labels: identifiers only, no secret material.
    let stages = entry.secret_versions_to_stages().map(|stages| {
        let mut sorted: Vec<_> = stages.iter().collect();
        sorted.sort();
        let map: Map<String, Value> = sorted
            .into_iter()
            .map(|(version, labels)| {
                let labels = labels.iter().map(|l| Value::from(l.as_str())).collect();
                (version.clone(), Value::Array(labels))
            })
            .collect();
        Value::Object(map)
    });
    Obj::new()
        .str("ARN", entry.arn())
        .str("Name", entry.name())
        .str("Description", entry.description())
        .str("KmsKeyId", entry.kms_key_id())
        .bool("RotationEnabled", entry.rotation_enabled())
        .str("RotationLambdaARN", entry.rotation_lambda_arn())
        .value("RotationRules", rotation_rules)
        .date("LastRotatedDate", entry.last_rotated_date())
        .date("LastChangedDate", entry.last_changed_date())
        .date("LastAccessedDate", entry.last_accessed_date())
        .date("DeletedDate", entry.deleted_date())
        .date("NextRotationDate", entry.next_rotation_date())
        .list("Tags", tags_json(entry.tags()))
        .value("SecretVersionsToStages", stages)
        .str("OwningService", entry.owning_service())
        .date("CreatedDate", entry.created_date())
        .str("PrimaryRegion", entry.primary_region())
        .build()
}
