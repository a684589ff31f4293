//! Accounts: registration, sign-in, sessions and API tokens, roles, profiles and the directory.

use serde::{Deserialize, Serialize};
use sqlx::FromRow;

use crate::Db;
use crate::error::{CoreError, CoreResult, Validation};
use crate::hub::{LANGUAGES, RegistrationMode};
use crate::markdown::render_markdown;
use crate::text::{char_len, fold, is_web_address, like_contains};
use crate::time::{DAY_MS, HOUR_MS, MINUTE_MS, Millis, now_ms};
use crate::token::{random_token, token_hash};

/// What a member may do. Checked on the server for every action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Member,
    Moderator,
    Admin,
}

/// Sign-ups one address may make in an hour (pages and API together). A workshop room behind one
/// public address (a médiathèque, a France services) signs up a dozen people at once.
pub const SIGNUPS_PER_ADDRESS_PER_HOUR: i64 = 30;

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Member => "member",
            Role::Moderator => "moderator",
            Role::Admin => "admin",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        match text {
            "member" => Some(Role::Member),
            "moderator" => Some(Role::Moderator),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

/// Whether an account may sign in yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum AccountStatus {
    /// Waiting for an admin's approval.
    Pending,
    Active,
}

impl AccountStatus {
    fn as_str(self) -> &'static str {
        match self {
            AccountStatus::Pending => "pending",
            AccountStatus::Active => "active",
        }
    }
}

/// A member as the hub shows them. `email` is for the member and admins only.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct User {
    pub id: i64,
    pub username: String,
    #[serde(skip_serializing)]
    pub email: String,
    pub role: Role,
    pub status: AccountStatus,
    pub display_name: String,
    /// Markdown as written.
    pub bio: String,
    /// Sanitised HTML of the bio.
    pub bio_html: String,
    /// The member's structure (association, library, third place…).
    pub organisation: String,
    /// Department or region.
    pub territory: String,
    pub skills: Vec<String>,
    pub avatar_url: String,
    /// Preferred interface language, empty for "follow the browser".
    pub locale: String,
    /// What the person wrote when asking to join (approval mode).
    #[serde(skip_serializing)]
    pub registration_note: String,
    pub created_at: i64,
}

impl User {
    /// The name to show: the display name, or the username when there is none.
    pub fn shown_name(&self) -> &str {
        if self.display_name.is_empty() { &self.username } else { &self.display_name }
    }

    pub fn has_role(&self, role: Role) -> bool {
        self.role >= role
    }
}

#[derive(Debug, FromRow)]
struct UserRow {
    id: i64,
    username: String,
    email: String,
    role: String,
    status: String,
    display_name: String,
    bio: String,
    bio_html: String,
    organisation: String,
    territory: String,
    avatar_url: String,
    locale: String,
    registration_note: String,
    created_at: i64,
}

const USER_COLUMNS: &str = "u.id, u.username, u.email, u.role, u.status, u.display_name, u.bio, \
    u.bio_html, u.organisation, u.territory, u.avatar_url, u.locale, u.registration_note, u.created_at";

impl UserRow {
    fn into_user(self, skills: Vec<String>) -> User {
        User {
            id: self.id,
            username: self.username,
            email: self.email,
            role: Role::parse(&self.role).unwrap_or(Role::Member),
            status: if self.status == "active" { AccountStatus::Active } else { AccountStatus::Pending },
            display_name: self.display_name,
            bio: self.bio,
            bio_html: self.bio_html,
            organisation: self.organisation,
            territory: self.territory,
            skills,
            avatar_url: self.avatar_url,
            locale: self.locale,
            registration_note: self.registration_note,
            created_at: self.created_at,
        }
    }
}

