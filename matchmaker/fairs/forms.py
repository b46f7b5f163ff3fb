from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from matchmaker.i18n import _l

DATE, TIME, NUMBER = {"type": "date"}, {"type": "time"}, {"type": "number", "min": 0}


class FairForm(FlaskForm):
    """Dates, times and numbers arrive as text from the browser's own pickers; their meaning
    (ranges, order, breaks) is checked by service.parse_fair so the same rules hold for every
    caller."""
    name = StringField(_l("洽谈会名称"), validators=[DataRequired(), Length(max=100)])
    cluster = SelectField(_l("产业集群"), choices=[], validate_choice=False)
    venue = StringField(_l("地点"), validators=[Length(max=200)])
    days = StringField(_l("首日"), validators=[DataRequired()], render_kw=DATE)
    day_count = StringField(_l("连续举办天数"), render_kw={**NUMBER, "min": 1, "max": 5})
    day_start = StringField(_l("每天开始"), validators=[DataRequired()], render_kw=TIME)
    day_end = StringField(_l("每天结束"), validators=[DataRequired()], render_kw=TIME)
    slot_minutes = StringField(_l("每场时长（分钟）"), validators=[DataRequired()],
                               render_kw=NUMBER)
    breaks = StringField(_l("休息时段（如 12:00-13:30）"))
    tables = StringField(_l("洽谈桌数量"), validators=[DataRequired()], render_kw=NUMBER)
    registration_opens = StringField(_l("报名开始日期"), validators=[DataRequired()],
                                     render_kw=DATE)
    registration_closes = StringField(_l("报名截止日期"), validators=[DataRequired()],
                                      render_kw=DATE)
    min_meetings = StringField(_l("每方最少会谈数"), render_kw=NUMBER)
    max_meetings = StringField(_l("每方最多会谈数（空 = 不限）"), render_kw=NUMBER)
    request_expiry_hours = StringField(_l("邀约有效期（小时）"), render_kw=NUMBER)
    priority_missing_links = BooleanField(_l("优先安排存在缺失环节的主机企业的会谈"))
    priority_new_suppliers = BooleanField(_l("优先安排新入驻平台（一年内）的配套企业的会谈"))
    weight_expected_value = BooleanField(
        _l("按预期本地采购额加权（主机企业在市外采购该零部件的金额 × 匹配度）"))
