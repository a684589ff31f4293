//! The one line that says when and where an event is, and how to come.
//!
//! Mastodon drops an Event's `content` and shows only its name, its summary and a link, so the
//! summary must stand alone: `jeu. 12 juin 2025, 14:00–16:00 (heure de Paris) · Médiathèque
//! Jean Moulin, Rodez · inscription libre`.

use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeZone, Utc, Weekday};
use chrono_tz::Tz;

use crate::ical::Status;
use crate::schedule::{Frequency, Recurrence, RecurrenceEnd, Schedule};

/// The language of the line. (The server has its own; it converts.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Fr,
    En,
}

/// How people come to an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Registration {
    /// No registration: people just come.
    FreeEntry,
    /// Registration open, without a limit.
    Open,
    /// Registration required, with this many places left.
    Limited { places_left: u32 },
    /// No place left.
    Full { waiting_list: bool },
}

/// What the summary line is made of.
#[derive(Debug, Clone, Copy)]
pub struct SummaryParts<'a> {
    /// From [`when_line`].
    pub when: &'a str,
    /// The venue, as people know it: `Médiathèque Jean Moulin, Rodez`.
    pub place: Option<&'a str>,
    pub online: bool,
    pub registration: Option<Registration>,
    pub status: Status,
}

/// When the event takes place, in its own time zone: `jeu. 12 juin 2025, 14:00–16:00 (heure de
/// Paris)`, or for a recurring event its rhythm, `chaque mardi, 09:30–11:30 (heure de Paris), à
/// partir du mar. 7 oct. 2025`. With `occurrence_start`, the line tells that one occurrence.
pub fn when_line(schedule: &Schedule, occurrence_start: Option<DateTime<Utc>>, lang: Lang) -> String {
    match (&schedule.recurrence, occurrence_start) {
        (_, Some(start)) => {
            let start = start.with_timezone(&schedule.time_zone).naive_local();
            let end = start.checked_add_signed(schedule.end - schedule.start).unwrap_or(start);
            dated_line(schedule, start, end, lang)
        }
        (Some(rule), None) => recurring_line(schedule, rule, lang),
        (None, None) => dated_line(schedule, schedule.start, schedule.end, lang),
    }
}

/// The whole line: when, where, how to come, separated by ` · `. A cancelled event says so
/// first and drops registration; a postponed one says so first.
pub fn summary(parts: &SummaryParts<'_>, lang: Lang) -> String {
    let mut pieces: Vec<String> = Vec::new();
    if !parts.when.trim().is_empty() {
        pieces.push(parts.when.trim().to_owned());
    }
    let online = match lang {
        Lang::Fr => "en ligne",
        Lang::En => "online",
    };
    match (parts.place.map(str::trim).filter(|place| !place.is_empty()), parts.online) {
        (Some(place), true) => pieces.push(match lang {
            Lang::Fr => format!("{place} et {online}"),
            Lang::En => format!("{place} and {online}"),
        }),
        (Some(place), false) => pieces.push(place.to_owned()),
        (None, true) => pieces.push(online.to_owned()),
        (None, false) => {}
    }
    if parts.status != Status::Cancelled
        && let Some(registration) = parts.registration
    {
        pieces.push(registration_label(registration, lang));
    }
    let prefix = match (parts.status, lang) {
        (Status::Confirmed, _) => None,
        (Status::Cancelled, Lang::Fr) => Some("ANNULÉ"),
        (Status::Cancelled, Lang::En) => Some("CANCELLED"),
        (Status::Postponed, Lang::Fr) => Some("REPORTÉ"),
        (Status::Postponed, Lang::En) => Some("POSTPONED"),
    };
    if let Some(prefix) = prefix {
        pieces.insert(0, prefix.to_owned());
    }
    pieces.join(" · ")
}

