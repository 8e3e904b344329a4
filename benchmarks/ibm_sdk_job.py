"""IBM's SDK doing the sync's job item by item; run with the SDK's own interpreter (its own venv).

Self-contained on purpose (stdlib + the SDK): the SDK's environment has none of our dependencies.
Reads a JSON job on stdin, prints one JSON line: wall_s, cpu_s, peak_rss_mb, updated, unchanged.
"""

from __future__ import annotations

import json
import logging
import resource
import sys
import time


def main() -> None:
    job = json.loads(sys.stdin.read())
    logging.basicConfig(level=logging.WARNING)
    from ibm_watsonx_data_integration import Platform
    from ibm_watsonx_data_integration.common.auth import ICP4DAuthenticator

    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu0 = usage.ru_utime + usage.ru_stime
    wall0 = time.perf_counter()
    # Cloud Pak for Data sign-in: IBM's IAM flow derives iam.<host> from the URL, which a loopback
    # emulator cannot serve; both flows cost one token request.
    auth = ICP4DAuthenticator(url=job["url"], username=job["username"], password=job["password"])
    platform = Platform(auth=auth, base_url=job["url"])
    project = platform.projects.get(name=job["project"])
    updated = unchanged = 0
    for entry in job["entries"]:
        connection = project.connections.get(name=entry["name"])
        wanted = {k: v for k, v in entry["properties"].items() if k != "password"}  # never read back
        drift = {k: v for k, v in wanted.items() if str(connection.properties.get(k)) != str(v)}
        if drift:
            connection.properties.update(drift)
            project.update_connection(connection, test=False)
            updated += 1
        else:
            unchanged += 1
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(
        json.dumps(
            {
                "wall_s": time.perf_counter() - wall0,
                "cpu_s": usage.ru_utime + usage.ru_stime - cpu0,
                "peak_rss_mb": usage.ru_maxrss / 1024,
                "updated": updated,
                "unchanged": unchanged,
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
