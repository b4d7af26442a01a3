"""The organiser's forms for the public "You said, we did" page."""

from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length

from app.forms_common import BaseForm, select_options, strip

PUBLISH = "publish"
UNPUBLISH = "unpublish"


class PublishForm(BaseForm):
    intro = TextAreaField(
        "Introduction (optional)",
        description="Shown above the recommendations, for example who the steering committee is.",
        filters=[strip],
        validators=[Length(max=2000)],
    )
    action = SelectField(
        choices=select_options([(PUBLISH, PUBLISH), (UNPUBLISH, UNPUBLISH)]),
        validators=[InputRequired("Choose what to do.")],
    )


class PublicOwnerForm(BaseForm):
    public_owner = StringField(
        "Owner shown publicly",
        description="An organisation or a role, never a person's name. Left empty, the page "
        "says “The steering committee”.",
        filters=[strip],
        validators=[Length(max=200)],
    )


SUBSCRIBE = "subscribe"
UNSUBSCRIBE = "unsubscribe"


class DigestForm(BaseForm):
    action = SelectField(
        choices=select_options([(SUBSCRIBE, SUBSCRIBE), (UNSUBSCRIBE, UNSUBSCRIBE)]),
        validators=[InputRequired("Choose what to do.")],
    )
