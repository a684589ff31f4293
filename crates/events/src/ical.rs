//! iCalendar feeds (RFC 5545) that calendar applications subscribe to.
//!
//! Only a writer: we publish, we do not import. Every time zone an event uses gets a VTIMEZONE
//! built from the same IANA data (chrono-tz) that computes our own occurrences, so a client that
//! trusts the VTIMEZONE and one that looks the TZID up in its own database agree with us.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeDelta, TimeZone, Utc};
use chrono_tz::{OffsetComponents, OffsetName, Tz};

use crate::schedule::{Schedule, day_code, nth_weekday, to_utc};

/// A calendar: the events of a hub, of a place, or one event alone.
#[derive(Debug, Clone)]
pub struct Calendar {
    pub name: String,
    pub description: Option<String>,
    pub events: Vec<IcalEvent>,
}

/// One event as a VEVENT.
///
/// `organizer_name` is not written: ORGANIZER must hold a calendar address (a URI such as
/// `mailto:`), and a name alone is not one.
#[derive(Debug, Clone)]
pub struct IcalEvent {
    /// Globally unique and stable across edits (the event's URL is a good choice).
    pub uid: String,
    pub url: Option<String>,
    pub title: String,
    /// Plain text.
    pub description: String,
    pub location: Option<String>,
    /// Latitude and longitude, in degrees.
    pub geo: Option<(f64, f64)>,
    pub schedule: Schedule,
    pub status: Status,
    /// Raised at each significant change, so clients replace their copy.
    pub sequence: u32,
    pub created: DateTime<Utc>,
    pub updated: DateTime<Utc>,
    pub categories: Vec<String>,
    pub organizer_name: Option<String>,
}

/// Whether an event takes place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Confirmed,
    Cancelled,
    /// Postponed to a date not yet known: written `TENTATIVE`, the nearest RFC 5545 status.
    Postponed,
}

/// Most years a VTIMEZONE spells out transition by transition.
const MAX_ZONE_YEARS: i32 = 20;
/// Years after its start that the VTIMEZONE of an event without end spells out.
const OPEN_ENDED_YEARS: i32 = 2;

impl Calendar {
    /// The calendar as an iCalendar document: CRLF line ends, lines folded at 75 octets.
    ///
    /// DTSTAMP is each event's `updated` time rather than the time of writing, so the same
    /// events always give the same bytes (stable ETags, cacheable feeds).
    pub fn to_ics(&self) -> String {
        let mut out = Lines::default();
        out.line("BEGIN:VCALENDAR");
        out.line("VERSION:2.0");
        out.line("PRODID:-//Maillage//Maillage//FR");
        out.line("CALSCALE:GREGORIAN");
        out.line("METHOD:PUBLISH");
        // NAME and DESCRIPTION are RFC 7986; Apple and Google read the X-WR- ones.
        out.text("NAME", &self.name);
        out.text("X-WR-CALNAME", &self.name);
        if let Some(description) = self.description.as_deref().filter(|text| !text.trim().is_empty()) {
            out.text("DESCRIPTION", description);
            out.text("X-WR-CALDESC", description);
        }
        if let Some(zone) = self.shared_time_zone() {
            out.text("X-WR-TIMEZONE", zone.name());
        }
        for (tz, span) in self.zone_spans().into_values() {
            write_time_zone(&mut out, tz, span);
        }
        for event in &self.events {
            write_event(&mut out, event);
        }
        out.line("END:VCALENDAR");
        out.0
    }

    /// The time zone of every event, when they all share one.
    fn shared_time_zone(&self) -> Option<Tz> {
        let first = self.events.first()?.schedule.time_zone;
        self.events.iter().all(|event| event.schedule.time_zone == first).then_some(first)
    }

