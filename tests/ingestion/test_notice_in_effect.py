"""Nothing is captured that the notice in effect no longer describes, lapsed or not."""

from governance.models import ConsentState, InteractionEvent
from governance.services.notices import notice_create, notice_publish
from tests.factories import retention_covered
from tests.ingestion.helpers import batch, event, post
from tests.ingestion.test_policy import entry, policy


def narrow_notice(olivia, catalogue, *, kinds):
    """A non-material notice over fewer kinds: it lapses nothing."""
    notice = notice_create(
        actor=olivia,
        title="Recording, narrowed",
        body="We no longer record keystrokes.",
        purposes=[catalogue["purpose"]],
        applications=catalogue["applications"],
        data_kinds=kinds,
    )
    with retention_covered():
        return notice_publish(notice=notice, actor=olivia)


def test_a_notice_that_drops_a_kind_ends_its_capture_at_once_without_lapsing_it(
    client, token, catalogue, olivia, alice_consents_all
):
    alice = alice_consents_all
    kept = [k for k in catalogue["kinds"] if k.slug != "key"]
    narrow_notice(olivia, catalogue, kinds=kept)

    response = post(client, token, batch([event(), event(type="pointer_down")]))

    assert response.status_code == 200, response.content
    assert response.json()["accepted"] == 1
    assert response.json()["dropped"] == {"no_consent": 1}
    assert list(InteractionEvent.objects.values_list("event_type", flat=True)) == ["pointer_down"]
    # Her grant stands (a non-material change lapses nothing); the notice just no longer
    # describes keystrokes, so nothing of them is recorded and devices are told so.
    states = ConsentState.objects.filter(employee=alice.employee)
    assert set(states.values_list("state", flat=True)) == {"granted"}
    [purpose] = entry(policy(client, token, "alice@example.com").json(), "alice@example.com")[
        "purposes"
    ]
    [vscode] = purpose["applications"]
    assert "key" not in vscode["data_kinds"] and "click" in vscode["data_kinds"]
