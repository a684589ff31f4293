//! Maillage events: the hub's calendar.
//!
//! `schedule` (times in an IANA zone, recurrence, bounded expansion), `ical` (RFC 5545 output),
//! `summary` (the one line that says when, where and how to come), `calendar` (events as
//! stored: ours, checked from a form, and other servers'), `registrations` (places, waiting
//! list, people without an account). Nothing here speaks ActivityPub: `maillage-federation`
//! wraps the writes that are published.

pub mod calendar;
pub mod ical;
pub mod registrations;
pub mod schedule;
pub mod summary;
