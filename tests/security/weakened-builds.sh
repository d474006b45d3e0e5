#!/bin/sh
# weakened-builds.sh [NAME...]
#
# Proves that each attack test in tests/Csrun.IntegrationTests/Tests/SecurityTests.cs can fail:
# for every defence, copies the source tree to a temp dir, removes that one defence with a
# small patch (listed below), builds the copy with NativeAOT into /tmp/csrun-weak-NAME, runs the
# matching test with CSRUN_BINARY pointing at it, and reports whether the test FAILED (as it
# must). Run by hand as root on the test machine (not in CI: one AOT build per defence takes
# minutes). With NAMEs, only those; `--list` prints them. Exit status 0 when every test failed
# against its weakened build.
#
# Needs: the .NET SDK, python3, bin/escape-probe and bin/syscall-probe (make probe).
set -eu

repo=$(cd "$(dirname "$0")/../.." && pwd -P)
work=${CSRUN_WEAK_DIR:-/tmp/csrun-weakened}
project=$repo/tests/Csrun.IntegrationTests/Csrun.IntegrationTests.csproj

# name | test (SecurityTests.<method>) | what the patch removes
weakenings='
init-from-disk|Runtime_Binary_Cannot_Be_Overwritten_Through_Init|init is exec'\''d from the on-disk binary instead of the sealed memfd
exec-from-disk|Runtime_Binary_Cannot_Be_Overwritten_Through_Exec|exec does not re-run itself from a sealed memfd (its children are only non-dumpable)
init-cwd-by-path|Cwd_Through_Proc_Self_Fd_Does_Not_Leave_The_Container|init makes and enters process.cwd by path (chdir), magic links followed
exec-cwd-by-path|Exec_Cwd_Through_Proc_Self_Fd_Does_Not_Leave_The_Container|exec enters --cwd with chdir(2), magic links followed
no-close-range|Container_Process_Holds_Only_Stdio_And_Preserved_Fds|no close_range(CLOEXEC) before the container process (init and exec)
mount-follows-symlinks|Symlinked_Mount_Destinations_Stay_In_The_Rootfs|mount targets resolved without RESOLVE_IN_ROOT and not checked inside the rootfs
mount-by-path|Mount_Target_Swapped_For_A_Symlink_During_Setup_Stays_In_The_Rootfs|targets resolved inside the rootfs, then mounted by path name (check-then-use)
proc-writes-through-container|Fake_Proc_In_The_Image_Does_Not_Divert_Procfs_Writes|sysctls and oom_score_adj written through the container'\''s /proc, no fstatfs check
proc-on-symlink|Proc_That_Is_A_Symlink_Is_Refused|procfs/sysfs may be mounted through a symlink
no-proc-mount-rules|Mounts_That_Cover_Procfs_Are_Refused|no check of what a mount covers in /proc
masks-follow-symlinks|Masked_And_Readonly_Paths_Through_Symlinks_Do_Not_Touch_A_Host_Volume|masked and read-only paths followed through symlinks
no-capability-drop|Mknod_Of_Unlisted_Devices_Fails|init keeps every capability (no bounding drop, no capset)
no-device-cgroup|Host_Disk_Cannot_Be_Opened_From_The_Container|the device cgroup allows every device, whatever the config rules say (v1 and eBPF)
'

if [ "${1:-}" = "--list" ]; then
    echo "$weakenings" | sed '/^$/d' | awk -F'|' '{ printf "%-30s %s\n  test: SecurityTests.%s\n", $1, $3, $2 }'
    exit 0
fi

# replace FILE OLD NEW: literal, and the OLD text must be there exactly once.
replace() {
    python3 - "$1" "$2" "$3" <<'EOF'
import sys
path, old, new = sys.argv[1], sys.argv[2], sys.argv[3]
text = open(path).read()
if text.count(old) != 1:
    sys.exit(f"weakened-builds: {path}: expected the text once, found it {text.count(old)} times:\n{old}")
open(path, "w").write(text.replace(old, new))
EOF
}

