# The parser of supervisor itself, run by the interpreter supervisor runs with, on the
# candidate configuration: the live files, with staged ones in their place
# and staged removals left out. Prints the message of supervisor and exits 1
# when it refuses; exits 3 when this interpreter cannot import supervisor
# (one Python start instead of a probe and a check: each imports
# supervisor, about 80 ms).
import fnmatch
import glob
import os
import sys

try:
    from supervisor import options
except Exception:
    sys.exit(3)
config, listing = sys.argv[1], sys.argv[2]
staged, removed = {}, set()
with open(listing) as f:
    for line in f:
        kind, source, target = line.rstrip("\n").split("\t")
        if kind == "write":
            staged[target] = source
        else:
            removed.add(target)
real_glob = glob.glob


class CandidateGlob:
    @staticmethod
    def glob(pattern):
        found = set(real_glob(pattern)) - removed
        found.update(t for t in staged if fnmatch.fnmatch(t, pattern))
        return sorted(found)


options.glob = CandidateGlob
real_read = options.UnhosedConfigParser.read


def read(self, filenames, **kwargs):
    if isinstance(filenames, str):
        filenames = [filenames]
    done = []
    for name in filenames:
        done.extend(real_read(self, [staged.get(name, name)], **kwargs) and [name])
        for section, source in list(self.section_to_file.items()):
            if source == staged.get(name):
                self.section_to_file[section] = name
    return done


options.UnhosedConfigParser.read = read
server = options.ServerOptions()
server.configfile = config
server.here = os.path.dirname(os.path.abspath(config))
try:
    with open(staged.get(config, config)) as fp:
        server.read_config(fp)
except Exception as e:
    print(str(e).replace(staged.get(config, config), config))
    sys.exit(1)
