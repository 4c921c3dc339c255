"""The oracle: supervisor's own config parser reads back what we render.

Input (argv[1]): a JSON list of {"group": name, "text": file content}.
Output: one JSON line per item with the values supervisor parsed for the
first process of the file's first [program:x], or {"error": why}.
"""

import json
import pwd
import sys

from supervisor.datatypes import Automatic, RestartUnconditionally, RestartWhenExitUnexpected
from supervisor.options import ServerOptions, UnhosedConfigParser


def restart(value):
    if value is RestartUnconditionally:
        return "always"
    if value is RestartWhenExitUnexpected:
        return "unexpected"
    return "never"


def logfile(value):
    if value is Automatic:
        return "AUTO"
    if value is None:
        return "NONE"
    return value


def read(item):
    options = ServerOptions()
    options.here = "/tmp"
    parser = UnhosedConfigParser()
    parser.read_string(item["text"])
    sections = [s for s in parser.sections() if s.startswith("program:")]
    process = options.processes_from_section(parser, sections[0], item["group"])[0]
    return {
        "name": process.name,
        "command": process.command,
        "environment": process.environment or {},
        "directory": process.directory,
        "umask": process.umask,
        "priority": process.priority,
        "autostart": process.autostart,
        "autorestart": restart(process.autorestart),
        "startsecs": process.startsecs,
        "startretries": process.startretries,
        "user": None if process.uid is None else pwd.getpwuid(process.uid).pw_name,
        "stopsignal": int(process.stopsignal),
        "stopwaitsecs": process.stopwaitsecs,
        "exitcodes": list(process.exitcodes),
        "stdout-logfile": logfile(process.stdout_logfile),
        "stdout-logfile-maxbytes": process.stdout_logfile_maxbytes,
    }


with open(sys.argv[1], encoding="utf-8") as f:
    items = json.load(f)
for item in items:
    try:
        out = read(item)
    except Exception as e:  # the oracle reports, the test judges
        out = {"error": "%s: %s" % (type(e).__name__, e)}
    print(json.dumps(out, ensure_ascii=False))
