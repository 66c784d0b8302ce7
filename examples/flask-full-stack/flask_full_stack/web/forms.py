"""The item form and the token-only form behind delete buttons."""

from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional


class ItemForm(FlaskForm):
    """Name and description, with the same limits as the API's schemas."""

    name = StringField("Name", validators=[DataRequired(), Length(max=100)])
    description = TextAreaField("Description", validators=[Optional(), Length(max=1000)])


class DeleteForm(FlaskForm):
    """No fields: only the CSRF token."""