/// Loads the skills of the given users and builds `User`s in the rows' order.
async fn with_skills(db: &Db, rows: Vec<UserRow>) -> CoreResult<Vec<User>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders: Vec<String> = (1..=rows.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT user_id, skill FROM user_skills WHERE user_id IN ({}) ORDER BY skill_key",
        placeholders.join(", ")
    );
    let mut query = sqlx::query_as::<_, (i64, String)>(&sql);
    for row in &rows {
        query = query.bind(row.id);
    }
    let pairs = query.fetch_all(db.pool()).await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let skills = pairs.iter().filter(|(id, _)| *id == row.id).map(|(_, s)| s.clone()).collect();
            row.into_user(skills)
        })
        .collect())
}

async fn load_one(db: &Db, row: Option<UserRow>) -> CoreResult<Option<User>> {
    match row {
        Some(row) => Ok(with_skills(db, vec![row]).await?.pop()),
        None => Ok(None),
    }
}

/// Finds a member by id.
pub async fn user_by_id(db: &Db, id: i64) -> CoreResult<Option<User>> {
    let row = sqlx::query_as::<_, UserRow>(&format!("SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1"))
        .bind(id)
        .fetch_optional(db.pool())
        .await?;
    load_one(db, row).await
}

/// Finds a member by username (case-insensitive: usernames are stored in lower case).
pub async fn user_by_username(db: &Db, username: &str) -> CoreResult<Option<User>> {
    let row = sqlx::query_as::<_, UserRow>(&format!("SELECT {USER_COLUMNS} FROM users u WHERE u.username = $1"))
        .bind(username.trim().to_lowercase())
        .fetch_optional(db.pool())
        .await?;
    load_one(db, row).await
}

// ---------------------------------------------------------------------------------------------
// Passwords

/// Usernames that name hub-level actors and routes, so no member can take them.
const RESERVED_USERNAMES: &[&str] = &[
    "admin",
    "administrator",
    "api",
    "calendar",
    "agenda",
    "events",
    "forum",
    "hub",
    "instance",
    "library",
    "bibliotheque",
    "maillage",
    "moderator",
    "nodeinfo",
    "root",
    "static",
    "support",
    "system",
    "www",
];

pub const PASSWORD_MIN_CHARS: usize = 10;
const PASSWORD_MAX_CHARS: usize = 256;

/// At most this many argon2 computations at once: each takes 19 MiB and a core, so a flood
/// of sign-ins waits in line instead of exhausting memory.
static HASHING: std::sync::LazyLock<tokio::sync::Semaphore> =
    std::sync::LazyLock::new(|| tokio::sync::Semaphore::new(4));

/// Hashes a password with argon2id (default parameters: 19 MiB, 2 passes), off the async threads.
pub async fn hash_password(password: &str) -> CoreResult<String> {
    let _permit = HASHING.acquire().await.map_err(|e| CoreError::Internal(e.to_string()))?;
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || {
        use argon2::password_hash::{PasswordHasher, SaltString, rand_core::OsRng};
        let salt = SaltString::generate(&mut OsRng);
        argon2::Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| CoreError::Internal(format!("argon2: {e}")))
    })
    .await
    .map_err(|e| CoreError::Internal(e.to_string()))?
}

