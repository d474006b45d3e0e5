#!/usr/bin/env bash
# Writes SyscallTable.Generated.cs (beside this script) from the kernel's uapi headers as
# Debian 12 packages them. Run it again after the header packages change; the output depends
# only on the headers, so an unchanged run leaves the file byte-for-byte the same.
#
# Each architecture's own asm/unistd.h is run through the C preprocessor with that
# architecture's predefined macros (and none of the host's, -undef), because that is exactly
# what a program built for it sees: asm-generic/unistd.h picks its numbers with
# __BITS_PER_LONG and __ARCH_WANT_* tests, and x32/arm numbers are expressions over a base.
set -euo pipefail
export LC_ALL=C

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out="$here/SyscallTable.Generated.cs"
script_path="src/Csrun.Runtime/Seccomp/gen-syscall-tables.sh"

# The x86 headers come from the host's own linux-libc-dev, so they sit where they do only on an
# amd64 host; elsewhere the paths below would need linux-libc-dev-amd64-cross instead.
if [[ "$(dpkg --print-architecture)" != amd64 ]]; then
    echo "gen-syscall-tables.sh: expects an amd64 Debian host (x86 headers from linux-libc-dev)" >&2
    exit 1
fi

# Named with :amd64 so a co-installed foreign linux-libc-dev (i386, say) is not also matched.
packages=(linux-libc-dev:amd64 linux-libc-dev-arm64-cross linux-libc-dev-armhf-cross linux-libc-dev-riscv64-cross cpp)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
done
if ((${#missing[@]})); then
    if [[ $EUID -ne 0 ]]; then
        echo "gen-syscall-tables.sh: missing ${missing[*]}; install them (as root: apt-get install ${missing[*]})" >&2
        exit 1
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

version() { dpkg-query -W -f='${Version}' "$1"; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# cpp arguments per architecture: include roots, then the macros its compiler predefines that
# the headers test (__ILP32__ selects x32, __ARM_EABI__ the EABI numbering, __LP64__ and
# __SIZEOF_POINTER__ riscv's 64-bit choices).
x86_inc=(-I/usr/include/x86_64-linux-gnu -I/usr/include)
declare -A cpp_args=(
    [X86_64]="${x86_inc[*]} -D__x86_64__=1 -D__LP64__=1"
    [X86]="${x86_inc[*]} -D__i386__=1"
    [X32]="${x86_inc[*]} -D__x86_64__=1 -D__ILP32__=1"
    [Aarch64]="-I/usr/aarch64-linux-gnu/include -D__aarch64__=1 -D__LP64__=1 -D__SIZEOF_POINTER__=8"
    [Arm]="-I/usr/arm-linux-gnueabihf/include -D__arm__=1 -D__ARM_EABI__=1 -D__SIZEOF_POINTER__=4"
    [Riscv64]="-I/usr/riscv64-linux-gnu/include -D__riscv=1 -D__riscv_xlen=64 -D__LP64__=1 -D__SIZEOF_POINTER__=8"
)
declare -A source_pkg=(
    [X86_64]=linux-libc-dev:amd64 [X86]=linux-libc-dev:amd64 [X32]=linux-libc-dev:amd64
    [Aarch64]=linux-libc-dev-arm64-cross [Arm]=linux-libc-dev-armhf-cross [Riscv64]=linux-libc-dev-riscv64-cross
)
# Enum order of SeccompArch, so the file reads in the same order as the enum.
arches=(X86_64 X86 X32 Aarch64 Arm Riscv64)

run_cpp() { # arch, extra args...
    local arch=$1; shift
    # shellcheck disable=SC2086 # the per-arch argument strings are meant to split
    cpp -undef -nostdinc ${cpp_args[$arch]} -include asm/unistd.h "$@"
}

# Prints "name number" lines for one architecture, sorted by number then name.
table() {
    local arch=$1
    # Every macro the headers define; __NR_* are the syscalls, __ARM_NR_* arm's private ones
    # (libseccomp and so seccomp profiles name those without the prefix). A leading underscore
    # is part of some real names (_llseek, _newselect, _sysctl). Names that are not lowercase
    # identifiers are bases and masks (__NR_SYSCALL_BASE, __NR_OABI_SYSCALL_BASE,
    # __NR_SYSCALL_MASK); __NR_syscalls is the table size and __NR_arch_specific_syscall the
    # start of a range, not calls. __NR3264_* never match the pattern: they only feed the
    # __NR_ names that 32- and 64-bit builds give different names to.
    run_cpp "$arch" -dM /dev/null |
        sed -nE 's/^#define (__NR_|__ARM_NR_)(_?[a-z][a-z0-9_]*) .*/\1\2 \2/p' |
        awk '$2 != "syscalls" && $2 != "arch_specific_syscall"' |
        sort -k2,2 >"$work/$arch.names"
    local dup
    dup=$(awk '{ print $2 }' "$work/$arch.names" | uniq -d)
    if [[ -n $dup ]]; then
        echo "gen-syscall-tables.sh: $arch: defined twice: $dup" >&2
        exit 1
    fi

    # Let cpp expand each macro fully, then do the arithmetic here: the expansions are sums of
    # integer literals such as (0x40000000 + 0) or ((0+0x0f0000)+1). The name goes in quotes
    # so that cpp leaves it alone even if some header made it a macro.
    awk '{ printf "@@ \"%s\" %s\n", $2, $1 }' "$work/$arch.names" >"$work/$arch.c"
    run_cpp "$arch" -P "$work/$arch.c" | grep '^@@ ' >"$work/$arch.expanded" || true
    if [[ $(wc -l <"$work/$arch.expanded") -ne $(wc -l <"$work/$arch.names") ]]; then
        echo "gen-syscall-tables.sh: $arch: cpp output does not match its macro list" >&2
        exit 1
    fi
    local name expr
    while read -r _ name expr; do
        name=${name//\"/}
        if [[ ! $expr =~ ^[0-9a-fA-FxX+\ \(\)]+$ ]]; then
            echo "gen-syscall-tables.sh: $arch: $name expands to '$expr', not a plain sum" >&2
            exit 1
        fi
        printf '%s %d\n' "$name" "$((expr))"
    done <"$work/$arch.expanded" | sort -k2,2n -k1,1
}

for arch in "${arches[@]}"; do
    table "$arch" >"$work/$arch.table"
    if [[ ! -s "$work/$arch.table" ]]; then
        echo "gen-syscall-tables.sh: $arch: no syscalls found" >&2
        exit 1
    fi
done

{
    echo "// <auto-generated>"
    echo "// Generated by $script_path; do not edit, run the script again."
    echo "// Sources (Debian package versions):"
    for p in linux-libc-dev:amd64 linux-libc-dev-arm64-cross linux-libc-dev-armhf-cross linux-libc-dev-riscv64-cross; do
        echo "//   $p $(version "$p")"
    done
    echo "// Entry counts:$(for a in "${arches[@]}"; do printf ' %s %d' "$a" "$(wc -l <"$work/$a.table")"; done)"
    echo "// </auto-generated>"
    echo "namespace Csrun.Runtime.Seccomp;"
    echo
    echo "public static partial class SyscallTable"
    echo "{"
    echo "    private static partial (string Name, int Number)[] Entries(SeccompArch arch) => arch switch"
    echo "    {"
    for a in "${arches[@]}"; do
        echo "        SeccompArch.$a => $a(),"
    done
    echo "        _ => throw new ArgumentOutOfRangeException(nameof(arch)),"
    echo "    };"
    for a in "${arches[@]}"; do
        echo
        echo "    // asm/unistd.h of ${source_pkg[$a]}, cpp ${cpp_args[$a]}"
        echo "    private static (string Name, int Number)[] $a() =>"
        echo "    ["
        awk '{ printf "        (\"%s\", %d),\n", $1, $2 }' "$work/$a.table"
        echo "    ];"
    done
    echo "}"
} >"$work/out.cs"

# cp, not mv: the temporary file's 0600 mode should not become the checked-out file's.
cp "$work/out.cs" "$out"
echo "wrote $out:$(for a in "${arches[@]}"; do printf ' %s=%d' "$a" "$(wc -l <"$work/$a.table")"; done)"
