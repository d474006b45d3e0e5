# podman's default profile (docker format) -> OCI linux.seccomp for an x86_64 container with
# runc's default capabilities (CAP_AUDIT_WRITE, CAP_KILL, CAP_NET_BIND_SERVICE), selecting
# rules by includes/excludes as podman does.
def caps: ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"];
def arches: ["amd64", "x86", "x32"];
def hit($list; $set): ($list // []) | any(. as $x | $set | index($x));
def included: (.includes // {}) as $i
  | (($i.arches == null) or hit($i.arches; arches))
    and (($i.caps // []) | all(. as $c | caps | index($c)));
def excluded: (.excludes // {}) as $e | hit($e.arches; arches) or hit($e.caps; caps);
{
  defaultAction,
  defaultErrnoRet,
  architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
  syscalls: [.syscalls[] | select(included and (excluded | not))
             | {names, action} + (if .errnoRet then {errnoRet} else {} end)
               + (if (.args // []) | length > 0 then {args} else {} end)]
}
