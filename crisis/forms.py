from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from crisis.models import CrisisType, LogKind, Phase
from csat import text_limits
from csat.forms import NameField, StyledForm
from csat.params import MAX_INT32, BoundedDateField, BoundedDateTimeField, not_after_today


def _staff_choices(store_id: int | None) -> Any:
    return get_user_model().objects.filter(is_active=True, profile__store_id=store_id).order_by("first_name")


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        profile = getattr(obj, "profile", None)
        dept = profile.department.name if profile and profile.department else ""
        return f"{obj.get_full_name() or obj.username} {dept}".strip()


class OpenForm(StyledForm):
    type = forms.ChoiceField(label=_("危机类型"), choices=CrisisType.choices)
    title = NameField(label=_("标题"), max_length=200, blank_message=_("请填写标题。"))
    summary = forms.CharField(
        max_length=text_limits.TEXT,
        label=_("预警信号与概况"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )
    mobile = forms.CharField(label=_("客户手机号（可选）"), max_length=32, required=False)
    # Issue #22: opening a case asks for a one-line reason and a confirmation.
    reason = forms.CharField(label=_("为什么按危机处理（一句话）"), max_length=200, strip=True)
    confirm = forms.BooleanField(label=_("确认发起危机事件（总经理和应急小组会立即收到通知）"))


class PhaseForm(StyledForm):
    phase = forms.ChoiceField(label=_("进入阶段"), choices=Phase.choices)
    reason = forms.CharField(
        max_length=text_limits.NOTE, label=_("原因"), widget=forms.Textarea(attrs={"rows": 2})
    )


class TeamForm(StyledForm):
    user = StaffChoiceField(label=_("成员"), queryset=None)  # type: ignore[arg-type]
    role = NameField(label=_("职责"), max_length=100, required=False)
    is_leader = forms.BooleanField(label=_("组长"), required=False)

    def __init__(self, *args: Any, store_id: int | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = _staff_choices(store_id).select_related("profile__department")  # type: ignore[attr-defined]


class PlanForm(StyledForm):
    text = forms.CharField(
        max_length=text_limits.TEXT, label=_("危机处理方案"), widget=forms.Textarea(attrs={"rows": 6})
    )


class LogForm(StyledForm):
    kind = forms.ChoiceField(label=_("类型"), choices=LogKind.choices)
    text = forms.CharField(
        label=_("内容"), widget=forms.Textarea(attrs={"rows": 3}), max_length=text_limits.TEXT
    )


class MediaForm(StyledForm):
    outlet = NameField(label=_("媒体"), max_length=100, blank_message=_("请填写媒体名称。"))
    date = BoundedDateField(
        label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}), validators=[not_after_today]
    )
    exposed = forms.BooleanField(label=_("已曝光"), required=False)
    reach = forms.IntegerField(
        label=_("传播量（阅读/播放）"), required=False, min_value=0, max_value=MAX_INT32
    )
    response = forms.CharField(
        max_length=text_limits.NOTE, label=_("应对"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class ActionForm(StyledForm):
    title = NameField(label=_("行动"), max_length=200, blank_message=_("请填写行动内容。"))
    owner = StaffChoiceField(label=_("负责人"), queryset=None)  # type: ignore[arg-type]
    due_at = BoundedDateTimeField(
        label=_("截止时间"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )

    def __init__(self, *args: Any, store_id: int | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _staff_choices(store_id).select_related("profile__department")  # type: ignore[attr-defined]


class ReviewForm(StyledForm):
    causes = forms.CharField(
        max_length=text_limits.TEXT, label=_("原因分析"), widget=forms.Textarea(attrs={"rows": 3})
    )
    lessons = forms.CharField(
        max_length=text_limits.TEXT, label=_("经验教训"), widget=forms.Textarea(attrs={"rows": 3})
    )
    preventive_measures = forms.CharField(
        max_length=text_limits.TEXT, label=_("预防措施"), widget=forms.Textarea(attrs={"rows": 3})
    )


class DecisionForm(StyledForm):
    decision = forms.ChoiceField(
        label=_("审批"), choices=[("approve", _("批准结案")), ("reject", _("驳回"))], widget=forms.RadioSelect
    )
    comment = forms.CharField(
        max_length=text_limits.NOTE, label=_("意见"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


# The reasons a GM most often gives for dismissing a warning, offered as suggestions on the board
# (free text stays allowed): the routine that looks alarming (issue 23's hard negatives) and DOMAIN
# §4's grievance, which is fed back to the department, not handled as a crisis.
DISMISS_REASONS = [
    _("例行保修索赔，非危机"),
    _("保险理赔或事故维修，非危机"),
    _("客户已明确表示不会投诉或曝光"),
    _("一般抱怨，已反馈部门处理"),
    _("已与客户沟通解决"),
]


class SignalDecisionForm(forms.Form):
    """Opening a case from a warning, or dismissing it: one line saying why (issue #22)."""

    reason = forms.CharField(max_length=200, strip=True, label=_("原因（一句话）"))
