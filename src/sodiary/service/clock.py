"""Server time. Created/updated stamps are naive UTC, as SuperOffice stores them."""

from datetime import UTC, datetime


def utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)
