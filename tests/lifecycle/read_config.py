"""supervisor's own parser on a node's configuration, as supervisord reads
it at start: prints, as one JSON object, every process group and the
names of its processes, or {"error": why} when it refuses the
configuration.

    python read_config.py /path/to/supervisord.conf
"""

import json
import sys

from supervisor.options import ServerOptions


def groups(path):
    options = ServerOptions()
    options.configfile = path
    options.process_config(do_usage=False)
    return {
        group.name: sorted(process.name for process in group.process_configs) for group in options.process_group_configs
    }


try:
    print(json.dumps({"groups": groups(sys.argv[1])}, sort_keys=True))
except Exception as e:  # the oracle reports, the test judges
    print(json.dumps({"error": "%s: %s" % (type(e).__name__, e)}))
