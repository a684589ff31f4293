//! The core error type. The server maps it to HTTP in one place; internal causes are logged there
//! and never shown to clients.

use serde::Serialize;

/// Result of a core or feature use case.
pub type CoreResult<T> = Result<T, CoreError>;

/// A refused value in a form or API payload. `code` is a translation key (`error.username_taken`),
/// so pages and the API can say it in the reader's language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    pub field: String,
    pub code: String,
}

impl FieldError {
    pub fn new(field: &str, code: &str) -> FieldError {
        FieldError { field: field.to_owned(), code: code.to_owned() }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    #[error("not found")]
    NotFound,
    /// Not signed in, or a wrong password or token.
    #[error("authentication required or failed")]
    Unauthorized,
    /// Signed in but the role does not allow it.
    #[error("forbidden")]
    Forbidden,
    #[error("invalid input: {0:?}")]
    Invalid(Vec<FieldError>),
    /// Too many attempts; try again later.
    #[error("too many attempts")]
    RateLimited,
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("internal error: {0}")]
    Internal(String),
}

impl CoreError {
    /// One refused field.
    pub fn invalid(field: &str, code: &str) -> CoreError {
        CoreError::Invalid(vec![FieldError::new(field, code)])
    }

    /// Whether this is a unique-constraint violation (a username taken by a concurrent sign-up).
    pub fn is_unique_violation(&self) -> bool {
        matches!(self, CoreError::Database(sqlx::Error::Database(e)) if e.is_unique_violation())
    }
}

/// Collects field errors while validating a form, then fails once with all of them.
#[derive(Debug, Default)]
pub struct Validation(Vec<FieldError>);

impl Validation {
    pub fn new() -> Validation {
        Validation::default()
    }

    /// Records `code` for `field` when `failed` is true.
    pub fn check(&mut self, failed: bool, field: &str, code: &str) {
        if failed {
            self.0.push(FieldError::new(field, code));
        }
    }

    /// Records a field error unconditionally.
    pub fn push(&mut self, field: &str, code: &str) {
        self.0.push(FieldError::new(field, code));
    }

    /// Records `error.invalid_characters` for each field holding control characters.
    pub fn printable(&mut self, fields: &[(&str, &str)]) {
        for (field, value) in fields {
            self.check(crate::text::has_control_chars(value), field, "error.invalid_characters");
        }
    }

    pub fn finish(self) -> CoreResult<()> {
        if self.0.is_empty() { Ok(()) } else { Err(CoreError::Invalid(self.0)) }
    }
}
