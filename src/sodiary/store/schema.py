"""Tables modelled on SuperOffice's (spec §2.1). Ids are ints with 0 meaning "none", as there."""

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)

metadata = MetaData()

contact = Table(
    "contact",
    metadata,
    Column("contact_id", Integer, primary_key=True),
    Column("name", String(220), nullable=False, default=""),
    Column("department", String(220), nullable=False, default=""),
)

person = Table(
    "person",
    metadata,
    Column("person_id", Integer, primary_key=True),
    Column("contact_id", Integer, nullable=False, default=0),
    Column("firstname", String(50), nullable=False, default=""),
    Column("lastname", String(50), nullable=False, default=""),
    Column("email", String(254), nullable=False, default=""),
    # The language the person's invitations are written in (a culture name such as nb-NO); "" = unknown.
    Column("culture", String(20), nullable=False, default="", server_default=""),
)

associate = Table(
    "associate",
    metadata,
    Column("associate_id", Integer, primary_key=True),
    Column("name", String(50), nullable=False, unique=True),  # the user name used to log in
    Column("password_hash", String(200), nullable=False, default=""),
    Column("person_id", Integer, ForeignKey("person.person_id"), nullable=True),
    Column("type", SmallInteger, nullable=False, default=1),  # UserType
    Column("disabled", Boolean, nullable=False, default=False),
    # SuperOffice's associate.deleted: retired by `sodiary user remove` (also disabled); its rows stay.
    Column("deleted", Boolean, nullable=False, default=False),
    # Bumped on every password change so cached credentials die with the old password.
    Column("credential_version", Integer, nullable=False, default=1),
)

appointment_text = Table(
    "appointment_text",
    metadata,
    Column("text_id", Integer, primary_key=True),
    Column("description", Text, nullable=False, default=""),
    Column("agenda", Text, nullable=False, default=""),
    Column("internal_notes", Text, nullable=False, default=""),
)

recurrence_rule = Table(
    "recurrence_rule",
    metadata,
    Column("recurrence_rule_id", Integer, primary_key=True),
    Column("pattern", SmallInteger, nullable=False, default=0),
    Column("sub_pattern", SmallInteger, nullable=False, default=0),
    Column("cycle", Integer, nullable=False, default=0),
    Column("weekdays", SmallInteger, nullable=False, default=0),
    Column("day", SmallInteger, nullable=False, default=0),
    Column("week_of_month", SmallInteger, nullable=False, default=0),
    Column("month", SmallInteger, nullable=False, default=0),
    Column("start_date", DateTime, nullable=True),
    Column("end_date", DateTime, nullable=True),
    Column("end_type", SmallInteger, nullable=False, default=0),
    Column("counter", Integer, nullable=False, default=0),
)

appointment = Table(
    "appointment",
    metadata,
    Column("appointment_id", Integer, primary_key=True),
    Column("mother_id", Integer, nullable=False, default=0),
    Column("associate_id", Integer, nullable=False, default=0),  # whose diary; 0 = external person
    Column("invited_person_id", Integer, nullable=False, default=0),
    Column("person_id", Integer, nullable=False, default=0),  # whom the meeting is with
    Column("contact_id", Integer, nullable=False, default=0),
    Column("task_id", Integer, nullable=False, default=0),
    Column("type", SmallInteger, nullable=False),
    Column("status", SmallInteger, nullable=False),
    Column("private", SmallInteger, nullable=False, default=0),
    Column("start_date", DateTime, nullable=False),  # SuperOffice's do_by
    Column("end_date", DateTime, nullable=False),
    Column("active_date", DateTime, nullable=False),
    Column("title", String(254), nullable=False, default=""),
    Column("location", String(254), nullable=False, default=""),
    Column("text_id", Integer, ForeignKey("appointment_text.text_id"), nullable=True),
    Column("reject_reason", String(254), nullable=False, default=""),
    Column("reject_counter", Integer, nullable=False, default=0),
    Column("assigned_by", Integer, nullable=False, default=0),
    Column("mother_associate_id", Integer, nullable=False, default=0),
    Column("recurrence_rule_id", Integer, nullable=False, default=0),
    Column("original_start_date", DateTime, nullable=True),
    Column("is_allday", Boolean, nullable=False, default=False),
    Column("is_free", Boolean, nullable=False, default=False),
    Column("has_alarm", Boolean, nullable=False, default=False),
    Column("alarm_lead_seconds", Integer, nullable=False, default=0),
    Column("lead_seconds", Integer, nullable=False, default=0),
    Column("lag_seconds", Integer, nullable=False, default=0),
    Column("registered", DateTime, nullable=False),  # UTC
    Column("registered_associate_id", Integer, nullable=False, default=0),
    Column("updated", DateTime, nullable=True),  # UTC
    Column("updated_associate_id", Integer, nullable=False, default=0),
    Column("updated_count", Integer, nullable=False, default=0),
    # Mail this participant the invitation and its changes (SuperOffice's SendEmail); issue 19.
    Column("send_email", Boolean, nullable=False, default=False, server_default=false()),
    # The project the appointment belongs to (issue 17); 0 = none.
    Column("project_id", Integer, nullable=False, default=0, server_default="0"),
    Index("ix_appointment_diary", "associate_id", "active_date", "mother_id", "appointment_id", unique=True),
    Index("ix_appointment_mother", "mother_id"),
    Index("ix_appointment_rule_date_associate", "recurrence_rule_id", "active_date", "associate_id"),
    Index("ix_appointment_project", "project_id", "start_date"),
)

