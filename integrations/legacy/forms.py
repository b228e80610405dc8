from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from core.forms import Form

from .models import LegacyImport


def max_zip_bytes() -> int:
    return int(getattr(settings, "HELPDESK_LEGACY_IMPORT_MAX_MB", 2048)) * 1024 * 1024


class LegacyImportForm(Form):
    archive = forms.FileField(
        label=_("Export of the old helpdesk (.zip)"),
        help_text=_("The JSON files and the folder of attachments, zipped together."),
    )
    origin = forms.ChoiceField(
        label=_("Format"),
        choices=LegacyImport.Origin.choices,
        initial=LegacyImport.Origin.EXPORT,
        widget=forms.RadioSelect,
    )

    def clean_archive(self):
        upload = self.cleaned_data["archive"]
        if upload.size > max_zip_bytes():
            raise forms.ValidationError(
                _("The file is larger than %(limit)s MB.") % {"limit": max_zip_bytes() // 2**20}
            )
        upload.seek(0)
        if upload.read(4) != b"PK\x03\x04":
            raise forms.ValidationError(_("Give a .zip file."))
        upload.seek(0)
        return upload
