"""SuperOffice's enumerations, with their database / .NET numbers (spec §2.2)."""

from enum import IntEnum, IntFlag


class AppointmentStatus(IntEnum):
    UnknownOrPostIt = 0
    NotStarted = 1
    Started = 2
    Completed = 3
    Hidden = 4
    Booking = 5
    BookingMoved = 6
    BookingSeen = 7
    BookingMovedSeen = 8
    BookingDeclined = 9
    BookingDeleted = 10
    Assignment = 11
    AssignmentSeen = 12
    AssignmentDeclined = 13


class AppointmentType(IntEnum):
    Unknown = 0
    inDiary = 1  # noqa: N815 - SuperOffice's spelling is the wire name
    inChecklist = 2  # noqa: N815
    Note = 3
    Document = 4
    SavedReport = 5
    BookingForDiary = 6
    BookingForChecklist = 7
    MergeDraft = 8
    MergeFinal = 9


class InvitationStatus(IntEnum):
    Unknown = 0
    None_ = 1
    Accepted = 2
    Hidden = 4
    Invitation = 5
    Moved = 6
    Seen = 7
    MovedSeen = 8
    Declined = 9
    Cancelled = 10


class AssignmentStatus(IntEnum):
    Unknown = 0
    None_ = 1
    Assigning = 11
    Seen = 12
    Declined = 13


class BookingType(IntEnum):
    Unknown = 0
    None_ = 1
    Owner = 2
    Participant = 3


class ActivityStatus(IntEnum):
    Unknown = 0
    NotStarted = 1
    Started = 2
    Completed = 3


class RecurrenceUpdateMode(IntEnum):
    Unknown = 0
    OnlyThis = 1
    ThisAndForward = 2
    StopRecurrence = 9


class UserType(IntEnum):
    Unknown = 0
    InternalAssociate = 1
    ResourceAssociate = 2
    ExternalAssociate = 3
    AnonymousAssociate = 4
    SystemAssociate = 5


class AppointmentPrivate(IntEnum):
    Public = 0
    PrivateUser = 1
    PrivateGroup = 2


class TaskType(IntEnum):
    Unknown = 0
    Appointment = 1
    Document = 2
    Email = 3
    Fax = 4
    Phone = 5
    ToDo = 6
    MailMergeDraft = 7
    MailMergeFinal = 8
    Report = 9
    SaintAll = 10


class RecurrencePattern(IntEnum):
    Unknown = 0
    Daily = 1
    Weekly = 2
    Monthly = 3
    Yearly = 4
    Custom = 5


class RecurrenceEndType(IntEnum):
    Unknown = 0
    EndDate = 1
    Counter = 2


# The three sub-pattern enums share one database column, RecurrenceRule.subPattern (1..7).
class RecurrenceDailyPattern(IntEnum):
    Unknown = 0
    EveryWorkday = 1
    EveryWeekday = 2
    EveryCyclicDay = 3


class RecurrenceMonthlyPattern(IntEnum):
    Unknown = 0
    DayOfMonth = 4
    WeekdayOfMonth = 5


class RecurrenceYearlyPattern(IntEnum):
    Unknown = 0
    DayOfMonth = 6
    WeekdayOfMonth = 7


class WeekOfMonth(IntEnum):
    Unknown = 0
    First = 1
    Second = 2
    Third = 3
    Fourth = 4
    Last = 5


class Weekday(IntFlag):
    Unknown = 0
    Monday = 1
    Tuesday = 2
    Wednesday = 4
    Thursday = 8
    Friday = 16
    Saturday = 32
    Sunday = 64


class TableRight(IntFlag):
    """ETableRight, the single bits only (the combined aliases are spelt out as lists on the wire)."""

    None_ = 0
    Select = 1
    Update = 2
    Insert = 4
    Delete = 8
    Filtering = 16
    RestrictedUpdate = 32
    Unused1 = 64
    Uninitialized = 128


class AppointmentCautionWarning(IntEnum):
    OK = 0
    NotInSync = 1
    NotNotifiedByEmail = 2
    RecurrencePatternNotSupported = 3
    IncomingRecurrenceChangeNotSupported = 4
    ExternalParticipantsDateTimeMismatch = 5


class AppointmentExternalOwner(IntEnum):
    None_ = 0
    Other = 1
    Outlook = 2
    Google = 3


class ExternallyOwnedType(IntEnum):
    Unknown = 0
    Organizer = 1
    Required = 2
    Optional = 3
    Resource = 4


class ExternallyOwnedStatus(IntEnum):
    Unknown = 0
    TentativelyAccepted = 1
    Accepted = 2
    Declined = 3
    NotResponded = 4


class Visibility(IntEnum):
    All = 0
    Associate = 1
    Group = 2


def wire_name(member: IntEnum) -> str:
    """The name SuperOffice puts on the wire (`None_` is `None` there)."""
    return member.name.rstrip("_")