weaken() {
    src=$1/src/Csrun.Runtime
    case "$2" in
    init-from-disk)
        replace "$src/Process/ContainerCreator.cs" \
            'int exeFd = Track(fds, SealedExecutable.Create(_store.DirOf(options.Id)));' \
            'int exeFd = Track(fds, Sys.Open("/proc/self/exe", K.O_RDONLY));' ;;
    exec-from-disk)
        replace "$1/src/Csrun/Program.cs" \
            'Csrun.Runtime.Linux.SealedExecutable.ReexecSealedIfNeeded(StateRootOf(line));' \
            '{ }' ;;
    init-cwd-by-path)
        replace "$src/Rootfs/WorkingDirectory.cs" \
            'int root = Sys.Open("/", K.O_PATH | K.O_DIRECTORY);' \
            'Sys.Chdir(cwd); return; int root = Sys.Open("/", K.O_PATH | K.O_DIRECTORY);'
        replace "$src/Rootfs/RootfsBuilder.cs" \
            'try { fd = root.MkdirAll(cwd, 0x1ed); }' \
            'try { Sys.MkdirAll(SecurePath.Join(_rootfs, cwd), 0x1ed); fd = -1; }' ;;
    exec-cwd-by-path)
        replace "$src/Process/ExecChild.cs" \
            '        EnterWorkingDirectory(p);' \
            '        if (Sys3(SYS_chdir, (long)p->Cwd) < 0) Fail(p, StepChdir);' ;;
    no-close-range)
        replace "$src/Process/InitProcess.cs" \
            'Sys.CloseRangeCloexec((uint)(3 + config.PreserveFds));' \
            '/* no close_range */'
        replace "$src/Process/ExecChild.cs" \
            'if (Sys3(Native.SYS_close_range, 3 + p->PreserveFds, uint.MaxValue, K.CLOSE_RANGE_CLOEXEC) < 0) Fail(p, StepCloseRange);' \
            '/* no close_range */' ;;
    mount-follows-symlinks)
        replace "$src/Rootfs/RootDir.cs" \
            'public const ulong Resolve = K.RESOLVE_IN_ROOT | K.RESOLVE_NO_MAGICLINKS;' \
            'public const ulong Resolve = 0;'
        replace "$src/Rootfs/RootDir.cs" \
            'string real = _proc.PathOf(fd);
        if (!IsInside(real))
            throw new InvalidOperationException($"{what}: resolves to' \
            'string real = _proc.PathOf(fd);
        if (real == "never")
            throw new InvalidOperationException($"{what}: resolves to'
        replace "$src/Rootfs/RootDir.cs" \
            'if (!IsInside(real)) throw new InvalidOperationException($"{real} is outside the rootfs {Path}");' \
            'if (!IsInside(real)) return "/outside";' ;;
    mount-by-path)
        replace "$src/Rootfs/RootfsBuilder.cs" \
            '_proc.Mount(mount.Source ?? mount.Type, fd, mount.Type, options.Flags, options.DataString, root.Show(destination));' \
            'Sys.Mount(mount.Source ?? mount.Type, SecurePath.Join(_rootfs, destination), mount.Type, options.Flags, options.DataString);' ;;
    proc-writes-through-container)
        replace "$src/Process/InitProcess.cs" \
            'proc.WriteFile("sys/" + key.Replace('"'"'.'"'"', '"'"'/'"'"'), value, "/proc/sys/" + key.Replace('"'"'.'"'"', '"'"'/'"'"'), beneath: "sys");' \
            'Sys.WriteFile("/proc/sys/" + key.Replace('"'"'.'"'"', '"'"'/'"'"'), value);'
        replace "$src/Process/InitProcess.cs" \
            'proc.WriteFile("self/oom_score_adj", oom.ToString(), "/proc/self/oom_score_adj");' \
            'Sys.WriteFile("/proc/self/oom_score_adj", oom.ToString());' ;;
    proc-on-symlink)
        replace "$src/Rootfs/RootfsBuilder.cs" \
            'if (mount.Type is "proc" or "sysfs") RequireOrdinaryDirectory(root, destination, mount.Type);' \
            '' ;;
    no-proc-mount-rules)
        replace "$src/Rootfs/RootfsBuilder.cs" \
            'string resolved = root.InRootPath(fd);' \
            'string resolved = root.InRootPath(fd); if (resolved.Length > 0) return;' ;;
    masks-follow-symlinks)
        replace "$src/Rootfs/RootfsBuilder.cs" \
            'int fd = root.TryOpen(path, K.O_PATH, out int errno, K.RESOLVE_NO_SYMLINKS);' \
            'int fd = root.TryOpen(path, K.O_PATH, out int errno);' ;;
    no-capability-drop)
        replace "$src/Process/InitProcess.cs" 'caps?.DropBounding();' '/* no bounding drop */'
        replace "$src/Process/InitProcess.cs" 'caps?.ApplyProcessSets();' '/* no capset */' ;;
    no-device-cgroup)
        replace "$src/Cgroups/ResourcePlanner.cs" \
            'yield return new("devices", "devices.deny", "a");' \
            'yield return new("devices", "devices.allow", "a"); if (Environment.TickCount64 != 0) yield break;'
        replace "$src/Cgroups/DeviceFilterProgram.cs" \
            'var list = new List<Rule> { new(false, '"'"'a'"'"', null, null, "rwm") };' \
            'var list = new List<Rule> { new(true, '"'"'a'"'"', null, null, "rwm") }; if (list.Count > 0) return list;' ;;
    *) echo "unknown weakening $2 (see --list)" >&2; return 1 ;;
    esac
}