# Who answered what, when, from which state, with which scheme: the organiser's audit trail.
answer_history = Table(
    "answer_history",
    metadata,
    Column("answer_id", Integer, primary_key=True),
    Column("appointment_id", Integer, nullable=False),
    Column("associate_id", Integer, nullable=False),
    Column("operation", String(40), nullable=False),
    Column("update_mode", SmallInteger, nullable=False, default=0),
    Column("from_status", SmallInteger, nullable=False),
    Column("to_status", SmallInteger, nullable=False),
    Column("from_type", SmallInteger, nullable=False),
    Column("to_type", SmallInteger, nullable=False),
    Column("scheme", String(20), nullable=False, default=""),
    Column("app", String(100), nullable=False, default=""),
    Column("reason", String(254), nullable=False, default=""),
    Column("answered_at", DateTime, nullable=False),  # UTC
    Index("ix_answer_history_appointment", "appointment_id"),
)

# Login tickets (SOTicket) and browser sessions: only a SHA-256 of the random token is stored. A token
# lives while it is unexpired, unrevoked and its credential_version still equals the associate's.
auth_token = Table(
    "auth_token",
    metadata,
    Column("token_id", Integer, primary_key=True),
    Column("kind", String(10), nullable=False),  # "ticket" | "session"
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("associate_id", Integer, ForeignKey("associate.associate_id"), nullable=False),
    Column("credential_version", Integer, nullable=False),
    Column("xsrf_hash", String(64), nullable=False, default=""),  # sessions: the XSRF token's hash
    Column("created", DateTime, nullable=False),  # UTC
    Column("expires", DateTime, nullable=False),  # UTC
    Column("revoked", Boolean, nullable=False, default=False),
    Index("ix_auth_token_associate", "associate_id"),
)

