//! An event's time: when it starts and ends, in which time zone, and how it repeats.
//!
//! Times are kept as the organiser typed them: local wall-clock times in the event's IANA time
//! zone. A weekly 09:30 meeting therefore stays at 09:30 across daylight-saving changes, and UTC
//! instants are derived only when needed (the database index, overlap queries, feeds).
//!
//! Recurrences are a small subset of RFC 5545 RRULE, the one our forms offer: every n weeks on
//! some weekdays, or every n months on the nth (or last) weekday. Expansion is our own bounded
//! iteration rather than a general RRULE engine: the subset is small, and owning it lets us
//! jump straight to the requested window and decide what happens at DST gaps.

use chrono::{
    DateTime, Datelike, Days, Months, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeDelta, TimeZone, Utc, Weekday,
};
use chrono_tz::Tz;
use maillage_core::error::{CoreError, Validation};

/// Field error code: the end is not after the start.
pub const END_BEFORE_START: &str = "error.end_before_start";
/// Field error code: a time zone name that is not in the IANA database (see [`parse_time_zone`]).
pub const UNKNOWN_TIMEZONE: &str = "error.unknown_timezone";
/// Field error code: a recurrence outside what we support (interval, count, until, nth).
pub const INVALID_RECURRENCE: &str = "error.invalid_recurrence";
/// Field error code: the start date is not one of the days the recurrence describes. RFC 5545
/// leaves such a set undefined (§3.8.5.3), so calendar clients would disagree about it.
pub const START_OUTSIDE_RECURRENCE: &str = "error.start_outside_recurrence";

/// Most occurrences a recurrence with a count may have.
pub const MAX_COUNT: u32 = 1000;
/// Largest interval, in weeks or months, between two periods of a recurrence.
pub const MAX_INTERVAL: u32 = 52;

/// When an event takes place.
///
/// `start` and `end` are local wall-clock times in `time_zone`. For an all-day event only their
/// dates count: `start` is the first day at 00:00 and `end` is the day *after* the last one at
/// 00:00, the exclusive end iCalendar uses for `DTEND;VALUE=DATE`. A one-day event on 14 June
/// therefore runs from 14 June 00:00 to 15 June 00:00.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    pub start: NaiveDateTime,
    pub end: NaiveDateTime,
    pub all_day: bool,
    pub time_zone: Tz,
    pub recurrence: Option<Recurrence>,
    /// Local dates on which a recurring event does not take place. Ignored without a recurrence.
    pub exceptions: Vec<NaiveDate>,
}

/// How an event repeats: the subset of RFC 5545 RRULE our forms offer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recurrence {
    pub frequency: Frequency,
    /// Every `interval` weeks or months, 1 to [`MAX_INTERVAL`].
    pub interval: u32,
    pub end: RecurrenceEnd,
}

/// Which days a recurrence falls on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frequency {
    /// On these weekdays of every `interval`-th week, weeks starting on Monday. Empty means the
    /// weekday of the start.
    Weekly { weekdays: Vec<Weekday> },
    /// On the `nth` `weekday` of every `interval`-th month: `nth` is 1 to 4, or -1 for the last.
    MonthlyByWeekday { nth: i8, weekday: Weekday },
}

/// When a recurrence stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecurrenceEnd {
    Never,
    /// The last local date an occurrence may start on, inclusive.
    Until(NaiveDate),
    /// This many occurrences, counted before exceptions are removed (as RFC 5545 counts).
    Count(u32),
}

/// One occurrence of an event, in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Occurrence {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// An RRULE outside the subset we support, with what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unsupported recurrence rule: {0}")]
pub struct RecurrenceError(String);

impl From<RecurrenceError> for CoreError {
    fn from(_: RecurrenceError) -> CoreError {
        CoreError::invalid("recurrence", INVALID_RECURRENCE)
    }
}

/// The time zone named `name` (`Europe/Paris`), if the IANA database knows it. Callers refuse
/// unknown names with [`UNKNOWN_TIMEZONE`].
pub fn parse_time_zone(name: &str) -> Option<Tz> {
    name.trim().parse().ok()
}

/// The UTC instant of a local wall-clock time in `tz`.
///
/// A time that does not exist (skipped when clocks spring forward) is read with the offset in
/// force before the gap, which moves it forward by the gap's length: 02:30 on the night clocks
/// go from 02:00 to 03:00 becomes 03:30 (RFC 5545 §3.3.5 says the same). A time that happens
/// twice (when clocks fall back) is taken at its first, earlier, occurrence.
pub fn to_utc(local: NaiveDateTime, tz: Tz) -> DateTime<Utc> {
    if let Some(time) = tz.from_local_datetime(&local).earliest() {
        return time.with_timezone(&Utc);
    }
    // A day earlier is before the gap: no zone changes its offset twice within a day.
    let probe = local.checked_sub_signed(TimeDelta::days(1)).unwrap_or(local);
    let offset = tz.offset_from_utc_datetime(&probe).fix();
    let utc = local.checked_sub_signed(TimeDelta::seconds(offset.local_minus_utc().into())).unwrap_or(local);
    utc.and_utc()
}

impl Schedule {
    /// Refuses an end that is not after the start, and a recurrence we do not support.
    pub fn check(&self) -> Result<(), CoreError> {
        let mut validation = Validation::new();
        let ends_after_start = if self.all_day { self.end.date() > self.start.date() } else { self.end > self.start };
        validation.check(!ends_after_start, "end", END_BEFORE_START);
        if let Some(rule) = &self.recurrence {
            let until_ok = match rule.end {
                RecurrenceEnd::Until(until) => until >= self.start.date(),
                _ => true,
            };
            if rule.problem().is_some() || !until_ok {
                validation.push("recurrence", INVALID_RECURRENCE);
            } else if !rule.falls_on(self.start.date()) {
                validation.push("start", START_OUTSIDE_RECURRENCE);
            }
        }
        validation.finish()
    }

    /// The occurrences overlapping `[from, to)`, in order, at most `limit` of them.
    ///
    /// Each occurrence starts at the event's local time of day, whatever the UTC offset that day,
    /// and lasts as long on the wall clock as the first one. Occurrences on an exception date are
    /// skipped. The work done is bounded by the window and `limit`, even for a rule without end.
    pub fn occurrences(&self, from: DateTime<Utc>, to: DateTime<Utc>, limit: usize) -> Vec<Occurrence> {
        let mut found = Vec::new();
        if limit == 0 || from >= to {
            return found;
        }
        for local_start in self.local_starts(self.scan_start(from)) {
            let occurrence = self.occurrence_at(local_start);
            if occurrence.start >= to {
                break;
            }
            if occurrence.end > from || occurrence.start >= from {
                found.push(occurrence);
                if found.len() >= limit {
                    break;
                }
            }
        }
        found
    }

