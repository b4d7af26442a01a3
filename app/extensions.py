"""Flask extensions, created unbound so that any module can import them without cycles."""

from flask import session
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)


class SignInManager(LoginManager):
    def _session_protection_failed(self) -> bool:
        # Strong protection is for signed-in sessions. A visitor's session holds only a
        # CSRF token; judged as a stolen sign-in it was rewritten, with a cookie deleted,
        # on every request they made.
        return "_user_id" in session and super()._session_protection_failed()


login_manager = SignInManager()
