# The facts script's Python part, run by the node's python3 with -S (the
# standard library only), after rpc_client.py: prints the interpreter, the
# login, and for every supervisord socket given that exists its processes,
# as rpc<TAB>socket<TAB>method<TAB>base64 response.
import binascii, os, pwd, stat, sys
print("python\t%s\t%d.%d.%d" % ((sys.executable,) + tuple(sys.version_info[:3])))
uid = os.getuid()
try:
    user = pwd.getpwuid(uid).pw_name
except KeyError:
    user = str(uid)
print("login\t%s\t%d" % (user, uid))
for path in sys.argv[1:]:
    try:
        if not stat.S_ISSOCK(os.stat(path).st_mode):
            continue
    except OSError:
        continue
    for method in ("supervisor.getAllProcessInfo",):
        try:
            out = binascii.b2a_base64(rpc(path, method), newline=False).decode()
        except Exception:
            out = ""
        print("rpc\t%s\t%s\t%s" % (path, method, out))
