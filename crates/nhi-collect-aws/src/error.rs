//! Errors of a collection run, and how a failed call is classified: denied
//! (a warning for optional calls), or anything else (an error).

use std::error::Error;

use aws_sdk_iam::error::ProvideErrorMetadata;

use crate::Redactor;

/// Why a collection run failed. Messages come from AWS (error code and
/// message) or the HTTP layer, scrubbed of the collector's own credentials.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CollectError {
    /// No usable credentials: nothing configured, an expired SSO session, a
    /// failing `credential_process`, ...
    #[error("could not resolve AWS credentials: {0}")]
    Credentials(String),
    /// A required call (`sts GetCallerIdentity`, `iam
    /// GetAccountAuthorizationDetails`) was denied.
    #[error(
        "{call} was denied: {message} (the read-only policy nhi needs is docs/collect-aws-policy.json)"
    )]
    AccessDenied { call: String, message: String },
    /// A call failed for another reason (network, endpoint, service error
    /// that retries did not clear).
    #[error("{call} failed: {message}")]
    Call {
        call: String,
        /// The AWS error code, when the service answered with one.
        code: Option<String>,
        message: String,
    },
    /// AWS answered with something nhi-aws cannot read as the CLI's output.
    #[error("{call}: the response could not be read: {source}")]
    Parse {
        call: String,
        #[source]
        source: nhi_aws::AwsError,
    },
    /// The tokio runtime for [`crate::collect_blocking`] could not start.
    #[error("could not start the async runtime: {0}")]
    Runtime(String),
}

/// AWS error codes that mean "this principal may not make this call".
const DENIED_CODES: &[&str] = &[
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "UnauthorizedAccess",
    "AuthorizationError",
];

/// One failed call, before deciding whether it is fatal.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) call: String,
    pub(crate) code: Option<String>,
    pub(crate) message: String,
}

impl Failure {
    pub(crate) fn from_sdk<E>(call: impl Into<String>, err: E, redactor: &Redactor) -> Failure
    where
        E: ProvideErrorMetadata + Error,
    {
        let code = err.code().map(str::to_string);
        // The service's own code and message when it answered; otherwise the
        // chain of causes (connection refused, timeout, ...). Never `Debug`:
        // that would drag in the raw HTTP response.
        let message = match (&code, err.message()) {
            (Some(code), Some(message)) => format!("{code}: {message}"),
            (Some(code), None) => code.clone(),
            _ => display_chain(&err),
        };
        Failure {
            call: call.into(),
            code,
            message: redactor.scrub(message),
        }
    }

    pub(crate) fn is_denied(&self) -> bool {
        self.code
            .as_deref()
            .is_some_and(|code| DENIED_CODES.contains(&code))
    }

    pub(crate) fn has_code(&self, wanted: &str) -> bool {
        self.code.as_deref() == Some(wanted)
    }

    /// The warning line for an optional call that was skipped.
    pub(crate) fn warning(&self) -> String {
        if self.is_denied() {
            format!("{} was denied, skipped: {}", self.call, self.message)
        } else {
            format!("{} failed, skipped: {}", self.call, self.message)
        }
    }

    pub(crate) fn into_error(self) -> CollectError {
        if self.is_denied() {
            CollectError::AccessDenied {
                call: self.call,
                message: self.message,
            }
        } else {
            CollectError::Call {
                call: self.call,
                code: self.code,
                message: self.message,
            }
        }
    }
}

/// The result of an optional call: data, or the warning that replaces it.
pub(crate) enum Optional<T> {
    Collected(T),
    Skipped(String),
}

/// An optional call's failure: denied becomes a warning, anything else is fatal.
pub(crate) fn optional<T>(failure: Failure) -> Result<Optional<T>, CollectError> {
    if failure.is_denied() {
        Ok(Optional::Skipped(failure.warning()))
    } else {
        Err(failure.into_error())
    }
}

/// `outer: cause: cause` from an error's `source()` chain.
pub(crate) fn display_chain(err: &dyn Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        // Wrappers often repeat their cause verbatim; say it once.
        if !text.ends_with(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

pub(crate) fn parse_error(call: &str, source: nhi_aws::AwsError) -> CollectError {
    CollectError::Parse {
        call: call.to_string(),
        source,
    }
}

#[cfg(test)]
mod tests {
    use aws_sdk_iam::error::ErrorMetadata;
    use aws_sdk_iam::operation::list_users::ListUsersError;

    use super::*;

    fn service_error(code: &str, message: &str) -> ListUsersError {
        ListUsersError::generic(ErrorMetadata::builder().code(code).message(message).build())
    }

    #[test]
    fn denied_optional_calls_become_warnings_naming_the_call() {
        let redactor = Redactor::with_secrets(&["wJalrXUtnFEMIK7MDENGbPxRfiCY"]);
        let failure = Failure::from_sdk(
            "iam ListUsers",
            service_error(
                "AccessDenied",
                "not authorized (signed with wJalrXUtnFEMIK7MDENGbPxRfiCY)",
            ),
            &redactor,
        );
        assert!(failure.is_denied());
        match optional::<()>(failure) {
            Ok(Optional::Skipped(warning)) => assert_eq!(
                warning,
                "iam ListUsers was denied, skipped: AccessDenied: not authorized (signed with [REDACTED])"
            ),
            _ => panic!("a denied optional call must be a warning"),
        }
    }

    #[test]
    fn other_failures_are_errors_with_their_code() {
        let redactor = Redactor::with_secrets(&[]);
        let failure = Failure::from_sdk(
            "secretsmanager ListSecrets",
            service_error("InternalServiceError", "try later"),
            &redactor,
        );
        match optional::<()>(failure) {
            Err(CollectError::Call {
                call,
                code,
                message,
            }) => {
                assert_eq!(call, "secretsmanager ListSecrets");
                assert_eq!(code.as_deref(), Some("InternalServiceError"));
                assert_eq!(message, "InternalServiceError: try later");
            }
            _ => panic!("a non-denied failure must be an error"),
        }
    }

    #[test]
    fn required_calls_that_are_denied_point_at_the_policy() {
        let redactor = Redactor::with_secrets(&[]);
        let error = Failure::from_sdk(
            "iam GetAccountAuthorizationDetails",
            service_error("AccessDenied", "nope"),
            &redactor,
        )
        .into_error();
        assert!(
            error.to_string().contains("docs/collect-aws-policy.json"),
            "{error}"
        );
    }
}