fn registration_label(registration: Registration, lang: Lang) -> String {
    match (registration, lang) {
        (Registration::FreeEntry, Lang::Fr) => "entrée libre".to_owned(),
        (Registration::FreeEntry, Lang::En) => "free entry".to_owned(),
        (Registration::Open, Lang::Fr) => "inscription libre".to_owned(),
        (Registration::Open, Lang::En) => "registration open".to_owned(),
        (Registration::Limited { places_left: 0 }, _) => {
            registration_label(Registration::Full { waiting_list: false }, lang)
        }
        (Registration::Limited { places_left: 1 }, Lang::Fr) => "sur inscription, 1 place restante".to_owned(),
        (Registration::Limited { places_left: 1 }, Lang::En) => "registration required, 1 place left".to_owned(),
        (Registration::Limited { places_left }, Lang::Fr) => format!("sur inscription, {places_left} places restantes"),
        (Registration::Limited { places_left }, Lang::En) => {
            format!("registration required, {places_left} places left")
        }
        (Registration::Full { waiting_list: true }, Lang::Fr) => "complet, liste d'attente".to_owned(),
        (Registration::Full { waiting_list: true }, Lang::En) => "full, waiting list".to_owned(),
        (Registration::Full { waiting_list: false }, Lang::Fr) => "complet".to_owned(),
        (Registration::Full { waiting_list: false }, Lang::En) => "full".to_owned(),
    }
}

/// One dated occurrence from `start` to `end`, local times.
fn dated_line(schedule: &Schedule, start: NaiveDateTime, end: NaiveDateTime, lang: Lang) -> String {
    if schedule.all_day {
        let first = start.date();
        let last = end.date().pred_opt().unwrap_or(first).max(first);
        return if first == last {
            match lang {
                Lang::Fr => format!("{} (toute la journée)", date_text(first, lang)),
                Lang::En => format!("{} (all day)", date_text(first, lang)),
            }
        } else {
            format!("{} – {}", date_text(first, lang), date_text(last, lang))
        };
    }
    let zone = zone_label(schedule.time_zone, start, lang);
    if ends_same_day(start, end) {
        format!("{}, {}–{} ({zone})", date_text(start.date(), lang), hour(start.time()), hour(end.time()))
    } else {
        format!(
            "{}, {} – {}, {} ({zone})",
            date_text(start.date(), lang),
            hour(start.time()),
            date_text(end.date(), lang),
            hour(end.time())
        )
    }
}

/// A recurring event: its rhythm, its hours, since when and until when.
fn recurring_line(schedule: &Schedule, rule: &Recurrence, lang: Lang) -> String {
    let (start, end) = (schedule.start, schedule.end);
    let days = (end.date() - start.date()).num_days();
    let hours = match (schedule.all_day, lang) {
        (true, Lang::Fr) if days > 1 => format!(" (toute la journée, sur {days} jours)"),
        (true, Lang::En) if days > 1 => format!(" (all day, over {days} days)"),
        (true, Lang::Fr) => " (toute la journée)".to_owned(),
        (true, Lang::En) => " (all day)".to_owned(),
        (false, _) => {
            let (from, to) = (hour(start.time()), hour(end.time()));
            let span = match lang {
                _ if ends_same_day(start, end) => format!("{from}–{to}"),
                Lang::Fr if days == 1 => format!("{from} – {to} le lendemain"),
                Lang::En if days == 1 => format!("{from} – {to} the next day"),
                Lang::Fr => format!("{from} – {to}, {days} jours plus tard"),
                Lang::En => format!("{from} – {to}, {days} days later"),
            };
            format!(", {span} ({})", zone_label(schedule.time_zone, start, lang))
        }
    };
    let first = date_text(start.date(), lang);
    let range = match (rule.end, lang) {
        (RecurrenceEnd::Never, Lang::Fr) => format!("à partir du {first}"),
        (RecurrenceEnd::Never, Lang::En) => format!("from {first}"),
        (RecurrenceEnd::Until(until), Lang::Fr) => format!("du {first} au {}", date_text(until, lang)),
        (RecurrenceEnd::Until(until), Lang::En) => format!("from {first} to {}", date_text(until, lang)),
        (RecurrenceEnd::Count(count), Lang::Fr) => format!("à partir du {first}, {count} fois"),
        (RecurrenceEnd::Count(1), Lang::En) => format!("from {first}, once"),
        (RecurrenceEnd::Count(count), Lang::En) => format!("from {first}, {count} times"),
    };
    format!("{}{hours}, {range}", rhythm(rule, start.date(), lang))
}

