# Takes the lock on file descriptor 9 when flock(1) is missing: a lock on
# an open file description outlives the process that took it.
import fcntl
import sys
import time

deadline = time.time() + float(sys.argv[1])
while True:
    try:
        fcntl.flock(9, fcntl.LOCK_EX | fcntl.LOCK_NB)
        sys.exit(0)
    except OSError:
        if time.time() >= deadline:
            sys.exit(1)
        time.sleep(0.1)
