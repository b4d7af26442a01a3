from wtforms import EmailField, PasswordField
from wtforms.validators import InputRequired, Length

from app.forms_common import BaseForm, strip


class SignInForm(BaseForm):
    email = EmailField(
        "Email address",
        filters=[strip],
        validators=[InputRequired("Enter your email address."), Length(max=254)],
    )
    password = PasswordField(
        "Password", validators=[InputRequired("Enter your password."), Length(max=200)]
    )


class SignOutForm(BaseForm):
    pass
