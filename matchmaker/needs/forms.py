from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from matchmaker.i18n import _l


class NeedForm(FlaskForm):
    title = StringField(_l("需求标题"), validators=[DataRequired(), Length(max=100)])
    category = SelectField(_l("零部件品类"), choices=[], validate_choice=False)
    description = TextAreaField(_l("需求描述"), validators=[Length(max=2000)])
    spec = TextAreaField(_l("技术规格"), validators=[Length(max=1000)])
    annual_volume = IntegerField(_l("年需求量（件/套）"), validators=[Optional(), NumberRange(min=0, max=10**9)])
    certs_required = StringField(_l("必须具备的资质认证（多个用逗号分隔，如 ISO9001、IATF16949）"),
                                 validators=[Length(max=200)])
    delivery_region = StringField(_l("交付地"), validators=[Length(max=50)])
    deadline = DateField(_l("截止日期"), validators=[Optional()])
    status = SelectField(_l("状态"), choices=[("open", _l("发布")), ("draft", _l("草稿"))])