/// Checks a password against a stored hash, off the async threads.
pub async fn verify_password(password: &str, hash: &str) -> bool {
    let Ok(_permit) = HASHING.acquire().await else { return false };
    let (password, hash) = (password.to_owned(), hash.to_owned());
    tokio::task::spawn_blocking(move || {
        use argon2::password_hash::{PasswordHash, PasswordVerifier};
        PasswordHash::new(&hash)
            .map(|parsed| argon2::Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

fn check_password(v: &mut Validation, field: &str, password: &str) {
    v.check(char_len(password) < PASSWORD_MIN_CHARS, field, "error.password_too_short");
    v.check(char_len(password) > PASSWORD_MAX_CHARS, field, "error.too_long");
}

fn check_username(v: &mut Validation, username: &str) {
    let valid = (2..=30).contains(&username.len())
        && username.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !username.starts_with('_');
    v.check(!valid, "username", "error.username_invalid");
    v.check(valid && RESERVED_USERNAMES.contains(&username), "username", "error.username_taken");
}

fn check_email(v: &mut Validation, email: &str) {
    let plausible = email.is_empty()
        || (email.len() <= 254
            && email.split_once('@').is_some_and(|(l, d)| !l.is_empty() && d.contains('.'))
            && !email.contains(char::is_whitespace));
    v.check(!plausible, "email", "error.email_invalid");
}

// ---------------------------------------------------------------------------------------------
// Registration

/// What a person fills in to join.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct NewAccount {
    pub username: String,
    pub password: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub display_name: String,
    /// Why they want to join (shown to admins in approval mode).
    #[serde(default)]
    pub registration_note: String,
    /// Required when the hub registers by invitation only.
    #[serde(default)]
    pub invitation: Option<String>,
}

/// Creates an account following the hub's registration mode. In approval mode the account is
/// pending until an admin approves it; by invitation, the code must be valid and is used once.
pub async fn register(db: &Db, mode: RegistrationMode, new: &NewAccount) -> CoreResult<User> {
    let username = new.username.trim().to_lowercase();
    let mut v = Validation::new();
    check_username(&mut v, &username);
    check_password(&mut v, "password", &new.password);
    check_email(&mut v, new.email.trim());
    v.check(char_len(&new.display_name) > 100, "display_name", "error.too_long");
    v.check(char_len(&new.registration_note) > 1_000, "registration_note", "error.too_long");
    v.printable(&[
        ("display_name", &new.display_name),
        ("email", &new.email),
        ("registration_note", &new.registration_note),
    ]);
    let invitation = new.invitation.as_deref().map(str::trim).filter(|c| !c.is_empty());
    v.check(mode == RegistrationMode::Invitation && invitation.is_none(), "invitation", "error.invitation_required");
    // Say "taken" together with the other errors; the unique index still decides under a race.
    if user_by_username(db, &username).await?.is_some() || is_retired(db, &username).await? {
        v.push("username", "error.username_taken");
    }
    v.finish()?;

    let status = if mode == RegistrationMode::Approval { AccountStatus::Pending } else { AccountStatus::Active };
    let hash = hash_password(&new.password).await?;
    let mut tx = db.pool().begin().await?;
    if mode == RegistrationMode::Invitation {
        // One statement checks and uses the code, so two people cannot both take its last use.
        let used = sqlx::query(
            "UPDATE invitations SET uses = uses + 1 WHERE code = $1 AND uses < max_uses AND expires_at > $2",
        )
        .bind(invitation.unwrap_or_default())
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        if used.rows_affected() != 1 {
            return Err(CoreError::invalid("invitation", "error.invitation_invalid"));
        }
    }
    let id = insert_user(
        &mut tx,
        &username,
        &new.email,
        &hash,
        Role::Member,
        status,
        &new.display_name,
        &new.registration_note,
    )
    .await?;
    tx.commit().await?;
    user_by_id(db, id).await?.ok_or(CoreError::NotFound)
}

/// Whether a username belonged to a deleted account.
async fn is_retired(db: &Db, username: &str) -> CoreResult<bool> {
    let found: Option<String> = sqlx::query_scalar("SELECT username FROM retired_usernames WHERE username = $1")
        .bind(username)
        .fetch_optional(db.pool())
        .await?;
    Ok(found.is_some())
}

/// Creates an active account with the given role (the `maillage user create` command).
pub async fn create_user(db: &Db, username: &str, password: &str, role: Role) -> CoreResult<User> {
    let username = username.trim().to_lowercase();
    let mut v = Validation::new();
    check_username(&mut v, &username);
    check_password(&mut v, "password", password);
    if is_retired(db, &username).await? {
        v.push("username", "error.username_taken");
    }
    v.finish()?;
    let hash = hash_password(password).await?;
    let mut tx = db.pool().begin().await?;
    let id = insert_user(&mut tx, &username, "", &hash, role, AccountStatus::Active, "", "").await?;
    tx.commit().await?;
    user_by_id(db, id).await?.ok_or(CoreError::NotFound)
}

#[allow(clippy::too_many_arguments)]
async fn insert_user(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    username: &str,
    email: &str,
    password_hash: &str,
    role: Role,
    status: AccountStatus,
    display_name: &str,
    registration_note: &str,
) -> CoreResult<i64> {
    let now = now_ms();
    let display_name = display_name.trim();
    let result = sqlx::query_scalar::<_, i64>(
        "INSERT INTO users (username, email, password_hash, role, status, display_name, \
         registration_note, search_text, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id",
    )
    .bind(username)
    .bind(email.trim())
    .bind(password_hash)
    .bind(role.as_str())
    .bind(status.as_str())
    .bind(display_name)
    .bind(registration_note.trim())
    .bind(fold(&format!("{username} {display_name}")))
    .bind(now)
    .fetch_one(&mut **tx)
    .await
    .map_err(CoreError::from);
    match result {
        Err(e) if e.is_unique_violation() => Err(CoreError::invalid("username", "error.username_taken")),
        other => other,
    }
}

/// Accounts waiting for approval, oldest first.
pub async fn pending_registrations(db: &Db) -> CoreResult<Vec<User>> {
    let rows = sqlx::query_as::<_, UserRow>(&format!(
        "SELECT {USER_COLUMNS} FROM users u WHERE u.status = 'pending' ORDER BY u.created_at, u.id"
    ))
    .fetch_all(db.pool())
    .await?;
    with_skills(db, rows).await
}

/// Approves a pending account.
pub async fn approve_registration(db: &Db, user_id: i64) -> CoreResult<()> {
    let done = sqlx::query("UPDATE users SET status = 'active', updated_at = $1 WHERE id = $2 AND status = 'pending'")
        .bind(now_ms())
        .bind(user_id)
        .execute(db.pool())
        .await?;
    if done.rows_affected() == 1 { Ok(()) } else { Err(CoreError::NotFound) }
}

/// Refuses a pending account: it is deleted, so the username is free again.
pub async fn reject_registration(db: &Db, user_id: i64) -> CoreResult<()> {
    let done =
        sqlx::query("DELETE FROM users WHERE id = $1 AND status = 'pending'").bind(user_id).execute(db.pool()).await?;
    if done.rows_affected() == 1 { Ok(()) } else { Err(CoreError::NotFound) }
}

/// Changes a member's role (admins only; the caller checks).
pub async fn set_role(db: &Db, user_id: i64, role: Role) -> CoreResult<()> {
    let done = sqlx::query("UPDATE users SET role = $1, updated_at = $2 WHERE id = $3")
        .bind(role.as_str())
        .bind(now_ms())
        .bind(user_id)
        .execute(db.pool())
        .await?;
    if done.rows_affected() == 1 { Ok(()) } else { Err(CoreError::NotFound) }
}

// ---------------------------------------------------------------------------------------------
// Invitations

/// An invitation link's code and limits.
#[derive(Debug, Clone, Serialize, FromRow, utoipa::ToSchema)]
pub struct Invitation {
    pub id: i64,
    pub code: String,
    pub note: String,
    pub max_uses: i64,
    pub uses: i64,
    pub expires_at: i64,
    pub created_at: i64,
}

/// Creates an invitation usable `max_uses` times for `valid_days` days.
pub async fn create_invitation(
    db: &Db,
    created_by: i64,
    max_uses: i64,
    valid_days: i64,
    note: &str,
) -> CoreResult<Invitation> {
    let mut v = Validation::new();
    v.check(!(1..=1000).contains(&max_uses), "max_uses", "error.out_of_range");
    v.check(!(1..=365).contains(&valid_days), "valid_days", "error.out_of_range");
    v.check(char_len(note) > 200, "note", "error.too_long");
    v.finish()?;
    let now = now_ms();
    let invitation = sqlx::query_as::<_, Invitation>(
        "INSERT INTO invitations (code, created_by, note, max_uses, uses, expires_at, created_at) \
         VALUES ($1, $2, $3, $4, 0, $5, $6) \
         RETURNING id, code, note, max_uses, uses, expires_at, created_at",
    )
    .bind(random_token())
    .bind(created_by)
    .bind(note.trim())
    .bind(max_uses)
    .bind(now + valid_days * DAY_MS)
    .bind(now)
    .fetch_one(db.pool())
    .await?;
    Ok(invitation)
}

/// Invitations that can still be used, newest first.
pub async fn active_invitations(db: &Db) -> CoreResult<Vec<Invitation>> {
    Ok(sqlx::query_as::<_, Invitation>(
        "SELECT id, code, note, max_uses, uses, expires_at, created_at FROM invitations \
         WHERE uses < max_uses AND expires_at > $1 ORDER BY created_at DESC, id DESC",
    )
    .bind(now_ms())
    .fetch_all(db.pool())
    .await?)
}

/// Withdraws an invitation.
pub async fn revoke_invitation(db: &Db, id: i64) -> CoreResult<()> {
    sqlx::query("DELETE FROM invitations WHERE id = $1").bind(id).execute(db.pool()).await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Sign-in and sessions

/// After this many failures in the window, an account's sign-in pauses.
const MAX_FAILURES_PER_ACCOUNT: i64 = 5;
/// After this many failures in the window, an address's sign-in pauses.
const MAX_FAILURES_PER_ADDRESS: i64 = 20;
const FAILURE_WINDOW_MS: Millis = 15 * MINUTE_MS;

/// Browser sessions last 30 days after the last visit.
pub const BROWSER_SESSION_MS: Millis = 30 * DAY_MS;
/// API tokens last a year.
pub const API_TOKEN_MS: Millis = 365 * DAY_MS;

/// A dummy argon2id hash, verified when the username is unknown, so both cases take as long.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$K0Y2eIwU2+0pvsZ9uDXAIRtXrxpwwvM6e6dsCPcO1Ss";

/// Checks a username and password. Failures are throttled per account and per client address;
/// the error never says which of the two was wrong.
pub async fn authenticate(db: &Db, username: &str, password: &str, client: &str) -> CoreResult<User> {
    let username = username.trim().to_lowercase();
    let account_key = format!("account:{username}");
    let address_key = format!("address:{client}");
    // Every attempt counts as a failure until the password proves right, so parallel guesses
    // cannot all pass the limit before the first one is recorded.
    let account_attempt = crate::rate::attempt(db, &account_key, MAX_FAILURES_PER_ACCOUNT, FAILURE_WINDOW_MS).await;
    let address_attempt = crate::rate::attempt(db, &address_key, MAX_FAILURES_PER_ADDRESS, FAILURE_WINDOW_MS).await;
    let (account_attempt, address_attempt) = (account_attempt?, address_attempt?);
    let stored: Option<(i64, String)> = sqlx::query_as("SELECT id, password_hash FROM users WHERE username = $1")
        .bind(&username)
        .fetch_optional(db.pool())
        .await?;
    let (id, hash) = stored.unwrap_or((0, DUMMY_HASH.to_owned()));
    if !verify_password(password, &hash).await || id == 0 {
        return Err(CoreError::Unauthorized);
    }
    crate::rate::forget(db, &[account_attempt, address_attempt]).await?;
    let user = user_by_id(db, id).await?.ok_or(CoreError::Unauthorized)?;
    if user.status == AccountStatus::Pending {
        return Err(CoreError::invalid("username", "error.account_pending"));
    }
    Ok(user)
}

/// What kind of secret opens a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionKind {
    /// A cookie in a browser.
    Browser,
    /// A bearer token for the API.
    Api,
}

impl SessionKind {
    fn as_str(self) -> &'static str {
        match self {
            SessionKind::Browser => "browser",
            SessionKind::Api => "api",
        }
    }

    fn lifetime(self) -> Millis {
        match self {
            SessionKind::Browser => BROWSER_SESSION_MS,
            SessionKind::Api => API_TOKEN_MS,
        }
    }
}

/// Opens a session and returns its secret; only its hash is stored.
pub async fn create_session(db: &Db, user_id: i64, kind: SessionKind, label: &str) -> CoreResult<String> {
    let token = random_token();
    let now = now_ms();
    sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, kind, label, created_at, last_seen_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $5, $6)",
    )
    .bind(token_hash(&token))
    .bind(user_id)
    .bind(kind.as_str())
    .bind(label.chars().take(100).collect::<String>())
    .bind(now)
    .bind(now + kind.lifetime())
    .execute(db.pool())
    .await?;
    Ok(token)
}

