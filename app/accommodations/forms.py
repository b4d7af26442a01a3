"""Forms of the accommodation and accessibility-feedback pages."""

from wtforms import EmailField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import AnyOf, Email, InputRequired, Length, Optional

from app.forms_common import BaseForm

BARRIER_LIMIT = 5000


class ArrangeForm(BaseForm):
    """One per request on the list; a prefix keeps every field's id unique."""

    owner_id = SelectField("Owner", choices=[], validate_choice=False)
    arrangement = TextAreaField(
        "What was arranged",
        validators=[InputRequired(message="Say what was arranged."), Length(max=2000)],
        description="For example: ASL interpreter booked for the whole gathering.",
        render_kw={"rows": 2},
    )
    arranged_by = StringField(
        "By whom",
        validators=[Length(max=200)],
        description="The service or person providing it, for example: through WAVCO.",
    )


class StepForm(BaseForm):
    """CSRF only: one button."""


class FeedbackForm(BaseForm):
    barrier = TextAreaField(
        "What got in your way?",
        validators=[
            InputRequired(message="Tell us about the barrier."),
            Length(max=BARRIER_LIMIT, message=f"Keep it under {BARRIER_LIMIT:,} characters."),
        ],
        description="A page, a form, an email, a document or the gathering itself: "
        "what happened, and what would have helped.",
        render_kw={"rows": 6},
    )
    page = StringField(
        "Where was it?",
        validators=[Optional(), Length(max=500)],
        description="Optional: the page, document or part of the gathering.",
    )
    name = StringField(
        "Your name", validators=[Optional(), Length(max=200)], description="Optional."
    )
    contact = EmailField(
        "Your email address",
        validators=[
            Optional(),
            Length(max=254),
            Email("Enter an email address like name@example.ca, or leave it blank."),
        ],
        description="Optional: only if you would like an answer.",
    )


class FeedbackAnswerForm(BaseForm):
    answer = TextAreaField(
        "Answer or note",
        validators=[Length(max=4000)],
        description="What you did or will do. If they left an address, write to them yourself.",
        render_kw={"rows": 3},
    )
    action = HiddenField(
        validators=[AnyOf(["answer", "close", "reopen"], message="Choose a button.")]
    )
