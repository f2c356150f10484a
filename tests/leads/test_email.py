"""The owner of a newly assigned lead gets an email through a real SMTP server."""

from __future__ import annotations

import pytest

from guanxi.leads import configuration, services


@pytest.mark.django_db
def test_assignment_email_in_the_owners_language(world, smtp, django_capture_on_commit_callbacks):
    rep = world.users["rep_a"]
    rep.email, rep.language = "rep_a@example.cn", "zh-hans"
    rep.save()
    configuration.assignment_rule_save(
        actor=world.users["admin"], data={"name": "All", "action": "user", "user": rep.pk}
    )
    # the event's subscriber runs after commit, and queues the email after its own commit
    with django_capture_on_commit_callbacks(execute=True):
        lead = services.lead_capture(
            organisation=world.org,
            data={"name": "周杰", "mobile": "13300133000"},
            channel="web_form",
        )
    assert len(smtp.messages) == 1
    envelope = smtp.messages[0]
    assert envelope.rcpt_tos == ["rep_a@example.cn"]
    import email

    message = email.message_from_bytes(envelope.content)
    body = message.get_payload(decode=True).decode("utf-8")
    assert f"https://crm.example.cn/leads/{lead.pk}/" in body
    assert "周杰" in body and "您有一条新线索" in body  # in the owner's language