    /// The years each time zone must describe, for the events given at a local time (all-day
    /// events use floating dates and need no VTIMEZONE). Keyed by name for a stable order.
    fn zone_spans(&self) -> BTreeMap<&'static str, (Tz, ZoneSpan)> {
        let mut spans: BTreeMap<&'static str, (Tz, ZoneSpan)> = BTreeMap::new();
        for schedule in self.events.iter().map(|event| &event.schedule).filter(|schedule| !schedule.all_day) {
            let tz = schedule.time_zone;
            let first_year = schedule.start.year();
            let span = match schedule.first_and_last().1 {
                Some(end) => ZoneSpan { first_year, last_year: end.with_timezone(&tz).year(), open_ended: false },
                None => {
                    ZoneSpan { first_year, last_year: first_year.saturating_add(OPEN_ENDED_YEARS), open_ended: true }
                }
            };
            spans
                .entry(tz.name())
                .and_modify(|(_, known)| {
                    known.first_year = known.first_year.min(span.first_year);
                    known.last_year = known.last_year.max(span.last_year);
                    known.open_ended |= span.open_ended;
                })
                .or_insert((tz, span));
        }
        for (_, span) in spans.values_mut() {
            let cap = span.first_year.saturating_add(MAX_ZONE_YEARS - 1);
            if span.last_year > cap {
                span.last_year = cap;
                span.open_ended = true;
            }
        }
        spans
    }
}

/// Whole years, in local time, that a VTIMEZONE covers. An open-ended span also needs the
/// zone's rules to go on after its last year.
#[derive(Debug, Clone, Copy)]
struct ZoneSpan {
    first_year: i32,
    last_year: i32,
    open_ended: bool,
}

/// A STANDARD or DAYLIGHT sub-component: an offset that starts at `onset`, local time before it.
#[derive(Debug)]
struct Observance {
    onset: NaiveDateTime,
    from: FixedOffset,
    to: FixedOffset,
    name: Option<String>,
    daylight: bool,
    /// A yearly RRULE when the change repeats beyond the span.
    rule: Option<String>,
}

fn write_time_zone(out: &mut Lines, tz: Tz, span: ZoneSpan) {
    let first_day = NaiveDate::from_ymd_opt(span.first_year, 1, 1).unwrap_or(NaiveDate::MIN);
    let after_last_day = NaiveDate::from_ymd_opt(span.last_year.saturating_add(1), 1, 1).unwrap_or(NaiveDate::MAX);
    let (from, to) =
        (to_utc(first_day.and_time(NaiveTime::MIN), tz), to_utc(after_last_day.and_time(NaiveTime::MIN), tz));
    // The offset in force on 1 January opens the span, so every event time is covered by an
    // observance even in a zone that never changes (a single STANDARD then).
    let initial = tz.offset_from_utc_datetime(&from.naive_utc());
    let mut observances = vec![Observance {
        onset: from.with_timezone(&initial.fix()).naive_local(),
        from: initial.fix(),
        to: initial.fix(),
        name: initial.abbreviation().map(str::to_owned),
        daylight: initial.dst_offset() != TimeDelta::zero(),
        rule: None,
    }];
    let changes = transitions(tz, from, to);
    let rules = if span.open_ended { yearly_rules(&changes, span.last_year) } else { None };
    observances.extend(changes);
    if let Some((standard_index, standard_rule, daylight_index, daylight_rule)) = rules {
        observances[standard_index + 1].rule = Some(standard_rule);
        observances[daylight_index + 1].rule = Some(daylight_rule);
    }

    out.line("BEGIN:VTIMEZONE");
    out.text("TZID", tz.name());
    for observance in &observances {
        let kind = if observance.daylight { "DAYLIGHT" } else { "STANDARD" };
        out.line(&format!("BEGIN:{kind}"));
        out.line(&format!("DTSTART:{}", observance.onset.format("%Y%m%dT%H%M%S")));
        out.line(&format!("TZOFFSETFROM:{}", utc_offset(observance.from)));
        out.line(&format!("TZOFFSETTO:{}", utc_offset(observance.to)));
        if let Some(name) = &observance.name {
            out.text("TZNAME", name);
        }
        if let Some(rule) = &observance.rule {
            out.line(&format!("RRULE:{rule}"));
        }
        out.line(&format!("END:{kind}"));
    }
    out.line("END:VTIMEZONE");
}

