"""Forms of the complaint pages: intake and one small form per action."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from complaints.models import Category, CauseCode, Channel, Kind, MajorCriterion
from complaints.services.assessment import ADJUSTMENT_POINTS_ERROR, PENALTY_POINTS_ERROR
from csat import text_limits
from csat.domain import identifiers
from csat.domain.assessment import (
    ADJUSTMENT_POINTS_LIMIT,
    PENALTY_POINTS_MAX,
    PENALTY_POINTS_MIN,
    adjustment_in_bounds,
)
from csat.forms import ReadOnceModelChoiceField, StyledForm
from csat.grade_labels import GRADE_CHOICES
from csat.uploads import validate_agreement

# What a datetime-local input sends.
LOCAL_INPUT = "%Y-%m-%dT%H:%M"


class ComplaintIntakeForm(StyledForm):
    customer_id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    # The callback task the complaint was logged from (its page's 登记客户投诉): the new ticket
    # links back to the call so the agent can finish the survey. Only a link: that page checks access.
    callback = forms.IntegerField(required=False, min_value=1, max_value=2**31 - 1, widget=forms.HiddenInput)
    name = forms.CharField(label=_("客户姓名"), max_length=100, required=False)
    mobile = forms.CharField(label=_("手机号"), max_length=32)
    plate = forms.CharField(label=_("车牌号"), max_length=20, required=False)
    kind = forms.ChoiceField(label=_("类型"), choices=Kind.choices, initial=Kind.COMPLAINT)
    channel = forms.ChoiceField(label=_("渠道"), choices=Channel.choices, initial=Channel.PHONE)
    category = forms.ChoiceField(label=_("投诉类别"), choices=Category.choices, initial=Category.REPAIR)
    content = forms.CharField(label=_("客户原话"), widget=forms.Textarea(attrs={"rows": 4}), max_length=5000)
    received_at = forms.DateTimeField(
        label=_("接收时间"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("默认现在；补录更早的时间须填写原因"),
    )
    received_at_reason = forms.CharField(label=_("补录原因"), max_length=200, required=False)
    urgent = forms.BooleanField(label=_("紧急"), required=False)
    handled_on_site = forms.BooleanField(
        label=_("现场已处理（业务经理在客户到店时当场解决）"), required=False
    )
    major_criteria = forms.MultipleChoiceField(
        label=_("重大投诉条件（任一勾选即为重大投诉）"),
        choices=MajorCriterion.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    # DOMAIN §9 "Grades on every case": the system suggests the grade from what it knows plus this
    # tick; leaving the grade blank confirms the suggestion, another grade needs a reason.
    injury_or_major_loss = forms.BooleanField(label=_("重大财产损失或人身伤亡"), required=False)
    grade = forms.ChoiceField(
        label=_("客户等级"),
        choices=[("", _("按系统建议")), *GRADE_CHOICES],
        required=False,
        help_text=_("留空即确认系统建议的等级；改判须填写原因"),
    )
    grade_override_reason = forms.CharField(label=_("改判等级原因"), max_length=300, required=False)
    # Shown with the customer's open tickets (complaints.repeats): the service refuses a ticket
    # while the customer has an open one unless this is ticked.
    confirm_new_issue = forms.BooleanField(
        label=_("确认是新的问题（与上面的未结工单不是同一件事）"), required=False
    )

    def clean_mobile(self) -> str:
        try:
            return identifiers.normalize_mobile(self.cleaned_data["mobile"])
        except ValueError:
            raise forms.ValidationError(_("请输入 11 位大陆手机号，例如 13800138000。")) from None

    def clean_plate(self) -> str:
        plate = self.cleaned_data.get("plate", "")
        if not plate:
            return ""
        try:
            return identifiers.normalize_plate(plate)
        except ValueError:
            raise forms.ValidationError(_("车牌号格式不正确，例如 粤B·12345。")) from None


class NoteForm(StyledForm):
    note = forms.CharField(
        label=_("说明"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=5000
    )


class EscalateForm(StyledForm):
    """Escalating to a crisis case on the ticket page: one line saying why, and a confirmation
    (issue #22); the API's escalate keeps its optional note (CONTRACT)."""

    note = forms.CharField(label=_("为什么按危机处理（一句话）"), max_length=200, strip=True)
    confirm = forms.BooleanField(label=_("确认升级为危机事件（总经理和应急小组会立即收到通知）"))


class DispatchForm(StyledForm):
    department = forms.ModelChoiceField(label=_("责任部门"), queryset=None)  # type: ignore[arg-type,var-annotated]

    def __init__(self, *args: Any, departments: Any, initial_kind: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["department"]
        field.queryset = departments  # type: ignore[attr-defined]
        if initial_kind:
            field.initial = departments.filter(kind=initial_kind).first()


class ContactForm(StyledForm):
    """The call record of the 2-hour step (procedure step 3): what the customer said (required), the
    cause found, the customer's expectation and the background."""

    note = forms.CharField(
        label=_("通话记录（客户所说）"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=text_limits.TEXT,
        error_messages={"required": _("请填写通话记录：客户说了什么。")},
    )
    cause = forms.CharField(
        max_length=text_limits.TEXT, label=_("原因"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    expectation = forms.CharField(
        max_length=text_limits.TEXT,
        label=_("客户期望"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )
    background = forms.CharField(
        max_length=text_limits.TEXT,
        label=_("背景（客户历史、相关部门）"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )


class ContactAttemptForm(StyledForm):
    """A call within the 2-hour step that the customer did not answer: when, and a note if any. It
    is not contact (the step's timer runs on)."""

    called_at = forms.DateTimeField(
        label=_("拨打时间（可空，默认现在）"),
        required=False,
        input_formats=[LOCAL_INPUT, "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_INPUT),
    )
    note = forms.CharField(
        label=_("备注（可空，如：无人接听、关机）"),
        required=False,
        max_length=text_limits.NOTE,
        error_messages={"max_length": _("备注最多 %(limit_value)d 字，当前 %(show_value)d 字。")},
    )


class InternalNoteForm(StyledForm):
    """An internal note on the ticket's history: seen by whoever may open the ticket, never by the
    customer; changes no status and no deadline."""

    note = forms.CharField(
        label=_("备注（内部可见）"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=text_limits.NOTE,
        error_messages={
            "required": _("请填写备注内容。"),
            "max_length": _("备注最多 %(limit_value)d 字，当前 %(show_value)d 字。"),
        },
    )


class TransferForm(DispatchForm):
    """Customer care moves the ticket to another department (DOMAIN §9), with a reason."""

    reason = forms.CharField(label=_("转派原因"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class ReturnForm(StyledForm):
    reason = forms.CharField(
        label=_("退回原因（须在 2 小时联系时限内）"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
    )


class AssignForm(StyledForm):
    user = ReadOnceModelChoiceField(label=_("处理人（本部门员工）"), queryset=None)  # type: ignore[arg-type]

    def __init__(self, *args: Any, users: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = users  # type: ignore[attr-defined]
        # People by the name the ticket shows them with (处理人), not their login name.
        self.fields["user"].label_from_instance = person_name  # type: ignore[attr-defined]


def person_name(user: Any) -> str:
    """A person as the pages name them: the full name, the login name when there is none."""
    return str(user.get_full_name() or user.username)


class ResponsibleForm(StyledForm):
    staff = forms.CharField(label=_("直接责任人"), max_length=200)
    measure = forms.CharField(
        label=_("内部处理措施（003 考核）"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=5000,
    )


class AccountabilityForm(StyledForm):
    text = forms.CharField(label=_("内部责任追究"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)


class PenaltyRequestForm(StyledForm):
    reason = forms.CharField(
        label=_("申请考核原因（部门怠慢）"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


class PenaltyDecideForm(StyledForm):
    approved = forms.TypedChoiceField(
        label=_("审批考核申请"),
        choices=[("1", _("批准")), ("0", _("驳回"))],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
    )
    points = forms.DecimalField(
        label=_("考核分值"),
        initial=-1,
        max_digits=6,
        decimal_places=1,
        min_value=PENALTY_POINTS_MIN,
        max_value=PENALTY_POINTS_MAX,
        required=False,
        error_messages={"min_value": PENALTY_POINTS_ERROR, "max_value": PENALTY_POINTS_ERROR},
    )
    comment = forms.CharField(
        label=_("审批意见"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000
    )


class ProgressForm(StyledForm):
    note = forms.CharField(label=_("进度说明"), widget=forms.Textarea(attrs={"rows": 2}), max_length=5000)


class ProposeForm(StyledForm):
    solution = forms.CharField(label=_("解决方案"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)
    compensation_amount = forms.DecimalField(
        label=_("补偿金额（元，可空）"), required=False, min_value=0, max_digits=10, decimal_places=2
    )
    # DOMAIN §9 "The GM's gate": money or in kind, either needs the GM's approval.
    compensation_in_kind = forms.CharField(
        label=_("实物补偿（可空，如免费更换轮胎两条、两次免费保养）"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=2000,
    )
    customer_accepted = forms.BooleanField(label=_("客户已接受该方案（当天须反馈结果）"), required=False)


class DecisionForm(StyledForm):
    comment = forms.CharField(
        label=_("审批意见"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000
    )


class AcknowledgeForm(StyledForm):
    """The GM's one-click 已阅 of a major complaint's proposed measures: nothing to type."""


class ResolveForm(StyledForm):
    result = forms.CharField(label=_("处理结果"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)
    cause_code = forms.ModelChoiceField(
        label=_("原因分类（用于预防分析）"), queryset=CauseCode.objects.filter(active=True), required=False
    )
    # The same validator as the API's (csat.uploads): size, and the type by content.
    agreement = forms.FileField(
        label=_("签字协议（PDF/图片，可选）"), required=False, validators=[validate_agreement]
    )


class FollowUpForm(StyledForm):
    outcome = forms.ChoiceField(
        label=_("客户是否满意"),
        choices=[("satisfied", _("满意，关闭投诉")), ("unsatisfied", _("不满意，重新派单"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("回访记录"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_("客户不满意时必填：客户仍对什么不满意"),
        max_length=text_limits.TEXT,
    )

    def clean(self) -> dict[str, Any]:
        """Reopening tells the department what the customer is still unhappy about: the record is
        required then (the API's follow_up keeps its optional note, CONTRACT)."""
        super().clean()
        data = self.cleaned_data
        if data.get("outcome") == "unsatisfied" and not data.get("note") and "note" not in self.errors:
            self.add_error("note", _("客户不满意时请填写回访记录：客户仍对什么不满意。"))
        return data


class AdjustmentForm(StyledForm):
    department = forms.ModelChoiceField(label=_("部门"), queryset=None)  # type: ignore[arg-type,var-annotated]
    points = forms.DecimalField(
        label=_("调整分值（可为负）"),
        max_digits=6,
        decimal_places=1,
        min_value=-ADJUSTMENT_POINTS_LIMIT,
        max_value=ADJUSTMENT_POINTS_LIMIT,
        error_messages={"min_value": ADJUSTMENT_POINTS_ERROR, "max_value": ADJUSTMENT_POINTS_ERROR},
    )
    reason = forms.CharField(label=_("原因"), max_length=300)

    def __init__(self, *args: Any, departments: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments  # type: ignore[attr-defined]

    def clean_points(self) -> Any:
        points = self.cleaned_data["points"]
        if not adjustment_in_bounds(points):  # 0 changes nothing
            raise forms.ValidationError(ADJUSTMENT_POINTS_ERROR)
        return points


class DisputeForm(StyledForm):
    """A department manager disputes one assessment event (issue #18)."""

    department = forms.IntegerField(widget=forms.HiddenInput)
    month = forms.CharField(widget=forms.HiddenInput, max_length=7)
    event = forms.CharField(widget=forms.HiddenInput, max_length=40)
    reason = forms.CharField(label=_("申诉理由"), max_length=2000)


class DisputeDecisionForm(StyledForm):
    accept = forms.TypedChoiceField(
        label=_("处理申诉"),
        choices=[("1", _("申诉成立（撤销该项扣分）")), ("0", _("驳回"))],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(label=_("处理意见"), max_length=2000, required=False)


class BulkActionForm(StyledForm):
    """The list's bulk transfer / assign (issue #22): what the step needs. The choices are the filter
    bar's (loaded once per page); the view reads the chosen department and person from the user's
    scope again when the form is posted."""

    action = forms.ChoiceField(choices=[("transfer", _("批量转派")), ("assign", _("批量指派处理人"))])
    department = forms.TypedChoiceField(label=_("转派到部门"), coerce=int, empty_value=None, required=False)
    user = forms.TypedChoiceField(label=_("处理人"), coerce=int, empty_value=None, required=False)
    reason = forms.CharField(label=_("转派原因"), max_length=2000, required=False)

    def __init__(self, *args: Any, departments: Any, users: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [("", "—"), *departments]  # type: ignore[attr-defined]
        self.fields["user"].choices = [("", "—"), *users]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("action") == "transfer":
            if not data.get("department"):
                self.add_error("department", _("请选择责任部门。"))
            if not (data.get("reason") or "").strip():
                self.add_error("reason", _("请填写转派原因。"))
        if data.get("action") == "assign" and not data.get("user"):
            self.add_error("user", _("请选择处理人。"))
        return data


class SavedViewForm(StyledForm):
    name = forms.CharField(label=_("视图名称"), max_length=40)
    query = forms.CharField(required=False, max_length=1000)
