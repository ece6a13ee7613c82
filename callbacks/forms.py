"""Forms of the agent's screens: queue filters, a call attempt, and the survey form per type.

Forms check the shape of the input (400); the business rules (mandatory items, level ranges,
reason codes, the grade override) live in callbacks.services and come back as field errors.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.forms.utils import ErrorDict
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from callbacks import booking, selectors
from callbacks.models import AGENT_CHANNEL_CHOICES, Channel, Dimension, Grade, Outcome, SurveyType
from callbacks.services import SurveyInput
from callbacks.survey_items import items_for
from csat import text_limits
from csat.domain import levels, scoring
from csat.forms import ShortModelChoiceField, StyledForm
from csat.models import Role, Store

LOCAL_INPUT = "%Y-%m-%dT%H:%M"


class AgentForm(StyledForm):
    """The agent's forms render their radios and checkboxes plainly: those are styled too."""

    style_checks = True


# The parts of the work queue a filter (and the agent's home numbers) may keep.
QUEUE_PARTS = [
    ("", _("当前应拨打")),
    ("today", _("今日到期")),
    ("overdue", _("已逾期")),
    ("booked", _("约定回拨（全部）")),
]


class QueueFilterForm(AgentForm):
    store = ShortModelChoiceField(
        queryset=Store.objects.none(), required=False, label=_("门店"), empty_label=_("全部门店")
    )
    type = forms.ChoiceField(
        choices=[("", _("全部类型")), *SurveyType.choices], required=False, label=_("回访类型")
    )
    agent = ShortModelChoiceField(
        queryset=get_user_model().objects.none(),
        required=False,
        label=_("回访专员"),
        empty_label=_("全部专员"),
    )
    due = forms.ChoiceField(
        choices=QUEUE_PARTS,
        required=False,
        label=_("范围"),
    )
    q = forms.CharField(
        required=False,
        max_length=50,
        label=_("搜索"),
        widget=forms.TextInput(
            # search-wide: the hint reads whole (a col-auto field is only ~20 characters wide).
            attrs={
                "type": "search",
                "placeholder": _("客户姓名、手机尾号或车牌"),
                "autocomplete": "off",
                "class": "search-wide",
            }
        ),
    )
    # Set by the column headers; kept by the filter form as a hidden field. An unknown sort falls back
    # to the queue's own order rather than dropping the other filters.
    sort = forms.CharField(required=False, max_length=20, widget=forms.HiddenInput)

    def clean_sort(self) -> str:
        value = self.cleaned_data.get("sort") or ""
        return value if value.lstrip("-") in selectors.QUEUE_SORTS else ""

    def __init__(self, *args: Any, stores: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["store"].queryset = stores  # type: ignore[attr-defined]
        self.fields["agent"].queryset = (  # type: ignore[attr-defined]
            get_user_model()
            .objects.filter(
                profile__store__in=stores,
                profile__role__in=[Role.AGENT, Role.CUSTOMER_CARE_MANAGER],
                is_active=True,
            )
            .order_by("username")
        )
        self.fields["agent"].label_from_instance = lambda u: u.get_full_name() or u.username  # type: ignore[attr-defined]


class AttemptForm(AgentForm):
    outcome = forms.ChoiceField(choices=Outcome.choices, widget=forms.RadioSelect, label=_("拨打结果"))
    call_back_at = forms.DateTimeField(
        required=False,
        label=_("约定回拨时间"),
        input_formats=[LOCAL_INPUT, "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_INPUT),
    )
    note = forms.CharField(required=False, max_length=500, label=_("备注"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("outcome") == Outcome.CALL_BACK_LATER:
            if not data.get("call_back_at"):
                self.add_error("call_back_at", _("约定回拨时请填写回拨时间。"))
            else:
                try:  # ahead and inside working time (issue #22)
                    booking.check(data["call_back_at"], now=timezone.now(), hours=booking.Hours.load())
                except booking.BookingError as exc:
                    self.add_error("call_back_at", str(exc))
        return data

    def fill_preset(self, key: str) -> None:
        """The preset button pressed without script: the same form again with the booked time filled
        in and "约定回拨" chosen (the agent saves it), or the reason the preset cannot be used."""
        data = self.data.copy()  # type: ignore[attr-defined]  # a QueryDict
        data["outcome"] = Outcome.CALL_BACK_LATER
        try:
            moment = booking.preset_time(key, now=timezone.now(), hours=booking.Hours.load())
        except booking.BookingError as exc:
            self.data = data
            self._errors = None
            self.full_clean()
            self._errors = ErrorDict()  # only the preset's reason shows, not the still blank time
            self.add_error("call_back_at", str(exc))
            return
        data["call_back_at"] = timezone.localtime(moment).strftime(LOCAL_INPUT)
        self.data = data
        self._errors = None


def _level_label(lvl: levels.Level) -> str:
    """Chinese "一般（70–80）", else "Average (70–80)": the domain carries both names."""
    if (get_language() or "zh-hans").startswith("zh"):
        name, left, right = lvl.zh, "（", "）"
    else:
        name, left, right = lvl.en.capitalize(), " (", ")"
    points = f"{lvl.min}" if lvl.is_fixed else f"{lvl.min}–{lvl.max}"
    return f"{name}{left}{points}{right}"


class SurveyForm(AgentForm):
    """One form for the three survey types; the fields present depend on ``survey_type``."""

    channel = forms.ChoiceField(choices=AGENT_CHANNEL_CHOICES, initial=Channel.PHONE, label=_("调查方式"))
    remarks = forms.CharField(
        max_length=text_limits.NOTE,
        required=False,
        label=_("客户意见（原话）"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    complained_externally = forms.BooleanField(required=False, label=_("客户已向厂家、媒体或政府机构投诉"))
    says_unsatisfied = forms.BooleanField(required=False, label=_("客户明确表示不满意"))
    grievance = forms.BooleanField(required=False, label=_("客户有较大意见（已向总经理或部门主管反映）"))
    observed = forms.MultipleChoiceField(
        required=False,
        label=_("通话中了解到的情况（用于定级）"),
        choices=list(selectors.OBSERVED_FACTS.items()),
        widget=forms.CheckboxSelectMultiple,
    )
    grade = forms.ChoiceField(
        required=False,
        label=_("客户等级"),
        choices=[("", _("确认系统建议等级")), *Grade.choices],
    )
    grade_override_reason = forms.CharField(required=False, max_length=300, label=_("改判原因"))

    def __init__(
        self,
        *args: Any,
        survey_type: str,
        departments: Any = None,
        default_department: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.survey_type = survey_type
        if departments is not None:
            # Issue #18: where a dissatisfied or grievance ticket goes; the rules' department is
            # pre-selected, the agent may choose another.
            self.fields["ticket_department"] = forms.ModelChoiceField(
                queryset=departments,
                required=False,
                initial=default_department,
                label=_("不满意/抱怨工单的责任部门"),
                help_text=_("默认按规则派往；如客户反映的是其他部门的问题，请改选。"),
            )
        self.item_groups: list[tuple[str, list[str]]] = []
        if survey_type == SurveyType.FIVE_DIMENSION:
            self._five_dimension_fields()
        else:
            self._overall_fields()
            self._item_fields()
        self.style()  # the fields added above

    def _overall_fields(self) -> None:
        self.fields["score"] = forms.IntegerField(
            required=False,
            min_value=0,
            max_value=100,
            label=_("满意度分数（0–100，直接询问）"),
            widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        )
        self.fields["level"] = forms.ChoiceField(
            required=False,
            label=_("或：满意度等级"),
            choices=[("", "—"), *[(lvl.key, _level_label(lvl)) for lvl in levels.LEVELS]],
        )
        self.fields["level_value"] = forms.IntegerField(
            required=False, min_value=0, max_value=100, label=_("等级内分数（可选，不填取中间值）")
        )
        self.fields["not_rated_reason"] = forms.CharField(
            required=False, max_length=300, label=_("客户未评分的原因")
        )

    def _item_fields(self) -> None:
        groups: dict[str, list[str]] = {}
        for item in items_for(self.survey_type):
            name = f"item_{item.key}"
            label = f"{item.label} *" if item.mandatory else str(item.label)
            attrs = {"aria-required": "true"} if item.mandatory else {}
            self.fields[name] = forms.ChoiceField(
                required=False,
                label=label,
                choices=list(item.choices),
                widget=forms.RadioSelect(attrs=attrs),
                help_text=str(item.help),
            )
            groups.setdefault(str(item.group), []).append(name)
        self.item_groups = list(groups.items())

    def _five_dimension_fields(self) -> None:
        for dim in Dimension:
            self.fields[f"rating_{dim.value}"] = forms.IntegerField(
                required=False,
                min_value=1,
                max_value=10,
                label=dim.label,
                widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 1, "max": 10}),
            )
        self.fields["reason_codes"] = forms.MultipleChoiceField(
            required=False,
            label=_("低分原因（6 分及以下必选）"),
            choices=[
                (str(Dimension(dim).label), [(c.code, c.shown_label) for c in codes])
                for dim, codes in codes_by_dimension().items()
            ],
            widget=forms.CheckboxSelectMultiple,
        )
        self.fields["not_rated_reason"] = forms.CharField(
            required=False, max_length=300, label=_("客户未评分的原因")
        )

    @property
    def item_fields(self) -> list[tuple[str, list[Any]]]:
        return [(group, [self[name] for name in names]) for group, names in self.item_groups]

    @property
    def dimension_rows(self) -> list[tuple[Any, list[Any]]]:
        """Each five-dimension rating with the reason-code checkboxes of its dimension."""
        if "reason_codes" not in self.fields:
            return []
        dimension_of = {c.code: c.dimension for c in selectors.reason_code_list()}
        boxes: dict[str, list[Any]] = {d: [] for d in scoring.DIMENSIONS}
        for box in self["reason_codes"].subwidgets:
            boxes.setdefault(dimension_of.get(box.data["value"], ""), []).append(box)
        return [(self[f"rating_{d}"], boxes[d]) for d in scoring.DIMENSIONS]

    def to_input(self) -> SurveyInput:
        d = self.cleaned_data
        return SurveyInput(
            type=self.survey_type,
            channel=d["channel"],
            score=d.get("score"),
            level=d.get("level") or "",
            level_value=d.get("level_value"),
            not_rated_reason=d.get("not_rated_reason") or "",
            ratings={
                dim: d[f"rating_{dim}"] for dim in scoring.DIMENSIONS if d.get(f"rating_{dim}") is not None
            },
            reason_codes=d.get("reason_codes") or [],
            items={
                name.removeprefix("item_"): value
                for name, value in d.items()
                if name.startswith("item_") and value
            },
            remarks=d.get("remarks") or "",
            complained_externally=d.get("complained_externally", False),
            says_unsatisfied=d.get("says_unsatisfied", False),
            grievance=d.get("grievance", False),
            observed=d.get("observed") or [],
        )

    @property
    def error_links(self) -> list[dict[str, str]]:
        """The error summary after a failed submit: each error with a link to its control, in the
        form's order (errors of the whole form link to the first rating or score)."""
        first_input = next((n for n in ("rating_skill", "score") if n in self.fields), "channel")
        links = []
        for name in self.error_order():
            errors = self.errors[name]
            target = first_input if name == NON_FIELD_ERRORS else name
            if target not in self.fields:
                continue
            bound = self[target]
            label = str(bound.label).removesuffix(" *") if name != NON_FIELD_ERRORS else ""
            for message in errors:
                links.append({"href": f"#{self.control_id(target)}", "label": label, "message": str(message)})
        return links

    def error_order(self) -> list[str]:
        """Erroneous fields as the page shows them, top to bottom (the whole form's errors first)."""
        order = [NON_FIELD_ERRORS, *self.page_order()]
        return [name for name in order if name in self.errors] + [
            name for name in self.errors if name not in order
        ]

    def page_order(self) -> list[str]:
        """The fields in the order the template renders them."""
        head = ["channel"]
        if self.survey_type == SurveyType.FIVE_DIMENSION:
            body = [f"rating_{d}" for d in scoring.DIMENSIONS] + ["reason_codes"]
        else:
            body = ["score", "level", "level_value", *[n for _g, names in self.item_groups for n in names]]
        tail = ["not_rated_reason", "remarks", "says_unsatisfied", "grievance", "complained_externally"]
        tail += ["observed", "grade", "grade_override_reason", "ticket_department"]
        return [name for name in head + body + tail if name in self.fields]

    def control_id(self, name: str) -> str:
        """The id of a field's (first) control: a radio or checkbox group's first box."""
        bound = self[name]
        if isinstance(bound.field.widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
            boxes = bound.subwidgets
            return str(boxes[0].id_for_label) if boxes else str(bound.auto_id)
        return str(bound.auto_id)

    def first_error(self) -> str | None:
        """The field the cursor goes to after a failed submit."""
        for name in self.error_order():
            if name in self.fields:
                return name
        return next((n for n in ("rating_skill", "score") if n in self.fields), None) if self.errors else None

    def add_service_errors(self, exc: ValidationError) -> None:
        """Put the service's field errors under the matching controls (the rest at the top)."""
        for key, messages in exc.message_dict.items():
            name = {"ratings": None, "type": None, "customer": None, "surveyed_at": None}.get(key, key)
            if name and name.startswith("items."):
                name = "item_" + name.removeprefix("items.")
            for message in messages:
                self.add_error(name if name in self.fields else None, message)


def codes_by_dimension() -> dict[str, list[Any]]:
    """The active low-score reason codes of each dimension, in their order (the agent's form and the
    customer's link page ask the same ones)."""
    grouped: dict[str, list[Any]] = {d: [] for d in scoring.DIMENSIONS}
    for code in selectors.reason_code_list():
        grouped.setdefault(code.dimension, []).append(code)
    return grouped
