from flask_wtf import FlaskForm
from wtforms import RadioField, SelectMultipleField
from wtforms.widgets import CheckboxInput, ListWidget

from matchmaker.i18n import _l


class PreferencesForm(FlaskForm):
    # No DataRequired: receiving no e-mail at all is a valid choice.
    topics = SelectMultipleField(_l("接收以下邮件"), choices=[], option_widget=CheckboxInput(),
                                 widget=ListWidget(prefix_label=False))
    language = RadioField(_l("邮件语言"), choices=[])
