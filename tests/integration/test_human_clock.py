"""Times in lists (versions, events) as Babel writes them, from the user's zone and language
looked up once per list and Babel asked once per day (issue 16: 90 µs a row before)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask_babel import force_locale, format_datetime

from webapp import templating


def moments() -> list[datetime]:
    """Every quarter-hour around both 2026 clock changes in Sweden, midnights, a leap day, a year."""
    around = [datetime(2026, 3, 29), datetime(2026, 10, 25), datetime(2024, 2, 28, 20), datetime(2025, 12, 31, 20)]
    quarters = [start + timedelta(minutes=15 * n) for start in around for n in range(-8, 24)]
    days = [datetime(2026, 1, 1, 12, 7) + timedelta(days=n) for n in range(0, 365, 11)]
    return quarters + days


@pytest.mark.parametrize("language", ["sv", "en"])
def test_times_read_as_babel_writes_them(app, language):
    with app.test_request_context(), force_locale(language):
        clock = templating.HumanClock()
        for moment in moments():
            assert clock(moment) == format_datetime(moment.replace(tzinfo=UTC), "d MMM y HH:mm"), moment
            assert templating.human_datetime(moment) == clock(moment)
        assert clock(None) == "" and templating.human_datetime(None) == ""


def test_a_list_of_times_asks_babel_once_per_day(app, monkeypatch):
    calls: list[object] = []
    real = templating.babel_dates.format_date

    def counting(day, *args, **kwargs):
        calls.append(day)
        return real(day, *args, **kwargs)

    monkeypatch.setattr(templating.babel_dates, "format_date", counting)
    templating._human_day.cache_clear()
    start = datetime(2026, 5, 4, 6)
    with app.test_request_context():
        template = app.jinja_env.from_string(
            "{% set when = human_clock() %}{% for t in times %}{{ when(t) }};{% endfor %}"
        )
        listed = template.render(times=[start + timedelta(minutes=30 * n) for n in range(40)]).split(";")[:-1]
    assert len(listed) == 40 and listed[0] == "4 maj 2026 08:00" and listed[-1] == "5 maj 2026 03:30"
    assert len(calls) == 2  # 4 May and 5 May (Stockholm time)
