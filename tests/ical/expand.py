"""Reads an iCalendar document on stdin with the independent `icalendar` package and prints,
as JSON, what a calendar application would understand of it: each event's summary, status,
time zone and start, and the occurrences of a recurring event expanded by `dateutil` in the
time zone built from the document's own VTIMEZONE (not from the system's zone database).

Used by crates/server/tests/events.rs; tests/run installs the package in a virtualenv."""

import json
import sys
from datetime import datetime, timedelta, timezone

import icalendar
from dateutil.rrule import rruleset, rrulestr


def own_zones(calendar):
    zones = {}
    for vtz in calendar.walk("VTIMEZONE"):
        tzid = str(vtz["TZID"])
        try:
            zones[tzid] = vtz.to_tz(lookup_tzid=False)
        except TypeError:  # older icalendar: no lookup_tzid argument
            zones[tzid] = vtz.to_tz()
    return zones


def main():
    calendar = icalendar.Calendar.from_ical(sys.stdin.read())
    zones = own_zones(calendar)
    events = []
    for event in calendar.walk("VEVENT"):
        dtstart = event["DTSTART"]
        tzid = dtstart.params.get("TZID")
        start = dtstart.dt
        if tzid:
            # Rebuild the start in the zone the document itself describes.
            start = start.replace(tzinfo=None).replace(tzinfo=zones[tzid])
        item = {
            "summary": str(event["SUMMARY"]),
            "status": str(event.get("STATUS", "")),
            "tzid": tzid,
            "start_utc": start.astimezone(timezone.utc).isoformat() if isinstance(start, datetime) else str(start),
        }
        if "RRULE" in event:
            rules = rruleset()
            rules.rrule(rrulestr(event["RRULE"].to_ical().decode(), dtstart=start))
            exdates = event.get("EXDATE", [])
            for exdate in exdates if isinstance(exdates, list) else [exdates]:
                for value in exdate.dts:
                    rules.exdate(value.dt.replace(tzinfo=None).replace(tzinfo=zones[tzid]))
            horizon = start + timedelta(days=3 * 366)
            item["occurrences_utc"] = [
                o.astimezone(timezone.utc).isoformat() for o in rules.between(start - timedelta(seconds=1), horizon)
            ][:50]
        events.append(item)
    json.dump({"events": events, "timezones": sorted(zones)}, sys.stdout)


if __name__ == "__main__":
    main()
