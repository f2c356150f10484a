"""A simple CSV import of leads, through the same intake as every other lead.

Each row is cleaned, validated, checked for duplicates, scored and routed by
``services.lead_capture`` in its own transaction: a bad row is reported with its line
number and the field at fault, and never stops the good rows. Files may be UTF-8 (with or
without a BOM) or GB18030/GBK, as Chinese spreadsheet programs save them; headers may be
English or Chinese (姓名, 手机, 公司 …).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from guanxi.core import access
from guanxi.core.errors import DomainError, ValidationFailed
from guanxi.leads.models import Channel
from guanxi.leads.services import LEAD_FIELDS, lead_capture

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 50_000

# Header (case and spaces ignored) → lead field.
HEADERS = {
    "name": "name",
    "姓名": "name",
    "联系人": "name",
    "company": "company",
    "公司": "company",
    "公司名称": "company",
    "单位": "company",
    "title": "title",
    "job title": "title",
    "职务": "title",
    "职位": "title",
    "mobile": "mobile",
    "手机": "mobile",
    "手机号": "mobile",
    "手机号码": "mobile",
    "phone": "phone",
    "电话": "phone",
    "座机": "phone",
    "email": "email",
    "e-mail": "email",
    "邮箱": "email",
    "电子邮箱": "email",
    "wechat": "wechat_id",
    "wechat id": "wechat_id",
    "微信": "wechat_id",
    "微信号": "wechat_id",
    "region": "region",
    "区域": "region",
    "大区": "region",
    "province": "province",
    "省份": "province",
    "省": "province",
    "city": "city",
    "城市": "city",
    "市": "city",
    "industry": "industry",
    "行业": "industry",
    "address": "address",
    "地址": "address",
    "source": "source",
    "来源": "source",
    "campaign": "campaign",
    "活动": "campaign",
    "推广活动": "campaign",
    "message": "message",
    "留言": "message",
    "备注": "message",
    "kind": "kind",
    "类型": "kind",
}


@dataclass
class ImportResult:
    created: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)


def decode(raw: bytes) -> str:
    """UTF-8 (a BOM is dropped), else GB18030 (a superset of GBK and GB2312)."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError:
        raise ValidationFailed.on(
            "file", _("The file is neither UTF-8 nor GB18030/GBK text. Save it as CSV UTF-8.")
        ) from None


def import_leads(*, actor, raw: bytes, owner: Any = None) -> ImportResult:
    """Create a lead for each row; report each bad row (line, field, message)."""
    access.require_right(actor, "lead", "create")
    if len(raw) > MAX_BYTES:
        raise ValidationFailed.on("file", _("The file is larger than 20 MB."))
    text = decode(raw)
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    header = next(reader, None)
    if not header:
        raise ValidationFailed.on("file", _("The file is empty."))
    result = ImportResult()
    mapping: list[str | None] = []
    for title in header:
        key = HEADERS.get(" ".join(title.strip().casefold().split()))
        if key in LEAD_FIELDS and key not in result.columns.values():
            result.columns[title] = key
            mapping.append(key)
        else:
            mapping.append(None)
            if title.strip():
                result.ignored.append(title.strip())
    if not result.columns:
        raise ValidationFailed.on(
            "file", _("No column was recognised. Name them e.g. Name, Company, Mobile, Email.")
        )
    for line, row in enumerate(reader, start=2):
        if line - 1 > MAX_ROWS:
            result.errors.append({"line": line, "field": "", "message": _("Too many rows.")})
            break
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(header):
            result.errors.append(
                {"line": line, "field": "", "message": _("More cells than column titles.")}
            )
            continue
        data = {key: cell for key, cell in zip(mapping, row, strict=False) if key and cell.strip()}
        try:
            lead_capture(
                organisation=actor.organisation,
                data=data,
                channel=Channel.IMPORT,
                actor=actor,
                owner=owner,
                raw=dict(zip(header, row, strict=False)),
            )
        except ValidationFailed as exc:
            for name, messages in (exc.fields or {"": [exc.message]}).items():
                result.errors.append({"line": line, "field": name, "message": "; ".join(messages)})
        except DomainError as exc:
            result.errors.append({"line": line, "field": "", "message": str(exc.message)})
        else:
            result.created += 1
    return result
