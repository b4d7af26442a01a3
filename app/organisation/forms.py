from flask_wtf.file import FileField
from wtforms import BooleanField, EmailField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional

from app.forms_common import BaseForm, strip


class OrganisationForm(BaseForm):
    name = StringField(
        "Organisation name",
        filters=[strip],
        description="Shown at the top of every page, in emails and on the report cover.",
        validators=[DataRequired("Enter the organisation's name."), Length(max=200)],
    )
    short_name = StringField(
        "Short name",
        filters=[strip],
        description="Used where space is short, such as email subjects.",
        validators=[DataRequired("Enter a short name."), Length(max=80)],
    )
    contact_email = EmailField(
        "Contact email address",
        filters=[strip],
        validators=[
            Optional(),
            Email("Enter an email address like name@example.org."),
            Length(max=254),
        ],
    )
    contact_phone = StringField(
        "Contact phone", filters=[strip], validators=[Optional(), Length(max=50)]
    )
    accent_colour = StringField(
        "Accent colour",
        filters=[strip],
        description="# and six hex digits, like #0b5c8a. It must reach AA contrast with white.",
        validators=[DataRequired("Enter the accent colour."), Length(max=7)],
    )
    logo = FileField("Logo", description="A PNG or JPEG image, at most 200 KB.")
    remove_logo = BooleanField("Remove the current logo")