    /// The start of the first occurrence and the end of the last one, `None` when the event
    /// repeats without end: what the database indexes an event by.
    pub fn first_and_last(&self) -> (DateTime<Utc>, Option<DateTime<Utc>>) {
        let own = self.occurrence_at(self.start);
        let Some(rule) = &self.recurrence else {
            return (own.start, Some(own.end));
        };
        // When exceptions remove every occurrence, the event's own dates still index it.
        let first = self.local_starts(self.start.date()).next().map_or(own, |start| self.occurrence_at(start));
        let last_start = match rule.end {
            RecurrenceEnd::Never => return (first.start, None),
            RecurrenceEnd::Count(_) => self.local_starts(self.start.date()).last(),
            RecurrenceEnd::Until(until) => {
                // Going back one period more than there are exceptions is enough to meet an
                // occurrence that is not one, and keeps a far `until` cheap.
                let periods = u32::try_from(self.exceptions.len()).unwrap_or(u32::MAX).saturating_add(2);
                let back = rule.interval.max(1).saturating_mul(periods);
                let not_before = match rule.frequency {
                    Frequency::Weekly { .. } => until.checked_sub_days(Days::new(7 * u64::from(back))),
                    Frequency::MonthlyByWeekday { .. } => until.checked_sub_months(Months::new(back)),
                };
                self.local_starts(not_before.unwrap_or(self.start.date())).last()
            }
        };
        (first.start, Some(last_start.map_or(own, |start| self.occurrence_at(start)).end))
    }

    /// Wall-clock length of one occurrence.
    fn local_duration(&self) -> TimeDelta {
        if self.all_day {
            i64::try_from(self.all_day_days()).ok().and_then(TimeDelta::try_days).unwrap_or(TimeDelta::MAX)
        } else {
            (self.end - self.start).max(TimeDelta::zero())
        }
    }

    /// Number of days an all-day occurrence covers, at least one.
    fn all_day_days(&self) -> u64 {
        (self.end.date() - self.start.date()).num_days().max(1).unsigned_abs()
    }

    /// A local date early enough that no occurrence starting before it can reach `from`.
    fn scan_start(&self, from: DateTime<Utc>) -> NaiveDate {
        let from_local = from.with_timezone(&self.time_zone).naive_local();
        // Two days of slack cover any UTC offset change and a start moved by a DST gap.
        let reach = self.local_duration().checked_add(&TimeDelta::days(2)).unwrap_or(TimeDelta::MAX);
        from_local.checked_sub_signed(reach).map_or(NaiveDate::MIN, |time| time.date())
    }

    /// The occurrence starting at `local_start` on the wall clock.
    fn occurrence_at(&self, local_start: NaiveDateTime) -> Occurrence {
        let tz = self.time_zone;
        if self.all_day {
            let first = local_start.date();
            let after_last = first.checked_add_days(Days::new(self.all_day_days())).unwrap_or(first);
            return Occurrence {
                start: to_utc(first.and_time(NaiveTime::MIN), tz),
                end: to_utc(after_last.and_time(NaiveTime::MIN), tz),
            };
        }
        let start = to_utc(local_start, tz);
        // A start moved forward by a DST gap takes its end along, so the event keeps its length.
        let actual_start = start.with_timezone(&tz).naive_local();
        let end = actual_start.checked_add_signed(self.local_duration()).map_or(start, |end| to_utc(end, tz));
        Occurrence { start, end }
    }

    /// Local starts of the occurrences, exceptions removed, in order, beginning with the first
    /// period that can hold a date on or after `not_before` (earlier ones may come too).
    fn local_starts(&self, not_before: NaiveDate) -> Box<dyn Iterator<Item = NaiveDateTime> + '_> {
        match &self.recurrence {
            None => Box::new(std::iter::once(self.start)),
            Some(rule) => Box::new(
                // Exceptions are distinct dates, so at most `exceptions.len()` are skipped.
                self.rule_starts(rule, not_before).filter(|start| !self.exceptions.contains(&start.date())),
            ),
        }
    }

    /// Local starts the rule generates, exceptions included.
    fn rule_starts(&self, rule: &Recurrence, not_before: NaiveDate) -> impl Iterator<Item = NaiveDateTime> + use<> {
        let first = self.start.date();
        let time = if self.all_day { NaiveTime::MIN } else { self.start.time() };
        let interval = rule.interval.max(1);
        // A count is counted from the first occurrence, so only an open or dated rule may skip ahead.
        let skip_to = match rule.end {
            RecurrenceEnd::Count(_) => first,
            _ => not_before.max(first),
        };
        let periods: Box<dyn Iterator<Item = Vec<NaiveDate>>> = match &rule.frequency {
            Frequency::Weekly { weekdays } => {
                let offsets: Vec<u64> =
                    sorted_weekdays(weekdays, first).iter().map(|day| day.num_days_from_monday().into()).collect();
                let back_to_monday = Days::new(first.weekday().num_days_from_monday().into());
                let monday = first.checked_sub_days(back_to_monday).unwrap_or(first);
                let step = 7 * u64::from(interval);
                let skip = (skip_to - monday).num_days().unsigned_abs() / step;
                Box::new((skip..).map_while(move |period| {
                    let week = monday.checked_add_days(Days::new(period.checked_mul(step)?))?;
                    Some(offsets.iter().filter_map(|offset| week.checked_add_days(Days::new(*offset))).collect())
                }))
            }
            Frequency::MonthlyByWeekday { nth, weekday } => {
                let (nth, weekday) = (*nth, *weekday);
                let month_index = |date: NaiveDate| i64::from(date.year()) * 12 + i64::from(date.month0());
                let (first_month, step) = (month_index(first), i64::from(interval));
                let skip = (month_index(skip_to) - first_month) / step;
                if !(1..=4).contains(&nth) && !(-4..=-1).contains(&nth) {
                    // Some months lack such a day: generating nothing is safer than searching.
                    Box::new(std::iter::empty())
                } else {
                    Box::new((skip..).map_while(move |period| {
                        let month = first_month.checked_add(period.checked_mul(step)?)?;
                        let year = i32::try_from(month.div_euclid(12)).ok()?;
                        let month = u32::try_from(month.rem_euclid(12)).ok()? + 1;
                        Some(vec![nth_weekday(year, month, nth, weekday)?])
                    }))
                }
            }
        };
        let until = match rule.end {
            RecurrenceEnd::Until(until) => Some(until),
            _ => None,
        };
        let count = match rule.end {
            RecurrenceEnd::Count(count) => count.min(MAX_COUNT).try_into().unwrap_or(usize::MAX),
            _ => usize::MAX,
        };
        periods
            .flatten()
            .filter(move |date| *date >= first)
            .take_while(move |date| until.is_none_or(|until| *date <= until))
            .take(count)
            .map(move |date| date.and_time(time))
    }
}