/// The active member a session secret belongs to, if the session is valid. Extends the session
/// at most once an hour, so reading pages does not write on every request.
pub async fn session_user(db: &Db, token: &str, kind: SessionKind) -> CoreResult<Option<User>> {
    let now = now_ms();
    let found: Option<(i64, i64, i64)> = sqlx::query_as(
        "SELECT id, user_id, last_seen_at FROM sessions WHERE token_hash = $1 AND kind = $2 AND expires_at > $3",
    )
    .bind(token_hash(token))
    .bind(kind.as_str())
    .bind(now)
    .fetch_optional(db.pool())
    .await?;
    let Some((session_id, user_id, last_seen)) = found else {
        return Ok(None);
    };
    if now - last_seen > HOUR_MS {
        sqlx::query("UPDATE sessions SET last_seen_at = $1, expires_at = $2 WHERE id = $3")
            .bind(now)
            .bind(now + kind.lifetime())
            .bind(session_id)
            .execute(db.pool())
            .await?;
    }
    Ok(user_by_id(db, user_id).await?.filter(|u| u.status == AccountStatus::Active))
}

/// Ends one session (sign-out, token revocation).
pub async fn end_session(db: &Db, token: &str) -> CoreResult<()> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash(token)).execute(db.pool()).await?;
    Ok(())
}

