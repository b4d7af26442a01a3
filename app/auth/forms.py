from wtforms import EmailField, PasswordField
from wtforms.validators import EqualTo, InputRequired, Length

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


class ForgottenPasswordForm(BaseForm):
    email = EmailField(
        "Email address",
        filters=[strip],
        validators=[InputRequired("Enter the email address of your account."), Length(max=254)],
    )


class NewPasswordForm(BaseForm):
    password = PasswordField(
        "New password",
        description="At least 10 characters. A few words together are easy to remember.",
        validators=[InputRequired("Enter a new password."), Length(max=200)],
    )
    confirm = PasswordField(
        "New password again",
        validators=[
            InputRequired("Enter the new password again."),
            EqualTo("password", "The two passwords are not the same."),
        ],
    )


class ChangePasswordForm(NewPasswordForm):
    current = PasswordField(
        "Current password",
        validators=[InputRequired("Enter your current password."), Length(max=200)],
    )
