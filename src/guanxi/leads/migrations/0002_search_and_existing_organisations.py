from django.db import migrations

from guanxi.core.search import search_index_operation

DEFAULT_LEAD_RIGHTS = {
    "admin": ["create", "read", "update", "delete", "export"],
    "sales_manager": ["create", "read", "update", "delete", "export"],
    "sales_rep": ["create", "read", "update"],
}


def existing_organisations(apps, schema_editor):
    """Organisations made before leads existed get the same start as new ones."""
    Organisation = apps.get_model("core", "Organisation")
    Role = apps.get_model("core", "Role")
    Pool = apps.get_model("leads", "Pool")
    LeadSettings = apps.get_model("leads", "LeadSettings")
    ScoringRule = apps.get_model("leads", "ScoringRule")
    from guanxi.leads.scoring import DEFAULT_RULES

    for role in Role.objects.filter(code__in=DEFAULT_LEAD_RIGHTS):
        if "lead" not in role.permissions:
            role.permissions = {**role.permissions, "lead": DEFAULT_LEAD_RIGHTS[role.code]}
            role.save(update_fields=["permissions"])
    for org in Organisation.objects.all():
        if LeadSettings.objects.filter(organisation=org).exists():
            continue
        name = "公海" if (org.language or "").startswith("zh") else "Public pool"
        pool = Pool.objects.create(organisation=org, name=name, reclaim_days=7)
        LeadSettings.objects.create(organisation=org, default_pool=pool)
        ScoringRule.objects.bulk_create(
            ScoringRule(organisation=org, name=n, conditions=c, points=p)
            for n, c, p in DEFAULT_RULES
        )


class Migration(migrations.Migration):
    dependencies = [("leads", "0001_initial"), ("core", "0002_notification")]

    operations = [
        search_index_operation("leads_lead"),
        migrations.RunPython(existing_organisations, migrations.RunPython.noop),
    ]
