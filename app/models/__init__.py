"""All models, importable from one place. Each area keeps its own module."""

from app.models.accommodations import (
    AccessibilityFeedback,
    AccommodationRequest,
    AccommodationStatus,
    FeedbackStatus,
)
from app.models.accounts import (
    AccountToken,
    OrganisationSettings,
    PublishedReport,
    TokenPurpose,
)
from app.models.attendance import AttendanceRecord, AttendanceSource, ImportBatch, ImportStatus
from app.models.attendance_review import ImportPerson
from app.models.breakouts import (
    BreakoutNote,
    BreakoutNoteVersion,
    BreakoutStaff,
    NoteStatus,
    StaffRole,
)
from app.models.community import (
    CLOSED_STATUSES,
    Certificate,
    CertificateSettings,
    Community,
    Recommendation,
    RecommendationStatus,
    RecommendationUpdate,
    RepresentationTarget,
    TargetDimension,
    TargetKind,
)
from app.models.contributors import Contributor, HonorariumRate
from app.models.core import (
    AgendaItem,
    Gathering,
    ManageToken,
    Registration,
    User,
    UTCDateTime,
    new_uid,
    utcnow,
)
from app.models.evaluation import (
    Survey,
    SurveyAnswer,
    SurveyInvitation,
    SurveyQuestion,
    SurveyQuestionSet,
    SurveyResponse,
)
from app.models.jobs import Job, JobStatus
from app.models.mail import MailStatus, OutboundEmail
from app.models.meetings import (
    InvitationOptOut,
    Invitee,
    InviteeUpload,
    PollResult,
    QaQuestion,
)
from app.models.organiser import (
    EmailTemplate,
    EventKind,
    Message,
    MessageRecipient,
    MessageTemplate,
    RegistrantEvent,
    Reminder,
)
from app.models.privacy import (
    DEFAULT_RETENTION_MONTHS,
    AccessLogEntry,
    ErasureLogEntry,
    ErasureReason,
    ErasureRequests,
    PersonalDataView,
)
from app.models.report_review import KeyMessageSet, ReportTheme, ThemeStatus
from app.models.reports import ReportRun, ReportStatus
from app.models.said_did import SaidDidPage, SaidDidSubscription
from app.models.value import ValueFollowUp, ValueInvitation, ValueResponse

__all__ = [
    "InvitationOptOut",
    "Invitee",
    "InviteeUpload",
    "PollResult",
    "QaQuestion",
    "AccessLogEntry",
    "DEFAULT_RETENTION_MONTHS",
    "ErasureLogEntry",
    "ErasureReason",
    "ErasureRequests",
    "PersonalDataView",
    "AccessibilityFeedback",
    "AccommodationRequest",
    "AccommodationStatus",
    "FeedbackStatus",
    "Reminder",
    "RegistrantEvent",
    "MessageRecipient",
    "MessageTemplate",
    "Message",
    "EventKind",
    "EmailTemplate",
    "AccountToken",
    "AgendaItem",
    "AttendanceRecord",
    "AttendanceSource",
    "BreakoutNote",
    "BreakoutNoteVersion",
    "BreakoutStaff",
    "CLOSED_STATUSES",
    "Contributor",
    "HonorariumRate",
    "Certificate",
    "CertificateSettings",
    "Community",
    "Recommendation",
    "RecommendationStatus",
    "RecommendationUpdate",
    "RepresentationTarget",
    "TargetDimension",
    "TargetKind",
    "ImportBatch",
    "ImportPerson",
    "ImportStatus",
    "KeyMessageSet",
    "Gathering",
    "Job",
    "JobStatus",
    "MailStatus",
    "NoteStatus",
    "ManageToken",
    "OrganisationSettings",
    "OutboundEmail",
    "PublishedReport",
    "Registration",
    "ReportRun",
    "ReportTheme",
    "ReportStatus",
    "StaffRole",
    "Survey",
    "SurveyAnswer",
    "SurveyInvitation",
    "SurveyQuestion",
    "SurveyQuestionSet",
    "SurveyResponse",
    "SaidDidPage",
    "SaidDidSubscription",
    "ValueFollowUp",
    "ValueInvitation",
    "ValueResponse",
    "TokenPurpose",
    "ThemeStatus",
    "UTCDateTime",
    "User",
    "new_uid",
    "utcnow",
]
