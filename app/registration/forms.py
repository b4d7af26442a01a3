"""The registration pages' own forms; the questions themselves (the registration and
manage forms) are in app.registrant_answers, shared with the organiser's edit."""

from wtforms import EmailField
from wtforms.validators import Email, InputRequired, Length

from app.forms_common import BaseForm, strip


class CancelForm(BaseForm):
    """Only the CSRF token: cancelling is a deliberate button press."""


class ResendLinkForm(BaseForm):
    email = EmailField(
        "Email address",
        filters=[strip],
        validators=[InputRequired("Enter your email address."), Length(max=254), Email()],
    )
