"""Forms of the review pages."""

from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import AnyOf, InputRequired, Length, Optional

from app.forms_common import BaseForm, CheckboxesField, select_options


class KeyMessagesForm(BaseForm):
    # The version the page showed (app.edits): a save from an older page is refused.
    opened_version = HiddenField()
    text = TextAreaField(
        "Key messages",
        description="Four to six plain sentences, one per line. They open the report, "
        "right after the cover, in both versions: write no count below the threshold.",
        validators=[InputRequired(message="Write at least one key message."), Length(max=3000)],
        render_kw={"rows": 10},
    )
    committee_text = TextAreaField(
        "For the committee version only",
        description="Sentences, one per line, that the committee version prints after the "
        "others and the shareable version leaves out: the place for a small number.",
        validators=[Optional(), Length(max=3000)],
        render_kw={"rows": 4},
    )
    # Which button was pressed (plain buttons: the page's form cleaning treats a
    # SubmitField as a checkbox).
    action = HiddenField(validators=[AnyOf(["save", "approve"], message="Choose a button.")])


class SuggestForm(BaseForm):
    """CSRF only: one button."""


class DecisionForm(BaseForm):
    theme_id = HiddenField()
    decision = SelectField(
        "Decision",
        choices=select_options(
            [
                ("accept", "Accept"),
                ("rename", "Rename and accept"),
                ("merge", "Merge into another theme"),
                ("reject", "Reject"),
            ]
        ),
    )
    label = StringField("New name", validators=[Optional(), Length(max=200)])
    merge_into = SelectField("Merge into", choices=[], validate_choice=False)


class BulkDecisionForm(BaseForm):
    """Several themes at once: tick them, then accept or reject them all."""

    themes = CheckboxesField("Themes", choices=[], validate_choice=False)
    decision = HiddenField(
        validators=[AnyOf(["accept", "reject"], message="Choose accept or reject.")]
    )