impl Recurrence {
    /// The RRULE value (without `RRULE:`) for this recurrence of `schedule`:
    /// `FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH;UNTIL=20251231T225959Z`.
    ///
    /// `UNTIL` is the end of the last local day, in UTC since `DTSTART` carries a `TZID`, or a
    /// plain date for an all-day event, as RFC 5545 §3.3.10 requires.
    pub fn to_rrule(&self, schedule: &Schedule) -> String {
        let mut parts = Vec::new();
        match &self.frequency {
            Frequency::Weekly { weekdays } => {
                parts.push("FREQ=WEEKLY".to_owned());
                if self.interval != 1 {
                    parts.push(format!("INTERVAL={}", self.interval));
                }
                if !weekdays.is_empty() {
                    let days: Vec<&str> =
                        sorted_weekdays(weekdays, schedule.start.date()).into_iter().map(day_code).collect();
                    parts.push(format!("BYDAY={}", days.join(",")));
                }
            }
            Frequency::MonthlyByWeekday { nth, weekday } => {
                parts.push("FREQ=MONTHLY".to_owned());
                if self.interval != 1 {
                    parts.push(format!("INTERVAL={}", self.interval));
                }
                parts.push(format!("BYDAY={nth}{}", day_code(*weekday)));
            }
        }
        match self.end {
            RecurrenceEnd::Never => {}
            RecurrenceEnd::Count(count) => parts.push(format!("COUNT={count}")),
            RecurrenceEnd::Until(until) if schedule.all_day => parts.push(format!("UNTIL={}", until.format("%Y%m%d"))),
            RecurrenceEnd::Until(until) => {
                let last_second = until.and_time(NaiveTime::from_hms_opt(23, 59, 59).unwrap_or(NaiveTime::MIN));
                let utc = to_utc(last_second, schedule.time_zone);
                parts.push(format!("UNTIL={}", utc.format("%Y%m%dT%H%M%SZ")));
            }
        }
        parts.join(";")
    }

    /// Reads an RRULE value that [`Recurrence::to_rrule`] could have written; `time_zone` is the
    /// event's, to turn a UTC `UNTIL` back into a local date. Anything else is refused, saying
    /// what is not supported.
    pub fn parse(rrule: &str, time_zone: Tz) -> Result<Recurrence, RecurrenceError> {
        let refuse = |why: String| Err(RecurrenceError(why));
        let body = rrule.trim();
        let body = body.strip_prefix("RRULE:").unwrap_or(body);
        let (mut freq, mut interval, mut byday, mut until, mut count, mut wkst) = (None, None, None, None, None, None);
        for part in body.split(';').filter(|part| !part.trim().is_empty()) {
            let Some((name, value)) = part.split_once('=') else {
                return refuse(format!("`{part}` is not NAME=VALUE"));
            };
            let (name, value) = (name.trim().to_ascii_uppercase(), value.trim().to_ascii_uppercase());
            let slot = match name.as_str() {
                "FREQ" => &mut freq,
                "INTERVAL" => &mut interval,
                "BYDAY" => &mut byday,
                "UNTIL" => &mut until,
                "COUNT" => &mut count,
                "WKST" => &mut wkst,
                _ => return refuse(format!("{name} is not supported")),
            };
            if slot.replace(value).is_some() {
                return refuse(format!("{name} is given twice"));
            }
        }
        if wkst.as_deref().is_some_and(|day| day != "MO") {
            return refuse("only weeks starting on Monday (WKST=MO) are supported".to_owned());
        }
        let interval = match interval {
            None => 1,
            Some(value) => match value.parse() {
                Ok(number) => number,
                Err(_) => return refuse(format!("INTERVAL={value} is not a number")),
            },
        };
        let frequency = match freq.as_deref() {
            Some("WEEKLY") => {
                let mut weekdays = Vec::new();
                for code in byday.iter().flat_map(|list| list.split(',')) {
                    match parse_day_code(code) {
                        Some(day) => weekdays.push(day),
                        None => return refuse(format!("BYDAY={code} is not a weekday")),
                    }
                }
                Frequency::Weekly { weekdays }
            }
            Some("MONTHLY") => {
                let Some(value) = byday else {
                    return refuse("a monthly rule needs BYDAY such as 2TU or -1FR".to_owned());
                };
                // `2TU`, `+2TU` or `-1FR`: a signed number, then a weekday code.
                let parsed = value.len().checked_sub(2).and_then(|split| {
                    Some((value.get(..split)?.parse::<i8>().ok()?, parse_day_code(value.get(split..)?)?))
                });
                match parsed {
                    Some((nth, weekday)) => Frequency::MonthlyByWeekday { nth, weekday },
                    None => return refuse(format!("BYDAY={value} is not one nth weekday such as 2TU or -1FR")),
                }
            }
            Some(other) => return refuse(format!("FREQ={other} is not supported (only WEEKLY and MONTHLY)")),
            None => return refuse("FREQ is missing".to_owned()),
        };
        let end = match (until, count) {
            (Some(_), Some(_)) => return refuse("UNTIL and COUNT cannot both be given".to_owned()),
            (Some(value), None) => match parse_until(&value, time_zone) {
                Some(date) => RecurrenceEnd::Until(date),
                None => return refuse(format!("UNTIL={value} is neither a date nor a UTC date-time")),
            },
            (None, Some(value)) => match value.parse() {
                Ok(number) => RecurrenceEnd::Count(number),
                Err(_) => return refuse(format!("COUNT={value} is not a number")),
            },
            (None, None) => RecurrenceEnd::Never,
        };
        let recurrence = Recurrence { frequency, interval, end };
        match recurrence.problem() {
            Some(problem) => refuse(problem.to_owned()),
            None => Ok(recurrence),
        }
    }

    /// What makes this recurrence unsupported, if anything (`until` is checked by the schedule).
    fn problem(&self) -> Option<&'static str> {
        if !(1..=MAX_INTERVAL).contains(&self.interval) {
            return Some("INTERVAL must be between 1 and 52");
        }
        if let RecurrenceEnd::Count(count) = self.end
            && !(1..=MAX_COUNT).contains(&count)
        {
            return Some("COUNT must be between 1 and 1000");
        }
        if let Frequency::MonthlyByWeekday { nth, .. } = self.frequency
            && !(1..=4).contains(&nth)
            && nth != -1
        {
            return Some("the nth weekday must be 1 to 4, or -1 for the last");
        }
        None
    }

    /// Whether `date` is one of the days this recurrence describes (ignoring interval and end).
    fn falls_on(&self, date: NaiveDate) -> bool {
        match &self.frequency {
            Frequency::Weekly { weekdays } => weekdays.is_empty() || weekdays.contains(&date.weekday()),
            Frequency::MonthlyByWeekday { nth, weekday } => {
                nth_weekday(date.year(), date.month(), *nth, *weekday) == Some(date)
            }
        }
    }
}

