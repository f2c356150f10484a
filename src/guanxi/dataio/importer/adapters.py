"""What the import engine needs to know about one object type: one small adapter each.

An adapter names the fields a file may fill (the service's own), the keys an existing
record can be matched by, how references (an account given by name) are found, and the
service functions that create and update a record. Every row goes through those services,
with their validation, events and search upkeep, each in a savepoint of the batch's
transaction. Contacts, imported by the million, have a fast path (``contacts.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import models, transaction
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.core import access
from guanxi.core.errors import DomainError
from guanxi.core.normalize import InvalidValue, clean_text, normalize_email, normalize_phone
from guanxi.dataio.importer import fields as cells

# Header words people use for a field, beyond its label in English and Chinese.
ALIASES = {
    "name": ("姓名", "名称", "联系人", "客户名称", "客户", "full name"),
    "company": ("公司", "公司名称", "单位", "company name", "organization", "organisation"),
    "account": ("公司", "公司名称", "客户", "客户名称", "company", "company name"),
    "contact": ("联系人", "contact name"),
    "title": ("职务", "职位", "job title", "position"),
    "mobile": ("手机", "手机号", "手机号码", "mobile phone", "cell", "cellphone"),
    "phone": ("电话", "座机", "办公电话", "telephone", "tel", "office phone"),
    "email": ("邮箱", "电子邮箱", "邮件", "e-mail", "email address", "mail"),
    "wechat_id": ("微信", "微信号", "wechat", "weixin"),
    "region": ("区域", "大区", "地区"),
    "province": ("省份", "省"),
    "city": ("城市", "市"),
    "address": ("地址", "联系地址"),
    "industry": ("行业", "所属行业"),
    "source": ("来源", "客户来源", "线索来源"),
    "campaign": ("活动", "推广活动"),
    "message": ("留言", "备注", "message", "comments"),
    "notes": ("备注", "说明", "remarks", "comments"),
    "description": ("描述", "说明", "备注", "remarks"),
    "kind": ("类型", "type"),
    "gender": ("性别", "sex"),
    "birthday": ("生日", "出生日期", "date of birth", "birth date"),
    "department": ("部门", "dept"),
    "amount": ("金额", "预计金额", "value", "deal value"),
    "stage": ("阶段", "销售阶段"),
    "expected_close": ("预计成交日期", "预计成交", "close date"),
    "subject": ("主题", "标题"),
    "body": ("内容", "详情", "details"),
    "due_at": ("截止时间", "到期", "due", "due date"),
    "tags": ("标签", "tag"),
    "website": ("网站", "网址", "web", "url"),
    "grade": ("等级", "客户等级"),
    "id": ("编号", "id", "guanxi id"),
}

KEY_LABELS = {
    "id": gettext_lazy("ID (as exported)"),
    "email": gettext_lazy("Email"),
    "mobile": gettext_lazy("Mobile"),
    "phone": gettext_lazy("Phone"),
    "sku": gettext_lazy("SKU"),
}


def _key_value(key: str, value: Any) -> Any:
    """A key cell in the form it is stored in (E.164, lower-case email, an integer id)."""
    if key == "id":
        text = clean_text(value)
        return int(text) if text.isdigit() else None
    if key == "email":
        return normalize_email(value) or None
    if key == "sku":
        return clean_text(value) or None
    return normalize_phone(value) or None


@dataclass(frozen=True)
class Ref:
    """A related record given in a cell by its id or its name."""

    model: type[models.Model]
    obj_type: str | None  # None: shared per organisation (stages, pipelines)
    lookup: str = "name"


@dataclass
class Outcome:
    """What a batch did: counts, issues (row, field, message, skipped) and rows written."""

    created: int = 0
    updated: int = 0
    skipped: int = 0
    failed: int = 0
    issues: list[tuple[int, str, str, bool, list[str]]] = field(default_factory=list)
    written: list[tuple[int, int, bool, Any]] = field(default_factory=list)
    # Runs of consecutive ids created for consecutive good rows: (first row, first id, last id)
    runs: list[tuple[int, int, int]] = field(default_factory=list)

    def issue(self, row: int, name: str, message: Any, cells_: list[str], *, skipped=False):
        self.issues.append((row, name, str(message)[:500], skipped, cells_))
        if skipped:
            self.skipped += 1
        else:
            self.failed += 1


@dataclass
class Plan:
    """A checked batch, ready to be written: what ``Adapter.plan`` read and decided, and what
    ``Adapter.apply`` then writes.

    ``keys`` and ``lookups`` let the job check the next batch while this one is written
    (``importer.pipeline``): the values of the duplicate keys this batch's new rows hold,
    and the values of the import's key this batch looked records up by. ``barrier``: this
    batch writes through the services (updates, rows with tags), whose effects a batch
    checked meanwhile could not foresee, so the next is checked only after it is written.
    """

    outcome: Outcome
    rows: list = field(default_factory=list)  # through the services, one savepoint each
    matches: dict = field(default_factory=dict)  # row → the record it updates
    new: list = field(default_factory=list)  # fast path: (row, values without the id)
    keys: dict[str, set] = field(default_factory=dict)
    lookups: set = field(default_factory=set)
    # An id looked up found no record: it may be one the batch in flight is creating (its
    # ids are reserved only as it is written), so this batch is checked again after it.
    missed_ids: bool = False

    @property
    def barrier(self) -> bool:
        return bool(self.rows)


@dataclass
class Context:
    actor: Any
    mode: str
    key: str
    owner: Any = None
    dry_run: bool = False
    header: list[str] = field(default_factory=list)


@dataclass
class Adapter:
    object_type: str
    model: type[models.Model]
    fields: tuple[str, ...]
    create: Callable[..., Any]
    update: Callable[..., Any]
    keys: tuple[str, ...] = ("id",)
    refs: dict[str, Ref] = field(default_factory=dict)
    required: tuple[str, ...] = ()
    label: Any = ""
    aliases: dict[str, tuple[str, ...]] = field(default_factory=dict)  # before ALIASES
    keep_raw: bool = False

    # --- In a worker process: cells to values, no database -----------------------------

    def clean(self, data: dict[str, str]) -> dict[str, Any]:
        data = {k: v for k, v in data.items() if v.strip() or k in self.required}
        out = cells.coerce(self.model, data)
        cells.check(self.model, out, self.required)
        return out

    # --- In the job: one batch, in the caller's transaction ---------------------------

    # Whether the job may check the next batch while this adapter's batch is written
    # (``importer.pipeline``); otherwise each batch is checked and written in turn.
    pipelined = False

    def write(self, ctx: Context, batch: list[tuple[int, dict | None, list, list[str]]]) -> Outcome:
        """Create or update each good row of ``batch``: (row, data, errors, cells)."""
        return self.apply(ctx, self.plan(ctx, batch))

    def plan(self, ctx: Context, batch: list, pending: dict[str, set] | None = None) -> Plan:
        """Check ``batch`` and decide what each row does, reading only. ``pending``: values
        of the duplicate keys that batches not yet committed are writing (as if they were)."""
        outcome = Outcome()
        good = self.prepare(ctx, batch, outcome)
        lookups: set = set()
        matches = self.match(ctx, good, outcome, lookups)
        return Plan(
            outcome,
            rows=without_refused(good, outcome),
            matches=matches,
            lookups=lookups,
            missed_ids=self.missed_ids(ctx, lookups, matches),
        )

    def missed_ids(self, ctx: Context, lookups: set, matches: dict) -> bool:
        """Whether rows were looked up by an id that no record has (see ``Plan``)."""
        if (ctx.key or "id") != "id" or not lookups:
            return False
        return bool(lookups - {obj.pk for obj in matches.values()})

    def apply(self, ctx: Context, plan: Plan) -> Outcome:
        """Write what ``plan`` decided, in the caller's transaction."""
        self.apply_rows(ctx, plan.rows, plan.matches, plan.outcome)
        return plan.outcome

    def prepare(self, ctx: Context, batch: list, outcome: Outcome) -> list:
        """The rows that passed the worker's checks, their references resolved."""
        good = _report_bad(outcome, batch)
        self.resolve_refs(ctx, good, outcome)
        return without_refused(good, outcome)

    def apply_rows(self, ctx: Context, good: list, matches: dict, outcome: Outcome) -> None:
        """Each row through the service, in a savepoint: a refused row leaves no trace."""
        for row, data, _errors, raw in good:
            existing = matches.get(row)
            data.pop("id", None)
            try:
                with transaction.atomic():
                    if existing is not None:
                        before = self.snapshot(existing, data)
                        obj = self.update(
                            actor=ctx.actor,
                            **{self.object_type: existing},
                            data=data,
                            version=existing.version,
                        )
                        outcome.updated += 1
                        outcome.written.append((row, obj.pk, False, before))
                    else:
                        obj = self.create(
                            actor=ctx.actor,
                            data=data,
                            owner=ctx.owner,
                            **self.create_options(ctx, raw),
                        )
                        outcome.created += 1
                        outcome.written.append((row, obj.pk, True, None))
            except DomainError as exc:
                for name, messages in (exc.fields or {"": [exc.message]}).items():
                    outcome.issue(row, name, "; ".join(map(str, messages)), raw)
                    break

    def create_options(self, ctx: Context, cells: list[str]) -> dict[str, Any]:
        """More arguments for ``create`` (the lead keeps its row as it came)."""
        return {"raw": dict(zip(ctx.header, cells, strict=False))} if self.keep_raw else {}

    def resolve_refs(self, ctx: Context, good: list, outcome: Outcome) -> None:
        """Related records given by name or id, found among those the actor may see: one
        query per reference a batch. A name must name exactly one."""
        for name, ref in self.refs.items():
            values = {str(d[name]).strip() for _r, d, _e, _c in good if d.get(name)}
            if not values:
                continue
            qs = ref.model._default_manager.all()
            qs = (
                access.scoped(ctx.actor, qs, ref.obj_type)
                if ref.obj_type
                else qs.filter(organisation_id=ctx.actor.organisation_id)
            )
            ids = {int(v) for v in values if v.isdigit()}
            names = values - {str(i) for i in ids}
            found: dict[str, list[int]] = {}
            for pk in qs.filter(pk__in=ids).values_list("pk", flat=True) if ids else ():
                found[str(pk)] = [pk]
            if names:
                for pk, value in qs.filter(**{f"{ref.lookup}__in": names}).values_list(
                    "pk", ref.lookup
                ):
                    found.setdefault(value, []).append(pk)
            for row, data, _errors, raw in good:
                value = str(data.get(name) or "").strip()
                if not value:
                    continue
                pks = found.get(value, [])
                if len(pks) == 1:
                    data[name] = pks[0]
                    continue
                message = (
                    _("Several records are named “%(name)s”: give its ID instead.")
                    if pks
                    else _("No record “%(name)s” that you can see.")
                )
                outcome.issue(row, name, message % {"name": value}, raw)

    def match(
        self, ctx: Context, good: list, outcome: Outcome, lookups: set | None = None
    ) -> dict[int, models.Model]:
        """The existing record each row updates (update and upsert), by the chosen key;
        the key values looked up are added to ``lookups``."""
        if ctx.mode == "create" and not ctx.key:
            return {}
        key = ctx.key or "id"
        by_value: dict[Any, list[int]] = {}
        for row, data, _errors, raw in good:
            try:
                value = _key_value(key, data.get(key, "")) if data.get(key) else None
            except InvalidValue as exc:
                outcome.issue(row, key, exc, raw)
                continue
            if value is None:
                if ctx.mode == "update":
                    outcome.issue(row, key, _("No value to find the record by."), raw, skipped=True)
                continue
            by_value.setdefault(value, []).append(row)
        if not by_value:
            return {}
        if lookups is not None:
            lookups.update(by_value)
        lookup = "pk" if key == "id" else key
        qs = access.scoped(ctx.actor, self.model._default_manager.all(), self.object_type)
        found: dict[Any, list] = {}
        for obj in qs.filter(**{f"{lookup}__in": list(by_value)}).order_by("pk"):
            found.setdefault(getattr(obj, lookup), []).append(obj)
        matches: dict[int, models.Model] = {}
        raw_of = {r: raw for r, _d, _e, raw in good}
        for value, rows_ in by_value.items():
            objs = found.get(value, [])
            for row in rows_:
                raw = raw_of[row]
                if len(objs) > 1:
                    outcome.issue(row, key, _("Several records match this value."), raw)
                elif objs and ctx.mode == "create":
                    outcome.issue(
                        row, key, _("A record with this value exists already."), raw, skipped=True
                    )
                elif objs:
                    matches[row] = objs[0]
                elif ctx.mode == "update":
                    outcome.issue(row, key, _("No record matches this value."), raw, skipped=True)
        return matches

    def snapshot(self, obj: models.Model, data: dict[str, Any]) -> dict[str, Any]:
        """The values an update is about to change, as the service takes them back (undo)."""
        out: dict[str, Any] = {}
        for name in data:
            if name == "tags":
                out[name] = [t.name for t in obj.tags.all()]
                continue
            f = self.model._meta.get_field(name)
            value = getattr(obj, f.attname)
            out[name] = value.isoformat() if hasattr(value, "isoformat") else value
            if value is not None and not isinstance(value, str | int | bool | float):
                out[name] = str(value)
        return out

    def field_labels(self) -> list[tuple[str, str]]:
        out = []
        for name in self.fields:
            if name == "tags":
                out.append((name, _("Tags")))
            elif name == "id":
                out.append((name, _("ID")))
            else:
                out.append((name, capfirst(str(self.model._meta.get_field(name).verbose_name))))
        return out

    def suggest(self, header: list[str]) -> list[str]:
        """A field for each column title (English or Chinese label, or a known alias)."""
        words: dict[str, str] = {}
        for name, own in self.aliases.items():
            for alias in own:
                words[_word(alias)] = name
        for name in self.fields:
            for language in ("en", "zh-hans"):
                with translation.override(language):
                    labels = dict(self.field_labels())
                words.setdefault(_word(labels[name]), name)
            words.setdefault(_word(name), name)
            words.setdefault(_word(name.replace("_", " ")), name)
        for name in self.fields:
            for alias in ALIASES.get(name, ()):
                words.setdefault(_word(alias), name)
        out: list[str] = []
        for title in header:
            name = words.get(_word(title), "")
            out.append("" if name in out else name)
        return out


def _word(text: Any) -> str:
    return " ".join(str(text).strip().casefold().replace("_", " ").split())


def _is_id(value: Any) -> bool:
    return isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit())


def _report_bad(outcome: Outcome, batch: list) -> list:
    good = []
    for row, data, errors, raw in batch:
        if errors:
            name, message = errors[0]
            outcome.issue(row, name, message, raw)
        elif data is not None:
            good.append((row, data, errors, raw))
    return good


def without_refused(good: list, outcome: Outcome) -> list:
    refused = {i[0] for i in outcome.issues}
    return [g for g in good if g[0] not in refused]