# Registered partner applications and the SHA-256 of their SO-AppToken.
partner_app = Table(
    "partner_app",
    metadata,
    Column("app_id", Integer, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created", DateTime, nullable=False),  # UTC
)

# Failed authentication, seen by every process and instance on the database: the failed-login throttle
# counts these. `subject` is the SHA-256 of "user:<name in lower case>" or "address:<client address>".
auth_failure = Table(
    "auth_failure",
    metadata,
    Column("failure_id", Integer, primary_key=True),
    Column("subject", String(64), nullable=False),
    Column("failed_at", Float, nullable=False),  # seconds since the epoch
    Index("ix_auth_failure_subject", "subject", "failed_at"),
    Index("ix_auth_failure_failed_at", "failed_at"),
)

# SuperOffice's invitation record (issue 19): one per booking, keyed by the mother row. The UID stays for
# the booking's life; SEQUENCE rises on every change of time or place and on a cancel.
invitation = Table(
    "invitation",
    metadata,
    Column("invitation_id", Integer, primary_key=True),
    Column("appointment_id", Integer, nullable=False),  # the mother row
    Column("event_uid", String(255), nullable=False),
    Column("event_sequence", Integer, nullable=False, default=0),
    Column("event_dtstamp", DateTime, nullable=False),  # UTC
    Column("organizer_email", String(254), nullable=False, default=""),
    Column("organizer_fullname", String(254), nullable=False, default=""),
    Column("template_language", String(10), nullable=False, default=""),
    Column("registered", DateTime, nullable=False),  # UTC
    Column("updated", DateTime, nullable=True),  # UTC
    # Mailed as one recurring event (RRULE) for the whole series, keyed by its first occurrence's mother
    # row: the other occurrences are this UID with their RECURRENCE-ID.
    Column("series", Boolean, nullable=False, default=False, server_default=false()),
    # Minutes (wall clock) from an occurrence's original start to its instance in the mailed recurring
    # event: non-zero once a this-and-following move re-sent the series at the new time (migration 0014).
    Column("series_shift", Integer, nullable=False, default=0, server_default="0"),
    UniqueConstraint("appointment_id", name="uq_invitation_appointment"),
    UniqueConstraint("event_uid", name="uq_invitation_uid"),
)

# A user's secret calendar subscription (issue 15): only the token's SHA-256 is kept; a revoked feed stays
# as a row so its id is not reused.
calendar_feed = Table(
    "calendar_feed",
    metadata,
    Column("feed_id", Integer, primary_key=True),
    Column("associate_id", Integer, nullable=False),
    Column("token_hash", String(64), nullable=False),
    Column("created", DateTime, nullable=False),  # UTC
    Column("revoked", DateTime, nullable=True),  # UTC
    UniqueConstraint("token_hash", name="uq_calendar_feed_token"),
    Index("ix_calendar_feed_associate", "associate_id"),
)

# An invitation that arrived by e-mail from an external organiser (issue 15): SuperOffice's "e-mail item",
# one per recipient user and UID, answered with CreateAndAccept / DeclineInvitationFromEmailItem.
# status: pending | accepted | declined | cancelled. Times are UTC; an all-day one's are its dates at 00:00.
email_item = Table(
    "email_item",
    metadata,
    Column("email_item_id", Integer, primary_key=True),
    Column("associate_id", Integer, nullable=False),
    Column("event_uid", String(255), nullable=False),
    Column("event_sequence", Integer, nullable=False, default=0, server_default="0"),
    Column("event_dtstamp", DateTime, nullable=False),  # UTC
    Column("status", String(20), nullable=False),
    Column("organizer_email", String(254), nullable=False, default="", server_default=""),
    Column("organizer_fullname", String(254), nullable=False, default="", server_default=""),
    Column("attendee_email", String(254), nullable=False, default="", server_default=""),
    Column("title", String(254), nullable=False, default="", server_default=""),
    Column("location", String(254), nullable=False, default="", server_default=""),
    Column("description", Text, nullable=False, default="", server_default=""),
    Column("start_utc", DateTime, nullable=False),
    Column("end_utc", DateTime, nullable=False),
    Column("is_allday", Boolean, nullable=False, default=False, server_default=false()),
    Column("calendar", Text, nullable=False, default="", server_default=""),  # the REQUEST, for a series
    Column("appointment_id", Integer, nullable=False, default=0, server_default="0"),  # made by accepting
    Column("received", DateTime, nullable=False),  # UTC
    Column("updated", DateTime, nullable=True),  # UTC
    UniqueConstraint("associate_id", "event_uid", name="uq_email_item_associate_uid"),
)

# The transactional outbox (issue 19): written in the unit of work of the change that causes it, delivered
# after commit by the server's delivery worker (sodiary/outbox/). `kind` is "mail" now, "webhook" later.
outbox_message = Table(
    "outbox_message",
    metadata,
    Column("message_id", Integer, primary_key=True),
    Column("kind", String(20), nullable=False),
    Column("status", String(20), nullable=False),  # pending | sent | failed
    # Stable across attempts: the Message-ID's local part. Unique by construction (store/outbox.py new_key), and
    # never looked up: no index (migration 0015).
    Column("message_key", String(64), nullable=False),
    Column("destination", String(1000), nullable=False),  # the mail's recipient, a webhook's URL
    Column("summary", String(300), nullable=False, default=""),  # for operators' lists
    Column("payload", Text, nullable=False),  # JSON, rendered at delivery
    Column("appointment_id", Integer, nullable=False, default=0),
    Column("attempts", Integer, nullable=False, default=0),
    Column("created", DateTime, nullable=False),  # UTC
    Column("next_attempt_at", DateTime, nullable=False),  # UTC
    Column("claimed_until", DateTime, nullable=True),  # UTC; a worker's lease
    Column("claimed_by", String(64), nullable=False, default=""),
    Column("sent_at", DateTime, nullable=True),  # UTC
    Column("last_error", Text, nullable=False, default=""),
    Index("ix_outbox_message_due", "status", "next_attempt_at"),
)

# A confirmation (Accept…/Reject…WithEmailConfirmation) as its answer's unit of work writes it: the answer's
# options and a snapshot of the booking, in a narrow table with no index beside its key, so that the answer's
# transaction writes one small row; the delivery worker moves it into outbox_message, where it is composed,
# sent and listed like any mail (docs/decisions.md, "A confirmation waits in its own narrow table").
outbox_reply = Table(
    "outbox_reply",
    metadata,
    Column("reply_id", Integer, primary_key=True),
    Column("appointment_id", Integer, nullable=False),  # the booking's mother row
    Column("created", DateTime, nullable=False),  # the answer's time, UTC
    Column("options", Text, nullable=False),  # JSON: accept, reason, language, fixed_language, zone
    # The booking as its mother row had it at the answer, its organiser, the answerer (a person), and its
    # invitation record if it had one (NULLs otherwise).
    Column("title", String(254), nullable=False),
    Column("location", String(254), nullable=False),
    Column("start_date", DateTime, nullable=False),
    Column("end_date", DateTime, nullable=False),
    Column("is_allday", Boolean, nullable=False),
    Column("original_start_date", DateTime, nullable=True),
    Column("recurrence_rule_id", Integer, nullable=False),
    Column("organizer_id", Integer, nullable=False),
    Column("person_id", Integer, nullable=False),
    Column("invitation_id", Integer, nullable=True),
    Column("event_uid", String(255), nullable=True),
    Column("event_sequence", Integer, nullable=True),
    Column("event_dtstamp", DateTime, nullable=True),
    Column("series", Boolean, nullable=True),
    Column("series_shift", Integer, nullable=True),
)

# SuperOffice's Task list (table 67): the kinds of activity ("Meeting", "Phone call") an appointment's
# task_id names. `name` is unique, as there; `record_type` is the TaskType (1 appointment … 6 to-do).
task = Table(
    "task",
    metadata,
    Column("task_id", Integer, primary_key=True),
    Column("name", String(239), nullable=False, unique=True),
    Column("rank", Integer, nullable=False, default=0),
    Column("tooltip", String(254), nullable=False, default=""),
    Column("deleted", Boolean, nullable=False, default=False),
    Column("record_type", SmallInteger, nullable=False, default=1),
    Column("direction", SmallInteger, nullable=False, default=0),
    Column("color_index", String(40), nullable=False, default="LightBlue"),
    Column("default_allday_event", Boolean, nullable=False, default=False),
    Column("default_free", Boolean, nullable=False, default=False),
    Column("default_published", Boolean, nullable=False, default=False),
    Column("intent_id", Integer, nullable=False, default=0),
    Column("default_videomeeting_status", String(20), nullable=False, default="NoChange"),
    Column("registered", DateTime, nullable=False),  # UTC
    Column("registered_associate_id", Integer, nullable=False, default=0),
    Column("updated", DateTime, nullable=True),  # UTC
    Column("updated_associate_id", Integer, nullable=False, default=0),
    Column("updated_count", Integer, nullable=False, default=0),
)

# Webhook registrations (issue 14), with SuperOffice's webhook_usage statistics folded in. `events`,
# `headers` and `properties` are JSON text; `state` is SuperOffice's WebhookState name.
webhook = Table(
    "webhook",
    metadata,
    Column("webhook_id", Integer, primary_key=True),
    Column("name", String(255), nullable=False, default=""),
    Column("events", Text, nullable=False, default="[]"),
    Column("target_url", String(1000), nullable=False),
    Column("secret", String(255), nullable=False, default=""),
    Column("state", String(20), nullable=False, default="Active"),
    Column("type", String(50), nullable=False, default="webhook"),
    Column("headers", Text, nullable=False, default="{}"),
    Column("properties", Text, nullable=False, default="{}"),
    Column("registered", DateTime, nullable=False),  # UTC
    Column("registered_associate_id", Integer, nullable=False, default=0),
    Column("updated", DateTime, nullable=True),  # UTC
    Column("updated_associate_id", Integer, nullable=False, default=0),
    Column("total_calls", Integer, nullable=False, default=0),
    Column("total_errors", Integer, nullable=False, default=0),
    Column("consecutive_errors", Integer, nullable=False, default=0),
    Column("last_error", Text, nullable=False, default=""),
)

# What happened to appointment rows while a webhook was active: written by database triggers (which exist
# only while one is: store/activity_triggers.py) in the changing transaction itself, whatever code wrote the row;
# turned into one outbox message per subscribed webhook by the webhook worker (outbox/webhook.py).
webhook_change = Table(
    "webhook_change",
    metadata,
    Column("change_id", Integer, primary_key=True),
    Column("appointment_id", Integer, nullable=False),
    Column("event", String(40), nullable=False),  # activity.created | activity.changed | activity.deleted
    Column("changes", Text, nullable=False, default=""),  # SuperOffice column names, comma-separated
    Column("associate_id", Integer, nullable=False, default=0),  # ChangedByAssociateId
    Column("contact_id", Integer, nullable=False, default=0),
    Column("person_id", Integer, nullable=False, default=0),
    Column("happened", String(40), nullable=False),  # UTC, "YYYY-MM-DD HH:MM:SS.fff…", set by the trigger
    Column("field_values", Text, nullable=True),  # JSON of the row's raw FieldValues columns; NULL when deleted
)

# SuperOffice's Heading and TaskHeadingLink: "a grouping or filtering of tasks" (the ...ByTaskHeading lists).
heading = Table(
    "heading",
    metadata,
    Column("heading_id", Integer, primary_key=True),
    Column("name", String(254), nullable=False),
    Column("rank", Integer, nullable=False, default=0),
    Column("tooltip", String(254), nullable=False, default=""),
    Column("deleted", Boolean, nullable=False, default=False),
)

task_heading_link = Table(
    "task_heading_link",
    metadata,
    Column("heading_id", Integer, ForeignKey("heading.heading_id"), primary_key=True),
    Column("task_id", Integer, ForeignKey("task.task_id"), primary_key=True),
)

# User groups and their members (GetDiaryByGroup; the Associate's GroupIdx is the first group by rank).
user_group = Table(
    "user_group",
    metadata,
    Column("group_id", Integer, primary_key=True),
    Column("name", String(254), nullable=False, unique=True),
    Column("description", String(254), nullable=False, default=""),
    Column("rank", Integer, nullable=False, default=0),
    Column("deleted", Boolean, nullable=False, default=False),
)

user_group_member = Table(
    "user_group_member",
    metadata,
    Column("group_id", Integer, ForeignKey("user_group.group_id"), primary_key=True),
    Column("associate_id", Integer, ForeignKey("associate.associate_id"), primary_key=True),
)

# A minimal Project: what the project list methods need (its name, its members, appointment.project_id).
project = Table(
    "project",
    metadata,
    Column("project_id", Integer, primary_key=True),
    Column("name", String(254), nullable=False),
    Column("project_number", String(50), nullable=False, default=""),
    Column("associate_id", Integer, nullable=False, default=0),  # the project's owner
    Column("done", Boolean, nullable=False, default=False),
    Column("registered", DateTime, nullable=False),  # UTC
)

project_member = Table(
    "project_member",
    metadata,
    Column("project_id", Integer, ForeignKey("project.project_id"), primary_key=True),
    Column("person_id", Integer, ForeignKey("person.person_id"), primary_key=True),
)

# SuperOffice's Publish rows for appointments (table 9 only, so keyed by the appointment): published "to
# external persons" (publish_type 1) from/to the dates given, both inclusive and open when null.
publish = Table(
    "publish",
    metadata,
    Column("appointment_id", Integer, primary_key=True),
    Column("publish_type", SmallInteger, nullable=False, default=1),
    Column("publish_from", DateTime, nullable=True),
    Column("publish_to", DateTime, nullable=True),
    Column("event_date", DateTime, nullable=True),
)

# A user's own working day (SuperOffice keeps it in the user's preferences), over the settings'
# SODIARY_WORKING_HOURS/DAYS: `hours` as `HH:MM-HH:MM`, `days` as `mon,tue,...`.
working_hours = Table(
    "working_hours",
    metadata,
    Column("associate_id", Integer, ForeignKey("associate.associate_id"), primary_key=True),
    Column("hours", String(11), nullable=False),
    Column("days", String(27), nullable=False),
)
