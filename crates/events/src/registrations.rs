//! Who comes to an event: members (one click), people of other servers (`Join`), and people
//! without any account whom a mediator registers. Places are taken by a conditional `UPDATE` of
//! the event's `confirmed_count`, so that registrations arriving at the same moment never take
//! more places than there are, on SQLite and on PostgreSQL alike.

use maillage_core::Db;
use maillage_core::error::{CoreError, CoreResult, Validation};
use maillage_core::time::now_ms;
use serde::Serialize;
use sqlx::{AnyConnection, FromRow};

use crate::calendar::Event;

/// Who registers.
#[derive(Debug, Clone)]
pub enum Participant<'a> {
    Member {
        user_id: i64,
        name: &'a str,
    },
    /// Someone on another server, by a `Join` activity.
    Remote {
        actor_ap_id: &'a str,
        name: &'a str,
        join_activity: &'a str,
    },
    /// Someone without an account, registered by a mediator (contact: phone or e-mail, optional).
    Offline {
        name: &'a str,
        contact: &'a str,
        added_by: i64,
    },
}

impl Participant<'_> {
    fn key(&self) -> String {
        match self {
            Participant::Member { user_id, .. } => format!("u:{user_id}"),
            Participant::Remote { actor_ap_id, .. } => (*actor_ap_id).to_owned(),
            Participant::Offline { .. } => format!("o:{}", maillage_core::token::random_token()),
        }
    }
}

/// A registration row.
#[derive(Debug, Clone, Serialize, FromRow, utoipa::ToSchema)]
pub struct Registration {
    pub id: i64,
    pub event_id: i64,
    pub participant: String,
    pub user_id: Option<i64>,
    pub actor_ap_id: String,
    pub name: String,
    /// Shown to organisers only; erased a week after the event.
    pub contact: String,
    pub added_by: Option<i64>,
    /// `confirmed`, `waiting` or `pending`.
    pub status: String,
    pub join_activity: String,
    pub created_at: i64,
}

const COLUMNS: &str =
    "id, event_id, participant, user_id, actor_ap_id, name, contact, added_by, status, join_activity, created_at";

/// What became of a registration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Confirmed,
    /// On the waiting list.
    Waiting,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Confirmed => "confirmed",
            Outcome::Waiting => "waiting",
        }
    }
}

