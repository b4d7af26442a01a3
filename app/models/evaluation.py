"""The post-gathering evaluation survey.

Anonymity is a property of the schema, not a promise in code:

- SurveyInvitation is the only table that names a registration. It records *that* a
  person responded (a flag, no time) so doubles are refused and reminders skip them.
- SurveyResponse and SurveyAnswer carry no registration, no invitation and no token
  derived from the invitation. A response is found again only through a random edit key
  that the person receives after submitting; only its SHA-256 is stored.
- A response's primary key is random and its tables are stored WITHOUT ROWID on SQLite,
  so insertion order (which would line up with the order people responded) is not
  kept; the only date is the local day of first submission.
"""

import json
import secrets
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.core import Gathering, Registration, UTCDateTime, utcnow


class SurveyStatus(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


class QuestionKind(StrEnum):
    SCALE = "scale"
    SINGLE = "single"
    MULTIPLE = "multiple"
    TEXT = "text"


QUESTION_KIND_LABELS = {
    QuestionKind.SCALE: "Agreement scale (5 points)",
    QuestionKind.SINGLE: "Single choice",
    QuestionKind.MULTIPLE: "Multiple choice",
    QuestionKind.TEXT: "Free text",
}

# One scale for every rating question, so the report can stack them in one chart.
SCALE_LABELS = (
    "Strongly disagree",
    "Disagree",
    "Neither agree nor disagree",
    "Agree",
    "Strongly agree",
)
NOT_APPLICABLE = "na"
NOT_APPLICABLE_LABEL = "Not applicable"


def random_id() -> str:
    return secrets.token_hex(16)


class Survey(db.Model):
    __tablename__ = "surveys"

    id: Mapped[int] = mapped_column(primary_key=True)
    gathering_id: Mapped[int] = mapped_column(
        ForeignKey("gatherings.id", ondelete="CASCADE"), unique=True
    )
    title: Mapped[str] = mapped_column(String(200))
    intro: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default=SurveyStatus.DRAFT.value)
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    gathering: Mapped[Gathering] = relationship()
    questions: Mapped[list["SurveyQuestion"]] = relationship(
        back_populates="survey",
        order_by="(SurveyQuestion.position, SurveyQuestion.id)",
        cascade="all, delete-orphan",
    )
    question_sets: Mapped[list["SurveyQuestionSet"]] = relationship(
        back_populates="survey",
        order_by="SurveyQuestionSet.id",
        cascade="all, delete-orphan",
    )

    def state(self, now: datetime) -> str:
        """'draft', 'scheduled' (open but before opens_at), 'open' or 'closed' at `now`."""
        if self.status == SurveyStatus.DRAFT:
            return "draft"
        if self.status == SurveyStatus.CLOSED:
            return "closed"
        if self.closes_at is not None and now >= self.closes_at:
            return "closed"
        if self.opens_at is not None and now < self.opens_at:
            return "scheduled"
        return "open"


class SurveyQuestionSet(db.Model):
    """A named group of questions in a survey: the built-in engagement-quality set, or one
    an organisation imported from a file. Its source and licence are shown wherever its
    questions are (the survey, the results, the report)."""

    __tablename__ = "survey_question_sets"
    __table_args__ = (UniqueConstraint("survey_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(500))
    licence: Mapped[str] = mapped_column(String(200))
    builtin: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    survey: Mapped["Survey"] = relationship(back_populates="question_sets")


class SurveyQuestion(db.Model):
    __tablename__ = "survey_questions"
    __table_args__ = (UniqueConstraint("survey_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(40))
    position: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[str] = mapped_column(String(20))
    prompt: Mapped[str] = mapped_column(String(500))
    help_text: Mapped[str] = mapped_column(String(500), default="")
    options_json: Mapped[str] = mapped_column(Text, default="[]")
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    allow_not_applicable: Mapped[bool] = mapped_column(Boolean, default=True)
    question_set_id: Mapped[int | None] = mapped_column(
        ForeignKey("survey_question_sets.id", ondelete="CASCADE"), index=True
    )

    survey: Mapped[Survey] = relationship(back_populates="questions")
    question_set: Mapped[SurveyQuestionSet | None] = relationship()

    @property
    def options(self) -> list[str]:
        return list(json.loads(self.options_json or "[]"))

    @options.setter
    def options(self, value: list[str]) -> None:
        self.options_json = json.dumps(list(value), ensure_ascii=False)

    @property
    def kind_label(self) -> str:
        return QUESTION_KIND_LABELS.get(QuestionKind(self.kind), self.kind)


class SurveyInvitation(db.Model):
    """Who may answer, and whether they have. Never links to their answers."""

    __tablename__ = "survey_invitations"
    __table_args__ = (UniqueConstraint("survey_id", "registration_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), index=True
    )
    # The raw link is HMAC(SECRET_KEY, nonce): it can be rebuilt for a reminder without
    # being stored, and the database alone never yields a working link.
    token_nonce: Mapped[str] = mapped_column(String(32), default=random_id)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminder_count: Mapped[int] = mapped_column(Integer, default=0)
    # A flag, deliberately without a time: a time would line up with the response's.
    responded: Mapped[bool] = mapped_column(Boolean, default=False)

    survey: Mapped[Survey] = relationship()
    registration: Mapped[Registration] = relationship()


class SurveyResponse(db.Model):
    __tablename__ = "survey_responses"
    __table_args__ = {"sqlite_with_rowid": False}

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_id)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    edit_key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    submitted_on: Mapped[date] = mapped_column(Date)

    survey: Mapped[Survey] = relationship()
    answers: Mapped[list["SurveyAnswer"]] = relationship(
        back_populates="response", cascade="all, delete-orphan"
    )


class SurveyAnswer(db.Model):
    """One answer: a scale point ('1'..'5' or 'na'), an option, a JSON list of options
    (multiple choice) or free text."""

    __tablename__ = "survey_answers"
    __table_args__ = {"sqlite_with_rowid": False}

    response_id: Mapped[str] = mapped_column(
        ForeignKey("survey_responses.id", ondelete="CASCADE"), primary_key=True
    )
    question_id: Mapped[int] = mapped_column(
        ForeignKey("survey_questions.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    value: Mapped[str] = mapped_column(Text)

    response: Mapped[SurveyResponse] = relationship(back_populates="answers")
    question: Mapped[SurveyQuestion] = relationship()
