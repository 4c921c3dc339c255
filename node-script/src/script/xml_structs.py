# The structs of a supervisord XML-RPC response (getProcessInfo,
# getAllProcessInfo), with the standard library only. The step scripts
# that read process states prepend it after rpc_client.py.
# No single quotes here: the step scripts carry it in a shell word.
import re

MEMBER = re.compile(r"<name>(\w+)</name>\s*<value>(?:<(?:string|int)>)?(.*?)(?:</(?:string|int)>)?</value>", re.S)


def structs(body):
    """Every struct of the response `body`, as a dict of its string and
    integer members."""
    return [dict(MEMBER.findall(struct)) for struct in body.decode("utf-8", "replace").split("<struct>")[1:]]
