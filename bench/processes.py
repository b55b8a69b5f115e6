"""What the bench scripts share about the server processes they start."""

from __future__ import annotations

import subprocess


def stop(process: subprocess.Popen[str]) -> None:
    """Terminate a server process, kill it if it lingers, and close its pipe."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    if process.stdout is not None:
        process.stdout.close()
