using Xunit;
namespace Csrun.Tests.Spec;

/// <summary>Hand-written config.json documents used by the parser tests.</summary>
internal static class SpecSamples
{
    /// <summary>A config using (nearly) every v1.3.0 field, in the shapes real tools emit.</summary>
    public const string Full = """
    {
        "ociVersion": "1.3.0",
        "process": {
            "terminal": true,
            "consoleSize": { "height": 25, "width": 80 },
            "user": { "uid": 1, "gid": 1, "umask": 63, "additionalGids": [5, 6] },
            "args": ["sh", "-c", "echo hi"],
            "env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"],
            "cwd": "/root",
            "capabilities": {
                "bounding": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
                "effective": ["CAP_AUDIT_WRITE", "CAP_KILL"],
                "inheritable": ["CAP_AUDIT_WRITE"],
                "permitted": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
                "ambient": ["CAP_NET_BIND_SERVICE"]
            },
            "rlimits": [
                { "type": "RLIMIT_CORE", "hard": 1024, "soft": 1024 },
                { "type": "RLIMIT_NOFILE", "hard": 18446744073709551615, "soft": 1024 }
            ],
            "noNewPrivileges": true,
            "apparmorProfile": "acme_secure_profile",
            "oomScoreAdj": 100,
            "scheduler": { "policy": "SCHED_DEADLINE", "flags": ["SCHED_FLAG_RESET_ON_FORK"], "runtime": 100000, "deadline": 200000, "period": 300000 },
            "selinuxLabel": "system_u:system_r:svirt_lxc_net_t:s0:c124,c675",
            "ioPriority": { "class": "IOPRIO_CLASS_IDLE", "priority": 4 },
            "execCPUAffinity": { "initial": "7", "final": "0-3,7" }
        },
        "root": { "path": "rootfs", "readonly": true },
        "hostname": "slartibartfast",
        "domainname": "foobarbaz.test",
        "mounts": [
            { "destination": "/proc", "type": "proc", "source": "proc" },
            { "destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "strictatime", "mode=755", "size=65536k"] },
            { "destination": "/data", "type": "none", "source": "/volumes/testing", "options": ["rbind", "rw", "idmap"],
              "uidMappings": [{ "containerID": 0, "hostID": 1000, "size": 10 }],
              "gidMappings": [{ "containerID": 0, "hostID": 1000, "size": 10 }] }
        ],
        "hooks": {
            "prestart": [{ "path": "/usr/bin/fix-mounts", "args": ["fix-mounts", "arg1", "arg2"], "env": ["key1=value1"] }],
            "createRuntime": [{ "path": "/usr/bin/setup-network" }],
            "createContainer": [{ "path": "/usr/bin/mount-hook", "args": ["-mount", "arg1"], "env": ["key1=value1"], "timeout": 5 }],
            "startContainer": [{ "path": "/usr/bin/refresh-ldcache" }],
            "poststart": [{ "path": "/usr/bin/notify-start", "timeout": 5 }],
            "poststop": [{ "path": "/usr/sbin/cleanup.sh", "args": ["cleanup.sh", "-f"] }]
        },
        "annotations": {
            "com.example.key1": "value1",
            "com.example.key2": "value2",
            "org.opencontainers.image.os": "linux"
        },
        "linux": {
            "uidMappings": [{ "containerID": 0, "hostID": 1000, "size": 32000 }],
            "gidMappings": [{ "containerID": 0, "hostID": 1000, "size": 32000 }],
            "sysctl": { "net.ipv4.ip_forward": "1", "net.core.somaxconn": "256" },
            "resources": {
                "devices": [
                    { "allow": false, "access": "rwm" },
                    { "allow": true, "type": "c", "major": 10, "minor": 229, "access": "rw" }
                ],
                "memory": { "limit": 536870912, "reservation": 536870912, "swap": 536870912, "kernel": -1, "kernelTCP": -1,
                            "swappiness": 0, "disableOOMKiller": false, "useHierarchy": true, "checkBeforeUpdate": true },
                "cpu": { "shares": 1024, "quota": 1000000, "burst": 1000000, "period": 500000, "realtimeRuntime": 950000,
                         "realtimePeriod": 1000000, "cpus": "2-3", "mems": "0-7", "idle": 0 },
                "pids": { "limit": 32771 },
                "blockIO": {
                    "weight": 10, "leafWeight": 10,
                    "weightDevice": [{ "major": 8, "minor": 0, "weight": 500, "leafWeight": 300 }, { "major": 8, "minor": 16, "weight": 500 }],
                    "throttleReadBpsDevice": [{ "major": 8, "minor": 0, "rate": 600 }],
                    "throttleWriteBpsDevice": [{ "major": 8, "minor": 0, "rate": 700 }],
                    "throttleReadIOPSDevice": [{ "major": 8, "minor": 0, "rate": 800 }],
                    "throttleWriteIOPSDevice": [{ "major": 8, "minor": 16, "rate": 300 }]
                },
                "hugepageLimits": [{ "pageSize": "2MB", "limit": 209715200 }, { "pageSize": "64KB", "limit": 1000000 }],
                "network": { "classID": 1048577, "priorities": [{ "name": "eth0", "priority": 500 }, { "name": "eth1", "priority": 1000 }] },
                "rdma": { "mlx5_1": { "hcaHandles": 3, "hcaObjects": 10000 }, "mlx4_0": { "hcaObjects": 1000 } },
                "unified": { "io.max": "259:0 rbps=2097152 wiops=120\n253:0 rbps=2097152 wiops=120", "hugetlb.1GB.max": "1073741824" }
            },
            "cgroupsPath": "/myRuntime/myContainer",
            "namespaces": [
                { "type": "pid" }, { "type": "network" }, { "type": "ipc" }, { "type": "uts" },
                { "type": "mount" }, { "type": "user" }, { "type": "cgroup" }, { "type": "time" }
            ],
            "devices": [
                { "path": "/dev/fuse", "type": "c", "major": 10, "minor": 229, "fileMode": 438, "uid": 0, "gid": 0 },
                { "path": "/dev/sda", "type": "b", "major": 8, "minor": 0, "fileMode": 432, "uid": 0, "gid": 0 }
            ],
            "netDevices": { "eth0": { "name": "container_eth0" }, "ens4": {} },
            "seccomp": {
                "defaultAction": "SCMP_ACT_ERRNO",
                "defaultErrnoRet": 1,
                "architectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"],
                "flags": ["SECCOMP_FILTER_FLAG_LOG"],
                "listenerPath": "/run/seccomp-agent.socket",
                "listenerMetadata": "metadata",
                "syscalls": [
                    { "names": ["getcwd", "chmod"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38 },
                    { "names": ["personality"], "action": "SCMP_ACT_ALLOW",
                      "args": [{ "index": 0, "value": 4294967295, "op": "SCMP_CMP_EQ" }, { "index": 1, "value": 8, "valueTwo": 2, "op": "SCMP_CMP_MASKED_EQ" }] },
                    { "names": ["mkdir"], "action": "SCMP_ACT_NOTIFY" }
                ]
            },
            "rootfsPropagation": "slave",
            "maskedPaths": ["/proc/kcore", "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug"],
            "readonlyPaths": ["/proc/asound", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"],
            "mountLabel": "system_u:object_r:svirt_sandbox_file_t:s0:c715,c811",
            "intelRdt": { "closID": "guaranteed_group", "schemata": ["L3:0=7f0;1=1f", "MB:0=20;1=70"], "l3CacheSchema": "L3:0=7f0;1=1f", "memBwSchema": "MB:0=20;1=70", "enableMonitoring": true },
            "memoryPolicy": { "mode": "MPOL_INTERLEAVE", "nodes": "2-3", "flags": ["MPOL_F_STATIC_NODES"] },
            "personality": { "domain": "LINUX32", "flags": [] },
            "timeOffsets": { "monotonic": { "secs": 172800, "nanosecs": 0 }, "boottime": { "secs": -3600, "nanosecs": 500 } }
        }
    }
    """;
}