async fn lock_event(conn: &mut AnyConnection, event_id: i64) -> CoreResult<()> {
    sqlx::query("UPDATE events SET confirmed_count = confirmed_count WHERE id = $1")
        .bind(event_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Takes one place if one is left. True when taken.
async fn take_place(conn: &mut AnyConnection, event_id: i64) -> CoreResult<bool> {
    let taken = sqlx::query(
        "UPDATE events SET confirmed_count = confirmed_count + 1 \
         WHERE id = $1 AND (capacity = 0 OR confirmed_count < capacity)",
    )
    .bind(event_id)
    .execute(&mut *conn)
    .await?;
    Ok(taken.rows_affected() == 1)
}

async fn free_place(conn: &mut AnyConnection, event_id: i64) -> CoreResult<()> {
    sqlx::query("UPDATE events SET confirmed_count = confirmed_count - 1 WHERE id = $1 AND confirmed_count > 0")
        .bind(event_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Registers someone to one of our events, inside the caller's transaction. Registering twice
/// gives the first registration back. Refused when the event takes no registrations, is over,
/// or is full without a waiting list.
pub async fn register(
    conn: &mut AnyConnection,
    event: &Event,
    who: &Participant<'_>,
) -> CoreResult<(Registration, Outcome)> {
    if !event.is_local() || !event.takes_registrations() || event.deleted_at != 0 {
        return Err(CoreError::invalid("registration", "error.registration_closed"));
    }
    if event.ends_at != 0 && event.ends_at < now_ms() {
        return Err(CoreError::invalid("registration", "error.event_over"));
    }
    if let Participant::Offline { name, contact, .. } = who {
        let mut v = Validation::new();
        v.check(name.trim().is_empty(), "name", "error.required");
        v.check(name.chars().count() > 200, "name", "error.too_long");
        v.check(contact.chars().count() > 200, "contact", "error.too_long");
        v.finish()?;
    }
    // Writing first takes the lock on the event (its row on PostgreSQL, the database's write
    // lock on SQLite, where a transaction that reads before writing cannot wait for the lock).
    lock_event(conn, event.id).await?;
    let key = who.key();
    if let Some(existing) = find(conn, event.id, &key).await? {
        let outcome = if existing.status == "confirmed" { Outcome::Confirmed } else { Outcome::Waiting };
        return Ok((existing, outcome));
    }
    // The conditional UPDATE comes first: it takes the write lock before anything is read.
    let outcome = if take_place(conn, event.id).await? {
        Outcome::Confirmed
    } else if event.waiting_list != 0 {
        Outcome::Waiting
    } else {
        return Err(CoreError::invalid("registration", "error.event_full"));
    };
    let (user_id, actor, name, contact, added_by, join) = match who {
        Participant::Member { user_id, name } => (Some(*user_id), "", *name, "", None, ""),
        Participant::Remote { actor_ap_id, name, join_activity } => {
            (None, *actor_ap_id, *name, "", None, *join_activity)
        }
        Participant::Offline { name, contact, added_by } => (None, "", *name, *contact, Some(*added_by), ""),
    };
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO event_registrations (event_id, participant, user_id, actor_ap_id, name, contact, added_by, status, \
         join_activity, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(event.id)
    .bind(&key)
    .bind(user_id)
    .bind(actor)
    .bind(maillage_core::text::clip(name.trim(), 200))
    .bind(contact.trim())
    .bind(added_by)
    .bind(outcome.as_str())
    .bind(join)
    .bind(now_ms())
    .fetch_one(&mut *conn)
    .await?;
    let registration = by_id(conn, id).await?.ok_or(CoreError::NotFound)?;
    Ok((registration, outcome))
}

async fn by_id(conn: &mut AnyConnection, id: i64) -> CoreResult<Option<Registration>> {
    Ok(sqlx::query_as::<_, Registration>(&format!("SELECT {COLUMNS} FROM event_registrations WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?)
}

async fn find(conn: &mut AnyConnection, event_id: i64, participant: &str) -> CoreResult<Option<Registration>> {
    Ok(sqlx::query_as::<_, Registration>(&format!(
        "SELECT {COLUMNS} FROM event_registrations WHERE event_id = $1 AND participant = $2"
    ))
    .bind(event_id)
    .bind(participant)
    .fetch_optional(&mut *conn)
    .await?)
}

/// A member's registration, if any.
pub async fn of_member(db: &Db, event_id: i64, user_id: i64) -> CoreResult<Option<Registration>> {
    let mut conn = db.pool().acquire().await?;
    find(&mut conn, event_id, &format!("u:{user_id}")).await
}

/// Cancels a registration (inside the caller's transaction). When it held a place, the first
/// person waiting gets it; that registration is returned so they can be told.
pub async fn cancel(conn: &mut AnyConnection, registration: &Registration) -> CoreResult<Option<Registration>> {
    let deleted =
        sqlx::query("DELETE FROM event_registrations WHERE id = $1").bind(registration.id).execute(&mut *conn).await?;
    if deleted.rows_affected() == 0 || registration.status != "confirmed" {
        return Ok(None);
    }
    free_place(conn, registration.event_id).await?;
    promote(conn, registration.event_id).await
}

/// Gives a freed place to the first person waiting, if there is one and a place is free.
pub async fn promote(conn: &mut AnyConnection, event_id: i64) -> CoreResult<Option<Registration>> {
    let first: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM event_registrations WHERE event_id = $1 AND status = 'waiting' ORDER BY created_at, id LIMIT 1",
    )
    .bind(event_id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(id) = first else { return Ok(None) };
    if !take_place(conn, event_id).await? {
        return Ok(None);
    }
    sqlx::query("UPDATE event_registrations SET status = 'confirmed' WHERE id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    by_id(conn, id).await
}

/// The registration of a remote actor (to cancel it on `Leave` or `Undo`).
pub async fn of_actor(conn: &mut AnyConnection, event_id: i64, actor_ap_id: &str) -> CoreResult<Option<Registration>> {
    find(conn, event_id, actor_ap_id).await
}

/// The registration whose `Join` has this id (ours to another server, or received).
pub async fn by_join(conn: &mut AnyConnection, join_activity: &str) -> CoreResult<Option<Registration>> {
    Ok(sqlx::query_as::<_, Registration>(&format!(
        "SELECT {COLUMNS} FROM event_registrations WHERE join_activity = $1 AND join_activity <> ''"
    ))
    .bind(join_activity)
    .fetch_optional(&mut *conn)
    .await?)
}

/// Records a member's `Join` to another server's event, waiting for its answer.
pub async fn record_join(
    conn: &mut AnyConnection,
    event: &Event,
    user_id: i64,
    name: &str,
    join_activity: &str,
) -> CoreResult<Registration> {
    lock_event(conn, event.id).await?;
    let key = format!("u:{user_id}");
    if let Some(existing) = find(conn, event.id, &key).await? {
        return Ok(existing);
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO event_registrations (event_id, participant, user_id, name, status, join_activity, created_at) \
         VALUES ($1, $2, $3, $4, 'pending', $5, $6) RETURNING id",
    )
    .bind(event.id)
    .bind(&key)
    .bind(user_id)
    .bind(name)
    .bind(join_activity)
    .bind(now_ms())
    .fetch_one(&mut *conn)
    .await?;
    by_id(conn, id).await?.ok_or(CoreError::NotFound)
}

/// Sets the status another server gave to our member's `Join`.
pub async fn set_status(conn: &mut AnyConnection, registration_id: i64, status: &str) -> CoreResult<()> {
    sqlx::query("UPDATE event_registrations SET status = $1 WHERE id = $2")
        .bind(status)
        .bind(registration_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Everyone registered, confirmed first, in order of arrival.
pub async fn list(db: &Db, event_id: i64) -> CoreResult<Vec<Registration>> {
    Ok(sqlx::query_as::<_, Registration>(&format!(
        "SELECT {COLUMNS} FROM event_registrations WHERE event_id = $1 \
         ORDER BY CASE status WHEN 'confirmed' THEN 0 WHEN 'pending' THEN 1 ELSE 2 END, created_at, id"
    ))
    .bind(event_id)
    .fetch_all(db.pool())
    .await?)
}

/// The list as CSV (RFC 4180), for organisers: UTF-8 with a byte-order mark (so spreadsheet
/// programs read accents right), cells quoted, those starting with a formula character
/// prefixed so that spreadsheets show them as text. `label` turns statuses and origins
/// (`confirmed`, `member`…) into words; `date` formats a time.
pub fn to_csv(
    registrations: &[Registration],
    header: &[&str; 5],
    label: &dyn Fn(&str) -> String,
    date: &dyn Fn(i64) -> String,
) -> String {
    fn cell(text: &str) -> String {
        let safe =
            if text.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{text}") } else { text.to_owned() };
        format!("\"{}\"", safe.replace('"', "\"\""))
    }
    let mut out = String::from("\u{feff}");
    out.push_str(&header.iter().map(|h| cell(h)).collect::<Vec<_>>().join(","));
    out.push_str("\r\n");
    for r in registrations {
        let origin = if r.user_id.is_some() {
            label("member")
        } else if !r.actor_ap_id.is_empty() {
            r.actor_ap_id.clone()
        } else {
            label("offline")
        };
        let (status, when) = (label(&r.status), date(r.created_at));
        let row = [r.name.as_str(), status.as_str(), origin.as_str(), r.contact.as_str(), when.as_str()];
        out.push_str(&row.iter().map(|c| cell(c)).collect::<Vec<_>>().join(","));
        out.push_str("\r\n");
    }
    out
}

/// Erases the contacts of people without an account once their event is a week past: they were
/// kept only for the event.
pub async fn erase_old_contacts(db: &Db) -> CoreResult<u64> {
    let week_ago = now_ms() - 7 * maillage_core::time::DAY_MS;
    let erased = sqlx::query(
        "UPDATE event_registrations SET contact = '' WHERE contact <> '' AND event_id IN \
         (SELECT id FROM events WHERE ends_at <> 0 AND ends_at < $1)",
    )
    .bind(week_ago)
    .execute(db.pool())
    .await?;
    Ok(erased.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_and_defuses_formulas() {
        let r = Registration {
            id: 1,
            event_id: 1,
            participant: "o:x".into(),
            user_id: None,
            actor_ap_id: String::new(),
            name: "=HYPERLINK(\"x\")".into(),
            contact: "06 12 34 56 78".into(),
            added_by: Some(1),
            status: "confirmed".into(),
            join_activity: String::new(),
            created_at: 0,
        };
        let csv = to_csv(
            &[r],
            &["Nom", "Statut", "Origine", "Contact", "Inscription"],
            &|code| match code {
                "confirmed" => "inscrite".into(),
                "offline" => "sans compte".into(),
                other => other.into(),
            },
            &|_| "12/06/2027".into(),
        );
        assert!(csv.starts_with("\u{feff}\"Nom\",\"Statut\""));
        assert!(
            csv.contains("\"'=HYPERLINK(\"\"x\"\")\",\"inscrite\",\"sans compte\",\"06 12 34 56 78\",\"12/06/2027\""),
            "{csv}"
        );
        assert!(csv.ends_with("\r\n"));
    }
}
