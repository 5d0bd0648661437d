"""Small readers of the pages' stable markup."""

import re

CONTROL = re.compile(r'data-scope="([^"]+)"\s+data-state="([^"]+)"')


def control_states(body: str) -> dict[str, str]:
    """scope ("purpose/application/data_kind") -> data-state of every consent control."""
    return dict(CONTROL.findall(body))