/// `chaque mardi`, `toutes les 2 semaines le mardi et le jeudi`, `le dernier vendredi du mois`.
fn rhythm(rule: &Recurrence, start: NaiveDate, lang: Lang) -> String {
    let interval = rule.interval;
    match &rule.frequency {
        Frequency::Weekly { weekdays } => {
            let mut days = if weekdays.is_empty() { vec![start.weekday()] } else { weekdays.clone() };
            days.sort_by_key(|day| day.num_days_from_monday());
            days.dedup();
            let names: Vec<&str> = days.iter().map(|day| weekday_name(*day, lang)).collect();
            match lang {
                Lang::Fr if interval == 1 => format!("chaque {}", enumerate(&names, "et")),
                Lang::Fr => {
                    let names: Vec<String> = names.iter().map(|name| format!("le {name}")).collect();
                    let names: Vec<&str> = names.iter().map(String::as_str).collect();
                    format!("toutes les {interval} semaines {}", enumerate(&names, "et"))
                }
                Lang::En if interval == 1 => format!("every {}", enumerate(&names, "and")),
                Lang::En => format!("every {interval} weeks on {}", enumerate(&names, "and")),
            }
        }
        Frequency::MonthlyByWeekday { nth, weekday } => {
            let (nth, day) = (ordinal(*nth, lang), weekday_name(*weekday, lang));
            match lang {
                Lang::Fr if interval == 1 => format!("le {nth} {day} du mois"),
                Lang::Fr => format!("le {nth} {day}, tous les {interval} mois"),
                Lang::En if interval == 1 => format!("the {nth} {day} of each month"),
                Lang::En => format!("the {nth} {day}, every {interval} months"),
            }
        }
    }
}

/// `a`, `a et b`, `a, b et c`.
fn enumerate(items: &[&str], and: &str) -> String {
    match items {
        [] => String::new(),
        [only] => (*only).to_owned(),
        [init @ .., last] => format!("{} {and} {last}", init.join(", ")),
    }
}

fn ordinal(nth: i8, lang: Lang) -> String {
    match (nth, lang) {
        (-1, Lang::Fr) => "dernier".to_owned(),
        (-1, Lang::En) => "last".to_owned(),
        (1, Lang::Fr) => "1er".to_owned(),
        (1, Lang::En) => "1st".to_owned(),
        (2, Lang::En) => "2nd".to_owned(),
        (3, Lang::En) => "3rd".to_owned(),
        // Only 1 to 4 and -1 pass `Schedule::check`; other values still read sensibly.
        (nth, Lang::Fr) if nth < 0 => format!("{}e en partant de la fin", nth.unsigned_abs()),
        (nth, Lang::En) if nth < 0 => format!("{}th from last", nth.unsigned_abs()),
        (nth, Lang::Fr) => format!("{nth}e"),
        (nth, Lang::En) => format!("{nth}th"),
    }
}

/// Whether an occurrence from `start` to `end` reads as one day: same date, or ending at the
/// midnight that closes it (`20:00–00:00`).
fn ends_same_day(start: NaiveDateTime, end: NaiveDateTime) -> bool {
    end.date() == start.date()
        || (end.time() == NaiveTime::MIN && start.date().checked_add_days(Days::new(1)) == Some(end.date()))
}

fn hour(time: NaiveTime) -> String {
    time.format("%H:%M").to_string()
}

/// A day as a heading: `jeudi 12 juin 2025`, `Thursday 12 June 2025`.
pub fn day_heading(date: NaiveDate, lang: Lang) -> String {
    let day = if date.day() == 1 && lang == Lang::Fr { "1er".to_owned() } else { date.day().to_string() };
    format!("{} {day} {} {}", weekday_name(date.weekday(), lang), month_name(date.month0(), lang), date.year())
}

