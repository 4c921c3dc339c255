# The Python part of supd_directory, run by the python3 of the node with -I -S: makes
# a directory exist with a mode and an owner without following a symbolic
# link anywhere on its way, through directory file descriptors, so that a
# user who can write one of its parents cannot point root elsewhere between
# a check and a change. Missing parents are made by root, mode 0755.
#   argv: PATH MODE(octal) OWNER GROUP CHECK(1: change nothing)
# Prints what it did (new, or what differed; nothing when all was as
# wanted), or "refused: why" and exits 1. This file holds no single quote.
import grp
import os
import pwd
import stat
import sys

path, mode, owner, group, check = sys.argv[1], int(sys.argv[2], 8), sys.argv[3], sys.argv[4], sys.argv[5] == "1"
flags = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
uid = pwd.getpwnam(owner).pw_uid if owner else -1
gid = grp.getgrnam(group).gr_gid if group else -1


def refuse(why):
    print("refused: " + why)
    sys.exit(1)


parts = [p for p in path.split("/") if p]
if not path.startswith("/") or any(p in (".", "..") for p in parts):
    refuse("%s is not a plain absolute path" % path)
fd = os.open("/", flags)
done = []
for index, name in enumerate(parts):
    last = index == len(parts) - 1
    here = "/" + "/".join(parts[: index + 1])
    try:
        child = os.open(name, flags, dir_fd=fd)
    except FileNotFoundError:
        if check:
            print("new")
            sys.exit(0)
        os.mkdir(name, mode if last else 0o755, dir_fd=fd)
        child = os.open(name, flags, dir_fd=fd)
        done.append("new" if last else "made " + here)
    except OSError:
        refuse("%s is a symbolic link or not a directory" % here)
    os.close(fd)
    fd = child
info = os.fstat(fd)
why = [w for w in done if w == "new"]
if stat.S_IMODE(info.st_mode) != mode:
    why.append("mode %o -> %o" % (stat.S_IMODE(info.st_mode), mode))
if uid != -1 and info.st_uid != uid:
    why.append("owner -> " + owner)
if gid != -1 and info.st_gid != gid:
    why.append("group -> " + group)
if why and not check:
    os.fchmod(fd, mode)
    if uid != -1 or gid != -1:
        os.fchown(fd, uid, gid)
print(", ".join(dict.fromkeys(why)))
