from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.widgets import CheckboxInput, ListWidget
from wtforms.validators import DataRequired, Email, EqualTo, Length

from matchmaker.i18n import _l


class LoginForm(FlaskForm):
    email = EmailField(_l("邮箱"), validators=[DataRequired(), Length(max=120)])
    password = PasswordField(_l("密码"), validators=[DataRequired(), Length(max=200)])


class RegisterForm(FlaskForm):
    company_name = StringField(_l("企业名称"), validators=[DataRequired(), Length(max=100)])
    credit_code = StringField(_l("统一社会信用代码"), validators=[DataRequired(), Length(min=18, max=18)])
    role = SelectField(_l("企业类型"), choices=[("supplier", _l("配套企业（供应商）")),
                                             ("anchor", _l("主机企业（龙头企业）"))])
    region = StringField(_l("注册地（区县名称或行政区划代码）"), validators=[DataRequired(), Length(max=30)])
    park = SelectField(_l("所在园区"), choices=[], validate_choice=False)
    address = StringField(_l("注册地址"), validators=[Length(max=200)])
    legal_representative = StringField(_l("法定代表人"), validators=[Length(max=50)])
    contact_name = StringField(_l("联系人"), validators=[DataRequired(), Length(max=50)])
    contact_phone = StringField(_l("联系电话"), validators=[DataRequired(), Length(max=30)])
    email = EmailField(_l("登录邮箱"), validators=[DataRequired(), Email(), Length(max=120)])
    password = PasswordField(_l("密码（至少10位）"), validators=[DataRequired(), Length(min=10, max=200)])
    password2 = PasswordField(_l("确认密码"), validators=[DataRequired(), EqualTo("password", _l("两次输入的密码不一致"))])


class TokenForm(FlaskForm):
    name = StringField(_l("令牌名称（如：ERP 对接）"), validators=[DataRequired(), Length(max=50)])
    # No DataRequired: on checkboxes it would make the browser demand every one of them;
    # tokens.issue refuses an empty choice.
    scopes = SelectMultipleField(_l("权限范围"), choices=[], option_widget=CheckboxInput(),
                                 widget=ListWidget(prefix_label=False))
    days = SelectField(_l("有效期"), coerce=int, default=365,
                       choices=[(30, _l("30 天")), (90, _l("90 天")), (365, _l("1 年"))])