/// A month: `juin 2025`, `June 2025`.
pub fn month_heading(date: NaiveDate, lang: Lang) -> String {
    format!("{} {}", month_name(date.month0(), lang), date.year())
}

fn month_name(month0: u32, lang: Lang) -> &'static str {
    let index = month0 as usize % 12;
    match lang {
        Lang::Fr => [
            "janvier",
            "février",
            "mars",
            "avril",
            "mai",
            "juin",
            "juillet",
            "août",
            "septembre",
            "octobre",
            "novembre",
            "décembre",
        ][index],
        Lang::En => [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ][index],
    }
}

/// The hours of one occurrence in its zone: `14:00–16:00`, `18:00 – 12:00 (dim. 15 juin 2025)`
/// when it ends another day, `toute la journée` for an all-day event.
pub fn hours_label(start: NaiveDateTime, end: NaiveDateTime, all_day: bool, lang: Lang) -> String {
    match (all_day, lang) {
        (true, Lang::Fr) => "toute la journée".to_owned(),
        (true, Lang::En) => "all day".to_owned(),
        _ if ends_same_day(start, end) => format!("{}–{}", hour(start.time()), hour(end.time())),
        _ => format!("{} – {} ({})", hour(start.time()), hour(end.time()), date_text(end.date(), lang)),
    }
}

/// `jeu. 12 juin 2025`, `mer. 1er oct. 2025`, `Thu 12 June 2025`.
fn date_text(date: NaiveDate, lang: Lang) -> String {
    let day = date.day();
    match lang {
        Lang::Fr => {
            const WEEKDAYS: [&str; 7] = ["lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim."];
            const MONTHS: [&str; 12] =
                ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."];
            let day = if day == 1 { "1er".to_owned() } else { day.to_string() };
            let weekday = WEEKDAYS[date.weekday().num_days_from_monday() as usize];
            format!("{weekday} {day} {} {}", MONTHS[date.month0() as usize], date.year())
        }
        Lang::En => {
            const MONTHS: [&str; 12] = [
                "January",
                "February",
                "March",
                "April",
                "May",
                "June",
                "July",
                "August",
                "September",
                "October",
                "November",
                "December",
            ];
            format!("{} {day} {} {}", date.weekday(), MONTHS[date.month0() as usize], date.year())
        }
    }
}

fn weekday_name(day: Weekday, lang: Lang) -> &'static str {
    let index = day.num_days_from_monday() as usize;
    match lang {
        Lang::Fr => ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"][index],
        Lang::En => ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"][index],
    }
}