/// Changes a password after checking the current one; every other session is closed.
pub async fn change_password(
    db: &Db,
    user_id: i64,
    current: &str,
    new: &str,
    keep_token: Option<&str>,
) -> CoreResult<()> {
    let hash: String = sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_optional(db.pool())
        .await?
        .ok_or(CoreError::NotFound)?;
    let mut v = Validation::new();
    check_password(&mut v, "new_password", new);
    if !verify_password(current, &hash).await {
        v.push("current_password", "error.password_wrong");
    }
    v.finish()?;
    let new_hash = hash_password(new).await?;
    let mut tx = db.pool().begin().await?;
    sqlx::query("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3")
        .bind(&new_hash)
        .bind(now_ms())
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
        .bind(user_id)
        .bind(keep_token.map(token_hash).unwrap_or_default())
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Checks that an account may be deleted: the password is right and the hub keeps an admin.
pub async fn check_account_deletion(db: &Db, user_id: i64, password: &str) -> CoreResult<()> {
    let (hash, role): (String, String) = sqlx::query_as("SELECT password_hash, role FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_optional(db.pool())
        .await?
        .ok_or(CoreError::NotFound)?;
    if !verify_password(password, &hash).await {
        return Err(CoreError::invalid("password", "error.password_wrong"));
    }
    let other_admins: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE role = 'admin' AND status = 'active' AND id <> $1")
            .bind(user_id)
            .fetch_one(db.pool())
            .await?;
    if role == "admin" && other_admins == 0 {
        // A hub without an admin could never be administered again from the web.
        return Err(CoreError::invalid("password", "error.last_admin"));
    }
    Ok(())
}

/// Deletes an account after `check_account_deletion`. Its sessions and skills go with it, and
/// its username is retired for good.
pub async fn delete_account(db: &Db, user_id: i64, password: &str) -> CoreResult<()> {
    check_account_deletion(db, user_id, password).await?;
    let mut tx = db.pool().begin().await?;
    sqlx::query(
        "INSERT INTO retired_usernames (username, retired_at) SELECT username, $1 FROM users WHERE id = $2 \
         ON CONFLICT (username) DO NOTHING",
    )
    .bind(now_ms())
    .bind(user_id)
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM users WHERE id = $1").bind(user_id).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Profile and directory

/// What a member can change on their profile.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ProfileUpdate {
    #[serde(default)]
    pub display_name: String,
    /// Markdown.
    #[serde(default)]
    pub bio: String,
    #[serde(default)]
    pub organisation: String,
    #[serde(default)]
    pub territory: String,
    /// Skills and interests, e.g. "Aidants Connect", "CAF", "smartphone".
    #[serde(default)]
    pub skills: Vec<String>,
    #[serde(default)]
    pub avatar_url: String,
    #[serde(default)]
    pub email: String,
    /// `fr`, `en`, or empty to follow the browser.
    #[serde(default)]
    pub locale: String,
}

/// Splits a comma-separated skill list as typed in a form.
pub fn parse_skills(text: &str) -> Vec<String> {
    text.split([',', ';', '\n']).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

/// Saves a member's profile.
pub async fn update_profile(db: &Db, user_id: i64, update: &ProfileUpdate) -> CoreResult<User> {
    let skills: Vec<String> = {
        let mut seen = Vec::new();
        let mut kept = Vec::new();
        for skill in update.skills.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
            let key = fold(skill);
            if !seen.contains(&key) {
                seen.push(key);
                kept.push(skill.to_owned());
            }
        }
        kept
    };
    let mut v = Validation::new();
    v.check(char_len(&update.display_name) > 100, "display_name", "error.too_long");
    v.check(char_len(&update.bio) > 5_000, "bio", "error.too_long");
    v.check(char_len(&update.organisation) > 150, "organisation", "error.too_long");
    v.check(char_len(&update.territory) > 100, "territory", "error.too_long");
    v.check(skills.len() > 20, "skills", "error.too_many");
    v.check(skills.iter().any(|s| char_len(s) > 50), "skills", "error.too_long");
    let avatar = update.avatar_url.trim();
    v.check(!avatar.is_empty() && !is_web_address(avatar), "avatar_url", "error.invalid_url");
    check_email(&mut v, update.email.trim());
    v.printable(&[
        ("display_name", &update.display_name),
        ("bio", &update.bio),
        ("organisation", &update.organisation),
        ("territory", &update.territory),
        ("avatar_url", &update.avatar_url),
        ("skills", &update.skills.join(",")),
    ]);
    v.check(
        !update.locale.is_empty() && !LANGUAGES.contains(&update.locale.as_str()),
        "locale",
        "error.invalid_choice",
    );
    v.finish()?;

    let username: String = sqlx::query_scalar("SELECT username FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_optional(db.pool())
        .await?
        .ok_or(CoreError::NotFound)?;
    let search_text = fold(&format!(
        "{username} {} {} {} {}",
        update.display_name.trim(),
        update.organisation.trim(),
        update.territory.trim(),
        skills.join(" ")
    ));
    let mut tx = db.pool().begin().await?;
    sqlx::query(
        "UPDATE users SET display_name = $1, bio = $2, bio_html = $3, organisation = $4, territory = $5, \
         territory_key = $6, avatar_url = $7, email = $8, locale = $9, search_text = $10, updated_at = $11 \
         WHERE id = $12",
    )
    .bind(update.display_name.trim())
    .bind(update.bio.trim())
    .bind(render_markdown(update.bio.trim()))
    .bind(update.organisation.trim())
    .bind(update.territory.trim())
    .bind(fold(update.territory.trim()))
    .bind(avatar)
    .bind(update.email.trim())
    .bind(&update.locale)
    .bind(search_text)
    .bind(now_ms())
    .bind(user_id)
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM user_skills WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
    for skill in &skills {
        sqlx::query("INSERT INTO user_skills (user_id, skill, skill_key) VALUES ($1, $2, $3)")
            .bind(user_id)
            .bind(skill)
            .bind(fold(skill))
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    user_by_id(db, user_id).await?.ok_or(CoreError::NotFound)
}

/// Filters of the member directory ("trombinoscope"). Empty filters match everyone.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct DirectoryQuery {
    /// Words found in the name, username, structure, territory or skills (accents and case ignored).
    #[serde(default)]
    pub q: String,
    /// Territory (department or region), matched in full.
    #[serde(default)]
    pub territory: String,
    /// One skill, matched in full.
    #[serde(default)]
    pub skill: String,
    /// Page number, from 1.
    #[serde(default)]
    pub page: Option<u32>,
}

/// One page of the directory.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DirectoryPage {
    pub members: Vec<User>,
    pub total: i64,
    pub page: u32,
    pub per_page: u32,
}

pub const DIRECTORY_PAGE_SIZE: u32 = 30;

/// Searches active members, by name then username.
pub async fn directory(db: &Db, query: &DirectoryQuery) -> CoreResult<DirectoryPage> {
    let mut conditions = vec!["u.status = 'active'".to_owned()];
    let mut binds: Vec<String> = Vec::new();
    for word in query.q.split_whitespace().take(8) {
        binds.push(like_contains(word));
        conditions.push(format!("u.search_text LIKE ${} ESCAPE '\\'", binds.len()));
    }
    if !query.territory.trim().is_empty() {
        binds.push(fold(query.territory.trim()));
        conditions.push(format!("u.territory_key = ${}", binds.len()));
    }
    if !query.skill.trim().is_empty() {
        binds.push(fold(query.skill.trim()));
        conditions.push(format!(
            "EXISTS (SELECT 1 FROM user_skills s WHERE s.user_id = u.id AND s.skill_key = ${})",
            binds.len()
        ));
    }
    let filter = conditions.join(" AND ");
    let page = query.page.unwrap_or(1).clamp(1, 10_000);
    let offset = i64::from((page - 1) * DIRECTORY_PAGE_SIZE);

    let count_sql = format!("SELECT COUNT(*) FROM users u WHERE {filter}");
    let mut count = sqlx::query_scalar::<_, i64>(&count_sql);
    for b in &binds {
        count = count.bind(b);
    }
    let total = count.fetch_one(db.pool()).await?;

    let list_sql = format!(
        "SELECT {USER_COLUMNS} FROM users u WHERE {filter} \
         ORDER BY CASE WHEN u.display_name = '' THEN u.username ELSE LOWER(u.display_name) END, u.username \
         LIMIT {DIRECTORY_PAGE_SIZE} OFFSET {offset}"
    );
    let mut list = sqlx::query_as::<_, UserRow>(&list_sql);
    for b in &binds {
        list = list.bind(b);
    }
    let rows = list.fetch_all(db.pool()).await?;
    Ok(DirectoryPage { members: with_skills(db, rows).await?, total, page, per_page: DIRECTORY_PAGE_SIZE })
}

/// Territories members have given, for the directory's filter list.
pub async fn known_territories(db: &Db) -> CoreResult<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT MIN(territory) FROM users WHERE status = 'active' AND territory_key <> '' \
         GROUP BY territory_key ORDER BY territory_key LIMIT 200",
    )
    .fetch_all(db.pool())
    .await?)
}

/// Number of active members (home page, NodeInfo).
pub async fn count_active(db: &Db) -> CoreResult<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE status = 'active'").fetch_one(db.pool()).await?)
}
