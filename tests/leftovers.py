"""What a sandboxed run may leave behind, for tests that check it left nothing."""

from __future__ import annotations

import subprocess
import time


def pool_processes(first_uid: int, *, seconds: float = 10.0) -> list[str]:
    """The uids of processes of the pool ``first_uid`` .. ``first_uid + 31`` still running
    after up to ``seconds``: the killed processes of a pid namespace take a moment to be
    reaped on a busy machine; a process left running never goes."""
    deadline = time.monotonic() + seconds
    while True:
        owners = subprocess.run(["ps", "-eo", "uid="], capture_output=True,
                                text=True).stdout.split()
        left = [uid for uid in owners if first_uid <= int(uid) < first_uid + 32]
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.2)