/// `heure de Paris`, `heure de La Réunion`, `Paris time`; the IANA city otherwise; a fixed
/// zone (`UTC`, `Etc/GMT+3`) by its offset at `at`, since `Etc/GMT+3` means UTC-3.
fn zone_label(tz: Tz, at: NaiveDateTime, lang: Lang) -> String {
    let known = match tz.name() {
        "Europe/Paris" => Some(("de Paris", "Paris")),
        "America/Cayenne" => Some(("de Cayenne", "Cayenne")),
        "Indian/Reunion" => Some(("de La Réunion", "Réunion")),
        "America/Martinique" => Some(("de Martinique", "Martinique")),
        "America/Guadeloupe" => Some(("de Guadeloupe", "Guadeloupe")),
        "Indian/Mayotte" => Some(("de Mayotte", "Mayotte")),
        "Pacific/Noumea" => Some(("de Nouméa", "Nouméa")),
        "Pacific/Tahiti" => Some(("de Tahiti", "Tahiti")),
        "America/Miquelon" => Some(("de Saint-Pierre-et-Miquelon", "Saint Pierre and Miquelon")),
        "Pacific/Wallis" => Some(("de Wallis-et-Futuna", "Wallis and Futuna")),
        "Pacific/Marquesas" => Some(("des Marquises", "Marquesas")),
        "Pacific/Gambier" => Some(("des Gambier", "Gambier")),
        "America/St_Barthelemy" => Some(("de Saint-Barthélemy", "Saint Barthélemy")),
        "America/Marigot" => Some(("de Saint-Martin", "Saint Martin")),
        _ => None,
    };
    if let Some((french, english)) = known {
        return match lang {
            Lang::Fr => format!("heure {french}"),
            Lang::En => format!("{english} time"),
        };
    }
    let name = tz.name();
    match name.rsplit_once('/') {
        Some((area, city)) if area != "Etc" => {
            let city = city.replace('_', " ");
            match lang {
                Lang::Fr => format!("heure de {city}"),
                Lang::En => format!("{city} time"),
            }
        }
        _ => {
            let seconds = tz.offset_from_utc_datetime(&at).fix().local_minus_utc();
            let (hours, minutes) = (seconds / 3600, (seconds.abs() / 60) % 60);
            match (hours, minutes) {
                (0, 0) => "UTC".to_owned(),
                (_, 0) => format!("UTC{hours:+}"),
                _ => format!("UTC{}{}:{minutes:02}", if seconds < 0 { '-' } else { '+' }, hours.abs()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::{Frequency, Recurrence, RecurrenceEnd};
    use chrono::Weekday::{Fri, Thu, Tue};
    use chrono_tz::{America, Europe, Indian, Pacific};

    fn local(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").expect("test date-time")
    }

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("test date")
    }

    fn event(start: &str, end: &str) -> Schedule {
        Schedule {
            start: local(start),
            end: local(end),
            all_day: false,
            time_zone: Europe::Paris,
            recurrence: None,
            exceptions: vec![],
        }
    }

    fn all_day(first: &str, after_last: &str) -> Schedule {
        Schedule { all_day: true, ..event(&format!("{first} 00:00"), &format!("{after_last} 00:00")) }
    }

    fn repeating(schedule: Schedule, frequency: Frequency, interval: u32, end: RecurrenceEnd) -> Schedule {
        Schedule { recurrence: Some(Recurrence { frequency, interval, end }), ..schedule }
    }

    fn weekly(days: &[Weekday]) -> Frequency {
        Frequency::Weekly { weekdays: days.to_vec() }
    }

    fn both(schedule: &Schedule) -> (String, String) {
        (when_line(schedule, None, Lang::Fr), when_line(schedule, None, Lang::En))
    }

    fn parts(when: &str) -> SummaryParts<'_> {
        SummaryParts { when, place: None, online: false, registration: None, status: Status::Confirmed }
    }

    #[test]
    fn an_afternoon_workshop() {
        let workshop = event("2025-06-12 14:00", "2025-06-12 16:00");
        assert_eq!(
            both(&workshop),
            (
                "jeu. 12 juin 2025, 14:00–16:00 (heure de Paris)".to_owned(),
                "Thu 12 June 2025, 14:00–16:00 (Paris time)".to_owned()
            )
        );
    }

    #[test]
    fn an_event_over_several_days() {
        let weekend = event("2025-06-13 18:00", "2025-06-15 12:00");
        assert_eq!(
            both(&weekend),
            (
                "ven. 13 juin 2025, 18:00 – dim. 15 juin 2025, 12:00 (heure de Paris)".to_owned(),
                "Fri 13 June 2025, 18:00 – Sun 15 June 2025, 12:00 (Paris time)".to_owned()
            )
        );
        let evening = event("2025-06-13 20:00", "2025-06-14 00:00");
        assert_eq!(when_line(&evening, None, Lang::Fr), "ven. 13 juin 2025, 20:00–00:00 (heure de Paris)");
    }

    #[test]
    fn all_day_events_show_dates_only() {
        assert_eq!(
            both(&all_day("2025-06-14", "2025-06-15")),
            ("sam. 14 juin 2025 (toute la journée)".to_owned(), "Sat 14 June 2025 (all day)".to_owned())
        );
        assert_eq!(
            both(&all_day("2025-06-13", "2025-06-16")),
            ("ven. 13 juin 2025 – dim. 15 juin 2025".to_owned(), "Fri 13 June 2025 – Sun 15 June 2025".to_owned())
        );
    }

    #[test]
    fn the_first_of_the_month_is_1er_in_french() {
        let workshop = event("2025-10-01 10:00", "2025-10-01 12:00");
        assert_eq!(when_line(&workshop, None, Lang::Fr), "mer. 1er oct. 2025, 10:00–12:00 (heure de Paris)");
        let months =
            ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."];
        for (month0, name) in months.iter().enumerate() {
            let day = NaiveDate::from_ymd_opt(2026, month0 as u32 + 1, 15).expect("date");
            assert!(date_text(day, Lang::Fr).ends_with(&format!(" 15 {name} 2026")));
        }
    }

    #[test]
    fn every_tuesday() {
        let drop_in = repeating(event("2025-10-07 09:30", "2025-10-07 11:30"), weekly(&[Tue]), 1, RecurrenceEnd::Never);
        assert_eq!(
            both(&drop_in),
            (
                "chaque mardi, 09:30–11:30 (heure de Paris), à partir du mar. 7 oct. 2025".to_owned(),
                "every Tuesday, 09:30–11:30 (Paris time), from Tue 7 October 2025".to_owned()
            )
        );
    }

    #[test]
    fn every_two_weeks_on_two_days() {
        let course =
            repeating(event("2025-10-07 14:00", "2025-10-07 16:00"), weekly(&[Thu, Tue]), 2, RecurrenceEnd::Never);
        assert_eq!(
            both(&course),
            (
                "toutes les 2 semaines le mardi et le jeudi, 14:00–16:00 (heure de Paris), à partir du mar. 7 oct. 2025"
                    .to_owned(),
                "every 2 weeks on Tuesday and Thursday, 14:00–16:00 (Paris time), from Tue 7 October 2025".to_owned()
            )
        );
        let three_days = repeating(
            event("2025-10-06 14:00", "2025-10-06 16:00"),
            weekly(&[Weekday::Mon, Tue, Thu]),
            1,
            RecurrenceEnd::Never,
        );
        assert!(when_line(&three_days, None, Lang::Fr).starts_with("chaque lundi, mardi et jeudi, 14:00"));
        assert!(when_line(&three_days, None, Lang::En).starts_with("every Monday, Tuesday and Thursday, 14:00"));
    }

    #[test]
    fn the_second_tuesday_of_the_month() {
        let repair_cafe = repeating(
            event("2025-10-14 18:00", "2025-10-14 20:00"),
            Frequency::MonthlyByWeekday { nth: 2, weekday: Tue },
            1,
            RecurrenceEnd::Never,
        );
        assert_eq!(
            both(&repair_cafe),
            (
                "le 2e mardi du mois, 18:00–20:00 (heure de Paris), à partir du mar. 14 oct. 2025".to_owned(),
                "the 2nd Tuesday of each month, 18:00–20:00 (Paris time), from Tue 14 October 2025".to_owned()
            )
        );
        let quarterly = repeating(
            event("2025-09-01 18:00", "2025-09-01 19:00"),
            Frequency::MonthlyByWeekday { nth: 1, weekday: Weekday::Mon },
            3,
            RecurrenceEnd::Never,
        );
        assert!(when_line(&quarterly, None, Lang::Fr).starts_with("le 1er lundi, tous les 3 mois, 18:00–19:00"));
        assert!(when_line(&quarterly, None, Lang::En).starts_with("the 1st Monday, every 3 months, 18:00–19:00"));
    }

    #[test]
    fn the_last_friday_until_a_date_or_for_a_count() {
        let meetup = event("2025-10-31 17:00", "2025-10-31 19:00");
        let last_friday = Frequency::MonthlyByWeekday { nth: -1, weekday: Fri };
        let until = repeating(meetup.clone(), last_friday.clone(), 1, RecurrenceEnd::Until(date("2026-06-30")));
        assert_eq!(
            both(&until),
            (
                "le dernier vendredi du mois, 17:00–19:00 (heure de Paris), du ven. 31 oct. 2025 au mar. 30 juin 2026"
                    .to_owned(),
                "the last Friday of each month, 17:00–19:00 (Paris time), from Fri 31 October 2025 to Tue 30 June 2026"
                    .to_owned()
            )
        );
        let counted = repeating(meetup.clone(), last_friday.clone(), 1, RecurrenceEnd::Count(6));
        assert!(when_line(&counted, None, Lang::Fr).ends_with("à partir du ven. 31 oct. 2025, 6 fois"));
        assert!(when_line(&counted, None, Lang::En).ends_with("from Fri 31 October 2025, 6 times"));
        let once = repeating(meetup, last_friday, 1, RecurrenceEnd::Count(1));
        assert!(when_line(&once, None, Lang::En).ends_with(", once"));
    }

    #[test]
    fn recurring_all_day_and_overnight_events() {
        let market = repeating(all_day("2025-06-14", "2025-06-15"), weekly(&[]), 1, RecurrenceEnd::Never);
        assert_eq!(
            both(&market),
            (
                "chaque samedi (toute la journée), à partir du sam. 14 juin 2025".to_owned(),
                "every Saturday (all day), from Sat 14 June 2025".to_owned()
            )
        );
        let night = repeating(event("2025-06-13 22:00", "2025-06-14 06:00"), weekly(&[]), 1, RecurrenceEnd::Never);
        assert!(
            when_line(&night, None, Lang::Fr)
                .starts_with("chaque vendredi, 22:00 – 06:00 le lendemain (heure de Paris)")
        );
        assert!(when_line(&night, None, Lang::En).starts_with("every Friday, 22:00 – 06:00 the next day (Paris time)"));
    }

    #[test]
    fn one_occurrence_of_a_recurring_event_keeps_its_local_time() {
        let drop_in = repeating(event("2025-10-16 09:30", "2025-10-16 11:30"), weekly(&[Thu]), 1, RecurrenceEnd::Never);
        let after_summer_time = drop_in.occurrences(
            "2025-10-29T00:00:00Z".parse().expect("instant"),
            "2025-10-31T00:00:00Z".parse().expect("instant"),
            1,
        );
        assert_eq!(
            when_line(&drop_in, Some(after_summer_time[0].start), Lang::Fr),
            "jeu. 30 oct. 2025, 09:30–11:30 (heure de Paris)"
        );
        let fair = repeating(all_day("2025-06-14", "2025-06-15"), weekly(&[]), 1, RecurrenceEnd::Never);
        let next = fair.occurrences(
            "2025-06-20T00:00:00Z".parse().expect("instant"),
            "2025-06-30T00:00:00Z".parse().expect("instant"),
            1,
        );
        assert_eq!(when_line(&fair, Some(next[0].start), Lang::Fr), "sam. 21 juin 2025 (toute la journée)");
    }

    #[test]
    fn overseas_and_other_time_zones_are_named_readably() {
        let at = local("2025-06-12 14:00");
        let labels = [
            (America::Cayenne, "heure de Cayenne", "Cayenne time"),
            (Indian::Reunion, "heure de La Réunion", "Réunion time"),
            (America::Martinique, "heure de Martinique", "Martinique time"),
            (America::Guadeloupe, "heure de Guadeloupe", "Guadeloupe time"),
            (Indian::Mayotte, "heure de Mayotte", "Mayotte time"),
            (Pacific::Noumea, "heure de Nouméa", "Nouméa time"),
            (Pacific::Tahiti, "heure de Tahiti", "Tahiti time"),
            (America::Miquelon, "heure de Saint-Pierre-et-Miquelon", "Saint Pierre and Miquelon time"),
            (America::New_York, "heure de New York", "New York time"),
            (America::Argentina::Buenos_Aires, "heure de Buenos Aires", "Buenos Aires time"),
            (chrono_tz::UTC, "UTC", "UTC"),
            (chrono_tz::Etc::GMTPlus3, "UTC-3", "UTC-3"),
            (chrono_tz::Asia::Kolkata, "heure de Kolkata", "Kolkata time"),
        ];
        for (tz, french, english) in labels {
            assert_eq!(zone_label(tz, at, Lang::Fr), french);
            assert_eq!(zone_label(tz, at, Lang::En), english);
        }
        let workshop = Schedule { time_zone: America::Cayenne, ..event("2025-06-12 14:00", "2025-06-12 16:00") };
        assert_eq!(when_line(&workshop, None, Lang::Fr), "jeu. 12 juin 2025, 14:00–16:00 (heure de Cayenne)");
    }

    #[test]
    fn the_full_summary_line() {
        let when = "jeu. 12 juin 2025, 14:00–16:00 (heure de Paris)";
        let at_the_library = SummaryParts {
            place: Some("Médiathèque Jean Moulin, Rodez"),
            registration: Some(Registration::Open),
            ..parts(when)
        };
        assert_eq!(
            summary(&at_the_library, Lang::Fr),
            "jeu. 12 juin 2025, 14:00–16:00 (heure de Paris) · Médiathèque Jean Moulin, Rodez · inscription libre"
        );
        let hybrid = SummaryParts { online: true, registration: Some(Registration::FreeEntry), ..at_the_library };
        assert_eq!(
            summary(&hybrid, Lang::Fr),
            format!("{when} · Médiathèque Jean Moulin, Rodez et en ligne · entrée libre")
        );
        assert_eq!(
            summary(&hybrid, Lang::En),
            format!("{when} · Médiathèque Jean Moulin, Rodez and online · free entry")
        );
        let online_only = SummaryParts { online: true, place: Some("  "), ..parts(when) };
        assert_eq!(summary(&online_only, Lang::Fr), format!("{when} · en ligne"));
        assert_eq!(summary(&online_only, Lang::En), format!("{when} · online"));
        assert_eq!(summary(&parts(when), Lang::Fr), when);
    }

    #[test]
    fn registration_kinds() {
        let line =
            |registration, lang| summary(&SummaryParts { registration: Some(registration), ..parts("quand") }, lang);
        let cases = [
            (Registration::FreeEntry, "entrée libre", "free entry"),
            (Registration::Open, "inscription libre", "registration open"),
            (
                Registration::Limited { places_left: 12 },
                "sur inscription, 12 places restantes",
                "registration required, 12 places left",
            ),
            (
                Registration::Limited { places_left: 1 },
                "sur inscription, 1 place restante",
                "registration required, 1 place left",
            ),
            (Registration::Limited { places_left: 0 }, "complet", "full"),
            (Registration::Full { waiting_list: true }, "complet, liste d'attente", "full, waiting list"),
            (Registration::Full { waiting_list: false }, "complet", "full"),
        ];
        for (registration, french, english) in cases {
            assert_eq!(line(registration, Lang::Fr), format!("quand · {french}"));
            assert_eq!(line(registration, Lang::En), format!("quand · {english}"));
        }
    }

    #[test]
    fn cancelled_and_postponed_events_say_so_first() {
        let when = "jeu. 12 juin 2025, 14:00–16:00 (heure de Paris)";
        let base = SummaryParts {
            place: Some("Médiathèque Jean Moulin, Rodez"),
            registration: Some(Registration::Limited { places_left: 3 }),
            ..parts(when)
        };
        let cancelled = SummaryParts { status: Status::Cancelled, ..base };
        assert_eq!(summary(&cancelled, Lang::Fr), format!("ANNULÉ · {when} · Médiathèque Jean Moulin, Rodez"));
        assert_eq!(summary(&cancelled, Lang::En), format!("CANCELLED · {when} · Médiathèque Jean Moulin, Rodez"));
        let postponed = SummaryParts { status: Status::Postponed, ..base };
        assert_eq!(
            summary(&postponed, Lang::Fr),
            format!("REPORTÉ · {when} · Médiathèque Jean Moulin, Rodez · sur inscription, 3 places restantes")
        );
        assert!(summary(&postponed, Lang::En).starts_with("POSTPONED · "));
    }
}