/// The weekdays of a weekly rule, Monday first, each once; the start's weekday when none.
fn sorted_weekdays(weekdays: &[Weekday], start: NaiveDate) -> Vec<Weekday> {
    let mut days = if weekdays.is_empty() { vec![start.weekday()] } else { weekdays.to_vec() };
    days.sort_by_key(|day| day.num_days_from_monday());
    days.dedup();
    days
}

/// The `nth` `weekday` of a month (negative `nth` counts from the end), if the month has one.
pub(crate) fn nth_weekday(year: i32, month: u32, nth: i8, weekday: Weekday) -> Option<NaiveDate> {
    if nth > 0 {
        return NaiveDate::from_weekday_of_month_opt(year, month, weekday, u8::try_from(nth).ok()?);
    }
    let next_month =
        if month == 12 { NaiveDate::from_ymd_opt(year + 1, 1, 1) } else { NaiveDate::from_ymd_opt(year, month + 1, 1) };
    let last_day = next_month?.pred_opt()?;
    let back = (7 + last_day.weekday().num_days_from_monday() - weekday.num_days_from_monday()) % 7;
    let weeks_back = u64::from(nth.unsigned_abs()).checked_sub(1)?;
    let date = last_day.checked_sub_days(Days::new(u64::from(back) + 7 * weeks_back))?;
    (date.month() == month).then_some(date)
}

/// RFC 5545 two-letter weekday code.
pub(crate) fn day_code(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "MO",
        Weekday::Tue => "TU",
        Weekday::Wed => "WE",
        Weekday::Thu => "TH",
        Weekday::Fri => "FR",
        Weekday::Sat => "SA",
        Weekday::Sun => "SU",
    }
}

fn parse_day_code(code: &str) -> Option<Weekday> {
    [Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri, Weekday::Sat, Weekday::Sun]
        .into_iter()
        .find(|day| day_code(*day) == code.trim())
}

