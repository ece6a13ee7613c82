from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from csat.models import Store
from intake.columns import KIND_CHOICES
from intake.reading import MAX_UPLOAD_BYTES

ALLOWED_EXTENSIONS = (".xlsx", ".csv")


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("数据类型"), choices=KIND_CHOICES)
    store = forms.ModelChoiceField(label=_("门店"), queryset=Store.objects.none())
    file = forms.FileField(label=_("文件（.xlsx 或 .csv）"))

    def __init__(self, *args: Any, stores: Any, own_store_id: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["store"].queryset = stores  # type: ignore[attr-defined]
        # The user's own store first (issue #22), else the only one they may import into.
        if own_store_id is not None and stores.filter(pk=own_store_id).exists():
            self.fields["store"].initial = own_store_id
        elif stores.count() == 1:
            self.fields["store"].initial = stores.first()

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if not str(upload.name).lower().endswith(ALLOWED_EXTENSIONS):
            raise forms.ValidationError(_("只支持 .xlsx 或 .csv 文件。"))
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("文件超过 %(mb)d MB 上限。") % {"mb": MAX_UPLOAD_BYTES // (1024 * 1024)}
            )
        return upload