/// The changes of UTC offset in `[from, to)`: found day by day, then bisected to the second.
/// (Two changes within one day that cancel out would be missed; the IANA data has none in our
/// era.)
fn transitions(tz: Tz, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Observance> {
    let offset = |at: DateTime<Utc>| tz.offset_from_utc_datetime(&at.naive_utc()).fix();
    let mut found = Vec::new();
    let mut before = from;
    while before < to {
        let Some(after) = before.checked_add_signed(TimeDelta::days(1)).map(|after| after.min(to)) else {
            break;
        };
        let old = offset(before);
        if offset(after) != old {
            let (mut low, mut high) = (before, after);
            while high - low > TimeDelta::seconds(1) {
                let middle = low + (high - low) / 2;
                if offset(middle) == old {
                    low = middle;
                } else {
                    high = middle;
                }
            }
            let new = tz.offset_from_utc_datetime(&high.naive_utc());
            found.push(Observance {
                // RFC 5545 §3.6.5: the onset is given in the local time in force before it.
                onset: high.with_timezone(&old).naive_local(),
                from: old,
                to: new.fix(),
                name: new.abbreviation().map(str::to_owned),
                daylight: new.dst_offset() != TimeDelta::zero(),
                rule: None,
            });
        }
        before = after;
    }
    found
}

/// For a span whose events go on after it: when the last year's changes to standard and to
/// daylight time each follow one yearly pattern ("last Sunday of October at 03:00"), that
/// pattern as an RRULE for the last change of each kind, with their indexes in `changes`.
/// Without it, a client reading only the VTIMEZONE would keep the last offset forever.
fn yearly_rules(changes: &[Observance], last_year: i32) -> Option<(usize, String, usize, String)> {
    let rule_for = |daylight: bool| -> Option<(usize, String)> {
        let kind: Vec<(usize, &Observance)> =
            changes.iter().enumerate().filter(|(_, change)| change.daylight == daylight).collect();
        let &(last_index, last) = kind.last()?;
        if kind.len() < 2 || last.onset.year() != last_year {
            return None;
        }
        let date = last.onset.date();
        let same_shape = |change: &Observance| {
            let day = change.onset.date();
            day.month() == date.month()
                && day.weekday() == date.weekday()
                && change.onset.time() == last.onset.time()
                && (change.from, change.to) == (last.from, last.to)
        };
        if !kind.iter().all(|(_, change)| same_shape(change)) {
            return None;
        }
        let is_nth = |nth: i8| {
            kind.iter().all(|(_, change)| {
                let day = change.onset.date();
                nth_weekday(day.year(), day.month(), nth, day.weekday()) == Some(day)
            })
        };
        let nth = i8::try_from((date.day() - 1) / 7 + 1).ok()?;
        let nth = if is_nth(-1) {
            -1
        } else if is_nth(nth) {
            nth
        } else {
            return None;
        };
        Some((last_index, format!("FREQ=YEARLY;BYMONTH={};BYDAY={nth}{}", date.month(), day_code(date.weekday()))))
    };
    let (standard_index, standard_rule) = rule_for(false)?;
    let (daylight_index, daylight_rule) = rule_for(true)?;
    Some((standard_index, standard_rule, daylight_index, daylight_rule))
}

fn write_event(out: &mut Lines, event: &IcalEvent) {
    let schedule = &event.schedule;
    out.line("BEGIN:VEVENT");
    out.text("UID", &event.uid);
    out.line(&format!("DTSTAMP:{}", utc_stamp(event.updated)));
    out.line(&format!("CREATED:{}", utc_stamp(event.created)));
    out.line(&format!("LAST-MODIFIED:{}", utc_stamp(event.updated)));
    out.line(&format!("SEQUENCE:{}", event.sequence));
    let tz = schedule.time_zone.name();
    if schedule.all_day {
        // Floating dates: a day is a day wherever the reader is. DTEND is exclusive.
        let first = schedule.start.date();
        let after_last = schedule.end.date().max(first.succ_opt().unwrap_or(first));
        out.line(&format!("DTSTART;VALUE=DATE:{}", first.format("%Y%m%d")));
        out.line(&format!("DTEND;VALUE=DATE:{}", after_last.format("%Y%m%d")));
    } else {
        out.line(&format!("DTSTART;TZID={tz}:{}", local_stamp(schedule.start)));
        // RFC 5545 wants DTEND after DTSTART; without it the event is an instant.
        if schedule.end > schedule.start {
            out.line(&format!("DTEND;TZID={tz}:{}", local_stamp(schedule.end)));
        }
    }
    if let Some(rule) = &schedule.recurrence {
        out.line(&format!("RRULE:{}", rule.to_rrule(schedule)));
        let mut exceptions = schedule.exceptions.clone();
        exceptions.sort();
        exceptions.dedup();
        if !exceptions.is_empty() {
            let (parameter, values): (String, Vec<String>) = if schedule.all_day {
                ("VALUE=DATE".to_owned(), exceptions.iter().map(|day| day.format("%Y%m%d").to_string()).collect())
            } else {
                let time = schedule.start.time();
                (format!("TZID={tz}"), exceptions.iter().map(|day| local_stamp(day.and_time(time))).collect())
            };
            out.line(&format!("EXDATE;{parameter}:{}", values.join(",")));
        }
    }
    out.line(match event.status {
        Status::Confirmed => "STATUS:CONFIRMED",
        Status::Cancelled => "STATUS:CANCELLED",
        Status::Postponed => "STATUS:TENTATIVE",
    });
    out.text("SUMMARY", &event.title);
    if !event.description.trim().is_empty() {
        out.text("DESCRIPTION", &event.description);
    }
    if let Some(location) = event.location.as_deref().filter(|text| !text.trim().is_empty()) {
        out.text("LOCATION", location);
    }
    if let Some((latitude, longitude)) = event.geo
        && (-90.0..=90.0).contains(&latitude)
        && (-180.0..=180.0).contains(&longitude)
    {
        out.line(&format!("GEO:{latitude:.6};{longitude:.6}"));
    }
    if let Some(url) = event.url.as_deref().filter(|url| is_uri(url)) {
        out.line(&format!("URL:{url}"));
    }
    let categories: Vec<String> =
        event.categories.iter().map(|category| category.trim()).filter(|c| !c.is_empty()).map(escape_text).collect();
    if !categories.is_empty() {
        out.line(&format!("CATEGORIES:{}", categories.join(",")));
    }
    out.line("END:VEVENT");
}

/// Content lines, folded and ended as RFC 5545 §3.1 requires.
#[derive(Default)]
struct Lines(String);

impl Lines {
    /// Appends one content line: physical lines of at most 75 octets, never splitting a
    /// character, each continuation starting with one space, all ending in CRLF.
    fn line(&mut self, content: &str) {
        let mut width = 0;
        for character in content.chars() {
            if width + character.len_utf8() > 75 {
                self.0.push_str("\r\n ");
                width = 1;
            }
            self.0.push(character);
            width += character.len_utf8();
        }
        self.0.push_str("\r\n");
    }

    /// A property whose value is TEXT.
    fn text(&mut self, name: &str, value: &str) {
        self.line(&format!("{name}:{}", escape_text(value)));
    }
}

/// A TEXT value (RFC 5545 §3.3.11): backslash, semicolon and comma escaped, line breaks as
/// `\n`, other control characters (not allowed in TEXT) dropped.
fn escape_text(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    let mut characters = text.chars().peekable();
    while let Some(character) = characters.next() {
        match character {
            '\\' => escaped.push_str("\\\\"),
            ';' => escaped.push_str("\\;"),
            ',' => escaped.push_str("\\,"),
            '\r' => {
                characters.next_if_eq(&'\n');
                escaped.push_str("\\n");
            }
            '\n' => escaped.push_str("\\n"),
            '\t' => escaped.push('\t'),
            control if control.is_control() => {}
            other => escaped.push(other),
        }
    }
    escaped
}

/// Whether `text` can be written as a URI value as it is (RFC 3986 characters only).
fn is_uri(text: &str) -> bool {
    !text.is_empty() && text.chars().all(|c| c.is_ascii_graphic() && !"\"<>\\^`{|}".contains(c))
}

fn utc_stamp(time: DateTime<Utc>) -> String {
    time.format("%Y%m%dT%H%M%SZ").to_string()
}

fn local_stamp(time: NaiveDateTime) -> String {
    time.format("%Y%m%dT%H%M%S").to_string()
}

/// `+0100`, `-0300`, with seconds only when there are some; never `-0000` (RFC 5545 §3.3.14).
fn utc_offset(offset: FixedOffset) -> String {
    let seconds = offset.local_minus_utc();
    let sign = if seconds < 0 { '-' } else { '+' };
    let seconds = seconds.unsigned_abs();
    let (hours, minutes, rest) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    if rest == 0 { format!("{sign}{hours:02}{minutes:02}") } else { format!("{sign}{hours:02}{minutes:02}{rest:02}") }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::{Frequency, Recurrence, RecurrenceEnd};
    use chrono::Weekday;
    use chrono_tz::{America, Europe};

    fn local(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").expect("test date-time")
    }

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("test date")
    }

    fn instant(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).expect("test instant").with_timezone(&Utc)
    }

    /// The repair café of the Rodez hub: second Tuesday of the month, no session in November.
    fn repair_cafe() -> IcalEvent {
        IcalEvent {
            uid: "https://rodez.example/events/12".to_owned(),
            url: Some("https://rodez.example/events/12".to_owned()),
            title: "Repair café numérique".to_owned(),
            description: "Apportez votre ordinateur; on répare ensemble, entre voisins.\nGratuit.".to_owned(),
            location: Some("Médiathèque Jean Moulin, Rodez".to_owned()),
            geo: Some((44.35, 2.575)),
            schedule: Schedule {
                start: local("2025-10-14 18:00"),
                end: local("2025-10-14 20:00"),
                all_day: false,
                time_zone: Europe::Paris,
                recurrence: Some(Recurrence {
                    frequency: Frequency::MonthlyByWeekday { nth: 2, weekday: Weekday::Tue },
                    interval: 1,
                    end: RecurrenceEnd::Until(date("2026-06-30")),
                }),
                exceptions: vec![date("2025-11-11")],
            },
            status: Status::Confirmed,
            sequence: 2,
            created: instant("2025-09-01T08:00:00Z"),
            updated: instant("2025-09-15T10:30:00Z"),
            categories: vec!["atelier".to_owned(), "réparation, vélo".to_owned(), " ".to_owned()],
            organizer_name: Some("Espace numérique de Rodez".to_owned()),
        }
    }

    /// A digital-help session in Cayenne, on its own.
    fn cayenne_session() -> IcalEvent {
        IcalEvent {
            uid: "https://cayenne.example/events/3".to_owned(),
            url: None,
            title: "Démarches en ligne".to_owned(),
            description: String::new(),
            location: None,
            geo: None,
            schedule: Schedule {
                start: local("2025-11-05 09:00"),
                end: local("2025-11-05 12:00"),
                all_day: false,
                time_zone: America::Cayenne,
                recurrence: None,
                exceptions: vec![],
            },
            status: Status::Confirmed,
            sequence: 0,
            created: instant("2025-10-01T12:00:00Z"),
            updated: instant("2025-10-01T12:00:00Z"),
            categories: vec![],
            organizer_name: None,
        }
    }

    /// The hub's open day: all of Saturday 14 June 2025.
    fn open_day() -> IcalEvent {
        IcalEvent {
            uid: "https://rodez.example/events/7".to_owned(),
            title: "Portes ouvertes".to_owned(),
            schedule: Schedule {
                start: local("2025-06-14 00:00"),
                end: local("2025-06-15 00:00"),
                all_day: true,
                time_zone: Europe::Paris,
                recurrence: None,
                exceptions: vec![],
            },
            ..cayenne_session()
        }
    }

    fn calendar(events: Vec<IcalEvent>) -> String {
        Calendar { name: "Agenda de Rodez".to_owned(), description: None, events }.to_ics()
    }

    /// The content lines of a document, unfolded.
    fn unfolded(ics: &str) -> Vec<String> {
        ics.replace("\r\n ", "").split("\r\n").map(str::to_owned).collect()
    }

    /// The unfolded lines between `BEGIN:{component}` and its `END`, first such component.
    fn component(ics: &str, component: &str) -> Vec<String> {
        let lines = unfolded(ics);
        let begin = lines.iter().position(|line| *line == format!("BEGIN:{component}")).expect("component present");
        let end =
            lines.iter().skip(begin).position(|line| *line == format!("END:{component}")).expect("component ends");
        lines[begin..=begin + end].to_vec()
    }

    fn count(ics: &str, line: &str) -> usize {
        unfolded(ics).iter().filter(|l| *l == line).count()
    }

    #[test]
    fn the_calendar_has_the_required_header_and_crlf_line_ends() {
        let ics = Calendar {
            name: "Agenda de Rodez, Aveyron".to_owned(),
            description: Some("Ateliers; permanences".to_owned()),
            events: vec![repair_cafe()],
        }
        .to_ics();
        assert!(ics.starts_with(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Maillage//Maillage//FR\r\nCALSCALE:GREGORIAN\r\nMETHOD:PUBLISH\r\n"
        ));
        assert!(ics.ends_with("END:VEVENT\r\nEND:VCALENDAR\r\n"));
        assert_eq!(ics.matches('\n').count(), ics.matches("\r\n").count(), "no bare LF");
        assert_eq!(ics.matches('\r').count(), ics.matches("\r\n").count(), "no bare CR");
        let lines = unfolded(&ics);
        for expected in [
            "NAME:Agenda de Rodez\\, Aveyron",
            "X-WR-CALNAME:Agenda de Rodez\\, Aveyron",
            "X-WR-CALDESC:Ateliers\\; permanences",
            "X-WR-TIMEZONE:Europe/Paris",
        ] {
            assert!(lines.iter().any(|line| line == expected), "{expected} missing from\n{ics}");
        }
    }

    #[test]
    fn text_values_are_escaped() {
        assert_eq!(escape_text("a\\b;c,d"), "a\\\\b\\;c\\,d");
        assert_eq!(escape_text("ligne 1\nligne 2\r\nligne 3\rfin"), "ligne 1\\nligne 2\\nligne 3\\nfin");
        assert_eq!(escape_text("tab\there\u{7}\u{0}\u{85}"), "tab\there");
        assert_eq!(escape_text("Médiathèque « Jean Moulin »"), "Médiathèque « Jean Moulin »");
    }

    #[test]
    fn long_french_text_is_folded_at_75_octets_without_splitting_characters() {
        let mut event = repair_cafe();
        event.description = "Atelier d'initiation à l'ordinateur : créer une adresse électronique, \
            déclarer ses impôts, prendre rendez-vous chez le médecin, échanger avec la CAF ; \
            ouvert à tous, débutants bienvenus. Café, thé et gâteaux offerts — n'hésitez pas, \
            venez nombreux ! Prévoir vos identifiants : France Connect, Ameli, impots.gouv.fr."
            .repeat(3);
        let ics = calendar(vec![event.clone()]);
        let physical: Vec<&str> = ics.split("\r\n").collect();
        for line in &physical {
            assert!(line.len() <= 75, "{} octets: {line}", line.len());
        }
        assert!(physical.iter().filter(|line| line.starts_with(' ')).count() > 5);
        let expected = format!("DESCRIPTION:{}", escape_text(&event.description));
        assert!(unfolded(&ics).contains(&expected), "unfolding restores the line exactly");

        // A two-octet character that would end at octet 76 goes to the next line whole.
        let mut lines = Lines::default();
        lines.line(&format!("{}é{}", "a".repeat(74), "b".repeat(80)));
        let physical: Vec<&str> = lines.0.split("\r\n").collect();
        assert_eq!(physical[0], "a".repeat(74));
        assert!(physical[1].starts_with(" éb"));
        assert_eq!(physical[1].len(), 75);
    }

    #[test]
    fn paris_gets_a_time_zone_with_standard_and_daylight_time() {
        let ics = calendar(vec![repair_cafe()]);
        let zone = component(&ics, "VTIMEZONE");
        assert_eq!(zone[1], "TZID:Europe/Paris");
        let daylight = component(&ics, "DAYLIGHT");
        assert_eq!(
            daylight,
            [
                "BEGIN:DAYLIGHT",
                "DTSTART:20250330T020000",
                "TZOFFSETFROM:+0100",
                "TZOFFSETTO:+0200",
                "TZNAME:CEST",
                "END:DAYLIGHT"
            ]
        );
        let lines = zone.join("\n");
        assert!(
            lines.contains(
                "BEGIN:STANDARD\nDTSTART:20251026T030000\nTZOFFSETFROM:+0200\nTZOFFSETTO:+0100\nTZNAME:CET\n"
            )
        );
        // The events run until June 2026: the span is 2025–2026, spelt out without rules.
        assert!(lines.contains("DTSTART:20260329T020000") && lines.contains("DTSTART:20261025T030000"));
        assert!(!lines.contains("RRULE") && !lines.contains("DTSTART:2027"));
        assert_eq!(count(&ics, "BEGIN:VTIMEZONE"), 1);
    }

    #[test]
    fn cayenne_gets_one_standard_observance() {
        // No TZNAME: the IANA name is numeric (`-03`), which chrono-tz does not give as one.
        let ics = calendar(vec![cayenne_session()]);
        let zone = component(&ics, "VTIMEZONE");
        assert_eq!(
            zone,
            [
                "BEGIN:VTIMEZONE",
                "TZID:America/Cayenne",
                "BEGIN:STANDARD",
                "DTSTART:20250101T000000",
                "TZOFFSETFROM:-0300",
                "TZOFFSETTO:-0300",
                "END:STANDARD",
                "END:VTIMEZONE"
            ]
        );
        assert!(unfolded(&ics).contains(&"X-WR-TIMEZONE:America/Cayenne".to_owned()));
    }

    #[test]
    fn one_time_zone_per_zone_used_and_no_shared_zone_name_when_they_differ() {
        let ics = calendar(vec![repair_cafe(), cayenne_session(), repair_cafe()]);
        assert_eq!(count(&ics, "BEGIN:VTIMEZONE"), 2);
        assert_eq!(count(&ics, "TZID:America/Cayenne"), 1);
        assert_eq!(count(&ics, "TZID:Europe/Paris"), 1);
        assert!(!ics.contains("X-WR-TIMEZONE"));
    }

    #[test]
    fn an_event_without_end_gets_yearly_rules_in_its_time_zone() {
        let mut weekly = repair_cafe();
        weekly.schedule.recurrence = Some(Recurrence {
            frequency: Frequency::Weekly { weekdays: vec![] },
            interval: 1,
            end: RecurrenceEnd::Never,
        });
        let ics = calendar(vec![weekly]);
        let zone = component(&ics, "VTIMEZONE").join("\n");
        // 2025 to 2027 spelt out, then the rules carry on from the last changes.
        assert!(zone.contains("DTSTART:20270328T020000\nTZOFFSETFROM:+0100\nTZOFFSETTO:+0200\nTZNAME:CEST\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\n"));
        assert!(zone.contains("DTSTART:20271031T030000\nTZOFFSETFROM:+0200\nTZOFFSETTO:+0100\nTZNAME:CET\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\n"));
        assert_eq!(zone.matches("RRULE").count(), 2);
    }

    #[test]
    fn new_york_rules_use_the_nth_sunday() {
        let mut event = cayenne_session();
        event.schedule.time_zone = America::New_York;
        event.schedule.recurrence = Some(Recurrence {
            frequency: Frequency::Weekly { weekdays: vec![] },
            interval: 1,
            end: RecurrenceEnd::Never,
        });
        let zone = component(&calendar(vec![event]), "VTIMEZONE").join("\n");
        assert!(zone.contains("RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU"), "{zone}");
        assert!(zone.contains("RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU"), "{zone}");
        assert!(zone.contains("DTSTART:20250309T020000\nTZOFFSETFROM:-0500\nTZOFFSETTO:-0400\nTZNAME:EDT"));
    }

    #[test]
    fn a_recurring_event_is_written_with_its_rule_and_exceptions() {
        let ics = calendar(vec![repair_cafe()]);
        assert_eq!(
            component(&ics, "VEVENT"),
            [
                "BEGIN:VEVENT",
                "UID:https://rodez.example/events/12",
                "DTSTAMP:20250915T103000Z",
                "CREATED:20250901T080000Z",
                "LAST-MODIFIED:20250915T103000Z",
                "SEQUENCE:2",
                "DTSTART;TZID=Europe/Paris:20251014T180000",
                "DTEND;TZID=Europe/Paris:20251014T200000",
                "RRULE:FREQ=MONTHLY;BYDAY=2TU;UNTIL=20260630T215959Z",
                "EXDATE;TZID=Europe/Paris:20251111T180000",
                "STATUS:CONFIRMED",
                "SUMMARY:Repair café numérique",
                "DESCRIPTION:Apportez votre ordinateur\\; on répare ensemble\\, entre voisins.\\nGratuit.",
                "LOCATION:Médiathèque Jean Moulin\\, Rodez",
                "GEO:44.350000;2.575000",
                "URL:https://rodez.example/events/12",
                "CATEGORIES:atelier,réparation\\, vélo",
                "END:VEVENT",
            ]
        );
    }

    #[test]
    fn cancelled_and_postponed_events_say_so() {
        let mut cancelled = cayenne_session();
        cancelled.status = Status::Cancelled;
        cancelled.sequence = 3;
        let ics = calendar(vec![cancelled]);
        assert_eq!(count(&ics, "STATUS:CANCELLED"), 1);
        assert_eq!(count(&ics, "SEQUENCE:3"), 1);
        let mut postponed = cayenne_session();
        postponed.status = Status::Postponed;
        assert_eq!(count(&calendar(vec![postponed]), "STATUS:TENTATIVE"), 1);
    }

    #[test]
    fn all_day_events_use_dates_with_an_exclusive_end_and_need_no_time_zone() {
        let ics = calendar(vec![open_day()]);
        let event = component(&ics, "VEVENT");
        assert!(event.contains(&"DTSTART;VALUE=DATE:20250614".to_owned()));
        assert!(event.contains(&"DTEND;VALUE=DATE:20250615".to_owned()));
        assert!(!ics.contains("VTIMEZONE"));

        let mut market = open_day();
        market.schedule.recurrence = Some(Recurrence {
            frequency: Frequency::Weekly { weekdays: vec![Weekday::Sat] },
            interval: 1,
            end: RecurrenceEnd::Until(date("2025-08-30")),
        });
        market.schedule.exceptions = vec![date("2025-08-16"), date("2025-07-12")];
        let event = component(&calendar(vec![market]), "VEVENT");
        assert!(event.contains(&"RRULE:FREQ=WEEKLY;BYDAY=SA;UNTIL=20250830".to_owned()));
        assert!(event.contains(&"EXDATE;VALUE=DATE:20250712,20250816".to_owned()));
    }

    #[test]
    fn unusable_values_are_left_out_rather_than_written_wrong() {
        let mut event = cayenne_session();
        event.geo = Some((f64::NAN, 2.0));
        event.url = Some("https://example.org/un événement".to_owned());
        event.location = Some("  ".to_owned());
        event.categories = vec![String::new()];
        event.organizer_name = Some("Alice".to_owned());
        event.schedule.end = event.schedule.start;
        let lines = component(&calendar(vec![event]), "VEVENT");
        for absent in ["GEO", "URL", "LOCATION", "CATEGORIES", "ORGANIZER", "DESCRIPTION", "DTEND"] {
            assert!(!lines.iter().any(|line| line.starts_with(absent)), "{absent} written: {lines:?}");
        }
    }

    #[test]
    fn utc_offsets_are_written_as_rfc_5545_asks() {
        let offset = |seconds| FixedOffset::east_opt(seconds).expect("offset");
        assert_eq!(utc_offset(offset(3600)), "+0100");
        assert_eq!(utc_offset(offset(-3 * 3600)), "-0300");
        assert_eq!(utc_offset(offset(0)), "+0000");
        assert_eq!(utc_offset(offset(-(9 * 3600 + 30 * 60))), "-0930");
        assert_eq!(utc_offset(offset(561)), "+000921");
    }
}