copy_tree() {
    (cd "$repo" && git ls-files -co --exclude-standard -- src Directory.Build.props global.json Runtime.sln | tar -cf - -T -) | tar -C "$1" -xf -
}

# --check: applies every patch to a scratch copy (no build), to see they all still apply.
if [ "${1:-}" = "--check" ]; then
    echo "$weakenings" | sed '/^$/d' | while IFS='|' read -r name test what; do
        tree=$(mktemp -d)
        copy_tree "$tree"
        if (weaken "$tree" "$name"); then echo "$name: applies"; else echo "$name: DOES NOT APPLY"; fi
        rm -rf "$tree"
    done
    exit 0
fi

selected=$*
mkdir -p "$work"
echo "building the integration tests once"
dotnet build "$project" --nologo -v quiet </dev/null >"$work/test-build.log" 2>&1 || { cat "$work/test-build.log"; exit 1; }

results=""
status=0
echo "$weakenings" | sed '/^$/d' > "$work/list"
while IFS='|' read -r name test what; do
    if [ -n "$selected" ] && ! echo " $selected " | grep -q " $name "; then continue; fi
    echo "=== $name: $what"
    tree=$(mktemp -d "$work/src-$name.XXXXXX")
    copy_tree "$tree"
    weaken "$tree" "$name"
    binary=/tmp/csrun-weak-$name
    if ! (cd "$tree" && nice dotnet publish src/Csrun/Csrun.csproj -c Release -r linux-x64 -p:PublishAot=true \
            -o "$tree/obj/publish" --nologo -v quiet) </dev/null >"$work/$name.build.log" 2>&1; then
        echo "    build FAILED (see $work/$name.build.log)"
        results="$results$name: build failed\n"
        status=1
        continue
    fi
    cp "$tree/obj/publish/csrun" "$binary"
    rm -rf "$tree"
    if CSRUN_BINARY=$binary dotnet test "$project" --no-build --nologo \
            --filter "FullyQualifiedName~SecurityTests.$test" </dev/null >"$work/$name.test.log" 2>&1; then
        echo "    SecurityTests.$test PASSED against the weakened build: the test does not catch it"
        results="${results}$name: SecurityTests.$test passed (NOT caught)\n"
        status=1
    else
        why=$(grep -m1 -A2 "Error Message:" "$work/$name.test.log" | tail -n +2 | tr -s ' ' | cut -c1-220 | tr '\n' ' ')
        echo "    SecurityTests.$test FAILED, as it must: $why"
        results="${results}$name: SecurityTests.$test FAILED as it must\n"
    fi
done < "$work/list"

echo
echo "summary ($work/*.test.log have the details):"
printf "$results"
exit $status
