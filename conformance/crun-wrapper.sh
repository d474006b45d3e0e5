#!/bin/sh
# crun-wrapper.sh ARGS...: runs /usr/bin/crun (1.8.1) on this hybrid-cgroup host.
#
# crun refuses hybrid hosts ("cgroups in hybrid mode not supported, drop all controllers from
# cgroupv2"). This runs it in a private mount namespace where the cgroup2 mount at
# /sys/fs/cgroup/unified is made private and unmounted, so crun sees a plain v1 host; other
# mounts keep their propagation (--propagation unchanged), so crun's containers see the same
# peer groups as runc's and csrun's. On a pure v2 host there is nothing to hide.
CRUN=${CRUN:-/usr/bin/crun}
exec unshare --mount --propagation unchanged sh -c '
	if grep -q " /sys/fs/cgroup/unified " /proc/self/mountinfo; then
		mount --make-private /sys/fs/cgroup/unified && umount /sys/fs/cgroup/unified || exit 125
	fi
	exec "$0" "$@"' "$CRUN" "$@"
