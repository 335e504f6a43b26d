//! Sensitive data access classes.

/// A kind of access to sensitive data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SensitiveClass {
    S3Read,
    S3Write,
    SecretsRead,
    SecretsWrite,
    SsmParameterRead,
    SsmParameterWrite,
    KmsDecrypt,
    DynamoDbRead,
    DynamoDbWrite,
    RdsData,
    RdsSnapshot,
}

impl SensitiveClass {
    pub const ALL: [SensitiveClass; 11] = [
        SensitiveClass::S3Read,
        SensitiveClass::S3Write,
        SensitiveClass::SecretsRead,
        SensitiveClass::SecretsWrite,
        SensitiveClass::SsmParameterRead,
        SensitiveClass::SsmParameterWrite,
        SensitiveClass::KmsDecrypt,
        SensitiveClass::DynamoDbRead,
        SensitiveClass::DynamoDbWrite,
        SensitiveClass::RdsData,
        SensitiveClass::RdsSnapshot,
    ];

    /// The actions that give this access (any one of them suffices).
    pub fn actions(self) -> &'static [&'static str] {
        match self {
            SensitiveClass::S3Read => &["s3:GetObject", "s3:GetObjectVersion"],
            SensitiveClass::S3Write => {
                &["s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion"]
            }
            SensitiveClass::SecretsRead => &[
                "secretsmanager:GetSecretValue",
                "secretsmanager:BatchGetSecretValue",
            ],
            SensitiveClass::SecretsWrite => &[
                "secretsmanager:PutSecretValue",
                "secretsmanager:UpdateSecret",
                "secretsmanager:DeleteSecret",
            ],
            SensitiveClass::SsmParameterRead => &[
                "ssm:GetParameter",
                "ssm:GetParameters",
                "ssm:GetParametersByPath",
                "ssm:GetParameterHistory",
            ],
            SensitiveClass::SsmParameterWrite => &["ssm:PutParameter", "ssm:DeleteParameter"],
            SensitiveClass::KmsDecrypt => &["kms:Decrypt", "kms:ReEncryptFrom"],
            SensitiveClass::DynamoDbRead => &[
                "dynamodb:GetItem",
                "dynamodb:BatchGetItem",
                "dynamodb:Query",
                "dynamodb:Scan",
                "dynamodb:PartiQLSelect",
                "dynamodb:ExportTableToPointInTime",
            ],
            SensitiveClass::DynamoDbWrite => &[
                "dynamodb:PutItem",
                "dynamodb:UpdateItem",
                "dynamodb:DeleteItem",
                "dynamodb:BatchWriteItem",
                "dynamodb:PartiQLInsert",
                "dynamodb:PartiQLUpdate",
                "dynamodb:PartiQLDelete",
            ],
            SensitiveClass::RdsData => &[
                "rds-data:ExecuteStatement",
                "rds-data:BatchExecuteStatement",
                "rds-db:connect",
            ],
            SensitiveClass::RdsSnapshot => &[
                "rds:CreateDBSnapshot",
                "rds:CreateDBClusterSnapshot",
                "rds:CopyDBSnapshot",
                "rds:ModifyDBSnapshotAttribute",
                "rds:ModifyDBClusterSnapshotAttribute",
                "rds:RestoreDBInstanceFromDBSnapshot",
            ],
        }
    }
}