/// `UNTIL` as a local date: `YYYYMMDD`, or `YYYYMMDDTHHMMSSZ` read in `tz`.
fn parse_until(value: &str, tz: Tz) -> Option<NaiveDate> {
    let number = |range: std::ops::Range<usize>| value.get(range)?.parse::<u32>().ok();
    if !value.bytes().all(|byte| byte.is_ascii_digit() || byte == b'T' || byte == b'Z') {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(i32::try_from(number(0..4)?).ok()?, number(4..6)?, number(6..8)?)?;
    match value.len() {
        8 => Some(date),
        16 if value.get(8..9)? == "T" && value.ends_with('Z') => {
            let time = NaiveTime::from_hms_opt(number(9..11)?, number(11..13)?, number(13..15)?)?;
            Some(date.and_time(time).and_utc().with_timezone(&tz).date_naive())
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Weekday::{Fri, Sun, Thu, Tue, Wed};
    use chrono_tz::{America, Europe, Indian};

    fn local(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").expect("test date-time")
    }

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("test date")
    }

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).expect("test instant").with_timezone(&Utc)
    }

    fn weekly(weekdays: &[Weekday], interval: u32, end: RecurrenceEnd) -> Recurrence {
        Recurrence { frequency: Frequency::Weekly { weekdays: weekdays.to_vec() }, interval, end }
    }

    fn monthly(nth: i8, weekday: Weekday, interval: u32, end: RecurrenceEnd) -> Recurrence {
        Recurrence { frequency: Frequency::MonthlyByWeekday { nth, weekday }, interval, end }
    }

    fn timed(start: &str, end: &str, time_zone: Tz, recurrence: Option<Recurrence>) -> Schedule {
        Schedule { start: local(start), end: local(end), all_day: false, time_zone, recurrence, exceptions: vec![] }
    }

    /// Occurrences as `start/end` in UTC, short enough to read in an assertion.
    fn spans(occurrences: &[Occurrence]) -> Vec<String> {
        occurrences
            .iter()
            .map(|o| format!("{}/{}", o.start.format("%Y-%m-%d %H:%MZ"), o.end.format("%H:%MZ")))
            .collect()
    }

    fn window(schedule: &Schedule, from: &str, to: &str) -> Vec<String> {
        spans(&schedule.occurrences(utc(from), utc(to), 100))
    }

    fn refused_codes(schedule: &Schedule) -> Vec<(String, String)> {
        match schedule.check() {
            Ok(()) => vec![],
            Err(CoreError::Invalid(fields)) => fields.into_iter().map(|f| (f.field, f.code)).collect(),
            Err(other) => panic!("unexpected error {other:?}"),
        }
    }

    /// The weekly digital-help drop-in: Thursdays 09:30–11:30 at the Paris hub.
    fn thursday_drop_in(first: &str) -> Schedule {
        let end = format!("{} 11:30", &first[..10]);
        timed(first, &end, Europe::Paris, Some(weekly(&[Thu], 1, RecurrenceEnd::Never)))
    }

    #[test]
    fn weekly_paris_event_stays_at_0930_when_summer_time_ends() {
        let drop_in = thursday_drop_in("2025-10-16 09:30");
        assert_eq!(
            window(&drop_in, "2025-10-01T00:00:00Z", "2025-11-07T00:00:00Z"),
            [
                "2025-10-16 07:30Z/09:30Z",
                "2025-10-23 07:30Z/09:30Z",
                // Sunday 26 October 2025: clocks go back, 09:30 is now UTC+1.
                "2025-10-30 08:30Z/10:30Z",
                "2025-11-06 08:30Z/10:30Z",
            ]
        );
    }

    #[test]
    fn weekly_paris_event_stays_at_0930_when_summer_time_starts() {
        let drop_in = thursday_drop_in("2026-03-19 09:30");
        assert_eq!(
            window(&drop_in, "2026-03-01T00:00:00Z", "2026-04-03T00:00:00Z"),
            ["2026-03-19 08:30Z/10:30Z", "2026-03-26 08:30Z/10:30Z", "2026-04-02 07:30Z/09:30Z"]
        );
    }

    #[test]
    fn a_start_in_the_spring_forward_gap_moves_forward_with_its_end() {
        // 02:30 does not exist in Paris on 29 March 2026: clocks jump from 02:00 to 03:00.
        let night_watch =
            timed("2026-03-22 02:30", "2026-03-22 03:30", Europe::Paris, Some(weekly(&[Sun], 1, RecurrenceEnd::Never)));
        assert_eq!(
            window(&night_watch, "2026-03-20T00:00:00Z", "2026-04-06T00:00:00Z"),
            [
                "2026-03-22 01:30Z/02:30Z",
                // Read as 03:30–04:30 summer time: still one hour long.
                "2026-03-29 01:30Z/02:30Z",
                "2026-04-05 00:30Z/01:30Z",
            ]
        );
    }

    #[test]
    fn an_ambiguous_start_when_clocks_fall_back_takes_the_earlier_instant() {
        // 02:30 happens twice in Paris on 26 October 2025; the first is 00:30Z.
        let night_watch =
            timed("2025-10-19 02:30", "2025-10-19 03:30", Europe::Paris, Some(weekly(&[Sun], 1, RecurrenceEnd::Never)));
        assert_eq!(
            window(&night_watch, "2025-10-18T00:00:00Z", "2025-11-03T00:00:00Z"),
            [
                "2025-10-19 00:30Z/01:30Z",
                // 02:30 summer time to 03:30 winter time: the wall clock says one hour, two pass.
                "2025-10-26 00:30Z/02:30Z",
                "2025-11-02 01:30Z/02:30Z",
            ]
        );
    }

    #[test]
    fn to_utc_handles_ordinary_missing_and_repeated_times() {
        assert_eq!(to_utc(local("2025-06-12 14:00"), Europe::Paris), utc("2025-06-12T12:00:00Z"));
        assert_eq!(to_utc(local("2025-12-12 14:00"), Europe::Paris), utc("2025-12-12T13:00:00Z"));
        assert_eq!(to_utc(local("2026-03-29 02:30"), Europe::Paris), utc("2026-03-29T01:30:00Z"));
        assert_eq!(to_utc(local("2026-03-29 02:00"), Europe::Paris), utc("2026-03-29T01:00:00Z"));
        assert_eq!(to_utc(local("2025-10-26 02:30"), Europe::Paris), utc("2025-10-26T00:30:00Z"));
        assert_eq!(to_utc(local("2025-10-26 03:00"), Europe::Paris), utc("2025-10-26T02:00:00Z"));
        // New York skips 02:00–03:00 on 9 March 2025: 02:15 is read at UTC-5.
        assert_eq!(to_utc(local("2025-03-09 02:15"), America::New_York), utc("2025-03-09T07:15:00Z"));
    }

    #[test]
    fn cayenne_has_no_summer_time() {
        let workshop = timed(
            "2025-03-05 18:00",
            "2025-03-05 20:00",
            America::Cayenne,
            Some(weekly(&[Wed], 1, RecurrenceEnd::Never)),
        );
        let march = window(&workshop, "2025-03-01T00:00:00Z", "2025-04-03T00:00:00Z");
        assert_eq!(
            march,
            [
                "2025-03-05 21:00Z/23:00Z",
                "2025-03-12 21:00Z/23:00Z",
                "2025-03-19 21:00Z/23:00Z",
                "2025-03-26 21:00Z/23:00Z",
                "2025-04-02 21:00Z/23:00Z"
            ]
        );
        assert_eq!(window(&workshop, "2025-10-29T00:00:00Z", "2025-10-30T00:00:00Z"), ["2025-10-29 21:00Z/23:00Z"]);
    }

    #[test]
    fn reunion_is_four_hours_ahead_all_year() {
        let workshop = timed(
            "2025-01-07 09:00",
            "2025-01-07 12:00",
            Indian::Reunion,
            Some(weekly(&[Tue], 1, RecurrenceEnd::Never)),
        );
        assert_eq!(window(&workshop, "2025-01-07T00:00:00Z", "2025-01-08T00:00:00Z"), ["2025-01-07 05:00Z/08:00Z"]);
        assert_eq!(window(&workshop, "2025-07-08T00:00:00Z", "2025-07-09T00:00:00Z"), ["2025-07-08 05:00Z/08:00Z"]);
    }

    #[test]
    fn every_two_weeks_on_tuesday_and_thursday() {
        let course = timed(
            "2025-10-07 14:00",
            "2025-10-07 16:00",
            Europe::Paris,
            Some(weekly(&[Thu, Tue], 2, RecurrenceEnd::Never)),
        );
        assert_eq!(
            window(&course, "2025-10-01T00:00:00Z", "2025-11-10T00:00:00Z"),
            [
                "2025-10-07 12:00Z/14:00Z",
                "2025-10-09 12:00Z/14:00Z",
                "2025-10-21 12:00Z/14:00Z",
                "2025-10-23 12:00Z/14:00Z",
                "2025-11-04 13:00Z/15:00Z",
                "2025-11-06 13:00Z/15:00Z",
            ]
        );
    }

    #[test]
    fn weekly_without_weekdays_repeats_on_the_start_weekday() {
        let course =
            timed("2025-10-08 10:00", "2025-10-08 11:00", Europe::Paris, Some(weekly(&[], 1, RecurrenceEnd::Count(3))));
        assert_eq!(
            window(&course, "2025-01-01T00:00:00Z", "2026-01-01T00:00:00Z"),
            ["2025-10-08 08:00Z/09:00Z", "2025-10-15 08:00Z/09:00Z", "2025-10-22 08:00Z/09:00Z"]
        );
    }

    #[test]
    fn monthly_on_the_second_tuesday() {
        let repair_cafe = timed(
            "2025-10-14 18:00",
            "2025-10-14 20:00",
            Europe::Paris,
            Some(monthly(2, Tue, 1, RecurrenceEnd::Never)),
        );
        assert_eq!(
            window(&repair_cafe, "2025-10-01T00:00:00Z", "2026-01-31T00:00:00Z"),
            [
                "2025-10-14 16:00Z/18:00Z",
                "2025-11-11 17:00Z/19:00Z",
                "2025-12-09 17:00Z/19:00Z",
                "2026-01-13 17:00Z/19:00Z"
            ]
        );
    }

    #[test]
    fn monthly_on_the_last_friday() {
        let meetup = timed(
            "2025-10-31 17:00",
            "2025-10-31 19:00",
            Europe::Paris,
            Some(monthly(-1, Fri, 1, RecurrenceEnd::Count(5))),
        );
        let starts: Vec<String> = meetup
            .occurrences(utc("2025-01-01T00:00:00Z"), utc("2027-01-01T00:00:00Z"), 100)
            .iter()
            .map(|o| o.start.with_timezone(&Europe::Paris).format("%a %Y-%m-%d %H:%M").to_string())
            .collect();
        assert_eq!(
            starts,
            [
                "Fri 2025-10-31 17:00",
                "Fri 2025-11-28 17:00",
                "Fri 2025-12-26 17:00",
                "Fri 2026-01-30 17:00",
                "Fri 2026-02-27 17:00"
            ]
        );
    }

    #[test]
    fn every_three_months_on_the_first_monday() {
        let council = timed(
            "2025-09-01 18:00",
            "2025-09-01 19:00",
            Europe::Paris,
            Some(monthly(1, Weekday::Mon, 3, RecurrenceEnd::Never)),
        );
        let dates: Vec<String> = council
            .occurrences(utc("2025-01-01T00:00:00Z"), utc("2026-12-31T00:00:00Z"), 100)
            .iter()
            .map(|o| o.start.with_timezone(&Europe::Paris).format("%Y-%m-%d").to_string())
            .collect();
        assert_eq!(dates, ["2025-09-01", "2025-12-01", "2026-03-02", "2026-06-01", "2026-09-07", "2026-12-07"]);
    }

    #[test]
    fn until_is_an_inclusive_local_date() {
        let course = timed(
            "2025-10-07 14:00",
            "2025-10-07 16:00",
            Europe::Paris,
            Some(weekly(&[Tue], 1, RecurrenceEnd::Until(date("2025-10-28")))),
        );
        assert_eq!(
            window(&course, "2025-01-01T00:00:00Z", "2026-12-31T00:00:00Z"),
            [
                "2025-10-07 12:00Z/14:00Z",
                "2025-10-14 12:00Z/14:00Z",
                "2025-10-21 12:00Z/14:00Z",
                "2025-10-28 13:00Z/15:00Z"
            ]
        );
        assert_eq!(course.first_and_last(), (utc("2025-10-07T12:00:00Z"), Some(utc("2025-10-28T15:00:00Z"))));
    }

    #[test]
    fn count_counts_occurrences_before_exceptions_are_removed() {
        let mut course = timed(
            "2025-10-07 14:00",
            "2025-10-07 16:00",
            Europe::Paris,
            Some(weekly(&[Tue], 1, RecurrenceEnd::Count(3))),
        );
        assert_eq!(window(&course, "2025-01-01T00:00:00Z", "2026-12-31T00:00:00Z").len(), 3);
        assert_eq!(course.first_and_last(), (utc("2025-10-07T12:00:00Z"), Some(utc("2025-10-21T14:00:00Z"))));
        course.exceptions = vec![date("2025-10-14")];
        assert_eq!(
            window(&course, "2025-01-01T00:00:00Z", "2026-12-31T00:00:00Z"),
            ["2025-10-07 12:00Z/14:00Z", "2025-10-21 12:00Z/14:00Z"]
        );
    }

    #[test]
    fn exceptions_skip_occurrences_by_local_date() {
        let mut drop_in = thursday_drop_in("2025-10-16 09:30");
        // The school holidays: no drop-in on 23 and 30 October.
        drop_in.exceptions = vec![date("2025-10-30"), date("2025-10-23")];
        assert_eq!(
            window(&drop_in, "2025-10-01T00:00:00Z", "2025-11-07T00:00:00Z"),
            ["2025-10-16 07:30Z/09:30Z", "2025-11-06 08:30Z/10:30Z"]
        );
    }

    #[test]
    fn exceptions_on_the_first_and_last_occurrences_move_the_index() {
        let mut course = timed(
            "2025-10-07 14:00",
            "2025-10-07 16:00",
            Europe::Paris,
            Some(weekly(&[Tue], 1, RecurrenceEnd::Until(date("2025-10-31")))),
        );
        course.exceptions = vec![date("2025-10-07"), date("2025-10-28"), date("2025-10-21")];
        assert_eq!(course.first_and_last(), (utc("2025-10-14T12:00:00Z"), Some(utc("2025-10-14T14:00:00Z"))));
    }

    #[test]
    fn an_event_without_end_is_bounded_by_the_limit_and_the_window() {
        let drop_in = thursday_drop_in("2025-10-16 09:30");
        assert_eq!(drop_in.first_and_last(), (utc("2025-10-16T07:30:00Z"), None));
        let century = drop_in.occurrences(utc("2025-01-01T00:00:00Z"), utc("2125-01-01T00:00:00Z"), 7);
        assert_eq!(century.len(), 7);
        assert_eq!(drop_in.occurrences(utc("2025-01-01T00:00:00Z"), utc("2125-01-01T00:00:00Z"), 0), []);
        assert_eq!(drop_in.occurrences(utc("2025-10-01T00:00:00Z"), utc("2025-10-16T07:30:00Z"), 10), []);
        assert_eq!(drop_in.occurrences(utc("2025-11-01T00:00:00Z"), utc("2025-10-01T00:00:00Z"), 10), []);
        // A window a century later is reached by jumping, not by walking every week.
        let later = drop_in.occurrences(utc("2125-06-01T00:00:00Z"), utc("2125-06-15T00:00:00Z"), 10);
        let local_starts: Vec<String> = later
            .iter()
            .map(|o| o.start.with_timezone(&Europe::Paris).format("%a %Y-%m-%d %H:%M").to_string())
            .collect();
        assert_eq!(local_starts, ["Thu 2125-06-07 09:30", "Thu 2125-06-14 09:30"]);
    }

    #[test]
    fn an_occurrence_already_under_way_overlaps_the_window() {
        let drop_in = thursday_drop_in("2025-10-16 09:30");
        assert_eq!(window(&drop_in, "2025-10-23T08:00:00Z", "2025-10-23T08:30:00Z"), ["2025-10-23 07:30Z/09:30Z"]);
        // Ending exactly at `from` is not overlapping.
        assert_eq!(window(&drop_in, "2025-10-23T09:30:00Z", "2025-10-24T00:00:00Z"), Vec::<String>::new());
    }

    #[test]
    fn a_single_event_has_one_occurrence() {
        let talk = timed("2025-06-12 14:00", "2025-06-12 16:00", Europe::Paris, None);
        assert_eq!(talk.first_and_last(), (utc("2025-06-12T12:00:00Z"), Some(utc("2025-06-12T14:00:00Z"))));
        assert_eq!(window(&talk, "2025-06-01T00:00:00Z", "2025-07-01T00:00:00Z"), ["2025-06-12 12:00Z/14:00Z"]);
        assert_eq!(window(&talk, "2025-07-01T00:00:00Z", "2025-08-01T00:00:00Z"), Vec::<String>::new());
    }

    #[test]
    fn all_day_events_cover_whole_local_days_with_an_exclusive_end() {
        let fair = Schedule {
            start: local("2025-06-14 00:00"),
            end: local("2025-06-15 00:00"),
            all_day: true,
            time_zone: Europe::Paris,
            recurrence: None,
            exceptions: vec![],
        };
        assert!(fair.check().is_ok());
        assert_eq!(fair.first_and_last(), (utc("2025-06-13T22:00:00Z"), Some(utc("2025-06-14T22:00:00Z"))));
        let festival = Schedule { end: local("2025-06-17 00:00"), ..fair.clone() };
        assert_eq!(festival.first_and_last(), (utc("2025-06-13T22:00:00Z"), Some(utc("2025-06-16T22:00:00Z"))));
        // The inclusive convention (end on the last day) is refused rather than read as empty.
        let inclusive = Schedule { end: local("2025-06-14 00:00"), ..fair.clone() };
        assert_eq!(refused_codes(&inclusive), [("end".to_owned(), END_BEFORE_START.to_owned())]);
    }

    #[test]
    fn recurring_all_day_events_keep_their_dates_across_summer_time() {
        let market = Schedule {
            start: local("2025-10-18 00:00"),
            end: local("2025-10-19 00:00"),
            all_day: true,
            time_zone: Europe::Paris,
            recurrence: Some(weekly(&[Weekday::Sat], 1, RecurrenceEnd::Until(date("2025-11-08")))),
            exceptions: vec![date("2025-11-01")],
        };
        assert!(market.check().is_ok());
        assert_eq!(
            spans(&market.occurrences(utc("2025-10-01T00:00:00Z"), utc("2025-12-01T00:00:00Z"), 10)),
            ["2025-10-17 22:00Z/22:00Z", "2025-10-24 22:00Z/22:00Z", "2025-11-07 23:00Z/23:00Z"]
        );
        assert_eq!(market.first_and_last(), (utc("2025-10-17T22:00:00Z"), Some(utc("2025-11-08T23:00:00Z"))));
        assert_eq!(
            market.recurrence.as_ref().map(|rule| rule.to_rrule(&market)).as_deref(),
            Some("FREQ=WEEKLY;BYDAY=SA;UNTIL=20251108")
        );
    }

    #[test]
    fn check_accepts_a_good_schedule() {
        assert!(thursday_drop_in("2025-10-16 09:30").check().is_ok());
        let monthly_meetup = timed(
            "2025-10-31 17:00",
            "2025-10-31 19:00",
            Europe::Paris,
            Some(monthly(-1, Fri, 1, RecurrenceEnd::Count(1000))),
        );
        assert!(monthly_meetup.check().is_ok());
    }

    #[test]
    fn check_refuses_an_end_not_after_the_start() {
        let backwards = timed("2025-06-12 16:00", "2025-06-12 14:00", Europe::Paris, None);
        assert_eq!(refused_codes(&backwards), [("end".to_owned(), END_BEFORE_START.to_owned())]);
        let instant = timed("2025-06-12 16:00", "2025-06-12 16:00", Europe::Paris, None);
        assert_eq!(refused_codes(&instant), [("end".to_owned(), END_BEFORE_START.to_owned())]);
    }

    #[test]
    fn check_refuses_recurrences_we_do_not_support() {
        let invalid = [("recurrence".to_owned(), INVALID_RECURRENCE.to_owned())];
        let with = |rule: Recurrence| timed("2025-10-07 14:00", "2025-10-07 16:00", Europe::Paris, Some(rule));
        assert_eq!(refused_codes(&with(weekly(&[Tue], 0, RecurrenceEnd::Never))), invalid);
        assert_eq!(refused_codes(&with(weekly(&[Tue], 53, RecurrenceEnd::Never))), invalid);
        assert_eq!(refused_codes(&with(weekly(&[Tue], 1, RecurrenceEnd::Count(0)))), invalid);
        assert_eq!(refused_codes(&with(weekly(&[Tue], 1, RecurrenceEnd::Count(1001)))), invalid);
        assert_eq!(refused_codes(&with(weekly(&[Tue], 1, RecurrenceEnd::Until(date("2025-10-06"))))), invalid);
        assert_eq!(refused_codes(&with(monthly(5, Tue, 1, RecurrenceEnd::Never))), invalid);
        assert_eq!(refused_codes(&with(monthly(-2, Tue, 1, RecurrenceEnd::Never))), invalid);
        // 7 October 2025 is the first Tuesday, not the second; and not a Wednesday.
        let outside = [("start".to_owned(), START_OUTSIDE_RECURRENCE.to_owned())];
        assert_eq!(refused_codes(&with(monthly(2, Tue, 1, RecurrenceEnd::Never))), outside);
        assert_eq!(refused_codes(&with(weekly(&[Wed], 1, RecurrenceEnd::Never))), outside);
        assert!(refused_codes(&with(weekly(&[Tue], 1, RecurrenceEnd::Until(date("2025-10-07"))))).is_empty());
    }

    #[test]
    fn an_unchecked_monthly_rule_with_an_impossible_day_yields_nothing_rather_than_looping() {
        let impossible = timed(
            "2025-10-07 14:00",
            "2025-10-07 16:00",
            Europe::Paris,
            Some(monthly(9, Tue, 1, RecurrenceEnd::Never)),
        );
        assert_eq!(window(&impossible, "2025-01-01T00:00:00Z", "2125-01-01T00:00:00Z"), Vec::<String>::new());
        let zero_interval =
            timed("2025-10-07 14:00", "2025-10-07 16:00", Europe::Paris, Some(weekly(&[Tue], 0, RecurrenceEnd::Never)));
        assert_eq!(zero_interval.occurrences(utc("2025-01-01T00:00:00Z"), utc("2125-01-01T00:00:00Z"), 3).len(), 3);
    }

    #[test]
    fn parse_time_zone_knows_iana_names_only() {
        assert_eq!(parse_time_zone("Europe/Paris"), Some(Europe::Paris));
        assert_eq!(parse_time_zone(" Indian/Reunion "), Some(Indian::Reunion));
        assert_eq!(parse_time_zone("Europe/Rodez"), None);
        assert_eq!(parse_time_zone(""), None);
    }

    #[test]
    fn rrule_text_has_utc_until_for_timed_events() {
        let course = timed("2025-10-07 14:00", "2025-10-07 16:00", Europe::Paris, None);
        let every_other_week = weekly(&[Thu, Tue], 2, RecurrenceEnd::Until(date("2025-12-31")));
        assert_eq!(every_other_week.to_rrule(&course), "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH;UNTIL=20251231T225959Z");
        assert_eq!(weekly(&[], 1, RecurrenceEnd::Never).to_rrule(&course), "FREQ=WEEKLY");
        assert_eq!(monthly(2, Tue, 1, RecurrenceEnd::Count(10)).to_rrule(&course), "FREQ=MONTHLY;BYDAY=2TU;COUNT=10");
        assert_eq!(monthly(-1, Fri, 3, RecurrenceEnd::Never).to_rrule(&course), "FREQ=MONTHLY;INTERVAL=3;BYDAY=-1FR");
        // The end of 31 December in Cayenne is already 1 January in UTC.
        let cayenne = Schedule { time_zone: America::Cayenne, ..course };
        assert_eq!(
            weekly(&[Tue], 1, RecurrenceEnd::Until(date("2025-12-31"))).to_rrule(&cayenne),
            "FREQ=WEEKLY;BYDAY=TU;UNTIL=20260101T025959Z"
        );
    }

    #[test]
    fn rrule_text_round_trips() {
        let rules = [
            weekly(&[Tue, Thu], 2, RecurrenceEnd::Until(date("2025-12-31"))),
            weekly(&[], 1, RecurrenceEnd::Never),
            weekly(&[Weekday::Mon, Wed, Fri], 1, RecurrenceEnd::Count(30)),
            monthly(2, Tue, 1, RecurrenceEnd::Never),
            monthly(-1, Fri, 6, RecurrenceEnd::Until(date("2026-06-30"))),
            monthly(4, Sun, 52, RecurrenceEnd::Count(1)),
        ];
        for time_zone in [Europe::Paris, America::Cayenne, Indian::Reunion, chrono_tz::Pacific::Noumea] {
            for all_day in [false, true] {
                let schedule = Schedule { all_day, ..timed("2025-10-07 00:00", "2025-10-08 00:00", time_zone, None) };
                for rule in &rules {
                    let text = rule.to_rrule(&schedule);
                    assert_eq!(Recurrence::parse(&text, time_zone).as_ref(), Ok(rule), "{text} in {time_zone}");
                }
            }
        }
        assert_eq!(
            Recurrence::parse("RRULE:freq=weekly;wkst=MO;byday=tu", Europe::Paris),
            Ok(weekly(&[Tue], 1, RecurrenceEnd::Never))
        );
        assert_eq!(
            Recurrence::parse("FREQ=MONTHLY;BYDAY=+2TU", Europe::Paris),
            Ok(monthly(2, Tue, 1, RecurrenceEnd::Never))
        );
    }

    #[test]
    fn rrules_outside_our_subset_are_refused_with_a_reason() {
        let refused = [
            ("", "FREQ"),
            ("FREQ=DAILY", "FREQ=DAILY"),
            ("FREQ=YEARLY;BYMONTH=6", "BYMONTH"),
            ("FREQ=MONTHLY;BYMONTHDAY=12", "BYMONTHDAY"),
            ("FREQ=MONTHLY", "BYDAY"),
            ("FREQ=MONTHLY;BYDAY=2TU,4TU", "2TU,4TU"),
            ("FREQ=MONTHLY;BYDAY=5TU", "1 to 4"),
            ("FREQ=MONTHLY;BYDAY=TU", "TU"),
            ("FREQ=WEEKLY;BYDAY=1TU", "1TU"),
            ("FREQ=WEEKLY;BYDAY=", "BYDAY="),
            ("FREQ=WEEKLY;INTERVAL=0", "INTERVAL"),
            ("FREQ=WEEKLY;INTERVAL=two", "INTERVAL"),
            ("FREQ=WEEKLY;COUNT=0", "COUNT"),
            ("FREQ=WEEKLY;COUNT=5000", "COUNT"),
            ("FREQ=WEEKLY;COUNT=2;UNTIL=20251231", "UNTIL and COUNT"),
            ("FREQ=WEEKLY;UNTIL=20251231T225959", "UNTIL"),
            ("FREQ=WEEKLY;UNTIL=2025-12-31", "UNTIL"),
            ("FREQ=WEEKLY;UNTIL=20251331", "UNTIL"),
            ("FREQ=WEEKLY;FREQ=WEEKLY", "twice"),
            ("FREQ=WEEKLY;WKST=SU", "WKST"),
            ("FREQ=WEEKLY;BYSETPOS=1", "BYSETPOS"),
            ("FREQ=MONTHLY;BYDAY=2é", "2é"),
            ("FREQ=MONTHLY;BYDAY=éé", "éé"),
            ("chaque mardi", "NAME=VALUE"),
        ];
        for (text, reason) in refused {
            match Recurrence::parse(text, Europe::Paris) {
                Ok(rule) => panic!("{text} was read as {rule:?}"),
                Err(error) => assert!(error.to_string().contains(reason), "{text}: {error}"),
            }
        }
        let error: CoreError = Recurrence::parse("FREQ=DAILY", Europe::Paris).unwrap_err().into();
        assert!(matches!(error, CoreError::Invalid(fields) if fields[0].code == INVALID_RECURRENCE));
    }

    /// Our expansion agrees with an independent RRULE implementation (the `rrule` crate) on
    /// the text we would publish, DST changes included.
    #[test]
    fn expansion_matches_the_rrule_crate() {
        let mut with_exceptions = thursday_drop_in("2025-10-16 09:30");
        with_exceptions.exceptions = vec![date("2025-10-23"), date("2026-04-02")];
        let schedules = [
            thursday_drop_in("2025-10-16 09:30"),
            with_exceptions,
            timed(
                "2026-03-22 02:30",
                "2026-03-22 03:30",
                Europe::Paris,
                Some(weekly(&[Sun], 1, RecurrenceEnd::Count(20))),
            ),
            timed(
                "2025-10-07 14:00",
                "2025-10-07 16:00",
                Europe::Paris,
                Some(weekly(&[Tue, Thu, Sun], 2, RecurrenceEnd::Until(date("2026-05-31")))),
            ),
            timed(
                "2025-10-14 18:00",
                "2025-10-14 20:00",
                Europe::Paris,
                Some(monthly(2, Tue, 1, RecurrenceEnd::Never)),
            ),
            timed(
                "2025-10-31 17:00",
                "2025-10-31 19:00",
                America::Cayenne,
                Some(monthly(-1, Fri, 2, RecurrenceEnd::Count(12))),
            ),
            timed(
                "2025-03-02 10:00",
                "2025-03-02 11:00",
                America::New_York,
                Some(weekly(&[Sun], 1, RecurrenceEnd::Never)),
            ),
            timed(
                "2025-01-07 09:00",
                "2025-01-07 12:00",
                Indian::Reunion,
                Some(weekly(&[Tue], 3, RecurrenceEnd::Never)),
            ),
        ];
        for schedule in &schedules {
            let Some(rule) = &schedule.recurrence else { continue };
            let tz = schedule.time_zone;
            let stamp = |time: NaiveDateTime| time.format("%Y%m%dT%H%M%S").to_string();
            let mut text = format!("DTSTART;TZID={tz}:{}\nRRULE:{}", stamp(schedule.start), rule.to_rrule(schedule));
            for exception in &schedule.exceptions {
                text.push_str(&format!("\nEXDATE;TZID={tz}:{}", stamp(exception.and_time(schedule.start.time()))));
            }
            let set: rrule::RRuleSet = text.parse().expect("the rrule crate reads our rule");
            let theirs: Vec<DateTime<Utc>> = set.all(60).dates.iter().map(|d| d.with_timezone(&Utc)).collect();
            let ours: Vec<DateTime<Utc>> = schedule
                .occurrences(to_utc(schedule.start, tz), utc("2100-01-01T00:00:00Z"), 60)
                .iter()
                .map(|o| o.start)
                .collect();
            assert_eq!(ours, theirs, "{text}");
        }
    }
}
