from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from matchmaker.i18n import _l

CERTIFICATIONS = ["ISO9001", "IATF16949", "ISO14001", "ISO45001", "CCC", "UL", "CE", "GJB9001"]


class CapabilityForm(FlaskForm):
    products = TextAreaField(_l("主要产品"), validators=[DataRequired(), Length(max=500)])
    processes = TextAreaField(_l("工艺能力"), validators=[Length(max=500)])
    materials = StringField(_l("材料"), validators=[Length(max=500)])
    equipment = TextAreaField(_l("主要设备"), validators=[Length(max=500)])
    certifications = SelectMultipleField(
        _l("体系认证"), choices=[(c, c) for c in CERTIFICATIONS], validate_choice=True,
        option_widget=CheckboxInput(), widget=ListWidget(prefix_label=False))
    capacity_per_year = IntegerField(_l("年产能（件/套）"),
                                     validators=[Optional(), NumberRange(min=0, max=10**12)])
    category = SelectField(_l("零部件品类"), choices=[], validate_choice=False)
